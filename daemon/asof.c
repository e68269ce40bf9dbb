/* SPDX-License-Identifier: MIT */
/*
 * asof.c: answers for another day on a dated graph.  The snapshot served
 * holds its dated rows as they stand on its build day; for any other day a
 * builder process (`veud history`, the server's own image, since the tie
 * engine runs on igraph and igraph stays out of the server) takes the part
 * of the graph around the buyers from the snapshot's history, computes the
 * ties on it and writes that part's snapshot into a memory file.  The
 * server maps the part in the thread pool and runs the op again on it, so
 * the answer has the form and evidence of any other.
 *
 * The builder gets the snapshot served as descriptor 3 (the same file,
 * whatever has been renamed since) and a memory file as descriptor 4: the
 * buyers' indices on the way in, the part's snapshot (or an error
 * sentence) on the way out.  At most ASOF_RUNNING builders run at once;
 * up to ASOF_QUEUED more requests wait; beyond that the answer is busy.
 *
 * A day asked for is also built whole, once, by one more builder in the
 * background (every entity its buyer, "all" in the memory file), and the
 * [daemon] history_days days asked last are kept mapped: an answer for a
 * kept day is then the op run on that day's graph at once, as fast as one
 * for the day served.  Kept days belong to the graph served; a new one
 * drops them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "asof.h"
#include "builder.h"
#include "conn.h"
#include "hworker.h"
#include "log.h"
#include "rebuild.h"
#include "req.h"
#include "server.h"
#include "snapref.h"

#define ASOF_RUNNING  2
#define ASOF_QUEUED   256
#define ASOF_PER_CONN 8 /* one client's answers for other days, running and waiting */

/* The builder's exit codes (main.c run_history). */

struct veu_asof_job {
    veu_asof_job_t *next;
    bool whole;     /* the day's whole graph, to keep; no client waits for it */
    bool abandoned; /* its builder was told to stop */
    bool too_big;   /* the part held more than history_entities */
    veu_server_t *srv;
    veu_conn_t *conn; /* NULL once the client has gone */
    veu_slot_t *slot;
    json_t *j;
    char *id_json;
    char *entity_id;
    char *match; /* the "match" of a request by name, or NULL */
    bool inline_form;
    const veu_op_t *op;
    veu_snapref_t *base; /* the graph whose history is read */
    char day[11];
    uint32_t *buyers; /* while queued */
    size_t n_buyers;
    int xfd; /* the memory file: buyers in, the part out */
    uv_process_t proc;
    uv_work_t work;
    int64_t exit_status;
    int term_signal;
    veu_snapref_t *part;
    char err[512];
    int64_t started_ms;
};

void veu_asof_forget_conn(veu_server_t *srv, veu_conn_t *c)
{
    veu_asof_job_t *lists[2] = {srv->asof_running, srv->asof_queue};
    for (int l = 0; l < 2; l++) {
        for (veu_asof_job_t *j = lists[l]; j; j = j->next) {
            if (j->conn == c) {
                j->conn = NULL, j->slot = NULL;
            }
        }
    }
}

static void job_free(veu_asof_job_t *j)
{
    json_decref(j->j);
    free(j->id_json);
    free(j->entity_id);
    free(j->match);
    veu_snapref_put(j->base);
    veu_snapref_put(j->part);
    free(j->buyers);
    if (j->xfd >= 0) {
        close(j->xfd);
    }
    free(j);
}

static void unlink_running(veu_server_t *srv, veu_asof_job_t *job)
{
    for (veu_asof_job_t **p = &srv->asof_running; *p; p = &(*p)->next) {
        if (*p == job) {
            *p = job->next;
            srv->n_asof_running--;
            return;
        }
    }
}

static void start_next(veu_server_t *srv);

