/* SPDX-License-Identifier: MIT */
/* cache.c: see cache.h. */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "veu/veu.h" /* veu_id_hash, as the id maps hash ids */

/* The first of the VEU_CACHE_WAYS slots where the id may be kept. */
static veu_cache_slot_t *set_of(veu_cache_t *c, uint64_t hash)
{
    if (!c->slot) {
        c->slot = calloc(VEU_CACHE_SLOTS, sizeof(*c->slot));
        if (!c->slot) {
            return NULL;
        }
    }
    return &c->slot[(hash >> 20) % (VEU_CACHE_SLOTS / VEU_CACHE_WAYS) * VEU_CACHE_WAYS];
}

/* Whether s may hold the result of an id of this hash and length in generation. */
static bool looks_like(const veu_cache_slot_t *s, uint64_t generation, uint64_t hash, size_t len)
{
    return s->hash == hash && s->generation == generation && s->buf && s->key_len == len;
}

/* The slot holding the id's result for generation, or NULL. */
static veu_cache_slot_t *hit(veu_cache_t *c, uint64_t generation, const char *id, size_t len)
{
    uint64_t h = veu_id_hash(id, len);
    veu_cache_slot_t *set = set_of(c, h);

    for (int w = 0; set && w < VEU_CACHE_WAYS; w++) {
        veu_cache_slot_t *s = &set[w];
        if (looks_like(s, generation, h, len) && !memcmp(s->buf + s->len, id, len)) {
            return s;
        }
    }
    return NULL;
}

const char *veu_cache_get(veu_cache_t *c, uint64_t generation, const char *id, size_t id_len,
                          uint32_t *ret_entity, size_t *ret_len)
{
    veu_cache_slot_t *s = hit(c, generation, id, id_len);

    if (s) {
        c->hits++;
        s->used = ++c->clock;
        *ret_entity = s->entity;
        *ret_len = s->len;
        return s->buf;
    }
    return NULL; /* the miss is counted when the answer rendered instead is offered */
}

uint64_t veu_cache_hint_set(veu_cache_t *c, const char *id, size_t id_len)
{
    uint64_t h = veu_id_hash(id, id_len);
    veu_cache_slot_t *set = set_of(c, h);
    if (set) {
        __builtin_prefetch(set); /* the ways of a set: 4 x 40 bytes, in one or two lines */
        __builtin_prefetch((const char *)(set + VEU_CACHE_WAYS) - 1);
    }
    return h;
}

bool veu_cache_hint_result(veu_cache_t *c, uint64_t generation, uint64_t hash, size_t id_len)
{
    veu_cache_slot_t *set = set_of(c, hash);

    for (int w = 0; set && w < VEU_CACHE_WAYS; w++) {
        const veu_cache_slot_t *s = &set[w];
        if (looks_like(s, generation, hash, id_len)) {
            /* the result, then the id after it, which the lookup compares first */
            for (size_t at = 0; at < (size_t)s->len + id_len; at += 64) {
                __builtin_prefetch(s->buf + at);
            }
            __builtin_prefetch(s->buf + s->len + id_len - 1);
            return true;
        }
    }
    return false;
}

void veu_cache_put(veu_cache_t *c, uint64_t generation, uint32_t entity, const char *id,
                   size_t id_len, const char *buf, size_t len)
{
    uint64_t h = veu_id_hash(id, id_len);
    veu_cache_slot_t *set = set_of(c, h), *s = NULL;

    c->misses++;
    if (!set || len > VEU_CACHE_MAX_ANSWER || id_len > VEU_CACHE_MAX_ANSWER) {
        return;
    }
    if (!c->seen && !(c->seen = calloc(VEU_CACHE_SEEN, sizeof(*c->seen)))) {
        return;
    }
    uint32_t *seen = &c->seen[(entity * 2246822519u) % VEU_CACHE_SEEN];
    if (*seen != entity + 1) {
        *seen = entity + 1; /* first time: remember, keep next time */
        return;
    }
    /* an empty or stale slot of the set, else the one used longest ago */
    for (int w = 0; w < VEU_CACHE_WAYS; w++) {
        veu_cache_slot_t *x = &set[w];
        if (!x->buf || x->generation != generation) {
            s = x;
            break;
        }
        if (!s || (uint32_t)(c->clock - x->used) > (uint32_t)(c->clock - s->used)) {
            s = x;
        }
    }
    size_t need = len + id_len;
    char *copy = s->buf && (size_t)s->len + s->key_len >= need ? s->buf : realloc(s->buf, need);
    if (!copy) {
        return;
    }
    memcpy(copy, buf, len);
    memcpy(copy + len, id, id_len);
    s->buf = copy;
    s->len = (uint32_t)len;
    s->key_len = (uint32_t)id_len;
    s->hash = h;
    s->generation = generation;
    s->entity = entity;
    s->used = ++c->clock;
}

void veu_cache_destroy(veu_cache_t *c)
{
    if (c->slot) {
        for (size_t i = 0; i < VEU_CACHE_SLOTS; i++) {
            free(c->slot[i].buf);
        }
    }
    free(c->slot);
    free(c->seen);
    c->slot = NULL;
    c->seen = NULL;
}
