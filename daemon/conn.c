/* SPDX-License-Identifier: MIT */
/*
 * conn.c: one client connection: line framing (LF or CRLF), answers queued
 * in request order and written as soon as every earlier one is, limits on
 * what a client can make us hold (max_line, max_output, idle_timeout), and
 * the half-close rule: when the client shuts its writing side, every answer
 * owed is sent, then the connection closes.
 *
 * Lifetime: a connection owns two handles (the pipe and the idle timer);
 * each close callback drops one, the last frees the connection.  Memory of
 * a slot being written is freed in the write callback, which libuv runs
 * (with UV_ECANCELED) before the pipe's close callback.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cache.h"
#include "conn.h"
#include "log.h"
#include "server.h"
#include "veu/assert.h"
#include "wire.h"

#define READ_CHUNK 65536

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);
static void process(veu_conn_t *c);
static void undefer(veu_conn_t *c);

/* Whether a complete line (or the last one, after EOF) waits in c's buffer. */
static bool lines_waiting(const veu_conn_t *c)
{
    return c->rlen && !c->discarding && (memchr(c->rbuf, '\n', c->rlen) || c->eof);
}

/*
 * What a slot costs beyond its answer's bytes: the slot with its write
 * request, and the allocator's headers.  Counted in owed, so that a client
 * pipelining tiny requests (a 40-byte pong for 5 bytes of "ping") is paused
 * by what it makes us hold, not by the answers' bytes alone (the review's
 * F4: 1.3 MB of pings once held 81 MiB).
 */
#define SLOT_COST (sizeof(veu_slot_t) + 48)

/* All clients together may make us hold this much before the ones that owe anything pause. */
static size_t global_budget(const veu_server_t *srv)
{
    return srv->cfg.max_output * 8;
}

/* Frees a slot that has been written (or is dropped), and its share of owed. */
static void slot_free(veu_conn_t *c, veu_slot_t *s)
{
    c->owed -= s->len + SLOT_COST;
    c->srv->owed_total -= s->len + SLOT_COST;
    free(s->buf);
    free(s);
}

static void free_conn(veu_conn_t *c)
{
    veu_slot_t *s = c->head;
    while (s) {
        veu_slot_t *next = s->next;
        slot_free(c, s);
        s = next;
    }
    free(c->rbuf);
    free(c);
}

static void on_handle_closed(uv_handle_t *h)
{
    veu_conn_t *c = h->data;
    veu_server_t *srv = c->srv;

    VEU_ASSERT(c->handles > 0);
    if (--c->handles == 0) {
        free_conn(c);
        srv->on_work_done(srv);
    }
}

void veu_conn_close(veu_conn_t *c, bool cut)
{
    veu_server_t *srv = c->srv;

    if (c->closing) {
        return;
    }
    c->closing = true;
    c->cut = cut;
    if (c->deferred) {
        undefer(c);
    }
    srv->on_closing(srv, c); /* once: the server tells whoever owes c an answer */
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        srv->conns = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    srv->n_clients--;
    uv_close((uv_handle_t *)&c->pipe, on_handle_closed);
    uv_close((uv_handle_t *)&c->idle, on_handle_closed);
}

static void on_idle(uv_timer_t *t)
{
    veu_conn_t *c = t->data;
    uint64_t timeout = (uint64_t)c->srv->cfg.idle_timeout * 1000;
    uint64_t quiet = uv_now(c->srv->loop) - c->last_active;

    if (quiet < timeout) {
        /* active since the timer was set: wait for the rest of the timeout */
        uv_timer_start(&c->idle, on_idle, timeout - quiet, 0);
        return;
    }
    if ((c->head && !c->head->ready) || (c->listener && !c->owed)) {
        /* we owe it an answer still being built (reload), or it waits for events: not idle */
        uv_timer_start(&c->idle, on_idle, timeout, 0);
        return;
    }
    if (c->owed) {
        veu_log(LOG_NOTICE,
                "client %llu (uid %d, pid %d): cut off: read none of %zu bytes owed "
                "for %u s",
                (unsigned long long)c->id, (int)c->uid, (int)c->pid, c->owed,
                c->srv->cfg.idle_timeout);
    } else {
        veu_log(LOG_DEBUG, "client %llu: idle for %u s, closed", (unsigned long long)c->id,
                c->srv->cfg.idle_timeout);
    }
    veu_conn_close(c, true);
}

