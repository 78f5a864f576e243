/* The engine: plans the probes for a Case, runs them (concurrently within
 * each stage, each bounded by the timeout), merges what they observed,
 * analyses the chains, and lets the rules judge. */
#include "od_engine.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_cert.h"
#include "od_chain.h"
#include "od_names.h"
#include "od_pool.h"
#include "od_probe.h"
#include "od_rules.h"

#define MAX_ADDRESSES 8
/* Connections one stage opens at once: enough for 20 handshakes to hang
 * together, bounded so that many CNAMEs cannot exhaust file descriptors. */
#define MAX_STAGE_THREADS 32

typedef struct {
    const od_case *c;
    const od_engine_opts *opts;
    od_observations *o;
    od_trust trust;
    bool have_trust;
    int timeout_ms;
    int64_t analysis_ms;    /* certificate parsing and chain analysis */
    od_report *report;
    pthread_mutex_t lock;   /* guards o->steps and event order */
} run_ctx;

static bool cancelled(const run_ctx *r)
{
    return r->opts->cancel && atomic_load(r->opts->cancel);
}

static void emit(run_ctx *r, od_event_type type, const char *step, od_step_status st, int64_t ms,
                 const char *detail)
{
    if (!r->opts->on_event)
        return;
    od_event ev = {.type = type, .step = step, .status = st, .duration_ms = ms, .detail = detail};
    r->opts->on_event(r->opts->event_ctx, &ev);
}

/* Steps are addressed by index: the array may grow while jobs run. */
static size_t step_plan(run_ctx *r, const char *name)
{
    pthread_mutex_lock(&r->lock);
    od_obs_add_step(r->o, name);
    size_t idx = r->o->n_steps - 1;
    emit(r, OD_EV_PLAN, name, OD_STEP_PENDING, 0, NULL);
    pthread_mutex_unlock(&r->lock);
    return idx;
}

static int64_t step_begin(run_ctx *r, size_t idx, const char *detail)
{
    pthread_mutex_lock(&r->lock);
    od_step *s = &r->o->steps[idx];
    s->status = OD_STEP_RUNNING;
    emit(r, OD_EV_STEP_BEGIN, s->name, OD_STEP_RUNNING, 0, detail);
    pthread_mutex_unlock(&r->lock);
    return od_now_ms();
}

/* Takes ownership of detail. */
static void step_end(run_ctx *r, size_t idx, int64_t started, od_step_status st, char *detail)
{
    pthread_mutex_lock(&r->lock);
    od_step *s = &r->o->steps[idx];
    s->status = st;
    s->duration_ms = od_now_ms() - started;
    free(s->detail);
    s->detail = detail;
    emit(r, OD_EV_STEP_END, s->name, st, s->duration_ms, detail);
    pthread_mutex_unlock(&r->lock);
}

static int stage_threads(size_t jobs)
{
    return jobs < MAX_STAGE_THREADS ? (int)jobs : MAX_STAGE_THREADS;
}

/* ---------------------------------------------------------------- DNS */

static void stage_dns(run_ctx *r)
{
    const od_case *c = r->c;
    char *name = od_xasprintf("DNS %s", c->origin_domain);
    size_t idx = step_plan(r, name);
    free(name);
    int64_t t0 = step_begin(r, idx, "resolving A and AAAA records");
    int port = od_case_uses_https(c) ? c->https_port : c->http_port;
    od_probe_dns(c->origin_domain, port, c->resolve, c->n_resolve, r->timeout_ms, r->o);

    od_buf b;
    od_buf_init(&b);
    for (size_t i = 0; i < r->o->n_addresses; i++)
        od_buf_printf(&b, "%s%s%s", i ? ", " : "", r->o->addresses[i].address,
                      r->o->addresses[i].from_resolve ? " (--resolve)" : "");
    od_step_status st;
    switch (r->o->dns.status) {
    case OD_DNS_OK:
        st = OD_STEP_PASS;
        break;
    case OD_DNS_IS_IP:
        st = OD_STEP_FAIL;
        od_buf_puts(&b, " (an IP address, not a domain name)");
        break;
    default:
        st = OD_STEP_FAIL;
        od_buf_printf(&b, "%s", r->o->dns.error ? r->o->dns.error : "lookup failed");
        break;
    }
    step_end(r, idx, t0, st, od_buf_steal(&b));
}

