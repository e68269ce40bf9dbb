/* SPDX-License-Identifier: MIT */
/*
 * nameindex.c: builds the name index.  Every name and alias becomes a key:
 * its distinct words (normalize.c) as word ids, and its "joined" word (the
 * words run together, so "Lock heed" and the syllables ICU makes of Chinese
 * meet their one-word spelling).  Each word lists the entities that use it;
 * each real word is listed under its trigrams, for spellings a letter or two
 * apart.  Words weigh ln(1 + entities / entities using it).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "names/nameindex.h"
#include "names/normalize.h"

struct vec {
    uint32_t *v;
    size_t n, cap;
};

static int push(struct vec *a, uint32_t x)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 1024;
        uint32_t *p = realloc(a->v, cap * sizeof(*p));
        if (!p) {
            return -ENOMEM;
        }
        a->v = p;
        a->cap = cap;
    }
    a->v[a->n++] = x;
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The id of word w, added when new; UINT32_MAX when out of memory. */
static uint32_t word_id(veu_nameindex_t *ix, struct vec *is_word, const char *w, int real)
{
    size_t len = strlen(w);
    uint32_t id = veu_idmap_find_raw(ix->wmap.slot, ix->wmap.mask, ix->wstr.buf, w, len);
    uint32_t off, prev;

    if (id == UINT32_MAX) {
        id = ix->n_words;
        if (veu_strpool_add(&ix->wstr, w, len, &off) < 0 ||
            veu_idmap_insert(&ix->wmap, &ix->wstr, off, id, &prev) < 0 ||
            push(is_word, (uint32_t)real) < 0) {
            return UINT32_MAX;
        }
        if (ix->n_words == ix->cap_words) {
            uint32_t cap = ix->cap_words ? ix->cap_words * 2 : 1024;
            void *p = realloc(ix->words, (size_t)cap * sizeof(*ix->words));
            if (!p) {
                return UINT32_MAX;
            }
            ix->words = p;
            ix->cap_words = cap;
        }
        ix->words[id] = (veu_snap_word_t){.str = off};
        ix->n_words++;
    } else if (real) {
        is_word->v[id] = 1;
    }
    return id;
}

/* Appends one key (a name or an alias, of at least one word) of an entity; 0 or -ENOMEM. */
static int add_key(veu_nameindex_t *ix, struct vec *keys, struct vec *is_word, const veu_words_t *w)
{
    uint32_t ids[VEU_NAME_WORDS], joined;

    for (int i = 0; i < w->n; i++) {
        if ((ids[i] = word_id(ix, is_word, w->w[i], 1)) == UINT32_MAX) {
            return -ENOMEM;
        }
    }
    joined = w->n_order == 1 ? ids[0] : word_id(ix, is_word, w->joined, 0);
    if (joined == UINT32_MAX) {
        return -ENOMEM;
    }
    qsort(ids, (size_t)w->n, sizeof(ids[0]), cmp_u32);
    /* the weight of its words is known once every key is in: set_weights() */
    if (push(keys, (uint32_t)w->n) < 0 || push(keys, joined) < 0 || push(keys, 0) < 0 ||
        push(keys, 0) < 0) {
        return -ENOMEM;
    }
    for (int i = 0; i < w->n; i++) {
        if (push(keys, ids[i]) < 0) {
            return -ENOMEM;
        }
    }
    return 0;
}

/* Walks the words (and joined words) of entity v's keys, calling fn once per distinct word. */
static void entity_words(const veu_nameindex_t *ix, uint32_t v, uint32_t *last,
                         void (*fn)(veu_nameindex_t *, uint32_t, uint32_t, void *), void *ctx)
{
    const uint32_t *k = ix->keys + ix->ent_keys[v];
    uint32_t nk = *k++;

    for (uint32_t i = 0; i < nk; i++) {
        uint32_t nw = k[0];
        for (uint32_t j = 0; j <= nw; j++) {
            uint32_t id = j ? k[VEU_KEY_WORDS + j - 1] : k[1];
            if (last[id] != v) {
                last[id] = v;
                fn((veu_nameindex_t *)ix, v, id, ctx);
            }
        }
        k += VEU_KEY_WORDS + nw;
    }
}

static void count_word(veu_nameindex_t *ix, uint32_t v, uint32_t id, void *ctx)
{
    (void)v;
    (void)ctx;
    ix->words[id].len++;
}

static float bound_weight(const veu_nameindex_t *ix, uint32_t v, uint32_t id);

