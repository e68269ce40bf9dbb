/* SPDX-License-Identifier: MIT */
/*
 * test_history.c: answers for another day, worked out from a snapshot's
 * history on the part of the graph around the buyer (history.c), against a
 * full build of that day.  Random dated worlds (stakes bought and sold,
 * listings and delistings, supply contracts that start and end, ranges,
 * stakes of unknown size, control rows) under policies with dated rules;
 * risk, owners and paths must come out byte for byte the same, for one
 * buyer and for many at once.  And the bound on the work holds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"

#define N    28
#define DAYS 10

static unsigned rng = 777;
static unsigned rnd(unsigned n)
{
    rng = rng * 1103515245u + 12345u;
    return (rng >> 8) % n;
}

/* Days around the EU's switch (3 July 2024) and a suspension window. */
static void day_str(int k, char out[11])
{
    snprintf(out, 11, "2024-%s",
             (const char *[]){"06-28", "06-29", "06-30", "07-01", "07-02", "07-03", "07-04",
                              "07-05", "07-06", "07-07"}[k]);
}

/* ",start,end" with either, both or neither (end after start). */
static void dates(char *out, size_t len)
{
    char a[11], b[11];
    int s = (int)rnd(DAYS), e = s + 1 + (int)rnd(DAYS - (unsigned)s);
    day_str(s, a);
    if (e < DAYS) {
        day_str(e, b);
    }
    switch (rnd(4)) {
    case 0:
        snprintf(out, len, ",,");
        break;
    case 1:
        snprintf(out, len, ",%s,", a);
        break;
    case 2:
        snprintf(out, len, ",,%s", e < DAYS ? b : "");
        break;
    default:
        snprintf(out, len, ",%s,%s", a, e < DAYS ? b : "");
        break;
    }
}

static char *world(void)
{
    static const char *pcts[] = {"", "10", "20", "25", "30", "40", "49", "50", "51", "60", "100"};
    static const char *ctry[] = {"RU", "CN", "US", ""};
    static const char *sect[] = {"automotive", "energy", "aerospace", ""};
    char *dir = th_tmpdir();
    char buf[65536], d[40];
    size_t o;

    o = (size_t)snprintf(buf, sizeof(buf), "id,name,country,sector\n");
    for (int v = 0; v < N; v++) {
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "e%d,Entity %d,%s,%s\n", v, v, ctry[rnd(4)],
                              sect[rnd(4)]);
    }
    th_write(dir, "entities.csv", buf);
    o = (size_t)snprintf(buf, sizeof(buf), "entity_id,designation,source,listed_on,delisted_on\n");
    for (int i = 0; i < N / 3; i++) {
        dates(d, sizeof(d));
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "e%u,%s,list %d%s\n", rnd(N),
                              (const char *[]){"defense", "military", "validated_end_user"}[rnd(3)],
                              i, d);
    }
    th_write(dir, "designations.csv", buf);
    o = (size_t)snprintf(buf, sizeof(buf),
                         "owner_id,owned_id,percent,kind,start_date,end_date,percent_min,"
                         "percent_max\n");
    for (int i = 0; i < 2 * N; i++) {
        unsigned a = rnd(N), b = rnd(N);
        if (a == b) {
            continue;
        }
        const char *p = pcts[rnd(11)], *kind = rnd(10) == 0 ? "control" : "equity";
        dates(d, sizeof(d));
        const char *range = rnd(8) == 0 && !*p ? ",25,50" : ",,";
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "e%u,e%u,%s,%s%s%s\n", a, b, p, kind, d,
                              range);
    }
    th_write(dir, "ownership.csv", buf);
    o = (size_t)snprintf(buf, sizeof(buf), "supplier_id,customer_id,product,start_date,end_date\n");
    for (int i = 0; i < N; i++) {
        unsigned a = rnd(N), b = rnd(N);
        if (a == b) {
            continue;
        }
        dates(d, sizeof(d));
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "e%u,e%u,part %d%s\n", a, b, i, d);
    }
    th_write(dir, "supply.csv", buf);
    return dir;
}

