/* SPDX-License-Identifier: MIT */
/*
 * dataset.h: the validated rows of one dataset directory, with entity ids
 * mapped to dense indices.  Strings live in one pool and are named by their
 * offset; offset 0 is the empty string.
 */
#ifndef VEU_GRAPH_DATASET_H
#define VEU_GRAPH_DATASET_H

#include <stdint.h>

#include "base/strpool.h"
#include "format/records.h"
#include "veu/build.h"

typedef struct veu_entity_row {
    uint32_t id, name, country, sector, aliases; /* pool offsets */
    uint32_t seed_src; /* the defense/military designations' lists, "; "-joined */
    uint32_t veu_src;  /* the validated_end_user designations' lists, joined */
    uint8_t des;       /* VEU_DES_* from lists that make seeds (seed_lists) */
    uint8_t des_other; /* VEU_DES_DEFENSE/MILITARY from lists seed_lists leaves out */
    uint8_t seed_kind; /* VEU_DES_DEFENSE or VEU_DES_MILITARY of seed_src */
} veu_entity_row_t;

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
    int32_t day;     /* the same, as a day number */
    int dated;       /* some row or designation carries a date */
    /*
     * The history: every valid row with the days it is in effect, kept once
     * a row carries a date or the policy has dated rules, so that answers
     * for another day can be worked out from the snapshot.  Rows of the
     * build day are in own and sup as well; designations are always kept.
     */
    int hist;
    size_t n_hown, cap_hown;
    veu_hown_t *hown;
    size_t n_hsup, cap_hsup;
    veu_hsup_t *hsup;
    size_t n_hdes, cap_hdes;
    veu_hdes_t *hdes;
    uint32_t *hdes_list; /* beside hdes: each row's list id (pool offset; 0: none), for stats */
    size_t cap_hdes_list;
} veu_dataset_t;

/*
 * ownership.csv of veu_ld_split_min bytes or more (4 MiB) is read by both
 * cores: the first part here, the rest after supply.csv on the second.
 * Tests set a small minimum, and veu_ld_split_at (-1: balanced) to choose
 * where to cut; veu_ld_cuts counts the files read in two parts.
 */
extern size_t veu_ld_split_min;
extern long long veu_ld_split_at;
extern unsigned long veu_ld_cuts;

/*
 * Reads entities.csv and the optional files from dir, as the dated rows
 * stand on as_of (YYYY-MM-DD; NULL or "" for today, UTC).  Problems that skip a
 * row go to rep (or fail the load under strict); fatal ones return a
 * negative code with err filled.  Time: linear in the files' size.
 */
int veu_dataset_load(veu_dataset_t *ds, const char *dir, const veu_policy_t *pol, const char *as_of,
                     veu_report_t *rep, veu_diag_t *err);
void veu_dataset_destroy(veu_dataset_t *ds);

/*
 * Applies one designation in effect to an entity (bit may carry
 * VEU_DES_UNSELECTED: a list seed_lists leaves out, which makes no seed).
 * Every list it is on is kept, "; "-joined in the order read (a new string
 * in pool when a second list comes), so that an answer names them all.
 * Returns 0 or -ENOMEM.
 */
int veu_designate(veu_strpool_t *pool, veu_entity_row_t *e, uint8_t bit, uint32_t source);

#endif
