/* The UI's model: one app state, one loop (ui_app.c), a base screen plus a
 * stack of overlays (help, export, yes/no). Each screen and overlay is a
 * ui_screen_ops in its own file; handlers change the model, drawing is
 * done from the model on every pass of the loop. Internal to ui/. */
#ifndef UI_APP_H
#define UI_APP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "od_distconfig.h"
#include "od_lab.h"
#include "od_multi.h"
#include "od_ui.h"
#include "ui_diff.h"
#include "ui_keys.h"
#include "ui_lineedit.h"
#include "ui_list.h"
#include "ui_panes.h"
#include "ui_term.h"
#include "ui_text.h"

typedef enum { UI_SCR_START, UI_SCR_WIZARD, UI_SCR_PROGRESS, UI_SCR_RESULTS, UI_SCR_GUIDED, UI_SCR_FLEET, UI_SCR_COUNT } ui_screen;
/* what the first screen shows */
typedef enum { UI_ST_MENU, UI_ST_OPEN, UI_ST_IMPORT, UI_ST_LABS, UI_ST_ORIGINS, UI_ST_HOST, UI_ST_MULTI } ui_start_mode;
typedef enum { UI_OV_HELP, UI_OV_EXPORT, UI_OV_CONFIRM, UI_OV_SUMMARY, UI_OV_COUNT } ui_overlay;
typedef enum { UI_ASK_QUIT, UI_ASK_OVERWRITE, UI_ASK_QUIT_WIZARD } ui_question;

enum { UI_W_DOMAIN, UI_W_PROTOCOLS, UI_W_PORTS, UI_W_HOST, UI_W_CNAMES, UI_W_ADVANCED, UI_W_REVIEW, UI_W_COUNT };

#define UI_MIN_COLS 80
#define UI_MIN_LINES 24
#define UI_MAX_ROWS 512

typedef struct {
    char *name;
    od_step_status status;
    int64_t duration_ms;
    int64_t started_ms;
    char *detail;                 /* what the step saw (sanitised), or NULL */
} ui_live_step;

typedef struct ui_job ui_job;

/* One distribution x origin of a --fleet run, as its record arrived. */
typedef struct {
    od_fleet_row row;
    char *report_json;           /* the record's report, or NULL (skipped, invalid, could not run) */
    size_t seq;                  /* arrival order */
} ui_fleet_entry;

typedef enum { UI_FLEET_SORT_ARRIVAL, UI_FLEET_SORT_VERDICT, UI_FLEET_SORT_EXPIRY } ui_fleet_sort;

/* what a click on a screen row means */
typedef enum { UI_CLICK_NONE, UI_CLICK_WIZARD, UI_CLICK_LIST, UI_CLICK_TAB, UI_CLICK_BAR } ui_click_kind;

