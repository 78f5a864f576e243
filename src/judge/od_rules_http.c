/* HTTP rules: what the origin answers to the request CloudFront would
 * send, over the connection CloudFront would use. */
#include "od_rules_internal.h"
#include "od_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool tls_ok_at(const rule_ctx *x, const char *addr, int port)
{
    for (size_t i = 0; i < x->o->n_handshakes; i++)
        if (x->o->handshakes[i].ok && x->o->handshakes[i].port == port &&
            strcmp(x->o->handshakes[i].address, addr) == 0)
            return true;
    return false;
}

/* The certificate served at addr:port for SNI host does not cover host
 * (CERT_NAME_MISMATCH speaks for that). */
static bool name_not_covered_at(const rule_ctx *x, const char *addr, int port, const char *host)
{
    for (size_t i = 0; i < x->o->n_handshakes; i++) {
        const od_handshake *hs = &x->o->handshakes[i];
        if (!hs->ok || hs->port != port || strcmp(hs->address, addr) != 0 || !hs->sni || od_strcasecmp(hs->sni, host) != 0)
            continue;
        const od_cert *leaf = rl_hs_cert(x, hs, 0);
        return leaf && !od_cert_covers(leaf, host, NULL);
    }
    return false;
}

static bool tcp_open_at(const rule_ctx *x, const char *addr, int port)
{
    for (size_t i = 0; i < x->o->n_tcp; i++)
        if (x->o->tcp[i].state == OD_TCP_OPEN && x->o->tcp[i].port == port && strcmp(x->o->tcp[i].address, addr) == 0)
            return true;
    return false;
}

/* curl asking what CloudFront asks: its method and User-Agent, TLS 1.2 at
 * most, each custom header with its value left to a shell variable
 * (ORIGIN_HEADER_1, ...) since a reproduce command lands in human reports
 * and the value is a secret; bounded by the connect and response timeouts
 * (an origin that never answers must not hang the command); the trust
 * store the diagnosis used. */
static char *curl_command(const rule_ctx *x, const od_http_result *h, const char *host, bool https)
{
    const char *a = h->address;
    int connect_s = x->c->timeout_s > 0 ? x->c->timeout_s : 10;
    int response_s = x->c->response_timeout_s > 0 ? x->c->response_timeout_s : 30;
    od_buf b;
    od_buf_init(&b);
    char *args = od_case_curl_request_args(x->c);   /* the User-Agent and custom headers */
    od_buf_printf(&b, "curl -v%s -m %d %s", h->method && strcmp(h->method, "GET") == 0 ? "" : " -I",
                  connect_s + response_s, args);
    free(args);
    if (https) {
        od_buf_puts(&b, " --tls-max 1.2");
        /* curl would stop at the name, which CERT_NAME_MISMATCH already
         * shows: -k lets this command show the HTTP answer */
        if (name_not_covered_at(x, a, h->port, host))
            od_buf_puts(&b, " -k");
        rl_curl_cacert(&b, x);
    }
    rl_curl_resolve(&b, host, h->port, a);
    od_buf_puts(&b, " ");
    char *url = od_xasprintf("%s://%s:%d%s", https ? "https" : "http", host, h->port, h->path ? h->path : "/");
    char *q = od_shell_word(url);   /* quoted only when the shell would read a character of the path */
    od_buf_puts(&b, q);
    free(q);
    free(url);
    return od_buf_steal(&b);
}

/* One finding about one HTTP exchange, merged per scheme, Host and port. */

