/* SPDX-License-Identifier: MIT */
/* reconfig.h: reading the configuration again while serving (reconfig.c). */
#ifndef VEU_DAEMON_RECONFIG_H
#define VEU_DAEMON_RECONFIG_H

#include <stddef.h>

typedef struct veu_server veu_server_t;

/*
 * Reads the configuration again (SIGHUP, reload).  A changed [policy] takes
 * effect with the next build; [daemon] keys now, except socket, socket_mode
 * and state, which need a restart (logged as changed but not applied).
 * Returns 0, or a negative code with err naming file, line and key, the
 * configuration in force unchanged.
 */
int veu_server_reconfigure(veu_server_t *srv, char *err, size_t errlen);

#endif
