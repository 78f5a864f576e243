/* Rules: judge what the probes observed, as CloudFront would.
 * Pure: reads Case + Observations + Policy + the fix catalogue + `now`,
 * writes findings. A check that did not run is never a cause nor a pass;
 * it is at most listed in the CHECK_UNTESTED info finding. */
#include "od_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_names.h"

#define EXPIRES_SOON_SECONDS (30 * 24 * 3600)

typedef struct {
    const od_case *c;
    const od_observations *o;
    const od_policy *p;
    const od_fixes *fx;
    time_t now;
    od_finding_list *out;
    size_t base;              /* first finding this run added */
    od_strlist keys;          /* dedupe key of out->items[base + i] */
    od_strlist names;         /* expected names (SNI values CloudFront sends) */
    char *names_joined;
    char *protocols;          /* the distribution's origin SSL protocols */
    const char *server;       /* Server header seen, or NULL */
    const char *cert_server;  /* for certificate fixes: server, or "acm" for Amazon-issued */
    od_strlist untested;      /* checks that did not run */
} ctx;

/* ---- small helpers ---- */

typedef struct {
    od_fix_var v[20];
    size_t n;
} varset;

static void var(varset *vs, const char *key, const char *value)
{
    if (value && vs->n < sizeof vs->v / sizeof vs->v[0]) {
        vs->v[vs->n].key = key;
        vs->v[vs->n].value = value;
        vs->n++;
    }
}

static char *join(const od_strlist *l, const char *sep)
{
    od_buf b;
    od_buf_init(&b);
    od_buf_puts(&b, "");
    for (size_t i = 0; i < l->len; i++) {
        if (i)
            od_buf_puts(&b, sep);
        od_buf_puts(&b, l->items[i]);
    }
    return od_buf_steal(&b);
}

static cJSON *str_array(const od_strlist *l)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < l->len; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(l->items[i]));
    return a;
}

static void ev_str(od_finding *f, const char *key, const char *value)
{
    if (value)
        cJSON_AddStringToObject(f->evidence, key, value);
    else
        cJSON_AddNullToObject(f->evidence, key);
}

static void ev_int(od_finding *f, const char *key, double value)
{
    cJSON_AddNumberToObject(f->evidence, key, value);
}

static void ev_time(od_finding *f, const char *key, time_t t)
{
    char buf[32];
    od_format_time(t, buf, sizeof buf);
    cJSON_AddStringToObject(f->evidence, key, buf);
}

static bool str_contains_ci(const char *hay, const char *needle)
{
    if (!hay || !needle)
        return false;
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        size_t i = 0;
        while (i < n && p[i]) {
            char a = p[i], b = needle[i];
            if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
            if (a != b)
                break;
            i++;
        }
        if (i == n)
            return true;
    }
    return false;
}

static bool is_expected(const ctx *x, const char *name)
{
    return name && od_strlist_contains_ci(&x->names, name);
}

static const od_cert *hs_cert(const ctx *x, const od_handshake *hs, size_t pos)
{
    if (pos >= hs->chain_len || hs->chain[pos] >= x->o->n_certs)
        return NULL;
    return &x->o->certs[hs->chain[pos]];
}

static const od_address *find_address(const ctx *x, const char *addr)
{
    for (size_t i = 0; i < x->o->n_addresses; i++)
        if (strcmp(x->o->addresses[i].address, addr) == 0)
            return &x->o->addresses[i];
    return NULL;
}

/* The host part of a reproduction command: the address when it matters
 * (several addresses, or pinned with --resolve), else the origin name. */
static char *connect_target(const ctx *x, const char *addr)
{
    /* an origin pinned with --resolve does not resolve on the engineer's
     * machine either: the command must name the address */
    if ((!addr || !*addr) && x->o->n_addresses > 0 && x->o->addresses[0].from_resolve)
        addr = x->o->addresses[0].address;
    const od_address *a = addr && *addr ? find_address(x, addr) : NULL;
    bool use_addr = addr && *addr &&
                    (x->o->n_addresses > 1 || (a && a->from_resolve) || !a || !x->c->origin_domain);
    if (!use_addr)
        return od_xstrdup(x->c->origin_domain ? x->c->origin_domain : "ORIGIN");
    if (strchr(addr, ':'))
        return od_xasprintf("[%s]", addr);
    return od_xstrdup(addr);
}

static char *sclient(const ctx *x, const char *addr, int port, const char *sni, const char *extra)
{
    char *t = connect_target(x, addr);
    char *cmd;
    if (sni)
        cmd = od_xasprintf("openssl s_client -connect %s:%d -servername %s -showcerts%s%s </dev/null",
                           t, port, sni, extra ? " " : "", extra ? extra : "");
    else
        cmd = od_xasprintf("openssl s_client -connect %s:%d -noservername -showcerts%s%s </dev/null",
                           t, port, extra ? " " : "", extra ? extra : "");
    free(t);
    return cmd;
}

/* Adds a finding, or, when one with the same id and key exists, adds the
 * address to its evidence and returns NULL (the caller then stops). */
static od_finding *finding_new(ctx *x, const char *id, od_severity sev, const char *key,
                               const char *address)
{
    char *k = od_xasprintf("%s|%s", id, key ? key : "");
    for (size_t i = 0; i < x->keys.len; i++) {
        if (strcmp(x->keys.items[i], k) != 0)
            continue;
        free(k);
        od_finding *f = &x->out->items[x->base + i];
        if (sev > f->severity)
            f->severity = sev;
        if (address && *address) {
            cJSON *addrs = cJSON_GetObjectItemCaseSensitive(f->evidence, "addresses");
            if (!addrs)
                addrs = cJSON_AddArrayToObject(f->evidence, "addresses");
            bool seen = false;
            const cJSON *it;
            cJSON_ArrayForEach(it, addrs)
                if (cJSON_IsString(it) && strcmp(it->valuestring, address) == 0)
                    seen = true;
            if (!seen)
                cJSON_AddItemToArray(addrs, cJSON_CreateString(address));
        }
        return NULL;
    }
    od_strlist_add_owned(&x->keys, k);
    od_finding *f = od_finding_list_add(x->out);
    f->id = od_xstrdup(id);
    f->severity = sev;
    if (address && *address) {
        cJSON *addrs = cJSON_AddArrayToObject(f->evidence, "addresses");
        cJSON_AddItemToArray(addrs, cJSON_CreateString(address));
    }
    return f;
}

/* Title, fix steps (server-specific first) and fallbacks. */
static void finish(ctx *x, od_finding *f, const char *server, varset *vs)
{
    var(vs, "origin", x->c->origin_domain);
    var(vs, "names", x->names_joined);
    var(vs, "protocols", x->protocols);
    if (f->names.len == 0)
        od_strlist_copy(&f->names, &x->names);
    od_fixes_apply(x->fx, f, server, vs->v, vs->n);
    if (!f->title)
        f->title = od_xstrdup(f->id);
    if (!f->detail)
        f->detail = od_xstrdup("");
}

/* Finishes a finding about one expected name at one address and port. */
static void finish_for_name(ctx *x, od_finding *f, const char *server, varset *vs, const char *name,
                            const char *address, int port)
{
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", port);
    var(vs, "name", name);
    var(vs, "sni", name);
    var(vs, "port", port_text);
    var(vs, "address", address);
    finish(x, f, server, vs);
}

static void note_untested(ctx *x, char *text)
{
    if (!od_strlist_contains(&x->untested, text))
        od_strlist_add(&x->untested, text);
    free(text);
}

static bool https_handshake(const ctx *x, const od_handshake *hs)
{
    return hs->port == x->c->https_port;
}

/* ---- rules ---- */

