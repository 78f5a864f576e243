/* The run: the engine on a worker thread, its events back to the UI
 * thread through a pipe, and the live step list they build. */
#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "od_bundle.h"
#include "od_engine.h"
#include "ui_app.h"

typedef enum { MSG_EVENT, MSG_FINISHED, MSG_RECORD } msg_kind;

typedef struct {
    msg_kind kind;
    od_event_type type;
    od_step_status status;
    int64_t duration_ms;
    char *step;
    char *detail;                /* MSG_RECORD: the fleet record's JSON text */
} ui_msg;

struct ui_job {
    od_case c;
    od_report report;
    od_engine_opts eo;
    int wfd;
    int rc;
    pthread_t thread;
    const od_fleet *fleet;       /* a --fleet run instead of the one Case */
    int fleet_max_connections;
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

static void on_fleet_record(void *ctx, const cJSON *rec)
{
    ui_job *j = ctx;
    char *text = cJSON_PrintUnformatted(rec);
    if (!text)
        return;
    ui_msg *m = od_xcalloc(1, sizeof *m);
    m->kind = MSG_RECORD;
    m->detail = od_xstrdup(text);
    free(text);
    post(j->wfd, m);
}

static void *worker(void *arg)
{
    ui_job *j = arg;
    if (j->fleet) {
        /* the rows the engine keeps are not needed: the UI builds its own from the records */
        od_fleet_rows rows;
        od_fleet_rows_init(&rows);
        od_fleet_run_opts ro = {.engine = &j->eo,
                                .max_connections = j->fleet_max_connections,
                                .on_record = on_fleet_record,
                                .record_ctx = j};
        j->rc = od_fleet_run(j->fleet, &ro, &rows);
        od_fleet_rows_free(&rows);
    } else {
        j->rc = od_engine_run(&j->c, &j->eo, &j->report);
    }
    ui_msg *m = od_xcalloc(1, sizeof *m);
    m->kind = MSG_FINISHED;
    post(j->wfd, m);
    return NULL;
}

void ui_run_free(ui_app *a)
{
    for (size_t i = 0; i < a->n_steps; i++) {
        free(a->steps[i].name);
        free(a->steps[i].detail);
    }
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

/* Starts the worker on j (engine options, cancel flag, pipe filled in
 * here); false, with the message shown and j freed, when it cannot start. */
static bool start_worker(ui_app *a, ui_job *j)
{
    j->eo.policy = a->opts->policy;
    j->eo.fixes = a->opts->fixes;
    j->eo.event_ctx = j;
    atomic_store(&a->cancel, false);
    j->eo.cancel = &a->cancel;
    j->wfd = a->ev_wr;
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
        ui_set_msg(a, UI_R_ERROR, "Could not start the checks: %s", od_strerror(rc, &(od_errbuf){0}));
        return false;
    }
    a->job = j;
    a->running = true;
    return true;
}

void ui_run_fleet(ui_app *a)
{
    if (a->running)
        return;
    ui_job *j = od_xcalloc(1, sizeof *j);
    od_case_init(&j->c);
    j->fleet = a->fleet;
    j->fleet_max_connections = a->opts->fleet_max_connections > 0 ? a->opts->fleet_max_connections : 64;
    if (!start_worker(a, j))
        return;
    a->fleet_running = true;
    a->fleet_started_ms = od_now_ms();
}

void ui_start_run(ui_app *a)
{
    if (a->running)
        return;
    /* a guided session introduces the first check before anything runs */
    if (a->guided && a->screen != UI_SCR_GUIDED) {
        if (ui_wizard_commit_all(a))
            ui_guided_begin(a);
        else
            ui_set_msg(a, UI_R_ERROR, "Fix this answer first.");
        return;
    }
    if (!ui_wizard_commit_all(a)) {
        a->from_review = false;
        a->screen = UI_SCR_WIZARD;
        ui_set_msg(a, UI_R_ERROR, "Fix this answer first.");
        return;
    }
    if (a->bundle_path) {
        ui_run_bundle(a);
        return;
    }
    ui_job *j = od_xcalloc(1, sizeof *j);
    od_case_copy(&j->c, &a->answers);
    j->eo.on_event = on_event;
    ui_run_free(a);
    free(a->run_error);
    a->run_error = NULL;
    if (!start_worker(a, j))
        return;
    a->run_started_ms = od_now_ms();
    a->run_ended_ms = 0;
    ui_list_init(&a->progress);
    a->progress_follow = true;
    a->n_ov = 0;
    free(a->msg);
    a->msg = NULL;
    curs_set(0);
    a->screen = a->guided ? UI_SCR_GUIDED : UI_SCR_PROGRESS;
}

/* Shows a finished report (moved into the app); the report shown before
 * it is what it is compared with: the saved one after --open, else the
 * previous run, kept. */
static void show_report(ui_app *a, od_report *r)
{
    const od_report *before = a->report;
    if (a->prev_report) {
        od_report_free(a->prev_report);
        free(a->prev_report);
    }
    a->prev_report = a->owned_report;
    a->owned_report = od_xmalloc(sizeof *a->owned_report);
    *a->owned_report = *r;   /* moved: the caller no longer owns it */
    a->report = a->owned_report;
    a->exit_code = a->report->would_fail ? 1 : 0;
    ui_reset_results(a);
    ui_changes_free(&a->changes);
    a->has_changes = false;
    a->saved_report = NULL;
    if (before && before->input.origin_domain && a->report->input.origin_domain &&
        strcmp(before->input.origin_domain, a->report->input.origin_domain) == 0) {
        ui_diff_reports(before, a->report, &a->changes);
        a->changes.since_run = !before->loaded_from_file;
        a->saved_report = before;
        a->has_changes = true;
    }
}

void ui_run_bundle(ui_app *a)
{
    od_bundle b;
    bool need_password = false;
    char *err = od_bundle_read(a->bundle_path, NULL, &b, &need_password);
    od_report r;
    if (!err) {
        od_bundle_check_opts bo = {.file = a->bundle_path, .key_file = a->bundle_key, .at = time(NULL),
                                   .policy = a->opts->policy, .fixes = a->opts->fixes};
        err = od_bundle_check(&a->answers, &b, &bo, &r);
        od_bundle_free(&b);
        if (err)
            od_report_free(&r);
    }
    if (err) {
        ui_set_msg(a, UI_R_ERROR, "%s", err);
        free(err);
        return;
    }
    show_report(a, &r);
    a->n_ov = 0;
    curs_set(0);
    a->screen = UI_SCR_RESULTS;
}

static void run_finished(ui_app *a)
{
    ui_job *j = a->job;
    pthread_join(j->thread, NULL);
    a->running = false;
    a->job = NULL;
    if (j->fleet) {
        a->fleet_running = false;
        a->fleet_ended_ms = od_now_ms();
        od_case_free(&j->c);
        free(j);
        return;
    }
    a->run_ended_ms = od_now_ms();
    for (size_t i = 0; i < a->n_steps; i++)
        if (a->steps[i].status == OD_STEP_PENDING || a->steps[i].status == OD_STEP_RUNNING)
            a->steps[i].status = OD_STEP_UNTESTED;
    if (j->rc != 0) {
        a->run_error = od_xstrdup(j->report.summary ? j->report.summary : "the checks could not start");
        od_report_free(&j->report);
    } else {
        show_report(a, &j->report);
    }
    od_case_free(&j->c);
    free(j);
}

static void handle_msg(ui_app *a, ui_msg *m)
{
    if (m->kind == MSG_RECORD) {
        ui_fleet_add_record(a, m->detail);
        msg_free(m);
        return;
    }
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
            free(s->detail);
            s->detail = m->detail ? ui_sanitize(m->detail) : NULL;
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

void ui_run_drain(ui_app *a)
{
    ui_msg *buf[64];
    ssize_t n;
    while ((n = read(a->ev_rd, buf, sizeof buf)) > 0)
        for (size_t i = 0; i < (size_t)n / sizeof buf[0]; i++)
            handle_msg(a, buf[i]);
}

void ui_run_stop(ui_app *a)
{
    if (!a->running)
        return;
    atomic_store(&a->cancel, true);
    while (a->running) {
        struct pollfd p = {.fd = a->ev_rd, .events = POLLIN};
        poll(&p, 1, 200);
        ui_run_drain(a);
    }
}

