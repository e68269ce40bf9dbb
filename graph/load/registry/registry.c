/* SPDX-License-Identifier: MIT */
/*
 * registry.c: GLEIF, BODS and FollowTheMoney exports as dataset rows: finding
 * the files, the two passes, what the readers share (reg_gleif.c, reg_bods.c,
 * reg_ftm.c hold one format each).
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
#include <time.h>
#include <unistd.h>

#include "load/registry/common.h"
#include "veu/snapshot.h"

#define SNIFF_BYTES 65536
#define MAX_JSON    (1u << 30) /* a registry file read whole: at most 1 GiB */

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

/* Reads a whole file (at most MAX_JSON bytes); NUL-terminated; caller frees. */
static char *slurp(const char *path, size_t *len, int *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *buf = NULL;

    *err = 0;
    if (fd < 0 || fstat(fd, &st) < 0) {
        *err = -errno;
    } else if (!S_ISREG(st.st_mode)) {
        *err = -EINVAL;
    } else if ((uint64_t)st.st_size > MAX_JSON) {
        *err = -EFBIG;
    } else if (!(buf = malloc((size_t)st.st_size + 1))) {
        *err = -ENOMEM;
    } else if ((*err = veu_read_full(fd, buf, (size_t)st.st_size)) < 0) {
        free(buf);
        buf = NULL;
    } else {
        buf[st.st_size] = '\0';
        *len = (size_t)st.st_size;
    }
    if (fd >= 0) {
        close(fd);
    }
    return buf;
}

