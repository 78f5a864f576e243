/* TLS rules: how each handshake CloudFront would make ended, the
 * protocols and cipher suites the origin shares with CloudFront, and a
 * client certificate asked for. */
#include "od_rules_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned proto_from_version(const char *v)
{
    if (!v)
        return 0;
    if (strcmp(v, "TLS1.2") == 0) return OD_PROTO_TLS12;
    if (strcmp(v, "TLS1.3") == 0) return OD_PROTO_TLS13;
    if (strcmp(v, "TLS1.1") == 0) return OD_PROTO_TLS11;
    if (strcmp(v, "TLS1.0") == 0) return OD_PROTO_TLS1;
    if (strcmp(v, "SSL3.0") == 0) return OD_PROTO_SSLV3;
    return 0;
}

typedef struct {
    unsigned accepted, refused, untested;   /* OD_PROTO_* bits, over every protocol row */
} proto_state;

static proto_state protocol_state(const rule_ctx *x)
{
    proto_state s = {0, 0, 0};
    for (size_t i = 0; i < x->o->n_protocols; i++) {
        const od_protocol_result *r = &x->o->protocols[i];
        if (r->accepted == OD_TRI_YES)
            s.accepted |= r->proto;
        else if (r->accepted == OD_TRI_NO)
            s.refused |= r->proto;
        else
            s.untested |= r->proto;
    }
    /* A completed handshake proves its protocol is accepted. */
    for (size_t i = 0; i < x->o->n_handshakes; i++)
        if (x->o->handshakes[i].ok && rl_https_handshake(x, &x->o->handshakes[i]))
            s.accepted |= proto_from_version(x->o->handshakes[i].version);
    /* SSL 3.0 cannot be offered from here, but a protocol_version alert to
     * CloudFront's own ClientHello proves it refused too: a server that
     * spoke SSL 3.0 would have chosen it (the highest version it has at or
     * below the one offered) instead of refusing. */
    for (size_t i = 0; i < x->o->n_handshakes; i++) {
        const od_handshake *hs = &x->o->handshakes[i];
        if (!hs->ok && !hs->cert_only && rl_https_handshake(x, hs) && hs->outcome == OD_TLS_ALERT &&
            hs->alert == 70 /* protocol_version */)
            s.refused |= OD_PROTO_SSLV3;
    }
    s.refused &= ~s.accepted;
    s.untested &= ~(s.accepted | s.refused);
    /* Allowed protocols that appear in no row were not tested either. */
    s.untested |= x->c->origin_ssl_protocols & ~(s.accepted | s.refused);
    return s;
}

/* Is "no shared protocol" proven: every allowed protocol tested and refused? */
static bool no_shared_protocol(const rule_ctx *x)
{
    unsigned allowed = x->c->origin_ssl_protocols;
    proto_state s = protocol_state(x);
    return od_case_uses_https(x->c) && allowed && (s.refused & allowed) == allowed;
}

/* Protocols at which CloudFront and the origin can meet, as far as observed. */
static unsigned usable_protocols(const rule_ctx *x)
{
    unsigned allowed = x->c->origin_ssl_protocols;
    proto_state s = protocol_state(x);
    if (s.accepted & allowed)
        return s.accepted & allowed;
    return allowed & ~s.refused;
}

typedef struct {
    size_t yes, no, untested;
} cipher_state;

static cipher_state cipher_state_at(const rule_ctx *x, unsigned protos)
{
    cipher_state s = {0, 0, 0};
    for (size_t i = 0; i < x->o->n_ciphers; i++) {
        const od_cipher_row *r = &x->o->ciphers[i];
        if (!r->cloudfront_offers || !(r->proto & protos))
            continue;
        if (r->origin_accepts == OD_TRI_YES) s.yes++;
        else if (r->origin_accepts == OD_TRI_NO) s.no++;
        else s.untested++;
    }
    return s;
}

