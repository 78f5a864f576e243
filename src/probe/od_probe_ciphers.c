/* Protocol support and the cipher table: which protocol versions the
 * origin accepts, and which of CloudFront's suites it accepts at each,
 * one handshake per (protocol, suite) offering only that suite, run on a
 * bounded pool of threads. */
#include "od_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "od_pool.h"
#include "od_tls_session.h"

#define DEFAULT_CONCURRENCY 8
#define SSL3_UNAVAILABLE "SSL 3.0 is not available in this GnuTLS build"

/* The protocols of the table, in order; SSLv3 first and never probed. */
static const unsigned table_protocols[] = { OD_PROTO_SSLV3, OD_PROTO_TLS1, OD_PROTO_TLS11, OD_PROTO_TLS12 };
static const unsigned probed_protocols[] = { OD_PROTO_TLS1, OD_PROTO_TLS11, OD_PROTO_TLS12, OD_PROTO_TLS13 };
#define N_TABLE (sizeof table_protocols / sizeof table_protocols[0])
#define N_PROBED (sizeof probed_protocols / sizeof probed_protocols[0])

/* GnuTLS priority token of one OD_PROTO_* bit; NULL when GnuTLS has none. */
static const char *version_token(unsigned proto)
{
    switch (proto) {
    case OD_PROTO_TLS1:
        return "VERS-TLS1.0";
    case OD_PROTO_TLS11:
        return "VERS-TLS1.1";
    case OD_PROTO_TLS12:
        return "VERS-TLS1.2";
    case OD_PROTO_TLS13:
        return "VERS-TLS1.3";
    default:
        return NULL;   /* SSL 3.0 is compiled out of Debian's GnuTLS */
    }
}

static void add_token(od_buf *b, od_strlist *seen, const char *prefix, const char *tok)
{
    char *t = od_xasprintf("%s%s", prefix, tok);
    if (!od_strlist_contains(seen, t)) {
        od_buf_printf(b, ":+%s", t);
        od_strlist_add(seen, t);
    }
    free(t);
}

static void add_groups(od_buf *b, const od_policy *p)
{
    for (size_t i = 0; i < p->curves.len; i++)
        od_buf_printf(b, ":+GROUP-%s", p->curves.items[i]);
}

/* CloudFront's signature schemes in its order (GnuTLS keeps the order of
 * SIGN tokens in signature_algorithms); every scheme when the policy
 * names none. */
static void add_signatures(od_buf *b, const od_policy *p)
{
    if (!p->signature_gnutls.len) {
        od_buf_puts(b, ":+SIGN-ALL");
        return;
    }
    for (size_t i = 0; i < p->signature_gnutls.len; i++)
        od_buf_printf(b, ":+%s", p->signature_gnutls.items[i]);
}

bool od_policy_offer(const od_policy *p, unsigned protocols, od_hello_offer *out)
{
    memset(out, 0, sizeof *out);
    if (!p || !p->curve_codes || !p->signature_codes || p->curves.len > OD_OFFER_MAX ||
        p->signature_schemes.len > OD_OFFER_MAX)
        return false;
    for (size_t i = 0; i < p->n_suites && out->n_suites < OD_OFFER_MAX; i++)
        if (p->suites[i].protocols & protocols & (OD_PROTO_TLS1 | OD_PROTO_TLS11 | OD_PROTO_TLS12))
            out->suites[out->n_suites++] = p->suites[i].code;
    for (size_t i = 0; i < p->curves.len; i++)
        out->groups[out->n_groups++] = p->curve_codes[i];
    for (size_t i = 0; i < p->signature_schemes.len; i++)
        out->sigs[out->n_sigs++] = p->signature_codes[i];
    od_buf b;
    od_buf_init(&b);
    add_groups(&b, p);
    add_signatures(&b, p);
    od_buf_puts(&b, ":+CTYPE-X509");
    bool fits = b.len < sizeof out->tail;
    if (fits)
        memcpy(out->tail, b.data, b.len + 1);
    od_buf_free(&b);
    return fits && out->n_suites > 0;
}

