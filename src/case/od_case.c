#include "od_case.h"
#include "od_policy.h"

#include <cJSON.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void od_case_init(od_case *c)
{
    memset(c, 0, sizeof *c);
    od_strlist_init(&c->cnames);
    od_strlist_init(&c->behaviors_forwarding_host);
    od_strlist_init(&c->behaviors_origin_host);
    c->http_port = 80;
    c->https_port = 443;
    c->protocol_policy = OD_POLICY_HTTPS_ONLY;
    c->origin_ssl_protocols = OD_PROTO_TLS12;
    c->timeout_s = 10;      /* CloudFront's default connection timeout */
    c->response_timeout_s = 30;   /* CloudFront's default origin response timeout */
    c->concurrency = 0;   /* automatic */
}

void od_case_free(od_case *c)
{
    free(c->origin_domain);
    od_strlist_free(&c->cnames);
    od_strlist_free(&c->behaviors_forwarding_host);
    od_strlist_free(&c->behaviors_origin_host);
    od_resolve_list_free(c->resolve, c->n_resolve);
    free(c->trust_store);
    free(c->origin_path);
    free(c->request_path);
    od_case_clear_origin_headers(c);
    free(c->distribution_domain);
    free(c->client_cert);
    free(c->client_key);
    memset(c, 0, sizeof *c);
}

void od_case_copy(od_case *dst, const od_case *src)
{
    *dst = *src;
    dst->origin_domain = od_xstrdup(src->origin_domain);
    od_strlist_copy(&dst->cnames, &src->cnames);
    od_strlist_copy(&dst->behaviors_forwarding_host, &src->behaviors_forwarding_host);
    od_strlist_copy(&dst->behaviors_origin_host, &src->behaviors_origin_host);
    dst->resolve = src->n_resolve ? od_xcalloc(src->n_resolve, sizeof *dst->resolve) : NULL;
    for (size_t i = 0; i < src->n_resolve; i++) {
        dst->resolve[i].host = od_xstrdup(src->resolve[i].host);
        dst->resolve[i].port = src->resolve[i].port;
        dst->resolve[i].address = od_xstrdup(src->resolve[i].address);
    }
    dst->trust_store = od_xstrdup(src->trust_store);
    dst->origin_path = od_xstrdup(src->origin_path);
    dst->request_path = od_xstrdup(src->request_path);
    dst->distribution_domain = od_xstrdup(src->distribution_domain);
    dst->origin_headers = NULL;
    dst->n_origin_headers = 0;
    for (size_t i = 0; i < src->n_origin_headers; i++)
        od_case_add_origin_header(dst, src->origin_headers[i].name, src->origin_headers[i].value);
    dst->client_cert = od_xstrdup(src->client_cert);
    dst->client_key = od_xstrdup(src->client_key);
}

void od_case_pin_wildcards(od_case *c)
{
    size_t kept = 0;
    od_resolve *wild = NULL;
    size_t n_wild = 0;
    for (size_t i = 0; i < c->n_resolve; i++) {
        if (c->resolve[i].host && strcmp(c->resolve[i].host, "*") == 0) {
            wild = od_xrealloc(wild, (n_wild + 1) * sizeof *wild);
            wild[n_wild++] = c->resolve[i];
        } else {
            c->resolve[kept++] = c->resolve[i];
        }
    }
    c->n_resolve = kept;
    /* a name pinned by its own entries keeps them; the wildcard's several
     * addresses (*:PORT:A,B) all apply to a name that has none */
    for (size_t i = 0; i < n_wild; i++) {
        bool pinned = false;
        for (size_t k = 0; k < kept && !pinned; k++)
            pinned = c->origin_domain && c->resolve[k].port == wild[i].port &&
                     od_strcasecmp(c->resolve[k].host, c->origin_domain) == 0;
        if (c->origin_domain && !pinned) {
            c->resolve = od_xrealloc(c->resolve, (c->n_resolve + 1) * sizeof *c->resolve);
            od_resolve *r = &c->resolve[c->n_resolve++];
            r->host = od_xstrdup(c->origin_domain);
            r->port = wild[i].port;
            r->address = od_xstrdup(wild[i].address);
        }
        free(wild[i].host);
        free(wild[i].address);
    }
    free(wild);
}

