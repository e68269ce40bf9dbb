/* SPDX-License-Identifier: MIT */
/*
 * graph.c: from dataset rows to CSR adjacency.  Rows are ordered by
 * (from, to) with two stable counting sorts (linear, unlike a comparison
 * sort at tens of millions of rows), rows of the same pair are added up into
 * one edge ("rows for the same owner and owned add up to one stake"), and an
 * index by target is built for walking edges backwards.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/graph.h"

uint32_t *veu_order_pairs(size_t m, uint32_t n, const void *base, size_t stride, size_t off1,
                          size_t off2)
{
    uint32_t *count = calloc((size_t)n + 1, sizeof(*count));
    uint32_t *a = malloc((m ? m : 1) * sizeof(*a));
    uint32_t *b = malloc((m ? m : 1) * sizeof(*b));
    const char *p = base;

    if (!count || !a || !b) {
        free(count);
        free(a);
        free(b);
        return NULL;
    }
    veu_huge(count, ((size_t)n + 1) * sizeof(*count));
    veu_huge(a, m * sizeof(*a));
    veu_huge(b, m * sizeof(*b));
#define KEY(i, off) (*(const uint32_t *)(p + (size_t)(i)*stride + (off)))
    /* pass 1: by key2 into a */
    for (size_t i = 0; i < m; i++) {
        count[KEY(i, off2) + 1]++;
    }
    for (uint32_t k = 0; k < n; k++) {
        count[k + 1] += count[k];
    }
    for (size_t i = 0; i < m; i++) {
        a[count[KEY(i, off2)]++] = (uint32_t)i;
    }
    /* pass 2: by key1 into b, stable */
    memset(count, 0, ((size_t)n + 1) * sizeof(*count));
    for (size_t i = 0; i < m; i++) {
        count[KEY(i, off1) + 1]++;
    }
    for (uint32_t k = 0; k < n; k++) {
        count[k + 1] += count[k];
    }
    for (size_t i = 0; i < m; i++) {
        uint32_t r = a[i];
        b[count[KEY(r, off1)]++] = r;
    }
#undef KEY
    free(count);
    free(a);
    return b;
}

/* Fills out[n+1] (offsets by from) and in[n+1], in_e[m] (edge indices by to). */
static int index_edges(uint32_t n, uint32_t m, const void *base, size_t stride, uint32_t **ret_out,
                       uint32_t **ret_in, uint32_t **ret_in_e)
{
    uint32_t *out = calloc((size_t)n + 1, sizeof(*out));
    uint32_t *in = calloc((size_t)n + 1, sizeof(*in));
    uint32_t *in_e = malloc(((size_t)m ? m : 1) * sizeof(*in_e));
    uint32_t *fill = calloc((size_t)n + 1, sizeof(*fill));
    const char *p = base;

    if (!out || !in || !in_e || !fill) {
        free(out);
        free(in);
        free(in_e);
        free(fill);
        return -ENOMEM;
    }
    veu_huge(out, ((size_t)n + 1) * sizeof(*out));
    veu_huge(in, ((size_t)n + 1) * sizeof(*in));
    veu_huge(in_e, (size_t)m * sizeof(*in_e));
    veu_huge(fill, ((size_t)n + 1) * sizeof(*fill));
    for (uint32_t i = 0; i < m; i++) {
        const uint32_t *e = (const uint32_t *)(p + (size_t)i * stride);
        out[e[0] + 1]++;
        in[e[1] + 1]++;
    }
    for (uint32_t v = 0; v < n; v++) {
        out[v + 1] += out[v];
        in[v + 1] += in[v];
    }
    memcpy(fill, in, ((size_t)n + 1) * sizeof(*fill));
    for (uint32_t i = 0; i < m; i++) {
        const uint32_t *e = (const uint32_t *)(p + (size_t)i * stride);
        in_e[fill[e[1]]++] = i;
    }
    free(fill);
    *ret_out = out;
    *ret_in = in;
    *ret_in_e = in_e;
    return 0;
}

