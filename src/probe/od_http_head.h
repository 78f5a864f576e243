/* The HTTP/1.x response head as CloudFront reads it: a pure parser (no
 * I/O), so it is unit-tested and fuzzed on its own. */
#ifndef OD_HTTP_HEAD_H
#define OD_HTTP_HEAD_H

#include <stddef.h>

typedef enum {
    OD_HTTP_HEAD_INCOMPLETE,   /* more bytes are needed */
    OD_HTTP_HEAD_FINAL,        /* a final (non-1xx) status line and its headers */
    OD_HTTP_HEAD_NOT_HTTP      /* the bytes are not an HTTP/1.x response */
} od_http_head_state;

typedef struct {
    od_http_head_state state;
    size_t interim;            /* complete 1xx heads skipped before the final one */
    size_t skipped;            /* their bytes: the final head starts here */
    size_t head_len;           /* FINAL: bytes of the final head, blank line included */
    int status_code;           /* FINAL: 200..599 (any 3 digits but 1xx) */
    char *status_line;         /* FINAL or NOT_HTTP: the first line, escaped */
    char *server;              /* FINAL: the Server header, escaped, or NULL */
    char *malformed;           /* FINAL: why CloudFront cannot parse the head
                                * (an invalid Content-Length), or NULL */
} od_http_head;

/* Parses buf[0..len) (the bytes received so far). 1xx answers (100
 * Continue, 103 Early Hints) are skipped as CloudFront does: it waits for
 * a final status. Fills *out, which the caller frees. */
void od_http_parse_head(const char *buf, size_t len, od_http_head *out);
void od_http_head_free(od_http_head *h);

#endif
