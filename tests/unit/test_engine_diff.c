/* SPDX-License-Identifier: MIT */
/*
 * test_engine_diff.c: the engine against a deliberately plain brute-force
 * reading of SPEC section 3 (dense matrices, naive iteration to a fixpoint,
 * a breadth-first search per buyer, transitive closure for group ties) on
 * a few hundred random graphs with random policies.  Every metric, reason
 * and verdict must agree, and every evidence path must be a real chain of
 * edges that starts and ends where the SPEC says.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ties_int.h"
#include "helpers.h"

#define MAXN 32
#define EPS  1e-6

static const char *countries[] = {"US", "RU", "CN", "DE", ""};
static const char *sectors[] = {"automotive", "aerospace", "energy", ""};
static const char *pcts[] = {"",   "5",     "10", "20",    "25", "30", "33.3",
                             "40", "49.99", "50", "50.01", "60", "75", "100"};

struct world {
    int n;
    int country[MAXN], sector[MAXN], defense[MAXN], military[MAXN], veu[MAXN];
    double stake[MAXN][MAXN]; /* summed known percents, capped at 100 */
    int known[MAXN][MAXN], ctrl[MAXN][MAXN], edge[MAXN][MAXN], sup[MAXN][MAXN];
    int unk[MAXN][MAXN]; /* an equity row without a percent */
    int possibly[MAXN];  /* controlled only when unknown stakes are taken as whole */
    double share_hi[MAXN], holding_hi[MAXN];
    veu_policy_t pol;
    /* results */
    int seed[MAXN], controlled[MAXN], hops[MAXN], group[MAXN], reasons[MAXN];
    int control_only[MAXN];
    double cshare[MAXN], share[MAXN], holding[MAXN];
    double up[MAXN], down[MAXN]; /* the strongest chain from a seed, to a seed: its product */
    const char *verdict[MAXN];
};

static unsigned rng = 12345;
static unsigned rnd(unsigned n)
{
    rng = rng * 1103515245u + 12345u;
    return (rng >> 8) % n;
}

static int meets(const veu_policy_t *p, double v)
{
    return p->control_inclusive ? v >= p->control_threshold - EPS : v > p->control_threshold + EPS;
}

