/* Name matching by the rules CloudFront follows (RFC 6125 style). */
#include "od_names.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "od_util.h"

/* An address in binary form, for comparing textual IPs independent of
 * their spelling ("::1" vs "0:0::1"). */
typedef struct {
    int family;
    unsigned char bytes[16];
} ip_addr;

/* Parses an IPv4 or IPv6 literal (IPv6 optionally in brackets). */
static bool parse_ip(const char *s, ip_addr *out)
{
    if (!s || !*s)
        return false;
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, s, out->bytes) == 1) {
        out->family = AF_INET;
        return true;
    }
    size_t len = strlen(s);
    char tmp[INET6_ADDRSTRLEN + 2];
    if (s[0] == '[' && len >= 2 && s[len - 1] == ']') {
        if (len - 2 >= sizeof tmp)
            return false;
        memcpy(tmp, s + 1, len - 2);
        tmp[len - 2] = '\0';
        s = tmp;
    }
    if (inet_pton(AF_INET6, s, out->bytes) == 1) {
        out->family = AF_INET6;
        return true;
    }
    return false;
}

static bool is_ip_literal(const char *s)
{
    ip_addr a;
    return parse_ip(s, &a);
}

static bool label_is_ascii(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] >= 0x80)
            return false;
    return true;
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Normalises label by label, so that a wildcard label ("*") passes
 * through while the labels after it are converted to A-labels. */
char *od_name_normalize(const char *name)
{
    if (!name)
        return NULL;
    size_t len = strlen(name);
    if (len > 0 && name[len - 1] == '.')
        len--;                      /* the root label: "example.com." */
    if (len == 0)
        return NULL;

    od_buf out;
    od_buf_init(&out);
    size_t start = 0;
    while (start <= len) {
        size_t end = start;
        while (end < len && name[end] != '.')
            end++;
        size_t n = end - start;
        if (n == 0) {               /* empty label: "a..b", ".a" */
            od_buf_free(&out);
            return NULL;
        }
        if (start > 0)
            od_buf_append(&out, ".", 1);
        if (label_is_ascii(name + start, n)) {
            for (size_t i = 0; i < n; i++) {
                char c = ascii_lower(name[start + i]);
                od_buf_append(&out, &c, 1);
            }
        } else {
            gnutls_datum_t a = { NULL, 0 };
            if (gnutls_idna_map(name + start, (unsigned)n, &a, 0) < 0 || a.size == 0) {
                gnutls_free(a.data);
                od_buf_free(&out);
                return NULL;
            }
            for (unsigned i = 0; i < a.size; i++) {
                char c = ascii_lower((char)a.data[i]);
                od_buf_append(&out, &c, 1);
            }
            gnutls_free(a.data);
        }
        start = end + 1;
    }
    return od_buf_steal(&out);
}

static size_t count_labels(const char *s)
{
    size_t n = 1;
    for (; *s; s++)
        if (*s == '.')
            n++;
    return n;
}

/* Both arguments normalised. */
static bool match_normalized(const char *pat, const char *host)
{
    if (strchr(host, '*'))
        return false;               /* a host name never holds a wildcard */
    if (pat[0] == '*' && pat[1] == '.') {
        const char *suffix = pat + 1;          /* ".example.com" */
        if (strchr(suffix, '*'))
            return false;                      /* "*.*.example.com" */
        if (count_labels(suffix + 1) < 2)
            return false;                      /* "*.com" is too broad */
        const char *dot = strchr(host, '.');
        if (!dot || dot == host)
            return false;                      /* exactly one non-empty label */
        return strcmp(dot, suffix) == 0;
    }
    if (strchr(pat, '*'))
        return false;               /* partial-label or non-left-most wildcard */
    return strcmp(pat, host) == 0;
}

bool od_name_matches(const char *pattern, const char *host)
{
    if (!pattern || !host)
        return false;
    /* An IP address is never matched against a DNS name (RFC 6125 6.2.1;
     * IP hosts are compared with IP SANs only). */
    if (is_ip_literal(host))
        return false;
    char *p = od_name_normalize(pattern);
    char *h = od_name_normalize(host);
    bool ok = p && h && match_normalized(p, h);
    free(p);
    free(h);
    return ok;
}

bool od_cert_covers(const od_cert *c, const char *host, const char **matched_by)
{
    if (matched_by)
        *matched_by = NULL;
    if (!c || !host)
        return false;

    ip_addr want;
    if (parse_ip(host, &want)) {
        for (size_t i = 0; i < c->san_ip.len; i++) {
            ip_addr have;
            if (parse_ip(c->san_ip.items[i], &have) && have.family == want.family &&
                memcmp(have.bytes, want.bytes, sizeof have.bytes) == 0) {
                if (matched_by)
                    *matched_by = c->san_ip.items[i];
                return true;
            }
        }
        return false;
    }

    char *h = od_name_normalize(host);
    if (!h)
        return false;
    /* The subject CN counts only when the certificate has no DNS SAN. */
    const od_strlist *names = c->san_dns.len > 0 ? &c->san_dns : &c->common_names;
    bool ok = false;
    for (size_t i = 0; i < names->len && !ok; i++) {
        char *p = od_name_normalize(names->items[i]);
        if (p && match_normalized(p, h)) {
            ok = true;
            if (matched_by)
                *matched_by = names->items[i];
        }
        free(p);
    }
    free(h);
    return ok;
}
