/* SPDX-License-Identifier: MIT */
/*
 * gleif.c: GLEIF golden-copy files (CSV), two formats of the registry table.  An LEI-CDF record is
 * an entity "LEI:<lei>"; an RR-CDF record of accounting consolidation, of an international branch
 * or of a sub-fund is a control edge from the parent (EndNode) to the child (StartNode).  Fund
 * management and feeder links, and ended or withdrawn records, are counted, not imported.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/dates.h"
#include "load/registry/common.h"

static const struct colspec lei_cols[] = {
    {"LEI", 1},
    {"Entity.LegalName", 1},
    {"Entity.LegalAddress.Country", 0},
    {"Entity.HeadquartersAddress.Country", 0},
    {"Registration.RegistrationStatus", 0},
    {"Entity.OtherEntityNames.OtherEntityName.1", 0},
    {"Entity.OtherEntityNames.OtherEntityName.2", 0},
    {"Entity.OtherEntityNames.OtherEntityName.3", 0},
    {"Entity.OtherEntityNames.OtherEntityName.4", 0},
    {"Entity.OtherEntityNames.OtherEntityName.5", 0},
    {"Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.1", 0},
    {"Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.2", 0},
    {"Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.3", 0},
    {"Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.4", 0},
    {"Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.5", 0},
    {"Registration.LastUpdateDate", 0},
};
#define LEI_NCOLS ((int)(sizeof(lei_cols) / sizeof(lei_cols[0])))
enum { L_LEI, L_NAME, L_COUNTRY, L_HQ, L_REGSTATUS, L_OTHER1, L_UPDATED = L_OTHER1 + 10 };

static const struct colspec rr_cols[] = {
    {"Relationship.StartNode.NodeID", 1},   {"Relationship.EndNode.NodeID", 1},
    {"Relationship.RelationshipType", 1},   {"Relationship.RelationshipStatus", 0},
    {"Registration.RegistrationStatus", 0}, {"Relationship.StartNode.NodeIDType", 0},
    {"Relationship.EndNode.NodeIDType", 0}, {"Registration.LastUpdateDate", 0},
};
#define RR_NCOLS ((int)(sizeof(rr_cols) / sizeof(rr_cols[0])))
enum { R_START, R_END, R_TYPE, R_STATUS, R_REGSTATUS, R_STARTTYPE, R_ENDTYPE, R_UPDATED };

/* ------------------------------------------------------------------ */
/* Records restated across files: the latest LastUpdateDate wins       */

/*
 * A golden copy and its delta files restate records: the same LEI, or the
 * same relationship (start node, end node, type).  Before the records are
 * read, a scan of every GLEIF file of a kind finds, per record, the file
 * and line with the latest Registration.LastUpdateDate (SPEC section 8);
 * the reading pass then takes that one and counts the others, whatever the
 * files' names or order.  Equal dates keep the first read.
 */
struct latest {
    veu_strpool_t keys;
    veu_idmap_t map;
    int64_t *when; /* seconds since the epoch, INT64_MIN when unreadable or absent */
    int *file;
    long *line;
    size_t n, cap;
    int active; /* more than one file of the kind: a scan was made */
};
static struct latest latest_lei, latest_rr;
static int scan_file; /* the file being scanned */

/* Seconds since the epoch of "YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM|-HH:MM]"; INT64_MIN if not. */
static int64_t iso_seconds(const char *s)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) {
        return INT64_MIN;
    }
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        int k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &k) != 2) {
            return INT64_MIN;
        }
        p += 1 + k;
        if (*p == ':' && sscanf(p + 1, "%2d%n", &sec, &k) == 1) {
            p += 1 + k;
        }
        if (*p == '.') {
            p++;
            while (isdigit((unsigned char)*p)) {
                p++;
            }
        }
    }
    int64_t off = 0;
    if (*p == '+' || *p == '-') {
        int oh = 0, om = 0;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) < 1) {
            return INT64_MIN;
        }
        off = (*p == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
    }
    if (!veu_iso_date(s, 10)) {
        return INT64_MIN;
    }
    int64_t days = veu_day_number(s);
    return days * 86400 + h * 3600 + mi * 60 + sec - off;
}

