/* SPDX-License-Identifier: MIT */
/* ops.h: the ops of SPEC section 4, one table entry each (ops.c). */
#ifndef VEU_DAEMON_OPS_H
#define VEU_DAEMON_OPS_H

#include "req.h"

/* The op named name, or NULL. */
const veu_op_t *veu_ops_find(const char *name);

#endif
