/* SPDX-License-Identifier: MIT */
/*
 * cache.h: rendered `risk` results of the generation being served, for the
 * buyers screened again and again.  A snapshot never changes, so a cached
 * result is exactly what rendering would give; the cache is keyed by
 * generation and empties itself when a new one is swapped in.
 * Direct-mapped, bounded: VEU_CACHE_SLOTS results of at most
 * VEU_CACHE_MAX_ANSWER bytes each.
 */
#ifndef VEU_DAEMON_CACHE_H
#define VEU_DAEMON_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VEU_CACHE_SLOTS      16384
#define VEU_CACHE_MAX_ANSWER 4096 /* larger results are rendered each time */

typedef struct veu_cache_slot {
    uint64_t generation; /* 0: empty */
    uint32_t entity;
    uint32_t len;
    char *buf;
} veu_cache_slot_t;

typedef struct veu_cache {
    veu_cache_slot_t *slot; /* VEU_CACHE_SLOTS, allocated on first use */
    uint64_t hits, misses;
} veu_cache_t;

/* The cached result for entity in generation, or NULL (sets *ret_len). */
const char *veu_cache_get(veu_cache_t *c, uint64_t generation, uint32_t entity, size_t *ret_len);

/* Whether the entity's answer is cached, without counting a hit or a miss. */
bool veu_cache_has(veu_cache_t *c, uint64_t generation, uint32_t entity);

/* Keeps a copy of a result (silently not, when too big or out of memory). */
void veu_cache_put(veu_cache_t *c, uint64_t generation, uint32_t entity, const char *buf,
                   size_t len);

void veu_cache_destroy(veu_cache_t *c);

#endif
