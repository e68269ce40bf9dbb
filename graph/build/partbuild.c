/* SPDX-License-Identifier: MIT */
/*
 * partbuild.c: answers for another day.  A snapshot of dated data keeps
 * every row with the days it is in effect (dataset.h).  For a query on
 * another day we take only the part of the graph that decides the buyers'
 * answers, as it stood that day, and run the same engine on it:
 *
 *   - every owner above a buyer, up to the top (defense-controlled, the
 *     shares, the ultimate owners and the proof);
 *   - every holding below it (defense holding and its paths);
 *   - every entity its supply chains reach (supply hops);
 *   - the entities that control it and all that those control (group ties);
 *   - and every owner above anything taken, so that each entity in the part
 *     is defense-controlled or not exactly as in the whole graph.
 *
 * A buyer's metrics depend on nothing else (SPEC section 3: the fixpoints
 * look up, the holding looks down, supply hops need the controlled status
 * of the entities they reach), so the answers equal those of a full build
 * on that day; unit_history checks that against full builds.  The walk is
 * bounded by max_entities, and rows are read from the mapped snapshot.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/dates.h"
#include "engine/graph.h"
#include "engine/history_index.h"
#include "snapshot/snapshot_int.h"
#include "snapshot/snapshot_write.h"

/* ------------------------------------------------------------------ */
/* The part of the graph a day's answers need                          */
/* ------------------------------------------------------------------ */

enum {
    M_IN = 1,
    M_UP = 2,
    M_DOWN = 4,
    M_SUPPLY = 8,
    M_CTRL_UP = 16,
    M_CTRL_DOWN = 32,
    M_SEEDWARD = 64, /* a holding with a designated entity at or below it */
};
enum { UP, DOWN, SUPPLY, CTRL_UP, CTRL_DOWN };

struct walk {
    const veu_snapshot_t *s;
    int32_t day;
    double threshold; /* a pair at or above it may control: taken, to be safe */
    uint8_t *mark;    /* M_* per entity */
    uint32_t *part;   /* the entities taken, in the order found */
    size_t n_part, cap_part;
    uint32_t *queue;
    size_t cap_queue;
    uint64_t *sub; /* once sorted: (entity << 32 | its index in the part), open addressing */
    unsigned sub_bits;
    uint64_t rows, max_rows;
    uint32_t max_entities;
};

static int take(struct walk *w, uint32_t v)
{
    if (w->mark[v] & M_IN) {
        return 0;
    }
    if (w->n_part == w->max_entities) {
        return -E2BIG;
    }
    if (w->n_part == w->cap_part) {
        size_t cap = w->cap_part ? w->cap_part * 2 : 1024;
        uint32_t *p = realloc(w->part, cap * sizeof(*p));
        uint32_t *q = realloc(w->queue, cap * sizeof(*q));
        if (p) {
            w->part = p;
        }
        if (q) {
            w->queue = q;
        }
        if (!p || !q) {
            return -ENOMEM;
        }
        w->cap_part = w->cap_queue = cap;
    }
    w->mark[v] |= M_IN;
    w->part[w->n_part++] = v;
    return 0;
}

/*
 * Whether the rows of one pair, own[i] for i in idx[lo, hi) (or lo..hi
 * when idx is NULL), may control on the day: a control row, or stakes that
 * reach the threshold with every range at its top.
 */
static int pair_may_control(const struct walk *w, const uint32_t *idx, uint32_t lo, uint32_t hi)
{
    double sum = 0;
    for (uint32_t k = lo; k < hi; k++) {
        const veu_hown_t *r = &w->s->hown[idx ? idx[k] : k];
        if (!veu_span_has(r->span, w->day)) {
            continue;
        }
        if (r->r.control) {
            return 1;
        }
        double hi_pct = r->r.max_c != VEU_NO_BOUND ? r->r.max_c / 100.0 : r->r.pct;
        sum += isnan(hi_pct) ? 0 : fmax(hi_pct, isnan(r->r.pct) ? 0 : r->r.pct);
    }
    return sum >= w->threshold - VEU_PERCENT_EPS;
}

