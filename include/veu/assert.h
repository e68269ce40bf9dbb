/* SPDX-License-Identifier: MIT */
/*
 * assert.h: invariants the code relies on, checked in debug and sanitizer
 * builds (VEU_CHECKED) and compiled out otherwise, as libuv's assert and
 * Knot Resolver's kr_require are.  Only for what the code itself
 * guarantees: client input and data files never reach one; they get an
 * error reply or a reported problem.
 */
#ifndef VEU_ASSERT_H
#define VEU_ASSERT_H

/* Prints the failed invariant with its place and aborts. */
void veu_assert_fail(const char *what, const char *file, int line, const char *func)
    __attribute__((noreturn));

#ifdef VEU_CHECKED
#define VEU_ASSERT(c) ((c) ? (void)0 : veu_assert_fail(#c, __FILE__, __LINE__, __func__))
#else
#define VEU_ASSERT(c) ((void)sizeof(c))
#endif

#endif
