/* SPDX-License-Identifier: MIT */
/* req.h: one request, as the op handlers see it, and the op table's entry type. */
#ifndef VEU_DAEMON_REQ_H
#define VEU_DAEMON_REQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "veu/jbuf.h"

typedef struct veu_server veu_server_t;
typedef struct veu_conn veu_conn_t;
typedef struct veu_slot veu_slot_t;
typedef struct veu_snapref veu_snapref_t;
typedef struct veu_op veu_op_t;

typedef struct veu_req {
    veu_server_t *srv;
    veu_conn_t *conn;
    veu_slot_t *slot;
    json_t *j;           /* the request object (borrowed by handlers) */
    const char *id_json; /* serialized id, or NULL */
    bool inline_form;
    const veu_op_t *op;   /* its table entry */
    veu_snapref_t *snap;  /* the graph this request is answered from */
    uint64_t generation;  /* the generation the answer names */
    const char *err_code; /* set by a handler that fails */
    char err_msg[512];
    json_t *err_extra;     /* extra members of "error" (new reference) */
    const char *entity_id; /* set when answering for another day: the entity resolved */
    const char *match;     /* the "match" object of an answer by name (JSON), or NULL */
} veu_req_t;

enum { VEU_OP_OK = 0, VEU_OP_ERROR = -1, VEU_OP_PENDING = 1 };

struct veu_op {
    const char *name;
    bool needs_graph;
    const char *main_arg; /* the field an inline command's argument fills */
    /* Writes the result object into res; returns VEU_OP_*. */
    int (*fn)(veu_req_t *r, veu_jbuf_t *res);
    bool kept; /* answers about entities: takes "generation", a kept one (kept.c) */
};

/* Sets the request's error; returns VEU_OP_ERROR. */
int veu_req_fail(veu_req_t *r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Writes the answer line of a request whose handler returned rc (the result
 * in the server's scratch res, or r's error) into its slot.
 */
void veu_req_finish(veu_req_t *r, int rc);

#endif
