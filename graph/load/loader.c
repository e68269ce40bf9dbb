/* SPDX-License-Identifier: MIT */
/*
 * loader.c: the loader's state and what every reader of a dataset file
 * calls: problems reported with file, line and column (or failing the load
 * under strict), CSV rows by header name, entities added once, stakes added
 * through one door (ld_add_own_span, where a stake is checked), and the
 * history of dated rows.  dataset.c reads our four files with these; the
 * registry formats (registry/) read theirs with the same.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "load/csvread.h"
#include "load/dataset.h"
#include "load/loader.h"
#include "veu/snapshot.h"

void veu_report_add(veu_report_t *r, const veu_diag_t *d, bool warning)
{
    if (warning) {
        r->warnings++;
    } else {
        r->skipped++;
    }
    if (r->n_kept < VEU_REPORT_KEEP) {
        r->kept[r->n_kept] = *d;
        r->kept_warning[r->n_kept] = warning;
        r->n_kept++;
    }
    if (r->on_problem) {
        r->on_problem(r->ctx, d, warning);
    }
}

static void diag_set(veu_diag_t *d, const char *file, long line, const char *col, const char *fmt,
                     va_list ap)
{
    snprintf(d->file, sizeof(d->file), "%s", file);
    d->line = line;
    snprintf(d->column, sizeof(d->column), "%s", col ? col : "");
    vsnprintf(d->message, sizeof(d->message), fmt, ap);
}

/* A fatal problem: fills err, returns code. */
int ld_fatal(struct loader *l, int code, long line, const char *col, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diag_set(l->err, l->path, line, col, fmt, ap);
    va_end(ap);
    return code;
}

/*
 * A row that cannot be used (warning = 0) or a warning on a kept row.  Under
 * strict, a skipped row fails the load.  Returns 0 or -VEU_EROWS.
 */
int ld_problem(struct loader *l, int warning, long line, const char *col, const char *fmt, ...)
{
    veu_diag_t d;
    va_list ap;

    if (l->quiet) {
        return 0;
    }
    va_start(ap, fmt);
    diag_set(&d, l->path, line, col, fmt, ap);
    va_end(ap);
    if (!warning && l->pol->strict) {
        *l->err = d;
        return -VEU_EROWS;
    }
    veu_report_add(l->rep, &d, warning);
    return 0;
}

/* The value of column c in row, "" when the column is absent. */
const char *ld_field(const struct loader *l, const veu_csv_row_t *row, int c, size_t *len)
{
    int i = l->col[c];

    if (i < 0 || (size_t)i >= row->n) {
        *len = 0;
        return "";
    }
    *len = row->len[i];
    return row->f[i];
}

/* Whether header field f names column col: any case, blanks around ignored. */
int ld_names_column(const char *f, size_t len, const char *col)
{
    while (len && (*f == ' ' || *f == '\t')) {
        f++, len--;
    }
    while (len && (f[len - 1] == ' ' || f[len - 1] == '\t' || f[len - 1] == '\r')) {
        len--;
    }
    return len == strlen(col) && strncasecmp(f, col, len) == 0;
}

/*
 * The separator a header written with another one uses, when splitting it
 * by that one finds col: ';' (spreadsheets set to a locale with a decimal
 * comma) or a tab; 0 otherwise.
 */
char ld_other_separator(const veu_csv_row_t *row, const char *col)
{
    static const char seps[] = {';', '\t', '|'};
    for (size_t s = 0; s < sizeof(seps); s++) {
        for (size_t i = 0; i < row->n; i++) {
            const char *p = row->f[i], *end = p + row->len[i];
            while (p <= end) {
                const char *q = memchr(p, seps[s], (size_t)(end - p));
                q = q ? q : end;
                if (q - p > 0 && (q < end || p > row->f[i]) &&
                    ld_names_column(p, (size_t)(q - p), col)) {
                    return seps[s];
                }
                p = q + 1;
            }
        }
    }
    return 0;
}

int ld_separator_error(struct loader *l, long line, const char *col, char sep)
{
    return ld_fatal(l, -VEU_ECOLUMN, line, col,
                    "the header is separated by %s, not ','; veud reads CSV with ',' (RFC 4180): "
                    "export the file again with ',' as the field separator (in a spreadsheet: "
                    "Save as CSV, field delimiter ',')",
                    sep == '\t'  ? "tabs"
                    : sep == ';' ? "';'"
                                 : "'|'");
}

