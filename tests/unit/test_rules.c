/* Rules from hand-made observations: no network, a fixed clock. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "od_rules.h"
#include "od_policy.h"

#define DAY (24 * 3600)

static time_t NOW;
static od_fixes FIXES;
static od_policy POLICY;

typedef struct {
    od_case c;
    od_observations o;
    od_finding_list findings;
    bool would_fail;
    bool complete;
    char *summary;
} scen;

static size_t add_cert(scen *s, const char *subject, const char *issuer, const char *san, time_t nb, time_t na,
                       const char *sha, bool self_signed)
{
    od_cert c;
    memset(&c, 0, sizeof c);
    c.subject = od_xasprintf("CN=%s", subject);
    c.issuer = od_xasprintf("CN=%s", issuer);
    od_strlist_add(&c.common_names, subject);
    if (san) {
        char *copy = od_xstrdup(san), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
            od_strlist_add(&c.san_dns, t);
        free(copy);
    }
    c.not_before = nb;
    c.not_after = na;
    c.sha256 = od_xstrdup(sha);
    c.key_type = od_xstrdup("RSA");
    c.key_bits = 2048;
    c.signature_algorithm = od_xstrdup("RSA-SHA256");
    c.self_signed = self_signed;
    c.self_issued = self_signed;
    c.is_ca = san == NULL;
    return od_obs_add_cert(&s->o, &c);
}

/* A handshake with SNI sni (NULL: none) at addr:443 presenting chain. */
static od_handshake *add_hs(scen *s, const char *addr, const char *sni, od_tls_outcome outcome,
                            const size_t *chain, size_t n)
{
    od_handshake *h = od_obs_add_handshake(&s->o);
    snprintf(h->address, sizeof h->address, "%s", addr);
    h->port = 443;
    h->sni = od_xstrdup(sni);
    h->outcome = outcome;
    h->ok = outcome == OD_TLS_OK;
    h->alert = -1;
    if (h->ok) {
        h->version = od_xstrdup("TLS1.2");
        h->cipher = od_xstrdup("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        h->group = od_xstrdup("X25519");
    }
    for (size_t i = 0; i < n; i++)
        h->chain[i] = chain[i];
    h->chain_len = n;
    if (h->ok && n) {
        /* A correct chain by default: leaf, issuer, ... up to a trusted CA. */
        h->facts.analysed = true;
        for (size_t i = 0; i < n; i++)
            h->facts.path[i] = i;
        h->facts.path_len = n;
        h->facts.order_ok = true;
        h->facts.ends_at_trust_anchor = true;
        h->facts.trust_anchor_subject = od_xstrdup("CN=Test Root");
    }
    return h;
}

static void add_tcp(scen *s, const char *addr, int port, od_tcp_state st)
{
    od_tcp_result *t = od_obs_add_tcp(&s->o);
    snprintf(t->address, sizeof t->address, "%s", addr);
    t->port = port;
    t->state = st;
    if (st != OD_TCP_OPEN)
        t->error = od_xstrdup(od_tcp_state_name(st));
}

static void add_address(scen *s, const char *addr, bool from_resolve, bool is_private)
{
    od_address *a = od_obs_add_address(&s->o);
    snprintf(a->address, sizeof a->address, "%s", addr);
    a->family = strchr(addr, ':') ? 6 : 4;
    a->from_resolve = from_resolve;
    a->is_private = is_private;
}

static void add_proto(scen *s, unsigned proto, od_tri accepted)
{
    od_protocol_result *p = od_obs_add_protocol(&s->o);
    p->proto = proto;
    p->accepted = accepted;
}

static void add_cipher(scen *s, const char *name, bool cloudfront, od_tri accepts)
{
    od_cipher_row *r = od_obs_add_cipher(&s->o);
    r->proto = OD_PROTO_TLS12;
    r->name = od_xstrdup(name);
    r->iana = od_xstrdup("0x0000");
    r->cloudfront_offers = cloudfront;
    r->origin_accepts = accepts;
}

static void add_http(scen *s, const char *addr, const char *host, int status, const char *server)
{
    od_http_result *h = od_obs_add_http(&s->o);
    h->attempted = true;
    h->scheme = od_xstrdup("https");
    snprintf(h->address, sizeof h->address, "%s", addr);
    h->port = 443;
    h->host_header = od_xstrdup(host);
    h->method = od_xstrdup("HEAD");
    h->request_sent = true;
    h->responded = status > 0;
    h->status_code = status;
    if (status)
        h->status_line = od_xasprintf("HTTP/1.1 %d X", status);
    else
        h->error = od_xstrdup("timed out");
    h->server = od_xstrdup(server);
}

/* Origin with no observations yet. */
static void scen_bare(scen *s, const char *origin)
{
    memset(s, 0, sizeof *s);
    od_case_init(&s->c);
    s->c.origin_domain = od_xstrdup(origin);
    od_obs_init(&s->o);
    od_finding_list_init(&s->findings);
    s->o.trust_store_used = od_xstrdup("system");
}

/* origin.example.com resolved to one address whose HTTPS port is in state st. */
static void scen_one_address(scen *s, od_tcp_state st)
{
    scen_bare(s, "origin.example.com");
    s->o.dns.status = OD_DNS_OK;
    add_address(s, "198.51.100.10", false, false);
    add_tcp(s, "198.51.100.10", 443, st);
}

/* A healthy origin: DNS, TCP, TLS with a correct chain, protocols, ciphers, HTTP 200. */
static void scen_healthy(scen *s, const char *origin)
{
    scen_bare(s, origin);
    s->o.dns.status = OD_DNS_OK;
    add_address(s, "198.51.100.10", false, false);
    add_tcp(s, "198.51.100.10", 443, OD_TCP_OPEN);
    size_t chain[2];
    chain[0] = add_cert(s, origin, "Test ICA", origin, NOW - 30 * DAY, NOW + 300 * DAY, "AA:01", false);
    chain[1] = add_cert(s, "Test ICA", "Test Root", NULL, NOW - 900 * DAY, NOW + 900 * DAY, "AA:02", false);
    add_hs(s, "198.51.100.10", origin, OD_TLS_OK, chain, 2);
    add_hs(s, "198.51.100.10", NULL, OD_TLS_OK, chain, 2);
    add_proto(s, OD_PROTO_TLS12, OD_TRI_YES);
    add_proto(s, OD_PROTO_TLS13, OD_TRI_YES);
    add_cipher(s, "ECDHE-RSA-AES128-GCM-SHA256", true, OD_TRI_YES);
    add_cipher(s, "ECDHE-RSA-AES256-GCM-SHA384", true, OD_TRI_YES);
    add_cipher(s, "AES128-SHA", true, OD_TRI_NO);
    add_http(s, "198.51.100.10", origin, 200, "nginx/1.22.1");
}

/* Every finding any scenario produces obeys the registry: a known id, no
 * worse than the registry's severity, and a pass id only beside no problem
 * of its check. */
static void check_registry(const od_finding_list *l)
{
    for (size_t i = 0; i < l->len; i++) {
        const od_finding *f = &l->items[i];
        const od_finding_def *d = od_finding_def_find(f->id);
        CHECK_MSG(d != NULL, "finding id %s is not in the registry", f->id);
        if (!d)
            continue;
        CHECK_MSG(f->severity <= d->severity, "%s has severity %s, the registry allows at most %s", f->id,
                  od_severity_name(f->severity), od_severity_name(d->severity));
        CHECK_MSG((d->kind == OD_KIND_PASS) == (f->severity == OD_SEV_PASS), "%s: pass severity iff pass id", f->id);
        if (d->kind != OD_KIND_PASS)
            continue;
        for (size_t k = 0; k < l->len; k++) {
            const od_finding_def *o = od_finding_def_find(l->items[k].id);
            CHECK_MSG(!o || o->check != d->check || o->kind != OD_KIND_PROBLEM, "%s given beside %s", f->id, o->id);
        }
    }
}

static void run(scen *s)
{
    od_rules_evaluate(&s->c, &s->o, &POLICY, &FIXES, NOW, &s->findings, &s->would_fail, &s->summary, &s->complete);
    check_registry(&s->findings);
}

/* The registry itself: unique ids, one builder per pass id, the judged
 * steps coloured only by chain and name checks. */
static void test_registry(void)
{
    CHECK(OD_F_COUNT >= 38);
    size_t passes = 0;
    for (size_t i = 0; i < OD_F_COUNT; i++) {
        const od_finding_def *d = &od_finding_defs[i];
        CHECK_MSG(od_finding_def_find(d->id) == d, "duplicate id %s", d->id);
        passes += d->kind == OD_KIND_PASS;
        CHECK_MSG(d->kind != OD_KIND_PASS || (d->severity == OD_SEV_PASS && d->check != OD_CHECK_NONE),
                  "pass id %s needs severity pass and a check", d->id);
        CHECK_MSG(d->step == OD_JUDGED_STEP_NONE || d->check == OD_CHECK_CHAIN || d->check == OD_CHECK_NAMES,
                  "%s colours a judged step but is not a chain or name check", d->id);
    }
    /* DNS_OK, NAMES_COVERED, HTTP_OK, TLS_OK, CHAIN_OK, BUNDLE_KEY_MATCHES */
    CHECK(passes == OD_N_PASS_IDS && passes == 6);
    size_t missing = 99;
    CHECK(od_rules_pass_builders(&missing) == OD_N_PASS_IDS && missing == 0);
    CHECK(od_finding_def_find("NO_SUCH_FINDING") == NULL && od_finding_def_find(NULL) == NULL);
    CHECK_STR(OD_ID(CHAIN_WRONG_ORDER), "CHAIN_WRONG_ORDER");
    CHECK(od_finding_defs[OD_F_PORT_REFUSED].family == OD_FAMILY_NETWORK);
}

static void scen_free(scen *s)
{
    od_case_free(&s->c);
    od_obs_free(&s->o);
    od_finding_list_free(&s->findings);
    free(s->summary);
}

static const od_finding *find(const scen *s, const char *id, const char *name)
{
    for (size_t i = 0; i < s->findings.len; i++) {
        const od_finding *f = &s->findings.items[i];
        if (strcmp(f->id, id) == 0 && (!name || od_strlist_contains(&f->names, name)))
            return f;
    }
    return NULL;
}

static size_t count(const scen *s, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < s->findings.len; i++)
        n += strcmp(s->findings.items[i].id, id) == 0;
    return n;
}

