/* Result panes as rows: what each pane shows, independent of curses. */
#include "ui_panes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_names.h"
#include "od_util.h"

ui_role ui_severity_role(od_severity s)
{
    switch (s) {
    case OD_SEV_FAIL: return UI_R_FAIL;
    case OD_SEV_WARN: return UI_R_WARN;
    case OD_SEV_INFO: return UI_R_INFO;
    case OD_SEV_PASS: return UI_R_PASS;
    }
    return UI_R_NORMAL;
}

const char *ui_severity_mark(const ui_glyphs *g, od_severity s)
{
    switch (s) {
    case OD_SEV_FAIL: return g->fail;
    case OD_SEV_WARN: return g->warn;
    case OD_SEV_INFO: return g->info;
    case OD_SEV_PASS: return g->pass;
    }
    return " ";
}

ui_role ui_step_role(od_step_status s)
{
    switch (s) {
    case OD_STEP_PASS: return UI_R_PASS;
    case OD_STEP_WARN: return UI_R_WARN;
    case OD_STEP_FAIL: return UI_R_FAIL;
    case OD_STEP_RUNNING: return UI_R_INFO;
    case OD_STEP_PENDING:
    case OD_STEP_SKIPPED:
    case OD_STEP_UNTESTED: return UI_R_DIM;
    }
    return UI_R_NORMAL;
}

const char *ui_step_mark(const ui_glyphs *g, od_step_status s)
{
    switch (s) {
    case OD_STEP_PASS: return g->pass;
    case OD_STEP_WARN: return g->warn;
    case OD_STEP_FAIL: return g->fail;
    case OD_STEP_RUNNING: return g->spinner[0];
    case OD_STEP_PENDING: return " ";
    case OD_STEP_SKIPPED: return g->skip;
    case OD_STEP_UNTESTED: return "?";
    }
    return " ";
}

static const char *severity_word(od_severity s)
{
    switch (s) {
    case OD_SEV_FAIL: return "FAIL";
    case OD_SEV_WARN: return "WARN";
    case OD_SEV_INFO: return "INFO";
    case OD_SEV_PASS: return "PASS";
    }
    return "";
}

const char *ui_cert_label(const od_cert *c)
{
    if (c->common_names.len > 0)
        return c->common_names.items[0];
    return c->subject ? c->subject : "(no subject)";
}

/* ------------------------------------------------------------ findings */

void ui_pane_findings(const od_report *r, const ui_glyphs *g, int width, ui_rows *out)
{
    (void)width;
    for (size_t i = 0; i < r->findings.len; i++) {
        const od_finding *f = &r->findings.items[i];
        const char *mark = ui_severity_mark(g, f->severity);
        ui_row *row = ui_rows_addf(out, UI_R_NORMAL, (int)i, "%s %s %s", mark, severity_word(f->severity),
                                   f->title ? f->title : f->id);
        ui_row_span(row, 0, strlen(mark) + 5, ui_severity_role(f->severity));
    }
    if (r->findings.len == 0)
        ui_rows_add(out, UI_R_DIM, -1, "(no findings)");
}

static void add_heading(ui_rows *out, const char *text)
{
    ui_rows_add(out, UI_R_NORMAL, -1, "");
    ui_rows_add(out, UI_R_HEAD, -1, text);
}

void ui_pane_finding_detail(const od_report *r, size_t idx, int width, ui_rows *out)
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
        add_heading(out, "Evidence");
        const cJSON *it;
        cJSON_ArrayForEach(it, f->evidence)
        {
            char *val = NULL;
            if (cJSON_IsString(it))
                val = od_xstrdup(it->valuestring);
            else
                val = cJSON_PrintUnformatted(it);
            char *line = od_xasprintf("%s: %s", it->string ? it->string : "?", val ? val : "");
            ui_rows_add_wrapped(out, UI_R_NORMAL, -1, line, width, 4);
            free(line);
            if (val)
                free(val);
        }
    }
    if (f->fix.len > 0) {
        add_heading(out, "How to fix");
        for (size_t i = 0; i < f->fix.len; i++) {
            char *line = od_xasprintf("%zu. %s", i + 1, f->fix.items[i]);
            ui_rows_add_wrapped(out, UI_R_NORMAL, -1, line, width, 3);
            free(line);
        }
    }
    if (f->reproduce && *f->reproduce) {
        add_heading(out, "Reproduce");
        ui_rows_add_wrapped(out, UI_R_NORMAL, -1, f->reproduce, width, 2);
    }
}

