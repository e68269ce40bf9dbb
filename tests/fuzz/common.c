/* SPDX-License-Identifier: MIT */
/* common.c: helpers shared by the fuzz targets. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

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
