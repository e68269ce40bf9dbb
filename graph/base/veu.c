/* SPDX-License-Identifier: MIT */
/* veu.c: error texts and diagnostic formatting shared by every part. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veu/assert.h"
#include "veu/veu.h"

const char *veu_strerror(int err)
{
    switch (-err) {
    case VEU_ESYNTAX:
        return "CSV syntax error";
    case VEU_ECOLUMN:
        return "missing required column";
    case VEU_EDUPLICATE:
        return "duplicate entity id";
    case VEU_EROWS:
        return "invalid row (strict mode)";
    case VEU_ECONFIG:
        return "bad configuration";
    case VEU_ESNAPSHOT:
        return "snapshot is truncated or corrupt";
    case VEU_EVERSION:
        return "snapshot format version not supported";
    case VEU_EGRAPH:
        return "graph computation failed";
    case VEU_ETOOBIG:
        return "dataset too large for the snapshot format";
    case VEU_ECHANGED:
        return "dataset changed while it was read";
    default:
        return err < 0 ? strerror(-err) : "success";
    }
}

char *veu_diag_format(const veu_diag_t *d, char *buf, size_t len)
{
    int o = snprintf(buf, len, "%s", d->file[0] ? d->file : "(dataset)");

    if (d->line > 0 && o >= 0 && (size_t)o < len) {
        o += snprintf(buf + o, len - (size_t)o, ":%ld", d->line);
    }
    if (d->column[0] && o >= 0 && (size_t)o < len) {
        o += snprintf(buf + o, len - (size_t)o, ": column '%s'", d->column);
    }
    if (o >= 0 && (size_t)o < len) {
        snprintf(buf + o, len - (size_t)o, ": %s", d->message);
    }
    return buf;
}

void veu_assert_fail(const char *what, const char *file, int line, const char *func)
{
    fprintf(stderr, "<2>veud: invariant broken: %s (%s:%d, %s)\n", what, file, line, func);
    abort();
}
