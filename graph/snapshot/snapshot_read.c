/* SPDX-License-Identifier: MIT */
/*
 * snapshot_read.c: maps a snapshot read-only and checks it completely
 * before anything trusts it: header, checksums, section bounds, and every
 * string offset, vertex and edge index inside.  A file that fails any check
 * is refused with a sentence saying which.
 */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "snapshot/snapshot_int.h"

static int refuse(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -VEU_ESNAPSHOT;
}

/* Section sec must hold exactly want bytes, aligned, inside the file. */
static const void *sec(veu_snapshot_t *s, int i, uint64_t want, int *bad)
{
    const veu_snap_section_t *x = &s->h->sec[i];

    if (x->off < VEU_SNAP_HEADER || x->off % VEU_SNAP_ALIGN || x->len != want || x->off > s->size ||
        x->len > s->size - x->off) {
        *bad = i;
        return NULL;
    }
    return (const char *)s->map + x->off;
}

static int check_offsets(const uint32_t *off, uint32_t n, uint32_t m)
{
    if (off[0] != 0 || off[n] != m) {
        return 0;
    }
    for (uint32_t v = 0; v < n; v++) {
        if (off[v] > off[v + 1]) {
            return 0;
        }
    }
    return 1;
}

static int check_index(const uint32_t *a, size_t count, uint32_t lim)
{
    for (size_t i = 0; i < count; i++) {
        if (a[i] >= lim) {
            return 0;
        }
    }
    return 1;
}

/* Labels are vertices (or NONE); edges are indices below m, maybe VEU_ORIGIN-tagged. */
static int check_labels(const uint32_t *lab, const uint32_t *via, uint32_t n, uint32_t m)
{
    for (size_t i = 0; i < (size_t)n * 2; i++) {
        if (lab[i] == VEU_NONE) {
            continue;
        }
        if (lab[i] >= n || (via[i] != VEU_NONE && VEU_EDGE(via[i]) >= m)) {
            return 0;
        }
    }
    return 1;
}

static int check_str(const veu_snapshot_t *s, uint32_t off)
{
    return off < s->str_len;
}

/*
 * Each word's postings in bound-weight order, no bound above what its
 * entity's keys weigh (nameindex.c): search.c stops reading a list on these
 * weights, so one too high would drop a match without a word.  Keys checked.
 */
static int verify_bounds(const veu_snapshot_t *s)
{
    for (uint32_t i = 0; i < s->n_words; i++) {
        const veu_snap_word_t *w = &s->words[i];
        for (uint32_t j = 0; j < w->len; j++) {
            float b = s->postw[w->off + j];
            if (!(b >= 0) || isinf(b) || (j && b < s->postw[w->off + j - 1])) {
                return -1;
            }
            if (b == 0) {
                continue;
            }
            const uint32_t *k = s->keys + s->postk[w->off + j];
            uint32_t nk = *k++;
            for (uint32_t key = 0; key < nk; key++, k = veu_key_next(k)) {
                if (k[1] == i || (double)b > veu_key_weight(k)) {
                    return -1;
                }
            }
        }
    }
    return 0;
}

