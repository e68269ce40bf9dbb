/* SPDX-License-Identifier: MIT */
/*
 * test_trust.c: SPEC section 8 through the socket.  A name answers for the
 * company asked about or says it cannot tell (exact names first, every tied
 * entity listed, country to settle it, match in every answer by name); a
 * bare LEI finds its GLEIF record; misses and ties are audited, and the
 * audit keeps the request's names, not its padding.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static hx_daemon_t D;
static char data[64];
static char audit_path[300];

static void write_file(const char *name, const char *text)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/%s", data, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void start(void)
{
    char extra[400];
    snprintf(data, sizeof(data), "/tmp/veu-trust-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(data));
    write_file("entities.csv", "id,name,country,aliases\n"
                               "h,Acme Holding GmbH,DE,\n"
                               "a,Acme GmbH,DE,\n"
                               "fr,ACME GMBH,FR,\n"
                               "x,Xenon Defence Inc,US,\n"
                               "LEI:5493001KJTIIGC8Y1R12,Lei Example AG,DE,\n");
    write_file("designations.csv", "entity_id,designation\nx,defense\n");
    write_file("ownership.csv", "owner_id,owned_id,percent\nx,a,60\nh,a,40\n");
    snprintf(audit_path, sizeof(audit_path), "%s/audit.jsonl", data);
    snprintf(extra, sizeof(extra), "audit_log = %s\n", audit_path);
    hx_start(&D, data, extra);
    ck_assert_msg(hx_wait_log(&D, "generation 1 serving", 30000), "no first build:\n%s",
                  hx_log(&D));
}

static void stop(void)
{
    int rc = hx_stop(&D);
    ck_assert_msg(rc == 0, "veud exited with %d", rc);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", data);
    ck_assert_int_eq(system(cmd), 0);
}

static const char *code_of(json_t *a)
{
    return json_string_value(json_object_get(json_object_get(a, "error"), "code"));
}

static const char *entity_of(json_t *a)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(a, "result"), "entity"), "id"));
}

static bool candidate(json_t *a, const char *id, const char *country)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(a, "error"), "candidates"), i, c)
    {
        if (!strcmp(json_string_value(json_object_get(c, "id")), id)) {
            return !strcmp(json_string_value(json_object_get(c, "country")), country) &&
                   json_is_string(json_object_get(c, "name")) &&
                   json_is_number(json_object_get(c, "score"));
        }
    }
    return false;
}

START_TEST(names_answer_for_the_company_asked)
{
    start();
    /* two companies of one name in two countries: ambiguous, both listed */
    json_t *a = hx_ask(&D, "{\"op\":\"risk\",\"name\":\"Acme GmbH\",\"id\":1}");
    ck_assert_str_eq(code_of(a), "ambiguous");
    ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(a, "error"), "candidates")),
                      2);
    ck_assert(candidate(a, "a", "DE") && candidate(a, "fr", "FR"));
    json_decref(a);
    /* the same inline */
    a = hx_ask(&D, "risk Acme GmbH");
    ck_assert_str_eq(code_of(a), "ambiguous");
    json_decref(a);
    /* country settles it; the exact name beats "Acme Holding GmbH" */
    a = hx_ask(&D, "{\"op\":\"risk\",\"name\":\"ACME G.m.b.H.\",\"country\":\"DE\"}");
    ck_assert_str_eq(entity_of(a), "a");
    json_t *m = json_object_get(json_object_get(a, "result"), "match");
    ck_assert_str_eq(json_string_value(json_object_get(m, "query")), "ACME G.m.b.H.");
    ck_assert_str_eq(json_string_value(json_object_get(m, "name")), "Acme GmbH");
    ck_assert(json_number_value(json_object_get(m, "score")) == 1.0);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "result"), "verdict")),
                     "deny");
    json_decref(a);
    a = hx_ask(&D, "risk Acme Holding GmbH");
    ck_assert_str_eq(entity_of(a), "h");
    ck_assert_ptr_nonnull(json_object_get(json_object_get(a, "result"), "match"));
    json_decref(a);
    /* paths and owners by name follow the same rules */
    a = hx_ask(&D, "{\"op\":\"owners\",\"name\":\"Acme GmbH\",\"country\":\"DE\"}");
    ck_assert_msg(json_is_true(json_object_get(a, "ok")), "%s", json_dumps(a, 0));
    ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(a, "result"), "direct")), 2);
    ck_assert_ptr_nonnull(json_object_get(json_object_get(a, "result"), "match"));
    json_decref(a);
    a = hx_ask(&D, "{\"op\":\"paths\",\"name\":\"Acme GmbH\"}");
    ck_assert_str_eq(code_of(a), "ambiguous");
    json_decref(a);
    a = hx_ask(&D, "{\"op\":\"paths\",\"name\":\"Acme GmbH\",\"country\":\"DE\"}");
    ck_assert_uint_ge(json_array_size(json_object_get(json_object_get(a, "result"), "paths")), 1);
    json_decref(a);
    /* a bad country is a bad request; a name found nowhere is not_found with candidates */
    a = hx_ask(&D, "{\"op\":\"risk\",\"name\":\"Acme GmbH\",\"country\":\"Germany\"}");
    ck_assert_str_eq(code_of(a), "bad_request");
    json_decref(a);
    a = hx_ask(&D, "{\"op\":\"risk\",\"name\":\"Acme GmbH\",\"country\":\"JP\"}");
    ck_assert_str_eq(code_of(a), "not_found");
    json_decref(a);
    stop();
}
END_TEST

