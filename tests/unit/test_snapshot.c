/* SPDX-License-Identifier: MIT */
/*
 * test_snapshot.c: the snapshot file: written whole, read back, and refused
 * with a clear error when truncated, bit-flipped, of another version, or
 * forged with a valid checksum but indices that point outside it.
 */
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <xxhash.h>

#include "helpers.h"
#include "engine/graph.h"
#include "format/snapfmt.h"

static char *dir;
static th_built_t B;
static unsigned char *orig;
static size_t orig_len;

/* A whole file's bytes. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fstat(fileno(f), &st), 0);
    *len = (size_t)st.st_size;
    unsigned char *p = malloc(*len);
    ck_assert_uint_eq(fread(p, 1, *len, f), *len);
    fclose(f);
    return p;
}

static void setup(void)
{
    dir = th_dataset("X:US:defense:d\nY:RU:-:m\nA:DE:automotive:\nB:FR:-:v\nH:GB:-:\n",
                     "X,A,30,\nY,A,25,\nA,B,20,\nH,A,10,\nH,Y,,control\n", "B,A\n");
    th_build(dir, NULL, &B);
    ck_assert_int_eq(B.rc, 0);
    orig = slurp(B.snap_path, &orig_len);
}

static void teardown(void)
{
    th_built_free(&B);
    th_rmdir(dir);
    free(orig);
}

static int open_bytes(const unsigned char *data, size_t len, char *err, size_t errlen)
{
    char path[4200];
    veu_snapshot_t *s = NULL;
    snprintf(path, sizeof(path), "%s/bad.snap", dir);
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    int rc = veu_snapshot_open(path, &s, err, errlen);
    if (rc == 0) {
        veu_snapshot_close(s);
    }
    return rc;
}

START_TEST(round_trip)
{
    const veu_snapshot_info_t *i = veu_snapshot_info(B.snap);
    ck_assert_uint_eq(i->entities, 5);
    ck_assert_uint_eq(i->ownership_edges, 5);
    ck_assert_uint_eq(i->supply_edges, 1);
    ck_assert_uint_eq(strlen(i->digest), 32);
    ck_assert(strstr(i->policy_json, "\"control_threshold\":50") != NULL);
    ck_assert(strstr(i->data_dir, "veu-test-") != NULL);
    ck_assert_uint_eq(veu_snapshot_find(B.snap, "nope", 4), VEU_SNAP_NONE);
    ck_assert_str_eq(veu_snapshot_name(B.snap, veu_snapshot_find(B.snap, "A", 1)), "A Inc");
    /* an id with a NUL in it, or longer than any key, names nothing (F22) */
    ck_assert_uint_eq(veu_snapshot_find(B.snap, "A\0B", 3), VEU_SNAP_NONE);
    ck_assert_uint_eq(veu_snapshot_find(B.snap, "A\0", 2), VEU_SNAP_NONE);
    /* every entity answers with a JSON object */
    const char *ids[] = {"X", "Y", "A", "B", "H"};
    for (int k = 0; k < 5; k++) {
        json_t *r = th_risk(&B, ids[k]);
        ck_assert(json_is_object(json_object_get(r, "metrics")));
        json_decref(r);
    }
}
END_TEST

/* Walks the hint of id for every round the server gives it. */
static int walk_hint(const veu_snapshot_t *s, const char *id)
{
    veu_snapshot_hint_t h;
    int rounds = 0;
    veu_snapshot_hint_id(s, id, strlen(id), &h);
    ck_assert_uint_le(h.n, VEU_HINT_ITEMS);
    while (rounds < VEU_HINT_STEPS && veu_snapshot_hint_step(s, &h)) {
        ck_assert_uint_le(h.n, VEU_HINT_ITEMS);
        rounds++;
    }
    return rounds;
}

/* Prefetch hints (hint.c) read only what the snapshot holds and change no answer. */
START_TEST(hints_change_nothing)
{
    const char *ids[] = {"X", "Y", "A", "B", "H", "nope", "", "A\nB"};
    char *before[5];
    for (int k = 0; k < 5; k++) {
        json_t *r = th_risk(&B, ids[k]);
        before[k] = json_dumps(r, JSON_COMPACT);
        json_decref(r);
    }
    int rounds = 0;
    for (int k = 0; k < 8; k++) {
        rounds += walk_hint(B.snap, ids[k]);
    }
    /* A's hint reaches its owners and what it supplies: more than the slot and the record */
    ck_assert_int_gt(walk_hint(B.snap, "A"), 2);
    ck_assert_int_gt(rounds, 8);
    for (int k = 0; k < 5; k++) {
        json_t *r = th_risk(&B, ids[k]);
        char *after = json_dumps(r, JSON_COMPACT);
        ck_assert_str_eq(after, before[k]);
        free(after);
        free(before[k]);
        json_decref(r);
    }
}
END_TEST