/* The snapshot of the part around buyers on day, opened; NULL with *rc on failure. */
static veu_snapshot_t *history(const veu_snapshot_t *s, const char *day, const uint32_t *buyers,
                               size_t nb, const veu_policy_t *pol, uint32_t max, int *rc,
                               veu_diag_t *err)
{
    int fd = memfd_create("veu-history", MFD_CLOEXEC);
    uint32_t got;
    veu_snapshot_t *part = NULL;
    char msg[256];

    ck_assert_int_ge(fd, 0);
    *rc = veu_history_build(s, day, buyers, nb, pol, max, fd, &got, err);
    if (*rc < 0) {
        close(fd);
        return NULL;
    }
    ck_assert_msg(veu_snapshot_open_fd(fd, false, &part, msg, sizeof(msg)) == 0, "%s", msg);
    return part;
}

typedef void (*answer_fn)(const veu_snapshot_t *s, uint32_t v, veu_jbuf_t *out);

static void risk(const veu_snapshot_t *s, uint32_t v, veu_jbuf_t *out)
{
    veu_snapshot_risk(s, v, out);
}

static void owners(const veu_snapshot_t *s, uint32_t v, veu_jbuf_t *out)
{
    veu_snapshot_owners(s, v, out);
}

static void paths(const veu_snapshot_t *s, uint32_t v, veu_jbuf_t *out)
{
    veu_snapshot_paths(s, v, 6, 10, VEU_REL_ANY, NULL, out);
}

/* The answer for id from a and from b must be the same bytes. */
static void same(const veu_snapshot_t *a, const veu_snapshot_t *b, const char *id, answer_fn fn,
                 const char *what)
{
    veu_jbuf_t x, y;
    uint32_t va = veu_snapshot_find(a, id, strlen(id)), vb = veu_snapshot_find(b, id, strlen(id));

    ck_assert_msg(va != VEU_SNAP_NONE && vb != VEU_SNAP_NONE, "%s missing", id);
    veu_jbuf_init(&x);
    veu_jbuf_init(&y);
    fn(a, va, &x);
    fn(b, vb, &y);
    ck_assert_msg(x.len == y.len && memcmp(x.buf, y.buf, x.len) == 0,
                  "%s of %s differs:\nfull day: %.1500s\nhistory:  %.1500s", what, id, x.buf,
                  y.buf);
    veu_jbuf_destroy(&x);
    veu_jbuf_destroy(&y);
}

static void policy(veu_policy_t *p, int which)
{
    static const char *const settings[][6] = {
        {NULL},
        {"regime", "eu", NULL},
        {"suspended", "2024-07-01..2024-07-04", NULL},
        {"unknown_stakes", "review", "control_threshold", "25", "control_inclusive", "false"},
        {"regime", "uk", NULL},
    };
    char err[256];
    veu_policy_init(p);
    for (int i = 0; i < 6 && settings[which][i]; i += 2) {
        ck_assert_int_eq(
            veu_policy_set(p, settings[which][i], settings[which][i + 1], err, sizeof(err)), 0);
    }
}

