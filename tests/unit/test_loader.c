/* SPDX-License-Identifier: MIT */
/*
 * test_loader.c: SPEC section 2, one test per rule: RFC 4180 quoting, BOM,
 * CRLF, columns by header name, UTF-8, the fatal errors (syntax, missing
 * column, duplicate id) and the skipped rows, each naming file, line and
 * column, and strict mode.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load/csvread.h"
#include "load/dataset.h"
#include "helpers.h"

static char *dir;
static th_built_t B;

static void setup_dir(void)
{
    dir = th_tmpdir();
}

static void teardown_dir(void)
{
    th_built_free(&B);
    th_rmdir(dir);
}

static const char *ENT = "id,name,country\nA,Alpha,DE\nX,Seed,US\n";

static void build(void)
{
    th_build(dir, NULL, &B);
}

static void build_strict(void)
{
    veu_policy_t p;
    veu_policy_init(&p);
    p.strict = true;
    th_build(dir, &p, &B);
}

static int has_problem(long line, const char *column, const char *needle)
{
    for (int i = 0; i < B.rep.n_kept; i++) {
        const veu_diag_t *d = &B.rep.kept[i];
        if (d->line == line && !strcmp(d->column, column) && strstr(d->message, needle)) {
            return 1;
        }
    }
    return 0;
}

START_TEST(quoting_bom_crlf)
{
    th_write(dir, "entities.csv",
             "\xEF\xBB\xBFid,name,country,aliases\r\n"
             "A,\"Alpha, \"\"the first\"\"\",DE,\"AA|Alpha\r\nGmbH\"\r\n"
             "\r\n"
             "B,Beta,FR,\r\n");
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nA,B,50\nA,Q,10\n");
    build();
    ck_assert_int_eq(B.rc, 0);
    ck_assert_uint_eq(B.counts.entities, 2);
    json_t *r = th_risk(&B, "A");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "entity"), "name")),
                     "Alpha, \"the first\"");
    json_decref(r);
    /* the unknown id is on physical line 3, after a quoted field spanning two lines */
    ck_assert(has_problem(3, "owned_id", "unknown entity id 'Q'"));
}
END_TEST

/* Every row of path, or the error, as text: line, fields. */
static int dump_row(void *ctx, const veu_csv_row_t *row)
{
    char **out = ctx;
    size_t n = strlen(*out), add = 32;
    for (size_t i = 0; i < row->n; i++) {
        add += row->len[i] + 3;
    }
    *out = realloc(*out, n + add);
    ck_assert_ptr_nonnull(*out);
    n += (size_t)sprintf(*out + n, "%ld:", row->line);
    for (size_t i = 0; i < row->n; i++) {
        n += (size_t)sprintf(*out + n, "[%s]", row->f[i]);
    }
    strcpy(*out + n, "\n");
    return 0;
}

/* out, the rows read, followed by how the read ended. */
static char *read_ended(char *out, int rc, const veu_diag_t *d)
{
    size_t n = strlen(out);
    out = realloc(out, n + sizeof(d->message) + 64);
    sprintf(out + n, "rc %d line %ld %s\n", rc, d->line, rc ? d->message : "");
    return out;
}

static char *read_rows(const char *path)
{
    char *out = calloc(1, 1);
    veu_diag_t d = {0};
    int rc = veu_csv_read(path, dump_row, &out, NULL, &d, NULL);
    return read_ended(out, rc, &d);
}

/*
 * The reader is fed a chunk at a time: rows, quoted fields over several
 * lines, CRLF, blank lines, a BOM and characters of several bytes read
 * with every chunk size from 1 to 23 bytes (and lines fed in parts from
 * 5 bytes) give exactly the rows, lines and errors of one large chunk, on
 * random files, valid or not.
 */
START_TEST(chunks_read_as_one)
{
    static const char *const bits[] = {
        "a",  ",",       "\"q,\"\"x\"\"\n y\"", "\r\n", "\n", "\n\n", "é", "中文", "\xff", "\"",
        "bb", "\xe4\xb8"};
    char *tmp = th_tmpdir(), path[4200];
    snprintf(path, sizeof(path), "%s/f.csv", tmp);
    srand(7);
    for (int round = 0; round < 300; round++) {
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        if (round % 3 == 0) {
            fputs("\xEF\xBB\xBF", f);
        }
        fputs("id,name\n", f);
        int n = rand() % 60;
        for (int i = 0; i < n; i++) {
            int k = rand() % 100;
            /* mostly valid pieces; now and then one that breaks the file */
            int b = k < 85 ? rand() % 8 : k < 95 ? 8 + rand() % 2 : rand() % 12;
            fputs(bits[b], f);
        }
        ck_assert_int_eq(fclose(f), 0);
        veu_csv_chunk = 4u << 20;
        veu_csv_long_line = 8u << 20;
        char *want = read_rows(path);
        for (size_t c = 1; c <= 23; c += 1 + (size_t)(round % 3)) {
            veu_csv_chunk = c;
            veu_csv_long_line = 5 + (size_t)(round % 7);
            char *got = read_rows(path);
            ck_assert_msg(!strcmp(want, got), "round %d chunk %zu:\n%s\n--- one chunk:\n%s", round,
                          c, got, want);
            free(got);
        }
        free(want);
    }
    veu_csv_chunk = 4u << 20;
    veu_csv_long_line = 8u << 20;
    th_rmdir(tmp);
}
END_TEST