START_TEST(bare_lei_finds_its_record)
{
    start();
    json_t *a = hx_ask(&D, "risk 5493001KJTIIGC8Y1R12");
    ck_assert_str_eq(entity_of(a), "LEI:5493001KJTIIGC8Y1R12");
    json_decref(a);
    a = hx_ask(&D, "{\"op\":\"owners\",\"entity\":\"5493001KJTIIGC8Y1R12\"}");
    ck_assert(json_is_true(json_object_get(a, "ok")));
    json_decref(a);
    /* a wrong check digit is no LEI: not found (nor matched by name) */
    a = hx_ask(&D, "{\"op\":\"risk\",\"entity\":\"5493001KJTIIGC8Y1R13\"}");
    ck_assert_str_eq(code_of(a), "not_found");
    json_decref(a);
    stop();
}
END_TEST

START_TEST(misses_and_ties_are_audited)
{
    start();
    json_decref(hx_ask(&D, "{\"op\":\"risk\",\"name\":\"Nothing Like It Whatsoever\"}"));
    json_decref(hx_ask(&D, "{\"op\":\"risk\",\"name\":\"Acme GmbH\"}"));
    json_decref(hx_ask(&D, "{\"op\":\"risk\",\"name\":\"Acme GmbH\",\"country\":\"FR\"}"));
    /* a padded request: the audit keeps its op and names, not the padding */
    size_t pad = 200000;
    char *big = malloc(pad + 100);
    int k = sprintf(big, "{\"op\":\"risk\",\"entity\":\"a\",\"pad\":\"");
    memset(big + k, 'z', pad);
    strcpy(big + k + pad, "\"}");
    json_decref(hx_ask(&D, big));
    free(big);
    FILE *f = fopen(audit_path, "r");
    ck_assert_ptr_nonnull(f);
    char *line = malloc(1 << 20);
    json_t *l[4];
    int n = 0;
    while (n < 4 && fgets(line, 1 << 20, f)) {
        ck_assert_msg(strlen(line) < 4096, "an audit line of %zu bytes", strlen(line));
        l[n++] = json_loads(line, 0, NULL);
    }
    fclose(f);
    free(line);
    ck_assert_int_eq(n, 4);
    ck_assert_str_eq(json_string_value(json_object_get(l[0], "outcome")), "not_found");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(l[0], "request"), "name")),
                     "Nothing Like It Whatsoever");
    ck_assert(json_is_array(json_object_get(l[0], "candidates")));
    ck_assert_str_eq(json_string_value(json_object_get(l[1], "outcome")), "ambiguous");
    ck_assert_uint_eq(json_array_size(json_object_get(l[1], "candidates")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(l[2], "entity")), "fr");
    json_t *m = json_object_get(l[2], "match");
    ck_assert_str_eq(json_string_value(json_object_get(m, "query")), "Acme GmbH");
    ck_assert_str_eq(json_string_value(json_object_get(l[3], "entity")), "a");
    ck_assert_ptr_null(json_object_get(json_object_get(l[3], "request"), "pad"));
    for (int i = 0; i < n; i++) {
        json_decref(l[i]);
    }
    stop();
}
END_TEST

