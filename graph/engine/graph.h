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

#include "load/dataset.h"

enum {
    VEU_OE_CONTROL = 1, /* at least one control row */
    VEU_OE_KNOWN = 2,   /* at least one row with a percent: pct is their sum */
    VEU_OE_UNKNOWN = 4, /* at least one equity row without a percent */
    VEU_OE_RANGE = 8,   /* a row's range reaches above its certain stake */
};

/* One owner -> owned pair (24 bytes; written as is into snapshots). */
typedef struct veu_oedge {
    uint32_t from, to;
    double pct;     /* sum of stated percents, capped at 100; 0 when none */
    uint32_t flags; /* VEU_OE_* */
    float pct_hi;   /* the highest the rows' published ranges allow, capped at 100 */
} veu_oedge_t;

/* One supplier -> customer pair (12 bytes). */
typedef struct veu_sedge {
    uint32_t from, to;
    uint32_t product; /* pool offset of the first row's product */
} veu_sedge_t;

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

/* Does an edge count towards control (a control row or a stated stake)? */
static inline int veu_oedge_counts(const veu_oedge_t *e)
{
    return (e->flags & VEU_OE_CONTROL) || e->pct > 0.0;
}

/* Reason codes, in the order answers list them (SPEC section 3). */
enum {
    VEU_R_IS_SEED = 1 << 0,
    VEU_R_DEFENSE_CONTROLLED = 1 << 1,
    VEU_R_MINORITY_STAKE = 1 << 2,
    VEU_R_HOLDING = 1 << 3,
    VEU_R_SUPPLY_TIE = 1 << 4,
    VEU_R_GROUP_TIE = 1 << 5,
    VEU_R_DUAL_USE = 1 << 6,
    VEU_R_VEU = 1 << 7,
    VEU_R_POSSIBLY = 1 << 8,     /* controlled only under the highest stakes the data allows */
    VEU_R_CONTROL_ONLY = 1 << 9, /* controlled if bare control counted (it does not here) */
    VEU_R_DESIGNATED = 1 << 10,  /* designated defense or military, but no seed */
    VEU_R_COUNT = 11,
};

enum { VEU_V_STANDARD = 0, VEU_V_FAST_TRACK, VEU_V_REVIEW, VEU_V_DENY };

/* An edge index with this bit set was the first hop of a label (see ties.c). */
#define VEU_ORIGIN  0x80000000u
#define VEU_EDGE(x) ((x) & ~VEU_ORIGIN)

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

/* Is edge e (in graph g) a controlling edge under the policy? */
static inline int veu_oedge_controls(const veu_oedge_t *e, const veu_policy_t *p);

#include "veu/policy.h"
static inline int veu_oedge_controls(const veu_oedge_t *e, const veu_policy_t *p)
{
    return (e->flags & VEU_OE_CONTROL) ||
           ((e->flags & VEU_OE_KNOWN) && veu_policy_controls(p, e->pct));
}

#endif
