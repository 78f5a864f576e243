/* The first screen (when origin-doctor starts with no answers): New check,
 * Open a saved report, Import a distribution config, Practice lab, and the
 * lists and prompts behind them. */
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_bundle.h"
#include "od_policy.h"
#include "ui_app.h"

enum { MENU_NEW, MENU_OPEN, MENU_IMPORT, MENU_LAB, MENU_GUIDED, MENU_COUNT };

static const char *menu_labels[MENU_COUNT] = {
    "New check",
    "Open a saved report",
    "Import a distribution config",
    "Practice lab",
    "Guided check (for a call: one check at a time, explained)",
};

static const char *menu_whys[MENU_COUNT] = {
    "Answer a few questions about the origin as CloudFront sees it, then run the checks.",
    "Show a JSON report someone saved (origin-doctor --json or e in the results), pane by pane; or "
    "judge a certificate file (PEM, DER, PKCS#7, PKCS#12) before it is installed.",
    "Read the origins from 'aws cloudfront get-distribution-config' (or get-distribution) output.",
    "Start a local origin on 127.0.0.1 that shows one problem, and diagnose it.",
    ("The same questions, then each check introduced in plain words with the command the customer can run, its "
     "result explained, and Enter to go on. (origin-doctor --guided does the same.)"),
};

static void set_error(ui_app *a, const char *text)
{
    free(a->st_error);
    a->st_error = text ? ui_sanitize(text) : NULL;
}

static void stop_lab(ui_app *a)
{
    if (a->lab) {
        od_lab_stop(a->lab);
        a->lab = NULL;
    }
    a->lab_name = a->opts->lab_name;
}

static void free_import(ui_app *a)
{
    if (a->dist) {
        od_distconfig_free(a->dist);
        free(a->dist);
        a->dist = NULL;
    }
    od_strlist_free(&a->host_ids);
    od_host_answers_free(&a->host_answers);
    od_host_answers_init(&a->host_answers);
}

void ui_start_free(ui_app *a)
{
    free_import(a);
    if (a->policies) {
        od_managed_policies_free(a->policies);
        free(a->policies);
        a->policies = NULL;
    }
    stop_lab(a);
    free(a->st_error);
    a->st_error = NULL;
}

static void enter_mode(ui_app *a, ui_start_mode m, size_t count)
{
    a->st_mode = m;
    ui_list_init(&a->st_list);
    ui_list_set_count(&a->st_list, count);
}

void ui_start_enter(ui_app *a)
{
    /* leaving the lab: its origin and temporary files go */
    stop_lab(a);
    free_import(a);
    set_error(a, NULL);
    a->screen = UI_SCR_START;
    enter_mode(a, UI_ST_MENU, MENU_COUNT);
    curs_set(0);
}

static ui_ctx start_ctx(const ui_app *a)
{
    if (a->st_mode == UI_ST_HOST)
        return UI_CTX_HOST_Q;
    return a->st_mode == UI_ST_OPEN || a->st_mode == UI_ST_IMPORT ? UI_CTX_PROMPT : UI_CTX_START;
}

/* The case is ready: the wizard's review step shows it. */
static void to_review(ui_app *a, od_case *c)
{
    if (a->opts->apply_flags)
        a->opts->apply_flags(a->opts->apply_ctx, c);   /* the command line's flags win */
    od_case_free(&a->answers);
    a->answers = *c;   /* moved */
    od_case_init(c);
    od_case_free(c);
    a->saved_report = NULL;
    a->has_changes = false;
    ui_wizard_load(a);
    a->from_review = false;
    a->screen = UI_SCR_WIZARD;
    ui_wizard_enter(a, UI_W_REVIEW);
}

void ui_open_loaded(ui_app *a, od_report *r)
{
    if (a->opened_report && a->report == a->opened_report)
        a->report = NULL;
    if (a->opened_report) {
        od_report_free(a->opened_report);
        free(a->opened_report);
    }
    a->opened_report = r;
    r->loaded_from_file = true;
    free(a->bundle_path);   /* a saved report reruns live */
    free(a->bundle_key);
    a->bundle_path = a->bundle_key = NULL;
    a->saved_report = r;
    a->report = r;
    ui_changes_free(&a->changes);
    a->has_changes = false;
    od_case_free(&a->answers);
    od_case_copy(&a->answers, &r->input);
    ui_wizard_load(a);
    ui_wizard_enter(a, UI_W_REVIEW);
    ui_reset_results(a);
    a->screen = UI_SCR_RESULTS;
    curs_set(0);
}

