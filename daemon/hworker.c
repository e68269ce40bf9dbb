/* SPDX-License-Identifier: MIT */
/*
 * hworker.c: see hworker.h.  An answer for another day used to start a
 * builder process per part; at 1M entities half of such an answer's time
 * was that process: starting, mapping the snapshot's pages again, growing
 * a fresh heap.  A worker does the same work for one part after another.
 *
 * A worker belongs to one graph (the snapshot it maps) and one policy (the
 * digest of every setting that changes an answer): a job goes only to a worker whose graph and
 * policy are the job's, so an answer is the one a fresh builder would give.  A worker of a graph no
 * longer served, or of a policy no longer in force, is ended when it is idle: its end of the socket
 * is closed, it sees that and exits. A worker that dies on a job fails that job as a builder that
 * died would, and the next job starts a new one.
 *
 * The socket is polled with uv_poll: libuv's pipes pass only its own
 * handles, and a job carries a memory file.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "builder.h"
#include "hworker.h"
#include "log.h"
#include "server.h"
#include "snapref.h"
#include "veu/build.h"
#include "veu/policy.h"

struct veu_hworker {
    veu_hworker_t *next;
    veu_server_t *srv;
    uv_process_t proc;
    uv_poll_t poll;
    int sock; /* the server's end, or -1 once closed */
    veu_snapref_t *base;
    char policy[17]; /* the digest of the policy it was started under (veu_policy_digest) */
    veu_hworker_done_fn done; /* the job under way, or NULL: idle */
    void *ctx;
    int handles; /* open: freed when none is left */
    bool exited, ending;
};

static void unlink_worker(veu_hworker_t *w)
{
    for (veu_hworker_t **p = &w->srv->hworkers; *p; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            return;
        }
    }
}

static void handle_closed(uv_handle_t *h)
{
    veu_hworker_t *w = h->data;
    if (--w->handles == 0) {
        unlink_worker(w);
        veu_snapref_put(w->base);
        veu_server_t *srv = w->srv;
        free(w);
        srv->on_work_done(srv); /* stopping waits for the workers to be gone */
    }
}

/* Stops listening to the worker: it sees its socket closed and exits. */
static void close_socket(veu_hworker_t *w)
{
    if (w->sock >= 0) {
        uv_close((uv_handle_t *)&w->poll, handle_closed);
        close(w->sock);
        w->sock = -1;
    }
}

static void end_worker(veu_hworker_t *w, const char *why)
{
    if (w->ending) {
        return;
    }
    w->ending = true;
    veu_log(LOG_DEBUG, "history: worker %d for generation %llu ended (%s)", w->proc.pid,
            (unsigned long long)w->base->generation, why);
    close_socket(w);
    if (!w->exited) {
        uv_process_kill(&w->proc, SIGTERM); /* it would exit on the closed socket anyway */
    }
}

/* Whether a job on base under the policy in force may go to w. */
static bool fits(const veu_hworker_t *w, const veu_snapref_t *base, const char *policy)
{
    return !w->ending && !w->exited && w->base == base && !strcmp(w->policy, policy);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    veu_hworker_t *w = p->data;
    w->exited = true;
    if (w->done) {
        veu_hworker_done_fn done = w->done;
        w->done = NULL;
        /* it died on the job: never a success, whatever it exited with */
        done(w->ctx, sig || status != VEU_EXIT_OK ? status : 70, sig);
    }
    w->ending = true;
    close_socket(w);
    uv_close((uv_handle_t *)&w->proc, handle_closed);
}

