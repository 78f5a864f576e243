/* Certificate bundles checked offline: a file the customer is about to
 * install (PEM, DER, PKCS#7 or PKCS#12) is read, turned into observations
 * that look like the handshakes CloudFront would make once it is installed,
 * and judged by the same rules as a live diagnosis. */
#ifndef OD_BUNDLE_H
#define OD_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "od_case.h"
#include "od_chain.h"
#include "od_fixes.h"
#include "od_obs.h"
#include "od_policy.h"
#include "od_report.h"

/* A certificate file as read: certificates in file order. */
typedef struct {
    od_cert *certs;
    size_t n_certs;
    const char *format;          /* "PEM", "DER", "PKCS#7", "PKCS#12" (static) */
    unsigned char *key_der;      /* a private key found in the file (PKCS#8 DER), or NULL */
    size_t key_der_len;
} od_bundle;

void od_bundle_init(od_bundle *b);
void od_bundle_free(od_bundle *b);

/* Parses data (named `name` in messages). password: NULL when none was
 * given. Returns NULL, or a malloc'd message naming the file and the
 * problem; *need_password is set when the file is a PKCS#12 that needs a
 * password and none (or an empty one) was given. */
char *od_bundle_parse(const unsigned char *data, size_t len, const char *name, const char *password,
                      od_bundle *out, bool *need_password);
/* Reads path and parses it. */
char *od_bundle_read(const char *path, const char *password, od_bundle *out, bool *need_password);

/* Does the private key in key_path (PEM or DER, PKCS#1/PKCS#8/SEC1) belong
 * to cert? NULL with *matches set, or a malloc'd message naming the file. */
char *od_bundle_key_file_matches(const od_cert *cert, const char *key_path, bool *matches);
/* The same for a key held in memory (PKCS#8 DER from a PKCS#12). */
char *od_bundle_key_der_matches(const od_cert *cert, const unsigned char *der, size_t len, bool *matches);

/* Index of the leaf in the file: the certificate that matches the key when
 * one is known, else the first one that issued no other certificate of the
 * file and is not a CA, else 0. */
size_t od_bundle_leaf(const od_bundle *b, const unsigned char *key_der, size_t key_len, const char *key_path);
/* The same over certs[order[0..n-1]] (order NULL: 0..n-1); a position in order. */
size_t od_bundle_leaf_of(const od_cert *certs, const size_t *order, size_t n, const unsigned char *key_der,
                         size_t key_len, const char *key_path);

typedef struct {
    const char *file;             /* the bundle file, for the report */
    const char *password;         /* PKCS#12 password or NULL */
    const char *key_file;         /* --key, or NULL */
    time_t at;                    /* when to judge validity */
    const od_policy *policy;
    const od_fixes *fixes;
} od_bundle_check_opts;

/* Builds observations for b as the origin would send it once installed
 * (one "handshake" per expected name, the file's order as the chain),
 * analyses the chains against the case's trust store, and judges them with
 * the rules. Fills *out. NULL, or a malloc'd message (exit 2 material). */
char *od_bundle_check(const od_case *c, const od_bundle *b, const od_bundle_check_opts *opts, od_report *out);

#endif
