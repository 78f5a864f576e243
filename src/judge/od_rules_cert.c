/* Certificate rules: the chain as sent (order, completeness, trust),
 * each certificate's validity and strength, and the names it covers. */
#include "od_rules_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_names.h"

static void ev_cert(cJSON *obj, const od_cert *c, size_t position)
{
    cJSON_AddNumberToObject(obj, "position", (double)position);
    cJSON_AddStringToObject(obj, "subject", c->subject ? c->subject : "");
    cJSON_AddStringToObject(obj, "issuer", c->issuer ? c->issuer : "");
    char buf[32];
    od_format_time(c->not_before, buf, sizeof buf);
    cJSON_AddStringToObject(obj, "not_before", buf);
    od_format_time(c->not_after, buf, sizeof buf);
    cJSON_AddStringToObject(obj, "not_after", buf);
    if (c->sha256)
        cJSON_AddStringToObject(obj, "sha256", c->sha256);
}

static cJSON *chain_subjects(const rule_ctx *x, const od_handshake *hs, const size_t *positions, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        const od_cert *c = rl_hs_cert(x, hs, positions[i]);
        char *s = od_xasprintf("%zu: %s", positions[i], c && c->subject ? c->subject : "?");
        cJSON_AddItemToArray(a, cJSON_CreateString(s));
        free(s);
    }
    return a;
}

/* Opens a chain finding for one SNI handshake (NULL when merged). */
static od_finding *chain_finding(rule_ctx *x, const char *id, od_severity sev, const od_handshake *hs, rl_varset *vs,
                                 char port[16])
{
    od_finding *f = rl_finding_new(x, id, sev, hs->sni, hs->address);
    if (!f)
        return NULL;
    od_strlist_add(&f->names, hs->sni);
    rl_ev_str(f, "sni", hs->sni);
    rl_ev_int(f, "port", hs->port);
    size_t sent[OD_CHAIN_MAX];
    for (size_t i = 0; i < hs->chain_len && i < OD_CHAIN_MAX; i++)
        sent[i] = i;
    cJSON_AddItemToObject(f->evidence, "chain_sent", chain_subjects(x, hs, sent, hs->chain_len));
    /* openssl stops at the verification error, naming it */
    f->reproduce = rl_sclient(x, hs->address, hs->port, hs->sni, "-verify_return_error");
    snprintf(port, 16, "%d", hs->port);
    rl_var(vs, "name", hs->sni);
    rl_var(vs, "sni", hs->sni);
    rl_var(vs, "port", port);
    rl_var(vs, "address", hs->address);
    return f;
}

