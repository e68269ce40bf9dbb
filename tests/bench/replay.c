/* SPDX-License-Identifier: MIT */
/*
 * replay.c: where a `risk` answer's time goes without the server around it.
 * Replays ids through the graph library as the server's batches do (hint
 * rounds for a batch, then find and render each answer) and prints the
 * time per answer and the cycles of each phase, the rendering split by
 * the reasons an answer gives; then, the baseline those figures stand on,
 * the time of a load at random in the snapshot, mapped as the server maps
 * it: one depending on the one before (in its first MiB, its first eighth,
 * all of it), and 42 at a time, prefetched, as the hint rounds load.
 *
 *   replay SNAPSHOT IDS_FILE [BATCH]      (BATCH default 42, as 50 clients give)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define ticks() __rdtsc() /* cycles of the time-stamp counter */
#else
#define ticks() ((uint64_t)(now() * 1e9)) /* elsewhere nanoseconds, printed as "cycles" */
#endif

#include "veu/jbuf.h"
#include "veu/snapshot.h"

#define PASSES 3

static const char *const codes[] = {
    "is_seed",    "defense_controlled", "defense_minority_stake", "defense_holding",
    "supply_tie", "group_tie",          "dual_use_sector",        "validated_end_user"};
#define N_CODES (sizeof(codes) / sizeof(codes[0]))

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int has_code(const veu_jbuf_t *o, const char *code)
{
    char pat[64];
    int n = snprintf(pat, sizeof(pat), "\"code\":\"%s\"", code);
    return memmem(o->buf, o->len, pat, (size_t)n) != NULL;
}

/* ns per dependent load at random within [off, off + len) of the mapping */
static double chase(const unsigned char *p, uint64_t off, uint64_t len)
{
    uint64_t h = 12345, slots = len / 64, n = 1000000;
    double t0 = now();
    for (uint64_t i = 0; i < n; i++) {
        h = h * 6364136223846793005ull + p[off + (h >> 11) % slots * 64] + 1442695040888963407ull;
    }
    double t = now() - t0;
    return h == 42 ? 0 : t / (double)n * 1e9;
}

/* ns per load at random within [off, off + len), 42 prefetched at a time, as hint rounds do */
static double batched(const unsigned char *p, uint64_t off, uint64_t len)
{
    uint64_t h = 12345, slots = len / 64, n = 1008000, at[42];
    unsigned sum = 0;
    double t0 = now();
    for (uint64_t i = 0; i < n; i += 42) {
        for (int j = 0; j < 42; j++) {
            h = h * 6364136223846793005ull + 1442695040888963407ull;
            at[j] = off + (h >> 11) % slots * 64;
            __builtin_prefetch(p + at[j], 0, 3);
        }
        for (int j = 0; j < 42; j++) {
            sum += p[at[j]];
        }
    }
    double t = now() - t0;
    return sum == 42 ? 0 : t / (double)n * 1e9;
}

