/* SPDX-License-Identifier: MIT */
/*
 * ftm.c: FollowTheMoney entities (JSON lines).  Companies,
 * organisations, legal entities, public bodies and people become entities;
 * an Ownership becomes a stake read from its free-text percentage.
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

static int ftm_is_entity(const char *schema)
{
    return !strcmp(schema, "Company") || !strcmp(schema, "Organization") ||
           !strcmp(schema, "LegalEntity") || !strcmp(schema, "PublicBody") ||
           !strcmp(schema, "Person");
}

/* The records read in the second pass, once every entity is known. */
static int ftm_later(json_t *rec)
{
    const char *schema = reg_jstr(rec, "schema");
    return !strcmp(schema, "Ownership") || !strcmp(schema, "Control") ||
           !strcmp(schema, "Sanction");
}

/*
 * Whether a record's bytes name a link or sanction schema: 1 surely, 0
 * surely not, -1 when it cannot be told without parsing (reg_bytes_value).
 */
static int ftm_bytes_link(const char *bytes, size_t len)
{
    static const char *const links[] = {"Ownership", "Control", "Sanction", NULL};
    const char *v;
    size_t n;
    return reg_bytes_value(bytes, len, "schema", &v, &n) ? reg_value_in(v, n, links) : -1;
}

/* The link pass parses all but what surely is no link. */
static int ftm_later_bytes(const char *bytes, size_t len)
{
    return ftm_bytes_link(bytes, len) != 0;
}

/*
 * The entity pass leaves what surely is a link to the link pass, which
 * parses it anyway: each record is parsed once.
 */
static int ftm_first_bytes(const char *bytes, size_t len)
{
    return ftm_bytes_link(bytes, len) != 1;
}

/* The key of a held designation: entity index and list. */
static void held_key(char *buf, size_t cap, uint32_t v, const char *list)
{
    snprintf(buf, cap, "%u\x1f%s", (unsigned)v, list);
}

/*
 * An entity's topics as designations, by [policy] ftm_topics (OpenSanctions'
 * "mil" is military by default): one for each dataset that lists the entity,
 * that dataset being its list, so that seed_lists chooses among them.  They
 * are held until the Sanctions are read: a Sanction of the same list carries
 * dates (listed, delisted), and its dates win over an undated topic.
 */
static int ftm_topics(struct loader *l, veu_regfile_t *f, json_t *rec, json_t *props,
                      const char *id, long line)
{
    json_t *topic, *ds = json_object_get(rec, "datasets");
    json_t *held = f->reg->held;
    size_t i, k;
    uint32_t v = ld_find(l, id);

    if (v == VEU_NONE) {
        return 0;
    }
    json_array_foreach(json_object_get(props, "topics"), i, topic)
    {
        const char *t = json_string_value(topic);
        int kind = veu_policy_topic_kind(l->pol, t);
        if (!kind) {
            continue;
        }
        size_t nd = json_array_size(ds);
        for (k = 0; k < (nd ? nd : 1); k++) {
            const char *list = nd ? json_string_value(json_array_get(ds, k)) : "";
            char key[256];
            held_key(key, sizeof(key), v, list ? list : "");
            if (!json_object_get(held, key)) {
                json_object_set_new(held, key,
                                    json_pack("{s:i,s:I,s:i,s:s}", "kind", kind, "line",
                                              (json_int_t)line, "file", f->index, "topic", t));
            }
        }
    }
    return 0;
}

/*
 * The names of an entity beside its first: name, alias, previousName and
 * weakAlias, in every script (a Chinese or Cyrillic listed name finds its
 * company), '|'-separated.  A '|' inside a name becomes '/'; names beyond
 * 64 KiB for one entity are counted, not indexed.
 */
static char *ftm_aliases(struct loader *l, json_t *props)
{
    static const char *const keys[] = {"name", "alias", "previousName", "weakAlias"};
    size_t cap = 256, n = 0, i;
    char *out = malloc(cap);
    json_t *it;

    if (!out) {
        return NULL;
    }
    out[0] = '\0';
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        json_array_foreach(json_object_get(props, keys[k]), i, it)
        {
            const char *a = json_string_value(it);
            size_t al = a ? strlen(a) : 0;
            if (!al || (k == 0 && i == 0)) {
                continue;
            }
            if (n + al + 2 > 65536) {
                reg_count(l, "names beyond 64 KiB for one entity: not indexed");
                continue;
            }
            if (n + al + 2 > cap) {
                char *o = realloc(out, cap = (n + al + 2) * 2);
                if (!o) {
                    free(out);
                    return NULL;
                }
                out = o;
            }
            if (n) {
                out[n++] = '|';
            }
            for (size_t c = 0; c < al; c++) {
                out[n++] = a[c] == '|' ? '/' : a[c];
            }
            out[n] = '\0';
        }
    }
    return out;
}

