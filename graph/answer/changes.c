/* SPDX-License-Identifier: MIT */
/*
 * changes.c: what changed between two graphs (SPEC section 9): every entity
 * whose verdict or reason codes differ between two snapshots, matched by
 * id, with null on the side where it does not exist; deny first, then
 * review, then by id.  Read from the two files' records alone: no answer
 * is rendered.  Time: O(n log n) in the entities of both.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snapshot_int.h"

/* One change with its sort key: no state outside the array, so threads may sort at once. */
typedef struct {
    veu_change_t c;
    int rank; /* deny 0, review 1, ...: by the verdict after, or before when gone */
    const char *id;
} keyed_t;

static int by_rank_then_id(const void *x, const void *y)
{
    const keyed_t *p = x, *q = y;
    return p->rank != q->rank ? p->rank - q->rank : strcmp(p->id, q->id);
}

static bool differs(const veu_snapshot_t *a, uint32_t w, const veu_snapshot_t *b, uint32_t v)
{
    return w == VEU_SNAP_NONE || a->ent[w].verdict != b->ent[v].verdict ||
           a->ent[w].reasons != b->ent[v].reasons;
}

int veu_snapshot_changes(const veu_snapshot_t *a, const veu_snapshot_t *b, veu_change_t **ret,
                         size_t *ret_n)
{
    size_t n = 0, cap = 1024;
    keyed_t *k = malloc(cap * sizeof(*k));
    veu_change_t *c;

    if (!k) {
        return -ENOMEM;
    }
    for (int side = 0; side < 2; side++) {
        const veu_snapshot_t *s = side ? a : b, *o = side ? b : a;
        for (uint32_t v = 0; v < s->n; v++) {
            const char *id = snap_str(s, s->ent[v].id);
            uint32_t w = veu_snapshot_find(o, id, strlen(id));
            if (side == 0 ? !differs(a, w, b, v) : w != VEU_SNAP_NONE) {
                continue; /* b's entities: unchanged; a's: still there */
            }
            if (n == cap) {
                keyed_t *p = realloc(k, cap * 2 * sizeof(*k));
                if (!p) {
                    free(k);
                    return -ENOMEM;
                }
                k = p;
                cap *= 2;
            }
            k[n].c = side == 0 ? (veu_change_t){.before = w, .after = v}
                               : (veu_change_t){.before = v, .after = VEU_SNAP_NONE};
            k[n].rank = VEU_V_DENY - s->ent[v].verdict;
            k[n].id = id;
            n++;
        }
    }
    if (n > 1) {
        qsort(k, n, sizeof(*k), by_rank_then_id);
    }
    c = malloc((n ? n : 1) * sizeof(*c));
    if (!c) {
        free(k);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        c[i] = k[i].c;
    }
    free(k);
    *ret = c;
    *ret_n = n;
    return 0;
}

static void side_json(const veu_snapshot_t *s, uint32_t v, veu_jbuf_t *o)
{
    if (v == VEU_SNAP_NONE) {
        veu_jbuf_lit(o, "null");
        return;
    }
    veu_jbuf_lit(o, "{\"verdict\":");
    veu_jbuf_str(o, veu_snapshot_verdict(s, v));
    veu_jbuf_lit(o, ",\"codes\":");
    veu_snapshot_codes(s, v, o);
    veu_jbuf_raw(o, "}", 1);
}

void veu_snapshot_change_json(const veu_snapshot_t *a, const veu_snapshot_t *b,
                              const veu_change_t *c, veu_jbuf_t *o)
{
    const veu_snapshot_t *s = c->after != VEU_SNAP_NONE ? b : a;
    uint32_t v = c->after != VEU_SNAP_NONE ? c->after : c->before;

    veu_jbuf_lit(o, "{\"entity\":{\"id\":");
    veu_jbuf_str(o, snap_str(s, s->ent[v].id));
    veu_jbuf_lit(o, ",\"name\":");
    veu_jbuf_str(o, snap_str(s, s->ent[v].name));
    veu_jbuf_lit(o, "},\"before\":");
    side_json(a, c->before, o);
    veu_jbuf_lit(o, ",\"after\":");
    side_json(b, c->after, o);
    veu_jbuf_raw(o, "}", 1);
}
