/* SPDX-License-Identifier: MIT */
/*
 * words.h: evidence in words for people (words.c): a path of an answer as
 * "Rheinmetall AG -[100%]-> Pierburg GmbH", and a risk or paths answer as
 * a few lines of text, from the answer alone (its "entities" member names
 * every hop).
 */
#ifndef VEU_DAEMON_WORDS_H
#define VEU_DAEMON_WORDS_H

#include <jansson.h>

#include "veu/jbuf.h"

/* Appends one path (an array of hops) in words; ents maps ids to {name}. */
void veu_words_path(json_t *path, json_t *ents, veu_jbuf_t *o);
/* Appends the first evidence path of a risk result in words (nothing when none). */
void veu_words_first_evidence(json_t *result, veu_jbuf_t *o);
/*
 * Appends a risk or paths answer line (parsed) as text for a terminal:
 * the buyer, verdict and generation, each reason with its paths, or the
 * error.  -1 when the answer is of another op.
 */
int veu_words_answer(json_t *answer, veu_jbuf_t *o);

#endif
