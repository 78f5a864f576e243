/* Probes against small listeners on 127.0.0.1 started here (refused,
 * silent, plain HTTP, closing) and the project's GnuTLS lab server, with
 * certificates generated at test time. Timeouts stay short (<= 1 s). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "check.h"
#include "od_certgen.h"
#include "od_client_cert.h"
#include "od_labserver.h"
#include "od_policy.h"
#include "od_probe.h"

#define SHORT_MS 300

/* ---- loopback listeners ---- */

static int listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        perror("listen");
        exit(1);
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* A port nobody listens on: bound, then closed. */
static int refused_port(void)
{
    int port;
    int fd = listen_loopback(&port);
    close(fd);
    return port;
}

typedef enum { SRV_HTTP, SRV_CLOSE } srv_mode;

typedef struct {
    int lfd;
    srv_mode mode;
    int connections;            /* how many to serve */
    const char *reply;
    char received[4096];        /* what the last client sent */
    size_t n_received;
    pthread_t tid;
} server;

static void *serve(void *arg)
{
    server *s = arg;
    for (int i = 0; i < s->connections; i++) {
        struct pollfd pl = { .fd = s->lfd, .events = POLLIN };
        if (poll(&pl, 1, 3000) <= 0)
            return NULL;
        int c = accept(s->lfd, NULL, NULL);
        if (c < 0)
            return NULL;
        s->n_received = 0;
        /* Read what arrives until the client pauses or ends its headers. */
        for (;;) {
            struct pollfd pc = { .fd = c, .events = POLLIN };
            if (poll(&pc, 1, 200) <= 0)
                break;
            ssize_t n = recv(c, s->received + s->n_received, sizeof s->received - 1 - s->n_received, 0);
            if (n <= 0)
                break;
            s->n_received += (size_t)n;
            s->received[s->n_received] = '\0';
            if (s->mode == SRV_CLOSE || strstr(s->received, "\r\n\r\n") || s->received[0] == 0x16)
                break;
        }
        if (s->mode == SRV_HTTP && s->reply)
            send(c, s->reply, strlen(s->reply), MSG_NOSIGNAL);
        close(c);
    }
    return NULL;
}

static void server_start(server *s, srv_mode mode, int connections, const char *reply, int *port)
{
    memset(s, 0, sizeof *s);
    s->lfd = listen_loopback(port);
    s->mode = mode;
    s->connections = connections;
    s->reply = reply;
    pthread_create(&s->tid, NULL, serve, s);
}

static void server_stop(server *s)
{
    pthread_join(s->tid, NULL);
    close(s->lfd);
}

static const char http_reply[] = "HTTP/1.1 400 Bad Request\r\nServer: evil\x1b[31mserver\r\n"
                                 "Content-Length: 0\r\n\r\n";

/* ---- tests ---- */

static void test_private(void)
{
    const char *priv[] = { "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "127.0.0.1",
                           "169.254.1.1", "100.64.0.1", "100.127.255.255", "0.0.0.0", "::1", "fe80::1",
                           "febf::1", "fc00::1", "fd12:3456::1", "::ffff:10.0.0.1", "::" };
    const char *pub[] = { "8.8.8.8", "172.32.0.1", "172.15.255.255", "100.128.0.1", "100.63.255.255",
                          "11.0.0.1", "2001:db8::1", "2600::1", "fec0::1", "::ffff:8.8.8.8", "not-an-ip" };
    for (size_t i = 0; i < sizeof priv / sizeof priv[0]; i++)
        CHECK_MSG(od_address_is_private(priv[i]), "%s should be private", priv[i]);
    for (size_t i = 0; i < sizeof pub / sizeof pub[0]; i++)
        CHECK_MSG(!od_address_is_private(pub[i]), "%s should be public", pub[i]);
}

