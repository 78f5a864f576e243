/* Observations: facts the probes saw, no opinions. Rules read these;
 * the JSON report stores them; a reopened report restores them. */
#ifndef OD_OBS_H
#define OD_OBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "od_util.h"

#define OD_ADDR_LEN 64
/* Certificates of one chain kept and analysed. An origin that sends more
 * (a TLS handshake could carry thousands) is reported as not analysed,
 * never judged on the first OD_CHAIN_MAX alone. */
#define OD_CHAIN_MAX 64

/* ---- steps (what ran, how it went, how long) ---- */
typedef enum {
    OD_STEP_PENDING,
    OD_STEP_RUNNING,
    OD_STEP_PASS,
    OD_STEP_WARN,
    OD_STEP_FAIL,
    OD_STEP_SKIPPED,
    OD_STEP_UNTESTED
} od_step_status;

typedef struct {
    /* Stable across runs of the same case (no port numbers, no order):
     * "dns", "tcp:ADDR:https", "tls:ADDR:https:SNI" ("-": no SNI),
     * "tls-broad:ADDR:https:SNI", "ciphers:ADDR:https",
     * "http:ADDR:https|http:HOST", "chain", "names". NULL in older reports. */
    char *id;
    char *name;           /* "dns", "tcp 127.0.0.1:443", "tls a.example.com @127.0.0.1:443" */
    od_step_status status;
    int64_t duration_ms;
    char *detail;         /* one line, escaped */
} od_step;

const char *od_step_status_name(od_step_status s);   /* "pass", "fail", ... */
bool od_step_status_parse(const char *s, od_step_status *out);

/* ---- DNS ---- */
typedef enum {
    OD_DNS_NOT_RUN,
    OD_DNS_OK,
    OD_DNS_NO_SUCH_HOST,
    OD_DNS_FAILED,       /* no answer, server failure, timeout */
    OD_DNS_IS_IP         /* the origin domain is an IP literal: not looked up */
} od_dns_status;

typedef struct {
    char address[OD_ADDR_LEN];
    int family;          /* 4 or 6 */
    bool from_resolve;   /* came from --resolve, not DNS */
    bool is_private;     /* private, loopback, link-local, unique-local */
} od_address;

typedef struct {
    od_dns_status status;
    char *error;         /* resolver text when not OK */
    int64_t duration_ms;
} od_dns_result;

/* ---- TCP ---- */
typedef enum {
    OD_TCP_UNTESTED,
    OD_TCP_OPEN,
    OD_TCP_REFUSED,
    OD_TCP_TIMEOUT,
    OD_TCP_UNREACHABLE,
    OD_TCP_ERROR
} od_tcp_state;

typedef struct {
    char address[OD_ADDR_LEN];
    int port;
    od_tcp_state state;
    char *error;         /* strerror text when not open */
    int64_t duration_ms;
} od_tcp_result;

const char *od_tcp_state_name(od_tcp_state s);
bool od_tcp_state_parse(const char *s, od_tcp_state *out);

/* ---- fields listed once ----
 * The certificate's and the handshake's fields are listed once below, as
 * X(kind, name, JSON object or NULL, JSON key, limit); the struct, its
 * free, the JSON writer and the JSON reader all expand the same list, so
 * a field added here is declared, freed, written and read back. Kinds:
 *   STR  char *, a string, never null      NSTR  char *, a string or null
 *   LIST od_strlist                        BOOL  bool
 *   OBOOL bool, false when absent (a key added later: older files load)
 *   INT  int, 0 to limit                   TIME  time_t (RFC 3339 in JSON)
 *   MS   int64_t milliseconds, -1 when not measured
 *   ADDR char[OD_ADDR_LEN]                 and, for the handshake only,
 *   OUTCOME, ALERT, PURPOSE, CHAIN, FACTS (see od_handshake). */
