/* Golden-screen tests (in the manner of tig's expected-output tests): every
 * result pane of ui_pane_table, drawn from a fixed saved report
 * (tests/fixtures/reports/NAME.json: no clock, no network) at 80 and 120
 * columns by the UI's own drawing code on a curses screen over /dev/null,
 * compared byte for byte with tests/golden/NAME-PANE-COLSxLINES.txt.
 *
 * The guided session's pages (each check's introduction and result, and
 * the verdict) of the wrong-order and cname-not-covered reports at 80x24
 * go to tests/golden/guided-NAME-NN-intro|result.txt and
 * guided-NAME-verdict.txt.
 *
 * The --fleet list of tests/fixtures/fleet/ui-list.jsonl, sorted by
 * verdict, goes to tests/golden/fleet-list-COLSxLINES.txt.
 *
 *   ui_golden --check TESTS_DIR    compare (the ctest test)
 *   ui_golden --update TESTS_DIR   rewrite the files (./dev golden)
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_fleet.h"
#include "od_report.h"
#include "od_util.h"
#include "ui_app.h"

static const char *const fixtures[] = {"wrong-order", "cname-not-covered", "healthy"};
static const struct {
    int cols, lines;
} sizes[] = {{80, 24}, {120, 30}};

/* The pane's name as a file name part: lower case, letters only. */
static void slug(const char *name, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = name; *p && k + 1 < n; p++)
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
            out[k++] = (char)(*p | 0x20);
    out[k] = '\0';
}

/* First differing line, for a readable failure. */
static void show_diff(const char *want, const char *got)
{
    int line = 1;
    const char *w = want, *g = got;
    while (*w && *g && *w == *g) {
        if (*w == '\n')
            line++;
        w++;
        g++;
    }
    const char *we = strchr(w, '\n'), *ge = strchr(g, '\n');
    const char *wl = w, *gl = g;
    while (wl > want && wl[-1] != '\n')
        wl--;
    while (gl > got && gl[-1] != '\n')
        gl--;
    printf("  first difference at line %d:\n  want: %.*s\n  got:  %.*s\n", line,
           (int)(we ? we - wl : (long)strlen(wl)), wl, (int)(ge ? ge - gl : (long)strlen(gl)), gl);
}

/* Draws spec and compares it with (or writes it to) path; 1 on a failure. */
static int compare_or_write(const ui_snapshot_spec *spec, const char *gpath, bool update)
{
    char *got = ui_snapshot(spec);
    if (!got) {
        printf("FAIL: no curses screen over /dev/null (terminfo for xterm missing?)\n");
        return 1;
    }
    int fail = 0;
    if (update) {
        if (od_write_file_atomic(gpath, got, strlen(got), true) != 0) {
            printf("FAIL: cannot write %s\n", gpath);
            fail = 1;
        }
    } else {
        size_t wlen;
        char *want = od_read_file(gpath, &wlen);
        if (!want) {
            printf("FAIL: %s is missing (./dev golden writes it)\n", gpath);
            fail = 1;
        } else if (wlen != strlen(got) || memcmp(want, got, wlen) != 0) {
            printf("FAIL: %s differs from the screen as drawn now\n", gpath);
            show_diff(want, got);
            fail = 1;
        }
        free(want);
    }
    free(got);
    return fail;
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "--check") != 0 && strcmp(argv[1], "--update") != 0)) {
        fprintf(stderr, "usage: ui_golden --check|--update TESTS_DIR\n");
        return 2;
    }
    bool update = strcmp(argv[1], "--update") == 0;
    const char *dir = argv[2];
    /* widths of the glyphs come from the locale, as in the real UI */
    if (!setlocale(LC_ALL, "C.UTF-8") && !setlocale(LC_ALL, "en_US.UTF-8")) {
        printf("FAIL: no UTF-8 locale (C.UTF-8) to render in\n");
        return 1;
    }
    setlocale(LC_NUMERIC, "C");
    int fails = 0, files = 0;
    for (size_t f = 0; f < sizeof fixtures / sizeof fixtures[0]; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/fixtures/reports/%s.json", dir, fixtures[f]);
        size_t len;
        char *json = od_read_file(path, &len);
        if (!json) {
            printf("FAIL: cannot read %s\n", path);
            fails++;
            continue;
        }
        od_report r;
        od_report_init(&r);
        char *err = od_report_from_json(json, len, &r);
        free(json);
        if (err) {
            printf("FAIL: %s: %s\n", path, err);
            free(err);
            fails++;
            continue;
        }
        r.loaded_from_file = true;   /* as --open shows it */
        bool guided = strcmp(fixtures[f], "healthy") != 0;
        for (size_t g = 0; guided && g <= r.obs.n_steps; g++)
            for (int phase = 0; phase < (g < r.obs.n_steps ? 2 : 1); phase++) {
                ui_snapshot_spec spec = {.report = &r, .cols = 80, .lines = 24, .guided = true,
                                         .g_index = g < r.obs.n_steps ? g : r.obs.n_steps - 1,
                                         .g_result = phase == 1, .g_verdict = g == r.obs.n_steps,
                                         .g_seen_all = g == r.obs.n_steps};
                char gpath[1200];
                if (g == r.obs.n_steps)
                    snprintf(gpath, sizeof gpath, "%s/golden/guided-%s-verdict.txt", dir, fixtures[f]);
                else
                    snprintf(gpath, sizeof gpath, "%s/golden/guided-%s-%02zu-%s.txt", dir, fixtures[f], g + 1,
                             phase ? "result" : "intro");
                fails += compare_or_write(&spec, gpath, update);
                files++;
            }
        for (size_t p = 0; p < ui_pane_count; p++)
            for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
                ui_snapshot_spec spec = {.report = &r, .pane = p, .side = 0,
                                         .cols = sizes[s].cols, .lines = sizes[s].lines};
                char name[64], gpath[1200];
                slug(ui_pane_table[p]->name, name, sizeof name);
                snprintf(gpath, sizeof gpath, "%s/golden/%s-%s-%dx%d.txt", dir, fixtures[f], name, sizes[s].cols,
                         sizes[s].lines);
                fails += compare_or_write(&spec, gpath, update);
                files++;
            }
        od_report_free(&r);
    }
    char fpath[1024];
    snprintf(fpath, sizeof fpath, "%s/fixtures/fleet/ui-list.jsonl", dir);
    od_fleet_rows rows;
    od_fleet_rows_init(&rows);
    od_strlist warnings;
    od_strlist_init(&warnings);
    char *err = od_fleet_read_jsonl(fpath, false, &rows, NULL, &warnings);
    if (err || warnings.len || rows.n == 0) {
        printf("FAIL: %s: %s\n", fpath, err ? err : warnings.len ? warnings.items[0] : "no records");
        fails++;
    } else {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            ui_snapshot_spec spec = {.fleet = &rows, .fleet_sort = UI_FLEET_SORT_VERDICT, .cols = sizes[s].cols,
                                     .lines = sizes[s].lines};
            char gpath[1200];
            snprintf(gpath, sizeof gpath, "%s/golden/fleet-list-%dx%d.txt", dir, sizes[s].cols, sizes[s].lines);
            fails += compare_or_write(&spec, gpath, update);
            files++;
        }
    }
    free(err);
    od_strlist_free(&warnings);
    od_fleet_rows_free(&rows);
    printf("ui_golden: %d screen(s) %s, %d failure(s)%s\n", files, update ? "written" : "compared", fails,
           fails && !update ? " (if the change is intended: ./dev golden, then review git diff tests/golden)" : "");
    return fails ? 1 : 0;
}
