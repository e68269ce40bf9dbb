/* SPDX-License-Identifier: MIT */
/*
 * test_registry.c: registry exports as published (tests/data: real GLEIF
 * golden-copy records, real UK PSC statements in BODS 0.2, BODS 0.4 worked
 * examples, a FollowTheMoney fixture of ours), built into snapshots and
 * read back: entities, stakes and control edges, what is reported, and the
 * verdicts once a defense designation is added beside them.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "load/dataset.h"
#include "helpers.h"
#include "load/registry/registry.h"

static char *dir;
static th_built_t B;

/* A fresh directory holding the files of tests/data/SUB and, if given, a designations.csv. */
static void build_from(const char *sub, const char *designations)
{
    char cmd[1200];
    dir = th_tmpdir();
    snprintf(cmd, sizeof(cmd), "cp %s/%s/* %s/", TEST_DATA_DIR, sub, dir);
    ck_assert_int_eq(system(cmd), 0);
    if (designations) {
        th_write(dir, "designations.csv", designations);
    }
    th_build(dir, NULL, &B);
    ck_assert_msg(B.rc == 0, "%s:%ld: %s", B.err.file, B.err.line, B.err.message);
}

static void teardown(void)
{
    th_built_free(&B);
    th_rmdir(dir);
    dir = NULL;
}

static json_t *owners(const char *id)
{
    veu_jbuf_t jb;
    uint32_t v = veu_snapshot_find(B.snap, id, strlen(id));
    ck_assert_msg(v != VEU_SNAP_NONE, "no entity %s", id);
    veu_jbuf_init(&jb);
    veu_snapshot_owners(B.snap, v, &jb);
    json_t *j = json_loads(jb.buf, 0, NULL);
    veu_jbuf_destroy(&jb);
    ck_assert_ptr_nonnull(j);
    return j;
}

/* The direct owner row of id held by owner: its percent (NAN: none) and kind. */
static int direct(const char *id, const char *owner, const char *kind, double *pct)
{
    json_t *o = owners(id), *it;
    size_t i;
    int found = 0;
    json_array_foreach(json_object_get(o, "direct"), i, it)
    {
        if (!strcmp(json_string_value(json_object_get(it, "id")), owner) &&
            !strcmp(json_string_value(json_object_get(it, "kind")), kind)) {
            json_t *p = json_object_get(it, "percent");
            *pct = json_is_number(p) ? json_number_value(p) : NAN;
            found = 1;
        }
    }
    json_decref(o);
    return found;
}

START_TEST(gleif_consolidation_is_control)
{
    /* MONOOVA FX -> MONOOVA GLOBAL PAYMENTS -> MONEYTECH GROUP, direct and ultimate */
    build_from("gleif", "entity_id,designation,source\n"
                        "LEI:984500501A1B1045PB30,defense,test designation\n");
    ck_assert_uint_eq(B.counts.entities, 12);
    double p;
    /* MONOOVA FX's direct parent, and its ultimate parent as a second control edge */
    ck_assert(direct("LEI:98450051BS9C610A8T78", "LEI:2138002YAB7Z9KO21397", "control", &p));
    ck_assert(isnan(p));
    ck_assert(direct("LEI:98450051BS9C610A8T78", "LEI:984500501A1B1045PB30", "control", &p));
    /* fund management is not imported, and says so */
    ck_assert(th_reported(&B, "fund-management relationships not imported"));
    json_t *o = owners("LEI:097900BEJX0000002337"); /* a pension fund: no owner from its manager */
    ck_assert_uint_eq(json_array_size(json_object_get(o, "direct")), 0);
    json_decref(o);
    /* the designated group's consolidated subsidiaries are defense-controlled */
    ck_assert_str_eq(th_verdict_of(&B, "LEI:98450051BS9C610A8T78"), "deny");
    ck_assert_str_eq(th_verdict_of(&B, "LEI:2138002YAB7Z9KO21397"), "deny");
    ck_assert_str_ne(th_verdict_of(&B, "LEI:549300JB1P61FUTPEZ75"), "deny"); /* another group */
}
END_TEST

/*
 * A golden copy and a delta dropped in together: the later
 * Registration.LastUpdateDate wins for an LEI record and for a relationship,
 * whatever the files' names (the delta sorts first here) (SPEC section 8).
 */
#define LEI_HEAD                                                                                   \
    "LEI,Entity.LegalName,Entity.LegalAddress.Country,Registration.RegistrationStatus,"            \
    "Registration.LastUpdateDate\n"
#define RR_HEAD                                                                                    \
    "Relationship.StartNode.NodeID,Relationship.StartNode.NodeIDType,"                             \
    "Relationship.EndNode.NodeID,Relationship.EndNode.NodeIDType,"                                 \
    "Relationship.RelationshipType,Relationship.RelationshipStatus,"                               \
    "Registration.RegistrationStatus,Registration.LastUpdateDate\n"
