/* SPDX-License-Identifier: MIT */
/*
 * screen_client.c: `veud screen`, the batch screening client (SPEC section
 * 9).  Reads a file of buyers (a CSV whose header names id and/or name, and
 * optionally country; or one id or name per line), sends one risk request
 * per row over one connection, pipelined (at most WINDOW in flight, so that
 * neither side ever waits on the other), and writes one report row per input
 * row, in order: the input, the match, score, verdict, codes, generation,
 * digests and the first evidence path in words.
 *
 * The report is of one generation: the client asks stats first and pins
 * every request to the generation serving then, so a rebuild during the
 * run does not mix two graphs in one report (veud answers from the kept
 * snapshot).  CSV is read with libcsv, as the loader does: quoted fields,
 * embedded commas and newlines.
 */
#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "main.h"
#include "veu/jbuf.h"
#include "words.h"

#define WINDOW 256 /* requests in flight: their answers fit well within max_output */

typedef struct row {
    long line; /* of the input, 1-based */
    char *id, *name, *country;
    char *local_error; /* answered here (no request sent), or NULL */
} row_t;

typedef struct screen {
    /* input */
    FILE *in;
    off_t in_size; /* of a regular file, for the ETA; 0 otherwise */
    off_t in_read;
    long line;
    bool csv, eof;
    bool in_quotes; /* the CSV read so far ends inside a quoted field */
    int col_id, col_name, col_country;
    struct csv_parser parser;
    char **fields;
    size_t n_fields, cap_fields;
    row_t *pending; /* rows parsed and not yet sent */
    size_t n_pending, cap_pending, pending_head;
    long blank;
    /* the pipeline: rows sent (or answered here) and not yet reported, in order */
    row_t ring[WINDOW];
    size_t head, count, sent_unanswered;
    /* the graph */
    long long generation;
    char dataset_digest[64], policy_digest[64];
    const char *as_of;
    bool jsonl;
    /* totals */
    long rows, failed;
} screen_t;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *trimmed_dup(const char *s, size_t len)
{
    while (len && isspace((unsigned char)*s)) {
        s++, len--;
    }
    while (len && isspace((unsigned char)s[len - 1])) {
        len--;
    }
    return strndup(s, len);
}

/* libcsv: one field of the record being read */
static void on_field(void *s, size_t len, void *data)
{
    screen_t *sc = data;
    if (sc->n_fields == sc->cap_fields) {
        sc->cap_fields = sc->cap_fields ? sc->cap_fields * 2 : 8;
        sc->fields = realloc(sc->fields, sc->cap_fields * sizeof(char *));
    }
    sc->fields[sc->n_fields++] = trimmed_dup(s ? s : "", s ? len : 0);
}

static void push_pending(screen_t *sc, row_t r)
{
    if (sc->n_pending == sc->cap_pending) {
        sc->cap_pending = sc->cap_pending ? sc->cap_pending * 2 : 64;
        sc->pending = realloc(sc->pending, sc->cap_pending * sizeof(row_t));
    }
    sc->pending[sc->n_pending++] = r;
}

static const char *field(screen_t *sc, int col)
{
    return col >= 0 && (size_t)col < sc->n_fields ? sc->fields[col] : "";
}

/* libcsv: the end of a record: a row, the header, or a blank line */
static void on_record(int c, void *data)
{
    screen_t *sc = data;
    (void)c;
    bool empty = true;
    for (size_t i = 0; i < sc->n_fields; i++) {
        empty &= sc->fields[i][0] == '\0';
    }
    if (empty) {
        sc->blank++;
    } else {
        row_t r = {.line = sc->line};
        r.id = strdup(field(sc, sc->col_id));
        r.name = strdup(field(sc, sc->col_name));
        r.country = strdup(field(sc, sc->col_country));
        if (!r.id[0] && !r.name[0]) {
            r.local_error = strdup("the row has neither an id nor a name");
        }
        push_pending(sc, r);
    }
    for (size_t i = 0; i < sc->n_fields; i++) {
        free(sc->fields[i]);
    }
    sc->n_fields = 0;
}

