/* SPDX-License-Identifier: MIT */
/* helpers.c: see helpers.h. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

char *th_tmpdir(void)
{
    char tmpl[] = "/tmp/veu-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(d);
    return strdup(d);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void th_rmdir(char *dir)
{
    if (dir) {
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(dir);
    }
}

void th_write(const char *dir, const char *name, const char *contents)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(contents, 1, strlen(contents), f), strlen(contents));
    fclose(f);
}

const char *th_as_of;

void th_build(const char *dir, const veu_policy_t *pol, th_built_t *b)
{
    veu_build_opts_t o = {.data_dir = dir, .as_of = th_as_of};
    char err[512];

    memset(b, 0, sizeof(*b));
    if (pol) {
        o.policy = *pol;
    } else {
        veu_policy_init(&o.policy);
    }
    snprintf(b->snap_path, sizeof(b->snap_path), "%s/test.snap", dir);
    o.out_path = b->snap_path;
    b->rc = veu_build(&o, &b->rep, &b->counts, NULL, &b->err);
    if (b->rc == 0) {
        int rc = veu_snapshot_open(b->snap_path, &b->snap, err, sizeof(err));
        ck_assert_msg(rc == 0, "snapshot open: %s", err);
    }
}

void th_built_free(th_built_t *b)
{
    veu_snapshot_close(b->snap);
    b->snap = NULL;
}

bool th_reported(const th_built_t *b, const char *text)
{
    for (int i = 0; i < b->rep.n_kept; i++) {
        if (strstr(b->rep.kept[i].message, text)) {
            return true;
        }
    }
    return false;
}

json_t *th_risk(const th_built_t *b, const char *id)
{
    veu_jbuf_t jb;
    json_error_t je;
    json_t *j;

    ck_assert_ptr_nonnull(b->snap);
    uint32_t v = veu_snapshot_find(b->snap, id, strlen(id));
    if (v == VEU_SNAP_NONE) {
        return NULL;
    }
    veu_jbuf_init(&jb);
    veu_snapshot_risk(b->snap, v, &jb);
    ck_assert(!veu_jbuf_failed(&jb));
    j = json_loads(jb.buf, JSON_REJECT_DUPLICATES, &je);
    ck_assert_msg(j != NULL, "answer is not JSON: %s: %s", je.text, jb.buf);
    veu_jbuf_destroy(&jb);
    return j;
}

const char *th_verdict_of(const th_built_t *b, const char *id)
{
    static char v[32];
    json_t *r = th_risk(b, id);
    ck_assert_msg(r != NULL, "no entity %s", id);
    snprintf(v, sizeof(v), "%s", th_verdict(r));
    json_decref(r);
    return v;
}

const char *th_verdict(json_t *risk)
{
    return json_string_value(json_object_get(risk, "verdict"));
}

double th_metric(json_t *risk, const char *name)
{
    json_t *m = json_object_get(json_object_get(risk, "metrics"), name);
    ck_assert_msg(m != NULL, "no metric %s", name);
    if (json_is_null(m)) {
        return -1;
    }
    if (json_is_boolean(m)) {
        return json_is_true(m);
    }
    return json_number_value(m);
}

json_t *th_reason(json_t *risk, const char *code)
{
    size_t i;
    json_t *r;

    json_array_foreach(json_object_get(risk, "reasons"), i, r)
    {
        if (!strcmp(json_string_value(json_object_get(r, "code")), code)) {
            return r;
        }
    }
    return NULL;
}

bool th_has_reason(json_t *risk, const char *code)
{
    return th_reason(risk, code) != NULL;
}

char *th_dataset(const char *entities, const char *ownership, const char *supply)
{
    char *dir = th_tmpdir();
    char *ent = malloc(1 << 16), *des = malloc(1 << 16), *own = malloc(1 << 16),
         *sup = malloc(1 << 16);
    size_t eo = 0, d = 0, o = 0, s = 0;

    eo += (size_t)sprintf(ent, "id,name,country,sector\n");
    d += (size_t)sprintf(des, "entity_id,designation,source\n");
    o += (size_t)sprintf(own, "owner_id,owned_id,percent,kind\n");
    s += (size_t)sprintf(sup, "supplier_id,customer_id,product\n");
    char *copy = strdup(entities);
    for (char *save, *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char id[64] = "", country[8] = "", sector[32] = "", flags[8] = "";
        sscanf(line, "%63[^:]:%7[^:]:%31[^:]:%7s", id, country, sector, flags);
        if (!strcmp(country, "-")) {
            country[0] = '\0';
        }
        if (!strcmp(sector, "-")) {
            sector[0] = '\0';
        }
        eo += (size_t)sprintf(ent + eo, "%s,%s Inc,%s,%s\n", id, id, country, sector);
        for (char *f = flags; *f; f++) {
            const char *what = *f == 'd'   ? "defense"
                               : *f == 'm' ? "military"
                                           : "validated_end_user";
            d += (size_t)sprintf(des + d, "%s,%s,test list\n", id, what);
        }
    }
    free(copy);
    copy = strdup(ownership ? ownership : "");
    for (char *save, *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        o += (size_t)sprintf(own + o, "%s\n", line);
    }
    free(copy);
    copy = strdup(supply ? supply : "");
    for (char *save, *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        s += (size_t)sprintf(sup + s, "%s,parts\n", line);
    }
    free(copy);
    th_write(dir, "entities.csv", ent);
    th_write(dir, "designations.csv", des);
    th_write(dir, "ownership.csv", own);
    th_write(dir, "supply.csv", sup);
    free(ent);
    free(des);
    free(own);
    free(sup);
    return dir;
}

int th_run(Suite *s)
{
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