static void rule_vantage(ctx *x)
{
    od_finding *f = finding_new(x, "VANTAGE_POINT", OD_SEV_INFO, NULL, NULL);
    od_strlist pinned, probed;
    od_strlist_init(&pinned);
    od_strlist_init(&probed);
    for (size_t i = 0; i < x->o->n_addresses; i++) {
        od_strlist_add(&probed, x->o->addresses[i].address);
        if (x->o->addresses[i].from_resolve)
            od_strlist_add(&pinned, x->o->addresses[i].address);
    }
    ev_str(f, "checked_from", "this machine");
    cJSON_AddItemToObject(f->evidence, "addresses_probed", str_array(&probed));
    cJSON_AddItemToObject(f->evidence, "addresses_pinned_with_resolve", str_array(&pinned));
    ev_str(f, "trust_store", x->o->trust_store_used);
    ev_str(f, "cloudfront_prefix_list", "com.amazonaws.global.cloudfront.origin-facing");
    char *pinned_s = join(&pinned, ", ");
    f->detail = pinned.len
        ? od_xasprintf("These checks ran from this machine, not from CloudFront. The address(es) %s were "
                       "pinned with --resolve instead of public DNS; CloudFront uses public DNS. A firewall "
                       "that admits this machine but not CloudFront's origin-facing prefix list "
                       "(com.amazonaws.global.cloudfront.origin-facing) behaves differently.", pinned_s)
        : od_xstrdup("These checks ran from this machine, not from CloudFront. A firewall that admits this "
                     "machine but not CloudFront's origin-facing prefix list "
                     "(com.amazonaws.global.cloudfront.origin-facing) behaves differently.");
    free(pinned_s);
    f->reproduce = od_xstrdup("aws ec2 describe-managed-prefix-lists --filters "
                              "Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing");
    varset vs = {0};
    finish(x, f, x->server, &vs);
    od_strlist_free(&pinned);
    od_strlist_free(&probed);
}

static void rule_origin_is_ip(ctx *x)
{
    const char *origin = x->c->origin_domain;
    if (x->o->dns.status != OD_DNS_IS_IP && !(origin && od_is_ip_literal(origin)))
        return;
    od_finding *f = finding_new(x, "ORIGIN_IS_IP_ADDRESS", OD_SEV_FAIL, NULL, NULL);
    ev_str(f, "origin_domain", origin);
    f->detail = od_xasprintf("The origin domain \"%s\" is an IP address; CloudFront requires a DNS name "
                             "for a custom origin.", origin ? origin : "");
    f->reproduce = sclient(x, NULL, x->c->https_port, NULL, NULL);
    char port[16];
    snprintf(port, sizeof port, "%d", x->c->https_port);
    varset vs = {0};
    var(&vs, "port", port);
    var(&vs, "address", origin);
    finish(x, f, x->server, &vs);
}

static void rule_dns(ctx *x)
{
    const od_dns_result *d = &x->o->dns;
    const char *origin = x->c->origin_domain ? x->c->origin_domain : "";
    char *dig = od_xasprintf("dig %s A +noall +answer; dig %s AAAA +noall +answer", origin, origin);
    if (d->status == OD_DNS_NO_SUCH_HOST || d->status == OD_DNS_FAILED) {
        bool nx = d->status == OD_DNS_NO_SUCH_HOST;
        od_finding *f = finding_new(x, nx ? "DNS_NO_SUCH_HOST" : "DNS_LOOKUP_FAILED", OD_SEV_FAIL, NULL, NULL);
        ev_str(f, "origin_domain", origin);
        ev_str(f, "resolver_error", d->error);
        f->detail = nx ? od_xasprintf("The name %s does not exist in DNS (%s).", origin,
                                      d->error ? d->error : "no such host")
                       : od_xasprintf("Looking up %s failed: %s.", origin, d->error ? d->error : "no answer");
        f->reproduce = od_xstrdup(dig);
        varset vs = {0};
        finish(x, f, x->server, &vs);
    } else if (d->status == OD_DNS_OK) {
        od_strlist priv, all;
        od_strlist_init(&priv);
        od_strlist_init(&all);
        for (size_t i = 0; i < x->o->n_addresses; i++) {
            const od_address *a = &x->o->addresses[i];
            if (a->from_resolve)   /* the user's own choice, see VANTAGE_POINT */
                continue;
            od_strlist_add(&all, a->address);
            if (a->is_private)
                od_strlist_add(&priv, a->address);
        }
        od_finding *f = NULL;
        if (priv.len) {
            f = finding_new(x, "DNS_PRIVATE_ADDRESS", OD_SEV_WARN, NULL, NULL);
            cJSON_AddItemToObject(f->evidence, "private_addresses", str_array(&priv));
            char *s = join(&priv, ", ");
            f->detail = od_xasprintf("%s resolves to %s, which CloudFront cannot reach over the internet.",
                                     origin, s);
            free(s);
        } else if (all.len) {
            f = finding_new(x, "DNS_OK", OD_SEV_PASS, NULL, NULL);
            char *s = join(&all, ", ");
            f->detail = od_xasprintf("%s resolves to %s.", origin, s);
            free(s);
        }
        if (f) {
            ev_str(f, "origin_domain", origin);
            cJSON_AddItemToObject(f->evidence, "addresses", str_array(&all));
            f->reproduce = od_xstrdup(dig);
            varset vs = {0};
            var(&vs, "address", priv.len ? priv.items[0] : NULL);
            finish(x, f, x->server, &vs);
        }
        od_strlist_free(&priv);
        od_strlist_free(&all);
    } else if (d->status == OD_DNS_NOT_RUN) {
        bool all_pinned = x->o->n_addresses > 0;
        for (size_t i = 0; i < x->o->n_addresses; i++)
            if (!x->o->addresses[i].from_resolve)
                all_pinned = false;
        note_untested(x, all_pinned ? od_xasprintf("DNS: %s was not looked up (addresses pinned with --resolve)",
                                                   origin)
                                    : od_xasprintf("DNS: %s was not looked up", origin));
    }
    free(dig);
}

static bool port_allowed(int port)
{
    return port == 80 || port == 443 || (port >= 1024 && port <= 65535);
}

static void rule_ports(ctx *x)
{
    struct { bool used; const char *field; int port; } ports[] = {
        {od_case_uses_https(x->c), "https_port", x->c->https_port},
        {od_case_uses_http(x->c), "http_port", x->c->http_port},
    };
    for (size_t i = 0; i < 2; i++) {
        if (!ports[i].used || port_allowed(ports[i].port))
            continue;
        char key[16];
        snprintf(key, sizeof key, "%d", ports[i].port);
        od_finding *f = finding_new(x, "PORT_INVALID_FOR_CLOUDFRONT", OD_SEV_FAIL, key, NULL);
        if (!f)
            continue;
        ev_str(f, "field", ports[i].field);
        ev_int(f, "port", ports[i].port);
        ev_str(f, "allowed", "80, 443, 1024-65535");
        f->detail = od_xasprintf("The %s is %d; CloudFront only connects to 80, 443 or 1024-65535.",
                                 ports[i].field, ports[i].port);
        varset vs = {0};
        var(&vs, "port", key);
        finish(x, f, x->server, &vs);
    }
}

static const char *tcp_finding_id(od_tcp_state s)
{
    switch (s) {
    case OD_TCP_REFUSED: return "PORT_REFUSED";
    case OD_TCP_TIMEOUT: return "PORT_TIMEOUT";
    case OD_TCP_UNREACHABLE: return "PORT_UNREACHABLE";
    default: return NULL;
    }
}