/* The rows of [start, end) and how the read ended, as read_rows gives them. */
static char *read_range(const char *path, uint64_t start, uint64_t end, long line, int *rc)
{
    char *out = calloc(1, 1);
    veu_diag_t d = {0};
    *rc = veu_csv_read_range(path, start, end, line, dump_row, &out, NULL, &d, NULL);
    return read_ended(out, *rc, &d);
}

/*
 * A file cut where veu_csv_cut says, at every byte, reads as the whole: the
 * part before the cut, then (when that part was read without an error) the
 * part after it numbered from the lines before the cut, give the rows,
 * lines and error of one read, on random files valid or not (quoted fields
 * over lines, doubled quotes, CRLF, blank lines, a BOM, stray quotes).
 */
START_TEST(a_file_cut_reads_as_one)
{
    static const char *const bits[] = {
        "a", ",", "\"q,\"\"x\"\"\n y\"", "\r\n", "\n", "\n\n", "é", "\"\"", "\"", "bb\"", "\"\n\""};
    char *tmp = th_tmpdir(), path[4200];
    snprintf(path, sizeof(path), "%s/f.csv", tmp);
    srand(11);
    int cuts = 0;
    for (int round = 0; round < 100; round++) {
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        if (round % 4 == 0) {
            fputs("\xEF\xBB\xBF", f);
        }
        fputs("id,name\n", f);
        int n = rand() % 40;
        for (int i = 0; i < n; i++) {
            int k = rand() % 100;
            fputs(bits[k < 90 ? rand() % 8 : 8 + rand() % 3], f);
        }
        long size = ftell(f);
        ck_assert_int_eq(fclose(f), 0);
        char *want = read_rows(path);
        for (long at = 0; at <= size; at++) {
            uint64_t off;
            long lines;
            int rc;
            ck_assert_int_eq(veu_csv_cut(path, (uint64_t)at, &off, &lines), 0);
            ck_assert(off >= (uint64_t)at && off <= (uint64_t)size);
            char *got = read_range(path, 0, off, 0, &rc);
            if (rc == 0) {
                char *tail = read_range(path, off, UINT64_MAX, lines, &rc);
                char *end = strrchr(got, 'r'); /* the head's own "rc 0" line goes */
                while (end > got && end[-1] != '\n') {
                    end--;
                }
                *end = '\0';
                got = realloc(got, strlen(got) + strlen(tail) + 1);
                strcat(got, tail);
                free(tail);
                cuts += off > 0 && off < (uint64_t)size;
            }
            ck_assert_msg(!strcmp(want, got),
                          "round %d cut at %ld (%llu, %ld lines):\n%s\n--- "
                          "whole:\n%s",
                          round, at, (unsigned long long)off, lines, got, want);
            free(got);
        }
        free(want);
    }
    ck_assert_int_gt(cuts, 500); /* the files were cut, not read whole */
    th_rmdir(tmp);
}
END_TEST

/* A growing string: its length kept, so that a long load's problems append in linear time. */
struct sbuf {
    char *s;
    size_t len, cap;
};

