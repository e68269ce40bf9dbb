/* SPDX-License-Identifier: MIT */
/*
 * ties.c: SPEC section 3 for every entity at once.
 *
 *  - defense-controlled: a worklist least fixpoint.  Every controlled entity
 *    is popped once and adds its stakes to its holdings' sums; a holding
 *    becomes controlled when a control edge or the summed stakes reach the
 *    threshold.  O(V + E).
 *  - defense share and holding: least fixpoints of x = min(1, P x), solved
 *    one strongly connected component at a time (igraph) in topological
 *    order: acyclic parts take one step, cycles are swept (Gauss-Seidel)
 *    until no value moves by more than VEU_TIES_TOL.
 *  - strongest paths: Dijkstra (igraph) with weights -log(percent/100) from a
 *    super-source joined to every seed, and to a super-sink for holdings.
 *  - supply hops and group ties: breadth-first label propagation that keeps
 *    the two nearest distinct labels per entity, which is what "other than
 *    the buyer" needs, with the edge each label came by for the evidence.
 */
#include <errno.h>
#include <igraph.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

#define VEU_TIES_TOL        1e-13 /* fraction; SPEC compares percents to 1e-6 */
#define VEU_TIES_MAX_SWEEPS 1000000

static char igraph_msg[256];
static igraph_error_t igraph_err;

static void on_igraph_error(const char *reason, const char *file, int line, igraph_error_t err)
{
    igraph_err = err;
    snprintf(igraph_msg, sizeof(igraph_msg), "igraph: %s%s%s (%s:%d)", igraph_strerror(err),
             reason && *reason ? ": " : "", reason ? reason : "", file, line);
    IGRAPH_FINALLY_FREE();
}

static void on_igraph_warning(const char *reason, const char *file, int line)
{
    (void)reason;
    (void)file;
    (void)line;
}

void veu_igraph_setup(void)
{
    igraph_set_error_handler(on_igraph_error);
    igraph_set_warning_handler(on_igraph_warning);
}

/* ------------------------------------------------------------------ */
/* Adjacency views and two-label breadth-first propagation             */

struct adj {
    const uint32_t *off;  /* n + 1 offsets */
    const uint32_t *eidx; /* edge indices, or NULL when edges are in order */
    const char *edges;    /* edge array */
    size_t stride;
    int far; /* 0: the edge's from is the neighbour, 1: its to */
    int (*ok)(const void *edge, const void *arg);
    const void *arg;
};

static inline uint32_t adj_edge(const struct adj *a, uint32_t i)
{
    return a->eidx ? a->eidx[i] : i;
}

static inline const uint32_t *edge_at(const struct adj *a, uint32_t e)
{
    return (const uint32_t *)(a->edges + (size_t)e * a->stride);
}

struct labels {
    uint32_t *lab; /* 2 per vertex */
    uint32_t *via; /* 2 per vertex: edge index, VEU_ORIGIN on a label's first hop */
    int32_t *dist; /* 2 per vertex, or NULL */
    uint64_t *queue;
    size_t head, tail;
};

/* Gives label L to v by edge e unless v has it or is full; queues it. */
static inline void label_offer(struct labels *s, uint32_t v, uint32_t L, uint32_t e, int32_t d)
{
    size_t k = (size_t)v * 2;

    if (s->lab[k] == L || s->lab[k + 1] == L) {
        return;
    }
    if (s->lab[k] != VEU_NONE) {
        k++;
        if (s->lab[k] != VEU_NONE) {
            return;
        }
    }
    s->lab[k] = L;
    s->via[k] = e;
    if (s->dist) {
        s->dist[k] = d;
    }
    s->queue[s->tail++] = k;
}

/* Runs the queue: every label spreads to the neighbours the view gives. */
static void label_run(struct labels *s, const struct adj *a)
{
    while (s->head < s->tail) {
        size_t k = s->queue[s->head++];
        uint32_t v = (uint32_t)(k / 2);
        uint32_t L = s->lab[k];
        int32_t d = s->dist ? s->dist[k] + 1 : 0;
        for (uint32_t i = a->off[v]; i < a->off[v + 1]; i++) {
            uint32_t e = adj_edge(a, i);
            const uint32_t *ed = edge_at(a, e);
            if (a->ok && !a->ok(ed, a->arg)) {
                continue;
            }
            label_offer(s, ed[a->far ? 1 : 0], L, e, d);
        }
    }
}