int ld_header_has(const veu_csv_row_t *row, const struct colspec *cols, int ncols, char *sep)
{
    int found = 1;
    *sep = 0;
    for (int c = 0; c < ncols; c++) {
        int here = !cols[c].required;
        for (size_t i = 0; i < row->n && !here; i++) {
            here = ld_names_column(row->f[i], row->len[i], cols[c].name);
        }
        if (!here) {
            found = 0;
        }
    }
    if (!found) {
        char s0 = 0;
        for (int c = 0; c < ncols; c++) {
            char s1 = cols[c].required ? ld_other_separator(row, cols[c].name) : s0;
            if (cols[c].required && (!s1 || (s0 && s1 != s0))) {
                return 0;
            }
            s0 = s1 ? s1 : s0;
        }
        *sep = s0;
    }
    return found;
}

static int on_header(struct loader *l, const veu_csv_row_t *row)
{
    for (int c = 0; c < l->ncols; c++) {
        l->col[c] = -1;
        for (size_t i = 0; i < row->n; i++) {
            if (ld_names_column(row->f[i], row->len[i], l->cols[c].name)) {
                l->col[c] = (int)i;
                break;
            }
        }
        if (l->col[c] < 0 && l->cols[c].required) {
            char sep = ld_other_separator(row, l->cols[c].name);
            if (sep) {
                return ld_separator_error(l, row->line, l->cols[c].name, sep);
            }
            return ld_fatal(l, -VEU_ECOLUMN, row->line, l->cols[c].name,
                            "required column '%s' is missing from the header", l->cols[c].name);
        }
    }
    l->header_n = row->n;
    l->header_seen = 1;
    return 0;
}

/*
 * Checks the shape of a data row and its required fields.  Returns 1 when
 * the row can be used, 0 when it was skipped, or a negative code.
 */
static int row_usable(struct loader *l, const veu_csv_row_t *row)
{
    int rc;

    if (row->n != l->header_n) {
        rc = ld_problem(l, 0, row->line, "", "row has %zu fields, the header has %zu", row->n,
                        l->header_n);
        return rc < 0 ? rc : 0;
    }
    for (int c = 0; c < l->ncols; c++) {
        size_t len;
        if (l->cols[c].required && (ld_field(l, row, c, &len), len == 0)) {
            rc = ld_problem(l, 0, row->line, l->cols[c].name, "required field '%s' is empty",
                            l->cols[c].name);
            return rc < 0 ? rc : 0;
        }
    }
    return 1;
}

static int use_row(struct loader *l, const veu_csv_row_t *row)
{
    int rc = row_usable(l, row);
    return rc <= 0 ? rc : l->row(l, row);
}

/*
 * Rows held back, oldest first: when a row comes in, the id map's slot of
 * each of its ids is prefetched; AHEAD / 2 rows later the slot is read (it
 * has arrived) and the id's string in the pool is prefetched; AHEAD rows
 * later the row is used, and its lookups find both in the cache.  Only the
 * moment a row is used changes: the order, the problems and what is added
 * are those of using each row as it comes.
 */
#define AHEAD 16

struct ahead_row {
    long line;
    size_t n;
    char *buf;
    size_t cap;
    const char *f[VEU_CSV_MAX_FIELDS];
    size_t len[VEU_CSV_MAX_FIELDS];
    uint64_t hash[2];
    bool has[2];
};

struct ld_ahead {
    int col[2]; /* columns (of cols) holding ids; -1: none */
    unsigned first, n;
    int failed; /* a row's use failed: the rest are never used */
    struct ahead_row r[AHEAD];
};

static int ahead_use_oldest(struct loader *l)
{
    struct ld_ahead *a = l->ahead;
    struct ahead_row *r = &a->r[a->first];
    veu_csv_row_t row = {.line = r->line, .n = r->n, .f = r->f, .len = r->len};

    a->first = (a->first + 1) % AHEAD;
    a->n--;
    int rc = use_row(l, &row);
    if (rc < 0) {
        a->failed = 1;
    }
    return rc;
}

