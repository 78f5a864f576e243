/* The pure parsers the probes use on hostile bytes: the HTTP response
 * head (1xx skipping, malformed answers, escapes) and the classification
 * of connect failures by who caused them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "od_first_bytes.h"
#include "od_http_head.h"
#include "od_probe.h"

static void parse(const char *text, od_http_head *h)
{
    od_http_parse_head(text, strlen(text), h);
}

static void test_final(void)
{
    od_http_head h;
    parse("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 0\r\n\r\nbody", &h);
    CHECK(h.state == OD_HTTP_HEAD_FINAL);
    CHECK(h.status_code == 200);
    CHECK_STR(h.status_line, "HTTP/1.1 200 OK");
    CHECK_STR(h.server, "nginx");
    CHECK(h.interim == 0);
    CHECK(h.head_len == strlen("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n"));
    od_http_head_free(&h);
    /* bare LF line ends */
    parse("HTTP/1.0 404 Not Found\nserver: x\n\n", &h);
    CHECK(h.state == OD_HTTP_HEAD_FINAL && h.status_code == 404);
    CHECK_STR(h.server, "x");
    od_http_head_free(&h);
}

static void test_interim(void)
{
    od_http_head h;
    /* 100 Continue and 103 Early Hints are skipped: the final status counts */
    parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 503 Busy\r\n\r\n", &h);
    CHECK(h.state == OD_HTTP_HEAD_FINAL);
    CHECK(h.status_code == 503);
    CHECK(h.interim == 2);
    od_http_head_free(&h);
    /* 100 Continue forever is not an answer */
    parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n", &h);
    CHECK(h.state == OD_HTTP_HEAD_INCOMPLETE);
    CHECK(h.interim == 2);
    CHECK(h.skipped == 2 * strlen("HTTP/1.1 100 Continue\r\n\r\n"));
    od_http_head_free(&h);
}

static void test_incomplete_and_malformed(void)
{
    od_http_head h;
    parse("HTTP/1.1 200 OK\r\nServer: x", &h);
    CHECK(h.state == OD_HTTP_HEAD_INCOMPLETE);
    od_http_head_free(&h);
    parse("HTT", &h);
    CHECK(h.state == OD_HTTP_HEAD_INCOMPLETE);
    od_http_head_free(&h);
    parse("", &h);
    CHECK(h.state == OD_HTTP_HEAD_INCOMPLETE);
    od_http_head_free(&h);
    /* not HTTP at all: known from the first bytes, no need to wait */
    parse("\x16\x03\x03\x00", &h);
    CHECK(h.state == OD_HTTP_HEAD_NOT_HTTP);
    od_http_head_free(&h);
    parse("HTTP/1.1 2x0 OK\r\n\r\n", &h);
    CHECK(h.state == OD_HTTP_HEAD_NOT_HTTP);
    od_http_head_free(&h);
    /* escape sequences never come back raw */
    parse("HTTP/1.1 200 \x1b[31mOK\r\nServer: \x1b]0;owned\x07\r\n\r\n", &h);
    CHECK(h.state == OD_HTTP_HEAD_FINAL);
    CHECK(h.status_line && !strchr(h.status_line, 0x1b));
    CHECK(h.server && !strchr(h.server, 0x1b) && !strchr(h.server, 0x07));
    od_http_head_free(&h);
}

/* Each head parses to a final status, malformed or not as want says. */
static void expect_malformed(const char *const *heads, size_t n, bool want)
{
    for (size_t i = 0; i < n; i++) {
        od_http_head h;
        parse(heads[i], &h);
        CHECK_MSG(h.state == OD_HTTP_HEAD_FINAL && (h.malformed != NULL) == want, "%s: %s",
                  want ? "not malformed" : "malformed", heads[i]);
        od_http_head_free(&h);
    }
}

/* What CloudFront cannot parse although the status line is fine: a
 * Content-Length that is not one decimal number (HTTP_MALFORMED_RESPONSE). */
static void test_content_length(void)
{
    static const char *const bad[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
        "HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\n",
    };
    expect_malformed(bad, sizeof bad / sizeof bad[0], true);
    static const char *const good[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length:  7 \r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n",
        "HTTP/1.1 204 No Content\r\nX-Content-Length: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\n",
    };
    expect_malformed(good, sizeof good / sizeof good[0], false);
}

static void test_tcp_classification(void)
{
    /* the origin's doing: findings */
    CHECK(od_tcp_classify_errno(ECONNREFUSED, false) == OD_TCP_REFUSED);
    CHECK(od_tcp_classify_errno(ECONNRESET, false) == OD_TCP_REFUSED);
    CHECK(od_tcp_classify_errno(ECONNABORTED, false) == OD_TCP_REFUSED);
    CHECK(od_tcp_classify_errno(ETIMEDOUT, false) == OD_TCP_TIMEOUT);
    CHECK(od_tcp_classify_errno(EHOSTUNREACH, false) == OD_TCP_UNREACHABLE);
    CHECK(od_tcp_classify_errno(ENETUNREACH, false) == OD_TCP_UNREACHABLE);
    /* this machine's: untested */
    CHECK(od_tcp_classify_errno(EMFILE, true) == OD_TCP_ERROR);
    CHECK(od_tcp_classify_errno(ENFILE, true) == OD_TCP_ERROR);
    CHECK(od_tcp_classify_errno(ENOBUFS, false) == OD_TCP_ERROR);
    CHECK(od_tcp_classify_errno(ENETUNREACH, true) == OD_TCP_ERROR);   /* no local route */
    CHECK(od_tcp_classify_errno(EADDRNOTAVAIL, true) == OD_TCP_ERROR);
}

static void test_first_bytes(void)
{
    const unsigned char tls[] = { 0x16, 0x03, 0x03, 0x00, 0x2a };
    const unsigned char sslv2[] = { 0x80, 0x2e, 0x04, 0x00 };
    CHECK(od_first_bytes_kind(tls, 0) == OD_FIRST_NOTHING);
    CHECK(od_first_bytes_kind(tls, sizeof tls) == OD_FIRST_TLS);
    CHECK(od_first_bytes_kind(sslv2, sizeof sslv2) == OD_FIRST_OTHER);
    CHECK(od_first_bytes_kind((const unsigned char *)"HTTP/1.1 400", 12) == OD_FIRST_HTTP);
    char *t = od_first_bytes_not_tls_text((const unsigned char *)"HTTP/1.1 400 Bad\r\nServer: x", 27);
    CHECK(t && strstr(t, "plain HTTP") && strstr(t, "HTTP/1.1 400 Bad") && !strstr(t, "Server"));
    free(t);
    t = od_first_bytes_not_tls_text((const unsigned char *)"\x1b]0;owned\x07", 9);
    CHECK(t && !strchr(t, 0x1b) && !strchr(t, 0x07) && strstr(t, "not TLS"));
    free(t);
}

int main(void)
{
    test_first_bytes();
    test_final();
    test_interim();
    test_incomplete_and_malformed();
    test_content_length();
    test_tcp_classification();
    return check_done("http_head");
}
