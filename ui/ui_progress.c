/* The step screen: each check as it runs, then the verdict line. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_app.h"
#include "ui_panes.h"

static const char *status_word(od_step_status s)
{
    return od_step_status_name(s);
}

static ui_ctx progress_ctx(const ui_app *a)
{
    return a->running ? UI_CTX_PROGRESS : UI_CTX_DONE;
}

static void progress_draw(ui_app *a)
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
    ui_draw_status(a, progress_ctx(a));
}

static void progress_key(ui_app *a, int key, ui_action act)
{
    (void)key;
    switch (act) {
    case UI_A_CANCEL:
        if (a->running) {
            atomic_store(&a->cancel, true);
            a->cancel_requested = true;
        } else if (a->report && !a->run_error) {
            ui_show_results(a);
        } else {
            a->screen = UI_SCR_WIZARD;
        }
        break;
    case UI_A_RESULTS:
        if (!a->running && a->report && !a->run_error)
            ui_show_results(a);
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
            ui_run_stop(a);
            a->quit = true;
        } else {
            ui_request_quit(a);
        }
        break;
    case UI_A_WIZARD:
        if (!a->running) {
            a->screen = UI_SCR_WIZARD;
            ui_wizard_enter(a, UI_W_REVIEW);
        }
        break;
    default:
        break;
    }
}


static void progress_click(ui_app *a, int y, int x, int button)
{
    (void)y;
    (void)x;
    if (button == 4 || button == 5)
        progress_key(a, 0, button == 4 ? UI_A_UP : UI_A_DOWN);
}

const ui_screen_ops ui_screen_progress = {
    .draw = progress_draw,
    .key = progress_key,
    .click = progress_click,
    .ctx = progress_ctx,
};
