/* SPDX-License-Identifier: MIT */
/*
 * builder.h: starting a builder child (builder.c): `veud build` for a
 * rebuild (rebuild.c) and `veud history` for an answer on another day
 * (asof.c).  Both run the server's own image with the policy in force;
 * their exit codes are VEU_EXIT_* (veu/build.h).
 */
#ifndef VEU_DAEMON_BUILDER_H
#define VEU_DAEMON_BUILDER_H

#include <uv.h>

typedef struct veu_server veu_server_t;

#define VEU_BUILDER_MAX_ARGS 16

/*
 * Starts `veud MODE ARGS... --policy KEY=VALUE...` with the given stdio
 * (the child's descriptors 0 to n_stdio - 1) and exit callback.  Returns
 * uv_spawn's result: 0, or a negative libuv error (the callback never runs).
 */
int veu_builder_spawn(veu_server_t *srv, uv_process_t *proc, const char *mode,
                      const char *const *args, int n_args, uv_stdio_container_t *stdio, int n_stdio,
                      uv_exit_cb on_exit);

#endif
