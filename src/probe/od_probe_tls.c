/* TLS probe: one bounded handshake with GnuTLS, recorded as facts
 * (version, suite, group, alert, chain as sent) and classified the way
 * CloudFront's failures differ (not TLS, timeout, alert, client
 * certificate required, closed). Trusts nothing: the chain is analysed
 * elsewhere, from the DER list captured here, even after a failure. */
#include "od_tls_session.h"
#include "od_client_hello.h"
#include "od_client_cert.h"
#include "od_first_bytes.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

const char od_tls_permissive_priority[] =
    "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:+VERS-TLS1.2:+VERS-TLS1.3:+RSA:+ECDHE-RSA:+ECDHE-ECDSA:"
    "+ARCFOUR-128:+3DES-CBC:+AES-128-CBC:+AES-256-CBC:+MD5:+SHA1:+SHA256:+SHA384:"
    "+GROUP-ALL:+SIGN-ALL:+CTYPE-X509";

/* Returned by our handshake hooks to end gnutls_handshake or a read on
 * purpose: the origin has said what we wanted to know. */
#define OD_E_HEARD_ENOUGH GNUTLS_E_APPLICATION_ERROR_MAX
/* The longest wait for the verdict of an origin that answers neither our
 * KeyUpdate nor with a session ticket (only such an origin waits). */
#define CLIENT_CERT_VERDICT_MS 1000
/* Poll in slices so a cancel request is noticed mid-handshake. */
#define CANCEL_SLICE_MS 100
#define FIRST_BYTES 64
/* The largest handshake message accepted (GnuTLS's default is 128 KiB,
 * less than a certificate with 10 000 names). Larger: untested, said so. */
#define MAX_HANDSHAKE_MESSAGE (4u * 1024 * 1024)

struct od_tls_session {
    gnutls_session_t session;
    gnutls_certificate_credentials_t cred;   /* its own, or NULL: the run's shared ones */
    int fd;
    atomic_bool *cancel;
    int64_t deadline;                    /* absolute (od_now_ms) end of the current step */
    bool cert_requested;                 /* set by the retrieve callback */
    const od_client_cert *client_cert;   /* presented when asked (origin mTLS), or NULL */
    gnutls_pcert_st *pcerts;             /* client_cert imported for this session, once sent */
    unsigned n_pcerts;
    gnutls_privkey_t privkey;
    bool cert_sent;                      /* a certificate went out in answer to the request */
    bool stopped_at_hello;               /* handshake ended on purpose after the ServerHello */
    const od_hello_offer *rewrite;       /* send the ClientHello rewritten to this offer */
    bool hello_sent;                     /* the first record went out (rewritten) */
    bool rewrite_failed;                 /* GnuTLS's ClientHello could not be rewritten */
    bool stop_at_hello;                  /* end the handshake at the ServerHello */
    uint16_t chosen_code;                /* the suite in the ServerHello */
    bool chosen_known;
    unsigned char first[FIRST_BYTES];    /* the first bytes the peer sent */
    size_t n_first;
    /* Waiting for the client-certificate verdict: whole records received
     * since the handshake, and where the raw stream is in the current one. */
    bool verdict_wait;
    size_t verdict_records;
    unsigned char rec_header[5];
    size_t rec_header_have;
    size_t rec_body_left;
    /* errno of the last send or recv that failed (a reset by the origin,
     * or a failure of this machine), 0 if none */
    int io_errno;
};

/* Follows TLS record boundaries in the raw bytes received. */
static void count_records(od_tls_session *s, const unsigned char *p, size_t n)
{
    while (n > 0) {
        if (s->rec_body_left > 0) {
            size_t take = n < s->rec_body_left ? n : s->rec_body_left;
            s->rec_body_left -= take;
            p += take;
            n -= take;
            if (s->rec_body_left == 0)
                s->verdict_records++;
            continue;
        }
        s->rec_header[s->rec_header_have++] = *p++;
        n--;
        if (s->rec_header_have == sizeof s->rec_header) {
            s->rec_header_have = 0;
            s->rec_body_left = (size_t)s->rec_header[3] << 8 | s->rec_header[4];
            if (s->rec_body_left == 0)
                s->verdict_records++;
        }
    }
}

static bool cancelled(const atomic_bool *c)
{
    return c && atomic_load(c);
}

/* ---- transport: MSG_NOSIGNAL (a peer that hung up must not kill us
 * with SIGPIPE), a record of the first bytes (to recognise plain HTTP),
 * and cancellable waits ---- */

/* Waits until fd is ready for `events`, the step's absolute deadline
 * passes (0) or the run is cancelled (-1, errno ECANCELED). GnuTLS
 * restarts its own per-read timeout at every byte, so an origin dripping
 * one byte a second would never time out; this deadline does not move. */
static int wait_ready(od_tls_session *s, short events, int64_t until)
{
    for (;;) {
        /* Reads stop at a cancel; a write goes out (bounded by the
         * deadline): a request half sent would say nothing either way. */
        if (events == POLLIN && cancelled(s->cancel)) {
            errno = ECANCELED;
            return -1;
        }
        int64_t left = until - od_now_ms();
        if (left <= 0)
            return 0;
        struct pollfd pfd = { .fd = s->fd, .events = events };
        int rc = poll(&pfd, 1, left < CANCEL_SLICE_MS ? (int)left : CANCEL_SLICE_MS);
        if (rc > 0)
            return rc;
        if (rc < 0 && errno != EINTR)
            return -1;
    }
}

static bool past_deadline(const od_tls_session *s)
{
    return od_now_ms() >= s->deadline;
}

/* A send or recv failed: GnuTLS gets the errno, and the session keeps it
 * to tell a reset by the origin from a failure of this machine. */
static void transport_failed(od_tls_session *s, int err)
{
    gnutls_transport_set_errno(s->session, err);
    if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR && err != ECANCELED)
        s->io_errno = err;
}

