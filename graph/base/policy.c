/* SPDX-License-Identifier: MIT */
/*
 * policy.c: the [policy] keys of SPEC section 5, their defaults, parsing
 * and the tests the engine asks of them.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "base/dates.h"
#include "veu/policy.h"
#include "veu/snapshot.h"
#include "veu/veu.h"

void veu_policy_init(veu_policy_t *p)
{
    memset(p, 0, sizeof(*p));
    strcpy(p->home_country, "CN");
    p->all_targets = true;
    p->control_threshold = 50.0;
    p->control_inclusive = true;
    p->minority_threshold = 10.0;
    p->supply_depth = 2;
    p->n_dual_use = 2;
    strcpy(p->dual_use[0], "automotive");
    strcpy(p->dual_use[1], "aerospace");
    p->strict = false;
    p->evidence_paths = 5;
    p->aggregate_owners = true;
    p->control_without_ownership = true;
    /* SPEC section 7: a stake of unknown size from a defense-controlled owner never clears */
    p->review_unknown = true;
    p->all_lists = true; /* SPEC section 10: seed_lists = * */
    /* OpenSanctions marks armed forces and military companies with the topic "mil" */
    p->n_topics = 1;
    strcpy(p->topics[0], "mil");
    p->topic_kind[0] = 2;
    /* the DoD's 1260H list of Chinese military companies, as OpenSanctions names it */
    p->n_sanctions = 1;
    strcpy(p->sanctions[0], "us_dod_chinese_milcorps");
    p->sanction_kind[0] = 2;
}

/*
 * Regimes: how each reads the 50 percent rule.  Sources and notes are in
 * the README ("Policy regimes").
 */
static const struct regime {
    const char *name;
    double threshold;
    bool inclusive, aggregate, control;
    const char *inclusive_from;         /* ">=" from this day, ">" before */
    const char *suspended_from, *until; /* the rule suspended on [from, until) */
} regimes[] = {
    {"veu", 50, true, true, true, "", "", ""},   /* veud's default, SPEC section 3 */
    {"ofac", 50, true, true, false, "", "", ""}, /* OFAC 50 Percent Rule, 2014 guidance */
    {"bis", 50, true, true, false, "", "2025-11-10", "2026-11-10"}, /* Affiliates Rule */
    {"eu", 50, true, true, true, "2024-07-03", "", ""}, /* best practices, 2024 update */
    {"uk", 50, false, false, true, "", "", ""},         /* OFSI ownership and control */
    {"mofcom", 50, true, true, true, "", "", ""},       /* China's export control lists */
    {"aml", 25, false, false, true, "", "", ""},        /* beneficial ownership, > 25% */
};

static int set_regime(veu_policy_t *p, const char *name)
{
    for (size_t i = 0; i < sizeof(regimes) / sizeof(regimes[0]); i++) {
        const struct regime *r = &regimes[i];
        if (strcmp(name, r->name)) {
            continue;
        }
        if (!(p->explicit_keys & VEU_PK_THRESHOLD)) {
            p->control_threshold = r->threshold;
        }
        if (!(p->explicit_keys & VEU_PK_INCLUSIVE)) {
            p->control_inclusive = r->inclusive;
            snprintf(p->inclusive_from, sizeof(p->inclusive_from), "%s", r->inclusive_from);
        }
        if (!(p->explicit_keys & VEU_PK_SUSPENDED)) {
            snprintf(p->suspended_from, sizeof(p->suspended_from), "%s", r->suspended_from);
            snprintf(p->suspended_until, sizeof(p->suspended_until), "%s", r->until);
        }
        if (!(p->explicit_keys & VEU_PK_AGGREGATE)) {
            p->aggregate_owners = r->aggregate;
        }
        if (!(p->explicit_keys & VEU_PK_CONTROL)) {
            p->control_without_ownership = r->control;
        }
        snprintf(p->regime, sizeof(p->regime), "%s", r->name);
        return 0;
    }
    return -1;
}

static int bad(char *err, size_t len, const char *key, const char *value, const char *want)
{
    snprintf(err, len, "key '%s': value '%s' is not %s", key, value, want);
    return -VEU_ECONFIG;
}