/* One posting, with its bound weight worked out while v's keys are at hand. */
static void post_word(veu_nameindex_t *ix, uint32_t v, uint32_t id, void *ctx)
{
    uint32_t *fill = ctx, at = ix->words[id].off + fill[id]++;
    ix->post[at] = v;
    ix->postk[at] = ix->ent_keys[v];
    ix->postw[at] = bound_weight(ix, v, id);
}

/*
 * Each key's weight, the sum of its words' weights, in the key's order and
 * in double as search.c's score would add them: a search then reads one
 * line of KEYS per entity it scores, not one per word as well.
 */
static void set_weights(veu_nameindex_t *ix)
{
    for (size_t at = 0; at < ix->n_keys;) {
        /* entities' keys lie one after another: a count, then its keys */
        uint32_t nk = ix->keys[at++];
        for (uint32_t i = 0; i < nk; i++) {
            uint32_t *k = ix->keys + at, cnt = k[0];
            double sum = 0;
            for (uint32_t j = 0; j < cnt; j++) {
                sum += ix->words[k[VEU_KEY_WORDS + j]].weight;
            }
            memcpy(k + 2, &sum, sizeof(sum));
            at += VEU_KEY_WORDS + cnt;
        }
    }
}

/*
 * The least a key of entity v can weigh when scored for word id: 0 when one
 * of v's keys is that word alone or run together (search.c scores such a
 * key 1 for a query of that one word), else the lightest of v's keys.  A
 * key's score is 2 num / (the query's weight + the key's), so an entity
 * first seen in a list scores at most 2 R / (query + this) for the R its
 * list can still bring: search.c stops reading a list, kept in this order,
 * once that cannot beat the tenth match in hand.
 */
static float bound_weight(const veu_nameindex_t *ix, uint32_t v, uint32_t id)
{
    const uint32_t *k = ix->keys + ix->ent_keys[v];
    uint32_t nk = *k++;
    double least = INFINITY;

    for (uint32_t i = 0; i < nk; i++, k = veu_key_next(k)) {
        if (k[1] == id) {
            return 0;
        }
        least = fmin(least, veu_key_weight(k));
    }
    float f = (float)least;
    return (double)f > least ? nextafterf(f, 0) : f; /* never above a key: the bound stays one */
}

struct wposting {
    float w;
    uint32_t v, k;
};

static int by_bound(const void *a, const void *b)
{
    const struct wposting *x = a, *y = b;
    if (x->w != y->w) {
        return x->w < y->w ? -1 : 1;
    }
    return (x->v > y->v) - (x->v < y->v);
}

/* Each word's postings (in entity order) put in bound-weight order, then entity. */
static int order_postings(veu_nameindex_t *ix)
{
    uint32_t longest = 0;

    for (uint32_t i = 0; i < ix->n_words; i++) {
        longest = ix->words[i].len > longest ? ix->words[i].len : longest;
    }
    struct wposting *t = malloc((longest ? longest : 1) * sizeof(*t));
    if (!t) {
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < ix->n_words; i++) {
        uint32_t off = ix->words[i].off, len = ix->words[i].len, j = 1;
        while (j < len && ix->postw[off + j - 1] <= ix->postw[off + j]) {
            j++;
        }
        if (j >= len) {
            continue; /* in order already: one posting, or entities in weight order */
        }
        for (j = 0; j < len; j++) {
            t[j] = (struct wposting){ix->postw[off + j], ix->post[off + j], ix->postk[off + j]};
        }
        qsort(t, len, sizeof(*t), by_bound);
        for (j = 0; j < len; j++) {
            ix->post[off + j] = t[j].v;
            ix->postk[off + j] = t[j].k;
            ix->postw[off + j] = t[j].w;
        }
    }
    free(t);
    return 0;
}