static void brute(struct world *w)
{
    int n = w->n;
    for (int v = 0; v < n; v++) {
        const char *c = countries[w->country[v]];
        int target = !*c || strcmp(c, w->pol.home_country) != 0;
        if (*c && target && !w->pol.all_targets) {
            target = 0;
            for (int i = 0; i < w->pol.n_targets; i++) {
                target |= !strcmp(c, w->pol.targets[i]);
            }
        }
        w->seed[v] = (w->defense[v] || w->military[v]) && target;
        w->controlled[v] = w->seed[v];
    }
    for (int changed = 1; changed;) {
        changed = 0;
        for (int v = 0; v < n; v++) {
            if (w->controlled[v]) {
                continue;
            }
            double sum = 0, alone = 0;
            int c = 0;
            for (int u = 0; u < n; u++) {
                if (w->controlled[u] && w->edge[u][v]) {
                    sum += w->stake[u][v];
                    alone = fmax(alone, w->stake[u][v]);
                    c |= w->ctrl[u][v];
                }
            }
            /* regimes: owners' stakes added up or not; bare control counting or not */
            if ((c && w->pol.control_without_ownership) ||
                meets(&w->pol, w->pol.aggregate_owners ? sum : alone)) {
                w->controlled[v] = 1;
                changed = 1;
            }
        }
    }
    for (int v = 0; v < n; v++) {
        double sum = 0;
        for (int u = 0; u < n; u++) {
            if (w->controlled[u] && w->edge[u][v]) {
                sum += w->stake[u][v];
            }
        }
        w->cshare[v] = fmin(100, sum);
    }
    /* the same rule when a stake of unknown size may be whole (unknown_stakes = review) */
    int hi[MAXN];
    for (int v = 0; v < n; v++) {
        hi[v] = w->seed[v];
    }
    for (int changed = w->pol.review_unknown; changed;) {
        changed = 0;
        for (int v = 0; v < n; v++) {
            double sum = 0, alone = 0;
            int c = 0;
            for (int u = 0; u < n && !hi[v]; u++) {
                if (hi[u] && w->edge[u][v]) {
                    double st = w->unk[u][v] ? 100 : w->stake[u][v];
                    sum += st;
                    alone = fmax(alone, st);
                    c |= w->ctrl[u][v];
                }
            }
            if (!hi[v] && ((c && w->pol.control_without_ownership) ||
                           meets(&w->pol, w->pol.aggregate_owners ? sum : alone))) {
                hi[v] = changed = 1;
            }
        }
    }
    for (int v = 0; v < n; v++) {
        w->possibly[v] = w->pol.review_unknown && hi[v] && !w->controlled[v];
    }
    /* the 50 percent rule as if bare control counted: control_without_ownership */
    int cw[MAXN];
    for (int v = 0; v < n; v++) {
        cw[v] = w->seed[v];
    }
    for (int changed = !w->pol.control_without_ownership; changed;) {
        changed = 0;
        for (int v = 0; v < n; v++) {
            double sum = 0, alone = 0;
            int c = 0;
            for (int u = 0; u < n && !cw[v]; u++) {
                if (cw[u] && w->edge[u][v]) {
                    sum += w->stake[u][v];
                    alone = fmax(alone, w->stake[u][v]);
                    c |= w->ctrl[u][v];
                }
            }
            if (!cw[v] && (c || meets(&w->pol, w->pol.aggregate_owners ? sum : alone))) {
                cw[v] = changed = 1;
            }
        }
    }
    for (int v = 0; v < n; v++) {
        w->control_only[v] = cw[v] && !w->controlled[v];
    }
    /* the two share fixpoints, by plain Jacobi iteration from zero */
    double x[MAXN] = {0}, z[MAXN] = {0};
    for (int it = 0; it < 200000; it++) {
        double nx[MAXN], nz[MAXN], d = 0;
        for (int v = 0; v < n; v++) {
            double sx = 0, sz = 0;
            for (int u = 0; u < n; u++) {
                sx += w->stake[u][v] / 100 * x[u];
                sz += w->stake[v][u] / 100 * z[u];
            }
            nx[v] = w->seed[v] ? 1 : fmin(1, sx);
            nz[v] = w->seed[v] ? 1 : fmin(1, sz);
            d = fmax(d, fmax(fabs(nx[v] - x[v]), fabs(nz[v] - z[v])));
        }
        memcpy(x, nx, sizeof(x));
        memcpy(z, nz, sizeof(z));
        if (d < 1e-15) {
            break;
        }
    }
    /* the same at the highest stakes: an unknown stake may be whole (unknown_stakes = review) */
    double xh[MAXN] = {0}, zh[MAXN] = {0};
    for (int it = 0; it < 200000; it++) {
        double nx[MAXN], nz[MAXN], d = 0;
        for (int v = 0; v < n; v++) {
            double sx = 0, sz = 0;
            for (int u = 0; u < n; u++) {
                double in = w->pol.review_unknown && w->unk[u][v] ? 100 : w->stake[u][v];
                double out = w->pol.review_unknown && w->unk[v][u] ? 100 : w->stake[v][u];
                sx += in / 100 * xh[u];
                sz += out / 100 * zh[u];
            }
            nx[v] = w->seed[v] ? 1 : fmin(1, sx);
            nz[v] = w->seed[v] ? 1 : fmin(1, sz);
            d = fmax(d, fmax(fabs(nx[v] - xh[v]), fabs(nz[v] - zh[v])));
        }
        memcpy(xh, nx, sizeof(xh));
        memcpy(zh, nz, sizeof(zh));
        if (d < 1e-15) {
            break;
        }
    }
    for (int v = 0; v < n; v++) {
        w->share_hi[v] = xh[v] * 100;
        w->holding_hi[v] = zh[v] * 100;
    }
    /* supply hops: a BFS from every buyer */
    for (int b = 0; b < n; b++) {
        int dist[MAXN], q[MAXN], h = 0, t = 0;
        for (int v = 0; v < n; v++) {
            dist[v] = -1;
        }
        dist[b] = 0;
        q[t++] = b;
        w->hops[b] = -1;
        while (h < t && w->hops[b] < 0) {
            int u = q[h++];
            for (int v = 0; v < n; v++) {
                if (w->sup[u][v] && dist[v] < 0) {
                    dist[v] = dist[u] + 1;
                    q[t++] = v;
                    if (w->controlled[v] && v != b && w->hops[b] < 0) {
                        w->hops[b] = dist[v];
                    }
                }
            }
        }
    }
    /* group ties: closure over controlling edges, paths of one edge or more */
    int reach[MAXN][MAXN];
    for (int u = 0; u < n; u++) {
        for (int v = 0; v < n; v++) {
            reach[u][v] = w->edge[u][v] &&
                          (w->ctrl[u][v] || (w->known[u][v] && meets(&w->pol, w->stake[u][v])));
        }
    }
    for (int k = 0; k < n; k++) {
        for (int u = 0; u < n; u++) {
            for (int v = 0; v < n; v++) {
                reach[u][v] |= reach[u][k] && reach[k][v];
            }
        }
    }
    for (int b = 0; b < n; b++) {
        w->group[b] = 0;
        for (int c = 0; c < n; c++) {
            if (w->seed[c] || c == b || !reach[c][b]) {
                continue;
            }
            for (int s = 0; s < n; s++) {
                if (w->seed[s] && s != b && reach[c][s]) {
                    w->group[b] = 1;
                }
            }
        }
    }
    /* strongest chains: products of known stakes, relaxed until none grows */
    for (int v = 0; v < n; v++) {
        w->up[v] = w->down[v] = w->seed[v] ? 1.0 : 0.0;
    }
    for (int round = 0; round < n; round++) {
        for (int u = 0; u < n; u++) {
            for (int v = 0; v < n; v++) {
                if (w->edge[u][v] && w->known[u][v] && w->stake[u][v] > 0) {
                    w->up[v] = fmax(w->up[v], w->up[u] * w->stake[u][v] / 100);
                    w->down[u] = fmax(w->down[u], w->down[v] * w->stake[u][v] / 100);
                }
            }
        }
    }
    for (int v = 0; v < n; v++) {
        int r = 0;
        w->share[v] = x[v] * 100;
        w->holding[v] = z[v] * 100;
        r |= w->seed[v] ? 1 : 0;
        r |= !w->seed[v] && w->controlled[v] ? 2 : 0;
        r |= !w->controlled[v] && w->share[v] >= w->pol.minority_threshold - EPS ? 4 : 0;
        r |= !w->seed[v] && w->holding[v] >= w->pol.minority_threshold - EPS ? 8 : 0;
        r |= w->hops[v] >= 0 && w->hops[v] <= w->pol.supply_depth ? 16 : 0;
        r |= w->group[v] ? 32 : 0;
        r |= veu_policy_is_dual_use(&w->pol, sectors[w->sector[v]]) ? 64 : 0;
        r |= w->veu[v] ? 128 : 0;
        r |= w->possibly[v] ? 256 : 0;
        r |= w->control_only[v] ? 512 : 0;
        r |= (w->defense[v] || w->military[v]) && !w->seed[v] ? 1024 : 0;
        w->reasons[v] = r;
        w->verdict[v] = r & 3                   ? "deny"
                        : r & (124 | 256 | 512) ? "review"
                        : r & 128               ? "fast_track"
                                                : "standard";
    }
}

