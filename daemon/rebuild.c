/* SPDX-License-Identifier: MIT */
/*
 * rebuild.c: rebuilds without downtime (SPEC sections 5 and 6).  The
 * builder is this same binary run as `veud build` in a child process
 * (uv_spawn); its stderr is relayed line by line to our log, and when it
 * exits 0 the new snapshot is mapped and swapped in between two requests.
 * A build that fails, for any reason (bad data, a crash, a kill, running out
 * of memory), leaves the current graph serving.  Triggers that arrive while
 * a build runs fold into one more build after it; reload requests that
 * arrive then are answered by that next build, which sees their data.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asof.h"
#include "builder.h"
#include "conn.h"
#include "kept.h"
#include "log.h"
#include "watch.h"
#include "notify.h"
#include "rebuild.h"
#include "served.h"
#include "server.h"
#include "snapref.h"
#include "veu/assert.h"
#include "wire.h"

static void start_build(veu_server_t *srv, bool force);

static int add_waiter(veu_waiter_t **arr, size_t *n, size_t *cap, const veu_waiter_t *w)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        void *p = realloc(*arr, nc * sizeof(**arr));
        if (!p) {
            return -ENOMEM;
        }
        *arr = p;
        *cap = nc;
    }
    (*arr)[(*n)++] = *w;
    return 0;
}

void veu_rebuild_forget_conn(veu_server_t *srv, veu_conn_t *c)
{
    veu_rebuild_t *rb = &srv->rb;
    veu_waiter_t *lists[2] = {rb->waiters, rb->next_waiters};
    size_t *counts[2] = {&rb->n_waiters, &rb->n_next};

    for (int l = 0; l < 2; l++) {
        size_t k = 0;
        for (size_t i = 0; i < *counts[l]; i++) {
            if (lists[l][i].conn == c) {
                free(lists[l][i].id_json);
            } else {
                lists[l][k++] = lists[l][i];
            }
        }
        *counts[l] = k;
    }
}

/*
 * Answers every reload waiting on the build that just ended.  The list is
 * detached first: a flush may close its connection (the client half-closed
 * and is owed nothing more, or went away), and the close calls
 * veu_rebuild_forget_conn, which must not free or compact the array walked
 * here.  Every slot is filled before any connection is flushed, and a
 * connection already closing is skipped (its struct lives until its close
 * callback, which runs in a later phase of the loop).
 */
static void answer_waiters(veu_server_t *srv, bool ok)
{
    veu_rebuild_t *rb = &srv->rb;
    veu_waiter_t *ws = rb->waiters;
    size_t n = rb->n_waiters;
    veu_jbuf_t res, line;

    rb->waiters = NULL;
    rb->n_waiters = 0;
    rb->cap_waiters = 0;
    veu_jbuf_init(&res);
    veu_jbuf_init(&line);
    for (size_t i = 0; i < n; i++) {
        veu_waiter_t *w = &ws[i];
        if (w->conn->closing) {
            continue;
        }
        veu_jbuf_reset(&line);
        if (ok && srv->cur) {
            const veu_snapshot_info_t *inf = veu_snapshot_info(srv->cur->snap);
            veu_jbuf_reset(&res);
            veu_jbuf_printf(&res,
                            "{\"status\":\"%s\",\"generation\":%llu,\"duration_ms\":%lld,"
                            "\"dataset_digest\":\"%s\",\"skipped_rows\":%llu,\"warnings\":%llu}",
                            rb->status, (unsigned long long)srv->cur->generation,
                            (long long)rb->last_ms, inf->digest,
                            (unsigned long long)inf->skipped_rows,
                            (unsigned long long)inf->warnings);
            veu_wire_ok(&line, w->id_json, srv->cur->generation, res.buf, res.len);
        } else {
            srv->errors++;
            veu_wire_error(&line, w->id_json, "internal",
                           "rebuild failed, the previous graph stays: %s", rb->last_msg);
        }
        veu_conn_slot_fill(w->slot, line.buf, line.len);
    }
    for (size_t i = 0; i < n; i++) {
        veu_conn_flush(ws[i].conn); /* a no-op on a connection that is closing */
    }
    for (size_t i = 0; i < n; i++) {
        free(ws[i].id_json);
    }
    free(ws);
    veu_jbuf_destroy(&res);
    veu_jbuf_destroy(&line);
}