static int labels_init(struct labels *s, uint32_t n, uint32_t **lab, uint32_t **via, int with_dist)
{
    size_t slots = (size_t)n * 2 + 2;

    memset(s, 0, sizeof(*s));
    *lab = malloc(slots * sizeof(**lab));
    *via = malloc(slots * sizeof(**via));
    s->queue = malloc(slots * sizeof(*s->queue));
    s->dist = with_dist ? malloc(slots * sizeof(*s->dist)) : NULL;
    if (!*lab || !*via || !s->queue || (with_dist && !s->dist)) {
        free(s->queue);
        free(s->dist);
        return -ENOMEM;
    }
    memset(*lab, 0xff, slots * sizeof(**lab));
    memset(*via, 0xff, slots * sizeof(**via));
    s->lab = *lab;
    s->via = *via;
    return 0;
}

static void labels_done(struct labels *s)
{
    free(s->queue);
    free(s->dist);
    s->queue = NULL;
    s->dist = NULL;
}

static int own_controls(const void *edge, const void *pol)
{
    return veu_oedge_controls(edge, pol);
}

/* ------------------------------------------------------------------ */
/* The 50 percent rule                                                 */

/*
 * The stake an edge carries in one of the two readings: the certain one (the
 * stated stakes, a range's lower bound), or the highest the data allows (a
 * range's top; a stake of unknown size counts as 100 when the policy says
 * unknown stakes are to be reviewed).
 */
static inline double stake(const veu_oedge_t *e, const veu_policy_t *pol, int hi)
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

static int compute_controlled_as(veu_ties_t *t, const veu_graph_t *g, const veu_policy_t *pol,
                                 int hi, uint8_t *controlled, double *ctrl_share,
                                 uint32_t *ctrl_pred);

static int compute_controlled(veu_ties_t *t, const veu_graph_t *g, const veu_policy_t *pol)
{
    int uncertain = 0;
    for (uint32_t i = 0; i < g->n_own && !uncertain; i++) {
        uncertain = (g->own[i].flags & VEU_OE_RANGE) ||
                    ((g->own[i].flags & VEU_OE_UNKNOWN) && pol->review_unknown);
    }
    int rc = compute_controlled_as(t, g, pol, 0, t->controlled, t->ctrl_share, t->ctrl_pred);
    if (rc < 0 || !uncertain) {
        return rc;
    }
    t->controlled_hi = calloc(g->n ? g->n : 1, 1);
    t->ctrl_share_hi = calloc(g->n ? g->n : 1, sizeof(double));
    t->ctrl_pred_hi = malloc((g->n ? g->n : 1) * sizeof(uint32_t));
    if (!t->controlled_hi || !t->ctrl_share_hi || !t->ctrl_pred_hi) {
        return -ENOMEM;
    }
    memset(t->ctrl_pred_hi, 0xff, g->n * sizeof(uint32_t));
    return compute_controlled_as(t, g, pol, 1, t->controlled_hi, t->ctrl_share_hi, t->ctrl_pred_hi);
}

