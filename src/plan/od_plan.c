/* The Plan: Case + policy + addresses -> the probes of one run, each
 * with what it waits for. No network here: tested by test_plan. */
#include "od_plan.h"

#include <stdlib.h>
#include <string.h>

#include "od_probe.h"

/* The protocols the table probes alone; SSL 3.0 is not in this GnuTLS. */
static const unsigned probed_protocols[] = {OD_PROTO_TLS1, OD_PROTO_TLS11, OD_PROTO_TLS12, OD_PROTO_TLS13};
#define N_PROBED (sizeof probed_protocols / sizeof probed_protocols[0])

static od_plan_probe *add_probe(od_plan *plan, od_plan_kind kind, size_t address, int port)
{
    if (plan->n == plan->cap) {   /* doubling: hundreds of names make thousands of probes */
        plan->cap = plan->cap ? 2 * plan->cap : 64;
        plan->probes = od_xrealloc(plan->probes, plan->cap * sizeof *plan->probes);
    }
    od_plan_probe *q = &plan->probes[plan->n];
    memset(q, 0, sizeof *q);
    q->kind = kind;
    q->address = address;
    q->port = port;
    q->connect = od_plan_find_connect(plan, address, port);
    q->after = OD_PLAN_NONE;
    q->suite = OD_PLAN_NONE;
    q->head = OD_PLAN_NONE;
    q->via = OD_PLAN_NONE;
    q->provides = OD_PLAN_NONE;
    plan->n++;
    return q;
}

size_t od_plan_find_connect(const od_plan *plan, size_t address, int port)
{
    for (size_t i = 0; i < plan->n; i++)
        if (plan->probes[i].kind == OD_PLAN_CONNECT && plan->probes[i].address == address &&
            plan->probes[i].port == port)
            return i;
    return OD_PLAN_NONE;
}

size_t od_plan_find_handshake(const od_plan *plan, size_t address, const char *sni)
{
    for (size_t i = 0; i < plan->n; i++) {
        const od_plan_probe *q = &plan->probes[i];
        if (q->kind == OD_PLAN_HANDSHAKE && q->address == address &&
            ((!sni && !q->sni) || (sni && q->sni && strcmp(sni, q->sni) == 0)))
            return i;
    }
    return OD_PLAN_NONE;
}

/* TLS forbids an IP address as SNI: an IP origin gets none unless the
 * viewer's Host (a name) is forwarded. */
static bool names_as_sni(const od_case *c)
{
    return !od_is_ip_literal(c->origin_domain) || c->forward_host_header;
}

const char *od_plan_table_sni(const od_case *c, const od_strlist *names)
{
    return names->len && names_as_sni(c) ? names->items[0] : NULL;
}

/* An address as step ids write it: IPv6 in brackets, so the colons that
 * separate the id's parts stay unambiguous. */
#define STEP_ADDR_FMT "%s%s%s"
#define STEP_ADDR(a) (strchr((a), ':') ? "[" : ""), (a), (strchr((a), ':') ? "]" : "")

/* The port's role in the case, not its number: ids stay the same when a
 * lab or a test listens on another port. */
static const char *port_role(const od_case *c, int port)
{
    return port == c->https_port ? "https" : port == c->http_port ? "http" : "other";
}

size_t od_plan_add_table(od_plan *plan, const od_case *c, const od_policy *p, const od_address *addresses,
                         size_t address, const char *sni)
{
    size_t first = plan->n;
    const char *addr = addresses[address].address;
    int port = c->https_port;
    free(plan->table_sni);
    free(plan->table_step);
    free(plan->table_step_id);
    plan->table_address = address;
    plan->table_sni = od_xstrdup(sni);
    plan->table_step = od_xasprintf("Protocols and cipher suites at %s:%d", addr, port);
    plan->table_step_id = od_xasprintf("ciphers:" STEP_ADDR_FMT ":%s", STEP_ADDR(addr), port_role(c, port));
    size_t proto_probe[N_PROBED];
    for (size_t i = 0; i < N_PROBED; i++) {
        proto_probe[i] = plan->n;
        od_plan_probe *q = add_probe(plan, OD_PLAN_PROTOCOL, address, port);
        q->proto = probed_protocols[i];
        q->sni = od_xstrdup(sni);
        q->priority = od_protocol_priority(q->proto);
    }
    for (size_t i = 0; i < N_PROBED; i++) {
        unsigned proto = probed_protocols[i];
        if (proto == OD_PROTO_TLS13)
            continue;   /* CloudFront's suites stop at TLS 1.2 */
        for (size_t si = 0; si < p->n_suites; si++) {
            const od_policy_suite *s = &p->suites[si];
            if (!(s->protocols & proto & p->protocols))
                continue;
            char *prio = od_suite_priority(p, s, proto);
            if (!prio)
                continue;   /* the table says why; nothing to probe */
            od_plan_probe *q = add_probe(plan, OD_PLAN_SUITE, address, port);
            q->proto = proto;
            q->suite = si;
            q->sni = od_xstrdup(sni);
            q->priority = prio;
            q->after = proto_probe[i];
            q->gate = OD_GATE_ACCEPTED;
            /* A protocol CloudFront is set to use is almost always accepted
             * by an origin worth diagnosing: do not wait for it. */
            q->waits = !(proto & c->origin_ssl_protocols);
        }
    }
    return first;
}

