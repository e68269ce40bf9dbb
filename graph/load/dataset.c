/* SPDX-License-Identifier: MIT */
/*
 * dataset.c: SPEC section 2.  Reads the four CSV files of a dataset
 * directory, finds columns by header name, validates every row and maps
 * entity ids to dense indices.  A row that cannot be used is skipped and
 * reported with file, line, column and value (or fails the load under
 * strict); a syntax error, a missing required column or a duplicate id
 * fails the load.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <xxhash.h>

#include "veu/assert.h"

#include "base/dates.h"
#include "load/csvread.h"
#include "load/dataset.h"
#include "load/loader.h"
#include "load/registry/registry.h"
#include "veu/snapshot.h"

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct colspec entity_cols[] = {
    {"id", 1}, {"name", 1}, {"country", 0}, {"sector", 0}, {"aliases", 0},
};
enum { E_ID, E_NAME, E_COUNTRY, E_SECTOR, E_ALIASES };

static const struct colspec own_cols[] = {
    {"owner_id", 1},   {"owned_id", 1}, {"percent", 0},     {"kind", 0},
    {"start_date", 0}, {"end_date", 0}, {"percent_min", 0}, {"percent_max", 0},
};
enum { O_OWNER, O_OWNED, O_PERCENT, O_KIND, O_START, O_END, O_MIN, O_MAX };

static const struct colspec sup_cols[] = {
    {"supplier_id", 1}, {"customer_id", 1}, {"product", 0}, {"start_date", 0}, {"end_date", 0},
};
enum { S_SUPPLIER, S_CUSTOMER, S_PRODUCT, S_START, S_END };

static const struct colspec des_cols[] = {
    {"entity_id", 1}, {"designation", 1}, {"source", 0},
    {"listed_on", 0}, {"delisted_on", 0}, {"list", 0},
};
enum { D_ENTITY, D_DESIGNATION, D_SOURCE, D_LISTED, D_DELISTED, D_LIST };

static int entity_row(struct loader *l, const veu_csv_row_t *row)
{
    size_t len;
    ld_entity_t e = {.line = row->line};

    e.id = ld_field(l, row, E_ID, &len);
    e.name = ld_field(l, row, E_NAME, &len);
    e.country = ld_field(l, row, E_COUNTRY, &len);
    e.sector = ld_field(l, row, E_SECTOR, &len);
    e.aliases = ld_field(l, row, E_ALIASES, &len);
    int rc = ld_add_entity_row(l, &e);
    return rc < 0 ? rc : 0;
}

/*
 * Reads a percent as registers write it: "12.5", and, with *lenient set,
 * "50%", "50 %" or a decimal comma ("12,5").  Returns 1 read, 0 not a
 * number.
 */
static int read_percent(const char *s, double *ret, int *lenient)
{
    char buf[64], *end;
    size_t n = strlen(s);

    *lenient = 0;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
        n--;
    }
    if (n && s[n - 1] == '%') {
        *lenient = 1;
        n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
            n--;
        }
    }
    if (n == 0 || n >= sizeof(buf)) {
        return 0;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *comma = strchr(buf, ',');
    if (comma && !strchr(comma + 1, ',') && !strchr(buf, '.')) {
        *comma = '.';
        *lenient = 1;
    }
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0' || errno == ERANGE || !isfinite(v)) {
        return 0;
    }
    *ret = v;
    return 1;
}

/*
 * Parses a percent field: 1 ok (NAN for empty or unreadable), 0 skipped,
 * <0 error.  A spelling read leniently is a warning; a percent that cannot
 * be read at all is never a reason to drop the row (SPEC section 2): its
 * stake becomes one of unknown size, with a warning (own_row says so).
 */
static int parse_percent(struct loader *l, const veu_csv_row_t *row, double *ret, int *unreadable)
{
    size_t len;
    const char *s = ld_field(l, row, O_PERCENT, &len);
    double v;
    int lenient, rc;

    *unreadable = 0;
    *ret = NAN;
    if (len == 0) {
        return 1;
    }
    if (!read_percent(s, &v, &lenient)) {
        *unreadable = 1;
        return 1;
    }
    if (lenient &&
        (rc = ld_problem(l, 1, row->line, "percent", "percent '%s' read as %.10g", s, v)) < 0) {
        return rc;
    }
    if (!(v > 0.0 && v <= 100.0)) {
        rc = ld_problem(l, 0, row->line, "percent", "percent '%s' is outside (0, 100]", s);
        return rc < 0 ? rc : 0;
    }
    *ret = v;
    return 1;
}

/*
 * Starts keeping the history: the rows read so far were undated (a dated
 * one starts it), so they are in effect on every day.
 */
static int row_span(struct loader *l, const veu_csv_row_t *row, int c_from, int c_until,
                    veu_span_t *span)
{
    const char *col[2] = {l->cols[c_from].name, l->cols[c_until].name};
    const char *v[2];
    size_t len[2];
    int ok[2], rc;

    for (int i = 0; i < 2; i++) {
        v[i] = ld_field(l, row, i ? c_until : c_from, &len[i]);
        ok[i] = len[i] > 0 && veu_iso_date(v[i], len[i]);
        if (len[i] > 0 && !ok[i] &&
            (rc = ld_problem(l, 1, row->line, col[i],
                             "'%s' is not a date (YYYY-MM-DD): the row counts as undated", v[i])) <
                0) {
            return rc;
        }
        l->ds->dated |= ok[i];
    }
    if (ok[0] && ok[1] && strcmp(v[0], v[1]) >= 0) {
        rc = ld_problem(l, 0, row->line, col[1], "'%s' is not after %s '%s'", v[1], col[0], v[0]);
        return rc < 0 ? rc : 0;
    }
    span->from = ok[0] ? veu_day_number(v[0]) : VEU_DAY_MIN;
    span->until = ok[1] ? veu_day_number(v[1]) : VEU_DAY_MAX;
    if ((ok[0] || ok[1]) && ld_hist_begin(l->ds) < 0) {
        return ld_fatal(l, -ENOMEM, row->line, "", "out of memory");
    }
    return 1;
}

