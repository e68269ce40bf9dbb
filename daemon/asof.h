/* SPDX-License-Identifier: MIT */
/*
 * asof.h: answers for another day (asof.c): a builder works out the part of
 * the graph around buyers on that day from the snapshot's history, and the
 * op runs again on that part.
 */
#ifndef VEU_DAEMON_ASOF_H
#define VEU_DAEMON_ASOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "req.h"

typedef struct veu_asof_job veu_asof_job_t;

/* Starts (or queues) r's answer for day; VEU_OP_PENDING, or VEU_OP_ERROR (busy). */
int veu_asof_start(veu_req_t *r, const char *day, const uint32_t *buyers, size_t n_buyers);
/* A connection closes: its jobs run on, answering no one. */
void veu_asof_forget_conn(veu_server_t *srv, veu_conn_t *c);
/* No job runs or waits. */
bool veu_asof_idle(const veu_server_t *srv);

#endif