static void cat(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cat(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    char line[1400];
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    size_t add = n < 0 ? 0 : (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    if (b->len + add + 1 > b->cap) {
        b->cap = (b->len + add + 1) * 2;
        b->s = realloc(b->s, b->cap);
        ck_assert_ptr_nonnull(b->s);
    }
    memcpy(b->s + b->len, line, add + 1);
    b->len += add;
}

static void on_problem(void *ctx, const veu_diag_t *d, bool warning)
{
    cat(ctx, "%c %s:%ld:%s: %s\n", warning ? 'W' : 'E', d->file, d->line, d->column, d->message);
}

static uint64_t fnv(const void *p, size_t len, uint64_t h)
{
    for (size_t i = 0; i < len; i++) {
        h = (h ^ ((const unsigned char *)p)[i]) * 1099511628211u;
    }
    return h;
}

/* Everything a load gives: its problems in order, counts, rows, history and digest. */
static char *load_all(const char *d, const veu_policy_t *pol)
{
    struct sbuf out = {0};
    veu_dataset_t ds;
    veu_report_t rep = {.on_problem = on_problem, .ctx = &out};
    veu_diag_t err = {0};
    int rc = veu_dataset_load(&ds, d, pol, "2026-06-01", &rep, &err);
    cat(&out, "rc %d %s:%ld:%s: %s\n", rc, err.file, err.line, err.column, rc ? err.message : "");
    cat(&out, "skipped %llu warnings %llu unknown %llu unreadable %llu\n",
        (unsigned long long)rep.skipped, (unsigned long long)rep.warnings,
        (unsigned long long)rep.unknown_stakes, (unsigned long long)rep.unreadable_percents);
    if (rc == 0) {
        cat(&out, "own %zu %016llx hown %zu %016llx sup %zu %016llx hsup %zu dated %d digest %s\n",
            ds.n_own,
            (unsigned long long)fnv(ds.own, ds.n_own * sizeof(*ds.own), 14695981039346656037u),
            ds.n_hown,
            (unsigned long long)fnv(ds.hown, ds.n_hown * sizeof(*ds.hown), 14695981039346656037u),
            ds.n_sup,
            (unsigned long long)fnv(ds.sup, ds.n_sup * sizeof(*ds.sup), 14695981039346656037u),
            ds.n_hsup, ds.dated, ds.digest);
    }
    veu_dataset_destroy(&ds); /* a failed load leaves what it read, as veu_build frees it */
    return out.s;
}

/*
 * ownership.csv read by two cores, cut anywhere, loads as one core reading
 * it whole: the same problems in the same order with the same lines, the
 * same counts, rows, history and digest, and under strict the same first
 * problem.  Random files: good rows, unknown ids, self-loops, unreadable or
 * missing percents, odd kinds, rows of the wrong width, quoted fields over
 * lines, dated rows (in effect or not) in either part or in none.
 */
#define CUT_ROUNDS 24

START_TEST(ownership_cut_loads_as_one)
{
    srand(23);
    unsigned long cuts = veu_ld_cuts;
    veu_csv_chunk = 1000; /* small reads: rows across chunks, and quick under the sanitizers */
    veu_csv_long_line = 4000;
    for (int round = 0; round < CUT_ROUNDS; round++) {
        struct sbuf ent = {0}, own = {0}, sup = {0};
        cat(&ent, "id,name\n");
        for (int i = 0; i < 30; i++) {
            cat(&ent, i % 7 ? "E%d,Name %d\n" : "E%d,\"Name\n%d\"\n", i, i);
        }
        cat(&own, round % 2 ? "owner_id,owned_id,percent,kind,start_date,end_date\n"
                            : "\xEF\xBB\xBFowner_id,owned_id,percent,kind,start_date,end_date\n");
        int dated_from = rand() % 3 == 0 ? 1000 : rand() % 300; /* rows from here may be dated */
        for (int i = 0, n = 100 + rand() % 200; i < n; i++) {
            int a = rand() % 30, b = rand() % 30, k = rand() % 100;
            const char *dates =
                i >= dated_from && rand() % 4 == 0
                    ? (rand() % 2 ? ",2020-01-01,2030-01-01" : ",2020-01-01,2021-01-01")
                    : ",,";
            if (k < 60) {
                cat(&own, "E%d,E%d,%d,equity%s\n", a, b, 1 + rand() % 100, dates);
            } else if (k < 65) {
                cat(&own, "E%d,Z%d,10,%s\n", a, b, dates);
            } else if (k < 70) {
                cat(&own, "E%d,E%d,abc,control%s\n", a, a, dates);
            } else if (k < 75) {
                cat(&own, "E%d,E%d,x%%,%s\n", a, b, dates);
            } else if (k < 80) {
                cat(&own, "E%d,E%d,,%s\n", a, b, dates);
            } else if (k < 85) {
                cat(&own, "E%d,E%d,20,\"con\ntrol\"%s\n", a, b, dates);
            } else if (k < 90) {
                cat(&own, "E%d,E%d,20\n", a, b);
            } else if (k < 95) {
                cat(&own, "\"E%d\",\"E%d\",\"3\"\"\",%s\n", a, b, dates);
            } else {
                cat(&own, "\n");
            }
        }
        cat(&sup, "supplier_id,customer_id,product\n");
        for (int i = 0; i < 50; i++) {
            cat(&sup, "E%d,E%d,p%d\n", rand() % 30, rand() % 31, i % 5);
        }
        th_write(dir, "entities.csv", ent.s);
        th_write(dir, "ownership.csv", own.s);
        th_write(dir, "supply.csv", sup.s);
        for (int strict = 0; strict < 2; strict++) {
            veu_policy_t pol;
            veu_policy_init(&pol);
            pol.strict = strict;
            veu_ld_split_min = SIZE_MAX;
            char *want = load_all(dir, &pol);
            veu_ld_split_min = 1;
            size_t len = own.len;
            for (long long at = 0; at < (long long)len; at += 1 + (long long)len / 13) {
                veu_ld_split_at = at;
                char *got = load_all(dir, &pol);
                size_t i = 0;
                while (want[i] && want[i] == got[i]) {
                    i++;
                }
                ck_assert_msg(!strcmp(want, got),
                              "round %d strict %d cut at %lld: %.300s\n--- whole: %.300s", round,
                              strict, at, got + (i > 100 ? i - 100 : 0),
                              want + (i > 100 ? i - 100 : 0));
                free(got);
            }
            veu_ld_split_min = 4u << 20;
            veu_ld_split_at = -1;
            free(want);
        }
        free(ent.s);
        free(own.s);
        free(sup.s);
    }
    ck_assert_uint_gt(veu_ld_cuts - cuts, CUT_ROUNDS * 12); /* the files were read in two parts */

    /* a tail with more problems than the second core keeps is read again, in order */
    struct sbuf own = {0};
    cat(&own, "owner_id,owned_id,percent\n");
    for (int i = 0; i < 12000; i++) {
        cat(&own, i % 2 ? "E%d,E%d,x\n" : "E%d,Z%d,5\n", i % 30, (i + 1) % 30);
    }
    th_write(dir, "ownership.csv", own.s);
    veu_policy_t pol;
    veu_policy_init(&pol);
    veu_ld_split_min = SIZE_MAX;
    char *want = load_all(dir, &pol);
    veu_ld_split_min = 1;
    veu_ld_split_at = 1000;
    cuts = veu_ld_cuts;
    char *got = load_all(dir, &pol);
    ck_assert_uint_eq(veu_ld_cuts - cuts, 1);
    ck_assert_msg(!strcmp(got, want), "a spilled tail loads differently");
    ck_assert_msg(strstr(want, "warnings 6000 unknown 6000"), "%.200s", strstr(want, "skipped"));
    veu_ld_split_min = 4u << 20;
    veu_ld_split_at = -1;
    veu_csv_chunk = 4u << 20;
    veu_csv_long_line = 8u << 20;
    free(own.s);
    free(want);
    free(got);
}
END_TEST

/*
 * Files as users have them: our files under any name, found by their
 * header (in any case); a header separated by ';' or tabs, a Latin-1 or a
 * UTF-16 file each fail with the problem and the fix named; the digest of
 * a directory with such files is the loader's.
 */
START_TEST(files_as_users_have_them)
{
    th_write(dir, "kek-entities.csv", "ID , Name,COUNTRY\nA,Alpha,RU\nB,Beta,DE\n");
    th_write(dir, "more-entities.csv", "id,name\nC,Gamma\n");
    th_write(dir, "stakes 2026.csv", "Owner_Id,owned_id,percent\nA,B,60\n");
    th_write(dir, "lists.csv", "entity_id,designation,source\nA,military,a list\n");
    th_write(dir, "notes.csv", "what,ever\nx,y\n");
    veu_build_opts_t o = {.data_dir = dir};
    char digest[33], want[33];
    veu_policy_init(&o.policy);
    ck_assert_int_eq(veu_policy_set(&o.policy, "home_country", "US", want, sizeof(want)), 0);
    ck_assert_int_eq(veu_build(&o, &B.rep, &B.counts, digest, &B.err), 0);
    ck_assert_int_eq(veu_dataset_digest(dir, want), 0);
    ck_assert_str_eq(digest, want);
    build();
    ck_assert_msg(B.rc == 0, "%s: %s", B.err.file, B.err.message);
    ck_assert_str_eq(th_verdict_of(&B, "B"), "deny"); /* 60% held by a seed */
    ck_assert_str_eq(th_verdict_of(&B, "C"), "standard");
    ck_assert(th_reported(&B, "matches none of the formats")); /* notes.csv */
    th_built_free(&B);

    static const struct {
        const char *name, *text, *says;
    } bad[] = {
        {"semi.csv", "id;name;country\nD;Delta;FR\n", "separated by ';'"},
        {"entities.csv", "id\tname\nD\tDelta\n", "separated by tabs"},
        {"latin.csv", "id,name\nD,Caf\xe9\n", "Latin-1 or Windows-1252"},
        {"entities.csv", "\xff\xfei\0d\0,\0n\0", "UTF-16"}, /* 10 bytes: NULs inside */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char path[4200];
        snprintf(path, sizeof(path), "%s/%s", dir, bad[i].name);
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        size_t n = i == 3 ? 10 : strlen(bad[i].text);
        ck_assert_uint_eq(fwrite(bad[i].text, 1, n, f), n);
        ck_assert_int_eq(fclose(f), 0);
        build();
        ck_assert_msg(B.rc < 0 && strstr(B.err.message, bad[i].says) &&
                          strstr(B.err.file, bad[i].name),
                      "case %zu: %d %s: %s", i, B.rc, B.err.file, B.err.message);
        th_built_free(&B);
        unlink(path);
    }
}
END_TEST

START_TEST(columns_by_name_extra_ignored)
{
    th_write(dir, "entities.csv", "note,name,id\nx,Alpha,A\ny,Beta,B\n");
    build();
    ck_assert_int_eq(B.rc, 0);
    json_t *r = th_risk(&B, "B");
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "entity"), "name")),
                     "Beta");
    json_decref(r);
}
END_TEST

