/* SPDX-License-Identifier: MIT */
/*
 * csvread.c: feeds a file to libcsv one physical line at a time, so that every
 * row knows the line it starts on, collects each row's fields into a row
 * buffer and hands complete rows to the caller.  libcsv owns the RFC 4180
 * state machine (quotes, doubled quotes, CR/LF); this file owns the BOM,
 * UTF-8 and NUL checks and the error messages.
 */
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "load/csvread.h"

struct reader {
    const char *path;
    veu_csv_row_fn fn;
    void *ctx;
    veu_diag_t *diag;
    long line;     /* the physical line being fed */
    long row_line; /* where the pending row started */
    int in_row;
    int err;        /* first error, stops the feed */
    int valid_utf8; /* the whole file passed at once: skip per-field checks */
    /* the pending row: fields packed in buf, NUL-terminated */
    char *buf;
    size_t buf_len, buf_cap;
    size_t n;
    size_t off[VEU_CSV_MAX_FIELDS];
    size_t len[VEU_CSV_MAX_FIELDS];
    const char *ptr[VEU_CSV_MAX_FIELDS];
};

static void fail(struct reader *r, long line, const char *fmt, const char *arg)
{
    if (r->err) {
        return;
    }
    r->err = -VEU_ESYNTAX;
    snprintf(r->diag->file, sizeof(r->diag->file), "%s", r->path);
    r->diag->line = line;
    r->diag->column[0] = '\0';
    snprintf(r->diag->message, sizeof(r->diag->message), fmt, arg);
}

static void on_field(void *data, size_t len, void *p)
{
    struct reader *r = p;
    size_t bad;

    if (r->err) {
        return;
    }
    if (r->n == VEU_CSV_MAX_FIELDS) {
        fail(r, r->line, "more than %s fields in one row", "256");
        return;
    }
    if (len > VEU_CSV_MAX_FIELD) {
        fail(r, r->line, "a field is longer than %s bytes (an unterminated quote?)", "1048576");
        return;
    }
    if (data && !r->valid_utf8 && !veu_utf8_valid(data, len, &bad)) {
        char where[64];
        snprintf(where, sizeof(where), "field %zu, byte %zu", r->n + 1, bad + 1);
        fail(r, r->line, "invalid UTF-8 or NUL byte in %s", where);
        return;
    }
    if (r->buf_len + len + 1 > r->buf_cap) {
        size_t cap = r->buf_cap ? r->buf_cap : 4096;
        while (cap < r->buf_len + len + 1) {
            cap *= 2;
        }
        char *nb = realloc(r->buf, cap);
        if (!nb) {
            r->err = -ENOMEM;
            return;
        }
        r->buf = nb;
        r->buf_cap = cap;
    }
    if (len) {
        memcpy(r->buf + r->buf_len, data, len);
    }
    r->buf[r->buf_len + len] = '\0';
    r->off[r->n] = r->buf_len;
    r->len[r->n] = len;
    r->n++;
    r->buf_len += len + 1;
}

static void on_row(int term, void *p)
{
    struct reader *r = p;
    veu_csv_row_t row;

    (void)term;
    if (!r->err) {
        for (size_t i = 0; i < r->n; i++) {
            r->ptr[i] = r->buf + r->off[i];
        }
        row.line = r->row_line;
        row.n = r->n;
        row.f = r->ptr;
        row.len = r->len;
        int rc = r->fn(r->ctx, &row);
        if (rc < 0) {
            r->err = rc;
        }
    }
    r->n = 0;
    r->buf_len = 0;
    r->in_row = 0;
}

static int is_blank_line(const char *s, size_t len)
{
    return len == 0 || (len == 1 && (s[0] == '\n' || s[0] == '\r')) ||
           (len == 2 && s[0] == '\r' && s[1] == '\n');
}

static int feed(struct reader *r, struct csv_parser *p, const char *data, size_t size)
{
    const char *end = data + size;

    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
    }
    /*
     * One pass over the whole file at memory speed; only a file that fails
     * it is checked field by field, to name the line and field at fault.
     */
    r->valid_utf8 = veu_utf8_valid(data, (size_t)(end - data), NULL);
    r->line = 0;
    while (data < end && !r->err) {
        const char *nl = memchr(data, '\n', (size_t)(end - data));
        size_t len = nl ? (size_t)(nl - data) + 1 : (size_t)(end - data);

        r->line++;
        if (!r->in_row) {
            if (is_blank_line(data, len)) {
                data += len;
                continue;
            }
            r->row_line = r->line;
            r->in_row = 1;
        }
        if (csv_parse(p, data, len, on_field, on_row, r) != len) {
            fail(r, r->line, "%s",
                 csv_error(p) == CSV_EPARSE
                     ? "malformed quoting: a quote inside an unquoted field, or text after a "
                       "closing quote"
                     : csv_strerror(csv_error(p)));
        }
        data += len;
    }
    if (!r->err && csv_fini(p, on_field, on_row, r) != 0) {
        fail(r, r->row_line, "%s", "unterminated quoted field at end of file");
    }
    return r->err;
}

/* Reads exactly len bytes; -VEU_ECHANGED when the file ends sooner. */
int veu_read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (n == 0) {
            return -VEU_ECHANGED;
        }
        got += (size_t)n;
    }
    return 0;
}

int veu_csv_read(const char *path, veu_csv_row_fn fn, void *ctx, void *digest, veu_diag_t *diag,
                 struct stat *ret_st)
{
    struct reader r = {.path = path, .fn = fn, .ctx = ctx, .diag = diag};
    struct csv_parser p;
    struct stat st;
    void *text = NULL;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) /* a FIFO must not stall the build */;
    if (fd < 0) {
        return -errno;
    }
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto out_close;
    }
    if (ret_st) {
        *ret_st = st;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
        goto out_close;
    }
    if (st.st_size > 0) {
        /*
         * read(), not mmap(): a file cut short by whoever replaces the export
         * under us must end this build with a message, not a SIGBUS.
         */
        text = malloc((size_t)st.st_size);
        if (!text) {
            rc = -ENOMEM;
            goto out_close;
        }
        rc = veu_read_full(fd, text, (size_t)st.st_size);
        if (rc < 0) {
            goto out_free;
        }
    }
    if (digest) {
        XXH3_128bits_update(digest, text ? text : "", (size_t)st.st_size);
    }
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        rc = -ENOMEM;
        goto out_free;
    }
    rc = feed(&r, &p, text ? text : "", (size_t)st.st_size);
    csv_free(&p);
out_free:
    free(r.buf);
    free(text);
out_close:
    close(fd);
    return rc;
}
