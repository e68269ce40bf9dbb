/* SPDX-License-Identifier: MIT */
/*
 * ties.c: SPEC section 3 for every entity at once.
 *
 *  - defense-controlled: a worklist least fixpoint.  Every controlled entity
 *    is popped once and adds its stakes to its holdings' sums; a holding
 *    becomes controlled when a control edge or the summed stakes reach the
 *    threshold.  O(V + E).
 *  - defense share and holding: least fixpoints of x = min(1, P x), solved
 *    one strongly connected component at a time in topological order:
 *    acyclic parts take one step, cycles are swept (Gauss-Seidel) until no
 *    value moves by more than VEU_TIES_TOL.  The acyclic parts are peeled
 *    off in O(V + E); igraph finds the components of what is left.
 *  - strongest paths: shortest paths with weights -log(percent/100) from
 *    the seeds (and towards them, for holdings), in the same component
 *    order: one step outside cycles, Dijkstra inside them.
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

#include "engine/graph.h"
#include "engine/ties_int.h"
#include "veu/assert.h"

static char igraph_msg[256];
static igraph_error_t igraph_err;
/* A component whose shares did not settle within VEU_TIES_MAX_SWEEPS (0: none). */
static uint32_t stuck_size, stuck_first;

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

/* Gives each touched vertex the labels it was offered best; they spread next. */
void veu_labels_commit(struct veu_labels *s)
{
    for (size_t t = 0; t < s->n_touched; t++) {
        uint32_t v = s->touched[t];
        size_t k = (size_t)v * 2;
        for (unsigned i = 0; i < 2; i++) {
            struct veu_pending *p = &s->pend[k + i];
            if (p->L == VEU_NONE) {
                continue;
            }
            size_t slot = s->lab[k] == VEU_NONE ? k : k + 1;
            VEU_ASSERT(s->lab[slot] == VEU_NONE);
            s->lab[slot] = p->L;
            s->via[slot] = p->e;
            if (s->dist) {
                s->dist[slot] = s->level;
            }
            s->next[s->n_next++] = slot;
            p->L = VEU_NONE;
        }
    }
    s->n_touched = 0;
}

int veu_labels_init(struct veu_labels *s, uint32_t n, uint32_t **lab, uint32_t **via, int with_dist)
{
    size_t slots = (size_t)n * 2 + 2;

    memset(s, 0, sizeof(*s));
    *lab = malloc(slots * sizeof(**lab));
    *via = malloc(slots * sizeof(**via));
    s->front = malloc(slots * sizeof(*s->front));
    s->next = malloc(slots * sizeof(*s->next));
    s->pend = malloc(slots * sizeof(*s->pend));
    s->touched = malloc(((size_t)n + 1) * sizeof(*s->touched));
    s->dist = with_dist ? malloc(slots * sizeof(*s->dist)) : NULL;
    if (!*lab || !*via || !s->front || !s->next || !s->pend || !s->touched ||
        (with_dist && !s->dist)) {
        free(s->front), free(s->next), free(s->pend), free(s->touched), free(s->dist);
        memset(s, 0, sizeof(*s));
        return -ENOMEM;
    }
    veu_huge(*lab, slots * sizeof(**lab));
    veu_huge(*via, slots * sizeof(**via));
    veu_huge(s->front, slots * sizeof(*s->front));
    veu_huge(s->next, slots * sizeof(*s->next));
    veu_huge(s->pend, slots * sizeof(*s->pend));
    veu_huge(s->dist, with_dist ? slots * sizeof(*s->dist) : 0);
    memset(*lab, 0xff, slots * sizeof(**lab));
    memset(*via, 0xff, slots * sizeof(**via));
    memset(s->pend, 0xff, slots * sizeof(*s->pend));
    s->lab = *lab;
    s->via = *via;
    return 0;
}

void veu_labels_next_level(struct veu_labels *s)
{
    uint64_t *t = s->front;
    s->front = s->next;
    s->next = t;
    s->n_front = s->n_next;
    s->n_next = 0;
    s->level++;
}

void veu_labels_done(struct veu_labels *s)
{
    free(s->front), free(s->next), free(s->pend), free(s->touched), free(s->dist);
    memset(s, 0, sizeof(*s));
}

/* Spreads level after level: every label to the neighbours the view gives. */
static void label_run(struct veu_labels *s, const struct adj *a)
{
    veu_labels_commit(s);
    while (s->n_next) {
        veu_labels_next_level(s);
        for (size_t q = 0; q < s->n_front; q++) {
            size_t k = s->front[q];
            uint32_t v = (uint32_t)(k / 2);
            uint32_t L = s->lab[k];
            for (uint32_t i = a->off[v]; i < a->off[v + 1]; i++) {
                uint32_t e = adj_edge(a, i);
                const uint32_t *ed = edge_at(a, e);
                if (a->ok && !a->ok(ed, a->arg)) {
                    continue;
                }
                veu_label_offer(s, ed[a->far ? 1 : 0], L, e, v);
            }
        }
        veu_labels_commit(s);
    }
}

static int own_controls(const void *edge, const void *pol)
{
    return veu_oedge_controls(edge, pol);
}

/* ------------------------------------------------------------------ */
/* The 50 percent rule                                                 */

static int compute_controlled_as(veu_ties_t *t, const veu_graph_t *g, const veu_policy_t *pol,
                                 int hi, uint8_t *controlled, double *ctrl_share,
                                 uint32_t *ctrl_pred);

/*
 * Under a policy where control alone does not count (OFAC and BIS read
 * their rules so), the same fixpoint as if it did: an entity controlled
 * only then is tied by control the regime leaves out, and is reviewed
 * (control_without_ownership), never silently cleared.  Its evidence chain
 * is found at answer time among the entities flagged here.
 */
static int compute_control_only(veu_ties_t *t, const veu_graph_t *g, const veu_policy_t *pol)
{
    size_t n = g->n ? g->n : 1;
    veu_policy_t cw = *pol;
    double *share = calloc(n, sizeof(double));
    uint32_t *pred = malloc(n * sizeof(uint32_t));
    int rc = -ENOMEM;

    cw.control_without_ownership = true;
    t->controlled_cw = calloc(n, 1);
    if (share && pred && t->controlled_cw) {
        rc = compute_controlled_as(t, g, &cw, 0, t->controlled_cw, share, pred);
    }
    free(share);
    free(pred);
    return rc;
}