/* First failed handshake for evidence of protocol/cipher findings. */
static const od_handshake *first_failed_sni_handshake(const rule_ctx *x)
{
    for (size_t i = 0; i < x->o->n_handshakes; i++) {
        const od_handshake *hs = &x->o->handshakes[i];
        if (hs->sni && rl_is_expected(x, hs->sni) && rl_https_handshake(x, hs) && !hs->ok &&
            (hs->outcome == OD_TLS_ALERT || hs->outcome == OD_TLS_CLOSED || hs->outcome == OD_TLS_ERROR ||
             hs->outcome == OD_TLS_VERSION_REFUSED))
            return hs;
    }
    return NULL;
}

/* CloudFront's offer was ended without an alert (a close or a reset) and
 * so was every protocol's broad offer (all suites this GnuTLS has), none
 * refused in words: the origin ends every TLS connection, so the
 * single-suite refusals do not single out CloudFront's suites. */
static bool origin_ends_every_offer(const rule_ctx *x)
{
    const od_handshake *hs = first_failed_sni_handshake(x);
    if (!hs || hs->outcome != OD_TLS_CLOSED || hs->alert >= 0)
        return false;
    bool any = false;
    for (size_t i = 0; i < x->o->n_protocols; i++) {
        const od_protocol_result *pr = &x->o->protocols[i];
        if (pr->proto == OD_PROTO_SSLV3)
            continue;
        if (pr->accepted != OD_TRI_UNTESTED)
            return false;
        any = true;
    }
    return any;
}

/* The protocols (TLS 1.0 to 1.2) at which the broad offer, every suite
 * this GnuTLS has with the NULL ones, was refused with handshake_failure
 * or insufficient_security, when no broad offer was accepted and none
 * ended with another alert; 0 otherwise. Such an origin agrees on no suite
 * with any client: its certificate cannot serve the suites it enables. */
static unsigned broad_offers_refused(const rule_ctx *x)
{
    unsigned refused = 0;
    for (size_t i = 0; i < x->o->n_protocols; i++) {
        const od_protocol_result *pr = &x->o->protocols[i];
        if (pr->proto == OD_PROTO_SSLV3)
            continue;
        if (pr->accepted == OD_TRI_YES)
            return 0;
        if (pr->alert == 40 || pr->alert == 71) {
            if (pr->proto != OD_PROTO_TLS13)
                refused |= pr->proto;
        } else if (pr->alert >= 0 && pr->alert != 70) {
            return 0;
        }
    }
    return refused;
}

static bool no_shared_cipher(const rule_ctx *x)
{
    unsigned protos = usable_protocols(x);
    if (!od_case_uses_https(x->c) || !protos || no_shared_protocol(x) || origin_ends_every_offer(x))
        return false;
    cipher_state s = cipher_state_at(x, protos);
    return s.yes == 0 && s.no > 0 && s.untested == 0;
}

static void ev_handshake_error(od_finding *f, const od_handshake *hs)
{
    if (!hs)
        return;
    cJSON *h = cJSON_AddObjectToObject(f->evidence, "handshake");
    cJSON_AddStringToObject(h, "address", hs->address);
    cJSON_AddNumberToObject(h, "port", hs->port);
    if (hs->sni)
        cJSON_AddStringToObject(h, "sni", hs->sni);
    cJSON_AddStringToObject(h, "outcome", od_tls_outcome_name(hs->outcome));
    if (hs->alert >= 0)
        cJSON_AddNumberToObject(h, "alert", hs->alert);
    if (hs->alert_name)
        cJSON_AddStringToObject(h, "alert_name", hs->alert_name);
    if (hs->error)
        cJSON_AddStringToObject(h, "error", hs->error);
}

/* Could CloudFront's connection to the HTTPS port be made here? When it
 * could not (refused, timed out), what TLS did not do is explained by the
 * origin, not a gap in this report. */
static bool https_port_reached(const rule_ctx *x)
{
    bool tried = false;
    for (size_t i = 0; i < x->o->n_tcp; i++) {
        const od_tcp_result *t = &x->o->tcp[i];
        if (t->port != x->c->https_port || t->state == OD_TCP_UNTESTED || t->state == OD_TCP_ERROR)
            continue;
        tried = true;
        if (t->state == OD_TCP_OPEN)
            return true;
    }
    /* nothing tried: reached as far as we know, unless DNS left no address */
    return !tried && !rl_dns_left_no_address(x);
}

