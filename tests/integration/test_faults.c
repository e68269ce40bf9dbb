/* SPDX-License-Identifier: MIT */
/*
 * test_faults.c: veud under faults, through its socket: the disk full while a
 * snapshot is written, a client that vanishes in the middle of a large
 * answer, a thousand slow clients, too few descriptors, corrupt and truncated
 * snapshots at start, the export replaced file by file during a build, a
 * builder out of memory.  Each ends with SIGTERM and exit 0.
 */
#include <check.h>
#include <sys/stat.h>
#include <fcntl.h>
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
    data = hx_start_sample(&D, extra);
}

static void finish(void)
{
    hx_finish(&D, data);
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

/* A reload fails (internal, its message naming why) and generation 1 goes on serving. */
static void reload_fails_old_graph_serves(const char *why)
{
    json_t *a = hx_ask(&D, "reload");
    ck_assert_str_eq(err_code(a), "internal");
    const char *msg = json_string_value(json_object_get(json_object_get(a, "error"), "message"));
    ck_assert_msg(strcasestr(msg, why) != NULL, "%s", msg);
    json_decref(a);
    a = ask_ok("risk co:pierburg");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 1);
    json_decref(a);
}

START_TEST(disk_full_while_writing)
{
    setenv("HX_FSIZE", "400000", 1); /* the sample's snapshot fits, a bigger one does not */
    start_with(NULL);
    unsetenv("HX_FSIZE");
    grow_data(20000);
    reload_fails_old_graph_serves("cannot write the snapshot");
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
        if (!ok) {
            usleep(100000); /* veud may still be shedding the connections queued before */
        }
    }
    ck_assert(ok);
    finish();
}
END_TEST

/* Flips the byte in the middle of a file. */
static void flip_middle(const char *path)
{
    int fd = open(path, O_RDWR);
    ck_assert_int_ge(fd, 0);
    off_t mid = lseek(fd, 0, SEEK_END) / 2;
    unsigned char b;
    ck_assert_int_eq(pread(fd, &b, 1, mid), 1);
    b ^= 0xff;
    ck_assert_int_eq(pwrite(fd, &b, 1, mid), 1);
    close(fd);
}

START_TEST(corrupt_snapshot_at_start)
{
    start_with(NULL);
    json_t *a = ask_ok("reload"); /* the same data again: generations 1 and 2 in the state */
    json_decref(a);
    char keep[300], path[400], conf[400];
    snprintf(keep, sizeof(keep), "%s.keep", D.dir);
    sh("cp -r '%s/state' '%s'", D.dir, keep);
    ck_assert_int_eq(hx_stop(&D), 0);
    snprintf(conf, sizeof(conf), "[daemon]\nstate = %s\n", keep);

    /* the newest is corrupt inside: refused, the one before it serves */
    snprintf(path, sizeof(path), "%s/veud-2.snap", keep);
    flip_middle(path);
    hx_start(&D, data, conf);
    ck_assert_msg(hx_wait_log(&D, "veud-2.snap refused: ", 10000), "%s", hx_log(&D));
    ck_assert_msg(hx_wait_log(&D, "veud-1.snap (generation 1) from the state", 10000), "%s",
                  hx_log(&D));
    ck_assert_msg(hx_wait_log(&D, "rebuild skipped: dataset and policy unchanged", 30000), "%s",
                  hx_log(&D));
    a = ask_ok("risk co:pierburg");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 1);
    char verdict[32];
    snprintf(verdict, sizeof(verdict), "%s",
             json_string_value(json_object_get(json_object_get(a, "result"), "verdict")));
    json_decref(a);
    ck_assert_int_eq(hx_stop(&D), 0);

    /* both bad (one cut short): neither is trusted, a fresh build serves */
    snprintf(path, sizeof(path), "%s/veud-1.snap", keep);
    ck_assert_int_eq(truncate(path, 1000), 0);
    hx_start(&D, data, conf);
    ck_assert_msg(hx_wait_log(&D, "veud-1.snap refused: shorter than a snapshot header", 10000),
                  "%s", hx_log(&D));
    ck_assert_msg(hx_wait_log(&D, "building the first one", 10000), "%s", hx_log(&D));
    ck_assert_msg(hx_wait_log(&D, " serving: ", 60000), "%s", hx_log(&D));
    a = ask_ok("risk co:pierburg");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "result"), "verdict")),
                     verdict);
    json_decref(a);
    sh("rm -rf '%s'%s", keep, "");
    finish();
}
END_TEST

/* The digest veud --check computes for the data directory now. */
static void digest_of(const char *dir, char out[33])
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "%s --check --data %s | sed -n 's/^digest //p'", VEUD_PATH, dir);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(fgets(out, 33, p));
    pclose(p);
    ck_assert_int_eq(strlen(out), 32);
}

