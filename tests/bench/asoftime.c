/* SPDX-License-Identifier: MIT */
/*
 * asoftime.c: what an answer for another day costs without the server and
 * the process around it.  Builds the part of SNAPSHOT's dated graph around
 * Q buyers taken at random (seed 1), one at a time, as `veud history` does
 * for a `risk` with `as_of`, and prints the median time per part, the
 * median part's entities and the slowest part.
 *
 *   asoftime SNAPSHOT DAY [Q]      (Q default 20)
 *   asoftime SNAPSHOT DAY all      (the whole graph on that day, once)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "veu/policy.h"
#include "timing.h"
#include "veu/snapshot.h"

int main(int argc, char **argv)
{
    veu_snapshot_t *s;
    char err[256];
    int q = argc > 3 ? atoi(argv[3]) : 20;
    bool all = argc > 3 && !strcmp(argv[3], "all");
    veu_policy_t pol;

    if (all) {
        q = 1;
    }
    if (argc < 3 || q < 1) {
        fprintf(stderr, "usage: asoftime SNAPSHOT DAY [Q]\n");
        return 2;
    }
    if (veu_snapshot_open(argv[1], &s, err, sizeof(err)) < 0) {
        fprintf(stderr, "asoftime: %s: %s\n", argv[1], err);
        return 1;
    }
    veu_policy_init(&pol);
    uint32_t n = veu_snapshot_info(s)->entities;
    double *ms = calloc((size_t)q, sizeof(double)), *ents = calloc((size_t)q, sizeof(double));
    srand(1);
    int done = 0;
    for (int i = 0; i < q; i++) {
        uint32_t buyer = (uint32_t)((unsigned)rand() % n), got = 0, *buyers = &buyer, nb = 1;
        veu_diag_t d;
        int fd = memfd_create("part", 0);
        if (all) {
            buyers = malloc((size_t)n * sizeof(*buyers));
            for (nb = 0; nb < n; nb++) {
                buyers[nb] = nb;
            }
        }
        double t0 = bench_now();
        int rc = veu_history_build(s, argv[2], buyers, nb, &pol, all ? n : 100000, fd, &got, &d);
        if (all) {
            free(buyers);
        }
        double t = (bench_now() - t0) * 1e3;
        close(fd);
        if (rc < 0) {
            continue; /* over the bound, as the server refuses it */
        }
        ms[done] = t;
        ents[done++] = got;
    }
    if (!done) {
        fprintf(stderr, "asoftime: no part built\n");
        return 1;
    }
    double p50 = bench_median(ms, (size_t)done);
    printf("parts=%d ms_p50=%.2f ms_max=%.2f entities_p50=%.0f\n", done, p50, ms[done - 1],
           bench_median(ents, (size_t)done));
    veu_snapshot_close(s);
    return 0;
}