static bool any_fail(const scen *s)
{
    for (size_t i = 0; i < s->findings.len; i++)
        if (s->findings.items[i].severity == OD_SEV_FAIL)
            return true;
    return false;
}

/* The finding exists with that severity, names the name, has fix steps with
 * no unfilled common placeholder, and a reproduction command with the real
 * name (when given) and port. */
static void expect(const scen *s, const char *id, od_severity sev, const char *name, const char *repro_part)
{
    const od_finding *f = find(s, id, name);
    CHECK_MSG(f != NULL, "no %s for %s", id, name ? name : "-");
    if (!f)
        return;
    CHECK_MSG(f->severity == sev, "%s severity %s", id, od_severity_name(f->severity));
    CHECK_MSG(f->title && strcmp(f->title, id) != 0, "%s has no catalogue title", id);
    CHECK_MSG(f->detail && *f->detail, "%s has no detail", id);
    CHECK_MSG(f->fix.len > 0, "%s has no fix steps", id);
    for (size_t i = 0; i < f->fix.len; i++)
        CHECK_MSG(!strstr(f->fix.items[i], "{name}") && !strstr(f->fix.items[i], "{port}") &&
                      !strstr(f->fix.items[i], "{origin}") && !strstr(f->fix.items[i], "{names}"),
                  "%s step unfilled: %s", id, f->fix.items[i]);
    CHECK_MSG(f->reproduce && *f->reproduce, "%s has no reproduce", id);
    if (f->reproduce && repro_part)
        CHECK_MSG(strstr(f->reproduce, repro_part) != NULL, "%s reproduce \"%s\" lacks \"%s\"", id,
                  f->reproduce, repro_part);
    CHECK_MSG(cJSON_IsObject(f->evidence), "%s evidence", id);
}

static void test_healthy(void)
{
    scen s;
    scen_healthy(&s, "origin.example.com");
    run(&s);
    CHECK(!s.would_fail);
    CHECK(!any_fail(&s));
    CHECK_STR(s.summary, "No problem found that would make CloudFront fail (checked from this machine)");
    CHECK(find(&s, "VANTAGE_POINT", NULL) && find(&s, "VANTAGE_POINT", NULL)->severity == OD_SEV_INFO);
    CHECK(find(&s, "TLS_OK", NULL) != NULL);
    CHECK(find(&s, "NAMES_COVERED", NULL) != NULL);
    CHECK(find(&s, "CHAIN_OK", NULL) != NULL);
    CHECK(find(&s, "DNS_OK", NULL) != NULL);
    CHECK(find(&s, "HTTP_OK", NULL) != NULL);
    CHECK(!find(&s, "TLS_SNI_CERT_DIFFERS", NULL));
    CHECK(!find(&s, "CHECK_UNTESTED", NULL));
    /* Sorted worst first: the info before the passes. */
    for (size_t i = 1; i < s.findings.len; i++)
        CHECK(s.findings.items[i - 1].severity >= s.findings.items[i].severity);
    scen_free(&s);
}

static void test_origin_ip(void)
{
    scen s;
    scen_bare(&s, "203.0.113.7");
    s.o.dns.status = OD_DNS_IS_IP;
    run(&s);
    expect(&s, "ORIGIN_IS_IP_ADDRESS", OD_SEV_FAIL, "203.0.113.7", "203.0.113.7:443");
    CHECK(s.would_fail);
    CHECK(s.summary && strstr(s.summary, "CloudFront would fail: ") == s.summary);
    CHECK(s.summary && strstr(s.summary, "(ORIGIN_IS_IP_ADDRESS)"));
    scen_free(&s);
}

static void test_dns(void)
{
    scen s;
    scen_bare(&s, "missing.example.com");
    s.o.dns.status = OD_DNS_NO_SUCH_HOST;
    s.o.dns.error = od_xstrdup("Name or service not known");
    run(&s);
    expect(&s, "DNS_NO_SUCH_HOST", OD_SEV_FAIL, "missing.example.com", "dig missing.example.com");
    /* Nothing else ran: no cause, no pass is claimed for TLS. */
    CHECK(!find(&s, "TLS_HANDSHAKE_FAILED", NULL) && !find(&s, "TLS_OK", NULL) && !find(&s, "PORT_REFUSED", NULL));
    CHECK(find(&s, "CHECK_UNTESTED", NULL) && find(&s, "CHECK_UNTESTED", NULL)->severity == OD_SEV_INFO);
    CHECK(!find(&s, "TLS_NO_SHARED_PROTOCOL", NULL) && !find(&s, "TLS_NO_SHARED_CIPHER", NULL));
    /* The origin's DNS answered: what could not run after it is moot, not
     * a gap of this machine, so the verdict is complete. */
    CHECK_MSG(s.complete, "NXDOMAIN: verdict incomplete");
    const od_finding *untested = find(&s, "CHECK_UNTESTED", NULL);
    CHECK(untested && untested->detail && strstr(untested->detail, "port 443 not tried: the name does not exist in DNS"));
    scen_free(&s);

    scen_bare(&s, "flaky.example.com");
    s.o.dns.status = OD_DNS_FAILED;
    s.o.dns.error = od_xstrdup("SERVFAIL");
    run(&s);
    expect(&s, "DNS_LOOKUP_FAILED", OD_SEV_FAIL, "flaky.example.com", "dig flaky.example.com");
    /* no answer may be this machine's resolver: incomplete */
    CHECK_MSG(!s.complete, "SERVFAIL: verdict complete");
    scen_free(&s);

    /* A private address from DNS: warn. */
    scen_healthy(&s, "origin.example.com");
    add_address(&s, "10.0.0.5", false, true);
    run(&s);
    expect(&s, "DNS_PRIVATE_ADDRESS", OD_SEV_WARN, "origin.example.com", "dig origin.example.com");
    CHECK(!s.would_fail);
    CHECK(strstr(s.summary, "No problem found") == s.summary);
    scen_free(&s);

    /* The same address pinned with --resolve: the user's own choice. */
    scen_healthy(&s, "origin.example.com");
    add_address(&s, "10.0.0.6", true, true);
    run(&s);
    CHECK(!find(&s, "DNS_PRIVATE_ADDRESS", NULL));
    const od_finding *v = find(&s, "VANTAGE_POINT", NULL);
    CHECK(v && strstr(v->detail, "10.0.0.6"));
    scen_free(&s);
}

static void test_ports(void)
{
    scen s;
    scen_bare(&s, "origin.example.com");
    s.c.https_port = 444;
    run(&s);
    expect(&s, "PORT_INVALID_FOR_CLOUDFRONT", OD_SEV_FAIL, "origin.example.com", NULL);
    const od_finding *f = find(&s, "PORT_INVALID_FOR_CLOUDFRONT", NULL);
    CHECK(f && strstr(f->detail, "444"));
    scen_free(&s);

    static const struct { od_tcp_state st; const char *id; } cases[] = {
        {OD_TCP_REFUSED, "PORT_REFUSED"}, {OD_TCP_TIMEOUT, "PORT_TIMEOUT"}, {OD_TCP_UNREACHABLE, "PORT_UNREACHABLE"}};
    for (size_t i = 0; i < 3; i++) {
        scen_one_address(&s, cases[i].st);
        add_hs(&s, "198.51.100.10", "origin.example.com", OD_TLS_CONNECT_FAILED, NULL, 0);
        run(&s);
        expect(&s, cases[i].id, OD_SEV_FAIL, "origin.example.com", "198.51.100.10 443");
        CHECK(!find(&s, "TLS_HANDSHAKE_FAILED", NULL));
        CHECK(s.would_fail);
        scen_free(&s);
    }

    /* One of two addresses refuses: CloudFront can use the other one. */
    scen_healthy(&s, "origin.example.com");
    add_address(&s, "198.51.100.11", false, false);
    add_tcp(&s, "198.51.100.11", 443, OD_TCP_REFUSED);
    run(&s);
    expect(&s, "PORT_REFUSED", OD_SEV_WARN, "origin.example.com", "198.51.100.11 443");
    CHECK(!s.would_fail);
    scen_free(&s);
}

/* Issue 10: IpAddressType. CloudFront connects only to addresses of the
 * origin's IP address type; the others are never probed nor a cause. */
