/* SPDX-License-Identifier: MIT */
/*
 * ties_mpi.c: SPEC section 3 for every entity, computed by the ranks of an
 * MPI job in supersteps (veud build --mpi, docs/scaling.md).
 *
 * Rank 0 has loaded the dataset and made the CSR graph, as veud build does.
 * Each entity is owned by the rank its id hashes to (XXH3-64 mod the number
 * of ranks); rank 0 sends every rank its entities with their ownership edges
 * both ways and their supply in-edges, each edge naming the rank, the local
 * index and the slot of its far end.  Every metric is then a sequence of
 * supersteps: the ranks send what changed along edges to the ranks that own
 * the far ends (MPI_Alltoallv), apply what they received, and agree whether
 * to go on (MPI_Allreduce).  The rules are those of ties.c (ties_int.h):
 *
 *  - the 50 percent rule: newly controlled entities send their stakes; the
 *    controlled share is added up again in the order of the owners' edges;
 *    chains of control by breadth-first depth, the owner of lowest index;
 *  - defense share and holding: x = min(1, P x) from zero, Jacobi steps that
 *    send only values that moved, until none moves by more than the
 *    tolerance (the single builder sweeps Gauss-Seidel to the same one);
 *  - strongest paths: Bellman-Ford on the same weights, then the edge to the
 *    neighbour of lowest index on a strongest path;
 *  - supply hops and group ties: the same two-label levels, one per superstep.
 *
 * The ranks send their results to rank 0, which fills veu_ties_t and writes
 * the snapshot as veud build does.  MPI calls are made from the main thread
 * only (MPI_THREAD_FUNNELED: the name index is built beside on rank 0).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "engine/graph.h"
#include "engine/ties_int.h"
#include "veu/build.h"
#include "veu/mpi.h"

enum { CMD_EXIT = 0, CMD_TIES = 1 };

/* What rank 0 broadcasts before a computation. */
struct header {
    int32_t cmd;
    uint32_t n;        /* entities in all */
    uint8_t uncertain; /* ranges or reviewed unknown stakes: the highest reading too */
    uint8_t cw;        /* control alone not counted: controlled as if it were, too */
    veu_policy_t pol;  /* in force on the day the rows were read for */
};

/* An ownership edge as its owner rank holds it: the edge and its far end. */
typedef struct {
    veu_oedge_t oe;
    uint32_t e;        /* the edge's index in the whole graph */
    uint32_t far;      /* the far end's index in the whole graph */
    uint32_t far_loc;  /* ... at its rank */
    uint32_t far_slot; /* this edge's place in the far end's rank's other list */
    int32_t far_rank;
} pedge_t;

typedef struct {
    uint32_t e, far, far_loc;
    int32_t far_rank;
} psedge_t;

/*
 * Where an entity's share and holding can be worked out: the level of its
 * component in the condensation of the stake graph, counted from the
 * components no stake reaches (up, for shares) and from those that hold no
 * stake (down, for holdings), and whether the component is a cycle.
 */
typedef struct {
    uint32_t up, down;
    uint8_t cyc;
} vlev_t;

/* One rank's part of the graph: its entities, in increasing global index. */
struct part {
    uint32_t n, n_out, n_in, n_sin;
    uint32_t *gid;
    uint8_t *seed;
    uint32_t *out_off, *in_off, *sin_off; /* n + 1 */
    pedge_t *out, *in;                    /* own edges out of and into each entity */
    psedge_t *sin;                        /* supply edges into each entity */
    uint32_t *out_v, *in_v;               /* the entity each slot belongs to */
    vlev_t *lev;
};

/* What each rank sends back per entity. */
struct result {
    double ctrl_share, share, holding, ctrl_share_hi, share_hi, holding_hi;
    uint32_t ctrl_pred, ctrl_pred_hi, share_pred, hold_next;
    uint32_t sup_lab[2], sup_next[2], up_lab[2], up_next[2], dn_lab[2], dn_pred[2];
    uint32_t ds_lab[2], ds_pred[2];
    int32_t hops;
    uint8_t controlled, controlled_hi, controlled_cw, group;
};

/* Messages of one superstep, by destination rank. */
struct box {
    char *b;
    size_t len, cap;
};

struct ctx {
    int rank, size;
    struct header h;
    struct part p;
    struct box *out;
    int *scount, *sdispl, *rcount, *rdispl;
    char *in, *sb; /* what came in the last exchange; what goes to other ranks */
    size_t in_len, in_cap, sb_cap;
    uint64_t steps, sent, max_step_sent; /* supersteps; bytes this rank sent other ranks */
    int failed;                          /* -ENOMEM or -E2BIG on this rank */
    uint32_t sweeps;                     /* share supersteps, for the log */
    double phase_ms[VEU_MPI_PHASES];     /* time and supersteps by phase */
    uint64_t phase_steps[VEU_MPI_PHASES];
    double mark_ms;
    uint64_t mark_steps;
    int stuck;
};

/* ------------------------------------------------------------------ */
/* Moving bytes                                                        */

#define CHUNK (1 << 30)

static void send_bytes(const void *p, size_t len, int to)
{
    const char *c = p;
    for (size_t off = 0; off < len || (len == 0 && off == 0); off += CHUNK) {
        size_t k = len - off < CHUNK ? len - off : CHUNK;
        MPI_Send(c + off, (int)k, MPI_BYTE, to, 7, MPI_COMM_WORLD);
        if (len == 0) {
            break;
        }
    }
}

static void recv_bytes(void *p, size_t len, int from)
{
    char *c = p;
    for (size_t off = 0; off < len || (len == 0 && off == 0); off += CHUNK) {
        size_t k = len - off < CHUNK ? len - off : CHUNK;
        MPI_Recv(c + off, (int)k, MPI_BYTE, from, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (len == 0) {
            break;
        }
    }
}

static void put(struct ctx *c, int to, const void *rec, size_t sz)
{
    struct box *b = &c->out[to];
    if (b->len + sz > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + sz) {
            cap *= 2;
        }
        char *nb = realloc(b->b, cap);
        if (!nb) {
            c->failed = -ENOMEM;
            return;
        }
        b->b = nb;
        b->cap = cap;
    }
    memcpy(b->b + b->len, rec, sz);
    b->len += sz;
}

/*
 * One exchange: every rank's boxes go to their ranks; c->in then holds
 * what came, rank by rank.  What a rank sends itself is copied straight into
 * its place in c->in, not through MPI; the send buffer is kept between
 * exchanges (a fresh one each time cost a page fault per 4 KiB sent).
 * Returns 0, or a negative code when any rank failed (all ranks return it,
 * so all stop together).
 */
