/* SPDX-License-Identifier: MIT */
/*
 * test_names.c: names as people type them.  The normaliser on its own, then
 * search over a built snapshot with real name variants: short forms against
 * legal names, legal forms and punctuation, names from the SAM family tree
 * of The Boeing Company written in Cyrillic, Chinese names, and names that
 * must not match.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "names/normalize.h"
#include "snapshot/snapshot_int.h"

static void words_of(const char *name, char *out, size_t cap)
{
    veu_words_t w;
    veu_name_words(name, strlen(name), &w);
    out[0] = '\0';
    for (int i = 0; i < w.n; i++) {
        if (i) {
            strncat(out, " ", cap - strlen(out) - 1);
        }
        strncat(out, w.w[i], cap - strlen(out) - 1);
    }
}

static void same_words(const char *a, const char *b)
{
    char wa[512], wb[512];
    words_of(a, wa, sizeof(wa));
    words_of(b, wb, sizeof(wb));
    ck_assert_msg(!strcmp(wa, wb), "'%s' -> '%s' but '%s' -> '%s'", a, wa, b, wb);
}

START_TEST(normalise)
{
    char w[512];
    same_words("LOCKHEED MARTIN CORPORATION", "Lockheed Martin Corp.");
    same_words("Lockheed Martin Corp.", "martin, lockheed"); /* word order */
    same_words("Fincantieri S.p.A.", "FINCANTIERI SPA");
    same_words("Société Générale S.A.", "SOCIETE GENERALE");         /* accents */
    same_words("ＬＯＣＫＨＥＥＤ　ＭＡＲＴＩＮ", "Lockheed Martin"); /* NFKC: full width */
    same_words("Vestas Wind Systems A/S", "Vestas Wind Systems");
    same_words("ООО «Ромашка»", "Romashka LLC"); /* Cyrillic, BGN/PCGN */
    same_words("ДЖЕППЕСЕН ГМБХ", "Dzheppesen GmbH");
    same_words("中国航空工业集团有限公司", "Zhongguohangkonggongye"); /* Han: one word */
    same_words("三菱重工業株式会社", "Sanlingzhonggongye");
    words_of("The Company", w, sizeof(w)); /* only legal forms: they stay */
    ck_assert_str_eq(w, "company the");
    words_of("Lockheed \xff\xfe Martin", w, sizeof(w)); /* invalid UTF-8: no crash, words kept */
    ck_assert_ptr_nonnull(strstr(w, "lockheed"));
    words_of("", w, sizeof(w));
    ck_assert_str_eq(w, "");
}
END_TEST

static th_built_t B;
static char *dir;

static void setup(void)
{
    dir = th_tmpdir();
    th_write(dir, "entities.csv",
             "id,name,country,sector,aliases\n"
             "lm,Lockheed Martin Corporation,US,defense,\n"
             "mm,Martin Marietta Materials Inc.,US,construction,\n"
             "avic,\"Aviation Industry Corporation of China, Ltd.\",CN,defense,"
             "AVIC|中国航空工业集团有限公司\n"
             "comac,Commercial Aircraft Corporation of China,CN,aerospace,COMAC\n"
             "boeing,The Boeing Company,US,aerospace,\n"
             "boeing-ru,\"BOING RASHA, INK., FILIAL\",RU,aerospace,\n"
             "jeppesen-ru,\"DZHEPPESEN GMBKH, PREDSTAVITELSTVO\",RU,aerospace,\n"
             "nmd,NIHON MACDONELL DOUGLAS K.K.,JP,aerospace,\n"
             "boeing-jp,BOEING JAPAN K.K.,JP,aerospace,\n"
             "airbus,Airbus SE,NL,aerospace,\n"
             "rheinmetall,Rheinmetall AG,DE,defense,\n"
             "rh-auto,Rheinmetall Automotive AG,DE,automotive,\n");
    th_build(dir, NULL, &B);
    ck_assert_msg(B.rc == 0, "%s", B.err.message);
}

