/* SPDX-License-Identifier: MIT */
/*
 * names.c: `search` and `risk` by name over the snapshot's name index.
 *
 * The query is split into words as the builder split every name
 * (normalize.c).  Each query word is looked up exactly and, when it is not
 * in the index, by trigrams (a word a letter or two apart: "Lockhead").
 * The entities listed under those words are the candidates, rarest words
 * first and at most VEU_SEARCH_WORK postings in all.  A candidate scores
 * the best of its keys (name, aliases):
 *
 *   2 * sum(weight of the query words the key has, times their likeness)
 *     / (weight of the query's words + weight of the key's words)
 *
 * a Dice coefficient in which rare words weigh more than common ones.  The
 * same words score 1 and so do the same letters spaced differently
 * ("Lock heed Martin", pinyin syllables); a company sharing no rare word
 * scores low.
 */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "names/normalize.h"
#include "snapshot/snapshot_int.h"

#define VEU_SEARCH_WORK  8192 /* postings scored at most per query */
#define VEU_SEARCH_FLOOR 0.25 /* entities that cannot reach it are not looked for */
#define FUZZY_WORDS      8    /* close spellings kept per query word */
#define FUZZY_MIN        0.55 /* trigram likeness for a close spelling */
#define FUZZY_SLOTS      4096
#define BOUND_SLACK      1e-9 /* a bound this close to a score may be it, rounded otherwise */

int veu_search_exhaustive; /* tests: every posting scored, no bound, no cap */

struct qword {
    uint32_t exact; /* word id or VEU_NONE */
    int nf;
    uint32_t fid[FUZZY_WORDS];
    double fsim[FUZZY_WORDS];
    double w; /* its weight */
};

struct query {
    int n;
    struct qword q[VEU_NAME_WORDS];
    uint32_t joined; /* the words run together, or VEU_NONE */
};

static uint32_t find_word(const veu_snapshot_t *s, const char *w)
{
    if (s->n_words == 0) {
        return VEU_NONE;
    }
    return veu_idmap_find_raw(s->wmap, s->wmap_mask, s->wstr, w, strlen(w));
}

static const veu_snap_gram_t *find_gram(const veu_snapshot_t *s, uint32_t g)
{
    return snap_find_key(s->grams, s->n_grams, sizeof(*s->grams), g);
}

static int by_count(const void *a, const void *b)
{
    const veu_snap_gram_t *x = *(const veu_snap_gram_t *const *)a;
    const veu_snap_gram_t *y = *(const veu_snap_gram_t *const *)b;
    return x->len < y->len ? -1 : x->len > y->len ? 1 : (x->gram > y->gram) - (x->gram < y->gram);
}

/* Whether word id is on a trigram's list (each list is in word order). */
static uint32_t on_list(const veu_snapshot_t *s, const veu_snap_gram_t *gr, uint32_t id)
{
    const uint32_t *w = s->gramw + gr->off;
    size_t lo = 0, hi = gr->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w[mid] < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < gr->len && w[lo] == id;
}

/*
 * Words of the index spelt like w: the FUZZY_WORDS likeliest by trigram
 * Dice, 2 c / (ng + nwg) for c trigrams shared of w's ng and the word's
 * nwg; the likelier first, then the word of lower id.
 *
 * A word at FUZZY_MIN shares at least need = FUZZY_MIN ng / (2 - FUZZY_MIN)
 * of w's trigrams (as nwg >= c), so it is on at least one of any
 * found - need + 1 of w's trigram lists.  All but the longest list are
 * read (the common trigrams' lists, "^ka", "ing", are the long ones), not
 * only those found - need + 1: a word counted there is kept when the lists
 * left unread could still bring it to FUZZY_MIN, and is then looked up in
 * each unread list by binary search; with need - 1 lists unread so many
 * more words pass that a one-letter-off search took 1.7 times as long at
 * 1M (the same matches).  A word kept has its likeness worked out from its
 * own trigrams.
 */
