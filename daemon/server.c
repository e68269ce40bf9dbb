/* SPDX-License-Identifier: MIT */
/*
 * server.c: the serving process.  Creates the listening socket safely
 * (locked, bound under a temporary name, mode set, renamed into place;
 * a stale socket is replaced only when nobody listens on it), maps the
 * newest snapshot of our data directory, starts the first rebuild, and
 * runs the loop until SIGTERM or SIGINT: then it stops accepting, ends a
 * running builder, sends every answer owed, removes the socket and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "asof.h"
#include "changes.h"
#include "conn.h"
#include "kept.h"
#include "log.h"
#include "main.h"
#include "notify.h"
#include "proto.h"
#include "watch.h"
#include "rebuild.h"
#include "reconfig.h"
#include "served.h"
#include "server.h"

#define STOP_GRACE_MS 10000 /* clients that will not read their answers are cut after this */

int64_t veu_now_ms(void)
{
    return (int64_t)(uv_hrtime() / 1000000);
}

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    veu_notify("WATCHDOG=1");
}

static void on_listener_closed(uv_handle_t *h)
{
    (void)h;
}

static void close_all(veu_server_t *srv)
{
    uv_close((uv_handle_t *)&srv->sig_term, NULL);
    uv_close((uv_handle_t *)&srv->sig_int, NULL);
    uv_close((uv_handle_t *)&srv->sig_hup, NULL);
    uv_close((uv_handle_t *)&srv->sig_usr1, NULL);
    veu_audit_close(&srv->audit);
    uv_close((uv_handle_t *)&srv->rebuild_timer, NULL);
    uv_close((uv_handle_t *)&srv->rb.deadline, NULL);
    uv_close((uv_handle_t *)&srv->rb.retry, NULL);
    uv_close((uv_handle_t *)&srv->stop_timer, NULL);
    uv_close((uv_handle_t *)&srv->watchdog, NULL);
    uv_close((uv_handle_t *)&srv->batch, NULL);
    uv_close((uv_handle_t *)&srv->next_turn, NULL);
    veu_kept_cleanup(srv);
    veu_asof_cleanup(srv);
    veu_watch_cleanup(srv);
    veu_rebuild_forget_changes(srv);
}

/* Ends the loop once stopping and nothing is left: no client, no builder (on_work_done). */
static void maybe_exit(veu_server_t *srv)
{
    if (!srv->stopping || srv->conns || srv->rb.running || srv->rb.proc_open || srv->rb.err_open ||
        veu_follow_busy(srv) || !veu_asof_idle(srv) || !veu_changes_idle(srv) ||
        !veu_kept_idle(srv) || uv_is_closing((uv_handle_t *)&srv->sig_term)) {
        return;
    }
    close_all(srv);
}

/* A connection closes: the work still owed to it is answered to no one. */
static void on_conn_closing(veu_server_t *srv, veu_conn_t *c)
{
    veu_rebuild_forget_conn(srv, c);
    veu_asof_forget_conn(srv, c);
    veu_changes_forget_conn(srv, c);
    veu_kept_forget_conn(srv, c);
    veu_watch_forget_conn(srv, c);
}

static void on_stop_grace(uv_timer_t *t)
{
    veu_server_t *srv = t->data;
    while (srv->conns) {
        veu_log(LOG_NOTICE, "client %llu did not take its answers in time; closed",
                (unsigned long long)srv->conns->id);
        veu_conn_close(srv->conns, true);
    }
}

static void stop(veu_server_t *srv, const char *why)
{
    if (srv->stopping) {
        return;
    }
    srv->stopping = true;
    veu_notify("STOPPING=1");
    uv_timer_stop(&srv->watchdog);
    veu_log(LOG_INFO, "%s: stopping; finishing the answers owed", why);
    if (srv->listening) {
        uv_close((uv_handle_t *)&srv->listener, on_listener_closed);
        srv->listening = false;
        if (srv->own_socket_file) {
            unlink(srv->cfg.socket);
        }
    }
    veu_rebuild_timer_set(srv, 0);
    uv_timer_stop(&srv->rb.retry);
    veu_rebuild_stop(srv);
    veu_follow_stop(srv);
    veu_asof_stop(srv);
    for (veu_conn_t *c = srv->conns, *next; c; c = next) {
        next = c->next;
        veu_conn_stop_reading(c);
        veu_conn_flush(c); /* closes the ones that owe nothing */
    }
    uv_timer_start(&srv->stop_timer, on_stop_grace, STOP_GRACE_MS, 0);
    maybe_exit(srv);
}

