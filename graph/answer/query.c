/* SPDX-License-Identifier: MIT */
/*
 * query.c: the `paths` and `owners` answers, computed at query time from the
 * mapped snapshot's adjacency.  Both searches are bounded in the work they
 * may do, so that one request for a conglomerate with a million holdings
 * costs milliseconds, not seconds, and says when it was cut short.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snapshot_int.h"

#define PATHS_WORK     200000  /* partial paths one direction may expand */
#define VEU_OWNERS_MAX 10000   /* ancestors considered by owners */
#define LIST_MAX       1000    /* entries listed in direct / ultimate */
#define OWNERS_EDGES   200000  /* stakes among the ancestors considered by owners */
#define OWNERS_WORK    4000000 /* edge updates of the shares' sweeps, per answer */

/* A stake among the ancestors: from and to are their indices in the walk. */
struct sedge {
    uint32_t from, to;
    double w;
};

static int by_owner(const void *a, const void *b)
{
    const struct sedge *x = a, *y = b;
    return x->from < y->from ? -1 : x->from > y->from ? 1 : x->to < y->to ? -1 : x->to > y->to;
}

/* A partial path: its last vertex, the edge that reached it, its parent. */
struct node {
    uint32_t v, edge, parent, depth;
};

struct found {
    uint32_t node;
    uint32_t len;
    int dir; /* 0 up, 1 down, 2 supply */
};

struct search {
    const veu_snapshot_t *s;
    struct node *nodes;
    size_t n, cap;
    struct found *found;
    size_t nfound, capfound;
    int truncated;
};

static int on_path(const struct search *q, uint32_t node, uint32_t v)
{
    for (uint32_t i = node; i != VEU_NONE; i = q->nodes[i].parent) {
        if (q->nodes[i].v == v) {
            return 1;
        }
    }
    return 0;
}

static int push_node(struct search *q, struct node nd)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 1024;
        void *p = realloc(q->nodes, cap * sizeof(*q->nodes));
        if (!p) {
            return -1;
        }
        q->nodes = p;
        q->cap = cap;
    }
    q->nodes[q->n++] = nd;
    return 0;
}

static int push_found(struct search *q, uint32_t node, int dir)
{
    if (q->nfound == q->capfound) {
        size_t cap = q->capfound ? q->capfound * 2 : 64;
        void *p = realloc(q->found, cap * sizeof(*q->found));
        if (!p) {
            return -1;
        }
        q->found = p;
        q->capfound = cap;
    }
    q->found[q->nfound++] = (struct found){node, q->nodes[node].depth, dir};
    return 0;
}

static int is_target(const veu_snapshot_t *s, uint32_t v, uint32_t buyer, int dir)
{
    if (v == buyer) {
        return 0;
    }
    return dir == 2 ? (s->ent[v].flags & VEU_SF_CONTROLLED) != 0
                    : (s->ent[v].flags & VEU_SF_SEED) != 0;
}

/* Breadth-first over simple paths from the buyer in one direction. */
static void bfs(struct search *q, uint32_t buyer, int dir, int max_hops, int limit)
{
    const veu_snapshot_t *s = q->s;
    size_t start = q->n, found_here = 0;

    if (push_node(q, (struct node){buyer, VEU_NONE, VEU_NONE, 0}) < 0) {
        q->truncated = 1;
        return;
    }
    for (size_t i = start; i < q->n; i++) {
        struct node cur = q->nodes[i];
        if ((int)cur.depth >= max_hops) {
            continue;
        }
        uint32_t lo, hi;
        if (dir == 0) {
            lo = s->own_in[cur.v], hi = s->own_in[cur.v + 1];
        } else if (dir == 1) {
            lo = s->own_out[cur.v], hi = s->own_out[cur.v + 1];
        } else {
            lo = s->sup_out[cur.v], hi = s->sup_out[cur.v + 1];
        }
        for (uint32_t k = lo; k < hi; k++) {
            uint32_t e = dir == 0 ? s->own_in_e[k] : k;
            uint32_t w = dir == 0 ? s->own[e].from : dir == 1 ? s->own[e].to : s->sup[e].to;
            if (on_path(q, (uint32_t)i, w)) {
                continue;
            }
            if (q->n - start >= PATHS_WORK) {
                q->truncated = 1;
                return;
            }
            if (push_node(q, (struct node){w, e, (uint32_t)i, cur.depth + 1}) < 0) {
                q->truncated = 1;
                return;
            }
            if (is_target(s, w, buyer, dir)) {
                /* a path ends at its first target; it is not extended */
                q->nodes[q->n - 1].depth = (uint32_t)max_hops + cur.depth + 1;
                if (push_found(q, (uint32_t)(q->n - 1), dir) < 0) {
                    q->truncated = 1;
                    return;
                }
                q->found[q->nfound - 1].len = cur.depth + 1;
                if ((int)++found_here >= limit) {
                    return;
                }
            }
        }
    }
}