#define OD_FIELD_DECL_STR(name) char *name;
#define OD_FIELD_DECL_NSTR(name) char *name;
#define OD_FIELD_DECL_LIST(name) od_strlist name;
#define OD_FIELD_DECL_OLIST(name) od_strlist name;
#define OD_FIELD_DECL_BOOL(name) bool name;
#define OD_FIELD_DECL_OBOOL(name) bool name;
#define OD_FIELD_DECL_INT(name) int name;
#define OD_FIELD_DECL_TIME(name) time_t name;
#define OD_FIELD_DECL_MS(name) int64_t name;
#define OD_FIELD_DECL_COUNT(name) size_t name;
#define OD_FIELD_DECL_ADDR(name) char name[OD_ADDR_LEN];
#define OD_FIELD_DECL_OUTCOME(name) od_tls_outcome name;
#define OD_FIELD_DECL_ALERT(name) int name;   /* alert number, -1 if none */
#define OD_FIELD_DECL_PURPOSE(name) bool name;
#define OD_FIELD_DECL_CHAIN(name) size_t name[OD_CHAIN_MAX]; size_t name##_len;
#define OD_FIELD_DECL_FACTS(name) od_chain_facts name;
#define OD_FIELD_DECL(kind, name, object, key, limit) OD_FIELD_DECL_##kind(name)

/* ---- certificates (deduplicated by SHA-256, referenced by index) ---- */
#define OD_CERT_FIELDS(X)                                                                    \
    X(STR, subject, NULL, "subject", 0)          /* RFC 4514 DN, escaped */                  \
    X(STR, issuer, NULL, "issuer", 0)                                                        \
    X(LIST, common_names, NULL, "common_names", 0)                                           \
    X(LIST, san_dns, NULL, "san_dns", 0)         /* as in the certificate (escaped) */       \
    X(LIST, san_ip, NULL, "san_ip", 0)           /* textual addresses */                     \
    X(TIME, not_before, NULL, "not_before", 0)                                               \
    X(TIME, not_after, NULL, "not_after", 0)                                                 \
    X(NSTR, serial, NULL, "serial", 0)           /* hex, colon separated */                  \
    X(NSTR, sha256, NULL, "sha256", 0)           /* hex, colon separated, upper case */      \
    X(NSTR, key_type, "key", "type", 0)          /* "RSA", "ECDSA", "Ed25519", ... */        \
    X(INT, key_bits, "key", "bits", 1 << 20)                                                 \
    X(NSTR, key_curve, "key", "curve", 0)        /* "SECP256R1" or NULL */                   \
    X(NSTR, signature_algorithm, NULL, "signature_algorithm", 0)   /* "RSA-SHA256" ... */    \
    X(BOOL, is_ca, NULL, "is_ca", 0)                                                         \
    X(BOOL, self_signed, NULL, "self_signed", 0) /* issued by its own key */                 \
    X(BOOL, self_issued, NULL, "self_issued", 0) /* subject DN == issuer DN */               \
    X(LIST, aia_issuer_urls, NULL, "aia_issuer_urls", 0)                                     \
    X(OLIST, aia_ocsp_urls, NULL, "aia_ocsp_urls", 0)   /* escaped; older reports lack it */ \
    X(NSTR, subject_key_id, NULL, "subject_key_id", 0)       /* hex or NULL */               \
    X(NSTR, authority_key_id, NULL, "authority_key_id", 0)   /* hex or NULL */

typedef struct {
    OD_CERT_FIELDS(OD_FIELD_DECL)
    unsigned char *der;      /* raw certificate as received (the report's "pem") */
    size_t der_len;
} od_cert;

void od_cert_free(od_cert *c);

/* ---- chain facts (computed from the chain as sent + the trust store) ----
 * Pure facts, so the rules can judge order, completeness and trust. */
typedef struct {
    bool analysed;                /* false: no chain to analyse */
    size_t path[OD_CHAIN_MAX];             /* positions in the sent list, leaf first, as issuers were found */
    size_t path_len;
    bool order_ok;                /* path is 0,1,2,... */
    bool leaf_self_signed;        /* [0] verifies with its own key */
    bool issuer_missing;          /* the path stops at a cert whose issuer is neither sent nor trusted */
    char *missing_issuer_dn;      /* issuer DN of that cert */
    char *missing_issuer_akid;    /* its authority key id (hex) or NULL */
    size_t missing_after;         /* position whose issuer is missing */
    bool ends_at_trust_anchor;    /* last cert on the path is issued by (or is) a trusted CA */
    char *trust_anchor_subject;   /* that CA's subject, when found */
    bool ends_at_untrusted_root;  /* the path ends at a self-signed cert the store does not hold */
    bool root_included;           /* a self-signed CA cert was sent */
    size_t root_position;
    size_t extra[OD_CHAIN_MAX];            /* positions sent but not on the path */
    size_t n_extra;
} od_chain_facts;

