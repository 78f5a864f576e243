/* The pane table and what the panes share. */
#include "ui_panes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_util.h"

/* The tabs, in order. A new pane: its ui/pane_NAME.c, and one line here. */
const ui_pane_class *const ui_pane_table[] = {
    &ui_pane_findings, &ui_pane_chain, &ui_pane_cert, &ui_pane_ciphers, &ui_pane_http, &ui_pane_log,
};
const size_t ui_pane_count = sizeof ui_pane_table / sizeof ui_pane_table[0];
_Static_assert(sizeof ui_pane_table / sizeof ui_pane_table[0] <= UI_PANE_MAX, "one digit key per pane");

size_t ui_pane_index(const ui_pane_class *p)
{
    for (size_t i = 0; i < ui_pane_count; i++)
        if (ui_pane_table[i] == p)
            return i;
    return ui_pane_count;
}

void ui_pane_state_init(ui_pane_state *st)
{
    ui_list_init(&st->lists[0]);
    ui_list_init(&st->lists[1]);
    st->item = 0;
}

void ui_pane_view_build(const ui_pane_class *p, const ui_pane_env *env, ui_pane_state *st, int cols,
                        ui_pane_view *v)
{
    ui_rows_init(&v->rows[0]);
    ui_rows_init(&v->rows[1]);
    v->lw = p->list_width ? p->list_width(cols) : cols;
    v->rw = p->list_width ? cols - v->lw - 1 : 0;
    p->build(env, st, v);
    for (int s = 0; s < 2; s++)
        ui_list_set_count(&st->lists[s], v->rows[s].len);
}

void ui_pane_view_free(ui_pane_view *v)
{
    ui_rows_free(&v->rows[0]);
    ui_rows_free(&v->rows[1]);
}

ui_role ui_severity_role(od_severity s)
{
    switch (s) {
    case OD_SEV_FAIL: return UI_R_FAIL;
    case OD_SEV_WARN: return UI_R_WARN;
    case OD_SEV_INFO: return UI_R_INFO;
    case OD_SEV_PASS: return UI_R_PASS;
    }
    return UI_R_NORMAL;
}

const char *ui_severity_mark(const ui_glyphs *g, od_severity s)
{
    switch (s) {
    case OD_SEV_FAIL: return g->fail;
    case OD_SEV_WARN: return g->warn;
    case OD_SEV_INFO: return g->info;
    case OD_SEV_PASS: return g->pass;
    }
    return " ";
}

ui_role ui_step_role(od_step_status s)
{
    switch (s) {
    case OD_STEP_PASS: return UI_R_PASS;
    case OD_STEP_WARN: return UI_R_WARN;
    case OD_STEP_FAIL: return UI_R_FAIL;
    case OD_STEP_RUNNING: return UI_R_INFO;
    case OD_STEP_PENDING:
    case OD_STEP_SKIPPED:
    case OD_STEP_UNTESTED: return UI_R_DIM;
    }
    return UI_R_NORMAL;
}

const char *ui_step_mark(const ui_glyphs *g, od_step_status s)
{
    switch (s) {
    case OD_STEP_PASS: return g->pass;
    case OD_STEP_WARN: return g->warn;
    case OD_STEP_FAIL: return g->fail;
    case OD_STEP_RUNNING: return g->spinner[0];
    case OD_STEP_PENDING: return " ";
    case OD_STEP_SKIPPED: return g->skip;
    case OD_STEP_UNTESTED: return "?";
    }
    return " ";
}

const char *ui_severity_word(od_severity s)
{
    switch (s) {
    case OD_SEV_FAIL: return "FAIL";
    case OD_SEV_WARN: return "WARN";
    case OD_SEV_INFO: return "INFO";
    case OD_SEV_PASS: return "PASS";
    }
    return "";
}

const char *ui_cert_label(const od_cert *c)
{
    if (c->common_names.len > 0)
        return c->common_names.items[0];
    return c->subject ? c->subject : "(no subject)";
}

bool ui_cert_expired(const od_cert *c, time_t now)
{
    return c->not_after != 0 && c->not_after < now;
}

void ui_rows_heading(ui_rows *out, const char *text)
{
    ui_rows_add(out, UI_R_NORMAL, -1, "");
    ui_rows_add(out, UI_R_HEAD, -1, text);
}

void ui_rows_field(ui_rows *out, int width, const char *label, const char *value)
{
    char *line = od_xasprintf("%-10s %s", label, value ? value : "-");
    ui_rows_add_wrapped(out, UI_R_NORMAL, -1, line, width, 11);
    free(line);
}

size_t ui_chain_handshakes(const od_report *r, size_t *idx, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < r->obs.n_handshakes && n < max; i++)
        if (r->obs.handshakes[i].chain_len > 0)
            idx[n++] = i;
    return n;
}