/* ---------------------------------------------------------------- TCP */

typedef struct {
    run_ctx *r;
    size_t *step_idx;
    od_tcp_result *results;
    const char **addresses;
    int *ports;
} tcp_jobs;

static void tcp_job(void *ctx, size_t i)
{
    tcp_jobs *j = ctx;
    if (cancelled(j->r))
        return;
    int64_t t0 = step_begin(j->r, j->step_idx[i], NULL);
    od_probe_tcp(j->addresses[i], j->ports[i], j->r->timeout_ms, &j->results[i]);
    od_tcp_result *res = &j->results[i];
    od_step_status st = res->state == OD_TCP_OPEN ? OD_STEP_PASS : OD_STEP_FAIL;
    char *detail = res->state == OD_TCP_OPEN
                       ? od_xasprintf("open (%lld ms)", (long long)res->duration_ms)
                       : od_xasprintf("%s%s%s", od_tcp_state_name(res->state), res->error ? ": " : "",
                                      res->error ? res->error : "");
    step_end(j->r, j->step_idx[i], t0, st, detail);
}

static size_t address_count(const run_ctx *r)
{
    return r->o->n_addresses < MAX_ADDRESSES ? r->o->n_addresses : MAX_ADDRESSES;
}

static void stage_tcp(run_ctx *r)
{
    const od_case *c = r->c;
    int ports[2];
    size_t n_ports = 0;
    if (od_case_uses_https(c))
        ports[n_ports++] = c->https_port;
    if (od_case_uses_http(c))
        ports[n_ports++] = c->http_port;
    size_t n_addr = address_count(r);
    size_t n = n_addr * n_ports;
    if (n == 0)
        return;
    tcp_jobs j = {.r = r};
    j.step_idx = od_xcalloc(n, sizeof *j.step_idx);
    j.results = od_xcalloc(n, sizeof *j.results);
    j.addresses = od_xcalloc(n, sizeof *j.addresses);
    j.ports = od_xcalloc(n, sizeof *j.ports);
    for (size_t a = 0, k = 0; a < n_addr; a++)
        for (size_t p = 0; p < n_ports; p++, k++) {
            j.addresses[k] = r->o->addresses[a].address;
            j.ports[k] = ports[p];
            char *name = od_xasprintf("TCP %s port %d", j.addresses[k], ports[p]);
            j.step_idx[k] = step_plan(r, name);
            free(name);
        }
    od_pool_run(n, stage_threads(n), tcp_job, &j);
    for (size_t k = 0; k < n; k++) {
        od_tcp_result *dst = od_obs_add_tcp(r->o);
        if (j.results[k].port == 0) {   /* never ran (cancelled) */
            snprintf(dst->address, sizeof dst->address, "%s", j.addresses[k]);
            dst->port = j.ports[k];
            dst->state = OD_TCP_UNTESTED;
        } else {
            *dst = j.results[k];
        }
    }
    free(j.step_idx);
    free(j.results);
    free(j.addresses);
    free(j.ports);
}

static bool port_open(const run_ctx *r, const char *address, int port)
{
    for (size_t i = 0; i < r->o->n_tcp; i++)
        if (r->o->tcp[i].port == port && strcmp(r->o->tcp[i].address, address) == 0)
            return r->o->tcp[i].state == OD_TCP_OPEN;
    return false;
}

/* ---------------------------------------------------------------- TLS */

