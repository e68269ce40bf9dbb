/* SPDX-License-Identifier: MIT */
/* wire.h: the response envelope and a request's entity, guessed (wire.c). */
#ifndef VEU_DAEMON_WIRE_H
#define VEU_DAEMON_WIRE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veu/jbuf.h"

/* Appends a whole ok response line (envelope and newline) for a result. */
void veu_wire_ok(veu_jbuf_t *o, const char *id_json, uint64_t generation, const char *result,
                 size_t len);
/* Appends an error response line; extra's members (borrowed, may be NULL) join "error". */
void veu_wire_error_extra(veu_jbuf_t *o, const char *id_json, const char *code, const char *msg,
                          json_t *extra);
void veu_wire_error(veu_jbuf_t *o, const char *id_json, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The blanks (spaces, tabs) at p, and those before end. */
size_t veu_wire_lead_blanks(const char *p, const char *end);
size_t veu_wire_trail_blanks(const char *p, const char *end);

/* The entity id a request line names, found without parsing it (a guess, for hints). */
bool veu_wire_peek_entity(const char *line, size_t len, const char **id, size_t *id_len);

#endif
