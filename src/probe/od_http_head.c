/* HTTP response head parsing: status line, 1xx skipping, Server header.
 * Everything taken from the bytes is escaped. */
#include "od_http_head.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "od_util.h"

/* End of the head that starts at buf (after its blank line), or NULL. */
static const char *head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (buf[i + 1] == '\n')
            return buf + i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return buf + i + 3;
    }
    return NULL;
}

/* The next header line named `name` after *cursor (which starts at the
 * status line, *cursor = head): its value without surrounding blanks in
 * [*v, *ve). false when there is none left. */
static bool next_header(const char *end, const char **cursor, const char *name, const char **v, const char **ve)
{
    size_t nlen = strlen(name);
    const char *p = *cursor ? memchr(*cursor, '\n', (size_t)(end - *cursor)) : NULL;
    while (p && p < end) {
        p++;
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        if ((size_t)(line_end - p) > nlen && p[nlen] == ':' && od_strncasecmp(p, name, nlen) == 0) {
            *v = p + nlen + 1;
            *ve = line_end;
            while (*v < *ve && (**v == ' ' || **v == '\t'))
                (*v)++;
            while (*ve > *v && ((*ve)[-1] == '\r' || (*ve)[-1] == ' ' || (*ve)[-1] == '\t'))
                (*ve)--;
            *cursor = eol;   /* NULL at the last line: nothing more */
            return true;
        }
        p = eol;
    }
    *cursor = NULL;
    return false;
}

/* Value of header `name` (first occurrence) in a head, escaped, or NULL. */
static char *header_value(const char *head, size_t len, const char *name)
{
    const char *cursor = head, *v, *ve;
    if (!next_header(head + len, &cursor, name, &v, &ve))
        return NULL;
    return od_escape(v, (size_t)(ve - v));
}

/* A Content-Length CloudFront cannot use (RFC 9110 8.6: 1*DIGIT; copies
 * in a list or in several headers must all agree): why, or NULL. Every
 * occurrence is checked, not only the first. */
static char *content_length_problem(const char *head, size_t len)
{
    const char *cursor = head, *v, *ve;
    bool seen = false;
    unsigned long long first = 0;
    while (next_header(head + len, &cursor, "Content-Length", &v, &ve)) {
        /* each comma-separated element: OWS 1*DIGIT OWS */
        for (;;) {
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            const char *d = v;
            unsigned long long n = 0;
            bool overflow = false;
            while (v < ve && *v >= '0' && *v <= '9') {
                if (n > (~0ULL - 9) / 10)
                    overflow = true;
                n = n * 10 + (unsigned long long)(*v - '0');
                v++;
            }
            const char *de = v;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            if (de == d || overflow || (v < ve && *v != ','))
                return od_xstrdup("an invalid Content-Length (not a decimal number)");
            if (seen && n != first)
                return od_xstrdup("conflicting Content-Length values");
            seen = true;
            first = n;
            if (v == ve)
                break;
            v++;   /* past the comma */
        }
    }
    return NULL;
}

/* "HTTP/1.1 200 OK" -> 200; -1 if the line is not an HTTP status line. */
static int status_code_of(const char *line, size_t line_len)
{
    if (line_len < 12 || memcmp(line, "HTTP/", 5) != 0)
        return -1;
    const char *sp = memchr(line, ' ', line_len);
    if (!sp || (size_t)(sp - line) + 4 > line_len)
        return -1;
    int code = 0;
    for (int i = 1; i <= 3; i++) {
        char d = sp[i];
        if (d < '0' || d > '9')
            return -1;
        code = code * 10 + (d - '0');
    }
    if ((size_t)(sp - line) + 4 < line_len && sp[4] != ' ')
        return -1;
    return code;
}

static size_t line_length(const char *buf, size_t len, bool *complete)
{
    const char *nl = memchr(buf, '\n', len);
    *complete = nl != NULL;
    size_t n = nl ? (size_t)(nl - buf) : len;
    return n && buf[n - 1] == '\r' ? n - 1 : n;
}

void od_http_parse_head(const char *buf, size_t len, od_http_head *out)
{
    memset(out, 0, sizeof *out);
    out->state = OD_HTTP_HEAD_INCOMPLETE;
    size_t at = 0;
    for (;;) {
        const char *h = buf + at;
        size_t left = len - at;
        /* Not even the start of "HTTP/": no need to wait for more. */
        size_t cmp = left < 5 ? left : 5;
        bool complete_line;
        size_t line_len = line_length(h, left, &complete_line);
        if (memcmp(h, "HTTP/", cmp) != 0 || (complete_line && status_code_of(h, line_len) < 0)) {
            out->state = OD_HTTP_HEAD_NOT_HTTP;
            out->status_line = od_escape(h, line_len);
            return;
        }
        const char *end = head_end(h, left);
        if (!end)
            return;
        size_t hlen = (size_t)(end - h);
        int code = status_code_of(h, line_len);
        if (code >= 100 && code <= 199) {
            out->interim++;
            at += hlen;
            out->skipped = at;
            continue;
        }
        out->state = OD_HTTP_HEAD_FINAL;
        out->head_len = hlen;
        out->status_code = code;
        out->status_line = od_escape(h, line_len);
        out->server = header_value(h, hlen, "Server");
        out->malformed = content_length_problem(h, hlen);
        return;
    }
}

void od_http_head_free(od_http_head *h)
{
    if (!h)
        return;
    free(h->status_line);
    free(h->server);
    free(h->malformed);
    memset(h, 0, sizeof *h);
}
