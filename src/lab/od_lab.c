/* The practice lab: each scenario is a throwaway PKI plus one local origin
 * on 127.0.0.1 that shows exactly one problem. CAs and most leaves use
 * ECDSA P-256 (key generation is nearly free); RSA keys cost ~35 ms each
 * (seconds under valgrind), so only the healthy RSA scenarios and the
 * ones about the server's behaviour rather than its certificate get one. */
#include "od_lab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "od_certgen.h"
#include "od_finding.h"
#include "od_labserver.h"

#define LAB_MAX_CERTS 12
#define LAB_MAX_SERVERS 2
#define DAY (24L * 60 * 60)

typedef enum {
    SC_HEALTHY,
    SC_HEALTHY_ECDSA,
    SC_HEALTHY_DIRECT,
    SC_WRONG_NAME,
    SC_WILDCARD_TOO_DEEP,
    SC_CNAME_NOT_COVERED,
    SC_EXPIRED,
    SC_NOT_YET_VALID,
    SC_SELF_SIGNED,
    SC_UNTRUSTED_ROOT,
    SC_MISSING_INTERMEDIATE,
    SC_WRONG_ORDER,
    SC_SNI_DIFFERS,
    SC_SNI_DEFAULT_WRONG,
    SC_NO_SHARED_CIPHER,
    SC_TLS13_ONLY,
    SC_CLIENT_CERT_REQUIRED,
    SC_PORT_CLOSED,
    SC_PLAIN_HTTP,
    SC_SILENT,
    SC_HTTP_503,
    SC_HTTP_SILENT,
    SC_ESCAPE_SUBJECT,
    SC_FIREWALL_DROP,
    SC_IDN_NAME,
    SC_BUNDLE_WRONG_ORDER,
    SC_BUNDLE_MISSING_INTERMEDIATE,
    SC_BUNDLE_KEY_MISMATCH,
    SC_S3_WEBSITE,
    SC_AAAA_ONLY,
    SC_HEADER_PROTECTED,
    SC_ORIGIN_MTLS,
    SC_NO_USABLE_CERTIFICATE,
    SC_COUNT
} scenario_kind;

