/* SPDX-License-Identifier: MIT */
/*
 * test_rules.c: the ownership rules of SPEC section 3 on the worked
 * examples regulators and statisticians publish, and on the boundaries
 * where an implementation goes wrong (49.99 against 50, >= against >,
 * cycles, sums above 100%, unknown stakes, several seeds adding up).
 * Every case runs the whole pipeline: CSV files, build, snapshot, answer.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static th_built_t B;
static char *dir;

static void run(const char *ents, const char *own, const char *sup, const veu_policy_t *pol)
{
    dir = th_dataset(ents, own, sup);
    th_build(dir, pol, &B);
    ck_assert_msg(B.rc == 0, "build failed: %s", B.err.message);
}

static void done(void)
{
    th_built_free(&B);
    th_rmdir(dir);
    dir = NULL;
}

static void expect(const char *id, const char *verdict)
{
    json_t *r = th_risk(&B, id);
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(!strcmp(th_verdict(r), verdict), "%s: verdict %s, expected %s", id, th_verdict(r),
                  verdict);
    json_decref(r);
}

static double metric(const char *id, const char *m)
{
    json_t *r = th_risk(&B, id);
    ck_assert_ptr_nonnull(r);
    double v = th_metric(r, m);
    json_decref(r);
    return v;
}

static bool reason(const char *id, const char *code)
{
    json_t *r = th_risk(&B, id);
    ck_assert_ptr_nonnull(r);
    bool v = th_has_reason(r, code);
    json_decref(r);
    return v;
}

#define SEEDS "X:US:defense:d\nY:RU:defense:m\n"

/* OFAC 50 percent rule guidance (2014), example 1: 50% direct ownership blocks. */
START_TEST(ofac_direct_50)
{
    run(SEEDS "A:DE:-:\n", "X,A,50,\n", NULL, NULL);
    expect("A", "deny");
    ck_assert(reason("A", "defense_controlled"));
    ck_assert(!reason("A", "is_seed"));
    ck_assert_double_eq_tol(metric("A", "controlled_share"), 50, 1e-9);
    done();
}
END_TEST

/* OFAC example 2: 25% + 25% by two blocked persons add up to 50%. */
START_TEST(ofac_aggregation)
{
    run(SEEDS "A:DE:-:\n", "X,A,25,\nY,A,25,\n", NULL, NULL);
    expect("A", "deny");
    ck_assert_double_eq_tol(metric("A", "controlled_share"), 50, 1e-9);
    done();
}
END_TEST

/* OFAC example 3: X owns 50% of A, A owns 50% of B: B is blocked too. */
START_TEST(ofac_indirect)
{
    run(SEEDS "A:DE:-:\nB:FR:-:\n", "X,A,50,\nA,B,50,\n", NULL, NULL);
    expect("B", "deny");
    /* stakes are not multiplied down a chain for control, but are for the share */
    ck_assert_double_eq_tol(metric("B", "defense_share"), 25, 1e-9);
    json_t *r = th_risk(&B, "B");
    json_t *paths = json_object_get(th_reason(r, "defense_controlled"), "paths");
    json_t *p0 = json_array_get(paths, 0);
    ck_assert_uint_eq(json_array_size(p0), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p0, 0), "from")), "X");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p0, 1), "to")), "B");
    json_decref(r);
    done();
}
END_TEST

/* OFAC example 4: X 50% of A; A 25% of C and X 25% of C: C is blocked. */
START_TEST(ofac_indirect_aggregation)
{
    run(SEEDS "A:DE:-:\nC:FR:-:\n", "X,A,50,\nA,C,25,\nX,C,25,\n", NULL, NULL);
    expect("C", "deny");
    json_t *r = th_risk(&B, "C");
    json_t *proof = json_object_get(th_reason(r, "defense_controlled"), "proof");
    /* the reviewer sees every stake that counted: X->C, A->C and X->A */
    ck_assert_uint_eq(json_array_size(proof), 3);
    json_decref(r);
    done();
}
END_TEST

