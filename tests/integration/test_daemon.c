/* SPDX-License-Identifier: MIT */
/*
 * test_daemon.c: veud through its socket, as users drive it: a table of
 * protocol cases (every op, every error code), pipelining, many clients,
 * socat with half-close, hostile input, limits, rebuilds while clients
 * query, a corrupt dataset, a killed builder, and a restart from the
 * snapshot.  Every test ends with SIGTERM and a clean exit 0.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <time.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
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
    ck_assert_int_eq(access(D.sock, F_OK), -1); /* the socket is removed */
}

static const char *err_code(json_t *a)
{
    return json_string_value(json_object_get(json_object_get(a, "error"), "code"));
}

/* ------------------------------------------------------------------ */

struct pcase {
    const char *req;
    const char *code; /* expected error code, or NULL for ok */
    const char *path; /* a dotted path into result (NULL: none) */
    const char *want; /* its expected value, dumped as compact JSON */
};

static json_t *dig(json_t *j, const char *path)
{
    char buf[256], *save;
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *k = strtok_r(buf, ".", &save); k && j; k = strtok_r(NULL, ".", &save)) {
        if (json_is_array(j)) {
            j = json_array_get(j, (size_t)atoi(k));
        } else {
            j = json_object_get(j, k);
        }
    }
    return j;
}

static const struct pcase cases[] = {
    /* an id with a NUL never reaches the id map: jansson refuses it (F22) */
    {"{\"op\":\"risk\",\"entity\":\"co:pierburg\\u0000x\"}", "bad_json", NULL, NULL},
    {"ping", NULL, "pong", "true"},
    {"{\"op\":\"ping\",\"id\":42}", NULL, "ready", "true"},
    {"version", NULL, "protocol", "1"},
    {"{\"op\":\"risk\",\"entity\":\"co:pierburg\"}", NULL, "verdict", "\"deny\""},
    {"risk co:pierburg", NULL, "reasons.0.code", "\"defense_controlled\""},
    {"risk co:kamaz", NULL, "metrics.controlled_share", "47.1"},
    {"risk co:cfm", NULL, "metrics.controlled_share", "100"},
    {"risk co:figaro", NULL, "reasons.0.code", "\"group_tie\""},
    {"risk co:jl-mag", NULL, "metrics.supply_hops", "2"},
    {"risk co:shenghe", NULL, "verdict", "\"standard\""},
    {"risk co:vestas", NULL, "verdict", "\"fast_track\""},
    {"risk co:lockheed-martin", NULL, "reasons.0.code", "\"is_seed\""},
    {"risk Lockheed Martin Corp.", NULL, "entity.id", "\"co:lockheed-martin\""},
    {"{\"op\":\"risk\",\"name\":\"LOCKHEED MARTIN CORPORATION\"}", NULL, "entity.id",
     "\"co:lockheed-martin\""},
    {"{\"op\":\"risk\",\"name\":\"Nonexistent Widgets\"}", "not_found", NULL, NULL},
    {"{\"op\":\"risk\",\"entity\":\"no:such\"}", "not_found", NULL, NULL},
    {"{\"op\":\"risk\"}", "bad_request", NULL, NULL},
    {"{\"op\":\"risk\",\"entity\":5}", "bad_request", NULL, NULL},
    {"{\"op\":\"screen\",\"entities\":[\"co:kamaz\",\"zz\"]}", NULL, "results.1.verdict",
     "\"unknown\""},
    {"screen co:figaro co:pierburg", NULL, "results.1.verdict", "\"deny\""},
    {"{\"op\":\"screen\",\"entities\":\"co:kamaz\"}", "bad_request", NULL, NULL},
    {"{\"op\":\"screen\",\"entities\":[1]}", "bad_request", NULL, NULL},
    {"{\"op\":\"paths\",\"entity\":\"co:jl-mag\",\"rel\":\"supplies\"}", NULL, "paths.0.1.to",
     "\"co:rmmv\""},
    {"{\"op\":\"paths\",\"entity\":\"co:pierburg\",\"rel\":\"owns\",\"max_hops\":1}", NULL, "paths",
     "[]"},
    {"{\"op\":\"paths\",\"entity\":\"co:pierburg\",\"rel\":\"owns\"}", NULL, "paths.0.0.from",
     "\"co:rheinmetall\""},
    {"{\"op\":\"paths\",\"entity\":\"co:pierburg\",\"rel\":\"sideways\"}", "bad_request", NULL,
     NULL},
    {"{\"op\":\"paths\",\"entity\":\"co:pierburg\",\"limit\":0}", "bad_request", NULL, NULL},
    {"{\"op\":\"owners\",\"entity\":\"co:mbda\"}", NULL, "direct.0.percent", "37.5"},
    {"owners co:qcells", NULL, "ultimate.0.id", "\"co:hanwha\""},
    {"{\"op\":\"search\",\"name\":\"airbus\"}", NULL, "matches.0.id", "\"co:airbus\""},
    {"search Rheinmetall AG", NULL, "matches.0.score", "1"},
    {"{\"op\":\"search\"}", "bad_request", NULL, NULL},
    /* undated data answers the same on every day, and says which day it answered for */
    {"{\"op\":\"risk\",\"entity\":\"co:pierburg\",\"as_of\":\"2020-01-31\"}", NULL, "as_of",
     "\"2020-01-31\""},
    {"{\"op\":\"screen\",\"entities\":[\"co:kamaz\"],\"as_of\":\"2024-07-03\"}", NULL, "as_of",
     "\"2024-07-03\""},
    {"{\"op\":\"risk\",\"entity\":\"co:pierburg\",\"as_of\":\"2020-02-30\"}", "bad_request", NULL,
     NULL},
    {"{\"op\":\"risk\",\"entity\":\"co:pierburg\",\"as_of\":20200131}", "bad_request", NULL, NULL},
    /* names across scripts, legal forms and word order, through the socket */
    {"search \xd0\x9a\xd0\x90\xd0\x9c\xd0\x90\xd0\x97", NULL, "matches.0.id", "\"co:kamaz\""},
    {"risk \xd0\x9a\xd0\x90\xd0\x9c\xd0\x90\xd0\x97", NULL, "entity.id", "\"co:kamaz\""},
    {"search \xe4\xb8\xad\xe5\x9b\xbd\xe8\x88\xaa\xe7\xa9\xba\xe5\xb7\xa5\xe4\xb8\x9a"
     "\xe9\x9b\x86\xe5\x9b\xa2",
     NULL, "matches.0.id", "\"co:avic\""},
    {"search Martin Lockheed Corp", NULL, "matches.0.score", "1"},
    {"{\"op\":\"search\",\"name\":\"Lockhead Martin\",\"limit\":1}", NULL, "matches.0.id",
     "\"co:lockheed-martin\""},
    {"{\"op\":\"risk\",\"name\":\"Lockhead Martin\"}", "not_found", NULL, NULL},
    {"stats", NULL, "counts.entities", "477"},
    {"stats", NULL, "last_rebuild.status", "\"ok\""},
    {"bogus", "unknown_op", NULL, NULL},
    {"{\"op\":\"bogus\"}", "unknown_op", NULL, NULL},
    {"{\"op\":1}", "bad_request", NULL, NULL},
    {"{}", "bad_request", NULL, NULL},
    {"[1,2]", "bad_request", NULL, NULL},
    {"{bad json", "bad_json", NULL, NULL},
    {"{\"op\":\"ping\",\"op\":\"stats\"}", "bad_json", NULL, NULL},
    {"{\"op\":\"ping\"} trailing", "bad_json", NULL, NULL},
    {"risk \xff\xfe", "bad_request", NULL, NULL},
    {"{\"op\":\"risk\",\"entity\":\"\xc3\x28\"}", "bad_json", NULL, NULL},
    /* jansson quotes the bad bytes in its message: the answer must still be valid UTF-8 */
    {"{\"p\\\xdb\xab\"}", "bad_json", NULL, NULL},
};

START_TEST(protocol_table)
{
    start(NULL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct pcase *c = &cases[i];
        json_t *a = hx_ask(&D, c->req);
        char *dump = json_dumps(a, JSON_COMPACT);
        if (c->code) {
            ck_assert_msg(json_is_false(json_object_get(a, "ok")), "%s: %s", c->req, dump);
            ck_assert_msg(err_code(a) && !strcmp(err_code(a), c->code), "%s: want %s, got %s",
                          c->req, c->code, dump);
            ck_assert(json_is_string(json_object_get(json_object_get(a, "error"), "message")));
        } else {
            ck_assert_msg(json_is_true(json_object_get(a, "ok")), "%s: %s", c->req, dump);
            ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 1);
        }
        if (c->path) {
            json_t *v = dig(json_object_get(a, "result"), c->path);
            json_t *want = json_loads(c->want, JSON_DECODE_ANY, NULL);
            char *got = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
            bool same = v && (json_is_number(v) && json_is_number(want)
                                  ? json_number_value(v) - json_number_value(want) < 1e-9 &&
                                        json_number_value(want) - json_number_value(v) < 1e-9
                                  : json_equal(v, want));
            ck_assert_msg(same, "%s: %s is %s, want %s", c->req, c->path, got ? got : "(missing)",
                          c->want);
            json_decref(want);
            free(got);
        }
        free(dump);
        json_decref(a);
    }
    /* the id is echoed, whatever JSON it is */
    json_t *a = hx_ask(&D, "{\"op\":\"ping\",\"id\":{\"k\":[1,\"x\"]}}");
    char *id = json_dumps(json_object_get(a, "id"), JSON_COMPACT);
    ck_assert_str_eq(id, "{\"k\":[1,\"x\"]}");
    free(id);
    json_decref(a);
    a = hx_ask(&D, "{\"op\":\"nope\",\"id\":\"e1\"}");
    ck_assert_str_eq(json_string_value(json_object_get(a, "id")), "e1");
    json_decref(a);
    /* name lookups below the threshold carry candidates */
    a = hx_ask(&D, "{\"op\":\"risk\",\"name\":\"Lockheed Widgets\"}");
    ck_assert_str_eq(err_code(a), "not_found");
    ck_assert(json_array_size(json_object_get(json_object_get(a, "error"), "candidates")) >= 1);
    json_decref(a);
    stop();
}
END_TEST

START_TEST(blank_lines_crlf_and_split_writes)
{
    start(NULL);
    int fd = hx_connect(&D);
    const char *req = "\n  \r\nping\r\n\n{\"op\":\"version\",\"id\":1}\r\n";
    /* one byte at a time */
    for (const char *p = req; *p; p++) {
        hx_send(fd, p, 1);
    }
    char *l1 = hx_readline(fd, 10000), *l2 = hx_readline(fd, 10000);
    ck_assert(l1 && strstr(l1, "\"pong\":true"));
    ck_assert(l2 && strstr(l2, "\"id\":1"));
    shutdown(fd, SHUT_WR);
    ck_assert_ptr_null(hx_readline(fd, 10000)); /* no answer to blank lines, then EOF */
    free(l1);
    free(l2);
    close(fd);
    stop();
}
END_TEST

START_TEST(pipelining_10000)
{
    start(NULL);
    int fd = hx_connect(&D);
    size_t cap = 10000 * 64, len = 0;
    char *buf = malloc(cap);
    for (int i = 0; i < 10000; i++) {
        len +=
            (size_t)sprintf(buf + len, "{\"op\":\"risk\",\"entity\":\"co:kamaz\",\"id\":%d}\n", i);
    }
    /* a writer process, so that neither side waits on a full buffer */
    pid_t w = fork();
    if (w == 0) {
        hx_send(fd, buf, len);
        shutdown(fd, SHUT_WR);
        _exit(0);
    }
    for (int i = 0; i < 10000; i++) {
        char *l = hx_readline(fd, 30000);
        ck_assert_msg(l != NULL, "answer %d missing", i);
        json_t *a = json_loads(l, 0, NULL);
        ck_assert_int_eq(json_integer_value(json_object_get(a, "id")), i);
        ck_assert(json_is_true(json_object_get(a, "ok")));
        json_decref(a);
        free(l);
    }
    ck_assert_ptr_null(hx_readline(fd, 10000));
    waitpid(w, NULL, 0);
    close(fd);
    free(buf);
    stop();
}
END_TEST

/* One request alone on a fresh connection: the raw answer line. */
static char *ask_alone(const char *line)
{
    int fd = hx_connect(&D);
    hx_send(fd, line, strlen(line));
    hx_send(fd, "\n", 1);
    char *a = hx_readline(fd, 30000);
    close(fd);
    return a;
}

/* A candidate's score is written as `search` writes it: three decimals at most. */
START_TEST(candidates_scores_read_as_search_writes_them)
{
    start(NULL);
    char *line = ask_alone("{\"op\":\"risk\",\"name\":\"Lokheed\"}"); /* 0.444 */
    const char *at = strstr(line, "\"score\":");
    ck_assert_msg(at != NULL, "no score in %s", line);
    at += strlen("\"score\":");
    size_t len = strspn(at, "0123456789.");
    const char *dot = memchr(at, '.', len);
    ck_assert_msg(len > 0 && (!dot || (size_t)(at + len - dot - 1) <= 3), "score %.*s in %s",
                  (int)(len ? len : 20), at, line);
    json_t *a = json_loads(line, 0, NULL);
    ck_assert(a != NULL);
    json_t *c = json_array_get(json_object_get(json_object_get(a, "error"), "candidates"), 0);
    double score = json_number_value(json_object_get(c, "score"));
    ck_assert(score > 0 && score < 0.9);
    json_decref(a);
    free(line);
    stop();
}
END_TEST