typedef struct {
    run_ctx *r;
    size_t n;
    size_t *step_idx;
    od_tls_request *req;
    od_tls_capture *cap;
} tls_jobs;

static char *handshake_summary(const od_handshake *hs, size_t n_der)
{
    if (hs->ok)
        return od_xasprintf("%s %s %s, %zu certificate%s sent", hs->version ? hs->version : "?",
                            hs->cipher ? hs->cipher : "?", hs->group ? hs->group : "", n_der,
                            n_der == 1 ? "" : "s");
    if (hs->alert >= 0)
        return od_xasprintf("%s: alert %d %s", od_tls_outcome_name(hs->outcome), hs->alert,
                            hs->alert_name ? hs->alert_name : "");
    return od_xasprintf("%s%s%s", od_tls_outcome_name(hs->outcome), hs->error ? ": " : "",
                        hs->error ? hs->error : "");
}

static void tls_job(void *ctx, size_t i)
{
    tls_jobs *j = ctx;
    if (cancelled(j->r))
        return;
    int64_t t0 = step_begin(j->r, j->step_idx[i], "handshaking");
    od_probe_tls(&j->req[i], &j->cap[i]);
    const od_handshake *hs = &j->cap[i].hs;
    od_step_status st = hs->ok ? OD_STEP_PASS : OD_STEP_FAIL;
    step_end(j->r, j->step_idx[i], t0, st, handshake_summary(hs, j->cap[i].n_der));
}

/* Moves a capture into the observations: certificates deduplicated, the
 * chain recorded in the order sent, then analysed against the trust store. */
static void merge_capture(run_ctx *r, od_tls_capture *cap)
{
    od_handshake *hs = od_obs_add_handshake(r->o);
    *hs = cap->hs;
    memset(&cap->hs, 0, sizeof cap->hs);
    hs->chain_len = 0;
    for (size_t k = 0; k < cap->n_der && hs->chain_len < sizeof hs->chain / sizeof hs->chain[0]; k++) {
        od_cert cert;
        memset(&cert, 0, sizeof cert);
        char *err = od_cert_parse_der(cap->der[k], cap->der_len[k], &cert);
        if (err) {
            /* Keep the position: an unparsable certificate is still part of what was sent. */
            free(err);
            od_cert_free(&cert);
            memset(&cert, 0, sizeof cert);
            cert.subject = od_xstrdup("(certificate could not be parsed)");
            cert.issuer = od_xstrdup("");
            char *hex = od_hex(cap->der[k], cap->der_len[k] < 32 ? cap->der_len[k] : 32, 0);
            cert.sha256 = od_xasprintf("unparsed-%zu-%s", cap->der_len[k], hex);
            free(hex);
            cert.der = od_xmalloc(cap->der_len[k]);
            memcpy(cert.der, cap->der[k], cap->der_len[k]);
            cert.der_len = cap->der_len[k];
        }
        hs->chain[hs->chain_len++] = od_obs_add_cert(r->o, &cert);
    }
    if (hs->chain_len && r->have_trust)
        od_chain_analyse(r->o->certs, hs->chain, hs->chain_len, &r->trust, &hs->facts);
}

