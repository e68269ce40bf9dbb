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

/* Offsets from counts: off[v + 1] held v's count. */
static void prefix(uint32_t *off, uint32_t n)
{
    for (uint32_t v = 0; v < n; v++) {
        off[v + 1] += off[v];
    }
}

/* Ownership by (owned, owner), then an index of that by (owner, owned). */
static int index_own(veu_history_ix_t *x, const veu_dataset_t *ds)
{
    uint32_t n = ds->n, *ord;

    x->own = malloc((ds->n_hown ? ds->n_hown : 1) * sizeof(*x->own));
    x->own_in = calloc((size_t)n + 1, sizeof(uint32_t));
    x->own_out = calloc((size_t)n + 1, sizeof(uint32_t));
    if (!x->own || !x->own_in || !x->own_out ||
        !(ord = veu_order_pairs(ds->n_hown, n, ds->hown, sizeof(veu_hown_t),
                                offsetof(veu_hown_t, r.owned), offsetof(veu_hown_t, r.owner)))) {
        return -ENOMEM;
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
        return -ENOMEM;
    }
    prefix(x->own_in, n);
    prefix(x->own_out, n);
    return 0;
}

/* Supply rows by (supplier, customer); designations by entity, in file order. */
static int index_sup_des(veu_history_ix_t *x, const veu_dataset_t *ds)
{
    uint32_t n = ds->n, *ord;

    x->sup = malloc((ds->n_hsup ? ds->n_hsup : 1) * sizeof(*x->sup));
    x->sup_out = calloc((size_t)n + 1, sizeof(uint32_t));
    x->des = malloc((ds->n_hdes ? ds->n_hdes : 1) * sizeof(*x->des));
    x->des_off = calloc((size_t)n + 1, sizeof(uint32_t));
    if (!x->sup || !x->sup_out || !x->des || !x->des_off ||
        !(ord = veu_order_pairs(ds->n_hsup, n, ds->hsup, sizeof(veu_hsup_t),
                                offsetof(veu_hsup_t, r.supplier),
                                offsetof(veu_hsup_t, r.customer)))) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < ds->n_hsup; i++) {
        x->sup[i] = ds->hsup[ord[i]];
        x->sup_out[x->sup[i].r.supplier + 1]++;
    }
    free(ord);
    if (!(ord = veu_order_pairs(ds->n_hdes, n, ds->hdes, sizeof(veu_hdes_t),
                                offsetof(veu_hdes_t, entity), offsetof(veu_hdes_t, entity)))) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < ds->n_hdes; i++) {
        x->des[i] = ds->hdes[ord[i]];
        x->des_off[x->des[i].entity + 1]++;
    }
    free(ord);
    prefix(x->sup_out, n);
    prefix(x->des_off, n);
    return 0;
}

int veu_history_index_part(veu_history_ix_t *x, const veu_dataset_t *ds, int part)
{
    return part == VEU_HIST_OWN ? index_own(x, ds) : index_sup_des(x, ds);
}

int veu_history_index(veu_history_ix_t *x, const veu_dataset_t *ds)
{
    memset(x, 0, sizeof(*x));
    for (int part = 0; part < VEU_HIST_PARTS; part++) {
        if (veu_history_index_part(x, ds, part) < 0) {
            veu_history_ix_destroy(x);
            return -ENOMEM;
        }
    }
    return 0;
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