static int parse_bool(const char *v, bool *ret)
{
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") ||
        !strcmp(v, "1")) {
        *ret = true;
    } else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") ||
               !strcmp(v, "0")) {
        *ret = false;
    } else {
        return -1;
    }
    return 0;
}

static int parse_double(const char *v, double lo, double hi, double *ret)
{
    char *end;
    double d;

    errno = 0;
    d = strtod(v, &end);
    if (end == v || *end != '\0' || errno || !isfinite(d) || d < lo || d > hi) {
        return -1;
    }
    *ret = d;
    return 0;
}

static int parse_country(const char *v, char out[4])
{
    if (strlen(v) != 2 || !isalpha((unsigned char)v[0]) || !isalpha((unsigned char)v[1])) {
        return -1;
    }
    out[0] = (char)toupper((unsigned char)v[0]);
    out[1] = (char)toupper((unsigned char)v[1]);
    out[2] = '\0';
    return 0;
}

/* Splits a comma-separated list into words; upper or lower cases them. */
static int parse_list(const char *v, char (*out)[VEU_POLICY_WORD], size_t wordlen, int *ret_n,
                      int upper)
{
    int n = 0;
    const char *p = v;

    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',') {
            p++;
        }
        if (!*p) {
            break;
        }
        const char *start = p;
        while (*p && *p != ',') {
            p++;
        }
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t')) {
            end--;
        }
        size_t len = (size_t)(end - start);
        if (n == VEU_POLICY_MAX_LIST || len >= wordlen) {
            return -1;
        }
        for (size_t i = 0; i < len; i++) {
            out[n][i] =
                (char)(upper ? toupper((unsigned char)start[i]) : tolower((unsigned char)start[i]));
        }
        out[n][len] = '\0';
        n++;
    }
    *ret_n = n;
    return 0;
}

/* "none", or word:defense|military pairs (ftm_topics, ftm_sanctions). */
static int kind_pairs(const char *value, char (*words)[VEU_POLICY_WORD], unsigned char *kinds,
                      int *ret_n, const char *key, const char *what, char *err, size_t errlen)
{
    char copy[VEU_POLICY_TOPICS * (VEU_POLICY_WORD + 12)], want[64], *save = NULL;
    char w[VEU_POLICY_TOPICS][VEU_POLICY_WORD];
    unsigned char k[VEU_POLICY_TOPICS];
    int n = 0;

    snprintf(want, sizeof(want), "'none' or %s:defense|military pairs", what);
    if (!strcmp(value, "none")) {
        *ret_n = 0;
        return 0;
    }
    if (strlen(value) >= sizeof(copy) || strpbrk(value, "\"\\")) {
        return bad(err, errlen, key, value, want);
    }
    strcpy(copy, value);
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ' || *tok == '\t') {
            tok++;
        }
        char *end = tok + strlen(tok), *colon = strchr(tok, ':');
        while (end > tok && (end[-1] == ' ' || end[-1] == '\t')) {
            *--end = '\0';
        }
        if (!*tok) {
            continue;
        }
        if (n == VEU_POLICY_TOPICS || !colon || colon == tok ||
            (size_t)(colon - tok) >= VEU_POLICY_WORD ||
            (strcmp(colon + 1, "defense") && strcmp(colon + 1, "military"))) {
            return bad(err, errlen, key, value, want);
        }
        k[n] = !strcmp(colon + 1, "defense") ? 1 : 2;
        *colon = '\0';
        for (char *c = tok; *c; c++) {
            *c = (char)tolower((unsigned char)*c);
        }
        snprintf(w[n++], VEU_POLICY_WORD, "%s", tok);
    }
    if (n == 0) {
        return bad(err, errlen, key, value, want);
    }
    memcpy(words, w, sizeof(w[0]) * (size_t)n);
    memcpy(kinds, k, (size_t)n);
    *ret_n = n;
    return 0;
}

