/* The loop, the run on a worker thread, the step screen, the result panes,
 * the overlays (help, export, yes/no) and od_ui_run. */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "od_engine.h"
#include "ui_app.h"
#include "ui_panes.h"

/* ------------------------------------------------------------ the run */

typedef enum { MSG_EVENT, MSG_FINISHED } msg_kind;

typedef struct {
    msg_kind kind;
    od_event_type type;
    od_step_status status;
    int64_t duration_ms;
    char *step;
    char *detail;
} ui_msg;

struct ui_job {
    od_case c;
    od_report report;
    od_engine_opts eo;
    int wfd;
    int rc;
    pthread_t thread;
};

static void msg_free(ui_msg *m)
{
    free(m->step);
    free(m->detail);
    free(m);
}

/* A pointer write is atomic on a pipe (< PIPE_BUF), so worker threads need
 * no lock; the UI's poll() wakes up on it. */
static void post(int fd, ui_msg *m)
{
    ssize_t n;
    do
        n = write(fd, &m, sizeof m);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof m)
        msg_free(m);
}

static void on_event(void *ctx, const od_event *ev)
{
    ui_job *j = ctx;
    ui_msg *m = od_xcalloc(1, sizeof *m);
    m->kind = MSG_EVENT;
    m->type = ev->type;
    m->status = ev->status;
    m->duration_ms = ev->duration_ms;
    m->step = od_xstrdup(ev->step);
    m->detail = od_xstrdup(ev->detail);
    post(j->wfd, m);
}

static void *worker(void *arg)
{
    ui_job *j = arg;
    j->rc = od_engine_run(&j->c, &j->eo, &j->report);
    ui_msg *m = od_xcalloc(1, sizeof *m);
    m->kind = MSG_FINISHED;
    post(j->wfd, m);
    return NULL;
}

static void clear_steps(ui_app *a)
{
    for (size_t i = 0; i < a->n_steps; i++)
        free(a->steps[i].name);
    free(a->steps);
    a->steps = NULL;
    a->n_steps = 0;
    free(a->now_detail);
    a->now_detail = NULL;
}

static ui_live_step *find_step(ui_app *a, const char *name, bool add)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < a->n_steps; i++)
        if (strcmp(a->steps[i].name, name) == 0)
            return &a->steps[i];
    if (!add)
        return NULL;
    a->steps = od_xrealloc(a->steps, (a->n_steps + 1) * sizeof *a->steps);
    ui_live_step *s = &a->steps[a->n_steps++];
    memset(s, 0, sizeof *s);
    s->name = od_xstrdup(name);
    s->status = OD_STEP_PENDING;
    return s;
}

void ui_reset_results(ui_app *a)
{
    a->pane = UI_P_FINDINGS;
    a->side = 0;
    for (int p = 0; p < UI_P_COUNT; p++)
        for (int s = 0; s < 2; s++)
            ui_list_init(&a->lists[p][s]);
    a->chain_hs = 0;
    a->search[0] = '\0';
    a->exported = false;
}

void ui_start_run(ui_app *a)
{
    if (a->running)
        return;
    if (!ui_wizard_commit_all(a)) {
        a->from_review = false;
        a->screen = UI_SCR_WIZARD;
        ui_set_msg(a, UI_R_ERROR, "Fix this answer first.");
        return;
    }
    ui_job *j = od_xcalloc(1, sizeof *j);
    od_case_copy(&j->c, &a->answers);
    j->eo.policy = a->opts->policy;
    j->eo.fixes = a->opts->fixes;
    j->eo.on_event = on_event;
    j->eo.event_ctx = j;
    atomic_store(&a->cancel, false);
    j->eo.cancel = &a->cancel;
    j->wfd = a->ev_wr;
    clear_steps(a);
    free(a->run_error);
    a->run_error = NULL;
    a->cancel_requested = false;
    /* signals belong to the UI thread: workers (and their pools) block them */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&j->thread, NULL, worker, j);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        od_case_free(&j->c);
        free(j);
        ui_set_msg(a, UI_R_ERROR, "Could not start the checks: %s", strerror(rc));
        return;
    }
    a->job = j;
    a->running = true;
    a->run_started_ms = od_now_ms();
    a->run_ended_ms = 0;
    ui_list_init(&a->progress);
    a->progress_follow = true;
    a->n_ov = 0;
    free(a->msg);
    a->msg = NULL;
    curs_set(0);
    a->screen = UI_SCR_PROGRESS;
}

static void run_finished(ui_app *a)
{
    ui_job *j = a->job;
    pthread_join(j->thread, NULL);
    a->running = false;
    a->job = NULL;
    a->run_ended_ms = od_now_ms();
    for (size_t i = 0; i < a->n_steps; i++)
        if (a->steps[i].status == OD_STEP_PENDING || a->steps[i].status == OD_STEP_RUNNING)
            a->steps[i].status = OD_STEP_UNTESTED;
    if (j->rc != 0) {
        a->run_error = od_xstrdup(j->report.summary ? j->report.summary : "the checks could not start");
        od_report_free(&j->report);
    } else {
        if (a->owned_report) {
            od_report_free(a->owned_report);
            free(a->owned_report);
        }
        a->owned_report = od_xmalloc(sizeof *a->owned_report);
        *a->owned_report = j->report;   /* moved: the job no longer owns it */
        a->report = a->owned_report;
        a->exit_code = a->report->would_fail ? 1 : 0;
        ui_reset_results(a);
        /* a rerun of a saved report: what changed since it was saved */
        if (a->saved_report && a->saved_report->input.origin_domain && a->report->input.origin_domain &&
            strcmp(a->saved_report->input.origin_domain, a->report->input.origin_domain) == 0) {
            ui_changes_free(&a->changes);
            ui_diff_reports(a->saved_report, a->report, &a->changes);
            a->has_changes = true;
        }
    }
    od_case_free(&j->c);
    free(j);
}

