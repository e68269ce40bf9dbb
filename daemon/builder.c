/* SPDX-License-Identifier: MIT */
/*
 * builder.c: see builder.h.  The child execs /proc/self/fd/N of the
 * server's own image (server.c keeps it open), never the file installed
 * now: a builder of another version could write snapshots this server
 * cannot read.
 */
#include "builder.h"
#include "server.h"
#include "veu/policy.h"

int veu_builder_spawn(veu_server_t *srv, uv_process_t *proc, const char *mode,
                      const char *const *args, int n_args, uv_stdio_container_t *stdio, int n_stdio,
                      uv_exit_cb on_exit)
{
    static char pol[VEU_POLICY_ARGS][VEU_POLICY_ARG_SIZE];
    char *argv[2 + VEU_BUILDER_MAX_ARGS + 2 * VEU_POLICY_ARGS + 1];
    int a = 0, k = veu_policy_args(&srv->cfg.policy, pol);

    if (n_args > VEU_BUILDER_MAX_ARGS) {
        return UV_E2BIG;
    }
    argv[a++] = srv->exe;
    argv[a++] = (char *)mode;
    for (int i = 0; i < n_args; i++) {
        argv[a++] = (char *)args[i];
    }
    for (int i = 0; i < k; i++) {
        argv[a++] = "--policy";
        argv[a++] = pol[i];
    }
    argv[a] = NULL;
    uv_process_options_t opt = {.file = srv->exe_run,
                                .args = argv,
                                .stdio_count = n_stdio,
                                .stdio = stdio,
                                .exit_cb = on_exit};
    return uv_spawn(srv->loop, proc, &opt);
}
