/* SPDX-License-Identifier: MIT */
/*
 * notify.c: a small implementation of sd_notify (systemd's datagram
 * protocol), so that veud needs no libsystemd: connect-less sendto() of a
 * text datagram to an AF_UNIX address, abstract when it starts with '@'.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

static struct sockaddr_un addr;
static socklen_t addr_len;
static int fd = -1;
static uint64_t watchdog_usec;

void veu_notify_init(void)
{
    const char *path = getenv("NOTIFY_SOCKET");
    const char *wd = getenv("WATCHDOG_USEC");
    const char *wpid = getenv("WATCHDOG_PID");

    if (wd && (!wpid || atol(wpid) == (long)getpid())) {
        watchdog_usec = strtoull(wd, NULL, 10);
    }
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    if (!path || !*path || strlen(path) >= sizeof(addr.sun_path)) {
        unsetenv("NOTIFY_SOCKET");
        return;
    }
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, path, strlen(path));
    if (path[0] == '@') {
        addr.sun_path[0] = '\0'; /* the abstract namespace */
    }
    addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    unsetenv("NOTIFY_SOCKET"); /* the builder child must not notify for us */
}

int veu_notify(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    int n;

    if (fd < 0) {
        return 0;
    }
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0) {
        return -EINVAL;
    }
    if (sendto(fd, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1, MSG_NOSIGNAL,
               (struct sockaddr *)&addr, addr_len) < 0) {
        return -errno;
    }
    return 0;
}

uint64_t veu_notify_watchdog_usec(void)
{
    return watchdog_usec;
}
