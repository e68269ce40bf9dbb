/* SPDX-License-Identifier: MIT */
/*
 * normalize.h: company names brought to comparable words.  The builder
 * indexes names with it and the server reads queries with it, so both sides
 * always agree on what a word is.
 */
#ifndef VEU_GRAPH_NORMALIZE_H
#define VEU_GRAPH_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#define VEU_NAME_WORDS    32
#define VEU_NAME_WORD_LEN 48

typedef struct veu_words {
    int n;                                     /* distinct words, sorted */
    char w[VEU_NAME_WORDS][VEU_NAME_WORD_LEN]; /* NUL-terminated */
    char joined[VEU_NAME_WORDS * 8];           /* the words in name order, no spaces */
    int n_order;                               /* words in name order (with repeats) */
} veu_words_t;

/*
 * Splits a UTF-8 name into words: NFKC, case folded, accents removed
 * (utf8proc); other scripts brought to Latin (ICU "Any-Latin; Latin-ASCII");
 * dots, apostrophes and slashes dropped inside words ("S.p.A." is "spa"),
 * other punctuation separates; legal forms across languages removed unless
 * the name is made of nothing else.  Invalid UTF-8 is read byte by byte.
 */
void veu_name_words(const char *s, size_t len, veu_words_t *out);

/*
 * The name as typed, folded only so far as a person would not tell two
 * spellings apart: NFKC, case folded, accents removed, dots, apostrophes,
 * slashes and quotes dropped, every other run of ASCII punctuation and
 * white space one space, no legal form or word dropped ("Acme G.m.b.H." is
 * "acme gmbh", "Acme Holding GmbH" stays itself).  Writes at most cap - 1
 * bytes and a NUL; returns the length.  Section 8 of the contract: a name
 * equal in this form beats one that fits only once words are dropped.
 */
size_t veu_name_exact(const char *s, size_t len, char *out, size_t cap);

/* The trigrams of a word ("^w$" three bytes at a time, unique, sorted); returns how many. */
size_t veu_word_grams(const char *w, uint32_t *out, size_t cap);

/* True when w (lower case, ASCII) is a legal form or a connecting word. */
int veu_name_is_legal_form(const char *w);

/* The calling thread's ICU transliterator, opened if need be (NULL without ICU data): tests. */
const void *veu_names_translit(void);

#endif
