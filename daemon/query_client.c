/* SPDX-License-Identifier: MIT */
/*
 * query_client.c: `veud query`, a small client in the daemon's binary.
 * Sends each argument (or each line of standard input) as one request,
 * shuts its writing side, prints every answer line, and exits 1 when any
 * answer is an error, 69 when the daemon cannot be reached or does not
 * answer in time.  Plain blocking sockets with poll(): no loop needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "dot.h"
#include "html.h"
#include "main.h"
#include "words.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum { FMT_JSON, FMT_DOT, FMT_SVG, FMT_TEXT, FMT_HTML };

/*
 * For drawing: risk and paths requests ask for the "entities" member.  An
 * inline "risk ARG" becomes JSON with ARG as the id, else the name, as the
 * inline form reads it.  NULL for a request that cannot be drawn (another
 * op, or no request at all): the caller refuses it.
 */
static char *with_graph(const char *line, size_t len)
{
    while (len && (*line == ' ' || *line == '\t')) {
        line++, len--;
    }
    json_t *j = NULL;
    if (len && (*line == '{' || *line == '[')) {
        j = json_loadb(line, len, 0, NULL);
    } else {
        const char *sp = memchr(line, ' ', len);
        if (sp && ((sp - line == 4 && !strncmp(line, "risk", 4)) ||
                   (sp - line == 5 && !strncmp(line, "paths", 5)))) {
            const char *arg = sp + 1, *end = line + len;
            while (end > arg && (end[-1] == ' ' || end[-1] == '\r')) {
                end--;
            }
            j = json_pack("{s:s%,s:s%,s:s%}", "op", line, (size_t)(sp - line), "entity", arg,
                          (size_t)(end - arg), "name", arg, (size_t)(end - arg));
        }
    }
    const char *op = json_string_value(json_object_get(j, "op"));
    char *out = NULL;
    if (json_is_object(j) && op && (!strcmp(op, "risk") || !strcmp(op, "paths"))) {
        json_object_set_new(j, "graph", json_true());
        out = json_dumps(j, JSON_COMPACT);
    }
    json_decref(j);
    return out;
}

/* Is `dot` (Graphviz) on PATH? */
static int have_dot(void)
{
    const char *path = getenv("PATH");
    char buf[4096];

    if (!path) {
        return 0;
    }
    for (const char *p = path; *p;) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        snprintf(buf, sizeof(buf), "%.*s/dot", (int)n, p);
        if (access(buf, X_OK) == 0) {
            return 1;
        }
        p += n + (colon ? 1 : 0);
    }
    return 0;
}

/* The evidence of an answer drawn by Graphviz as SVG (malloc'd), or NULL. */
static char *draw_svg(json_t *answer)
{
    char tmpl[] = "/tmp/veud-query-XXXXXX";
    veu_jbuf_t dot, svg;
    int fd = mkstemp(tmpl);
    char *out = NULL;

    if (fd < 0) {
        return NULL;
    }
    veu_jbuf_init(&dot);
    veu_jbuf_init(&svg);
    if (veu_dot_answer(answer, &dot) == 0 && write(fd, dot.buf, dot.len) == (ssize_t)dot.len) {
        char cmd[64], buf[65536];
        snprintf(cmd, sizeof(cmd), "dot -Tsvg %s", tmpl);
        FILE *p = popen(cmd, "r");
        size_t n;
        while (p && (n = fread(buf, 1, sizeof(buf), p)) > 0) {
            veu_jbuf_raw(&svg, buf, n);
        }
        if (p && pclose(p) == 0 && svg.len && !veu_jbuf_failed(&svg)) {
            out = strndup(svg.buf, svg.len);
        }
    }
    close(fd);
    unlink(tmpl);
    veu_jbuf_destroy(&dot);
    veu_jbuf_destroy(&svg);
    return out;
}

/*
 * --format html: the stats answer comes first and is kept, then the risk
 * answer is written as a page with both.  1 when no page could be written.
 */