/*
 * Requests that arrive together from many clients are answered as a batch
 * (conn.c, with prefetch hints): every client still gets exactly the
 * answers it would get alone, in its own order, more lines than a batch
 * hints included.
 */
START_TEST(batches_keep_each_clients_answers)
{
    enum { CLIENTS = 40 };
    const size_t n = sizeof(cases) / sizeof(cases[0]);
    char *ref[sizeof(cases) / sizeof(cases[0])];
    int fds[CLIENTS];

    start(NULL);
    for (size_t i = 0; i < n; i++) {
        ref[i] = ask_alone(cases[i].req);
        ck_assert_msg(ref[i] != NULL, "%s: no answer", cases[i].req);
    }
    for (int k = 0; k < CLIENTS; k++) {
        fds[k] = hx_connect(&D);
    }
    json_t *pong = hx_ask(&D, "ping"); /* answered after every earlier connection is accepted */
    ck_assert(json_is_true(json_object_get(pong, "ok")));
    json_decref(pong);
    /* every client's lines (rotated, in one write) wait while the daemon is stopped */
    kill(D.pid, SIGSTOP);
    for (int k = 0; k < CLIENTS; k++) {
        size_t cap = 1 << 16, len = 0;
        char *buf = malloc(cap);
        for (size_t i = 0; i < n; i++) {
            len += (size_t)snprintf(buf + len, cap - len, "%s\n", cases[(i + (size_t)k) % n].req);
        }
        ck_assert(len < cap);
        hx_send(fds[k], buf, len);
        free(buf);
    }
    kill(D.pid, SIGCONT);
    for (int k = 0; k < CLIENTS; k++) {
        for (size_t i = 0; i < n; i++) {
            size_t c = (i + (size_t)k) % n;
            char *a = hx_readline(fds[k], 30000);
            ck_assert_msg(a != NULL, "client %d, answer %zu missing", k, i);
            bool counters = !strncmp(cases[c].req, "stats", 5); /* they move on */
            ck_assert_msg(counters ? !strncmp(a, ref[c], 20) : !strcmp(a, ref[c]),
                          "client %d, %s:\n%s\nalone:\n%s", k, cases[c].req, a, ref[c]);
            free(a);
        }
        close(fds[k]);
    }
    for (size_t i = 0; i < n; i++) {
        free(ref[i]);
    }
    json_t *st = hx_ask(&D, "stats");
    json_t *b = dig(json_object_get(st, "result"), "batches");
    ck_assert_msg(json_integer_value(json_object_get(b, "largest")) > 1, "no batch of clients");
    ck_assert(json_integer_value(json_object_get(b, "hinted")) > 0);
    json_decref(st);
    stop();
}
END_TEST

START_TEST(clients_200)
{
    start(NULL);
    int fds[200];
    for (int i = 0; i < 200; i++) {
        fds[i] = hx_connect(&D);
    }
    for (int i = 0; i < 200; i++) {
        char req[80];
        int n =
            snprintf(req, sizeof(req), "{\"op\":\"risk\",\"entity\":\"co:figaro\",\"id\":%d}\n", i);
        hx_send(fds[i], req, (size_t)n);
    }
    for (int i = 199; i >= 0; i--) {
        char *l = hx_readline(fds[i], 30000);
        ck_assert(l != NULL);
        json_t *a = json_loads(l, 0, NULL);
        ck_assert_int_eq(json_integer_value(json_object_get(a, "id")), i);
        json_decref(a);
        free(l);
        close(fds[i]);
    }
    stop();
}
END_TEST

START_TEST(socat_half_close)
{
    start(NULL);
    char cmd[600];
    snprintf(cmd, sizeof(cmd),
             "printf '%%s\\n' ping 'risk co:pierburg' '' stats 'screen co:kamaz' | "
             "socat -t 30 - UNIX-CONNECT:%s | wc -l",
             D.sock);
    FILE *p = popen(cmd, "r");
    int lines = -1;
    ck_assert_int_eq(fscanf(p, "%d", &lines), 1);
    pclose(p);
    ck_assert_int_eq(lines, 4);
    stop();
}
END_TEST

START_TEST(hostile_input)
{
    start("max_line = 4096\n");
    int fd = hx_connect(&D);
    /* a line over max_line, a NUL byte, a deep document, then a good request */
    size_t big = 2 * 1024 * 1024;
    char *junk = malloc(big + 1);
    memset(junk, 'x', big);
    junk[big] = '\n';
    pid_t w = fork();
    if (w == 0) {
        hx_send(fd, junk, big + 1);
        hx_send(fd, "{\"op\":\"ping\"}\n", 14);
        hx_send(fd, "{\"op\":\"pi\0ng\"}\n", 15);
        char deep[3000];
        memset(deep, '[', 2000);
        memcpy(deep + 2000, "\n", 2);
        hx_send(fd, deep, 2001);
        hx_send(fd, "\x01\x02\x7f binary junk\n", 16);
        hx_send(fd, "{\"op\":\"ping\",\"id\":\"last\"}\n", 26);
        _exit(0);
    }
    const char *want[] = {"line_too_long", NULL, "bad_json", "bad_json", "unknown_op", NULL};
    for (int i = 0; i < 6; i++) {
        char *l = hx_readline(fd, 30000);
        ck_assert_msg(l != NULL, "answer %d missing", i);
        json_t *a = json_loads(l, 0, NULL);
        ck_assert_msg(a != NULL, "answer %d is not JSON", i);
        if (want[i]) {
            ck_assert_msg(err_code(a) && !strcmp(err_code(a), want[i]), "answer %d: %s", i, l);
        } else {
            ck_assert_msg(json_is_true(json_object_get(a, "ok")), "answer %d: %s", i, l);
        }
        json_decref(a);
        free(l);
    }
    waitpid(w, NULL, 0);
    close(fd);
    free(junk);
    /* still serving */
    json_t *a = hx_ask(&D, "ping");
    ck_assert(json_is_true(json_object_get(a, "ok")));
    json_decref(a);
    stop();
}
END_TEST

START_TEST(max_clients_busy)
{
    start("max_clients = 2\n");
    int a = hx_connect(&D), b = hx_connect(&D);
    hx_send(a, "ping\n", 5);
    char *l = hx_readline(a, 10000); /* a is accepted before c arrives */
    free(l);
    hx_send(b, "ping\n", 5);
    l = hx_readline(b, 10000);
    free(l);
    int c = hx_connect(&D);
    l = hx_readline(c, 10000);
    ck_assert_msg(l && strstr(l, "\"busy\""), "got %s", l ? l : "(nothing)");
    free(l);
    ck_assert_ptr_null(hx_readline(c, 10000)); /* and closed */
    close(c);
    close(a);
    close(b);
    stop();
}
END_TEST

START_TEST(idle_timeout_closes)
{
    start("idle_timeout = 1\n");
    int fd = hx_connect(&D);
    ck_assert_ptr_null(hx_readline(fd, 10000)); /* closed by the daemon, not our timeout */
    close(fd);
    stop();
}
END_TEST

START_TEST(backpressure_loses_nothing)
{
    start("max_output = 4096\n");
    int fd = hx_connect(&D);
    int n = 3000;
    pid_t w = fork();
    if (w == 0) {
        char req[100];
        for (int i = 0; i < n; i++) {
            int k = snprintf(req, sizeof(req),
                             "{\"op\":\"risk\",\"entity\":\"co:pierburg\",\"id\":%d}\n", i);
            hx_send(fd, req, (size_t)k);
        }
        shutdown(fd, SHUT_WR);
        _exit(0);
    }
    /* read slowly at first: the daemon must pause, not drop */
    for (int i = 0; i < n; i++) {
        char *l = hx_readline(fd, 30000);
        ck_assert_msg(l != NULL, "answer %d missing", i);
        json_t *a = json_loads(l, 0, NULL);
        ck_assert_int_eq(json_integer_value(json_object_get(a, "id")), i);
        json_decref(a);
        free(l);
    }
    waitpid(w, NULL, 0);
    close(fd);
    stop();
}
END_TEST

START_TEST(reload_and_forbidden)
{
    start("socket_mode = 0666\n"); /* the mode is the first gate; open it to test the second */
    json_t *a = hx_ask(&D, "{\"op\":\"reload\",\"id\":\"r\"}");
    ck_assert_msg(json_is_true(json_object_get(a, "ok")), "%s", json_dumps(a, 0));
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(a, "id")), "r");
    json_decref(a);
    /* another uid, not in admin_uids; the child uses no ck_assert (it must exit) */
    ck_assert_int_eq(chmod(D.dir, 0755), 0);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        const char *out = "setuid failed";
        if (setuid(65534) == 0) {
            struct sockaddr_un sa = {.sun_family = AF_UNIX};
            int fd = socket(AF_UNIX, SOCK_STREAM, 0);
            memcpy(sa.sun_path, D.sock, strlen(D.sock) + 1);
            char buf[512] = "";
            out = "connect failed";
            if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
                send(fd, "reload\nreload\nreload\n", 21, 0) == 21) {
                /* three refusals: answered each, logged once (F16) */
                size_t got = 0, lines = 0;
                while (lines < 3 && got < sizeof(buf) - 1) {
                    ssize_t n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
                    if (n <= 0) {
                        break;
                    }
                    for (ssize_t i = 0; i < n; i++) {
                        lines += buf[got + (size_t)i] == '\n';
                    }
                    got += (size_t)n;
                }
                buf[got] = '\0';
                out = lines == 3 && strstr(buf, "\"forbidden\"") ? "forbidden" : buf;
            }
        }
        ssize_t wr = write(p[1], out, strlen(out));
        (void)wr;
        _exit(0);
    }
    close(p[1]);
    char got[600] = "";
    ssize_t rn = read(p[0], got, sizeof(got) - 1);
    ck_assert_int_gt(rn, 0);
    close(p[0]);
    waitpid(c, NULL, 0);
    ck_assert_str_eq(got, "forbidden");
    ck_assert(hx_wait_log(&D, "reload refused: uid 65534", 5000));
    const char *lp = hx_log(&D);
    int lines = 0;
    while ((lp = strstr(lp, "reload refused"))) {
        lines++;
        lp++;
    }
    ck_assert_int_eq(lines, 1); /* rate-limited: a client cannot fill the journal */
    stop();
}
END_TEST

START_TEST(corrupt_dataset_keeps_graph)
{
    start(NULL);
    char path[400], want[64];
    snprintf(path, sizeof(path), "%s/ownership.csv", data);
    FILE *f = fopen(path, "r");
    int lines = 0;
    for (int ch; (ch = fgetc(f)) != EOF;) {
        lines += ch == '\n';
    }
    fclose(f);
    snprintf(want, sizeof(want), "ownership.csv:%d: unterminated", lines + 1);
    f = fopen(path, "a");
    fputs("co:gimd,\"co:figaro,50\n", f); /* an unterminated quote */
    fclose(f);
    json_t *a = hx_ask(&D, "reload");
    ck_assert_str_eq(err_code(a), "internal");
    const char *msg = json_string_value(json_object_get(json_object_get(a, "error"), "message"));
    ck_assert_msg(strstr(msg, want) != NULL, "message: %s, want %s", msg, want);
    json_decref(a);
    a = hx_ask(&D, "risk co:pierburg");
    ck_assert(json_is_true(json_object_get(a, "ok")));
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 1);
    json_decref(a);
    a = hx_ask(&D, "stats");
    json_t *lr = json_object_get(json_object_get(a, "result"), "last_rebuild");
    ck_assert_str_eq(json_string_value(json_object_get(lr, "status")), "failed");
    ck_assert(strstr(json_string_value(json_object_get(lr, "error")), "unterminated") != NULL);
    json_decref(a);
    stop();
}
END_TEST

START_TEST(sighup_storm_while_querying)
{
    start(NULL);
    int fd = hx_connect(&D);
    int n = 3000;
    pid_t w = fork();
    if (w == 0) {
        char req[100];
        for (int i = 0; i < n; i++) {
            int k = snprintf(req, sizeof(req),
                             "{\"op\":\"risk\",\"entity\":\"co:cfm\",\"id\":%d}\n", i);
            hx_send(fd, req, (size_t)k);
            if (i % 100 == 0) {
                kill(getppid() == 0 ? 0 : D.pid, SIGHUP);
            }
        }
        shutdown(fd, SHUT_WR);
        _exit(0);
    }
    for (int i = 0; i < n; i++) {
        char *l = hx_readline(fd, 30000);
        ck_assert_msg(l != NULL, "answer %d missing", i);
        json_t *a = json_loads(l, 0, NULL);
        ck_assert_msg(json_is_true(json_object_get(a, "ok")), "answer %d failed: %s", i, l);
        ck_assert_int_eq(json_integer_value(json_object_get(a, "id")), i);
        json_decref(a);
        free(l);
    }
    waitpid(w, NULL, 0);
    close(fd);
    /* the storm folded into a few builds, every one of which succeeded */
    json_t *a = hx_ask(&D, "stats");
    json_t *lr = json_object_get(json_object_get(a, "result"), "last_rebuild");
    ck_assert_int_eq(json_integer_value(json_object_get(lr, "failures")), 0);
    ck_assert_int_ge(json_integer_value(json_object_get(lr, "builds")), 2);
    json_decref(a);
    stop();
}
END_TEST

