/* SPDX-License-Identifier: MIT */
/*
 * strpool.c: the string pool and the id map.  The map is linear probing
 * over a power-of-two table kept at most half full; keys are not stored in
 * the table, only entity indices, so one table serves in memory and mapped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xxhash.h>

#include "base/strpool.h"

int veu_strpool_init(veu_strpool_t *p)
{
    p->cap = 1 << 16;
    p->buf = malloc(p->cap);
    if (!p->buf) {
        return -ENOMEM;
    }
    p->buf[0] = '\0'; /* offset 0: the empty string */
    p->len = 1;
    return 0;
}

void veu_strpool_destroy(veu_strpool_t *p)
{
    free(p->buf);
    p->buf = NULL;
    p->len = p->cap = 0;
}

int veu_strpool_add(veu_strpool_t *p, const char *s, size_t len, uint32_t *ret_off)
{
    if (len == 0) {
        *ret_off = 0;
        return 0;
    }
    if (p->len + len + 1 > UINT32_MAX) {
        return -E2BIG;
    }
    if (p->len + len + 1 > p->cap) {
        size_t cap = p->cap;
        while (cap < p->len + len + 1) {
            cap *= 2;
        }
        char *nb = realloc(p->buf, cap);
        if (!nb) {
            return -ENOMEM;
        }
        p->buf = nb;
        p->cap = cap;
    }
    memcpy(p->buf + p->len, s, len);
    p->buf[p->len + len] = '\0';
    *ret_off = (uint32_t)p->len;
    p->len += len + 1;
    return 0;
}

uint64_t veu_id_hash(const char *s, size_t len)
{
    return XXH3_64bits(s, len);
}

int veu_idmap_init(veu_idmap_t *m)
{
    return veu_idmap_init_for(m, 0);
}

int veu_idmap_init_for(veu_idmap_t *m, size_t n)
{
    m->mask = 1023;
    while ((m->mask + 1) / 2 < n) {
        m->mask = m->mask * 2 + 1; /* at most half full, as insert keeps it */
    }
    m->count = 0;
    m->slot = malloc((m->mask + 1) * sizeof(*m->slot));
    if (!m->slot) {
        return -ENOMEM;
    }
    memset(m->slot, 0xff, (m->mask + 1) * sizeof(*m->slot));
    return 0;
}

void veu_idmap_destroy(veu_idmap_t *m)
{
    free(m->slot);
    m->slot = NULL;
}

void veu_idmap_prefetch_keys(const veu_idslot_t *slot, uint64_t mask, const char *pool,
                             uint64_t hash)
{
    uint64_t i = hash & mask;
    for (int probe = 0; probe < 4 && slot[i].idx != UINT32_MAX; probe++, i = (i + 1) & mask) {
        __builtin_prefetch(pool + slot[i].key);
    }
}

uint32_t veu_idmap_find_raw(const veu_idslot_t *slot, uint64_t mask, const char *pool,
                            const char *s, size_t len)
{
    if (memchr(s, '\0', len)) {
        return UINT32_MAX; /* no id holds a NUL ("\u0000" in a request) */
    }
    for (uint64_t i = veu_id_hash(s, len) & mask;; i = (i + 1) & mask) {
        if (slot[i].idx == UINT32_MAX) {
            return UINT32_MAX;
        }
        /* the key's length first: nothing is read past its NUL (the review's F22) */
        const char *k = pool + slot[i].key;
        if (strnlen(k, len + 1) == len && memcmp(k, s, len) == 0) {
            return slot[i].idx;
        }
    }
}

static int grow(veu_idmap_t *m, const veu_strpool_t *p)
{
    uint64_t nmask = m->mask * 2 + 1;
    veu_idslot_t *ns = malloc((nmask + 1) * sizeof(*ns));

    if (!ns) {
        return -ENOMEM;
    }
    memset(ns, 0xff, (nmask + 1) * sizeof(*ns));
    for (uint64_t i = 0; i <= m->mask; i++) {
        if (m->slot[i].idx == UINT32_MAX) {
            continue;
        }
        const char *k = p->buf + m->slot[i].key;
        uint64_t j = veu_id_hash(k, strlen(k)) & nmask;
        while (ns[j].idx != UINT32_MAX) {
            j = (j + 1) & nmask;
        }
        ns[j] = m->slot[i];
    }
    free(m->slot);
    m->slot = ns;
    m->mask = nmask;
    return 0;
}

int veu_idmap_insert(veu_idmap_t *m, const veu_strpool_t *p, uint32_t key, uint32_t idx,
                     uint32_t *ret_prev)
{
    if ((uint64_t)(m->count + 1) * 2 > m->mask + 1) {
        int rc = grow(m, p);
        if (rc < 0) {
            return rc;
        }
    }
    const char *k = p->buf + key;
    size_t len = strlen(k);
    uint64_t i = veu_id_hash(k, len) & m->mask;
    for (; m->slot[i].idx != UINT32_MAX; i = (i + 1) & m->mask) {
        if (strcmp(p->buf + m->slot[i].key, k) == 0) {
            *ret_prev = m->slot[i].idx;
            return -EEXIST;
        }
    }
    m->slot[i].idx = idx;
    m->slot[i].key = key;
    m->count++;
    return 0;
}

void veu_huge(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), e = ((uintptr_t)p + len) & ~(huge - 1);
    if (p && len >= ((size_t)32 << 20) && e > a) {
        (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
    }
#else
    (void)p;
    (void)len;
#endif
}

int veu_grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) {
        return 0;
    }
    size_t c = *cap ? *cap * 2 : 4096;
    void *p = realloc(*arr, c * size);
    if (!p) {
        return -ENOMEM;
    }
    *arr = p;
    *cap = c;
    return 0;
}