/* OFAC example 5: X owns 40% of A (not blocked), A owns 50% of B: B is not blocked. */
START_TEST(ofac_minority_chain_not_blocked)
{
    run(SEEDS "A:DE:-:\nB:FR:-:\n", "X,A,40,\nA,B,50,\n", NULL, NULL);
    expect("A", "review");
    expect("B", "review");
    ck_assert(!reason("B", "defense_controlled"));
    ck_assert(reason("B", "defense_minority_stake"));
    ck_assert_double_eq_tol(metric("B", "defense_share"), 20, 1e-9);
    done();
}
END_TEST

/* BIS Affiliates Rule (2025): listed parties' stakes add up, directly or indirectly. */
START_TEST(bis_affiliates_aggregate)
{
    run(SEEDS "P:DE:-:\nQ:FR:-:\n", "X,P,30,\nY,P,20,\nP,Q,50,\n", NULL, NULL);
    expect("P", "deny");
    expect("Q", "deny");
    done();
}
END_TEST

/* EU: "more than 50%"; with control_inclusive = false 50% is not enough. */
START_TEST(eu_more_than_50)
{
    veu_policy_t p;
    veu_policy_init(&p);
    p.control_inclusive = false;
    run(SEEDS "A:DE:-:\nB:DE:-:\nC:DE:-:\n", "X,A,50,\nX,B,30,\nY,B,20.5,\nX,C,50.000001,\n", NULL,
        &p);
    expect("A", "review"); /* 50 is not more than 50 */
    expect("B", "deny");   /* EU aggregation: 30 + 20.5 > 50 */
    expect("C", "review"); /* within the 0.000001 tolerance of 50: equal, not more */
    done();
}
END_TEST

/* Boundaries under >=: 49.99 is not 50; 49.9999995 is 50 within tolerance. */
START_TEST(boundary_inclusive)
{
    run(SEEDS "A:DE:-:\nB:DE:-:\nC:DE:-:\n", "X,A,49.99,\nX,B,49.9999995,\nX,C,50,\n", NULL, NULL);
    expect("A", "review");
    expect("B", "deny");
    expect("C", "deny");
    done();
}
END_TEST

/* CFIUS "parent": a chain of 50% holdings makes every entity below controlled. */
START_TEST(cfius_parent_chain)
{
    run(SEEDS "A:DE:-:\nB:DE:-:\nC:DE:-:\nD:DE:-:\n", "X,A,50,\nA,B,50,\nB,C,50,\nC,D,50,\n", NULL,
        NULL);
    expect("D", "deny");
    ck_assert_double_eq_tol(metric("D", "defense_share"), 6.25, 1e-9);
    json_t *r = th_risk(&B, "D");
    ck_assert_uint_eq(json_array_size(json_array_get(
                          json_object_get(th_reason(r, "defense_controlled"), "paths"), 0)),
                      4);
    json_decref(r);
    done();
}
END_TEST

/* Eurostat integrated ownership: 60% of 40% is 24%; direct and indirect add up. */
START_TEST(eurostat_integrated)
{
    run(SEEDS "A:DE:-:\nB:DE:-:\nC:DE:-:\nD:DE:-:\n", "X,B,30,\nA,C,60,\nC,D,30,\nA,D,20,\n", NULL,
        NULL);
    /* A holds 60% of C, which holds 30% of D, and 20% of D directly: 38% of D */
    ck_assert_double_eq_tol(metric("B", "defense_share"), 30, 1e-9);
    done();
    run("X:US:-:d\nA:DE:-:\nC:DE:-:\n", "A,C,60,\nC,X,40,\n", NULL, NULL);
    /* defense holding: A's integrated stake in the seed X is 60% x 40% = 24% */
    ck_assert_double_eq_tol(metric("A", "defense_holding"), 24, 1e-9);
    ck_assert(reason("A", "defense_holding"));
    done();
    run("X:US:-:d\nA:DE:-:\nC:DE:-:\n", "A,C,60,\nC,X,30,\nA,X,20,\n", NULL, NULL);
    ck_assert_double_eq_tol(metric("A", "defense_holding"), 38, 1e-9);
    done();
}
END_TEST

