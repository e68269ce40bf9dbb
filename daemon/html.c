/* SPDX-License-Identifier: MIT */
/*
 * html.c: a decision report a reviewer files (SPEC section 9): one
 * self-contained HTML page for a risk answer, with the verdict, every
 * reason in sentences and its paths in words, the evidence picture inline
 * as SVG, the entities with names and countries, and the generation,
 * digests, policy and day the answer stands on.  No script, no external
 * style, font or image: the page reads the same on screen, printed, and in
 * ten years.
 */
#include <string.h>

#include "html.h"
#include "words.h"

static void esc(veu_jbuf_t *o, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        switch (*p) {
        case '&':
            veu_jbuf_lit(o, "&amp;");
            break;
        case '<':
            veu_jbuf_lit(o, "&lt;");
            break;
        case '>':
            veu_jbuf_lit(o, "&gt;");
            break;
        case '"':
            veu_jbuf_lit(o, "&quot;");
            break;
        default:
            veu_jbuf_raw(o, p, 1);
        }
    }
}

static void row(veu_jbuf_t *o, const char *key, const char *value)
{
    veu_jbuf_lit(o, "<tr><th>");
    esc(o, key);
    veu_jbuf_lit(o, "</th><td>");
    esc(o, value);
    veu_jbuf_lit(o, "</td></tr>\n");
}

/* A policy value as text: strings as they are, numbers, booleans and lists written out. */
static void value_text(json_t *v, veu_jbuf_t *t)
{
    size_t i;
    json_t *x;

    if (json_is_string(v)) {
        veu_jbuf_lit(t, json_string_value(v)[0] ? json_string_value(v) : "(none)");
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            veu_jbuf_lit(t, i ? ", " : "");
            value_text(x, t);
        }
    } else {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        veu_jbuf_lit(t, s ? s : "");
        free(s);
    }
}

/* The SVG as Graphviz writes it, from its <svg element on: no prolog, no DOCTYPE (an external DTD).
 */
static const char *svg_element(const char *svg)
{
    const char *p = svg ? strstr(svg, "<svg") : NULL;
    return p;
}

