/* SPDX-License-Identifier: MIT */
/*
 * loader.h: the dataset loader's state and helpers, shared by dataset.c (our
 * CSV files) and registry.c (registry exports read as published).
 */
#ifndef VEU_GRAPH_LOADER_H
#define VEU_GRAPH_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "load/csvread.h"
#include "load/dataset.h"

#define VEU_LD_MAX_FILES 68 /* our four and up to 64 registry files */

#define MAX_COLS 20

struct colspec {
    const char *name;
    int required;
};

struct loader;
typedef int (*row_fn)(struct loader *l, const veu_csv_row_t *row);

struct loader {
    veu_dataset_t *ds;
    const veu_policy_t *pol;
    veu_report_t *rep;
    veu_diag_t *err;
    const char *path;
    const struct colspec *cols;
    int ncols;
    int col[MAX_COLS]; /* field index of each column, -1 if absent */
    size_t header_n;
    int header_seen;
    row_fn row;
    uint32_t *ent_line;                 /* line of each entity, for duplicate messages */
    struct stat seen[VEU_LD_MAX_FILES]; /* each file as it was opened */
    char seen_path[VEU_LD_MAX_FILES][4096];
    int n_seen;
    size_t ent_cap;
    char path_buf[4096];         /* the registry file being read */
    unsigned long not_in_effect; /* dated rows of the file left out */
    veu_strpool_t *pool;         /* where ld_pool_add puts strings; NULL: the dataset's */
    int quiet;                   /* a scan before the reading pass: problems are not reported */
    struct veu_regfile *file;    /* the registry file being read, NULL for ours */
    struct ld_ahead *ahead;      /* rows held back while their ids are fetched (loader.c) */
};

/* A fatal problem: fills err, returns code. */
int ld_fatal(struct loader *l, int code, long line, const char *col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * A record that cannot be used (warning = 0) or a warning on a kept one,
 * reported with l->path and line.  Under strict, a skipped record fails the
 * load.  Returns 0 or -VEU_EROWS.
 */
int ld_problem(struct loader *l, int warning, long line, const char *col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Adds s[0..len) to the string pool; 0 or a fatal code. */
int ld_pool_add(struct loader *l, const char *s, size_t len, uint32_t *ret);

/* An entity as registries give it (NULL or "" for what is not known). */
typedef struct ld_entity {
    const char *id, *name, *country, *sector, *aliases; /* aliases: '|'-separated */
    long line;
} ld_entity_t;

/*
 * Adds an entity from a registry record.  An id defined already (by our
 * entities.csv or an earlier record) keeps its first definition and the
 * record is reported as a warning.  Returns 1 added, 0 not, <0 fatal.
 */
int ld_add_entity(struct loader *l, const ld_entity_t *e);

/* An entity of our entities.csv: a duplicate id fails the load.  1 added, <0 fatal. */
int ld_add_entity_row(struct loader *l, const ld_entity_t *e);

/* Looks up an entity id in column c of row; an unknown one is reported.  1 found, 0 skipped. */
int ld_lookup(struct loader *l, const veu_csv_row_t *row, int c, uint32_t *ret);

/* Starts keeping the history (a dated row came); the rows so far are in effect on every day. */
int ld_hist_begin(veu_dataset_t *ds);

/* Is a row of these days in effect on the day the dataset is read for? */
int ld_in_effect(struct loader *l, veu_span_t span);

/*
 * Adds a stake or control edge in effect on span (ld_add_own: on every
 * day), checking its percent and range: the one door every reader's stakes
 * come through.  Returns 0 or a fatal code.
 */
int ld_add_own_span(struct loader *l, long line, uint32_t owner, uint32_t owned, double pct,
                    int control, double pct_min, double pct_max, veu_span_t span);

/*
 * Designates entity idx (bit: VEU_DES_*) from source (as a person reads it)
 * on list (an id, "" for none) for the days of span: every reader's
 * designations come through here, so seed_lists is applied once.  0 or a
 * fatal code.
 */
int ld_add_designation(struct loader *l, long line, uint32_t idx, uint8_t bit, const char *source,
                       const char *list, veu_span_t span);

/* The index of entity id s, or VEU_NONE. */
uint32_t ld_find(const struct loader *l, const char *s);

/*
 * Adds a stake (pct in (0, 100], NAN when unknown) or a control edge
 * (control = 1), read at line of the current file; a percent or range out
 * of bounds is reported there and skipped.  pct_min/pct_max: the range a register published, NAN
 * when exact.  Returns 0 or a fatal code.
 */
int ld_add_own(struct loader *l, long line, uint32_t owner, uint32_t owned, double pct, int control,
               double pct_min, double pct_max);

/* Reads one CSV file with cols; fn gets every usable row. */
int ld_read_csv(struct loader *l, const char *path, const struct colspec *cols, int ncols,
                row_fn fn, void *digest);

/*
 * The same for a file whose rows name entities in columns id0 and id1 (-1:
 * none), which fn looks up or adds: rows reach fn in the same order, with
 * the same problems, but a few rows late, once the id map's slots for their
 * ids have been fetched from memory while the rows after them were parsed.
 * The fetches are hints: what fn finds is what it would have found.  At 10M
 * entities a lookup that waits for memory costs more than parsing its row.
 */
int ld_read_csv_ahead(struct loader *l, const char *path, const struct colspec *cols, int ncols,
                      row_fn fn, void *digest, int id0, int id1);

/*
 * The rows of bytes [start, end) of the file alone (veu_csv_read_range:
 * start is 0 or a cut, line the lines before it), after its header when
 * start is not 0; digest gets those bytes only.
 */
int ld_read_csv_range(struct loader *l, const char *path, const struct colspec *cols, int ncols,
                      row_fn fn, void *digest, int id0, int id1, uint64_t start, uint64_t end,
                      long line);

/* Whether header field f (len bytes) names column col: any case, blanks around ignored. */
int ld_names_column(const char *f, size_t len, const char *col);

/*
 * The separator a header uses instead of ',' when splitting it by that one
 * (';', a tab, '|') finds col; 0 when none does.
 */
char ld_other_separator(const veu_csv_row_t *row, const char *col);

/*
 * Whether a header row names every required column of cols: 1 yes; 0 no,
 * with *sep the other separator with which it would (0: none).
 */
int ld_header_has(const veu_csv_row_t *row, const struct colspec *cols, int ncols, char *sep);

/* The fatal error of a header written with separator sep: names the fix. */
int ld_separator_error(struct loader *l, long line, const char *col, char sep);

/* The value of column c in row, "" when the column is absent. */
const char *ld_field(const struct loader *l, const veu_csv_row_t *row, int c, size_t *len);

#endif