static void test_dns(void)
{
    od_observations o;
    od_obs_init(&o);
    od_probe_dns("127.0.0.1", 443, NULL, 0, SHORT_MS, &o);
    CHECK(o.dns.status == OD_DNS_IS_IP);
    CHECK(o.n_addresses == 1 && strcmp(o.addresses[0].address, "127.0.0.1") == 0 && o.addresses[0].is_private);
    od_obs_free(&o);

    /* --resolve wins, case-insensitively, only for its port. */
    od_resolve r[2] = { { "origin.example.test", 443, "192.0.2.7" }, { "origin.example.test", 8443, "::1" } };
    od_obs_init(&o);
    od_probe_dns("Origin.Example.TEST", 443, r, 2, SHORT_MS, &o);
    CHECK(o.dns.status == OD_DNS_OK);
    CHECK(o.n_addresses == 1 && strcmp(o.addresses[0].address, "192.0.2.7") == 0);
    CHECK(o.n_addresses == 1 && o.addresses[0].from_resolve && o.addresses[0].family == 4 &&
          !o.addresses[0].is_private);
    od_obs_free(&o);

    /* localhost comes from /etc/hosts: no network needed. */
    od_obs_init(&o);
    od_probe_dns("localhost", 443, r, 2, 1000, &o);
    CHECK_MSG(o.dns.status == OD_DNS_OK, "%s", o.dns.error ? o.dns.error : "");
    bool loop = false;
    for (size_t i = 0; i < o.n_addresses; i++)
        loop |= strcmp(o.addresses[i].address, "127.0.0.1") == 0 || strcmp(o.addresses[i].address, "::1") == 0;
    CHECK(loop);
    CHECK(o.n_addresses > 0 && !o.addresses[0].from_resolve);
    od_obs_free(&o);

    /* A name that cannot exist: no such host, or a failure if this box
     * has no resolver; either way bounded by the deadline. */
    od_obs_init(&o);
    int64_t t0 = od_now_ms();
    od_probe_dns("no-such-host.invalid", 443, NULL, 0, SHORT_MS, &o);
    int64_t took = od_now_ms() - t0;
    CHECK(o.dns.status == OD_DNS_NO_SUCH_HOST || o.dns.status == OD_DNS_FAILED);
    CHECK(o.dns.error != NULL && o.n_addresses == 0);
    CHECK_MSG(took < SHORT_MS + 500, "took %lld ms", (long long)took);
    od_obs_free(&o);
}

static void test_tcp(void)
{
    od_tcp_result t;
    int port = refused_port();
    od_probe_tcp("127.0.0.1", port, SHORT_MS, &t);
    CHECK(t.state == OD_TCP_REFUSED && t.error != NULL && t.port == port);
    CHECK_STR(t.address, "127.0.0.1");
    free(t.error);

    int lfd = listen_loopback(&port);
    od_probe_tcp("127.0.0.1", port, SHORT_MS, &t);
    CHECK(t.state == OD_TCP_OPEN && t.error == NULL);
    free(t.error);
    close(lfd);

    od_probe_tcp("not-an-address", 443, SHORT_MS, &t);
    CHECK(t.state == OD_TCP_ERROR && t.error != NULL);
    free(t.error);

    /* A full accept queue drops SYNs: the connect times out. Linux only
     * lets backlog+1 connections wait, so fill it first. */
    int full = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    bind(full, (struct sockaddr *)&sa, sizeof sa);
    listen(full, 0);
    getsockname(full, (struct sockaddr *)&sa, &sl);
    port = ntohs(sa.sin_port);
    int fillers[4];
    od_tcp_state st = OD_TCP_OPEN;
    int n_fill = 0;
    for (; n_fill < 4; n_fill++) {
        char *err = NULL;
        fillers[n_fill] = od_tcp_connect("127.0.0.1", port, 100, &st, &err);
        free(err);
        if (fillers[n_fill] < 0)
            break;
    }
    CHECK_MSG(st == OD_TCP_TIMEOUT, "state %s after %d connections", od_tcp_state_name(st), n_fill);
    int64_t t0 = od_now_ms();
    od_probe_tcp("127.0.0.1", port, SHORT_MS, &t);
    CHECK(t.state == OD_TCP_TIMEOUT);
    CHECK(t.duration_ms >= SHORT_MS - 20 && od_now_ms() - t0 < SHORT_MS + 300);
    free(t.error);
    for (int i = 0; i < n_fill; i++)
        close(fillers[i]);
    close(full);
}

