/* SPDX-License-Identifier: MIT */
/*
 * audit.c: the audit trail.  Lines go to the file with write(2) on the
 * loop thread (an append to the page cache: microseconds); the costly
 * fdatasync runs in libuv's thread pool once a second when something was
 * written.  See audit.h for the guarantee.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "auditchain.h"
#include "log.h"

static int open_file(veu_audit_t *a)
{
    a->fd = open(a->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (a->fd < 0) {
        snprintf(a->error, sizeof(a->error), "cannot open audit log '%s': %s", a->path,
                 strerror(errno));
        veu_log(LOG_ERR, "%s", a->error);
        return -errno;
    }
    a->error[0] = '\0';
    return 0;
}

static void after_sync(uv_fs_t *req)
{
    veu_audit_t *a = req->data;
    if (req->result < 0) {
        veu_log(LOG_ERR, "audit log '%s': fdatasync: %s", a->path, uv_strerror((int)req->result));
    }
    uv_fs_req_cleanup(req);
    a->syncing = false;
    if (a->stale_fd >= 0) {
        close(a->stale_fd);
        a->stale_fd = -1;
    }
}

/*
 * Syncs and lets go of the open file.  While a sync runs in the thread pool
 * the descriptor stays open until it ends: closed now, its number could be
 * given to another file before the sync reads it.
 */
static void drop_fd(veu_audit_t *a)
{
    if (a->fd < 0) {
        return;
    }
    fdatasync(a->fd);
    if (a->syncing && a->stale_fd < 0) {
        a->stale_fd = a->fd;
    } else {
        close(a->fd);
    }
    a->fd = -1;
}

static void on_tick(uv_timer_t *t)
{
    veu_audit_t *a = t->data;

    if (!a->dirty || a->syncing || a->fd < 0) {
        return;
    }
    a->dirty = false;
    a->syncing = true;
    a->sync_req.data = a;
    if (uv_fs_fdatasync(a->loop, &a->sync_req, a->fd, after_sync) < 0) {
        a->syncing = false;
    }
}

int veu_audit_init(veu_audit_t *a, uv_loop_t *loop, const char *path)
{
    memset(a, 0, sizeof(*a));
    a->loop = loop;
    a->fd = -1;
    a->stale_fd = -1;
    memset(a->chain, '0', 64); /* a trail's first line chains from 64 zeros */
    snprintf(a->path, sizeof(a->path), "%s", path ? path : "");
    uv_timer_init(loop, &a->timer);
    a->timer.data = a;
    if (!veu_audit_on(a)) {
        return 0;
    }
    uv_timer_start(&a->timer, on_tick, 1000, 1000);
    uv_unref((uv_handle_t *)&a->timer);
    if (veu_chain_last(a->path, a->chain) < 0) {
        veu_log(LOG_NOTICE,
                "audit log '%s': its last line has no chain (an older veud); the "
                "chain starts again after it",
                a->path);
    }
    return open_file(a);
}

int veu_audit_write(veu_audit_t *a, const char *line, size_t len)
{
    if (a->fd < 0 && open_file(a) < 0) {
        return -EIO;
    }
    /* the line with its chain: the body (up to its last '}') hashed after the chain before */
    if (len < 2 || memcmp(line + len - 2, "}\n", 2) != 0) {
        snprintf(a->error, sizeof(a->error), "an audit line must be a JSON object and a newline");
        return -EINVAL;
    }
    size_t body = len - 2, need = body + 80;
    if (need > a->line_cap) {
        char *p = realloc(a->line, need);
        if (!p) {
            snprintf(a->error, sizeof(a->error), "out of memory for an audit line");
            return -ENOMEM;
        }
        a->line = p;
        a->line_cap = need;
    }
    char next[VEU_CHAIN_HEX];
    veu_chain_next(a->chain, line, body, next);
    memcpy(a->line, line, body);
    int k = snprintf(a->line + body, a->line_cap - body, ",\"chain\":\"%s\"}\n", next);
    line = a->line;
    len = body + (size_t)k;
    /* O_APPEND: one write(2) of one line lands whole at the end */
    ssize_t n = write(a->fd, line, len);
    if (n != (ssize_t)len) {
        int err = n < 0 ? errno : ENOSPC;
        snprintf(a->error, sizeof(a->error), "cannot write audit log '%s': %s", a->path,
                 strerror(err));
        veu_log(LOG_ERR, "%s; decisions are refused until it can be written", a->error);
        if (n > 0) {
            /* a partial line: end it, so the next line starts cleanly */
            ssize_t w = write(a->fd, "\n", 1);
            (void)w;
        }
        return -err;
    }
    a->dirty = true;
    memcpy(a->chain, next, sizeof(next));
    return 0;
}

void veu_audit_reopen(veu_audit_t *a)
{
    if (!veu_audit_on(a)) {
        return;
    }
    drop_fd(a);
    if (open_file(a) == 0) {
        veu_log(LOG_INFO, "audit log '%s' reopened", a->path);
    }
}

int veu_audit_set_path(veu_audit_t *a, const char *path)
{
    bool was_on = veu_audit_on(a);

    drop_fd(a);
    snprintf(a->path, sizeof(a->path), "%s", path);
    a->error[0] = '\0';
    char last[VEU_CHAIN_HEX];
    if (veu_chain_last(a->path, last) == 0) {
        memcpy(a->chain, last, sizeof(last)); /* a trail there already: it goes on */
    }
    if (!veu_audit_on(a)) {
        uv_timer_stop(&a->timer);
        veu_log(LOG_NOTICE, "audit log turned off by the configuration");
        return 0;
    }
    if (!was_on) {
        uv_timer_start(&a->timer, on_tick, 1000, 1000);
        uv_unref((uv_handle_t *)&a->timer);
    }
    int rc = open_file(a);
    if (rc == 0) {
        veu_log(LOG_INFO, "audit log now '%s'", a->path);
    }
    return rc;
}

void veu_audit_close(veu_audit_t *a)
{
    drop_fd(a);
    free(a->line);
    a->line = NULL;
    a->line_cap = 0;
    uv_close((uv_handle_t *)&a->timer, NULL);
}