void od_chain_facts_free(od_chain_facts *f);
/* A deep copy (the strings are duplicated). */
void od_chain_facts_copy(od_chain_facts *to, const od_chain_facts *from);

/* ---- TLS handshakes ---- */
typedef enum {
    OD_TLS_UNTESTED,          /* not attempted (port closed, cancelled) */
    OD_TLS_OK,
    OD_TLS_NOT_TLS,           /* the peer answered, but not with TLS */
    OD_TLS_TIMEOUT,           /* handshake did not finish in time */
    OD_TLS_ALERT,             /* a fatal alert was received */
    OD_TLS_CLIENT_CERT_REQUIRED,
    OD_TLS_CLOSED,            /* peer closed the connection without an alert */
    OD_TLS_CONNECT_FAILED,    /* TCP connect failed for this handshake */
    OD_TLS_ERROR,             /* another error */
    OD_TLS_VERSION_REFUSED,   /* the origin chose a protocol version we did not offer */
    OD_TLS_CLIENT_CERT_REFUSED   /* the origin refused the client certificate we sent (origin mTLS) */
} od_tls_outcome;

const char *od_tls_outcome_name(od_tls_outcome o);
bool od_tls_outcome_parse(const char *s, od_tls_outcome *out);

/* The handshake's fields, in report order (see "fields listed once"):
 * OUTCOME is "outcome" by name; ALERT a number or null; PURPOSE is
 * cert_only, written "certificate" (a broad offer made only to see the
 * certificate, because the handshake with CloudFront's offer was refused)
 * or "cloudfront"; CHAIN the indexes into od_observations.certs in the
 * order sent, with its _len; FACTS the chain facts; COUNT a size_t that
 * older reports lack (read as 0: unknown). chain_sent is how many
 * certificates the origin sent, > chain_len when over OD_CHAIN_MAX (then
 * the chain is not analysed, and said so). */
#define OD_HANDSHAKE_FIELDS(X)                                                               \
    X(ADDR, address, NULL, "address", 0)                                                     \
    X(INT, port, NULL, "port", 65535)                                                        \
    X(NSTR, sni, NULL, "sni", 0)                 /* NULL: no server_name extension */        \
    X(BOOL, ok, NULL, "ok", 0)                                                               \
    X(OUTCOME, outcome, NULL, "outcome", 0)                                                  \
    X(NSTR, version, NULL, "version", 0)         /* "TLS1.2" (GnuTLS name) */                \
    X(NSTR, cipher, NULL, "cipher", 0)           /* IANA name */                             \
    X(NSTR, group, NULL, "group", 0)             /* "SECP256R1", "X25519" */                 \
    X(ALERT, alert, NULL, "alert", 255)                                                      \
    X(NSTR, alert_name, NULL, "alert_name", 0)   /* e.g. "handshake_failure" */              \
    X(NSTR, error, NULL, "error", 0)             /* GnuTLS error text */                     \
    X(BOOL, client_cert_requested, NULL, "client_cert_requested", 0)                         \
    X(OBOOL, client_cert_sent, NULL, "client_cert_sent", 0)   /* ours (--client-cert) */     \
    X(PURPOSE, cert_only, NULL, "purpose", 0)                                                \
    X(CHAIN, chain, NULL, "chain", 0)                                                        \
    X(COUNT, chain_sent, NULL, "chain_sent", 1 << 24)  /* certificates the origin sent */    \
    X(FACTS, facts, NULL, "chain_facts", 0)                                                  \
    X(MS, duration_ms, NULL, "duration_ms", 0)

typedef struct {
    OD_HANDSHAKE_FIELDS(OD_FIELD_DECL)
} od_handshake;

