/* SPDX-License-Identifier: MIT */
/*
 * config.c: the configuration file, read with inih (Debian's libinih): a
 * small, well-tested INI parser that handles sections, comments and
 * continuation lines, so this file only has to know our keys.  A `#` after
 * white space starts a comment, as in the SPEC's example.
 */
#include <errno.h>
#include <ini.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "config.h"
#include "veu/veu.h"

void veu_config_init(veu_config_t *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->socket, sizeof(c->socket), "/run/veud/veud.sock");
    c->socket_mode = 0660;
    snprintf(c->data, sizeof(c->data), "/var/lib/veud/registry");
    snprintf(c->state, sizeof(c->state), "/var/lib/veud/state");
    c->rebuild_interval = 3600;
    c->max_clients = 1024;
    c->max_line = 1048576;
    c->history_entities = 100000;
    c->history_days = 1;
    c->keep_generations = 30;
    c->max_output = 16777216;
    c->idle_timeout = 300;
    c->n_admin = 1;
    c->admin_uids[0] = 0;
    veu_policy_init(&c->policy);
}

static int parse_uint(const char *v, unsigned long long lo, unsigned long long hi, int base,
                      unsigned long long *ret)
{
    char *end;
    unsigned long long x;

    if (*v == '-' || *v == '\0') {
        return -1;
    }
    errno = 0;
    x = strtoull(v, &end, base);
    if (errno || *end != '\0' || x < lo || x > hi) {
        return -1;
    }
    *ret = x;
    return 0;
}

static int set_path(char *dst, const char *v, const char *key, char *err, size_t errlen)
{
    if (strlen(v) >= PATH_MAX) {
        snprintf(err, errlen, "key '%s': path is too long", key);
        return -VEU_ECONFIG;
    }
    strcpy(dst, v);
    return 0;
}

static int set_daemon(veu_config_t *c, const char *key, const char *v, char *err, size_t errlen)
{
    unsigned long long x;

#define UINT_KEY(name, lo, hi, field)                                                              \
    if (!strcmp(key, name)) {                                                                      \
        if (parse_uint(v, lo, hi, 10, &x) < 0) {                                                   \
            snprintf(err, errlen, "key '%s': value '%s' is not a whole number from %llu to %llu",  \
                     key, v, (unsigned long long)(lo), (unsigned long long)(hi));                  \
            return -VEU_ECONFIG;                                                                   \
        }                                                                                          \
        c->field = x;                                                                              \
        return 0;                                                                                  \
    }
    UINT_KEY("rebuild_interval", 0, 31536000, rebuild_interval)
    UINT_KEY("max_clients", 1, 1000000, max_clients)
    UINT_KEY("max_line", 64, 1ull << 30, max_line)
    UINT_KEY("max_output", 4096, 1ull << 40, max_output)
    UINT_KEY("idle_timeout", 0, 31536000, idle_timeout)
    UINT_KEY("history_entities", 1, 100000000, history_entities)
    UINT_KEY("history_days", 0, 16, history_days)
    UINT_KEY("build_timeout", 0, 31536000, build_timeout)
    UINT_KEY("keep_generations", 2, 100000, keep_generations)
#undef UINT_KEY
    if (!strcmp(key, "follow")) {
        if (strcmp(v, "true") && strcmp(v, "false")) {
            snprintf(err, errlen, "key '%s': value '%s' is not true or false", key, v);
            return -VEU_ECONFIG;
        }
        c->follow = !strcmp(v, "true");
        return 0;
    }
    if (!strcmp(key, "socket")) {
        return set_path(c->socket, v, key, err, errlen);
    }
    if (!strcmp(key, "data")) {
        return set_path(c->data, v, key, err, errlen);
    }
    if (!strcmp(key, "state")) {
        return set_path(c->state, v, key, err, errlen);
    }
    if (!strcmp(key, "audit_log")) {
        return set_path(c->audit_log, v, key, err, errlen);
    }
    if (!strcmp(key, "socket_mode")) {
        if (parse_uint(v, 0, 0777, 8, &x) < 0) {
            snprintf(err, errlen, "key '%s': value '%s' is not an octal mode like 0660", key, v);
            return -VEU_ECONFIG;
        }
        c->socket_mode = (unsigned)x;
        return 0;
    }
    if (!strcmp(key, "admin_uids")) {
        char buf[1024];
        int n = 0;
        snprintf(buf, sizeof(buf), "%s", v);
        for (char *save, *tok = strtok_r(buf, ", \t", &save); tok;
             tok = strtok_r(NULL, ", \t", &save)) {
            if (n == VEU_MAX_ADMINS || parse_uint(tok, 0, 4294967294ull, 10, &x) < 0) {
                snprintf(err, errlen, "key '%s': value '%s' is not a list of at most %d uids", key,
                         v, VEU_MAX_ADMINS);
                return -VEU_ECONFIG;
            }
            c->admin_uids[n++] = (uid_t)x;
        }
        c->n_admin = n;
        return 0;
    }
    snprintf(err, errlen, "unknown key '%s' in [daemon]", key);
    return -VEU_ECONFIG;
}