/* A path as an HTTP request-target carries it: printable ASCII without
 * spaces; NULL when fine, else what is wrong (static text). */
static const char *path_problem(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == ' ')
            return "contains a space (write it as %20)";
        if (*p < 0x20 || *p == 0x7f)
            return "contains a control character";
        if (*p >= 0x80)
            return "contains a non-ASCII byte (percent-encode it, e.g. %C3%A9)";
        if (*p == '#')
            return "contains '#' (a fragment never reaches the origin)";
    }
    return NULL;
}

/* Longer than any path worth asking for: a typo, not a case. */
#define PATH_MAX_LEN 2048

char *od_parse_origin_path(const char *field, const char *value, char **out)
{
    const char *v = value ? value : "";
    char *q = od_quote(v);
    char *msg = NULL;
    size_t n = strlen(v);
    const char *bad = path_problem(v);
    if (n == 0) {
        free(*out);
        *out = NULL;   /* no OriginPath */
    } else if (v[0] != '/') {
        msg = od_xasprintf("%s: %s must start with '/' (e.g. /app)", field, q);
    } else if (bad) {
        msg = od_xasprintf("%s: %s %s", field, q, bad);
    } else if (strchr(v, '?')) {
        msg = od_xasprintf("%s: %s contains '?': OriginPath is a directory path, without a query", field, q);
    } else if (v[n - 1] == '/') {
        /* CloudFront's own rule for OriginPath: a directory path that
         * begins with a slash and does not end with one ("/" alone is no
         * OriginPath: leave it empty). */
        msg = n == 1 ? od_xasprintf("%s: \"/\" alone is no OriginPath (CloudFront's rule: no trailing "
                                    "'/'); leave it out for the root", field)
                     : od_xasprintf("%s: %s ends with '/': CloudFront's OriginPath does not (write "
                                    "\"%.*s\")",
                                    field, q, (int)(n - 1), v);
    } else if (n > PATH_MAX_LEN) {
        msg = od_xasprintf("%s: %s is longer than %d characters", field, q, PATH_MAX_LEN);
    } else {
        free(*out);
        *out = od_xstrdup(v);
    }
    free(q);
    return msg;
}

char *od_parse_request_path(const char *field, const char *value, char **out)
{
    const char *v = value ? value : "";
    char *q = od_quote(v);
    char *msg = NULL;
    const char *bad = path_problem(v);
    if (v[0] != '/')
        msg = od_xasprintf("%s: %s must start with '/' (the path viewers ask for, e.g. /index.html)", field, q);
    else if (bad)
        msg = od_xasprintf("%s: %s %s", field, q, bad);
    else if (strlen(v) > PATH_MAX_LEN)
        msg = od_xasprintf("%s: %s is longer than %d characters", field, q, PATH_MAX_LEN);
    else {
        free(*out);
        *out = od_xstrdup(v);
    }
    free(q);
    return msg;
}

