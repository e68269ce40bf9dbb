/* SPDX-License-Identifier: MIT */
/*
 * config.h: veud's settings: the [daemon] and [policy] sections of the
 * configuration file (SPEC section 5), their defaults, and the flags that
 * override them.
 */
#ifndef VEU_DAEMON_CONFIG_H
#define VEU_DAEMON_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "veu/policy.h"

#define VEU_MAX_ADMINS 32

typedef struct veu_config {
    char socket[PATH_MAX];
    unsigned socket_mode;
    char data[PATH_MAX];
    char state[PATH_MAX];
    unsigned rebuild_interval; /* seconds, 0: off */
    unsigned max_clients;
    size_t max_line;
    size_t max_output;
    unsigned idle_timeout;     /* seconds, 0: off */
    unsigned history_entities; /* bound on the part of the graph an answer for another day takes */
    unsigned history_days;     /* other days' whole graphs kept (asof.c); 0: none */
    unsigned build_timeout;    /* seconds a builder may run before it is killed; 0: from the data */
    unsigned keep_generations; /* snapshots kept in the state directory (SPEC section 9) */
    bool follow; /* serve what another veud renames into the state directory; build nothing */
    int n_admin;
    uid_t admin_uids[VEU_MAX_ADMINS];
    char audit_log[PATH_MAX];
    veu_policy_t policy;
} veu_config_t;

void veu_config_init(veu_config_t *c);

#define VEU_CONFIG_MAX_POLICY_FLAGS 32

/*
 * Where the configuration in force comes from: the file and the flags that
 * override it.  The server keeps it, so that SIGHUP and `reload` read the
 * file again with the same flags on top (SPEC section 8).  The strings are
 * borrowed (argv lives as long as the process).
 */
typedef struct veu_config_src {
    const char *path;                                   /* the configuration file, or NULL */
    const char *data, *socket, *state;                  /* --data, --socket, --state, or NULL */
    bool strict;                                        /* --strict */
    bool follow;                                        /* --follow */
    const char *policy_kv[VEU_CONFIG_MAX_POLICY_FLAGS]; /* --policy KEY=VALUE */
    int n_policy;
} veu_config_src_t;

/*
 * Defaults, then the file, then the flags.  Returns 0; -VEU_ECONFIG with
 * "file:line: key 'k': ..." in err for a file or --policy value that does
 * not read; -EINVAL for a flag that is malformed (a usage error).  out is
 * written only on success.
 */
int veu_config_compose(const veu_config_src_t *src, veu_config_t *out, char *err, size_t errlen);

/*
 * Reads a configuration file over the current settings.  Returns 0, or a
 * negative code with "file:line: key 'k': what is wrong" in err.
 */
int veu_config_load(veu_config_t *c, const char *path, char *err, size_t errlen);

/*
 * Descriptors kept for what is not a client: the listener, its lock, our own
 * image, the audit log, signals, snapshots mapped, builders' pipes and
 * memory files, libuv's own.
 */
#define VEU_FD_RESERVE 64

/*
 * Lowers max_clients so that max_clients + VEU_FD_RESERVE descriptors fit
 * the soft RLIMIT_NOFILE (the review's F8: idle clients once made builder
 * starts fail); with raise (at start), first raises the soft limit to the
 * hard one.  Returns the max_clients in force.
 */
unsigned veu_config_fit_clients(veu_config_t *c, bool raise);

/* Sets one key of a section ("daemon" or "policy"); 0 or -VEU_ECONFIG. */
int veu_config_set(veu_config_t *c, const char *section, const char *key, const char *value,
                   char *err, size_t errlen);

#endif
