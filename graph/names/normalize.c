/* SPDX-License-Identifier: MIT */
/*
 * normalize.c: company names to words.  ASCII names (most of every
 * registry) take a fast path; others go through utf8proc (NFKC, case
 * folding, accents stripped, punctuation variants lumped) and, when letters
 * of another script remain, ICU's transliterator: Russian by BGN/PCGN (the
 * romanisation registers and the SAM family tree use: "ДЖЕППЕСЕН ГМБХ" is
 * "DZHEPPESEN GMBKH"), any other script by ICU's Any-Latin, then ASCII.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uclean.h>
#include <unicode/uscript.h>
#include <unicode/utf16.h>
#include <unicode/utrans.h>
#include <unicode/ustring.h>
#include <utf8proc.h>

#include "names/normalize.h"
#include "veu/snapshot.h"

#define NAME_MAX_BYTES 1024

/*
 * Legal forms and connecting words across languages, in the lower-case ASCII
 * they take once transliterated: they say what kind of company, not which.
 */
static const char *const legal_forms[] = {
    /* English, and what registers in Asia and Africa use */
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "companies",
    "ltd",
    "limited",
    "llc",
    "plc",
    "lp",
    "llp",
    "lllp",
    "pllc",
    "pty",
    "pte",
    "pvt",
    "private",
    "bhd",
    "sdn",
    "tbk",
    "pt",
    "jsc",
    "pjsc",
    "ojsc",
    "cjsc",
    "the",
    "of",
    "and",
    "holding",
    "holdings",
    "group",
    "branch",
    "trust",
    /* German, Austrian, Swiss, Dutch, Belgian */
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "kgaa",
    "ohg",
    "ug",
    "ev",
    "eg",
    "se",
    "bv",
    "nv",
    "vof",
    "cv",
    "bvba",
    "sprl",
    "und",
    /* French, Italian, Spanish, Portuguese, Latin America */
    "sa",
    "sas",
    "sasu",
    "sarl",
    "eurl",
    "sca",
    "snc",
    "spa",
    "srl",
    "sapa",
    "scarl",
    "sl",
    "slu",
    "sau",
    "ltda",
    "de",
    "del",
    "la",
    "le",
    "et",
    "y",
    "e",
    "di",
    /* Nordic, Polish, Czech, Slovak, Balkan, Baltic */
    "ab",
    "publ",
    "as",
    "asa",
    "aps",
    "oy",
    "oyj",
    "hf",
    "ehf",
    "sp",
    "zoo",
    "sro",
    "spol",
    "doo",
    "dd",
    "ad",
    "ood",
    "eood",
    "uab",
    "sia",
    /* Russian and Ukrainian, as BGN/PCGN writes them */
    "ooo",
    "ao",
    "oao",
    "zao",
    "pao",
    "nao",
    "fgup",
    "gup",
    "tov",
    "pat",
    "prat",
    "ink",
    "gmbkh",
    "korporatsiya",
    "kompaniya",
    "obshchestvo",
    "aktsionernoye",
    "publichnoye",
    "filial",
    "predstavitelstvo",
    /* Japanese, Korean, Chinese in Latin letters */
    "kk",
    "kabushiki",
    "kaisha",
    "kabushikigaisha",
    "yk",
    "youxian",
    "gongsi",
    "jituan",
    "zeren",
    "gufen",
};

/* Legal forms written in CJK characters, removed before transliteration. */
static const char *const cjk_forms[] = {
    "股份有限公司", "有限责任公司", "有限責任公司", "有限公司", "株式会社", "有限会社",
    "集团",         "集團",         "公司",         "주식회사", "유한회사",
};

/*
 * ICU's transliterators may not be used by two threads at once: each
 * thread opens its own, on its first name in another script, and closes it
 * when it ends (the key's destructor); veu_names_cleanup closes the
 * caller's.
 */
static pthread_key_t translit_key;
static bool translit_keyed; /* set once, under translit_once */
static pthread_once_t translit_once = PTHREAD_ONCE_INIT;
static _Thread_local int translit_failed;

static void translit_close(void *t)
{
    utrans_close(t);
}

