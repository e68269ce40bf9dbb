/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h: what a builder may do, cut down before it reads untrusted
 * registry data (sandbox.c; the review's F11).
 */
#ifndef VEU_DAEMON_SANDBOX_H
#define VEU_DAEMON_SANDBOX_H

#include <stddef.h>

/*
 * Sets PR_SET_NO_NEW_PRIVS and, with Landlock (Linux 5.13 and later),
 * forbids every change to the file system except creating, writing and
 * removing regular files directly under writable_dir (NULL: nowhere).
 * Descriptors open already keep working.  Returns 0 when the Landlock
 * ruleset is in force, 1 when the kernel has no Landlock (why says so: the
 * builder runs without it), or -errno.
 */
int veu_sandbox_builder(const char *writable_dir, char *why, size_t len);

#endif
