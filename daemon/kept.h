/* SPDX-License-Identifier: MIT */
/*
 * kept.h: answers from a kept generation (SPEC section 9): an op with
 * "generation" names one of the snapshots the state directory keeps, and
 * is answered from it, as it was answered then (kept.c).
 */
#ifndef VEU_DAEMON_KEPT_H
#define VEU_DAEMON_KEPT_H

#include <stdbool.h>
#include <stdint.h>

#include "req.h"

typedef struct veu_kept_job veu_kept_job_t;

/*
 * The generations the state directory keeps, by their file names: the
 * oldest, and the newest before `before`; 0 where there is none.  Reads the
 * directory: call it off the loop.
 */
void veu_kept_scan(const char *state, uint64_t before, uint64_t *oldest, uint64_t *newest_before);

/*
 * Maps and verifies generation gen's snapshot in the state directory (off
 * the loop: a second at 10M entities); NULL with err saying why, naming the
 * oldest kept.  The caller owns the one reference.
 */
veu_snapref_t *veu_kept_open(const char *state, uint64_t gen, char *err, size_t errlen);

/*
 * Answers r from generation gen (not the one serving): maps its snapshot in
 * the thread pool, then runs r's op on it.  VEU_OP_PENDING, or VEU_OP_ERROR.
 */
int veu_kept_start(veu_req_t *r, uint64_t gen);
/* A connection closes: its jobs run on, answering no one. */
void veu_kept_forget_conn(veu_server_t *srv, veu_conn_t *c);
/* The generation's file is removed: it is not answered from any more. */
void veu_kept_drop(veu_server_t *srv, uint64_t gen);
/* Starts (veu_kept_init) and ends (veu_kept_cleanup) the mappings kept for a while. */
void veu_kept_init(veu_server_t *srv);
void veu_kept_cleanup(veu_server_t *srv);
/* No job runs. */
bool veu_kept_idle(const veu_server_t *srv);

#endif
