/* Network rules: the origin name (an IP address?), DNS, the ports
 * CloudFront may use and whether it can connect to them. */
#include "od_rules_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void rule_origin_is_ip(rule_ctx *x)
{
    const char *origin = x->c->origin_domain;
    if (x->o->dns.status != OD_DNS_IS_IP && !(origin && od_is_ip_literal(origin)))
        return;
    od_finding *f = rl_finding_new(x, OD_ID(ORIGIN_IS_IP_ADDRESS), OD_SEV_FAIL, NULL, NULL);
    rl_ev_str(f, "origin_domain", origin);
    f->detail = od_xasprintf("The origin domain \"%s\" is an IP address; CloudFront requires a DNS name "
                             "for a custom origin.", origin ? origin : "");
    f->reproduce = rl_sclient(x, NULL, x->c->https_port, NULL, NULL);
    char port[16];
    snprintf(port, sizeof port, "%d", x->c->https_port);
    rl_varset vs = {0};
    rl_var(&vs, "port", port);
    rl_var(&vs, "address", origin);
    rl_finish(x, f, x->server, &vs);
}

/* AWS endpoints recognised by name (assets/aws-endpoints.json): settings
 * that cannot work with them, known without any probe. */
static void rule_aws_endpoint_https(rule_ctx *x)
{
    const char *origin = x->c->origin_domain;
    const od_aws_endpoint *ep = od_aws_endpoint_match(&x->p->aws, origin);
    if (!ep || !ep->http_only || !od_case_uses_https(x->c))
        return;
    od_finding *f = rl_finding_new(x, OD_ID(ORIGIN_HTTPS_NOT_SUPPORTED), OD_SEV_FAIL, NULL, NULL);
    rl_ev_str(f, "origin_domain", origin);
    rl_ev_str(f, "endpoint", ep->service);
    rl_ev_str(f, "origin_protocol_policy", od_protocol_policy_name(x->c->protocol_policy));
    f->reproduce = rl_sclient(x, NULL, x->c->https_port, origin, NULL);
    rl_varset vs = {0};
    rl_var(&vs, "service", ep->service);
    rl_var(&vs, "policy", od_protocol_policy_name(x->c->protocol_policy));
    rl_finish(x, f, NULL, &vs);
}

static void rule_host_to_aws_endpoint(rule_ctx *x)
{
    const char *origin = x->c->origin_domain;
    const od_aws_endpoint *ep = od_aws_endpoint_match(&x->p->aws, origin);
    if (!ep || !ep->routes_by_host || !x->c->forward_host_header)
        return;
    od_finding *f = rl_finding_new(x, OD_ID(HOST_FORWARDED_TO_AWS_ENDPOINT), OD_SEV_FAIL, NULL, NULL);
    rl_ev_str(f, "origin_domain", origin);
    rl_ev_str(f, "endpoint", ep->service);
    cJSON_AddItemToObject(f->evidence, "forwarded_hosts", rl_str_array(&x->c->cnames));
    /* the endpoint's own answer to a foreign Host (403 from API Gateway and Lambda) */
    const char *host = x->c->cnames.len ? x->c->cnames.items[0] : "www.example.com";
    /* pinned with --resolve (or on another port): the command must reach
     * the same address and port, verifying with the same trust store */
    od_buf b;
    od_buf_init(&b);
    od_buf_puts(&b, "curl -sS -o /dev/null -w '%{http_code}\\n'");
    if (x->o->n_addresses > 0 && x->o->addresses[0].from_resolve)
        rl_curl_resolve(&b, origin, x->c->https_port, x->o->addresses[0].address);
    rl_curl_cacert(&b, x);
    od_buf_printf(&b, " -H 'Host: %s' https://%s", host, origin);
    if (x->c->https_port != 443)
        od_buf_printf(&b, ":%d", x->c->https_port);
    od_buf_puts(&b, "/");
    f->reproduce = od_buf_steal(&b);
    rl_varset vs = {0};
    rl_var(&vs, "service", ep->service);
    rl_var(&vs, "host_policy", x->p->aws.host_policy_name);
    rl_var(&vs, "host_policy_id", x->p->aws.host_policy_id);
    rl_finish(x, f, NULL, &vs);
}

/* The addresses DNS gave (not those pinned with --resolve: the user's own
 * choice, see VANTAGE_POINT); priv: those of them CloudFront would use
 * (its IP address type) that are private. */