static void rule_chain_one(rule_ctx *x, const od_handshake *hs)
{
    const od_chain_facts *cf = &hs->facts;
    const od_cert *leaf = rl_hs_cert(x, hs, 0);
    char port[16];
    if (!leaf)
        return;
    bool self_signed = cf->analysed ? cf->leaf_self_signed : leaf->self_signed;
    if (self_signed) {
        rl_varset vs = {0};
        od_finding *f = chain_finding(x, OD_ID(CERT_SELF_SIGNED), OD_SEV_FAIL, hs, &vs, port);
        if (f) {
            rl_ev_str(f, "subject", leaf->subject);
            rl_ev_str(f, "issuer", leaf->issuer);
            f->detail = od_xasprintf("For SNI %s the origin presents a self-signed certificate (%s).", hs->sni,
                                     leaf->subject ? leaf->subject : "");
            rl_finish(x, f, x->cert_server, &vs);
        }
    }
    if (!cf->analysed) {
        if (hs->chain_sent > hs->chain_len)
            rl_note_incomplete(x, od_xasprintf("chain for SNI %s: the origin sent %zu certificates, more than the "
                                               "%d this tool analyses", hs->sni, hs->chain_sent, OD_CHAIN_MAX));
        return;
    }
    if (cf->issuer_missing) {
        rl_varset vs = {0};
        od_finding *f = chain_finding(x, OD_ID(CHAIN_INCOMPLETE), OD_SEV_FAIL, hs, &vs, port);
        if (f) {
            const od_cert *c = rl_hs_cert(x, hs, cf->missing_after);
            rl_ev_str(f, "missing_issuer", cf->missing_issuer_dn);
            rl_ev_str(f, "missing_issuer_key_id", cf->missing_issuer_akid);
            rl_ev_int(f, "issuer_missing_for_position", (double)cf->missing_after);
            rl_ev_str(f, "issuer_missing_for", c ? c->subject : NULL);
            od_strlist none;
            od_strlist_init(&none);
            cJSON_AddItemToObject(f->evidence, "aia_issuer_urls", rl_str_array(c ? &c->aia_issuer_urls : &none));
            cJSON_AddBoolToObject(f->evidence, "cloudfront_fetches_aia", false);
            f->detail = od_xasprintf(
                "For SNI %s the certificate at position %zu (%s) is issued by %s, which the origin does not send%s%s%s.",
                hs->sni, cf->missing_after, c && c->subject ? c->subject : "?",
                cf->missing_issuer_dn ? cf->missing_issuer_dn : "an unknown CA",
                c && c->aia_issuer_urls.len ? "; its AIA URL " : "",
                c && c->aia_issuer_urls.len ? c->aia_issuer_urls.items[0] : "",
                c && c->aia_issuer_urls.len ? " points to it, but CloudFront does not fetch it" : "");
            rl_var(&vs, "missing_issuer", cf->missing_issuer_dn);
            rl_var(&vs, "issuer", cf->missing_issuer_dn);
            rl_finish(x, f, x->cert_server, &vs);
        }
    }
    if (!cf->order_ok && cf->path_len > 0) {
        rl_varset vs = {0};
        od_finding *f = chain_finding(x, OD_ID(CHAIN_WRONG_ORDER), OD_SEV_FAIL, hs, &vs, port);
        if (f) {
            cJSON_AddItemToObject(f->evidence, "order_needed", chain_subjects(x, hs, cf->path, cf->path_len));
            cJSON *pos = cJSON_AddArrayToObject(f->evidence, "path_positions");
            od_buf b;
            od_buf_init(&b);
            for (size_t i = 0; i < cf->path_len; i++) {
                cJSON_AddItemToArray(pos, cJSON_CreateNumber((double)cf->path[i]));
                od_buf_printf(&b, "%s%zu", i ? "," : "", cf->path[i]);
            }
            const od_cert *first = rl_hs_cert(x, hs, 0);
            const od_cert *real_leaf = rl_hs_cert(x, hs, cf->path[0]);
            char *reversed = cf->path[0] != 0
                ? od_xasprintf(" The certificate sent first (%s) is a CA certificate on the issuer path of the leaf (%s, sent "
                               "at position %zu), so the chain was sent in reverse: CloudFront takes the first "
                               "certificate as the origin's own.",
                               first && first->subject ? first->subject : "?",
                               real_leaf && real_leaf->subject ? real_leaf->subject : "?", cf->path[0])
                : od_xstrdup("");
            f->detail = od_xasprintf("For SNI %s the origin sends %zu certificates; the issuer path runs through "
                                     "sent positions %s, but CloudFront needs leaf first, then each issuer in turn "
                                     "(0,1,2,...).%s", hs->sni, hs->chain_len, b.data ? b.data : "", reversed);
            free(reversed);
            od_buf_free(&b);
            if (!hs->ok)   /* what the failed handshake said, beside its cause */
                rl_ev_str(f, "handshake_error", hs->error);
            rl_finish(x, f, x->cert_server, &vs);
        }
    }
    if (cf->ends_at_untrusted_root && !cf->leaf_self_signed) {
        rl_varset vs = {0};
        od_finding *f = chain_finding(x, OD_ID(CERT_UNTRUSTED_ROOT), OD_SEV_FAIL, hs, &vs, port);
        if (f) {
            const od_cert *root = cf->path_len ? rl_hs_cert(x, hs, cf->path[cf->path_len - 1]) : NULL;
            const char *rs = root && root->subject ? root->subject : "an unknown CA";
            rl_ev_str(f, "root", rs);
            rl_ev_str(f, "trust_store", x->o->trust_store_used);
            f->detail = od_xasprintf("For SNI %s the chain ends at %s, which the trust store (%s) does not hold.",
                                     hs->sni, rs, x->o->trust_store_used ? x->o->trust_store_used : "system");
            rl_var(&vs, "issuer", rs);
            rl_finish(x, f, x->cert_server, &vs);
        }
    }
    if (cf->root_included) {
        rl_varset vs = {0};
        od_finding *f = chain_finding(x, OD_ID(CHAIN_HAS_ROOT), OD_SEV_INFO, hs, &vs, port);
        if (f) {
            const od_cert *root = rl_hs_cert(x, hs, cf->root_position);
            rl_ev_int(f, "root_position", (double)cf->root_position);
            rl_ev_str(f, "root", root ? root->subject : NULL);
            f->detail = od_xasprintf("For SNI %s the origin also sends the root %s (position %zu); harmless.",
                                     hs->sni, root && root->subject ? root->subject : "?", cf->root_position);
            rl_finish(x, f, x->cert_server, &vs);
        }
    }
}