START_TEST(missing_required_column)
{
    th_write(dir, "entities.csv", ENT);
    th_write(dir, "ownership.csv", "owner_id,percent\nX,50\n");
    build();
    ck_assert_int_eq(B.rc, -VEU_ECOLUMN);
    ck_assert_str_eq(B.err.column, "owned_id");
    ck_assert(strstr(B.err.file, "ownership.csv") != NULL);
    ck_assert_int_eq(B.err.line, 1);
}
END_TEST

START_TEST(missing_entities_file)
{
    build();
    ck_assert_int_eq(B.rc, -ENOENT);
    ck_assert(strstr(B.err.message, "cannot read") != NULL);
}
END_TEST

START_TEST(optional_files_missing)
{
    th_write(dir, "entities.csv", ENT);
    build();
    ck_assert_int_eq(B.rc, 0);
    ck_assert_uint_eq(B.counts.ownership_rows, 0);
}
END_TEST

START_TEST(empty_file_is_error)
{
    th_write(dir, "entities.csv", ENT);
    th_write(dir, "ownership.csv", "");
    build();
    ck_assert_int_eq(B.rc, -VEU_ECOLUMN);
    ck_assert(strstr(B.err.message, "empty") != NULL);
}
END_TEST

START_TEST(unterminated_quote)
{
    th_write(dir, "entities.csv", "id,name\nA,Alpha\nB,\"Beta\nC,Gamma\n");
    build();
    ck_assert_int_eq(B.rc, -VEU_ESYNTAX);
    ck_assert_int_eq(B.err.line, 3);
    ck_assert(strstr(B.err.message, "unterminated") != NULL);
}
END_TEST

START_TEST(stray_quote)
{
    th_write(dir, "entities.csv", "id,name\nA,Al\"pha\"x\n");
    build();
    ck_assert_int_eq(B.rc, -VEU_ESYNTAX);
    ck_assert_int_eq(B.err.line, 2);
}
END_TEST

START_TEST(bad_utf8)
{
    th_write(dir, "entities.csv", "id,name\nA,Alpha\nB,Be\xC3\x28ta\n");
    build();
    ck_assert_int_eq(B.rc, -VEU_ESYNTAX);
    ck_assert_int_eq(B.err.line, 3);
    ck_assert(strstr(B.err.message, "UTF-8") != NULL);
    ck_assert(strstr(B.err.file, "entities.csv") != NULL);
}
END_TEST