static void teardown(void)
{
    th_built_free(&B);
    th_rmdir(dir);
}

/* The best match for name, and its score. */
static const char *best(const char *name, double *score)
{
    veu_match_t m[10];
    size_t n = veu_snapshot_search(B.snap, name, strlen(name), m, 10);
    for (size_t i = 0; i < n; i++) {
        ck_assert(m[i].score > 0 && m[i].score <= 1);
        ck_assert(i == 0 || m[i - 1].score >= m[i].score); /* best first */
    }
    *score = n ? m[0].score : 0;
    return n ? veu_snapshot_id(B.snap, m[0].idx) : "";
}

static void finds(const char *name, const char *id, double min)
{
    double sc;
    const char *got = best(name, &sc);
    ck_assert_msg(!strcmp(got, id) && sc >= min - 1e-9, "'%s': best '%s' (%.3f), want '%s' >= %.2f",
                  name, got, sc, id, min);
}

/* name scores below max against id (whatever else it finds) */
static void not_like(const char *name, const char *id, double max)
{
    veu_match_t m[20];
    size_t n = veu_snapshot_search(B.snap, name, strlen(name), m, 20);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(veu_snapshot_id(B.snap, m[i].idx), id)) {
            ck_assert_msg(m[i].score < max, "'%s' scores %.3f against %s", name, m[i].score, id);
        }
    }
}

START_TEST(short_forms_and_legal_names)
{
    finds("AVIC", "avic", 1);
    finds("Aviation Industry Corporation of China, Ltd.", "avic", 1);
    finds("aviation industry corp of china", "avic", 1);
    finds("COMAC", "comac", 1);
    finds("LOCKHEED MARTIN CORPORATION", "lm", 1);
    finds("Lockheed Martin Corp.", "lm", 1);
    finds("Martin, Lockheed", "lm", 1);
    finds("Rheinmetall", "rheinmetall", 1);
    finds("The Boeing Co", "boeing", 1);
    finds("Boeing Japan KK", "boeing-jp", 1);
}
END_TEST

/* Each legal form, from the first of the list to the last, and words that are none. */
START_TEST(legal_forms_by_table)
{
    static const char *const forms[] = {
        "inc",    "incorporated", "co",  "the",
        "gmbh",   "kgaa",         "und", "sa",
        "sasu",   "ltda",         "y",   "e",
        "ab",     "zoo",          "ooo", "fgup",
        "pat",    "korporatsiya", "kk",  "kabushikigaisha",
        "jituan", "gufen",
    };
    static const char *const not_forms[] = {"",         "gmbhx",       "gmb",  "boeing", "magnets",
                                            "aviation", "incorporate", "gufe", "x"};
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        ck_assert_msg(veu_name_is_legal_form(forms[i]), "'%s' is a legal form", forms[i]);
    }
    for (size_t i = 0; i < sizeof(not_forms) / sizeof(not_forms[0]); i++) {
        ck_assert_msg(!veu_name_is_legal_form(not_forms[i]), "'%s' is none", not_forms[i]);
    }
}
END_TEST

START_TEST(other_scripts)
{
    /* the SAM tree writes these Russian branch names in BGN/PCGN Latin */
    finds("Боинг Раша, Инк., филиал", "boeing-ru", 1);
    finds("ДЖЕППЕСЕН ГМБХ, ПРЕДСТАВИТЕЛЬСТВО", "jeppesen-ru", 1);
    finds("Джеппесен", "jeppesen-ru", 1);
    finds("中国航空工业集团", "avic", 1);
    finds("Zhongguo Hangkong Gongye Jituan Youxian Gongsi", "avic", 1);
}
END_TEST

