/* SPDX-License-Identifier: MIT */
/*
 * gen.c: writes a synthetic registry of any size in the dataset format, for
 * benchmarks.  Shape, per entity on average: two ownership rows and one
 * supply row (three edges).  Owners are drawn from a heavy-tailed
 * distribution (a few holding companies own much, most own little), stakes
 * are mostly small with some majority stakes, a small share of rows point
 * "upwards" to make cross-holdings and cycles, about 3% of entities are
 * designated defense or military, and 1% validated end users.
 *
 * usage: gen ENTITIES OUT_DIR [SEED]
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t state = 88172645463325252ull;

static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static double unit(void)
{
    return (double)(next() >> 11) / 9007199254740992.0;
}

/* An index below n, skewed towards small values (owners are few and big). */
static uint64_t skewed(uint64_t n)
{
    double u = unit();
    return (uint64_t)(pow(u, 3.0) * (double)n) % n;
}

/* A hash of x: names come from it, so the graph is the same with or without them. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

/*
 * A company name of one to three made-up words (27,000 of them, common ones
 * far more often, as real names reuse "Global" and "United"), perhaps a
 * trade, and a legal form: "Kavenro Tallux Systems GmbH".  One entity in ten
 * has its initials as an alias.
 */
static void company_name(uint64_t i, char *name, size_t cap, char *alias, size_t acap)
{
    static const char *syl[] = {"ka",  "ro",  "ven", "tal", "mi",  "sor", "de",  "lux",
                                "an",  "bri", "co",  "fen", "gar", "hol", "ix",  "jo",
                                "kre", "lin", "mor", "nu",  "ost", "pra", "qui", "ras",
                                "sti", "tor", "ul",  "vex", "wen", "zan"};
    static const char *trade[] = {"Systems",     "Industries",   "Aerospace", "Motors",
                                  "Electronics", "Technologies", "Trading",   "Energy"};
    static const char *forms[] = {"GmbH", "Inc.",      "Ltd", "LLC",    "S.A.",
                                  "AG",   "Co., Ltd.", "PLC", "S.p.A.", "B.V."};
    uint64_t h = mix(i + 0x1234567);
    int words = 1 + (int)(h % 3);
    size_t n = 0, a = 0;

    for (int j = 0; j < words; j++) {
        uint64_t r = mix(h + (uint64_t)j + 1);
        double u = (double)(r >> 11) / 9007199254740992.0;
        uint64_t k = (uint64_t)(u * u * 27000.0);
        char w[16];
        snprintf(w, sizeof(w), "%s%s%s", syl[k % 30], syl[k / 30 % 30], syl[k / 900 % 30]);
        w[0] = (char)(w[0] - 'a' + 'A');
        n += (size_t)snprintf(name + n, cap - n, "%s%s", j ? " " : "", w);
        alias[a++] = w[0];
    }
    if (h >> 40 & 1) {
        n += (size_t)snprintf(name + n, cap - n, " %s", trade[(h >> 41) % 8]);
    }
    snprintf(name + n, cap - n, " %s", forms[(h >> 44) % 10]);
    alias[(h >> 48) % 10 == 0 && words > 1 ? a : 0] = '\0';
    (void)acap;
}

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

int main(int argc, char **argv)
{
    static const char *countries[] = {"US", "GB", "DE", "FR", "IT", "JP", "KR", "RU", "IL",
                                      "CN", "IN", "BR", "SE", "NL", "ES", "CA", "AU", "TR"};
    static const char *sectors[] = {"automotive", "aerospace", "electronics", "energy",
                                    "finance",    "retail",    "mining",      "software",
                                    "chemicals",  "logistics"};
    if (argc < 3) {
        fprintf(stderr, "usage: gen ENTITIES OUT_DIR [SEED]\n");
        return 64;
    }
    uint64_t n = strtoull(argv[1], NULL, 10);
    if (argc > 3) {
        state ^= strtoull(argv[3], NULL, 10) * 0x9E3779B97F4A7C15ull;
    }
    if (n < 10) {
        fprintf(stderr, "gen: at least 10 entities\n");
        return 64;
    }
    mkdir(argv[2], 0755);
    FILE *e = open_out(argv[2], "entities.csv");
    FILE *d = open_out(argv[2], "designations.csv");
    FILE *o = open_out(argv[2], "ownership.csv");
    FILE *s = open_out(argv[2], "supply.csv");
    fprintf(e, "id,name,country,sector,aliases\n");
    fprintf(d, "entity_id,designation,source,listed_on\n");
    fprintf(o, "owner_id,owned_id,percent,kind\n");
    fprintf(s, "supplier_id,customer_id,product\n");
    for (uint64_t i = 0; i < n; i++) {
        char name[128], alias[8];
        company_name(i, name, sizeof(name), alias, sizeof(alias));
        fprintf(e, "GEN:%010llu,\"%s\",%s,%s,%s\n", (unsigned long long)i, name,
                countries[next() % 18], sectors[next() % 10], alias);
        uint64_t r = next() % 1000;
        if (r < 25) {
            fprintf(d, "GEN:%010llu,defense,Synthetic list,2024-01-01\n", (unsigned long long)i);
        } else if (r < 30) {
            fprintf(d, "GEN:%010llu,military,Synthetic list,2024-01-01\n", (unsigned long long)i);
        } else if (r < 40) {
            fprintf(d, "GEN:%010llu,validated_end_user,Synthetic VEU,\n", (unsigned long long)i);
        }
    }
    for (uint64_t k = 0; k < 2 * n; k++) {
        uint64_t owned = 1 + next() % (n - 1);
        uint64_t owner = skewed(owned); /* owners mostly sit "above" what they own */
        if (next() % 50 == 0) {
            owner = owned + 1 + next() % 16; /* an upward row: cross-holdings, cycles */
            if (owner >= n) {
                owner = next() % owned;
            }
        }
        if (owner == owned) {
            continue;
        }
        if (next() % 200 == 0) { /* a cross-holding pair: owned also holds its owner */
            fprintf(o, "GEN:%010llu,GEN:%010llu,%.2f,equity\n", (unsigned long long)owned,
                    (unsigned long long)owner, 0.5 + unit() * 9.5);
        }
        uint64_t r = next() % 100;
        if (r < 2) {
            fprintf(o, "GEN:%010llu,GEN:%010llu,,control\n", (unsigned long long)owner,
                    (unsigned long long)owned);
        } else if (r < 10) {
            fprintf(o, "GEN:%010llu,GEN:%010llu,%.2f,equity\n", (unsigned long long)owner,
                    (unsigned long long)owned, 50.0 + unit() * 50.0);
        } else {
            fprintf(o, "GEN:%010llu,GEN:%010llu,%.2f,equity\n", (unsigned long long)owner,
                    (unsigned long long)owned, 0.5 + unit() * 14.5);
        }
    }
    for (uint64_t k = 0; k < n; k++) {
        uint64_t a = next() % n, b = next() % n;
        if (a != b) {
            fprintf(s, "GEN:%010llu,GEN:%010llu,part %llu\n", (unsigned long long)a,
                    (unsigned long long)b, (unsigned long long)(next() % 500));
        }
    }
    fclose(e);
    fclose(d);
    fclose(o);
    fclose(s);
    return 0;
}