static int emit_html(json_t *j)
{
    static json_t *stats;
    if (!stats) {
        stats = json_incref(j);
        if (!json_is_true(json_object_get(j, "ok"))) {
            fprintf(stderr, "veud query: no report: stats failed\n");
            return 1;
        }
        return 0;
    }
    int failed = 1;
    json_t *e = json_object_get(j, "error");
    veu_jbuf_t page;
    veu_jbuf_init(&page);
    if (e) {
        fprintf(stderr, "veud query: no report: %s: %s\n",
                json_string_value(json_object_get(e, "code")),
                json_string_value(json_object_get(e, "message")));
    } else if (json_integer_value(json_object_get(j, "generation")) !=
               json_integer_value(
                   json_object_get(json_object_get(stats, "result"), "generation"))) {
        fprintf(stderr, "veud query: no report: the graph was rebuilt while it was asked for; "
                        "run it again\n");
    } else {
        char *svg = draw_svg(j);
        if (!svg) {
            fprintf(stderr, "veud query: no report: Graphviz's dot could not draw the evidence\n");
        } else if (veu_html_answer(stats, j, svg, &page) == 0 && !veu_jbuf_failed(&page)) {
            fwrite(page.buf, 1, page.len, stdout);
            failed = 0;
        }
        free(svg);
    }
    veu_jbuf_destroy(&page);
    json_decref(stats);
    stats = NULL;
    return failed;
}

/* Prints one answer line as asked; returns 1 when it is an error answer. */
static int emit(const char *line, int format)
{
    json_t *j = json_loads(line, 0, NULL);
    int failed = !j || !json_is_true(json_object_get(j, "ok"));
    veu_jbuf_t dot;

    veu_jbuf_init(&dot);
    if (format == FMT_JSON) {
        puts(line);
    } else if (format == FMT_HTML) {
        failed = j ? emit_html(j) : 1;
    } else if (format == FMT_TEXT) {
        if (!j || veu_words_answer(j, &dot) < 0) {
            fprintf(stderr, "veud query: the answer cannot be written as text\n");
            failed = 1;
        } else {
            fwrite(dot.buf, 1, dot.len, stdout);
        }
    } else if (!j || veu_dot_answer(j, &dot) < 0) {
        /* nothing to draw: say why on stderr, and write no picture */
        json_t *e = json_object_get(j, "error");
        fprintf(stderr, "veud query: no picture: %s%s%s\n",
                e ? json_string_value(json_object_get(e, "code")) : "the answer cannot be drawn",
                e ? ": " : "", e ? json_string_value(json_object_get(e, "message")) : "");
        failed = 1;
    } else if (format == FMT_DOT) {
        fputs(dot.buf, stdout);
    } else {
        fflush(stdout);
        FILE *p = popen("dot -Tsvg", "w");
        if (!p || fwrite(dot.buf, 1, dot.len, p) != dot.len || pclose(p) != 0) {
            fprintf(stderr, "veud query: Graphviz's dot failed to draw the answer\n");
            failed = 1;
        }
    }
    veu_jbuf_destroy(&dot);
    json_decref(j);
    return failed;
}

int veu_client_connect(const char *who, const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "%s: socket path too long: %s\n", who, path);
        return -EX_USAGE;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "%s: cannot reach veud at %s: %s%s\n", who, path, strerror(errno),
                errno == ENOENT || errno == ECONNREFUSED ? " (is veud running?)"
                : errno == EACCES                        ? " (are you in the socket's group?)"
                                                         : "");
        if (fd >= 0) {
            close(fd);
        }
        return -EX_UNAVAILABLE;
    }
    return fd;
}

/*
 * The request line of req[0, len) that starts at *i, blanks at its front
 * skipped: 1 with *line and *n (0 for a blank line), *i moved past it; 0 at
 * the end.
 */