START_TEST(gleif_delta_supersedes_by_date)
{
    dir = th_tmpdir();
    th_write(dir, "b-golden-lei.csv",
             /* times as the golden copy writes them, with milliseconds: a date longer than
                an LEI once hid the LEI's length from the comparison */
             LEI_HEAD "5493001KJTIIGC8Y1R12,Old Name AG,DE,ISSUED,2023-01-01T08:00:00.000Z\n"
                      "529900T8BM49AURSDO55,Parent SE,FR,ISSUED,2023-01-01T08:00:00.000Z\n"
                      "HWUPKR0MPOU8FGXBT394,Other Parent SE,FR,ISSUED,2023-01-01T08:00:00.000Z\n");
    th_write(dir, "a-delta-lei.csv",
             LEI_HEAD "5493001KJTIIGC8Y1R12,New Name AG,DE,ISSUED,2024-06-01T10:00:00+02:00\n"
                      "529900T8BM49AURSDO55,Stale Parent SE,FR,ISSUED,2022-12-31T23:59:59Z\n");
    th_write(dir, "b-golden-rr.csv",
             RR_HEAD "5493001KJTIIGC8Y1R12,LEI,529900T8BM49AURSDO55,LEI,"
                     "IS_DIRECTLY_CONSOLIDATED_BY,ACTIVE,ISSUED,2023-01-01T08:00:00Z\n"
                     "5493001KJTIIGC8Y1R12,LEI,HWUPKR0MPOU8FGXBT394,LEI,"
                     "IS_ULTIMATELY_CONSOLIDATED_BY,INACTIVE,ISSUED,2023-01-01T08:00:00Z\n");
    th_write(dir, "a-delta-rr.csv",
             RR_HEAD "5493001KJTIIGC8Y1R12,LEI,529900T8BM49AURSDO55,LEI,"
                     "IS_DIRECTLY_CONSOLIDATED_BY,INACTIVE,ISSUED,2024-06-01T08:00:00Z\n"
                     "5493001KJTIIGC8Y1R12,LEI,HWUPKR0MPOU8FGXBT394,LEI,"
                     "IS_ULTIMATELY_CONSOLIDATED_BY,ACTIVE,ISSUED,2024-06-01T08:00:00Z\n");
    th_build(dir, NULL, &B);
    ck_assert_msg(B.rc == 0, "%s", B.err.message);
    uint32_t v = veu_snapshot_find(B.snap, "LEI:5493001KJTIIGC8Y1R12", 24);
    ck_assert_str_eq(veu_snapshot_name(B.snap, v), "New Name AG");
    v = veu_snapshot_find(B.snap, "LEI:529900T8BM49AURSDO55", 24);
    ck_assert_str_eq(veu_snapshot_name(B.snap, v), "Parent SE"); /* the delta's is older */
    /* the consolidation ended in the delta; the other began there */
    json_t *o = owners("LEI:5493001KJTIIGC8Y1R12");
    json_t *d = json_object_get(o, "direct");
    ck_assert_uint_eq(json_array_size(d), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(d, 0), "id")),
                     "LEI:HWUPKR0MPOU8FGXBT394");
    json_decref(o);
    ck_assert(th_reported(&B, "later Registration.LastUpdateDate"));
}
END_TEST

/*
 * An end date that is no date keeps its interest, with a warning: "0" or
 * "0000-00-00" once dropped a stake as ended (the review's F9); a real past
 * end date, a year or a month included, still ends it.
 */
START_TEST(garbage_end_date_keeps_the_stake)
{
    dir = th_tmpdir();
    th_write(dir, "ftm.jsonl",
             "{\"id\":\"s\",\"schema\":\"Company\",\"properties\":{\"name\":[\"Seed Arms\"],"
             "\"country\":[\"us\"]}}\n"
             "{\"id\":\"a\",\"schema\":\"Company\",\"properties\":{\"name\":[\"Alpha\"]}}\n"
             "{\"id\":\"b\",\"schema\":\"Company\",\"properties\":{\"name\":[\"Beta\"]}}\n"
             "{\"id\":\"c\",\"schema\":\"Company\",\"properties\":{\"name\":[\"Gamma\"]}}\n"
             "{\"id\":\"d\",\"schema\":\"Company\",\"properties\":{\"name\":[\"Delta\"]}}\n"
             "{\"id\":\"o1\",\"schema\":\"Ownership\",\"properties\":{\"owner\":[\"s\"],"
             "\"asset\":[\"a\"],\"percentage\":[\"60\"],\"endDate\":[\"0\"]}}\n"
             "{\"id\":\"o2\",\"schema\":\"Ownership\",\"properties\":{\"owner\":[\"s\"],"
             "\"asset\":[\"b\"],\"percentage\":[\"60\"],\"endDate\":[\"0000-00-00\"]}}\n"
             "{\"id\":\"o3\",\"schema\":\"Ownership\",\"properties\":{\"owner\":[\"s\"],"
             "\"asset\":[\"c\"],\"percentage\":[\"60\"],\"endDate\":[\"2001\"]}}\n"
             "{\"id\":\"o4\",\"schema\":\"Ownership\",\"properties\":{\"owner\":[\"s\"],"
             "\"asset\":[\"d\"],\"percentage\":[\"60\"],\"endDate\":[\"2999-01\"]}}\n");
    th_write(dir, "designations.csv", "entity_id,designation\ns,defense\n");
    th_build(dir, NULL, &B);
    ck_assert_msg(B.rc == 0, "%s", B.err.message);
    ck_assert_str_eq(th_verdict_of(&B, "a"), "deny");
    ck_assert_str_eq(th_verdict_of(&B, "b"), "deny");
    ck_assert_str_eq(th_verdict_of(&B, "c"), "standard"); /* ended in 2001 */
    ck_assert_str_eq(th_verdict_of(&B, "d"), "deny");     /* ends in 2999 */
    ck_assert(th_reported(&B, "endDate '0' is not a date"));
    ck_assert(th_reported(&B, "endDate '0000-00-00' is not a date"));
}
END_TEST

