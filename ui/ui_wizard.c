/* The wizard: one question per screen, validated as the user types, then
 * a review of every answer with Run. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_wizard.h"

enum { REVIEW_ROWS = 10 };   /* domain, policy, protocols, IP type, http, https, host, cnames, advanced, run */

void ui_wizard_load(ui_app *a)
{
    ui_le_set(&a->domain, a->answers.origin_domain ? a->answers.origin_domain : "");
    char tmp[16];
    snprintf(tmp, sizeof tmp, "%d", a->answers.http_port);
    ui_le_set(&a->http_port, tmp);
    snprintf(tmp, sizeof tmp, "%d", a->answers.https_port);
    ui_le_set(&a->https_port, tmp);
    ui_le_set(&a->cname, "");
    ui_wizard_load_advanced(a);
}

static const ui_wizard_step *step_of(const ui_app *a)
{
    return &ui_wizard_steps[a->wstep];
}

/* Validation of one step's answers; NULL if fine, else malloc'd message. */
static char *step_error(ui_app *a, int step, int *field)
{
    *field = 0;
    const ui_wizard_step *s = &ui_wizard_steps[step];
    return s->validate ? s->validate(a, field) : NULL;
}

static bool step_skipped(const ui_app *a, int step)
{
    const ui_wizard_step *s = &ui_wizard_steps[step];
    return s->skipped && s->skipped(a);
}

static void commit_step(ui_app *a, int step)
{
    if (ui_wizard_steps[step].commit)
        ui_wizard_steps[step].commit(a);
}

bool ui_wizard_commit_all(ui_app *a)
{
    for (int s = 0; s < UI_W_REVIEW; s++) {
        int field;
        if (step_skipped(a, s))
            continue;
        char *err = step_error(a, s, &field);
        if (err) {
            free(err);
            ui_wizard_enter(a, s);
            a->wfocus = field;
            return false;
        }
        commit_step(a, s);
    }
    return true;
}

void ui_wizard_enter(ui_app *a, int step)
{
    a->w_tried = false;
    a->wstep = step;
    a->wfocus = ui_wizard_steps[step].first_focus(a);
    if (step == UI_W_REVIEW) {
        ui_list_set_count(&a->review, REVIEW_ROWS);
        ui_list_select(&a->review, REVIEW_ROWS - 1);
    }
}

static void go_next(ui_app *a)
{
    int field;
    if (step_of(a)->tidy)
        step_of(a)->tidy(a);
    char *err = step_error(a, a->wstep, &field);
    if (err) {
        a->w_tried = true;
        a->wfocus = field;
        free(err);   /* shown live under the field already */
        beep();
        return;
    }
    commit_step(a, a->wstep);
    if (a->from_review) {
        /* forwarding switched on: the names are needed before the review */
        if (a->wstep == UI_W_HOST && a->answers.forward_host_header && a->answers.cnames.len == 0 &&
            !a->answers.distribution_domain) {
            ui_wizard_enter(a, UI_W_CNAMES);
            return;
        }
        a->from_review = false;
        ui_wizard_enter(a, UI_W_REVIEW);
        return;
    }
    int next = a->wstep + 1;
    while (next < UI_W_REVIEW && (step_skipped(a, next) || ui_wizard_steps[next].on_request))
        next++;
    if (next > UI_W_REVIEW)
        next = UI_W_REVIEW;
    ui_wizard_enter(a, next);
}

static void go_back(ui_app *a, bool esc)
{
    if (a->from_review) {
        a->from_review = false;
        ui_wizard_enter(a, UI_W_REVIEW);
        return;
    }
    if (a->wstep == 0) {
        if (esc && a->has_start)
            ui_start_enter(a);
        else if (esc)
            ui_ask(a, UI_ASK_QUIT_WIZARD);
        return;
    }
    int prev = a->wstep - 1;
    while (prev > 0 && (step_skipped(a, prev) || ui_wizard_steps[prev].on_request))
        prev--;
    ui_wizard_enter(a, prev);
}