static char *generate(struct world *w)
{
    static char ent[1 << 14], des[1 << 14], own[1 << 16], sup[1 << 15];
    size_t e = 0, d = 0, o = 0, s = 0;
    int n = w->n = 2 + (int)rnd(MAXN - 2);

    memset(w->stake, 0, sizeof(w->stake));
    memset(w->known, 0, sizeof(w->known));
    memset(w->unk, 0, sizeof(w->unk));
    memset(w->ctrl, 0, sizeof(w->ctrl));
    memset(w->edge, 0, sizeof(w->edge));
    memset(w->sup, 0, sizeof(w->sup));
    e += (size_t)sprintf(ent + e, "sector,id,country,name\n"); /* columns in any order */
    d += (size_t)sprintf(des + d, "entity_id,designation,source\n");
    o += (size_t)sprintf(own + o, "owner_id,owned_id,percent,kind\n");
    s += (size_t)sprintf(sup + s, "supplier_id,customer_id\n");
    for (int v = 0; v < n; v++) {
        w->country[v] = (int)rnd(5);
        w->sector[v] = (int)rnd(4);
        w->defense[v] = rnd(100) < 15;
        w->military[v] = rnd(100) < 5;
        w->veu[v] = rnd(100) < 10;
        e += (size_t)sprintf(ent + e, "%s,E%d,%s,Entity %d\n", sectors[w->sector[v]], v,
                             countries[w->country[v]], v);
        if (w->defense[v]) {
            d += (size_t)sprintf(des + d, "E%d,defense,SIPRI\n", v);
        }
        if (w->military[v]) {
            d += (size_t)sprintf(des + d, "E%d,military,DoD\n", v);
        }
        if (w->veu[v]) {
            d += (size_t)sprintf(des + d, "E%d,validated_end_user,VEU\n", v);
        }
    }
    int m = (int)rnd((unsigned)(3 * n));
    for (int i = 0; i < m; i++) {
        int u = (int)rnd((unsigned)n), v = (int)rnd((unsigned)n);
        if (u == v) {
            continue;
        }
        const char *p = rnd(4) ? pcts[rnd(14)] : NULL;
        char buf[32];
        if (!p) {
            snprintf(buf, sizeof(buf), "%.2f", 0.01 + rnd(10000) / 100.0);
            p = buf;
        }
        int control = rnd(5) == 0;
        if (!control && !*p) {
            p = rnd(2) ? p : "30";
        }
        o += (size_t)sprintf(own + o, "E%d,E%d,%s,%s\n", u, v, p, control ? "control" : "equity");
        w->edge[u][v] = 1;
        w->ctrl[u][v] |= control;
        if (*p) {
            w->known[u][v] = 1;
            w->stake[u][v] = fmin(100, w->stake[u][v] + atof(p));
        } else if (!control) {
            w->unk[u][v] = 1;
        }
    }
    int ms = (int)rnd((unsigned)(2 * n));
    for (int i = 0; i < ms; i++) {
        int u = (int)rnd((unsigned)n), v = (int)rnd((unsigned)n);
        if (u != v) {
            s += (size_t)sprintf(sup + s, "E%d,E%d\n", u, v);
            w->sup[u][v] = 1;
        }
    }
    veu_policy_init(&w->pol);
    static const double thr[] = {50, 25, 50.01, 10};
    static const double mino[] = {5, 10, 20};
    w->pol.control_threshold = thr[rnd(4)];
    w->pol.control_inclusive = rnd(2);
    w->pol.aggregate_owners = rnd(4) != 0;
    w->pol.control_without_ownership = rnd(4) != 0;
    w->pol.review_unknown = rnd(2);
    w->pol.minority_threshold = mino[rnd(3)];
    w->pol.supply_depth = (int)rnd(4);
    strcpy(w->pol.home_country, rnd(2) ? "CN" : "US");
    if (rnd(3) == 0) {
        w->pol.all_targets = false;
        w->pol.n_targets = 2;
        strcpy(w->pol.targets[0], "RU");
        strcpy(w->pol.targets[1], rnd(2) ? "US" : "DE");
    }
    char *dir = th_tmpdir();
    th_write(dir, "entities.csv", ent);
    th_write(dir, "designations.csv", des);
    th_write(dir, "ownership.csv", own);
    th_write(dir, "supply.csv", sup);
    return dir;
}