static void test_tls_failures(void)
{
    od_tls_capture cap;
    od_tls_request req = { .address = "127.0.0.1", .sni = "a.example.test", .timeout_ms = SHORT_MS };

    req.port = refused_port();
    od_probe_tls(&req, &cap);
    CHECK(cap.hs.outcome == OD_TLS_CONNECT_FAILED && !cap.hs.ok && cap.hs.error);
    CHECK_STR(cap.hs.sni, "a.example.test");
    od_tls_capture_free(&cap);

    /* Silent: accepted by the kernel, never answered. */
    int port;
    int lfd = listen_loopback(&port);
    req.port = port;
    od_probe_tls(&req, &cap);
    CHECK_MSG(cap.hs.outcome == OD_TLS_TIMEOUT, "%s", od_tls_outcome_name(cap.hs.outcome));
    CHECK(cap.hs.duration_ms >= SHORT_MS - 20 && cap.hs.duration_ms < SHORT_MS + 400);
    od_tls_capture_free(&cap);

    /* Cancelled before it starts: nothing is attempted. */
    atomic_bool cancel = true;
    req.cancel = &cancel;
    int64_t t0 = od_now_ms();
    od_probe_tls(&req, &cap);
    CHECK(cap.hs.outcome == OD_TLS_UNTESTED && od_now_ms() - t0 < 100);
    od_tls_capture_free(&cap);
    req.cancel = NULL;
    close(lfd);

    /* Plain HTTP on the port. */
    server s;
    server_start(&s, SRV_HTTP, 1, http_reply, &port);
    req.port = port;
    req.timeout_ms = 1000;
    od_probe_tls(&req, &cap);
    CHECK_MSG(cap.hs.outcome == OD_TLS_NOT_TLS, "%s: %s", od_tls_outcome_name(cap.hs.outcome), cap.hs.error);
    CHECK_MSG(cap.hs.error && strstr(cap.hs.error, "plain HTTP") && strstr(cap.hs.error, "HTTP/1.1 400"), "%s", cap.hs.error);
    CHECK(cap.n_der == 0);
    od_tls_capture_free(&cap);
    server_stop(&s);
    CHECK(s.n_received > 5 && s.received[0] == 0x16);   /* it got a ClientHello */

    /* Closes after the ClientHello without an alert. */
    server_start(&s, SRV_CLOSE, 1, NULL, &port);
    req.port = port;
    od_probe_tls(&req, &cap);
    CHECK_MSG(cap.hs.outcome == OD_TLS_CLOSED, "%s: %s", od_tls_outcome_name(cap.hs.outcome), cap.hs.error);
    CHECK(cap.hs.alert == -1);
    od_tls_capture_free(&cap);
    server_stop(&s);

    /* A bad priority string is an error, not a crash or a connection. */
    req.priority = "NONE:+NOT-A-THING";
    od_probe_tls(&req, &cap);
    CHECK(cap.hs.outcome == OD_TLS_ERROR && cap.hs.error && strstr(cap.hs.error, "NOT-A-THING"));
    od_tls_capture_free(&cap);
}

/* An origin that drips its answer a byte at a time. */
typedef struct {
    int lfd;
    pthread_t tid;
} drip_server;

static void *drip_main(void *arg)
{
    drip_server *d = arg;
    struct pollfd pl = { .fd = d->lfd, .events = POLLIN };
    if (poll(&pl, 1, 3000) <= 0)
        return NULL;
    int c = accept(d->lfd, NULL, NULL);
    if (c < 0)
        return NULL;
    char buf[512];
    struct pollfd pc = { .fd = c, .events = POLLIN };
    if (poll(&pc, 1, 1000) > 0 && recv(c, buf, sizeof buf, 0) < 0)
        goto out;
    static const char head[] = "HTTP/1.1 200 OK\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    for (size_t i = 0; i < sizeof head - 1; i++) {
        if (send(c, head + i, 1, MSG_NOSIGNAL) != 1)
            break;
        usleep(100 * 1000);
    }
out:
    close(c);
    return NULL;
}

/* The probe's wait is bounded as a whole, not per read: a dripping origin
 * cannot hold it for (header size x timeout). */
static void test_http_drip(void)
{
    drip_server d;
    int port;
    d.lfd = listen_loopback(&port);
    pthread_create(&d.tid, NULL, drip_main, &d);
    od_http_request req = { .address = "127.0.0.1", .port = port, .host_header = "a.example.test",
                            .method = "HEAD", .timeout_ms = 400 };
    od_http_result r;
    int64_t t0 = od_now_ms();
    od_probe_http(&req, &r);
    int64_t took = od_now_ms() - t0;
    CHECK_MSG(took < 1500, "a dripping origin held the probe %lld ms", (long long)took);
    CHECK(r.request_sent && !r.responded);
    CHECK_MSG(r.error && strstr(r.error, "did not complete"), "%s", r.error ? r.error : "(no error)");
    od_http_result_free(&r);
    pthread_join(d.tid, NULL);
    close(d.lfd);
}

/* The request CloudFront sends: OriginPath + path on the request line,
 * its User-Agent and the origin's custom headers, as the origin reads them. */