size_t od_plan_add_http(od_plan *plan, const od_case *c, const od_policy *p, const od_address *addresses,
                        size_t address, bool tls)
{
    size_t first = plan->n;
    od_strlist names;
    od_case_expected_names(c, &names);
    const char *addr = addresses[address].address;
    int port = tls ? c->https_port : c->http_port;
    size_t first_get = OD_PLAN_NONE;
    char *target = od_case_request_target(c);
    /* One offer for every name: built once (it is long), copied per probe. */
    char *priority = tls ? od_policy_priority(p, c->origin_ssl_protocols) : NULL;
    for (size_t k = 0; k < names.len; k++) {
        const char *host = names.items[k];
        const char *sni = names_as_sni(c) ? host : NULL;
        size_t head = plan->n;
        od_plan_probe *q = add_probe(plan, OD_PLAN_HTTP, address, port);
        q->tls = tls;
        q->host = od_xstrdup(host);
        q->sni = tls ? od_xstrdup(sni) : NULL;
        q->priority = od_xstrdup(priority);
        q->method = c->http_get ? "GET" : "HEAD";
        q->path = od_xstrdup(target);
        q->step = od_xasprintf("HTTP %s %s://%s%s at %s:%d", q->method, tls ? "https" : "http", host, target, addr,
                               port);
        q->step_id = od_xasprintf("http:" STEP_ADDR_FMT ":%s:%s", STEP_ADDR(addr), tls ? "https" : "http", host);
        if (tls) {
            /* Over TLS only where the handshake CloudFront would make works. */
            q->after = od_plan_find_handshake(plan, address, sni);
            q->gate = OD_GATE_TLS_OK;
        }
        if (!c->http_get) {
            /* Some servers never answer HEAD but answer GET, which viewers
             * mostly send: the first name asks GET beside its HEAD rather
             * than after a wait; the others as soon as the first shows the
             * origin ignores HEAD (or their own HEAD goes unanswered). */
            od_plan_probe *g = add_probe(plan, OD_PLAN_HTTP, address, port);
            q = &plan->probes[head];
            g->tls = tls;
            g->host = od_xstrdup(host);
            g->sni = tls ? od_xstrdup(sni) : NULL;
            g->priority = od_xstrdup(q->priority);
            g->method = "GET";
            g->path = od_xstrdup(target);
            g->head = head;
            if (first_get == OD_PLAN_NONE) {
                first_get = plan->n - 1;
                g->after = head;
                g->gate = OD_GATE_HEAD_UNANSWERED;
            } else {
                g->after = first_get;
                g->gate = OD_GATE_GET_NEEDED;
                g->waits = true;
            }
        }
    }
    free(priority);
    free(target);
    od_strlist_free(&names);
    return first;
}

size_t od_plan_addresses(const od_case *c, const od_address *all, size_t n_all, od_address *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < n_all && n < max; i++)
        if (od_case_uses_family(c, all[i].family))
            out[n++] = all[i];
    return n;
}