/* Whether a row is in effect on the build day; counts those that are not. */
/* One bound of a range: 1 read (NAN when empty), 0 skipped, <0 fatal. */
static int range_bound(struct loader *l, const veu_csv_row_t *row, int c, double *ret)
{
    size_t len;
    const char *s = ld_field(l, row, c, &len);
    double v;
    int lenient, rc;

    *ret = NAN;
    if (len == 0) {
        return 1;
    }
    if (!read_percent(s, &v, &lenient) || !(v >= 0.0 && v <= 100.0)) {
        rc = ld_problem(l, 0, row->line, l->cols[c].name, "'%s' is not a percent in [0, 100]", s);
        return rc < 0 ? rc : 0;
    }
    if (lenient &&
        (rc = ld_problem(l, 1, row->line, l->cols[c].name, "'%s' read as %.10g", s, v)) < 0) {
        return rc;
    }
    *ret = v;
    return 1;
}

/*
 * percent_min and percent_max: the range a register publishes.  Both or
 * neither; min <= percent <= max when a percent is given too.
 */
static int parse_range(struct loader *l, const veu_csv_row_t *row, double pct, double *lo,
                       double *hi)
{
    int rc;

    if ((rc = range_bound(l, row, O_MIN, lo)) <= 0 || (rc = range_bound(l, row, O_MAX, hi)) <= 0) {
        return rc;
    }
    if (isnan(*lo) != isnan(*hi) || (!isnan(*lo) && *lo > *hi) || (!isnan(*hi) && *hi == 0) ||
        (!isnan(pct) && !isnan(*lo) &&
         (pct < *lo - VEU_PERCENT_EPS || pct > *hi + VEU_PERCENT_EPS))) {
        rc = ld_problem(l, 0, row->line, "percent_max",
                        "a range needs percent_min <= percent <= percent_max, percent_max above 0");
        return rc < 0 ? rc : 0;
    }
    return 1;
}

static int own_row(struct loader *l, const veu_csv_row_t *row)
{
    veu_dataset_t *ds = l->ds;
    veu_own_row_t o = {0};
    const char *kind;
    size_t len;
    int rc;

    if ((rc = ld_lookup(l, row, O_OWNER, &o.owner)) <= 0 ||
        (rc = ld_lookup(l, row, O_OWNED, &o.owned)) <= 0) {
        return rc;
    }
    if (o.owner == o.owned) {
        rc = ld_problem(l, 0, row->line, "owned_id", "self-loop: '%s' owns itself",
                        veu_str(&ds->pool, ds->ent[o.owner].id));
        return rc < 0 ? rc : 0;
    }
    kind = ld_field(l, row, O_KIND, &len);
    if (len == 0 || strcmp(kind, "equity") == 0) {
        o.control = 0;
    } else if (strcmp(kind, "control") == 0) {
        o.control = 1;
    } else if ((rc = ld_problem(l, 1, row->line, "kind",
                                "kind '%s' is neither 'equity' nor 'control': kept as equity, "
                                "so that its stake is never lost",
                                kind)) < 0) {
        return rc;
    }
    veu_span_t span;
    int unreadable;
    if ((rc = parse_percent(l, row, &o.pct, &unreadable)) <= 0 ||
        (rc = row_span(l, row, O_START, O_END, &span)) <= 0) {
        return rc;
    }
    if (unreadable &&
        (rc = ld_problem(l, 1, row->line, "percent",
                         "percent '%s' of '%s' in '%s' cannot be read: %s",
                         ld_field(l, row, O_PERCENT, &len), veu_str(&ds->pool, ds->ent[o.owner].id),
                         veu_str(&ds->pool, ds->ent[o.owned].id),
                         o.control ? "the control is kept, without a share"
                                   : "kept as a stake of unknown size")) < 0) {
        return rc;
    }
    l->rep->unreadable_percents += unreadable && !o.control;
    double lo = NAN, hi = NAN;
    if ((rc = parse_range(l, row, o.pct, &lo, &hi)) <= 0) {
        return rc;
    }
    if (isnan(o.pct) && lo > 0) {
        o.pct = lo; /* the certain part of a range */
    }
    if (isnan(o.pct) && !o.control && isnan(hi) && !unreadable &&
        (rc = ld_problem(l, 1, row->line, "percent",
                         "equity stake of '%s' in '%s' has no percent: kept as a stake of "
                         "unknown size that adds nothing to any sum",
                         veu_str(&ds->pool, ds->ent[o.owner].id),
                         veu_str(&ds->pool, ds->ent[o.owned].id))) < 0) {
        return rc;
    }
    return ld_add_own_span(l, row->line, o.owner, o.owned, o.pct, o.control, lo, hi, span);
}

