/* A copy of the distribution's origin mTLS client certificate
 * (--client-cert / --client-key), checked once before anything is probed
 * and presented by every handshake the origin asks one of. */
#ifndef OD_CLIENT_CERT_H
#define OD_CLIENT_CERT_H

typedef struct od_client_cert od_client_cert;

/* Reads both files and checks them: readable, the certificate file holds
 * PEM certificates (the first is the one presented), the key parses and is
 * the certificate's key. NULL and a malloc'd message naming the flag and
 * what is wrong, or the loaded pair. */
od_client_cert *od_client_cert_load(const char *cert_path, const char *key_path, char **err);
void od_client_cert_free(od_client_cert *cc);

/* The presented certificate's subject (RFC 4514, escaped). */
const char *od_client_cert_subject(const od_client_cert *cc);

/* For the TLS probe: the certificate list and the key, imported fresh for
 * one session (the loaded pair is shared read-only between threads). The
 * caller owns *pcerts (n entries, gnutls_pcert_deinit each) and *key. */
struct gnutls_pcert_st;
struct gnutls_privkey_st;
int od_client_cert_import(const od_client_cert *cc, struct gnutls_pcert_st **pcerts, unsigned *n,
                          struct gnutls_privkey_st **key);

#endif