static void fuzzy(const veu_snapshot_t *s, const char *w, struct qword *qw)
{
    static _Thread_local struct { /* per thread: searches may run on several at once */
        uint32_t id, count;
    } slot[FUZZY_SLOTS];
    static _Thread_local uint16_t touched[FUZZY_SLOTS / 2]; /* in use; emptied on the way out */
    static _Thread_local bool ready;
    uint32_t g[VEU_NAME_WORD_LEN + 2], wg[VEU_NAME_WORD_LEN + 2];
    const veu_snap_gram_t *lists[VEU_NAME_WORD_LEN + 2];
    size_t ng = veu_word_grams(w, g, sizeof(g) / sizeof(g[0])), used = 0, found = 0;

    if (strlen(w) < 4) {
        return; /* too short to tell a spelling from another word */
    }
    for (size_t i = 0; i < ng; i++) {
        const veu_snap_gram_t *gr = find_gram(s, g[i]);
        if (gr) {
            lists[found++] = gr;
        }
    }
    size_t need = (size_t)ceil(FUZZY_MIN * (double)ng / (2 - FUZZY_MIN) - 1e-9);
    if (need == 0 || found < need) {
        return; /* no word can share enough */
    }
    size_t read = found - (1 < need ? 1 : need - 1), unread = found - read;
    qsort(lists, found, sizeof(lists[0]), by_count);
    if (!ready) {
        memset(slot, 0xff, sizeof(slot));
        ready = true;
    }
    for (size_t i = 0; i < read; i++) {
        const veu_snap_gram_t *gr = lists[i];
        for (uint32_t j = 0; j < gr->len && j < VEU_SEARCH_WORK; j++) {
            uint32_t id = s->gramw[gr->off + j];
            size_t h = (id * 2654435761u) & (FUZZY_SLOTS - 1);
            while (slot[h].id != VEU_NONE && slot[h].id != id) {
                h = (h + 1) & (FUZZY_SLOTS - 1);
            }
            if (slot[h].id == VEU_NONE) {
                if (used >= FUZZY_SLOTS / 2) {
                    continue; /* bounded: the table is full enough */
                }
                slot[h].id = id;
                slot[h].count = 0;
                touched[used++] = (uint16_t)h;
            }
            slot[h].count++;
        }
    }
    /*
     * The words that may still reach FUZZY_MIN, with their counts; their
     * strings (two loads at random, the word then its letters) are asked
     * for together before any is read.
     */
    static _Thread_local uint32_t cand[FUZZY_SLOTS / 2], cand_c[FUZZY_SLOTS / 2];
    size_t nc = 0;
    for (size_t u = 0; u < used; u++) {
        size_t h = touched[u];
        uint32_t id = slot[h].id, c = slot[h].count;
        double most = (double)(c + unread);
        slot[h].id = VEU_NONE; /* read: empty for the next word */
        if (2.0 * most / ((double)ng + most) < FUZZY_MIN) {
            continue;
        }
        for (size_t i = read; i < found; i++) {
            c += on_list(s, lists[i], id);
        }
        if (2.0 * c / ((double)ng + c) < FUZZY_MIN) {
            continue;
        }
        __builtin_prefetch(&s->words[id]);
        cand[nc] = id;
        cand_c[nc++] = c;
    }
    for (size_t k = 0; k < nc; k++) {
        __builtin_prefetch(s->wstr + s->words[cand[k]].str);
    }
    for (size_t k = 0; k < nc; k++) {
        uint32_t id = cand[k], c = cand_c[k];
        size_t nwg = veu_word_grams(s->wstr + s->words[id].str, wg, sizeof(wg) / sizeof(wg[0]));
        double sim = 2.0 * (double)c / (double)(ng + nwg);
        if (sim < FUZZY_MIN || sim > 1) {
            continue;
        }
        int i = qw->nf < FUZZY_WORDS ? qw->nf++ : FUZZY_WORDS;
        while (i > 0 &&
               (qw->fsim[i - 1] < sim || (qw->fsim[i - 1] == sim && qw->fid[i - 1] > id))) {
            if (i < FUZZY_WORDS) {
                qw->fid[i] = qw->fid[i - 1];
                qw->fsim[i] = qw->fsim[i - 1];
            }
            i--;
        }
        if (i < FUZZY_WORDS) {
            qw->fid[i] = id;
            qw->fsim[i] = sim;
        }
    }
}

static int has(const uint32_t *ids, uint32_t n, uint32_t id)
{
    for (uint32_t i = 0; i < n; i++) {
        if (ids[i] == id) {
            return 1;
        }
    }
    return 0;
}