static void append_conf(const char *text, const char *mode)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/veud.conf", D.dir);
    FILE *f = fopen(path, mode);
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static const char *verdict_of(const char *req)
{
    static char v[32];
    json_t *a = hx_ask(&D, req);
    const char *s = json_string_value(json_object_get(json_object_get(a, "result"), "verdict"));
    snprintf(v, sizeof(v), "%s", s ? s : "(error)");
    json_decref(a);
    return v;
}

static long generation_of(const char *req)
{
    json_t *a = hx_ask(&D, req);
    long g = (long)json_integer_value(json_object_get(a, "generation"));
    json_decref(a);
    return g;
}

/*
 * The configuration in force is the one on disk: reload reads it again, a
 * file that does not read is refused naming file, line and key, and after a
 * restart a snapshot of another policy is not served.
 */
START_TEST(configuration_on_disk_is_in_force)
{
    char state[128], extra[400], base[2048];
    start();
    write_file("entities.csv", "id,name,country\nx,Xenon Defence Inc,US\nc,Cathay Arms,CN\n"
                               "b,Buyer GmbH,DE\n");
    write_file("designations.csv", "entity_id,designation\nx,defense\nc,defense\n");
    write_file("ownership.csv", "owner_id,owned_id,percent\nc,b,60\n");
    /* the daemon of start() is replaced by one whose state outlives it */
    ck_assert_int_eq(hx_stop(&D), 0);
    snprintf(state, sizeof(state), "%s.state", data);
    snprintf(extra, sizeof(extra), "state = %s\n", state);
    hx_start(&D, data, extra);
    ck_assert(hx_wait_log(&D, "generation 1 serving", 30000));
    ck_assert_str_eq(verdict_of("risk b"), "standard"); /* home CN: Cathay Arms is no seed */
    /* the file changes: reload applies it with the build it starts */
    append_conf("[policy]\nhome_country = US\n", "a");
    json_t *a = hx_ask(&D, "reload");
    ck_assert_msg(json_is_true(json_object_get(a, "ok")), "%s", json_dumps(a, 0));
    json_decref(a);
    ck_assert_str_eq(verdict_of("risk b"), "deny");
    a = hx_ask(&D, "stats");
    json_t *pol = json_object_get(json_object_get(a, "result"), "policy");
    ck_assert_str_eq(json_string_value(json_object_get(pol, "home_country")), "US");
    json_decref(a);
    /* a file that does not read: refused, naming file, line and key; nothing changes */
    char conf[300];
    snprintf(conf, sizeof(conf), "%s/veud.conf", D.dir);
    FILE *f = fopen(conf, "r");
    size_t bl = fread(base, 1, sizeof(base) - 1, f);
    base[bl] = '\0';
    fclose(f);
    append_conf("control_threshold = lots\n", "a");
    a = hx_ask(&D, "reload");
    ck_assert_str_eq(code_of(a), "internal");
    const char *msg = json_string_value(json_object_get(json_object_get(a, "error"), "message"));
    ck_assert_msg(strstr(msg, "veud.conf:") && strstr(msg, "control_threshold"), "%s", msg);
    json_decref(a);
    kill(D.pid, SIGHUP);
    ck_assert(hx_wait_count(&D, "configuration not reloaded", 2, 10000));
    ck_assert_int_eq(generation_of("risk b"), 2);
    ck_assert_str_eq(verdict_of("risk b"), "deny");
    /* a restart under the first policy does not serve generation 2, built under the other */
    ck_assert_int_eq(hx_stop(&D), 0);
    hx_start(&D, data, extra);
    ck_assert(hx_wait_log(&D, "(generation 2) was built under another policy", 30000));
    ck_assert(hx_wait_log(&D, "(generation 1) from the state directory", 30000));
    ck_assert_str_eq(verdict_of("risk b"), "standard");
    ck_assert_int_eq(generation_of("risk b"), 1);
    /* and the next build is generation 3: no number is given twice */
    a = hx_ask(&D, "reload");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "generation")), 3);
    json_decref(a);
    (void)base;
    snprintf(conf, sizeof(conf), "rm -rf '%s'", state);
    ck_assert_int_eq(system(conf), 0);
    stop();
}
END_TEST

