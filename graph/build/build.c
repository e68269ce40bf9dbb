/* SPDX-License-Identifier: MIT */
/*
 * build.c: the builder's pipeline, stage by stage: load and validate the
 * dataset, add rows up into graphs, compute the ties, write the snapshot.
 * Each stage reports its progress and duration through the caller's
 * callback; nothing here logs or exits.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/graph.h"
#include "engine/history_index.h"
#include "names/nameindex.h"
#include "snapshot/snapshot_write.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void progress(const veu_build_opts_t *o, const char *stage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void progress(const veu_build_opts_t *o, const char *stage, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (!o->progress) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    o->progress(o->progress_ctx, stage, msg);
}

static void count(veu_counts_t *c, const veu_dataset_t *ds, const veu_graph_t *g,
                  const veu_ties_t *t)
{
    c->entities = ds->n;
    c->ownership_rows = ds->n_own;
    c->supply_rows = ds->n_sup;
    c->designations = ds->designations;
    c->ownership_edges = g ? g->n_own : 0;
    c->supply_edges = g ? g->n_sup : 0;
    if (!t) {
        return;
    }
    for (uint32_t v = 0; v < ds->n; v++) {
        c->seeds += t->seed[v];
        c->controlled += t->controlled[v];
        c->designated_not_seed += !!(t->reasons[v] & VEU_R_DESIGNATED);
        c->control_only += !!(t->reasons[v] & VEU_R_CONTROL_ONLY);
        switch (t->verdict[v]) {
        case VEU_V_DENY:
            c->deny++;
            break;
        case VEU_V_REVIEW:
            c->review++;
            break;
        case VEU_V_FAST_TRACK:
            c->fast_track++;
            break;
        default:
            c->standard++;
            break;
        }
    }
}

/*
 * What the snapshot's writer waits for: each stage's results, ready or
 * failed.  The writer runs on a thread of its own from the moment the graph
 * is made, writing what is ready while the rest is computed (the copy into
 * the page cache was a core's work while the other waited).
 */
struct stages {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool ready[VEU_SNAPW_STAGES];
    int failed; /* a negative error: the writer gives up */
};

static void stage_done(struct stages *st, int stage, int rc)
{
    pthread_mutex_lock(&st->mu);
    if (rc < 0) {
        st->failed = st->failed ? st->failed : rc;
    } else {
        st->ready[stage] = true;
    }
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

static int stage_wait(void *ctx, int stage)
{
    struct stages *st = ctx;
    int rc;

    pthread_mutex_lock(&st->mu);
    while (!st->ready[stage] && !st->failed) {
        pthread_cond_wait(&st->cv, &st->mu);
    }
    rc = st->ready[stage] ? 0 : -ECANCELED;
    pthread_mutex_unlock(&st->mu);
    return rc;
}

/*
 * The name index reads only the dataset, as the ties do: it is made on the
 * second core while the first computes the ties (igraph stays on the first
 * core).  The history's order reads only the dataset too: it is two
 * parts, each taken by whichever core is free first (which one ends first
 * moves with the data).
 */
struct side {
    const veu_dataset_t *ds;
    bool no_names;
    veu_nameindex_t ix;
    veu_history_ix_t hx;
    int names_rc;
    int64_t names_ms;
    atomic_int hist_next; /* the next part of the history's order to take */
    atomic_int hist_left; /* its parts not yet done: VEU_HIST_PARTS at first */
    atomic_int hist_rc;   /* 0, or the first error of a part */
    int64_t hist_ms[VEU_HIST_PARTS];
    const char *hist_by[VEU_HIST_PARTS]; /* which core took each, for the log */
    struct stages *st;                   /* told when each is done; NULL when nothing is written */
    pthread_t th;
};

/*
 * Takes parts of the history's order until none is left; whichever core
 * finishes the last part tells the writer.  The caller joins or waits for
 * the other core after.
 */
static void order_history(struct side *sd, const char *by)
{
    int part;

    while ((part = atomic_fetch_add(&sd->hist_next, 1)) < VEU_HIST_PARTS) {
        int64_t t1 = now_ms();
        int rc = sd->ds->hist ? veu_history_index_part(&sd->hx, sd->ds, part) : 0, none = 0;
        sd->hist_ms[part] = now_ms() - t1;
        sd->hist_by[part] = by;
        if (rc < 0) {
            atomic_compare_exchange_strong(&sd->hist_rc, &none, rc);
        }
        if (atomic_fetch_sub(&sd->hist_left, 1) == 1 && sd->st) {
            stage_done(sd->st, VEU_SNAPW_HISTORY, atomic_load(&sd->hist_rc));
        }
    }
}

static void *side_main(void *arg)
{
    struct side *sd = arg;
    int64_t t1 = now_ms();
    sd->names_rc = sd->no_names ? veu_nameindex_empty(&sd->ix, sd->ds->n)
                                : veu_nameindex_build(&sd->ix, sd->ds);
    sd->names_ms = now_ms() - t1;
    if (sd->st) {
        stage_done(sd->st, VEU_SNAPW_NAMES, sd->names_rc);
    }
    if (sd->names_rc == 0) {
        order_history(sd, "beside the ties");
    }
    return NULL;
}

/* The snapshot's writer, on its own thread: to a path or into a descriptor. */
struct writer {
    const char *path;
    int fd;
    veu_snapshot_src_t src;
    veu_diag_t err;
    int rc;
    int64_t done_ms; /* when it was written */
    pthread_t th;
};

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    w->rc = w->fd >= 0 ? veu_snapshot_write_fd(w->fd, &w->src, &w->err)
                       : veu_snapshot_write(w->path, &w->src, &w->err);
    w->done_ms = now_ms();
    return NULL;
}