static void handle_msg(ui_app *a, ui_msg *m)
{
    if (m->kind == MSG_FINISHED) {
        msg_free(m);
        run_finished(a);
        return;
    }
    ui_live_step *s = NULL;
    switch (m->type) {
    case OD_EV_PLAN:
        find_step(a, m->step, true);
        break;
    case OD_EV_STEP_BEGIN:
        if ((s = find_step(a, m->step, true))) {
            s->status = OD_STEP_RUNNING;
            s->started_ms = od_now_ms();
        }
        if (m->detail) {
            free(a->now_detail);
            a->now_detail = ui_sanitize(m->detail);
        } else if (m->step) {
            free(a->now_detail);
            a->now_detail = ui_sanitize(m->step);
        }
        break;
    case OD_EV_STEP_END:
        if ((s = find_step(a, m->step, true))) {
            s->status = m->status;
            s->duration_ms = m->duration_ms;
        }
        break;
    case OD_EV_DETAIL:
        free(a->now_detail);
        a->now_detail = ui_sanitize(m->detail);
        break;
    case OD_EV_DONE:
        break;
    }
    msg_free(m);
}

static void drain_events(ui_app *a)
{
    ui_msg *buf[64];
    ssize_t n;
    while ((n = read(a->ev_rd, buf, sizeof buf)) > 0)
        for (size_t i = 0; i < (size_t)n / sizeof buf[0]; i++)
            handle_msg(a, buf[i]);
}

/* Cancels and waits for the worker, still draining its events. */
static void stop_run(ui_app *a)
{
    if (!a->running)
        return;
    atomic_store(&a->cancel, true);
    while (a->running) {
        struct pollfd p = {.fd = a->ev_rd, .events = POLLIN};
        poll(&p, 1, 200);
        drain_events(a);
    }
}

/* ---------------------------------------------------------- messages */

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
    switch (key) {
    case UI_FKEY(KEY_LEFT): return ui_le_apply(e, UI_LE_LEFT), true;
    case UI_FKEY(KEY_RIGHT): return ui_le_apply(e, UI_LE_RIGHT), true;
    case UI_FKEY(KEY_HOME): case UI_KEY_CTRL('a'): return ui_le_apply(e, UI_LE_HOME), true;
    case UI_FKEY(KEY_END): case UI_KEY_CTRL('e'): return ui_le_apply(e, UI_LE_END), true;
    case UI_FKEY(KEY_BACKSPACE): case 0x7f: case UI_KEY_CTRL('h'): return ui_le_apply(e, UI_LE_BACKSPACE), true;
    case UI_FKEY(KEY_DC): case UI_KEY_CTRL('d'): return ui_le_apply(e, UI_LE_DELETE), true;
    case UI_KEY_CTRL('u'): return ui_le_apply(e, UI_LE_KILL_LINE), true;
    case UI_KEY_CTRL('k'): return ui_le_apply(e, UI_LE_KILL_END), true;
    case UI_KEY_CTRL('w'): return ui_le_apply(e, UI_LE_KILL_WORD), true;
    default: return false;
    }
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

/* ------------------------------------------------------ step screen */

static const char *status_word(od_step_status s)
{
    return od_step_status_name(s);
}

static void draw_progress(ui_app *a)
{
    char right[64];
    int64_t end = a->running ? od_now_ms() : a->run_ended_ms;
    snprintf(right, sizeof right, "%.1f s", (double)(end - a->run_started_ms) / 1000.0);
    ui_draw_title(a, right);
    char head[300];
    snprintf(head, sizeof head, "Checking %s the way CloudFront connects to it", a->answers.origin_domain);
    ui_put(&a->term, 2, 2, COLS - 4, head, UI_R_HEAD);
    int top = 4, h = LINES - top - 4;
    size_t done = 0, running_at = 0;
    for (size_t i = 0; i < a->n_steps; i++) {
        if (a->steps[i].status != OD_STEP_PENDING && a->steps[i].status != OD_STEP_RUNNING)
            done++;
        if (a->steps[i].status == OD_STEP_RUNNING && !running_at)
            running_at = i;
    }
    ui_list_set_count(&a->progress, a->n_steps);
    if (a->progress_follow && a->running)
        ui_list_select(&a->progress, running_at ? running_at : done);
    ui_list_scroll(&a->progress, (size_t)h);
    const char *spin = a->g->spinner[(od_now_ms() / 120) % 4];
    for (int r = 0; r < h && a->progress.top + (size_t)r < a->n_steps; r++) {
        const ui_live_step *s = &a->steps[a->progress.top + (size_t)r];
        char dur[32] = "";
        if (s->status == OD_STEP_RUNNING)
            snprintf(dur, sizeof dur, "%.1f s", (double)(od_now_ms() - s->started_ms) / 1000.0);
        else if (s->status != OD_STEP_PENDING && s->status != OD_STEP_UNTESTED && s->status != OD_STEP_SKIPPED)
            snprintf(dur, sizeof dur, "%lld ms", (long long)s->duration_ms);
        const char *mark = s->status == OD_STEP_RUNNING ? spin : ui_step_mark(a->g, s->status);
        char line[512];
        int namew = COLS - 27;
        snprintf(line, sizeof line, " %s %-9s %-*.*s %10s", mark, status_word(s->status), namew, namew, s->name,
                 dur);
        ui_row row = {.text = line, .role = UI_R_NORMAL, .item = -1};
        ui_row_span(&row, 0, strlen(mark) + 12, ui_step_role(s->status));
        ui_draw_row(&a->term, top + r, 1, COLS - 2, &row, false, false, NULL);
    }
    char foot[600];
    ui_role role = UI_R_INFO;
    if (a->running) {
        snprintf(foot, sizeof foot, "%s %zu of %zu steps done. %s%s", spin, done, a->n_steps,
                 a->cancel_requested ? "Cancelling... " : "Now: ", a->cancel_requested ? "" : (a->now_detail ? a->now_detail : "starting"));
    } else if (a->run_error) {
        snprintf(foot, sizeof foot, "%s The checks could not run: %s  (w: wizard)", a->g->fail, a->run_error);
        role = UI_R_ERROR;
    } else if (a->report && a->report->obs.cancelled) {
        snprintf(foot, sizeof foot, "Cancelled: finished checks kept, the rest untested. Enter: see the results");
        role = UI_R_WARN;
    } else {
        int64_t took = a->run_ended_ms - a->run_started_ms;
        char took_text[32];
        /* a loopback run takes milliseconds: "0.0 s" would read as nothing happened */
        if (took < 1000)
            snprintf(took_text, sizeof took_text, "%lld ms", (long long)took);
        else
            snprintf(took_text, sizeof took_text, "%.1f s", (double)took / 1000.0);
        snprintf(foot, sizeof foot, "Finished in %s: CloudFront would %s. Enter: see the results", took_text,
                 a->report && a->report->would_fail ? "FAIL" : "connect");
        role = a->report && a->report->would_fail ? UI_R_FAIL : UI_R_PASS;
    }
    char *safe = ui_sanitize(foot);
    ui_put(&a->term, LINES - 3, 2, COLS - 4, safe, role);
    free(safe);
    ui_draw_status(a, UI_CTX_PROGRESS);
}