/* In scenario_kind order. */
static const od_lab_scenario SCENARIOS[SC_COUNT] = {
    { "healthy", "RSA leaf and its intermediate, everything right", {NULL} },
    { "healthy-ecdsa", "ECDSA P-256 leaf and its intermediate, everything right", {NULL} },
    { "healthy-direct", "RSA leaf issued directly by the root", {NULL} },
    { "wrong-name", "the certificate is for another name", {OD_ID(CERT_NAME_MISMATCH)} },
    { "wildcard-too-deep", "*.example.test does not cover a.b.example.test", {OD_ID(CERT_NAME_MISMATCH)} },
    { "cname-not-covered", "Host is forwarded; the certificate covers www but not cdn", {OD_ID(CERT_NAME_MISMATCH)} },
    { "expired", "the leaf certificate has expired", {OD_ID(CERT_EXPIRED)} },
    { "not-yet-valid", "the leaf certificate is not valid yet", {OD_ID(CERT_NOT_YET_VALID)} },
    { "self-signed", "the origin serves a self-signed certificate", {OD_ID(CERT_SELF_SIGNED)} },
    { "untrusted-root", "the chain ends at a root the trust store does not hold", {OD_ID(CERT_UNTRUSTED_ROOT)} },
    { "missing-intermediate", "the origin sends the leaf without its intermediate", {OD_ID(CHAIN_INCOMPLETE)} },
    { "wrong-order", "the intermediates are sent in the wrong order", {OD_ID(CHAIN_WRONG_ORDER)} },
    { "sni-differs", "the right certificate only without SNI, a wrong one with SNI", {OD_ID(CERT_NAME_MISMATCH)} },
    { "sni-default-wrong", "right certificate with SNI, another one without (information only)", {NULL} },
    { "no-shared-cipher", "the origin accepts only ChaCha20-Poly1305, which CloudFront does not offer",
      {OD_ID(TLS_NO_SHARED_CIPHER)} },
    { "tls13-only", "the origin speaks only TLS 1.3; the distribution allows TLS 1.2", {OD_ID(TLS_NO_SHARED_PROTOCOL)} },
    { "client-cert-required", "the origin demands a client certificate", {OD_ID(TLS_CLIENT_CERT_REQUIRED)} },
    { "port-closed", "nothing listens on the HTTPS port", {OD_ID(PORT_REFUSED)} },
    { "plain-http", "the HTTPS port speaks plain HTTP", {OD_ID(TLS_NOT_SPOKEN)} },
    { "silent", "the HTTPS port accepts connections and never answers", {OD_ID(TLS_HANDSHAKE_TIMEOUT)} },
    { "http-503", "TLS is fine but the origin answers 503 (a warning only)", {NULL} },
    { "http-silent", "TLS is fine but no HTTP response ever comes", {OD_ID(HTTP_NO_RESPONSE)} },
    { "escape-subject", "healthy, but the certificate's subject holds a terminal escape sequence (shown escaped)",
      {NULL} },
    { "firewall-drop", "connections to the HTTPS port are dropped, as by a firewall (connect times out)",
      {OD_ID(PORT_TIMEOUT)} },
    { "idn-name", "an international origin name (b\xc3\xbc" "cher.example.test), certificate in A-label form",
      {NULL} },
    { "bundle-wrong-order", "a certificate file (not a server) whose intermediates are in the wrong order: "
      "--check-bundle, then --write-chain", {OD_ID(CHAIN_WRONG_ORDER)} },
    { "bundle-missing-intermediate", "a certificate file without its intermediate: --check-bundle, then "
      "--write-chain --intermediates", {OD_ID(CHAIN_INCOMPLETE)} },
    { "bundle-key-mismatch", "a certificate file given with another certificate's private key (--key)",
      {OD_ID(BUNDLE_KEY_MISMATCH)} },
    { "s3-website", "an S3 website endpoint's name (HTTP only) behind an https-only origin protocol policy",
      {OD_ID(ORIGIN_HTTPS_NOT_SUPPORTED), OD_ID(TLS_NOT_SPOKEN)} },
    { "aaaa-only", "the origin's name has only an IPv6 address (AAAA, the origin on ::1); CloudFront's default "
      "IpAddressType is ipv4 (--ip-address-type ipv6 or dualstack: healthy)", {OD_ID(DNS_NO_ADDRESS_OF_TYPE)} },
    /* a warning, not a failure: CloudFront passes the 403 on */
    { "header-protected", "the origin answers 403 (as a WAF would) unless the custom header "
      OD_LAB_REQUIRED_HEADER " comes with the request: add it with --origin-header", {NULL} },
    { "origin-mtls", "origin mutual TLS: the origin trusts only its own client CA; the distribution's client "
      "certificate comes from another CA", {OD_ID(TLS_CLIENT_CERT_NOT_ACCEPTED)} },
    { "no-usable-certificate", "no suite the origin enables suits its only certificate (as nginx with an ECDSA "
      "intermediate served first): it refuses every client, not only CloudFront",
      {OD_ID(TLS_NO_SHARED_CIPHER)} },
};

char *od_lab_expect_text(const od_lab_scenario *s)
{
    od_buf b;
    od_buf_init(&b);
    od_buf_puts(&b, "");
    for (size_t i = 0; s && i < OD_LAB_MAX_EXPECT && s->expect[i]; i++)
        od_buf_printf(&b, "%s%s", i ? " " : "", s->expect[i]);
    return od_buf_steal(&b);
}

const od_lab_scenario *od_lab_scenarios(size_t *n)
{
    if (n)
        *n = SC_COUNT;
    return SCENARIOS;
}

const od_lab_scenario *od_lab_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < SC_COUNT; i++)
        if (strcmp(SCENARIOS[i].name, name) == 0)
            return &SCENARIOS[i];
    return NULL;
}

struct od_lab {
    char *dir;
    char *bundle;                      /* bundle scenarios: the certificate file */
    char *bundle_key;                  /* and its private key */
    char *intermediates;               /* and a file holding what is missing */
    od_strlist files;                  /* written inside dir, removed on stop */
    od_gen_cert certs[LAB_MAX_CERTS];
    size_t n_certs;
    od_lab_server *servers[LAB_MAX_SERVERS];
    size_t n_servers;
};

/* ---- building blocks ---------------------------------------------------- */

typedef struct {
    od_lab *lab;
    char *error;
} builder;