/*
 * Reads a snapshot header: 0 when it is ours and built from our data
 * directory, 1 when it belongs to another data directory, -1 (with why) when
 * it cannot be one of ours: truncated, foreign or of another format.
 */
static int peek_header(const veu_server_t *srv, const char *path, uint64_t *ret_gen,
                       char ret_policy[17], const char **why)
{
    veu_snapshot_peek_t p;

    if (veu_snapshot_peek(path, &p, why) < 0) {
        return -1;
    }
    if (strcmp(p.data_dir, srv->data_real) && !srv->cfg.follow) {
        return 1; /* a follower serves its producer's, whatever the data directory */
    }
    *ret_gen = p.generation;
    memcpy(ret_policy, p.policy_digest, 17);
    return 0;
}

static void remove_old(veu_server_t *srv);

void veu_rebuild_forget_changes(veu_server_t *srv)
{
    veu_snapref_put(srv->chg_from);
    free(srv->chg);
    srv->chg_from = NULL;
    srv->chg = NULL;
    srv->n_chg = 0;
}

struct cand {
    uint64_t gen;
    char policy[17]; /* the policy digest it was built under */
    char path[PATH_MAX];
};

static int by_gen_desc(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    return x->gen < y->gen ? 1 : x->gen > y->gen ? -1 : 0;
}

static size_t list_snapshots(const veu_server_t *srv, struct cand **ret, bool warn)
{
    DIR *d = opendir(srv->cfg.state);
    struct dirent *de;
    struct cand *c = NULL;
    size_t n = 0, cap = 0;

    *ret = NULL;
    if (!d) {
        return 0;
    }
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".snap") || strncmp(de->d_name, "veud-", 5)) {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            void *p = realloc(c, cap * sizeof(*c));
            if (!p) {
                break;
            }
            c = p;
        }
        snprintf(c[n].path, sizeof(c[n].path), "%s/%s", srv->cfg.state, de->d_name);
        const char *why = NULL;
        int rc = peek_header(srv, c[n].path, &c[n].gen, c[n].policy, &why);
        if (rc == 0) {
            n++;
        } else if (rc < 0 && warn) {
            veu_log(LOG_WARNING, "snapshot %s refused: %s", c[n].path, why);
        }
    }
    closedir(d);
    if (n > 1) {
        qsort(c, n, sizeof(*c), by_gen_desc);
    }
    *ret = c;
    return n;
}

/*
 * How the snapshot just mapped is mapped: a file the page cache holds in
 * small folios (a copy, or read back with read(2) after it was evicted)
 * costs every cold answer TLB misses, until it is written afresh or read
 * back through a mapping like ours (README, "Read the log and stats").
 */
static void log_pages(const veu_snapref_t *r)
{
    if (r->huge_pct >= 90) {
        veu_log(LOG_INFO, "generation %llu: %d%% of the snapshot mapped with 2 MiB pages",
                (unsigned long long)r->generation, r->huge_pct);
    } else if (r->huge_pct >= 0) {
        veu_log(LOG_NOTICE,
                "generation %llu: only %d%% of the snapshot mapped with 2 MiB pages (the page "
                "cache holds the rest in small pieces, as after a copy or a read-back); cold "
                "answers are slower until a rebuild of changed data, or a restart after the "
                "file is dropped from the page cache",
                (unsigned long long)r->generation, r->huge_pct);
    }
}

/*
 * Removes the temporary files of builders that died before renaming them
 * (veud-N.snap.tmp.PID whose PID is gone): a killed builder once left them
 * for ever (the review's F12).  A builder still running keeps its own.
 */
static void remove_stale_temps(veu_server_t *srv)
{
    DIR *d = opendir(srv->cfg.state);
    if (!d) {
        return;
    }
    for (struct dirent *de; (de = readdir(d));) {
        const char *t = strstr(de->d_name, ".snap.tmp.");
        if (strncmp(de->d_name, "veud-", 5) != 0 || !t) {
            continue;
        }
        long pid = strtol(t + 10, NULL, 10);
        if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH)) {
            continue;
        }
        if (unlinkat(dirfd(d), de->d_name, 0) == 0) {
            veu_log(LOG_NOTICE, "removed %s/%s, left by a builder that died", srv->cfg.state,
                    de->d_name);
        }
    }
    closedir(d);
}