START_TEST(builder_killed)
{
    /* a dataset big enough that the build takes a moment */
    char cmd[600];
    data = hx_copy_sample();
    snprintf(cmd, sizeof(cmd), "%s 300000 %s/big 7 >/dev/null", GEN_PATH, data);
    ck_assert_int_eq(system(cmd), 0);
    char *big = malloc(400);
    snprintf(big, 400, "%s/big", data);
    hx_start(&D, big, NULL);
    ck_assert(hx_wait_log(&D, "generation 1 serving", 60000));
    int fd = hx_connect(&D);
    hx_send(fd, "reload\n", 7);
    ck_assert(hx_wait_count(&D, "rebuild started (builder pid ", 2, 10000));
    /* the second "rebuild started" line names the reload's builder */
    const char *log = hx_log(&D), *p = log, *last = NULL;
    while ((p = strstr(p, "rebuild started (builder pid "))) {
        last = p;
        p++;
    }
    int pid = atoi(last + strlen("rebuild started (builder pid "));
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    char *l = hx_readline(fd, 60000);
    ck_assert_msg(l && strstr(l, "killed by signal 9"), "got %s", l ? l : "(nothing)");
    free(l);
    close(fd);
    json_t *a = hx_ask(&D, "ping");
    ck_assert(json_is_true(json_object_get(json_object_get(a, "result"), "ready")));
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 1);
    json_decref(a);
    ck_assert_int_eq(hx_stop(&D), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", data);
    ck_assert_int_eq(system(cmd), 0);
    free(data);
    free(big);
}
END_TEST

START_TEST(restart_serves_snapshot_and_refuses_second)
{
    start(NULL);
    /* a second veud on the same socket refuses to start */
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "%s --socket %s --state %s/state2 --data %s 2>/dev/null", VEUD_PATH,
             D.sock, D.dir, data);
    int st = system(cmd);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) != 0);
    json_t *a = hx_ask(&D, "ping");
    ck_assert(json_is_true(json_object_get(a, "ok")));
    json_decref(a);
    /* stop, keep the state, start again: serves the snapshot at once */
    char dir[256], conf[400];
    snprintf(dir, sizeof(dir), "%s", D.dir);
    snprintf(cmd, sizeof(cmd), "cp -r %s %s.keep", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(hx_stop(&D), 0);
    snprintf(cmd, sizeof(cmd), "mv %s.keep %s", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(conf, sizeof(conf), "[daemon]\nstate = %s/state\n", dir);
    hx_start(&D, data, conf);
    ck_assert_msg(hx_wait_log(&D, "serving snapshot", 10000), "%s", hx_log(&D));
    ck_assert(hx_wait_log(&D, "rebuild skipped: dataset and policy unchanged", 10000));
    a = hx_ask(&D, "risk co:pierburg");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 1);
    json_decref(a);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    stop();
}
END_TEST

/* Reads datagrams until one contains want; collects them all into log. */
static bool notified(int fd, const char *want, char *log, size_t len)
{
    char buf[1100];
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 20000) <= 0) {
            return false;
        }
        ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
        if (n <= 0) {
            return false;
        }
        buf[n] = '\0';
        strncat(log, buf, len - strlen(log) - 2);
        strcat(log, "|");
        if (strstr(buf, want)) {
            return true;
        }
    }
}

START_TEST(systemd_notify)
{
    char dir[] = "/tmp/veu-notify-XXXXXX", path[200], log[8192] = "";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/notify", dir);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    setenv("NOTIFY_SOCKET", path, 1);
    setenv("WATCHDOG_USEC", "200000", 1); /* veud pings every 100 ms */
    start(NULL);
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    ck_assert_msg(notified(fd, "READY=1", log, sizeof(log)), "got %s", log);
    ck_assert_msg(notified(fd, "WATCHDOG=1", log, sizeof(log)), "got %s", log);
    ck_assert_msg(strstr(log, "STATUS=") != NULL, "got %s", log);
    json_t *a = hx_ask(&D, "reload");
    ck_assert(json_is_true(json_object_get(a, "ok")));
    json_decref(a);
    log[0] = '\0';
    ck_assert_msg(notified(fd, "RELOADING=1", log, sizeof(log)), "got %s", log);
    ck_assert_msg(notified(fd, "READY=1", log, sizeof(log)), "got %s", log);
    ck_assert_msg(notified(fd, "generation 2", log, sizeof(log)), "got %s", log);
    stop();
    ck_assert_msg(notified(fd, "STOPPING=1", log, sizeof(log)), "got %s", log);
    close(fd);
    unlink(path);
    rmdir(dir);
}
END_TEST

static json_t *read_lines(const char *path, size_t *ret_n)
{
    json_t *arr = json_array();
    FILE *f = fopen(path, "r");
    char line[1 << 16];
    ck_assert_msg(f != NULL, "no %s", path);
    while (fgets(line, sizeof(line), f)) {
        json_t *j = json_loads(line, 0, NULL);
        ck_assert_msg(j != NULL, "audit line is not JSON: %s", line);
        json_array_append_new(arr, j);
    }
    fclose(f);
    *ret_n = json_array_size(arr);
    return arr;
}

static char *capture(const char *cmd, int *ret_status);

START_TEST(audit_trail)
{
    int st;
    char dir[] = "/tmp/veu-audit-XXXXXX", extra[300], path[200], old[220];
    size_t n;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
    snprintf(extra, sizeof(extra), "audit_log = %s\n", path);
    start(extra);
    json_t *a = hx_ask(&D, "{\"op\":\"risk\",\"entity\":\"co:pierburg\",\"id\":3}");
    ck_assert(json_is_true(json_object_get(a, "ok")));
    json_decref(a);
    a = hx_ask(&D, "screen co:kamaz zz");
    ck_assert(json_is_true(json_object_get(a, "ok")));
    json_decref(a);
    a = hx_ask(&D, "ping"); /* not a decision: not audited */
    json_decref(a);
    json_t *lines = read_lines(path, &n);
    ck_assert_uint_eq(n, 2);
    json_t *l0 = json_array_get(lines, 0), *l1 = json_array_get(lines, 1);
    ck_assert(json_is_string(json_object_get(l0, "time")));
    ck_assert_int_eq(json_integer_value(json_object_get(l0, "uid")), (int)getuid());
    ck_assert_int_eq(json_integer_value(json_object_get(l0, "pid")), (int)getpid());
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(l0, "request"), "op")),
                     "risk");
    ck_assert_str_eq(json_string_value(json_object_get(l0, "entity")), "co:pierburg");
    ck_assert_str_eq(json_string_value(json_object_get(l0, "verdict")), "deny");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(l0, "codes"), 0)),
                     "defense_controlled");
    ck_assert_int_eq(json_integer_value(json_object_get(l0, "generation")), 1);
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(l0, "dataset_digest"))), 32);
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(l0, "policy_digest"))), 16);
    json_t *res = json_object_get(json_object_get(l1, "decisions"), "results");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(res, 1), "verdict")),
                     "unknown");
    json_decref(lines);
    /* the hash chain: veud audit-verify passes, and fails once a decision is changed */
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "%s audit-verify %s >/dev/null", VEUD_PATH, path);
    ck_assert_int_eq(system(cmd), 0);
    /* log rotation: rename, SIGUSR1, the next decision goes to a new file */
    snprintf(old, sizeof(old), "%s.1", path);
    ck_assert_int_eq(rename(path, old), 0);
    kill(D.pid, SIGUSR1);
    ck_assert(hx_wait_log(&D, "reopened", 10000));
    a = hx_ask(&D, "risk co:figaro");
    json_decref(a);
    lines = read_lines(path, &n);
    ck_assert_uint_eq(n, 1);
    json_decref(lines);
    /* the chain runs on across the rotation, oldest file first */
    snprintf(cmd, sizeof(cmd), "%s audit-verify %s %s >/dev/null", VEUD_PATH, old, path);
    ck_assert_int_eq(system(cmd), 0);
    /* one verdict changed after the fact: the line after it no longer chains */
    snprintf(cmd, sizeof(cmd), "sed -i '2s/\"unknown\"/\"standard\"/' %s", old);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s audit-verify %s %s", VEUD_PATH, old, path);
    char *out = capture(cmd, &st);
    ck_assert_msg(st != 0 && strstr(out, ":2: the chain is broken"), "%s", out);
    free(out);
    stop();
    unlink(path);
    unlink(old);
    rmdir(dir);
}
END_TEST

START_TEST(audit_unwritable_refuses_decisions)
{
    start("audit_log = /dev/full\n");
    json_t *a = hx_ask(&D, "risk co:pierburg");
    ck_assert_str_eq(err_code(a), "internal");
    ck_assert(strstr(json_string_value(json_object_get(json_object_get(a, "error"), "message")),
                     "audit log") != NULL);
    json_decref(a);
    a = hx_ask(&D, "ping");
    ck_assert(json_is_true(json_object_get(a, "ok")));
    json_decref(a);
    ck_assert(hx_wait_log(&D, "decisions are refused", 5000));
    stop();
}
END_TEST

START_TEST(socket_activation)
{
    data = hx_copy_sample();
    setenv("HX_ACTIVATE", "1", 1);
    hx_start(&D, data, NULL);
    unsetenv("HX_ACTIVATE");
    /* the activator holds the socket; the first connection starts veud */
    ck_assert_msg(hx_wait_log(&D, "Listening on", 10000), "%s", hx_log(&D));
    int fd = hx_connect(&D);
    hx_send(fd, "ping\n", 5);
    char *l = hx_readline(fd, 30000);
    ck_assert(l && strstr(l, "\"pong\":true"));
    free(l);
    close(fd);
    ck_assert(hx_wait_log(&D, "using the socket passed by systemd", 10000));
    ck_assert(hx_wait_log(&D, "generation 1 serving", 30000));
    json_t *a = hx_ask(&D, "risk co:cfm");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "result"), "verdict")),
                     "deny");
    json_decref(a);
    ck_assert_int_eq(hx_stop(&D), 0);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", data);
    ck_assert_int_eq(system(cmd), 0);
    free(data);
}
END_TEST

static json_t *stat_of(const char *key)
{
    json_t *a = hx_ask(&D, "stats");
    json_t *v = json_deep_copy(json_object_get(json_object_get(a, "result"), key));
    json_decref(a);
    return v;
}

START_TEST(answer_cache_is_exact)
{
    start(NULL);
    const char *ids[] = {"co:pierburg", "co:figaro", "co:jl-mag", "co:kamaz", "co:vestas"};
    json_t *first[5];
    for (int i = 0; i < 5; i++) {
        char req[100];
        snprintf(req, sizeof(req), "risk %s", ids[i]);
        first[i] = hx_ask(&D, req);
    }
    /* asked once, a buyer is only remembered; asked again, its answer is kept; then hit */
    json_t *c0 = stat_of("answer_cache");
    for (int pass = 0; pass < 2; pass++) {
        json_t *before = stat_of("answer_cache");
        for (int i = 0; i < 5; i++) {
            char req[100];
            snprintf(req, sizeof(req), "{\"op\":\"risk\",\"entity\":\"%s\"}", ids[i]);
            json_t *again = hx_ask(&D, req);
            ck_assert(
                json_equal(json_object_get(again, "result"), json_object_get(first[i], "result")));
            json_decref(again);
        }
        json_t *after = stat_of("answer_cache");
        ck_assert_int_eq(json_integer_value(json_object_get(after, "hits")) -
                             json_integer_value(json_object_get(before, "hits")),
                         pass == 0 ? 0 : 5);
        json_decref(before);
        json_decref(after);
    }
    json_t *c1 = stat_of("answer_cache");
    ck_assert_int_eq(json_integer_value(json_object_get(c1, "hits")) -
                         json_integer_value(json_object_get(c0, "hits")),
                     5);
    /* asked by name, a buyer cached under its id is answered from the cache too */
    json_t *n0 = stat_of("answer_cache");
    json_t *by_name = hx_ask(&D, "{\"op\":\"risk\",\"name\":\"Pierburg GmbH\"}");
    json_t *bn = json_object_get(by_name, "result");
    json_t *match = json_object_get(bn, "match"); /* the one member an answer by name adds */
    ck_assert_str_eq(json_string_value(json_object_get(match, "query")), "Pierburg GmbH");
    ck_assert_str_eq(json_string_value(json_object_get(match, "name")), "Pierburg GmbH");
    ck_assert(json_number_value(json_object_get(match, "score")) == 1.0);
    json_object_del(bn, "match");
    ck_assert(json_equal(bn, json_object_get(first[0], "result")));
    json_decref(by_name);
    json_t *n1 = stat_of("answer_cache");
    ck_assert_int_eq(json_integer_value(json_object_get(n1, "hits")),
                     json_integer_value(json_object_get(n0, "hits")) + 1);
    json_decref(n0);
    json_decref(n1);
    /* a cached buyer is answered without reading the graph: no prefetch hint for it */
    json_t *b0 = stat_of("batches");
    json_decref(hx_ask(&D, "risk co:pierburg"));
    json_t *b1 = stat_of("batches");
    json_decref(hx_ask(&D, "risk co:sikorsky"));
    json_t *b2 = stat_of("batches");
    ck_assert_int_eq(json_integer_value(json_object_get(b1, "hinted")),
                     json_integer_value(json_object_get(b0, "hinted")));
    ck_assert_int_eq(json_integer_value(json_object_get(b2, "hinted")),
                     json_integer_value(json_object_get(b1, "hinted")) + 1);
    json_decref(b0);
    json_decref(b1);
    json_decref(b2);
    json_decref(c1);
    c1 = stat_of("answer_cache");
    /* a new generation renders again, and answers the same for the same data */
    json_t *a = hx_ask(&D, "reload");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 2);
    json_decref(a);
    /* the journal says what the rebuild changed: here nothing */
    ck_assert_msg(
        hx_wait_log(&D, ", 0 entities changed verdict or codes since generation 1", 10000), "%s",
        hx_log(&D));
    a = hx_ask(&D, "risk co:pierburg");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 2);
    ck_assert(json_equal(json_object_get(a, "result"), json_object_get(first[0], "result")));
    json_decref(a);
    json_t *c2 = stat_of("answer_cache");
    ck_assert_int_eq(json_integer_value(json_object_get(c2, "hits")),
                     json_integer_value(json_object_get(c1, "hits")));
    json_decref(c0);
    json_decref(c1);
    json_decref(c2);
    for (int i = 0; i < 5; i++) {
        json_decref(first[i]);
    }
    stop();
}
END_TEST

