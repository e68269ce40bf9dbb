/* SPDX-License-Identifier: MIT */
/*
 * fuzz_jstream.c: the streaming reader of JSON exports on hostile bytes.
 * The first byte picks a chunk size from 1 to 16 bytes, so that every
 * record, string, escape and bracket falls across chunk boundaries; the
 * records (code, number, line, message and the record itself) must be
 * exactly those read with one large chunk.  Records are at most 256 bytes
 * here, so that the "too long" paths run too.  A difference aborts.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "load/registry/jstream.h"

/* Every record of path, one line each, into a malloc'd string. */
static char *read_all(const char *path, size_t chunk)
{
    size_t cap = 4096, n = 0;
    char *out = malloc(cap), msg[300];
    int err;
    veu_jstream_t *js = veu_jstream_open(path, chunk, 256, &err);

    if (!out || !js) {
        abort();
    }
    out[0] = '\0';
    for (int k = 0; k < 100000; k++) {
        json_t *rec;
        long no, line;
        int rc = veu_jstream_next(js, &rec, &no, &line, msg, sizeof(msg));
        char *dump = rec ? json_dumps(rec, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
        size_t need = strlen(msg) + (dump ? strlen(dump) : 0) + 64;
        if (n + need >= cap) {
            out = realloc(out, cap = (n + need) * 2);
            if (!out) {
                abort();
            }
        }
        n += (size_t)snprintf(out + n, cap - n, "%d %ld %ld %s %s\n", rc, no, line, msg,
                              dump ? dump : "");
        free(dump);
        json_decref(rec);
        if (rc <= 0) {
            break;
        }
    }
    veu_jstream_close(js);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[256];

    if (size < 1) {
        return 0;
    }
    veu_fuzz_write("in.json", data + 1, size - 1);
    snprintf(path, sizeof(path), "%s/in.json", veu_fuzz_dir());
    char *big = read_all(path, 0), *small = read_all(path, 1 + data[0] % 16);
    if (strcmp(big, small) != 0) {
        fprintf(stderr, "chunk %d reads otherwise:\n%s\n--- one chunk:\n%s\n", 1 + data[0] % 16,
                small, big);
        abort();
    }
    free(big);
    free(small);
    return 0;
}