int veu_html_answer(json_t *stats, json_t *answer, const char *svg, veu_jbuf_t *o)
{
    json_t *res = json_object_get(answer, "result"), *st = json_object_get(stats, "result");
    json_t *buyer = json_object_get(res, "entity"), *x, *p;
    const char *verdict = json_string_value(json_object_get(res, "verdict"));
    char gen[32];
    size_t i, k;
    veu_jbuf_t t;

    if (!json_is_true(json_object_get(answer, "ok")) || !json_is_object(buyer) || !verdict) {
        return -1;
    }
    veu_jbuf_init(&t);
    snprintf(gen, sizeof(gen), "%lld",
             (long long)json_integer_value(json_object_get(answer, "generation")));
    veu_jbuf_lit(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
                    "charset=\"utf-8\">\n<title>veud decision: ");
    esc(o, json_string_value(json_object_get(buyer, "name")));
    veu_jbuf_lit(o, ", ");
    esc(o, verdict);
    veu_jbuf_lit(
        o,
        "</title>\n<style>\n"
        "body{font-family:sans-serif;margin:2em auto;max-width:60em;color:#222;line-height:1.4}\n"
        "h1{font-size:1.5em;margin-bottom:.2em}\n"
        ".verdict{display:inline-block;padding:.2em .8em;border-radius:.3em;color:#fff;"
        "font-weight:bold;text-transform:uppercase}\n"
        ".deny{background:#b00020}.review{background:#c77700}.fast_track{background:#2e7d32}"
        ".standard{background:#555}\n"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #bbb;"
        "padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f2f2f2}\n"
        ".path{font-family:monospace;margin-left:1.5em}.picture svg{max-width:100%;height:auto}\n"
        "@media print{body{margin:0;max-width:none}.picture{page-break-inside:avoid}}\n"
        "</style></head><body>\n<h1>");
    esc(o, json_string_value(json_object_get(buyer, "name")));
    veu_jbuf_lit(o, "</h1>\n<p><span class=\"verdict ");
    esc(o, verdict);
    veu_jbuf_lit(o, "\">");
    esc(o, verdict);
    veu_jbuf_lit(o, "</span></p>\n<h2>The decision</h2>\n<table>\n");
    row(o, "Buyer", json_string_value(json_object_get(buyer, "name")));
    row(o, "Id", json_string_value(json_object_get(buyer, "id")));
    row(o, "Country", json_string_value(json_object_get(buyer, "country")));
    row(o, "Sector", json_string_value(json_object_get(buyer, "sector")));
    row(o, "Verdict", verdict);
    row(o, "Generation", gen);
    row(o, "As of (day)", json_string_value(json_object_get(res, "as_of")));
    row(o, "Dataset digest", json_string_value(json_object_get(st, "dataset_digest")));
    row(o, "Policy digest", json_string_value(json_object_get(st, "policy_digest")));
    veu_jbuf_lit(o, "</table>\n<h2>Reasons</h2>\n");
    if (!json_array_size(json_object_get(res, "reasons"))) {
        veu_jbuf_lit(o, "<p>No tie to a defense contractor or military was found.</p>\n");
    }
    json_array_foreach(json_object_get(res, "reasons"), i, x)
    {
        veu_jbuf_lit(o, "<h3>");
        esc(o, json_string_value(json_object_get(x, "code")));
        veu_jbuf_lit(o, "</h3>\n<p>");
        esc(o, json_string_value(json_object_get(x, "detail")));
        veu_jbuf_lit(o, "</p>\n");
        json_array_foreach(json_object_get(x, "paths"), k, p)
        {
            veu_jbuf_reset(&t);
            veu_words_path(p, json_object_get(res, "entities"), &t);
            veu_jbuf_lit(o, "<p class=\"path\">");
            esc(o, t.buf);
            veu_jbuf_lit(o, "</p>\n");
        }
    }
    const char *pic = svg_element(svg);
    if (pic) {
        veu_jbuf_lit(o, "<h2>The evidence</h2>\n<div class=\"picture\">\n");
        veu_jbuf_lit(o, pic);
        veu_jbuf_lit(o, "</div>\n");
    }
    veu_jbuf_lit(o, "<h2>Entities</h2>\n<table>\n<tr><th>Id</th><th>Name</th><th>Country</th>"
                    "<th>Designated</th><th>Defense-controlled</th><th>Verdict</th></tr>\n");
    const char *id;
    json_object_foreach(json_object_get(res, "entities"), id, x)
    {
        veu_jbuf_lit(o, "<tr><td>");
        esc(o, id);
        veu_jbuf_lit(o, "</td><td>");
        esc(o, json_string_value(json_object_get(x, "name")));
        veu_jbuf_lit(o, "</td><td>");
        esc(o, json_string_value(json_object_get(x, "country")));
        veu_jbuf_lit(o, json_is_true(json_object_get(x, "seed")) ? "</td><td>yes" : "</td><td>no");
        veu_jbuf_lit(o, json_is_true(json_object_get(x, "controlled")) ? "</td><td>yes"
                                                                       : "</td><td>no");
        veu_jbuf_lit(o, "</td><td>");
        esc(o, json_string_value(json_object_get(x, "verdict")));
        veu_jbuf_lit(o, "</td></tr>\n");
    }
    veu_jbuf_lit(o, "</table>\n<h2>Policy</h2>\n<table>\n");
    const char *key;
    json_object_foreach(json_object_get(st, "policy"), key, x)
    {
        veu_jbuf_reset(&t);
        value_text(x, &t);
        row(o, key, t.buf);
    }
    veu_jbuf_lit(o, "</table>\n<p><small>Written by veud ");
    esc(o, json_string_value(json_object_get(st, "version")));
    veu_jbuf_lit(o, " from generation ");
    esc(o, gen);
    veu_jbuf_lit(o, ".</small></p>\n</body></html>\n");
    veu_jbuf_destroy(&t);
    return 0;
}