static void show_results(ui_app *a)
{
    a->screen = UI_SCR_RESULTS;
    a->side = 0;
    curs_set(0);
}

static void progress_key(ui_app *a, int key, ui_action act)
{
    switch (act) {
    case UI_A_CANCEL:
        if (a->running) {
            atomic_store(&a->cancel, true);
            a->cancel_requested = true;
        } else if (a->report && !a->run_error) {
            show_results(a);
        } else {
            a->screen = UI_SCR_WIZARD;
        }
        break;
    case UI_A_RESULTS:
        if (!a->running && a->report && !a->run_error)
            show_results(a);
        else if (!a->running)
            a->screen = UI_SCR_WIZARD;
        break;
    case UI_A_UP:
        a->progress_follow = false;
        ui_list_move(&a->progress, -1);
        break;
    case UI_A_DOWN:
        a->progress_follow = false;
        ui_list_move(&a->progress, 1);
        break;
    case UI_A_QUIT:
        if (a->running) {
            a->cancel_requested = true;
            stop_run(a);
            a->quit = true;
        } else {
            ui_request_quit(a);
        }
        break;
    default:
        if ((key == 'w' || key == 'W') && !a->running) {
            a->screen = UI_SCR_WIZARD;
            ui_wizard_enter(a, UI_W_REVIEW);
        }
        break;
    }
}

/* ------------------------------------------------------ result panes */

static const char *pane_names[UI_P_COUNT] = {"Findings", "Chain", "Certificate", "Ciphers", "HTTP", "Log"};

typedef struct {
    ui_rows rows[2];
    bool split;
    int lw, rw;        /* widths of the two sides (rw 0 when not split) */
    int top, h;        /* content area */
    size_t n_hs;       /* chain pane: handshakes with a chain */
} pane_view;

static int content_top(const ui_app *a)
{
    const od_report *r = a->report;
    if (r->loaded_from_file)
        return COLS >= 110 ? 3 : 4;   /* the saved-report banner wraps on narrow screens */
    return r->obs.cancelled ? 3 : 2;
}

static void build_view(ui_app *a, pane_view *v)
{
    const od_report *r = a->report;
    /* certificate ages as of the check: a saved report reads as it did
     * when it was made, and a live one does not change while it is shown */
    time_t now = time(NULL), checked_at;
    if (r->generated_at && od_parse_time(r->generated_at, &checked_at))
        now = checked_at;
    ui_rows_init(&v->rows[0]);
    ui_rows_init(&v->rows[1]);
    v->top = content_top(a) + 1;
    v->h = LINES - 2 - v->top;
    if (v->h < 1)
        v->h = 1;
    v->split = a->pane == UI_P_FINDINGS || a->pane == UI_P_CHAIN || a->pane == UI_P_CERT;
    v->lw = COLS;
    if (a->pane == UI_P_FINDINGS)
        v->lw = COLS * 2 / 5 < 30 ? 30 : COLS * 2 / 5;
    else if (a->pane == UI_P_CHAIN)
        v->lw = COLS / 2;
    else if (a->pane == UI_P_CERT)
        v->lw = COLS / 3 < 24 ? 24 : COLS / 3;
    v->rw = v->split ? COLS - v->lw - 1 : 0;
    if (!v->split)
        a->side = 0;
    ui_list *left = &a->lists[a->pane][0];
    size_t hs[64];
    switch (a->pane) {
    case UI_P_FINDINGS: {
        if (a->has_changes)
            ui_pane_changes(&a->changes, a->saved_report, &v->rows[0]);
        ui_pane_findings(r, a->g, v->lw - 1, &v->rows[0]);
        ui_list_set_count(left, v->rows[0].len);
        int item = left->sel < v->rows[0].len ? v->rows[0].rows[left->sel].item : -1;
        size_t change = a->has_changes && left->sel >= UI_CHANGES_HEAD_ROWS ? left->sel - UI_CHANGES_HEAD_ROWS
                                                                             : (size_t)-1;
        if (a->has_changes && left->sel < ui_pane_changes_rows(&a->changes)) {
            if (change < a->changes.len)
                ui_change_detail(&a->changes.items[change], v->rw - 1, &v->rows[1]);
            else
                ui_rows_add_wrapped(&v->rows[1], UI_R_NORMAL, -1,
                                    "The same case was run again live from this machine and compared with the "
                                    "saved report, finding by finding (matched by id and names): + appeared, "
                                    "- disappeared, ~ changed severity. Select a change to see it.",
                                    v->rw - 1, 0);
        }
        if (item >= UI_ITEM_SAVED && a->saved_report)
            ui_pane_finding_detail(a->saved_report, (size_t)(item - UI_ITEM_SAVED), v->rw - 1, &v->rows[1]);
        else if (item >= 0 || !a->has_changes || left->sel >= ui_pane_changes_rows(&a->changes))
            ui_pane_finding_detail(r, item >= 0 ? (size_t)item : (size_t)-1, v->rw - 1, &v->rows[1]);
        break;
    }
    case UI_P_CHAIN:
        v->n_hs = ui_chain_handshakes(r, hs, 64);
        if (a->chain_hs >= v->n_hs)
            a->chain_hs = 0;
        ui_pane_chain(r, v->n_hs ? hs[a->chain_hs] : (size_t)-1, a->g, v->lw - 1, now, &v->rows[0], &v->rows[1]);
        if (v->n_hs > 1)
            ui_rows_addf(&v->rows[0], UI_R_DIM, -1, "(handshake %zu of %zu: ] and [ switch)", a->chain_hs + 1,
                         v->n_hs);
        break;
    case UI_P_CERT:
        ui_pane_cert_list(r, a->g, v->lw - 1, now, &v->rows[0]);
        ui_list_set_count(left, v->rows[0].len);
        ui_pane_cert(r, r->obs.n_certs ? left->sel : (size_t)-1, a->g, v->rw - 1, now, &v->rows[1]);
        break;
    case UI_P_CIPHERS: ui_pane_ciphers(r, a->g, COLS - 1, &v->rows[0]); break;
    case UI_P_HTTP: ui_pane_http(r, COLS - 1, &v->rows[0]); break;
    case UI_P_LOG: ui_pane_log(r, a->g, COLS - 1, &v->rows[0]); break;
    }
    for (int s = 0; s < 2; s++) {
        ui_list_set_count(&a->lists[a->pane][s], v->rows[s].len);
        ui_list_scroll(&a->lists[a->pane][s], (size_t)v->h);
    }
}

