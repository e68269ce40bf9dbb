/* SPDX-License-Identifier: MIT */
/*
 * snapshot_write.c: writes a snapshot (snapfmt.h) under a temporary name
 * beside the target, syncs it and renames it into place, so a snapshot is
 * either whole or absent.  The body is checksummed as it streams out.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <xxhash.h>

#include "engine/graph.h"
#include "names/nameindex.h"
#include "format/snapfmt.h"
#include "snapshot/snapshot_write.h"

#define WRITE_BLOCK (8u << 20) /* see write_all */

struct out {
    FILE *f;
    char *buf; /* the stream's buffer, WRITE_BLOCK bytes; freed after fclose */
    XXH3_state_t *xx;
    uint64_t pos;
    int err;
};

static void put(struct out *o, const void *p, size_t len)
{
    if (o->err || len == 0) {
        return;
    }
    if (fwrite(p, 1, len, o->f) != len) {
        o->err = errno ? -errno : -EIO;
        return;
    }
    XXH3_64bits_update(o->xx, p, len);
    o->pos += len;
}

static void align(struct out *o)
{
    static const char zero[VEU_SNAP_ALIGN];
    size_t pad = (size_t)((VEU_SNAP_ALIGN - o->pos % VEU_SNAP_ALIGN) % VEU_SNAP_ALIGN);
    put(o, zero, pad);
}

static void section(struct out *o, veu_snap_header_t *h, int sec, const void *p, size_t len)
{
    align(o);
    h->sec[sec].off = o->pos;
    h->sec[sec].len = len;
    put(o, p, len);
}

/* Whether entity v's metrics under the highest stakes differ from the certain ones. */
static int has_upper(const veu_ties_t *t, uint32_t v)
{
    return t->controlled_hi &&
           ((t->controlled_hi[v] && !t->controlled[v]) ||
            t->ctrl_share_hi[v] > fmin(100.0, t->ctrl_share[v]) + VEU_PERCENT_EPS ||
            t->share_hi[v] > t->share[v] + 1e-9 || t->holding_hi[v] > t->holding[v] + 1e-9);
}

/* Records of one size written through a small buffer: rec() gives the next, zeroed. */
struct recs {
    struct out *o;
    size_t size, used;
    uint64_t n;
    _Alignas(16) char buf[65536]; /* records of doubles and 32-bit fields */
};

static void *rec(struct recs *r)
{
    if (r->used + r->size > sizeof(r->buf)) {
        put(r->o, r->buf, r->used);
        r->used = 0;
    }
    void *p = r->buf + r->used;
    memset(p, 0, r->size);
    r->used += r->size;
    r->n++;
    return p;
}

/* Writes what is buffered; the section's length is that of the records given. */
static void recs_end(struct recs *r, veu_snap_header_t *h, int sec)
{
    put(r->o, r->buf, r->used);
    h->sec[sec].len = r->n * r->size;
}

static void write_entities(struct out *o, veu_snap_header_t *h, const veu_dataset_t *ds,
                           const veu_ties_t *t)
{
    struct recs r = {.o = o, .size = sizeof(veu_snap_entity_t)};

    align(o);
    h->sec[SEC_ENTITIES].off = o->pos;
    for (uint32_t v = 0; v < ds->n; v++) {
        const veu_entity_row_t *e = &ds->ent[v];
        veu_snap_entity_t *s = rec(&r);
        s->id = e->id;
        s->name = e->name;
        s->country = e->country;
        s->sector = e->sector;
        s->des = e->des | e->des_other; /* every listing, for the answer's words */
        s->seed_kind = e->seed_kind;
        s->reasons = t->reasons[v];
        s->verdict = t->verdict[v];
        s->flags =
            (uint8_t)((t->seed[v] ? VEU_SF_SEED : 0) | (t->controlled[v] ? VEU_SF_CONTROLLED : 0) |
                      (t->group[v] ? VEU_SF_GROUP : 0) |
                      (t->controlled_hi && t->controlled_hi[v] && !t->controlled[v]
                           ? VEU_SF_POSSIBLE
                           : 0) |
                      (has_upper(t, v) ? VEU_SF_UPPER : 0) |
                      (t->controlled_cw && t->controlled_cw[v] && !t->controlled[v]
                           ? VEU_SF_CONTROL_ONLY
                           : 0));
        s->hops = t->hops[v];
        s->ctrl_pred = t->ctrl_pred[v];
        s->share_pred = t->share_pred[v];
        s->hold_next = t->hold_next[v];
        s->ctrl_share = t->ctrl_share[v];
        s->share = t->share[v];
        s->holding = t->holding[v];
    }
    recs_end(&r, h, SEC_ENTITIES);
}

