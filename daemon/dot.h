/* SPDX-License-Identifier: MIT */
/*
 * dot.h: a `risk` or `paths` answer drawn as a Graphviz DOT graph, on the
 * client's side (`veud query --format dot|svg`), from the answer alone.
 */
#ifndef VEU_DAEMON_DOT_H
#define VEU_DAEMON_DOT_H

#include <jansson.h>

#include "veu/jbuf.h"

#define VEU_DOT_MAX_EDGES 300 /* a larger evidence graph is cut, with a note */

/*
 * Appends the DOT text for one answer line (parsed).  Returns 0, or -1 when
 * the answer is not a successful risk or paths answer (nothing appended).
 * The output depends only on the answer: the same answer gives the same bytes.
 */
int veu_dot_answer(json_t *answer, veu_jbuf_t *out);

#endif