static int sup_row(struct loader *l, const veu_csv_row_t *row)
{
    veu_dataset_t *ds = l->ds;
    veu_sup_row_t s = {0};
    const char *prod;
    size_t len;
    int rc;

    if ((rc = ld_lookup(l, row, S_SUPPLIER, &s.supplier)) <= 0 ||
        (rc = ld_lookup(l, row, S_CUSTOMER, &s.customer)) <= 0) {
        return rc;
    }
    if (s.supplier == s.customer) {
        rc = ld_problem(l, 0, row->line, "customer_id", "self-loop: '%s' supplies itself",
                        veu_str(&ds->pool, ds->ent[s.supplier].id));
        return rc < 0 ? rc : 0;
    }
    veu_span_t span;
    if ((rc = row_span(l, row, S_START, S_END, &span)) <= 0) {
        return rc;
    }
    prod = ld_field(l, row, S_PRODUCT, &len);
    if ((rc = ld_pool_add(l, prod, len, &s.product)) < 0) {
        return rc;
    }
    if (ds->hist) {
        if (veu_grow((void **)&ds->hsup, &ds->cap_hsup, ds->n_hsup, sizeof(*ds->hsup)) < 0) {
            return -ENOMEM;
        }
        ds->hsup[ds->n_hsup++] = (veu_hsup_t){s, span};
    }
    if (!ld_in_effect(l, span)) {
        return 0;
    }
    if (veu_grow((void **)&ds->sup, &ds->cap_sup, ds->n_sup, sizeof(*ds->sup)) < 0) {
        return -ENOMEM;
    }
    ds->sup[ds->n_sup++] = s;
    return 0;
}

static int des_row(struct loader *l, const veu_csv_row_t *row)
{
    veu_dataset_t *ds = l->ds;
    const char *d, *src, *id;
    size_t len, slen;
    uint32_t idx;
    uint8_t bit;
    int rc;

    /* any case; any other word fails the build: a list read in part clears the rest */
    d = ld_field(l, row, D_DESIGNATION, &len);
    if (strcasecmp(d, "defense") == 0) {
        bit = VEU_DES_DEFENSE;
    } else if (strcasecmp(d, "military") == 0) {
        bit = VEU_DES_MILITARY;
    } else if (strcasecmp(d, "validated_end_user") == 0) {
        bit = VEU_DES_VEU;
    } else {
        return ld_fatal(l, -VEU_EROWS, row->line, "designation",
                        "designation '%s' is not defense, military or validated_end_user; "
                        "a list read in part would clear the rest, so nothing is built",
                        d);
    }
    /* a listing of an id the data lacks screens nobody: said, never silently dropped */
    id = ld_field(l, row, D_ENTITY, &len);
    idx = veu_idmap_find_raw(ds->ids.slot, ds->ids.mask, ds->pool.buf, id, len);
    if (idx == VEU_NONE) {
        l->rep->designations_unknown++;
        rc = ld_problem(l, 1, row->line, "entity_id",
                        "'%s' is designated %s but is not in the data: it screens no buyer", id, d);
        return rc < 0 ? rc : 0;
    }
    veu_span_t span;
    if ((rc = row_span(l, row, D_LISTED, D_DELISTED, &span)) <= 0) {
        return rc;
    }
    src = ld_field(l, row, D_SOURCE, &slen);
    return ld_add_designation(l, row->line, idx, bit, src, ld_field(l, row, D_LIST, &len), span);
}

/* Adds the list at pool offset source to the "; "-joined lists at *slot, once. */
static int join_source(veu_strpool_t *pool, uint32_t *slot, uint32_t source)
{
    if (*slot == 0 || *slot == source) {
        *slot = *slot ? *slot : source;
        return 0;
    }
    const char *cur = veu_str(pool, *slot), *add = veu_str(pool, source);
    size_t cl = strlen(cur), al = strlen(add);
    for (const char *p = cur; al && p;) {
        const char *end = strstr(p, "; ");
        size_t pl = end ? (size_t)(end - p) : strlen(p);
        if (pl == al && !memcmp(p, add, al)) {
            return 0; /* named already */
        }
        p = end ? end + 2 : NULL;
    }
    if (al == 0) {
        return 0;
    }
    char *buf = malloc(cl + 2 + al);
    if (!buf) {
        return -ENOMEM;
    }
    memcpy(buf, cur, cl);
    memcpy(buf + cl, "; ", 2);
    memcpy(buf + cl + 2, add, al);
    int rc = veu_strpool_add(pool, buf, cl + 2 + al, slot);
    free(buf);
    return rc;
}

int veu_designate(veu_strpool_t *pool, veu_entity_row_t *e, uint8_t bit, uint32_t source)
{
    uint8_t kind = bit & (VEU_DES_DEFENSE | VEU_DES_MILITARY | VEU_DES_VEU);
    int rc = join_source(pool, kind == VEU_DES_VEU ? &e->veu_src : &e->seed_src, source);

    if (rc < 0) {
        return rc;
    }
    if (kind != VEU_DES_VEU && !e->seed_kind) {
        e->seed_kind = kind;
    }
    if (bit & VEU_DES_UNSELECTED) {
        e->des_other |= kind;
    } else {
        e->des |= kind;
    }
    return 0;
}

