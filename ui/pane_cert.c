/* Certificate: every certificate received, the selected one field by field. */
#include "ui_panes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_util.h"
#include "od_names.h"

static void cert_list(const od_report *r, const ui_glyphs *g, int width, time_t now, ui_rows *out)
{
    (void)width;
    for (size_t i = 0; i < r->obs.n_certs; i++) {
        const od_cert *c = &r->obs.certs[i];
        bool exp = ui_cert_expired(c, now);
        ui_row *row = ui_rows_addf(out, UI_R_NORMAL, (int)i, "%s %s", exp ? g->fail : " ", ui_cert_label(c));
        if (exp)
            ui_row_span(row, 0, strlen(g->fail), UI_R_FAIL);
    }
    if (r->obs.n_certs == 0)
        ui_rows_add(out, UI_R_DIM, -1, "(no certificates)");
}

static void list_field(ui_rows *out, int width, const char *label, const od_strlist *l, const od_strlist *matched)
{
    if (l->len == 0) {
        ui_rows_field(out, width, label, "-");
        return;
    }
    for (size_t i = 0; i < l->len; i++) {
        char *line = od_xasprintf("%-10s %s", i == 0 ? label : "", l->items[i]);
        ui_row *first = NULL;
        size_t before = out->len;
        ui_rows_add_wrapped(out, UI_R_NORMAL, -1, line, width, 11);
        first = &out->rows[before];
        if (matched && od_strlist_contains(matched, l->items[i]))
            ui_row_span(first, 11, strlen(first->text) - 11, UI_R_MATCH);
        free(line);
    }
}

static void cert_detail(const od_report *r, size_t ci, const ui_glyphs *g, int width, time_t now, ui_rows *out)
{
    if (ci >= r->obs.n_certs) {
        ui_rows_add(out, UI_R_DIM, -1, "No certificate was received.");
        return;
    }
    const od_cert *c = &r->obs.certs[ci];
    od_strlist expected, matched;
    od_strlist_init(&expected);
    od_strlist_init(&matched);
    od_case_expected_names(&r->input, &expected);

    ui_rows_addf(out, UI_R_HEAD, -1, "Certificate %zu of %zu", ci + 1, r->obs.n_certs);
    ui_rows_field(out, width, "Subject", c->subject);
    ui_rows_field(out, width, "Issuer", c->issuer);
    /* which expected names the certificate covers, and by which of its names */
    for (size_t i = 0; i < expected.len; i++) {
        const char *by = NULL;
        bool ok = od_cert_covers(c, expected.items[i], &by);
        char *line = ok ? od_xasprintf("%-10s %s %s: covered by %s", i == 0 ? "Expected" : "", g->pass,
                                       expected.items[i], by ? by : "?")
                        : od_xasprintf("%-10s %s %s: NOT COVERED (name mismatch)", i == 0 ? "Expected" : "",
                                       g->fail, expected.items[i]);
        size_t before = out->len;
        ui_rows_add_wrapped(out, UI_R_NORMAL, -1, line, width, 11);
        ui_row_span(&out->rows[before], 11, strlen(out->rows[before].text) - 11, ok ? UI_R_PASS : UI_R_FAIL);
        free(line);
        if (ok && by)
            od_strlist_add(&matched, by);
    }
    list_field(out, width, "CN", &c->common_names, &matched);
    list_field(out, width, "DNS names", &c->san_dns, &matched);
    if (c->san_ip.len)
        list_field(out, width, "IP names", &c->san_ip, NULL);

    char nb[32], na[32];
    od_format_time(c->not_before, nb, sizeof nb);
    od_format_time(c->not_after, na, sizeof na);
    ui_rows_field(out, width, "Not before", nb);
    long long days = (long long)((c->not_after - now) / 86400);
    char *left = c->not_after < now ? od_xasprintf("%s  EXPIRED %lld days ago", na, -days)
                                    : od_xasprintf("%s  (%lld days left)", na, days);
    size_t before = out->len;
    ui_rows_field(out, width, "Not after", left);
    if (c->not_after < now)
        ui_row_highlight(&out->rows[before], "EXPIRED", UI_R_FAIL);
    else if (days < 30)
        ui_row_highlight(&out->rows[before], "days left", UI_R_WARN);
    free(left);
    if (c->not_before > now) {
        ui_row *row = ui_rows_add(out, UI_R_FAIL, -1, "           NOT YET VALID");
        (void)row;
    }
    char *key = c->key_curve ? od_xasprintf("%s %d bits, %s", c->key_type ? c->key_type : "?", c->key_bits,
                                            c->key_curve)
                             : od_xasprintf("%s %d bits", c->key_type ? c->key_type : "?", c->key_bits);
    ui_rows_field(out, width, "Key", key);
    free(key);
    ui_rows_field(out, width, "Signature", c->signature_algorithm);
    ui_rows_field(out, width, "Serial", c->serial);
    ui_rows_field(out, width, "SHA-256", c->sha256);
    ui_rows_field(out, width, "CA", c->is_ca ? "yes (basic constraints CA:TRUE)" : "no");
    ui_rows_field(out, width, "Self-sign", c->self_signed ? "yes (signed by its own key)" : "no");
    ui_rows_field(out, width, "SKID", c->subject_key_id);
    ui_rows_field(out, width, "AKID", c->authority_key_id);
    if (c->aia_issuer_urls.len)
        list_field(out, width, "AIA issuer", &c->aia_issuer_urls, NULL);
    else
        ui_rows_field(out, width, "AIA issuer", "-");
    if (c->aia_ocsp_urls.len)
        list_field(out, width, "AIA OCSP", &c->aia_ocsp_urls, NULL);
    od_strlist_free(&expected);
    od_strlist_free(&matched);
}

static int cert_width(int cols)
{
    return cols / 3 < 24 ? 24 : cols / 3;
}

static void cert_build(const ui_pane_env *env, ui_pane_state *st, ui_pane_view *v)
{
    const od_report *r = env->report;
    cert_list(r, env->g, v->lw - 1, env->now, &v->rows[0]);
    ui_list_set_count(&st->lists[0], v->rows[0].len);
    cert_detail(r, r->obs.n_certs ? st->lists[0].sel : (size_t)-1, env->g, v->rw - 1, env->now, &v->rows[1]);
}

static void cert_step(const ui_pane_env *env, ui_pane_state *st, int dir)
{
    (void)env;
    ui_list_move(&st->lists[0], dir);
    ui_list_init(&st->lists[1]);
}

const ui_pane_class ui_pane_cert = {
    .name = "Certificate",
    .list_width = cert_width,
    .build = cert_build,
    .item_step = cert_step,
};
