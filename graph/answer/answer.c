/* SPDX-License-Identifier: MIT */
/*
 * answer.c: the `risk` answer of SPEC sections 3 and 4, printed from a
 * mapped snapshot.  Metrics, reasons and verdicts were computed by the
 * builder; here the evidence paths are rebuilt by walking the predecessor
 * edges and labels it stored, and the proof of a 50 percent determination by
 * a bounded backward search.  Every walk is bounded, so a hostile snapshot
 * that passed the checks can cost time but never loop or read outside it.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "snapshot/snapshot_int.h"

#define MAX_HOPS  1024   /* longest path walked */
#define PROOF_MAX 100    /* edges in a proof (SPEC) */
#define SCAN_MAX  100000 /* neighbours looked at for alternative paths */
#define MAX_PATHS 100

static const char *const reason_code[VEU_R_COUNT] = {
    "is_seed",
    "defense_controlled",
    "defense_minority_stake",
    "defense_holding",
    "supply_tie",
    "group_tie",
    "dual_use_sector",
    "validated_end_user",
    "possibly_defense_controlled",
    "control_without_ownership",
    "designated_not_seed",
};

/*
 * The order reasons are listed in: a possible control, and one by bare
 * control, right after a certain one; a listing that makes no seed last.
 */
static const int reason_order[VEU_R_COUNT] = {0, 1, 8, 9, 2, 3, 4, 5, 6, 7, 10};

static const char *const verdict_name[] = {"standard", "fast_track", "review", "deny"};

const char *veu_snapshot_verdict(const veu_snapshot_t *s, uint32_t idx)
{
    return verdict_name[s->ent[idx].verdict];
}

void veu_snapshot_codes(const veu_snapshot_t *s, uint32_t idx, veu_jbuf_t *out)
{
    uint32_t r = s->ent[idx].reasons;
    int first = 1;

    veu_jbuf_raw(out, "[", 1);
    for (int k = 0; k < VEU_R_COUNT; k++) {
        int i = reason_order[k];
        if (r & (1u << i)) {
            if (!first) {
                veu_jbuf_raw(out, ",", 1);
            }
            veu_jbuf_str(out, reason_code[i]);
            first = 0;
        }
    }
    veu_jbuf_raw(out, "]", 1);
}

/* ------------------------------------------------------------------ */
/* Paths: arrays of edge indices, tagged by graph                      */

typedef struct path {
    uint32_t e[MAX_HOPS];
    int len;
    int supply; /* edges index the supply graph */
} path_t;

static void path_reverse(path_t *p)
{
    for (int i = 0, j = p->len - 1; i < j; i++, j--) {
        uint32_t t = p->e[i];
        p->e[i] = p->e[j];
        p->e[j] = t;
    }
}

static void path_push(path_t *p, uint32_t e)
{
    if (p->len < MAX_HOPS) {
        p->e[p->len++] = e;
    }
}

static int path_touches(const veu_snapshot_t *s, const path_t *p, uint32_t v)
{
    for (int i = 0; i < p->len; i++) {
        uint32_t a = p->supply ? s->sup[p->e[i]].from : s->own[p->e[i]].from;
        if (a == v) {
            return 1;
        }
    }
    return 0;
}

/*
 * Starts loading the id of v, which the answer will print, while a walk
 * goes on to the next hop: the id is then a cache hit, not one more miss
 * in series per hop, in a snapshot larger than the caches.
 */
static inline void pf_id(const veu_snapshot_t *s, uint32_t v)
{
    __builtin_prefetch(s->str + s->ent[v].id, 0, 3);
}

/* Follows a per-vertex predecessor edge back to its root; path in edge order. */
static void chain_back(const veu_snapshot_t *s, uint32_t v, int which, path_t *p)
{
    p->len = 0;
    p->supply = 0;
    for (int i = 0; i < MAX_HOPS; i++) {
        pf_id(s, v);
        uint32_t e = which ? s->ent[v].share_pred : s->ent[v].ctrl_pred;
        if (e == VEU_NONE) {
            break;
        }
        path_push(p, e);
        v = s->own[e].from;
    }
    path_reverse(p);
}

static void chain_hold(const veu_snapshot_t *s, uint32_t v, path_t *p)
{
    p->len = 0;
    p->supply = 0;
    for (int i = 0; i < MAX_HOPS; i++) {
        pf_id(s, v);
        uint32_t e = s->ent[v].hold_next;
        if (e == VEU_NONE) {
            break;
        }
        path_push(p, e);
        v = s->own[e].to;
    }
}

enum { WARM_SHARE, WARM_HOLD };
#define WARM_MAX  8  /* chains walked at once */
#define WARM_HOPS 16 /* hops of each */

/*
 * Walks the chains from several vertices at once, a hop of each in turn,
 * only to load them: the misses of different chains overlap, and the walks
 * that print the chains one after another find them in the cache.
 */