static bool any_handshake_ok(const rule_ctx *x)
{
    for (size_t i = 0; i < x->o->n_handshakes; i++)
        if (x->o->handshakes[i].ok && rl_https_handshake(x, &x->o->handshakes[i]))
            return true;
    return false;
}

/* A load balancer origin: recognised by its name (the AWS endpoint table)
 * or by its Server header (awselb), with the TLS security policies the
 * table lists for it; NULL otherwise. */
static const od_aws_endpoint *elb_origin(const rule_ctx *x)
{
    if (!x->p)
        return NULL;
    const od_aws_endpoint *ep = od_aws_endpoint_match(&x->p->aws, x->c->origin_domain);
    if (ep && ep->n_tls_policies)
        return ep;
    for (size_t i = 0; x->server && od_starts_with_ci(x->server, "awselb") && i < x->p->aws.n; i++)
        if (x->p->aws.items[i].n_tls_policies)
            return &x->p->aws.items[i];
    return NULL;
}

typedef struct {
    char *work, *fail;   /* policy names that allow a protocol the distribution allows / none */
    char first[128];     /* the first that works, for the command */
} elb_fix;

/* The fix's server for a protocol or suite finding: for a load balancer,
 * "aws-elb" with the security policies that work with this distribution's
 * origin SSL protocols ({elb_policies}, {elb_policy}) and those that do
 * not ({elb_policies_fail}), also in the evidence. Free e after finishing. */
static const char *tls_fix_server(const rule_ctx *x, od_finding *f, rl_varset *vs, elb_fix *e)
{
    memset(e, 0, sizeof *e);
    const od_aws_endpoint *ep = elb_origin(x);
    if (!ep)   /* a load balancer without a policy table: the generic fix */
        return x->server && od_starts_with_ci(x->server, "awselb") ? NULL : x->server;
    unsigned allowed = x->c->origin_ssl_protocols;
    e->work = od_aws_tls_policies(ep, allowed, true);
    e->fail = od_aws_tls_policies(ep, allowed, false);
    for (size_t i = 0; i < ep->n_tls_policies && !e->first[0]; i++)
        if (ep->tls_policies[i].protocols & allowed)
            snprintf(e->first, sizeof e->first, "%s", ep->tls_policies[i].name);
    cJSON *works = cJSON_AddArrayToObject(f->evidence, "load_balancer_policies_that_work");
    for (size_t i = 0; i < ep->n_tls_policies; i++)
        if (ep->tls_policies[i].protocols & allowed)
            cJSON_AddItemToArray(works, cJSON_CreateString(ep->tls_policies[i].name));
    rl_ev_str(f, "load_balancer_policies_source", ep->tls_policies_source);
    rl_var(vs, "service", ep->service);
    rl_var(vs, "elb_policies", *e->work ? e->work : "(none listed: allow TLSv1.2 in the distribution)");
    rl_var(vs, "elb_policy", e->first[0] ? e->first : "ELBSecurityPolicy-TLS13-1-2-2021-06");
    rl_var(vs, "elb_policies_fail", *e->fail ? e->fail : "(none listed)");
    return "aws-elb";
}

static void elb_fix_free(elb_fix *e)
{
    free(e->work);
    free(e->fail);
}