static int ahead_push(struct loader *l, const veu_csv_row_t *row)
{
    struct ld_ahead *a = l->ahead;
    const veu_dataset_t *ds = l->ds;
    int rc;

    if (a->n == AHEAD && (rc = ahead_use_oldest(l)) < 0) {
        return rc;
    }
    struct ahead_row *r = &a->r[(a->first + a->n) % AHEAD];
    size_t need = 0;
    for (size_t i = 0; i < row->n; i++) {
        need += row->len[i] + 1;
    }
    if (need > r->cap) {
        char *nb = realloc(r->buf, need);
        if (!nb) {
            return -ENOMEM;
        }
        r->buf = nb;
        r->cap = need;
    }
    char *p = r->buf;
    for (size_t i = 0; i < row->n; i++) {
        memcpy(p, row->f[i], row->len[i] + 1);
        r->f[i] = p;
        r->len[i] = row->len[i];
        p += row->len[i] + 1;
    }
    r->line = row->line;
    r->n = row->n;
    for (int k = 0; k < 2; k++) {
        int c = a->col[k] < 0 ? -1 : l->col[a->col[k]];
        r->has[k] = c >= 0 && (size_t)c < row->n;
        if (r->has[k]) {
            r->hash[k] = veu_id_hash(row->f[c], row->len[c]);
            __builtin_prefetch(&ds->ids.slot[r->hash[k] & ds->ids.mask]);
        }
    }
    a->n++;
    if (a->n > AHEAD / 2) {
        const struct ahead_row *m = &a->r[(a->first + a->n - 1 - AHEAD / 2) % AHEAD];
        for (int k = 0; k < 2; k++) {
            if (m->has[k]) {
                veu_idmap_prefetch_keys(ds->ids.slot, ds->ids.mask, ds->pool.buf, m->hash[k]);
            }
        }
    }
    return 0;
}

static int on_row(void *ctx, const veu_csv_row_t *row)
{
    struct loader *l = ctx;

    if (!l->header_seen) {
        return on_header(l, row);
    }
    return l->ahead ? ahead_push(l, row) : use_row(l, row);
}

int ld_pool_add(struct loader *l, const char *s, size_t len, uint32_t *ret)
{
    int rc = veu_strpool_add(l->pool ? l->pool : &l->ds->pool, s, len, ret);
    if (rc < 0) {
        return ld_fatal(l, rc == -E2BIG ? -VEU_ETOOBIG : rc, 0, "",
                        "the dataset's strings exceed 4 GiB");
    }
    return 0;
}

/* Looks up an entity id field; reports an unknown id.  1 found, 0 skipped. */
int ld_lookup(struct loader *l, const veu_csv_row_t *row, int c, uint32_t *ret)
{
    size_t len;
    const char *s = ld_field(l, row, c, &len);
    const veu_dataset_t *ds = l->ds;

    *ret = veu_idmap_find_raw(ds->ids.slot, ds->ids.mask, ds->pool.buf, s, len);
    if (*ret != VEU_NONE) {
        return 1;
    }
    int rc = ld_problem(l, 0, row->line, l->cols[c].name, "unknown entity id '%s'", s);
    return rc < 0 ? rc : 0;
}

/*
 * Adds one entity.  A duplicate id fails the load when it comes from
 * entities.csv (dup_fatal), and is a warning keeping the first definition
 * when a registry restates it.  Returns 1 added, 0 not, or a fatal code.
 */