typedef struct {
    const od_ui_opts *opts;
    ui_term term;
    const ui_glyphs *g;
    od_case answers;
    ui_screen screen;             /* the base screen under the overlays */

    /* the first screen (only when started with no answers) */
    bool has_start;
    ui_start_mode st_mode;
    ui_list st_list;
    ui_lineedit st_path;
    char *st_error;               /* why the file could not be used (sanitised) */
    od_dist_config *dist;         /* the imported configuration */
    od_managed_policies *policies;
    size_t dist_origin;           /* the chosen origin */
    od_strlist host_ids;          /* custom policy ids to ask about */
    size_t host_q;                /* the one asked now */
    od_host_answers host_answers;

    /* the practice lab started from the first screen */
    od_lab *lab;
    const char *lab_name;         /* for the title: the lab in use, or NULL */

    /* a saved report (from --open or the first screen) and what a live
     * rerun changed */
    od_report *opened_report;     /* owned when opened from the first screen */
    const od_multi_report *multi; /* an --all-origins report: its origins listed first */
    size_t multi_sel;
    const od_report *saved_report;   /* what the shown report was compared with */
    od_report *prev_report;       /* the previous live run, owned, kept for that comparison */
    char *bundle_path;            /* a certificate file opened: judged, not probed */
    char *bundle_key;             /* its private key, when known (a lab's) */
    ui_changes changes;
    bool has_changes;

    /* wizard */
    int wstep;
    bool from_review;
    int wfocus;
    ui_lineedit domain, http_port, https_port, cname;
    ui_lineedit adv_resolve, adv_trust, adv_timeout, adv_response;   /* the advanced step */
    ui_lineedit adv_origin_path, adv_path, adv_headers, adv_dist_domain;   /* ... and the request CloudFront sends */
    bool w_tried;                /* Enter was pressed on this question: show what is missing */
    ui_list review;

    /* the guided session: one check at a time, its introduction, then its result */
    bool guided;
    size_t g_index;               /* the check on screen */
    bool g_result;                /* its result (else its introduction) */
    bool g_verdict;               /* the closing page */
    bool g_ran;                   /* this session's run has started */
    bool *g_seen;                 /* checks whose result was shown */
    size_t g_seen_len;
    size_t g_scroll;              /* first row of the page shown */

    /* --fleet: the list of distributions x origins, filled as records arrive */
    const od_fleet *fleet;
    ui_fleet_entry *fleet_rows;
    size_t fleet_n;
    size_t fleet_failures;       /* rows whose verdict is fail or error */
    ui_fleet_sort fleet_sort;
    ui_list fleet_list;
    bool fleet_running;
    int64_t fleet_started_ms, fleet_ended_ms;

    /* the run */
    ui_job *job;
    bool running;
    int ev_rd, ev_wr;            /* engine events: pointers written by workers */
    atomic_bool cancel;
    ui_live_step *steps;
    size_t n_steps;
    char *now_detail;
    int64_t run_started_ms, run_ended_ms;
    char *run_error;
    bool cancel_requested;
    ui_list progress;
    bool progress_follow;

    /* results */
    od_report *owned_report;
    const od_report *report;
    bool exported;
    size_t pane;                 /* index into ui_pane_table */
    int side;                    /* 0 list, 1 detail */
    ui_pane_state panes[UI_PANE_MAX];
    bool searching;
    ui_lineedit search_edit;
    char search[UI_LE_MAX];

    /* overlays */
    ui_overlay ov[4];
    int n_ov;
    ui_question question;
    ui_list help;
    ui_lineedit ex_name;
    int ex_format;               /* 0 JSON, 1 Markdown */
    int ex_focus;                /* 0 name, 1 format */
    bool ex_chain;               /* the dialog writes the corrected chain, not the report */
    char *ex_msg;
    bool ex_msg_error;

    char *msg;                   /* one-line message under the panes */
    ui_role msg_role;

    bool quit;
    int exit_code;
    int quit_signal;             /* the signal that ended the UI (SIGINT: exit 130) */

    /* mouse: what each screen row is, for the last frame */
    ui_click_kind click_kind[UI_MAX_ROWS];
    int click_index[UI_MAX_ROWS];
    int click_right_x[UI_MAX_ROWS];       /* > 0: from this column on, the row is click_right_index */
    int click_right_index[UI_MAX_ROWS];
    int split_x;                 /* columns >= split_x are the detail side */
    int tab_x[UI_PANE_MAX + 1];
    int bar_x[32];
    int bar_key[32];
    int n_bar;
} ui_app;

/* A screen or an overlay: how it draws, what its keys and clicks do, and
 * which key context it is in (the key table's). */
typedef struct {
    void (*draw)(ui_app *a);
    void (*key)(ui_app *a, int key, ui_action act);
    void (*click)(ui_app *a, int y, int x, int button);   /* NULL: clicks do nothing */
    ui_ctx (*ctx)(const ui_app *a);
} ui_screen_ops;

extern const ui_screen_ops ui_screen_start, ui_screen_wizard, ui_screen_progress, ui_screen_results,
    ui_screen_guided, ui_screen_fleet;
extern const ui_screen_ops ui_overlay_help, ui_overlay_export, ui_overlay_confirm, ui_overlay_summary;

/* ui_wizard.c */
void ui_wizard_enter(ui_app *a, int step);
void ui_wizard_load(ui_app *a);          /* editors from answers */
/* Validates every answer into a->answers; false: moved to the bad step. */
bool ui_wizard_commit_all(ui_app *a);

/* ui_start.c */
void ui_start_enter(ui_app *a);          /* the first screen's menu (stops a lab) */
/* Imports a distribution config as "Import" on the first screen does: its
 * origin picker, or the message why the file cannot be used. */
