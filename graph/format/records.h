/* SPDX-License-Identifier: MIT */
/*
 * records.h: the records the builder hands to the snapshot and the server
 * reads back, as they lie in the file: dataset rows with their days (the
 * history), the ownership and supply edges after rows for one pair were
 * added up, and the meaning of the engine's reason and verdict numbers.
 * Every room above format/ that touches a snapshot sees these, and only
 * these, of the builder's types.
 */
#ifndef VEU_FORMAT_RECORDS_H
#define VEU_FORMAT_RECORDS_H

#include <stdint.h>

#include "veu/policy.h"

#define VEU_NONE UINT32_MAX

enum {
    VEU_DES_DEFENSE = 1,
    VEU_DES_MILITARY = 2,
    VEU_DES_VEU = 4,
    /* on a history row: from a list the policy's seed_lists leaves out (no seed, said) */
    VEU_DES_UNSELECTED = 0x80,
};

/* A range bound in hundredths of a percent; VEU_NO_BOUND: the register gave none. */
#define VEU_NO_BOUND 0xFFFF

typedef struct veu_own_row {
    uint32_t owner, owned;
    double pct; /* NAN: a stake of unknown size */
    uint8_t control;
    uint8_t reserved0; /* named, so that initializers zero it: rows go into snapshots */
    /* the range a register published (BODS, FtM), kept for ranges and uncertainty */
    uint16_t min_c, max_c;
    uint16_t reserved1;
} veu_own_row_t;

_Static_assert(sizeof(veu_own_row_t) == 24, "the range fits in the row's padding");

typedef struct veu_sup_row {
    uint32_t supplier, customer;
    uint32_t product;
} veu_sup_row_t;

/*
 * A day is a count of days since 1970-01-01.  A row is in effect on the days
 * [from, until); an open end is VEU_DAY_MIN or VEU_DAY_MAX.
 */
#define VEU_DAY_MIN INT32_MIN
#define VEU_DAY_MAX INT32_MAX
typedef struct veu_span {
    int32_t from, until;
} veu_span_t;

static inline int veu_span_has(veu_span_t s, int32_t day)
{
    return s.from <= day && day < s.until;
}

/* Rows whatever their dates, as kept for answers on other days (history.c). */
typedef struct veu_hown {
    veu_own_row_t r;
    veu_span_t span;
} veu_hown_t;

typedef struct veu_hsup {
    veu_sup_row_t r;
    veu_span_t span;
} veu_hsup_t;

typedef struct veu_hdes {
    uint32_t entity, source;
    veu_span_t span;
    uint8_t bit; /* VEU_DES_* */
    uint8_t reserved[3];
} veu_hdes_t;

_Static_assert(sizeof(veu_hown_t) == 32 && sizeof(veu_hsup_t) == 20 && sizeof(veu_hdes_t) == 20,
               "history rows are written as they are");

enum {
    VEU_OE_CONTROL = 1, /* at least one control row */
    VEU_OE_KNOWN = 2,   /* at least one row with a percent: pct is their sum */
    VEU_OE_UNKNOWN = 4, /* at least one equity row without a percent */
    VEU_OE_RANGE = 8,   /* a row's range reaches above its certain stake */
};

/* One owner -> owned pair (24 bytes; written as is into snapshots). */
typedef struct veu_oedge {
    uint32_t from, to;
    double pct;     /* sum of stated percents, capped at 100; 0 when none */
    uint32_t flags; /* VEU_OE_* */
    float pct_hi;   /* the highest the rows' published ranges allow, capped at 100 */
} veu_oedge_t;

/* One supplier -> customer pair (12 bytes). */
typedef struct veu_sedge {
    uint32_t from, to;
    uint32_t product; /* pool offset of the first row's product */
} veu_sedge_t;

/* Does an edge count towards control (a control row or a stated stake)? */
static inline int veu_oedge_counts(const veu_oedge_t *e)
{
    return (e->flags & VEU_OE_CONTROL) || e->pct > 0.0;
}

/* Reason codes, in the order answers list them (SPEC section 3). */
enum {
    VEU_R_IS_SEED = 1 << 0,
    VEU_R_DEFENSE_CONTROLLED = 1 << 1,
    VEU_R_MINORITY_STAKE = 1 << 2,
    VEU_R_HOLDING = 1 << 3,
    VEU_R_SUPPLY_TIE = 1 << 4,
    VEU_R_GROUP_TIE = 1 << 5,
    VEU_R_DUAL_USE = 1 << 6,
    VEU_R_VEU = 1 << 7,
    VEU_R_POSSIBLY = 1 << 8,     /* controlled only under the highest stakes the data allows */
    VEU_R_CONTROL_ONLY = 1 << 9, /* controlled if bare control counted (it does not here) */
    VEU_R_DESIGNATED = 1 << 10,  /* designated defense or military, but no seed */
    VEU_R_COUNT = 11,
};

enum { VEU_V_STANDARD = 0, VEU_V_FAST_TRACK, VEU_V_REVIEW, VEU_V_DENY };

/* An edge index with this bit set was the first hop of a label (see ties.c). */
#define VEU_ORIGIN  0x80000000u
#define VEU_EDGE(x) ((x) & ~VEU_ORIGIN)

/* Is edge e (in graph g) a controlling edge under the policy? */
static inline int veu_oedge_controls(const veu_oedge_t *e, const veu_policy_t *p);

static inline int veu_oedge_controls(const veu_oedge_t *e, const veu_policy_t *p)
{
    return (e->flags & VEU_OE_CONTROL) ||
           ((e->flags & VEU_OE_KNOWN) && veu_policy_controls(p, e->pct));
}

#endif
