/* SPDX-License-Identifier: MIT */
/*
 * registry.c: registry exports as dataset rows: finding the files, telling
 * their formats apart, and the two passes.  Each format (gleif.c, bods.c,
 * ftm.c) is a table entry of function pointers (common.h); what they share
 * is in common.c.  This file knows no format's strings.
 *
 * Each file is identified by its content (a CSV header, the keys of its
 * first JSON record), never by its name.  Entities are added in a first
 * pass, relationships in a second one once every entity is known, so the
 * files may come in any order.  Every record that cannot be used is reported
 * with its file and record number (a CSV line, a JSON line, or the position
 * in a JSON array); relationships left out by design (fund management, ended
 * or withdrawn ones) are counted and reported once per file and kind.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "load/registry/common.h"
#include "load/registry/jstream.h"
#include "veu/snapshot.h"

#define SNIFF_BYTES 65536

static const char *const ours[] = {"entities.csv", "designations.csv", "ownership.csv",
                                   "supply.csv"};

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n > m && !strcmp(s + n - m, suf);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const veu_regfile_t *)a)->name, ((const veu_regfile_t *)b)->name);
}

int veu_registry_list(const char *dir, veu_registry_t *reg)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    memset(reg, 0, sizeof(*reg));
    if (!d) {
        return -errno;
    }
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        int mine = 0;
        if (n[0] == '.' || strlen(n) >= sizeof(reg->f[0].name)) {
            continue;
        }
        for (size_t i = 0; i < 4; i++) {
            mine |= !strcmp(n, ours[i]);
        }
        if (mine || !(has_suffix(n, ".csv") || has_suffix(n, ".json") || has_suffix(n, ".jsonl") ||
                      has_suffix(n, ".ndjson"))) {
            continue;
        }
        struct stat st;
        if (fstatat(dirfd(d), n, &st, 0) == 0 && !S_ISREG(st.st_mode)) {
            /* a FIFO would stall the build, a directory is no export: said, not read */
            if (reg->n_odd < VEU_REG_ODD) {
                snprintf(reg->odd[reg->n_odd], sizeof(reg->odd[0]), "%s", n);
            }
            reg->n_odd++;
            continue;
        }
        if (reg->n == VEU_REG_MAX) {
            closedir(d);
            return -E2BIG;
        }
        snprintf(reg->f[reg->n++].name, sizeof(reg->f[0].name), "%s", n);
    }
    closedir(d);
    qsort(reg->f, (size_t)reg->n, sizeof(reg->f[0]), cmp_name);
    return reg->n;
}

/* Adds a file's bytes to xx, a chunk at a time: an export of any size is hashed. */
static int digest_file(const char *path, XXH3_state_t *xx)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), rc = 0;
    struct stat st;
    char *buf = malloc(1u << 20);

    if (fd < 0 || fstat(fd, &st) < 0) {
        rc = -errno;
    } else if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
    } else if (!buf) {
        rc = -ENOMEM;
    }
    while (rc == 0) {
        ssize_t n = read(fd, buf, 1u << 20);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            rc = n < 0 ? -errno : 0;
            break;
        }
        XXH3_128bits_update(xx, buf, (size_t)n);
    }
    free(buf);
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

