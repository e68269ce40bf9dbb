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
 * usage: gen [--format csv|ftm|gleif] [--shape core] ENTITIES OUT_DIR [SEED]
 *
 * --shape core makes a hard graph, as real ownership networks are (a giant
 * strongly connected core among the largest groups; registers whose stakes
 * add up above 100%): owners are drawn heavy-tailed from the whole id range,
 * not only from above what they own, and a third of the entities have stakes
 * of 40-90% per row, so that their recorded stakes often add up above 100%.
 *
 * --format ftm writes the same graph (entities, ownership, the defense and
 * military designations as dated Sanctions; no supply, which FtM has not)
 * as one FollowTheMoney JSON-lines export, entities.ftm.json, in the shape
 * OpenSanctions publishes.  --format gleif writes a GLEIF golden copy of
 * ENTITIES LEI-CDF records with ENTITIES / 5.4 RR-CDF relationships (the
 * ratio of the real files: 2.7M and 0.5M), every column of the golden copy
 * quoted as GLEIF quotes it, plus a delta file of each restating 1% of the
 * records with a later LastUpdateDate, and a designations.csv naming 1%.
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

/* ---- FollowTheMoney ------------------------------------------------ */

static void ftm_entity(FILE *f, uint64_t i, const char *name, const char *alias,
                       const char *country, const char *sector)
{
    char cc[3] = {(char)(country[0] - 'A' + 'a'), (char)(country[1] - 'A' + 'a'), 0};
    uint64_t h = mix(i * 7 + 3);
    fprintf(f,
            "{\"id\":\"gen-%010llu\",\"caption\":\"%s\",\"schema\":\"Company\","
            "\"properties\":{\"name\":[\"%s\"]%s%s%s,\"jurisdiction\":[\"%s\"],"
            "\"sector\":[\"%s\"],\"registrationNumber\":[\"HRB %llu\"],"
            "\"incorporationDate\":[\"%llu-%02llu-%02llu\"]},\"datasets\":[\"gen_registry\"],"
            "\"first_seen\":\"2024-01-01T00:00:00\",\"last_seen\":\"2026-12-01T00:00:00\"}\n",
            (unsigned long long)i, name, name, *alias ? ",\"alias\":[\"" : "", alias,
            *alias ? "\"]" : "", cc, sector, (unsigned long long)(h % 900000 + 1000),
            (unsigned long long)(1950 + h % 70), (unsigned long long)(1 + (h >> 8) % 12),
            (unsigned long long)(1 + (h >> 16) % 28));
}

static void ftm_sanction(FILE *f, uint64_t i, const char *list)
{
    fprintf(f,
            "{\"id\":\"gen-sanc-%010llu\",\"caption\":\"Synthetic list\",\"schema\":\"Sanction\","
            "\"properties\":{\"entity\":[\"gen-%010llu\"],\"authority\":[\"Synthetic "
            "authority\"],\"program\":[\"Synthetic list\"],\"startDate\":[\"2024-01-01\"]},"
            "\"referents\":[],\"datasets\":[\"%s\"],\"first_seen\":\"2024-01-01T00:00:00\","
            "\"last_seen\":\"2026-12-01T00:00:00\",\"target\":false}\n",
            (unsigned long long)i, (unsigned long long)i, list);
}

static void ftm_link(FILE *f, uint64_t k, uint64_t owner, uint64_t owned, double pct, int control)
{
    if (control) {
        fprintf(f,
                "{\"id\":\"gen-ctl-%llu\",\"schema\":\"Control\",\"properties\":{\"controller\":"
                "[\"gen-%010llu\"],\"entity\":[\"gen-%010llu\"]},\"datasets\":[\"gen_registry\"]}"
                "\n",
                (unsigned long long)k, (unsigned long long)owner, (unsigned long long)owned);
        return;
    }
    fprintf(f,
            "{\"id\":\"gen-own-%llu\",\"schema\":\"Ownership\",\"properties\":{\"owner\":"
            "[\"gen-%010llu\"],\"asset\":[\"gen-%010llu\"],\"percentage\":[\"%.2f\"],"
            "\"startDate\":[\"2020\"]},\"datasets\":[\"gen_registry\"]}\n",
            (unsigned long long)k, (unsigned long long)owner, (unsigned long long)owned, pct);
}

/* ---- GLEIF golden copy ---------------------------------------------- */