static int latest_offer(struct latest *t, const char *key, size_t klen, int64_t when, long line)
{
    uint32_t idx = veu_idmap_find_raw(t->map.slot, t->map.mask, t->keys.buf, key, klen);
    if (idx != VEU_NONE) {
        if (when > t->when[idx]) {
            t->when[idx] = when;
            t->file[idx] = scan_file;
            t->line[idx] = line;
        }
        return 0;
    }
    uint32_t off, prev;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        int64_t *w = realloc(t->when, cap * sizeof(*w));
        if (w) {
            t->when = w;
        }
        int *f = realloc(t->file, cap * sizeof(*f));
        if (f) {
            t->file = f;
        }
        long *l = realloc(t->line, cap * sizeof(*l));
        if (l) {
            t->line = l;
        }
        if (!w || !f || !l) {
            return -ENOMEM;
        }
        t->cap = cap;
    }
    int rc = veu_strpool_add(&t->keys, key, klen, &off);
    if (rc < 0 || (rc = veu_idmap_insert(&t->map, &t->keys, off, (uint32_t)t->n, &prev)) < 0) {
        return rc;
    }
    t->when[t->n] = when;
    t->file[t->n] = scan_file;
    t->line[t->n++] = line;
    return 0;
}

/* 1 when this row is the latest statement of its record (or no scan was made). */
static int latest_is(const struct latest *t, const char *key, size_t klen, int file, long line)
{
    if (!t->active) {
        return 1;
    }
    uint32_t idx = veu_idmap_find_raw(t->map.slot, t->map.mask, t->keys.buf, key, klen);
    return idx == VEU_NONE || (t->file[idx] == file && t->line[idx] == line);
}

static void latest_free(struct latest *t)
{
    if (t->active) {
        veu_strpool_destroy(&t->keys);
        veu_idmap_destroy(&t->map);
    }
    free(t->when);
    free(t->file);
    free(t->line);
    memset(t, 0, sizeof(*t));
}

static int latest_init(struct latest *t)
{
    latest_free(t);
    if (veu_strpool_init(&t->keys) < 0 || veu_idmap_init(&t->map) < 0) {
        return -ENOMEM;
    }
    t->active = 1;
    return 0;
}

/* The key of a relationship record: start, end and type, with their node types. */
static size_t rr_key(struct loader *l, const veu_csv_row_t *row, char *buf, size_t cap)
{
    size_t len;
    int n = snprintf(buf, cap, "%s|%s|%s|%s|", ld_field(l, row, R_START, &len),
                     ld_field(l, row, R_STARTTYPE, &len), ld_field(l, row, R_END, &len),
                     ld_field(l, row, R_ENDTYPE, &len));
    n += snprintf(buf + n, cap - (size_t)n, "%s", ld_field(l, row, R_TYPE, &len));
    return (size_t)n < cap ? (size_t)n : cap - 1;
}

static int scan_lei_row(struct loader *l, const veu_csv_row_t *row)
{
    size_t len, ulen;
    const char *lei = ld_field(l, row, L_LEI, &len);
    int64_t when = iso_seconds(ld_field(l, row, L_UPDATED, &ulen)); /* not into len: the
                                                                   arguments' order is free */
    return latest_offer(&latest_lei, lei, len, when, row->line);
}

static int scan_rr_row(struct loader *l, const veu_csv_row_t *row)
{
    char key[512];
    size_t len, kl = rr_key(l, row, key, sizeof(key));
    return latest_offer(&latest_rr, key, kl, iso_seconds(ld_field(l, row, R_UPDATED, &len)),
                        row->line);
}

static int lei_header(const char *line)
{
    return strstr(line, "Entity.LegalName") && strstr(line, "LEI");
}