static int compute_controlled(veu_ties_t *t, const veu_graph_t *g, const veu_policy_t *pol)
{
    int uncertain = 0;
    for (uint32_t i = 0; i < g->n_own && !uncertain; i++) {
        uncertain = (g->own[i].flags & VEU_OE_RANGE) ||
                    ((g->own[i].flags & VEU_OE_UNKNOWN) && pol->review_unknown);
    }
    int rc = compute_controlled_as(t, g, pol, 0, t->controlled, t->ctrl_share, t->ctrl_pred);
    if (rc == 0 && !pol->control_without_ownership) {
        rc = compute_control_only(t, g, pol);
    }
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
            ctrl_share[w] += veu_stake(e, pol, hi);
            if (pol->suspended) {
                continue; /* a suspended rule reaches no affiliate */
            }
            /* a regime may count only one owner's stake at a time, or no bare control */
            if (!controlled[w] &&
                (((e->flags & VEU_OE_CONTROL) && pol->control_without_ownership) ||
                 veu_policy_controls(pol, pol->aggregate_owners ? ctrl_share[w]
                                                                : veu_stake(e, pol, hi)))) {
                controlled[w] = 1;
                queue[tail++] = w;
            }
        }
    }
    /*
     * the sums the rule was decided on came in the order of the worklist; the
     * share reported is added up again in the order of the owners' edges, so
     * that it does not depend on that order (graph/mpi adds it up alike)
     */
    for (uint32_t v = 0; v < n; v++) {
        double sum = 0.0;
        for (uint32_t i = g->own_in[v]; i < g->own_in[v + 1]; i++) {
            const veu_oedge_t *e = &g->own[g->own_in_e[i]];
            if (controlled[e->from]) {
                sum += veu_stake(e, pol, hi);
            }
        }
        ctrl_share[v] = fmin(100.0, sum);
    }
    /*
     * a shortest chain from a seed, through controlled entities only: the
     * depth of each entity first, then, of the owners one level up, the one
     * with the lowest index, so the chain does not depend on the order of
     * the search (graph/mpi finds it in supersteps)
     */
    head = tail = 0;
    int32_t *depth = malloc(((size_t)n + 1) * sizeof(*depth));
    if (!depth) {
        free(queue);
        return -ENOMEM;
    }
    for (uint32_t v = 0; v < n; v++) {
        ctrl_pred[v] = VEU_NONE;
        depth[v] = t->seed[v] ? 0 : -1;
        if (t->seed[v]) {
            queue[tail++] = v;
        }
    }
    while (head < tail) {
        uint32_t u = queue[head++];
        for (uint32_t i = g->own_out[u]; i < g->own_out[u + 1]; i++) {
            const veu_oedge_t *e = &g->own[i];
            if (depth[e->to] < 0 && controlled[e->to] && veu_chain_edge(e, pol, hi)) {
                depth[e->to] = depth[u] + 1;
                queue[tail++] = e->to;
            }
        }
    }
    for (uint32_t v = 0; v < n; v++) {
        if (depth[v] <= 0) {
            continue;
        }
        for (uint32_t i = g->own_in[v]; i < g->own_in[v + 1]; i++) {
            uint32_t j = g->own_in_e[i];
            const veu_oedge_t *e = &g->own[j];
            if (depth[e->from] == depth[v] - 1 && veu_chain_edge(e, pol, hi) &&
                (ctrl_pred[v] == VEU_NONE || e->from < g->own[ctrl_pred[v]].from)) {
                ctrl_pred[v] = j;
            }
        }
    }
    free(depth);
    free(queue);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Integrated shares: components (igraph for the cycles), strongest paths */

enum { ST_CORE, ST_FRONT, ST_BACK };

/*
 * igraph's strongly connected components of the core's vertices still
 * unplaced (memb[i] == VEU_NONE), and the stake edges between them; each
 * gets its component, numbered from *nc on.
 */
static igraph_error_t igraph_components(const veu_graph_t *g, const uint8_t *st, const uint32_t *cv,
                                        uint32_t c, const uint32_t *loc, uint32_t *memb,
                                        uint32_t *nc)
{
    igraph_t cg;
    igraph_vector_int_t ev, cm;
    igraph_integer_t m = 0, k = 0, found = 0;
    uint32_t left = 0, *sub = malloc(((size_t)c + 1) * sizeof(*sub)); /* local -> igraph's */

    if (!sub) {
        IGRAPH_ERROR("no memory for the core's components", IGRAPH_ENOMEM);
    }
    IGRAPH_FINALLY(free, sub);
    for (uint32_t i = 0; i < c; i++) {
        sub[i] = memb[i] == VEU_NONE ? left++ : VEU_NONE;
    }
    for (uint32_t i = 0; i < c; i++) {
        for (uint32_t j = g->own_out[cv[i]]; sub[i] != VEU_NONE && j < g->own_out[cv[i] + 1]; j++) {
            const veu_oedge_t *e = &g->own[j];
            m += veu_has_stake(e) && st[e->to] == ST_CORE && sub[loc[e->to]] != VEU_NONE;
        }
    }
    IGRAPH_VECTOR_INT_INIT_FINALLY(&ev, 2 * m);
    for (uint32_t i = 0; i < c; i++) {
        for (uint32_t j = g->own_out[cv[i]]; sub[i] != VEU_NONE && j < g->own_out[cv[i] + 1]; j++) {
            const veu_oedge_t *e = &g->own[j];
            if (veu_has_stake(e) && st[e->to] == ST_CORE && sub[loc[e->to]] != VEU_NONE) {
                VECTOR(ev)[k++] = sub[i];
                VECTOR(ev)[k++] = sub[loc[e->to]];
            }
        }
    }
    IGRAPH_CHECK(igraph_create(&cg, &ev, left, IGRAPH_DIRECTED));
    igraph_vector_int_destroy(&ev);
    IGRAPH_FINALLY_CLEAN(1);
    IGRAPH_FINALLY(igraph_destroy, &cg);
    IGRAPH_VECTOR_INT_INIT_FINALLY(&cm, 0);
    IGRAPH_CHECK(igraph_connected_components(&cg, &cm, NULL, &found, IGRAPH_STRONG));
    for (uint32_t i = 0; i < c; i++) {
        if (sub[i] != VEU_NONE) {
            memb[i] = *nc + (uint32_t)VECTOR(cm)[sub[i]];
        }
    }
    *nc += (uint32_t)found;
    igraph_vector_int_destroy(&cm);
    igraph_destroy(&cg);
    free(sub);
    IGRAPH_FINALLY_CLEAN(3);
    return IGRAPH_SUCCESS;
}