/* Drops the kept days not worked out from the graph served (a new one came in). */
void veu_asof_purge(veu_server_t *srv)
{
    unsigned k = 0;
    for (unsigned i = 0; i < srv->n_asof_days; i++) {
        struct veu_asof_day *d = &srv->asof_days[i];
        if (d->base == srv->cur && !srv->stopping) {
            srv->asof_days[k++] = *d;
            continue;
        }
        veu_log(LOG_INFO, "history: the whole graph of %s dropped (%s)", d->day,
                srv->stopping ? "stopping" : "worked out from a graph no longer served");
        veu_snapref_put(d->graph);
        veu_snapref_put(d->base);
    }
    srv->n_asof_days = k;
    veu_hworker_retire(srv); /* the idle workers of the old graph end, and let it go */
    if (srv->asof_day_job && srv->asof_day_job->base != srv->cur) {
        veu_asof_abandon_day(srv, "a new graph is served"); /* it would be dropped when done */
    }
}

/* The kept whole graph of day worked out from base, or NULL (a swap purges the others). */
static veu_snapref_t *day_graph(veu_server_t *srv, const veu_snapref_t *base, const char *day)
{
    for (unsigned i = 0; i < srv->n_asof_days; i++) {
        struct veu_asof_day *d = &srv->asof_days[i];
        if (d->base == base && !strcmp(d->day, day)) {
            d->used_ms = veu_now_ms();
            return d->graph;
        }
    }
    return NULL;
}

/* Drops the kept day used longest ago, for why. */
static void drop_oldest_day(veu_server_t *srv, const char *why)
{
    struct veu_asof_day *d = &srv->asof_days[0];
    for (unsigned i = 1; i < srv->n_asof_days; i++) {
        if (srv->asof_days[i].used_ms < d->used_ms) {
            d = &srv->asof_days[i];
        }
    }
    veu_log(LOG_INFO, "history: the whole graph of %s dropped (%s; history_days = %u)", d->day, why,
            srv->cfg.history_days);
    veu_snapref_put(d->graph);
    veu_snapref_put(d->base);
    *d = srv->asof_days[--srv->n_asof_days];
}

void veu_asof_trim(veu_server_t *srv)
{
    veu_hworker_retire(srv); /* a reload: a worker of another policy must not answer */
    while (srv->n_asof_days > srv->cfg.history_days) {
        drop_oldest_day(srv, "the configuration keeps fewer days");
    }
}

/* Keeps a day's whole graph in place of the day used longest ago, when all are taken. */
static void keep_day(veu_server_t *srv, veu_asof_job_t *job)
{
    struct veu_asof_day *d;

    if (srv->stopping || job->base != srv->cur || srv->cfg.history_days == 0) {
        return; /* worked out from a graph no longer served */
    }
    if (srv->n_asof_days >= srv->cfg.history_days || srv->n_asof_days >= VEU_ASOF_DAYS_MAX) {
        drop_oldest_day(srv, "a day asked for later is kept");
    }
    d = &srv->asof_days[srv->n_asof_days++];
    d->base = veu_snapref_get(job->base);
    d->graph = veu_snapref_get(job->part);
    snprintf(d->day, sizeof(d->day), "%s", job->day);
    d->used_ms = veu_now_ms();
    veu_log(LOG_INFO,
            "history: the whole graph of %s kept (%u entities, %lld ms); its answers "
            "need no part from now on",
            job->day, veu_snapshot_info(job->part->snap)->entities,
            (long long)(veu_now_ms() - job->started_ms));
}

/* The whole graph of a day is built (or not): kept, or its failure told. */
static void day_done(veu_asof_job_t *job, const char *code)
{
    veu_server_t *srv = job->srv;

    uv_timer_stop(&srv->asof_deadline);
    srv->asof_day_job = NULL;
    if (code && !job->abandoned) {
        veu_log(LOG_NOTICE,
                "history: the whole graph of %s was not built: %s; its answers are "
                "worked out part by part",
                job->day, job->err);
    } else if (!code) {
        keep_day(srv, job);
    }
    job_free(job);
    veu_asof_resume(srv);
    srv->on_work_done(srv);
}