/* One key: k[0] words, k[1] the joined word, k[2..3] their weight, then the word ids. */
static double score_key(const veu_snapshot_t *s, const uint32_t *k, const struct query *q)
{
    uint32_t cnt = k[0];
    const uint32_t *ids = k + VEU_KEY_WORDS;
    double num = 0, den = veu_key_weight(k);

    if (q->joined != VEU_NONE && k[1] == q->joined) {
        return 1.0;
    }
    for (int i = 0; i < q->n; i++) {
        const struct qword *qw = &q->q[i];
        double best = 0;
        den += qw->w;
        if (qw->exact != VEU_NONE && has(ids, cnt, qw->exact)) {
            best = qw->w;
        } else {
            for (int f = 0; f < qw->nf; f++) {
                double v = qw->fsim[f] * s->words[qw->fid[f]].weight;
                if (v > best && has(ids, cnt, qw->fid[f])) {
                    best = v;
                }
            }
        }
        num += best;
    }
    double sc = den > 0 ? 2 * num / den : 0;
    return sc > 1 ? 1 : sc;
}

/* The best score of v's keys; *ret_key (when not NULL) the first key that has it. */
static double score_keys(const veu_snapshot_t *s, const uint32_t *k, const struct query *q,
                         uint32_t *ret_key)
{
    uint32_t nk = *k++, at = 0;
    double best = 0;

    for (uint32_t i = 0; i < nk && best < 1.0; i++) {
        double sc = score_key(s, k, q);
        if (sc > best) {
            best = sc;
            at = i;
        }
        k = veu_key_next(k);
    }
    if (ret_key) {
        *ret_key = at;
    }
    return best;
}

static double score_entity_key(const veu_snapshot_t *s, uint32_t v, const struct query *q,
                               uint32_t *ret_key)
{
    return score_keys(s, s->keys + s->entx[v].keys, q, ret_key);
}

/*
 * A posting is scored from its entity's keys alone (their weights are in
 * them), found through POSTK without a look at the entity: one line at
 * random per posting, asked for PREFETCH postings ahead so that the misses
 * of several overlap (at 1M entities: 110 ns a posting scored one by one
 * through the entity and each word's weight, 60 with those loads asked
 * ahead, NN from POSTK).
 */
#define PREFETCH 12

/*
 * Inserts (v, sc) into the best-first list unless v is there already: the
 * list holds the best by score, then lowest entity, whatever the order the
 * candidates come in.
 */
static void offer(veu_match_t *ret, size_t *n, size_t limit, uint32_t v, double sc)
{
    size_t i;

    if (sc <= 0 || (*n == limit && (ret[limit - 1].score > sc ||
                                    (ret[limit - 1].score == sc && ret[limit - 1].idx < v)))) {
        return;
    }
    for (i = 0; i < *n; i++) {
        if (ret[i].idx == v) {
            return;
        }
    }
    i = *n < limit ? (*n)++ : limit - 1;
    while (i > 0 && (ret[i - 1].score < sc || (ret[i - 1].score == sc && ret[i - 1].idx > v))) {
        ret[i] = ret[i - 1];
        i--;
    }
    ret[i] = (veu_match_t){v, sc};
}

struct list {
    uint32_t off, len;
    int q; /* the query word it stands for; -1: the joined word */
};

static int by_len(const void *a, const void *b)
{
    const struct list *x = a, *y = b;
    if ((x->q < 0) != (y->q < 0)) {
        return x->q < 0 ? -1 : 1; /* the joined word first: it alone can make a 1 */
    }
    return x->len < y->len ? -1 : x->len > y->len;
}

static size_t search_q(const veu_snapshot_t *s, const char *name, size_t len, veu_match_t *ret,
                       size_t limit, struct query *qp);

size_t veu_snapshot_search(const veu_snapshot_t *s, const char *name, size_t len, veu_match_t *ret,
                           size_t limit)
{
    static _Thread_local struct query q; /* 3.6 KiB: off the stack, one per thread */
    size_t n = search_q(s, name, len, ret, limit, &q);

    /* the answer names each match: ask for their lines together, then their strings */
    for (size_t i = 0; i < n; i++) {
        __builtin_prefetch(&s->ent[ret[i].idx]);
    }
    for (size_t i = 0; i < n; i++) {
        const veu_snap_entity_t *e = &s->ent[ret[i].idx];
        __builtin_prefetch(s->str + e->id);
        __builtin_prefetch(s->str + e->name);
    }
    return n;
}

