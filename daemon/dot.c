/* SPDX-License-Identifier: MIT */
/*
 * dot.c: draws an answer's evidence as DOT.  Written directly rather than
 * through igraph's DOT writer: the client has only the answer (ids, names,
 * hops), not a graph, and igraph stays in the builder; DOT is a few lines of
 * text, and writing it here lets us sort everything for byte-stable output.
 *
 * Nodes: every entity the answer mentions, its name, id and country; seeds
 * red with a double border, other defense-controlled entities shaded, the
 * buyer in a bold frame.  Edges: every hop of every evidence path and of the
 * proof, once; stakes as labels, control dashed, supply blue.  The caption
 * gives the buyer, verdict, reasons and generation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dot.h"

struct edge {
    const char *from, *to, *rel, *product;
    double percent;
    int has_percent;
};

struct edges {
    struct edge *e;
    size_t n, cap;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_edge(const void *a, const void *b)
{
    const struct edge *x = a, *y = b;
    int c = strcmp(x->from, y->from);
    if (!c) {
        c = strcmp(x->to, y->to);
    }
    if (!c) {
        c = strcmp(x->rel, y->rel);
    }
    return c;
}

static void add_hop(struct edges *es, json_t *hop)
{
    const char *from = json_string_value(json_object_get(hop, "from"));
    const char *to = json_string_value(json_object_get(hop, "to"));
    const char *rel = json_string_value(json_object_get(hop, "rel"));
    json_t *pct = json_object_get(hop, "percent");

    if (!from || !to || !rel) {
        return;
    }
    for (size_t i = 0; i < es->n; i++) {
        if (!strcmp(es->e[i].from, from) && !strcmp(es->e[i].to, to) &&
            !strcmp(es->e[i].rel, rel)) {
            return;
        }
    }
    if (es->n == es->cap) {
        es->cap = es->cap ? es->cap * 2 : 64;
        es->e = realloc(es->e, es->cap * sizeof(*es->e));
    }
    es->e[es->n++] = (struct edge){from,
                                   to,
                                   rel,
                                   json_string_value(json_object_get(hop, "product")),
                                   json_number_value(pct),
                                   json_is_number(pct)};
}

static void add_paths(struct edges *es, json_t *paths)
{
    size_t i, k;
    json_t *p, *hop;

    json_array_foreach(paths, i, p)
    {
        json_array_foreach(p, k, hop)
        {
            add_hop(es, hop);
        }
    }
}

/* A DOT string: quotes and backslashes escaped, the rest as is (UTF-8). */
static void dot_str(veu_jbuf_t *o, const char *s)
{
    veu_jbuf_raw(o, "\"", 1);
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\') {
            veu_jbuf_raw(o, "\\", 1);
        }
        if (*s == '\n') {
            veu_jbuf_raw(o, "\\n", 2);
            continue;
        }
        veu_jbuf_raw(o, s, 1);
    }
    veu_jbuf_raw(o, "\"", 1);
}

static void node(veu_jbuf_t *o, const char *id, json_t *info, const char *buyer)
{
    const char *name = json_string_value(json_object_get(info, "name"));
    const char *country = json_string_value(json_object_get(info, "country"));
    int seed = json_is_true(json_object_get(info, "seed"));
    int controlled = json_is_true(json_object_get(info, "controlled"));
    char label[1200];

    snprintf(label, sizeof(label), "%s%s\n%s%s%s", seed ? "SEED: " : "", name ? name : id, id,
             country ? "\n" : "", country ? country : "");
    veu_jbuf_lit(o, "  ");
    dot_str(o, id);
    veu_jbuf_lit(o, " [label=");
    dot_str(o, label);
    if (seed) {
        veu_jbuf_lit(o, ", fillcolor=\"#e06666\", fontcolor=white, peripheries=2");
    } else if (controlled) {
        veu_jbuf_lit(o, ", fillcolor=\"#f4cccc\"");
    }
    if (buyer && !strcmp(id, buyer)) {
        veu_jbuf_lit(o, ", penwidth=3");
    }
    veu_jbuf_lit(o, "];\n");
}