static void test_http_as_cloudfront(void)
{
    server s;
    int port;
    server_start(&s, SRV_HTTP, 1, http_reply, &port);
    const od_origin_header headers[] = {{"X-Origin-Verify", "s3cr3t-\\value"}, {"X-Tenant", "blue"}};
    od_http_request req = { .address = "127.0.0.1", .port = port, .host_header = "a.example.test",
                            .method = "GET", .path = "/app/index.html?v=1", .headers = headers, .n_headers = 2,
                            .timeout_ms = 1000 };
    od_http_result r;
    od_probe_http(&req, &r);
    server_stop(&s);
    CHECK(r.responded && r.status_code == 400);
    CHECK_STR(s.received, "GET /app/index.html?v=1 HTTP/1.1\r\nHost: a.example.test\r\n"
                          "User-Agent: Amazon CloudFront\r\nX-Origin-Verify: s3cr3t-\\value\r\nX-Tenant: blue\r\n"
                          "Accept: */*\r\nConnection: close\r\n\r\n");
    CHECK_STR(r.path, "/app/index.html?v=1");
    od_http_result_free(&r);

    /* A custom User-Agent replaces CloudFront's (a CustomHeaders entry
     * overwrites); a byte that would split the request never goes out. */
    server_start(&s, SRV_HTTP, 1, http_reply, &port);
    const od_origin_header ua[] = {{"User-Agent", "probe\r\nX-Injected: 1"}};
    req.port = port;
    req.method = "HEAD";
    req.path = "/a b";
    req.headers = ua;
    req.n_headers = 1;
    od_probe_http(&req, &r);
    server_stop(&s);
    CHECK_STR(s.received, "HEAD /a%20b HTTP/1.1\r\nHost: a.example.test\r\nUser-Agent: probeX-Injected: 1\r\n"
                          "Accept: */*\r\nConnection: close\r\n\r\n");
    od_http_result_free(&r);
}

static void test_http_plain(void)
{
    server s;
    int port;
    server_start(&s, SRV_HTTP, 1, http_reply, &port);
    od_http_request req = { .address = "127.0.0.1", .port = port, .host_header = "a.example.test",
                            .method = "HEAD", .timeout_ms = 1000 };
    od_http_result r;
    od_probe_http(&req, &r);
    server_stop(&s);
    CHECK(r.attempted && r.responded && r.status_code == 400);
    CHECK_STR(r.status_line, "HTTP/1.1 400 Bad Request");
    CHECK_STR(r.server, "evil\\e[31mserver");
    CHECK_STR(r.scheme, "http");
    CHECK(r.ttfb_ms >= 0 && r.ttfb_ms < 1000 && r.error == NULL);
    /* CloudFront's User-Agent, the path "/" when none is given */
    CHECK_STR(s.received, "HEAD / HTTP/1.1\r\nHost: a.example.test\r\nUser-Agent: Amazon CloudFront\r\n"
                          "Accept: */*\r\nConnection: close\r\n\r\n");
    CHECK_STR(r.path, "/");
    od_http_result_free(&r);

    /* Silent listener: no response in time. */
    int lfd = listen_loopback(&port);
    req.port = port;
    req.timeout_ms = SHORT_MS;
    od_probe_http(&req, &r);
    CHECK(!r.responded && r.status_code == 0);
    CHECK_STR(r.error, "no HTTP response within 0.3 s");
    od_http_result_free(&r);
    close(lfd);

    /* Not HTTP at all. */
    server_start(&s, SRV_HTTP, 1, "SSH-2.0-OpenSSH_9.2\r\n", &port);
    req.port = port;
    req.timeout_ms = 1000;
    od_probe_http(&req, &r);
    server_stop(&s);
    CHECK(!r.responded && r.error && strstr(r.error, "not HTTP"));
    od_http_result_free(&r);

    req.port = refused_port();
    od_probe_http(&req, &r);
    CHECK(!r.responded && r.error && strstr(r.error, "refused"));
    od_http_result_free(&r);
}

/* ---- against the lab's GnuTLS server ---- */

typedef struct {
    od_gen_cert root, ica, leaf;
} pki;

static bool make_pki(pki *k)
{
    const char *san[] = { "a.example.test", NULL };
    od_gen_spec root = { .dn = "CN=Probe Test Root,O=origin-doctor test", .is_ca = true, .key = OD_KEY_ECDSA_P256 };
    od_gen_spec ica = { .dn = "CN=Probe Test ICA,O=origin-doctor test", .is_ca = true, .key = OD_KEY_ECDSA_P256 };
    od_gen_spec leaf = { .dn = "CN=a.example.test", .san_dns = san, .key = OD_KEY_RSA2048 };
    return od_gen_cert_make(&root, NULL, &k->root) == 0 && od_gen_cert_make(&ica, &k->root, &k->ica) == 0 &&
           od_gen_cert_make(&leaf, &k->ica, &k->leaf) == 0;
}