static void looked_up_addresses(const rule_ctx *x, od_strlist *all, od_strlist *priv)
{
    for (size_t i = 0; i < x->o->n_addresses; i++) {
        const od_address *a = &x->o->addresses[i];
        if (a->from_resolve)
            continue;
        od_strlist_add(all, a->address);
        if (a->is_private && priv && od_case_uses_family(x->c, a->family))
            od_strlist_add(priv, a->address);
    }
}

/* The origin's addresses (looked up or pinned) split by whether CloudFront
 * connects to them with the case's IP address type. */
static void addresses_by_use(const rule_ctx *x, od_strlist *used, od_strlist *unused)
{
    for (size_t i = 0; i < x->o->n_addresses; i++) {
        const od_address *a = &x->o->addresses[i];
        od_strlist_add(od_case_uses_family(x->c, a->family) ? used : unused, a->address);
    }
}

/* The words for one family ("IPv4"), its record type and the other one. */
static const char *family_name(int family)
{
    return family == 6 ? "IPv6" : "IPv4";
}

static const char *family_rrtype(int family)
{
    return family == 6 ? "AAAA" : "A";
}

/* DNS_NO_ADDRESS_OF_TYPE: the name has addresses, none of the type
 * CloudFront uses; DNS_ADDRESS_NOT_USED: some of them are of a type it
 * never uses (they are not probed, so they cannot warn). */
static void rule_address_type(rule_ctx *x)
{
    if (x->o->dns.status != OD_DNS_OK || x->o->n_addresses == 0)
        return;
    const char *origin = x->c->origin_domain ? x->c->origin_domain : "";
    od_strlist used, unused;
    od_strlist_init(&used);
    od_strlist_init(&unused);
    addresses_by_use(x, &used, &unused);
    if (unused.len) {
        /* With ipv4 or ipv6 the unused ones are all of the other family. */
        int wanted = x->c->ip_address_type == OD_IP_V6 ? 6 : 4;
        int other = wanted == 6 ? 4 : 6;
        const char *ip_type = od_ip_address_type_name(x->c->ip_address_type);
        bool none = used.len == 0;
        od_finding *f = rl_finding_new(x, none ? OD_ID(DNS_NO_ADDRESS_OF_TYPE) : OD_ID(DNS_ADDRESS_NOT_USED),
                                       none ? OD_SEV_FAIL : OD_SEV_INFO, NULL, NULL);
        char *list = od_strlist_join(&unused, ", ", "");
        rl_ev_str(f, "origin_domain", origin);
        rl_ev_str(f, "ip_address_type", ip_type);
        cJSON_AddItemToObject(f->evidence, none ? "addresses" : "addresses_not_used", rl_str_array(&unused));
        if (!none)
            cJSON_AddItemToObject(f->evidence, "addresses_used", rl_str_array(&used));
        f->detail = none ? od_xasprintf("%s resolves only to %s addresses (%s); with IpAddressType %s CloudFront "
                                        "connects only to %s addresses and finds none.",
                                        origin, family_name(other), list, ip_type, family_name(wanted))
                         : od_xasprintf("%s also resolves to %s addresses (%s), which CloudFront never uses with "
                                        "IpAddressType %s: not probed.",
                                        origin, family_name(other), list, ip_type);
        /* dig shows what is missing (the wanted type) or what is unused */
        const char *rrtype = family_rrtype(none ? wanted : other);
        /* +comments: the status and "ANSWER: 0" line show an empty answer as one */
        f->reproduce = od_xasprintf("dig %s %s +noall +comments +answer", origin, rrtype);
        rl_varset vs = {0};
        rl_var(&vs, "ip_type", ip_type);
        rl_var(&vs, "family", family_name(wanted));
        rl_var(&vs, "other_family", family_name(other));
        rl_var(&vs, "addresses", list);
        rl_var(&vs, "rrtype", rrtype);
        rl_var(&vs, "record", wanted == 6 ? "an AAAA record (IPv6)" : "an A record (IPv4)");
        rl_var(&vs, "suggest", "dualstack");
        rl_finish(x, f, x->server, &vs);
        free(list);
    }
    od_strlist_free(&used);
    od_strlist_free(&unused);
}

static char *dig_command(const char *origin)
{
    return od_xasprintf("dig %s A +noall +answer; dig %s AAAA +noall +answer", origin, origin);
}

