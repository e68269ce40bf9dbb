/* SPDX-License-Identifier: MIT */
/*
 * snapcmp.c: a test helper that compares two snapshots of the same data
 * answer by answer: every entity's `risk`, `paths` and `owners`, parsed as
 * JSON.  Strings, verdicts, codes, ids and the order of paths must be equal;
 * numbers may differ by at most 1e-9 (the metrics are percents).  Prints
 * the first differences and exits 1 when there are any.
 *   snapcmp A.snap B.snap
 * With --sections, compares the files instead: every section's bytes and
 * every header field but the sections' offsets, the times and the
 * checksums (a change of the writer's order, not of what it writes).
 *   snapcmp --sections A.snap B.snap
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veu/snapshot.h"
#include "format/snapfmt.h"

/*
 * 1e-9 percent; answers print at most 9 decimals, so two values a hair apart
 * may print 1e-9 apart: the hair is allowed too
 */
#define TOL (1e-9 + 1e-12)

static int same(json_t *a, json_t *b, char *where, size_t wlen)
{
    if (json_is_number(a) && json_is_number(b)) {
        return fabs(json_number_value(a) - json_number_value(b)) <= TOL;
    }
    if (json_typeof(a) != json_typeof(b)) {
        return 0;
    }
    if (json_is_object(a)) {
        const char *k;
        json_t *va;
        if (json_object_size(a) != json_object_size(b)) {
            return 0;
        }
        json_object_foreach(a, k, va)
        {
            json_t *vb = json_object_get(b, k);
            if (!vb || !same(va, vb, where, wlen)) {
                size_t l = strlen(where);
                snprintf(where + l, wlen - l, "%s%s", l ? "<" : "", k);
                return 0;
            }
        }
        return 1;
    }
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b)) {
            return 0;
        }
        for (size_t i = 0; i < json_array_size(a); i++) {
            if (!same(json_array_get(a, i), json_array_get(b, i), where, wlen)) {
                size_t l = strlen(where);
                snprintf(where + l, wlen - l, "%s[%zu]", l ? "<" : "", i);
                return 0;
            }
        }
        return 1;
    }
    return json_equal(a, b);
}

/* The file's bytes, or NULL with a message. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *p = NULL;
    long end;

    if (f && fseek(f, 0, SEEK_END) == 0 && (end = ftell(f)) >= VEU_SNAP_HEADER &&
        fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)end)) &&
        fread(p, 1, (size_t)end, f) == (size_t)end) {
        *len = (size_t)end;
        fclose(f);
        return p;
    }
    fprintf(stderr, "snapcmp: %s: cannot read a snapshot\n", path);
    free(p);
    if (f) {
        fclose(f);
    }
    return NULL;
}

static int sections(const char *a_path, const char *b_path)
{
    size_t len[2];
    unsigned char *p[2] = {slurp(a_path, &len[0]), slurp(b_path, &len[1])};
    int differ = 0;

    if (!p[0] || !p[1]) {
        free(p[0]);
        free(p[1]);
        return 2;
    }
    veu_snap_header_t h[2];
    for (int i = 0; i < 2; i++) {
        memcpy(&h[i], p[i], sizeof(h[i]));
    }
    for (int k = 0; k < SEC_COUNT; k++) {
        const veu_snap_section_t *x = &h[0].sec[k], *y = &h[1].sec[k];
        if (x->len != y->len || x->off > len[0] - x->len || y->off > len[1] - y->len ||
            memcmp(p[0] + x->off, p[1] + y->off, x->len) != 0) {
            printf("section %d differs\n", k);
            differ = 1;
        }
    }
    for (int i = 0; i < 2; i++) {
        memset(h[i].sec, 0, sizeof(h[i].sec));
        h[i].checksum = h[i].header_checksum = 0;
        h[i].built_at = h[i].build_ms = 0;
    }
    if (memcmp(&h[0], &h[1], sizeof(h[0])) != 0) {
        printf("the headers differ\n");
        differ = 1;
    }
    printf("%s: %d sections\n", differ ? "differ" : "same", SEC_COUNT);
    free(p[0]);
    free(p[1]);
    return differ;
}

int main(int argc, char **argv)
{
    veu_snapshot_t *s[2];
    veu_jbuf_t b[2];
    char err[512];
    unsigned long differ = 0, compared = 0;

    if (argc == 4 && !strcmp(argv[1], "--sections")) {
        return sections(argv[2], argv[3]);
    }
    if (argc != 3) {
        fprintf(stderr, "usage: snapcmp [--sections] A.snap B.snap\n");
        return 64;
    }
    for (int i = 0; i < 2; i++) {
        if (veu_snapshot_open(argv[1 + i], &s[i], err, sizeof(err)) < 0) {
            fprintf(stderr, "snapcmp: %s: %s\n", argv[1 + i], err);
            return 2;
        }
        veu_jbuf_init(&b[i]);
    }
    uint32_t n = veu_snapshot_info(s[0])->entities;
    if (n != veu_snapshot_info(s[1])->entities) {
        fprintf(stderr, "snapcmp: %u entities against %u\n", n, veu_snapshot_info(s[1])->entities);
        return 1;
    }
    static const char *const what[] = {"risk", "paths", "owners"};
    for (uint32_t v = 0; v < n; v++) {
        for (int k = 0; k < 3; k++) {
            json_t *j[2];
            for (int i = 0; i < 2; i++) {
                veu_jbuf_reset(&b[i]);
                if (k == 0) {
                    veu_snapshot_risk(s[i], v, &b[i]);
                } else if (k == 1) {
                    veu_snapshot_paths(s[i], v, 6, 10, VEU_REL_ANY, NULL, &b[i]);
                } else {
                    veu_snapshot_owners(s[i], v, &b[i]);
                }
                j[i] = json_loads(b[i].buf, 0, NULL);
            }
            char where[256] = "";
            compared++;
            if (!j[0] || !j[1] || !same(j[0], j[1], where, sizeof(where))) {
                if (differ++ < 10) {
                    veu_jbuf_reset(&b[0]);
                    veu_snapshot_risk(s[0], v, &b[0]);
                    printf("entity %u: %s differs at %s\n", v, what[k], where);
                }
            }
            json_decref(j[0]);
            json_decref(j[1]);
        }
    }
    printf("%u entities, %lu answers compared, %lu differ\n", n, compared, differ);
    for (int i = 0; i < 2; i++) {
        veu_jbuf_destroy(&b[i]);
        veu_snapshot_close(s[i]);
    }
    return differ ? 1 : 0;
}