static bool der_equals(const od_gen_cert *c, const unsigned char *der, size_t len)
{
    gnutls_datum_t d;
    if (gnutls_x509_crt_export2(c->crt, GNUTLS_X509_FMT_DER, &d) < 0)
        return false;
    bool same = d.size == len && memcmp(d.data, der, len) == 0;
    gnutls_free(d.data);
    return same;
}

static od_lab_server *lab_start(const pki *k, const char *priority, bool client_cert, int *port)
{
    static const od_gen_cert *chain[2];
    chain[0] = &k->leaf;
    chain[1] = &k->ica;
    od_lab_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.mode = OD_LAB_TLS;
    cfg.identities[0].chain = chain;
    cfg.identities[0].chain_len = 2;
    cfg.n_identities = 1;
    cfg.priority = priority;
    cfg.require_client_cert = client_cert;
    char *err = NULL;
    od_lab_server *s = od_lab_server_start(&cfg, port, &err);
    CHECK_MSG(s != NULL, "lab server: %s", err ? err : "");
    free(err);
    return s;
}

static const od_cipher_row *row(const od_observations *o, unsigned proto, const char *name)
{
    for (size_t i = 0; i < o->n_ciphers; i++)
        if (o->ciphers[i].proto == proto && strcmp(o->ciphers[i].name, name) == 0)
            return &o->ciphers[i];
    return NULL;
}

static const od_protocol_result *proto_result(const od_observations *o, unsigned proto)
{
    for (size_t i = 0; i < o->n_protocols; i++)
        if (o->protocols[i].proto == proto)
            return &o->protocols[i];
    return NULL;
}

static void test_shared(const od_policy *policy, const pki *k);

