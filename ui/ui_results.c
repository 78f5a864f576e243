/* The results screen: the verdict, the pane tabs and the panes of
 * ui_pane_table, search within a pane. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_app.h"
#include <time.h>
#include "ui_panes.h"

typedef struct {
    ui_pane_view v;
    int top, h;        /* content area */
} results_view;

static int content_top(const ui_app *a)
{
    const od_report *r = a->report;
    if (r->loaded_from_file)
        return COLS >= 110 ? 3 : 4;   /* the saved-report banner wraps on narrow screens */
    return r->obs.cancelled ? 3 : 2;
}

ui_pane_env ui_results_env(const ui_app *a)
{
    const od_report *r = a->report;
    /* certificate ages as of the check: a saved report reads as it did
     * when it was made, and a live one does not change while it is shown */
    time_t now = time(NULL), checked_at;
    if (r->generated_at && od_parse_time(r->generated_at, &checked_at))
        now = checked_at;
    ui_pane_env env = {
        .report = r,
        .saved = a->has_changes ? a->saved_report : NULL,
        .changes = a->has_changes ? &a->changes : NULL,
        .g = a->g,
        .now = now,
    };
    return env;
}

static const ui_pane_class *current_pane(const ui_app *a)
{
    return ui_pane_table[a->pane < ui_pane_count ? a->pane : 0];
}

static void build_view(ui_app *a, results_view *rv)
{
    ui_pane_env env = ui_results_env(a);
    const ui_pane_class *p = current_pane(a);
    rv->top = content_top(a) + 1;
    rv->h = LINES - 2 - rv->top;
    if (rv->h < 1)
        rv->h = 1;
    if (!p->list_width)
        a->side = 0;
    ui_pane_state *st = &a->panes[a->pane];
    ui_pane_view_build(p, &env, st, COLS, &rv->v);
    for (int s = 0; s < 2; s++)
        ui_list_scroll(&st->lists[s], (size_t)rv->h);
}

static void free_view(results_view *rv)
{
    ui_pane_view_free(&rv->v);
}

void ui_show_results(ui_app *a)
{
    a->screen = UI_SCR_RESULTS;
    a->side = 0;
    curs_set(0);
}

