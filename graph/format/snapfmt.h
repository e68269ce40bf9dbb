/* SPDX-License-Identifier: MIT */
/*
 * snapfmt.h: the snapshot file format, version 9.
 *
 * A snapshot is a header followed by sections, each 64-byte aligned and
 * named by (offset, length) in the header; every reference inside is an
 * index or an offset, never a pointer, so the file can be mapped anywhere.
 * All integers are little-endian (the format refuses other byte orders).
 *
 *   header (4096 bytes)  magic, version, sizes, counts, digests, sections
 *   STRINGS              NUL-terminated strings; offset 0 is ""
 *   ENTITIES             veu_snap_entity_t[n]: what an answer reads, a cache
 *                        line each
 *   ENTX                 veu_snap_entx_t[n]: the rest, read for search,
 *                        designation sources and history
 *   IDMAP                veu_idslot_t[idmap_mask + 1]: linear-probing id index
 *   OWN, OWN_OUT, OWN_IN, OWN_IN_E, SUP, SUP_OUT, SUP_IN, SUP_IN_E: graph.h
 *   SUP_LAB .. DS_PRED   uint32_t[2 n] each: the evidence labels of ties.c
 *   PROBLEMS             veu_snap_problem_t[n_problems]
 *   POLICY               the policy as JSON text (for stats)
 *   LISTS                the designations' lists as JSON text (for stats): per
 *                        list, rows, entities and seeds on the build day
 *   WSTR, WMAP           the name index's words and their id map (as IDMAP)
 *   WORDS                veu_snap_word_t[n_words]: posting range and weight
 *   POST                 uint32_t entity indices, ascending within a word
 *   POSTK                uint32_t beside each posting: its entity's keys offset
 *   KEYS                 uint32_t stream: per entity (at entity.keys) the key
 *                        count, then per key: word count, joined word, the
 *                        sum of its words' weights (a double in two words),
 *                        words
 *   GRAMS, GRAMW         trigram -> words, for words spelt a little apart
 *   UPPER                veu_snap_upper_t[], by entity: the metrics under the
 *                        highest stakes the data allows, where they differ
 *   HOWN, HOWN_IN        the history (dataset.h), when the data or the policy
 *   HOWN_OUT_E, HOWN_OUT is dated, empty otherwise: every ownership row with
 *   HSUP, HSUP_OUT       the days it is in effect, by (owned, owner) with
 *   HDES, HDES_OFF       offsets per owned entity, and an index by (owner,
 *                        owned); supply rows by supplier; designations by
 *                        entity, each kind's rows in file order
 *
 * checksum is XXH3-64 of every byte after the header; header_checksum that
 * of the header with header_checksum itself zero.
 */
#ifndef VEU_GRAPH_SNAPFMT_H
#define VEU_GRAPH_SNAPFMT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "format/records.h"
#include "veu/build.h"
#include "veu/policy.h"
#include "veu/snapshot.h"

/* A key in KEYS: its word count, joined word and weight take this many words before its words. */
#define VEU_KEY_WORDS 4

/* The weight of the key at k (k[2..3], a double; unaligned in KEYS). */
static inline double veu_key_weight(const uint32_t *k)
{
    double w;
    memcpy(&w, k + 2, sizeof(w));
    return w;
}

/* The key after the one at k. */
static inline const uint32_t *veu_key_next(const uint32_t *k)
{
    return k + VEU_KEY_WORDS + k[0];
}

#define VEU_SNAP_MAGIC   "VEUDSNAP"
#define VEU_SNAP_VERSION VEU_SNAP_FORMAT
#define VEU_SNAP_HEADER  4096
#define VEU_SNAP_ALIGN   64

enum {
    SEC_STRINGS,
    SEC_ENTITIES,
    SEC_IDMAP,
    SEC_OWN,
    SEC_OWN_OUT,
    SEC_OWN_IN,
    SEC_OWN_IN_E,
    SEC_SUP,
    SEC_SUP_OUT,
    SEC_SUP_IN,
    SEC_SUP_IN_E,
    SEC_SUP_LAB,
    SEC_SUP_NEXT,
    SEC_UP_LAB,
    SEC_UP_NEXT,
    SEC_DN_LAB,
    SEC_DN_PRED,
    SEC_DS_LAB,
    SEC_DS_PRED,
    SEC_PROBLEMS,
    SEC_POLICY,
    SEC_WSTR,
    SEC_WMAP,
    SEC_WORDS,
    SEC_POST,
    SEC_KEYS,
    SEC_GRAMS,
    SEC_GRAMW,
    SEC_UPPER,
    SEC_HOWN,
    SEC_HOWN_IN,
    SEC_HOWN_OUT_E,
    SEC_HOWN_OUT,
    SEC_HSUP,
    SEC_HSUP_OUT,
    SEC_HDES,
    SEC_HDES_OFF,
    SEC_ENTX,
    SEC_LISTS,
    SEC_POSTK,
    SEC_POSTW, /* beside each posting, the least its entity's key can weigh (nameindex.c) */
    SEC_COUNT
};

