#include "od_obs.h"

#include <stdlib.h>
#include <string.h>

static const char *const step_names[] = {
    [OD_STEP_PENDING] = "pending", [OD_STEP_RUNNING] = "running", [OD_STEP_PASS] = "pass",
    [OD_STEP_WARN] = "warn",       [OD_STEP_FAIL] = "fail",       [OD_STEP_SKIPPED] = "skipped",
    [OD_STEP_UNTESTED] = "untested",
};

static const char *const tcp_names[] = {
    [OD_TCP_UNTESTED] = "untested", [OD_TCP_OPEN] = "open",
    [OD_TCP_REFUSED] = "refused",   [OD_TCP_TIMEOUT] = "timeout",
    [OD_TCP_UNREACHABLE] = "unreachable", [OD_TCP_ERROR] = "error",
};

static const char *const tls_names[] = {
    [OD_TLS_UNTESTED] = "untested",
    [OD_TLS_OK] = "ok",
    [OD_TLS_NOT_TLS] = "not_tls",
    [OD_TLS_TIMEOUT] = "timeout",
    [OD_TLS_ALERT] = "alert",
    [OD_TLS_CLIENT_CERT_REQUIRED] = "client_cert_required",
    [OD_TLS_CLOSED] = "closed",
    [OD_TLS_CONNECT_FAILED] = "connect_failed",
    [OD_TLS_ERROR] = "error",
    [OD_TLS_VERSION_REFUSED] = "version_refused",
    [OD_TLS_CLIENT_CERT_REFUSED] = "client_cert_refused",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, int v)
{
    if (v < 0 || (size_t)v >= n)
        return "unknown";
    return names[v];
}

static bool parse_name(const char *const *names, size_t n, const char *s, int *out)
{
    if (!s)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], s) == 0) {
            *out = (int)i;
            return true;
        }
    }
    return false;
}

const char *od_step_status_name(od_step_status s)
{
    return name_of(step_names, COUNT(step_names), (int)s);
}

bool od_step_status_parse(const char *s, od_step_status *out)
{
    int v;
    if (!parse_name(step_names, COUNT(step_names), s, &v))
        return false;
    *out = (od_step_status)v;
    return true;
}

const char *od_tcp_state_name(od_tcp_state s)
{
    return name_of(tcp_names, COUNT(tcp_names), (int)s);
}

bool od_tcp_state_parse(const char *s, od_tcp_state *out)
{
    int v;
    if (!parse_name(tcp_names, COUNT(tcp_names), s, &v))
        return false;
    *out = (od_tcp_state)v;
    return true;
}

const char *od_tls_outcome_name(od_tls_outcome o)
{
    return name_of(tls_names, COUNT(tls_names), (int)o);
}

bool od_tls_outcome_parse(const char *s, od_tls_outcome *out)
{
    int v;
    if (!parse_name(tls_names, COUNT(tls_names), s, &v))
        return false;
    *out = (od_tls_outcome)v;
    return true;
}

/* What each field kind owns (see "fields listed once" in od_obs.h). */
#define FREE_STR(v) free(v);
#define FREE_NSTR(v) free(v);
#define FREE_LIST(v) od_strlist_free(&(v));
#define FREE_OLIST(v) od_strlist_free(&(v));
#define FREE_FACTS(v) od_chain_facts_free(&(v));
#define FREE_BOOL(v)
#define FREE_OBOOL(v)
#define FREE_INT(v)
#define FREE_TIME(v)
#define FREE_MS(v)
#define FREE_COUNT(v)
#define FREE_ADDR(v)
#define FREE_OUTCOME(v)
#define FREE_ALERT(v)
#define FREE_PURPOSE(v)
#define FREE_CHAIN(v)
#define FREE_CERT_FIELD(kind, name, object, key, limit) FREE_##kind(c->name)
#define FREE_HANDSHAKE_FIELD(kind, name, object, key, limit) FREE_##kind(h->name)

void od_cert_free(od_cert *c)
{
    if (!c)
        return;
    OD_CERT_FIELDS(FREE_CERT_FIELD)
    free(c->der);
    memset(c, 0, sizeof *c);
}

static void handshake_free(od_handshake *h)
{
    OD_HANDSHAKE_FIELDS(FREE_HANDSHAKE_FIELD)
}

void od_chain_facts_free(od_chain_facts *f)
{
    if (!f)
        return;
    free(f->missing_issuer_dn);
    free(f->missing_issuer_akid);
    free(f->trust_anchor_subject);
    memset(f, 0, sizeof *f);
}

void od_chain_facts_copy(od_chain_facts *to, const od_chain_facts *from)
{
    *to = *from;
    to->missing_issuer_dn = from->missing_issuer_dn ? od_xstrdup(from->missing_issuer_dn) : NULL;
    to->missing_issuer_akid = from->missing_issuer_akid ? od_xstrdup(from->missing_issuer_akid) : NULL;
    to->trust_anchor_subject = from->trust_anchor_subject ? od_xstrdup(from->trust_anchor_subject) : NULL;
}