/* Answers the job's request (from its part, or with its error) and frees it. */
static void job_done(veu_asof_job_t *job, const char *code)
{
    veu_server_t *srv = job->srv;

    if (job->whole) {
        day_done(job, code);
        return;
    }
    unlink_running(srv, job);
    veu_snapref_t *kept = NULL;
    if (job->too_big && (kept = day_graph(srv, job->base, job->day)) != NULL) {
        code = NULL; /* too big for a part, and the day was kept whole meanwhile */
        srv->asof_from_kept++;
    } else if (job->too_big && srv->asof_day_job && srv->asof_day_job->base == job->base &&
               !strcmp(srv->asof_day_job->day, job->day)) {
        size_t at = strlen(job->err);
        snprintf(job->err + at, sizeof(job->err) - at,
                 "; the whole graph of %s is being built (history_days) and will answer it: "
                 "ask again once stats' history lists it as kept",
                 job->day);
    }
    if (job->conn && !job->conn->closing) {
        veu_req_t r = {.srv = srv,
                       .conn = job->conn,
                       .slot = job->slot,
                       .j = job->j,
                       .id_json = job->id_json,
                       .inline_form = job->inline_form,
                       .snap = kept ? kept : job->part,
                       .generation = job->base->generation,
                       .op = job->op,
                       .entity_id = job->entity_id,
                       .match = job->match};
        int rc;
        veu_jbuf_reset(&srv->res);
        if (code) {
            rc = veu_req_fail(&r, code, "%s", job->err);
        } else {
            rc = job->op->fn(&r, &srv->res);
        }
        veu_req_finish(&r, rc);
        json_decref(r.err_extra);
        veu_conn_flush(job->conn);
    }
    veu_log(code ? LOG_NOTICE : LOG_DEBUG, "answer for %s: %s (%lld ms)", job->day,
            code ? job->err : "done", (long long)(veu_now_ms() - job->started_ms));
    job_free(job);
    start_next(srv);
    srv->on_work_done(srv);
}

static void open_part(uv_work_t *w)
{
    veu_asof_job_t *job = w->data;
    char path[64];
    veu_snapshot_t *s;

    snprintf(path, sizeof(path), "/proc/self/fd/%d", job->xfd);
    int rc = veu_snapshot_open(path, &s, job->err, sizeof(job->err));
    if (rc < 0) {
        return;
    }
    job->part = calloc(1, sizeof(*job->part));
    if (!job->part) {
        veu_snapshot_close(s);
        snprintf(job->err, sizeof(job->err), "out of memory");
        return;
    }
    job->part->snap = s;
    job->part->refs = 1;
    job->part->generation = job->base->generation;
    job->part->part = true;
    job->part->huge_pct = -1; /* not asked: a part is not in stats */
    snprintf(job->part->path, sizeof(job->part->path), "%s", job->base->path);
}

static void part_opened(uv_work_t *w, int status)
{
    veu_asof_job_t *job = w->data;

    if (status < 0 || !job->part) {
        if (!job->err[0]) {
            snprintf(job->err, sizeof(job->err), "the part could not be mapped");
        }
        job_done(job, "internal");
        return;
    }
    job_done(job, NULL);
}

/* The builder or worker is done with the job: map its part, or answer why there is none. */
static void builder_done(veu_asof_job_t *job)
{

    if (job->term_signal || job->exit_status != VEU_EXIT_OK) {
        /* a builder that fails leaves a sentence in the memory file; one that died, not */
        bool said = !job->term_signal &&
                    (job->exit_status == VEU_EXIT_FAILED || job->exit_status == VEU_EXIT_TOO_BIG);
        ssize_t n = said ? pread(job->xfd, job->err, sizeof(job->err) - 1, 0) : 0;
        job->err[n > 0 ? n : 0] = '\0';
        if (n <= 0 || memchr(job->err, '\n', (size_t)n) || memchr(job->err, '\0', (size_t)n)) {
            snprintf(job->err, sizeof(job->err), "the builder for %s %s %d", job->day,
                     job->term_signal ? "was killed by signal" : "exited with status",
                     job->term_signal ? job->term_signal : (int)job->exit_status);
        }
        job->too_big = job->exit_status == VEU_EXIT_TOO_BIG;
        job_done(job, job->too_big ? "bad_request" : "internal");
        return;
    }
    job->work.data = job;
    if (uv_queue_work(job->srv->loop, &job->work, open_part, part_opened) < 0) {
        snprintf(job->err, sizeof(job->err), "cannot queue the mapping of the part");
        job_done(job, "internal");
    }
}

