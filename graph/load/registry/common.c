/* SPDX-License-Identifier: MIT */
/*
 * common.c: what the registry formats share: reading a JSON file's
 * records, percentages as people write them, end dates, and the tally of
 * records left out by design, reported once per file and kind.
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

#define MAX_JSON (1u << 30) /* a registry file read whole: at most 1 GiB */

/* Reads a whole file (at most MAX_JSON bytes); NUL-terminated; caller frees. */
char *reg_slurp(const char *path, size_t *len, int *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) /* a FIFO must not stall the build */;
    struct stat st;
    char *buf = NULL;

    *err = 0;
    if (fd < 0 || fstat(fd, &st) < 0) {
        *err = -errno;
    } else if (!S_ISREG(st.st_mode)) {
        *err = -EINVAL;
    } else if ((uint64_t)st.st_size > MAX_JSON) {
        *err = -EFBIG;
    } else if (!(buf = malloc((size_t)st.st_size + 1))) {
        *err = -ENOMEM;
    } else if ((*err = veu_read_full(fd, buf, (size_t)st.st_size)) < 0) {
        free(buf);
        buf = NULL;
    } else {
        buf[st.st_size] = '\0';
        *len = (size_t)st.st_size;
    }
    if (fd >= 0) {
        close(fd);
    }
    return buf;
}

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

/* The records of a JSON file: an array, or one object per line. */
int reg_load_json(struct loader *l, const char *buf, size_t len, json_t **recs, json_t **lines)
{
    const char *p = buf;
    json_error_t je;

    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) {
        p += 3;
    }
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
        p++;
    }
    *recs = json_array();
    *lines = json_array();
    if (*p == '[') {
        json_t *a = json_loadb(p, len - (size_t)(p - buf), JSON_REJECT_DUPLICATES, &je);
        if (!a) {
            return ld_fatal(l, -VEU_ESYNTAX, je.line, "", "invalid JSON: %s", je.text);
        }
        for (size_t i = 0; i < json_array_size(a); i++) {
            json_array_append(*recs, json_array_get(a, i));
            json_array_append_new(*lines, json_integer((json_int_t)i + 1));
        }
        json_decref(a);
        return 0;
    }
    long line = 0;
    for (const char *s = buf; s < buf + len;) {
        const char *nl = memchr(s, '\n', (size_t)(buf + len - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(buf + len - s);
        line++;
        size_t k = 0;
        while (k < n && isspace((unsigned char)s[k])) {
            k++;
        }
        if (k < n) {
            json_t *o = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
            if (!json_is_object(o)) {
                json_decref(o);
                int rc = ld_problem(l, 0, line, "", "not a JSON object: %s",
                                    o ? "another JSON value" : je.text);
                if (rc < 0) {
                    return rc;
                }
            } else {
                json_array_append_new(*recs, o);
                json_array_append_new(*lines, json_integer(line));
            }
        }
        s += n + 1;
    }
    return 0;
}