/* A wait that ended at the deadline reports EAGAIN: GnuTLS hands it back
 * as GNUTLS_E_AGAIN and the callers, seeing the deadline passed, end the
 * step as a timeout. */
static int push_wait(od_tls_session *s)
{
    int rc = wait_ready(s, POLLOUT, s->deadline);
    if (rc == 0)
        gnutls_transport_set_errno(s->session, EAGAIN);
    else if (rc < 0)
        gnutls_transport_set_errno(s->session, errno);
    return rc;
}

/* The first record (GnuTLS's ClientHello) goes out as CloudFront's
 * (od_client_hello.h): all of it, bounded by the step's deadline, and
 * GnuTLS is told its own bytes were sent. Only the connection that ends at
 * the ServerHello is rewritten: GnuTLS's Finished covers the ClientHello it
 * wrote, so a rewritten handshake could not complete. */
static ssize_t send_rewritten_hello(od_tls_session *s, const unsigned char *rec, size_t len)
{
    s->hello_sent = true;
    unsigned char *w = NULL;
    size_t wlen = 0, left_out = 0;
    if (!od_client_hello_rewrite(rec, len, s->rewrite, &w, &wlen, &left_out)) {
        s->rewrite_failed = true;
        gnutls_transport_set_errno(s->session, EPROTO);
        return -1;
    }
    size_t done = 0;
    while (done < wlen) {
        if (push_wait(s) <= 0) {
            free(w);
            return -1;
        }
        ssize_t n = send(s->fd, w + done, wlen - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0) {
            gnutls_transport_set_errno(s->session, errno);
            free(w);
            return -1;
        }
        done += (size_t)n;
    }
    free(w);
    return (ssize_t)len;
}

