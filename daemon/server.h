/* SPDX-License-Identifier: MIT */
/*
 * server.h: the serving process: one libuv loop that owns the listening
 * socket, the clients, the current snapshot and the builder child.
 * Everything here runs on the loop thread; nothing blocks it.
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
#include "veu/jbuf.h"
#include "veu/snapshot.h"

typedef struct veu_server veu_server_t;
typedef struct veu_conn veu_conn_t;
typedef struct veu_asof_job veu_asof_job_t;

/* A mapped snapshot shared by the requests that use it. */
typedef struct veu_snapref {
    veu_snapshot_t *snap;
    unsigned refs;
    uint64_t generation;
    bool part;    /* the part of a graph around buyers on another day (asof.c) */
    int huge_pct; /* of the mapping in 2 MiB pages when it was mapped, or -1 */
    char path[PATH_MAX];
} veu_snapref_t;

veu_snapref_t *veu_snapref_get(veu_snapref_t *r);
void veu_snapref_put(veu_snapref_t *r);

/* One answer owed to a client, in request order. */
typedef struct veu_slot {
    struct veu_slot *next;
    char *buf;
    size_t len;
    bool ready;     /* filled in; may be written once every earlier slot is */
    bool submitted; /* handed to uv_write */
    uv_write_t req;
    veu_conn_t *conn;
} veu_slot_t;

struct veu_conn {
    uv_pipe_t pipe;
    uv_timer_t idle;
    veu_server_t *srv;
    veu_conn_t *prev, *next;
    char *rbuf;
    size_t rlen, rcap;
    bool discarding; /* inside an over-long line: drop to its end */
    bool eof;        /* the client shut its writing side */
    bool reading;
    bool closing;
    bool cut; /* closing without sending what is owed */
    veu_slot_t *head, *tail;
    size_t owed; /* bytes of answers not yet written */
    int handles; /* open handles; the last close frees */
    uid_t uid;
    pid_t pid;
    uint64_t id;
    uint64_t last_active;   /* loop time of the last read or write */
    veu_conn_t *ready_next; /* in the server's batch of connections with new lines */
    bool queued;
};

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
} veu_rebuild_t;

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
    veu_conn_t *ready;                 /* read from in this turn of the loop: answered together */
    uv_check_t batch;                  /* runs right after the loop's reads: answers the batch */
    uint64_t batches, batched, hinted; /* batches, connections in them, lookups hinted */
    unsigned largest_batch;
    unsigned n_clients;
    uint64_t next_conn_id;
    uint64_t requests, errors, rejected;
    int64_t started_ms;
    time_t started_wall;
    bool stopping;
    uid_t uid;
    veu_rebuild_t rb;
    veu_asof_job_t *asof_running, *asof_queue; /* answers for other days (asof.c) */
    unsigned n_asof_running, n_asof_queued;
    veu_jbuf_t out; /* scratch for building one answer */
    veu_jbuf_t res; /* scratch for one result object, kept between requests */
    int exit_code;
};

int64_t veu_now_ms(void);

/* conn.c */
void veu_conn_accept(veu_server_t *srv);
void veu_conn_batch(uv_check_t *h);
void veu_conn_slot_fill(veu_slot_t *slot, const char *buf, size_t len);
void veu_conn_flush(veu_conn_t *c);
void veu_conn_close(veu_conn_t *c, bool cut);
void veu_conn_stop_reading(veu_conn_t *c);

/* proto.c: handles one request line; fills slot now or registers a waiter. */
void veu_proto_handle(veu_conn_t *c, veu_slot_t *slot, char *line, size_t len);
/* The entity id a request line names, found without parsing it (a guess, for hints). */
bool veu_proto_peek_entity(const char *line, size_t len, const char **id, size_t *id_len);
void veu_proto_error(veu_jbuf_t *o, const char *id_json, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* rebuild.c */
/*
 * Starts a build now, or folds the trigger into one more after the running
 * one.  A waiter (a reload request) is answered when its build ends; on an
 * error it was not queued and the caller still owns its id_json.
 * Returns 0, -ESHUTDOWN while stopping, or -ENOMEM.
 */
int veu_rebuild_trigger(veu_server_t *srv, bool force, veu_waiter_t *w);
void veu_rebuild_forget_conn(veu_server_t *srv, veu_conn_t *c);
void veu_rebuild_stop(veu_server_t *srv);
int veu_rebuild_load_newest(veu_server_t *srv);

/* asof.c */
void veu_asof_forget_conn(veu_server_t *srv, veu_conn_t *c);
bool veu_asof_idle(const veu_server_t *srv);

/* server.c */
void veu_server_swap(veu_server_t *srv, veu_snapref_t *next);
/*
 * Reads the configuration again (SIGHUP, reload; SPEC section 8).  A changed
 * [policy] takes effect with the next build; [daemon] keys now, except
 * socket, socket_mode and state, which need a restart (logged as changed
 * but not applied).  Returns 0, or a negative code with err naming file,
 * line and key, the configuration in force unchanged.
 */
int veu_server_reconfigure(veu_server_t *srv, char *err, size_t errlen);
void veu_server_maybe_exit(veu_server_t *srv);
/* Tells systemd (if it listens) what is served: STATUS=... */
void veu_server_status(veu_server_t *srv);

#endif