void ui_start_import(ui_app *a, const char *path);
/* Lists the origins of a distribution report; choosing one shows its report. */
void ui_start_multi(ui_app *a, const od_multi_report *m);
void ui_start_free(ui_app *a);           /* import state, lab */
/* The corrected-chain dialog of the Chain pane (the export dialog's twin). */
void ui_chain_write_open(ui_app *a);
/* Judges a->bundle_path for the answers and shows the result (no probing). */
void ui_run_bundle(ui_app *a);

/* Shows a loaded report as a saved one (takes ownership). */
void ui_open_loaded(ui_app *a, od_report *r);

/* ui_app.c */
/* Draws the whole screen from the model (the loop calls it every pass). */
void ui_app_draw(ui_app *a);

/* ui_snapshot.c: a screen of the UI rendered without a terminal. */
typedef struct {
    const od_report *report;
    size_t pane;                 /* index into ui_pane_table */
    int side;                    /* 0 list, 1 detail */
    int cols, lines;
    bool guided;                 /* the guided session's page instead of a pane: */
    size_t g_index;              /* ... this check */
    bool g_result;               /* ... its result (else its introduction) */
    bool g_verdict;              /* ... or the closing page */
    bool g_seen_all;             /* ... every check's result already shown (the list's marks) */
    const od_fleet_rows *fleet;  /* the --fleet list of these rows instead (report may be NULL) */
    ui_fleet_sort fleet_sort;
} ui_snapshot_spec;
/* The screen as text, then a "--- roles" line and one letter per cell
 * naming its colour role (ui_snapshot_role_letters); NULL if no curses
 * screen could be made. */
char *ui_snapshot(const ui_snapshot_spec *spec);
extern const char ui_snapshot_role_letters[UI_R_COUNT + 1];

/* ui_run.c */
void ui_start_run(ui_app *a);
/* Hands the engine's waiting events to the model. */
void ui_run_drain(ui_app *a);
/* Cancels the run and waits for the worker, still draining its events. */
void ui_run_stop(ui_app *a);
void ui_run_free(ui_app *a);             /* the live step list */

/* ui_fleet.c */
/* Starts the --fleet run on the worker (ui_run.c) and shows the list. */
void ui_fleet_begin(ui_app *a);
/* A record from the run (its JSON text); a row is added. */
void ui_fleet_add_record(ui_app *a, const char *text);
/* Adds a row that is a copy of r (the golden screens). */
void ui_fleet_add_row(ui_app *a, const od_fleet_row *r, const char *report_json);
void ui_fleet_free(ui_app *a);
/* The exit code of the rows so far, as the batch run's (od_fleet_exit_code). */
int ui_fleet_exit_code(const ui_app *a);

/* ui_run.c: the fleet on the worker thread; records come back as
 * ui_fleet_add_record calls, the end clears a->fleet_running. */
void ui_run_fleet(ui_app *a);

/* ui_results.c */
void ui_show_results(ui_app *a);
/* The pane inputs for the report shown (certificate ages as of the check). */
ui_pane_env ui_results_env(const ui_app *a);

/* ui_overlays.c */
void ui_export_open(ui_app *a);
/* Puts text on the terminal's clipboard (OSC 52) and shows it unwrapped
 * on a plain screen of its own, for terminals that ignore OSC 52. */
void ui_copy(ui_app *a, const char *what, const char *text);

/* ui_guided.c */
/* Enters the guided session at its first check's introduction; the run
 * starts when the engineer moves on from it. */
void ui_guided_begin(ui_app *a);
void ui_guided_free(ui_app *a);

/* ui_screen.c */
void ui_reset_results(ui_app *a);
void ui_set_msg(ui_app *a, ui_role role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ui_push(ui_app *a, ui_overlay ov);
void ui_ask(ui_app *a, ui_question q);
void ui_request_quit(ui_app *a);
/* Title line and status bar, shared by every screen. */
void ui_draw_title(ui_app *a, const char *right);
void ui_draw_status(ui_app *a, ui_ctx ctx);
/* The context's own labelled keys as "Enter: write   Tab: field ...",
 * for a hint line inside a dialog. */
void ui_hints_text(ui_ctx ctx, char *buf, size_t n);
/* Up/Down/PgUp/PgDn/Home/End on a list (page rows a page); false for
 * any other action. */
bool ui_list_key(ui_list *l, ui_action act, long page);
/* A key for a text field: typed text or an editing key (the key table's
 * UI_CTX_TEXT); false if it is neither. */
bool ui_le_key(ui_lineedit *e, int key);

#endif
