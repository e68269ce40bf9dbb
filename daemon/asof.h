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

/*
 * r's answer for day: from the day's whole graph at once when it is kept
 * (the op's result in res), else started or queued on a part
 * (VEU_OP_PENDING), or VEU_OP_ERROR (busy).
 */
int veu_asof_start(veu_req_t *r, veu_jbuf_t *res, const char *day, const uint32_t *buyers,
                   size_t n_buyers);
/* A connection closes: its jobs run on, answering no one. */
void veu_asof_forget_conn(veu_server_t *srv, veu_conn_t *c);
/* No job runs or waits. */
bool veu_asof_idle(const veu_server_t *srv);
void veu_asof_init(veu_server_t *srv);
/* The whole day being built is abandoned (a rebuild started: one builder's memory at a time). */
void veu_asof_abandon_day(veu_server_t *srv, const char *why);
/* Stopping: the whole day being built is abandoned, the kept ones dropped. */
void veu_asof_stop(veu_server_t *srv);
void veu_asof_cleanup(veu_server_t *srv);
/* Starts the whole graph of the day asked for last while none could start (asof_wanted). */
void veu_asof_resume(veu_server_t *srv);
/* Drops the kept days used longest ago beyond history_days (a changed configuration). */
void veu_asof_trim(veu_server_t *srv);
/* Drops the kept days not worked out from the graph served. */
void veu_asof_purge(veu_server_t *srv);
/* stats' "history": the days kept and the one being built. */
void veu_asof_stats(const veu_server_t *srv, veu_jbuf_t *o);

#endif