static void free_view(pane_view *v)
{
    ui_rows_free(&v->rows[0]);
    ui_rows_free(&v->rows[1]);
}

static void draw_results(ui_app *a)
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
    /* tabs */
    int x = 0;
    for (int p = 0; p < UI_P_COUNT; p++) {
        char tab[64];
        if (p == UI_P_FINDINGS)
            snprintf(tab, sizeof tab, " %d %s (%zu) ", p + 1, pane_names[p], r->findings.len);
        else
            snprintf(tab, sizeof tab, " %d %s ", p + 1, pane_names[p]);
        a->tab_x[p] = x;
        x += ui_put(&a->term, y, x, COLS - x, tab, p == a->pane ? UI_R_TAB_ACTIVE : UI_R_TAB) + 1;
    }
    a->tab_x[UI_P_COUNT] = x;
    a->click_kind[y] = UI_CLICK_TAB;

    pane_view v;
    build_view(a, &v);
    a->split_x = v.split ? v.lw : COLS + 1;
    for (int s = 0; s < (v.split ? 2 : 1); s++) {
        ui_list *l = &a->lists[a->pane][s];
        int sx = s == 0 ? 0 : v.lw + 1, sw = s == 0 ? v.lw : v.rw;
        if (!v.split)
            sw = COLS;
        for (int row = 0; row < v.h && l->top + (size_t)row < v.rows[s].len; row++) {
            size_t i = l->top + (size_t)row;
            bool selected = i == l->sel && (s == 0 || a->side == 1);
            ui_draw_row(&a->term, v.top + row, sx, sw, &v.rows[s].rows[i], selected, a->side == s, a->search);
        }
    }
    for (int row = 0; row < v.h; row++) {
        if (v.top + row < UI_MAX_ROWS) {
            a->click_kind[v.top + row] = UI_CLICK_LIST;
            a->click_index[v.top + row] = row;
        }
        if (v.split)
            ui_put(&a->term, v.top + row, v.lw, 1, a->g->vline, UI_R_DIM);
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
        ui_list *l = &a->lists[a->pane][a->side];
        char pos[800];
        snprintf(pos, sizeof pos, "%s%s %zu/%zu%s%s", pane_names[a->pane], a->side ? " detail" : "",
                 l->count ? l->sel + 1 : 0, l->count, a->search[0] ? "   search: " : "", a->search);
        char *safe = ui_sanitize(pos);
        ui_put(&a->term, my, 0, COLS, safe, UI_R_DIM);
        free(safe);
        if (v.split && a->side == 0)
            ui_put(&a->term, my, COLS - 34, 34, "Enter/Right: detail  Left: back", UI_R_DIM);
    }
    free_view(&v);
    ui_draw_status(a, UI_CTX_RESULTS);
}

static bool search_rows(const ui_rows *rows, ui_list *l, const char *needle, int dir)
{
    if (!needle[0] || rows->len == 0)
        return false;
    for (size_t k = 1; k <= rows->len; k++) {
        size_t i = dir > 0 ? (l->sel + k) % rows->len : (l->sel + rows->len - k % rows->len) % rows->len;
        if (ui_find_ci(rows->rows[i].text, needle) >= 0) {
            ui_list_select(l, i);
            return true;
        }
    }
    return false;
}

static void do_search(ui_app *a, int dir)
{
    pane_view v;
    build_view(a, &v);
    if (!search_rows(&v.rows[a->side], &a->lists[a->pane][a->side], a->search, dir))
        ui_set_msg(a, UI_R_WARN, "\"%s\" not found in this pane", a->search);
    free_view(&v);
}

static void open_export(ui_app *a)
{
    const od_report *r = a->report;
    char date[16] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
    char *name = od_xasprintf("origin-doctor-%s-%s.json", r->input.origin_domain ? r->input.origin_domain : "report",
                              date);
    /* a file name never carries a slash or a control character from the input */
    for (char *p = name; *p; p++)
        if (*p == '/' || (unsigned char)*p < 0x20)
            *p = '_';
    ui_le_set(&a->ex_name, name);
    free(name);
    a->ex_format = 0;
    a->ex_focus = 0;
    free(a->ex_msg);
    a->ex_msg = NULL;
    ui_push(a, UI_OV_EXPORT);
}