char *od_policy_priority(const od_policy *p, unsigned protocols)
{
    if (!p)
        return NULL;
    od_buf b;
    od_buf_init(&b);
    od_strlist seen;
    od_strlist_init(&seen);
    od_buf_puts(&b, "NONE");
    bool any_version = false;
    for (size_t i = 0; i < N_PROBED; i++) {
        const char *v = version_token(probed_protocols[i]);
        if ((protocols & probed_protocols[i]) && v) {
            od_buf_printf(&b, ":+%s", v);
            any_version = true;
        }
    }
    /* The suites' own tokens, in CloudFront's order. GnuTLS combines
     * every kx x cipher x mac it is given (kx first, then cipher, then
     * MAC), so this priority enables a superset of CloudFront's list, e.g.
     * ECDHE-RSA-DES-CBC3-SHA, RSA-AES-GCM and the RC4-SHA suites, which no
     * priority string can leave out while keeping DES-CBC3-SHA, AES-GCM and
     * RC4-MD5. The handshake with CloudFront's offer therefore rewrites the
     * ClientHello GnuTLS builds from it (od_hello_offer, od_probe_tls.c);
     * the per-suite table is the exact check of each suite. */
    for (size_t i = 0; i < p->n_suites; i++) {
        const od_policy_suite *s = &p->suites[i];
        if (!(s->protocols & protocols & (OD_PROTO_TLS1 | OD_PROTO_TLS11 | OD_PROTO_TLS12)))
            continue;
        add_token(&b, &seen, "", s->gnutls_kx);
        add_token(&b, &seen, "", s->gnutls_cipher);
        add_token(&b, &seen, "", s->gnutls_mac);
    }
    add_groups(&b, p);
    add_signatures(&b, p);
    od_buf_puts(&b, ":+CTYPE-X509");
    od_strlist_free(&seen);
    if (!any_version) {
        od_buf_free(&b);
        return NULL;
    }
    return od_buf_steal(&b);
}

/* How many suites a priority string enumerates; the IANA id of the last. */
static int enumerate_suites(const char *priority, uint16_t *last_code)
{
    gnutls_priority_t pc;
    if (gnutls_priority_init(&pc, priority, NULL) < 0)
        return -1;
    int count = 0;
    for (unsigned i = 0;; i++) {
        unsigned int sidx;
        int r = gnutls_priority_get_cipher_suite_index(pc, i, &sidx);
        if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
        if (r < 0)
            continue;
        unsigned char id[2];
        if (gnutls_cipher_suite_info(sidx, id, NULL, NULL, NULL, NULL))
            *last_code = (uint16_t)(id[0] << 8 | id[1]);
        count++;
    }
    gnutls_priority_deinit(pc);
    return count;
}

char *od_suite_priority(const od_policy *p, const od_policy_suite *s, unsigned proto)
{
    if (!p || !s || !(s->protocols & proto))
        return NULL;
    const char *v = version_token(proto);
    if (!v || proto == OD_PROTO_TLS13)
        return NULL;
    od_buf b;
    od_buf_init(&b);
    od_buf_printf(&b, "NONE:+%s:+%s:+%s:+%s", v, s->gnutls_kx, s->gnutls_cipher, s->gnutls_mac);
    add_groups(&b, p);
    od_buf_puts(&b, ":+SIGN-ALL:+CTYPE-X509");
    /* GnuTLS accepts combinations that exist at no version and then
     * sends an empty suite list: insist on exactly the one suite. */
    uint16_t code = 0;
    if (enumerate_suites(b.data, &code) != 1 || code != s->code) {
        od_buf_free(&b);
        return NULL;
    }
    return od_buf_steal(&b);
}

/* The broadest offer at one version, NULL-cipher suites included: an
 * origin that accepts only suites CloudFront lacks still shows that it
 * speaks the version (a handshake_failure alone would not say which). */