static void results_draw(ui_app *a)
{
    const od_report *r = a->report;
    bool fail = r->would_fail;
    char *sum = ui_sanitize(r->summary ? r->summary : "");
    char verdict[1200];
    snprintf(verdict, sizeof verdict, " %s %s %s", fail ? a->g->fail : a->g->pass, fail ? "FAIL" : "OK", sum);
    free(sum);
    ui_role vr = fail ? UI_R_VERDICT_FAIL : UI_R_VERDICT_OK;
    ui_fill(&a->term, 0, 0, COLS, vr);
    ui_put(&a->term, 0, 0, COLS, verdict, vr);
    int y = 1;
    if (r->loaded_from_file) {
        char line[800];
        snprintf(line, sizeof line, "saved report of %s from %s by origin-doctor %s %s nothing was probed (r: run live)",
                 r->input.origin_domain ? r->input.origin_domain : "?", r->generated_at ? r->generated_at : "?",
                 r->tool_version ? r->tool_version : "?", a->term.utf8 ? "\xe2\x80\x94" : "--");
        ui_rows banner;
        ui_rows_init(&banner);
        ui_rows_add_wrapped(&banner, UI_R_WARN, -1, line, COLS - 2, 0);
        for (size_t i = 0; i < banner.len && y < content_top(a); i++)
            ui_draw_row(&a->term, y++, 1, COLS - 2, &banner.rows[i], false, false, NULL);
        ui_rows_free(&banner);
        y = content_top(a) - 1;
    } else if (r->obs.cancelled) {
        ui_put(&a->term, y++, 1, COLS - 2, "Cancelled run: partial results, unfinished checks are untested (r: run again)",
               UI_R_WARN);
    }
    /* tabs, one per pane of the table */
    int x = 0;
    for (size_t p = 0; p < ui_pane_count; p++) {
        const ui_pane_class *pc = ui_pane_table[p];
        char tab[64];
        if (pc->tab_count)
            snprintf(tab, sizeof tab, " %zu %s (%zu) ", p + 1, pc->name, pc->tab_count(r));
        else
            snprintf(tab, sizeof tab, " %zu %s ", p + 1, pc->name);
        a->tab_x[p] = x;
        x += ui_put(&a->term, y, x, COLS - x, tab, p == a->pane ? UI_R_TAB_ACTIVE : UI_R_TAB) + 1;
    }
    a->tab_x[ui_pane_count] = x;
    a->click_kind[y] = UI_CLICK_TAB;

    results_view rv;
    build_view(a, &rv);
    const ui_pane_view *v = &rv.v;
    bool split = v->rw > 0;
    a->split_x = split ? v->lw : COLS + 1;
    for (int s = 0; s < (split ? 2 : 1); s++) {
        ui_list *l = &a->panes[a->pane].lists[s];
        int sx = s == 0 ? 0 : v->lw + 1, sw = s == 0 ? v->lw : v->rw;
        for (int row = 0; row < rv.h && l->top + (size_t)row < v->rows[s].len; row++) {
            size_t i = l->top + (size_t)row;
            bool selected = i == l->sel && (s == 0 || a->side == 1);
            ui_draw_row(&a->term, rv.top + row, sx, sw, &v->rows[s].rows[i], selected, a->side == s, a->search);
        }
    }
    for (int row = 0; row < rv.h; row++) {
        if (rv.top + row < UI_MAX_ROWS) {
            a->click_kind[rv.top + row] = UI_CLICK_LIST;
            a->click_index[rv.top + row] = row;
        }
        if (split)
            ui_put(&a->term, rv.top + row, v->lw, 1, a->g->vline, UI_R_DIM);
    }
    /* the line under the panes: search prompt, message, or position */
    int my = LINES - 2;
    if (a->searching) {
        char line[UI_LE_MAX + 8];
        snprintf(line, sizeof line, "/%s", a->search_edit.text);
        ui_put(&a->term, my, 0, COLS, line, UI_R_NORMAL);
        curs_set(1);
        move(my, 1 + ui_le_cursor_col(&a->search_edit));
    } else if (a->msg) {
        ui_put(&a->term, my, 0, COLS, a->msg, a->msg_role);
    } else {
        ui_list *l = &a->panes[a->pane].lists[a->side];
        char pos[800];
        snprintf(pos, sizeof pos, "%s%s %zu/%zu%s%s", current_pane(a)->name, a->side ? " detail" : "",
                 l->count ? l->sel + 1 : 0, l->count, a->search[0] ? "   search: " : "", a->search);
        char *safe = ui_sanitize(pos);
        ui_put(&a->term, my, 0, COLS, safe, UI_R_DIM);
        free(safe);
        if (split && a->side == 0) {
            char hint[80];
            snprintf(hint, sizeof hint, "%s/%s: detail  %s: back", ui_key_name(UI_CTX_RESULTS, UI_A_OPEN),
                     ui_key_name(UI_CTX_RESULTS, UI_A_FOCUS_DETAIL), ui_key_name(UI_CTX_RESULTS, UI_A_FOCUS_LIST));
            int hw = ui_text_width(hint);
            ui_put(&a->term, my, COLS - hw - 1, hw, hint, UI_R_DIM);
        }
    }
    free_view(&rv);
    ui_draw_status(a, UI_CTX_RESULTS);
}

/* The next row (dir > 0) or the previous one (dir < 0) holding needle,
 * from the row after the selection, wrapping; from the selection itself
 * when from_sel. */
static bool search_rows(const ui_rows *rows, ui_list *l, const char *needle, int dir, bool from_sel)
{
    if (!needle[0] || rows->len == 0)
        return false;
    size_t n = rows->len, sel = l->sel < n ? l->sel : 0;
    for (size_t k = from_sel ? 0 : 1; k <= n; k++) {
        size_t i = dir > 0 ? (sel + k) % n : (sel + n - k % n) % n;
        if (ui_find_ci(rows->rows[i].text, needle) >= 0) {
            ui_list_select(l, i);
            return true;
        }
    }
    return false;
}