static void proc_closed(uv_handle_t *h)
{
    builder_done(h->data);
}

/* A worker is done with the job's part (hworker.c), or died on it. */
static void worker_done(void *ctx, int64_t exit_status, int term_signal)
{
    veu_asof_job_t *job = ctx;
    job->exit_status = exit_status;
    job->term_signal = term_signal;
    builder_done(job);
}

static void proc_exit(uv_process_t *p, int64_t status, int sig)
{
    veu_asof_job_t *job = p->data;

    job->exit_status = status;
    job->term_signal = sig;
    uv_close((uv_handle_t *)p, proc_closed);
}

/* Writes the buyers into the memory file and starts the builder. */
static int spawn(veu_asof_job_t *job, const uint32_t *buyers, size_t nb)
{
    veu_server_t *srv = job->srv;
    char max[24];
    char *buf = malloc(nb * 11 + 5);
    size_t len = 0;

    if (!buf) {
        return -ENOMEM;
    }
    if (job->whole) {
        len = (size_t)sprintf(buf, "all\n"); /* every entity (main.c run_history) */
    }
    for (size_t i = 0; i < nb; i++) {
        len += (size_t)sprintf(buf + len, "%u\n", buyers[i]);
    }
    ssize_t w = pwrite(job->xfd, buf, len, 0); /* a memory file: no disk, no wait */
    free(buf);
    if (w != (ssize_t)len) {
        return -EIO;
    }
    snprintf(max, sizeof(max), "%u",
             job->whole ? veu_snapshot_info(job->base->snap)->entities : srv->cfg.history_entities);
    const char *args[] = {"--as-of", job->day, "--max-entities", max};
    uv_stdio_container_t stdio[5] = {
        {.flags = UV_IGNORE},
        {.flags = UV_IGNORE},
        {.flags = UV_INHERIT_FD, .data.fd = 2},
        {.flags = UV_INHERIT_FD, .data.fd = veu_snapshot_fd(job->base->snap)},
        {.flags = UV_INHERIT_FD, .data.fd = job->xfd},
    };
    job->started_ms = veu_now_ms();
    if (!job->whole) { /* a part: on a worker kept running between answers */
        return veu_hworker_run(srv, job->base, job->day, srv->cfg.history_entities, job->xfd,
                               worker_done, job);
    }
    job->proc.data = job;
    return veu_builder_spawn(srv, &job->proc, "history", args, 4, stdio, 5, proc_exit);
}

static void start_next(veu_server_t *srv)
{
    while (srv->asof_queue && srv->n_asof_running < ASOF_RUNNING) {
        veu_asof_job_t *job = srv->asof_queue;
        srv->asof_queue = job->next;
        srv->n_asof_queued--;
        job->next = srv->asof_running;
        srv->asof_running = job;
        srv->n_asof_running++;
        int rc = job->conn ? spawn(job, job->buyers, job->n_buyers) : -ECANCELED;
        free(job->buyers);
        job->buyers = NULL;
        if (rc < 0) {
            snprintf(job->err, sizeof(job->err), "cannot start the builder for %s: %s", job->day,
                     rc == -ECANCELED ? "the client has gone" : uv_strerror(rc));
            job_done(job, "internal");
            return; /* job_done starts the next */
        }
    }
}

/* The jobs of connection c, running and waiting. */
static unsigned jobs_of(const veu_server_t *srv, const veu_conn_t *c)
{
    unsigned n = 0;
    const veu_asof_job_t *lists[2] = {srv->asof_running, srv->asof_queue};
    for (int l = 0; l < 2; l++) {
        for (const veu_asof_job_t *j = lists[l]; j; j = j->next) {
            n += j->conn == c;
        }
    }
    return n;
}

/*
 * What the op needs of the request when it runs again on the part: its
 * fields, not whatever else the client sent with them (the review's F10: a
 * job kept its whole parsed request, some twenty times its size).
 */
