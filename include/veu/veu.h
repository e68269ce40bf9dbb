/* SPDX-License-Identifier: MIT */
/*
 * veu.h: what every part of veud shares: the version, the error codes and
 * the diagnostic record that names the file, line and column of a problem.
 *
 * Fallible functions return 0 or a negative code: a negated errno value, or
 * one of the VEU_E* codes below, which sit far above the errno range.
 */
#ifndef VEU_VEU_H
#define VEU_VEU_H

#include <stddef.h>
#include <stdint.h>

#ifndef VEU_VERSION
#define VEU_VERSION "0.1.0"
#endif

/* Project error codes (returned negated, like errno values). */
enum {
    VEU_ESYNTAX = 10001, /* CSV syntax error or invalid UTF-8 */
    VEU_ECOLUMN,         /* a required column is missing */
    VEU_EDUPLICATE,      /* an entity id appears twice */
    VEU_EROWS,           /* strict mode: at least one invalid row */
    VEU_ECONFIG,         /* a bad configuration key or value */
    VEU_ESNAPSHOT,       /* a snapshot is truncated, corrupt or not ours */
    VEU_EVERSION,        /* a snapshot of a format version we do not read */
    VEU_EGRAPH,          /* igraph reported an error */
    VEU_ETOOBIG,         /* a count or size beyond the format's limits */
    VEU_ECHANGED,        /* a dataset file changed while it was read */
};

/*
 * True when s[0..len) is valid UTF-8 without NUL bytes; else false with
 * *bad (when not NULL) the offset of the first byte that is not.
 */
int veu_utf8_valid(const char *s, size_t len, size_t *bad);

/*
 * The hash the snapshot's id maps use (XXH3-64 of the id): a cache keyed by
 * id that hashes the same way meets the file's layout.
 */
uint64_t veu_id_hash(const char *s, size_t len);

/* Human-readable text for a return code (negative errno or -VEU_E*). */
const char *veu_strerror(int err);

/*
 * Where and what a problem is.  file is a path as given, line is 1-based
 * (0 when the problem is not tied to a line), column is a header name or
 * empty, message a sentence that quotes the offending value.
 */
typedef struct veu_diag {
    char file[256];
    long line;
    char column[64];
    char message[512];
} veu_diag_t;

/* Formats "file:line: column 'col': message" into buf; returns buf. */
char *veu_diag_format(const veu_diag_t *d, char *buf, size_t len);

#endif
