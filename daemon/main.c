/* SPDX-License-Identifier: MIT */
/*
 * main.c: veud's command line (SPEC section 5).  One binary, several modes:
 *
 *   veud [--config F] [--data D] [--socket P] [--state D]   serve
 *   veud build [--config F] [--data D] --out FILE            build a snapshot
 *   veud --check [--config F] --data D                       validate a dataset
 *   veud --version | --help
 *
 * Flags override the configuration file; the file overrides the defaults.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "hworker.h"
#include "log.h"
#include "auditchain.h"
#include "main.h"
#include "sandbox.h"
#include "veu/build.h"
#include "veu/snapshot.h"
#ifdef VEU_WITH_MPI
#include <mpi.h>

#include "veu/mpi.h"
#endif

static void usage(FILE *f)
{
    fprintf(
        f, "usage: veud [--config FILE] [--data DIR] [--socket PATH] [--state DIR]   serve\n"
           "       veud build [--config FILE] [--data DIR] --out FILE              build a "
           "snapshot\n"
           "       mpirun -n N veud build --mpi [--config FILE] [--data DIR] --out FILE\n"
           "                                                 the same, by the ranks of an MPI job\n"
           "       veud --check [--config FILE] --data DIR                         validate a "
           "dataset\n"
           "       veud query [--socket PATH] [--timeout S] [--format F] [REQUEST ...]\n"
           "       veud screen [--socket PATH] [--format csv|jsonl] [FILE|-]      screen a file\n"
           "       veud diff OLD.snap NEW.snap                                     what changed\n"
           "       veud audit-verify FILE...                                       check the "
           "audit trail\n"
           "       veud --version | --help\n"
           "\n"
           "  -c, --config FILE   configuration file (key = value, [daemon] and [policy])\n"
           "  -d, --data DIR      dataset directory (entities.csv, ownership.csv, ...)\n"
           "  -s, --socket PATH   Unix socket to serve on\n"
           "  -S, --state DIR     where snapshots are kept\n"
           "  -o, --out FILE      (build) the snapshot to write\n"
           "      --strict        invalid rows fail the build (policy strict = true)\n"
           "      --follow        serve the snapshots another veud renames into the state\n"
           "                      directory; build nothing ([daemon] follow = true)\n"
           "      --mpi           (build) run as one rank of an MPI job (veud-mpi)\n"
           "      --as-of DAY     (build, --check) read dated rows as they stand on DAY\n"
           "                      (YYYY-MM-DD; default today, UTC)\n"
           "  -v, --verbose       log debug events too\n");
}

static void on_progress(void *ctx, const char *stage, const char *msg)
{
    (void)ctx;
    veu_log(LOG_INFO, "build: %s: %s", stage, msg);
}

static void on_problem_log(void *ctx, const veu_diag_t *d, bool warning)
{
    char line[1024];
    uint64_t *n = ctx;

    /* the log gets the first few; the count is in the summary */
    if ((*n)++ < 50) {
        veu_log(warning ? LOG_WARNING : LOG_NOTICE, "build: %s: %s",
                warning ? "warning" : "skipped row", veu_diag_format(d, line, sizeof(line)));
    }
}

static void on_file_print(void *ctx, const char *name, const char *what)
{
    (void)ctx;
    printf("read %s as %s\n", name, what);
}

static void on_file_log(void *ctx, const char *name, const char *what)
{
    (void)ctx;
    veu_log(LOG_INFO, "build: load: read %s as %s", name, what);
}

static void on_problem_print(void *ctx, const veu_diag_t *d, bool warning)
{
    char line[1024];

    (void)ctx;
    printf("%s: %s\n", warning ? "warning" : "skipped", veu_diag_format(d, line, sizeof(line)));
}

static int exit_code_for(int rc)
{
    switch (-rc) {
    case VEU_ESYNTAX:
    case VEU_ECOLUMN:
    case VEU_EDUPLICATE:
    case VEU_EROWS:
    case VEU_ETOOBIG:
        return EX_DATAERR;
    case ENOENT:
    case ENOTDIR:
    case EACCES:
        return EX_NOINPUT;
    case ENOMEM:
        return EX_OSERR;
    case VEU_ECHANGED:
        return VEU_EXIT_AGAIN; /* the server builds again at once */
    default:
        return EX_SOFTWARE;
    }
}

