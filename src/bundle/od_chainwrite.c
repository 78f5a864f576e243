/* Building and writing the chain an origin should send. */
#include "od_chainwrite.h"

#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "od_bundle.h"
#include "od_cert.h"
#include "od_chain.h"
#include "od_output.h"
#include "od_probe.h"
#include "od_util.h"

#define POOL_MAX 16            /* od_chain_analyse's bound on a chain */
#define DEFAULT_MAX_BYTES (128 * 1024)
#define MAX_ROUNDS 8           /* fetches or trust-store steps per chain */

void od_chain_plan_free(od_chain_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_links; i++) {
        od_cert_free(&p->links[i].cert);
        free(p->links[i].source);
    }
    free(p->links);
    free(p->root);
    free(p->problem);
    od_strlist_free(&p->notes);
    memset(p, 0, sizeof *p);
}

/* ---- the pool of candidate certificates ---- */

typedef struct {
    od_cert certs[POOL_MAX];
    char *sources[POOL_MAX];
    size_t n;
} pool;

static bool pool_has(const pool *pl, const od_cert *c)
{
    for (size_t i = 0; i < pl->n; i++)
        if (pl->certs[i].sha256 && c->sha256 && strcmp(pl->certs[i].sha256, c->sha256) == 0)
            return true;
    return false;
}

/* Adds a copy of c; false when it is already there or the pool is full. */
static bool pool_add(pool *pl, const od_cert *c, const char *source)
{
    if (pl->n >= POOL_MAX || pool_has(pl, c))
        return false;
    od_cert copy;
    memset(&copy, 0, sizeof copy);
    char *err = od_cert_parse_der(c->der, c->der_len, &copy);
    if (err) {
        free(err);
        od_cert_free(&copy);
        return false;
    }
    pl->certs[pl->n] = copy;
    pl->sources[pl->n++] = od_xstrdup(source);
    return true;
}

static void pool_free(pool *pl)
{
    for (size_t i = 0; i < pl->n; i++) {
        od_cert_free(&pl->certs[i]);
        free(pl->sources[i]);
    }
    pl->n = 0;
}

/* An --intermediates candidate only joins when it is a CA whose subject
 * issued something: a folder of unrelated CAs must not fill the pool. */
static void add_bundle_file(pool *pl, const char *path, od_strlist *issuers_wanted, char **err)
{
    od_bundle b;
    bool need_password = false;
    char *e = od_bundle_read(path, NULL, &b, &need_password);
    if (e) {
        *err = od_xasprintf("--intermediates: %s", e);
        free(e);
        return;
    }
    char *shown = od_escape_str(path);
    for (size_t i = 0; i < b.n_certs; i++) {
        if (!b.certs[i].is_ca || !od_strlist_contains(issuers_wanted, b.certs[i].subject ? b.certs[i].subject : ""))
            continue;
        char *src = od_xasprintf("--intermediates %s", shown);
        if (pool_add(pl, &b.certs[i], src) && b.certs[i].issuer)
            od_strlist_add(issuers_wanted, b.certs[i].issuer);
        free(src);
    }
    free(shown);
    od_bundle_free(&b);
}

static void add_intermediates(pool *pl, const char *path, od_strlist *issuers_wanted, char **err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        char *shown = od_quote(path);
        *err = od_xasprintf("--intermediates: %s: %s", shown, od_strerror(errno, &(od_errbuf){{0}}));
        free(shown);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        add_bundle_file(pl, path, issuers_wanted, err);
        return;
    }
    DIR *d = opendir(path);
    if (!d) {
        char *shown = od_quote(path);
        *err = od_xasprintf("--intermediates: %s: %s", shown, od_strerror(errno, &(od_errbuf){{0}}));
        free(shown);
        return;
    }
    /* Twice: a file read later may hold the issuer of one read earlier. */
    for (int round = 0; round < 2 && !*err; round++) {
        rewinddir(d);
        struct dirent *e;
        while ((e = readdir(d)) && !*err) {
            if (e->d_name[0] == '.')
                continue;
            char *full = od_xasprintf("%s/%s", path, e->d_name);
            struct stat fs;
            if (stat(full, &fs) == 0 && S_ISREG(fs.st_mode)) {
                char *ferr = NULL;
                add_bundle_file(pl, full, issuers_wanted, &ferr);
                free(ferr);   /* a folder may hold keys and notes: only certificates count */
            }
            free(full);
        }
    }
    closedir(d);
}