static int build_postings(veu_nameindex_t *ix, uint32_t n)
{
    uint32_t *last = malloc((ix->n_words ? ix->n_words : 1) * sizeof(*last));
    uint32_t *fill = calloc(ix->n_words ? ix->n_words : 1, sizeof(*fill));
    size_t total = 0;

    if (!last || !fill) {
        free(last);
        free(fill);
        return -ENOMEM;
    }
    memset(last, 0xff, ix->n_words * sizeof(*last));
    for (uint32_t v = 0; v < n; v++) {
        entity_words(ix, v, last, count_word, NULL);
    }
    for (uint32_t i = 0; i < ix->n_words; i++) {
        ix->words[i].off = (uint32_t)total;
        total += ix->words[i].len;
        ix->words[i].weight = (float)log1p((double)n / (double)ix->words[i].len);
    }
    ix->n_post = total;
    ix->post = malloc((total ? total : 1) * sizeof(*ix->post));
    ix->postk = malloc((total ? total : 1) * sizeof(*ix->postk));
    ix->postw = malloc((total ? total : 1) * sizeof(*ix->postw));
    if (!ix->post || !ix->postk || !ix->postw || total > UINT32_MAX) {
        free(last);
        free(fill);
        return -ENOMEM;
    }
    set_weights(ix); /* the keys' weights, which the postings' bounds read */
    memset(last, 0xff, ix->n_words * sizeof(*last));
    for (uint32_t v = 0; v < n; v++) {
        entity_words(ix, v, last, post_word, fill);
    }
    free(last);
    free(fill);
    return order_postings(ix);
}

static int build_grams(veu_nameindex_t *ix, const struct vec *is_word)
{
    struct {
        uint64_t *v;
        size_t n, cap;
    } pairs = {0};
    uint32_t g[VEU_NAME_WORD_LEN + 2];

    for (uint32_t id = 0; id < ix->n_words; id++) {
        if (!is_word->v[id]) {
            continue;
        }
        size_t ng = veu_word_grams(ix->wstr.buf + ix->words[id].str, g, sizeof(g) / sizeof(g[0]));
        if (pairs.n + ng > pairs.cap) {
            size_t cap = pairs.cap ? pairs.cap * 2 : 4096;
            while (cap < pairs.n + ng) {
                cap *= 2;
            }
            uint64_t *p = realloc(pairs.v, cap * sizeof(*p));
            if (!p) {
                free(pairs.v);
                return -ENOMEM;
            }
            pairs.v = p;
            pairs.cap = cap;
        }
        for (size_t i = 0; i < ng; i++) {
            pairs.v[pairs.n++] = (uint64_t)g[i] << 32 | id;
        }
    }
    if (pairs.n > 1) {
        qsort(pairs.v, pairs.n, sizeof(*pairs.v), cmp_u64);
    }
    ix->gramw = malloc((pairs.n ? pairs.n : 1) * sizeof(*ix->gramw));
    ix->grams = malloc((pairs.n ? pairs.n : 1) * sizeof(*ix->grams));
    if (!ix->gramw || !ix->grams) {
        free(pairs.v);
        return -ENOMEM;
    }
    for (size_t i = 0; i < pairs.n; i++) {
        uint32_t gram = (uint32_t)(pairs.v[i] >> 32);
        if (ix->n_grams == 0 || ix->grams[ix->n_grams - 1].gram != gram) {
            ix->grams[ix->n_grams++] = (veu_snap_gram_t){gram, (uint32_t)i, 0};
        }
        ix->grams[ix->n_grams - 1].len++;
        ix->gramw[i] = (uint32_t)pairs.v[i];
    }
    ix->n_gramw = pairs.n;
    free(pairs.v);
    return 0;
}

/*
 * The words of KEY_BATCH entities' keys, worked out before any is looked
 * up: the slots of their words in the word map are asked for meanwhile, then
 * the strings those slots name, so that the lookups, in the same order as
 * one entity at a time, wait for memory far less (at 10M words a lookup
 * misses the cache twice).
 */
#define KEY_BATCH 8

struct batch {
    veu_words_t *w; /* the non-empty keys of the batch's entities, in order */
    size_t n, cap;
    uint32_t nk[KEY_BATCH]; /* keys of each entity */
};

static void ask_word(const veu_nameindex_t *ix, const char *w, int stage)
{
    uint64_t h = veu_id_hash(w, strlen(w));
    if (stage == 0) {
        __builtin_prefetch(&ix->wmap.slot[h & ix->wmap.mask]);
    } else {
        veu_idmap_prefetch_keys(ix->wmap.slot, ix->wmap.mask, ix->wstr.buf, h);
    }
}