/* Notes activity; the idle timer, set once, checks the time when it fires. */
static void touch(veu_conn_t *c)
{
    c->last_active = uv_now(c->srv->loop);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    veu_conn_t *c = h->data;
    (void)suggested;

    if (c->rcap - c->rlen < READ_CHUNK) {
        size_t cap = c->rcap ? c->rcap : READ_CHUNK * 2;
        while (cap - c->rlen < READ_CHUNK) {
            cap *= 2;
        }
        char *nb = realloc(c->rbuf, cap);
        if (!nb) {
            *buf = uv_buf_init(NULL, 0); /* libuv reports UV_ENOBUFS */
            return;
        }
        c->rbuf = nb;
        c->rcap = cap;
    }
    *buf = uv_buf_init(c->rbuf + c->rlen, (unsigned)(c->rcap - c->rlen));
}

static void start_reading(veu_conn_t *c)
{
    if (!c->reading && !c->eof && !c->closing) {
        if (uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read) == 0) {
            c->reading = true;
        }
    }
}

void veu_conn_stop_reading(veu_conn_t *c)
{
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->pipe);
        c->reading = false;
    }
}

static bool paused(const veu_conn_t *c)
{
    return c->owed > c->srv->cfg.max_output ||
           (c->owed > 0 && c->srv->owed_total > global_budget(c->srv));
}

static void after_write(uv_write_t *req, int status)
{
    veu_slot_t *s = req->data;
    veu_conn_t *c = s->conn;

    /* writes complete in order: s is the head */
    c->head = s->next;
    if (!c->head) {
        c->tail = NULL;
    }
    slot_free(c, s);
    if (status < 0 || c->closing) {
        if (status < 0 && status != UV_ECANCELED) {
            veu_log(LOG_DEBUG, "client %llu: write failed: %s", (unsigned long long)c->id,
                    uv_strerror(status));
            veu_conn_close(c, true);
        }
        return;
    }
    touch(c);
    if (!paused(c) && c->owed <= c->srv->cfg.max_output / 2) {
        process(c); /* lines buffered while paused */
        if (!c->closing) {
            start_reading(c);
        }
    }
    if (!c->closing && !c->head && !c->deferred && !lines_waiting(c) &&
        ((c->eof && !c->listener) || c->srv->stopping)) {
        veu_conn_close(c, false);
    }
}

/* Frees written slots from the head; a partly written one keeps its rest. */
static void consume(veu_conn_t *c, size_t n)
{
    while (n && c->head) {
        veu_slot_t *s = c->head;
        if (n < s->len) {
            memmove(s->buf, s->buf + n, s->len - n);
            s->len -= n;
            c->owed -= n;
            c->srv->owed_total -= n;
            return;
        }
        n -= s->len;
        c->head = s->next;
        if (!c->head) {
            c->tail = NULL;
        }
        slot_free(c, s);
    }
}

void veu_conn_flush(veu_conn_t *c)
{
    uv_buf_t bufs[64];
    unsigned n = 0;

    if (c->closing) {
        return;
    }
    /*
     * Fast path: when nothing is queued in libuv, write the ready answers
     * now with one writev (uv_try_write), as Redis does; only what the
     * socket does not take goes through uv_write and its callback.
     */
    if (c->head && !c->head->submitted) {
        for (veu_slot_t *s = c->head; s && s->ready && n < 64; s = s->next) {
            bufs[n++] = uv_buf_init(s->buf, (unsigned)s->len);
        }
        if (n) {
            int w = uv_try_write((uv_stream_t *)&c->pipe, bufs, n);
            if (w > 0) {
                consume(c, (size_t)w);
                touch(c);
            } else if (w < 0 && w != UV_EAGAIN) {
                veu_conn_close(c, true);
                return;
            }
        }
    }
    for (veu_slot_t *s = c->head; s && s->ready; s = s->next) {
        if (s->submitted) {
            continue;
        }
        uv_buf_t b = uv_buf_init(s->buf, (unsigned)s->len);
        s->submitted = true;
        s->req.data = s;
        int rc = uv_write(&s->req, (uv_stream_t *)&c->pipe, &b, 1, after_write);
        if (rc < 0) {
            s->submitted = false;
            veu_conn_close(c, true);
            return;
        }
    }
    /* a watcher that shut its writing side still takes events (socat -t) */
    if (!c->head && !c->deferred && !lines_waiting(c) &&
        ((c->eof && !c->listener) || c->srv->stopping)) {
        veu_conn_close(c, false);
    }
}

