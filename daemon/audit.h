/* SPDX-License-Identifier: MIT */
/*
 * audit.h: the audit trail (audit_log): one JSON line per risk or screen
 * decision, written before its answer is sent.
 *
 * The guarantee: every decision answered is in the file, through write(2),
 * before the client gets the answer, so it survives a crash of veud; the
 * file is fdatasync'ed (off the loop, in libuv's thread pool) at most one
 * second later and at shutdown, so it survives a crash of the machine
 * after that.  When a line cannot be written the decision is not answered.
 */
#ifndef VEU_DAEMON_AUDIT_H
#define VEU_DAEMON_AUDIT_H

#include <stdbool.h>
#include <uv.h>

#include "veu/jbuf.h"

typedef struct veu_audit {
    uv_loop_t *loop;
    char path[4096];
    int fd;     /* -1: off, or not open (an error is pending) */
    bool dirty; /* written since the last fdatasync */
    bool syncing;
    int stale_fd; /* a descriptor replaced while its fdatasync ran: closed after it */
    uv_timer_t timer;
    uv_fs_t sync_req;
    char error[256]; /* why the last open or write failed */
    char chain[65];  /* the last line's chain (auditchain.h) */
    char *line;      /* the line being written, with its chain */
    size_t line_cap;
} veu_audit_t;

/* Opens path (empty: audit off).  Returns 0 or -errno with a log line. */
int veu_audit_init(veu_audit_t *a, uv_loop_t *loop, const char *path);

static inline bool veu_audit_on(const veu_audit_t *a)
{
    return a->path[0] != '\0';
}

/* Appends one line (line must end with '\n'); 0, or -errno with a->error set. */
int veu_audit_write(veu_audit_t *a, const char *line, size_t len);

/* Reopens the file (after logrotate renamed it): SIGUSR1. */
void veu_audit_reopen(veu_audit_t *a);

/*
 * Switches to another file (empty: audit off), as a reloaded configuration
 * asks.  Returns 0 or -errno (logged; decisions are then refused until the
 * file can be opened).
 */
int veu_audit_set_path(veu_audit_t *a, const char *path);

/* Syncs and closes; the timer handle is closed (runs on the loop). */
void veu_audit_close(veu_audit_t *a);

#endif
