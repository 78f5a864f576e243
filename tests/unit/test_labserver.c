/* The lab server: chains go on the wire exactly as given, SNI picks the
 * identity, the misbehaving modes misbehave, it listens on 127.0.0.1 only
 * and stops cleanly. Checked with a plain GnuTLS client written here. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "check.h"
#include "od_case.h"
#include "od_certgen.h"
#include "od_client_cert.h"
#include "od_lab.h"
#include "od_labserver.h"
#include "od_util.h"

typedef struct {
    int rc;                  /* gnutls_handshake result */
    int alert;               /* alert received, -1 none */
    unsigned n_peers;
    gnutls_datum_t peers[8]; /* copies, free with result_free */
    char http[512];          /* start of the HTTP answer, if any */
    int read_rc;             /* last gnutls_record_recv result */
    unsigned verify;         /* verify_peers3 status against the trust file, if one was given */
} client_result;

static void result_free(client_result *r)
{
    for (unsigned i = 0; i < r->n_peers; i++)
        free(r->peers[i].data);
    r->n_peers = 0;
}

/* addr: 127.0.0.1 or ::1 */
static int connect_to(const char *addr, int port)
{
    bool v6 = strchr(addr, ':') != NULL;
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = { 5, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    if (v6) {
        struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;
        sa->sin6_family = AF_INET6;
        sa->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, addr, &sa->sin6_addr);
        len = sizeof *sa;
    } else {
        struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
        sa->sin_family = AF_INET;
        sa->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, addr, &sa->sin_addr);
        len = sizeof *sa;
    }
    if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* A TLS client that verifies nothing, keeps what it saw, and optionally
 * sends an HTTP request. */
static void tls_client_verify_at(const char *addr, int port, const char *sni, const char *priority,
                                 const char *request, int timeout_ms, const char *trust, const char *host,
                                 client_result *r)
{
    memset(r, 0, sizeof *r);
    r->alert = -1;
    r->rc = GNUTLS_E_INTERNAL_ERROR;
    int fd = connect_to(addr, port);
    if (fd < 0)
        return;
    gnutls_certificate_credentials_t cred;
    gnutls_session_t session;
    gnutls_certificate_allocate_credentials(&cred);
    if (trust)
        CHECK(gnutls_certificate_set_x509_trust_file(cred, trust, GNUTLS_X509_FMT_PEM) == 1);
    gnutls_init(&session, GNUTLS_CLIENT);
    gnutls_priority_set_direct(session, priority ? priority : "NORMAL", NULL);
    gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, cred);
    if (sni)
        gnutls_server_name_set(session, GNUTLS_NAME_DNS, sni, strlen(sni));
    gnutls_transport_set_int(session, fd);
    gnutls_handshake_set_timeout(session, (unsigned)timeout_ms);
    do {
        r->rc = gnutls_handshake(session);
    } while (r->rc < 0 && !gnutls_error_is_fatal(r->rc));
    if (r->rc == GNUTLS_E_FATAL_ALERT_RECEIVED || r->rc == GNUTLS_E_WARNING_ALERT_RECEIVED)
        r->alert = (int)gnutls_alert_get(session);
    unsigned n = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &n);
    for (unsigned i = 0; peers && i < n && i < 8; i++) {
        r->peers[i].data = od_xmalloc(peers[i].size);
        memcpy(r->peers[i].data, peers[i].data, peers[i].size);
        r->peers[i].size = peers[i].size;
        r->n_peers++;
    }
    r->verify = 0;
    if (r->rc == 0 && trust && gnutls_certificate_verify_peers3(session, host, &r->verify) < 0)
        r->verify = GNUTLS_CERT_INVALID;
    if (r->rc == 0 && request) {
        gnutls_record_send(session, request, strlen(request));
        size_t len = 0;
        gnutls_record_set_timeout(session, 1000);   /* the lab answers at once */
        for (;;) {
            ssize_t got = gnutls_record_recv(session, r->http + len, sizeof r->http - 1 - len);
            r->read_rc = (int)got;
            if (got == GNUTLS_E_FATAL_ALERT_RECEIVED)
                r->alert = (int)gnutls_alert_get(session);
            if (got <= 0)
                break;
            len += (size_t)got;
            if (len == sizeof r->http - 1)
                break;
        }
        r->http[len] = '\0';
    }
    gnutls_deinit(session);
    gnutls_certificate_free_credentials(cred);
    close(fd);
}

static void tls_client_verify(int port, const char *sni, const char *priority, const char *request,
                              int timeout_ms, const char *trust, const char *host, client_result *r)
{
    tls_client_verify_at("127.0.0.1", port, sni, priority, request, timeout_ms, trust, host, r);
}

static void tls_client(int port, const char *sni, const char *priority, const char *request,
                       int timeout_ms, client_result *r)
{
    tls_client_verify(port, sni, priority, request, timeout_ms, NULL, NULL, r);
}