static int run_query(const char *args, const char *stdin_text)
{
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "%s%s%s %s query --socket %s --timeout 20 %s >/dev/null 2>&1",
             stdin_text ? "printf '" : "", stdin_text ? stdin_text : "", stdin_text ? "' | " : "",
             VEUD_PATH, D.sock, args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *capture(const char *cmd, int *ret_status);

START_TEST(query_client)
{
    start(NULL);
    ck_assert_int_eq(run_query("ping 'risk co:pierburg'", NULL), 0);
    ck_assert_int_eq(run_query("", "stats\\nscreen co:kamaz\\n"), 0);
    ck_assert_int_eq(run_query("ping bogus", NULL), 1); /* an error answer */
    ck_assert_int_eq(run_query("'risk no:such'", NULL), 1);
    char cmd[600];
    snprintf(cmd, sizeof(cmd),
             "%s query --socket %s/nope.sock ping 2>&1 | grep -q 'cannot reach veud'", VEUD_PATH,
             D.dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s query --socket %s/nope.sock ping >/dev/null 2>&1", VEUD_PATH,
             D.dir);
    int st = system(cmd);
    ck_assert_int_eq(WEXITSTATUS(st), 69);
    /*
     * A pipeline larger than both sockets' buffers: the client reads while it
     * writes, so neither side waits for the other (F17: it blocked in send
     * while veud, its answers unread, stopped reading).
     */
    snprintf(cmd, sizeof(cmd),
             "yes 'risk co:pierburg' | head -n 200000 | timeout 120 %s query --socket %s "
             "--timeout 60 | wc -l",
             VEUD_PATH, D.sock);
    char *n = capture(cmd, &st);
    ck_assert_msg(atoi(n) == 200000, "%s answers of 200000", n);
    free(n);
    /* --format text: every path in words, for a person at a terminal */
    snprintf(cmd, sizeof(cmd),
             "%s query --socket %s --format text 'risk co:pierburg' "
             "'paths co:pierburg'",
             VEUD_PATH, D.sock);
    n = capture(cmd, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_msg(!strncmp(n, "Pierburg GmbH (co:pierburg, DE): deny, generation 1", 51), "%s", n);
    ck_assert_msg(strstr(n, "\n    Rheinmetall AG -[100%]-> Rheinmetall Automotive AG -[100%]-> "
                            "Pierburg GmbH\n"),
                  "%s", n);
    ck_assert_msg(strstr(n, "\n1 paths, generation 1\n  Rheinmetall AG -[100%]-> "), "%s", n);
    free(n);
    snprintf(cmd, sizeof(cmd), "%s query --socket %s --format text stats 2>/dev/null", VEUD_PATH,
             D.sock);
    ck_assert_int_eq(WEXITSTATUS(system(cmd)), 64);
    stop();
}
END_TEST

static char *capture(const char *cmd, int *ret_status)
{
    FILE *p = popen(cmd, "r");
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 4096) {
            buf = realloc(buf, cap *= 2);
        }
    }
    buf[len] = '\0';
    int st = pclose(p);
    *ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return buf;
}

START_TEST(pictures)
{
    start(NULL);
    const char *ids[] = {"co:eurofighter", "SAM:6579535", "co:jl-mag", "co:figaro", "co:pierburg"};
    char cmd[800];
    int st;
    for (int i = 0; i < 5; i++) {
        snprintf(cmd, sizeof(cmd), "%s query --socket %s --format dot 'risk %s'", VEUD_PATH, D.sock,
                 ids[i]);
        char *d1 = capture(cmd, &st);
        ck_assert_int_eq(st, 0);
        char *d2 = capture(cmd, &st);
        ck_assert_str_eq(d1, d2); /* byte-identical for the same answer */
        /* every entity of the evidence is named */
        char req[200];
        snprintf(req, sizeof(req), "{\"op\":\"risk\",\"entity\":\"%s\",\"graph\":true}", ids[i]);
        json_t *a = hx_ask(&D, req);
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(json_object_get(a, "result"), "entities"), k, v)
        {
            char quoted[200];
            snprintf(quoted, sizeof(quoted), "\"%s\" [label=", k);
            ck_assert_msg(strstr(d1, quoted) != NULL, "%s lacks %s", ids[i], k);
        }
        json_decref(a);
        /* Graphviz parses it */
        snprintf(cmd, sizeof(cmd),
                 "%s query --socket %s --format dot 'risk %s' | dot -Tsvg >/dev/null", VEUD_PATH,
                 D.sock, ids[i]);
        ck_assert_int_eq(system(cmd), 0);
        free(d1);
        free(d2);
    }
    snprintf(cmd, sizeof(cmd), "%s query --socket %s --format svg 'risk co:eurofighter'", VEUD_PATH,
             D.sock);
    char *svg = capture(cmd, &st);
    ck_assert_int_eq(st, 0);
    ck_assert(strstr(svg, "<svg") != NULL && strstr(svg, "Eurofighter") != NULL);
    free(svg);
    /* by name, as the plain query takes it (SPEC section 8, the client's rule) */
    snprintf(cmd, sizeof(cmd), "%s query --socket %s --format dot 'risk Pierburg GmbH'", VEUD_PATH,
             D.sock);
    char *byname = capture(cmd, &st);
    ck_assert_int_eq(st, 0);
    ck_assert(strstr(byname, "digraph") != NULL && strstr(byname, "co:pierburg") != NULL);
    free(byname);
    /* what cannot be drawn: refused or failed, with a message, and no picture */
    const char *refused[] = {
        "--format svg 'screen co:pierburg'",             /* another op */
        "--format dot 'risk co:pierburg' 'risk co:cfm'", /* two pictures into one output */
        "--format dot 'risk no-such-entity-anywhere'",   /* an error answer */
        "--format svg '{\"op\":\"paths\",\"entity\":\"nope\"}'",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        char out[300];
        snprintf(out, sizeof(out), "%s/pic.out", D.dir);
        snprintf(cmd, sizeof(cmd), "%s query --socket %s %s >%s 2>/dev/null; echo $?", VEUD_PATH,
                 D.sock, refused[i], out);
        char *code = capture(cmd, &st);
        ck_assert_msg(atoi(code) != 0, "%s exited 0", refused[i]);
        free(code);
        struct stat sb;
        ck_assert_int_eq(stat(out, &sb), 0);
        ck_assert_msg(sb.st_size == 0, "%s wrote %lld bytes", refused[i], (long long)sb.st_size);
    }
    /* without Graphviz: svg says so and fails; dot still works */
    snprintf(cmd, sizeof(cmd),
             "PATH=/nonexistent %s query --socket %s --format svg 'risk co:cfm' 2>&1", VEUD_PATH,
             D.sock);
    char *msg = capture(cmd, &st);
    ck_assert_int_ne(st, 0);
    ck_assert_msg(strstr(msg, "needs Graphviz") != NULL, "%s", msg);
    free(msg);
    stop();
}
END_TEST

/*
 * --format html (SPEC section 9): one self-contained decision report; in a
 * real browser when Debian's chromium is installed (scripts/deps installs
 * it): rendered to PNG and PDF, and the PNG is not a blank page.
 */
START_TEST(decision_report)
{
    start(NULL);
    char dir[] = "/tmp/veu-report-XXXXXX", cmd[1400];
    int st;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(cmd, sizeof(cmd), "%s query --socket %s --format html 'risk co:eurofighter'",
             VEUD_PATH, D.sock);
    char *page = capture(cmd, &st);
    ck_assert_int_eq(st, 0);
    json_t *digest = stat_of("dataset_digest");
    ck_assert_msg(!strncmp(page, "<!DOCTYPE html>", 15), "%.200s", page);
    ck_assert_ptr_nonnull(
        strstr(page, "<title>veud decision: Eurofighter Jagdflugzeug GmbH, deny"));
    ck_assert_ptr_nonnull(strstr(page, json_string_value(digest)));
    ck_assert_ptr_nonnull(strstr(page, "<svg"));
    ck_assert_ptr_nonnull(strstr(page, "Airbus SE -[46%]-&gt; Eurofighter Jagdflugzeug GmbH"));
    ck_assert_ptr_nonnull(strstr(page, "<th>home_country</th><td>CN</td>"));
    /* nothing fetched from elsewhere: no script, link, image, import or URL */
    static const char *const external[] = {"src=",    "href=",   "url(",         "<link",
                                           "@import", "<script", "<!DOCTYPE svg"};
    for (size_t i = 0; i < sizeof(external) / sizeof(external[0]); i++) {
        ck_assert_msg(!strstr(page, external[i]), "the report holds '%s'", external[i]);
    }
    char path[300];
    snprintf(path, sizeof(path), "%s/report.html", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(page, f);
    fclose(f);
    free(page);
    json_decref(digest);
    /* one report a run, of a risk answer */
    snprintf(cmd, sizeof(cmd), "%s query --socket %s --format html 'paths co:pierburg' 2>/dev/null",
             VEUD_PATH, D.sock);
    ck_assert_int_eq(WEXITSTATUS(system(cmd)), 64);
    snprintf(cmd, sizeof(cmd), "%s query --socket %s --format html 'risk no:such' >/dev/null 2>&1",
             VEUD_PATH, D.sock);
    ck_assert_int_eq(WEXITSTATUS(system(cmd)), 1);
    if (access("/usr/bin/chromium", X_OK) == 0) {
        /* a blank page of the same size, to tell a rendering from nothing */
        snprintf(path, sizeof(path), "%s/blank.html", dir);
        f = fopen(path, "w");
        fputs("<!DOCTYPE html><html><body></body></html>\n", f);
        fclose(f);
        const char *pages[] = {"report", "blank"};
        long png[2];
        for (int k = 0; k < 2; k++) {
            snprintf(cmd, sizeof(cmd),
                     "cd %s && HOME=%s chromium --headless --no-sandbox --disable-gpu "
                     "--user-data-dir=%s/profile --window-size=1000,1400 --screenshot=%s/%s.png "
                     "%s/%s.html >/dev/null 2>&1",
                     dir, dir, dir, dir, pages[k], dir, pages[k]);
            ck_assert_int_eq(system(cmd), 0);
            struct stat sb;
            snprintf(path, sizeof(path), "%s/%s.png", dir, pages[k]);
            ck_assert_int_eq(stat(path, &sb), 0);
            png[k] = (long)sb.st_size;
        }
        ck_assert_msg(png[0] > 10 * png[1], "report %ld bytes of PNG, blank %ld", png[0], png[1]);
        snprintf(cmd, sizeof(cmd),
                 "cd %s && HOME=%s chromium --headless --no-sandbox --disable-gpu "
                 "--user-data-dir=%s/profile --print-to-pdf=%s/report.pdf %s/report.html "
                 ">/dev/null 2>&1 && head -c 5 %s/report.pdf",
                 dir, dir, dir, dir, dir, dir);
        char *pdf = capture(cmd, &st);
        ck_assert_int_eq(st, 0);
        ck_assert_str_eq(pdf, "%PDF-");
        free(pdf);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    stop();
}
END_TEST

static void changes_match_diff(json_t *answer, uint64_t from, uint64_t to);

/* Every id's verdict and codes through screen, as {id: "verdict codes"}; absent ids left out. */
static json_t *screen_all(const char *const *ids, size_t n)
{
    json_t *req = json_pack("{s:s}", "op", "screen"), *a = json_array(), *out = json_object();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, json_string(ids[i]));
    }
    json_object_set_new(req, "entities", a);
    char *line = json_dumps(req, JSON_COMPACT);
    json_t *ans = hx_ask(&D, line);
    free(line);
    json_decref(req);
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(json_object_get(ans, "result"), "results"), i, x)
    {
        const char *v = json_string_value(json_object_get(x, "verdict"));
        if (strcmp(v, "unknown")) {
            char *codes = json_dumps(json_object_get(x, "codes"), JSON_COMPACT);
            json_object_set_new(out, json_string_value(json_object_get(x, "entity")),
                                json_sprintf("%s %s", v, codes));
            free(codes);
        }
    }
    json_decref(ans);
    return out;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/*
 * changes between generations (SPEC section 9), checked against a full
 * re-screen of both: a stake crossing 50%, a new listing, a removed entity,
 * a new subsidiary; then limit, entities, and a generation no longer kept.
 */
