/* SPDX-License-Identifier: MIT */
/*
 * policy.h: the screening policy (SPEC section 5, [policy]): which entities
 * are seeds, the thresholds of the 50 percent rule and of minority stakes,
 * how far supply chains count, and which sectors are dual-use.
 */
#ifndef VEU_POLICY_H
#define VEU_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VEU_POLICY_MAX_LIST 64 /* countries or sectors in one list */
#define VEU_POLICY_WORD     32 /* longest country or sector word, with NUL */
#define VEU_POLICY_TOPICS   16 /* FollowTheMoney topics mapped to designations */

typedef struct veu_policy {
    char home_country[4]; /* ISO alpha-2, upper case */
    bool all_targets;     /* target_countries = * */
    int n_targets;
    char targets[VEU_POLICY_MAX_LIST][4];
    double control_threshold;  /* percent */
    bool control_inclusive;    /* >= rather than > */
    double minority_threshold; /* percent */
    int supply_depth;          /* supply edges */
    int n_dual_use;
    char dual_use[VEU_POLICY_MAX_LIST][VEU_POLICY_WORD];
    bool strict;        /* invalid rows fail the build */
    int evidence_paths; /* paths per reason in an answer */
    /* the 50 percent rule as a regime reads it (SPEC section 7) */
    bool aggregate_owners;          /* controlled owners' stakes add up */
    bool control_without_ownership; /* a control row alone makes controlled */
    char regime[8];                 /* the preset applied, "" for none */
    unsigned explicit_keys;         /* VEU_PK_* set by a key: a preset leaves them */
    /* dated rules: the 50 percent rule suspended on [from, until); ">=" from a day on */
    char suspended_from[11], suspended_until[11];
    char inclusive_from[11]; /* before this day the comparison is ">" ("" : always as set) */
    bool suspended;          /* set by veu_policy_on: the rule is suspended on that day */
    bool review_unknown;     /* unknown_stakes = review: a stake of unknown size may be 100% */
    /* seed_lists: the lists whose defense/military designations make seeds (SPEC section 10) */
    bool all_lists; /* seed_lists = * (the default) */
    int n_lists;
    char lists[VEU_POLICY_MAX_LIST][VEU_POLICY_WORD];
    /* ftm_topics: FollowTheMoney topics read as designations (topic:defense|military) */
    int n_topics;
    char topics[VEU_POLICY_TOPICS][VEU_POLICY_WORD];
    unsigned char topic_kind[VEU_POLICY_TOPICS]; /* 1 defense, 2 military (VEU_DES_*) */
    /* ftm_sanctions: the lists (FtM datasets) whose Sanction entities are designations */
    int n_sanctions;
    char sanctions[VEU_POLICY_TOPICS][VEU_POLICY_WORD];
    unsigned char sanction_kind[VEU_POLICY_TOPICS];
} veu_policy_t;

/* The keys a regime presets. */
enum {
    VEU_PK_THRESHOLD = 1,
    VEU_PK_INCLUSIVE = 2,
    VEU_PK_AGGREGATE = 4,
    VEU_PK_CONTROL = 8,
    VEU_PK_SUSPENDED = 16,
};

/* The designation (1 defense, 2 military) a FollowTheMoney topic stands for, or 0. */
int veu_policy_topic_kind(const veu_policy_t *p, const char *topic);

/*
 * The designation a FollowTheMoney Sanction of list (its dataset) under
 * program stands for, or 0: ftm_sanctions pairs name a dataset, or
 * dataset/TEXT for the sanctions of that dataset whose program contains
 * TEXT (any case), so that one list of a consolidated dataset can be
 * chosen (us_trade_csl/military end user).  The first pair that fits wins.
 */
int veu_policy_sanction_kind(const veu_policy_t *p, const char *list, const char *program);

/*
 * Whether designations from list (a `list` id, "" when the row names none)
 * make seeds: every list under seed_lists = *, else only those named.
 */
bool veu_policy_selects_list(const veu_policy_t *p, const char *list);

/* True when the policy changes with the date (a suspension window, a dated switch). */
bool veu_policy_dated(const veu_policy_t *p);

/* The policy in force on day (YYYY-MM-DD): windows and dated switches applied. */
void veu_policy_on(const veu_policy_t *p, const char *day, veu_policy_t *out);

/*
 * The defaults of SPEC section 5.  Keys: those of SPEC section 5, plus
 * regime = veu | ofac | bis | eu | uk | mofcom | aml (presets for
 * control_threshold, control_inclusive, aggregate_owners and
 * control_without_ownership; a key set explicitly wins, in any order),
 * aggregate_owners and control_without_ownership (true or false).
 */
void veu_policy_init(veu_policy_t *p);

/*
 * Sets one [policy] key from its text value.  Returns 0, -ENOENT for an
 * unknown key, or -VEU_ECONFIG for a bad value, with a sentence in err.
 */
int veu_policy_set(veu_policy_t *p, const char *key, const char *value, char *err, size_t errlen);

/* Threshold test with the SPEC's tolerance of 0.000001 percent. */
bool veu_policy_controls(const veu_policy_t *p, double percent);
bool veu_policy_is_target(const veu_policy_t *p, const char *country);
bool veu_policy_is_dual_use(const veu_policy_t *p, const char *sector);

/* A stable digest of every setting that changes an answer (hex, 16 chars + NUL). */
void veu_policy_digest(const veu_policy_t *p, char ret_hex[17]);

/*
 * The policy as KEY=VALUE settings that veu_policy_set, applied in order to
 * veu_policy_init's defaults, turns back into the same policy (the regime
 * first, then the keys set over it).  For the builders the server starts.
 * Returns the number of settings written (at most VEU_POLICY_ARGS).
 */
#define VEU_POLICY_ARGS     20
#define VEU_POLICY_ARG_SIZE (VEU_POLICY_MAX_LIST * (VEU_POLICY_WORD + 1) + 32)
int veu_policy_args(const veu_policy_t *p, char out[VEU_POLICY_ARGS][VEU_POLICY_ARG_SIZE]);

/* Writes the policy as a JSON object into buf; returns the length or -ENOSPC. */
int veu_policy_json(const veu_policy_t *p, char *buf, size_t len);

#define VEU_PERCENT_EPS 0.000001

#endif