int veu_dot_answer(json_t *a, veu_jbuf_t *o)
{
    json_t *res = json_object_get(a, "result");
    json_t *ents = json_object_get(res, "entities");
    json_t *reasons = json_object_get(res, "reasons");
    json_t *paths = json_object_get(res, "paths");
    const char *buyer = json_string_value(json_object_get(json_object_get(res, "entity"), "id"));
    struct edges es = {0};
    char caption[2048];
    size_t i;
    json_t *r;

    if (!json_is_true(json_object_get(a, "ok")) ||
        (!json_is_array(reasons) && !json_is_array(paths))) {
        return -1;
    }
    if (json_is_array(reasons)) {
        size_t off = 0;
        off += (size_t)snprintf(caption, sizeof(caption), "%s: %s (", buyer ? buyer : "?",
                                json_string_value(json_object_get(res, "verdict")));
        json_array_foreach(reasons, i, r)
        {
            add_paths(&es, json_object_get(r, "paths"));
            json_t *proof = json_object_get(r, "proof");
            size_t k;
            json_t *hop;
            json_array_foreach(proof, k, hop)
            {
                add_hop(&es, hop);
            }
            if (off < sizeof(caption)) {
                off += (size_t)snprintf(caption + off, sizeof(caption) - off, "%s%s", i ? ", " : "",
                                        json_string_value(json_object_get(r, "code")));
            }
        }
        if (off < sizeof(caption)) {
            snprintf(caption + off, sizeof(caption) - off, "%s)",
                     json_array_size(reasons) ? "" : "no tie");
        }
    } else {
        add_paths(&es, paths);
        snprintf(caption, sizeof(caption), "paths: %zu", json_array_size(paths));
    }
    size_t left_out = es.n > VEU_DOT_MAX_EDGES ? es.n - VEU_DOT_MAX_EDGES : 0;
    if (es.n) {
        qsort(es.e, es.n, sizeof(*es.e), cmp_edge);
    }
    es.n -= left_out;

    /* the nodes: those the kept edges touch, the buyer, and the named ones when no edge */
    const char **ids = malloc((2 * es.n + json_object_size(ents) + 2) * sizeof(*ids));
    size_t nid = 0;
    if (!left_out) {
        /* every entity the answer names (a paths answer without paths still shows its buyer) */
        const char *k;
        json_t *v;
        json_object_foreach(ents, k, v)
        {
            ids[nid++] = k;
        }
    }
    for (size_t k = 0; k < es.n; k++) {
        ids[nid++] = es.e[k].from;
        ids[nid++] = es.e[k].to;
    }
    if (buyer) {
        ids[nid++] = buyer;
    }
    if (nid) {
        qsort(ids, nid, sizeof(*ids), cmp_str);
    }

    veu_jbuf_lit(o, "digraph veud {\n  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", "
                    "label=");
    char full[2300];
    snprintf(full, sizeof(full), "%s\ngeneration %lld%s", caption,
             (long long)json_integer_value(json_object_get(a, "generation")), "");
    if (left_out) {
        size_t l = strlen(full);
        snprintf(full + l, sizeof(full) - l, "\n%zu edges left out (the drawing keeps %d)",
                 left_out, VEU_DOT_MAX_EDGES);
    }
    dot_str(o, full);
    veu_jbuf_lit(o, "];\n  node [shape=box, style=\"rounded,filled\", fillcolor=white, "
                    "fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for (size_t k = 0; k < nid; k++) {
        if (k && !strcmp(ids[k], ids[k - 1])) {
            continue;
        }
        node(o, ids[k], json_object_get(ents, ids[k]), buyer);
    }
    for (size_t k = 0; k < es.n; k++) {
        const struct edge *e = &es.e[k];
        char label[400];
        veu_jbuf_lit(o, "  ");
        dot_str(o, e->from);
        veu_jbuf_lit(o, " -> ");
        dot_str(o, e->to);
        if (!strcmp(e->rel, "supplies")) {
            snprintf(label, sizeof(label), "supplies%s%s", e->product ? "\n" : "",
                     e->product ? e->product : "");
            veu_jbuf_lit(o, " [color=\"#3c78d8\", fontcolor=\"#3c78d8\", label=");
        } else if (!strcmp(e->rel, "controls")) {
            if (e->has_percent) {
                snprintf(label, sizeof(label), "control, %g%%", e->percent);
            } else {
                snprintf(label, sizeof(label), "control");
            }
            veu_jbuf_lit(o, " [style=dashed, label=");
        } else {
            if (e->has_percent) {
                snprintf(label, sizeof(label), "%g%%", e->percent);
            } else {
                snprintf(label, sizeof(label), "stake of unknown size");
            }
            veu_jbuf_lit(o, " [label=");
        }
        dot_str(o, label);
        veu_jbuf_lit(o, "];\n");
    }
    veu_jbuf_lit(o, "}\n");
    free(ids);
    free(es.e);
    return 0;
}