static int idx_of(json_t *hop, const char *k)
{
    return atoi(json_string_value(json_object_get(hop, k)) + 1);
}

/*
 * Checks that a path is contiguous and made of real edges; returns its
 * length, and in *product (if not NULL) the product of its stakes.
 */
static int check_chain(const struct world *w, json_t *path, int supply, int *ret_from, int *ret_to,
                       double *product)
{
    size_t i;
    json_t *hop;
    int prev = -1;

    ck_assert(json_is_array(path));
    json_array_foreach(path, i, hop)
    {
        int a = idx_of(hop, "from"), b = idx_of(hop, "to");
        const char *rel = json_string_value(json_object_get(hop, "rel"));
        if (supply) {
            ck_assert_str_eq(rel, "supplies");
            ck_assert(w->sup[a][b]);
        } else {
            ck_assert(w->edge[a][b]);
            ck_assert_str_eq(rel, w->ctrl[a][b] ? "controls" : "owns");
            json_t *p = json_object_get(hop, "percent");
            if (product) {
                *product *= w->known[a][b] ? w->stake[a][b] / 100 : 0;
            }
            if (w->known[a][b]) {
                ck_assert_double_eq_tol(json_number_value(p), w->stake[a][b], 1e-9);
            } else {
                ck_assert_ptr_null(p);
            }
        }
        if (prev >= 0) {
            ck_assert_int_eq(prev, a);
        } else {
            *ret_from = a;
        }
        prev = b;
        *ret_to = b;
    }
    return (int)json_array_size(path);
}