int main(int argc, char **argv)
{
    veu_snapshot_t *s;
    char err[256], line[512];
    if (argc < 3) {
        fprintf(stderr, "usage: replay SNAPSHOT IDS_FILE [BATCH]\n");
        return 2;
    }
    if (veu_snapshot_open(argv[1], &s, err, sizeof(err)) < 0) {
        fprintf(stderr, "replay: %s\n", err);
        return 1;
    }
    size_t batch = argc > 3 ? strtoul(argv[3], NULL, 10) : 42, n = 0, cap = 0;
    if (batch < 1 || batch > 256) {
        fprintf(stderr, "replay: BATCH must be 1 to 256\n");
        return 2;
    }
    FILE *f = fopen(argv[2], "r");
    char **ids = NULL;
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (n == cap && !(ids = realloc(ids, (cap = cap ? cap * 2 : 4096) * sizeof(*ids)))) {
            return 1;
        }
        ids[n++] = strdup(line);
    }
    if (!f || n == 0) {
        fprintf(stderr, "replay: no ids in %s\n", argv[2]);
        return 1;
    }
    fclose(f);

    static veu_snapshot_hint_t h[256];
    veu_jbuf_t o;
    veu_jbuf_init(&o);
    double best = 0;
    uint64_t c_hint = 0, c_find = 0, c_plain = 0, n_plain = 0, c_code[N_CODES], n_code[N_CODES];
    for (int pass = 0; pass < PASSES; pass++) {
        /* every pass times the answers; the last also sorts them by reason */
        int sort = pass == PASSES - 1;
        c_hint = c_find = c_plain = n_plain = 0;
        memset(c_code, 0, sizeof(c_code));
        memset(n_code, 0, sizeof(n_code));
        double t0 = now();
        for (size_t i = 0; i < n; i += batch) {
            size_t m = i + batch < n ? batch : n - i;
            uint64_t a = ticks();
            for (size_t j = 0; j < m; j++) {
                veu_snapshot_hint_id(s, ids[i + j], strlen(ids[i + j]), &h[j]);
            }
            for (int r = 0, more = 1; r < VEU_HINT_STEPS && more; r++) {
                more = 0;
                for (size_t j = 0; j < m; j++) {
                    more |= veu_snapshot_hint_step(s, &h[j]);
                }
            }
            c_hint += ticks() - a;
            for (size_t j = 0; j < m; j++) {
                uint64_t x = ticks();
                uint32_t v = veu_snapshot_find(s, ids[i + j], strlen(ids[i + j]));
                uint64_t y = ticks();
                c_find += y - x;
                veu_jbuf_reset(&o);
                if (v != VEU_SNAP_NONE) {
                    veu_snapshot_risk(s, v, &o);
                }
                uint64_t z = ticks() - y;
                int any = 0;
                for (size_t k = 0; sort && k < N_CODES; k++) {
                    if (has_code(&o, codes[k])) {
                        c_code[k] += z;
                        n_code[k]++;
                        any = 1;
                    }
                }
                c_plain += any ? 0 : z;
                n_plain += !any;
            }
        }
        double t = (now() - t0) / (double)n * 1e9;
        best = !sort && (best == 0 || t < best) ? t : best;
    }
    printf("%zu ids, batches of %zu: %.0f ns per answer (best of %d passes); cycles per answer in "
           "the last: hints %.0f, find %.0f\n",
           n, batch, best, PASSES - 1, (double)c_hint / (double)n, (double)c_find / (double)n);
    printf("rendering, cycles per answer that gives the reason (answers of a reason overlap):\n");
    printf("  %-24s %8.0f  %6.1f%%\n", "no reason", n_plain ? (double)c_plain / (double)n_plain : 0,
           100.0 * (double)n_plain / (double)n);
    for (size_t k = 0; k < N_CODES; k++) {
        printf("  %-24s %8.0f  %6.1f%%\n", codes[k],
               n_code[k] ? (double)c_code[k] / (double)n_code[k] : 0,
               100.0 * (double)n_code[k] / (double)n);
    }

    struct stat st;
    if (stat(argv[1], &st) == 0) {
        int fd = veu_snapshot_fd(s);
        const unsigned char *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p != MAP_FAILED) {
            madvise((void *)p, (size_t)st.st_size, MADV_HUGEPAGE); /* as the server does */
            volatile unsigned char touch = 0;
            for (uint64_t at = 0; at < (uint64_t)st.st_size; at += 4096) {
                touch += p[at]; /* map every page first, as the server's checksum does */
            }
            uint64_t len = (uint64_t)st.st_size, mib = (uint64_t)1 << 20;
            printf("one dependent load at random: first MiB %.0f ns, first eighth %.0f ns, "
                   "whole file %.0f ns; 42 at a time in the whole file: %.1f ns per load\n",
                   chase(p, 0, len < mib ? len : mib), chase(p, 0, len / 8), chase(p, 0, len),
                   batched(p, 0, len));
            munmap((void *)p, (size_t)st.st_size);
        }
    }
    veu_jbuf_destroy(&o);
    veu_snapshot_close(s);
    return 0;
}