START_TEST(close_spellings_score_below_a_match)
{
    double sc;
    finds("Lockhead Martin", "lm", 0.6); /* found, but no automatic match */
    best("Lockhead Martin", &sc);
    ck_assert(sc < 0.9);
    finds("Nihon McDonnell Douglas", "nmd", 0.6);
    best("Nihon McDonnell Douglas", &sc);
    ck_assert(sc < 0.9);
}
END_TEST

/*
 * 9,000 entities whose names (name_fmt with one word) use a word of prefix
 * and five of the letters "bcdfghjk", then target_row; built into *b.
 */
static char *crowd(th_built_t *b, const char *prefix, const char *name_fmt, const char *target_row)
{
    size_t cap = 9100 * 40, len = 0;
    char *csv = malloc(cap), *d = th_tmpdir();

    len += (size_t)snprintf(csv + len, cap - len, "id,name,country\n");
    for (int i = 0; i < 9000; i++) {
        char w[8], name[32];
        snprintf(w, sizeof(w), "%.2s", prefix);
        for (int k = 0, x = i; k < 5; k++, x /= 8) {
            w[2 + k] = "bcdfghjk"[x % 8]; /* none of kalmonex's other letters */
        }
        w[7] = '\0';
        snprintf(name, sizeof(name), name_fmt, w);
        len += (size_t)snprintf(csv + len, cap - len, "f%d,%s,DE\n", i, name);
    }
    snprintf(csv + len, cap - len, "%s\n", target_row);
    th_write(d, "entities.csv", csv);
    free(csv);
    th_build(d, NULL, b);
    ck_assert_msg(b->rc == 0, "%s", b->err.message);
    return d;
}

/*
 * A close spelling's likeness is its trigram Dice however common its
 * trigrams are: 9,000 other words share "^ka" with "kalmonex" (and nothing
 * else), and "kalmonex" is the last of them on that trigram's list.  The
 * search once counted only a list's first 8,192 words, so it found the
 * word with 5 of its 6 trigrams shared with "kalmonez" and scored 0.625.
 */
START_TEST(close_spelling_on_a_long_trigram_list)
{
    th_built_t b;
    veu_match_t m[10];
    char *d = crowd(&b, "ka", "%s", "target,Kalmonex,DE");
    size_t n = veu_snapshot_search(b.snap, "Kalmonez", 8, m, 10);
    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(veu_snapshot_id(b.snap, m[0].idx), "target");
    /* ^ka kal alm lmo mon one: 6 of 8 trigrams each, 2 * 6 / (8 + 8) */
    ck_assert_double_eq_tol(m[0].score, 0.75, 1e-9);
    th_built_free(&b);
    th_rmdir(d);
}
END_TEST

/*
 * A word on more entities than a search scores (8,192): the entity named by
 * that word alone is found, wherever it lies.  Lists are read lightest key
 * first; read in entity order, the list ended before the last entity.
 */
START_TEST(a_name_on_a_long_list_found)
{
    th_built_t b;
    veu_match_t m[10];
    char *d = crowd(&b, "zz", "Kalmonex %s", "target,Kalmonex GmbH,DE");

    const char *q[] = {"Kalmonex", "Kalmonex AG", "Kalmonez"};
    for (int i = 0; i < 3; i++) {
        size_t n = veu_snapshot_search(b.snap, q[i], strlen(q[i]), m, 10);
        ck_assert_uint_eq(n, 10);
        ck_assert_msg(!strcmp(veu_snapshot_id(b.snap, m[0].idx), "target"), "%s: %s first", q[i],
                      veu_snapshot_id(b.snap, m[0].idx));
        ck_assert(m[0].score > m[1].score);
    }
    /* and `risk` by that name answers for it (before: not_found, the best five far below) */
    veu_name_match_t nm;
    ck_assert_int_eq(veu_snapshot_resolve_name(b.snap, "Kalmonex GmbH", 13, NULL, 0.9, &nm),
                     VEU_NAME_FOUND);
    ck_assert_str_eq(veu_snapshot_id(b.snap, nm.idx), "target");
    ck_assert(nm.exact);
    th_built_free(&b);
    th_rmdir(d);
}
END_TEST

