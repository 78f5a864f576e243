/* Test and lab PKI: certificates generated at run time with GnuTLS, so
 * nothing expires in the repository. */
#ifndef OD_CERTGEN_H
#define OD_CERTGEN_H

#include <stdbool.h>
#include <time.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

typedef enum { OD_KEY_RSA2048, OD_KEY_RSA1024, OD_KEY_ECDSA_P256, OD_KEY_ECDSA_P384, OD_KEY_ECDSA_P521 } od_keykind;

typedef struct {
    gnutls_x509_crt_t crt;
    gnutls_x509_privkey_t key;
} od_gen_cert;

typedef struct {
    const char *dn;               /* "CN=a.example.test,O=origin-doctor lab" */
    const char *const *san_dns;   /* NULL-terminated, or NULL */
    const char *const *san_ip;    /* NULL-terminated, or NULL */
    bool is_ca;
    od_keykind key;
    time_t not_before;            /* 0: now - 1 day */
    time_t not_after;             /* 0: now + 90 days */
    bool sha1;                    /* sign with SHA-1 (weak signature test) */
    const char *aia_ca_issuers;   /* URL or NULL */
    const char *aia_ocsp;         /* URL or NULL */
    bool client_auth;             /* a leaf for TLS clients (EKU clientAuth), not servers */
} od_gen_spec;

/* Generates a certificate signed by issuer (NULL: self-signed). 0 or a GnuTLS error. */
int od_gen_cert_make(const od_gen_spec *spec, const od_gen_cert *issuer, od_gen_cert *out);
void od_gen_cert_free(od_gen_cert *c);
/* PEM of the certificate / private key, malloc'd. */
char *od_gen_cert_pem(const od_gen_cert *c);
char *od_gen_key_pem(const od_gen_cert *c);
/* Writes PEM of certs[0..n-1] concatenated to path. 0 or -1. */
int od_gen_write_pem_chain(const char *path, const od_gen_cert *const *certs, size_t n);

#endif