/*
 * A BODS share of exactly 0, or a range of 0..0, is no stake: skipped and
 * reported, and the snapshot passes the server's checks.  It once passed
 * the loader and made every snapshot one the server refused (F2).  The
 * fixture is ours (tests/data/bods-zero), in BODS 0.4's shape.
 */
START_TEST(zero_share_is_skipped)
{
    build_from("bods-zero", "entity_id,designation\nzs-seed,defense\n");
    ck_assert_ptr_nonnull(B.snap); /* the server's checks pass */
    ck_assert_uint_eq(B.rep.skipped, 2);
    ck_assert(th_reported(&B, "is not a percent in (0, 100]"));
}
END_TEST

/* A registry id too long for veud is refused, never cut short into another's (F20). */
START_TEST(long_ids_not_cut)
{
    char rec[4096], longid[700];
    memset(longid, 'x', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    dir = th_tmpdir();
    snprintf(rec, sizeof(rec),
             "{\"id\":\"%s1\",\"schema\":\"Company\",\"properties\":{\"name\":[\"One\"]}}\n"
             "{\"id\":\"%s2\",\"schema\":\"Company\",\"properties\":{\"name\":[\"Two\"]}}\n"
             "{\"id\":\"short\",\"schema\":\"Company\",\"properties\":{\"name\":[\"Three\"]}}\n",
             longid, longid);
    th_write(dir, "ftm.jsonl", rec);
    th_build(dir, NULL, &B);
    ck_assert_msg(B.rc == 0, "%s", B.err.message);
    ck_assert_uint_eq(B.counts.entities, 1); /* not one entity made of two ids cut alike */
    ck_assert(th_reported(&B, "too long: not read"));
}
END_TEST

/*
 * FollowTheMoney topics as designations (SPEC section 10): "mil" is military
 * by default, its list the dataset that names the entity; a name in Chinese
 * finds the company; seed_lists chooses among datasets.
 */
START_TEST(ftm_topics_designate)
{
    veu_policy_t pol;
    char err[256];
    veu_policy_init(&pol);
    ck_assert_int_eq(veu_policy_set(&pol, "home_country", "US", err, sizeof(err)), 0);
    char cmd[1200];
    dir = th_tmpdir();
    snprintf(cmd, sizeof(cmd), "cp %s/ftm-topics/*.jsonl %s/", TEST_DATA_DIR, dir);
    ck_assert_int_eq(system(cmd), 0);
    th_build(dir, &pol, &B);
    ck_assert_msg(B.rc == 0, "%s", B.err.message);
    json_t *r = th_risk(&B, "t-avic");
    ck_assert(th_has_reason(r, "is_seed"));
    const char *det = json_string_value(json_object_get(th_reason(r, "is_seed"), "detail"));
    ck_assert_msg(strstr(det, "military") && strstr(det, "[us_dod_chinese_milcorps]"), "%s", det);
    json_decref(r);
    ck_assert_str_eq(th_verdict_of(&B, "t-sub"), "deny");
    ck_assert_str_eq(th_verdict_of(&B, "t-bank"), "standard"); /* "sanction" maps to nothing */
    veu_name_match_t m;
    const char *zh = "中国航空工业集团有限公司";
    ck_assert_int_eq(veu_snapshot_resolve_name(B.snap, zh, strlen(zh), NULL, 0.9, &m),
                     VEU_NAME_FOUND);
    ck_assert_str_eq(veu_snapshot_id(B.snap, m.idx), "t-avic");
    th_built_free(&B);
    /* a policy choosing other lists: said, no seed */
    ck_assert_int_eq(veu_policy_set(&pol, "seed_lists", "us_ofac_sdn", err, sizeof(err)), 0);
    th_build(dir, &pol, &B);
    ck_assert_str_eq(th_verdict_of(&B, "t-sub"), "standard");
    r = th_risk(&B, "t-avic");
    ck_assert(th_has_reason(r, "designated_not_seed"));
    json_decref(r);
    th_built_free(&B);
    /* no topic mapped: nothing designated */
    veu_policy_init(&pol);
    ck_assert_int_eq(veu_policy_set(&pol, "home_country", "US", err, sizeof(err)), 0);
    ck_assert_int_eq(veu_policy_set(&pol, "ftm_topics", "none", err, sizeof(err)), 0);
    th_build(dir, &pol, &B);
    ck_assert_str_eq(th_verdict_of(&B, "t-avic"), "standard");
}
END_TEST

/* The ftm-sanctions fixture built for day (NULL: today) under extra policy keys. */
static void build_sanctions(const char *day, const char *const *keys)
{
    veu_policy_t pol;
    char err[256], cmd[1200];
    veu_policy_init(&pol);
    ck_assert_int_eq(veu_policy_set(&pol, "home_country", "US", err, sizeof(err)), 0);
    for (int i = 0; keys && keys[i]; i += 2) {
        ck_assert_msg(veu_policy_set(&pol, keys[i], keys[i + 1], err, sizeof(err)) == 0, "%s", err);
    }
    if (!dir) {
        dir = th_tmpdir();
        snprintf(cmd, sizeof(cmd), "cp %s/ftm-sanctions/*.json %s/", TEST_DATA_DIR, dir);
        ck_assert_int_eq(system(cmd), 0);
    }
    th_built_free(&B);
    th_as_of = day;
    th_build(dir, &pol, &B);
    th_as_of = NULL;
    ck_assert_msg(B.rc == 0, "%s:%ld: %s", B.err.file, B.err.line, B.err.message);
}

static const char *seed_detail(const char *id)
{
    static char buf[512];
    json_t *r = th_risk(&B, id);
    json_t *why = th_reason(r, "is_seed");
    snprintf(buf, sizeof(buf), "%s",
             why ? json_string_value(json_object_get(why, "detail")) : "(no is_seed)");
    json_decref(r);
    return buf;
}

/* FtM Sanction entities: dated designations of their dataset, kinds by ftm_sanctions or topics. */
START_TEST(ftm_sanctions_dated)
{
    build_sanctions("2026-12-01", NULL);
    const char *d = seed_detail("s-avic");
    ck_assert_msg(strstr(d, "US Department of Defense: Section 1260H [us_dod_chinese_milcorps]"),
                  "%s", d);
    ck_assert_str_eq(th_verdict_of(&B, "s-avic-sub"), "deny");
    /* delisted on 2025-01-07: no seed now, a seed the year before */
    ck_assert_str_eq(th_verdict_of(&B, "s-crcc"), "standard");
    ck_assert_str_eq(th_verdict_of(&B, "s-crcc-sub"), "standard");
    /* listed from January 2090: not yet */
    ck_assert_str_eq(th_verdict_of(&B, "s-future"), "standard");
    /* Rostec: an OFAC sanction, military by the entity's own topic, dated by the sanction */
    d = seed_detail("s-rostec");
    ck_assert_msg(strstr(d, "Office of Foreign Assets Control: RUSSIA-EO14024 [us_ofac_sdn]"), "%s",
                  d);
    ck_assert_msg(!strstr(d, "topic"), "the undated topic stays beside the sanction: %s", d);
    /* a sanction of an unmapped list without a military topic is no defense tie: counted */
    ck_assert_str_eq(th_verdict_of(&B, "s-bank"), "standard");
    ck_assert(th_reported(&B, "4 Sanctions of lists that ftm_sanctions does not map"));
    ck_assert(th_reported(&B, "records of other schemas"));

    build_sanctions("2024-06-01", NULL);
    ck_assert_str_eq(th_verdict_of(&B, "s-crcc-sub"), "deny");
    d = seed_detail("s-crcc");
    ck_assert_msg(strstr(d, "[us_dod_chinese_milcorps]"), "%s", d);

    build_sanctions("2022-01-01", NULL); /* before Rostec's listing */
    ck_assert_str_eq(th_verdict_of(&B, "s-rostec"), "standard");
    ck_assert_str_eq(th_verdict_of(&B, "s-avic"), "deny");

    build_sanctions("2090-02-01", NULL); /* "2090-01": from its first day */
    ck_assert_str_eq(th_verdict_of(&B, "s-future"), "deny");
}
END_TEST

/* Names in other scripts, from name, alias, previousName and weakAlias, find their company. */
START_TEST(ftm_names_in_other_scripts)
{
    static const struct {
        const char *name, *id;
    } cases[] = {
        {"中国航空工业集团有限公司", "s-avic"},
        {"中国铁建股份有限公司", "s-crcc"},
        {"Государственная корпорация «Ростех»", "s-rostec"},
        {"Rostekhnologii", "s-rostec"},
        {"AVIC", "s-avic"},
    };
    build_sanctions(NULL, NULL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        veu_name_match_t m;
        int rc =
            veu_snapshot_resolve_name(B.snap, cases[i].name, strlen(cases[i].name), NULL, 0.9, &m);
        ck_assert_msg(rc == VEU_NAME_FOUND, "%s: %d", cases[i].name, rc);
        ck_assert_str_eq(veu_snapshot_id(B.snap, m.idx), cases[i].id);
    }
}
END_TEST

/* seed_lists chooses among the lists, under two regimes. */
START_TEST(ftm_seed_lists_two_regimes)
{
    const char *ofac[] = {"regime", "ofac", "seed_lists", "us_ofac_sdn", NULL};
    build_sanctions("2026-12-01", ofac);
    ck_assert_str_eq(th_verdict_of(&B, "s-rostec"), "deny");
    ck_assert_str_eq(th_verdict_of(&B, "s-avic-sub"), "standard");
    json_t *r = th_risk(&B, "s-avic");
    ck_assert(th_has_reason(r, "designated_not_seed"));
    json_decref(r);

    const char *bis[] = {"regime", "bis", "seed_lists", "us_dod_chinese_milcorps", NULL};
    build_sanctions("2026-12-01", bis);
    ck_assert_str_eq(th_verdict_of(&B, "s-avic"), "deny");
    ck_assert_str_eq(th_verdict_of(&B, "s-rostec"), "standard");
    r = th_risk(&B, "s-rostec");
    ck_assert(th_has_reason(r, "designated_not_seed"));
    json_decref(r);

    /* neither mapping: nothing is designated, and it is said */
    const char *none[] = {"ftm_sanctions", "none", "ftm_topics", "none", NULL};
    build_sanctions("2026-12-01", none);
    ck_assert_str_eq(th_verdict_of(&B, "s-avic"), "standard");
    ck_assert(th_reported(&B, "8 Sanctions of lists that ftm_sanctions does not map"));
    /* the mapping alone, with no topic: AVIC's sanction still designates */
    const char *map_only[] = {"ftm_topics", "none", NULL};
    build_sanctions("2026-12-01", map_only);
    ck_assert_str_eq(th_verdict_of(&B, "s-avic"), "deny");
    ck_assert_str_eq(th_verdict_of(&B, "s-rostec"), "standard");
    /* one list of a consolidated dataset, by its program: the MEU list, not the Entity List */
    const char *meu[] = {"ftm_sanctions", "us_trade_csl/Military End User:military", NULL};
    build_sanctions("2026-12-01", meu);
    ck_assert_str_eq(th_verdict_of(&B, "s-meu"), "deny");
    ck_assert_str_eq(th_verdict_of(&B, "s-el"), "standard");
    ck_assert_msg(strstr(seed_detail("s-meu"), "Military End User (MEU) List"), "%s",
                  seed_detail("s-meu"));
    const char *csl[] = {"ftm_sanctions", "us_trade_csl:defense", NULL};
    build_sanctions("2026-12-01", csl);
    ck_assert_str_eq(th_verdict_of(&B, "s-el"), "deny");
    /* the other side: mofcom, China at home, China's Unreliable Entity List deciding */
    ck_assert_str_eq(th_verdict_of(&B, "s-lmt-sub"), "standard"); /* home US: no seed */
    const char *mofcom[] = {
        "regime",     "mofcom",       "home_country",  "CN",
        "seed_lists", "cn_sanctions", "ftm_sanctions", "cn_sanctions/unreliable entity:defense",
        NULL};
    build_sanctions("2026-12-01", mofcom);
    ck_assert_str_eq(th_verdict_of(&B, "s-lmt-sub"), "deny");
    ck_assert_msg(
        strstr(seed_detail("s-lmt"), "Ministry of Commerce: Unreliable Entity List [cn_sanctions]"),
        "%s", seed_detail("s-lmt"));
    ck_assert_str_eq(th_verdict_of(&B, "s-avic-sub"), "standard"); /* a home listing: none */
    build_sanctions("2023-01-01", mofcom);                         /* before the listing */
    ck_assert_str_eq(th_verdict_of(&B, "s-lmt-sub"), "standard");
}
END_TEST

/*
 * JSON exports streamed: a bad element of an array, or a bad line, is one
 * record skipped and reported; an array whose own syntax breaks, or that
 * was cut short, fails the build naming the line.
 */
START_TEST(json_array_in_pieces)
{
    static const char ok[] =
        "[\n"
        "{\"id\":\"a\",\"schema\":\"Company\",\"properties\":{\"name\":[\"Alpha ]} Co\"]}},\n"
        "{\"id\":\"b\",\"schema\":\"Company\",\"properties\":{\"name\":[\"Beta \\\"Co\\\"\"]}},\n"
        "{\"id\":\"x\",\"schema\":\"Company\",\"properties\":{\"name\":[\"X\"],}},\n"
        "7,\n"
        "{\"id\":\"o\",\"schema\":\"Ownership\",\"properties\":{\"owner\":[\"a\"],"
        "\"asset\":[\"b\"],\"percentage\":[\"60\"]}}\n"
        "]\n";
    double pct;
    dir = th_tmpdir();
    th_write(dir, "export.json", ok);
    th_build(dir, NULL, &B);
    ck_assert_msg(B.rc == 0, "%s:%ld: %s", B.err.file, B.err.line, B.err.message);
    ck_assert(direct("b", "a", "equity", &pct) && pct == 60);
    ck_assert_uint_eq(veu_snapshot_find(B.snap, "x", 1), VEU_SNAP_NONE);
    ck_assert(th_reported(&B, "not a JSON object")); /* element 3, a bad object */
    ck_assert(th_reported(&B, "near '7'"));          /* element 4, a number */
    ck_assert_int_eq(B.rep.skipped, 2);
    th_built_free(&B);

    static const struct {
        const char *text, *what;
        long line;
    } bad[] = {
        {"[\n{\"id\":\"a\",\"schema\":\"Company\",\"properties\":{\"name\":[\"A\"]}}\n"
         "{\"id\":\"b\",\"schema\":\"Company\",\"properties\":{\"name\":[\"B\"]}}]\n",
         "followed by neither", 3},
        {"[\n{\"id\":\"a\",\"schema\":\"Company\",\"properties\":{\"name\":[\"A\"]}},\n"
         "{\"id\":\"b\",\"schema\":\"Comp",
         "cut short", 3},
        {"[{\"id\":\"a\",\"schema\":\"Company\",\"properties\":{\"name\":[\"A\"]}},\n]",
         "before the ']'", 2},
        {"[{\"id\":\"a\",\"schema\":\"Company\",\"properties\":{\"name\":[\"A\"]}}]\n\n{}",
         "after the array's end", 3},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        th_write(dir, "export.json", bad[i].text);
        th_build(dir, NULL, &B);
        ck_assert_msg(B.rc < 0, "case %zu built", i);
        ck_assert_msg(strstr(B.err.message, bad[i].what) && strstr(B.err.file, "export.json"),
                      "case %zu: %s: %s", i, B.err.file, B.err.message);
        ck_assert_msg(B.err.line == bad[i].line, "case %zu: line %ld", i, B.err.line);
        th_built_free(&B);
    }
}
END_TEST

/*
 * A JSON-lines export is read a record at a time: an 80 MB file of FtM
 * records builds with its data segment limited to 48 MiB (a reader that
 * read the file whole failed here).  Not under the sanitizers, whose
 * shadow memory counts as data.
 */
START_TEST(json_lines_bounded_memory)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return;
#endif
    char path[4200];
    dir = th_tmpdir();
    snprintf(path, sizeof(path), "%s/export.jsonl", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    char pad[901];
    memset(pad, 'x', 900);
    pad[900] = '\0';
    fprintf(f, "{\"id\":\"a\",\"schema\":\"Company\",\"properties\":{\"name\":[\"Alpha\"]}}\n");
    for (int i = 0; i < 85000; i++) {
        fprintf(f, "{\"id\":\"ad%d\",\"schema\":\"Address\",\"properties\":{\"full\":[\"%s\"]}}\n",
                i, pad);
    }
    fprintf(f, "{\"id\":\"b\",\"schema\":\"Company\",\"properties\":{\"name\":[\"Beta\"]}}\n"
               "{\"id\":\"o\",\"schema\":\"Ownership\",\"properties\":{\"owner\":[\"a\"],"
               "\"asset\":[\"b\"],\"percentage\":[\"60\"]}}\n");
    ck_assert_int_eq(fclose(f), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rlimit lim = {48u << 20, 48u << 20};
        if (setrlimit(RLIMIT_DATA, &lim) < 0) {
            _exit(2);
        }
        th_build(dir, NULL, &B);
        double pct = 0;
        _exit(B.rc == 0 && direct("b", "a", "equity", &pct) && pct == 60 ? 0 : 1);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the build under 48 MiB failed (%d)", st);
}
END_TEST

/*
 * Records the first pass leaves unparsed (surely links: they name a link
 * schema and no entity schema) are read in full by the second: a bad one
 * is reported once, one that is no link after all is counted or reported
 * as the first pass would have, and links are read.
 */
START_TEST(links_parsed_once_said_once)
{
    dir = th_tmpdir();
    th_write(
        dir, "export.jsonl",
        "{\"id\":\"a\",\"schema\":\"Company\",\"properties\":{\"name\":[\"Alpha\"]}}\n"
        "{\"id\":\"b\",\"schema\":\"Company\",\"properties\":{\"name\":[\"Beta\"]}}\n"
        "{\"id\":\"o1\",\"schema\":\"Ownership\",\"properties\":{\"owner\":[\"a\"],"
        "\"asset\":[\"b\"],\"percentage\":[\"60\"]}}\n"
        "{\"id\":\"o2\",\"schema\":\"Ownership\",\"properties\":{\"owner\":[\"a\"],}\n"
        "{\"id\":\"ad\",\"schema\":\"Address\",\"properties\":{\"full\":[\"1 Control Road\"]}}\n"
        "{\"id\":\"x\",\"schema\":\"Ownership\"}\n");
    th_build(dir, NULL, &B);
    ck_assert_msg(B.rc == 0, "%s", B.err.message);
    double pct;
    ck_assert(direct("b", "a", "equity", &pct) && pct == 60);
    ck_assert_int_eq(B.rep.skipped, 2); /* line 4 (bad JSON), line 6 (no properties) */
    int bad4 = 0, bad6 = 0;
    for (int i = 0; i < B.rep.n_kept; i++) {
        bad4 += B.rep.kept[i].line == 4 && strstr(B.rep.kept[i].message, "not a JSON object");
        bad6 += B.rep.kept[i].line == 6 && strstr(B.rep.kept[i].message, "not a FollowTheMoney");
    }
    ck_assert_int_eq(bad4, 1);
    ck_assert_int_eq(bad6, 1);
    ck_assert(th_reported(&B, "records of other schemas")); /* the address, counted */
}
END_TEST

START_TEST(bods_02_psc_ranges)
{
    build_from("bods", NULL);
    double p;
    /* AIMIA INC. holds 75-100% of AIMIA HOLDINGS UK LIMITED: the lower bound counts */
    ck_assert(
        direct("GB-COH:06436883", "bods:openownership-register-4464213138928640503", "equity", &p));
    ck_assert_double_eq_tol(p, 75, 1e-9);
    /* an unknown person behind a statement is reported, and no edge is made */
    ck_assert(th_reported(&B, "is not disclosed (unknown)"));
    /* 0.4: more than 25% up to (not including) 50%: just over the lower bound */
    ck_assert(B.rep.skipped == 0);
}
END_TEST

START_TEST(bods_designated_parent_controls)
{
    build_from("bods", "entity_id,designation,source\n"
                       "bods:openownership-register-4464213138928640503,defense,test\n");
    ck_assert_str_eq(th_verdict_of(&B, "GB-COH:06436883"), "deny");
    ck_assert_str_eq(th_verdict_of(&B, "GB-COH:07474321"), "deny");
}
END_TEST

START_TEST(bods_04_records_and_supersession)
{
    build_from("bods", NULL);
    /* fermcat: later statements of a record replace earlier ones */
    ck_assert(th_reported(&B, "superseded by a later statement"));
    /* indirect interests below a majority are left to the chain's own statements */
    ck_assert(th_reported(&B, "indirect interests below a majority"));
}
END_TEST

START_TEST(ftm_percentages_as_written)
{
    build_from("ftm", "entity_id,designation,source\nftm-alpha,defense,test\n");
    double p;
    ck_assert(direct("ftm-beta", "ftm-alpha", "equity", &p));
    ck_assert_double_eq_tol(p, 51, 1e-9);
    ck_assert(direct("ftm-gamma", "ftm-alpha", "equity", &p));
    ck_assert_double_eq_tol(p, 50.5, 1e-9);
    ck_assert(direct("ftm-delta", "ftm-alpha", "equity", &p));
    ck_assert_double_eq_tol(p, 25.001, 1e-9);
    ck_assert(direct("ftm-eps", "ftm-alpha", "equity", &p));
    ck_assert_double_eq_tol(p, 25, 1e-9);
    ck_assert(direct("ftm-zeta", "ftm-alpha", "equity", &p));
    ck_assert_double_eq_tol(p, 50.001, 1e-9);
    ck_assert(direct("ftm-eta", "ftm-alpha", "equity", &p));
    ck_assert(isnan(p)); /* "n/a": a stake of unknown size */
    ck_assert(th_reported(&B, "percentage 'n/a' cannot be read"));
    /* a controlling shareholder without a percentage; the company meets GLEIF by its LEI */
    ck_assert(direct("LEI:529900THETA000000001", "ftm-person", "control", &p));
    /* a Control link: controller -> entity */
    ck_assert(direct("LEI:529900THETA000000001", "ftm-alpha", "control", &p));
    ck_assert_str_eq(th_verdict_of(&B, "LEI:529900THETA000000001"), "deny");
    /* ended, unknown and unreadable records are reported with their line */
    ck_assert(th_reported(&B, "ownerships that ended"));
    ck_assert(th_reported(&B, "unknown entity id 'ftm-nobody'"));
    ck_assert_uint_eq(B.rep.skipped, 2);
    int line21 = 0;
    for (int i = 0; i < (int)B.rep.n_kept; i++) {
        line21 |= B.rep.kept[i].line == 21 && strstr(B.rep.kept[i].message, "not a JSON object");
    }
    ck_assert(line21);
    /* the 50 percent rule over what was read */
    ck_assert_str_eq(th_verdict_of(&B, "ftm-beta"), "deny");  /* 51% */
    ck_assert_str_eq(th_verdict_of(&B, "ftm-gamma"), "deny"); /* 50.5% */
    ck_assert_str_eq(th_verdict_of(&B, "ftm-zeta"), "deny");  /* a majority */
    ck_assert_str_ne(th_verdict_of(&B, "ftm-eps"), "deny"); /* 25-50%: not shown to be controlled */
}
END_TEST

START_TEST(registry_files_found_by_content)
{
    /* names mean nothing: a GLEIF file called anything, our CSVs beside, an unknown CSV reported */
    dir = th_tmpdir();
    char cmd[1200];
    snprintf(cmd, sizeof(cmd),
             "cp %s/gleif/lei-cdf.csv %s/export-2023.csv && cp %s/gleif/rr-cdf.csv %s/zz.csv",
             TEST_DATA_DIR, dir, TEST_DATA_DIR, dir);
    ck_assert_int_eq(system(cmd), 0);
    th_write(dir, "entities.csv", "id,name,country\nco:x,Example Buyer Ltd,GB\n");
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nLEI:98450051BS9C610A8T78,co:x,60\n");
    th_write(dir, "notes.csv", "a,b\n1,2\n");
    th_build(dir, NULL, &B);
    ck_assert_msg(B.rc == 0, "%s", B.err.message);
    ck_assert_uint_eq(B.counts.entities, 13);
    ck_assert(th_reported(&B, "matches none of the formats"));
    double p;
    ck_assert(direct("co:x", "LEI:98450051BS9C610A8T78", "equity", &p));
    ck_assert_double_eq_tol(p, 60, 1e-9);
}
END_TEST

START_TEST(percent_text)
{
    static const struct {
        const char *s;
        int ok;
        double lo, hi;
        int excl;
    } t[] = {
        {"51%", 1, 51, 51, 0},
        {"51", 1, 51, 51, 0},
        {" 50,5 % ", 1, 50.5, 50.5, 0},
        {"12.25 percent", 1, 12.25, 12.25, 0},
        {"25-50%", 1, 25, 50, 0},
        {"25 to 50 %", 1, 25, 50, 0},
        {"between 10 and 20", 1, 10, 20, 0},
        {"more than 25%", 1, 25, 100, 1},
        {">50%", 1, 50, 100, 1},
        {"at least 50%", 1, 50, 100, 0},
        {"less than 10%", 1, 0, 10, 0},
        {"Majority", 1, 50, 100, 1},
        {"100%", 1, 100, 100, 0},
        {"n/a", 0, 0, 0, 0},
        {"150%", 0, 0, 0, 0},
        {"50-25", 0, 0, 0, 0},
        {"1,000,000", 0, 0, 0, 0},
        {"", 0, 0, 0, 0},
        {"0%", 0, 0, 0, 0},
        {"51% of voting rights", 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        double lo = -1, hi = -1;
        int excl = -1;
        int ok = veu_parse_percent_text(t[i].s, &lo, &hi, &excl);
        ck_assert_msg(ok == t[i].ok, "'%s': %d", t[i].s, ok);
        if (ok) {
            ck_assert_msg(lo == t[i].lo && hi == t[i].hi && excl == t[i].excl,
                          "'%s': %g..%g excl %d", t[i].s, lo, hi, excl);
        }
    }
}
END_TEST

/* The bounds a register published are kept on the row, for the ranges work. */
START_TEST(ranges_recorded)
{
    veu_dataset_t ds;
    veu_policy_t pol;
    veu_report_t rep = {0};
    veu_diag_t err;
    char path[600];
    snprintf(path, sizeof(path), "%s/ftm", TEST_DATA_DIR);
    veu_policy_init(&pol);
    ck_assert_int_eq(veu_dataset_load(&ds, path, &pol, NULL, &rep, &err), 0);
    int seen = 0;
    for (size_t i = 0; i < ds.n_own; i++) {
        const veu_own_row_t *r = &ds.own[i];
        const char *owned = veu_str(&ds.pool, ds.ent[r->owned].id);
        if (!strcmp(owned, "ftm-eps")) { /* "25-50%" */
            ck_assert_uint_eq(r->min_c, 2500);
            ck_assert_uint_eq(r->max_c, 5000);
            seen++;
        } else if (!strcmp(owned, "ftm-beta")) { /* "51%": exact, no range */
            ck_assert_uint_eq(r->min_c, VEU_NO_BOUND);
            ck_assert_uint_eq(r->max_c, VEU_NO_BOUND);
            seen++;
        }
    }
    ck_assert_int_eq(seen, 2);
    veu_dataset_destroy(&ds);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("registry");
    TCase *t = tcase_create("formats");
    tcase_add_checked_fixture(t, NULL, teardown);
    tcase_add_test(t, gleif_consolidation_is_control);
    tcase_add_test(t, gleif_delta_supersedes_by_date);
    tcase_add_test(t, garbage_end_date_keeps_the_stake);
    tcase_add_test(t, zero_share_is_skipped);
    tcase_add_test(t, long_ids_not_cut);
    tcase_add_test(t, ftm_topics_designate);
    tcase_add_test(t, ftm_sanctions_dated);
    tcase_add_test(t, ftm_names_in_other_scripts);
    tcase_add_test(t, ftm_seed_lists_two_regimes);
    tcase_add_test(t, json_array_in_pieces);
    tcase_add_test(t, json_lines_bounded_memory);
    tcase_add_test(t, links_parsed_once_said_once);
    tcase_add_test(t, bods_02_psc_ranges);
    tcase_add_test(t, bods_designated_parent_controls);
    tcase_add_test(t, bods_04_records_and_supersession);
    tcase_add_test(t, ftm_percentages_as_written);
    tcase_add_test(t, registry_files_found_by_content);
    suite_add_tcase(s, t);
    t = tcase_create("percent_text");
    tcase_add_test(t, percent_text);
    tcase_add_test(t, ranges_recorded);
    suite_add_tcase(s, t);
    return th_run(s);
}