static void test_lab(const od_policy *policy)
{
    pki k;
    memset(&k, 0, sizeof k);
    CHECK(make_pki(&k));
    int port;
    od_lab_server *lab = lab_start(&k, NULL, false, &port);
    if (!lab)
        return;

    /* A full handshake: chain captured exactly as sent. */
    od_tls_request req = { .address = "127.0.0.1", .port = port, .sni = "a.example.test", .timeout_ms = 1000 };
    od_tls_capture cap;
    od_probe_tls(&req, &cap);
    CHECK_MSG(cap.hs.ok && cap.hs.outcome == OD_TLS_OK, "%s: %s", od_tls_outcome_name(cap.hs.outcome),
              cap.hs.error ? cap.hs.error : "");
    CHECK(cap.hs.version && cap.hs.cipher && cap.hs.alert == -1 && !cap.hs.client_cert_requested);
    CHECK(cap.n_der == 2 && der_equals(&k.leaf, cap.der[0], cap.der_len[0]) &&
          der_equals(&k.ica, cap.der[1], cap.der_len[1]));
    od_tls_capture_free(&cap);

    /* CloudFront's offer at TLS1.2 only: an ECDHE-RSA suite, a curve of CloudFront's. */
    char *prio = od_policy_priority(policy, OD_PROTO_TLS12);
    req.priority = prio;
    od_probe_tls(&req, &cap);
    CHECK(cap.hs.ok);
    CHECK_STR(cap.hs.version, "TLS1.2");
    CHECK(cap.hs.cipher && strstr(cap.hs.cipher, "ECDHE_RSA"));
    CHECK(cap.hs.group && od_strlist_contains(&policy->curves, cap.hs.group));
    od_tls_capture_free(&cap);
    free(prio);
    req.priority = NULL;

    /* HTTPS through the same session code. */
    od_http_request hreq = { .address = "127.0.0.1", .port = port, .tls = true, .sni = "a.example.test",
                             .host_header = "a.example.test", .method = "GET", .timeout_ms = 1000 };
    od_http_result r;
    od_probe_http(&hreq, &r);
    CHECK_MSG(r.responded && r.status_code == 200, "%s", r.error ? r.error : "");
    CHECK_STR(r.scheme, "https");
    od_http_result_free(&r);

    /* The cipher table of a healthy origin, quickly. */
    od_observations o;
    od_obs_init(&o);
    int64_t t0 = od_now_ms();
    int n = od_probe_cipher_table("127.0.0.1", port, "a.example.test", policy, 1000, 8, NULL, &o);
    int64_t took = od_now_ms() - t0;
    printf("cipher table: %d handshakes in %lld ms\n", n, (long long)took);
    CHECK_MSG(took < 1500, "cipher table took %lld ms", (long long)took);
    CHECK(n == 4 + 32);
    CHECK(o.n_ciphers == 4 * policy->n_suites);
    CHECK(o.n_protocols == 5);
    const od_protocol_result *p3 = proto_result(&o, OD_PROTO_SSLV3);
    CHECK(p3 && p3->accepted == OD_TRI_UNTESTED && p3->detail && strstr(p3->detail, "SSL 3.0"));
    const od_protocol_result *p12 = proto_result(&o, OD_PROTO_TLS12);
    CHECK(p12 && p12->accepted == OD_TRI_YES);
    const od_cipher_row *c = row(&o, OD_PROTO_TLS12, "ECDHE-RSA-AES128-GCM-SHA256");
    CHECK(c && c->cloudfront_offers && c->origin_accepts == OD_TRI_YES && strcmp(c->iana, "0xC02F") == 0);
    c = row(&o, OD_PROTO_TLS12, "ECDHE-ECDSA-AES128-GCM-SHA256");   /* RSA key only */
    CHECK(c && c->cloudfront_offers && c->origin_accepts == OD_TRI_NO && c->reason);
    c = row(&o, OD_PROTO_TLS1, "ECDHE-RSA-AES128-GCM-SHA256");
    CHECK(c && !c->cloudfront_offers && c->origin_accepts == OD_TRI_UNTESTED && c->reason &&
          strstr(c->reason, "not offered by CloudFront"));
    c = row(&o, OD_PROTO_SSLV3, "AES128-SHA");
    CHECK(c && c->cloudfront_offers && c->origin_accepts == OD_TRI_UNTESTED);
    c = row(&o, OD_PROTO_TLS1, "ECDHE-RSA-AES128-SHA");
    CHECK(c && c->origin_accepts != OD_TRI_UNTESTED);
    od_obs_free(&o);
    od_lab_server_stop(lab);

    /* An origin that speaks only TLS 1.2: older protocols are refused. */
    lab = lab_start(&k, "NORMAL:-VERS-ALL:+VERS-TLS1.2", false, &port);
    if (lab) {
        od_obs_init(&o);
        od_probe_cipher_table("127.0.0.1", port, "a.example.test", policy, 1000, 4, NULL, &o);
        const od_protocol_result *p1 = proto_result(&o, OD_PROTO_TLS1);
        CHECK(p1 && p1->accepted == OD_TRI_NO);
        c = row(&o, OD_PROTO_TLS1, "ECDHE-RSA-AES128-SHA");
        CHECK(c && c->origin_accepts == OD_TRI_NO && c->reason && strstr(c->reason, "protocol refused"));
        c = row(&o, OD_PROTO_TLS12, "ECDHE-RSA-AES256-GCM-SHA384");
        CHECK(c && c->origin_accepts == OD_TRI_YES);
        c = row(&o, OD_PROTO_TLS12, "RC4-MD5");   /* not in NORMAL */
        CHECK(c && c->origin_accepts == OD_TRI_NO);
        od_obs_free(&o);
        od_lab_server_stop(lab);
    }

    /* Client certificate required: TLS 1.3 (verdict on the first read)
     * and TLS 1.2 (verdict in the handshake). */
    lab = lab_start(&k, NULL, true, &port);
    if (lab) {
        req.port = port;
        od_probe_tls(&req, &cap);
        CHECK_MSG(cap.hs.outcome == OD_TLS_CLIENT_CERT_REQUIRED && !cap.hs.ok, "%s: %s",
                  od_tls_outcome_name(cap.hs.outcome), cap.hs.error ? cap.hs.error : "");
        CHECK(cap.hs.client_cert_requested && cap.n_der == 2);
        od_tls_capture_free(&cap);
        char *p12prio = od_policy_priority(policy, OD_PROTO_TLS12);
        req.priority = p12prio;
        od_probe_tls(&req, &cap);
        CHECK_MSG(cap.hs.outcome == OD_TLS_CLIENT_CERT_REQUIRED && !cap.hs.ok, "%s: %s",
                  od_tls_outcome_name(cap.hs.outcome), cap.hs.error ? cap.hs.error : "");
        CHECK(cap.hs.client_cert_requested);
        od_tls_capture_free(&cap);
        free(p12prio);
        req.priority = NULL;
        od_lab_server_stop(lab);
    }

    /* Nothing listens any more: the table is untested, never "no". */
    od_obs_init(&o);
    n = od_probe_cipher_table("127.0.0.1", port, "a.example.test", policy, SHORT_MS, 8, NULL, &o);
    CHECK(n == 4);
    bool all_untested = o.n_ciphers == 4 * policy->n_suites;
    for (size_t i = 0; i < o.n_ciphers; i++)
        all_untested &= o.ciphers[i].origin_accepts == OD_TRI_UNTESTED && o.ciphers[i].reason != NULL;
    CHECK(all_untested);
    od_obs_free(&o);

    test_shared(policy, &k);

    od_gen_cert_free(&k.leaf);
    od_gen_cert_free(&k.ica);
    od_gen_cert_free(&k.root);
}

