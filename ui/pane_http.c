/* HTTP: the request CloudFront would send, and what the origin answered. */
#include "ui_panes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_util.h"

static void http_rows(const od_report *r, int width, ui_rows *out)
{
    if (r->obs.n_http == 0) {
        ui_rows_add(out, UI_R_DIM, -1, "No HTTP request was made (an earlier check failed, or the run stopped).");
        return;
    }
    for (size_t i = 0; i < r->obs.n_http; i++) {
        const od_http_result *h = &r->obs.http[i];
        if (i)
            ui_rows_add(out, UI_R_NORMAL, -1, "");
        ui_rows_addf(out, UI_R_HEAD, (int)i, "%s %s://%s:%d%s", h->method ? h->method : "HEAD",
                     h->scheme ? h->scheme : "?", h->address, h->port, h->path ? h->path : "/");
        if (!h->attempted) {
            ui_rows_add(out, UI_R_DIM, (int)i, "not attempted");
            continue;
        }
        ui_rows_field(out, width, "Host", h->host_header);
        /* the custom headers went with every request; their values are
         * secrets (a screen gets shared), so masked as in the reports */
        for (size_t k = 0; k < r->input.n_origin_headers; k++) {
            char *masked = od_mask_header_value(r->input.origin_headers[k].value);
            char *line = od_xasprintf("%s: %s", r->input.origin_headers[k].name, masked);
            ui_rows_field(out, width, "Header", line);
            free(line);
            free(masked);
        }
        if (h->responded) {
            size_t before = out->len;
            ui_rows_field(out, width, "Status", h->status_line);
            out->rows[before].role = h->status_code >= 500 ? UI_R_WARN : UI_R_PASS;
            ui_rows_field(out, width, "Server", h->server);
            char ms[32];
            snprintf(ms, sizeof ms, "%lld ms", (long long)h->ttfb_ms);
            ui_rows_field(out, width, "First byte", ms);
        } else {
            size_t before = out->len;
            ui_rows_field(out, width, "Response", "none");
            out->rows[before].role = UI_R_FAIL;
            ui_rows_field(out, width, "Error", h->error);
        }
    }
}

static void http_build(const ui_pane_env *env, ui_pane_state *st, ui_pane_view *v)
{
    (void)st;
    http_rows(env->report, v->lw - 1, &v->rows[0]);
}

const ui_pane_class ui_pane_http = {
    .name = "HTTP",
    .build = http_build,
};
