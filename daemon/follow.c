/* SPDX-License-Identifier: MIT */
/*
 * follow.c: a follower serves what a producer builds (follow.h).
 *
 * The producer (a veud that builds, or `veud build --out STATE/veud-N.snap`
 * on another machine, its file shipped in) writes a snapshot under a
 * temporary name and renames it into the shared state directory.  The
 * follower hears of it from inotify (uv_fs_event), and looks again every
 * few seconds as well, for file systems where inotify hears nothing of
 * other machines' writes.  A scan reads the directory's names only: a
 * file veud-N.snap with N above the generation served is a candidate, the
 * newest first; it is mapped and verified in the thread pool (a second at
 * 10M entities), compared with the graph served for the journal's count of
 * changes, and swapped in between two requests, as a rebuild's is.  A file
 * that is not a snapshot this veud serves (cut short, corrupt, of another
 * format) is refused, logged once, and not tried again unless it changes;
 * the graph served stays.  Only a snapshot built under the follower's own
 * [policy] is served (SPEC section 8: the configuration in force is the
 * one on disk), so a follower carries its producer's [policy]; the data
 * directory is the producer's alone.  Nothing is ever removed: the
 * directory is the producer's.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "follow.h"
#include "log.h"
#include "notify.h"
#include "rebuild.h"
#include "served.h"
#include "server.h"
#include "snapref.h"
#include "veu/snapshot.h"

#define SOON_MS  20   /* after an event: renames come with other events */
#define EVERY_MS 2000 /* the scan that needs no event */

static void scan(veu_server_t *srv);

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* Whether path, as it is now, was refused already. */
static bool refused(const veu_follow_t *f, const char *path, const struct stat *st)
{
    for (unsigned i = 0; i < f->n_refused && i < VEU_FOLLOW_REFUSED; i++) {
        if (!strcmp(f->refused[i].path, path) && f->refused[i].size == st->st_size &&
            f->refused[i].mtime_ns == mtime_ns(st)) {
            return true;
        }
    }
    return false;
}

static void refuse(veu_server_t *srv, const char *path, const char *why)
{
    veu_follow_t *f = &srv->follow;
    struct stat st;
    unsigned k = f->n_refused++ % VEU_FOLLOW_REFUSED;

    f->refusals++;
    snprintf(f->refused[k].path, sizeof(f->refused[k].path), "%s", path);
    f->refused[k].size = stat(path, &st) == 0 ? st.st_size : -1;
    f->refused[k].mtime_ns = f->refused[k].size >= 0 ? mtime_ns(&st) : 0;
    if (srv->cur) {
        veu_log(LOG_WARNING, "snapshot %s refused: %s; generation %llu keeps serving", path, why,
                (unsigned long long)srv->cur->generation);
    } else {
        veu_log(LOG_WARNING, "snapshot %s refused: %s; no graph is served yet", path, why);
    }
}

/* In the thread pool: maps and verifies, and counts what changed since the graph served. */
static void open_work(uv_work_t *w)
{
    veu_server_t *srv = w->data;
    veu_follow_t *f = &srv->follow;

    f->opened = veu_snapref_open(f->path, f->err, sizeof(f->err));
    if (f->opened && f->prev) {
        f->changes_failed =
            veu_snapshot_changes(f->prev->snap, f->opened->snap, &f->changes, &f->n_changes) < 0;
    }
}

static void open_done(uv_work_t *w, int status)
{
    veu_server_t *srv = w->data;
    veu_follow_t *f = &srv->follow;

    f->opening = false;
    if (status < 0 && !f->opened) {
        snprintf(f->err, sizeof(f->err), "%s", uv_strerror(status));
    }
    if (f->opened && (srv->stopping || status < 0 ||
                      (srv->cur && f->opened->generation <= srv->cur->generation))) {
        veu_snapref_put(f->opened); /* stopping, or overtaken meanwhile */
    } else if (f->opened) {
        char how[PATH_MAX + 32];
        snprintf(how, sizeof(how), " (followed from %s)", srv->cfg.state);
        veu_rebuild_serve(srv, f->opened, &f->prev, &f->changes, f->n_changes, f->changes_failed,
                          veu_now_ms() - f->started_ms, how);
        f->served++;
        veu_notify("READY=1");
        veu_server_status(srv);
    } else if (!srv->stopping) {
        refuse(srv, f->path, f->err);
    }
    f->opened = NULL;
    veu_snapref_put(f->prev);
    f->prev = NULL;
    free(f->changes);
    f->changes = NULL;
    f->n_changes = 0;
    if (srv->stopping) {
        srv->on_work_done(srv);
    } else if (f->again) {
        f->again = false;
        scan(srv);
    }
}