static void warm_chains(const veu_snapshot_t *s, const uint32_t *from, int n, int mode)
{
    uint32_t v[WARM_MAX];

    n = n < WARM_MAX ? n : WARM_MAX;
    memcpy(v, from, (size_t)n * sizeof(v[0]));
    for (int h = 0, live = n; h < WARM_HOPS && live; h++) {
        live = 0;
        for (int i = 0; i < n; i++) {
            if (v[i] == VEU_NONE) {
                continue;
            }
            const veu_snap_entity_t *x = &s->ent[v[i]];
            uint32_t e = mode == WARM_HOLD ? x->hold_next : x->share_pred;
            pf_id(s, v[i]);
            v[i] = e == VEU_NONE ? VEU_NONE : mode == WARM_HOLD ? s->own[e].to : s->own[e].from;
            live += e != VEU_NONE;
        }
    }
}

static int slot_of(const uint32_t *lab, uint32_t v, uint32_t L)
{
    if (lab[(size_t)v * 2] == L) {
        return 0;
    }
    return lab[(size_t)v * 2 + 1] == L ? 1 : -1;
}

/*
 * Follows label L from v.  forward: the via edge leads away from v (to its
 * .to for own edges when down, supply edges always forward); otherwise back
 * to the edge's .from.  Stops at a VEU_NONE via or a VEU_ORIGIN-tagged one.
 */
static void chain_label(const veu_snapshot_t *s, const uint32_t *lab, const uint32_t *via,
                        uint32_t v, uint32_t L, int forward, int supply, path_t *p)
{
    p->len = 0;
    p->supply = supply;
    for (int i = 0; i < MAX_HOPS; i++) {
        pf_id(s, v);
        int k = slot_of(lab, v, L);
        if (k < 0) {
            break;
        }
        uint32_t e = via[(size_t)v * 2 + k];
        if (e == VEU_NONE) {
            break;
        }
        path_push(p, VEU_EDGE(e));
        if (supply) {
            v = s->sup[VEU_EDGE(e)].to;
        } else {
            v = forward ? s->own[VEU_EDGE(e)].to : s->own[VEU_EDGE(e)].from;
        }
        if (e & VEU_ORIGIN) {
            break;
        }
    }
    pf_id(s, v);
    if (!forward) {
        path_reverse(p);
    }
}

void veu_nodeset_add(veu_nodeset_t *set, uint32_t v)
{
    if (!set) {
        return;
    }
    for (size_t i = 0; i < set->n; i++) {
        if (set->v[i] == v) {
            return;
        }
    }
    if (set->n == VEU_NODES_MAX) {
        set->dropped++;
        return;
    }
    set->v[set->n++] = v;
}

void veu_snapshot_nodes_json(const veu_snapshot_t *s, const veu_nodeset_t *set, veu_jbuf_t *o)
{
    veu_jbuf_lit(o, ",\"entities\":{");
    for (size_t i = 0; i < set->n; i++) {
        const veu_snap_entity_t *e = &s->ent[set->v[i]];
        if (i) {
            veu_jbuf_raw(o, ",", 1);
        }
        veu_jbuf_str(o, snap_str(s, e->id));
        veu_jbuf_lit(o, ":{\"name\":");
        veu_jbuf_str(o, snap_str(s, e->name));
        veu_jbuf_lit(o, ",\"country\":");
        veu_jbuf_str_or_null(o, snap_str(s, e->country));
        veu_jbuf_lit(o, ",\"seed\":");
        veu_jbuf_bool(o, e->flags & VEU_SF_SEED);
        veu_jbuf_lit(o, ",\"controlled\":");
        veu_jbuf_bool(o, e->flags & VEU_SF_CONTROLLED);
        veu_jbuf_lit(o, ",\"verdict\":");
        veu_jbuf_str(o, veu_snapshot_verdict(s, set->v[i]));
        veu_jbuf_raw(o, "}", 1);
    }
    veu_jbuf_raw(o, "}", 1);
    if (set->dropped) {
        veu_jbuf_printf(o, ",\"entities_dropped\":%zu", set->dropped);
    }
}

