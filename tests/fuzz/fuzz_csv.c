/* SPDX-License-Identifier: MIT */
/*
 * fuzz_csv.c: the dataset loader and the whole build on hostile files.
 * The input is split at the first three 0x1e bytes into entities.csv,
 * ownership.csv, supply.csv and designations.csv (a missing part: no file).
 * Whatever the bytes, the build returns an error or a snapshot that opens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "veu/build.h"
#include "veu/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *files[] = {"entities.csv", "ownership.csv", "supply.csv",
                                  "designations.csv"};
    const uint8_t *p = data, *end = data + size;
    char path[256];

    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s/%s", veu_fuzz_dir(), files[i]);
        unlink(path);
        if (p > end) {
            continue;
        }
        const uint8_t *sep = memchr(p, 0x1e, (size_t)(end - p));
        size_t n = sep ? (size_t)(sep - p) : (size_t)(end - p);
        veu_fuzz_write(files[i], p, n);
        p += n + 1;
    }
    veu_snapshot_t *s = veu_fuzz_build();
    if (s) {
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
    return 0;
}
