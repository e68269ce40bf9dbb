/* SPDX-License-Identifier: MIT */
/*
 * req.c: one request's fate: failed with a code and a sentence, or
 * answered, and its answer line put into its slot (in request order; the
 * connection writes it when every earlier one is written).  The request
 * forms are proto.c's, the ops ops.c's; answers that come later (reload,
 * another day) finish here too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "req.h"
#include "server.h"
#include "wire.h"

int veu_req_fail(veu_req_t *r, const char *code, const char *fmt, ...)
{
    va_list ap;

    r->err_code = code;
    va_start(ap, fmt);
    vsnprintf(r->err_msg, sizeof(r->err_msg), fmt, ap);
    va_end(ap);
    return VEU_OP_ERROR;
}

void veu_req_finish(veu_req_t *r, int rc)
{
    veu_server_t *srv = r->srv;
    veu_jbuf_t *o = &srv->out, *res = &srv->res;

    veu_jbuf_reset(o);
    if (rc == VEU_OP_OK && !veu_jbuf_failed(res)) {
        veu_wire_ok(o, r->id_json, r->generation, res->buf, res->len);
    } else if (rc == VEU_OP_OK) {
        veu_req_fail(r, "internal", "out of memory while building the answer");
    }
    if (r->err_code) {
        srv->errors++;
        veu_wire_error_extra(o, r->id_json, r->err_code, r->err_msg, r->err_extra);
    }
    if (veu_jbuf_failed(o)) {
        veu_jbuf_reset(o);
        veu_wire_error(o, NULL, "internal", "out of memory");
    }
    veu_conn_slot_fill(r->slot, o->buf, o->len);
}