/* Validity and strength of each certificate on the issuer path. */
static void rule_validity_one(rule_ctx *x, const od_handshake *hs)
{
    size_t positions[OD_CHAIN_MAX], n = 0;
    if (hs->facts.analysed && hs->facts.path_len)
        for (size_t i = 0; i < hs->facts.path_len && i < OD_CHAIN_MAX; i++)
            positions[n++] = hs->facts.path[i];
    else if (hs->chain_len)
        positions[n++] = 0;
    struct {
        const char *id;
        od_severity sev;
    } kinds[] = {{OD_ID(CERT_EXPIRED), OD_SEV_FAIL}, {OD_ID(CERT_NOT_YET_VALID), OD_SEV_FAIL},
                 {OD_ID(CERT_EXPIRES_SOON), OD_SEV_WARN}, {OD_ID(CERT_WEAK_KEY_OR_SIGNATURE), OD_SEV_WARN}};
    for (size_t k = 0; k < 4; k++) {
        cJSON *bad = cJSON_CreateArray();
        const od_cert *first = NULL;
        for (size_t i = 0; i < n; i++) {
            const od_cert *c = rl_hs_cert(x, hs, positions[i]);
            if (!c)
                continue;
            char *reason = NULL;
            if (k == 0 && c->not_after && x->now > c->not_after)
                reason = od_xstrdup("expired");
            else if (k == 1 && c->not_before && x->now < c->not_before)
                reason = od_xstrdup("not yet valid");
            else if (k == 2 && c->not_after && x->now <= c->not_after &&
                     c->not_after - x->now <= EXPIRES_SOON_SECONDS &&
                     !(c->not_before && x->now < c->not_before))
                reason = od_xasprintf("expires in %lld days", (long long)((c->not_after - x->now) / 86400));
            else if (k == 3) {
                bool weak_rsa = c->key_type && od_strcasecmp(c->key_type, "RSA") == 0 && c->key_bits > 0 &&
                                c->key_bits < 2048;
                /* A root's own signature is never checked, so it does not matter. */
                bool weak_sig = !c->self_signed && (od_strcasestr(c->signature_algorithm, "SHA1") ||
                                                    od_strcasestr(c->signature_algorithm, "SHA-1") ||
                                                    od_strcasestr(c->signature_algorithm, "MD5"));
                if (weak_rsa || weak_sig)
                    reason = od_xasprintf("%s%s%s", weak_rsa ? "RSA key below 2048 bits" : "",
                                          weak_rsa && weak_sig ? ", " : "",
                                          weak_sig ? "weak signature algorithm" : "");
            }
            if (!reason)
                continue;
            cJSON *o = cJSON_CreateObject();
            ev_cert(o, c, positions[i]);
            cJSON_AddStringToObject(o, "problem", reason);
            if (k == 3) {
                cJSON_AddStringToObject(o, "key_type", c->key_type ? c->key_type : "");
                cJSON_AddNumberToObject(o, "key_bits", c->key_bits);
                cJSON_AddStringToObject(o, "signature_algorithm", c->signature_algorithm ? c->signature_algorithm : "");
            }
            cJSON_AddItemToArray(bad, o);
            free(reason);
            if (!first)
                first = c;
        }
        if (!first) {
            cJSON_Delete(bad);
            continue;
        }
        rl_varset vs = {0};
        char port[16];
        od_finding *f = chain_finding(x, kinds[k].id, kinds[k].sev, hs, &vs, port);
        if (!f) {
            cJSON_Delete(bad);
            continue;
        }
        cJSON_AddItemToObject(f->evidence, "certificates", bad);
        rl_ev_time(f, "checked_at", x->now);
        char na[32], nb[32];
        od_format_time(first->not_after, na, sizeof na);
        od_format_time(first->not_before, nb, sizeof nb);
        rl_ev_str(f, "subject", first->subject);
        rl_ev_str(f, "not_after", na);
        rl_ev_str(f, "not_before", nb);
        rl_var(&vs, "not_after", na);
        rl_var(&vs, "not_before", nb);
        rl_var(&vs, "issuer", first->issuer);
        const char *what = k == 0 ? "expired on" : k == 1 ? "is not valid before" : k == 2 ? "expires on" : NULL;
        if (what)
            f->detail = od_xasprintf("For SNI %s the certificate %s %s %s.", hs->sni,
                                     first->subject ? first->subject : "?", what, k == 1 ? nb : na);
        else
            f->detail = od_xasprintf("For SNI %s the certificate %s has a weak key or signature (%s %d bits, %s).",
                                     hs->sni, first->subject ? first->subject : "?",
                                     first->key_type ? first->key_type : "?", first->key_bits,
                                     first->signature_algorithm ? first->signature_algorithm : "?");
        rl_finish(x, f, x->cert_server, &vs);
    }
}

