/* SPDX-License-Identifier: MIT */
/* fuzz_config.c: the configuration file parser on hostile text. */
#include <stdio.h>

#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[256], err[1024];
    veu_config_t c;

    veu_fuzz_write("veud.conf", data, size);
    snprintf(path, sizeof(path), "%s/veud.conf", veu_fuzz_dir());
    veu_config_init(&c);
    veu_config_load(&c, path, err, sizeof(err));
    return 0;
}