static void add_http_finding(rule_ctx *x, const od_http_result *h, const char *id, od_severity sev)
{
    bool https = !h->scheme || strcmp(h->scheme, "https") == 0;
    const char *host = h->host_header ? h->host_header : x->c->origin_domain ? x->c->origin_domain : "";
    char key[300];
    snprintf(key, sizeof key, "%s|%s|%d", https ? "https" : "http", host, h->port);
    od_finding *f = rl_finding_new(x, id, sev, key, h->address);
    if (!f)
        return;
    if (rl_is_expected(x, host))
        od_strlist_add(&f->names, host);
    rl_ev_str(f, "scheme", https ? "https" : "http");
    rl_ev_int(f, "port", h->port);
    rl_ev_str(f, "host_header", host);
    rl_ev_str(f, "method", h->method);
    rl_ev_str(f, "path", h->path ? h->path : "/");
    if (x->c->n_origin_headers) {
        /* the names only: the values are secrets */
        cJSON *names = cJSON_AddArrayToObject(f->evidence, "origin_headers");
        for (size_t i = 0; names && i < x->c->n_origin_headers; i++)
            cJSON_AddItemToArray(names, cJSON_CreateString(x->c->origin_headers[i].name));
    }
    if (h->responded) {
        rl_ev_int(f, "status_code", h->status_code);
        rl_ev_str(f, "status_line", h->status_line);
        rl_ev_int(f, "ttfb_ms", (double)h->ttfb_ms);
    } else {
        rl_ev_str(f, "error", h->error);
        if (h->malformed && h->status_line)
            rl_ev_str(f, "status_line", h->status_line);
    }
    rl_ev_str(f, "server", h->server);
    const char *method = h->method ? h->method : "HEAD";
    const char *scheme = https ? "https" : "http";
    const char *path = h->path ? h->path : "/";
    if (h->malformed)
        f->detail = od_xasprintf("%s %s://%s:%d%s at %s: %s. CloudFront cannot parse this answer and gives "
                                 "viewers 502.",
                                 method, scheme, host, h->port, path, h->address,
                                 h->error ? h->error : "malformed answer");
    else if (!h->responded)
        f->detail = od_xasprintf("%s %s://%s:%d%s at %s: no response (%s).", method, scheme, host, h->port, path,
                                 h->address, h->error ? h->error : "timeout");
    else
        f->detail = od_xasprintf("%s %s://%s:%d%s at %s answered \"%s\".%s%s", method, scheme, host, h->port, path,
                                 h->address, h->status_line ? h->status_line : "",
                                 h->status_code == 502 || h->status_code == 504
                                     ? " The origin itself answers this; CloudFront passes it on, so it may be "
                                       "the error viewers see."
                                 : h->status_code >= 400 ? " CloudFront passes this answer on to viewers."
                                                         : "",
                                 h->status_code == 401 || h->status_code == 403
                                     ? (x->c->n_origin_headers
                                            ? " The request carried the origin's custom headers as CloudFront "
                                              "sends them: check their values against what the origin (or its "
                                              "WAF) expects."
                                            : " If the origin (or a WAF in front of it) expects a custom header "
                                              "from CloudFront, give it with --origin-header 'Name: value' "
                                              "(the distribution's CustomHeaders).")
                                     : "");
    f->reproduce = curl_command(x, h, host, https);
    char port[16];
    snprintf(port, sizeof port, "%d", h->port);
    rl_varset vs = {0};
    rl_var(&vs, "name", host);
    rl_var(&vs, "sni", host);
    rl_var(&vs, "port", port);
    rl_var(&vs, "address", h->address);
    rl_finish(x, f, x->server, &vs);
}

static void rule_http(rule_ctx *x)
{
    for (size_t i = 0; i < x->o->n_http; i++) {
        const od_http_result *h = &x->o->http[i];
        if (!h->attempted)
            continue;
        bool https = !h->scheme || strcmp(h->scheme, "https") == 0;
        const char *host = h->host_header ? h->host_header : x->c->origin_domain ? x->c->origin_domain : "";
        const char *id;
        od_severity sev;
        if (h->malformed) {
            /* bytes CloudFront cannot parse: it answers 502 */
            if (https && !tls_ok_at(x, h->address, h->port))
                continue;
            id = OD_ID(HTTP_MALFORMED_RESPONSE);
            sev = OD_SEV_FAIL;
        } else if (!h->responded) {
            /* Without a working connection the TCP/TLS findings already say why. */
            if (https ? !tls_ok_at(x, h->address, h->port) : !tcp_open_at(x, h->address, h->port))
                continue;
            /* The HTTP probe's own connection failing, or a cancelled run,
             * is not the origin staying silent: untested, not a cause. */
            if ((!h->request_sent && h->local_failure) || x->o->cancelled) {
                rl_note_incomplete(x, od_xasprintf("HTTP %s://%s:%d/ at %s: %s", https ? "https" : "http", host, h->port,
                                              h->address, h->error ? h->error : "not completed"));
                continue;
            }
            id = OD_ID(HTTP_NO_RESPONSE);
            sev = OD_SEV_FAIL;
        } else if (h->status_code >= 500) {
            id = OD_ID(HTTP_SERVER_ERROR);
            sev = OD_SEV_WARN;
        } else if (h->status_code >= 400) {
            /* CloudFront passes a 4xx on to viewers: not a 502, but not fine */
            id = OD_ID(HTTP_CLIENT_ERROR);
            sev = OD_SEV_WARN;
        } else {
            continue;   /* an answer CloudFront passes on: see pass_http */
        }
        add_http_finding(x, h, id, sev);
    }
}

/* HTTP_OK: per scheme, Host and port, an answer CloudFront passes on as it
 * is (below 400); any HTTP problem raised denies this pass. */
static void pass_http(rule_ctx *x)
{
    for (size_t i = 0; i < x->o->n_http; i++) {
        const od_http_result *h = &x->o->http[i];
        if (h->attempted && h->responded && h->status_code < 400)
            add_http_finding(x, h, OD_ID(HTTP_OK), OD_SEV_PASS);
    }
}

static const rl_rule rules[] = {
    {"http", rule_http},
};

static const rl_pass passes[] = {
    {OD_F_HTTP_OK, pass_http},
};

const rl_family rl_family_http = {OD_FAMILY_HTTP, rules, RL_LEN(rules), passes, RL_LEN(passes)};