static int flush(struct ctx *c)
{
    int bad = c->failed, any, me = c->rank;
    uint64_t sent = 0;

    for (int r = 0; r < c->size; r++) {
        if (c->out[r].len > INT_MAX) {
            bad = -E2BIG; /* MPI counts are int: more ranks make each step smaller */
        }
        c->scount[r] = bad ? 0 : (int)c->out[r].len;
        sent += r == me ? 0 : c->out[r].len;
    }
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (any < 0) {
        c->failed = any;
        return any;
    }
    MPI_Alltoall(c->scount, 1, MPI_INT, c->rcount, 1, MPI_INT, MPI_COMM_WORLD);
    size_t total = 0, slen = 0;
    for (int r = 0; r < c->size; r++) {
        c->rdispl[r] = (int)total;
        total += (size_t)c->rcount[r];
        slen += r == me ? 0 : c->out[r].len;
    }
    if (total > INT_MAX || slen > INT_MAX) {
        bad = -E2BIG;
    }
    if (!bad && total > c->in_cap) {
        char *ni = realloc(c->in, total);
        bad = ni ? 0 : -ENOMEM;
        if (ni) {
            c->in = ni;
            c->in_cap = total;
        }
    }
    if (!bad && slen > c->sb_cap) {
        char *nb = realloc(c->sb, slen);
        bad = nb ? 0 : -ENOMEM;
        if (nb) {
            c->sb = nb;
            c->sb_cap = slen;
        }
    }
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (any < 0) {
        c->failed = any;
        return any;
    }
    size_t off = 0;
    for (int r = 0; r < c->size; r++) {
        c->sdispl[r] = (int)off;
        if (r != me && c->out[r].len) {
            memcpy(c->sb + off, c->out[r].b, c->out[r].len);
            off += c->out[r].len;
        }
    }
    if (c->out[me].len) {
        memcpy(c->in + c->rdispl[me], c->out[me].b, c->out[me].len);
    }
    c->scount[me] = c->rcount[me] = 0; /* copied above */
    MPI_Alltoallv(c->sb, c->scount, c->sdispl, MPI_BYTE, c->in, c->rcount, c->rdispl, MPI_BYTE,
                  MPI_COMM_WORLD);
    for (int r = 0; r < c->size; r++) {
        c->out[r].len = 0;
    }
    c->in_len = total;
    c->steps++;
    c->sent += sent;
    c->max_step_sent = sent > c->max_step_sent ? sent : c->max_step_sent;
    return 0;
}