static int rr_header(const char *line)
{
    return strstr(line, "Relationship.StartNode.NodeID") != NULL;
}

/* Before the first pass: records restated across files of a kind (more than one). */
static int gleif_prepare(struct loader *l, veu_registry_t *reg, const char *dir)
{
    char path[4096];
    int lei = 0, rr = 0, rc = 0;

    for (int i = 0; i < reg->n; i++) {
        lei += reg->f[i].kind == VEU_REG_GLEIF_LEI;
        rr += reg->f[i].kind == VEU_REG_GLEIF_RR;
    }
    latest_free(&latest_lei);
    latest_free(&latest_rr);
    if ((lei > 1 && (rc = latest_init(&latest_lei)) < 0) ||
        (rr > 1 && (rc = latest_init(&latest_rr)) < 0)) {
        return rc;
    }
    l->quiet = 1; /* the reading pass reports each row's problems once */
    for (int i = 0; rc == 0 && i < reg->n; i++) {
        int kind = reg->f[i].kind;
        scan_file = i;
        snprintf(path, sizeof(path), "%s/%s", dir, reg->f[i].name);
        l->path = path;
        if (kind == VEU_REG_GLEIF_LEI && latest_lei.active) {
            rc = ld_read_csv(l, path, lei_cols, LEI_NCOLS, scan_lei_row, NULL);
        } else if (kind == VEU_REG_GLEIF_RR && latest_rr.active) {
            rc = ld_read_csv(l, path, rr_cols, RR_NCOLS, scan_rr_row, NULL);
        }
    }
    l->quiet = 0;
    return rc;
}

static void gleif_done(void)
{
    latest_free(&latest_lei);
    latest_free(&latest_rr);
}

static int lei_row(struct loader *l, const veu_csv_row_t *row)
{
    size_t len;
    char id[96], aliases[4096] = "";
    const char *reg = ld_field(l, row, L_REGSTATUS, &len);
    const char *country;

    const char *lei = ld_field(l, row, L_LEI, &len);
    if (!latest_is(&latest_lei, lei, len, l->file->index, row->line)) {
        reg_count(l, "LEI records restated with a later Registration.LastUpdateDate "
                     "elsewhere: the later one is read");
        return 0;
    }
    if (!strcmp(reg, "ANNULLED") || !strcmp(reg, "DUPLICATE")) {
        reg_count(l, !strcmp(reg, "ANNULLED")
                         ? "LEI records annulled (issued in error): not imported"
                         : "LEI records marked DUPLICATE: not imported (the surviving LEI is)");
        return 0;
    }
    country = ld_field(l, row, L_COUNTRY, &len);
    if (len == 0) {
        country = ld_field(l, row, L_HQ, &len);
    }
    if (reg_id(id, sizeof(id), "LEI:%s", lei) < 0) {
        int rc = ld_problem(l, 0, row->line, "LEI", "an LEI of %zu bytes is too long: not read",
                            strlen(lei));
        return rc < 0 ? rc : 0;
    }
    for (int c = L_OTHER1; c < L_UPDATED; c++) {
        const char *a = ld_field(l, row, c, &len);
        if (len && strlen(aliases) + len + 2 < sizeof(aliases) && !strchr(a, '|')) {
            if (aliases[0]) {
                strcat(aliases, "|");
            }
            strcat(aliases, a);
        }
    }
    ld_entity_t e = {.id = id,
                     .name = ld_field(l, row, L_NAME, &len),
                     .country = country,
                     .aliases = aliases,
                     .line = row->line};
    int rc = ld_add_entity(l, &e);
    return rc < 0 ? rc : 0;
}

