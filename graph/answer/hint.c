/* SPDX-License-Identifier: MIT */
/*
 * hint.c: prefetching the memory a batch of answers will read.
 *
 * One `risk` answer is a chain of dependent loads: the id's slot in the id
 * map, the id string it points to, the entity record, its name, then its
 * evidence hop by hop (an edge, the entity at its far end, that entity's
 * id and its own predecessor edge).  At 10M entities each is a cache miss,
 * often a TLB miss too, into a mapping of gigabytes, and one answer waits
 * for them one after another.  The answers of different clients do not
 * depend on each other, so the server takes the requests that arrived
 * together and walks them in rounds: each round reads what the previous
 * one prefetched and prefetches the next step, for every request of the
 * batch before the next round, so the misses of a batch overlap.
 *
 * A hint is a handful of items, each a load in flight and what to do with
 * it.  The walk follows what answer.c will read first (the first path of
 * each reason, the first few owners, holdings and suppliers), bounded in
 * items and rounds.  Hints only touch memory: a wrong guess (an unknown
 * id, a name) wastes a load, and every index is checked before use.
 */
#include "snapshot/snapshot_int.h"
#include "base/strpool.h"

#define PF(p) __builtin_prefetch((p), 0, 3)

#define FAN 2 /* owners, holdings or customers followed from the buyer */

enum {
    K_SLOT = 1,   /* a: the id map slot */
    K_PROBE,      /* a: the slot whose key (and the next slot's) is loading */
    K_BUYER,      /* a: the entity asked about */
    K_UP,         /* a: an entity on a chain towards a seed: its id, its predecessor */
    K_DOWN,       /* a: an entity on a holding chain: its id, its next holding */
    K_OWNER,      /* a: an ownership edge: the entity it comes from (K_UP) */
    K_HELD,       /* a: an ownership edge: the entity it goes to (K_DOWN) */
    K_NODE,       /* a: an entity on a supply chain: its id */
    K_OUT,        /* a: an entity whose holdings' offsets are loading */
    K_IN,         /* a: an entity whose owners' offsets are loading */
    K_IN_E,       /* a: the first of the buyer's in-edge indices */
    K_SUP,        /* a: an entity whose supply labels are loading */
    K_SUP_E,      /* a: a supply edge on a labelled chain (with VEU_ORIGIN: its last) */
    K_SUP_OUT,    /* a: an entity whose supply offsets are loading */
    K_SUP_O,      /* a: the first of the buyer's supply edges */
    K_GROUP,      /* a: a buyer whose group labels (DN) are loading */
    K_GROUP_SEED, /* a: a seed buyer whose group labels (DS) are loading */
};

#define ITEM(k, a)   (((uint64_t)(k) << 32) | (uint32_t)(a))
#define ITEM_KIND(x) ((unsigned)((x) >> 32))
#define ITEM_A(x)    ((uint32_t)(x))

typedef struct next {
    uint64_t item[VEU_HINT_ITEMS];
    uint32_t n;
} next_t;

static void add(next_t *nx, unsigned kind, uint32_t a, const void *load)
{
    if (nx->n < VEU_HINT_ITEMS) {
        PF(load);
        nx->item[nx->n++] = ITEM(kind, a);
    }
}

static void add_ent(const veu_snapshot_t *s, next_t *nx, unsigned kind, uint32_t v)
{
    if (v < s->n) {
        add(nx, kind, v, &s->ent[v]);
    }
}

static void add_edge(const veu_snapshot_t *s, next_t *nx, unsigned kind, uint32_t e)
{
    if (e < s->n_own) {
        add(nx, kind, e, &s->own[e]);
    }
}

static void pf_str(const veu_snapshot_t *s, uint32_t off)
{
    if (off < s->str_len) {
        PF(s->str + off);
    }
}

void veu_snapshot_hint_id(const veu_snapshot_t *s, const char *id, size_t len,
                          veu_snapshot_hint_t *h)
{
    h->n = 0;
    h->id = id;
    h->id_len = len;
    h->idx = VEU_SNAP_NONE;
    if (s && s->n) {
        uint64_t slot = veu_id_hash(id, len) & s->h->idmap_mask;
        PF(&s->idmap[slot]);
        h->item[h->n++] = ITEM(K_SLOT, slot);
    }
}

static void buyer(const veu_snapshot_t *s, uint32_t v, next_t *nx)
{
    const veu_snap_entity_t *e = &s->ent[v];
    uint32_t r = e->reasons;

    pf_str(s, e->name);
    pf_str(s, e->country);
    pf_str(s, e->sector);
    if (r & VEU_R_DEFENSE_CONTROLLED) {
        add_edge(s, nx, K_OWNER, e->ctrl_pred);
    }
    if (r & VEU_R_MINORITY_STAKE) {
        add_edge(s, nx, K_OWNER, e->share_pred);
    }
    if (r & (VEU_R_DEFENSE_CONTROLLED | VEU_R_MINORITY_STAKE)) {
        add(nx, K_IN, v, &s->own_in[v]);
    }
    if (r & VEU_R_HOLDING) {
        add_edge(s, nx, K_HELD, e->hold_next);
        add(nx, K_OUT, v, &s->own_out[v]);
    }
    if (r & VEU_R_SUPPLY_TIE) {
        add(nx, K_SUP, v, &s->sup_lab[(size_t)v * 2]);
        PF(&s->sup_next[(size_t)v * 2]);
        add(nx, K_SUP_OUT, v, &s->sup_out[v]);
    }
    if (r & VEU_R_GROUP_TIE) {
        int seed = e->flags & VEU_SF_SEED;
        PF(seed ? &s->ds_lab[(size_t)v * 2] : &s->dn_lab[(size_t)v * 2]);
        add(nx, seed ? K_GROUP_SEED : K_GROUP, v,
            seed ? &s->ds_pred[(size_t)v * 2] : &s->dn_pred[(size_t)v * 2]);
    }
}

