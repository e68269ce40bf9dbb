/* SPDX-License-Identifier: MIT */
/*
 * serve_only.c: the layering, proved by the linker.  This program is linked
 * from the whole of the daemon's library and of libveuserve (every object,
 * used or not) and nothing of libveubuild or igraph: if any code of the
 * server reached the loader, the engine or igraph, it would not link, and
 * the build would fail.  Run, it only says so.
 */
#include <stdio.h>

#include "main.h"

int main(int argc, char **argv)
{
    if (argc > 1000) { /* never: the references are what matters */
        return veu_serve_main(NULL, NULL) + veu_query_main(argc, argv);
    }
    puts("serve_only: the server links without the builder's library or igraph");
    return 0;
}