static void stage_tls(run_ctx *r, const od_strlist *names, const char *priority)
{
    const od_case *c = r->c;
    if (!od_case_uses_https(c))
        return;
    size_t n_addr = address_count(r);
    /* per address: one handshake per expected name (SNI), plus one without SNI */
    size_t cap_n = n_addr * (names->len + 1);
    tls_jobs j = {.r = r};
    j.step_idx = od_xcalloc(cap_n ? cap_n : 1, sizeof *j.step_idx);
    j.req = od_xcalloc(cap_n ? cap_n : 1, sizeof *j.req);
    j.cap = od_xcalloc(cap_n ? cap_n : 1, sizeof *j.cap);
    bool ip_origin = od_is_ip_literal(c->origin_domain);
    for (size_t a = 0; a < n_addr; a++) {
        const char *addr = r->o->addresses[a].address;
        if (!port_open(r, addr, c->https_port))
            continue;
        for (size_t k = 0; k <= names->len; k++) {
            /* TLS forbids an IP address as SNI, so an IP origin gets none. */
            const char *sni = k < names->len ? names->items[k] : NULL;
            if (k < names->len && ip_origin && !c->forward_host_header)
                continue;
            od_tls_request *q = &j.req[j.n];
            q->address = addr;
            q->port = c->https_port;
            q->sni = sni;
            q->timeout_ms = r->timeout_ms;
            q->priority = priority;
            q->cancel = r->opts->cancel;
            char *name = sni ? od_xasprintf("TLS %s at %s:%d", sni, addr, c->https_port)
                             : od_xasprintf("TLS without SNI at %s:%d", addr, c->https_port);
            j.step_idx[j.n] = step_plan(r, name);
            free(name);
            j.n++;
        }
    }
    od_pool_run(j.n, stage_threads(j.n), tls_job, &j);
    int64_t merge_started = od_now_ms();
    for (size_t i = 0; i < j.n; i++) {
        if (j.cap[i].hs.port == 0) {   /* cancelled before it ran */
            od_handshake *hs = od_obs_add_handshake(r->o);
            snprintf(hs->address, sizeof hs->address, "%s", j.req[i].address);
            hs->port = j.req[i].port;
            hs->sni = od_xstrdup(j.req[i].sni);
            hs->outcome = OD_TLS_UNTESTED;
            hs->alert = -1;
        } else {
            r->o->handshake_count++;
            merge_capture(r, &j.cap[i]);
        }
        od_tls_capture_free(&j.cap[i]);
    }
    r->analysis_ms = od_now_ms() - merge_started;
    free(j.step_idx);
    free(j.req);
    free(j.cap);
}

/* When CloudFront's own offer is refused (no shared protocol or cipher),
 * the certificate is still worth judging: the customer fixes both at once.
 * A broad offer per refused name shows it; these handshakes are marked
 * cert_only so that no rule takes them for CloudFront's. */
static bool refused_by_origin(const od_handshake *hs)
{
    return hs->outcome == OD_TLS_ALERT || hs->outcome == OD_TLS_CLOSED || hs->outcome == OD_TLS_VERSION_REFUSED ||
           hs->outcome == OD_TLS_ERROR;
}

static void stage_certificate_fallback(run_ctx *r)
{
    size_t n_hs = r->o->n_handshakes;
    tls_jobs j = {.r = r};
    j.step_idx = od_xcalloc(n_hs ? n_hs : 1, sizeof *j.step_idx);
    j.req = od_xcalloc(n_hs ? n_hs : 1, sizeof *j.req);
    j.cap = od_xcalloc(n_hs ? n_hs : 1, sizeof *j.cap);
    char **snis = od_xcalloc(n_hs ? n_hs : 1, sizeof *snis);
    char (*addrs)[OD_ADDR_LEN] = od_xcalloc(n_hs ? n_hs : 1, sizeof *addrs);
    for (size_t i = 0; i < n_hs; i++) {
        const od_handshake *hs = &r->o->handshakes[i];
        if (!hs->sni || hs->ok || !refused_by_origin(hs))
            continue;
        snis[j.n] = od_xstrdup(hs->sni);   /* the handshakes array grows while merging */
        snprintf(addrs[j.n], OD_ADDR_LEN, "%s", hs->address);
        od_tls_request *q = &j.req[j.n];
        q->address = addrs[j.n];
        q->port = hs->port;
        q->sni = snis[j.n];
        q->timeout_ms = r->timeout_ms;
        q->priority = NULL;   /* everything GnuTLS can offer */
        q->cancel = r->opts->cancel;
        char *name = od_xasprintf("TLS %s at %s:%d, broad offer to see the certificate", hs->sni, hs->address,
                                  hs->port);
        j.step_idx[j.n] = step_plan(r, name);
        free(name);
        j.n++;
    }
    od_pool_run(j.n, stage_threads(j.n), tls_job, &j);
    for (size_t i = 0; i < j.n; i++) {
        if (j.cap[i].hs.port != 0) {
            r->o->handshake_count++;
            if (j.cap[i].hs.ok) {
                j.cap[i].hs.cert_only = true;
                merge_capture(r, &j.cap[i]);
            }
        }
        od_tls_capture_free(&j.cap[i]);
        free(snis[i]);
    }
    free(snis);
    free(addrs);
    free(j.step_idx);
    free(j.req);
    free(j.cap);
}

