/* The interactive front end's entry point. No curses types here: src/main.c
 * includes it. */
#ifndef OD_UI_H
#define OD_UI_H

#include <stdbool.h>
#include "od_case.h"
#include "od_report.h"
#include "od_policy.h"
#include "od_fixes.h"

typedef struct {
    const od_case *prefill;      /* NULL: start the wizard empty (CloudFront defaults); else answers prefilled, start at the review step */
    const od_report *open_report;/* non-NULL: show this saved report (from --open); r reruns live */
    const od_policy *policy;
    const od_fixes *fixes;
    bool no_color;               /* --no-color or NO_COLOR non-empty */
    const char *lab_name;        /* the lab scenario in use, for the title, or NULL */
    bool guided;                 /* --guided: one check at a time, explained (the run waits for the first Enter) */
} od_ui_opts;

/* Runs the interactive UI; returns the process exit code (0/1 verdict of the last run or 0, 3 on terminal failure). */
int od_ui_run(const od_ui_opts *opts);

#endif