/* Reads input until a row is pending or the input ends. */
static void read_more(screen_t *sc)
{
    char *buf = NULL;
    size_t cap = 0;

    while (sc->pending_head == sc->n_pending && !sc->eof) {
        sc->pending_head = sc->n_pending = 0;
        ssize_t n = getline(&buf, &cap, sc->in);
        if (n < 0) {
            sc->eof = true;
            if (sc->csv) {
                csv_fini(&sc->parser, on_field, on_record, sc);
            }
            break;
        }
        sc->line++;
        sc->in_read += n;
        char *v = trimmed_dup(buf, (size_t)n);
        if (sc->csv && !(sc->in_quotes || v[0])) {
            sc->blank++; /* a blank line between rows (libcsv would pass over it unsaid) */
            free(v);
            continue;
        }
        if (sc->csv) {
            for (ssize_t i = 0; i < n; i++) {
                sc->in_quotes ^= buf[i] == '"';
            }
            csv_parse(&sc->parser, buf, (size_t)n, on_field, on_record, sc);
            free(v);
            continue;
        }
        if (!v[0]) {
            sc->blank++;
            free(v);
            continue;
        }
        push_pending(sc,
                     (row_t){.line = sc->line, .id = v, .name = strdup(v), .country = strdup("")});
    }
    free(buf);
}

/*
 * The first non-blank line: a CSV header naming id and/or name (then
 * country is optional), or the first of one id or name per line.
 */
static void read_header(screen_t *sc)
{
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;

    sc->col_id = sc->col_name = sc->col_country = -1;
    while ((n = getline(&buf, &cap, sc->in)) >= 0) {
        sc->line++;
        sc->in_read += n;
        char *t = trimmed_dup(buf, (size_t)n);
        bool blank = !t[0];
        free(t);
        if (blank) {
            sc->blank++;
            continue;
        }
        struct csv_parser p;
        csv_init(&p, CSV_APPEND_NULL);
        csv_parse(&p, buf, (size_t)n, on_field, NULL, sc);
        csv_fini(&p, on_field, NULL, sc);
        csv_free(&p);
        for (size_t i = 0; i < sc->n_fields; i++) {
            for (char *c = sc->fields[i]; *c; c++) {
                *c = (char)tolower((unsigned char)*c);
            }
            if (!strcmp(sc->fields[i], "id") && sc->col_id < 0) {
                sc->col_id = (int)i;
            } else if (!strcmp(sc->fields[i], "name") && sc->col_name < 0) {
                sc->col_name = (int)i;
            } else if (!strcmp(sc->fields[i], "country") && sc->col_country < 0) {
                sc->col_country = (int)i;
            }
        }
        for (size_t i = 0; i < sc->n_fields; i++) {
            free(sc->fields[i]);
        }
        sc->n_fields = 0;
        sc->csv = sc->col_id >= 0 || sc->col_name >= 0;
        if (sc->csv) {
            csv_init(&sc->parser, CSV_APPEND_NULL);
        } else {
            sc->col_id = sc->col_name = sc->col_country = -1;
            char *v = trimmed_dup(buf, (size_t)n);
            push_pending(
                sc, (row_t){.line = sc->line, .id = v, .name = strdup(v), .country = strdup("")});
        }
        break;
    }
    if (n < 0) {
        sc->eof = true;
    }
    free(buf);
}

static void row_free(row_t *r)
{
    free(r->id);
    free(r->name);
    free(r->country);
    free(r->local_error);
}

