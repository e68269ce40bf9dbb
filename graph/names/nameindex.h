/* SPDX-License-Identifier: MIT */
/*
 * nameindex.h: the name index the builder writes into the snapshot (the
 * layout is snapfmt.h's WSTR .. GRAMW sections) and names.c searches.
 */
#ifndef VEU_GRAPH_NAMEINDEX_H
#define VEU_GRAPH_NAMEINDEX_H

#include "engine/graph.h"
#include "format/snapfmt.h"
#include "base/strpool.h"

#define VEU_NAME_KEYS_MAX 64 /* the name and up to 63 aliases are indexed */

typedef struct veu_nameindex {
    veu_strpool_t wstr;
    veu_idmap_t wmap;
    veu_snap_word_t *words;
    uint32_t n_words, cap_words;
    uint32_t *post;
    uint32_t *postk; /* beside each posting, its entity's offset in keys */
    float *postw;    /* beside each posting, its bound weight: lists are in its order */
    size_t n_post;
    uint32_t *keys; /* the KEYS stream */
    size_t n_keys;
    uint32_t *ent_keys; /* per entity: its offset in keys */
    veu_snap_gram_t *grams;
    uint32_t n_grams;
    uint32_t *gramw;
    size_t n_gramw;
} veu_nameindex_t;

/* Builds the index of every entity's name and aliases.  0 or -ENOMEM. */
int veu_nameindex_build(veu_nameindex_t *ix, const veu_dataset_t *ds);
/* An index of no word for n entities (each with no key).  0 or -ENOMEM. */
int veu_nameindex_empty(veu_nameindex_t *ix, uint32_t n);
void veu_nameindex_destroy(veu_nameindex_t *ix);

#endif