/*
 * The snapshot fuzz target starts from a committed seed; a seed of an older
 * format is refused at the version check, and the fuzzer then explores
 * nothing behind it.  The seed must open, with a history, bounds and names.
 */
START_TEST(fuzz_seed_is_current)
{
    veu_snapshot_t *s = NULL;
    char err[256];
    int rc = veu_snapshot_open(FUZZ_CORPUS_DIR "/snapshot/tiny.snap", &s, err, sizeof(err));
    ck_assert_msg(rc == 0, "tests/fuzz/corpus/snapshot/tiny.snap: %s (rebuild it: see its commit)",
                  err);
    const veu_snapshot_info_t *i = veu_snapshot_info(s);
    ck_assert(i->history);
    ck_assert_uint_gt(i->entities, 0);
    veu_match_t m;
    ck_assert_int_eq(veu_snapshot_search(s, "alpha motors", 12, &m, 1), 1);
    veu_snapshot_close(s);
}
END_TEST

START_TEST(truncated_refused)
{
    char err[512];
    size_t cuts[] = {0,
                     1,
                     100,
                     VEU_SNAP_HEADER - 1,
                     VEU_SNAP_HEADER,
                     VEU_SNAP_HEADER + 1,
                     orig_len / 2,
                     orig_len - 1};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        err[0] = '\0';
        int rc = open_bytes(orig, cuts[i], err, sizeof(err));
        ck_assert_msg(rc == -VEU_ESNAPSHOT, "cut at %zu: rc %d", cuts[i], rc);
        ck_assert(err[0] != '\0');
    }
}
END_TEST

START_TEST(bit_flips_refused)
{
    unsigned char *copy = malloc(orig_len);
    char err[512];
    unsigned seed = 7;
    for (int i = 0; i < 200; i++) {
        seed = seed * 1103515245u + 12345u;
        size_t pos = (seed >> 4) % orig_len;
        memcpy(copy, orig, orig_len);
        copy[pos] ^= (unsigned char)(1u << (seed % 8));
        int rc = open_bytes(copy, orig_len, err, sizeof(err));
        ck_assert_msg(rc == -VEU_ESNAPSHOT || rc == -VEU_EVERSION, "flip at %zu accepted", pos);
    }
    free(copy);
}
END_TEST

START_TEST(foreign_and_version)
{
    char err[512];
    unsigned char *copy = malloc(orig_len);
    memcpy(copy, orig, orig_len);
    memcpy(copy, "NOTVEUD!", 8);
    ck_assert_int_eq(open_bytes(copy, orig_len, err, sizeof(err)), -VEU_ESNAPSHOT);
    ck_assert(strstr(err, "magic") != NULL);
    memcpy(copy, orig, orig_len);
    ((veu_snap_header_t *)copy)->version = 99;
    ck_assert_int_eq(open_bytes(copy, orig_len, err, sizeof(err)), -VEU_EVERSION);
    ck_assert(strstr(err, "99") != NULL);
    free(copy);
    ck_assert_int_eq(open_bytes((const unsigned char *)"", 0, err, sizeof(err)), -VEU_ESNAPSHOT);
}
END_TEST

/* Rewrites both checksums so that only the structural checks stand between. */
static void reseal(unsigned char *data, size_t len)
{
    veu_snap_header_t *h = (veu_snap_header_t *)data;
    h->checksum = XXH3_64bits(data + VEU_SNAP_HEADER, len - VEU_SNAP_HEADER);
    h->header_checksum = 0;
    h->header_checksum = XXH3_64bits(data, VEU_SNAP_HEADER);
}