static void rule_protocols(rule_ctx *x)
{
    if (!od_case_uses_https(x->c))
        return;
    unsigned allowed = x->c->origin_ssl_protocols;
    proto_state s = protocol_state(x);
    const char *name = rl_first_name(x);
    if ((s.accepted & allowed) == 0 && (s.refused & allowed) != 0) {
        bool proven = no_shared_protocol(x);
        od_finding *f = rl_finding_new(x, proven ? OD_ID(TLS_NO_SHARED_PROTOCOL) : OD_ID(TLS_PROTOCOL_PARTIAL),
                                    proven ? OD_SEV_FAIL : OD_SEV_WARN, NULL, NULL);
        char *al = rl_proto_list(allowed), *acc = rl_proto_list(s.accepted), *ref = rl_proto_list(s.refused & allowed),
             *unt = rl_proto_list(s.untested & allowed);
        rl_ev_str(f, "distribution_allows", al);
        rl_ev_str(f, "origin_accepts", acc);
        rl_ev_str(f, "origin_refuses", ref);
        rl_ev_str(f, "untested", unt);
        if (s.accepted & OD_PROTO_TLS13)
            rl_ev_str(f, "note", "the origin SSL protocols setting (OriginSslProtocols) has no TLS 1.3 value");
        ev_handshake_error(f, first_failed_sni_handshake(x));
        f->detail = proven
            ? od_xasprintf("The distribution allows %s; the origin refuses %s and accepts %s%s.", al, ref, acc,
                           (s.accepted & OD_PROTO_TLS13) ? " (the origin SSL protocols setting has no TLS 1.3 value)" : "")
            : od_xasprintf("The distribution allows %s; the origin refuses %s; %s could not be tested from "
                           "this machine, so whether CloudFront can connect is not proven.", al, ref, unt);
        const char *flag = (allowed & OD_PROTO_TLS12) ? "-tls1_2" : (allowed & OD_PROTO_TLS11) ? "-tls1_1" : "-tls1";
        const od_handshake *hs = first_failed_sni_handshake(x);
        f->reproduce = rl_sclient(x, hs ? hs->address : NULL, x->c->https_port, name, flag);
        if (!proven)
            rl_mark_incomplete(x, od_xasprintf("protocols: %s could not be tested from this machine, and every tested "
                                               "one is refused", unt));
        rl_varset vs = {0};
        elb_fix elb;
        const char *server = tls_fix_server(x, f, &vs, &elb);
        rl_finish_for_name(x, f, server, &vs, name, hs ? hs->address : x->c->origin_domain, x->c->https_port);
        elb_fix_free(&elb);
        free(al); free(acc); free(ref); free(unt);
    }
    if (s.untested & allowed) {
        char *unt = rl_proto_list(s.untested & allowed);
        rl_note_untested(x, od_xasprintf("protocols: %s not tested from this machine", unt));
        free(unt);
    }
}

static bool is_cloudfront_suite(const rule_ctx *x, const char *rfc_name)
{
    for (size_t i = 0; x->p && i < x->p->n_suites; i++)
        if (x->p->suites[i].rfc_name && strcmp(x->p->suites[i].rfc_name, rfc_name) == 0)
            return true;
    return false;
}