/* A certificate in the lab's PKI; NULL (and b->error) on failure. */
static const od_gen_cert *gen(builder *b, const od_gen_spec *spec, const od_gen_cert *issuer)
{
    if (b->error)
        return NULL;
    od_lab *lab = b->lab;
    if (lab->n_certs == LAB_MAX_CERTS) {
        b->error = od_xstrdup("lab: too many certificates");
        return NULL;
    }
    int rc = od_gen_cert_make(spec, issuer, &lab->certs[lab->n_certs]);
    if (rc < 0) {
        b->error = od_xasprintf("lab: generating \"%s\": %s", spec->dn, gnutls_strerror(rc));
        return NULL;
    }
    return &lab->certs[lab->n_certs++];
}

static const od_gen_cert *gen_ca(builder *b, const char *cn, const od_gen_cert *issuer)
{
    char *dn = od_xasprintf("CN=%s,O=origin-doctor lab", cn);
    od_gen_spec spec = { .dn = dn, .is_ca = true, .key = OD_KEY_ECDSA_P256 };
    const od_gen_cert *c = gen(b, &spec, issuer);
    free(dn);
    return c;
}

/* A leaf whose CN is the first name and whose SANs are all names. */
static const od_gen_cert *gen_leaf_dated(builder *b, const char *const *names, od_keykind key,
                                         const od_gen_cert *issuer, time_t not_before, time_t not_after)
{
    char *dn = od_xasprintf("CN=%s,O=origin-doctor lab", names[0]);
    od_gen_spec spec = { .dn = dn, .san_dns = names, .key = key,
                         .not_before = not_before, .not_after = not_after };
    const od_gen_cert *c = gen(b, &spec, issuer);
    free(dn);
    return c;
}

static const od_gen_cert *gen_leaf(builder *b, const char *name, od_keykind key, const od_gen_cert *issuer)
{
    const char *names[] = { name, NULL };
    return gen_leaf_dated(b, names, key, issuer, 0, 0);
}

static void start_server(builder *b, const od_lab_config *cfg, int *port)
{
    if (b->error)
        return;
    od_lab *lab = b->lab;
    if (lab->n_servers == LAB_MAX_SERVERS) {
        b->error = od_xstrdup("lab: too many servers");
        return;
    }
    char *err = NULL;
    od_lab_server *s = od_lab_server_start(cfg, port, &err);
    if (!s) {
        b->error = err ? err : od_xstrdup("lab: the origin server did not start");
        return;
    }
    lab->servers[lab->n_servers++] = s;
}

static void set_identity(od_lab_identity *id, const od_gen_cert *const *chain, size_t len, const char *sni)
{
    id->chain = chain;
    id->chain_len = len;
    id->sni = sni;
}

static void write_trust_store(builder *b, od_case *c, const od_gen_cert *root)
{
    if (b->error)
        return;
    char *path = od_xasprintf("%s/trust-store.pem", b->lab->dir);
    const od_gen_cert *roots[] = { root };
    if (od_gen_write_pem_chain(path, roots, 1) < 0) {
        b->error = od_xasprintf("lab: writing %s: %s", path, od_strerror(errno, &(od_errbuf){0}));
        free(path);
        return;
    }
    od_strlist_add(&b->lab->files, path);
    free(c->trust_store);
    c->trust_store = path;
}

static void add_resolve(od_case *c, const char *host, int port, const char *address)
{
    c->resolve = od_xrealloc(c->resolve, (c->n_resolve + 1) * sizeof *c->resolve);
    od_resolve *r = &c->resolve[c->n_resolve++];
    r->host = od_xstrdup(host);
    r->port = port;
    r->address = od_xstrdup(address);
}

/* ---- the scenarios ------------------------------------------------------ */

static char *write_lab_file(builder *b, const char *name, const char *text)
{
    if (b->error)
        return NULL;
    char *path = od_xasprintf("%s/%s", b->lab->dir, name);
    if (od_write_file_atomic(path, text, strlen(text), false) != 0) {
        b->error = od_xasprintf("lab: writing %s: %s", path, od_strerror(errno, &(od_errbuf){{0}}));
        free(path);
        return NULL;
    }
    od_strlist_add(&b->lab->files, path);
    return path;
}

