/* SPDX-License-Identifier: MIT */
/*
 * changes.h: the changes op (SPEC section 9): what changed between a kept
 * generation and the one serving, worked out in the thread pool
 * (changes.c).
 */
#ifndef VEU_DAEMON_CHANGES_H
#define VEU_DAEMON_CHANGES_H

#include <stdbool.h>
#include <stdint.h>

#include "req.h"

typedef struct veu_changes_job veu_changes_job_t;

/*
 * Starts r's answer: the changes from generation since (0: the newest kept
 * before the one serving) to r's graph, at most limit of them, only those
 * of the ids in entities (an array of strings, or NULL for all).  From the
 * generation the last rebuild replaced, answered at once into res from the
 * changes that rebuild worked out (VEU_OP_OK); else VEU_OP_PENDING, or
 * VEU_OP_ERROR (busy, out of memory).
 */
int veu_changes_start(veu_req_t *r, uint64_t since, unsigned limit, json_t *entities,
                      veu_jbuf_t *res);
/* A connection closes: its jobs run on, answering no one. */
void veu_changes_forget_conn(veu_server_t *srv, veu_conn_t *c);
/* No job runs. */
bool veu_changes_idle(const veu_server_t *srv);

#endif