/* The generation a state directory's file name gives (veud-N.snap), or 0. */
static uint64_t name_generation(const char *name)
{
    size_t len = strlen(name);
    char *end;
    if (len < 11 || strncmp(name, "veud-", 5) || strcmp(name + len - 5, ".snap")) {
        return 0;
    }
    unsigned long long g = strtoull(name + 5, &end, 10);
    return end == name + len - 5 ? (uint64_t)g : 0;
}

/* Looks for a newer snapshot; starts mapping the newest one not refused. */
static void scan(veu_server_t *srv)
{
    veu_follow_t *f = &srv->follow;
    uint64_t have = srv->cur ? srv->cur->generation : 0, best = 0;
    char best_path[PATH_MAX] = "";

    if (srv->stopping) {
        return;
    }
    if (f->opening) {
        f->again = true; /* once this one is in */
        return;
    }
    char want[17];
    veu_policy_digest(&srv->cfg.policy, want);
    DIR *d = opendir(srv->cfg.state);
    if (!d) {
        return;
    }
    for (struct dirent *de; (de = readdir(d));) {
        uint64_t g = name_generation(de->d_name);
        char path[PATH_MAX];
        struct stat st;
        if (g <= have || g <= best) {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", srv->cfg.state, de->d_name);
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || refused(f, path, &st)) {
            continue;
        }
        const char *why = NULL;
        veu_snapshot_peek_t p;
        if (veu_snapshot_peek(path, &p, &why) < 0) {
            refuse(srv, path, why); /* cut short, foreign: said once, until it changes */
            continue;
        }
        if (strcmp(p.policy_digest, want)) {
            /* the configuration in force is the one on disk (SPEC section 8) */
            char msg[160];
            snprintf(msg, sizeof(msg),
                     "built under another policy (%s, not %s); give the follower the "
                     "producer's [policy]",
                     p.policy_digest, want);
            refuse(srv, path, msg);
            continue;
        }
        best = g;
        snprintf(best_path, sizeof(best_path), "%s", path);
    }
    closedir(d);
    if (!best) {
        return;
    }
    snprintf(f->path, sizeof(f->path), "%s", best_path);
    f->opening = true;
    f->started_ms = veu_now_ms();
    f->opened = NULL;
    f->err[0] = '\0';
    f->prev = srv->cur ? veu_snapref_get(srv->cur) : NULL;
    f->changes = NULL;
    f->n_changes = 0;
    f->changes_failed = false;
    f->work.data = srv;
    if (uv_queue_work(srv->loop, &f->work, open_work, open_done) < 0) {
        open_work(&f->work); /* no pool: on the loop, once */
        open_done(&f->work, 0);
    }
}

static void on_soon(uv_timer_t *t)
{
    scan(t->data);
}

static void on_event(uv_fs_event_t *h, const char *name, int events, int status)
{
    veu_server_t *srv = h->data;
    (void)events;
    if (status < 0) {
        veu_log(LOG_WARNING, "watching %s: %s; looking every %d s instead", srv->cfg.state,
                uv_strerror(status), EVERY_MS / 1000);
        return;
    }
    if (name && !name_generation(name)) {
        return; /* a temporary file being written, the lock, an audit log */
    }
    uv_timer_start(&srv->follow.soon, on_soon, SOON_MS, 0);
}

void veu_follow_start(veu_server_t *srv)
{
    veu_follow_t *f = &srv->follow;

    uv_timer_init(srv->loop, &f->soon);
    uv_timer_init(srv->loop, &f->every);
    f->soon.data = f->every.data = srv;
    f->timers_open = true;
    uv_fs_event_init(srv->loop, &f->ev);
    f->ev.data = srv;
    f->ev_open = true;
    int rc = uv_fs_event_start(&f->ev, on_event, srv->cfg.state, 0);
    f->watching = rc == 0;
    veu_log(LOG_INFO,
            "following %s: serving the snapshots renamed into it, building none (%s, and a look "
            "every %d s)",
            srv->cfg.state, rc == 0 ? "inotify" : uv_strerror(rc), EVERY_MS / 1000);
    uv_timer_start(&f->every, on_soon, EVERY_MS, EVERY_MS);
    scan(srv);
}

void veu_follow_stop(veu_server_t *srv)
{
    veu_follow_t *f = &srv->follow;
    if (f->ev_open) {
        uv_close((uv_handle_t *)&f->ev, NULL);
        f->ev_open = false;
    }
    if (f->timers_open) {
        uv_close((uv_handle_t *)&f->soon, NULL);
        uv_close((uv_handle_t *)&f->every, NULL);
        f->timers_open = false;
    }
}

void veu_follow_reconfigured(veu_server_t *srv)
{
    srv->follow.n_refused = 0; /* refused under the old policy: looked at again */
    scan(srv);
}

bool veu_follow_busy(const veu_server_t *srv)
{
    return srv->follow.opening;
}
