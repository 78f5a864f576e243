/* A report over several origins of one distribution (--all-origins): a
 * section per origin, the worst verdict overall. Each section is a whole
 * origin-doctor/report/1 report. */
#ifndef OD_MULTI_H
#define OD_MULTI_H

#include <stdbool.h>
#include "od_report.h"

#define OD_MULTI_SCHEMA "origin-doctor/distribution-report/1"

typedef struct {
    char *origin_id;
    char *domain_name;
    char *skipped;          /* why this origin was not diagnosed, or NULL */
    bool ran;
    od_report report;       /* valid when ran */
} od_origin_report;

typedef struct {
    char *distribution_id;  /* or NULL */
    char *source;           /* the config file */
    char *generated_at;
    od_origin_report *items;
    size_t n;
    bool would_fail;
    char *summary;
} od_multi_report;

void od_multi_init(od_multi_report *m);
void od_multi_free(od_multi_report *m);
od_origin_report *od_multi_add(od_multi_report *m, const char *origin_id, const char *domain_name);
/* Sets would_fail and summary from the sections. */
void od_multi_judge(od_multi_report *m);

char *od_multi_to_json(const od_multi_report *m);
/* Reads a distribution report back (each section through od_report_from_json).
 * NULL or a malloc'd message naming the problem; on error *out is empty. */
char *od_multi_from_json(const char *text, size_t len, od_multi_report *out);
char *od_multi_markdown(const od_multi_report *m);
char *od_multi_text(const od_multi_report *m, bool color);

#endif