/* ---- AIA ---- */

static char *resolve_host(const char *host, int port, const od_resolve *resolve, size_t n_resolve, char *addr,
                          size_t addr_len)
{
    for (size_t i = 0; i < n_resolve; i++)
        if (od_strcasecmp(resolve[i].host, host) == 0 && resolve[i].port == port) {
            snprintf(addr, addr_len, "%s", resolve[i].address);
            return NULL;
        }
    if (od_is_ip_literal(host)) {
        snprintf(addr, addr_len, "%s", host);
        return NULL;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG}, *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || !res)
        return od_xasprintf("cannot resolve %s: %s", host, rc ? gai_strerror(rc) : "no address");
    char buf[OD_ADDR_LEN];
    rc = getnameinfo(res->ai_addr, res->ai_addrlen, buf, sizeof buf, NULL, 0, NI_NUMERICHOST);
    freeaddrinfo(res);
    if (rc != 0)
        return od_xasprintf("cannot resolve %s", host);
    snprintf(addr, addr_len, "%s", buf);
    return NULL;
}

/* http://host[:port]/path into its parts; NULL or a message. */
static char *parse_http_url(const char *url, char **host, int *port, char **path)
{
    if (strncmp(url, "http://", 7) != 0)
        return od_xstrdup("not an http:// URL (caIssuers URLs are plain HTTP)");
    const char *h = url + 7;
    const char *slash = strchr(h, '/');
    const char *hend = slash ? slash : h + strlen(h);
    const char *colon = NULL;
    if (*h == '[') {
        const char *rb = memchr(h, ']', (size_t)(hend - h));
        if (!rb)
            return od_xstrdup("malformed IPv6 host");
        *host = od_xstrndup(h + 1, (size_t)(rb - h - 1));
        colon = rb + 1 < hend && rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = memchr(h, ':', (size_t)(hend - h));
        *host = od_xstrndup(h, (size_t)((colon ? colon : hend) - h));
    }
    *port = 80;
    if (colon) {
        char *endp = NULL;
        long p = strtol(colon + 1, &endp, 10);
        if (endp != hend || p < 1 || p > 65535) {
            free(*host);
            *host = NULL;
            return od_xstrdup("malformed port");
        }
        *port = (int)p;
    }
    if (!**host) {
        free(*host);
        *host = NULL;
        return od_xstrdup("no host");
    }
    *path = od_xstrdup(slash ? slash : "/");
    return NULL;
}