static int ftm_entity(struct loader *l, veu_regfile_t *f, json_t *rec, long line)
{
    json_t *props = json_object_get(rec, "properties");
    const char *fid = reg_jstr(rec, "id"), *name = reg_prop(props, "name");
    const char *country = reg_prop(props, "jurisdiction"), *lei = reg_prop(props, "leiCode");
    char id[512];

    if (!*fid || !name) {
        int rc = ld_problem(l, 0, line, *fid ? "properties.name" : "id", "a %s without %s",
                            reg_jstr(rec, "schema"), *fid ? "a name" : "an id");
        return rc < 0 ? rc : 0;
    }
    if (!country) {
        country = reg_prop(props, "country");
    }
    if (lei && strlen(lei) == 20) {
        snprintf(id, sizeof(id), "LEI:%s", lei);           /* meets the same company from GLEIF */
        json_object_set_new(f->ids, fid, json_string(id)); /* only ids that differ are kept */
    } else if (reg_id(id, sizeof(id), "%s", fid) < 0) {
        int rc =
            ld_problem(l, 0, line, "id", "an id of %zu bytes is too long: not read", strlen(fid));
        return rc < 0 ? rc : 0;
    }
    char *aliases = ftm_aliases(l, props);
    if (!aliases) {
        return ld_fatal(l, -ENOMEM, line, "", "out of memory");
    }
    /* a sector word, lower case (dual_use_sectors compares words): "Automotive" is automotive */
    const char *sec = reg_prop(props, "sector");
    char sector[64] = "";
    for (size_t k = 0; sec && sec[k] && k < sizeof(sector) - 1; k++) {
        sector[k] = (char)tolower((unsigned char)sec[k]);
        sector[k + 1] = '\0';
    }
    ld_entity_t e = {.id = id,
                     .name = name,
                     .country = country && strlen(country) == 2 ? country : "",
                     .sector = !strcmp(reg_jstr(rec, "schema"), "Person") ? "person" : sector,
                     .aliases = aliases,
                     .line = line};
    int rc = ld_add_entity(l, &e);
    free(aliases);
    if (rc < 0) {
        return rc;
    }
    return ftm_topics(l, f, rec, props, id, line);
}