START_TEST(changes_between_generations)
{
    char dir[] = "/tmp/veu-changes-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    static const char *const ids[] = {"X", "P", "A", "B", "C", "D", "E"};
    write_file(dir, "entities.csv",
               "id,name,country\nX,Seed Arms,US\nP,Parent Holding,DE\nA,Alpha,DE\nB,Beta,DE\n"
               "C,Gamma,DE\nE,Epsilon,FR\n");
    write_file(dir, "designations.csv", "entity_id,designation\nX,defense\n");
    write_file(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,60\nX,B,5\nP,C,100\n");
    char extra[300], audit[300];
    snprintf(audit, sizeof(audit), "%s/audit.jsonl", dir);
    snprintf(extra, sizeof(extra), "keep_generations = 2\naudit_log = %s\n", audit);
    hx_start(&D, dir, extra);
    ck_assert_msg(hx_wait_log(&D, "generation 1 serving", 60000), "%s", hx_log(&D));
    json_t *before = screen_all(ids, 7);
    json_decref(hx_ask(&D, "{\"op\":\"risk\",\"entity\":\"B\"}")); /* audited, as decided */
    json_t *a = hx_ask(&D, "changes");
    ck_assert_str_eq(err_code(a), "not_found"); /* nothing before the first */
    json_decref(a);

    write_file(dir, "entities.csv",
               "id,name,country\nX,Seed Arms,US\nP,Parent Holding,DE\nA,Alpha,DE\nB,Beta,DE\n"
               "D,Delta,DE\nE,Epsilon,FR\n");
    write_file(dir, "designations.csv", "entity_id,designation\nX,defense\nP,military\n");
    write_file(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,60\nX,B,55\nX,D,100\n");
    a = hx_ask(&D, "reload");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 2);
    json_decref(a);
    json_t *after = screen_all(ids, 7);

    /* what a full re-screen of both says changed */
    size_t want = 0;
    for (size_t i = 0; i < 7; i++) {
        json_t *b = json_object_get(before, ids[i]), *c = json_object_get(after, ids[i]);
        want += !b || !c || strcmp(json_string_value(b), json_string_value(c));
    }
    ck_assert_uint_ge(want, 4);
    /* a pipelined replay: every request waits on the one mapping of generation 1, none busy */
    int fd = hx_connect(&D);
    for (int k = 0; k < 50; k++) {
        static const char req[] = "{\"op\":\"risk\",\"entity\":\"B\",\"generation\":1}\n";
        hx_send(fd, req, sizeof(req) - 1);
    }
    for (int k = 0; k < 50; k++) {
        char *line = hx_readline(fd, 30000);
        ck_assert_ptr_nonnull(line);
        json_t *ans = json_loads(line, 0, NULL);
        ck_assert_msg(json_is_true(json_object_get(ans, "ok")), "%s", line);
        ck_assert_int_eq(json_integer_value(json_object_get(ans, "generation")), 1);
        json_decref(ans);
        free(line);
    }
    close(fd);
    a = hx_ask(&D, "changes");
    json_t *r = json_object_get(a, "result"), *ch = json_object_get(r, "changes"), *x;
    ck_assert_msg(r, "%s", json_dumps(a, 0));
    ck_assert_int_eq(json_integer_value(json_object_get(r, "from")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "to")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "total")), (json_int_t)want);
    ck_assert(json_is_false(json_object_get(r, "truncated")));
    ck_assert_uint_eq(json_array_size(ch), want);
    static const char *const rank[] = {"deny", "review", "fast_track", "standard"};
    int last_rank = -1;
    const char *last_id = "";
    size_t i;
    json_array_foreach(ch, i, x)
    {
        const char *id = json_string_value(json_object_get(json_object_get(x, "entity"), "id"));
        json_t *sides[2] = {json_object_get(x, "before"), json_object_get(x, "after")};
        json_t *screened[2] = {json_object_get(before, id), json_object_get(after, id)};
        for (int k = 0; k < 2; k++) {
            if (!screened[k]) {
                ck_assert_msg(json_is_null(sides[k]), "%s: side %d should be null", id, k);
                continue;
            }
            char *codes = json_dumps(json_object_get(sides[k], "codes"), JSON_COMPACT);
            char *got = NULL;
            ck_assert_int_gt(asprintf(&got, "%s %s",
                                      json_string_value(json_object_get(sides[k], "verdict")),
                                      codes),
                             0);
            ck_assert_str_eq(got, json_string_value(screened[k]));
            free(got);
            free(codes);
        }
        /* deny first, then review, then by id */
        json_t *ranked = json_is_null(sides[1]) ? sides[0] : sides[1];
        int rk = 0;
        while (strcmp(rank[rk], json_string_value(json_object_get(ranked, "verdict")))) {
            rk++;
        }
        ck_assert(rk > last_rank || (rk == last_rank && strcmp(id, last_id) > 0));
        last_rank = rk;
        last_id = id;
    }
    /* C is gone, D is new */
    char *txt = json_dumps(ch, JSON_COMPACT);
    ck_assert_ptr_nonnull(strstr(txt, "{\"entity\":{\"id\":\"C\",\"name\":\"Gamma\"},"));
    ck_assert_ptr_nonnull(strstr(txt, "\"after\":null"));
    changes_match_diff(a, 1, 2); /* answered from what the rebuild worked out */
    ck_assert_ptr_nonnull(
        strstr(txt, "{\"entity\":{\"id\":\"D\",\"name\":\"Delta\"},\"before\":null"));
    free(txt);
    json_decref(a);

    /* limit, and only the entities asked about */
    a = hx_ask(&D, "{\"op\":\"changes\",\"since\":1,\"limit\":1}");
    r = json_object_get(a, "result");
    ck_assert_uint_eq(json_array_size(json_object_get(r, "changes")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "total")), (json_int_t)want);
    ck_assert(json_is_true(json_object_get(r, "truncated")));
    json_decref(a);
    a = hx_ask(&D, "{\"op\":\"changes\",\"entities\":[\"E\",\"B\",\"nobody\"]}");
    r = json_object_get(a, "result");
    ck_assert_int_eq(json_integer_value(json_object_get(r, "total")), 1); /* E did not change */
    txt = json_dumps(json_object_get(r, "unknown"), JSON_COMPACT);
    ck_assert_str_eq(txt, "[\"nobody\"]"); /* in neither generation: said, not read as no change */
    free(txt);
    ck_assert_str_eq(
        json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(r, "changes"), 0), "entity"), "id")),
        "B");
    json_decref(a);
    a = hx_ask(&D, "{\"op\":\"changes\",\"since\":\"1\"}");
    ck_assert_str_eq(err_code(a), "bad_request");
    json_decref(a);

    /* generation 1 answers as it did then: the same screen, B at 5%, Gamma still found */
    json_t *g1 = json_pack("{s:s,s:[s,s,s,s,s,s,s],s:i}", "op", "screen", "entities", "X", "P", "A",
                           "B", "C", "D", "E", "generation", 1);
    char *line = json_dumps(g1, JSON_COMPACT);
    json_t *then = hx_ask(&D, line), *now = hx_ask(&D, "screen X P A B C D E");
    ck_assert_int_eq(json_integer_value(json_object_get(then, "generation")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(now, "generation")), 2);
    ck_assert(!json_equal(json_object_get(then, "result"), json_object_get(now, "result")));
    json_decref(then);
    json_decref(now);
    free(line);
    json_decref(g1);
    json_t *replayed = screen_all(ids, 7); /* generation 2 still serves the rest */
    ck_assert(json_equal(replayed, after));
    json_decref(replayed);
    a = hx_ask(&D, "{\"op\":\"risk\",\"entity\":\"B\",\"generation\":1,\"id\":\"g1\"}");
    ck_assert_str_eq(json_string_value(json_object_get(a, "id")), "g1");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 1);
    r = json_object_get(a, "result");
    json_t *cl = json_array(), *reason;
    size_t k;
    json_array_foreach(json_object_get(r, "reasons"), k, reason)
    {
        json_array_append(cl, json_object_get(reason, "code"));
    }
    char *got = NULL, *codes = json_dumps(cl, JSON_COMPACT);
    json_decref(cl);
    ck_assert_int_gt(
        asprintf(&got, "%s %s", json_string_value(json_object_get(r, "verdict")), codes), 0);
    ck_assert_str_eq(got, json_string_value(json_object_get(before, "B")));
    free(got);
    free(codes);
    json_decref(a);
    a = hx_ask(&D, "{\"op\":\"search\",\"name\":\"Gamma\",\"generation\":1}");
    ck_assert_str_eq(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_object_get(a, "result"), "matches"), 0), "id")),
        "C");
    json_decref(a);
    a = hx_ask(&D, "{\"op\":\"risk\",\"entity\":\"C\"}"); /* gone from generation 2 */
    ck_assert_str_eq(err_code(a), "not_found");
    json_decref(a);
    a = hx_ask(&D, "{\"op\":\"risk\",\"entity\":\"B\",\"generation\":\"1\"}");
    ck_assert_str_eq(err_code(a), "bad_request");
    json_decref(a);

    /* the audited decision replayed after the data changed: its request, at its generation */
    size_t na;
    json_t *trail = read_lines(audit, &na), *decided = NULL, *line_j;
    json_array_foreach(trail, i, line_j)
    {
        if (!strcmp(json_string_value(json_object_get(line_j, "entity")) ?: "", "B") &&
            !strcmp(json_string_value(json_object_get(json_object_get(line_j, "request"), "op")),
                    "risk")) {
            decided = line_j;
            break;
        }
    }
    ck_assert_ptr_nonnull(decided);
    json_t *again = json_deep_copy(json_object_get(decided, "request"));
    json_object_set(again, "generation", json_object_get(decided, "generation"));
    line = json_dumps(again, JSON_COMPACT);
    a = hx_ask(&D, line);
    free(line);
    json_decref(again);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "result"), "verdict")),
                     json_string_value(json_object_get(decided, "verdict")));
    ck_assert_str_eq(json_string_value(json_object_get(decided, "verdict")), "standard");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 1);
    json_decref(a);
    json_decref(trail);

    /* a third generation delists P: with keep_generations = 2 the first is no longer kept */
    write_file(dir, "designations.csv", "entity_id,designation\nX,defense\n");
    a = hx_ask(&D, "reload");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 3);
    json_decref(a);
    a = hx_ask(&D, "changes 1");
    ck_assert_str_eq(err_code(a), "not_found");
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(json_object_get(a, "error"), "message")),
               "the oldest kept is 2"));
    json_decref(a);
    a = hx_ask(&D, "changes 2");
    json_t *p_ch = json_array_get(json_object_get(json_object_get(a, "result"), "changes"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(p_ch, "entity"), "id")),
                     "P");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(p_ch, "before"), "verdict")),
                     "deny");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(p_ch, "after"), "verdict")),
                     "standard");
    changes_match_diff(a, 2, 3);
    json_decref(a);
    a = hx_ask(&D, "changes 9");
    ck_assert_str_eq(err_code(a), "not_found");
    json_decref(a);
    a = hx_ask(&D, "{\"op\":\"risk\",\"entity\":\"B\",\"generation\":1}");
    ck_assert_str_eq(err_code(a), "not_found");
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(json_object_get(a, "error"), "message")),
               "the oldest kept is 2"));
    json_decref(a);
    a = hx_ask(&D, "{\"op\":\"risk\",\"entity\":\"B\",\"generation\":4}");
    ck_assert_str_eq(err_code(a), "not_found");
    json_decref(a);
    /* stats tells what the state directory holds */
    json_t *st = stat_of("state");
    struct stat s2, s3;
    char p2[400], p3[400];
    snprintf(p2, sizeof(p2), "%s/state/veud-2.snap", D.dir);
    snprintf(p3, sizeof(p3), "%s/state/veud-3.snap", D.dir);
    ck_assert_int_eq(stat(p2, &s2) | stat(p3, &s3), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(st, "generations")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(st, "oldest")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(st, "bytes")), s2.st_size + s3.st_size);
    json_decref(st);
    /* a kept generation is mapped when asked for, and stays mapped for the next request */
    json_decref(hx_ask(&D, "{\"op\":\"risk\",\"entity\":\"B\",\"generation\":2}"));
    st = stat_of("state");
    char *mapped = json_dumps(json_object_get(st, "mapped"), JSON_COMPACT);
    ck_assert_str_eq(mapped, "[2]");
    free(mapped);
    json_decref(st);
    a = hx_ask(&D, "{\"op\":\"risk\",\"entity\":\"B\",\"generation\":2}");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "result"), "verdict")),
                     "deny");
    json_decref(a);

    json_decref(before);
    json_decref(after);
    ck_assert_int_eq(hx_stop(&D), 0);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The changes op's list equals what veud diff prints for the two kept snapshots. */
