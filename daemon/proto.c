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

#include "kept.h"
#include "log.h"
#include "ops.h"
#include "proto.h"
#include "req.h"
#include "server.h"
#include "snapref.h"
#include "wire.h"
#include "veu/veu.h"

/*
 * Sets j's key to the string s[0..len): in place when no one else holds the
 * value (a job for another day keeps the values of its request).
 */
static void set_string(json_t *j, const char *key, const char *s, size_t len)
{
    json_t *v = json_object_get(j, key);
    bool mine = v && json_is_string(v) && v->refcount == 1;
    if (mine && json_string_length(v) == len && !memcmp(json_string_value(v), s, len)) {
        return; /* the same op as the line before */
    }
    if (mine && json_string_setn(v, s, len) == 0) {
        return;
    }
    if (json_object_set_new(j, key, json_stringn(s, len)) < 0) {
        json_object_del(j, key); /* never the last line's value: the key is missing instead */
    }
}

/*
 * The object of an inline request with one string argument (or none),
 * {"op": OP, main_arg: ARG}.  Made anew for each line it cost some eight
 * allocations; the server keeps the last one (*keep) and fills it again
 * when no one else holds it (a waiter for a kept generation keeps its
 * request) and it has the same keys.
 */
static json_t *inline_object(json_t **keep, const char *op, size_t oplen, const char *main_arg,
                             const char *arg, size_t arglen)
{
    json_t *j = *keep;
    size_t keys = main_arg ? 2 : 1;
    if (!j || j->refcount != 1 || json_object_size(j) != keys ||
        (main_arg && !json_object_get(j, main_arg))) {
        json_decref(*keep);
        *keep = j = json_object();
        if (!j) {
            return NULL;
        }
    }
    set_string(j, "op", op, oplen);
    if (main_arg) {
        set_string(j, main_arg, arg, arglen);
    }
    return json_incref(j);
}

/* "OP ARG" -> {"op": OP, main_arg: ARG}; screen's argument is a list of ids. */
static json_t *parse_inline(json_t **keep, char *line, size_t len, char *err, size_t errlen)
{
    size_t bad;
    char *p = line, *end = line + len;

    if (!veu_utf8_valid(line, len, &bad)) {
        snprintf(err, errlen, "request is not valid UTF-8 (byte %zu)", bad + 1);
        return NULL;
    }
    p += veu_wire_lead_blanks(p, end);
    char *op = p;
    while (p < end && *p != ' ' && *p != '\t') {
        p++;
    }
    size_t oplen = (size_t)(p - op);
    p += veu_wire_lead_blanks(p, end);
    end -= veu_wire_trail_blanks(p, end);
    op[oplen] = '\0'; /* the blank before the argument, or the line's own end */
    const veu_op_t *o = veu_ops_find(op);
    if (!o || !o->main_arg || end <= p || strcmp(o->main_arg, "entities")) {
        bool arg = o && o->main_arg && end > p;
        return inline_object(keep, op, oplen, arg ? o->main_arg : NULL, p,
                             arg ? (size_t)(end - p) : 0);
    }
    /* a list of ids (screen, watch): an object of its own */
    json_t *j = json_object(), *a = json_array();
    char *save, *tok;
    json_object_set_new(j, "op", json_stringn(op, oplen));
    *end = '\0';
    for (tok = strtok_r(p, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
        json_array_append_new(a, json_string(tok));
    }
    json_object_set_new(j, "entities", a);
    return j;
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
    size_t lead = veu_wire_lead_blanks(line, line + len);
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
        r.j = parse_inline(&srv->inline_req, line, len, r.err_msg, sizeof(r.err_msg));
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
                     "owners, search, changes, watch, stats, reload, version",
                     veu_clip(json_string_value(jop), qb, sizeof(qb)));
        goto answer;
    }
    if (op->needs_graph && !srv->cur) {
        veu_req_fail(&r, "not_ready", "no graph is served yet: the first build is running");
        goto answer;
    }
    r.op = op;
    r.snap = srv->cur ? veu_snapref_get(srv->cur) : NULL;
    r.generation = r.snap ? r.snap->generation : 0;
    json_t *jg = op->kept ? json_object_get(r.j, "generation") : NULL;
    if (jg && (!json_is_integer(jg) || json_integer_value(jg) < 1)) {
        rc = veu_req_fail(&r, "bad_request", "field 'generation' must be a generation (1 or more)");
    } else if (jg && (uint64_t)json_integer_value(jg) > r.generation) {
        rc = veu_req_fail(&r, "not_found", "generation %lld does not exist yet; %llu is serving",
                          (long long)json_integer_value(jg), (unsigned long long)r.generation);
    } else if (jg && (uint64_t)json_integer_value(jg) != r.generation) {
        /* answered from the kept snapshot of that generation, as it was then */
        rc = veu_kept_start(&r, (uint64_t)json_integer_value(jg));
    } else {
        rc = op->fn(&r, res);
    }
    veu_snapref_put(r.snap);
    r.snap = NULL;
    if (rc == VEU_OP_PENDING) {
        goto out; /* the handler registered a waiter that fills the slot later */
    }
answer:
    veu_req_finish(&r, r.err_code ? VEU_OP_ERROR : rc);
out:
    json_decref(r.err_extra);
    json_decref(r.j);
    free(id_json);
}