START_TEST(nul_byte)
{
    const char data[] = "id,name\nA,Al\0pha\n";
    char path[4200];
    snprintf(path, sizeof(path), "%s/entities.csv", dir);
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, sizeof(data) - 1, f);
    fclose(f);
    build();
    ck_assert_int_eq(B.rc, -VEU_ESYNTAX);
    ck_assert_int_eq(B.err.line, 2);
}
END_TEST

START_TEST(overlong_utf8_and_surrogate)
{
    size_t bad;
    ck_assert(!veu_utf8_valid("\xC0\xAF", 2, &bad));
    ck_assert(!veu_utf8_valid("\xED\xA0\x80", 3, &bad));
    ck_assert(!veu_utf8_valid("\xF4\x90\x80\x80", 4, &bad));
    ck_assert(!veu_utf8_valid("ab\xE2\x82", 4, &bad));
    ck_assert_uint_eq(bad, 2);
    ck_assert(veu_utf8_valid("\xE2\x82\xAC \xF0\x9F\x98\x80 \xC3\xA9", 11, &bad));
}
END_TEST

START_TEST(duplicate_id)
{
    th_write(dir, "entities.csv", "id,name\nA,Alpha\nB,Beta\nA,Again\n");
    build();
    ck_assert_int_eq(B.rc, -VEU_EDUPLICATE);
    ck_assert_int_eq(B.err.line, 4);
    ck_assert_str_eq(B.err.column, "id");
    ck_assert(strstr(B.err.message, "line 2") != NULL);
}
END_TEST

START_TEST(unknown_id_skipped)
{
    th_write(dir, "entities.csv", ENT);
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,50\nNOPE,A,10\n");
    th_write(dir, "supply.csv", "supplier_id,customer_id\nA,GHOST\n");
    th_write(dir, "designations.csv", "entity_id,designation\nX,defense\nWHO,defense\n");
    build();
    ck_assert_int_eq(B.rc, 0);
    ck_assert_uint_eq(B.rep.skipped, 2);
    ck_assert(has_problem(3, "owner_id", "NOPE"));
    ck_assert(has_problem(2, "customer_id", "GHOST"));
    /* a listing of an id the data lacks is a warning, counted for --check (SPEC 2) */
    ck_assert(has_problem(3, "entity_id", "WHO"));
    ck_assert_uint_eq(B.rep.designations_unknown, 1);
}
END_TEST

START_TEST(empty_required_field_skipped)
{
    th_write(dir, "entities.csv", "id,name\nA,Alpha\n,Nameless\nB,\n");
    build();
    ck_assert_int_eq(B.rc, 0);
    ck_assert_uint_eq(B.counts.entities, 1);
    ck_assert(has_problem(3, "id", "empty"));
    ck_assert(has_problem(4, "name", "empty"));
}
END_TEST

START_TEST(bad_percent_skipped)
{
    th_write(dir, "entities.csv", ENT);
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,0\nX,A,100.5\nX,A,-3\n");
    build();
    ck_assert_int_eq(B.rc, 0);
    ck_assert_uint_eq(B.rep.skipped, 3);
    ck_assert(has_problem(2, "percent", "outside"));
    ck_assert(has_problem(3, "percent", "outside"));
    ck_assert(has_problem(4, "percent", "outside"));
}
END_TEST

/* "50%", "50 %" and "12,5" are read, with a warning (SPEC section 2). */
START_TEST(percent_spellings_read)
{
    th_write(dir, "entities.csv",
             "id,name,country\nA,Alpha,DE\nB,Beta,DE\nC,Gamma,DE\nX,Seed,US\n");
    th_write(dir, "designations.csv", "entity_id,designation\nX,defense\n");
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,50%\nX,B,50 %\nX,C,\"12,5\"\n");
    build();
    ck_assert_int_eq(B.rc, 0);
    ck_assert_uint_eq(B.rep.skipped, 0);
    ck_assert(has_problem(2, "percent", "read as 50"));
    ck_assert(has_problem(3, "percent", "read as 50"));
    ck_assert(has_problem(4, "percent", "read as 12.5"));
    json_t *r = th_risk(&B, "A");
    ck_assert_str_eq(th_verdict(r), "deny"); /* the seed's majority stake is there */
    json_decref(r);
    r = th_risk(&B, "B");
    ck_assert_str_eq(th_verdict(r), "deny");
    json_decref(r);
    r = th_risk(&B, "C");
    ck_assert_double_eq_tol(th_metric(r, "defense_share"), 12.5, 1e-9);
    json_decref(r);
}
END_TEST

/* Any other unreadable percent keeps its row, as a stake of unknown size, never a skip. */
START_TEST(unreadable_percent_is_unknown_stake)
{
    th_write(dir, "entities.csv", "id,name,country\nA,Alpha,DE\nB,Beta,DE\nX,Seed,US\n");
    th_write(dir, "designations.csv", "entity_id,designation\nX,defense\n");
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,abc\nX,B,1e999\n");
    build();
    ck_assert_int_eq(B.rc, 0);
    ck_assert_uint_eq(B.rep.skipped, 0);
    ck_assert(has_problem(2, "percent", "unknown size"));
    ck_assert(has_problem(3, "percent", "unknown size"));
    ck_assert_uint_eq(B.rep.unreadable_percents, 2);
    ck_assert_uint_eq(B.rep.unknown_stakes, 2);
    ck_assert_uint_eq(B.counts.ownership_rows, 2);
    json_t *r = th_risk(&B, "A");
    ck_assert_str_eq(th_verdict(r), "review"); /* the seed may hold it whole */
    ck_assert(th_has_reason(r, "possibly_defense_controlled"));
    json_decref(r);
}
END_TEST