static void rule_tcp_port(ctx *x, int port, const char *field)
{
    size_t tested = 0, open = 0;
    od_strlist open_addrs;
    od_strlist_init(&open_addrs);
    for (size_t i = 0; i < x->o->n_tcp; i++) {
        const od_tcp_result *t = &x->o->tcp[i];
        if (t->port != port || t->state == OD_TCP_UNTESTED)
            continue;
        if (t->state == OD_TCP_ERROR) {
            /* a failure on this machine (no file descriptor, no route family)
             * says nothing about the origin */
            note_untested(x, od_xasprintf("TCP %s port %d: %s", t->address, port, t->error ? t->error : "local error"));
            continue;
        }
        tested++;
        if (t->state == OD_TCP_OPEN) {
            open++;
            od_strlist_add(&open_addrs, t->address);
        }
    }
    if (tested == 0) {
        note_untested(x, od_xasprintf("TCP: connection to port %d was not tried", port));
        od_strlist_free(&open_addrs);
        return;
    }
    /* CloudFront tries the next address when a connection fails: only
     * when every address fails does no request get through. */
    od_severity sev = open == 0 ? OD_SEV_FAIL : OD_SEV_WARN;
    char key[16];
    snprintf(key, sizeof key, "%d", port);
    for (size_t i = 0; i < x->o->n_tcp; i++) {
        const od_tcp_result *t = &x->o->tcp[i];
        const char *id = t->port == port ? tcp_finding_id(t->state) : NULL;
        if (!id)
            continue;
        od_finding *f = finding_new(x, id, sev, key, t->address);
        if (!f)
            continue;
        ev_int(f, "port", port);
        ev_str(f, "port_field", field);
        ev_str(f, "state", od_tcp_state_name(t->state));
        ev_str(f, "error", t->error);
        ev_int(f, "duration_ms", (double)t->duration_ms);
        cJSON_AddItemToObject(f->evidence, "open_on", str_array(&open_addrs));
        f->detail = od_xasprintf("Connecting to %s port %d: %s%s%s (%zu of %zu addresses reachable on this port).",
                                 t->address, port, od_tcp_state_name(t->state), t->error ? ", " : "",
                                 t->error ? t->error : "", open, tested);
        f->reproduce = od_xasprintf("nc -vz -w %d %s %d", x->c->timeout_s > 0 ? x->c->timeout_s : 10,
                                    t->address, port);
        varset vs = {0};
        var(&vs, "port", key);
        var(&vs, "address", t->address);
        finish(x, f, x->server, &vs);
    }
    od_strlist_free(&open_addrs);
}

static void rule_tcp(ctx *x)
{
    if (od_case_uses_https(x->c))
        rule_tcp_port(x, x->c->https_port, "https_port");
    if (od_case_uses_http(x->c) && x->c->http_port != x->c->https_port)
        rule_tcp_port(x, x->c->http_port, "http_port");
}

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

static proto_state protocol_state(const ctx *x)
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
        if (x->o->handshakes[i].ok && https_handshake(x, &x->o->handshakes[i]))
            s.accepted |= proto_from_version(x->o->handshakes[i].version);
    /* SSL 3.0 cannot be offered from here, but a protocol_version alert to
     * CloudFront's own ClientHello proves it refused too: a server that
     * spoke SSL 3.0 would have chosen it (the highest version it has at or
     * below the one offered) instead of refusing. */
    for (size_t i = 0; i < x->o->n_handshakes; i++) {
        const od_handshake *hs = &x->o->handshakes[i];
        if (!hs->ok && !hs->cert_only && https_handshake(x, hs) && hs->outcome == OD_TLS_ALERT &&
            hs->alert == 70 /* protocol_version */)
            s.refused |= OD_PROTO_SSLV3;
    }
    s.refused &= ~s.accepted;
    s.untested &= ~(s.accepted | s.refused);
    /* Allowed protocols that appear in no row were not tested either. */
    s.untested |= x->c->origin_ssl_protocols & ~(s.accepted | s.refused);
    return s;
}

static char *proto_list(unsigned bits)
{
    char *s = od_ssl_protocols_str(bits);
    if (!*s) {
        free(s);
        return od_xstrdup("none");
    }
    return s;
}

/* Is "no shared protocol" proven: every allowed protocol tested and refused? */
static bool no_shared_protocol(const ctx *x)
{
    unsigned allowed = x->c->origin_ssl_protocols;
    proto_state s = protocol_state(x);
    return od_case_uses_https(x->c) && allowed && (s.refused & allowed) == allowed;
}

/* Protocols at which CloudFront and the origin can meet, as far as observed. */
static unsigned usable_protocols(const ctx *x)
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

static cipher_state cipher_state_at(const ctx *x, unsigned protos)
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

static bool no_shared_cipher(const ctx *x)
{
    unsigned protos = usable_protocols(x);
    if (!od_case_uses_https(x->c) || !protos || no_shared_protocol(x))
        return false;
    cipher_state s = cipher_state_at(x, protos);
    return s.yes == 0 && s.no > 0 && s.untested == 0;
}