static bool same_der(const gnutls_datum_t *d, const od_gen_cert *c)
{
    gnutls_datum_t der;
    if (gnutls_x509_crt_export2(c->crt, GNUTLS_X509_FMT_DER, &der) < 0)
        return false;
    bool same = der.size == d->size && memcmp(der.data, d->data, der.size) == 0;
    gnutls_free(der.data);
    return same;
}

static od_gen_cert make(const char *dn, const char *san, bool ca, od_keykind key, const od_gen_cert *issuer)
{
    const char *sans[] = { san, NULL };
    od_gen_spec spec = { .dn = dn, .san_dns = san ? sans : NULL, .is_ca = ca, .key = key };
    od_gen_cert c;
    int rc = od_gen_cert_make(&spec, issuer, &c);
    CHECK_MSG(rc == 0, "%s: %s", dn, gnutls_strerror(rc));
    return c;
}

/* The listening socket's local address, read from /proc/net/tcp. */
static bool listens_only_on_loopback(int port)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    if (!f)
        return false;
    char line[512];
    bool found = false, only_loopback = true;
    while (fgets(line, sizeof line, f)) {
        unsigned addr, p, st;
        if (sscanf(line, " %*d: %8X:%4X %*8X:%*4X %2X", &addr, &p, &st) != 3)
            continue;
        if ((int)p == port && st == 0x0A) {
            found = true;
            if (ntohl(addr) != INADDR_LOOPBACK)
                only_loopback = false;
        }
    }
    fclose(f);
    return found && only_loopback;
}

static void test_chain_as_given(const od_gen_cert *root, const od_gen_cert *ica1, const od_gen_cert *ica2,
                                const od_gen_cert *leaf)
{
    const od_gen_cert *chain[] = { leaf, ica1, ica2 };   /* wrong order: ica2 issued leaf */
    od_lab_config cfg = { .mode = OD_LAB_TLS, .n_identities = 1 };
    cfg.identities[0].chain = chain;
    cfg.identities[0].chain_len = 3;
    int port = 0;
    char *err = NULL;
    od_lab_server *s = od_lab_server_start(&cfg, &port, &err);
    CHECK_MSG(s != NULL, "%s", err ? err : "");
    free(err);
    if (!s)
        return;
    CHECK(port > 0);
    CHECK(listens_only_on_loopback(port));
    /* 127.0.0.2 is loopback too: a wildcard listener would accept there. */
    int other = connect_to("127.0.0.2", port);
    CHECK(other < 0 && errno == ECONNREFUSED);
    if (other >= 0)
        close(other);

    client_result r;
    tls_client(port, "a.example.test", NULL, "GET / HTTP/1.1\r\nHost: a.example.test\r\n\r\n", 5000, &r);
    CHECK_MSG(r.rc == 0, "%s", gnutls_strerror(r.rc));
    CHECK(r.n_peers == 3);
    if (r.n_peers == 3) {
        CHECK(same_der(&r.peers[0], leaf));
        CHECK(same_der(&r.peers[1], ica1));
        CHECK(same_der(&r.peers[2], ica2));
    }
    CHECK(strncmp(r.http, "HTTP/1.1 200 OK\r\n", 17) == 0);
    CHECK(strstr(r.http, "\r\nServer: origin-doctor-lab\r\n") != NULL);
    CHECK(strstr(r.http, "\r\nContent-Length: ") != NULL);
    result_free(&r);

    /* Static RSA (no ECDHE) works with the RSA leaf: keyEncipherment is set. */
    tls_client(port, NULL, "NONE:+VERS-TLS1.2:+RSA:+AES-128-CBC:+SHA1:+SIGN-ALL:+CTYPE-X509", NULL, 5000, &r);
    CHECK_MSG(r.rc == 0, "static RSA: %s", gnutls_strerror(r.rc));
    result_free(&r);
    /* And the permissive default still has TLS 1.0. */
    tls_client(port, NULL, "NORMAL:-VERS-ALL:+VERS-TLS1.0", NULL, 5000, &r);
    CHECK_MSG(r.rc == 0, "TLS1.0: %s", gnutls_strerror(r.rc));
    result_free(&r);

    /* Stop is prompt even with a client sitting on an open connection. */
    int idle = connect_to("127.0.0.1", port);
    CHECK(idle >= 0);
    usleep(50 * 1000);
    int64_t t0 = od_now_ms();
    od_lab_server_stop(s);
    CHECK_MSG(od_now_ms() - t0 < 2000, "stop took %lld ms", (long long)(od_now_ms() - t0));
    if (idle >= 0)
        close(idle);
    int after = connect_to("127.0.0.1", port);
    CHECK(after < 0);
    if (after >= 0)
        close(after);
    (void)root;
}

