/* The guided session (--guided, or "Guided check" on the first screen):
 * one check at a time for an engineer on a call. Each check is introduced
 * in plain words with the command the customer can run; Enter shows its
 * result explained, Enter again the next check; Esc goes back; Up/Down
 * open any check in the list. The run starts when the engineer moves on
 * from the first introduction; the probes then run together (they take
 * milliseconds to seconds), and the guide reveals their results in order. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_summary.h"
#include "od_util.h"
#include "ui_app.h"
#include "ui_guide.h"

/* The checks as the guide shows them: the finished report's steps, the
 * live list while running, or before the run only the first one. */
typedef struct {
    ui_guide_item *items;
    size_t n;
    char *first_name;
} guide_list;

static bool run_done(const ui_app *a)
{
    return a->g_ran && !a->running && a->report != NULL;
}

static void list_make(const ui_app *a, guide_list *l)
{
    memset(l, 0, sizeof *l);
    if (run_done(a)) {
        const od_observations *o = &a->report->obs;
        l->items = od_xcalloc(o->n_steps ? o->n_steps : 1, sizeof *l->items);
        for (size_t i = 0; i < o->n_steps; i++)
            l->items[i] = (ui_guide_item){o->steps[i].name, o->steps[i].status, o->steps[i].detail};
        l->n = o->n_steps;
    } else if (a->g_ran && a->n_steps > 0) {
        l->items = od_xcalloc(a->n_steps, sizeof *l->items);
        for (size_t i = 0; i < a->n_steps; i++)
            l->items[i] = (ui_guide_item){a->steps[i].name, a->steps[i].status, a->steps[i].detail};
        l->n = a->n_steps;
    }
    if (l->n == 0) {
        /* before the run: the first check is always the name lookup */
        free(l->items);
        l->first_name = od_xasprintf("DNS %s", a->answers.origin_domain ? a->answers.origin_domain : "?");
        l->items = od_xcalloc(1, sizeof *l->items);
        l->items[0] = (ui_guide_item){l->first_name, OD_STEP_PENDING, NULL};
        l->n = 1;
    }
}

static void list_free(guide_list *l)
{
    free(l->items);
    free(l->first_name);
}

static void mark_seen(ui_app *a, size_t i)
{
    if (i >= a->g_seen_len) {
        a->g_seen = od_xrealloc(a->g_seen, (i + 1) * sizeof *a->g_seen);
        memset(a->g_seen + a->g_seen_len, 0, (i + 1 - a->g_seen_len) * sizeof *a->g_seen);
        a->g_seen_len = i + 1;
    }
    a->g_seen[i] = true;
}

static bool seen(const ui_app *a, size_t i)
{
    return i < a->g_seen_len && a->g_seen[i];
}

void ui_guided_free(ui_app *a)
{
    free(a->g_seen);
    a->g_seen = NULL;
    a->g_seen_len = 0;
}

void ui_guided_begin(ui_app *a)
{
    ui_guided_free(a);
    a->guided = true;
    a->g_index = 0;
    a->g_result = false;
    a->g_verdict = false;
    a->g_scroll = 0;
    a->g_ran = false;   /* a new session: nothing measured yet */
    a->screen = UI_SCR_GUIDED;
    curs_set(0);
}

