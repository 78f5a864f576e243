/* CloudFront's ClientHello rewritten from GnuTLS's (od_client_hello.c):
 * the record GnuTLS writes for CloudFront's priority, captured through a
 * push function, becomes one that offers exactly the policy's suites,
 * groups and signature schemes in order, every other extension kept; and
 * anything that is not one whole ClientHello is refused. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "check.h"
#include "od_client_hello.h"
#include "od_probe.h"

typedef struct {
    unsigned char data[8192];
    size_t len;
} capture;

static ssize_t push(gnutls_transport_ptr_t p, const void *d, size_t n)
{
    capture *c = p;
    if (c->len + n > sizeof c->data)
        return -1;
    memcpy(c->data + c->len, d, n);
    c->len += n;
    return (ssize_t)n;
}

static ssize_t pull(gnutls_transport_ptr_t p, void *d, size_t n)
{
    (void)p;
    (void)d;
    (void)n;
    errno = EAGAIN;
    return -1;
}

/* The first record GnuTLS sends for this priority and SNI. */
static bool gnutls_hello(const char *priority, capture *c)
{
    memset(c, 0, sizeof *c);
    gnutls_session_t s;
    gnutls_certificate_credentials_t cred;
    if (gnutls_certificate_allocate_credentials(&cred) < 0)
        return false;
    bool ok = gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) == 0;
    ok = ok && gnutls_priority_set_direct(s, priority, NULL) == 0 &&
         gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) == 0 &&
         gnutls_server_name_set(s, GNUTLS_NAME_DNS, "a.example.test", 14) == 0;
    if (ok) {
        gnutls_transport_set_ptr(s, c);
        gnutls_transport_set_push_function(s, push);
        gnutls_transport_set_pull_function(s, pull);
        gnutls_handshake(s);   /* sends the ClientHello, then waits: EAGAIN */
        gnutls_deinit(s);
    }
    gnutls_certificate_free_credentials(cred);
    return ok && c->len > 9;
}

static unsigned u16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

typedef struct {
    unsigned suites[128], groups[64], sigs[64], ext_types[64];
    size_t n_suites, n_groups, n_sigs, n_exts;
} parsed;

/* Parses a ClientHello record, checking every length on the way. */
static bool parse(const unsigned char *r, size_t len, parsed *o)
{
    memset(o, 0, sizeof *o);
    if (len < 9 || r[0] != 0x16 || u16(r + 3) != len - 5 || r[5] != 1 ||
        ((size_t)r[6] << 16 | u16(r + 7)) != len - 9)
        return false;
    const unsigned char *p = r + 9 + 34, *end = r + len;
    p += 1 + p[0];
    size_t cs = u16(p);
    for (size_t i = 0; i < cs; i += 2)
        o->suites[o->n_suites++] = u16(p + 2 + i);
    p += 2 + cs;
    p += 1 + p[0];
    if (u16(p) != (size_t)(end - p - 2))
        return false;
    for (p += 2; p < end;) {
        unsigned type = u16(p), l = u16(p + 2);
        if (p + 4 + l > end || o->n_exts == 64)
            return false;
        o->ext_types[o->n_exts++] = type;
        if ((type == 10 || type == 13) && u16(p + 4) != l - 2)
            return false;
        for (size_t i = 6; type == 10 && i < 4u + l; i += 2)
            o->groups[o->n_groups++] = u16(p + i);
        for (size_t i = 6; type == 13 && i < 4u + l; i += 2)
            o->sigs[o->n_sigs++] = u16(p + i);
        p += 4 + l;
    }
    return p == end;
}

