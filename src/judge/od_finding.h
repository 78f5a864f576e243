/* Findings: the verdict's vocabulary (ids are a contract, see design.md). */
#ifndef OD_FINDING_H
#define OD_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <cJSON.h>
#include "od_util.h"

typedef enum { OD_SEV_PASS, OD_SEV_INFO, OD_SEV_WARN, OD_SEV_FAIL } od_severity;

const char *od_severity_name(od_severity s);            /* "pass" ... "fail" */
bool od_severity_parse(const char *s, od_severity *out);

typedef struct {
    char *id;               /* "CERT_NAME_MISMATCH" */
    od_severity severity;
    char *title;
    char *detail;           /* what was observed, in a sentence or two */
    od_strlist names;       /* the expected names it concerns */
    cJSON *evidence;        /* object: observed values */
    od_strlist fix;         /* ordered steps */
    char *reproduce;        /* openssl s_client ... */
} od_finding;

typedef struct {
    od_finding *items;
    size_t len;
    size_t cap;
} od_finding_list;

void od_finding_list_init(od_finding_list *l);
void od_finding_list_free(od_finding_list *l);
od_finding *od_finding_list_add(od_finding_list *l);   /* zeroed, evidence = {} */
void od_finding_free(od_finding *f);
/* Worst first (fail, warn, info, pass), stable. */
void od_finding_list_sort(od_finding_list *l);
bool od_finding_list_has(const od_finding_list *l, const char *id);

#endif
