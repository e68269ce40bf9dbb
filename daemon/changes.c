/* SPDX-License-Identifier: MIT */
/*
 * changes.c: the changes op (SPEC section 9).  The state directory keeps
 * the snapshots of the last keep_generations generations as
 * STATE/veud-GENERATION.snap; a kept one costs nothing until asked for.
 * Asked, it is mapped and verified in the thread pool (a second at 10M
 * entities), compared with the graph the request is answered from by
 * veu_snapshot_changes (verdict and codes per entity, no answer rendered),
 * the result written there too, and the mapping dropped: the loop only
 * copies the finished result into the client's slot.
 *
 * At most CHANGES_JOBS jobs are under way, CHANGES_PER_CONN of one
 * connection; beyond that the answer is busy.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "changes.h"
#include "conn.h"
#include "kept.h"
#include "log.h"
#include "server.h"
#include "snapref.h"

#define CHANGES_JOBS     8
#define CHANGES_PER_CONN 2

struct veu_changes_job {
    veu_changes_job_t *next;
    veu_server_t *srv;
    veu_conn_t *conn; /* NULL once the client has gone */
    veu_slot_t *slot;
    char *id_json;
    bool inline_form;
    const veu_op_t *op;
    veu_snapref_t *to; /* the graph the changes lead to */
    char state[PATH_MAX];
    uint64_t since; /* 0: the newest kept before to */
    unsigned limit;
    char **ids; /* sorted, or NULL for every entity */
    size_t n_ids;
    uv_work_t work;
    veu_jbuf_t out;   /* the result object */
    const char *code; /* an error code, with err */
    char err[512];
    int64_t started_ms;
};

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Writes the result: the changes c[0..n) from a (generation from) to b
 * (generation to), at most limit, only those of ids (sorted; NULL: all).
 */
static void render(veu_jbuf_t *o, const veu_snapshot_t *a, const veu_snapshot_t *b, uint64_t from,
                   uint64_t to, const veu_change_t *c, size_t n, unsigned limit, char *const *ids,
                   size_t n_ids)
{
    size_t total = 0, shown = 0;

    veu_jbuf_lit(o, "{\"from\":");
    veu_jbuf_int(o, (int64_t)from);
    veu_jbuf_lit(o, ",\"to\":");
    veu_jbuf_int(o, (int64_t)to);
    veu_jbuf_lit(o, ",\"changes\":[");
    for (size_t i = 0; i < n; i++) {
        const char *id = c[i].after != VEU_SNAP_NONE ? veu_snapshot_id(b, c[i].after)
                                                     : veu_snapshot_id(a, c[i].before);
        if (ids && !bsearch(&id, ids, n_ids, sizeof(char *), by_str)) {
            continue;
        }
        if (shown < limit) {
            veu_jbuf_raw(o, ",", shown ? 1 : 0);
            veu_snapshot_change_json(a, b, &c[i], o);
            shown++;
        }
        total++;
    }
    veu_jbuf_lit(o, "],\"total\":");
    veu_jbuf_int(o, (int64_t)total);
    veu_jbuf_lit(o, ",\"truncated\":");
    veu_jbuf_bool(o, shown < total);
    if (ids) { /* ids in neither graph: a typo would otherwise read as "no change" */
        veu_jbuf_lit(o, ",\"unknown\":[");
        for (size_t i = 0, k = 0; i < n_ids; i++) {
            size_t len = strlen(ids[i]);
            if (veu_snapshot_find(a, ids[i], len) == VEU_SNAP_NONE &&
                veu_snapshot_find(b, ids[i], len) == VEU_SNAP_NONE) {
                veu_jbuf_raw(o, ",", k++ ? 1 : 0);
                veu_jbuf_str(o, ids[i]);
            }
        }
        veu_jbuf_raw(o, "]", 1);
    }
    veu_jbuf_raw(o, "}", 1);
}

