/* SPDX-License-Identifier: MIT */
/*
 * conn.h: one client connection (conn.c): framing lines, answers owed in
 * request order, backpressure, the idle timer.  A connection hands each
 * line to the server's on_line and reports its close once, to the
 * server's on_closing; it knows nothing of what a line asks for.
 */
#ifndef VEU_DAEMON_CONN_H
#define VEU_DAEMON_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

typedef struct veu_server veu_server_t;
typedef struct veu_conn veu_conn_t;

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
    veu_conn_t *defer_next; /* lines left for the next turn of the loop (LINES_PER_TURN) */
    bool deferred;
    /* receives events only (watch): its lines are dropped, and it is not idle while it takes them
     */
    bool listener;
};

void veu_conn_accept(veu_server_t *srv);
/* The loop's check phase: answers the lines read in this turn, from every client, together. */
void veu_conn_batch(uv_check_t *h);
/* The loop's idle phase: clients with lines left from the last turn join this turn's batch. */
void veu_conn_next_turn(uv_idle_t *h);
/* Fills an answer owed (a copy of buf); the connection writes it in its turn. */
void veu_conn_slot_fill(veu_slot_t *slot, const char *buf, size_t len);
void veu_conn_flush(veu_conn_t *c);
/*
 * Queues a line nobody asked for (an event); the caller flushes.  false
 * when the client is closing, or now owes more than 4 x max_output and is
 * cut off, as any client that does not read.
 */
bool veu_conn_push(veu_conn_t *c, const char *buf, size_t len);
/* Closes once: cut = true drops what is owed; the server's on_closing hears of it. */
void veu_conn_close(veu_conn_t *c, bool cut);
void veu_conn_stop_reading(veu_conn_t *c);

#endif
