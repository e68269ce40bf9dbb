/* SPDX-License-Identifier: MIT */
/*
 * timing.h: what the in-process benchmarks (searchtime.c, asoftime.c)
 * share: a monotonic clock in seconds, and the median of a few figures.
 */
#ifndef VEU_BENCH_TIMING_H
#define VEU_BENCH_TIMING_H

#include <stdlib.h>
#include <time.h>

static inline double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static inline int bench_by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts v[0, n) and returns its middle figure (n > 0). */
static inline double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), bench_by_value);
    return v[n / 2];
}

#endif