void veu_conn_slot_fill(veu_slot_t *slot, const char *buf, size_t len)
{
    veu_conn_t *c = slot->conn;

    VEU_ASSERT(!slot->ready && !slot->submitted); /* an answer is given once */
    slot->buf = malloc(len ? len : 1);
    if (!slot->buf) {
        /* no memory for the answer: better to drop the client than to lie */
        slot->len = 0;
        slot->ready = true;
        veu_conn_close(c, true);
        return;
    }
    memcpy(slot->buf, buf, len);
    slot->len = len;
    slot->ready = true;
    c->owed += len;
    c->srv->owed_total += len;
}

static veu_slot_t *new_slot(veu_conn_t *c)
{
    veu_slot_t *s = calloc(1, sizeof(*s));
    if (!s) {
        return NULL;
    }
    c->owed += SLOT_COST;
    c->srv->owed_total += SLOT_COST;
    s->conn = c;
    if (c->tail) {
        c->tail->next = s;
    } else {
        c->head = s;
    }
    c->tail = s;
    return s;
}

bool veu_conn_push(veu_conn_t *c, const char *buf, size_t len)
{
    if (c->closing) {
        return false;
    }
    veu_slot_t *s = new_slot(c);
    if (!s) {
        veu_conn_close(c, true);
        return false;
    }
    veu_conn_slot_fill(s, buf, len);
    if (c->closing) {
        return false;
    }
    if (c->owed > 4 * c->srv->cfg.max_output) {
        veu_log(LOG_NOTICE,
                "client %llu (uid %d, pid %d): cut off: %zu bytes of events owed, above "
                "4 x max_output",
                (unsigned long long)c->id, (int)c->uid, (int)c->pid, c->owed);
        veu_conn_close(c, true);
        return false;
    }
    return true;
}

static bool blank(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != ' ' && p[i] != '\t') {
            return false;
        }
    }
    return true;
}

static void handle_line(veu_conn_t *c, char *line, size_t len)
{
    if (len && line[len - 1] == '\r') {
        len--;
    }
    if (blank(line, len) || c->listener) {
        return; /* a watching connection only receives */
    }
    veu_slot_t *s = new_slot(c);
    if (!s) {
        veu_conn_close(c, true);
        return;
    }
    line[len] = '\0';
    c->srv->on_line(c, s, line, len);
}

static void too_long(veu_conn_t *c)
{
    veu_server_t *srv = c->srv;
    veu_slot_t *s = new_slot(c);

    if (!s) {
        veu_conn_close(c, true);
        return;
    }
    veu_jbuf_reset(&srv->out);
    veu_wire_error(&srv->out, NULL, "line_too_long",
                   "request line longer than max_line (%zu bytes); the rest of it is discarded",
                   srv->cfg.max_line);
    srv->requests++;
    srv->errors++;
    veu_conn_slot_fill(s, srv->out.buf, srv->out.len);
}

/* Answers the complete lines buffered, at most max_lines of them, until paused. */
/*
 * While a line is answered, the answer cache's set for the line after next
 * and the cached result of the next line (its set asked for one line
 * before) are asked for.  With many requests in flight on a connection,
 * the writes of a turn push out of the caches what hint_batch asked for
 * before them; these hints come one answer ahead instead.
 */
struct ahead {
    const char *line; /* the line whose set was asked for, or NULL */
    const char *eol;  /* its newline */
    uint64_t hash;
    size_t id_len; /* 0: it names no entity to look up */
};