/*
 * The core's strongly connected components: memb[i] is the component of
 * cv[i] (loc[v] its index there); *ret_nc how many there are.
 *
 * A registry with a giant cyclic core (the share of one group held through
 * another, all around a market) has one component of millions of entities,
 * and building igraph's copy of it costs most of the ties.  So, as parallel
 * SCC algorithms do (forward-backward with trimming): the component of the
 * vertex with the most stakes both ways within the core is found first, as
 * the vertices both reached from it and reaching it, by two breadth-first
 * searches on the CSR arrays; then vertices left with no owner or no holding
 * among the rest are components of their own, peeled as before; igraph
 * finds the components of what remains.  Components are unique, so this
 * changes only their numbering, and order_core orders them by the graph.
 */
static igraph_error_t core_components(const veu_graph_t *g, uint8_t *st, const uint32_t *cv,
                                      uint32_t c, const uint32_t *loc, uint32_t *memb,
                                      uint32_t *ret_nc)
{
    enum { FW = 0x10, BW = 0x20 }; /* marks beside ST_CORE in st[], cleared before return */
    uint32_t *queue = malloc(((size_t)c + 1) * sizeof(*queue));
    uint32_t *din = calloc((size_t)c + 1, sizeof(*din)),
             *dout = calloc((size_t)c + 1, sizeof(*dout));
    uint32_t nc = 0, pivot = 0, left = 0;
    uint64_t best = 0;
    igraph_error_t rc = IGRAPH_SUCCESS;

    if (!queue || !din || !dout) {
        free(queue), free(din), free(dout);
        IGRAPH_ERROR("no memory for the core's components", IGRAPH_ENOMEM);
    }
    for (uint32_t i = 0; i < c; i++) {
        for (uint32_t j = g->own_out[cv[i]]; j < g->own_out[cv[i] + 1]; j++) {
            const veu_oedge_t *e = &g->own[j];
            if (veu_has_stake(e) && st[e->to] == ST_CORE) {
                dout[i]++;
                din[loc[e->to]]++;
            }
        }
    }
    for (uint32_t i = 0; i < c; i++) {
        uint64_t both = (uint64_t)din[i] * dout[i];
        if (both > best) {
            best = both;
            pivot = i;
        }
    }
    /*
     * Forward (to holdings) and backward (to owners) from the pivot, marked
     * in st[] itself: one byte read per edge besides the edge, where a local
     * index and a mark of its own would be two more at random.
     */
    for (int dir = 0; dir < 2 && c; dir++) {
        uint8_t bit = dir ? BW : FW;
        size_t head = 0, tail = 0;
        queue[tail++] = cv[pivot];
        st[cv[pivot]] |= bit;
        while (head < tail) {
            uint32_t v = queue[head++];
            uint32_t lo = dir ? g->own_in[v] : g->own_out[v];
            uint32_t hi = dir ? g->own_in[v + 1] : g->own_out[v + 1];
            for (uint32_t j = lo; j < hi; j++) {
                const veu_oedge_t *e = &g->own[dir ? g->own_in_e[j] : j];
                uint32_t u = dir ? e->from : e->to;
                if ((st[u] & ~(FW | BW)) == ST_CORE && !(st[u] & bit) && veu_has_stake(e)) {
                    st[u] |= bit;
                    queue[tail++] = u;
                }
            }
        }
    }
    for (uint32_t i = 0; i < c; i++) {
        memb[i] = st[cv[i]] == (ST_CORE | FW | BW) ? 0 : VEU_NONE;
        st[cv[i]] = ST_CORE;
    }
    nc = c ? 1 : 0;
    /* peel the rest: no owner or no holding left among the unplaced */
    memset(din, 0, ((size_t)c + 1) * sizeof(*din));
    memset(dout, 0, ((size_t)c + 1) * sizeof(*dout));
    for (uint32_t i = 0; i < c; i++) {
        for (uint32_t j = g->own_out[cv[i]]; memb[i] == VEU_NONE && j < g->own_out[cv[i] + 1];
             j++) {
            const veu_oedge_t *e = &g->own[j];
            if (veu_has_stake(e) && st[e->to] == ST_CORE && memb[loc[e->to]] == VEU_NONE) {
                dout[i]++;
                din[loc[e->to]]++;
            }
        }
    }
    size_t head = 0, tail = 0;
    for (uint32_t i = 0; i < c; i++) {
        if (memb[i] == VEU_NONE && (din[i] == 0 || dout[i] == 0)) {
            memb[i] = nc++;
            queue[tail++] = i;
        }
    }
    while (head < tail) {
        uint32_t v = cv[queue[head++]];
        for (int dir = 0; dir < 2; dir++) {
            uint32_t lo = dir ? g->own_in[v] : g->own_out[v];
            uint32_t hi = dir ? g->own_in[v + 1] : g->own_out[v + 1];
            for (uint32_t j = lo; j < hi; j++) {
                const veu_oedge_t *e = &g->own[dir ? g->own_in_e[j] : j];
                uint32_t u = dir ? e->from : e->to;
                if (!veu_has_stake(e) || st[u] != ST_CORE || memb[loc[u]] != VEU_NONE) {
                    continue;
                }
                uint32_t *d = dir ? &dout[loc[u]] : &din[loc[u]];
                if (--*d == 0) {
                    memb[loc[u]] = nc++;
                    queue[tail++] = loc[u];
                }
            }
        }
    }
    for (uint32_t i = 0; i < c; i++) {
        left += memb[i] == VEU_NONE;
    }
    free(queue), free(din), free(dout);
    if (left) {
        rc = igraph_components(g, st, cv, c, loc, memb, &nc);
    }
    *ret_nc = nc;
    return rc;
}

/*
 * Orders the core's components topologically (owners before holdings),
 * Kahn over the condensation, into order[] from position pos, each
 * component's start in ostart[] from *ncomp on.
 */
