/* SPDX-License-Identifier: MIT */
/*
 * jstream.c: a JSON export's records one at a time (jstream.h).
 *
 * JSON lines are cut at newlines and each line is parsed on its own: a bad
 * line is one bad record, and the next is read.  An array is scanned for
 * its elements' boundaries (brackets and strings counted, nothing else
 * parsed) and each element is parsed on its own by jansson, which checks
 * it in full: a bad element is one bad record too.  Where the array's own
 * syntax breaks (no ',' between elements, one after the last), its later
 * elements cannot be found, so that is fatal, as is an array cut short: a
 * half-written export fails the build instead of building from its first
 * part.
 *
 * Memory: the buffer holds the record being read and one chunk; it grows
 * to at most VEU_JS_MAX_RECORD plus a chunk.  Time: each byte is scanned
 * once and parsed once.
 */
#include "load/registry/jstream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veu/veu.h"

enum { M_UNKNOWN, M_LINES, M_ARRAY };
enum { A_SEEK, A_VALUE, A_AFTER, A_END };

struct veu_jstream {
    int fd;
    int eof;
    int mode;
    char *buf;
    size_t cap, len, start, pos, chunk, max;
    long line;      /* lines ended before pos */
    long no;        /* records numbered so far */
    int discarding; /* JSON lines: the rest of a too long line is skipped */
    long discard_line;
    /* arrays */
    int state, need_value, depth, in_str, esc, scalar;
    long elem_line;
    veu_jstream_filter_fn filter;
    const char *last; /* the bytes of the record returned last */
    size_t last_len;
    unsigned long records;
};

unsigned long veu_jstream_records(const veu_jstream_t *js)
{
    return js->records;
}

const char *veu_jstream_last(const veu_jstream_t *js, size_t *len)
{
    *len = js->last_len;
    return js->last;
}

void veu_jstream_filter(veu_jstream_t *js, veu_jstream_filter_fn fn)
{
    js->filter = fn;
}

veu_jstream_t *veu_jstream_open(const char *path, size_t chunk, size_t max, int *err)
{
    veu_jstream_t *js = calloc(1, sizeof(*js));
    struct stat st;

    *err = 0;
    if (!js) {
        *err = -ENOMEM;
        return NULL;
    }
    js->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not stall the build */
    if (js->fd < 0 || fstat(js->fd, &st) < 0) {
        *err = -errno;
    } else if (!S_ISREG(st.st_mode)) {
        *err = -EINVAL;
    }
    js->chunk = chunk ? chunk : VEU_JS_CHUNK;
    js->max = max ? max : VEU_JS_MAX_RECORD;
    js->cap = js->chunk + 1;
    if (!*err && !(js->buf = malloc(js->cap))) {
        *err = -ENOMEM;
    }
    if (*err) {
        veu_jstream_close(js);
        return NULL;
    }
    return js;
}

void veu_jstream_close(veu_jstream_t *js)
{
    if (js) {
        if (js->fd >= 0) {
            close(js->fd);
        }
        free(js->buf);
        free(js);
    }
}

/*
 * Reads one more chunk after the bytes kept (from start).  0 when bytes
 * came, 1 at the end of the file, a negative code on an error.
 */