/* A valid LEI (ISO 17442: MOD 97-10 check digits) for entity i. */
static void make_lei(uint64_t i, char out[21])
{
    static const char al[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    uint64_t h = mix(i + 99);
    snprintf(out, 21, "5493%02llu", (unsigned long long)(h % 100));
    for (int k = 6; k < 18; k++) {
        out[k] = al[(h >> (k * 3 % 60)) % 36];
        if (k == 10) {
            h = mix(h);
        }
    }
    snprintf(out + 12, 9, "%06llu", (unsigned long long)(i % 1000000)); /* unique with 0..5 */
    out[10] = al[(i / 1000000) % 36];
    out[11] = al[(i / 36000000) % 36];
    unsigned rem = 0;
    for (int k = 0; k < 18; k++) {
        int v = out[k] <= '9' ? out[k] - '0' : out[k] - 'A' + 10;
        rem = v >= 10 ? (rem * 100 + (unsigned)v) % 97 : (rem * 10 + (unsigned)v) % 97;
    }
    rem = (rem * 100) % 97;
    unsigned check = 98 - rem;
    out[18] = (char)('0' + check / 10);
    out[19] = (char)('0' + check % 10);
    out[20] = '\0';
}

/* The LEI-CDF golden copy's columns, in its order; returns how many. */
static int lei_columns(char cols[][96])
{
    int n = 0;
    static const char *addr[] = {"xmllang",
                                 "FirstAddressLine",
                                 "AddressNumber",
                                 "AddressNumberWithinBuilding",
                                 "MailRouting",
                                 "AdditionalAddressLine.1",
                                 "AdditionalAddressLine.2",
                                 "AdditionalAddressLine.3",
                                 "City",
                                 "Region",
                                 "Country",
                                 "PostalCode"};
    snprintf(cols[n++], 96, "LEI");
    snprintf(cols[n++], 96, "Entity.LegalName");
    snprintf(cols[n++], 96, "Entity.LegalName.xmllang");
    for (int k = 1; k <= 5; k++) {
        snprintf(cols[n++], 96, "Entity.OtherEntityNames.OtherEntityName.%d", k);
        snprintf(cols[n++], 96, "Entity.OtherEntityNames.OtherEntityName.%d.xmllang", k);
        snprintf(cols[n++], 96, "Entity.OtherEntityNames.OtherEntityName.%d.type", k);
    }
    for (int k = 1; k <= 5; k++) {
        snprintf(cols[n++], 96,
                 "Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.%d", k);
        snprintf(cols[n++], 96,
                 "Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.%d.xmllang",
                 k);
        snprintf(cols[n++], 96,
                 "Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.%d.type", k);
    }
    for (int a = 0; a < 12; a++) {
        snprintf(cols[n++], 96, "Entity.LegalAddress.%s", addr[a]);
    }
    for (int a = 0; a < 12; a++) {
        snprintf(cols[n++], 96, "Entity.HeadquartersAddress.%s", addr[a]);
    }
    for (int k = 1; k <= 2; k++) {
        snprintf(cols[n++], 96, "Entity.OtherAddresses.OtherAddress.%d.type", k);
        for (int a = 0; a < 12; a++) {
            snprintf(cols[n++], 96, "Entity.OtherAddresses.OtherAddress.%d.%s", k, addr[a]);
        }
    }
    for (int k = 1; k <= 2; k++) {
        snprintf(cols[n++], 96,
                 "Entity.TransliteratedOtherAddresses.TransliteratedOtherAddress.%d.type", k);
        for (int a = 0; a < 12; a++) {
            snprintf(cols[n++], 96,
                     "Entity.TransliteratedOtherAddresses.TransliteratedOtherAddress.%d.%s", k,
                     addr[a]);
        }
    }
    static const char *more[] = {
        "Entity.RegistrationAuthority.RegistrationAuthorityID",
        "Entity.RegistrationAuthority.OtherRegistrationAuthorityID",
        "Entity.RegistrationAuthority.RegistrationAuthorityEntityID",
        "Entity.LegalJurisdiction",
        "Entity.EntityCategory",
        "Entity.EntitySubCategory",
        "Entity.LegalForm.EntityLegalFormCode",
        "Entity.LegalForm.OtherLegalForm",
        "Entity.AssociatedEntity.AssociatedLEI",
        "Entity.AssociatedEntity.AssociatedEntityName",
        "Entity.AssociatedEntity.type",
        "Entity.EntityStatus",
        "Entity.EntityCreationDate",
        "Entity.EntityExpirationDate",
        "Entity.EntityExpirationReason",
    };
    for (size_t k = 0; k < sizeof(more) / sizeof(more[0]); k++) {
        snprintf(cols[n++], 96, "%s", more[k]);
    }
    for (int k = 1; k <= 5; k++) {
        snprintf(cols[n++], 96, "Entity.SuccessorEntity.%d.SuccessorLEI", k);
        snprintf(cols[n++], 96, "Entity.SuccessorEntity.%d.SuccessorEntityName", k);
    }
    for (int k = 1; k <= 5; k++) {
        static const char *ev[] = {"group_type",
                                   "event_status",
                                   "group_id",
                                   "group_sequence_no",
                                   "LegalEntityEventType",
                                   "LegalEntityEventEffectiveDate",
                                   "LegalEntityEventRecordedDate",
                                   "ValidationDocuments",
                                   "ValidationReference"};
        for (int e = 0; e < 9; e++) {
            snprintf(cols[n++], 96, "Entity.LegalEntityEvents.LegalEntityEvent.%d.%s", k, ev[e]);
        }
    }
    static const char *reg[] = {
        "Registration.InitialRegistrationDate",
        "Registration.LastUpdateDate",
        "Registration.RegistrationStatus",
        "Registration.NextRenewalDate",
        "Registration.ManagingLOU",
        "Registration.ValidationSources",
        "Registration.ValidationAuthority.ValidationAuthorityID",
        "Registration.ValidationAuthority.OtherValidationAuthorityID",
        "Registration.ValidationAuthority.ValidationAuthorityEntityID",
    };
    for (size_t k = 0; k < sizeof(reg) / sizeof(reg[0]); k++) {
        snprintf(cols[n++], 96, "%s", reg[k]);
    }
    for (int k = 1; k <= 5; k++) {
        snprintf(cols[n++], 96,
                 "Registration.OtherValidationAuthorities.OtherValidationAuthority.%d."
                 "ValidationAuthorityID",
                 k);
        snprintf(cols[n++], 96,
                 "Registration.OtherValidationAuthorities.OtherValidationAuthority.%d."
                 "OtherValidationAuthorityID",
                 k);
        snprintf(cols[n++], 96,
                 "Registration.OtherValidationAuthorities.OtherValidationAuthority.%d."
                 "ValidationAuthorityEntityID",
                 k);
    }
    snprintf(cols[n++], 96, "Conformity.ConformityFlag");
    return n;
}

static const char *const rr_cols[] = {"Relationship.StartNode.NodeID",
                                      "Relationship.StartNode.NodeIDType",
                                      "Relationship.EndNode.NodeID",
                                      "Relationship.EndNode.NodeIDType",
                                      "Relationship.RelationshipType",
                                      "Relationship.RelationshipStatus",
                                      "Relationship.Period.1.startDate",
                                      "Relationship.Period.1.endDate",
                                      "Relationship.Period.1.periodType",
                                      "Relationship.Period.2.startDate",
                                      "Relationship.Period.2.endDate",
                                      "Relationship.Period.2.periodType",
                                      "Relationship.Period.3.startDate",
                                      "Relationship.Period.3.endDate",
                                      "Relationship.Period.3.periodType",
                                      "Relationship.Qualifiers.1.QualifierDimension",
                                      "Relationship.Qualifiers.1.QualifierCategory",
                                      "Relationship.Quantifiers.1.MeasurementMethod",
                                      "Relationship.Quantifiers.1.QuantifierAmount",
                                      "Relationship.Quantifiers.1.QuantifierUnits",
                                      "Registration.InitialRegistrationDate",
                                      "Registration.LastUpdateDate",
                                      "Registration.RegistrationStatus",
                                      "Registration.NextRenewalDate",
                                      "Registration.ManagingLOU",
                                      "Registration.ValidationSources",
                                      "Registration.ValidationDocuments",
                                      "Registration.ValidationReference"};
#define RR_NCOLS ((int)(sizeof(rr_cols) / sizeof(rr_cols[0])))

/* One LEI-CDF record: every column quoted, most empty, as in the golden copy. */
static void lei_record(FILE *f, char cols[][96], int ncols, uint64_t i, const char *update,
                       const char *suffix)
{
    static const char *countries[] = {"US", "GB", "DE", "FR", "IT", "JP", "KR", "CN", "IN",
                                      "BR", "SE", "NL", "ES", "CA", "AU", "LU", "IE", "CH"};
    char lei[21], name[160], alias[8];
    make_lei(i, lei);
    company_name(i, name, sizeof(name), alias, sizeof(alias));
    uint64_t h = mix(i + 4242);
    const char *cc = countries[h % 18];
    for (int c = 0; c < ncols; c++) {
        const char *col = cols[c], *v = "";
        char buf[200];
        if (!strcmp(col, "LEI")) {
            v = lei;
        } else if (!strcmp(col, "Entity.LegalName")) {
            snprintf(buf, sizeof(buf), "%s%s", name, suffix);
            v = buf;
        } else if (!strcmp(col, "Entity.LegalName.xmllang")) {
            v = "en";
        } else if (!strcmp(col, "Entity.OtherEntityNames.OtherEntityName.1") && h % 10 == 0) {
            snprintf(buf, sizeof(buf), "%s Holding", name);
            v = buf;
        } else if (!strcmp(col, "Entity.OtherEntityNames.OtherEntityName.1.type") && h % 10 == 0) {
            v = "PREVIOUS_LEGAL_NAME";
        } else if (!strcmp(col, "Entity.LegalAddress.FirstAddressLine") ||
                   !strcmp(col, "Entity.HeadquartersAddress.FirstAddressLine")) {
            snprintf(buf, sizeof(buf), "%llu Example Street", (unsigned long long)(h % 300 + 1));
            v = buf;
        } else if (!strcmp(col, "Entity.LegalAddress.City") ||
                   !strcmp(col, "Entity.HeadquartersAddress.City")) {
            v = "Example City";
        } else if (!strcmp(col, "Entity.LegalAddress.Country") ||
                   !strcmp(col, "Entity.HeadquartersAddress.Country")) {
            v = cc;
        } else if (!strcmp(col, "Entity.LegalAddress.PostalCode") ||
                   !strcmp(col, "Entity.HeadquartersAddress.PostalCode")) {
            snprintf(buf, sizeof(buf), "%05llu", (unsigned long long)(h % 100000));
            v = buf;
        } else if (!strcmp(col, "Entity.LegalAddress.xmllang") ||
                   !strcmp(col, "Entity.HeadquartersAddress.xmllang")) {
            v = "en";
        } else if (!strcmp(col, "Entity.RegistrationAuthority.RegistrationAuthorityID")) {
            v = "RA000665";
        } else if (!strcmp(col, "Entity.RegistrationAuthority.RegistrationAuthorityEntityID")) {
            snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(h % 9000000 + 100000));
            v = buf;
        } else if (!strcmp(col, "Entity.LegalJurisdiction")) {
            v = cc;
        } else if (!strcmp(col, "Entity.EntityCategory")) {
            v = h % 7 == 0 ? "FUND" : "GENERAL";
        } else if (!strcmp(col, "Entity.LegalForm.EntityLegalFormCode")) {
            v = "8888";
        } else if (!strcmp(col, "Entity.LegalForm.OtherLegalForm")) {
            v = "LIMITED COMPANY";
        } else if (!strcmp(col, "Entity.EntityStatus")) {
            v = "ACTIVE";
        } else if (!strcmp(col, "Entity.EntityCreationDate")) {
            snprintf(buf, sizeof(buf), "%llu-01-15T00:00:00.000Z",
                     (unsigned long long)(1950 + h % 70));
            v = buf;
        } else if (!strcmp(col, "Registration.InitialRegistrationDate")) {
            v = "2014-03-01T00:00:00.000Z";
        } else if (!strcmp(col, "Registration.LastUpdateDate")) {
            v = update;
        } else if (!strcmp(col, "Registration.RegistrationStatus")) {
            v = h % 5 == 0 ? "LAPSED" : "ISSUED";
        } else if (!strcmp(col, "Registration.NextRenewalDate")) {
            v = "2027-03-01T00:00:00.000Z";
        } else if (!strcmp(col, "Registration.ManagingLOU")) {
            v = "5493001KJTIIGC8Y1R12";
        } else if (!strcmp(col, "Registration.ValidationSources")) {
            v = "FULLY_CORROBORATED";
        } else if (!strcmp(col, "Registration.ValidationAuthority.ValidationAuthorityID")) {
            v = "RA000665";
        } else if (!strcmp(col, "Conformity.ConformityFlag")) {
            v = "CONFORMING";
        }
        fprintf(f, "%s\"%s\"", c ? "," : "", v);
    }
    fputc('\n', f);
}

