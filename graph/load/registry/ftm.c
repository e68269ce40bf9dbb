/* SPDX-License-Identifier: MIT */
/*
 * ftm.c: FollowTheMoney entities (JSON lines).  Companies,
 * organisations, legal entities, public bodies and people become entities;
 * an Ownership becomes a stake read from its free-text percentage.
 */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/registry/common.h"

static int ftm_is_entity(const char *schema)
{
    return !strcmp(schema, "Company") || !strcmp(schema, "Organization") ||
           !strcmp(schema, "LegalEntity") || !strcmp(schema, "PublicBody") ||
           !strcmp(schema, "Person");
}

/*
 * An entity's topics as designations, by [policy] ftm_topics (OpenSanctions'
 * "mil" is military by default): one for each dataset that lists the entity,
 * that dataset being its list, so that seed_lists chooses among them.
 */
static int ftm_topics(struct loader *l, json_t *rec, json_t *props, const char *id, long line)
{
    json_t *topic, *ds = json_object_get(rec, "datasets");
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
        char source[128];
        snprintf(source, sizeof(source), "FollowTheMoney topic '%s'", t);
        veu_span_t always = {VEU_DAY_MIN, VEU_DAY_MAX};
        size_t nd = json_array_size(ds);
        for (k = 0; k < (nd ? nd : 1); k++) {
            const char *list = nd ? json_string_value(json_array_get(ds, k)) : "";
            int rc =
                ld_add_designation(l, line, v, (uint8_t)kind, source, list ? list : "", always);
            if (rc < 0) {
                return rc;
            }
        }
    }
    return 0;
}

static int ftm_entity(struct loader *l, veu_regfile_t *f, json_t *rec, long line)
{
    json_t *props = json_object_get(rec, "properties"), *it;
    const char *fid = reg_jstr(rec, "id"), *name = reg_prop(props, "name");
    const char *country = reg_prop(props, "jurisdiction"), *lei = reg_prop(props, "leiCode");
    char id[512], aliases[4096] = "";
    size_t i;
    static const char *const alias_props[] = {"name", "alias", "previousName", "weakAlias"};

    if (!*fid || !name) {
        int rc = ld_problem(l, 0, line, *fid ? "properties.name" : "id", "a %s without %s",
                            reg_jstr(rec, "schema"), *fid ? "a name" : "an id");
        return rc < 0 ? rc : 0;
    }
    if (!country) {
        country = reg_prop(props, "country");
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
    } else if (reg_id(id, sizeof(id), "%s", fid) < 0) {
        int rc =
            ld_problem(l, 0, line, "id", "an id of %zu bytes is too long: not read", strlen(fid));
        return rc < 0 ? rc : 0;
    }
    json_object_set_new(f->ids, fid, json_string(id));
    ld_entity_t e = {.id = id,
                     .name = name,
                     .country = country && strlen(country) == 2 ? country : "",
                     .sector = !strcmp(reg_jstr(rec, "schema"), "Person") ? "person" : "",
                     .aliases = aliases,
                     .line = line};
    int rc = ld_add_entity(l, &e);
    if (rc < 0) {
        return rc;
    }
    return ftm_topics(l, rec, props, id, line);
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

static int ftm_is(json_t *rec)
{
    return json_is_string(json_object_get(rec, "schema")) && json_object_get(rec, "properties");
}

/* First pass: companies, organisations and people are read, ownership and control kept. */
static int ftm_record(struct loader *l, veu_regfile_t *f, json_t *rec, long line)
{
    const char *schema = reg_jstr(rec, "schema");

    if (ftm_is_entity(schema)) {
        return ftm_entity(l, f, rec, line);
    }
    if (!strcmp(schema, "Ownership") || !strcmp(schema, "Control")) {
        reg_keep(f, rec, line);
        return 0;
    }
    reg_count(l, "FollowTheMoney records of other schemas (not companies, people or ownership) "
                 "not read");
    return 0;
}

const reg_format_t reg_ftm = {.kind = VEU_REG_FTM,
                              .name = "FollowTheMoney",
                              .json_is = ftm_is,
                              .json_entity = ftm_record,
                              .json_relation = ftm_ownership};