/* / searches forward from the selection in the focused side, then in the
 * other side of the pane (the detail beside a list); n and N go on. */
static void do_search(ui_app *a, int dir, bool from_sel)
{
    results_view rv;
    build_view(a, &rv);
    ui_pane_state *st = &a->panes[a->pane];
    int sides = rv.v.rw > 0 ? 2 : 1;
    bool found = false;
    for (int k = 0; k < sides && !found; k++) {
        int side = (a->side + k) % sides;
        found = search_rows(&rv.v.rows[side], &st->lists[side], a->search, dir, from_sel || k > 0);
        if (found && side != a->side) {
            if (side == 1)
                ui_list_scroll(&st->lists[1], (size_t)rv.h);
            a->side = side;
        }
    }
    if (!found)
        ui_set_msg(a, UI_R_WARN, "\"%s\" not found in this pane", a->search);
    free_view(&rv);
}

/* c: the selected finding's command to reproduce it, else its first fix. */
static void copy_selected(ui_app *a, const results_view *rv)
{
    const ui_pane_state *st = &a->panes[a->pane];
    size_t sel = st->lists[0].sel;
    int item = current_pane(a) == &ui_pane_findings && sel < rv->v.rows[0].len ? rv->v.rows[0].rows[sel].item : -1;
    if (item < 0 || (size_t)item >= a->report->findings.len) {
        ui_set_msg(a, UI_R_WARN, "Select a finding in the Findings pane to copy its command.");
        return;
    }
    const od_finding *f = &a->report->findings.items[item];
    if (f->reproduce && *f->reproduce)
        ui_copy(a, "The command", f->reproduce);
    else if (f->fix.len > 0)
        ui_copy(a, "The fix", f->fix.items[0]);
    else
        ui_set_msg(a, UI_R_WARN, "This finding has no command or fix to copy.");
}

static void select_pane(ui_app *a, size_t p)
{
    if (p < ui_pane_count) {
        a->pane = p;
        a->side = 0;
    }
}

