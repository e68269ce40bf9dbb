/* SPDX-License-Identifier: MIT */
/* serve_stub.c: placeholders until the server and client land. */
#include <stdio.h>
#include <sysexits.h>

#include "main.h"

int veu_serve_main(const veu_config_t *cfg)
{
    (void)cfg;
    fprintf(stderr, "veud: the server is not built yet; use 'veud build' or 'veud --check'\n");
    return EX_UNAVAILABLE;
}

int veu_query_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "veud: the client is not built yet\n");
    return EX_UNAVAILABLE;
}