static int by_length(const void *a, const void *b)
{
    const struct found *x = a, *y = b;
    if (x->len != y->len) {
        return x->len < y->len ? -1 : 1;
    }
    if (x->dir != y->dir) {
        return x->dir - y->dir;
    }
    return x->node < y->node ? -1 : x->node > y->node;
}

void veu_snapshot_paths(const veu_snapshot_t *s, uint32_t idx, int max_hops, int limit, int rel,
                        veu_nodeset_t *nodes, veu_jbuf_t *o)
{
    struct search q = {.s = s};
    uint32_t chain[256];

    if (max_hops > 64) {
        max_hops = 64;
    }
    if (rel & VEU_REL_OWNS) {
        bfs(&q, idx, 0, max_hops, limit);
        bfs(&q, idx, 1, max_hops, limit);
    }
    if (rel & VEU_REL_SUPPLIES) {
        bfs(&q, idx, 2, max_hops, limit);
    }
    if (q.nfound > 1) {
        qsort(q.found, q.nfound, sizeof(*q.found), by_length);
    }
    veu_jbuf_lit(o, "{\"paths\":[");
    for (size_t i = 0; i < q.nfound && (int)i < limit; i++) {
        int n = 0;
        for (uint32_t nd = q.found[i].node; q.nodes[nd].edge != VEU_NONE && n < 256;
             nd = q.nodes[nd].parent) {
            chain[n++] = q.nodes[nd].edge;
        }
        veu_jbuf_raw(o, i ? ",[" : "[", i ? 2 : 1);
        /* up paths read seed -> buyer: the chain is already in that order */
        for (int k = 0; k < n; k++) {
            uint32_t e = q.found[i].dir == 0 ? chain[k] : chain[n - 1 - k];
            if (k) {
                veu_jbuf_raw(o, ",", 1);
            }
            veu_snap_hop_json(s, o, e, q.found[i].dir == 2, nodes);
        }
        veu_jbuf_raw(o, "]", 1);
    }
    veu_jbuf_printf(o, "],\"truncated\":%s",
                    q.truncated || (int)q.nfound > limit ? "true" : "false");
    if (nodes) {
        veu_nodeset_add(nodes, idx);
        veu_snapshot_nodes_json(s, nodes, o);
    }
    veu_jbuf_raw(o, "}", 1);
    free(q.nodes);
    free(q.found);
}

/* ------------------------------------------------------------------ */
/* A small set of vertices with their positions (open addressing). */

struct vset {
    uint32_t key[4 * VEU_OWNERS_MAX];
    uint32_t pos[4 * VEU_OWNERS_MAX];
};

static uint32_t vset_get(const struct vset *h, uint32_t v)
{
    for (uint32_t i = (v * 2654435761u) & (4 * VEU_OWNERS_MAX - 1);;
         i = (i + 1) & (4 * VEU_OWNERS_MAX - 1)) {
        if (h->key[i] == VEU_NONE) {
            return VEU_NONE;
        }
        if (h->key[i] == v) {
            return h->pos[i];
        }
    }
}

static void vset_put(struct vset *h, uint32_t v, uint32_t pos)
{
    uint32_t i = (v * 2654435761u) & (4 * VEU_OWNERS_MAX - 1);
    while (h->key[i] != VEU_NONE) {
        i = (i + 1) & (4 * VEU_OWNERS_MAX - 1);
    }
    h->key[i] = v;
    h->pos[i] = pos;
}