void od_plan_make(const od_case *c, const od_policy *p, const od_address *addresses, size_t n_addresses,
                  od_plan *out)
{
    memset(out, 0, sizeof *out);
    out->table_address = OD_PLAN_NONE;
    od_strlist names;
    od_case_expected_names(c, &names);
    bool https = od_case_uses_https(c), http = od_case_uses_http(c);

    for (size_t a = 0; a < n_addresses; a++) {
        if (https) {
            od_plan_probe *q = add_probe(out, OD_PLAN_CONNECT, a, c->https_port);
            q->connect = out->n - 1;
            q->step = od_xasprintf("TCP %s port %d", addresses[a].address, c->https_port);
            q->step_id = od_xasprintf("tcp:" STEP_ADDR_FMT ":https", STEP_ADDR(addresses[a].address));
        }
        if (http) {
            od_plan_probe *q = add_probe(out, OD_PLAN_CONNECT, a, c->http_port);
            q->connect = out->n - 1;
            q->step = od_xasprintf("TCP %s port %d", addresses[a].address, c->http_port);
            q->step_id = od_xasprintf("tcp:" STEP_ADDR_FMT ":http", STEP_ADDR(addresses[a].address));
        }
    }
    if (https) {
        char *priority = od_policy_priority(p, c->origin_ssl_protocols);
        for (size_t a = 0; a < n_addresses; a++) {
            const char *addr = addresses[a].address;
            for (size_t k = 0; k <= names.len; k++) {
                const char *sni = k < names.len ? names.items[k] : NULL;
                if (sni && !names_as_sni(c))
                    continue;
                od_plan_probe *q = add_probe(out, OD_PLAN_HANDSHAKE, a, c->https_port);
                q->sni = od_xstrdup(sni);
                q->priority = od_xstrdup(priority);
                q->step = sni ? od_xasprintf("TLS %s at %s:%d", sni, addr, c->https_port)
                              : od_xasprintf("TLS without SNI at %s:%d", addr, c->https_port);
                q->step_id = od_xasprintf("tls:" STEP_ADDR_FMT ":https:%s", STEP_ADDR(addr), sni ? sni : "-");
            }
        }
        free(priority);
        /* When CloudFront's own offer is refused, the certificate is still
         * worth judging: a broad offer per refused name shows it. */
        size_t n_handshakes = out->n;
        for (size_t i = 0; i < n_handshakes; i++) {
            const od_plan_probe *h = &out->probes[i];
            if (h->kind != OD_PLAN_HANDSHAKE || !h->sni)
                continue;
            size_t a = h->address;
            char *sni = od_xstrdup(h->sni);
            od_plan_probe *q = add_probe(out, OD_PLAN_BROAD, a, c->https_port);
            q->sni = sni;
            q->after = i;
            q->gate = OD_GATE_REFUSED;
            q->waits = true;
            q->step = od_xasprintf("TLS %s at %s:%d, broad offer to see the certificate", sni,
                                   addresses[a].address, c->https_port);
            q->step_id = od_xasprintf("tls-broad:" STEP_ADDR_FMT ":https:%s", STEP_ADDR(addresses[a].address), sni);
        }
        if (n_addresses)
            od_plan_add_table(out, c, p, addresses, 0, od_plan_table_sni(c, &names));
    }
    if (n_addresses) {
        if (https) {
            size_t first = od_plan_add_http(out, c, p, addresses, 0, true);
            /* The request's own handshake is the TLS probe of its name: one
             * connection instead of two (the same offer, SNI and verdict). */
            for (size_t i = first; i < out->n; i++) {
                od_plan_probe *q = &out->probes[i];
                if (q->kind != OD_PLAN_HTTP || q->head != OD_PLAN_NONE || q->after == OD_PLAN_NONE ||
                    out->probes[q->after].via != OD_PLAN_NONE)
                    continue;
                out->probes[q->after].via = i;
                q->provides = q->after;
            }
        }
        if (http)
            od_plan_add_http(out, c, p, addresses, 0, false);
    }
    /* A port no probe connects to gets a connection of its own. */
    for (size_t i = 0; i < out->n; i++) {
        od_plan_probe *q = &out->probes[i];
        if (q->kind != OD_PLAN_CONNECT)
            continue;
        q->alone = true;
        for (size_t k = 0; k < out->n && q->alone; k++)
            if (k != i && out->probes[k].connect == i)
                q->alone = false;
    }
    od_strlist_free(&names);
}

void od_plan_free(od_plan *plan)
{
    for (size_t i = 0; i < plan->n; i++) {
        od_plan_probe *q = &plan->probes[i];
        free(q->sni);
        free(q->host);
        free(q->path);
        free(q->priority);
        free(q->step);
        free(q->step_id);
    }
    free(plan->probes);
    free(plan->table_sni);
    free(plan->table_step);
    free(plan->table_step_id);
    memset(plan, 0, sizeof *plan);
    plan->table_address = OD_PLAN_NONE;
}
