/* SPDX-License-Identifier: MIT */
/*
 * test_dates.c: dated rows and dated rules, on published cases.  Each case
 * builds the same files for two days and gets two answers: OFAC's
 * divestment guidance (a stake sold below 50% ends the blocking from that
 * day), a delisting, a listing not yet in force, the EU's switch from "more
 * than 50%" to "50% or more" on 3 July 2024, the suspension of the BIS
 * Affiliates Rule from 10 November 2025, and dates that cannot be read.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static th_built_t B;
static char *dir;

static void build_on(const char *day, const veu_policy_t *pol)
{
    th_as_of = day;
    th_build(dir, pol, &B);
    th_as_of = NULL;
    ck_assert_msg(B.rc == 0, "%s:%ld: %s", B.err.file, B.err.line, B.err.message);
}

static void files(const char *designations, const char *ownership)
{
    dir = th_tmpdir();
    th_write(dir, "entities.csv",
             "id,name,country,sector\n"
             "X,Listed Arms Co,RU,defense\n"
             "Y,Second Arms Co,RU,defense\n"
             "A,Buyer A GmbH,DE,electronics\n"
             "B,Buyer B SpA,IT,electronics\n"
             "C,Buyer C SA,FR,electronics\n");
    th_write(dir, "designations.csv", designations);
    th_write(dir, "ownership.csv", ownership);
}

static void done(void)
{
    th_built_free(&B);
}

static void teardown(void)
{
    th_rmdir(dir);
    dir = NULL;
}

/*
 * OFAC FAQ 402 (divestment): once a blocked person's stake falls below 50%,
 * the entity is no longer blocked by operation of the rule, from that day.
 */
START_TEST(ofac_divestment)
{
    files("entity_id,designation\nX,defense\n", "owner_id,owned_id,percent,start_date,end_date\n"
                                                "X,A,60,2020-01-01,2024-05-01\n"
                                                "X,A,40,2024-05-01,\n");
    build_on("2024-04-30", NULL);
    ck_assert_str_eq(th_verdict_of(&B, "A"), "deny");
    done();
    build_on("2024-05-01", NULL);
    ck_assert_str_eq(th_verdict_of(&B, "A"), "review"); /* a 40% minority stake remains */
    ck_assert(th_reported(&B, "rows not in effect on 2024-05-01"));
    done();
    build_on("2019-12-31", NULL); /* before either row */
    ck_assert_str_eq(th_verdict_of(&B, "A"), "standard");
    done();
}
END_TEST

START_TEST(listing_and_delisting)
{
    files("entity_id,designation,listed_on,delisted_on\n"
          "X,defense,2022-03-01,2025-01-15\n",
          "owner_id,owned_id,percent\nX,A,100\n");
    build_on("2022-02-28", NULL);
    ck_assert_str_eq(th_verdict_of(&B, "X"), "standard"); /* not listed yet */
    ck_assert_str_eq(th_verdict_of(&B, "A"), "standard");
    done();
    build_on("2022-03-01", NULL);
    ck_assert_str_eq(th_verdict_of(&B, "A"), "deny");
    done();
    build_on("2025-01-15", NULL); /* delisted that day */
    ck_assert_str_eq(th_verdict_of(&B, "A"), "standard");
    done();
}
END_TEST

/* The EU's best practices: "more than 50%" until 2 July 2024, "50% or more" from 3 July. */
START_TEST(eu_switch_2024)
{
    veu_policy_t eu;
    char err[200];
    veu_policy_init(&eu);
    ck_assert_int_eq(veu_policy_set(&eu, "regime", "eu", err, sizeof(err)), 0);
    files("entity_id,designation\nX,defense\n", "owner_id,owned_id,percent\nX,A,50\n");
    build_on("2024-07-02", &eu);
    ck_assert_str_eq(th_verdict_of(&B, "A"), "review"); /* exactly 50% is not more than 50% */
    done();
    build_on("2024-07-03", &eu);
    ck_assert_str_eq(th_verdict_of(&B, "A"), "deny");
    done();
    /* an explicit control_inclusive holds on every day */
    ck_assert_int_eq(veu_policy_set(&eu, "control_inclusive", "false", err, sizeof(err)), 0);
    build_on("2024-07-03", &eu);
    ck_assert_str_eq(th_verdict_of(&B, "A"), "review");
    done();
}
END_TEST

/* The BIS Affiliates Rule (29 September 2025), suspended for a year from 10 November 2025. */
START_TEST(bis_suspension_window)
{
    veu_policy_t bis;
    char err[200];
    veu_policy_init(&bis);
    ck_assert_int_eq(veu_policy_set(&bis, "regime", "bis", err, sizeof(err)), 0);
    files("entity_id,designation\nX,defense\nY,defense\n",
          "owner_id,owned_id,percent\nX,A,30\nY,A,30\n");
    build_on("2025-10-01", &bis);
    ck_assert_str_eq(th_verdict_of(&B, "A"), "deny"); /* 30 + 30, aggregated */
    done();
    build_on("2025-11-10", &bis);
    ck_assert_str_eq(th_verdict_of(&B, "A"), "review"); /* suspended: the stakes still show */
    ck_assert_str_eq(th_verdict_of(&B, "X"), "deny");   /* the listed party itself stays listed */
    done();
    build_on("2026-11-10", &bis);
    ck_assert_str_eq(th_verdict_of(&B, "A"), "deny");
    done();
    /* a window set by hand, and one that cannot be read */
    ck_assert_int_eq(veu_policy_set(&bis, "suspended", "2025-01-01..2025-02-01", err, sizeof(err)),
                     0);
    build_on("2025-11-10", &bis);
    ck_assert_str_eq(th_verdict_of(&B, "A"), "deny");
    done();
    ck_assert_int_ne(veu_policy_set(&bis, "suspended", "2025-02-01..2025-01-01", err, sizeof(err)),
                     0);
    ck_assert_int_ne(veu_policy_set(&bis, "suspended", "soon", err, sizeof(err)), 0);
}
END_TEST