static void results_key(ui_app *a, int key, ui_action act)
{
    if (a->searching) {
        if (act == UI_A_ACCEPT) {
            a->searching = false;
            snprintf(a->search, sizeof a->search, "%s", a->search_edit.text);
            curs_set(0);
            do_search(a, 0);
        } else if (act == UI_A_BACK) {
            a->searching = false;
            curs_set(0);
        } else if (key >= 0x20 && key < UI_FKEY_BASE && key != 0x7f) {
            ui_le_insert(&a->search_edit, (unsigned)key);
        } else {
            ui_le_key(&a->search_edit, key);
        }
        return;
    }
    free(a->msg);
    a->msg = NULL;
    pane_view v;
    build_view(a, &v);
    ui_list *l = &a->lists[a->pane][a->side];
    size_t before_sel = a->lists[a->pane][0].sel;
    switch (act) {
    case UI_A_PANE_NEXT: a->pane = (a->pane + 1) % UI_P_COUNT; a->side = 0; break;
    case UI_A_PANE_PREV: a->pane = (a->pane + UI_P_COUNT - 1) % UI_P_COUNT; a->side = 0; break;
    case UI_A_PANE_1: case UI_A_PANE_2: case UI_A_PANE_3: case UI_A_PANE_4: case UI_A_PANE_5: case UI_A_PANE_6:
        a->pane = (int)(act - UI_A_PANE_1);
        a->side = 0;
        break;
    case UI_A_UP: ui_list_move(l, -1); break;
    case UI_A_DOWN: ui_list_move(l, 1); break;
    case UI_A_PGUP: ui_list_move(l, -(long)(v.h > 1 ? v.h - 1 : 1)); break;
    case UI_A_PGDN: ui_list_move(l, v.h > 1 ? v.h - 1 : 1); break;
    case UI_A_HOME: ui_list_home(l); break;
    case UI_A_END: ui_list_end(l); break;
    case UI_A_FOCUS_DETAIL:
        if (a->pane == UI_P_CHAIN && a->side == 0 && (key == '\n' || key == '\r')) {
            /* Enter on a certificate of the chain opens its fields */
            if (l->sel < v.rows[0].len && v.rows[0].rows[l->sel].item >= 0) {
                a->pane = UI_P_CERT;
                a->side = 0;
                ui_list_set_count(&a->lists[UI_P_CERT][0], a->report->obs.n_certs);
                ui_list_select(&a->lists[UI_P_CERT][0], (size_t)v.rows[0].rows[l->sel].item);
                ui_list_init(&a->lists[UI_P_CERT][1]);
                break;
            }
        }
        if (v.split)
            a->side = 1;
        break;
    case UI_A_FOCUS_LIST:
        if (key == UI_KEY_ESC && a->side == 0)
            a->search[0] = '\0';
        a->side = 0;
        break;
    case UI_A_ITEM_NEXT:
    case UI_A_ITEM_PREV:
        if (a->pane == UI_P_CHAIN && v.n_hs > 0) {
            a->chain_hs = (a->chain_hs + (act == UI_A_ITEM_NEXT ? 1 : v.n_hs - 1)) % v.n_hs;
            ui_list_init(&a->lists[UI_P_CHAIN][0]);
            ui_list_init(&a->lists[UI_P_CHAIN][1]);
        } else if (a->pane == UI_P_CERT) {
            ui_list_move(&a->lists[UI_P_CERT][0], act == UI_A_ITEM_NEXT ? 1 : -1);
        }
        break;
    case UI_A_SEARCH:
        a->searching = true;
        ui_le_set(&a->search_edit, "");
        break;
    case UI_A_SEARCH_NEXT: do_search(a, 1); break;
    case UI_A_SEARCH_PREV: do_search(a, -1); break;
    case UI_A_EXPORT: open_export(a); break;
    case UI_A_RERUN: ui_start_run(a); break;
    case UI_A_WIZARD:
        a->screen = UI_SCR_WIZARD;
        ui_wizard_enter(a, UI_W_REVIEW);
        break;
    case UI_A_QUIT: ui_request_quit(a); break;
    default: break;
    }
    /* a new list selection shows its detail from the top */
    if (a->lists[a->pane][0].sel != before_sel && v.split && a->side == 0)
        ui_list_init(&a->lists[a->pane][1]);
    free_view(&v);
}

static void results_click(ui_app *a, int y, int x, int button)
{
    if (a->click_kind[y] == UI_CLICK_TAB) {
        for (int p = 0; p < UI_P_COUNT; p++)
            if (x >= a->tab_x[p] && x < a->tab_x[p + 1]) {
                a->pane = p;
                a->side = 0;
            }
        return;
    }
    if (a->click_kind[y] != UI_CLICK_LIST)
        return;
    int side = x > a->split_x ? 1 : 0;
    ui_list *l = &a->lists[a->pane][side];
    if (button == 4 || button == 5) {
        ui_list_move(l, button == 4 ? -3 : 3);
        return;
    }
    size_t before = a->lists[a->pane][0].sel;
    a->side = side;
    ui_list_select(l, l->top + (size_t)a->click_index[y]);
    if (side == 0 && a->lists[a->pane][0].sel != before)
        ui_list_init(&a->lists[a->pane][1]);
}

/* ----------------------------------------------------------- overlays */

static void draw_help(ui_app *a)
{
    size_t n;
    const ui_binding *b = ui_bindings(&n);
    ui_rows rows;
    ui_rows_init(&rows);
    int h = LINES - 4, w = COLS - 8;
    ui_rows_add(&rows, UI_R_NORMAL, -1, "Every key, from the same table as the status bar:");
    for (int c = 0; c < UI_CTX_COUNT; c++) {
        ui_rows_add(&rows, UI_R_NORMAL, -1, "");
        ui_rows_add(&rows, UI_R_HEAD, -1, ui_ctx_title((ui_ctx)c));
        for (size_t i = 0; i < n; i++) {
            if ((int)b[i].ctx != c)
                continue;
            bool seen = false;
            for (size_t k = 0; k < i && !seen; k++)
                seen = b[k].ctx == b[i].ctx && b[k].action == b[i].action && strcmp(b[k].help, b[i].help) == 0;
            if (seen)
                continue;
            char keys[96] = "";
            for (size_t k = i; k < n; k++)
                if (b[k].ctx == b[i].ctx && b[k].action == b[i].action && strcmp(b[k].help, b[i].help) == 0 &&
                    !strstr(keys, b[k].key_name)) {
                    size_t at = strlen(keys);
                    snprintf(keys + at, sizeof keys - at, "%s%s", at ? " " : "", b[k].key_name);
                }
            ui_rows_addf(&rows, UI_R_NORMAL, -1, "  %-16s %s", keys, b[i].help);
        }
    }
    ui_rows_add(&rows, UI_R_NORMAL, -1, "");
    ui_rows_add(&rows, UI_R_HEAD, -1, "Marks");
    char marks[200];
    snprintf(marks, sizeof marks, "  %s fail   %s warning   %s information   %s pass/ok   ? untested   %s skipped",
             a->g->fail, a->g->warn, a->g->info, a->g->pass, a->g->skip);
    ui_rows_add(&rows, UI_R_NORMAL, -1, marks);
    ui_rows_add(&rows, UI_R_NORMAL, -1, "  Text fields: Left/Right, Home/End (^A/^E), Backspace, Del, ^U clear, ^K, ^W");
    ui_list_set_count(&a->help, rows.len);
    if (a->help.count > (size_t)(h - 2) && a->help.sel < a->help.top + (size_t)(h - 2) && a->help.sel > a->help.top)
        a->help.sel = a->help.top;
    ui_list_scroll(&a->help, (size_t)(h - 2));
    ui_box(&a->term, a->g, 2, 4, h, w, "Help (Esc closes, arrows scroll)");
    for (int r = 0; r < h - 2 && a->help.top + (size_t)r < rows.len; r++)
        ui_draw_row(&a->term, 3 + r, 6, w - 4, &rows.rows[a->help.top + (size_t)r], false, false, NULL);
    ui_rows_free(&rows);
    ui_draw_status(a, UI_CTX_HELP);
}