void veu_snapshot_owners(const veu_snapshot_t *s, uint32_t idx, veu_jbuf_t *o)
{
    uint32_t deg = s->own_in[idx + 1] - s->own_in[idx];

    veu_jbuf_lit(o, "{\"direct\":[");
    for (uint32_t k = 0; k < deg && k < LIST_MAX; k++) {
        const veu_oedge_t *e = &s->own[s->own_in_e[s->own_in[idx] + k]];
        veu_jbuf_lit(o, k ? ",{\"id\":" : "{\"id\":");
        veu_jbuf_str(o, snap_str(s, s->ent[e->from].id));
        veu_jbuf_lit(o, ",\"name\":");
        veu_jbuf_str(o, snap_str(s, s->ent[e->from].name));
        veu_jbuf_lit(o, ",\"percent\":");
        if (e->flags & VEU_OE_KNOWN) {
            veu_jbuf_num(o, e->pct);
        } else {
            veu_jbuf_lit(o, "null");
        }
        veu_jbuf_lit(o, (e->flags & VEU_OE_CONTROL) ? ",\"kind\":\"control\"}"
                                                    : ",\"kind\":\"equity\"}");
    }
    veu_jbuf_printf(o, "],\"direct_truncated\":%s,\"ultimate\":[",
                    deg > LIST_MAX ? "true" : "false");

    /*
     * The ancestors, breadth-first, bounded, and with them the edges that
     * matter for the shares: every stake of an ancestor in another ancestor
     * (each is an in-edge of its target, scanned once here).
     */
    uint32_t *anc = malloc(VEU_OWNERS_MAX * sizeof(*anc));
    double *y = calloc(VEU_OWNERS_MAX, sizeof(*y));
    struct vset *set = malloc(sizeof(*set));
    struct sedge *ed = malloc(OWNERS_EDGES * sizeof(*ed));
    size_t n = 0, ne = 0;
    int truncated = 0;
    if (!anc || !y || !set || !ed) {
        free(anc);
        free(y);
        free(set);
        free(ed);
        veu_jbuf_lit(o, "],\"ultimate_truncated\":true}");
        return;
    }
    memset(set->key, 0xff, sizeof(set->key));
    anc[n++] = idx;
    vset_put(set, idx, 0);
    for (size_t i = 0; i < n; i++) {
        uint32_t v = anc[i];
        for (uint32_t k = s->own_in[v]; k < s->own_in[v + 1]; k++) {
            const veu_oedge_t *x = &s->own[s->own_in_e[k]];
            uint32_t j = vset_get(set, x->from);
            if (j == VEU_NONE) {
                if (n == VEU_OWNERS_MAX) {
                    truncated = 1;
                    continue;
                }
                j = (uint32_t)n;
                vset_put(set, x->from, j);
                anc[n++] = x->from;
            }
            if (ne == OWNERS_EDGES) {
                truncated = 1;
                continue;
            }
            ed[ne++] = (struct sedge){j, (uint32_t)i, x->pct / 100.0};
        }
    }
    /*
     * Integrated share of each ancestor in the buyer: y(u) = sum pct/100 *
     * y(w) over its stakes in ancestors.  Edges by owner, owners in the
     * order found (nearer the buyer first), so a chain without cycles
     * settles in one sweep; at most OWNERS_WORK edge updates in all (the
     * review's F7: an owner of millions, swept a thousand times, stalled
     * every client), then the shares are lower bounds and said truncated.
     */
    qsort(ed, ne, sizeof(*ed), by_owner);
    y[0] = 1.0;
    size_t work = 0;
    int settled = ne == 0;
    for (int sweep = 0; sweep < 1000 && !settled; sweep++) {
        double delta = 0;
        for (size_t k = 0; k < ne;) {
            uint32_t u = ed[k].from;
            double sum = 0;
            for (; k < ne && ed[k].from == u; k++) {
                sum += ed[k].w * y[ed[k].to];
            }
            if (u == 0) {
                continue; /* the buyer's stakes in its owners: it is the root */
            }
            sum = fmin(1.0, sum);
            delta = fmax(delta, fabs(sum - y[u]));
            y[u] = sum;
        }
        work += ne;
        settled = delta < 1e-12;
        if (work >= OWNERS_WORK) {
            break;
        }
    }
    truncated |= !settled; /* shares still rising: lower bounds, said so */
    free(ed);
    int listed = 0;
    for (size_t i = 1; i < n && listed < LIST_MAX; i++) {
        uint32_t u = anc[i];
        if (s->own_in[u] != s->own_in[u + 1]) {
            continue; /* owned by someone: not the top of its chain */
        }
        veu_jbuf_lit(o, listed++ ? ",{\"id\":" : "{\"id\":");
        veu_jbuf_str(o, snap_str(s, s->ent[u].id));
        veu_jbuf_lit(o, ",\"name\":");
        veu_jbuf_str(o, snap_str(s, s->ent[u].name));
        veu_jbuf_lit(o, ",\"share\":");
        veu_jbuf_num(o, y[i] * 100.0);
        veu_jbuf_raw(o, "}", 1);
    }
    veu_jbuf_printf(o, "],\"ultimate_truncated\":%s}", truncated ? "true" : "false");
    free(set);
    free(anc);
    free(y);
}