/* The stages after loading: graph, ties, names, snapshot (to out_path, or to out_fd). */
static int build_dataset(const veu_dataset_t *ds, const veu_build_opts_t *o, int out_fd,
                         const char *data_dir, veu_report_t *rep, veu_counts_t *counts,
                         veu_diag_t *err, int64_t t0)
{
    veu_graph_t g;
    veu_ties_t t;
    int64_t t1 = now_ms();
    int rc;
    bool writing = o->out_path || out_fd >= 0, side = false, writer = false;
    struct stages st = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    struct side sd = {
        .ds = ds, .no_names = o->no_names, .hist_left = VEU_HIST_PARTS, .st = writing ? &st : NULL};
    struct writer w = {.path = o->out_path, .fd = out_fd};

    if (writing) {
        /* the names read only the dataset: they start before the graph is added up */
        side = pthread_create(&sd.th, NULL, side_main, &sd) == 0;
    }
    veu_igraph_setup();
    rc = veu_graph_init(&g, ds);
    if (rc < 0) {
        snprintf(err->message, sizeof(err->message), "cannot build the graph: %s",
                 veu_strerror(rc));
        if (side) {
            pthread_join(sd.th, NULL);
            if (sd.names_rc == 0) {
                veu_nameindex_destroy(&sd.ix);
            }
            veu_history_ix_destroy(&sd.hx);
        }
        return rc;
    }
    progress(o, "graph", "%u ownership edges, %u supply edges (%lld ms)", g.n_own, g.n_sup,
             (long long)(now_ms() - t1));
    veu_policy_t eff; /* the policy in force on the day the dated rows were read for */
    veu_policy_on(&o->policy, ds->as_of, &eff);
    if (writing) {
        /* what the writer reads of the ties, the names and the history is there once it is told */
        w.src = (veu_snapshot_src_t){
            .ds = ds,
            .g = &g,
            .t = &t,
            .names = &sd.ix,
            .policy = &o->policy,
            .effective = &eff,
            .rep = rep,
            .counts = counts,
            .data_dir = data_dir,
            .hist = ds->hist ? &sd.hx : NULL,
            .generation = o->generation,
            .wait = stage_wait,
            .wait_ctx = &st,
        };
        writer = pthread_create(&w.th, NULL, writer_main, &w) == 0;
        if (!side) {
            side_main(&sd); /* no second thread: the same work, in turn */
        }
    }
    t1 = now_ms();
    if (eff.suspended) {
        progress(o, "ties",
                 "the 50 percent rule is suspended on %s (%s..%s): only designated "
                 "entities themselves are defense-controlled",
                 ds->as_of, eff.suspended_from, eff.suspended_until);
    }
    rc = o->ties ? o->ties(o->ties_ctx, &t, &g, ds, &eff, err)
                 : veu_ties_compute(&t, &g, ds, &eff, err);
    int64_t ties_end = now_ms(), ties_ms = ties_end - t1;
    if (rc == 0) {
        count(counts, ds, &g, &t);
        w.src.build_ms = ties_end - t0;
    }
    if (writing) {
        stage_done(&st, VEU_SNAPW_TIES, rc);
        if (rc == 0) {
            order_history(&sd, "after the ties");
        }
    }
    if (side) {
        pthread_join(sd.th, NULL);
    }
    if (writer) {
        pthread_join(w.th, NULL); /* told to give up if anything failed */
    } else if (writing && rc == 0 && sd.names_rc == 0 && atomic_load(&sd.hist_rc) == 0) {
        writer_main(&w); /* no thread for it: everything is ready */
    }
    if (rc < 0) {
        if (!err->message[0]) {
            snprintf(err->message, sizeof(err->message), "cannot compute ties: %s",
                     veu_strerror(rc));
        }
        if (writing) {
            if (sd.names_rc == 0) {
                veu_nameindex_destroy(&sd.ix);
            }
            veu_history_ix_destroy(&sd.hx);
        }
        goto out_graph;
    }
    char cyc[96] = "";
    if (t.largest_cycle > 1) {
        snprintf(cyc, sizeof(cyc), ", %u in the largest cycle (%u entities)", t.largest_sweeps,
                 t.largest_cycle);
    }
    progress(o, "ties",
             "%llu seeds, %llu defense-controlled; deny %llu, review %llu, fast_track %llu, "
             "standard %llu; %u fixpoint sweeps%s (%lld ms)",
             (unsigned long long)counts->seeds, (unsigned long long)counts->controlled,
             (unsigned long long)counts->deny, (unsigned long long)counts->review,
             (unsigned long long)counts->fast_track, (unsigned long long)counts->standard,
             t.iterations, cyc, (long long)ties_ms);
    if (writing) {
        veu_nameindex_t *ix = &sd.ix;
        if (sd.names_rc < 0) {
            rc = sd.names_rc;
            snprintf(err->message, sizeof(err->message), "cannot index the names: %s",
                     veu_strerror(rc));
            veu_history_ix_destroy(&sd.hx);
            goto out_ties;
        }
        size_t bytes = ix->wstr.len + (ix->wmap.mask + 1) * sizeof(veu_idslot_t) +
                       (size_t)ix->n_words * sizeof(*ix->words) + ix->n_post * 4 + ix->n_keys * 4 +
                       (size_t)ix->n_grams * sizeof(*ix->grams) + ix->n_gramw * 4;
        progress(
            o, "names", "%u words, %zu postings, %u trigrams, %.1f MiB (%lld ms, beside the ties)",
            ix->n_words, ix->n_post, ix->n_grams, (double)bytes / 1048576, (long long)sd.names_ms);
        rc = atomic_load(&sd.hist_rc);
        if (rc < 0) {
            snprintf(err->message, sizeof(err->message), "cannot order the history: %s",
                     veu_strerror(rc));
        } else if ((rc = w.rc) < 0) {
            *err = w.err;
        }
        veu_history_ix_destroy(&sd.hx);
        if (rc == 0 && o->out_path) {
            progress(o, "write",
                     "snapshot %s written %lld ms after the ties, its first sections beside "
                     "them (the history's ownership rows ordered in %lld ms %s, its supply "
                     "rows and designations in %lld ms %s)",
                     o->out_path, (long long)(w.done_ms - ties_end),
                     (long long)sd.hist_ms[VEU_HIST_OWN], sd.hist_by[VEU_HIST_OWN],
                     (long long)sd.hist_ms[VEU_HIST_SUP_DES], sd.hist_by[VEU_HIST_SUP_DES]);
        }
        veu_nameindex_destroy(ix);
    }
out_ties:
    veu_ties_destroy(&t);
out_graph:
    veu_graph_destroy(&g);
    return rc;
}

