/* The result panes (tig's view_ops, htop's PanelClass): each pane is one
 * file, ui/pane_NAME.c, that defines a ui_pane_class with its name, its
 * layout and the function that builds its rows from a Report. The results
 * screen, its tabs and digit keys, search, and the golden-screen tests all
 * walk ui_pane_table, so a new pane is one new file plus one line there.
 * Curses-free: every text from the report goes through ui_sanitize on its
 * way into a row. */
#ifndef UI_PANES_H
#define UI_PANES_H

#include <stdbool.h>
#include <time.h>

#include "od_report.h"
#include "ui_diff.h"
#include "ui_list.h"
#include "ui_text.h"

/* What a pane is built from. */
typedef struct {
    const od_report *report;
    const od_report *saved;      /* the saved report a live rerun was compared with, or NULL */
    const ui_changes *changes;   /* that comparison, or NULL */
    const ui_glyphs *g;
    time_t now;                  /* certificate ages as of the check */
} ui_pane_env;

/* What the user chose in a pane; kept while the pane is not shown. */
typedef struct {
    ui_list lists[2];            /* [0] the list side, [1] the detail beside it */
    size_t item;                 /* the pane's own choice (the Chain pane: which handshake) */
} ui_pane_state;

/* One frame of a pane: the rows of each side and their widths. */
typedef struct {
    ui_rows rows[2];
    int lw;                      /* columns of the list side (the whole width when not split) */
    int rw;                      /* columns of the detail side; 0: one side only */
} ui_pane_view;

typedef struct ui_pane_class ui_pane_class;
struct ui_pane_class {
    const char *name;            /* the tab, the position line, the help */
    /* Columns of the list side on a screen cols wide; NULL: one side only. */
    int (*list_width)(int cols);
    /* Fills v->rows[0] (and v->rows[1] when split) for the state's
     * selection; may set the list counts and clamp st->item. */
    void (*build)(const ui_pane_env *env, ui_pane_state *st, ui_pane_view *v);
    /* ] and [ (dir +1 or -1); NULL: the pane has no items to step through. */
    void (*item_step)(const ui_pane_env *env, ui_pane_state *st, int dir);
    /* Enter on a list row: the pane that shows the row's item (its index in
     * *item), or NULL to move into the detail beside the list. */
    const ui_pane_class *(*open)(const ui_pane_view *v, const ui_pane_state *st, size_t *item);
    /* how many rows the tab announces, "Findings (3)"; NULL: none */
    size_t (*tab_count)(const od_report *r);
};

/* The panes, in tab order (ui_panes.c). */
extern const ui_pane_class *const ui_pane_table[];
extern const size_t ui_pane_count;
#define UI_PANE_MAX 9            /* the digit keys 1-9 */
/* The table index of a pane, or ui_pane_count. */
size_t ui_pane_index(const ui_pane_class *p);

extern const ui_pane_class ui_pane_findings, ui_pane_chain, ui_pane_cert, ui_pane_ciphers, ui_pane_http,
    ui_pane_log;

/* Builds one frame of pane p for a screen cols wide (the layout, then
 * p->build, then the list counts); free with ui_pane_view_free. */
void ui_pane_view_build(const ui_pane_class *p, const ui_pane_env *env, ui_pane_state *st, int cols,
                        ui_pane_view *v);
void ui_pane_view_free(ui_pane_view *v);
void ui_pane_state_init(ui_pane_state *st);

/* Helpers the panes share. */
ui_role ui_severity_role(od_severity s);
const char *ui_severity_mark(const ui_glyphs *g, od_severity s);
const char *ui_severity_word(od_severity s);
ui_role ui_step_role(od_step_status s);
const char *ui_step_mark(const ui_glyphs *g, od_step_status s);
/* Short display name of a certificate: its first CN, else the subject. */
const char *ui_cert_label(const od_cert *c);
bool ui_cert_expired(const od_cert *c, time_t now);
/* An empty row, then a heading. */
void ui_rows_heading(ui_rows *out, const char *text);
/* "Label      value", the value wrapped under itself. */
void ui_rows_field(ui_rows *out, int width, const char *label, const char *value);
/* Handshakes that brought a chain, in report order; returns how many (<= max). */
size_t ui_chain_handshakes(const od_report *r, size_t *idx, size_t max);

#endif
