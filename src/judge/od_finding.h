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

/* ---- the registry of finding ids (od_findings.def) ---- */

typedef enum { OD_FAMILY_NETWORK, OD_FAMILY_TLS, OD_FAMILY_CERT, OD_FAMILY_HTTP, OD_FAMILY_GENERAL } od_family;
typedef enum {
    OD_CHECK_NONE, OD_CHECK_DNS, OD_CHECK_PORT, OD_CHECK_TLS, OD_CHECK_NAMES, OD_CHECK_CHAIN, OD_CHECK_HTTP,
    OD_CHECK_KEY   /* a bundle's private key (--check-bundle) */
} od_check;
typedef enum { OD_JUDGED_STEP_NONE, OD_JUDGED_STEP_CHAIN, OD_JUDGED_STEP_NAMES } od_judged_step;
typedef enum { OD_KIND_PROBLEM, OD_KIND_NOTE, OD_KIND_PASS } od_finding_kind;

/* OD_F_<ID>: a row's index in od_finding_defs. */
typedef enum {
#define OD_FINDING(id, severity, family, check, step, kind) OD_F_##id,
#include "od_findings.def"
#undef OD_FINDING
    OD_F_COUNT
} od_finding_index;

/* od_id_<ID>: the id's text. Name it as OD_ID(CERT_NAME_MISMATCH): an id
 * not in the registry is an undeclared identifier, so a typo fails the build. */
#define OD_FINDING(id, severity, family, check, step, kind) extern const char od_id_##id[];
#include "od_findings.def"
#undef OD_FINDING
#define OD_ID(name) od_id_##name

/* The number of pass ids (a constant expression, for static checks). */
#define OD_KIND_IS_PASS_PROBLEM 0
#define OD_KIND_IS_PASS_NOTE 0
#define OD_KIND_IS_PASS_PASS 1
enum {
    OD_N_PASS_IDS = 0
#define OD_FINDING(id, severity, family, check, step, kind) + OD_KIND_IS_PASS_##kind
#include "od_findings.def"
#undef OD_FINDING
};

typedef struct {
    const char *id;
    od_severity severity;        /* the worst it can be */
    od_family family;            /* the rule file that raises it */
    od_check check;
    od_judged_step step;         /* the judged progress step it colours */
    od_finding_kind kind;
} od_finding_def;

extern const od_finding_def od_finding_defs[OD_F_COUNT];
/* The row of an id, or NULL when the id is not in the registry. */
const od_finding_def *od_finding_def_find(const char *id);
const char *od_family_name(od_family f);   /* "network", "tls", ... */

/* ---- findings ---- */

typedef struct {
    char *id;               /* a registry id, e.g. OD_ID(CERT_NAME_MISMATCH) */
    od_severity severity;
    char *title;
    char *detail;           /* what was observed, in a sentence or two */
    od_strlist names;       /* the expected names it concerns */
    cJSON *evidence;        /* object: observed values */
    od_strlist fix;         /* ordered steps */
    char *reproduce;        /* openssl s_client ... */
    int cloudfront_status;  /* fail findings: what viewers get (502 or 504); else 0 */
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
/* What viewers get: the status of the first fail finding (worst first,
 * most fundamental cause first), or 0 when nothing fails. */
int od_finding_list_cloudfront_status(const od_finding_list *l);
/* The ids of the fail findings, sorted, each once; the caller frees. */
void od_finding_list_fail_ids(const od_finding_list *l, od_strlist *out);

#endif