char *od_aia_fetch(const char *url, const od_resolve *resolve, size_t n_resolve, int timeout_ms, size_t max_bytes,
                   unsigned char **body, size_t *len)
{
    *body = NULL;
    *len = 0;
    if (!max_bytes)
        max_bytes = DEFAULT_MAX_BYTES;
    char *host = NULL, *path = NULL;
    int port = 80;
    char *err = parse_http_url(url, &host, &port, &path);
    if (err)
        return err;
    int64_t deadline = od_now_ms() + timeout_ms;
    char addr[OD_ADDR_LEN];
    int fd = -1;
    od_buf in;
    od_buf_init(&in);
    if ((err = resolve_host(host, port, resolve, n_resolve, addr, sizeof addr)))
        goto out;
    od_tcp_state st;
    fd = od_tcp_connect(addr, port, timeout_ms, &st, &err);
    if (fd < 0)
        goto out;
    char *req = od_xasprintf("GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: origin-doctor/%s\r\nAccept: "
                             "application/pkix-cert, application/pkcs7-mime, */*\r\nConnection: close\r\n\r\n",
                             path, host, OD_VERSION);
    size_t sent = 0, rl = strlen(req);
    while (sent < rl) {
        ssize_t w = send(fd, req + sent, rl - sent, MSG_NOSIGNAL);
        if (w <= 0) {
            err = od_xasprintf("sending the request failed: %s", od_strerror(errno, &(od_errbuf){{0}}));
            break;
        }
        sent += (size_t)w;
    }
    free(req);
    if (err)
        goto out;
    size_t limit = max_bytes + 16 * 1024;   /* the body's bound plus room for headers */
    for (;;) {
        int64_t left = deadline - od_now_ms();
        if (left <= 0) {
            err = od_xasprintf("no complete answer within %d ms", timeout_ms);
            goto out;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int pr = poll(&p, 1, (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0) {
            err = od_xasprintf("no complete answer within %d ms", timeout_ms);
            goto out;
        }
        char buf[8192];
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err = od_xasprintf("reading the answer failed: %s", od_strerror(errno, &(od_errbuf){{0}}));
            goto out;
        }
        if (r == 0)
            break;
        od_buf_append(&in, buf, (size_t)r);
        if (in.len > limit) {
            err = od_xasprintf("the answer is larger than %zu bytes (not a certificate)", max_bytes);
            goto out;
        }
    }
    const char *hdr_end = in.data ? strstr(in.data, "\r\n\r\n") : NULL;
    if (!in.data || strncmp(in.data, "HTTP/1.", 7) != 0 || !hdr_end || strlen(in.data) < 12) {
        err = od_xstrdup("the answer is not HTTP");
        goto out;
    }
    int status = atoi(in.data + 9);
    if (status != 200) {
        const char *eol = strstr(in.data, "\r\n");
        char *line = od_escape(in.data, (size_t)(eol - in.data));
        err = od_xasprintf("HTTP answer \"%s\"", line);
        free(line);
        goto out;
    }
    size_t off = (size_t)(hdr_end + 4 - in.data);
    if (in.len - off > max_bytes) {
        err = od_xasprintf("the answer is larger than %zu bytes (not a certificate)", max_bytes);
        goto out;
    }
    *len = in.len - off;
    *body = od_xmalloc(*len ? *len : 1);
    memcpy(*body, in.data + off, *len);
out:
    if (fd >= 0)
        close(fd);
    od_buf_free(&in);
    free(host);
    free(path);
    return err;
}

/* Fetches the caIssuers of c and adds what it holds to the pool. */
static bool fetch_issuer(pool *pl, const od_cert *c, const od_chain_build_opts *opts, od_strlist *tried,
                         od_strlist *notes)
{
    bool added = false;
    for (size_t u = 0; u < c->aia_issuer_urls.len && !added; u++) {
        const char *url = c->aia_issuer_urls.items[u];
        if (od_strlist_contains(tried, url))
            continue;
        od_strlist_add(tried, url);
        unsigned char *body = NULL;
        size_t len = 0;
        int64_t t0 = od_now_ms();
        char *err = od_aia_fetch(url, opts->resolve, opts->n_resolve, opts->timeout_ms, opts->max_bytes, &body, &len);
        if (!err) {
            od_bundle b;
            bool np = false;
            err = od_bundle_parse(body, len, url, NULL, &b, &np);
            if (!err) {
                for (size_t i = 0; i < b.n_certs; i++) {
                    char *src = od_xasprintf("fetched from %s (AIA caIssuers, %s)", url, b.format);
                    added = pool_add(pl, &b.certs[i], src) || added;
                    free(src);
                }
                od_strlist_add_owned(notes, od_xasprintf("fetched %s: %zu bytes, %s, %zu certificate%s, %lld ms", url,
                                                         len, b.format, b.n_certs, b.n_certs == 1 ? "" : "s",
                                                         (long long)(od_now_ms() - t0)));
                od_bundle_free(&b);
            }
            free(body);
        }
        if (err) {
            od_strlist_add_owned(notes, od_xasprintf("could not fetch %s: %s", url, err));
            free(err);
        }
    }
    return added;
}

/* An intermediate the trust store holds that issued c (not a root). */
static bool trust_store_issuer(const od_trust *trust, const od_cert *c, od_cert *out)
{
    gnutls_x509_crt_t crt, issuer = NULL;
    if (gnutls_x509_crt_init(&crt) < 0)
        return false;
    gnutls_datum_t d = {c->der, (unsigned)c->der_len};
    bool ok = false;
    if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) == 0 &&
        gnutls_x509_trust_list_get_issuer(trust->list, crt, &issuer, GNUTLS_TL_GET_COPY) == 0) {
        gnutls_datum_t der = {NULL, 0};
        if (gnutls_x509_crt_export2(issuer, GNUTLS_X509_FMT_DER, &der) == 0) {
            memset(out, 0, sizeof *out);
            char *err = od_cert_parse_der(der.data, der.size, out);
            if (err || out->self_signed) {
                free(err);
                od_cert_free(out);
            } else {
                ok = true;
            }
        }
        gnutls_free(der.data);
        gnutls_x509_crt_deinit(issuer);
    }
    gnutls_x509_crt_deinit(crt);
    return ok;
}