static char *write_lab_chain(builder *b, const char *name, const od_gen_cert *const *certs, size_t n)
{
    od_buf pem;
    od_buf_init(&pem);
    for (size_t i = 0; i < n; i++) {
        char *p = od_gen_cert_pem(certs[i]);
        if (p)
            od_buf_puts(&pem, p);
        free(p);
    }
    char *path = write_lab_file(b, name, pem.data ? pem.data : "");
    od_buf_free(&pem);
    return path;
}

/* Origin mTLS: the distribution's client certificate (and its key) as
 * files for --client-cert/--client-key, issued by ca. */
static void write_client_cert(builder *b, od_case *c, const od_gen_cert *ca)
{
    od_gen_spec spec = { .dn = "CN=CloudFront origin mTLS client,O=origin-doctor lab", .key = OD_KEY_ECDSA_P256,
                         .client_auth = true };
    const od_gen_cert *leaf = gen(b, &spec, ca);
    if (!leaf)
        return;
    const od_gen_cert *one[1] = {leaf};
    char *cert = write_lab_chain(b, "client-cert.pem", one, 1);
    char *key_pem = od_gen_key_pem(leaf);
    char *key = key_pem ? write_lab_file(b, "client-key.pem", key_pem) : NULL;
    free(key_pem);
    if (!cert || !key) {
        if (!b->error)
            b->error = od_xstrdup("lab: the client certificate could not be written");
        free(cert);
        free(key);
        return;
    }
    free(c->client_cert);
    free(c->client_key);
    c->client_cert = cert;
    c->client_key = key;
    c->origin_mtls = true;
}

/* Bundle scenarios: files to judge offline, no server. */
static void build_bundle(builder *b, scenario_kind kind, od_case *c, const char *origin, const od_gen_cert *root,
                         const od_gen_cert *ica)
{
    const od_gen_cert *ica2 = gen_ca(b, "origin-doctor lab intermediate 2", ica);
    const od_gen_cert *leaf = gen_leaf(b, origin, OD_KEY_ECDSA_P256, ica2);
    const od_gen_cert *other = kind == SC_BUNDLE_KEY_MISMATCH ? gen_leaf(b, origin, OD_KEY_ECDSA_P256, ica2)
                                                              : leaf;
    (void)root;
    if (b->error)
        return;
    const od_gen_cert *file[3] = {leaf, ica2, ica};
    size_t n = 3;
    if (kind == SC_BUNDLE_WRONG_ORDER) {
        file[1] = ica;
        file[2] = ica2;
    } else if (kind == SC_BUNDLE_MISSING_INTERMEDIATE) {
        n = 2;
    }
    b->lab->bundle = write_lab_chain(b, "fullchain.pem", file, n);
    const od_gen_cert *missing[1] = {ica};
    b->lab->intermediates = write_lab_chain(b, "intermediates.pem", missing, 1);
    char *key = other ? od_gen_key_pem(other) : NULL;
    b->lab->bundle_key = key ? write_lab_file(b, "privkey.pem", key) : NULL;
    free(key);
    free(c->origin_domain);
    c->origin_domain = od_xstrdup(origin);
}

const char *od_lab_bundle(const od_lab *lab, const char **key, const char **intermediates)
{
    if (key)
        *key = lab ? lab->bundle_key : NULL;
    if (intermediates)
        *intermediates = lab ? lab->intermediates : NULL;
    return lab ? lab->bundle : NULL;
}