/* Visits the neighbours of v in direction dir that are in effect on the day. */
static int neighbours(struct walk *w, uint32_t v, int dir, uint8_t bit, size_t *tail)
{
    const veu_snapshot_t *s = w->s;
    uint32_t lo, hi;
    const uint32_t *idx = NULL;

    switch (dir) {
    case UP:
    case CTRL_UP:
        lo = s->hown_in[v], hi = s->hown_in[v + 1];
        break;
    case DOWN:
    case CTRL_DOWN:
        lo = s->hown_out[v], hi = s->hown_out[v + 1], idx = s->hown_out_e;
        break;
    default:
        lo = s->hsup_out[v], hi = s->hsup_out[v + 1];
        break;
    }
    w->rows += hi - lo;
    if (w->rows > w->max_rows) {
        return -E2BIG;
    }
    for (uint32_t k = lo; k < hi;) {
        uint32_t u, end = k + 1;
        if (dir == SUPPLY) {
            const veu_hsup_t *r = &s->hsup[k];
            k++;
            if (!veu_span_has(r->span, w->day)) {
                continue;
            }
            u = r->r.customer;
        } else {
            const veu_hown_t *r = &s->hown[idx ? idx[k] : k];
            int up = dir == UP || dir == CTRL_UP;
            u = up ? r->r.owner : r->r.owned;
            /* the rows of one pair are next to each other */
            while (end < hi && (up ? s->hown[idx ? idx[end] : end].r.owner
                                   : s->hown[idx ? idx[end] : end].r.owned) == u) {
                end++;
            }
            int live = 0;
            for (uint32_t j = k; j < end && !live; j++) {
                live = veu_span_has(s->hown[idx ? idx[j] : j].span, w->day);
            }
            int ok = live && (dir == UP || dir == DOWN || pair_may_control(w, idx, k, end));
            k = end;
            if (!ok) {
                continue;
            }
        }
        if (!(w->mark[u] & bit)) {
            int rc = take(w, u);
            if (rc < 0) {
                return rc;
            }
            w->mark[u] |= bit;
            w->queue[(*tail)++] = u;
        }
    }
    return 0;
}

/*
 * Breadth-first in direction dir from the entities part[0, n_start) that
 * carry from_bit, marking what it reaches with bit.
 */