int veu_build(const veu_build_opts_t *o, veu_report_t *rep, veu_counts_t *counts,
              char ret_digest[33], veu_diag_t *err)
{
    veu_dataset_t ds;
    char absdir[PATH_MAX];
    int64_t t0 = now_ms();
    int rc;

    memset(counts, 0, sizeof(*counts));
    memset(err, 0, sizeof(*err));
    if (!realpath(o->data_dir, absdir)) {
        rc = -errno;
        snprintf(err->file, sizeof(err->file), "%s", o->data_dir);
        snprintf(err->message, sizeof(err->message), "cannot open the data directory: %s",
                 strerror(errno));
        return rc;
    }
    progress(o, "load", "reading %s", absdir);
    rc = veu_dataset_load(&ds, absdir, &o->policy, o->as_of, rep, err);
    if (rc < 0) {
        counts->entities = ds.n;
        veu_dataset_destroy(&ds);
        return rc;
    }
    if (ret_digest) {
        memcpy(ret_digest, ds.digest, 33);
    }
    progress(o, "load",
             "%u entities, %zu ownership rows, %zu supply rows, %llu designations; %llu rows "
             "skipped, %llu warnings (%lld ms)",
             ds.n, ds.n_own, ds.n_sup, (unsigned long long)ds.designations,
             (unsigned long long)rep->skipped, (unsigned long long)rep->warnings,
             (long long)(now_ms() - t0));
    rc = build_dataset(&ds, o, -1, absdir, rep, counts, err, t0);
    if (rc < 0 && counts->entities == 0) {
        count(counts, &ds, NULL, NULL);
    }
    veu_dataset_destroy(&ds);
    return rc;
}

int veu_build_dataset(const veu_dataset_t *ds, const veu_build_opts_t *o, int out_fd,
                      const char *data_dir, veu_report_t *rep, veu_counts_t *counts,
                      veu_diag_t *err)
{
    memset(counts, 0, sizeof(*counts));
    return build_dataset(ds, o, out_fd, data_dir, rep, counts, err, now_ms());
}