/* next: the line after the one about to be answered, whose newline is at next_eol. */
static void look_ahead(veu_conn_t *c, const char *next, const char *next_eol, struct ahead *a)
{
    veu_server_t *srv = c->srv;
    const char *end = c->rbuf + c->rlen, *after = next_eol + 1, *nl, *id;
    size_t len;

    if (a->line == next && a->id_len && srv->cur) {
        veu_cache_hint_result(&srv->cache, srv->cur->generation, a->hash, a->id_len);
    }
    a->line = NULL;
    a->id_len = 0;
    if (!srv->cur || after >= end || !(nl = memchr(after, '\n', (size_t)(end - after)))) {
        return;
    }
    a->line = after;
    a->eol = nl;
    if (veu_wire_peek_entity(after, (size_t)(nl - after), &id, &len)) {
        a->hash = veu_cache_hint_set(&srv->cache, id, len);
        a->id_len = len;
    }
}

static size_t handle_lines(veu_conn_t *c, size_t max_lines)
{
    size_t start = 0, max = c->srv->cfg.max_line, done = 0;
    struct ahead a = {0};

    while (!c->closing && !paused(c) && done < max_lines) {
        char *nl = memchr(c->rbuf + start, '\n', c->rlen - start);
        size_t len = nl ? (size_t)(nl - (c->rbuf + start)) : c->rlen - start;
        if (c->discarding) {
            if (!nl) {
                start = c->rlen; /* drop it all, still inside the long line */
                break;
            }
            c->discarding = false;
            start += len + 1;
            continue;
        }
        if (!nl) {
            if (len > max) {
                too_long(c);
                c->discarding = true;
                start = c->rlen;
            } else if (c->eof && len > 0) {
                /* the last line, without a newline, before the client's EOF */
                handle_line(c, c->rbuf + start, len);
                start = c->rlen;
            }
            break;
        }
        if (len > max + 1 || (len == max + 1 && c->rbuf[start + len - 1] != '\r')) {
            too_long(c);
        } else {
            const char *next = nl + 1, *end = c->rbuf + c->rlen, *next_eol;
            /* the next line's newline: known from the last look ahead, or found now */
            next_eol = a.line == next ? a.eol
                       : next < end   ? memchr(next, '\n', (size_t)(end - next))
                                      : NULL;
            if (done + 1 < max_lines && next_eol) {
                look_ahead(c, next, next_eol, &a);
            }
            handle_line(c, c->rbuf + start, len);
        }
        start += len + 1;
        done++;
    }
    if (!c->closing && start) {
        memmove(c->rbuf, c->rbuf + start, c->rlen - start);
        c->rlen -= start;
    }
    return done;
}

/*
 * Lines answered for one client in one turn of the loop; the rest wait for
 * the next turn, after every other client's (the review's F7: a client's
 * whole pipeline was answered in one turn while the others waited).
 */
#define LINES_PER_TURN 64

/* Puts c on the list answered in the next turn of the loop. */
static void defer(veu_conn_t *c)
{
    veu_server_t *srv = c->srv;

    if (c->deferred) {
        return;
    }
    c->deferred = true;
    srv->deferred_turns++;
    c->defer_next = srv->deferred;
    srv->deferred = c;
    uv_idle_start(&srv->next_turn, veu_conn_next_turn);
}

static void undefer(veu_conn_t *c)
{
    for (veu_conn_t **p = &c->srv->deferred; *p; p = &(*p)->defer_next) {
        if (*p == c) {
            *p = c->defer_next;
            break;
        }
    }
    c->deferred = false;
}

void veu_conn_next_turn(uv_idle_t *h)
{
    veu_server_t *srv = h->data;

    /* kept running until the batch has taken them: an active idle handle keeps poll from waiting */
    while (srv->deferred) {
        veu_conn_t *c = srv->deferred;
        srv->deferred = c->defer_next;
        c->deferred = false;
        if (!c->queued && !c->closing) {
            c->queued = true; /* answered in this turn's batch, with the clients read */
            c->ready_next = srv->ready;
            srv->ready = c;
        }
    }
}