/* Cross-holdings converge: x_A = 0.5 + 0.4 x_B, x_B = 0.4 x_A. */
START_TEST(cross_holdings)
{
    run(SEEDS "A:DE:-:\nB:DE:-:\n", "X,A,45,\nA,B,40,\nB,A,40,\n", NULL, NULL);
    double a = 45.0 / (1 - 0.16), b = 0.4 * a;
    ck_assert_double_eq_tol(metric("A", "defense_share"), a, 1e-6);
    ck_assert_double_eq_tol(metric("B", "defense_share"), b, 1e-6);
    expect("A", "review");
    done();
}
END_TEST

/* A cycle of full ownership with a seed's 10% converges to the cap of 100%. */
START_TEST(cycle_saturates)
{
    run(SEEDS "A:DE:-:\nB:DE:-:\n", "X,A,10,\nA,B,100,\nB,A,90,\n", NULL, NULL);
    ck_assert_double_eq_tol(metric("A", "defense_share"), 100, 1e-6);
    /* control does not follow from the share: only 10% is held by controlled owners */
    expect("A", "review");
    done();
}
END_TEST

/* A cycle of controlled entities: control is the least fixpoint, not assumed. */
START_TEST(cycle_least_fixpoint)
{
    run(SEEDS "A:DE:-:\nB:DE:-:\n", "A,B,60,\nB,A,60,\n", NULL, NULL);
    expect("A", "standard");
    expect("B", "standard");
    done();
}
END_TEST

/* Several seeds add up; sums above 100% are a warning and are capped. */
START_TEST(several_seeds_and_over_100)
{
    run(SEEDS "Z:GB:-:d\nA:DE:-:\nB:DE:-:\n", "X,A,20,\nY,A,20,\nZ,A,15,\nX,B,70,\nY,B,60,\n", NULL,
        NULL);
    expect("A", "deny");
    ck_assert_double_eq_tol(metric("A", "controlled_share"), 55, 1e-9);
    ck_assert_double_eq_tol(metric("B", "defense_share"), 100, 1e-9);
    ck_assert_uint_eq(B.rep.warnings, 1);
    done();
}
END_TEST

/* Rows for the same pair add up to one stake. */
START_TEST(same_pair_rows_add_up)
{
    run(SEEDS "A:DE:-:\n", "X,A,30,\nX,A,20,\n", NULL, NULL);
    expect("A", "deny");
    ck_assert_uint_eq(B.counts.ownership_edges, 1);
    json_t *r = th_risk(&B, "A");
    json_t *hop = json_array_get(
        json_array_get(json_object_get(th_reason(r, "defense_controlled"), "paths"), 0), 0);
    ck_assert_double_eq_tol(json_number_value(json_object_get(hop, "percent")), 50, 1e-9);
    json_decref(r);
    done();
}
END_TEST

/*
 * A stake of unknown size is kept but adds nothing to any sum; it is a
 * warning.  Held by a defense-controlled owner it may be the whole company,
 * so it never clears the buyer (SPEC section 7, issue 7): review, with the
 * possible control and its path.  unknown_stakes = ignore reads section 2
 * alone.
 */
START_TEST(unknown_stake)
{
    run(SEEDS "A:DE:-:\n", "X,A,,equity\n", NULL, NULL);
    expect("A", "review");
    ck_assert_double_eq_tol(metric("A", "defense_share"), 0, 1e-9);
    ck_assert_double_eq_tol(metric("A", "controlled_share"), 0, 1e-9);
    ck_assert_uint_eq(B.rep.warnings, 1);
    ck_assert_uint_eq(B.counts.ownership_edges, 1);
    json_t *r = th_risk(&B, "A");
    json_t *why = th_reason(r, "possibly_defense_controlled");
    ck_assert_ptr_nonnull(why);
    json_t *hop = json_array_get(json_array_get(json_object_get(why, "paths"), 0), 0);
    ck_assert_str_eq(json_string_value(json_object_get(hop, "from")), "X");
    json_decref(r);
    done();
    veu_policy_t pol;
    char err[128];
    veu_policy_init(&pol);
    ck_assert_int_eq(veu_policy_set(&pol, "unknown_stakes", "ignore", err, sizeof(err)), 0);
    run(SEEDS "A:DE:-:\n", "X,A,,equity\n", NULL, &pol);
    expect("A", "standard");
    done();
}
END_TEST

