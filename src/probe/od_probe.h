/* Probes: observe, never judge. Each is bounded by a timeout and safe to
 * run on its own thread (they share nothing mutable; results are merged
 * into the observations by the engine on one thread). */
#ifndef OD_PROBE_H
#define OD_PROBE_H

#include <stdatomic.h>
#include <stdbool.h>
#include "od_case.h"
#include "od_obs.h"
#include "od_policy.h"

typedef struct od_client_cert od_client_cert;

/* ---- DNS ---- fills o->dns and o->addresses (A and AAAA, or the
 * --resolve overrides for host:port). Bounded by timeout_ms. */
void od_probe_dns(const char *host, int port, const od_resolve *resolve, size_t n_resolve,
                  int timeout_ms, od_observations *o);

/* Is a numeric address private, loopback, link-local or unique-local? */
bool od_address_is_private(const char *address);

/* ---- TCP ---- non-blocking connect bounded by timeout_ms. */
/* Who caused a connect failure: the origin (refused, reset, timeout,
 * unreachable: findings) or this machine (OD_TCP_ERROR: untested).
 * immediate: connect() itself failed, before any packet came back. */
od_tcp_state od_tcp_classify_errno(int err, bool immediate);
void od_probe_tcp(const char *address, int port, int timeout_ms, od_tcp_result *out);

/* Connects (bounded); returns a connected blocking socket or -1 with
 * *state and *err describing why (err malloc'd). */
int od_tcp_connect(const char *address, int port, int timeout_ms, od_tcp_state *state, char **err);
/* The same; *err_no (may be NULL) gets the errno of a failed connection
 * attempt (0 when none came back, e.g. an invalid address). */
int od_tcp_connect_errno(const char *address, int port, int timeout_ms, od_tcp_state *state, char **err,
                         int *err_no);

/* Told once how a probe's connection went (from the probe's thread), so
 * the engine can take the TCP result from connections it makes anyway. */
typedef void (*od_connect_fn)(void *ctx, od_tcp_state state, const char *error, int64_t duration_ms);

/* ---- TLS handshake ---- */
/* CloudFront's ClientHello as codes, in CloudFront's order (the policy's
 * data): what the handshake "with CloudFront's cipher suites" offers. */
#define OD_OFFER_MAX 64
typedef struct {
    uint16_t suites[OD_OFFER_MAX];   /* IANA cipher suite codes valid at the offered protocols */
    size_t n_suites;
    uint16_t groups[OD_OFFER_MAX];   /* supported_groups */
    size_t n_groups;
    uint16_t sigs[OD_OFFER_MAX];     /* signature_algorithms */
    size_t n_sigs;
    /* GnuTLS priority tokens after the suite's own (groups, signature
     * schemes, certificate type), for the handshake that follows. */
    char tail[1024];
} od_hello_offer;

/* CloudFront's offer at the given OD_PROTO_* protocols. false when the
 * policy gives nothing to offer there (or too much to hold). */
bool od_policy_offer(const od_policy *p, unsigned protocols, od_hello_offer *out);

/* GnuTLS objects the handshakes of a run share, safely across threads:
 * the parsed priority strings and the certificate credentials. Sessions
 * hold them by reference: free after the last session made with them.
 * NULL when GnuTLS cannot allocate. */
typedef struct od_tls_shared od_tls_shared;
od_tls_shared *od_tls_shared_new(void);
void od_tls_shared_free(od_tls_shared *t);

typedef struct {
    const char *address;
    int port;
    const char *sni;            /* NULL: no server_name extension */
    int timeout_ms;
    const char *priority;       /* GnuTLS priority string; NULL: permissive (TLS1.0-1.3, all suites GnuTLS has) */
    atomic_bool *cancel;        /* may be NULL */
    bool stop_at_server_hello;  /* end once the origin has chosen (version, suite): no certificates */
    /* CloudFront's exact offer (priority must enable every suite of it):
     * a connection of its own sends GnuTLS's ClientHello rewritten to offer
     * exactly these suites, groups and signature schemes in this order and
     * ends at the ServerHello; the handshake proper then gets the suite the
     * origin chose there (offered alone if the priority's superset makes
     * the origin pick another). NULL: the priority alone. */
    const od_hello_offer *offer;
    /* With offer: the exact ClientHello may go on a second connection
     * beside the handshake proper (no round trip added); false: before it. */
    bool offer_beside;
    od_connect_fn on_connect;   /* may be NULL */
    void *connect_ctx;
    const od_client_cert *client_cert;   /* sent when the origin asks (origin mTLS); NULL: none, as CloudFront */
    od_tls_shared *shared;      /* may be NULL: the session sets up its own */
} od_tls_request;

typedef struct {
    od_handshake hs;            /* chain/facts left empty: see der */
    od_tcp_state tcp;           /* how its TCP connect went (UNTESTED: not tried) */
    unsigned char **der;        /* the certificate list exactly as sent */
    size_t *der_len;
    size_t n_der;
} od_tls_capture;