enum {
    VEU_SF_SEED = 1,
    VEU_SF_CONTROLLED = 2,
    VEU_SF_GROUP = 4,
    VEU_SF_POSSIBLE = 8,      /* controlled only under the highest stakes */
    VEU_SF_UPPER = 16,        /* has an UPPER record (every POSSIBLE entity has one) */
    VEU_SF_CONTROL_ONLY = 32, /* controlled only if bare control counted (ties.h) */
};

/* An entity's metrics under the highest stakes the data allows, where they differ. */
typedef struct veu_snap_upper {
    uint32_t v;            /* entity, ascending */
    uint32_t ctrl_pred;    /* own edge into v on a chain from a seed under those stakes */
    double ctrl_share;     /* percent held by owners controlled under those stakes */
    double share, holding; /* fractions */
} veu_snap_upper_t;

/*
 * One entity: 64 bytes, one cache line (the section is 64-byte aligned).
 * It holds what a `risk` answer and its evidence chains read; the id offset
 * comes first (the id map's key).
 */
typedef struct veu_snap_entity {
    uint32_t id, name, country, sector;
    uint32_t reasons; /* VEU_R_* */
    uint8_t flags;    /* VEU_SF_* */
    uint8_t verdict;  /* VEU_V_* */
    uint8_t des;      /* VEU_DES_* */
    uint8_t seed_kind;
    int32_t hops; /* -1: none */
    uint32_t ctrl_pred, share_pred, hold_next;
    double ctrl_share;     /* percent */
    double share, holding; /* fractions */
} veu_snap_entity_t;

/* The rest of entity v, at ENTX[v]: 16 bytes. */
typedef struct veu_snap_entx {
    uint32_t aliases;           /* '|'-joined */
    uint32_t seed_src, veu_src; /* the designations' sources */
    uint32_t keys;              /* offset of its name keys in KEYS */
} veu_snap_entx_t;

/* A word of the name index: its entities are post[off, off + len). */
typedef struct veu_snap_word {
    uint32_t str; /* offset in WSTR */
    uint32_t off, len;
    float weight; /* ln(1 + entities / len): rare words weigh more */
} veu_snap_word_t;

/* A trigram ("^bo", "boe", ..., "ng$" packed in 24 bits) and its words gramw[off, off + len). */
typedef struct veu_snap_gram {
    uint32_t gram, off, len;
} veu_snap_gram_t;

typedef struct veu_snap_problem {
    veu_diag_t diag;
    uint32_t warning;
    uint32_t reserved;
} veu_snap_problem_t;

typedef struct veu_snap_section {
    uint64_t off, len;
} veu_snap_section_t;

typedef struct veu_snap_header {
    char magic[8];
    uint32_t version;
    uint32_t header_size;
    uint64_t file_size;
    uint64_t checksum;
    uint64_t header_checksum;
    uint32_t endian; /* 0x01020304 as written */
    uint32_t n, n_own, n_sup;
    uint64_t idmap_mask;
    int64_t built_at; /* seconds since the epoch */
    int64_t build_ms;
    uint64_t generation; /* the build's number, from veud build --generation */
    uint64_t skipped, warnings;
    uint32_t n_problems;
    uint32_t evidence_paths;
    double control_threshold;
    double minority_threshold;
    int32_t supply_depth;
    uint32_t control_inclusive;
    uint32_t aggregate_owners, control_without_ownership;
    veu_counts_t counts;
    uint32_t n_words, n_grams;
    uint32_t n_upper, review_unknown;
    uint32_t history; /* the history sections are filled */
    uint32_t n_hsup, n_hdes;
    uint64_t n_hown;
    uint64_t wmap_mask;
    char as_of[11];  /* the day dated rows were read for */
    uint8_t dated;   /* some row or designation carries a date */
    char digest[33]; /* dataset digest */
    char policy_digest[17];
    char veud_version[16];
    char data_dir[1024];
    veu_snap_section_t sec[SEC_COUNT];
} veu_snap_header_t;

_Static_assert(sizeof(veu_snap_entity_t) == 64 && VEU_SNAP_ALIGN % 64 == 0,
               "an entity record is one cache line");
_Static_assert(sizeof(veu_snap_entx_t) == 16, "the rest of an entity is 16 bytes");
_Static_assert(sizeof(veu_snap_header_t) <= VEU_SNAP_HEADER, "header fits");
_Static_assert(offsetof(veu_snap_upper_t, v) == 0 && offsetof(veu_snap_gram_t, gram) == 0,
               "searched records start with their key");

#endif