static void help_key(ui_app *a, ui_action act)
{
    int h = LINES - 6;
    switch (act) {
    case UI_A_UP: if (a->help.top > 0) a->help.top--; a->help.sel = a->help.top; break;
    case UI_A_DOWN:
        if (a->help.top + (size_t)h < a->help.count)
            a->help.top++;
        a->help.sel = a->help.top;
        break;
    case UI_A_PGUP: a->help.top = a->help.top > (size_t)h ? a->help.top - (size_t)h : 0; a->help.sel = a->help.top; break;
    case UI_A_PGDN:
        a->help.top += (size_t)h;
        if (a->help.top + (size_t)h > a->help.count)
            a->help.top = a->help.count > (size_t)h ? a->help.count - (size_t)h : 0;
        a->help.sel = a->help.top;
        break;
    default: a->n_ov--; break;
    }
}

static void do_export(ui_app *a, bool overwrite)
{
    const char *path = a->ex_name.text;
    free(a->ex_msg);
    a->ex_msg = NULL;
    if (!*path) {
        a->ex_msg = od_xstrdup("file name: required");
        a->ex_msg_error = true;
        return;
    }
    if (!overwrite && access(path, F_OK) == 0) {
        ui_ask(a, UI_ASK_OVERWRITE);
        return;
    }
    char *data = a->ex_format == 0 ? od_report_to_json(a->report) : od_report_markdown(a->report);
    if (!data) {
        a->ex_msg = od_xstrdup("the report could not be rendered");
        a->ex_msg_error = true;
        return;
    }
    int rc = od_write_file_atomic(path, data, strlen(data), overwrite);
    int err = errno;
    size_t len = strlen(data);
    free(data);
    if (rc != 0) {
        a->ex_msg = od_xasprintf("cannot write \"%s\": %s", path, strerror(err));
        a->ex_msg_error = true;
        return;
    }
    char full[PATH_MAX];
    const char *shown = realpath(path, full) ? full : path;
    a->exported = true;
    a->n_ov--;   /* close the dialog */
    ui_set_msg(a, UI_R_PASS, "%s Exported the %s report to %s (%zu bytes)", a->g->pass,
               a->ex_format == 0 ? "JSON" : "Markdown", shown, len);
}

static void swap_extension(ui_app *a)
{
    char *t = a->ex_name.text;
    size_t n = a->ex_name.len;
    const char *from = a->ex_format == 1 ? ".json" : ".md", *to = a->ex_format == 1 ? ".md" : ".json";
    size_t fl = strlen(from);
    if (n > fl && strcmp(t + n - fl, from) == 0 && n - fl + strlen(to) < UI_LE_MAX) {
        strcpy(t + n - fl, to);
        a->ex_name.len = strlen(t);
        a->ex_name.cursor = a->ex_name.len;
    }
}

static void draw_export(ui_app *a)
{
    int w = COLS - 10 > 76 ? 76 : COLS - 10, h = 11;
    int y = (LINES - h) / 2, x = (COLS - w) / 2;
    ui_box(&a->term, a->g, y, x, h, w, "Export the report");
    ui_put(&a->term, y + 2, x + 2, 12, "File name:", a->ex_focus == 0 ? UI_R_HEAD : UI_R_NORMAL);
    int fw = w - 16;
    ui_fill(&a->term, y + 2, x + 14, fw, a->ex_focus == 0 ? UI_R_SEL : UI_R_SEL_DIM);
    int ccol = ui_le_cursor_col(&a->ex_name);
    const char *shown = a->ex_name.text;
    while (ccol >= fw - 1 && *shown) {
        shown++;
        ccol--;
    }
    ui_put(&a->term, y + 2, x + 14, fw, shown, a->ex_focus == 0 ? UI_R_SEL : UI_R_SEL_DIM);
    ui_put(&a->term, y + 4, x + 2, 12, "Format:", a->ex_focus == 1 ? UI_R_HEAD : UI_R_NORMAL);
    char fmt[80];
    snprintf(fmt, sizeof fmt, "(%s) JSON   (%s) Markdown", a->ex_format == 0 ? "*" : " ", a->ex_format == 1 ? "*" : " ");
    ui_put(&a->term, y + 4, x + 14, w - 16, fmt, a->ex_focus == 1 ? UI_R_SEL : UI_R_NORMAL);
    if (a->ex_msg) {
        ui_rows r;
        ui_rows_init(&r);
        char *line = od_xasprintf("%s %s", a->ex_msg_error ? a->g->fail : a->g->pass, a->ex_msg);
        ui_rows_add_wrapped(&r, a->ex_msg_error ? UI_R_ERROR : UI_R_PASS, -1, line, w - 4, 2);
        free(line);
        for (size_t i = 0; i < r.len && i < 2; i++)
            ui_draw_row(&a->term, y + 6 + (int)i, x + 2, w - 4, &r.rows[i], false, false, NULL);
        ui_rows_free(&r);
    }
    ui_put(&a->term, y + h - 2, x + 2, w - 4, "Enter: write   Tab: next field   Space: format   Esc: close", UI_R_DIM);
    ui_draw_status(a, UI_CTX_EXPORT);
    if (a->ex_focus == 0 && a->ov[a->n_ov - 1] == UI_OV_EXPORT) {
        curs_set(1);
        move(y + 2, x + 14 + ccol);
    }
}