static size_t search_q(const veu_snapshot_t *s, const char *name, size_t len, veu_match_t *ret,
                       size_t limit, struct query *qp)
{
    veu_words_t w;
    struct query *qq = qp;
    struct list lists[VEU_NAME_WORDS * (FUZZY_WORDS + 1) + 1];
    size_t nl = 0, n = 0, work = 0;
    double rare = log1p((double)s->n), total = 0, gain[VEU_NAME_WORDS];

    memset(qq, 0, sizeof(*qq));
    if (limit == 0 || s->n_words == 0) {
        return 0;
    }
    veu_name_words(name, len, &w);
    if (w.n == 0) {
        return 0;
    }
    qq->n = w.n;
    for (int i = 0; i < w.n; i++) {
        struct qword *qw = &qq->q[i];
        qw->exact = find_word(s, w.w[i]);
        if (qw->exact == VEU_NONE) {
            fuzzy(s, w.w[i], qw);
        }
        qw->w = qw->exact != VEU_NONE ? s->words[qw->exact].weight
                : qw->nf              ? s->words[qw->fid[0]].weight
                                      : rare;
        total += qw->w;
        /* the most this word can add to a key's score */
        gain[i] = qw->exact != VEU_NONE ? qw->w : 0;
        if (qw->exact != VEU_NONE) {
            lists[nl++] = (struct list){s->words[qw->exact].off, s->words[qw->exact].len, i};
        }
        for (int f = 0; f < qw->nf; f++) {
            const veu_snap_word_t *fw = &s->words[qw->fid[f]];
            lists[nl++] = (struct list){fw->off, fw->len, i};
            gain[i] = fmax(gain[i], qw->fsim[f] * fw->weight);
        }
    }
    qq->joined = w.n_order == 1 ? qq->q[0].exact : find_word(s, w.joined);
    if (qq->joined != VEU_NONE && w.n_order > 1) {
        lists[nl++] = (struct list){s->words[qq->joined].off, s->words[qq->joined].len, -1};
    }
    /*
     * Rarest words first: they name the company.  Before each list, the best
     * score an entity not seen yet can reach (it has none of the words
     * already read) is 2 R / (total + R), R the gain of the words still to
     * read; once that cannot beat the matches in hand, or VEU_SEARCH_FLOOR,
     * the common words are not read at all (MaxScore).
     */
    qsort(lists, nl, sizeof(lists[0]), by_len);
    size_t cap = veu_search_exhaustive ? SIZE_MAX : VEU_SEARCH_WORK;
    for (size_t l = 0; l < nl && work < cap; l++) {
        double rem = 0;
        if (lists[l].q >= 0) {
            int seen[VEU_NAME_WORDS] = {0};
            for (size_t k = l; k < nl; k++) {
                if (lists[k].q >= 0 && !seen[lists[k].q]) {
                    seen[lists[k].q] = 1;
                    rem += gain[lists[k].q];
                }
            }
            double bound = rem > 0 ? 2 * rem / (total + rem) : 0;
            if (!veu_search_exhaustive &&
                (bound < VEU_SEARCH_FLOOR ||
                 (n == limit && bound * (1 + BOUND_SLACK) < ret[limit - 1].score))) {
                break;
            }
        }
        const uint32_t *post = s->post + lists[l].off, *postk = s->postk + lists[l].off;
        const float *postw = s->postw + lists[l].off;
        uint32_t np = lists[l].len;
        if (np > cap - work) {
            np = (uint32_t)(cap - work);
        }
        /*
         * The list is in bound-weight order: an entity first seen here scores
         * at most 2 rem / (total + its bound weight), less and less along the
         * list; once that is below the last match in hand, nothing further can
         * enter.
         */
        bool stops = lists[l].q >= 0 && !veu_search_exhaustive;
        for (uint32_t j = 0; j < np && j < PREFETCH; j++) {
            __builtin_prefetch(s->keys + postk[j]);
        }
        for (uint32_t j = 0; j < np; j++, work++) {
            if (stops && n == limit &&
                2 * rem / (total + postw[j]) * (1 + BOUND_SLACK) < ret[limit - 1].score) {
                break;
            }
            if (j + PREFETCH < np) {
                __builtin_prefetch(s->keys + postk[j + PREFETCH]);
            }
            offer(ret, &n, limit, post[j], score_keys(s, s->keys + postk[j], qq, NULL));
        }
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* One entity for a name (SPEC section 8)                             */

/* Whether a name or alias has a word at all (the builder keyed only those). */
static int has_word(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x80 || (c < 0x80 && isalnum(c))) {
            return 1;
        }
    }
    return 0;
}

/*
 * Walks v's name and aliases in the order the builder keyed them: calls fn
 * with each, and its key number; stops when fn returns non-zero.
 */
