/* SPDX-License-Identifier: MIT */
/*
 * fuzz_csv.c: the dataset loader and the whole build on hostile files.
 * The input is split at the first three 0x1e bytes into entities.csv,
 * ownership.csv, supply.csv and designations.csv (a missing part: no file).
 * Whatever the bytes, the build returns an error or a snapshot that opens.
 * An odd-sized input has ownership.csv read by two cores, cut anywhere its
 * length picks (veu_ld_split_min, veu_ld_split_at).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load/dataset.h"

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
    veu_ld_split_min = size & 1 ? 1 : 4u << 20;
    veu_ld_split_at = (long long)(size % 97);
    veu_snapshot_t *s = veu_fuzz_build();
    if (s) {
        veu_fuzz_answer_and_close(s);
    }
    return 0;
}