/* Connects, handshakes, records version/cipher/group/alert/error and the
 * peer's certificate list as sent. Classifies failures (not TLS, timeout,
 * alert, client certificate required: also detected in TLS 1.3 by one
 * read after the handshake, closed, connect failed). */
void od_probe_tls(const od_tls_request *req, od_tls_capture *out);
void od_tls_capture_free(od_tls_capture *c);

/* Priority string offering CloudFront's suites (from the policy) at the
 * given OD_PROTO_* protocols with CloudFront's curves. malloc'd. */
char *od_policy_priority(const od_policy *p, unsigned protocols);
/* Priority string offering exactly one suite at one protocol, or NULL when
 * GnuTLS cannot offer it (SSLv3 compiled out, suite not valid there). */
char *od_suite_priority(const od_policy *p, const od_policy_suite *s, unsigned proto);

/* Priority string offering one protocol alone with everything this GnuTLS
 * has at it (the protocol row of the table). malloc'd; NULL for SSL 3.0. */
char *od_protocol_priority(unsigned proto);

/* ---- protocol support and cipher table ----
 * For each protocol TLS1.0..1.3: does the origin accept it (any suite)?
 * For TLS1.0-1.2: each CloudFront suite alone, with only CloudFront's
 * curves, up to `concurrency` connections at once. Rows for SSLv3 are
 * untested (not in this GnuTLS). Appends to o->protocols and o->ciphers;
 * returns the number of handshakes used. */
int od_probe_cipher_table(const char *address, int port, const char *sni,
                          const od_policy *p, int timeout_ms, int concurrency,
                          atomic_bool *cancel, od_observations *o);

/* The same table from handshakes run elsewhere (the engine's schedule).
 * A cell is what one table handshake told: accepted, refused, or
 * untested with why. */
typedef struct {
    bool present;              /* a probe was planned for this cell */
    bool ran;                  /* its handshake was attempted */
    od_tri result;
    char *detail;
    char *cipher;              /* the suite the origin chose, when accepted */
    /* The refusal proves the protocol itself is refused: a protocol_version
     * alert (70) or a ServerHello at another version. A handshake_failure
     * (40) may only mean no shared suite. */
    bool version_refused;
    int alert;                 /* the alert that ended its handshake, or -1 (set when it ran) */
} od_table_cell;

void od_table_cell_of(const od_handshake *hs, od_table_cell *cell);
void od_table_cell_free(od_table_cell *cell);
/* Protocol cells for TLS1.0, 1.1, 1.2, 1.3 in that order. */
#define OD_TABLE_PROTOCOLS 4
/* Suite cells indexed [protocol row * n_suites + suite], protocol rows
 * SSLv3, TLS1.0, TLS1.1, TLS1.2: OD_TABLE_ROWS * p->n_suites cells. */
#define OD_TABLE_ROWS 4
/* Row of the suite table for one OD_PROTO_* bit, or -1. */
int od_table_row(unsigned proto);
/* Appends the protocol rows and the cipher rows to o; returns the number
 * of handshakes the cells ran. Suite cells count only where their
 * protocol was accepted. */
int od_cipher_table_fill(const od_policy *p, const od_table_cell *protocols, const od_table_cell *suites,
                         od_observations *o);

/* ---- HTTP ---- */
typedef struct {
    const char *address;
    int port;
    bool tls;
    const char *sni;            /* for TLS */
    const char *host_header;
    const char *method;         /* "HEAD" or "GET" */
    const char *path;           /* the request-target (OriginPath + path); NULL: "/" */
    const od_origin_header *headers;   /* the origin's CustomHeaders, sent as CloudFront does */
    size_t n_headers;
    const char *priority;       /* for TLS; NULL permissive */
    const od_hello_offer *offer;    /* for TLS: as od_tls_request's */
    bool offer_beside;              /* for TLS: as od_tls_request's */
    int timeout_ms;             /* connect and handshake each */
    int response_timeout_ms;    /* the answer: first byte, then the rest of the head; 0: timeout_ms */
    atomic_bool *cancel;
    od_connect_fn on_connect;   /* may be NULL */
    void *connect_ctx;
    /* TLS: when set, the handshake is also the TLS probe of this name (the
     * TLS 1.3 client-certificate verdict read included, as od_probe_tls
     * does) and its capture is handed over, before the request is sent. */
    void (*on_handshake)(void *ctx, od_tls_capture *capture);   /* takes ownership of *capture */
    void *handshake_ctx;
    const od_client_cert *client_cert;   /* for TLS, as in od_tls_request */
    od_tls_shared *shared;      /* for TLS, as in od_tls_request */
} od_http_request;

/* Sends METHOD PATH with Host, User-Agent: Amazon CloudFront and the custom
 * headers, as CloudFront does; reads the status line and headers (bounded
 * in size), records status, Server header (escaped) and time to first byte. */
void od_probe_http(const od_http_request *req, od_http_result *out);

#endif