static void rule_chain(rule_ctx *x)
{
    for (size_t i = 0; i < x->o->n_handshakes; i++) {
        const od_handshake *hs = &x->o->handshakes[i];
        if (!hs->sni || !rl_is_expected(x, hs->sni) || !rl_chain_received(x, hs))
            continue;
        rule_chain_one(x, hs);
        rule_validity_one(x, hs);
    }
}

static void ev_names_of(cJSON *obj, const od_cert *c)
{
    cJSON_AddStringToObject(obj, "subject", c->subject ? c->subject : "");
    cJSON_AddItemToObject(obj, "common_names", rl_str_array(&c->common_names));
    cJSON_AddItemToObject(obj, "san_dns", rl_str_array(&c->san_dns));
    cJSON_AddItemToObject(obj, "san_ip", rl_str_array(&c->san_ip));
    if (c->sha256)
        cJSON_AddStringToObject(obj, "sha256", c->sha256);
}

static void rule_names(rule_ctx *x)
{
    if (!od_case_uses_https(x->c))
        return;
    for (size_t n = 0; n < x->names.len; n++) {
        const char *name = x->names.items[n];
        for (size_t i = 0; i < x->o->n_handshakes; i++) {
            const od_handshake *hs = &x->o->handshakes[i];
            const od_cert *leaf = hs->sni && od_strcasecmp(hs->sni, name) == 0 && rl_chain_received(x, hs)
                                      ? rl_hs_cert(x, hs, 0) : NULL;
            if (!leaf || od_cert_covers(leaf, name, NULL))
                continue;
            od_finding *f = rl_finding_new(x, OD_ID(CERT_NAME_MISMATCH), OD_SEV_FAIL, name, hs->address);
            if (!f)
                continue;
            od_strlist_add(&f->names, name);
            rl_ev_str(f, "name", name);
            rl_ev_str(f, "sni", name);
            rl_ev_int(f, "port", hs->port);
            cJSON *lo = cJSON_AddObjectToObject(f->evidence, "certificate");
            ev_names_of(lo, leaf);
            char *sans = od_strlist_join(&leaf->san_dns, ", ", "");
            char *cns = od_strlist_join(&leaf->common_names, ", ", "");
            f->detail = od_xasprintf("CloudFront sends SNI %s, but the certificate served for it covers only %s%s%s.",
                                     name, leaf->san_dns.len ? sans : "", leaf->san_dns.len ? "" : "CN ",
                                     leaf->san_dns.len ? "" : (leaf->common_names.len ? cns : "(no names)"));
            free(sans);
            free(cns);
            /* the command must show the failure: openssl checks the name
             * only when asked, and against the same trust store */
            char *verify = od_xasprintf("-verify_hostname %s -verify_return_error", name);
            f->reproduce = rl_sclient(x, hs->address, hs->port, name, verify);
            free(verify);
            /* a load balancer's own name: no installable certificate covers it */
            const od_aws_endpoint *ep = od_aws_endpoint_match(&x->p->aws, name);
            bool own_lb_name = ep && !ep->own_name_certifiable && od_strcasecmp(name, x->c->origin_domain) == 0;
            rl_varset vs = {0};
            if (own_lb_name)
                rl_var(&vs, "service", ep->service);
            rl_finish_for_name(x, f, own_lb_name ? "aws-elb-name" : x->cert_server, &vs, name, hs->address, hs->port);
        }
    }
}

