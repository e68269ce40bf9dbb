/* SPDX-License-Identifier: MIT */
/* snapshot_write.h: what a snapshot is made of, and writing it. */
#ifndef VEU_GRAPH_SNAPSHOT_WRITE_H
#define VEU_GRAPH_SNAPSHOT_WRITE_H

#include "graph.h"

typedef struct veu_snapshot_src {
    const veu_dataset_t *ds;
    const veu_graph_t *g;
    const veu_ties_t *t;
    const struct veu_nameindex *names;
    const veu_policy_t *policy;    /* as configured: its JSON and digest */
    const veu_policy_t *effective; /* in force on the build day (NULL: the same) */
    const veu_report_t *rep;
    const veu_counts_t *counts;
    const char *data_dir; /* absolute, as the server will compare it */
    int64_t build_ms;
    uint64_t generation;
} veu_snapshot_src_t;

/*
 * Writes path atomically (temporary name, fsync, rename, fsync of the
 * directory).  Returns 0 or a negative errno with err filled.
 */
int veu_snapshot_write(const char *path, const veu_snapshot_src_t *src, veu_diag_t *err);

#endif