/*
 * Our four files under any name: a CSV of the data directory whose header
 * names the required columns of one of them (in any case) is read as that
 * file, after the one of the standard name, in name order.  A user's
 * kek-entities.csv is an entities file; one whose header is separated by
 * ';' or tabs fails the build naming the fix, never read as nothing.
 */
enum { K_ENTITIES, K_DESIGNATIONS, K_OWNERSHIP, K_SUPPLY, K_N };
static const struct {
    const char *name;
    const struct colspec *cols;
    int ncols;
    row_fn fn;
    int id0, id1; /* columns naming entities, fetched ahead (ld_read_csv_ahead), -1: none */
} kinds[K_N] = {
    {"entities.csv", entity_cols, NCOLS(entity_cols), entity_row, E_ID, -1},
    {"designations.csv", des_cols, NCOLS(des_cols), des_row, D_ENTITY, -1},
    {"ownership.csv", own_cols, NCOLS(own_cols), own_row, O_OWNER, O_OWNED},
    {"supply.csv", sup_cols, NCOLS(sup_cols), sup_row, S_SUPPLIER, S_CUSTOMER},
};

/*
 * After file k was read (rc): it is said to have been read, and its rows
 * left out for their dates are counted in one warning.
 */
static int file_read(struct loader *l, int k, int rc)
{
    const char *name = kinds[k].name;

    if (rc != -ENOENT && l->rep->on_file) {
        char what[64];
        snprintf(what, sizeof(what), "%.*s", (int)strlen(name) - 4, name);
        l->rep->on_file(l->rep->ctx, name, what);
    }
    if (rc == 0 && l->not_in_effect > 0) {
        rc = ld_problem(l, 1, 0, "", "%lu rows not in effect on %s (their dates) are left out",
                        l->not_in_effect, l->ds->as_of);
    }
    return rc;
}

static int load_file(struct loader *l, const char *dir, int k, int required, XXH3_state_t *digest)
{
    const char *name = kinds[k].name;
    char path[4096];
    int rc;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    XXH3_128bits_update(digest, name, strlen(name) + 1);
    l->not_in_effect = 0;
    rc = ld_read_csv_ahead(l, path, kinds[k].cols, kinds[k].ncols, kinds[k].fn, digest,
                           kinds[k].id0, kinds[k].id1);
    rc = file_read(l, k, rc);
    if (rc == -ENOENT && !required) {
        XXH3_128bits_update(digest, "-", 1);
        return 0;
    }
    if (rc == -ENOENT) {
        return ld_fatal(l, rc, 0, "", "cannot read: %s", veu_strerror(rc));
    }
    return rc;
}

struct sniff {
    int kind;
    char sep;
    long line;
};

static int sniff_header(void *ctx, const veu_csv_row_t *row)
{
    struct sniff *sn = ctx;
    for (int k = 0; k < K_N && sn->kind < 0; k++) {
        char sep;
        if (ld_header_has(row, kinds[k].cols, kinds[k].ncols, &sep)) {
            sn->kind = k;
        } else if (sep && !sn->sep) {
            sn->sep = sep;
            sn->line = row->line;
        }
    }
    return -EALREADY; /* the header is all we need */
}

/* Finds our files under other names; a header written with ';' or tabs is fatal. */
static int find_ours(struct loader *l, const char *dir, veu_registry_t *reg)
{
    for (int i = 0; i < reg->n; i++) {
        veu_regfile_t *f = &reg->f[i];
        size_t n = strlen(f->name);
        if (n < 5 || strcmp(f->name + n - 4, ".csv") != 0) {
            continue;
        }
        char path[4096];
        veu_diag_t d;
        struct sniff sn = {.kind = -1};
        snprintf(path, sizeof(path), "%s/%s", dir, f->name);
        veu_csv_read(path, sniff_header, &sn, NULL, &d, NULL);
        if (sn.kind >= 0) {
            f->kind = VEU_REG_OURS;
            f->ours = sn.kind;
        } else if (sn.sep) {
            l->path = path;
            return ld_separator_error(l, sn.line, "", sn.sep);
        }
    }
    return 0;
}