static void test_ip_address_type(void)
{
    /* AAAA only, default ipv4: nothing CloudFront may use (502); TCP not
     * tried is the DNS's doing, not this machine's: still complete. */
    scen s;
    scen_bare(&s, "v6only.example.com");
    s.o.dns.status = OD_DNS_OK;
    add_address(&s, "2001:db8::10", false, false);
    run(&s);
    expect(&s, "DNS_NO_ADDRESS_OF_TYPE", OD_SEV_FAIL, "v6only.example.com", "dig v6only.example.com A");
    const od_finding *f = find(&s, "DNS_NO_ADDRESS_OF_TYPE", NULL);
    CHECK(f && strstr(f->detail, "2001:db8::10") && strstr(f->detail, "ipv4"));
    CHECK(f && f->cloudfront_status == 502);
    CHECK(f && f->fix.len >= 2 && strstr(f->fix.items[0], "an A record") &&
          strstr(f->fix.items[1], "IpAddressType = dualstack"));
    CHECK(!find(&s, "DNS_OK", NULL) && !find(&s, "DNS_ADDRESS_NOT_USED", NULL));
    CHECK(s.would_fail && strstr(s.summary, "(DNS_NO_ADDRESS_OF_TYPE)"));
    CHECK_MSG(s.complete, "no address of the type is an observation: the report is complete");
    const od_finding *v = find(&s, "VANTAGE_POINT", NULL);
    const cJSON *probed = v ? cJSON_GetObjectItemCaseSensitive(v->evidence, "addresses_probed") : NULL;
    CHECK(cJSON_IsArray(probed) && cJSON_GetArraySize(probed) == 0);
    scen_free(&s);

    /* The same name with ipv6 or dualstack: no such failure. */
    for (int t = OD_IP_V6; t <= OD_IP_DUALSTACK; t++) {
        scen_bare(&s, "v6only.example.com");
        s.c.ip_address_type = (od_ip_address_type)t;
        s.o.dns.status = OD_DNS_OK;
        add_address(&s, "2001:db8::10", false, false);
        add_tcp(&s, "2001:db8::10", 443, OD_TCP_OPEN);
        run(&s);
        CHECK(!find(&s, "DNS_NO_ADDRESS_OF_TYPE", NULL) && !find(&s, "DNS_ADDRESS_NOT_USED", NULL));
        CHECK(find(&s, "DNS_OK", NULL) != NULL);
        scen_free(&s);
    }

    /* A only with ipv6: the A records are not used, the AAAA is missing. */
    scen_bare(&s, "v4only.example.com");
    s.c.ip_address_type = OD_IP_V6;
    s.o.dns.status = OD_DNS_OK;
    add_address(&s, "198.51.100.10", false, false);
    run(&s);
    expect(&s, "DNS_NO_ADDRESS_OF_TYPE", OD_SEV_FAIL, "v4only.example.com", "dig v4only.example.com AAAA");
    f = find(&s, "DNS_NO_ADDRESS_OF_TYPE", NULL);
    CHECK(f && f->fix.len && strstr(f->fix.items[0], "an AAAA record"));
    scen_free(&s);

    /* Healthy on IPv4, an IPv6 address too: with ipv4 it is only listed
     * (info), even private and even if its port were refused. */
    scen_healthy(&s, "origin.example.com");
    add_address(&s, "fd00::5", false, true);
    run(&s);
    expect(&s, "DNS_ADDRESS_NOT_USED", OD_SEV_INFO, "origin.example.com", "dig origin.example.com AAAA");
    CHECK(!find(&s, "DNS_PRIVATE_ADDRESS", NULL) && !find(&s, "DNS_NO_ADDRESS_OF_TYPE", NULL));
    CHECK(find(&s, "DNS_OK", NULL) != NULL);
    CHECK(!any_fail(&s) && strstr(s.summary, "No problem found") == s.summary);
    scen_free(&s);

    /* dualstack: both families are used, so the private IPv6 one warns. */
    scen_healthy(&s, "origin.example.com");
    s.c.ip_address_type = OD_IP_DUALSTACK;
    add_address(&s, "fd00::5", false, true);
    run(&s);
    CHECK(find(&s, "DNS_PRIVATE_ADDRESS", NULL) && !find(&s, "DNS_ADDRESS_NOT_USED", NULL));
    scen_free(&s);
}

/* Issue 10: the verdict as viewers see it, and whether it is complete. */
static void test_verdict(void)
{
    static const struct { od_tcp_state st; const char *id; int status; } cases[] = {
        {OD_TCP_REFUSED, "PORT_REFUSED", 502}, {OD_TCP_TIMEOUT, "PORT_TIMEOUT", 504}};
    scen s;
    for (size_t i = 0; i < 2; i++) {
        scen_one_address(&s, cases[i].st);
        add_hs(&s, "198.51.100.10", "origin.example.com", OD_TLS_CONNECT_FAILED, NULL, 0);
        run(&s);
        const od_finding *f = find(&s, cases[i].id, NULL);
        CHECK_MSG(f && f->cloudfront_status == cases[i].status, "%s: status %d", cases[i].id,
                  f ? f->cloudfront_status : -1);
        CHECK(od_finding_list_cloudfront_status(&s.findings) == cases[i].status);
        /* a port that refuses or stays silent is an observation: the report is complete */
        CHECK_MSG(s.complete, "%s: incomplete", cases[i].id);
        scen_free(&s);
    }

    /* only fail findings carry a status */
    scen_healthy(&s, "origin.example.com");
    run(&s);
    for (size_t i = 0; i < s.findings.len; i++)
        CHECK(s.findings.items[i].cloudfront_status == 0);
    CHECK(s.complete && od_finding_list_cloudfront_status(&s.findings) == 0);
    scen_free(&s);

    /* cancelled: incomplete, and never "No problem found" */
    scen_healthy(&s, "origin.example.com");
    s.o.cancelled = true;
    run(&s);
    CHECK(!s.complete && !s.would_fail);
    CHECK_MSG(s.summary && !strstr(s.summary, "No problem found"), "%s", s.summary ? s.summary : "");
    scen_free(&s);

    /* a local failure (no file descriptor) on the only address: incomplete */
    scen_one_address(&s, OD_TCP_ERROR);
    run(&s);
    CHECK(!s.complete && !s.would_fail);
    CHECK_MSG(s.summary && strncmp(s.summary, "Incomplete", 10) == 0 && !strstr(s.summary, "No problem found"),
              "%s", s.summary ? s.summary : "");
    scen_free(&s);

    /* two fail findings: fail ids sorted, each once */
    scen_bare(&s, "origin.example.com");
    s.o.dns.status = OD_DNS_NO_SUCH_HOST;
    s.c.https_port = 444;
    run(&s);
    od_strlist ids;
    od_finding_list_fail_ids(&s.findings, &ids);
    CHECK(ids.len == 2 && strcmp(ids.items[0], "DNS_NO_SUCH_HOST") == 0);
    for (size_t i = 1; i < ids.len; i++)
        CHECK(strcmp(ids.items[i - 1], ids.items[i]) < 0);
    od_strlist_free(&ids);
    scen_free(&s);
}

/* With match-viewer, only an allow-all viewer protocol policy makes the HTTP port matter. */
static void test_viewer_protocol_policy(void)
{
    static const struct { od_viewer_policy v; bool fails; } cases[] = {
        {OD_VIEWER_ALLOW_ALL, true}, {OD_VIEWER_REDIRECT_TO_HTTPS, false}, {OD_VIEWER_HTTPS_ONLY, false}};
    for (size_t i = 0; i < 3; i++) {
        scen s;
        scen_healthy(&s, "origin.example.com");
        s.c.protocol_policy = OD_POLICY_MATCH_VIEWER;
        s.c.viewer_protocol_policy = cases[i].v;
        s.c.http_port = 80;
        add_tcp(&s, "198.51.100.10", 80, OD_TCP_REFUSED);
        run(&s);
        CHECK_MSG(s.would_fail == cases[i].fails && (find(&s, "PORT_REFUSED", NULL) != NULL) == cases[i].fails,
                  "viewer policy %s: would_fail %d", od_viewer_policy_name(cases[i].v), s.would_fail);
        CHECK(od_case_uses_http(&s.c) == cases[i].fails);
        scen_free(&s);
    }
}

/* Origin mTLS: a required client certificate fails only when the
 * distribution presents none; with one, whether the origin accepts it is
 * not seen from here, so the report is incomplete, never "fine". */
static void test_origin_mtls(void)
{
    for (int mtls = 0; mtls < 2; mtls++) {
        scen s;
        scen_one_address(&s, OD_TCP_OPEN);
        s.c.origin_mtls = mtls;
        add_hs(&s, "198.51.100.10", "origin.example.com", OD_TLS_CLIENT_CERT_REQUIRED, NULL, 0);
        run(&s);
        CHECK_MSG((find(&s, "TLS_CLIENT_CERT_REQUIRED", NULL) != NULL) == !mtls, "origin mTLS %d", mtls);
        CHECK(s.would_fail == !mtls);
        CHECK(s.complete == !mtls);
        if (mtls)
            CHECK_MSG(s.summary && strncmp(s.summary, "Incomplete", 10) == 0, "%s", s.summary ? s.summary : "");
        /* the untested note says why: no copy of the certificate was given */
        const od_finding *u = find(&s, "CHECK_UNTESTED", NULL);
        CHECK_MSG(!mtls || (u && u->detail && strstr(u->detail, "--client-cert")), "mTLS without a copy: %s",
                  u && u->detail ? u->detail : "(no CHECK_UNTESTED)");
        CHECK(!find(&s, "TLS_CLIENT_CERT_NOT_ACCEPTED", NULL));
        CHECK(!find(&s, "TLS_OK", NULL));
        scen_free(&s);
    }
}

/* A copy of the distribution's certificate presented and refused: the
 * origin would refuse CloudFront's (502), and the command shows it with
 * the same certificate and key. Accepted: no client-certificate finding,
 * not even the "CloudFront sends none" warning. */
static void test_client_cert_not_accepted(void)
{
    for (int accepted = 0; accepted < 2; accepted++) {
        scen s;
        scen_one_address(&s, OD_TCP_OPEN);
        s.c.origin_mtls = true;
        s.c.client_cert = od_xstrdup("/tmp/cloud front.pem");
        s.c.client_key = od_xstrdup("/tmp/cf.key");
        od_handshake *h = add_hs(&s, "198.51.100.10", "origin.example.com",
                                 accepted ? OD_TLS_OK : OD_TLS_CLIENT_CERT_REFUSED, NULL, 0);
        h->client_cert_requested = true;
        h->client_cert_sent = true;
        if (!accepted) {
            h->alert = 48;
            h->alert_name = od_xstrdup("unknown_ca");
        }
        add_proto(&s, OD_PROTO_TLS12, OD_TRI_YES);
        add_cipher(&s, "ECDHE-RSA-AES128-GCM-SHA256", true, OD_TRI_YES);
        run(&s);
        CHECK(!find(&s, "TLS_CLIENT_CERT_REQUIRED", NULL));
        CHECK(!find(&s, "TLS_CLIENT_CERT_REQUESTED", NULL));
        CHECK(!find(&s, "TLS_HANDSHAKE_FAILED", NULL));
        CHECK(s.complete);
        if (accepted) {
            CHECK(!find(&s, "TLS_CLIENT_CERT_NOT_ACCEPTED", NULL));
            CHECK(!s.would_fail);
        } else {
            expect(&s, "TLS_CLIENT_CERT_NOT_ACCEPTED", OD_SEV_FAIL, "origin.example.com",
                   "-servername origin.example.com");
            const od_finding *f = find(&s, "TLS_CLIENT_CERT_NOT_ACCEPTED", NULL);
            CHECK(f && f->cloudfront_status == 502);
            CHECK_MSG(f && strstr(f->reproduce, "-cert '/tmp/cloud front.pem' -key /tmp/cf.key -no_tls1_3"), "%s",
                      f ? f->reproduce : "");
            CHECK(f && strstr(f->detail, "unknown_ca") && strstr(f->detail, "/tmp/cloud front.pem"));
            CHECK(s.would_fail);
            CHECK(count(&s, "TLS_CLIENT_CERT_NOT_ACCEPTED") == 1);
        }
        scen_free(&s);
    }
}

/* Without origin mTLS the origin that asks and goes on without one gets
 * the warning; with it, CloudFront answers the request with its own. */