static bool is_tchar(unsigned char ch)
{
    return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* CloudFront's rules for origin custom headers: the names it refuses
 * ("X-Amz-": a prefix) and the length limits, read from
 * assets/cloudfront-origin-policy.json ("origin_custom_headers": data with
 * its source and date). NULL, or why they could not be read. */
typedef struct {
    od_strlist refused;
    int name_max;
    int value_max;
} header_rules;

static char *header_rules_load(header_rules *r)
{
    od_strlist_init(&r->refused);
    char *path = od_asset_path("cloudfront-origin-policy.json");
    if (!path)
        return od_asset_missing("cloudfront-origin-policy.json");
    size_t len;
    char *text = od_read_file(path, &len);
    cJSON *doc = text ? cJSON_ParseWithLength(text, len) : NULL;
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(doc, "origin_custom_headers");
    const cJSON *refused = cJSON_GetObjectItemCaseSensitive(h, "refused");
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(h, "name_max_chars");
    const cJSON *vm = cJSON_GetObjectItemCaseSensitive(h, "value_max_chars");
    char *msg = NULL;
    if (!cJSON_IsArray(refused) || !cJSON_IsNumber(nm) || !cJSON_IsNumber(vm) || nm->valueint < 1 || vm->valueint < 1)
        msg = od_xasprintf("%s: origin_custom_headers needs refused (names), name_max_chars and value_max_chars", path);
    const cJSON *e;
    cJSON_ArrayForEach(e, refused)
    {
        if (!msg && (!cJSON_IsString(e) || !e->valuestring[0]))
            msg = od_xasprintf("%s: origin_custom_headers.refused holds a value that is not a header name", path);
        else if (!msg)
            od_strlist_add(&r->refused, e->valuestring);
    }
    if (!msg) {
        r->name_max = nm->valueint;
        r->value_max = vm->valueint;
    }
    cJSON_Delete(doc);
    free(text);
    free(path);
    return msg;
}

char *od_check_origin_header(const char *field, const char *name, const char *value)
{
    const char *n = name ? name : "";
    const char *v = value ? value : "";
    char *qn = od_quote(n);
    char *msg = NULL;
    const unsigned char *bad_name = NULL;
    for (const unsigned char *p = (const unsigned char *)n; *p && !bad_name; p++)
        if (!is_tchar(*p))
            bad_name = p;
    header_rules rules;
    char *load_err = header_rules_load(&rules);
    if (load_err) {
        msg = od_xasprintf("%s: the header cannot be checked against CloudFront's rules: %s", field, load_err);
        free(load_err);
        od_strlist_free(&rules.refused);
        free(qn);
        return msg;
    }
    const char *refused = NULL;
    for (size_t i = 0; i < rules.refused.len && !refused; i++) {
        const char *r = rules.refused.items[i];
        size_t rl = strlen(r);
        bool prefix = r[rl - 1] == '-';
        if (prefix ? od_strncasecmp(n, r, rl) == 0 : od_strcasecmp(n, r) == 0)
            refused = r;
    }
    bool bad_value = false;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        bad_value = bad_value || (*p < 0x20 && *p != '\t') || *p == 0x7f;
    if (!*n) {
        msg = od_xasprintf("%s: the header name is empty", field);
    } else if (bad_name) {
        msg = od_xasprintf("%s: the header name %s may hold only letters, digits and !#$%%&'*+-.^_`|~ (an HTTP "
                           "token; no spaces)",
                           field, qn);
    } else if (strlen(n) > (size_t)rules.name_max) {
        msg = od_xasprintf("%s: the header name %s is longer than CloudFront's %d characters", field, qn,
                           rules.name_max);
    } else if (refused) {
        msg = od_xasprintf("%s: CloudFront cannot add %s%s to origin requests", field, refused,
                           refused[strlen(refused) - 1] == '-' ? "... headers" : "");
    } else if (bad_value) {
        /* the value is not quoted back: it is likely a secret */
        msg = od_xasprintf("%s: the value of %s holds a control character (CR, LF, ...), which would split the "
                           "request",
                           field, qn);
    } else if (strlen(v) > (size_t)rules.value_max) {
        msg = od_xasprintf("%s: the value of %s is longer than CloudFront's %d characters", field, qn,
                           rules.value_max);
    }
    od_strlist_free(&rules.refused);
    free(qn);
    return msg;
}

char *od_parse_origin_header(const char *value, od_origin_header *out)
{
    const char *v = value ? value : "";
    const char *colon = strchr(v, ':');
    if (!colon) {
        /* not quoted back in full: it may be a secret pasted alone */
        return od_xasprintf("--origin-header: give 'Name: value' (e.g. 'X-Origin-Verify: s3cr3t'); there is no ':'");
    }
    char *name = od_xstrndup(v, (size_t)(colon - v));
    const char *val = colon + 1;
    while (*val == ' ' || *val == '\t')
        val++;
    size_t vl = strlen(val);
    while (vl && (val[vl - 1] == ' ' || val[vl - 1] == '\t'))
        vl--;
    char *value_only = od_xstrndup(val, vl);
    char *msg = od_check_origin_header("--origin-header", name, value_only);
    if (!msg) {
        out->name = name;
        out->value = value_only;
    } else {
        free(name);
        free(value_only);
    }
    return msg;
}

void od_origin_headers_add(od_origin_header **list, size_t *n, const char *name, const char *value)
{
    for (size_t i = 0; i < *n; i++)
        if (od_strcasecmp((*list)[i].name, name) == 0) {
            char *v = od_xstrdup(value ? value : "");
            free((*list)[i].value);
            (*list)[i].value = v;
            return;
        }
    *list = od_xrealloc(*list, (*n + 1) * sizeof **list);
    (*list)[*n].name = od_xstrdup(name);
    (*list)[*n].value = od_xstrdup(value ? value : "");
    (*n)++;
}

void od_origin_headers_free(od_origin_header **list, size_t *n)
{
    for (size_t i = 0; i < *n; i++) {
        free((*list)[i].name);
        free((*list)[i].value);
    }
    free(*list);
    *list = NULL;
    *n = 0;
}

void od_case_add_origin_header(od_case *c, const char *name, const char *value)
{
    od_origin_headers_add(&c->origin_headers, &c->n_origin_headers, name, value);
}

void od_case_clear_origin_headers(od_case *c)
{
    od_origin_headers_free(&c->origin_headers, &c->n_origin_headers);
}

char *od_case_request_target(const od_case *c)
{
    return od_xasprintf("%s%s", c->origin_path ? c->origin_path : "",
                        c->request_path && *c->request_path ? c->request_path : "/");
}

char *od_case_curl_request_args(const od_case *c)
{
    od_buf b;
    od_buf_init(&b);
    od_buf_puts(&b, "-A 'Amazon CloudFront'");
    for (size_t i = 0; i < c->n_origin_headers; i++) {
        char *name_part = od_xasprintf("%s: ", c->origin_headers[i].name);
        char *word = od_shell_word(name_part);
        od_buf_printf(&b, " -H %s\"$ORIGIN_HEADER_%zu\"", word, i + 1);
        free(word);
        free(name_part);
    }
    return od_buf_steal(&b);
}

/* The length and nothing of the value: a report is pasted into tickets,
 * and even its last characters narrow a shared secret down; the length
 * still tells an empty or wrong-sized value from the expected one. The
 * JSON report keeps the value (it re-runs the case). */
char *od_mask_header_value(const char *value)
{
    size_t n = value ? strlen(value) : 0;
    return n ? od_xasprintf("**** (%zu character%s)", n, n == 1 ? "" : "s") : od_xstrdup("(empty)");
}

bool od_is_ip_literal(const char *s)
{
    unsigned char buf[16];
    if (!s)
        return false;
    if (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1)
        return true;
    /* "[::1]" as some people write it */
    size_t n = strlen(s);
    if (n > 2 && s[0] == '[' && s[n - 1] == ']') {
        char tmp[64];
        if (n - 2 >= sizeof tmp)
            return false;
        memcpy(tmp, s + 1, n - 2);
        tmp[n - 2] = '\0';
        return inet_pton(AF_INET6, tmp, buf) == 1;
    }
    return false;
}


char *od_validate_domain(const char *field, const char *value)
{
    char *q = od_quote(value);
    char *msg = NULL;
    size_t n = value ? strlen(value) : 0;
    if (n == 0) {
        msg = od_xasprintf("%s: a domain name is required (e.g. origin.example.com)", field);
        goto out;
    }
    if (od_is_ip_literal(value)) {
        msg = od_xasprintf("%s: %s is an IP address; CloudFront needs a domain name for a custom origin "
                           "(create a DNS record that points to it)",
                           field, q);
        goto out;
    }
    if (strstr(value, "://") || strchr(value, '/') || strchr(value, ':')) {
        msg = od_xasprintf("%s: %s is not a bare domain name: give only the host (no scheme, path or port)", field, q);
        goto out;
    }
    /* Strip one trailing dot (fully qualified form). */
    if (value[n - 1] == '.')
        n--;
    if (n == 0 || n > 253) {
        msg = od_xasprintf("%s: %s must be 1 to 253 characters long", field, q);
        goto out;
    }
    size_t label_len = 0, labels = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)value[i];
        if (ch == '.') {
            if (label_len == 0) {
                msg = od_xasprintf("%s: %s has an empty label (two dots in a row or a leading dot)", field, q);
                goto out;
            }
            if (value[i - 1] == '-') {
                msg = od_xasprintf("%s: %s has a label ending with '-'", field, q);
                goto out;
            }
            label_len = 0;
            labels++;
            continue;
        }
        if (ch == '-' && label_len == 0) {
            msg = od_xasprintf("%s: %s has a label starting with '-'", field, q);
            goto out;
        }
        /* Letters, digits, hyphen; bytes >= 0x80 are allowed for
         * international names (converted to A-labels when matched). */
        if (!(isalnum(ch) || ch == '-' || ch >= 0x80)) {
            msg = od_xasprintf("%s: %s contains '%s', which a domain name cannot hold (letters, digits, "
                               "hyphens and dots only)",
                               field, q, ch == '*' ? "*" : (ch == '_' ? "_" : (ch == ' ' ? "a space" : "a character")));
            goto out;
        }
        if (++label_len > 63) {
            msg = od_xasprintf("%s: %s has a label longer than 63 characters", field, q);
            goto out;
        }
    }
    if (value[n - 1] == '-') {
        msg = od_xasprintf("%s: %s has a label ending with '-'", field, q);
        goto out;
    }
    if (labels < 2) {
        msg = od_xasprintf("%s: %s needs at least two labels (e.g. origin.example.com)", field, q);
        goto out;
    }