int veu_policy_set(veu_policy_t *p, const char *key, const char *value, char *err, size_t errlen)
{
    double d;

    if (!strcmp(key, "home_country")) {
        if (parse_country(value, p->home_country) < 0) {
            return bad(err, errlen, key, value, "an ISO 3166-1 alpha-2 country code");
        }
    } else if (!strcmp(key, "target_countries")) {
        if (!strcmp(value, "*")) {
            p->all_targets = true;
            p->n_targets = 0;
            return 0;
        }
        char words[VEU_POLICY_MAX_LIST][VEU_POLICY_WORD];
        int n;
        if (parse_list(value, words, 3, &n, 1) < 0 || n == 0) {
            return bad(err, errlen, key, value, "'*' or a list of country codes");
        }
        for (int i = 0; i < n; i++) {
            if (parse_country(words[i], p->targets[i]) < 0) {
                return bad(err, errlen, key, value, "'*' or a list of country codes");
            }
        }
        p->all_targets = false;
        p->n_targets = n;
    } else if (!strcmp(key, "control_threshold")) {
        if (parse_double(value, 0.000001, 100.0, &d) < 0) {
            return bad(err, errlen, key, value, "a percent in (0, 100]");
        }
        p->control_threshold = d;
        p->explicit_keys |= VEU_PK_THRESHOLD;
    } else if (!strcmp(key, "control_inclusive")) {
        if (parse_bool(value, &p->control_inclusive) < 0) {
            return bad(err, errlen, key, value, "true or false");
        }
        p->explicit_keys |= VEU_PK_INCLUSIVE;
        p->inclusive_from[0] = '\0'; /* as set, on every day */
    } else if (!strcmp(key, "suspended")) {
        /* FROM..UNTIL: the rule does not apply from FROM up to (not including) UNTIL */
        const char *dots = strstr(value, "..");
        if (!*value) {
            p->suspended_from[0] = p->suspended_until[0] = '\0';
        } else if (!dots || dots - value != 10 || strlen(dots + 2) != 10 ||
                   !veu_iso_date(value, 10) || !veu_iso_date(dots + 2, 10) ||
                   strncmp(value, dots + 2, 10) >= 0) {
            return bad(err, errlen, key, value, "FROM..UNTIL, two dates (YYYY-MM-DD), or empty");
        } else {
            snprintf(p->suspended_from, sizeof(p->suspended_from), "%.10s", value);
            snprintf(p->suspended_until, sizeof(p->suspended_until), "%s", dots + 2);
        }
        p->explicit_keys |= VEU_PK_SUSPENDED;
    } else if (!strcmp(key, "unknown_stakes")) {
        if (!strcmp(value, "review")) {
            p->review_unknown = true;
        } else if (!strcmp(value, "ignore")) {
            p->review_unknown = false;
        } else {
            return bad(err, errlen, key, value, "ignore or review");
        }
    } else if (!strcmp(key, "aggregate_owners")) {
        if (parse_bool(value, &p->aggregate_owners) < 0) {
            return bad(err, errlen, key, value, "true or false");
        }
        p->explicit_keys |= VEU_PK_AGGREGATE;
    } else if (!strcmp(key, "control_without_ownership")) {
        if (parse_bool(value, &p->control_without_ownership) < 0) {
            return bad(err, errlen, key, value, "true or false");
        }
        p->explicit_keys |= VEU_PK_CONTROL;
    } else if (!strcmp(key, "regime")) {
        if (set_regime(p, value) < 0) {
            return bad(err, errlen, key, value, "one of veu, ofac, bis, eu, uk, mofcom, aml");
        }
    } else if (!strcmp(key, "minority_threshold")) {
        if (parse_double(value, 0.000001, 100.0, &d) < 0) {
            return bad(err, errlen, key, value, "a percent in (0, 100]");
        }
        p->minority_threshold = d;
    } else if (!strcmp(key, "supply_depth")) {
        if (parse_double(value, 0, 1000, &d) < 0 || d != floor(d)) {
            return bad(err, errlen, key, value, "a whole number from 0 to 1000");
        }
        p->supply_depth = (int)d;
    } else if (!strcmp(key, "dual_use_sectors")) {
        if (parse_list(value, p->dual_use, VEU_POLICY_WORD, &p->n_dual_use, 0) < 0) {
            return bad(err, errlen, key, value, "a list of at most 64 sector words");
        }
    } else if (!strcmp(key, "seed_lists")) {
        if (!strcmp(value, "*")) {
            p->all_lists = true;
            p->n_lists = 0;
            return 0;
        }
        int n;
        if (parse_list(value, p->lists, VEU_POLICY_WORD, &n, 0) < 0 || n == 0) {
            return bad(err, errlen, key, value, "'*' or a list of list ids (us-bis-entity, ...)");
        }
        for (int i = 0; i < n; i++) {
            for (const char *ch = p->lists[i]; *ch; ch++) {
                if (!isalnum((unsigned char)*ch) && *ch != '-' && *ch != '_' && *ch != '.') {
                    return bad(err, errlen, key, value,
                               "list ids of letters, digits, '-', '_' and '.'");
                }
            }
        }
        p->all_lists = false;
        p->n_lists = n;
    } else if (!strcmp(key, "ftm_topics")) {
        return kind_pairs(value, p->topics, p->topic_kind, &p->n_topics, key, "topic", err, errlen);
    } else if (!strcmp(key, "ftm_sanctions")) {
        return kind_pairs(value, p->sanctions, p->sanction_kind, &p->n_sanctions, key, "list", err,
                          errlen);
    } else if (!strcmp(key, "strict")) {
        if (parse_bool(value, &p->strict) < 0) {
            return bad(err, errlen, key, value, "true or false");
        }
    } else if (!strcmp(key, "evidence_paths")) {
        if (parse_double(value, 1, 100, &d) < 0 || d != floor(d)) {
            return bad(err, errlen, key, value, "a whole number from 1 to 100");
        }
        p->evidence_paths = (int)d;
    } else {
        snprintf(err, errlen, "unknown key '%s'", key);
        return -ENOENT;
    }
    return 0;
}

