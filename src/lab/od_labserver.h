/* The project's own GnuTLS origin server, bound to 127.0.0.1 (or ::1) only. It
 * sends each chain exactly as given (gnutls_certificate_set_key), serves
 * a small HTTP answer, and can misbehave on purpose. Used by the lab
 * (--lab) and by the integration tests. Runs on its own thread. */
#ifndef OD_LABSERVER_H
#define OD_LABSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include "od_certgen.h"

typedef enum {
    OD_LAB_TLS,          /* TLS, then HTTP */
    OD_LAB_PLAIN_HTTP,   /* plain HTTP on the port */
    OD_LAB_SILENT,       /* accepts, never answers */
    OD_LAB_CLOSED,       /* nothing listens (port reserved then closed) */
    OD_LAB_DROP          /* connections are never answered at the TCP level, like a firewall that drops */
} od_lab_mode;

typedef struct {
    const od_gen_cert *const *chain;   /* sent exactly in this order; [0] is the leaf */
    size_t chain_len;
    const char *sni;                   /* served when the client's SNI equals this (NULL: any) */
} od_lab_identity;

typedef struct {
    od_lab_mode mode;
    od_lab_identity identities[4];     /* [0] is the default (no SNI / unknown SNI) */
    size_t n_identities;
    const char *priority;              /* GnuTLS priority string, NULL: permissive (all CloudFront suites) */
    bool require_client_cert;
    /* With require_client_cert: the client certificate must chain to this
     * CA (verified in the handshake; the CertificateRequest names it), as an
     * origin set up for mutual TLS checks. NULL: any certificate will do. */
    const od_gen_cert *client_ca;
    bool reject_without_sni;           /* fatal unrecognized_name when no/unknown SNI */
    int http_status;                   /* 0: 200 */
    bool http_silent;                  /* complete TLS but never answer HTTP */
    /* "Name: value": answer 403 unless the request carries this header with
     * this value, as a WAF guarding a CloudFront custom header does */
    const char *required_header;
    const char *request_log;           /* append each request head received to this file (NULL: none) */
    int port;                          /* 0: an ephemeral port */
    bool ipv6;                         /* listen on ::1 instead of 127.0.0.1 */
} od_lab_config;

typedef struct od_lab_server od_lab_server;

/* Starts the server; *port receives the bound port. NULL + message on error. */
od_lab_server *od_lab_server_start(const od_lab_config *cfg, int *port, char **error);
void od_lab_server_stop(od_lab_server *s);
/* Connections accepted since the start. */
size_t od_lab_server_accepted(od_lab_server *s);

#endif
