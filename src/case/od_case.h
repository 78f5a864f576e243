/* The Case: what the user told us CloudFront is configured to do.
 * Validators are shared by the CLI, the wizard and report loading. */
#ifndef OD_CASE_H
#define OD_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include "od_util.h"

typedef enum {
    OD_POLICY_HTTPS_ONLY,
    OD_POLICY_HTTP_ONLY,
    OD_POLICY_MATCH_VIEWER
} od_protocol_policy;

/* A cache behavior's ViewerProtocolPolicy: over which protocol viewers'
 * requests can arrive (and so, with match-viewer, reach the origin). */
typedef enum {
    OD_VIEWER_ALLOW_ALL,           /* HTTP and HTTPS: the default */
    OD_VIEWER_REDIRECT_TO_HTTPS,   /* HTTP is answered with a redirect, never sent on */
    OD_VIEWER_HTTPS_ONLY
} od_viewer_policy;

/* A custom origin's IpAddressType: which addresses of the origin's name
 * CloudFront connects to. */
typedef enum {
    OD_IP_V4,          /* A records only: the default */
    OD_IP_V6,          /* AAAA records only */
    OD_IP_DUALSTACK    /* both */
} od_ip_address_type;

/* Origin SSL protocols as a bit set (CloudFront's OriginSslProtocols). */
enum {
    OD_PROTO_SSLV3 = 1u << 0,
    OD_PROTO_TLS1 = 1u << 1,
    OD_PROTO_TLS11 = 1u << 2,
    OD_PROTO_TLS12 = 1u << 3,
    OD_PROTO_TLS13 = 1u << 4   /* never a distribution setting; probed for information */
};

/* Connections in flight by default: the cipher table in one wave. */
#define OD_DEFAULT_CONCURRENCY 24

typedef struct {
    char *host;      /* lower-case */
    int port;
    char *address;   /* numeric IPv4/IPv6 */
} od_resolve;

/* One CustomHeaders entry: CloudFront adds it to every origin request. */
typedef struct {
    char *name;
    char *value;     /* often a secret (a WAF's shared secret): human output masks it */
} od_origin_header;

typedef struct {
    char *origin_domain;
    bool forward_host_header;
    od_strlist cnames;
    int http_port;
    int https_port;
    od_protocol_policy protocol_policy;
    /* The most permissive ViewerProtocolPolicy of the behaviors that reach
     * this origin: with match-viewer only allow-all makes the HTTP port matter. */
    od_viewer_policy viewer_protocol_policy;
    unsigned origin_ssl_protocols;   /* OD_PROTO_* bits */
    bool origin_mtls;                /* the distribution presents a client certificate (OriginMtlsConfig) */
    char *client_cert;               /* a copy of that certificate (PEM file) to present, or NULL */
    char *client_key;                /* and its private key (never copied into a report, only the path) */
    od_ip_address_type ip_address_type;   /* CustomOriginConfig.IpAddressType */
    od_resolve *resolve;
    size_t n_resolve;
    char *trust_store;               /* NULL: the system store */
    int timeout_s;                   /* per connect / handshake */
    int response_timeout_s;          /* CloudFront's origin response timeout: the wait for the HTTP answer */
    int concurrency;                 /* connections in flight to the origin; 0: automatic
                                        (OD_DEFAULT_CONCURRENCY, more when many names need it) */
    bool http_get;                   /* GET / instead of HEAD / */
    /* What CloudFront asks over HTTP: OriginPath + the viewer's path, with
     * the origin's CustomHeaders. */
    char *origin_path;               /* OriginPath, e.g. "/app"; NULL: none */
    char *request_path;              /* the viewer's path; NULL: "/" */
    od_origin_header *origin_headers;
    size_t n_origin_headers;
    /* The distribution's own name (dxxxx.cloudfront.net): with Host
     * forwarded, a Host viewers may use, so checked like a CNAME. */
    char *distribution_domain;
    /* From a distribution config whose cache behaviors disagree about Host:
     * some send the viewer's Host (the CNAMEs), others the origin domain. */
    bool also_origin_domain;         /* the origin domain is an expected name as well */
    od_strlist behaviors_forwarding_host;   /* path patterns whose requests carry a CNAME */
    od_strlist behaviors_origin_host;       /* path patterns whose requests carry the origin domain */
} od_case;

