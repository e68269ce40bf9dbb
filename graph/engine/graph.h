/* SPDX-License-Identifier: MIT */
/*
 * graph.h: the ownership and supply graphs in compressed sparse row form,
 * after rows for the same pair have been added up into one edge, and the
 * per-entity results of the tie engine.  The same arrays are written into
 * the snapshot, so the server walks exactly the edges the builder did.
 */
#ifndef VEU_GRAPH_GRAPH_H
#define VEU_GRAPH_GRAPH_H

#include <stdint.h>

#include "format/records.h"
#include "load/dataset.h"

typedef struct veu_graph {
    uint32_t n;
    uint32_t n_own, n_sup;
    veu_oedge_t *own;  /* sorted by (from, to) */
    uint32_t *own_out; /* n + 1 offsets into own */
    uint32_t *own_in;  /* n + 1 offsets into own_in_e */
    uint32_t *own_in_e;
    veu_sedge_t *sup; /* sorted by (from, to) */
    uint32_t *sup_out;
    uint32_t *sup_in;
    uint32_t *sup_in_e;
} veu_graph_t;

/*
 * Orders m items of stride bytes by the (key1, key2) uint32_t pairs at
 * off1 and off2, keys below n: returns a permutation (malloc'd) or NULL.
 * Two stable counting-sort passes: items with equal keys keep their order.
 */
uint32_t *veu_order_pairs(size_t m, uint32_t n, const void *base, size_t stride, size_t off1,
                          size_t off2);

/* Builds the CSR graph from the dataset's rows.  Time: O(E log E). */
int veu_graph_init(veu_graph_t *g, const veu_dataset_t *ds);
void veu_graph_destroy(veu_graph_t *g);

/*
 * What the engine works out per entity: the metrics, the reasons and
 * verdict, and the predecessor edges from which every evidence path is
 * rebuilt at query time (VEU_NONE where there is none).
 */
typedef struct veu_ties {
    uint8_t *seed, *controlled;
    double *ctrl_share; /* percent held by defense-controlled owners */
    double *share;      /* defense share, fraction 0..1 */
    double *holding;    /* defense holding, fraction 0..1 */
    int32_t *hops;      /* supply hops, -1 for none */
    uint8_t *group;     /* group tie */
    uint32_t *reasons;
    uint8_t *verdict;
    uint32_t *ctrl_pred;  /* own edge into v on a shortest chain from a seed */
    uint32_t *share_pred; /* own edge into v on the strongest path from a seed */
    uint32_t *hold_next;  /* own edge out of v on the strongest path to a seed */
    uint32_t *sup_lab;    /* 2 per vertex: target entity of each supply label */
    uint32_t *sup_next;   /* 2 per vertex: supply edge towards that target */
    uint32_t *up_lab;     /* 2 per vertex: a seed below via controlling edges */
    uint32_t *up_next;    /* 2 per vertex: own edge towards it (VEU_ORIGIN: last) */
    uint32_t *dn_lab;     /* 2 per vertex: a controller (non-seed) above */
    uint32_t *dn_pred;    /* 2 per vertex: own edge from it (VEU_ORIGIN: first) */
    uint32_t *ds_lab;     /* 2 per vertex: a seed reached through a controller above */
    uint32_t *ds_pred;    /* 2 per vertex: own edge from above (VEU_ORIGIN: first) */
    uint32_t iterations;  /* fixpoint sweeps, for the log */
    uint32_t largest_cycle, largest_sweeps; /* the largest component and its sweeps */
    /* under the highest stakes the data allows (NULL when nothing is uncertain) */
    uint8_t *controlled_hi;
    double *ctrl_share_hi;
    uint32_t *ctrl_pred_hi;
    double *share_hi, *holding_hi; /* fractions, as share and holding */
    /*
     * Where the policy does not count bare control (control_without_ownership
     * = false): controlled as if it did (NULL under a policy that counts it).
     */
    uint8_t *controlled_cw;
} veu_ties_t;

/*
 * Computes SPEC section 3 for every entity.  Uses igraph for the strongly
 * connected components of the part of the ownership graph that lies
 * between cycles; the rest is ordered, and its strongest paths found, in
 * O(V + E).  Time: O(V + E) plus Dijkstra and the sweeps inside strongly
 * connected components.
 */
int veu_ties_compute(veu_ties_t *t, const veu_graph_t *g, const veu_dataset_t *ds,
                     const veu_policy_t *pol, veu_diag_t *err);
void veu_ties_destroy(veu_ties_t *t);

#endif