void veu_snap_hop_json(const veu_snapshot_t *s, veu_jbuf_t *o, uint32_t e, int supply,
                       veu_nodeset_t *nodes)
{
    if (nodes) {
        veu_nodeset_add(nodes, supply ? s->sup[e].from : s->own[e].from);
        veu_nodeset_add(nodes, supply ? s->sup[e].to : s->own[e].to);
    }
    if (supply) {
        const veu_sedge_t *x = &s->sup[e];
        veu_jbuf_lit(o, "{\"from\":");
        veu_jbuf_str(o, snap_str(s, s->ent[x->from].id));
        veu_jbuf_lit(o, ",\"to\":");
        veu_jbuf_str(o, snap_str(s, s->ent[x->to].id));
        veu_jbuf_lit(o, ",\"rel\":\"supplies\"");
        if (x->product) {
            veu_jbuf_lit(o, ",\"product\":");
            veu_jbuf_str(o, snap_str(s, x->product));
        }
        veu_jbuf_raw(o, "}", 1);
        return;
    }
    const veu_oedge_t *x = &s->own[e];
    veu_jbuf_lit(o, "{\"from\":");
    veu_jbuf_str(o, snap_str(s, s->ent[x->from].id));
    veu_jbuf_lit(o, ",\"to\":");
    veu_jbuf_str(o, snap_str(s, s->ent[x->to].id));
    veu_jbuf_lit(o, (x->flags & VEU_OE_CONTROL) ? ",\"rel\":\"controls\"" : ",\"rel\":\"owns\"");
    if (x->flags & VEU_OE_KNOWN) {
        veu_jbuf_lit(o, ",\"percent\":");
        veu_jbuf_num(o, x->pct);
    }
    veu_jbuf_raw(o, "}", 1);
}

static void path_json(const veu_snapshot_t *s, veu_jbuf_t *o, const path_t *p, veu_nodeset_t *nodes)
{
    veu_jbuf_raw(o, "[", 1);
    for (int i = 0; i < p->len; i++) {
        if (i) {
            veu_jbuf_raw(o, ",", 1);
        }
        veu_snap_hop_json(s, o, p->e[i], p->supply, nodes);
    }
    veu_jbuf_raw(o, "]", 1);
}

/* ------------------------------------------------------------------ */
/* Alternative paths: the best few neighbours, by a score              */

typedef struct best {
    double score[MAX_PATHS];
    uint32_t e[MAX_PATHS];
    int n, k;
} best_t;

static void best_offer(best_t *b, double score, uint32_t e)
{
    int i;

    if (b->n < b->k) {
        i = b->n++;
    } else if (b->score[b->k - 1] >= score) {
        return;
    } else {
        i = b->k - 1;
    }
    while (i > 0 && b->score[i - 1] < score) {
        b->score[i] = b->score[i - 1];
        b->e[i] = b->e[i - 1];
        i--;
    }
    b->score[i] = score;
    b->e[i] = e;
}

/* ------------------------------------------------------------------ */

struct ctx {
    const veu_snapshot_t *s;
    veu_jbuf_t *o;
    veu_nodeset_t *nodes; /* NULL: no "entities" member */
    uint32_t b;
    int k;       /* paths per reason */
    path_t p, q; /* scratch */
};

static const char *name_of(const struct ctx *c, uint32_t v)
{
    return snap_str(c->s, c->s->ent[v].name);
}

/*
 * Appends a JSON string made from a format that knows %s, %d, %.6g and %%,
 * written straight into the answer, escaped, without printf (this runs for
 * every reason of every answer).  Numbers are printed as veu_jbuf_num does.
 */