/* The files of kind k under other names, after the standard one. */
static int load_others(struct loader *l, const char *dir, veu_registry_t *reg, int k)
{
    for (int i = 0; i < reg->n; i++) {
        if (reg->f[i].kind != VEU_REG_OURS || reg->f[i].ours != k) {
            continue;
        }
        char path[4096], what[64];
        snprintf(path, sizeof(path), "%s/%s", dir, reg->f[i].name);
        if (l->rep->on_file) {
            snprintf(what, sizeof(what), "%.*s (found by its header)",
                     (int)strlen(kinds[k].name) - 4, kinds[k].name);
            l->rep->on_file(l->rep->ctx, reg->f[i].name, what);
        }
        l->not_in_effect = 0;
        /* hashed with the registry files (veu_registry_digest), as digest.c does */
        int rc = ld_read_csv_ahead(l, path, kinds[k].cols, kinds[k].ncols, kinds[k].fn, NULL,
                                   kinds[k].id0, kinds[k].id1);
        if (rc == 0 && l->not_in_effect > 0) {
            rc = ld_problem(l, 1, 0, "", "%lu rows not in effect on %s (their dates) are left out",
                            l->not_in_effect, l->ds->as_of);
        }
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* Our file of kind k: the one of the standard name, then those of other names. */
static int load_kind(struct loader *l, const char *dir, veu_registry_t *reg, int k, int required,
                     XXH3_state_t *digest)
{
    int rc = load_file(l, dir, k, required, digest);
    return rc < 0 ? rc : load_others(l, dir, reg, k);
}

/* Warns once per entity whose incoming equity adds up to more than 100%. */
static void warn_over_100(struct loader *l)
{
    veu_dataset_t *ds = l->ds;
    double *sum = calloc(ds->n ? ds->n : 1, sizeof(*sum));
    veu_diag_t d;

    if (!sum) {
        return;
    }
    for (size_t i = 0; i < ds->n_own; i++) {
        if (!isnan(ds->own[i].pct)) {
            sum[ds->own[i].owned] += ds->own[i].pct;
        }
    }
    for (uint32_t v = 0; v < ds->n; v++) {
        if (sum[v] > 100.0 + VEU_PERCENT_EPS) {
            snprintf(d.file, sizeof(d.file), "%s", l->path);
            d.line = 0;
            snprintf(d.column, sizeof(d.column), "percent");
            snprintf(d.message, sizeof(d.message),
                     "stakes held in '%s' add up to %.6g%%, more than 100%%",
                     veu_str(&ds->pool, ds->ent[v].id), sum[v]);
            veu_report_add(l->rep, &d, true);
        }
    }
    free(sum);
}

/*
 * supply.csv is hashed on its own and folded into the dataset's digest as
 * its name and that sub-digest, so that the digest is the same whether the
 * file was read alongside ownership.csv or after it (digest.c does the same).
 */
static int load_supply(struct loader *l, const char *dir, XXH3_state_t *sub)
{
    XXH3_128bits_reset(sub);
    return load_file(l, dir, K_SUPPLY, 0, sub);
}

/*
 * supply.csv on the second core while this one reads ownership.csv, and
 * then, when ownership.csv is large, the part of it after a cut (own_cut).
 * Both cores read the entities and the id map, which neither changes; a
 * job's strings go to a pool of its own and its problems to a list, and
 * both join the dataset's afterwards in the order a load on one core
 * gives.  A part with more than SIDE_KEEP problems is read again on this
 * core, in order.
 */
#define SIDE_KEEP 4096

struct side_job {
    struct loader l;
    struct side_job *tail; /* ownership.csv after its cut, read after supply.csv; NULL: none */
    uint64_t cut;          /* for a tail: where it starts, and the lines before */
    long cut_lines;
    veu_dataset_t ds; /* the dataset as the job sees it: its own rows and history flags */
    veu_report_t rep;
    veu_diag_t err;
    veu_strpool_t pool;
    XXH3_state_t *sub;
    const char *dir;
    veu_diag_t *kept; /* grown as problems come, up to SIDE_KEEP */
    bool *kept_warning;
    size_t n_kept, cap_kept;
    bool spilled;
    int rc;
    pthread_t th;
    bool joined;
};

static void keep_problem(void *ctx, const veu_diag_t *d, bool warning)
{
    struct side_job *j = ctx;
    if (j->n_kept == j->cap_kept) {
        size_t cap = j->cap_kept ? j->cap_kept * 2 : 16;
        veu_diag_t *k = j->n_kept < SIDE_KEEP ? realloc(j->kept, cap * sizeof(*k)) : NULL;
        bool *w = k ? realloc(j->kept_warning, cap * sizeof(*w)) : NULL;
        j->kept = k ? k : j->kept;
        j->kept_warning = w ? w : j->kept_warning;
        if (!w) {
            j->spilled = true; /* too many to hold: read again on the first core */
            return;
        }
        j->cap_kept = cap;
    }
    j->kept[j->n_kept] = *d;
    j->kept_warning[j->n_kept++] = warning;
}

static int load_own_range(struct loader *l, const char *dir, uint64_t start, uint64_t end,
                          long line, XXH3_state_t *digest)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s/%s", dir, kinds[K_OWNERSHIP].name);
    return ld_read_csv_range(l, path, kinds[K_OWNERSHIP].cols, kinds[K_OWNERSHIP].ncols,
                             kinds[K_OWNERSHIP].fn, digest, kinds[K_OWNERSHIP].id0,
                             kinds[K_OWNERSHIP].id1, start, end, line);
}

static void *side_main(void *arg)
{
    struct side_job *j = arg;
    j->rc = load_supply(&j->l, j->dir, j->sub);
    if (j->tail) {
        struct side_job *t = j->tail;
        t->rc = load_own_range(&t->l, t->dir, t->cut, UINT64_MAX, t->cut_lines, NULL);
    }
    return NULL;
}

static void side_free(struct side_job *j)
{
    if (!j) {
        return;
    }
    side_free(j->tail);
    free(j->ds.own);
    free(j->ds.hown);
    free(j->ds.sup);
    free(j->ds.hsup);
    veu_strpool_destroy(&j->pool);
    XXH3_freeState(j->sub);
    free(j->kept);
    free(j->kept_warning);
    free(j);
}

/* A job reading on the second core with the loader's state; NULL when out of memory. */
static struct side_job *side_new(const struct loader *l, const char *dir)
{
    struct side_job *j = calloc(1, sizeof(*j));
    if (!j) {
        return NULL;
    }
    /*
     * The entities, id map and strings are shared, read-only on both sides;
     * the rows, their history and the flags that start it are the job's own
     * (row_span() may start the history on either side).
     */
    j->ds = *l->ds;
    j->ds.own = NULL;
    j->ds.hown = NULL;
    j->ds.sup = NULL;
    j->ds.hsup = NULL;
    j->ds.n_own = j->ds.cap_own = j->ds.n_hown = j->ds.cap_hown = 0;
    j->ds.n_sup = j->ds.cap_sup = j->ds.n_hsup = j->ds.cap_hsup = 0;
    j->l = *l;
    j->l.ds = &j->ds;
    j->l.rep = &j->rep;
    j->l.err = &j->err;
    j->l.pool = &j->pool;
    j->l.n_seen = 0;
    j->l.ent_line = NULL;
    j->l.not_in_effect = 0;
    j->rep.on_problem = keep_problem;
    j->rep.ctx = j;
    j->dir = dir;
    j->sub = XXH3_createState();
    if (!j->sub || veu_strpool_init(&j->pool) < 0) {
        side_free(j);
        return NULL;
    }
    return j;
}

/*
 * Starts supply.csv on a thread, and after it ownership.csv from byte cut
 * (cut_lines lines before it) when cut is not 0; NULL (and nothing
 * started) when it cannot.
 */
static struct side_job *sup_start(const struct loader *l, const char *dir, uint64_t cut,
                                  long cut_lines)
{
    struct side_job *j = side_new(l, dir);
    if (j && cut > 0) {
        if (!(j->tail = side_new(l, dir))) {
            side_free(j);
            return NULL;
        }
        j->tail->cut = cut;
        j->tail->cut_lines = cut_lines;
    }
    if (j && pthread_create(&j->th, NULL, side_main, j) != 0) {
        side_free(j);
        return NULL;
    }
    return j;
}

/* A job's problems and files into the load's, in order. */
static void side_report(struct loader *l, const struct side_job *j)
{
    for (size_t i = 0; i < j->n_kept; i++) {
        veu_report_add(l->rep, &j->kept[i], j->kept_warning[i]);
    }
    for (int i = 0; i < j->l.n_seen && l->n_seen < VEU_LD_MAX_FILES; i++) {
        l->seen[l->n_seen] = j->l.seen[i];
        memcpy(l->seen_path[l->n_seen++], j->l.seen_path[i], sizeof(l->seen_path[0]));
    }
}

/*
 * Joins ownership.csv's tail to its head: its problems, then its rows after
 * the head's, as one core reading the whole file gives them.
 */
static int tail_join(struct loader *l, struct side_job *t)
{
    veu_dataset_t *ds = l->ds;

    if (t->spilled) {
        /* too many problems to hold: read the tail again, in order */
        return load_own_range(l, t->dir, t->cut, UINT64_MAX, t->cut_lines, NULL);
    }
    side_report(l, t);
    l->not_in_effect += t->l.not_in_effect;
    l->rep->unknown_stakes += t->rep.unknown_stakes;
    l->rep->unreadable_percents += t->rep.unreadable_percents;
    if (t->rc < 0) {
        *l->err = t->err;
        return t->rc;
    }
    VEU_ASSERT(t->pool.len <= 1); /* ownership rows hold no strings of their own */
    ds->dated |= t->ds.dated;
    if ((t->ds.hist && ld_hist_begin(ds) < 0) || (ds->hist && ld_hist_begin(&t->ds) < 0)) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < t->ds.n_own; i++) {
        if (veu_grow((void **)&ds->own, &ds->cap_own, ds->n_own, sizeof(*ds->own)) < 0) {
            return -ENOMEM;
        }
        ds->own[ds->n_own++] = t->ds.own[i];
    }
    for (size_t i = 0; i < t->ds.n_hown; i++) {
        if (veu_grow((void **)&ds->hown, &ds->cap_hown, ds->n_hown, sizeof(*ds->hown)) < 0) {
            return -ENOMEM;
        }
        ds->hown[ds->n_hown++] = t->ds.hown[i];
    }
    return 0;
}