/* The list entry of stats.lists named list (borrowed), or NULL. */
static json_t *list_entry(json_t *stats, const char *list)
{
    json_t *it;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(stats, "result"), "lists"), i, it)
    {
        if (!strcmp(json_string_value(json_object_get(it, "list")), list)) {
            return it;
        }
    }
    return NULL;
}

/*
 * Lists and feeds through a real rebuild (SPEC section 10): an OpenSanctions
 * shaped export (FtM entities in JSON lines, Sanctions in a JSON array) and
 * our designations under a name of the user's; seed_lists picks two lists;
 * stats names every list with what it designates and seeds; a Chinese name
 * finds its company.
 */
START_TEST(lists_and_feeds_through_the_socket)
{
    char cmd[600];
    snprintf(data, sizeof(data), "/tmp/veu-trust-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(data));
    snprintf(cmd, sizeof(cmd), "cp %s/ftm-sanctions/*.json '%s'/", TEST_DATA_DIR, data);
    ck_assert_int_eq(system(cmd), 0);
    write_file("China lists 2026.csv",
               "Entity_ID,Designation,Source,List\n"
               "s-bank,military,MOFCOM Unreliable Entity List,cn-mofcom-uel\n");
    hx_start(&D, data,
             "[policy]\nhome_country = US\nseed_lists = us_dod_chinese_milcorps, cn-mofcom-uel\n");
    ck_assert_msg(hx_wait_log(&D, "generation 1 serving", 30000), "no first build:\n%s",
                  hx_log(&D));
    json_t *st = hx_ask(&D, "stats");
    json_t *dod = list_entry(st, "us_dod_chinese_milcorps");
    json_t *sdn = list_entry(st, "us_ofac_sdn");
    json_t *uel = list_entry(st, "cn-mofcom-uel");
    ck_assert_msg(dod && sdn && uel, "%s", json_dumps(st, 0));
    /* AVIC listed; CRCC delisted in 2025 and the 2090 listing not yet: one entity, one seed */
    ck_assert(json_is_true(json_object_get(dod, "selected")));
    ck_assert_int_eq(json_integer_value(json_object_get(dod, "rows")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(dod, "entities")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(dod, "seeds")), 1);
    /* Rostec, military by its own topic: designated, no seed (not selected) */
    ck_assert(json_is_false(json_object_get(sdn, "selected")));
    ck_assert_int_eq(json_integer_value(json_object_get(sdn, "entities")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(sdn, "seeds")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(uel, "seeds")), 1);
    json_decref(st);
    ck_assert_str_eq(verdict_of("risk s-avic-sub"), "deny");
    ck_assert_str_eq(verdict_of("risk s-crcc-sub"), "standard");
    ck_assert_str_eq(verdict_of("risk s-bank"), "deny");
    json_t *a = hx_ask(&D, "{\"op\":\"risk\",\"name\":\"中国航空工业集团有限公司\"}");
    json_t *res = json_object_get(a, "result");
    ck_assert_msg(res, "%s", json_dumps(a, 0));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(res, "entity"), "id")),
                     "s-avic");
    ck_assert_str_eq(json_string_value(json_object_get(res, "verdict")), "deny");
    json_decref(a);
    a = hx_ask(&D, "risk s-rostec");
    char *text = json_dumps(a, 0);
    ck_assert_msg(strstr(text, "designated_not_seed"), "%s", text);
    free(text);
    json_decref(a);
    stop();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trust");
    TCase *t = tcase_create("trust");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, names_answer_for_the_company_asked);
    tcase_add_test(t, bare_lei_finds_its_record);
    tcase_add_test(t, misses_and_ties_are_audited);
    tcase_add_test(t, configuration_on_disk_is_in_force);
    tcase_add_test(t, lists_and_feeds_through_the_socket);
    suite_add_tcase(s, t);
    return hx_run(s);
}
