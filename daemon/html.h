/* SPDX-License-Identifier: MIT */
/* html.h: a risk answer as a self-contained HTML decision report (html.c). */
#ifndef VEU_DAEMON_HTML_H
#define VEU_DAEMON_HTML_H

#include <jansson.h>

#include "veu/jbuf.h"

/*
 * Appends the page for a risk answer asked with "graph": true, from the
 * stats answer of the same generation and the evidence drawn as SVG (NULL:
 * no picture).  -1 when the answer is not a risk result.
 */
int veu_html_answer(json_t *stats, json_t *answer, const char *svg, veu_jbuf_t *o);

#endif