/* Joins the supply job's rows, strings, problems and files to the load's. */
static int sup_join(struct loader *l, struct side_job *j, XXH3_state_t *digest)
{
    veu_dataset_t *ds = l->ds;

    if (j->spilled) {
        /* too many problems to hold: read the file again, in order */
        int rc = load_supply(l, j->dir, j->sub);
        if (rc == 0) {
            veu_digest_fold(digest, "supply.csv", j->sub);
        }
        return rc;
    }
    side_report(l, j);
    if (j->rc < 0) {
        *l->err = j->err;
        return j->rc;
    }
    /*
     * The history: started by a dated row on either side, it must hold both
     * sides' rows, as it would had one core read ownership.csv, then
     * supply.csv.  hist_begin() takes the rows a side read undated.
     */
    ds->dated |= j->ds.dated;
    if ((j->ds.hist && ld_hist_begin(ds) < 0) || (ds->hist && ld_hist_begin(&j->ds) < 0)) {
        return -ENOMEM;
    }
    ds->sup = j->ds.sup, ds->n_sup = j->ds.n_sup, ds->cap_sup = j->ds.cap_sup;
    ds->hsup = j->ds.hsup, ds->n_hsup = j->ds.n_hsup, ds->cap_hsup = j->ds.cap_hsup;
    j->ds.sup = NULL;
    j->ds.hsup = NULL;
    /* the products' strings after the dataset's ("a\0b\0...", one NUL added back) */
    uint32_t off = 0;
    int rc = j->pool.len > 1 ? ld_pool_add(l, j->pool.buf + 1, j->pool.len - 2, &off) : 0;
    if (rc < 0) {
        return rc;
    }
    uint32_t base = off ? off - 1 : 0; /* private offset o (>= 1) lands at base + o */
    for (size_t i = 0; i < ds->n_sup; i++) {
        ds->sup[i].product += ds->sup[i].product ? base : 0;
    }
    for (size_t i = 0; i < ds->n_hsup; i++) {
        ds->hsup[i].r.product += ds->hsup[i].r.product ? base : 0;
    }
    veu_digest_fold(digest, "supply.csv", j->sub);
    return 0;
}

