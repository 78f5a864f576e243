/* What changed between a saved report and a new run of the same case:
 * findings that appeared, disappeared or changed severity, matched by
 * (id, expected names). Curses-free, so it is unit-tested. */
#ifndef UI_DIFF_H
#define UI_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include "od_report.h"
#include "ui_text.h"

typedef enum { UI_CHANGE_APPEARED, UI_CHANGE_DISAPPEARED, UI_CHANGE_SEVERITY } ui_change_kind;

#define UI_NO_INDEX ((size_t)-1)

typedef struct {
    ui_change_kind kind;
    char *id;
    char *names;              /* the finding's names joined with ", " ("" when none) */
    char *title;
    od_severity before;       /* DISAPPEARED and SEVERITY */
    od_severity after;        /* APPEARED and SEVERITY */
    size_t saved_index;       /* the finding in the saved report, or UI_NO_INDEX */
    size_t now_index;         /* the finding in the new report, or UI_NO_INDEX */
} ui_change;

typedef struct {
    ui_change *items;
    size_t len;
    bool since_run;           /* compared with the previous live run, not a saved report */
} ui_changes;

void ui_changes_init(ui_changes *c);
void ui_changes_free(ui_changes *c);
/* Fills out (initialised here): appeared first (in the new report's
 * order), then severity changes, then disappeared (saved order). Names
 * are compared as sets; each finding matches at most one other. */
void ui_diff_reports(const od_report *saved, const od_report *now, ui_changes *out);

/* Rows item encoding for the Findings pane: a finding of the saved report
 * (only in the change list) is UI_ITEM_SAVED + its index. */
#define UI_ITEM_SAVED 1000000

/* The "Changes since the saved report" section of the Findings pane:
 * UI_CHANGES_HEAD_ROWS heading rows, one row per change (item: the new
 * report's finding, or UI_ITEM_SAVED + the saved one's index; or one
 * "none" row), then an empty row: ui_pane_changes_rows() rows in all. */
#define UI_CHANGES_HEAD_ROWS 2
void ui_pane_changes(const ui_changes *c, const od_report *saved, ui_rows *out);
size_t ui_pane_changes_rows(const ui_changes *c);
/* What one change is, in a sentence, for the detail beside the list. */
void ui_change_detail(const ui_change *ch, bool since_run, int width, ui_rows *out);

#endif