static void rule_ciphers(rule_ctx *x)
{
    if (!od_case_uses_https(x->c) || no_shared_protocol(x))
        return;
    unsigned protos = usable_protocols(x);
    if (!protos)
        return;
    cipher_state s = cipher_state_at(x, protos);
    if (s.yes > 0)
        return;
    if (origin_ends_every_offer(x)) {
        rl_note_untested(x, od_xstrdup("cipher suites: the origin ended even the broadest offer without an alert, "
                                       "so the table does not show which suites it lacks"));
        return;
    }
    if (s.no == 0) {
        char *pl = rl_proto_list(protos);
        char *text = od_xasprintf("cipher suites: CloudFront's suites at %s not tested", pl);
        if (any_handshake_ok(x))
            rl_note_incomplete(x, text);
        else
            rl_note_untested(x, text);
        free(pl);
        return;
    }
    /* A completed handshake with CloudFront's own offer proves a shared
     * suite: refusals of every single-suite handshake then say the origin
     * dropped connections (e.g. under load), not which suites it lacks. */
    for (size_t i = 0; i < x->o->n_handshakes; i++) {
        const od_handshake *hs = &x->o->handshakes[i];
        if (hs->ok && !hs->cert_only && rl_https_handshake(x, hs) && hs->cipher) {
            rl_note_untested(x, od_xasprintf("cipher suites: the origin refused every single-suite handshake, yet "
                                             "completed one with CloudFront's offer (%s): the table is not reliable",
                                             hs->cipher));
            return;
        }
    }
    bool proven = s.untested == 0;
    od_finding *f = rl_finding_new(x, proven ? OD_ID(TLS_NO_SHARED_CIPHER) : OD_ID(TLS_CIPHER_PARTIAL),
                                proven ? OD_SEV_FAIL : OD_SEV_WARN, NULL, NULL);
    if (!proven)
        rl_mark_incomplete(x, od_xasprintf("cipher suites: %zu of CloudFront's could not be tested from this machine, "
                                           "and every tested one is refused", s.untested));
    od_strlist accepted;
    od_strlist_init(&accepted);
    for (size_t i = 0; i < x->o->n_ciphers; i++) {
        const od_cipher_row *r = &x->o->ciphers[i];
        if (r->origin_accepts == OD_TRI_YES && r->name) {
            char *e = od_xasprintf("%s (%s)", r->name, od_proto_name(r->proto));
            if (!od_strlist_contains(&accepted, e))
                od_strlist_add(&accepted, e);
            free(e);
        }
    }
    /* The broad per-protocol handshakes show what the origin does accept
     * (e.g. ChaCha20 or DHE suites), which names the cause to the customer. */
    for (size_t i = 0; i < x->o->n_protocols; i++) {
        const od_protocol_result *pr = &x->o->protocols[i];
        if (pr->accepted != OD_TRI_YES || !pr->negotiated_cipher || is_cloudfront_suite(x, pr->negotiated_cipher))
            continue;
        char *e = od_xasprintf("%s (%s, not offered by CloudFront)", pr->negotiated_cipher, od_proto_name(pr->proto));
        if (!od_strlist_contains(&accepted, e))
            od_strlist_add(&accepted, e);
        free(e);
    }
    char *pl = rl_proto_list(protos);
    rl_ev_str(f, "protocols_checked", pl);
    cJSON_AddItemToObject(f->evidence, "origin_accepts", rl_str_array(&accepted));
    rl_ev_int(f, "cloudfront_suites_refused", (double)s.no);
    rl_ev_int(f, "cloudfront_suites_untested", (double)s.untested);
    /* An ECDSA key on a curve CloudFront does not offer cannot be used. */
    cJSON *curves = NULL;
    for (size_t i = 0; x->p && i < x->o->n_handshakes; i++) {
        const od_handshake *hs = &x->o->handshakes[i];
        const od_cert *leaf = hs->ok ? rl_hs_cert(x, hs, 0) : NULL;
        if (leaf && leaf->key_type && strcmp(leaf->key_type, "ECDSA") == 0 && leaf->key_curve &&
            !od_strlist_contains_ci(&x->p->curves, leaf->key_curve)) {
            if (!curves)
                curves = cJSON_AddArrayToObject(f->evidence, "certificate_key_curve_not_offered");
            cJSON_AddItemToArray(curves, cJSON_CreateString(leaf->key_curve));
        }
    }
    if (x->p) {
        char *cn = od_strlist_join(&x->p->curve_names, ", ", "");
        rl_ev_str(f, "cloudfront_curves", cn);
        free(cn);
    }
    ev_handshake_error(f, first_failed_sni_handshake(x));
    unsigned every_offer = proven && !accepted.len ? broad_offers_refused(x) : 0;
    char *everyone = NULL;
    if (every_offer) {
        char *bl = rl_proto_list(every_offer);
        rl_ev_str(f, "broad_offer_refused_at", bl);
        everyone = od_xasprintf(" It also refused the broad offer at %s, every suite this machine's TLS library has, "
                                "suites CloudFront never offers included: no client agrees on a suite with this "
                                "origin. That happens when its certificate cannot serve any suite it enables: a CA "
                                "(intermediate) certificate served as its own, a key usage that forbids signing, or "
                                "a key type none of its suites uses (an RSA certificate with only ECDSA suites).", bl);
        free(bl);
    }
    char *acc = od_strlist_join(&accepted, ", ", "");
    f->detail = proven
        ? od_xasprintf("At %s the origin refuses all %zu cipher suites CloudFront offers%s%s.%s", pl, s.no,
                       accepted.len ? "; it accepts only " : "", acc, everyone ? everyone : "")
        : od_xasprintf("At %s the origin refuses the %zu tested CloudFront cipher suites; %zu could not be "
                       "tested from this machine.", pl, s.no, s.untested);
    free(everyone);
    if (curves && cJSON_GetArraySize(curves) > 0) {
        /* the likely cause, said in words: an ECDSA key on a curve CloudFront lacks */
        const cJSON *c0 = cJSON_GetArrayItem(curves, 0);
        char *more = od_xasprintf("%s The certificate's ECDSA key is on curve %s, which CloudFront does not offer, "
                                  "so no ECDSA suite can be agreed: use a P-256 or P-384 (or RSA) certificate.",
                                  f->detail, cJSON_IsString(c0) ? c0->valuestring : "?");
        free(f->detail);
        f->detail = more;
    }
    const char *name = rl_first_name(x);
    const od_handshake *hs = first_failed_sni_handshake(x);
    /* Refused to every client: openssl's own full offer shows it best. */
    f->reproduce = rl_sclient(x, hs ? hs->address : NULL, x->c->https_port, name,
                              every_offer ? NULL
                                          : "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256 "
                                            "-curves prime256v1:secp384r1:X25519");
    rl_varset vs = {0};
    rl_var(&vs, "protocols", pl);
    elb_fix elb;
    const char *server = tls_fix_server(x, f, &vs, &elb);
    if (every_offer)   /* the certificate's steps first: a cipher list would not help */
        server = "every-offer-refused";
    rl_finish_for_name(x, f, server, &vs, name, hs ? hs->address : x->c->origin_domain, x->c->https_port);
    elb_fix_free(&elb);
    free(acc);
    free(pl);
    od_strlist_free(&accepted);
}

