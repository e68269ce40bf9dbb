/* SPDX-License-Identifier: MIT */
/*
 * common.h: the registry formats as registry.c drives them (one table
 * entry each: gleif.c, bods.c, ftm.c), and what they share (common.c).
 */
#ifndef VEU_LOAD_REGISTRY_COMMON_H
#define VEU_LOAD_REGISTRY_COMMON_H

#include <jansson.h>

#include "load/registry/registry.h"

/*
 * One registry format.  A CSV format names its header, columns and a row
 * reader for each pass.  A JSON format says whether a record is its own;
 * may scan every record first (json_scan: BODS finds the statements a
 * later one supersedes) and then skip records (json_skip); reads entity
 * records in the first pass (json_entity, called with every record) and,
 * in the second, once every entity is known, the records json_later
 * names (json_relation).  A JSON file is streamed once per pass and no
 * record is kept; byte filters spare records a pass has no use for from
 * being parsed (json_later_bytes, json_first_bytes).  prepare runs before the first pass with every
 * file known (GLEIF finds records restated across files); finish after the second pass (FtM adds
 * the designations its topics hold); done at the end.
 */
typedef struct reg_format {
    int kind; /* VEU_REG_* */
    const char *name;
    int (*csv_header)(const char *first_line);
    const struct colspec *cols;
    int ncols;
    row_fn entity_row, relation_row;
    int (*json_is)(json_t *rec);
    int (*json_scan)(struct loader *l, veu_regfile_t *f, json_t *rec, long line);
    int (*json_skip)(veu_regfile_t *f, json_t *rec);
    int (*json_entity)(struct loader *l, veu_regfile_t *f, json_t *rec, long line);
    int (*json_later)(json_t *rec);
    int (*json_later_bytes)(const char *bytes, size_t len); /* 0: surely not json_later's */
    /*
     * 0 when a record's bytes are surely json_later's and no entity's: the
     * first pass leaves it unparsed, and the second reads it in full (its
     * problems, its count if it is neither).  NULL: the first pass parses all.
     */
    int (*json_first_bytes)(const char *bytes, size_t len);
    int (*json_relation)(struct loader *l, veu_regfile_t *f, json_t *rec, long line,
                         const char *day);
    int (*prepare)(struct loader *l, veu_registry_t *reg, const char *dir);
    int (*finish)(struct loader *l, veu_registry_t *reg); /* after the second pass */
    void (*done)(void);
} reg_format_t;

extern const reg_format_t reg_gleif_lei, reg_gleif_rr, reg_bods, reg_ftm;

/*
 * Writes an entity id into buf; -1 when it does not fit (a registry id is
 * never cut short: two ids cut alike would be one entity; the review's F20).
 */
int reg_id(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Counts one record of the file being read (l->file) left out by design. */
void reg_count(struct loader *l, const char *what);
/* Reports a file's counts, one warning per kind. */
int reg_report_tally(struct loader *l, const struct tally *t);

/*
 * The stake the engine uses for a published range: its lower bound, just
 * above it when the bound is excluded; NAN when nothing is known.
 */
double reg_stake_of(double lo, double hi, int lo_excl);

/*
 * Whether an interest with end date `end` (ISO 8601: a day, or a year or
 * month, taken as its last day; a time after the day is ignored) has ended
 * by `day`: 1 ended, 0 not (or no end date), -1 unreadable.  An unreadable
 * end date never ends an interest: the caller keeps it and warns (a garbage
 * "0" or "0000-00-00" must not clear a buyer).
 */
int reg_ended(const char *end, const char *day);

/*
 * The string value of key in a record's bytes, read without parsing: 1
 * with *val and *vlen when "key" occurs exactly once, followed by ':' and
 * a string without escapes; 0 when it cannot be told so (then parse).
 * Inside a JSON string a quote is escaped, so "key" can only be a key;
 * once only, so it is the top level's.
 */
int reg_bytes_value(const char *bytes, size_t len, const char *key, const char **val, size_t *vlen);

/* Whether the value reg_bytes_value read is one of words (NULL-terminated). */
int reg_value_in(const char *val, size_t vlen, const char *const *words);

/* A string member of o, "" when absent. */
const char *reg_jstr(json_t *o, const char *key);
/* The first value of a FollowTheMoney property, NULL when absent. */
const char *reg_prop(json_t *props, const char *key);

#endif