static int order_core(const veu_graph_t *g, const uint8_t *st, const uint32_t *cv, uint32_t c,
                      const uint32_t *loc, const uint32_t *memb, uint32_t nc, uint32_t *order,
                      uint32_t pos, uint32_t *ostart, uint32_t *ncomp)
{
    uint32_t *cstart = calloc((size_t)nc + 1, sizeof(*cstart));
    uint32_t *members = malloc(((size_t)c + 1) * sizeof(*members));
    uint32_t *indeg = calloc((size_t)nc + 1, sizeof(*indeg));
    uint32_t *corder = malloc(((size_t)nc + 1) * sizeof(*corder));

    if (!cstart || !members || !indeg || !corder) {
        free(cstart), free(members), free(indeg), free(corder);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < c; i++) {
        cstart[memb[i] + 1]++;
    }
    for (uint32_t k = 0; k < nc; k++) {
        cstart[k + 1] += cstart[k];
    }
    for (uint32_t i = 0; i < c; i++) {
        members[cstart[memb[i]] + indeg[memb[i]]++] = cv[i]; /* indeg: a cursor for now */
    }
    memset(indeg, 0, ((size_t)nc + 1) * sizeof(*indeg));
    for (uint32_t i = 0; i < c; i++) {
        for (uint32_t j = g->own_out[cv[i]]; j < g->own_out[cv[i] + 1]; j++) {
            const veu_oedge_t *e = &g->own[j];
            if (veu_has_stake(e) && st[e->to] == ST_CORE && memb[loc[e->to]] != memb[i]) {
                indeg[memb[loc[e->to]]]++;
            }
        }
    }
    size_t head = 0, tail = 0;
    for (uint32_t k = 0; k < nc; k++) {
        if (indeg[k] == 0) {
            corder[tail++] = k;
        }
    }
    while (head < tail) {
        uint32_t k = corder[head++];
        ostart[(*ncomp)++] = pos;
        for (uint32_t i = cstart[k]; i < cstart[k + 1]; i++) {
            order[pos++] = members[i];
        }
        for (uint32_t i = cstart[k]; i < cstart[k + 1]; i++) {
            uint32_t u = members[i];
            for (uint32_t j = g->own_out[u]; j < g->own_out[u + 1]; j++) {
                const veu_oedge_t *e = &g->own[j];
                if (veu_has_stake(e) && st[e->to] == ST_CORE) {
                    uint32_t kw = memb[loc[e->to]];
                    if (kw != k && --indeg[kw] == 0) {
                        corder[tail++] = kw;
                    }
                }
            }
        }
    }
    free(cstart), free(members), free(indeg), free(corder);
    return 0;
}

/*
 * Orders the vertices by strongly connected component of the stake graph,
 * components in topological order (owners before holdings); order[] lists
 * the vertices, start[k] where component k begins.
 *
 * Most of a registry is acyclic.  A vertex whose owners are all peeled off
 * is a component of its own and can go next (Kahn's algorithm from the
 * vertices nobody holds a stake in); so can, from the back, a vertex whose
 * holdings all are.  What is left, the core, lies between cycles, and igraph
 * finds its components; peeling is O(V + E) and keeps igraph's copy of the
 * graph to the core (606k of the 10M entities of the generator's registry).
 */
static int component_order(const veu_graph_t *g, uint32_t **ret_order, uint32_t **ret_start,
                           uint32_t *ret_ncomp)
{
    uint32_t n = g->n, front = 0, back = n, ncomp = 0, c = 0, nc = 0;
    uint32_t *order = malloc(((size_t)n + 1) * sizeof(*order));
    uint32_t *ostart = malloc(((size_t)n + 2) * sizeof(*ostart));
    uint32_t *deg = calloc((size_t)n + 1, sizeof(*deg)); /* later: index in the core */
    uint8_t *st = calloc((size_t)n + 1, 1);
    uint32_t *cv = NULL, *memb = NULL;
    int rc = -ENOMEM;

    if (!order || !ostart || !deg || !st) {
        goto out;
    }
    /* from the front: owners first */
    for (uint32_t j = 0; j < g->n_own; j++) {
        deg[g->own[j].to] += veu_has_stake(&g->own[j]);
    }
    for (uint32_t v = 0; v < n; v++) {
        if (deg[v] == 0) {
            order[front++] = v;
            st[v] = ST_FRONT;
        }
    }
    for (uint32_t h = 0; h < front; h++) {
        uint32_t u = order[h];
        for (uint32_t j = g->own_out[u]; j < g->own_out[u + 1]; j++) {
            const veu_oedge_t *e = &g->own[j];
            if (veu_has_stake(e) && --deg[e->to] == 0) {
                order[front++] = e->to;
                st[e->to] = ST_FRONT;
            }
        }
    }
    /* from the back: holdings last (a vertex not peeled holds only such) */
    memset(deg, 0, ((size_t)n + 1) * sizeof(*deg));
    for (uint32_t j = 0; j < g->n_own; j++) {
        deg[g->own[j].from] += veu_has_stake(&g->own[j]) && st[g->own[j].from] == ST_CORE;
    }
    for (uint32_t v = 0; v < n; v++) {
        if (st[v] == ST_CORE && deg[v] == 0) {
            order[--back] = v;
            st[v] = ST_BACK;
        }
    }
    for (uint32_t h = n; h > back; h--) {
        uint32_t u = order[h - 1];
        for (uint32_t i = g->own_in[u]; i < g->own_in[u + 1]; i++) {
            const veu_oedge_t *e = &g->own[g->own_in_e[i]];
            if (veu_has_stake(e) && st[e->from] == ST_CORE && --deg[e->from] == 0) {
                order[--back] = e->from;
                st[e->from] = ST_BACK;
            }
        }
    }
    for (uint32_t k = 0; k < front; k++) {
        ostart[ncomp++] = k;
    }
    /* the core, by igraph */
    c = back - front;
    if (c) {
        cv = malloc((size_t)c * sizeof(*cv));
        memb = malloc((size_t)c * sizeof(*memb));
        if (!cv || !memb) {
            goto out;
        }
        for (uint32_t v = 0, i = 0; v < n; v++) {
            if (st[v] == ST_CORE) {
                deg[v] = i;
                cv[i++] = v;
            }
        }
        if (core_components(g, st, cv, c, deg, memb, &nc) != IGRAPH_SUCCESS) {
            rc = igraph_err == IGRAPH_ENOMEM ? -ENOMEM : -VEU_EGRAPH;
            goto out;
        }
        if ((rc = order_core(g, st, cv, c, deg, memb, nc, order, front, ostart, &ncomp)) < 0) {
            goto out;
        }
    }
    for (uint32_t k = back; k < n; k++) {
        ostart[ncomp++] = k;
    }
    ostart[ncomp] = n;
    *ret_order = order;
    *ret_start = ostart;
    *ret_ncomp = ncomp;
    order = ostart = NULL;
    rc = 0;
out:
    free(order), free(ostart), free(deg), free(st), free(cv), free(memb);
    return rc;
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
            s += veu_stake(e, pol, hi) / 100.0 * x[e->from];
        }
    } else {
        for (uint32_t i = g->own_out[v]; i < g->own_out[v + 1]; i++) {
            const veu_oedge_t *e = &g->own[i];
            s += veu_stake(e, pol, hi) / 100.0 * x[e->to];
        }
    }
    return s < 1.0 ? s : 1.0;
}

