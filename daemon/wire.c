/* SPDX-License-Identifier: MIT */
/*
 * wire.c: the protocol's framing without its ops (SPEC section 4): the
 * response envelope ({"ok": true, "id", "generation", "result"} or
 * {"ok": false, "id", "error"}), and a guess at the entity a request line
 * names, made without parsing it (for prefetch hints).  Everything that
 * writes an answer line uses these: requests, rebuilds, connections.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

static void add_id(veu_jbuf_t *o, const char *id_json)
{
    if (id_json) {
        veu_jbuf_lit(o, ",\"id\":");
        veu_jbuf_lit(o, id_json);
    }
}

void veu_wire_ok(veu_jbuf_t *o, const char *id_json, uint64_t generation, const char *result,
                 size_t len)
{
    veu_jbuf_lit(o, "{\"ok\":true");
    add_id(o, id_json);
    veu_jbuf_lit(o, ",\"generation\":"); /* on every answer: no printf */
    veu_jbuf_int(o, (int64_t)generation);
    veu_jbuf_lit(o, ",\"result\":");
    veu_jbuf_raw(o, result, len);
    veu_jbuf_raw(o, "}\n", 2);
}

void veu_wire_error_extra(veu_jbuf_t *o, const char *id_json, const char *code, const char *msg,
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

void veu_wire_error(veu_jbuf_t *o, const char *id_json, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    veu_wire_error_extra(o, id_json, code, msg, NULL);
}

/* The spaces and tabs from p on, and those before end (both within [p, end)). */
size_t veu_wire_lead_blanks(const char *p, const char *end)
{
    size_t n = 0;
    while (p + n < end && (p[n] == ' ' || p[n] == '\t')) {
        n++;
    }
    return n;
}

size_t veu_wire_trail_blanks(const char *p, const char *end)
{
    const char *e = end;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t')) {
        e--;
    }
    return (size_t)(end - e);
}

bool veu_wire_peek_entity(const char *line, size_t len, const char **id, size_t *id_len)
{
    const char *end = line + len, *p = line + veu_wire_lead_blanks(line, end);

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
        p += veu_wire_lead_blanks(p, end);
        if (p == end || *p != ':') {
            return false;
        }
        p++;
        p += veu_wire_lead_blanks(p, end);
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
    p += veu_wire_lead_blanks(p, end);
    end -= veu_wire_trail_blanks(p, end);
    *id = p;
    *id_len = (size_t)(end - p);
    return end > p;
}