static void results_key(ui_app *a, int key, ui_action act)
{
    if (a->searching) {
        if (act == UI_A_ACCEPT) {
            a->searching = false;
            snprintf(a->search, sizeof a->search, "%s", a->search_edit.text);
            curs_set(0);
            do_search(a, 1, true);
        } else if (act == UI_A_BACK) {
            a->searching = false;
            curs_set(0);
        } else {
            ui_le_key(&a->search_edit, key);
        }
        return;
    }
    free(a->msg);
    a->msg = NULL;
    /* a report opened from the fleet list: Esc, q and o go back to the list */
    if (a->fleet && (act == UI_A_QUIT || act == UI_A_ORIGINS || (act == UI_A_BACK && a->side == 0 && !a->search[0]))) {
        a->screen = UI_SCR_FLEET;
        return;
    }
    results_view rv;
    build_view(a, &rv);
    const ui_pane_class *pane = current_pane(a);
    ui_pane_state *st = &a->panes[a->pane];
    ui_list *l = &st->lists[a->side];
    size_t before_pane = a->pane, before_sel = st->lists[0].sel;
    bool split = rv.v.rw > 0;
    long page = rv.h > 1 ? rv.h - 1 : 1;
    switch (act) {
    case UI_A_PANE_NEXT: select_pane(a, (a->pane + 1) % ui_pane_count); break;
    case UI_A_PANE_PREV: select_pane(a, (a->pane + ui_pane_count - 1) % ui_pane_count); break;
    case UI_A_PANE_1: case UI_A_PANE_2: case UI_A_PANE_3: case UI_A_PANE_4: case UI_A_PANE_5:
    case UI_A_PANE_6: case UI_A_PANE_7: case UI_A_PANE_8: case UI_A_PANE_9:
        select_pane(a, (size_t)(act - UI_A_PANE_1));
        break;
    case UI_A_OPEN: {
        size_t item = 0;
        const ui_pane_class *to = a->side == 0 && pane->open ? pane->open(&rv.v, st, &item) : NULL;
        size_t ti = to ? ui_pane_index(to) : ui_pane_count;
        if (ti < ui_pane_count) {
            /* the row's item, shown in its own pane from the top */
            select_pane(a, ti);
            ui_list_set_count(&a->panes[ti].lists[0], item + 1);
            ui_list_select(&a->panes[ti].lists[0], item);
            ui_list_init(&a->panes[ti].lists[1]);
        } else if (split) {
            a->side = 1;
        }
        break;
    }
    case UI_A_FOCUS_DETAIL:
        if (split)
            a->side = 1;
        break;
    case UI_A_FOCUS_LIST: a->side = 0; break;
    case UI_A_BACK:
        if (a->side == 0)
            a->search[0] = '\0';
        a->side = 0;
        break;
    case UI_A_ITEM_NEXT:
    case UI_A_ITEM_PREV:
        if (pane->item_step) {
            ui_pane_env env = ui_results_env(a);
            pane->item_step(&env, st, act == UI_A_ITEM_NEXT ? 1 : -1);
        }
        break;
    case UI_A_SEARCH:
        a->searching = true;
        ui_le_set(&a->search_edit, "");
        break;
    case UI_A_SEARCH_NEXT: do_search(a, 1, false); break;
    case UI_A_SEARCH_PREV: do_search(a, -1, false); break;
    case UI_A_EXPORT: ui_export_open(a); break;
    case UI_A_COPY: copy_selected(a, &rv); break;
    case UI_A_SUMMARY: ui_push(a, UI_OV_SUMMARY); break;
    case UI_A_WRITE_CHAIN:
        if (ui_pane_table[a->pane] == &ui_pane_chain)
            ui_chain_write_open(a);
        else
            ui_set_msg(a, UI_R_DIM, "%s writes the corrected chain from the Chain pane", ui_key_name(UI_CTX_RESULTS, UI_A_WRITE_CHAIN));
        break;
    case UI_A_RERUN: ui_start_run(a); break;
    case UI_A_WIZARD:
        a->screen = UI_SCR_WIZARD;
        ui_wizard_enter(a, UI_W_REVIEW);
        break;
    case UI_A_ORIGINS:
        if (a->multi)
            ui_start_multi(a, a->multi);
        else
            ui_set_msg(a, UI_R_INFO, "o lists the origins of a distribution report (--all-origins); this is one report.");
        break;
    case UI_A_QUIT: ui_request_quit(a); break;
    default: ui_list_key(l, act, page); break;
    }
    /* a new list selection shows its detail from the top */
    if (a->pane == before_pane && st->lists[0].sel != before_sel && split && a->side == 0)
        ui_list_init(&st->lists[1]);
    free_view(&rv);
}

static void results_click(ui_app *a, int y, int x, int button)
{
    if (a->click_kind[y] == UI_CLICK_TAB) {
        for (size_t p = 0; p < ui_pane_count; p++)
            if (x >= a->tab_x[p] && x < a->tab_x[p + 1])
                select_pane(a, p);
        return;
    }
    if (a->click_kind[y] != UI_CLICK_LIST)
        return;
    int side = x > a->split_x ? 1 : 0;
    ui_pane_state *st = &a->panes[a->pane];
    ui_list *l = &st->lists[side];
    if (button == 4 || button == 5) {
        ui_list_move(l, button == 4 ? -3 : 3);
        return;
    }
    size_t before = st->lists[0].sel;
    a->side = side;
    ui_list_select(l, l->top + (size_t)a->click_index[y]);
    if (side == 0 && st->lists[0].sel != before)
        ui_list_init(&st->lists[1]);
}

static ui_ctx results_ctx(const ui_app *a)
{
    return a->searching ? UI_CTX_SEARCH : UI_CTX_RESULTS;
}

const ui_screen_ops ui_screen_results = {
    .draw = results_draw,
    .key = results_key,
    .click = results_click,
    .ctx = results_ctx,
};
