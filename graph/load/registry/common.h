/* SPDX-License-Identifier: MIT */
/*
 * registry_int.h: what registry.c (finding files, the two passes) shares
 * with the format readers reg_gleif.c, reg_bods.c and reg_ftm.c.
 */
#ifndef VEU_GRAPH_REGISTRY_INT_H
#define VEU_GRAPH_REGISTRY_INT_H

#include <jansson.h>

#include "load/registry/registry.h"

/* Kinds of records left out by design, counted per file and reported once each. */
struct tally {
    const char *what[16];
    unsigned long n[16];
    int used;
};
extern struct tally reg_tally; /* of the file being read */
void reg_count(struct tally *t, const char *what);

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

/* A string member of o, "" when absent. */
const char *reg_jstr(json_t *o, const char *key);
/* The first value of a FollowTheMoney property, NULL when absent. */
const char *reg_prop(json_t *props, const char *key);

/* GLEIF */
extern const struct colspec reg_lei_cols[], reg_rr_cols[];
extern const int reg_lei_ncols, reg_rr_ncols;
int reg_lei_row(struct loader *l, const veu_csv_row_t *row);
int reg_rr_row(struct loader *l, const veu_csv_row_t *row);
/*
 * Before GLEIF files are read: where there is more than one of a kind, finds
 * per record the latest statement (Registration.LastUpdateDate) across them.
 * paths and kinds: every registry file, in reading order.  0 or fatal code.
 */
int reg_gleif_scan(struct loader *l, const char *const *paths, const int *kinds, int n);
/* The file (its index in the scan) being read now. */
void reg_gleif_reading(int file);
void reg_gleif_done(void);

/* BODS */
int reg_bods_v04(json_t *rec);
int reg_bods_entity(struct loader *l, veu_regfile_t *f, json_t *rec, long line);
int reg_bods_relationship(struct loader *l, veu_regfile_t *f, json_t *rec, long line,
                          const char *day, struct tally *t);
json_t *reg_bods_superseded(json_t *recs);

/* FollowTheMoney */
int reg_ftm_is_entity(const char *schema);
int reg_ftm_entity(struct loader *l, veu_regfile_t *f, json_t *rec, long line);
int reg_ftm_ownership(struct loader *l, veu_regfile_t *f, json_t *rec, long line, const char *day,
                      struct tally *t);

#endif