/* A certificate file (PEM, DER, PKCS#7, PKCS#12): the wizard asks what
 * CloudFront is configured to do (the names it must cover), then the file
 * is judged as the origin would send it once installed. */
static void open_bundle_file(ui_app *a, const char *path, const char *text, size_t len)
{
    od_bundle b;
    bool need_password = false;
    char *err = od_bundle_parse((const unsigned char *)text, len, path, NULL, &b, &need_password);
    if (err) {
        char *m = need_password
                      ? od_xasprintf("%s (in the terminal: origin-doctor --check-bundle FILE --password-file F)", err)
                      : od_xasprintf("%s (a saved report is JSON; a certificate file is PEM, DER, PKCS#7 or PKCS#12)",
                                     err);
        set_error(a, m);
        free(m);
        free(err);
        return;
    }
    od_bundle_free(&b);
    set_error(a, NULL);
    stop_lab(a);
    free(a->bundle_path);
    free(a->bundle_key);
    a->bundle_path = od_xstrdup(path);
    a->bundle_key = NULL;
    od_case c;
    od_case_init(&c);
    to_review(a, &c);
    ui_wizard_enter(a, UI_W_DOMAIN);
    ui_set_msg(a, UI_R_NORMAL, "Certificate file: answer as for a diagnosis; the file is judged, nothing is probed.");
}

static void open_report_file(ui_app *a)
{
    const char *path = a->st_path.text;
    if (!*path) {
        set_error(a, "file name: required (the JSON report to open)");
        return;
    }
    size_t len = 0;
    char *text = od_read_file(path, &len);
    if (!text) {
        char *m = od_xasprintf("cannot read \"%s\": %s", path, od_strerror(errno, &(od_errbuf){0}));
        set_error(a, m);
        free(m);
        return;
    }
    size_t lead = 0;
    while (lead < len && (text[lead] == ' ' || text[lead] == '\t' || text[lead] == '\r' || text[lead] == '\n'))
        lead++;
    if (lead == len || text[lead] != '{') {
        /* not a JSON report: a certificate file to judge offline */
        open_bundle_file(a, path, text, len);
        free(text);
        return;
    }
    od_report *r = od_xcalloc(1, sizeof *r);
    char *err = od_report_from_json(text, len, r);
    free(text);
    if (err) {
        char *m = od_xasprintf("\"%s\" is not a report this version can read: %s", path, err);
        set_error(a, m);
        free(m);
        free(err);
        free(r);
        return;
    }
    set_error(a, NULL);
    stop_lab(a);
    ui_open_loaded(a, r);
}

static void import_config_file(ui_app *a)
{
    const char *path = a->st_path.text;
    if (!*path) {
        set_error(a, "file name: required (the JSON the AWS CLI printed)");
        return;
    }
    if (!a->policies) {
        /* the managed policies table: which managed policies forward Host */
        char *ppath = od_asset_path("managed-origin-request-policies.json");
        if (!ppath) {
            char *missing = od_asset_missing("managed-origin-request-policies.json");
            set_error(a, missing);
            free(missing);
            return;
        }
        od_managed_policies *p = od_xcalloc(1, sizeof *p);
        char *err = od_managed_policies_load(ppath, p);
        free(ppath);
        if (err) {
            set_error(a, err);
            free(err);
            free(p);
            return;
        }
        a->policies = p;
    }
    free_import(a);
    od_dist_config *d = od_xcalloc(1, sizeof *d);
    char *err = od_distconfig_load(path, a->policies, d);
    if (err) {
        set_error(a, err);
        free(err);
        free(d);
        return;
    }
    set_error(a, NULL);
    a->dist = d;
    enter_mode(a, UI_ST_ORIGINS, d->n_origins);
    /* start on the first origin that can be diagnosed */
    for (size_t i = 0; i < d->n_origins; i++)
        if (d->origins[i].is_custom) {
            ui_list_select(&a->st_list, i);
            break;
        }
}