static void print_counts(const veu_counts_t *c, const veu_report_t *rep)
{
    printf("entities %llu\n", (unsigned long long)c->entities);
    printf("ownership rows %llu, edges %llu\n", (unsigned long long)c->ownership_rows,
           (unsigned long long)c->ownership_edges);
    printf("supply rows %llu, edges %llu\n", (unsigned long long)c->supply_rows,
           (unsigned long long)c->supply_edges);
    printf("designations %llu\n", (unsigned long long)c->designations);
    printf("seeds %llu, defense-controlled %llu\n", (unsigned long long)c->seeds,
           (unsigned long long)c->controlled);
    printf("verdicts: deny %llu, review %llu, fast_track %llu, standard %llu\n",
           (unsigned long long)c->deny, (unsigned long long)c->review,
           (unsigned long long)c->fast_track, (unsigned long long)c->standard);
    printf("skipped rows %llu, warnings %llu\n", (unsigned long long)rep->skipped,
           (unsigned long long)rep->warnings);
}

/*
 * What in the data could clear a buyer, or tie it less than it is, without
 * any error: an operator reads this before serving (SPEC section 8).
 */
static void print_could_clear(const veu_counts_t *c, const veu_report_t *rep)
{
    printf("could clear a buyer:\n");
    printf("  rows skipped (each listed above): %llu\n", (unsigned long long)rep->skipped);
    printf("  stakes of unknown size (add nothing to any sum): %llu, of which %llu had a percent "
           "that could not be read\n",
           (unsigned long long)rep->unknown_stakes, (unsigned long long)rep->unreadable_percents);
    printf("  designations naming ids the data lacks: %llu\n",
           (unsigned long long)rep->designations_unknown);
    printf("  entities tied by control the regime does not count (control_without_ownership, "
           "review): %llu\n",
           (unsigned long long)c->control_only);
    printf("  designated entities that are no seed under the policy (designated_not_seed): "
           "%llu\n",
           (unsigned long long)c->designated_not_seed);
}

/* --skip-if DIGEST:POLICY: true when both are what the data and policy give now. */
static bool unchanged(const veu_config_t *cfg, const char *skip_if)
{
    char digest[33], pol[17], want[64];

    if (veu_dataset_digest(cfg->data, digest) < 0) {
        return false; /* let the build say what is wrong */
    }
    veu_policy_digest(&cfg->policy, pol);
    snprintf(want, sizeof(want), "%s:%s", digest, pol);
    return strcmp(want, skip_if) == 0;
}

/*
 * veud audit-verify FILE...: checks the audit trail's hash chain through
 * the files in the order given (oldest first, as logrotate numbers them
 * backwards).  The first line of the first file is taken on trust (its
 * predecessor may have been rotated away); every other line must chain.
 * Exit 0, or 65 naming the first line that does not.
 */
static int audit_verify(int n, char **files)
{
    char prev[VEU_CHAIN_HEX];
    long total = 0;

    if (n < 1) {
        fprintf(stderr, "usage: veud audit-verify FILE...\n");
        return EX_USAGE;
    }
    memset(prev, '0', 64);
    prev[64] = '\0';
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(files[i], "r");
        if (!f) {
            fprintf(stderr, "veud audit-verify: %s: %s\n", files[i], strerror(errno));
            return EX_NOINPUT;
        }
        long r = veu_chain_verify(f, prev, i == 0);
        fclose(f);
        if (r < 0) {
            printf("%s:%ld: the chain is broken: this line, or one before it, was changed, "
                   "removed or added\n",
                   files[i], -r);
            return EX_DATAERR;
        }
        total += r;
    }
    printf("ok: %ld lines chain\n", total);
    return 0;
}

