/* SPDX-License-Identifier: MIT */
/*
 * snapshot.h: a built graph, mapped read-only, and the answers it gives.
 * Opening checks the whole file (checksums and every index), so nothing
 * read from a snapshot can point outside it; answering makes no igraph call
 * and parses nothing.  A snapshot may be shared by any number of readers;
 * the functions here keep no state between calls.  Threads may call them at
 * once, except veu_snapshot_risk and veu_snapshot_risk_nodes, whose scratch
 * paths (tens of KiB) are kept once per process: call those from one thread
 * at a time (veud answers on its loop thread).
 */
#ifndef VEU_SNAPSHOT_H
#define VEU_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veu/build.h"
#include "veu/jbuf.h"

#define VEU_SNAP_NONE   UINT32_MAX
#define VEU_SNAP_FORMAT 10 /* the snapshot file format this veud reads and writes */

typedef struct veu_snapshot veu_snapshot_t;

typedef struct veu_snapshot_info {
    uint32_t entities, ownership_edges, supply_edges;
    int64_t built_at; /* seconds since the epoch */
    int64_t build_ms;
    uint64_t generation;
    uint64_t skipped_rows, warnings;
    veu_counts_t counts;
    const char *digest; /* dataset digest, hex */
    const char *policy_digest;
    const char *policy_json;
    const char *lists_json; /* [{list, selected, rows, entities, seeds}] */
    const char *data_dir;
    const char *veud_version;
    uint64_t file_size;
    const char *as_of; /* the day dated rows were read for, YYYY-MM-DD */
    bool dated;        /* some row or designation carries a date */
    bool history;      /* keeps every dated row: answers for other days can be worked out */
} veu_snapshot_info_t;

/* True when s[0..len) is an ISO date (YYYY-MM-DD) that exists on the calendar. */
bool veu_iso_date(const char *s, size_t len);
/* Today in UTC, YYYY-MM-DD. */
void veu_today(char out[11]);

/*
 * Maps and verifies the snapshot at path.  Returns 0, -VEU_ESNAPSHOT (with a
 * sentence in err) for a truncated, corrupt or foreign file, -VEU_EVERSION for
 * another format version, or -errno.  Time: linear in the file's size.
 */
int veu_snapshot_open(const char *path, veu_snapshot_t **ret, char *err, size_t errlen);

/* What a snapshot's header says, read without mapping or checking the rest. */
typedef struct veu_snapshot_peek {
    uint64_t generation;
    char policy_digest[17];
    char data_dir[1024];
} veu_snapshot_peek_t;

/*
 * Reads path's header: 0 when it is a snapshot of the format this veud
 * reads; -1 with *why set when it cannot be (unreadable, truncated, not a
 * snapshot, another format version).  The body is not checked: open it.
 */
int veu_snapshot_peek(const char *path, veu_snapshot_peek_t *ret, const char **why);
void veu_snapshot_close(veu_snapshot_t *s);

/*
 * The same for an open descriptor, which the snapshot keeps (and closes).
 * trusted skips the checksums and the walk over every index: only for a
 * file this process was handed by one that verified it (a builder working
 * for the server that maps the same file).
 */
int veu_snapshot_open_fd(int fd, bool trusted, veu_snapshot_t **ret, char *err, size_t errlen);

/* The descriptor of the mapped file, for handing it to a builder. */
int veu_snapshot_fd(const veu_snapshot_t *s);

/*
 * How much of the mapping the kernel maps with 2 MiB pages, in percent of
 * what is resident and could be (FilePmdMapped over Rss in
 * /proc/self/smaps, counting whole 2 MiB pieces of the file only), or -1
 * where that cannot be told (no /proc, a file under 2 MiB).  It can do so
 * only where the page cache holds the file in 2 MiB folios; a file read
 * back with read(2) after it was evicted is held in small ones, and every
 * answer then misses the TLB more.  Reads the kernel's page tables for the
 * mapping: not for the event loop.
 */
int veu_snapshot_huge_pct(const veu_snapshot_t *s);

/*
 * Answers for another day (history.c, in a builder: it runs the tie engine
 * on igraph).  From the history a snapshot of dated data keeps, takes the
 * part of the graph that decides the answers for buyers[] as it stood on
 * day (owners above them up to the top, their holdings, supply chains,
 * controllers and what they control, and every owner of those), computes
 * the ties on that part alone and writes its snapshot, dated day, to
 * out_fd.  More than max_entities entities fails with -E2BIG and a sentence
 * in err.  Returns 0 or a negative code.  Time: linear in the part's rows.
 */