static int next_request(const char *req, size_t len, size_t *i, const char **line, size_t *n)
{
    if (*i >= len) {
        return 0;
    }
    const char *nl = memchr(req + *i, '\n', len - *i);
    size_t end = nl ? (size_t)(nl - req) : len, k = *i;
    while (k < end && (req[k] == ' ' || req[k] == '\t' || req[k] == '\r')) {
        k++;
    }
    *line = req + k;
    *n = end - k;
    *i = end + 1;
    return 1;
}
int veu_query_main(int argc, char **argv)
{
    static const struct option opts[] = {{"socket", required_argument, NULL, 's'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *path = "/run/veud/veud.sock";
    double timeout = 30;
    char *req = NULL;
    size_t req_len = 0, req_cap = 0;
    int c, fd, errors = 0, format = FMT_JSON;

    while ((c = getopt_long(argc, argv, "s:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            path = optarg;
            break;
        case 't':
            timeout = atof(optarg);
            if (timeout <= 0) {
                fprintf(stderr, "veud query: --timeout takes a number of seconds above 0\n");
                return EX_USAGE;
            }
            break;
        case 'f':
            if (!strcmp(optarg, "json")) {
                format = FMT_JSON;
            } else if (!strcmp(optarg, "dot")) {
                format = FMT_DOT;
            } else if (!strcmp(optarg, "svg")) {
                format = FMT_SVG;
            } else if (!strcmp(optarg, "text")) {
                format = FMT_TEXT;
            } else if (!strcmp(optarg, "html")) {
                format = FMT_HTML;
            } else {
                fprintf(stderr, "veud query: --format takes json, text, html, dot or svg\n");
                return EX_USAGE;
            }
            break;
        case 'h':
            printf("usage: veud query [--socket PATH] [--timeout S] [--format json|dot|svg] "
                   "[REQUEST ...]\n"
                   "Sends each REQUEST (or each line of standard input) to veud and prints the\n"
                   "answers, one line each. Exits 1 if any answer is an error.\n"
                   "--format dot draws risk and paths answers as Graphviz DOT; --format svg\n"
                   "renders them with Graphviz's dot, which must be installed; --format text\n"
                   "writes risk and paths answers for a person, every path in words; --format\n"
                   "html writes one risk answer as a self-contained decision report.\n");
            return 0;
        default:
            return EX_USAGE;
        }
    }
    /* the requests, one per line */
    if (optind < argc) {
        for (int i = optind; i < argc; i++) {
            size_t len = strlen(argv[i]);
            if (req_len + len + 2 > req_cap) {
                req_cap = (req_len + len + 2) * 2;
                req = realloc(req, req_cap);
                if (!req) {
                    return EX_OSERR;
                }
            }
            memcpy(req + req_len, argv[i], len);
            req_len += len;
            req[req_len++] = '\n';
        }
    } else {
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
            if (req_len + n > req_cap) {
                req_cap = (req_len + n) * 2;
                req = realloc(req, req_cap);
                if (!req) {
                    return EX_OSERR;
                }
            }
            memcpy(req + req_len, buf, n);
            req_len += n;
        }
        if (req_len && req[req_len - 1] != '\n') {
            req = realloc(req, req_len + 1);
            req[req_len++] = '\n';
        }
    }
    if ((format == FMT_SVG || format == FMT_HTML) && !have_dot()) {
        fprintf(stderr,
                "veud query: --format %s needs Graphviz's dot, which is not installed "
                "(apt-get install graphviz); --format dot prints the graph as text\n",
                format == FMT_SVG ? "svg" : "html");
        free(req);
        return EX_UNAVAILABLE;
    }
    if (format == FMT_TEXT) {
        /* every request a risk or paths request that asks for the entities its paths name */
        veu_jbuf_t all;
        veu_jbuf_init(&all);
        const char *line;
        size_t n;
        for (size_t i = 0; next_request(req, req_len, &i, &line, &n);) {
            char *one = n ? with_graph(line, n) : NULL;
            if (n && !one) {
                fprintf(stderr,
                        "veud query: --format text writes risk and paths answers only, not "
                        "'%.*s'\n",
                        (int)(n > 60 ? 60 : n), line);
                veu_jbuf_destroy(&all);
                free(req);
                return EX_USAGE;
            }
            if (one) {
                veu_jbuf_lit(&all, one);
                veu_jbuf_raw(&all, "\n", 1);
                free(one);
            }
        }
        free(req);
        req = malloc(all.len + 1);
        if (!req || veu_jbuf_failed(&all)) {
            veu_jbuf_destroy(&all);
            return EX_OSERR;
        }
        memcpy(req, all.buf, all.len);
        req_len = all.len;
        veu_jbuf_destroy(&all);
    } else if (format != FMT_JSON) {
        /*
         * One picture a run, of a risk or paths answer (a report: of a risk
         * answer, after the stats of its generation); the request asks for
         * its entities.
         */
        const char *fname = format == FMT_DOT ? "dot" : format == FMT_SVG ? "svg" : "html";
        char *one = NULL;
        int lines = 0;
        const char *line;
        size_t n;
        for (size_t i = 0; next_request(req, req_len, &i, &line, &n);) {
            if (n && lines++ == 0) {
                one = with_graph(line, n);
                if (one && format == FMT_HTML && !strstr(one, "\"op\":\"risk\"")) {
                    free(one);
                    one = NULL;
                }
                if (!one) {
                    fprintf(stderr, "veud query: --format %s %s only, not '%.*s'\n", fname,
                            format == FMT_HTML ? "reports risk answers"
                                               : "draws risk and paths answers",
                            (int)(n > 60 ? 60 : n), line);
                    free(req);
                    return EX_USAGE;
                }
            }
        }
        if (lines != 1) {
            fprintf(stderr,
                    "veud query: --format %s draws one answer a run (%d requests given); "
                    "run it once per picture\n",
                    fname, lines);
            free(one);
            free(req);
            return EX_USAGE;
        }
        free(req);
        const char *pre = format == FMT_HTML ? "stats\n" : "";
        req_len = strlen(pre) + strlen(one) + 1;
        req = malloc(req_len + 1);
        if (!req) {
            free(one);
            return EX_OSERR;
        }
        snprintf(req, req_len + 1, "%s%s\n", pre, one);
        free(one);
    }
    fd = veu_client_connect("veud query", path);
    if (fd < 0) {
        free(req);
        return -fd;
    }
    /*
     * Non-blocking: a send that found the socket full would otherwise wait
     * while veud waits for us to read its answers (F17); poll decides.
     */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int64_t deadline = now_ms() + (int64_t)(timeout * 1000);
    size_t sent = 0, llen = 0, lcap = 4096;
    char *line = malloc(lcap), buf[65536];
    int rc = 0, done = 0;
    if (req_len == 0) {
        shutdown(fd, SHUT_WR);
    }
    while (!done) {
        struct pollfd p = {.fd = fd, .events = POLLIN | (sent < req_len ? POLLOUT : 0)};
        int64_t left = deadline - now_ms();
        if (left <= 0 || poll(&p, 1, (int)left) == 0) {
            fprintf(stderr, "veud query: no answer from %s within %.0f s\n", path, timeout);
            rc = EX_UNAVAILABLE;
            break;
        }
        if ((p.revents & POLLOUT) && sent < req_len) {
            ssize_t w = send(fd, req + sent, req_len - sent, MSG_NOSIGNAL);
            if (w < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
                fprintf(stderr, "veud query: send: %s\n", strerror(errno));
                rc = EX_UNAVAILABLE;
                break;
            }
            sent += w > 0 ? (size_t)w : 0;
            if (sent == req_len) {
                shutdown(fd, SHUT_WR);
            }
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = recv(fd, buf, sizeof(buf), 0);
            if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
                continue;
            }
            if (r <= 0) {
                done = 1;
                break;
            }
            for (ssize_t i = 0; i < r; i++) {
                if (llen + 1 >= lcap) {
                    lcap *= 2;
                    line = realloc(line, lcap);
                }
                if (buf[i] == '\n') {
                    line[llen] = '\0';
                    errors += emit(line, format);
                    llen = 0;
                } else {
                    line[llen++] = buf[i];
                }
            }
        }
    }
    fflush(stdout);
    close(fd);
    free(line);
    free(req);
    if (rc) {
        return rc;
    }
    return errors ? 1 : 0;
}
