/* The interactive front end's entry point. No curses types here: src/main.c
 * includes it. */
#ifndef OD_UI_H
#define OD_UI_H

#include <stdbool.h>
#include "od_case.h"
#include "od_multi.h"
#include "od_report.h"
#include "od_policy.h"
#include "od_fixes.h"
#include "od_fleet.h"

typedef struct {
    const od_case *prefill;      /* NULL: the first screen; else the answers (and flags) so far: the review step,
                                    or the domain question when the case has no origin domain yet */
    const od_report *open_report;/* non-NULL: show this saved report (from --open); r reruns live */
    const od_multi_report *open_multi; /* non-NULL: an --all-origins report, shown as a list of its origins */
    const char *import_path;     /* non-NULL: a distribution config to import at once (its origin picker) */
    const od_policy *policy;
    const od_fixes *fixes;
    bool no_color;               /* --no-color or NO_COLOR non-empty */
    const char *lab_name;        /* the lab scenario in use, for the title, or NULL */
    bool guided;
    /* Puts the command line's flags onto a case the UI made (from a lab, an
     * imported configuration or a new check), so none is dropped; may be NULL. */
    void (*apply_flags)(void *ctx, od_case *c);
    void *apply_ctx;                 /* --guided: one check at a time, explained (the run waits for the first Enter) */
    const char *bundle;          /* a certificate file to judge instead of probing (--check-bundle, a bundle lab) */
    const char *bundle_key;      /* its private key, or NULL */
    /* --fleet: run these origins on the worker and list them with their
     * verdicts (Enter opens one's report); NULL otherwise. */
    const od_fleet *fleet;
    int fleet_max_connections;       /* --fleet-concurrency */
} od_ui_opts;

/* The ncurses version the program runs with (for --version). */
const char *od_ui_curses_version(void);

/* Runs the interactive UI; returns the process exit code (0/1 verdict of the last run or 0, 3 on terminal failure). */
int od_ui_run(const od_ui_opts *opts);

#endif