static void changes_match_diff(json_t *answer, uint64_t from, uint64_t to)
{
    char cmd[1200];
    int st;
    snprintf(cmd, sizeof(cmd), "%s diff %s/state/veud-%llu.snap %s/state/veud-%llu.snap", VEUD_PATH,
             D.dir, (unsigned long long)from, D.dir, (unsigned long long)to);
    char *out = capture(cmd, &st), *save;
    ck_assert_int_eq(st, 0);
    json_t *ch = json_object_get(json_object_get(answer, "result"), "changes");
    size_t k = 0;
    for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save), k++) {
        json_t *d = json_loads(l, 0, NULL);
        ck_assert_msg(json_equal(d, json_array_get(ch, k)), "change %zu differs from diff: %s", k,
                      l);
        json_decref(d);
    }
    ck_assert_uint_eq(k, json_array_size(ch));
    free(out);
}

/* Reads one event line of a watcher, as JSON. */
static json_t *event_of(int fd)
{
    char *line = hx_readline(fd, 30000);
    ck_assert_msg(line != NULL, "no event; the daemon's log:\n%s", hx_log(&D));
    json_t *j = json_loads(line, 0, NULL);
    ck_assert_msg(j != NULL, "event is not JSON: %s", line);
    free(line);
    return j;
}

/*
 * Reads a watcher's events of one generation: the change events, as
 * {id: event}, up to the generation event, whose changes count must match.
 */
static json_t *events_until_generation(int fd, json_int_t generation)
{
    json_t *got = json_object();
    for (;;) {
        json_t *e = event_of(fd);
        const char *kind = json_string_value(json_object_get(e, "event"));
        ck_assert_int_eq(json_integer_value(json_object_get(e, "generation")), generation);
        if (!strcmp(kind, "generation")) {
            ck_assert_int_eq(json_integer_value(json_object_get(e, "changes")),
                             (json_int_t)json_object_size(got));
            json_decref(e);
            return got;
        }
        ck_assert_str_eq(kind, "change");
        json_t *ent = json_object_get(e, "entity");
        json_object_set(got, json_string_value(json_object_get(ent, "id")), e);
        json_decref(e);
    }
}

/* watch (SPEC section 9) across three rebuilds: every entity, some, and a half-closed watcher. */
START_TEST(watch_across_three_rebuilds)
{
    char dir[] = "/tmp/veu-watch-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    write_file(dir, "entities.csv",
               "id,name,country\nX,Seed Arms,US\nP,Parent Holding,DE\nA,Alpha,DE\nB,Beta,DE\n"
               "C,Gamma,DE\nE,Epsilon,FR\n");
    write_file(dir, "designations.csv", "entity_id,designation\nX,defense\n");
    write_file(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,60\nX,B,5\nP,C,100\n");
    hx_start(&D, dir, NULL);
    ck_assert_msg(hx_wait_log(&D, "generation 1 serving", 60000), "%s", hx_log(&D));
    int all = hx_connect(&D), some = hx_connect(&D), half = hx_connect(&D);
    hx_send(all, "{\"op\":\"watch\",\"id\":\"w\"}\n", 24);
    hx_send(some, "watch B D\n", 10); /* D is not there yet */
    hx_send(half, "watch\n", 6);
    json_t *e = event_of(all);
    ck_assert_str_eq(json_string_value(json_object_get(e, "id")), "w");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(e, "result"), "watching")),
                     6);
    json_decref(e);
    e = event_of(some);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(e, "result"), "watching")),
                     2);
    ck_assert_str_eq(json_string_value(json_array_get(
                         json_object_get(json_object_get(e, "result"), "unknown"), 0)),
                     "D");
    json_decref(e);
    json_decref(event_of(half));
    ck_assert_int_eq(shutdown(half, SHUT_WR), 0); /* as socat does at the end of its input */
    hx_send(all, "ping\n", 5);                    /* a watcher only receives: no answer */

    /* 1: a stake crosses 50%, a listing, a removed entity, a new subsidiary */
    write_file(dir, "entities.csv",
               "id,name,country\nX,Seed Arms,US\nP,Parent Holding,DE\nA,Alpha,DE\nB,Beta,DE\n"
               "D,Delta,DE\nE,Epsilon,FR\n");
    write_file(dir, "designations.csv", "entity_id,designation\nX,defense\nP,military\n");
    write_file(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,60\nX,B,55\nX,D,100\n");
    json_decref(hx_ask(&D, "reload"));
    json_t *a = hx_ask(&D, "changes");
    json_t *want = json_object_get(json_object_get(a, "result"), "changes"), *x;
    json_t *got = events_until_generation(all, 2), *got_half = events_until_generation(half, 2);
    ck_assert_uint_eq(json_object_size(got), json_array_size(want));
    ck_assert_uint_ge(json_object_size(got), 4);
    size_t i;
    json_array_foreach(want, i, x)
    {
        const char *id = json_string_value(json_object_get(json_object_get(x, "entity"), "id"));
        json_t *ev = json_object_get(got, id);
        ck_assert_msg(ev, "no event for %s", id);
        ck_assert(json_equal(json_object_get(ev, "before"), json_object_get(x, "before")));
        ck_assert(json_equal(json_object_get(ev, "after"), json_object_get(x, "after")));
        ck_assert(json_equal(json_object_get(ev, "entity"), json_object_get(x, "entity")));
    }
    ck_assert(json_equal(got, got_half));
    json_decref(got);
    json_decref(got_half);
    json_decref(a);
    got = events_until_generation(some, 2);
    ck_assert_uint_eq(json_object_size(got), 2);
    ck_assert(json_is_null(json_object_get(json_object_get(got, "D"), "before")));
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(json_object_get(got, "B"), "after"), "verdict")),
                     "deny");
    json_decref(got);

    /* 2: the same data again: no change, only the generation */
    json_decref(hx_ask(&D, "reload"));
    got = events_until_generation(all, 3);
    ck_assert_uint_eq(json_object_size(got), 0);
    json_decref(got);
    json_decref(events_until_generation(some, 3));
    json_decref(events_until_generation(half, 3));

    /* 3: B back to 5% */
    write_file(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,60\nX,B,5\nX,D,100\n");
    json_decref(hx_ask(&D, "reload"));
    got = events_until_generation(some, 4);
    ck_assert_uint_eq(json_object_size(got), 1);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(json_object_get(got, "B"), "after"), "verdict")),
                     "standard");
    json_decref(got);
    got = events_until_generation(all, 4);
    ck_assert_ptr_nonnull(json_object_get(got, "B"));
    json_decref(got);
    json_decref(events_until_generation(half, 4));
    ck_assert_msg(hx_wait_log(&D, ", 1 entities changed verdict or codes since generation 3", 5000),
                  "%s", hx_log(&D));
    /* from a generation older than the last: mapped and compared in the thread pool */
    a = hx_ask(&D, "{\"op\":\"changes\",\"since\":1}");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(a, "result"), "from")), 1);
    ck_assert_int_ge(json_integer_value(json_object_get(json_object_get(a, "result"), "total")), 3);
    changes_match_diff(a, 1, 4);
    json_decref(a);
    close(all);
    close(some);
    close(half);
    ck_assert_int_eq(hx_stop(&D), 0);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/*
 * veud screen (SPEC section 9): a CSV of ids, names, a name two companies
 * share (with and without country), unknown ones and blank lines, one
 * report row each, in order; one id or name per line as JSON lines; and a
 * report pinned to a kept generation.
 */
START_TEST(screen_a_file_of_buyers)
{
    char dir[] = "/tmp/veu-screen-XXXXXX", cmd[1200];
    int st;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    write_file(dir, "entities.csv",
               "id,name,country\nX,Seed Arms,US\nA,Alpha GmbH,DE\nA2,Alpha GmbH,FR\nB,Beta,DE\n");
    write_file(dir, "designations.csv", "entity_id,designation\nX,defense\n");
    write_file(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,60\nX,B,55\n");
    write_file(dir, "buyers.csv",
               "ID,Name,Country\nX,,\n,Alpha GmbH,\n,\"Alpha GmbH\",FR\n\n,Nobody At All,\nB,,\n"
               "zz-unknown,,\n");
    hx_start(&D, dir, NULL);
    ck_assert_msg(hx_wait_log(&D, "generation 1 serving", 60000), "%s", hx_log(&D));
    json_t *stats = stat_of("dataset_digest");
    snprintf(cmd, sizeof(cmd), "%s screen --socket %s %s/buyers.csv 2>%s/err", VEUD_PATH, D.sock,
             dir, dir);
    char *out = capture(cmd, &st);
    ck_assert_int_eq(st, 1); /* some rows were not answered */
    static const char *const want[] = {
        "line,input,country,id,name,score,verdict,codes,generation,dataset_digest,policy_digest,"
        "evidence,error",
        "2,X,,X,Seed Arms,1,deny,is_seed,1,",
        "3,Alpha GmbH,,,,,,,,,,,",
        "4,Alpha GmbH,FR,A2,Alpha GmbH,1,standard,,1,",
        "6,Nobody At All,,,,,,,,,,,",
        "7,B,,B,Beta,1,deny,defense_controlled,1,",
        "8,zz-unknown,,,,,,,,,,,",
    };
    char *save, *lines[16];
    size_t n = 0;
    for (char *l = strtok_r(out, "\n", &save); l && n < 16; l = strtok_r(NULL, "\n", &save)) {
        lines[n++] = l;
    }
    ck_assert_uint_eq(n, 7);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(!strncmp(lines[i], want[i], strlen(want[i])), "row %zu: %s", i, lines[i]);
    }
    ck_assert_ptr_nonnull(strstr(lines[2], ",\"ambiguous: "));
    ck_assert_ptr_nonnull(strstr(lines[4], "not_found: "));
    ck_assert_ptr_nonnull(strstr(lines[5], json_string_value(stats))); /* the digest */
    ck_assert_ptr_nonnull(strstr(lines[5], ",Seed Arms -[55%]-> Beta,"));
    free(out);
    snprintf(cmd, sizeof(cmd), "cat %s/err", dir);
    out = capture(cmd, &st);
    ck_assert_ptr_nonnull(strstr(out, "1 blank lines skipped"));
    free(out);

    /* one id or name per line, as JSON lines, from standard input */
    snprintf(cmd, sizeof(cmd), "printf 'B\\nSeed Arms\\n' | %s screen --socket %s --format jsonl -",
             VEUD_PATH, D.sock);
    out = capture(cmd, &st);
    ck_assert_int_eq(st, 0);
    char *nl = strchr(out, '\n');
    ck_assert_ptr_nonnull(nl);
    *nl = '\0';
    json_t *r1 = json_loads(out, 0, NULL), *r2 = json_loads(nl + 1, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(r1, "id")), "B");
    ck_assert_str_eq(json_string_value(json_object_get(r1, "codes")
                                           ? json_array_get(json_object_get(r1, "codes"), 0)
                                           : NULL),
                     "defense_controlled");
    ck_assert_str_eq(json_string_value(json_object_get(r2, "id")), "X");
    ck_assert_int_eq(json_integer_value(json_object_get(r2, "line")), 2);
    json_decref(r1);
    json_decref(r2);
    free(out);

    /* the report of a kept generation after the data changed */
    write_file(dir, "ownership.csv", "owner_id,owned_id,percent\nX,A,60\nX,B,5\n");
    json_decref(hx_ask(&D, "reload"));
    snprintf(cmd, sizeof(cmd), "printf 'B\\n' | %s screen --socket %s -", VEUD_PATH, D.sock);
    out = capture(cmd, &st);
    ck_assert_ptr_nonnull(strstr(out, "\n1,B,,B,Beta,1,standard,,2,"));
    free(out);
    snprintf(cmd, sizeof(cmd), "printf 'B\\n' | %s screen --socket %s --generation 1 - 2>/dev/null",
             VEUD_PATH, D.sock);
    out = capture(cmd, &st);
    ck_assert_msg(strstr(out, "\n1,B,,B,Beta,1,deny,defense_controlled,1,"), "%s", out);
    free(out);
    json_decref(stats);
    ck_assert_int_eq(hx_stop(&D), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(registry_exports_through_rebuild)
{
    start(NULL);
    char cmd[1200];
    /*
     * The sample carries real GLEIF records; UK PSC statements (BODS 0.2) and
     * FollowTheMoney lines are dropped beside it as published, and two
     * designations added: one on a GLEIF group, one on an FtM company.
     */
    snprintf(cmd, sizeof(cmd),
             "cp %s/bods/uk-psc-0.2.json %s/psc.json && cp %s/ftm/entities.jsonl %s/ftm.jsonl"
             " && printf 'LEI:984500501A1B1045PB30,defense,test designation,\nftm-alpha,defense,"
             "test designation,\n' >> %s/designations.csv",
             TEST_DATA_DIR, data, TEST_DATA_DIR, data, data);
    ck_assert_int_eq(system(cmd), 0);
    json_t *a = hx_ask(&D, "reload");
    ck_assert_msg(json_is_true(json_object_get(a, "ok")), "reload failed");
    json_decref(a);
    /* the journal line counts the changes veud diff lists between the two snapshots */
    const char *what = " entities changed verdict or codes since generation 1";
    ck_assert_msg(hx_wait_log(&D, what, 10000), "%s", hx_log(&D));
    const char *log = hx_log(&D), *num = strstr(log, what);
    while (num > log && num[-1] >= '0' && num[-1] <= '9') {
        num--;
    }
    long logged = strtol(num, NULL, 10);
    int st;
    snprintf(cmd, sizeof(cmd), "%s diff %s/state/veud-1.snap %s/state/veud-2.snap | wc -l",
             VEUD_PATH, D.dir, D.dir);
    char *listed = capture(cmd, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_int_gt(logged, 0);
    ck_assert_int_eq(logged, strtol(listed, NULL, 10));
    free(listed);
    /* MONOOVA FX is consolidated by a (here) designated group: denied, with the path */
    a = hx_ask(&D, "risk LEI:98450051BS9C610A8T78");
    json_t *r = json_object_get(a, "result");
    ck_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "deny");
    char *txt = json_dumps(r, 0);
    ck_assert_ptr_nonnull(strstr(txt, "LEI:2138002YAB7Z9KO21397"));
    free(txt);
    json_decref(a);
    /* found by name the way a person types it */
    a = hx_ask(&D, "{\"op\":\"search\",\"name\":\"Monoova FX Pty. Ltd.\",\"limit\":1}");
    ck_assert_str_eq(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_object_get(a, "result"), "matches"), 0), "id")),
        "LEI:98450051BS9C610A8T78");
    json_decref(a);
    a = hx_ask(&D, "risk ftm-beta"); /* 51%, written "51%" in the FtM record */
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "result"), "verdict")),
                     "deny");
    json_decref(a);
    a = hx_ask(&D, "owners GB-COH:06436883");
    r = json_array_get(json_object_get(json_object_get(a, "result"), "direct"), 0);
    ck_assert_double_eq_tol(json_number_value(json_object_get(r, "percent")), 75, 1e-9);
    json_decref(a);
    /* what could not be used is reported in stats, with file and record */
    a = hx_ask(&D, "stats");
    json_t *snap = json_object_get(json_object_get(a, "result"), "snapshot");
    ck_assert_int_gt(json_integer_value(json_object_get(snap, "warnings")), 0);
    /* a snapshot under 2 MiB cannot be mapped with 2 MiB pages: not told */
    ck_assert(json_is_null(json_object_get(snap, "huge_pages_pct")));
    txt = json_dumps(json_object_get(snap, "problems"), 0);
    ck_assert_msg(strstr(txt, "psc.json") && strstr(txt, "is not disclosed"), "%s", txt);
    free(txt);
    json_decref(a);
    stop();
}
END_TEST

