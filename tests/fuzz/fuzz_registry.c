/* SPDX-License-Identifier: MIT */
/*
 * fuzz_registry.c: the registry importers (GLEIF CSV, BODS JSON, FtM JSON
 * lines) and the name normaliser on hostile files.  The first byte picks
 * the file's name (reg.json, reg.jsonl, reg.csv), the rest is its content,
 * found by content as in a real data directory.  Whatever the bytes, the
 * build fails cleanly or writes a snapshot that opens, and searching it for
 * the same bytes as a name is safe.
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
    static const char *names[] = {"reg.json", "reg.jsonl", "reg.csv"};
    char path[256];

    if (size < 1) {
        return 0;
    }
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", veu_fuzz_dir(), names[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/entities.csv", veu_fuzz_dir());
    unlink(path);
    veu_fuzz_write(names[data[0] % 3], data + 1, size - 1);

    veu_snapshot_t *s = veu_fuzz_build();
    if (s) {
        veu_match_t m[10];
        veu_snapshot_search(s, (const char *)data + 1, size - 1 < 4096 ? size - 1 : 4096, m, 10);
        veu_fuzz_answer_and_close(s);
    }
    return 0;
}