/* In the thread pool: maps the kept generation, compares and writes the result. */
static void work(uv_work_t *w)
{
    veu_changes_job_t *job = w->data;
    const veu_snapshot_t *b = job->to->snap;
    uint64_t to = job->to->generation, oldest, before;

    veu_kept_scan(job->state, to, &oldest, &before);
    if (!job->since) {
        if (!before) {
            job->code = "not_found";
            snprintf(job->err, sizeof(job->err),
                     "no generation before %" PRIu64 " is kept to compare with", to);
            return;
        }
        job->since = before;
    }
    if (job->since > to) {
        job->code = "not_found";
        snprintf(job->err, sizeof(job->err),
                 "generation %" PRIu64 " does not exist yet; %" PRIu64 " is serving", job->since,
                 to);
        return;
    }
    veu_snapref_t *opened = NULL; /* not when since is the graph itself: its refs are the loop's */
    if (job->since != to &&
        !(opened = veu_kept_open(job->state, job->since, job->err, sizeof(job->err)))) {
        job->code = "not_found";
        return;
    }
    const veu_snapshot_t *a = opened ? opened->snap : b;
    veu_change_t *c = NULL;
    size_t n = 0;
    if (veu_snapshot_changes(a, b, &c, &n) < 0) {
        job->code = "internal";
        snprintf(job->err, sizeof(job->err), "out of memory comparing the generations");
    } else {
        render(&job->out, a, b, job->since, to, c, n, job->limit, job->ids, job->n_ids);
    }
    free(c);
    if (opened) { /* this thread's own mapping: no other holder */
        veu_snapshot_close(opened->snap);
        free(opened);
    }
}

static void unlink_job(veu_server_t *srv, veu_changes_job_t *job)
{
    for (veu_changes_job_t **p = &srv->changes_jobs; *p; p = &(*p)->next) {
        if (*p == job) {
            *p = job->next;
            srv->n_changes_jobs--;
            return;
        }
    }
}

static void job_free(veu_changes_job_t *job)
{
    veu_snapref_put(job->to);
    for (size_t i = 0; i < job->n_ids; i++) {
        free(job->ids[i]);
    }
    free(job->ids);
    free(job->id_json);
    veu_jbuf_destroy(&job->out);
    free(job);
}

static void done(uv_work_t *w, int status)
{
    veu_changes_job_t *job = w->data;
    veu_server_t *srv = job->srv;

    unlink_job(srv, job);
    if (status < 0 && !job->code) {
        job->code = "internal";
        snprintf(job->err, sizeof(job->err), "the comparison was cancelled: %s",
                 uv_strerror(status));
    }
    if (job->conn && !job->conn->closing) {
        veu_req_t r = {.srv = srv,
                       .conn = job->conn,
                       .slot = job->slot,
                       .id_json = job->id_json,
                       .inline_form = job->inline_form,
                       .snap = job->to,
                       .generation = job->to->generation,
                       .op = job->op};
        int rc = VEU_OP_OK;
        veu_jbuf_reset(&srv->res);
        if (job->code) {
            rc = veu_req_fail(&r, job->code, "%s", job->err);
        } else {
            veu_jbuf_raw(&srv->res, job->out.buf, job->out.len);
            if (veu_jbuf_failed(&job->out)) {
                rc = veu_req_fail(&r, "internal", "out of memory writing the changes");
            }
        }
        veu_req_finish(&r, rc);
        veu_conn_flush(job->conn);
    }
    veu_log(LOG_DEBUG, "changes %" PRIu64 " to %" PRIu64 ": %s (%lld ms)", job->since,
            job->to->generation, job->code ? job->err : "answered",
            (long long)(veu_now_ms() - job->started_ms));
    job_free(job);
    srv->on_work_done(srv);
}

/*
 * The changes the last rebuild worked out (from the generation it replaced
 * to the one serving) answer the first question after it on the loop:
 * O(changes) to filter, O(limit) to write.  0 when answered, -1 when they
 * do not apply.
 */
