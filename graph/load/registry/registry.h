/* SPDX-License-Identifier: MIT */
/*
 * registry.h: registry exports read as their registries publish them, found
 * in the data directory by their content: GLEIF golden-copy LEI-CDF and
 * RR-CDF files (CSV), Beneficial Ownership Data Standard statements (0.2
 * and 0.4) and FollowTheMoney entities, JSON lines or a JSON array, of any
 * size (streamed, jstream.h).  The mapping is in the README ("Registry formats").
 */
#ifndef VEU_GRAPH_REGISTRY_H
#define VEU_GRAPH_REGISTRY_H

#include <xxhash.h>

#include "load/loader.h"

#define VEU_REG_MAX 64

/* VEU_REG_OURS: one of our four CSV files under another name, read by the dataset loader */
enum {
    VEU_REG_UNKNOWN,
    VEU_REG_GLEIF_LEI,
    VEU_REG_GLEIF_RR,
    VEU_REG_BODS,
    VEU_REG_FTM,
    VEU_REG_OURS
};

/* Kinds of records left out by design, counted per file and reported once each. */
struct tally {
    const char *what[16];
    unsigned long n[16];
    int used;
};

struct veu_registry;

typedef struct veu_regfile {
    char name[256];
    int kind;
    int ours;           /* VEU_REG_OURS: which of our files (the dataset loader's number) */
    int index;          /* its place in the directory's sorted list */
    struct tally tally; /* of this file */
    void *ids;          /* json_t *: statement or FtM id -> entity id (FtM: where they differ) */
    void *gone;         /* json_t *: BODS statements a later one supersedes */
    void *last;         /* json_t *: BODS 0.4 record id -> its latest statement */
    struct veu_registry *reg;
    int first_skipped;     /* the record being read was passed over by the first pass */
    unsigned long records; /* JSON records the first pass read (for what the file was) */
} veu_regfile_t;

#define VEU_REG_ODD 8 /* names kept of the files that are not regular files */

typedef struct veu_registry {
    veu_regfile_t f[VEU_REG_MAX];
    int n;
    char odd[VEU_REG_ODD][256]; /* FIFOs, sockets, directories: reported, not read */
    int n_odd;
    void *ids;  /* json_t *: every file's statement and FtM ids -> entity ids */
    void *held; /* json_t *: FtM topics' designations, held until the Sanctions are read */
} veu_registry_t;

/*
 * The files of dir that may be registry exports (*.csv other than ours,
 * *.json, *.jsonl, *.ndjson), sorted by name.  Returns how many, or
 * -E2BIG when there are more than VEU_REG_MAX.
 */
int veu_registry_list(const char *dir, veu_registry_t *reg);

/* Adds the registry files' name and bytes to the dataset digest, in name order. */
int veu_registry_digest(const char *dir, const veu_registry_t *reg, XXH3_state_t *xx);

/*
 * Folds a file hashed on its own (its name and bytes in sub) into the
 * dataset's digest: its name, then sub's digest.  supply.csv is hashed so,
 * by the loader (which may read it on another core) and by digest.c alike.
 */
void veu_digest_fold(XXH3_state_t *digest, const char *name, XXH3_state_t *sub);

/* Feeds path's bytes from off to its end to xx (digest.c); 0 or -errno (-EINVAL: not a file). */
int veu_digest_file(XXH3_state_t *xx, const char *path, uint64_t off);

/* First pass: identifies each file and adds its entities. */
int veu_registry_entities(struct loader *l, const char *dir, veu_registry_t *reg);

/* Second pass, once every entity is known: relationships become stakes and control. */
int veu_registry_relations(struct loader *l, const char *dir, veu_registry_t *reg);

void veu_registry_free(veu_registry_t *reg);

/*
 * Reads a percentage written as people write it ("51%", "51,5 %", "25-50",
 * "more than 25%", "majority"): *lo and *hi bound it, *lo_excl says the
 * lower bound itself is excluded.  1 when read, 0 when not.
 */
int veu_parse_percent_text(const char *s, double *lo, double *hi, int *lo_excl);

#endif