/*
 * Search against itself with every posting scored: the bounds that stop a
 * list early (MaxScore over lists, bound weights within one) change no
 * match at or above the floor, on random names from a small vocabulary so
 * that words are shared, with exact words, one letter off and unknown ones.
 */
START_TEST(bounds_drop_no_match)
{
    static const char *const voc[] = {
        "kalmon",  "vextra",  "boreal", "magnet",  "aerotek", "sorvan", "trimax",   "hollen",
        "kestrel", "dunmore", "praxis", "velmont", "orbis",   "tallis", "quorra",   "zephyr",
        "norvik",  "castel",  "lumen",  "ferrox",  "gaudin",  "helios", "ironvale", "jarrow",
    };
    const size_t nv = sizeof(voc) / sizeof(voc[0]);
    size_t cap = 1 << 20, len = 0;
    char *csv = malloc(cap), *d = th_tmpdir();
    th_built_t b;
    unsigned seed = 7;

    len += (size_t)snprintf(csv + len, cap - len, "id,name,country,sector,aliases\n");
    for (int i = 0; i < 1200; i++) {
        char name[128] = "", alias[128] = "";
        int nw = 1 + (int)(rand_r(&seed) % 3);
        for (int k = 0; k < nw; k++) {
            strcat(name, k ? " " : "");
            strcat(name, voc[rand_r(&seed) % nv]);
        }
        if (rand_r(&seed) % 4 == 0) {
            snprintf(alias, sizeof(alias), "%s %s", voc[rand_r(&seed) % nv],
                     voc[rand_r(&seed) % nv]);
        }
        len += (size_t)snprintf(csv + len, cap - len, "e%d,%s%s,DE,trading,%s\n", i, name,
                                rand_r(&seed) % 3 ? "" : " GmbH", alias);
    }
    th_write(d, "entities.csv", csv);
    th_build(d, NULL, &b);
    ck_assert_msg(b.rc == 0, "%s", b.err.message);
    int differed = 0;
    for (int t = 0; t < 600; t++) {
        char q[128] = "";
        int nw = 1 + (int)(rand_r(&seed) % 3);
        for (int k = 0; k < nw; k++) {
            char w[32];
            snprintf(w, sizeof(w), "%s", voc[rand_r(&seed) % nv]);
            int how = (int)(rand_r(&seed) % 4);
            if (how == 1) {
                w[rand_r(&seed) % strlen(w)] = 'x'; /* one letter off */
            } else if (how == 2) {
                snprintf(w, sizeof(w), "unheard%d", t);
            }
            strcat(q, k ? " " : "");
            strcat(q, w);
        }
        veu_match_t fast[10], all[10];
        size_t nf = veu_snapshot_search(b.snap, q, strlen(q), fast, 10);
        veu_search_exhaustive = 1;
        size_t na = veu_snapshot_search(b.snap, q, strlen(q), all, 10);
        veu_search_exhaustive = 0;
        size_t nfloor = 0;
        while (nfloor < na && all[nfloor].score >= 0.25 + 1e-9) {
            nfloor++;
        }
        ck_assert_msg(nf >= nfloor, "'%s': %zu matches, %zu at the floor", q, nf, nfloor);
        for (size_t i = 0; i < nfloor; i++) {
            ck_assert_msg(fast[i].idx == all[i].idx && fast[i].score == all[i].score,
                          "'%s' match %zu: %s %.6f, every posting: %s %.6f", q, i,
                          veu_snapshot_id(b.snap, fast[i].idx), fast[i].score,
                          veu_snapshot_id(b.snap, all[i].idx), all[i].score);
        }
        differed += nf != na;
    }
    (void)differed;
    th_built_free(&b);
    th_rmdir(d);
    free(csv);
}
END_TEST

