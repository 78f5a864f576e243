/* A screen of the UI rendered without a terminal: a curses screen on
 * /dev/null of a fixed size, drawn by the same code as the real one, then
 * read back cell by cell as text and colour roles. The golden-screen tests
 * (tests/golden) compare these byte for byte. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ui_app.h"

/* One letter per role, in ui_role order ('.' ordinary text). */
const char ui_snapshot_role_letters[UI_R_COUNT + 1] = ".TbkSsFWPIdMHEVv/tA";
_Static_assert(sizeof ui_snapshot_role_letters == UI_R_COUNT + 1, "one letter per role");

static void put_utf8(od_buf *b, wchar_t wc)
{
    unsigned c = (unsigned)wc;
    char s[5] = {0};
    if (c < 0x80) {
        s[0] = (char)c;
    } else if (c < 0x800) {
        s[0] = (char)(0xc0 | (c >> 6));
        s[1] = (char)(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        s[0] = (char)(0xe0 | (c >> 12));
        s[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        s[2] = (char)(0x80 | (c & 0x3f));
    } else {
        s[0] = (char)(0xf0 | (c >> 18));
        s[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        s[2] = (char)(0x80 | ((c >> 6) & 0x3f));
        s[3] = (char)(0x80 | (c & 0x3f));
    }
    od_buf_puts(b, s);
}

static void trim_line(od_buf *b, size_t line_start, char blank)
{
    while (b->len > line_start && b->data[b->len - 1] == blank)
        b->data[--b->len] = '\0';
}

char *ui_snapshot(const ui_snapshot_spec *spec)
{
    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    if (!out || !in) {
        if (out)
            fclose(out);
        if (in)
            fclose(in);
        return NULL;
    }
    /* a terminal type every ncurses install has, with colours */
    SCREEN *sc = newterm("xterm-256color", out, in);
    if (!sc)
        sc = newterm("xterm", out, in);
    if (!sc) {
        fclose(out);
        fclose(in);
        return NULL;
    }
    SCREEN *prev = set_term(sc);
    resize_term(spec->lines, spec->cols);

    od_ui_opts opts = {0};
    ui_app *a = od_xcalloc(1, sizeof *a);
    a->opts = &opts;
    a->term.utf8 = true;
    a->term.sig_fd = -1;
    ui_term_colors(&a->term);
    a->g = ui_glyphs_get(true);
    ui_changes_init(&a->changes);
    od_case_init(&a->answers);
    a->report = spec->report;
    a->screen = UI_SCR_RESULTS;
    ui_reset_results(a);
    a->pane = spec->pane < ui_pane_count ? spec->pane : 0;
    a->side = spec->side;
    if (spec->guided) {
        /* a finished guided session, shown at one of its pages */
        od_case_free(&a->answers);
        od_case_copy(&a->answers, &spec->report->input);
        a->screen = UI_SCR_GUIDED;
        a->guided = a->g_ran = true;
        a->g_index = spec->g_index;
        a->g_result = spec->g_result;
        a->g_verdict = spec->g_verdict;
        size_t seen = spec->g_seen_all ? spec->report->obs.n_steps : spec->g_index + (spec->g_result ? 1 : 0);
        a->g_seen_len = seen;
        a->g_seen = od_xcalloc(seen ? seen : 1, sizeof *a->g_seen);
        for (size_t i = 0; i < seen; i++)
            a->g_seen[i] = true;
    }
    if (spec->fleet) {
        /* a finished fleet run's list */
        a->screen = UI_SCR_FLEET;
        a->fleet_sort = spec->fleet_sort;
        ui_list_init(&a->fleet_list);
        for (size_t i = 0; i < spec->fleet->n; i++)
            ui_fleet_add_row(a, &spec->fleet->rows[i], NULL);
    }
    ui_app_draw(a);

    od_buf text, roles;
    od_buf_init(&text);
    od_buf_init(&roles);
    for (int y = 0; y < spec->lines; y++) {
        size_t t0 = text.len, r0 = roles.len;
        for (int x = 0; x < spec->cols; x++) {
            cchar_t cc;
            wchar_t wch[CCHARW_MAX + 1] = {0};
            attr_t attrs = 0;
            short pair = 0;
            if (mvin_wch(y, x, &cc) == ERR || getcchar(&cc, wch, &attrs, &pair, NULL) == ERR) {
                od_buf_puts(&text, " ");
                od_buf_puts(&roles, ".");
                continue;
            }
            for (int k = 0; wch[k] && k < CCHARW_MAX; k++)
                put_utf8(&text, wch[k]);
            if (!wch[0])
                od_buf_puts(&text, " ");
            char letter[2] = {ui_snapshot_role_letters[ui_pair_role(pair)], 0};
            od_buf_puts(&roles, letter);
            int w = wch[0] ? wcwidth(wch[0]) : 1;
            x += w > 1 ? w - 1 : 0;   /* the cell after a wide character is its second half */
        }
        trim_line(&text, t0, ' ');
        trim_line(&roles, r0, '.');
        od_buf_puts(&text, "\n");
        od_buf_puts(&roles, "\n");
    }
    od_buf_puts(&text, "--- roles\n");
    od_buf_puts(&text, roles.data ? roles.data : "");
    od_buf_free(&roles);

    od_case_free(&a->answers);
    ui_guided_free(a);
    ui_fleet_free(a);
    ui_changes_free(&a->changes);
    free(a->msg);
    free(a);
    endwin();
    set_term(prev);
    delscreen(sc);
    fclose(out);
    fclose(in);
    return text.data ? text.data : od_xstrdup("");
}