static void test_sni(const od_gen_cert *dflt, const od_gen_cert *named)
{
    const od_gen_cert *c0[] = { dflt };
    const od_gen_cert *c1[] = { named };
    od_lab_config cfg = { .mode = OD_LAB_TLS, .n_identities = 2 };
    cfg.identities[0].chain = c0;
    cfg.identities[0].chain_len = 1;
    cfg.identities[0].sni = "default.example.test";
    cfg.identities[1].chain = c1;
    cfg.identities[1].chain_len = 1;
    cfg.identities[1].sni = "a.example.test";
    int port = 0;
    char *err = NULL;
    od_lab_server *s = od_lab_server_start(&cfg, &port, &err);
    CHECK_MSG(s != NULL, "%s", err ? err : "");
    free(err);
    if (!s)
        return;
    client_result r;
    tls_client(port, "A.Example.Test", NULL, NULL, 5000, &r);
    CHECK(r.rc == 0 && r.n_peers == 1 && same_der(&r.peers[0], named));
    result_free(&r);
    tls_client(port, NULL, NULL, NULL, 5000, &r);
    CHECK(r.rc == 0 && r.n_peers == 1 && same_der(&r.peers[0], dflt));
    result_free(&r);
    tls_client(port, "unknown.example.test", NULL, NULL, 5000, &r);
    CHECK(r.rc == 0 && r.n_peers == 1 && same_der(&r.peers[0], dflt));
    result_free(&r);
    od_lab_server_stop(s);

    /* Reject without SNI: fatal unrecognized_name (112), also for TLS 1.2. */
    cfg.reject_without_sni = true;
    s = od_lab_server_start(&cfg, &port, &err);
    CHECK(s != NULL);
    free(err);
    if (!s)
        return;
    tls_client(port, NULL, NULL, NULL, 5000, &r);
    CHECK_MSG(r.rc == GNUTLS_E_FATAL_ALERT_RECEIVED && r.alert == GNUTLS_A_UNRECOGNIZED_NAME,
              "rc %d alert %d", r.rc, r.alert);
    result_free(&r);
    tls_client(port, "nope.example.test", "NORMAL:-VERS-ALL:+VERS-TLS1.2", NULL, 5000, &r);
    CHECK_MSG(r.rc == GNUTLS_E_FATAL_ALERT_RECEIVED && r.alert == GNUTLS_A_UNRECOGNIZED_NAME,
              "rc %d alert %d", r.rc, r.alert);
    result_free(&r);
    tls_client(port, "a.example.test", NULL, NULL, 5000, &r);
    CHECK(r.rc == 0 && r.n_peers == 1 && same_der(&r.peers[0], named));
    result_free(&r);
    od_lab_server_stop(s);
}

static void test_tls_variants(const od_gen_cert *leaf)
{
    const od_gen_cert *chain[] = { leaf };
    od_lab_config cfg = { .mode = OD_LAB_TLS, .n_identities = 1, .http_status = 503 };
    cfg.identities[0].chain = chain;
    cfg.identities[0].chain_len = 1;
    int port = 0;
    char *err = NULL;
    od_lab_server *s = od_lab_server_start(&cfg, &port, &err);
    CHECK(s != NULL);
    free(err);
    client_result r;
    if (s) {
        tls_client(port, NULL, NULL, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", 5000, &r);
        CHECK(strncmp(r.http, "HTTP/1.1 503 Service Unavailable\r\n", 34) == 0);
        const char *end = strstr(r.http, "\r\n\r\n");
        CHECK(end && end[4] == '\0');   /* HEAD: no body */
        result_free(&r);
        od_lab_server_stop(s);
    }

    /* A server that speaks TLS but never answers HTTP. */
    cfg.http_status = 0;
    cfg.http_silent = true;
    s = od_lab_server_start(&cfg, &port, &err);
    CHECK(s != NULL);
    free(err);
    if (s) {
        int64_t t0 = od_now_ms();
        tls_client(port, NULL, NULL, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 5000, &r);
        CHECK(r.rc == 0 && r.http[0] == '\0' && od_now_ms() - t0 >= 900);
        result_free(&r);
        od_lab_server_stop(s);
    }

    /* Client certificate required: a TLS 1.2 client without one fails. */
    cfg.http_silent = false;
    cfg.require_client_cert = true;
    s = od_lab_server_start(&cfg, &port, &err);
    CHECK(s != NULL);
    free(err);
    if (s) {
        tls_client(port, NULL, "NORMAL:-VERS-ALL:+VERS-TLS1.2", NULL, 5000, &r);
        CHECK_MSG(r.rc == GNUTLS_E_FATAL_ALERT_RECEIVED, "rc %d", r.rc);
        result_free(&r);
        od_lab_server_stop(s);
    }

    /* Priority restricted to TLS 1.3: a TLS 1.2 client is refused with an alert. */
    cfg.require_client_cert = false;
    cfg.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.3";
    s = od_lab_server_start(&cfg, &port, &err);
    CHECK(s != NULL);
    free(err);
    if (s) {
        tls_client(port, NULL, "NORMAL:-VERS-ALL:+VERS-TLS1.2", NULL, 5000, &r);
        /* GnuTLS says handshake_failure (40) here, older ones protocol_version (70). */
        CHECK_MSG(r.rc == GNUTLS_E_FATAL_ALERT_RECEIVED &&
                  (r.alert == GNUTLS_A_PROTOCOL_VERSION || r.alert == GNUTLS_A_HANDSHAKE_FAILURE),
                  "rc %d alert %d", r.rc, r.alert);
        result_free(&r);
        od_lab_server_stop(s);
    }

    /* A bad priority string is an error, not a server. */
    cfg.priority = "NORMAL:+NO-SUCH-THING";
    err = NULL;
    s = od_lab_server_start(&cfg, &port, &err);
    CHECK(s == NULL && err != NULL);
    free(err);
    od_lab_server_stop(s);
}

typedef struct {
    int port;
    int rc;
} parallel_arg;

static void *parallel_client(void *arg)
{
    parallel_arg *a = arg;
    client_result r;
    tls_client(a->port, "a.example.test", NULL, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 5000, &r);
    a->rc = (r.rc == 0 && strncmp(r.http, "HTTP/1.1 200", 12) == 0) ? 0 : -1;
    result_free(&r);
    return NULL;
}

static void test_concurrency(const od_gen_cert *leaf)
{
    const od_gen_cert *chain[] = { leaf };
    od_lab_config cfg = { .mode = OD_LAB_TLS, .n_identities = 1 };
    cfg.identities[0].chain = chain;
    cfg.identities[0].chain_len = 1;
    int port = 0;
    char *err = NULL;
    od_lab_server *s = od_lab_server_start(&cfg, &port, &err);
    CHECK(s != NULL);
    free(err);
    if (!s)
        return;
    enum { N = 20 };
    pthread_t t[N];
    parallel_arg a[N];
    for (int i = 0; i < N; i++) {
        a[i].port = port;
        a[i].rc = -2;
        pthread_create(&t[i], NULL, parallel_client, &a[i]);
    }
    int ok = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        ok += a[i].rc == 0;
    }
    CHECK_MSG(ok == N, "%d of %d parallel clients OK", ok, N);
    od_lab_server_stop(s);
}