static void translit_key_make(void)
{
    translit_keyed = pthread_key_create(&translit_key, translit_close) == 0;
}

/*
 * Every word of every name is asked whether it is a legal form: a table of
 * them by hash, made once, asks one or two instead of all 125 (the scan of
 * the list took a tenth of the 1M build's name index).
 */
#define FORM_SLOTS 512 /* a power of two, above twice the list */
#define NFORMS     (sizeof(legal_forms) / sizeof(legal_forms[0]))
static const char *form_slot[FORM_SLOTS];
static pthread_once_t form_once = PTHREAD_ONCE_INIT;

static uint32_t form_hash(const char *w)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *w; w++) {
        h = (h ^ (unsigned char)*w) * 16777619u;
    }
    return h & (FORM_SLOTS - 1);
}

static void form_table(void)
{
    _Static_assert(NFORMS * 2 < FORM_SLOTS, "FORM_SLOTS too small for the legal forms");
    for (size_t i = 0; i < NFORMS; i++) {
        uint32_t h = form_hash(legal_forms[i]);
        while (form_slot[h] && strcmp(form_slot[h], legal_forms[i])) {
            h = (h + 1) & (FORM_SLOTS - 1);
        }
        form_slot[h] = legal_forms[i];
    }
}

int veu_name_is_legal_form(const char *w)
{
    pthread_once(&form_once, form_table);
    for (uint32_t h = form_hash(w); form_slot[h]; h = (h + 1) & (FORM_SLOTS - 1)) {
        if (!strcmp(w, form_slot[h])) {
            return 1;
        }
    }
    return 0;
}

static UTransliterator *get_translit(void)
{
    UTransliterator *t;

    pthread_once(&translit_once, translit_key_make);
    if (!translit_keyed) {
        return NULL;
    }
    t = pthread_getspecific(translit_key);
    if (!t && !translit_failed) {
        UErrorCode st = U_ZERO_ERROR;
        UParseError pe;
        UChar id[96];
        u_uastrcpy(id, "Russian-Latin/BGN; Any-Latin; Latin-ASCII");
        t = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, &pe, &st);
        if (U_FAILURE(st) || pthread_setspecific(translit_key, t) != 0) {
            if (!U_FAILURE(st)) {
                utrans_close(t);
            }
            t = NULL;
            translit_failed = 1; /* ICU data missing: other scripts stay as they are */
        }
    }
    return t;
}

void veu_names_init(void)
{
    get_translit();
}

const void *veu_names_translit(void)
{
    return get_translit();
}

void veu_names_cleanup(void)
{
    pthread_once(&translit_once, translit_key_make);
    if (translit_keyed) {
        UTransliterator *t = pthread_getspecific(translit_key);
        if (t) {
            utrans_close(t);
            pthread_setspecific(translit_key, NULL);
        }
    }
    u_cleanup(); /* ICU's registry and data caches */
}

/* Removes every CJK legal form from the UTF-8 text s (in place); returns the new length. */
static size_t drop_cjk_forms(char *s, size_t len)
{
    for (size_t f = 0; f < sizeof(cjk_forms) / sizeof(cjk_forms[0]); f++) {
        size_t fl = strlen(cjk_forms[f]);
        char *p;
        s[len] = '\0';
        while ((p = strstr(s, cjk_forms[f]))) {
            memmove(p, p + fl, len - (size_t)(p - s) - fl + 1);
            len -= fl;
        }
    }
    return len;
}

/*
 * Transliterates one run of text in place; a run of Han characters loses the
 * spaces ICU puts between syllables, so that a Chinese name is one word, as
 * its pinyin spelling usually is ("Zhongguo Hangkong"), not eight syllables
 * that other names share.  Returns the new length, or -1.
 */
static int32_t translit_run(UTransliterator *t, UChar *u, int32_t len, int32_t cap, int han)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t limit = len;

    utrans_transUChars(t, u, &len, cap, 0, &limit, &st);
    if (U_FAILURE(st)) {
        return -1;
    }
    if (han) {
        int32_t k = 0;
        for (int32_t i = 0; i < len; i++) {
            if (u[i] != ' ') {
                u[k++] = u[i];
            }
        }
        len = k;
    }
    return len;
}