static int each_string(const veu_snapshot_t *s, uint32_t v,
                       int (*fn)(const char *p, size_t len, uint32_t key, void *ctx), void *ctx)
{
    const char *name = snap_str(s, s->ent[v].name), *al = snap_str(s, s->entx[v].aliases);
    uint32_t key = 0;
    int rc;

    if ((rc = fn(name, strlen(name), key, ctx)) != 0) {
        return rc;
    }
    key += has_word(name, strlen(name));
    while (*al) {
        const char *end = strchr(al, '|');
        size_t len = end ? (size_t)(end - al) : strlen(al);
        if ((rc = fn(al, len, key, ctx)) != 0) {
            return rc;
        }
        key += has_word(al, len);
        al += len + (end ? 1 : 0);
    }
    return 0;
}

struct exact_ctx {
    const char *q; /* the query in veu_name_exact's form */
    uint32_t want; /* a key number to find */
    const char *hit;
    size_t hit_len;
};

static int is_exact(const char *p, size_t len, uint32_t key, void *arg)
{
    struct exact_ctx *x = arg;
    char e[VEU_NAME_EXACT_MAX];
    (void)key;
    veu_name_exact(p, len, e, sizeof(e));
    if (strcmp(e, x->q) == 0) {
        x->hit = p;
        x->hit_len = len;
        return 1;
    }
    return 0;
}

static int is_key(const char *p, size_t len, uint32_t key, void *arg)
{
    struct exact_ctx *x = arg;
    if (key == x->want && has_word(p, len)) {
        x->hit = p;
        x->hit_len = len;
        return 1;
    }
    return 0;
}

static int country_is(const veu_snapshot_t *s, uint32_t v, const char *country)
{
    return !country || strcasecmp(snap_str(s, s->ent[v].country), country) == 0;
}

int veu_snapshot_resolve_name(const veu_snapshot_t *s, const char *name, size_t len,
                              const char *country, double min_score, veu_name_match_t *ret)
{
    static _Thread_local struct query q;
    veu_match_t m[VEU_NAME_LOOK];
    char qx[VEU_NAME_EXACT_MAX];
    size_t n = search_q(s, name, len, m, VEU_NAME_LOOK, &q), k = 0;
    size_t n_exact = 0, n_tied = 0;
    struct exact_ctx x = {.q = qx};

    memset(ret, 0, sizeof(*ret));
    ret->idx = VEU_SNAP_NONE;
    double last_looked = n ? m[n - 1].score : 0; /* the lowest score the search returned */
    size_t looked = n;
    for (size_t i = 0; i < n; i++) {
        if (country_is(s, m[i].idx, country)) {
            m[k++] = m[i];
        }
    }
    n = k;
    if (n == 0 || m[0].score < min_score - 1e-9) {
        for (size_t i = 0; i < n && ret->n < 5; i++) {
            ret->cand[ret->n++] = m[i];
        }
        return VEU_NAME_NONE;
    }
    veu_name_exact(name, len, qx, sizeof(qx));
    /* exact names first: every candidate close enough that equals the query as typed */
    for (size_t i = 0; i < n && m[i].score >= min_score - 1e-9; i++) {
        x.hit = NULL;
        if (*qx && each_string(s, m[i].idx, is_exact, &x) && n_exact < VEU_NAME_CANDIDATES) {
            if (n_exact == 0) {
                ret->matched = x.hit;
                ret->matched_len = x.hit_len;
            }
            ret->cand[n_exact++] = m[i];
        }
    }
    if (n_exact) {
        ret->n = n_exact;
        ret->exact = true;
    } else {
        /* else every entity tied at the best score */
        for (size_t i = 0; i < n && m[i].score >= m[0].score - 1e-9; i++) {
            if (n_tied < VEU_NAME_CANDIDATES) {
                ret->cand[n_tied++] = m[i];
            }
        }
        ret->n = n_tied;
    }
    /* more may tie than were looked at only when the last one looked at ties too */
    ret->more = looked == VEU_NAME_LOOK && last_looked >= m[0].score - 1e-9;
    if (ret->n > 1) {
        return VEU_NAME_AMBIGUOUS;
    }
    ret->idx = ret->cand[0].idx;
    ret->score = ret->exact ? 1.0 : ret->cand[0].score;
    if (!ret->exact) {
        /* the name or alias whose key scored best */
        score_entity_key(s, ret->idx, &q, &x.want);
        x.hit = NULL;
        each_string(s, ret->idx, is_key, &x);
        ret->matched = x.hit ? x.hit : snap_str(s, s->ent[ret->idx].name);
        ret->matched_len = x.hit ? x.hit_len : strlen(ret->matched);
    }
    return VEU_NAME_FOUND;
}