/* Answers what is buffered (LINES_PER_TURN at most), writes, and pauses or resumes reading. */
static void process(veu_conn_t *c)
{
    size_t budget = LINES_PER_TURN;

    for (;;) {
        size_t done = handle_lines(c, budget);
        budget -= done < budget ? done : budget;
        if (c->closing) {
            return;
        }
        veu_conn_flush(c); /* may drain synchronously, which may unpause us */
        if (c->closing) {
            return;
        }
        if (paused(c)) {
            veu_conn_stop_reading(c);
            if (c->owed > 4 * c->srv->cfg.max_output) {
                veu_log(LOG_NOTICE,
                        "client %llu (uid %d, pid %d): cut off: %zu bytes owed, above "
                        "4 x max_output",
                        (unsigned long long)c->id, (int)c->uid, (int)c->pid, c->owed);
                veu_conn_close(c, true);
            }
            return; /* after_write resumes */
        }
        if (c->owed <= c->srv->cfg.max_output / 2) {
            start_reading(c);
        }
        if (!lines_waiting(c)) {
            return;
        }
        if (budget == 0) {
            defer(c);
            return;
        }
    }
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    veu_conn_t *c = stream->data;
    (void)buf;

    if (nread == UV_EOF) {
        c->eof = true;
        veu_conn_stop_reading(c);
        process(c);
        if (!c->closing && !c->head && !c->deferred && !lines_waiting(c) && !c->listener) {
            veu_conn_close(c, false);
        }
        return;
    }
    if (nread < 0) {
        veu_log(LOG_DEBUG, "client %llu: read: %s", (unsigned long long)c->id,
                uv_strerror((int)nread));
        veu_conn_close(c, true);
        return;
    }
    if (nread == 0) {
        return;
    }
    c->rlen += (size_t)nread;
    touch(c);
    if (!c->queued) {
        /* answered with the others read in this turn of the loop (veu_conn_batch) */
        c->queued = true;
        c->ready_next = c->srv->ready;
        c->srv->ready = c;
    }
}

/*
 * Gives the snapshot hints for the lines a batch of connections holds: the
 * first BATCH_LINES of each, at most BATCH_HINTS in all.  Each stage runs
 * over every hint before the next: the loads of one stage are in flight
 * together (hint.c).
 */
#define BATCH_LINES 8
#define BATCH_HINTS 256

static void hint_batch(veu_server_t *srv, veu_conn_t **conns, size_t n_conns)
{
    static veu_snapshot_hint_t h[BATCH_HINTS];
    static struct {
        const char *id;
        size_t len;
        uint64_t hash;
    } ask[BATCH_HINTS];
    const veu_snapshot_t *snap = srv->cur ? srv->cur->snap : NULL;
    size_t n = 0, na = 0;

    if (!snap) {
        return;
    }
    /* the ids asked for, and the cache's set of each */
    for (size_t i = 0; i < n_conns && na < BATCH_HINTS; i++) {
        veu_conn_t *c = conns[i];
        const char *p = c->rbuf, *end = c->rbuf + c->rlen;
        if (c->discarding) {
            continue;
        }
        for (int k = 0; k < BATCH_LINES && na < BATCH_HINTS; k++) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl) {
                break;
            }
            if (veu_wire_peek_entity(p, (size_t)(nl - p), &ask[na].id, &ask[na].len)) {
                ask[na].hash = veu_cache_hint_set(&srv->cache, ask[na].id, ask[na].len);
                na++;
            }
            p = nl + 1;
        }
    }
    /* a cached answer reads none of the graph, only its own bytes */
    for (size_t i = 0; i < na; i++) {
        if (!veu_cache_hint_result(&srv->cache, srv->cur->generation, ask[i].hash, ask[i].len)) {
            veu_snapshot_hint_id(snap, ask[i].id, ask[i].len, &h[n++]);
        }
    }
    srv->hinted += n;
    bool more = true;
    for (int round = 0; round < VEU_HINT_STEPS && more; round++) {
        more = false;
        for (size_t i = 0; i < n; i++) {
            more |= veu_snapshot_hint_step(snap, &h[i]);
        }
    }
}

/*
 * The loop's check phase, right after its reads: answers every connection
 * read from in this turn, after hinting what their answers will read.
 * Connections are freed only in the loop's close phase, after this one, so
 * a connection closed since it was queued is still there to be skipped.
 */