static int add_entity(struct loader *l, const ld_entity_t *in, int dup_fatal)
{
    veu_dataset_t *ds = l->ds;
    veu_entity_row_t e = {0};
    char buf[VEU_POLICY_WORD];
    const char *s;
    size_t len;
    uint32_t prev;
    int rc;

    if (ds->n == UINT32_MAX - 1) {
        return ld_fatal(l, -VEU_ETOOBIG, in->line, "id", "more than 4 billion entities");
    }
    if (!dup_fatal && (prev = ld_find(l, in->id)) != VEU_NONE) {
        rc = ld_problem(l, 1, in->line, "id",
                        "entity '%s' is defined already; the first definition is kept", in->id);
        return rc < 0 ? rc : 0;
    }
    if (ds->n % 4096 == 0) {
        size_t cap = (size_t)ds->n + 4096;
        void *ne = realloc(ds->ent, cap * sizeof(*ds->ent));
        void *nl = realloc(l->ent_line, cap * sizeof(*l->ent_line));
        if (ne) {
            ds->ent = ne;
        }
        if (nl) {
            l->ent_line = nl;
        }
        if (!ne || !nl) {
            return -ENOMEM;
        }
    }
    if ((rc = ld_pool_add(l, in->id, strlen(in->id), &e.id)) < 0 ||
        (rc = ld_pool_add(l, in->name, strlen(in->name), &e.name)) < 0) {
        return rc;
    }
    s = in->country ? in->country : "";
    len = strlen(s);
    if (len > 0) {
        int ok = len == 2 && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]);
        if (!ok && (rc = ld_problem(l, 1, in->line, "country",
                                    "country '%s' is not an ISO 3166-1 alpha-2 code; kept as "
                                    "given",
                                    s)) < 0) {
            return rc;
        }
        len = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
        for (size_t i = 0; i < len; i++) {
            buf[i] = (char)toupper((unsigned char)s[i]);
        }
        if ((rc = ld_pool_add(l, buf, len, &e.country)) < 0) {
            return rc;
        }
    }
    s = in->sector ? in->sector : "";
    len = strlen(s);
    if (len > 0) {
        len = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
        for (size_t i = 0; i < len; i++) {
            buf[i] = (char)tolower((unsigned char)s[i]);
        }
        if ((rc = ld_pool_add(l, buf, len, &e.sector)) < 0) {
            return rc;
        }
    }
    s = in->aliases ? in->aliases : "";
    if ((rc = ld_pool_add(l, s, strlen(s), &e.aliases)) < 0) {
        return rc;
    }
    ds->ent[ds->n] = e;
    l->ent_line[ds->n] = (uint32_t)in->line;
    rc = veu_idmap_insert(&ds->ids, &ds->pool, e.id, ds->n, &prev);
    if (rc == -EEXIST) {
        return ld_fatal(l, -VEU_EDUPLICATE, in->line, "id",
                        "duplicate entity id '%s' (first defined on line %u)",
                        veu_str(&ds->pool, e.id), l->ent_line[prev]);
    }
    if (rc < 0) {
        return rc;
    }
    ds->n++;
    return 1;
}

int ld_add_entity(struct loader *l, const ld_entity_t *e)
{
    return add_entity(l, e, 0);
}

uint32_t ld_find(const struct loader *l, const char *s)
{
    const veu_dataset_t *ds = l->ds;
    return veu_idmap_find_raw(ds->ids.slot, ds->ids.mask, ds->pool.buf, s, strlen(s));
}

int ld_add_entity_row(struct loader *l, const ld_entity_t *e)
{
    return add_entity(l, e, 1);
}

int ld_hist_begin(veu_dataset_t *ds)
{
    if (ds->hist) {
        return 0;
    }
    ds->hist = 1;
    for (size_t i = 0; i < ds->n_own; i++) {
        if (veu_grow((void **)&ds->hown, &ds->cap_hown, ds->n_hown, sizeof(*ds->hown)) < 0) {
            return -ENOMEM;
        }
        ds->hown[ds->n_hown++] = (veu_hown_t){ds->own[i], {VEU_DAY_MIN, VEU_DAY_MAX}};
    }
    for (size_t i = 0; i < ds->n_sup; i++) {
        if (veu_grow((void **)&ds->hsup, &ds->cap_hsup, ds->n_hsup, sizeof(*ds->hsup)) < 0) {
            return -ENOMEM;
        }
        ds->hsup[ds->n_hsup++] = (veu_hsup_t){ds->sup[i], {VEU_DAY_MIN, VEU_DAY_MAX}};
    }
    return 0;
}

/*
 * The days a row dated [from, until) is in effect: 1 read into *span, 0
 * skipped, <0 fatal.  An end date is exclusive: a stake sold on 1 May is
 * not held on 1 May.  A date that cannot be read is a warning and the row
 * counts as undated (kept: a typo must not clear a buyer).
 */
int ld_in_effect(struct loader *l, veu_span_t span)
{
    if (veu_span_has(span, l->ds->day)) {
        return 1;
    }
    l->not_in_effect++;
    return 0;
}