/* A listing that starts in the future makes the data dated; rebuilt at once. */
static void list_vestas_from_2099(void)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd),
             "printf 'co:vestas,defense,test list,2099-01-01\n' >> %s/designations.csv", data);
    ck_assert_int_eq(system(cmd), 0);
    json_t *a = hx_ask(&D, "reload");
    ck_assert(json_is_true(json_object_get(a, "ok")));
    json_decref(a);
}

/* The listing of list_vestas_from_2099 moves to 2101: a new graph. */
static void move_vestas_listing_to_2101(void)
{
    char cmd[700];
    snprintf(cmd, sizeof(cmd),
             "sed -i 's/^co:vestas,defense,test list,2099-01-01$/"
             "co:vestas,defense,test list,2101-01-01/' %s/designations.csv",
             data);
    ck_assert_int_eq(system(cmd), 0);
    json_t *a = hx_ask(&D, "reload");
    ck_assert(json_is_true(json_object_get(a, "ok")));
    json_decref(a);
}

START_TEST(dated_rows_through_rebuild)
{
    start(NULL);
    char cmd[600], today[11];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    list_vestas_from_2099();
    json_t *a, *r;
    for (int k = 0; k < 3; k++) {         /* the third answer comes from the cache */
        a = hx_ask(&D, "risk co:vestas"); /* not listed yet: still a validated end user */
        r = json_object_get(a, "result");
        ck_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "fast_track");
        ck_assert_str_eq(json_string_value(json_object_get(r, "as_of")), today);
        json_decref(a);
    }
    /* another day: worked out from the history, answered in the same form */
    a = hx_ask(&D, "{\"op\":\"risk\",\"entity\":\"co:vestas\",\"as_of\":\"2100-01-01\","
                   "\"id\":7}");
    r = json_object_get(a, "result");
    ck_assert_msg(r, "%s", hx_log(&D));
    ck_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "deny");
    ck_assert_str_eq(json_string_value(json_object_get(r, "as_of")), "2100-01-01");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "id")), 7);
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 2);
    json_t *reason = json_array_get(json_object_get(r, "reasons"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(reason, "code")), "is_seed");
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(reason, "detail")), "test list"));
    json_decref(a);
    /* by name, and the same day again after it: the answer for today is unchanged */
    a = hx_ask(&D, "{\"op\":\"risk\",\"name\":\"Vestas Wind Systems\",\"as_of\":\"2099-06-01\"}");
    r = json_object_get(a, "result");
    ck_assert_msg(r, "%s", json_dumps(a, 0));
    ck_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "deny");
    json_decref(a);
    a = hx_ask(&D, "risk co:vestas");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "result"), "verdict")),
                     "fast_track");
    json_decref(a);
    /* screen: known and unknown ids, in request order */
    a = hx_ask(&D, "{\"op\":\"screen\",\"entities\":[\"co:vestas\",\"nobody\",\"co:rtx\"],"
                   "\"as_of\":\"2100-01-01\"}");
    json_t *res = json_object_get(json_object_get(a, "result"), "results");
    ck_assert_int_eq(json_array_size(res), 3);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(res, 0), "verdict")), "deny");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(res, 1), "verdict")),
                     "unknown");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(res, 2), "verdict")), "deny");
    json_decref(a);
    /* owners and paths take the day too */
    a = hx_ask(&D, "{\"op\":\"owners\",\"entity\":\"co:sikorsky\",\"as_of\":\"2010-01-01\"}");
    r = json_object_get(a, "result");
    ck_assert_msg(r, "%s", json_dumps(a, 0));
    ck_assert_str_eq(json_string_value(json_object_get(r, "as_of")), "2010-01-01");
    ck_assert_int_eq(json_array_size(json_object_get(r, "direct")), 1);
    json_decref(a);
    a = hx_ask(&D, "{\"op\":\"paths\",\"entity\":\"co:ula\",\"as_of\":\"2010-01-01\"}");
    ck_assert_int_gt(json_array_size(json_object_get(json_object_get(a, "result"), "paths")), 0);
    json_decref(a);
    /* a bad day and an unknown entity are the usual errors */
    a = hx_ask(&D, "{\"op\":\"risk\",\"entity\":\"co:vestas\",\"as_of\":\"2100-02-30\"}");
    ck_assert_str_eq(err_code(a), "bad_request");
    json_decref(a);
    a = hx_ask(&D, "{\"op\":\"risk\",\"entity\":\"nobody\",\"as_of\":\"2100-01-01\"}");
    ck_assert_str_eq(err_code(a), "not_found");
    json_decref(a);
    snprintf(cmd, sizeof(cmd), "{\"op\":\"risk\",\"entity\":\"co:vestas\",\"as_of\":\"%s\"}",
             today);
    a = hx_ask(&D, cmd);
    ck_assert(json_is_true(json_object_get(a, "ok")));
    json_decref(a);
    stop();
}
END_TEST

/*
 * A regime in veud.conf reaches the server's builders: ULA, held 50/50 by
 * two listed contractors, is defense-controlled when their stakes add up
 * (the default) and not under the UK's rule (no adding up, more than 50%).
 */
START_TEST(regime_reaches_the_builder)
{
    start("[policy]\nregime = uk\n");
    json_t *a = hx_ask(&D, "risk co:ula");
    json_t *r = json_object_get(a, "result");
    ck_assert_msg(r, "%s", hx_log(&D));
    ck_assert(json_is_false(json_object_get(json_object_get(r, "metrics"), "defense_controlled")));
    ck_assert_str_ne(json_string_value(json_object_get(r, "verdict")), "deny");
    json_decref(a);
    a = hx_ask(&D, "stats");
    json_t *pol = json_object_get(json_object_get(a, "result"), "policy");
    ck_assert_str_eq(json_string_value(json_object_get(pol, "regime")), "uk");
    ck_assert(json_is_false(json_object_get(pol, "aggregate_owners")));
    json_decref(a);
    stop();
}
END_TEST

/* stats' "history", polled until the whole graph of day is kept (or not kept, with want 0). */
static json_t *history_stats(const char *day, int want)
{
    for (int i = 0; i < 600; i++) {
        json_t *a = hx_ask(&D, "stats");
        json_t *h = json_object_get(json_object_get(a, "result"), "history");
        ck_assert_msg(h, "no history in stats: %.2000s", json_dumps(a, 0));
        json_t *kept = json_object_get(h, "kept"), *x;
        size_t k;
        int found = 0;
        json_array_foreach(kept, k, x)
        {
            found |= !strcmp(json_string_value(x), day);
        }
        if (found == want && (want || json_is_null(json_object_get(h, "building")))) {
            json_incref(h);
            json_decref(a);
            return h;
        }
        json_decref(a);
        usleep(100000);
    }
    const char *log = hx_log(&D);
    size_t len = strlen(log);
    ck_abort_msg("the whole graph of %s was %s kept; the log ends: %s", day,
                 want ? "never" : "still", log + (len > 2000 ? len - 2000 : 0));
    return NULL;
}

static json_t *result_of(const char *req)
{
    json_t *a = hx_ask(&D, req), *r = json_object_get(a, "result");
    ck_assert_msg(r, "%s: %s", req, json_dumps(a, 0));
    json_incref(r);
    json_decref(a);
    return r;
}

/*
 * A day asked for is built whole in the background and kept: the answers
 * from it equal those worked out from a part, and a new graph drops it.
 */
START_TEST(another_day_kept_whole)
{
    static const char *const reqs[] = {
        "{\"op\":\"risk\",\"entity\":\"co:vestas\",\"as_of\":\"2100-01-01\"}",
        "{\"op\":\"owners\",\"entity\":\"co:sikorsky\",\"as_of\":\"2100-01-01\"}",
        "{\"op\":\"paths\",\"entity\":\"co:ula\",\"as_of\":\"2100-01-01\"}",
        "{\"op\":\"screen\",\"entities\":[\"co:vestas\",\"nobody\",\"co:rtx\"],"
        "\"as_of\":\"2100-01-01\"}",
        "{\"op\":\"risk\",\"name\":\"Vestas Wind Systems\",\"as_of\":\"2100-01-01\"}",
    };
    enum { N = sizeof(reqs) / sizeof(reqs[0]) };
    json_t *part[N];

    start(NULL);
    list_vestas_from_2099();
    for (int i = 0; i < N; i++) {
        part[i] = result_of(reqs[i]); /* the first from a part, whatever comes after */
    }
    json_t *h = history_stats("2100-01-01", 1);
    ck_assert_int_eq(json_integer_value(json_object_get(h, "days")), 1);
    ck_assert_int_gt(json_integer_value(json_object_get(h, "kept_bytes")), 4096);
    ck_assert_int_ge(json_integer_value(json_object_get(h, "answers_from_parts")), 1);
    json_int_t from_kept = json_integer_value(json_object_get(h, "answers_from_kept"));
    json_decref(h);
    for (int i = 0; i < N; i++) {
        json_t *r = result_of(reqs[i]);
        ck_assert_msg(json_equal(r, part[i]), "%s:\nfrom the kept day %.1500s\nfrom a part %.1500s",
                      reqs[i], json_dumps(r, JSON_SORT_KEYS), json_dumps(part[i], JSON_SORT_KEYS));
        json_decref(r);
        json_decref(part[i]);
    }
    h = history_stats("2100-01-01", 1);
    ck_assert_int_eq(json_integer_value(json_object_get(h, "answers_from_kept")), from_kept + N);
    json_decref(h);
    ck_assert_ptr_nonnull(strstr(hx_log(&D), "history: the whole graph of 2100-01-01 kept"));

    /* the listing moves to 2101: a new graph, and the kept day of the old one must not answer */
    move_vestas_listing_to_2101();
    h = history_stats("2100-01-01", 0);
    json_decref(h);
    json_t *r = result_of(reqs[0]);
    ck_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "fast_track");
    json_decref(r);
    stop();
}
END_TEST