static json_t *slim_request(json_t *j)
{
    static const char *const keep[] = {"op",       "entity", "name", "country",  "as_of",
                                       "entities", "limit",  "rel",  "max_hops", "graph"};
    json_t *o = json_object();
    for (size_t i = 0; o && i < sizeof(keep) / sizeof(keep[0]); i++) {
        json_t *v = json_object_get(j, keep[i]);
        if (v) {
            json_object_set(o, keep[i], v);
        }
    }
    return o;
}

static void day_past_deadline(uv_timer_t *t)
{
    veu_server_t *srv = t->data;
    veu_asof_job_t *job = srv->asof_day_job;

    if (job) {
        veu_log(LOG_NOTICE,
                "history: the builder of the whole graph of %s ran past "
                "build_timeout (%u s); killed",
                job->day, veu_rebuild_timeout(srv));
        uv_process_kill(&job->proc, SIGKILL);
    }
}

/*
 * Starts building day's whole graph from base in the background, unless
 * one is being built, a rebuild runs (a builder's memory at a time), the
 * day is kept, no day is to be kept, or base is not the graph served (an
 * answer from a kept generation).
 */
static void start_day(veu_server_t *srv, veu_snapref_t *base, const char *day)
{
    if (srv->cfg.history_days == 0 || srv->stopping || base != srv->cur ||
        day_graph(srv, base, day)) {
        return;
    }
    if (srv->asof_day_job || srv->rb.running) {
        /* the last day asked for is built when the builder before it is done */
        if (!srv->asof_day_job || strcmp(srv->asof_day_job->day, day)) {
            snprintf(srv->asof_wanted, sizeof(srv->asof_wanted), "%s", day);
        }
        return;
    }
    srv->asof_wanted[0] = '\0';
    veu_asof_job_t *job = calloc(1, sizeof(*job));
    if (!job) {
        return;
    }
    job->xfd = memfd_create("veud-history-day", MFD_CLOEXEC);
    if (job->xfd < 0) {
        free(job);
        return;
    }
    job->whole = true;
    job->srv = srv;
    job->base = veu_snapref_get(base);
    snprintf(job->day, sizeof(job->day), "%s", day);
    int rc = spawn(job, NULL, 0);
    if (rc < 0) {
        veu_log(LOG_NOTICE, "history: cannot start the builder of the whole graph of %s: %s", day,
                uv_strerror(rc));
        job_free(job);
        return;
    }
    srv->asof_day_job = job;
    uv_timer_start(&srv->asof_deadline, day_past_deadline,
                   (uint64_t)veu_rebuild_timeout(srv) * 1000, 0);
    veu_log(LOG_INFO, "history: building the whole graph of %s (builder pid %d)", day,
            job->proc.pid);
}

int veu_asof_start(veu_req_t *r, veu_jbuf_t *res, const char *day, const uint32_t *buyers,
                   size_t n_buyers)
{
    veu_server_t *srv = r->srv;
    veu_snapref_t *kept = day_graph(srv, r->snap, day);

    if (kept) {
        /* the day is kept whole: the op runs on it now, as on the graph served */
        veu_snapref_t *base = r->snap;
        r->snap = kept;
        srv->asof_from_kept++;
        int rc = r->op->fn(r, res);
        r->snap = base;
        return rc;
    }
    start_day(srv, r->snap, day);

    if (jobs_of(srv, r->conn) >= ASOF_PER_CONN) {
        return veu_req_fail(r, "busy",
                            "this connection has %d answers for other days under way; ask for "
                            "more when they are answered",
                            ASOF_PER_CONN);
    }
    if (srv->stopping) {
        return veu_req_fail(r, "busy", "the daemon is shutting down");
    }
    if (srv->n_asof_queued >= ASOF_QUEUED) {
        return veu_req_fail(r, "busy",
                            "%u answers for other days are waiting already; ask again later",
                            srv->n_asof_queued);
    }
    veu_asof_job_t *job = calloc(1, sizeof(*job));
    uint32_t *copy = malloc((n_buyers ? n_buyers : 1) * sizeof(*copy));
    if (!job || !copy) {
        free(job);
        free(copy);
        return veu_req_fail(r, "internal", "out of memory");
    }
    job->xfd = memfd_create("veud-history", MFD_CLOEXEC);
    if (job->xfd < 0) {
        free(job);
        free(copy);
        return veu_req_fail(r, "internal", "cannot create a memory file: %s", strerror(errno));
    }
    memcpy(copy, buyers, n_buyers * sizeof(*copy));
    job->srv = srv;
    job->conn = r->conn;
    job->slot = r->slot;
    job->j = slim_request(r->j);
    job->id_json = r->id_json ? strdup(r->id_json) : NULL;
    job->entity_id = r->entity_id ? strdup(r->entity_id) : NULL;
    job->match = r->match ? strdup(r->match) : NULL;
    job->inline_form = r->inline_form;
    job->op = r->op;
    job->base = veu_snapref_get(r->snap);
    snprintf(job->day, sizeof(job->day), "%s", day);
    job->buyers = copy;
    job->n_buyers = n_buyers;
    /* append to the queue, then start what may run */
    veu_asof_job_t **p = &srv->asof_queue;
    while (*p) {
        p = &(*p)->next;
    }
    *p = job;
    srv->n_asof_queued++;
    srv->asof_parts++;
    start_next(srv);
    return VEU_OP_PENDING;
}