static void test_client_cert_requested_with_mtls(void)
{
    for (int mtls = 0; mtls < 2; mtls++) {
        scen s;
        scen_one_address(&s, OD_TCP_OPEN);
        s.c.origin_mtls = mtls;
        od_handshake *h = add_hs(&s, "198.51.100.10", "origin.example.com", OD_TLS_OK, NULL, 0);
        h->client_cert_requested = true;
        run(&s);
        CHECK_MSG((find(&s, "TLS_CLIENT_CERT_REQUESTED", NULL) != NULL) == !mtls, "origin mTLS %d", mtls);
        scen_free(&s);
    }
}

static void test_tls_outcomes(void)
{
    static const struct { od_tls_outcome o; const char *id; } cases[] = {
        {OD_TLS_NOT_TLS, "TLS_NOT_SPOKEN"},
        {OD_TLS_TIMEOUT, "TLS_HANDSHAKE_TIMEOUT"},
        {OD_TLS_CLIENT_CERT_REQUIRED, "TLS_CLIENT_CERT_REQUIRED"},
        {OD_TLS_ALERT, "TLS_HANDSHAKE_FAILED"},
    };
    for (size_t i = 0; i < 4; i++) {
        scen s;
        scen_one_address(&s, OD_TCP_OPEN);
        od_handshake *h = add_hs(&s, "198.51.100.10", "origin.example.com", cases[i].o, NULL, 0);
        if (cases[i].o == OD_TLS_ALERT) {
            h->alert = 80;
            h->alert_name = od_xstrdup("internal_error");
        }
        add_proto(&s, OD_PROTO_TLS12, OD_TRI_YES);
        add_cipher(&s, "ECDHE-RSA-AES128-GCM-SHA256", true, OD_TRI_YES);
        run(&s);
        expect(&s, cases[i].id, OD_SEV_FAIL, "origin.example.com", "-servername origin.example.com");
        const od_finding *f = find(&s, cases[i].id, NULL);
        CHECK(f && strstr(f->reproduce, ":443"));
        if (cases[i].o == OD_TLS_ALERT && f) {
            const cJSON *a = cJSON_GetObjectItemCaseSensitive(f->evidence, "alert_name");
            CHECK(cJSON_IsString(a) && strcmp(a->valuestring, "internal_error") == 0);
        }
        CHECK(!find(&s, "TLS_OK", NULL));
        CHECK(count(&s, cases[i].id) == 1);
        scen_free(&s);
    }
}

static void scen_tls_failed(scen *s, int alert, const char *alert_name)
{
    scen_bare(s, "origin.example.com");
    s->o.dns.status = OD_DNS_OK;
    add_address(s, "198.51.100.10", false, false);
    add_tcp(s, "198.51.100.10", 443, OD_TCP_OPEN);
    od_handshake *h = add_hs(s, "198.51.100.10", "origin.example.com", OD_TLS_ALERT, NULL, 0);
    h->alert = alert;
    h->alert_name = od_xstrdup(alert_name);
}

static void test_protocols(void)
{
    scen s;
    /* A TLS 1.3-only origin. */
    scen_tls_failed(&s, 70, "protocol_version");
    add_proto(&s, OD_PROTO_TLS12, OD_TRI_NO);
    add_proto(&s, OD_PROTO_TLS13, OD_TRI_YES);
    run(&s);
    expect(&s, "TLS_NO_SHARED_PROTOCOL", OD_SEV_FAIL, "origin.example.com", "-tls1_2");
    const od_finding *f = find(&s, "TLS_NO_SHARED_PROTOCOL", NULL);
    if (f) {
        const cJSON *acc = cJSON_GetObjectItemCaseSensitive(f->evidence, "origin_accepts");
        CHECK(cJSON_IsString(acc) && strstr(acc->valuestring, "TLSv1.3"));
        const cJSON *note = cJSON_GetObjectItemCaseSensitive(f->evidence, "note");
        CHECK(cJSON_IsString(note) && strstr(note->valuestring, "no TLS 1.3 value"));
    }
    /* The cause is known: no generic handshake failure on top. */
    CHECK(!find(&s, "TLS_HANDSHAKE_FAILED", NULL));
    CHECK(!find(&s, "TLS_NO_SHARED_CIPHER", NULL));
    scen_free(&s);

    /* SSLv3 allowed but untested: it does not count as refused (the
     * handshake_failure alert says nothing about versions). */
    scen_tls_failed(&s, 40, "handshake_failure");
    s.c.origin_ssl_protocols = OD_PROTO_SSLV3 | OD_PROTO_TLS12;
    add_proto(&s, OD_PROTO_SSLV3, OD_TRI_UNTESTED);
    add_proto(&s, OD_PROTO_TLS12, OD_TRI_NO);
    run(&s);
    CHECK(!find(&s, "TLS_NO_SHARED_PROTOCOL", NULL));
    expect(&s, "TLS_PROTOCOL_PARTIAL", OD_SEV_WARN, "origin.example.com", NULL);
    expect(&s, "TLS_HANDSHAKE_FAILED", OD_SEV_FAIL, "origin.example.com", "-servername origin.example.com");
    CHECK(find(&s, "CHECK_UNTESTED", NULL) != NULL);
    scen_free(&s);

    /* ...but a protocol_version alert to CloudFront's own ClientHello proves
     * SSLv3 refused as well: a server with SSL 3.0 would have chosen it. */
    scen_tls_failed(&s, 70, "protocol_version");
    s.c.origin_ssl_protocols = OD_PROTO_SSLV3 | OD_PROTO_TLS12;
    add_proto(&s, OD_PROTO_SSLV3, OD_TRI_UNTESTED);
    add_proto(&s, OD_PROTO_TLS12, OD_TRI_NO);
    add_proto(&s, OD_PROTO_TLS13, OD_TRI_YES);
    run(&s);
    expect(&s, "TLS_NO_SHARED_PROTOCOL", OD_SEV_FAIL, "origin.example.com", NULL);
    CHECK(!find(&s, "TLS_PROTOCOL_PARTIAL", NULL));
    scen_free(&s);
}

static void test_ciphers(void)
{
    scen s;
    scen_tls_failed(&s, 40, "handshake_failure");
    add_proto(&s, OD_PROTO_TLS12, OD_TRI_YES);
    add_cipher(&s, "ECDHE-RSA-AES128-GCM-SHA256", true, OD_TRI_NO);
    add_cipher(&s, "ECDHE-RSA-AES256-GCM-SHA384", true, OD_TRI_NO);
    add_cipher(&s, "ECDHE-RSA-CHACHA20-POLY1305", false, OD_TRI_YES);
    run(&s);
    expect(&s, "TLS_NO_SHARED_CIPHER", OD_SEV_FAIL, "origin.example.com", "-servername origin.example.com");
    const od_finding *f = find(&s, "TLS_NO_SHARED_CIPHER", NULL);
    if (f) {
        char *ev = cJSON_PrintUnformatted(f->evidence);
        CHECK(ev && strstr(ev, "CHACHA20"));
        CHECK(ev && strstr(ev, "handshake_failure"));
        free(ev);
    }
    CHECK(!find(&s, "TLS_HANDSHAKE_FAILED", NULL));
    scen_free(&s);

    /* The table could not be tested: no claim about ciphers. */
    scen_tls_failed(&s, 40, "handshake_failure");
    add_proto(&s, OD_PROTO_TLS12, OD_TRI_YES);
    add_cipher(&s, "ECDHE-RSA-AES128-GCM-SHA256", true, OD_TRI_UNTESTED);
    add_cipher(&s, "ECDHE-RSA-AES256-GCM-SHA384", true, OD_TRI_UNTESTED);
    run(&s);
    CHECK(!find(&s, "TLS_NO_SHARED_CIPHER", NULL));
    CHECK(!find(&s, "TLS_CIPHER_PARTIAL", NULL));
    CHECK(find(&s, "TLS_HANDSHAKE_FAILED", "origin.example.com") != NULL);
    CHECK(find(&s, "CHECK_UNTESTED", NULL) != NULL);
    scen_free(&s);

    /* Every single-suite handshake refused although one with CloudFront's
     * own offer completed: connections dropped, not a missing suite. */
    scen_healthy(&s, "origin.example.com");
    for (size_t i = 0; i < s.o.n_ciphers; i++)
        s.o.ciphers[i].origin_accepts = OD_TRI_NO;
    run(&s);
    CHECK(!find(&s, "TLS_NO_SHARED_CIPHER", NULL));
    CHECK(find(&s, "CHECK_UNTESTED", NULL) != NULL);
    scen_free(&s);

    /* P-521 key and no CloudFront suite: curve in evidence. The certificate
     * was seen with the broad offer only (a handshake with CloudFront's
     * own offer would prove a shared suite). */
    scen_healthy(&s, "origin.example.com");
    for (size_t i = 0; i < s.o.n_ciphers; i++)
        s.o.ciphers[i].origin_accepts = OD_TRI_NO;
    for (size_t i = 0; i < s.o.n_handshakes; i++)
        s.o.handshakes[i].cert_only = true;
    free(s.o.certs[0].key_type);
    s.o.certs[0].key_type = od_xstrdup("ECDSA");
    s.o.certs[0].key_curve = od_xstrdup("SECP521R1");
    run(&s);
    f = find(&s, "TLS_NO_SHARED_CIPHER", NULL);
    CHECK(f != NULL);
    if (f) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(f->evidence, "certificate_key_curve_not_offered");
        CHECK(cJSON_IsArray(c) && cJSON_GetArraySize(c) >= 1);
        CHECK(f->detail && strstr(f->detail, "SECP521R1") && strstr(f->detail, "P-256"));
    }
    CHECK(!find(&s, "TLS_OK", NULL));
    scen_free(&s);
}