/*
 * A large cycle swept in arrays of its own: each vertex's stakes from outside
 * the component (finished before it) are added up once, and the sweeps read
 * only the component's own edges and values, packed in the order of the
 * sweep.  On a giant core (millions of entities) a sweep then reads a few
 * compact arrays instead of the whole graph's edges and values at random.
 * Returns the sweeps, or -1 when memory is short (the caller sweeps in place).
 */
uint32_t veu_ties_local_min = 4096;

/* How many edges ahead a sweep asks for the value at an edge's far end. */
#define SWEEP_AHEAD 16

static int64_t solve_cycle_local(const veu_graph_t *g, const uint8_t *seed, const uint32_t *order,
                                 uint32_t a, uint32_t b, const uint32_t *comp, uint32_t k, int down,
                                 double *x, uint32_t *lidx)
{
    uint32_t m = b - a;
    size_t ne = 0;
    for (uint32_t i = a; i < b; i++) {
        uint32_t v = order[i];
        lidx[v] = i - a;
        ne += down ? g->own_out[v + 1] - g->own_out[v] : g->own_in[v + 1] - g->own_in[v];
    }
    double *base = malloc((size_t)m * sizeof(*base)), *xl = malloc((size_t)m * sizeof(*xl));
    double *p = malloc((ne + 1) * sizeof(*p));
    uint32_t *off = malloc(((size_t)m + 1) * sizeof(*off));
    uint32_t *far = malloc((ne + SWEEP_AHEAD + 1) * sizeof(*far));
    int64_t sweeps = -1;
    if (!base || !xl || !p || !off || !far) {
        goto out;
    }
    veu_huge(base, (size_t)m * sizeof(*base));
    veu_huge(xl, (size_t)m * sizeof(*xl));
    veu_huge(p, (ne + 1) * sizeof(*p));
    veu_huge(off, ((size_t)m + 1) * sizeof(*off));
    veu_huge(far, (ne + SWEEP_AHEAD + 1) * sizeof(*far));
    size_t q = 0;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t v = order[a + i];
        uint32_t lo = down ? g->own_out[v] : g->own_in[v];
        uint32_t hi = down ? g->own_out[v + 1] : g->own_in[v + 1];
        double outside = 0.0;
        off[i] = (uint32_t)q;
        xl[i] = x[v];
        if (seed[v]) {
            base[i] = 1.0; /* whatever its owners: 1, as min(1, 1 + ...) */
            continue;
        }
        for (uint32_t j = lo; j < hi; j++) {
            const veu_oedge_t *e = &g->own[down ? j : g->own_in_e[j]];
            uint32_t u = down ? e->to : e->from;
            double w = veu_stake(e, NULL, 0) / 100.0;
            if (comp[u] == k) {
                p[q] = w;
                far[q++] = lidx[u];
            } else {
                outside += w * x[u];
            }
        }
        base[i] = outside;
    }
    off[m] = (uint32_t)q;
    memset(far + q, 0, (SWEEP_AHEAD + 1) * sizeof(*far));
    for (sweeps = 0; sweeps < VEU_TIES_MAX_SWEEPS;) {
        double delta = 0.0;
        for (uint32_t i = 0; i < m; i++) {
            double sum = base[i];
            for (uint32_t j = off[i]; j < off[i + 1]; j++) {
                __builtin_prefetch(&xl[far[j + SWEEP_AHEAD]]);
                sum += p[j] * xl[far[j]];
            }
            double nv = sum < 1.0 ? sum : 1.0;
            delta = fmax(delta, nv - xl[i]);
            xl[i] = nv;
        }
        sweeps++;
        if (delta <= VEU_TIES_TOL) {
            break;
        }
    }
    for (uint32_t i = 0; i < m; i++) {
        x[order[a + i]] = xl[i];
    }
out:
    free(base), free(xl), free(p), free(off), free(far);
    return sweeps;
}

/*
 * Solves one of the two share fixpoints, component by component, from zero
 * (the least fixpoint); a cycle of veu_ties_local_min entities or more in
 * packed arrays of its own (solve_cycle_local).  order NULL: every vertex as one component in index
 * order, as the highest-stakes reading (hi) needs, since edges that only a
 * range or an unknown stake makes are in no component of the certain graph.
 */
static uint32_t solve_shares(const veu_graph_t *g, const veu_policy_t *pol, const uint8_t *seed,
                             const uint32_t *order, const uint32_t *cstart, uint32_t ncomp,
                             const uint32_t *comp, int down, int hi, double *x, veu_ties_t *t)
{
    uint32_t sweeps = 0, whole[2] = {0, g->n};
    uint32_t *lidx = NULL;

    if (!order) {
        cstart = whole;
        ncomp = 1;
    }
    for (uint32_t k = 0; k < ncomp; k++) {
        uint32_t c = down ? ncomp - 1 - k : k;
        uint32_t a = cstart[c], b = cstart[c + 1], before = sweeps;
        int64_t local = -1;
        if (comp && b - a >= veu_ties_local_min && b - a > 1 &&
            (lidx || (lidx = malloc((size_t)g->n * 4)))) {
            local = solve_cycle_local(g, seed, order, a, b, comp, c, down, x, lidx);
        }
        if (local >= VEU_TIES_MAX_SWEEPS && !stuck_size) {
            stuck_size = b - a;
            stuck_first = order[a];
        }
        if (local >= 0) {
            sweeps += (uint32_t)local;
        }
        for (uint32_t it = 0; local < 0 && it < VEU_TIES_MAX_SWEEPS; it++) {
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
            if (it + 1 == VEU_TIES_MAX_SWEEPS && !stuck_size) {
                /* values still rising: lower bounds, which could clear a buyer */
                stuck_size = b - a;
                stuck_first = order ? order[a] : a;
            }
        }
        if (t && b - a >= t->largest_cycle && b - a > 1) {
            t->largest_sweeps =
                (b - a > t->largest_cycle ? 0 : t->largest_sweeps) + sweeps - before;
            t->largest_cycle = b - a;
        }
    }
    free(lidx);
    return sweeps;
}

/*
 * Strongest paths, one component at a time in the order above (down: in
 * reverse, and along holdings).  A vertex outside any cycle takes the best
 * of its finished neighbours in one step; inside a cycle a small Dijkstra
 * runs from those values.  Each distance is the least of the same sums a
 * Dijkstra from a super-source joined to every seed takes, so they agree to
 * the bit, with no heap over the whole graph and no copy of it.
 */
typedef struct {
    double d;
    uint32_t v;
} heap_item_t;

typedef struct {
    heap_item_t *a;
    size_t n, cap;
} heap_t;

