/* CloudFront's origin-facing TLS policy, read from
 * assets/cloudfront-origin-policy.json at start (never compiled in). */
#ifndef OD_POLICY_H
#define OD_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include "od_util.h"
#include "od_aws_endpoints.h"

typedef struct {
    char *openssl_name;     /* "ECDHE-RSA-AES128-GCM-SHA256" */
    char *rfc_name;         /* "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" */
    char *iana;             /* "0xC02F" */
    uint16_t code;          /* 0xC02F */
    char *kx;               /* key exchange: "ECDHE" or "RSA" */
    char *auth;             /* authentication: "ECDSA" or "RSA" */
    char *gnutls_kx;        /* GnuTLS priority tokens: "ECDHE-RSA" */
    char *gnutls_cipher;    /* "AES-128-GCM" */
    char *gnutls_mac;       /* "AEAD" */
    unsigned protocols;     /* OD_PROTO_* bits at which the suite exists */
} od_policy_suite;

typedef struct {
    unsigned protocols;         /* OD_PROTO_* CloudFront can use (SSLv3..TLSv1.2) */
    od_policy_suite *suites;
    size_t n_suites;
    od_strlist curves;          /* GnuTLS group names: "SECP256R1", "SECP384R1", "X25519" */
    od_strlist curve_names;     /* display names: "prime256v1", ... (same order) */
    uint16_t *curve_codes;      /* IANA supported_groups code of each curve (same order) */
    od_strlist signature_schemes;   /* IANA names, in CloudFront's order: "rsa_pkcs1_sha256", ... */
    uint16_t *signature_codes;  /* IANA SignatureScheme code of each (same order) */
    od_strlist signature_gnutls;    /* GnuTLS priority token of each: "SIGN-RSA-SHA256" */
    char *source;               /* where the facts come from */
    char *checked;              /* when they were checked ("2026-11") */
    char *path;                 /* file it was read from */
    od_aws_endpoints aws;       /* AWS endpoints by name: loaded apart (od_aws_endpoints_load), freed with the policy */
} od_policy;

/* Returns NULL on success, else a malloc'd message naming the file and the problem. */
char *od_policy_load(const char *path, od_policy *out);
void od_policy_free(od_policy *p);
const od_policy_suite *od_policy_find_suite(const od_policy *p, uint16_t code);

/* Finds an asset file: $ORIGIN_DOCTOR_ASSETS, then <exe dir>/../assets,
 * <exe dir>/../share/origin-doctor, then the source tree and the install
 * folder. malloc'd path, or NULL if none exists. */
char *od_asset_path(const char *name);
/* The message for an asset not found: every place looked, in order. */
char *od_asset_missing(const char *name);

#endif