out:
    free(q);
    return msg;
}

static bool parse_int(const char *value, long min, long max, long *out)
{
    if (!value || !*value)
        return false;
    for (const char *p = value; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    if (strlen(value) > 9)
        return false;
    long v = strtol(value, NULL, 10);
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}

char *od_parse_port(const char *field, const char *value, int *out)
{
    long v;
    if (parse_int(value, 0, 65535, &v) && (v == 80 || v == 443 || (v >= 1024 && v <= 65535))) {
        *out = (int)v;
        return NULL;
    }
    char *q = od_quote(value);
    bool digits = value && *value;
    for (const char *p = value; p && *p; p++)
        digits = digits && *p >= '0' && *p <= '9';
    char *msg = digits ? od_xasprintf("%s: %s is not a port CloudFront can use: allowed are 80, 443 and 1024-65535",
                                      field, q)
                       : od_xasprintf("%s: %s is not a number: give a port, 80, 443 or 1024-65535", field, q);
    free(q);
    return msg;
}

static const char *const policy_names[] = {"https-only", "http-only", "match-viewer"};

const char *od_protocol_policy_name(od_protocol_policy p)
{
    return (unsigned)p < 3 ? policy_names[p] : "https-only";
}

/* One of names[0..n) (any case) into *out; else a message naming the
 * field, quoting the value and listing the names (then note, if any). */
static char *parse_choice(const char *field, const char *value, const char *const *names, int n, const char *note,
                          int *out)
{
    for (int i = 0; value && i < n; i++)
        if (od_strcasecmp(value, names[i]) == 0) {
            *out = i;
            return NULL;
        }
    od_buf b;
    od_buf_init(&b);
    char *q = od_quote(value);
    od_buf_printf(&b, "%s: %s is not one of ", field, q);
    for (int i = 0; i < n; i++)
        od_buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
    if (note)
        od_buf_printf(&b, " %s", note);
    free(q);
    return od_buf_steal(&b);
}

char *od_parse_protocol_policy(const char *value, od_protocol_policy *out)
{
    int i = 0;
    char *msg = parse_choice("protocol policy", value, policy_names, 3, NULL, &i);
    if (!msg)
        *out = (od_protocol_policy)i;
    return msg;
}

static const char *const viewer_policy_names[] = {
    [OD_VIEWER_ALLOW_ALL] = "allow-all",
    [OD_VIEWER_REDIRECT_TO_HTTPS] = "redirect-to-https",
    [OD_VIEWER_HTTPS_ONLY] = "https-only",
};

const char *od_viewer_policy_name(od_viewer_policy p)
{
    return (unsigned)p < 3 ? viewer_policy_names[p] : "allow-all";
}

char *od_parse_viewer_policy(const char *value, od_viewer_policy *out)
{
    int i = 0;
    char *msg = parse_choice("viewer protocol policy", value, viewer_policy_names, 3, NULL, &i);
    if (!msg)
        *out = (od_viewer_policy)i;
    return msg;
}

static const char *const ip_address_type_names[] = {
    [OD_IP_V4] = "ipv4",
    [OD_IP_V6] = "ipv6",
    [OD_IP_DUALSTACK] = "dualstack",
};

const char *od_ip_address_type_name(od_ip_address_type t)
{
    return (unsigned)t < 3 ? ip_address_type_names[t] : "ipv4";
}

char *od_parse_ip_address_type(const char *value, od_ip_address_type *out)
{
    int i = 0;
    char *msg = parse_choice("IP address type", value, ip_address_type_names, 3, "(CustomOriginConfig.IpAddressType)",
                             &i);
    if (!msg)
        *out = (od_ip_address_type)i;
    return msg;
}

bool od_case_uses_family(const od_case *c, int family)
{
    /* An IP address as the origin is refused outright (ORIGIN_IS_IP_ADDRESS):
     * no IpAddressType applies, and probing it still shows the server. */
    if (c->origin_domain && od_is_ip_literal(c->origin_domain))
        return true;
    switch (c->ip_address_type) {
    case OD_IP_V6:
        return family == 6;
    case OD_IP_DUALSTACK:
        return family == 4 || family == 6;
    case OD_IP_V4:
    default:
        return family == 4;
    }
}

static const struct {
    unsigned bit;
    const char *name;
} proto_names[] = {
    {OD_PROTO_SSLV3, "SSLv3"},   {OD_PROTO_TLS1, "TLSv1"},    {OD_PROTO_TLS11, "TLSv1.1"},
    {OD_PROTO_TLS12, "TLSv1.2"}, {OD_PROTO_TLS13, "TLSv1.3"},
};

const char *od_proto_name(unsigned bit)
{
    for (size_t i = 0; i < sizeof proto_names / sizeof proto_names[0]; i++)
        if (proto_names[i].bit == bit)
            return proto_names[i].name;
    return "?";
}

bool od_proto_parse(const char *name, unsigned *bit)
{
    for (size_t i = 0; name && i < sizeof proto_names / sizeof proto_names[0]; i++)
        if (od_strcasecmp(name, proto_names[i].name) == 0) {
            *bit = proto_names[i].bit;
            return true;
        }
    return false;
}

char *od_parse_ssl_protocols(const char *value, unsigned *out)
{
    unsigned bits = 0;
    char *copy = od_xstrdup(value ? value : "");
    char *msg = NULL, *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        size_t len = strlen(tok);
        while (len && tok[len - 1] == ' ')
            tok[--len] = '\0';
        unsigned found = 0;
        /* TLSv1.3 is not a value of OriginSslProtocols, so it is refused here. */
        if (!od_proto_parse(tok, &found) || found == OD_PROTO_TLS13) {
            char *q = od_quote(tok);
            msg = od_xasprintf("origin SSL protocols: %s is not one of SSLv3, TLSv1, TLSv1.1, TLSv1.2 "
                               "(CloudFront's OriginSslProtocols values)",
                               q);
            free(q);
            break;
        }
        bits |= found;
    }
    free(copy);
    if (!msg && !bits)
        msg = od_xasprintf("origin SSL protocols: give at least one of SSLv3, TLSv1, TLSv1.1, TLSv1.2");
    if (!msg)
        *out = bits;
    return msg;
}

