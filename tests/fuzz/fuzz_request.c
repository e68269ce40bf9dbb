/* SPDX-License-Identifier: MIT */
/*
 * fuzz_request.c: one request line through the protocol (JSON or inline
 * form, every op) against the bundled sample's graph.  The connection is
 * not an administrator, so reload answers "forbidden" instead of starting
 * builds.  Every input must give exactly one well-formed JSON answer line;
 * an op answered from the thread pool (changes) is waited for on a loop of
 * the harness's own, as the server's would run it.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "proto.h"
#include "server.h"
#include "veu/build.h"

#ifndef SAMPLE_DIR
#error SAMPLE_DIR must name the bundled dataset
#endif

static veu_server_t srv;
static veu_conn_t conn;

static void work_done(veu_server_t *s)
{
    (void)s; /* the server would now take the requests a busy pool held back */
}

static void setup(void)
{
    static veu_snapref_t ref;
    veu_build_opts_t o = {.data_dir = SAMPLE_DIR, .generation = 1};
    veu_report_t rep = {0};
    veu_counts_t c;
    veu_diag_t err;
    char snap[300], e[256];

    veu_policy_init(&o.policy);
    snprintf(snap, sizeof(snap), "%s/sample.snap", veu_fuzz_dir());
    o.out_path = snap;
    if (veu_build(&o, &rep, &c, NULL, &err) != 0 ||
        veu_snapshot_open(snap, &ref.snap, e, sizeof(e)) != 0) {
        abort();
    }
    ref.refs = 1;
    ref.generation = 1;
    veu_config_init(&srv.cfg);
    veu_jbuf_init(&srv.out);
    veu_jbuf_init(&srv.res);
    veu_jbuf_init(&srv.aud);
    snprintf(srv.rb.status, sizeof(srv.rb.status), "none");
    srv.uid = getuid();
    srv.cur = &ref;
    srv.loop = uv_default_loop();
    srv.on_work_done = work_done;
    conn.srv = &srv;
    conn.uid = (uid_t)-2; /* not an administrator */
    conn.pid = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv.cur) {
        setup();
    }
    char *line = malloc(size + 1);
    memcpy(line, data, size);
    line[size] = '\0';
    veu_slot_t *slot = calloc(1, sizeof(*slot));
    slot->conn = &conn;
    veu_proto_handle(&conn, slot, line, size);
    while (!slot->ready && uv_run(srv.loop, UV_RUN_ONCE)) {
    }
    if (!slot->ready || !slot->buf || slot->len < 2 || slot->buf[slot->len - 1] != '\n') {
        abort(); /* every request gets exactly one answer line */
    }
    json_t *j = json_loadb(slot->buf, slot->len - 1, 0, NULL);
    if (!j || !json_is_boolean(json_object_get(j, "ok"))) {
        abort(); /* and it is a JSON envelope */
    }
    json_decref(j);
    conn.owed = 0;
    free(slot->buf);
    free(slot);
    free(line);
    return 0;
}
