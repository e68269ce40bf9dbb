/* SPDX-License-Identifier: MIT */
/*
 * watch.h: the watch op (SPEC section 9): a connection that receives, after
 * every swap, the changes of the entities it watches (watch.c).
 */
#ifndef VEU_DAEMON_WATCH_H
#define VEU_DAEMON_WATCH_H

#include <stddef.h>

#include "req.h"
#include "veu/snapshot.h"

typedef struct veu_watcher veu_watcher_t;

/* Makes r's connection a watcher of entities (an array of ids, or NULL: all). */
int veu_watch_start(veu_req_t *r, json_t *entities, veu_jbuf_t *res);
/*
 * After a swap from generation a to b, sends every watcher its change
 * events and the generation event.  a or c NULL: the generations were not
 * compared, and the generation event says so (changes null, an error).
 */
void veu_watch_publish(veu_server_t *srv, const veu_snapshot_t *a, const veu_snapshot_t *b,
                       uint64_t generation, const veu_change_t *c, size_t n);
void veu_watch_forget_conn(veu_server_t *srv, veu_conn_t *c);
void veu_watch_cleanup(veu_server_t *srv);

#endif