static void review_edit(ui_app *a, size_t row)
{
    static const int steps[REVIEW_ROWS] = {UI_W_DOMAIN, UI_W_PROTOCOLS, UI_W_PROTOCOLS, UI_W_PROTOCOLS, UI_W_PORTS,
                                           UI_W_PORTS,  UI_W_HOST,      UI_W_CNAMES,    UI_W_ADVANCED,  -1};
    if (row >= REVIEW_ROWS)
        return;
    if (steps[row] < 0) {
        ui_start_run(a);
        return;
    }
    if (step_skipped(a, steps[row])) {
        ui_set_msg(a, UI_R_INFO, "Alternate names are only used when the Host header is forwarded.");
        return;
    }
    ui_wizard_enter(a, steps[row]);
    a->from_review = true;
    if (row == 2)
        a->wfocus = ui_wizard_tls12_focus();   /* the protocols part */
    if (row == 3)
        a->wfocus = ui_wizard_ip_type_focus(a);
    if (row == 5 && a->answers.protocol_policy != OD_POLICY_HTTPS_ONLY)
        a->wfocus = 1;   /* the HTTPS port, below the HTTP one */
}

static int focus_count(ui_app *a)
{
    return step_of(a)->focus_count(a);
}

static ui_lineedit *focused_editor(ui_app *a)
{
    return step_of(a)->editor ? step_of(a)->editor(a) : NULL;
}

static void toggle(ui_app *a)
{
    if (step_of(a)->toggle)
        step_of(a)->toggle(a);
}

static void cname_add(ui_app *a)
{
    if (a->cname.len == 0)
        go_next(a);
    else
        ui_wizard_cname_add(a);
}

static void cname_delete(ui_app *a, int idx, bool into_editor)
{
    od_strlist *l = &a->answers.cnames;
    if (idx < 0 || (size_t)idx >= l->len)
        return;
    if (into_editor)
        ui_le_set(&a->cname, l->items[idx]);
    free(l->items[idx]);
    memmove(&l->items[idx], &l->items[idx + 1], (l->len - (size_t)idx - 1) * sizeof *l->items);
    l->len--;
    if (into_editor || a->wfocus > (int)l->len)
        a->wfocus = (int)l->len;
}

static void wizard_answer_key(ui_app *a, int key, ui_action act)
{
    ui_lineedit *ed = focused_editor(a);
    /* typing goes to the focused field ('?' is help before it gets here:
     * no name has one) */
    if (ed && ui_le_key(ed, key))
        return;
    if (a->wstep == UI_W_CNAMES && !ed && act == UI_A_DELETE) {
        cname_delete(a, a->wfocus, false);
        return;
    }
    bool choices = step_of(a)->choices;
    switch (act) {
    case UI_A_ACCEPT:
        if (a->wstep == UI_W_REVIEW)
            review_edit(a, a->review.sel);
        else if (a->wstep == UI_W_CNAMES && !ed)
            cname_delete(a, a->wfocus, true);
        else if (a->wstep == UI_W_CNAMES)
            cname_add(a);
        else {
            /* Enter on a radio choice picks it (not on a check box) */
            if ((a->wstep == UI_W_PROTOCOLS && a->wfocus < 3) || a->wstep == UI_W_HOST)
                toggle(a);
            go_next(a);
        }
        break;
    case UI_A_NEXT: go_next(a); break;
    case UI_A_PREV: go_back(a, false); break;
    case UI_A_BACK: go_back(a, true); break;
    case UI_A_TOGGLE: toggle(a); break;
    case UI_A_RUN:
        ui_start_run(a);
        break;
    case UI_A_UP:
        if (a->wstep == UI_W_REVIEW)
            ui_list_move(&a->review, -1);
        else if (a->wfocus > 0)
            a->wfocus--;
        break;
    case UI_A_DOWN:
        if (a->wstep == UI_W_REVIEW)
            ui_list_move(&a->review, 1);
        else if (a->wfocus + 1 < focus_count(a))
            a->wfocus++;
        break;
    case UI_A_LEFT:
        if (choices)
            go_back(a, false);
        break;
    case UI_A_RIGHT:
        if (choices)
            go_next(a);
        break;
    default:
        break;
    }
}

static void wizard_key(ui_app *a, int key, ui_action act)
{
    if (act == UI_A_QUIT)
        ui_request_quit(a);
    else
        wizard_answer_key(a, key, act);
    if (a->screen == UI_SCR_WIZARD && a->msg && act != UI_A_NONE && !a->running) {
        free(a->msg);
        a->msg = NULL;
    }
}

static void wizard_click(ui_app *a, int y, int x, int button)
{
    if (a->click_kind[y] != UI_CLICK_WIZARD || button != 1)
        return;
    int index = a->click_right_x[y] > 0 && x >= a->click_right_x[y] ? a->click_right_index[y] : a->click_index[y];
    if (a->wstep == UI_W_REVIEW) {
        ui_list_select(&a->review, (size_t)index);
        return;
    }
    a->wfocus = index;
    if (step_of(a)->choices)
        toggle(a);
}

