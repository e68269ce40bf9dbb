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
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "asof.h"
#include "builder.h"
#include "conn.h"
#include "log.h"
#include "req.h"
#include "server.h"
#include "snapref.h"

#define ASOF_RUNNING  2
#define ASOF_QUEUED   256
#define ASOF_PER_CONN 8 /* one client's answers for other days, running and waiting */

/* The builder's exit codes (main.c run_history). */

struct veu_asof_job {
    veu_asof_job_t *next;
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

/* Answers the job's request (from its part, or with its error) and frees it. */
static void job_done(veu_asof_job_t *job, const char *code)
{
    veu_server_t *srv = job->srv;

    unlink_running(srv, job);
    if (job->conn && !job->conn->closing) {
        veu_req_t r = {.srv = srv,
                       .conn = job->conn,
                       .slot = job->slot,
                       .j = job->j,
                       .id_json = job->id_json,
                       .inline_form = job->inline_form,
                       .snap = job->part,
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

static void proc_closed(uv_handle_t *h)
{
    veu_asof_job_t *job = h->data;

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
        job_done(job, job->exit_status == VEU_EXIT_TOO_BIG ? "bad_request" : "internal");
        return;
    }
    job->work.data = job;
    if (uv_queue_work(job->srv->loop, &job->work, open_part, part_opened) < 0) {
        snprintf(job->err, sizeof(job->err), "cannot queue the mapping of the part");
        job_done(job, "internal");
    }
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
    char *buf = malloc(nb * 11 + 1);
    size_t len = 0;

    if (!buf) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < nb; i++) {
        len += (size_t)sprintf(buf + len, "%u\n", buyers[i]);
    }
    ssize_t w = pwrite(job->xfd, buf, len, 0); /* a memory file: no disk, no wait */
    free(buf);
    if (w != (ssize_t)len) {
        return -EIO;
    }
    snprintf(max, sizeof(max), "%u", srv->cfg.history_entities);
    const char *args[] = {"--as-of", job->day, "--max-entities", max};
    uv_stdio_container_t stdio[5] = {
        {.flags = UV_IGNORE},
        {.flags = UV_IGNORE},
        {.flags = UV_INHERIT_FD, .data.fd = 2},
        {.flags = UV_INHERIT_FD, .data.fd = veu_snapshot_fd(job->base->snap)},
        {.flags = UV_INHERIT_FD, .data.fd = job->xfd},
    };
    job->proc.data = job;
    job->started_ms = veu_now_ms();
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

int veu_asof_start(veu_req_t *r, const char *day, const uint32_t *buyers, size_t n_buyers)
{
    veu_server_t *srv = r->srv;

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
    start_next(srv);
    return VEU_OP_PENDING;
}

bool veu_asof_idle(const veu_server_t *srv)
{
    return !srv->asof_running && !srv->asof_queue;
}