static void rule_sni_differs(rule_ctx *x)
{
    if (!od_case_uses_https(x->c))
        return;
    for (size_t i = 0; i < x->o->n_handshakes; i++) {
        const od_handshake *plain = &x->o->handshakes[i];
        if (plain->sni || !rl_https_handshake(x, plain))
            continue;
        const od_cert *plain_leaf = plain->ok ? rl_hs_cert(x, plain, 0) : NULL;
        bool plain_refused = !plain->ok && (plain->outcome == OD_TLS_ALERT || plain->outcome == OD_TLS_CLOSED ||
                                            plain->outcome == OD_TLS_ERROR || plain->outcome == OD_TLS_VERSION_REFUSED);
        if (!plain_leaf && !plain_refused)
            continue;
        for (size_t j = 0; j < x->o->n_handshakes; j++) {
            const od_handshake *hs = &x->o->handshakes[j];
            /* a broad-offer handshake is compared with nothing: the no-SNI one
             * used CloudFront's offer, so a difference would say nothing about SNI */
            const od_cert *leaf = hs->ok && !hs->cert_only && hs->sni && rl_is_expected(x, hs->sni) &&
                                          hs->port == plain->port && strcmp(hs->address, plain->address) == 0
                                      ? rl_hs_cert(x, hs, 0) : NULL;
            if (!leaf)
                continue;
            if (plain_leaf && leaf->sha256 && plain_leaf->sha256 && strcmp(leaf->sha256, plain_leaf->sha256) == 0)
                continue;
            if (plain_leaf && plain_leaf == leaf)
                continue;
            od_finding *f = rl_finding_new(x, OD_ID(TLS_SNI_CERT_DIFFERS), OD_SEV_INFO, hs->sni, hs->address);
            if (!f)
                continue;
            od_strlist_add(&f->names, hs->sni);
            rl_ev_str(f, "sni", hs->sni);
            rl_ev_int(f, "port", hs->port);
            cJSON *with = cJSON_AddObjectToObject(f->evidence, "with_sni");
            ev_names_of(with, leaf);
            cJSON_AddBoolToObject(with, "covers_name", od_cert_covers(leaf, hs->sni, NULL));
            cJSON *without = cJSON_AddObjectToObject(f->evidence, "without_sni");
            if (plain_leaf) {
                ev_names_of(without, plain_leaf);
                cJSON_AddBoolToObject(without, "covers_name", od_cert_covers(plain_leaf, hs->sni, NULL));
                f->detail = od_xasprintf("With SNI %s the origin presents %s; without SNI it presents %s. "
                                         "CloudFront always sends SNI, so only the first one counts.",
                                         hs->sni, leaf->subject ? leaf->subject : "?",
                                         plain_leaf->subject ? plain_leaf->subject : "?");
            } else {
                cJSON_AddStringToObject(without, "outcome", od_tls_outcome_name(plain->outcome));
                if (plain->alert_name)
                    cJSON_AddStringToObject(without, "alert_name", plain->alert_name);
                if (plain->error)
                    cJSON_AddStringToObject(without, "error", plain->error);
                f->detail = od_xasprintf("With SNI %s the origin presents %s; without SNI it refuses the handshake "
                                         "(%s). CloudFront always sends SNI, so this does not matter to it.",
                                         hs->sni, leaf->subject ? leaf->subject : "?",
                                         plain->alert_name ? plain->alert_name : od_tls_outcome_name(plain->outcome));
            }
            f->reproduce = rl_sclient(x, hs->address, hs->port, NULL, NULL);
            char port[16];
            snprintf(port, sizeof port, "%d", hs->port);
            rl_varset vs = {0};
            rl_var(&vs, "name", hs->sni);
            rl_var(&vs, "sni", hs->sni);
            rl_var(&vs, "port", port);
            rl_var(&vs, "address", hs->address);
            rl_finish(x, f, x->cert_server, &vs);
        }
    }
}