/* The request of a row; NULL when it is answered here. */
static char *request_of(const screen_t *sc, const row_t *r)
{
    if (r->local_error) {
        return NULL;
    }
    json_t *j = json_pack("{s:s,s:b,s:I}", "op", "risk", "graph", 1, "generation",
                          (json_int_t)sc->generation);
    if (sc->csv && r->id[0]) {
        json_object_set_new(j, "entity", json_string(r->id));
    } else if (sc->csv) {
        json_object_set_new(j, "name", json_string(r->name));
        if (r->country[0]) {
            json_object_set_new(j, "country", json_string(r->country));
        }
    } else { /* one per line: an id when there is one, else a name */
        json_object_set_new(j, "entity", json_string(r->id));
        json_object_set_new(j, "name", json_string(r->name));
    }
    if (sc->as_of) {
        json_object_set_new(j, "as_of", json_string(sc->as_of));
    }
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static void csv_cell(veu_jbuf_t *o, const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n")) {
        veu_jbuf_raw(o, "\"", 1);
        for (const char *p = s; *p; p++) {
            veu_jbuf_raw(o, p, 1);
            if (*p == '"') {
                veu_jbuf_raw(o, "\"", 1);
            }
        }
        veu_jbuf_raw(o, "\"", 1);
    } else {
        veu_jbuf_lit(o, s);
    }
    veu_jbuf_raw(o, last ? "\n" : ",", 1);
}

enum {
    C_LINE,
    C_INPUT,
    C_COUNTRY,
    C_ID,
    C_NAME,
    C_SCORE,
    C_VERDICT,
    C_CODES,
    C_GEN,
    C_DDIG,
    C_PDIG,
    C_EVIDENCE,
    C_ERROR,
    C_N
};
static const char *const columns[C_N] = {
    "line",          "input",    "country", "id",         "name",
    "score",         "verdict",  "codes",   "generation", "dataset_digest",
    "policy_digest", "evidence", "error"};

/* Writes the report row of r, answered by ans (NULL: answered here). */
static void report(screen_t *sc, const row_t *r, json_t *ans)
{
    char *cell[C_N] = {0};
    veu_jbuf_t ev, codes, o;
    char buf[64];

    veu_jbuf_init(&ev);
    veu_jbuf_init(&codes);
    veu_jbuf_init(&o);
    snprintf(buf, sizeof(buf), "%ld", r->line);
    cell[C_LINE] = strdup(buf);
    cell[C_INPUT] = strdup(sc->csv && !r->id[0] ? r->name : r->id);
    cell[C_COUNTRY] = strdup(r->country);
    json_t *res = json_object_get(ans, "result");
    sc->rows++;
    if (!ans || !json_is_true(json_object_get(ans, "ok"))) {
        json_t *e = json_object_get(ans, "error");
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        if (code) {
            veu_jbuf_printf(&ev, "%s: %s", code, msg ? msg : "");
        } else {
            veu_jbuf_lit(&ev, r->local_error ? r->local_error
                                             : "internal: the answer could not be read");
        }
        cell[C_ERROR] = strdup(ev.buf ? ev.buf : "");
        veu_jbuf_reset(&ev);
        sc->failed++;
    } else {
        json_t *ent = json_object_get(res, "entity"), *m = json_object_get(res, "match"), *x;
        size_t i;
        cell[C_ID] = strdup(json_string_value(json_object_get(ent, "id")));
        cell[C_NAME] = strdup(json_string_value(json_object_get(ent, "name")));
        snprintf(buf, sizeof(buf), "%g", m ? json_number_value(json_object_get(m, "score")) : 1.0);
        cell[C_SCORE] = strdup(buf);
        cell[C_VERDICT] = strdup(json_string_value(json_object_get(res, "verdict")));
        json_array_foreach(json_object_get(res, "reasons"), i, x)
        {
            veu_jbuf_printf(&codes, "%s%s", i ? ";" : "",
                            json_string_value(json_object_get(x, "code")));
        }
        cell[C_CODES] = strdup(codes.len ? codes.buf : "");
        veu_words_first_evidence(res, &ev);
        cell[C_EVIDENCE] = strdup(ev.len ? ev.buf : "");
    }
    if (ans && json_is_integer(json_object_get(ans, "generation"))) {
        long long g = json_integer_value(json_object_get(ans, "generation"));
        snprintf(buf, sizeof(buf), "%lld", g);
        cell[C_GEN] = strdup(buf);
        if (g == sc->generation) {
            cell[C_DDIG] = strdup(sc->dataset_digest);
            cell[C_PDIG] = strdup(sc->policy_digest);
        }
    }
    for (int k = 0; k < C_N; k++) {
        const char *v = cell[k] ? cell[k] : "";
        if (!sc->jsonl) {
            csv_cell(&o, v, k == C_N - 1);
            continue;
        }
        veu_jbuf_lit(&o, k ? ",\"" : "{\"");
        veu_jbuf_lit(&o, columns[k]);
        veu_jbuf_lit(&o, "\":");
        if (k == C_CODES) {
            veu_jbuf_raw(&o, "[", 1);
            char *save, *tok, *copy = strdup(v);
            int first = 1;
            for (tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
                veu_jbuf_lit(&o, first ? "" : ",");
                veu_jbuf_str(&o, tok);
                first = 0;
            }
            free(copy);
            veu_jbuf_raw(&o, "]", 1);
        } else if ((k == C_LINE || k == C_GEN || k == C_SCORE) && v[0]) {
            veu_jbuf_lit(&o, v);
        } else {
            veu_jbuf_str_or_null(&o, v);
        }
        veu_jbuf_lit(&o, k == C_N - 1 ? "}\n" : "");
    }
    fwrite(o.buf, 1, o.len, stdout);
    for (int k = 0; k < C_N; k++) {
        free(cell[k]);
    }
    veu_jbuf_destroy(&ev);
    veu_jbuf_destroy(&codes);
    veu_jbuf_destroy(&o);
}

