/* SPDX-License-Identifier: MIT */
/*
 * notify.h: the systemd service notification protocol (sd_notify), a few
 * datagrams on the socket named by $NOTIFY_SOCKET: READY=1, RELOADING=1,
 * STOPPING=1, STATUS=..., WATCHDOG=1.  Without $NOTIFY_SOCKET every call is
 * a no-op, so veud runs the same under systemd, a terminal or a test.
 */
#ifndef VEU_DAEMON_NOTIFY_H
#define VEU_DAEMON_NOTIFY_H

#include <stdint.h>

/* Reads and clears $NOTIFY_SOCKET and $WATCHDOG_USEC; call once at start. */
void veu_notify_init(void);

/* Sends one notification ("READY=1\nSTATUS=serving"); 0 or -errno. */
int veu_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The watchdog interval systemd asked for in microseconds, or 0. */
uint64_t veu_notify_watchdog_usec(void);

#endif
