/* SPDX-License-Identifier: MIT */
/*
 * ties_int.h: what the tie engine (ties.c) and its distributed twin
 * (graph/mpi/ties_mpi.c) must compute alike, to the bit: the stake an edge
 * carries in each reading, which edges a chain of control may take, the
 * weights of strongest paths, and the rule by which two labels per vertex
 * are chosen within a level.
 */
#ifndef VEU_ENGINE_TIES_INT_H
#define VEU_ENGINE_TIES_INT_H

#include <math.h>
#include <stdint.h>

#include "engine/graph.h"
#include "veu/assert.h"

#define VEU_TIES_TOL        1e-13 /* fraction; SPEC compares percents to 1e-6 */
#define VEU_TIES_MAX_SWEEPS 1000000

/*
 * The stake an edge carries in one of the two readings: the certain one (the
 * stated stakes, a range's lower bound), or the highest the data allows (a
 * range's top; a stake of unknown size counts as 100 when the policy says
 * unknown stakes are to be reviewed).
 */
static inline double veu_stake(const veu_oedge_t *e, const veu_policy_t *pol, int hi)
{
    if (!hi) {
        return e->pct;
    }
    if ((e->flags & VEU_OE_UNKNOWN) && pol->review_unknown) {
        return 100.0;
    }
    if (!(e->flags & VEU_OE_RANGE)) {
        return e->pct; /* exact: pct_hi is only its float rounding */
    }
    double top = round((double)e->pct_hi * 1e4) / 1e4; /* ranges come in hundredths */
    return top > e->pct ? top : e->pct;
}

/* An edge a chain of control may take: a stake, or control where control counts. */
static inline int veu_chain_edge(const veu_oedge_t *e, const veu_policy_t *pol, int hi)
{
    return veu_stake(e, pol, hi) > 0.0 ||
           ((e->flags & VEU_OE_CONTROL) && pol->control_without_ownership);
}

/*
 * Strongest paths: each stake edge weighs -log(p) plus VEU_HOP_COST, so that of
 * two chains with the same product the shorter wins, and no chain of 100%
 * stakes weighs nothing (the edges on strongest paths then form no cycle).
 * A path's weight is exact to about 1e-15 per hop, far below VEU_HOP_COST;
 * products that differ by less than VEU_HOP_COST are the same to the data.
 */
#define VEU_HOP_COST  1e-10
#define VEU_TIGHT_TOL 1e-12

static inline int veu_has_stake(const veu_oedge_t *e)
{
    return (e->flags & VEU_OE_KNOWN) && e->pct > 0.0;
}

/*
 * Two labels per vertex, spread a level at a time.  Within a level the
 * offers a vertex receives are weighed, not taken as they come: it keeps the
 * lowest labels it does not hold yet, each by the offer from the lowest
 * vertex index (then the lowest edge).  The result depends on the graph
 * alone, not on the order of any queue, so a producer that spreads the same
 * levels in supersteps across processes (graph/mpi) gets the same labels and
 * the same evidence edges.
 */
struct veu_pending {
    uint32_t L, far, e;
};

struct veu_labels {
    uint32_t *lab;   /* 2 per vertex */
    uint32_t *via;   /* 2 per vertex: edge index, VEU_ORIGIN on a label's first hop */
    int32_t *dist;   /* 2 per vertex, or NULL */
    uint64_t *front; /* slots given labels in the level being spread */
    uint64_t *next;  /* slots given labels in the level being decided */
    size_t n_front, n_next;
    struct veu_pending *pend; /* 2 per vertex: the best offers of this level */
    uint32_t *touched;        /* vertices with pending offers */
    size_t n_touched;
    int32_t level;
};

/* The best 2 offers so far of labels v lacks, lowest labels first. */
static inline void veu_label_offer(struct veu_labels *s, uint32_t v, uint32_t L, uint32_t e,
                                   uint32_t far)
{
    size_t k = (size_t)v * 2;
    struct veu_pending *p = &s->pend[k];

    VEU_ASSERT(L != VEU_NONE);
    if (s->lab[k] == L || s->lab[k + 1] == L) {
        return;
    }
    unsigned room = (s->lab[k] == VEU_NONE) + (s->lab[k + 1] == VEU_NONE);
    if (!room) {
        return;
    }
    if (p[0].L == VEU_NONE) {
        s->touched[s->n_touched++] = v;
    }
    for (unsigned i = 0; i < room; i++) {
        if (p[i].L == L) {
            if (far < p[i].far || (far == p[i].far && e < p[i].e)) {
                p[i].far = far;
                p[i].e = e;
            }
            return;
        }
    }
    struct veu_pending o = {L, far, e};
    for (unsigned i = 0; i < room; i++) {
        if (p[i].L == VEU_NONE || L < p[i].L) {
            if (i + 1 < room) {
                p[i + 1] = p[i]; /* room is 2 here: the second slot gives way */
            }
            p[i] = o;
            return;
        }
    }
}

int veu_labels_init(struct veu_labels *s, uint32_t n, uint32_t **lab, uint32_t **via,
                    int with_dist);
void veu_labels_commit(struct veu_labels *s);
void veu_labels_done(struct veu_labels *s);
/* The labels just given become the level that spreads next. */
void veu_labels_next_level(struct veu_labels *s);

/*
 * The arrays every producer fills (the uncertain and control-only ones are
 * left NULL) and the seeds: designated defense or military entities of a
 * target country.  Returns 0 or -ENOMEM (t then empty).
 */
int veu_ties_alloc(veu_ties_t *t, const veu_graph_t *g, const veu_dataset_t *ds,
                   const veu_policy_t *pol);

/*
 * The strongly connected components of the stake graph in topological order
 * (owners before holdings): order[] lists the vertices, start[k] where
 * component k begins (malloc'd, ncomp + 1 entries).  igraph finds the
 * components of the core between cycles.  Returns 0 or a negative code.
 */
int veu_ties_components(const veu_graph_t *g, uint32_t **ret_order, uint32_t **ret_start,
                        uint32_t *ret_ncomp);

/*
 * Cycles of at least this many entities are swept in packed arrays of their
 * own (4096; the tests set 2 so that every cycle of their small graphs is).
 */
extern uint32_t veu_ties_local_min;

/* The reasons and verdict of every entity, from the metrics in t (SPEC section 3). */
void veu_ties_verdicts(veu_ties_t *t, const veu_graph_t *g, const veu_dataset_t *ds,
                       const veu_policy_t *pol);

#endif
