/* SPDX-License-Identifier: MIT */
/*
 * hworker.h: the processes that build parts for answers on other days
 * (asof.c), kept running between answers (hworker.c).  A worker is
 * `veud history --worker` with the snapshot of one graph on descriptor 3
 * and a packet socket to the server on descriptor 4.
 */
#ifndef VEU_DAEMON_HWORKER_H
#define VEU_DAEMON_HWORKER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct veu_server veu_server_t;
typedef struct veu_snapref veu_snapref_t;
typedef struct veu_hworker veu_hworker_t;

/* One job as the server sends it; the part's memory file rides along (SCM_RIGHTS). */
typedef struct veu_hworker_job {
    char day[12]; /* YYYY-MM-DD and a NUL */
    uint32_t max_entities;
} veu_hworker_job_t;

/*
 * The part is done: exit_status is the worker's code for it (VEU_EXIT_OK,
 * _FAILED or _TOO_BIG, as `veud history` exits), or the worker died on the
 * job: term_signal, or the status it exited with (never VEU_EXIT_OK then).
 */
typedef void (*veu_hworker_done_fn)(void *ctx, int64_t exit_status, int term_signal);

/*
 * Builds the part whose buyers are in memory file xfd on day, on an idle
 * worker for base under the policy in force, started if there is none.
 * Returns 0 (done is called once, later) or a negative libuv error (done
 * is never called).
 */
int veu_hworker_run(veu_server_t *srv, veu_snapref_t *base, const char *day, uint32_t max_entities,
                    int xfd, veu_hworker_done_fn done, void *ctx);
/* Ends the idle workers no job can use: of a graph no longer served, or of another policy. */
void veu_hworker_retire(veu_server_t *srv);
/* Ends every worker, busy or not (stopping: no job is left by then). */
void veu_hworker_cleanup(veu_server_t *srv);
/* Workers running (idle or busy) and being ended. */
unsigned veu_hworker_count(const veu_server_t *srv);

#endif