START_TEST(self_loop_skipped)
{
    th_write(dir, "entities.csv", ENT);
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nA,A,10\n");
    build();
    ck_assert_int_eq(B.rc, 0);
    ck_assert_uint_eq(B.rep.skipped, 1);
    ck_assert(has_problem(2, "owned_id", "self-loop"));
}
END_TEST

/* An unknown kind keeps its stake, as equity, with a warning: it never hides a stake. */
START_TEST(bad_kind_kept_as_equity)
{
    th_write(dir, "entities.csv", ENT);
    th_write(dir, "designations.csv", "entity_id,designation\nX,defense\n");
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent,kind\nX,A,60,voting\n");
    build();
    ck_assert_int_eq(B.rc, 0);
    ck_assert_uint_eq(B.rep.skipped, 0);
    ck_assert(has_problem(2, "kind", "voting"));
    json_t *r = th_risk(&B, "A");
    ck_assert_str_eq(th_verdict(r), "deny");
    json_decref(r);
}
END_TEST

/* A designation word is read in any case; any other word fails the build. */
START_TEST(designation_words)
{
    th_write(dir, "entities.csv", ENT);
    th_write(dir, "designations.csv", "entity_id,designation\nX,Defense\n");
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,60\n");
    build();
    ck_assert_int_eq(B.rc, 0);
    json_t *r = th_risk(&B, "X");
    ck_assert(th_has_reason(r, "is_seed"));
    json_decref(r);
    th_built_free(&B);
    th_write(dir, "designations.csv", "entity_id,designation\nX,defense\nA,pirate\n");
    build();
    ck_assert_int_lt(B.rc, 0);
    ck_assert_int_eq(B.err.line, 3);
    ck_assert_str_eq(B.err.column, "designation");
    ck_assert(strstr(B.err.message, "pirate") != NULL);
}
END_TEST

/* A data directory from which no entity is read fails: it would clear everyone. */
START_TEST(no_entities_fails)
{
    th_write(dir, "entities.csv", "id,name\n");
    build();
    ck_assert_int_lt(B.rc, 0);
    ck_assert(strstr(B.err.message, "no entity") != NULL);
}
END_TEST

START_TEST(field_count_mismatch_skipped)
{
    th_write(dir, "entities.csv", "id,name,country\nA,Alpha,DE\nB,Beta\n");
    build();
    ck_assert_int_eq(B.rc, 0);
    ck_assert_uint_eq(B.counts.entities, 1);
    ck_assert(has_problem(3, "", "2 fields"));
}
END_TEST

START_TEST(warnings_kept_rows)
{
    th_write(dir, "entities.csv", "id,name,country\nA,Alpha,Germany\nX,Seed,US\nY,Y,US\n");
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,\nX,A,70\nY,A,40\n");
    build();
    ck_assert_int_eq(B.rc, 0);
    ck_assert_uint_eq(B.rep.skipped, 0);
    ck_assert_uint_eq(B.rep.warnings, 3); /* country, unknown stake, over 100% */
    ck_assert(has_problem(2, "country", "Germany"));
    ck_assert(has_problem(2, "percent", "unknown size"));
    ck_assert(has_problem(0, "percent", "110%"));
}
END_TEST

START_TEST(strict_fails)
{
    th_write(dir, "entities.csv", ENT);
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,50\nX,NOPE,5\n");
    build_strict();
    ck_assert_int_eq(B.rc, -VEU_EROWS);
    ck_assert_int_eq(B.err.line, 3);
    ck_assert_str_eq(B.err.column, "owned_id");
    ck_assert_ptr_null(B.snap);
}
END_TEST

START_TEST(strict_allows_warnings)
{
    th_write(dir, "entities.csv", ENT);
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,\n");
    build_strict();
    ck_assert_int_eq(B.rc, 0);
    ck_assert_uint_eq(B.rep.warnings, 1);
}
END_TEST

START_TEST(report_keeps_first_and_counts_all)
{
    char own[1 << 15] = "owner_id,owned_id,percent\n";
    size_t o = strlen(own);
    for (int i = 0; i < 500; i++) {
        o += (size_t)sprintf(own + o, "X,Z%d,5\n", i);
    }
    th_write(dir, "entities.csv", ENT);
    th_write(dir, "ownership.csv", own);
    build();
    ck_assert_int_eq(B.rc, 0);
    ck_assert_uint_eq(B.rep.skipped, 500);
    ck_assert_int_eq(B.rep.n_kept, VEU_REPORT_KEEP);
    ck_assert_int_eq(B.rep.kept[0].line, 2);
}
END_TEST

START_TEST(digest_follows_content)
{
    char d1[33], d2[33], d3[33];
    veu_build_opts_t o = {.data_dir = dir};
    veu_report_t rep = {0};
    veu_counts_t c;
    veu_diag_t err;

    veu_policy_init(&o.policy);
    th_write(dir, "entities.csv", ENT);
    ck_assert_int_eq(veu_build(&o, &rep, &c, d1, &err), 0);
    ck_assert_int_eq(veu_build(&o, &rep, &c, d2, &err), 0);
    ck_assert_str_eq(d1, d2);
    th_write(dir, "entities.csv", "id,name,country\nA,Alpha,DE\nX,Seed,GB\n");
    ck_assert_int_eq(veu_build(&o, &rep, &c, d3, &err), 0);
    ck_assert_str_ne(d1, d3);
}
END_TEST