static int is_han(UChar32 c)
{
    UErrorCode st = U_ZERO_ERROR;
    return uscript_getScript(c, &st) == USCRIPT_HAN;
}

/* Transliterates UTF-8 to ASCII Latin; returns the new length (0 when it cannot). */
static size_t to_latin(const char *s, size_t len, char *out, size_t cap)
{
    UTransliterator *t = get_translit();
    UChar u[NAME_MAX_BYTES], res[4 * NAME_MAX_BYTES], run[4 * NAME_MAX_BYTES];
    int32_t ulen = 0, rl = 0, olen = 0;
    UErrorCode st = U_ZERO_ERROR;

    if (!t) {
        return 0;
    }
    u_strFromUTF8WithSub(u, NAME_MAX_BYTES, &ulen, s, (int32_t)len, 0xFFFD, NULL, &st);
    if (U_FAILURE(st)) {
        return 0;
    }
    for (int32_t i = 0; i < ulen;) {
        int32_t start = i, n;
        UChar32 c;
        U16_NEXT(u, i, ulen, c);
        int han = is_han(c);
        for (int32_t j = i; j < ulen; i = j) {
            U16_NEXT(u, j, ulen, c);
            if (is_han(c) != han) {
                break;
            }
        }
        n = i - start;
        memcpy(run, u + start, (size_t)n * sizeof(UChar));
        n = translit_run(t, run, n, (int32_t)(sizeof(run) / sizeof(run[0])), han);
        if (n < 0 || rl + n + 1 > (int32_t)(sizeof(res) / sizeof(res[0]))) {
            return 0;
        }
        memcpy(res + rl, run, (size_t)n * sizeof(UChar));
        rl += n;
        if (han) {
            res[rl++] = ' '; /* "波音中国" and what follows stay apart */
        }
    }
    st = U_ZERO_ERROR;
    u_strToUTF8(out, (int32_t)cap - 1, &olen, res, rl, &st);
    if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING) {
        return 0;
    }
    return (size_t)olen;
}

