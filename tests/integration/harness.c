/* SPDX-License-Identifier: MIT */
/* harness.c: see harness.h. */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#ifndef VEUD_PATH
#error VEUD_PATH must name the veud binary
#endif
#ifndef SAMPLE_DIR
#error SAMPLE_DIR must name the bundled dataset
#endif

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static char *logbuf;
static size_t loglen, logcap;
static pthread_t reader;
static int reader_fd = -1;
static bool reader_eof; /* the daemon closed its stderr: it has exited */

static void *read_log(void *arg)
{
    char buf[4096];
    ssize_t n;
    (void)arg;
    while ((n = read(reader_fd, buf, sizeof(buf))) > 0) {
        pthread_mutex_lock(&mu);
        if (loglen + (size_t)n + 1 > logcap) {
            logcap = (loglen + (size_t)n + 1) * 2;
            logbuf = realloc(logbuf, logcap);
        }
        memcpy(logbuf + loglen, buf, (size_t)n);
        loglen += (size_t)n;
        logbuf[loglen] = '\0';
        if (getenv("HX_VERBOSE")) {
            fwrite(buf, 1, (size_t)n, stderr);
        }
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
    }
    pthread_mutex_lock(&mu);
    reader_eof = true;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

void hx_start(hx_daemon_t *d, const char *data_dir, const char *config_extra)
{
    char conf[400], tmpl[] = "/tmp/veu-it-XXXXXX";
    int p[2];

    memset(d, 0, sizeof(*d));
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    snprintf(d->dir, sizeof(d->dir), "%s", tmpl);
    snprintf(d->sock, sizeof(d->sock), "%s/veud.sock", d->dir);
    snprintf(d->data, sizeof(d->data), "%s", data_dir);
    snprintf(conf, sizeof(conf), "%s/veud.conf", d->dir);
    FILE *f = fopen(conf, "w");
    fprintf(f, "[daemon]\nsocket = %s\nstate = %s/state\ndata = %s\nrebuild_interval = 0\n",
            d->sock, d->dir, data_dir);
    if (config_extra) {
        fputs(config_extra, f);
    }
    fclose(f);
    ck_assert_int_eq(pipe(p), 0);
    pthread_mutex_lock(&mu);
    reader_eof = false;
    loglen = 0;
    if (logbuf) {
        logbuf[0] = '\0';
    }
    pthread_mutex_unlock(&mu);
    d->pid = fork();
    ck_assert_int_ge(d->pid, 0);
    if (d->pid == 0) {
        /* a test that fails or is killed takes its daemon with it */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == 1) {
            _exit(127);
        }
        /* limits for fault tests, inherited by the builder too */
        static const struct {
            const char *env;
            int res;
        } lim[] = {{"HX_NOFILE", RLIMIT_NOFILE}, {"HX_FSIZE", RLIMIT_FSIZE}, {"HX_AS", RLIMIT_AS}};
        for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
            const char *v = getenv(lim[i].env);
            if (v) {
                struct rlimit rl = {(rlim_t)strtoull(v, NULL, 10), (rlim_t)strtoull(v, NULL, 10)};
                setrlimit(lim[i].res, &rl);
            }
        }
        dup2(p[1], 2);
        /*
         * veud starts with 0, 1 and 2 only, as systemd starts it: descriptors the
         * test runner leaves open would eat into the fault tests' RLIMIT_NOFILE
         */
        close_range(3, ~0U, 0);
        if (getenv("HX_ACTIVATE")) {
            /* socket activation as systemd does it: the socket exists before veud */
            execlp("systemd-socket-activate", "systemd-socket-activate", "-l", d->sock, VEUD_PATH,
                   "--config", conf, (char *)NULL);
        } else if (getenv("VEU_VALGRIND")) {
            /* scripts/test --valgrind: any error or leak makes veud exit 99 */
            execlp("valgrind", "valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
                   "--show-leak-kinds=definite,indirect,possible",
                   "--errors-for-leak-kinds=definite,indirect,possible", "--trace-children=no",
                   VEUD_PATH, "--config", conf, (char *)NULL);
        } else {
            const char *exe = getenv("HX_VEUD") ? getenv("HX_VEUD") : VEUD_PATH;
            execl(exe, exe, "--config", conf, (char *)NULL);
        }
        _exit(127);
    }
    close(p[1]);
    reader_fd = p[0];
    d->err_fd = p[0];
    ck_assert_int_eq(pthread_create(&reader, NULL, read_log, NULL), 0);
}

