/* SPDX-License-Identifier: MIT */
/*
 * test_config.c: the configuration file of SPEC section 5 and the policy
 * keys: defaults, the SPEC's own example, inline comments, and errors that
 * name file, line and key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <errno.h>
#include <string.h>

#include "config.h"
#include "sandbox.h"
#include "wire.h"
#include "helpers.h"
#include "server.h"

static char *dir;
static char path[4200];

static void setup(void)
{
    dir = th_tmpdir();
    snprintf(path, sizeof(path), "%s/veud.conf", dir);
}

static void teardown(void)
{
    th_rmdir(dir);
}

START_TEST(defaults)
{
    veu_config_t c;
    veu_config_init(&c);
    ck_assert_str_eq(c.socket, "/run/veud/veud.sock");
    ck_assert_uint_eq(c.socket_mode, 0660);
    ck_assert_uint_eq(c.rebuild_interval, 3600);
    ck_assert_uint_eq(c.max_clients, 1024);
    ck_assert_uint_eq(c.max_line, 1048576);
    ck_assert_uint_eq(c.max_output, 16777216);
    ck_assert_uint_eq(c.idle_timeout, 300);
    ck_assert_str_eq(c.policy.home_country, "CN");
    ck_assert(c.policy.all_targets);
    ck_assert_double_eq(c.policy.control_threshold, 50);
    ck_assert(c.policy.control_inclusive);
    ck_assert_double_eq(c.policy.minority_threshold, 10);
    ck_assert_int_eq(c.policy.supply_depth, 2);
    ck_assert_int_eq(c.policy.n_dual_use, 2);
    ck_assert(!c.policy.strict);
}
END_TEST

START_TEST(spec_example)
{
    veu_config_t c;
    char err[512];
    th_write(dir, "veud.conf",
             "[daemon]\n"
             "socket = /tmp/x.sock\n"
             "socket_mode = 0600\n"
             "data = /srv/registry\n"
             "state = /var/lib/veud/state   # where snapshots are kept\n"
             "rebuild_interval = 0       # seconds; 0 turns the timer off\n"
             "max_clients = 10\n"
             "max_line = 4096\n"
             "max_output = 65536         # bytes owed to one client\n"
             "idle_timeout = 5\n"
             "admin_uids = 0, 1000\n"
             "audit_log =                   # empty: off\n"
             "\n"
             "[policy]\n"
             "home_country = us\n"
             "target_countries = CN, RU\n"
             "control_threshold = 25\n"
             "control_inclusive = false\n"
             "minority_threshold = 5\n"
             "supply_depth = 3\n"
             "dual_use_sectors = Automotive, aerospace , electronics\n"
             "strict = true\n");
    veu_config_init(&c);
    ck_assert_int_eq(veu_config_load(&c, path, err, sizeof(err)), 0);
    ck_assert_str_eq(c.socket, "/tmp/x.sock");
    ck_assert_uint_eq(c.socket_mode, 0600);
    ck_assert_str_eq(c.state, "/var/lib/veud/state");
    ck_assert_uint_eq(c.rebuild_interval, 0);
    ck_assert_uint_eq(c.max_output, 65536);
    ck_assert_int_eq(c.n_admin, 2);
    ck_assert_uint_eq(c.admin_uids[1], 1000);
    ck_assert_str_eq(c.audit_log, "");
    ck_assert_str_eq(c.policy.home_country, "US");
    ck_assert(!c.policy.all_targets);
    ck_assert_int_eq(c.policy.n_targets, 2);
    ck_assert_str_eq(c.policy.targets[1], "RU");
    ck_assert_double_eq(c.policy.control_threshold, 25);
    ck_assert(!c.policy.control_inclusive);
    ck_assert_int_eq(c.policy.supply_depth, 3);
    ck_assert_int_eq(c.policy.n_dual_use, 3);
    ck_assert_str_eq(c.policy.dual_use[0], "automotive");
    ck_assert_str_eq(c.policy.dual_use[1], "aerospace");
    ck_assert(c.policy.strict);
}
END_TEST

static void expect_error(const char *text, const char *needle)
{
    veu_config_t c;
    char err[512];
    th_write(dir, "veud.conf", text);
    veu_config_init(&c);
    ck_assert_int_eq(veu_config_load(&c, path, err, sizeof(err)), -VEU_ECONFIG);
    ck_assert_msg(strstr(err, needle) != NULL, "'%s' lacks '%s'", err, needle);
    ck_assert_msg(strstr(err, path) != NULL, "'%s' lacks the file name", err);
}

START_TEST(errors_name_line_and_key)
{
    expect_error("[daemon]\nmax_clients = 10\nmax_clients = lots\n", ":3: key 'max_clients'");
    expect_error("[policy]\n\ncontrol_threshold = 150\n", ":3: key 'control_threshold'");
    expect_error("[policy]\nhome_country = China\n", ":2: key 'home_country'");
    expect_error("[daemon]\nsocket_mode = 999\n", ":2: key 'socket_mode'");
    expect_error("[daemon]\nbogus = 1\n", ":2: unknown key 'bogus'");
    expect_error("[other]\nx = 1\n", ":2: unknown section [other]");
    expect_error("[policy]\ncontrol_inclusive = maybe\n", "control_inclusive");
    expect_error("[daemon]\nthis line has no equals sign\n", ":2:");
}
END_TEST

START_TEST(missing_file)
{
    veu_config_t c;
    char err[512];
    veu_config_init(&c);
    ck_assert_int_lt(veu_config_load(&c, "/nonexistent/veud.conf", err, sizeof(err)), 0);
    ck_assert(strstr(err, "/nonexistent/veud.conf") != NULL);
}
END_TEST

/* The file, then the flags on top: what main() and a reload both compose. */
START_TEST(compose_flags_over_file)
{
    static veu_config_t c;
    char err[512];
    th_write(dir, "veud.conf",
             "[daemon]\ndata = /from/file\n[policy]\nhome_country = US\n"
             "minority_threshold = 20\n");
    veu_config_src_t src = {.path = path, .data = "/from/flag", .strict = true};
    src.policy_kv[src.n_policy++] = "minority_threshold=5";
    ck_assert_int_eq(veu_config_compose(&src, &c, err, sizeof(err)), 0);
    ck_assert_str_eq(c.data, "/from/flag");
    ck_assert_str_eq(c.policy.home_country, "US");
    ck_assert(c.policy.minority_threshold == 5);
    ck_assert(c.policy.strict);
    /* a file that does not read leaves out untouched and names file, line and key */
    th_write(dir, "veud.conf", "[policy]\nminority_threshold = many\n");
    ck_assert_int_eq(veu_config_compose(&src, &c, err, sizeof(err)), -VEU_ECONFIG);
    ck_assert(strstr(err, ":2: key 'minority_threshold'") != NULL);
    ck_assert_str_eq(c.policy.home_country, "US");
    src.path = NULL;
    src.policy_kv[0] = "no-equals-sign";
    ck_assert_int_eq(veu_config_compose(&src, &c, err, sizeof(err)), -EINVAL);
}
END_TEST