static int heap_push(heap_t *h, double d, uint32_t v)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        heap_item_t *a = realloc(h->a, cap * sizeof(*a));
        if (!a) {
            return -ENOMEM;
        }
        h->a = a;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0 && h->a[(i - 1) / 2].d > d) {
        h->a[i] = h->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->a[i] = (heap_item_t){d, v};
    return 0;
}

static heap_item_t heap_pop(heap_t *h)
{
    heap_item_t top = h->a[0], last = h->a[--h->n];
    size_t i = 0;

    for (;;) {
        size_t k = 2 * i + 1;
        if (k >= h->n) {
            break;
        }
        if (k + 1 < h->n && h->a[k + 1].d < h->a[k].d) {
            k++;
        }
        if (h->a[k].d >= last.d) {
            break;
        }
        h->a[i] = h->a[k];
        i = k;
    }
    if (h->n) {
        h->a[i] = last;
    }
    return top;
}

/*
 * The two views of the ownership graph a strongest-path search takes:
 * toward the seeds (owners, or down: holdings) and away from them.
 */
struct sides {
    struct adj toward, away;
};

static struct sides search_sides(const veu_graph_t *g, int down)
{
    struct adj in = {g->own_in, g->own_in_e, (const char *)g->own, sizeof(veu_oedge_t), 0,
                     NULL,      NULL};
    struct adj out = {g->own_out, NULL, (const char *)g->own, sizeof(veu_oedge_t), 1, NULL, NULL};
    return down ? (struct sides){out, in} : (struct sides){in, out};
}

/* The shortest way to v over its neighbours' distances so far (a: toward the seeds). */
static double nearest(const struct adj *a, const double *w, const double *dist, uint32_t v)
{
    double best = INFINITY;

    for (uint32_t i = a->off[v]; i < a->off[v + 1]; i++) {
        uint32_t e = adj_edge(a, i);
        double x = dist[edge_at(a, e)[a->far]] + w[e];
        best = x < best ? x : best;
    }
    return best;
}

/* Distances within the cycle order[a..b), component k, from the values outside it. */
static int cycle_paths(const struct sides *sd, const uint8_t *seed, const double *w,
                       const uint32_t *comp, uint32_t k, const uint32_t *order, uint32_t a,
                       uint32_t b, heap_t *h, double *dist)
{
    const struct adj *away = &sd->away;

    h->n = 0;
    for (uint32_t i = a; i < b; i++) {
        uint32_t v = order[i];
        double d = seed[v] ? VEU_HOP_COST : nearest(&sd->toward, w, dist, v);
        if (isfinite(d) && heap_push(h, d, v) < 0) {
            return -ENOMEM;
        }
    }
    /* every vertex of the cycle is still infinite here: finite means done */
    while (h->n) {
        heap_item_t it = heap_pop(h);
        uint32_t u = it.v;
        if (isfinite(dist[u])) {
            continue;
        }
        dist[u] = it.d;
        for (uint32_t i = away->off[u]; i < away->off[u + 1]; i++) {
            uint32_t e = adj_edge(away, i), x = edge_at(away, e)[away->far];
            if (comp[x] == k && !isfinite(dist[x]) && isfinite(w[e]) &&
                heap_push(h, it.d + w[e], x) < 0) {
                return -ENOMEM;
            }
        }
    }
    return 0;
}

/*
 * A large cycle's distances from packed arrays of its own, as its shares are
 * swept (solve_cycle_local): its edges with their weights, packed once in
 * the order of its vertices, and its distances beside them, so that a step
 * of the search reads one short row and one array of the cycle's size
 * instead of the whole graph's edges, components and distances at random.
 * A vertex is queued again only when a shorter way to it is found.  The
 * distances are the least of the same sums as cycle_paths takes, to the bit.
 * Returns -ENOMEM, 1 when memory for the packing is short (the caller falls
 * back to cycle_paths), or 0.
 */
static int cycle_paths_local(const struct sides *sd, const uint8_t *seed, const double *w,
                             const uint32_t *comp, uint32_t k, const uint32_t *order, uint32_t a,
                             uint32_t b, heap_t *h, double *dist, uint32_t *lidx)
{
    const struct adj *away = &sd->away;
    uint32_t m = b - a;
    size_t ne = 0;
    int rc = 1;

    for (uint32_t i = 0; i < m; i++) {
        lidx[order[a + i]] = i;
    }
    for (uint32_t i = 0; i < m; i++) {
        uint32_t u = order[a + i];
        for (uint32_t j = away->off[u]; j < away->off[u + 1]; j++) {
            uint32_t e = adj_edge(away, j);
            ne += comp[edge_at(away, e)[away->far]] == k && isfinite(w[e]);
        }
    }
    uint32_t *off = malloc(((size_t)m + 1) * sizeof(*off)), *far = malloc((ne + 1) * sizeof(*far));
    double *wl = malloc((ne + 1) * sizeof(*wl)), *dl = malloc(((size_t)m + 1) * sizeof(*dl));
    uint8_t *done = calloc((size_t)m + 1, 1);
    if (!off || !far || !wl || !dl || !done) {
        goto out;
    }
    size_t q = 0;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t u = order[a + i];
        off[i] = (uint32_t)q;
        for (uint32_t j = away->off[u]; j < away->off[u + 1]; j++) {
            uint32_t e = adj_edge(away, j), x = edge_at(away, e)[away->far];
            if (comp[x] == k && isfinite(w[e])) {
                far[q] = lidx[x];
                wl[q++] = w[e];
            }
        }
    }
    off[m] = (uint32_t)q;
    rc = -ENOMEM;
    h->n = 0;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t v = order[a + i];
        dl[i] = seed[v] ? VEU_HOP_COST : nearest(&sd->toward, w, dist, v);
        if (isfinite(dl[i]) && heap_push(h, dl[i], i) < 0) {
            goto out;
        }
    }
    while (h->n) {
        heap_item_t it = heap_pop(h);
        uint32_t i = it.v;
        if (done[i]) {
            continue;
        }
        done[i] = 1;
        dist[order[a + i]] = it.d;
        for (uint32_t j = off[i]; j < off[i + 1]; j++) {
            uint32_t x = far[j];
            double d = it.d + wl[j];
            if (!done[x] && d < dl[x]) {
                dl[x] = d;
                if (heap_push(h, d, x) < 0) {
                    goto out;
                }
            }
        }
    }
    rc = 0;
out:
    free(off), free(far), free(wl), free(dl), free(done);
    return rc;
}