static uint16_t bound_c(double pct)
{
    return isnan(pct) || pct < 0 || pct > 100 ? VEU_NO_BOUND : (uint16_t)lround(pct * 100);
}

/*
 * A row into the history (when kept) and, in effect on the build day, into
 * the rows.  Every reader comes through here, so here the stake is checked
 * once for all: a percent in (0, 100] or none, a range within [0, 100]
 * whose top is above 0 (a share of 0, or of -0, from a register once made a
 * snapshot the server refused for ever: the review's F2).
 */
int ld_add_own_span(struct loader *l, long line, uint32_t owner, uint32_t owned, double pct,
                    int control, double pct_min, double pct_max, veu_span_t span)
{
    veu_dataset_t *ds = l->ds;

    if ((!isnan(pct) && !(pct > 0.0 && pct <= 100.0)) ||
        (!isnan(pct_min) && !(pct_min >= 0.0 && pct_min <= 100.0)) ||
        (!isnan(pct_max) && !(pct_max > 0.0 && pct_max <= 100.0)) ||
        (!isnan(pct_min) && !isnan(pct_max) && pct_min > pct_max)) {
        int rc = ld_problem(l, 0, line, "percent",
                            "the stake of '%s' in '%s' (%g, range %g..%g) is not a percent in "
                            "(0, 100]: not imported",
                            veu_str(&ds->pool, ds->ent[owner].id),
                            veu_str(&ds->pool, ds->ent[owned].id), pct, pct_min, pct_max);
        return rc < 0 ? rc : 0;
    }
    veu_own_row_t o = {.owner = owner,
                       .owned = owned,
                       .pct = pct,
                       .control = (uint8_t)control,
                       .min_c = bound_c(pct_min),
                       .max_c = bound_c(pct_max)};

    if (ds->hist) {
        if (veu_grow((void **)&ds->hown, &ds->cap_hown, ds->n_hown, sizeof(*ds->hown)) < 0) {
            return -ENOMEM;
        }
        ds->hown[ds->n_hown++] = (veu_hown_t){o, span};
    }
    if (!ld_in_effect(l, span)) {
        return 0;
    }
    if (veu_grow((void **)&ds->own, &ds->cap_own, ds->n_own, sizeof(*ds->own)) < 0) {
        return -ENOMEM;
    }
    ds->own[ds->n_own++] = o;
    if (isnan(pct) && !control && isnan(pct_max)) {
        l->rep->unknown_stakes++;
    }
    return 0;
}

int ld_add_own(struct loader *l, long line, uint32_t owner, uint32_t owned, double pct, int control,
               double pct_min, double pct_max)
{
    return ld_add_own_span(l, line, owner, owned, pct, control, pct_min, pct_max,
                           (veu_span_t){VEU_DAY_MIN, VEU_DAY_MAX});
}

int ld_read_csv(struct loader *l, const char *path, const struct colspec *cols, int ncols,
                row_fn fn, void *digest)
{
    return ld_read_csv_ahead(l, path, cols, ncols, fn, digest, -1, -1);
}

/*
 * Uses the rows still held back once the file has been read to its end or
 * to a problem of its own (syntax, size, I/O).  Those rows come before that
 * problem, so a fatal one among them is the one reported, as it would have
 * been had each row been used as it came.
 */
static int ahead_finish(struct loader *l, int rc)
{
    struct ld_ahead *a = l->ahead;

    while (!a->failed && a->n > 0) {
        int urc = ahead_use_oldest(l);
        if (urc < 0) {
            rc = urc;
        }
    }
    for (int i = 0; i < AHEAD; i++) {
        free(a->r[i].buf);
    }
    free(a);
    l->ahead = NULL;
    return rc;
}

int ld_read_csv_ahead(struct loader *l, const char *path, const struct colspec *cols, int ncols,
                      row_fn fn, void *digest, int id0, int id1)
{
    return ld_read_csv_range(l, path, cols, ncols, fn, digest, id0, id1, 0, UINT64_MAX, 0);
}

/* The header alone, for a part of a file that starts after it. */
static int header_only(void *ctx, const veu_csv_row_t *row)
{
    struct loader *l = ctx;
    int rc = on_header(l, row);
    return rc < 0 ? rc : -EALREADY;
}