/* control without a stated share grants control; a stated percent also counts as a stake. */
START_TEST(control_edges)
{
    run(SEEDS "A:DE:-:\nB:DE:-:\n", "X,A,,control\nY,B,10,control\n", NULL, NULL);
    expect("A", "deny");
    expect("B", "deny");
    ck_assert_double_eq_tol(metric("A", "controlled_share"), 0, 1e-9);
    ck_assert_double_eq_tol(metric("B", "defense_share"), 10, 1e-9);
    json_t *r = th_risk(&B, "A");
    json_t *hop = json_array_get(
        json_array_get(json_object_get(th_reason(r, "defense_controlled"), "paths"), 0), 0);
    ck_assert_str_eq(json_string_value(json_object_get(hop, "rel")), "controls");
    ck_assert_ptr_null(json_object_get(hop, "percent"));
    json_decref(r);
    done();
}
END_TEST

/* Seeds are foreign to home_country and, with a list, in target_countries. */
START_TEST(home_and_target_countries)
{
    veu_policy_t p;
    char e[256];
    veu_policy_init(&p);
    ck_assert_int_eq(veu_policy_set(&p, "target_countries", "US, GB", e, sizeof(e)), 0);
    run("X:US:-:d\nH:CN:-:d\nR:RU:-:m\nU:-:-:d\nA:DE:-:\nB:DE:-:\nC:DE:-:\n",
        "X,A,50,\nH,B,50,\nR,C,50,\n", NULL, &p);
    expect("X", "deny");
    expect("A", "deny");
    expect("H", "standard"); /* home country: not a seed */
    expect("B", "standard");
    expect("R", "standard"); /* not in the target list */
    expect("C", "standard");
    expect("U", "deny"); /* unknown country: screened as a seed */
    done();
}
END_TEST

/* Supply hops: the fewest supply edges to a defense-controlled entity other than the buyer. */
START_TEST(supply_hops)
{
    run(SEEDS "A:DE:-:\nS1:CN:-:\nS2:CN:-:\nS3:CN:-:\nS4:CN:-:\n", "X,A,60,\n",
        "S1,A\nS2,S1\nS3,S2\nA,S4\nS4,A\n", NULL);
    ck_assert_double_eq(metric("S1", "supply_hops"), 1);
    ck_assert_double_eq(metric("S2", "supply_hops"), 2);
    ck_assert_double_eq(metric("S3", "supply_hops"), 3);
    ck_assert(reason("S2", "supply_tie"));
    ck_assert(!reason("S3", "supply_tie")); /* depth 2 by default */
    /* A reaches only itself again: no other target */
    ck_assert_double_eq(metric("A", "supply_hops"), -1);
    json_t *r = th_risk(&B, "S2");
    json_t *p = json_array_get(json_object_get(th_reason(r, "supply_tie"), "paths"), 0);
    ck_assert_uint_eq(json_array_size(p), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 1), "to")), "A");
    json_decref(r);
    done();
}
END_TEST

/* A controlled buyer supplying another controlled entity is counted. */
START_TEST(supply_from_controlled)
{
    run(SEEDS "A:DE:-:\n", "X,A,60,\n", "A,X\n", NULL);
    ck_assert_double_eq(metric("A", "supply_hops"), 1);
    ck_assert(reason("A", "supply_tie"));
    done();
}
END_TEST

/* Group tie: a non-seed controller over the buyer and a seed. */
START_TEST(group_tie)
{
    run(SEEDS "H:GB:-:\nA:DE:-:\nB:DE:-:\nJ:DE:-:\n",
        "H,Y,,control\nH,A,60,\nA,B,50,\nJ,B,20,\nH,X,51,\n", NULL, NULL);
    ck_assert(reason("A", "group_tie"));
    ck_assert(reason("B", "group_tie"));
    ck_assert(!reason("J", "group_tie"));
    ck_assert(!reason("H", "group_tie")); /* the controller itself is not tied to itself */
    /* seeds too: X and Y share the controller H */
    ck_assert(reason("X", "group_tie"));
    json_t *r = th_risk(&B, "B");
    json_t *paths = json_object_get(th_reason(r, "group_tie"), "paths");
    ck_assert_uint_eq(json_array_size(paths), 2);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(json_array_get(paths, 0), 0), "from")),
        "H");
    json_decref(r);
    done();
}
END_TEST