/* ---------------------------------------------------------------- draw */

int ui_wizard_draw_editor(ui_app *a, int y, int x, int w, const char *label, ui_lineedit *e, bool focused,
                       int click_index)
{
    ui_put(&a->term, y, x, w, label, focused ? UI_R_HEAD : UI_R_NORMAL);
    int fx = x + 16, fw = w - 16;
    if (fw < 10)
        fw = 10;
    ui_fill(&a->term, y, fx, fw, UI_R_SEL_DIM);
    /* scroll the text so the cursor stays visible */
    int ccol = ui_le_cursor_col(e);
    const char *shown = e->text;
    while (ccol >= fw - 1 && *shown) {
        int cw = 1;
        shown++;
        while ((*shown & 0xc0) == 0x80)
            shown++;
        ccol -= cw;
    }
    ui_put(&a->term, y, fx, fw, shown, focused ? UI_R_SEL : UI_R_SEL_DIM);
    if (y < UI_MAX_ROWS) {
        a->click_kind[y] = UI_CLICK_WIZARD;
        a->click_index[y] = click_index;
    }
    return focused ? fx + ccol : -1;
}

int ui_wizard_draw_error(ui_app *a, int y, int x, int w, char *err)
{
    int rows = 0;
    if (!err)
        return 0;
    char *line = od_xasprintf("%s %s", a->g->fail, err);
    ui_rows r;
    ui_rows_init(&r);
    ui_rows_add_wrapped(&r, UI_R_ERROR, -1, line, w, 2);
    for (size_t i = 0; i < r.len && rows < 3; i++, rows++)
        ui_draw_row(&a->term, y + rows, x, w, &r.rows[i], false, false, NULL);
    ui_rows_free(&r);
    free(line);
    free(err);
    return rows;
}

void ui_wizard_draw_choice(ui_app *a, int y, int x, int w, bool radio, bool on, bool focused, const char *label,
                        int index)
{
    char *line = radio ? od_xasprintf("(%s) %s", on ? "*" : " ", label)
                       : od_xasprintf("[%s] %s", on ? "x" : " ", label);
    ui_row row = {.text = line, .role = UI_R_NORMAL, .item = index};
    ui_draw_row(&a->term, y, x, w, &row, focused, true, NULL);
    free(line);
    if (y < UI_MAX_ROWS) {
        /* a second choice to the right on the same row takes the clicks from its column on */
        if (a->click_kind[y] == UI_CLICK_WIZARD && x > 0) {
            a->click_right_x[y] = x;
            a->click_right_index[y] = index;
            return;
        }
        a->click_kind[y] = UI_CLICK_WIZARD;
        a->click_index[y] = index;
    }
}

static void review_value(ui_app *a, size_t row, char *buf, size_t n)
{
    const od_case *c = &a->answers;
    switch (row) {
    case 0: snprintf(buf, n, "%s", a->domain.text); break;
    case 1: snprintf(buf, n, "%s", ui_wizard_policy_label(c->protocol_policy)); break;
    case 2: {
        char *s = od_ssl_protocols_str(c->origin_ssl_protocols);
        snprintf(buf, n, "%s", s && *s ? s : "(none)");
        free(s);
        break;
    }
    case 3: snprintf(buf, n, "%s", ui_wizard_ip_type_label(c->ip_address_type)); break;
    case 4:
        snprintf(buf, n, "%.16s%s", a->http_port.text,
                 c->protocol_policy == OD_POLICY_HTTPS_ONLY ? "  (not used: HTTPS only)" : "");
        break;
    case 5:
        snprintf(buf, n, "%.16s%s", a->https_port.text,
                 c->protocol_policy == OD_POLICY_HTTP_ONLY ? "  (not used: HTTP only)" : "");
        break;
    case 6: snprintf(buf, n, "%s", c->forward_host_header ? "yes" : "no"); break;
    case 7: {
        if (!c->forward_host_header) {
            snprintf(buf, n, "(not used: Host is not forwarded)");
            break;
        }
        size_t at = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < c->cnames.len && at + 2 < n; i++)
            at += (size_t)snprintf(buf + at, n - at, "%s%s", i ? ", " : "", c->cnames.items[i]);
        if (c->distribution_domain && at + 2 < n)
            snprintf(buf + at, n - at, "%s%s (the distribution's own name)", at ? ", " : "", c->distribution_domain);
        break;
    }
    case 8: {
        /* header names only: the values are secrets */
        char *target = od_case_request_target(c);
        int at = snprintf(buf, n, "%zu pinned address%s, trust store %s, timeouts %d s / %d s, asks %s",
                          c->n_resolve, c->n_resolve == 1 ? "" : "es", c->trust_store ? c->trust_store : "(system)",
                          c->timeout_s, c->response_timeout_s, target);
        free(target);
        for (size_t i = 0; i < c->n_origin_headers && at > 0 && (size_t)at + 2 < n; i++)
            at += snprintf(buf + at, n - (size_t)at, "%s%s: ****", i ? ", " : " with ", c->origin_headers[i].name);
        if (c->distribution_domain && at > 0 && (size_t)at + 2 < n)
            snprintf(buf + at, n - (size_t)at, ", distribution %s", c->distribution_domain);
        break;
    }
    default: buf[0] = '\0';
    }
}

