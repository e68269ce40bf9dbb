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
    int err;          /* first error, stops the feed */
    int region_valid; /* the bytes being fed passed the UTF-8 check at once */
    int valid_utf8;   /* every byte of the pending row did: skip per-field checks */
    int cont;         /* the next bytes continue a physical line fed in part */
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
        char where[300];
        unsigned char b = (unsigned char)((const char *)data)[bad];
        if (b == 0) {
            snprintf(where, sizeof(where),
                     "a NUL byte in field %zu, byte %zu: a binary file, or UTF-16 (convert it: "
                     "iconv -f UTF-16 -t UTF-8)",
                     r->n + 1, bad + 1);
        } else {
            snprintf(where, sizeof(where),
                     "invalid UTF-8 in field %zu, byte %zu (0x%02x); veud reads UTF-8, and "
                     "this looks like a file saved as Latin-1 or Windows-1252: convert it "
                     "with iconv -f WINDOWS-1252 -t UTF-8",
                     r->n + 1, bad + 1, b);
        }
        fail(r, r->line, "%s", where);
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

/* Feeds one physical line, or a part of one (partial: no newline ends it yet). */
static void feed_line(struct reader *r, struct csv_parser *p, const char *data, size_t len,
                      int partial)
{
    if (!r->cont) {
        r->line++;
        if (!r->in_row) {
            if (!partial && is_blank_line(data, len)) {
                return;
            }
            r->row_line = r->line;
            r->in_row = 1;
            r->valid_utf8 = r->region_valid;
        }
    }
    r->valid_utf8 &= r->region_valid;
    r->cont = partial;
    if (csv_parse(p, data, len, on_field, on_row, r) != len) {
        fail(r, r->line, "%s",
             csv_error(p) == CSV_EPARSE
                 ? "malformed quoting: a quote inside an unquoted field, or text after a "
                   "closing quote"
                 : csv_strerror(csv_error(p)));
    }
}

/*
 * Feeds a region of whole lines (the last may be partial).  One UTF-8 pass
 * over the region at memory speed; only a row with bytes from a region
 * that fails it is checked field by field, to name the line and field.
 */
static void feed_region(struct reader *r, struct csv_parser *p, const char *data, size_t size,
                        int last_partial)
{
    const char *end = data + size;

    r->region_valid = veu_utf8_valid(data, size, NULL);
    while (data < end && !r->err) {
        const char *nl = memchr(data, '\n', (size_t)(end - data));
        size_t len = nl ? (size_t)(nl - data) + 1 : (size_t)(end - data);
        feed_line(r, p, data, len, !nl && last_partial);
        data += len;
    }
}

/* Bytes read at a time, and the line kept whole up to which (then fed in parts). */
size_t veu_csv_chunk = 4u << 20, veu_csv_long_line = 8u << 20;

/*
 * Reads size bytes of fd a chunk at a time and feeds whole lines; the
 * bytes after the last newline wait for the next chunk (fed in parts beyond
 * long_line).  -VEU_ECHANGED when the file ends before size bytes: cut
 * short under us.  The byte-order mark is looked for when bom is set (the
 * file's start).
 */
