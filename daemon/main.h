/* SPDX-License-Identifier: MIT */
/* main.h: the modes main() hands over to. */
#ifndef VEU_DAEMON_MAIN_H
#define VEU_DAEMON_MAIN_H

#include "config.h"

/*
 * Serves on the configured socket until SIGTERM; returns the exit code.
 * src is where cfg came from: SIGHUP and `reload` read it again.
 */
int veu_serve_main(const veu_config_t *cfg, const veu_config_src_t *src);

/* `veud query`: the client; returns the exit code. */
int veu_query_main(int argc, char **argv);

/*
 * The clients' connection to veud at path: a descriptor, or minus the exit
 * code (EX_USAGE, EX_UNAVAILABLE) after saying why on stderr as who.
 */
int veu_client_connect(const char *who, const char *path);

/* `veud screen`: the batch screening client; returns the exit code. */
int veu_screen_main(int argc, char **argv);

#endif