/* Builds the case once every custom policy has an answer. */
static void finish_import(ui_app *a)
{
    const od_dist_origin *o = &a->dist->origins[a->dist_origin];
    od_case c;
    od_case_init(&c);
    od_dist_case_info info;
    od_dist_case_info_init(&info);
    char *err = od_distconfig_case(a->dist, o, &a->host_answers, &c, &info);
    if (err) {
        set_error(a, err);
        free(err);
        od_case_free(&c);
        od_dist_case_info_free(&info);
        enter_mode(a, UI_ST_ORIGINS, a->dist->n_origins);
        ui_list_select(&a->st_list, a->dist_origin);
        return;
    }
    bool mixed = info.mixed;
    od_dist_case_info_free(&info);
    stop_lab(a);
    to_review(a, &c);
    free_import(a);
    if (mixed)
        ui_set_msg(a, UI_R_WARN,
                   "Behaviors disagree on Host: both the alternate names and the origin domain are checked.");
}

static void choose_origin(ui_app *a, size_t i)
{
    if (!a->dist || i >= a->dist->n_origins)
        return;
    const od_dist_origin *o = &a->dist->origins[i];
    if (!o->is_custom) {
        char *id = od_escape_str(o->id ? o->id : "?");
        char *m = od_xasprintf("origin %s cannot be diagnosed: %s", id, o->skip_reason ? o->skip_reason : "not custom");
        set_error(a, m);
        free(m);
        free(id);
        return;
    }
    set_error(a, NULL);
    a->dist_origin = i;
    od_strlist_free(&a->host_ids);
    od_strlist_init(&a->host_ids);
    od_host_answers_free(&a->host_answers);
    od_host_answers_init(&a->host_answers);
    od_distconfig_questions(o, &a->host_ids);
    if (a->host_ids.len == 0) {
        finish_import(a);
        return;
    }
    a->host_q = 0;
    enter_mode(a, UI_ST_HOST, 2);
}

static void answer_host(ui_app *a, bool includes_host)
{
    if (a->host_q >= a->host_ids.len)
        return;
    od_strlist_add(includes_host ? &a->host_answers.includes_host : &a->host_answers.excludes_host,
                   a->host_ids.items[a->host_q]);
    if (++a->host_q < a->host_ids.len) {
        enter_mode(a, UI_ST_HOST, 2);
        return;
    }
    finish_import(a);
}

static void start_lab(ui_app *a, size_t i)
{
    size_t n;
    const od_lab_scenario *s = od_lab_scenarios(&n);
    if (i >= n)
        return;
    stop_lab(a);
    od_case c;
    od_case_init(&c);
    char *err = NULL;
    od_lab *lab = od_lab_start(s[i].name, &c, &err);
    if (!lab) {
        char *m = od_xasprintf("could not start the lab %s: %s", s[i].name, err ? err : "unknown error");
        set_error(a, m);
        free(m);
        free(err);
        od_case_free(&c);
        return;
    }
    set_error(a, NULL);
    a->lab = lab;
    a->lab_name = s[i].name;
    /* a bundle scenario is a certificate file (and its key) to judge */
    const char *key = NULL;
    const char *bundle = od_lab_bundle(lab, &key, NULL);
    free(a->bundle_path);
    free(a->bundle_key);
    a->bundle_path = bundle ? od_xstrdup(bundle) : NULL;
    a->bundle_key = bundle && key ? od_xstrdup(key) : NULL;
    to_review(a, &c);
}

/* One origin of the distribution report, shown as a saved report of its own
 * (a copy: the UI owns what it shows). */
static void open_multi_item(ui_app *a, size_t i)
{
    const od_origin_report *it = &a->multi->items[i];
    if (!it->ran) {
        char *m = od_xasprintf("origin %s was not diagnosed: %s", it->origin_id ? it->origin_id : "?",
                               it->skipped ? it->skipped : "no report");
        set_error(a, m);
        free(m);
        return;
    }
    char *json = od_report_to_json(&it->report);
    od_report *r = od_xcalloc(1, sizeof *r);
    char *err = json ? od_report_from_json(json, strlen(json), r) : od_xstrdup("cannot be written");
    free(json);
    if (err) {
        set_error(a, err);
        free(err);
        free(r);
        return;
    }
    a->multi_sel = i;
    ui_open_loaded(a, r);
}