int main(void)
{
    od_policy p;
    char *path = od_asset_path("cloudfront-origin-policy.json");
    char *err = path ? od_policy_load(path, &p) : od_xstrdup("no policy file");
    free(path);
    CHECK_MSG(err == NULL, "%s", err ? err : "");
    if (err) {
        free(err);
        return check_done("client_hello");
    }
    /* The data's codes, in its order. */
    CHECK(p.curve_codes && p.curve_codes[0] == 0x0017 && p.curve_codes[2] == 0x001D);
    CHECK(p.signature_codes && p.signature_codes[0] == 0x0401 && p.signature_gnutls.len == p.signature_schemes.len);

    unsigned protocols = OD_PROTO_TLS1 | OD_PROTO_TLS11 | OD_PROTO_TLS12;
    od_hello_offer offer;
    CHECK(od_policy_offer(&p, protocols, &offer));
    CHECK(offer.n_suites == p.n_suites && offer.n_groups == 3 && offer.n_sigs == p.signature_schemes.len);
    char *prio = od_policy_priority(&p, protocols);
    capture c;
    CHECK(prio && gnutls_hello(prio, &c));
    free(prio);

    parsed before, after;
    CHECK(parse(c.data, c.len, &before));
    /* GnuTLS alone: a superset (e.g. ECDHE-RSA-DES-CBC3-SHA, 0xC012), and
     * no SHA-224 signature schemes. */
    bool extra = false;
    for (size_t i = 0; i < before.n_suites; i++)
        extra = extra || before.suites[i] == 0xC012;
    CHECK(extra && before.n_suites > offer.n_suites);

    unsigned char *w = NULL;
    size_t wlen = 0, left_out = 99;
    CHECK(od_client_hello_rewrite(c.data, c.len, &offer, &w, &wlen, &left_out));
    CHECK(left_out == 0);
    CHECK(w && parse(w, wlen, &after));
    CHECK(after.n_suites == offer.n_suites);
    for (size_t i = 0; i < offer.n_suites && i < after.n_suites; i++)
        CHECK_MSG(after.suites[i] == offer.suites[i], "suite %zu: %04x, expected %04x", i, after.suites[i],
                  offer.suites[i]);
    CHECK(after.n_groups == 3 && after.groups[0] == 0x0017 && after.groups[1] == 0x0018 && after.groups[2] == 0x001D);
    CHECK(after.n_sigs == offer.n_sigs);
    for (size_t i = 0; i < offer.n_sigs && i < after.n_sigs; i++)
        CHECK(after.sigs[i] == offer.sigs[i]);
    /* every other extension kept, in GnuTLS's order (SNI among them) */
    CHECK(after.n_exts == before.n_exts);
    for (size_t i = 0; i < before.n_exts && i < after.n_exts; i++)
        CHECK(after.ext_types[i] == before.ext_types[i]);
    CHECK(memcmp(w + 9, c.data + 9, 34) == 0);   /* version and random untouched */
    free(w);

    /* A suite GnuTLS did not write is left out and counted. */
    od_hello_offer more = offer;
    more.suites[more.n_suites++] = 0x1301;   /* TLS 1.3's, never in a TLS 1.2 list here */
    CHECK(od_client_hello_rewrite(c.data, c.len, &more, &w, &wlen, &left_out) && left_out == 1);
    CHECK(parse(w, wlen, &after) && after.n_suites == offer.n_suites);
    free(w);

    /* Not one whole ClientHello: refused, nothing allocated. */
    CHECK(!od_client_hello_rewrite(c.data, c.len - 1, &offer, &w, &wlen, &left_out) && w == NULL);
    unsigned char bad[sizeof c.data];
    memcpy(bad, c.data, c.len);
    bad[5] = 2;   /* a ServerHello */
    CHECK(!od_client_hello_rewrite(bad, c.len, &offer, &w, &wlen, &left_out));
    CHECK(!od_client_hello_rewrite(c.data, 8, &offer, &w, &wlen, &left_out));
    CHECK(!od_client_hello_rewrite(c.data, c.len, NULL, &w, &wlen, &left_out));
    od_hello_offer none = offer;
    none.n_suites = 1;
    none.suites[0] = 0x1301;   /* nothing GnuTLS offered */
    CHECK(!od_client_hello_rewrite(c.data, c.len, &none, &w, &wlen, &left_out));

    od_policy_free(&p);
    return check_done("client_hello");
}
