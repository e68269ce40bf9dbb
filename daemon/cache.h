/* SPDX-License-Identifier: MIT */
/*
 * cache.h: rendered `risk` results of the generation being served, for the
 * buyers screened again and again.  A snapshot never changes, so a cached
 * result is exactly what rendering would give; the cache is keyed by
 * buyer id and generation, and empties itself when a new one is swapped in.
 * Set-associative, bounded: VEU_CACHE_SLOTS results of at most
 * VEU_CACHE_MAX_ANSWER bytes each.  A result is kept from its buyer's
 * second request on (a doorkeeper of VEU_CACHE_SEEN entities asked once):
 * a stream of buyers each asked once, a registry being screened through,
 * would otherwise copy every answer into the cache and evict the buyers
 * that are asked again and again.
 */
#ifndef VEU_DAEMON_CACHE_H
#define VEU_DAEMON_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VEU_CACHE_SLOTS      16384
#define VEU_CACHE_MAX_ANSWER 4096 /* larger results are rendered each time */
#define VEU_CACHE_SEEN       65536

#define VEU_CACHE_WAYS 4 /* slots an id may take: the least recently used of them goes */

typedef struct veu_cache_slot {
    uint64_t generation; /* 0: empty */
    uint64_t hash;       /* of the buyer's id */
    uint32_t entity;
    uint32_t len;     /* of the result; the buyer's id follows it in buf */
    uint32_t key_len; /* of the id */
    uint32_t used;    /* the cache's clock when last put or hit */
    char *buf;
} veu_cache_slot_t;

typedef struct veu_cache {
    veu_cache_slot_t *slot; /* VEU_CACHE_SLOTS, allocated on first use */
    uint32_t *seen;         /* VEU_CACHE_SEEN entities + 1, asked once, not yet kept */
    uint32_t clock;
    uint64_t hits, misses; /* answers given from the cache, and rendered for it */
} veu_cache_t;

/*
 * The cached result for the buyer with this id in generation, or NULL; sets
 * *ret_entity and *ret_len.  Keyed by the id as asked, so that a buyer asked
 * again is answered without reading the graph at all, not even its id map.
 */
const char *veu_cache_get(veu_cache_t *c, uint64_t generation, const char *id, size_t id_len,
                          uint32_t *ret_entity, size_t *ret_len);

/*
 * Prefetch hints for a batch of requests (conn.c), in two stages so that
 * the loads of many requests are in flight together: veu_cache_hint_set
 * asks for the set where the id's result may be and returns the id's hash;
 * veu_cache_hint_result then says whether that set seems to hold it (the
 * hash, the generation and the id's length match; the id itself is
 * compared when the result is read) and asks for the result's bytes.
 * Neither counts a hit or a miss, nor changes what is kept.
 */
uint64_t veu_cache_hint_set(veu_cache_t *c, const char *id, size_t id_len);
bool veu_cache_hint_result(veu_cache_t *c, uint64_t generation, uint64_t hash, size_t id_len);

/*
 * Keeps a copy of a result, under its buyer's id, if the buyer was asked
 * before (silently not, when too big or out of memory).  Counts a miss: a
 * result rendered because the cache did not hold it, so that a request
 * looked up twice (by the name asked, then by its id) counts once.
 */
void veu_cache_put(veu_cache_t *c, uint64_t generation, uint32_t entity, const char *id,
                   size_t id_len, const char *buf, size_t len);

void veu_cache_destroy(veu_cache_t *c);

#endif
