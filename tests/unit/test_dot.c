/* SPDX-License-Identifier: MIT */
/*
 * test_dot.c: drawing answers as DOT (veud query --format dot): every
 * entity and edge of the evidence, stable bytes, and large graphs cut with
 * a note.  (That Graphviz parses the output is checked in the daemon suite,
 * against real answers.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dot.h"
#include "helpers.h"

static const char *ANSWER =
    "{\"ok\":true,\"generation\":7,\"result\":{\"entity\":{\"id\":\"B\",\"name\":\"Buyer\"},"
    "\"verdict\":\"deny\",\"reasons\":[{\"code\":\"defense_controlled\",\"detail\":\"x\","
    "\"paths\":[[{\"from\":\"S\",\"to\":\"M\",\"rel\":\"owns\",\"percent\":60},"
    "{\"from\":\"M\",\"to\":\"B\",\"rel\":\"controls\"}]],\"proof\":[{\"from\":\"M\",\"to\":\"B\","
    "\"rel\":\"controls\"},{\"from\":\"S\",\"to\":\"M\",\"rel\":\"owns\",\"percent\":60}],"
    "\"proof_truncated\":false},{\"code\":\"supply_tie\",\"detail\":\"y\",\"paths\":[[{\"from\":"
    "\"B\",\"to\":\"Q\\\"uote\",\"rel\":\"supplies\",\"product\":\"magnets\"}]]}],"
    "\"entities\":{\"B\":{\"name\":\"Buyer\",\"country\":\"DE\",\"seed\":false,\"controlled\":true}"
    ","
    "\"S\":{\"name\":\"Seed Corp\",\"country\":\"US\",\"seed\":true,\"controlled\":true},"
    "\"M\":{\"name\":\"Mid\",\"country\":null,\"seed\":false,\"controlled\":true},"
    "\"Q\\\"uote\":{\"name\":\"Q\",\"country\":\"FR\",\"seed\":false,\"controlled\":true}}}}";

static char *draw(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    veu_jbuf_t o;
    ck_assert_ptr_nonnull(j);
    veu_jbuf_init(&o);
    ck_assert_int_eq(veu_dot_answer(j, &o), 0);
    json_decref(j);
    char *s = strdup(o.buf);
    veu_jbuf_destroy(&o);
    return s;
}

START_TEST(draws_evidence)
{
    char *d = draw(ANSWER);
    ck_assert(strstr(d, "digraph veud {") == d);
    ck_assert(strstr(d, "\"S\" [label=\"SEED: Seed Corp\\nS\\nUS\"") != NULL);
    ck_assert(strstr(d, "peripheries=2") != NULL); /* the seed */
    ck_assert(strstr(d, "\"B\" [label=\"Buyer\\nB\\nDE\", fillcolor=\"#f4cccc\", penwidth=3]"));
    ck_assert(strstr(d, "\"S\" -> \"M\" [label=\"60%\"]") != NULL);
    ck_assert(strstr(d, "\"M\" -> \"B\" [style=dashed, label=\"control\"]") != NULL);
    ck_assert(strstr(d, "\"B\" -> \"Q\\\"uote\" [color=") != NULL); /* quotes escaped */
    ck_assert(strstr(d, "supplies\\nmagnets") != NULL);
    ck_assert(strstr(d, "deny (defense_controlled, supply_tie)\\ngeneration 7") != NULL);
    /* each edge once, though it is in a path and in the proof */
    const char *first = strstr(d, "\"S\" -> \"M\"");
    ck_assert_ptr_null(strstr(first + 1, "\"S\" -> \"M\""));
    char *again = draw(ANSWER);
    ck_assert_str_eq(d, again); /* stable */
    free(again);
    free(d);
}
END_TEST

START_TEST(cuts_large_graphs)
{
    char *big = malloc(1 << 20);
    size_t n = (size_t)sprintf(big, "{\"ok\":true,\"generation\":1,\"result\":{\"paths\":[");
    for (int i = 0; i < 400; i++) {
        n += (size_t)sprintf(big + n,
                             "%s[{\"from\":\"O%03d\",\"to\":\"B\",\"rel\":\"owns\",\"percent\":1}]",
                             i ? "," : "", i);
    }
    sprintf(big + n, "],\"truncated\":false}}");
    char *d = draw(big);
    ck_assert(strstr(d, "100 edges left out (the drawing keeps 300)") != NULL);
    int edges = 0;
    for (const char *p = d; (p = strstr(p, " -> ")); p++) {
        edges++;
    }
    ck_assert_int_eq(edges, 300);
    free(d);
    free(big);
}
END_TEST

START_TEST(not_drawable)
{
    json_t *j = json_loads("{\"ok\":false,\"error\":{\"code\":\"not_found\"}}", 0, NULL);
    veu_jbuf_t o;
    veu_jbuf_init(&o);
    ck_assert_int_eq(veu_dot_answer(j, &o), -1);
    ck_assert_uint_eq(o.len, 0);
    json_decref(j);
    j = json_loads("{\"ok\":true,\"result\":{\"pong\":true}}", 0, NULL);
    ck_assert_int_eq(veu_dot_answer(j, &o), -1);
    json_decref(j);
    veu_jbuf_destroy(&o);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dot");
    TCase *t = tcase_create("dot");
    tcase_add_test(t, draws_evidence);
    tcase_add_test(t, cuts_large_graphs);
    tcase_add_test(t, not_drawable);
    suite_add_tcase(s, t);
    return th_run(s);
}