/* ---------------------------------------------------------------- ciphers */

static const od_handshake *first_ok_handshake(const run_ctx *r, bool with_sni)
{
    for (size_t i = 0; i < r->o->n_handshakes; i++) {
        const od_handshake *hs = &r->o->handshakes[i];
        if ((hs->sni != NULL) == with_sni && hs->outcome != OD_TLS_UNTESTED && hs->outcome != OD_TLS_CONNECT_FAILED &&
            hs->outcome != OD_TLS_TIMEOUT && hs->outcome != OD_TLS_NOT_TLS)
            return hs;
    }
    return NULL;
}

static void stage_ciphers(run_ctx *r, const od_strlist *names)
{
    const od_case *c = r->c;
    if (!od_case_uses_https(c) || cancelled(r))
        return;
    /* Only an origin that speaks TLS at all gets the table: a port that is
     * closed, silent or plain HTTP would make every cell "untested". */
    const od_handshake *hs = first_ok_handshake(r, true);
    if (!hs)
        hs = first_ok_handshake(r, false);
    if (!hs)
        return;
    char addr[OD_ADDR_LEN];
    snprintf(addr, sizeof addr, "%s", hs->address);
    const char *sni = NULL;
    if (hs->sni)
        sni = names->len ? names->items[0] : NULL;
    char *name = od_xasprintf("Protocols and cipher suites at %s:%d", addr, c->https_port);
    size_t idx = step_plan(r, name);
    free(name);
    int64_t t0 = step_begin(r, idx, "one handshake per CloudFront suite and protocol");
    int used = od_probe_cipher_table(addr, c->https_port, sni, r->opts->policy, r->timeout_ms, c->concurrency,
                                     r->opts->cancel, r->o);
    r->o->handshake_count += used;
    size_t yes = 0, tested = 0;
    for (size_t i = 0; i < r->o->n_ciphers; i++) {
        if (r->o->ciphers[i].origin_accepts != OD_TRI_UNTESTED)
            tested++;
        if (r->o->ciphers[i].origin_accepts == OD_TRI_YES)
            yes++;
    }
    od_step_status st = tested == 0 ? OD_STEP_UNTESTED : (yes ? OD_STEP_PASS : OD_STEP_FAIL);
    step_end(r, idx, t0, st,
             od_xasprintf("%zu of %zu tested combinations accepted, %d handshakes", yes, tested, used));
}

/* ---------------------------------------------------------------- HTTP */

typedef struct {
    run_ctx *r;
    size_t n;
    size_t *step_idx;
    od_http_request *req;
    od_http_result *res;
    int *retried;               /* 1 when HEAD went unanswered and GET was asked too */
} http_jobs;