/* Every problem in the order the loader reports it, as "file:line". */
struct seen_problems {
    char (*at)[64];
    size_t n, cap;
};

static void note_problem(void *ctx, const veu_diag_t *d, bool warning)
{
    struct seen_problems *p = ctx;
    (void)warning;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->at = realloc(p->at, p->cap * sizeof(*p->at));
    }
    const char *base = strrchr(d->file, '/');
    snprintf(p->at[p->n++], sizeof(p->at[0]), "%s:%ld", base ? base + 1 : d->file, d->line);
}

static int load_noting(struct seen_problems *p, veu_dataset_t *ds, bool strict, veu_diag_t *err)
{
    veu_policy_t pol;
    veu_report_t rep = {.on_problem = note_problem, .ctx = p};
    veu_policy_init(&pol);
    pol.strict = strict;
    return veu_dataset_load(ds, dir, &pol, NULL, &rep, err);
}

/*
 * supply.csv is read on the second core while ownership.csv is read on the
 * first: its problems still come after ownership's (and after the stakes
 * over 100%), its products name the right strings, its fatal error is its own.
 */
START_TEST(supply_alongside_ownership)
{
    struct seen_problems p = {0};
    veu_dataset_t ds;
    veu_diag_t err;

    th_write(dir, "entities.csv", "id,name,country\nA,Alpha,DE\nX,Seed,US\nB,Beta,FR\n");
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,60\nB,A,50\nX,NOPE,5\n");
    th_write(dir, "supply.csv",
             "supplier_id,customer_id,product\nA,B,magnets\nA,NOPE,x\nB,A,motors\nX,B,\n");
    ck_assert_int_eq(load_noting(&p, &ds, false, &err), 0);
    ck_assert_uint_eq(p.n, 3);
    ck_assert_str_eq(p.at[0], "ownership.csv:4");
    ck_assert_str_eq(p.at[1], "ownership.csv:0"); /* A's stakes add up to 110% */
    ck_assert_str_eq(p.at[2], "supply.csv:3");
    ck_assert_uint_eq(ds.n_sup, 3);
    ck_assert_str_eq(veu_str(&ds.pool, ds.sup[0].product), "magnets");
    ck_assert_str_eq(veu_str(&ds.pool, ds.sup[1].product), "motors");
    ck_assert_str_eq(veu_str(&ds.pool, ds.sup[2].product), "");
    ck_assert_str_eq(veu_str(&ds.pool, ds.ent[2].name), "Beta"); /* strings before: intact */
    veu_dataset_destroy(&ds);

    /* strict: supply's first bad row fails the load, named by its own file and line */
    p.n = 0;
    ck_assert_int_eq(load_noting(&p, &ds, true, &err), -VEU_EROWS);
    ck_assert(strstr(err.file, "ownership.csv") != NULL); /* ownership's comes first */
    veu_dataset_destroy(&ds);
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,60\n");
    ck_assert_int_eq(load_noting(&p, &ds, true, &err), -VEU_EROWS);
    ck_assert(strstr(err.file, "supply.csv") != NULL);
    ck_assert_int_eq(err.line, 3);
    veu_dataset_destroy(&ds);
    free(p.at);
}
END_TEST

/*
 * Ownership and supply rows reach their checks a few rows late, once their
 * ids have been fetched (ld_read_csv_ahead): the problems still come in the
 * file's order, and a row before a syntax error is still checked before it,
 * so under strict the first problem in the file is the one that fails it.
 */