/* Every index of the name index stays inside its section. */
static int verify_names(const veu_snapshot_t *s)
{
    uint32_t n = s->n, nw = s->n_words;
    uint64_t mask = s->wmap_mask, empty = 0;

    if (mask == 0 || mask > UINT32_MAX || (mask & (mask + 1)) || s->wstr_len == 0 ||
        s->wstr[s->wstr_len - 1] != '\0') {
        return -1;
    }
    for (uint64_t i = 0; i <= mask; i++) {
        if (s->wmap[i].idx == VEU_NONE) {
            empty++;
        } else if (s->wmap[i].idx >= nw || s->wmap[i].key >= s->wstr_len) {
            return -1;
        }
    }
    if (empty == 0) {
        return -1;
    }
    for (uint32_t i = 0; i < nw; i++) {
        const veu_snap_word_t *w = &s->words[i];
        if (w->str >= s->wstr_len || (uint64_t)w->off + w->len > s->n_post ||
            !(w->weight >= 0 && w->weight < 1e6)) {
            return -1;
        }
    }
    for (size_t i = 0; i < s->n_post; i++) {
        if (s->post[i] >= n || s->postk[i] != s->entx[s->post[i]].keys) {
            return -1;
        }
    }
    for (uint32_t i = 0; i < s->n_grams; i++) {
        if ((uint64_t)s->grams[i].off + s->grams[i].len > s->n_gramw ||
            (i && s->grams[i].gram <= s->grams[i - 1].gram)) {
            return -1;
        }
    }
    for (size_t i = 0; i < s->n_gramw; i++) {
        if (s->gramw[i] >= nw) {
            return -1;
        }
    }
    /* each entity's keys: count, then (words, joined, weight, word ids...) */
    for (uint32_t v = 0; v < n; v++) {
        size_t at = s->entx[v].keys;
        if (at >= s->n_keys) {
            return -1;
        }
        uint32_t nk = s->keys[at++];
        if (nk > 64) {
            return -1;
        }
        for (uint32_t k = 0; k < nk; k++) {
            if (at + VEU_KEY_WORDS > s->n_keys) {
                return -1;
            }
            uint32_t cnt = s->keys[at];
            double weight;
            memcpy(&weight, s->keys + at + 2, sizeof(weight));
            if (cnt == 0 || cnt > 32 || at + VEU_KEY_WORDS + cnt > s->n_keys ||
                s->keys[at + 1] >= nw || !(weight >= 0 && weight < 32e6)) {
                return -1;
            }
            for (uint32_t j = 0; j < cnt; j++) {
                if (s->keys[at + VEU_KEY_WORDS + j] >= nw) {
                    return -1;
                }
            }
            at += VEU_KEY_WORDS + cnt;
        }
    }
    return verify_bounds(s);
}