static void test_chain(void)
{
    scen s;
    /* Self-signed leaf. */
    scen_healthy(&s, "origin.example.com");
    s.o.handshakes[0].facts.leaf_self_signed = true;
    s.o.handshakes[0].facts.ends_at_untrusted_root = true;
    s.o.handshakes[0].facts.ends_at_trust_anchor = false;
    run(&s);
    expect(&s, "CERT_SELF_SIGNED", OD_SEV_FAIL, "origin.example.com", "-servername origin.example.com");
    CHECK(!find(&s, "CERT_UNTRUSTED_ROOT", NULL));
    CHECK(!find(&s, "CHAIN_OK", NULL));
    scen_free(&s);

    /* Missing intermediate, with an AIA URL CloudFront will not fetch. */
    scen_healthy(&s, "origin.example.com");
    od_handshake *h = &s.o.handshakes[0];
    h->chain_len = 1;
    h->facts.path_len = 1;
    h->facts.issuer_missing = true;
    h->facts.ends_at_trust_anchor = false;
    h->facts.missing_issuer_dn = od_xstrdup("CN=Test ICA");
    h->facts.missing_after = 0;
    od_strlist_add(&s.o.certs[0].aia_issuer_urls, "http://ca.example.net/ica.der");
    run(&s);
    expect(&s, "CHAIN_INCOMPLETE", OD_SEV_FAIL, "origin.example.com", "-showcerts");
    const od_finding *f = find(&s, "CHAIN_INCOMPLETE", NULL);
    if (f) {
        char *ev = cJSON_PrintUnformatted(f->evidence);
        CHECK(ev && strstr(ev, "http://ca.example.net/ica.der") && strstr(ev, "CN=Test ICA"));
        free(ev);
        CHECK(strstr(f->detail, "does not fetch"));
        bool named = false;
        for (size_t i = 0; i < f->fix.len; i++)
            named = named || strstr(f->fix.items[i], "CN=Test ICA");
        CHECK(named);
    }
    CHECK(strstr(s.summary, "(CHAIN_INCOMPLETE)") != NULL);
    scen_free(&s);

    /* Wrong order: sent [leaf, root-ish, ICA]; path 0,2. Server nginx: its snippet first. */
    scen_healthy(&s, "origin.example.com");
    h = &s.o.handshakes[0];
    size_t other = add_cert(&s, "Other CA", "Other CA", NULL, NOW - DAY, NOW + 99 * DAY, "AA:09", true);
    h = &s.o.handshakes[0];
    h->chain[2] = h->chain[1];
    h->chain[1] = other;
    h->chain_len = 3;
    h->facts.path[0] = 0;
    h->facts.path[1] = 2;
    h->facts.path_len = 2;
    h->facts.order_ok = false;
    run(&s);
    expect(&s, "CHAIN_WRONG_ORDER", OD_SEV_FAIL, "origin.example.com", "-servername origin.example.com");
    f = find(&s, "CHAIN_WRONG_ORDER", NULL);
    if (f) {
        CHECK(f->fix.len > 1 && strstr(f->fix.items[0], "cat leaf.pem intermediate.pem > fullchain.pem"));
        CHECK(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(f->evidence, "order_needed")));
        CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f->evidence, "chain_sent")) == 3);
    }
    CHECK_STR(s.summary, "CloudFront would fail: the origin sends its chain out of order (CHAIN_WRONG_ORDER)");
    scen_free(&s);

    /* Sent reversed, [ICA, leaf] with the ICA's key: the handshake failed
     * here after the Certificate message (key usage violation). The chain
     * it carried is judged: wrong order and the name of the certificate
     * sent first, and no generic TLS_HANDSHAKE_FAILED. */
    scen_healthy(&s, "origin.example.com");
    for (size_t i = 0; i < 2; i++) {
        h = &s.o.handshakes[i];
        size_t leaf = h->chain[0];
        h->chain[0] = h->chain[1];
        h->chain[1] = leaf;
        h->ok = false;
        h->outcome = OD_TLS_ERROR;
        h->error = od_xstrdup("Key usage violation in certificate has been detected.");
        free(h->version);
        free(h->cipher);
        free(h->group);
        h->version = h->cipher = h->group = NULL;
        h->facts.path[0] = 1;
        h->facts.path[1] = 0;
        h->facts.order_ok = false;
    }
    run(&s);
    expect(&s, "CHAIN_WRONG_ORDER", OD_SEV_FAIL, "origin.example.com", "-servername origin.example.com");
    expect(&s, "CERT_NAME_MISMATCH", OD_SEV_FAIL, "origin.example.com", "-verify_hostname origin.example.com");
    CHECK(!find(&s, "TLS_HANDSHAKE_FAILED", NULL));
    CHECK(!find(&s, "NAMES_COVERED", NULL) && !find(&s, "CHAIN_OK", NULL));
    f = find(&s, "CHAIN_WRONG_ORDER", NULL);
    if (f) {
        CHECK(strstr(f->detail, "sent in reverse") && strstr(f->detail, "CN=Test ICA"));
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(f->evidence, "handshake_error");
        CHECK(cJSON_IsString(e) && strstr(e->valuestring, "Key usage"));
    }
    scen_free(&s);
    /* The same failure without a chain to show for it stays generic. */
    scen_healthy(&s, "origin.example.com");
    for (size_t i = 0; i < 2; i++) {
        h = &s.o.handshakes[i];
        h->ok = false;
        h->outcome = OD_TLS_ERROR;
        h->chain_len = 0;
        od_chain_facts_free(&h->facts);
        memset(&h->facts, 0, sizeof h->facts);
    }
    run(&s);
    expect(&s, "TLS_HANDSHAKE_FAILED", OD_SEV_FAIL, "origin.example.com", NULL);
    CHECK(!find(&s, "CHAIN_WRONG_ORDER", NULL) && !find(&s, "CERT_NAME_MISMATCH", NULL));
    scen_free(&s);

    /* Untrusted root; root included. */
    scen_healthy(&s, "origin.example.com");
    h = &s.o.handshakes[0];
    h->facts.ends_at_untrusted_root = true;
    h->facts.ends_at_trust_anchor = false;
    h->facts.root_included = true;
    h->facts.root_position = 1;
    run(&s);
    expect(&s, "CERT_UNTRUSTED_ROOT", OD_SEV_FAIL, "origin.example.com", "-servername origin.example.com");
    expect(&s, "CHAIN_HAS_ROOT", OD_SEV_INFO, "origin.example.com", NULL);
    scen_free(&s);

    /* Only the root included: info, not a failure. */
    scen_healthy(&s, "origin.example.com");
    s.o.handshakes[0].facts.root_included = true;
    s.o.handshakes[0].facts.root_position = 1;
    run(&s);
    expect(&s, "CHAIN_HAS_ROOT", OD_SEV_INFO, "origin.example.com", NULL);
    CHECK(!s.would_fail);
    scen_free(&s);
}

static void test_validity(void)
{
    scen s;
    scen_healthy(&s, "origin.example.com");
    s.o.certs[0].not_after = NOW - 2 * DAY;
    run(&s);
    expect(&s, "CERT_EXPIRED", OD_SEV_FAIL, "origin.example.com", "-servername origin.example.com");
    CHECK(!find(&s, "CERT_EXPIRES_SOON", NULL));
    CHECK(!find(&s, "CHAIN_OK", NULL));
    scen_free(&s);

    /* An expired intermediate counts too. */
    scen_healthy(&s, "origin.example.com");
    s.o.certs[1].not_after = NOW - DAY;
    run(&s);
    const od_finding *f = find(&s, "CERT_EXPIRED", NULL);
    CHECK(f && strstr(f->detail, "Test ICA"));
    scen_free(&s);

    scen_healthy(&s, "origin.example.com");
    s.o.certs[0].not_before = NOW + 5 * DAY;
    run(&s);
    expect(&s, "CERT_NOT_YET_VALID", OD_SEV_FAIL, "origin.example.com", NULL);
    scen_free(&s);

    /* Expires in 10 days: a warning only. */
    scen_healthy(&s, "origin.example.com");
    s.o.certs[0].not_after = NOW + 10 * DAY;
    run(&s);
    expect(&s, "CERT_EXPIRES_SOON", OD_SEV_WARN, "origin.example.com", "-servername origin.example.com");
    CHECK(!s.would_fail);
    CHECK(!any_fail(&s));
    f = find(&s, "CERT_EXPIRES_SOON", NULL);
    if (f) {
        bool dated = false;
        for (size_t i = 0; i < f->fix.len; i++)
            dated = dated || strstr(f->fix.items[i], "Z");
        CHECK(dated);   /* {not_after} filled with the date */
    }
    scen_free(&s);

    /* Weak key. */
    scen_healthy(&s, "origin.example.com");
    s.o.certs[0].key_bits = 1024;
    run(&s);
    expect(&s, "CERT_WEAK_KEY_OR_SIGNATURE", OD_SEV_WARN, "origin.example.com", NULL);
    CHECK(!s.would_fail);
    scen_free(&s);
}

static void test_names(void)
{
    scen s;
    scen_healthy(&s, "origin.example.com");
    free(s.o.certs[0].san_dns.items[0]);
    s.o.certs[0].san_dns.items[0] = od_xstrdup("www.example.org");
    run(&s);
    expect(&s, "CERT_NAME_MISMATCH", OD_SEV_FAIL, "origin.example.com", "-servername origin.example.com");
    CHECK(!find(&s, "NAMES_COVERED", NULL));
    scen_free(&s);

    /* Host forwarded: every CNAME is a name; b is not covered. */
    scen_bare(&s, "origin.example.com");
    s.c.forward_host_header = true;
    od_strlist_add(&s.c.cnames, "a.example.com");
    od_strlist_add(&s.c.cnames, "b.example.com");
    s.o.dns.status = OD_DNS_OK;
    add_address(&s, "198.51.100.10", false, false);
    add_address(&s, "198.51.100.11", false, false);
    add_tcp(&s, "198.51.100.10", 443, OD_TCP_OPEN);
    add_tcp(&s, "198.51.100.11", 443, OD_TCP_OPEN);
    size_t ca = add_cert(&s, "a.example.com", "Test Root", "a.example.com,origin.example.com", NOW - DAY,
                         NOW + 200 * DAY, "BB:01", false);
    const char *addrs[] = {"198.51.100.10", "198.51.100.11"};
    for (size_t i = 0; i < 2; i++) {
        add_hs(&s, addrs[i], "a.example.com", OD_TLS_OK, &ca, 1);
        add_hs(&s, addrs[i], "b.example.com", OD_TLS_OK, &ca, 1);
    }
    add_proto(&s, OD_PROTO_TLS12, OD_TRI_YES);
    add_cipher(&s, "ECDHE-RSA-AES128-GCM-SHA256", true, OD_TRI_YES);
    run(&s);
    expect(&s, "CERT_NAME_MISMATCH", OD_SEV_FAIL, "b.example.com", "-servername b.example.com");
    CHECK(count(&s, "CERT_NAME_MISMATCH") == 1);   /* deduped across the two addresses */
    const od_finding *f = find(&s, "CERT_NAME_MISMATCH", NULL);
    if (f) {
        CHECK(f->names.len == 1 && strcmp(f->names.items[0], "b.example.com") == 0);
        CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f->evidence, "addresses")) == 2);
        bool named = false;
        for (size_t i = 0; i < f->fix.len; i++)
            named = named || strstr(f->fix.items[i], "b.example.com");
        CHECK(named);
    }
    CHECK(!find(&s, "CERT_NAME_MISMATCH", "a.example.com"));
    CHECK(!find(&s, "CERT_NAME_MISMATCH", "origin.example.com"));
    scen_free(&s);
}

