/* HTTP probe: one request over plain TCP or TLS, reading only the status
 * line and headers (bounded in size and time), as CloudFront would wait
 * for its first byte. Everything from the network is escaped. */
#include "od_probe.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "od_http_head.h"
#include "od_tls_session.h"

#define HEADER_LIMIT (16 * 1024)

typedef struct {
    int fd;                  /* plain connection, or -1 */
    od_tls_session *tls;     /* TLS connection, or NULL */
} conn;

static char *seconds_text(int ms)
{
    if (ms % 1000 == 0)
        return od_xasprintf("%d s", ms / 1000);
    return od_xasprintf("%.1f s", ms / 1000.0);
}

/* Sends all of data within timeout_ms (a peer that does not read cannot
 * hold the probe). */
static ssize_t conn_send(conn *c, const char *data, size_t len, int timeout_ms, char **err)
{
    if (c->tls)
        return od_tls_session_send(c->tls, data, len, timeout_ms, err);
    int64_t deadline = od_now_ms() + timeout_ms;
    size_t done = 0;
    while (done < len) {
        int64_t left = deadline - od_now_ms();
        struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
        int pr = left > 0 ? poll(&pfd, 1, (int)left) : 0;
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0) {
            *err = od_xstrdup("the origin did not take the request in time");
            return -1;
        }
        ssize_t n = pr < 0 ? -1 : send(c->fd, data + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0) {
            *err = od_xstrdup(od_strerror(errno, &(od_errbuf){0}));
            return -1;
        }
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* Bytes, 0 at close, -1 on error or timeout (*timed_out). */
static ssize_t conn_recv(conn *c, char *buf, size_t len, int timeout_ms, atomic_bool *cancel, bool *timed_out,
                         char **err)
{
    *timed_out = false;
    if (c->tls)
        return od_tls_session_recv(c->tls, buf, len, timeout_ms, timed_out, err);
    int64_t deadline = od_now_ms() + timeout_ms;
    for (;;) {
        if (cancel && atomic_load(cancel)) {
            *err = od_xstrdup("cancelled");
            return -1;
        }
        int64_t left = deadline - od_now_ms();
        if (left <= 0) {
            *timed_out = true;
            return -1;
        }
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        int pr = poll(&pfd, 1, left < 100 ? (int)left : 100);
        if (pr < 0 && errno != EINTR) {
            *err = od_xstrdup(od_strerror(errno, &(od_errbuf){0}));
            return -1;
        }
        if (pr <= 0)
            continue;
        ssize_t n = recv(c->fd, buf, len, MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0) {
            if (errno == ECONNRESET)
                return 0;
            *err = od_xstrdup(od_strerror(errno, &(od_errbuf){0}));
        }
        return n;
    }
}

/* Header text goes on the wire as given, but never a byte that could end
 * the line or the head: values are validated, this is the last guard. */
static void put_header_text(od_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        if (*p >= 0x20 ? *p != 0x7f : *p == '\t')
            od_buf_append(b, (const char *)p, 1);
}

/* The request CloudFront sends: its User-Agent (a custom header of that
 * name replaces it, as a CustomHeaders entry overwrites a viewer's), the
 * custom headers, no body. */
static char *build_request(const od_http_request *req, const char *method, const char *path, const char *host)
{
    od_buf b;
    od_buf_init(&b);
    bool own_agent = false;
    for (size_t i = 0; i < req->n_headers; i++)
        own_agent = own_agent || od_strcasecmp(req->headers[i].name, "User-Agent") == 0;
    od_buf_printf(&b, "%s ", method);
    /* a byte a request-target cannot hold is percent-encoded (validated
     * paths have none) */
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (*p > 0x20 && *p < 0x7f)
            od_buf_append(&b, (const char *)p, 1);
        else
            od_buf_printf(&b, "%%%02X", *p);
    od_buf_printf(&b, " HTTP/1.1\r\nHost: %s\r\n", host);
    if (!own_agent)
        od_buf_puts(&b, "User-Agent: Amazon CloudFront\r\n");
    for (size_t i = 0; i < req->n_headers; i++) {
        put_header_text(&b, req->headers[i].name);
        od_buf_puts(&b, ": ");
        put_header_text(&b, req->headers[i].value);
        od_buf_puts(&b, "\r\n");
    }
    od_buf_puts(&b, "Accept: */*\r\nConnection: close\r\n\r\n");
    return od_buf_steal(&b);
}

void od_probe_http(const od_http_request *req, od_http_result *out)
{
    memset(out, 0, sizeof *out);
    out->attempted = true;
    out->scheme = od_xstrdup(req->tls ? "https" : "http");
    snprintf(out->address, sizeof out->address, "%s", req->address ? req->address : "");
    out->port = req->port;
    out->host_header = od_xstrdup(req->host_header ? req->host_header : req->address);
    out->method = od_xstrdup(req->method && *req->method ? req->method : "HEAD");
    out->path = od_xstrdup(req->path && *req->path ? req->path : "/");
    int timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : 1;

    if (req->cancel && atomic_load(req->cancel)) {
        out->local_failure = true;
        out->error = od_xstrdup("cancelled");
        return;
    }

    conn c = { -1, NULL };
    if (req->tls) {
        od_tls_request treq = {
            .address = req->address,
            .port = req->port,
            .sni = req->sni,
            .timeout_ms = timeout_ms,
            .priority = req->priority,
            .offer = req->offer,
            .offer_beside = req->offer_beside,
            .cancel = req->cancel,
            .on_connect = req->on_connect,
            .connect_ctx = req->connect_ctx,
            .client_cert = req->client_cert,
            .shared = req->shared,
        };
        od_tls_capture cap;
        c.tls = req->on_handshake ? od_tls_session_open_judged(&treq, &cap) : od_tls_session_open(&treq, &cap);
        if (!c.tls) {
            out->error = od_xasprintf("TLS failed (%s): %s", od_tls_outcome_name(cap.hs.outcome),
                                      cap.hs.error ? cap.hs.error : "handshake failed");
            /* a reset, close or silence of the origin is an answer; a
             * cancel, a local socket failure or a tool limit is not */
            out->local_failure = cap.hs.outcome == OD_TLS_UNTESTED || cap.tcp == OD_TCP_ERROR ||
                                 cap.tcp == OD_TCP_UNTESTED;
        }
        if (req->on_handshake)
            req->on_handshake(req->handshake_ctx, &cap);
        else
            od_tls_capture_free(&cap);
        if (!c.tls)
            return;
    } else {
        od_tcp_state st;
        char *err = NULL;
        int64_t connect_started = od_now_ms();
        c.fd = od_tcp_connect(req->address, req->port, timeout_ms, &st, &err);
        if (req->on_connect)
            req->on_connect(req->connect_ctx, st, err, od_now_ms() - connect_started);
        if (c.fd < 0) {
            out->local_failure = st == OD_TCP_ERROR;
            out->error = od_xasprintf("TCP %s: %s", od_tcp_state_name(st), err ? err : "failed");
            free(err);
            return;
        }
    }

    /* The Host header, method and path are validated input, but escape
     * anyway: a CR/LF here would split the request. */
    char *host = od_escape_str(out->host_header);
    char *method = od_escape_str(out->method);
    char *request = build_request(req, method, out->path, host);
    free(host);
    free(method);
    char *err = NULL;
    int64_t sent_at = od_now_ms();
    if (conn_send(&c, request, strlen(request), timeout_ms, &err) < 0) {
        out->error = od_xasprintf("sending the request failed: %s", err ? err : "?");
        free(err);
        free(request);
        goto done;
    }
    free(request);
    out->request_sent = true;

    char *buf = od_xmalloc(HEADER_LIMIT + 1);
    size_t have = 0;
    bool timed_out = false;
    bool got_bytes = false;
    od_http_head head;
    memset(&head, 0, sizeof head);
    /* One deadline for the first byte, then one for the final head (1xx
     * answers included): an origin dripping a byte at a time, or sending
     * 100 Continue forever, cannot hold the probe longer. */
    int answer_ms = req->response_timeout_ms > 0 ? req->response_timeout_ms : timeout_ms;
    int64_t deadline = sent_at + answer_ms;
    size_t interim = 0;
    for (;;) {
        int64_t left = deadline - od_now_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        if (have == HEADER_LIMIT)
            break;
        ssize_t n = conn_recv(&c, buf + have, HEADER_LIMIT - have, (int)left, req->cancel, &timed_out, &err);
        if (n > 0 && !got_bytes) {
            got_bytes = true;
            out->ttfb_ms = od_now_ms() - sent_at;
            deadline = od_now_ms() + answer_ms;
        }
        if (n <= 0)
            break;
        have += (size_t)n;
        od_http_head_free(&head);
        od_http_parse_head(buf, have, &head);
        if (head.state != OD_HTTP_HEAD_INCOMPLETE)
            break;
        /* 1xx heads already skipped need no room. */
        if (head.skipped) {
            interim += head.interim;
            memmove(buf, buf + head.skipped, have - head.skipped);
            have -= head.skipped;
        }
    }
    interim += head.interim;
    char *secs = seconds_text(answer_ms);
    char *got = od_escape(buf, have < 64 ? have : 64);
    const char *more = have > 64 ? "..." : "";
    if (head.state == OD_HTTP_HEAD_FINAL && head.malformed) {
        out->malformed = true;
        out->status_line = head.status_line;
        head.status_line = NULL;
        out->error = od_xasprintf("the answer \"%s\" has %s", out->status_line, head.malformed);
    } else if (head.state == OD_HTTP_HEAD_FINAL) {
        out->responded = true;
        out->status_code = head.status_code;
        out->status_line = head.status_line;
        out->server = head.server;
        head.status_line = head.server = NULL;
    } else if (head.state == OD_HTTP_HEAD_NOT_HTTP) {
        out->status_line = head.status_line;
        head.status_line = NULL;
        out->malformed = true;
        out->error = od_xasprintf("the answer is not HTTP: the status line is \"%s\"", out->status_line);
    } else if (have == HEADER_LIMIT) {
        out->malformed = true;
        out->error = od_xasprintf("the response head%s exceeds %d KiB without ending (received \"%s\"%s)",
                                  interim ? " after interim (1xx) answers" : "", HEADER_LIMIT / 1024, got, more);
    } else if (interim > 0) {
        out->error = od_xasprintf("%zu interim (1xx) answer%s but no final status %s (CloudFront waits for one)",
                                  interim, interim == 1 ? "" : "s",
                                  timed_out ? "in time" : "before the connection closed");
    } else if (!got_bytes) {
        if (timed_out)
            out->error = od_xasprintf("no HTTP response within %s", secs);
        else if (err)
            out->error = od_xasprintf("no HTTP response: %s", err);
        else
            out->error = od_xstrdup("no HTTP response: the origin closed the connection");
    } else if (timed_out) {
        out->error = od_xasprintf("the response headers did not complete within %s of the first byte "
                                  "(received \"%s\"%s)",
                                  secs, got, more);
    } else {
        out->error = od_xasprintf("the origin closed the connection before the response headers were complete "
                                  "(received \"%s\"%s%s%s)",
                                  got, more, err ? "; " : "", err ? err : "");
    }
    free(got);
    free(secs);
    od_http_head_free(&head);
    free(err);
    free(buf);
done:
    /* stopped by the tool (a cancelled run, an answer no longer needed):
     * whatever failed then says nothing about the origin */
    if (!out->responded && req->cancel && atomic_load(req->cancel))
        out->local_failure = true;
    if (c.tls)
        od_tls_session_close(c.tls);
    if (c.fd >= 0)
        close(c.fd);
}
