/* SPDX-License-Identifier: MIT */
/*
 * test_follow.c: followers (SPEC section 6, "Beyond one machine").  A
 * producer (`veud build --out STATE/veud-N.snap`, which renames its file
 * in) writes generations into a directory that two followers share; both
 * serve each new one, through their sockets; a corrupt file, a file cut
 * short and one built under another policy than the followers' are refused
 * and logged while the generation before keeps serving;
 * reload is forbidden, naming the mode; nothing in the directory is removed.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static hx_daemon_t A, B; /* A through the harness (its log), B a plain child */
static char shared[64], blog[128];
static char *data;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The producer: builds the data into the shared directory as generation g, with flags. */
static void produce_with(int g, const char *flags)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "'%s' build %s --data '%s' --generation %d --out '%s/veud-%d.snap' 2>/dev/null",
             VEUD_PATH, flags, data, g, shared, g);
    ck_assert_int_eq(system(cmd), 0);
}

static void produce(int g)
{
    produce_with(g, "");
}

/* The generation d serves (0 when none). */
static long generation_of(const hx_daemon_t *d)
{
    json_t *a = hx_ask(d, "stats");
    long g = (long)json_integer_value(json_object_get(json_object_get(a, "result"), "generation"));
    json_decref(a);
    return g;
}

/* Waits until d serves generation g; the seconds it took, or -1 after 20 s. */
static double wait_generation(const hx_daemon_t *d, long g, double since)
{
    while (now_s() - since < 20) {
        if (generation_of(d) == g) {
            return now_s() - since;
        }
        usleep(10000);
    }
    return -1;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    static char buf[65536];
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    buf[n] = '\0';
    if (f) {
        fclose(f);
    }
    return buf;
}

