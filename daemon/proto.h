/* SPDX-License-Identifier: MIT */
/*
 * proto.h: one request, as the op handlers see it, and the op table.
 */
#ifndef VEU_DAEMON_PROTO_H
#define VEU_DAEMON_PROTO_H

#include <jansson.h>
#include <stdbool.h>

#include "server.h"

typedef struct veu_req {
    veu_server_t *srv;
    veu_conn_t *conn;
    veu_slot_t *slot;
    json_t *j;           /* the request object (borrowed by handlers) */
    const char *id_json; /* serialized id, or NULL */
    bool inline_form;
    veu_snapref_t *snap;  /* the graph this request is answered from */
    uint64_t generation;  /* the generation the answer names */
    const char *err_code; /* set by a handler that fails */
    char err_msg[512];
    json_t *err_extra;     /* extra members of "error" (new reference) */
    const char *entity_id; /* set when answering for another day: the entity resolved */
    const char *match;     /* the "match" object of an answer by name (JSON), or NULL */
} veu_req_t;

enum { VEU_OP_OK = 0, VEU_OP_ERROR = -1, VEU_OP_PENDING = 1 };

typedef struct veu_op {
    const char *name;
    bool needs_graph;
    const char *main_arg; /* the field an inline command's argument fills */
    /* Writes the result object into res; returns VEU_OP_*. */
    int (*fn)(veu_req_t *r, veu_jbuf_t *res);
} veu_op_t;

const veu_op_t *veu_ops_find(const char *name);

/* Sets the request's error; returns VEU_OP_ERROR. */
int veu_req_fail(veu_req_t *r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes the answer line of a request whose handler returned rc into its slot. */
void veu_proto_finish(veu_req_t *r, int rc);

/*
 * Answers r for another day (asof.c): a builder works out the part of the
 * graph around buyers on day from the snapshot's history, and the op runs
 * again on that part.  Returns VEU_OP_PENDING, or VEU_OP_ERROR (busy).
 */
int veu_asof_start(veu_req_t *r, const char *day, const uint32_t *buyers, size_t n_buyers);

/* Appends a whole response line (envelope and newline) for a result. */
void veu_proto_ok(veu_jbuf_t *o, const char *id_json, uint64_t generation, const char *result,
                  size_t len);

#endif
