/* Human reports: Markdown (for --report) and plain text (for --batch),
 * rendered from the same walk over a Report. Strings in a Report are
 * already escaped (control characters made visible); here only the
 * Markdown syntax that would break tables and code is escaped. */
#include "od_evidence.h"
#include "od_report.h"
#include "od_report_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANSI_RED "\033[31m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_GREEN "\033[32m"
#define ANSI_BOLD "\033[1m"
#define ANSI_RESET "\033[0m"

/* The protocols CloudFront can use to an origin: the cipher table's columns. */
static const unsigned table_protos[] = { OD_PROTO_SSLV3, OD_PROTO_TLS1, OD_PROTO_TLS11, OD_PROTO_TLS12 };
#define N_TABLE_PROTOS (sizeof table_protos / sizeof table_protos[0])

typedef struct {
    od_buf b;
    bool md;
    bool color;
    const od_report *report;
} renderer;

/* ---- small output helpers ---- */

static const char *nz(const char *s, const char *dflt)
{
    return s && *s ? s : dflt;
}

static void put(renderer *w, const char *s)
{
    od_buf_puts(&w->b, s);
}

static void heading(renderer *w, int level, const char *text)
{
    if (w->md) {
        for (int i = 0; i < level; i++)
            put(w, "#");
        od_buf_printf(&w->b, " %s\n\n", text);
        return;
    }
    if (level <= 2) {
        size_t n = strlen(text);
        if (w->color)
            put(w, ANSI_BOLD);
        od_buf_printf(&w->b, "%s\n", text);
        if (w->color)
            put(w, ANSI_RESET);
        for (size_t i = 0; i < n; i++)
            put(w, level == 1 ? "=" : "-");
        put(w, "\n\n");
    } else {
        od_buf_printf(&w->b, "%s\n", text);
    }
}

