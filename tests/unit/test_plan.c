/* The Plan, without a network: which probes a Case gets, and what each
 * waits for (issue 8's Plan; issue 11's dependency schedule). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "od_case.h"
#include "od_plan.h"
#include "od_policy.h"

static size_t count_kind(const od_plan *p, od_plan_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += p->probes[i].kind == kind;
    return n;
}

static void two_addresses(od_address a[2])
{
    memset(a, 0, 2 * sizeof *a);
    strcpy(a[0].address, "192.0.2.10");
    strcpy(a[1].address, "192.0.2.11");
}

/* Every step a probe reports as has an id, and no two steps share one. */
static void check_step_ids(const od_plan *p)
{
    od_strlist ids;
    od_strlist_init(&ids);
    if (p->table_step) {
        CHECK(p->table_step_id != NULL);
        od_strlist_add(&ids, p->table_step_id ? p->table_step_id : "");
    }
    for (size_t i = 0; i < p->n; i++) {
        const od_plan_probe *q = &p->probes[i];
        if (!q->step)
            continue;
        CHECK_MSG(q->step_id && q->step_id[0], "step \"%s\" has no id", q->step);
        if (!q->step_id)
            continue;
        CHECK_MSG(!od_strlist_contains(&ids, q->step_id), "step id %s twice", q->step_id);
        od_strlist_add(&ids, q->step_id);
    }
    od_strlist_free(&ids);
}

static bool has_step_id(const od_plan *p, const char *id)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->probes[i].step_id && strcmp(p->probes[i].step_id, id) == 0)
            return true;
    return p->table_step_id && strcmp(p->table_step_id, id) == 0;
}

