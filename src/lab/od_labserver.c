/* The lab's GnuTLS origin, bound to 127.0.0.1 (or ::1) only. Each identity has its
 * own credentials loaded with gnutls_certificate_set_key() from a pcert
 * list, so the chain goes on the wire exactly as given (the file/mem
 * loaders re-sort and drop certificates: gnutls-notes.md section 2). The
 * identity is chosen from the client's SNI after the ClientHello. */
#include "od_labserver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/abstract.h>

#include "od_util.h"

#define MAX_CONNECTIONS 64
#define MAX_REQUEST_HEAD 16384
#define HANDSHAKE_TIMEOUT_MS 15000
#define REQUEST_TIMEOUT_MS 15000
#define HTTP_SILENT_MAX_MS 60000

/* Every CloudFront suite (RC4, 3DES, CBC-SHA256/384, static RSA) and
 * every protocol GnuTLS still has. */
static const char PERMISSIVE_PRIORITY[] =
    "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:+RSA:+ARCFOUR-128:+MD5:+3DES-CBC:+SHA256:+SHA384:+GROUP-ALL";

typedef struct {
    gnutls_certificate_credentials_t cred;
    char *sni;   /* NULL: any name */
} lab_identity;

typedef struct {
    struct od_lab_server *server;
    pthread_t thread;
    int fd;
    bool in_use;
    atomic_bool done;
} lab_connection;

struct od_lab_server {
    od_lab_mode mode;
    int listen_fd;
    int filler_fd;            /* OD_LAB_DROP: the connection that keeps the accept queue full */
    int wake_pipe[2];            /* written once on stop; never drained, so every poll wakes */
    pthread_t accept_thread;
    bool accept_started;
    lab_identity identities[4];
    size_t n_identities;
    gnutls_priority_t priority;
    bool tls13_only;          /* the priority enables TLS 1.3 and no other version */
    bool require_client_cert;
    bool verify_client_cert;   /* against the client CA in the credentials */
    bool reject_without_sni;
    int http_status;
    bool http_silent;
    char *required_name, *required_value;   /* answer 403 without this header (NULL: none) */
    int log_fd;               /* request heads are appended here; -1: none */
    lab_connection connections[MAX_CONNECTIONS];
    atomic_size_t accepted;   /* connections accepted so far (tests count probes with it) */
};

/* ---- transport ---------------------------------------------------------- */

/* send() without SIGPIPE when the client has already gone. */
static ssize_t push_nosignal(gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
    int fd = (int)(intptr_t)ptr;
    return send(fd, data, len, MSG_NOSIGNAL);
}

static void send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        data += n;
        len -= (size_t)n;
    }
}

/* Waits until fd is readable, the server stops or timeout_ms passes
 * (-1: no limit). 1 readable, 0 stop/timeout, -1 error. */