START_TEST(rows_held_back_keep_their_order)
{
    struct seen_problems p = {0};
    veu_dataset_t ds;
    veu_diag_t err;
    char own[4096] = "owner_id,owned_id,percent\n";
    size_t o = strlen(own);

    th_write(dir, "entities.csv", "id,name,country\nA,Alpha,DE\nX,Seed,US\nB,Beta,FR\n");
    for (int line = 2; line <= 40; line++) {
        bool bad = line == 5 || line == 20 || line == 38;
        o += (size_t)sprintf(own + o, "X,%s,1\n", bad ? "NOPE" : (line % 2 ? "A" : "B"));
    }
    th_write(dir, "ownership.csv", own);
    ck_assert_int_eq(load_noting(&p, &ds, false, &err), 0);
    ck_assert_uint_eq(p.n, 3);
    ck_assert_str_eq(p.at[0], "ownership.csv:5");
    ck_assert_str_eq(p.at[1], "ownership.csv:20");
    ck_assert_str_eq(p.at[2], "ownership.csv:38");
    ck_assert_uint_eq(ds.n_own, 36);
    veu_dataset_destroy(&ds);

    /* a stray quote on line 42: the bad row on line 38 was checked first */
    sprintf(own + o, "X,A,1\nX,B\"x,1\nX,A,1\n");
    th_write(dir, "ownership.csv", own);
    p.n = 0;
    ck_assert_int_eq(load_noting(&p, &ds, false, &err), -VEU_ESYNTAX);
    ck_assert_int_eq(err.line, 42);
    ck_assert_uint_eq(p.n, 3);
    ck_assert_str_eq(p.at[2], "ownership.csv:38");
    veu_dataset_destroy(&ds);
    p.n = 0;
    ck_assert_int_eq(load_noting(&p, &ds, true, &err), -VEU_EROWS);
    ck_assert_int_eq(err.line, 5);
    ck_assert_str_eq(err.column, "owned_id");
    veu_dataset_destroy(&ds);

    /* entities held back too: each index is its row's, and the map finds every id */
    char ent[4096] = "id,name\n";
    for (int i = 0; i < 60; i++) {
        sprintf(ent + strlen(ent), "E%d,Name %d\n", i, i);
    }
    th_write(dir, "entities.csv", ent);
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nE1,E2,50\n");
    ck_assert_int_eq(load_noting(&p, &ds, false, &err), 0);
    ck_assert_uint_eq(ds.n, 60);
    for (uint32_t i = 0; i < 60; i++) {
        char id[16];
        snprintf(id, sizeof(id), "E%u", i);
        ck_assert_str_eq(veu_str(&ds.pool, ds.ent[i].id), id);
        ck_assert_uint_eq(veu_idmap_find_raw(ds.ids.slot, ds.ids.mask, ds.pool.buf, id, strlen(id)),
                          i);
    }
    veu_dataset_destroy(&ds);

    /* a duplicate id before a stray quote is the error named */
    th_write(dir, "entities.csv", "id,name\nA,Alpha\nB,Beta\nA,Again\nC,Gamma\nD,\"x\"y\n");
    ck_assert_int_eq(load_noting(&p, &ds, false, &err), -VEU_EDUPLICATE);
    ck_assert_int_eq(err.line, 4);
    veu_dataset_destroy(&ds);
    th_write(dir, "entities.csv", "id,name,country\nA,Alpha,DE\nX,Seed,US\nB,Beta,FR\n");

    /* under strict, the bad row just before the syntax error is the one named */
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,1\nX,NOPE,1\nX,B\"x,1\n");
    ck_assert_int_eq(load_noting(&p, &ds, true, &err), -VEU_EROWS);
    ck_assert_int_eq(err.line, 3);
    ck_assert(strstr(err.message, "unknown entity id 'NOPE'") != NULL);
    veu_dataset_destroy(&ds);
    free(p.at);
}
END_TEST

/* More problems than the supply job holds: read again, every one reported, in order. */
START_TEST(supply_with_many_problems)
{
    struct seen_problems p = {0};
    veu_dataset_t ds;
    veu_diag_t err;
    size_t cap = 6000 * 16, len = 0;
    char *sup = malloc(cap);

    len += (size_t)sprintf(sup, "supplier_id,customer_id\n");
    for (int i = 0; i < 6000; i++) {
        len += (size_t)sprintf(sup + len, "A,Z%d\n", i);
    }
    len += (size_t)sprintf(sup + len, "A,X\n");
    th_write(dir, "entities.csv", ENT);
    th_write(dir, "ownership.csv", "owner_id,owned_id,percent\nX,NOPE,5\n");
    th_write(dir, "supply.csv", sup);
    ck_assert_int_eq(load_noting(&p, &ds, false, &err), 0);
    ck_assert_uint_eq(p.n, 6001);
    ck_assert_str_eq(p.at[0], "ownership.csv:2");
    ck_assert_str_eq(p.at[1], "supply.csv:2");
    ck_assert_str_eq(p.at[6000], "supply.csv:6001");
    ck_assert_uint_eq(ds.n_sup, 1);
    veu_dataset_destroy(&ds);
    free(p.at);
    free(sup);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("loader");
    TCase *t = tcase_create("loader");
    tcase_set_timeout(t, 60); /* files cut at every byte, under the sanitizers */
    tcase_add_checked_fixture(t, setup_dir, teardown_dir);
    tcase_add_test(t, quoting_bom_crlf);
    tcase_add_test(t, chunks_read_as_one);
    tcase_add_test(t, a_file_cut_reads_as_one);
    tcase_add_test(t, ownership_cut_loads_as_one);
    tcase_add_test(t, files_as_users_have_them);
    tcase_add_test(t, columns_by_name_extra_ignored);
    tcase_add_test(t, missing_required_column);
    tcase_add_test(t, missing_entities_file);
    tcase_add_test(t, optional_files_missing);
    tcase_add_test(t, empty_file_is_error);
    tcase_add_test(t, unterminated_quote);
    tcase_add_test(t, stray_quote);
    tcase_add_test(t, bad_utf8);
    tcase_add_test(t, nul_byte);
    tcase_add_test(t, overlong_utf8_and_surrogate);
    tcase_add_test(t, duplicate_id);
    tcase_add_test(t, unknown_id_skipped);
    tcase_add_test(t, empty_required_field_skipped);
    tcase_add_test(t, bad_percent_skipped);
    tcase_add_test(t, self_loop_skipped);
    tcase_add_test(t, percent_spellings_read);
    tcase_add_test(t, unreadable_percent_is_unknown_stake);
    tcase_add_test(t, bad_kind_kept_as_equity);
    tcase_add_test(t, designation_words);
    tcase_add_test(t, no_entities_fails);
    tcase_add_test(t, field_count_mismatch_skipped);
    tcase_add_test(t, warnings_kept_rows);
    tcase_add_test(t, strict_fails);
    tcase_add_test(t, strict_allows_warnings);
    tcase_add_test(t, report_keeps_first_and_counts_all);
    tcase_add_test(t, digest_follows_content);
    tcase_add_test(t, supply_alongside_ownership);
    tcase_add_test(t, supply_with_many_problems);
    tcase_add_test(t, rows_held_back_keep_their_order);
    suite_add_tcase(s, t);
    return th_run(s);
}