int veu_registry_digest(const char *dir, const veu_registry_t *reg, XXH3_state_t *xx)
{
    for (int i = 0; i < reg->n; i++) {
        char path[4096];
        size_t len = 0;
        int err;
        snprintf(path, sizeof(path), "%s/%s", dir, reg->f[i].name);
        char *buf = slurp(path, &len, &err);
        if (!buf) {
            return err;
        }
        XXH3_128bits_update(xx, reg->f[i].name, strlen(reg->f[i].name) + 1);
        XXH3_128bits_update(xx, buf, len);
        free(buf);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Percentages as written                                              */

static int read_number(const char **p, double *v)
{
    char buf[64];
    size_t n = 0;
    const char *s = *p;
    int commas = 0, dots = 0;

    while ((isdigit((unsigned char)*s) || *s == '.' || *s == ',') && n < sizeof(buf) - 1) {
        commas += *s == ',';
        dots += *s == '.';
        buf[n++] = *s == ',' && !dots ? '.' : *s; /* "50,5" is fifty and a half */
        s++;
    }
    buf[n] = '\0';
    if (n == 0 || commas > 1 || (commas && dots) || buf[0] == '.') {
        return 0;
    }
    char *end;
    *v = strtod(buf, &end);
    if (*end != '\0') {
        return 0;
    }
    *p = s;
    return 1;
}

static const char *skip_sp(const char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return s;
}

/* Skips word w (and following blanks) at s when it is there. */
static int word(const char **s, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(*s, w, n) == 0) {
        *s = skip_sp(*s + n);
        return 1;
    }
    return 0;
}

static const char *skip_unit(const char *s)
{
    s = skip_sp(s);
    if (*s == '%') {
        s++;
    } else if (!word(&s, "percent") && !word(&s, "per cent")) {
        word(&s, "pct");
    }
    return skip_sp(s);
}

int veu_parse_percent_text(const char *text, double *lo, double *hi, int *lo_excl)
{
    char low[128];
    size_t n = 0;
    const char *s;
    double a, b;

    for (const char *p = text; *p && n < sizeof(low) - 1; p++) {
        low[n++] = (char)tolower((unsigned char)*p);
    }
    low[n] = '\0';
    s = skip_sp(low);
    *lo_excl = 0;
    if (!strcmp(s, "majority") || !strcmp(s, "majority stake")) {
        *lo = 50, *hi = 100, *lo_excl = 1;
        return 1;
    }
    if (word(&s, ">=") || word(&s, "at least") || word(&s, "not less than")) {
        if (!read_number(&s, &a) || *skip_unit(s)) {
            return 0;
        }
        *lo = a, *hi = 100;
    } else if (word(&s, ">") || word(&s, "more than") || word(&s, "over") || word(&s, "above")) {
        if (!read_number(&s, &a) || *skip_unit(s)) {
            return 0;
        }
        *lo = a, *hi = 100, *lo_excl = 1;
    } else if (word(&s, "<=") || word(&s, "<") || word(&s, "less than") || word(&s, "under") ||
               word(&s, "up to") || word(&s, "below")) {
        if (!read_number(&s, &a) || *skip_unit(s)) {
            return 0;
        }
        *lo = 0, *hi = a;
    } else {
        word(&s, "between");
        if (!read_number(&s, &a)) {
            return 0;
        }
        s = skip_unit(s);
        if (*s == '\0') {
            *lo = *hi = a;
        } else if (word(&s, "-") || word(&s, "to") || word(&s, "and") || word(&s, "\xe2\x80\x93")) {
            if (!read_number(&s, &b) || *skip_unit(s) || b < a) {
                return 0;
            }
            *lo = a, *hi = b;
        } else {
            return 0;
        }
    }
    return *lo >= 0 && *hi <= 100 && *lo <= *hi && !(*hi == 0);
}

/*
 * The stake the engine uses for a published range: its lower bound, just
 * above it when the bound is excluded ("more than 25%" counts as 25.001%),
 * so a range never claims more than the register says.  The range's bounds
 * are passed on (ld_add_own) for the time-and-uncertainty work.
 */
double reg_stake_of(double lo, double hi, int lo_excl)
{
    if (lo == hi) {
        return lo;
    }
    if (lo_excl) {
        return lo + 0.001 < hi ? lo + 0.001 : hi;
    }
    return lo > 0 ? lo : NAN;
}

/* ------------------------------------------------------------------ */
/* Summaries of what is left out by design                             */

int reg_ended(const char *end, const char *day)
{
    char last[11];
    size_t n = end ? strlen(end) : 0;

    if (n == 0) {
        return 0;
    }
    if (n >= 10 && (n == 10 || end[10] == 'T' || end[10] == ' ') && veu_iso_date(end, 10)) {
        memcpy(last, end, 10);
    } else if (n == 7 && (snprintf(last, sizeof(last), "%.7s-01", end), veu_iso_date(last, 10))) {
        /* a month: its last day ("29" for February compares as well as "28" with any day) */
        static const char *const days[] = {"31", "29", "31", "30", "31", "30",
                                           "31", "31", "30", "31", "30", "31"};
        memcpy(last + 8, days[atoi(end + 5) - 1], 2);
    } else if (n == 4 && isdigit((unsigned char)end[0]) && isdigit((unsigned char)end[1]) &&
               isdigit((unsigned char)end[2]) && isdigit((unsigned char)end[3]) &&
               memcmp(end, "0000", 4) != 0) {
        snprintf(last, sizeof(last), "%.4s-12-31", end);
    } else {
        return -1;
    }
    last[10] = '\0';
    return strcmp(last, day) <= 0;
}

struct tally reg_tally;

void reg_count(struct tally *t, const char *what)
{
    for (int i = 0; i < t->used; i++) {
        if (!strcmp(t->what[i], what)) {
            t->n[i]++;
            return;
        }
    }
    if (t->used < 16) {
        t->what[t->used] = what;
        t->n[t->used++] = 1;
    }
}

static int report_tally(struct loader *l, const struct tally *t)
{
    for (int i = 0; i < t->used; i++) {
        int rc = ld_problem(l, 1, 0, "", "%lu %s", t->n[i], t->what[i]);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* JSON: BODS statements and FollowTheMoney entities                   */

const char *reg_jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* First element of a FtM property (an array of strings). */
const char *reg_prop(json_t *props, const char *key)
{
    return json_string_value(json_array_get(json_object_get(props, key), 0));
}

static int kind_of(json_t *rec)
{
    if (json_object_get(rec, "statementType") || json_object_get(rec, "recordType")) {
        return VEU_REG_BODS;
    }
    if (json_is_string(json_object_get(rec, "schema")) && json_object_get(rec, "properties")) {
        return VEU_REG_FTM;
    }
    return VEU_REG_UNKNOWN;
}

/* The records of a JSON file: an array, or one object per line. */
static int load_json(struct loader *l, const char *buf, size_t len, json_t **recs, json_t **lines)
{
    const char *p = buf;
    json_error_t je;

    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) {
        p += 3;
    }
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
        p++;
    }
    *recs = json_array();
    *lines = json_array();
    if (*p == '[') {
        json_t *a = json_loadb(p, len - (size_t)(p - buf), JSON_REJECT_DUPLICATES, &je);
        if (!a) {
            return ld_fatal(l, -VEU_ESYNTAX, je.line, "", "invalid JSON: %s", je.text);
        }
        for (size_t i = 0; i < json_array_size(a); i++) {
            json_array_append(*recs, json_array_get(a, i));
            json_array_append_new(*lines, json_integer((json_int_t)i + 1));
        }
        json_decref(a);
        return 0;
    }
    long line = 0;
    for (const char *s = buf; s < buf + len;) {
        const char *nl = memchr(s, '\n', (size_t)(buf + len - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(buf + len - s);
        line++;
        size_t k = 0;
        while (k < n && isspace((unsigned char)s[k])) {
            k++;
        }
        if (k < n) {
            json_t *o = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
            if (!json_is_object(o)) {
                json_decref(o);
                int rc = ld_problem(l, 0, line, "", "not a JSON object: %s",
                                    o ? "another JSON value" : je.text);
                if (rc < 0) {
                    return rc;
                }
            } else {
                json_array_append_new(*recs, o);
                json_array_append_new(*lines, json_integer(line));
            }
        }
        s += n + 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */

static int sniff_csv(const char *path)
{
    char buf[SNIFF_BYTES + 1];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, SNIFF_BYTES) : -1;

    if (fd >= 0) {
        close(fd);
    }
    if (n <= 0) {
        return VEU_REG_UNKNOWN;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (strstr(buf, "Relationship.StartNode.NodeID")) {
        return VEU_REG_GLEIF_RR;
    }
    if (strstr(buf, "Entity.LegalName") && strstr(buf, "LEI")) {
        return VEU_REG_GLEIF_LEI;
    }
    return VEU_REG_UNKNOWN;
}

/* Points the loader's messages at file f and clears its tally; returns its path. */
static const char *begin_file(struct loader *l, const char *dir, const veu_regfile_t *f)
{
    snprintf(l->path_buf, sizeof(l->path_buf), "%s/%s", dir, f->name);
    l->path = l->path_buf;
    memset(&reg_tally, 0, sizeof(reg_tally));
    return l->path_buf;
}

/* Finds the kind of every CSV file, and the latest statement of GLEIF records restated. */
static int scan_csv(struct loader *l, const char *dir, veu_registry_t *reg)
{
    static char paths[VEU_REG_MAX][4096];
    const char *pp[VEU_REG_MAX];
    int kinds[VEU_REG_MAX];

    for (int i = 0; i < reg->n; i++) {
        veu_regfile_t *f = &reg->f[i];
        snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, f->name);
        pp[i] = paths[i];
        kinds[i] = f->kind = has_suffix(f->name, ".csv") ? sniff_csv(paths[i]) : VEU_REG_UNKNOWN;
    }
    return reg_gleif_scan(l, pp, kinds, reg->n);
}

int veu_registry_entities(struct loader *l, const char *dir, veu_registry_t *reg)
{
    int rc = scan_csv(l, dir, reg);
    if (rc < 0) {
        return rc;
    }
    for (int i = 0; i < reg->n; i++) {
        veu_regfile_t *f = &reg->f[i];
        const char *path = begin_file(l, dir, f);
        rc = 0;

        reg_gleif_reading(i);
        if (has_suffix(f->name, ".csv")) {
            if (f->kind == VEU_REG_GLEIF_LEI) {
                rc = ld_read_csv(l, path, reg_lei_cols, reg_lei_ncols, reg_lei_row, NULL);
            }
        } else {
            size_t len = 0;
            int err;
            struct stat st;
            char *buf = slurp(path, &len, &err);
            if (!buf) {
                return ld_fatal(l, err, 0, "", "cannot read: %s", veu_strerror(err));
            }
            if (stat(path, &st) == 0 && l->n_seen < VEU_LD_MAX_FILES) {
                l->seen[l->n_seen] = st; /* a file replaced while read fails the build */
                snprintf(l->seen_path[l->n_seen++], sizeof(l->seen_path[0]), "%s", path);
            }
            json_t *recs, *lines;
            rc = load_json(l, buf, len, &recs, &lines);
            free(buf);
            f->records = json_array();
            f->lines = json_array();
            if (!reg->ids) {
                reg->ids = json_object(); /* statements may point into other files */
            }
            f->ids = json_incref(reg->ids);
            f->kind = json_array_size(recs) ? kind_of(json_array_get(recs, 0)) : VEU_REG_UNKNOWN;
            json_t *gone = f->kind == VEU_REG_BODS ? reg_bods_superseded(recs) : json_object();
            for (size_t k = 0; rc == 0 && k < json_array_size(recs); k++) {
                json_t *rec = json_array_get(recs, k);
                long line = (long)json_integer_value(json_array_get(lines, k));
                const char *what = f->kind == VEU_REG_BODS
                                       ? (reg_bods_v04(rec) ? reg_jstr(rec, "recordType")
                                                            : reg_jstr(rec, "statementType"))
                                       : reg_jstr(rec, "schema");
                if (json_object_get(gone, json_string_value(json_object_get(rec, "statementID"))) ||
                    json_object_get(gone, json_string_value(json_object_get(rec, "statementId")))) {
                    reg_count(&reg_tally,
                              "statements superseded by a later statement in the file: not read");
                } else if (!json_is_object(rec) || kind_of(rec) != f->kind) {
                    rc = ld_problem(l, 0, line, "", "not a %s record",
                                    f->kind == VEU_REG_BODS ? "BODS" : "FollowTheMoney");
                } else if (f->kind == VEU_REG_BODS &&
                           (!strcmp(what, "entity") || !strcmp(what, "person") ||
                            !strcmp(what, "entityStatement") || !strcmp(what, "personStatement"))) {
                    rc = reg_bods_entity(l, f, rec, line);
                } else if (f->kind == VEU_REG_FTM && reg_ftm_is_entity(what)) {
                    rc = reg_ftm_entity(l, f, rec, line);
                } else if ((f->kind == VEU_REG_BODS &&
                            (!strcmp(what, "relationship") ||
                             !strcmp(what, "ownershipOrControlStatement"))) ||
                           (f->kind == VEU_REG_FTM &&
                            (!strcmp(what, "Ownership") || !strcmp(what, "Control")))) {
                    json_array_append(f->records, rec);
                    json_array_append_new(f->lines, json_integer(line));
                } else if (f->kind == VEU_REG_BODS) {
                    rc = ld_problem(l, 0, line, "statementType",
                                    "statement type '%s' is not one veud reads", what);
                } else {
                    reg_count(&reg_tally,
                              "FollowTheMoney records of other schemas (not companies, people or "
                              "ownership) not read");
                }
            }
            json_decref(recs);
            json_decref(lines);
            json_decref(gone);
        }
        if (rc == 0 && f->kind == VEU_REG_UNKNOWN) {
            rc = ld_problem(l, 1, 0, "",
                            "not read: its content matches no registry format veud reads (GLEIF "
                            "LEI-CDF or RR-CDF CSV, BODS statements, FollowTheMoney JSON lines)");
        }
        if (rc == 0) {
            rc = report_tally(l, &reg_tally);
        }
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

int veu_registry_relations(struct loader *l, const char *dir, veu_registry_t *reg)
{
    const char *day = l->ds->as_of; /* ended: on or before the build day */
    for (int i = 0; i < reg->n; i++) {
        veu_regfile_t *f = &reg->f[i];
        const char *path = begin_file(l, dir, f);
        int rc = 0;

        reg_gleif_reading(i);
        if (f->kind == VEU_REG_GLEIF_RR) {
            rc = ld_read_csv(l, path, reg_rr_cols, reg_rr_ncols, reg_rr_row, NULL);
        }
        for (size_t k = 0; rc == 0 && k < json_array_size(f->records); k++) {
            json_t *rec = json_array_get(f->records, k);
            long line = (long)json_integer_value(json_array_get(f->lines, k));
            rc = f->kind == VEU_REG_BODS ? reg_bods_relationship(l, f, rec, line, day, &reg_tally)
                                         : reg_ftm_ownership(l, f, rec, line, day, &reg_tally);
        }
        if (rc == 0) {
            rc = report_tally(l, &reg_tally);
        }
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

void veu_registry_free(veu_registry_t *reg)
{
    for (int i = 0; i < reg->n; i++) {
        json_decref(reg->f[i].records);
        json_decref(reg->f[i].lines);
        json_decref(reg->f[i].ids);
        reg->f[i].records = reg->f[i].lines = reg->f[i].ids = NULL;
    }
    json_decref(reg->ids);
    reg->ids = NULL;
    reg_gleif_done();
}
