/* SPDX-License-Identifier: MIT */
/* cache.c: see cache.h. */
#include <stdlib.h>
#include <string.h>

#include "cache.h"

static veu_cache_slot_t *slot_of(veu_cache_t *c, uint32_t entity)
{
    if (!c->slot) {
        c->slot = calloc(VEU_CACHE_SLOTS, sizeof(*c->slot));
        if (!c->slot) {
            return NULL;
        }
    }
    return &c->slot[(entity * 2654435761u) % VEU_CACHE_SLOTS];
}

/* The entity's slot, if it holds the entity's result for generation. */
static veu_cache_slot_t *hit(veu_cache_t *c, uint64_t generation, uint32_t entity)
{
    veu_cache_slot_t *s = slot_of(c, entity);
    return s && s->generation == generation && s->entity == entity && s->buf ? s : NULL;
}

const char *veu_cache_get(veu_cache_t *c, uint64_t generation, uint32_t entity, size_t *ret_len)
{
    veu_cache_slot_t *s = hit(c, generation, entity);

    if (s) {
        c->hits++;
        *ret_len = s->len;
        return s->buf;
    }
    c->misses++;
    return NULL;
}

bool veu_cache_has(veu_cache_t *c, uint64_t generation, uint32_t entity)
{
    return hit(c, generation, entity) != NULL;
}

void veu_cache_put(veu_cache_t *c, uint64_t generation, uint32_t entity, const char *buf,
                   size_t len)
{
    veu_cache_slot_t *s = slot_of(c, entity);

    if (!s || len > VEU_CACHE_MAX_ANSWER) {
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
    char *copy = s->buf && s->len >= len ? s->buf : realloc(s->buf, len);
    if (!copy) {
        return;
    }
    memcpy(copy, buf, len);
    s->buf = copy;
    s->len = (uint32_t)len;
    s->generation = generation;
    s->entity = entity;
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