/* Host forwarded with two CNAMEs, two addresses, https-only, HEAD. */
static void test_forwarded_names(const od_policy *pol)
{
    od_case c;
    od_case_init(&c);
    c.origin_domain = strdup("origin.example.test");
    c.forward_host_header = true;
    od_strlist_add(&c.cnames, "a.example.test");
    od_strlist_add(&c.cnames, "b.example.test");
    od_address addr[2];
    two_addresses(addr);
    od_plan p;
    od_plan_make(&c, pol, addr, 2, &p);

    CHECK(count_kind(&p, OD_PLAN_CONNECT) == 2);                /* one port per address */
    CHECK(count_kind(&p, OD_PLAN_HANDSHAKE) == 6);              /* 2 names + no SNI, per address */
    CHECK(count_kind(&p, OD_PLAN_BROAD) == 4);                  /* per named handshake */
    CHECK(count_kind(&p, OD_PLAN_PROTOCOL) == 4);               /* TLS 1.0 .. 1.3 */
    CHECK(count_kind(&p, OD_PLAN_HTTP) == 4);                   /* HEAD and GET per name */
    CHECK(p.table_address == 0);
    CHECK_STR(p.table_sni, "a.example.test");
    CHECK_STR(p.table_step, "Protocols and cipher suites at 192.0.2.10:443");
    check_step_ids(&p);
    CHECK(has_step_id(&p, "tls-broad:192.0.2.11:https:b.example.test"));
    CHECK(has_step_id(&p, "tls:192.0.2.11:https:-"));
    CHECK(has_step_id(&p, "http:192.0.2.10:https:a.example.test"));
    CHECK_STR(p.table_step_id, "ciphers:192.0.2.10:https");

    for (size_t i = 0; i < p.n; i++) {
        const od_plan_probe *q = &p.probes[i];
        CHECK(q->connect != OD_PLAN_NONE);
        CHECK(p.probes[q->connect].kind == OD_PLAN_CONNECT);
        CHECK(p.probes[q->connect].address == q->address && p.probes[q->connect].port == q->port);
        switch (q->kind) {
        case OD_PLAN_CONNECT:
            CHECK(!q->alone);   /* handshakes connect there anyway */
            CHECK(q->after == OD_PLAN_NONE && !q->waits);
            break;
        case OD_PLAN_HANDSHAKE:
            CHECK(q->after == OD_PLAN_NONE && !q->waits);   /* starts once the address is known */
            CHECK(q->priority != NULL);
            break;
        case OD_PLAN_BROAD: {
            const od_plan_probe *h = &p.probes[q->after];
            CHECK(q->waits && q->gate == OD_GATE_REFUSED);   /* truly depends on the refusal */
            CHECK(h->kind == OD_PLAN_HANDSHAKE && h->sni && strcmp(h->sni, q->sni) == 0 &&
                  h->address == q->address);
            CHECK(q->priority == NULL);   /* everything GnuTLS offers */
            break;
        }
        case OD_PLAN_PROTOCOL:
            CHECK(!q->waits && q->address == 0);
            CHECK_STR(q->sni, "a.example.test");
            break;
        case OD_PLAN_SUITE: {
            const od_plan_probe *pr = &p.probes[q->after];
            CHECK(pr->kind == OD_PLAN_PROTOCOL && pr->proto == q->proto && q->gate == OD_GATE_ACCEPTED);
            /* TLSv1.2 is what the case lets CloudFront use: no wait; older ones wait. */
            CHECK(q->waits == (q->proto != OD_PROTO_TLS12));
            CHECK(q->suite < pol->n_suites && q->priority != NULL);
            CHECK(q->step == NULL);
            break;
        }
        case OD_PLAN_HTTP:
            CHECK(q->tls && q->address == 0);
            if (q->head == OD_PLAN_NONE) {
                const od_plan_probe *h = &p.probes[q->after];
                CHECK_STR(q->method, "HEAD");
                CHECK(!q->waits && q->gate == OD_GATE_TLS_OK);
                CHECK(h->kind == OD_PLAN_HANDSHAKE && h->address == 0 && h->sni && strcmp(h->sni, q->host) == 0);
            } else {
                CHECK_STR(q->method, "GET");
                CHECK(q->step == NULL);
                CHECK(strcmp(p.probes[q->head].host, q->host) == 0);
            }
            break;
        }
    }
    /* The first name's GET goes beside its HEAD; the second waits for the first GET. */
    size_t gets[2], n_gets = 0;
    for (size_t i = 0; i < p.n; i++)
        if (p.probes[i].kind == OD_PLAN_HTTP && p.probes[i].head != OD_PLAN_NONE && n_gets < 2)
            gets[n_gets++] = i;
    CHECK(n_gets == 2);
    if (n_gets == 2) {
        CHECK(p.probes[gets[0]].gate == OD_GATE_HEAD_UNANSWERED && !p.probes[gets[0]].waits &&
              p.probes[gets[0]].after == p.probes[gets[0]].head);
        CHECK(p.probes[gets[1]].gate == OD_GATE_GET_NEEDED && p.probes[gets[1]].waits &&
              p.probes[gets[1]].after == gets[0]);
    }
    /* Step names are the report's. */
    CHECK_STR(p.probes[0].step, "TCP 192.0.2.10 port 443");
    size_t h = od_plan_find_handshake(&p, 1, NULL);
    CHECK(h != OD_PLAN_NONE && strcmp(p.probes[h].step, "TLS without SNI at 192.0.2.11:443") == 0);
    h = od_plan_find_handshake(&p, 0, "b.example.test");
    CHECK(h != OD_PLAN_NONE && strcmp(p.probes[h].step, "TLS b.example.test at 192.0.2.10:443") == 0);
    bool http_step = false;
    for (size_t i = 0; i < p.n; i++)
        http_step |= p.probes[i].step && strcmp(p.probes[i].step, "HTTP HEAD https://b.example.test/ at 192.0.2.10:443") == 0;
    CHECK(http_step);

    /* Re-targeting the table appends a whole table at the other address. */
    size_t before = p.n;
    size_t first = od_plan_add_table(&p, &c, pol, addr, 1, NULL);
    CHECK(first == before && p.n > before);
    CHECK(p.table_address == 1 && p.table_sni == NULL);
    CHECK_STR(p.table_step, "Protocols and cipher suites at 192.0.2.11:443");
    for (size_t i = first; i < p.n; i++)
        CHECK(p.probes[i].address == 1 && (p.probes[i].kind == OD_PLAN_PROTOCOL || p.probes[i].kind == OD_PLAN_SUITE));
    od_plan_free(&p);
    od_case_free(&c);
}

/* An IP origin without forwarded Host: no SNI; match-viewer adds port 80;
 * GET asked for: no GET beside anything. */
static void test_ip_origin_match_viewer(const od_policy *pol)
{
    od_case c;
    od_case_init(&c);
    c.origin_domain = strdup("192.0.2.10");
    c.protocol_policy = OD_POLICY_MATCH_VIEWER;
    c.http_get = true;
    c.origin_ssl_protocols = OD_PROTO_TLS1 | OD_PROTO_TLS12;
    od_address addr[2];
    two_addresses(addr);
    od_plan p;
    od_plan_make(&c, pol, addr, 2, &p);
    CHECK(count_kind(&p, OD_PLAN_CONNECT) == 4);
    CHECK(count_kind(&p, OD_PLAN_HANDSHAKE) == 2);   /* no SNI only */
    CHECK(count_kind(&p, OD_PLAN_BROAD) == 0);
    CHECK(count_kind(&p, OD_PLAN_HTTP) == 2);        /* GET over https and over http, no companions */
    CHECK(p.table_sni == NULL);
    for (size_t i = 0; i < p.n; i++) {
        const od_plan_probe *q = &p.probes[i];
        if (q->kind == OD_PLAN_HANDSHAKE)
            CHECK(q->sni == NULL);
        if (q->kind == OD_PLAN_HTTP) {
            CHECK_STR(q->method, "GET");
            CHECK(q->head == OD_PLAN_NONE && q->sni == NULL);
            CHECK(q->tls ? q->port == 443 : (q->port == 80 && q->gate == OD_GATE_NONE));
        }
        if (q->kind == OD_PLAN_SUITE)   /* TLSv1 is in the case too: no wait for it either */
            CHECK(q->waits == (q->proto == OD_PROTO_TLS11));
        if (q->kind == OD_PLAN_CONNECT)  /* only address 1's port 80 has no probe of its own */
            CHECK(q->alone == (q->address == 1 && q->port == 80));
    }
    od_plan_free(&p);
    od_case_free(&c);
}