static void write_entx(struct out *o, veu_snap_header_t *h, const veu_dataset_t *ds,
                       const veu_nameindex_t *ix)
{
    struct recs r = {.o = o, .size = sizeof(veu_snap_entx_t)};

    align(o);
    h->sec[SEC_ENTX].off = o->pos;
    for (uint32_t v = 0; v < ds->n; v++) {
        const veu_entity_row_t *e = &ds->ent[v];
        veu_snap_entx_t *x = rec(&r);
        *x = (veu_snap_entx_t){e->aliases, e->seed_src, e->veu_src, ix->ent_keys[v]};
    }
    recs_end(&r, h, SEC_ENTX);
}

/* The metrics under the highest stakes, for the entities where they differ. */
static void write_upper(struct out *o, veu_snap_header_t *h, const veu_graph_t *g,
                        const veu_ties_t *t)
{
    struct recs r = {.o = o, .size = sizeof(veu_snap_upper_t)};

    align(o);
    h->sec[SEC_UPPER].off = o->pos;
    for (uint32_t v = 0; t->controlled_hi && v < g->n; v++) {
        if (has_upper(t, v)) {
            veu_snap_upper_t *u = rec(&r);
            *u = (veu_snap_upper_t){v, t->ctrl_pred_hi[v], t->ctrl_share_hi[v], t->share_hi[v],
                                    t->holding_hi[v]};
        }
    }
    recs_end(&r, h, SEC_UPPER);
    h->n_upper = (uint32_t)r.n;
}

/* The problems kept from the load, the strings only (the bytes after their NULs never written). */
static void write_problems(struct out *o, veu_snap_header_t *h, const veu_report_t *rep)
{
    veu_snap_problem_t pr[VEU_REPORT_KEEP];

    memset(pr, 0, sizeof(pr));
    for (int i = 0; i < rep->n_kept; i++) {
        const veu_diag_t *d = &rep->kept[i];
        snprintf(pr[i].diag.file, sizeof(pr[i].diag.file), "%s", d->file);
        snprintf(pr[i].diag.column, sizeof(pr[i].diag.column), "%s", d->column);
        snprintf(pr[i].diag.message, sizeof(pr[i].diag.message), "%s", d->message);
        pr[i].diag.line = d->line;
        pr[i].warning = rep->kept_warning[i];
    }
    section(o, h, SEC_PROBLEMS, pr, (size_t)rep->n_kept * sizeof(pr[0]));
}

/* Waits for a stage's results when the builder asked to be waited for; o->err when it gave up. */
static int wait_for(struct out *o, const veu_snapshot_src_t *src, int stage)
{
    if (!o->err && src->wait) {
        o->err = src->wait(src->wait_ctx, stage);
    }
    return o->err;
}

static int sync_dir(const char *path)
{
    char *copy = strdup(path);
    int fd, rc = 0;

    if (!copy) {
        return -ENOMEM;
    }
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        if (fsync(fd) < 0) {
            rc = -errno;
        }
        close(fd);
    }
    free(copy);
    return rc;
}

static void write_history(struct out *o, veu_snap_header_t *h, const veu_history_ix_t *x,
                          const veu_dataset_t *ds)
{
    size_t n1 = x ? ((size_t)ds->n + 1) * sizeof(uint32_t) : 0;

    h->history = x != NULL;
    h->n_hown = x ? ds->n_hown : 0;
    h->n_hsup = x ? (uint32_t)ds->n_hsup : 0;
    h->n_hdes = x ? (uint32_t)ds->n_hdes : 0;
    section(o, h, SEC_HOWN, x ? x->own : NULL, h->n_hown * sizeof(veu_hown_t));
    section(o, h, SEC_HOWN_IN, x ? x->own_in : NULL, n1);
    section(o, h, SEC_HOWN_OUT_E, x ? x->own_out_e : NULL, h->n_hown * sizeof(uint32_t));
    section(o, h, SEC_HOWN_OUT, x ? x->own_out : NULL, n1);
    section(o, h, SEC_HSUP, x ? x->sup : NULL, (size_t)h->n_hsup * sizeof(veu_hsup_t));
    section(o, h, SEC_HSUP_OUT, x ? x->sup_out : NULL, n1);
    section(o, h, SEC_HDES, x ? x->des : NULL, (size_t)h->n_hdes * sizeof(veu_hdes_t));
    section(o, h, SEC_HDES_OFF, x ? x->des_off : NULL, n1);
}