static void export_key(ui_app *a, int key, ui_action act)
{
    if (a->ex_focus == 0 && key >= 0x20 && key < UI_FKEY_BASE && key != 0x7f && act != UI_A_HELP) {
        ui_le_insert(&a->ex_name, (unsigned)key);
        return;
    }
    if (a->ex_focus == 0 && ui_le_key(&a->ex_name, key))
        return;
    switch (act) {
    case UI_A_ACCEPT: do_export(a, false); break;
    case UI_A_NEXT: case UI_A_PREV: a->ex_focus = !a->ex_focus; break;
    case UI_A_TOGGLE:
        a->ex_format = !a->ex_format;
        swap_extension(a);
        break;
    case UI_A_BACK: a->n_ov--; curs_set(0); break;
    default:
        if (a->ex_focus == 1 && (key == UI_FKEY(KEY_LEFT) || key == UI_FKEY(KEY_RIGHT))) {
            a->ex_format = !a->ex_format;
            swap_extension(a);
        }
        break;
    }
}

static void draw_confirm(ui_app *a)
{
    const char *text = "";
    char buf[700];
    switch (a->question) {
    case UI_ASK_QUIT:
        text = "Nothing was exported. Quit anyway?   y: quit   n: stay   e: export first";
        break;
    case UI_ASK_QUIT_WIZARD: text = "Quit origin-doctor?   y: quit   n: stay"; break;
    case UI_ASK_OVERWRITE: {
        char *safe = ui_sanitize(a->ex_name.text);
        snprintf(buf, sizeof buf, "\"%s\" exists. Overwrite it?   y: overwrite   n: keep it", safe);
        free(safe);
        text = buf;
        break;
    }
    }
    int w = COLS - 8, y = LINES / 2 - 2;
    ui_box(&a->term, a->g, y, 4, 5, w, "Please confirm");
    ui_put(&a->term, y + 2, 6, w - 4, text, UI_R_HEAD);
    curs_set(0);
    ui_draw_status(a, UI_CTX_CONFIRM);
}

static void confirm_key(ui_app *a, ui_action act)
{
    ui_question q = a->question;
    if (act == UI_A_YES) {
        a->n_ov--;
        if (q == UI_ASK_OVERWRITE)
            do_export(a, true);
        else
            a->quit = true;
    } else if (act == UI_A_NO) {
        a->n_ov--;
        if (q == UI_ASK_OVERWRITE) {
            free(a->ex_msg);
            a->ex_msg = od_xstrdup("not overwritten: choose another file name");
            a->ex_msg_error = true;
        }
    } else if (act == UI_A_EXPORT && q == UI_ASK_QUIT) {
        a->n_ov--;
        open_export(a);
    }
}

/* ------------------------------------------------------------- loop */

static ui_ctx current_ctx(const ui_app *a)
{
    if (a->n_ov > 0) {
        switch (a->ov[a->n_ov - 1]) {
        case UI_OV_HELP: return UI_CTX_HELP;
        case UI_OV_EXPORT: return UI_CTX_EXPORT;
        case UI_OV_CONFIRM: return UI_CTX_CONFIRM;
        }
    }
    switch (a->screen) {
    case UI_SCR_START: return ui_start_ctx(a);
    case UI_SCR_WIZARD: return UI_CTX_WIZARD;
    case UI_SCR_PROGRESS: return UI_CTX_PROGRESS;
    case UI_SCR_RESULTS: return a->searching ? UI_CTX_SEARCH : UI_CTX_RESULTS;
    }
    return UI_CTX_COMMON;
}

static bool too_small(void)
{
    return LINES < UI_MIN_LINES || COLS < UI_MIN_COLS;
}

static void draw(ui_app *a)
{
    erase();
    curs_set(0);
    memset(a->click_kind, 0, sizeof a->click_kind);
    if (too_small()) {
        char line[160];
        snprintf(line, sizeof line, "Please enlarge the window to at least %dx%d (now %dx%d).", UI_MIN_COLS,
                 UI_MIN_LINES, COLS, LINES);
        int y = LINES / 2 - 1;
        ui_put(&a->term, y < 0 ? 0 : y, 0, COLS, line, UI_R_HEAD);
        if (y + 1 < LINES)
            ui_put(&a->term, y + 1, 0, COLS, "q: quit", UI_R_DIM);
        refresh();
        return;
    }
    switch (a->screen) {
    case UI_SCR_START: ui_start_draw(a); break;
    case UI_SCR_WIZARD: ui_wizard_draw(a); break;
    case UI_SCR_PROGRESS: draw_progress(a); break;
    case UI_SCR_RESULTS: draw_results(a); break;
    }
    if (a->screen != UI_SCR_RESULTS && a->msg && a->n_ov == 0)
        ui_put(&a->term, LINES - 2, 2, COLS - 4, a->msg, a->msg_role);
    for (int i = 0; i < a->n_ov; i++) {
        switch (a->ov[i]) {
        case UI_OV_HELP: draw_help(a); break;
        case UI_OV_EXPORT: draw_export(a); break;
        case UI_OV_CONFIRM: draw_confirm(a); break;
        }
    }
    refresh();
}

static void handle_key(ui_app *a, int key, int my, int mx, int button);

static void handle_click(ui_app *a, int y, int x, int button)
{
    if (y < 0 || y >= UI_MAX_ROWS || too_small())
        return;
    if (a->click_kind[y] == UI_CLICK_BAR && button == 1) {
        for (int i = a->n_bar - 1; i >= 0; i--)
            if (x >= a->bar_x[i]) {
                handle_key(a, a->bar_key[i], -1, -1, 0);
                return;
            }
        return;
    }
    if (a->n_ov > 0)
        return;
    if (a->screen == UI_SCR_RESULTS)
        results_click(a, y, x, button);
    else if (a->screen == UI_SCR_WIZARD && a->click_kind[y] == UI_CLICK_WIZARD && button == 1)
        ui_wizard_click(a, a->click_index[y]);
    else if (a->screen == UI_SCR_START && a->click_kind[y] == UI_CLICK_WIZARD && button == 1)
        ui_start_click(a, a->click_index[y]);
    else if (a->screen == UI_SCR_PROGRESS && (button == 4 || button == 5))
        progress_key(a, 0, button == 4 ? UI_A_UP : UI_A_DOWN);
}

