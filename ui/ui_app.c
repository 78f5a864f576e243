/* The event loop: one model, drawn from scratch on every pass; keys go to
 * the top overlay or the base screen, engine events to the run, signals to
 * the terminal. Each screen and overlay lives in its own file and is
 * reached through the tables below. */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui_app.h"

/* The base screens and the overlays, by their enum. */
static const ui_screen_ops *const screens[UI_SCR_COUNT] = {
    [UI_SCR_START] = &ui_screen_start,
    [UI_SCR_WIZARD] = &ui_screen_wizard,
    [UI_SCR_PROGRESS] = &ui_screen_progress,
    [UI_SCR_RESULTS] = &ui_screen_results,
    [UI_SCR_GUIDED] = &ui_screen_guided,
    [UI_SCR_FLEET] = &ui_screen_fleet,
};
static const ui_screen_ops *const overlays[UI_OV_COUNT] = {
    [UI_OV_HELP] = &ui_overlay_help,
    [UI_OV_EXPORT] = &ui_overlay_export,
    [UI_OV_CONFIRM] = &ui_overlay_confirm,
    [UI_OV_SUMMARY] = &ui_overlay_summary,
};

/* What has the keys: the top overlay, else the base screen. */
static const ui_screen_ops *focused(const ui_app *a)
{
    return a->n_ov > 0 ? overlays[a->ov[a->n_ov - 1]] : screens[a->screen];
}

static bool too_small(void)
{
    return LINES < UI_MIN_LINES || COLS < UI_MIN_COLS;
}

void ui_app_draw(ui_app *a)
{
    erase();
    curs_set(0);
    memset(a->click_kind, 0, sizeof a->click_kind);
    memset(a->click_right_x, 0, sizeof a->click_right_x);
    if (too_small()) {
        char line[160];
        snprintf(line, sizeof line, "Please enlarge the window to at least %dx%d (now %dx%d).", UI_MIN_COLS,
                 UI_MIN_LINES, COLS, LINES);
        int y = LINES / 2 - 1;
        ui_put(&a->term, y < 0 ? 0 : y, 0, COLS, line, UI_R_HEAD);
        if (y + 1 < LINES) {
            char quit[64];
            snprintf(quit, sizeof quit, "%s: quit", ui_key_name(UI_CTX_SMALL, UI_A_QUIT));
            ui_put(&a->term, y + 1, 0, COLS, quit, UI_R_DIM);
        }
        refresh();
        return;
    }
    screens[a->screen]->draw(a);
    if (a->screen != UI_SCR_RESULTS && a->msg && a->n_ov == 0)
        ui_put(&a->term, LINES - 2, 2, COLS - 4, a->msg, a->msg_role);
    for (int i = 0; i < a->n_ov; i++)
        overlays[a->ov[i]]->draw(a);
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
    const ui_screen_ops *s = focused(a);
    if (s->click)
        s->click(a, y, x, button);
}

static void handle_key(ui_app *a, int key, int my, int mx, int button)
{
    if (key == UI_FKEY(KEY_RESIZE))
        return;
    if (key == UI_FKEY(KEY_MOUSE)) {
        handle_click(a, my, mx, button);
        return;
    }
    key = ui_key_fold(key);
    if (too_small()) {
        if (ui_key_action(UI_CTX_SMALL, key) == UI_A_QUIT) {
            ui_run_stop(a);
            a->quit = true;
        }
        return;
    }
    const ui_screen_ops *s = focused(a);
    ui_ctx ctx = s->ctx(a);
    ui_action act = ui_key_action(ctx, key);
    if (act == UI_A_REDRAW) {
        clearok(curscr, TRUE);
        return;
    }
    if (act == UI_A_HELP && ctx != UI_CTX_HELP) {
        ui_push(a, UI_OV_HELP);
        return;
    }
    s->key(a, key, act);
}

static void loop(ui_app *a)
{
    while (!a->quit) {
        ui_app_draw(a);
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
            ui_run_stop(a);
            a->quit = true;
            break;
        }
        ui_run_drain(a);
        int key, my = -1, mx = -1, button = 0;
        int budget = 256;   /* a paste of text must not starve the engine events */
        while (!a->quit && budget-- > 0 && ui_read_key(&key, &my, &mx, &button)) {
            /* Esc with another key right behind it is an Alt combination
             * (the terminal sends ESC x): no binding has one, and it must
             * not act as Esc (leaving a question, dropping what was typed) */
            int next, ny = -1, nx = -1, nb = 0;
            if (key == UI_KEY_ESC && ui_read_key(&next, &ny, &nx, &nb)) {
                if (next == UI_KEY_ESC)
                    handle_key(a, key, my, mx, button);
                else
                    continue;
            }
            handle_key(a, key, my, mx, button);
        }
        if (a->running && !a->quit)
            ui_run_drain(a);
    }
}

int od_ui_run(const od_ui_opts *opts)
{
    ui_app *a = od_xcalloc(1, sizeof *a);
    a->opts = opts;
    a->ev_rd = a->ev_wr = -1;
    atomic_init(&a->cancel, false);
    a->lab_name = opts->lab_name;
    a->guided = opts->guided;
    a->bundle_path = od_xstrdup(opts->bundle);
    a->bundle_key = od_xstrdup(opts->bundle_key);
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
    ui_wizard_enter(a, (opts->prefill && opts->prefill->origin_domain) || opts->open_report ? UI_W_REVIEW
                                                                                             : UI_W_DOMAIN);
    if (opts->fleet) {
        a->fleet = opts->fleet;
        a->has_start = false;
        a->screen = UI_SCR_FLEET;
    } else if (a->has_start) {
        a->screen = UI_SCR_START;
        a->st_mode = UI_ST_MENU;
        ui_list_init(&a->st_list);
        if (opts->import_path)
            ui_start_import(a, opts->import_path);   /* --distribution-config: its origin picker */
        if (opts->open_multi)
            ui_start_multi(a, opts->open_multi);
    }

    int fds[2];
    int rc = 3;
    if (pipe(fds) != 0) {
        fprintf(stderr, "origin-doctor: cannot create a pipe: %s\n", od_strerror(errno, &(od_errbuf){0}));
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
    if (opts->fleet)
        ui_fleet_begin(a);
    loop(a);
    ui_run_stop(a);
    ui_term_end(&a->term);
    /* killed by a signal (Ctrl-C): the shell's convention, 128 + signal */
    rc = a->quit_signal ? 128 + a->quit_signal : a->exit_code;
out:
    if (a->ev_rd >= 0)
        close(a->ev_rd);
    if (a->ev_wr >= 0)
        close(a->ev_wr);
    ui_run_free(a);
    ui_guided_free(a);
    ui_fleet_free(a);
    free(a->run_error);
    free(a->msg);
    free(a->ex_msg);
    free(a->bundle_path);
    free(a->bundle_key);
    if (a->owned_report) {
        od_report_free(a->owned_report);
        free(a->owned_report);
    }
    if (a->prev_report) {
        od_report_free(a->prev_report);
        free(a->prev_report);
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