char *od_protocol_priority(unsigned proto)
{
    const char *v = version_token(proto);
    if (!v)
        return NULL;
    /* TLS 1.3 has no NULL suites (GnuTLS then refuses the whole string) */
    return od_xasprintf("%s%s:-VERS-ALL:+%s", od_tls_permissive_priority, proto == OD_PROTO_TLS13 ? "" : ":+NULL", v);
}

int od_table_row(unsigned proto)
{
    for (size_t i = 0; i < N_TABLE; i++)
        if (table_protocols[i] == proto)
            return (int)i;
    return -1;
}

/* ---- cells: what one table handshake told ---- */

void od_table_cell_of(const od_handshake *hs, od_table_cell *cell)
{
    cell->present = true;
    cell->ran = true;
    cell->alert = hs->outcome == OD_TLS_ALERT ? hs->alert : -1;
    switch (hs->outcome) {
    case OD_TLS_OK:
        cell->result = OD_TRI_YES;
        cell->cipher = od_xstrdup(hs->cipher);
        cell->detail = od_xasprintf("negotiated %s with %s", hs->version ? hs->version : "?",
                                    hs->cipher ? hs->cipher : "?");
        break;
    case OD_TLS_CLIENT_CERT_REQUIRED:
    case OD_TLS_CLIENT_CERT_REFUSED:
        /* The origin chose a suite and moved on to ask for a certificate. */
        cell->result = OD_TRI_YES;
        cell->detail = od_xstrdup(hs->outcome == OD_TLS_CLIENT_CERT_REQUIRED
                                      ? "accepted, then a client certificate was required"
                                      : "accepted, then the client certificate presented was refused");
        break;
    case OD_TLS_ALERT:
        /* Only handshake_failure (40), insufficient_security (71) and
         * protocol_version (70) refuse what was offered; another alert (an
         * internal_error to every offer, say) says the origin broke, not
         * which suites it lacks: the handshake findings name it. */
        if (hs->alert != 40 && hs->alert != 70 && hs->alert != 71) {
            cell->result = OD_TRI_UNTESTED;
            cell->detail = od_xasprintf("alert %d %s: not proof of a refusal (only handshake_failure, "
                                        "insufficient_security or protocol_version is)",
                                        hs->alert, hs->alert_name ? hs->alert_name : "");
            break;
        }
        /* fall through */
    case OD_TLS_CLOSED:
    case OD_TLS_VERSION_REFUSED:
        cell->result = OD_TRI_NO;
        cell->detail = od_xstrdup(hs->error ? hs->error : "refused");
        cell->version_refused = hs->outcome == OD_TLS_VERSION_REFUSED ||
                                (hs->outcome == OD_TLS_ALERT && hs->alert == 70 /* protocol_version */);
        break;
    case OD_TLS_ERROR:
        /* Stopped here after the origin's ServerHello chose a version
         * (the probe records it only then), e.g. for a certificate this
         * side refuses: the protocol was accepted. */
        if (hs->version) {
            cell->result = OD_TRI_YES;
            cell->cipher = hs->cipher ? od_xstrdup(hs->cipher) : NULL;
            cell->detail = od_xasprintf("the origin answered at %s; the handshake then stopped here: %s",
                                        hs->version, hs->error ? hs->error : "error");
            break;
        }
        /* fall through */
    default:
        /* Timeouts, connect failures, not TLS: we learnt nothing. */
        cell->result = OD_TRI_UNTESTED;
        cell->detail = od_xasprintf("%s: %s", od_tls_outcome_name(hs->outcome), hs->error ? hs->error : "failed");
        break;
    }
}

void od_table_cell_free(od_table_cell *cell)
{
    free(cell->detail);
    free(cell->cipher);
    memset(cell, 0, sizeof *cell);
}

