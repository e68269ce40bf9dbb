/* SPDX-License-Identifier: MIT */
/*
 * kept.c: answers from a kept generation.  A request that names a
 * generation other than the one serving is answered from that
 * generation's snapshot, STATE/veud-GENERATION.snap, under the policy and
 * on the day it was built with: the snapshot holds both, so the answer is
 * the one given then, byte for byte but for the request's id.  The
 * snapshot is mapped and verified in the thread pool (a second at 10M
 * entities), the op runs on the loop like any other (microseconds), and
 * the mapping is kept for the next requests of that generation (a replay
 * of a day's decisions asks many) and dropped after KEPT_IDLE_MS without
 * one: a kept generation costs nothing until asked for, and little after.
 *
 * At most KEPT_JOBS mappings are under way, one per generation: requests
 * for a generation being mapped wait on its job (a pipelined replay maps
 * once), at most KEPT_PER_CONN of one connection; beyond that the answer is
 * busy.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "kept.h"
#include "log.h"
#include "server.h"
#include "snapref.h"

#define KEPT_JOBS     8    /* generations being mapped at once */
#define KEPT_PER_CONN 1024 /* requests of one connection waiting for mappings */
#define KEPT_CACHED   (sizeof(((veu_server_t *)0)->kept_cache) / sizeof(veu_snapref_t *))
#define KEPT_IDLE_MS  30000

/* A request waiting for the mapping. */
struct waiting {
    veu_conn_t *conn; /* NULL once the client has gone */
    veu_slot_t *slot;
    json_t *j; /* the request (a reference) */
    char *id_json;
    bool inline_form;
    const veu_op_t *op;
};

struct veu_kept_job {
    veu_kept_job_t *next;
    veu_server_t *srv;
    struct waiting *w;
    size_t n, cap;
    uint64_t gen;
    char state[PATH_MAX];
    veu_snapref_t *snap; /* mapped in the thread pool */
    char err[512];
    int64_t started_ms;
    uv_work_t work;
};

void veu_kept_scan(const char *state, uint64_t before, uint64_t *oldest, uint64_t *newest_before)
{
    DIR *d = opendir(state);
    struct dirent *de;

    *oldest = *newest_before = 0;
    if (!d) {
        return;
    }
    while ((de = readdir(d))) {
        unsigned long long g;
        int end = 0;
        if (sscanf(de->d_name, "veud-%llu.snap%n", &g, &end) != 1 || de->d_name[end] != '\0' ||
            g == 0) {
            continue;
        }
        if (!*oldest || g < *oldest) {
            *oldest = g;
        }
        if (g < before && g > *newest_before) {
            *newest_before = g;
        }
    }
    closedir(d);
}

veu_snapref_t *veu_kept_open(const char *state, uint64_t gen, char *err, size_t errlen)
{
    char path[PATH_MAX + 32], why[256] = "no snapshot";
    uint64_t oldest, before;

    snprintf(path, sizeof(path), "%s/veud-%" PRIu64 ".snap", state, gen);
    veu_snapref_t *r = access(path, F_OK) == 0 ? veu_snapref_open(path, why, sizeof(why)) : NULL;
    if (r && r->generation != gen) {
        snprintf(why, sizeof(why), "the file holds generation %" PRIu64, r->generation);
        veu_snapshot_close(r->snap);
        free(r);
        r = NULL;
    }
    if (!r) {
        veu_kept_scan(state, UINT64_MAX, &oldest, &before);
        int k = snprintf(err, errlen, "generation %" PRIu64 " is not kept (%s)", gen, why);
        if (oldest && k > 0 && (size_t)k < errlen) {
            snprintf(err + k, errlen - (size_t)k, "; the oldest kept is %" PRIu64, oldest);
        }
    }
    return r;
}

/* In the thread pool: maps and verifies the kept snapshot. */
static void work(uv_work_t *w)
{
    veu_kept_job_t *job = w->data;
    job->snap = veu_kept_open(job->state, job->gen, job->err, sizeof(job->err));
}

static void unlink_job(veu_server_t *srv, veu_kept_job_t *job)
{
    for (veu_kept_job_t **p = &srv->kept_jobs; *p; p = &(*p)->next) {
        if (*p == job) {
            *p = job->next;
            srv->n_kept_jobs--;
            return;
        }
    }
}

static void job_free(veu_kept_job_t *job)
{
    veu_snapref_put(job->snap);
    for (size_t i = 0; i < job->n; i++) {
        json_decref(job->w[i].j);
        free(job->w[i].id_json);
    }
    free(job->w);
    free(job);
}

