/* Report-to-report comparison of findings, curses-free. */
#include "ui_diff.h"
#include "ui_panes.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_util.h"

void ui_changes_init(ui_changes *c)
{
    c->items = NULL;
    c->len = 0;
    c->since_run = false;
}

void ui_changes_free(ui_changes *c)
{
    for (size_t i = 0; i < c->len; i++) {
        free(c->items[i].id);
        free(c->items[i].names);
        free(c->items[i].title);
    }
    free(c->items);
    ui_changes_init(c);
}

static bool list_has(const od_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

/* Same names, in any order (duplicates do not matter). */
static bool same_names(const od_strlist *a, const od_strlist *b)
{
    for (size_t i = 0; i < a->len; i++)
        if (!list_has(b, a->items[i]))
            return false;
    for (size_t i = 0; i < b->len; i++)
        if (!list_has(a, b->items[i]))
            return false;
    return true;
}

static bool same_finding(const od_finding *a, const od_finding *b)
{
    return a->id && b->id && strcmp(a->id, b->id) == 0 && same_names(&a->names, &b->names);
}

static void add(ui_changes *out, ui_change_kind kind, const od_finding *f, od_severity before, od_severity after,
                size_t saved_index, size_t now_index)
{
    out->items = od_xrealloc(out->items, (out->len + 1) * sizeof *out->items);
    ui_change *c = &out->items[out->len++];
    c->kind = kind;
    c->id = od_xstrdup(f->id ? f->id : "");
    c->names = od_strlist_join(&f->names, ", ", "");
    c->title = od_xstrdup(f->title ? f->title : "");
    c->before = before;
    c->after = after;
    c->saved_index = saved_index;
    c->now_index = now_index;
}

void ui_diff_reports(const od_report *saved, const od_report *now, ui_changes *out)
{
    ui_changes_init(out);
    size_t ns = saved->findings.len, nn = now->findings.len;
    /* match[i]: the saved finding matched by the new finding i */
    size_t *match = od_xcalloc(nn ? nn : 1, sizeof *match);
    bool *used = od_xcalloc(ns ? ns : 1, sizeof *used);
    for (size_t i = 0; i < nn; i++) {
        match[i] = UI_NO_INDEX;
        for (size_t j = 0; j < ns; j++)
            if (!used[j] && same_finding(&now->findings.items[i], &saved->findings.items[j])) {
                used[j] = true;
                match[i] = j;
                break;
            }
    }
    for (size_t i = 0; i < nn; i++)
        if (match[i] == UI_NO_INDEX) {
            const od_finding *f = &now->findings.items[i];
            add(out, UI_CHANGE_APPEARED, f, f->severity, f->severity, UI_NO_INDEX, i);
        }
    for (size_t i = 0; i < nn; i++)
        if (match[i] != UI_NO_INDEX) {
            const od_finding *f = &now->findings.items[i], *s = &saved->findings.items[match[i]];
            if (f->severity != s->severity)
                add(out, UI_CHANGE_SEVERITY, f, s->severity, f->severity, match[i], i);
        }
    for (size_t j = 0; j < ns; j++)
        if (!used[j]) {
            const od_finding *s = &saved->findings.items[j];
            add(out, UI_CHANGE_DISAPPEARED, s, s->severity, s->severity, j, UI_NO_INDEX);
        }
    free(match);
    free(used);
}

void ui_pane_changes(const ui_changes *c, const od_report *saved, ui_rows *out)
{
    ui_rows_add(out, UI_R_HEAD, -1, c->since_run ? "Changes since the previous run" : "Changes since the saved report");
    ui_rows_addf(out, UI_R_DIM, -1, "  %zu change%s; %s %s", c->len, c->len == 1 ? "" : "s",
                 c->since_run ? "that run" : "saved",
                 saved && saved->generated_at ? saved->generated_at : "(no date)");
    if (c->len == 0)
        ui_rows_add(out, UI_R_PASS, -1, "  none: the same findings");
    for (size_t i = 0; i < c->len; i++) {
        const ui_change *ch = &c->items[i];
        ui_row *row = NULL;
        switch (ch->kind) {
        case UI_CHANGE_APPEARED:
            row = ui_rows_addf(out, UI_R_NORMAL, (int)ch->now_index, "+ %s %s", ch->id, od_severity_name(ch->after));
            ui_row_span(row, 0, 1, ui_severity_role(ch->after));
            break;
        case UI_CHANGE_DISAPPEARED:
            row = ui_rows_addf(out, UI_R_NORMAL, UI_ITEM_SAVED + (int)ch->saved_index, "- %s %s", ch->id,
                               od_severity_name(ch->before));
            ui_row_span(row, 0, 1, UI_R_PASS);
            break;
        case UI_CHANGE_SEVERITY:
            row = ui_rows_addf(out, UI_R_NORMAL, (int)ch->now_index, "~ %s %s->%s", ch->id,
                               od_severity_name(ch->before), od_severity_name(ch->after));
            ui_row_span(row, 0, 1, ui_severity_role(ch->after));
            break;
        }
    }
    ui_rows_add(out, UI_R_NORMAL, -1, "");
}

size_t ui_pane_changes_rows(const ui_changes *c)
{
    return UI_CHANGES_HEAD_ROWS + (c->len ? c->len : 1) + 1;
}

void ui_change_detail(const ui_change *ch, bool since_run, int width, ui_rows *out)
{
    const char *since = since_run ? "the previous run" : "the saved report";
    char names[700];
    snprintf(names, sizeof names, "%s%s", ch->names[0] ? " for " : "", ch->names);
    char *line = NULL;
    switch (ch->kind) {
    case UI_CHANGE_APPEARED:
        line = od_xasprintf("Appeared since %s: %s %s%s.", since, od_severity_name(ch->after), ch->id, names);
        break;
    case UI_CHANGE_DISAPPEARED:
        line = od_xasprintf("Disappeared since %s (it was %s): %s%s. As it was then:",
                            since, od_severity_name(ch->before), ch->id, names);
        break;
    case UI_CHANGE_SEVERITY:
        line = od_xasprintf("Changed since %s: %s%s was %s, now %s.", since, ch->id, names,
                            od_severity_name(ch->before), od_severity_name(ch->after));
        break;
    }
    ui_rows_add_wrapped(out, ch->kind == UI_CHANGE_DISAPPEARED ? UI_R_PASS : ui_severity_role(ch->after), -1, line,
                        width, 0);
    ui_rows_add(out, UI_R_NORMAL, -1, "");
    free(line);
}