/* The origin refused the client certificate this run presented: a copy of
 * the distribution's (origin mTLS), so CloudFront's is refused alike.
 * Without origin mTLS no certificate is presented at all (NULL). */
static const char *client_cert_refused_id(const od_case *c)
{
    return c->origin_mtls && c->client_cert ? OD_ID(TLS_CLIENT_CERT_NOT_ACCEPTED) : NULL;
}

static void rule_tls_outcome(rule_ctx *x)
{
    if (!od_case_uses_https(x->c))
        return;
    bool explained = no_shared_protocol(x) || no_shared_cipher(x);
    for (size_t n = 0; n < x->names.len; n++) {
        const char *name = x->names.items[n];
        bool tried = false;
        for (size_t i = 0; i < x->o->n_handshakes; i++) {
            const od_handshake *hs = &x->o->handshakes[i];
            if (!hs->sni || od_strcasecmp(hs->sni, name) != 0 || !rl_https_handshake(x, hs))
                continue;
            const char *id = NULL;
            switch (hs->outcome) {
            case OD_TLS_OK: tried = true; continue;
            case OD_TLS_NOT_TLS: id = OD_ID(TLS_NOT_SPOKEN); break;
            case OD_TLS_TIMEOUT: id = OD_ID(TLS_HANDSHAKE_TIMEOUT); break;
            case OD_TLS_CLIENT_CERT_REQUIRED:
                if (x->c->origin_mtls) {
                    /* CloudFront presents the distribution's certificate;
                     * this run had no copy of it to present */
                    rl_note_incomplete(x, od_xasprintf("TLS with SNI %s: the origin requires a client certificate "
                                                       "and CloudFront presents one (origin mTLS); whether the "
                                                       "origin accepts it could not be checked: this run had no "
                                                       "copy of the distribution's certificate to present "
                                                       "(--client-cert FILE --client-key FILE)",
                                                       name));
                    tried = true;
                    continue;
                }
                id = OD_ID(TLS_CLIENT_CERT_REQUIRED);
                break;
            case OD_TLS_ERROR:
                /* Our side stopped after a chain sent reversed (a CA
                 * certificate first, e.g. a key usage violation):
                 * CHAIN_WRONG_ORDER names the cause. */
                id = explained || (hs->facts.analysed && hs->facts.path_len && hs->facts.path[0] != 0)
                         ? NULL : OD_ID(TLS_HANDSHAKE_FAILED);
                break;
            case OD_TLS_CLIENT_CERT_REFUSED: id = client_cert_refused_id(x->c); break;
            case OD_TLS_ALERT:
            case OD_TLS_CLOSED:
            case OD_TLS_VERSION_REFUSED: id = explained ? NULL : OD_ID(TLS_HANDSHAKE_FAILED); break;
            case OD_TLS_UNTESTED:
                /* not run, or stopped by a limit of this tool: say why */
                if (hs->error && !x->o->cancelled)
                    rl_note_incomplete(x, od_xasprintf("TLS with SNI %s at %s port %d: %s", name, hs->address,
                                                       hs->port, hs->error));
                continue;
            case OD_TLS_CONNECT_FAILED: continue;   /* the TCP rule speaks for it */
            }
            tried = true;
            if (!id)
                continue;
            od_finding *f = rl_finding_new(x, id, OD_SEV_FAIL, name, hs->address);
            if (!f)
                continue;
            od_strlist_add(&f->names, name);
            rl_ev_str(f, "sni", name);
            rl_ev_int(f, "port", hs->port);
            rl_ev_str(f, "outcome", od_tls_outcome_name(hs->outcome));
            if (hs->alert >= 0)
                rl_ev_int(f, "alert", hs->alert);
            rl_ev_str(f, "alert_name", hs->alert_name);
            rl_ev_str(f, "error", hs->error);
            rl_ev_int(f, "duration_ms", (double)hs->duration_ms);
            const char *why = hs->alert_name ? hs->alert_name : hs->error ? hs->error : od_tls_outcome_name(hs->outcome);
            f->detail = od_xasprintf("TLS handshake with SNI %s at %s port %d: %s.", name, hs->address,
                                     hs->port, why);
            char *cert_args = NULL;
            if (hs->outcome == OD_TLS_CLIENT_CERT_REFUSED) {
                /* rl_sclient leaves TLS 1.3 out, as CloudFront does: the refusal then
                 * comes within the handshake (in TLS 1.3 it comes after, and
                 * s_client may be gone by then) */
                char *cert = od_shell_word(x->c->client_cert), *key = od_shell_word(x->c->client_key);
                cert_args = od_xasprintf("-cert %s -key %s", cert, key);
                free(cert);
                free(key);
                rl_ev_str(f, "client_cert", x->c->client_cert);
                free(f->detail);
                f->detail = od_xasprintf("TLS handshake with SNI %s at %s port %d: the origin refused the client "
                                         "certificate presented (%s), a copy of the distribution's: %s.",
                                         name, hs->address, hs->port, x->c->client_cert, why);
            }
            char *cmd = rl_sclient(x, hs->address, hs->port, name, cert_args);
            free(cert_args);
            if (hs->outcome == OD_TLS_TIMEOUT) {
                /* bounded, as CloudFront's wait is: it ends where the handshake would have */
                int t = x->c->timeout_s > 0 ? x->c->timeout_s : 10;
                f->reproduce = od_xasprintf("timeout %d %s; test $? -eq 124 && echo 'no TLS handshake within %d s'",
                                            t, cmd, t);
                free(cmd);
            } else {
                f->reproduce = cmd;
            }
            rl_varset vs = {0};
            rl_finish_for_name(x, f, x->server, &vs, name, hs->address, hs->port);
        }
        if (!tried) {
            char *text = od_xasprintf("TLS: no handshake with SNI %s was completed or refused (not run)", name);
            if (https_port_reached(x))
                rl_note_incomplete(x, text);
            else
                rl_note_untested(x, text);
        }
    }
}