/* A stake below the threshold is not a controlling edge for group ties. */
START_TEST(group_tie_needs_control)
{
    run(SEEDS "H:GB:-:\nA:DE:-:\n", "H,X,40,\nH,A,60,\n", NULL, NULL);
    ck_assert(!reason("A", "group_tie"));
    done();
}
END_TEST

/* Sector and designations: dual-use review, validated end users fast-tracked. */
START_TEST(sector_and_veu)
{
    run(SEEDS "A:DE:automotive:\nV:CN:energy:v\nW:CN:aerospace:v\nP:CN:textiles:\n", NULL, NULL,
        NULL);
    expect("A", "review");
    ck_assert(reason("A", "dual_use_sector"));
    expect("V", "fast_track");
    expect("W", "review"); /* a validated end user in a dual-use sector */
    ck_assert(reason("W", "validated_end_user"));
    expect("P", "standard");
    done();
}
END_TEST

/*
 * A listing never vanishes (SPEC section 8): a designated entity of the home
 * country (CN, the default) is no seed, but its answer says it is listed.
 */
START_TEST(designated_not_seed_is_said)
{
    run(SEEDS "H:CN:-:d\nM:CN:-:dm\nA:DE:-:\n", "H,A,60,\n", NULL, NULL);
    expect("H", "standard"); /* informational: it changes no verdict */
    ck_assert(reason("H", "designated_not_seed"));
    ck_assert(!reason("H", "is_seed"));
    ck_assert(reason("M", "designated_not_seed"));
    expect("A", "standard"); /* held by a domestic listed company: no seed above it */
    ck_assert(!reason("A", "designated_not_seed"));
    ck_assert(!reason("X", "designated_not_seed")); /* a seed is said as is_seed */
    json_t *r = th_risk(&B, "M");
    json_t *x = json_array_get(json_object_get(r, "reasons"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(x, "code")), "designated_not_seed");
    const char *d = json_string_value(json_object_get(x, "detail"));
    ck_assert_msg(strstr(d, "defense and military") && strstr(d, "(CN)"), "%s", d);
    json_decref(r);
    done();
}
END_TEST

/*
 * Shares that do not settle (a cycle of stakes just under 100%) fail the
 * build loudly instead of leaving them too low (the review's F6).
 */
START_TEST(unsettled_shares_fail_the_build)
{
    char *d = th_dataset(SEEDS "A:DE:-:\nB:DE:-:\n",
                         "X,A,0.000001,\nA,B,99.99999,\nB,A,99.99999,\n", NULL);
    th_built_t b;
    th_build(d, NULL, &b);
    ck_assert_int_lt(b.rc, 0);
    ck_assert_msg(strstr(b.err.message, "did not settle"), "%s", b.err.message);
    th_built_free(&b);
    th_rmdir(d);
}
END_TEST

/* The owners answer of id in B, parsed (new reference). */
static json_t *owners_of(const char *id)
{
    veu_jbuf_t jb;
    veu_jbuf_init(&jb);
    veu_snapshot_owners(B.snap, veu_snapshot_find(B.snap, id, strlen(id)), &jb);
    json_t *j = json_loads(jb.buf, 0, NULL);
    veu_jbuf_destroy(&jb);
    ck_assert_ptr_nonnull(j);
    return j;
}

/*
 * owners: an owner of many entities costs one pass over its stakes among
 * the ancestors, not a thousand over all its holdings; shares that cannot
 * settle within the bound are said truncated, not given as exact (F7).
 */