static void sentence(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sentence(struct ctx *c, const char *fmt, ...)
{
    veu_jbuf_t *o = c->o;
    va_list ap;

    va_start(ap, fmt);
    veu_jbuf_raw(o, "\"", 1);
    while (*fmt) {
        const char *pct = strchr(fmt, '%');
        size_t run = pct ? (size_t)(pct - fmt) : strlen(fmt);
        veu_jbuf_esc(o, fmt, run);
        if (!pct) {
            break;
        }
        fmt = pct + 1;
        if (*fmt == 's') {
            const char *v = va_arg(ap, const char *);
            veu_jbuf_esc(o, v, strlen(v));
            fmt++;
        } else if (*fmt == 'd') {
            veu_jbuf_int(o, va_arg(ap, int));
            fmt++;
        } else if (!strncmp(fmt, ".6g", 3)) {
            veu_jbuf_num(o, round(va_arg(ap, double) * 1e6) / 1e6);
            fmt += 3;
        } else if (*fmt == '%') {
            veu_jbuf_raw(o, "%", 1);
            fmt++;
        }
    }
    veu_jbuf_raw(o, "\"", 1);
    va_end(ap);
}

static const char *cmp_text(const veu_snapshot_t *s)
{
    return s->h->control_inclusive ? ">=" : ">";
}

static void reason_open(struct ctx *c, int bit, int *first)
{
    if (!*first) {
        veu_jbuf_raw(c->o, ",", 1);
    }
    *first = 0;
    veu_jbuf_lit(c->o, "{\"code\":");
    veu_jbuf_str(c->o, reason_code[bit]);
    veu_jbuf_lit(c->o, ",\"detail\":");
}

static void paths_open(struct ctx *c)
{
    veu_jbuf_lit(c->o, ",\"paths\":[");
}

static void emit_path(struct ctx *c, const path_t *p, int *count)
{
    if (*count) {
        veu_jbuf_raw(c->o, ",", 1);
    }
    path_json(c->s, c->o, p, c->nodes);
    (*count)++;
}

/* Whether an edge from a defense-controlled owner counted under the snapshot's regime. */
static int edge_counts(const veu_snapshot_t *s, const veu_oedge_t *x)
{
    return x->pct > 0.0 || ((x->flags & VEU_OE_CONTROL) && s->h->control_without_ownership);
}

/* defense_controlled: shortest chains, then the proof. */
static void ev_controlled(struct ctx *c)
{
    const veu_snapshot_t *s = c->s;
    const veu_snap_entity_t *e = &s->ent[c->b];
    int count = 0;
    uint32_t first = e->ctrl_pred;
    int control_edge = 0;
    double alone = 0; /* the largest stake one defense-controlled owner holds */

    for (uint32_t i = s->own_in[c->b]; i < s->own_in[c->b + 1]; i++) {
        const veu_oedge_t *x = &s->own[s->own_in_e[i]];
        if (!(s->ent[x->from].flags & VEU_SF_CONTROLLED)) {
            continue;
        }
        control_edge |= (x->flags & VEU_OE_CONTROL) && s->h->control_without_ownership;
        alone = x->pct > alone ? x->pct : alone;
    }
    char nb[208];
    if (s->h->aggregate_owners) {
        sentence(c,
                 "Defense-controlled owners hold %.6g%% of %s%s; under the 50 percent rule (%s "
                 "%.6g%%) it is defense-controlled.",
                 e->ctrl_share, veu_clip(name_of(c, c->b), nb, sizeof(nb)),
                 control_edge ? ", and one of them holds control of it" : "", cmp_text(s),
                 s->h->control_threshold);
    } else {
        sentence(c,
                 "A defense-controlled owner alone holds %.6g%% of %s%s; under the 50 percent "
                 "rule (%s %.6g%%, stakes of different owners not added up) it is "
                 "defense-controlled.",
                 alone, veu_clip(name_of(c, c->b), nb, sizeof(nb)),
                 control_edge ? ", or one of them holds control of it" : "", cmp_text(s),
                 s->h->control_threshold);
    }
    paths_open(c);
    if (first != VEU_NONE) {
        chain_back(s, c->b, 0, &c->p);
        emit_path(c, &c->p, &count);
    }
    uint32_t scanned = 0;
    for (uint32_t i = s->own_in[c->b]; i < s->own_in[c->b + 1] && count < c->k; i++) {
        uint32_t ei = s->own_in_e[i];
        const veu_oedge_t *x = &s->own[ei];
        if (++scanned > SCAN_MAX) {
            break;
        }
        if (ei == first || !(s->ent[x->from].flags & VEU_SF_CONTROLLED) || !edge_counts(s, x)) {
            continue;
        }
        chain_back(s, x->from, 0, &c->p);
        if (path_touches(s, &c->p, c->b)) {
            continue;
        }
        path_push(&c->p, ei);
        emit_path(c, &c->p, &count);
    }
    veu_jbuf_lit(c->o, "],\"proof\":[");

    /* backwards from the buyer through controlled owners, seeds not expanded */
    uint32_t seen[PROOF_MAX + 2];
    int nseen = 1, head = 0, nproof = 0, truncated = 0;
    seen[0] = c->b;
    while (head < nseen && !truncated) {
        uint32_t v = seen[head++];
        if (v != c->b && (s->ent[v].flags & VEU_SF_SEED)) {
            continue;
        }
        for (uint32_t i = s->own_in[v]; i < s->own_in[v + 1]; i++) {
            uint32_t ei = s->own_in_e[i];
            const veu_oedge_t *x = &s->own[ei];
            if (!(s->ent[x->from].flags & VEU_SF_CONTROLLED) || !edge_counts(s, x)) {
                continue;
            }
            if (nproof == PROOF_MAX) {
                truncated = 1;
                break;
            }
            if (nproof) {
                veu_jbuf_raw(c->o, ",", 1);
            }
            veu_snap_hop_json(s, c->o, ei, 0, c->nodes);
            nproof++;
            int known = 0;
            for (int j = 0; j < nseen; j++) {
                known |= seen[j] == x->from;
            }
            if (!known && nseen < PROOF_MAX + 1) {
                seen[nseen++] = x->from;
            }
        }
    }
    veu_jbuf_printf(c->o, "],\"proof_truncated\":%s}", truncated ? "true" : "false");
}

/* defense_minority_stake (up) and defense_holding (down): strongest paths first. */
static void ev_share(struct ctx *c, int down)
{
    const veu_snapshot_t *s = c->s;
    const veu_snap_entity_t *e = &s->ent[c->b];
    uint32_t first = down ? e->hold_next : e->share_pred;
    best_t best = {.k = c->k > 1 ? c->k - 1 : 1};
    int count = 0;

    char nb[208];
    if (down) {
        sentence(c,
                 "%s holds integrated stakes adding up to %.6g%% in defense contractors or "
                 "militaries (minority threshold %.6g%%).",
                 veu_clip(name_of(c, c->b), nb, sizeof(nb)), fmin(100.0, e->holding * 100.0),
                 s->h->minority_threshold);
    } else {
        sentence(c,
                 "Defense contractors or militaries own %.6g%% of %s, integrated over every "
                 "ownership chain (minority threshold %.6g%%), without control.",
                 fmin(100.0, e->share * 100.0), veu_clip(name_of(c, c->b), nb, sizeof(nb)),
                 s->h->minority_threshold);
    }
    uint32_t lo = down ? s->own_out[c->b] : s->own_in[c->b];
    uint32_t hi = down ? s->own_out[c->b + 1] : s->own_in[c->b + 1];
    for (uint32_t i = lo; i < hi && i - lo < SCAN_MAX; i++) {
        uint32_t ei = down ? i : s->own_in_e[i];
        const veu_oedge_t *x = &s->own[ei];
        uint32_t far = down ? x->to : x->from;
        double w = down ? s->ent[far].holding : s->ent[far].share;
        if (ei != first && (x->flags & VEU_OE_KNOWN) && x->pct > 0 && w > 0) {
            best_offer(&best, x->pct * w, ei);
        }
    }
    /* the strongest chain and the best others' chains, loaded together */
    uint32_t from[WARM_MAX] = {c->b};
    int n = 1;
    for (int i = 0; i < best.n && n < WARM_MAX; i++) {
        from[n++] = down ? s->own[best.e[i]].to : s->own[best.e[i]].from;
    }
    warm_chains(s, from, n, down ? WARM_HOLD : WARM_SHARE);
    paths_open(c);
    if (first != VEU_NONE) {
        if (down) {
            chain_hold(s, c->b, &c->p);
        } else {
            chain_back(s, c->b, 1, &c->p);
        }
        emit_path(c, &c->p, &count);
    }
    for (int i = 0; i < best.n && count < c->k; i++) {
        const veu_oedge_t *x = &s->own[best.e[i]];
        if (down) {
            chain_hold(s, x->to, &c->q);
            if (path_touches(s, &c->q, c->b)) {
                continue;
            }
            c->p.len = 0;
            c->p.supply = 0;
            path_push(&c->p, best.e[i]);
            for (int j = 0; j < c->q.len; j++) {
                path_push(&c->p, c->q.e[j]);
            }
        } else {
            chain_back(s, x->from, 1, &c->p);
            if (path_touches(s, &c->p, c->b)) {
                continue;
            }
            path_push(&c->p, best.e[i]);
        }
        emit_path(c, &c->p, &count);
    }
    veu_jbuf_lit(c->o, "]}");
}

/* The supply label of v that names a target other than the buyer. */
static uint32_t supply_target(const veu_snapshot_t *s, uint32_t v, uint32_t buyer)
{
    for (int k = 0; k < 2; k++) {
        uint32_t L = s->sup_lab[(size_t)v * 2 + k];
        if (L != VEU_NONE && L != buyer) {
            return L;
        }
    }
    return VEU_NONE;
}

static void ev_supply(struct ctx *c)
{
    const veu_snapshot_t *s = c->s;
    const veu_snap_entity_t *e = &s->ent[c->b];
    uint32_t L = supply_target(s, c->b, c->b);
    int count = 0;

    char nb[208];
    sentence(c, "%s supplies a defense-controlled entity through %d supply hop%s (limit %d).",
             veu_clip(name_of(c, c->b), nb, sizeof(nb)), e->hops, e->hops == 1 ? "" : "s",
             s->h->supply_depth);
    paths_open(c);
    if (L != VEU_NONE) {
        chain_label(s, s->sup_lab, s->sup_next, c->b, L, 1, 1, &c->p);
        emit_path(c, &c->p, &count);
        uint32_t firste = c->p.len ? c->p.e[0] : VEU_NONE;
        for (uint32_t i = s->sup_out[c->b]; i < s->sup_out[c->b + 1] && count < c->k; i++) {
            if (i == firste || i - s->sup_out[c->b] >= SCAN_MAX) {
                continue;
            }
            uint32_t w = s->sup[i].to;
            uint32_t L2 = supply_target(s, w, c->b);
            if (L2 == VEU_NONE) {
                continue;
            }
            chain_label(s, s->sup_lab, s->sup_next, w, L2, 1, 1, &c->q);
            if (c->q.len + 1 != e->hops || path_touches(s, &c->q, c->b)) {
                continue;
            }
            c->p.len = 0;
            path_push(&c->p, i);
            for (int j = 0; j < c->q.len; j++) {
                path_push(&c->p, c->q.e[j]);
            }
            emit_path(c, &c->p, &count);
        }
    }
    veu_jbuf_lit(c->o, "]}");
}

static void ev_group(struct ctx *c)
{
    const veu_snapshot_t *s = c->s;
    int seed = s->ent[c->b].flags & VEU_SF_SEED;
    const uint32_t *lab = seed ? s->ds_lab : s->dn_lab;
    const uint32_t *via = seed ? s->ds_pred : s->dn_pred;
    uint32_t L = VEU_NONE, C = VEU_NONE, S = VEU_NONE;

    for (int k = 0; k < 2 && L == VEU_NONE; k++) {
        uint32_t x = lab[(size_t)c->b * 2 + k];
        if (x != VEU_NONE && x != c->b) {
            L = x;
        }
    }
    /* chain from the controller down to the buyer */
    if (L != VEU_NONE) {
        chain_label(s, lab, via, c->b, L, 0, 0, &c->p);
        if (c->p.len) {
            C = s->own[c->p.e[0]].from;
        }
        S = seed ? L : (C != VEU_NONE ? s->up_lab[(size_t)C * 2] : VEU_NONE);
        if (C != VEU_NONE && S != VEU_NONE) {
            chain_label(s, s->up_lab, s->up_next, C, S, 1, 0, &c->q);
        }
    }
    char nb[208], nc[208], ns[208];
    if (S != VEU_NONE && C != VEU_NONE) {
        sentence(c, "%s and %s, a %s seed, share a controller: %s.",
                 veu_clip(name_of(c, c->b), nb, sizeof(nb)),
                 veu_clip(name_of(c, S), ns, sizeof(ns)),
                 s->ent[S].seed_kind == VEU_DES_MILITARY ? "military" : "defense",
                 veu_clip(name_of(c, C), nc, sizeof(nc)));
    } else {
        sentence(c, "%s shares a controller with a defense contractor or military.",
                 veu_clip(name_of(c, c->b), nb, sizeof(nb)));
    }
    paths_open(c);
    if (S != VEU_NONE && C != VEU_NONE) {
        path_json(s, c->o, &c->p, c->nodes);
        veu_jbuf_raw(c->o, ",", 1);
        path_json(s, c->o, &c->q, c->nodes);
    }
    veu_jbuf_lit(c->o, "]}");
}

/*
 * possibly_defense_controlled: the chain from a seed under the highest
 * stakes the data allows, each hop from an owner controlled for certain or
 * only under those stakes.
 */
static void ev_possibly(struct ctx *c)
{
    const veu_snapshot_t *s = c->s;
    const veu_snap_upper_t *u = snap_upper(s, c->b);
    char nb[208];
    int count = 0;

    sentence(c,
             "Under the highest stakes the data allows (published ranges%s), owners that are "
             "defense-controlled would hold %.6g%% of %s; under the 50 percent rule (%s %.6g%%) "
             "it may be defense-controlled, so the stakes need review.",
             s->h->review_unknown ? ", or stakes of unknown size taken as whole" : "",
             u ? u->ctrl_share : 0, veu_clip(name_of(c, c->b), nb, sizeof(nb)), cmp_text(s),
             s->h->control_threshold);
    paths_open(c);
    c->p.len = 0;
    c->p.supply = 0;
    uint32_t v = c->b;
    for (int i = 0; i < MAX_HOPS; i++) {
        const veu_snap_upper_t *x = snap_upper(s, v);
        uint32_t e = (s->ent[v].flags & VEU_SF_CONTROLLED) ? s->ent[v].ctrl_pred
                     : x                                   ? x->ctrl_pred
                                                           : VEU_NONE;
        if (e == VEU_NONE) {
            break;
        }
        path_push(&c->p, e);
        v = s->own[e].from;
    }
    path_reverse(&c->p);
    if (c->p.len) {
        emit_path(c, &c->p, &count);
    }
    veu_jbuf_lit(c->o, "]}");
}

/*
 * control_without_ownership: a shortest chain of control edges and stakes
 * down to the buyer from the nearest defense-controlled entity, through
 * entities that would be controlled if bare control counted.  A breadth-
 * first search up the buyer's owners, bounded by CW_MAX entities.
 */
#define CW_MAX 16384
static void ev_control_only(struct ctx *c)
{
    static uint32_t node[CW_MAX], via[CW_MAX], parent[CW_MAX], seen[2 * CW_MAX];
    const veu_snapshot_t *s = c->s;
    const uint8_t ok = VEU_SF_SEED | VEU_SF_CONTROLLED | VEU_SF_CONTROL_ONLY;
    char nb[208], tb[208];
    uint32_t head = 0, tail = 0, found = VEU_NONE, top = VEU_NONE;
    int count = 0;

    memset(seen, 0, sizeof(seen));
    node[tail] = c->b, via[tail] = VEU_NONE, parent[tail++] = VEU_NONE;
    seen[(c->b * 2654435761u) & (2 * CW_MAX - 1)] = c->b + 1;
    while (head < tail && found == VEU_NONE) {
        uint32_t q = head++, v = node[q];
        for (uint32_t i = s->own_in[v]; i < s->own_in[v + 1] && tail < CW_MAX; i++) {
            uint32_t e = s->own_in_e[i];
            const veu_oedge_t *x = &s->own[e];
            uint32_t u = x->from;
            if (!(s->ent[u].flags & ok) || !((x->flags & VEU_OE_CONTROL) || x->pct > 0.0)) {
                continue;
            }
            uint32_t h = (u * 2654435761u) & (2 * CW_MAX - 1);
            while (seen[h] && seen[h] != u + 1) {
                h = (h + 1) & (2 * CW_MAX - 1);
            }
            if (seen[h]) {
                continue;
            }
            seen[h] = u + 1;
            node[tail] = u, via[tail] = e, parent[tail] = q;
            if (s->ent[u].flags & (VEU_SF_SEED | VEU_SF_CONTROLLED)) {
                found = tail++;
                top = u;
                break;
            }
            tail++;
        }
    }
    sentence(c,
             "%s would be defense-controlled if control without ownership counted: a chain of "
             "control runs to it from %s, which is defense-controlled; the regime does not count "
             "control alone, but urges caution, so the control needs review.",
             veu_clip(name_of(c, c->b), nb, sizeof(nb)),
             top == VEU_NONE ? "a defense-controlled entity"
                             : veu_clip(name_of(c, top), tb, sizeof(tb)));
    paths_open(c);
    c->p.len = 0;
    c->p.supply = 0;
    for (uint32_t q = found; q != VEU_NONE && via[q] != VEU_NONE; q = parent[q]) {
        path_push(&c->p, via[q]);
    }
    if (c->p.len) {
        emit_path(c, &c->p, &count);
    }
    veu_jbuf_lit(c->o, "]}");
}

static const char *des_kind(const veu_snap_entity_t *e)
{
    if ((e->des & VEU_DES_DEFENSE) && (e->des & VEU_DES_MILITARY)) {
        return "defense and military";
    }
    return e->seed_kind == VEU_DES_MILITARY ? "military" : "defense";
}

/* designated_not_seed: the lists, and why they make no seed here. */
static void ev_designated(struct ctx *c)
{
    const veu_snap_entity_t *e = &c->s->ent[c->b];
    const char *src = snap_str(c->s, c->s->entx[c->b].seed_src);
    const char *country = snap_str(c->s, e->country);
    char nb[208], wb[208], cb[16];

    snprintf(cb, sizeof(cb), "%s", *country ? country : "none given");
    sentence(c,
             "%s is designated %s by '%s', but is no seed under this policy: its country (%s) "
             "is the home country or not among the target countries, or its lists are not "
             "among seed_lists. Listed for information; the listing changes no verdict here.",
             veu_clip(name_of(c, c->b), nb, sizeof(nb)), des_kind(e),
             *src ? veu_clip(src, wb, sizeof(wb)) : "an unnamed list", cb);
    veu_jbuf_lit(c->o, ",\"paths\":[]}");
}

static void ev_plain(struct ctx *c, int bit)
{
    const veu_snap_entity_t *e = &c->s->ent[c->b];
    char nb[208], wb[208];
    const char *name = veu_clip(name_of(c, c->b), nb, sizeof(nb));

    if (bit == 0) {
        const char *src = snap_str(c->s, c->s->entx[c->b].seed_src);
        sentence(c, "%s is designated %s by '%s'.", name, des_kind(e),
                 *src ? veu_clip(src, wb, sizeof(wb)) : "an unnamed list");
    } else if (bit == 6) {
        sentence(c, "%s is in the dual-use sector '%s'.", name,
                 veu_clip(snap_str(c->s, e->sector), wb, sizeof(wb)));
    } else {
        const char *src = snap_str(c->s, c->s->entx[c->b].veu_src);
        sentence(c, "%s is designated a validated end user by '%s'.", name,
                 *src ? veu_clip(src, wb, sizeof(wb)) : "an unnamed list");
    }
    veu_jbuf_lit(c->o, ",\"paths\":[]}");
}

void veu_snapshot_risk(const veu_snapshot_t *s, uint32_t idx, veu_jbuf_t *o)
{
    veu_snapshot_risk_nodes(s, idx, NULL, o);
}

void veu_snapshot_risk_nodes(const veu_snapshot_t *s, uint32_t idx, veu_nodeset_t *nodes,
                             veu_jbuf_t *o)
{
    static struct ctx cbuf; /* scratch paths are large; answers run on one thread */
    struct ctx *c = &cbuf;
    const veu_snap_entity_t *e = &s->ent[idx];
    int first = 1;

    c->s = s;
    c->o = o;
    c->nodes = nodes;
    c->b = idx;
    veu_nodeset_add(nodes, idx);
    c->k = s->h->evidence_paths ? (int)s->h->evidence_paths : 5;
    if (c->k > MAX_PATHS) {
        c->k = MAX_PATHS;
    }

    veu_jbuf_lit(o, "{\"entity\":{\"id\":");
    veu_jbuf_str(o, snap_str(s, e->id));
    veu_jbuf_lit(o, ",\"name\":");
    veu_jbuf_str(o, snap_str(s, e->name));
    veu_jbuf_lit(o, ",\"country\":");
    veu_jbuf_str_or_null(o, snap_str(s, e->country));
    veu_jbuf_lit(o, ",\"sector\":");
    veu_jbuf_str_or_null(o, snap_str(s, e->sector));
    veu_jbuf_lit(o, "},\"verdict\":");
    veu_jbuf_str(o, verdict_name[e->verdict]);
    veu_jbuf_lit(o, ",\"reasons\":[");
    for (int k = 0; k < VEU_R_COUNT; k++) {
        int bit = reason_order[k];
        if (!(e->reasons & (1u << bit))) {
            continue;
        }
        reason_open(c, bit, &first);
        switch (1u << bit) {
        case VEU_R_DEFENSE_CONTROLLED:
            ev_controlled(c);
            break;
        case VEU_R_POSSIBLY:
            ev_possibly(c);
            break;
        case VEU_R_CONTROL_ONLY:
            ev_control_only(c);
            break;
        case VEU_R_DESIGNATED:
            ev_designated(c);
            break;
        case VEU_R_MINORITY_STAKE:
            ev_share(c, 0);
            break;
        case VEU_R_HOLDING:
            ev_share(c, 1);
            break;
        case VEU_R_SUPPLY_TIE:
            ev_supply(c);
            break;
        case VEU_R_GROUP_TIE:
            ev_group(c);
            break;
        default:
            ev_plain(c, bit);
            break;
        }
    }
    veu_jbuf_lit(o, "],\"metrics\":{\"defense_controlled\":");
    veu_jbuf_bool(o, e->flags & VEU_SF_CONTROLLED);
    veu_jbuf_lit(o, ",\"controlled_share\":");
    veu_jbuf_num(o, e->ctrl_share);
    const veu_snap_upper_t *u = (e->flags & VEU_SF_UPPER) ? snap_upper(s, idx) : NULL;
    if (u) {
        /* the same metrics under the highest stakes the data allows */
        veu_jbuf_lit(o, ",\"controlled_share_max\":");
        veu_jbuf_num(o, u->ctrl_share);
        veu_jbuf_lit(o, ",\"defense_share_max\":");
        veu_jbuf_num(o, fmin(100.0, u->share * 100.0));
        veu_jbuf_lit(o, ",\"defense_holding_max\":");
        veu_jbuf_num(o, fmin(100.0, u->holding * 100.0));
    }
    veu_jbuf_lit(o, ",\"defense_share\":");
    veu_jbuf_num(o, fmin(100.0, e->share * 100.0));
    veu_jbuf_lit(o, ",\"defense_holding\":");
    veu_jbuf_num(o, fmin(100.0, e->holding * 100.0));
    veu_jbuf_lit(o, ",\"supply_hops\":");
    if (e->hops < 0) {
        veu_jbuf_lit(o, "null");
    } else {
        veu_jbuf_int(o, e->hops);
    }
    veu_jbuf_lit(o, ",\"group_tie\":");
    veu_jbuf_bool(o, e->flags & VEU_SF_GROUP);
    veu_jbuf_raw(o, "}", 1);
    if (nodes) {
        veu_snapshot_nodes_json(s, nodes, o);
    }
    veu_jbuf_raw(o, "}", 1);
}

void veu_snapshot_problems(const veu_snapshot_t *s, veu_jbuf_t *o)
{
    char line[1024];

    veu_jbuf_raw(o, "[", 1);
    for (uint32_t i = 0; i < s->h->n_problems; i++) {
        const veu_snap_problem_t *p = &s->problems[i];
        veu_diag_t d = p->diag;
        d.file[sizeof(d.file) - 1] = d.column[sizeof(d.column) - 1] = '\0';
        d.message[sizeof(d.message) - 1] = '\0';
        if (i) {
            veu_jbuf_raw(o, ",", 1);
        }
        veu_jbuf_lit(o, "{\"file\":");
        veu_jbuf_str(o, d.file);
        veu_jbuf_printf(o, ",\"line\":%ld,\"column\":", d.line);
        veu_jbuf_str(o, d.column);
        veu_jbuf_lit(o, ",\"severity\":");
        veu_jbuf_str(o, p->warning ? "warning" : "skipped");
        veu_jbuf_lit(o, ",\"message\":");
        veu_jbuf_str(o, veu_diag_format(&d, line, sizeof(line)));
        veu_jbuf_raw(o, "}", 1);
    }
    veu_jbuf_raw(o, "]", 1);
}