void od_case_init(od_case *c);       /* CloudFront's defaults */
void od_case_free(od_case *c);
void od_case_copy(od_case *dst, const od_case *src);

/* Validation: each returns NULL when valid, or a malloc'd message that
 * names the field, quotes the value and says what is allowed. */
char *od_validate_domain(const char *field, const char *value);   /* not an IP, RFC 1123 / IDN */
char *od_parse_port(const char *field, const char *value, int *out); /* 80, 443, 1024-65535 */
char *od_parse_protocol_policy(const char *value, od_protocol_policy *out);
char *od_parse_viewer_policy(const char *value, od_viewer_policy *out);
char *od_parse_ssl_protocols(const char *value, unsigned *out);
char *od_parse_ip_address_type(const char *value, od_ip_address_type *out);
/* --resolve HOST:PORT:ADDR[,ADDR...] (IPv6 in brackets, as curl): one
 * od_resolve per address, appended to *list. */
char *od_parse_resolve(const char *value, od_resolve **list, size_t *n);
void od_resolve_list_free(od_resolve *list, size_t n);   /* the entries and the array */
char *od_parse_timeout(const char *value, int *out);             /* 1-60 s */
char *od_parse_response_timeout(const char *value, int *out);    /* 1-180 s */
/* OriginPath: empty (none), or '/' then a path without a trailing '/'. */
char *od_parse_origin_path(const char *field, const char *value, char **out);
/* The viewer path: starts with '/', no spaces or control characters. */
char *od_parse_request_path(const char *field, const char *value, char **out);
/* A custom header: a token name CloudFront lets a distribution add, a
 * value without control characters (never quoted back: a secret). */
char *od_check_origin_header(const char *field, const char *name, const char *value);
/* "Name: value" (--origin-header) into *out (malloc'd name and value). */
char *od_parse_origin_header(const char *value, od_origin_header *out);
/* Appends a copy to a list (a header of the same name is replaced: one
 * value per name, as CloudFront sends). */
void od_origin_headers_add(od_origin_header **list, size_t *n, const char *name, const char *value);
void od_origin_headers_free(od_origin_header **list, size_t *n);
/* The same on the case's list. */
void od_case_add_origin_header(od_case *c, const char *name, const char *value);
void od_case_clear_origin_headers(od_case *c);
/* The path CloudFront asks the origin for: OriginPath + path, malloc'd. */
char *od_case_request_target(const od_case *c);
/* curl's options for the request CloudFront sends: -A 'Amazon CloudFront'
 * and each custom header, its value left to a shell variable
 * ($ORIGIN_HEADER_1, ...): commands land in human reports, and the value
 * is a secret. malloc'd. */
char *od_case_curl_request_args(const od_case *c);
/* A header value as human output shows it: never the secret itself. */
char *od_mask_header_value(const char *value);
bool od_is_ip_literal(const char *s);
/* --resolve '*:PORT:ADDR' pins every name: each such entry becomes
 * ORIGIN_DOMAIN:PORT:ADDR (unless that host and port are pinned already). */
void od_case_pin_wildcards(od_case *c);

const char *od_protocol_policy_name(od_protocol_policy p);
/* The one protocol-name parser: "TLSv1.2" (any case; TLSv1.3 included)
 * to its OD_PROTO_* bit; false if it is not a protocol name. */
bool od_proto_parse(const char *name, unsigned *bit);
const char *od_viewer_policy_name(od_viewer_policy p);   /* "allow-all" ... */
const char *od_ip_address_type_name(od_ip_address_type t);   /* "ipv4", "ipv6", "dualstack" */
/* Does CloudFront connect to addresses of this family (4 or 6), by the
 * case's IP address type? (Any family when the origin is an IP address.) */
bool od_case_uses_family(const od_case *c, int family);
/* "TLSv1.2" etc. for one OD_PROTO_* bit. */
const char *od_proto_name(unsigned bit);
/* Comma list in CloudFront's spelling, malloc'd. */
char *od_ssl_protocols_str(unsigned bits);

/* The names CloudFront sends as SNI and must find in the certificate:
 * the origin domain when Host is not forwarded, else every CNAME and the
 * distribution domain (and the origin domain too when also_origin_domain
 * is set); with Host forwarded but neither, the origin domain. */
void od_case_expected_names(const od_case *c, od_strlist *out);
bool od_case_uses_https(const od_case *c);
bool od_case_uses_http(const od_case *c);

#endif