int ld_read_csv_range(struct loader *l, const char *path, const struct colspec *cols, int ncols,
                      row_fn fn, void *digest, int id0, int id1, uint64_t start, uint64_t end,
                      long line)
{
    struct stat st = {0};
    int rc = 0;

    l->path = path;
    l->cols = cols;
    l->ncols = ncols;
    l->row = fn;
    l->header_seen = 0;
    l->ahead = NULL;
    if (start > 0) {
        rc = veu_csv_read_range(path, 0, start, 0, header_only, l, NULL, l->err, &st);
        rc = rc == -EALREADY ? 0 : rc < 0 ? rc : -VEU_ECHANGED; /* a header before any cut */
    }
    if (rc == 0 && (id0 >= 0 || id1 >= 0) && (l->ahead = calloc(1, sizeof(*l->ahead)))) {
        l->ahead->col[0] = id0;
        l->ahead->col[1] = id1;
    } /* without the memory, rows are used as they come: slower, the same */
    if (rc == 0) {
        rc = veu_csv_read_range(path, start, end, line, on_row, l, digest, l->err, &st);
    }
    if (l->ahead) {
        rc = ahead_finish(l, rc);
    }
    if (rc != -ENOENT && l->n_seen < VEU_LD_MAX_FILES) {
        l->seen[l->n_seen] = st;
        snprintf(l->seen_path[l->n_seen++], sizeof(l->seen_path[0]), "%s", path);
    }
    if (rc == -ENOENT || rc == -VEU_ESYNTAX) {
        return rc; /* csvread.c filled the position of a syntax error */
    }
    if (rc == -VEU_ECHANGED) {
        return ld_fatal(l, rc, 0, "",
                        "the file changed size while it was read (cut short, or still being "
                        "written); build again");
    }
    if (rc < 0 && rc > -VEU_ESYNTAX) {
        return ld_fatal(l, rc, 0, "", "cannot read: %s", veu_strerror(rc));
    }
    if (rc == 0 && !l->header_seen) {
        return ld_fatal(l, -VEU_ECOLUMN, 1, "",
                        "the file is empty: a header row naming the columns is required");
    }
    return rc;
}

int ld_add_designation(struct loader *l, long line, uint32_t idx, uint8_t bit, const char *source,
                       const char *list, veu_span_t span)
{
    veu_dataset_t *ds = l->ds;
    char named[1024];
    uint32_t off;
    int rc;

    /* the name an answer gives: the source as a person reads it, with its list id */
    int k = *list ? snprintf(named, sizeof(named), "%s%s[%s]", source, *source ? " " : "", list)
                  : snprintf(named, sizeof(named), "%s", source);
    size_t n = k < (int)sizeof(named) ? (size_t)k : sizeof(named) - 1;
    if ((rc = ld_pool_add(l, named, n, &off)) < 0) {
        return rc;
    }
    if (bit != VEU_DES_VEU && !veu_policy_selects_list(l->pol, list)) {
        bit |= VEU_DES_UNSELECTED; /* seed_lists leaves this list out: no seed, but said */
    }
    uint32_t loff = 0;
    if (*list && (rc = ld_pool_add(l, list, strlen(list), &loff)) < 0) {
        return rc;
    }
    if (veu_grow((void **)&ds->hdes, &ds->cap_hdes, ds->n_hdes, sizeof(*ds->hdes)) < 0 ||
        veu_grow((void **)&ds->hdes_list, &ds->cap_hdes_list, ds->n_hdes, sizeof(*ds->hdes_list)) <
            0) {
        return -ENOMEM;
    }
    ds->hdes_list[ds->n_hdes] = loff;
    ds->hdes[ds->n_hdes++] = (veu_hdes_t){.entity = idx, .source = off, .span = span, .bit = bit};
    if (!ld_in_effect(l, span)) {
        return 0;
    }
    if ((rc = veu_designate(l->pool ? l->pool : &ds->pool, &ds->ent[idx], bit, off)) < 0) {
        return ld_fatal(l, rc, line, "source", "cannot keep the list's name: %s", veu_strerror(rc));
    }
    ds->designations++;
    return 0;
}