bool veu_asof_idle(const veu_server_t *srv)
{
    return !srv->asof_running && !srv->asof_queue && !srv->asof_day_job;
}

void veu_asof_resume(veu_server_t *srv)
{
    char day[11];

    if (srv->asof_wanted[0] && srv->cur) {
        memcpy(day, srv->asof_wanted, sizeof(day));
        start_day(srv, srv->cur, day);
    }
}

void veu_asof_init(veu_server_t *srv)
{
    uv_timer_init(srv->loop, &srv->asof_deadline);
    srv->asof_deadline.data = srv;
}

void veu_asof_abandon_day(veu_server_t *srv, const char *why)
{
    if (srv->asof_day_job && !srv->asof_day_job->abandoned) {
        veu_log(LOG_INFO, "history: the whole graph of %s abandoned: %s", srv->asof_day_job->day,
                why);
        srv->asof_day_job->abandoned = true;
        uv_process_kill(&srv->asof_day_job->proc, SIGTERM); /* only a day to keep is lost */
        if (!srv->stopping) { /* built again once the rebuild is done, from the graph then served */
            snprintf(srv->asof_wanted, sizeof(srv->asof_wanted), "%s", srv->asof_day_job->day);
        }
    }
}

void veu_asof_stop(veu_server_t *srv)
{
    veu_asof_abandon_day(srv, "stopping");
    veu_asof_purge(srv);
}

void veu_asof_cleanup(veu_server_t *srv)
{
    veu_asof_purge(srv);
    veu_hworker_cleanup(srv);
    uv_close((uv_handle_t *)&srv->asof_deadline, NULL);
}

void veu_asof_stats(const veu_server_t *srv, veu_jbuf_t *o)
{
    uint64_t bytes = 0; /* the kept days' memory files */
    veu_jbuf_printf(o, "{\"days\":%u,\"kept\":[", srv->cfg.history_days);
    for (unsigned i = 0; i < srv->n_asof_days; i++) {
        veu_jbuf_lit(o, i ? "," : "");
        veu_jbuf_str(o, srv->asof_days[i].day);
        bytes += veu_snapshot_info(srv->asof_days[i].graph->snap)->file_size;
    }
    veu_jbuf_lit(o, "],\"kept_bytes\":");
    veu_jbuf_int(o, (int64_t)bytes);
    veu_jbuf_lit(o, ",\"building\":");
    veu_jbuf_str_or_null(o, srv->asof_day_job ? srv->asof_day_job->day : "");
    veu_jbuf_printf(o,
                    ",\"answers_from_parts\":%llu,\"answers_from_kept\":%llu,\"parts_running\":%u,"
                    "\"parts_waiting\":%u,\"workers\":%u}",
                    (unsigned long long)srv->asof_parts, (unsigned long long)srv->asof_from_kept,
                    srv->n_asof_running, srv->n_asof_queued, veu_hworker_count(srv));
}