START_TEST(forged_indices_refused)
{
    char err[512];
    unsigned char *copy = malloc(orig_len);
    const veu_snap_header_t *h = (const veu_snap_header_t *)orig;

    /* an edge pointing past the entities */
    memcpy(copy, orig, orig_len);
    veu_oedge_t *e = (veu_oedge_t *)(copy + h->sec[SEC_OWN].off);
    e[0].to = 1000;
    reseal(copy, orig_len);
    ck_assert_int_eq(open_bytes(copy, orig_len, err, sizeof(err)), -VEU_ESNAPSHOT);
    ck_assert(strstr(err, "edge") != NULL);

    /* a name offset past the strings */
    memcpy(copy, orig, orig_len);
    veu_snap_entity_t *ent = (veu_snap_entity_t *)(copy + h->sec[SEC_ENTITIES].off);
    ent[2].name = 0xfffffff0u;
    reseal(copy, orig_len);
    ck_assert_int_eq(open_bytes(copy, orig_len, err, sizeof(err)), -VEU_ESNAPSHOT);

    /* a predecessor edge past the edges */
    memcpy(copy, orig, orig_len);
    ent = (veu_snap_entity_t *)(copy + h->sec[SEC_ENTITIES].off);
    ent[2].ctrl_pred = 77;
    reseal(copy, orig_len);
    ck_assert_int_eq(open_bytes(copy, orig_len, err, sizeof(err)), -VEU_ESNAPSHOT);

    /* the rest of an entity: a source past the strings, name keys past KEYS */
    memcpy(copy, orig, orig_len);
    veu_snap_entx_t *x = (veu_snap_entx_t *)(copy + h->sec[SEC_ENTX].off);
    x[1].seed_src = 0xfffffff0u;
    reseal(copy, orig_len);
    ck_assert_int_eq(open_bytes(copy, orig_len, err, sizeof(err)), -VEU_ESNAPSHOT);
    memcpy(copy, orig, orig_len);
    x = (veu_snap_entx_t *)(copy + h->sec[SEC_ENTX].off);
    x[1].keys = 0xfffffff0u;
    reseal(copy, orig_len);
    ck_assert_int_eq(open_bytes(copy, orig_len, err, sizeof(err)), -VEU_ESNAPSHOT);

    /* a posting's keys offset that is not its entity's: search would read another's keys */
    memcpy(copy, orig, orig_len);
    ck_assert_uint_gt(h->sec[SEC_POSTK].len, 4);
    uint32_t *pk = (uint32_t *)(copy + h->sec[SEC_POSTK].off);
    pk[1] = pk[0] + 1;
    reseal(copy, orig_len);
    ck_assert_int_eq(open_bytes(copy, orig_len, err, sizeof(err)), -VEU_ESNAPSHOT);

    /*
     * bound weights search stops a list on: one above its entity's keys, or
     * out of order, would end a list before a match; each is refused
     */
    const float *pw0 = (const float *)(orig + h->sec[SEC_POSTW].off);
    size_t np = h->sec[SEC_POSTW].len / 4, hi = np;
    for (size_t i = 0; i < np; i++) {
        hi = pw0[i] > 0 && hi == np ? i : hi; /* the first posting bound by a key's weight */
    }
    ck_assert_uint_lt(hi, np);
    memcpy(copy, orig, orig_len);
    float *pw = (float *)(copy + h->sec[SEC_POSTW].off);
    pw[hi] *= 1.5f;
    reseal(copy, orig_len);
    ck_assert_int_eq(open_bytes(copy, orig_len, err, sizeof(err)), -VEU_ESNAPSHOT);
    /* a name of one word scores 1 for that word alone: its bound weight must be 0 */
    size_t z = 0;
    while (z < np && pw0[z] != 0) {
        z++;
    }
    ck_assert_uint_lt(z, np);
    memcpy(copy, orig, orig_len);
    pw = (float *)(copy + h->sec[SEC_POSTW].off);
    pw[z] = 1e-6f;
    reseal(copy, orig_len);
    ck_assert_int_eq(open_bytes(copy, orig_len, err, sizeof(err)), -VEU_ESNAPSHOT);
    memcpy(copy, orig, orig_len);
    pw = (float *)(copy + h->sec[SEC_POSTW].off);
    pw[hi] = NAN;
    reseal(copy, orig_len);
    ck_assert_int_eq(open_bytes(copy, orig_len, err, sizeof(err)), -VEU_ESNAPSHOT);

    /* a key whose weight is not a number: every score against it would be NaN */
    memcpy(copy, orig, orig_len);
    uint32_t *keys = (uint32_t *)(copy + h->sec[SEC_KEYS].off);
    x = (veu_snap_entx_t *)(copy + h->sec[SEC_ENTX].off);
    ck_assert_uint_gt(keys[x[0].keys], 0); /* entity 0 has a key */
    double nan = NAN;
    memcpy(keys + x[0].keys + 1 + 2, &nan, sizeof(nan));
    reseal(copy, orig_len);
    ck_assert_int_eq(open_bytes(copy, orig_len, err, sizeof(err)), -VEU_ESNAPSHOT);

    /* adjacency offsets out of order */
    memcpy(copy, orig, orig_len);
    uint32_t *out = (uint32_t *)(copy + h->sec[SEC_OWN_OUT].off);
    out[1] = 100;
    reseal(copy, orig_len);
    ck_assert_int_eq(open_bytes(copy, orig_len, err, sizeof(err)), -VEU_ESNAPSHOT);

    /* a section that claims to reach past the end */
    memcpy(copy, orig, orig_len);
    ((veu_snap_header_t *)copy)->sec[SEC_STRINGS].len = orig_len;
    reseal(copy, orig_len);
    ck_assert_int_eq(open_bytes(copy, orig_len, err, sizeof(err)), -VEU_ESNAPSHOT);

    /* resealed but untouched: accepted (the checks above are not vacuous) */
    memcpy(copy, orig, orig_len);
    reseal(copy, orig_len);
    ck_assert_int_eq(open_bytes(copy, orig_len, err, sizeof(err)), 0);
    free(copy);
}
END_TEST