/* Where each section lies; its size and the string sections' ends checked. */
static int layout(veu_snapshot_t *s, char *err, size_t len)
{
    const veu_snap_header_t *h = s->h;
    uint32_t n = h->n, m = h->n_own, ms = h->n_sup;
    size_t n2 = (size_t)n * 2 * sizeof(uint32_t);
    int bad = -1;

    s->n = n, s->n_own = m, s->n_sup = ms;
    if (h->idmap_mask == 0 || h->idmap_mask > UINT32_MAX || (h->idmap_mask & (h->idmap_mask + 1)) ||
        h->idmap_mask + 1 < (uint64_t)n * 2 || h->n_problems > VEU_REPORT_KEEP) {
        return refuse(err, len, "header counts are inconsistent");
    }
    s->str = sec(s, SEC_STRINGS, h->sec[SEC_STRINGS].len, &bad);
    s->str_len = h->sec[SEC_STRINGS].len;
    s->ent = sec(s, SEC_ENTITIES, (uint64_t)n * sizeof(veu_snap_entity_t), &bad);
    s->entx = sec(s, SEC_ENTX, (uint64_t)n * sizeof(veu_snap_entx_t), &bad);
    s->idmap = sec(s, SEC_IDMAP, (h->idmap_mask + 1) * sizeof(veu_idslot_t), &bad);
    s->own = sec(s, SEC_OWN, (uint64_t)m * sizeof(veu_oedge_t), &bad);
    s->own_out = sec(s, SEC_OWN_OUT, ((uint64_t)n + 1) * 4, &bad);
    s->own_in = sec(s, SEC_OWN_IN, ((uint64_t)n + 1) * 4, &bad);
    s->own_in_e = sec(s, SEC_OWN_IN_E, (uint64_t)m * 4, &bad);
    s->sup = sec(s, SEC_SUP, (uint64_t)ms * sizeof(veu_sedge_t), &bad);
    s->sup_out = sec(s, SEC_SUP_OUT, ((uint64_t)n + 1) * 4, &bad);
    s->sup_in = sec(s, SEC_SUP_IN, ((uint64_t)n + 1) * 4, &bad);
    s->sup_in_e = sec(s, SEC_SUP_IN_E, (uint64_t)ms * 4, &bad);
    s->sup_lab = sec(s, SEC_SUP_LAB, n2, &bad);
    s->sup_next = sec(s, SEC_SUP_NEXT, n2, &bad);
    s->up_lab = sec(s, SEC_UP_LAB, n2, &bad);
    s->up_next = sec(s, SEC_UP_NEXT, n2, &bad);
    s->dn_lab = sec(s, SEC_DN_LAB, n2, &bad);
    s->dn_pred = sec(s, SEC_DN_PRED, n2, &bad);
    s->ds_lab = sec(s, SEC_DS_LAB, n2, &bad);
    s->ds_pred = sec(s, SEC_DS_PRED, n2, &bad);
    s->problems = sec(s, SEC_PROBLEMS, (uint64_t)h->n_problems * sizeof(veu_snap_problem_t), &bad);
    s->policy_json = sec(s, SEC_POLICY, h->sec[SEC_POLICY].len, &bad);
    s->lists_json = sec(s, SEC_LISTS, h->sec[SEC_LISTS].len, &bad);
    s->wstr = sec(s, SEC_WSTR, h->sec[SEC_WSTR].len, &bad);
    s->wstr_len = h->sec[SEC_WSTR].len;
    s->wmap_mask = h->wmap_mask;
    s->wmap = sec(s, SEC_WMAP, (h->wmap_mask + 1) * sizeof(veu_idslot_t), &bad);
    s->n_words = h->n_words;
    s->words = sec(s, SEC_WORDS, (uint64_t)h->n_words * sizeof(veu_snap_word_t), &bad);
    s->n_post = h->sec[SEC_POST].len / 4;
    s->post = sec(s, SEC_POST, (uint64_t)s->n_post * 4, &bad);
    s->postk = sec(s, SEC_POSTK, (uint64_t)s->n_post * 4, &bad);
    s->postw = sec(s, SEC_POSTW, (uint64_t)s->n_post * 4, &bad);
    s->n_keys = h->sec[SEC_KEYS].len / 4;
    s->keys = sec(s, SEC_KEYS, (uint64_t)s->n_keys * 4, &bad);
    s->n_grams = h->n_grams;
    s->grams = sec(s, SEC_GRAMS, (uint64_t)h->n_grams * sizeof(veu_snap_gram_t), &bad);
    s->n_gramw = h->sec[SEC_GRAMW].len / 4;
    s->gramw = sec(s, SEC_GRAMW, (uint64_t)s->n_gramw * 4, &bad);
    s->n_upper = h->n_upper;
    s->upper = sec(s, SEC_UPPER, (uint64_t)h->n_upper * sizeof(veu_snap_upper_t), &bad);
    uint64_t n1 = h->history ? ((uint64_t)n + 1) * 4 : 0;
    s->hown = sec(s, SEC_HOWN, h->n_hown * sizeof(veu_hown_t), &bad);
    s->hown_in = sec(s, SEC_HOWN_IN, n1, &bad);
    s->hown_out_e = sec(s, SEC_HOWN_OUT_E, h->n_hown * 4, &bad);
    s->hown_out = sec(s, SEC_HOWN_OUT, n1, &bad);
    s->hsup = sec(s, SEC_HSUP, (uint64_t)h->n_hsup * sizeof(veu_hsup_t), &bad);
    s->hsup_out = sec(s, SEC_HSUP_OUT, n1, &bad);
    s->hdes = sec(s, SEC_HDES, (uint64_t)h->n_hdes * sizeof(veu_hdes_t), &bad);
    s->hdes_off = sec(s, SEC_HDES_OFF, n1, &bad);
    if (bad >= 0) {
        return refuse(err, len, "section %d lies outside the file or has the wrong size", bad);
    }
    if (h->n_hown > UINT32_MAX || (!h->history && (h->n_hown || h->n_hsup || h->n_hdes))) {
        return refuse(err, len, "header counts are inconsistent");
    }
    if (s->str_len == 0 || s->str[0] != '\0' || s->str[s->str_len - 1] != '\0' ||
        h->sec[SEC_POLICY].len == 0 || s->policy_json[h->sec[SEC_POLICY].len - 1] != '\0' ||
        h->sec[SEC_LISTS].len < 3 || s->lists_json[0] != '[' ||
        s->lists_json[h->sec[SEC_LISTS].len - 1] != '\0') {
        return refuse(err, len, "string section is not terminated");
    }
    return 0;
}

