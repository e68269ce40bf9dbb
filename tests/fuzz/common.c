/* SPDX-License-Identifier: MIT */
/* common.c: helpers shared by the fuzz targets. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "veu/build.h"
#include "veu/snapshot.h"

static char dir[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

const char *veu_fuzz_dir(void)
{
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/veu-fuzz-XXXXXX");
        if (!mkdtemp(dir)) {
            abort();
        }
        atexit(cleanup);
    }
    return dir;
}

void veu_fuzz_write(const char *name, const uint8_t *data, size_t size)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", veu_fuzz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        abort();
    }
    if (size) {
        fwrite(data, 1, size, f);
    }
    fclose(f);
}

veu_snapshot_t *veu_fuzz_build(void)
{
    veu_build_opts_t o = {.data_dir = veu_fuzz_dir()};
    veu_report_t rep = {0};
    veu_counts_t c;
    veu_diag_t err;
    veu_snapshot_t *s;
    char snap[300], e[256];

    veu_policy_init(&o.policy);
    snprintf(snap, sizeof(snap), "%s/out.snap", veu_fuzz_dir());
    o.out_path = snap;
    if (veu_build(&o, &rep, &c, NULL, &err) != 0) {
        return NULL;
    }
    if (veu_snapshot_open(snap, &s, e, sizeof(e)) != 0) {
        abort(); /* a snapshot we wrote must open */
    }
    return s;
}

void veu_fuzz_answer_and_close(veu_snapshot_t *s)
{
    veu_jbuf_t b;
    veu_jbuf_init(&b);
    for (uint32_t v = 0; v < veu_snapshot_info(s)->entities && v < 50; v++) {
        veu_jbuf_reset(&b);
        veu_snapshot_risk(s, v, &b);
        veu_snapshot_owners(s, v, &b);
        veu_snapshot_paths(s, v, 6, 10, VEU_REL_ANY, NULL, &b);
    }
    veu_jbuf_destroy(&b);
    veu_snapshot_close(s);
}