static int check_path(const struct world *w, json_t *path, int supply, int *ret_from, int *ret_to)
{
    return check_chain(w, path, supply, ret_from, ret_to, NULL);
}

static void check_evidence(const struct world *w, int b, json_t *risk)
{
    size_t i;
    json_t *r, *path;
    int from, to;

    json_array_foreach(json_object_get(risk, "reasons"), i, r)
    {
        const char *code = json_string_value(json_object_get(r, "code"));
        json_t *paths = json_object_get(r, "paths");
        ck_assert(json_is_string(json_object_get(r, "detail")));
        ck_assert_uint_le(json_array_size(paths), 5);
        size_t k;
        if (!strcmp(code, "defense_controlled")) {
            ck_assert_uint_ge(json_array_size(paths), 1);
            json_array_foreach(paths, k, path)
            {
                check_path(w, path, 0, &from, &to);
                ck_assert(w->seed[from]);
                ck_assert_int_eq(to, b);
            }
            /* the proof holds every counted stake into the buyer */
            double sum = 0;
            json_t *hop;
            json_array_foreach(json_object_get(r, "proof"), k, hop)
            {
                int a = idx_of(hop, "from"), c = idx_of(hop, "to");
                ck_assert(w->controlled[a] && w->controlled[c] && w->edge[a][c]);
                if (c == b && w->known[a][c]) {
                    sum += w->stake[a][c];
                }
            }
            if (json_is_false(json_object_get(r, "proof_truncated"))) {
                ck_assert_double_eq_tol(fmin(100, sum), w->cshare[b], 1e-6);
            }
        } else if (!strcmp(code, "defense_minority_stake") || !strcmp(code, "defense_holding")) {
            int up = code[8] == 'm';
            ck_assert_uint_ge(json_array_size(paths), 1);
            json_array_foreach(paths, k, path)
            {
                double product = 1;
                check_chain(w, path, 0, &from, &to, &product);
                ck_assert(up ? w->seed[from] && to == b : from == b && w->seed[to]);
                /* the first path is a strongest chain (equal to 1e-9: HOP_COST breaks ties) */
                double best = up ? w->up[b] : w->down[b];
                ck_assert_msg(k > 0 || fabs(product - best) <= 1e-9 * best,
                              "%s of E%d: first path's product %.12g, strongest %.12g", code, b,
                              product, best);
            }
        } else if (!strcmp(code, "supply_tie")) {
            ck_assert_uint_ge(json_array_size(paths), 1);
            json_array_foreach(paths, k, path)
            {
                int len = check_path(w, path, 1, &from, &to);
                ck_assert_int_eq(from, b);
                ck_assert(w->controlled[to] && to != b);
                ck_assert_int_eq(len, w->hops[b]);
            }
        } else if (!strcmp(code, "group_tie")) {
            int c1, c2, s;
            ck_assert_uint_eq(json_array_size(paths), 2);
            check_path(w, json_array_get(paths, 0), 0, &c1, &to);
            ck_assert_int_eq(to, b);
            check_path(w, json_array_get(paths, 1), 0, &c2, &s);
            ck_assert_int_eq(c1, c2);
            ck_assert(!w->seed[c1] && c1 != b && w->seed[s] && s != b);
        } else if (!strcmp(code, "control_without_ownership")) {
            /* one chain to the buyer from a defense-controlled entity, over real edges */
            ck_assert_uint_eq(json_array_size(paths), 1);
            check_path(w, json_array_get(paths, 0), 0, &from, &to);
            ck_assert(w->controlled[from]);
            ck_assert_int_eq(to, b);
        } else if (!strcmp(code, "possibly_defense_controlled")) {
            /* one chain from a seed to the buyer, over real edges */
            ck_assert_uint_eq(json_array_size(paths), 1);
            check_path(w, json_array_get(paths, 0), 0, &from, &to);
            ck_assert(w->seed[from]);
            ck_assert_int_eq(to, b);
        } else {
            ck_assert_uint_eq(json_array_size(paths), 0);
        }
    }
}