int veu_rebuild_load_newest(veu_server_t *srv)
{
    remove_stale_temps(srv);
    struct cand *c;
    size_t n = list_snapshots(srv, &c, true);
    char err[512], want[17];

    veu_policy_digest(&srv->cfg.policy, want);
    for (size_t i = 0; i < n; i++) {
        srv->max_generation = c[i].gen > srv->max_generation ? c[i].gen : srv->max_generation;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(c[i].policy, want) != 0) {
            /* the configuration in force is the one on disk (SPEC section 8) */
            veu_log(LOG_NOTICE,
                    "snapshot %s (generation %llu) was built under another policy (%s, not %s); "
                    "not served",
                    c[i].path, (unsigned long long)c[i].gen, c[i].policy, want);
            continue;
        }
        veu_snapref_t *r = veu_snapref_open(c[i].path, err, sizeof(err));
        if (r) {
            veu_log(LOG_INFO, "serving snapshot %s (generation %llu) from the state directory",
                    r->path, (unsigned long long)r->generation);
            log_pages(r);
            veu_server_swap(srv, r);
            free(c);
            remove_old(srv);
            return 0;
        }
        veu_log(LOG_WARNING, "snapshot %s refused: %s", c[i].path, err);
    }
    free(c);
    return -ENOENT;
}

/* Keeps the snapshot served and the newest keep_generations; removes older ones of our data. */
static void remove_old(veu_server_t *srv)
{
    struct cand *c;
    size_t n = list_snapshots(srv, &c, false);

    struct stat st;

    srv->rb.kept = 0;
    srv->rb.kept_bytes = 0;
    srv->rb.oldest_kept = 0;
    for (size_t i = 0; i < n; i++) {
        bool serving = srv->cur && !strcmp(c[i].path, srv->cur->path);
        /* a follower removes nothing: the directory is its producer's */
        if (i >= srv->cfg.keep_generations && !serving && !srv->cfg.follow &&
            unlink(c[i].path) == 0) {
            veu_log(LOG_DEBUG, "removed old snapshot %s", c[i].path);
            veu_kept_drop(srv, c[i].gen);
        } else if (stat(c[i].path, &st) == 0) { /* what the state directory holds, for stats */
            srv->rb.kept++;
            srv->rb.kept_bytes += (uint64_t)st.st_size;
            srv->rb.oldest_kept = c[i].gen;
        }
    }
    free(c);
}

/* The reloads that waited for the next build now wait for (or are answered by) this one. */
static void promote_next_waiters(veu_rebuild_t *rb)
{
    veu_waiter_t *t = rb->waiters;
    size_t tc = rb->cap_waiters;

    rb->waiters = rb->next_waiters;
    rb->n_waiters = rb->n_next;
    rb->cap_waiters = rb->cap_next;
    rb->next_waiters = t;
    rb->n_next = 0;
    rb->cap_next = tc;
}

static void conclude(veu_server_t *srv, veu_snapref_t *r, const char *err);

/* In the thread pool: maps and verifies the new snapshot (a second at 10M entities). */
static void open_work(uv_work_t *w)
{
    veu_rebuild_t *rb = &((veu_server_t *)w->data)->rb;
    rb->opened = veu_snapref_open(rb->out_path, rb->open_err, sizeof(rb->open_err));
    if (rb->opened && rb->prev) { /* reads both mappings only: O(n) lookups, then a sort */
        rb->changes_failed = veu_snapshot_changes(rb->prev->snap, rb->opened->snap, &rb->changes,
                                                  &rb->n_changes) < 0;
    }
}