/* NAMES_COVERED: a certificate was received for every expected name, and
 * it covers the name (a mismatch would have denied this pass). */
static void pass_names(rule_ctx *x)
{
    if (!od_case_uses_https(x->c) || !x->names.len)
        return;
    cJSON *matched = cJSON_CreateObject();
    size_t checked = 0;
    for (size_t n = 0; n < x->names.len; n++) {
        const char *name = x->names.items[n];
        bool any = false;
        for (size_t i = 0; i < x->o->n_handshakes; i++) {
            const od_handshake *hs = &x->o->handshakes[i];
            const od_cert *leaf = hs->ok && hs->sni && od_strcasecmp(hs->sni, name) == 0 &&
                                          rl_https_handshake(x, hs) ? rl_hs_cert(x, hs, 0) : NULL;
            const char *by = NULL;
            if (!leaf || !od_cert_covers(leaf, name, &by))
                continue;
            any = true;
            if (!cJSON_GetObjectItemCaseSensitive(matched, name))
                cJSON_AddStringToObject(matched, name, by ? by : "");
        }
        checked += any;
    }
    if (checked == x->names.len) {
        od_finding *f = rl_finding_new(x, OD_ID(NAMES_COVERED), OD_SEV_PASS, NULL, NULL);
        cJSON_AddItemToObject(f->evidence, "matched_by", matched);
        matched = NULL;
        f->detail = od_xasprintf("The certificate served for each name CloudFront sends (%s) covers it.",
                                 x->names_joined);
        char port[16];
        snprintf(port, sizeof port, "%d", x->c->https_port);
        f->reproduce = rl_sclient(x, NULL, x->c->https_port, rl_first_name(x), NULL);
        rl_varset vs = {0};
        rl_var(&vs, "name", rl_first_name(x));
        rl_var(&vs, "port", port);
        rl_finish(x, f, x->cert_server, &vs);
    }
    cJSON_Delete(matched);
}

/* CHAIN_OK: every expected name completes a handshake and at least one
 * chain was analysed (a chain problem would have denied this pass). */