static int span_ok(veu_span_t sp)
{
    return sp.from < sp.until;
}

/*
 * The history: rows name entities, come in the order their offsets say, and
 * have sane spans; the holdings' index points at rows.  Whether each of v's
 * holdings is a row v owns is not read back (30M loads at random, 0.4 s of
 * a restart at 10M entities): a wrong one only misleads a walk, inside the
 * file, and a file forged with a valid checksum can mislead in any case.
 */
static int verify_history(const veu_snapshot_t *s)
{
    uint32_t n = s->n, m = (uint32_t)s->h->n_hown;

    if (!s->h->history) {
        return 0;
    }
    if (!check_offsets(s->hown_in, n, m) || !check_offsets(s->hown_out, n, m) ||
        !check_offsets(s->hsup_out, n, s->h->n_hsup) ||
        !check_offsets(s->hdes_off, n, s->h->n_hdes) || !check_index(s->hown_out_e, m, m)) {
        return -1;
    }
    for (uint32_t v = 0; v < n; v++) {
        for (uint32_t i = s->hown_in[v]; i < s->hown_in[v + 1]; i++) {
            const veu_hown_t *r = &s->hown[i];
            if (r->r.owned != v || r->r.owner >= n || r->r.owner == v || r->r.control > 1 ||
                !span_ok(r->span) || !(isnan(r->r.pct) || (r->r.pct > 0 && r->r.pct <= 100))) {
                return -1;
            }
        }
        for (uint32_t i = s->hsup_out[v]; i < s->hsup_out[v + 1]; i++) {
            const veu_hsup_t *r = &s->hsup[i];
            if (r->r.supplier != v || r->r.customer >= n || !check_str(s, r->r.product) ||
                !span_ok(r->span)) {
                return -1;
            }
        }
        for (uint32_t i = s->hdes_off[v]; i < s->hdes_off[v + 1]; i++) {
            const veu_hdes_t *d = &s->hdes[i];
            if (d->entity != v || !check_str(s, d->source) || !span_ok(d->span) ||
                ((d->bit & ~VEU_DES_UNSELECTED) != VEU_DES_DEFENSE &&
                 (d->bit & ~VEU_DES_UNSELECTED) != VEU_DES_MILITARY && d->bit != VEU_DES_VEU)) {
                return -1;
            }
        }
    }
    return 0;
}

