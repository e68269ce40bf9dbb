/* SPDX-License-Identifier: MIT */
/*
 * test_names.c: names as people type them.  The normaliser on its own, then
 * search over a built snapshot with real name variants: short forms against
 * legal names, legal forms and punctuation, names from the SAM family tree
 * of The Boeing Company written in Cyrillic, Chinese names, and names that
 * must not match.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "normalize.h"

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

int main(void)
{
    Suite *s = suite_create("names");
    TCase *t = tcase_create("normalise");
    tcase_add_test(t, normalise);
    suite_add_tcase(s, t);
    t = tcase_create("search");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, short_forms_and_legal_names);
    tcase_add_test(t, other_scripts);
    tcase_add_test(t, close_spellings_score_below_a_match);
    tcase_add_test(t, different_companies_score_low);
    suite_add_tcase(s, t);
    return th_run(s);
}