/*
 * The lines of entities.csv (0 when absent): at most one entity each, so
 * the id map is made that size at once rather than grown, and rehashed,
 * while the file is read.
 */
static size_t entity_lines(const char *dir)
{
    char path[4096];
    uint64_t off;
    long lines = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, kinds[K_ENTITIES].name);
    return veu_csv_cut(path, UINT64_MAX, &off, &lines) == 0 ? (size_t)lines + 1 : 0;
}

size_t veu_ld_split_min = 4u << 20;
long long veu_ld_split_at = -1;
unsigned long veu_ld_cuts;

static int first_row(void *ctx, const veu_csv_row_t *row)
{
    (void)ctx;
    (void)row;
    return -EALREADY;
}

/*
 * Where ownership.csv is cut so that both cores finish together: the head
 * on this one, supply.csv then the tail on the other.  0 when it is not cut
 * (small, absent, no room left to note the file, or no row before the cut:
 * the header must be in the head).
 */
static uint64_t own_cut(struct loader *l, const char *dir, long *ret_lines)
{
    char path[4096], spath[4096];
    struct stat o, s;
    uint64_t off;
    veu_diag_t d;

    snprintf(path, sizeof(path), "%s/%s", dir, kinds[K_OWNERSHIP].name);
    snprintf(spath, sizeof(spath), "%s/%s", dir, kinds[K_SUPPLY].name);
    if (stat(path, &o) < 0 || !S_ISREG(o.st_mode) || (uint64_t)o.st_size < veu_ld_split_min) {
        return 0;
    }
    /* a byte of either file takes about as long: half of both to each core */
    uint64_t sup = stat(spath, &s) == 0 && S_ISREG(s.st_mode) ? (uint64_t)s.st_size : 0;
    uint64_t at =
        veu_ld_split_at >= 0 ? (uint64_t)veu_ld_split_at : ((uint64_t)o.st_size + sup) / 2;
    if (at >= (uint64_t)o.st_size || veu_csv_cut(path, at, &off, ret_lines) < 0 || off == 0 ||
        off >= (uint64_t)o.st_size ||
        veu_csv_read_range(path, 0, off, 0, first_row, NULL, NULL, &d, NULL) != -EALREADY) {
        return 0;
    }
    /*
     * The cut is right for the file as it was here: one replaced before
     * its parts are opened would be cut inside a row.  It joins the files
     * whose change the load checks for at its end (build again).
     */
    if (l->n_seen == VEU_LD_MAX_FILES) {
        return 0;
    }
    l->seen[l->n_seen] = o;
    snprintf(l->seen_path[l->n_seen++], sizeof(l->seen_path[0]), "%s", path);
    return off;
}

/*
 * ownership.csv read by both cores: its head here, its tail by the job
 * (after supply.csv).  Problems, rows, the digest and what is reported
 * are those of load_file reading it whole.
 */
static int load_own_split(struct loader *l, const char *dir, XXH3_state_t *digest,
                          struct side_job *job)
{
    const char *name = kinds[K_OWNERSHIP].name;
    struct side_job *t = job->tail;
    char path[4096];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    XXH3_128bits_update(digest, name, strlen(name) + 1);
    l->not_in_effect = 0;
    int rc = load_own_range(l, dir, 0, t->cut, 0, digest);
    if (rc == 0 && (rc = veu_digest_file(digest, path, t->cut)) < 0) {
        rc = ld_fatal(l, rc, 0, "", "cannot read: %s", veu_strerror(rc));
    }
    pthread_join(job->th, NULL);
    job->joined = true;
    if (rc == 0) {
        rc = tail_join(l, t);
    }
    l->path = path; /* load_own_range's copy is gone */
    if (rc == -ENOENT) {
        /* it was there when it was cut */
        return ld_fatal(l, -VEU_ECHANGED, 0, "",
                        "the file changed while the dataset was read; build again");
    }
    return file_read(l, K_OWNERSHIP, rc);
}

