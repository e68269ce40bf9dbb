/* SPDX-License-Identifier: MIT */
/*
 * dataset.h: the validated rows of one dataset directory, with entity ids
 * mapped to dense indices.  Strings live in one pool and are named by their
 * offset; offset 0 is the empty string.
 */
#ifndef VEU_GRAPH_DATASET_H
#define VEU_GRAPH_DATASET_H

#include <stdint.h>

#include "strpool.h"
#include "veu/build.h"

#define VEU_NONE UINT32_MAX

enum {
    VEU_DES_DEFENSE = 1,
    VEU_DES_MILITARY = 2,
    VEU_DES_VEU = 4,
};

typedef struct veu_entity_row {
    uint32_t id, name, country, sector, aliases; /* pool offsets */
    uint32_t seed_src; /* source of the first defense/military designation */
    uint32_t veu_src;  /* source of the first validated_end_user designation */
    uint8_t des;       /* VEU_DES_* */
    uint8_t seed_kind; /* VEU_DES_DEFENSE or VEU_DES_MILITARY of seed_src */
} veu_entity_row_t;

/* A range bound in hundredths of a percent; VEU_NO_BOUND: the register gave none. */
#define VEU_NO_BOUND 0xFFFF

typedef struct veu_own_row {
    uint32_t owner, owned;
    double pct; /* NAN: a stake of unknown size */
    uint8_t control;
    /* the range a register published (BODS, FtM), kept for ranges and uncertainty */
    uint16_t min_c, max_c;
} veu_own_row_t;

_Static_assert(sizeof(veu_own_row_t) == 24, "the range fits in the row's padding");

typedef struct veu_sup_row {
    uint32_t supplier, customer;
    uint32_t product;
} veu_sup_row_t;

typedef struct veu_dataset {
    veu_strpool_t pool;
    veu_idmap_t ids;
    uint32_t n;
    veu_entity_row_t *ent;
    size_t n_own, cap_own;
    veu_own_row_t *own;
    size_t n_sup, cap_sup;
    veu_sup_row_t *sup;
    uint64_t designations;
    char digest[33]; /* XXH3-128 of the files, hex */
    char as_of[11];  /* the day the dated rows were read for (YYYY-MM-DD) */
    int dated;       /* some row or designation carries a date */
} veu_dataset_t;

/*
 * Reads entities.csv and the optional files from dir, as the dated rows
 * stand on as_of (YYYY-MM-DD; NULL or "" for today, UTC).  Problems that skip a
 * row go to rep (or fail the load under strict); fatal ones return a
 * negative code with err filled.  Time: linear in the files' size.
 */
int veu_dataset_load(veu_dataset_t *ds, const char *dir, const veu_policy_t *pol, const char *as_of,
                     veu_report_t *rep, veu_diag_t *err);
void veu_dataset_destroy(veu_dataset_t *ds);

#endif
