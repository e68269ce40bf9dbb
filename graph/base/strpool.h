/* SPDX-License-Identifier: MIT */
/*
 * strpool.h: an append-only pool of NUL-terminated strings named by 32-bit
 * offsets, and an open-addressing map from id strings to dense indices.
 * The same layout is written into snapshots, so the server looks ids up in
 * the mapped file with the same code (veu_idmap_find_raw).
 */
#ifndef VEU_GRAPH_STRPOOL_H
#define VEU_GRAPH_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "veu/veu.h" /* veu_id_hash */

typedef struct veu_strpool {
    char *buf;
    size_t len, cap;
} veu_strpool_t;

/* Grows an array of size-byte items (*cap of them) to hold n + 1; 0 or -ENOMEM. */
int veu_grow(void **arr, size_t *cap, size_t n, size_t size);

/*
 * Asks for 2 MiB pages under an array of len bytes at p not touched yet, where
 * the kernel gives them only when asked (transparent huge pages "madvise"):
 * the builder's large arrays are read at random, and at 10M entities their
 * 4 KiB pages miss the TLB on most reads.  Arrays under 32 MiB are left as
 * they are.  Only a hint: nothing changes but the speed.
 */
void veu_huge(void *p, size_t len);

int veu_strpool_init(veu_strpool_t *p);
void veu_strpool_destroy(veu_strpool_t *p);
/* Appends s[0..len) and a NUL; returns 0 and the offset, or a negative code. */
int veu_strpool_add(veu_strpool_t *p, const char *s, size_t len, uint32_t *ret_off);
static inline const char *veu_str(const veu_strpool_t *p, uint32_t off)
{
    return p->buf + off;
}

/* One slot of the id map: the entity index and its id's pool offset (8 bytes). */
typedef struct veu_idslot {
    uint32_t idx; /* UINT32_MAX: empty */
    uint32_t key; /* pool offset of the id: compared without touching the entity */
} veu_idslot_t;

typedef struct veu_idmap {
    veu_idslot_t *slot;
    uint64_t mask; /* slots - 1, slots a power of two */
    uint32_t count;
} veu_idmap_t;

int veu_idmap_init(veu_idmap_t *m);
/* The same, with room for n ids before the table first grows (and rehashes every key). */
int veu_idmap_init_for(veu_idmap_t *m, size_t n);
void veu_idmap_destroy(veu_idmap_t *m);

/*
 * Inserts index idx for the id at pool offset key.  Returns 0, or -EEXIST
 * with *ret_prev set when the id is present already.
 */
int veu_idmap_insert(veu_idmap_t *m, const veu_strpool_t *p, uint32_t key, uint32_t idx,
                     uint32_t *ret_prev);

/*
 * Asks the cache for the id strings a lookup of hash will compare: the keys
 * of the slots from hash's slot up to the first empty one, 4 at most.  The
 * slots themselves must have been asked for earlier (__builtin_prefetch of
 * &slot[hash & mask]), or this waits for them.  Only a hint.
 */
void veu_idmap_prefetch_keys(const veu_idslot_t *slot, uint64_t mask, const char *pool,
                             uint64_t hash);

/*
 * Finds s[0..len) in a table of mask+1 slots whose keys are offsets into
 * pool.  Returns the index or UINT32_MAX.  Works on a mapped snapshot as
 * well as in memory.  Time: O(1) expected, two cache misses for a hit.
 */
uint32_t veu_idmap_find_raw(const veu_idslot_t *slot, uint64_t mask, const char *pool,
                            const char *s, size_t len);

#endif