static void test_sni_differs(void)
{
    scen s;
    /* SNI leaf right, no-SNI leaf another certificate: info only. */
    scen_healthy(&s, "origin.example.com");
    size_t other = add_cert(&s, "default.example.net", "Test ICA", "default.example.net", NOW - DAY,
                            NOW + 90 * DAY, "CC:01", false);
    s.o.handshakes[1].chain[0] = other;
    run(&s);
    expect(&s, "TLS_SNI_CERT_DIFFERS", OD_SEV_INFO, "origin.example.com", "-noservername");
    CHECK(!s.would_fail);
    CHECK(!find(&s, "CERT_NAME_MISMATCH", NULL));
    scen_free(&s);

    /* The other way round: the no-SNI certificate covers the name, the SNI one does not. */
    scen_healthy(&s, "origin.example.com");
    other = add_cert(&s, "default.example.net", "Test ICA", "default.example.net", NOW - DAY, NOW + 90 * DAY,
                     "CC:01", false);
    s.o.handshakes[0].chain[0] = other;
    run(&s);
    expect(&s, "TLS_SNI_CERT_DIFFERS", OD_SEV_INFO, "origin.example.com", NULL);
    expect(&s, "CERT_NAME_MISMATCH", OD_SEV_FAIL, "origin.example.com", "-servername origin.example.com");
    const od_finding *f = find(&s, "TLS_SNI_CERT_DIFFERS", NULL);
    if (f) {
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(f->evidence, "without_sni");
        CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(w, "covers_name")));
    }
    scen_free(&s);

    /* Refused without SNI (nginx ssl_reject_handshake): info, never a failure. */
    scen_healthy(&s, "origin.example.com");
    od_handshake *h = &s.o.handshakes[1];
    h->ok = false;
    h->outcome = OD_TLS_ALERT;
    h->alert = 112;
    h->alert_name = od_xstrdup("unrecognized_name");
    h->chain_len = 0;
    run(&s);
    expect(&s, "TLS_SNI_CERT_DIFFERS", OD_SEV_INFO, "origin.example.com", "-noservername");
    CHECK(!s.would_fail);
    scen_free(&s);
}

/* A client certificate asked for but not required: a warning, not a fail;
 * and no warning when none was asked for. */
static void test_client_cert_requested(void)
{
    scen s;
    scen_healthy(&s, "origin.example.com");
    s.o.handshakes[0].client_cert_requested = true;
    s.o.http[0].status_code = 400;
    free(s.o.http[0].status_line);
    s.o.http[0].status_line = od_xstrdup("HTTP/1.1 400 Bad Request");
    run(&s);
    expect(&s, "TLS_CLIENT_CERT_REQUESTED", OD_SEV_WARN, "origin.example.com", "-servername origin.example.com");
    const od_finding *f = find(&s, "TLS_CLIENT_CERT_REQUESTED", "origin.example.com");
    CHECK(f && f->detail && strstr(f->detail, "400 Bad Request"));
    CHECK(!s.would_fail);
    scen_free(&s);

    scen_healthy(&s, "origin.example.com");
    run(&s);
    CHECK(count(&s, "TLS_CLIENT_CERT_REQUESTED") == 0);
    scen_free(&s);
}

static void test_http(void)
{
    scen s;
    scen_healthy(&s, "origin.example.com");
    s.o.http[0].responded = false;
    s.o.http[0].status_code = 0;
    s.o.http[0].error = od_xstrdup("timed out after 30 s");
    run(&s);
    expect(&s, "HTTP_NO_RESPONSE", OD_SEV_FAIL, "origin.example.com",
           "--resolve origin.example.com:443:198.51.100.10 https://origin.example.com:443/");
    scen_free(&s);

    /* An answer CloudFront cannot parse: HTTP_MALFORMED_RESPONSE (502),
     * not "no response", and no HTTP_OK. */
    scen_healthy(&s, "origin.example.com");
    s.o.http[0].responded = false;
    s.o.http[0].malformed = true;
    s.o.http[0].status_code = 0;
    free(s.o.http[0].status_line);
    s.o.http[0].status_line = od_xstrdup("HTTP/1.1 200 OK");
    s.o.http[0].error = od_xstrdup("the answer \"HTTP/1.1 200 OK\" has an invalid Content-Length");
    run(&s);
    expect(&s, "HTTP_MALFORMED_RESPONSE", OD_SEV_FAIL, "origin.example.com",
           "--resolve origin.example.com:443:198.51.100.10 https://origin.example.com:443/");
    CHECK(!od_finding_list_has(&s.findings, "HTTP_NO_RESPONSE"));
    CHECK(!od_finding_list_has(&s.findings, "HTTP_OK"));
    CHECK(s.would_fail);
    scen_free(&s);

    /* The probe's own connection failed (e.g. out of file descriptors), or
     * the run was cancelled: untested, never HTTP_NO_RESPONSE. */
    scen_healthy(&s, "origin.example.com");
    s.o.http[0].responded = false;
    s.o.http[0].request_sent = false;
    s.o.http[0].local_failure = true;
    s.o.http[0].status_code = 0;
    s.o.http[0].error = od_xstrdup("TLS failed (connect_failed): TCP error: Too many open files");
    run(&s);
    CHECK(!od_finding_list_has(&s.findings, "HTTP_NO_RESPONSE"));
    CHECK(od_finding_list_has(&s.findings, "CHECK_UNTESTED"));
    CHECK(!s.would_fail);
    /* ... and the verdict does not call the origin fine */
    CHECK(s.summary && !strstr(s.summary, "No problem found") && strstr(s.summary, "Incomplete"));
    scen_free(&s);

    /* The origin reset or closed the HTTP check's connection before the
     * request: that is the origin's answer, a finding. */
    scen_healthy(&s, "origin.example.com");
    s.o.http[0].responded = false;
    s.o.http[0].request_sent = false;
    s.o.http[0].status_code = 0;
    s.o.http[0].error = od_xstrdup("TLS failed (closed): the origin closed the connection during the handshake");
    run(&s);
    CHECK(od_finding_list_has(&s.findings, "HTTP_NO_RESPONSE"));
    CHECK(s.would_fail);
    scen_free(&s);

    /* A local TCP failure (EMFILE) on the only address: untested, and the
     * verdict is incomplete, never "no problem". */
    scen_healthy(&s, "origin.example.com");
    s.o.tcp[0].state = OD_TCP_ERROR;
    s.o.tcp[0].error = od_xstrdup("Too many open files (a failure on this machine, not the origin's)");
    run(&s);
    CHECK(od_finding_list_has(&s.findings, "CHECK_UNTESTED"));
    CHECK(s.summary && !strstr(s.summary, "No problem found"));
    scen_free(&s);

    scen_healthy(&s, "origin.example.com");
    s.o.http[0].responded = false;
    s.o.http[0].status_code = 0;
    s.o.http[0].error = od_xstrdup("no HTTP response: cancelled");
    s.o.cancelled = true;
    run(&s);
    CHECK(!od_finding_list_has(&s.findings, "HTTP_NO_RESPONSE"));
    CHECK(!s.would_fail);
    CHECK(s.summary && strncmp(s.summary, "Cancelled before every check finished", 37) == 0);
    scen_free(&s);

    /* a 4xx is passed on to viewers: a warning, named in the summary */
    scen_healthy(&s, "origin.example.com");
    s.o.http[0].status_code = 403;
    run(&s);
    expect(&s, "HTTP_CLIENT_ERROR", OD_SEV_WARN, "origin.example.com", "-A 'Amazon CloudFront' --tls-max 1.2 --resolve origin.example.com:443:198.51.100.10 https://origin.example.com:443/");
    CHECK(!s.would_fail && count(&s, "HTTP_OK") == 0);
    CHECK(s.summary && strstr(s.summary, "(HTTP_CLIENT_ERROR)"));
    scen_free(&s);

    /* the origin's own 502 is called out as what viewers may see */
    scen_healthy(&s, "origin.example.com");
    s.o.http[0].status_code = 502;
    run(&s);
    const od_finding *own = find(&s, "HTTP_SERVER_ERROR", "origin.example.com");
    CHECK(own && own->detail && strstr(own->detail, "The origin itself answers this"));
    CHECK(!s.would_fail);
    scen_free(&s);

    scen_healthy(&s, "origin.example.com");
    s.o.http[0].status_code = 503;
    run(&s);
    expect(&s, "HTTP_SERVER_ERROR", OD_SEV_WARN, "origin.example.com", "-A 'Amazon CloudFront' --tls-max 1.2 --resolve origin.example.com:443:198.51.100.10 https://origin.example.com:443/");
    CHECK(!s.would_fail);
    scen_free(&s);

    /* No response because TLS failed: the TLS finding speaks, not HTTP. */
    scen_tls_failed(&s, 80, "internal_error");
    add_http(&s, "198.51.100.10", "origin.example.com", 0, NULL);
    run(&s);
    CHECK(!find(&s, "HTTP_NO_RESPONSE", NULL));
    CHECK(find(&s, "TLS_HANDSHAKE_FAILED", NULL) != NULL);
    scen_free(&s);
}

static void test_summary_more(void)
{
    scen s;
    scen_healthy(&s, "origin.example.com");
    s.o.handshakes[0].facts.order_ok = false;
    s.o.handshakes[0].facts.path[0] = 0;
    s.o.handshakes[0].facts.path[1] = 1;
    s.o.certs[0].not_after = NOW - DAY;
    s.o.http[0].status_code = 502;
    run(&s);
    CHECK(s.would_fail);
    CHECK(s.summary && strstr(s.summary, "CloudFront would fail: ") == s.summary);
    CHECK(s.summary && strstr(s.summary, "and 2 more problems"));
    scen_free(&s);
}