static int count_of(const char *text)
{
    int n = 0;
    for (const char *p = logbuf; p && (p = strstr(p, text)); p++) {
        n++;
    }
    return n;
}

bool hx_wait_log(hx_daemon_t *d, const char *text, int timeout_ms)
{
    return hx_wait_count(d, text, 1, timeout_ms);
}

bool hx_wait_count(hx_daemon_t *d, const char *text, int want, int timeout_ms)
{
    struct timespec until;
    bool found;
    (void)d;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&mu);
    while (!(found = count_of(text) >= want) && !reader_eof) {
        if (pthread_cond_timedwait(&cv, &mu, &until) == ETIMEDOUT) {
            found = count_of(text) >= want;
            break;
        }
    }
    pthread_mutex_unlock(&mu);
    return found;
}

const char *hx_log(hx_daemon_t *d)
{
    (void)d;
    return logbuf ? logbuf : "";
}

int hx_stop(hx_daemon_t *d)
{
    if (d->pid > 0) {
        kill(d->pid, SIGTERM);
    }
    return hx_wait_exit(d);
}

int hx_wait_exit(hx_daemon_t *d)
{
    int st;

    if (d->pid <= 0) {
        return 0;
    }
    ck_assert_int_eq(waitpid(d->pid, &st, 0), d->pid);
    d->pid = 0;
    pthread_join(reader, NULL);
    close(reader_fd);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", d->dir);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

char *hx_start_sample(hx_daemon_t *d, const char *config_extra)
{
    char *data = hx_copy_sample();
    hx_start(d, data, config_extra);
    ck_assert_msg(hx_wait_log(d, "generation 1 serving", 60000), "no first build:\n%s", hx_log(d));
    return data;
}

void hx_finish(hx_daemon_t *d, char *data)
{
    int rc = hx_stop(d);
    ck_assert_msg(rc == 0, "veud exited with %d", rc);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", data);
    ck_assert_int_eq(system(cmd), 0);
    free(data);
}

int hx_connect(const hx_daemon_t *d)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    memcpy(sa.sun_path, d->sock, strlen(d->sock) + 1);
    ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect %s: %s", d->sock,
                  strerror(errno));
    return fd;
}

void hx_send(int fd, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, data + off, len - off, MSG_NOSIGNAL);
        ck_assert_msg(w > 0, "send: %s", strerror(errno));
        off += (size_t)w;
    }
}

char *hx_readline(int fd, int timeout_ms)
{
    size_t len = 0, cap = 256;
    char *line = malloc(cap);

    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) <= 0) {
            free(line);
            return NULL;
        }
        char ch;
        ssize_t r = recv(fd, &ch, 1, 0);
        if (r <= 0) {
            free(line);
            return NULL;
        }
        if (ch == '\n') {
            line[len] = '\0';
            return line;
        }
        if (len + 2 > cap) {
            cap *= 2;
            line = realloc(line, cap);
        }
        line[len++] = ch;
    }
}

json_t *hx_ask(const hx_daemon_t *d, const char *req)
{
    int fd = hx_connect(d);
    hx_send(fd, req, strlen(req));
    hx_send(fd, "\n", 1);
    char *line = hx_readline(fd, 30000);
    close(fd);
    ck_assert_msg(line != NULL, "no answer to %s; the daemon's log:\n%s", req, hx_log(NULL));
    json_error_t je;
    json_t *j = json_loads(line, 0, &je);
    ck_assert_msg(j != NULL, "answer is not JSON: %s", line);
    free(line);
    return j;
}

char *hx_copy_sample(void)
{
    char tmpl[] = "/tmp/veu-data-XXXXXX", cmd[600];
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    snprintf(cmd, sizeof(cmd), "cp '%s'/*.csv '%s'/", SAMPLE_DIR, tmpl);
    ck_assert_int_eq(system(cmd), 0);
    return strdup(tmpl);
}

int hx_run(Suite *s)
{
    SRunner *r = srunner_create(s);
    srunner_set_fork_status(r, CK_NOFORK);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