static void test_http_only(const od_policy *pol)
{
    od_case c;
    od_case_init(&c);
    c.origin_domain = strdup("origin.example.test");
    c.protocol_policy = OD_POLICY_HTTP_ONLY;
    od_address addr[2];
    two_addresses(addr);
    od_plan p;
    od_plan_make(&c, pol, addr, 1, &p);
    CHECK(count_kind(&p, OD_PLAN_CONNECT) == 1 && count_kind(&p, OD_PLAN_HANDSHAKE) == 0);
    CHECK(count_kind(&p, OD_PLAN_PROTOCOL) == 0 && count_kind(&p, OD_PLAN_SUITE) == 0);
    CHECK(p.table_address == OD_PLAN_NONE);
    CHECK(count_kind(&p, OD_PLAN_HTTP) == 2);
    od_plan_free(&p);
    /* No address: nothing to probe. */
    od_plan_make(&c, pol, addr, 0, &p);
    CHECK(p.n == 0);
    od_plan_free(&p);
    od_case_free(&c);
}

/* IpAddressType: a run probes only the addresses CloudFront connects to. */
static void test_address_type(const od_policy *pol)
{
    od_case c;
    od_case_init(&c);
    c.origin_domain = strdup("origin.example.test");
    od_address all[3];
    memset(all, 0, sizeof all);
    strcpy(all[0].address, "2001:db8::10");
    all[0].family = 6;
    strcpy(all[1].address, "192.0.2.10");
    all[1].family = 4;
    strcpy(all[2].address, "::1");
    all[2].family = 6;
    od_address used[3];
    size_t n = od_plan_addresses(&c, all, 3, used, 3);   /* ipv4, the default */
    CHECK(n == 1 && strcmp(used[0].address, "192.0.2.10") == 0);
    od_plan p;
    od_plan_make(&c, pol, used, n, &p);
    for (size_t i = 0; i < p.n; i++)
        CHECK_MSG(p.probes[i].address == 0, "probe %zu at an address CloudFront does not use", i);
    CHECK(count_kind(&p, OD_PLAN_CONNECT) == 1 && p.table_address == 0);
    od_plan_free(&p);
    c.ip_address_type = OD_IP_V6;
    n = od_plan_addresses(&c, all, 3, used, 3);
    CHECK(n == 2 && strcmp(used[0].address, "2001:db8::10") == 0 && strcmp(used[1].address, "::1") == 0);
    c.ip_address_type = OD_IP_DUALSTACK;
    CHECK(od_plan_addresses(&c, all, 3, used, 3) == 3);
    /* step ids write IPv6 in brackets, one per address */
    od_plan_make(&c, pol, used, 3, &p);
    check_step_ids(&p);
    CHECK(has_step_id(&p, "tcp:[2001:db8::10]:https") && has_step_id(&p, "tcp:[::1]:https") &&
          has_step_id(&p, "tls:192.0.2.10:https:origin.example.test"));
    od_plan_free(&p);
    CHECK(od_plan_addresses(&c, all, 3, used, 2) == 2);
    /* AAAA only with ipv4: nothing to probe */
    c.ip_address_type = OD_IP_V4;
    n = od_plan_addresses(&c, all, 1, used, 3);
    CHECK(n == 0);
    od_plan_make(&c, pol, used, n, &p);
    CHECK(p.n == 0);
    od_plan_free(&p);
    od_case_free(&c);
}

int main(void)
{
    char *path = od_asset_path("cloudfront-origin-policy.json");
    od_policy pol;
    char *err = path ? od_policy_load(path, &pol) : od_xstrdup("no policy asset");
    CHECK_MSG(err == NULL, "%s", err ? err : "");
    free(path);
    if (err) {
        free(err);
        return check_done("plan");
    }
    test_forwarded_names(&pol);
    test_ip_origin_match_viewer(&pol);
    test_http_only(&pol);
    test_address_type(&pol);
    od_policy_free(&pol);
    return check_done("plan");
}