START_TEST(history_equals_full_build_of_the_day)
{
    int compared = 0;
    for (int round = 0; round < 15; round++) {
        char *dir = world();
        veu_policy_t pol;
        th_built_t b0, bd;
        policy(&pol, round % 5);
        th_as_of = "2024-07-02";
        th_build(dir, &pol, &b0);
        ck_assert_msg(b0.rc == 0, "%s", b0.err.message);
        for (int k = 0; k < 3; k++) {
            char day[11];
            day_str((int)rnd(DAYS), day);
            th_as_of = day;
            th_build(dir, &pol, &bd);
            ck_assert_msg(bd.rc == 0, "%s", bd.err.message);
            for (uint32_t v = 0; v < N; v++) {
                char id[16];
                int rc;
                veu_diag_t err;
                snprintf(id, sizeof(id), "e%u", v);
                uint32_t b = veu_snapshot_find(b0.snap, id, strlen(id));
                veu_snapshot_t *part = history(b0.snap, day, &b, 1, &pol, 100000, &rc, &err);
                ck_assert_msg(part, "%s", err.message);
                ck_assert_str_eq(veu_snapshot_info(part)->as_of, day);
                same(bd.snap, part, id, risk, "risk");
                same(bd.snap, part, id, owners, "owners");
                same(bd.snap, part, id, paths, "paths");
                veu_snapshot_close(part);
                compared++;
            }
            /* many buyers at once: one part for all of them */
            uint32_t all[N / 2];
            for (uint32_t i = 0; i < N / 2; i++) {
                char id[16];
                snprintf(id, sizeof(id), "e%u", i * 2);
                all[i] = veu_snapshot_find(b0.snap, id, strlen(id));
            }
            int rc;
            veu_diag_t err;
            veu_snapshot_t *part = history(b0.snap, day, all, N / 2, &pol, 100000, &rc, &err);
            ck_assert_msg(part, "%s", err.message);
            for (uint32_t i = 0; i < N / 2; i++) {
                same(bd.snap, part, veu_snapshot_id(b0.snap, all[i]), risk, "risk (many)");
            }
            veu_snapshot_close(part);
            th_built_free(&bd);
        }
        th_built_free(&b0);
        th_rmdir(dir);
    }
    th_as_of = NULL;
    ck_assert_int_eq(compared, 15 * 3 * N);
}
END_TEST

/*
 * A part whose entities lie far apart in a graph of 70,000: the part is
 * sorted by entity index in two passes of 16 bits and looked up by a table,
 * so the entities above 65,535 must keep their order (equal chains are
 * chosen by the lowest index) and be found.
 */
START_TEST(parts_across_a_large_graph)
{
    enum { BIG = 70000, GROUP = 300 };
    static const char *pcts[] = {"10", "25", "50", "51", "60", "100"};
    char *dir = th_tmpdir(), d[40];
    size_t cap = (size_t)BIG * 40 + 64, o;
    char *buf = malloc(cap);
    uint32_t at[GROUP];

    ck_assert_ptr_nonnull(buf);
    for (int i = 0; i < GROUP; i++) {
        at[i] = (uint32_t)((i * 233u + 7u) % BIG); /* a quarter of them above 65,535 */
    }
    o = (size_t)snprintf(buf, cap, "id,name,country\n");
    for (int v = 0; v < BIG; v++) {
        o += (size_t)snprintf(buf + o, cap - o, "e%d,Entity %d,RU\n", v, v);
    }
    th_write(dir, "entities.csv", buf);
    o = (size_t)snprintf(buf, cap, "entity_id,designation,source,listed_on,delisted_on\n");
    for (int i = 0; i < GROUP / 8; i++) {
        dates(d, sizeof(d));
        o += (size_t)snprintf(buf + o, cap - o, "e%u,defense,list %d%s\n", at[rnd(GROUP)], i, d);
    }
    th_write(dir, "designations.csv", buf);
    o = (size_t)snprintf(buf, cap, "owner_id,owned_id,percent,kind,start_date,end_date\n");
    for (int i = 0; i < 2 * GROUP; i++) {
        uint32_t a = at[rnd(GROUP)], b = at[rnd(GROUP)];
        if (a != b) {
            dates(d, sizeof(d));
            o += (size_t)snprintf(buf + o, cap - o, "e%u,e%u,%s,equity%s\n", a, b, pcts[rnd(6)], d);
        }
    }
    th_write(dir, "ownership.csv", buf);
    free(buf);

    veu_policy_t pol;
    th_built_t b0, bd;
    veu_policy_init(&pol);
    th_as_of = "2024-07-02";
    th_build(dir, &pol, &b0);
    ck_assert_msg(b0.rc == 0, "%s", b0.err.message);
    char day[11];
    day_str(5, day);
    th_as_of = day;
    th_build(dir, &pol, &bd);
    th_as_of = NULL;
    ck_assert_msg(bd.rc == 0, "%s", bd.err.message);
    uint32_t largest = 0, high = 0;
    for (int i = 0; i < GROUP; i++) {
        char id[16];
        int rc;
        veu_diag_t err;
        snprintf(id, sizeof(id), "e%u", at[i]);
        uint32_t v = veu_snapshot_find(b0.snap, id, strlen(id));
        veu_snapshot_t *part = history(b0.snap, day, &v, 1, &pol, 100000, &rc, &err);
        ck_assert_msg(part, "%s", err.message);
        uint32_t n = veu_snapshot_info(part)->entities;
        largest = n > largest ? n : largest;
        high += at[i] > 65535 && n > 1;
        same(bd.snap, part, id, risk, "risk");
        same(bd.snap, part, id, owners, "owners");
        same(bd.snap, part, id, paths, "paths");
        veu_snapshot_close(part);
    }
    /* the parts were not trivial: many entities, some of them above 65,535 */
    ck_assert_uint_gt(largest, 100);
    ck_assert_uint_gt(high, 10);
    th_built_free(&b0);
    th_built_free(&bd);
    th_rmdir(dir);
}
END_TEST

