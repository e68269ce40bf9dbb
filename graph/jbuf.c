/* SPDX-License-Identifier: MIT */
/* jbuf.c: the JSON output buffer. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veu/jbuf.h"

void veu_jbuf_init(veu_jbuf_t *b)
{
    memset(b, 0, sizeof(*b));
}

void veu_jbuf_destroy(veu_jbuf_t *b)
{
    free(b->buf);
    memset(b, 0, sizeof(*b));
}

static bool reserve(veu_jbuf_t *b, size_t more)
{
    if (b->failed) {
        return false;
    }
    if (b->len + more + 1 <= b->cap) {
        return true;
    }
    size_t cap = b->cap ? b->cap : 512;
    while (cap < b->len + more + 1) {
        cap *= 2;
    }
    char *nb = realloc(b->buf, cap);
    if (!nb) {
        b->failed = true;
        return false;
    }
    b->buf = nb;
    b->cap = cap;
    return true;
}

void veu_jbuf_raw(veu_jbuf_t *b, const char *s, size_t len)
{
    if (!reserve(b, len)) {
        return;
    }
    memcpy(b->buf + b->len, s, len);
    b->len += len;
    b->buf[b->len] = '\0';
}

void veu_jbuf_lit(veu_jbuf_t *b, const char *s)
{
    veu_jbuf_raw(b, s, strlen(s));
}

void veu_jbuf_strn(veu_jbuf_t *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";

    if (!reserve(b, len * 6 + 2)) {
        return;
    }
    char *o = b->buf + b->len;
    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c == '\n') {
            *o++ = '\\', *o++ = 'n';
        } else if (c == '\r') {
            *o++ = '\\', *o++ = 'r';
        } else if (c == '\t') {
            *o++ = '\\', *o++ = 't';
        } else if (c < 0x20 || c == 0x7f) {
            *o++ = '\\', *o++ = 'u', *o++ = '0', *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->buf);
    b->buf[b->len] = '\0';
}

void veu_jbuf_str(veu_jbuf_t *b, const char *s)
{
    veu_jbuf_strn(b, s, strlen(s));
}

void veu_jbuf_str_or_null(veu_jbuf_t *b, const char *s)
{
    if (!s || !*s) {
        veu_jbuf_raw(b, "null", 4);
    } else {
        veu_jbuf_str(b, s);
    }
}

void veu_jbuf_num(veu_jbuf_t *b, double v)
{
    char tmp[64];
    int n;

    if (!isfinite(v)) {
        veu_jbuf_raw(b, "null", 4);
        return;
    }
    v = round(v * 1e9) / 1e9;
    if (v == floor(v) && fabs(v) < 1e15) {
        n = snprintf(tmp, sizeof(tmp), "%.0f", v);
    } else {
        n = snprintf(tmp, sizeof(tmp), "%.9f", v);
        while (n > 0 && tmp[n - 1] == '0') {
            n--;
        }
        if (n > 0 && tmp[n - 1] == '.') {
            n--;
        }
    }
    if (n == 2 && tmp[0] == '-' && tmp[1] == '0') {
        tmp[0] = '0', n = 1;
    }
    veu_jbuf_raw(b, tmp, (size_t)n);
}

void veu_jbuf_int(veu_jbuf_t *b, int64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
    veu_jbuf_raw(b, tmp, (size_t)n);
}

void veu_jbuf_bool(veu_jbuf_t *b, bool v)
{
    veu_jbuf_lit(b, v ? "true" : "false");
}

void veu_jbuf_printf(veu_jbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n)) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}