int veu_config_set(veu_config_t *c, const char *section, const char *key, const char *value,
                   char *err, size_t errlen)
{
    if (!strcmp(section, "daemon")) {
        return set_daemon(c, key, value, err, errlen);
    }
    if (!strcmp(section, "policy")) {
        int rc = veu_policy_set(&c->policy, key, value, err, errlen);
        if (rc == -ENOENT) {
            snprintf(err, errlen, "unknown key '%s' in [policy]", key);
        }
        return rc < 0 ? -VEU_ECONFIG : 0;
    }
    snprintf(err, errlen, "unknown section [%s] (key '%s')", section, key);
    return -VEU_ECONFIG;
}

struct load {
    veu_config_t *c;
    char msg[512];
    int failed;
};

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct load *l = user;
    char v[4096];
    size_t len;

    snprintf(v, sizeof(v), "%s", value);
    /* "# comment" after white space, as the SPEC's example writes them */
    for (char *p = v; *p; p++) {
        if (*p == '#' && (p == v || p[-1] == ' ' || p[-1] == '\t')) {
            *p = '\0';
            break;
        }
    }
    len = strlen(v);
    while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t')) {
        v[--len] = '\0';
    }
    char msg[512];
    if (veu_config_set(l->c, section, name, v, msg, sizeof(msg)) < 0) {
        if (!l->failed) {
            memcpy(l->msg, msg, sizeof(msg));
        }
        l->failed = 1;
        return 0;
    }
    return 1;
}

int veu_config_load(veu_config_t *c, const char *path, char *err, size_t errlen)
{
    struct load l = {.c = c};
    FILE *f = fopen(path, "re");
    int line;

    if (!f) {
        int rc = -errno;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return rc;
    }
    line = ini_parse_file(f, on_key, &l);
    fclose(f);
    if (line != 0) {
        snprintf(err, errlen, "%s:%d: %s", path, line,
                 l.failed ? l.msg : "syntax error (expected [section] or key = value)");
        return -VEU_ECONFIG;
    }
    return 0;
}

int veu_config_compose(const veu_config_src_t *src, veu_config_t *out, char *err, size_t errlen)
{
    static veu_config_t c; /* large; composed on one thread */
    int rc;

    veu_config_init(&c);
    if (src->path && (rc = veu_config_load(&c, src->path, err, errlen)) < 0) {
        return rc;
    }
    const char *over[3] = {src->data, src->socket, src->state};
    char *field[3] = {c.data, c.socket, c.state};
    for (int i = 0; i < 3; i++) {
        if (!over[i]) {
            continue;
        }
        if (strlen(over[i]) >= PATH_MAX) {
            snprintf(err, errlen, "%.200s... is too long", over[i]);
            return -EINVAL;
        }
        strcpy(field[i], over[i]);
    }
    for (int i = 0; i < src->n_policy; i++) {
        char key[64], msg[512];
        const char *kv = src->policy_kv[i], *eq = strchr(kv, '=');
        if (!eq || (size_t)(eq - kv) >= sizeof(key)) {
            snprintf(err, errlen, "--policy takes KEY=VALUE, not '%.200s'", kv);
            return -EINVAL;
        }
        memcpy(key, kv, (size_t)(eq - kv));
        key[eq - kv] = '\0';
        if (veu_policy_set(&c.policy, key, eq + 1, msg, sizeof(msg)) < 0) {
            snprintf(err, errlen, "--policy: %s", msg);
            return -VEU_ECONFIG;
        }
    }
    if (src->strict) {
        c.policy.strict = true;
    }
    if (src->follow) {
        c.follow = true;
    }
    *out = c;
    return 0;
}

unsigned veu_config_fit_clients(veu_config_t *c, bool raise)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
        return c->max_clients;
    }
    if (raise && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max; /* the soft limit up to the hard one: ours to take */
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur == RLIM_INFINITY ||
        (uint64_t)c->max_clients + VEU_FD_RESERVE <= (uint64_t)rl.rlim_cur) {
        return c->max_clients;
    }
    c->max_clients =
        rl.rlim_cur > VEU_FD_RESERVE + 1 ? (unsigned)(rl.rlim_cur - VEU_FD_RESERVE) : 1;
    return c->max_clients;
}