static void handle_key(ui_app *a, int key, int my, int mx, int button)
{
    if (key == UI_FKEY(KEY_RESIZE))
        return;
    if (key == UI_FKEY(KEY_MOUSE)) {
        handle_click(a, my, mx, button);
        return;
    }
    ui_ctx ctx = current_ctx(a);
    ui_action act = ui_key_action(ctx, key);
    if (too_small()) {
        if (key == 'q' || act == UI_A_QUIT) {
            stop_run(a);
            a->quit = true;
        }
        return;
    }
    if (act == UI_A_REDRAW) {
        clearok(curscr, TRUE);
        return;
    }
    if (act == UI_A_HELP && ctx != UI_CTX_HELP) {
        ui_push(a, UI_OV_HELP);
        return;
    }
    if (a->n_ov > 0) {
        switch (a->ov[a->n_ov - 1]) {
        case UI_OV_HELP: help_key(a, act); break;
        case UI_OV_EXPORT:
            if (act == UI_A_QUIT)
                ui_request_quit(a);
            else
                export_key(a, key, act);
            break;
        case UI_OV_CONFIRM: confirm_key(a, act); break;
        }
        return;
    }
    switch (a->screen) {
    case UI_SCR_START: ui_start_key(a, key, act); break;
    case UI_SCR_WIZARD:
        if (act == UI_A_QUIT)
            ui_request_quit(a);
        else
            ui_wizard_key(a, key, act);
        if (a->screen == UI_SCR_WIZARD && a->msg && act != UI_A_NONE && !a->running) {
            free(a->msg);
            a->msg = NULL;
        }
        break;
    case UI_SCR_PROGRESS: progress_key(a, key, act); break;
    case UI_SCR_RESULTS: results_key(a, key, act); break;
    }
}

static void loop(ui_app *a)
{
    while (!a->quit) {
        draw(a);
        struct pollfd fds[3] = {
            {.fd = STDIN_FILENO, .events = POLLIN},
            {.fd = a->ev_rd, .events = POLLIN},
            {.fd = a->term.sig_fd, .events = POLLIN},
        };
        /* a tick only while something moves on screen (spinner, timers) */
        int rc = poll(fds, 3, a->running ? 100 : -1);
        if (rc < 0 && errno != EINTR)
            break;
        bool resize = false;
        int quit = 0;
        ui_term_take_signals(&a->term, &resize, &quit);
        if (resize)
            ui_term_resize();
        if (quit) {
            a->quit_signal = quit;
            stop_run(a);
            a->quit = true;
            break;
        }
        drain_events(a);
        int key, my = -1, mx = -1, button = 0;
        int budget = 256;   /* a paste of text must not starve the engine events */
        while (!a->quit && budget-- > 0 && ui_read_key(&key, &my, &mx, &button))
            handle_key(a, key, my, mx, button);
        if (a->running && !a->quit)
            drain_events(a);
    }
}

int od_ui_run(const od_ui_opts *opts)
{
    ui_app *a = od_xcalloc(1, sizeof *a);
    a->opts = opts;
    a->ev_rd = a->ev_wr = -1;
    atomic_init(&a->cancel, false);
    a->lab_name = opts->lab_name;
    od_strlist_init(&a->host_ids);
    od_host_answers_init(&a->host_answers);
    ui_changes_init(&a->changes);
    if (opts->open_report) {
        od_case_copy(&a->answers, &opts->open_report->input);
        a->report = opts->open_report;
        a->saved_report = opts->open_report;
        a->screen = UI_SCR_RESULTS;
        ui_reset_results(a);
    } else if (opts->prefill) {
        od_case_copy(&a->answers, opts->prefill);
        a->screen = UI_SCR_WIZARD;
    } else {
        od_case_init(&a->answers);
        a->screen = UI_SCR_WIZARD;
        a->has_start = true;
    }
    ui_wizard_load(a);
    ui_wizard_enter(a, opts->prefill || opts->open_report ? UI_W_REVIEW : UI_W_DOMAIN);
    if (a->has_start) {
        a->screen = UI_SCR_START;
        a->st_mode = UI_ST_MENU;
        ui_list_init(&a->st_list);
    }

    int fds[2];
    int rc = 3;
    if (pipe(fds) != 0) {
        fprintf(stderr, "origin-doctor: cannot create a pipe: %s\n", strerror(errno));
        goto out;
    }
    a->ev_rd = fds[0];
    a->ev_wr = fds[1];
    fcntl(a->ev_rd, F_SETFL, fcntl(a->ev_rd, F_GETFL) | O_NONBLOCK);
    fcntl(a->ev_rd, F_SETFD, FD_CLOEXEC);
    fcntl(a->ev_wr, F_SETFD, FD_CLOEXEC);
    if (!ui_term_init(&a->term, opts->no_color))
        goto out;
    a->g = ui_glyphs_get(a->term.utf8);
    loop(a);
    stop_run(a);
    ui_term_end(&a->term);
    /* killed by a signal (Ctrl-C): the shell's convention, 128 + signal */
    rc = a->quit_signal ? 128 + a->quit_signal : a->exit_code;
out:
    if (a->ev_rd >= 0)
        close(a->ev_rd);
    if (a->ev_wr >= 0)
        close(a->ev_wr);
    clear_steps(a);
    free(a->run_error);
    free(a->msg);
    free(a->ex_msg);
    if (a->owned_report) {
        od_report_free(a->owned_report);
        free(a->owned_report);
    }
    if (a->opened_report) {
        od_report_free(a->opened_report);
        free(a->opened_report);
    }
    ui_changes_free(&a->changes);
    ui_start_free(a);   /* after the run stopped: the lab's origin goes last */
    od_case_free(&a->answers);
    free(a);
    return rc;
}