START_TEST(dataset_replaced_during_build)
{
    /*
     * The timer on, as in production: a build may read the directory between
     * two of the export's file replacements (a state that really existed, so
     * no check can call it torn); the next timer build, seeing the digest
     * move, brings the final export.
     */
    start_with("[daemon]\nrebuild_interval = 1\n");
    grow_data(200000);
    char next[400], cmd[1400];
    snprintf(next, sizeof(next), "%s.next", data);
    snprintf(cmd, sizeof(cmd), "%s 200000 %s 7 >/dev/null", GEN_PATH, next);
    ck_assert_int_eq(system(cmd), 0);
    int fd = hx_connect(&D);
    hx_send(fd, "reload\n", 7);
    ck_assert_msg(hx_wait_log(&D, "rebuild started", 10000), "%s", hx_log(&D));
    /* while it reads, the export is replaced file by file: rename one, rewrite another */
    snprintf(cmd, sizeof(cmd),
             "cd %s && for f in *.csv; do cp $f %s/$f.tmp && mv %s/$f.tmp %s/$f; sleep 0.1; done"
             " && cat %s/ownership.csv > %s/ownership.csv",
             next, data, data, data, next, data);
    ck_assert_int_eq(system(cmd), 0);
    char *l = hx_readline(fd, 120000);
    ck_assert_ptr_nonnull(l);
    free(l);
    close(fd);
    /* whatever the builders saw on the way, what serves once the export settles is the final one */
    char want[33], got[33];
    digest_of(data, want);
    for (int tries = 0;; tries++) {
        json_t *a = ask_ok("stats");
        snprintf(
            got, sizeof(got), "%s",
            json_string_value(json_object_get(json_object_get(a, "result"), "dataset_digest")));
        json_decref(a);
        if (!strcmp(got, want) || tries == 600) {
            break;
        }
        usleep(100000); /* a rebuild the change caused may still be running */
    }
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "daemon log:\n%s\n", hx_log(&D)); /* too long for a Check message */
    }
    ck_assert_msg(!strcmp(got, want), "serving %s, the final export is %s", got, want);
    sh("rm -rf '%s'%s", next, "");
    finish();
}
END_TEST

START_TEST(builder_out_of_memory)
{
#if defined(__SANITIZE_ADDRESS__)
    return; /* AddressSanitizer reserves terabytes of address space: no RLIMIT_AS under it */
#endif
    if (getenv("VEU_VALGRIND")) {
        return; /* so does valgrind */
    }
    /* ulimit -v: room for veud serving the sample, not for a builder of 300,000 entities */
    setenv("HX_AS", "160000000", 1);
    start_with(NULL);
    unsetenv("HX_AS");
    grow_data(300000);
    reload_fails_old_graph_serves("memory");
    finish();
}
END_TEST

/* An upgrade replaces the binary under a running veud: its builders still run its own image. */
START_TEST(binary_replaced_while_serving)
{
    char exe[300], cmd[800];
    data = hx_copy_sample();
    snprintf(exe, sizeof(exe), "%s.veud", data);
    sh("cp '%s' '%s'", VEUD_PATH, exe);
    setenv("HX_VEUD", exe, 1);
    hx_start(&D, data, NULL);
    unsetenv("HX_VEUD");
    ck_assert_msg(hx_wait_log(&D, "generation 1 serving", 60000), "%s", hx_log(&D));
    /* the "new version": a program that cannot build anything */
    snprintf(cmd, sizeof(cmd),
             "rm -f '%s' && printf '#!/bin/sh\\nexit 70\\n' > '%s' && chmod +x '%s'", exe, exe,
             exe);
    ck_assert_int_eq(system(cmd), 0);
    json_t *a = ask_ok("reload");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 2);
    json_decref(a);
    sh("rm -f '%s'%s", exe, "");
    finish();
}
END_TEST

/* A builder past build_timeout is killed and said so; the old graph serves (F6). */
START_TEST(builder_past_its_deadline)
{
    start_with("build_timeout = 1\n");
    grow_data(1000000); /* some five seconds to build here, more under the sanitizers */
    /* as a builder killed while it wrote would leave it (no process has that pid) */
    char stale[400];
    snprintf(stale, sizeof(stale), "%s/state/veud-7.snap.tmp.4999999", D.dir);
    FILE *f = fopen(stale, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    reload_fails_old_graph_serves("build_timeout");
    ck_assert(hx_wait_log(&D, "ran past build_timeout (1 s); killed", 5000));
    /* the killed builder's temporary file does not stay (F12) */
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "ls %s/state | grep -q tmp", D.dir);
    ck_assert_int_ne(system(cmd), 0);
    finish();
}
END_TEST