START_TEST(owners_bounded_and_honest)
{
    char own[1 << 16];
    size_t k = (size_t)sprintf(own, "H,A,60,\nT,H,50,\n");
    for (int i = 0; i < 2000; i++) {
        k += (size_t)sprintf(own + k, "H,F%d,1,\n", i);
    }
    char ents[1 << 16];
    size_t e = (size_t)sprintf(ents, "A:DE:-:\nH:DE:-:\nT:DE:-:\n");
    for (int i = 0; i < 2000; i++) {
        e += (size_t)sprintf(ents + e, "F%d:DE:-:\n", i);
    }
    run(ents, own, NULL, NULL);
    json_t *o = owners_of("A");
    json_t *u = json_array_get(json_object_get(o, "ultimate"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(u, "id")), "T");
    ck_assert_double_eq_tol(json_number_value(json_object_get(u, "share")), 30, 1e-9);
    ck_assert(json_is_false(json_object_get(o, "ultimate_truncated")));
    json_decref(o);
    done();
    /* a cycle of 99.9% stakes does not settle in a thousand sweeps: said so */
    run("A:DE:-:\nH:DE:-:\nK:DE:-:\nT:DE:-:\n", "H,A,0.1,\nT,K,0.1,\nK,H,99.9,\nH,K,99.9,\n", NULL,
        NULL);
    o = owners_of("A");
    ck_assert(json_is_true(json_object_get(o, "ultimate_truncated")));
    json_decref(o);
    done();
}
END_TEST

/*
 * seed_lists (SPEC section 10): only designations from the lists a policy
 * names make seeds; the others still show, as designated_not_seed, and
 * every answer names the lists.
 */
START_TEST(seed_lists_choose_seeds)
{
    char *d = th_tmpdir();
    th_write(d, "entities.csv", "id,name,country\nX,Ex,US\nY,Why,US\nA,Ay,DE\nB,Bee,DE\n");
    th_write(d, "designations.csv",
             "entity_id,designation,source,list\nX,defense,BIS Entity List,us-bis-entity\n"
             "Y,defense,SIPRI Top 100 2024,sipri-top100\n");
    th_write(d, "ownership.csv", "owner_id,owned_id,percent\nX,A,60\nY,B,60\n");
    veu_policy_t pol;
    char err[256];
    veu_policy_init(&pol);
    ck_assert_int_eq(veu_policy_set(&pol, "seed_lists", "us-bis-entity", err, sizeof(err)), 0);
    th_build(d, &pol, &B);
    ck_assert_msg(B.rc == 0, "%s", B.err.message);
    expect("A", "deny");
    expect("B", "standard");
    ck_assert(reason("X", "is_seed"));
    ck_assert(!reason("Y", "is_seed"));
    ck_assert(reason("Y", "designated_not_seed"));
    json_t *r = th_risk(&B, "Y");
    const char *det = json_string_value(
        json_object_get(json_array_get(json_object_get(r, "reasons"), 0), "detail"));
    ck_assert_msg(strstr(det, "[sipri-top100]") && strstr(det, "seed_lists"), "%s", det);
    json_decref(r);
    th_built_free(&B);
    /* every list, the default */
    th_build(d, NULL, &B);
    expect("B", "deny");
    th_built_free(&B);
    /* a list id that is no word is refused */
    ck_assert_int_lt(veu_policy_set(&pol, "seed_lists", "us bis\"x", err, sizeof(err)), 0);
    th_rmdir(d);
}
END_TEST

/* Every reason is listed, not only the deciding one. */
START_TEST(all_reasons_listed)
{
    run(SEEDS "A:DE:automotive:v\n", "X,A,60,\n", "A,Y\n", NULL);
    json_t *r = th_risk(&B, "A");
    ck_assert_str_eq(th_verdict(r), "deny");
    ck_assert(th_has_reason(r, "defense_controlled"));
    ck_assert(th_has_reason(r, "supply_tie"));
    ck_assert(th_has_reason(r, "dual_use_sector"));
    ck_assert(th_has_reason(r, "validated_end_user"));
    ck_assert(!th_has_reason(r, "defense_minority_stake"));
    json_decref(r);
    done();
}
END_TEST

/* A seed's holding of another seed is not a reason for the seed itself. */
START_TEST(seed_reasons)
{
    run(SEEDS, "X,Y,30,\n", NULL, NULL);
    json_t *r = th_risk(&B, "X");
    ck_assert(th_has_reason(r, "is_seed"));
    ck_assert(!th_has_reason(r, "defense_holding"));
    ck_assert(!th_has_reason(r, "defense_controlled"));
    json_decref(r);
    done();
}
END_TEST

