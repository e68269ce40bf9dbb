/* SPDX-License-Identifier: MIT */
/*
 * reconfig.c: the configuration on disk made the one in force (SPEC
 * section 8), on SIGHUP and reload: read again with the same flags on top,
 * applied where the running server can, said where it cannot.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asof.h"
#include "log.h"
#include "rebuild.h"
#include "reconfig.h"
#include "server.h"

int veu_server_reconfigure(veu_server_t *srv, char *err, size_t errlen)
{
    static veu_config_t n; /* large; the loop thread only */
    veu_config_t *c = &srv->cfg;
    char was[17], now[17];
    int rc = veu_config_compose(&srv->src, &n, err, errlen);

    if (rc < 0) {
        veu_log(LOG_ERR, "configuration not reloaded, the one in force stays: %s", err);
        return rc;
    }
    /* what the running server cannot change: said, and kept until a restart */
    if (strcmp(n.socket, c->socket) || n.socket_mode != c->socket_mode) {
        veu_log(LOG_NOTICE,
                "configuration: socket '%s' (mode %04o) changed to '%s' (mode %04o); not applied "
                "until veud restarts",
                c->socket, c->socket_mode, n.socket, n.socket_mode);
    }
    if (strcmp(n.state, c->state)) {
        veu_log(LOG_NOTICE,
                "configuration: state '%s' changed to '%s'; not applied until veud restarts",
                c->state, n.state);
    }
    if (n.follow != c->follow) {
        veu_log(LOG_NOTICE,
                "configuration: follow changed to %s; not applied until veud restarts (a "
                "follower and a builder are different servers)",
                n.follow ? "true" : "false");
        n.follow = c->follow;
    }
    snprintf(n.socket, sizeof(n.socket), "%s", c->socket);
    snprintf(n.state, sizeof(n.state), "%s", c->state);
    n.socket_mode = c->socket_mode;
    veu_policy_digest(&c->policy, was);
    veu_policy_digest(&n.policy, now);
    if (strcmp(was, now)) {
        veu_log(LOG_INFO, "configuration: the policy changed (digest %s -> %s); %s", was, now,
                c->follow ? "only snapshots built under it are served from now on"
                          : "the build now starting applies it");
    }
    if (strcmp(n.data, c->data)) {
        if (!realpath(n.data, srv->data_real)) {
            snprintf(srv->data_real, sizeof(srv->data_real), "%s", n.data);
        }
        veu_log(LOG_INFO, "configuration: data directory now '%s'", srv->data_real);
    }
    if (strcmp(n.audit_log, c->audit_log)) {
        veu_audit_set_path(&srv->audit, n.audit_log);
    }
    if (n.rebuild_interval != c->rebuild_interval && !n.follow) {
        veu_rebuild_timer_set(srv, n.rebuild_interval);
        veu_log(LOG_INFO, "configuration: rebuild_interval now %u s", n.rebuild_interval);
    }
    unsigned asked = n.max_clients;
    if (veu_config_fit_clients(&n, false) < asked) {
        veu_log(LOG_NOTICE, "configuration: max_clients %u lowered to %u to fit RLIMIT_NOFILE",
                asked, n.max_clients);
    }
    *c = n;
    veu_asof_trim(srv); /* history_days may have fallen */
    return 0;
}
