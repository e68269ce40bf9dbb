/* SPDX-License-Identifier: MIT */
/*
 * proto.h: a request line becomes a request (JSON or inline), is handed
 * to its op, and answered in its slot now or later (proto.c).
 */
#ifndef VEU_DAEMON_PROTO_H
#define VEU_DAEMON_PROTO_H

#include <stddef.h>

typedef struct veu_conn veu_conn_t;
typedef struct veu_slot veu_slot_t;

/* Handles one request line (NUL-terminated at len): fills slot now or leaves it to a waiter. */
void veu_proto_handle(veu_conn_t *c, veu_slot_t *slot, char *line, size_t len);

#endif
