/* The engine: plans the probes for a Case (od_plan), runs each as soon as
 * what it needs is known (each bounded by the timeout), merges what they
 * observed, analyses the chains, and lets the rules judge. */
#include "od_engine.h"
#include "od_reconcile.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "od_cert.h"
#include "od_chain.h"
#include "od_client_cert.h"
#include "od_names.h"
#include "od_plan.h"
#include "od_probe.h"
#include "od_rules.h"

#define MAX_ADDRESSES 8

typedef struct {
    const od_case *c;
    const od_engine_opts *opts;
    od_observations *o;
    od_trust trust;
    bool have_trust;
    od_client_cert *client_cert;   /* presented when the origin asks (origin mTLS), or NULL */
    od_tls_shared *tls_shared;     /* GnuTLS objects every handshake of the run shares, or NULL */
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
static size_t step_plan(run_ctx *r, const char *name, const char *id)
{
    pthread_mutex_lock(&r->lock);
    od_obs_add_step(r->o, name)->id = od_xstrdup(id);
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

/* ---------------------------------------------------------------- DNS */

static void stage_dns(run_ctx *r)
{
    const od_case *c = r->c;
    char *name = od_xasprintf("DNS %s", c->origin_domain);
    size_t idx = step_plan(r, name, "dns");
    free(name);
    int64_t t0 = step_begin(r, idx, "resolving A and AAAA records");
    int port = od_case_uses_https(c) ? c->https_port : c->http_port;
    od_probe_dns(c->origin_domain, port, c->resolve, c->n_resolve, r->timeout_ms, r->o);

    od_buf b;
    od_buf_init(&b);
    size_t used = 0;
    for (size_t i = 0; i < r->o->n_addresses; i++) {
        bool uses = od_case_uses_family(c, r->o->addresses[i].family);
        used += uses;
        od_buf_printf(&b, "%s%s%s%s", i ? ", " : "", r->o->addresses[i].address,
                      r->o->addresses[i].from_resolve ? " (--resolve)" : "",
                      uses ? "" : " (not used: IpAddressType)");
    }
    od_step_status st;
    switch (r->o->dns.status) {
    case OD_DNS_OK:
        st = used ? OD_STEP_PASS : OD_STEP_FAIL;
        if (!used)
            od_buf_printf(&b, ": no address CloudFront uses with IpAddressType %s",
                          od_ip_address_type_name(c->ip_address_type));
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

/* ---------------------------------------------------------------- probes' results */

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

/* Moves a capture into the observations: certificates deduplicated, the
 * chain recorded in the order sent, then analysed against the trust store. */
/* A certificate already observed, byte for byte: many names usually get
 * the same chain, and parsing it again would only find the same one. */
static size_t known_cert(const od_observations *o, const unsigned char *der, size_t len)
{
    for (size_t i = 0; i < o->n_certs; i++)
        if (o->certs[i].der && o->certs[i].der_len == len && memcmp(o->certs[i].der, der, len) == 0)
            return i;
    return SIZE_MAX;
}

static void merge_capture(run_ctx *r, od_tls_capture *cap)
{
    od_handshake *hs = od_obs_add_handshake(r->o);
    *hs = cap->hs;
    memset(&cap->hs, 0, sizeof cap->hs);
    hs->chain_len = 0;
    for (size_t k = 0; k < cap->n_der && hs->chain_len < sizeof hs->chain / sizeof hs->chain[0]; k++) {
        size_t same = known_cert(r->o, cap->der[k], cap->der_len[k]);
        if (same != SIZE_MAX) {
            hs->chain[hs->chain_len++] = same;
            continue;
        }
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
    hs->chain_sent = cap->n_der;
    /* More than OD_CHAIN_MAX sent: not analysed (the rules say so), never
     * judged incomplete on a truncated list. */
    if (!hs->chain_len || hs->chain_len != cap->n_der || !r->have_trust)
        return;
    /* Names usually get the same chain: the facts of an identical list
     * (same certificates, same order) are the same facts. */
    for (size_t i = 0; i + 1 < r->o->n_handshakes; i++) {
        const od_handshake *prev = &r->o->handshakes[i];
        if (prev->facts.analysed && prev->chain_len == hs->chain_len &&
            memcmp(prev->chain, hs->chain, hs->chain_len * sizeof hs->chain[0]) == 0) {
            od_chain_facts_copy(&hs->facts, &prev->facts);
            return;
        }
    }
    od_chain_analyse_sent(r->o->certs, hs->chain, hs->chain_len, &r->trust, &hs->facts);
}

/* ---------------------------------------------------------------- the schedule */

/* Each probe of the Plan runs as soon as what it needs is known, on up to
 * `bound` threads (one connection each). Workers take the most urgent
 * ready probe, run it without the lock, then record what it saw and wake
 * the probes that were waiting for it. The TCP result of address:port is
 * the first connection any probe makes there. */

typedef enum { RUN_WAITING, RUN_READY, RUN_RUNNING, RUN_DONE, RUN_DROPPED } run_state;

typedef struct {
    run_state state;
    bool ran;                 /* the probe was called */
    bool superseded;          /* re-targeted: its results do not count */
    atomic_bool stop;         /* its own cancel: the run's, or "no longer needed" */
    int64_t started, ended;
    od_tls_capture cap;       /* HANDSHAKE, BROAD, PROTOCOL, SUITE */
    od_http_result http;      /* HTTP */
    od_tcp_result tcp;        /* CONNECT: the first connection's result */
    od_tcp_result bare;       /* CONNECT: its own connection, when no other probe made one */
    bool resolved;            /* CONNECT: tcp is known */
    bool handshake_ok;        /* the handshake got through (kept when cap moves to the report) */
    bool retried;             /* starved once: runs again when nothing else is in flight there */
    bool offer_beside;        /* runs CloudFront's exact ClientHello on a second connection */
    size_t step;              /* index in o->steps, or SIZE_MAX while not shown */
    size_t beside;            /* HTTP HEAD: the GET asked beside it, or OD_PLAN_NONE */
    od_tcp_state connected;   /* how its own connection went (UNTESTED: not yet) */
    od_tls_outcome tls;       /* HTTP over TLS: how its handshake went (UNTESTED: not yet) */
} probe_run;

typedef struct {
    struct sched *s;
    size_t probe;
} connect_note;

typedef struct sched {
    run_ctx *r;
    od_plan plan;
    const od_address *addresses;
    size_t n_addresses;
    probe_run **runs;         /* parallel to plan.probes; pointers stay put while the plan grows */
    connect_note **notes;
    pthread_cond_t wake;      /* workers: a probe is ready */
    pthread_cond_t watch;     /* the watching thread: something ended */
    size_t running;
    size_t connections;       /* in flight: one per running probe, two with the offer beside */
    size_t bound;             /* the most connections in flight at once (connection_bound) */
    size_t idle;              /* workers waiting for a ready probe */
    bool finished;
    bool table_decided, table_void;
    size_t table_step;
    int64_t table_started;
    bool http_decided[2];     /* [0] https, [1] http */
    bool judge_steps;
    size_t chain_step, names_step;
    size_t *step_rank;        /* per step: where it sorts in the report */
    size_t n_step_rank;
    /* CloudFront's exact ClientHello, for the handshakes made with its
     * offer (the TLS probes of each name and HTTPS); none: priority only. */
    od_hello_offer offer;
    bool have_offer;
    struct parsed_leaf {      /* leaf certificates seen, parsed once (leaf_covers) */
        unsigned char *der;
        size_t der_len;
        od_cert cert;
        bool parsed;
    } *leaves;
    size_t n_leaves;
} sched;

#define NO_STEP SIZE_MAX

static bool run_terminal(const probe_run *p)
{
    return p->state == RUN_DONE || p->state == RUN_DROPPED;
}

static const od_plan_probe *probe_of(const sched *s, size_t i)
{
    return &s->plan.probes[i];
}

/* Where a step sorts: the order today's reports list them in. */
static size_t rank_of(const od_plan_probe *q, size_t i)
{
    size_t kind;
    switch (q->kind) {
    case OD_PLAN_CONNECT:
        kind = 1;
        break;
    case OD_PLAN_HANDSHAKE:
        kind = 2;
        break;
    case OD_PLAN_BROAD:
        kind = 3;
        break;
    case OD_PLAN_HTTP:
        kind = q->tls ? 5 : 6;
        break;
    default:
        kind = 4;
        break;
    }
    return kind * 1000000 + i;
}

/* step_* take the engine lock: the schedule calls these variants with it held. */
static void step_begin_locked(run_ctx *r, size_t idx, const char *detail)
{
    od_step *st = &r->o->steps[idx];
    st->status = OD_STEP_RUNNING;
    emit(r, OD_EV_STEP_BEGIN, st->name, OD_STEP_RUNNING, 0, detail);
}

static void step_end_locked(run_ctx *r, size_t idx, int64_t duration_ms, od_step_status status, char *detail)
{
    od_step *st = &r->o->steps[idx];
    st->status = status;
    st->duration_ms = duration_ms;
    free(st->detail);
    st->detail = detail;
    emit(r, OD_EV_STEP_END, st->name, status, duration_ms, detail);
}

static size_t step_plan_locked(sched *s, const char *name, const char *id, size_t rank)
{
    run_ctx *r = s->r;
    od_obs_add_step(r->o, name)->id = od_xstrdup(id);
    size_t idx = r->o->n_steps - 1;
    emit(r, OD_EV_PLAN, name, OD_STEP_PENDING, 0, NULL);
    if (idx >= s->n_step_rank) {
        s->step_rank = od_xrealloc(s->step_rank, (idx + 1) * sizeof *s->step_rank);
        for (size_t k = s->n_step_rank; k <= idx; k++)
            s->step_rank[k] = 0;
        s->n_step_rank = idx + 1;
    }
    s->step_rank[idx] = rank;
    return idx;
}

static const char *begin_text(const od_plan_probe *q)
{
    switch (q->kind) {
    case OD_PLAN_HANDSHAKE:
    case OD_PLAN_BROAD:
        return "handshaking";
    case OD_PLAN_HTTP:
        return "waiting for the response";
    default:
        return NULL;
    }
}

static bool head_usable(const od_http_result *h)
{
    return h->responded && h->status_code != 405 && h->status_code != 501;
}

/* CloudFront's HEAD went out and got no usable answer: GET decides. */
static bool head_unanswered(const od_http_result *h)
{
    return h->request_sent && !head_usable(h);
}

static size_t get_beside(const sched *s, size_t head)
{
    return s->runs[head]->beside;
}

/* The HTTP step can end: HEAD answered, or its GET has ended too. */
static bool http_settled(const sched *s, size_t head)
{
    const probe_run *h = s->runs[head];
    if (h->state != RUN_DONE)
        return h->state == RUN_DROPPED;
    size_t g = get_beside(s, head);
    if (g == OD_PLAN_NONE || !head_unanswered(&h->http))
        return true;
    return run_terminal(s->runs[g]);
}

/* Whether the first certificate sent covers name (an unparsable one does
 * not: the rules say why). Each distinct leaf is parsed once: with many
 * names it is usually the same certificate. */
static bool leaf_covers(sched *s, const od_tls_capture *cap, const char *name)
{
    const unsigned char *der = cap->der[0];
    size_t len = cap->der_len[0];
    size_t k = 0;
    while (k < s->n_leaves && !(s->leaves[k].der_len == len && memcmp(s->leaves[k].der, der, len) == 0))
        k++;
    if (k == s->n_leaves) {
        s->leaves = od_xrealloc(s->leaves, (k + 1) * sizeof *s->leaves);
        memset(&s->leaves[k], 0, sizeof s->leaves[k]);
        char *err = od_cert_parse_der(der, len, &s->leaves[k].cert);
        s->leaves[k].parsed = !err;
        free(err);
        s->leaves[k].der = od_xmalloc(len);
        memcpy(s->leaves[k].der, der, len);
        s->leaves[k].der_len = len;
        s->n_leaves++;
    }
    return s->leaves[k].parsed && od_cert_covers(&s->leaves[k].cert, name, NULL);
}

static void end_probe_step(sched *s, size_t i)
{
    const od_plan_probe *q = probe_of(s, i);
    probe_run *p = s->runs[i];
    if (p->step == NO_STEP || !run_terminal(p))
        return;
    od_step *st = &s->r->o->steps[p->step];
    if (st->status != OD_STEP_PENDING && st->status != OD_STEP_RUNNING)
        return;   /* ended already */
    if (p->state == RUN_DROPPED && !p->ran)
        return;   /* never ran: left for the end (untested) */
    int64_t ms = p->ended - p->started;
    if (q->kind == OD_PLAN_HANDSHAKE || q->kind == OD_PLAN_BROAD) {
        const od_handshake *hs = &p->cap.hs;
        char *detail = handshake_summary(hs, p->cap.n_der);
        od_step_status status = hs->ok ? OD_STEP_PASS : OD_STEP_FAIL;
        /* a handshake that completes with a certificate CloudFront refuses
         * for this name is not a pass, not even while the run goes on */
        if (hs->ok && q->sni && p->cap.n_der > 0 && !leaf_covers(s, &p->cap, q->sni)) {
            char *d = od_xasprintf("%s, but the certificate does not cover %s", detail, q->sni);
            free(detail);
            detail = d;
            status = OD_STEP_FAIL;
        }
        step_end_locked(s->r, p->step, ms, status, detail);
    } else if (q->kind == OD_PLAN_HTTP) {
        if (!http_settled(s, i))
            return;
        const od_http_result *res = &p->http;
        char *head_note = NULL;
        size_t g = get_beside(s, i);
        if (g != OD_PLAN_NONE && head_unanswered(res) && s->runs[g]->ran && s->runs[g]->http.responded) {
            head_note = od_xasprintf("HEAD / %s; GET / ", res->responded ? res->status_line : "was not answered");
            res = &s->runs[g]->http;
            if (s->runs[g]->ended - p->started > ms)
                ms = s->runs[g]->ended - p->started;
        }
        od_step_status st2 = !res->responded ? OD_STEP_FAIL : (res->status_code >= 400 ? OD_STEP_WARN : OD_STEP_PASS);
        char *detail = res->responded ? od_xasprintf("%s%s (%lld ms to first byte)", head_note ? head_note : "",
                                                     res->status_line ? res->status_line : "",
                                                     (long long)res->ttfb_ms)
                                      : od_xstrdup(res->error ? res->error : "no response");
        free(head_note);
        step_end_locked(s->r, p->step, ms, st2, detail);
    }
}

/* Shows a probe's step once it is known to be one of the run's steps. */
static void show_step(sched *s, size_t i)
{
    const od_plan_probe *q = probe_of(s, i);
    probe_run *p = s->runs[i];
    if (p->step != NO_STEP || !q->step || p->superseded)
        return;
    p->step = step_plan_locked(s, q->step, q->step_id, rank_of(q, i));
    if (p->state == RUN_RUNNING || p->state == RUN_DONE)
        step_begin_locked(s->r, p->step, begin_text(q));
    end_probe_step(s, i);
}

static const probe_run *connect_run(const sched *s, size_t i)
{
    size_t c = probe_of(s, i)->connect;
    return c == OD_PLAN_NONE ? NULL : s->runs[c];
}

/* Is the port of probe i known open (1), known not open (0), unknown (-1)? */
static int port_state(const sched *s, size_t i)
{
    const probe_run *c = connect_run(s, i);
    if (!c || !c->resolved)
        return -1;
    return c->tcp.state == OD_TCP_OPEN;
}

/* The handshake CloudFront would make with this name got through. */
static bool tls_ok(const sched *s, size_t handshake)
{
    return handshake != OD_PLAN_NONE && s->runs[handshake]->state == RUN_DONE && s->runs[handshake]->handshake_ok;
}

static bool refused_by_origin(const od_handshake *hs)
{
    return hs->outcome == OD_TLS_ALERT || hs->outcome == OD_TLS_CLOSED || hs->outcome == OD_TLS_VERSION_REFUSED ||
           hs->outcome == OD_TLS_ERROR;
}

/* Gate of a probe whose `after` has ended: does it hold? */
static bool gate_holds(const sched *s, size_t i)
{
    const od_plan_probe *q = probe_of(s, i);
    if (q->after == OD_PLAN_NONE)
        return true;
    const probe_run *a = s->runs[q->after];
    switch (q->gate) {
    case OD_GATE_REFUSED:
        return a->state == RUN_DONE && !a->cap.hs.ok && refused_by_origin(&a->cap.hs);
    case OD_GATE_ACCEPTED: {
        if (a->state != RUN_DONE)
            return false;
        od_table_cell cell = {0};
        od_table_cell_of(&a->cap.hs, &cell);
        bool yes = cell.result == OD_TRI_YES;
        od_table_cell_free(&cell);
        return yes;
    }
    case OD_GATE_TLS_OK:
        return tls_ok(s, q->after);
    case OD_GATE_HEAD_UNANSWERED:
        return a->state == RUN_DONE && head_unanswered(&a->http);
    case OD_GATE_GET_NEEDED: {
        /* The first name's GET answered and its HEAD ended without a usable
         * answer, or is late (stop_late_heads). A HEAD merely still in
         * flight proves nothing: its answer often comes with the GET's, and
         * every other name's GET would be asked for nothing. */
        const probe_run *head0 = s->runs[probe_of(s, q->after)->head];
        bool head_failed = head0->state == RUN_DONE ? !head_usable(&head0->http)
                                                    : head0->state == RUN_RUNNING && atomic_load(&head0->stop);
        return a->state == RUN_DONE && a->http.responded && head_failed;
    }
    default:
        return true;
    }
}

static void drop(sched *s, size_t i)
{
    probe_run *p = s->runs[i];
    if (p->state == RUN_WAITING || p->state == RUN_READY)
        p->state = RUN_DROPPED;
    else if (p->state == RUN_RUNNING)
        atomic_store(&p->stop, true);   /* its answer is no longer needed */
}

static void add_runs(sched *s, size_t first);

static bool speaks_tls(const od_handshake *hs)
{
    return hs->outcome != OD_TLS_UNTESTED && hs->outcome != OD_TLS_CONNECT_FAILED && hs->outcome != OD_TLS_TIMEOUT &&
           hs->outcome != OD_TLS_NOT_TLS;
}

static bool is_table_probe(const od_plan_probe *q)
{
    return q->kind == OD_PLAN_PROTOCOL || q->kind == OD_PLAN_SUITE;
}

/* Once every handshake has ended: the table belongs at the first address
 * that speaks TLS (with SNI if any named handshake did). */
static void decide_table(sched *s)
{
    if (s->table_decided || s->plan.table_address == OD_PLAN_NONE)
        return;
    for (size_t i = 0; i < s->plan.n; i++)
        if (probe_of(s, i)->kind == OD_PLAN_HANDSHAKE && !run_terminal(s->runs[i]))
            return;
    s->table_decided = true;
    size_t chosen = OD_PLAN_NONE;
    for (int with_sni = 1; with_sni >= 0 && chosen == OD_PLAN_NONE; with_sni--)
        for (size_t i = 0; i < s->plan.n && chosen == OD_PLAN_NONE; i++) {
            const od_plan_probe *q = probe_of(s, i);
            const probe_run *p = s->runs[i];
            if (q->kind == OD_PLAN_HANDSHAKE && (q->sni != NULL) == (with_sni == 1) && p->state == RUN_DONE &&
                port_state(s, i) == 1 && speaks_tls(&p->cap.hs))
                chosen = i;
        }
    const od_plan_probe *h = chosen == OD_PLAN_NONE ? NULL : probe_of(s, chosen);
    if (s->r->opts->cancel && atomic_load(s->r->opts->cancel))
        h = NULL;
    const char *want_sni = NULL;
    od_strlist names;
    od_case_expected_names(s->r->c, &names);
    if (h && h->sni)
        want_sni = names.len ? names.items[0] : NULL;
    bool same = h && h->address == s->plan.table_address &&
                ((!want_sni && !s->plan.table_sni) ||
                 (want_sni && s->plan.table_sni && strcmp(want_sni, s->plan.table_sni) == 0));
    if (!same) {
        size_t old_n = s->plan.n;
        for (size_t i = 0; i < old_n; i++)
            if (is_table_probe(probe_of(s, i))) {
                s->runs[i]->superseded = true;
                drop(s, i);
            }
        if (h) {
            size_t first = od_plan_add_table(&s->plan, s->r->c, s->r->opts->policy, s->addresses, h->address,
                                             want_sni);
            add_runs(s, first);
        } else {
            s->table_void = true;
        }
    }
    od_strlist_free(&names);
    if (!s->table_void) {
        s->table_step = step_plan_locked(s, s->plan.table_step, s->plan.table_step_id, 4000000 + 2);
        s->table_started = od_now_ms();
        for (size_t i = 0; i < s->plan.n; i++)
            if (is_table_probe(probe_of(s, i)) && !s->runs[i]->superseded && s->runs[i]->ran &&
                s->runs[i]->started < s->table_started)
                s->table_started = s->runs[i]->started;
        step_begin_locked(s->r, s->table_step, "one handshake per CloudFront suite and protocol");
    }
}

/* Once the ports' results are known: HTTP goes to the first address whose
 * port is open, as CloudFront would connect. */
static void decide_http(sched *s, bool tls)
{
    const od_case *c = s->r->c;
    if (s->http_decided[tls ? 0 : 1] || (tls ? !od_case_uses_https(c) : !od_case_uses_http(c)) || !s->n_addresses)
        return;
    int port = tls ? c->https_port : c->http_port;
    size_t chosen = OD_PLAN_NONE;
    for (size_t a = 0; a < s->n_addresses; a++) {
        size_t k = od_plan_find_connect(&s->plan, a, port);
        if (k == OD_PLAN_NONE || !s->runs[k]->resolved)
            return;   /* not known yet */
        if (s->runs[k]->tcp.state == OD_TCP_OPEN) {
            chosen = a;
            break;
        }
    }
    s->http_decided[tls ? 0 : 1] = true;
    if (chosen == OD_PLAN_NONE || chosen == 0)
        return;   /* none open (the first address's requests are dropped with its port), or the plan's guess */
    size_t old_n = s->plan.n;
    for (size_t i = 0; i < old_n; i++) {
        const od_plan_probe *q = probe_of(s, i);
        if (q->kind == OD_PLAN_HTTP && q->tls == tls) {
            s->runs[i]->superseded = true;
            drop(s, i);
        }
    }
    add_runs(s, od_plan_add_http(&s->plan, c, s->r->opts->policy, s->addresses, chosen, tls));
}

static bool all_of_kind_terminal(const sched *s, od_plan_kind kind)
{
    for (size_t i = 0; i < s->plan.n; i++)
        if (probe_of(s, i)->kind == kind && !run_terminal(s->runs[i]))
            return false;
    return true;
}

/* An origin that serves one connection at a time (or a few) leaves the
 * others without an answer while one request hangs. A probe that learnt
 * nothing that way, at an origin that did answer other probes, runs once
 * more, alone: what a one-at-a-time run would have seen. */
static bool starved(const sched *s, size_t i)
{
    const od_plan_probe *q = probe_of(s, i);
    const probe_run *p = s->runs[i];
    switch (q->kind) {
    case OD_PLAN_HANDSHAKE:
    case OD_PLAN_BROAD:
    case OD_PLAN_PROTOCOL:
    case OD_PLAN_SUITE:
        return p->cap.hs.outcome == OD_TLS_TIMEOUT ||
               (p->cap.hs.outcome == OD_TLS_CONNECT_FAILED && p->connected == OD_TCP_TIMEOUT);
    case OD_PLAN_HTTP:
        return p->http.attempted && !p->http.request_sent &&
               (p->connected == OD_TCP_TIMEOUT || p->tls == OD_TLS_TIMEOUT);
    default:
        return false;
    }
}

static bool same_port(const sched *s, size_t a, size_t b)
{
    return probe_of(s, a)->address == probe_of(s, b)->address && probe_of(s, a)->port == probe_of(s, b)->port;
}

static bool origin_answered(const sched *s, size_t i)
{
    for (size_t k = 0; k < s->plan.n; k++) {
        const probe_run *p = s->runs[k];
        if (k == i || p->state != RUN_DONE || !same_port(s, i, k))
            continue;
        od_plan_kind kind = probe_of(s, k)->kind;
        if (kind == OD_PLAN_HTTP ? p->http.responded : kind != OD_PLAN_CONNECT && speaks_tls(&p->cap.hs))
            return true;
    }
    return false;
}

/* Starts the next starved probe of address:port once nothing else is in flight there. */
static void start_retries(sched *s)
{
    for (size_t i = 0; i < s->plan.n; i++) {
        probe_run *p = s->runs[i];
        if (!p->retried || p->state != RUN_WAITING)
            continue;
        bool busy = false;
        for (size_t k = 0; k < s->plan.n && !busy; k++)
            busy = k != i && same_port(s, i, k) &&
                   (s->runs[k]->state == RUN_RUNNING || (s->runs[k]->retried && s->runs[k]->state == RUN_READY));
        if (!busy)
            p->state = RUN_READY;
    }
}

/* Re-evaluates what may start, what is no longer needed and which steps
 * are now known. Called with the lock held after anything ended. */
static void update(sched *s)
{
    run_ctx *r = s->r;
    bool stop_all = cancelled(r);
    for (bool again = true; again;) {
        again = false;
        for (size_t i = 0; i < s->plan.n; i++) {
            const od_plan_probe *q = probe_of(s, i);
            probe_run *p = s->runs[i];
            if (p->state == RUN_RUNNING && stop_all)
                atomic_store(&p->stop, true);
            if (p->state != RUN_WAITING && p->state != RUN_READY)
                continue;
            if (p->retried && !stop_all && !p->superseded)
                continue;   /* start_retries decides */
            run_state before = p->state;
            int open = port_state(s, i);
            if (stop_all || p->superseded) {
                p->state = RUN_DROPPED;
            } else if (q->kind == OD_PLAN_CONNECT) {
                if (p->resolved) {
                    p->state = RUN_DROPPED;   /* another probe's connection answered */
                } else if (!q->alone) {
                    bool others_done = true;
                    for (size_t k = 0; k < s->plan.n && others_done; k++)
                        if (k != i && probe_of(s, k)->connect == i && !run_terminal(s->runs[k]))
                            others_done = false;
                    if (others_done)
                        p->state = RUN_READY;   /* nobody connected there after all */
                }
            } else if (open == 0) {
                p->state = RUN_DROPPED;
            } else if (q->kind == OD_PLAN_HANDSHAKE && q->via != OD_PLAN_NONE) {
                if (run_terminal(s->runs[q->via]))
                    p->state = RUN_DROPPED;   /* its request ended without handing a handshake over */
            } else if (q->kind == OD_PLAN_HTTP && q->head != OD_PLAN_NONE) {
                const probe_run *h = s->runs[q->head];
                if (h->state == RUN_DROPPED || (h->state == RUN_DONE && !head_unanswered(&h->http)))
                    p->state = RUN_DROPPED;
                else if (h->state == RUN_DONE || !q->waits)
                    p->state = RUN_READY;
                else if (run_terminal(s->runs[q->after]))
                    p->state = gate_holds(s, i) ? RUN_READY : RUN_WAITING;
            } else if (q->waits && q->after != OD_PLAN_NONE) {
                const probe_run *a = s->runs[q->after];
                if (run_terminal(a))
                    p->state = gate_holds(s, i) ? RUN_READY : RUN_DROPPED;
            } else {
                p->state = RUN_READY;
            }
            if (p->state != before)
                again = true;
        }
    }
    /* Speculative probes whose gate has already failed need not go on. */
    for (size_t i = 0; i < s->plan.n; i++) {
        const od_plan_probe *q = probe_of(s, i);
        probe_run *p = s->runs[i];
        if (q->kind == OD_PLAN_HTTP && q->after != OD_PLAN_NONE && q->gate == OD_GATE_TLS_OK &&
            run_terminal(s->runs[q->after]) && !tls_ok(s, q->after)) {
            drop(s, i);
            size_t g = get_beside(s, i);
            if (g != OD_PLAN_NONE)
                drop(s, g);
        }
        if (q->kind == OD_PLAN_HTTP && q->head != OD_PLAN_NONE) {
            const probe_run *h = s->runs[q->head];
            if (h->state == RUN_DONE && !head_unanswered(&h->http))
                drop(s, i);
        }
        (void)p;
    }
    start_retries(s);
    decide_http(s, true);
    decide_http(s, false);
    decide_table(s);
    /* Steps known now. */
    for (size_t i = 0; i < s->plan.n; i++) {
        const od_plan_probe *q = probe_of(s, i);
        probe_run *p = s->runs[i];
        if (p->superseded || p->step != NO_STEP || !q->step || q->kind == OD_PLAN_CONNECT)
            continue;
        bool known = false;
        if (q->kind == OD_PLAN_HANDSHAKE)
            known = port_state(s, i) == 1;
        else if (q->kind == OD_PLAN_BROAD)
            known = p->state != RUN_WAITING && p->state != RUN_DROPPED;
        else if (q->kind == OD_PLAN_HTTP)
            known = port_state(s, i) == 1 && (!q->tls || tls_ok(s, q->after));
        if (known)
            show_step(s, i);
    }
    if (!s->judge_steps && od_case_uses_https(r->c) && !stop_all && all_of_kind_terminal(s, OD_PLAN_HANDSHAKE) &&
        all_of_kind_terminal(s, OD_PLAN_BROAD)) {
        bool any = false;
        for (size_t i = 0; i < s->plan.n && !any; i++)
            any = probe_of(s, i)->kind == OD_PLAN_HANDSHAKE && port_state(s, i) == 1;
        if (any) {
            s->judge_steps = true;
            s->chain_step = step_plan_locked(s, "Certificate chain analysis", "chain", 4000000);
            s->names_step = step_plan_locked(s, "Name checks", "names", 4000001);
            step_begin_locked(r, s->chain_step, "building each path from the chain as sent");
            step_begin_locked(r, s->names_step, NULL);
        }
    }
    bool all = s->running == 0;
    size_t ready = 0;
    for (size_t i = 0; i < s->plan.n; i++) {
        all = all && run_terminal(s->runs[i]);
        ready += s->runs[i]->state == RUN_READY;
    }
    if (all) {
        s->finished = true;
        pthread_cond_broadcast(&s->wake);
    } else {
        /* Wake only as many workers as there is work: hundreds of threads
         * woken for nothing would cost more than the probes. */
        for (size_t k = 0; k < ready && k < s->idle; k++)
            pthread_cond_signal(&s->wake);
    }
    pthread_cond_signal(&s->watch);
}

/* The first connection to address:port is its TCP result. */
static bool resolve_connect(sched *s, size_t c, od_tcp_state state, const char *error, int64_t ms)
{
    probe_run *p = s->runs[c];
    if (p->resolved)
        return false;
    const od_plan_probe *q = probe_of(s, c);
    p->resolved = true;
    snprintf(p->tcp.address, sizeof p->tcp.address, "%s", s->addresses[q->address].address);
    p->tcp.port = q->port;
    p->tcp.state = state;
    p->tcp.error = error ? od_xstrdup(error) : NULL;
    p->tcp.duration_ms = ms;
    char *detail = state == OD_TCP_OPEN ? od_xasprintf("open (%lld ms)", (long long)ms)
                                        : od_xasprintf("%s%s%s", od_tcp_state_name(state), error ? ": " : "",
                                                       error ? error : "");
    step_end_locked(s->r, p->step, ms, state == OD_TCP_OPEN ? OD_STEP_PASS : OD_STEP_FAIL, detail);
    return true;
}

static void on_connect(void *ctx, od_tcp_state state, const char *error, int64_t duration_ms)
{
    connect_note *n = ctx;
    sched *s = n->s;
    pthread_mutex_lock(&s->r->lock);
    s->runs[n->probe]->connected = state;
    size_t c = probe_of(s, n->probe)->connect;
    /* Only the first connection to a port tells the schedule something. */
    if (c != OD_PLAN_NONE && resolve_connect(s, c, state, error, duration_ms))
        update(s);
    pthread_mutex_unlock(&s->r->lock);
}

/* An HTTP request's handshake is the TLS probe of its name: recorded as
 * that probe's result as soon as it is known, before the request goes. */
static void on_handshake(void *ctx, od_tls_capture *capture)
{
    connect_note *n = ctx;
    sched *s = n->s;
    pthread_mutex_lock(&s->r->lock);
    s->runs[n->probe]->tls = capture->hs.outcome;
    size_t h = probe_of(s, n->probe)->provides;
    probe_run *p = h == OD_PLAN_NONE ? NULL : s->runs[h];
    if (!p || p->superseded || p->state == RUN_DROPPED) {
        od_tls_capture_free(capture);
    } else {
        od_tls_capture_free(&p->cap);
        p->cap = *capture;
        memset(capture, 0, sizeof *capture);
        p->ran = true;
        p->started = s->runs[n->probe]->started;
        p->ended = od_now_ms();
        p->state = RUN_DONE;
        p->handshake_ok = p->cap.hs.ok;
        if (p->step != NO_STEP && s->r->o->steps[p->step].status == OD_STEP_PENDING)
            step_begin_locked(s->r, p->step, begin_text(probe_of(s, h)));
        end_probe_step(s, h);
        update(s);
    }
    pthread_mutex_unlock(&s->r->lock);
}

static int urgency(const od_plan_probe *q)
{
    switch (q->kind) {
    case OD_PLAN_CONNECT:
        return 0;
    case OD_PLAN_HANDSHAKE:
        return 1;
    case OD_PLAN_HTTP:
        if (q->provides != OD_PLAN_NONE)
            return 1;   /* a handshake too */
        return q->head == OD_PLAN_NONE ? 2 : 4;   /* the request is the longest path */
    case OD_PLAN_BROAD:
        return 2;
    case OD_PLAN_PROTOCOL:
        return 3;
    default:
        return 5;
    }
}

static size_t next_ready(const sched *s)
{
    size_t best = OD_PLAN_NONE;
    for (size_t i = 0; i < s->plan.n; i++)
        if (s->runs[i]->state == RUN_READY &&
            (best == OD_PLAN_NONE || urgency(probe_of(s, i)) < urgency(probe_of(s, best))))
            best = i;
    return best;
}

/* Made with CloudFront's exact offer: the TLS probe of a name, HTTPS. */
static bool uses_offer(const sched *s, const od_plan_probe *q)
{
    return s->have_offer && (q->kind == OD_PLAN_HANDSHAKE || (q->kind == OD_PLAN_HTTP && q->tls));
}

/* Runs probe i without the lock: everything it reads was copied first. */
static void execute(sched *s, size_t i, const od_plan_probe *q, const char *address)
{
    probe_run *p = s->runs[i];
    int timeout_ms = s->r->timeout_ms;
    if (q->kind == OD_PLAN_CONNECT) {
        od_probe_tcp(address, q->port, timeout_ms, &p->bare);
        return;
    }
    if (q->kind == OD_PLAN_HTTP) {
        od_http_request req = {
            .address = address,
            .port = q->port,
            .tls = q->tls,
            .sni = q->sni,
            .host_header = q->host,
            .method = q->method,
            .path = q->path,
            .headers = s->r->c->origin_headers,
            .n_headers = s->r->c->n_origin_headers,
            .priority = q->priority,
            .offer = uses_offer(s, q) ? &s->offer : NULL,
            .offer_beside = p->offer_beside,
            .timeout_ms = timeout_ms,
            .response_timeout_ms = s->r->c->response_timeout_s * 1000,
            .cancel = &p->stop,
            .on_connect = on_connect,
            .connect_ctx = s->notes[i],
            .on_handshake = q->tls ? on_handshake : NULL,
            .handshake_ctx = s->notes[i],
            .client_cert = s->r->client_cert,
            .shared = s->r->tls_shared,
        };
        od_probe_http(&req, &p->http);
        return;
    }
    od_tls_request req = {
        .address = address,
        .port = q->port,
        .sni = q->sni,
        .timeout_ms = timeout_ms,
        .priority = q->priority,
        .offer = uses_offer(s, q) ? &s->offer : NULL,
        .offer_beside = p->offer_beside,
        .cancel = &p->stop,
        .stop_at_server_hello = q->kind == OD_PLAN_SUITE,
        .on_connect = on_connect,
        .connect_ctx = s->notes[i],
        .client_cert = s->r->client_cert,
        .shared = s->r->tls_shared,
    };
    od_probe_tls(&req, &p->cap);
}

static void *worker(void *arg)
{
    sched *s = arg;
    run_ctx *r = s->r;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        size_t i = next_ready(s);
        if (i == OD_PLAN_NONE || s->connections >= s->bound) {
            if (s->finished)
                break;
            s->idle++;
            pthread_cond_wait(&s->wake, &r->lock);
            s->idle--;
            continue;
        }
        probe_run *p = s->runs[i];
        p->state = RUN_RUNNING;
        p->ran = true;
        p->started = od_now_ms();
        s->running++;
        /* A copy: the plan may grow (and move) while this probe runs. */
        od_plan_probe q = s->plan.probes[i];
        p->offer_beside = uses_offer(s, &q) && s->connections + 2 <= s->bound;
        s->connections += p->offer_beside ? 2 : 1;
        const char *address = s->addresses[q.address].address;
        if (p->step != NO_STEP && q.kind != OD_PLAN_CONNECT)
            step_begin_locked(r, p->step, begin_text(&q));
        pthread_mutex_unlock(&r->lock);

        execute(s, i, &q, address);

        pthread_mutex_lock(&r->lock);
        p->ended = od_now_ms();
        p->state = RUN_DONE;
        p->handshake_ok = p->cap.hs.ok;
        s->running--;
        s->connections -= p->offer_beside ? 2 : 1;
        if (!p->retried && !cancelled(r) && !atomic_load(&p->stop) && starved(s, i) && origin_answered(s, i)) {
            p->retried = true;
            p->state = RUN_WAITING;
            od_tls_capture_free(&p->cap);
            od_http_result_free(&p->http);
            p->connected = OD_TCP_UNTESTED;
            p->tls = OD_TLS_UNTESTED;
            if (q.provides != OD_PLAN_NONE && s->runs[q.provides]->state == RUN_DONE) {
                probe_run *h = s->runs[q.provides];   /* its handshake comes again with the retry */
                od_tls_capture_free(&h->cap);
                h->state = RUN_WAITING;
            }
            update(s);
            continue;
        }
        if (q.kind == OD_PLAN_CONNECT)
            resolve_connect(s, i, p->bare.state, p->bare.error, p->bare.duration_ms);
        end_probe_step(s, i);
        if (q.kind == OD_PLAN_HTTP && q.head != OD_PLAN_NONE)
            end_probe_step(s, q.head);
        update(s);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static void add_runs(sched *s, size_t first)
{
    s->runs = od_xrealloc(s->runs, s->plan.n * sizeof *s->runs);
    s->notes = od_xrealloc(s->notes, s->plan.n * sizeof *s->notes);
    for (size_t i = first; i < s->plan.n; i++) {
        probe_run *p = od_xcalloc(1, sizeof *p);
        atomic_init(&p->stop, false);
        p->step = NO_STEP;
        p->cap.hs.alert = -1;
        const od_plan_probe *q = probe_of(s, i);
        p->state = q->waits ? RUN_WAITING : RUN_READY;
        if ((q->kind == OD_PLAN_CONNECT && !q->alone) || (q->kind == OD_PLAN_HANDSHAKE && q->via != OD_PLAN_NONE))
            p->state = RUN_WAITING;
        p->beside = OD_PLAN_NONE;
        p->connected = OD_TCP_UNTESTED;
        p->tls = OD_TLS_UNTESTED;
        s->runs[i] = p;
        if (q->kind == OD_PLAN_HTTP && q->head != OD_PLAN_NONE)
            s->runs[q->head]->beside = i;
        connect_note *n = od_xcalloc(1, sizeof *n);
        n->s = s;
        n->probe = i;
        s->notes[i] = n;
    }
}

/* The probes ready to start; connections: counting two for a probe with
 * CloudFront's offer beside it. */
static size_t ready_count(const sched *s, bool connections)
{
    size_t ready = 0;
    for (size_t i = 0; i < s->plan.n; i++)
        if (s->runs[i]->state == RUN_READY)
            ready += connections && uses_offer(s, probe_of(s, i)) ? 2 : 1;
    return ready;
}

/* How many connections may be in flight: --concurrency when given, else
 * 24 (the table in one wave), raised to what the plan can start at once
 * (two for a probe with CloudFront's offer beside it) so that many names
 * do not go in waves; never more than the process may open. */
static size_t connection_bound(const sched *s)
{
    if (s->r->c->concurrency > 0)
        return (size_t)s->r->c->concurrency;
    size_t ready = ready_count(s, true);
    size_t bound = ready > OD_DEFAULT_CONCURRENCY ? ready : OD_DEFAULT_CONCURRENCY;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 64 &&
        bound > rl.rlim_cur - 64)
        bound = (size_t)(rl.rlim_cur - 64);
    return bound;
}

/* HEAD still unanswered a while after GET was answered (half the time GET
 * took, at least 50 ms), and running longer than GET took by as much:
 * stop waiting for it. Never before a HEAD that is also its name's TLS
 * probe has handed its handshake over. Returns the earliest time a HEAD
 * will be late, or -1; *stopped: one was stopped now. */
static int64_t stop_late_heads(sched *s, bool *stopped)
{
    int64_t now = od_now_ms(), next = -1;
    *stopped = false;
    for (size_t i = 0; i < s->plan.n; i++) {
        const od_plan_probe *q = probe_of(s, i);
        const probe_run *g = s->runs[i];
        if (q->kind != OD_PLAN_HTTP || q->head == OD_PLAN_NONE || g->state != RUN_DONE || !g->http.responded)
            continue;
        probe_run *h = s->runs[q->head];
        size_t provides = probe_of(s, q->head)->provides;
        if (h->state != RUN_RUNNING || atomic_load(&h->stop) ||
            (provides != OD_PLAN_NONE && s->runs[provides]->state != RUN_DONE))
            continue;
        int64_t took = g->ended - g->started;
        int64_t grace = took / 2 > 50 ? took / 2 : 50;
        int64_t late_at = g->ended + grace;
        if (h->started + took + grace > late_at)
            late_at = h->started + took + grace;
        if (now >= late_at) {
            atomic_store(&h->stop, true);
            *stopped = true;
        } else if (next < 0 || late_at < next)
            next = late_at;
    }
    return next;
}

static void run_schedule(sched *s)
{
    run_ctx *r = s->r;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < s->plan.n; i++)
        if (probe_of(s, i)->kind == OD_PLAN_CONNECT) {
            s->runs[i]->step =
                step_plan_locked(s, probe_of(s, i)->step, probe_of(s, i)->step_id, rank_of(probe_of(s, i), i));
            step_begin_locked(r, s->runs[i]->step, NULL);
        }
    update(s);
    size_t bound = connection_bound(s);
    s->bound = bound;
    /* One thread per probe that can start now (the default bound counts
     * the exact ClientHello's second connection, which has a thread of its
     * own): probes ready later take the threads of those that ended. */
    size_t n_threads = bound;
    if (s->r->c->concurrency <= 0) {
        size_t ready = ready_count(s, false);
        n_threads = ready > OD_DEFAULT_CONCURRENCY ? ready : OD_DEFAULT_CONCURRENCY;
        if (n_threads > bound)
            n_threads = bound;
    }
    if (n_threads > s->plan.n)
        n_threads = s->plan.n;
    pthread_mutex_unlock(&r->lock);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, OD_PROBE_STACK);
    pthread_t *tids = od_xcalloc(n_threads ? n_threads : 1, sizeof *tids);
    size_t started = 0;
    for (size_t t = 0; t < n_threads; t++) {
        if (pthread_create(&tids[started], &attr, worker, s) != 0)
            break;   /* fewer threads: the others take the remaining probes */
        started++;
    }
    pthread_attr_destroy(&attr);
    pthread_mutex_lock(&r->lock);
    if (started == 0) {
        /* No thread at all: run everything here, one at a time. */
        pthread_mutex_unlock(&r->lock);
        worker(s);
        pthread_mutex_lock(&r->lock);
    }
    /* Watch for a cancel request and for HEADs no longer worth waiting for. */
    int64_t wait_ms = 100;
    while (!s->finished) {
        struct timespec ts = od_timespec_in(CLOCK_REALTIME, wait_ms);
        pthread_cond_timedwait(&s->watch, &r->lock, &ts);
        bool stopped;
        int64_t late_at = stop_late_heads(s, &stopped);
        wait_ms = 100;   /* a cancel request is noticed within this */
        if (late_at >= 0 && late_at - od_now_ms() < wait_ms)
            wait_ms = late_at - od_now_ms() > 1 ? late_at - od_now_ms() : 1;
        if (cancelled(r) || stopped)   /* a late HEAD: the other names ask GET now */
            update(s);
    }
    pthread_mutex_unlock(&r->lock);
    for (size_t t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    free(tids);
}

/* ---------------------------------------------------------------- observations */

/* Moves what the schedule saw into the observations, in the order the
 * report has always listed it: TCP, handshakes, broad handshakes, the
 * table, HTTP. Only results whose gates hold count. */
static void merge_schedule(sched *s)
{
    run_ctx *r = s->r;
    od_observations *o = r->o;
    bool was_cancelled = cancelled(r);
    for (size_t i = 0; i < s->plan.n; i++) {
        const od_plan_probe *q = probe_of(s, i);
        probe_run *p = s->runs[i];
        if (q->kind != OD_PLAN_CONNECT)
            continue;
        od_tcp_result *dst = od_obs_add_tcp(o);
        if (p->resolved) {
            *dst = p->tcp;   /* the run keeps its copy for the gates below */
            dst->error = od_xstrdup(p->tcp.error);
        } else {   /* never ran (cancelled) */
            snprintf(dst->address, sizeof dst->address, "%s", s->addresses[q->address].address);
            dst->port = q->port;
            dst->state = OD_TCP_UNTESTED;
        }
    }
    int64_t merge_started = od_now_ms();
    for (size_t i = 0; i < s->plan.n; i++) {
        const od_plan_probe *q = probe_of(s, i);
        probe_run *p = s->runs[i];
        if (q->kind != OD_PLAN_HANDSHAKE || port_state(s, i) != 1)
            continue;
        if (p->ran && p->cap.hs.port != 0) {
            o->handshake_count++;
            merge_capture(r, &p->cap);
        } else {   /* cancelled before it ran */
            od_handshake *hs = od_obs_add_handshake(o);
            snprintf(hs->address, sizeof hs->address, "%s", s->addresses[q->address].address);
            hs->port = q->port;
            hs->sni = od_xstrdup(q->sni);
            hs->outcome = OD_TLS_UNTESTED;
            hs->alert = -1;
        }
    }
    for (size_t i = 0; i < s->plan.n; i++) {
        const od_plan_probe *q = probe_of(s, i);
        probe_run *p = s->runs[i];
        if (q->kind != OD_PLAN_BROAD || !p->ran || p->cap.hs.port == 0)
            continue;
        o->handshake_count++;
        if (p->cap.hs.ok) {
            p->cap.hs.cert_only = true;
            merge_capture(r, &p->cap);
        }
    }
    r->analysis_ms = od_now_ms() - merge_started;

    if (s->table_decided && !s->table_void) {
        const od_policy *pol = r->opts->policy;
        od_table_cell protocols[OD_TABLE_PROTOCOLS];
        memset(protocols, 0, sizeof protocols);
        size_t n_cells = OD_TABLE_ROWS * pol->n_suites;
        od_table_cell *suites = od_xcalloc(n_cells ? n_cells : 1, sizeof *suites);
        int extra = 0;   /* speculative suite handshakes whose protocol was refused */
        int64_t ended = s->table_started;
        for (size_t i = 0; i < s->plan.n; i++) {
            const od_plan_probe *q = probe_of(s, i);
            probe_run *p = s->runs[i];
            if (!is_table_probe(q) || p->superseded)
                continue;
            if (p->ran && p->ended > ended)
                ended = p->ended;
            od_table_cell *cell;
            if (q->kind == OD_PLAN_PROTOCOL) {
                int k = q->proto == OD_PROTO_TLS1 ? 0 : q->proto == OD_PROTO_TLS11 ? 1 : q->proto == OD_PROTO_TLS12 ? 2 : 3;
                cell = &protocols[k];
            } else {
                cell = &suites[(size_t)od_table_row(q->proto) * pol->n_suites + q->suite];
            }
            if (p->ran) {
                od_table_cell_of(&p->cap.hs, cell);
            } else {
                cell->present = true;
                cell->result = OD_TRI_UNTESTED;
                cell->detail = od_xstrdup("cancelled");
            }
        }
        for (size_t i = 0; i < n_cells; i++) {
            int pi = (int)(i / (pol->n_suites ? pol->n_suites : 1));
            if (suites[i].ran && (pi == 0 || protocols[pi - 1].result != OD_TRI_YES))
                extra++;
        }
        int used = od_cipher_table_fill(pol, protocols, suites, o) + extra;
        o->handshake_count += used;
        for (size_t k = 0; k < OD_TABLE_PROTOCOLS; k++)
            od_table_cell_free(&protocols[k]);
        for (size_t i = 0; i < n_cells; i++)
            od_table_cell_free(&suites[i]);
        free(suites);
        size_t yes = 0, tested = 0;
        for (size_t i = 0; i < o->n_ciphers; i++) {
            if (o->ciphers[i].origin_accepts != OD_TRI_UNTESTED)
                tested++;
            if (o->ciphers[i].origin_accepts == OD_TRI_YES)
                yes++;
        }
        od_step_status st = tested == 0 ? OD_STEP_UNTESTED : (yes ? OD_STEP_PASS : OD_STEP_FAIL);
        step_end(r, s->table_step, od_now_ms() - (ended - s->table_started), st,
                 od_xasprintf("%zu of %zu tested combinations accepted, %d handshakes", yes, tested, used));
    }

    for (int scheme = 0; scheme < 2; scheme++) {
        bool tls = scheme == 0;
        for (size_t i = 0; i < s->plan.n; i++) {
            const od_plan_probe *q = probe_of(s, i);
            probe_run *p = s->runs[i];
            if (q->kind != OD_PLAN_HTTP || q->tls != tls || q->head != OD_PLAN_NONE || p->superseded ||
                port_state(s, i) != 1 || (tls && !tls_ok(s, q->after)))
                continue;
            size_t g = get_beside(s, i);
            if (tls) {
                o->handshake_count += p->ran && q->provides == OD_PLAN_NONE;   /* else counted as its name's */
                if (g != OD_PLAN_NONE)
                    o->handshake_count += s->runs[g]->ran;
            }
            if (!(p->ran && p->http.attempted) && !was_cancelled)
                continue;   /* cannot happen: a request that counts has run */
            od_http_result *dst = od_obs_add_http(o);
            if (p->ran && p->http.attempted) {
                if (g != OD_PLAN_NONE && head_unanswered(&p->http) && s->runs[g]->ran && s->runs[g]->http.responded) {
                    *dst = s->runs[g]->http;
                    memset(&s->runs[g]->http, 0, sizeof s->runs[g]->http);
                } else {
                    *dst = p->http;
                    memset(&p->http, 0, sizeof p->http);
                }
            } else {
                dst->scheme = od_xstrdup(tls ? "https" : "http");
                snprintf(dst->address, sizeof dst->address, "%s", s->addresses[q->address].address);
                dst->port = q->port;
                dst->host_header = od_xstrdup(q->host);
                dst->method = od_xstrdup(q->method);
                dst->path = od_xstrdup(q->path);
                dst->error = od_xstrdup("not run (cancelled)");
            }
        }
    }
}

static void sched_free(sched *s)
{
    for (size_t i = 0; i < s->plan.n; i++) {
        probe_run *p = s->runs[i];
        od_tls_capture_free(&p->cap);
        od_http_result_free(&p->http);
        free(p->tcp.error);
        free(p->bare.error);
        free(p);
        free(s->notes[i]);
    }
    free(s->runs);
    free(s->notes);
    free(s->step_rank);
    for (size_t k = 0; k < s->n_leaves; k++) {
        free(s->leaves[k].der);
        od_cert_free(&s->leaves[k].cert);
    }
    free(s->leaves);
    od_plan_free(&s->plan);
    pthread_cond_destroy(&s->wake);
    pthread_cond_destroy(&s->watch);
}

/* Steps appear as soon as they are known, in whatever order the network
 * answers; the report lists them in the plan's order. */
static void sort_steps(sched *s)
{
    od_observations *o = s->r->o;
    size_t n = o->n_steps;
    for (size_t i = 1; i < n; i++) {
        od_step st = o->steps[i];
        size_t rank = i < s->n_step_rank ? s->step_rank[i] : 0;
        size_t k = i;
        while (k > 0 && (k - 1 < s->n_step_rank ? s->step_rank[k - 1] : 0) > rank) {
            o->steps[k] = o->steps[k - 1];
            if (k < s->n_step_rank)
                s->step_rank[k] = s->step_rank[k - 1];
            k--;
        }
        o->steps[k] = st;
        if (k < s->n_step_rank)
            s->step_rank[k] = rank;
    }
}

/* ---------------------------------------------------------------- judgement steps */

/* The chain and name checks are judged by the rules, not probed: their
 * steps show the verdict of the findings the registry says they colour. */
static od_step_status judged_status(const od_finding_list *l, od_judged_step step, char **detail)
{
    od_step_status st = OD_STEP_PASS;
    od_strlist seen;
    od_strlist_init(&seen);
    for (size_t i = 0; i < l->len; i++) {
        const od_finding *f = &l->items[i];
        const od_finding_def *def = od_finding_def_find(f->id);
        if (!def || def->step != step || f->severity < OD_SEV_WARN)
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

static void end_judged_step(run_ctx *r, size_t idx, int64_t started, bool ran, od_judged_step step,
                            const char *ok_text)
{
    if (!ran) {
        step_end(r, idx, started, OD_STEP_UNTESTED, od_xstrdup("no certificate was received"));
        return;
    }
    char *detail = NULL;
    od_step_status st = judged_status(&r->report->findings, step, &detail);
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

/* A step of a name CloudFront cannot use is not a pass (od_reconcile.h):
 * its handshakes fail, its HTTP answers over TLS are a warning (answered
 * here, never reached by CloudFront). */
static void reconcile_steps(sched *s)
{
    run_ctx *r = s->r;
    for (size_t i = 0; i < s->plan.n; i++) {
        const od_plan_probe *q = &s->plan.probes[i];
        const char *name = NULL;
        od_step_status to;
        if ((q->kind == OD_PLAN_HANDSHAKE || q->kind == OD_PLAN_BROAD) && q->step && q->sni) {
            name = q->sni;
            to = OD_STEP_FAIL;
        } else if (q->kind == OD_PLAN_HTTP && q->step && q->tls && q->host) {
            name = q->host;
            to = OD_STEP_WARN;
        } else {
            continue;
        }
        const od_finding *b = od_findings_blocking(&r->report->findings, name, OD_LAYER_TLS);
        if (!b)
            continue;
        for (size_t k = 0; k < r->o->n_steps; k++) {
            od_step *st = &r->o->steps[k];
            if (st->status != OD_STEP_PASS || strcmp(st->name, q->step) != 0)
                continue;
            char *d = od_xasprintf("%s%sCloudFront cannot use %s: %s (%s)", st->detail ? st->detail : "",
                                   st->detail && *st->detail ? "; " : "", name, b->title ? b->title : b->id, b->id);
            free(st->detail);
            st->detail = d;
            st->status = to;
            emit(r, OD_EV_STEP_END, st->name, st->status, st->duration_ms, st->detail);
        }
    }
}

void od_engine_judge(const od_engine_opts *opts, od_report *r, time_t now)
{
    od_finding_list_free(&r->findings);
    od_finding_list_init(&r->findings);
    free(r->summary);
    r->summary = NULL;
    od_rules_evaluate(&r->input, &r->obs, opts->policy, opts->fixes, now, &r->findings, &r->would_fail,
                      &r->summary, &r->complete);
    od_findings_reconcile(&r->findings);
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
    /* CloudFront presents its certificate only with origin mTLS. */
    if (c->origin_mtls && c->client_cert && c->client_key &&
        !(r.client_cert = od_client_cert_load(c->client_cert, c->client_key, &err))) {
        out->summary = err;
        od_trust_free(&r.trust);
        pthread_mutex_destroy(&r.lock);
        return -1;
    }

    stage_dns(&r);
    sched s;
    memset(&s, 0, sizeof s);
    s.r = &r;
    s.plan.table_address = OD_PLAN_NONE;
    pthread_cond_init(&s.wake, NULL);
    pthread_cond_init(&s.watch, NULL);
    /* Only the addresses CloudFront would connect to (IpAddressType) are probed. */
    od_address used[MAX_ADDRESSES];
    s.addresses = used;
    s.n_addresses = od_plan_addresses(&out->input, out->obs.addresses, out->obs.n_addresses, used, MAX_ADDRESSES);
    if (s.n_addresses > 0 && !cancelled(&r)) {
        od_plan_make(&out->input, opts->policy, s.addresses, s.n_addresses, &s.plan);
        s.have_offer = od_policy_offer(opts->policy, out->input.origin_ssl_protocols, &s.offer);
        add_runs(&s, 0);
        /* Without it each session sets up its own: slower, the same result. */
        r.tls_shared = od_tls_shared_new();
        run_schedule(&s);
        merge_schedule(&s);
    }

    out->obs.cancelled = cancelled(&r);
    for (size_t i = 0; i < out->obs.n_steps; i++)
        if (out->obs.steps[i].status == OD_STEP_PENDING || out->obs.steps[i].status == OD_STEP_RUNNING)
            out->obs.steps[i].status = OD_STEP_UNTESTED;

    od_engine_judge(opts, out, now);
    if (s.judge_steps) {
        bool analysed = chains_analysed(&out->obs) > 0;
        char *ok = od_xasprintf("%zu chain%s analysed: complete, in order, trusted, valid", chains_analysed(&out->obs),
                                chains_analysed(&out->obs) == 1 ? "" : "s");
        /* The judgement itself takes microseconds; the time shown is the
         * certificate parsing and path building done with the handshakes. */
        int64_t now_ms = od_now_ms();
        end_judged_step(&r, s.chain_step, now_ms - r.analysis_ms, analysed, OD_JUDGED_STEP_CHAIN, ok);
        free(ok);
        end_judged_step(&r, s.names_step, now_ms, analysed, OD_JUDGED_STEP_NAMES, "every expected name is covered");
    }
    reconcile_steps(&s);
    sort_steps(&s);
    sched_free(&s);
    emit(&r, OD_EV_DONE, NULL, out->would_fail ? OD_STEP_FAIL : OD_STEP_PASS, 0, out->summary);

    od_trust_free(&r.trust);
    od_client_cert_free(r.client_cert);
    od_tls_shared_free(r.tls_shared);   /* every session has ended: run_schedule joined its threads */
    pthread_mutex_destroy(&r.lock);
    return 0;
}

int od_engine_max_connections(const od_case *c)
{
    /* The scheduler holds at most --concurrency connections at once
     * (connection_bound); without it, at least the default. */
    return c->concurrency > 0 ? c->concurrency : OD_DEFAULT_CONCURRENCY;
}