/* First failed handshake for evidence of protocol/cipher findings. */
static const od_handshake *first_failed_sni_handshake(const ctx *x)
{
    for (size_t i = 0; i < x->o->n_handshakes; i++) {
        const od_handshake *hs = &x->o->handshakes[i];
        if (hs->sni && is_expected(x, hs->sni) && https_handshake(x, hs) && !hs->ok &&
            (hs->outcome == OD_TLS_ALERT || hs->outcome == OD_TLS_CLOSED || hs->outcome == OD_TLS_ERROR ||
             hs->outcome == OD_TLS_VERSION_REFUSED))
            return hs;
    }
    return NULL;
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

static const char *first_name(const ctx *x)
{
    return x->names.len ? x->names.items[0] : x->c->origin_domain;
}

static void rule_protocols(ctx *x)
{
    if (!od_case_uses_https(x->c))
        return;
    unsigned allowed = x->c->origin_ssl_protocols;
    proto_state s = protocol_state(x);
    const char *name = first_name(x);
    if ((s.accepted & allowed) == 0 && (s.refused & allowed) != 0) {
        bool proven = no_shared_protocol(x);
        od_finding *f = finding_new(x, proven ? "TLS_NO_SHARED_PROTOCOL" : "TLS_PROTOCOL_PARTIAL",
                                    proven ? OD_SEV_FAIL : OD_SEV_WARN, NULL, NULL);
        char *al = proto_list(allowed), *acc = proto_list(s.accepted), *ref = proto_list(s.refused & allowed),
             *unt = proto_list(s.untested & allowed);
        ev_str(f, "distribution_allows", al);
        ev_str(f, "origin_accepts", acc);
        ev_str(f, "origin_refuses", ref);
        ev_str(f, "untested", unt);
        if (s.accepted & OD_PROTO_TLS13)
            ev_str(f, "note", "the origin SSL protocols setting (OriginSslProtocols) has no TLS 1.3 value");
        ev_handshake_error(f, first_failed_sni_handshake(x));
        f->detail = proven
            ? od_xasprintf("The distribution allows %s; the origin refuses %s and accepts %s%s.", al, ref, acc,
                           (s.accepted & OD_PROTO_TLS13) ? " (the origin SSL protocols setting has no TLS 1.3 value)" : "")
            : od_xasprintf("The distribution allows %s; the origin refuses %s; %s could not be tested from "
                           "this machine, so whether CloudFront can connect is not proven.", al, ref, unt);
        const char *flag = (allowed & OD_PROTO_TLS12) ? "-tls1_2" : (allowed & OD_PROTO_TLS11) ? "-tls1_1" : "-tls1";
        const od_handshake *hs = first_failed_sni_handshake(x);
        f->reproduce = sclient(x, hs ? hs->address : NULL, x->c->https_port, name, flag);
        varset vs = {0};
        finish_for_name(x, f, x->server, &vs, name, hs ? hs->address : x->c->origin_domain, x->c->https_port);
        free(al); free(acc); free(ref); free(unt);
    }
    if (s.untested & allowed) {
        char *unt = proto_list(s.untested & allowed);
        note_untested(x, od_xasprintf("protocols: %s not tested from this machine", unt));
        free(unt);
    }
}

static bool is_cloudfront_suite(const ctx *x, const char *rfc_name)
{
    for (size_t i = 0; x->p && i < x->p->n_suites; i++)
        if (x->p->suites[i].rfc_name && strcmp(x->p->suites[i].rfc_name, rfc_name) == 0)
            return true;
    return false;
}

static void rule_ciphers(ctx *x)
{
    if (!od_case_uses_https(x->c) || no_shared_protocol(x))
        return;
    unsigned protos = usable_protocols(x);
    if (!protos)
        return;
    cipher_state s = cipher_state_at(x, protos);
    if (s.yes > 0)
        return;
    if (s.no == 0) {
        char *pl = proto_list(protos);
        note_untested(x, od_xasprintf("cipher suites: CloudFront's suites at %s not tested", pl));
        free(pl);
        return;
    }
    bool proven = s.untested == 0;
    od_finding *f = finding_new(x, proven ? "TLS_NO_SHARED_CIPHER" : "TLS_CIPHER_PARTIAL",
                                proven ? OD_SEV_FAIL : OD_SEV_WARN, NULL, NULL);
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
    char *pl = proto_list(protos);
    ev_str(f, "protocols_checked", pl);
    cJSON_AddItemToObject(f->evidence, "origin_accepts", str_array(&accepted));
    ev_int(f, "cloudfront_suites_refused", (double)s.no);
    ev_int(f, "cloudfront_suites_untested", (double)s.untested);
    /* An ECDSA key on a curve CloudFront does not offer cannot be used. */
    cJSON *curves = NULL;
    for (size_t i = 0; x->p && i < x->o->n_handshakes; i++) {
        const od_handshake *hs = &x->o->handshakes[i];
        const od_cert *leaf = hs->ok ? hs_cert(x, hs, 0) : NULL;
        if (leaf && leaf->key_type && strcmp(leaf->key_type, "ECDSA") == 0 && leaf->key_curve &&
            !od_strlist_contains_ci(&x->p->curves, leaf->key_curve)) {
            if (!curves)
                curves = cJSON_AddArrayToObject(f->evidence, "certificate_key_curve_not_offered");
            cJSON_AddItemToArray(curves, cJSON_CreateString(leaf->key_curve));
        }
    }
    if (x->p) {
        char *cn = join(&x->p->curve_names, ", ");
        ev_str(f, "cloudfront_curves", cn);
        free(cn);
    }
    ev_handshake_error(f, first_failed_sni_handshake(x));
    char *acc = join(&accepted, ", ");
    f->detail = proven
        ? od_xasprintf("At %s the origin refuses all %zu cipher suites CloudFront offers%s%s.", pl, s.no,
                       accepted.len ? "; it accepts only " : "", acc)
        : od_xasprintf("At %s the origin refuses the %zu tested CloudFront cipher suites; %zu could not be "
                       "tested from this machine.", pl, s.no, s.untested);
    if (curves && cJSON_GetArraySize(curves) > 0) {
        /* the likely cause, said in words: an ECDSA key on a curve CloudFront lacks */
        const cJSON *c0 = cJSON_GetArrayItem(curves, 0);
        char *more = od_xasprintf("%s The certificate's ECDSA key is on curve %s, which CloudFront does not offer, "
                                  "so no ECDSA suite can be agreed: use a P-256 or P-384 (or RSA) certificate.",
                                  f->detail, cJSON_IsString(c0) ? c0->valuestring : "?");
        free(f->detail);
        f->detail = more;
    }
    const char *name = first_name(x);
    const od_handshake *hs = first_failed_sni_handshake(x);
    f->reproduce = sclient(x, hs ? hs->address : NULL, x->c->https_port, name,
                           "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256 "
                           "-curves prime256v1:secp384r1:X25519");
    varset vs = {0};
    var(&vs, "protocols", pl);
    finish_for_name(x, f, x->server, &vs, name, hs ? hs->address : x->c->origin_domain, x->c->https_port);
    free(acc);
    free(pl);
    od_strlist_free(&accepted);
}

static void rule_tls_outcome(ctx *x)
{
    if (!od_case_uses_https(x->c))
        return;
    bool explained = no_shared_protocol(x) || no_shared_cipher(x);
    for (size_t n = 0; n < x->names.len; n++) {
        const char *name = x->names.items[n];
        bool tried = false;
        for (size_t i = 0; i < x->o->n_handshakes; i++) {
            const od_handshake *hs = &x->o->handshakes[i];
            if (!hs->sni || od_strcasecmp(hs->sni, name) != 0 || !https_handshake(x, hs))
                continue;
            const char *id = NULL;
            switch (hs->outcome) {
            case OD_TLS_OK: tried = true; continue;
            case OD_TLS_NOT_TLS: id = "TLS_NOT_SPOKEN"; break;
            case OD_TLS_TIMEOUT: id = "TLS_HANDSHAKE_TIMEOUT"; break;
            case OD_TLS_CLIENT_CERT_REQUIRED: id = "TLS_CLIENT_CERT_REQUIRED"; break;
            case OD_TLS_ALERT:
            case OD_TLS_CLOSED:
            case OD_TLS_ERROR:
            case OD_TLS_VERSION_REFUSED: id = explained ? NULL : "TLS_HANDSHAKE_FAILED"; break;
            case OD_TLS_UNTESTED:
            case OD_TLS_CONNECT_FAILED: continue;   /* the TCP rule speaks for it */
            }
            tried = true;
            if (!id)
                continue;
            od_finding *f = finding_new(x, id, OD_SEV_FAIL, name, hs->address);
            if (!f)
                continue;
            od_strlist_add(&f->names, name);
            ev_str(f, "sni", name);
            ev_int(f, "port", hs->port);
            ev_str(f, "outcome", od_tls_outcome_name(hs->outcome));
            if (hs->alert >= 0)
                ev_int(f, "alert", hs->alert);
            ev_str(f, "alert_name", hs->alert_name);
            ev_str(f, "error", hs->error);
            ev_int(f, "duration_ms", (double)hs->duration_ms);
            const char *why = hs->alert_name ? hs->alert_name : hs->error ? hs->error : od_tls_outcome_name(hs->outcome);
            f->detail = od_xasprintf("TLS handshake with SNI %s at %s port %d: %s.", name, hs->address,
                                     hs->port, why);
            f->reproduce = sclient(x, hs->address, hs->port, name, NULL);
            varset vs = {0};
            finish_for_name(x, f, x->server, &vs, name, hs->address, hs->port);
        }
        if (!tried)
            note_untested(x, od_xasprintf("TLS: no handshake with SNI %s was completed or refused "
                                          "(not run)", name));
    }
}

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

static cJSON *chain_subjects(const ctx *x, const od_handshake *hs, const size_t *positions, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        const od_cert *c = hs_cert(x, hs, positions[i]);
        char *s = od_xasprintf("%zu: %s", positions[i], c && c->subject ? c->subject : "?");
        cJSON_AddItemToArray(a, cJSON_CreateString(s));
        free(s);
    }
    return a;
}