static int walk_from(struct walk *w, size_t n_start, uint8_t from_bit, int dir, uint8_t bit)
{
    size_t head = 0, tail = 0;

    for (size_t i = 0; i < n_start; i++) {
        uint32_t v = w->part[i];
        if ((w->mark[v] & from_bit) && !(w->mark[v] & bit)) {
            w->mark[v] |= bit;
            w->queue[tail++] = v;
        }
    }
    while (head < tail) {
        int rc = neighbours(w, w->queue[head++], dir, bit, &tail);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* Whether v has a defense or military designation in force on the day. */
static int designated(const struct walk *w, uint32_t v)
{
    const veu_snapshot_t *s = w->s;
    for (uint32_t k = s->hdes_off[v]; k < s->hdes_off[v + 1]; k++) {
        uint8_t bit = s->hdes[k].bit;
        /* a seed-making listing: from a list seed_lists selects */
        if (bit != VEU_DES_VEU && !(bit & VEU_DES_UNSELECTED) &&
            veu_span_has(s->hdes[k].span, w->day)) {
            return 1;
        }
    }
    return 0;
}

/*
 * Holdings matter only where a seed lies at or below them (the holding sum
 * and its paths run to seeds): keeps the buyers and the holdings with a
 * designated entity below, and lets the rest go, so that a buyer at the top
 * of a large group does not take the whole group.
 */
static int prune_holdings(struct walk *w, size_t nb)
{
    const veu_snapshot_t *s = w->s;
    size_t head = 0, tail = 0, k = nb;

    for (size_t i = nb; i < w->n_part; i++) {
        uint32_t v = w->part[i];
        if (designated(w, v)) {
            w->mark[v] |= M_SEEDWARD;
            w->queue[tail++] = v;
        }
    }
    while (head < tail) {
        uint32_t v = w->queue[head++];
        w->rows += s->hown_in[v + 1] - s->hown_in[v];
        for (uint32_t i = s->hown_in[v]; i < s->hown_in[v + 1]; i++) {
            uint32_t u = s->hown[i].r.owner;
            if ((w->mark[u] & (M_DOWN | M_SEEDWARD)) == M_DOWN &&
                veu_span_has(s->hown[i].span, w->day)) {
                w->mark[u] |= M_SEEDWARD;
                w->queue[tail++] = u;
            }
        }
    }
    for (size_t i = nb; i < w->n_part; i++) {
        uint32_t v = w->part[i];
        if (w->mark[v] & M_SEEDWARD) {
            w->part[k++] = v;
        } else {
            w->mark[v] &= (uint8_t) ~(M_IN | M_DOWN);
        }
    }
    w->n_part = k;
    return w->rows > w->max_rows ? -E2BIG : 0;
}

/*
 * Sorts the part by entity index: two passes of 16 bits through the queue,
 * which is as long as the part and free once the walks are done (a qsort
 * of 25,000 entities took 2 ms).
 */
static void sort_part(struct walk *w)
{
    uint32_t *a = w->part, *b = w->queue;
    for (int shift = 0; shift < 32; shift += 16) {
        static _Thread_local uint32_t count[1 << 16];
        memset(count, 0, sizeof(count));
        for (size_t i = 0; i < w->n_part; i++) {
            count[(a[i] >> shift) & 0xffff]++;
        }
        for (uint32_t d = 0, sum = 0; d < (1u << 16); d++) {
            uint32_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < w->n_part; i++) {
            b[count[(a[i] >> shift) & 0xffff]++] = a[i];
        }
        uint32_t *t = a;
        a = b;
        b = t;
    }
    /* two passes: the sorted entities are back in w->part */
}

/*
 * The part's entities by their index in the whole graph, once the part is
 * sorted.  A table of twice the part's size, not a binary search of the
 * part: every row of the part is looked up (at 1M entities, 9% of a part's
 * time went to the search).  None for a day built whole, whose part is
 * every entity in order.
 */
static int index_part(struct walk *w)
{
    if (w->n_part == w->s->n) {
        return 0; /* the whole graph (a day built whole): entity v is the part's v */
    }
    unsigned bits = 4;
    while (((size_t)1 << bits) < 2 * w->n_part) {
        bits++;
    }
    w->sub_bits = bits;
    w->sub = malloc(((size_t)1 << bits) * sizeof(*w->sub));
    if (!w->sub) {
        return -ENOMEM;
    }
    memset(w->sub, 0xff, ((size_t)1 << bits) * sizeof(*w->sub));
    size_t mask = ((size_t)1 << bits) - 1;
    for (size_t i = 0; i < w->n_part; i++) {
        uint32_t v = w->part[i];
        size_t h = (size_t)((v * 0x9E3779B97F4A7C15ull) >> (64 - bits));
        while (w->sub[h] != UINT64_MAX) {
            h = (h + 1) & mask;
        }
        w->sub[h] = (uint64_t)v << 32 | (uint32_t)i;
    }
    return 0;
}

/* The index of full-graph entity v in the sorted part, or VEU_NONE. */
static uint32_t sub_index(const struct walk *w, uint32_t v)
{
    if (!(w->mark[v] & M_IN)) {
        return VEU_NONE;
    }
    if (!w->sub) {
        return v; /* the whole graph */
    }
    size_t mask = ((size_t)1 << w->sub_bits) - 1;
    for (size_t h = (size_t)((v * 0x9E3779B97F4A7C15ull) >> (64 - w->sub_bits));;
         h = (h + 1) & mask) {
        if (w->sub[h] == UINT64_MAX) {
            return VEU_NONE;
        }
        if ((uint32_t)(w->sub[h] >> 32) == v) {
            return (uint32_t)w->sub[h];
        }
    }
}

static int pool_copy(veu_dataset_t *ds, const veu_snapshot_t *s, uint32_t off, uint32_t *ret)
{
    const char *str = snap_str(s, off);
    return veu_strpool_add(&ds->pool, str, strlen(str), ret);
}

#define AHEAD 8

/* The dataset of the part on the day: rows in effect whose ends are both in it. */
static int part_dataset(veu_dataset_t *ds, const struct walk *w, const char *day)
{
    const veu_snapshot_t *s = w->s;
    int rc;

    memset(ds, 0, sizeof(*ds));
    if ((rc = veu_strpool_init(&ds->pool)) < 0 ||
        (rc = veu_idmap_init_for(&ds->ids, w->n_part)) < 0) {
        return rc;
    }
    snprintf(ds->as_of, sizeof(ds->as_of), "%s", day);
    ds->day = w->day;
    ds->dated = 1;
    memcpy(ds->digest, s->h->digest, sizeof(ds->digest));
    ds->n = (uint32_t)w->n_part;
    ds->ent = calloc(w->n_part ? w->n_part : 1, sizeof(*ds->ent));
    if (!ds->ent) {
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < ds->n; i++) {
        uint32_t v = w->part[i], prev;
        const veu_snap_entity_t *e = &s->ent[v];
        /* the strings copied are at random places: asked for a few entities ahead */
        if (i + 2 * AHEAD < ds->n) {
            __builtin_prefetch(&s->ent[w->part[i + 2 * AHEAD]]);
            __builtin_prefetch(&s->entx[w->part[i + 2 * AHEAD]]);
        }
        if (i + AHEAD < ds->n) {
            const veu_snap_entity_t *a = &s->ent[w->part[i + AHEAD]];
            __builtin_prefetch(s->str + a->id);
            __builtin_prefetch(s->str + a->name);
            __builtin_prefetch(s->str + s->entx[w->part[i + AHEAD]].aliases);
        }
        veu_entity_row_t *r = &ds->ent[i];
        if ((rc = pool_copy(ds, s, e->id, &r->id)) < 0 ||
            (rc = pool_copy(ds, s, e->name, &r->name)) < 0 ||
            (rc = pool_copy(ds, s, e->country, &r->country)) < 0 ||
            (rc = pool_copy(ds, s, e->sector, &r->sector)) < 0 ||
            (rc = pool_copy(ds, s, s->entx[v].aliases, &r->aliases)) < 0 ||
            (rc = veu_idmap_insert(&ds->ids, &ds->pool, r->id, i, &prev)) < 0) {
            return rc;
        }
        for (uint32_t k = s->hdes_off[v]; k < s->hdes_off[v + 1]; k++) {
            const veu_hdes_t *d = &s->hdes[k];
            uint32_t src;
            if (!veu_span_has(d->span, w->day)) {
                continue;
            }
            if ((rc = pool_copy(ds, s, d->source, &src)) < 0) {
                return rc;
            }
            if ((rc = veu_designate(&ds->pool, r, d->bit, src)) < 0) {
                return rc;
            }
            ds->designations++;
        }
    }
    for (uint32_t i = 0; i < ds->n; i++) {
        uint32_t v = w->part[i];
        for (uint32_t k = s->hown_in[v]; k < s->hown_in[v + 1]; k++) {
            const veu_hown_t *r = &s->hown[k];
            uint32_t owner;
            if (!veu_span_has(r->span, w->day) || (owner = sub_index(w, r->r.owner)) == VEU_NONE) {
                continue;
            }
            if (veu_grow((void **)&ds->own, &ds->cap_own, ds->n_own, sizeof(*ds->own)) < 0) {
                return -ENOMEM;
            }
            veu_own_row_t o = r->r;
            o.owner = owner;
            o.owned = i;
            ds->own[ds->n_own++] = o;
        }
        for (uint32_t k = s->hsup_out[v]; k < s->hsup_out[v + 1]; k++) {
            const veu_hsup_t *r = &s->hsup[k];
            uint32_t customer;
            if (!veu_span_has(r->span, w->day) ||
                (customer = sub_index(w, r->r.customer)) == VEU_NONE) {
                continue;
            }
            if (veu_grow((void **)&ds->sup, &ds->cap_sup, ds->n_sup, sizeof(*ds->sup)) < 0) {
                return -ENOMEM;
            }
            veu_sup_row_t o = {.supplier = i, .customer = customer};
            if ((rc = pool_copy(ds, s, r->r.product, &o.product)) < 0) {
                return rc;
            }
            ds->sup[ds->n_sup++] = o;
        }
    }
    return 0;
}

int veu_history_build(const veu_snapshot_t *s, const char *day, const uint32_t *buyers,
                      size_t n_buyers, const veu_policy_t *policy, uint32_t max_entities,
                      int out_fd, uint32_t *ret_entities, veu_diag_t *err)
{
    struct walk w = {.s = s, .max_entities = max_entities};
    veu_dataset_t ds;
    int rc;

    memset(err, 0, sizeof(*err));
    memset(&ds, 0, sizeof(ds));
    *ret_entities = 0;
    if (!s->h->history) {
        snprintf(err->message, sizeof(err->message),
                 "the snapshot keeps no history (its data and policy are not dated)");
        return -EINVAL;
    }
    w.day = veu_day_number(day);
    w.threshold = policy->control_threshold;
    w.max_rows = (uint64_t)max_entities * 64 + 1000000;
    w.mark = calloc(s->n ? s->n : 1, 1);
    if (!w.mark) {
        return -ENOMEM;
    }
    rc = 0;
    for (size_t i = 0; rc == 0 && i < n_buyers; i++) {
        rc = buyers[i] < s->n ? take(&w, buyers[i]) : -EINVAL;
    }
    size_t nb = w.n_part; /* the buyers, once each */
    if (rc == 0) {
        rc = walk_from(&w, nb, M_IN, DOWN, M_DOWN);
    }
    if (rc == 0) {
        rc = prune_holdings(&w, nb);
    }
    if (rc == 0) {
        rc = walk_from(&w, nb, M_IN, SUPPLY, M_SUPPLY);
    }
    if (rc == 0) {
        rc = walk_from(&w, nb, M_IN, CTRL_UP, M_CTRL_UP);
    }
    if (rc == 0) {
        rc = walk_from(&w, w.n_part, M_CTRL_UP, CTRL_DOWN, M_CTRL_DOWN);
    }
    if (rc == 0) {
        rc = walk_from(&w, w.n_part, M_IN, UP, M_UP); /* every owner of everything taken */
    }
    if (rc == -E2BIG) {
        snprintf(err->message, sizeof(err->message),
                 "the graph around the entities asked for on %s holds more than %u entities "
                 "(history_entities); ask for fewer, or build that day (veud build --as-of %s)",
                 day, max_entities, day);
        goto out;
    }
    if (rc < 0) {
        snprintf(err->message, sizeof(err->message), "cannot walk the history: %s",
                 veu_strerror(rc));
        goto out;
    }
    sort_part(&w);
    *ret_entities = (uint32_t)w.n_part;
    if ((rc = index_part(&w)) < 0 || (rc = part_dataset(&ds, &w, day)) < 0) {
        snprintf(err->message, sizeof(err->message), "cannot gather the history: %s",
                 veu_strerror(rc));
        goto out;
    }
    /* asked by entity only: names are looked up in the graph served (asof.c) */
    veu_build_opts_t o = {
        .policy = *policy, .generation = s->h->generation, .as_of = day, .no_names = true};
    veu_report_t rep = {0};
    veu_counts_t counts;
    rc = veu_build_dataset(&ds, &o, out_fd, s->h->data_dir, &rep, &counts, err);
out:
    veu_dataset_destroy(&ds);
    free(w.mark);
    free(w.part);
    free(w.queue);
    free(w.sub);
    return rc;
}