static void choose(ui_app *a, size_t i)
{
    switch (a->st_mode) {
    case UI_ST_MENU:
        switch (i) {
        case MENU_GUIDED:
        case MENU_NEW: {
            a->guided = i == MENU_GUIDED || a->opts->guided;
            free(a->bundle_path);   /* a new diagnosis probes */
            free(a->bundle_key);
            a->bundle_path = a->bundle_key = NULL;
            /* a domain typed before Esc is still there */
            char *typed = od_xstrdup(a->domain.text);
            od_case c;
            od_case_init(&c);
            to_review(a, &c);
            if (!a->answers.origin_domain && *typed)
                ui_le_set(&a->domain, typed);
            free(typed);
            ui_wizard_enter(a, UI_W_DOMAIN);
            break;
        }
        case MENU_OPEN:
        case MENU_IMPORT:
            set_error(a, NULL);
            ui_le_set(&a->st_path, "");
            a->st_mode = i == MENU_OPEN ? UI_ST_OPEN : UI_ST_IMPORT;
            break;
        case MENU_LAB: {
            size_t n;
            od_lab_scenarios(&n);
            set_error(a, NULL);
            enter_mode(a, UI_ST_LABS, n);
            break;
        }
        default: break;
        }
        break;
    case UI_ST_LABS: start_lab(a, i); break;
    case UI_ST_MULTI: open_multi_item(a, i); break;
    case UI_ST_ORIGINS: choose_origin(a, i); break;
    case UI_ST_HOST: answer_host(a, i == 0); break;
    default: break;
    }
}

static void back(ui_app *a)
{
    set_error(a, NULL);
    switch (a->st_mode) {
    case UI_ST_MENU: ui_ask(a, UI_ASK_QUIT_WIZARD); break;
    case UI_ST_MULTI: ui_request_quit(a); break;
    case UI_ST_HOST:
        enter_mode(a, UI_ST_ORIGINS, a->dist ? a->dist->n_origins : 0);
        ui_list_select(&a->st_list, a->dist_origin);
        break;
    case UI_ST_ORIGINS:
        free_import(a);
        a->st_mode = UI_ST_IMPORT;
        break;
    default: {
        ui_start_mode from = a->st_mode;
        enter_mode(a, UI_ST_MENU, MENU_COUNT);
        ui_list_select(&a->st_list, from == UI_ST_OPEN ? MENU_OPEN : from == UI_ST_IMPORT ? MENU_IMPORT : MENU_LAB);
        break;
    }
    }
}

void ui_start_multi(ui_app *a, const od_multi_report *m)
{
    a->multi = m;
    a->screen = UI_SCR_START;
    enter_mode(a, UI_ST_MULTI, m->n);
    ui_list_select(&a->st_list, a->multi_sel);
}

void ui_start_import(ui_app *a, const char *path)
{
    a->screen = UI_SCR_START;
    a->st_mode = UI_ST_IMPORT;
    ui_le_set(&a->st_path, path);
    import_config_file(a);
}

static void complete_path(ui_app *a)
{
    size_t matches;
    char *done = ui_complete_path(a->st_path.text, &matches);
    if (!done) {
        set_error(a, "no file name starts like that");
    } else {
        ui_le_set(&a->st_path, done);
        set_error(a, NULL);
        if (matches > 1) {
            char *m = od_xasprintf("%zu names start like that: type more, then Tab", matches);
            ui_set_msg(a, UI_R_INFO, "%s", m);
            free(m);
        }
    }
    free(done);
}

static int list_height(void)
{
    int h = LINES - 12;
    return h < 1 ? 1 : h;
}