int veu_history_build(const veu_snapshot_t *s, const char *day, const uint32_t *buyers,
                      size_t n_buyers, const veu_policy_t *policy, uint32_t max_entities,
                      int out_fd, uint32_t *ret_entities, veu_diag_t *err);

const veu_snapshot_info_t *veu_snapshot_info(const veu_snapshot_t *s);

/* The entity with this id, or VEU_SNAP_NONE.  Time: O(1) expected. */
uint32_t veu_snapshot_find(const veu_snapshot_t *s, const char *id, size_t len);

/*
 * Prefetch hints for a batch of lookups (hint.c): call hint_id for every id
 * of the batch, then hint_step for every hint, again and again while one
 * says there is more (at most VEU_HINT_STEPS rounds), then answer.  Each
 * round starts the loads the next one reads (the id's slot, the entity,
 * its evidence hops one by one), so the cache misses of the batch overlap
 * instead of following one another.  Hints change nothing but the cache;
 * any id, known or not, is safe.
 */
#define VEU_HINT_ITEMS 8
#define VEU_HINT_STEPS 8

typedef struct veu_snapshot_hint {
    const char *id; /* the id looked up: must stay valid until the last round */
    size_t id_len;
    uint32_t idx;                  /* the entity, once found; VEU_SNAP_NONE before */
    uint32_t n;                    /* loads in flight, for the next round */
    uint64_t item[VEU_HINT_ITEMS]; /* what each is (private to hint.c) */
} veu_snapshot_hint_t;

void veu_snapshot_hint_id(const veu_snapshot_t *s, const char *id, size_t len,
                          veu_snapshot_hint_t *h);
bool veu_snapshot_hint_step(const veu_snapshot_t *s, veu_snapshot_hint_t *h);

/* One entity whose verdict or reason codes differ between two graphs (SPEC section 9). */
typedef struct veu_change {
    uint32_t before; /* its index in the older graph, VEU_SNAP_NONE when it was not there */
    uint32_t after;  /* in the newer one, VEU_SNAP_NONE when it is gone */
} veu_change_t;

/*
 * Every entity whose verdict or codes differ from a to b, matched by id, in
 * SPEC section 9's order (deny first, then review, then by id).  *ret is
 * malloc'd (free it).  0 or -ENOMEM.  Time: O(n log n) in both graphs'
 * entities; no answer is rendered.  Reads only: threads may call it at once.
 */
int veu_snapshot_changes(const veu_snapshot_t *a, const veu_snapshot_t *b, veu_change_t **ret,
                         size_t *ret_n);
/* Appends {"entity": {id, name}, "before": {verdict, codes} or null, "after": ...}. */
void veu_snapshot_change_json(const veu_snapshot_t *a, const veu_snapshot_t *b,
                              const veu_change_t *c, veu_jbuf_t *o);

/* The entity's id, name and country ("" when not given). */
const char *veu_snapshot_id(const veu_snapshot_t *s, uint32_t idx);
const char *veu_snapshot_name(const veu_snapshot_t *s, uint32_t idx);
const char *veu_snapshot_country(const veu_snapshot_t *s, uint32_t idx);

/* "deny", "review", "fast_track" or "standard". */
const char *veu_snapshot_verdict(const veu_snapshot_t *s, uint32_t idx);

/* Appends the reason codes as a JSON array of strings. */
void veu_snapshot_codes(const veu_snapshot_t *s, uint32_t idx, veu_jbuf_t *out);

/*
 * The entities an answer mentions, collected while its hops are written,
 * for clients that draw the answer (the "entities" member).  At most
 * VEU_NODES_MAX are kept; more are counted in dropped.
 */
#define VEU_NODES_MAX 1024
typedef struct veu_nodeset {
    uint32_t v[VEU_NODES_MAX];
    size_t n;
    size_t dropped;
} veu_nodeset_t;

/*
 * Appends ,"entities":{id: {name, country, seed, controlled}, ...} for the
 * entities in set, in the order they were first mentioned.
 */
void veu_snapshot_nodes_json(const veu_snapshot_t *s, const veu_nodeset_t *set, veu_jbuf_t *out);

/*
 * Appends the `risk` result object of SPEC section 4 for one entity: entity,
 * verdict, reasons with detail, paths and proof, and metrics.  Time:
 * O(evidence_paths x path length + in-degree + proof size).  One thread at
 * a time (see the top of this file).
 */
void veu_snapshot_risk(const veu_snapshot_t *s, uint32_t idx, veu_jbuf_t *out);