static uint32_t ftm_ref(struct loader *l, veu_regfile_t *f, json_t *props, const char *key,
                        long line, int *rc)
{
    const char *ref = reg_prop(props, key);
    char col[64];
    *rc = 0;
    snprintf(col, sizeof(col), "properties.%s", key);
    if (!ref) {
        *rc = ld_problem(l, 0, line, col, "a link without its %s", key);
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
                         const char *day)
{
    json_t *props = json_object_get(rec, "properties");
    const char *end = reg_prop(props, "endDate"), *pct = reg_prop(props, "percentage");
    const char *role = reg_prop(props, "role");
    /* a Control link names its ends controller -> entity, an Ownership owner -> asset */
    int control = !strcmp(reg_jstr(rec, "schema"), "Control");
    const char *from = control && reg_prop(props, "controller") ? "controller" : "owner";
    const char *to = control && reg_prop(props, "entity") ? "entity" : "asset";
    int rc;

    int ended = reg_ended(end, day);
    if (ended > 0) {
        reg_count(l, control ? "controls that ended (endDate) not imported"
                             : "ownerships that ended (endDate) not imported");
        return 0;
    }
    if (ended < 0 && (rc = ld_problem(l, 1, line, "endDate",
                                      "endDate '%.40s' is not a date: the %s is kept as current",
                                      end, control ? "control" : "ownership")) < 0) {
        return rc;
    }
    uint32_t owner = ftm_ref(l, f, props, from, line, &rc);
    if (owner == VEU_NONE) {
        return rc;
    }
    uint32_t owned = ftm_ref(l, f, props, to, line, &rc);
    if (owned == VEU_NONE) {
        return rc;
    }
    if (control && owner != owned) {
        return ld_add_own(l, line, owner, owned, NAN, 1, NAN, NAN);
    }
    if (owner == owned) {
        rc = ld_problem(l, 0, line, "properties.asset", "self-loop: '%s' owns itself",
                        reg_jstr(rec, "id"));
        return rc < 0 ? rc : 0;
    }
    double lo, hi;
    int lo_excl;
    if (pct && veu_parse_percent_text(pct, &lo, &hi, &lo_excl)) {
        double st = reg_stake_of(lo, hi, lo_excl);
        if (!isnan(st)) {
            return ld_add_own(l, line, owner, owned, st, 0, lo == hi ? NAN : lo,
                              lo == hi ? NAN : hi);
        }
    } else if (pct) {
        rc = ld_problem(l, 1, line, "properties.percentage",
                        "percentage '%s' cannot be read: kept as a stake of unknown size", pct);
        if (rc < 0) {
            return rc;
        }
    }
    if (role && strcasestr(role, "control")) {
        return ld_add_own(l, line, owner, owned, NAN, 1, NAN, NAN); /* "controlling shareholder" */
    }
    return ld_add_own(l, line, owner, owned, NAN, 0, NAN, NAN);
}

/*
 * A Sanction's day: 1 read into *day, 0 absent, -1 unreadable.  A year or
 * a month stands for its first day when it starts a listing and for the
 * day after its last when it ends one: a listing known only roughly is
 * taken as the longer one, never the shorter.
 */
static int ftm_day(const char *s, int end, int32_t *day)
{
    char iso[11];
    size_t n = s ? strlen(s) : 0;

    if (!n) {
        return 0;
    }
    if (n >= 10 && (n == 10 || s[10] == 'T' || s[10] == ' ') && veu_iso_date(s, 10)) {
        memcpy(iso, s, 10);
        iso[10] = '\0';
        *day = veu_day_number(iso);
        return 1;
    }
    if (n == 7 && (snprintf(iso, sizeof(iso), "%.7s-01", s), veu_iso_date(iso, 10))) {
        *day = veu_day_number(iso);
        if (end) {
            int y = atoi(s), m = atoi(s + 5);
            snprintf(iso, sizeof(iso), "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
            *day = veu_day_number(iso);
        }
        return 1;
    }
    if (n == 4 && (snprintf(iso, sizeof(iso), "%.4s-01-01", s), veu_iso_date(iso, 10))) {
        *day = veu_day_number(iso);
        if (end) {
            snprintf(iso, sizeof(iso), "%04d-01-01", atoi(s) + 1);
            *day = veu_day_number(iso);
        }
        return 1;
    }
    return -1;
}

/*
 * A Sanction (OpenSanctions publishes one per listing: the listed entity,
 * the authority, the program, listingDate or startDate, endDate) as a
 * dated designation of each of its datasets, that dataset being its list.
 * Its kind: [policy] ftm_sanctions for the list, else the kind the
 * entity's own topics give for the same list; a sanction of neither kind
 * is no defense tie and is counted, not read.
 */
static int ftm_sanction(struct loader *l, veu_regfile_t *f, json_t *rec, long line)
{
    json_t *props = json_object_get(rec, "properties"), *ds = json_object_get(rec, "datasets");
    json_t *held = f->reg->held;
    const char *start = reg_prop(props, "listingDate"), *end = reg_prop(props, "endDate");
    const char *auth = reg_prop(props, "authority"), *prog = reg_prop(props, "program");
    veu_span_t span = {VEU_DAY_MIN, VEU_DAY_MAX};
    char source[300];
    int rc;

    if (!start) {
        start = reg_prop(props, "startDate");
    }
    uint32_t v = ftm_ref(l, f, props, "entity", line, &rc);
    if (v == VEU_NONE) {
        return rc;
    }
    int got = ftm_day(start, 0, &span.from);
    if (got < 0 &&
        (rc = ld_problem(l, 1, line, "properties.listingDate",
                         "'%.40s' is not a date: the listing counts from any day", start)) < 0) {
        return rc;
    }
    int got_end = ftm_day(end, 1, &span.until);
    if (got_end < 0 &&
        (rc = ld_problem(l, 1, line, "properties.endDate",
                         "'%.40s' is not a date: the listing is kept as current", end)) < 0) {
        return rc;
    }
    if (span.from >= span.until) {
        rc = ld_problem(l, 0, line, "properties.endDate", "endDate '%s' is not after '%s'", end,
                        start);
        return rc < 0 ? rc : 0;
    }
    if (got > 0 || got_end > 0) {
        l->ds->dated = 1;
        if (ld_hist_begin(l->ds) < 0) {
            return ld_fatal(l, -ENOMEM, line, "", "out of memory");
        }
    }
    snprintf(source, sizeof(source), "%s%s%s", auth ? auth : "FollowTheMoney Sanction",
             prog ? ": " : "", prog ? prog : "");
    size_t nd = json_array_size(ds);
    for (size_t k = 0; k < (nd ? nd : 1); k++) {
        const char *list = nd ? json_string_value(json_array_get(ds, k)) : "";
        char key[256];
        list = list ? list : "";
        held_key(key, sizeof(key), v, list);
        json_t *h = json_object_get(held, key);
        int kind = veu_policy_sanction_kind(l->pol, list, prog);
        if (!kind && h) {
            kind = (int)json_integer_value(json_object_get(h, "kind"));
        }
        if (!kind) {
            reg_count(l, "Sanctions of lists that ftm_sanctions does not map and no topic of "
                         "the entity marks (no defense tie): not read as designations");
            continue;
        }
        if (h) {
            json_object_set_new(h, "dated", json_true()); /* the Sanction's dates win */
        }
        if ((rc = ld_add_designation(l, line, v, (uint8_t)kind, source, list, span)) < 0) {
            return rc;
        }
    }
    return 0;
}

static int ftm_relation(struct loader *l, veu_regfile_t *f, json_t *rec, long line, const char *day)
{
    if (!strcmp(reg_jstr(rec, "schema"), "Sanction")) {
        return ftm_sanction(l, f, rec, line);
    }
    return ftm_ownership(l, f, rec, line, day);
}

/*
 * After the second pass: the designations held from topics, but for those
 * a Sanction of the same entity and list replaced with its dates.
 */
static int ftm_finish(struct loader *l, veu_registry_t *reg)
{
    const char *key;
    json_t *h;
    veu_span_t always = {VEU_DAY_MIN, VEU_DAY_MAX};

    json_object_foreach(reg->held, key, h)
    {
        if (json_object_get(h, "dated")) {
            continue;
        }
        const char *sep = strchr(key, '\x1f');
        uint32_t v = (uint32_t)strtoul(key, NULL, 10);
        int fi = (int)json_integer_value(json_object_get(h, "file"));
        char source[128];
        snprintf(l->path_buf, sizeof(l->path_buf), "%s", reg->f[fi].name);
        l->path = l->path_buf;
        snprintf(source, sizeof(source), "FollowTheMoney topic '%s'", reg_jstr(h, "topic"));
        int rc = ld_add_designation(l, (long)json_integer_value(json_object_get(h, "line")), v,
                                    (uint8_t)json_integer_value(json_object_get(h, "kind")), source,
                                    sep ? sep + 1 : "", always);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

static int ftm_is(json_t *rec)
{
    return json_is_string(json_object_get(rec, "schema")) && json_object_get(rec, "properties");
}

/* First pass: companies, organisations and people; links and sanctions wait. */
static int ftm_record(struct loader *l, veu_regfile_t *f, json_t *rec, long line)
{
    const char *schema = reg_jstr(rec, "schema");

    if (ftm_is_entity(schema)) {
        return ftm_entity(l, f, rec, line);
    }
    if (ftm_later(rec)) {
        return 0;
    }
    reg_count(l, "FollowTheMoney records of other schemas (not companies, people, ownership, "
                 "control or sanctions) not read");
    return 0;
}

const reg_format_t reg_ftm = {.kind = VEU_REG_FTM,
                              .name = "FollowTheMoney",
                              .json_is = ftm_is,
                              .json_entity = ftm_record,
                              .json_later = ftm_later,
                              .json_later_bytes = ftm_later_bytes,
                              .json_first_bytes = ftm_first_bytes,
                              .json_relation = ftm_relation,
                              .finish = ftm_finish};