static void test_fixes_catalogue(void)
{
    /* Server-specific steps come first, and unknown placeholders stay. */
    od_finding_list l;
    od_finding_list_init(&l);
    od_finding *f = od_finding_list_add(&l);
    f->id = od_xstrdup("CHAIN_INCOMPLETE");
    od_fix_var vars[] = {{"port", "8443"}, {"name", "x.example.com"}};
    od_fixes_apply(&FIXES, f, "Apache/2.4.57 (Debian)", vars, 2);
    CHECK(f->title && strstr(f->title, "intermediate"));
    CHECK(f->fix.len > 1 && strstr(f->fix.items[0], "SSLCertificateFile"));
    CHECK(f->fix.len > 1 && strstr(f->fix.items[0], "SSLCertificateChainFile"));
    CHECK(f->detail && strstr(f->detail, "{missing_issuer}"));
    f = od_finding_list_add(&l);
    f->id = od_xstrdup("PORT_REFUSED");
    od_fixes_apply(&FIXES, f, "awselb/2.0", vars, 2);
    CHECK(f->fix.len > 1 && strstr(f->fix.items[0], "8443") && strstr(f->fix.items[0], "load balancer"));
    f = od_finding_list_add(&l);
    f->id = od_xstrdup("TLS_NO_SHARED_PROTOCOL");
    od_fix_var elb_vars[] = {{"elb_policy", "ELBSecurityPolicy-TLS13-1-2-2021-06"},
                             {"elb_policies", "ELBSecurityPolicy-TLS13-1-2-2021-06, ELBSecurityPolicy-2016-08"}};
    od_fixes_apply(&FIXES, f, "awselb/2.0", elb_vars, 2);
    CHECK(f->fix.len > 1 && strstr(f->fix.items[0], "--ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06`") &&
          strstr(f->fix.items[0], "do: ELBSecurityPolicy-TLS13-1-2-2021-06, ELBSecurityPolicy-2016-08."));
    f = od_finding_list_add(&l);
    f->id = od_xstrdup("CERT_NAME_MISMATCH");
    od_fixes_apply(&FIXES, f, "CN=Amazon RSA 2048 M02,O=Amazon,C=US", vars, 2);
    CHECK(f->fix.len > 1 && strstr(f->fix.items[0], "aws acm request-certificate"));
    f = od_finding_list_add(&l);
    f->id = od_xstrdup("CERT_NAME_MISMATCH");
    od_fixes_apply(&FIXES, f, "unknown-server", vars, 2);
    CHECK(f->fix.len > 0 && !strstr(f->fix.items[0], "aws acm"));
    od_finding_list_free(&l);

    /* Bad catalogues are refused with the file named. */
    const char *path = "/tmp/od_test_rules_badfixes.json";
    FILE *fp = fopen(path, "w");
    CHECK(fp != NULL);
    if (fp) {
        fputs("{\"_about\": {}, \"findings\": {\"VANTAGE_POINT\": ", fp);
        fclose(fp);
        od_fixes bad;
        char *err = od_fixes_load(path, &bad);
        CHECK(err && strstr(err, path) && strstr(err, "malformed"));
        free(err);
        fp = fopen(path, "w");
        fputs("{\"_about\": {}, \"findings\": {\"VANTAGE_POINT\": {\"title\": \"x\", \"fix\": []}}}", fp);
        fclose(fp);
        err = od_fixes_load(path, &bad);
        CHECK(err && strstr(err, path) && strstr(err, "ORIGIN_IS_IP_ADDRESS"));
        free(err);
        remove(path);
    }
    od_fixes none;
    char *err = od_fixes_load("/nonexistent/fixes.json", &none);
    CHECK(err && strstr(err, "/nonexistent/fixes.json"));
    free(err);
}

/* Step of f that contains part, or NULL. */
static const char *fix_step_with(const od_finding *f, const char *part)
{
    for (size_t i = 0; f && i < f->fix.len; i++)
        if (strstr(f->fix.items[i], part))
            return f->fix.items[i];
    return NULL;
}

/* The name patterns of assets/aws-endpoints.json, as the rules use them. */
static void test_aws_endpoint_names(void)
{
    CHECK(POLICY.aws.n >= 4);
    const char *s3[] = {"mybucket.s3-website-us-east-1.amazonaws.com", "www.example.com.s3-website.eu-west-3.amazonaws.com",
                        "MyBucket.S3-Website-Us-West-2.AmazonAWS.com"};
    for (size_t i = 0; i < 3; i++) {
        const od_aws_endpoint *e = od_aws_endpoint_match(&POLICY.aws, s3[i]);
        CHECK_MSG(e && e->http_only && !e->routes_by_host, "%s not an S3 website endpoint", s3[i]);
    }
    const char *routed[] = {"abc123def4.execute-api.us-east-1.amazonaws.com",
                            "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-central-1.on.aws"};
    for (size_t i = 0; i < 2; i++) {
        const od_aws_endpoint *e = od_aws_endpoint_match(&POLICY.aws, routed[i]);
        CHECK_MSG(e && e->routes_by_host && !e->http_only, "%s does not route by Host", routed[i]);
    }
    const od_aws_endpoint *lb = od_aws_endpoint_match(&POLICY.aws, "my-lb-1234567890.us-east-1.elb.amazonaws.com");
    CHECK(lb && !lb->own_name_certifiable);
    lb = od_aws_endpoint_match(&POLICY.aws, "my-nlb-0123456789abcdef.elb.us-east-1.amazonaws.com");
    CHECK(lb && !lb->own_name_certifiable);
    /* Look-alikes are not endpoints: the REST endpoint, the name under a
     * customer's domain, a label standing for REGION that spans two. */
    const char *not_aws[] = {"mybucket.s3.us-east-1.amazonaws.com", "mybucket.s3-website-us-east-1.amazonaws.com.example.com",
                             "s3-website-us-east-1.amazonaws.com", "abc.execute-api.us.east-1.amazonaws.com",
                             "origin.example.com", "elb.amazonaws.com"};
    for (size_t i = 0; i < 6; i++)
        CHECK_MSG(od_aws_endpoint_match(&POLICY.aws, not_aws[i]) == NULL, "%s taken for an AWS endpoint", not_aws[i]);
    CHECK(od_aws_endpoint_match(NULL, "mybucket.s3-website-us-east-1.amazonaws.com") == NULL);
    CHECK_STR(POLICY.aws.host_policy_name, "AllViewerExceptHostHeader");
    CHECK_STR(POLICY.aws.host_policy_id, "b689b0a8-53d0-40ab-baf2-68738e2966ac");
    CHECK(POLICY.aws.source && POLICY.aws.checked && strcmp(POLICY.aws.checked, "2026-11") == 0);

    /* The loader is strict: a pattern without a domain would accuse every origin. */
    char path[] = "/tmp/od-aws-endpoints-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        FILE *f = fdopen(fd, "w");
        fputs("{\"source\":\"s\",\"checked\":\"2026-11\",\"host_excluding_policy\":{\"name\":\"n\",\"id\":\"i\"},"
              "\"endpoints\":[{\"service\":\"x\",\"patterns\":[\"*\"],\"http_only\":true,\"routes_by_host\":false,"
              "\"own_name_certifiable\":true}]}", f);
        fclose(f);
        od_aws_endpoints bad;
        char *err = od_aws_endpoints_load(path, &bad);
        CHECK_MSG(err && strstr(err, path) && strstr(err, "endpoints[0].patterns[0]"), "%s", err ? err : "(loaded)");
        CHECK(bad.n == 0 && bad.items == NULL);
        free(err);
        remove(path);
    }
}

/* A failed-TLS scenario for a load balancer's own name (or another). */
static void scen_tls_failed_at(scen *s, const char *origin, int alert, const char *alert_name)
{
    scen_tls_failed(s, alert, alert_name);
    free(s->c.origin_domain);
    s->c.origin_domain = od_xstrdup(origin);
    free(s->o.handshakes[0].sni);
    s->o.handshakes[0].sni = od_xstrdup(origin);
}

static bool evidence_lists(const od_finding *f, const char *key, const char *value)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(f ? f->evidence : NULL, key))
        if (cJSON_IsString(it) && strcmp(it->valuestring, value) == 0)
            return true;
    return false;
}

/* A load balancer origin that misses CloudFront's protocols or suites: the
 * fix names the ELB security policies (assets/aws-endpoints.json) that
 * allow a protocol the distribution allows, and those that do not. */
