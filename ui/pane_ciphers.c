/* Ciphers: the protocols, and which of CloudFront's suites the origin accepts. */
#include "ui_panes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_util.h"

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

static void cipher_rows(const od_report *r, const ui_glyphs *g, int width, ui_rows *out)
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

static void ciphers_build(const ui_pane_env *env, ui_pane_state *st, ui_pane_view *v)
{
    (void)st;
    cipher_rows(env->report, env->g, v->lw - 1, &v->rows[0]);
}

const ui_pane_class ui_pane_ciphers = {
    .name = "Ciphers",
    .build = ciphers_build,
};