static int cmp_word(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The folded text of a name: lower-case, accents off, Latin where it can be. */
static size_t fold(const char *s, size_t len, char *out, size_t cap)
{
    int ascii = 1;

    if (len > NAME_MAX_BYTES) {
        len = NAME_MAX_BYTES;
    }
    for (size_t i = 0; i < len; i++) {
        ascii &= (unsigned char)s[i] < 0x80;
    }
    if (!ascii) {
        utf8proc_uint8_t *m = NULL;
        utf8proc_ssize_t ml =
            utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &m,
                         UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
                             UTF8PROC_IGNORE | UTF8PROC_STRIPMARK | UTF8PROC_LUMP);
        if (ml >= 0) {
            char tmp[NAME_MAX_BYTES * 4 + 1];
            size_t tl = (size_t)ml < sizeof(tmp) - 1 ? (size_t)ml : sizeof(tmp) - 1;
            memcpy(tmp, m, tl);
            free(m);
            tl = drop_cjk_forms(tmp, tl);
            int other = 0;
            for (size_t i = 0; i < tl; i++) {
                other |= (unsigned char)tmp[i] >= 0x80;
            }
            size_t ol = other ? to_latin(tmp, tl, out, cap) : 0;
            if (ol == 0) {
                ol = tl < cap - 1 ? tl : cap - 1;
                memcpy(out, tmp, ol);
            }
            len = ol;
            s = out;
        } else {
            free(m); /* invalid UTF-8: read it byte by byte below */
        }
    }
    if (len > cap - 1) {
        len = cap - 1;
    }
    for (size_t i = 0; i < len; i++) {
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    out[len] = '\0';
    return len;
}

void veu_name_words(const char *s, size_t len, veu_words_t *out)
{
    char text[NAME_MAX_BYTES * 4 + 1];
    char order[VEU_NAME_WORDS][VEU_NAME_WORD_LEN], forms[VEU_NAME_WORDS][VEU_NAME_WORD_LEN];
    char cur[VEU_NAME_WORD_LEN];
    int n_order = 0, n_forms = 0;
    size_t cl = 0, tl = fold(s, len, text, sizeof(text));

    for (size_t i = 0; i <= tl; i++) {
        unsigned char c = i < tl ? (unsigned char)text[i] : ' ';
        if (c == '.' || c == '\'' || c == '/' || c == '"') {
            continue; /* "S.p.A.", "A/S", "predstavitel'stvo", 'Ob"yedinennaya' */
        }
        if (isalnum(c) || c >= 0x80) {
            if (cl < VEU_NAME_WORD_LEN - 1) {
                cur[cl++] = (char)c;
            }
            continue;
        }
        if (cl == 0) {
            continue;
        }
        cur[cl] = '\0';
        cl = 0;
        if (veu_name_is_legal_form(cur)) {
            if (n_forms < VEU_NAME_WORDS) {
                memcpy(forms[n_forms++], cur, VEU_NAME_WORD_LEN);
            }
        } else if (n_order < VEU_NAME_WORDS) {
            memcpy(order[n_order++], cur, VEU_NAME_WORD_LEN);
        }
    }
    /* a name made only of legal forms ("The Company") keeps them */
    if (n_order == 0) {
        memcpy(order, forms, sizeof(order[0]) * (size_t)n_forms);
        n_order = n_forms;
    }
    out->n_order = n_order;
    out->joined[0] = '\0';
    size_t jl = 0;
    for (int i = 0; i < n_order; i++) {
        size_t wl = strlen(order[i]);
        if (jl + wl < sizeof(out->joined)) {
            memcpy(out->joined + jl, order[i], wl + 1);
            jl += wl;
        }
    }
    memcpy(out->w, order, sizeof(order[0]) * (size_t)n_order);
    qsort(out->w, (size_t)n_order, VEU_NAME_WORD_LEN, cmp_word);
    int k = 0;
    for (int i = 0; i < n_order; i++) {
        if (k == 0 || strcmp(out->w[k - 1], out->w[i])) {
            memmove(out->w[k++], out->w[i], VEU_NAME_WORD_LEN);
        }
    }
    out->n = k;
}

size_t veu_name_exact(const char *s, size_t len, char *out, size_t cap)
{
    utf8proc_uint8_t *m = NULL;
    size_t n = 0;
    int space = 0;

    if (cap == 0) {
        return 0;
    }
    if (len > NAME_MAX_BYTES) {
        len = NAME_MAX_BYTES;
    }
    utf8proc_ssize_t ml =
        utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &m,
                     UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
                         UTF8PROC_IGNORE | UTF8PROC_STRIPMARK | UTF8PROC_LUMP);
    const unsigned char *p = ml >= 0 ? m : (const unsigned char *)s;
    size_t pl = ml >= 0 ? (size_t)ml : len;
    for (size_t i = 0; i < pl && n + 1 < cap; i++) {
        unsigned char c = p[i];
        if (c == '.' || c == '\'' || c == '/' || c == '"') {
            continue;
        }
        if (c < 0x80 && !isalnum(c)) {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < cap) {
            out[n++] = ' ';
        }
        space = 0;
        out[n++] = (char)(c < 0x80 ? tolower(c) : c);
    }
    out[n] = '\0';
    free(m);
    return n;
}

static int cmp_gram(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

size_t veu_word_grams(const char *w, uint32_t *out, size_t cap)
{
    size_t len = strlen(w), n = 0;
    unsigned char p[VEU_NAME_WORD_LEN + 2];

    if (len > VEU_NAME_WORD_LEN - 1) {
        len = VEU_NAME_WORD_LEN - 1;
    }
    p[0] = '^';
    memcpy(p + 1, w, len);
    p[len + 1] = '$';
    for (size_t i = 0; i + 3 <= len + 2 && n < cap; i++) {
        out[n++] = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    }
    qsort(out, n, sizeof(*out), cmp_gram);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k == 0 || out[k - 1] != out[i]) {
            out[k++] = out[i];
        }
    }
    return k;
}
