/* SPDX-License-Identifier: MIT */
/* auditchain.c: see auditchain.h.  SHA-256 from nettle (Debian's libnettle). */
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditchain.h"

static const char key[] = ",\"chain\":\"";

void veu_chain_next(const char *prev, const char *body, size_t len, char out[VEU_CHAIN_HEX])
{
    struct sha256_ctx c;
    uint8_t d[SHA256_DIGEST_SIZE];

    sha256_init(&c);
    sha256_update(&c, 64, (const uint8_t *)prev);
    sha256_update(&c, len, (const uint8_t *)body);
    sha256_digest(&c, sizeof(d), d);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
        static const char hx[] = "0123456789abcdef";
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[64] = '\0';
}

/* The chain member of one line (without its newline): its body's length, and the chain. */
static int split(const char *line, size_t len, size_t *ret_body, char chain[VEU_CHAIN_HEX])
{
    const char *k = NULL;
    for (const char *p = line; (p = memmem(p, len - (size_t)(p - line), key, sizeof(key) - 1));
         p++) {
        k = p; /* the last one: strings inside the line cannot hold an unescaped quote */
    }
    if (!k || (size_t)(line + len - k) != sizeof(key) - 1 + 64 + 2 ||
        memcmp(line + len - 2, "\"}", 2) != 0) {
        return -1;
    }
    memcpy(chain, k + sizeof(key) - 1, 64);
    chain[64] = '\0';
    *ret_body = (size_t)(k - line);
    return 0;
}

int veu_chain_last(const char *path, char out[VEU_CHAIN_HEX])
{
    char buf[65536];
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

    memset(out, '0', 64);
    out[64] = '\0';
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0) {
        if (fd >= 0) {
            close(fd);
        }
        return 1;
    }
    off_t from = st.st_size > (off_t)sizeof(buf) ? st.st_size - (off_t)sizeof(buf) : 0;
    ssize_t n = pread(fd, buf, sizeof(buf), from);
    close(fd);
    while (n > 0 && buf[n - 1] == '\n') {
        n--;
    }
    if (n <= 0) {
        return 1;
    }
    const char *nl = memrchr(buf, '\n', (size_t)n);
    const char *line = nl ? nl + 1 : buf;
    size_t body;
    return split(line, (size_t)(buf + n - line), &body, out) == 0 ? 0 : -1;
}

long veu_chain_verify(FILE *f, char prev[VEU_CHAIN_HEX], int trust_first)
{
    char *line = NULL, chain[VEU_CHAIN_HEX], want[VEU_CHAIN_HEX];
    size_t cap = 0, body;
    ssize_t n;
    long no = 0;

    while ((n = getline(&line, &cap, f)) > 0) {
        no++;
        if (line[n - 1] == '\n') {
            n--;
        }
        if (split(line, (size_t)n, &body, chain) < 0) {
            free(line);
            return -no;
        }
        if (!(trust_first && no == 1)) {
            veu_chain_next(prev, line, body, want);
            if (strcmp(want, chain) != 0) {
                free(line);
                return -no;
            }
        }
        memcpy(prev, chain, VEU_CHAIN_HEX);
    }
    free(line);
    return no;
}
