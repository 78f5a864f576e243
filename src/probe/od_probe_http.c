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

static ssize_t conn_send(conn *c, const char *data, size_t len, char **err)
{
    if (c->tls)
        return od_tls_session_send(c->tls, data, len, err);
    size_t done = 0;
    while (done < len) {
        ssize_t n = send(c->fd, data + done, len - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
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
        ssize_t n = recv(c->fd, buf, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (errno == ECONNRESET)
                return 0;
            *err = od_xstrdup(od_strerror(errno, &(od_errbuf){0}));
        }
        return n;
    }
}

/* Value of header `name` in the header block (first occurrence), or NULL. */
static char *header_value(const char *head, size_t len, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = memchr(head, '\n', len);   /* skip the status line */
    const char *end = head + len;
    while (p && p < end) {
        p++;
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        if ((size_t)(line_end - p) > nlen && p[nlen] == ':') {
            if (od_strncasecmp(p, name, nlen) == 0) {
                const char *v = p + nlen + 1;
                const char *ve = line_end;
                while (v < ve && (*v == ' ' || *v == '\t'))
                    v++;
                while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                    ve--;
                return od_escape(v, (size_t)(ve - v));
            }
        }
        p = eol;
    }
    return NULL;
}

/* Parses "HTTP/1.1 200 OK"; false if it is not an HTTP status line. */
static bool parse_status(const char *head, size_t len, od_http_result *out)
{
    size_t n = 0;
    while (n < len && head[n] != '\n')
        n++;
    size_t line_len = n && head[n - 1] == '\r' ? n - 1 : n;
    free(out->status_line);
    out->status_line = od_escape(head, line_len);
    if (line_len < 12 || memcmp(head, "HTTP/", 5) != 0)
        return false;
    const char *sp = memchr(head, ' ', line_len);
    if (!sp || (size_t)(sp - head) + 4 > line_len)
        return false;
    int code = 0;
    for (int i = 1; i <= 3; i++) {
        char d = sp[i];
        if (d < '0' || d > '9')
            return false;
        code = code * 10 + (d - '0');
    }
    if ((size_t)(sp - head) + 4 < line_len && sp[4] != ' ')
        return false;
    out->status_code = code;
    return true;
}

static const char *header_end(const char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] == '\n' && buf[i + 1] == '\n')
            return buf + i + 2;
        if (i + 3 < len && memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return buf + i + 4;
    }
    return NULL;
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
    int timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : 1;

    if (req->cancel && atomic_load(req->cancel)) {
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
            .cancel = req->cancel,
            .on_connect = req->on_connect,
            .connect_ctx = req->connect_ctx,
        };
        od_tls_capture cap;
        c.tls = req->on_handshake ? od_tls_session_open_judged(&treq, &cap) : od_tls_session_open(&treq, &cap);
        if (!c.tls)
            out->error = od_xasprintf("TLS failed (%s): %s", od_tls_outcome_name(cap.hs.outcome),
                                      cap.hs.error ? cap.hs.error : "handshake failed");
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
            out->error = od_xasprintf("TCP %s: %s", od_tcp_state_name(st), err ? err : "failed");
            free(err);
            return;
        }
    }

    /* The Host header and method are validated input, but escape anyway:
     * a CR/LF here would split the request. */
    char *host = od_escape_str(out->host_header);
    char *method = od_escape_str(out->method);
    char *request = od_xasprintf("%s / HTTP/1.1\r\nHost: %s\r\nUser-Agent: origin-doctor\r\n"
                                 "Accept: */*\r\nConnection: close\r\n\r\n",
                                 method, host);
    free(host);
    free(method);
    char *err = NULL;
    int64_t sent_at = od_now_ms();
    if (conn_send(&c, request, strlen(request), &err) < 0) {
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
    /* One deadline for the first byte, then one for the rest of the head:
     * an origin dripping a byte at a time cannot hold the probe longer. */
    int answer_ms = req->response_timeout_ms > 0 ? req->response_timeout_ms : timeout_ms;
    int64_t deadline = sent_at + answer_ms;
    while (have < HEADER_LIMIT) {
        int64_t left = deadline - od_now_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        ssize_t n = conn_recv(&c, buf + have, HEADER_LIMIT - have, (int)left, req->cancel, &timed_out, &err);
        if (n > 0 && have == 0) {
            out->ttfb_ms = od_now_ms() - sent_at;
            deadline = od_now_ms() + answer_ms;
        }
        if (n <= 0)
            break;
        have += (size_t)n;
        if (header_end(buf, have))
            break;
    }
    buf[have] = '\0';
    if (have == 0) {
        char *secs = seconds_text(answer_ms);
        if (timed_out)
            out->error = od_xasprintf("no HTTP response within %s", secs);
        else if (err)
            out->error = od_xasprintf("no HTTP response: %s", err);
        else
            out->error = od_xstrdup("no HTTP response: the origin closed the connection");
        free(secs);
    } else if (timed_out && !header_end(buf, have)) {
        char *secs = seconds_text(answer_ms);
        char *got = od_escape(buf, have < 64 ? have : 64);
        out->error = od_xasprintf("the response headers did not complete within %s of the first byte "
                                  "(received \"%s\"%s)",
                                  secs, got, have > 64 ? "..." : "");
        free(got);
        free(secs);
    } else if (!parse_status(buf, have, out)) {
        out->error = od_xasprintf("the answer is not HTTP (\"%s\")", out->status_line);
    } else {
        out->responded = true;
        const char *hend = header_end(buf, have);
        out->server = header_value(buf, hend ? (size_t)(hend - buf) : have, "Server");
    }
    free(err);
    free(buf);
done:
    if (c.tls)
        od_tls_session_close(c.tls);
    if (c.fd >= 0)
        close(c.fd);
}