char *od_chain_build(const od_cert *certs, const char *const *sources, size_t n, size_t leaf,
                     const od_chain_build_opts *opts, od_chain_plan *out)
{
    memset(out, 0, sizeof *out);
    od_strlist_init(&out->notes);
    if (n == 0 || leaf >= n)
        return od_xstrdup("no certificate to build a chain from");
    od_trust trust;
    char *err = od_trust_load(opts->trust_store, &trust);
    if (err)
        return err;
    pool pl = {.n = 0};
    pool_add(&pl, &certs[leaf], sources[leaf]);
    for (size_t i = 0; i < n; i++)
        if (i != leaf && !pool_add(&pl, &certs[i], sources[i]) && pl.n >= POOL_MAX)
            od_strlist_add_owned(&out->notes, od_xasprintf("dropped %s (%s): more than %d certificates",
                                                           certs[i].subject ? certs[i].subject : "?", sources[i],
                                                           POOL_MAX));
    size_t n_input = pl.n;
    od_strlist wanted;
    od_strlist_init(&wanted);
    for (size_t i = 0; i < pl.n; i++)
        if (pl.certs[i].issuer)
            od_strlist_add(&wanted, pl.certs[i].issuer);
    for (size_t i = 0; opts->intermediates && i < opts->intermediates->len && !err; i++)
        add_intermediates(&pl, opts->intermediates->items[i], &wanted, &err);
    od_strlist_free(&wanted);
    if (err) {
        pool_free(&pl);
        od_trust_free(&trust);
        return err;
    }

    od_strlist tried;
    od_strlist_init(&tried);
    od_chain_facts facts;
    memset(&facts, 0, sizeof facts);
    size_t order[POOL_MAX];
    for (int round = 0; round <= MAX_ROUNDS; round++) {
        for (size_t i = 0; i < pl.n; i++)
            order[i] = i;
        od_chain_facts_free(&facts);
        memset(&facts, 0, sizeof facts);
        od_chain_analyse(pl.certs, order, pl.n, &trust, &facts);
        if (!facts.issuer_missing || facts.path_len == 0)
            break;
        const od_cert *last = &pl.certs[facts.missing_after];
        if (!opts->fetch || !fetch_issuer(&pl, last, opts, &tried, &out->notes))
            break;
    }
    od_strlist_free(&tried);

    /* The path, leaf first; an intermediate the trust store holds is sent
     * too (CloudFront's store may lack it), a root is not. */
    for (size_t i = 0; i < facts.path_len; i++) {
        const od_cert *c = &pl.certs[facts.path[i]];
        if (i > 0 && c->self_signed) {
            od_strlist_add_owned(&out->notes, od_xasprintf("left out the root %s (%s): CloudFront has its own",
                                                           c->subject ? c->subject : "?", pl.sources[facts.path[i]]));
            continue;
        }
        out->links = od_xrealloc(out->links, (out->n_links + 1) * sizeof *out->links);
        od_chain_link *l = &out->links[out->n_links++];
        memset(&l->cert, 0, sizeof l->cert);
        char *perr = od_cert_parse_der(c->der, c->der_len, &l->cert);
        free(perr);
        l->source = od_xstrdup(pl.sources[facts.path[i]]);
    }
    /* A trust store that holds intermediates (a --trust-store file may)
     * ends the path early: CloudFront's store holds roots, so they are sent. */
    if (facts.ends_at_trust_anchor && out->n_links > 0) {
        od_cert from_store;
        for (int k = 0; k < MAX_ROUNDS && trust_store_issuer(&trust, &out->links[out->n_links - 1].cert, &from_store);
             k++) {
            out->links = od_xrealloc(out->links, (out->n_links + 1) * sizeof *out->links);
            out->links[out->n_links].cert = from_store;
            out->links[out->n_links++].source = od_xasprintf("the trust store (%s)", trust.source);
        }
    }
    for (size_t i = 0; i < n_input; i++) {
        bool on_path = false;
        for (size_t k = 0; k < facts.path_len; k++)
            on_path = on_path || facts.path[k] == i;
        if (!on_path)
            od_strlist_add_owned(&out->notes, od_xasprintf("dropped %s (%s): not an issuer of the leaf",
                                                           pl.certs[i].subject ? pl.certs[i].subject : "?",
                                                           pl.sources[i]));
    }
    if (facts.leaf_self_signed) {
        out->problem = od_xstrdup("the leaf is self-signed: no chain to a trusted root exists; CloudFront needs a "
                                  "certificate from a public CA");
    } else if (facts.issuer_missing) {
        const od_cert *c = &pl.certs[facts.missing_after];
        out->problem = od_xasprintf("the issuer of %s (%s) was not found%s", c->subject ? c->subject : "?",
                                    facts.missing_issuer_dn ? facts.missing_issuer_dn : "?",
                                    opts->fetch ? " (not in the files, the trust store, nor at its AIA URL)"
                                                : ": give it with --intermediates FILE|DIR, or let the tool fetch it "
                                                  "with --fetch-intermediates");
    } else if (facts.ends_at_untrusted_root) {
        const od_cert *r = &pl.certs[facts.path[facts.path_len - 1]];
        out->problem = od_xasprintf("the chain ends at the root %s, which the trust store (%s) does not hold",
                                    r->subject ? r->subject : "?", trust.source);
    } else if (!facts.ends_at_trust_anchor) {
        out->problem = od_xstrdup("the chain does not reach a trusted root");
    } else {
        out->complete = true;
        out->root = od_xstrdup(facts.trust_anchor_subject ? facts.trust_anchor_subject : "?");
    }
    od_chain_facts_free(&facts);
    pool_free(&pl);
    od_trust_free(&trust);
    return NULL;
}

