/* SPDX-License-Identifier: MIT */
/*
 * watch.c: watchers.  A connection that asked `watch` takes no more
 * requests; after every swap it gets one event line per changed entity it
 * watches, then one line for the generation:
 *
 *   {"event":"change","generation":M,"entity":{...},"before":...,"after":...}
 *   {"event":"generation","generation":M,"changes":K}
 *
 * The changes come from the comparison the rebuild already made in the
 * thread pool (rebuild.c); here they are only written, each line once into
 * a scratch buffer and copied to every watcher that wants it.  A watcher
 * that does not read is cut off like any client that owes too much
 * (veu_conn_push).
 */
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "server.h"
#include "snapref.h"
#include "watch.h"

struct veu_watcher {
    veu_watcher_t *next;
    veu_conn_t *conn; /* NULL once it has gone: freed at the next publish or cleanup */
    char **ids;       /* sorted; NULL: every entity */
    size_t n_ids;
    size_t sent; /* change events of the generation being published */
};

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void watcher_free(veu_watcher_t *w)
{
    for (size_t i = 0; i < w->n_ids; i++) {
        free(w->ids[i]);
    }
    free(w->ids);
    free(w);
}

/* Frees the watchers whose connections have gone. */
static void sweep(veu_server_t *srv)
{
    for (veu_watcher_t **p = &srv->watchers; *p;) {
        veu_watcher_t *w = *p;
        if (w->conn) {
            p = &w->next;
            continue;
        }
        *p = w->next;
        watcher_free(w);
    }
}

int veu_watch_start(veu_req_t *r, json_t *entities, veu_jbuf_t *res)
{
    veu_server_t *srv = r->srv;
    veu_watcher_t *w = calloc(1, sizeof(*w));
    size_t n = entities ? json_array_size(entities) : 0;

    if (!w || (entities && !(w->ids = calloc(n ? n : 1, sizeof(char *))))) {
        free(w);
        return veu_req_fail(r, "internal", "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(entities, i);
        if (!(w->ids[w->n_ids] = strndup(json_string_value(x), json_string_length(x)))) {
            watcher_free(w);
            return veu_req_fail(r, "internal", "out of memory");
        }
        w->n_ids++;
    }
    if (w->n_ids > 1) {
        qsort(w->ids, w->n_ids, sizeof(char *), by_str);
    }
    sweep(srv);
    w->conn = r->conn;
    w->next = srv->watchers;
    srv->watchers = w;
    r->conn->listener = true;
    veu_jbuf_lit(res, "{\"watching\":");
    veu_jbuf_int(res, entities ? (int64_t)w->n_ids
                               : (int64_t)veu_snapshot_info(r->snap->snap)->entities);
    if (entities) { /* ids the graph lacks: watched, but a typo would otherwise never be heard of */
        veu_jbuf_lit(res, ",\"unknown\":[");
        for (size_t i = 0, k = 0; i < w->n_ids; i++) {
            if (veu_snapshot_find(r->snap->snap, w->ids[i], strlen(w->ids[i])) == VEU_SNAP_NONE) {
                veu_jbuf_raw(res, ",", k++ ? 1 : 0);
                veu_jbuf_str(res, w->ids[i]);
            }
        }
        veu_jbuf_raw(res, "]", 1);
    }
    veu_jbuf_raw(res, "}", 1);
    veu_log(LOG_INFO, "client %llu (uid %d) watches %s", (unsigned long long)r->conn->id,
            (int)r->conn->uid, entities ? "some entities" : "every entity");
    return VEU_OP_OK;
}

static bool wants(const veu_watcher_t *w, const char *id)
{
    return !w->ids || bsearch(&id, w->ids, w->n_ids, sizeof(char *), by_str);
}

void veu_watch_publish(veu_server_t *srv, const veu_snapshot_t *a, const veu_snapshot_t *b,
                       uint64_t generation, const veu_change_t *c, size_t n)
{
    veu_jbuf_t line, one;
    veu_watcher_t *w;

    sweep(srv);
    if (!srv->watchers) {
        return;
    }
    veu_jbuf_init(&line);
    veu_jbuf_init(&one);
    for (w = srv->watchers; w; w = w->next) {
        w->sent = 0;
    }
    for (size_t i = 0; a && i < n; i++) {
        const char *id = c[i].after != VEU_SNAP_NONE ? veu_snapshot_id(b, c[i].after)
                                                     : veu_snapshot_id(a, c[i].before);
        bool rendered = false;
        for (w = srv->watchers; w; w = w->next) {
            if (!w->conn || !wants(w, id)) {
                continue;
            }
            if (!rendered) { /* once per change, for every watcher that wants it */
                veu_jbuf_reset(&one);
                veu_snapshot_change_json(a, b, &c[i], &one);
                veu_jbuf_reset(&line);
                veu_jbuf_printf(&line, "{\"event\":\"change\",\"generation\":%llu,",
                                (unsigned long long)generation);
                veu_jbuf_raw(&line, one.buf + 1, one.len - 1);
                veu_jbuf_raw(&line, "\n", 1);
                rendered = true;
            }
            if (veu_jbuf_failed(&line) || !veu_conn_push(w->conn, line.buf, line.len)) {
                w->conn = NULL; /* cut off, or no memory: it hears no more */
                continue;
            }
            w->sent++;
        }
    }
    for (w = srv->watchers; w; w = w->next) {
        if (!w->conn) {
            continue;
        }
        veu_jbuf_reset(&line);
        if (!a || !c) { /* not compared: say so rather than report no change */
            veu_jbuf_printf(&line,
                            "{\"event\":\"generation\",\"generation\":%llu,\"changes\":null,"
                            "\"error\":\"the changes could not be worked out; ask the "
                            "changes op\"}\n",
                            (unsigned long long)generation);
        } else {
            veu_jbuf_printf(&line,
                            "{\"event\":\"generation\",\"generation\":%llu,\"changes\":%zu}\n",
                            (unsigned long long)generation, w->sent);
        }
        if (veu_jbuf_failed(&line) || !veu_conn_push(w->conn, line.buf, line.len)) {
            w->conn = NULL;
        }
    }
    /* every line queued before any is written: a flush may close a connection */
    for (w = srv->watchers; w; w = w->next) {
        if (w->conn) {
            veu_conn_flush(w->conn);
        }
    }
    sweep(srv);
    veu_jbuf_destroy(&line);
    veu_jbuf_destroy(&one);
}

void veu_watch_forget_conn(veu_server_t *srv, veu_conn_t *c)
{
    for (veu_watcher_t *w = srv->watchers; w; w = w->next) {
        if (w->conn == c) {
            w->conn = NULL;
        }
    }
}

void veu_watch_cleanup(veu_server_t *srv)
{
    for (veu_watcher_t *w = srv->watchers; w; w = w->next) {
        w->conn = NULL;
    }
    sweep(srv);
}
