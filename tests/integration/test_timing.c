/* SPDX-License-Identifier: MIT */
/*
 * test_timing.c: clients that leave at every step of work the server does
 * for them later: a reload waiting on a build, several reloads on one
 * connection, a build stopped by SIGTERM, an answer for another day.  The
 * fuzzers send bytes; these tests send them at the moments where a callee
 * may close the connection under its caller (the security review's F1).
 * Each case checks that veud still serves and exits 0 on SIGTERM.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

static hx_daemon_t D;
static char *data;

static void start(const char *extra)
{
    data = hx_start_sample(&D, extra);
}

static void stop(void)
{
    hx_finish(&D, data);
}

static void assert_serving(void)
{
    json_t *a = hx_ask(&D, "ping");
    ck_assert_msg(json_is_true(json_object_get(a, "ok")), "ping failed after the case");
    json_decref(a);
}

/* Reads one answer line and checks it is ok with the given id. */
static void expect_ok(int fd, const char *id)
{
    char *l = hx_readline(fd, 60000);
    ck_assert_msg(l != NULL, "no answer for %s; log:\n%s", id, hx_log(&D));
    json_t *a = json_loads(l, 0, NULL);
    ck_assert_msg(a && json_is_true(json_object_get(a, "ok")), "answer %s: %s", id, l);
    ck_assert_str_eq(json_string_value(json_object_get(a, "id")), id);
    json_decref(a);
    free(l);
}

/* The contract's own example: one reload piped into socat, which half-closes at once. */
START_TEST(reload_then_half_close)
{
    start(NULL);
    int fd = hx_connect(&D);
    const char *req = "{\"op\":\"reload\",\"id\":\"r1\"}\n";
    hx_send(fd, req, strlen(req));
    shutdown(fd, SHUT_WR);
    expect_ok(fd, "r1");
    char *l = hx_readline(fd, 5000);
    ck_assert_msg(l == NULL, "more after the last answer: %s", l);
    close(fd);
    assert_serving();
    stop();
}
END_TEST

/* Two reloads that wait on one build, on one half-closed connection: both answered. */
START_TEST(two_reloads_one_connection)
{
    start(NULL);
    int fd = hx_connect(&D);
    const char *req = "{\"op\":\"reload\",\"id\":\"a\"}\n{\"op\":\"reload\",\"id\":\"b\"}\n";
    hx_send(fd, req, strlen(req));
    shutdown(fd, SHUT_WR);
    expect_ok(fd, "a");
    expect_ok(fd, "b");
    close(fd);
    assert_serving();
    stop();
}
END_TEST

/* Reloads on several connections, half of which leave before their answer. */
START_TEST(reload_waiters_that_leave)
{
    start(NULL);
    int fds[6];
    for (int i = 0; i < 6; i++) {
        char req[64];
        int k = snprintf(req, sizeof(req), "{\"op\":\"reload\",\"id\":\"w%d\"}\n", i);
        fds[i] = hx_connect(&D);
        hx_send(fds[i], req, (size_t)k);
        if (i % 2) {
            close(fds[i]); /* gone before the build ends */
        } else {
            shutdown(fds[i], SHUT_WR);
        }
    }
    for (int i = 0; i < 6; i += 2) {
        char id[8];
        snprintf(id, sizeof(id), "w%d", i);
        expect_ok(fds[i], id);
        close(fds[i]);
    }
    assert_serving();
    stop();
}
END_TEST

/* SIGTERM while a reload waits: the waiter gets its answer (or the close), veud exits 0. */
START_TEST(sigterm_while_reload_waits)
{
    start(NULL);
    int fd = hx_connect(&D);
    hx_send(fd, "reload\n", 7);
    shutdown(fd, SHUT_WR);
    ck_assert(hx_wait_count(&D, "rebuild started (builder pid ", 2, 10000));
    kill(D.pid, SIGTERM);
    char *l = hx_readline(fd, 30000); /* an answer, or a close: either, but no crash */
    free(l);
    close(fd);
    int rc = hx_wait_exit(&D); /* stopped by our SIGTERM, not a second one */
    ck_assert_msg(rc == 0, "veud exited with %d", rc);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", data);
    ck_assert_int_eq(system(cmd), 0);
    free(data);
}
END_TEST

/* An answer for another day whose client left at once, or half-closed. */
START_TEST(asof_client_leaves)
{
    start(NULL);
    const char *req = "{\"op\":\"risk\",\"entity\":\"co:pierburg\",\"as_of\":\"2001-01-01\","
                      "\"id\":\"d\"}\n";
    for (int i = 0; i < 4; i++) {
        int fd = hx_connect(&D);
        hx_send(fd, req, strlen(req));
        close(fd);
    }
    int fd = hx_connect(&D);
    hx_send(fd, req, strlen(req));
    shutdown(fd, SHUT_WR);
    expect_ok(fd, "d");
    close(fd);
    assert_serving();
    stop();
}
END_TEST

/*
 * A builder that cannot be started (no descriptor left for its pipes) while
 * a second reload waits in the same turn of the loop: both are answered,
 * and veud goes on (the review's F3: the second start re-initialised
 * handles still closing, and libuv aborted).
 */