static int batch_words(const veu_nameindex_t *ix, const veu_dataset_t *ds, uint32_t v0, uint32_t v1,
                       struct batch *bt)
{
    bt->n = 0;
    for (uint32_t v = v0; v < v1; v++) {
        const veu_entity_row_t *e = &ds->ent[v];
        const char *s = veu_str(&ds->pool, e->name), *al = veu_str(&ds->pool, e->aliases);
        size_t len = strlen(s);
        uint32_t nk = 0;
        for (int first = 1; first || (*al && nk < VEU_NAME_KEYS_MAX); first = 0) {
            if (!first) {
                const char *end = strchr(al, '|');
                s = al;
                len = end ? (size_t)(end - al) : strlen(al);
                al += len + (end ? 1 : 0);
            }
            if (veu_grow((void **)&bt->w, &bt->cap, bt->n, sizeof(*bt->w)) < 0) {
                return -ENOMEM;
            }
            veu_name_words(s, len, &bt->w[bt->n]);
            if (bt->w[bt->n].n > 0) { /* an empty key is no key */
                bt->n++;
                nk++;
            }
        }
        bt->nk[v - v0] = nk;
    }
    for (int stage = 0; stage < 2; stage++) {
        for (size_t k = 0; k < bt->n; k++) {
            for (int i = 0; i < bt->w[k].n; i++) {
                ask_word(ix, bt->w[k].w[i], stage);
            }
            if (bt->w[k].n_order > 1) {
                ask_word(ix, bt->w[k].joined, stage);
            }
        }
    }
    return 0;
}

int veu_nameindex_build(veu_nameindex_t *ix, const veu_dataset_t *ds)
{
    struct vec keys = {0}, is_word = {0};
    struct batch bt = {0};
    int rc;

    memset(ix, 0, sizeof(*ix));
    if ((rc = veu_strpool_init(&ix->wstr)) < 0 || (rc = veu_idmap_init(&ix->wmap)) < 0) {
        goto fail;
    }
    ix->ent_keys = malloc((ds->n ? ds->n : 1) * sizeof(*ix->ent_keys));
    if (!ix->ent_keys) {
        rc = -ENOMEM;
        goto fail;
    }
    for (uint32_t v0 = 0; v0 < ds->n; v0 += KEY_BATCH) {
        uint32_t v1 = ds->n - v0 < KEY_BATCH ? ds->n : v0 + KEY_BATCH;
        if ((rc = batch_words(ix, ds, v0, v1, &bt)) < 0) {
            goto fail;
        }
        for (uint32_t v = v0, k = 0; v < v1; v++) {
            size_t at = keys.n;
            ix->ent_keys[v] = (uint32_t)at;
            if ((rc = push(&keys, bt.nk[v - v0])) < 0) {
                goto fail;
            }
            for (uint32_t i = 0; i < bt.nk[v - v0]; i++, k++) {
                if ((rc = add_key(ix, &keys, &is_word, &bt.w[k])) < 0) {
                    goto fail;
                }
            }
            if (keys.n > UINT32_MAX) {
                rc = -ENOMEM;
                goto fail;
            }
        }
    }
    free(bt.w);
    bt.w = NULL;
    ix->keys = keys.v;
    ix->n_keys = keys.n;
    keys.v = NULL;
    if ((rc = build_postings(ix, ds->n)) < 0 || (rc = build_grams(ix, &is_word)) < 0) {
        goto fail;
    }
    free(is_word.v);
    return 0;
fail:
    free(bt.w);
    free(keys.v);
    free(is_word.v);
    veu_nameindex_destroy(ix);
    return rc < 0 ? rc : -ENOMEM;
}

int veu_nameindex_empty(veu_nameindex_t *ix, uint32_t n)
{
    int rc;

    memset(ix, 0, sizeof(*ix));
    if ((rc = veu_strpool_init(&ix->wstr)) < 0 || (rc = veu_idmap_init(&ix->wmap)) < 0) {
        veu_nameindex_destroy(ix);
        return rc;
    }
    ix->keys = calloc(1, sizeof(*ix->keys)); /* one count of no key, for every entity */
    ix->n_keys = 1;
    ix->ent_keys = calloc(n ? n : 1, sizeof(*ix->ent_keys));
    if (!ix->keys || !ix->ent_keys) {
        veu_nameindex_destroy(ix);
        return -ENOMEM;
    }
    return 0;
}

void veu_nameindex_destroy(veu_nameindex_t *ix)
{
    veu_strpool_destroy(&ix->wstr);
    veu_idmap_destroy(&ix->wmap);
    free(ix->words);
    free(ix->post);
    free(ix->postk);
    free(ix->postw);
    free(ix->keys);
    free(ix->ent_keys);
    free(ix->grams);
    free(ix->gramw);
    memset(ix, 0, sizeof(*ix));
}