/* ---- the GnuTLS objects a run's handshakes share (od_tls_shared) ---- */

typedef struct {
    int port;
    const char *priority;
    od_tls_shared *shared;
    char cipher[128];   /* of the last handshake; "" when one failed */
} shared_job;

static void *shared_worker(void *arg)
{
    shared_job *j = arg;
    for (int i = 0; i < 3; i++) {
        od_tls_request req = {.address = "127.0.0.1", .port = j->port, .sni = "a.example.test",
                              .timeout_ms = 2000, .priority = j->priority, .shared = j->shared};
        od_tls_capture cap;
        od_probe_tls(&req, &cap);
        snprintf(j->cipher, sizeof j->cipher, "%s", cap.hs.ok && cap.hs.cipher ? cap.hs.cipher : "");
        od_tls_capture_free(&cap);
        if (!j->cipher[0])
            break;
    }
    return NULL;
}

/* A client certificate issued by root, loaded as --client-cert does
 * (files in a fresh folder, removed again); NULL on failure. */
static od_client_cert *client_cert_of(const od_gen_cert *root)
{
    od_gen_spec spec = {.dn = "CN=Probe Test Client,O=origin-doctor test", .key = OD_KEY_ECDSA_P256};
    od_gen_cert cert;
    memset(&cert, 0, sizeof cert);
    if (od_gen_cert_make(&spec, root, &cert) != 0)
        return NULL;
    char dir[] = "/tmp/od-probes-XXXXXX";
    od_client_cert *cc = NULL;
    if (mkdtemp(dir)) {
        char *cert_path = od_xasprintf("%s/client.pem", dir), *key_path = od_xasprintf("%s/client.key", dir);
        char *pem = od_gen_cert_pem(&cert), *key = od_gen_key_pem(&cert);
        FILE *f = fopen(cert_path, "w"), *g = fopen(key_path, "w");
        bool written = f && g && pem && key && fputs(pem, f) >= 0 && fputs(key, g) >= 0;
        if (f)
            written &= fclose(f) == 0;
        if (g)
            written &= fclose(g) == 0;
        char *err = NULL;
        if (written)
            cc = od_client_cert_load(cert_path, key_path, &err);
        CHECK_MSG(cc != NULL, "client certificate: %s", err ? err : "not written");
        free(err);
        free(pem);
        free(key);
        unlink(cert_path);
        unlink(key_path);
        rmdir(dir);
        free(cert_path);
        free(key_path);
    }
    od_gen_cert_free(&cert);
    return cc;
}

/* The same result with and without the shared objects: from threads at
 * once (each priority string parsed once, its cache set on every session),
 * for a priority GnuTLS rejects (the same error, pointing into the string),
 * and for an origin that requires a client certificate, which a session
 * presents through the shared credentials' callback (it reads the
 * session's own state). */