static void on_signal(uv_signal_t *h, int sig)
{
    veu_server_t *srv = h->data;

    if (sig == SIGHUP) {
        char err[1024];
        if (veu_server_reconfigure(srv, err, sizeof(err)) < 0) {
            return; /* logged: a file that does not read changes nothing, builds nothing */
        }
        if (srv->cfg.follow) {
            veu_log(LOG_INFO, "SIGHUP: configuration read again; a follower builds nothing, "
                              "and serves the newest snapshot of its [policy]");
            veu_follow_reconfigured(srv);
            return;
        }
        veu_log(LOG_INFO, "SIGHUP: configuration read again; rebuilding");
        veu_rebuild_trigger(srv, true, NULL);
        return;
    }
    if (sig == SIGUSR1) {
        veu_audit_reopen(&srv->audit);
        return;
    }
    stop(srv, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void on_connection(uv_stream_t *server, int status)
{
    veu_server_t *srv = server->data;

    if (status < 0) {
        veu_log(LOG_WARNING, "accept: %s", uv_strerror(status));
        return;
    }
    veu_conn_accept(srv);
}

/* A socket passed by systemd (LISTEN_FDS), or -1. */
static int activated_fd(void)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

    if (!pid || !fds || atol(pid) != (long)getpid() || atoi(fds) < 1) {
        return -1;
    }
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    fcntl(3, F_SETFD, FD_CLOEXEC);
    return 3;
}

/* Is someone listening on path?  1 yes, 0 no (stale or absent), -1 not a socket. */
static int probe(const char *path)
{
    struct stat st;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd, rc;

    if (lstat(path, &st) < 0) {
        return 0;
    }
    if (!S_ISSOCK(st.st_mode)) {
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return 0;
    }
    if (strlen(path) >= sizeof(sa.sun_path)) {
        close(fd);
        return 0;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 1 : 0;
    close(fd);
    return rc;
}

static int make_socket(veu_server_t *srv)
{
    const char *path = srv->cfg.socket;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char tmp[PATH_MAX], lock[PATH_MAX];
    int fd;

    if (strlen(path) + 16 >= sizeof(sa.sun_path)) {
        veu_log(LOG_ERR, "socket path '%s' is too long for a Unix socket (%zu bytes at most)", path,
                sizeof(sa.sun_path) - 16);
        return -ENAMETOOLONG;
    }
    snprintf(lock, sizeof(lock), "%s.lock", path);
    srv->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (srv->lock_fd < 0) {
        veu_log(LOG_ERR, "cannot open lock file '%s': %s", lock, strerror(errno));
        return -errno;
    }
    if (flock(srv->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        veu_log(LOG_ERR, "another veud is serving on '%s' (lock '%s' is held); not starting", path,
                lock);
        return -EADDRINUSE;
    }
    switch (probe(path)) {
    case 1:
        veu_log(LOG_ERR, "another process listens on '%s'; not starting", path);
        return -EADDRINUSE;
    case -1:
        veu_log(LOG_ERR, "'%s' exists and is not a socket; not replacing it", path);
        return -EEXIST;
    default:
        break;
    }
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    unlink(tmp);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    memcpy(sa.sun_path, tmp, strlen(tmp) + 1);
    mode_t old = umask(0177); /* no one else may connect before the mode is set */
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc < 0 || chmod(tmp, srv->cfg.socket_mode) < 0 || listen(fd, 511) < 0 ||
        rename(tmp, path) < 0) {
        rc = -errno;
        veu_log(LOG_ERR, "cannot create socket '%s': %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
        return rc;
    }
    srv->own_socket_file = true;
    return fd;
}

static int prepare_state(veu_server_t *srv)
{
    if (mkdir(srv->cfg.state, 0750) < 0 && errno != EEXIST) {
        veu_log(LOG_ERR, "cannot create state directory '%s': %s", srv->cfg.state, strerror(errno));
        return -errno;
    }
    struct stat st;
    if (stat(srv->cfg.state, &st) == 0 && (st.st_uid != getuid() || (st.st_mode & 0022))) {
        /* whoever can write there can make veud serve what they like (docs/security.md) */
        veu_log(LOG_WARNING,
                "state directory '%s' is %s: a snapshot put there by someone else would be "
                "served; make it veud's own, mode 0750",
                srv->cfg.state,
                st.st_uid != getuid() ? "owned by another user" : "writable by others");
    }
    if (access(srv->cfg.state, W_OK) < 0) {
        veu_log(LOG_ERR, "state directory '%s' is not writable: %s", srv->cfg.state,
                strerror(errno));
        return -errno;
    }
    return 0;
}

int veu_serve_main(const veu_config_t *cfg, const veu_config_src_t *src)
{
    static veu_server_t S;
    veu_server_t *srv = &S;
    int fd, rc;

    memset(srv, 0, sizeof(*srv));
    srv->cfg = *cfg;
    srv->src = *src;
    srv->on_line = veu_proto_handle;
    srv->on_closing = on_conn_closing;
    srv->on_work_done = maybe_exit;
    srv->loop = uv_default_loop();
    srv->uid = getuid();
    srv->started_ms = veu_now_ms();
    srv->started_wall = time(NULL);
    srv->lock_fd = -1;
    srv->exe_fd = -1;
    snprintf(srv->rb.status, sizeof(srv->rb.status), "none");
    veu_jbuf_init(&srv->out);
    veu_jbuf_init(&srv->res);
    veu_jbuf_init(&srv->aud);
    signal(SIGPIPE, SIG_IGN);
    veu_notify_init();

    ssize_t n = readlink("/proc/self/exe", srv->exe, sizeof(srv->exe) - 1);
    if (n <= 0) {
        veu_log(LOG_ERR, "cannot find our own executable: %s", strerror(errno));
        return EX_OSERR;
    }
    srv->exe[n] = '\0';
    /*
     * Builders run this very image, even after a package upgrade replaced the
     * file: a builder of another version would write snapshots of a format
     * this server may not read.  The descriptor stays open (no CLOEXEC) so
     * the child can exec /proc/self/fd/N.
     */
    srv->exe_fd = open("/proc/self/exe", O_RDONLY);
    if (srv->exe_fd >= 0) {
        snprintf(srv->exe_run, sizeof(srv->exe_run), "/proc/self/fd/%d", srv->exe_fd);
    } else {
        snprintf(srv->exe_run, sizeof(srv->exe_run), "%s", srv->exe);
    }
    if (!realpath(cfg->data, srv->data_real)) {
        veu_log(LOG_WARNING, "data directory '%s': %s; serving a snapshot if there is one",
                cfg->data, strerror(errno));
        snprintf(srv->data_real, sizeof(srv->data_real), "%s", cfg->data);
    }
    if (prepare_state(srv) < 0) {
        return EX_CANTCREAT;
    }
    fd = activated_fd();
    if (fd >= 0) {
        veu_log(LOG_INFO, "using the socket passed by systemd (LISTEN_FDS)");
    } else {
        fd = make_socket(srv);
        if (fd < 0) {
            return fd == -EADDRINUSE ? EX_UNAVAILABLE : EX_CANTCREAT;
        }
    }
    uv_pipe_init(srv->loop, &srv->listener, 0);
    srv->listener.data = srv;
    if ((rc = uv_pipe_open(&srv->listener, fd)) < 0 ||
        (rc = uv_listen((uv_stream_t *)&srv->listener, 511, on_connection)) < 0) {
        veu_log(LOG_ERR, "cannot listen on '%s': %s", cfg->socket, uv_strerror(rc));
        return EX_CANTCREAT;
    }
    srv->listening = true;

    uv_signal_init(srv->loop, &srv->sig_term);
    uv_signal_init(srv->loop, &srv->sig_int);
    uv_signal_init(srv->loop, &srv->sig_hup);
    srv->sig_term.data = srv->sig_int.data = srv->sig_hup.data = srv;
    uv_signal_start(&srv->sig_term, on_signal, SIGTERM);
    uv_signal_start(&srv->sig_int, on_signal, SIGINT);
    uv_signal_start(&srv->sig_hup, on_signal, SIGHUP);
    uv_signal_init(srv->loop, &srv->sig_usr1);
    srv->sig_usr1.data = srv;
    uv_signal_start(&srv->sig_usr1, on_signal, SIGUSR1);
    if (veu_audit_init(&srv->audit, srv->loop, cfg->audit_log) < 0) {
        veu_log(LOG_WARNING, "risk and screen will answer 'internal' until the audit log opens");
    }
    uv_timer_init(srv->loop, &srv->rebuild_timer);
    uv_timer_init(srv->loop, &srv->rb.deadline);
    srv->rb.deadline.data = srv;
    uv_timer_init(srv->loop, &srv->rb.retry);
    srv->rb.retry.data = srv;
    uv_unref((uv_handle_t *)&srv->rb.deadline); /* the builder it watches keeps the loop */
    uv_timer_init(srv->loop, &srv->stop_timer);
    srv->rebuild_timer.data = srv->stop_timer.data = srv;
    uv_timer_init(srv->loop, &srv->watchdog);
    veu_kept_init(srv);
    veu_asof_init(srv);
    uv_idle_init(srv->loop, &srv->next_turn);
    srv->next_turn.data = srv;
    uv_check_init(srv->loop, &srv->batch);
    srv->batch.data = srv;
    uv_check_start(&srv->batch, veu_conn_batch);
    uv_unref((uv_handle_t *)&srv->batch); /* work for it comes from clients, which keep the loop */
    if (veu_notify_watchdog_usec()) {
        /* a loop that stops turning stops pinging, and systemd restarts us */
        uint64_t ms = veu_notify_watchdog_usec() / 2000;
        uv_timer_start(&srv->watchdog, on_watchdog, ms ? ms : 1, ms ? ms : 1);
        uv_unref((uv_handle_t *)&srv->watchdog);
    }
    veu_server_status(srv);

    unsigned asked = srv->cfg.max_clients;
    if (veu_config_fit_clients(&srv->cfg, true) < asked) {
        veu_log(LOG_NOTICE,
                "max_clients lowered from %u to %u: the descriptor limit (RLIMIT_NOFILE) "
                "leaves %u for clients after %d for builders, snapshots and the rest; raise "
                "LimitNOFILE= to serve more",
                asked, srv->cfg.max_clients, srv->cfg.max_clients, VEU_FD_RESERVE);
    }
    veu_log(LOG_INFO, "veud %s serving on %s (data %s, state %s)", VEU_VERSION, cfg->socket,
            srv->data_real, cfg->state);
    veu_names_init();
    if (cfg->follow) {
        veu_follow_start(srv); /* serves what a producer renames in; builds nothing */
    } else {
        bool have = veu_rebuild_load_newest(srv) == 0;
        if (!have) {
            veu_log(LOG_INFO, "no snapshot of this data directory yet: building the first one");
        }
        veu_rebuild_trigger(srv, !have, NULL);
        veu_rebuild_timer_set(srv, cfg->rebuild_interval);
    }

    uv_run(srv->loop, UV_RUN_DEFAULT);

    veu_server_swap(srv, NULL);
    free(srv->rb.waiters);
    free(srv->rb.next_waiters);
    veu_jbuf_destroy(&srv->out);
    veu_jbuf_destroy(&srv->res);
    veu_jbuf_destroy(&srv->aud);
    veu_cache_destroy(&srv->cache);
    json_decref(srv->inline_req);
    veu_names_cleanup();
    rc = uv_loop_close(srv->loop);
    if (rc != 0) {
        veu_log(LOG_WARNING, "event loop closed with handles still open: %s", uv_strerror(rc));
    }
    if (srv->lock_fd >= 0) {
        close(srv->lock_fd);
    }
    if (srv->exe_fd >= 0) {
        close(srv->exe_fd);
    }
    veu_log(LOG_INFO, "stopped");
    return 0;
}