/* Whether the id map slot i holds the id (its key string loaded by now). */
static bool slot_is(const veu_snapshot_t *s, uint64_t i, const veu_snapshot_hint_t *h)
{
    const veu_idslot_t *slot = &s->idmap[i];
    return slot->idx < s->n && slot->key < s->str_len && s->str_len - slot->key > h->id_len &&
           !memcmp(s->str + slot->key, h->id, h->id_len) && s->str[slot->key + h->id_len] == '\0';
}

static void pf_entity(const veu_snapshot_t *s, uint32_t v)
{
    PF(&s->ent[v]); /* one line (snapfmt.h) */
}

static void step(const veu_snapshot_t *s, veu_snapshot_hint_t *h, uint64_t it, next_t *nx)
{
    uint32_t a = ITEM_A(it);

    switch (ITEM_KIND(it)) {
    case K_SLOT: {
        /* the keys of this slot and the next (linear probing), and the likely entity */
        uint64_t mask = s->h->idmap_mask;
        const veu_idslot_t *slot = &s->idmap[a], *next = &s->idmap[(a + 1) & mask];
        if (slot->idx < s->n && slot->key < s->str_len) {
            PF(s->str + slot->key);
            pf_entity(s, slot->idx);
            if (next->idx < s->n && next->key < s->str_len) {
                PF(s->str + next->key);
            }
            add(nx, K_PROBE, a, &s->idmap[a]);
        }
        break;
    }
    case K_PROBE: {
        uint64_t mask = s->h->idmap_mask;
        for (uint64_t i = a, k = 0; k < 2; k++, i = (i + 1) & mask) {
            if (slot_is(s, i, h)) {
                h->idx = s->idmap[i].idx;
                add_ent(s, nx, K_BUYER, h->idx);
                if (k) {
                    pf_entity(s, s->idmap[i].idx);
                }
                break;
            }
        }
        break;
    }
    case K_BUYER:
        buyer(s, a, nx);
        break;
    case K_UP: {
        const veu_snap_entity_t *e = &s->ent[a];
        pf_str(s, e->id);
        add_edge(s, nx, K_OWNER, (e->flags & VEU_SF_CONTROLLED) ? e->ctrl_pred : e->share_pred);
        break;
    }
    case K_DOWN:
        pf_str(s, s->ent[a].id);
        add_edge(s, nx, K_HELD, s->ent[a].hold_next);
        break;
    case K_OWNER:
        add_ent(s, nx, K_UP, s->own[a].from);
        break;
    case K_HELD:
        add_ent(s, nx, K_DOWN, s->own[a].to);
        break;
    case K_IN:
        if (s->own_in[a] < s->own_in[a + 1] && s->own_in[a] < s->n_own) {
            add(nx, K_IN_E, s->own_in[a], &s->own_in_e[s->own_in[a]]);
        }
        break;
    case K_IN_E:
        for (uint32_t i = a; i < a + FAN && i < s->n_own; i++) {
            add_edge(s, nx, K_OWNER, s->own_in_e[i]);
        }
        break;
    case K_SUP:
        for (int k = 0; k < 2; k++) {
            uint32_t e = s->sup_next[(size_t)a * 2 + k];
            if (e != VEU_NONE && VEU_EDGE(e) < s->n_sup) {
                add(nx, K_SUP_E, e, &s->sup[VEU_EDGE(e)]);
            }
        }
        break;
    case K_SUP_E: {
        uint32_t to = s->sup[VEU_EDGE(a)].to;
        if (to < s->n) {
            add_ent(s, nx, K_NODE, to);
            if (!(a & VEU_ORIGIN)) {
                add(nx, K_SUP, to, &s->sup_lab[(size_t)to * 2]);
                PF(&s->sup_next[(size_t)to * 2]);
            }
        }
        break;
    }
    case K_NODE:
        pf_str(s, s->ent[a].id);
        break;
    case K_OUT:
        for (uint32_t i = s->own_out[a];
             i < s->own_out[a + 1] && i < s->own_out[a] + FAN && i < s->n_own; i++) {
            add(nx, K_HELD, i, &s->own[i]);
        }
        break;
    case K_GROUP:
    case K_GROUP_SEED: {
        const uint32_t *via = ITEM_KIND(it) == K_GROUP ? s->dn_pred : s->ds_pred;
        for (int k = 0; k < 2; k++) {
            uint32_t e = via[(size_t)a * 2 + k];
            if (e != VEU_NONE) {
                add_edge(s, nx, K_OWNER, VEU_EDGE(e));
            }
        }
        break;
    }
    case K_SUP_OUT:
        if (s->sup_out[a] < s->sup_out[a + 1] && s->sup_out[a] < s->n_sup) {
            add(nx, K_SUP_O, s->sup_out[a], &s->sup[s->sup_out[a]]);
        }
        break;
    case K_SUP_O:
        for (uint32_t i = a; i < a + FAN && i < s->n_sup; i++) {
            add_ent(s, nx, K_NODE, s->sup[i].to);
        }
        break;
    }
}

bool veu_snapshot_hint_step(const veu_snapshot_t *s, veu_snapshot_hint_t *h)
{
    next_t nx = {.n = 0};

    for (uint32_t i = 0; i < h->n; i++) {
        step(s, h, h->item[i], &nx);
    }
    memcpy(h->item, nx.item, nx.n * sizeof(nx.item[0]));
    h->n = nx.n;
    return h->n > 0;
}