/* Everything inside: every index and offset stays within its section. */
static int verify(veu_snapshot_t *s, char *err, size_t len)
{
    const veu_snap_header_t *h = s->h;
    uint32_t n = h->n, m = h->n_own, ms = h->n_sup;

    for (uint32_t v = 0; v < n; v++) {
        const veu_snap_entity_t *e = &s->ent[v];
        const veu_snap_entx_t *x = &s->entx[v];
        if (!check_str(s, e->id) || !check_str(s, e->name) || !check_str(s, e->country) ||
            !check_str(s, e->sector) || !check_str(s, x->aliases) || !check_str(s, x->seed_src) ||
            !check_str(s, x->veu_src) || e->verdict > VEU_V_DENY ||
            (e->ctrl_pred != VEU_NONE && e->ctrl_pred >= m) ||
            (e->share_pred != VEU_NONE && e->share_pred >= m) ||
            (e->hold_next != VEU_NONE && e->hold_next >= m)) {
            return refuse(err, len, "entity %u has an index outside the file", v);
        }
    }
    uint64_t empty = 0;
    for (uint64_t i = 0; i <= h->idmap_mask; i++) {
        if (s->idmap[i].idx == VEU_NONE) {
            empty++;
        } else if (s->idmap[i].idx >= n || s->idmap[i].key >= s->str_len) {
            return refuse(err, len, "the id index points outside the entities");
        }
    }
    if (empty == 0) {
        return refuse(err, len, "the id index has no free slot");
    }
    for (uint32_t i = 0; i < m; i++) {
        if (s->own[i].from >= n || s->own[i].to >= n || s->own[i].from == s->own[i].to) {
            return refuse(err, len, "ownership edge %u names no entity", i);
        }
    }
    for (uint32_t i = 0; i < ms; i++) {
        if (s->sup[i].from >= n || s->sup[i].to >= n || !check_str(s, s->sup[i].product)) {
            return refuse(err, len, "supply edge %u names no entity", i);
        }
    }
    if (!check_offsets(s->own_out, n, m) || !check_offsets(s->own_in, n, m) ||
        !check_offsets(s->sup_out, n, ms) || !check_offsets(s->sup_in, n, ms) ||
        !check_index(s->own_in_e, m, m) || !check_index(s->sup_in_e, ms, ms)) {
        return refuse(err, len, "adjacency index is inconsistent");
    }
    for (uint32_t v = 0; v < n; v++) {
        for (uint32_t i = s->own_out[v]; i < s->own_out[v + 1]; i++) {
            if (s->own[i].from != v) {
                return refuse(err, len, "ownership edges are out of order");
            }
        }
        for (uint32_t i = s->sup_out[v]; i < s->sup_out[v + 1]; i++) {
            if (s->sup[i].from != v) {
                return refuse(err, len, "supply edges are out of order");
            }
        }
    }
    /* UPPER: ascending entities, each flagged; every flagged entity has one */
    for (uint32_t i = 0; i < s->n_upper; i++) {
        const veu_snap_upper_t *u = &s->upper[i];
        if (u->v >= n || (i && u->v <= s->upper[i - 1].v) || !(s->ent[u->v].flags & VEU_SF_UPPER) ||
            (u->ctrl_pred != VEU_NONE && u->ctrl_pred >= m) || !(u->ctrl_share >= 0) ||
            !(u->ctrl_share <= 100) || !(u->share >= 0 && u->share <= 1) ||
            !(u->holding >= 0 && u->holding <= 1)) {
            return refuse(err, len, "upper-bound record %u is inconsistent", i);
        }
    }
    uint32_t flagged = 0;
    for (uint32_t v = 0; v < n; v++) {
        uint8_t f = s->ent[v].flags;
        flagged += (f & VEU_SF_UPPER) != 0;
        if ((f & VEU_SF_POSSIBLE) && !(f & VEU_SF_UPPER)) {
            return refuse(err, len, "entity %u is possibly controlled without a record", v);
        }
    }
    if (flagged != s->n_upper) {
        return refuse(err, len, "the upper-bound records do not match the entities");
    }
    if (verify_names(s) < 0) {
        return refuse(err, len, "the name index is inconsistent");
    }
    if (!check_labels(s->sup_lab, s->sup_next, n, ms) ||
        !check_labels(s->up_lab, s->up_next, n, m) || !check_labels(s->dn_lab, s->dn_pred, n, m) ||
        !check_labels(s->ds_lab, s->ds_pred, n, m)) {
        return refuse(err, len, "evidence labels point outside the graph");
    }
    return 0;
}

/* The second core's share of the checks: the body's checksum, then the history. */
struct sum_job {
    const char *p;
    size_t len;
    uint64_t sum;
    const veu_snapshot_t *s;
    int history;
};

static void *sum_body(void *arg)
{
    struct sum_job *j = arg;
    j->sum = XXH3_64bits(j->p, j->len);
    j->history = verify_history(j->s);
    return NULL;
}

int veu_snapshot_open(const char *path, veu_snapshot_t **ret, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        int rc = -errno;
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return rc;
    }
    return veu_snapshot_open_fd(fd, false, ret, err, errlen);
}

