/* Findings: the list of findings, the selected one in full beside it. */
#include "ui_panes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_evidence.h"
#include "od_util.h"

static void findings_list(const od_report *r, const ui_glyphs *g, int width, ui_rows *out)
{
    (void)width;
    for (size_t i = 0; i < r->findings.len; i++) {
        const od_finding *f = &r->findings.items[i];
        const char *mark = ui_severity_mark(g, f->severity);
        ui_row *row = ui_rows_addf(out, UI_R_NORMAL, (int)i, "%s %s %s", mark, ui_severity_word(f->severity),
                                   f->title ? f->title : f->id);
        ui_row_span(row, 0, strlen(mark) + 5, ui_severity_role(f->severity));
    }
    if (r->findings.len == 0)
        ui_rows_add(out, UI_R_DIM, -1, "(no findings)");
}

static void finding_detail(const od_report *r, size_t idx, int width, ui_rows *out)
{
    if (idx >= r->findings.len) {
        ui_rows_add(out, UI_R_DIM, -1, "No finding selected.");
        return;
    }
    const od_finding *f = &r->findings.items[idx];
    ui_rows_add_wrapped(out, ui_severity_role(f->severity), -1, f->title ? f->title : f->id, width, 2);
    ui_rows_addf(out, UI_R_DIM, -1, "%s (%s)", f->id, od_severity_name(f->severity));
    if (f->names.len > 0) {
        od_buf b;
        od_buf_init(&b);
        od_buf_puts(&b, "names: ");
        for (size_t i = 0; i < f->names.len; i++)
            od_buf_printf(&b, "%s%s", i ? ", " : "", f->names.items[i]);
        ui_rows_add_wrapped(out, UI_R_NORMAL, -1, b.data, width, 7);
        od_buf_free(&b);
        char *behaviors = od_report_finding_behaviors(r, f);
        if (behaviors) {
            char *line = od_xasprintf("cache behaviors concerned: %s", behaviors);
            ui_rows_add_wrapped(out, UI_R_NORMAL, -1, line, width, 4);
            free(line);
            free(behaviors);
        }
    }
    if (f->detail && *f->detail) {
        ui_rows_add(out, UI_R_NORMAL, -1, "");
        ui_rows_add_wrapped(out, UI_R_NORMAL, -1, f->detail, width, 0);
    }
    if (f->evidence && cJSON_GetArraySize(f->evidence) > 0) {
        ui_rows_heading(out, "Evidence");
        /* in words, one fact a line, the values aligned after their keys */
        od_strlist keys, values;
        od_strlist_init(&keys);
        od_strlist_init(&values);
        od_evidence_words(f->evidence, &keys, &values);
        int kw = (int)od_evidence_key_width(&keys, (size_t)(width / 3 > 8 ? width / 3 : 8));
        for (size_t i = 0; i < keys.len; i++) {
            char *line = od_xasprintf("%-*s %s", kw, keys.items[i], values.items[i]);
            ui_rows_add_wrapped(out, UI_R_NORMAL, -1, line, width, kw + 1);
            free(line);
        }
        od_strlist_free(&keys);
        od_strlist_free(&values);
    }
    if (f->fix.len > 0) {
        ui_rows_heading(out, "How to fix");
        for (size_t i = 0; i < f->fix.len; i++) {
            char *line = od_xasprintf("%zu. %s", i + 1, f->fix.items[i]);
            ui_rows_add_wrapped(out, UI_R_NORMAL, -1, line, width, 3);
            free(line);
        }
    }
    if (f->reproduce && *f->reproduce) {
        ui_rows_heading(out, "Reproduce (c copies it)");
        /* a command is never wrapped: a paste of a wrapped line breaks it */
        char *copy = od_xstrdup(f->reproduce), *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            ui_rows_add(out, UI_R_INFO, -1, line);
        free(copy);
    }
}

static int findings_width(int cols)
{
    return cols * 2 / 5 < 30 ? 30 : cols * 2 / 5;
}

static void findings_build(const ui_pane_env *env, ui_pane_state *st, ui_pane_view *v)
{
    const ui_changes *ch = env->changes;
    ui_list *left = &st->lists[0];
    int dw = v->rw - 1;
    if (ch)
        ui_pane_changes(ch, env->saved, &v->rows[0]);
    findings_list(env->report, env->g, v->lw - 1, &v->rows[0]);
    ui_list_set_count(left, v->rows[0].len);
    int item = left->sel < v->rows[0].len ? v->rows[0].rows[left->sel].item : -1;
    if (ch && left->sel < ui_pane_changes_rows(ch)) {
        size_t change = left->sel >= UI_CHANGES_HEAD_ROWS ? left->sel - UI_CHANGES_HEAD_ROWS : (size_t)-1;
        if (change < ch->len)
            ui_change_detail(&ch->items[change], ch->since_run, dw, &v->rows[1]);
        else
            ui_rows_add_wrapped(&v->rows[1], UI_R_NORMAL, -1,
                                ch->since_run ? "The case was run again and compared with the previous run, finding "
                                                "by finding (matched by id and names): + appeared, - disappeared, "
                                                "~ changed severity. Select a change to see it."
                                              : "The same case was run again live from this machine and compared with the "
                                "saved report, finding by finding (matched by id and names): + appeared, "
                                "- disappeared, ~ changed severity. Select a change to see it.",
                                dw, 0);
    }
    if (item >= UI_ITEM_SAVED && env->saved)
        finding_detail(env->saved, (size_t)(item - UI_ITEM_SAVED), dw, &v->rows[1]);
    else if (item >= 0 || !ch || left->sel >= ui_pane_changes_rows(ch))
        finding_detail(env->report, item >= 0 ? (size_t)item : (size_t)-1, dw, &v->rows[1]);
}

static size_t findings_count(const od_report *r)
{
    return r->findings.len;
}

const ui_pane_class ui_pane_findings = {
    .name = "Findings",
    .list_width = findings_width,
    .build = findings_build,
    .tab_count = findings_count,
};