static int compute_controlled_as(veu_ties_t *t, const veu_graph_t *g, const veu_policy_t *pol,
                                 int hi, uint8_t *controlled, double *ctrl_share,
                                 uint32_t *ctrl_pred)
{
    uint32_t n = g->n;
    uint32_t *queue = malloc(((size_t)n + 1) * sizeof(*queue));
    size_t head = 0, tail = 0;

    if (!queue) {
        return -ENOMEM;
    }
    for (uint32_t v = 0; v < n; v++) {
        if (t->seed[v]) {
            controlled[v] = 1;
            queue[tail++] = v;
        }
    }
    while (head < tail) {
        uint32_t u = queue[head++];
        for (uint32_t i = g->own_out[u]; i < g->own_out[u + 1]; i++) {
            const veu_oedge_t *e = &g->own[i];
            uint32_t w = e->to;
            ctrl_share[w] += stake(e, pol, hi);
            if (pol->suspended) {
                continue; /* a suspended rule reaches no affiliate */
            }
            /* a regime may count only one owner's stake at a time, or no bare control */
            if (!controlled[w] &&
                (((e->flags & VEU_OE_CONTROL) && pol->control_without_ownership) ||
                 veu_policy_controls(pol,
                                     pol->aggregate_owners ? ctrl_share[w] : stake(e, pol, hi)))) {
                controlled[w] = 1;
                queue[tail++] = w;
            }
        }
    }
    for (uint32_t v = 0; v < n; v++) {
        ctrl_share[v] = fmin(100.0, ctrl_share[v]);
    }
    /* a shortest chain from a seed, through controlled entities only */
    head = tail = 0;
    for (uint32_t v = 0; v < n; v++) {
        if (t->seed[v]) {
            queue[tail++] = v;
        }
    }
    uint8_t *seen = calloc(n ? n : 1, 1);
    if (!seen) {
        free(queue);
        return -ENOMEM;
    }
    for (size_t i = 0; i < tail; i++) {
        seen[queue[i]] = 1;
    }
    while (head < tail) {
        uint32_t u = queue[head++];
        for (uint32_t i = g->own_out[u]; i < g->own_out[u + 1]; i++) {
            const veu_oedge_t *e = &g->own[i];
            if (!seen[e->to] && controlled[e->to] &&
                (stake(e, pol, hi) > 0.0 ||
                 ((e->flags & VEU_OE_CONTROL) && pol->control_without_ownership))) {
                seen[e->to] = 1;
                ctrl_pred[e->to] = i;
                queue[tail++] = e->to;
            }
        }
    }
    free(seen);
    free(queue);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Integrated shares: igraph for components and strongest paths        */

/*
 * Strongest paths: each stake edge weighs -log(p) plus HOP_COST, so that of
 * two chains with the same product the shorter wins, and no chain of 100%
 * stakes weighs nothing (the edges on strongest paths then form no cycle).
 * A path's weight is exact to about 1e-15 per hop, far below HOP_COST;
 * products that differ by less than HOP_COST are the same to the data.
 */
#define HOP_COST  1e-10
#define TIGHT_TOL 1e-12

struct stake_graph {
    igraph_t g;
    igraph_vector_t w;      /* -log(p) per igraph edge */
    uint32_t *own_of;       /* igraph edge -> own edge index (VEU_NONE for super) */
    igraph_integer_t m_own; /* stake edges; super edges follow */
};

static int has_stake(const veu_oedge_t *e)
{
    return (e->flags & VEU_OE_KNOWN) && e->pct > 0.0;
}

static igraph_error_t stake_graph_init(struct stake_graph *sg, const veu_graph_t *g,
                                       const veu_ties_t *t)
{
    igraph_vector_int_t ev;
    igraph_integer_t m = 0, seeds = 0, k = 0;
    igraph_integer_t S = g->n, T = (igraph_integer_t)g->n + 1;

    for (uint32_t i = 0; i < g->n_own; i++) {
        m += has_stake(&g->own[i]);
    }
    for (uint32_t v = 0; v < g->n; v++) {
        seeds += t->seed[v];
    }
    sg->m_own = m;
    sg->own_of = malloc((size_t)(m + 2 * seeds + 1) * sizeof(*sg->own_of));
    if (!sg->own_of) {
        IGRAPH_ERROR("no memory for the edge map", IGRAPH_ENOMEM);
    }
    IGRAPH_FINALLY(free, sg->own_of);
    IGRAPH_VECTOR_INT_INIT_FINALLY(&ev, 2 * (m + 2 * seeds));
    IGRAPH_VECTOR_INIT_FINALLY(&sg->w, m + 2 * seeds);
    for (uint32_t i = 0; i < g->n_own; i++) {
        const veu_oedge_t *e = &g->own[i];
        if (!has_stake(e)) {
            continue;
        }
        VECTOR(ev)[2 * k] = e->from;
        VECTOR(ev)[2 * k + 1] = e->to;
        VECTOR(sg->w)[k] = fmax(0.0, -log(e->pct / 100.0)) + HOP_COST;
        sg->own_of[k++] = i;
    }
    for (uint32_t v = 0; v < g->n; v++) {
        if (!t->seed[v]) {
            continue;
        }
        VECTOR(ev)[2 * k] = S;
        VECTOR(ev)[2 * k + 1] = v;
        VECTOR(sg->w)[k] = HOP_COST;
        sg->own_of[k++] = VEU_NONE;
        VECTOR(ev)[2 * k] = v;
        VECTOR(ev)[2 * k + 1] = T;
        VECTOR(sg->w)[k] = HOP_COST;
        sg->own_of[k++] = VEU_NONE;
    }
    IGRAPH_CHECK(igraph_create(&sg->g, &ev, (igraph_integer_t)g->n + 2, IGRAPH_DIRECTED));
    igraph_vector_int_destroy(&ev);
    IGRAPH_FINALLY_CLEAN(3); /* ev, w and own_of stay with sg */
    return IGRAPH_SUCCESS;
}

static void stake_graph_destroy(struct stake_graph *sg)
{
    igraph_destroy(&sg->g);
    igraph_vector_destroy(&sg->w);
    free(sg->own_of);
}

/*
 * Orders vertices by strongly connected component, components in
 * topological order of the stake graph (owners before holdings).
 * ret_order lists the vertices, ret_start[c] where component c begins.
 */
static igraph_error_t component_order(const struct stake_graph *sg, const veu_graph_t *g,
                                      uint32_t **ret_order, uint32_t **ret_start,
                                      uint32_t *ret_ncomp)
{
    igraph_vector_int_t memb, csize;
    igraph_integer_t nc;
    uint32_t n = g->n;

    IGRAPH_VECTOR_INT_INIT_FINALLY(&memb, 0);
    IGRAPH_VECTOR_INT_INIT_FINALLY(&csize, 0);
    IGRAPH_CHECK(igraph_connected_components(&sg->g, &memb, &csize, &nc, IGRAPH_STRONG));

    /* members of each component, then Kahn over the condensation */
    uint32_t *cstart = calloc((size_t)nc + 1, sizeof(*cstart));
    uint32_t *members = malloc(((size_t)n + 1) * sizeof(*members));
    uint32_t *indeg = calloc((size_t)nc + 1, sizeof(*indeg));
    uint32_t *corder = malloc(((size_t)nc + 1) * sizeof(*corder));
    uint32_t *order = malloc(((size_t)n + 1) * sizeof(*order));
    uint32_t *ostart = malloc(((size_t)nc + 2) * sizeof(*ostart));
    if (!cstart || !members || !indeg || !corder || !order || !ostart) {
        free(cstart), free(members), free(indeg), free(corder), free(order), free(ostart);
        IGRAPH_ERROR("no memory for the component order", IGRAPH_ENOMEM);
    }
    for (uint32_t v = 0; v < n; v++) {
        cstart[VECTOR(memb)[v] + 1]++;
    }
    for (igraph_integer_t c = 0; c < nc; c++) {
        cstart[c + 1] += cstart[c];
    }
    {
        uint32_t *fill = indeg; /* borrow as a cursor, reset below */
        for (uint32_t v = 0; v < n; v++) {
            igraph_integer_t c = VECTOR(memb)[v];
            members[cstart[c] + fill[c]++] = v;
        }
        memset(indeg, 0, ((size_t)nc + 1) * sizeof(*indeg));
    }
    for (igraph_integer_t k = 0; k < sg->m_own; k++) {
        const veu_oedge_t *e = &g->own[sg->own_of[k]];
        if (VECTOR(memb)[e->from] != VECTOR(memb)[e->to]) {
            indeg[VECTOR(memb)[e->to]]++;
        }
    }
    size_t head = 0, tail = 0, pos = 0;
    for (igraph_integer_t c = 0; c < nc; c++) {
        if (indeg[c] == 0 && cstart[c + 1] > cstart[c]) {
            corder[tail++] = (uint32_t)c;
        }
    }
    uint32_t ncomp = 0;
    while (head < tail) {
        uint32_t c = corder[head++];
        ostart[ncomp++] = (uint32_t)pos;
        for (uint32_t i = cstart[c]; i < cstart[c + 1]; i++) {
            order[pos++] = members[i];
        }
        for (uint32_t i = cstart[c]; i < cstart[c + 1]; i++) {
            uint32_t u = members[i];
            for (uint32_t j = g->own_out[u]; j < g->own_out[u + 1]; j++) {
                const veu_oedge_t *e = &g->own[j];
                igraph_integer_t cw = VECTOR(memb)[e->to];
                if (has_stake(e) && cw != (igraph_integer_t)c && --indeg[cw] == 0) {
                    corder[tail++] = (uint32_t)cw;
                }
            }
        }
    }
    ostart[ncomp] = (uint32_t)pos;
    free(cstart), free(members), free(indeg), free(corder);
    igraph_vector_int_destroy(&memb);
    igraph_vector_int_destroy(&csize);
    IGRAPH_FINALLY_CLEAN(2);
    *ret_order = order;
    *ret_start = ostart;
    *ret_ncomp = ncomp;
    return IGRAPH_SUCCESS;
}

/*
 * x(v) = min(1, sum over edges of stake/100 * x(far)), by in-edges (down = 0)
 * or out-edges; the certain stakes, or (hi) the highest the data allows.
 */
static inline double flow(const veu_graph_t *g, const veu_policy_t *pol, const double *x,
                          uint32_t v, int down, int hi)
{
    double s = 0.0;

    if (!down) {
        for (uint32_t i = g->own_in[v]; i < g->own_in[v + 1]; i++) {
            const veu_oedge_t *e = &g->own[g->own_in_e[i]];
            s += stake(e, pol, hi) / 100.0 * x[e->from];
        }
    } else {
        for (uint32_t i = g->own_out[v]; i < g->own_out[v + 1]; i++) {
            const veu_oedge_t *e = &g->own[i];
            s += stake(e, pol, hi) / 100.0 * x[e->to];
        }
    }
    return s < 1.0 ? s : 1.0;
}

/*
 * Solves one of the two share fixpoints, component by component, from zero
 * (the least fixpoint).  order NULL: every vertex as one component in index
 * order, as the highest-stakes reading (hi) needs, since edges that only a
 * range or an unknown stake makes are in no component of the certain graph.
 */
static uint32_t solve_shares(const veu_graph_t *g, const veu_policy_t *pol, const uint8_t *seed,
                             const uint32_t *order, const uint32_t *cstart, uint32_t ncomp,
                             int down, int hi, double *x)
{
    uint32_t sweeps = 0, whole[2] = {0, g->n};

    if (!order) {
        cstart = whole;
        ncomp = 1;
    }
    for (uint32_t k = 0; k < ncomp; k++) {
        uint32_t c = down ? ncomp - 1 - k : k;
        uint32_t a = cstart[c], b = cstart[c + 1];
        for (uint32_t it = 0; it < VEU_TIES_MAX_SWEEPS; it++) {
            double delta = 0.0;
            for (uint32_t i = a; i < b; i++) {
                uint32_t v = order ? order[i] : i;
                double nv = seed[v] ? 1.0 : flow(g, pol, x, v, down, hi);
                delta = fmax(delta, nv - x[v]);
                x[v] = nv;
            }
            if (b - a == 1) {
                break; /* a single vertex outside any cycle: one pass is exact */
            }
            sweeps++;
            if (delta <= VEU_TIES_TOL) {
                break;
            }
        }
    }
    return sweeps;
}

/*
 * For each vertex the edge by which a strongest path from the seeds enters
 * it (mode OUT: share_pred) or leaves it towards the seeds (mode IN:
 * hold_next), or VEU_NONE.  Among edges on equally strong paths the one with
 * the lowest vertex index at its far end is taken, so the choice depends on
 * the paths alone and not on the heap's order: the same answer comes from
 * the whole graph and from any part of it that holds those paths (answers
 * for another day, history.c).
 */
static igraph_error_t strongest_paths(const struct stake_graph *sg, const veu_graph_t *g,
                                      igraph_neimode_t mode, uint32_t *ret_edge)
{
    igraph_matrix_t dist;
    igraph_integer_t from = mode == IGRAPH_OUT ? g->n : (igraph_integer_t)g->n + 1;
    uint32_t *k_of = NULL; /* own edge -> stake edge index in sg, for its weight */

    IGRAPH_MATRIX_INIT_FINALLY(&dist, 0, 0);
    IGRAPH_CHECK(igraph_distances_dijkstra(&sg->g, &dist, igraph_vss_1(from), igraph_vss_all(),
                                           &sg->w, mode));
    k_of = malloc(((size_t)g->n_own + 1) * sizeof(*k_of));
    if (!k_of) {
        IGRAPH_ERROR("no memory for the edge map", IGRAPH_ENOMEM);
    }
    for (uint32_t i = 0; i < g->n_own; i++) {
        k_of[i] = VEU_NONE;
    }
    for (igraph_integer_t k = 0; k < sg->m_own; k++) {
        k_of[sg->own_of[k]] = (uint32_t)k;
    }
    for (uint32_t v = 0; v < g->n; v++) {
        double dv = MATRIX(dist, 0, v);
        ret_edge[v] = VEU_NONE;
        if (!isfinite(dv) || dv <= HOP_COST + TIGHT_TOL) {
            continue; /* unreached, or a seed: its path is the super edge */
        }
        uint32_t best_far = VEU_NONE;
        uint32_t lo = mode == IGRAPH_OUT ? g->own_in[v] : g->own_out[v];
        uint32_t hi = mode == IGRAPH_OUT ? g->own_in[v + 1] : g->own_out[v + 1];
        for (uint32_t i = lo; i < hi; i++) {
            uint32_t e = mode == IGRAPH_OUT ? g->own_in_e[i] : i;
            uint32_t k = k_of[e];
            uint32_t far = mode == IGRAPH_OUT ? g->own[e].from : g->own[e].to;
            if (k == VEU_NONE || far >= best_far) {
                continue;
            }
            double du = MATRIX(dist, 0, far);
            if (isfinite(du) && du + VECTOR(sg->w)[k] <= dv + TIGHT_TOL) {
                best_far = far;
                ret_edge[v] = e;
            }
        }
    }
    free(k_of);
    igraph_matrix_destroy(&dist);
    IGRAPH_FINALLY_CLEAN(1);
    return IGRAPH_SUCCESS;
}

static igraph_error_t compute_shares_igraph(veu_ties_t *t, const veu_graph_t *g)
{
    struct stake_graph sg;
    uint32_t *order = NULL, *cstart = NULL, ncomp = 0;

    IGRAPH_CHECK(stake_graph_init(&sg, g, t));
    IGRAPH_FINALLY(stake_graph_destroy, &sg);
    IGRAPH_CHECK(component_order(&sg, g, &order, &cstart, &ncomp));
    IGRAPH_FINALLY(free, order);
    IGRAPH_FINALLY(free, cstart);
    t->iterations = solve_shares(g, NULL, t->seed, order, cstart, ncomp, 0, 0, t->share);
    t->iterations += solve_shares(g, NULL, t->seed, order, cstart, ncomp, 1, 0, t->holding);
    IGRAPH_CHECK(strongest_paths(&sg, g, IGRAPH_OUT, t->share_pred));
    IGRAPH_CHECK(strongest_paths(&sg, g, IGRAPH_IN, t->hold_next));
    free(order);
    free(cstart);
    stake_graph_destroy(&sg);
    IGRAPH_FINALLY_CLEAN(3);
    return IGRAPH_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Supply hops and group ties                                          */

static int compute_supply(veu_ties_t *t, const veu_graph_t *g)
{
    struct labels s;
    /* labels spread from targets to their suppliers: walk in-edges, take from */
    struct adj a = {g->sup_in, g->sup_in_e, (const char *)g->sup, sizeof(veu_sedge_t), 0,
                    NULL,      NULL};
    int rc = labels_init(&s, g->n, &t->sup_lab, &t->sup_next, 1);

    if (rc < 0) {
        return rc;
    }
    for (uint32_t v = 0; v < g->n; v++) {
        if (t->controlled[v]) {
            label_offer(&s, v, v, VEU_NONE, 0);
        }
    }
    label_run(&s, &a);
    for (uint32_t v = 0; v < g->n; v++) {
        size_t k = (size_t)v * 2;
        if (t->sup_lab[k] == v) {
            k++; /* a controlled buyer: the nearest target other than itself */
        }
        t->hops[v] = t->sup_lab[k] == VEU_NONE ? -1 : s.dist[k];
    }
    labels_done(&s);
    return 0;
}

static int compute_group(veu_ties_t *t, const veu_graph_t *g, const veu_policy_t *pol)
{
    struct adj up = {g->own_in,    g->own_in_e, (const char *)g->own, sizeof(veu_oedge_t), 0,
                     own_controls, pol};
    struct adj down = {g->own_out,   NULL, (const char *)g->own, sizeof(veu_oedge_t), 1,
                       own_controls, pol};
    struct labels s;
    int rc;

    /* seeds below each entity (paths of one edge or more) */
    if ((rc = labels_init(&s, g->n, &t->up_lab, &t->up_next, 0)) < 0) {
        return rc;
    }
    for (uint32_t v = 0; v < g->n; v++) {
        if (!t->seed[v]) {
            continue;
        }
        for (uint32_t i = g->own_in[v]; i < g->own_in[v + 1]; i++) {
            uint32_t e = g->own_in_e[i];
            if (veu_oedge_controls(&g->own[e], pol)) {
                label_offer(&s, g->own[e].from, v, e | VEU_ORIGIN, 0);
            }
        }
    }
    label_run(&s, &up);
    labels_done(&s);

    /* controllers (non-seeds with a seed below) above each entity */
    if ((rc = labels_init(&s, g->n, &t->dn_lab, &t->dn_pred, 0)) < 0) {
        return rc;
    }
    for (uint32_t c = 0; c < g->n; c++) {
        if (t->seed[c] || t->up_lab[(size_t)c * 2] == VEU_NONE) {
            continue;
        }
        for (uint32_t e = g->own_out[c]; e < g->own_out[c + 1]; e++) {
            if (veu_oedge_controls(&g->own[e], pol)) {
                label_offer(&s, g->own[e].to, c, e | VEU_ORIGIN, 0);
            }
        }
    }
    label_run(&s, &down);
    labels_done(&s);

    /* the seeds those controllers reach, carried down (for seed buyers) */
    if ((rc = labels_init(&s, g->n, &t->ds_lab, &t->ds_pred, 0)) < 0) {
        return rc;
    }
    for (uint32_t c = 0; c < g->n; c++) {
        if (t->seed[c] || t->up_lab[(size_t)c * 2] == VEU_NONE) {
            continue;
        }
        for (int k = 0; k < 2; k++) {
            uint32_t sd = t->up_lab[(size_t)c * 2 + k];
            if (sd == VEU_NONE) {
                continue;
            }
            for (uint32_t e = g->own_out[c]; e < g->own_out[c + 1]; e++) {
                if (veu_oedge_controls(&g->own[e], pol)) {
                    label_offer(&s, g->own[e].to, sd, e | VEU_ORIGIN, 0);
                }
            }
        }
    }
    label_run(&s, &down);
    labels_done(&s);

    for (uint32_t v = 0; v < g->n; v++) {
        const uint32_t *L = t->seed[v] ? &t->ds_lab[(size_t)v * 2] : &t->dn_lab[(size_t)v * 2];
        t->group[v] = (L[0] != VEU_NONE && L[0] != v) || (L[1] != VEU_NONE && L[1] != v);
    }
    return 0;
}

/* ------------------------------------------------------------------ */

static void compute_verdicts(veu_ties_t *t, const veu_graph_t *g, const veu_dataset_t *ds,
                             const veu_policy_t *pol)
{
    double minor = pol->minority_threshold - VEU_PERCENT_EPS;

    for (uint32_t v = 0; v < g->n; v++) {
        uint32_t r = 0;
        const veu_entity_row_t *e = &ds->ent[v];
        if (t->seed[v]) {
            r |= VEU_R_IS_SEED;
        } else if (t->controlled[v]) {
            r |= VEU_R_DEFENSE_CONTROLLED;
        }
        if (!t->controlled[v] && t->controlled_hi && t->controlled_hi[v]) {
            r |= VEU_R_POSSIBLY;
        }
        if (!t->controlled[v] && t->share[v] * 100.0 >= minor) {
            r |= VEU_R_MINORITY_STAKE;
        }
        if (!t->seed[v] && t->holding[v] * 100.0 >= minor) {
            r |= VEU_R_HOLDING;
        }
        if (t->hops[v] >= 0 && t->hops[v] <= pol->supply_depth) {
            r |= VEU_R_SUPPLY_TIE;
        }
        if (t->group[v]) {
            r |= VEU_R_GROUP_TIE;
        }
        if (e->sector && veu_policy_is_dual_use(pol, veu_str(&ds->pool, e->sector))) {
            r |= VEU_R_DUAL_USE;
        }
        if (e->des & VEU_DES_VEU) {
            r |= VEU_R_VEU;
        }
        t->reasons[v] = r;
        if (r & (VEU_R_IS_SEED | VEU_R_DEFENSE_CONTROLLED)) {
            t->verdict[v] = VEU_V_DENY;
        } else if (r & (VEU_R_POSSIBLY | VEU_R_MINORITY_STAKE | VEU_R_HOLDING | VEU_R_SUPPLY_TIE |
                        VEU_R_GROUP_TIE | VEU_R_DUAL_USE)) {
            t->verdict[v] = VEU_V_REVIEW;
        } else if (r & VEU_R_VEU) {
            t->verdict[v] = VEU_V_FAST_TRACK;
        } else {
            t->verdict[v] = VEU_V_STANDARD;
        }
    }
}

int veu_ties_compute(veu_ties_t *t, const veu_graph_t *g, const veu_dataset_t *ds,
                     const veu_policy_t *pol, veu_diag_t *err)
{
    size_t n = (size_t)g->n + 1;
    int rc;

    memset(t, 0, sizeof(*t));
    t->seed = calloc(n, 1);
    t->controlled = calloc(n, 1);
    t->group = calloc(n, 1);
    t->verdict = calloc(n, 1);
    t->ctrl_share = calloc(n, sizeof(double));
    t->share = calloc(n, sizeof(double));
    t->holding = calloc(n, sizeof(double));
    t->hops = malloc(n * sizeof(int32_t));
    t->reasons = calloc(n, sizeof(uint32_t));
    t->ctrl_pred = malloc(n * sizeof(uint32_t));
    t->share_pred = malloc(n * sizeof(uint32_t));
    t->hold_next = malloc(n * sizeof(uint32_t));
    if (!t->seed || !t->controlled || !t->group || !t->verdict || !t->ctrl_share || !t->share ||
        !t->holding || !t->hops || !t->reasons || !t->ctrl_pred || !t->share_pred ||
        !t->hold_next) {
        rc = -ENOMEM;
        goto fail;
    }
    memset(t->ctrl_pred, 0xff, n * sizeof(uint32_t));
    for (uint32_t v = 0; v < g->n; v++) {
        const veu_entity_row_t *e = &ds->ent[v];
        t->seed[v] = (e->des & (VEU_DES_DEFENSE | VEU_DES_MILITARY)) &&
                     veu_policy_is_target(pol, veu_str(&ds->pool, e->country));
    }
    if ((rc = compute_controlled(t, g, pol)) < 0) {
        goto fail;
    }
    igraph_msg[0] = '\0';
    igraph_err = IGRAPH_SUCCESS;
    if (compute_shares_igraph(t, g) != IGRAPH_SUCCESS) {
        rc = igraph_err == IGRAPH_ENOMEM ? -ENOMEM : -VEU_EGRAPH;
        snprintf(err->file, sizeof(err->file), "(graph)");
        err->line = 0;
        err->column[0] = '\0';
        snprintf(err->message, sizeof(err->message), "computing ownership shares: %s", igraph_msg);
        goto fail;
    }
    if (t->controlled_hi) {
        t->share_hi = calloc(n ? n : 1, sizeof(double));
        t->holding_hi = calloc(n ? n : 1, sizeof(double));
        if (!t->share_hi || !t->holding_hi) {
            rc = -ENOMEM;
            goto fail;
        }
        t->iterations += solve_shares(g, pol, t->seed, NULL, NULL, 0, 0, 1, t->share_hi);
        t->iterations += solve_shares(g, pol, t->seed, NULL, NULL, 0, 1, 1, t->holding_hi);
    }
    if ((rc = compute_supply(t, g)) < 0 || (rc = compute_group(t, g, pol)) < 0) {
        goto fail;
    }
    compute_verdicts(t, g, ds, pol);
    return 0;
fail:
    veu_ties_destroy(t);
    return rc;
}

void veu_ties_destroy(veu_ties_t *t)
{
    free(t->controlled_hi);
    free(t->ctrl_share_hi);
    free(t->ctrl_pred_hi);
    free(t->share_hi);
    free(t->holding_hi);
    free(t->seed);
    free(t->controlled);
    free(t->group);
    free(t->verdict);
    free(t->ctrl_share);
    free(t->share);
    free(t->holding);
    free(t->hops);
    free(t->reasons);
    free(t->ctrl_pred);
    free(t->share_pred);
    free(t->hold_next);
    free(t->sup_lab);
    free(t->sup_next);
    free(t->up_lab);
    free(t->up_next);
    free(t->dn_lab);
    free(t->dn_pred);
    free(t->ds_lab);
    free(t->ds_pred);
    memset(t, 0, sizeof(*t));
}