static void build(builder *b, scenario_kind kind, od_case *c)
{
    const char *origin = "shop.example.test";
    if (kind == SC_WILDCARD_TOO_DEEP)
        origin = "a.b.example.test";
    else if (kind == SC_CNAME_NOT_COVERED)
        origin = "origin.shop.test";
    else if (kind == SC_IDN_NAME)
        origin = "b\xc3\xbc" "cher.example.test";   /* bücher: CloudFront and certificates use xn--bcher-kva */
    else if (kind == SC_S3_WEBSITE)
        origin = "shop-assets.s3-website-us-east-1.amazonaws.com";   /* pinned to 127.0.0.1 with --resolve */

    const od_gen_cert *root = gen_ca(b, "origin-doctor lab root", NULL);
    const od_gen_cert *ica = gen_ca(b, "origin-doctor lab intermediate", root);
    write_trust_store(b, c, root);
    if (kind == SC_BUNDLE_WRONG_ORDER || kind == SC_BUNDLE_MISSING_INTERMEDIATE || kind == SC_BUNDLE_KEY_MISMATCH) {
        build_bundle(b, kind, c, origin, root, ica);
        return;
    }

    /* Certificate scenarios do not depend on the key type. */
    od_keykind leaf_key = OD_KEY_ECDSA_P256;
    switch (kind) {
    case SC_HEALTHY: case SC_HEALTHY_DIRECT: case SC_NO_SHARED_CIPHER: case SC_TLS13_ONLY:
    case SC_CLIENT_CERT_REQUIRED: case SC_HTTP_503: case SC_HTTP_SILENT: case SC_ORIGIN_MTLS:
        leaf_key = OD_KEY_RSA2048;
        break;
    default:
        break;
    }
    const od_gen_cert *chain[4] = { NULL, NULL, NULL, NULL };
    size_t chain_len = 0;
    od_lab_config cfg = { .mode = OD_LAB_TLS, .n_identities = 1 };
    time_t now = time(NULL);

    switch (kind) {
    case SC_HEALTHY:
    case SC_NO_SHARED_CIPHER:
    case SC_TLS13_ONLY:
    case SC_CLIENT_CERT_REQUIRED:
    case SC_ORIGIN_MTLS:
    case SC_HTTP_503:
    case SC_HTTP_SILENT:
    case SC_PLAIN_HTTP:
    case SC_S3_WEBSITE:
    case SC_AAAA_ONLY:
    case SC_SILENT:
    case SC_PORT_CLOSED:
    case SC_FIREWALL_DROP:
    case SC_HEADER_PROTECTED:
    case SC_NO_USABLE_CERTIFICATE:
        chain[0] = gen_leaf(b, origin, leaf_key, ica);
        chain[1] = ica;
        chain_len = 2;
        break;
    case SC_IDN_NAME:
        chain[0] = gen_leaf(b, "xn--bcher-kva.example.test", OD_KEY_ECDSA_P256, ica);
        chain[1] = ica;
        chain_len = 2;
        break;
    case SC_HEALTHY_ECDSA:
        chain[0] = gen_leaf(b, origin, OD_KEY_ECDSA_P256, ica);
        chain[1] = ica;
        chain_len = 2;
        break;
    case SC_ESCAPE_SUBJECT: {
        /* Text from the network must reach the screen and reports escaped:
         * this subject would clear a terminal that interpreted it, the
         * issuer (an intermediate's subject) and the AIA URLs (caIssuers,
         * OCSP) carry escape sequences and other control bytes too. */
        const char *names[] = { origin, NULL };
        char *dn = od_xasprintf("CN=%s,O=evil\x1b[2J\x1b[31mlab", origin);
        od_gen_spec ispec = { .dn = "CN=evil issuer\x1b]0;owned\x07\x1b[5m,O=bell\x07" "del\x7f" " c1\xc2\x9b" "31m lab", .is_ca = true,
                              .key = OD_KEY_ECDSA_P256 };
        const od_gen_cert *evil_ica = gen(b, &ispec, root);
        od_gen_spec spec = { .dn = dn, .san_dns = names, .key = leaf_key,
                             .aia_ca_issuers = "http://ca.example.test/\x1b[2Jissuer\x07.crt",
                             .aia_ocsp = "http://ocsp.example.test/\x1b[31m\x1b]0;owned\x07\x08ocsp" };
        chain[0] = gen(b, &spec, evil_ica);
        free(dn);
        chain[1] = evil_ica;
        chain_len = 2;
        break;
    }
    case SC_HEALTHY_DIRECT:
        chain[0] = gen_leaf(b, origin, leaf_key, root);
        chain_len = 1;
        break;
    case SC_WRONG_NAME:
        chain[0] = gen_leaf(b, "other.example.test", leaf_key, ica);
        chain[1] = ica;
        chain_len = 2;
        break;
    case SC_WILDCARD_TOO_DEEP:
        chain[0] = gen_leaf(b, "*.example.test", leaf_key, ica);
        chain[1] = ica;
        chain_len = 2;
        break;
    case SC_CNAME_NOT_COVERED: {
        const char *names[] = { "www.shop.test", "origin.shop.test", NULL };
        chain[0] = gen_leaf_dated(b, names, leaf_key, ica, 0, 0);
        chain[1] = ica;
        chain_len = 2;
        break;
    }
    case SC_EXPIRED: {
        const char *names[] = { origin, NULL };
        chain[0] = gen_leaf_dated(b, names, leaf_key, ica, now - 100 * DAY, now - 10 * DAY);
        chain[1] = ica;
        chain_len = 2;
        break;
    }
    case SC_NOT_YET_VALID: {
        const char *names[] = { origin, NULL };
        chain[0] = gen_leaf_dated(b, names, leaf_key, ica, now + 10 * DAY, now + 100 * DAY);
        chain[1] = ica;
        chain_len = 2;
        break;
    }
    case SC_SELF_SIGNED:
        chain[0] = gen_leaf(b, origin, leaf_key, NULL);
        chain_len = 1;
        break;
    case SC_UNTRUSTED_ROOT: {
        /* A complete chain, root included, from a CA the trust store lacks. */
        const od_gen_cert *other_root = gen_ca(b, "Other Untrusted Root", NULL);
        const od_gen_cert *other_ica = gen_ca(b, "Other Untrusted Intermediate", other_root);
        chain[0] = gen_leaf(b, origin, leaf_key, other_ica);
        chain[1] = other_ica;
        chain[2] = other_root;
        chain_len = 3;
        break;
    }
    case SC_MISSING_INTERMEDIATE:
        chain[0] = gen_leaf(b, origin, leaf_key, ica);
        chain_len = 1;
        break;
    case SC_WRONG_ORDER: {
        /* root -> ICA1 (ica) -> ICA2 -> leaf, sent as leaf, ICA1, ICA2. */
        const od_gen_cert *ica2 = gen_ca(b, "origin-doctor lab intermediate 2", ica);
        chain[0] = gen_leaf(b, origin, leaf_key, ica2);
        chain[1] = ica;
        chain[2] = ica2;
        chain_len = 3;
        break;
    }
    case SC_SNI_DIFFERS:
    case SC_SNI_DEFAULT_WRONG: {
        const od_gen_cert *right = gen_leaf(b, origin, leaf_key, ica);
        const od_gen_cert *wrong = gen_leaf(b, "default.example.test", OD_KEY_ECDSA_P256, ica);
        bool right_by_default = kind == SC_SNI_DIFFERS;
        chain[0] = right_by_default ? right : wrong;
        chain[1] = ica;
        chain[2] = right_by_default ? wrong : right;
        chain[3] = ica;
        set_identity(&cfg.identities[0], &chain[0], 2, NULL);
        set_identity(&cfg.identities[1], &chain[2], 2, origin);
        cfg.n_identities = 2;
        chain_len = 0;   /* identities set above */
        break;
    }
    case SC_BUNDLE_WRONG_ORDER:
    case SC_BUNDLE_MISSING_INTERMEDIATE:
    case SC_BUNDLE_KEY_MISMATCH:
    case SC_COUNT:
        break;
    }
    if (b->error)
        return;
    if (chain_len)
        set_identity(&cfg.identities[0], chain, chain_len, NULL);

    switch (kind) {
    case SC_NO_SHARED_CIPHER:
        cfg.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305";
        break;
    case SC_TLS13_ONLY:
        cfg.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.3";
        break;
    case SC_NO_USABLE_CERTIFICATE:
        /* an ECDSA certificate and RSA key exchanges only: no suite can be served */
        cfg.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+RSA:+ECDHE-RSA";
        break;
    case SC_CLIENT_CERT_REQUIRED:
        cfg.require_client_cert = true;
        break;
    case SC_ORIGIN_MTLS:
        cfg.require_client_cert = true;
        cfg.client_ca = gen_ca(b, "origin-doctor lab client CA", NULL);
        write_client_cert(b, c, gen_ca(b, "Another client CA", NULL));
        break;
    case SC_PORT_CLOSED:
        cfg.mode = OD_LAB_CLOSED;
        break;
    case SC_PLAIN_HTTP:
        cfg.mode = OD_LAB_PLAIN_HTTP;
        break;
    case SC_S3_WEBSITE:
        /* like the website endpoint, it speaks HTTP only, on every port */
        cfg.mode = OD_LAB_PLAIN_HTTP;
        c->protocol_policy = OD_POLICY_HTTPS_ONLY;
        break;
    case SC_SILENT:
        cfg.mode = OD_LAB_SILENT;
        c->timeout_s = 2;
        break;
    case SC_FIREWALL_DROP:
        cfg.mode = OD_LAB_DROP;
        c->timeout_s = 2;
        break;
    case SC_HTTP_503:
        cfg.http_status = 503;
        break;
    case SC_AAAA_ONLY:
        /* healthy, but only on ::1, and the name resolves only there */
        cfg.ipv6 = true;
        break;
    case SC_HEADER_PROTECTED:
        cfg.required_header = OD_LAB_REQUIRED_HEADER;   /* the case leaves it out */
        break;
    case SC_HTTP_SILENT:
        cfg.http_silent = true;
        c->timeout_s = 2;
        c->response_timeout_s = 2;
        break;
    default:
        break;
    }

    int https_port = 0;
    start_server(b, &cfg, &https_port);
    /* Something answers on the HTTP port too, so nothing else on this
     * machine's port 80 can be mistaken for the lab origin. */
    od_lab_config http_cfg = { .mode = OD_LAB_PLAIN_HTTP, .ipv6 = cfg.ipv6 };
    int http_port = 0;
    start_server(b, &http_cfg, &http_port);
    if (b->error)
        return;

    free(c->origin_domain);
    c->origin_domain = od_xstrdup(origin);
    c->https_port = https_port;
    c->http_port = http_port;
    if (kind == SC_CNAME_NOT_COVERED) {
        c->forward_host_header = true;
        od_strlist_free(&c->cnames);
        od_strlist_init(&c->cnames);
        od_strlist_add(&c->cnames, "www.shop.test");
        od_strlist_add(&c->cnames, "cdn.shop.test");
    }
    const char *address = cfg.ipv6 ? "::1" : "127.0.0.1";
    add_resolve(c, origin, https_port, address);
    add_resolve(c, origin, http_port, address);
    for (size_t i = 0; i < c->cnames.len; i++) {
        add_resolve(c, c->cnames.items[i], https_port, address);
        add_resolve(c, c->cnames.items[i], http_port, address);
    }
}

