/* SPDX-License-Identifier: MIT */
/* snapshot_write.h: what a snapshot is made of, and writing it. */
#ifndef VEU_GRAPH_SNAPSHOT_WRITE_H
#define VEU_GRAPH_SNAPSHOT_WRITE_H

#include "engine/graph.h"
#include "engine/history_index.h"

typedef struct veu_snapshot_src {
    const veu_dataset_t *ds;
    const veu_graph_t *g;
    const veu_ties_t *t;
    const struct veu_nameindex *names;
    const veu_policy_t *policy;    /* as configured: its JSON and digest */
    const veu_policy_t *effective; /* in force on the build day (NULL: the same) */
    const veu_report_t *rep;
    const veu_counts_t *counts;
    const char *data_dir;         /* absolute, as the server will compare it */
    const veu_history_ix_t *hist; /* the dated rows, ordered; NULL: none kept */
    int64_t build_ms;
    uint64_t generation;
    /*
     * Optional: the writer calls wait(wait_ctx, stage) before the sections
     * that need a stage's results (the dataset, the graph, the report and
     * the policy must be ready at the call; the counts and build_ms with the
     * ties), and gives up with its error when it returns one.  Without it,
     * everything must be ready at the call.
     */
    int (*wait)(void *ctx, int stage);
    void *wait_ctx;
} veu_snapshot_src_t;

/* The stages the writer waits for, in the order it needs them. */
enum { VEU_SNAPW_NAMES, VEU_SNAPW_HISTORY, VEU_SNAPW_TIES, VEU_SNAPW_STAGES };

/*
 * Writes path atomically (temporary name, fsync, rename, fsync of the
 * directory).  Returns 0 or a negative errno with err filled.
 */
int veu_snapshot_write(const char *path, const veu_snapshot_src_t *src, veu_diag_t *err);

/* Writes the snapshot into fd from its start (a memory file: no rename, no sync). */
int veu_snapshot_write_fd(int fd, const veu_snapshot_src_t *src, veu_diag_t *err);

/*
 * The builder's stages after loading (graph, ties, names, snapshot) for a
 * dataset already in memory; the snapshot goes to o->out_path, or to out_fd
 * when that is not negative.
 */
int veu_build_dataset(const veu_dataset_t *ds, const veu_build_opts_t *o, int out_fd,
                      const char *data_dir, veu_report_t *rep, veu_counts_t *counts,
                      veu_diag_t *err);

#endif
