/* SPDX-License-Identifier: MIT */
/*
 * auditchain.h: the audit trail's hash chain (auditchain.c).  Each line
 * ends with "chain": the SHA-256, in hex, of the previous line's chain and
 * this line up to that member, so that a line changed, removed or put in
 * afterwards breaks every chain after it.  The first line of a new trail
 * chains from 64 zeros; a rotated file's first line from the last of the
 * file before it.
 */
#ifndef VEU_DAEMON_AUDITCHAIN_H
#define VEU_DAEMON_AUDITCHAIN_H

#include <stdio.h>

#define VEU_CHAIN_HEX 65 /* 64 hex digits and a NUL */

/* out = sha256_hex(prev || body[0..len)). */
void veu_chain_next(const char *prev, const char *body, size_t len, char out[VEU_CHAIN_HEX]);

/*
 * The chain of the last line of the file at path: 0 with out set; 1 when
 * the file is absent or empty (out: 64 zeros); -1 when its last line has
 * no chain (a trail begun by an older veud: out is 64 zeros, and the
 * chain starts again there).
 */
int veu_chain_last(const char *path, char out[VEU_CHAIN_HEX]);

/*
 * Checks the lines of f against prev (NULL: the first line is taken on
 * trust, as a rotated file's first line chains from a file that may be
 * gone); on return prev holds the last chain.  Returns the number of lines
 * checked, or -(line number) of the first line whose chain is wrong.
 */
long veu_chain_verify(FILE *f, char prev[VEU_CHAIN_HEX], int trust_first);

#endif