/*
 * For each vertex the edge by which a strongest path from the seeds enters
 * it (down = 0: share_pred) or leaves it towards the seeds (down = 1:
 * hold_next), or VEU_NONE.  Among edges on equally strong paths the one with
 * the lowest vertex index at its far end is taken, so the choice depends on
 * the paths alone and not on the order of the search: the same answer comes
 * from the whole graph and from any part of it that holds those paths
 * (answers for another day, history.c).
 */
static int strongest_paths(const veu_graph_t *g, const uint8_t *seed, const double *w,
                           const uint32_t *order, const uint32_t *cstart, uint32_t ncomp,
                           const uint32_t *comp, int down, double *dist, uint32_t *ret_edge)
{
    struct sides sd = search_sides(g, down);
    const struct adj *a = &sd.toward;
    heap_t h = {NULL, 0, 0};
    uint32_t *lidx = NULL; /* a large cycle's local indices */

    for (uint32_t v = 0; v < g->n; v++) {
        dist[v] = INFINITY;
    }
    for (uint32_t j = 0; j < ncomp; j++) {
        uint32_t k = down ? ncomp - 1 - j : j;
        uint32_t lo = cstart[k], hi = cstart[k + 1];
        if (hi - lo == 1) {
            uint32_t v = order[lo];
            dist[v] = seed[v] ? VEU_HOP_COST : nearest(a, w, dist, v);
            continue;
        }
        int rc = 1;
        if (hi - lo >= veu_ties_local_min && (lidx || (lidx = malloc((size_t)g->n * 4)))) {
            rc = cycle_paths_local(&sd, seed, w, comp, k, order, lo, hi, &h, dist, lidx);
        }
        if (rc > 0) {
            rc = cycle_paths(&sd, seed, w, comp, k, order, lo, hi, &h, dist);
        }
        if (rc < 0) {
            free(h.a), free(lidx);
            return -ENOMEM;
        }
    }
    free(h.a), free(lidx);
    for (uint32_t v = 0; v < g->n; v++) {
        double dv = dist[v];
        ret_edge[v] = VEU_NONE;
        if (!isfinite(dv) || dv <= VEU_HOP_COST + VEU_TIGHT_TOL) {
            continue; /* unreached, or a seed: its path is the seed itself */
        }
        uint32_t best_far = VEU_NONE;
        for (uint32_t i = a->off[v]; i < a->off[v + 1]; i++) {
            uint32_t e = adj_edge(a, i), far = edge_at(a, e)[a->far];
            if (far < best_far && isfinite(w[e]) && dist[far] + w[e] <= dv + VEU_TIGHT_TOL) {
                best_far = far;
                ret_edge[v] = e;
            }
        }
    }
    return 0;
}

int veu_ties_components(const veu_graph_t *g, uint32_t **ret_order, uint32_t **ret_start,
                        uint32_t *ret_ncomp)
{
    return component_order(g, ret_order, ret_start, ret_ncomp);
}

static int compute_shares(veu_ties_t *t, const veu_graph_t *g)
{
    uint32_t *order = NULL, *cstart = NULL, *comp = NULL, ncomp = 0;
    double *w = NULL, *dist = NULL;
    int rc = component_order(g, &order, &cstart, &ncomp);

    if (rc < 0) {
        return rc;
    }
    rc = -ENOMEM;
    comp = malloc(((size_t)g->n + 1) * sizeof(*comp));
    if (!comp) {
        goto out;
    }
    veu_huge(comp, ((size_t)g->n + 1) * sizeof(*comp));
    for (uint32_t k = 0; k < ncomp; k++) {
        for (uint32_t i = cstart[k]; i < cstart[k + 1]; i++) {
            comp[order[i]] = k;
        }
    }
    t->iterations = solve_shares(g, NULL, t->seed, order, cstart, ncomp, comp, 0, 0, t->share, t);
    t->iterations +=
        solve_shares(g, NULL, t->seed, order, cstart, ncomp, comp, 1, 0, t->holding, t);
    rc = -ENOMEM;
    w = malloc(((size_t)g->n_own + 1) * sizeof(*w));
    dist = malloc(((size_t)g->n + 1) * sizeof(*dist));
    if (!w || !dist) {
        goto out;
    }
    veu_huge(w, ((size_t)g->n_own + 1) * sizeof(*w));
    veu_huge(dist, ((size_t)g->n + 1) * sizeof(*dist));
    for (uint32_t j = 0; j < g->n_own; j++) {
        const veu_oedge_t *e = &g->own[j];
        w[j] = veu_has_stake(e) ? fmax(0.0, -log(e->pct / 100.0)) + VEU_HOP_COST : INFINITY;
    }
    if ((rc = strongest_paths(g, t->seed, w, order, cstart, ncomp, comp, 0, dist, t->share_pred)) <
            0 ||
        (rc = strongest_paths(g, t->seed, w, order, cstart, ncomp, comp, 1, dist, t->hold_next)) <
            0) {
        goto out;
    }
    rc = 0;
out:
    free(order), free(cstart), free(comp), free(w), free(dist);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Supply hops and group ties                                          */

static int compute_supply(veu_ties_t *t, const veu_graph_t *g)
{
    struct veu_labels s;
    /* labels spread from targets to their suppliers: walk in-edges, take from */
    struct adj a = {g->sup_in, g->sup_in_e, (const char *)g->sup, sizeof(veu_sedge_t), 0,
                    NULL,      NULL};
    int rc = veu_labels_init(&s, g->n, &t->sup_lab, &t->sup_next, 1);

    if (rc < 0) {
        return rc;
    }
    for (uint32_t v = 0; v < g->n; v++) {
        if (t->controlled[v]) {
            veu_label_offer(&s, v, v, VEU_NONE, v);
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
    veu_labels_done(&s);
    return 0;
}

static int compute_group(veu_ties_t *t, const veu_graph_t *g, const veu_policy_t *pol)
{
    struct adj up = {g->own_in,    g->own_in_e, (const char *)g->own, sizeof(veu_oedge_t), 0,
                     own_controls, pol};
    struct adj down = {g->own_out,   NULL, (const char *)g->own, sizeof(veu_oedge_t), 1,
                       own_controls, pol};
    struct veu_labels s;
    int rc;

    /* seeds below each entity (paths of one edge or more) */
    if ((rc = veu_labels_init(&s, g->n, &t->up_lab, &t->up_next, 0)) < 0) {
        return rc;
    }
    for (uint32_t v = 0; v < g->n; v++) {
        if (!t->seed[v]) {
            continue;
        }
        for (uint32_t i = g->own_in[v]; i < g->own_in[v + 1]; i++) {
            uint32_t e = g->own_in_e[i];
            if (veu_oedge_controls(&g->own[e], pol)) {
                veu_label_offer(&s, g->own[e].from, v, e | VEU_ORIGIN, v);
            }
        }
    }
    label_run(&s, &up);
    veu_labels_done(&s);

    /* controllers (non-seeds with a seed below) above each entity */
    if ((rc = veu_labels_init(&s, g->n, &t->dn_lab, &t->dn_pred, 0)) < 0) {
        return rc;
    }
    for (uint32_t c = 0; c < g->n; c++) {
        if (t->seed[c] || t->up_lab[(size_t)c * 2] == VEU_NONE) {
            continue;
        }
        for (uint32_t e = g->own_out[c]; e < g->own_out[c + 1]; e++) {
            if (veu_oedge_controls(&g->own[e], pol)) {
                veu_label_offer(&s, g->own[e].to, c, e | VEU_ORIGIN, c);
            }
        }
    }
    label_run(&s, &down);
    veu_labels_done(&s);

    /* the seeds those controllers reach, carried down (for seed buyers) */
    if ((rc = veu_labels_init(&s, g->n, &t->ds_lab, &t->ds_pred, 0)) < 0) {
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
                    veu_label_offer(&s, g->own[e].to, sd, e | VEU_ORIGIN, c);
                }
            }
        }
    }
    label_run(&s, &down);
    veu_labels_done(&s);

    for (uint32_t v = 0; v < g->n; v++) {
        const uint32_t *L = t->seed[v] ? &t->ds_lab[(size_t)v * 2] : &t->dn_lab[(size_t)v * 2];
        t->group[v] = (L[0] != VEU_NONE && L[0] != v) || (L[1] != VEU_NONE && L[1] != v);
    }
    return 0;
}