char *od_chain_plan_pem(const od_chain_plan *p)
{
    od_buf b;
    od_buf_init(&b);
    for (size_t i = 0; i < p->n_links; i++) {
        char *pem = od_cert_to_pem(&p->links[i].cert);
        if (pem)
            od_buf_puts(&b, pem);
        free(pem);
    }
    return od_buf_steal(&b);
}

char *od_chain_install_steps(const char *out_path, const char *key_path)
{
    const char *k = key_path ? key_path : "privkey.pem";
    return od_xasprintf(
        "Install it (leaf first, then each intermediate; no root):\n"
        "  nginx:   ssl_certificate %s;  ssl_certificate_key %s;  then: nginx -t && systemctl reload nginx\n"
        "  Apache:  SSLCertificateFile %s  SSLCertificateKeyFile %s  (2.4.8+; older: SSLCertificateChainFile "
        "for the intermediates); then: apachectl configtest && apachectl graceful\n"
        "  HAProxy: cat %s %s > site.pem  and  bind :443 ssl crt site.pem; then: haproxy -c -f "
        "/etc/haproxy/haproxy.cfg && systemctl reload haproxy\n"
        "  IIS:     openssl pkcs12 -export -in %s -inkey %s -out site.pfx, import site.pfx into the Local "
        "Computer Personal store (Import-PfxCertificate), then select it in the site's HTTPS binding\n"
        "  ACM:     openssl x509 -in %s -out leaf.pem; sed '1,/-----END CERTIFICATE-----/d' %s > chain.pem; "
        "aws acm import-certificate --certificate fileb://leaf.pem --certificate-chain fileb://chain.pem "
        "--private-key fileb://%s\n",
        out_path, k, out_path, k, out_path, k, out_path, k, out_path, out_path, k);
}

/* The chain as sent in the report: a bundle's file order, or the first
 * completed handshake for an expected name (else any completed one). */
static const od_handshake *sent_chain(const od_report *r)
{
    od_strlist names;
    od_case_expected_names(&r->input, &names);
    const od_handshake *found = NULL;
    for (size_t pass = 0; pass < 2 && !found; pass++)
        for (size_t i = 0; i < r->obs.n_handshakes && !found; i++) {
            const od_handshake *hs = &r->obs.handshakes[i];
            if (hs->ok && hs->chain_len && (pass == 1 || (hs->sni && od_strlist_contains_ci(&names, hs->sni))))
                found = hs;
        }
    od_strlist_free(&names);
    return found;
}

