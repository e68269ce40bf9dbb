/* SPDX-License-Identifier: MIT */
/*
 * searchtime.c: what a `search` costs without the server around it.  Runs
 * every name of NAMES_FILE (one a line) through the name index of SNAPSHOT
 * as the server's `search` does (limit 10), PASSES times, and prints the
 * median over the passes of the time per name, and a digest of the matches
 * found, so that two builds of the library can be compared for speed and
 * for answers in one run (tests/bench/search.sh runs it).
 *
 *   searchtime SNAPSHOT NAMES_FILE [PASSES]      (PASSES default 5)
 *
 * With SEARCHTIME_DUMP=FILE set, each name's matches (entity id and score)
 * are written to FILE a line per name, to see where two builds differ.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timing.h"
#include "veu/snapshot.h"

#define LIMIT 10

int main(int argc, char **argv)
{
    veu_snapshot_t *s;
    char err[256], line[4096];
    size_t n = 0, cap = 0;
    char **names = NULL;
    int passes = argc > 3 ? atoi(argv[3]) : 5;

    if (argc < 3 || passes < 1) {
        fprintf(stderr, "usage: searchtime SNAPSHOT NAMES_FILE [PASSES]\n");
        return 2;
    }
    if (veu_snapshot_open(argv[1], &s, err, sizeof(err)) < 0) {
        fprintf(stderr, "searchtime: %s: %s\n", argv[1], err);
        return 1;
    }
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            names = realloc(names, cap * sizeof(*names));
            if (!names) {
                return 1;
            }
        }
        names[n++] = strdup(line);
    }
    fclose(f);

    double *us = calloc((size_t)passes, sizeof(double));
    const char *dump_path = getenv("SEARCHTIME_DUMP");
    FILE *dump = dump_path ? fopen(dump_path, "w") : NULL;
    uint64_t digest = 0, found = 0;
    double *each = calloc(n ? n : 1, sizeof(double)); /* the last pass, name by name */
    for (int p = 0; p < passes; p++) {
        veu_match_t m[LIMIT];
        double t0 = bench_now();
        for (size_t i = 0; i < n; i++) {
            double t1 = p == passes - 1 ? bench_now() : 0;
            size_t k = veu_snapshot_search(s, names[i], strlen(names[i]), m, LIMIT);
            if (p == passes - 1) {
                each[i] = (bench_now() - t1) * 1e6;
            }
            if (p == 0) {
                found += k;
                if (dump) {
                    fprintf(dump, "%s\t", names[i]);
                    for (size_t j = 0; j < k; j++) {
                        fprintf(dump, " %s:%.6f", veu_snapshot_id(s, m[j].idx), m[j].score);
                    }
                    fputc('\n', dump);
                }
                for (size_t j = 0; j < k; j++) {
                    uint64_t sc = (uint64_t)(m[j].score * 1e9 + 0.5);
                    digest = (digest ^ (m[j].idx * 1000003ull + sc)) * 0x100000001b3ull;
                }
            }
        }
        us[p] = (bench_now() - t0) / (double)(n ? n : 1) * 1e6;
    }
    if (dump) {
        fclose(dump);
    }
    double mid = bench_median(us, (size_t)passes), *sorted = malloc((n ? n : 1) * sizeof(double));
    memcpy(sorted, each, n * sizeof(double));
    bench_median(sorted, n ? n : 1);
    double p99 = n ? sorted[n * 99 / 100] : 0.0;
    printf("names=%zu us_per_search=%.2f p99_us=%.1f max_us=%.1f matches=%llu digest=%016llx\n",
           n, mid, p99, n ? sorted[n - 1] : 0.0, (unsigned long long)found,
           (unsigned long long)digest);
    for (size_t i = 0; getenv("SEARCHTIME_SLOW") && i < n; i++) {
        if (each[i] >= p99) { /* the slowest names of the last pass, on stderr */
            fprintf(stderr, "%.0f us\t%s\n", each[i], names[i]);
        }
    }
    veu_snapshot_close(s);
    return 0;
}