/* Adds r to the requests waiting on job; -1 when out of memory. */
static int wait_on(veu_kept_job_t *job, const veu_req_t *r)
{
    if (job->n == job->cap) {
        size_t cap = job->cap ? job->cap * 2 : 4;
        struct waiting *p = realloc(job->w, cap * sizeof(*p));
        if (!p) {
            return -1;
        }
        job->w = p;
        job->cap = cap;
    }
    struct waiting *w = &job->w[job->n];
    *w = (struct waiting){.conn = r->conn,
                          .slot = r->slot,
                          .j = json_incref(r->j),
                          .id_json = r->id_json ? strdup(r->id_json) : NULL,
                          .inline_form = r->inline_form,
                          .op = r->op};
    if (r->id_json && !w->id_json) {
        json_decref(w->j);
        return -1;
    }
    job->n++;
    return 0;
}

static void on_idle_check(uv_timer_t *t)
{
    veu_server_t *srv = t->data;
    bool any = false;

    for (size_t i = 0; i < KEPT_CACHED; i++) {
        veu_snapref_t *r = srv->kept_cache[i];
        if (r && veu_now_ms() - srv->kept_used[i] >= KEPT_IDLE_MS) {
            veu_log(LOG_DEBUG, "generation %" PRIu64 " unmapped: not asked for a while",
                    r->generation);
            veu_snapref_put(r);
            srv->kept_cache[i] = NULL;
        }
        any |= srv->kept_cache[i] != NULL;
    }
    if (!any) {
        uv_timer_stop(t);
    }
}

static veu_snapref_t *cached(veu_server_t *srv, uint64_t gen)
{
    for (size_t i = 0; i < KEPT_CACHED; i++) {
        if (srv->kept_cache[i] && srv->kept_cache[i]->generation == gen) {
            srv->kept_used[i] = veu_now_ms();
            return srv->kept_cache[i];
        }
    }
    return NULL;
}

/* Keeps r mapped for the next requests, in place of the one least lately used. */
static void remember(veu_server_t *srv, veu_snapref_t *r)
{
    size_t k = 0;

    if (srv->stopping || cached(srv, r->generation)) {
        return;
    }
    for (size_t i = 0; i < KEPT_CACHED; i++) {
        if (!srv->kept_cache[i]) {
            k = i;
            break;
        }
        if (srv->kept_used[i] < srv->kept_used[k]) {
            k = i;
        }
    }
    veu_snapref_put(srv->kept_cache[k]);
    srv->kept_cache[k] = veu_snapref_get(r);
    srv->kept_used[k] = veu_now_ms();
    if (!uv_is_active((uv_handle_t *)&srv->kept_timer)) {
        uv_timer_start(&srv->kept_timer, on_idle_check, KEPT_IDLE_MS / 3, KEPT_IDLE_MS / 3);
    }
}

void veu_kept_drop(veu_server_t *srv, uint64_t gen)
{
    for (size_t i = 0; i < KEPT_CACHED; i++) {
        if (srv->kept_cache[i] && srv->kept_cache[i]->generation == gen) {
            veu_snapref_put(srv->kept_cache[i]);
            srv->kept_cache[i] = NULL;
        }
    }
}

void veu_kept_init(veu_server_t *srv)
{
    uv_timer_init(srv->loop, &srv->kept_timer);
    srv->kept_timer.data = srv;
    uv_unref((uv_handle_t *)&srv->kept_timer); /* a mapping kept does not keep veud running */
}

void veu_kept_cleanup(veu_server_t *srv)
{
    for (size_t i = 0; i < KEPT_CACHED; i++) {
        veu_snapref_put(srv->kept_cache[i]);
        srv->kept_cache[i] = NULL;
    }
    if (!uv_is_closing((uv_handle_t *)&srv->kept_timer)) {
        uv_close((uv_handle_t *)&srv->kept_timer, NULL);
    }
}

/* Runs r's op on generation snap and writes its answer into r's slot (unless it is pending). */
static void answer_from(veu_req_t *r, veu_snapref_t *snap, uint64_t gen)
{
    veu_req_t q = *r;
    q.snap = snap;
    q.generation = gen;
    q.err_extra = NULL;
    veu_jbuf_reset(&r->srv->res);
    int rc = q.op->fn(&q, &r->srv->res);
    if (rc != VEU_OP_PENDING) { /* an answer for another day on it fills the slot later */
        veu_req_finish(&q, q.err_code ? VEU_OP_ERROR : rc);
    }
    json_decref(q.err_extra);
}