static void start_b(void)
{
    char conf[256];
    memset(&B, 0, sizeof(B));
    snprintf(B.dir, sizeof(B.dir), "%s.b", shared);
    ck_assert_int_eq(mkdir(B.dir, 0700), 0);
    snprintf(B.sock, sizeof(B.sock), "%s/veud.sock", B.dir);
    snprintf(conf, sizeof(conf), "%s/veud.conf", B.dir);
    snprintf(blog, sizeof(blog), "%s/log", B.dir);
    FILE *f = fopen(conf, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "[daemon]\nsocket = %s\nstate = %s\ndata = %s\nfollow = true\n", B.sock, shared,
            data);
    fclose(f);
    B.pid = fork();
    ck_assert_int_ge(B.pid, 0);
    if (B.pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed test takes B with it */
        int fd = open(blog, O_WRONLY | O_CREAT | O_TRUNC, 0600), null = open("/dev/null", O_RDWR);
        dup2(fd, 2);
        dup2(null, 1);
        execl(VEUD_PATH, VEUD_PATH, "--config", conf, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 3000 && !strstr(read_file(blog), "following "); i++) {
        usleep(10000); /* its socket is bound before it says it follows */
    }
}

/* Writes bytes under a temporary name and renames them in as generation g. */
static void rename_in(int g, const void *bytes, size_t len)
{
    char tmp[256], path[256];
    snprintf(tmp, sizeof(tmp), "%s/incoming.tmp", shared);
    snprintf(path, sizeof(path), "%s/veud-%d.snap", shared, g);
    FILE *f = fopen(tmp, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(bytes, 1, len, f), len);
    fclose(f);
    ck_assert_int_eq(rename(tmp, path), 0);
}

START_TEST(two_followers_serve_each_generation)
{
    char extra[256];
    data = hx_copy_sample();
    snprintf(shared, sizeof(shared), "/tmp/veu-follow-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(shared));
    produce(1);
    snprintf(extra, sizeof(extra), "state = %s\nfollow = true\n", shared);
    hx_start(&A, data, extra);
    ck_assert_msg(hx_wait_log(&A, "following ", 30000), "A did not start:\n%s", hx_log(&A));
    start_b();
    ck_assert_msg(wait_generation(&A, 1, now_s()) >= 0, "A serves no generation:\n%s", hx_log(&A));
    ck_assert_msg(wait_generation(&B, 1, now_s()) >= 0, "B serves no generation:\n%s",
                  read_file(blog));
    ck_assert(hx_wait_log(&A, "generation 1 serving (followed from", 10000));

    /* a new generation, with a new listing: both serve it */
    char path[512];
    snprintf(path, sizeof(path), "%s/designations.csv", data);
    FILE *f = fopen(path, "a");
    ck_assert_ptr_nonnull(f);
    fputs("co:vestas,defense,a listing of the test,\n", f);
    fclose(f);
    produce(2);
    double t0 = now_s(), ta = wait_generation(&A, 2, t0), tb = wait_generation(&B, 2, t0);
    ck_assert_msg(ta >= 0 && tb >= 0, "generation 2 not served: A %.3f s, B %.3f s", ta, tb);
    fprintf(stderr, "test_follow: generation 2 served by A after %.0f ms, by B after %.0f ms\n",
            ta * 1000, tb * 1000);
    json_t *r = hx_ask(&B, "risk co:vestas");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "result"), "verdict")),
                     "deny");
    json_decref(r);

    /* a corrupt file and one cut short: refused, logged, generation 2 serves on */
    char junk[8192];
    memset(junk, 0x5a, sizeof(junk));
    rename_in(3, junk, sizeof(junk));
    char snap2[256];
    snprintf(snap2, sizeof(snap2), "%s/veud-2.snap", shared);
    struct stat st;
    ck_assert_int_eq(stat(snap2, &st), 0);
    char *whole = malloc((size_t)st.st_size);
    f = fopen(snap2, "r");
    ck_assert_uint_eq(fread(whole, 1, (size_t)st.st_size, f), (size_t)st.st_size);
    fclose(f);
    whole[8] ^= 1; /* the version, and so the header's checksum: refused at the peek or open */
    rename_in(4, whole, (size_t)st.st_size / 2);
    ck_assert_msg(hx_wait_log(&A, "veud-3.snap refused", 10000), "%s", hx_log(&A));
    ck_assert_msg(hx_wait_log(&A, "veud-4.snap refused", 10000), "%s", hx_log(&A));
    for (int i = 0; i < 500 && !strstr(read_file(blog), "veud-4.snap refused"); i++) {
        usleep(10000);
    }
    ck_assert_msg(strstr(read_file(blog), "veud-3.snap refused"), "%s", read_file(blog));
    ck_assert_msg(strstr(read_file(blog), "veud-4.snap refused"), "%s", read_file(blog));
    ck_assert_int_eq(generation_of(&A), 2);
    ck_assert_int_eq(generation_of(&B), 2);
    free(whole);
    /* said once, not at every look (a look every 2 s) */
    usleep(2300000);
    int said = 0;
    for (const char *p = hx_log(&A); (p = strstr(p, "veud-3.snap refused")); p++) {
        said++;
    }
    ck_assert_int_eq(said, 1);
    json_t *st2 = hx_ask(&A, "stats");
    json_t *fo = json_object_get(json_object_get(st2, "result"), "follow");
    ck_assert_int_eq(json_integer_value(json_object_get(fo, "refused")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(fo, "served")), 2);
    json_decref(st2);

    /* the next good one is served over the refused ones */
    produce(5);
    t0 = now_s();
    ck_assert(wait_generation(&A, 5, t0) >= 0 && wait_generation(&B, 5, t0) >= 0);

    /* a generation built under another policy than the follower's: refused (SPEC section 8) */
    produce_with(6, "--policy home_country=US");
    ck_assert_msg(hx_wait_log(&A, "veud-6.snap refused: built under another policy", 10000), "%s",
                  hx_log(&A));
    ck_assert_int_eq(generation_of(&A), 5);
    ck_assert_int_eq(generation_of(&B), 5);

    /* reload: forbidden, naming the mode; the directory keeps every file */
    json_t *a = hx_ask(&A, "{\"op\":\"reload\",\"id\":1}");
    json_t *e = json_object_get(a, "error");
    ck_assert_str_eq(json_string_value(json_object_get(e, "code")), "forbidden");
    ck_assert(strstr(json_string_value(json_object_get(e, "message")), "follows"));
    json_decref(a);
    for (int g = 1; g <= 6; g++) {
        char p[256];
        snprintf(p, sizeof(p), "%s/veud-%d.snap", shared, g);
        ck_assert_msg(access(p, F_OK) == 0, "%s was removed", p);
    }
    ck_assert_int_eq(hx_stop(&A), 0);
    kill(B.pid, SIGTERM);
    int status;
    ck_assert_int_eq(waitpid(B.pid, &status, 0), B.pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "B: %d\n%s", status,
                  read_file(blog));
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s' '%s'", shared, B.dir, data);
    ck_assert_int_eq(system(cmd), 0);
    free(data);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("follow");
    TCase *t = tcase_create("follow");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, two_followers_serve_each_generation);
    suite_add_tcase(s, t);
    return hx_run(s);
}
