/* SPDX-License-Identifier: MIT */
/*
 * proto.c: SPEC section 4's request forms and response envelope.  A line
 * that starts with '{' or '[' is JSON (parsed by jansson, duplicates
 * rejected); any other line is an inline command "OP ARG" whose argument
 * fills the op's main field.  Both become the same request object and get
 * the same answer.  Client input never trips an assert: everything it can
 * get wrong has an error code.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proto.h"
#include "veu/veu.h"

static void add_id(veu_jbuf_t *o, const char *id_json)
{
    if (id_json) {
        veu_jbuf_lit(o, ",\"id\":");
        veu_jbuf_lit(o, id_json);
    }
}

void veu_proto_ok(veu_jbuf_t *o, const char *id_json, uint64_t generation, const char *result,
                  size_t len)
{
    veu_jbuf_lit(o, "{\"ok\":true");
    add_id(o, id_json);
    veu_jbuf_printf(o, ",\"generation\":%llu,\"result\":", (unsigned long long)generation);
    veu_jbuf_raw(o, result, len);
    veu_jbuf_raw(o, "}\n", 2);
}

static void error_line(veu_jbuf_t *o, const char *id_json, const char *code, const char *msg,
                       json_t *extra)
{
    veu_jbuf_lit(o, "{\"ok\":false");
    add_id(o, id_json);
    veu_jbuf_lit(o, ",\"error\":{\"code\":");
    veu_jbuf_str(o, code);
    veu_jbuf_lit(o, ",\"message\":");
    veu_jbuf_str(o, msg);
    if (extra) {
        const char *k;
        json_t *v;
        json_object_foreach(extra, k, v)
        {
            /* numbers as people write them: a score of 0.444, not 0.44400000000000001 */
            char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
            if (s) {
                veu_jbuf_raw(o, ",", 1);
                veu_jbuf_str(o, k);
                veu_jbuf_raw(o, ":", 1);
                veu_jbuf_lit(o, s);
                free(s);
            }
        }
    }
    veu_jbuf_raw(o, "}}\n", 3);
}

void veu_proto_error(veu_jbuf_t *o, const char *id_json, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    error_line(o, id_json, code, msg, NULL);
}

int veu_req_fail(veu_req_t *r, const char *code, const char *fmt, ...)
{
    va_list ap;

    r->err_code = code;
    va_start(ap, fmt);
    vsnprintf(r->err_msg, sizeof(r->err_msg), fmt, ap);
    va_end(ap);
    return VEU_OP_ERROR;
}

/* The spaces and tabs from p on, and those before end (both within [p, end)). */
static size_t lead_blanks(const char *p, const char *end)
{
    size_t n = 0;
    while (p + n < end && (p[n] == ' ' || p[n] == '\t')) {
        n++;
    }
    return n;
}

static size_t trail_blanks(const char *p, const char *end)
{
    const char *e = end;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t')) {
        e--;
    }
    return (size_t)(end - e);
}