static void rule_dns(rule_ctx *x)
{
    const od_dns_result *d = &x->o->dns;
    const char *origin = x->c->origin_domain ? x->c->origin_domain : "";
    char *dig = dig_command(origin);
    if (d->status == OD_DNS_NO_SUCH_HOST || d->status == OD_DNS_FAILED) {
        bool nx = d->status == OD_DNS_NO_SUCH_HOST;
        od_finding *f = rl_finding_new(x, nx ? OD_ID(DNS_NO_SUCH_HOST) : OD_ID(DNS_LOOKUP_FAILED), OD_SEV_FAIL,
                                       NULL, NULL);
        rl_ev_str(f, "origin_domain", origin);
        rl_ev_str(f, "resolver_error", d->error);
        f->detail = nx ? od_xasprintf("The name %s does not exist in DNS (%s).", origin,
                                      d->error ? d->error : "no such host")
                       : od_xasprintf("Looking up %s failed: %s.", origin, d->error ? d->error : "no answer");
        f->reproduce = od_xstrdup(dig);
        rl_varset vs = {0};
        rl_finish(x, f, x->server, &vs);
    } else if (d->status == OD_DNS_OK) {
        od_strlist priv, all;
        od_strlist_init(&priv);
        od_strlist_init(&all);
        looked_up_addresses(x, &all, &priv);
        if (priv.len) {
            od_finding *f = rl_finding_new(x, OD_ID(DNS_PRIVATE_ADDRESS), OD_SEV_WARN, NULL, NULL);
            cJSON_AddItemToObject(f->evidence, "private_addresses", rl_str_array(&priv));
            char *s = od_strlist_join(&priv, ", ", "");
            f->detail = od_xasprintf("%s resolves to %s, which CloudFront cannot reach over the internet.",
                                     origin, s);
            free(s);
            rl_ev_str(f, "origin_domain", origin);
            cJSON_AddItemToObject(f->evidence, "addresses", rl_str_array(&all));
            f->reproduce = od_xstrdup(dig);
            rl_varset vs = {0};
            rl_var(&vs, "address", priv.items[0]);
            rl_finish(x, f, x->server, &vs);
        }
        od_strlist_free(&priv);
        od_strlist_free(&all);
    } else if (d->status == OD_DNS_NOT_RUN) {
        bool all_pinned = x->o->n_addresses > 0;
        for (size_t i = 0; i < x->o->n_addresses; i++)
            if (!x->o->addresses[i].from_resolve)
                all_pinned = false;
        rl_note_untested(x, all_pinned ? od_xasprintf("DNS: %s was not looked up (addresses pinned with --resolve)",
                                                   origin)
                                    : od_xasprintf("DNS: %s was not looked up", origin));
    }
    free(dig);
}

static bool port_allowed(int port)
{
    return port == 80 || port == 443 || (port >= 1024 && port <= 65535);
}

static void rule_ports(rule_ctx *x)
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
        od_finding *f = rl_finding_new(x, OD_ID(PORT_INVALID_FOR_CLOUDFRONT), OD_SEV_FAIL, key, NULL);
        if (!f)
            continue;
        rl_ev_str(f, "field", ports[i].field);
        rl_ev_int(f, "port", ports[i].port);
        rl_ev_str(f, "allowed", "80, 443, 1024-65535");
        f->detail = od_xasprintf("The %s is %d; CloudFront only connects to 80, 443 or 1024-65535.",
                                 ports[i].field, ports[i].port);
        rl_varset vs = {0};
        rl_var(&vs, "port", key);
        rl_finish(x, f, x->server, &vs);
    }
}

static const char *tcp_finding_id(od_tcp_state s)
{
    switch (s) {
    case OD_TCP_REFUSED: return OD_ID(PORT_REFUSED);
    case OD_TCP_TIMEOUT: return OD_ID(PORT_TIMEOUT);
    case OD_TCP_UNREACHABLE: return OD_ID(PORT_UNREACHABLE);
    default: return NULL;
    }
}

