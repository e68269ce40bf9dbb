/* SPDX-License-Identifier: MIT */
/*
 * server.h: the serving process's state: one libuv loop that owns the
 * listening socket, the clients, the graph served and the builder child.
 * Everything here runs on the loop thread; nothing blocks it.  The files
 * that change the state include this; each includes the headers of what
 * it calls (conn.h, rebuild.h, asof.h, served.h, ...).
 */
#ifndef VEU_DAEMON_SERVER_H
#define VEU_DAEMON_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <uv.h>

#include "audit.h"
#include "cache.h"
#include "config.h"
#include "conn.h"
#include "follow.h"
#include "rebuild.h"
#include "snapref.h"
#include "veu/jbuf.h"
#include "veu/snapshot.h"

typedef struct veu_asof_job veu_asof_job_t;

#define VEU_ASOF_DAYS_MAX 16 /* [daemon] history_days at most */

/* Another day's whole graph, kept (asof.c). */
struct veu_asof_day {
    veu_snapref_t *base; /* the graph served it was worked out from */
    veu_snapref_t *graph;
    char day[11];
    int64_t used_ms;
};

struct veu_server {
    uv_loop_t *loop;
    veu_config_t cfg;
    veu_config_src_t src;    /* where cfg came from: read again on SIGHUP and reload */
    uint64_t max_generation; /* the highest generation in the state directory */
    char data_real[PATH_MAX];
    char exe[PATH_MAX]; /* our executable's path, for messages */
    char exe_run[64];   /* what builders exec: /proc/self/fd/N of our own image */
    int exe_fd;
    uv_pipe_t listener;
    bool listening, own_socket_file;
    int lock_fd;
    uv_signal_t sig_term, sig_int, sig_hup, sig_usr1;
    veu_audit_t audit;
    veu_cache_t cache; /* rendered risk results of the generation served */
    veu_jbuf_t aud;    /* scratch for one audit line */
    uv_timer_t rebuild_timer, stop_timer, watchdog;
    veu_snapref_t *cur;
    veu_conn_t *conns;
    veu_conn_t *ready;       /* read from in this turn of the loop: answered together */
    uv_check_t batch;        /* runs right after the loop's reads: answers the batch */
    uv_idle_t next_turn;     /* clients with lines left over join the next batch */
    veu_conn_t *deferred;    /* those clients */
    uint64_t deferred_turns; /* times a client's lines were left for the next turn */
    /* what a connection tells the server: a line to answer; its close, once */
    void (*on_line)(veu_conn_t *c, veu_slot_t *slot, char *line, size_t len);
    void (*on_closing)(veu_server_t *srv, veu_conn_t *c);
    /* a client, a builder or a job for another day is done: the loop may end when stopping */
    void (*on_work_done)(veu_server_t *srv);
    uint64_t batches, batched, hinted; /* batches, connections in them, lookups hinted */
    unsigned largest_batch;
    unsigned n_clients;
    uint64_t next_conn_id;
    uint64_t requests, errors, rejected;
    size_t owed_total; /* every client's owed, for the budget of all clients together */
    int64_t started_ms;
    time_t started_wall;
    bool stopping;
    uid_t uid;
    veu_rebuild_t rb;
    veu_follow_t follow; /* a follower's watch of the state directory (follow.c) */
    veu_asof_job_t *asof_running, *asof_queue; /* answers for other days (asof.c) */
    unsigned n_asof_running, n_asof_queued;
    struct veu_asof_day asof_days[VEU_ASOF_DAYS_MAX]; /* other days' whole graphs, kept */
    unsigned n_asof_days;
    veu_asof_job_t *asof_day_job; /* the whole graph of a day being built */
    struct veu_hworker *hworkers; /* the processes that build parts, kept running (hworker.c) */
    struct json_t *inline_req;    /* the last inline request's object, filled again (proto.c) */
    char asof_wanted[11];         /* a day asked for while its build could not start, or "" */
    uv_timer_t asof_deadline;     /* its builder's build_timeout */
    uint64_t asof_parts, asof_from_kept;  /* answers for other days: from parts, from kept days */
    struct veu_changes_job *changes_jobs; /* comparisons of generations (changes.c) */
    unsigned n_changes_jobs;
    struct veu_kept_job *kept_jobs; /* answers from kept generations (kept.c) */
    unsigned n_kept_jobs;
    struct veu_snapref *kept_cache[2]; /* kept generations mapped lately, unmapped when idle */
    int64_t kept_used[2];
    uv_timer_t kept_timer;
    struct veu_watcher *watchers; /* connections that receive changes (watch.c) */
    /* what the last rebuild changed: from chg_from to cur (rebuild.c; the changes op) */
    struct veu_snapref *chg_from;
    struct veu_change *chg;
    size_t n_chg;
    veu_jbuf_t out; /* scratch for building one answer */
    veu_jbuf_t res; /* scratch for one result object, kept between requests */
    int exit_code;
};

/* Milliseconds of the loop's monotonic clock. */
int64_t veu_now_ms(void);

#endif
