/* SPDX-License-Identifier: MIT */
/*
 * harness.h: a real veud on a private socket, for integration tests.  The
 * daemon's stderr is read by a thread; tests wait for log lines (no sleeps)
 * and talk to the socket with plain blocking clients.
 */
#ifndef VEU_TESTS_HARNESS_H
#define VEU_TESTS_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct hx_daemon {
    pid_t pid;
    char dir[256]; /* private directory: socket, state, config */
    char sock[300];
    char data[300];
    int err_fd;
} hx_daemon_t;

/* Starts veud with extra config lines ("[daemon]\nmax_clients = 2\n", may be NULL). */
void hx_start(hx_daemon_t *d, const char *data_dir, const char *config_extra);
/* Waits until the log has a line containing text (after position *from, if given). */
bool hx_wait_log(hx_daemon_t *d, const char *text, int timeout_ms);
/* Waits until text appears at least n times in the log. */
bool hx_wait_count(hx_daemon_t *d, const char *text, int n, int timeout_ms);
/* The whole log so far (do not free). */
const char *hx_log(hx_daemon_t *d);
/* SIGTERM and waits; returns the exit status (or -signal). */
int hx_stop(hx_daemon_t *d);
/*
 * A daemon on a copy of the bundled sample, its first graph served; returns
 * the copy's directory (hx_finish removes it).
 */
char *hx_start_sample(hx_daemon_t *d, const char *config_extra);
/* Stops it (asserting exit 0) and removes the data copy. */
void hx_finish(hx_daemon_t *d, char *data);

/* As hx_stop, for a daemon already told to stop: waits for its exit. */
int hx_wait_exit(hx_daemon_t *d);

int hx_connect(const hx_daemon_t *d);
void hx_send(int fd, const char *data, size_t len);
/* Reads one line (without newline); NULL on EOF or timeout.  Caller frees. */
char *hx_readline(int fd, int timeout_ms);
/* One request, one answer, parsed. */
json_t *hx_ask(const hx_daemon_t *d, const char *line);

/* Copies the bundled sample dataset into a fresh directory; returns its path. */
char *hx_copy_sample(void);

/* Runs a suite in this process (the harness's reader thread is not fork-safe). */
#include <check.h>
int hx_run(Suite *s);

#endif
