/* SPDX-License-Identifier: MIT */
/*
 * bare.c: the floor under `veud build`: a program that only reads a
 * registry's files, interns every entity id and resolves both ids of every
 * ownership and supply row (and the id of every designation), with none of
 * the checks, stakes, names, ties or snapshot.  tests/bench/bare.sh runs it
 * beside `veud build` on the same files, in the same run.
 *
 *   veu-bare DIR        prints ids, rows resolved, rows whose ids are unknown
 *
 * It assumes what tests/bench/gen.c writes: an id is the first field of a
 * row, unquoted, and an ownership or supply row's first two fields are ids.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "timing.h"

struct ids {
    const char **key; /* a slot: the id's first byte in its mapped file, or NULL */
    uint32_t *len;
    uint64_t mask;
    uint64_t n;
};

static const char *map(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) < 0) {
        perror(path);
        exit(1);
    }
    *len = (size_t)st.st_size;
    const char *p = st.st_size ? mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0) : "";
    if (p == MAP_FAILED) {
        perror(path);
        exit(1);
    }
    close(fd);
    return p;
}

/* The slot of id: where it is, or the empty one where it would go. */
static uint64_t slot(const struct ids *t, const char *id, size_t len)
{
    uint64_t h = XXH3_64bits(id, len) & t->mask;
    while (t->key[h] && (t->len[h] != len || memcmp(t->key[h], id, len))) {
        h = (h + 1) & t->mask;
    }
    return h;
}

/* Calls fn with each row's first two fields (the second may be empty), after the header. */
static void rows(const char *p, size_t len,
                 void (*fn)(const char *, size_t, const char *, size_t, void *), void *ctx)
{
    const char *end = p + len, *nl = memchr(p, '\n', len);
    for (p = nl ? nl + 1 : end; p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) {
            eol = end;
        }
        const char *c1 = memchr(p, ',', (size_t)(eol - p)), *f2 = c1 ? c1 + 1 : eol;
        const char *c2 = c1 ? memchr(f2, ',', (size_t)(eol - f2)) : NULL;
        fn(p, (size_t)((c1 ? c1 : eol) - p), f2, (size_t)((c2 ? c2 : eol) - f2), ctx);
        p = eol + 1;
    }
}

static uint64_t resolved, unknown;

static void intern(const char *a, size_t la, const char *b, size_t lb, void *ctx)
{
    struct ids *t = ctx;
    (void)b, (void)lb;
    uint64_t h = slot(t, a, la);
    if (!t->key[h]) {
        t->key[h] = a;
        t->len[h] = (uint32_t)la;
        t->n++;
    }
}

static void resolve2(const char *a, size_t la, const char *b, size_t lb, void *ctx)
{
    struct ids *t = ctx;
    if (t->key[slot(t, a, la)] && t->key[slot(t, b, lb)]) {
        resolved++;
    } else {
        unknown++;
    }
}

static void resolve1(const char *a, size_t la, const char *b, size_t lb, void *ctx)
{
    struct ids *t = ctx;
    (void)b, (void)lb;
    if (t->key[slot(t, a, la)]) {
        resolved++;
    } else {
        unknown++;
    }
}

int main(int argc, char **argv)
{
    size_t len;
    struct ids t = {0};

    if (argc != 2) {
        fprintf(stderr, "usage: veu-bare DIR\n");
        return 2;
    }
    double t0 = bench_now();
    const char *ent = map(argv[1], "entities.csv", &len);
    size_t lines = 0;
    for (const char *p = ent; (p = memchr(p, '\n', len - (size_t)(p - ent))); p++) {
        lines++;
    }
    for (t.mask = 1; t.mask < lines * 2; t.mask <<= 1) {
    }
    t.mask--;
    t.key = calloc(t.mask + 1, sizeof(*t.key));
    t.len = calloc(t.mask + 1, sizeof(*t.len));
    if (!t.key || !t.len) {
        return 1;
    }
    rows(ent, len, intern, &t);
    static const char *const two[] = {"ownership.csv", "supply.csv"};
    for (int i = 0; i < 2; i++) {
        const char *p = map(argv[1], two[i], &len);
        rows(p, len, resolve2, &t);
    }
    char des[4096];
    snprintf(des, sizeof(des), "%s/designations.csv", argv[1]);
    if (access(des, F_OK) == 0) {
        const char *p = map(argv[1], "designations.csv", &len);
        rows(p, len, resolve1, &t);
    }
    printf("ids=%llu resolved=%llu unknown=%llu ms=%.0f\n", (unsigned long long)t.n,
           (unsigned long long)resolved, (unsigned long long)unknown, (bench_now() - t0) * 1e3);
    return 0;
}