/* A configuration that keeps fewer days drops the kept ones beyond it at its reload. */
START_TEST(fewer_days_configured_drop_the_kept_ones)
{
    char cmd[700];
    start(NULL);
    list_vestas_from_2099();
    json_decref(result_of("{\"op\":\"risk\",\"entity\":\"co:vestas\",\"as_of\":\"2100-01-01\"}"));
    json_decref(history_stats("2100-01-01", 1));
    snprintf(cmd, sizeof(cmd), "printf 'history_days = 0\\n' >> %s/veud.conf", D.dir);
    ck_assert_int_eq(system(cmd), 0);
    json_t *a = hx_ask(&D, "reload"); /* the log says the configuration dropped it */
    ck_assert(json_is_true(json_object_get(a, "ok")));
    json_decref(a);
    json_t *h = history_stats("2100-01-01", 0);
    ck_assert_int_eq(json_integer_value(json_object_get(h, "days")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(h, "kept_bytes")), 0);
    json_decref(h);
    ck_assert_ptr_nonnull(strstr(hx_log(&D), "the configuration keeps fewer days"));
    stop();
}
END_TEST

/*
 * A part too big for history_entities is refused while the day is being
 * built whole, saying so, and answered once the day is kept.
 */
START_TEST(too_big_for_a_part_answered_by_the_kept_day)
{
    const char *req = "{\"op\":\"risk\",\"entity\":\"co:pierburg\",\"as_of\":\"2100-01-01\"}";
    start("[daemon]\nhistory_entities = 3\n");
    list_vestas_from_2099();
    json_t *a = hx_ask(&D, req);
    if (!json_object_get(a, "result")) { /* else the day was kept before the part was refused */
        ck_assert_str_eq(err_code(a), "bad_request");
        const char *m = json_string_value(json_object_get(json_object_get(a, "error"), "message"));
        ck_assert_msg(strstr(m, "history_entities") && strstr(m, "is being built"), "%s", m);
    }
    json_decref(a);
    json_decref(history_stats("2100-01-01", 1));
    json_t *r = result_of(req);
    ck_assert_str_eq(json_string_value(json_object_get(r, "as_of")), "2100-01-01");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "entity"), "id")),
                     "co:pierburg");
    json_decref(r);
    stop();
}
END_TEST

/* How many times text is in the log so far. */
static int log_count(const char *text)
{
    int n = 0;
    for (const char *p = hx_log(&D); (p = strstr(p, text)) != NULL; p += strlen(text)) {
        n++;
    }
    return n;
}

/* A day asked for while a rebuild runs is built whole once the rebuild is done. */
START_TEST(a_day_asked_during_a_rebuild_is_built_after_it)
{
    char cmd[700];
    start(NULL);
    list_vestas_from_2099();
    /* a rebuild of some seconds: 300,000 more entities */
    snprintf(cmd, sizeof(cmd),
             "seq 1 300000 | awk '{printf \"filler:%%d,Filler %%d,DE,trading,,test\\n\", $1, $1}' "
             ">> %s/entities.csv",
             data);
    ck_assert_int_eq(system(cmd), 0);
    int started = log_count("rebuild started");
    int fd = hx_connect(&D);
    hx_send(fd, "reload\n", 7);
    ck_assert(hx_wait_count(&D, "rebuild started", started + 1, 10000));
    json_t *r = result_of("{\"op\":\"risk\",\"entity\":\"co:vestas\",\"as_of\":\"2100-01-01\"}");
    ck_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "deny");
    json_decref(r);
    char *line = hx_readline(fd, 120000);
    ck_assert_msg(line && strstr(line, "\"ok\":true"), "reload: %s", line ? line : "(none)");
    free(line);
    close(fd);
    json_decref(history_stats("2100-01-01", 1)); /* no other answer asked for it again */
    const char *log = hx_log(&D), *served = strstr(log, "generation 3 serving");
    const char *day = strstr(log, "history: building the whole graph of 2100-01-01");
    ck_assert_msg(served && day && served < day, "the day was not built after the rebuild: %.2000s",
                  log + (strlen(log) > 2000 ? strlen(log) - 2000 : 0));
    stop();
}
END_TEST

/* The bound on one answer for another day: over it, a sentence naming the key. */
START_TEST(history_answers_are_bounded)
{
    /* no day kept whole: a kept day answers without a part, and so without the bound */
    start("[daemon]\nhistory_entities = 3\nhistory_days = 0\n");
    list_vestas_from_2099();
    json_t *a = hx_ask(&D, "{\"op\":\"risk\",\"entity\":\"co:vestas\",\"as_of\":\"2100-01-01\"}");
    ck_assert_msg(json_object_get(a, "result"), "%s", json_dumps(a, 0)); /* a part of one or two */
    json_decref(a);
    a = hx_ask(&D, "{\"op\":\"risk\",\"entity\":\"co:pierburg\",\"as_of\":\"2100-01-01\"}");
    ck_assert_str_eq(err_code(a), "bad_request");
    const char *m = json_string_value(json_object_get(json_object_get(a, "error"), "message"));
    ck_assert_msg(strstr(m, "history_entities") && strstr(m, "more than 3"), "%s", m);
    json_decref(a);
    a = hx_ask(&D, "ping"); /* and serving goes on */
    ck_assert(json_is_true(json_object_get(a, "ok")));
    json_decref(a);
    json_t *h = history_stats("2100-01-01", 0);
    ck_assert_int_eq(json_integer_value(json_object_get(h, "days")), 0);
    ck_assert_int_eq(json_array_size(json_object_get(h, "kept")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(h, "kept_bytes")), 0);
    json_decref(h);
    stop();
}
END_TEST

/* The daemon's children running `veud history --worker`: how many, the first in *pid. */
static int workers(pid_t *pid)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        char path[300], buf[512];
        int ppid = 0;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) {
            continue;
        }
        /* pid (comm) state ppid: comm may hold spaces, so read after the last ')' */
        size_t len = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[len] = '\0';
        char *rp = strrchr(buf, ')');
        if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1 || ppid != D.pid) {
            continue;
        }
        snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
        f = fopen(path, "r");
        if (!f) {
            continue;
        }
        len = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        int worker = 0;
        for (size_t i = 0; i < len; i += strlen(buf + i) + 1) {
            buf[len] = '\0';
            worker |= !strcmp(buf + i, "--worker");
        }
        if (worker && n++ == 0) {
            *pid = (pid_t)atoi(e->d_name);
        }
    }
    closedir(d);
    return n;
}

/* Waits until the daemon has n workers; the first's pid. */
static pid_t await_workers(int n)
{
    pid_t pid = 0;
    for (int i = 0; i < 300; i++) {
        if (workers(&pid) == n) {
            return pid;
        }
        usleep(20000);
    }
    ck_abort_msg("the daemon never had %d history workers (it has %d)", n, workers(&pid));
    return 0;
}

static json_int_t history_field(const char *field)
{
    json_t *a = hx_ask(&D, "stats");
    json_t *h = json_object_get(json_object_get(a, "result"), "history");
    ck_assert_msg(json_is_integer(json_object_get(h, field)), "%s", json_dumps(a, 0));
    json_int_t v = json_integer_value(json_object_get(h, field));
    json_decref(a);
    return v;
}

/*
 * Waits until the daemon has no worker by its own count: a worker killed is
 * gone from /proc (its memory torn down) before its socket closes and the
 * daemon hears of it; a job sent in between dies with it.
 */
static void await_no_worker(void)
{
    for (int i = 0; i < 300 && history_field("workers") != 0; i++) {
        usleep(20000);
    }
    ck_assert_int_eq(history_field("workers"), 0);
    pid_t pid;
    ck_assert_int_eq(workers(&pid), 0);
}

/*
 * Parts for other days are built by a worker kept running between answers:
 * the same process answers again; one killed while idle is replaced; one
 * that dies on a job fails that job and only that one; a new graph ends the
 * worker of the old one, and the new worker answers from the new graph.
 */
START_TEST(parts_built_by_a_kept_worker)
{
    const char *pierburg = "{\"op\":\"risk\",\"entity\":\"co:pierburg\",\"as_of\":\"2100-01-01\"}";
    const char *vestas = "{\"op\":\"risk\",\"entity\":\"co:vestas\",\"as_of\":\"2100-01-01\"}";
    pid_t first, again;

    start("[daemon]\nhistory_days = 0\n"); /* every answer from a part */
    list_vestas_from_2099();
    json_t *p0 = result_of(pierburg), *v0 = result_of(vestas);
    ck_assert_str_eq(json_string_value(json_object_get(v0, "verdict")), "deny");
    first = await_workers(1);
    ck_assert_int_eq(history_field("workers"), 1);
    for (int i = 0; i < 3; i++) {
        json_t *r = result_of(i % 2 ? vestas : pierburg);
        ck_assert(json_equal(r, i % 2 ? v0 : p0));
        json_decref(r);
    }
    ck_assert_int_eq(await_workers(1), first); /* the same process, every time */

    /* killed while idle: once the daemon has seen it die, the next answer starts another */
    ck_assert_int_eq(kill(first, SIGKILL), 0);
    await_no_worker();
    json_t *r = result_of(pierburg);
    ck_assert(json_equal(r, p0));
    json_decref(r);
    again = await_workers(1);
    ck_assert_int_ne(again, first);

    /* dies on a job: that answer is an error that says so, and the next is answered */
    ck_assert_int_eq(kill(again, SIGSTOP), 0);
    int fd = hx_connect(&D);
    hx_send(fd, vestas, strlen(vestas));
    hx_send(fd, "\n", 1);
    for (int i = 0; i < 300 && history_field("parts_running") != 1; i++) {
        usleep(10000);
    }
    ck_assert_int_eq(history_field("parts_running"), 1);
    ck_assert_int_eq(kill(again, SIGKILL), 0);
    char *line = hx_readline(fd, 10000);
    ck_assert_msg(line && strstr(line, "\"internal\"") && strstr(line, "killed by signal 9"), "%s",
                  line ? line : "(no answer)");
    free(line);
    close(fd);
    r = result_of(vestas);
    ck_assert(json_equal(r, v0));
    json_decref(r);
    pid_t third = await_workers(1);
    ck_assert_int_ne(third, again);

    /* a new graph: the listing moves to 2101, the old graph's worker ends */
    move_vestas_listing_to_2101();
    await_no_worker();
    r = result_of(vestas);
    ck_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "fast_track");
    json_decref(r);
    pid_t last = await_workers(1);
    ck_assert_int_ne(last, third);
    json_decref(p0);
    json_decref(v0);
    stop();
    /* stopping ends the worker too: none is left behind */
    for (int i = 0; i < 100 && kill(last, 0) == 0; i++) {
        usleep(20000);
    }
    ck_assert_int_eq(kill(last, 0), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("daemon");
    TCase *t = tcase_create("daemon");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, protocol_table);
    tcase_add_test(t, blank_lines_crlf_and_split_writes);
    tcase_add_test(t, candidates_scores_read_as_search_writes_them);
    tcase_add_test(t, pipelining_10000);
    tcase_add_test(t, clients_200);
    tcase_add_test(t, batches_keep_each_clients_answers);
    tcase_add_test(t, socat_half_close);
    tcase_add_test(t, hostile_input);
    tcase_add_test(t, max_clients_busy);
    tcase_add_test(t, idle_timeout_closes);
    tcase_add_test(t, backpressure_loses_nothing);
    tcase_add_test(t, reload_and_forbidden);
    tcase_add_test(t, corrupt_dataset_keeps_graph);
    tcase_add_test(t, sighup_storm_while_querying);
    tcase_add_test(t, builder_killed);
    tcase_add_test(t, restart_serves_snapshot_and_refuses_second);
    tcase_add_test(t, systemd_notify);
    tcase_add_test(t, audit_trail);
    tcase_add_test(t, audit_unwritable_refuses_decisions);
    tcase_add_test(t, socket_activation);
    tcase_add_test(t, answer_cache_is_exact);
    tcase_add_test(t, query_client);
    tcase_add_test(t, pictures);
    tcase_add_test(t, decision_report);
    tcase_add_test(t, registry_exports_through_rebuild);
    tcase_add_test(t, changes_between_generations);
    tcase_add_test(t, watch_across_three_rebuilds);
    tcase_add_test(t, screen_a_file_of_buyers);
    tcase_add_test(t, dated_rows_through_rebuild);
    tcase_add_test(t, regime_reaches_the_builder);
    tcase_add_test(t, history_answers_are_bounded);
    tcase_add_test(t, another_day_kept_whole);
    tcase_add_test(t, too_big_for_a_part_answered_by_the_kept_day);
    tcase_add_test(t, a_day_asked_during_a_rebuild_is_built_after_it);
    tcase_add_test(t, fewer_days_configured_drop_the_kept_ones);
    tcase_add_test(t, parts_built_by_a_kept_worker);
    suite_add_tcase(s, t);
    return hx_run(s);
}
