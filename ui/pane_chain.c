/* Chain: the certificates as sent, beside the order CloudFront needs. */
#include "ui_keys.h"
#include "ui_panes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_util.h"

static bool same_dn(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static void chain_rows(const od_report *r, size_t hsi, const ui_glyphs *g, int width, time_t now, ui_rows *sent,
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
        if (ui_cert_expired(c, now))
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
    char *hint = od_xasprintf("%s: write this order to a file (missing intermediates from the trust store)",
                              ui_key_name(UI_CTX_RESULTS, UI_A_WRITE_CHAIN));
    ui_rows_add_wrapped(needed, UI_R_DIM, -1, hint, width, 0);
    free(hint);
}

#define MAX_CHAIN_HANDSHAKES 64

static int chain_width(int cols)
{
    return cols / 2;
}

static void chain_build(const ui_pane_env *env, ui_pane_state *st, ui_pane_view *v)
{
    size_t hs[MAX_CHAIN_HANDSHAKES];
    size_t n = ui_chain_handshakes(env->report, hs, MAX_CHAIN_HANDSHAKES);
    if (st->item >= n)
        st->item = 0;
    chain_rows(env->report, n ? hs[st->item] : (size_t)-1, env->g, v->lw - 1, env->now, &v->rows[0], &v->rows[1]);
    if (n > 1)
        ui_rows_addf(&v->rows[0], UI_R_DIM, -1, "(handshake %zu of %zu: ] and [ switch)", st->item + 1, n);
}

static void chain_step(const ui_pane_env *env, ui_pane_state *st, int dir)
{
    size_t hs[MAX_CHAIN_HANDSHAKES];
    size_t n = ui_chain_handshakes(env->report, hs, MAX_CHAIN_HANDSHAKES);
    if (n == 0)
        return;
    st->item = (st->item + (dir > 0 ? 1 : n - 1)) % n;
    ui_list_init(&st->lists[0]);
    ui_list_init(&st->lists[1]);
}

/* Enter on a certificate of the chain opens its fields. */
static const ui_pane_class *chain_open(const ui_pane_view *v, const ui_pane_state *st, size_t *item)
{
    size_t sel = st->lists[0].sel;
    if (sel >= v->rows[0].len || v->rows[0].rows[sel].item < 0)
        return NULL;
    *item = (size_t)v->rows[0].rows[sel].item;
    return &ui_pane_cert;
}

const ui_pane_class ui_pane_chain = {
    .name = "Chain",
    .list_width = chain_width,
    .build = chain_build,
    .item_step = chain_step,
    .open = chain_open,
};
