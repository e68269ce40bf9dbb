/* SPDX-License-Identifier: MIT */
/*
 * sandbox.c: see sandbox.h.  A builder parses untrusted registry data with
 * the daemon's rights; compromised, it could otherwise forge other
 * snapshots, rewrite the audit log or the registry.  With the ruleset it
 * can write only beneath its output's directory (the snapshot it was asked
 * for, or nothing at all for an answer on another day), and it cannot gain
 * privileges through exec.  What it can still do is in docs/security.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3, newer than some headers */
#endif

int veu_sandbox_builder(const char *writable_dir, char *why, size_t len)
{
    const uint64_t write = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
                           LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
                           LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
                           LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
                           LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
    int rc = 0, ruleset = -1, dir = -1;

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        snprintf(why, len, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
        return -errno;
    }
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) {
        snprintf(why, len,
                 "the kernel has no Landlock (%s): the builder may write anywhere veud may",
                 strerror(errno));
        return 1;
    }
    struct landlock_ruleset_attr attr = {.handled_access_fs = write};
    if (abi >= 2) {
        attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
    }
    if (abi >= 3) {
        attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
    }
    ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
    if (ruleset < 0) {
        rc = -errno;
        snprintf(why, len, "landlock_create_ruleset: %s", strerror(errno));
        goto out;
    }
    if (writable_dir) {
        dir = open(writable_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) {
            rc = -errno;
            snprintf(why, len, "cannot open '%s': %s", writable_dir, strerror(errno));
            goto out;
        }
        struct landlock_path_beneath_attr pb = {
            .allowed_access = (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                               LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_TRUNCATE) &
                              attr.handled_access_fs,
            .parent_fd = dir};
        if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0) {
            rc = -errno;
            snprintf(why, len, "landlock_add_rule: %s", strerror(errno));
            goto out;
        }
    }
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
        rc = -errno;
        snprintf(why, len, "landlock_restrict_self: %s", strerror(errno));
    }
out:
    if (dir >= 0) {
        close(dir);
    }
    if (ruleset >= 0) {
        close(ruleset);
    }
    return rc;
}
