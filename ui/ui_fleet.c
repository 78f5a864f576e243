/* The --fleet list: one row per distribution x origin with its verdict,
 * first cause and days to the first certificate expiry, filled as the
 * run's records arrive; sortable by verdict or expiry; Enter opens the
 * origin's report in the result panes (Esc or q comes back here). */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_report.h"
#include "ui_app.h"

static char *dup_or_null(const char *s)
{
    return s ? od_xstrdup(s) : NULL;
}

static bool failing(const char *verdict)
{
    return strcmp(verdict, "fail") == 0 || strcmp(verdict, "error") == 0;
}

/* Most urgent first: a failing origin, one that could not be checked, a
 * warning, an entry that could not be read, then the rest. */
static int verdict_rank(const char *v)
{
    static const char *const order[] = {"fail", "error", "warn", "invalid", "skipped", "ok"};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (strcmp(v, order[i]) == 0)
            return (int)i;
    return (int)(sizeof order / sizeof order[0]);
}

static int cmp_entries(const void *pa, const void *pb, ui_fleet_sort sort)
{
    const ui_fleet_entry *a = pa, *b = pb;
    if (sort == UI_FLEET_SORT_VERDICT) {
        int d = verdict_rank(a->row.verdict) - verdict_rank(b->row.verdict);
        if (d)
            return d;
    } else if (sort == UI_FLEET_SORT_EXPIRY) {
        if (a->row.has_expiry != b->row.has_expiry)
            return a->row.has_expiry ? -1 : 1;   /* no certificate seen: last */
        if (a->row.has_expiry && a->row.expiry_days != b->row.expiry_days)
            return a->row.expiry_days < b->row.expiry_days ? -1 : 1;
    }
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cmp_verdict(const void *a, const void *b) { return cmp_entries(a, b, UI_FLEET_SORT_VERDICT); }
static int cmp_expiry(const void *a, const void *b) { return cmp_entries(a, b, UI_FLEET_SORT_EXPIRY); }
static int cmp_arrival(const void *a, const void *b) { return cmp_entries(a, b, UI_FLEET_SORT_ARRIVAL); }

/* Sorts the rows, keeping the selected one selected. */
static void resort(ui_app *a)
{
    if (!a->fleet_n)
        return;
    size_t sel_seq = a->fleet_rows[a->fleet_list.sel < a->fleet_n ? a->fleet_list.sel : 0].seq;
    qsort(a->fleet_rows, a->fleet_n, sizeof *a->fleet_rows,
          a->fleet_sort == UI_FLEET_SORT_VERDICT  ? cmp_verdict
          : a->fleet_sort == UI_FLEET_SORT_EXPIRY ? cmp_expiry
                                                  : cmp_arrival);
    for (size_t i = 0; i < a->fleet_n; i++)
        if (a->fleet_rows[i].seq == sel_seq)
            ui_list_select(&a->fleet_list, i);
}

void ui_fleet_add_row(ui_app *a, const od_fleet_row *r, const char *report_json)
{
    a->fleet_rows = od_xrealloc(a->fleet_rows, (a->fleet_n + 1) * sizeof *a->fleet_rows);
    ui_fleet_entry *e = &a->fleet_rows[a->fleet_n];
    memset(e, 0, sizeof *e);
    e->row.distribution_id = od_xstrdup(r->distribution_id);
    e->row.distribution_domain = dup_or_null(r->distribution_domain);
    e->row.origin_id = od_xstrdup(r->origin_id);
    e->row.origin_domain = dup_or_null(r->origin_domain);
    e->row.verdict = od_xstrdup(r->verdict);
    e->row.first_cause = dup_or_null(r->first_cause);
    e->row.has_expiry = r->has_expiry;
    e->row.expiry_days = r->expiry_days;
    e->row.first_expiry = dup_or_null(r->first_expiry);
    e->report_json = dup_or_null(report_json);
    e->seq = a->fleet_n++;
    if (failing(r->verdict))
        a->fleet_failures++;
    ui_list_set_count(&a->fleet_list, a->fleet_n);
    resort(a);
    a->exit_code = ui_fleet_exit_code(a);
}

void ui_fleet_add_record(ui_app *a, const char *text)
{
    cJSON *rec = cJSON_Parse(text);
    od_fleet_row row;
    memset(&row, 0, sizeof row);
    char *err = rec ? od_fleet_row_from_record(rec, &row) : od_xstrdup("not JSON");
    if (err) {
        ui_set_msg(a, UI_R_ERROR, "A fleet record could not be read: %s", err);
        free(err);
    } else {
        const cJSON *rep = cJSON_GetObjectItemCaseSensitive(rec, "report");
        char *rep_text = cJSON_IsObject(rep) ? cJSON_PrintUnformatted(rep) : NULL;
        ui_fleet_add_row(a, &row, rep_text);
        free(rep_text);
    }
    /* the row's strings were copied (or half read): a one-row list frees them */
    od_fleet_rows one = {.rows = od_xmalloc(sizeof row), .n = 1};
    one.rows[0] = row;
    od_fleet_rows_free(&one);
    cJSON_Delete(rec);
}

int ui_fleet_exit_code(const ui_app *a)
{
    od_fleet_rows rows = {.rows = od_xcalloc(a->fleet_n ? a->fleet_n : 1, sizeof *rows.rows), .n = a->fleet_n};
    for (size_t i = 0; i < a->fleet_n; i++)
        rows.rows[i] = a->fleet_rows[i].row;   /* shallow: the strings stay the entries' */
    int rc = od_fleet_exit_code(&rows);
    free(rows.rows);
    return rc;
}

void ui_fleet_free(ui_app *a)
{
    od_fleet_rows rows = {.rows = od_xcalloc(a->fleet_n ? a->fleet_n : 1, sizeof *rows.rows), .n = a->fleet_n};
    for (size_t i = 0; i < a->fleet_n; i++) {
        rows.rows[i] = a->fleet_rows[i].row;
        free(a->fleet_rows[i].report_json);
    }
    od_fleet_rows_free(&rows);
    free(a->fleet_rows);
    a->fleet_rows = NULL;
    a->fleet_n = 0;
}

void ui_fleet_begin(ui_app *a)
{
    ui_list_init(&a->fleet_list);
    a->screen = UI_SCR_FLEET;
    ui_run_fleet(a);
}

/* Column widths: the cause takes what the others leave. */
typedef struct {
    int dist, origin, verdict, days, cause;
} fleet_cols;

/* width: the row's columns, its leading space included */
static fleet_cols columns(int width, bool wide)
{
    fleet_cols c = {.dist = wide ? 20 : 16, .origin = wide ? 24 : 16, .verdict = 8, .days = 9};
    c.cause = width - 1 - c.dist - c.origin - c.verdict - c.days - 4;
    if (c.cause < 8)
        c.cause = 8;
    return c;
}

static ui_role verdict_role(const char *v)
{
    if (failing(v))
        return UI_R_FAIL;
    if (strcmp(v, "warn") == 0 || strcmp(v, "invalid") == 0)
        return UI_R_WARN;
    if (strcmp(v, "ok") == 0)
        return UI_R_PASS;
    return UI_R_DIM;
}

static void fleet_draw(ui_app *a)
{
    char right[64];
    int64_t end = a->fleet_running ? od_now_ms() : a->fleet_ended_ms;
    snprintf(right, sizeof right, "fleet  %.1f s", (double)(end - a->fleet_started_ms) / 1000.0);
    ui_draw_title(a, right);
    size_t total = a->fleet ? a->fleet->n : a->fleet_n;
    char spin[16] = "", head[200];
    if (a->fleet_running)
        snprintf(spin, sizeof spin, "%s ", a->g->spinner[(od_now_ms() / 120) % 4]);
    snprintf(head, sizeof head, "%s%zu/%zu checked, %zu failing%s. Sorted %s.", spin, a->fleet_n, total,
             a->fleet_failures, a->fleet_running ? "" : (a->cancel_requested ? " (cancelled)" : ", finished"),
             a->fleet_sort == UI_FLEET_SORT_VERDICT  ? "by verdict"
             : a->fleet_sort == UI_FLEET_SORT_EXPIRY ? "by days to certificate expiry"
                                                     : "as checked");
    ui_put(&a->term, 2, 2, COLS - 4, head, a->fleet_failures ? UI_R_FAIL : UI_R_HEAD);
    fleet_cols c = columns(COLS - 2, COLS >= 120);
    char line[1024];
    snprintf(line, sizeof line, " %-*s %-*s %-*s %-*s %*s", c.dist, "DISTRIBUTION", c.origin, "ORIGIN", c.verdict,
             "VERDICT", c.cause, "FIRST CAUSE", c.days, "CERT DAYS");
    ui_put(&a->term, 4, 1, COLS - 2, line, UI_R_HEAD);
    int top = 5, h = LINES - top - 3;
    if (h < 1)
        h = 1;
    ui_list_scroll(&a->fleet_list, (size_t)h);
    for (int r = 0; r < h && a->fleet_list.top + (size_t)r < a->fleet_n; r++) {
        size_t i = a->fleet_list.top + (size_t)r;
        const od_fleet_row *w = &a->fleet_rows[i].row;
        char days[24] = "-";
        if (w->has_expiry)
            snprintf(days, sizeof days, "%ld", w->expiry_days);
        char *cause = ui_sanitize(w->first_cause ? w->first_cause : "-");
        char *dist = ui_sanitize(w->distribution_id), *org = ui_sanitize(w->origin_id[0] ? w->origin_id : "-");
        snprintf(line, sizeof line, " %-*.*s %-*.*s %-*s %-*.*s %*s", c.dist, c.dist, dist, c.origin, c.origin, org,
                 c.verdict, w->verdict, c.cause, c.cause, cause, c.days, days);
        free(cause);
        free(dist);
        free(org);
        ui_row row = {.text = line, .role = UI_R_NORMAL, .item = -1};
        ui_row_span(&row, (size_t)(1 + c.dist + 1 + c.origin + 1), (size_t)c.verdict, verdict_role(w->verdict));
        ui_draw_row(&a->term, top + r, 1, COLS - 2, &row, i == a->fleet_list.sel, true, NULL);
        if (top + r < UI_MAX_ROWS) {
            a->click_kind[top + r] = UI_CLICK_LIST;
            a->click_index[top + r] = (int)i;
        }
    }
    if (!a->fleet_n)
        ui_put(&a->term, top, 2, COLS - 4, a->fleet_running ? "Checking the first origins..." : "No origins.", UI_R_DIM);
    ui_draw_status(a, UI_CTX_FLEET);
}

static void open_selected(ui_app *a)
{
    if (!a->fleet_n)
        return;
    const ui_fleet_entry *e = &a->fleet_rows[a->fleet_list.sel];
    if (!e->report_json) {
        char *note = ui_sanitize(e->row.first_cause ? e->row.first_cause : "no report");
        ui_set_msg(a, UI_R_WARN, "%s: no report (%s): %s", e->row.origin_id, e->row.verdict, note);
        free(note);
        return;
    }
    od_report *r = od_xcalloc(1, sizeof *r);
    char *err = od_report_from_json(e->report_json, strlen(e->report_json), r);
    if (err) {
        ui_set_msg(a, UI_R_ERROR, "The report could not be read: %s", err);
        free(err);
        free(r);
        return;
    }
    ui_open_loaded(a, r);
}

static void fleet_key(ui_app *a, int key, ui_action act)
{
    (void)key;
    free(a->msg);
    a->msg = NULL;
    long page = LINES - 8 > 1 ? LINES - 8 : 1;
    switch (act) {
    case UI_A_OPEN: open_selected(a); break;
    case UI_A_SORT_VERDICT:
    case UI_A_SORT_EXPIRY: {
        ui_fleet_sort want = act == UI_A_SORT_VERDICT ? UI_FLEET_SORT_VERDICT : UI_FLEET_SORT_EXPIRY;
        a->fleet_sort = a->fleet_sort == want ? UI_FLEET_SORT_ARRIVAL : want;
        resort(a);
        break;
    }
    case UI_A_QUIT:   /* the list is not a report to export: no question */
        a->cancel_requested = a->running;
        ui_run_stop(a);
        a->quit = true;
        break;
    default: ui_list_key(&a->fleet_list, act, page); break;
    }
}

static void fleet_click(ui_app *a, int y, int x, int button)
{
    (void)x;
    if (button == 1 && a->click_kind[y] == UI_CLICK_LIST)
        ui_list_select(&a->fleet_list, (size_t)a->click_index[y]);
}

static ui_ctx fleet_ctx(const ui_app *a)
{
    (void)a;
    return UI_CTX_FLEET;
}

const ui_screen_ops ui_screen_fleet = {
    .draw = fleet_draw,
    .key = fleet_key,
    .click = fleet_click,
    .ctx = fleet_ctx,
};