/* A word's postings out of bound-weight order, each within its key: refused. */
START_TEST(bound_weights_in_order)
{
    char err[512], *d = th_tmpdir();
    th_built_t b;

    th_write(d, "entities.csv", "id,name\nA,Kalmonex Alpha\nB,Kalmonex Bravo Charlie\n");
    th_build(d, NULL, &b);
    ck_assert_int_eq(b.rc, 0);
    FILE *f = fopen(b.snap_path, "rb");
    struct stat st;
    ck_assert_int_eq(fstat(fileno(f), &st), 0);
    size_t len = (size_t)st.st_size;
    unsigned char *copy = malloc(len);
    ck_assert_uint_eq(fread(copy, 1, len, f), len);
    fclose(f);
    const veu_snap_header_t *h = (const veu_snap_header_t *)copy;
    const veu_snap_word_t *wd = (const veu_snap_word_t *)(copy + h->sec[SEC_WORDS].off);
    uint32_t i = 0;
    while (i < h->n_words && wd[i].len < 2) {
        i++;
    }
    ck_assert_uint_lt(i, h->n_words); /* "kalmonex", on both */
    float *pw = (float *)(copy + h->sec[SEC_POSTW].off) + wd[i].off;
    ck_assert(0 < pw[0] && pw[0] < pw[1]); /* A's key, of two words, weighs less than B's */
    ck_assert_int_eq(open_bytes(copy, len, err, sizeof(err)), 0);
    pw[1] = pw[0] / 2; /* still under B's key, but lighter than the posting before it */
    reseal(copy, len);
    ck_assert_int_eq(open_bytes(copy, len, err, sizeof(err)), -VEU_ESNAPSHOT);
    free(copy);
    th_built_free(&b);
    th_rmdir(d);
}
END_TEST

START_TEST(write_is_atomic)
{
    /* a failed build leaves the previous snapshot in place, whole */
    th_write(dir, "entities.csv", "id,name\nA,\"broken\n");
    th_built_t b2;
    char path[4200];
    snprintf(path, sizeof(path), "%s", B.snap_path);
    th_build(dir, NULL, &b2);
    ck_assert_int_eq(b2.rc, -VEU_ESYNTAX);
    veu_snapshot_t *s;
    char err[256];
    ck_assert_int_eq(veu_snapshot_open(path, &s, err, sizeof(err)), 0);
    veu_snapshot_close(s);
}
END_TEST

/*
 * The writer runs beside the ties and the names and writes each section once
 * what it needs is ready.  A ties hook that is slow leaves the writer waiting
 * after the graph's sections; one that fails must leave no file behind.
 */
static int slow_ties(void *ctx, struct veu_ties *t, const struct veu_graph *g,
                     const struct veu_dataset *ds, const veu_policy_t *pol, veu_diag_t *err)
{
    struct timespec ts = {0, 50 * 1000000L}; /* the writer is well ahead by then */
    nanosleep(&ts, NULL);
    if (ctx) {
        snprintf(err->message, sizeof(err->message), "the ties hook failed on purpose");
        return -EIO;
    }
    return veu_ties_compute(t, g, ds, pol, err);
}

static int build_with(veu_ties_fn fn, void *ctx, const char *out, veu_diag_t *err)
{
    veu_build_opts_t o = {.data_dir = dir, .out_path = out, .ties = fn, .ties_ctx = ctx};
    veu_report_t rep = {0};
    veu_counts_t c;
    veu_policy_init(&o.policy);
    return veu_build(&o, &rep, &c, NULL, err);
}

