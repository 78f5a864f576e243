/* A short summary of a report for a chat message or a ticket: the
 * verdict, each failing cause with its first fix on one line, the date and
 * where it was checked from. Under 10 lines, plain text. */
#ifndef OD_SUMMARY_H
#define OD_SUMMARY_H

#include "od_report.h"

#define OD_SUMMARY_MAX_LINES 9
#define OD_SUMMARY_MAX_CAUSES 5

/* malloc'd, lines end with '\n'; never more than OD_SUMMARY_MAX_LINES. */
char *od_report_short_summary(const od_report *r);

#endif