/* --------------------------------------------------------------- chain */

size_t ui_chain_handshakes(const od_report *r, size_t *idx, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < r->obs.n_handshakes && n < max; i++)
        if (r->obs.handshakes[i].chain_len > 0)
            idx[n++] = i;
    return n;
}

static bool cert_expired(const od_cert *c, time_t now)
{
    return c->not_after != 0 && c->not_after < now;
}

static bool same_dn(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

void ui_pane_chain(const od_report *r, size_t hsi, const ui_glyphs *g, int width, time_t now, ui_rows *sent,
                   ui_rows *needed)
{
    if (hsi >= r->obs.n_handshakes || r->obs.handshakes[hsi].chain_len == 0) {
        ui_rows_add(sent, UI_R_DIM, -1, "No certificate chain was received.");
        ui_rows_add_wrapped(sent, UI_R_DIM, -1,
                            "(The TLS handshakes failed before the origin sent certificates; see the Log pane.)",
                            width, 1);
        return;
    }
    const od_handshake *hs = &r->obs.handshakes[hsi];
    const od_chain_facts *f = &hs->facts;
    const od_observations *o = &r->obs;
    ui_rows_addf(sent, UI_R_HEAD, -1, "As sent (SNI %s @ %s:%d)", hs->sni ? hs->sni : "none", hs->address,
                 hs->port);
    if (f->analysed && !f->order_ok) {
        ui_row *row = ui_rows_addf(sent, UI_R_FAIL, -1, "%s WRONG ORDER: not leaf, then its issuer, ...", g->fail);
        (void)row;
    }
    for (size_t i = 0; i < hs->chain_len; i++) {
        size_t ci = hs->chain[i];
        if (ci >= o->n_certs)
            continue;
        const od_cert *c = &o->certs[ci];
        ui_row *row = ui_rows_addf(sent, UI_R_NORMAL, (int)ci, "#%zu %s", i, ui_cert_label(c));
        od_buf marks;
        od_buf_init(&marks);
        if (i == 0)
            od_buf_puts(&marks, " [leaf]");
        if (cert_expired(c, now))
            od_buf_puts(&marks, " EXPIRED");
        if (f->root_included && f->root_position == i)
            od_buf_puts(&marks, " ROOT INCLUDED");
        else if (c->self_signed && i == 0)
            od_buf_puts(&marks, " SELF-SIGNED");
        for (size_t k = 0; k < f->n_extra; k++)
            if (f->extra[k] == i)
                od_buf_puts(&marks, " NOT ON PATH");
        if (marks.len) {
            size_t at = strlen(row->text);
            char *t = od_xasprintf("%s%s", row->text, marks.data);
            free(row->text);
            row->text = t;
            bool bad = strstr(marks.data, "EXPIRED") || strstr(marks.data, "SELF-SIGNED");
            ui_row_span(row, at, marks.len,
                        bad ? UI_R_FAIL : (strstr(marks.data, "ROOT") || strstr(marks.data, "NOT ON")) ? UI_R_WARN
                                                                                                       : UI_R_DIM);
        }
        od_buf_free(&marks);
        char *iss = od_xasprintf("   issuer: %s", c->issuer ? c->issuer : "?");
        ui_rows_add_wrapped(sent, UI_R_DIM, (int)ci, iss, width, 11);
        free(iss);
        if (i + 1 < hs->chain_len && hs->chain[i + 1] < o->n_certs) {
            const od_cert *next = &o->certs[hs->chain[i + 1]];
            if (same_dn(c->issuer, next->subject))
                ui_rows_addf(sent, UI_R_PASS, (int)ci, "  %s issued by #%zu", g->down, i + 1);
            else if (c->self_issued)
                ui_rows_addf(sent, UI_R_DIM, (int)ci, "  (#%zu is self-issued: end of its path)", i);
            else
                ui_rows_addf(sent, UI_R_FAIL, (int)ci, "  %s #%zu did not issue #%zu: WRONG ORDER", g->broken, i + 1, i);
        }
        if (f->issuer_missing && f->missing_after == i) {
            char *m = od_xasprintf("  %s MISSING INTERMEDIATE: %s (not sent)", g->broken,
                                   f->missing_issuer_dn ? f->missing_issuer_dn : "?");
            ui_rows_add_wrapped(sent, UI_R_FAIL, -1, m, width, 4);
            free(m);
        }
    }
    if (f->ends_at_trust_anchor && f->trust_anchor_subject) {
        char *m = od_xasprintf("  %s trusted root: %s", g->down, f->trust_anchor_subject);
        ui_rows_add_wrapped(sent, UI_R_PASS, -1, m, width, 4);
        free(m);
    } else if (f->ends_at_untrusted_root) {
        ui_rows_add(sent, UI_R_FAIL, -1, "  ends at a root the trust store does not hold");
    }

    /* the order CloudFront needs: leaf, then each issuer in turn */
    ui_rows_add(needed, UI_R_HEAD, -1, "Order CloudFront needs");
    if (!f->analysed) {
        ui_rows_add(needed, UI_R_DIM, -1, "(chain not analysed)");
        return;
    }
    size_t n = 0;
    for (size_t k = 0; k < f->path_len; k++) {
        size_t pos = f->path[k];
        if (pos >= hs->chain_len || hs->chain[pos] >= o->n_certs)
            continue;
        const od_cert *c = &o->certs[hs->chain[pos]];
        bool is_root = f->root_included && f->root_position == pos;
        char *line = od_xasprintf("%zu. %s (sent as #%zu)%s", ++n, ui_cert_label(c), pos, is_root ? " optional" : "");
        size_t first = needed->len;
        ui_rows_add_wrapped(needed, is_root ? UI_R_DIM : UI_R_NORMAL, (int)hs->chain[pos], line, width, 3);
        free(line);
        if (pos != k)
            for (size_t q = first; q < needed->len; q++)
                needed->rows[q].role = UI_R_WARN;
    }
    if (f->issuer_missing) {
        char *m = od_xasprintf("%zu. %s %s: missing, add it", ++n, g->broken,
                               f->missing_issuer_dn ? f->missing_issuer_dn : "the issuer");
        ui_rows_add_wrapped(needed, UI_R_FAIL, -1, m, width, 3);
        free(m);
    }
    if (f->ends_at_trust_anchor && f->trust_anchor_subject)
        ui_rows_add_wrapped(needed, UI_R_DIM, -1, "(the root itself is optional: CloudFront already has it)", width,
                            1);
    ui_rows_add(needed, UI_R_NORMAL, -1, "");
    ui_rows_add_wrapped(needed, UI_R_DIM, -1,
                        "Leaf first, then the certificate that issued it, and so on up to the root.", width, 0);
}

/* --------------------------------------------------------- certificate */

void ui_pane_cert_list(const od_report *r, const ui_glyphs *g, int width, time_t now, ui_rows *out)
{
    (void)width;
    for (size_t i = 0; i < r->obs.n_certs; i++) {
        const od_cert *c = &r->obs.certs[i];
        bool exp = cert_expired(c, now);
        ui_row *row = ui_rows_addf(out, UI_R_NORMAL, (int)i, "%s %s", exp ? g->fail : " ", ui_cert_label(c));
        if (exp)
            ui_row_span(row, 0, strlen(g->fail), UI_R_FAIL);
    }
    if (r->obs.n_certs == 0)
        ui_rows_add(out, UI_R_DIM, -1, "(no certificates)");
}

static void field(ui_rows *out, int width, const char *label, const char *value)
{
    char *line = od_xasprintf("%-10s %s", label, value ? value : "-");
    ui_rows_add_wrapped(out, UI_R_NORMAL, -1, line, width, 11);
    free(line);
}

static void list_field(ui_rows *out, int width, const char *label, const od_strlist *l, const od_strlist *matched)
{
    if (l->len == 0) {
        field(out, width, label, "-");
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

void ui_pane_cert(const od_report *r, size_t ci, const ui_glyphs *g, int width, time_t now, ui_rows *out)
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
    field(out, width, "Subject", c->subject);
    field(out, width, "Issuer", c->issuer);
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
    field(out, width, "Not before", nb);
    long long days = (long long)((c->not_after - now) / 86400);
    char *left = c->not_after < now ? od_xasprintf("%s  EXPIRED %lld days ago", na, -days)
                                    : od_xasprintf("%s  (%lld days left)", na, days);
    size_t before = out->len;
    field(out, width, "Not after", left);
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
    field(out, width, "Key", key);
    free(key);
    field(out, width, "Signature", c->signature_algorithm);
    field(out, width, "Serial", c->serial);
    field(out, width, "SHA-256", c->sha256);
    field(out, width, "CA", c->is_ca ? "yes (basic constraints CA:TRUE)" : "no");
    field(out, width, "Self-sign", c->self_signed ? "yes (signed by its own key)" : "no");
    field(out, width, "SKID", c->subject_key_id);
    field(out, width, "AKID", c->authority_key_id);
    if (c->aia_issuer_urls.len)
        list_field(out, width, "AIA issuer", &c->aia_issuer_urls, NULL);
    else
        field(out, width, "AIA issuer", "-");
    od_strlist_free(&expected);
    od_strlist_free(&matched);
}

/* ------------------------------------------------------------- ciphers */

static const unsigned table_protos[] = {OD_PROTO_TLS1, OD_PROTO_TLS11, OD_PROTO_TLS12};
#define N_TABLE_PROTOS (sizeof table_protos / sizeof table_protos[0])
#define CELL 12

static const od_cipher_row *find_cipher(const od_report *r, const char *name, unsigned proto)
{
    for (size_t i = 0; i < r->obs.n_ciphers; i++)
        if (r->obs.ciphers[i].proto == proto && r->obs.ciphers[i].name && strcmp(r->obs.ciphers[i].name, name) == 0)
            return &r->obs.ciphers[i];
    return NULL;
}

void ui_pane_ciphers(const od_report *r, const ui_glyphs *g, int width, ui_rows *out)
{
    (void)g;
    unsigned allowed = r->input.origin_ssl_protocols;
    /* protocols, including TLS 1.3 for information */
    if (r->obs.n_protocols) {
        od_buf b;
        od_buf_init(&b);
        od_buf_puts(&b, "Protocols:");
        for (size_t i = 0; i < r->obs.n_protocols; i++) {
            const od_protocol_result *p = &r->obs.protocols[i];
            const char *v = p->accepted == OD_TRI_YES ? "accepted" : p->accepted == OD_TRI_NO ? "refused" : "untested";
            od_buf_printf(&b, " %s %s%s%s", od_proto_name(p->proto), v,
                          p->proto == OD_PROTO_TLS13 ? " (info: not an origin SSL protocols value)" : "",
                          i + 1 < r->obs.n_protocols ? "," : "");
        }
        ui_rows_add_wrapped(out, UI_R_NORMAL, -1, b.data, width, 2);
        od_buf_free(&b);
    }
    char *allowed_s = od_ssl_protocols_str(allowed);
    char *line = od_xasprintf("The distribution allows: %s", allowed_s);
    ui_rows_add_wrapped(out, UI_R_DIM, -1, line, width, 2);
    free(line);
    free(allowed_s);
    if (r->obs.n_ciphers == 0) {
        ui_rows_add(out, UI_R_DIM, -1, "");
        ui_rows_add(out, UI_R_DIM, -1, "No cipher table (HTTPS not used, or the run stopped before it).");
        return;
    }
    int name_w = width - (int)(CELL * N_TABLE_PROTOS) - 1;
    if (name_w < 20)
        name_w = 20;
    ui_rows_addf(out, UI_R_HEAD, -1, "%-*s %-*s%-*s%-*s", name_w, "CloudFront suite", CELL, "TLSv1", CELL, "TLSv1.1",
                 CELL, "TLSv1.2");
    size_t usable = 0;
    for (size_t i = 0; i < r->obs.n_ciphers; i++) {
        const char *name = r->obs.ciphers[i].name;
        if (!name)
            continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = r->obs.ciphers[k].name && strcmp(r->obs.ciphers[k].name, name) == 0;
        if (seen)
            continue;
        od_buf b;
        od_buf_init(&b);
        char *clean = ui_sanitize(name);
        od_buf_printf(&b, "%-*.*s ", name_w, name_w, clean);
        free(clean);
        size_t cell_at[N_TABLE_PROTOS];
        ui_role cell_role[N_TABLE_PROTOS];
        for (size_t p = 0; p < N_TABLE_PROTOS; p++) {
            const od_cipher_row *c = find_cipher(r, name, table_protos[p]);
            const char *v;
            ui_role role = UI_R_NORMAL;
            if (!c || !c->cloudfront_offers) {
                v = "-";
                role = UI_R_DIM;
            } else if (!(allowed & table_protos[p])) {
                v = "not allowed";
                role = UI_R_DIM;
            } else if (c->origin_accepts == OD_TRI_YES) {
                v = "accepted";
                role = UI_R_MATCH;   /* the usable overlap */
                usable++;
            } else if (c->origin_accepts == OD_TRI_NO) {
                v = "refused";
                role = UI_R_NORMAL;
            } else {
                v = "untested";
                role = UI_R_DIM;
            }
            cell_at[p] = b.len;
            cell_role[p] = role;
            od_buf_printf(&b, "%-*s", CELL, v);
        }
        ui_row *row = ui_rows_add(out, UI_R_NORMAL, (int)i, b.data);
        for (size_t p = 0; p < N_TABLE_PROTOS; p++)
            if (cell_role[p] != UI_R_NORMAL)
                ui_row_span(row, cell_at[p], CELL - 1, cell_role[p]);
        od_buf_free(&b);
    }
    ui_rows_add(out, UI_R_NORMAL, -1, "");
    ui_rows_addf(out, usable ? UI_R_PASS : UI_R_FAIL, -1, "Usable overlap: %zu suite/protocol pair%s (highlighted)",
                 usable, usable == 1 ? "" : "s");
    ui_rows_add_wrapped(out, UI_R_DIM, -1,
                        "accepted/refused: what the origin answered to that suite alone; untested: not tried "
                        "(see the Log pane); not allowed: the distribution's origin SSL protocols exclude it; "
                        "-: CloudFront does not offer it there.",
                        width, 0);
}

/* ---------------------------------------------------------------- HTTP */

void ui_pane_http(const od_report *r, int width, ui_rows *out)
{
    if (r->obs.n_http == 0) {
        ui_rows_add(out, UI_R_DIM, -1, "No HTTP request was made (an earlier check failed, or the run stopped).");
        return;
    }
    for (size_t i = 0; i < r->obs.n_http; i++) {
        const od_http_result *h = &r->obs.http[i];
        if (i)
            ui_rows_add(out, UI_R_NORMAL, -1, "");
        ui_rows_addf(out, UI_R_HEAD, (int)i, "%s %s://%s:%d/", h->method ? h->method : "HEAD",
                     h->scheme ? h->scheme : "?", h->address, h->port);
        if (!h->attempted) {
            ui_rows_add(out, UI_R_DIM, (int)i, "not attempted");
            continue;
        }
        field(out, width, "Host", h->host_header);
        if (h->responded) {
            size_t before = out->len;
            field(out, width, "Status", h->status_line);
            out->rows[before].role = h->status_code >= 500 ? UI_R_WARN : UI_R_PASS;
            field(out, width, "Server", h->server);
            char ms[32];
            snprintf(ms, sizeof ms, "%lld ms", (long long)h->ttfb_ms);
            field(out, width, "First byte", ms);
        } else {
            size_t before = out->len;
            field(out, width, "Response", "none");
            out->rows[before].role = UI_R_FAIL;
            field(out, width, "Error", h->error);
        }
    }
}

/* ----------------------------------------------------------------- log */

void ui_pane_log(const od_report *r, const ui_glyphs *g, int width, ui_rows *out)
{
    const od_observations *o = &r->obs;
    ui_rows_add(out, UI_R_HEAD, -1, "Steps");
    for (size_t i = 0; i < o->n_steps; i++) {
        const od_step *s = &o->steps[i];
        const char *mark = ui_step_mark(g, s->status);
        ui_row *row = ui_rows_addf(out, UI_R_NORMAL, (int)i, "%s %-8s %6lld ms  %s", mark,
                                   od_step_status_name(s->status), (long long)s->duration_ms, s->name);
        ui_row_span(row, 0, strlen(mark) + 9, ui_step_role(s->status));
        if (s->detail && *s->detail) {
            char *d = od_xasprintf("    %s", s->detail);
            ui_rows_add_wrapped(out, UI_R_DIM, (int)i, d, width, 4);
            free(d);
        }
    }
    if (o->cancelled)
        ui_rows_add(out, UI_R_WARN, -1, "The run was cancelled: steps that did not finish are untested.");

    add_heading(out, "DNS");
    ui_rows_addf(out, UI_R_NORMAL, -1, "lookup: %s (%lld ms)%s%s",
                 o->dns.status == OD_DNS_OK ? "ok" : o->dns.status == OD_DNS_NOT_RUN ? "not run"
                 : o->dns.status == OD_DNS_IS_IP ? "an IP address, not looked up" : "failed",
                 (long long)o->dns.duration_ms, o->dns.error ? ": " : "", o->dns.error ? o->dns.error : "");
    for (size_t i = 0; i < o->n_addresses; i++)
        ui_rows_addf(out, UI_R_NORMAL, -1, "  %s%s%s", o->addresses[i].address,
                     o->addresses[i].from_resolve ? " (from --resolve)" : "",
                     o->addresses[i].is_private ? " (private/loopback)" : "");
    if (o->n_tcp) {
        add_heading(out, "Ports");
        for (size_t i = 0; i < o->n_tcp; i++) {
            const od_tcp_result *t = &o->tcp[i];
            char *line = od_xasprintf("%s:%d %s (%lld ms)%s%s", t->address, t->port, od_tcp_state_name(t->state),
                                      (long long)t->duration_ms, t->error ? ": " : "", t->error ? t->error : "");
            ui_rows_add_wrapped(out, t->state == OD_TCP_OPEN ? UI_R_NORMAL : UI_R_FAIL, -1, line, width, 4);
            free(line);
        }
    }
    if (o->n_handshakes) {
        add_heading(out, "TLS handshakes");
        for (size_t i = 0; i < o->n_handshakes; i++) {
            const od_handshake *h = &o->handshakes[i];
            od_buf b;
            od_buf_init(&b);
            od_buf_printf(&b, "SNI %s @ %s:%d: %s (%lld ms)", h->sni ? h->sni : "none", h->address, h->port,
                          od_tls_outcome_name(h->outcome), (long long)h->duration_ms);
            if (h->ok)
                od_buf_printf(&b, " %s %s %s", h->version ? h->version : "", h->cipher ? h->cipher : "",
                              h->group ? h->group : "");
            if (h->alert_name)
                od_buf_printf(&b, " alert %d %s", h->alert, h->alert_name);
            if (h->error)
                od_buf_printf(&b, " error: %s", h->error);
            ui_rows_add_wrapped(out, h->ok ? UI_R_NORMAL : UI_R_FAIL, -1, b.data, width, 4);
            od_buf_free(&b);
        }
    }
    char *ts = od_xasprintf("Trust store: %s; handshakes made: %d", o->trust_store_used ? o->trust_store_used : "-",
                            o->handshake_count);
    ui_rows_add(out, UI_R_NORMAL, -1, "");
    ui_rows_add_wrapped(out, UI_R_DIM, -1, ts, width, 2);
    free(ts);
}