START_TEST(unwritable_target)
{
    veu_diag_t err;
    ck_assert_int_eq(build_with(NULL, NULL, "/nonexistent-dir/x.snap", &err), -ENOENT);
    ck_assert(strstr(err.message, "cannot create the snapshot") != NULL);
}
END_TEST

START_TEST(written_beside_the_ties)
{
    char slow[4200];
    veu_diag_t err;
    size_t len;

    snprintf(slow, sizeof(slow), "%s/slow.snap", dir);
    ck_assert_int_eq(build_with(slow_ties, NULL, slow, &err), 0);
    unsigned char *b = slurp(slow, &len); /* after the header, which holds the build's time */
    ck_assert_uint_eq(len, orig_len);
    ck_assert_msg(memcmp(orig + VEU_SNAP_HEADER, b + VEU_SNAP_HEADER, len - VEU_SNAP_HEADER) == 0,
                  "the file depends on which stage ended first");
    free(b);
    veu_snapshot_t *s;
    char why[256];
    ck_assert_int_eq(veu_snapshot_open(slow, &s, why, sizeof(why)), 0);
    ck_assert_uint_eq(veu_snapshot_info(s)->counts.deny, veu_snapshot_info(B.snap)->counts.deny);
    ck_assert_uint_eq(veu_snapshot_info(s)->counts.review,
                      veu_snapshot_info(B.snap)->counts.review);
    veu_snapshot_close(s);
}
END_TEST

START_TEST(failed_ties_leave_nothing)
{
    char out[4200];
    veu_diag_t err;
    int fail = 1;

    snprintf(out, sizeof(out), "%s/failed.snap", dir);
    ck_assert_int_eq(build_with(slow_ties, &fail, out, &err), -EIO);
    ck_assert_str_eq(err.message, "the ties hook failed on purpose");
    struct stat st;
    ck_assert_int_ne(stat(out, &st), 0);
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        ck_assert_msg(!strstr(e->d_name, "failed.snap"), "left behind: %s", e->d_name);
    }
    closedir(d);
}
END_TEST

START_TEST(huge_pages_told)
{
    /* the fixture's snapshot is under 2 MiB: nothing to tell */
    ck_assert_int_eq(veu_snapshot_huge_pct(B.snap), -1);

    /* 20,000 entities in a chain of owners: several MiB, found in /proc/self/smaps */
    size_t n = 20000, cap = n * 64;
    char *ents = malloc(cap), *own = malloc(cap), *d2 = th_tmpdir();
    size_t el = 0, ol = 0;
    el += (size_t)snprintf(ents, cap, "id,name,country,sector\n");
    ol += (size_t)snprintf(own, cap, "owner_id,owned_id,percent,kind\n");
    for (size_t i = 0; i < n; i++) {
        el += (size_t)snprintf(ents + el, cap - el, "E%zu,Company %zu,DE,%s\n", i, i,
                               i % 7 ? "" : "automotive");
        if (i) {
            ol += (size_t)snprintf(own + ol, cap - ol, "E%zu,E%zu,%zu,\n", i - 1, i, 10 + i % 60);
        }
    }
    th_write(d2, "entities.csv", ents);
    th_write(d2, "ownership.csv", own);
    th_write(d2, "designations.csv", "entity_id,designation,source\nE0,defense,test list\n");
    th_built_t b2;
    th_build(d2, NULL, &b2);
    ck_assert_int_eq(b2.rc, 0);
    ck_assert_uint_ge(veu_snapshot_info(b2.snap)->file_size, 4u << 20);
    int pct = veu_snapshot_huge_pct(b2.snap);
    ck_assert_int_ge(pct, 0); /* how much depends on the kernel and the file system */
    ck_assert_int_le(pct, 100);
    th_built_free(&b2);
    th_rmdir(d2);
    free(ents);
    free(own);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("snapshot");
    TCase *t = tcase_create("snapshot");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, round_trip);
    tcase_add_test(t, hints_change_nothing);
    tcase_add_test(t, fuzz_seed_is_current);
    tcase_add_test(t, truncated_refused);
    tcase_add_test(t, bit_flips_refused);
    tcase_add_test(t, foreign_and_version);
    tcase_add_test(t, forged_indices_refused);
    tcase_add_test(t, bound_weights_in_order);
    tcase_add_test(t, write_is_atomic);
    tcase_add_test(t, unwritable_target);
    tcase_add_test(t, written_beside_the_ties);
    tcase_add_test(t, failed_ties_leave_nothing);
    tcase_add_test(t, huge_pages_told);
    suite_add_tcase(s, t);
    return th_run(s);
}
