/* SPDX-License-Identifier: MIT */
/*
 * helpers.h: what the unit suites share: temporary dataset directories
 * written from strings, building them, and reading answers back as JSON.
 */
#ifndef VEU_TESTS_HELPERS_H
#define VEU_TESTS_HELPERS_H

#include <check.h>
#include <jansson.h>
#include <stdbool.h>

#include "veu/build.h"
#include "veu/snapshot.h"

/* A fresh temporary directory (removed by th_rmdir). */
char *th_tmpdir(void);
void th_rmdir(char *dir);

/* Writes dir/name with the given contents. */
void th_write(const char *dir, const char *name, const char *contents);

/* A built dataset: the snapshot opened, with the report and counts. */
typedef struct th_built {
    int rc;
    veu_report_t rep;
    veu_counts_t counts;
    veu_diag_t err;
    char snap_path[4200];
    veu_snapshot_t *snap;
} th_built_t;

/* The day th_build reads dated rows for (NULL: today). */
extern const char *th_as_of;

/* Builds dir under the policy (NULL: defaults); opens the snapshot on success. */
void th_build(const char *dir, const veu_policy_t *pol, th_built_t *ret);
void th_built_free(th_built_t *b);

/* True when a problem the build kept has text in its message. */
bool th_reported(const th_built_t *b, const char *text);

/* The risk answer for id, parsed (new reference), or NULL when unknown. */
json_t *th_risk(const th_built_t *b, const char *id);

/* The verdict of id in b (the entity must exist); a static buffer. */
const char *th_verdict_of(const th_built_t *b, const char *id);

/* Shortcuts on a risk answer. */
const char *th_verdict(json_t *risk);
double th_metric(json_t *risk, const char *name);
bool th_has_reason(json_t *risk, const char *code);
json_t *th_reason(json_t *risk, const char *code); /* borrowed */

/*
 * One-call dataset: entities "id:country:sector:flags" lines, flags a
 * string of d (defense), m (military), v (validated end user); ownership
 * rows "owner,owned,percent,kind" and supply rows "supplier,customer".
 * Returns the temporary directory.
 */
char *th_dataset(const char *entities, const char *ownership, const char *supply);

/* Runs a suite; the exit status for main(). */
int th_run(Suite *s);

#endif