/*
 * The builder's sandbox (F11): it may create and write files beneath its
 * output's directory and nowhere else; with no directory, nowhere.  Run in
 * a child, since a Landlock ruleset cannot be lifted.
 */
static int sandboxed_child(const char *allowed, const char *try_ok, const char *try_denied)
{
    pid_t p = fork();
    if (p == 0) {
        char why[256];
        int rc = veu_sandbox_builder(allowed, why, sizeof(why));
        if (rc == 1) {
            _exit(77); /* no Landlock in this kernel */
        }
        if (rc < 0) {
            _exit(10);
        }
        if (try_ok) {
            FILE *f = fopen(try_ok, "w");
            if (!f || fputs("x", f) < 0 || fclose(f) != 0) {
                _exit(11);
            }
        }
        FILE *g = fopen(try_denied, "w");
        _exit(g == NULL && errno == EACCES ? 0 : 12);
    }
    int st;
    waitpid(p, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(builder_sandbox)
{
    char a[4200], b[4200], ok[4300], no[4300];
    snprintf(a, sizeof(a), "%s/out", dir);
    snprintf(b, sizeof(b), "%s/elsewhere", dir);
    ck_assert_int_eq(mkdir(a, 0700), 0);
    ck_assert_int_eq(mkdir(b, 0700), 0);
    snprintf(ok, sizeof(ok), "%s/veud-1.snap.tmp.1", a);
    snprintf(no, sizeof(no), "%s/audit.jsonl", b);
    int rc = sandboxed_child(a, ok, no);
    if (rc == 77) {
        fprintf(stderr, "builder_sandbox: this kernel has no Landlock; not checked\n");
        return;
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(access(no, F_OK), -1);
    ck_assert_int_eq(sandboxed_child(NULL, NULL, ok), 0); /* history: nowhere at all */
}
END_TEST

/*
 * The settings a server hands its builders give back the policy it holds,
 * dated rules of a regime included (the builders once lost the regime).
 */
START_TEST(policy_args_round_trip)
{
    static const char *const cases[][4] = {
        {NULL},
        {"regime", "eu", NULL},
        {"regime", "bis", "control_threshold", "25"},
        {"control_inclusive", "false", "regime", "uk"},
        {"regime", "eu", "control_inclusive", "true"},
        {"suspended", "2025-01-01..2025-02-01", "unknown_stakes", "review"},
        {"target_countries", "RU,IR", "dual_use_sectors", "marine, space"},
        {"regime", "ofac", "suspended", ""},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        veu_policy_t p, q;
        char err[256], a[8192], b[8192],
            (*args)[VEU_POLICY_ARG_SIZE] = malloc(VEU_POLICY_ARGS * VEU_POLICY_ARG_SIZE);
        veu_policy_init(&p);
        veu_policy_init(&q);
        for (int i = 0; i < 4 && cases[c][i]; i += 2) {
            ck_assert_int_eq(veu_policy_set(&p, cases[c][i], cases[c][i + 1], err, sizeof(err)), 0);
        }
        int n = veu_policy_args(&p, args);
        ck_assert_int_le(n, VEU_POLICY_ARGS);
        for (int i = 0; i < n; i++) {
            char *eq = strchr(args[i], '=');
            ck_assert_ptr_nonnull(eq);
            *eq = '\0';
            ck_assert_msg(veu_policy_set(&q, args[i], eq + 1, err, sizeof(err)) == 0, "%s", err);
        }
        ck_assert_int_gt(veu_policy_json(&p, a, sizeof(a)), 0);
        ck_assert_int_gt(veu_policy_json(&q, b, sizeof(b)), 0);
        ck_assert_msg(strcmp(a, b) == 0, "case %zu:\n%s\n%s", c, a, b);
        free(args);
    }
}
END_TEST

START_TEST(policy_digest_changes)
{
    veu_policy_t a, b;
    char da[17], db[17], e[128];
    veu_policy_init(&a);
    veu_policy_init(&b);
    veu_policy_digest(&a, da);
    veu_policy_digest(&b, db);
    ck_assert_str_eq(da, db);
    ck_assert_int_eq(veu_policy_set(&b, "supply_depth", "3", e, sizeof(e)), 0);
    veu_policy_digest(&b, db);
    ck_assert_str_ne(da, db);
}
END_TEST

/* The id a request line names, guessed for prefetch hints (proto.c). */
START_TEST(request_peek)
{
    static const struct {
        const char *line, *id; /* NULL: no guess */
    } c[] = {
        {"risk co:kamaz", "co:kamaz"},
        {"  risk \t co:kamaz  \r", "co:kamaz"},
        {"{\"op\":\"risk\",\"entity\":\"co:kamaz\",\"id\":3}", "co:kamaz"},
        {"{\"id\":3, \"entity\" : \"LEI:5493\" ,\"op\":\"owners\"}", "LEI:5493"},
        {"{\"op\":\"risk\",\"entity\":\"a\\\"b\"}", NULL}, /* escaped: no guess */
        {"{\"op\":\"risk\",\"entity\":5}", NULL},
        {"{\"op\":\"risk\",\"entity\":\"open", NULL},
        {"{\"op\":\"ping\"}", NULL},
        {"ping", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        const char *id = NULL;
        size_t len = 0;
        bool got = veu_wire_peek_entity(c[i].line, strlen(c[i].line), &id, &len);
        ck_assert_msg(got == (c[i].id != NULL), "%s: guess %d", c[i].line, got);
        if (got) {
            ck_assert_uint_eq(len, strlen(c[i].id));
            ck_assert_msg(!strncmp(id, c[i].id, len), "%s: %.*s", c[i].line, (int)len, id);
        }
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config");
    TCase *t = tcase_create("config");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, defaults);
    tcase_add_test(t, spec_example);
    tcase_add_test(t, errors_name_line_and_key);
    tcase_add_test(t, missing_file);
    tcase_add_test(t, compose_flags_over_file);
    tcase_add_test(t, builder_sandbox);
    tcase_add_test(t, policy_digest_changes);
    tcase_add_test(t, policy_args_round_trip);
    tcase_add_test(t, request_peek);
    suite_add_tcase(s, t);
    return th_run(s);
}
