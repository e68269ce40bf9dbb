/* SPDX-License-Identifier: MIT */
/*
 * names.c: `search` and `risk` by name, first version.  A name is brought to
 * a canonical form (ASCII letters lower-cased, dots dropped so that "S.p.A."
 * reads "spa", other punctuation a space, legal forms removed) and split
 * into words; two names score the Dice coefficient of their word sets, the
 * best over the name and each alias.  The same name scores 1, a different
 * company low.  Scans every entity: an index, Unicode normalisation and
 * transliteration come with the names work.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot_int.h"

#define MAX_WORDS 32
#define WORD_LEN  48

/* Legal forms across languages: words that say what kind of company, not which. */
static const char *const legal_forms[] = {
    "inc", "incorporated", "corp",     "corporation", "co",  "company", "ltd", "limited", "llc",
    "plc", "gmbh",         "ag",       "sa",          "spa", "bv",      "nv",  "kk",      "ooo",
    "ao",  "pjsc",         "jsc",      "oao",         "zao", "pao",     "se",  "sas",     "sarl",
    "srl", "ab",           "oy",       "oyj",         "as",  "asa",     "aps", "kg",      "kgaa",
    "lp",  "llp",          "pty",      "pte",         "bhd", "sdn",     "sl",  "sau",     "cv",
    "the", "holding",      "holdings", "group",       "of",  "and",
};

typedef struct words {
    int n;
    char w[MAX_WORDS][WORD_LEN];
} words_t;

static int is_legal_form(const char *w)
{
    for (size_t i = 0; i < sizeof(legal_forms) / sizeof(legal_forms[0]); i++) {
        if (!strcmp(w, legal_forms[i])) {
            return 1;
        }
    }
    return 0;
}

static int cmp_word(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Splits s into canonical words, sorted, without duplicates or legal forms. */
static void split(const char *s, size_t len, words_t *out)
{
    char cur[WORD_LEN];
    size_t cl = 0;
    int kept_forms = 0;
    words_t forms = {0};

    out->n = 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = i < len ? (unsigned char)s[i] : ' ';
        if (c == '.' || c == '\'') {
            continue;
        }
        if (isalnum(c) || c >= 0x80) {
            if (cl < WORD_LEN - 1) {
                cur[cl++] = (char)tolower(c);
            }
            continue;
        }
        if (cl == 0) {
            continue;
        }
        cur[cl] = '\0';
        cl = 0;
        words_t *dst = is_legal_form(cur) ? &forms : out;
        if (dst->n < MAX_WORDS) {
            memcpy(dst->w[dst->n++], cur, WORD_LEN);
        }
    }
    /* a name made only of legal forms ("The Company") keeps them */
    if (out->n == 0 && forms.n > 0) {
        *out = forms;
        kept_forms = 1;
    }
    (void)kept_forms;
    qsort(out->w, (size_t)out->n, WORD_LEN, cmp_word);
    int k = 0;
    for (int i = 0; i < out->n; i++) {
        if (k == 0 || strcmp(out->w[k - 1], out->w[i])) {
            memmove(out->w[k++], out->w[i], WORD_LEN);
        }
    }
    out->n = k;
}

static double dice(const words_t *a, const words_t *b)
{
    int i = 0, j = 0, common = 0;

    if (a->n == 0 || b->n == 0) {
        return 0;
    }
    while (i < a->n && j < b->n) {
        int c = strcmp(a->w[i], b->w[j]);
        if (c == 0) {
            common++, i++, j++;
        } else if (c < 0) {
            i++;
        } else {
            j++;
        }
    }
    return 2.0 * common / (a->n + b->n);
}

static double score_entity(const veu_snapshot_t *s, uint32_t v, const words_t *q)
{
    words_t w;
    const char *name = snap_str(s, s->ent[v].name);
    const char *al = snap_str(s, s->ent[v].aliases);
    double best;

    split(name, strlen(name), &w);
    best = dice(q, &w);
    while (*al && best < 1.0) {
        const char *end = strchr(al, '|');
        size_t len = end ? (size_t)(end - al) : strlen(al);
        split(al, len, &w);
        double sc = dice(q, &w);
        best = sc > best ? sc : best;
        al += len + (end ? 1 : 0);
    }
    return best;
}

size_t veu_snapshot_search(const veu_snapshot_t *s, const char *name, size_t len, veu_match_t *ret,
                           size_t limit)
{
    words_t q;
    size_t n = 0;

    if (limit == 0) {
        return 0;
    }
    split(name, len, &q);
    if (q.n == 0) {
        return 0;
    }
    for (uint32_t v = 0; v < s->n; v++) {
        double sc = score_entity(s, v, &q);
        if (sc <= 0) {
            continue;
        }
        size_t i;
        if (n < limit) {
            i = n++;
        } else if (ret[limit - 1].score >= sc) {
            continue;
        } else {
            i = limit - 1;
        }
        while (i > 0 && ret[i - 1].score < sc) {
            ret[i] = ret[i - 1];
            i--;
        }
        ret[i] = (veu_match_t){v, sc};
    }
    return n;
}