/*
 * veud diff OLD.snap NEW.snap: the changes between two snapshot files
 * (SPEC section 9), one JSON line each, deny first.  Exit 0, 65 when a
 * file is not a snapshot this veud reads.
 */
static int snapshot_diff(int n, char **files)
{
    veu_snapshot_t *s[2] = {NULL, NULL};
    char why[512];
    veu_change_t *ch = NULL;
    size_t nc = 0;
    veu_jbuf_t o;

    if (n != 2) {
        fprintf(stderr, "usage: veud diff OLD.snap NEW.snap\n");
        return EX_USAGE;
    }
    for (int i = 0; i < 2; i++) {
        if (veu_snapshot_open(files[i], &s[i], why, sizeof(why)) < 0) {
            fprintf(stderr, "veud diff: %s: %s\n", files[i], why);
            veu_snapshot_close(s[0]);
            return EX_DATAERR;
        }
    }
    int rc = veu_snapshot_changes(s[0], s[1], &ch, &nc);
    veu_jbuf_init(&o);
    for (size_t i = 0; rc == 0 && i < nc; i++) {
        veu_jbuf_reset(&o);
        veu_snapshot_change_json(s[0], s[1], &ch[i], &o);
        veu_jbuf_raw(&o, "\n", 1);
        fwrite(o.buf, 1, o.len, stdout);
    }
    veu_jbuf_destroy(&o);
    free(ch);
    veu_snapshot_close(s[0]);
    veu_snapshot_close(s[1]);
    if (rc < 0) {
        fprintf(stderr, "veud diff: out of memory\n");
        return EX_OSERR;
    }
    return 0;
}

static const char *as_of; /* --as-of: the day dated rows are read for */

/*
 * Before untrusted data is parsed: the builder may write only its output's
 * directory (out), or nowhere (NULL).  Without Landlock in the kernel it
 * runs as before, and says so once.  <0 only when the sandbox could not be
 * set up although the kernel has it: then the build does not run.
 */
static int sandbox(const char *out)
{
    char dir[PATH_MAX], why[512] = "";
    if (out) {
        snprintf(dir, sizeof(dir), "%s", out);
        char *slash = strrchr(dir, '/');
        if (!slash) {
            snprintf(dir, sizeof(dir), ".");
        } else if (slash == dir) {
            dir[1] = '\0';
        } else {
            *slash = '\0';
        }
    }
    int rc = veu_sandbox_builder(out ? dir : NULL, why, sizeof(why));
    if (rc < 0) {
        veu_log(LOG_ERR, "build: cannot sandbox the builder: %s", why);
    } else if (rc > 0) {
        veu_log(LOG_NOTICE, "build: %s", why);
    }
    return rc < 0 ? rc : 0;
}

#ifdef VEU_WITH_MPI
/* What each rank did: the figures tests/bench/mpi.sh reads from the log. */
static void log_mpi(const veu_mpi_stats_t *st)
{
    if (!st->ranks) {
        return; /* the build stopped before the ties */
    }
    veu_log(LOG_INFO, "mpi: %d ranks, %llu supersteps (%llu for the share fixpoints)", st->ranks,
            (unsigned long long)st->supersteps, (unsigned long long)st->share_steps);
    veu_log(LOG_INFO,
            "mpi: by phase: control %llu supersteps (%.0f ms), shares %llu (%.0f ms), paths "
            "%llu (%.0f ms), labels %llu (%.0f ms)",
            (unsigned long long)st->phase_steps[VEU_MPI_PHASE_CONTROL],
            st->phase_ms[VEU_MPI_PHASE_CONTROL],
            (unsigned long long)st->phase_steps[VEU_MPI_PHASE_SHARES],
            st->phase_ms[VEU_MPI_PHASE_SHARES],
            (unsigned long long)st->phase_steps[VEU_MPI_PHASE_PATHS],
            st->phase_ms[VEU_MPI_PHASE_PATHS],
            (unsigned long long)st->phase_steps[VEU_MPI_PHASE_LABELS],
            st->phase_ms[VEU_MPI_PHASE_LABELS]);
    for (int r = 0; r < st->ranks && r < VEU_MPI_MAX_REPORTED; r++) {
        veu_log(LOG_INFO,
                "mpi: rank %d: %llu entities, sent %llu bytes (at most %llu in one superstep, "
                "%.0f on average), peak %lld KiB",
                r, (unsigned long long)st->rank_entities[r], (unsigned long long)st->rank_sent[r],
                (unsigned long long)st->rank_max_step[r],
                st->supersteps ? (double)st->rank_sent[r] / (double)st->supersteps : 0.0,
                (long long)st->rank_peak_kib[r]);
    }
}
#endif

