/* SPDX-License-Identifier: MIT */
/*
 * jbuf.h: a growable output buffer with JSON writers.  Answers are printed
 * straight into it (no tree is built), which is what keeps an answer in the
 * microseconds.  Errors are sticky: after a failed allocation every call is a
 * no-op and veu_jbuf_failed() says so.
 */
#ifndef VEU_JBUF_H
#define VEU_JBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct veu_jbuf {
    char *buf;
    size_t len, cap;
    bool failed;
} veu_jbuf_t;

void veu_jbuf_init(veu_jbuf_t *b);
void veu_jbuf_destroy(veu_jbuf_t *b);
static inline void veu_jbuf_reset(veu_jbuf_t *b)
{
    b->len = 0;
    b->failed = false;
}
static inline bool veu_jbuf_failed(const veu_jbuf_t *b)
{
    return b->failed;
}
void veu_jbuf_raw(veu_jbuf_t *b, const char *s, size_t len);
/* Appends s raw; inlined, so a literal's length is folded at compile time. */
static inline void veu_jbuf_lit(veu_jbuf_t *b, const char *s)
{
    veu_jbuf_raw(b, s, __builtin_strlen(s));
}
/* Appends s[0..len) escaped for the inside of a JSON string (no quotes). */
void veu_jbuf_esc(veu_jbuf_t *b, const char *s, size_t len);
void veu_jbuf_str(veu_jbuf_t *b, const char *s); /* quoted and escaped */
void veu_jbuf_strn(veu_jbuf_t *b, const char *s, size_t len);
void veu_jbuf_str_or_null(veu_jbuf_t *b, const char *s); /* null for "" */
void veu_jbuf_num(veu_jbuf_t *b, double v);              /* at most 9 decimals */
void veu_jbuf_int(veu_jbuf_t *b, int64_t v);
void veu_jbuf_bool(veu_jbuf_t *b, bool v);
void veu_jbuf_printf(veu_jbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * s itself when shorter than len bytes, else its first bytes cut at a UTF-8
 * character boundary with "..." appended, in buf (len bytes).  For quoting
 * names and client strings in sentences without breaking UTF-8.
 */
const char *veu_clip(const char *s, char *buf, size_t len);

#endif