static const char *const codes[] = {"is_seed",
                                    "defense_controlled",
                                    "defense_minority_stake",
                                    "defense_holding",
                                    "supply_tie",
                                    "group_tie",
                                    "dual_use_sector",
                                    "validated_end_user",
                                    "possibly_defense_controlled",
                                    "control_without_ownership",
                                    "designated_not_seed"};

START_TEST(engine_matches_brute_force)
{
    static struct world w;
    th_built_t b;
    int graphs = 300;
    char id[16];

    rng = 4242u + (unsigned)_i;
    /* the second run sweeps every cycle in packed arrays, as large ones are */
    veu_ties_local_min = _i ? 2 : 4096;
    for (int g = 0; g < graphs; g++) {
        char *dir = generate(&w);
        brute(&w);
        th_build(dir, &w.pol, &b);
        ck_assert_msg(b.rc == 0, "graph %d: %s", g, b.err.message);
        for (int v = 0; v < w.n; v++) {
            snprintf(id, sizeof(id), "E%d", v);
            json_t *r = th_risk(&b, id);
            ck_assert_msg(!strcmp(th_verdict(r), w.verdict[v]), "graph %d %s: verdict %s, brute %s",
                          g, id, th_verdict(r), w.verdict[v]);
            for (int k = 0; k < 11; k++) {
                ck_assert_msg(th_has_reason(r, codes[k]) == !!(w.reasons[v] & (1 << k)),
                              "graph %d %s: reason %s differs (dir %s)", g, id, codes[k], dir);
            }
            ck_assert_double_eq_tol(th_metric(r, "controlled_share"), w.cshare[v], 1e-6);
            ck_assert_double_eq_tol(th_metric(r, "defense_share"), w.share[v], 1e-6);
            ck_assert_double_eq_tol(th_metric(r, "defense_holding"), w.holding[v], 1e-6);
            /* the highest-stakes metrics: given where they differ, and then right */
            json_t *mx = json_object_get(json_object_get(r, "metrics"), "defense_share_max");
            double got = mx ? json_number_value(mx) : w.share[v];
            ck_assert_msg(fabs(got - w.share_hi[v]) < 1e-6,
                          "graph %d %s: share max %.9f, brute %.9f", g, id, got, w.share_hi[v]);
            mx = json_object_get(json_object_get(r, "metrics"), "defense_holding_max");
            got = mx ? json_number_value(mx) : w.holding[v];
            ck_assert_msg(fabs(got - w.holding_hi[v]) < 1e-6,
                          "graph %d %s: holding max %.9f, brute %.9f", g, id, got, w.holding_hi[v]);
            ck_assert_int_eq((int)th_metric(r, "supply_hops"), w.hops[v]);
            ck_assert_int_eq((int)th_metric(r, "group_tie"), w.group[v]);
            ck_assert_int_eq((int)th_metric(r, "defense_controlled"), w.controlled[v]);
            check_evidence(&w, v, r);
            json_decref(r);
        }
        th_built_free(&b);
        th_rmdir(dir);
    }
}
END_TEST

/*
 * The stake graph's strongly connected components, in the order the share
 * fixpoints take them, against reachability: two vertices share a component
 * exactly when each reaches the other, and every stake runs from a
 * component to itself or to one after it.  The graphs have a dense cyclic
 * core (the component the builder finds first, by two searches), smaller
 * cycles beside and chains through it (peeled, then igraph's), and edges
 * without a known stake, which join nothing.
 */
static void random_stake_graph(veu_graph_t *g, veu_oedge_t *own, uint32_t *out, uint32_t *in,
                               uint32_t *in_e, int n)
{
    int m = 0;

    memset(g, 0, sizeof(*g));
    for (int u = 0; u < n; u++) {
        out[u] = (uint32_t)m;
        for (int v = 0; v < n; v++) {
            int core = u < n / 3 && v < n / 3, odds = core ? 5 : 25 + (v < u) * 40;
            if (u != v && rnd((unsigned)odds) == 0) {
                own[m] = (veu_oedge_t){.from = (uint32_t)u,
                                       .to = (uint32_t)v,
                                       .pct = 10.0,
                                       .flags = rnd(8) ? VEU_OE_KNOWN : 0};
                m++;
            }
        }
    }
    out[n] = (uint32_t)m;
    int k = 0;
    for (int v = 0; v < n; v++) {
        in[v] = (uint32_t)k;
        for (int e = 0; e < m; e++) {
            if ((int)own[e].to == v) {
                in_e[k++] = (uint32_t)e;
            }
        }
    }
    in[n] = (uint32_t)k;
    g->n = (uint32_t)n;
    g->n_own = (uint32_t)m;
    g->own = own;
    g->own_out = out;
    g->own_in = in;
    g->own_in_e = in_e;
}

