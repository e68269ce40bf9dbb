/* SPDX-License-Identifier: MIT */
/* log.c: stderr logging with syslog priority prefixes; one write per line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int max_level = LOG_INFO;

void veu_log_level(int max_prio)
{
    max_level = max_prio;
}

void veu_log(int prio, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    int n;

    if (prio > max_level) {
        return;
    }
    n = snprintf(line, sizeof(line), "<%d>", prio);
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(line) - 2) {
        n = (int)sizeof(line) - 2;
    }
    /* one event, one line: fold any newline a value brought in */
    for (int i = 0; i < n; i++) {
        if (line[i] == '\n' || line[i] == '\r') {
            line[i] = ' ';
        }
    }
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}