static int run_build(const veu_config_t *cfg, const char *out, bool check, uint64_t generation)
{
    veu_build_opts_t o = {.data_dir = cfg->data,
                          .out_path = check ? NULL : out,
                          .policy = cfg->policy,
                          .generation = generation,
                          .as_of = as_of};
    veu_report_t rep = {0};
    veu_counts_t counts;
    veu_diag_t err;
    char digest[33] = "", line[1024];
    uint64_t logged = 0;
    int rc;

    if (check) {
        rep.on_problem = on_problem_print;
        rep.on_file = on_file_print;
        printf("checking %s\n", cfg->data);
    } else {
        rep.on_problem = on_problem_log;
        rep.on_file = on_file_log;
        rep.ctx = &logged;
        o.progress = on_progress;
    }
#ifdef VEU_WITH_MPI
    veu_mpi_stats_t st;
    memset(&st, 0, sizeof(st));
    o.ties = veu_mpi_ties;
    o.ties_ctx = &st;
#endif
    rc = veu_build(&o, &rep, &counts, digest, &err);
#ifdef VEU_WITH_MPI
    log_mpi(&st);
#endif
    if (check) {
        print_counts(&counts, &rep);
        if (rc < 0) {
            printf("error: %s\n", veu_diag_format(&err, line, sizeof(line)));
            printf("result: the dataset cannot be built\n");
            return EX_DATAERR;
        }
        print_could_clear(&counts, &rep);
        printf("digest %s\n", digest);
        printf("result: ok\n");
        return 0;
    }
    if (rc < 0) {
        veu_log(LOG_ERR, "build failed: %s", veu_diag_format(&err, line, sizeof(line)));
        return exit_code_for(rc);
    }
    /* the server's own checks, before the snapshot is called good: they must agree */
    veu_snapshot_t *s;
    char why[512];
    if (veu_snapshot_open(out, &s, why, sizeof(why)) < 0) {
        veu_log(LOG_ERR,
                "build failed: the snapshot written does not pass the server's checks "
                "(%s); removed",
                why);
        unlink(out);
        return EX_SOFTWARE;
    }
    veu_snapshot_close(s);
    veu_log(LOG_INFO, "build: done: %s, digest %s, %llu entities, %llu rows skipped, %llu warnings",
            out, digest, (unsigned long long)counts.entities, (unsigned long long)rep.skipped,
            (unsigned long long)rep.warnings);
    return 0;
}

/* A builder that fails leaves its sentence in the memory file instead of a part (asof.c). */
static void say_in(int fd, const char *msg)
{
    if (ftruncate(fd, 0) < 0 || pwrite(fd, msg, strlen(msg), 0) < 0) {
        fprintf(stderr, "veud history: %s\n", msg);
    }
}

/*
 * One part: fd is a memory file holding the buyers' indices, one a line;
 * the snapshot of the part of s's graph around them on day replaces them,
 * or on failure a sentence does.  Returns VEU_EXIT_OK, VEU_EXIT_TOO_BIG
 * (the part is over the bound) or VEU_EXIT_FAILED.
 */