START_TEST(components_match_reachability)
{
    enum { N = 60 };
    static veu_oedge_t own[N * N];
    static uint32_t out[N + 1], in[N + 1], in_e[N * N], comp[N];
    static bool reach[N][N];
    veu_graph_t g;

    rng = 99u;
    for (int round = 0; round < 400; round++) {
        int n = 2 + (int)rnd(N - 1);
        random_stake_graph(&g, own, out, in, in_e, n);
        memset(reach, 0, sizeof(reach));
        for (int v = 0; v < n; v++) {
            reach[v][v] = true;
        }
        for (uint32_t e = 0; e < g.n_own; e++) {
            reach[own[e].from][own[e].to] |= veu_has_stake(&own[e]);
        }
        for (int k = 0; k < n; k++) { /* Warshall */
            for (int i = 0; i < n; i++) {
                for (int j = 0; reach[i][k] && j < n; j++) {
                    reach[i][j] |= reach[k][j];
                }
            }
        }
        uint32_t *order, *start, nc;
        ck_assert_int_eq(veu_ties_components(&g, &order, &start, &nc), 0);
        ck_assert_uint_eq(start[nc], (uint32_t)n);
        for (uint32_t c = 0; c < nc; c++) {
            ck_assert_uint_lt(start[c], start[c + 1]);
            for (uint32_t i = start[c]; i < start[c + 1]; i++) {
                comp[order[i]] = c;
            }
        }
        for (int u = 0; u < n; u++) {
            for (int v = 0; v < n; v++) {
                ck_assert_msg((comp[u] == comp[v]) == (reach[u][v] && reach[v][u]),
                              "round %d: %d and %d in components %u and %u", round, u, v, comp[u],
                              comp[v]);
            }
        }
        for (uint32_t e = 0; e < g.n_own; e++) {
            ck_assert_msg(!veu_has_stake(&own[e]) || comp[own[e].from] <= comp[own[e].to],
                          "round %d: stake %u -> %u runs backwards", round, own[e].from, own[e].to);
        }
        free(order);
        free(start);
    }
}
END_TEST

/*
 * VEU_WORLDS=DIR [VEU_WORLDS_N=n]: writes n random worlds (default 24), each
 * a data directory DIR/wNNN with its policy in DIR/wNNN.conf, for the MPI
 * build's differential test (tests/integration/mpi.sh), and checks nothing.
 */
START_TEST(dump_worlds)
{
    const char *out = getenv("VEU_WORLDS");
    static struct world w;
    char path[4096], args[VEU_POLICY_ARGS][VEU_POLICY_ARG_SIZE];
    int n = getenv("VEU_WORLDS_N") ? atoi(getenv("VEU_WORLDS_N")) : 24;

    rng = 777u;
    for (int g = 0; g < n; g++) {
        char *dir = generate(&w);
        snprintf(path, sizeof(path), "mv %s %s/w%03d", dir, out, g);
        ck_assert_int_eq(system(path), 0);
        free(dir);
        snprintf(path, sizeof(path), "%s/w%03d.conf", out, g);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "[policy]\n");
        int k = veu_policy_args(&w.pol, args);
        for (int i = 0; i < k; i++) {
            char *eq = strchr(args[i], '=');
            if (eq && eq[1]) {
                fprintf(f, "%.*s = %s\n", (int)(eq - args[i]), args[i], eq + 1);
            }
        }
        fclose(f);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("engine_diff");
    if (getenv("VEU_WORLDS")) {
        TCase *d = tcase_create("dump");
        tcase_add_test(d, dump_worlds);
        suite_add_tcase(s, d);
        return th_run(s);
    }
    TCase *t = tcase_create("random");
    tcase_set_timeout(t, 300);
    tcase_add_loop_test(t, engine_matches_brute_force, 0, 2);
    tcase_add_test(t, components_match_reachability);
    suite_add_tcase(s, t);
    return th_run(s);
}