/* ------------------------------------------------------------------ */

void veu_ties_verdicts(veu_ties_t *t, const veu_graph_t *g, const veu_dataset_t *ds,
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
        if (!t->controlled[v] && t->controlled_cw && t->controlled_cw[v]) {
            r |= VEU_R_CONTROL_ONLY;
        }
        if (((e->des | e->des_other) & (VEU_DES_DEFENSE | VEU_DES_MILITARY)) && !t->seed[v]) {
            r |= VEU_R_DESIGNATED; /* informational: a listing never vanishes */
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
                        VEU_R_GROUP_TIE | VEU_R_DUAL_USE | VEU_R_CONTROL_ONLY)) {
            t->verdict[v] = VEU_V_REVIEW;
        } else if (r & VEU_R_VEU) {
            t->verdict[v] = VEU_V_FAST_TRACK;
        } else {
            t->verdict[v] = VEU_V_STANDARD;
        }
    }
}

int veu_ties_alloc(veu_ties_t *t, const veu_graph_t *g, const veu_dataset_t *ds,
                   const veu_policy_t *pol)
{
    size_t n = (size_t)g->n + 1;

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
        veu_ties_destroy(t);
        return -ENOMEM;
    }
    veu_huge(t->ctrl_share, n * sizeof(double));
    veu_huge(t->share, n * sizeof(double));
    veu_huge(t->holding, n * sizeof(double));
    veu_huge(t->hops, n * sizeof(int32_t));
    veu_huge(t->reasons, n * sizeof(uint32_t));
    veu_huge(t->ctrl_pred, n * sizeof(uint32_t));
    veu_huge(t->share_pred, n * sizeof(uint32_t));
    veu_huge(t->hold_next, n * sizeof(uint32_t));
    memset(t->ctrl_pred, 0xff, n * sizeof(uint32_t));
    for (uint32_t v = 0; v < g->n; v++) {
        const veu_entity_row_t *e = &ds->ent[v];
        t->seed[v] = (e->des & (VEU_DES_DEFENSE | VEU_DES_MILITARY)) &&
                     veu_policy_is_target(pol, veu_str(&ds->pool, e->country));
    }
    return 0;
}

int veu_ties_compute(veu_ties_t *t, const veu_graph_t *g, const veu_dataset_t *ds,
                     const veu_policy_t *pol, veu_diag_t *err)
{
    size_t n = (size_t)g->n + 1;
    int rc;

    stuck_size = 0;
    if ((rc = veu_ties_alloc(t, g, ds, pol)) < 0) {
        goto fail;
    }
    if ((rc = compute_controlled(t, g, pol)) < 0) {
        goto fail;
    }
    igraph_msg[0] = '\0';
    igraph_err = IGRAPH_SUCCESS;
    if ((rc = compute_shares(t, g)) < 0) {
        if (igraph_err != IGRAPH_SUCCESS) {
            snprintf(err->file, sizeof(err->file), "(graph)");
            err->line = 0;
            err->column[0] = '\0';
            snprintf(err->message, sizeof(err->message), "computing ownership shares: %s",
                     igraph_msg);
        }
        goto fail;
    }
    if (stuck_size) {
        goto stuck;
    }
    if (t->controlled_hi) {
        t->share_hi = calloc(n ? n : 1, sizeof(double));
        t->holding_hi = calloc(n ? n : 1, sizeof(double));
        if (!t->share_hi || !t->holding_hi) {
            rc = -ENOMEM;
            goto fail;
        }
        t->iterations +=
            solve_shares(g, pol, t->seed, NULL, NULL, 0, NULL, 0, 1, t->share_hi, NULL);
        t->iterations +=
            solve_shares(g, pol, t->seed, NULL, NULL, 0, NULL, 1, 1, t->holding_hi, NULL);
    }
    if (stuck_size) {
        goto stuck;
    }
    if ((rc = compute_supply(t, g)) < 0 || (rc = compute_group(t, g, pol)) < 0) {
        goto fail;
    }
    veu_ties_verdicts(t, g, ds, pol);
    return 0;
stuck:
    /* a bound that fails the build loudly (the review's F6), never shares left low */
    snprintf(err->file, sizeof(err->file), "(graph)");
    err->line = 0;
    err->column[0] = '\0';
    snprintf(err->message, sizeof(err->message),
             "the ownership shares of %u entities around a cycle (one of them '%s') did not "
             "settle within %d sweeps: stakes near 100%% in a cycle?  Nothing is built rather "
             "than shares left too low",
             stuck_size, veu_str(&ds->pool, ds->ent[stuck_first].id), VEU_TIES_MAX_SWEEPS);
    stuck_size = 0;
    rc = -VEU_EGRAPH;
fail:
    veu_ties_destroy(t);
    return rc;
}

void veu_ties_destroy(veu_ties_t *t)
{
    free(t->controlled_cw);
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