static int build_own(veu_graph_t *g, const veu_dataset_t *ds)
{
    uint32_t *ord = veu_order_pairs(ds->n_own, ds->n, ds->own, sizeof(*ds->own),
                                    offsetof(veu_own_row_t, owner), offsetof(veu_own_row_t, owned));
    uint32_t m = 0;

    if (!ord) {
        return -ENOMEM;
    }
    g->own = malloc((ds->n_own ? ds->n_own : 1) * sizeof(*g->own));
    if (!g->own) {
        free(ord);
        return -ENOMEM;
    }
    veu_huge(g->own, ds->n_own * sizeof(*g->own));
    for (size_t i = 0; i < ds->n_own; i++) {
        const veu_own_row_t *r = &ds->own[ord[i]];
        veu_oedge_t *e = m ? &g->own[m - 1] : NULL;
        if (!e || e->from != r->owner || e->to != r->owned) {
            e = &g->own[m++];
            *e = (veu_oedge_t){.from = r->owner, .to = r->owned};
        }
        if (r->control) {
            e->flags |= VEU_OE_CONTROL;
        }
        if (isnan(r->pct)) {
            if (!r->control) {
                e->flags |= VEU_OE_UNKNOWN;
            }
        } else {
            e->flags |= VEU_OE_KNOWN;
            e->pct = fmin(100.0, e->pct + r->pct);
        }
        /* the top of a published range, else the stake itself */
        double hi = r->max_c != VEU_NO_BOUND ? r->max_c / 100.0 : isnan(r->pct) ? 0 : r->pct;
        if (!r->control && r->max_c != VEU_NO_BOUND && hi > (isnan(r->pct) ? 0 : r->pct)) {
            e->flags |= VEU_OE_RANGE;
        }
        e->pct_hi = (float)fmin(100.0, (double)e->pct_hi + hi);
    }
    free(ord);
    g->n_own = m;
    return index_edges(g->n, m, g->own, sizeof(*g->own), &g->own_out, &g->own_in, &g->own_in_e);
}

static int build_sup(veu_graph_t *g, const veu_dataset_t *ds)
{
    uint32_t *ord =
        veu_order_pairs(ds->n_sup, ds->n, ds->sup, sizeof(*ds->sup),
                        offsetof(veu_sup_row_t, supplier), offsetof(veu_sup_row_t, customer));
    uint32_t m = 0;

    if (!ord) {
        return -ENOMEM;
    }
    g->sup = malloc((ds->n_sup ? ds->n_sup : 1) * sizeof(*g->sup));
    if (!g->sup) {
        free(ord);
        return -ENOMEM;
    }
    veu_huge(g->sup, ds->n_sup * sizeof(*g->sup));
    for (size_t i = 0; i < ds->n_sup; i++) {
        const veu_sup_row_t *r = &ds->sup[ord[i]];
        if (m && g->sup[m - 1].from == r->supplier && g->sup[m - 1].to == r->customer) {
            continue;
        }
        g->sup[m++] = (veu_sedge_t){r->supplier, r->customer, r->product};
    }
    free(ord);
    g->n_sup = m;
    return index_edges(g->n, m, g->sup, sizeof(*g->sup), &g->sup_out, &g->sup_in, &g->sup_in_e);
}

int veu_graph_init(veu_graph_t *g, const veu_dataset_t *ds)
{
    int rc;

    memset(g, 0, sizeof(*g));
    g->n = ds->n;
    if (ds->n_own >= UINT32_MAX || ds->n_sup >= UINT32_MAX) {
        return -VEU_ETOOBIG;
    }
    rc = build_own(g, ds);
    if (rc == 0) {
        rc = build_sup(g, ds);
    }
    if (rc < 0) {
        veu_graph_destroy(g);
    }
    return rc;
}

void veu_graph_destroy(veu_graph_t *g)
{
    free(g->own);
    free(g->own_out);
    free(g->own_in);
    free(g->own_in_e);
    free(g->sup);
    free(g->sup_out);
    free(g->sup_in);
    free(g->sup_in_e);
    memset(g, 0, sizeof(*g));
}