static void pass_chain(rule_ctx *x)
{
    if (!od_case_uses_https(x->c) || !rl_every_name_completes(x))
        return;
    size_t analysed = 0;
    for (size_t n = 0; n < x->names.len; n++)
        for (size_t i = 0; i < x->o->n_handshakes; i++)
            analysed += rl_completed_for(x, &x->o->handshakes[i], x->names.items[n]) &&
                        x->o->handshakes[i].facts.analysed;
    if (!analysed)
        return;
    od_finding *f = rl_finding_new(x, OD_ID(CHAIN_OK), OD_SEV_PASS, NULL, NULL);
    rl_ev_str(f, "trust_store", x->o->trust_store_used);
    f->detail = od_xstrdup("Leaf first, then each issuer in turn, up to a trusted CA; every certificate "
                           "on the path is within its validity period.");
    f->reproduce = rl_sclient(x, NULL, x->c->https_port, rl_first_name(x), NULL);
    char port[16];
    snprintf(port, sizeof port, "%d", x->c->https_port);
    rl_varset vs = {0};
    rl_var(&vs, "port", port);
    rl_finish(x, f, x->cert_server, &vs);
}

/* A bundle file: does the private key belong to the leaf? nginx, Apache
 * and HAProxy refuse to start with a key that does not; IIS and ACM refuse
 * the import. */
static const od_cert *bundle_leaf(const rule_ctx *x)
{
    return x->o->n_handshakes ? rl_hs_cert(x, &x->o->handshakes[0], 0) : NULL;
}

static void key_finding(rule_ctx *x, bool ok)
{
    const od_bundle_obs *b = x->o->bundle;
    const od_cert *leaf = bundle_leaf(x);
    od_finding *f = rl_finding_new(x, ok ? OD_ID(BUNDLE_KEY_MATCHES) : OD_ID(BUNDLE_KEY_MISMATCH),
                                   ok ? OD_SEV_PASS : OD_SEV_FAIL, NULL, NULL);
    rl_ev_str(f, "key", b->key_source);
    rl_ev_str(f, "certificate", leaf ? leaf->subject : NULL);
    rl_ev_str(f, "certificate_sha256", leaf ? leaf->sha256 : NULL);
    f->detail = ok ? od_xasprintf("The private key (%s) belongs to the certificate %s.", b->key_source,
                                  leaf && leaf->subject ? leaf->subject : "?")
                   : od_xasprintf("The private key (%s) does not belong to the certificate %s: the server refuses "
                                  "to load the pair (nginx: \"key values mismatch\"), or the import fails.",
                                  b->key_source, leaf && leaf->subject ? leaf->subject : "?");
    f->reproduce = od_xasprintf("openssl x509 -in '%s' -noout -pubkey | openssl sha256; openssl pkey -in '%s' "
                                "-pubout | openssl sha256", b->file, b->key_source);
    rl_varset vs = {0};
    rl_finish(x, f, x->cert_server, &vs);
}

static void rule_bundle_key(rule_ctx *x)
{
    const od_bundle_obs *b = x->o->bundle;
    if (!b)
        return;
    if (b->key_matches == OD_TRI_UNTESTED)
        rl_note_untested(x, od_xstrdup("private key: none given (--key), so whether it belongs to the certificate "
                                       "is not checked"));
    else if (b->key_matches == OD_TRI_NO)
        key_finding(x, false);
}

static void pass_bundle_key(rule_ctx *x)
{
    if (x->o->bundle && x->o->bundle->key_matches == OD_TRI_YES)
        key_finding(x, true);
}

static const rl_rule rules[] = {
    {"chain", rule_chain},
    {"bundle_key", rule_bundle_key},
    {"names", rule_names},
    {"sni_differs", rule_sni_differs},
};

static const rl_pass passes[] = {
    {OD_F_NAMES_COVERED, pass_names},
    {OD_F_CHAIN_OK, pass_chain},
    {OD_F_BUNDLE_KEY_MATCHES, pass_bundle_key},
};

const rl_family rl_family_cert = {OD_FAMILY_CERT, rules, RL_LEN(rules), passes, RL_LEN(passes)};
