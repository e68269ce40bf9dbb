/* SPDX-License-Identifier: MIT */
/*
 * served.c: the graph being served: swapping in a new one between two
 * requests (the old one is unmapped when its last request is done), and
 * what systemd's STATUS says of it.
 */
#include "asof.h"
#include "notify.h"
#include "served.h"
#include "server.h"

void veu_server_swap(veu_server_t *srv, veu_snapref_t *next)
{
    veu_snapref_t *old = srv->cur;
    srv->cur = next;
    veu_snapref_put(old); /* unmapped once the last request using it is done */
    veu_asof_purge(srv);  /* other days' graphs were worked out from the old one */
    if (next && !old) {
        veu_notify("READY=1");
    }
    veu_server_status(srv);
}

void veu_server_status(veu_server_t *srv)
{
    if (srv->stopping) {
        return;
    }
    if (!srv->cur) {
        veu_notify("STATUS=building the first graph");
        return;
    }
    const veu_snapshot_info_t *i = veu_snapshot_info(srv->cur->snap);
    veu_notify("STATUS=generation %llu: %u entities, %u ownership and %u supply edges; %u clients",
               (unsigned long long)srv->cur->generation, i->entities, i->ownership_edges,
               i->supply_edges, srv->n_clients);
}