/* A FIFO in the data directory does not stall the build: reported, not read (F6). */
START_TEST(fifo_in_data_directory)
{
    start_with(NULL);
    char path[400];
    snprintf(path, sizeof(path), "%s/export.csv", data);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    json_t *a = ask_ok("reload");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 2);
    json_decref(a);
    ck_assert(hx_wait_log(&D, "'export.csv' is not a regular file", 5000));
    /* our own file as a FIFO fails the build at once, naming it */
    sh("rm '%s' && mkfifo '%s'", path, path);
    snprintf(path, sizeof(path), "%s/supply.csv", data);
    sh("rm -f '%s' && mkfifo '%s'", path, path);
    a = hx_ask(&D, "reload");
    ck_assert_str_eq(err_code(a), "internal");
    const char *msg = json_string_value(json_object_get(json_object_get(a, "error"), "message"));
    ck_assert_msg(strstr(msg, "supply.csv"), "%s", msg);
    json_decref(a);
    a = ask_ok("risk co:pierburg");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 2); /* still serving */
    json_decref(a);
    finish();
}
END_TEST

/*
 * With few descriptors, max_clients is lowered to fit them, said in the log,
 * and one client too many is told busy: builders still start (F8).
 */
START_TEST(descriptors_bound_max_clients)
{
    setenv("HX_NOFILE", "120", 1);
    start_with(NULL);
    unsetenv("HX_NOFILE");
    ck_assert(hx_wait_log(&D, "max_clients lowered from 1024 to 56", 5000));
    int fds[60], busy = 0, ok = 0;
    for (int i = 0; i < 60; i++) {
        fds[i] = hx_connect(&D);
        /* one told busy may be closed before it sends: its send may fail */
        ssize_t w = send(fds[i], "ping\n", 5, MSG_NOSIGNAL);
        (void)w;
        char *l = hx_readline(fds[i], 10000);
        busy += l && strstr(l, "\"busy\"") != NULL;
        ok += l && strstr(l, "\"pong\":true") != NULL;
        free(l);
    }
    ck_assert_int_eq(ok, 56);
    ck_assert_int_eq(busy, 4);
    for (int i = 0; i < 60; i++) {
        close(fds[i]);
    }
    /*
     * a builder starts with every client slot in use before. The reload may be
     * accepted in the same turn of the loop as the closes it follows, before
     * veud has read them: then it is told busy and asks again.
     */
    json_t *a = NULL;
    for (int tries = 0; tries < 100; tries++) {
        json_decref(a);
        a = hx_ask(&D, "reload");
        const char *code = err_code(a);
        if (!code || strcmp(code, "busy")) {
            break;
        }
        usleep(50000);
    }
    ck_assert_msg(json_is_true(json_object_get(a, "ok")), "reload failed: %s",
                  json_dumps(a, JSON_COMPACT));
    json_decref(a);
    finish();
}
END_TEST

static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    long kib = -1;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "VmRSS:", 6)) {
            kib = strtol(line + 6, NULL, 10);
        }
    }
    fclose(f);
    return kib;
}

/*
 * A client that pipelines tiny requests and reads nothing is paused by what
 * it makes veud hold (answers and their slots), not by the answers' bytes
 * alone: 1.3 MB of pings once held 81 MiB (the review's F4).
 */
START_TEST(pipelined_pings_bounded_memory)
{
#if defined(__SANITIZE_ADDRESS__)
    /* ASan's shadow and quarantine make resident memory no measure of what veud holds */
    return;
#endif
    start_with(NULL); /* max_output at its default, 16 MiB */
    long before = rss_kib(D.pid);
    int fd = hx_connect(&D);
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    static char pings[1 << 16];
    for (size_t i = 0; i + 5 <= sizeof(pings); i += 5) {
        memcpy(pings + i, "ping\n", 5);
    }
    size_t sent = 0;
    for (int round = 0; round < 400 && sent < 1300000; round++) {
        ssize_t w = send(fd, pings, sizeof(pings) - sizeof(pings) % 5, MSG_NOSIGNAL);
        if (w > 0) {
            sent += (size_t)w;
        } else {
            usleep(5000); /* veud paused reading: the socket is full */
        }
    }
    usleep(300000);
    long grown = rss_kib(D.pid) - before;
    ck_assert_msg(grown < 40 * 1024, "veud grew by %ld KiB for %zu bytes of pings", grown, sent);
    close(fd);
    json_t *a = ask_ok("ping");
    json_decref(a);
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
    CASE(corrupt_snapshot_at_start);
    CASE(dataset_replaced_during_build);
    CASE(builder_out_of_memory);
    CASE(binary_replaced_while_serving);
    CASE(builder_past_its_deadline);
    CASE(fifo_in_data_directory);
    CASE(descriptors_bound_max_clients);
    CASE(pipelined_pings_bounded_memory);
    return hx_run(s);
}