int ui_wizard_draw_review(ui_app *a, int y, int x, int w)
{
    static const char *labels[REVIEW_ROWS] = {"Origin domain",   "Protocol policy", "Origin SSL protocols",
                                              "IP address type", "HTTP port",       "HTTPS port",
                                              "Host forwarded",  "Alternate names", "Advanced",
                                              ""};
    for (size_t i = 0; i < REVIEW_ROWS; i++) {
        char val[512], line[640];
        if (i == REVIEW_ROWS - 1) {
            snprintf(line, sizeof line, "   [ Run the checks ]");
        } else {
            review_value(a, i, val, sizeof val);
            snprintf(line, sizeof line, "%-22s %s", labels[i], val);
        }
        ui_row row = {.text = line, .role = i == REVIEW_ROWS - 1 ? UI_R_HEAD : UI_R_NORMAL, .item = (int)i};
        ui_draw_row(&a->term, y, x, w, &row, a->review.sel == i, true, NULL);
        a->click_kind[y] = UI_CLICK_WIZARD;
        a->click_index[y] = (int)i;
        y++;
        if (i == REVIEW_ROWS - 2)
            y++;
    }
    y++;
    /* every answer is checked again before running */
    for (int s = 0; s < UI_W_REVIEW; s++) {
        int f;
        if (step_skipped(a, s))
            continue;
        char *e = step_error(a, s, &f);
        if (e) {
            ui_wizard_draw_error(a, y, x, w, e);
            y += 2;
            break;
        }
    }
    return y;
}

static void wizard_draw(ui_app *a)
{
    const ui_wizard_step *step = step_of(a);
    int w = COLS - 4, x = 2, cursor_y = -1, cursor_x = -1;
    char right[64];
    snprintf(right, sizeof right, "question %d of %d", a->wstep + 1, UI_W_COUNT);
    ui_draw_title(a, right);
    ui_put(&a->term, 2, x, w, step->title, UI_R_HEAD);
    ui_rows why;
    ui_rows_init(&why);
    ui_rows_add_wrapped(&why, UI_R_DIM, -1, step->why, w, 0);
    int y = 3;
    for (size_t i = 0; i < why.len && i < 4; i++)
        ui_draw_row(&a->term, y++, x, w, &why.rows[i], false, false, NULL);
    ui_rows_free(&why);
    y++;
    y = step->draw(a, y, x, w, &cursor_y, &cursor_x);
    int field;
    if (!step->draws_error)
        ui_wizard_draw_error(a, y, x, w, step_error(a, a->wstep, &field));
    char hint[200];
    snprintf(hint, sizeof hint, "%s", a->wstep == UI_W_REVIEW ? "Up/Down: choose a line   Enter: change it or Run   Esc: back"
                                      : a->wstep == UI_W_DOMAIN ? (a->has_start ? "Enter: accept   Esc: first screen" : "Enter: accept   Esc: quit")
                                                                : "Enter: accept   Esc/Shift-Tab: back   Tab: next");
    ui_put(&a->term, LINES - 3, x, w, hint, UI_R_DIM);
    ui_draw_status(a, UI_CTX_WIZARD);
    if (cursor_y >= 0 && cursor_x >= 0 && a->n_ov == 0) {
        curs_set(1);
        move(cursor_y, cursor_x);
    }
}

static ui_ctx wizard_ctx(const ui_app *a)
{
    (void)a;
    return UI_CTX_WIZARD;
}

const ui_screen_ops ui_screen_wizard = {
    .draw = wizard_draw,
    .key = wizard_key,
    .click = wizard_click,
    .ctx = wizard_ctx,
};