static uint64_t sum_all(uint64_t v)
{
    uint64_t s;
    MPI_Allreduce(&v, &s, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    return s;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* What happened since the last mark goes to phase (VEU_MPI_PHASE_*). */
static void mark(struct ctx *c, int phase)
{
    double t = now_ms();
    if (phase >= 0) {
        c->phase_ms[phase] += t - c->mark_ms;
        c->phase_steps[phase] += c->steps - c->mark_steps;
    }
    c->mark_ms = t;
    c->mark_steps = c->steps;
}

#define EACH_MSG(c, T, m)                                                                          \
    for (const T *m = (const T *)(c)->in; (const char *)(m + 1) <= (c)->in + (c)->in_len; m++)

/* ------------------------------------------------------------------ */
/* The 50 percent rule                                                 */

struct stake_msg {
    double stake;
    uint32_t loc, flags;
};

struct mark_msg {
    uint32_t slot;
    int32_t depth;
    uint32_t controlled;
};

static int controlled_as(struct ctx *c, const veu_policy_t *pol, int hi, uint8_t *ctl,
                         double *cshare, uint32_t *cpred)
{
    struct part *p = &c->p;
    uint32_t *front = malloc(((size_t)p->n + 1) * sizeof(*front));
    uint32_t *next = malloc(((size_t)p->n + 1) * sizeof(*next));
    double *rs = calloc((size_t)p->n + 1, sizeof(*rs));
    int32_t *depth = malloc(((size_t)p->n + 1) * sizeof(*depth));
    int32_t *indepth = malloc(((size_t)p->n_in + 1) * sizeof(*indepth));
    uint8_t *inctl = calloc((size_t)p->n_in + 1, 1);
    size_t nf = 0, nn;
    int rc = -ENOMEM;

    if (!front || !next || !rs || !depth || !indepth || !inctl) {
        c->failed = -ENOMEM;
    }
    for (uint32_t v = 0; v < p->n && !c->failed; v++) {
        ctl[v] = p->seed[v];
        depth[v] = p->seed[v] ? 0 : -1;
        cpred[v] = VEU_NONE;
        if (p->seed[v]) {
            front[nf++] = v;
        }
    }
    /* the least fixpoint: newly controlled entities send their stakes */
    for (;;) {
        for (size_t q = 0; q < nf && !c->failed; q++) {
            uint32_t u = front[q];
            for (uint32_t i = p->out_off[u]; i < p->out_off[u + 1]; i++) {
                const pedge_t *e = &p->out[i];
                struct stake_msg m = {veu_stake(&e->oe, pol, hi), e->far_loc, e->oe.flags};
                put(c, e->far_rank, &m, sizeof(m));
            }
        }
        if ((rc = flush(c)) < 0) {
            goto out;
        }
        nn = 0;
        EACH_MSG(c, struct stake_msg, m)
        {
            uint32_t w = m->loc;
            rs[w] += m->stake;
            if (!pol->suspended && !ctl[w] &&
                (((m->flags & VEU_OE_CONTROL) && pol->control_without_ownership) ||
                 veu_policy_controls(pol, pol->aggregate_owners ? rs[w] : m->stake))) {
                ctl[w] = 1;
                next[nn++] = w;
            }
        }
        uint32_t *t = front;
        front = next;
        next = t;
        nf = nn;
        if (sum_all(nf) == 0) {
            break;
        }
    }
    /* the depth of each entity on chains of control from the seeds */
    nf = 0;
    for (uint32_t v = 0; v < p->n; v++) {
        if (p->seed[v]) {
            front[nf++] = v;
        }
    }
    for (int32_t level = 1;; level++) {
        for (size_t q = 0; q < nf && !c->failed; q++) {
            uint32_t u = front[q];
            for (uint32_t i = p->out_off[u]; i < p->out_off[u + 1]; i++) {
                const pedge_t *e = &p->out[i];
                if (veu_chain_edge(&e->oe, pol, hi)) {
                    put(c, e->far_rank, &e->far_loc, sizeof(e->far_loc));
                }
            }
        }
        if ((rc = flush(c)) < 0) {
            goto out;
        }
        nn = 0;
        EACH_MSG(c, uint32_t, m)
        {
            if (depth[*m] < 0 && ctl[*m]) {
                depth[*m] = level;
                next[nn++] = *m;
            }
        }
        uint32_t *t = front;
        front = next;
        next = t;
        nf = nn;
        if (sum_all(nf) == 0) {
            break;
        }
    }
    /* every owner tells its holdings whether it is controlled, and its depth */
    for (uint32_t u = 0; u < p->n && !c->failed; u++) {
        for (uint32_t i = p->out_off[u]; i < p->out_off[u + 1]; i++) {
            struct mark_msg m = {p->out[i].far_slot, depth[u], ctl[u]};
            put(c, p->out[i].far_rank, &m, sizeof(m));
        }
    }
    if ((rc = flush(c)) < 0) {
        goto out;
    }
    for (uint32_t i = 0; i < p->n_in; i++) {
        indepth[i] = -1;
    }
    EACH_MSG(c, struct mark_msg, m)
    {
        indepth[m->slot] = m->depth;
        inctl[m->slot] = (uint8_t)m->controlled;
    }
    for (uint32_t v = 0; v < p->n; v++) {
        double sum = 0.0;
        uint32_t best = VEU_NONE;
        for (uint32_t i = p->in_off[v]; i < p->in_off[v + 1]; i++) {
            const pedge_t *e = &p->in[i];
            if (inctl[i]) {
                sum += veu_stake(&e->oe, pol, hi);
            }
            if (depth[v] > 0 && indepth[i] == depth[v] - 1 && veu_chain_edge(&e->oe, pol, hi) &&
                (best == VEU_NONE || e->far < best)) {
                best = e->far;
                cpred[v] = e->e;
            }
        }
        cshare[v] = fmin(100.0, sum);
    }
    rc = 0;
out:
    free(front), free(next), free(rs), free(depth), free(indepth), free(inctl);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Defense share and holding                                           */

struct val_msg {
    double x;
    uint32_t slot;
};

/*
 * Shares (down = 0: fed by in-edges, sent along out-edges) or holdings (1,
 * the other way), in the reading hi (pol: the policy that reading needs).
 *
 * The certain reading goes level by level (vlev_t): an entity outside a
 * cycle is worked out once, from its owners' final values added up in the
 * order of its edges, as veud build does (the same bits), and sends its value
 * once; a level with cycles takes Jacobi steps until no value moves by more
 * than the tolerance.  The highest reading has no levels (its ranges and
 * unknown stakes make edges the components were not found on), as veud build
 * sweeps it whole: all entities are one level with cycles.  After a level's
 * first step only the entities something was sent to are worked out again.
 */
static int shares(struct ctx *c, const veu_policy_t *pol, int down, int hi, double *x)
{
    struct part *p = &c->p;
    uint32_t n_slots = down ? p->n_out : p->n_in, n_send = down ? p->n_in : p->n_out;
    const uint32_t *f_off = down ? p->out_off : p->in_off;
    const pedge_t *f_edges = down ? p->out : p->in;
    const uint32_t *s_off = down ? p->in_off : p->out_off;
    const pedge_t *s_edges = down ? p->in : p->out;
    const uint32_t *slot_v = down ? p->out_v : p->in_v;
    double *inval = calloc((size_t)n_slots + 1, sizeof(*inval));
    /* the weights of the feeding edges and the far ends of the sending ones, packed */
    double *wf = malloc(((size_t)n_slots + 1) * sizeof(*wf));
    struct dst {
        uint32_t slot;
        int32_t rank;
    } *ds = malloc(((size_t)n_send + 1) * sizeof(*ds));
    uint32_t *changed = malloc(((size_t)p->n + 1) * sizeof(*changed));
    uint32_t *work = malloc(((size_t)p->n + 1) * sizeof(*work));
    uint8_t *queued = calloc((size_t)p->n + 1, 1);
    uint32_t *bv = malloc(((size_t)p->n + 1) * sizeof(*bv)), *boff = NULL;
    uint32_t my_max = 0, max_l = 0;
#define LEVEL(v) (hi ? 0 : down ? p->lev[v].down : p->lev[v].up)
    int rc = -ENOMEM;

    for (uint32_t v = 0; v < p->n; v++) {
        my_max = LEVEL(v) > my_max ? LEVEL(v) : my_max;
    }
    MPI_Allreduce(&my_max, &max_l, 1, MPI_UINT32_T, MPI_MAX, MPI_COMM_WORLD);
    boff = calloc((size_t)max_l + 2, sizeof(*boff));
    if (!inval || !wf || !ds || !changed || !work || !queued || !bv || !boff) {
        c->failed = -ENOMEM;
    }
    if (!c->failed) {
        for (uint32_t i = 0; i < n_slots; i++) {
            wf[i] = veu_stake(&f_edges[i].oe, pol, hi) / 100.0;
        }
        for (uint32_t i = 0; i < n_send; i++) {
            ds[i] = (struct dst){s_edges[i].far_slot, s_edges[i].far_rank};
        }
        /* the entities by level, a counting sort */
        for (uint32_t v = 0; v < p->n; v++) {
            boff[LEVEL(v) + 1]++;
            x[v] = 0.0;
        }
        for (uint32_t l = 0; l <= max_l; l++) {
            boff[l + 1] += boff[l];
        }
        for (uint32_t v = 0; v < p->n; v++) {
            bv[boff[LEVEL(v)]++] = v;
        }
        for (uint32_t l = max_l + 1; l > 0; l--) {
            boff[l] = boff[l - 1];
        }
        boff[0] = 0;
    }
    for (uint32_t l = 0; l <= max_l; l++) {
        int cyc = hi, any_cyc = 0;
        /* the level's entities; in the flat reading, later, those sent something */
        const uint32_t *list = c->failed ? bv : bv + boff[l];
        size_t nw = c->failed ? 0 : boff[l + 1] - boff[l];
        for (size_t q = 0; q < nw; q++) {
            cyc |= p->lev[list[q]].cyc;
        }
        MPI_Allreduce(&cyc, &any_cyc, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        for (uint32_t it = 0;; it++) {
            size_t nc = 0;
            uint64_t moved = 0;
            for (size_t q = 0; q < nw; q++) {
                uint32_t v = list[q];
                double s = 0.0, nv = 1.0;
                if (!p->seed[v]) {
                    for (uint32_t i = f_off[v]; i < f_off[v + 1]; i++) {
                        s += wf[i] * inval[i];
                    }
                    nv = s < 1.0 ? s : 1.0;
                }
                if (nv != x[v]) {
                    moved += nv - x[v] > VEU_TIES_TOL;
                    x[v] = nv;
                    changed[nc++] = v;
                }
            }
            for (size_t q = 0; list == work && q < nw; q++) {
                queued[work[q]] = 0;
            }
            for (size_t q = 0; q < nc && !c->failed; q++) {
                uint32_t v = changed[q];
                for (uint32_t i = s_off[v]; i < s_off[v + 1]; i++) {
                    struct val_msg m = {x[v], ds[i].slot};
                    put(c, ds[i].rank, &m, sizeof(m));
                }
            }
            if ((rc = flush(c)) < 0) {
                goto out;
            }
            if (hi) {
                list = work; /* the whole graph is one level: only what moved works again */
                nw = 0;
            }
            EACH_MSG(c, struct val_msg, m)
            {
                inval[m->slot] = m->x;
                if (hi && !queued[slot_v[m->slot]]) {
                    queued[slot_v[m->slot]] = 1;
                    work[nw++] = slot_v[m->slot];
                }
            }
            c->sweeps++;
            if (!any_cyc || sum_all(moved) == 0) {
                break;
            }
            if (it + 1 >= VEU_TIES_MAX_SWEEPS) {
                c->stuck = 1; /* values still rising: lower bounds, which could clear a buyer */
                break;
            }
        }
        for (size_t q = 0; list == work && q < nw; q++) {
            queued[work[q]] = 0;
        }
    }
#undef LEVEL
    rc = flush(c); /* every rank agrees it went well (a failure stops all) */
out:
    free(inval), free(wf), free(ds), free(changed), free(work), free(queued), free(bv), free(boff);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Strongest paths                                                     */

struct dist_msg {
    double d;
    uint32_t loc;
};

static inline double weight(const veu_oedge_t *e)
{
    return veu_has_stake(e) ? fmax(0.0, -log(e->pct / 100.0)) + VEU_HOP_COST : INFINITY;
}

/* down = 0: from the seeds along stakes (share_pred); 1: towards them (hold_next). */
static int strongest(struct ctx *c, int down, uint32_t *ret_edge)
{
    struct part *p = &c->p;
    const uint32_t *a_off = down ? p->in_off : p->out_off; /* away from the seeds */
    const pedge_t *a_edges = down ? p->in : p->out;
    const uint32_t *t_off = down ? p->out_off : p->in_off; /* toward them */
    const pedge_t *t_edges = down ? p->out : p->in;
    uint32_t n_t = down ? p->n_out : p->n_in;
    double *dist = malloc(((size_t)p->n + 1) * sizeof(*dist));
    double *tdist = malloc(((size_t)n_t + 1) * sizeof(*tdist));
    uint32_t *changed = malloc(((size_t)p->n + 1) * sizeof(*changed));
    uint8_t *mark = calloc((size_t)p->n + 1, 1);
    uint32_t n_a = down ? p->n_in : p->n_out;
    double *wa = malloc(((size_t)n_a + 1) * sizeof(*wa)); /* once, not per superstep */
    size_t nc = 0;
    int rc = -ENOMEM;

    if (!dist || !tdist || !changed || !mark || !wa) {
        c->failed = -ENOMEM;
    }
    for (uint32_t i = 0; i < n_a && !c->failed; i++) {
        wa[i] = weight(&a_edges[i].oe);
    }
    for (uint32_t v = 0; v < p->n && !c->failed; v++) {
        dist[v] = p->seed[v] ? VEU_HOP_COST : INFINITY;
        if (p->seed[v]) {
            changed[nc++] = v;
        }
    }
    for (;;) {
        for (size_t q = 0; q < nc && !c->failed; q++) {
            uint32_t v = changed[q];
            for (uint32_t i = a_off[v]; i < a_off[v + 1]; i++) {
                if (isfinite(wa[i])) {
                    struct dist_msg m = {dist[v] + wa[i], a_edges[i].far_loc};
                    put(c, a_edges[i].far_rank, &m, sizeof(m));
                }
            }
        }
        if ((rc = flush(c)) < 0) {
            goto out;
        }
        nc = 0;
        EACH_MSG(c, struct dist_msg, m)
        {
            if (m->d < dist[m->loc]) {
                dist[m->loc] = m->d;
                if (!mark[m->loc]) {
                    mark[m->loc] = 1;
                    changed[nc++] = m->loc;
                }
            }
        }
        for (size_t q = 0; q < nc; q++) {
            mark[changed[q]] = 0;
        }
        if (sum_all(nc) == 0) {
            break;
        }
    }
    /* each entity's distance to the far ends of its edges toward the seeds */
    for (uint32_t v = 0; v < p->n && !c->failed; v++) {
        for (uint32_t i = a_off[v]; i < a_off[v + 1]; i++) {
            struct val_msg m = {dist[v], a_edges[i].far_slot};
            put(c, a_edges[i].far_rank, &m, sizeof(m));
        }
    }
    if ((rc = flush(c)) < 0) {
        goto out;
    }
    EACH_MSG(c, struct val_msg, m)
    {
        tdist[m->slot] = m->x;
    }
    for (uint32_t v = 0; v < p->n; v++) {
        double dv = dist[v];
        ret_edge[v] = VEU_NONE;
        if (!isfinite(dv) || dv <= VEU_HOP_COST + VEU_TIGHT_TOL) {
            continue;
        }
        uint32_t best_far = VEU_NONE;
        for (uint32_t i = t_off[v]; i < t_off[v + 1]; i++) {
            double w = weight(&t_edges[i].oe);
            if (t_edges[i].far < best_far && isfinite(w) && tdist[i] + w <= dv + VEU_TIGHT_TOL) {
                best_far = t_edges[i].far;
                ret_edge[v] = t_edges[i].e;
            }
        }
    }
    rc = 0;
out:
    free(dist), free(tdist), free(changed), free(mark), free(wa);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Two-label levels: supply hops and group ties                        */

struct offer_msg {
    uint32_t loc, L, e, far;
};

enum { ADJ_SUP_IN, ADJ_OWN_IN, ADJ_OWN_OUT };

/*
 * Runs the levels from the offers already put in the boxes (level 0): each
 * level is one exchange, offers weighed by veu_label_offer as ties.c does.
 */
static int label_levels(struct ctx *c, struct veu_labels *s, int adj, const veu_policy_t *pol)
{
    struct part *p = &c->p;
    int rc;

    for (;;) {
        if ((rc = flush(c)) < 0) {
            return rc;
        }
        EACH_MSG(c, struct offer_msg, m)
        {
            veu_label_offer(s, m->loc, m->L, m->e, m->far);
        }
        veu_labels_commit(s);
        if (sum_all(s->n_next) == 0) {
            return 0;
        }
        veu_labels_next_level(s);
        for (size_t q = 0; q < s->n_front && !c->failed; q++) {
            size_t k = s->front[q];
            uint32_t v = (uint32_t)(k / 2), L = s->lab[k];
            if (adj == ADJ_SUP_IN) {
                for (uint32_t i = p->sin_off[v]; i < p->sin_off[v + 1]; i++) {
                    struct offer_msg m = {p->sin[i].far_loc, L, p->sin[i].e, p->gid[v]};
                    put(c, p->sin[i].far_rank, &m, sizeof(m));
                }
                continue;
            }
            const uint32_t *off = adj == ADJ_OWN_IN ? p->in_off : p->out_off;
            const pedge_t *ed = adj == ADJ_OWN_IN ? p->in : p->out;
            for (uint32_t i = off[v]; i < off[v + 1]; i++) {
                if (veu_oedge_controls(&ed[i].oe, pol)) {
                    struct offer_msg m = {ed[i].far_loc, L, ed[i].e, p->gid[v]};
                    put(c, ed[i].far_rank, &m, sizeof(m));
                }
            }
        }
    }
}

/* Offers label L from v along v's controlling out-edges, as a first hop. */
static void offer_down(struct ctx *c, uint32_t v, uint32_t L, const veu_policy_t *pol)
{
    struct part *p = &c->p;
    for (uint32_t i = p->out_off[v]; i < p->out_off[v + 1]; i++) {
        if (veu_oedge_controls(&p->out[i].oe, pol)) {
            struct offer_msg m = {p->out[i].far_loc, L, p->out[i].e | VEU_ORIGIN, p->gid[v]};
            put(c, p->out[i].far_rank, &m, sizeof(m));
        }
    }
}

/*
 * One propagation: 0 supply (from controlled entities to their suppliers),
 * 1 seeds below (up), 2 controllers above (down), 3 the seeds those reach.
 * A rank that cannot allocate still takes part in the exchange that tells
 * every rank to stop.
 */
static int label_pass(struct ctx *c, int kind, const uint8_t *ctl, struct result *res)
{
    struct part *p = &c->p;
    const veu_policy_t *pol = &c->h.pol;
    struct veu_labels s;
    uint32_t *lab = NULL, *via = NULL;
    int rc = veu_labels_init(&s, p->n, &lab, &via, kind == 0);

    if (rc < 0) {
        c->failed = rc;
    }
    for (uint32_t v = 0; v < p->n && !c->failed; v++) {
        if (kind == 0 && ctl[v]) {
            veu_label_offer(&s, v, p->gid[v], VEU_NONE, p->gid[v]);
        } else if (kind == 1 && p->seed[v]) {
            for (uint32_t i = p->in_off[v]; i < p->in_off[v + 1]; i++) {
                if (veu_oedge_controls(&p->in[i].oe, pol)) {
                    struct offer_msg m = {p->in[i].far_loc, p->gid[v], p->in[i].e | VEU_ORIGIN,
                                          p->gid[v]};
                    put(c, p->in[i].far_rank, &m, sizeof(m));
                }
            }
        } else if (kind >= 2 && !p->seed[v] && res[v].up_lab[0] != VEU_NONE) {
            for (int k = 0; k < (kind == 2 ? 1 : 2); k++) {
                uint32_t L = kind == 2 ? p->gid[v] : res[v].up_lab[k];
                if (L != VEU_NONE) {
                    offer_down(c, v, L, pol);
                }
            }
        }
    }
    static const int adj[] = {ADJ_SUP_IN, ADJ_OWN_IN, ADJ_OWN_OUT, ADJ_OWN_OUT};
    rc = label_levels(c, &s, adj[kind], pol);
    for (uint32_t v = 0; v < p->n && rc == 0; v++) {
        size_t k = (size_t)v * 2;
        uint32_t *L[] = {res[v].sup_lab, res[v].up_lab, res[v].dn_lab, res[v].ds_lab};
        uint32_t *E[] = {res[v].sup_next, res[v].up_next, res[v].dn_pred, res[v].ds_pred};
        memcpy(L[kind], &lab[k], 2 * sizeof(uint32_t));
        memcpy(E[kind], &via[k], 2 * sizeof(uint32_t));
        if (kind == 0) {
            k += lab[k] == p->gid[v]; /* a controlled buyer: the nearest target but itself */
            res[v].hops = lab[k] == VEU_NONE ? -1 : s.dist[k];
        }
    }
    veu_labels_done(&s);
    free(lab), free(via);
    return rc;
}

static int labels(struct ctx *c, const uint8_t *ctl, struct result *res)
{
    struct part *p = &c->p;
    int rc = 0;

    for (int kind = 0; kind < 4 && rc == 0; kind++) {
        rc = label_pass(c, kind, ctl, res);
    }
    for (uint32_t v = 0; v < p->n && rc == 0; v++) {
        const uint32_t *L = p->seed[v] ? res[v].ds_lab : res[v].dn_lab;
        res[v].group =
            (L[0] != VEU_NONE && L[0] != p->gid[v]) || (L[1] != VEU_NONE && L[1] != p->gid[v]);
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Every rank: its part of the ties                                    */

static int compute(struct ctx *c, struct result *res)
{
    struct part *p = &c->p;
    const veu_policy_t *pol = &c->h.pol;
    size_t n = (size_t)p->n + 1;
    uint8_t *ctl = calloc(n, 1), *ctl2 = calloc(n, 1);
    double *d1 = malloc(n * sizeof(double)), *d2 = malloc(n * sizeof(double));
    uint32_t *u1 = malloc(n * sizeof(uint32_t));
    int rc = -ENOMEM;

    if (!ctl || !ctl2 || !d1 || !d2 || !u1) {
        c->failed = -ENOMEM;
    }
    memset(res, 0, n * sizeof(*res));
    mark(c, -1);
#define EACH_V for (uint32_t v = 0; v < p->n; v++)
    if ((rc = controlled_as(c, pol, 0, ctl, d1, u1)) < 0) {
        goto out;
    }
    EACH_V
    {
        res[v].controlled = ctl[v];
        res[v].ctrl_share = d1[v];
        res[v].ctrl_pred = u1[v];
    }
    if (c->h.cw) {
        veu_policy_t cw = *pol;
        cw.control_without_ownership = true;
        if ((rc = controlled_as(c, &cw, 0, ctl2, d1, u1)) < 0) {
            goto out;
        }
        EACH_V res[v].controlled_cw = ctl2[v];
    }
    if (c->h.uncertain) {
        if ((rc = controlled_as(c, pol, 1, ctl2, d1, u1)) < 0) {
            goto out;
        }
        EACH_V
        {
            res[v].controlled_hi = ctl2[v];
            res[v].ctrl_share_hi = d1[v];
            res[v].ctrl_pred_hi = u1[v];
        }
    }
    mark(c, VEU_MPI_PHASE_CONTROL);
    if ((rc = shares(c, NULL, 0, 0, d1)) < 0 || (rc = shares(c, NULL, 1, 0, d2)) < 0) {
        goto out;
    }
    EACH_V
    {
        res[v].share = d1[v];
        res[v].holding = d2[v];
    }
    mark(c, VEU_MPI_PHASE_SHARES);
    if ((rc = strongest(c, 0, u1)) < 0) {
        goto out;
    }
    EACH_V res[v].share_pred = u1[v];
    if ((rc = strongest(c, 1, u1)) < 0) {
        goto out;
    }
    EACH_V res[v].hold_next = u1[v];
    mark(c, VEU_MPI_PHASE_PATHS);
    if (c->h.uncertain) {
        if ((rc = shares(c, pol, 0, 1, d1)) < 0 || (rc = shares(c, pol, 1, 1, d2)) < 0) {
            goto out;
        }
        EACH_V
        {
            res[v].share_hi = d1[v];
            res[v].holding_hi = d2[v];
        }
    }
#undef EACH_V
    mark(c, VEU_MPI_PHASE_SHARES);
    rc = labels(c, ctl, res);
    mark(c, VEU_MPI_PHASE_LABELS);
out:
    free(ctl), free(ctl2), free(d1), free(d2), free(u1);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Parts: made by rank 0, one rank at a time                           */

static void part_free(struct part *p)
{
    free(p->gid), free(p->seed), free(p->out_off), free(p->in_off), free(p->sin_off);
    free(p->out), free(p->in), free(p->sin), free(p->out_v), free(p->in_v), free(p->lev);
    memset(p, 0, sizeof(*p));
}

static int part_alloc(struct part *p)
{
    size_t n = (size_t)p->n + 1;
    p->gid = malloc(n * sizeof(*p->gid));
    p->seed = malloc(n);
    p->out_off = malloc(n * sizeof(uint32_t));
    p->in_off = malloc(n * sizeof(uint32_t));
    p->sin_off = malloc(n * sizeof(uint32_t));
    p->out = malloc(((size_t)p->n_out + 1) * sizeof(*p->out));
    p->in = malloc(((size_t)p->n_in + 1) * sizeof(*p->in));
    p->sin = malloc(((size_t)p->n_sin + 1) * sizeof(*p->sin));
    p->out_v = malloc(((size_t)p->n_out + 1) * sizeof(uint32_t));
    p->in_v = malloc(((size_t)p->n_in + 1) * sizeof(uint32_t));
    p->lev = malloc(n * sizeof(*p->lev));
    if (!p->gid || !p->seed || !p->out_off || !p->in_off || !p->sin_off || !p->out || !p->in ||
        !p->sin || !p->out_v || !p->in_v || !p->lev) {
        return -ENOMEM;
    }
    return 0;
}

/* The entity each slot belongs to, for the values that arrive by slot. */
static void part_slots(struct part *p)
{
    for (uint32_t v = 0; v < p->n; v++) {
        for (uint32_t i = p->out_off[v]; i < p->out_off[v + 1]; i++) {
            p->out_v[i] = v;
        }
        for (uint32_t i = p->in_off[v]; i < p->in_off[v + 1]; i++) {
            p->in_v[i] = v;
        }
    }
}

static void part_send(const struct part *p, int to)
{
    uint32_t counts[4] = {p->n, p->n_out, p->n_in, p->n_sin};
    size_t n = (size_t)p->n + 1;
    send_bytes(counts, sizeof(counts), to);
    send_bytes(p->gid, p->n * sizeof(uint32_t), to);
    send_bytes(p->seed, p->n, to);
    send_bytes(p->out_off, n * sizeof(uint32_t), to);
    send_bytes(p->in_off, n * sizeof(uint32_t), to);
    send_bytes(p->sin_off, n * sizeof(uint32_t), to);
    send_bytes(p->out, (size_t)p->n_out * sizeof(*p->out), to);
    send_bytes(p->in, (size_t)p->n_in * sizeof(*p->in), to);
    send_bytes(p->sin, (size_t)p->n_sin * sizeof(*p->sin), to);
    send_bytes(p->lev, p->n * sizeof(*p->lev), to);
}

static int part_recv(struct part *p, int rank)
{
    uint32_t counts[4];
    recv_bytes(counts, sizeof(counts), 0);
    memset(p, 0, sizeof(*p));
    p->n = counts[0], p->n_out = counts[1], p->n_in = counts[2], p->n_sin = counts[3];
    if (part_alloc(p) < 0) {
        /* rank 0 is sending the part already: nothing to do but stop the job */
        fprintf(stderr,
                "veud-mpi: rank %d: out of memory for its part (%u entities, %u edges); "
                "nothing is built\n",
                rank, p->n, p->n_out + p->n_in);
        MPI_Abort(MPI_COMM_WORLD, 71);
    }
    size_t n = (size_t)p->n + 1;
    recv_bytes(p->gid, p->n * sizeof(uint32_t), 0);
    recv_bytes(p->seed, p->n, 0);
    recv_bytes(p->out_off, n * sizeof(uint32_t), 0);
    recv_bytes(p->in_off, n * sizeof(uint32_t), 0);
    recv_bytes(p->sin_off, n * sizeof(uint32_t), 0);
    recv_bytes(p->out, (size_t)p->n_out * sizeof(*p->out), 0);
    recv_bytes(p->in, (size_t)p->n_in * sizeof(*p->in), 0);
    recv_bytes(p->sin, (size_t)p->n_sin * sizeof(*p->sin), 0);
    recv_bytes(p->lev, p->n * sizeof(*p->lev), 0);
    part_slots(p);
    return 0;
}

/*
 * Rank 0: each entity's levels (vlev_t) from the components veud build
 * sweeps in (igraph finds those of the core between cycles).  A share is
 * final once every component feeding it is; so the ranks work out level 0,
 * then level 1, and so on, each entity outside a cycle once, with its
 * owners' final values, as veud build does in component order.
 */
static int levels(const veu_graph_t *g, vlev_t **ret)
{
    uint32_t *order = NULL, *cstart = NULL, ncomp = 0;
    int rc = veu_ties_components(g, &order, &cstart, &ncomp);
    if (rc < 0) {
        return rc;
    }
    uint32_t *comp = malloc(((size_t)g->n + 1) * sizeof(*comp));
    uint32_t *up = calloc((size_t)ncomp + 1, sizeof(*up));
    uint32_t *down = calloc((size_t)ncomp + 1, sizeof(*down));
    vlev_t *lev = malloc(((size_t)g->n + 1) * sizeof(*lev));
    rc = -ENOMEM;
    if (comp && up && down && lev) {
        for (uint32_t k = 0; k < ncomp; k++) {
            for (uint32_t i = cstart[k]; i < cstart[k + 1]; i++) {
                comp[order[i]] = k;
            }
        }
        /* owners' components come first: one pass each way */
        for (uint32_t k = 0; k < ncomp; k++) {
            for (uint32_t i = cstart[k]; i < cstart[k + 1]; i++) {
                uint32_t v = order[i];
                for (uint32_t j = g->own_in[v]; j < g->own_in[v + 1]; j++) {
                    const veu_oedge_t *e = &g->own[g->own_in_e[j]];
                    uint32_t kf = comp[e->from];
                    if (kf != k && veu_has_stake(e) && up[kf] + 1 > up[k]) {
                        up[k] = up[kf] + 1;
                    }
                }
            }
        }
        for (uint32_t kk = ncomp; kk-- > 0;) {
            for (uint32_t i = cstart[kk]; i < cstart[kk + 1]; i++) {
                uint32_t v = order[i];
                for (uint32_t j = g->own_out[v]; j < g->own_out[v + 1]; j++) {
                    const veu_oedge_t *e = &g->own[j];
                    uint32_t kt = comp[e->to];
                    if (kt != kk && veu_has_stake(e) && down[kt] + 1 > down[kk]) {
                        down[kk] = down[kt] + 1;
                    }
                }
            }
        }
        for (uint32_t v = 0; v < g->n; v++) {
            uint32_t k = comp[v];
            lev[v] = (vlev_t){up[k], down[k], cstart[k + 1] - cstart[k] > 1};
        }
        *ret = lev;
        lev = NULL;
        rc = 0;
    }
    free(order), free(cstart), free(comp), free(up), free(down), free(lev);
    return rc;
}

/*
 * Rank 0: each rank's part, sent as soon as it is made (rank 0's own kept).
 * Time O(P (V + E)) to scan, O(V + E) to fill; memory one part at a time.
 */
static int make_parts(struct ctx *c, const veu_graph_t *g, const veu_dataset_t *ds,
                      const uint8_t *seed, const vlev_t *lev)
{
    uint32_t n = g->n;
    int32_t *owner = malloc(((size_t)n + 1) * sizeof(*owner));
    uint32_t *loc = malloc(((size_t)n + 1) * sizeof(*loc));
    uint32_t *base_out = malloc(((size_t)n + 1) * sizeof(*base_out));
    uint32_t *base_in = malloc(((size_t)n + 1) * sizeof(*base_in));
    uint32_t *inslot = malloc(((size_t)g->n_own + 1) * sizeof(*inslot));
    uint32_t *cnt = calloc((size_t)c->size * 4, sizeof(*cnt));
    int rc = -ENOMEM;

    if (!seed || !owner || !loc || !base_out || !base_in || !inslot || !cnt) {
        n = 0; /* every rank is still sent a part: an empty one */
        free(cnt);
        cnt = calloc((size_t)c->size * 4, sizeof(*cnt));
        if (!cnt) {
            MPI_Abort(MPI_COMM_WORLD, 71); /* not even that: the ranks wait on rank 0 */
        }
    } else {
        rc = 0;
    }
    for (uint32_t v = 0; v < n; v++) {
        const char *id = veu_str(&ds->pool, ds->ent[v].id);
        int r = (int)(XXH3_64bits(id, strlen(id)) % (uint64_t)c->size);
        owner[v] = r;
        loc[v] = cnt[r * 4]++;
        base_out[v] = cnt[r * 4 + 1];
        cnt[r * 4 + 1] += g->own_out[v + 1] - g->own_out[v];
        base_in[v] = cnt[r * 4 + 2];
        cnt[r * 4 + 2] += g->own_in[v + 1] - g->own_in[v];
        cnt[r * 4 + 3] += g->sup_in[v + 1] - g->sup_in[v];
        for (uint32_t i = g->own_in[v]; i < g->own_in[v + 1]; i++) {
            inslot[g->own_in_e[i]] = i - g->own_in[v];
        }
    }
    for (int r = c->size - 1; r >= 0; r--) {
        struct part pp = {.n = cnt[r * 4],
                          .n_out = cnt[r * 4 + 1],
                          .n_in = cnt[r * 4 + 2],
                          .n_sin = cnt[r * 4 + 3]};
        struct part *p = r == 0 ? &c->p : &pp;
        *p = pp;
        int prc = rc == 0 ? part_alloc(p) : rc;
        if (prc < 0) {
            /* the rank still expects its part: send one with no entities */
            rc = prc;
            part_free(p);
            if (r > 0) {
                uint32_t zero[4] = {0, 0, 0, 0};
                send_bytes(zero, sizeof(zero), r);
                for (int k = 0; k < 9; k++) {
                    send_bytes(NULL, 0, r);
                }
            }
            continue;
        }
        uint32_t k = 0, o = 0, i_ = 0, s = 0;
        p->out_off[0] = p->in_off[0] = p->sin_off[0] = 0;
        for (uint32_t v = 0; v < n; v++) {
            if (owner[v] != r) {
                continue;
            }
            p->gid[k] = v;
            p->seed[k] = seed[v];
            p->lev[k] = lev ? lev[v] : (vlev_t){0, 0, 1};
            for (uint32_t j = g->own_out[v]; j < g->own_out[v + 1]; j++) {
                uint32_t w = g->own[j].to;
                p->out[o++] = (pedge_t){g->own[j], j, w, loc[w], base_in[w] + inslot[j], owner[w]};
            }
            for (uint32_t i = g->own_in[v]; i < g->own_in[v + 1]; i++) {
                uint32_t j = g->own_in_e[i], u = g->own[j].from;
                p->in[i_++] =
                    (pedge_t){g->own[j], j, u, loc[u], base_out[u] + (j - g->own_out[u]), owner[u]};
            }
            for (uint32_t i = g->sup_in[v]; i < g->sup_in[v + 1]; i++) {
                uint32_t j = g->sup_in_e[i], u = g->sup[j].from;
                p->sin[s++] = (psedge_t){j, u, loc[u], owner[u]};
            }
            k++;
            p->out_off[k] = o;
            p->in_off[k] = i_;
            p->sin_off[k] = s;
        }
        if (r > 0) {
            part_send(p, r);
            part_free(p);
        } else {
            part_slots(p);
        }
    }
    free(owner), free(loc), free(base_out), free(base_in), free(inslot), free(cnt);
    return rc;
}

/* ------------------------------------------------------------------ */

static long peak_rss_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "VmHWM:", 6)) {
            kib = strtol(line + 6, NULL, 10);
        }
    }
    fclose(f);
    return kib;
}

/* Every rank's figures for the log: supersteps, bytes sent, peak memory. */
struct figures {
    uint64_t steps, sent, max_step_sent, entities;
    int64_t rss_kib;
};

static void report(struct ctx *c, veu_mpi_stats_t *st)
{
    struct figures me = {c->steps, c->sent, c->max_step_sent, c->p.n, peak_rss_kib()};
    struct figures *all = c->rank == 0 ? calloc((size_t)c->size, sizeof(*all)) : NULL;
    MPI_Gather(&me, sizeof(me), MPI_BYTE, all, sizeof(me), MPI_BYTE, 0, MPI_COMM_WORLD);
    if (c->rank == 0 && st && all) {
        memset(st, 0, sizeof(*st));
        st->ranks = c->size;
        st->supersteps = c->steps;
        st->share_steps = c->sweeps;
        memcpy(st->phase_ms, c->phase_ms, sizeof(st->phase_ms));
        memcpy(st->phase_steps, c->phase_steps, sizeof(st->phase_steps));
        for (int r = 0; r < c->size && r < VEU_MPI_MAX_REPORTED; r++) {
            st->rank_entities[r] = all[r].entities;
            st->rank_sent[r] = all[r].sent;
            st->rank_max_step[r] = all[r].max_step_sent;
            st->rank_peak_kib[r] = all[r].rss_kib;
        }
    }
    free(all);
}

static void ctx_free(struct ctx *c)
{
    part_free(&c->p);
    if (c->out) {
        for (int r = 0; r < c->size; r++) {
            free(c->out[r].b);
        }
    }
    free(c->out), free(c->scount), free(c->sdispl), free(c->rcount), free(c->rdispl), free(c->in);
    free(c->sb);
}

static int ctx_init(struct ctx *c)
{
    memset(c, 0, sizeof(*c));
    MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &c->size);
    c->out = calloc((size_t)c->size, sizeof(*c->out));
    c->scount = calloc((size_t)c->size, sizeof(int));
    c->sdispl = calloc((size_t)c->size, sizeof(int));
    c->rcount = calloc((size_t)c->size, sizeof(int));
    c->rdispl = calloc((size_t)c->size, sizeof(int));
    if (!c->out || !c->scount || !c->sdispl || !c->rcount || !c->rdispl) {
        c->failed = -ENOMEM;
    }
    return 0;
}

/* Sends this rank's results to rank 0 (rank 0: takes them all into t). */
static int gather(struct ctx *c, const struct result *res, veu_ties_t *t)
{
    if (c->rank != 0) {
        send_bytes(c->p.gid, c->p.n * sizeof(uint32_t), 0);
        send_bytes(res, c->p.n * sizeof(*res), 0);
        return 0;
    }
    int rc = 0;
    for (int r = 0; r < c->size; r++) {
        uint32_t m = 0;
        const uint32_t *gid = c->p.gid;
        const struct result *rr = res;
        uint32_t *g2 = NULL;
        struct result *r2 = NULL;
        if (r > 0) {
            MPI_Recv(&m, 1, MPI_UINT32_T, r, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            g2 = malloc(((size_t)m + 1) * sizeof(*g2));
            r2 = malloc(((size_t)m + 1) * sizeof(*r2));
            if (!g2 || !r2) {
                MPI_Abort(MPI_COMM_WORLD, 71); /* the ranks wait on rank 0: nothing to undo */
            }
            recv_bytes(g2, m * sizeof(uint32_t), r);
            recv_bytes(r2, m * sizeof(*r2), r);
            gid = g2;
            rr = r2;
        } else {
            m = c->p.n;
        }
        for (uint32_t i = 0; i < m; i++) {
            uint32_t v = gid[i];
            const struct result *x = &rr[i];
            size_t k = (size_t)v * 2;
            t->controlled[v] = x->controlled;
            t->ctrl_share[v] = x->ctrl_share;
            t->ctrl_pred[v] = x->ctrl_pred;
            t->share[v] = x->share;
            t->holding[v] = x->holding;
            t->share_pred[v] = x->share_pred;
            t->hold_next[v] = x->hold_next;
            t->hops[v] = x->hops;
            t->group[v] = x->group;
            memcpy(&t->sup_lab[k], x->sup_lab, 8), memcpy(&t->sup_next[k], x->sup_next, 8);
            memcpy(&t->up_lab[k], x->up_lab, 8), memcpy(&t->up_next[k], x->up_next, 8);
            memcpy(&t->dn_lab[k], x->dn_lab, 8), memcpy(&t->dn_pred[k], x->dn_pred, 8);
            memcpy(&t->ds_lab[k], x->ds_lab, 8), memcpy(&t->ds_pred[k], x->ds_pred, 8);
            if (t->controlled_cw) {
                t->controlled_cw[v] = x->controlled_cw;
            }
            if (t->controlled_hi) {
                t->controlled_hi[v] = x->controlled_hi;
                t->ctrl_share_hi[v] = x->ctrl_share_hi;
                t->ctrl_pred_hi[v] = x->ctrl_pred_hi;
                t->share_hi[v] = x->share_hi;
                t->holding_hi[v] = x->holding_hi;
            }
        }
        free(g2), free(r2);
    }
    return rc;
}

/* The part of the work every rank does, rank 0 included. */
static int run(struct ctx *c, veu_ties_t *t, veu_mpi_stats_t *st)
{
    struct result *res = malloc(((size_t)c->p.n + 1) * sizeof(*res));
    int rc = res ? 0 : -ENOMEM, any;

    MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (any == 0) {
        c->failed = 0;
        any = compute(c, res);
        int stuck = c->stuck, all_stuck;
        MPI_Allreduce(&stuck, &all_stuck, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (any == 0 && all_stuck) {
            any = -ETIMEDOUT; /* told apart from igraph's errors below */
        }
    }
    if (any == 0) {
        if (c->rank != 0) {
            MPI_Send(&c->p.n, 1, MPI_UINT32_T, 0, 8, MPI_COMM_WORLD);
        }
        gather(c, res, t);
    }
    report(c, st);
    free(res);
    return any;
}

/* ------------------------------------------------------------------ */

int veu_mpi_worker(void)
{
    for (;;) {
        struct ctx c;
        ctx_init(&c);
        MPI_Bcast(&c.h, sizeof(c.h), MPI_BYTE, 0, MPI_COMM_WORLD);
        if (c.h.cmd != CMD_TIES) {
            ctx_free(&c);
            return 0;
        }
        int rc = part_recv(&c.p, c.rank);
        int any;
        MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        if (any == 0) {
            run(&c, NULL, NULL);
        }
        ctx_free(&c);
    }
}

void veu_mpi_release(void)
{
    struct header h;
    memset(&h, 0, sizeof(h));
    h.cmd = CMD_EXIT;
    MPI_Bcast(&h, sizeof(h), MPI_BYTE, 0, MPI_COMM_WORLD);
}

/* Besides veu_ties_alloc's: the arrays the label propagations and the readings add. */
static int alloc_ties(veu_ties_t *t, const veu_graph_t *g, const veu_dataset_t *ds,
                      const veu_policy_t *pol, int uncertain, int cw)
{
    size_t m = (size_t)g->n + 1, slots = (size_t)g->n * 2 + 2;
    int rc = veu_ties_alloc(t, g, ds, pol);
    if (rc < 0) {
        return rc;
    }
    uint32_t **lab[] = {&t->sup_lab, &t->sup_next, &t->up_lab, &t->up_next,
                        &t->dn_lab,  &t->dn_pred,  &t->ds_lab, &t->ds_pred};
    int bad = 0;
    for (size_t i = 0; i < sizeof(lab) / sizeof(lab[0]); i++) {
        *lab[i] = malloc(slots * sizeof(uint32_t));
        bad |= !*lab[i];
        if (*lab[i]) {
            memset(*lab[i], 0xff, slots * sizeof(uint32_t)); /* the slots past n, as ties.c */
        }
    }
    if (cw) {
        bad |= !(t->controlled_cw = calloc(m, 1));
    }
    if (uncertain) {
        t->controlled_hi = calloc(m, 1);
        t->ctrl_share_hi = calloc(m, sizeof(double));
        t->ctrl_pred_hi = calloc(m, sizeof(uint32_t));
        t->share_hi = calloc(m, sizeof(double));
        t->holding_hi = calloc(m, sizeof(double));
        bad |= !t->controlled_hi || !t->ctrl_share_hi || !t->ctrl_pred_hi || !t->share_hi ||
               !t->holding_hi;
    }
    if (bad) {
        veu_ties_destroy(t);
        return -ENOMEM;
    }
    return 0;
}

int veu_mpi_ties(void *ctx, veu_ties_t *t, const veu_graph_t *g, const veu_dataset_t *ds,
                 const veu_policy_t *pol, veu_diag_t *err)
{
    veu_mpi_stats_t *st = ctx;
    struct ctx c;
    int uncertain = 0, rc, any;

    ctx_init(&c);
    for (uint32_t i = 0; i < g->n_own && !uncertain; i++) {
        uncertain = (g->own[i].flags & VEU_OE_RANGE) ||
                    ((g->own[i].flags & VEU_OE_UNKNOWN) && pol->review_unknown);
    }
    c.h.cmd = CMD_TIES;
    c.h.n = g->n;
    c.h.uncertain = (uint8_t)uncertain;
    c.h.cw = !pol->control_without_ownership;
    c.h.pol = *pol;
    rc = alloc_ties(t, g, ds, pol, uncertain, c.h.cw);
    MPI_Bcast(&c.h, sizeof(c.h), MPI_BYTE, 0, MPI_COMM_WORLD);
    /* the workers wait for their parts whatever happened: make_parts sends empty ones */
    vlev_t *lev = NULL;
    if (rc == 0 && (rc = levels(g, &lev)) < 0) {
        veu_ties_destroy(t);
    }
    int prc = make_parts(&c, g, ds, rc == 0 ? t->seed : NULL, lev);
    free(lev);
    if (rc == 0) {
        rc = prc;
    }
    MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (any == 0) {
        any = run(&c, t, st);
    }
    ctx_free(&c);
    if (any < 0) {
        snprintf(err->file, sizeof(err->file), "(graph)");
        err->line = 0;
        err->column[0] = '\0';
        if (any == -ETIMEDOUT) {
            snprintf(err->message, sizeof(err->message),
                     "the ownership shares did not settle within %d supersteps: stakes near "
                     "100%% in a cycle?  Nothing is built rather than shares left too low",
                     VEU_TIES_MAX_SWEEPS);
        } else if (any == -E2BIG) {
            snprintf(err->message, sizeof(err->message),
                     "one superstep's messages to a rank passed 2 GiB: run the build with more "
                     "ranks");
        } else {
            snprintf(err->message, sizeof(err->message), "the ranks could not compute the ties: %s",
                     veu_strerror(any));
        }
        any = any == -ETIMEDOUT ? -VEU_EGRAPH : any;
        if (rc == 0) {
            veu_ties_destroy(t);
        }
        return any;
    }
    t->iterations = st ? (uint32_t)st->share_steps : 0;
    veu_ties_verdicts(t, g, ds, pol);
    return 0;
}
