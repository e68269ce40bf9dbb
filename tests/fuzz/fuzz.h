/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h: the fuzz targets' common entry points.  Each target defines
 * LLVMFuzzerTestOneInput (and may define veu_fuzz_init); built with clang
 * -fsanitize=fuzzer they are libFuzzer targets (scripts/fuzz), built with
 * gcc and replay.c they replay their corpus as an ordinary CTest test.
 */
#ifndef VEU_TESTS_FUZZ_H
#define VEU_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A private temporary directory for the target's files (created once). */
const char *veu_fuzz_dir(void);

/* Writes data to dir/name. */
void veu_fuzz_write(const char *name, const uint8_t *data, size_t size);

struct veu_snapshot;
/*
 * Builds the dataset in the fuzz directory into dir/out.snap; on success
 * opens it (aborting if a snapshot we wrote does not open) and returns it,
 * else returns NULL.
 */
struct veu_snapshot *veu_fuzz_build(void);

/* Answers risk, owners and paths for the first entities of s, then closes it. */
void veu_fuzz_answer_and_close(struct veu_snapshot *s);

#endif