static int history_part(const veu_snapshot_t *s, const veu_config_t *cfg, const char *day,
                        uint32_t max_entities, int fd)
{
    veu_diag_t err = {0};
    char msg[512] = "";
    uint32_t *buyers = NULL, got = 0;
    size_t nb = 0;
    int rc = -EINVAL;
    struct stat st;

    if (fstat(fd, &st) < 0) {
        snprintf(msg, sizeof(msg), "cannot read the buyers: %s", strerror(errno));
    } else {
        uint32_t n = veu_snapshot_info(s)->entities;
        char *text = calloc((size_t)st.st_size + 1, 1);
        buyers = malloc(((size_t)st.st_size / 2 + 1 + n) * sizeof(*buyers));
        if (text && buyers && pread(fd, text, (size_t)st.st_size, 0) == st.st_size) {
            bool all = !strcmp(text, "all\n"); /* the whole graph of the day, to keep (asof.c) */
            for (nb = 0; all && nb < n; nb++) {
                buyers[nb] = (uint32_t)nb;
            }
            for (char *p = text, *end; !all && *p; p = end + (*end != '\0')) {
                unsigned long v = strtoul(p, &end, 10);
                if (end == p || v >= n) {
                    break;
                }
                buyers[nb++] = (uint32_t)v;
            }
            rc = veu_history_build(s, day, buyers, nb, &cfg->policy, max_entities, fd, &got, &err);
            snprintf(msg, sizeof(msg), "%s", err.message);
        } else {
            snprintf(msg, sizeof(msg), "cannot read the buyers: %s", strerror(errno));
        }
        free(text);
    }
    if (rc < 0) {
        say_in(fd, msg);
    }
    free(buyers);
    return rc == 0 ? VEU_EXIT_OK : rc == -E2BIG ? VEU_EXIT_TOO_BIG : VEU_EXIT_FAILED;
}

/*
 * veud history (started by the server, asof.c): descriptor 3 is the
 * snapshot served, descriptor 4 a memory file holding the buyers' indices;
 * the part on --as-of is written into descriptor 4, and the exit status is
 * history_part's.
 */
static int run_history(const veu_config_t *cfg, uint32_t max_entities)
{
    veu_snapshot_t *s = NULL;
    char msg[512] = "";
    struct stat st;

    if (fstat(4, &st) < 0) {
        fprintf(stderr, "veud history: no memory file on descriptor 4\n");
        return EX_USAGE;
    }
    if (!as_of) {
        snprintf(msg, sizeof(msg), "veud history needs --as-of DAY");
    } else if (veu_snapshot_open_fd(3, true, &s, msg, sizeof(msg)) == 0) {
        int code = history_part(s, cfg, as_of, max_entities, 4);
        veu_snapshot_close(s);
        return code;
    }
    say_in(4, msg);
    return VEU_EXIT_FAILED;
}

/*
 * veud history --worker (started by the server, hworker.c): the same work
 * for one part after another, in one process that keeps the snapshot
 * (descriptor 3) mapped.  Descriptor 4 is a packet socket: each job is a
 * veu_hworker_job_t with the part's memory file attached; the answer is one
 * byte, history_part's code.  The worker ends when the server closes its end.
 */
#define WORKER_IDLE_MS 1000

static int run_history_worker(const veu_config_t *cfg)
{
    veu_snapshot_t *s = NULL;
    char msg[512];
    struct stat st;

    if (fstat(4, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        fprintf(stderr, "veud history --worker: descriptor 4 is not the server's socket "
                        "(the server starts the workers itself)\n");
        return EX_USAGE;
    }
    if (veu_snapshot_open_fd(3, true, &s, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "veud history --worker: %s\n", msg);
        return VEU_EXIT_FAILED;
    }
    for (;;) {
        veu_hworker_job_t job;
        union {
            struct cmsghdr h;
            char buf[CMSG_SPACE(sizeof(int))];
        } ctl;
        struct iovec iov = {.iov_base = &job, .iov_len = sizeof(job)};
        struct msghdr mh = {.msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = ctl.buf,
                            .msg_controllen = sizeof(ctl.buf)};
        ssize_t n = recvmsg(4, &mh, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break; /* the server closed its end (or went away): done */
        }
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        int fd = -1;
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int))) {
            memcpy(&fd, CMSG_DATA(c), sizeof(int));
        }
        job.day[sizeof(job.day) - 1] = '\0';
        if (fd < 0 || n != (ssize_t)sizeof(job) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
            !veu_iso_date(job.day, strlen(job.day))) {
            fprintf(stderr, "veud history --worker: a job it cannot read; ending\n");
            if (fd >= 0) {
                close(fd);
            }
            veu_snapshot_close(s);
            return VEU_EXIT_FAILED;
        }
        uint8_t code = (uint8_t)history_part(s, cfg, job.day, job.max_entities, fd);
        close(fd);
        if (send(4, &code, 1, MSG_NOSIGNAL) != 1) {
            break;
        }
        /*
         * The heap a part grew is kept for the next part of a burst (giving it
         * back and faulting it in again cost a quarter of a part's time), and
         * given back once no job has come for a second.
         */
        struct pollfd pfd = {.fd = 4, .events = POLLIN};
        if (poll(&pfd, 1, WORKER_IDLE_MS) == 0) {
            malloc_trim(0);
        }
    }
    veu_snapshot_close(s);
    return VEU_EXIT_OK;
}

