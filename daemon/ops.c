/* SPDX-License-Identifier: MIT */
/*
 * ops.c: the ops of SPEC section 4, one table entry each.  Query ops read
 * the snapshot the request holds a reference on; they are answered at once
 * on the loop thread (each is bounded in its work).  reload answers later,
 * when the build it started ends.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "asof.h"
#include "changes.h"
#include "watch.h"
#include "log.h"
#include "ops.h"
#include "rebuild.h"
#include "reconfig.h"
#include "req.h"
#include "server.h"

#define SCREEN_MAX 10000
#define SEARCH_MAX 100
#define NAME_MATCH 0.9

/* Reads an optional integer field in [lo, hi]; 0 ok, -1 after failing r. */
static int int_field(veu_req_t *r, const char *key, int def, int lo, int hi, int *ret)
{
    json_t *v = json_object_get(r->j, key);

    if (!v) {
        *ret = def;
        return 0;
    }
    if (json_is_string(v) && r->inline_form) {
        char *end;
        long x = strtol(json_string_value(v), &end, 10);
        if (*end == '\0' && x >= lo && x <= hi) {
            *ret = (int)x;
            return 0;
        }
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        veu_req_fail(r, "bad_request", "field '%s' must be an integer from %d to %d", key, lo, hi);
        return -1;
    }
    *ret = (int)json_integer_value(v);
    return 0;
}

/*
 * ISO 17442: 18 characters, then two check digits; the 20, letters read as
 * 10..35, are 1 modulo 97 (as an IBAN's are).
 */
static bool is_lei(const char *s, size_t len)
{
    unsigned rem = 0;

    if (len != 20) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            rem = (rem * 10 + (unsigned)(c - '0')) % 97;
        } else if (c >= 'A' && c <= 'Z' && i < 18) {
            rem = (rem * 100 + (unsigned)(c - 'A' + 10)) % 97;
        } else {
            return false;
        }
    }
    return rem == 1;
}

/* An entity by id; a bare LEI finds the GLEIF record's "LEI:" id (SPEC section 8). */
static uint32_t find_id(const veu_snapshot_t *s, const char *id, size_t len)
{
    uint32_t v = veu_snapshot_find(s, id, len);
    char lei[25];

    if (v == VEU_SNAP_NONE && is_lei(id, len)) {
        memcpy(lei, "LEI:", 4);
        memcpy(lei + 4, id, 20);
        v = veu_snapshot_find(s, lei, 24);
    }
    return v;
}

/* The entity a request names by "entity" (an id); -1 after failing r. */
static int entity_field(veu_req_t *r, uint32_t *ret, bool required)
{
    json_t *v = json_object_get(r->j, "entity");
    const veu_snapshot_t *s = r->snap->snap;

    if (r->entity_id) { /* answering on the part of the graph for another day */
        *ret = veu_snapshot_find(s, r->entity_id, strlen(r->entity_id));
        return 0;
    }
    if (!v) {
        if (required) {
            veu_req_fail(r, "bad_request", "field 'entity' (an entity id) is required");
            return -1;
        }
        *ret = VEU_SNAP_NONE;
        return 0;
    }
    if (!json_is_string(v)) {
        veu_req_fail(r, "bad_request", "field 'entity' must be a string");
        return -1;
    }
    *ret = find_id(s, json_string_value(v), json_string_length(v));
    return 0;
}

/*
 * The request as the audit trail keeps it: its op and the fields that name
 * buyers or change the answer, each string clipped, never its padding or
 * any other member (a decision costs a few hundred bytes of disk).
 */
static void audit_request(veu_jbuf_t *o, json_t *j)
{
    static const char *const keys[] = {"op", "entity", "name", "country", "as_of", "generation"};
    int first = 1;

    veu_jbuf_raw(o, "{", 1);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *v = json_object_get(j, keys[i]);
        if (!v) {
            continue;
        }
        veu_jbuf_lit(o, first ? "\"" : ",\"");
        veu_jbuf_lit(o, keys[i]);
        veu_jbuf_lit(o, "\":");
        if (json_is_string(v)) {
            size_t len = json_string_length(v);
            veu_jbuf_strn(o, json_string_value(v), len > 512 ? 512 : len);
        } else if (json_is_integer(v)) {
            veu_jbuf_int(o, json_integer_value(v));
        } else {
            veu_jbuf_lit(o, "null");
        }
        first = 0;
    }
    json_t *e = json_object_get(j, "entities");
    if (json_is_array(e)) {
        veu_jbuf_printf(o, "%s\"entities\":%zu", first ? "" : ",", json_array_size(e));
    }
    veu_jbuf_raw(o, "}", 1);
}