/* The handshake worked, but the origin asked for a client certificate:
 * CloudFront sends none, so what the application does without one is what
 * viewers get (nginx's ssl_verify_client on answers 400). */
static void rule_client_cert_requested(rule_ctx *x)
{
    for (size_t n = 0; n < x->names.len; n++) {
        const char *name = x->names.items[n];
        for (size_t i = 0; i < x->o->n_handshakes; i++) {
            const od_handshake *hs = &x->o->handshakes[i];
            /* With origin mTLS CloudFront answers the request with its certificate. */
            if (!hs->ok || hs->cert_only || !hs->client_cert_requested || !hs->sni || x->c->origin_mtls ||
                od_strcasecmp(hs->sni, name) != 0 || !rl_https_handshake(x, hs))
                continue;
            od_finding *f = rl_finding_new(x, OD_ID(TLS_CLIENT_CERT_REQUESTED), OD_SEV_WARN, name, hs->address);
            if (!f)
                continue;
            od_strlist_add(&f->names, name);
            rl_ev_str(f, "sni", name);
            rl_ev_int(f, "port", hs->port);
            rl_ev_str(f, "version", hs->version);
            const char *answer = NULL;
            for (size_t k = 0; k < x->o->n_http; k++) {
                const od_http_result *h = &x->o->http[k];
                if (h->responded && h->port == hs->port && h->host_header && od_strcasecmp(h->host_header, name) == 0)
                    answer = h->status_line;
            }
            rl_ev_str(f, "http_answer_without_certificate", answer);
            f->detail = od_xasprintf("At %s port %d the origin asks for a client certificate for %s and completes the "
                                     "handshake without one%s%s%s.",
                                     hs->address, hs->port, name, answer ? "; it then answers \"" : "",
                                     answer ? answer : "", answer ? "\"" : "");
            f->reproduce = rl_sclient(x, hs->address, hs->port, name, NULL);
            rl_varset vs = {0};
            rl_finish_for_name(x, f, x->server, &vs, name, hs->address, hs->port);
        }
    }
}

