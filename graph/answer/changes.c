/* SPDX-License-Identifier: MIT */
/*
 * changes.c: what changed between two graphs (SPEC section 9): every entity
 * whose verdict or reason codes differ between two snapshots, matched by
 * id, with null on the side where it does not exist; deny first, then
 * review, then by id.  Read from the two files' records alone: no answer
 * is rendered.  Time: O(n log n) in the entities of both.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snapshot_int.h"

/* The order of SPEC section 9: the stronger verdict after (or before, when gone) first. */
static int rank(const veu_snapshot_t *a, const veu_snapshot_t *b, const veu_change_t *c)
{
    const veu_snapshot_t *s = c->after != VEU_SNAP_NONE ? b : a;
    uint32_t v = c->after != VEU_SNAP_NONE ? c->after : c->before;
    return VEU_V_DENY - s->ent[v].verdict; /* deny 0, review 1, ... */
}

static const veu_snapshot_t *sort_a, *sort_b;

static const char *id_of(const veu_change_t *c)
{
    return c->after != VEU_SNAP_NONE ? snap_str(sort_b, sort_b->ent[c->after].id)
                                     : snap_str(sort_a, sort_a->ent[c->before].id);
}

static int by_rank_then_id(const void *x, const void *y)
{
    const veu_change_t *p = x, *q = y;
    int rp = rank(sort_a, sort_b, p), rq = rank(sort_a, sort_b, q);
    return rp != rq ? rp - rq : strcmp(id_of(p), id_of(q));
}

int veu_snapshot_changes(const veu_snapshot_t *a, const veu_snapshot_t *b, veu_change_t **ret,
                         size_t *ret_n)
{
    size_t n = 0, cap = 1024;
    veu_change_t *c = malloc(cap * sizeof(*c));

    if (!c) {
        return -ENOMEM;
    }
    for (int side = 0; side < 2; side++) {
        const veu_snapshot_t *s = side ? a : b, *o = side ? b : a;
        for (uint32_t v = 0; v < s->n; v++) {
            const char *id = snap_str(s, s->ent[v].id);
            uint32_t w = veu_snapshot_find(o, id, strlen(id));
            veu_change_t ch;
            if (side == 0) { /* b's entities: changed, or new */
                if (w != VEU_SNAP_NONE && a->ent[w].verdict == b->ent[v].verdict &&
                    a->ent[w].reasons == b->ent[v].reasons) {
                    continue;
                }
                ch = (veu_change_t){.before = w, .after = v};
            } else { /* a's entities b lacks: gone */
                if (w != VEU_SNAP_NONE) {
                    continue;
                }
                ch = (veu_change_t){.before = v, .after = VEU_SNAP_NONE};
            }
            if (n == cap) {
                veu_change_t *p = realloc(c, cap * 2 * sizeof(*c));
                if (!p) {
                    free(c);
                    return -ENOMEM;
                }
                c = p;
                cap *= 2;
            }
            c[n++] = ch;
        }
    }
    sort_a = a;
    sort_b = b;
    if (n > 1) {
        qsort(c, n, sizeof(*c), by_rank_then_id);
    }
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