static void open_done(uv_work_t *w, int status)
{
    veu_server_t *srv = w->data;
    veu_rebuild_t *rb = &srv->rb;
    if (status < 0 && rb->opened) {
        veu_snapshot_close(rb->opened->snap);
        free(rb->opened);
        rb->opened = NULL;
    }
    if (status < 0) {
        snprintf(rb->open_err, sizeof(rb->open_err), "%s", uv_strerror(status));
    }
    rb->opening = false;
    conclude(srv, rb->opened, rb->open_err);
    rb->opened = NULL;
    veu_snapref_put(rb->prev);
    rb->prev = NULL;
    free(rb->changes);
    rb->changes = NULL;
}

static void finish(veu_server_t *srv)
{
    veu_rebuild_t *rb = &srv->rb;

    if (!rb->exited || rb->err_open || rb->proc_open || rb->opening) {
        return;
    }
    if (!rb->term_signal && rb->exit_status == 0) {
        /* a good build: open its snapshot off the loop, which keeps answering meanwhile */
        rb->opening = true;
        rb->opened = NULL;
        rb->open_err[0] = '\0';
        rb->prev = srv->cur ? veu_snapref_get(srv->cur) : NULL; /* kept mapped till done */
        rb->changes = NULL;
        rb->n_changes = 0;
        rb->changes_failed = false;
        rb->work.data = srv;
        int rc = uv_queue_work(srv->loop, &rb->work, open_work, open_done);
        if (rc == 0) {
            return;
        }
        rb->opening = false;
        veu_snapref_put(rb->prev);
        rb->prev = NULL;
        rb->opened = veu_snapref_open(rb->out_path, rb->open_err, sizeof(rb->open_err));
        conclude(srv, rb->opened, rb->open_err);
        rb->opened = NULL;
        return;
    }
    conclude(srv, NULL, NULL);
}

/* After a pause, the build that met files changing runs again (unless one already runs). */
static void on_retry(uv_timer_t *t)
{
    veu_server_t *srv = t->data;
    veu_rebuild_t *rb = &srv->rb;

    if (srv->stopping) {
        return;
    }
    if (rb->running || rb->err_open || rb->proc_open || rb->opening) {
        rb->again = true; /* folds into the build after the one running */
        return;
    }
    promote_next_waiters(rb);
    start_build(srv, true);
}

void veu_rebuild_serve(veu_server_t *srv, veu_snapref_t *r, veu_snapref_t **prev,
                       struct veu_change **changes, size_t n_changes, bool changes_failed,
                       int64_t ms, const char *how)
{
    char since[128] = "";
    if (*prev && !changes_failed) {
        snprintf(since, sizeof(since),
                 ", %zu entities changed verdict or codes since generation %llu", n_changes,
                 (unsigned long long)(*prev)->generation);
    } else if (*prev) {
        snprintf(since, sizeof(since), ", the changes since generation %llu not known",
                 (unsigned long long)(*prev)->generation);
    }
    veu_server_swap(srv, r);
    veu_log(LOG_INFO, "generation %llu serving%s: %u entities, %llu rows skipped%s (%lld ms)",
            (unsigned long long)r->generation, how, veu_snapshot_info(r->snap)->entities,
            (unsigned long long)veu_snapshot_info(r->snap)->skipped_rows, since, (long long)ms);
    veu_watch_publish(srv, *prev ? (*prev)->snap : NULL, r->snap, r->generation, *changes,
                      n_changes);
    /* kept for the changes op: the first question after a rebuild answers at once */
    veu_rebuild_forget_changes(srv);
    if (*prev && *changes && !changes_failed) {
        srv->chg_from = *prev, srv->chg = *changes, srv->n_chg = n_changes;
        *prev = NULL, *changes = NULL;
    }
    log_pages(r);
    remove_old(srv);
}