static void done(uv_work_t *w, int status)
{
    veu_kept_job_t *job = w->data;
    veu_server_t *srv = job->srv;

    unlink_job(srv, job);
    if (status < 0 && !job->err[0]) {
        snprintf(job->err, sizeof(job->err), "the mapping was cancelled: %s", uv_strerror(status));
    }
    /* every slot is filled before any connection is flushed: a flush may close one */
    for (size_t i = 0; i < job->n; i++) {
        struct waiting *q = &job->w[i];
        if (!q->conn || q->conn->closing) {
            continue;
        }
        veu_req_t r = {.srv = srv,
                       .conn = q->conn,
                       .slot = q->slot,
                       .j = q->j,
                       .id_json = q->id_json,
                       .inline_form = q->inline_form,
                       .op = q->op,
                       .snap = job->snap,
                       .generation = job->gen};
        if (!job->snap) {
            veu_jbuf_reset(&srv->res);
            veu_req_finish(&r, veu_req_fail(&r, "not_found", "%s", job->err));
        } else {
            answer_from(&r, job->snap, job->gen);
        }
    }
    for (size_t i = 0; i < job->n; i++) {
        if (job->w[i].conn) {
            veu_conn_flush(job->w[i].conn);
        }
    }
    veu_log(LOG_DEBUG, "answer from generation %" PRIu64 ": %s (%lld ms)", job->gen,
            job->snap ? "mapped" : job->err, (long long)(veu_now_ms() - job->started_ms));
    if (job->snap) {
        remember(srv, job->snap);
    }
    job_free(job);
    srv->on_work_done(srv);
}

int veu_kept_start(veu_req_t *r, uint64_t gen)
{
    veu_server_t *srv = r->srv;
    unsigned mine = 0;
    veu_snapref_t *hit = cached(srv, gen);

    if (hit) { /* mapped for an earlier request: answered now, on the loop */
        veu_snapref_get(hit);
        answer_from(r, hit, gen);
        veu_snapref_put(hit);
        return VEU_OP_PENDING; /* the slot is filled (or will be, by an answer for another day) */
    }
    veu_kept_job_t *same = NULL;
    for (veu_kept_job_t *j = srv->kept_jobs; j; j = j->next) {
        for (size_t i = 0; i < j->n; i++) {
            mine += j->w[i].conn == r->conn;
        }
        same = j->gen == gen ? j : same;
    }
    if (srv->stopping) {
        return veu_req_fail(r, "busy", "the daemon is shutting down");
    }
    if (mine >= KEPT_PER_CONN || (!same && srv->n_kept_jobs >= KEPT_JOBS)) {
        return veu_req_fail(r, "busy",
                            "%u kept generations are being mapped, %u requests of this "
                            "connection wait for them; ask again when they are answered",
                            srv->n_kept_jobs, mine);
    }
    if (same) { /* being mapped already: answered when it is */
        return wait_on(same, r) < 0 ? veu_req_fail(r, "internal", "out of memory") : VEU_OP_PENDING;
    }
    veu_kept_job_t *job = calloc(1, sizeof(*job));
    if (!job || wait_on(job, r) < 0) {
        free(job);
        return veu_req_fail(r, "internal", "out of memory");
    }
    job->srv = srv;
    job->gen = gen;
    snprintf(job->state, sizeof(job->state), "%s", srv->cfg.state);
    job->started_ms = veu_now_ms();
    job->work.data = job;
    if (uv_queue_work(srv->loop, &job->work, work, done) < 0) {
        job_free(job);
        return veu_req_fail(r, "internal", "cannot queue the mapping of generation %" PRIu64, gen);
    }
    job->next = srv->kept_jobs;
    srv->kept_jobs = job;
    srv->n_kept_jobs++;
    return VEU_OP_PENDING;
}

void veu_kept_forget_conn(veu_server_t *srv, veu_conn_t *c)
{
    for (veu_kept_job_t *j = srv->kept_jobs; j; j = j->next) {
        for (size_t i = 0; i < j->n; i++) {
            if (j->w[i].conn == c) {
                j->w[i].conn = NULL, j->w[i].slot = NULL;
            }
        }
    }
}

bool veu_kept_idle(const veu_server_t *srv)
{
    return !srv->kept_jobs;
}
