/* SPDX-License-Identifier: MIT */
/*
 * fuzz_snapshot.c: the snapshot reader on forged files.  The checksums are
 * recomputed over the mutated bytes before opening, so the fuzzer explores
 * the structural checks behind them, as an attacker who can write the state
 * directory would; a file that passes must answer every op without fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "fuzz.h"
#include "engine/graph.h"
#include "format/snapfmt.h"
#include "veu/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    char path[256], err[256];
    veu_snapshot_t *s;

    memcpy(copy, data, size);
    if (size >= VEU_SNAP_HEADER && size >= sizeof(veu_snap_header_t)) {
        veu_snap_header_t *h = (veu_snap_header_t *)copy;
        h->file_size = size;
        h->checksum = XXH3_64bits(copy + VEU_SNAP_HEADER, size - VEU_SNAP_HEADER);
        h->header_checksum = 0;
        h->header_checksum = XXH3_64bits(copy, VEU_SNAP_HEADER);
    }
    veu_fuzz_write("f.snap", copy, size);
    free(copy);
    snprintf(path, sizeof(path), "%s/f.snap", veu_fuzz_dir());
    if (veu_snapshot_open(path, &s, err, sizeof(err)) == 0) {
        veu_jbuf_t b;
        veu_nodeset_t *nodes = malloc(sizeof(*nodes));
        veu_match_t m[5];
        veu_jbuf_init(&b);
        for (uint32_t v = 0; v < veu_snapshot_info(s)->entities && v < 64; v++) {
            veu_jbuf_reset(&b);
            nodes->n = nodes->dropped = 0;
            veu_snapshot_risk_nodes(s, v, nodes, &b);
            veu_snapshot_owners(s, v, &b);
            veu_snapshot_paths(s, v, 8, 20, VEU_REL_ANY, nodes, &b);
            veu_snapshot_codes(s, v, &b);
            veu_snapshot_find(s, veu_snapshot_id(s, v), strlen(veu_snapshot_id(s, v)));
            /* the server's prefetch hints walk what the answer will read */
            veu_snapshot_hint_t h;
            veu_snapshot_hint_id(s, veu_snapshot_id(s, v), strlen(veu_snapshot_id(s, v)), &h);
            for (int k = 0; k < VEU_HINT_STEPS && veu_snapshot_hint_step(s, &h); k++) {
            }
        }
        veu_snapshot_search(s, "alpha beta", 10, m, 5);
        veu_snapshot_search(s, "alfa gamma corp", 15, m, 5);
        veu_snapshot_problems(s, &b);
        free(nodes);
        veu_jbuf_destroy(&b);
        veu_snapshot_close(s);
    }
    return 0;
}