static void conclude(veu_server_t *srv, veu_snapref_t *r, const char *err)
{
    veu_rebuild_t *rb = &srv->rb;
    bool ok = false;

    rb->running = false;
    rb->last_ms = veu_now_ms() - rb->started_ms;
    rb->last_started = rb->started_wall;
    rb->last_msg[0] = '\0';
    if (rb->timed_out) {
        snprintf(rb->last_msg, sizeof(rb->last_msg),
                 "the builder ran past build_timeout (%u s) and was killed; set [daemon] "
                 "build_timeout higher if the data needs it",
                 veu_rebuild_timeout(srv));
    } else if (rb->term_signal) {
        snprintf(rb->last_msg, sizeof(rb->last_msg), "the builder was killed by signal %d (%s)%s",
                 rb->term_signal, strsignal(rb->term_signal),
                 rb->term_signal == SIGKILL ? "; out of memory?" : "");
    } else if (rb->exit_status == VEU_EXIT_UNCHANGED) {
        snprintf(rb->status, sizeof(rb->status), "unchanged");
        ok = true;
        veu_log(LOG_INFO, "rebuild skipped: dataset and policy unchanged (%lld ms)",
                (long long)rb->last_ms);
    } else if (rb->exit_status != 0) {
        snprintf(rb->last_msg, sizeof(rb->last_msg), "%s",
                 rb->last_error[0] ? rb->last_error : "the builder failed");
        if (!rb->last_error[0]) {
            snprintf(rb->last_msg, sizeof(rb->last_msg), "the builder exited with status %lld",
                     (long long)rb->exit_status);
        }
    } else {
        if (!r) {
            snprintf(rb->last_msg, sizeof(rb->last_msg), "the new snapshot %s was refused: %s",
                     rb->out_path, err);
        } else {
            veu_rebuild_serve(srv, r, &rb->prev, &rb->changes, rb->n_changes, rb->changes_failed,
                              rb->last_ms, "");
            snprintf(rb->status, sizeof(rb->status), "ok");
            ok = true;
            rb->builds++;
        }
    }
    bool changed = !ok && rb->exit_status == VEU_EXIT_AGAIN /* a file changed while read */ &&
                   !rb->term_signal && !rb->timed_out && !srv->stopping;
    rb->changed_in_a_row = changed ? rb->changed_in_a_row + 1 : 0;
    if (changed && !rb->again) {
        /*
         * The files are being replaced: read them again once the export has
         * had a moment, 1 s, then 2, 4 ... up to a minute while it goes on
         * (the review's F20: builds once followed each other without pause).
         */
        unsigned k = rb->changed_in_a_row - 1;
        uint64_t ms = 1000ull << (k < 6 ? k : 6);
        uv_timer_start(&rb->retry, on_retry, ms < 60000 ? ms : 60000, 0);
    }
    if (!ok) {
        remove_stale_temps(srv);
        snprintf(rb->status, sizeof(rb->status), "failed");
        rb->failures++;
        veu_log(LOG_ERR, "rebuild failed, %s: %s",
                srv->cur ? "the previous graph keeps serving" : "no graph is served yet",
                rb->last_msg);
    }
    if (srv->cur && !srv->stopping) {
        veu_notify("READY=1");
        veu_server_status(srv);
    }
    answer_waiters(srv, ok);
    if (rb->again && !srv->stopping) {
        promote_next_waiters(rb);
        bool force = rb->again_force;
        rb->again = rb->again_force = false;
        start_build(srv, force);
    } else if (srv->stopping) {
        /* reloads that were to be answered by a next build */
        promote_next_waiters(rb);
        snprintf(rb->last_msg, sizeof(rb->last_msg), "the daemon is shutting down");
        answer_waiters(srv, false);
        srv->on_work_done(srv);
    }
    veu_asof_resume(srv); /* a day asked for while this build ran is built whole now */
}

static void relay(veu_server_t *srv, char *line)
{
    veu_rebuild_t *rb = &srv->rb;
    int prio = LOG_INFO;

    if (line[0] == '<' && line[1] >= '0' && line[1] <= '7' && line[2] == '>') {
        prio = line[1] - '0';
        line += 3;
    }
    if (prio <= LOG_ERR) {
        const char *msg = strncmp(line, "build failed: ", 14) == 0 ? line + 14 : line;
        snprintf(rb->last_error, sizeof(rb->last_error), "%s", msg);
    }
    veu_log(prio, "builder[%d]: %s", rb->proc.pid, line);
}

static void on_err_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    static char chunk[4096];
    (void)h;
    (void)suggested;
    *buf = uv_buf_init(chunk, sizeof(chunk));
}

static void on_err_closed(uv_handle_t *h)
{
    veu_server_t *srv = h->data;
    srv->rb.err_open = false;
    finish(srv);
}