static void rule_tcp_port(rule_ctx *x, int port, const char *field)
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
            rl_note_incomplete(x, od_xasprintf("TCP %s port %d: %s", t->address, port, t->error ? t->error : "local error"));
            continue;
        }
        tested++;
        if (t->state == OD_TCP_OPEN) {
            open++;
            od_strlist_add(&open_addrs, t->address);
        }
    }
    if (tested == 0 && rl_dns_left_no_address(x)) {
        /* the origin's DNS, not this machine, left nothing to connect to */
        if (x->o->dns.status == OD_DNS_NO_SUCH_HOST)
            rl_note_untested(x, od_xasprintf("TCP: port %d not tried: the name does not exist in DNS", port));
        else
            rl_note_untested(x, od_xasprintf("TCP: port %d not tried: no %s address (IpAddressType %s)", port,
                                             family_name(x->c->ip_address_type == OD_IP_V6 ? 6 : 4),
                                             od_ip_address_type_name(x->c->ip_address_type)));
        od_strlist_free(&open_addrs);
        return;
    }
    if (tested == 0) {
        rl_note_incomplete(x, od_xasprintf("TCP: connection to port %d was not tried", port));
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
        od_finding *f = rl_finding_new(x, id, sev, key, t->address);
        if (!f)
            continue;
        rl_ev_int(f, "port", port);
        rl_ev_str(f, "port_field", field);
        rl_ev_str(f, "state", od_tcp_state_name(t->state));
        rl_ev_str(f, "error", t->error);
        rl_ev_int(f, "duration_ms", (double)t->duration_ms);
        cJSON_AddItemToObject(f->evidence, "open_on", rl_str_array(&open_addrs));
        f->detail = od_xasprintf("Connecting to %s port %d: %s%s%s (%zu of %zu addresses reachable on this port).",
                                 t->address, port, od_tcp_state_name(t->state), t->error ? ", " : "",
                                 t->error ? t->error : "", open, tested);
        f->reproduce = od_xasprintf("nc -vz -w %d %s %d", x->c->timeout_s > 0 ? x->c->timeout_s : 10,
                                    t->address, port);
        /* the fix differs for the HTTP and the HTTPS port */
        bool https = strcmp(field, "https_port") == 0;
        rl_varset vs = {0};
        rl_var(&vs, "port", key);
        rl_var(&vs, "address", t->address);
        rl_var(&vs, "scheme", https ? "https" : "http");
        rl_var(&vs, "listen_ssl", https ? " ssl" : "");
        rl_var(&vs, "apache_ssl", https ? " with `SSLEngine on`" : "");
        rl_var(&vs, "haproxy_ssl", https ? " ssl crt /etc/haproxy/certs/site.pem" : "");
        rl_var(&vs, "listener_protocol", https ? "HTTPS (ALB) or TLS (NLB)" : "HTTP (ALB) or TCP (NLB)");
        rl_finish(x, f, x->server, &vs);
    }
    od_strlist_free(&open_addrs);
}

static void rule_tcp(rule_ctx *x)
{
    if (od_case_uses_https(x->c))
        rule_tcp_port(x, x->c->https_port, "https_port");
    if (od_case_uses_http(x->c) && x->c->http_port != x->c->https_port)
        rule_tcp_port(x, x->c->http_port, "http_port");
}

/* DNS_OK: the name resolved to public addresses (none private). */
static void pass_dns(rule_ctx *x)
{
    if (x->o->dns.status != OD_DNS_OK)
        return;
    const char *origin = x->c->origin_domain ? x->c->origin_domain : "";
    od_strlist all;
    od_strlist_init(&all);
    looked_up_addresses(x, &all, NULL);
    if (all.len) {
        od_finding *f = rl_finding_new(x, OD_ID(DNS_OK), OD_SEV_PASS, NULL, NULL);
        char *s = od_strlist_join(&all, ", ", "");
        f->detail = od_xasprintf("%s resolves to %s.", origin, s);
        free(s);
        rl_ev_str(f, "origin_domain", origin);
        cJSON_AddItemToObject(f->evidence, "addresses", rl_str_array(&all));
        f->reproduce = dig_command(origin);
        rl_varset vs = {0};
        rl_finish(x, f, x->server, &vs);
    }
    od_strlist_free(&all);
}

static const rl_rule rules[] = {
    {"origin_is_ip", rule_origin_is_ip},
    {"aws_endpoint_https", rule_aws_endpoint_https},
    {"host_to_aws_endpoint", rule_host_to_aws_endpoint},
    {"dns", rule_dns},
    {"address_type", rule_address_type},
    {"ports", rule_ports},
    {"tcp", rule_tcp},
};

static const rl_pass passes[] = {
    {OD_F_DNS_OK, pass_dns},
};

const rl_family rl_family_network = {OD_FAMILY_NETWORK, rules, RL_LEN(rules), passes, RL_LEN(passes)};