/* Reports the rows at the head of the pipeline answered here. */
static void report_local(screen_t *sc)
{
    while (sc->count && sc->ring[sc->head].local_error) {
        report(sc, &sc->ring[sc->head], NULL);
        row_free(&sc->ring[sc->head]);
        sc->head = (sc->head + 1) % WINDOW;
        sc->count--;
    }
}

static void progress(screen_t *sc, int64_t started, bool last)
{
    double s = (double)(now_ms() - started) / 1000;
    double rate = s > 0 ? (double)sc->rows / s : 0;
    fprintf(stderr, "\rveud screen: %ld rows, %.0f rows/s", sc->rows, rate);
    if (!last && sc->in_size > 0 && sc->in_read > 0 && rate > 0) {
        double left = s * (double)(sc->in_size - sc->in_read) / (double)sc->in_read;
        fprintf(stderr, ", about %.0f s left   ", left);
    }
    if (last) {
        fputc('\n', stderr);
    }
}

/* Sends stats and reads its answer: the generation and digests the report is of. */
static int ask_stats(int fd, screen_t *sc, long long want_generation)
{
    static const char req[] = "stats\n";
    char buf[65536];
    size_t len = 0;

    if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(req) - 1) {
        return -1;
    }
    while (len < sizeof(buf) - 1) {
        ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (n <= 0) {
            return -1;
        }
        len += (size_t)n;
        if (memchr(buf, '\n', len)) {
            break;
        }
    }
    json_t *j = json_loadb(buf, (size_t)((char *)memchr(buf, '\n', len) - buf), 0, NULL);
    json_t *r = json_object_get(j, "result");
    if (!json_is_true(json_object_get(j, "ok")) ||
        !json_integer_value(json_object_get(r, "generation"))) {
        const char *why =
            json_string_value(json_object_get(json_object_get(j, "error"), "message"));
        fprintf(stderr, "veud screen: veud serves no graph yet: %s\n",
                why ? why : "try again when the first build is done");
        json_decref(j);
        return -2;
    }
    sc->generation = json_integer_value(json_object_get(r, "generation"));
    const char *dd = json_string_value(json_object_get(r, "dataset_digest"));
    const char *pd = json_string_value(json_object_get(r, "policy_digest"));
    snprintf(sc->dataset_digest, sizeof(sc->dataset_digest), "%s", dd ? dd : "");
    snprintf(sc->policy_digest, sizeof(sc->policy_digest), "%s", pd ? pd : "");
    json_decref(j);
    if (want_generation && want_generation != sc->generation) {
        /* a kept generation: stats speaks of the one serving, so its digests are not known here */
        sc->generation = want_generation;
        sc->dataset_digest[0] = sc->policy_digest[0] = '\0';
        fprintf(stderr,
                "veud screen: generation %lld is not the one serving; the report leaves its "
                "digests empty\n",
                want_generation);
    }
    return 0;
}

