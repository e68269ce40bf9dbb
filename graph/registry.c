/* SPDX-License-Identifier: MIT */
/*
 * registry.c: GLEIF, BODS and FollowTheMoney exports as dataset rows.
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

#include "registry.h"

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
static double stake_of(double lo, double hi, int lo_excl)
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

struct tally {
    const char *what[16];
    unsigned long n[16];
    int used;
};

static void count(struct tally *t, const char *what)
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
/* GLEIF golden copy: LEI-CDF and RR-CDF (CSV)                          */

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
};
enum { L_LEI, L_NAME, L_COUNTRY, L_HQ, L_REGSTATUS, L_OTHER1 };

static const struct colspec rr_cols[] = {
    {"Relationship.StartNode.NodeID", 1},   {"Relationship.EndNode.NodeID", 1},
    {"Relationship.RelationshipType", 1},   {"Relationship.RelationshipStatus", 0},
    {"Registration.RegistrationStatus", 0}, {"Relationship.StartNode.NodeIDType", 0},
    {"Relationship.EndNode.NodeIDType", 0},
};
enum { R_START, R_END, R_TYPE, R_STATUS, R_REGSTATUS, R_STARTTYPE, R_ENDTYPE };

static struct tally tally; /* of the file being read */

static int lei_row(struct loader *l, const veu_csv_row_t *row)
{
    size_t len;
    char id[96], aliases[4096] = "";
    const char *reg = ld_field(l, row, L_REGSTATUS, &len);
    const char *country = ld_field(l, row, L_COUNTRY, &len);

    if (!strcmp(reg, "ANNULLED") || !strcmp(reg, "DUPLICATE")) {
        count(&tally, !strcmp(reg, "ANNULLED")
                          ? "LEI records annulled (issued in error): not imported"
                          : "LEI records marked DUPLICATE: not imported (the surviving LEI is)");
        return 0;
    }
    if (len == 0) {
        country = ld_field(l, row, L_HQ, &len);
    }
    snprintf(id, sizeof(id), "LEI:%s", ld_field(l, row, L_LEI, &len));
    for (int c = L_OTHER1; c < (int)(sizeof(lei_cols) / sizeof(lei_cols[0])); c++) {
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

    if (len == 0 || !*type || !strcmp(type, "LEI")) {
        snprintf(id, sizeof(id), "LEI:%s", node);
    } else {
        snprintf(id, sizeof(id), "%s:%s", type, node);
    }
    *v = ld_find(l, id);
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

    if (!strcmp(type, "IS_FUND-MANAGED_BY")) {
        count(&tally, "fund-management relationships not imported: a fund's manager "
                      "neither owns nor controls it");
        return 0;
    }
    if (!strcmp(type, "IS_FEEDER_TO")) {
        count(&tally, "feeder-fund relationships not imported: a feeder invests in its "
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
        count(&tally, "relationships with status INACTIVE (ended) not imported");
        return 0;
    }
    if (!strcmp(reg, "ANNULLED") || !strcmp(reg, "RETIRED") || !strcmp(reg, "DUPLICATE")) {
        count(&tally, "relationship records annulled, retired or duplicate: not imported");
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
    return ld_add_own(l, parent, child, NAN, 1, NAN, NAN);
}

/* ------------------------------------------------------------------ */
/* JSON: BODS statements and FollowTheMoney entities                   */

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* First element of a FtM property (an array of strings). */
static const char *prop(json_t *props, const char *key)
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

static void today(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* ---- BODS ---- */

static int bods_v04(json_t *rec)
{
    return json_object_get(rec, "recordType") != NULL;
}

/* The entity id a BODS entity or person takes: a register's identifier where it has one. */
static void bods_id(json_t *details, const char *stmt, char *out, size_t cap)
{
    json_t *ids = json_object_get(details, "identifiers"), *it;
    size_t i;

    json_array_foreach(ids, i, it)
    {
        const char *scheme = jstr(it, "scheme"), *id = jstr(it, "id");
        if (!*id) {
            continue;
        }
        if (!strcmp(scheme, "XI-LEI")) {
            snprintf(out, cap, "LEI:%s", id);
            return;
        }
    }
    json_array_foreach(ids, i, it)
    {
        const char *scheme = jstr(it, "scheme"), *id = jstr(it, "id");
        size_t sl = strlen(scheme);
        /* an org-id scheme: two capitals, a dash, capitals ("GB-COH") */
        if (*id && sl >= 4 && isupper((unsigned char)scheme[0]) &&
            isupper((unsigned char)scheme[1]) && scheme[2] == '-') {
            snprintf(out, cap, "%s:%s", scheme, id);
            return;
        }
    }
    snprintf(out, cap, "bods:%s", stmt);
}

static int bods_entity(struct loader *l, veu_regfile_t *f, json_t *rec, long line)
{
    int v04 = bods_v04(rec);
    json_t *d = v04 ? json_object_get(rec, "recordDetails") : rec;
    const char *type = v04 ? jstr(rec, "recordType") : jstr(rec, "statementType");
    const char *key = v04 ? jstr(rec, "recordId") : jstr(rec, "statementID");
    int person = !strcmp(type, "person") || !strcmp(type, "personStatement");
    char id[512], aliases[4096] = "";
    const char *name, *country;
    size_t i;
    json_t *it;

    if (!*key) {
        int rc =
            ld_problem(l, 0, line, v04 ? "recordId" : "statementID", "statement has no identifier");
        return rc < 0 ? rc : 0;
    }
    if (person) {
        json_t *names = json_object_get(d, "names");
        name = jstr(json_array_get(names, 0), "fullName");
        json_array_foreach(names, i, it)
        {
            const char *a = jstr(it, "fullName");
            if (i > 0 && *a && strlen(aliases) + strlen(a) + 2 < sizeof(aliases)) {
                strcat(strcat(aliases, aliases[0] ? "|" : ""), a);
            }
        }
        country = jstr(json_array_get(json_object_get(d, "nationalities"), 0), "code");
        snprintf(id, sizeof(id), "bods:%s", key);
    } else {
        name = jstr(d, "name");
        json_t *j = json_object_get(d, "jurisdiction");
        country = jstr(j ? j : json_object_get(d, "incorporatedInJurisdiction"), "code");
        json_array_foreach(json_object_get(d, "alternateNames"), i, it)
        {
            const char *a = json_string_value(it);
            if (a && strlen(aliases) + strlen(a) + 2 < sizeof(aliases)) {
                strcat(strcat(aliases, aliases[0] ? "|" : ""), a);
            }
        }
        bods_id(d, key, id, sizeof(id));
    }
    if (!*name) {
        int rc = ld_problem(l, 0, line, person ? "names" : "name", "%s statement %s has no name",
                            person ? "person" : "entity", key);
        return rc < 0 ? rc : 0;
    }
    json_object_set_new(f->ids, key, json_string(id));
    ld_entity_t e = {.id = id,
                     .name = name,
                     .country = strlen(country) == 2 ? country : "",
                     .sector = person ? "person" : "",
                     .aliases = aliases,
                     .line = line};
    int rc = ld_add_entity(l, &e);
    return rc < 0 ? rc : 0;
}

/* The entity a BODS party reference names, or VEU_NONE (reported). */
static uint32_t bods_party(struct loader *l, veu_regfile_t *f, json_t *ref, long line,
                           const char *what, int *rc)
{
    const char *key = json_string_value(ref);
    *rc = 0;
    if (!key) {
        key = json_string_value(json_object_get(ref, "describedByEntityStatement"));
    }
    if (!key) {
        key = json_string_value(json_object_get(ref, "describedByPersonStatement"));
    }
    if (!key) {
        json_t *u = json_object_get(ref, "unspecified");
        const char *reason = jstr(u ? u : ref, "reason");
        *rc = ld_problem(l, 1, line, what,
                         "the %s is not disclosed (%s): no edge, nothing is inferred about them",
                         what, *reason ? reason : "no reason given");
        return VEU_NONE;
    }
    const char *id = json_string_value(json_object_get(f->ids, key));
    uint32_t v = id ? ld_find(l, id) : VEU_NONE;
    if (v == VEU_NONE) {
        *rc = ld_problem(l, 0, line, what, "statement '%s' is not in the data directory", key);
    }
    return v;
}

/* An interest type without dashes or case: "appointment-of-board" is "appointmentofboard". */
static void squash(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n < cap - 1; s++) {
        if (*s != '-' && *s != '_' && *s != ' ') {
            out[n++] = (char)tolower((unsigned char)*s);
        }
    }
    out[n] = '\0';
}

static int bods_relationship(struct loader *l, veu_regfile_t *f, json_t *rec, long line,
                             const char *day, struct tally *t)
{
    int v04 = bods_v04(rec), rc;
    json_t *d = v04 ? json_object_get(rec, "recordDetails") : rec;
    uint32_t owned, owner;
    double best_lo = -1, best_hi = 0, best_stake = NAN;
    int control = 0, stake = 0, unknown = 0;
    json_t *it;
    size_t i;

    if (v04 && !strcmp(jstr(rec, "recordStatus"), "closed")) {
        count(t, "relationship records closed: not imported");
        return 0;
    }
    owned = bods_party(l, f, json_object_get(d, "subject"), line, "subject", &rc);
    if (owned == VEU_NONE) {
        return rc;
    }
    owner = bods_party(l, f, json_object_get(d, "interestedParty"), line, "interestedParty", &rc);
    if (owner == VEU_NONE) {
        return rc;
    }
    if (owner == owned) {
        rc = ld_problem(l, 0, line, "interestedParty", "self-loop: the subject holds itself");
        return rc < 0 ? rc : 0;
    }
    json_t *ints = json_object_get(d, "interests");
    if (json_array_size(ints) == 0) {
        unknown = 1;
    }
    json_array_foreach(ints, i, it)
    {
        char type[64], where[32];
        const char *end = jstr(it, "endDate");
        snprintf(where, sizeof(where), "interests[%zu]", i);
        squash(jstr(it, "type"), type, sizeof(type));
        if (*end && strcmp(end, day) <= 0) {
            count(t, "interests that ended (endDate) not imported");
            continue;
        }
        int indirect = !strcmp(jstr(it, "directOrIndirect"), "indirect");
        json_t *sh = json_object_get(it, "share");
        double lo = NAN, hi = NAN;
        int lo_excl = 0;
        if (json_is_number(json_object_get(sh, "exact"))) {
            lo = hi = json_number_value(json_object_get(sh, "exact"));
        } else if (sh) {
            json_t *mn = json_object_get(sh, "minimum"), *mx = json_object_get(sh, "maximum");
            json_t *xmn = json_object_get(sh, "exclusiveMinimum");
            json_t *xmx = json_object_get(sh, "exclusiveMaximum");
            lo = json_is_number(mn)    ? json_number_value(mn)
                 : json_is_number(xmn) ? json_number_value(xmn)
                                       : 0;
            lo_excl = json_is_true(xmn) || (json_is_number(xmn) && !json_is_number(mn));
            hi = json_is_number(mx)    ? json_number_value(mx)
                 : json_is_number(xmx) ? json_number_value(xmx)
                                       : 100;
        }
        if (!isnan(lo) && !(lo >= 0 && hi <= 100 && lo <= hi)) {
            rc = ld_problem(l, 0, line, where, "share %g..%g is not a percentage range", lo, hi);
            if (rc < 0) {
                return rc;
            }
            continue;
        }
        if (!strcmp(type, "shareholding") || !strcmp(type, "votingrights")) {
            if (indirect) {
                /* held through others: the chain's own statements carry it; a majority still
                 * controls */
                if (!isnan(lo) && (lo > 50 || (lo == 50 && lo_excl))) {
                    control = 1;
                } else {
                    count(t, "indirect interests below a majority not imported (the chain's own "
                             "statements carry them)");
                }
                continue;
            }
            if (isnan(lo) || isnan(stake_of(lo, hi, lo_excl))) {
                unknown = 1;
            } else if (lo > best_lo || (lo == best_lo && hi > best_hi)) {
                best_lo = lo, best_hi = hi, best_stake = stake_of(lo, hi, lo_excl), stake = 1;
            }
        } else if (!strcmp(type, "appointmentofboard") ||
                   !strcmp(type, "otherinfluenceorcontrol") ||
                   !strcmp(type, "controlviacompanyrulesorarticles") ||
                   !strcmp(type, "controlbylegalframework") ||
                   !strcmp(type, "influenceorcontrol")) {
            control = 1;
        } else if (!strcmp(type, "unknowninterest") || !strcmp(type, "unpublishedinterest") ||
                   !strcmp(type, "")) {
            unknown = 1;
        } else {
            count(t, "interests that are neither ownership nor control (trusts, nominees, "
                     "managers, rights to profit) not imported");
        }
    }
    if (stake && (rc = ld_add_own(l, owner, owned, best_stake, 0, best_lo, best_hi)) < 0) {
        return rc;
    }
    if (control && (rc = ld_add_own(l, owner, owned, NAN, 1, NAN, NAN)) < 0) {
        return rc;
    }
    if (!stake && !control && unknown) {
        rc =
            ld_problem(l, 1, line, "interests",
                       "an interest of unknown size: kept as a stake that adds nothing to any sum");
        if (rc < 0 || (rc = ld_add_own(l, owner, owned, NAN, 0, NAN, NAN)) < 0) {
            return rc;
        }
    }
    return 0;
}

/*
 * The statements a later one supersedes: those 0.2's replacesStatements
 * names, and in 0.4 every statement of a record but its last.
 */
static json_t *superseded(json_t *recs)
{
    json_t *gone = json_object(), *last = json_object(), *rec, *r;
    size_t i, k;

    json_array_foreach(recs, i, rec)
    {
        json_array_foreach(json_object_get(rec, "replacesStatements"), k, r)
        {
            if (json_is_string(r)) {
                json_object_set_new(gone, json_string_value(r), json_true());
            }
        }
        const char *rid = json_string_value(json_object_get(rec, "recordId"));
        const char *sid = json_string_value(json_object_get(rec, "statementId"));
        if (rid && sid) {
            const char *prev = json_string_value(json_object_get(last, rid));
            if (prev) {
                json_object_set_new(gone, prev, json_true());
            }
            json_object_set_new(last, rid, json_string(sid));
        }
    }
    json_decref(last);
    return gone;
}

/* ---- FollowTheMoney ---- */

static int ftm_is_entity(const char *schema)
{
    return !strcmp(schema, "Company") || !strcmp(schema, "Organization") ||
           !strcmp(schema, "LegalEntity") || !strcmp(schema, "PublicBody") ||
           !strcmp(schema, "Person");
}

static int ftm_entity(struct loader *l, veu_regfile_t *f, json_t *rec, long line)
{
    json_t *props = json_object_get(rec, "properties"), *it;
    const char *fid = jstr(rec, "id"), *name = prop(props, "name");
    const char *country = prop(props, "jurisdiction"), *lei = prop(props, "leiCode");
    char id[512], aliases[4096] = "";
    size_t i;
    static const char *const alias_props[] = {"name", "alias", "previousName", "weakAlias"};

    if (!*fid || !name) {
        int rc = ld_problem(l, 0, line, *fid ? "properties.name" : "id", "a %s without %s",
                            jstr(rec, "schema"), *fid ? "a name" : "an id");
        return rc < 0 ? rc : 0;
    }
    if (!country) {
        country = prop(props, "country");
    }
    for (size_t k = 0; k < sizeof(alias_props) / sizeof(alias_props[0]); k++) {
        json_array_foreach(json_object_get(props, alias_props[k]), i, it)
        {
            const char *a = json_string_value(it);
            if (a && (k > 0 || i > 0) && !strchr(a, '|') &&
                strlen(aliases) + strlen(a) + 2 < sizeof(aliases)) {
                strcat(strcat(aliases, aliases[0] ? "|" : ""), a);
            }
        }
    }
    if (lei && strlen(lei) == 20) {
        snprintf(id, sizeof(id), "LEI:%s", lei); /* meets the same company from GLEIF */
    } else {
        snprintf(id, sizeof(id), "%s", fid);
    }
    json_object_set_new(f->ids, fid, json_string(id));
    ld_entity_t e = {.id = id,
                     .name = name,
                     .country = country && strlen(country) == 2 ? country : "",
                     .sector = !strcmp(jstr(rec, "schema"), "Person") ? "person" : "",
                     .aliases = aliases,
                     .line = line};
    int rc = ld_add_entity(l, &e);
    return rc < 0 ? rc : 0;
}

static uint32_t ftm_ref(struct loader *l, veu_regfile_t *f, json_t *props, const char *key,
                        long line, int *rc)
{
    const char *ref = prop(props, key);
    char col[64];
    *rc = 0;
    snprintf(col, sizeof(col), "properties.%s", key);
    if (!ref) {
        *rc = ld_problem(l, 0, line, col, "an Ownership without its %s", key);
        return VEU_NONE;
    }
    const char *id = json_string_value(json_object_get(f->ids, ref));
    uint32_t v = ld_find(l, id ? id : ref);
    if (v == VEU_NONE) {
        *rc = ld_problem(l, 0, line, col, "unknown entity id '%s'", ref);
    }
    return v;
}

static int ftm_ownership(struct loader *l, veu_regfile_t *f, json_t *rec, long line,
                         const char *day, struct tally *t)
{
    json_t *props = json_object_get(rec, "properties");
    const char *end = prop(props, "endDate"), *pct = prop(props, "percentage");
    const char *role = prop(props, "role");
    int rc;

    if (end && *end && strcmp(end, day) <= 0) {
        count(t, "ownerships that ended (endDate) not imported");
        return 0;
    }
    uint32_t owner = ftm_ref(l, f, props, "owner", line, &rc);
    if (owner == VEU_NONE) {
        return rc;
    }
    uint32_t owned = ftm_ref(l, f, props, "asset", line, &rc);
    if (owned == VEU_NONE) {
        return rc;
    }
    if (owner == owned) {
        rc = ld_problem(l, 0, line, "properties.asset", "self-loop: '%s' owns itself",
                        jstr(rec, "id"));
        return rc < 0 ? rc : 0;
    }
    double lo, hi;
    int lo_excl;
    if (pct && veu_parse_percent_text(pct, &lo, &hi, &lo_excl)) {
        double st = stake_of(lo, hi, lo_excl);
        if (!isnan(st)) {
            return ld_add_own(l, owner, owned, st, 0, lo == hi ? NAN : lo, lo == hi ? NAN : hi);
        }
    } else if (pct) {
        rc = ld_problem(l, 1, line, "properties.percentage",
                        "percentage '%s' cannot be read: kept as a stake of unknown size", pct);
        if (rc < 0) {
            return rc;
        }
    }
    if (role && strcasestr(role, "control")) {
        return ld_add_own(l, owner, owned, NAN, 1, NAN, NAN); /* "controlling shareholder" */
    }
    return ld_add_own(l, owner, owned, NAN, 0, NAN, NAN);
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
    memset(&tally, 0, sizeof(tally));
    return l->path_buf;
}

int veu_registry_entities(struct loader *l, const char *dir, veu_registry_t *reg)
{
    for (int i = 0; i < reg->n; i++) {
        veu_regfile_t *f = &reg->f[i];
        const char *path = begin_file(l, dir, f);
        int rc = 0;

        if (has_suffix(f->name, ".csv")) {
            f->kind = sniff_csv(path);
            if (f->kind == VEU_REG_GLEIF_LEI) {
                rc = ld_read_csv(l, path, lei_cols, (int)(sizeof(lei_cols) / sizeof(lei_cols[0])),
                                 lei_row, NULL);
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
            json_t *gone = f->kind == VEU_REG_BODS ? superseded(recs) : json_object();
            for (size_t k = 0; rc == 0 && k < json_array_size(recs); k++) {
                json_t *rec = json_array_get(recs, k);
                long line = (long)json_integer_value(json_array_get(lines, k));
                const char *what =
                    f->kind == VEU_REG_BODS
                        ? (bods_v04(rec) ? jstr(rec, "recordType") : jstr(rec, "statementType"))
                        : jstr(rec, "schema");
                if (json_object_get(gone, json_string_value(json_object_get(rec, "statementID"))) ||
                    json_object_get(gone, json_string_value(json_object_get(rec, "statementId")))) {
                    count(&tally,
                          "statements superseded by a later statement in the file: not read");
                } else if (!json_is_object(rec) || kind_of(rec) != f->kind) {
                    rc = ld_problem(l, 0, line, "", "not a %s record",
                                    f->kind == VEU_REG_BODS ? "BODS" : "FollowTheMoney");
                } else if (f->kind == VEU_REG_BODS &&
                           (!strcmp(what, "entity") || !strcmp(what, "person") ||
                            !strcmp(what, "entityStatement") || !strcmp(what, "personStatement"))) {
                    rc = bods_entity(l, f, rec, line);
                } else if (f->kind == VEU_REG_FTM && ftm_is_entity(what)) {
                    rc = ftm_entity(l, f, rec, line);
                } else if ((f->kind == VEU_REG_BODS &&
                            (!strcmp(what, "relationship") ||
                             !strcmp(what, "ownershipOrControlStatement"))) ||
                           (f->kind == VEU_REG_FTM && !strcmp(what, "Ownership"))) {
                    json_array_append(f->records, rec);
                    json_array_append_new(f->lines, json_integer(line));
                } else if (f->kind == VEU_REG_BODS) {
                    rc = ld_problem(l, 0, line, "statementType",
                                    "statement type '%s' is not one veud reads", what);
                } else {
                    count(&tally,
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
            rc = report_tally(l, &tally);
        }
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

int veu_registry_relations(struct loader *l, const char *dir, veu_registry_t *reg)
{
    char day[11];

    today(day);
    for (int i = 0; i < reg->n; i++) {
        veu_regfile_t *f = &reg->f[i];
        const char *path = begin_file(l, dir, f);
        int rc = 0;

        if (f->kind == VEU_REG_GLEIF_RR) {
            rc = ld_read_csv(l, path, rr_cols, (int)(sizeof(rr_cols) / sizeof(rr_cols[0])), rr_row,
                             NULL);
        }
        for (size_t k = 0; rc == 0 && k < json_array_size(f->records); k++) {
            json_t *rec = json_array_get(f->records, k);
            long line = (long)json_integer_value(json_array_get(f->lines, k));
            rc = f->kind == VEU_REG_BODS ? bods_relationship(l, f, rec, line, day, &tally)
                                         : ftm_ownership(l, f, rec, line, day, &tally);
        }
        if (rc == 0) {
            rc = report_tally(l, &tally);
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
}
