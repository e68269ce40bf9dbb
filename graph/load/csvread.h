/* SPDX-License-Identifier: MIT */
/*
 * csvread.h: RFC 4180 reading on top of libcsv, with what libcsv leaves to us:
 * a byte-order mark, physical line numbers for every row (quoted fields may
 * span lines), UTF-8 validation of every field, and header-name lookup.
 */
#ifndef VEU_GRAPH_CSVREAD_H
#define VEU_GRAPH_CSVREAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "veu/veu.h"

#define VEU_CSV_MAX_FIELD  (1u << 20) /* a longer field is a syntax error */
#define VEU_CSV_MAX_FIELDS 256        /* fields per row */

typedef struct veu_csv_row {
    long line;            /* physical line the row starts on, 1-based */
    size_t n;             /* fields in this row */
    const char *const *f; /* NUL-terminated, valid UTF-8, no NUL inside */
    const size_t *len;
} veu_csv_row_t;

/*
 * Called once per row, the header row first (line 1 or later after blank
 * lines).  Return 0 to go on, a negative code to stop reading; that code is
 * then returned by veu_csv_read().
 */
typedef int (*veu_csv_row_fn)(void *ctx, const veu_csv_row_t *row);

/*
 * Reads the CSV file at path.  Syntax errors (unterminated quote, a quote
 * inside an unquoted field, invalid UTF-8, a NUL byte, an overlong field)
 * return -VEU_ESYNTAX with diag filled in; I/O errors return -errno.
 * When digest is not NULL the raw file bytes are fed to it (an XXH3 state).
 * When ret_st is not NULL it gets the opened file's fstat (to notice later
 * that the file was replaced or changed while the dataset was read).
 * Time complexity: linear in the file's size.
 */
int veu_csv_read(const char *path, veu_csv_row_fn fn, void *ctx, void *digest, veu_diag_t *diag,
                 struct stat *ret_st);

/*
 * Reads the rows in bytes [start, end) of path as veu_csv_read does, the
 * first numbered line + 1 (the lines before start).  start must be where a
 * row begins: 0, or an offset veu_csv_cut gave.  end: UINT64_MAX for the
 * file's end.  No byte-order mark is looked for after 0.  -VEU_ECHANGED
 * when the file is now shorter than end.
 */
int veu_csv_read_range(const char *path, uint64_t start, uint64_t end, long line, veu_csv_row_fn fn,
                       void *ctx, void *digest, veu_diag_t *diag, struct stat *ret_st);

/*
 * Where path can be cut at or after byte at so that both parts are whole
 * rows: just after the first newline there outside quotes (a quote opens or
 * closes a quoted field, a doubled one inside does both, so quotes are
 * counted from the start).  *ret_off gets that offset, or the file's size
 * when there is none; *ret_lines the newlines before it.  In a file that
 * is not valid CSV the cut may fall anywhere: the part before it is read
 * first and fails first.  0 or -errno.
 */
int veu_csv_cut(const char *path, uint64_t at, uint64_t *ret_off, long *ret_lines);

/*
 * Bytes read at a time (4 MiB) and the longest physical line kept whole
 * (8 MiB; a longer one is fed in parts).  Tests set small ones so that
 * rows, fields and characters fall across chunks.
 */
extern size_t veu_csv_chunk, veu_csv_long_line;

/* Reads exactly len bytes from fd: 0, -errno, or -VEU_ECHANGED when the file ends sooner. */
int veu_read_full(int fd, void *buf, size_t len);

#endif