/* Severity or status word, coloured in a terminal, bold in Markdown. */
static void severity_word(renderer *w, const char *name)
{
    char up[16];
    size_t i = 0;
    for (; name[i] && i < sizeof up - 1; i++)
        up[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    up[i] = '\0';
    const char *color = NULL;
    if (strcmp(name, "fail") == 0)
        color = ANSI_RED;
    else if (strcmp(name, "warn") == 0)
        color = ANSI_YELLOW;
    else if (strcmp(name, "pass") == 0)
        color = ANSI_GREEN;
    if (w->md)
        od_buf_printf(&w->b, "**%s**", up);
    else if (w->color && color)
        od_buf_printf(&w->b, "%s%s%s", color, up, ANSI_RESET);
    else
        put(w, up);
}

static size_t longest_backtick_run(const char *s)
{
    size_t run = 0, max = 0;
    for (; *s; s++) {
        run = *s == '`' ? run + 1 : 0;
        if (run > max)
            max = run;
    }
    return max;
}

/* Inline code: Markdown code spans cannot escape a backtick, so the
 * delimiter is one backtick longer than any run inside (CommonMark). */
static void code(renderer *w, const char *s)
{
    if (!w->md) {
        put(w, s);
        return;
    }
    size_t n = longest_backtick_run(s) + 1;
    bool pad = n > 1 || s[0] == '`' || (*s && s[strlen(s) - 1] == '`');
    for (size_t i = 0; i < n; i++)
        put(w, "`");
    if (pad)
        put(w, " ");
    put(w, s);
    if (pad)
        put(w, " ");
    for (size_t i = 0; i < n; i++)
        put(w, "`");
}

static void code_block(renderer *w, const char *s)
{
    if (!w->md) {
        od_buf_printf(&w->b, "    %s\n\n", s);
        return;
    }
    size_t n = longest_backtick_run(s) + 1;
    if (n < 3)
        n = 3;
    for (size_t i = 0; i < n; i++)
        put(w, "`");
    od_buf_printf(&w->b, "sh\n%s\n", s);
    for (size_t i = 0; i < n; i++)
        put(w, "`");
    put(w, "\n\n");
}

/* ---- tables: collected, then laid out (pipes in Markdown, padded columns in text) ---- */

typedef struct {
    size_t ncols;
    od_strlist cells;   /* row-major, header first */
} table;

static void table_init(table *t, size_t ncols, const char *const *headers)
{
    t->ncols = ncols;
    od_strlist_init(&t->cells);
    for (size_t i = 0; i < ncols; i++)
        od_strlist_add(&t->cells, headers[i]);
}

static void table_cell(table *t, const char *s)
{
    od_strlist_add(&t->cells, s ? s : "");
}

static void table_cellf(table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void table_cellf(table *t, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *p = od_xmalloc((size_t)(n > 0 ? n : 0) + 1);
    vsnprintf(p, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
    va_end(ap);
    od_strlist_add_owned(&t->cells, p);
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t text_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static void md_cell(renderer *w, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            put(w, "\\|");
        else
            od_buf_append(&w->b, s, 1);
    }
}

static void table_render(renderer *w, table *t)
{
    size_t rows = t->cells.len / t->ncols;
    if (w->md) {
        for (size_t r = 0; r < rows; r++) {
            put(w, "|");
            for (size_t c = 0; c < t->ncols; c++) {
                put(w, " ");
                md_cell(w, t->cells.items[r * t->ncols + c]);
                put(w, " |");
            }
            put(w, "\n");
            if (r == 0) {
                put(w, "|");
                for (size_t c = 0; c < t->ncols; c++)
                    put(w, " --- |");
                put(w, "\n");
            }
        }
    } else {
        size_t *width = od_xcalloc(t->ncols, sizeof *width);
        for (size_t i = 0; i < t->cells.len; i++) {
            size_t tw = text_width(t->cells.items[i]);
            if (tw > width[i % t->ncols])
                width[i % t->ncols] = tw;
        }
        for (size_t r = 0; r < rows; r++) {
            for (size_t c = 0; c < t->ncols; c++) {
                const char *s = t->cells.items[r * t->ncols + c];
                put(w, s);
                if (c + 1 < t->ncols)
                    for (size_t k = text_width(s); k < width[c] + 2; k++)
                        put(w, " ");
            }
            /* no trailing blanks */
            while (w->b.len && w->b.data[w->b.len - 1] == ' ')
                w->b.data[--w->b.len] = '\0';
            put(w, "\n");
            if (r == 0) {
                for (size_t c = 0; c < t->ncols; c++) {
                    for (size_t k = 0; k < width[c]; k++)
                        put(w, "-");
                    if (c + 1 < t->ncols)
                        put(w, "  ");
                }
                put(w, "\n");
            }
        }
        free(width);
    }
    put(w, "\n");
    od_strlist_free(&t->cells);
}

/* Bullet and numbered items. */
static void bullet(renderer *w, const char *s)
{
    od_buf_printf(&w->b, "%s%s\n", w->md ? "- " : "  - ", s);
}

static void field(renderer *w, const char *label, const char *value)
{
    if (w->md)
        od_buf_printf(&w->b, "- **%s:** %s\n", label, value);
    else
        od_buf_printf(&w->b, "  %-24s %s\n", label, value);
}

static const char *yes_no(bool b)
{
    return b ? "yes" : "no";
}

/* ---- sections ---- */

/* What a viewer sees when CloudFront fails with this status. */
static const char *viewer_sees(int status)
{
    return status == 504 ? "504 Gateway Timeout, with X-Cache: Error from cloudfront"
         : status == 502 ? "502 Bad Gateway, with X-Cache: Error from cloudfront"
                         : "an error from CloudFront (502 or 504)";
}

static void render_verdict(renderer *w, const od_report *r)
{
    size_t counts[4] = { 0, 0, 0, 0 };
    for (size_t i = 0; i < r->findings.len; i++)
        if ((int)r->findings.items[i].severity >= 0 && r->findings.items[i].severity <= OD_SEV_FAIL)
            counts[r->findings.items[i].severity]++;
    /* an incomplete report never says the origin is fine */
    /* a bundle judged offline: the verdict is about the file once installed */
    const char *what = r->obs.bundle ? "this file installed" : "this origin";
    char *verdict = r->would_fail
        ? od_xasprintf("CloudFront would fail with %s: viewers get %s", what,
                       viewer_sees(od_finding_list_cloudfront_status(&r->findings)))
        : r->complete ? od_xasprintf("CloudFront would not fail with %s", what)
                      : od_xstrdup("incomplete: no failure in the checks that ran, but not every check that matters "
                                   "could run");
    if (w->md) {
        od_buf_printf(&w->b, "**Verdict: %s**\n\n", verdict);
    } else {
        put(w, "Verdict: ");
        if (w->color)
            put(w, r->would_fail ? ANSI_RED ANSI_BOLD : r->complete ? ANSI_GREEN ANSI_BOLD : ANSI_BOLD);
        put(w, verdict);
        if (w->color)
            put(w, ANSI_RESET);
        put(w, "\n\n");
    }
    free(verdict);
    if (r->summary && *r->summary)
        od_buf_printf(&w->b, "%s\n\n", r->summary);
    od_buf_printf(&w->b, "Findings: %zu fail, %zu warn, %zu info, %zu pass.%s\n\n", counts[OD_SEV_FAIL],
                  counts[OD_SEV_WARN], counts[OD_SEV_INFO], counts[OD_SEV_PASS],
                  r->obs.cancelled ? " The run was cancelled before it finished." : "");
}

static void render_finding(renderer *w, const od_finding *f)
{
    if (w->md)
        put(w, "### ");
    severity_word(w, od_severity_name(f->severity));
    put(w, " ");
    if (w->md)
        code(w, nz(f->id, "?"));
    else
        put(w, nz(f->id, "?"));
    od_buf_printf(&w->b, ": %s\n\n", nz(f->title, ""));
    if (f->names.len) {
        char *names = od_strlist_join(&f->names, ", ", "");
        od_buf_printf(&w->b, "%sNames: %s\n\n", w->md ? "" : "  ", names);
        free(names);
        char *behaviors = od_report_finding_behaviors(w->report, f);
        if (behaviors) {
            od_buf_printf(&w->b, "%sCache behaviors concerned: %s\n\n", w->md ? "" : "  ", behaviors);
            free(behaviors);
        }
    }
    if (f->detail && *f->detail)
        od_buf_printf(&w->b, "%s%s\n\n", w->md ? "" : "  ", f->detail);
    if (f->severity == OD_SEV_FAIL)
        od_buf_printf(&w->b, "%sWhat viewers see: %s.\n\n", w->md ? "" : "  ", viewer_sees(f->cloudfront_status));
    if (f->evidence && f->evidence->child) {
        od_buf_printf(&w->b, "%sEvidence:\n\n", w->md ? "" : "  ");
        /* in words, one fact a line, the values aligned after their keys
         * (a table in Markdown) */
        od_strlist keys, values;
        od_strlist_init(&keys);
        od_strlist_init(&values);
        od_evidence_words(f->evidence, &keys, &values);
        static const char *const hdr[] = {"Fact", "Observed"};
        table t;
        table_init(&t, 2, hdr);
        for (size_t i = 0; i < keys.len; i++) {
            table_cell(&t, keys.items[i]);
            table_cell(&t, values.items[i]);
        }
        table_render(w, &t);
        od_strlist_free(&keys);
        od_strlist_free(&values);
        put(w, "\n");
    }
    if (f->fix.len) {
        od_buf_printf(&w->b, "%sFix:\n\n", w->md ? "" : "  ");
        for (size_t i = 0; i < f->fix.len; i++)
            od_buf_printf(&w->b, "%s%zu. %s\n", w->md ? "" : "  ", i + 1, f->fix.items[i]);
        put(w, "\n");
    }
    if (f->reproduce && *f->reproduce) {
        od_buf_printf(&w->b, "%sReproduce:\n\n", w->md ? "" : "  ");
        code_block(w, f->reproduce);
    }
}

static void render_findings(renderer *w, const od_report *r)
{
    heading(w, 2, "Findings");
    if (r->findings.len == 0)
        put(w, "No findings.\n\n");
    for (size_t i = 0; i < r->findings.len; i++)
        render_finding(w, &r->findings.items[i]);
}

static void render_case(renderer *w, const od_report *r)
{
    const od_case *c = &r->input;
    heading(w, 2, "What was checked");
    field(w, "Origin domain", nz(c->origin_domain, "(none)"));
    field(w, "Host header forwarded", yes_no(c->forward_host_header));
    char *s = od_strlist_join(&c->cnames, ", ", "(none)");
    field(w, "Alternate domain names", s);
    free(s);
    if (c->distribution_domain)
        field(w, "Distribution domain", c->distribution_domain);
    if (c->also_origin_domain)
        field(w, "Origin domain checked too", "yes (some cache behaviors do not forward Host)");
    if (c->behaviors_forwarding_host.len) {
        s = od_strlist_join(&c->behaviors_forwarding_host, ", ", "");
        field(w, "Behaviors forwarding Host", s);
        free(s);
    }
    if (c->behaviors_origin_host.len) {
        s = od_strlist_join(&c->behaviors_origin_host, ", ", "");
        field(w, "Behaviors sending origin Host", s);
        free(s);
    }
    char num[32];
    snprintf(num, sizeof num, "%d", c->http_port);
    field(w, "HTTP port", num);
    snprintf(num, sizeof num, "%d", c->https_port);
    field(w, "HTTPS port", num);
    field(w, "Protocol policy", od_protocol_policy_name(c->protocol_policy));
    if (c->protocol_policy == OD_POLICY_MATCH_VIEWER)
        field(w, "Viewer protocol policy", od_viewer_policy_name(c->viewer_protocol_policy));
    field(w, "IP address type", od_ip_address_type_name(c->ip_address_type));
    if (c->origin_mtls)
        field(w, "Origin mutual TLS", c->client_cert ? "yes: CloudFront presents a client certificate (a copy was presented)"
                                                     : "yes: CloudFront presents a client certificate (no copy given: "
                                                       "not presented here)");
    if (c->client_cert)
        field(w, "Client certificate", c->client_cert);
    od_buf b;
    od_buf_init(&b);
    for (unsigned bit = OD_PROTO_SSLV3; bit <= OD_PROTO_TLS13; bit <<= 1)
        if (c->origin_ssl_protocols & bit)
            od_buf_printf(&b, "%s%s", b.len ? ", " : "", od_proto_name(bit));
    field(w, "Origin SSL protocols", b.len ? b.data : "(none)");
    od_buf_free(&b);
    for (size_t i = 0; i < c->n_resolve; i++) {
        char *v = od_xasprintf("%s:%d:%s", nz(c->resolve[i].host, "?"), c->resolve[i].port,
                               nz(c->resolve[i].address, "?"));
        field(w, "Resolve", v);
        free(v);
    }
    if (c->origin_path)
        field(w, "Origin path", c->origin_path);
    if (c->request_path && strcmp(c->request_path, "/") != 0)
        field(w, "Path asked", c->request_path);
    for (size_t i = 0; i < c->n_origin_headers; i++) {
        /* masked: the JSON report keeps the value, this text gets pasted */
        char *masked = od_mask_header_value(c->origin_headers[i].value);
        char *v = od_xasprintf("%s: %s", c->origin_headers[i].name, masked);
        field(w, "Origin custom header", v);
        free(v);
        free(masked);
    }
    field(w, "Trust store", nz(r->obs.trust_store_used, nz(c->trust_store, "system")));
    snprintf(num, sizeof num, "%d s", c->timeout_s);
    field(w, "Timeout", num);
    field(w, "Generated at", nz(r->generated_at, "?"));
    field(w, "Tool version", nz(r->tool_version, "?"));
    field(w, "Vantage point", "this machine (not a CloudFront edge)");
    put(w, "\n");
}

static void render_network(renderer *w, const od_report *r)
{
    const od_observations *o = &r->obs;
    heading(w, 2, "DNS and TCP");
    od_buf_printf(&w->b, "DNS: %s", od_dns_status_name(o->dns.status));
    if (o->dns.error)
        od_buf_printf(&w->b, " (%s)", o->dns.error);
    od_buf_printf(&w->b, ", %lld ms\n\n", (long long)o->dns.duration_ms);
    if (o->n_addresses) {
        table t;
        static const char *const h[] = { "Address", "Family", "Source", "Private", "Used by CloudFront" };
        table_init(&t, 5, h);
        for (size_t i = 0; i < o->n_addresses; i++) {
            table_cell(&t, o->addresses[i].address);
            table_cellf(&t, "IPv%d", o->addresses[i].family);
            table_cell(&t, o->addresses[i].from_resolve ? "--resolve" : "DNS");
            table_cell(&t, yes_no(o->addresses[i].is_private));
            /* addresses of another type than the origin's IpAddressType are not probed */
            if (od_case_uses_family(&r->input, o->addresses[i].family))
                table_cell(&t, "yes");
            else
                table_cellf(&t, "no (IpAddressType %s): not probed", od_ip_address_type_name(r->input.ip_address_type));
        }
        table_render(w, &t);
    }
    if (o->n_tcp) {
        table t;
        static const char *const h[] = { "Address", "Port", "State", "Time", "Error" };
        table_init(&t, 5, h);
        for (size_t i = 0; i < o->n_tcp; i++) {
            table_cell(&t, o->tcp[i].address);
            table_cellf(&t, "%d", o->tcp[i].port);
            table_cell(&t, od_tcp_state_name(o->tcp[i].state));
            table_cellf(&t, "%lld ms", (long long)o->tcp[i].duration_ms);
            table_cell(&t, nz(o->tcp[i].error, ""));
        }
        table_render(w, &t);
    }
}

static bool in_sizes(const size_t *v, size_t n, size_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

static void render_chain(renderer *w, const od_report *r, const od_handshake *h, bool have_now, time_t now)
{
    const od_observations *o = &r->obs;
    const od_chain_facts *f = &h->facts;
    for (size_t pos = 0; pos < h->chain_len && pos < 16; pos++) {
        size_t idx = h->chain[pos];
        const od_cert *c = idx < o->n_certs ? &o->certs[idx] : NULL;
        od_buf m;
        od_buf_init(&m);
        if (f->analysed) {
            for (size_t k = 0; k < f->path_len && k < 16; k++)
                if (f->path[k] == pos && k != pos)
                    od_buf_printf(&m, "%swrong order (position %zu in the path)", m.len ? "; " : "", k);
            if (f->root_included && f->root_position == pos)
                od_buf_printf(&m, "%sroot included", m.len ? "; " : "");
            if (in_sizes(f->extra, f->n_extra < 16 ? f->n_extra : 16, pos))
                od_buf_printf(&m, "%sextra (not on the path to the root)", m.len ? "; " : "");
            if (f->issuer_missing && f->missing_after == pos)
                od_buf_printf(&m, "%smissing intermediate after position %zu", m.len ? "; " : "", pos);
        }
        if (c && have_now) {
            if (c->not_after < now)
                od_buf_printf(&m, "%sexpired", m.len ? "; " : "");
            else if (c->not_before > now)
                od_buf_printf(&m, "%snot yet valid", m.len ? "; " : "");
        }
        /* Markdown: sub-bullets keep the lines apart; text: indented lines. */
        const char *sub = w->md ? "   - " : "       ";
        od_buf_printf(&w->b, "%s%zu. ", w->md ? "" : "  ", pos);
        if (c)
            od_buf_printf(&w->b, "[certificate %zu] %s\n%sissuer: %s\n", idx, nz(c->subject, "(empty subject)"), sub,
                          nz(c->issuer, "(empty issuer)"));
        else
            od_buf_printf(&w->b, "[certificate %zu] (missing from the report)\n", idx);
        if (m.len)
            od_buf_printf(&w->b, w->md ? "%s**%s**\n" : "%s%s\n", sub, m.data);
        od_buf_free(&m);
    }
    if (h->chain_len)
        put(w, "\n");
    if (h->chain_sent > h->chain_len)
        od_buf_printf(&w->b, "%sThe origin sent %zu certificates, more than the %d this tool analyses: the chain "
                             "was not judged (untested).\n\n",
                      w->md ? "" : "  ", h->chain_sent, OD_CHAIN_MAX);
    if (!f->analysed)
        return;
    od_buf s;
    od_buf_init(&s);
    if (f->issuer_missing)
        od_buf_printf(&s, "Missing intermediate after position %zu: the issuer \"%s\"%s%s%s is neither sent nor "
                          "trusted.",
                      f->missing_after, nz(f->missing_issuer_dn, "?"), f->missing_issuer_akid ? " (key id " : "",
                      f->missing_issuer_akid ? f->missing_issuer_akid : "", f->missing_issuer_akid ? ")" : "");
    else if (f->ends_at_trust_anchor)
        od_buf_printf(&s, "The path ends at a trusted CA: %s.", nz(f->trust_anchor_subject, "?"));
    else if (f->ends_at_untrusted_root)
        od_buf_puts(&s, "The path ends at a root the trust store does not hold.");
    if (f->leaf_self_signed)
        od_buf_printf(&s, "%sThe leaf is self-signed.", s.len ? " " : "");
    if (!f->order_ok)
        od_buf_printf(&s, "%sThe chain is not sent in order (leaf, then each issuer).", s.len ? " " : "");
    if (s.len)
        od_buf_printf(&w->b, "%s%s\n\n", w->md ? "" : "  ", s.data);
    od_buf_free(&s);
}

static void render_handshakes(renderer *w, const od_report *r)
{
    const od_observations *o = &r->obs;
    if (!o->n_handshakes)
        return;
    time_t now = 0;
    bool have_now = r->generated_at && od_parse_time(r->generated_at, &now);
    if (o->bundle) {
        /* A file judged offline: no handshake took place, only its chain. */
        heading(w, 2, "The certificate file as it would be sent");
        if (!w->md)
            put(w, "\n");
        char at[32];
        od_format_time(o->bundle->checked_at, at, sizeof at);
        field(w, "File", o->bundle->file);
        field(w, "Format", o->bundle->format);
        field(w, "Private key", o->bundle->key_source ? o->bundle->key_source : "(none given)");
        field(w, "Key matches the leaf", o->bundle->key_matches == OD_TRI_UNTESTED ? "not checked"
                                         : o->bundle->key_matches == OD_TRI_YES ? "yes" : "no");
        field(w, "Validity judged at", at);
        for (size_t i = 0; i < o->n_handshakes; i++) {
            const od_handshake *h = &o->handshakes[i];
            char *title = od_xasprintf("Chain in file order, judged for SNI %s", h->sni ? h->sni : "(none)");
            heading(w, 3, title);
            if (!w->md)
                put(w, "\n");
            free(title);
            render_chain(w, r, h, true, o->bundle->checked_at);
        }
        return;
    }
    heading(w, 2, "TLS handshakes and the chain as sent");
    table t;
    static const char *const hdr[] = { "#", "Address", "SNI", "Outcome", "Version", "Cipher", "Group", "Alert",
                                       "Time", "Error" };
    table_init(&t, 10, hdr);
    for (size_t i = 0; i < o->n_handshakes; i++) {
        const od_handshake *h = &o->handshakes[i];
        table_cellf(&t, "%zu", i);
        table_cellf(&t, "%s:%d", h->address, h->port);
        table_cell(&t, h->sni ? h->sni : "(none)");
        table_cellf(&t, "%s%s%s", od_tls_outcome_name(h->outcome),
                    h->client_cert_sent        ? " (client cert requested, ours sent)"
                    : h->client_cert_requested ? " (client cert requested)"
                                               : "",
                    h->cert_only ? " (broad offer, only to see the certificate)" : "");
        table_cell(&t, nz(h->version, ""));
        table_cell(&t, nz(h->cipher, ""));
        table_cell(&t, nz(h->group, ""));
        if (h->alert >= 0)
            table_cellf(&t, "%d %s", h->alert, nz(h->alert_name, ""));
        else
            table_cell(&t, "");
        table_cellf(&t, "%lld ms", (long long)h->duration_ms);
        table_cell(&t, nz(h->error, ""));
    }
    table_render(w, &t);
    for (size_t i = 0; i < o->n_handshakes; i++) {
        const od_handshake *h = &o->handshakes[i];
        if (!h->chain_len)
            continue;
        char *title = od_xasprintf("Chain as sent: %s:%d, SNI %s", h->address, h->port, h->sni ? h->sni : "(none)");
        heading(w, 3, title);
        if (!w->md)
            put(w, "\n");
        free(title);
        render_chain(w, r, h, have_now, now);
    }
}

static void render_certs(renderer *w, const od_report *r)
{
    const od_observations *o = &r->obs;
    if (!o->n_certs)
        return;
    heading(w, 2, "Certificates");
    for (size_t i = 0; i < o->n_certs; i++) {
        const od_cert *c = &o->certs[i];
        char *title = od_xasprintf("Certificate %zu", i);
        heading(w, 3, title);
        if (!w->md)
            put(w, "\n");
        free(title);
        char tb[32], *s;
        field(w, "Subject", nz(c->subject, "(empty)"));
        field(w, "Issuer", nz(c->issuer, "(empty)"));
        s = od_strlist_join(&c->common_names, ", ", "(none)");
        field(w, "Common names", s);
        free(s);
        s = od_strlist_join(&c->san_dns, ", ", "(none)");
        field(w, "SAN DNS names", s);
        free(s);
        s = od_strlist_join(&c->san_ip, ", ", "(none)");
        field(w, "SAN IP addresses", s);
        free(s);
        od_format_time(c->not_before, tb, sizeof tb);
        field(w, "Not before", tb);
        od_format_time(c->not_after, tb, sizeof tb);
        field(w, "Not after", tb);
        field(w, "Serial", nz(c->serial, "?"));
        field(w, "SHA-256", nz(c->sha256, "?"));
        s = od_xasprintf("%s %d bits%s%s", nz(c->key_type, "?"), c->key_bits, c->key_curve ? " " : "",
                         c->key_curve ? c->key_curve : "");
        field(w, "Key", s);
        free(s);
        field(w, "Signature algorithm", nz(c->signature_algorithm, "?"));
        field(w, "CA", yes_no(c->is_ca));
        field(w, "Self-signed", yes_no(c->self_signed));
        field(w, "Self-issued", yes_no(c->self_issued));
        s = od_strlist_join(&c->aia_issuer_urls, ", ", "(none)");
        field(w, "AIA issuer URLs", s);
        free(s);
        if (c->aia_ocsp_urls.len) {
            s = od_strlist_join(&c->aia_ocsp_urls, ", ", "(none)");
            field(w, "AIA OCSP URLs", s);
            free(s);
        }
        field(w, "Subject key id", nz(c->subject_key_id, "(none)"));
        field(w, "Authority key id", nz(c->authority_key_id, "(none)"));
        put(w, "\n");
    }
}

static const char *cipher_cell(const od_report *r, const od_cipher_row *row)
{
    if (!row || !row->cloudfront_offers)
        return "n/a";
    if (!(r->input.origin_ssl_protocols & row->proto))
        return "not allowed";
    switch (row->origin_accepts) {
    case OD_TRI_YES:
        return "accepted";
    case OD_TRI_NO:
        return "refused";
    default:
        return "untested";
    }
}

static void render_ciphers(renderer *w, const od_report *r)
{
    const od_observations *o = &r->obs;
    if (!o->n_ciphers)
        return;
    heading(w, 2, "Cipher suites (CloudFront's offer x what the origin accepts)");
    /* Rows are the suites in the order first seen. */
    od_strlist names;
    od_strlist_init(&names);
    for (size_t i = 0; i < o->n_ciphers; i++)
        if (o->ciphers[i].name && !od_strlist_contains(&names, o->ciphers[i].name))
            od_strlist_add(&names, o->ciphers[i].name);
    table t;
    static const char *const hdr[] = { "Cipher suite", "IANA", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2" };
    table_init(&t, 6, hdr);
    for (size_t n = 0; n < names.len; n++) {
        const od_cipher_row *cells[N_TABLE_PROTOS] = { NULL };
        const char *iana = "";
        for (size_t i = 0; i < o->n_ciphers; i++) {
            const od_cipher_row *c = &o->ciphers[i];
            if (!c->name || strcmp(c->name, names.items[n]) != 0)
                continue;
            if (c->iana && !*iana)
                iana = c->iana;
            for (size_t p = 0; p < N_TABLE_PROTOS; p++)
                if (c->proto == table_protos[p] && !cells[p])
                    cells[p] = c;
        }
        table_cell(&t, names.items[n]);
        table_cell(&t, iana);
        for (size_t p = 0; p < N_TABLE_PROTOS; p++)
            table_cell(&t, cipher_cell(r, cells[p]));
    }
    table_render(w, &t);
    od_strlist_free(&names);
    /* Why cells are untested, once per distinct reason. */
    od_strlist reasons;
    od_strlist_init(&reasons);
    for (size_t i = 0; i < o->n_ciphers; i++) {
        const od_cipher_row *c = &o->ciphers[i];
        if (c->origin_accepts == OD_TRI_UNTESTED && c->reason && *c->reason && c->cloudfront_offers &&
            (r->input.origin_ssl_protocols & c->proto) && !od_strlist_contains(&reasons, c->reason))
            od_strlist_add(&reasons, c->reason);
    }
    if (reasons.len) {
        od_buf_printf(&w->b, "%sUntested because:\n\n", w->md ? "" : "  ");
        for (size_t i = 0; i < reasons.len; i++)
            bullet(w, reasons.items[i]);
        put(w, "\n");
    }
    od_strlist_free(&reasons);
    od_buf_printf(&w->b, "%sn/a: CloudFront does not offer the suite at that protocol; not allowed: the protocol "
                         "is not among the distribution's origin SSL protocols.\n\n",
                  w->md ? "" : "  ");
    /* How CloudFront's own offer is made (od_probe_tls.c): said where the
     * suites are, since GnuTLS alone cannot make it. */
    od_buf_printf(&w->b, "%sThe TLS handshakes with CloudFront's offer send exactly CloudFront's suites (those valid at "
                         "the origin SSL protocols), curves and signature schemes, in CloudFront's order: GnuTLS's "
                         "priority strings cannot leave out suites such as ECDHE-RSA-DES-CBC3-SHA, so the ClientHello "
                         "GnuTLS writes is rewritten, on a first connection that ends at the origin's choice. The "
                         "handshake proper is checked to get that same suite (offering it alone when the origin would "
                         "otherwise pick one CloudFront does not offer) and lacks the SHA-224 signature schemes, which "
                         "this GnuTLS cannot verify.\n\n",
                  w->md ? "" : "  ");
}

static void render_protocols(renderer *w, const od_report *r)
{
    const od_observations *o = &r->obs;
    if (!o->n_protocols)
        return;
    heading(w, 2, "Protocol support");
    table t;
    static const char *const hdr[] = { "Protocol", "Origin accepts", "Distribution allows", "Detail" };
    table_init(&t, 4, hdr);
    for (size_t i = 0; i < o->n_protocols; i++) {
        const od_protocol_result *p = &o->protocols[i];
        table_cell(&t, od_proto_name(p->proto));
        table_cell(&t, p->accepted == OD_TRI_YES ? "yes" : p->accepted == OD_TRI_NO ? "no" : "untested");
        table_cell(&t, p->proto == OD_PROTO_TLS13 ? "n/a (information: not an origin SSL protocols value)"
                       : (r->input.origin_ssl_protocols & p->proto) ? "yes"
                                                                     : "no");
        table_cell(&t, nz(p->detail, ""));
    }
    table_render(w, &t);
}

static void render_http(renderer *w, const od_report *r)
{
    const od_observations *o = &r->obs;
    if (!o->n_http)
        return;
    heading(w, 2, "HTTP");
    table t;
    static const char *const hdr[] = { "Request", "Address", "Host", "Result", "Server", "Time to first byte" };
    table_init(&t, 6, hdr);
    for (size_t i = 0; i < o->n_http; i++) {
        const od_http_result *h = &o->http[i];
        if (h->path && strcmp(h->path, "/") != 0)
            table_cellf(&t, "%s %s %s", nz(h->method, "?"), nz(h->scheme, "?"), h->path);
        else
            table_cellf(&t, "%s %s", nz(h->method, "?"), nz(h->scheme, "?"));
        table_cellf(&t, "%s:%d", h->address, h->port);
        table_cell(&t, nz(h->host_header, ""));
        if (!h->attempted)
            table_cellf(&t, "not attempted%s%s", h->error ? ": " : "", h->error ? h->error : "");
        else if (h->responded)
            table_cell(&t, nz(h->status_line, "(no status line)"));
        else
            table_cellf(&t, "no response: %s", nz(h->error, "?"));
        table_cell(&t, nz(h->server, ""));
        if (h->responded)
            table_cellf(&t, "%lld ms", (long long)h->ttfb_ms);
        else
            table_cell(&t, "");
    }
    table_render(w, &t);
}

static void render_steps(renderer *w, const od_report *r)
{
    const od_observations *o = &r->obs;
    heading(w, 2, "Steps");
    if (o->n_steps) {
        table t;
        static const char *const hdr[] = { "Step", "Status", "Time", "Detail" };
        table_init(&t, 4, hdr);
        for (size_t i = 0; i < o->n_steps; i++) {
            table_cell(&t, nz(o->steps[i].name, "?"));
            table_cell(&t, od_step_status_name(o->steps[i].status));
            table_cellf(&t, "%lld ms", (long long)o->steps[i].duration_ms);
            table_cell(&t, nz(o->steps[i].detail, ""));
        }
        table_render(w, &t);
    }
    od_buf_printf(&w->b, "TLS handshakes performed: %d%s\n", o->handshake_count,
                  o->cancelled ? " (cancelled before the end)" : "");
}

/* Text from the network (certificate names, HTTP headers) must not become
 * markup when the Markdown is rendered: outside code spans and fenced
 * blocks, "<" (raw HTML) and "[" (links, images) are neutralised. Code is
 * shown literally by Markdown, so it is left as it is. */
static char *md_neutralise(const char *in)
{
    od_buf out;
    od_buf_init(&out);
    od_buf_append(&out, "", 0);
    size_t fence = 0;      /* backticks of the open fenced block, 0 if none */
    size_t span = 0;       /* backticks of the open code span, 0 if none */
    bool line_start = true;
    for (const char *p = in; *p;) {
        if (*p == '`') {
            size_t n = 0;
            while (p[n] == '`')
                n++;
            if (line_start && n >= 3 && !span) {
                fence = fence == 0 ? n : (n >= fence ? 0 : fence);
            } else if (!fence) {
                if (!span)
                    span = n;
                else if (n == span)
                    span = 0;
            }
            od_buf_append(&out, p, n);
            p += n;
            line_start = false;
            continue;
        }
        if (!fence && !span && *p == '<')
            od_buf_puts(&out, "&lt;");
        else if (!fence && !span && *p == '[')
            od_buf_puts(&out, "\\[");
        else
            od_buf_append(&out, p, 1);
        if (*p == '\n') {
            line_start = true;
            span = 0;   /* a code span never crosses a line in what we write */
        } else {
            line_start = false;
        }
        p++;
    }
    return od_buf_steal(&out);
}

static char *render(const od_report *r, bool md, bool color)
{
    renderer w = { .md = md, .color = color && !md, .report = r };
    od_buf_init(&w.b);
    char *title = od_xasprintf("origin-doctor report: %s", nz(r->input.origin_domain, "(no origin)"));
    heading(&w, 1, title);
    free(title);
    render_verdict(&w, r);
    render_findings(&w, r);
    render_case(&w, r);
    render_network(&w, r);
    render_handshakes(&w, r);
    render_certs(&w, r);
    render_ciphers(&w, r);
    render_protocols(&w, r);
    render_http(&w, r);
    render_steps(&w, r);
    if (md) {
        char *safe = md_neutralise(w.b.data ? w.b.data : "");
        od_buf_free(&w.b);
        return safe;
    }
    return od_buf_steal(&w.b);
}

char *od_report_markdown(const od_report *r)
{
    return render(r, true, false);
}

char *od_report_text(const od_report *r, bool color)
{
    return render(r, false, color);
}
