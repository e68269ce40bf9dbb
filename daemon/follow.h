/* SPDX-License-Identifier: MIT */
/*
 * follow.h: a follower (--follow, [daemon] follow = true; SPEC section 6)
 * builds nothing: it serves the newest snapshot another veud renames into
 * its state directory, verified as any other, swapped in as any rebuild's.
 */
#ifndef VEU_DAEMON_FOLLOW_H
#define VEU_DAEMON_FOLLOW_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

typedef struct veu_server veu_server_t;
struct veu_snapref;
struct veu_change;

#define VEU_FOLLOW_REFUSED 16 /* files refused lately: said once each, not tried again */

typedef struct veu_follow {
    uv_fs_event_t ev; /* the state directory (inotify) */
    uv_timer_t soon;  /* a scan shortly after an event (files come in bursts) */
    uv_timer_t every; /* a scan every few seconds: where inotify says nothing (NFS) */
    bool ev_open, timers_open, watching;
    /* a snapshot being mapped and verified in the thread pool */
    uv_work_t work;
    bool opening, again;
    char path[PATH_MAX];
    int64_t started_ms;
    struct veu_snapref *opened, *prev;
    struct veu_change *changes;
    size_t n_changes;
    bool changes_failed;
    char err[512];
    struct {
        char path[PATH_MAX];
        off_t size;
        int64_t mtime_ns;
    } refused[VEU_FOLLOW_REFUSED];
    unsigned n_refused;
    uint64_t served, refusals; /* for stats */
} veu_follow_t;

/* Serves the newest snapshot of the state directory and watches it for newer ones. */
void veu_follow_start(veu_server_t *srv);

/* The configuration was read again: files refused under the old policy are looked at again. */
void veu_follow_reconfigured(veu_server_t *srv);

/* Stopping: closes the watch and the timers (a job in the pool finishes on its own). */
void veu_follow_stop(veu_server_t *srv);

/* Whether the follower has handles or a job still open (the loop waits for them). */
bool veu_follow_busy(const veu_server_t *srv);

#endif