int veu_registry_digest(const char *dir, const veu_registry_t *reg, XXH3_state_t *xx)
{
    for (int i = 0; i < reg->n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, reg->f[i].name);
        XXH3_128bits_update(xx, reg->f[i].name, strlen(reg->f[i].name) + 1);
        int rc = digest_file(path, xx);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* The formats, and the two passes                                     */

static const reg_format_t *const formats[] = {&reg_gleif_lei, &reg_gleif_rr, &reg_bods, &reg_ftm};
#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

static const reg_format_t *format_of(int kind)
{
    for (size_t i = 0; i < N_FORMATS; i++) {
        if (formats[i]->kind == kind) {
            return formats[i];
        }
    }
    return NULL;
}

/* The format whose header is the first line of a CSV file. */
static int sniff_csv(const char *path)
{
    char buf[SNIFF_BYTES + 1];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) /* a FIFO must not stall the build */;
    ssize_t n = fd >= 0 ? read(fd, buf, SNIFF_BYTES) : -1;

    if (fd >= 0) {
        close(fd);
    }
    if (n <= 0) {
        return VEU_REG_UNKNOWN;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    for (size_t i = 0; i < N_FORMATS; i++) {
        if (formats[i]->csv_header && formats[i]->csv_header(buf)) {
            return formats[i]->kind;
        }
    }
    return VEU_REG_UNKNOWN;
}

/* The format of a JSON file, by its first record. */
static int sniff_json(json_t *rec)
{
    for (size_t i = 0; i < N_FORMATS; i++) {
        if (formats[i]->json_is && formats[i]->json_is(rec)) {
            return formats[i]->kind;
        }
    }
    return VEU_REG_UNKNOWN;
}

/* Points the loader at file f (its messages and tally); returns its path. */
static const char *begin_file(struct loader *l, const char *dir, veu_regfile_t *f)
{
    snprintf(l->path_buf, sizeof(l->path_buf), "%s/%s", dir, f->name);
    l->path = l->path_buf;
    l->file = f;
    memset(&f->tally, 0, sizeof(f->tally));
    return l->path_buf;
}

/*
 * Streams a JSON file's records through fn; pass 1 reports what cannot be
 * read (later passes are quiet: each problem is said once).  fn returns 0
 * to go on, 1 to stop, or a negative code.
 */
typedef int (*rec_fn)(struct loader *l, veu_regfile_t *f, const reg_format_t *fmt, json_t *rec,
                      long no);

static int each_record(struct loader *l, veu_regfile_t *f, const reg_format_t *fmt,
                       const char *path, int report, rec_fn fn, veu_jstream_filter_fn filter)
{
    int err, rc = 0;
    veu_jstream_t *js = veu_jstream_open(path, 0, 0, &err);
    char msg[300];

    if (!js) {
        return ld_fatal(l, err, 0, "", "cannot read: %s", veu_strerror(err));
    }
    veu_jstream_filter(js, filter);
    for (;;) {
        json_t *rec;
        long no, line;
        int got = veu_jstream_next(js, &rec, &no, &line, msg, sizeof(msg));
        if (got == VEU_JS_END) {
            break;
        }
        if (got < 0) {
            rc = ld_fatal(l, got, line, "", "%s", msg);
            break;
        }
        /* a later pass says what the first passed over unparsed (json_first_bytes) */
        size_t blen;
        const char *b = veu_jstream_last(js, &blen);
        f->first_skipped =
            !report && b && fmt && fmt->json_first_bytes && !fmt->json_first_bytes(b, blen);
        if (got == VEU_JS_BAD) {
            rc = report || f->first_skipped ? ld_problem(l, 0, no, "", "%s", msg) : 0;
        } else {
            rc = fn(l, f, fmt, rec, no);
            json_decref(rec);
        }
        if (rc) {
            break;
        }
    }
    if (report) {
        f->records = veu_jstream_records(js);
    }
    veu_jstream_close(js);
    return rc < 0 ? rc : 0;
}

static int sniff_record(struct loader *l, veu_regfile_t *f, const reg_format_t *fmt, json_t *rec,
                        long no)
{
    (void)l, (void)fmt, (void)no;
    f->kind = sniff_json(rec);
    return 1;
}

static int scan_record(struct loader *l, veu_regfile_t *f, const reg_format_t *fmt, json_t *rec,
                       long no)
{
    return fmt->json_is(rec) ? fmt->json_scan(l, f, rec, no) : 0;
}

static int entity_record(struct loader *l, veu_regfile_t *f, const reg_format_t *fmt, json_t *rec,
                         long no)
{
    if (!fmt->json_is(rec)) {
        return ld_problem(l, 0, no, "", "not a %s record", fmt->name);
    }
    if (fmt->json_skip && fmt->json_skip(f, rec)) {
        reg_count(l, "statements superseded by a later statement in the file: not read");
        return 0;
    }
    return fmt->json_entity(l, f, rec, no);
}

static int relation_record(struct loader *l, veu_regfile_t *f, const reg_format_t *fmt, json_t *rec,
                           long no)
{
    if (fmt->json_is(rec) && fmt->json_later(rec) && !(fmt->json_skip && fmt->json_skip(f, rec))) {
        return fmt->json_relation(l, f, rec, no, l->ds->as_of);
    }
    /* passed over by the first pass and no link after all: read as the first pass would */
    return f->first_skipped ? entity_record(l, f, fmt, rec, no) : 0;
}

/*
 * A JSON file's first pass: its format from its first record, the
 * format's scan (BODS finds superseded statements), then its entities.
 * Relationships wait for the second pass, which reads the file again:
 * nothing of a record is kept but what the graph keeps.
 */
static int read_json(struct loader *l, veu_registry_t *reg, veu_regfile_t *f, const char *path)
{
    struct stat st;
    int rc;

    if (stat(path, &st) == 0 && l->n_seen < VEU_LD_MAX_FILES) {
        l->seen[l->n_seen] = st; /* a file replaced while read fails the build */
        snprintf(l->seen_path[l->n_seen++], sizeof(l->seen_path[0]), "%s", path);
    }
    if (!reg->ids) {
        reg->ids = json_object(); /* statements may point into other files */
    }
    f->ids = json_incref(reg->ids);
    f->kind = VEU_REG_UNKNOWN;
    l->quiet++;
    rc = each_record(l, f, NULL, path, 0, sniff_record, NULL);
    l->quiet--;
    const reg_format_t *fmt = format_of(f->kind);
    if (rc == 0 && fmt && fmt->json_scan) {
        rc = each_record(l, f, fmt, path, 0, scan_record, NULL);
    }
    if (rc == 0 && fmt) {
        rc = each_record(l, f, fmt, path, 1, entity_record, fmt->json_first_bytes);
    }
    return rc;
}

int veu_registry_entities(struct loader *l, const char *dir, veu_registry_t *reg)
{
    static char paths[VEU_REG_MAX][4096];
    int rc = 0;

    if (!reg->held && !(reg->held = json_object())) {
        return -ENOMEM;
    }
    for (int i = 0; i < reg->n; i++) {
        veu_regfile_t *f = &reg->f[i];
        snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, f->name);
        f->index = i;
        f->reg = reg;
        if (f->kind != VEU_REG_OURS) {
            f->kind = has_suffix(f->name, ".csv") ? sniff_csv(paths[i]) : VEU_REG_UNKNOWN;
        }
    }
    for (size_t i = 0; rc == 0 && i < N_FORMATS; i++) {
        if (formats[i]->prepare) {
            rc = formats[i]->prepare(l, reg, dir);
        }
    }
    for (int i = 0; rc == 0 && i < reg->n; i++) {
        veu_regfile_t *f = &reg->f[i];
        if (f->kind == VEU_REG_OURS) {
            continue; /* the dataset loader reads it */
        }
        const char *path = begin_file(l, dir, f);
        const reg_format_t *fmt = format_of(f->kind);

        if (!has_suffix(f->name, ".csv")) {
            rc = read_json(l, reg, f, path);
            fmt = format_of(f->kind);
        } else if (fmt && fmt->entity_row) {
            rc = ld_read_csv(l, path, fmt->cols, fmt->ncols, fmt->entity_row, NULL);
        }
        if (rc == 0 && fmt && l->rep->on_file) {
            char what[96];
            if (f->records) {
                snprintf(what, sizeof(what), "%s, %lu records", fmt->name, f->records);
            } else {
                snprintf(what, sizeof(what), "%s", fmt->name);
            }
            l->rep->on_file(l->rep->ctx, f->name, what);
        }
        if (rc == 0 && !fmt) {
            rc = ld_problem(l, 1, 0, "",
                            "not read: its content matches none of the formats veud reads (our "
                            "entities, designations, ownership or supply CSV by their required "
                            "columns; GLEIF LEI-CDF or RR-CDF CSV; BODS statements or "
                            "FollowTheMoney entities, JSON lines or a JSON array)");
        }
        if (rc == 0) {
            rc = reg_report_tally(l, &f->tally);
        }
    }
    return rc;
}

