/* SPDX-License-Identifier: MIT */
/*
 * digest.c: the dataset digest without parsing, so that a timer-driven
 * rebuild can tell in a fraction of a second that nothing changed.  It must
 * hash exactly what dataset.c hashes while loading; a unit test holds the
 * two to the same answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "load/registry/registry.h"

#include "veu/build.h"

int veu_digest_file(XXH3_state_t *xx, const char *path, uint64_t off)
{
    struct stat st;
    int fd, rc = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) /* a FIFO must not stall the build */;
    if (fd < 0) {
        return -errno;
    }
    if (fstat(fd, &st) < 0) {
        rc = -errno;
    } else if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL; /* not a regular file: the build says so */
    } else if (off > 0 && lseek(fd, (off_t)off, SEEK_SET) < 0) {
        rc = -errno;
    } else {
        /* read(), not mmap(): a file cut short under us must not raise SIGBUS */
        char buf[1 << 16];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) != 0) {
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                rc = -errno;
                break;
            }
            XXH3_128bits_update(xx, buf, (size_t)n);
        }
    }
    close(fd);
    return rc;
}

static int hash_file(XXH3_state_t *xx, const char *dir, const char *name, int required)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    XXH3_128bits_update(xx, name, strlen(name) + 1);
    int rc = veu_digest_file(xx, path, 0);
    if (rc == -ENOENT && !required) {
        XXH3_128bits_update(xx, "-", 1);
        return 0;
    }
    return rc;
}

int veu_dataset_digest(const char *dir, char ret_hex[33])
{
    static const char *const files[] = {"entities.csv", "designations.csv", "ownership.csv",
                                        "supply.csv"};
    XXH3_state_t *xx = XXH3_createState();
    int rc = 0;

    if (!xx) {
        return -ENOMEM;
    }
    XXH3_128bits_reset(xx);
    veu_registry_t reg;
    int nreg = veu_registry_list(dir, &reg);
    if (nreg < 0) {
        XXH3_freeState(xx);
        return nreg;
    }
    for (int i = 0; i < 3 && rc == 0; i++) {
        rc = hash_file(xx, dir, files[i], i == 0 && nreg == 0);
    }
    XXH3_state_t *sub = XXH3_createState();
    if (rc == 0 && !sub) {
        rc = -ENOMEM;
    }
    if (rc == 0) {
        XXH3_128bits_reset(sub);
        rc = hash_file(sub, dir, files[3], 0);
    }
    if (rc == 0) {
        veu_digest_fold(xx, files[3], sub);
    }
    XXH3_freeState(sub);
    if (rc == 0) {
        rc = veu_registry_digest(dir, &reg, xx);
    }
    if (rc == 0) {
        XXH128_hash_t h = XXH3_128bits_digest(xx);
        snprintf(ret_hex, 33, "%016llx%016llx", (unsigned long long)h.high64,
                 (unsigned long long)h.low64);
    }
    XXH3_freeState(xx);
    return rc;
}

void veu_digest_fold(XXH3_state_t *digest, const char *name, XXH3_state_t *sub)
{
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(sub));
    XXH3_128bits_update(digest, name, strlen(name) + 1);
    XXH3_128bits_update(digest, &c, sizeof(c));
}
