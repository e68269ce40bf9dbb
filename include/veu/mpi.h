/* SPDX-License-Identifier: MIT */
/*
 * veu/mpi.h: the build as an MPI job (`mpirun -n N veud build --mpi`).
 *
 * Every rank runs veud-mpi.  Rank 0 loads the dataset and makes the graph as
 * veud build does, then leads the ranks through the ties (veu_mpi_ties, the
 * build's tie hook) and writes the snapshot; the other ranks serve in
 * veu_mpi_worker until rank 0 releases them.  Only libveumpi and veud-mpi
 * link Open MPI; veud itself never does.
 */
#ifndef VEU_MPI_H
#define VEU_MPI_H

#include <stdint.h>

#include "veu/build.h"

#define VEU_MPI_MAX_REPORTED 64

/* The phases of the ties, for the log: the 50 percent rule, shares, paths, labels. */
enum { VEU_MPI_PHASE_CONTROL, VEU_MPI_PHASE_SHARES, VEU_MPI_PHASE_PATHS, VEU_MPI_PHASE_LABELS };
#define VEU_MPI_PHASES 4

/* What the ranks did, for the log and tests/bench/mpi.sh. */
typedef struct veu_mpi_stats {
    int ranks;
    uint64_t supersteps;             /* exchanges in all */
    uint64_t share_steps;            /* of them, the share and holding fixpoints' */
    double phase_ms[VEU_MPI_PHASES]; /* rank 0's time in each phase */
    uint64_t phase_steps[VEU_MPI_PHASES];
    uint64_t rank_entities[VEU_MPI_MAX_REPORTED];
    uint64_t rank_sent[VEU_MPI_MAX_REPORTED];     /* bytes each rank sent the others */
    uint64_t rank_max_step[VEU_MPI_MAX_REPORTED]; /* the most it sent in one superstep */
    int64_t rank_peak_kib[VEU_MPI_MAX_REPORTED];  /* its peak resident memory */
} veu_mpi_stats_t;

/*
 * Rank 0's tie hook (veu_build_opts_t.ties, with ties_ctx a veu_mpi_stats_t
 * to fill): the same veu_ties_t veu_ties_compute gives, computed by all ranks.
 */
int veu_mpi_ties(void *ctx, struct veu_ties *t, const struct veu_graph *g,
                 const struct veu_dataset *ds, const veu_policy_t *pol, veu_diag_t *err);

/* Ranks other than 0: take part in rank 0's computations until released. */
int veu_mpi_worker(void);

/* Rank 0: releases the workers (after the build, whether it got to the ties or not). */
void veu_mpi_release(void);

#endif