static void http_job(void *ctx, size_t i)
{
    http_jobs *j = ctx;
    if (cancelled(j->r))
        return;
    int64_t t0 = step_begin(j->r, j->step_idx[i], "waiting for the response");
    od_probe_http(&j->req[i], &j->res[i]);
    od_http_result *res = &j->res[i];
    /* Some servers do not answer HEAD (or refuse it with 405/501) but
     * answer GET, which is what viewers mostly send: ask again before
     * blaming the origin. */
    bool head_unanswered = j->req[i].method && strcmp(j->req[i].method, "HEAD") == 0 && res->request_sent &&
                           (!res->responded || res->status_code == 405 || res->status_code == 501);
    char *head_note = NULL;
    if (head_unanswered && !cancelled(j->r)) {
        od_http_request get = j->req[i];
        get.method = "GET";
        od_http_result with_get;
        od_probe_http(&get, &with_get);
        j->retried[i] = 1;
        if (with_get.responded) {
            head_note = od_xasprintf("HEAD / %s; GET / ", res->responded ? res->status_line : "was not answered");
            od_http_result_free(res);
            *res = with_get;
        } else {
            od_http_result_free(&with_get);
        }
    }
    od_step_status st = !res->responded ? OD_STEP_FAIL : (res->status_code >= 400 ? OD_STEP_WARN : OD_STEP_PASS);
    char *detail = res->responded ? od_xasprintf("%s%s (%lld ms to first byte)", head_note ? head_note : "",
                                                 res->status_line ? res->status_line : "", (long long)res->ttfb_ms)
                                  : od_xstrdup(res->error ? res->error : "no response");
    free(head_note);
    step_end(j->r, j->step_idx[i], t0, st, detail);
}

static const char *first_address_open(const run_ctx *r, int port)
{
    for (size_t a = 0; a < address_count(r); a++)
        if (port_open(r, r->o->addresses[a].address, port))
            return r->o->addresses[a].address;
    return NULL;
}

static bool tls_ok_for(const run_ctx *r, const char *address, const char *sni)
{
    for (size_t i = 0; i < r->o->n_handshakes; i++) {
        const od_handshake *hs = &r->o->handshakes[i];
        if (hs->ok && !hs->cert_only && strcmp(hs->address, address) == 0 &&
            ((sni == NULL && hs->sni == NULL) || (sni && hs->sni && strcmp(sni, hs->sni) == 0)))
            return true;
    }
    return false;
}

static void stage_http(run_ctx *r, const od_strlist *names, const char *priority)
{
    const od_case *c = r->c;
    if (cancelled(r))
        return;
    size_t max = (names->len ? names->len : 1) * 2;
    http_jobs j = {.r = r};
    j.step_idx = od_xcalloc(max, sizeof *j.step_idx);
    j.req = od_xcalloc(max, sizeof *j.req);
    j.res = od_xcalloc(max, sizeof *j.res);
    j.retried = od_xcalloc(max, sizeof *j.retried);
    bool ip_origin = od_is_ip_literal(c->origin_domain);
    for (int scheme = 0; scheme < 2; scheme++) {
        bool tls = scheme == 0;
        if (tls ? !od_case_uses_https(c) : !od_case_uses_http(c))
            continue;
        int port = tls ? c->https_port : c->http_port;
        const char *addr = first_address_open(r, port);
        if (!addr)
            continue;
        for (size_t k = 0; k < names->len; k++) {
            const char *host = names->items[k];
            const char *sni = (ip_origin && !c->forward_host_header) ? NULL : host;
            /* HTTP over TLS only where the handshake CloudFront would make works. */
            if (tls && !tls_ok_for(r, addr, sni))
                continue;
            od_http_request *q = &j.req[j.n];
            q->address = addr;
            q->port = port;
            q->tls = tls;
            q->sni = sni;
            q->host_header = host;
            q->method = c->http_get ? "GET" : "HEAD";
            q->priority = priority;
            q->timeout_ms = r->timeout_ms;
            q->response_timeout_ms = c->response_timeout_s * 1000;
            q->cancel = r->opts->cancel;
            char *name = od_xasprintf("HTTP %s %s://%s/ at %s:%d", q->method, tls ? "https" : "http", host, addr, port);
            j.step_idx[j.n] = step_plan(r, name);
            free(name);
            j.n++;
        }
    }
    od_pool_run(j.n, stage_threads(j.n), http_job, &j);
    for (size_t i = 0; i < j.n; i++) {
        od_http_result *dst = od_obs_add_http(r->o);
        if (j.res[i].attempted) {
            *dst = j.res[i];
            if (j.req[i].tls)
                r->o->handshake_count += 1 + j.retried[i];
        } else {
            dst->scheme = od_xstrdup(j.req[i].tls ? "https" : "http");
            snprintf(dst->address, sizeof dst->address, "%s", j.req[i].address);
            dst->port = j.req[i].port;
            dst->host_header = od_xstrdup(j.req[i].host_header);
            dst->method = od_xstrdup(j.req[i].method);
            dst->error = od_xstrdup("not run (cancelled)");
        }
    }
    free(j.step_idx);
    free(j.req);
    free(j.res);
    free(j.retried);
}

