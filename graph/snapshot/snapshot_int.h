/* SPDX-License-Identifier: MIT */
/* snapshot_int.h: the mapped snapshot, as snapshot_read.c and answer.c see it. */
#ifndef VEU_GRAPH_SNAPSHOT_INT_H
#define VEU_GRAPH_SNAPSHOT_INT_H

#include <string.h>

#include "base/strpool.h"
#include "format/snapfmt.h"
#include "veu/snapshot.h"

struct veu_snapshot {
    void *map;
    size_t size;
    const veu_snap_header_t *h;
    uint32_t n, n_own, n_sup;
    const char *str;
    size_t str_len;
    const veu_snap_entity_t *ent;
    const veu_snap_entx_t *entx;
    const veu_idslot_t *idmap;
    const veu_oedge_t *own;
    const uint32_t *own_out, *own_in, *own_in_e;
    const veu_sedge_t *sup;
    const uint32_t *sup_out, *sup_in, *sup_in_e;
    const uint32_t *sup_lab, *sup_next, *up_lab, *up_next, *dn_lab, *dn_pred, *ds_lab, *ds_pred;
    const veu_snap_problem_t *problems;
    const char *policy_json;
    const char *lists_json;
    /* the name index */
    const char *wstr;
    size_t wstr_len;
    const veu_idslot_t *wmap;
    uint64_t wmap_mask;
    const veu_snap_word_t *words;
    uint32_t n_words;
    const uint32_t *post;
    const uint32_t *postk; /* beside each posting, its entity's offset in keys */
    const float *postw;    /* beside each posting, its bound weight (nameindex.c) */
    size_t n_post;
    const uint32_t *keys;
    size_t n_keys;
    const veu_snap_gram_t *grams;
    uint32_t n_grams;
    const uint32_t *gramw;
    size_t n_gramw;
    const veu_snap_upper_t *upper; /* sorted by entity */
    uint32_t n_upper;
    /* the history (history.c), when h->history */
    const veu_hown_t *hown;
    const uint32_t *hown_in, *hown_out_e, *hown_out;
    const veu_hsup_t *hsup;
    const uint32_t *hsup_out;
    const veu_hdes_t *hdes;
    const uint32_t *hdes_off;
    int fd; /* kept open: a builder answering for another day maps the same file */
    veu_snapshot_info_t info;
};

/* Tests: search scores every posting, with no bound and no cap (search.c). */
extern int veu_search_exhaustive;

/*
 * Binary search over n records of size bytes, sorted by the uint32_t key
 * each starts with (UPPER's entity, GRAMS' trigram): the record, or NULL.
 */
static inline const void *snap_find_key(const void *base, uint32_t n, size_t size, uint32_t key)
{
    const char *p = base;
    uint32_t lo = 0, hi = n, k;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        memcpy(&k, p + (size_t)mid * size, sizeof(k));
        if (k < key) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < n) {
        memcpy(&k, p + (size_t)lo * size, sizeof(k));
        if (k == key) {
            return p + (size_t)lo * size;
        }
    }
    return NULL;
}

/* The UPPER record of entity v, or NULL. */
static inline const veu_snap_upper_t *snap_upper(const veu_snapshot_t *s, uint32_t v)
{
    return snap_find_key(s->upper, s->n_upper, sizeof(*s->upper), v);
}

static inline const char *snap_str(const veu_snapshot_t *s, uint32_t off)
{
    return s->str + off;
}

/* Appends one hop, {"from", "to", "rel", "percent"?, "product"?}, of edge e. */
void veu_snap_hop_json(const veu_snapshot_t *s, veu_jbuf_t *o, uint32_t e, int supply,
                       veu_nodeset_t *nodes);

/* Adds v to the set unless it is there (or the set is full: counted). */
void veu_nodeset_add(veu_nodeset_t *set, uint32_t v);

#endif
