/* The overlays drawn over a screen: help (from the key table), the export
 * dialog, and the yes/no questions. */
#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "od_chainwrite.h"
#include "od_output.h"
#include "ui_app.h"
#include "od_summary.h"
#include "ui_panes.h"

void ui_export_open(ui_app *a)
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
    a->ex_chain = false;
    free(a->ex_msg);
    a->ex_msg = NULL;
    ui_push(a, UI_OV_EXPORT);
}

void ui_chain_write_open(ui_app *a)
{
    const od_report *r = a->report;
    char *name = od_xasprintf("fullchain-%s.pem", r->input.origin_domain ? r->input.origin_domain : "origin");
    for (char *p = name; *p; p++)
        if (*p == '/' || (unsigned char)*p < 0x20)
            *p = '_';
    ui_le_set(&a->ex_name, name);
    free(name);
    a->ex_focus = 0;
    a->ex_chain = true;
    free(a->ex_msg);
    a->ex_msg = NULL;
    ui_push(a, UI_OV_EXPORT);
}

/* The corrected chain of the report shown, completed from the trust store
 * (the command line also takes --intermediates and --fetch-intermediates). */
static void write_chain(ui_app *a, const char *path, bool overwrite)
{
    od_write_chain_opts wo = {.out_path = path, .force = overwrite};
    char *text = NULL, *err = NULL;
    od_write_chain_status st = od_write_chain_for_report(a->report, &wo, &text, &err);
    if (st != OD_WRITE_CHAIN_WRITTEN) {
        a->ex_msg = err ? err : od_xstrdup("not written");
        a->ex_msg_error = true;
        free(text);
        return;
    }
    free(err);
    size_t certs = 0;
    for (const char *p = text; p && (p = strstr(p, "\n     from ")); p++)
        certs++;
    free(text);
    char full[PATH_MAX];
    const char *shown = realpath(path, full) ? full : path;
    a->n_ov--;   /* close the dialog */
    ui_set_msg(a, UI_R_PASS, "%s Wrote the corrected chain (%zu certificates, leaf first, no root) to %s", a->g->pass,
               certs, shown);
}

/* A pane digit beyond the pane table does nothing: not in the help. */
static bool help_shows(const ui_binding *b)
{
    return !(b->ctx == UI_CTX_RESULTS && b->action >= UI_A_PANE_1 && b->action <= UI_A_PANE_9 &&
             (size_t)(b->action - UI_A_PANE_1) >= ui_pane_count);
}