/* The same, adding the "entities" member when nodes is not NULL (it is filled). */
void veu_snapshot_risk_nodes(const veu_snapshot_t *s, uint32_t idx, veu_nodeset_t *nodes,
                             veu_jbuf_t *out);

/* Relations the `paths` op follows. */
enum { VEU_REL_OWNS = 1, VEU_REL_SUPPLIES = 2, VEU_REL_ANY = 3 };

/*
 * Appends the `paths` result: {"paths": [[hop, ...], ...], "truncated": bool},
 * simple paths shortest first linking the buyer to seeds up through its
 * owners (seed -> ... -> buyer) and down through its holdings (buyer -> ...
 * -> seed), and along supply edges to defense-controlled customers (buyer
 * -> ... -> target), at most max_hops edges long and limit in number.
 * Work is bounded: "truncated" says when the search stopped early.
 */
void veu_snapshot_paths(const veu_snapshot_t *s, uint32_t idx, int max_hops, int limit, int rel,
                        veu_nodeset_t *nodes, veu_jbuf_t *out);

/*
 * Appends the `owners` result: {"direct": [{id, name, percent, kind}],
 * "ultimate": [{id, name, share}]}: the owners of record, and the tops of
 * the ownership chains above the buyer with their integrated share in it.
 * Time: bounded by VEU_OWNERS_MAX ancestors.
 */
void veu_snapshot_owners(const veu_snapshot_t *s, uint32_t idx, veu_jbuf_t *out);

typedef struct veu_match {
    uint32_t idx;
    double score; /* 0..1 */
} veu_match_t;

/*
 * Finds up to limit entities whose name or an alias is closest to name,
 * best first.  Case, punctuation and legal forms do not matter.  Returns
 * the number of matches written.  Time: the postings of the query's words
 * (and, for a word the index lacks, the trigram lists of its close
 * spellings), never the whole snapshot.  Threads may call it, and
 * veu_snapshot_resolve_name, at once: each keeps its own work tables and
 * transliterator.
 */
size_t veu_snapshot_search(const veu_snapshot_t *s, const char *name, size_t len, veu_match_t *ret,
                           size_t limit);

#define VEU_NAME_CANDIDATES 100  /* candidates an ambiguous name lists at most */
#define VEU_NAME_LOOK       100  /* matches looked at to settle a name */
#define VEU_NAME_EXACT_MAX  1024 /* a name as typed, folded (veu_name_exact) */

enum { VEU_NAME_FOUND = 0, VEU_NAME_AMBIGUOUS = 1, VEU_NAME_NONE = 2 };

/* What a name names (veu_snapshot_resolve_name). */
typedef struct veu_name_match {
    uint32_t idx;        /* the entity, VEU_SNAP_NONE when none or ambiguous */
    double score;        /* its score, 1 for an exact name */
    bool exact;          /* its name or an alias equals the query as typed */
    bool more;           /* ambiguous: more may tie than the candidates list */
    const char *matched; /* the name or alias matched, in the snapshot (not NUL-ended) */
    size_t matched_len;
    size_t n; /* the tied entities (ambiguous), or the best ones (none) */
    veu_match_t cand[VEU_NAME_CANDIDATES];
} veu_name_match_t;

/*
 * One entity for a name, by SPEC section 8: among the matches scoring at
 * least min_score (and of country, when not NULL), an entity whose name or
 * alias equals the query before legal forms and other words are dropped
 * (veu_name_exact) beats the others; two or more such, or, without one,
 * two or more at the best score, are VEU_NAME_AMBIGUOUS with every tied
 * entity in cand.  VEU_NAME_NONE when none is close enough (cand: the best
 * five).  Never picks one of several equal matches.  Time: a search of
 * VEU_NAME_LOOK matches, then each close one's names folded once.
 */
int veu_snapshot_resolve_name(const veu_snapshot_t *s, const char *name, size_t len,
                              const char *country, double min_score, veu_name_match_t *ret);

/*
 * Prepares name normalisation for the calling thread (opens its ICU
 * transliterator, some 30 ms), so that its first search in another script
 * does not pay for it on the loop.  Other threads open theirs when they
 * first need it and close it when they end.
 */
void veu_names_init(void);
/* Releases the calling thread's and ICU's caches; at exit, once the other threads have ended. */
void veu_names_cleanup(void);

/* Appends the rebuild problems kept in the snapshot as a JSON array. */
void veu_snapshot_problems(const veu_snapshot_t *s, veu_jbuf_t *out);

#endif