/* "OP ARG" -> {"op": OP, main_arg: ARG}; screen's argument is a list of ids. */
static json_t *parse_inline(char *line, size_t len, char *err, size_t errlen)
{
    size_t bad;
    char *p = line, *end = line + len;

    if (!veu_utf8_valid(line, len, &bad)) {
        snprintf(err, errlen, "request is not valid UTF-8 (byte %zu)", bad + 1);
        return NULL;
    }
    p += lead_blanks(p, end);
    char *op = p;
    while (p < end && *p != ' ' && *p != '\t') {
        p++;
    }
    size_t oplen = (size_t)(p - op);
    p += lead_blanks(p, end);
    end -= trail_blanks(p, end);
    json_t *j = json_object();
    json_object_set_new(j, "op", json_stringn(op, oplen));
    op[oplen] = '\0';
    const veu_op_t *o = veu_ops_find(op);
    if (o && o->main_arg && end > p) {
        if (!strcmp(o->main_arg, "entities")) {
            json_t *a = json_array();
            char *save, *tok;
            *end = '\0';
            for (tok = strtok_r(p, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
                json_array_append_new(a, json_string(tok));
            }
            json_object_set_new(j, "entities", a);
        } else {
            json_object_set_new(j, o->main_arg, json_stringn(p, (size_t)(end - p)));
        }
    }
    return j;
}

bool veu_proto_peek_entity(const char *line, size_t len, const char **id, size_t *id_len)
{
    const char *end = line + len, *p = line + lead_blanks(line, end);

    if (end > p && end[-1] == '\r') {
        end--;
    }
    if (p < end && *p == '{') {
        /* {"op":"risk","entity":"ID"}: the first "entity" member, if plain */
        static const char key[] = "\"entity\"";
        const char *k = memmem(p, (size_t)(end - p), key, sizeof(key) - 1);
        if (!k) {
            return false;
        }
        p = k + sizeof(key) - 1;
        p += lead_blanks(p, end);
        if (p == end || *p != ':') {
            return false;
        }
        p++;
        p += lead_blanks(p, end);
        if (p == end || *p != '"') {
            return false;
        }
        const char *q = ++p;
        while (q < end && *q != '"' && *q != '\\') {
            q++;
        }
        if (q == end || *q != '"') {
            return false; /* escaped: not worth decoding for a hint */
        }
        *id = p;
        *id_len = (size_t)(q - p);
        return true;
    }
    /* OP ARG: the argument, trimmed as parse_inline trims it */
    while (p < end && *p != ' ' && *p != '\t') {
        p++;
    }
    p += lead_blanks(p, end);
    end -= trail_blanks(p, end);
    *id = p;
    *id_len = (size_t)(end - p);
    return end > p;
}

void veu_proto_finish(veu_req_t *r, int rc)
{
    veu_server_t *srv = r->srv;
    veu_jbuf_t *o = &srv->out, *res = &srv->res;

    veu_jbuf_reset(o);
    if (rc == VEU_OP_OK && !veu_jbuf_failed(res)) {
        veu_proto_ok(o, r->id_json, r->generation, res->buf, res->len);
    } else if (rc == VEU_OP_OK) {
        veu_req_fail(r, "internal", "out of memory while building the answer");
    }
    if (r->err_code) {
        srv->errors++;
        error_line(o, r->id_json, r->err_code, r->err_msg, r->err_extra);
    }
    if (veu_jbuf_failed(o)) {
        veu_jbuf_reset(o);
        veu_proto_error(o, NULL, "internal", "out of memory");
    }
    veu_conn_slot_fill(r->slot, o->buf, o->len);
}

void veu_proto_handle(veu_conn_t *c, veu_slot_t *slot, char *line, size_t len)
{
    veu_server_t *srv = c->srv;
    veu_req_t r = {.srv = srv, .conn = c, .slot = slot};
    veu_jbuf_t *o = &srv->out;
    veu_jbuf_t *res = &srv->res; /* kept between requests: no allocation per answer */
    char *id_json = NULL, qb[72];
    const veu_op_t *op;
    int rc = VEU_OP_ERROR;

    srv->requests++;
    veu_jbuf_reset(o);
    veu_jbuf_reset(res);
    size_t lead = lead_blanks(line, line + len);
    line += lead;
    len -= lead;
    if (*line == '{' || *line == '[') {
        json_error_t je;
        r.j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
        if (!r.j) {
            veu_req_fail(&r, "bad_json", "invalid JSON at column %d: %s", je.column, je.text);
            goto answer;
        }
        if (!json_is_object(r.j)) {
            veu_req_fail(&r, "bad_request", "a request must be a JSON object");
            goto answer;
        }
        json_t *id = json_object_get(r.j, "id");
        if (id) {
            id_json = json_dumps(id, JSON_COMPACT | JSON_ENCODE_ANY);
            r.id_json = id_json;
        }
    } else {
        r.inline_form = true;
        r.j = parse_inline(line, len, r.err_msg, sizeof(r.err_msg));
        if (!r.j) {
            r.err_code = "bad_request";
            goto answer;
        }
    }
    json_t *jop = json_object_get(r.j, "op");
    if (!json_is_string(jop)) {
        veu_req_fail(&r, "bad_request", "field 'op' is missing or not a string");
        goto answer;
    }
    op = veu_ops_find(json_string_value(jop));
    if (!op) {
        veu_req_fail(&r, "unknown_op",
                     "unknown op '%s'; ops are ping, risk, screen, paths, "
                     "owners, search, stats, reload, version",
                     veu_clip(json_string_value(jop), qb, sizeof(qb)));
        goto answer;
    }
    if (op->needs_graph && !srv->cur) {
        veu_req_fail(&r, "not_ready", "no graph is served yet: the first build is running");
        goto answer;
    }
    r.snap = srv->cur ? veu_snapref_get(srv->cur) : NULL;
    r.generation = r.snap ? r.snap->generation : 0;
    rc = op->fn(&r, res);
    veu_snapref_put(r.snap);
    r.snap = NULL;
    if (rc == VEU_OP_PENDING) {
        goto out; /* the handler registered a waiter that fills the slot later */
    }
answer:
    veu_proto_finish(&r, r.err_code ? VEU_OP_ERROR : rc);
out:
    json_decref(r.err_extra);
    json_decref(r.j);
    free(id_json);
}