static void rr_record(FILE *f, uint64_t child, uint64_t parent, const char *type,
                      const char *update)
{
    char a[21], b[21];
    make_lei(child, a);
    make_lei(parent, b);
    const char *v[RR_NCOLS] = {a,
                               "LEI",
                               b,
                               "LEI",
                               type,
                               "ACTIVE",
                               "2015-01-01T00:00:00.000Z",
                               "",
                               "RELATIONSHIP_PERIOD",
                               "2016-01-01T00:00:00.000Z",
                               "",
                               "ACCOUNTING_PERIOD",
                               "",
                               "",
                               "",
                               "ACCOUNTING_STANDARD",
                               "IFRS",
                               "",
                               "",
                               "",
                               "2014-03-01T00:00:00.000Z",
                               update,
                               "PUBLISHED",
                               "2027-03-01T00:00:00.000Z",
                               "5493001KJTIIGC8Y1R12",
                               "FULLY_CORROBORATED",
                               "ACCOUNTS_FILING",
                               ""};
    for (int c = 0; c < RR_NCOLS; c++) {
        fprintf(f, "%s\"%s\"", c ? "," : "", v[c]);
    }
    fputc('\n', f);
}

static FILE *open_out(const char *dir, const char *name);

static int gen_gleif(uint64_t n, const char *dir)
{
    static char cols[300][96];
    int ncols = lei_columns(cols);
    FILE *l = open_out(dir, "gleif-lei-golden-copy.csv");
    FILE *ld = open_out(dir, "gleif-lei-delta.csv");
    FILE *r = open_out(dir, "gleif-rr-golden-copy.csv");
    FILE *rd = open_out(dir, "gleif-rr-delta.csv");
    FILE *d = open_out(dir, "designations.csv");
    for (int c = 0; c < ncols; c++) {
        fprintf(l, "%s\"%s\"", c ? "," : "", cols[c]);
        fprintf(ld, "%s\"%s\"", c ? "," : "", cols[c]);
    }
    fputc('\n', l);
    fputc('\n', ld);
    for (int c = 0; c < RR_NCOLS; c++) {
        fprintf(r, "%s\"%s\"", c ? "," : "", rr_cols[c]);
        fprintf(rd, "%s\"%s\"", c ? "," : "", rr_cols[c]);
    }
    fputc('\n', r);
    fputc('\n', rd);
    fprintf(d, "entity_id,designation,source,list\n");
    for (uint64_t i = 0; i < n; i++) {
        lei_record(l, cols, ncols, i, "2026-11-30T08:00:00.000Z", "");
        if (next() % 100 == 0) { /* restated later in the delta: a new name */
            lei_record(ld, cols, ncols, i, "2026-12-06T08:00:00.000Z", " (renamed)");
        }
        if (next() % 100 == 0) {
            char lei[21];
            make_lei(i, lei);
            fprintf(d, "LEI:%s,%s,Synthetic list,gen-list\n", lei,
                    next() % 2 ? "defense" : "military");
        }
    }
    uint64_t m = n * 10 / 54; /* 2.7M records : 0.5M relationships */
    for (uint64_t k = 0; k < m; k++) {
        uint64_t child = 1 + next() % (n - 1), parent = skewed(child);
        if (parent == child) {
            continue;
        }
        uint64_t t = next() % 100;
        const char *type = t < 50   ? "IS_DIRECTLY_CONSOLIDATED_BY"
                           : t < 92 ? "IS_ULTIMATELY_CONSOLIDATED_BY"
                           : t < 97 ? "IS_FUND-MANAGED_BY"
                                    : "IS_INTERNATIONAL_BRANCH_OF";
        rr_record(r, child, parent, type, "2026-11-30T08:00:00.000Z");
        if (next() % 100 == 0) {
            rr_record(rd, child, parent, type, "2026-12-06T08:00:00.000Z");
        }
    }
    fclose(l);
    fclose(ld);
    fclose(r);
    fclose(rd);
    fclose(d);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *countries[] = {"US", "GB", "DE", "FR", "IT", "JP", "KR", "RU", "IL",
                                      "CN", "IN", "BR", "SE", "NL", "ES", "CA", "AU", "TR"};
    static const char *sectors[] = {"automotive", "aerospace", "electronics", "energy",
                                    "finance",    "retail",    "mining",      "software",
                                    "chemicals",  "logistics"};
    const char *format = "csv";
    int core = 0;
    for (;;) {
        if (argc > 2 && !strcmp(argv[1], "--format")) {
            format = argv[2];
        } else if (argc > 2 && !strcmp(argv[1], "--shape") && !strcmp(argv[2], "core")) {
            core = 1;
        } else {
            break;
        }
        argv += 2;
        argc -= 2;
    }
    int ftm = !strcmp(format, "ftm");
    if (argc < 3 || (!ftm && strcmp(format, "csv") && strcmp(format, "gleif"))) {
        fprintf(stderr,
                "usage: gen [--format csv|ftm|gleif] [--shape core] ENTITIES OUT_DIR [SEED]\n");
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
    if (!strcmp(format, "gleif")) {
        return gen_gleif(n, argv[2]);
    }
    /* FtM: everything in one export; the CSV files are then not written */
    FILE *x = ftm ? open_out(argv[2], "entities.ftm.json") : NULL;
    FILE *e = ftm ? x : open_out(argv[2], "entities.csv");
    FILE *d = ftm ? x : open_out(argv[2], "designations.csv");
    FILE *o = ftm ? x : open_out(argv[2], "ownership.csv");
    FILE *s = ftm ? NULL : open_out(argv[2], "supply.csv");
    if (!ftm) {
        fprintf(e, "id,name,country,sector,aliases\n");
        fprintf(d, "entity_id,designation,source,listed_on\n");
        fprintf(o, "owner_id,owned_id,percent,kind\n");
        fprintf(s, "supplier_id,customer_id,product\n");
    }
    for (uint64_t i = 0; i < n; i++) {
        char name[128], alias[8];
        company_name(i, name, sizeof(name), alias, sizeof(alias));
        const char *sector = sectors[next() % 10]; /* drawn in the order the CSV always had */
        const char *country = countries[next() % 18];
        uint64_t r = next() % 1000;
        if (ftm) {
            ftm_entity(x, i, name, alias, country, sector);
            if (r < 30) {
                ftm_sanction(x, i, r < 25 ? "gen_defense_list" : "gen_military_list");
            }
            continue;
        }
        fprintf(e, "GEN:%010llu,\"%s\",%s,%s,%s\n", (unsigned long long)i, name, country, sector,
                alias);
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
        /* owners mostly sit "above" what they own; in a core, anywhere */
        uint64_t owner = core ? skewed(n) : skewed(owned);
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
            double p = 0.5 + unit() * 9.5;
            if (ftm) {
                ftm_link(x, k * 2 + 1, owned, owner, p, 0);
            } else {
                fprintf(o, "GEN:%010llu,GEN:%010llu,%.2f,equity\n", (unsigned long long)owned,
                        (unsigned long long)owner, p);
            }
        }
        uint64_t r = next() % 100;
        if (ftm) {
            ftm_link(x, k * 2, owner, owned,
                     r < 2    ? 0
                     : r < 10 ? 50.0 + unit() * 50.0
                              : 0.5 + unit() * 14.5,
                     r < 2);
            continue;
        }
        if (r < 2) {
            fprintf(o, "GEN:%010llu,GEN:%010llu,,control\n", (unsigned long long)owner,
                    (unsigned long long)owned);
        } else if (r < 10) {
            fprintf(o, "GEN:%010llu,GEN:%010llu,%.2f,equity\n", (unsigned long long)owner,
                    (unsigned long long)owned, 50.0 + unit() * 50.0);
        } else if (core && mix(owned) % 3 == 0) {
            fprintf(o, "GEN:%010llu,GEN:%010llu,%.2f,equity\n", (unsigned long long)owner,
                    (unsigned long long)owned, 40.0 + unit() * 50.0);
        } else {
            fprintf(o, "GEN:%010llu,GEN:%010llu,%.2f,equity\n", (unsigned long long)owner,
                    (unsigned long long)owned, 0.5 + unit() * 14.5);
        }
    }
    if (ftm) {
        fclose(x);
        return 0; /* FollowTheMoney has no supply */
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
