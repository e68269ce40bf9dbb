/* SPDX-License-Identifier: MIT */
/* served.h: the graph being served (served.c). */
#ifndef VEU_DAEMON_SERVED_H
#define VEU_DAEMON_SERVED_H

typedef struct veu_server veu_server_t;
struct veu_snapref;

/* Serves next (its reference is taken over; NULL at exit), releasing the graph served. */
void veu_server_swap(veu_server_t *srv, struct veu_snapref *next);
/* Tells systemd (if it listens) what is served: STATUS=... */
void veu_server_status(veu_server_t *srv);

#endif