/* The proof of a large determination is cut at 100 hops and says so. */
START_TEST(proof_truncated)
{
    char ents[1 << 14] = SEEDS "A:DE:-:\n", own[1 << 14] = "";
    size_t e = strlen(ents), o = 0;
    for (int i = 0; i < 150; i++) {
        e += (size_t)sprintf(ents + e, "M%d:US:-:d\n", i);
        o += (size_t)sprintf(own + o, "M%d,A,0.5,\n", i);
    }
    run(ents, own, NULL, NULL);
    json_t *r = th_risk(&B, "A");
    json_t *why = th_reason(r, "defense_controlled");
    ck_assert_ptr_nonnull(why);
    ck_assert_uint_eq(json_array_size(json_object_get(why, "proof")), 100);
    ck_assert(json_is_true(json_object_get(why, "proof_truncated")));
    ck_assert_uint_le(json_array_size(json_object_get(why, "paths")), 5);
    json_decref(r);
    done();
}
END_TEST

/* A policy of one regime, with extra keys ("key=value" pairs) set before or after it. */
static veu_policy_t regime(const char *name, const char *before, const char *after)
{
    veu_policy_t p;
    char err[200], kv[64];
    veu_policy_init(&p);
    const char *sets[2] = {before, after};
    for (int k = 0; k < 2; k++) {
        if (k == 1) {
            ck_assert_int_eq(veu_policy_set(&p, "regime", name, err, sizeof(err)), 0);
        }
        if (sets[k]) {
            snprintf(kv, sizeof(kv), "%s", sets[k]);
            char *eq = strchr(kv, '=');
            *eq = '\0';
            ck_assert_int_eq(veu_policy_set(&p, kv, eq + 1, err, sizeof(err)), 0);
        }
    }
    return p;
}

/*
 * UK (OFSI): holdings of different designated persons are not added up
 * unless held jointly, and ownership must be more than 50%.  OFAC adds them
 * up and blocks at 50% or more.  Same data, two regimes, two answers.
 */
START_TEST(regime_uk_does_not_aggregate)
{
    veu_policy_t uk = regime("uk", NULL, NULL), ofac = regime("ofac", NULL, NULL);
    const char *ents = SEEDS "A:DE:-:\nB:DE:-:\n";
    const char *own = "X,A,30,\nY,A,30,\nX,B,50,\n";
    run(ents, own, NULL, &ofac);
    expect("A", "deny"); /* 30 + 30 */
    expect("B", "deny"); /* 50 */
    done();
    run(ents, own, NULL, &uk);
    expect("A", "review"); /* no single owner over 50%: minority stakes */
    ck_assert(!reason("A", "defense_controlled"));
    ck_assert_double_eq_tol(metric("A", "controlled_share"), 60, 1e-9); /* still reported */
    expect("B", "review"); /* exactly 50% is not more than 50% */
    done();
    run(ents, "X,A,51,\n", NULL, &uk);
    expect("A", "deny");
    json_t *r = th_risk(&B, "A");
    const char *why =
        json_string_value(json_object_get(th_reason(r, "defense_controlled"), "detail"));
    ck_assert_msg(strstr(why, "not added up") != NULL, "%s", why);
    json_decref(r);
    done();
}
END_TEST

/*
 * OFAC's rule is about ownership: an entity a blocked person controls but
 * does not own 50% of is not blocked by operation of the rule.  veud's own
 * policy and the EU count control (a golden share, a board majority).
 */
START_TEST(regime_control_without_ownership)
{
    veu_policy_t ofac = regime("ofac", NULL, NULL), eu = regime("eu", NULL, NULL);
    run(SEEDS "A:DE:-:\nC:DE:-:\n", "X,A,,control\nA,C,100,\n", NULL, &ofac);
    /* not blocked, but never silently cleared: control_without_ownership, review (SPEC 8) */
    expect("A", "review");
    expect("C", "review"); /* A is not blocked, so neither is what it owns */
    ck_assert(reason("A", "control_without_ownership"));
    ck_assert(reason("C", "control_without_ownership"));
    ck_assert(!reason("A", "defense_controlled"));
    /* the evidence: the control chain from the defense-controlled entity to the buyer */
    json_t *r = th_risk(&B, "C");
    json_t *paths = NULL, *x;
    size_t i;
    json_array_foreach(json_object_get(r, "reasons"), i, x)
    {
        if (!strcmp(json_string_value(json_object_get(x, "code")), "control_without_ownership")) {
            paths = json_object_get(x, "paths");
        }
    }
    ck_assert_uint_eq(json_array_size(paths), 1);
    json_t *p = json_array_get(paths, 0);
    ck_assert_uint_eq(json_array_size(p), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 0), "from")), "X");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 0), "rel")), "controls");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 1), "to")), "C");
    json_decref(r);
    done();
    run(SEEDS "A:DE:-:\nC:DE:-:\n", "X,A,,control\nA,C,100,\n", NULL, &eu);
    expect("A", "deny");
    expect("C", "deny");
    done();
}
END_TEST