static int from_last_rebuild(veu_req_t *r, uint64_t since, unsigned limit, json_t *entities,
                             veu_jbuf_t *res)
{
    veu_server_t *srv = r->srv;
    size_t n = entities ? json_array_size(entities) : 0;

    if (!srv->chg || !srv->chg_from || r->snap != srv->cur ||
        (since && since != srv->chg_from->generation)) {
        return -1;
    }
    const char **ids = entities ? malloc((n ? n : 1) * sizeof(char *)) : NULL;
    if (entities && !ids) {
        return -1; /* the thread pool will try */
    }
    for (size_t i = 0; i < n; i++) {
        ids[i] = json_string_value(json_array_get(entities, i));
    }
    if (n > 1) {
        qsort(ids, n, sizeof(char *), by_str);
    }
    render(res, srv->chg_from->snap, r->snap->snap, srv->chg_from->generation, r->snap->generation,
           srv->chg, srv->n_chg, limit, (char *const *)ids, n);
    free(ids);
    return 0;
}

int veu_changes_start(veu_req_t *r, uint64_t since, unsigned limit, json_t *entities,
                      veu_jbuf_t *res)
{
    veu_server_t *srv = r->srv;
    unsigned mine = 0;

    if (from_last_rebuild(r, since, limit, entities, res) == 0) {
        return VEU_OP_OK;
    }
    for (veu_changes_job_t *j = srv->changes_jobs; j; j = j->next) {
        mine += j->conn == r->conn;
    }
    if (srv->stopping) {
        return veu_req_fail(r, "busy", "the daemon is shutting down");
    }
    if (mine >= CHANGES_PER_CONN || srv->n_changes_jobs >= CHANGES_JOBS) {
        return veu_req_fail(r, "busy",
                            "%u comparisons of generations are under way (%u of them this "
                            "connection's); ask again when they are answered",
                            srv->n_changes_jobs, mine);
    }
    veu_changes_job_t *job = calloc(1, sizeof(*job));
    if (!job) {
        return veu_req_fail(r, "internal", "out of memory");
    }
    veu_jbuf_init(&job->out);
    size_t n = entities ? json_array_size(entities) : 0;
    if (entities && !(job->ids = calloc(n ? n : 1, sizeof(char *)))) {
        free(job);
        return veu_req_fail(r, "internal", "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(entities, i);
        if (!(job->ids[job->n_ids] = strndup(json_string_value(x), json_string_length(x)))) {
            job_free(job);
            return veu_req_fail(r, "internal", "out of memory");
        }
        job->n_ids++;
    }
    if (job->n_ids > 1) {
        qsort(job->ids, job->n_ids, sizeof(char *), by_str);
    }
    job->srv = srv;
    job->conn = r->conn;
    job->slot = r->slot;
    job->id_json = r->id_json ? strdup(r->id_json) : NULL;
    job->inline_form = r->inline_form;
    job->op = r->op;
    job->to = veu_snapref_get(r->snap);
    snprintf(job->state, sizeof(job->state), "%s", srv->cfg.state);
    job->since = since;
    job->limit = limit;
    job->started_ms = veu_now_ms();
    job->work.data = job;
    if ((r->id_json && !job->id_json) || uv_queue_work(srv->loop, &job->work, work, done) < 0) {
        job_free(job);
        return veu_req_fail(r, "internal", "cannot queue the comparison");
    }
    job->next = srv->changes_jobs;
    srv->changes_jobs = job;
    srv->n_changes_jobs++;
    return VEU_OP_PENDING;
}

void veu_changes_forget_conn(veu_server_t *srv, veu_conn_t *c)
{
    for (veu_changes_job_t *j = srv->changes_jobs; j; j = j->next) {
        if (j->conn == c) {
            j->conn = NULL, j->slot = NULL;
        }
    }
}

bool veu_changes_idle(const veu_server_t *srv)
{
    return !srv->changes_jobs;
}