static ssize_t push_fn(gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
    od_tls_session *s = ptr;
    if (s->rewrite && !s->hello_sent)
        return send_rewritten_hello(s, data, len);
    if (push_wait(s) <= 0)
        return -1;
    ssize_t n;
    do
        n = send(s->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        transport_failed(s, errno);
    return n;
}

/* Whole flights in one sendmsg: separate small writes would meet Nagle
 * and delayed ACKs, costing ~40 ms per handshake. */
static ssize_t vec_push_fn(gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt)
{
    od_tls_session *s = ptr;
    if (s->rewrite && !s->hello_sent) {
        size_t total = 0;
        for (int i = 0; i < iovcnt; i++)
            total += iov[i].iov_len;
        unsigned char *rec = od_xmalloc(total ? total : 1), *w = rec;
        for (int i = 0; i < iovcnt; i++) {
            memcpy(w, iov[i].iov_base, iov[i].iov_len);
            w += iov[i].iov_len;
        }
        ssize_t n = send_rewritten_hello(s, rec, total);
        free(rec);
        return n;
    }
    if (push_wait(s) <= 0)
        return -1;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = (struct iovec *)(uintptr_t)iov;   /* giovec_t is struct iovec */
    msg.msg_iovlen = (size_t)iovcnt;
    ssize_t n;
    do
        n = sendmsg(s->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        transport_failed(s, errno);
    return n;
}

static ssize_t recv_now(int fd, void *data, size_t len)
{
    ssize_t n;
    do
        n = recv(fd, data, len, MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    return n;
}

static ssize_t pull_fn(gnutls_transport_ptr_t ptr, void *data, size_t len)
{
    od_tls_session *s = ptr;
    /* GnuTLS asked pull_timeout_fn first: the bytes are usually there, and
     * a wait before each read would be one more system call. A cancelled
     * run reads nothing more (wait_ready says so). */
    ssize_t n = cancelled(s->cancel) ? (errno = EAGAIN, -1) : recv_now(s->fd, data, len);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        int ready = wait_ready(s, POLLIN, s->deadline);
        if (ready <= 0) {
            gnutls_transport_set_errno(s->session, ready == 0 ? EAGAIN : errno);
            return -1;
        }
        n = recv_now(s->fd, data, len);
    }
    if (n > 0 && s->verdict_wait)
        count_records(s, data, (size_t)n);
    if (n < 0) {
        transport_failed(s, errno);
    } else if (n > 0 && s->n_first < FIRST_BYTES) {
        size_t take = FIRST_BYTES - s->n_first;
        if (take > (size_t)n)
            take = (size_t)n;
        memcpy(s->first + s->n_first, data, take);
        s->n_first += take;
    }
    return n;
}

/* GnuTLS's wait for data: bounded by its own `ms` and by the step's
 * absolute deadline, whichever comes first (0: timed out). */
static int pull_timeout_fn(gnutls_transport_ptr_t ptr, unsigned int ms)
{
    od_tls_session *s = ptr;
    /* A whole record after the handshake that was not an alert (GnuTLS
     * would have returned that): the origin judged our empty certificate
     * and went on. No need to wait for more. */
    if (s->verdict_wait && s->verdict_records > 0 && s->rec_header_have == 0 && s->rec_body_left == 0)
        return 0;
    int64_t until = s->deadline;
    if (ms != GNUTLS_INDEFINITE_TIMEOUT && od_now_ms() + (int64_t)ms < until)
        until = od_now_ms() + (int64_t)ms;
    int rc = wait_ready(s, POLLIN, until);
    if (rc < 0)
        gnutls_transport_set_errno(s->session, errno);
    return rc;
}

/* Notes that a certificate was asked for, and answers as CloudFront
 * would: with none, unless origin mTLS is set up and a copy of the
 * distribution's certificate was given. That one is sent whatever CA names
 * the origin lists (CloudFront does not choose), so an origin that does not
 * trust it refuses it, as it would refuse CloudFront. (A certificate set
 * with gnutls_certificate_set_x509_key_file would be left out when its
 * issuer is not among the names the origin lists.) */
static int retrieve_fn(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                       const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                       gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
    (void)req_ca_rdn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    od_tls_session *s = gnutls_session_get_ptr(session);
    *pcert = NULL;
    *pcert_length = 0;
    *privkey = NULL;
    if (!s)
        return 0;
    s->cert_requested = true;
    /* GnuTLS keeps the pointers for the session: they live in s. */
    if (s->client_cert && !s->privkey &&
        od_client_cert_import(s->client_cert, &s->pcerts, &s->n_pcerts, &s->privkey) < 0)
        return -1;
    if (s->privkey) {
        *pcert = s->pcerts;
        *pcert_length = s->n_pcerts;
        *privkey = s->privkey;
        s->cert_sent = true;
    }
    return 0;
}

/* A suite or protocol probe only needs what the origin chose: the
 * ServerHello says it, one round trip before the handshake would end. */
static int server_hello_hook(gnutls_session_t session, unsigned int htype, unsigned when, unsigned int incoming,
                             const gnutls_datum_t *msg)
{
    (void)when;
    if (!incoming || htype != GNUTLS_HANDSHAKE_SERVER_HELLO)
        return 0;
    /* The suite's code, for the handshake that follows CloudFront's offer:
     * server_version(2) random(32) session_id(1+n) cipher_suite(2). */
    od_tls_session *s = gnutls_session_get_ptr(session);
    const unsigned char *b = msg ? msg->data : NULL;
    size_t n = msg ? msg->size : 0;
    if (b && n >= 4 && b[0] == GNUTLS_HANDSHAKE_SERVER_HELLO && ((size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3]) == n - 4) {
        b += 4;   /* with its handshake header */
        n -= 4;
    }
    if (s && b && n >= 35 && n >= 35 + (size_t)b[34] + 2) {
        s->chosen_code = (uint16_t)(b[35 + b[34]] << 8 | b[36 + b[34]]);
        s->chosen_known = true;
    }
    return s && !s->stop_at_hello ? 0 : OD_E_HEARD_ENOUGH;
}

/* After the handshake, any handshake message from the origin (a session
 * ticket, or its answer to our KeyUpdate) means it judged our empty
 * certificate and went on. */
static int post_handshake_hook(gnutls_session_t session, unsigned int htype, unsigned when, unsigned int incoming,
                               const gnutls_datum_t *msg)
{
    (void)session;
    (void)htype;
    (void)when;
    (void)msg;
    return incoming ? OD_E_HEARD_ENOUGH : 0;
}

/* "GNUTLS_A_HANDSHAKE_FAILURE" -> "handshake_failure". */
static char *alert_token(int alert)
{
    const char *s = gnutls_alert_get_strname((gnutls_alert_description_t)alert);
    if (!s)
        return od_xasprintf("alert_%d", alert);
    if (strncmp(s, "GNUTLS_A_", 9) == 0)
        s += 9;
    return od_ascii_lower(od_xstrdup(s));
}

static bool looks_like_tls(const od_tls_session *s)
{
    od_first_kind k = od_first_bytes_kind(s->first, s->n_first);
    return k == OD_FIRST_NOTHING || k == OD_FIRST_TLS;
}

/* What the peer said instead of TLS: its first line, escaped. GnuTLS
 * stops after a 5-byte record header, so read a little more first. */
static char *not_tls_text(od_tls_session *s)
{
    int64_t until = od_now_ms() + 100;
    while (s->n_first < FIRST_BYTES && !memchr(s->first, '\n', s->n_first)) {
        int64_t left = until - od_now_ms();
        struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        ssize_t n = recv(s->fd, s->first + s->n_first, FIRST_BYTES - s->n_first, MSG_DONTWAIT);
        if (n <= 0)
            break;
        s->n_first += (size_t)n;
    }
    return od_first_bytes_not_tls_text(s->first, s->n_first);
}

static void copy_peers(od_tls_session *s, od_tls_capture *out)
{
    unsigned int n = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(s->session, &n);
    if (!peers || n == 0)
        return;
    out->der = od_xcalloc(n, sizeof *out->der);
    out->der_len = od_xcalloc(n, sizeof *out->der_len);
    for (unsigned i = 0; i < n; i++) {
        out->der[i] = od_xmalloc(peers[i].size ? peers[i].size : 1);
        memcpy(out->der[i], peers[i].data, peers[i].size);
        out->der_len[i] = peers[i].size;
    }
    out->n_der = n;
}

static void record_negotiated(od_tls_session *s, od_handshake *hs)
{
    gnutls_protocol_t v = gnutls_protocol_get_version(s->session);
    const char *vname = gnutls_protocol_get_name(v);
    if (vname && !hs->version)
        hs->version = od_xstrdup(vname);
    const char *cs = gnutls_ciphersuite_get(s->session);
    if (cs && !hs->cipher)
        hs->cipher = od_xstrdup(cs);
    gnutls_group_t g = gnutls_group_get(s->session);
    const char *gname = g != GNUTLS_GROUP_INVALID ? gnutls_group_get_name(g) : NULL;
    if (gname && !hs->group)
        hs->group = od_xstrdup(gname);
}

static void note_alert(od_tls_session *s, od_handshake *hs)
{
    int a = (int)gnutls_alert_get(s->session);
    hs->alert = a;
    free(hs->alert_name);
    hs->alert_name = alert_token(a);
}

static bool client_cert_alert(int alert, bool requested)
{
    if (alert == GNUTLS_A_CERTIFICATE_REQUIRED)
        return true;
    return requested && (alert == GNUTLS_A_HANDSHAKE_FAILURE || alert == GNUTLS_A_DECODE_ERROR ||
                         alert == GNUTLS_A_BAD_CERTIFICATE);
}

/* After we sent a certificate: the alerts a server gives a client
 * certificate it does not take (RFC 8446 6.2; OpenSSL says unknown_ca or
 * certificate_unknown, GnuTLS bad_certificate, some handshake_failure). */
static bool client_cert_refusal_alert(int alert)
{
    switch (alert) {
    case GNUTLS_A_BAD_CERTIFICATE:
    case GNUTLS_A_UNSUPPORTED_CERTIFICATE:
    case GNUTLS_A_CERTIFICATE_REVOKED:
    case GNUTLS_A_CERTIFICATE_EXPIRED:
    case GNUTLS_A_CERTIFICATE_UNKNOWN:
    case GNUTLS_A_UNKNOWN_CA:
    case GNUTLS_A_ACCESS_DENIED:
    case GNUTLS_A_CERTIFICATE_REQUIRED:
    case GNUTLS_A_HANDSHAKE_FAILURE:
    case GNUTLS_A_DECODE_ERROR:
        return true;
    default:
        return false;
    }
}

/* The outcome of an alert or a close that followed the origin's request
 * for a certificate: refused (ours was sent), or required (none was). */
static od_tls_outcome client_cert_outcome(const od_handshake *hs)
{
    return hs->client_cert_sent ? OD_TLS_CLIENT_CERT_REFUSED : OD_TLS_CLIENT_CERT_REQUIRED;
}

/* The origin ended the connection with a reset (RST) rather than a close:
 * named as such, since that is what CloudFront meets too. */
static char *reset_text(int err, const char *when)
{
    const char *why = od_strerror(err, &(od_errbuf){0});
    if (err == ECONNRESET || err == ECONNABORTED || err == EPIPE)
        return od_xasprintf("the origin reset the connection %s (%s)", when, why);
    return od_xasprintf("the connection failed %s (%s)", when, why);
}

/* Classifies a failed handshake (rc < 0). */
static void classify_failure(od_tls_session *s, int rc, int timeout_ms, od_handshake *hs)
{
    bool requested = hs->client_cert_requested;
    free(hs->error);
    hs->error = NULL;
    if (cancelled(s->cancel)) {
        hs->outcome = OD_TLS_UNTESTED;
        hs->error = od_xstrdup("cancelled");
        return;
    }
    if (s->rewrite_failed) {
        hs->outcome = OD_TLS_UNTESTED;
        hs->error = od_xstrdup("this tool could not build CloudFront's ClientHello from GnuTLS's: not judged");
        return;
    }
    if (!looks_like_tls(s)) {
        hs->outcome = OD_TLS_NOT_TLS;
        hs->error = s->n_first ? not_tls_text(s)
                               : od_xasprintf("the origin did not answer with TLS (%s)", gnutls_strerror(rc));
        return;
    }
    switch (rc) {
    case GNUTLS_E_TIMEDOUT:
        hs->outcome = OD_TLS_TIMEOUT;
        hs->error = s->n_first ? od_xasprintf("the TLS handshake did not finish within %d ms", timeout_ms)
                               : od_xasprintf("connected, but no TLS answer within %d ms", timeout_ms);
        return;
    case GNUTLS_E_FATAL_ALERT_RECEIVED:
        note_alert(s, hs);
        if (hs->client_cert_sent)
            hs->outcome = client_cert_refusal_alert(hs->alert) ? OD_TLS_CLIENT_CERT_REFUSED : OD_TLS_ALERT;
        else
            hs->outcome = client_cert_alert(hs->alert, requested) ? OD_TLS_CLIENT_CERT_REQUIRED : OD_TLS_ALERT;
        hs->error = od_xasprintf("%s (alert %d %s)", gnutls_strerror(rc), hs->alert, hs->alert_name);
        return;
    case GNUTLS_E_HANDSHAKE_TOO_LARGE:
        /* a limit of this tool, not an observation about the origin */
        hs->outcome = OD_TLS_UNTESTED;
        hs->error = od_xasprintf("a handshake message from the origin exceeds this tool's limit of %u MiB: "
                                 "not judged", MAX_HANDSHAKE_MESSAGE / (1024 * 1024));
        return;
    case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
        /* A server answers a version it does not speak with its own, older
         * one (normal version negotiation): a refusal of what was offered. */
        hs->outcome = OD_TLS_VERSION_REFUSED;
        hs->error = od_xasprintf("the origin answered with a protocol version that was not offered (%s)",
                                 gnutls_strerror(rc));
        return;
    case GNUTLS_E_PREMATURE_TERMINATION:
    case GNUTLS_E_PULL_ERROR:
    case GNUTLS_E_PUSH_ERROR:
        if (s->io_errno && od_tcp_classify_errno(s->io_errno, false) == OD_TCP_ERROR) {
            /* ENOBUFS, ENOMEM...: this machine failed, the origin was not judged */
            hs->outcome = OD_TLS_UNTESTED;
            hs->error = od_xasprintf("%s during the handshake (a failure on this machine, not the origin's)",
                                     od_strerror(s->io_errno, &(od_errbuf){0}));
            return;
        }
        hs->outcome = requested ? client_cert_outcome(hs) : OD_TLS_CLOSED;
        hs->error = s->io_errno ? reset_text(s->io_errno, "during the handshake")
                                : od_xasprintf("the origin closed the connection during the handshake (%s)",
                                               gnutls_strerror(rc));
        return;
    default:
        hs->outcome = requested ? client_cert_outcome(hs) : OD_TLS_ERROR;
        hs->error = od_xstrdup(gnutls_strerror(rc));
        return;
    }
}

/* One gnutls_record_recv bounded by an absolute deadline, however the
 * record is paced (GNUTLS_E_TIMEDOUT once it passed). */
static ssize_t record_recv_until(od_tls_session *s, void *buf, size_t len, int64_t until)
{
    s->deadline = until;
    ssize_t n;
    for (;;) {
        int64_t left = until - od_now_ms();
        if (left <= 0)
            return GNUTLS_E_TIMEDOUT;
        gnutls_record_set_timeout(s->session, (unsigned)left);
        n = gnutls_record_recv(s->session, buf, len);
        if (n == GNUTLS_E_REHANDSHAKE) {
            /* A HelloRequest: a client may decline and read on (RFC 5246
             * 7.4.1.1); the answer that follows is what counts. */
            gnutls_alert_send(s->session, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
            continue;
        }
        if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED)
            break;
        if (cancelled(s->cancel))
            return GNUTLS_E_INTERRUPTED;
    }
    if (n < 0 && n != GNUTLS_E_FATAL_ALERT_RECEIVED && past_deadline(s) && !cancelled(s->cancel))
        return GNUTLS_E_TIMEDOUT;
    return n;
}

/* In TLS 1.3 the server judges the (empty) client Certificate after its
 * own Finished, so a required certificate shows only on the first read.
 * Rather than wait a fixed time for an alert that may never come, read
 * until the origin says anything: an alert or a close (required), or any
 * other record (a session ticket, which servers send once they accepted
 * the handshake, or the answer to our KeyUpdate: it went on). */
static void check_client_cert_verdict(od_tls_session *s, int timeout_ms, od_handshake *hs)
{
    s->verdict_wait = true;
    int ms = timeout_ms < CLIENT_CERT_VERDICT_MS ? timeout_ms : CLIENT_CERT_VERDICT_MS;
    s->deadline = od_now_ms() + (ms > 0 ? ms : 1);   /* the KeyUpdate's send too */
    gnutls_handshake_set_hook_function(s->session, GNUTLS_HANDSHAKE_ANY, GNUTLS_HOOK_POST, post_handshake_hook);
    int rc;
    do
        rc = gnutls_session_key_update(s->session, GNUTLS_KU_PEER);
    while ((rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) && !past_deadline(s));
    char buf[256];
    ssize_t n = record_recv_until(s, buf, sizeof buf, od_now_ms() + (ms > 0 ? ms : 1));
    s->verdict_wait = false;
    if (n == GNUTLS_E_FATAL_ALERT_RECEIVED || n == GNUTLS_E_PREMATURE_TERMINATION ||
        n == GNUTLS_E_PULL_ERROR) {
        if (n == GNUTLS_E_FATAL_ALERT_RECEIVED)
            note_alert(s, hs);
        hs->ok = false;
        hs->outcome = client_cert_outcome(hs);
        hs->error = n == GNUTLS_E_FATAL_ALERT_RECEIVED
                        ? od_xasprintf("after the handshake: %s (alert %d %s)", gnutls_strerror((int)n),
                                       hs->alert, hs->alert_name)
                        : od_xasprintf("after the handshake the origin closed the connection (%s)",
                                       gnutls_strerror((int)n));
    }
}

/* ---- what a run's sessions share ---- */

typedef struct {
    char *text;
    gnutls_priority_t cache;
} shared_priority;

struct od_tls_shared {
    pthread_mutex_t lock;
    gnutls_certificate_credentials_t cred;   /* no trust: chains are analysed elsewhere */
    shared_priority *priorities;             /* one per priority string seen */
    size_t n_priorities, cap_priorities;
};

/* Client credentials without trust (chains are analysed elsewhere) whose
 * certificate callback reads the session's own state (gnutls_session_get_ptr). */
static int client_credentials_new(gnutls_certificate_credentials_t *cred)
{
    int rc = gnutls_certificate_allocate_credentials(cred);
    if (rc == 0)
        gnutls_certificate_set_retrieve_function2(*cred, retrieve_fn);
    return rc;
}

od_tls_shared *od_tls_shared_new(void)
{
    od_tls_shared *t = od_xcalloc(1, sizeof *t);
    if (pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t);
        return NULL;
    }
    if (client_credentials_new(&t->cred) < 0) {
        pthread_mutex_destroy(&t->lock);
        free(t);
        return NULL;
    }
    return t;
}

void od_tls_shared_free(od_tls_shared *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_priorities; i++) {
        free(t->priorities[i].text);
        gnutls_priority_deinit(t->priorities[i].cache);
    }
    free(t->priorities);
    gnutls_certificate_free_credentials(t->cred);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* The priority cache for prio, parsed on first use; GnuTLS's error and
 * *errpos (into prio) as gnutls_priority_init gives them. */
static int shared_priority_set(od_tls_shared *t, gnutls_session_t session, const char *prio, const char **errpos)
{
    pthread_mutex_lock(&t->lock);
    gnutls_priority_t cache = NULL;
    for (size_t i = 0; i < t->n_priorities && !cache; i++)
        if (strcmp(t->priorities[i].text, prio) == 0)
            cache = t->priorities[i].cache;
    int rc = 0;
    if (!cache) {
        rc = gnutls_priority_init(&cache, prio, errpos);
        if (rc == 0) {
            if (t->n_priorities == t->cap_priorities) {
                t->cap_priorities = t->cap_priorities ? 2 * t->cap_priorities : 16;
                t->priorities = od_xrealloc(t->priorities, t->cap_priorities * sizeof *t->priorities);
            }
            t->priorities[t->n_priorities++] = (shared_priority){od_xstrdup(prio), cache};
        }
    }
    pthread_mutex_unlock(&t->lock);
    return rc == 0 ? gnutls_priority_set(session, cache) : rc;
}

static void session_free(od_tls_session *s)
{
    if (!s)
        return;
    if (s->session)
        gnutls_deinit(s->session);
    if (s->cred)
        gnutls_certificate_free_credentials(s->cred);
    for (unsigned i = 0; i < s->n_pcerts; i++)
        gnutls_pcert_deinit(&s->pcerts[i]);
    free(s->pcerts);
    if (s->privkey)
        gnutls_privkey_deinit(s->privkey);
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}

static od_tls_session *handshake_session(const od_tls_request *req, od_tls_capture *out, bool verdict_read,
                                         const od_hello_offer *rewrite, int *chosen)
{
    if (chosen)
        *chosen = -1;
    memset(out, 0, sizeof *out);
    od_handshake *hs = &out->hs;
    snprintf(hs->address, sizeof hs->address, "%s", req->address ? req->address : "");
    hs->port = req->port;
    hs->sni = req->sni && *req->sni ? od_xstrdup(req->sni) : NULL;
    hs->alert = -1;
    hs->outcome = OD_TLS_UNTESTED;
    int64_t start = od_now_ms();
    int timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : 1;

    if (cancelled(req->cancel)) {
        hs->error = od_xstrdup("cancelled");
        return NULL;
    }

    od_tls_session *s = od_xcalloc(1, sizeof *s);
    s->fd = -1;
    s->cancel = req->cancel;
    s->rewrite = rewrite;
    s->client_cert = req->client_cert;
    const char *prio = req->priority ? req->priority : od_tls_permissive_priority;
    const char *errpos = NULL;
    int rc = gnutls_init(&s->session, GNUTLS_CLIENT);
    /* A run's hundreds of sessions share the parsed priorities and the
     * credentials rather than set them up each time (at 200 names, about
     * a tenth of the run's CPU). */
    if (rc == 0)
        rc = req->shared ? shared_priority_set(req->shared, s->session, prio, &errpos)
                         : gnutls_priority_set_direct(s->session, prio, &errpos);
    if (rc == 0 && !req->shared)
        rc = client_credentials_new(&s->cred);
    if (rc == 0)
        rc = gnutls_credentials_set(s->session, GNUTLS_CRD_CERTIFICATE, req->shared ? req->shared->cred : s->cred);
    if (rc == 0 && hs->sni)
        rc = gnutls_server_name_set(s->session, GNUTLS_NAME_DNS, hs->sni, strlen(hs->sni));
    if (rc != 0) {
        hs->outcome = OD_TLS_ERROR;
        hs->error = errpos ? od_xasprintf("GnuTLS priority rejected at \"%s\": %s", errpos, gnutls_strerror(rc))
                           : od_xasprintf("GnuTLS session setup: %s", gnutls_strerror(rc));
        session_free(s);
        hs->duration_ms = od_now_ms() - start;
        return NULL;
    }

    od_tcp_state st;
    char *err = NULL;
    int conn_errno = 0;
    int64_t connect_started = od_now_ms();
    s->fd = od_tcp_connect_errno(req->address, req->port, timeout_ms, &st, &err, &conn_errno);
    out->tcp = st;
    if (req->on_connect)
        req->on_connect(req->connect_ctx, st, err, od_now_ms() - connect_started);
    if (s->fd < 0 && st == OD_TCP_REFUSED && conn_errno != ECONNREFUSED) {
        /* Accepted, then reset before the ClientHello went out: the same
         * answer as a reset after it, a connection the origin ended. */
        hs->outcome = OD_TLS_CLOSED;
        hs->error = reset_text(conn_errno, "as it was accepted");
        free(err);
        session_free(s);
        hs->duration_ms = od_now_ms() - start;
        return NULL;
    }
    if (s->fd < 0) {
        hs->outcome = OD_TLS_CONNECT_FAILED;
        hs->error = od_xasprintf("TCP %s: %s", od_tcp_state_name(st), err ? err : "failed");
        free(err);
        session_free(s);
        hs->duration_ms = od_now_ms() - start;
        return NULL;
    }
    if (cancelled(req->cancel)) {
        hs->error = od_xstrdup("cancelled");
        session_free(s);
        hs->duration_ms = od_now_ms() - start;
        return NULL;
    }

    gnutls_handshake_set_max_packet_length(s->session, MAX_HANDSHAKE_MESSAGE);
    gnutls_session_set_ptr(s->session, s);
    gnutls_transport_set_ptr(s->session, s);
    gnutls_transport_set_push_function(s->session, push_fn);
    gnutls_transport_set_vec_push_function(s->session, vec_push_fn);
    gnutls_transport_set_pull_function(s->session, pull_fn);
    gnutls_transport_set_pull_timeout_function(s->session, pull_timeout_fn);

    s->stop_at_hello = req->stop_at_server_hello;
    gnutls_handshake_set_hook_function(s->session, GNUTLS_HANDSHAKE_SERVER_HELLO, GNUTLS_HOOK_POST,
                                       server_hello_hook);
    /* The whole handshake, however the origin paces it, ends by this. */
    s->deadline = od_now_ms() + timeout_ms;
    gnutls_handshake_set_timeout(s->session, (unsigned)timeout_ms);
    do {
        if (past_deadline(s)) {
            rc = GNUTLS_E_TIMEDOUT;
            break;
        }
        rc = gnutls_handshake(s->session);
    } while (rc < 0 && rc != OD_E_HEARD_ENOUGH && !gnutls_error_is_fatal(rc) && !cancelled(req->cancel));
    if (rc == OD_E_HEARD_ENOUGH) {
        s->stopped_at_hello = true;
        rc = 0;
    }
    if (rc < 0 && past_deadline(s) && !cancelled(req->cancel) && rc != GNUTLS_E_FATAL_ALERT_RECEIVED)
        rc = GNUTLS_E_TIMEDOUT;

    hs->client_cert_requested = s->cert_requested || gnutls_certificate_client_get_request_status(s->session);
    hs->client_cert_sent = s->cert_sent;
    copy_peers(s, out);
    if (rc == 0) {
        hs->ok = true;
        hs->outcome = OD_TLS_OK;
        record_negotiated(s, hs);
        if (verdict_read && !s->stopped_at_hello && hs->client_cert_requested &&
            gnutls_protocol_get_version(s->session) == GNUTLS_TLS1_3)
            check_client_cert_verdict(s, timeout_ms, hs);
    } else {
        if (rc > 0)   /* cancelled while the loop would have gone on */
            rc = GNUTLS_E_INTERRUPTED;
        /* The server got past suite selection: it asked for a certificate,
         * or its ServerHello arrived before this side stopped (e.g. a CA
         * certificate served as the origin's own) */
        if (hs->client_cert_requested || (s->chosen_known && rc != GNUTLS_E_UNSUPPORTED_VERSION_PACKET))
            record_negotiated(s, hs);
        classify_failure(s, rc, timeout_ms, hs);
    }
    hs->duration_ms = od_now_ms() - start;
    if (chosen && s->chosen_known)
        *chosen = s->chosen_code;
    if (!hs->ok) {
        session_free(s);
        return NULL;
    }
    return s;
}

/* The GnuTLS priority that offers exactly the suite and protocol the
 * origin chose from CloudFront's offer, with the offer's groups and
 * signature schemes. malloc'd, or NULL when GnuTLS names none of them. */
static char *chosen_priority(od_tls_session *s, const od_hello_offer *offer)
{
    /* At the ServerHello the suite's parts are not set yet: they come
     * from GnuTLS's table of suites, by the code the origin chose. */
    const char *v = gnutls_protocol_get_name(gnutls_protocol_get_version(s->session));
    if (!v || !s->chosen_known)
        return NULL;
    for (size_t i = 0;; i++) {
        unsigned char id[2];
        gnutls_kx_algorithm_t kx;
        gnutls_cipher_algorithm_t cipher;
        gnutls_mac_algorithm_t mac;
        gnutls_protocol_t min;
        const char *name = gnutls_cipher_suite_info(i, id, &kx, &cipher, &mac, &min);
        if (!name)
            return NULL;
        if ((uint16_t)(id[0] << 8 | id[1]) != s->chosen_code)
            continue;
        const char *kxn = gnutls_kx_get_name(kx), *cn = gnutls_cipher_get_name(cipher), *mn = gnutls_mac_get_name(mac);
        return kxn && cn && mn ? od_xasprintf("NONE:+VERS-%s:+%s:+%s:+%s%s", v, kxn, cn, mn, offer->tail) : NULL;
    }
}

/* CloudFront's exact ClientHello on a connection of its own, ended at the
 * origin's choice. It runs on a thread beside the handshake proper when
 * the request allows a second connection (offer_beside), else first. */
typedef struct {
    od_tls_request req;   /* a copy: the caller's may end before the thread */
    od_tls_capture cap;   /* the choice, or the refusal of CloudFront's offer */
    int choice;           /* the suite code the origin chose, or -1 */
    char *only;           /* priority offering just that suite; NULL if none */
    pthread_t tid;
    pthread_mutex_t lock;
    pthread_cond_t ended_cond;
    bool ended;
} offer_hello;

static void offer_hello_run(offer_hello *h)
{
    int choice = -1;
    od_tls_session *s = handshake_session(&h->req, &h->cap, false, h->req.offer, &choice);
    h->choice = choice;
    if (s)
        h->only = chosen_priority(s, h->req.offer);
    od_tls_session_close(s);
}

static void *offer_hello_thread(void *arg)
{
    offer_hello *h = arg;
    offer_hello_run(h);
    pthread_mutex_lock(&h->lock);
    h->ended = true;
    pthread_cond_signal(&h->ended_cond);
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* A second thread with little stack: one handshake. Returns false when it
 * could not start (the hello is then made first, in this thread). */
static bool offer_hello_start(offer_hello *h)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return false;
    bool ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&h->ended_cond, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!ok)
        return false;
    if (pthread_mutex_init(&h->lock, NULL) != 0) {
        pthread_cond_destroy(&h->ended_cond);
        return false;
    }
    pthread_attr_t attr;
    ok = pthread_attr_init(&attr) == 0;
    if (ok) {
        pthread_attr_setstacksize(&attr, OD_PROBE_STACK);
        ok = pthread_create(&h->tid, &attr, offer_hello_thread, h) == 0;
        pthread_attr_destroy(&attr);
    }
    if (!ok) {
        pthread_mutex_destroy(&h->lock);
        pthread_cond_destroy(&h->ended_cond);
    }
    return ok;
}

