/* SPDX-License-Identifier: MIT */
/*
 * history.h: the dated rows of a dataset, ordered for the snapshot, so
 * that an answer for another day can find the part of the graph around a
 * buyer as it stood then (history.c).
 */
#ifndef VEU_GRAPH_HISTORY_H
#define VEU_GRAPH_HISTORY_H

#include "load/dataset.h"

typedef struct veu_history_ix {
    veu_hown_t *own;     /* by (owned, owner); a pair's rows in file order */
    uint32_t *own_in;    /* n + 1 offsets into own, by owned */
    uint32_t *own_out_e; /* indices into own, by (owner, owned) */
    uint32_t *own_out;   /* n + 1 offsets into own_out_e, by owner */
    veu_hsup_t *sup;     /* by (supplier, customer) */
    uint32_t *sup_out;   /* n + 1 offsets into sup */
    veu_hdes_t *des;     /* by entity, in file order */
    uint32_t *des_off;   /* n + 1 offsets into des */
} veu_history_ix_t;

/* Orders the dataset's history.  Returns 0 or -ENOMEM.  Time: linear. */
int veu_history_index(veu_history_ix_t *x, const veu_dataset_t *ds);

/*
 * The same work in parts that fill disjoint fields of a zeroed x, so that
 * two threads can each take one: VEU_HIST_OWN (the ownership rows, most of
 * the work), VEU_HIST_SUP_DES (supply rows and designations).  Returns 0 or
 * -ENOMEM, with what it made left for veu_history_ix_destroy.
 */
enum { VEU_HIST_OWN, VEU_HIST_SUP_DES, VEU_HIST_PARTS };
int veu_history_index_part(veu_history_ix_t *x, const veu_dataset_t *ds, int part);
void veu_history_ix_destroy(veu_history_ix_t *x);

#endif