static void start_key(ui_app *a, int key, ui_action act)
{
    if (a->st_mode == UI_ST_OPEN || a->st_mode == UI_ST_IMPORT) {
        if (act == UI_A_COMPLETE) {
            complete_path(a);
            return;
        }
        if (ui_le_key(&a->st_path, key))
            return;
        if (act == UI_A_ACCEPT) {
            /* "~/x" is the home folder's x, as in a shell */
            char *path = ui_expand_home(a->st_path.text);
            ui_le_set(&a->st_path, path);
            free(path);
            if (a->st_mode == UI_ST_OPEN)
                open_report_file(a);
            else
                import_config_file(a);
        } else if (act == UI_A_BACK) {
            back(a);
        } else if (act == UI_A_QUIT) {
            ui_request_quit(a);
        }
        return;
    }
    ui_list *l = &a->st_list;
    long page = list_height() > 1 ? list_height() - 1 : 1;
    if (ui_list_key(l, act, page))
        return;
    switch (act) {
    case UI_A_ACCEPT: choose(a, l->sel); break;
    /* the first screen numbers its choices: the digit picks one */
    case UI_A_PANE_1: case UI_A_PANE_2: case UI_A_PANE_3: case UI_A_PANE_4: case UI_A_PANE_5:
        if (a->st_mode == UI_ST_MENU && (size_t)(act - UI_A_PANE_1) < l->count) {
            l->sel = (size_t)(act - UI_A_PANE_1);
            choose(a, l->sel);
        }
        break;
    case UI_A_BACK: back(a); break;
    case UI_A_YES: if (a->st_mode == UI_ST_HOST) answer_host(a, true); break;
    case UI_A_NO: if (a->st_mode == UI_ST_HOST) answer_host(a, false); break;
    case UI_A_QUIT: ui_request_quit(a); break;
    default: break;
    }
}

static void start_click(ui_app *a, int y, int x, int button)
{
    (void)x;
    if (a->click_kind[y] != UI_CLICK_WIZARD || button != 1 || a->st_mode == UI_ST_OPEN || a->st_mode == UI_ST_IMPORT)
        return;
    int index = a->click_index[y];
    if (index >= 0 && (size_t)index == a->st_list.sel)
        choose(a, (size_t)index);
    else if (index >= 0)
        ui_list_select(&a->st_list, (size_t)index);
}

/* ---------------------------------------------------------------- draw */

static void draw_wrapped(ui_app *a, int *y, int x, int w, const char *text, ui_role role, int max)
{
    ui_rows r;
    ui_rows_init(&r);
    /* errors (marked) indent their continuation lines; paragraphs do not */
    ui_rows_add_wrapped(&r, role, -1, text, w, role == UI_R_ERROR ? 2 : 0);
    for (size_t i = 0; i < r.len && (int)i < max; i++)
        ui_draw_row(&a->term, (*y)++, x, w, &r.rows[i], false, false, NULL);
    ui_rows_free(&r);
}

static void mark_click(ui_app *a, int y, int index)
{
    if (y >= 0 && y < UI_MAX_ROWS) {
        a->click_kind[y] = UI_CLICK_WIZARD;
        a->click_index[y] = index;
    }
}

/* Rows of a scrolling list, from y, at most h of them. */
static void draw_list(ui_app *a, int y, int x, int w, int h, ui_rows *rows)
{
    ui_list *l = &a->st_list;
    ui_list_set_count(l, rows->len);
    ui_list_scroll(l, (size_t)h);
    for (int r = 0; r < h && l->top + (size_t)r < rows->len; r++) {
        size_t i = l->top + (size_t)r;
        ui_draw_row(&a->term, y + r, x, w, &rows->rows[i], i == l->sel, true, NULL);
        mark_click(a, y + r, (int)i);
    }
}

static void draw_prompt(ui_app *a, int y, int x, int w, const char *question, const char *why)
{
    ui_put(&a->term, 2, x, w, question, UI_R_HEAD);
    int yy = 3;
    draw_wrapped(a, &yy, x, w, why, UI_R_DIM, 3);
    ui_put(&a->term, y, x, 12, "File name:", UI_R_HEAD);
    int fw = w - 12;
    ui_fill(&a->term, y, x + 12, fw, UI_R_SEL);
    int ccol = ui_le_cursor_col(&a->st_path);
    const char *shown = a->st_path.text;
    while (ccol >= fw - 1 && *shown) {
        shown++;
        while ((*shown & 0xc0) == 0x80)
            shown++;
        ccol = ui_le_cursor_col(&a->st_path) - (ui_text_width(a->st_path.text) - ui_text_width(shown));
    }
    char *safe = ui_sanitize(shown);
    ui_put(&a->term, y, x + 12, fw, safe, UI_R_SEL);
    free(safe);
    if (a->st_error) {
        int ey = y + 2;
        char *line = od_xasprintf("%s %s", a->g->fail, a->st_error);
        draw_wrapped(a, &ey, x, w, line, UI_R_ERROR, 6);
        free(line);
    }
    ui_put(&a->term, LINES - 3, x, w, "Type the file name   Enter: open   Esc: back", UI_R_DIM);
    if (a->n_ov == 0) {
        curs_set(1);
        move(y, x + 12 + ccol);
    }
}