/* ---------------------------------------------------------------- judgement steps */

/* The chain and name checks are judged by the rules, not probed: their
 * steps show the verdict of the findings about them. */
static const char *const chain_ids[] = {"CHAIN_INCOMPLETE", "CHAIN_WRONG_ORDER", "CERT_SELF_SIGNED",
                                        "CERT_UNTRUSTED_ROOT", "CERT_EXPIRED", "CERT_NOT_YET_VALID",
                                        "CERT_EXPIRES_SOON", "CERT_WEAK_KEY_OR_SIGNATURE"};
static const char *const name_ids[] = {"CERT_NAME_MISMATCH"};

static od_step_status judged_status(const od_finding_list *l, const char *const *ids, size_t n_ids,
                                    char **detail)
{
    od_step_status st = OD_STEP_PASS;
    od_strlist seen;
    od_strlist_init(&seen);
    for (size_t i = 0; i < l->len; i++)
        for (size_t k = 0; k < n_ids; k++) {
            const od_finding *f = &l->items[i];
            if (strcmp(f->id, ids[k]) != 0 || f->severity < OD_SEV_WARN)
                continue;
            if (f->severity == OD_SEV_FAIL)
                st = OD_STEP_FAIL;
            else if (st == OD_STEP_PASS)
                st = OD_STEP_WARN;
            if (!od_strlist_contains(&seen, f->id))
                od_strlist_add(&seen, f->id);
        }
    od_buf b;
    od_buf_init(&b);
    for (size_t i = 0; i < seen.len; i++)
        od_buf_printf(&b, "%s%s", i ? ", " : "", seen.items[i]);
    *detail = seen.len ? od_buf_steal(&b) : NULL;
    od_buf_free(&b);
    od_strlist_free(&seen);
    return st;
}

static size_t chains_analysed(const od_observations *o)
{
    size_t n = 0;
    for (size_t i = 0; i < o->n_handshakes; i++)
        n += o->handshakes[i].facts.analysed;
    return n;
}

static void end_judged_step(run_ctx *r, size_t idx, int64_t started, bool ran, const char *const *ids, size_t n_ids,
                            const char *ok_text)
{
    if (!ran) {
        step_end(r, idx, started, OD_STEP_UNTESTED, od_xstrdup("no certificate was received"));
        return;
    }
    char *detail = NULL;
    od_step_status st = judged_status(&r->report->findings, ids, n_ids, &detail);
    step_end(r, idx, started, st, detail ? detail : od_xstrdup(ok_text));
}

/* ---------------------------------------------------------------- run */

/* DNS, SNI and the Host header carry ASCII names: an international name
 * is probed (and reported) in its A-label form, as CloudFront sends it. */
static void to_a_label(char **name)
{
    if (!*name || od_is_ip_literal(*name))
        return;
    char *a = od_name_normalize(*name);
    if (a) {
        free(*name);
        *name = a;
    }
}

