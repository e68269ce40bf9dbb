/* SPDX-License-Identifier: MIT */
/* jbuf.c: the JSON output buffer. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veu/veu.h" /* veu_utf8_valid */
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

void veu_jbuf_esc(veu_jbuf_t *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";

    if (!reserve(b, len * 6)) {
        return;
    }
    char *o = b->buf + b->len;
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
        } else if (c < 0x80) {
            *o++ = (char)c;
        } else {
            /* a whole valid UTF-8 sequence is copied; a stray byte becomes U+FFFD */
            size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (i + n <= len && veu_utf8_valid(s + i, n, NULL)) {
                memcpy(o, s + i, n);
                o += n;
                i += n - 1;
            } else {
                memcpy(o, "\\ufffd", 6);
                o += 6;
            }
        }
    }
    b->len = (size_t)(o - b->buf);
    b->buf[b->len] = '\0';
}

void veu_jbuf_strn(veu_jbuf_t *b, const char *s, size_t len)
{
    veu_jbuf_raw(b, "\"", 1);
    veu_jbuf_esc(b, s, len);
    veu_jbuf_raw(b, "\"", 1);
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

/* Writes u in decimal into the end of tmp; returns where it starts. */
static char *utoa_rev(uint64_t u, char *end)
{
    do {
        *--end = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    return end;
}

void veu_jbuf_num(veu_jbuf_t *b, double v)
{
    char tmp[64];

    if (!isfinite(v)) {
        veu_jbuf_raw(b, "null", 4);
        return;
    }
    /* rounded to 9 decimals, printed without printf (this is on every answer's path) */
    double a = fabs(v);
    if (a >= 1e9) {
        int n = snprintf(tmp, sizeof(tmp), "%.17g", v);
        veu_jbuf_raw(b, tmp, (size_t)n);
        return;
    }
    uint64_t scaled = (uint64_t)llround(a * 1e9);
    uint64_t ip = scaled / 1000000000u, fp = scaled % 1000000000u;
    char *end = tmp + sizeof(tmp), *p = end;
    if (fp) {
        int digits = 9;
        while (fp % 10 == 0) {
            fp /= 10;
            digits--;
        }
        for (int i = 0; i < digits; i++) {
            *--p = (char)('0' + fp % 10);
            fp /= 10;
        }
        *--p = '.';
    }
    p = utoa_rev(ip, p);
    if (v < 0 && scaled) {
        *--p = '-';
    }
    veu_jbuf_raw(b, p, (size_t)(end - p));
}

void veu_jbuf_int(veu_jbuf_t *b, int64_t v)
{
    char tmp[24], *end = tmp + sizeof(tmp);
    char *p = utoa_rev(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, end);
    if (v < 0) {
        *--p = '-';
    }
    veu_jbuf_raw(b, p, (size_t)(end - p));
}

void veu_jbuf_bool(veu_jbuf_t *b, bool v)
{
    veu_jbuf_lit(b, v ? "true" : "false");
}

void veu_jbuf_printf(veu_jbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!reserve(b, 256)) {
        return;
    }
    /* one pass when it fits, which is nearly always */
    va_start(ap, fmt);
    n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        if (!reserve(b, (size_t)n)) {
            return;
        }
        va_start(ap, fmt);
        vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

const char *veu_clip(const char *s, char *buf, size_t len)
{
    size_t n = strlen(s);

    if (n < len) {
        return s;
    }
    n = len - 4;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
        n--;
    }
    memcpy(buf, s, n);
    memcpy(buf + n, "...", 4);
    return buf;
}