static void test_elb_security_policies(void)
{
    const char *lb = "my-lb-1234567890.us-east-1.elb.amazonaws.com";
    const od_aws_endpoint *ep = od_aws_endpoint_match(&POLICY.aws, lb);
    CHECK(ep && ep->n_tls_policies >= 10 && ep->tls_policies_source && ep->tls_policies_checked);
    char *tls12 = od_aws_tls_policies(ep, OD_PROTO_TLS12, true);
    char *none = od_aws_tls_policies(ep, OD_PROTO_TLS12, false);
    CHECK(strstr(tls12, "ELBSecurityPolicy-TLS13-1-2-2021-06") == tls12 && strstr(tls12, "ELBSecurityPolicy-2016-08"));
    CHECK(!strstr(tls12, "TLS13-1-3") && strstr(none, "ELBSecurityPolicy-TLS13-1-3-2021-06"));
    free(tls12);
    free(none);

    /* A TLS 1.3-only listener, the distribution at TLSv1.2. */
    scen s;
    scen_tls_failed_at(&s, lb, 70, "protocol_version");
    add_proto(&s, OD_PROTO_TLS12, OD_TRI_NO);
    add_proto(&s, OD_PROTO_TLS13, OD_TRI_YES);
    run(&s);
    const od_finding *f = find(&s, "TLS_NO_SHARED_PROTOCOL", NULL);
    CHECK(f != NULL);
    const char *step = fix_step_with(f, "--ssl-policy");
    CHECK_MSG(step && f->fix.len && step == f->fix.items[0], "the load balancer's step comes first");
    CHECK(step && strstr(step, "Elastic Load Balancing load balancer") &&
          strstr(step, "--ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06`") &&
          strstr(step, "ELBSecurityPolicy-TLS-1-2-2017-01") &&
          strstr(step, "fail with CloudFront: ELBSecurityPolicy-TLS13-1-3-2021-06") && !strchr(step, '{'));
    CHECK(evidence_lists(f, "load_balancer_policies_that_work", "ELBSecurityPolicy-2016-08"));
    CHECK(!evidence_lists(f, "load_balancer_policies_that_work", "ELBSecurityPolicy-TLS13-1-3-2021-06"));
    scen_free(&s);

    /* The distribution at TLSv1 only: only the policies with TLS 1.0 work. */
    scen_tls_failed_at(&s, lb, 70, "protocol_version");
    s.c.origin_ssl_protocols = OD_PROTO_TLS1;
    add_proto(&s, OD_PROTO_TLS1, OD_TRI_NO);
    add_proto(&s, OD_PROTO_TLS12, OD_TRI_YES);
    run(&s);
    f = find(&s, "TLS_NO_SHARED_PROTOCOL", NULL);
    step = fix_step_with(f, "--ssl-policy");
    CHECK(step && strstr(step, "do: ELBSecurityPolicy-TLS13-1-0-2021-06, ELBSecurityPolicy-2016-08.") &&
          strstr(step, "--ssl-policy ELBSecurityPolicy-TLS13-1-0-2021-06`") &&
          strstr(step, "ELBSecurityPolicy-TLS13-1-2-2021-06, "));
    scen_free(&s);

    /* No shared suite on a load balancer. */
    scen_tls_failed_at(&s, lb, 40, "handshake_failure");
    add_proto(&s, OD_PROTO_TLS12, OD_TRI_YES);
    add_cipher(&s, "ECDHE-RSA-AES128-GCM-SHA256", true, OD_TRI_NO);
    add_cipher(&s, "ECDHE-RSA-AES256-GCM-SHA384", true, OD_TRI_NO);
    run(&s);
    f = find(&s, "TLS_NO_SHARED_CIPHER", NULL);
    step = fix_step_with(f, "--ssl-policy");
    CHECK(step && step == f->fix.items[0] && strstr(step, "suite CloudFront offers at TLSv1.2") &&
          strstr(step, "ELBSecurityPolicy-TLS13-1-2-Res-2021-06") && !strchr(step, '{'));
    scen_free(&s);

    /* Not a load balancer (and no awselb Server header): no ELB policies. */
    scen_tls_failed(&s, 70, "protocol_version");
    add_proto(&s, OD_PROTO_TLS12, OD_TRI_NO);
    add_proto(&s, OD_PROTO_TLS13, OD_TRI_YES);
    run(&s);
    f = find(&s, "TLS_NO_SHARED_PROTOCOL", NULL);
    CHECK(f && !fix_step_with(f, "ELBSecurityPolicy") &&
          !cJSON_GetObjectItemCaseSensitive(f->evidence, "load_balancer_policies_that_work"));
    scen_free(&s);
}

/* An S3 website endpoint behind a policy that uses HTTPS; Host forwarded to
 * API Gateway or a Lambda URL; a load balancer's own name mismatched. */
static void test_aws_endpoints(void)
{
    const char *site = "www.example.com.s3-website-us-east-1.amazonaws.com";
    scen s;
    scen_healthy(&s, site);
    s.c.protocol_policy = OD_POLICY_HTTPS_ONLY;
    run(&s);
    expect(&s, "ORIGIN_HTTPS_NOT_SUPPORTED", OD_SEV_FAIL, NULL, "-servername www.example.com.s3-website-us-east-1");
    const od_finding *f = find(&s, "ORIGIN_HTTPS_NOT_SUPPORTED", NULL);
    CHECK(f && f->cloudfront_status == 502);
    CHECK(fix_step_with(f, "origin protocol policy to http-only") == (f ? f->fix.items[0] : NULL));
    CHECK(f && strstr(f->detail, "Amazon S3 website endpoint") && strstr(f->detail, "https-only"));
    CHECK(s.would_fail && s.summary && strstr(s.summary, "(ORIGIN_HTTPS_NOT_SUPPORTED)"));
    CHECK(!find(&s, "TLS_OK", NULL));
    scen_free(&s);

    /* match-viewer: HTTPS viewers reach it over HTTPS (the dotted form). */
    scen_healthy(&s, "bucket.s3-website.eu-west-3.amazonaws.com");
    s.c.protocol_policy = OD_POLICY_MATCH_VIEWER;
    run(&s);
    CHECK(find(&s, "ORIGIN_HTTPS_NOT_SUPPORTED", NULL) != NULL);
    scen_free(&s);

    /* http-only is the right setting; other origins never get it. */
    scen_healthy(&s, site);
    s.c.protocol_policy = OD_POLICY_HTTP_ONLY;
    run(&s);
    CHECK(!find(&s, "ORIGIN_HTTPS_NOT_SUPPORTED", NULL));
    scen_free(&s);
    scen_healthy(&s, "bucket.s3.us-east-1.amazonaws.com");
    s.c.protocol_policy = OD_POLICY_HTTPS_ONLY;
    run(&s);
    CHECK(!find(&s, "ORIGIN_HTTPS_NOT_SUPPORTED", NULL));
    scen_free(&s);

    const char *routed[] = {"abc123def4.execute-api.us-east-1.amazonaws.com", "xyz789.lambda-url.eu-central-1.on.aws"};
    for (size_t i = 0; i < 2; i++) {
        scen_healthy(&s, routed[i]);
        s.c.forward_host_header = true;
        od_strlist_add(&s.c.cnames, "api.example.com");
        run(&s);
        expect(&s, "HOST_FORWARDED_TO_AWS_ENDPOINT", OD_SEV_FAIL, NULL, "-H 'Host: api.example.com'");
        f = find(&s, "HOST_FORWARDED_TO_AWS_ENDPOINT", NULL);
        CHECK(f && f->cloudfront_status == 502);
        CHECK_MSG(fix_step_with(f, "AllViewerExceptHostHeader (ID b689b0a8-53d0-40ab-baf2-68738e2966ac)"),
                  "%s: fix does not name the managed policy", routed[i]);
        CHECK(s.would_fail && !find(&s, "HTTP_OK", NULL));
        scen_free(&s);

        /* Host not forwarded: CloudFront sends the endpoint's own name. */
        scen_healthy(&s, routed[i]);
        run(&s);
        CHECK(!find(&s, "HOST_FORWARDED_TO_AWS_ENDPOINT", NULL));
        CHECK(!s.would_fail);
        scen_free(&s);
    }
    /* Host forwarded to an ordinary origin is not this finding. */
    scen_healthy(&s, "origin.example.com");
    s.c.forward_host_header = true;
    od_strlist_add(&s.c.cnames, "origin.example.com");
    run(&s);
    CHECK(!find(&s, "HOST_FORWARDED_TO_AWS_ENDPOINT", NULL));
    scen_free(&s);

    /* A load balancer's own name, with the certificate of the customer's domain. */
    const char *lb = "my-lb-1234567890.us-east-1.elb.amazonaws.com";
    scen_healthy(&s, lb);
    free(s.o.certs[0].san_dns.items[0]);
    s.o.certs[0].san_dns.items[0] = od_xstrdup("www.example.com");
    run(&s);
    expect(&s, "CERT_NAME_MISMATCH", OD_SEV_FAIL, lb, "-verify_hostname my-lb-1234567890");
    f = find(&s, "CERT_NAME_MISMATCH", lb);
    const char *step = fix_step_with(f, "custom domain");
    CHECK_MSG(step && strstr(step, "points at the load balancer") && strstr(step, "ACM certificate"),
              "no custom-domain fix for a load balancer's own name");
    CHECK(f && f->fix.len && strstr(f->fix.items[0], lb) && strstr(f->fix.items[0], "own DNS name"));
    scen_free(&s);
    /* Any other mismatched name keeps the ordinary steps. */
    scen_healthy(&s, "origin.example.com");
    free(s.o.certs[0].san_dns.items[0]);
    s.o.certs[0].san_dns.items[0] = od_xstrdup("www.example.org");
    run(&s);
    f = find(&s, "CERT_NAME_MISMATCH", NULL);
    CHECK(f && !fix_step_with(f, "custom domain") && !fix_step_with(f, "own DNS name"));
    scen_free(&s);
}

int main(void)
{
    CHECK(od_parse_time("2026-11-20T00:00:00Z", &NOW));
    char *path = od_asset_path("fixes.json");
    CHECK_MSG(path != NULL, "fixes.json not found (set ORIGIN_DOCTOR_ASSETS)");
    char *err = od_fixes_load(path, &FIXES);
    CHECK_MSG(err == NULL, "%s", err ? err : "");
    free(err);
    free(path);
    if (!FIXES.root)
        return check_done("test_rules");

    /* The policy facts the rules need: CloudFront's curves. */
    memset(&POLICY, 0, sizeof POLICY);
    od_strlist_add(&POLICY.curves, "SECP256R1");
    od_strlist_add(&POLICY.curves, "SECP384R1");
    od_strlist_add(&POLICY.curves, "X25519");
    od_strlist_add(&POLICY.curve_names, "prime256v1");
    od_strlist_add(&POLICY.curve_names, "secp384r1");
    od_strlist_add(&POLICY.curve_names, "X25519");
    /* The AWS endpoint table, from its asset. */
    path = od_asset_path("aws-endpoints.json");
    CHECK_MSG(path != NULL, "aws-endpoints.json not found (set ORIGIN_DOCTOR_ASSETS)");
    err = path ? od_aws_endpoints_load(path, &POLICY.aws) : NULL;
    CHECK_MSG(err == NULL, "%s", err ? err : "");
    free(err);
    free(path);

    test_registry();
    test_ip_address_type();
    test_verdict();
    test_viewer_protocol_policy();
    test_origin_mtls();
    test_client_cert_not_accepted();
    test_client_cert_requested_with_mtls();
    test_healthy();
    test_origin_ip();
    test_dns();
    test_ports();
    test_tls_outcomes();
    test_protocols();
    test_ciphers();
    test_chain();
    test_validity();
    test_names();
    test_sni_differs();
    test_client_cert_requested();
    test_http();
    test_summary_more();
    test_fixes_catalogue();
    test_aws_endpoint_names();
    test_elb_security_policies();
    test_aws_endpoints();

    od_strlist_free(&POLICY.curves);
    od_strlist_free(&POLICY.curve_names);
    od_aws_endpoints_free(&POLICY.aws);
    od_fixes_free(&FIXES);
    return check_done("test_rules");
}