static void help_draw(ui_app *a)
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
            if ((int)b[i].ctx != c || !help_shows(&b[i]))
                continue;
            bool seen = false;
            for (size_t k = 0; k < i && !seen; k++)
                seen = b[k].ctx == b[i].ctx && strcmp(b[k].help, b[i].help) == 0 && help_shows(&b[k]);
            if (seen)
                continue;
            char keys[96] = "";
            for (size_t k = i; k < n; k++)
                if (b[k].ctx == b[i].ctx && strcmp(b[k].help, b[i].help) == 0 && help_shows(&b[k]) &&
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

static void help_key(ui_app *a, int key, ui_action act)
{
    (void)key;
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
    if (a->ex_chain) {
        write_chain(a, path, overwrite);
        return;
    }
    char *data = a->ex_format == 0 ? od_report_to_json(a->report) : od_report_markdown(a->report);
    if (!data) {
        a->ex_msg = od_xstrdup("the report could not be rendered");
        a->ex_msg_error = true;
        return;
    }
    /* overwriting was asked above; the output-file contract does the rest
     * (links and devices written through, a replaced file keeps its mode) */
    int rc = od_output_write(path, data, strlen(data));
    int err = errno;
    size_t len = strlen(data);
    free(data);
    if (rc != 0) {
        a->ex_msg = od_xasprintf("cannot write \"%s\": %s", path, od_strerror(err, &(od_errbuf){0}));
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

static void export_draw(ui_app *a)
{
    int w = COLS - 10 > 76 ? 76 : COLS - 10, h = 11;
    int y = (LINES - h) / 2, x = (COLS - w) / 2;
    ui_box(&a->term, a->g, y, x, h, w, a->ex_chain ? "Write the corrected chain" : "Export the report");
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
    if (a->ex_chain) {
        ui_put(&a->term, y + 4, x + 2, w - 4, "PEM: leaf first, then each issuer; the root left out.", UI_R_DIM);
    } else {
        ui_put(&a->term, y + 4, x + 2, 12, "Format:", a->ex_focus == 1 ? UI_R_HEAD : UI_R_NORMAL);
        char fmt[80];
        snprintf(fmt, sizeof fmt, "(%s) JSON   (%s) Markdown", a->ex_format == 0 ? "*" : " ",
                 a->ex_format == 1 ? "*" : " ");
        ui_put(&a->term, y + 4, x + 14, w - 16, fmt, a->ex_focus == 1 ? UI_R_SEL : UI_R_NORMAL);
    }
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
    char hints[200];
    ui_hints_text(UI_CTX_EXPORT, hints, sizeof hints);
    ui_put(&a->term, y + h - 2, x + 2, w - 4, hints, UI_R_DIM);
    ui_draw_status(a, UI_CTX_EXPORT);
    if (a->ex_focus == 0 && a->ov[a->n_ov - 1] == UI_OV_EXPORT) {
        curs_set(1);
        move(y + 2, x + 14 + ccol);
    }
}

static void export_key(ui_app *a, int key, ui_action act)
{
    if (act == UI_A_QUIT) {
        ui_request_quit(a);
        return;
    }
    if (a->ex_focus == 0 && ui_le_key(&a->ex_name, key))
        return;
    switch (act) {
    case UI_A_ACCEPT: do_export(a, false); break;
    case UI_A_NEXT: case UI_A_PREV: a->ex_focus = a->ex_chain ? 0 : !a->ex_focus; break;
    case UI_A_TOGGLE:
        if (a->ex_chain)
            break;
        a->ex_format = !a->ex_format;
        swap_extension(a);
        break;
    case UI_A_BACK: a->n_ov--; curs_set(0); break;
    case UI_A_LEFT:
    case UI_A_RIGHT:
        if (a->ex_focus == 1 && !a->ex_chain) {
            a->ex_format = !a->ex_format;
            swap_extension(a);
        }
        break;
    default: break;
    }
}

static void confirm_draw(ui_app *a)
{
    char buf[700];
    const char *yes = ui_key_name(UI_CTX_CONFIRM, UI_A_YES), *no = ui_key_name(UI_CTX_CONFIRM, UI_A_NO);
    switch (a->question) {
    case UI_ASK_QUIT:
        snprintf(buf, sizeof buf, "Nothing was exported. Quit anyway?   %s: quit   %s: stay   %s: export first", yes, no,
                 ui_key_name(UI_CTX_CONFIRM, UI_A_EXPORT));
        break;
    case UI_ASK_QUIT_WIZARD: snprintf(buf, sizeof buf, "Quit origin-doctor?   %s: quit   %s: stay", yes, no); break;
    case UI_ASK_OVERWRITE: {
        char *safe = ui_sanitize(a->ex_name.text);
        snprintf(buf, sizeof buf, "\"%s\" exists. Overwrite it?   %s: overwrite   %s: keep it", safe, yes, no);
        free(safe);
        break;
    }
    }
    const char *text = buf;
    int w = COLS - 8, y = LINES / 2 - 2;
    ui_box(&a->term, a->g, y, 4, 5, w, "Please confirm");
    ui_put(&a->term, y + 2, 6, w - 4, text, UI_R_HEAD);
    curs_set(0);
    ui_draw_status(a, UI_CTX_CONFIRM);
}

static void confirm_key(ui_app *a, int key, ui_action act)
{
    (void)key;
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
        ui_export_open(a);
    }
}


static ui_ctx help_ctx(const ui_app *a)
{
    (void)a;
    return UI_CTX_HELP;
}

static ui_ctx export_ctx(const ui_app *a)
{
    (void)a;
    return UI_CTX_EXPORT;
}

static ui_ctx confirm_ctx(const ui_app *a)
{
    (void)a;
    return UI_CTX_CONFIRM;
}

const ui_screen_ops ui_overlay_help = {.draw = help_draw, .key = help_key, .ctx = help_ctx};
const ui_screen_ops ui_overlay_export = {.draw = export_draw, .key = export_key, .ctx = export_ctx};
const ui_screen_ops ui_overlay_confirm = {.draw = confirm_draw, .key = confirm_key, .ctx = confirm_ctx};

/* ------------------------------------------------------------- copying */

static char *base64(const char *s)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    char *out = od_xmalloc((n + 2) / 3 * 4 + 1), *o = out;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

static void write_all(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(STDOUT_FILENO, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* The terminal's clipboard through OSC 52, then the text alone on a plain
 * screen (curses paused), never wrapped or indented by us: a terminal that
 * ignores OSC 52 still lets the engineer select it whole. */
void ui_copy(ui_app *a, const char *what, const char *text)
{
    if (!text || !*text) {
        ui_set_msg(a, UI_R_WARN, "Nothing to copy here.");
        return;
    }
    char *safe = ui_sanitize(text);
    char *b64 = base64(safe);
    def_prog_mode();
    endwin();
    char *osc = od_xasprintf("\033]52;c;%s\a", b64);
    write_all(osc);
    free(osc);
    free(b64);
    char *page = od_xasprintf("\033[H\033[2J%s copied to the clipboard, if this terminal allows it (OSC 52).\n"
                              "If it does not, select it below: it is shown as is, on its own.\n\n%s\n\n"
                              "Press Enter to go back.\n",
                              what, safe);
    write_all(page);
    free(page);
    free(safe);
    /* the terminal is in its normal (line) mode here: wait for the line */
    char c;
    ssize_t r;
    while ((r = read(STDIN_FILENO, &c, 1)) > 0 || (r < 0 && errno == EINTR))
        if (r > 0 && (c == '\n' || c == '\r'))
            break;
    reset_prog_mode();
    clearok(curscr, TRUE);
    refresh();
    ui_set_msg(a, UI_R_PASS, "%s %s copied (OSC 52) and shown unwrapped", a->g->pass, what);
}

/* ------------------------------------------------------------- summary */

static void summary_draw(ui_app *a)
{
    const od_report *r = a->report;
    if (!r)
        return;
    char *sum = od_report_short_summary(r);
    int w = COLS - 6, h = LINES - 6, y = 2, x = 3;
    ui_box(&a->term, a->g, y, x, h, w, "Short summary (c copies it, Esc closes)");
    ui_rows rows;
    ui_rows_init(&rows);
    char *save = NULL;
    for (char *line = strtok_r(sum, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        ui_rows_add_wrapped(&rows, UI_R_NORMAL, -1, line, w - 4, 2);
    for (size_t i = 0; i < rows.len && (int)i < h - 2; i++)
        ui_draw_row(&a->term, y + 1 + (int)i, x + 2, w - 4, &rows.rows[i], false, false, NULL);
    ui_rows_free(&rows);
    free(sum);
    ui_draw_status(a, UI_CTX_SUMMARY);
}

static void summary_key(ui_app *a, int key, ui_action act)
{
    (void)key;
    if (act == UI_A_COPY && a->report) {
        char *sum = od_report_short_summary(a->report);
        ui_copy(a, "The summary", sum);
        free(sum);
    } else if (act == UI_A_BACK) {
        a->n_ov--;
    }
}

static ui_ctx summary_ctx(const ui_app *a)
{
    (void)a;
    return UI_CTX_SUMMARY;
}

const ui_screen_ops ui_overlay_summary = {.draw = summary_draw, .key = summary_key, .ctx = summary_ctx};
