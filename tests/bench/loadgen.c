/* SPDX-License-Identifier: MIT */
/*
 * loadgen.c: a closed-loop load generator for line protocols on a Unix
 * socket, for comparing veud with Redis on the same kind of socket in the
 * same run.  C clients each keep D requests in flight; every answer's
 * latency is recorded; throughput and p50/p99/p99.9 are printed.
 *
 *   loadgen veud  SOCKET CLIENTS DEPTH SECONDS IDS_FILE   ("risk ID" lines)
 *   LOADGEN_OP=search loadgen veud ... NAMES_FILE          ("search NAME" lines)
 *   loadgen redis SOCKET CLIENTS DEPTH SECONDS KEY        (GET KEY, RESP)
 *
 * Output, one line: "ops=N rps=R p50_us=A p99_us=B p999_us=C errors=E bytes=M",
 * M the mean answer size.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAXC 512
#define MAXD 64

struct client {
    int fd;
    char *in;
    size_t in_len, in_cap;
    uint64_t sent_at[MAXD]; /* ring of send times */
    int head, inflight;
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static char **ids;
static size_t nids;
static int redis;
static const char *key;
static const char *op = "risk"; /* LOADGEN_OP */
static uint64_t rng = 88172645463325252ull;

static size_t make_req(char *buf)
{
    if (redis) {
        return (size_t)sprintf(buf, "GET %s\r\n", key);
    }
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (size_t)sprintf(buf, "%s %s\n", op, ids[rng % nids]);
}

/* Consumes one complete answer from c->in; returns its length or 0. */
static size_t one_answer(struct client *c, int *err)
{
    if (!redis) {
        char *nl = memchr(c->in, '\n', c->in_len);
        if (!nl) {
            return 0;
        }
        *err = strncmp(c->in, "{\"ok\":true", 10) != 0;
        return (size_t)(nl - c->in) + 1;
    }
    /* RESP bulk string: $len\r\n...\r\n */
    char *nl = memchr(c->in, '\n', c->in_len);
    if (!nl) {
        return 0;
    }
    if (c->in[0] != '$') {
        *err = 1;
        return (size_t)(nl - c->in) + 1;
    }
    long len = atol(c->in + 1);
    size_t need = (size_t)(nl - c->in) + 1 + (len < 0 ? 0 : (size_t)len + 2);
    if (c->in_len < need) {
        return 0;
    }
    *err = len < 0;
    return need;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: loadgen veud|redis SOCKET CLIENTS DEPTH SECONDS IDS_FILE|KEY\n");
        return 64;
    }
    redis = !strcmp(argv[1], "redis");
    if (getenv("LOADGEN_OP")) {
        op = getenv("LOADGEN_OP");
    }
    int nc = atoi(argv[3]), depth = atoi(argv[4]);
    double secs = atof(argv[5]);
    if (nc < 1 || nc > MAXC || depth < 1 || depth > MAXD) {
        fprintf(stderr, "loadgen: 1..%d clients, depth 1..%d\n", MAXC, MAXD);
        return 64;
    }
    if (redis) {
        key = argv[6];
    } else {
        FILE *f = fopen(argv[6], "r");
        char line[512];
        size_t cap = 1024;
        ids = malloc(cap * sizeof(*ids));
        while (f && fgets(line, sizeof(line), f)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (nids == cap) {
                ids = realloc(ids, (cap *= 2) * sizeof(*ids));
            }
            ids[nids++] = strdup(line);
        }
        if (!f || nids == 0) {
            fprintf(stderr, "loadgen: no ids in %s\n", argv[6]);
            return 66;
        }
        fclose(f);
    }
    struct client *cl = calloc((size_t)nc, sizeof(*cl));
    struct pollfd *pf = calloc((size_t)nc, sizeof(*pf));
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[2]);
    size_t lat_cap = 1 << 20, nlat = 0;
    uint64_t *lat = malloc(lat_cap * sizeof(*lat));
    uint64_t errors = 0, answer_bytes = 0;
    char req[600 * MAXD];

    for (int i = 0; i < nc; i++) {
        cl[i].fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(cl[i].fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            fprintf(stderr, "loadgen: connect %s: %s\n", argv[2], strerror(errno));
            return 69;
        }
        cl[i].in_cap = 1 << 16;
        cl[i].in = malloc(cl[i].in_cap);
        pf[i].fd = cl[i].fd;
        pf[i].events = POLLIN;
    }
    uint64_t start = now_us(), end = start + (uint64_t)(secs * 1e6);
    /* fill every pipeline */
    for (int i = 0; i < nc; i++) {
        size_t len = 0;
        uint64_t t = now_us();
        for (int k = 0; k < depth; k++) {
            len += make_req(req + len);
            cl[i].sent_at[(cl[i].head + cl[i].inflight++) % MAXD] = t;
        }
        if (send(cl[i].fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
            return 70;
        }
    }
    while (now_us() < end) {
        if (poll(pf, (nfds_t)nc, 1000) <= 0) {
            continue;
        }
        for (int i = 0; i < nc; i++) {
            struct client *c = &cl[i];
            if (!(pf[i].revents & POLLIN)) {
                continue;
            }
            if (c->in_cap - c->in_len < 65536) {
                c->in = realloc(c->in, c->in_cap *= 2);
            }
            ssize_t r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
            if (r <= 0) {
                fprintf(stderr, "loadgen: connection %d closed\n", i);
                return 70;
            }
            c->in_len += (size_t)r;
            size_t used, reqlen = 0;
            int err = 0;
            uint64_t t = now_us();
            while ((used = one_answer(c, &err)) > 0) {
                errors += err;
                if (nlat == lat_cap) {
                    lat = realloc(lat, (lat_cap *= 2) * sizeof(*lat));
                }
                lat[nlat++] = t - c->sent_at[c->head];
                answer_bytes += used;
                c->head = (c->head + 1) % MAXD;
                c->inflight--;
                memmove(c->in, c->in + used, c->in_len - used);
                c->in_len -= used;
                if (t < end) {
                    reqlen += make_req(req + reqlen);
                    c->sent_at[(c->head + c->inflight++) % MAXD] = t;
                }
            }
            if (reqlen && send(c->fd, req, reqlen, MSG_NOSIGNAL) != (ssize_t)reqlen) {
                return 70;
            }
        }
    }
    double elapsed = (double)(now_us() - start) / 1e6;
    qsort(lat, nlat, sizeof(*lat), cmp_u64);
    printf("ops=%zu rps=%.0f p50_us=%llu p99_us=%llu p999_us=%llu errors=%llu bytes=%.0f\n", nlat,
           (double)nlat / elapsed, (unsigned long long)(nlat ? lat[nlat / 2] : 0),
           (unsigned long long)(nlat ? lat[nlat * 99 / 100] : 0),
           (unsigned long long)(nlat ? lat[nlat * 999 / 1000] : 0), (unsigned long long)errors,
           nlat ? (double)answer_bytes / (double)nlat : 0.0);
    return 0;
}