START_TEST(dates_that_cannot_be_read)
{
    files("entity_id,designation,listed_on\nX,defense,March 2022\n",
          "owner_id,owned_id,percent,start_date,end_date\n"
          "X,A,60,2024-02-30,\n"           /* no such day: warned, counted as undated */
          "Y,A,10,2024-05-01,2024-04-01\n" /* ends before it starts: skipped */
    );
    build_on("2024-06-01", NULL);
    ck_assert_str_eq(th_verdict_of(&B, "A"), "deny"); /* a typo in a date must not clear a buyer */
    ck_assert(th_reported(&B, "'2024-02-30' is not a date"));
    ck_assert(th_reported(&B, "'March 2022' is not a date"));
    ck_assert(th_reported(&B, "'2024-04-01' is not after start_date"));
    ck_assert_uint_eq(B.rep.skipped, 1);
    done();
}
END_TEST

static bool has_reason(const char *id, const char *code)
{
    json_t *r = th_risk(&B, id);
    bool v = th_has_reason(r, code);
    json_decref(r);
    return v;
}

/* A stake published as a range counts at its lower bound, and may control at its top. */
START_TEST(ranges_possibly_controlled)
{
    files("entity_id,designation\nX,defense\n",
          "owner_id,owned_id,percent,percent_min,percent_max\n"
          "X,A,,40,60\n");
    build_on("2026-01-01", NULL);
    ck_assert_str_eq(th_verdict_of(&B, "A"), "review");
    json_t *r = th_risk(&B, "A");
    ck_assert_double_eq_tol(th_metric(r, "controlled_share"), 40, 1e-9);
    ck_assert_double_eq_tol(th_metric(r, "controlled_share_max"), 60, 1e-9);
    ck_assert_double_eq_tol(th_metric(r, "defense_share"), 40, 1e-9);
    ck_assert_double_eq_tol(th_metric(r, "defense_share_max"), 60, 1e-9);
    json_t *why = th_reason(r, "possibly_defense_controlled");
    ck_assert_ptr_nonnull(why);
    json_t *path = json_array_get(json_object_get(why, "paths"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(path, 0), "from")), "X");
    ck_assert(!th_has_reason(r, "defense_controlled"));
    json_decref(r);
    done();
}
END_TEST

/*
 * UK PSC bands: "more than 25% but not more than 50%".  At ">= 50%" the top
 * of the band may control; at the UK's "more than 50%" it cannot.
 */
START_TEST(psc_band_and_regimes)
{
    veu_policy_t uk;
    char err[200];
    veu_policy_init(&uk);
    ck_assert_int_eq(veu_policy_set(&uk, "regime", "uk", err, sizeof(err)), 0);
    files("entity_id,designation\nX,defense\n",
          "owner_id,owned_id,percent,percent_min,percent_max\n"
          "X,A,25.001,25.001,50\n"
          "X,B,,50,75\n"
          "X,C,,60,40\n");
    build_on("2026-01-01", NULL);
    ck_assert(has_reason("A", "possibly_defense_controlled"));
    ck_assert_str_eq(th_verdict_of(&B, "B"), "deny"); /* 50% at the least: certain */
    ck_assert(th_reported(&B, "a range needs percent_min <= percent <= percent_max"));
    ck_assert_uint_eq(B.rep.skipped, 1);
    done();
    build_on("2026-01-01", &uk);
    ck_assert(!has_reason("A", "possibly_defense_controlled"));
    ck_assert_str_eq(th_verdict_of(&B, "A"), "review"); /* still a minority stake */
    done();
}
END_TEST

/*
 * A stake of unknown size held by a defense-controlled owner: read as
 * possibly whole, it never lets the buyer through as standard (the
 * default, unknown_stakes = review); unknown_stakes = ignore keeps SPEC
 * section 2's reading alone, where it adds nothing.
 */
START_TEST(unknown_stake_review)
{
    veu_policy_t pol;
    char err[200];
    files("entity_id,designation,source\nX,defense,list\n",
          "owner_id,owned_id,percent,kind\nX,A,,equity\n");
    build_on("2026-01-01", NULL);
    ck_assert_str_eq(th_verdict_of(&B, "A"), "review");
    ck_assert(has_reason("A", "possibly_defense_controlled"));
    done();
    veu_policy_init(&pol);
    ck_assert_int_eq(veu_policy_set(&pol, "unknown_stakes", "ignore", err, sizeof(err)), 0);
    build_on("2026-01-01", &pol);
    ck_assert_str_eq(th_verdict_of(&B, "A"), "standard");
    done();
    ck_assert_int_ne(veu_policy_set(&pol, "unknown_stakes", "maybe", err, sizeof(err)), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dates");
    TCase *t = tcase_create("dates");
    tcase_add_checked_fixture(t, NULL, teardown);
    tcase_add_test(t, ofac_divestment);
    tcase_add_test(t, listing_and_delisting);
    tcase_add_test(t, eu_switch_2024);
    tcase_add_test(t, bis_suspension_window);
    tcase_add_test(t, dates_that_cannot_be_read);
    tcase_add_test(t, ranges_possibly_controlled);
    tcase_add_test(t, psc_band_and_regimes);
    tcase_add_test(t, unknown_stake_review);
    suite_add_tcase(s, t);
    return th_run(s);
}