int veu_screen_main(int argc, char **argv)
{
    static const struct option opts[] = {{"socket", required_argument, NULL, 's'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"generation", required_argument, NULL, 'g'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *path = "/run/veud/veud.sock", *file = "-";
    double timeout = 60;
    long long want_generation = 0;
    screen_t sc = {0};
    int c;

    while ((c = getopt_long(argc, argv, "s:f:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            path = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "csv") && strcmp(optarg, "jsonl")) {
                fprintf(stderr, "veud screen: --format takes csv or jsonl\n");
                return EX_USAGE;
            }
            sc.jsonl = !strcmp(optarg, "jsonl");
            break;
        case 'a':
            sc.as_of = optarg;
            break;
        case 'g':
            want_generation = atoll(optarg);
            if (want_generation < 1) {
                fprintf(stderr, "veud screen: --generation takes a generation (1 or more)\n");
                return EX_USAGE;
            }
            break;
        case 't':
            timeout = atof(optarg);
            if (timeout <= 0) {
                fprintf(stderr, "veud screen: --timeout takes a number of seconds above 0\n");
                return EX_USAGE;
            }
            break;
        case 'h':
            printf("usage: veud screen [--socket PATH] [--format csv|jsonl] [--as-of DAY]\n"
                   "                   [--generation N] [--timeout S] [FILE|-]\n"
                   "Screens a file of buyers: a CSV whose header names id and/or name (and\n"
                   "optionally country), or one id or name per line. Writes one report row per\n"
                   "input row, in order. Exits 0 when every row was answered, 1 when some were\n"
                   "not (the row says why).\n");
            return 0;
        default:
            return EX_USAGE;
        }
    }
    if (optind < argc) {
        file = argv[optind];
    }
    sc.in = strcmp(file, "-") ? fopen(file, "r") : stdin;
    if (!sc.in) {
        fprintf(stderr, "veud screen: %s: %s\n", file, strerror(errno));
        return EX_NOINPUT;
    }
    struct stat st;
    if (fstat(fileno(sc.in), &st) == 0 && S_ISREG(st.st_mode)) {
        sc.in_size = st.st_size;
    }
    int fd = veu_client_connect("veud screen", path);
    if (fd < 0) {
        if (sc.in != stdin) {
            fclose(sc.in);
        }
        return -fd;
    }
    int st_rc = ask_stats(fd, &sc, want_generation);
    if (st_rc < 0) {
        if (st_rc == -1) {
            fprintf(stderr, "veud screen: veud at %s did not answer stats\n", path);
        }
        close(fd);
        return EX_UNAVAILABLE;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    read_header(&sc);
    if (!sc.jsonl) {
        for (int k = 0; k < C_N; k++) {
            printf("%s%s", columns[k], k == C_N - 1 ? "\n" : ",");
        }
    }
    bool tty = isatty(2);
    int64_t started = now_ms(), last_progress = started, last_answer = started;
    veu_jbuf_t out, in;
    size_t out_off = 0;
    int rc = 0;
    veu_jbuf_init(&out);
    veu_jbuf_init(&in);
    for (;;) {
        /* fill the window */
        while (sc.count < WINDOW) {
            if (sc.pending_head == sc.n_pending) {
                read_more(&sc);
            }
            if (sc.pending_head == sc.n_pending) {
                break;
            }
            row_t r = sc.pending[sc.pending_head++];
            char *req = request_of(&sc, &r);
            if (req) {
                veu_jbuf_lit(&out, req);
                veu_jbuf_raw(&out, "\n", 1);
                free(req);
                sc.sent_unanswered++;
            }
            sc.ring[(sc.head + sc.count) % WINDOW] = r;
            sc.count++;
        }
        report_local(&sc);
        if (!sc.count && sc.eof && sc.pending_head == sc.n_pending) {
            break;
        }
        struct pollfd p = {.fd = fd,
                           .events = (short)((sc.sent_unanswered ? POLLIN : 0) |
                                             (out_off < out.len ? POLLOUT : 0))};
        if (!p.events) {
            continue;
        }
        int left = (int)(last_answer + (int64_t)(timeout * 1000) - now_ms());
        if (left <= 0 || poll(&p, 1, left) == 0) {
            fprintf(stderr, "veud screen: no answer from %s within %.0f s\n", path, timeout);
            rc = EX_UNAVAILABLE;
            break;
        }
        if ((p.revents & POLLOUT) && out_off < out.len) {
            ssize_t w = send(fd, out.buf + out_off, out.len - out_off, MSG_NOSIGNAL);
            if (w < 0 && errno != EAGAIN && errno != EINTR) {
                fprintf(stderr, "veud screen: send: %s\n", strerror(errno));
                rc = EX_UNAVAILABLE;
                break;
            }
            out_off += w > 0 ? (size_t)w : 0;
            if (out_off == out.len) {
                veu_jbuf_reset(&out);
                out_off = 0;
            }
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[65536];
            ssize_t n = recv(fd, buf, sizeof(buf), 0);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                continue;
            }
            if (n <= 0) {
                fprintf(stderr,
                        "veud screen: veud closed the connection with %zu rows unanswered\n",
                        sc.sent_unanswered);
                rc = EX_UNAVAILABLE;
                break;
            }
            veu_jbuf_raw(&in, buf, (size_t)n);
            size_t start = 0;
            char *nl;
            while ((nl = memchr(in.buf + start, '\n', in.len - start))) {
                json_t *ans = json_loadb(in.buf + start, (size_t)(nl - (in.buf + start)), 0, NULL);
                report_local(&sc);
                report(&sc, &sc.ring[sc.head], ans);
                json_decref(ans);
                row_free(&sc.ring[sc.head]);
                sc.head = (sc.head + 1) % WINDOW;
                sc.count--;
                sc.sent_unanswered--;
                start = (size_t)(nl - in.buf) + 1;
            }
            memmove(in.buf, in.buf + start, in.len - start);
            in.len -= start;
            last_answer = now_ms();
        }
        if (tty && now_ms() - last_progress >= 500) {
            progress(&sc, started, false);
            last_progress = now_ms();
        }
    }
    if (tty) {
        progress(&sc, started, true);
    }
    if (sc.blank) {
        fprintf(stderr, "veud screen: %ld blank lines skipped\n", sc.blank);
    }
    fflush(stdout);
    close(fd);
    for (size_t k = 0; k < sc.count; k++) {
        row_free(&sc.ring[(sc.head + k) % WINDOW]);
    }
    for (size_t k = sc.pending_head; k < sc.n_pending; k++) {
        row_free(&sc.pending[k]);
    }
    free(sc.pending);
    free(sc.fields);
    if (sc.csv) {
        csv_free(&sc.parser);
    }
    if (sc.in != stdin) {
        fclose(sc.in);
    }
    veu_jbuf_destroy(&out);
    veu_jbuf_destroy(&in);
    return rc ? rc : sc.failed ? 1 : 0;
}