/*
 * Writes the whole snapshot to o->f from its start; the header goes last
 * (pwrite at 0).  Returns 0 or o->err.
 */
static int write_all(struct out *o, veu_snap_header_t *h, const veu_snapshot_src_t *src);

struct lrow {
    uint32_t list, entity;
    uint8_t in_effect, seeds;
};

static int cmp_lrow(const void *a, const void *b, void *pool)
{
    const struct lrow *x = a, *y = b;
    int c = strcmp(veu_str(pool, x->list), veu_str(pool, y->list));
    return c ? c : x->entity < y->entity ? -1 : x->entity > y->entity;
}

/*
 * The designations' lists, for stats: per list id (sorted; "" for rows
 * naming none), whether the policy selects it, its rows, the entities it
 * designates on the build day and how many of them it makes seeds.  A
 * malloc'd JSON array; NULL when out of memory.
 */
static char *lists_json(const veu_snapshot_src_t *src)
{
    const veu_dataset_t *ds = src->ds;
    struct lrow *r = malloc((ds->n_hdes ? ds->n_hdes : 1) * sizeof(*r));
    json_t *out = json_array();
    char *text = NULL;

    if (!r || !out) {
        goto done;
    }
    for (size_t i = 0; i < ds->n_hdes; i++) {
        const veu_hdes_t *d = &ds->hdes[i];
        uint8_t kind = d->bit & (VEU_DES_DEFENSE | VEU_DES_MILITARY);
        r[i] = (struct lrow){ds->hdes_list[i], d->entity, veu_span_has(d->span, ds->day), 0};
        r[i].seeds =
            r[i].in_effect && kind && !(d->bit & VEU_DES_UNSELECTED) && src->t->seed[d->entity];
    }
    qsort_r(r, ds->n_hdes, sizeof(*r), cmp_lrow, (void *)&ds->pool);
    for (size_t i = 0, j = 0; i < ds->n_hdes; i = j) {
        const char *name = veu_str(&ds->pool, r[i].list);
        json_int_t rows = 0, ents = 0, seeds = 0;
        while (j < ds->n_hdes && !strcmp(veu_str(&ds->pool, r[j].list), name)) {
            uint32_t e = r[j].entity; /* one entity's rows of this list */
            int eff = 0, sd = 0;
            for (;
                 j < ds->n_hdes && r[j].entity == e && !strcmp(veu_str(&ds->pool, r[j].list), name);
                 j++, rows++) {
                eff |= r[j].in_effect;
                sd |= r[j].seeds;
            }
            ents += eff;
            seeds += sd;
        }
        json_array_append_new(out, json_pack("{s:s,s:b,s:I,s:I,s:I}", "list", name, "selected",
                                             veu_policy_selects_list(src->policy, name), "rows",
                                             rows, "entities", ents, "seeds", seeds));
    }
    text = json_dumps(out, JSON_COMPACT);
done:
    free(r);
    json_decref(out);
    return text;
}

int veu_snapshot_write(const char *path, const veu_snapshot_src_t *src, veu_diag_t *err)
{
    veu_snap_header_t *h = calloc(1, VEU_SNAP_HEADER);
    char tmp[4200];
    struct out o = {0};
    int rc, fd = -1;

    if (!h || !(o.xx = XXH3_createState())) {
        rc = -ENOMEM;
        goto out_free;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    /* a fresh file of our own: never through a symlink or into a file left there (F18) */
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 || !(o.f = fdopen(fd, "wb"))) {
        rc = -errno;
        if (fd >= 0) {
            close(fd);
        }
        snprintf(err->file, sizeof(err->file), "%.255s", tmp);
        snprintf(err->message, sizeof(err->message), "cannot create the snapshot: %s",
                 strerror(-rc));
        goto out_free;
    }
    write_all(&o, h, src);
    if (!o.err && fsync(fileno(o.f)) < 0) {
        o.err = -errno;
    }
    if (fclose(o.f) != 0 && !o.err) {
        o.err = -errno;
    }
    free(o.buf);
    if (!o.err && rename(tmp, path) < 0) {
        o.err = -errno;
    }
    if (o.err) {
        unlink(tmp);
        snprintf(err->file, sizeof(err->file), "%s", path);
        err->line = 0;
        err->column[0] = '\0';
        snprintf(err->message, sizeof(err->message), "cannot write the snapshot: %s",
                 strerror(-o.err));
        rc = o.err;
        goto out_free;
    }
    rc = sync_dir(path);
out_free:
    XXH3_freeState(o.xx);
    free(h);
    return rc;
}