/* Opens a chain finding for one SNI handshake (NULL when merged). */
static od_finding *chain_finding(ctx *x, const char *id, od_severity sev, const od_handshake *hs, varset *vs,
                                 char port[16])
{
    od_finding *f = finding_new(x, id, sev, hs->sni, hs->address);
    if (!f)
        return NULL;
    od_strlist_add(&f->names, hs->sni);
    ev_str(f, "sni", hs->sni);
    ev_int(f, "port", hs->port);
    size_t sent[16];
    for (size_t i = 0; i < hs->chain_len && i < 16; i++)
        sent[i] = i;
    cJSON_AddItemToObject(f->evidence, "chain_sent", chain_subjects(x, hs, sent, hs->chain_len));
    f->reproduce = sclient(x, hs->address, hs->port, hs->sni, NULL);
    snprintf(port, 16, "%d", hs->port);
    var(vs, "name", hs->sni);
    var(vs, "sni", hs->sni);
    var(vs, "port", port);
    var(vs, "address", hs->address);
    return f;
}

static void rule_chain_one(ctx *x, const od_handshake *hs)
{
    const od_chain_facts *cf = &hs->facts;
    const od_cert *leaf = hs_cert(x, hs, 0);
    char port[16];
    if (!leaf)
        return;
    bool self_signed = cf->analysed ? cf->leaf_self_signed : leaf->self_signed;
    if (self_signed) {
        varset vs = {0};
        od_finding *f = chain_finding(x, "CERT_SELF_SIGNED", OD_SEV_FAIL, hs, &vs, port);
        if (f) {
            ev_str(f, "subject", leaf->subject);
            ev_str(f, "issuer", leaf->issuer);
            f->detail = od_xasprintf("For SNI %s the origin presents a self-signed certificate (%s).", hs->sni,
                                     leaf->subject ? leaf->subject : "");
            finish(x, f, x->cert_server, &vs);
        }
    }
    if (!cf->analysed)
        return;
    if (cf->issuer_missing) {
        varset vs = {0};
        od_finding *f = chain_finding(x, "CHAIN_INCOMPLETE", OD_SEV_FAIL, hs, &vs, port);
        if (f) {
            const od_cert *c = hs_cert(x, hs, cf->missing_after);
            ev_str(f, "missing_issuer", cf->missing_issuer_dn);
            ev_str(f, "missing_issuer_key_id", cf->missing_issuer_akid);
            ev_int(f, "issuer_missing_for_position", (double)cf->missing_after);
            ev_str(f, "issuer_missing_for", c ? c->subject : NULL);
            od_strlist none;
            od_strlist_init(&none);
            cJSON_AddItemToObject(f->evidence, "aia_issuer_urls", str_array(c ? &c->aia_issuer_urls : &none));
            cJSON_AddBoolToObject(f->evidence, "cloudfront_fetches_aia", false);
            f->detail = od_xasprintf(
                "For SNI %s the certificate at position %zu (%s) is issued by %s, which the origin does not send%s%s%s.",
                hs->sni, cf->missing_after, c && c->subject ? c->subject : "?",
                cf->missing_issuer_dn ? cf->missing_issuer_dn : "an unknown CA",
                c && c->aia_issuer_urls.len ? "; its AIA URL " : "",
                c && c->aia_issuer_urls.len ? c->aia_issuer_urls.items[0] : "",
                c && c->aia_issuer_urls.len ? " points to it, but CloudFront does not fetch it" : "");
            var(&vs, "missing_issuer", cf->missing_issuer_dn);
            var(&vs, "issuer", cf->missing_issuer_dn);
            finish(x, f, x->cert_server, &vs);
        }
    }
    if (!cf->order_ok && cf->path_len > 0) {
        varset vs = {0};
        od_finding *f = chain_finding(x, "CHAIN_WRONG_ORDER", OD_SEV_FAIL, hs, &vs, port);
        if (f) {
            cJSON_AddItemToObject(f->evidence, "order_needed", chain_subjects(x, hs, cf->path, cf->path_len));
            cJSON *pos = cJSON_AddArrayToObject(f->evidence, "path_positions");
            od_buf b;
            od_buf_init(&b);
            for (size_t i = 0; i < cf->path_len; i++) {
                cJSON_AddItemToArray(pos, cJSON_CreateNumber((double)cf->path[i]));
                od_buf_printf(&b, "%s%zu", i ? "," : "", cf->path[i]);
            }
            f->detail = od_xasprintf("For SNI %s the origin sends %zu certificates; the issuer path runs through "
                                     "sent positions %s, but CloudFront needs leaf first, then each issuer in turn "
                                     "(0,1,2,...).", hs->sni, hs->chain_len, b.data ? b.data : "");
            od_buf_free(&b);
            finish(x, f, x->cert_server, &vs);
        }
    }
    if (cf->ends_at_untrusted_root && !cf->leaf_self_signed) {
        varset vs = {0};
        od_finding *f = chain_finding(x, "CERT_UNTRUSTED_ROOT", OD_SEV_FAIL, hs, &vs, port);
        if (f) {
            const od_cert *root = cf->path_len ? hs_cert(x, hs, cf->path[cf->path_len - 1]) : NULL;
            const char *rs = root && root->subject ? root->subject : "an unknown CA";
            ev_str(f, "root", rs);
            ev_str(f, "trust_store", x->o->trust_store_used);
            f->detail = od_xasprintf("For SNI %s the chain ends at %s, which the trust store (%s) does not hold.",
                                     hs->sni, rs, x->o->trust_store_used ? x->o->trust_store_used : "system");
            var(&vs, "issuer", rs);
            finish(x, f, x->cert_server, &vs);
        }
    }
    if (cf->root_included) {
        varset vs = {0};
        od_finding *f = chain_finding(x, "CHAIN_HAS_ROOT", OD_SEV_INFO, hs, &vs, port);
        if (f) {
            const od_cert *root = hs_cert(x, hs, cf->root_position);
            ev_int(f, "root_position", (double)cf->root_position);
            ev_str(f, "root", root ? root->subject : NULL);
            f->detail = od_xasprintf("For SNI %s the origin also sends the root %s (position %zu); harmless.",
                                     hs->sni, root && root->subject ? root->subject : "?", cf->root_position);
            finish(x, f, x->cert_server, &vs);
        }
    }
}