int veu_dataset_load(veu_dataset_t *ds, const char *dir, const veu_policy_t *pol, const char *as_of,
                     veu_report_t *rep, veu_diag_t *err)
{
    struct loader l = {.ds = ds, .pol = pol, .rep = rep, .err = err};
    veu_registry_t reg = {0};
    XXH3_state_t *digest = XXH3_createState();
    XXH128_hash_t h;
    int rc;

    memset(ds, 0, sizeof(*ds));
    veu_today(ds->as_of);
    if (as_of && *as_of) {
        snprintf(ds->as_of, sizeof(ds->as_of), "%s", as_of);
    }
    ds->day = veu_day_number(ds->as_of);
    ds->hist = veu_policy_dated(pol); /* the same rows answer differently on other days */
    if (!digest || veu_strpool_init(&ds->pool) < 0 ||
        veu_idmap_init_for(&ds->ids, entity_lines(dir)) < 0) {
        rc = -ENOMEM;
        goto out;
    }
    XXH3_128bits_reset(digest);
    rc = veu_registry_list(dir, &reg);
    if (rc < 0) {
        l.path = dir;
        rc = rc == -E2BIG
                 ? ld_fatal(&l, -VEU_ETOOBIG, 0, "",
                            "more than %d registry files in the data directory", VEU_REG_MAX)
                 : ld_fatal(&l, rc, 0, "", "cannot list: %s", veu_strerror(rc));
        goto out;
    }
    for (int i = 0; i < reg.n_odd && i < VEU_REG_ODD; i++) {
        l.path = dir;
        if ((rc = ld_problem(&l, 1, 0, "",
                             "'%s' is not a regular file (a FIFO, a socket, a directory?): "
                             "not read",
                             reg.odd[i])) < 0) {
            goto out;
        }
    }
    /* with registry exports beside it, our entities.csv is optional */
    rc = find_ours(&l, dir, &reg);
    if (rc == 0) {
        rc = load_kind(&l, dir, &reg, K_ENTITIES, reg.n == 0, digest);
    }
    if (rc == 0) {
        rc = veu_registry_entities(&l, dir, &reg);
    }
    if (rc == 0 && ds->n == 0) {
        /* an empty register would clear every buyer as unknown: refuse it */
        l.path = dir;
        rc = ld_fatal(&l, -VEU_EROWS, 0, "",
                      "no entity was read from the data directory (entities.csv and the registry "
                      "files are empty or absent); nothing is built");
    }
    if (rc == 0) {
        rc = load_kind(&l, dir, &reg, K_DESIGNATIONS, 0, digest);
    }
    /* without registry files, nothing between the two adds entities: both cores */
    long cut_lines = 0;
    uint64_t cut = rc == 0 && reg.n == 0 ? own_cut(&l, dir, &cut_lines) : 0;
    struct side_job *job = rc == 0 && reg.n == 0 ? sup_start(&l, dir, cut, cut_lines) : NULL;
    if (rc == 0 && job && job->tail) {
        veu_ld_cuts++;
        rc = load_own_split(&l, dir, digest, job);
    } else if (rc == 0) {
        rc = load_kind(&l, dir, &reg, K_OWNERSHIP, 0, digest);
    }
    if (rc == 0) {
        rc = veu_registry_relations(&l, dir, &reg);
    }
    char own_path[4096];
    if (rc == 0) {
        /* the stakes may come from any file: the directory, unless ownership.csv is all */
        if (reg.n == 0) {
            snprintf(own_path, sizeof(own_path), "%s/ownership.csv", dir);
        } else {
            snprintf(own_path, sizeof(own_path), "%s", dir);
        }
        l.path = own_path;
        warn_over_100(&l);
    }
    if (job) {
        if (!job->joined) {
            pthread_join(job->th, NULL);
        }
        if (rc == 0) {
            rc = sup_join(&l, job, digest);
        }
        side_free(job);
    } else if (rc == 0) {
        XXH3_state_t *sub = XXH3_createState();
        rc = sub ? load_supply(&l, dir, sub) : -ENOMEM;
        if (rc == 0) {
            veu_digest_fold(digest, "supply.csv", sub);
        }
        XXH3_freeState(sub);
    }
    if (rc == 0) {
        rc = load_others(&l, dir, &reg, K_SUPPLY);
    }
    /*
     * A file replaced or changed while we read the others makes a mixed
     * dataset; and an error found in a file that was being rewritten (read
     * empty or cut halfway) is the rewrite's, not the data's: both ask for
     * another build rather than a failure.
     */
    for (int i = 0; (rc == 0 || rc == -VEU_ESYNTAX || rc == -VEU_ECOLUMN || rc == -VEU_EROWS ||
                     rc == -VEU_EDUPLICATE || rc == -ENOENT) &&
                    i < l.n_seen;
         i++) {
        struct stat now;
        const struct stat *was = &l.seen[i];
        if (stat(l.seen_path[i], &now) < 0 || now.st_ino != was->st_ino ||
            now.st_size != was->st_size || now.st_mtim.tv_sec != was->st_mtim.tv_sec ||
            now.st_mtim.tv_nsec != was->st_mtim.tv_nsec) {
            l.path = l.seen_path[i];
            rc = ld_fatal(&l, -VEU_ECHANGED, 0, "",
                          "the file changed while the dataset was read; build again");
        }
    }
    if (rc == 0 && (rc = veu_registry_digest(dir, &reg, digest)) < 0) {
        rc = ld_fatal(&l, rc, 0, "", "cannot read a registry file: %s", veu_strerror(rc));
    }
    if (rc == 0) {
        h = XXH3_128bits_digest(digest);
        snprintf(ds->digest, sizeof(ds->digest), "%016llx%016llx", (unsigned long long)h.high64,
                 (unsigned long long)h.low64);
    }
out:
    veu_registry_free(&reg);
    free(l.ent_line);
    XXH3_freeState(digest);
    return rc;
}

void veu_dataset_destroy(veu_dataset_t *ds)
{
    veu_strpool_destroy(&ds->pool);
    veu_idmap_destroy(&ds->ids);
    free(ds->ent);
    free(ds->own);
    free(ds->sup);
    free(ds->hown);
    free(ds->hsup);
    free(ds->hdes);
    free(ds->hdes_list);
    memset(ds, 0, sizeof(*ds));
}