int veu_snapshot_write_fd(int fd, const veu_snapshot_src_t *src, veu_diag_t *err)
{
    veu_snap_header_t *h = calloc(1, VEU_SNAP_HEADER);
    struct out o = {0};
    int dup_fd = -1;

    if (!h || !(o.xx = XXH3_createState())) {
        o.err = -ENOMEM;
    } else if (ftruncate(fd, 0) < 0 || (dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0 ||
               lseek(dup_fd, 0, SEEK_SET) < 0 || !(o.f = fdopen(dup_fd, "wb"))) {
        o.err = -errno;
        if (dup_fd >= 0) {
            close(dup_fd);
        }
    } else {
        write_all(&o, h, src);
        if (fclose(o.f) != 0 && !o.err) {
            o.err = -errno;
        }
        free(o.buf);
    }
    if (o.err) {
        snprintf(err->message, sizeof(err->message), "cannot write the snapshot: %s",
                 strerror(-o.err));
    }
    XXH3_freeState(o.xx);
    free(h);
    return o.err;
}

static int write_all(struct out *out, veu_snap_header_t *h, const veu_snapshot_src_t *src)
{
    const veu_dataset_t *ds = src->ds;
    const veu_graph_t *g = src->g;
    const veu_ties_t *t = src->t;
    const veu_nameindex_t *ix = src->names;
    struct out o = *out;
    char policy[8192];
    size_t n2 = (size_t)g->n * 2 * sizeof(uint32_t);

    /*
     * Writes of 8 MiB at offsets that are multiples of it: the page cache
     * can then hold the file in 2 MiB folios (on kernels and file systems
     * with large folios), which the server maps with 2 MiB pages: at 10M
     * entities its lookups then miss the TLB far less (docs/scaling.md).
     * The buffer is ours: given none, glibc ignores setvbuf's size and
     * writes through 4 KiB, which left a third of the file in small folios.
     */
    o.buf = malloc(WRITE_BLOCK);
    if (o.buf) {
        setvbuf(o.f, o.buf, _IOFBF, WRITE_BLOCK);
    }
    XXH3_64bits_reset(o.xx);
    /* the header is written last; reserve its place */
    static const char zero[VEU_SNAP_HEADER];
    if (fwrite(zero, 1, VEU_SNAP_HEADER, o.f) != VEU_SNAP_HEADER) {
        o.err = -EIO;
    }
    o.pos = VEU_SNAP_HEADER;

    /*
     * The sections in the order what they need is ready, so that a builder
     * can write the first ones while it still computes the rest (build.c):
     * the dataset's and the graph's, then the name index, the history, and
     * the ties last: they are the longest stage on most graphs, and the
     * less is left to write after them the sooner the build ends (at 10M
     * what is written after them goes at the disk's pace).  The section
     * table says where each is; the reader needs no order.
     */
    section(&o, h, SEC_STRINGS, ds->pool.buf, ds->pool.len);
    section(&o, h, SEC_IDMAP, ds->ids.slot, (ds->ids.mask + 1) * sizeof(veu_idslot_t));
    section(&o, h, SEC_OWN, g->own, (size_t)g->n_own * sizeof(*g->own));
    section(&o, h, SEC_OWN_OUT, g->own_out, ((size_t)g->n + 1) * sizeof(uint32_t));
    section(&o, h, SEC_OWN_IN, g->own_in, ((size_t)g->n + 1) * sizeof(uint32_t));
    section(&o, h, SEC_OWN_IN_E, g->own_in_e, (size_t)g->n_own * sizeof(uint32_t));
    section(&o, h, SEC_SUP, g->sup, (size_t)g->n_sup * sizeof(*g->sup));
    section(&o, h, SEC_SUP_OUT, g->sup_out, ((size_t)g->n + 1) * sizeof(uint32_t));
    section(&o, h, SEC_SUP_IN, g->sup_in, ((size_t)g->n + 1) * sizeof(uint32_t));
    section(&o, h, SEC_SUP_IN_E, g->sup_in_e, (size_t)g->n_sup * sizeof(uint32_t));
    write_problems(&o, h, src->rep);
    int plen = veu_policy_json(src->policy, policy, sizeof(policy));
    section(&o, h, SEC_POLICY, policy, plen > 0 ? (size_t)plen + 1 : 1);

    if (wait_for(&o, src, VEU_SNAPW_NAMES) < 0) {
        goto out;
    }
    section(&o, h, SEC_WSTR, ix->wstr.buf, ix->wstr.len);
    section(&o, h, SEC_WMAP, ix->wmap.slot, (ix->wmap.mask + 1) * sizeof(veu_idslot_t));
    section(&o, h, SEC_WORDS, ix->words, (size_t)ix->n_words * sizeof(*ix->words));
    section(&o, h, SEC_POST, ix->post, ix->n_post * sizeof(*ix->post));
    section(&o, h, SEC_POSTK, ix->postk, ix->n_post * sizeof(*ix->postk));
    section(&o, h, SEC_POSTW, ix->postw, ix->n_post * sizeof(*ix->postw));
    section(&o, h, SEC_KEYS, ix->keys, ix->n_keys * sizeof(*ix->keys));
    section(&o, h, SEC_GRAMS, ix->grams, (size_t)ix->n_grams * sizeof(*ix->grams));
    section(&o, h, SEC_GRAMW, ix->gramw, ix->n_gramw * sizeof(*ix->gramw));
    write_entx(&o, h, ds, ix);

    if (wait_for(&o, src, VEU_SNAPW_HISTORY) < 0) {
        goto out;
    }
    write_history(&o, h, src->hist, ds);

    if (wait_for(&o, src, VEU_SNAPW_TIES) < 0) {
        goto out;
    }
    write_entities(&o, h, ds, t);
    section(&o, h, SEC_SUP_LAB, t->sup_lab, n2);
    section(&o, h, SEC_SUP_NEXT, t->sup_next, n2);
    section(&o, h, SEC_UP_LAB, t->up_lab, n2);
    section(&o, h, SEC_UP_NEXT, t->up_next, n2);
    section(&o, h, SEC_DN_LAB, t->dn_lab, n2);
    section(&o, h, SEC_DN_PRED, t->dn_pred, n2);
    section(&o, h, SEC_DS_LAB, t->ds_lab, n2);
    section(&o, h, SEC_DS_PRED, t->ds_pred, n2);
    char *lists = lists_json(src);
    if (!lists) {
        o.err = -ENOMEM;
    }
    section(&o, h, SEC_LISTS, lists ? lists : "", lists ? strlen(lists) + 1 : 1);
    free(lists);
    write_upper(&o, h, g, t);

    h->n_words = ix->n_words;
    h->n_grams = ix->n_grams;
    h->wmap_mask = ix->wmap.mask;
    align(&o);

    memcpy(h->magic, VEU_SNAP_MAGIC, 8);
    h->version = VEU_SNAP_VERSION;
    h->header_size = VEU_SNAP_HEADER;
    h->file_size = o.pos;
    h->checksum = XXH3_64bits_digest(o.xx);
    h->endian = 0x01020304;
    h->n = g->n;
    h->n_own = g->n_own;
    h->n_sup = g->n_sup;
    h->idmap_mask = ds->ids.mask;
    h->built_at = (int64_t)time(NULL);
    h->build_ms = src->build_ms;
    h->generation = src->generation;
    h->skipped = src->rep->skipped;
    h->warnings = src->rep->warnings;
    h->n_problems = (uint32_t)src->rep->n_kept;
    h->evidence_paths = (uint32_t)src->policy->evidence_paths;
    h->control_threshold = src->policy->control_threshold;
    h->minority_threshold = src->policy->minority_threshold;
    h->supply_depth = src->policy->supply_depth;
    h->control_inclusive = (src->effective ? src->effective : src->policy)->control_inclusive;
    h->aggregate_owners = src->policy->aggregate_owners;
    h->review_unknown = src->policy->review_unknown;
    memcpy(h->as_of, ds->as_of, sizeof(h->as_of));
    h->dated = (uint8_t)(ds->dated != 0 || veu_policy_dated(src->policy));
    h->control_without_ownership = src->policy->control_without_ownership;
    h->counts = *src->counts;
    memcpy(h->digest, ds->digest, sizeof(h->digest));
    veu_policy_digest(src->policy, h->policy_digest);
    snprintf(h->veud_version, sizeof(h->veud_version), "%s", VEU_VERSION);
    if (src->data_dir) {
        snprintf(h->data_dir, sizeof(h->data_dir), "%s", src->data_dir);
    }
    h->header_checksum = 0;
    h->header_checksum = XXH3_64bits(h, VEU_SNAP_HEADER);

    if (!o.err && fflush(o.f) != 0) {
        o.err = -errno;
    }
    if (!o.err && pwrite(fileno(o.f), h, VEU_SNAP_HEADER, 0) != VEU_SNAP_HEADER) {
        o.err = errno ? -errno : -EIO;
    }
out:
    *out = o;
    return o.err;
}