void veu_conn_batch(uv_check_t *h)
{
    veu_server_t *srv = h->data;
    veu_conn_t *batch[BATCH_HINTS];

    while (srv->ready) {
        size_t n = 0;
        for (; srv->ready && n < BATCH_HINTS; srv->ready = srv->ready->ready_next) {
            batch[n++] = srv->ready;
        }
        srv->batches++;
        srv->batched += n;
        srv->largest_batch = n > srv->largest_batch ? (unsigned)n : srv->largest_batch;
        hint_batch(srv, batch, n);
        /*
         * The first answer of each connection, then the writes and the
         * rest: a write is a system call whose work in the kernel would
         * evict the memory hinted for the answers after it.  Only the
         * first: with many requests in flight on a connection, rendering
         * all of them before any write would leave the clients idle.
         */
        for (size_t i = 0; i < n; i++) {
            if (!batch[i]->closing) {
                handle_lines(batch[i], 1);
            }
        }
        for (size_t i = 0; i < n; i++) {
            batch[i]->queued = false;
            if (!batch[i]->closing) {
                process(batch[i]);
            }
        }
    }
    if (!srv->deferred) {
        uv_idle_stop(&srv->next_turn); /* no lines left over: poll may wait again */
    }
}

static void on_busy_written(uv_write_t *req, int status)
{
    (void)status;
    uv_close((uv_handle_t *)req->handle, (uv_close_cb)free);
    free(req);
}

/* One client more than max_clients: accepted, told busy, closed. */
static void reject_busy(veu_server_t *srv)
{
    static char msg[256];
    uv_pipe_t *p = malloc(sizeof(*p));
    uv_write_t *req = malloc(sizeof(*req));

    if (!p || !req || uv_pipe_init(srv->loop, p, 0) < 0) {
        free(p);
        free(req);
        return;
    }
    if (uv_accept((uv_stream_t *)&srv->listener, (uv_stream_t *)p) < 0) {
        free(req);
        uv_close((uv_handle_t *)p, (uv_close_cb)free);
        return;
    }
    int n = snprintf(msg, sizeof(msg),
                     "{\"ok\":false,\"error\":{\"code\":\"busy\",\"message\":\"too many clients "
                     "(max_clients = %u); try again later\"}}\n",
                     srv->cfg.max_clients);
    uv_buf_t b = uv_buf_init(msg, (unsigned)n);
    srv->rejected++;
    if (uv_write(req, (uv_stream_t *)p, &b, 1, on_busy_written) < 0) {
        free(req);
        uv_close((uv_handle_t *)p, (uv_close_cb)free);
    }
}

void veu_conn_accept(veu_server_t *srv)
{
    if (srv->n_clients >= srv->cfg.max_clients) {
        reject_busy(srv);
        return;
    }
    veu_conn_t *c = calloc(1, sizeof(*c));
    if (!c) {
        return;
    }
    c->srv = srv;
    c->id = ++srv->next_conn_id;
    c->uid = (uid_t)-1;
    c->pid = -1;
    uv_pipe_init(srv->loop, &c->pipe, 0);
    uv_timer_init(srv->loop, &c->idle);
    c->pipe.data = c;
    c->idle.data = c;
    c->handles = 2;
    if (uv_accept((uv_stream_t *)&srv->listener, (uv_stream_t *)&c->pipe) < 0) {
        c->closing = true;
        uv_close((uv_handle_t *)&c->pipe, on_handle_closed);
        uv_close((uv_handle_t *)&c->idle, on_handle_closed);
        return;
    }
    uv_os_fd_t fd;
    struct ucred cred;
    socklen_t clen = sizeof(cred);
    if (uv_fileno((uv_handle_t *)&c->pipe, &fd) == 0 &&
        getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
        c->uid = cred.uid;
        c->pid = cred.pid;
    }
    c->next = srv->conns;
    if (srv->conns) {
        srv->conns->prev = c;
    }
    srv->conns = c;
    srv->n_clients++;
    touch(c);
    if (srv->cfg.idle_timeout) {
        uv_timer_start(&c->idle, on_idle, (uint64_t)srv->cfg.idle_timeout * 1000, 0);
    }
    start_reading(c);
}