od_write_chain_status od_write_chain_for_report(const od_report *r, const od_write_chain_opts *o, char **text,
                                                char **err)
{
    *text = NULL;
    *err = NULL;
    const od_handshake *hs = sent_chain(r);
    if (!hs) {
        *err = od_xasprintf("not written: no certificate chain was %s",
                            r->obs.bundle ? "read" : "received from the origin");
        return OD_WRITE_CHAIN_REFUSED;
    }
    od_cert certs[POOL_MAX];
    char *sources[POOL_MAX];
    size_t n = hs->chain_len < POOL_MAX ? hs->chain_len : POOL_MAX;
    for (size_t i = 0; i < n; i++) {
        certs[i] = r->obs.certs[hs->chain[i]];   /* shallow: read only */
        sources[i] = r->obs.bundle ? od_xasprintf("%s, certificate %zu", r->obs.bundle->file, i + 1)
                                   : od_xasprintf("sent by the origin (%s port %d), position %zu", hs->address,
                                                  hs->port, i);
    }
    size_t leaf = r->obs.bundle ? od_bundle_leaf_of(certs, NULL, n, NULL, 0, o->key_path) : 0;
    od_chain_build_opts co = {.intermediates = o->intermediates,
                              .fetch = o->fetch,
                              .resolve = r->input.resolve,
                              .n_resolve = r->input.n_resolve,
                              .timeout_ms = r->input.timeout_s * 1000,
                              .trust_store = r->input.trust_store};
    od_chain_plan plan;
    char *berr = od_chain_build(certs, (const char *const *)sources, n, leaf, &co, &plan);
    for (size_t i = 0; i < n; i++)
        free(sources[i]);
    if (berr) {
        *err = berr;
        return OD_WRITE_CHAIN_BAD_INPUT;
    }
    char *out = od_escape_str(o->out_path);
    od_buf b;
    od_buf_init(&b);
    od_buf_printf(&b, "\nChain for %s:\n", out);
    for (size_t i = 0; i < plan.n_links; i++)
        od_buf_printf(&b, "  %zu. %s\n     from %s\n", i,
                      plan.links[i].cert.subject ? plan.links[i].cert.subject : "?", plan.links[i].source);
    for (size_t i = 0; i < plan.notes.len; i++)
        od_buf_printf(&b, "  - %s\n", plan.notes.items[i]);
    od_write_chain_status st = OD_WRITE_CHAIN_WRITTEN;
    if (!plan.complete) {
        *err = od_xasprintf("not written: %s", plan.problem ? plan.problem : "incomplete");
        st = OD_WRITE_CHAIN_REFUSED;
    } else {
        od_buf_printf(&b, "  reaches the trusted root %s (not included)\n", plan.root);
        char *pem = od_chain_plan_pem(&plan);
        /* Without --force an existing file stays (decided with the write
         * itself: no window between a check and the write); with it the
         * output-file contract applies (links and devices written through,
         * modes kept). */
        int rc = o->force ? od_output_write(o->out_path, pem, strlen(pem))
                          : od_output_write_new(o->out_path, pem, strlen(pem));
        bool exists = rc != 0 && !o->force && errno == EEXIST;
        if (rc != 0) {
            *err = od_xasprintf("cannot write %s: %s%s", out, od_strerror(errno, &(od_errbuf){{0}}),
                                exists ? " (give --force to replace it)" : "");
            st = exists ? OD_WRITE_CHAIN_BAD_INPUT : OD_WRITE_CHAIN_IO_ERROR;
        } else {
            od_buf_printf(&b, "Wrote %zu certificate%s to %s.\n", plan.n_links, plan.n_links == 1 ? "" : "s", out);
            char *steps = od_chain_install_steps(out, o->key_path);
            od_buf_puts(&b, steps);
            free(steps);
        }
        free(pem);
    }
    free(out);
    od_chain_plan_free(&plan);
    *text = od_buf_steal(&b);
    return st;
}
