/* SPDX-License-Identifier: MIT */
/* snapref.c: see snapref.h. */
#include <stdio.h>
#include <stdlib.h>

#include "snapref.h"
#include "veu/assert.h"

veu_snapref_t *veu_snapref_open(const char *path, char *err, size_t errlen)
{
    veu_snapref_t *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (veu_snapshot_open(path, &r->snap, err, errlen) < 0) {
        free(r);
        return NULL;
    }
    r->huge_pct = veu_snapshot_huge_pct(r->snap); /* off the loop: it reads page tables */
    r->refs = 1;
    r->generation = veu_snapshot_info(r->snap)->generation;
    snprintf(r->path, sizeof(r->path), "%s", path);
    return r;
}

veu_snapref_t *veu_snapref_get(veu_snapref_t *r)
{
    VEU_ASSERT(r->refs > 0); /* a graph already released is never taken again */
    r->refs++;
    return r;
}

void veu_snapref_put(veu_snapref_t *r)
{
    VEU_ASSERT(!r || r->refs > 0);
    if (r && --r->refs == 0) {
        veu_snapshot_close(r->snap);
        free(r);
    }
}