static void on_err_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    veu_server_t *srv = s->data;
    veu_rebuild_t *rb = &srv->rb;

    if (n < 0) {
        if (rb->line_len) {
            rb->line[rb->line_len] = '\0';
            relay(srv, rb->line);
            rb->line_len = 0;
        }
        uv_close((uv_handle_t *)s, on_err_closed);
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        char ch = buf->base[i];
        if (ch == '\n' || rb->line_len == sizeof(rb->line) - 1) {
            rb->line[rb->line_len] = '\0';
            relay(srv, rb->line);
            rb->line_len = 0;
            if (ch == '\n') {
                continue;
            }
        }
        rb->line[rb->line_len++] = ch;
    }
}

static void on_proc_closed(uv_handle_t *h)
{
    veu_server_t *srv = h->data;
    srv->rb.proc_open = false;
    finish(srv);
}

unsigned veu_rebuild_timeout(const veu_server_t *srv)
{
    if (srv->cfg.build_timeout) {
        return srv->cfg.build_timeout;
    }
    DIR *d = opendir(srv->cfg.data);
    uint64_t bytes = 0;
    if (d) {
        struct stat st;
        for (struct dirent *de; (de = readdir(d));) {
            if (fstatat(dirfd(d), de->d_name, &st, 0) == 0 && S_ISREG(st.st_mode)) {
                bytes += (uint64_t)st.st_size;
            }
        }
        closedir(d);
    }
    return 600 + (unsigned)(bytes * 300 / (1ull << 30));
}

/* The builder ran past its deadline (a FIFO, a hang, a pathological graph): killed, said. */
static void on_deadline(uv_timer_t *t)
{
    veu_server_t *srv = t->data;
    veu_rebuild_t *rb = &srv->rb;

    if (rb->running && !rb->exited) {
        rb->timed_out = true;
        veu_log(LOG_ERR, "rebuild: the builder (pid %d) ran past build_timeout (%u s); killed",
                rb->proc.pid, veu_rebuild_timeout(srv));
        uv_process_kill(&rb->proc, SIGKILL);
    }
}

static void on_builder_exit(uv_process_t *p, int64_t status, int sig)
{
    veu_server_t *srv = p->data;

    uv_timer_stop(&srv->rb.deadline);
    srv->rb.exited = true;
    srv->rb.exit_status = status;
    srv->rb.term_signal = sig;
    uv_close((uv_handle_t *)p, on_proc_closed);
}

/* A builder that could not be started: its handles are closed; one more build may wait. */
static void on_unspawned_closed(uv_handle_t *h)
{
    veu_server_t *srv = h->data;
    veu_rebuild_t *rb = &srv->rb;

    if (h == (uv_handle_t *)&rb->err) {
        rb->err_open = false;
    } else {
        rb->proc_open = false;
    }
    if (rb->err_open || rb->proc_open) {
        return;
    }
    if (rb->again && !srv->stopping) {
        promote_next_waiters(rb);
        bool force = rb->again_force;
        rb->again = rb->again_force = false;
        start_build(srv, force);
    } else {
        promote_next_waiters(rb);
        if (rb->n_waiters) {
            answer_waiters(srv, false);
        }
        srv->on_work_done(srv);
    }
}

