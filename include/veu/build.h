/* SPDX-License-Identifier: MIT */
/*
 * build.h: turning a dataset directory into a snapshot (SPEC sections 2, 3
 * and 6), and validating one without building (`veud --check`).  This is the
 * only place that reads registry data, and the only user of igraph.
 */
#ifndef VEU_BUILD_H
#define VEU_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "veu/policy.h"
#include "veu/veu.h"

#define VEU_REPORT_KEEP 20 /* problems kept for stats and the snapshot */

/*
 * Exit codes of the builder's modes (`veud build`, `veud history`), read
 * by the server that started them; the others follow sysexits.
 */
enum {
    VEU_EXIT_OK = 0,
    VEU_EXIT_FAILED = 1,    /* history: a sentence in the memory file says why */
    VEU_EXIT_UNCHANGED = 3, /* build --skip-if: nothing changed, nothing written */
    VEU_EXIT_TOO_BIG = 3,   /* history: the part is over history_entities */
    VEU_EXIT_AGAIN = 75,    /* EX_TEMPFAIL: a file changed while read: build again */
};

/* Problems found while loading: rows skipped (errors) and warnings. */
typedef struct veu_report {
    uint64_t skipped;
    uint64_t warnings;
    int n_kept;
    veu_diag_t kept[VEU_REPORT_KEEP];
    bool kept_warning[VEU_REPORT_KEEP];
    /* What could clear a buyer without an error (veud --check's last section) */
    uint64_t unknown_stakes;       /* equity rows kept as stakes of unknown size */
    uint64_t unreadable_percents;  /* of which the percent was written but unreadable */
    uint64_t designations_unknown; /* designation rows naming ids the data lacks */
    /* Called for every problem when not NULL (the --check listing, the log). */
    void (*on_problem)(void *ctx, const veu_diag_t *d, bool warning);
    void *ctx;
    /*
     * Called for every file of the data directory that is read, with what it
     * was read as ("entities (found by its header)", "FollowTheMoney, 1200
     * records"), when not NULL: a file found by its content is said, never
     * read unseen.  ctx as above.
     */
    void (*on_file)(void *ctx, const char *name, const char *what);
} veu_report_t;

typedef struct veu_counts {
    uint64_t entities;
    uint64_t ownership_rows;  /* rows kept */
    uint64_t ownership_edges; /* distinct owner/owned pairs */
    uint64_t supply_rows;
    uint64_t supply_edges;
    uint64_t designations;
    uint64_t seeds;
    uint64_t controlled; /* defense-controlled, seeds included */
    uint64_t deny, review, fast_track, standard;
    uint64_t designated_not_seed; /* designated defense or military, but no seed */
    uint64_t control_only;        /* tied by control the regime does not count */
} veu_counts_t;

/* Progress of a long build: a stage name and a sentence, for the log. */
typedef void (*veu_progress_fn)(void *ctx, const char *stage, const char *message);

struct veu_ties;
struct veu_graph;
struct veu_dataset;

/* Computes the ties of a graph (veu_ties_compute's contract): another producer's hook. */
typedef int (*veu_ties_fn)(void *ctx, struct veu_ties *t, const struct veu_graph *g,
                           const struct veu_dataset *ds, const veu_policy_t *pol, veu_diag_t *err);

typedef struct veu_build_opts {
    const char *data_dir;
    const char *out_path; /* the snapshot; NULL for --check */
    veu_policy_t policy;
    uint64_t generation;      /* written into the snapshot */
    const char *as_of;        /* the day dated rows are read for; NULL: today (UTC) */
    veu_progress_fn progress; /* may be NULL */
    void *progress_ctx;
    veu_ties_fn ties; /* NULL: veu_ties_compute (the MPI build sets veu_mpi_ties) */
    void *ties_ctx;
    bool no_names; /* an empty name index: a graph of another day is asked by entity only */
} veu_build_opts_t;

/*
 * Loads and validates the dataset, computes every tie, and (when out_path is
 * set) writes the snapshot atomically.  Returns 0, or a negative code with
 * err naming the file, line and column.  rep and counts are filled either way
 * as far as the build got.
 */
int veu_build(const veu_build_opts_t *o, veu_report_t *rep, veu_counts_t *counts,
              char ret_digest[33], veu_diag_t *err);

/*
 * The dataset digest of dir without parsing: the same XXH3-128 the loader
 * computes while reading (file names, contents, absent files).  Returns 0
 * or -errno.  Time: linear in the files' size, at memory speed.
 */
int veu_dataset_digest(const char *dir, char ret_hex[33]);

/* Installs igraph error and warning handlers that return instead of abort. */
void veu_igraph_setup(void);

/* Records one problem in the report (and calls its callback). */
void veu_report_add(veu_report_t *r, const veu_diag_t *d, bool warning);

#endif
