/* Log: every step, DNS, ports and TLS handshakes as observed. */
#include "ui_panes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_util.h"

static void log_rows(const od_report *r, const ui_glyphs *g, int width, ui_rows *out)
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

    ui_rows_heading(out, "DNS");
    ui_rows_addf(out, UI_R_NORMAL, -1, "lookup: %s (%lld ms)%s%s",
                 o->dns.status == OD_DNS_OK ? "ok" : o->dns.status == OD_DNS_NOT_RUN ? "not run"
                 : o->dns.status == OD_DNS_IS_IP ? "an IP address, not looked up" : "failed",
                 (long long)o->dns.duration_ms, o->dns.error ? ": " : "", o->dns.error ? o->dns.error : "");
    for (size_t i = 0; i < o->n_addresses; i++) {
        /* an address of another type than the origin's IpAddressType is not probed */
        bool used = od_case_uses_family(&r->input, o->addresses[i].family);
        ui_rows_addf(out, UI_R_NORMAL, -1, "  %s%s%s%s%s%s", o->addresses[i].address,
                     o->addresses[i].from_resolve ? " (from --resolve)" : "",
                     o->addresses[i].is_private ? " (private/loopback)" : "",
                     used ? "" : " (not used by CloudFront: IpAddressType ",
                     used ? "" : od_ip_address_type_name(r->input.ip_address_type), used ? "" : ")");
    }
    if (o->n_tcp) {
        ui_rows_heading(out, "Ports");
        for (size_t i = 0; i < o->n_tcp; i++) {
            const od_tcp_result *t = &o->tcp[i];
            char *line = od_xasprintf("%s:%d %s (%lld ms)%s%s", t->address, t->port, od_tcp_state_name(t->state),
                                      (long long)t->duration_ms, t->error ? ": " : "", t->error ? t->error : "");
            ui_rows_add_wrapped(out, t->state == OD_TCP_OPEN ? UI_R_NORMAL : UI_R_FAIL, -1, line, width, 4);
            free(line);
        }
    }
    if (o->n_handshakes) {
        ui_rows_heading(out, "TLS handshakes");
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

static void log_build(const ui_pane_env *env, ui_pane_state *st, ui_pane_view *v)
{
    (void)st;
    log_rows(env->report, env->g, v->lw - 1, &v->rows[0]);
}

const ui_pane_class ui_pane_log = {
    .name = "Log",
    .build = log_build,
};