bool veu_policy_dated(const veu_policy_t *p)
{
    return p->suspended_from[0] || p->inclusive_from[0];
}

void veu_policy_on(const veu_policy_t *p, const char *day, veu_policy_t *out)
{
    *out = *p;
    if (p->inclusive_from[0]) {
        out->control_inclusive = strcmp(day, p->inclusive_from) >= 0;
    }
    out->suspended = p->suspended_from[0] && strcmp(day, p->suspended_from) >= 0 &&
                     strcmp(day, p->suspended_until) < 0;
}

bool veu_policy_controls(const veu_policy_t *p, double percent)
{
    if (p->control_inclusive) {
        return percent >= p->control_threshold - VEU_PERCENT_EPS;
    }
    return percent > p->control_threshold + VEU_PERCENT_EPS;
}

bool veu_policy_is_target(const veu_policy_t *p, const char *country)
{
    /* An unknown country is screened as a target: nothing shows it is home. */
    if (!country || !*country) {
        return true;
    }
    if (!strcmp(country, p->home_country)) {
        return false;
    }
    if (p->all_targets) {
        return true;
    }
    for (int i = 0; i < p->n_targets; i++) {
        if (!strcmp(country, p->targets[i])) {
            return true;
        }
    }
    return false;
}

static int kind_of(const char (*words)[VEU_POLICY_WORD], const unsigned char *kinds, int n,
                   const char *w)
{
    for (int i = 0; i < n; i++) {
        if (w && !strcasecmp(w, words[i])) {
            return kinds[i];
        }
    }
    return 0;
}

int veu_policy_topic_kind(const veu_policy_t *p, const char *topic)
{
    return kind_of(p->topics, p->topic_kind, p->n_topics, topic);
}

int veu_policy_sanction_kind(const veu_policy_t *p, const char *list, const char *program)
{
    for (int i = 0; i < p->n_sanctions; i++) {
        const char *w = p->sanctions[i], *slash = strchr(w, '/');
        size_t dl = slash ? (size_t)(slash - w) : strlen(w);
        if (!list || strlen(list) != dl || strncasecmp(list, w, dl) != 0) {
            continue;
        }
        if (!slash || (program && strcasestr(program, slash + 1))) {
            return p->sanction_kind[i]; /* the first pair that fits */
        }
    }
    return 0;
}