char *od_ssl_protocols_str(unsigned bits)
{
    od_buf b;
    od_buf_init(&b);
    for (size_t i = 0; i < sizeof proto_names / sizeof proto_names[0]; i++)
        if (bits & proto_names[i].bit) {
            if (b.len)
                od_buf_puts(&b, ",");
            od_buf_puts(&b, proto_names[i].name);
        }
    return od_buf_steal(&b);
}

/* One address of a --resolve list: IPv4, or IPv6 bare or in brackets
 * ("[::1]"); the numeric text without brackets, or NULL with *why set. */
static char *resolve_address(const char *item, const char **why)
{
    size_t n = strlen(item);
    unsigned char buf[16];
    if (n == 0) {
        *why = "an empty address (two commas in a row, or a comma at the end)";
        return NULL;
    }
    if (item[0] == '[' || item[n - 1] == ']') {
        if (n < 3 || item[0] != '[' || item[n - 1] != ']') {
            *why = "an unbalanced bracket: write an IPv6 address as [::1]";
            return NULL;
        }
        char *inner = od_xstrndup(item + 1, n - 2);
        if (inet_pton(AF_INET6, inner, buf) == 1)
            return inner;
        *why = inet_pton(AF_INET, inner, buf) == 1 ? "brackets hold IPv6 addresses only; write an IPv4 address bare"
                                                   : "the bracketed address is not a numeric IPv6 address";
        free(inner);
        return NULL;
    }
    if (inet_pton(AF_INET, item, buf) == 1 || inet_pton(AF_INET6, item, buf) == 1)
        return od_xstrdup(item);
    *why = "not a numeric IPv4 or IPv6 address";
    return NULL;
}

