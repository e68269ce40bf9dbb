/* SPDX-License-Identifier: MIT */
/*
 * reg_gleif.c: GLEIF golden-copy files (CSV).  An LEI-CDF record is an
 * entity "LEI:<lei>"; an RR-CDF record of accounting consolidation, of an
 * international branch or of a sub-fund is a control edge from the parent
 * (EndNode) to the child (StartNode).  Fund management and feeder links, and
 * ended or withdrawn records, are counted, not imported.
 */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_int.h"

const struct colspec reg_lei_cols[] = {
    {"LEI", 1},
    {"Entity.LegalName", 1},
    {"Entity.LegalAddress.Country", 0},
    {"Entity.HeadquartersAddress.Country", 0},
    {"Registration.RegistrationStatus", 0},
    {"Entity.OtherEntityNames.OtherEntityName.1", 0},
    {"Entity.OtherEntityNames.OtherEntityName.2", 0},
    {"Entity.OtherEntityNames.OtherEntityName.3", 0},
    {"Entity.OtherEntityNames.OtherEntityName.4", 0},
    {"Entity.OtherEntityNames.OtherEntityName.5", 0},
    {"Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.1", 0},
    {"Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.2", 0},
    {"Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.3", 0},
    {"Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.4", 0},
    {"Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName.5", 0},
};
const int reg_lei_ncols = (int)(sizeof(reg_lei_cols) / sizeof(reg_lei_cols[0]));
enum { L_LEI, L_NAME, L_COUNTRY, L_HQ, L_REGSTATUS, L_OTHER1 };

const struct colspec reg_rr_cols[] = {
    {"Relationship.StartNode.NodeID", 1},   {"Relationship.EndNode.NodeID", 1},
    {"Relationship.RelationshipType", 1},   {"Relationship.RelationshipStatus", 0},
    {"Registration.RegistrationStatus", 0}, {"Relationship.StartNode.NodeIDType", 0},
    {"Relationship.EndNode.NodeIDType", 0},
};
const int reg_rr_ncols = (int)(sizeof(reg_rr_cols) / sizeof(reg_rr_cols[0]));
enum { R_START, R_END, R_TYPE, R_STATUS, R_REGSTATUS, R_STARTTYPE, R_ENDTYPE };

int reg_lei_row(struct loader *l, const veu_csv_row_t *row)
{
    size_t len;
    char id[96], aliases[4096] = "";
    const char *reg = ld_field(l, row, L_REGSTATUS, &len);
    const char *country = ld_field(l, row, L_COUNTRY, &len);

    if (!strcmp(reg, "ANNULLED") || !strcmp(reg, "DUPLICATE")) {
        reg_count(&reg_tally,
                  !strcmp(reg, "ANNULLED")
                      ? "LEI records annulled (issued in error): not imported"
                      : "LEI records marked DUPLICATE: not imported (the surviving LEI is)");
        return 0;
    }
    if (len == 0) {
        country = ld_field(l, row, L_HQ, &len);
    }
    snprintf(id, sizeof(id), "LEI:%s", ld_field(l, row, L_LEI, &len));
    for (int c = L_OTHER1; c < reg_lei_ncols; c++) {
        const char *a = ld_field(l, row, c, &len);
        if (len && strlen(aliases) + len + 2 < sizeof(aliases) && !strchr(a, '|')) {
            if (aliases[0]) {
                strcat(aliases, "|");
            }
            strcat(aliases, a);
        }
    }
    ld_entity_t e = {.id = id,
                     .name = ld_field(l, row, L_NAME, &len),
                     .country = country,
                     .aliases = aliases,
                     .line = row->line};
    int rc = ld_add_entity(l, &e);
    return rc < 0 ? rc : 0;
}

/* A GLEIF node as an entity: 1 found (*v), 0 reported unknown, <0 fatal. */
static int rr_node(struct loader *l, const veu_csv_row_t *row, int c, int ctype, uint32_t *v)
{
    size_t len;
    const char *type = ld_field(l, row, ctype, &len);
    const char *node = ld_field(l, row, c, &len);
    char id[128];

    if (len == 0 || !*type || !strcmp(type, "LEI")) {
        snprintf(id, sizeof(id), "LEI:%s", node);
    } else {
        snprintf(id, sizeof(id), "%s:%s", type, node);
    }
    *v = ld_find(l, id);
    if (*v != VEU_NONE) {
        return 1;
    }
    int rc = ld_problem(l, 0, row->line, reg_rr_cols[c].name, "unknown entity id '%s'", id);
    return rc < 0 ? rc : 0;
}

int reg_rr_row(struct loader *l, const veu_csv_row_t *row)
{
    size_t len;
    const char *type = ld_field(l, row, R_TYPE, &len);
    const char *status = ld_field(l, row, R_STATUS, &len);
    const char *reg = ld_field(l, row, R_REGSTATUS, &len);

    if (!strcmp(type, "IS_FUND-MANAGED_BY")) {
        reg_count(&reg_tally, "fund-management relationships not imported: a fund's manager "
                              "neither owns nor controls it");
        return 0;
    }
    if (!strcmp(type, "IS_FEEDER_TO")) {
        reg_count(&reg_tally, "feeder-fund relationships not imported: a feeder invests in its "
                              "master fund, it does not own or control it");
        return 0;
    }
    if (strcmp(type, "IS_DIRECTLY_CONSOLIDATED_BY") &&
        strcmp(type, "IS_ULTIMATELY_CONSOLIDATED_BY") &&
        strcmp(type, "IS_INTERNATIONAL_BRANCH_OF") && strcmp(type, "IS_SUBFUND_OF")) {
        int rc = ld_problem(l, 0, row->line, reg_rr_cols[R_TYPE].name,
                            "relationship type '%s' is not one veud reads", type);
        return rc < 0 ? rc : 0;
    }
    if (!strcmp(status, "INACTIVE")) {
        reg_count(&reg_tally, "relationships with status INACTIVE (ended) not imported");
        return 0;
    }
    if (!strcmp(reg, "ANNULLED") || !strcmp(reg, "RETIRED") || !strcmp(reg, "DUPLICATE")) {
        reg_count(&reg_tally, "relationship records annulled, retired or duplicate: not imported");
        return 0;
    }
    uint32_t child, parent;
    int rc;
    if ((rc = rr_node(l, row, R_START, R_STARTTYPE, &child)) <= 0 ||
        (rc = rr_node(l, row, R_END, R_ENDTYPE, &parent)) <= 0) {
        return rc;
    }
    if (parent == child) {
        rc = ld_problem(l, 0, row->line, reg_rr_cols[R_END].name,
                        "self-loop: a node consolidates itself");
        return rc < 0 ? rc : 0;
    }
    /* consolidation, a branch's head office, an umbrella fund: control, parent over child */
    return ld_add_own(l, parent, child, NAN, 1, NAN, NAN);
}