/* word:kind pairs, comma-separated ("none" for none): the JSON value and the setting. */
static void pairs_text(const char (*words)[VEU_POLICY_WORD], const unsigned char *kinds, int n,
                       char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && o < len; i++) {
        o += (size_t)snprintf(buf + o, len - o, "%s%s:%s", i ? "," : "", words[i],
                              kinds[i] == 1 ? "defense" : "military");
    }
    if (!n) {
        snprintf(buf, len, "none");
    }
}

bool veu_policy_selects_list(const veu_policy_t *p, const char *list)
{
    if (p->all_lists) {
        return true;
    }
    for (int i = 0; i < p->n_lists; i++) {
        if (list && !strcasecmp(list, p->lists[i])) {
            return true;
        }
    }
    return false;
}

bool veu_policy_is_dual_use(const veu_policy_t *p, const char *sector)
{
    for (int i = 0; i < p->n_dual_use; i++) {
        if (!strcmp(sector, p->dual_use[i])) {
            return true;
        }
    }
    return false;
}

int veu_policy_json(const veu_policy_t *p, char *buf, size_t len)
{
    char targets[VEU_POLICY_MAX_LIST * 6 + 8] = "", sectors[VEU_POLICY_MAX_LIST * 36 + 8] = "";
    size_t o = 0;
    int n;

    if (p->all_targets) {
        snprintf(targets, sizeof(targets), "\"*\"");
    } else {
        o += (size_t)snprintf(targets + o, sizeof(targets) - o, "[");
        for (int i = 0; i < p->n_targets; i++) {
            o += (size_t)snprintf(targets + o, sizeof(targets) - o, "%s\"%s\"", i ? "," : "",
                                  p->targets[i]);
        }
        snprintf(targets + o, sizeof(targets) - o, "]");
    }
    o = (size_t)snprintf(sectors, sizeof(sectors), "[");
    for (int i = 0; i < p->n_dual_use; i++) {
        /* sector words come from the config: keep only safe characters */
        o += (size_t)snprintf(sectors + o, sizeof(sectors) - o, "%s\"", i ? "," : "");
        for (const char *c = p->dual_use[i]; *c; c++) {
            if (*c != '"' && *c != '\\' && (unsigned char)*c >= 0x20) {
                sectors[o++] = *c;
            }
        }
        o += (size_t)snprintf(sectors + o, sizeof(sectors) - o, "\"");
    }
    snprintf(sectors + o, sizeof(sectors) - o, "]");
    char lists[VEU_POLICY_MAX_LIST * (VEU_POLICY_WORD + 3) + 8] = "\"*\"";
    char topics[VEU_POLICY_TOPICS * (VEU_POLICY_WORD + 12) + 8];
    char sanctions[VEU_POLICY_TOPICS * (VEU_POLICY_WORD + 12) + 8];
    pairs_text(p->topics, p->topic_kind, p->n_topics, topics, sizeof(topics));
    pairs_text(p->sanctions, p->sanction_kind, p->n_sanctions, sanctions, sizeof(sanctions));
    if (!p->all_lists) {
        o = (size_t)snprintf(lists, sizeof(lists), "[");
        for (int i = 0; i < p->n_lists; i++) {
            o += (size_t)snprintf(lists + o, sizeof(lists) - o, "%s\"%s\"", i ? "," : "",
                                  p->lists[i]); /* checked: no quote or backslash */
        }
        snprintf(lists + o, sizeof(lists) - o, "]");
    }
    n = snprintf(
        buf, len,
        "{\"home_country\":\"%s\",\"target_countries\":%s,\"control_threshold\":%.17g,"
        "\"control_inclusive\":%s,\"minority_threshold\":%.17g,\"supply_depth\":%d,"
        "\"dual_use_sectors\":%s,\"strict\":%s,\"evidence_paths\":%d,"
        "\"regime\":\"%s\",\"aggregate_owners\":%s,\"control_without_ownership\":%s,"
        "\"suspended\":\"%s%s%s\",\"control_inclusive_from\":\"%s\",\"unknown_stakes\":\"%s\","
        "\"seed_lists\":%s,\"ftm_topics\":\"%s\",\"ftm_sanctions\":\"%s\"}",
        p->home_country, targets, p->control_threshold, p->control_inclusive ? "true" : "false",
        p->minority_threshold, p->supply_depth, sectors, p->strict ? "true" : "false",
        p->evidence_paths, p->regime[0] ? p->regime : "veu", p->aggregate_owners ? "true" : "false",
        p->control_without_ownership ? "true" : "false", p->suspended_from,
        p->suspended_from[0] ? ".." : "", p->suspended_until, p->inclusive_from,
        p->review_unknown ? "review" : "ignore", lists, topics, sanctions);
    return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int veu_policy_args(const veu_policy_t *p, char out[VEU_POLICY_ARGS][VEU_POLICY_ARG_SIZE])
{
    const size_t len = VEU_POLICY_ARG_SIZE;
    int k = 0;

    if (p->regime[0]) {
        snprintf(out[k++], len, "regime=%s", p->regime);
    }
    snprintf(out[k++], len, "home_country=%s", p->home_country);
    if (p->all_targets) {
        snprintf(out[k++], len, "target_countries=*");
    } else {
        size_t o = (size_t)snprintf(out[k], len, "target_countries=");
        for (int i = 0; i < p->n_targets; i++) {
            o += (size_t)snprintf(out[k] + o, len - o, "%s%s", i ? "," : "", p->targets[i]);
        }
        k++;
    }
    size_t o = (size_t)snprintf(out[k], len, "dual_use_sectors=");
    for (int i = 0; i < p->n_dual_use; i++) {
        o += (size_t)snprintf(out[k] + o, len - o, "%s%s", i ? "," : "", p->dual_use[i]);
    }
    k++;
    snprintf(out[k++], len, "minority_threshold=%.17g", p->minority_threshold);
    snprintf(out[k++], len, "supply_depth=%d", p->supply_depth);
    snprintf(out[k++], len, "strict=%s", p->strict ? "true" : "false");
    snprintf(out[k++], len, "evidence_paths=%d", p->evidence_paths);
    snprintf(out[k++], len, "unknown_stakes=%s", p->review_unknown ? "review" : "ignore");
    char pairs[VEU_POLICY_TOPICS * (VEU_POLICY_WORD + 12) + 8];
    pairs_text(p->topics, p->topic_kind, p->n_topics, pairs, sizeof(pairs));
    snprintf(out[k++], len, "ftm_topics=%s", pairs);
    pairs_text(p->sanctions, p->sanction_kind, p->n_sanctions, pairs, sizeof(pairs));
    snprintf(out[k++], len, "ftm_sanctions=%s", pairs);
    if (p->all_lists) {
        snprintf(out[k++], len, "seed_lists=*");
    } else {
        o = (size_t)snprintf(out[k], len, "seed_lists=");
        for (int i = 0; i < p->n_lists; i++) {
            o += (size_t)snprintf(out[k] + o, len - o, "%s%s", i ? "," : "", p->lists[i]);
        }
        k++;
    }
    /* the keys a regime presets: only those set over it, so that its dated rules stay */
    unsigned keys = p->regime[0] ? p->explicit_keys : ~0u;
    if (keys & VEU_PK_THRESHOLD) {
        snprintf(out[k++], len, "control_threshold=%.17g", p->control_threshold);
    }
    if (keys & VEU_PK_INCLUSIVE) {
        snprintf(out[k++], len, "control_inclusive=%s", p->control_inclusive ? "true" : "false");
    }
    if (keys & VEU_PK_AGGREGATE) {
        snprintf(out[k++], len, "aggregate_owners=%s", p->aggregate_owners ? "true" : "false");
    }
    if (keys & VEU_PK_CONTROL) {
        snprintf(out[k++], len, "control_without_ownership=%s",
                 p->control_without_ownership ? "true" : "false");
    }
    if (keys & VEU_PK_SUSPENDED) {
        snprintf(out[k++], len, "suspended=%s%s%s", p->suspended_from,
                 p->suspended_from[0] ? ".." : "", p->suspended_until);
    }
    return k;
}

void veu_policy_digest(const veu_policy_t *p, char ret_hex[17])
{
    char buf[8192];
    int n = veu_policy_json(p, buf, sizeof(buf));

    snprintf(ret_hex, 17, "%016llx", (unsigned long long)XXH3_64bits(buf, n > 0 ? (size_t)n : 0));
}