/* Beneficial ownership for AML: more than 25%. */
START_TEST(regime_aml_quarter)
{
    veu_policy_t aml = regime("aml", NULL, NULL);
    run(SEEDS "A:DE:-:\nB:DE:-:\n", "X,A,25.5,\nX,B,25,\n", NULL, &aml);
    expect("A", "deny");
    expect("B", "review");
    done();
}
END_TEST

/* A key set explicitly wins over the regime's preset, before or after it. */
START_TEST(regime_explicit_keys_win)
{
    veu_policy_t a = regime("uk", "aggregate_owners=true", NULL);
    veu_policy_t b = regime("uk", NULL, "aggregate_owners=true");
    veu_policy_t c = regime("uk", "control_threshold=40", NULL);
    ck_assert(a.aggregate_owners && b.aggregate_owners);
    ck_assert(!a.control_inclusive && !b.control_inclusive); /* the rest of the preset holds */
    ck_assert_double_eq(c.control_threshold, 40);
    run(SEEDS "A:DE:-:\n", "X,A,30,\nY,A,30,\n", NULL, &b);
    expect("A", "deny");
    done();
    veu_policy_t p;
    char err[200];
    veu_policy_init(&p);
    ck_assert_int_ne(veu_policy_set(&p, "regime", "mars", err, sizeof(err)), 0);
    ck_assert_ptr_nonnull(strstr(err, "one of veu, ofac, bis, eu, uk, mofcom, aml"));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("rules");
    TCase *t = tcase_create("rules");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, ofac_direct_50);
    tcase_add_test(t, ofac_aggregation);
    tcase_add_test(t, ofac_indirect);
    tcase_add_test(t, ofac_indirect_aggregation);
    tcase_add_test(t, ofac_minority_chain_not_blocked);
    tcase_add_test(t, bis_affiliates_aggregate);
    tcase_add_test(t, eu_more_than_50);
    tcase_add_test(t, boundary_inclusive);
    tcase_add_test(t, cfius_parent_chain);
    tcase_add_test(t, eurostat_integrated);
    tcase_add_test(t, cross_holdings);
    tcase_add_test(t, cycle_saturates);
    tcase_add_test(t, cycle_least_fixpoint);
    tcase_add_test(t, several_seeds_and_over_100);
    tcase_add_test(t, same_pair_rows_add_up);
    tcase_add_test(t, unknown_stake);
    tcase_add_test(t, control_edges);
    tcase_add_test(t, home_and_target_countries);
    tcase_add_test(t, supply_hops);
    tcase_add_test(t, supply_from_controlled);
    tcase_add_test(t, group_tie);
    tcase_add_test(t, group_tie_needs_control);
    tcase_add_test(t, sector_and_veu);
    tcase_add_test(t, all_reasons_listed);
    tcase_add_test(t, seed_reasons);
    tcase_add_test(t, proof_truncated);
    tcase_add_test(t, regime_uk_does_not_aggregate);
    tcase_add_test(t, regime_control_without_ownership);
    tcase_add_test(t, designated_not_seed_is_said);
    tcase_add_test(t, unsettled_shares_fail_the_build);
    tcase_add_test(t, owners_bounded_and_honest);
    tcase_add_test(t, seed_lists_choose_seeds);
    tcase_add_test(t, regime_aml_quarter);
    tcase_add_test(t, regime_explicit_keys_win);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return th_run(suite());
}