int veu_snapshot_open_fd(int fd, bool trusted, veu_snapshot_t **ret, char *err, size_t errlen)
{
    veu_snapshot_t *s;
    struct stat st;
    int rc;

    if (fstat(fd, &st) < 0) {
        rc = -errno;
        close(fd);
        snprintf(err, errlen, "cannot stat: %s", strerror(-rc));
        return rc;
    }
    if (!S_ISREG(st.st_mode) || st.st_size < VEU_SNAP_HEADER) {
        close(fd);
        return refuse(err, errlen, "file is %lld bytes, shorter than a snapshot header",
                      (long long)st.st_size);
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        close(fd);
        return -ENOMEM;
    }
    s->size = (size_t)st.st_size;
    s->fd = fd;
    s->map = mmap(NULL, s->size, PROT_READ, MAP_SHARED, fd, 0);
    if (s->map == MAP_FAILED) {
        rc = -errno;
        close(fd);
        free(s);
        snprintf(err, errlen, "cannot map: %s", strerror(-rc));
        return rc;
    }
    /*
     * Read into the page cache in 2 MiB folios where the kernel can, mapped
     * with 2 MiB pages (see snapshot_write.c): no effect on smaller files
     * or kernels without large folios.
     */
    madvise(s->map, s->size, MADV_HUGEPAGE);
    s->h = s->map;
    if (memcmp(s->h->magic, VEU_SNAP_MAGIC, 8) != 0) {
        rc = refuse(err, errlen, "not a veud snapshot (bad magic)");
        goto fail;
    }
    if (s->h->endian != 0x01020304) {
        rc = refuse(err, errlen, "snapshot of another byte order");
        goto fail;
    }
    if (s->h->version != VEU_SNAP_VERSION) {
        snprintf(err, errlen, "format version %u, this veud reads version %u", s->h->version,
                 VEU_SNAP_VERSION);
        rc = -VEU_EVERSION;
        goto fail;
    }
    {
        veu_snap_header_t copy;
        uint64_t want = s->h->header_checksum;
        XXH3_state_t *xx = XXH3_createState();
        if (!xx) {
            rc = -ENOMEM;
            goto fail;
        }
        memcpy(&copy, s->h, sizeof(copy));
        copy.header_checksum = 0;
        XXH3_64bits_reset(xx);
        XXH3_64bits_update(xx, &copy, sizeof(copy));
        XXH3_64bits_update(xx, (const char *)s->map + sizeof(copy), VEU_SNAP_HEADER - sizeof(copy));
        uint64_t got = XXH3_64bits_digest(xx);
        XXH3_freeState(xx);
        if (got != want) {
            rc = refuse(err, errlen, "header checksum mismatch");
            goto fail;
        }
    }
    if (s->h->header_size != VEU_SNAP_HEADER || s->h->file_size != s->size) {
        rc = refuse(err, errlen, "file is %zu bytes, the header says %llu (truncated?)", s->size,
                    (unsigned long long)s->h->file_size);
        goto fail;
    }
    if ((rc = layout(s, err, errlen)) < 0) {
        goto fail;
    }
    if (!trusted) {
        /*
         * The body's checksum and the history's checks on a second core
         * while this one checks the rest of the structure (neither trusts
         * the bytes, so the order does not matter): a restart at 10M
         * entities takes the longer of the two, not their sum.
         */
        struct sum_job job = {
            .p = (const char *)s->map + VEU_SNAP_HEADER, .len = s->size - VEU_SNAP_HEADER, .s = s};
        pthread_t th;
        int threaded = job.len >= (64u << 20) && pthread_create(&th, NULL, sum_body, &job) == 0;
        if (!threaded) {
            sum_body(&job);
        }
        rc = verify(s, err, errlen);
        if (threaded) {
            pthread_join(th, NULL);
        }
        if (job.sum != s->h->checksum) {
            rc = refuse(err, errlen, "body checksum mismatch (corrupt)");
            goto fail;
        }
        if (rc < 0) {
            goto fail;
        }
        if (job.history < 0) {
            rc = refuse(err, errlen, "the history is inconsistent");
            goto fail;
        }
    }
    madvise(s->map, s->size, MADV_RANDOM);
    s->info = (veu_snapshot_info_t){
        .entities = s->n,
        .ownership_edges = s->n_own,
        .supply_edges = s->n_sup,
        .built_at = s->h->built_at,
        .build_ms = s->h->build_ms,
        .generation = s->h->generation,
        .skipped_rows = s->h->skipped,
        .warnings = s->h->warnings,
        .counts = s->h->counts,
        .digest = s->h->digest,
        .policy_digest = s->h->policy_digest,
        .policy_json = s->policy_json,
        .lists_json = s->lists_json,
        .data_dir = s->h->data_dir,
        .veud_version = s->h->veud_version,
        .file_size = s->size,
        .as_of = s->h->as_of,
        .dated = s->h->dated != 0,
        .history = s->h->history != 0,
    };
    if (memchr(s->h->digest, 0, sizeof(s->h->digest)) == NULL ||
        memchr(s->h->policy_digest, 0, sizeof(s->h->policy_digest)) == NULL ||
        memchr(s->h->data_dir, 0, sizeof(s->h->data_dir)) == NULL ||
        memchr(s->h->veud_version, 0, sizeof(s->h->veud_version)) == NULL ||
        !veu_iso_date(s->h->as_of, strnlen(s->h->as_of, sizeof(s->h->as_of)))) {
        rc = refuse(err, errlen, "header strings are not terminated");
        goto fail;
    }
    *ret = s;
    return 0;
fail:
    munmap(s->map, s->size);
    close(s->fd);
    free(s);
    return rc;
}