/* A GLEIF node as an entity: 1 found (*v), 0 reported unknown, <0 fatal. */
static int rr_node(struct loader *l, const veu_csv_row_t *row, int c, int ctype, uint32_t *v)
{
    size_t len;
    const char *type = ld_field(l, row, ctype, &len);
    const char *node = ld_field(l, row, c, &len);
    char id[128];

    int fits = len == 0 || !*type || !strcmp(type, "LEI")
                   ? reg_id(id, sizeof(id), "LEI:%s", node)
                   : reg_id(id, sizeof(id), "%s:%s", type, node);
    *v = fits < 0 ? VEU_NONE : ld_find(l, id);
    if (*v != VEU_NONE) {
        return 1;
    }
    int rc = ld_problem(l, 0, row->line, rr_cols[c].name, "unknown entity id '%s'", id);
    return rc < 0 ? rc : 0;
}

static int rr_row(struct loader *l, const veu_csv_row_t *row)
{
    size_t len;
    const char *type = ld_field(l, row, R_TYPE, &len);
    const char *status = ld_field(l, row, R_STATUS, &len);
    const char *reg = ld_field(l, row, R_REGSTATUS, &len);
    char key[512];
    size_t kl = rr_key(l, row, key, sizeof(key));

    if (!latest_is(&latest_rr, key, kl, l->file->index, row->line)) {
        reg_count(l, "relationship records restated with a later "
                     "Registration.LastUpdateDate elsewhere: the later one is read");
        return 0;
    }
    if (!strcmp(type, "IS_FUND-MANAGED_BY")) {
        reg_count(l, "fund-management relationships not imported: a fund's manager "
                     "neither owns nor controls it");
        return 0;
    }
    if (!strcmp(type, "IS_FEEDER_TO")) {
        reg_count(l, "feeder-fund relationships not imported: a feeder invests in its "
                     "master fund, it does not own or control it");
        return 0;
    }
    if (strcmp(type, "IS_DIRECTLY_CONSOLIDATED_BY") &&
        strcmp(type, "IS_ULTIMATELY_CONSOLIDATED_BY") &&
        strcmp(type, "IS_INTERNATIONAL_BRANCH_OF") && strcmp(type, "IS_SUBFUND_OF")) {
        int rc = ld_problem(l, 0, row->line, rr_cols[R_TYPE].name,
                            "relationship type '%s' is not one veud reads", type);
        return rc < 0 ? rc : 0;
    }
    if (!strcmp(status, "INACTIVE")) {
        reg_count(l, "relationships with status INACTIVE (ended) not imported");
        return 0;
    }
    if (!strcmp(reg, "ANNULLED") || !strcmp(reg, "RETIRED") || !strcmp(reg, "DUPLICATE")) {
        reg_count(l, "relationship records annulled, retired or duplicate: not imported");
        return 0;
    }
    uint32_t child, parent;
    int rc;
    if ((rc = rr_node(l, row, R_START, R_STARTTYPE, &child)) <= 0 ||
        (rc = rr_node(l, row, R_END, R_ENDTYPE, &parent)) <= 0) {
        return rc;
    }
    if (parent == child) {
        rc = ld_problem(l, 0, row->line, rr_cols[R_END].name,
                        "self-loop: a node consolidates itself");
        return rc < 0 ? rc : 0;
    }
    /* consolidation, a branch's head office, an umbrella fund: control, parent over child */
    return ld_add_own(l, row->line, parent, child, NAN, 1, NAN, NAN);
}

const reg_format_t reg_gleif_lei = {.kind = VEU_REG_GLEIF_LEI,
                                    .name = "GLEIF LEI-CDF",
                                    .csv_header = lei_header,
                                    .cols = lei_cols,
                                    .ncols = LEI_NCOLS,
                                    .entity_row = lei_row,
                                    .prepare = gleif_prepare,
                                    .done = gleif_done};

const reg_format_t reg_gleif_rr = {.kind = VEU_REG_GLEIF_RR,
                                   .name = "GLEIF RR-CDF",
                                   .csv_header = rr_header,
                                   .cols = rr_cols,
                                   .ncols = RR_NCOLS,
                                   .relation_row = rr_row};