/* A chain of owners longer than the bound is refused with a sentence, not walked. */
START_TEST(work_is_bounded)
{
    char ent[8192] = "id,name\n", own[8192] = "owner_id,owned_id,percent,start_date\n";
    size_t a = strlen(ent), b = strlen(own);
    for (int v = 0; v < 100; v++) {
        a += (size_t)snprintf(ent + a, sizeof(ent) - a, "c%d,Company %d\n", v, v);
        if (v) {
            b += (size_t)snprintf(own + b, sizeof(own) - b, "c%d,c%d,60,2020-01-01\n", v, v - 1);
        }
    }
    char *dir = th_tmpdir();
    th_write(dir, "entities.csv", ent);
    th_write(dir, "ownership.csv", own);
    th_built_t b0;
    veu_policy_t pol;
    veu_policy_init(&pol);
    th_as_of = "2024-01-01";
    th_build(dir, &pol, &b0);
    th_as_of = NULL;
    ck_assert_int_eq(b0.rc, 0);
    uint32_t v = veu_snapshot_find(b0.snap, "c0", 2);
    int rc;
    veu_diag_t err;
    veu_snapshot_t *p = history(b0.snap, "2024-01-01", &v, 1, &pol, 50, &rc, &err);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(rc, -E2BIG);
    ck_assert_msg(strstr(err.message, "more than 50 entities"), "%s", err.message);
    /* before the stakes were bought, c0 stands alone: a part of one */
    p = history(b0.snap, "2019-01-01", &v, 1, &pol, 50, &rc, &err);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(veu_snapshot_info(p)->entities, 1);
    veu_snapshot_close(p);
    th_built_free(&b0);
    th_rmdir(dir);
}
END_TEST

/* Undated data under an undated policy keeps no history: nothing to work from. */
START_TEST(undated_snapshot_keeps_no_history)
{
    char *dir = th_dataset("a:RU::d\nb:RU::", "a,b,60,equity", "");
    th_built_t b0;
    th_build(dir, NULL, &b0);
    ck_assert_int_eq(b0.rc, 0);
    uint32_t v = 1;
    int rc;
    veu_diag_t err;
    veu_policy_t pol;
    veu_policy_init(&pol);
    ck_assert_ptr_null(history(b0.snap, "2020-01-01", &v, 1, &pol, 50, &rc, &err));
    ck_assert_int_eq(rc, -EINVAL);
    ck_assert_msg(strstr(err.message, "no history"), "%s", err.message);
    th_built_free(&b0);
    th_rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("history");
    TCase *t = tcase_create("history");
    tcase_set_timeout(t, 600);
    tcase_add_test(t, history_equals_full_build_of_the_day);
    tcase_add_test(t, parts_across_a_large_graph);
    tcase_add_test(t, work_is_bounded);
    tcase_add_test(t, undated_snapshot_keeps_no_history);
    suite_add_tcase(s, t);
    return th_run(s);
}