int veu_registry_relations(struct loader *l, const char *dir, veu_registry_t *reg)
{
    for (int i = 0; i < reg->n; i++) {
        veu_regfile_t *f = &reg->f[i];
        if (f->kind == VEU_REG_OURS) {
            continue;
        }
        const char *path = begin_file(l, dir, f);
        const reg_format_t *fmt = format_of(f->kind);
        int rc = 0;

        if (fmt && fmt->relation_row) {
            rc = ld_read_csv(l, path, fmt->cols, fmt->ncols, fmt->relation_row, NULL);
        }
        if (fmt && fmt->json_relation) {
            rc = each_record(l, f, fmt, path, 0, relation_record, fmt->json_later_bytes);
        }
        if (rc == 0) {
            rc = reg_report_tally(l, &f->tally);
        }
        if (rc < 0) {
            return rc;
        }
    }
    for (size_t i = 0; i < N_FORMATS; i++) {
        int rc = formats[i]->finish ? formats[i]->finish(l, reg) : 0;
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

void veu_registry_free(veu_registry_t *reg)
{
    for (int i = 0; i < reg->n; i++) {
        json_decref(reg->f[i].ids);
        json_decref(reg->f[i].gone);
        json_decref(reg->f[i].last);
        reg->f[i].ids = reg->f[i].gone = reg->f[i].last = NULL;
    }
    json_decref(reg->ids);
    json_decref(reg->held);
    reg->ids = reg->held = NULL;
    for (size_t i = 0; i < N_FORMATS; i++) {
        if (formats[i]->done) {
            formats[i]->done();
        }
    }
}
