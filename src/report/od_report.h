/* The Report: the one structure the UI, the exporters and replay share. */
#ifndef OD_REPORT_H
#define OD_REPORT_H

#include <stdbool.h>
#include "od_case.h"
#include "od_obs.h"
#include "od_finding.h"
#include <cJSON.h>

#define OD_REPORT_SCHEMA "origin-doctor/report/1"

typedef struct {
    char *tool_version;
    char *generated_at;        /* RFC 3339 UTC */
    od_case input;
    bool would_fail;
    char *summary;
    bool complete;             /* false: cancelled, or a check that matters could not run here */
    od_finding_list findings;
    od_observations obs;
    bool loaded_from_file;     /* reopened, nothing probed */
} od_report;

void od_report_init(od_report *r);
void od_report_free(od_report *r);

/* JSON (contract in design.md). to_json returns a malloc'd string. */
char *od_report_to_json(const od_report *r);
/* The same document as a cJSON tree (caller deletes), e.g. to embed it. */
cJSON *od_report_to_cjson(const od_report *r);
/* The report's "input" object for a Case, on one line (malloc'd): two
 * cases with the same text are the same diagnosis. */
char *od_case_to_json(const od_case *c);
/* NULL on success, else a malloc'd message naming the problem (and the
 * position, for malformed JSON). */
char *od_report_from_json(const char *text, size_t len, od_report *out);

/* The cache behaviors a finding concerns when the distribution's behaviors
 * disagree about Host (a finding about a CNAME concerns those that forward
 * Host, one about the origin domain the others); NULL when they agree.
 * malloc'd, comma separated. */
char *od_report_finding_behaviors(const od_report *r, const od_finding *f);

/* Human reports. Markdown for --report; plain text for batch stdout
 * (ANSI colour only when color is true). Both malloc'd. */
char *od_report_markdown(const od_report *r);
char *od_report_text(const od_report *r, bool color);

#endif
