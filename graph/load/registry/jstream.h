/* SPDX-License-Identifier: MIT */
/*
 * jstream.h: the records of a JSON export, one at a time: JSON lines, or
 * the elements of one top-level array, read in chunks so that memory holds
 * one record, never the file.  BODS registers, OpenSanctions collections
 * and the like are gigabytes; a record is at most VEU_JS_MAX_RECORD bytes.
 */
#ifndef VEU_LOAD_REGISTRY_JSTREAM_H
#define VEU_LOAD_REGISTRY_JSTREAM_H

#include <jansson.h>
#include <stddef.h>

#define VEU_JS_CHUNK      (1u << 20)  /* bytes read at a time */
#define VEU_JS_MAX_RECORD (64u << 20) /* the longest record read */

enum {
    VEU_JS_END = 0, /* no more records */
    VEU_JS_REC = 1, /* *rec is a JSON object */
    VEU_JS_BAD = 2, /* one record cannot be used (msg says why); the next may be read */
};

typedef struct veu_jstream veu_jstream_t;

/*
 * Opens path (a regular file, without blocking on a FIFO) to be read
 * chunk bytes at a time, records of at most max bytes (0: VEU_JS_CHUNK,
 * VEU_JS_MAX_RECORD; tests use small ones).  NULL with *err (-errno) when
 * it cannot.
 */
veu_jstream_t *veu_jstream_open(const char *path, size_t chunk, size_t max, int *err);

/*
 * The next record: VEU_JS_REC with *rec (the caller's reference),
 * VEU_JS_BAD with msg (a line that is not a JSON object, or too long),
 * VEU_JS_END, or a negative code with msg: an array whose syntax breaks
 * (-VEU_ESYNTAX: its later elements cannot be found), a read error.
 * *no is the record's number: its line in JSON lines, its position in an
 * array (from 1); *line is the line where it starts in either.
 */
int veu_jstream_next(veu_jstream_t *js, json_t **rec, long *no, long *line, char *msg, size_t cap);

/*
 * A filter on a record's bytes before it is parsed: 0 skips the record
 * unparsed (it is still numbered), anything else parses it.  A pass that
 * reads few kinds of record sets one that is sure to keep each of them.
 */
typedef int (*veu_jstream_filter_fn)(const char *bytes, size_t len);
void veu_jstream_filter(veu_jstream_t *js, veu_jstream_filter_fn fn);

/*
 * The bytes of the record next returned last (REC or BAD), valid until the
 * next call; NULL after a line too long to keep.
 */
const char *veu_jstream_last(const veu_jstream_t *js, size_t *len);

/* The records met so far: read, passed over by the filter, or bad; blank lines not. */
unsigned long veu_jstream_records(const veu_jstream_t *js);

void veu_jstream_close(veu_jstream_t *js);

#endif