/* Validity and strength of each certificate on the issuer path. */
static void rule_validity_one(ctx *x, const od_handshake *hs)
{
    size_t positions[16], n = 0;
    if (hs->facts.analysed && hs->facts.path_len)
        for (size_t i = 0; i < hs->facts.path_len && i < 16; i++)
            positions[n++] = hs->facts.path[i];
    else if (hs->chain_len)
        positions[n++] = 0;
    struct {
        const char *id;
        od_severity sev;
    } kinds[] = {{"CERT_EXPIRED", OD_SEV_FAIL}, {"CERT_NOT_YET_VALID", OD_SEV_FAIL},
                 {"CERT_EXPIRES_SOON", OD_SEV_WARN}, {"CERT_WEAK_KEY_OR_SIGNATURE", OD_SEV_WARN}};
    for (size_t k = 0; k < 4; k++) {
        cJSON *bad = cJSON_CreateArray();
        const od_cert *first = NULL;
        for (size_t i = 0; i < n; i++) {
            const od_cert *c = hs_cert(x, hs, positions[i]);
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
                bool weak_sig = !c->self_signed && (str_contains_ci(c->signature_algorithm, "SHA1") ||
                                                    str_contains_ci(c->signature_algorithm, "SHA-1") ||
                                                    str_contains_ci(c->signature_algorithm, "MD5"));
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
        varset vs = {0};
        char port[16];
        od_finding *f = chain_finding(x, kinds[k].id, kinds[k].sev, hs, &vs, port);
        if (!f) {
            cJSON_Delete(bad);
            continue;
        }
        cJSON_AddItemToObject(f->evidence, "certificates", bad);
        ev_time(f, "checked_at", x->now);
        char na[32], nb[32];
        od_format_time(first->not_after, na, sizeof na);
        od_format_time(first->not_before, nb, sizeof nb);
        ev_str(f, "subject", first->subject);
        ev_str(f, "not_after", na);
        ev_str(f, "not_before", nb);
        var(&vs, "not_after", na);
        var(&vs, "not_before", nb);
        var(&vs, "issuer", first->issuer);
        const char *what = k == 0 ? "expired on" : k == 1 ? "is not valid before" : k == 2 ? "expires on" : NULL;
        if (what)
            f->detail = od_xasprintf("For SNI %s the certificate %s %s %s.", hs->sni,
                                     first->subject ? first->subject : "?", what, k == 1 ? nb : na);
        else
            f->detail = od_xasprintf("For SNI %s the certificate %s has a weak key or signature (%s %d bits, %s).",
                                     hs->sni, first->subject ? first->subject : "?",
                                     first->key_type ? first->key_type : "?", first->key_bits,
                                     first->signature_algorithm ? first->signature_algorithm : "?");
        finish(x, f, x->cert_server, &vs);
    }
}

/* The handshake worked, but the origin asked for a client certificate:
 * CloudFront sends none, so what the application does without one is what
 * viewers get (nginx's ssl_verify_client on answers 400). */
static void rule_client_cert_requested(ctx *x)
{
    for (size_t n = 0; n < x->names.len; n++) {
        const char *name = x->names.items[n];
        for (size_t i = 0; i < x->o->n_handshakes; i++) {
            const od_handshake *hs = &x->o->handshakes[i];
            if (!hs->ok || hs->cert_only || !hs->client_cert_requested || !hs->sni ||
                od_strcasecmp(hs->sni, name) != 0 || !https_handshake(x, hs))
                continue;
            od_finding *f = finding_new(x, "TLS_CLIENT_CERT_REQUESTED", OD_SEV_WARN, name, hs->address);
            if (!f)
                continue;
            od_strlist_add(&f->names, name);
            ev_str(f, "sni", name);
            ev_int(f, "port", hs->port);
            ev_str(f, "version", hs->version);
            const char *answer = NULL;
            for (size_t k = 0; k < x->o->n_http; k++) {
                const od_http_result *h = &x->o->http[k];
                if (h->responded && h->port == hs->port && h->host_header && od_strcasecmp(h->host_header, name) == 0)
                    answer = h->status_line;
            }
            ev_str(f, "http_answer_without_certificate", answer);
            f->detail = od_xasprintf("At %s port %d the origin asks for a client certificate for %s and completes the "
                                     "handshake without one%s%s%s.",
                                     hs->address, hs->port, name, answer ? "; it then answers \"" : "",
                                     answer ? answer : "", answer ? "\"" : "");
            f->reproduce = sclient(x, hs->address, hs->port, name, NULL);
            varset vs = {0};
            finish_for_name(x, f, x->server, &vs, name, hs->address, hs->port);
        }
    }
}

static void rule_chain(ctx *x)
{
    for (size_t i = 0; i < x->o->n_handshakes; i++) {
        const od_handshake *hs = &x->o->handshakes[i];
        if (!hs->ok || !hs->sni || !is_expected(x, hs->sni) || !https_handshake(x, hs) || !hs->chain_len)
            continue;
        rule_chain_one(x, hs);
        rule_validity_one(x, hs);
    }
}

static void ev_names_of(cJSON *obj, const od_cert *c)
{
    cJSON_AddStringToObject(obj, "subject", c->subject ? c->subject : "");
    cJSON_AddItemToObject(obj, "common_names", str_array(&c->common_names));
    cJSON_AddItemToObject(obj, "san_dns", str_array(&c->san_dns));
    cJSON_AddItemToObject(obj, "san_ip", str_array(&c->san_ip));
    if (c->sha256)
        cJSON_AddStringToObject(obj, "sha256", c->sha256);
}

static void rule_names(ctx *x)
{
    if (!od_case_uses_https(x->c))
        return;
    cJSON *matched = cJSON_CreateObject();
    size_t checked = 0, covered = 0;
    for (size_t n = 0; n < x->names.len; n++) {
        const char *name = x->names.items[n];
        bool any = false, all_ok = true;
        for (size_t i = 0; i < x->o->n_handshakes; i++) {
            const od_handshake *hs = &x->o->handshakes[i];
            const od_cert *leaf = hs->ok && hs->sni && od_strcasecmp(hs->sni, name) == 0 && https_handshake(x, hs)
                                      ? hs_cert(x, hs, 0) : NULL;
            if (!leaf)
                continue;
            any = true;
            const char *by = NULL;
            if (od_cert_covers(leaf, name, &by)) {
                if (!cJSON_GetObjectItemCaseSensitive(matched, name))
                    cJSON_AddStringToObject(matched, name, by ? by : "");
                continue;
            }
            all_ok = false;
            od_finding *f = finding_new(x, "CERT_NAME_MISMATCH", OD_SEV_FAIL, name, hs->address);
            if (!f)
                continue;
            od_strlist_add(&f->names, name);
            ev_str(f, "name", name);
            ev_str(f, "sni", name);
            ev_int(f, "port", hs->port);
            cJSON *lo = cJSON_AddObjectToObject(f->evidence, "certificate");
            ev_names_of(lo, leaf);
            char *sans = join(&leaf->san_dns, ", ");
            char *cns = join(&leaf->common_names, ", ");
            f->detail = od_xasprintf("CloudFront sends SNI %s, but the certificate served for it covers only %s%s%s.",
                                     name, leaf->san_dns.len ? sans : "", leaf->san_dns.len ? "" : "CN ",
                                     leaf->san_dns.len ? "" : (leaf->common_names.len ? cns : "(no names)"));
            free(sans);
            free(cns);
            f->reproduce = sclient(x, hs->address, hs->port, name, NULL);
            varset vs = {0};
            finish_for_name(x, f, x->cert_server, &vs, name, hs->address, hs->port);
        }
        if (any) {
            checked++;
            if (all_ok)
                covered++;
        }
    }
    if (checked && checked == x->names.len && covered == checked) {
        od_finding *f = finding_new(x, "NAMES_COVERED", OD_SEV_PASS, NULL, NULL);
        cJSON_AddItemToObject(f->evidence, "matched_by", matched);
        matched = NULL;
        f->detail = od_xasprintf("The certificate served for each name CloudFront sends (%s) covers it.",
                                 x->names_joined);
        char port[16];
        snprintf(port, sizeof port, "%d", x->c->https_port);
        f->reproduce = sclient(x, NULL, x->c->https_port, first_name(x), NULL);
        varset vs = {0};
        var(&vs, "name", first_name(x));
        var(&vs, "port", port);
        finish(x, f, x->cert_server, &vs);
    }
    cJSON_Delete(matched);
}

static void rule_sni_differs(ctx *x)
{
    if (!od_case_uses_https(x->c))
        return;
    for (size_t i = 0; i < x->o->n_handshakes; i++) {
        const od_handshake *plain = &x->o->handshakes[i];
        if (plain->sni || !https_handshake(x, plain))
            continue;
        const od_cert *plain_leaf = plain->ok ? hs_cert(x, plain, 0) : NULL;
        bool plain_refused = !plain->ok && (plain->outcome == OD_TLS_ALERT || plain->outcome == OD_TLS_CLOSED ||
                                            plain->outcome == OD_TLS_ERROR || plain->outcome == OD_TLS_VERSION_REFUSED);
        if (!plain_leaf && !plain_refused)
            continue;
        for (size_t j = 0; j < x->o->n_handshakes; j++) {
            const od_handshake *hs = &x->o->handshakes[j];
            /* a broad-offer handshake is compared with nothing: the no-SNI one
             * used CloudFront's offer, so a difference would say nothing about SNI */
            const od_cert *leaf = hs->ok && !hs->cert_only && hs->sni && is_expected(x, hs->sni) &&
                                          hs->port == plain->port && strcmp(hs->address, plain->address) == 0
                                      ? hs_cert(x, hs, 0) : NULL;
            if (!leaf)
                continue;
            if (plain_leaf && leaf->sha256 && plain_leaf->sha256 && strcmp(leaf->sha256, plain_leaf->sha256) == 0)
                continue;
            if (plain_leaf && plain_leaf == leaf)
                continue;
            od_finding *f = finding_new(x, "TLS_SNI_CERT_DIFFERS", OD_SEV_INFO, hs->sni, hs->address);
            if (!f)
                continue;
            od_strlist_add(&f->names, hs->sni);
            ev_str(f, "sni", hs->sni);
            ev_int(f, "port", hs->port);
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
            f->reproduce = sclient(x, hs->address, hs->port, NULL, NULL);
            char port[16];
            snprintf(port, sizeof port, "%d", hs->port);
            varset vs = {0};
            var(&vs, "name", hs->sni);
            var(&vs, "sni", hs->sni);
            var(&vs, "port", port);
            var(&vs, "address", hs->address);
            finish(x, f, x->cert_server, &vs);
        }
    }
}

static bool tls_ok_at(const ctx *x, const char *addr, int port)
{
    for (size_t i = 0; i < x->o->n_handshakes; i++)
        if (x->o->handshakes[i].ok && x->o->handshakes[i].port == port &&
            strcmp(x->o->handshakes[i].address, addr) == 0)
            return true;
    return false;
}

static bool tcp_open_at(const ctx *x, const char *addr, int port)
{
    for (size_t i = 0; i < x->o->n_tcp; i++)
        if (x->o->tcp[i].state == OD_TCP_OPEN && x->o->tcp[i].port == port && strcmp(x->o->tcp[i].address, addr) == 0)
            return true;
    return false;
}

static void rule_http(ctx *x)
{
    for (size_t i = 0; i < x->o->n_http; i++) {
        const od_http_result *h = &x->o->http[i];
        if (!h->attempted)
            continue;
        bool https = !h->scheme || strcmp(h->scheme, "https") == 0;
        const char *host = h->host_header ? h->host_header : x->c->origin_domain ? x->c->origin_domain : "";
        const char *id;
        od_severity sev;
        if (!h->responded) {
            /* Without a working connection the TCP/TLS findings already say why. */
            if (https ? !tls_ok_at(x, h->address, h->port) : !tcp_open_at(x, h->address, h->port))
                continue;
            /* The HTTP probe's own connection failing, or a cancelled run,
             * is not the origin staying silent: untested, not a cause. */
            if (!h->request_sent || x->o->cancelled) {
                note_untested(x, od_xasprintf("HTTP %s://%s:%d/ at %s: %s", https ? "https" : "http", host, h->port,
                                              h->address, h->error ? h->error : "not completed"));
                continue;
            }
            id = "HTTP_NO_RESPONSE";
            sev = OD_SEV_FAIL;
        } else if (h->status_code >= 500) {
            id = "HTTP_SERVER_ERROR";
            sev = OD_SEV_WARN;
        } else if (h->status_code >= 400) {
            /* CloudFront passes a 4xx on to viewers: not a 502, but not fine */
            id = "HTTP_CLIENT_ERROR";
            sev = OD_SEV_WARN;
        } else {
            id = "HTTP_OK";
            sev = OD_SEV_PASS;
        }
        char key[300];
        snprintf(key, sizeof key, "%s|%s|%d", https ? "https" : "http", host, h->port);
        od_finding *f = finding_new(x, id, sev, key, h->address);
        if (!f)
            continue;
        if (is_expected(x, host))
            od_strlist_add(&f->names, host);
        ev_str(f, "scheme", https ? "https" : "http");
        ev_int(f, "port", h->port);
        ev_str(f, "host_header", host);
        ev_str(f, "method", h->method);
        if (h->responded) {
            ev_int(f, "status_code", h->status_code);
            ev_str(f, "status_line", h->status_line);
            ev_int(f, "ttfb_ms", (double)h->ttfb_ms);
        } else {
            ev_str(f, "error", h->error);
        }
        ev_str(f, "server", h->server);
        if (!h->responded)
            f->detail = od_xasprintf("%s %s://%s:%d/ at %s: no response (%s).", h->method ? h->method : "HEAD",
                                     https ? "https" : "http", host, h->port, h->address,
                                     h->error ? h->error : "timeout");
        else
            f->detail = od_xasprintf("%s %s://%s:%d/ at %s answered \"%s\".%s", h->method ? h->method : "HEAD",
                                     https ? "https" : "http", host, h->port, h->address,
                                     h->status_line ? h->status_line : "",
                                     h->status_code == 502 || h->status_code == 504
                                         ? " The origin itself answers this; CloudFront passes it on, so it may be "
                                           "the error viewers see."
                                     : h->status_code >= 400 ? " CloudFront passes this answer on to viewers."
                                                             : "");
        const char *a = h->address;
        bool v6 = strchr(a, ':') != NULL;
        f->reproduce = od_xasprintf("curl -v%s --resolve %s:%d:%s%s%s %s://%s:%d/",
                                    h->method && strcmp(h->method, "GET") == 0 ? "" : " -I", host, h->port,
                                    v6 ? "[" : "", a, v6 ? "]" : "", https ? "https" : "http", host, h->port);
        char port[16];
        snprintf(port, sizeof port, "%d", h->port);
        varset vs = {0};
        var(&vs, "name", host);
        var(&vs, "sni", host);
        var(&vs, "port", port);
        var(&vs, "address", a);
        finish(x, f, x->server, &vs);
    }
}

static bool has_fail_id(const ctx *x, const char *const *ids, size_t n)
{
    for (size_t i = x->base; i < x->out->len; i++)
        for (size_t k = 0; k < n; k++)
            if (strcmp(x->out->items[i].id, ids[k]) == 0)
                return true;
    return false;
}

/* A few pass findings, only for checks that ran and found nothing. */
static void rule_passes(ctx *x)
{
    if (!od_case_uses_https(x->c))
        return;
    size_t ok_names = 0, analysed = 0;
    od_strlist versions;
    od_strlist_init(&versions);
    for (size_t n = 0; n < x->names.len; n++) {
        bool ok = false;
        for (size_t i = 0; i < x->o->n_handshakes; i++) {
            const od_handshake *hs = &x->o->handshakes[i];
            if (!hs->ok || !hs->sni || od_strcasecmp(hs->sni, x->names.items[n]) != 0 || !https_handshake(x, hs))
                continue;
            ok = true;
            if (hs->facts.analysed)
                analysed++;
            char *v = od_xasprintf("%s %s", hs->version ? hs->version : "?", hs->cipher ? hs->cipher : "?");
            if (!od_strlist_contains(&versions, v))
                od_strlist_add(&versions, v);
            free(v);
        }
        if (ok)
            ok_names++;
    }
    static const char *const tls_fails[] = {
        "TLS_NOT_SPOKEN", "TLS_HANDSHAKE_TIMEOUT", "TLS_HANDSHAKE_FAILED", "TLS_NO_SHARED_PROTOCOL",
        "TLS_NO_SHARED_CIPHER", "TLS_CLIENT_CERT_REQUIRED", "TLS_PROTOCOL_PARTIAL", "TLS_CIPHER_PARTIAL"};
    static const char *const chain_fails[] = {
        "CERT_EXPIRED", "CERT_NOT_YET_VALID", "CERT_SELF_SIGNED", "CERT_UNTRUSTED_ROOT",
        "CHAIN_INCOMPLETE", "CHAIN_WRONG_ORDER"};
    proto_state ps = protocol_state(x);
    bool proto_ok = (ps.accepted & x->c->origin_ssl_protocols) != 0;
    bool cipher_ok = cipher_state_at(x, usable_protocols(x)).yes > 0;
    char port[16];
    snprintf(port, sizeof port, "%d", x->c->https_port);
    if (x->names.len && ok_names == x->names.len && proto_ok && cipher_ok &&
        !has_fail_id(x, tls_fails, sizeof tls_fails / sizeof tls_fails[0])) {
        od_finding *f = finding_new(x, "TLS_OK", OD_SEV_PASS, NULL, NULL);
        char *acc = proto_list(ps.accepted & x->c->origin_ssl_protocols);
        ev_str(f, "shared_protocols", acc);
        cJSON_AddItemToObject(f->evidence, "negotiated", str_array(&versions));
        f->detail = od_xasprintf("The origin completes the TLS handshake for %s and accepts %s with CloudFront's "
                                 "cipher suites.", x->names_joined, acc);
        free(acc);
        f->reproduce = sclient(x, NULL, x->c->https_port, first_name(x), "-tls1_2");
        varset vs = {0};
        var(&vs, "port", port);
        finish(x, f, x->server, &vs);
    }
    if (x->names.len && ok_names == x->names.len && analysed &&
        !has_fail_id(x, chain_fails, sizeof chain_fails / sizeof chain_fails[0])) {
        od_finding *f = finding_new(x, "CHAIN_OK", OD_SEV_PASS, NULL, NULL);
        ev_str(f, "trust_store", x->o->trust_store_used);
        f->detail = od_xstrdup("Leaf first, then each issuer in turn, up to a trusted CA; every certificate "
                               "on the path is within its validity period.");
        f->reproduce = sclient(x, NULL, x->c->https_port, first_name(x), NULL);
        varset vs = {0};
        var(&vs, "port", port);
        finish(x, f, x->cert_server, &vs);
    }
    od_strlist_free(&versions);
}

static void rule_untested(ctx *x)
{
    if (x->o->cancelled)
        note_untested(x, od_xstrdup("the run was cancelled before every check finished"));
    if (!x->untested.len)
        return;
    od_finding *f = finding_new(x, "CHECK_UNTESTED", OD_SEV_INFO, NULL, NULL);
    cJSON_AddItemToObject(f->evidence, "untested", str_array(&x->untested));
    char *s = join(&x->untested, "; ");
    f->detail = od_xasprintf("Not checked (no claim either way): %s.", s);
    free(s);
    const char *name = first_name(x);
    f->reproduce = sclient(x, NULL, od_case_uses_https(x->c) ? x->c->https_port : x->c->http_port, name, NULL);
    varset vs = {0};
    char *target = connect_target(x, NULL);
    finish_for_name(x, f, x->server, &vs, name, target,
                    od_case_uses_https(x->c) ? x->c->https_port : x->c->http_port);
    free(target);
}

/* ---- verdict ---- */

static char *title_phrase(const od_finding *f)
{
    const char *t = f->title ? f->title : f->id;
    char *s = od_xstrdup(t);
    /* "The origin ..." reads "the origin ..." mid-sentence; "CloudFront", "TLS" stay. */
    size_t word = strcspn(s, " ");
    bool lower_rest = true;
    for (size_t i = 1; i < word; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            lower_rest = false;
    if (lower_rest && s[0] >= 'A' && s[0] <= 'Z')
        s[0] = (char)(s[0] - 'A' + 'a');
    return s;
}

static char *make_summary(const od_finding_list *l, size_t base, bool *would_fail)
{
    const od_finding *worst = NULL;
    size_t problems = 0;
    for (size_t i = base; i < l->len; i++) {
        const od_finding *f = &l->items[i];
        if (f->severity == OD_SEV_FAIL && !worst)
            worst = f;
        if (f->severity == OD_SEV_FAIL || f->severity == OD_SEV_WARN)
            problems++;
    }
    *would_fail = worst != NULL;
    if (!worst && problems) {
        const od_finding *first_warn = NULL;
        for (size_t i = base; i < l->len && !first_warn; i++)
            if (l->items[i].severity == OD_SEV_WARN)
                first_warn = &l->items[i];
        char *phrase = title_phrase(first_warn);
        char *s = od_xasprintf("No problem found that would make CloudFront fail (checked from this machine); "
                               "but %s (%s)",
                               phrase, first_warn->id);
        free(phrase);
        if (problems > 1) {
            char *t = od_xasprintf("%s and %zu more warning%s", s, problems - 1, problems == 2 ? "" : "s");
            free(s);
            s = t;
        }
        return s;
    }
    if (!worst)
        return od_xstrdup("No problem found that would make CloudFront fail (checked from this machine)");
    char *phrase = title_phrase(worst);
    char *s;
    if (problems > 1)
        s = od_xasprintf("CloudFront would fail: %s (%s) — and %zu more problem%s", phrase, worst->id,
                         problems - 1, problems == 2 ? "" : "s");
    else
        s = od_xasprintf("CloudFront would fail: %s (%s)", phrase, worst->id);
    free(phrase);
    return s;
}

void od_rules_evaluate(const od_case *c, const od_observations *o,
                       const od_policy *p, const od_fixes *fixes, time_t now,
                       od_finding_list *out, bool *would_fail, char **summary)
{
    ctx x;
    memset(&x, 0, sizeof x);
    x.c = c;
    x.o = o;
    x.p = p;
    x.fx = fixes;
    x.now = now;
    x.out = out;
    x.base = out->len;
    od_strlist_init(&x.keys);
    od_strlist_init(&x.untested);
    od_case_expected_names(c, &x.names);
    x.names_joined = join(&x.names, ", ");
    x.protocols = proto_list(c->origin_ssl_protocols);
    for (size_t i = 0; i < o->n_http && !x.server; i++)
        if (o->http[i].server && *o->http[i].server)
            x.server = o->http[i].server;
    x.cert_server = x.server;
    for (size_t i = 0; i < o->n_handshakes && !x.cert_server; i++) {
        const od_cert *leaf = o->handshakes[i].ok ? hs_cert(&x, &o->handshakes[i], 0) : NULL;
        if (leaf && leaf->issuer && strstr(leaf->issuer, "Amazon"))
            x.cert_server = "acm";
    }

    /* Most fundamental cause first: the summary names the first fail. */
    rule_origin_is_ip(&x);
    rule_dns(&x);
    rule_ports(&x);
    rule_tcp(&x);
    rule_tls_outcome(&x);
    rule_client_cert_requested(&x);
    rule_protocols(&x);
    rule_ciphers(&x);
    rule_chain(&x);
    rule_names(&x);
    rule_sni_differs(&x);
    rule_http(&x);
    rule_passes(&x);
    rule_untested(&x);
    rule_vantage(&x);

    od_finding_list_sort(out);
    bool fail = false;
    char *s = make_summary(out, x.base, &fail);
    if (o->cancelled) {
        /* a stopped run proves nothing about the checks it did not finish */
        char *c2 = od_xasprintf("Cancelled before every check finished: %s%s", s,
                                fail ? "" : " in the checks that ran");
        free(s);
        s = c2;
    }
    if (would_fail)
        *would_fail = fail;
    if (summary)
        *summary = s;
    else
        free(s);

    od_strlist_free(&x.keys);
    od_strlist_free(&x.untested);
    od_strlist_free(&x.names);
    free(x.names_joined);
    free(x.protocols);
}
