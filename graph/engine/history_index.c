/* SPDX-License-Identifier: MIT */
/*
 * history_index.c: the history of a dated dataset (every row with the days
 * it is in effect) ordered for the snapshot: ownership rows by owned entity
 * with an index by owner, supply rows by supplier, designations by entity.
 * A build stage beside the ties; answers for another day read it back
 * (build/partbuild.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/graph.h"
#include "engine/history_index.h"

int veu_history_index(veu_history_ix_t *x, const veu_dataset_t *ds)
{
    uint32_t n = ds->n;
    uint32_t *ord = NULL;

    memset(x, 0, sizeof(*x));
    x->own = malloc((ds->n_hown ? ds->n_hown : 1) * sizeof(*x->own));
    x->own_in = calloc((size_t)n + 1, sizeof(uint32_t));
    x->own_out = calloc((size_t)n + 1, sizeof(uint32_t));
    x->sup = malloc((ds->n_hsup ? ds->n_hsup : 1) * sizeof(*x->sup));
    x->sup_out = calloc((size_t)n + 1, sizeof(uint32_t));
    x->des = malloc((ds->n_hdes ? ds->n_hdes : 1) * sizeof(*x->des));
    x->des_off = calloc((size_t)n + 1, sizeof(uint32_t));
    if (!x->own || !x->own_in || !x->own_out || !x->sup || !x->sup_out || !x->des || !x->des_off) {
        goto nomem;
    }
    /* ownership by (owned, owner), then an index of that by (owner, owned) */
    if (!(ord = veu_order_pairs(ds->n_hown, n, ds->hown, sizeof(veu_hown_t),
                                offsetof(veu_hown_t, r.owned), offsetof(veu_hown_t, r.owner)))) {
        goto nomem;
    }
    for (size_t i = 0; i < ds->n_hown; i++) {
        x->own[i] = ds->hown[ord[i]];
        x->own_in[x->own[i].r.owned + 1]++;
        x->own_out[x->own[i].r.owner + 1]++;
    }
    free(ord);
    if (!(x->own_out_e =
              veu_order_pairs(ds->n_hown, n, x->own, sizeof(veu_hown_t),
                              offsetof(veu_hown_t, r.owner), offsetof(veu_hown_t, r.owned)))) {
        goto nomem;
    }
    if (!(ord = veu_order_pairs(ds->n_hsup, n, ds->hsup, sizeof(veu_hsup_t),
                                offsetof(veu_hsup_t, r.supplier),
                                offsetof(veu_hsup_t, r.customer)))) {
        goto nomem;
    }
    for (size_t i = 0; i < ds->n_hsup; i++) {
        x->sup[i] = ds->hsup[ord[i]];
        x->sup_out[x->sup[i].r.supplier + 1]++;
    }
    free(ord);
    if (!(ord = veu_order_pairs(ds->n_hdes, n, ds->hdes, sizeof(veu_hdes_t),
                                offsetof(veu_hdes_t, entity), offsetof(veu_hdes_t, entity)))) {
        goto nomem;
    }
    for (size_t i = 0; i < ds->n_hdes; i++) {
        x->des[i] = ds->hdes[ord[i]];
        x->des_off[x->des[i].entity + 1]++;
    }
    free(ord);
    for (uint32_t v = 0; v < n; v++) {
        x->own_in[v + 1] += x->own_in[v];
        x->own_out[v + 1] += x->own_out[v];
        x->sup_out[v + 1] += x->sup_out[v];
        x->des_off[v + 1] += x->des_off[v];
    }
    return 0;
nomem:
    veu_history_ix_destroy(x);
    return -ENOMEM;
}

void veu_history_ix_destroy(veu_history_ix_t *x)
{
    free(x->own);
    free(x->own_in);
    free(x->own_out_e);
    free(x->own_out);
    free(x->sup);
    free(x->sup_out);
    free(x->des);
    free(x->des_off);
    memset(x, 0, sizeof(*x));
}