int od_cipher_table_fill(const od_policy *p, const od_table_cell *protocols, const od_table_cell *suites,
                         od_observations *o)
{
    int handshakes = 0;
    od_tri proto_result[N_TABLE];
    const char *proto_detail[N_TABLE];
    proto_result[0] = OD_TRI_UNTESTED;
    proto_detail[0] = SSL3_UNAVAILABLE;
    od_protocol_result *pr = od_obs_add_protocol(o);
    pr->proto = OD_PROTO_SSLV3;
    pr->accepted = OD_TRI_UNTESTED;
    pr->detail = od_xstrdup(SSL3_UNAVAILABLE);
    for (size_t i = 0; i < N_PROBED; i++) {
        const od_table_cell *cell = &protocols[i];
        if (cell->ran)
            handshakes++;
        pr = od_obs_add_protocol(o);
        pr->proto = probed_protocols[i];
        pr->accepted = cell->present ? cell->result : OD_TRI_UNTESTED;
        pr->detail = od_xstrdup(cell->present ? cell->detail : "cancelled");
        pr->negotiated_cipher = od_xstrdup(cell->cipher);
        pr->alert = cell->present && cell->ran ? cell->alert : -1;
        if (pr->accepted == OD_TRI_NO && !cell->version_refused) {
            /* Refused without saying the version is the problem: the suites
             * decide (a suite accepted at this protocol proves it spoken). */
            pr->accepted = OD_TRI_UNTESTED;
            for (size_t si = 0; i + 1 < N_TABLE && si < p->n_suites; si++) {
                const od_table_cell *sc = &suites[(i + 1) * p->n_suites + si];
                if (sc->present && sc->ran && sc->result == OD_TRI_YES)
                    pr->accepted = OD_TRI_YES;
            }
            char *d = od_xasprintf("%s; not proof that %s is refused (only a protocol_version alert or a "
                                   "ServerHello at another version is)", pr->detail, od_proto_name(pr->proto));
            free(pr->detail);
            pr->detail = d;
        }
        if (i + 1 < N_TABLE) {
            proto_result[i + 1] = pr->accepted;
            proto_detail[i + 1] = pr->detail;
        }
    }
    for (size_t pi = 0; pi < N_TABLE; pi++) {
        unsigned proto = table_protocols[pi];
        for (size_t si = 0; si < p->n_suites; si++) {
            const od_policy_suite *s = &p->suites[si];
            const od_table_cell *cell = &suites[pi * p->n_suites + si];
            if (cell->ran)
                handshakes++;
            od_cipher_row *r = od_obs_add_cipher(o);
            r->proto = proto;
            r->name = od_xstrdup(s->openssl_name);
            r->iana = od_xstrdup(s->iana);
            r->cloudfront_offers = (s->protocols & proto & p->protocols) != 0;
            r->origin_accepts = OD_TRI_UNTESTED;
            if (!r->cloudfront_offers) {
                r->reason = od_xasprintf("not offered by CloudFront at %s", od_proto_name(proto));
            } else if (proto == OD_PROTO_SSLV3) {
                r->reason = od_xstrdup(SSL3_UNAVAILABLE);
            } else if (proto_result[pi] == OD_TRI_NO) {
                r->origin_accepts = OD_TRI_NO;
                r->reason = od_xasprintf("protocol refused: %s", proto_detail[pi]);
            } else if (proto_result[pi] == OD_TRI_UNTESTED && !(cell->present && cell->ran)) {
                r->reason = od_xasprintf("%s not tested: %s", od_proto_name(proto), proto_detail[pi]);
            } else if (!cell->present) {
                r->reason = od_xasprintf("this GnuTLS cannot offer %s at %s (disabled by a system policy?)",
                                         s->openssl_name, od_proto_name(proto));
            } else {
                r->origin_accepts = cell->result;
                r->reason = cell->result == OD_TRI_YES ? NULL : od_xstrdup(cell->detail);
            }
        }
    }
    return handshakes;
}

/* ---- the table on its own: protocols first, then suites, on a pool ---- */