void veu_snapshot_close(veu_snapshot_t *s)
{
    if (!s) {
        return;
    }
    munmap(s->map, s->size);
    close(s->fd);
    free(s);
}

int veu_snapshot_fd(const veu_snapshot_t *s)
{
    return s->fd;
}

int veu_snapshot_huge_pct(const veu_snapshot_t *s)
{
    FILE *f = fopen("/proc/self/smaps", "re");
    char line[PATH_MAX + 256]; /* a mapping's line ends with its path */
    unsigned long long from, to, rss = 0, pmd = 0;
    bool in = false;

    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "%llx-%llx ", &from, &to) == 2) {
            in = from == (uintptr_t)s->map; /* a mapping's first line */
        } else if (in) {
            sscanf(line, "Rss: %llu kB", &rss);
            sscanf(line, "FilePmdMapped: %llu kB", &pmd);
        }
    }
    fclose(f);
    /* only whole 2 MiB pieces of the file can be: a file under 2 MiB tells nothing */
    unsigned long long whole = (unsigned long long)(s->size >> 21) << 11; /* kB */
    unsigned long long base = rss < whole ? rss : whole;
    return base ? (int)(pmd >= base ? 100 : pmd * 100 / base) : -1;
}

const veu_snapshot_info_t *veu_snapshot_info(const veu_snapshot_t *s)
{
    return &s->info;
}

uint32_t veu_snapshot_find(const veu_snapshot_t *s, const char *id, size_t len)
{
    if (s->n == 0) {
        return VEU_SNAP_NONE;
    }
    return veu_idmap_find_raw(s->idmap, s->h->idmap_mask, s->str, id, len);
}

const char *veu_snapshot_id(const veu_snapshot_t *s, uint32_t idx)
{
    return snap_str(s, s->ent[idx].id);
}

const char *veu_snapshot_name(const veu_snapshot_t *s, uint32_t idx)
{
    return snap_str(s, s->ent[idx].name);
}

const char *veu_snapshot_country(const veu_snapshot_t *s, uint32_t idx)
{
    return snap_str(s, s->ent[idx].country);
}

int veu_snapshot_peek(const char *path, veu_snapshot_peek_t *ret, const char **why)
{
    veu_snap_header_t h;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        *why = strerror(errno);
        return -1;
    }
    n = pread(fd, &h, sizeof(h), 0);
    close(fd);
    if (n != (ssize_t)sizeof(h)) {
        *why = "shorter than a snapshot header (truncated?)";
        return -1;
    }
    if (memcmp(h.magic, VEU_SNAP_MAGIC, 8)) {
        *why = "not a veud snapshot";
        return -1;
    }
    if (h.version != VEU_SNAP_VERSION) {
        *why = "another snapshot format version";
        return -1;
    }
    ret->generation = h.generation;
    memcpy(ret->policy_digest, h.policy_digest, sizeof(ret->policy_digest));
    ret->policy_digest[sizeof(ret->policy_digest) - 1] = '\0';
    memcpy(ret->data_dir, h.data_dir, sizeof(ret->data_dir));
    if (!memchr(h.data_dir, 0, sizeof(h.data_dir))) {
        ret->data_dir[0] = '\0'; /* no data directory we could be built from */
    }
    return 0;
}
