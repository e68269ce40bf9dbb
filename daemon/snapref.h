/* SPDX-License-Identifier: MIT */
/*
 * snapref.h: a mapped snapshot shared by the requests that use it; the
 * last reference unmaps it (snapref.c).
 */
#ifndef VEU_DAEMON_SNAPREF_H
#define VEU_DAEMON_SNAPREF_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "veu/snapshot.h"

typedef struct veu_snapref {
    veu_snapshot_t *snap;
    unsigned refs;
    uint64_t generation;
    bool part;    /* the part of a graph around buyers on another day (asof.c) */
    int huge_pct; /* of the mapping in 2 MiB pages when it was mapped, or -1 */
    char path[PATH_MAX];
} veu_snapref_t;

/*
 * Maps and checks the snapshot at path (a second at 10M entities: run it off
 * the loop).  NULL with err set when it is refused.
 */
veu_snapref_t *veu_snapref_open(const char *path, char *err, size_t errlen);
veu_snapref_t *veu_snapref_get(veu_snapref_t *r);
void veu_snapref_put(veu_snapref_t *r);

#endif