/* Waits up to ms for the hello to end; true when it has. */
static bool offer_hello_wait(offer_hello *h, int64_t ms)
{
    struct timespec until = od_timespec_in(CLOCK_MONOTONIC, ms);
    pthread_mutex_lock(&h->lock);
    while (!h->ended)
        if (pthread_cond_timedwait(&h->ended_cond, &h->lock, &until) != 0)
            break;
    bool ended = h->ended;
    pthread_mutex_unlock(&h->lock);
    return ended;
}

static void offer_hello_join(offer_hello *h)
{
    pthread_join(h->tid, NULL);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->ended_cond);
}

/* CloudFront's offer, which GnuTLS cannot make on its own. One connection
 * sends exactly CloudFront's ClientHello and ends at the origin's choice
 * (or its refusal, which is then the result). The handshake proper cannot
 * send a rewritten ClientHello (its Finished covers the one GnuTLS wrote),
 * so it is made with the priority's superset of CloudFront's suites: an
 * origin that chose X from CloudFront's list chooses X again from a
 * superset that keeps CloudFront's relative order, unless it prefers a
 * suite CloudFront does not offer. Then (seen in the ServerHello) the
 * handshake is made once more offering only X, the suite CloudFront would
 * get. The handshake proper lacks what GnuTLS cannot do (the SHA-224
 * signature schemes).
 *
 * The two connections run side by side when the caller allows a second
 * one, so the exact offer costs no round trip. This side never waits for
 * the hello while it holds its own connection longer than its handshake
 * took: an origin that serves one connection at a time gets this one
 * closed, answers the hello, and the handshake proper is made again. */
