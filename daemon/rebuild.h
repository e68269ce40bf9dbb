/* SPDX-License-Identifier: MIT */
/*
 * rebuild.h: rebuilds without downtime (rebuild.c): the builder child, the
 * swap, reload requests waiting for their build.
 */
#ifndef VEU_DAEMON_REBUILD_H
#define VEU_DAEMON_REBUILD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <uv.h>

typedef struct veu_server veu_server_t;
typedef struct veu_conn veu_conn_t;
typedef struct veu_slot veu_slot_t;
struct veu_snapref;

/* Builder state (rebuild.c). */
typedef struct veu_waiter {
    veu_conn_t *conn;
    veu_slot_t *slot;
    char *id_json; /* the request's id, serialized, or NULL */
} veu_waiter_t;

typedef struct veu_rebuild {
    uv_process_t proc;
    uv_pipe_t err;
    bool running, exited, err_open, proc_open;
    uv_timer_t deadline; /* build_timeout: the builder is killed when it fires */
    bool timed_out;
    uv_timer_t retry;          /* a build that met files changing is tried again after a pause */
    unsigned changed_in_a_row; /* builds that met files changing, one after the other */
    int64_t exit_status;
    int term_signal;
    bool again, again_force; /* a trigger arrived during the build */
    bool force;              /* this build ignores "unchanged" */
    char line[2048];
    size_t line_len;
    char last_error[1024];
    char out_path[PATH_MAX];
    uint64_t gen; /* the generation this build will have */
    int64_t started_ms;
    time_t started_wall;
    veu_waiter_t *waiters, *next_waiters;
    size_t n_waiters, n_next, cap_waiters, cap_next;
    /* the last finished build, for stats */
    char status[16]; /* "none", "ok", "unchanged", "failed", "running" */
    time_t last_started;
    int64_t last_ms;
    char last_msg[1024];
    uint64_t builds, failures;
    /* the new snapshot is mapped and verified in the thread pool */
    uv_work_t work;
    bool opening;
    struct veu_snapref *opened;
    char open_err[512];
    /* the graph serving when the build ended, to count what the new one changes (the journal) */
    struct veu_snapref *prev;
    struct veu_change *changes; /* from prev to the new graph (NULL: not worked out) */
    size_t n_changes;
    bool changes_failed;
    /* the state directory after the last swap: generations kept, their bytes, the oldest */
    unsigned kept;
    uint64_t kept_bytes, oldest_kept;
} veu_rebuild_t;

/*
 * Starts a build now, or folds the trigger into one more after the running
 * one.  A waiter (a reload request) is answered when its build ends; on an
 * error it was not queued and the caller still owns its id_json.
 * Returns 0, -ESHUTDOWN while stopping, or -ENOMEM.
 */
int veu_rebuild_trigger(veu_server_t *srv, bool force, veu_waiter_t *w);
/* A connection closes: its reloads are answered to no one. */
void veu_rebuild_forget_conn(veu_server_t *srv, veu_conn_t *c);
/* Stopping: a running builder is sent SIGTERM. */
void veu_rebuild_stop(veu_server_t *srv);
/* At start: serves the newest snapshot of our data and policy; 0, or -ENOENT. */
int veu_rebuild_load_newest(veu_server_t *srv);
/*
 * The seconds a builder may run: build_timeout, or with 0 (the default)
 * 600 s plus 300 s per GiB of files in the data directory (a 10M-entity
 * registry of 1.75 GB builds in about a minute here).
 */
unsigned veu_rebuild_timeout(const veu_server_t *srv);

/* (Re)starts the timer of rebuild_interval seconds (0: off). */
void veu_rebuild_timer_set(veu_server_t *srv, unsigned seconds);

/*
 * Serves r, a snapshot opened and verified, in place of the graph served
 * (*prev, when the changes from it were worked out: changes, n_changes):
 * the journal's line ("generation N serving<how>: ..."), watchers told,
 * the changes kept for the changes op (*prev and *changes taken), the
 * state directory's old generations removed (not by a follower).
 */
struct veu_change;
void veu_rebuild_serve(veu_server_t *srv, struct veu_snapref *r, struct veu_snapref **prev,
                       struct veu_change **changes, size_t n_changes, bool changes_failed,
                       int64_t ms, const char *how);

/* Drops what the last rebuild changed (kept for the changes op). */
void veu_rebuild_forget_changes(veu_server_t *srv);

#endif