static int refill(veu_jstream_t *js)
{
    if (js->eof) {
        return 1;
    }
    if (js->start > 0) {
        memmove(js->buf, js->buf + js->start, js->len - js->start);
        js->len -= js->start;
        js->pos -= js->start;
        js->start = 0;
    }
    if (js->cap - 1 - js->len < js->chunk) {
        size_t cap = js->len + js->chunk + 1;
        char *b = realloc(js->buf, cap);
        if (!b) {
            return -ENOMEM;
        }
        js->buf = b;
        js->cap = cap;
    }
    for (;;) {
        ssize_t n = read(js->fd, js->buf + js->len, js->chunk);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        if (n == 0) {
            js->eof = 1;
            return 1;
        }
        js->len += (size_t)n;
        return 0;
    }
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Parses buf[a, b) as one record: REC with an object, else BAD with msg. */
static int parse(veu_jstream_t *js, size_t a, size_t b, json_t **rec, char *msg, size_t cap)
{
    js->last = js->buf + a;
    js->last_len = b - a;
    json_error_t je;
    json_t *o = json_loadb(js->buf + a, b - a, JSON_REJECT_DUPLICATES, &je);

    if (json_is_object(o)) {
        *rec = o;
        return VEU_JS_REC;
    }
    json_decref(o);
    if (o) {
        snprintf(msg, cap, "not a JSON object: another JSON value");
    } else {
        snprintf(msg, cap, "not a JSON object: %s", je.text);
    }
    return VEU_JS_BAD;
}

/* Finds the mode from the first byte that is not blank (after a BOM). */
static int find_mode(veu_jstream_t *js)
{
    for (;;) {
        size_t p = 0;
        if (js->len >= 3 && !memcmp(js->buf, "\xEF\xBB\xBF", 3)) {
            p = 3;
        }
        size_t q = p;
        while (q < js->len && is_ws(js->buf[q])) {
            q++;
        }
        if (q < js->len && (js->len >= 3 || js->eof)) {
            if (js->buf[q] == '[') {
                js->mode = M_ARRAY;
                for (size_t i = p; i < q; i++) {
                    js->line += js->buf[i] == '\n';
                }
                js->start = js->pos = q + 1;
                js->state = A_SEEK;
            } else {
                js->mode = M_LINES;
                js->start = js->pos = p;
            }
            return 0;
        }
        int rc = refill(js);
        if (rc < 0) {
            return rc;
        }
        if (rc == 1 && q >= js->len) {
            js->mode = M_LINES; /* nothing but blanks: no records */
            js->start = js->pos = js->len;
            return 0;
        }
    }
}

static int next_line(veu_jstream_t *js, json_t **rec, long *no, long *line, char *msg, size_t cap)
{
    for (;;) {
        char *nl = memchr(js->buf + js->pos, '\n', js->len - js->pos);
        size_t end = nl ? (size_t)(nl - js->buf) : js->len;
        if (nl || (js->eof && (js->start < js->len || js->discarding))) {
            size_t a = js->start;
            js->line++;
            js->start = js->pos = nl ? end + 1 : js->len;
            *no = *line = js->line;
            if (js->discarding || end - a > js->max) {
                js->records++;
                js->discarding = 0;
                js->last = NULL;
                js->last_len = 0;
                if (js->max % (1u << 20) == 0) {
                    snprintf(msg, cap, "a record longer than %zu MiB: not read", js->max >> 20);
                } else {
                    snprintf(msg, cap, "a record longer than %zu bytes: not read", js->max);
                }
                return VEU_JS_BAD;
            }
            size_t k = a;
            while (k < end && is_ws(js->buf[k])) {
                k++;
            }
            if (k == end) {
                continue; /* a blank line */
            }
            js->records++;
            if (js->filter && !js->filter(js->buf + a, end - a)) {
                continue;
            }
            return parse(js, a, end, rec, msg, cap);
        }
        js->pos = js->len;
        if (js->eof) {
            return VEU_JS_END;
        }
        if (js->len - js->start > js->max) {
            js->discarding = 1; /* its bytes are dropped; the line ends it */
            js->start = js->pos = js->len = 0;
        }
        int rc = refill(js);
        if (rc < 0) {
            snprintf(msg, cap, "cannot read: %s", strerror(-rc));
            return rc;
        }
    }
}

/* A fatal break in an array's syntax. */
static int array_error(veu_jstream_t *js, long *no, long *line, char *msg, size_t cap,
                       const char *what)
{
    *no = js->no;
    *line = js->line + 1;
    snprintf(msg, cap, "the JSON array breaks at line %ld, after %ld elements: %s", js->line + 1,
             js->no, what);
    return -VEU_ESYNTAX;
}

static int next_element(veu_jstream_t *js, json_t **rec, long *no, long *line, char *msg,
                        size_t cap)
{
    for (;;) {
        while (js->pos < js->len) {
            char c = js->buf[js->pos];
            switch (js->state) {
            case A_SEEK:
            case A_AFTER:
            case A_END:
                if (is_ws(c)) {
                    js->line += c == '\n';
                    js->pos++;
                    js->start = js->pos;
                    continue;
                }
                if (js->state == A_END) {
                    return array_error(js, no, line, msg, cap, "data after the array's end");
                }
                if (js->state == A_AFTER) {
                    if (c != ',' && c != ']') {
                        return array_error(js, no, line, msg, cap,
                                           "an element is followed by neither ',' nor ']'");
                    }
                    js->state = c == ',' ? A_SEEK : A_END;
                    js->need_value = c == ',';
                    js->pos++;
                    js->start = js->pos;
                    continue;
                }
                if (c == ']') {
                    if (js->need_value) {
                        return array_error(js, no, line, msg, cap, "a ',' before the ']'");
                    }
                    js->state = A_END;
                    js->pos++;
                    js->start = js->pos;
                    continue;
                }
                if (c == ',') {
                    return array_error(js, no, line, msg, cap, "a ',' where an element belongs");
                }
                js->state = A_VALUE;
                js->start = js->pos;
                js->elem_line = js->line + 1;
                js->depth = js->in_str = js->esc = 0;
                js->scalar = c != '{' && c != '[' && c != '"';
                continue;
            default: /* A_VALUE */
                break;
            }
            /* inside an element: strings and brackets counted until it closes */
            int ends = 0, after = 1;
            js->line += c == '\n';
            if (js->in_str) {
                if (js->esc) {
                    js->esc = 0;
                } else if (c == '\\') {
                    js->esc = 1;
                } else if (c == '"') {
                    js->in_str = 0;
                    ends = js->depth == 0;
                }
            } else if (c == '"') {
                js->in_str = 1;
            } else if (c == '{' || c == '[') {
                js->depth++;
            } else if (c == '}' || c == ']') {
                if (--js->depth == 0) {
                    ends = 1;
                } else if (js->depth < 0) {
                    ends = 1, after = 0; /* a number or a word, then the array's ']' */
                }
            } else if (js->depth == 0 && js->scalar && (is_ws(c) || c == ',')) {
                ends = 1, after = 0;
            }
            if (after) {
                js->pos++;
            } else {
                js->line -= c == '\n';
            }
            if (js->pos - js->start > js->max) {
                return array_error(js, no, line, msg, cap, "an element longer than the limit");
            }
            if (ends) {
                size_t a = js->start;
                js->state = A_AFTER;
                js->need_value = 0;
                js->start = js->pos;
                *no = ++js->no;
                js->records++;
                *line = js->elem_line;
                if (js->filter && !js->filter(js->buf + a, js->pos - a)) {
                    continue;
                }
                return parse(js, a, js->pos, rec, msg, cap);
            }
        }
        int rc = refill(js);
        if (rc < 0) {
            snprintf(msg, cap, "cannot read: %s", strerror(-rc));
            return rc;
        }
        if (rc == 1) {
            if (js->state == A_END) {
                return VEU_JS_END;
            }
            return array_error(js, no, line, msg, cap,
                               "the file ends before the array's ']' (cut short?)");
        }
    }
}

int veu_jstream_next(veu_jstream_t *js, json_t **rec, long *no, long *line, char *msg, size_t cap)
{
    *rec = NULL;
    *no = *line = 0;
    msg[0] = '\0';
    if (js->mode == M_UNKNOWN) {
        int rc = find_mode(js);
        if (rc < 0) {
            snprintf(msg, cap, "cannot read: %s", strerror(-rc));
            return rc;
        }
    }
    return js->mode == M_ARRAY ? next_element(js, rec, no, line, msg, cap)
                               : next_line(js, rec, no, line, msg, cap);
}
