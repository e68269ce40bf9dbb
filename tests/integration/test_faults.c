/* SPDX-License-Identifier: MIT */
/*
 * test_faults.c: veud under faults, through its socket: corrupt snapshots
 * the disk full while a snapshot is written, a client that vanishes in the
 * middle of a large answer, a thousand slow clients, too few descriptors.  Each ends with SIGTERM
 * and exit 0.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static hx_daemon_t D;
static char *data;

static void sh(const char *fmt, const char *a, const char *b)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), fmt, a, b);
    ck_assert_msg(system(cmd) == 0, "command failed: %s", cmd);
}

static void start_with(const char *extra)
{
    data = hx_copy_sample();
    hx_start(&D, data, extra);
    ck_assert_msg(hx_wait_log(&D, "generation 1 serving", 60000), "%s", hx_log(&D));
}

static void finish(void)
{
    ck_assert_int_eq(hx_stop(&D), 0);
    sh("rm -rf '%s'%s", data, "");
    free(data);
}

static json_t *ask_ok(const char *req)
{
    json_t *a = hx_ask(&D, req);
    ck_assert_msg(json_is_true(json_object_get(a, "ok")), "%s failed", req);
    return a;
}

static const char *err_code(json_t *a)
{
    return json_string_value(json_object_get(json_object_get(a, "error"), "code"));
}

/* Replaces the dataset with a generated one of n entities. */
static void grow_data(int n)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "%s %d %s.new 3 >/dev/null && cp %s.new/*.csv %s/ && rm -rf %s.new",
             GEN_PATH, n, data, data, data, data);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(disk_full_while_writing)
{
    setenv("HX_FSIZE", "400000", 1); /* the sample's snapshot fits, a bigger one does not */
    start_with(NULL);
    unsetenv("HX_FSIZE");
    grow_data(20000);
    json_t *a = hx_ask(&D, "reload");
    ck_assert_str_eq(err_code(a), "internal");
    const char *msg = json_string_value(json_object_get(json_object_get(a, "error"), "message"));
    ck_assert_msg(strstr(msg, "cannot write the snapshot") != NULL, "%s", msg);
    json_decref(a);
    a = ask_ok("risk co:pierburg"); /* the old graph serves */
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 1);
    json_decref(a);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "ls %s/state | grep -q tmp", D.dir);
    ck_assert_int_ne(system(cmd), 0); /* no half-written file left */
    finish();
}
END_TEST

START_TEST(client_vanishes_mid_answer)
{
    start_with(NULL);
    /* about 10 MiB of answers owed, then the client is gone */
    char *ids = malloc(1 << 20);
    size_t n = (size_t)sprintf(ids, "{\"op\":\"screen\",\"entities\":[");
    for (int i = 0; i < 10000; i++) {
        n += (size_t)sprintf(ids + n, "%s\"co:pierburg\"", i ? "," : "");
    }
    n += (size_t)sprintf(ids + n, "]}\n");
    for (int round = 0; round < 3; round++) {
        int fd = hx_connect(&D);
        for (int k = 0; k < 16; k++) {
            hx_send(fd, ids, n);
        }
        char buf[1000];
        ssize_t r = recv(fd, buf, sizeof(buf), 0); /* some of it arrives */
        ck_assert_int_gt(r, 0);
        close(fd);
    }
    free(ids);
    json_t *a = ask_ok("ping");
    json_decref(a);
    finish();
}
END_TEST

START_TEST(slow_clients_1000)
{
    struct rlimit rl = {4096, 4096};
    setrlimit(RLIMIT_NOFILE, &rl); /* for our 1000 sockets; veud inherits it */
    start_with(NULL);
    enum { SLOW = 1000 };
    int *fd = malloc(SLOW * sizeof(*fd));
    const char *req = "risk co:kamaz\n";
    size_t len = strlen(req);
    for (int i = 0; i < SLOW; i++) {
        fd[i] = hx_connect(&D);
    }
    /* one byte a second from each slow client; between the bytes, a fast one is served in full */
    for (size_t b = 0; b + 1 < len; b++) {
        for (int i = 0; i < SLOW; i++) {
            hx_send(fd[i], req + b, 1);
        }
        int f = hx_connect(&D);
        for (int k = 0; k < 200; k++) {
            hx_send(f, "ping\n", 5);
        }
        for (int k = 0; k < 200; k++) {
            char *l = hx_readline(f, 5000);
            ck_assert_msg(l != NULL, "fast client starved at step %zu", b);
            free(l);
        }
        close(f);
        if (b == 2) {
            break; /* three rounds are enough to show it; then finish the lines */
        }
        sleep(1);
    }
    for (int i = 0; i < SLOW; i++) {
        hx_send(fd[i], req + 3, len - 3);
    }
    for (int i = 0; i < SLOW; i++) {
        char *l = hx_readline(fd[i], 30000);
        ck_assert_msg(l && strstr(l, "\"verdict\":\"review\""), "slow client %d", i);
        free(l);
        close(fd[i]);
    }
    free(fd);
    finish();
}
END_TEST

START_TEST(too_few_descriptors_recovers)
{
    setenv("HX_NOFILE", "48", 1);
    start_with(NULL);
    unsetenv("HX_NOFILE");
    int fds[80], n = 0;
    for (; n < 80; n++) {
        fds[n] = hx_connect(&D); /* the kernel queues what veud cannot accept */
    }
    for (int i = 0; i < n; i++) {
        close(fds[i]);
    }
    /* once descriptors are free again, veud accepts and answers */
    int ok = 0;
    for (int attempt = 0; attempt < 50 && !ok; attempt++) {
        int fd = hx_connect(&D);
        hx_send(fd, "ping\n", 5);
        char *l = hx_readline(fd, 2000);
        ok = l && strstr(l, "\"pong\":true");
        free(l);
        close(fd);
    }
    ck_assert(ok);
    finish();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("faults");
    /* one case per test, so CK_RUN_CASE=name runs one */
#define CASE(fn)                                                                                   \
    do {                                                                                           \
        TCase *t = tcase_create(#fn);                                                              \
        tcase_set_timeout(t, 300);                                                                 \
        tcase_add_test(t, fn);                                                                     \
        suite_add_tcase(s, t);                                                                     \
    } while (0)
    CASE(disk_full_while_writing);
    CASE(client_vanishes_mid_answer);
    CASE(slow_clients_1000);
    CASE(too_few_descriptors_recovers);
    return hx_run(s);
}