static int feed(struct reader *r, struct csv_parser *p, int fd, uint64_t size, void *digest,
                int bom)
{
    const size_t chunk = veu_csv_chunk, long_line = veu_csv_long_line;
    size_t cap = chunk + long_line, have = 0;
    uint64_t total = 0;
    if (size < cap) {
        cap = (size_t)size + 1; /* a small file or part: no more than it needs */
    }
    char *buf = malloc(cap);
    int first = bom;

    if (!buf) {
        return -ENOMEM;
    }
    while (!r->err) {
        size_t want = cap - have < chunk ? cap - have : chunk;
        if (want > size - total) {
            want = (size_t)(size - total); /* a range ends where the next one starts */
        }
        ssize_t n = want ? read(fd, buf + have, want) : 0;
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            r->err = -errno;
            break;
        }
        if (digest && n > 0) {
            XXH3_128bits_update(digest, buf + have, (size_t)n);
        }
        total += (uint64_t)n;
        size_t skip = 0;
        have += (size_t)n;
        if (first && (n == 0 || have >= 3)) {
            first = 0;
            skip = have >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
            if (have >= 2 && (!memcmp(buf, "\xFF\xFE", 2) || !memcmp(buf, "\xFE\xFF", 2))) {
                fail(r, 1, "%s",
                     "the file is UTF-16 (it starts with a UTF-16 byte-order mark); veud reads "
                     "UTF-8: convert it with iconv -f UTF-16 -t UTF-8");
                break;
            }
        } else if (first) {
            continue; /* fewer than 3 bytes so far: the BOM is not known yet */
        }
        if (n == 0) {
            feed_region(r, p, buf + skip, have - skip, 0);
            break;
        }
        char *last_nl = memrchr(buf + skip, '\n', have - skip);
        size_t whole = last_nl ? (size_t)(last_nl - buf) + 1 : skip;
        if (whole == skip && have - skip >= long_line) {
            whole = have; /* one long line: fed in parts */
            feed_region(r, p, buf + skip, whole - skip, 1);
        } else {
            feed_region(r, p, buf + skip, whole - skip, 0);
        }
        memmove(buf, buf + whole, have - whole);
        have -= whole;
    }
    free(buf);
    if (!r->err && total != size) {
        r->err = -VEU_ECHANGED;
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
    return veu_csv_read_range(path, 0, UINT64_MAX, 0, fn, ctx, digest, diag, ret_st);
}

int veu_csv_read_range(const char *path, uint64_t start, uint64_t end, long line, veu_csv_row_fn fn,
                       void *ctx, void *digest, veu_diag_t *diag, struct stat *ret_st)
{
    struct reader r = {.path = path, .fn = fn, .ctx = ctx, .diag = diag, .line = line};
    struct csv_parser p;
    struct stat st;
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
    if (end == UINT64_MAX) {
        end = (uint64_t)st.st_size;
    }
    if (start > end || end > (uint64_t)st.st_size) {
        rc = -VEU_ECHANGED; /* the file is shorter than when it was cut */
        goto out_close;
    }
    if (start > 0 && lseek(fd, (off_t)start, SEEK_SET) < 0) {
        rc = -errno;
        goto out_close;
    }
    /*
     * read(), not mmap(): a file cut short by whoever replaces the export
     * under us must end this build with a message, not a SIGBUS.  A chunk
     * at a time: a registry export of gigabytes costs a few MiB.
     */
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        rc = -ENOMEM;
        goto out_close;
    }
    rc = feed(&r, &p, fd, end - start, digest, start == 0);
    csv_free(&p);
    free(r.buf);
out_close:
    close(fd);
    return rc;
}

int veu_csv_cut(const char *path, uint64_t at, uint64_t *ret_off, long *ret_lines)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    size_t cap = veu_csv_chunk;
    char *buf = malloc(cap);
    uint64_t pos = 0;
    long lines = 0;
    int quoted = 0, rc = 0;

    struct stat st;

    if (fd < 0 || !buf) {
        rc = fd < 0 ? -errno : -ENOMEM;
        goto out;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = -EINVAL; /* a FIFO's bytes are the reader's, not ours to count */
        goto out;
    }
    *ret_off = UINT64_MAX;
    while (*ret_off == UINT64_MAX) {
        ssize_t n = read(fd, buf, cap);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            rc = n < 0 ? -errno : 0;
            *ret_off = pos; /* the end: nothing after the cut */
            break;
        }
        /* a quote opens or closes a quoted field; a doubled quote inside one does both */
        for (const char *c = buf, *e = buf + n; c < e;) {
            const char *q = quoted ? memchr(c, '"', (size_t)(e - c)) : NULL;
            if (quoted) {
                const char *stop = q ? q : e; /* its lines are lines too */
                for (const char *k = c; (k = memchr(k, '\n', (size_t)(stop - k))); k++) {
                    lines++;
                }
                c = q ? q + 1 : e;
                quoted = q == NULL;
                continue;
            }
            const char *nl = memchr(c, '\n', (size_t)(e - c));
            q = memchr(c, '"', (size_t)((nl ? nl : e) - c));
            if (q) {
                c = q + 1;
                quoted = 1;
            } else if (nl) {
                lines++;
                c = nl + 1;
                if (pos + (uint64_t)(c - buf) >= at) {
                    *ret_off = pos + (uint64_t)(c - buf);
                    break;
                }
            } else {
                c = e;
            }
        }
        pos += (uint64_t)n;
    }
    *ret_lines = lines;
out:
    free(buf);
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}
