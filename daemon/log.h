/* SPDX-License-Identifier: MIT */
/*
 * log.h: one line per event on stderr, prefixed with its syslog priority
 * ("<3>" for errors) so that journald files it at the right level.
 */
#ifndef VEU_DAEMON_LOG_H
#define VEU_DAEMON_LOG_H

#include <syslog.h>

void veu_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Show events up to this priority (LOG_INFO by default, LOG_DEBUG with -v). */
void veu_log_level(int max_prio);

#endif
