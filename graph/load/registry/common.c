/* SPDX-License-Identifier: MIT */
/*
 * common.c: what the registry formats share: percentages as people write
 * them, end dates, and the tally of records left out by design, reported
 * once per file and kind.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load/registry/common.h"
#include "veu/snapshot.h"

/* ------------------------------------------------------------------ */
/* Percentages as written                                              */

static int read_number(const char **p, double *v)
{
    char buf[64];
    size_t n = 0;
    const char *s = *p;
    int commas = 0, dots = 0;

    while ((isdigit((unsigned char)*s) || *s == '.' || *s == ',') && n < sizeof(buf) - 1) {
        commas += *s == ',';
        dots += *s == '.';
        buf[n++] = *s == ',' && !dots ? '.' : *s; /* "50,5" is fifty and a half */
        s++;
    }
    buf[n] = '\0';
    if (n == 0 || commas > 1 || (commas && dots) || buf[0] == '.') {
        return 0;
    }
    char *end;
    *v = strtod(buf, &end);
    if (*end != '\0') {
        return 0;
    }
    *p = s;
    return 1;
}

static const char *skip_sp(const char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return s;
}

/* Skips word w (and following blanks) at s when it is there. */
static int word(const char **s, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(*s, w, n) == 0) {
        *s = skip_sp(*s + n);
        return 1;
    }
    return 0;
}

static const char *skip_unit(const char *s)
{
    s = skip_sp(s);
    if (*s == '%') {
        s++;
    } else if (!word(&s, "percent") && !word(&s, "per cent")) {
        word(&s, "pct");
    }
    return skip_sp(s);
}

int veu_parse_percent_text(const char *text, double *lo, double *hi, int *lo_excl)
{
    char low[128];
    size_t n = 0;
    const char *s;
    double a, b;

    for (const char *p = text; *p && n < sizeof(low) - 1; p++) {
        low[n++] = (char)tolower((unsigned char)*p);
    }
    low[n] = '\0';
    s = skip_sp(low);
    *lo_excl = 0;
    if (!strcmp(s, "majority") || !strcmp(s, "majority stake")) {
        *lo = 50, *hi = 100, *lo_excl = 1;
        return 1;
    }
    if (word(&s, ">=") || word(&s, "at least") || word(&s, "not less than")) {
        if (!read_number(&s, &a) || *skip_unit(s)) {
            return 0;
        }
        *lo = a, *hi = 100;
    } else if (word(&s, ">") || word(&s, "more than") || word(&s, "over") || word(&s, "above")) {
        if (!read_number(&s, &a) || *skip_unit(s)) {
            return 0;
        }
        *lo = a, *hi = 100, *lo_excl = 1;
    } else if (word(&s, "<=") || word(&s, "<") || word(&s, "less than") || word(&s, "under") ||
               word(&s, "up to") || word(&s, "below")) {
        if (!read_number(&s, &a) || *skip_unit(s)) {
            return 0;
        }
        *lo = 0, *hi = a;
    } else {
        word(&s, "between");
        if (!read_number(&s, &a)) {
            return 0;
        }
        s = skip_unit(s);
        if (*s == '\0') {
            *lo = *hi = a;
        } else if (word(&s, "-") || word(&s, "to") || word(&s, "and") || word(&s, "\xe2\x80\x93")) {
            if (!read_number(&s, &b) || *skip_unit(s) || b < a) {
                return 0;
            }
            *lo = a, *hi = b;
        } else {
            return 0;
        }
    }
    return *lo >= 0 && *hi <= 100 && *lo <= *hi && !(*hi == 0);
}

/*
 * The stake the engine uses for a published range: its lower bound, just
 * above it when the bound is excluded ("more than 25%" counts as 25.001%),
 * so a range never claims more than the register says.  The range's bounds
 * are passed on (ld_add_own) for the time-and-uncertainty work.
 */
double reg_stake_of(double lo, double hi, int lo_excl)
{
    if (lo == hi) {
        return lo;
    }
    if (lo_excl) {
        return lo + 0.001 < hi ? lo + 0.001 : hi;
    }
    return lo > 0 ? lo : NAN;
}

/* ------------------------------------------------------------------ */
/* Summaries of what is left out by design                             */

int reg_ended(const char *end, const char *day)
{
    char last[11];
    size_t n = end ? strlen(end) : 0;

    if (n == 0) {
        return 0;
    }
    if (n >= 10 && (n == 10 || end[10] == 'T' || end[10] == ' ') && veu_iso_date(end, 10)) {
        memcpy(last, end, 10);
    } else if (n == 7 && (snprintf(last, sizeof(last), "%.7s-01", end), veu_iso_date(last, 10))) {
        /* a month: its last day ("29" for February compares as well as "28" with any day) */
        static const char *const days[] = {"31", "29", "31", "30", "31", "30",
                                           "31", "31", "30", "31", "30", "31"};
        memcpy(last + 8, days[atoi(end + 5) - 1], 2);
    } else if (n == 4 && isdigit((unsigned char)end[0]) && isdigit((unsigned char)end[1]) &&
               isdigit((unsigned char)end[2]) && isdigit((unsigned char)end[3]) &&
               memcmp(end, "0000", 4) != 0) {
        snprintf(last, sizeof(last), "%.4s-12-31", end);
    } else {
        return -1;
    }
    last[10] = '\0';
    return strcmp(last, day) <= 0;
}

void reg_count(struct loader *l, const char *what)
{
    struct tally *t = &l->file->tally;

    for (int i = 0; i < t->used; i++) {
        if (!strcmp(t->what[i], what)) {
            t->n[i]++;
            return;
        }
    }
    if (t->used < 16) {
        t->what[t->used] = what;
        t->n[t->used++] = 1;
    }
}

int reg_id(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int reg_report_tally(struct loader *l, const struct tally *t)
{
    for (int i = 0; i < t->used; i++) {
        int rc = ld_problem(l, 1, 0, "", "%lu %s", t->n[i], t->what[i]);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* JSON: BODS statements and FollowTheMoney entities                   */

int reg_bytes_value(const char *bytes, size_t len, const char *key, const char **val, size_t *vlen)
{
    char pat[64];
    int n = snprintf(pat, sizeof(pat), "\"%s\"", key);
    const char *end = bytes + len, *p = memmem(bytes, len, pat, (size_t)n);

    if (!p || memmem(p + n, (size_t)(end - p - n), pat, (size_t)n)) {
        return 0;
    }
    p += n;
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }
    if (p == end || *p++ != ':') {
        return 0;
    }
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }
    if (p == end || *p++ != '"') {
        return 0;
    }
    const char *q = p;
    while (q < end && *q != '"' && *q != '\\') {
        q++;
    }
    if (q == end || *q != '"') {
        return 0;
    }
    *val = p;
    *vlen = (size_t)(q - p);
    return 1;
}

int reg_value_in(const char *val, size_t vlen, const char *const *words)
{
    for (; *words; words++) {
        if (strlen(*words) == vlen && !memcmp(*words, val, vlen)) {
            return 1;
        }
    }
    return 0;
}

const char *reg_jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* First element of a FtM property (an array of strings). */
const char *reg_prop(json_t *props, const char *key)
{
    return json_string_value(json_array_get(json_object_get(props, key), 0));
}