static od_tls_session *open_session(const od_tls_request *req, od_tls_capture *out, bool verdict_read)
{
    if (!req->offer || !req->offer->n_suites)
        return handshake_session(req, out, verdict_read, NULL, NULL);
    if (req->stop_at_server_hello)
        return handshake_session(req, out, false, req->offer, NULL);
    offer_hello h;
    memset(&h, 0, sizeof h);
    h.req = *req;
    h.req.stop_at_server_hello = true;
    h.choice = -1;
    od_tls_request full = *req;
    full.offer = NULL;
    h.req.on_connect = NULL;   /* told once, about the handshake proper's connection */
    bool beside = req->offer_beside && offer_hello_start(&h);
    if (!beside) {
        h.req.on_connect = req->on_connect;   /* the first connection, here */
        full.on_connect = NULL;
        offer_hello_run(&h);
    }
    int choice = -1;
    od_tls_session *s = NULL;
    memset(out, 0, sizeof *out);
    if (beside || h.cap.hs.ok)   /* made first and refused: no handshake proper */
        s = handshake_session(&full, out, verdict_read, NULL, &choice);
    bool released = false;
    if (beside) {
        int64_t grace = out->hs.duration_ms > 50 ? out->hs.duration_ms : 50;
        if (s && !offer_hello_wait(&h, grace)) {
            od_tls_session_close(s);
            s = NULL;
            released = true;
        }
        offer_hello_join(&h);
    }
    if (!h.cap.hs.ok) {   /* CloudFront's own offer was refused, or went unanswered */
        od_tls_session_close(s);
        od_tls_capture_free(out);
        *out = h.cap;
        free(h.only);
        return NULL;
    }
    od_tls_capture_free(&h.cap);
    if (!h.only) {
        od_tls_session_close(s);
        od_tls_capture_free(out);
        out->hs.outcome = OD_TLS_UNTESTED;
        out->hs.error = od_xstrdup("GnuTLS cannot name the suite the origin chose from CloudFront's offer");
        return NULL;
    }
    /* Made again: offering only CloudFront's suite when the superset got
     * another (or was refused before the origin chose), as before when this
     * side let go of its connection for the hello. */
    if (released || choice != h.choice) {
        od_tls_session_close(s);
        od_tls_capture_free(out);
        full.on_connect = NULL;
        full.priority = choice == h.choice ? req->priority : h.only;
        s = handshake_session(&full, out, verdict_read, NULL, NULL);
    }
    free(h.only);
    return s;
}