/* ---- lifecycle ---------------------------------------------------------- */

static char *make_private_dir(char **error)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    char *dir = od_xasprintf("%s/origin-doctor-lab-XXXXXX", tmp);
    if (!mkdtemp(dir)) {   /* mode 0700 */
        *error = od_xasprintf("lab: cannot create a folder in %s: %s", tmp, od_strerror(errno, &(od_errbuf){0}));
        free(dir);
        return NULL;
    }
    return dir;
}

od_lab *od_lab_start(const char *name, od_case *c, char **error)
{
    *error = NULL;
    const od_lab_scenario *sc = od_lab_find(name);
    if (!sc) {
        od_buf msg;
        od_buf_init(&msg);
        char *shown = od_escape_str(name ? name : "");
        od_buf_printf(&msg, "lab: unknown scenario \"%s\"; known:", shown);
        free(shown);
        for (size_t i = 0; i < SC_COUNT; i++)
            od_buf_printf(&msg, " %s", SCENARIOS[i].name);
        *error = od_buf_steal(&msg);
        return NULL;
    }
    char *dir = make_private_dir(error);
    if (!dir)
        return NULL;
    od_lab *lab = od_xcalloc(1, sizeof *lab);
    lab->dir = dir;
    od_strlist_init(&lab->files);

    builder b = { lab, NULL };
    build(&b, (scenario_kind)(sc - SCENARIOS), c);
    if (b.error) {
        *error = b.error;
        od_lab_stop(lab);
        return NULL;
    }
    return lab;
}

void od_lab_stop(od_lab *lab)
{
    if (!lab)
        return;
    for (size_t i = 0; i < lab->n_servers; i++)
        od_lab_server_stop(lab->servers[i]);
    for (size_t i = 0; i < lab->n_certs; i++)
        od_gen_cert_free(&lab->certs[i]);
    for (size_t i = 0; i < lab->files.len; i++)
        unlink(lab->files.items[i]);
    if (lab->dir)
        rmdir(lab->dir);
    od_strlist_free(&lab->files);
    free(lab->dir);
    free(lab->bundle);
    free(lab->bundle_key);
    free(lab->intermediates);
    free(lab);
}