static void on_readable(uv_poll_t *h, int status, int events)
{
    veu_hworker_t *w = h->data;
    uint8_t code;
    ssize_t n = status < 0 ? -1 : recv(w->sock, &code, 1, MSG_DONTWAIT);

    (void)events;
    if (n < 0 && status == 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (n == 1 && w->done) {
        veu_hworker_done_fn done = w->done;
        w->done = NULL;
        done(w->ctx, code, 0);
        veu_hworker_retire(w->srv); /* this one too, if the graph or the policy moved on */
        return;
    }
    uv_poll_stop(h);
    if (n == 1) {
        uv_process_kill(&w->proc, SIGKILL); /* it answered a job no one sent */
    }
    if (!w->done) {
        end_worker(w, n == 1 ? "it said what no one asked" : "its socket closed");
    }
    /* else it is dying on the job: its exit (on_exit_cb) answers that */
}

static int start_worker(veu_server_t *srv, veu_snapref_t *base, const char *policy,
                        veu_hworker_t **ret)
{
    int sv[2];
    veu_hworker_t *w = calloc(1, sizeof(*w));

    if (!w) {
        return UV_ENOMEM;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        int rc = uv_translate_sys_error(errno);
        free(w);
        return rc;
    }
    const char *args[] = {"--worker"};
    uv_stdio_container_t stdio[5] = {
        {.flags = UV_IGNORE},
        {.flags = UV_IGNORE},
        {.flags = UV_INHERIT_FD, .data.fd = 2},
        {.flags = UV_INHERIT_FD, .data.fd = veu_snapshot_fd(base->snap)},
        {.flags = UV_INHERIT_FD, .data.fd = sv[1]},
    };
    w->srv = srv;
    w->proc.data = w;
    int rc = veu_builder_spawn(srv, &w->proc, "history", args, 1, stdio, 5, on_exit_cb);
    close(sv[1]);
    if (rc < 0) {
        close(sv[0]);
        free(w);
        return rc;
    }
    w->handles = 1;
    w->sock = sv[0];
    w->base = veu_snapref_get(base);
    memcpy(w->policy, policy, sizeof(w->policy));
    w->poll.data = w;
    if ((rc = uv_poll_init(srv->loop, &w->poll, w->sock)) < 0) {
        close(w->sock); /* not a handle yet: nothing to close on the loop */
        w->sock = -1;
        w->next = srv->hworkers;
        srv->hworkers = w;
        end_worker(w, "cannot poll its socket");
        return rc;
    }
    w->handles = 2;
    uv_poll_start(&w->poll, UV_READABLE | UV_DISCONNECT, on_readable);
    w->next = srv->hworkers;
    srv->hworkers = w;
    veu_log(LOG_DEBUG, "history: worker %d started for generation %llu", w->proc.pid,
            (unsigned long long)base->generation);
    *ret = w;
    return 0;
}

/* Sends the job to w; 0, or a negative libuv error (w is ended then). */
static int send_job(veu_hworker_t *w, const char *day, uint32_t max_entities, int xfd)
{
    veu_hworker_job_t job = {.max_entities = max_entities};
    snprintf(job.day, sizeof(job.day), "%s", day);
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    memset(&ctl, 0, sizeof(ctl));
    struct iovec iov = {.iov_base = &job, .iov_len = sizeof(job)};
    struct msghdr mh = {.msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = ctl.buf,
                        .msg_controllen = sizeof(ctl.buf)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &xfd, sizeof(int));
    /* one small packet on an idle socket: it does not wait */
    if (sendmsg(w->sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)sizeof(job)) {
        int rc = uv_translate_sys_error(errno);
        end_worker(w, "its socket refused a job");
        return rc;
    }
    return 0;
}

int veu_hworker_run(veu_server_t *srv, veu_snapref_t *base, const char *day, uint32_t max_entities,
                    int xfd, veu_hworker_done_fn done, void *ctx)
{
    char policy[17];
    int rc;

    veu_policy_digest(&srv->cfg.policy, policy);
    veu_hworker_retire(srv);
    veu_hworker_t *w = NULL;
    for (veu_hworker_t *x = srv->hworkers; x && !w; x = x->next) {
        if (!x->done && fits(x, base, policy)) {
            w = x;
        }
    }
    /*
     * An idle worker that died a moment ago, its exit not heard of yet,
     * refuses the job: a new one takes it.  A new one that refuses it fails
     * the job.
     */
    if (w && send_job(w, day, max_entities, xfd) == 0) {
        rc = 0;
    } else if ((rc = start_worker(srv, base, policy, &w)) == 0) {
        rc = send_job(w, day, max_entities, xfd);
    }
    if (rc < 0) {
        return rc;
    }
    w->done = done;
    w->ctx = ctx;
    return 0;
}

void veu_hworker_retire(veu_server_t *srv)
{
    char policy[17];
    veu_policy_digest(&srv->cfg.policy, policy);
    for (veu_hworker_t *w = srv->hworkers; w; w = w->next) {
        if (!w->done && !w->ending && (srv->stopping || !fits(w, srv->cur, policy))) {
            end_worker(w, srv->stopping         ? "stopping"
                          : w->base != srv->cur ? "its graph is no longer served"
                                                : "the policy changed");
        }
    }
}

void veu_hworker_cleanup(veu_server_t *srv)
{
    for (veu_hworker_t *w = srv->hworkers; w; w = w->next) {
        end_worker(w, "stopping");
    }
}

unsigned veu_hworker_count(const veu_server_t *srv)
{
    unsigned n = 0;
    for (const veu_hworker_t *w = srv->hworkers; w; w = w->next) {
        n++;
    }
    return n;
}