/* Sends one plain HTTP request and returns the answer's first line. */
static void plain_request(int port, const char *req, char *line, size_t size)
{
    line[0] = '\0';
    int fd = connect_to("127.0.0.1", port);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK(send(fd, req, strlen(req), MSG_NOSIGNAL) == (ssize_t)strlen(req));
    char buf[512] = { 0 };
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf - 1 && (n = recv(fd, buf + len, sizeof buf - 1 - len, 0)) > 0)
        len += (size_t)n;
    close(fd);
    snprintf(line, size, "%.*s", (int)strcspn(buf, "\r\n"), buf);
}

/* A required header (403 without it) and the log of what was received. */
static void test_required_header_and_log(void)
{
    char dir[] = "/tmp/od-labserver-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char *log = od_xasprintf("%s/requests.log", dir);
    od_lab_config cfg = { .mode = OD_LAB_PLAIN_HTTP, .required_header = "X-Origin-Verify: k3y",
                          .request_log = log };
    int port = 0;
    char *err = NULL;
    od_lab_server *s = od_lab_server_start(&cfg, &port, &err);
    CHECK_MSG(s != NULL, "%s", err ? err : "");
    free(err);
    if (s) {
        char line[128];
        plain_request(port, "GET /app/x HTTP/1.1\r\nHost: h\r\n\r\n", line, sizeof line);
        CHECK_STR(line, "HTTP/1.1 403 Forbidden");
        plain_request(port, "GET /app/y HTTP/1.1\r\nHost: h\r\nX-Origin-Verify: k3y\r\n\r\n", line, sizeof line);
        CHECK_STR(line, "HTTP/1.1 200 OK");
        od_lab_server_stop(s);
        size_t len = 0;
        char *text = od_read_file(log, &len);
        CHECK_STR(text, "GET /app/x HTTP/1.1\r\nHost: h\r\n\r\n"
                        "GET /app/y HTTP/1.1\r\nHost: h\r\nX-Origin-Verify: k3y\r\n\r\n");
        free(text);
    }
    unlink(log);
    rmdir(dir);
    free(log);
}