void od_obs_init(od_observations *o)
{
    memset(o, 0, sizeof *o);
    o->dns.status = OD_DNS_NOT_RUN;
}

void od_http_result_free(od_http_result *h)
{
    free(h->scheme);
    free(h->host_header);
    free(h->method);
    free(h->path);
    free(h->status_line);
    free(h->server);
    free(h->error);
    memset(h, 0, sizeof *h);
}

void od_bundle_obs_free(od_bundle_obs *b)
{
    if (!b)
        return;
    free(b->file);
    free(b->format);
    free(b->key_source);
    free(b);
}

void od_obs_free(od_observations *o)
{
    if (!o)
        return;
    od_bundle_obs_free(o->bundle);
    free(o->dns.error);
    free(o->addresses);
    for (size_t i = 0; i < o->n_tcp; i++)
        free(o->tcp[i].error);
    free(o->tcp);
    for (size_t i = 0; i < o->n_handshakes; i++) {
        handshake_free(&o->handshakes[i]);
    }
    free(o->handshakes);
    for (size_t i = 0; i < o->n_certs; i++)
        od_cert_free(&o->certs[i]);
    free(o->certs);
    for (size_t i = 0; i < o->n_protocols; i++) {
        free(o->protocols[i].detail);
        free(o->protocols[i].negotiated_cipher);
    }
    free(o->protocols);
    for (size_t i = 0; i < o->n_ciphers; i++) {
        free(o->ciphers[i].name);
        free(o->ciphers[i].iana);
        free(o->ciphers[i].reason);
    }
    free(o->ciphers);
    for (size_t i = 0; i < o->n_http; i++)
        od_http_result_free(&o->http[i]);
    free(o->http);
    for (size_t i = 0; i < o->n_steps; i++) {
        free(o->steps[i].id);
        free(o->steps[i].name);
        free(o->steps[i].detail);
    }
    free(o->steps);
    free(o->trust_store_used);
    od_obs_init(o);
}

/* Grows an array by one zeroed element. The public struct keeps no
 * capacity, so each append reallocates: the arrays hold tens of entries,
 * and any code that appends on its own stays compatible. */
static void *grow(void *arr, size_t *n, size_t elem)
{
    arr = od_xrealloc(arr, (*n + 1) * elem);
    memset((char *)arr + *n * elem, 0, elem);
    (*n)++;
    return arr;
}

od_address *od_obs_add_address(od_observations *o)
{
    o->addresses = grow(o->addresses, &o->n_addresses, sizeof *o->addresses);
    return &o->addresses[o->n_addresses - 1];
}

od_tcp_result *od_obs_add_tcp(od_observations *o)
{
    o->tcp = grow(o->tcp, &o->n_tcp, sizeof *o->tcp);
    return &o->tcp[o->n_tcp - 1];
}

od_handshake *od_obs_add_handshake(od_observations *o)
{
    o->handshakes = grow(o->handshakes, &o->n_handshakes, sizeof *o->handshakes);
    od_handshake *h = &o->handshakes[o->n_handshakes - 1];
    h->alert = -1;
    return h;
}

od_protocol_result *od_obs_add_protocol(od_observations *o)
{
    o->protocols = grow(o->protocols, &o->n_protocols, sizeof *o->protocols);
    od_protocol_result *p = &o->protocols[o->n_protocols - 1];
    p->accepted = OD_TRI_UNTESTED;
    p->alert = -1;
    return p;
}

od_cipher_row *od_obs_add_cipher(od_observations *o)
{
    o->ciphers = grow(o->ciphers, &o->n_ciphers, sizeof *o->ciphers);
    od_cipher_row *c = &o->ciphers[o->n_ciphers - 1];
    c->origin_accepts = OD_TRI_UNTESTED;
    return c;
}

od_http_result *od_obs_add_http(od_observations *o)
{
    o->http = grow(o->http, &o->n_http, sizeof *o->http);
    return &o->http[o->n_http - 1];
}

od_step *od_obs_add_step(od_observations *o, const char *name)
{
    o->steps = grow(o->steps, &o->n_steps, sizeof *o->steps);
    od_step *s = &o->steps[o->n_steps - 1];
    s->name = od_xstrdup(name ? name : "");
    s->status = OD_STEP_PENDING;
    return s;
}

size_t od_obs_add_cert(od_observations *o, od_cert *c)
{
    if (c->sha256) {
        for (size_t i = 0; i < o->n_certs; i++) {
            if (o->certs[i].sha256 && od_strcasecmp(o->certs[i].sha256, c->sha256) == 0) {
                od_cert_free(c);
                return i;
            }
        }
    }
    o->certs = grow(o->certs, &o->n_certs, sizeof *o->certs);
    o->certs[o->n_certs - 1] = *c;
    memset(c, 0, sizeof *c);
    return o->n_certs - 1;
}