/* The name and 63 aliases are keys; empty aliases are none and do not count. */
START_TEST(sixty_four_keys_at_most)
{
    char csv[4096], *d = th_tmpdir();
    th_built_t b;
    veu_match_t m[10];
    size_t len =
        (size_t)snprintf(csv, sizeof(csv), "id,name,country,sector,aliases\nz,Zentrix,DE,,||");

    for (int i = 1; i <= 70; i++) {
        len += (size_t)snprintf(csv + len, sizeof(csv) - len, "%sQuorx%02d", i > 1 ? "|" : "", i);
    }
    snprintf(csv + len, sizeof(csv) - len, "\nother,Velmont,DE,,\n");
    th_write(d, "entities.csv", csv);
    th_build(d, NULL, &b);
    ck_assert_msg(b.rc == 0, "%s", b.err.message);
    ck_assert_uint_ge(veu_snapshot_search(b.snap, "Quorx63", 7, m, 10), 1);
    ck_assert_str_eq(veu_snapshot_id(b.snap, m[0].idx), "z");
    ck_assert_double_eq_tol(m[0].score, 1.0, 1e-12);
    size_t n = veu_snapshot_search(b.snap, "Quorx64", 7, m, 10);
    ck_assert(n == 0 || m[0].score < 1.0); /* the 65th key: not indexed */
    th_built_free(&b);
    th_rmdir(d);
}
END_TEST

/*
 * Searches from four threads at once each get what one thread alone gets:
 * the close-spelling tables and ICU's transliterator are per thread (the
 * names in other scripts go through it, the misspelt ones through the
 * tables).  Run under ThreadSanitizer by scripts/test.
 */
static const char *const hunt_names[] = {
    "Lockhead Martin",
    "Rheinmetal Automotive",
    "Boing Rasha Ink",
    "中国航空工业集团",
    "Бойнг Раша филиал",
    "Airbuss",
    "Comercial Aircraft Corporation",
    "Nihon Macdonel Duglas",
    "Dzheppesen Predstavitelstvo",
};
#define N_HUNT (sizeof(hunt_names) / sizeof(hunt_names[0]))
static veu_match_t hunt_want[N_HUNT][10];
static size_t hunt_n[N_HUNT];

static const void *hunt_translit[4];
static int hunt_bad[4];

static void *hunt(void *arg)
{
    int *bad = arg;
    veu_match_t m[10];

    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < N_HUNT; i++) {
            size_t n = veu_snapshot_search(B.snap, hunt_names[i], strlen(hunt_names[i]), m, 10);
            bool same = n == hunt_n[i];
            for (size_t k = 0; same && k < n; k++) {
                same = m[k].idx == hunt_want[i][k].idx && m[k].score == hunt_want[i][k].score;
            }
            *bad += !same;
        }
    }
    hunt_translit[bad - hunt_bad] = veu_names_translit();
    return NULL;
}