static void test_other_modes(void)
{
    int port = 0;
    char *err = NULL;
    client_result r;

    od_lab_config plain = { .mode = OD_LAB_PLAIN_HTTP };
    od_lab_server *s = od_lab_server_start(&plain, &port, &err);
    CHECK(s != NULL);
    free(err);
    if (s) {
        CHECK(listens_only_on_loopback(port));
        int fd = connect_to("127.0.0.1", port);
        CHECK(fd >= 0);
        if (fd >= 0) {
            const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
            CHECK(send(fd, req, sizeof req - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof req - 1));
            char buf[256] = { 0 };
            size_t len = 0;
            ssize_t n;
            while (len < sizeof buf - 1 && (n = recv(fd, buf + len, sizeof buf - 1 - len, 0)) > 0)
                len += (size_t)n;
            CHECK(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
            close(fd);
        }
        /* A TLS client gets plain HTTP back: the handshake fails. */
        tls_client(port, "a.example.test", NULL, NULL, 3000, &r);
        CHECK(r.rc < 0 && r.rc != GNUTLS_E_TIMEDOUT);
        result_free(&r);
        od_lab_server_stop(s);
    }

    od_lab_config silent = { .mode = OD_LAB_SILENT };
    s = od_lab_server_start(&silent, &port, &err);
    CHECK(s != NULL);
    free(err);
    if (s) {
        int64_t t0 = od_now_ms();
        tls_client(port, "a.example.test", NULL, NULL, 300, &r);
        CHECK_MSG(r.rc == GNUTLS_E_TIMEDOUT, "rc %d", r.rc);
        CHECK(od_now_ms() - t0 >= 250);
        result_free(&r);
        int held = connect_to("127.0.0.1", port);
        usleep(50 * 1000);
        t0 = od_now_ms();
        od_lab_server_stop(s);
        CHECK(od_now_ms() - t0 < 2000);
        if (held >= 0)
            close(held);
    }

    od_lab_config closed = { .mode = OD_LAB_CLOSED };
    s = od_lab_server_start(&closed, &port, &err);
    CHECK(s != NULL && port > 0);
    free(err);
    int fd = connect_to("127.0.0.1", port);
    CHECK(fd < 0 && errno == ECONNREFUSED);
    if (fd >= 0)
        close(fd);
    od_lab_server_stop(s);

    /* On ::1 only: answers there, refuses on 127.0.0.1, accepts nothing from it. */
    if (check_ipv6_loopback("labserver: the server on ::1")) {
        od_lab_config v6 = { .mode = OD_LAB_PLAIN_HTTP, .ipv6 = true };
        err = NULL;
        s = od_lab_server_start(&v6, &port, &err);
        CHECK_MSG(s != NULL && port > 0, "::1: %s", err ? err : "?");
        free(err);
        if (s) {
            fd = connect_to("127.0.0.1", port);
            CHECK(fd < 0 && errno == ECONNREFUSED);
            if (fd >= 0)
                close(fd);
            fd = connect_to("::1", port);
            CHECK(fd >= 0);
            if (fd >= 0) {
                const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
                CHECK(send(fd, req, sizeof req - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof req - 1));
                char buf[64] = { 0 };
                CHECK(recv(fd, buf, sizeof buf - 1, 0) > 0 && strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
                close(fd);
            }
            CHECK(od_lab_server_accepted(s) == 1);
            od_lab_server_stop(s);
        }
    }
}


/* The lab's origins listen on 127.0.0.1, aaaa-only's on ::1 only. */
static const char *lab_address(const char *scenario)
{
    return strcmp(scenario, "aaaa-only") == 0 ? "::1" : "127.0.0.1";
}

static bool has_resolve(const od_case *c, const char *host, int port, const char *address)
{
    for (size_t i = 0; i < c->n_resolve; i++)
        if (strcmp(c->resolve[i].host, host) == 0 && c->resolve[i].port == port &&
            strcmp(c->resolve[i].address, address) == 0)
            return true;
    return false;
}

/* What a verifying client sees from one scenario's origin. */
static void lab_check(const char *name, const od_case *c, client_result *out)
{
    const char *host = c->forward_host_header && c->cnames.len ? c->cnames.items[0] : c->origin_domain;
    tls_client_verify(c->https_port, host, NULL, NULL, 5000, c->trust_store, host, out);
    CHECK_MSG(out->rc == 0, "%s: handshake %s", name, gnutls_strerror(out->rc));
}

static void test_lab_scenario(const od_lab_scenario *sc)
{
    od_case c;
    od_case_init(&c);
    char *err = NULL;
    /* How long a scenario takes to start is measured by bench/, never
     * asserted here: a loaded machine must not fail the suite. */
    od_lab *lab = od_lab_start(sc->name, &c, &err);
    CHECK_MSG(lab != NULL, "%s: %s", sc->name, err ? err : "");
    free(err);
    if (!lab) {
        od_case_free(&c);
        return;
    }
    /* lab names are in .test; s3-website must look like an AWS endpoint,
     * and is pinned to 127.0.0.1 like every lab name (checked below) */
    CHECK(c.origin_domain && (strstr(c.origin_domain, ".test") != NULL || strcmp(sc->name, "s3-website") == 0));
    const char *key = NULL, *intermediates = NULL;
    const char *bundle = od_lab_bundle(lab, &key, &intermediates);
    if (bundle) {
        /* A bundle scenario: files to judge offline, no server. */
        CHECK(strncmp(sc->name, "bundle-", 7) == 0);
        CHECK(access(bundle, R_OK) == 0 && key && access(key, R_OK) == 0 && intermediates &&
              access(intermediates, R_OK) == 0);
        CHECK(c.trust_store && access(c.trust_store, R_OK) == 0);
        char *kept = od_xstrdup(bundle);
        od_lab_stop(lab);
        CHECK(access(kept, F_OK) != 0);   /* removed with the lab */
        free(kept);
        od_case_free(&c);
        return;
    }
    CHECK(strncmp(sc->name, "bundle-", 7) != 0);
    CHECK(c.https_port > 0 && c.http_port > 0 && c.https_port != c.http_port);
    CHECK(c.trust_store && access(c.trust_store, R_OK) == 0);
    const char *addr = lab_address(sc->name);
    CHECK(has_resolve(&c, c.origin_domain, c.https_port, addr));
    CHECK(has_resolve(&c, c.origin_domain, c.http_port, addr));
    for (size_t i = 0; i < c.cnames.len; i++)
        CHECK(has_resolve(&c, c.cnames.items[i], c.https_port, addr));
    CHECK(sc->expect != NULL && sc->description && *sc->description);

    client_result r;
    memset(&r, 0, sizeof r);
    const char *n = sc->name;
    if (!strcmp(n, "healthy") || !strcmp(n, "healthy-ecdsa") || !strcmp(n, "healthy-direct") ||
        !strcmp(n, "sni-default-wrong") || !strcmp(n, "http-503")) {
        lab_check(n, &c, &r);
        CHECK_MSG(r.verify == 0, "%s: status 0x%x", n, r.verify);
        if (!strcmp(n, "http-503")) {
            result_free(&r);
            tls_client(c.https_port, c.origin_domain, NULL, "HEAD / HTTP/1.1\r\n\r\n", 5000, &r);
            CHECK(strncmp(r.http, "HTTP/1.1 503 ", 13) == 0);
        }
    } else if (!strcmp(n, "header-protected")) {
        /* a WAF in front: 403 without the custom header, 200 with it
         * (header names in any case, the value exactly) */
        lab_check(n, &c, &r);
        CHECK(r.verify == 0);
        result_free(&r);
        tls_client(c.https_port, c.origin_domain, NULL, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", 5000, &r);
        CHECK_MSG(strncmp(r.http, "HTTP/1.1 403 ", 13) == 0, "without the header: %.40s", r.http);
        result_free(&r);
        tls_client(c.https_port, c.origin_domain, NULL,
                   "HEAD / HTTP/1.1\r\nx-origin-verify:  od-lab-7f3a9c \r\n\r\n", 5000, &r);
        CHECK_MSG(strncmp(r.http, "HTTP/1.1 200 ", 13) == 0, "with the header: %.40s", r.http);
        result_free(&r);
        tls_client(c.https_port, c.origin_domain, NULL, "HEAD / HTTP/1.1\r\nX-Origin-Verify: od-lab-7f3a9\r\n\r\n",
                   5000, &r);
        CHECK_MSG(strncmp(r.http, "HTTP/1.1 403 ", 13) == 0, "a wrong value: %.40s", r.http);
    } else if (!strcmp(n, "wrong-name") || !strcmp(n, "wildcard-too-deep") || !strcmp(n, "sni-differs")) {
        lab_check(n, &c, &r);
        CHECK_MSG(r.verify == (GNUTLS_CERT_INVALID | GNUTLS_CERT_UNEXPECTED_OWNER), "%s: 0x%x", n, r.verify);
    } else if (!strcmp(n, "cname-not-covered")) {
        CHECK(c.forward_host_header && c.cnames.len == 2);
        lab_check(n, &c, &r);   /* the first CNAME is covered */
        CHECK(r.verify == 0);
        result_free(&r);
        tls_client_verify(c.https_port, c.cnames.items[1], NULL, NULL, 5000, c.trust_store,
                          c.cnames.items[1], &r);
        CHECK(r.rc == 0 && r.verify == (GNUTLS_CERT_INVALID | GNUTLS_CERT_UNEXPECTED_OWNER));
    } else if (!strcmp(n, "expired")) {
        lab_check(n, &c, &r);
        CHECK(r.verify == (GNUTLS_CERT_INVALID | GNUTLS_CERT_EXPIRED));
    } else if (!strcmp(n, "not-yet-valid")) {
        lab_check(n, &c, &r);
        CHECK(r.verify == (GNUTLS_CERT_INVALID | GNUTLS_CERT_NOT_ACTIVATED));
    } else if (!strcmp(n, "self-signed") || !strcmp(n, "missing-intermediate") ||
               !strcmp(n, "untrusted-root")) {
        lab_check(n, &c, &r);
        CHECK(r.verify == (GNUTLS_CERT_INVALID | GNUTLS_CERT_SIGNER_NOT_FOUND));
        CHECK(r.n_peers == (strcmp(n, "untrusted-root") == 0 ? 3u : 1u));
    } else if (!strcmp(n, "wrong-order")) {
        lab_check(n, &c, &r);
        CHECK(r.n_peers == 3);
        if (r.n_peers == 3) {
            gnutls_x509_crt_t p[3];
            for (int i = 0; i < 3; i++) {
                gnutls_x509_crt_init(&p[i]);
                gnutls_x509_crt_import(p[i], &r.peers[i], GNUTLS_X509_FMT_DER);
            }
            CHECK(gnutls_x509_crt_check_issuer(p[0], p[2]) == 1);   /* the leaf's issuer comes last */
            CHECK(gnutls_x509_crt_check_issuer(p[2], p[1]) == 1);
            for (int i = 0; i < 3; i++)
                gnutls_x509_crt_deinit(p[i]);
        }
    } else if (!strcmp(n, "no-shared-cipher")) {
        tls_client(c.https_port, c.origin_domain,
                   "NONE:+VERS-TLS1.2:+ECDHE-RSA:+AES-128-GCM:+AEAD:+SIGN-ALL:+CTYPE-X509:+GROUP-ALL",
                   NULL, 5000, &r);
        CHECK(r.rc == GNUTLS_E_FATAL_ALERT_RECEIVED);
    } else if (!strcmp(n, "no-usable-certificate")) {
        /* refused to every client: CloudFront's suites and the broadest offer alike */
        tls_client(c.https_port, c.origin_domain,
                   "NONE:+VERS-TLS1.2:+ECDHE-ECDSA:+AES-128-GCM:+AEAD:+SIGN-ALL:+CTYPE-X509:+GROUP-ALL",
                   NULL, 5000, &r);
        CHECK(r.rc == GNUTLS_E_FATAL_ALERT_RECEIVED);
        result_free(&r);
        tls_client(c.https_port, c.origin_domain, "NORMAL:+VERS-TLS1.2:+RSA:+ECDHE-RSA:+ECDHE-ECDSA", NULL, 5000, &r);
        CHECK(r.rc == GNUTLS_E_FATAL_ALERT_RECEIVED);
    } else if (!strcmp(n, "tls13-only")) {
        tls_client(c.https_port, c.origin_domain, "NORMAL:-VERS-ALL:+VERS-TLS1.2", NULL, 5000, &r);
        CHECK(r.rc == GNUTLS_E_FATAL_ALERT_RECEIVED);
        result_free(&r);
        tls_client(c.https_port, c.origin_domain, "NORMAL:-VERS-ALL:+VERS-TLS1.3", NULL, 5000, &r);
        CHECK(r.rc == 0);
    } else if (!strcmp(n, "client-cert-required")) {
        tls_client(c.https_port, c.origin_domain, "NORMAL:-VERS-ALL:+VERS-TLS1.2", NULL, 5000, &r);
        CHECK(r.rc == GNUTLS_E_FATAL_ALERT_RECEIVED);
        result_free(&r);
        /* TLS 1.3: the handshake completes; the refusal comes on the first read. */
        tls_client(c.https_port, c.origin_domain, "NORMAL:-VERS-ALL:+VERS-TLS1.3", "HEAD / HTTP/1.1\r\n\r\n",
                   5000, &r);
        CHECK_MSG(r.rc == 0 && r.read_rc == GNUTLS_E_FATAL_ALERT_RECEIVED &&
                  r.alert == GNUTLS_A_CERTIFICATE_REQUIRED, "rc %d read %d alert %d", r.rc, r.read_rc, r.alert);
    } else if (!strcmp(n, "origin-mtls")) {
        /* the origin requires a client certificate; the case has origin mTLS
         * and a usable copy of the distribution's (refused by the origin:
         * test_lab_scenarios diagnoses it) */
        tls_client(c.https_port, c.origin_domain, "NORMAL:-VERS-ALL:+VERS-TLS1.2", NULL, 5000, &r);
        CHECK(r.rc == GNUTLS_E_FATAL_ALERT_RECEIVED);
        CHECK(c.origin_mtls && c.client_cert && c.client_key);
        char *cc_err = NULL;
        od_client_cert *cc = c.client_cert ? od_client_cert_load(c.client_cert, c.client_key, &cc_err) : NULL;
        CHECK_MSG(cc && od_client_cert_subject(cc) && strstr(od_client_cert_subject(cc), "CloudFront"),
                  "the lab's client certificate: %s", cc_err ? cc_err : "no subject");
        od_client_cert_free(cc);
        free(cc_err);
    } else if (!strcmp(n, "port-closed")) {
        int fd = connect_to("127.0.0.1", c.https_port);
        CHECK(fd < 0 && errno == ECONNREFUSED);
        if (fd >= 0)
            close(fd);
    } else if (!strcmp(n, "firewall-drop")) {
        /* the SYN goes unanswered: a non-blocking connect is still pending after 300 ms */
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c.https_port)};
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
        int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
        CHECK(rc < 0 && errno == EINPROGRESS);
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        CHECK(poll(&p, 1, 300) == 0);
        close(fd);
        CHECK(c.timeout_s == 2);
    } else if (!strcmp(n, "s3-website")) {
        /* named like an S3 website endpoint, HTTP only, reached with https-only */
        CHECK(strstr(c.origin_domain, ".s3-website-") && c.protocol_policy == OD_POLICY_HTTPS_ONLY);
        tls_client(c.https_port, c.origin_domain, NULL, NULL, 3000, &r);
        CHECK(r.rc < 0 && r.rc != GNUTLS_E_TIMEDOUT);
    } else if (!strcmp(n, "plain-http")) {
        tls_client(c.https_port, c.origin_domain, NULL, NULL, 3000, &r);
        CHECK(r.rc < 0 && r.rc != GNUTLS_E_TIMEDOUT);
    } else if (!strcmp(n, "silent")) {
        CHECK(c.timeout_s == 2);
        tls_client(c.https_port, c.origin_domain, NULL, NULL, 200, &r);
        CHECK(r.rc == GNUTLS_E_TIMEDOUT);
    } else if (!strcmp(n, "http-silent")) {
        CHECK(c.timeout_s == 2);
        lab_check(n, &c, &r);
        CHECK(r.verify == 0);
    } else if (!strcmp(n, "idn-name")) {
        /* the certificate holds the A-label; a verifying client given it is content */
        tls_client_verify(c.https_port, "xn--bcher-kva.example.test", NULL, NULL, 5000, c.trust_store,
                          "xn--bcher-kva.example.test", &r);
        CHECK(r.rc == 0 && r.verify == 0);
    } else if (!strcmp(n, "escape-subject")) {
        lab_check(n, &c, &r);
        CHECK(r.verify == 0);
        /* the raw escape sequence is really in the certificate sent */
        bool has_escape = false;
        for (size_t k = 0; r.n_peers >= 1 && k + 4 <= r.peers[0].size; k++)
            has_escape = has_escape || memcmp(r.peers[0].data + k, "\x1b[2J", 4) == 0;
        CHECK(has_escape);
    } else if (!strcmp(n, "aaaa-only")) {
        /* a healthy origin on ::1, and only there */
        CHECK(c.n_resolve >= 2 && c.ip_address_type == OD_IP_V4);
        tls_client_verify_at("::1", c.https_port, c.origin_domain, NULL, NULL, 5000, c.trust_store, c.origin_domain,
                             &r);
        CHECK_MSG(r.rc == 0 && r.verify == 0, "aaaa-only on ::1: rc %d verify 0x%x", r.rc, r.verify);
        int fd4 = connect_to("127.0.0.1", c.https_port);
        CHECK_MSG(fd4 < 0 && errno == ECONNREFUSED, "aaaa-only answers on 127.0.0.1 too");
        if (fd4 >= 0)
            close(fd4);
    } else {
        CHECK_MSG(false, "scenario %s has no check here", n);
    }
    result_free(&r);

    char *trust = od_xstrdup(c.trust_store);
    od_lab_stop(lab);
    CHECK(access(trust, F_OK) != 0);   /* the folder is gone */
    free(trust);
    int fd = connect_to(addr, c.https_port);
    CHECK(fd < 0);
    if (fd >= 0)
        close(fd);
    od_case_free(&c);
}

static void test_lab(void)
{
    size_t n = 0;
    const od_lab_scenario *all = od_lab_scenarios(&n);
    CHECK(n >= 22);
    CHECK(od_lab_find("wrong-order") != NULL);
    char *expect = od_lab_expect_text(od_lab_find("wrong-order"));
    CHECK_STR(expect, "CHAIN_WRONG_ORDER");
    free(expect);
    expect = od_lab_expect_text(od_lab_find("healthy"));
    CHECK_STR(expect, "");
    free(expect);
    CHECK(od_lab_find("no-such-scenario") == NULL);
    od_case c;
    od_case_init(&c);
    char *err = NULL;
    CHECK(od_lab_start("no-such\x1b[31m", &c, &err) == NULL && err && !strchr(err, '\x1b'));
    free(err);
    od_case_free(&c);
    bool ipv6 = check_ipv6_loopback("labserver: the aaaa-only scenario (its origin listens on ::1)");
    for (size_t i = 0; i < n; i++)
        if (ipv6 || strcmp(all[i].name, "aaaa-only") != 0)
            test_lab_scenario(&all[i]);
}

int main(void)
{
    gnutls_global_init();
    od_gen_cert root = make("CN=Lab Test Root,O=origin-doctor lab", NULL, true, OD_KEY_ECDSA_P256, NULL);
    od_gen_cert ica1 = make("CN=Lab Test ICA1,O=origin-doctor lab", NULL, true, OD_KEY_ECDSA_P256, &root);
    od_gen_cert ica2 = make("CN=Lab Test ICA2,O=origin-doctor lab", NULL, true, OD_KEY_ECDSA_P256, &ica1);
    od_gen_cert leaf = make("CN=a.example.test", "a.example.test", false, OD_KEY_RSA2048, &ica2);
    od_gen_cert dflt = make("CN=default.example.test", "default.example.test", false, OD_KEY_ECDSA_P256, &root);
    od_gen_cert named = make("CN=a.example.test", "a.example.test", false, OD_KEY_ECDSA_P256, &root);

    test_chain_as_given(&root, &ica1, &ica2, &leaf);
    test_sni(&dflt, &named);
    test_tls_variants(&named);
    test_concurrency(&named);
    test_other_modes();
    test_required_header_and_log();
    test_lab();

    od_gen_cert *all[] = { &root, &ica1, &ica2, &leaf, &dflt, &named };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        od_gen_cert_free(all[i]);
    gnutls_global_deinit();
    return check_done("labserver");
}