static void test_shared(const od_policy *policy, const pki *k)
{
    int port;
    od_lab_server *lab = lab_start(k, NULL, false, &port);
    if (!lab)
        return;
    od_tls_shared *shared = od_tls_shared_new();
    CHECK(shared != NULL);
    char *p12 = od_policy_priority(policy, OD_PROTO_TLS12);
    const char *priorities[2] = {p12, NULL};
    char alone[2][128];
    for (int i = 0; i < 2; i++) {
        shared_job j = {.port = port, .priority = priorities[i]};
        shared_worker(&j);
        snprintf(alone[i], sizeof alone[i], "%s", j.cipher);
        CHECK_MSG(alone[i][0], "priority %d: no handshake without the shared objects", i);
    }
    shared_job jobs[6];
    pthread_t tids[6];
    for (int t = 0; t < 6; t++) {
        jobs[t] = (shared_job){.port = port, .priority = priorities[t % 2], .shared = shared};
        CHECK(pthread_create(&tids[t], NULL, shared_worker, &jobs[t]) == 0);
    }
    for (int t = 0; t < 6; t++) {
        pthread_join(tids[t], NULL);
        CHECK_MSG(strcmp(jobs[t].cipher, alone[t % 2]) == 0, "thread %d: \"%s\", alone \"%s\"", t, jobs[t].cipher,
                  alone[t % 2]);
    }

    const char *bad = "NORMAL:+VERS-TLS1.2:+NO-SUCH-TOKEN";
    char *errors[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        od_tls_request req = {.address = "127.0.0.1", .port = port, .sni = "a.example.test", .timeout_ms = 1000,
                              .priority = bad, .shared = i ? shared : NULL};
        od_tls_capture cap;
        od_probe_tls(&req, &cap);
        CHECK(cap.hs.outcome == OD_TLS_ERROR && cap.hs.error);
        errors[i] = cap.hs.error ? od_xstrdup(cap.hs.error) : NULL;
        od_tls_capture_free(&cap);
    }
    CHECK_MSG(errors[0] && errors[1] && strcmp(errors[0], errors[1]) == 0 && strstr(errors[1], "NO-SUCH-TOKEN"),
              "alone: %s; shared: %s", errors[0] ? errors[0] : "-", errors[1] ? errors[1] : "-");
    free(errors[0]);
    free(errors[1]);
    od_lab_server_stop(lab);

    lab = lab_start(k, NULL, true, &port);
    od_client_cert *cc = client_cert_of(&k->root);
    if (lab && cc) {
        for (int with_cert = 0; with_cert < 2; with_cert++) {
            od_tls_request req = {.address = "127.0.0.1", .port = port, .sni = "a.example.test", .timeout_ms = 1000,
                                  .priority = p12, .shared = shared, .client_cert = with_cert ? cc : NULL};
            od_tls_capture cap;
            od_probe_tls(&req, &cap);
            od_tls_outcome want = with_cert ? OD_TLS_OK : OD_TLS_CLIENT_CERT_REQUIRED;
            CHECK_MSG(cap.hs.outcome == want && cap.hs.client_cert_requested && cap.hs.client_cert_sent == with_cert,
                      "%s certificate: %s: %s", with_cert ? "with a" : "without", od_tls_outcome_name(cap.hs.outcome),
                      cap.hs.error ? cap.hs.error : "");
            od_tls_capture_free(&cap);
        }
    }
    od_client_cert_free(cc);
    if (lab)
        od_lab_server_stop(lab);
    free(p12);
    od_tls_shared_free(shared);
}

/* A handshake this side stopped after the origin's ServerHello (the probe
 * then records the version the origin chose, e.g. a CA certificate served
 * as the origin's own: tests/integration/test_nginx_witness.c, reversed)
 * proves the protocol accepted; a local error before it proves nothing. */
static void test_cell_of_local_error(void)
{
    od_handshake hs = {.outcome = OD_TLS_ERROR, .alert = -1,
                       .error = (char *)"Key usage violation in certificate has been detected."};
    od_table_cell cell = {0};
    od_table_cell_of(&hs, &cell);
    CHECK(cell.result == OD_TRI_UNTESTED);
    od_table_cell_free(&cell);
    hs.version = (char *)"TLS1.2";
    od_table_cell_of(&hs, &cell);
    CHECK(cell.result == OD_TRI_YES && cell.detail && strstr(cell.detail, "TLS1.2") && strstr(cell.detail, "Key usage"));
    od_table_cell_free(&cell);
}

/* An alert other than handshake_failure, insufficient_security or
 * protocol_version refuses nothing in particular: the cell is not a "no". */
static void test_cell_of_alerts(void)
{
    static const struct {
        int alert;
        od_tri want;
    } cases[] = {{40, OD_TRI_NO}, {71, OD_TRI_NO}, {70, OD_TRI_NO}, {80, OD_TRI_UNTESTED}, {50, OD_TRI_UNTESTED}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        od_handshake hs = {.outcome = OD_TLS_ALERT, .alert = cases[i].alert, .alert_name = (char *)"x"};
        od_table_cell cell = {0};
        od_table_cell_of(&hs, &cell);
        CHECK_MSG(cell.result == cases[i].want, "alert %d", cases[i].alert);
        CHECK(cell.detail != NULL);
        od_table_cell_free(&cell);
    }
}

int main(void)
{
    test_cell_of_alerts();
    /* SIGPIPE is left at its default: the probes and the listeners here
     * must never raise it (MSG_NOSIGNAL). */
    test_private();
    test_dns();
    test_tcp();
    test_tls_failures();
    test_http_plain();
    test_http_as_cloudfront();
    test_http_drip();

    od_policy policy;
    char *path = od_asset_path("cloudfront-origin-policy.json");
    char *err = path ? od_policy_load(path, &policy) : od_xstrdup("policy asset not found");
    CHECK_MSG(err == NULL, "%s", err);
    if (!err) {
        test_lab(&policy);
        od_policy_free(&policy);
        test_cell_of_local_error();
    }
    free(err);
    free(path);
    return check_done("test_probes");
}
