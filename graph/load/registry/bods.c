/* SPDX-License-Identifier: MIT */
/*
 * bods.c: Beneficial Ownership Data Standard statements, the 0.2 shape
 * registers publish (statementType, describedBy...Statement, boolean
 * exclusive bounds) and 0.4 (recordType, recordDetails, numeric exclusive
 * bounds).  Entities and people become entities; shareholdings and voting
 * rights become stakes, control interests control edges.
 */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/registry/common.h"

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
        const char *scheme = reg_jstr(it, "scheme"), *id = reg_jstr(it, "id");
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
        const char *scheme = reg_jstr(it, "scheme"), *id = reg_jstr(it, "id");
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
    const char *type = v04 ? reg_jstr(rec, "recordType") : reg_jstr(rec, "statementType");
    const char *key = v04 ? reg_jstr(rec, "recordId") : reg_jstr(rec, "statementID");
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
        name = reg_jstr(json_array_get(names, 0), "fullName");
        json_array_foreach(names, i, it)
        {
            const char *a = reg_jstr(it, "fullName");
            if (i > 0 && *a && strlen(aliases) + strlen(a) + 2 < sizeof(aliases)) {
                strcat(strcat(aliases, aliases[0] ? "|" : ""), a);
            }
        }
        country = reg_jstr(json_array_get(json_object_get(d, "nationalities"), 0), "code");
        if (reg_id(id, sizeof(id), "bods:%s", key) < 0) {
            int rc = ld_problem(l, 0, line, "recordId", "an id of %zu bytes is too long: not read",
                                strlen(key));
            return rc < 0 ? rc : 0;
        }
    } else {
        name = reg_jstr(d, "name");
        json_t *j = json_object_get(d, "jurisdiction");
        country = reg_jstr(j ? j : json_object_get(d, "incorporatedInJurisdiction"), "code");
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
        const char *reason = reg_jstr(u ? u : ref, "reason");
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
                             const char *day)
{
    int v04 = bods_v04(rec), rc;
    json_t *d = v04 ? json_object_get(rec, "recordDetails") : rec;
    uint32_t owned, owner;
    double best_lo = -1, best_hi = 0, best_stake = NAN;
    int control = 0, stake = 0, unknown = 0;
    json_t *it;
    size_t i;

    if (v04 && !strcmp(reg_jstr(rec, "recordStatus"), "closed")) {
        reg_count(l, "relationship records closed: not imported");
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
        const char *end = reg_jstr(it, "endDate");
        snprintf(where, sizeof(where), "interests[%zu]", i);
        squash(reg_jstr(it, "type"), type, sizeof(type));
        int ended = reg_ended(end, day);
        if (ended > 0) {
            reg_count(l, "interests that ended (endDate) not imported");
            continue;
        }
        if (ended < 0 &&
            (rc = ld_problem(l, 1, line, where,
                             "endDate '%.40s' is not a date: the interest is kept as current",
                             end)) < 0) {
            return rc;
        }
        int indirect = !strcmp(reg_jstr(it, "directOrIndirect"), "indirect");
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
                    reg_count(l,
                              "indirect interests below a majority not imported (the chain's own "
                              "statements carry them)");
                }
                continue;
            }
            if (isnan(lo) || isnan(reg_stake_of(lo, hi, lo_excl))) {
                unknown = 1;
            } else if (lo > best_lo || (lo == best_lo && hi > best_hi)) {
                best_lo = lo, best_hi = hi, best_stake = reg_stake_of(lo, hi, lo_excl), stake = 1;
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
            reg_count(l, "interests that are neither ownership nor control (trusts, nominees, "
                         "managers, rights to profit) not imported");
        }
    }
    if (stake && (rc = ld_add_own(l, line, owner, owned, best_stake, 0, best_lo, best_hi)) < 0) {
        return rc;
    }
    if (control && (rc = ld_add_own(l, line, owner, owned, NAN, 1, NAN, NAN)) < 0) {
        return rc;
    }
    if (!stake && !control && unknown) {
        rc =
            ld_problem(l, 1, line, "interests",
                       "an interest of unknown size: kept as a stake that adds nothing to any sum");
        if (rc < 0 || (rc = ld_add_own(l, line, owner, owned, NAN, 0, NAN, NAN)) < 0) {
            return rc;
        }
    }
    return 0;
}

/*
 * The scan before the first pass: the statements a later one supersedes,
 * those 0.2's replacesStatements names, and in 0.4 every statement of a
 * record but its last (f->last: record id -> its latest statement).
 */
static int bods_scan(struct loader *l, veu_regfile_t *f, json_t *rec, long line)
{
    json_t *r;
    size_t k;

    (void)l, (void)line;
    if (!f->gone) {
        f->gone = json_object();
        f->last = json_object();
    }
    json_array_foreach(json_object_get(rec, "replacesStatements"), k, r)
    {
        if (json_is_string(r)) {
            json_object_set_new(f->gone, json_string_value(r), json_true());
        }
    }
    const char *rid = json_string_value(json_object_get(rec, "recordId"));
    const char *sid = json_string_value(json_object_get(rec, "statementId"));
    if (rid && sid) {
        const char *prev = json_string_value(json_object_get(f->last, rid));
        if (prev) {
            json_object_set_new(f->gone, prev, json_true());
        }
        json_object_set_new(f->last, rid, json_string(sid));
    }
    return 0;
}

/* Whether a later statement in the file supersedes this one. */
static int bods_skip(veu_regfile_t *f, json_t *rec)
{
    const char *sid = json_string_value(json_object_get(rec, "statementID"));
    if (!sid) {
        sid = json_string_value(json_object_get(rec, "statementId"));
    }
    return f->gone && sid && json_object_get(f->gone, sid);
}

static int bods_is(json_t *rec)
{
    return json_object_get(rec, "statementType") || json_object_get(rec, "recordType");
}

static const char *bods_type(json_t *rec)
{
    return bods_v04(rec) ? reg_jstr(rec, "recordType") : reg_jstr(rec, "statementType");
}

static int bods_later(json_t *rec)
{
    const char *what = bods_type(rec);
    return !strcmp(what, "relationship") || !strcmp(what, "ownershipOrControlStatement");
}

/* 0 when a statement's bytes surely are no relationship (its type read off them). */
static int bods_later_bytes(const char *bytes, size_t len)
{
    static const char *const links[] = {"relationship", "ownershipOrControlStatement", NULL};
    const char *v;
    size_t n;
    if (reg_bytes_value(bytes, len, "statementType", &v, &n) ||
        reg_bytes_value(bytes, len, "recordType", &v, &n)) {
        return reg_value_in(v, n, links);
    }
    return 1;
}

/* First pass: entity and person statements are read; relationships wait. */
static int bods_record(struct loader *l, veu_regfile_t *f, json_t *rec, long line)
{
    const char *what = bods_type(rec);

    if (!strcmp(what, "entity") || !strcmp(what, "person") || !strcmp(what, "entityStatement") ||
        !strcmp(what, "personStatement")) {
        return bods_entity(l, f, rec, line);
    }
    if (bods_later(rec)) {
        return 0;
    }
    int rc =
        ld_problem(l, 0, line, "statementType", "statement type '%s' is not one veud reads", what);
    return rc < 0 ? rc : 0;
}

const reg_format_t reg_bods = {.kind = VEU_REG_BODS,
                               .name = "BODS",
                               .json_is = bods_is,
                               .json_scan = bods_scan,
                               .json_skip = bods_skip,
                               .json_entity = bods_record,
                               .json_later = bods_later,
                               .json_later_bytes = bods_later_bytes,
                               .json_relation = bods_relationship};