typedef struct {
    char *priority;            /* owned */
    od_table_cell *cell;
} table_job;

typedef struct {
    const char *address;
    int port;
    const char *sni;
    int timeout_ms;
    atomic_bool *cancel;
    table_job *jobs;
    bool stop_at_server_hello;
} table_ctx;

/* Each job touches only its own cell. */
static void run_job(void *vctx, size_t index)
{
    table_ctx *ctx = vctx;
    table_job *job = &ctx->jobs[index];
    if (ctx->cancel && atomic_load(ctx->cancel)) {
        job->cell->present = true;
        job->cell->result = OD_TRI_UNTESTED;
        job->cell->detail = od_xstrdup("cancelled");
        return;
    }
    od_tls_request req = {
        .address = ctx->address,
        .port = ctx->port,
        .sni = ctx->sni,
        .timeout_ms = ctx->timeout_ms,
        .priority = job->priority,
        .cancel = ctx->cancel,
        .stop_at_server_hello = ctx->stop_at_server_hello,
    };
    od_tls_capture cap;
    od_probe_tls(&req, &cap);
    od_table_cell_of(&cap.hs, job->cell);
    od_tls_capture_free(&cap);
}

int od_probe_cipher_table(const char *address, int port, const char *sni, const od_policy *p, int timeout_ms,
                          int concurrency, atomic_bool *cancel, od_observations *o)
{
    if (concurrency <= 0)
        concurrency = DEFAULT_CONCURRENCY;
    /* Protocol probes finish the handshake: GnuTLS names the suite the
     * origin chose only then. A suite probe needs only the ServerHello. */
    table_ctx ctx = { address, port, sni, timeout_ms, cancel, NULL, false };
    od_table_cell protocols[N_PROBED];
    memset(protocols, 0, sizeof protocols);
    size_t n_cells = N_TABLE * p->n_suites;
    od_table_cell *suites = od_xcalloc(n_cells ? n_cells : 1, sizeof *suites);

    /* 1. Each protocol alone, everything this GnuTLS has at that version. */
    table_job pjobs[N_PROBED];
    for (size_t i = 0; i < N_PROBED; i++) {
        pjobs[i].priority = od_protocol_priority(probed_protocols[i]);
        pjobs[i].cell = &protocols[i];
    }
    ctx.jobs = pjobs;
    od_pool_run(N_PROBED, concurrency < (int)N_PROBED ? concurrency : (int)N_PROBED, run_job, &ctx);

    /* 2. Each suite alone at each protocol the origin accepted. */
    table_job *sjobs = od_xcalloc(n_cells ? n_cells : 1, sizeof *sjobs);
    size_t n_jobs = 0;
    for (size_t pi = 1; pi < N_TABLE; pi++) {
        if (protocols[pi - 1].result != OD_TRI_YES)
            continue;
        for (size_t si = 0; si < p->n_suites; si++) {
            const od_policy_suite *s = &p->suites[si];
            if (!(s->protocols & table_protocols[pi] & p->protocols))
                continue;
            char *prio = od_suite_priority(p, s, table_protocols[pi]);
            if (!prio)
                continue;
            sjobs[n_jobs].priority = prio;
            sjobs[n_jobs].cell = &suites[pi * p->n_suites + si];
            n_jobs++;
        }
    }
    ctx.jobs = sjobs;
    ctx.stop_at_server_hello = true;
    if (n_jobs)
        od_pool_run(n_jobs, concurrency, run_job, &ctx);

    int handshakes = od_cipher_table_fill(p, protocols, suites, o);
    for (size_t i = 0; i < n_jobs; i++)
        free(sjobs[i].priority);
    free(sjobs);
    for (size_t i = 0; i < N_PROBED; i++) {
        free(pjobs[i].priority);
        od_table_cell_free(&protocols[i]);
    }
    for (size_t i = 0; i < n_cells; i++)
        od_table_cell_free(&suites[i]);
    free(suites);
    return handshakes;
}