/* ---- protocol support and cipher table ---- */
typedef enum { OD_TRI_UNTESTED = -1, OD_TRI_NO = 0, OD_TRI_YES = 1 } od_tri;

typedef struct {
    unsigned proto;           /* one OD_PROTO_* bit */
    od_tri accepted;
    char *detail;             /* why untested, or what the origin answered */
    char *negotiated_cipher;  /* IANA name of the suite chosen from the broad offer, or NULL */
    int alert;                /* the alert that refused the broad offer, or -1 */
} od_protocol_result;

typedef struct {
    unsigned proto;           /* one OD_PROTO_* bit */
    char *name;               /* OpenSSL name, from the policy */
    char *iana;               /* "0xC02F" */
    bool cloudfront_offers;   /* CloudFront offers it at this protocol */
    od_tri origin_accepts;    /* UNTESTED: see reason */
    char *reason;             /* why untested, or NULL */
} od_cipher_row;

/* ---- HTTP ---- */
typedef struct {
    bool attempted;
    char *scheme;             /* "https" or "http" */
    char address[OD_ADDR_LEN];
    int port;
    char *host_header;
    char *method;             /* "HEAD" or "GET" */
    char *path;               /* the request-target asked (OriginPath + path); NULL: "/" */
    bool request_sent;        /* the connection worked and the request went out */
    bool local_failure;       /* no request because of this machine or the tool (not the origin) */
    bool responded;
    bool malformed;           /* bytes came but CloudFront cannot parse them as an
                               * HTTP head (error says why; not responded) */
    int status_code;          /* 0 when no response */
    char *status_line;        /* escaped */
    char *server;             /* Server header, escaped, or NULL */
    int64_t ttfb_ms;
    char *error;              /* why there is no response */
} od_http_result;

/* ---- a certificate file judged offline (--check-bundle) ----
 * The handshakes are then the ones CloudFront would make once the file is
 * installed: one per expected name, the file's order as the chain sent. */
typedef struct {
    char *file;               /* the bundle file as named (escaped) */
    char *format;             /* "PEM", "DER", "PKCS#7", "PKCS#12" */
    char *key_source;         /* the key file, "the PKCS#12 file", or NULL: no key given */
    od_tri key_matches;       /* UNTESTED: no key given */
    time_t checked_at;        /* the time validity is judged at (--at) */
} od_bundle_obs;

/* ---- everything observed in one run ---- */
typedef struct {
    od_dns_result dns;
    od_address *addresses;    size_t n_addresses;
    od_tcp_result *tcp;       size_t n_tcp;
    od_handshake *handshakes; size_t n_handshakes;
    od_cert *certs;           size_t n_certs;
    od_protocol_result *protocols; size_t n_protocols;
    od_cipher_row *ciphers;   size_t n_ciphers;
    od_http_result *http;     size_t n_http;
    od_step *steps;           size_t n_steps;
    int handshake_count;      /* every TLS handshake attempted, all probes */
    bool cancelled;           /* the run was stopped before it finished */
    char *trust_store_used;   /* file path, or "system" */
    od_bundle_obs *bundle;    /* set when a bundle file was judged, not an origin probed */
} od_observations;

void od_bundle_obs_free(od_bundle_obs *b);   /* and b itself */

void od_http_result_free(od_http_result *h);   /* its strings; the struct is zeroed */
void od_obs_init(od_observations *o);
void od_obs_free(od_observations *o);

/* Append helpers return the new element (zeroed) for the caller to fill. */
od_address *od_obs_add_address(od_observations *o);
od_tcp_result *od_obs_add_tcp(od_observations *o);
od_handshake *od_obs_add_handshake(od_observations *o);
od_protocol_result *od_obs_add_protocol(od_observations *o);
od_cipher_row *od_obs_add_cipher(od_observations *o);
od_http_result *od_obs_add_http(od_observations *o);
od_step *od_obs_add_step(od_observations *o, const char *name);
/* Adds a certificate unless one with the same SHA-256 is present; takes
 * ownership of *c either way; returns its index. */
size_t od_obs_add_cert(od_observations *o, od_cert *c);

#endif