static void canonical_names(od_case *c)
{
    to_a_label(&c->origin_domain);
    for (size_t i = 0; i < c->cnames.len; i++)
        to_a_label(&c->cnames.items[i]);
    for (size_t i = 0; i < c->n_resolve; i++)
        to_a_label(&c->resolve[i].host);
}

void od_engine_judge(const od_engine_opts *opts, od_report *r, time_t now)
{
    od_finding_list_free(&r->findings);
    od_finding_list_init(&r->findings);
    free(r->summary);
    r->summary = NULL;
    od_rules_evaluate(&r->input, &r->obs, opts->policy, opts->fixes, now, &r->findings, &r->would_fail,
                      &r->summary);
}

int od_engine_run(const od_case *c, const od_engine_opts *opts, od_report *out)
{
    od_report_init(out);
    od_case_copy(&out->input, c);
    canonical_names(&out->input);
    out->tool_version = od_xstrdup(OD_VERSION);
    char ts[32];
    time_t now = time(NULL);
    od_format_time(now, ts, sizeof ts);
    out->generated_at = od_xstrdup(ts);

    run_ctx r = {.c = &out->input, .opts = opts, .o = &out->obs, .timeout_ms = c->timeout_s * 1000, .report = out};
    pthread_mutex_init(&r.lock, NULL);
    char *err = od_trust_load(c->trust_store, &r.trust);
    if (err) {
        out->summary = err;
        pthread_mutex_destroy(&r.lock);
        return -1;
    }
    r.have_trust = true;
    out->obs.trust_store_used = od_xstrdup(r.trust.source);

    od_strlist names;
    od_case_expected_names(&out->input, &names);
    char *priority = od_policy_priority(opts->policy, c->origin_ssl_protocols);

    stage_dns(&r);
    if (out->obs.n_addresses > 0 && !cancelled(&r))
        stage_tcp(&r);
    if (!cancelled(&r))
        stage_tls(&r, &names, priority);
    if (!cancelled(&r))
        stage_certificate_fallback(&r);
    size_t chain_step = 0, names_step = 0;
    bool judge_steps = od_case_uses_https(c) && !cancelled(&r) && out->obs.n_handshakes > 0;
    if (judge_steps) {
        chain_step = step_plan(&r, "Certificate chain analysis");
        names_step = step_plan(&r, "Name checks");
        step_begin(&r, chain_step, "building each path from the chain as sent");
        step_begin(&r, names_step, NULL);
    }
    if (!cancelled(&r))
        stage_ciphers(&r, &names);
    if (!cancelled(&r))
        stage_http(&r, &names, priority);

    out->obs.cancelled = cancelled(&r);
    for (size_t i = 0; i < out->obs.n_steps; i++)
        if (out->obs.steps[i].status == OD_STEP_PENDING || out->obs.steps[i].status == OD_STEP_RUNNING)
            out->obs.steps[i].status = OD_STEP_UNTESTED;

    od_engine_judge(opts, out, now);
    if (judge_steps) {
        bool analysed = chains_analysed(&out->obs) > 0;
        char *ok = od_xasprintf("%zu chain%s analysed: complete, in order, trusted, valid", chains_analysed(&out->obs),
                                chains_analysed(&out->obs) == 1 ? "" : "s");
        /* The judgement itself takes microseconds; the time shown is the
         * certificate parsing and path building done with the handshakes. */
        int64_t now_ms = od_now_ms();
        end_judged_step(&r, chain_step, now_ms - r.analysis_ms, analysed, chain_ids,
                        sizeof chain_ids / sizeof chain_ids[0], ok);
        free(ok);
        end_judged_step(&r, names_step, now_ms, analysed, name_ids, 1, "every expected name is covered");
    }
    emit(&r, OD_EV_DONE, NULL, out->would_fail ? OD_STEP_FAIL : OD_STEP_PASS, 0, out->summary);

    free(priority);
    od_strlist_free(&names);
    od_trust_free(&r.trust);
    pthread_mutex_destroy(&r.lock);
    return 0;
}