/*
 * Writes the audit line of a decision (risk: one entity; screen: the result
 * object; a name that found no one, or several: outcome and candidates)
 * before it is answered.  Returns VEU_OP_OK, or fails the request.
 */
static int audit_line(veu_req_t *r, uint32_t entity, const char *screen_result, size_t len,
                      const char *outcome, const char *cands, size_t cands_len)
{
    veu_server_t *srv = r->srv;
    veu_jbuf_t *o = &srv->aud;
    const veu_snapshot_info_t *inf = veu_snapshot_info(r->snap->snap);
    struct timespec ts;
    struct tm tm;
    char when[40];

    if (!veu_audit_on(&srv->audit)) {
        return VEU_OP_OK;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    veu_jbuf_reset(o);
    veu_jbuf_printf(o, "{\"time\":\"%s.%03ldZ\",\"uid\":%d,\"pid\":%d,\"request\":", when,
                    ts.tv_nsec / 1000000, (int)r->conn->uid, (int)r->conn->pid);
    audit_request(o, r->j);
    veu_jbuf_printf(o, ",\"generation\":%llu,\"dataset_digest\":\"%s\",\"policy_digest\":\"%s\"",
                    (unsigned long long)r->snap->generation, inf->digest, inf->policy_digest);
    if (r->match) {
        veu_jbuf_lit(o, ",\"match\":");
        veu_jbuf_raw(o, r->match, strlen(r->match));
    }
    if (outcome) {
        veu_jbuf_lit(o, ",\"outcome\":");
        veu_jbuf_str(o, outcome);
        veu_jbuf_lit(o, ",\"candidates\":");
        veu_jbuf_raw(o, cands, cands_len);
    } else if (screen_result) {
        veu_jbuf_lit(o, ",\"decisions\":");
        veu_jbuf_raw(o, screen_result, len);
    } else {
        veu_jbuf_lit(o, ",\"entity\":");
        veu_jbuf_str(o, veu_snapshot_id(r->snap->snap, entity));
        veu_jbuf_lit(o, ",\"verdict\":");
        veu_jbuf_str(o, veu_snapshot_verdict(r->snap->snap, entity));
        veu_jbuf_lit(o, ",\"codes\":");
        veu_snapshot_codes(r->snap->snap, entity, o);
    }
    veu_jbuf_raw(o, "}\n", 2);
    if (veu_jbuf_failed(o) || veu_audit_write(&srv->audit, o->buf, o->len) < 0) {
        return veu_req_fail(r, "internal", "no decision is given: %s",
                            srv->audit.error[0] ? srv->audit.error : "out of memory");
    }
    return VEU_OP_OK;
}

static int audit(veu_req_t *r, uint32_t entity, const char *screen_result, size_t len)
{
    return audit_line(r, entity, screen_result, len, NULL, NULL, 0);
}

static int op_ping(veu_req_t *r, veu_jbuf_t *res)
{
    veu_jbuf_printf(res, "{\"pong\":true,\"ready\":%s}", r->srv->cur ? "true" : "false");
    return VEU_OP_OK;
}

static int op_version(veu_req_t *r, veu_jbuf_t *res)
{
    (void)r;
    veu_jbuf_printf(res, "{\"version\":\"%s\",\"protocol\":1,\"snapshot_format\":%d}", VEU_VERSION,
                    VEU_SNAP_FORMAT);
    return VEU_OP_OK;
}

/* Appends [{id, name, country, score}] of n matches. */
static void candidates_json(const veu_snapshot_t *s, veu_jbuf_t *o, const veu_match_t *m, size_t n)
{
    veu_jbuf_raw(o, "[", 1);
    for (size_t i = 0; i < n; i++) {
        veu_jbuf_lit(o, i ? ",{\"id\":" : "{\"id\":");
        veu_jbuf_str(o, veu_snapshot_id(s, m[i].idx));
        veu_jbuf_lit(o, ",\"name\":");
        veu_jbuf_str(o, veu_snapshot_name(s, m[i].idx));
        veu_jbuf_lit(o, ",\"country\":");
        veu_jbuf_str_or_null(o, veu_snapshot_country(s, m[i].idx));
        veu_jbuf_lit(o, ",\"score\":");
        veu_jbuf_num(o, (double)(long)(m[i].score * 1000 + 0.5) / 1000);
        veu_jbuf_raw(o, "}", 1);
    }
    veu_jbuf_raw(o, "]", 1);
}

/*
 * The entity a name names (SPEC section 8), with the request's "country".
 * Returns 0 with *ret and r->match set, or VEU_OP_ERROR after failing r:
 * not_found or ambiguous, each with error.candidates, each audited.
 */
static int name_lookup(veu_req_t *r, json_t *name, uint32_t *ret)
{
    static veu_jbuf_t match, cands;
    static veu_name_match_t m;
    const veu_snapshot_t *s = r->snap->snap;
    json_t *jc = json_object_get(r->j, "country");
    const char *country = NULL;
    json_error_t je;

    if (!json_is_string(name)) {
        return veu_req_fail(r, "bad_request", "field 'name' must be a string");
    }
    if (jc) {
        country = json_string_value(jc);
        if (!country || strlen(country) != 2 || !isalpha((unsigned char)country[0]) ||
            !isalpha((unsigned char)country[1])) {
            return veu_req_fail(r, "bad_request",
                                "field 'country' must be an ISO 3166-1 alpha-2 code (\"DE\")");
        }
    }
    int st = veu_snapshot_resolve_name(s, json_string_value(name), json_string_length(name),
                                       country, NAME_MATCH, &m);
    if (st == VEU_NAME_FOUND) {
        veu_jbuf_reset(&match);
        veu_jbuf_lit(&match, "{\"query\":");
        veu_jbuf_strn(&match, json_string_value(name), json_string_length(name));
        veu_jbuf_lit(&match, ",\"name\":");
        veu_jbuf_strn(&match, m.matched, m.matched_len);
        veu_jbuf_lit(&match, ",\"score\":");
        veu_jbuf_num(&match, (double)(long)(m.score * 1000 + 0.5) / 1000);
        veu_jbuf_lit(&match, m.exact ? ",\"exact\":true}" : ",\"exact\":false}");
        if (veu_jbuf_failed(&match)) {
            return veu_req_fail(r, "internal", "out of memory");
        }
        r->match = match.buf;
        *ret = m.idx;
        return 0;
    }
    veu_jbuf_reset(&cands);
    candidates_json(s, &cands, m.cand, m.n);
    if (veu_jbuf_failed(&cands)) {
        return veu_req_fail(r, "internal", "out of memory");
    }
    const char *outcome = st == VEU_NAME_AMBIGUOUS ? "ambiguous" : "not_found";
    if (audit_line(r, VEU_SNAP_NONE, NULL, 0, outcome, cands.buf, cands.len) != VEU_OP_OK) {
        return VEU_OP_ERROR;
    }
    json_t *c = json_loadb(cands.buf, cands.len, 0, &je);
    r->err_extra = json_pack("{s:o}", "candidates", c ? c : json_array());
    if (st == VEU_NAME_AMBIGUOUS) {
        return veu_req_fail(r, "ambiguous",
                            "%s%zu entities fit this name equally well%s; name one by its id, or "
                            "add \"country\"",
                            m.more ? "at least " : "", m.n,
                            m.exact ? " (each has it exactly)" : "");
    }
    return veu_req_fail(r, "not_found", "no entity with a name close enough (score %.1f)%s",
                        NAME_MATCH, country ? " in that country" : "");
}

/*
 * The buyer of risk, paths and owners: "entity" (an id, or a bare LEI) or
 * "name" (with "country"); with both, the id, else the name; an inline
 * command's argument is an id, else a name.  Returns 0 with *ret set, or
 * VEU_OP_ERROR after failing r.
 */
static int buyer_field(veu_req_t *r, uint32_t *ret)
{
    json_t *name = json_object_get(r->j, "name");
    json_t *ent = json_object_get(r->j, "entity");

    if (entity_field(r, ret, false) < 0) {
        return VEU_OP_ERROR;
    }
    if (*ret != VEU_SNAP_NONE || r->entity_id) {
        return 0;
    }
    if (ent && r->inline_form) {
        name = ent; /* inline "OP ARG": an id, else a name */
    } else if (ent && !name) {
        return veu_req_fail(r, "not_found", "no entity with id '%.200s'", json_string_value(ent));
    }
    if (!name) {
        return veu_req_fail(r, "bad_request", "field 'entity' (an id) or 'name' is required");
    }
    return name_lookup(r, name, ret);
}

/* Adds "match" to a result object just written, for an answer by name. */
static void put_match(veu_req_t *r, veu_jbuf_t *res)
{
    if (r->match && res->len > 0 && res->buf[res->len - 1] == '}') {
        res->len--;
        veu_jbuf_lit(res, ",\"match\":");
        veu_jbuf_raw(res, r->match, strlen(r->match));
        veu_jbuf_raw(res, "}", 1);
    }
}

/*
 * The day an answer is for: the request's as_of, or the day the snapshot
 * read its dated rows for.  0, AS_OF_OTHER when the graph is dated and the
 * day another (the answer is worked out from its history), or VEU_OP_ERROR
 * with the reply set.
 */
#define AS_OF_OTHER 2
static int as_of_field(veu_req_t *r, char day[11])
{
    const veu_snapshot_info_t *i = veu_snapshot_info(r->snap->snap);
    json_t *a = json_object_get(r->j, "as_of");

    memcpy(day, i->as_of, 11); /* YYYY-MM-DD and its NUL, on every answer: no printf */
    if (!a) {
        return 0;
    }
    if (!json_is_string(a) || !veu_iso_date(json_string_value(a), json_string_length(a))) {
        return veu_req_fail(r, "bad_request", "field 'as_of' must be a date, YYYY-MM-DD");
    }
    snprintf(day, 11, "%s", json_string_value(a));
    if (!i->dated || strcmp(day, i->as_of) == 0) {
        return 0; /* undated data and policy: the same on every day */
    }
    if (!i->history) {
        return veu_req_fail(r, "bad_request",
                            "this graph holds its dated rows as they stand on %s and keeps no "
                            "history (it was built by an older veud); rebuild it",
                            i->as_of);
    }
    return AS_OF_OTHER;
}

/* Answers r about entity v on another day, from the part of the graph around it. */
static int for_day(veu_req_t *r, veu_jbuf_t *res, const char *day, uint32_t v)
{
    r->entity_id = veu_snapshot_id(r->snap->snap, v);
    return veu_asof_start(r, res, day, &v, 1);
}

/* Adds "as_of" to a result object just written. */
static void put_as_of(veu_jbuf_t *res, const char *day)
{
    if (res->len > 0 && res->buf[res->len - 1] == '}') {
        res->len--;
        veu_jbuf_lit(res, ",\"as_of\":\"");
        veu_jbuf_raw(res, day, 10);
        veu_jbuf_lit(res, "\"}");
    }
}

static int op_risk(veu_req_t *r, veu_jbuf_t *res)
{
    const veu_snapshot_t *s = r->snap->snap;
    json_t *ent = json_object_get(r->j, "entity");
    char day[11];
    uint32_t v;
    int when;
    size_t len;
    const char *hit = NULL;
    /* the cache holds answers from the graph serving, not from kept generations or parts */
    bool cacheable =
        !r->snap->part && r->snap == r->srv->cur && !json_is_true(json_object_get(r->j, "graph"));
    const char *asked = cacheable && json_is_string(ent) ? json_string_value(ent) : NULL;

    if (asked) {
        /* a buyer asked again: answered from the cache without reading the graph */
        const char *got = veu_cache_get(&r->srv->cache, r->snap->generation, asked,
                                        json_string_length(ent), &v, &len);
        if (got && (when = as_of_field(r, day)) != AS_OF_OTHER) {
            if (when < 0) {
                return VEU_OP_ERROR;
            }
            veu_jbuf_raw(res, got, len);
            put_as_of(res, day);
            return audit(r, v, NULL, 0);
        }
    }
    if ((when = as_of_field(r, day)) < 0 || buyer_field(r, &v) < 0) {
        return VEU_OP_ERROR;
    }
    if (when == AS_OF_OTHER) {
        return for_day(r, res, day, v);
    }
    if (json_is_true(json_object_get(r->j, "graph"))) {
        /* a client that draws: name every entity the answer mentions */
        static veu_nodeset_t nodes;
        nodes.n = nodes.dropped = 0;
        veu_snapshot_risk_nodes(s, v, &nodes, res);
        put_as_of(res, day);
        put_match(r, res);
        return audit(r, v, NULL, 0);
    }
    const char *id = veu_snapshot_id(s, v);
    uint32_t cached;
    if (cacheable && (!asked || strcmp(asked, id) != 0)) {
        /* found by name: its answer may be cached under its id */
        hit = veu_cache_get(&r->srv->cache, r->snap->generation, id, strlen(id), &cached, &len);
    }
    if (hit) {
        veu_jbuf_raw(res, hit, len);
    } else {
        veu_snapshot_risk(s, v, res);
        if (!veu_jbuf_failed(res) && cacheable) {
            veu_cache_put(&r->srv->cache, r->snap->generation, v, id, strlen(id), res->buf,
                          res->len);
        }
    }
    put_as_of(res, day);
    put_match(r, res);
    return audit(r, v, NULL, 0);
}

static int op_screen(veu_req_t *r, veu_jbuf_t *res)
{
    const veu_snapshot_t *s = r->snap->snap;
    json_t *a = json_object_get(r->j, "entities");
    char day[11];
    size_t i;
    json_t *x;
    int when;

    if ((when = as_of_field(r, day)) < 0) {
        return VEU_OP_ERROR;
    }
    if (!json_is_array(a)) {
        return veu_req_fail(r, "bad_request", "field 'entities' (an array of ids) is required");
    }
    if (json_array_size(a) > SCREEN_MAX) {
        return veu_req_fail(r, "bad_request", "at most %d entities per screen, got %zu", SCREEN_MAX,
                            json_array_size(a));
    }
    json_array_foreach(a, i, x)
    {
        if (!json_is_string(x)) {
            return veu_req_fail(r, "bad_request", "entities[%zu] is not a string", i);
        }
    }
    if (when == AS_OF_OTHER) {
        uint32_t *buyers = malloc((json_array_size(a) + 1) * sizeof(*buyers));
        size_t nb = 0;
        if (!buyers) {
            return veu_req_fail(r, "internal", "out of memory");
        }
        json_array_foreach(a, i, x)
        {
            uint32_t v = veu_snapshot_find(s, json_string_value(x), json_string_length(x));
            if (v != VEU_SNAP_NONE) {
                buyers[nb++] = v;
            }
        }
        /* answered from the day's kept graph, or pending on a part (none known: below) */
        int rc = nb ? veu_asof_start(r, res, day, buyers, nb) : VEU_OP_OK;
        free(buyers);
        if (nb) {
            return rc;
        }
    }
    veu_jbuf_lit(res, "{\"results\":[");
    json_array_foreach(a, i, x)
    {
        uint32_t v = veu_snapshot_find(s, json_string_value(x), json_string_length(x));
        veu_jbuf_lit(res, i ? ",{\"entity\":" : "{\"entity\":");
        veu_jbuf_strn(res, json_string_value(x), json_string_length(x));
        if (v == VEU_SNAP_NONE) {
            veu_jbuf_lit(res, ",\"verdict\":\"unknown\",\"codes\":[]}");
            continue;
        }
        veu_jbuf_lit(res, ",\"verdict\":");
        veu_jbuf_str(res, veu_snapshot_verdict(s, v));
        veu_jbuf_lit(res, ",\"codes\":");
        veu_snapshot_codes(s, v, res);
        veu_jbuf_raw(res, "}", 1);
    }
    veu_jbuf_raw(res, "]}", 2);
    put_as_of(res, day);
    return audit(r, VEU_SNAP_NONE, res->buf, res->len);
}

static int op_paths(veu_req_t *r, veu_jbuf_t *res)
{
    uint32_t v;
    int max_hops, limit, rel = VEU_REL_ANY, when;
    json_t *jr = json_object_get(r->j, "rel");
    char day[11];

    if (int_field(r, "max_hops", 6, 1, 64, &max_hops) < 0 ||
        int_field(r, "limit", 10, 1, 1000, &limit) < 0 || (when = as_of_field(r, day)) < 0 ||
        buyer_field(r, &v) < 0) {
        return VEU_OP_ERROR;
    }
    if (jr) {
        const char *s = json_string_value(jr);
        if (!s || (strcmp(s, "owns") && strcmp(s, "supplies") && strcmp(s, "any"))) {
            return veu_req_fail(r, "bad_request", "field 'rel' must be owns, supplies or any");
        }
        rel = !strcmp(s, "owns")       ? VEU_REL_OWNS
              : !strcmp(s, "supplies") ? VEU_REL_SUPPLIES
                                       : VEU_REL_ANY;
    }
    if (v == VEU_SNAP_NONE) {
        return veu_req_fail(r, "not_found", "no entity with id '%.200s'", r->entity_id);
    }
    if (when == AS_OF_OTHER) {
        return for_day(r, res, day, v);
    }
    static veu_nodeset_t nodes;
    nodes.n = nodes.dropped = 0;
    veu_snapshot_paths(r->snap->snap, v, max_hops, limit, rel,
                       json_is_true(json_object_get(r->j, "graph")) ? &nodes : NULL, res);
    put_as_of(res, day);
    put_match(r, res);
    return VEU_OP_OK;
}

static int op_owners(veu_req_t *r, veu_jbuf_t *res)
{
    uint32_t v;
    char day[11];
    int when;

    if ((when = as_of_field(r, day)) < 0 || buyer_field(r, &v) < 0) {
        return VEU_OP_ERROR;
    }
    if (v == VEU_SNAP_NONE) {
        return veu_req_fail(r, "not_found", "no entity with id '%.200s'", r->entity_id);
    }
    if (when == AS_OF_OTHER) {
        return for_day(r, res, day, v);
    }
    veu_snapshot_owners(r->snap->snap, v, res);
    put_as_of(res, day);
    put_match(r, res);
    return VEU_OP_OK;
}

static int op_search(veu_req_t *r, veu_jbuf_t *res)
{
    const veu_snapshot_t *s = r->snap->snap;
    json_t *name = json_object_get(r->j, "name");
    veu_match_t m[SEARCH_MAX];
    int limit;

    if (!json_is_string(name)) {
        return veu_req_fail(r, "bad_request", "field 'name' (a string) is required");
    }
    if (int_field(r, "limit", 10, 1, SEARCH_MAX, &limit) < 0) {
        return VEU_OP_ERROR;
    }
    json_t *jc = json_object_get(r->j, "country");
    const char *country = jc ? json_string_value(jc) : NULL;
    if (jc && (!country || strlen(country) != 2)) {
        return veu_req_fail(r, "bad_request",
                            "field 'country' must be an ISO 3166-1 alpha-2 code (\"DE\")");
    }
    size_t n = veu_snapshot_search(s, json_string_value(name), json_string_length(name), m,
                                   country ? SEARCH_MAX : (size_t)limit);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!country || !strcasecmp(veu_snapshot_country(s, m[i].idx), country)) {
            m[k++] = m[i];
        }
    }
    n = k < (size_t)limit ? k : (size_t)limit;
    veu_jbuf_lit(res, "{\"matches\":");
    candidates_json(s, res, m, n); /* the same entries as a name's candidates */
    veu_jbuf_raw(res, "}", 1);
    return VEU_OP_OK;
}