static void start_build(veu_server_t *srv, bool force)
{
    VEU_ASSERT(!srv->rb.running && !srv->rb.err_open && !srv->rb.proc_open);
    veu_rebuild_t *rb = &srv->rb;
    char gen[32], skip[64];
    const char *args[VEU_BUILDER_MAX_ARGS];
    int a = 0;

    /* after every generation in the state directory, served or not: a number is never reused */
    uint64_t last = srv->cur ? srv->cur->generation : 0;
    rb->gen = (last > srv->max_generation ? last : srv->max_generation) + 1;
    snprintf(rb->out_path, sizeof(rb->out_path), "%s/veud-%llu.snap", srv->cfg.state,
             (unsigned long long)rb->gen);
    snprintf(gen, sizeof(gen), "%llu", (unsigned long long)rb->gen);

    args[a++] = "--data";
    args[a++] = srv->cfg.data;
    args[a++] = "--out";
    args[a++] = rb->out_path;
    args[a++] = "--generation";
    args[a++] = gen;
    const veu_snapshot_info_t *inf = srv->cur ? veu_snapshot_info(srv->cur->snap) : NULL;
    char day[11];
    veu_today(day);
    /* unchanged files and policy skip the build, unless dated rows were read for another day */
    if (!force && inf && !(inf->dated && strcmp(inf->as_of, day) != 0)) {
        snprintf(skip, sizeof(skip), "%s:%s", inf->digest, inf->policy_digest);
        args[a++] = "--skip-if";
        args[a++] = skip;
    }

    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE},
        {.flags = UV_IGNORE},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&rb->err},
    };
    uv_pipe_init(srv->loop, &rb->err, 0);
    rb->err.data = srv;
    rb->proc.data = srv;
    rb->exited = false;
    rb->term_signal = 0;
    rb->exit_status = 0;
    rb->last_error[0] = '\0';
    rb->line_len = 0;
    rb->force = force;
    rb->started_ms = veu_now_ms();
    rb->started_wall = time(NULL);
    int rc = veu_builder_spawn(srv, &rb->proc, "build", args, a, stdio, 3, on_builder_exit);
    if (rc < 0) {
        snprintf(rb->last_msg, sizeof(rb->last_msg), "cannot start the builder %s: %s", srv->exe,
                 uv_strerror(rc));
        snprintf(rb->status, sizeof(rb->status), "failed");
        rb->failures++;
        rb->last_started = rb->started_wall;
        rb->last_ms = 0;
        veu_log(LOG_ERR, "rebuild failed: %s", rb->last_msg);
        /*
         * Both handles must be closed before they are initialised again:
         * a trigger that comes meanwhile folds into one more build, which
         * starts when both are closed (the review's F3).
         */
        rb->err_open = rb->proc_open = true;
        uv_close((uv_handle_t *)&rb->err, on_unspawned_closed);
        uv_close((uv_handle_t *)&rb->proc, on_unspawned_closed);
        answer_waiters(srv, false);
        return;
    }
    rb->running = true;
    rb->timed_out = false;
    veu_asof_abandon_day(srv, "a rebuild started"); /* one builder's memory at a time */
    uv_timer_start(&rb->deadline, on_deadline, (uint64_t)veu_rebuild_timeout(srv) * 1000, 0);
    if (srv->cur) {
        veu_notify("RELOADING=1\nSTATUS=rebuilding (generation %llu keeps serving)",
                   (unsigned long long)srv->cur->generation);
    }
    rb->err_open = true;
    rb->proc_open = true;
    veu_log(LOG_INFO, "rebuild started (builder pid %d%s)", rb->proc.pid,
            force ? "" : ", skipped if nothing changed");
    uv_read_start((uv_stream_t *)&rb->err, on_err_alloc, on_err_read);
}

int veu_rebuild_trigger(veu_server_t *srv, bool force, veu_waiter_t *w)
{
    veu_rebuild_t *rb = &srv->rb;

    if (srv->stopping) {
        return -ESHUTDOWN;
    }
    if (!rb->running && !rb->err_open && !rb->proc_open) {
        if (w && add_waiter(&rb->waiters, &rb->n_waiters, &rb->cap_waiters, w) < 0) {
            return -ENOMEM;
        }
        start_build(srv, force);
        return 0;
    }
    if (w && add_waiter(&rb->next_waiters, &rb->n_next, &rb->cap_next, w) < 0) {
        return -ENOMEM;
    }
    rb->again = true;
    rb->again_force |= force;
    return 0;
}

void veu_rebuild_stop(veu_server_t *srv)
{
    if (srv->rb.running && !srv->rb.exited) {
        uv_process_kill(&srv->rb.proc, SIGTERM);
    }
}

static void on_rebuild_timer(uv_timer_t *t)
{
    veu_rebuild_trigger(t->data, false, NULL);
}

void veu_rebuild_timer_set(veu_server_t *srv, unsigned seconds)
{
    uv_timer_stop(&srv->rebuild_timer);
    if (seconds && !srv->stopping) {
        uv_timer_start(&srv->rebuild_timer, on_rebuild_timer, (uint64_t)seconds * 1000,
                       (uint64_t)seconds * 1000);
    }
}