START_TEST(builder_start_fails_twice_in_one_turn)
{
    start(NULL);
    int fd = hx_connect(&D);
    hx_send(fd, "ping\n", 5);
    free(hx_readline(fd, 10000)); /* accepted: its descriptor is taken */
    char path[64];
    int open_fds = 0;
    snprintf(path, sizeof(path), "/proc/%d/fd", (int)D.pid);
    DIR *d = opendir(path);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *de; (de = readdir(d));) {
        open_fds += de->d_name[0] != '.';
    }
    closedir(d);
    struct rlimit old, tight;
    ck_assert_int_eq(prlimit(D.pid, RLIMIT_NOFILE, NULL, &old), 0);
    /*
     * One descriptor to spare: a reload reads veud.conf first (one open at a
     * time), then the builder's start needs a socket pair and a pipe, two
     * each, and fails. With none to spare the configuration's read failed
     * first and the builder was never tried.
     */
    tight = (struct rlimit){(rlim_t)open_fds + 1, old.rlim_max}; /* the soft limit only */
    ck_assert_int_eq(prlimit(D.pid, RLIMIT_NOFILE, &tight, NULL), 0);
    const char *req = "{\"op\":\"reload\",\"id\":\"a\"}\n{\"op\":\"reload\",\"id\":\"b\"}\n";
    hx_send(fd, req, strlen(req));
    for (int i = 0; i < 2; i++) {
        char *l = hx_readline(fd, 30000);
        ck_assert_msg(l != NULL, "reload %d unanswered; log:\n%s", i, hx_log(&D));
        ck_assert_msg(strstr(l, "\"internal\"") && strstr(l, "cannot start the builder"), "%s", l);
        free(l);
    }
    ck_assert_msg(prlimit(D.pid, RLIMIT_NOFILE, &old, NULL) == 0, "prlimit: %s; log:\n%s",
                  strerror(errno), hx_log(&D));
    hx_send(fd, "reload\n", 7); /* and with descriptors again, a build runs */
    char *l = hx_readline(fd, 30000);
    ck_assert_msg(l && strstr(l, "\"ok\":true"), "%s", l ? l : "(nothing)");
    free(l);
    close(fd);
    assert_serving();
    stop();
}
END_TEST

/*
 * One connection may have ASOF_PER_CONN (8) answers for other days under
 * way; more in the same breath are told busy, and the rest are answered
 * (the review's F10: any client could fill the builders' queue).
 */
START_TEST(asof_jobs_per_connection)
{
    start(NULL);
    char cmd[600];
    snprintf(cmd, sizeof(cmd),
             "printf 'co:vestas,defense,test list,2099-01-01\\n' >> %s/designations.csv", data);
    ck_assert_int_eq(system(cmd), 0);
    json_t *a = hx_ask(&D, "reload"); /* the graph is dated now: other days take a builder */
    ck_assert(json_is_true(json_object_get(a, "ok")));
    json_decref(a);
    int fd = hx_connect(&D);
    const char *req = "{\"op\":\"risk\",\"entity\":\"co:pierburg\",\"as_of\":\"2100-01-01\"}\n";
    char all[2048] = "";
    for (int i = 0; i < 20; i++) {
        strcat(all, req); /* in one write: one turn of veud's loop reads them all */
    }
    hx_send(fd, all, strlen(all));
    int ok = 0, busy = 0;
    for (int i = 0; i < 20; i++) {
        char *l = hx_readline(fd, 60000);
        ck_assert_msg(l != NULL, "answer %d missing", i);
        ok += strstr(l, "\"ok\":true") != NULL;
        busy += strstr(l, "\"busy\"") != NULL;
        free(l);
    }
    ck_assert_int_eq(ok, 8);
    ck_assert_int_eq(busy, 12);
    close(fd);
    assert_serving();
    stop();
}
END_TEST

/*
 * A client's pipeline is answered LINES_PER_TURN (64) lines a turn of the
 * loop, the others' between (the review's F7); every line is still
 * answered, in order.
 */
START_TEST(pipeline_shares_the_loop)
{
    start(NULL);
    int fd = hx_connect(&D);
    static char all[2000 * 32];
    size_t k = 0;
    for (int i = 0; i < 2000; i++) {
        k += (size_t)sprintf(all + k, "{\"op\":\"ping\",\"id\":%d}\n", i);
    }
    hx_send(fd, all, k);
    for (int i = 0; i < 2000; i++) {
        char *l = hx_readline(fd, 30000);
        char want[32];
        snprintf(want, sizeof(want), "\"id\":%d,", i);
        ck_assert_msg(l && strstr(l, want), "answer %d: %s", i, l ? l : "(none)");
        free(l);
    }
    close(fd);
    json_t *a = hx_ask(&D, "stats");
    json_t *b = json_object_get(json_object_get(a, "result"), "batches");
    /* lines were left for later turns (writes completing answer some in between) */
    ck_assert_int_ge(json_integer_value(json_object_get(b, "deferred")), 5);
    json_decref(a);
    stop();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("timing");
    TCase *t = tcase_create("timing");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, reload_then_half_close);
    tcase_add_test(t, two_reloads_one_connection);
    tcase_add_test(t, reload_waiters_that_leave);
    tcase_add_test(t, sigterm_while_reload_waits);
    tcase_add_test(t, asof_client_leaves);
    tcase_add_test(t, builder_start_fails_twice_in_one_turn);
    tcase_add_test(t, asof_jobs_per_connection);
    tcase_add_test(t, pipeline_shares_the_loop);
    suite_add_tcase(s, t);
    return hx_run(s);
}