void od_resolve_list_free(od_resolve *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].host);
        free(list[i].address);
    }
    free(list);
}

char *od_parse_resolve(const char *value, od_resolve **list, size_t *n)
{
    /* HOST:PORT:ADDR[,ADDR...]; an IPv6 address in brackets ([::1]), or
     * bare when it is the only one (its colons follow the port's) */
    const char *v = value ? value : "";
    const char *c1 = strchr(v, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    char *q = od_quote(v);
    char *msg = NULL;
    if (!c1 || !c2) {
        msg = od_xasprintf("--resolve: %s must be HOST:PORT:ADDRESS[,ADDRESS...] (e.g. "
                           "origin.example.com:443:192.0.2.10,[2001:db8::10])", q);
        free(q);
        return msg;
    }
    char *host = od_xstrndup(v, (size_t)(c1 - v));
    char *port = od_xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
    long p = 0;
    /* "*" pins every name (fleets and labs); see od_case_pin_wildcards. */
    char *dm = strcmp(host, "*") == 0 ? NULL : od_validate_domain("--resolve host", host);
    od_strlist addrs;
    od_strlist_init(&addrs);
    if (dm) {
        msg = od_xasprintf("--resolve: %s: %s", q, dm);
        free(dm);
    } else if (!parse_int(port, 1, 65535, &p)) {
        msg = od_xasprintf("--resolve: %s: the port must be a number from 1 to 65535", q);
    } else if (!c2[1]) {
        msg = od_xasprintf("--resolve: %s has no address: give HOST:PORT:ADDRESS[,ADDRESS...]", q);
    } else {
        const char *a = c2 + 1;
        for (;;) {
            size_t len = strcspn(a, ",");
            char *item = od_xstrndup(a, len);
            const char *why = NULL;
            char *addr = resolve_address(item, &why);
            if (!addr) {
                char *iq = od_quote(item);
                msg = od_xasprintf("--resolve: %s: address %s: %s (give numeric IPv4 or IPv6 addresses "
                                   "separated by commas, IPv6 in brackets)", q, iq, why);
                free(iq);
            }
            free(item);
            if (!addr)
                break;
            od_strlist_add_owned(&addrs, addr);
            if (!a[len])
                break;
            a += len + 1;
        }
    }
    if (!msg) {
        od_ascii_lower(host);
        size_t hl = strlen(host);
        if (hl && host[hl - 1] == '.')
            host[hl - 1] = '\0';
        *list = od_xrealloc(*list, (*n + addrs.len) * sizeof **list);
        for (size_t i = 0; i < addrs.len; i++) {
            od_resolve *r = &(*list)[(*n)++];
            r->host = od_xstrdup(host);
            r->port = (int)p;
            r->address = od_xstrdup(addrs.items[i]);
        }
    }
    od_strlist_free(&addrs);
    free(host);
    free(port);
    free(q);
    return msg;
}

/* A whole number of seconds in [min, max]; the message names the flag. */
static char *parse_seconds(const char *field, const char *value, long min, long max, const char *note, int *out)
{
    long v;
    if (parse_int(value, min, max, &v)) {
        *out = (int)v;
        return NULL;
    }
    char *q = od_quote(value);
    char *msg = od_xasprintf("%s: %s must be a whole number of seconds from %ld to %ld (%s)", field, q, min, max,
                             note);
    free(q);
    return msg;
}

char *od_parse_timeout(const char *value, int *out)
{
    return parse_seconds("--timeout", value, 1, 60, "CloudFront's connection timeout is 1-10 s", out);
}

char *od_parse_response_timeout(const char *value, int *out)
{
    return parse_seconds("--response-timeout", value, 1, 180, "CloudFront's origin response timeout; default 30",
                         out);
}

void od_case_expected_names(const od_case *c, od_strlist *out)
{
    od_strlist_init(out);
    if (c->forward_host_header && (c->cnames.len || c->distribution_domain)) {
        for (size_t i = 0; i < c->cnames.len; i++)
            if (!od_strlist_contains_ci(out, c->cnames.items[i]))
                od_strlist_add(out, c->cnames.items[i]);
        if (c->distribution_domain && !od_strlist_contains_ci(out, c->distribution_domain))
            od_strlist_add(out, c->distribution_domain);
        if (c->also_origin_domain && c->origin_domain && !od_strlist_contains_ci(out, c->origin_domain))
            od_strlist_add(out, c->origin_domain);
    } else if (c->origin_domain) {
        od_strlist_add(out, c->origin_domain);
    }
}

bool od_case_uses_https(const od_case *c)
{
    return c->protocol_policy != OD_POLICY_HTTP_ONLY;
}

/* With match-viewer CloudFront uses the protocol the viewer used: only an
 * allow-all behavior lets a viewer's request arrive over HTTP. */
bool od_case_uses_http(const od_case *c)
{
    if (c->protocol_policy == OD_POLICY_MATCH_VIEWER)
        return c->viewer_protocol_policy == OD_VIEWER_ALLOW_ALL;
    return c->protocol_policy != OD_POLICY_HTTPS_ONLY;
}