/* TLS_OK: every expected name completes a handshake, and the origin
 * accepts an allowed protocol with one of CloudFront's suites. */
static void pass_tls(rule_ctx *x)
{
    if (!od_case_uses_https(x->c) || !rl_every_name_completes(x))
        return;
    od_strlist versions;
    od_strlist_init(&versions);
    for (size_t n = 0; n < x->names.len; n++)
        for (size_t i = 0; i < x->o->n_handshakes; i++) {
            const od_handshake *hs = &x->o->handshakes[i];
            if (!rl_completed_for(x, hs, x->names.items[n]))
                continue;
            char *v = od_xasprintf("%s %s", hs->version ? hs->version : "?", hs->cipher ? hs->cipher : "?");
            if (!od_strlist_contains(&versions, v))
                od_strlist_add(&versions, v);
            free(v);
        }
    proto_state ps = protocol_state(x);
    bool proto_ok = (ps.accepted & x->c->origin_ssl_protocols) != 0;
    bool cipher_ok = cipher_state_at(x, usable_protocols(x)).yes > 0;
    if (proto_ok && cipher_ok) {
        od_finding *f = rl_finding_new(x, OD_ID(TLS_OK), OD_SEV_PASS, NULL, NULL);
        char *acc = rl_proto_list(ps.accepted & x->c->origin_ssl_protocols);
        rl_ev_str(f, "shared_protocols", acc);
        cJSON_AddItemToObject(f->evidence, "negotiated", rl_str_array(&versions));
        f->detail = od_xasprintf("The origin completes the TLS handshake for %s and accepts %s with CloudFront's "
                                 "cipher suites.", x->names_joined, acc);
        free(acc);
        f->reproduce = rl_sclient(x, NULL, x->c->https_port, rl_first_name(x), "-tls1_2");
        char port[16];
        snprintf(port, sizeof port, "%d", x->c->https_port);
        rl_varset vs = {0};
        rl_var(&vs, "port", port);
        rl_finish(x, f, x->server, &vs);
    }
    od_strlist_free(&versions);
}

static const rl_rule rules[] = {
    {"tls_outcome", rule_tls_outcome},
    {"client_cert_requested", rule_client_cert_requested},
    {"protocols", rule_protocols},
    {"ciphers", rule_ciphers},
};

static const rl_pass passes[] = {
    {OD_F_TLS_OK, pass_tls},
};

const rl_family rl_family_tls = {OD_FAMILY_TLS, rules, RL_LEN(rules), passes, RL_LEN(passes)};