/* The page's rows (curses-free: the golden tests draw the same). */
static void page_rows(const ui_app *a, const guide_list *l, int width, ui_rows *out)
{
    if (a->g_verdict) {
        const od_report *r = a->report;
        ui_rows_add(out, UI_R_HEAD, -1, "The verdict");
        ui_rows_add(out, UI_R_NORMAL, -1, "");
        if (!r) {
            ui_rows_add(out, UI_R_DIM, -1, "The checks have not finished.");
            return;
        }
        char *sum = od_report_short_summary(r);
        char *save = NULL;
        bool first = true;
        for (char *line = strtok_r(sum, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            ui_rows_add_wrapped(out, first ? (r->would_fail ? UI_R_FAIL : UI_R_PASS) : UI_R_NORMAL, -1, line, width,
                                2);
            first = false;
        }
        free(sum);
        ui_rows_add(out, UI_R_NORMAL, -1, "");
        ui_rows_add_wrapped(out, UI_R_DIM, -1,
                            "Next (Enter): every finding in full, pane by pane. s: this summary to copy.", width, 0);
        return;
    }
    if (!a->g_result) {
        ui_guide_intro(l->items, l->n, a->g_index, &a->answers, width, out);
        ui_rows_add(out, UI_R_NORMAL, -1, "");
        ui_rows_add(out, UI_R_DIM, -1,
                    a->g_ran ? "Enter: see what the origin answered."
                                            : "Enter: run the checks and see what the origin answered.");
        return;
    }
    if (!run_done(a)) {
        size_t done = 0;
        for (size_t i = 0; i < l->n; i++)
            done += l->items[i].status != OD_STEP_PENDING && l->items[i].status != OD_STEP_RUNNING;
        char *line = od_xasprintf("Running the checks... (%zu of %zu done; the results are judged together)", done, l->n);
        ui_rows_add(out, UI_R_INFO, -1, line);
        free(line);
        return;
    }
    ui_guide_result(l->items, l->n, a->g_index, a->report, a->g, width, out);
}

/* The list of checks beside the page on a wide screen; on a narrow one a
 * line of marks above it, so a command fits on its row. */
static int list_width(void)
{
    return COLS >= 110 ? 28 : 0;
}

static void guided_draw(ui_app *a)
{
    guide_list l;
    list_make(a, &l);
    if (a->g_index >= l.n)
        a->g_index = l.n - 1;
    char right[64];
    if (a->g_verdict)
        snprintf(right, sizeof right, "guided: verdict");
    else
        snprintf(right, sizeof right, "guided: check %zu of %zu", a->g_index + 1, l.n);
    ui_draw_title(a, right);
    int lw = list_width(), top = lw ? 2 : 3, h = LINES - top - 2, px = lw ? lw + 2 : 1, pw = COLS - px - 1;
    if (!lw) {
        /* one mark per check: its result once explained, the current one bracketed */
        od_buf b;
        od_buf_init(&b);
        od_buf_puts(&b, "Checks: ");
        for (size_t i = 0; i < l.n; i++) {
            bool known = seen(a, i) && run_done(a);
            const char *mark = known ? ui_step_mark(a->g, l.items[i].status) : "\xc2\xb7";
            if (!a->term.utf8 && !known)
                mark = ".";
            bool cur = i == a->g_index && !a->g_verdict;
            od_buf_printf(&b, "%s%s%s", cur ? "[" : " ", mark, cur ? "]" : " ");
        }
        ui_row row = {.text = b.data, .role = UI_R_DIM, .item = -1};
        ui_draw_row(&a->term, 1, 1, COLS - 2, &row, false, false, NULL);
        od_buf_free(&b);
    }
    /* the checks, with the results already explained */
    size_t first = a->g_index >= (size_t)h ? a->g_index - (size_t)h + 1 : 0;
    for (int r = 0; lw && r < h && first + (size_t)r < l.n; r++) {
        size_t i = first + (size_t)r;
        ui_guide_step s;
        ui_guide_parse(l.items[i].name, &s);
        bool known = seen(a, i) && run_done(a);
        const char *mark = known ? ui_step_mark(a->g, l.items[i].status) : " ";
        char *label = ui_guide_label(&s);
        char *text = od_xasprintf("%s %s", mark, label);
        free(label);
        ui_row row = {.text = text, .role = UI_R_NORMAL, .item = (int)i};
        if (known)
            ui_row_span(&row, 0, strlen(mark), ui_step_role(l.items[i].status));
        ui_draw_row(&a->term, top + r, 0, lw, &row, i == a->g_index && !a->g_verdict, true, NULL);
        free(text);
        if (top + r < UI_MAX_ROWS) {
            a->click_kind[top + r] = UI_CLICK_LIST;
            a->click_index[top + r] = (int)i;
        }
    }
    for (int r = 0; lw && r < h; r++)
        ui_put(&a->term, top + r, lw, 1, a->g->vline, UI_R_DIM);
    ui_rows page;
    ui_rows_init(&page);
    page_rows(a, &l, pw, &page);
    if (a->g_scroll >= page.len)
        a->g_scroll = page.len ? page.len - 1 : 0;
    for (int r = 0; r < h && a->g_scroll + (size_t)r < page.len; r++)
        ui_draw_row(&a->term, top + r, px, pw, &page.rows[a->g_scroll + (size_t)r], false, false, NULL);
    if (a->g_scroll + (size_t)h < page.len)
        ui_put(&a->term, LINES - 2, px, pw, "(more below: PgDn)", UI_R_DIM);
    ui_rows_free(&page);
    list_free(&l);
    ui_draw_status(a, UI_CTX_GUIDED);
}

static void open_check(ui_app *a, size_t i)
{
    a->g_index = i;
    a->g_verdict = false;
    a->g_result = seen(a, i);
    a->g_scroll = 0;
}

static void guided_key(ui_app *a, int key, ui_action act)
{
    (void)key;
    guide_list l;
    list_make(a, &l);
    size_t n = l.n;
    list_free(&l);
    switch (act) {
    case UI_A_ACCEPT:
        a->g_scroll = 0;
        if (a->g_verdict) {
            if (a->report)
                ui_show_results(a);
        } else if (!a->g_result) {
            if (!a->g_ran) {
                ui_start_run(a);   /* stays on this screen: guided */
                if (!a->running)
                    break;   /* could not start: the message says why */
                a->g_ran = true;
            }
            a->g_result = true;
            mark_seen(a, a->g_index);
        } else if (!run_done(a)) {
            break;   /* the result is not known yet */
        } else if (a->g_index + 1 < n) {
            a->g_index++;
            a->g_result = seen(a, a->g_index);
            if (a->g_result)
                break;
            a->g_result = false;
        } else {
            a->g_verdict = true;
        }
        break;
    case UI_A_BACK:
        a->g_scroll = 0;
        if (a->g_verdict)
            a->g_verdict = false;
        else if (a->g_result)
            a->g_result = false;
        else if (a->g_index > 0)
            open_check(a, a->g_index - 1);
        else if (!a->g_ran) {
            a->screen = UI_SCR_WIZARD;
            ui_wizard_enter(a, UI_W_REVIEW);
        }
        break;
    case UI_A_UP:
        if (a->g_index > 0)
            open_check(a, a->g_index - 1);
        break;
    case UI_A_DOWN:
        if (a->g_index + 1 < n)
            open_check(a, a->g_index + 1);
        break;
    case UI_A_PGUP: a->g_scroll = a->g_scroll > 5 ? a->g_scroll - 5 : 0; break;
    case UI_A_PGDN: a->g_scroll += 5; break;
    case UI_A_COPY: {
        if (a->g_verdict && a->report) {
            char *sum = od_report_short_summary(a->report);
            ui_copy(a, "The summary", sum);
            free(sum);
            break;
        }
        list_make(a, &l);
        ui_guide_step s;
        ui_guide_parse(l.items[a->g_index < l.n ? a->g_index : 0].name, &s);
        char *cmd = ui_guide_command(&s, &a->answers);
        ui_copy(a, "The command", cmd);
        free(cmd);
        list_free(&l);
        break;
    }
    case UI_A_SUMMARY:
        if (a->report && !a->running)
            ui_push(a, UI_OV_SUMMARY);
        break;
    case UI_A_RESULTS:
        if (a->report && !a->running)
            ui_show_results(a);
        break;
    case UI_A_QUIT: ui_request_quit(a); break;
    default: break;
    }
}

static void guided_click(ui_app *a, int y, int x, int button)
{
    if (a->click_kind[y] == UI_CLICK_LIST && button == 1 && x < list_width())
        open_check(a, (size_t)a->click_index[y]);
}

static ui_ctx guided_ctx(const ui_app *a)
{
    (void)a;
    return UI_CTX_GUIDED;
}

const ui_screen_ops ui_screen_guided = {
    .draw = guided_draw,
    .key = guided_key,
    .click = guided_click,
    .ctx = guided_ctx,
};