static void start_draw(ui_app *a)
{
    int x = 2, w = COLS - 4, y = 2;
    ui_draw_title(a, "start");
    ui_rows rows;
    ui_rows_init(&rows);
    const char *hint = "Up/Down: choose   Enter: select   Esc: back   q: quit";
    switch (a->st_mode) {
    case UI_ST_MENU: {
        ui_put(&a->term, y++, x, w, "What would you like to do?", UI_R_HEAD);
        y++;
        ui_list_set_count(&a->st_list, MENU_COUNT);
        for (size_t i = 0; i < MENU_COUNT; i++) {
            char line[200];
            snprintf(line, sizeof line, "  %zu  %s", i + 1, menu_labels[i]);
            ui_row row = {.text = line, .role = UI_R_NORMAL, .item = (int)i};
            ui_draw_row(&a->term, y, x, 40, &row, a->st_list.sel == i, true, NULL);
            mark_click(a, y, (int)i);
            y++;
        }
        y++;
        draw_wrapped(a, &y, x, w, menu_whys[a->st_list.sel < MENU_COUNT ? a->st_list.sel : 0], UI_R_DIM, 3);
        hint = "1-4 or Up/Down: choose   Enter: select   q: quit";
        break;
    }
    case UI_ST_OPEN:
        draw_prompt(a, 6, x, w, "Open a saved report",
                    "A JSON report written by origin-doctor (--json FILE, or e then JSON in the results). "
                    "It is shown as saved; nothing is probed until you press r.");
        hint = NULL;
        break;
    case UI_ST_IMPORT:
        draw_prompt(a, 6, x, w, "Import a distribution config",
                    "The JSON printed by 'aws cloudfront get-distribution-config --id ID' or "
                    "'aws cloudfront get-distribution --id ID'.");
        hint = NULL;
        break;
    case UI_ST_MULTI: {
        const od_multi_report *m = a->multi;
        char *head = od_xasprintf("Distribution report %s from %s: %zu origin%s", m->distribution_id ? m->distribution_id : "",
                                  m->generated_at ? m->generated_at : "?", m->n, m->n == 1 ? "" : "s");
        char *safe = ui_sanitize(head);
        ui_put(&a->term, y++, x, w, safe, UI_R_HEAD);
        free(safe);
        free(head);
        ui_put(&a->term, y++, x, w, "Choose an origin to see its report, pane by pane (o in the panes comes back here).",
               UI_R_DIM);
        y++;
        for (size_t i = 0; i < m->n; i++) {
            const od_origin_report *it = &m->items[i];
            const char *verdict = !it->ran ? "not diagnosed" : it->report.would_fail ? "FAIL" : "OK";
            ui_row *row = ui_rows_addf(&rows, UI_R_NORMAL, (int)i, " %-20s %-40s %s", it->origin_id ? it->origin_id : "?",
                                       it->domain_name ? it->domain_name : "", verdict);
            ui_row_highlight(row, verdict, !it->ran ? UI_R_DIM : it->report.would_fail ? UI_R_FAIL : UI_R_PASS);
        }
        int h = list_height() - 1;
        draw_list(a, y, x, w, h, &rows);
        y += h + 1;
        hint = "Up/Down: choose   Enter: its report   q: quit";
        break;
    }
    case UI_ST_LABS: {
        ui_put(&a->term, y++, x, w, "Practice lab: choose a problem to diagnose", UI_R_HEAD);
        ui_put(&a->term, y++, x, w, "A local origin on 127.0.0.1 is started for it and stops when you leave.",
               UI_R_DIM);
        y++;
        size_t n;
        const od_lab_scenario *s = od_lab_scenarios(&n);
        for (size_t i = 0; i < n; i++)
            ui_rows_addf(&rows, UI_R_NORMAL, (int)i, " %-22s %s", s[i].name, s[i].description);
        int h = list_height() - 1;
        draw_list(a, y, x, w, h, &rows);
        y += h + 1;
        if (a->st_list.sel < n) {
            char *expect = od_lab_expect_text(&s[a->st_list.sel]);
            char *line = od_xasprintf("%s: %s (expected: %s)", s[a->st_list.sel].name, s[a->st_list.sel].description,
                                      expect[0] ? expect : "no failure");
            free(expect);
            /* the rows between the list and the hint: the expected failure must show */
            draw_wrapped(a, &y, x, w, line, UI_R_INFO, 4);
            free(line);
        }
        hint = "Up/Down: choose   Enter: start this lab   Esc: back   q: quit";
        break;
    }
    case UI_ST_ORIGINS: {
        char *file = ui_sanitize(a->st_path.text);
        char *head = od_xasprintf("Origins in %s", file);
        free(file);
        ui_put(&a->term, y++, x, w, head, UI_R_HEAD);
        free(head);
        ui_put(&a->term, y++, x, w, "Custom origins can be diagnosed; the others are shown with why they are skipped.",
               UI_R_DIM);
        y++;
        for (size_t i = 0; i < a->dist->n_origins; i++) {
            const od_dist_origin *o = &a->dist->origins[i];
            char *id = ui_sanitize(o->id), *dn = ui_sanitize(o->domain_name);
            if (o->is_custom)
                ui_rows_addf(&rows, UI_R_NORMAL, (int)i, " %s  %s  (HTTPS %d, %s)", id, dn, o->https_port,
                             od_protocol_policy_name(o->protocol_policy));
            else
                ui_rows_addf(&rows, UI_R_DIM, (int)i, " %s  %s  skipped: %s", id, dn,
                             o->skip_reason ? o->skip_reason : "not a custom origin");
            free(id);
            free(dn);
        }
        int h = list_height() - 2;
        draw_list(a, y, x, w, h, &rows);
        y += h + 1;
        if (a->st_list.sel < a->dist->n_origins) {
            const od_dist_origin *o = &a->dist->origins[a->st_list.sel];
            char *id = ui_sanitize(o->id);
            char *line = o->is_custom
                             ? od_xasprintf("%s: Enter fills the questions from it (ports, protocols, names, Host)", id)
                             : od_xasprintf("%s is skipped: %s", id, o->skip_reason ? o->skip_reason : "not custom");
            draw_wrapped(a, &y, x, w, line, o->is_custom ? UI_R_INFO : UI_R_DIM, 2);
            free(line);
            free(id);
        }
        hint = "Up/Down: choose   Enter: diagnose this origin   Esc: back   q: quit";
        break;
    }
    case UI_ST_HOST: {
        const od_dist_origin *o = &a->dist->origins[a->dist_origin];
        const char *id = a->host_q < a->host_ids.len ? a->host_ids.items[a->host_q] : "?";
        char *sid = ui_sanitize(id), *oid = ui_sanitize(o->id);
        ui_put(&a->term, y++, x, w, "Is the viewer's Host header forwarded to the origin?", UI_R_HEAD);
        char *q = od_xasprintf("Origin %s is reached through the custom origin request policy %s. The file cannot say "
                               "whether that policy forwards the viewer's Host header; CloudFront then sends the "
                               "viewer's name as SNI. (question %zu of %zu)",
                               oid, sid, a->host_q + 1, a->host_ids.len);
        draw_wrapped(a, &y, x, w, q, UI_R_NORMAL, 5);
        free(q);
        free(sid);
        free(oid);
        y++;
        ui_rows_add(&rows, UI_R_NORMAL, 0, " Yes: this policy includes Host (or all viewer headers)");
        ui_rows_add(&rows, UI_R_NORMAL, 1, " No: it does not include Host");
        draw_list(a, y, x + 2, w - 2, 2, &rows);
        y += 3;
        hint = "Up/Down: choose   Enter: answer (or y / n)   Esc: back   q: quit";
        break;
    }
    }
    ui_rows_free(&rows);
    if (a->st_error && a->st_mode != UI_ST_OPEN && a->st_mode != UI_ST_IMPORT) {
        int ey = LINES - 5;
        char *line = od_xasprintf("%s %s", a->g->fail, a->st_error);
        draw_wrapped(a, &ey, x, w, line, UI_R_ERROR, 2);
        free(line);
    }
    if (hint)
        ui_put(&a->term, LINES - 3, x, w, hint, UI_R_DIM);
    ui_draw_status(a, start_ctx(a));
}

const ui_screen_ops ui_screen_start = {
    .draw = start_draw,
    .key = start_key,
    .click = start_click,
    .ctx = start_ctx,
};
