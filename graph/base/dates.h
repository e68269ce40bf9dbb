/* SPDX-License-Identifier: MIT */
/* dates.h: ISO days and day numbers (base/dates.c). */
#ifndef VEU_BASE_DATES_H
#define VEU_BASE_DATES_H

#include <stddef.h>
#include <stdint.h>

#include "veu/snapshot.h" /* veu_iso_date, veu_today: public */

/* The day number (days since 1970-01-01) of an ISO date that veu_iso_date accepted. */
int32_t veu_day_number(const char *iso);

#endif