od_tls_session *od_tls_session_open(const od_tls_request *req, od_tls_capture *out)
{
    /* The HTTP probe reads anyway: its first read gets the verdict. */
    return open_session(req, out, false);
}

od_tls_session *od_tls_session_open_judged(const od_tls_request *req, od_tls_capture *out)
{
    return open_session(req, out, true);
}

ssize_t od_tls_session_send(od_tls_session *s, const void *data, size_t len, int timeout_ms, char **err)
{
    size_t done = 0;
    s->deadline = od_now_ms() + timeout_ms;
    while (done < len) {
        ssize_t n = gnutls_record_send(s->session, (const char *)data + done, len - done);
        if ((n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) && !past_deadline(s) && !cancelled(s->cancel))
            continue;
        if (n < 0) {
            if (err)
                *err = od_xstrdup(cancelled(s->cancel) ? "cancelled"
                                  : past_deadline(s) ? "the origin did not take the request in time"
                                                     : gnutls_strerror((int)n));
            return -1;
        }
        done += (size_t)n;
    }
    return (ssize_t)done;
}

ssize_t od_tls_session_recv(od_tls_session *s, void *buf, size_t len, int timeout_ms, bool *timed_out,
                            char **err)
{
    if (timed_out)
        *timed_out = false;
    ssize_t n = record_recv_until(s, buf, len, od_now_ms() + (timeout_ms > 0 ? timeout_ms : 1));
    if (n >= 0)
        return n;
    if (n == GNUTLS_E_PREMATURE_TERMINATION)   /* many servers close without close_notify */
        return 0;
    if (n == GNUTLS_E_TIMEDOUT && timed_out)
        *timed_out = true;
    if (err) {
        if (n == GNUTLS_E_FATAL_ALERT_RECEIVED) {
            int a = (int)gnutls_alert_get(s->session);
            char *tok = alert_token(a);
            *err = od_xasprintf("%s (alert %d %s)", gnutls_strerror((int)n), a, tok);
            free(tok);
        } else {
            *err = od_xstrdup(gnutls_strerror((int)n));
        }
    }
    return -1;
}

void od_tls_session_close(od_tls_session *s)
{
    if (!s)
        return;
    /* close_notify is a courtesy: a peer that does not read gets 100 ms. */
    s->deadline = od_now_ms() + 100;
    if (!s->stopped_at_hello)   /* mid-handshake there is nothing to close politely */
        gnutls_bye(s->session, GNUTLS_SHUT_WR);
    session_free(s);
}

void od_probe_tls(const od_tls_request *req, od_tls_capture *out)
{
    od_tls_session *s = open_session(req, out, true);
    od_tls_session_close(s);
}

void od_tls_capture_free(od_tls_capture *c)
{
    if (!c)
        return;
    od_handshake *hs = &c->hs;
    free(hs->sni);
    free(hs->version);
    free(hs->cipher);
    free(hs->group);
    free(hs->alert_name);
    free(hs->error);
    for (size_t i = 0; i < c->n_der; i++)
        free(c->der[i]);
    free(c->der);
    free(c->der_len);
    memset(c, 0, sizeof *c);
    c->hs.alert = -1;
}