static void iso_time(time_t t, char *buf, size_t len)
{
    struct tm tm;
    if (t == 0) {
        snprintf(buf, len, "null");
        return;
    }
    gmtime_r(&t, &tm);
    strftime(buf, len, "\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
}

static int op_stats(veu_req_t *r, veu_jbuf_t *res)
{
    veu_server_t *srv = r->srv;
    const veu_rebuild_t *rb = &srv->rb;
    char started[40];

    veu_jbuf_lit(res, "{");
    if (srv->cfg.follow) { /* a follower: what it has served and refused of its directory */
        veu_jbuf_lit(res, "\"follow\":{\"state\":");
        veu_jbuf_str(res, srv->cfg.state);
        veu_jbuf_printf(res, ",\"watching\":%s,\"served\":%llu,\"refused\":%llu},",
                        srv->follow.watching ? "true" : "false",
                        (unsigned long long)srv->follow.served,
                        (unsigned long long)srv->follow.refusals);
    }
    if (r->snap) {
        const veu_snapshot_info_t *i = veu_snapshot_info(r->snap->snap);
        const veu_counts_t *c = &i->counts;
        veu_jbuf_printf(res,
                        "\"generation\":%llu,\"counts\":{\"entities\":%u,\"ownership_edges\":%u,"
                        "\"supply_edges\":%u,\"designations\":%llu,\"seeds\":%llu,"
                        "\"defense_controlled\":%llu,\"deny\":%llu,\"review\":%llu,"
                        "\"fast_track\":%llu,\"standard\":%llu},\"dataset_digest\":\"%s\","
                        "\"policy_digest\":\"%s\",\"policy\":%s,\"lists\":%s,",
                        (unsigned long long)r->snap->generation, i->entities, i->ownership_edges,
                        i->supply_edges, (unsigned long long)c->designations,
                        (unsigned long long)c->seeds, (unsigned long long)c->controlled,
                        (unsigned long long)c->deny, (unsigned long long)c->review,
                        (unsigned long long)c->fast_track, (unsigned long long)c->standard,
                        i->digest, i->policy_digest, i->policy_json, i->lists_json);
        veu_jbuf_lit(res, "\"snapshot\":{\"path\":");
        veu_jbuf_str(res, r->snap->path);
        iso_time(i->built_at, started, sizeof(started));
        veu_jbuf_printf(res,
                        ",\"bytes\":%llu,\"huge_pages_pct\":", (unsigned long long)i->file_size);
        if (r->snap->huge_pct >= 0) {
            veu_jbuf_int(res, r->snap->huge_pct);
        } else {
            veu_jbuf_lit(res, "null");
        }
        veu_jbuf_printf(res,
                        ",\"built_at\":%s,\"build_ms\":%lld,\"skipped_rows\":%llu,"
                        "\"warnings\":%llu,\"problems\":",
                        started, (long long)i->build_ms, (unsigned long long)i->skipped_rows,
                        (unsigned long long)i->warnings);
        veu_snapshot_problems(r->snap->snap, res);
        veu_jbuf_lit(res, "},");
    } else {
        veu_jbuf_lit(res, "\"generation\":0,");
    }
    veu_jbuf_lit(res, "\"history\":"); /* answers for other days (asof.c) */
    veu_asof_stats(srv, res);
    veu_jbuf_lit(res, ",");
    iso_time(rb->last_started, started, sizeof(started));
    veu_jbuf_printf(res, "\"last_rebuild\":{\"status\":\"%s\",\"started\":%s,\"duration_ms\":",
                    rb->running ? "running" : rb->status, started);
    if (rb->last_started) {
        veu_jbuf_int(res, rb->last_ms);
    } else {
        veu_jbuf_lit(res, "null");
    }
    veu_jbuf_lit(res, ",\"error\":");
    veu_jbuf_str_or_null(res, !strcmp(rb->status, "failed") ? rb->last_msg : "");
    veu_jbuf_lit(res, ",\"skipped_rows\":");
    if (r->snap) {
        veu_jbuf_int(res, (int64_t)veu_snapshot_info(r->snap->snap)->skipped_rows);
    } else {
        veu_jbuf_lit(res, "null");
    }
    char mapped[64] = ""; /* the kept generations mapped now (kept.c) */
    for (size_t i = 0, k = 0; i < sizeof(srv->kept_cache) / sizeof(srv->kept_cache[0]); i++) {
        if (srv->kept_cache[i]) {
            k += (size_t)snprintf(mapped + k, sizeof(mapped) - k, "%s%llu", k ? "," : "",
                                  (unsigned long long)srv->kept_cache[i]->generation);
        }
    }
    veu_jbuf_printf(
        res,
        ",\"builds\":%llu,\"failures\":%llu,\"running\":%s},\"state\":{\"generations\":%u,"
        "\"bytes\":%llu,\"oldest\":%llu,\"mapped\":[%s]},\"answer_cache\":"
        "{\"hits\":%llu,\"misses\":%llu},\"batches\":{\"count\":%llu,"
        "\"connections\":%llu,\"largest\":%u,\"hinted\":%llu,\"deferred\":%llu},\"uptime\":%lld,"
        "\"requests\":%llu,\"errors\":%llu,\"clients\":%u,\"rejected_clients\":%llu,"
        "\"version\":\"%s\"}",
        (unsigned long long)rb->builds, (unsigned long long)rb->failures,
        rb->running ? "true" : "false", rb->kept, (unsigned long long)rb->kept_bytes,
        (unsigned long long)rb->oldest_kept, mapped, (unsigned long long)srv->cache.hits,
        (unsigned long long)srv->cache.misses, (unsigned long long)srv->batches,
        (unsigned long long)srv->batched, srv->largest_batch, (unsigned long long)srv->hinted,
        (unsigned long long)srv->deferred_turns,
        (long long)((veu_now_ms() - srv->started_ms) / 1000), (unsigned long long)srv->requests,
        (unsigned long long)srv->errors, srv->n_clients, (unsigned long long)srv->rejected,
        VEU_VERSION);
    return VEU_OP_OK;
}

static bool is_admin(const veu_server_t *srv, uid_t uid)
{
    if (uid == srv->uid) {
        return true;
    }
    for (int i = 0; i < srv->cfg.n_admin; i++) {
        if (srv->cfg.admin_uids[i] == uid) {
            return true;
        }
    }
    return false;
}

static int op_reload(veu_req_t *r, veu_jbuf_t *res)
{
    (void)res;
    if (!is_admin(r->srv, r->conn->uid)) {
        /* one line per 10 s at most: a client must not fill the journal (F16) */
        static int64_t last_ms = -10000;
        static unsigned quiet;
        int64_t now = veu_now_ms();
        if (now - last_ms >= 10000) {
            veu_log(LOG_NOTICE, "reload refused: uid %d (pid %d) is not an admin%s",
                    (int)r->conn->uid, (int)r->conn->pid,
                    quiet ? " (and more refused since the last line)" : "");
            last_ms = now;
            quiet = 0;
        } else {
            quiet++;
        }
        return veu_req_fail(r, "forbidden",
                            "reload is allowed to the daemon's uid and "
                            "admin_uids only; uid %d is neither",
                            (int)r->conn->uid);
    }
    if (r->srv->cfg.follow) {
        return veu_req_fail(r, "forbidden",
                            "this veud follows %s (follow = true): it serves the snapshots a "
                            "producer renames into that directory and builds none; reload the "
                            "producer",
                            r->srv->cfg.state);
    }
    if (r->srv->stopping) {
        return veu_req_fail(r, "busy", "the daemon is shutting down");
    }
    veu_log(LOG_INFO, "reload requested by uid %d (pid %d)", (int)r->conn->uid, (int)r->conn->pid);
    char err[1024];
    if (veu_server_reconfigure(r->srv, err, sizeof(err)) < 0) {
        return veu_req_fail(r, "internal",
                            "the configuration was not reloaded and nothing was rebuilt; the one "
                            "in force stays: %s",
                            err);
    }
    veu_waiter_t w = {
        .conn = r->conn, .slot = r->slot, .id_json = r->id_json ? strdup(r->id_json) : NULL};
    if ((r->id_json && !w.id_json) || veu_rebuild_trigger(r->srv, true, &w) < 0) {
        free(w.id_json);
        return veu_req_fail(r, "internal", "out of memory queueing the reload");
    }
    return VEU_OP_PENDING;
}

/*
 * The optional "entities" of changes and watch: *ret an array of at most
 * SCREEN_MAX strings, or NULL when not given; -1 after failing r.
 */
static int ids_field(veu_req_t *r, json_t **ret)
{
    json_t *a = json_object_get(r->j, "entities"), *x;
    size_t i;

    *ret = a;
    if (a && !json_is_array(a)) {
        return veu_req_fail(r, "bad_request", "field 'entities' must be an array of ids");
    }
    if (a && json_array_size(a) > SCREEN_MAX) {
        return veu_req_fail(r, "bad_request", "at most %d entities, got %zu", SCREEN_MAX,
                            json_array_size(a));
    }
    json_array_foreach(a, i, x)
    {
        if (!json_is_string(x)) {
            return veu_req_fail(r, "bad_request", "entities[%zu] is not a string", i);
        }
    }
    return 0;
}

/*
 * changes (SPEC section 9): since (a kept generation; default the newest
 * before the one serving), limit, entities.  Worked out in the thread pool
 * (changes.c).
 */
static int op_changes(veu_req_t *r, veu_jbuf_t *res)
{
    json_t *v = json_object_get(r->j, "since"), *a;
    uint64_t since = 0;
    int limit;

    if (v && json_is_string(v) && r->inline_form) {
        char *end;
        unsigned long long g = strtoull(json_string_value(v), &end, 10);
        if (*end != '\0' || g == 0 || !isdigit((unsigned char)json_string_value(v)[0])) {
            return veu_req_fail(r, "bad_request", "'changes' takes a generation number");
        }
        since = g;
    } else if (v && (!json_is_integer(v) || json_integer_value(v) < 1)) {
        return veu_req_fail(r, "bad_request", "field 'since' must be a generation (1 or more)");
    } else if (v) {
        since = (uint64_t)json_integer_value(v);
    }
    if (int_field(r, "limit", 1000, 1, 100000, &limit) < 0 || ids_field(r, &a) < 0) {
        return VEU_OP_ERROR;
    }
    return veu_changes_start(r, since, (unsigned)limit, a, res);
}

/* watch (SPEC section 9): entities, optional; the connection then only receives events. */
static int op_watch(veu_req_t *r, veu_jbuf_t *res)
{
    json_t *a;
    return ids_field(r, &a) < 0 ? VEU_OP_ERROR : veu_watch_start(r, a, res);
}

static const veu_op_t ops[] = {
    {"ping", false, NULL, op_ping, false},        {"version", false, NULL, op_version, false},
    {"stats", false, NULL, op_stats, false},      {"reload", false, NULL, op_reload, false},
    {"risk", true, "entity", op_risk, true},      {"screen", true, "entities", op_screen, true},
    {"paths", true, "entity", op_paths, true},    {"owners", true, "entity", op_owners, true},
    {"search", true, "name", op_search, true},    {"changes", true, "since", op_changes, false},
    {"watch", true, "entities", op_watch, false},
};

const veu_op_t *veu_ops_find(const char *name)
{
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (!strcmp(ops[i].name, name)) {
            return &ops[i];
        }
    }
    return NULL;
}
