/* SPDX-License-Identifier: MIT */
/*
 * snapq.c: a test helper that opens a snapshot and prints the `risk` result
 * of each id given, one JSON object per line ("not_found" for unknown ids).
 */
#include <stdio.h>
#include <string.h>

#include "veu/snapshot.h"

int main(int argc, char **argv)
{
    veu_snapshot_t *s;
    veu_jbuf_t b;
    char err[512];

    if (argc < 2) {
        fprintf(stderr, "usage: snapq SNAPSHOT [ID ...]\n");
        return 64;
    }
    if (veu_snapshot_open(argv[1], &s, err, sizeof(err)) < 0) {
        fprintf(stderr, "snapq: %s: %s\n", argv[1], err);
        return 1;
    }
    veu_jbuf_init(&b);
    for (int i = 2; i < argc; i++) {
        uint32_t v = veu_snapshot_find(s, argv[i], strlen(argv[i]));
        if (v == VEU_SNAP_NONE) {
            printf("not_found\n");
            continue;
        }
        veu_jbuf_reset(&b);
        veu_snapshot_risk(s, v, &b);
        printf("%s\n", b.buf);
    }
    veu_jbuf_destroy(&b);
    veu_snapshot_close(s);
    return 0;
}