START_TEST(search_from_four_threads)
{
    pthread_t th[4];
    size_t found = 0;

    for (size_t i = 0; i < N_HUNT; i++) {
        hunt_n[i] =
            veu_snapshot_search(B.snap, hunt_names[i], strlen(hunt_names[i]), hunt_want[i], 10);
        found += hunt_n[i] > 0;
    }
    ck_assert_uint_eq(found,
                      N_HUNT); /* every name finds something: the comparison means something */
    for (int t = 0; t < 4; t++) {
        ck_assert_int_eq(pthread_create(&th[t], NULL, hunt, &hunt_bad[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        ck_assert_msg(hunt_bad[t] == 0, "thread %d: %d searches differed from one thread's", t,
                      hunt_bad[t]);
    }
    /* ICU's transliterators are not for two threads at once: each had its own
       (theirs are closed as they end, so only this thread's, still open, is compared) */
    const void *mine = veu_names_translit();
    for (int t = 0; mine && t < 4; t++) {
        ck_assert_ptr_nonnull(hunt_translit[t]);
        ck_assert_ptr_ne(hunt_translit[t], mine);
    }
}
END_TEST

START_TEST(different_companies_score_low)
{
    double sc;
    not_like("Martin Marietta", "lm", 0.6);
    not_like("Lockheed Martin", "mm", 0.6);
    not_like("Commercial Aircraft Corporation of China", "avic", 0.6);
    not_like("Rheinmetall Automotive", "rheinmetall", 0.9);
    best("Totally Unrelated Widgets", &sc);
    ck_assert(sc < 0.3);
    best("Airbus", &sc);
    finds("Airbus", "airbus", 1);
    not_like("Airbus", "boeing", 0.3);
    best("Inc.", &sc); /* nothing but a legal form */
    ck_assert(sc < 0.9);
}
END_TEST

/* ------------------------------------------------------------------ */
/* One entity for a name (SPEC section 8)                             */

static int resolve(const veu_snapshot_t *snap, const char *name, const char *country,
                   veu_name_match_t *m)
{
    return veu_snapshot_resolve_name(snap, name, strlen(name), country, 0.9, m);
}

static bool among(const veu_snapshot_t *snap, const veu_name_match_t *m, const char *id)
{
    for (size_t i = 0; i < m->n; i++) {
        if (!strcmp(veu_snapshot_id(snap, m->cand[i].idx), id)) {
            return true;
        }
    }
    return false;
}

START_TEST(exact_names_first)
{
    veu_name_match_t m;
    char *d = th_tmpdir();
    th_built_t b;
    th_write(d, "entities.csv",
             "id,name,country,aliases\n"
             "h,Acme Holding GmbH,DE,\n"
             "a,Acme GmbH,DE,\n"
             "fr,ACME GMBH,FR,\n"
             "x,Xylo AG,DE,Xylophon Werke\n"
             "y,Xylo Inc,US,\n");
    th_build(d, NULL, &b);
    ck_assert_msg(b.rc == 0, "%s", b.err.message);
    /* the same name in two countries: never one of them at random */
    ck_assert_int_eq(resolve(b.snap, "Acme GmbH", NULL, &m), VEU_NAME_AMBIGUOUS);
    ck_assert_uint_eq(m.n, 2);
    ck_assert(among(b.snap, &m, "a") && among(b.snap, &m, "fr") && !among(b.snap, &m, "h"));
    /* country settles it; the exact name beats the holding, which fits only without "Holding" */
    ck_assert_int_eq(resolve(b.snap, "acme g.m.b.h.", "DE", &m), VEU_NAME_FOUND);
    ck_assert_str_eq(veu_snapshot_id(b.snap, m.idx), "a");
    ck_assert(m.exact);
    ck_assert_int_eq(resolve(b.snap, "Acme GmbH", "fr", &m), VEU_NAME_FOUND);
    ck_assert_str_eq(veu_snapshot_id(b.snap, m.idx), "fr");
    ck_assert_int_eq(resolve(b.snap, "Acme Holding GmbH", NULL, &m), VEU_NAME_FOUND);
    ck_assert_str_eq(veu_snapshot_id(b.snap, m.idx), "h");
    /* equal fits with no exact name: every one of them, none picked */
    ck_assert_int_eq(resolve(b.snap, "Xylo", NULL, &m), VEU_NAME_AMBIGUOUS);
    ck_assert(among(b.snap, &m, "x") && among(b.snap, &m, "y"));
    /* an alias found names the alias matched */
    ck_assert_int_eq(resolve(b.snap, "Xylophon Werke", NULL, &m), VEU_NAME_FOUND);
    ck_assert_str_eq(veu_snapshot_id(b.snap, m.idx), "x");
    ck_assert_int_eq((int)m.matched_len, 14);
    ck_assert(!strncmp(m.matched, "Xylophon Werke", m.matched_len));
    /* a country with none of the name: not found */
    ck_assert_int_eq(resolve(b.snap, "Acme GmbH", "JP", &m), VEU_NAME_NONE);
    th_built_free(&b);
    th_rmdir(d);
}
END_TEST

/*
 * Every company of a real register asked by its exact registered name
 * finds itself, or an ambiguous answer that names it: KEK (3,065 German
 * media companies, 25 names shared by two) and the bundled sample (the SAM
 * family tree of The Boeing Company, GLEIF records, hand-written facts).
 */
static void round_trip(const char *data, const char *what, unsigned *ret_found,
                       unsigned *ret_ambiguous)
{
    th_built_t b;
    th_build(data, NULL, &b);
    ck_assert_msg(b.rc == 0, "%s: %s", what, b.err.message);
    unsigned found = 0, ambiguous = 0, other = 0;
    for (uint32_t v = 0; v < veu_snapshot_info(b.snap)->entities; v++) {
        const char *id = veu_snapshot_id(b.snap, v), *name = veu_snapshot_name(b.snap, v);
        veu_name_match_t m;
        veu_match_t best;
        /* for the record: the one best match alone, as veud answered before section 8 */
        other += veu_snapshot_search(b.snap, name, strlen(name), &best, 1) == 1 && best.idx != v;
        int st = resolve(b.snap, name, NULL, &m);
        if (st == VEU_NAME_FOUND) {
            ck_assert_msg(m.idx == v, "%s: '%s' (%s) found %s '%s'", what, name, id,
                          veu_snapshot_id(b.snap, m.idx), veu_snapshot_name(b.snap, m.idx));
            found++;
        } else {
            ck_assert_msg(st == VEU_NAME_AMBIGUOUS && among(b.snap, &m, id),
                          "%s: '%s' (%s) gave %d without naming it", what, name, id, st);
            ambiguous++;
        }
    }
    th_built_free(&b);
    fprintf(stderr, "names: %s: the best match alone would answer for another company for %u\n",
            what, other);
    *ret_found = found;
    *ret_ambiguous = ambiguous;
}

START_TEST(registers_round_trip)
{
    unsigned f, a;
    char *d = th_tmpdir(), cmd[600];
    snprintf(cmd, sizeof(cmd), "cp '%s/kek/company.csv' '%s/entities.csv'", TEST_DATA_DIR, d);
    ck_assert_int_eq(system(cmd), 0);
    round_trip(d, "KEK", &f, &a);
    fprintf(stderr, "names: KEK: %u of %u found themselves, %u ambiguous naming them\n", f, f + a,
            a);
    ck_assert_uint_eq(f + a, 3065);
    th_rmdir(d);
    d = th_tmpdir(); /* the build writes its snapshot beside the data */
    snprintf(cmd, sizeof(cmd), "cp '%s'/*.csv '%s'/", SAMPLE_DIR, d);
    ck_assert_int_eq(system(cmd), 0);
    round_trip(d, "sample", &f, &a);
    th_rmdir(d);
    fprintf(stderr, "names: sample: %u of %u found themselves, %u ambiguous naming them\n", f,
            f + a, a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("names");
    TCase *t = tcase_create("normalise");
    tcase_add_test(t, normalise);
    suite_add_tcase(s, t);
    t = tcase_create("search");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, short_forms_and_legal_names);
    tcase_add_test(t, legal_forms_by_table);
    tcase_add_test(t, a_name_on_a_long_list_found);
    tcase_add_test(t, bounds_drop_no_match);
    tcase_add_test(t, sixty_four_keys_at_most);
    tcase_add_test(t, other_scripts);
    tcase_add_test(t, close_spellings_score_below_a_match);
    tcase_add_test(t, different_companies_score_low);
    tcase_add_test(t, search_from_four_threads);
    tcase_add_test(t, close_spelling_on_a_long_trigram_list);
    suite_add_tcase(s, t);
    t = tcase_create("resolve");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, exact_names_first);
    tcase_add_test(t, registers_round_trip);
    suite_add_tcase(s, t);
    return th_run(s);
}