/*
 * veud build --mpi, run by mpirun as every rank: veud itself links no MPI,
 * so it hands over to veud-mpi beside it, with the same arguments.
 */
static int exec_mpi(char **argv)
{
#ifdef VEU_WITH_MPI
    (void)argv;
    return 0;
#else
    char self[PATH_MAX], path[PATH_MAX + 16];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        snprintf(self, sizeof(self), "%s", argv[0]);
    } else {
        self[n] = '\0';
    }
    char *slash = strrchr(self, '/');
    snprintf(path, sizeof(path), "%.*s/veud-mpi", slash ? (int)(slash - self) : 1,
             slash ? self : ".");
    argv[0] = path;
    execv(path, argv);
    fprintf(stderr,
            "veud: build --mpi: cannot run %s: %s (it is built when Open MPI is installed: "
            "apt-get install openmpi-bin libopenmpi-dev, then build veud again)\n",
            path, strerror(errno));
    return EX_UNAVAILABLE;
#endif
}

static bool mpi_rank; /* veud-mpi under mpirun: rank 0 leads the build */

static int veud_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"data", required_argument, NULL, 'd'},
        {"socket", required_argument, NULL, 's'},
        {"state", required_argument, NULL, 'S'},
        {"out", required_argument, NULL, 'o'},
        {"check", no_argument, NULL, 'C'},
        {"strict", no_argument, NULL, 'T'},
        {"follow", no_argument, NULL, 'F'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {"verbose", no_argument, NULL, 'v'},
        {"generation", required_argument, NULL, 'g'},
        {"policy", required_argument, NULL, 'P'},
        {"skip-if", required_argument, NULL, 'K'},
        {"as-of", required_argument, NULL, 'A'},
        {"max-entities", required_argument, NULL, 'M'},
        {"mpi", no_argument, NULL, 'm'},
        {"worker", no_argument, NULL, 'w'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *data = NULL, *sock = NULL, *state = NULL, *out = NULL;
    bool check = false, strict = false, follow = false, mpi = false, worker = false;
    const char *skip_if = NULL;
    char **all_args = argv;
    veu_config_src_t src = {0};
    uint64_t generation = 1;
    uint32_t max_entities = 100000;
    const char *mode = "serve";
    veu_config_t cfg;
    char err[1024];
    int c, rc;

    if (argc > 1 && argv[1][0] != '-') {
        mode = argv[1];
        argv++;
        argc--;
    }
    if (!strcmp(mode, "query")) {
        return veu_query_main(argc, argv);
    }
    if (!strcmp(mode, "screen")) {
        return veu_screen_main(argc, argv);
    }
    if (!strcmp(mode, "audit-verify")) {
        return audit_verify(argc - 1, argv + 1);
    }
    if (!strcmp(mode, "diff")) {
        return snapshot_diff(argc - 1, argv + 1);
    }
    while ((c = getopt_long(argc, argv, "c:d:s:S:o:hvV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'd':
            data = optarg;
            break;
        case 's':
            sock = optarg;
            break;
        case 'S':
            state = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'C':
            check = true;
            break;
        case 'F':
            follow = true;
            break;
        case 'T':
            strict = true;
            break;
        case 'v':
            veu_log_level(LOG_DEBUG);
            break;
        case 'g':
            generation = strtoull(optarg, NULL, 10);
            break;
        case 'P':
            if (src.n_policy == VEU_CONFIG_MAX_POLICY_FLAGS) {
                fprintf(stderr, "veud: too many --policy flags\n");
                return EX_USAGE;
            }
            src.policy_kv[src.n_policy++] = optarg;
            break;
        case 'K':
            skip_if = optarg;
            break;
        case 'M':
            max_entities = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 'm':
            mpi = true;
            break;
        case 'w':
            worker = true;
            break;
        case 'A':
            if (!veu_iso_date(optarg, strlen(optarg))) {
                fprintf(stderr, "veud: --as-of '%s' is not a date (YYYY-MM-DD)\n", optarg);
                return EX_USAGE;
            }
            as_of = optarg;
            break;
        case 'V':
            printf("veud %s\n", VEU_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EX_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "veud: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return EX_USAGE;
    }
    if (worker && strcmp(mode, "history")) {
        fprintf(stderr, "veud: --worker is for veud history (the server starts it)\n");
        return EX_USAGE;
    }
    if (mpi && strcmp(mode, "build")) {
        fprintf(stderr, "veud: --mpi is for veud build\n");
        return EX_USAGE;
    }
    if (mpi && !mpi_rank) {
        return exec_mpi(all_args);
    }
    if (mpi_rank && !mpi) {
        fprintf(stderr, "veud-mpi: run it as mpirun -n N veud build --mpi ...\n");
        return EX_USAGE;
    }
    src.path = config;
    src.data = data;
    src.socket = sock;
    src.state = state;
    src.strict = strict;
    src.follow = follow;
    if ((rc = veu_config_compose(&src, &cfg, err, sizeof(err))) < 0) {
        fprintf(stderr, "veud: %s\n", err);
        return rc == -EINVAL ? EX_USAGE : EX_CONFIG;
    }
    if (check) {
        if (!data && !config) {
            fprintf(stderr, "veud: --check needs --data DIR\n");
            return EX_USAGE;
        }
        return run_build(&cfg, NULL, true, 0);
    }
    if (!strcmp(mode, "build")) {
        if (!out) {
            fprintf(stderr, "veud: build needs --out FILE\n");
            return EX_USAGE;
        }
        if (skip_if && unchanged(&cfg, skip_if)) {
            veu_log(LOG_INFO, "build: unchanged: dataset digest and policy are those of the "
                              "snapshot served; nothing to build");
            return VEU_EXIT_UNCHANGED;
        }
        signal(SIGXFSZ, SIG_IGN); /* a file size limit is a write error, not a kill */
        if (mpi) {
            /* Open MPI needs its session directory, shared memory and sockets */
            veu_log(LOG_NOTICE, "build: an MPI build runs without the builder's sandbox");
        } else if (sandbox(out) < 0) {
            return EX_OSERR;
        }
        return run_build(&cfg, out, false, generation);
    }
    if (!strcmp(mode, "serve")) {
        return veu_serve_main(&cfg, &src);
    }
    if (!strcmp(mode, "history")) {
        if (sandbox(NULL) < 0) {
            return EX_OSERR;
        }
        return worker ? run_history_worker(&cfg) : run_history(&cfg, max_entities);
    }
    fprintf(stderr, "veud: unknown mode '%s'\n", mode);
    usage(stderr);
    return EX_USAGE;
}

int main(int argc, char **argv)
{
#ifdef VEU_WITH_MPI
    int provided, rank, rc;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank != 0) {
        rc = veu_mpi_worker(); /* rank 0 parses the arguments and leads */
    } else {
        mpi_rank = true;
        rc = veud_main(argc, argv);
        veu_mpi_release();
    }
    MPI_Finalize();
    return rc;
#else
    return veud_main(argc, argv);
#endif
}
