/* What every screen shares: the message line, the overlay stack, quitting,
 * text-field keys, the title line and the status bar. */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_app.h"

void ui_reset_results(ui_app *a)
{
    a->pane = 0;
    a->side = 0;
    for (size_t p = 0; p < UI_PANE_MAX; p++)
        ui_pane_state_init(&a->panes[p]);
    a->search[0] = '\0';
    a->exported = false;
}

void ui_set_msg(ui_app *a, ui_role role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(a->msg);
    a->msg = ui_sanitize(buf);
    a->msg_role = role;
}

void ui_push(ui_app *a, ui_overlay ov)
{
    if (a->n_ov < 4)
        a->ov[a->n_ov++] = ov;
    if (ov == UI_OV_HELP)
        ui_list_init(&a->help);
}

void ui_ask(ui_app *a, ui_question q)
{
    a->question = q;
    ui_push(a, UI_OV_CONFIRM);
}

void ui_request_quit(ui_app *a)
{
    if (a->report && !a->exported && !a->report->loaded_from_file)
        ui_ask(a, UI_ASK_QUIT);
    else
        a->quit = true;
}

bool ui_le_key(ui_lineedit *e, int key)
{
    if (ui_key_is_text(key))
        return ui_le_insert(e, (unsigned)key), true;
    static const struct {
        ui_action act;
        ui_le_op op;
    } ops[] = {
        {UI_A_LE_LEFT, UI_LE_LEFT},         {UI_A_LE_RIGHT, UI_LE_RIGHT},
        {UI_A_LE_HOME, UI_LE_HOME},         {UI_A_LE_END, UI_LE_END},
        {UI_A_LE_BACKSPACE, UI_LE_BACKSPACE}, {UI_A_LE_DELETE, UI_LE_DELETE},
        {UI_A_LE_KILL_LINE, UI_LE_KILL_LINE}, {UI_A_LE_KILL_END, UI_LE_KILL_END},
        {UI_A_LE_KILL_WORD, UI_LE_KILL_WORD},
    };
    ui_action act = ui_key_action(UI_CTX_TEXT, key);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].act == act)
            return ui_le_apply(e, ops[i].op), true;
    return false;
}

/* ------------------------------------------------------ common drawing */

void ui_draw_title(ui_app *a, const char *right)
{
    char left[256];
    snprintf(left, sizeof left, " origin-doctor: why would CloudFront answer 502?%s%s%s",
             a->lab_name ? "   [lab: " : "", a->lab_name ? a->lab_name : "", a->lab_name ? "]" : "");
    ui_fill(&a->term, 0, 0, COLS, UI_R_TITLE);
    ui_put(&a->term, 0, 0, COLS, left, UI_R_TITLE);
    if (right) {
        int w = ui_text_width(right);
        if (w + 2 < COLS - ui_text_width(left))
            ui_put(&a->term, 0, COLS - w - 1, w, right, UI_R_TITLE);
    }
}

void ui_draw_status(ui_app *a, ui_ctx ctx)
{
    const ui_binding *b[32];
    size_t n = ui_status_hints(ctx, b, 32);
    int y = LINES - 1, x = 0;
    ui_fill(&a->term, y, 0, COLS, UI_R_BAR);
    a->n_bar = 0;
    for (size_t i = 0; i < n; i++) {
        int need = ui_text_width(b[i]->key_name) + ui_text_width(b[i]->label) + 3;
        if (x + need > COLS)
            break;
        if (a->n_bar < 32) {
            a->bar_x[a->n_bar] = x;
            a->bar_key[a->n_bar++] = b[i]->key;
        }
        x += ui_put(&a->term, y, x + 1, COLS, b[i]->key_name, UI_R_KEY) + 1;
        x += ui_put(&a->term, y, x + 1, COLS, b[i]->label, UI_R_BAR) + 2;
    }
    if (y < UI_MAX_ROWS)
        a->click_kind[y] = UI_CLICK_BAR;
}


void ui_hints_text(ui_ctx ctx, char *buf, size_t n)
{
    const ui_binding *b[32];
    size_t nb = ui_status_hints(ctx, b, 32), at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < nb && at < n; i++)
        if (b[i]->ctx == ctx)
            at += (size_t)snprintf(buf + at, n - at, "%s%s: %s", at ? "   " : "", b[i]->key_name, b[i]->label);
}

bool ui_list_key(ui_list *l, ui_action act, long page)
{
    switch (act) {
    case UI_A_UP: ui_list_move(l, -1); return true;
    case UI_A_DOWN: ui_list_move(l, 1); return true;
    case UI_A_PGUP: ui_list_move(l, -page); return true;
    case UI_A_PGDN: ui_list_move(l, page); return true;
    case UI_A_HOME: ui_list_home(l); return true;
    case UI_A_END: ui_list_end(l); return true;
    default: return false;
    }
}