static int wait_readable(const od_lab_server *s, int fd, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? -1 : od_now_ms() + timeout_ms;
    for (;;) {
        int wait_ms = -1;
        if (deadline >= 0) {
            int64_t left = deadline - od_now_ms();
            if (left <= 0)
                return 0;
            wait_ms = left > 1000 ? 1000 : (int)left;
        }
        struct pollfd p[2] = { { fd, POLLIN, 0 }, { s->wake_pipe[0], POLLIN, 0 } };
        int n = poll(p, 2, wait_ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (p[1].revents)
            return 0;
        if (p[0].revents)
            return 1;
    }
}

static bool stopping(const od_lab_server *s)
{
    struct pollfd p = { s->wake_pipe[0], POLLIN, 0 };
    return poll(&p, 1, 0) > 0;
}

/* Keeps a connection open and silent until the peer leaves, the server
 * stops or timeout_ms passes; whatever the peer sends is discarded. */
static void hold_silently(const od_lab_server *s, int fd, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? -1 : od_now_ms() + timeout_ms;
    for (;;) {
        int left = -1;
        if (deadline >= 0) {
            int64_t l = deadline - od_now_ms();
            if (l <= 0)
                return;
            left = (int)l;
        }
        if (wait_readable(s, fd, left) != 1)
            return;
        char sink[4096];
        ssize_t n = recv(fd, sink, sizeof sink, 0);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
            return;
    }
}

/* ---- HTTP --------------------------------------------------------------- */

static const char *status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

static char *http_response(int status, bool head_request, size_t *len)
{
    char *body = od_xasprintf("origin-doctor lab: %d %s\n", status, status_text(status));
    od_buf b;
    od_buf_init(&b);
    od_buf_printf(&b, "HTTP/1.1 %d %s\r\nServer: origin-doctor-lab\r\nContent-Type: text/plain\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                  status, status_text(status), strlen(body));
    if (!head_request)
        od_buf_puts(&b, body);
    free(body);
    *len = b.len;
    return od_buf_steal(&b);
}

static bool head_complete(const char *buf, size_t len)
{
    for (size_t i = 0; i + 3 < len; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return true;
    for (size_t i = 0; i + 1 < len; i++)
        if (buf[i] == '\n' && buf[i + 1] == '\n')
            return true;
    return false;
}

static bool is_head_request(const char *buf, size_t len)
{
    return len >= 5 && memcmp(buf, "HEAD ", 5) == 0;
}

/* Whether the head holds the header name: value (name in any case, value
 * exactly, around optional whitespace). */
static bool has_header(const char *buf, size_t len, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    const char *end = buf + len;
    const char *line = memchr(buf, '\n', len);
    while (line && ++line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol)
            break;
        const char *stop = eol > line && eol[-1] == '\r' ? eol - 1 : eol;
        if ((size_t)(stop - line) > nl && line[nl] == ':' && od_strncasecmp(line, name, nl) == 0) {
            const char *v = line + nl + 1;
            while (v < stop && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = stop;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            if ((size_t)(ve - v) == vl && memcmp(v, value, vl) == 0)
                return true;
        }
        line = eol;
    }
    return false;
}

/* Logs the request head, and the status it gets. One write per request
 * (O_APPEND): lines of concurrent connections never interleave. */
static int answer_status(od_lab_server *s, const char *buf, size_t len, int status)
{
    if (s->required_name && !has_header(buf, len, s->required_name, s->required_value))
        status = 403;
    if (s->log_fd >= 0) {
        char *entry = od_xasprintf("%.*s", (int)len, buf);
        ssize_t w = write(s->log_fd, entry, strlen(entry));
        (void)w;   /* a test log: a short write shows as a failed assertion there */
        free(entry);
    }
    return status;
}

/* ---- TLS connection ----------------------------------------------------- */

static const lab_identity *pick_identity(const od_lab_server *s, const char *sni)
{
    if (sni) {
        for (size_t i = 0; i < s->n_identities; i++)
            if (s->identities[i].sni && od_strcasecmp(s->identities[i].sni, sni) == 0)
                return &s->identities[i];
        for (size_t i = 0; i < s->n_identities; i++)
            if (!s->identities[i].sni)
                return &s->identities[i];
    }
    if (s->reject_without_sni)
        return NULL;
    return &s->identities[0];
}

/* Runs after the ClientHello is parsed and before the certificate is
 * chosen: switch credentials by SNI, or refuse. */
static int post_client_hello(gnutls_session_t session)
{
    const od_lab_server *s = gnutls_session_get_ptr(session);
    char name[256];
    size_t name_len = sizeof name - 1;
    unsigned type = 0;
    const char *sni = NULL;
    if (gnutls_server_name_get(session, name, &name_len, &type, 0) == 0 && type == GNUTLS_NAME_DNS) {
        name[name_len < sizeof name ? name_len : sizeof name - 1] = '\0';
        sni = name;
    }
    const lab_identity *id = pick_identity(s, sni);
    if (!id)
        return GNUTLS_E_UNRECOGNIZED_NAME;   /* gnutls_alert_send_appropriate: alert 112 */
    return gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, id->cred);
}

static void serve_http_over_tls(od_lab_server *s, gnutls_session_t session, int fd)
{
    char buf[MAX_REQUEST_HEAD];
    size_t len = 0;
    gnutls_record_set_timeout(session, 1000);
    int64_t deadline = od_now_ms() + REQUEST_TIMEOUT_MS;
    while (len < sizeof buf && !head_complete(buf, len)) {
        if (od_now_ms() > deadline)
            return;
        if (gnutls_record_check_pending(session) == 0) {
            int r = wait_readable(s, fd, 1000);
            if (r < 0 || stopping(s))
                return;
            if (r == 0)
                continue;
        }
        ssize_t n = gnutls_record_recv(session, buf + len, sizeof buf - len);
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_TIMEDOUT)
            continue;
        if (n <= 0)
            return;
        len += (size_t)n;
    }
    if (s->http_silent) {
        hold_silently(s, fd, HTTP_SILENT_MAX_MS);
        return;
    }
    size_t resp_len = 0;
    char *resp = http_response(answer_status(s, buf, len, s->http_status), is_head_request(buf, len), &resp_len);
    size_t off = 0;
    while (off < resp_len) {
        ssize_t n = gnutls_record_send(session, resp + off, resp_len - off);
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    free(resp);
    if (off == resp_len)
        gnutls_bye(session, GNUTLS_SHUT_WR);
}

static void serve_tls(od_lab_server *s, int fd)
{
    gnutls_session_t session;
    if (gnutls_init(&session, GNUTLS_SERVER) < 0)
        return;
    gnutls_session_set_ptr(session, s);
    if (gnutls_priority_set(session, s->priority) < 0 ||
        gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, s->identities[0].cred) < 0) {
        gnutls_deinit(session);
        return;
    }
    gnutls_handshake_set_post_client_hello_function(session, post_client_hello);
    if (s->require_client_cert)
        gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
    if (s->verify_client_cert)
        gnutls_session_set_verify_cert(session, NULL, 0);   /* refuses a client certificate from another CA */
    gnutls_transport_set_int(session, fd);
    gnutls_transport_set_push_function(session, push_nosignal);
    gnutls_handshake_set_timeout(session, HANDSHAKE_TIMEOUT_MS);

    int rc;
    do {
        rc = gnutls_handshake(session);
    } while (rc < 0 && gnutls_error_is_fatal(rc) == 0);
    if (rc < 0 && rc != GNUTLS_E_FATAL_ALERT_RECEIVED && s->tls13_only &&
        gnutls_protocol_get_version(session) != GNUTLS_TLS1_3)
        /* A TLS 1.3-only GnuTLS server answers an older ClientHello with
         * handshake_failure; OpenSSL (nginx, Apache) and RFC 8446 4.2.1 say
         * protocol_version. The lab stages the common server. */
        gnutls_alert_send(session, GNUTLS_AL_FATAL, GNUTLS_A_PROTOCOL_VERSION);
    else if (rc < 0)
        gnutls_alert_send_appropriate(session, rc);   /* else the client sees only a closed socket */
    else
        serve_http_over_tls(s, session, fd);
    gnutls_deinit(session);
}

/* ---- plain HTTP --------------------------------------------------------- */

static void serve_plain_http(od_lab_server *s, int fd)
{
    char buf[MAX_REQUEST_HEAD];
    size_t len = 0;
    int64_t deadline = od_now_ms() + REQUEST_TIMEOUT_MS;
    while (len < sizeof buf && !head_complete(buf, len)) {
        int64_t left = deadline - od_now_ms();
        if (left <= 0 || wait_readable(s, fd, (int)left) != 1)
            return;
        ssize_t n = recv(fd, buf + len, sizeof buf - len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        len += (size_t)n;
        /* Not a request line (a TLS ClientHello starts with 0x16): answer
         * at once, as a plain HTTP server does to garbage. */
        if ((unsigned char)buf[0] < 'A' || (unsigned char)buf[0] > 'Z')
            break;
    }
    bool looks_http = len > 0 && (unsigned char)buf[0] >= 'A' && (unsigned char)buf[0] <= 'Z';
    int status = looks_http ? answer_status(s, buf, len, s->http_status) : 400;
    size_t resp_len = 0;
    char *resp = http_response(status, looks_http && is_head_request(buf, len), &resp_len);
    send_all(fd, resp, resp_len);
    free(resp);
    shutdown(fd, SHUT_WR);
}

/* ---- threads ------------------------------------------------------------ */

static void *connection_main(void *arg)
{
    lab_connection *c = arg;
    od_lab_server *s = c->server;
    switch (s->mode) {
    case OD_LAB_TLS:
        serve_tls(s, c->fd);
        break;
    case OD_LAB_PLAIN_HTTP:
        serve_plain_http(s, c->fd);
        break;
    case OD_LAB_SILENT:
        hold_silently(s, c->fd, -1);
        break;
    case OD_LAB_CLOSED:
    case OD_LAB_DROP:   /* no accept thread in these modes */
        break;
    }
    atomic_store(&c->done, true);
    return NULL;
}

/* The accept thread owns the connection table: it starts, reaps and
 * finally closes every connection (the fd stays open until the join,
 * so stop can shutdown() it safely). */
static void reap(od_lab_server *s, bool all)
{
    for (size_t i = 0; i < MAX_CONNECTIONS; i++) {
        lab_connection *c = &s->connections[i];
        if (!c->in_use)
            continue;
        if (all && !atomic_load(&c->done))
            shutdown(c->fd, SHUT_RDWR);   /* unblocks a GnuTLS read */
        if (all || atomic_load(&c->done)) {
            pthread_join(c->thread, NULL);
            close(c->fd);
            c->in_use = false;
        }
    }
}

static lab_connection *free_slot(od_lab_server *s)
{
    for (size_t i = 0; i < MAX_CONNECTIONS; i++)
        if (!s->connections[i].in_use)
            return &s->connections[i];
    return NULL;
}

static void *accept_main(void *arg)
{
    od_lab_server *s = arg;
    for (;;) {
        reap(s, false);
        lab_connection *slot = free_slot(s);
        struct pollfd p[2] = { { s->wake_pipe[0], POLLIN, 0 }, { s->listen_fd, POLLIN, 0 } };
        /* With every slot busy, leave new clients in the backlog for a moment. */
        int n = poll(p, slot ? 2 : 1, slot ? 500 : 20);
        if (n < 0 && errno != EINTR)
            break;
        if (n <= 0)
            continue;
        if (p[0].revents)
            break;
        if (!slot || !(p[1].revents & POLLIN))
            continue;
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        atomic_fetch_add(&s->accepted, 1);
        /* The listener is non-blocking; the connection must not be. */
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
            fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        /* Without this each server flight waits ~40 ms for the client's delayed ACK. */
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        slot->server = s;
        slot->fd = fd;
        atomic_store(&slot->done, false);
        if (pthread_create(&slot->thread, NULL, connection_main, slot) != 0) {
            close(fd);
            continue;
        }
        slot->in_use = true;
    }
    reap(s, true);
    return NULL;
}

/* ---- setup -------------------------------------------------------------- */

static int load_identity(lab_identity *id, const od_lab_identity *spec, char **error)
{
    if (spec->chain_len == 0 || !spec->chain || !spec->chain[0] || !spec->chain[0]->key) {
        *error = od_xstrdup("lab server: an identity needs a chain whose first certificate has a key");
        return -1;
    }
    int rc = gnutls_certificate_allocate_credentials(&id->cred);
    if (rc < 0) {
        id->cred = NULL;
        *error = od_xasprintf("lab server: credentials: %s", gnutls_strerror(rc));
        return -1;
    }
    gnutls_pcert_st *pcerts = od_xcalloc(spec->chain_len, sizeof *pcerts);
    size_t imported = 0;
    gnutls_privkey_t key = NULL;
    for (; imported < spec->chain_len; imported++) {
        gnutls_datum_t der = { NULL, 0 };
        rc = gnutls_x509_crt_export2(spec->chain[imported]->crt, GNUTLS_X509_FMT_DER, &der);
        if (rc >= 0) {
            rc = gnutls_pcert_import_x509_raw(&pcerts[imported], &der, GNUTLS_X509_FMT_DER, 0);
            gnutls_free(der.data);
        }
        if (rc < 0)
            goto fail;
    }
    if ((rc = gnutls_privkey_init(&key)) < 0)
        goto fail;
    if ((rc = gnutls_privkey_import_x509(key, spec->chain[0]->key, GNUTLS_PRIVKEY_IMPORT_COPY)) < 0)
        goto fail;
    rc = gnutls_certificate_set_key(id->cred, NULL, 0, pcerts, (int)spec->chain_len, key);
    if (rc < 0)
        goto fail;
    free(pcerts);   /* the elements now belong to the credentials, not the array */
    id->sni = od_xstrdup(spec->sni);
    return 0;
fail:
    *error = od_xasprintf("lab server: loading the chain: %s", gnutls_strerror(rc));
    for (size_t i = 0; i < imported; i++)
        gnutls_pcert_deinit(&pcerts[i]);
    free(pcerts);
    if (key)
        gnutls_privkey_deinit(key);
    gnutls_certificate_free_credentials(id->cred);
    id->cred = NULL;
    return -1;
}

/* Every identity verifies client certificates against ca. */
static int trust_client_ca(od_lab_server *s, const od_gen_cert *ca, char **error)
{
    gnutls_datum_t der = {NULL, 0};
    int rc = gnutls_x509_crt_export2(ca->crt, GNUTLS_X509_FMT_DER, &der);
    for (size_t i = 0; rc >= 0 && i < s->n_identities; i++)
        rc = gnutls_certificate_set_x509_trust_mem(s->identities[i].cred, &der, GNUTLS_X509_FMT_DER);
    gnutls_free(der.data);
    if (rc < 0) {
        *error = od_xasprintf("lab server: the client CA: %s", gnutls_strerror(rc));
        return -1;
    }
    s->verify_client_cert = true;
    return 0;
}

/* The loopback address of the family the server listens on (never a
 * wildcard address): 127.0.0.1, or ::1. */
static socklen_t loopback_address(bool ipv6, int port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (ipv6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_addr = in6addr_loopback;
        a6->sin6_port = htons((uint16_t)port);
        return sizeof *a6;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    a4->sin_family = AF_INET;
    a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a4->sin_port = htons((uint16_t)port);
    return sizeof *a4;
}

static int bind_loopback(int port, bool ipv6, int *bound_port, char **error)
{
    int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = od_xasprintf("lab server: socket: %s", od_strerror(errno, &(od_errbuf){0}));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_storage addr;
    socklen_t alen = loopback_address(ipv6, port, &addr);
    if (bind(fd, (struct sockaddr *)&addr, alen) < 0 || getsockname(fd, (struct sockaddr *)&addr, &alen) < 0) {
        *error = od_xasprintf("lab server: bind %s:%d: %s", ipv6 ? "[::1]" : "127.0.0.1", port,
                              od_strerror(errno, &(od_errbuf){0}));
        close(fd);
        return -1;
    }
    *bound_port = ntohs(ipv6 ? ((struct sockaddr_in6 *)&addr)->sin6_port : ((struct sockaddr_in *)&addr)->sin_port);
    return fd;
}

static void free_server(od_lab_server *s)
{
    for (size_t i = 0; i < s->n_identities; i++) {
        if (s->identities[i].cred)
            gnutls_certificate_free_credentials(s->identities[i].cred);
        free(s->identities[i].sni);
    }
    if (s->priority)
        gnutls_priority_deinit(s->priority);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    if (s->filler_fd >= 0)
        close(s->filler_fd);
    if (s->wake_pipe[0] >= 0)
        close(s->wake_pipe[0]);
    if (s->wake_pipe[1] >= 0)
        close(s->wake_pipe[1]);
    if (s->log_fd >= 0)
        close(s->log_fd);
    free(s->required_name);
    free(s->required_value);
    free(s);
}

od_lab_server *od_lab_server_start(const od_lab_config *cfg, int *port, char **error)
{
    *error = NULL;
    od_lab_server *s = od_xcalloc(1, sizeof *s);
    s->mode = cfg->mode;
    s->listen_fd = -1;
    s->filler_fd = -1;
    s->wake_pipe[0] = s->wake_pipe[1] = -1;
    s->require_client_cert = cfg->require_client_cert;
    s->reject_without_sni = cfg->reject_without_sni;
    s->http_status = cfg->http_status ? cfg->http_status : 200;
    s->http_silent = cfg->http_silent;
    s->log_fd = -1;
    if (cfg->required_header) {
        const char *colon = strchr(cfg->required_header, ':');
        const char *v = colon ? colon + 1 : "";
        while (*v == ' ')
            v++;
        s->required_name = od_xstrndup(cfg->required_header, colon ? (size_t)(colon - cfg->required_header) : 0);
        s->required_value = od_xstrdup(v);
    }
    if (cfg->request_log) {
        s->log_fd = open(cfg->request_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (s->log_fd < 0) {
            *error = od_xasprintf("lab server: request log: %s", od_strerror(errno, &(od_errbuf){0}));
            free_server(s);
            return NULL;
        }
    }

    if (cfg->mode == OD_LAB_DROP) {
        /* A listener with a zero backlog whose one queue slot is taken by a
         * connection nobody accepts: Linux then drops further SYNs, so a
         * connect times out as it does behind a firewall that drops. */
        s->listen_fd = bind_loopback(cfg->port, cfg->ipv6, port, error);
        if (s->listen_fd < 0 || listen(s->listen_fd, 0) < 0) {
            if (!*error)
                *error = od_xasprintf("lab server: listen: %s", od_strerror(errno, &(od_errbuf){0}));
            free_server(s);
            return NULL;
        }
        struct sockaddr_storage a;
        socklen_t alen = loopback_address(cfg->ipv6, *port, &a);
        s->filler_fd = socket(cfg->ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
        if (s->filler_fd < 0 || connect(s->filler_fd, (struct sockaddr *)&a, alen) < 0) {
            *error = od_xasprintf("lab server: filling the accept queue: %s", od_strerror(errno, &(od_errbuf){0}));
            free_server(s);
            return NULL;
        }
        return s;
    }

    if (cfg->mode == OD_LAB_CLOSED) {
        /* Reserve an ephemeral port and release it: connecting is refused. */
        int fd = bind_loopback(cfg->port, cfg->ipv6, port, error);
        if (fd < 0) {
            free_server(s);
            return NULL;
        }
        close(fd);
        return s;
    }

    if (cfg->mode == OD_LAB_TLS) {
        if (cfg->n_identities == 0 || cfg->n_identities > sizeof cfg->identities / sizeof cfg->identities[0]) {
            *error = od_xstrdup("lab server: TLS mode needs 1 to 4 identities");
            free_server(s);
            return NULL;
        }
        for (size_t i = 0; i < cfg->n_identities; i++) {
            if (load_identity(&s->identities[i], &cfg->identities[i], error) < 0) {
                s->n_identities = i;
                free_server(s);
                return NULL;
            }
            s->n_identities = i + 1;
        }
        if (cfg->client_ca && trust_client_ca(s, cfg->client_ca, error) < 0) {
            free_server(s);
            return NULL;
        }
        const char *err_pos = NULL;
        const char *prio = cfg->priority ? cfg->priority : PERMISSIVE_PRIORITY;
        s->tls13_only = strstr(prio, "-VERS-ALL") && strstr(prio, "+VERS-TLS1.3") && !strstr(prio, "+VERS-TLS1.2") &&
                        !strstr(prio, "+VERS-TLS1.1") && !strstr(prio, "+VERS-TLS1.0");
        int rc = gnutls_priority_init(&s->priority, prio, &err_pos);
        if (rc < 0) {
            s->priority = NULL;
            *error = od_xasprintf("lab server: priority \"%s\": %s", prio, gnutls_strerror(rc));
            free_server(s);
            return NULL;
        }
    }

    if (pipe(s->wake_pipe) < 0) {
        s->wake_pipe[0] = s->wake_pipe[1] = -1;
        *error = od_xasprintf("lab server: pipe: %s", od_strerror(errno, &(od_errbuf){0}));
        free_server(s);
        return NULL;
    }
    s->listen_fd = bind_loopback(cfg->port, cfg->ipv6, port, error);
    if (s->listen_fd < 0) {
        free_server(s);
        return NULL;
    }
    int fl = fcntl(s->listen_fd, F_GETFL);
    if (listen(s->listen_fd, 128) < 0 || fl < 0 || fcntl(s->listen_fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        *error = od_xasprintf("lab server: listen: %s", od_strerror(errno, &(od_errbuf){0}));
        free_server(s);
        return NULL;
    }
    if (pthread_create(&s->accept_thread, NULL, accept_main, s) != 0) {
        *error = od_xstrdup("lab server: cannot start its thread");
        free_server(s);
        return NULL;
    }
    s->accept_started = true;
    return s;
}

void od_lab_server_stop(od_lab_server *s)
{
    if (!s)
        return;
    if (s->accept_started) {
        ssize_t w;
        do {
            w = write(s->wake_pipe[1], "x", 1);
        } while (w < 0 && errno == EINTR);
        pthread_join(s->accept_thread, NULL);
    }
    free_server(s);
}

size_t od_lab_server_accepted(od_lab_server *s)
{
    return s ? atomic_load(&s->accepted) : 0;
}
