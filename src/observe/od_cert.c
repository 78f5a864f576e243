/* Certificate analysis: every field of an X.509 certificate as sent.
 * Every string taken from the certificate goes through od_escape. */
#include "od_cert.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gnutls/x509-ext.h>
#include <stdlib.h>
#include <string.h>

#include "od_util.h"

static char *escape_datum(const gnutls_datum_t *d)
{
    return od_escape(d->data ? (const char *)d->data : "", d->size);
}

/* Subject or issuer DN in RFC 4514 form; "" for an empty DN. */
static char *get_dn(gnutls_x509_crt_t crt, bool issuer)
{
    gnutls_datum_t d = { NULL, 0 };
    int rc = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &d, 0) : gnutls_x509_crt_get_dn3(crt, &d, 0);
    if (rc < 0)
        return od_xstrdup("");
    char *s = escape_datum(&d);
    gnutls_free(d.data);
    return s;
}

static void get_common_names(gnutls_x509_crt_t crt, od_strlist *out)
{
    for (unsigned idx = 0;; idx++) {
        size_t size = 0;
        int rc = gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, idx, 0, NULL, &size);
        if (rc != GNUTLS_E_SHORT_MEMORY_BUFFER)
            break;                  /* no more CNs (or an undecodable one) */
        char *buf = od_xmalloc(size + 1);
        rc = gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, idx, 0, buf, &size);
        if (rc < 0) {
            free(buf);
            break;
        }
        od_strlist_add_owned(out, od_escape(buf, size));
        free(buf);
    }
}

static void add_san(unsigned type, const gnutls_datum_t *v, od_strlist *dns, od_strlist *ip)
{
    if (type == GNUTLS_SAN_DNSNAME) {
        od_strlist_add_owned(dns, od_escape((const char *)v->data, v->size));
    } else if (type == GNUTLS_SAN_IPADDRESS) {
        char text[INET6_ADDRSTRLEN];
        if (v->size == 4 && inet_ntop(AF_INET, v->data, text, sizeof text))
            od_strlist_add(ip, text);
        else if (v->size == 16 && inet_ntop(AF_INET6, v->data, text, sizeof text))
            od_strlist_add(ip, text);
        else {
            char *hex = od_hex(v->data, v->size, ':');
            od_strlist_add_owned(ip, od_xasprintf("invalid:%s", hex));
            free(hex);
        }
    }
}

/* Every name of the extension, however many: it is decoded once (asking
 * GnuTLS for name N re-decodes the extension each time, which made a
 * 10 000-name certificate take a minute). */
static void get_sans(gnutls_x509_crt_t crt, od_strlist *dns, od_strlist *ip)
{
    gnutls_datum_t der = { NULL, 0 };
    unsigned critical = 0;
    if (gnutls_x509_crt_get_extension_by_oid2(crt, "2.5.29.17", 0, &der, &critical) < 0)
        return;
    gnutls_subject_alt_names_t sans;
    if (gnutls_subject_alt_names_init(&sans) < 0) {
        gnutls_free(der.data);
        return;
    }
    if (gnutls_x509_ext_import_subject_alt_names(&der, sans, 0) >= 0) {
        for (unsigned seq = 0;; seq++) {
            unsigned type = 0;
            gnutls_datum_t v = { NULL, 0 }, other = { NULL, 0 };
            int rc = gnutls_subject_alt_names_get(sans, seq, &type, &v, &other);
            if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
                break;
            if (rc >= 0)
                add_san(type, &v, dns, ip);
            else
                break;
        }
    }
    gnutls_subject_alt_names_deinit(sans);
    gnutls_free(der.data);
}

static char *get_serial(gnutls_x509_crt_t crt)
{
    unsigned char buf[64];
    size_t size = sizeof buf;
    if (gnutls_x509_crt_get_serial(crt, buf, &size) < 0)
        return od_xstrdup("");
    return od_hex(buf, size, ':');
}

static char *upper_hex_colon(const unsigned char *p, size_t n)
{
    char *s = od_hex(p, n, ':');
    for (char *c = s; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 'a' + 'A');
    return s;
}

static char *get_sha256(gnutls_x509_crt_t crt)
{
    unsigned char buf[32];
    size_t size = sizeof buf;
    if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, buf, &size) < 0)
        return od_xstrdup("");
    return upper_hex_colon(buf, size);
}

static void get_key(gnutls_x509_crt_t crt, od_cert *out)
{
    unsigned bits = 0;
    int pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
    out->key_bits = (int)bits;
    const char *name;
    switch (pk) {
    case GNUTLS_PK_RSA: name = "RSA"; break;
    case GNUTLS_PK_RSA_PSS: name = "RSA-PSS"; break;
    case GNUTLS_PK_DSA: name = "DSA"; break;
    case GNUTLS_PK_ECDSA: name = "ECDSA"; break;
    case GNUTLS_PK_EDDSA_ED25519: name = "Ed25519"; break;
    case GNUTLS_PK_EDDSA_ED448: name = "Ed448"; break;
    default: name = pk >= 0 ? gnutls_pk_get_name((gnutls_pk_algorithm_t)pk) : NULL; break;
    }
    out->key_type = od_xstrdup(name ? name : "unknown");

    if (pk == GNUTLS_PK_ECDSA || pk == GNUTLS_PK_EDDSA_ED25519 || pk == GNUTLS_PK_EDDSA_ED448) {
        gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
        gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 };
        if (gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, &y) >= 0) {
            const char *cn = gnutls_ecc_curve_get_name(curve);
            out->key_curve = cn ? od_xstrdup(cn) : NULL;
        }
        gnutls_free(x.data);
        gnutls_free(y.data);
    }
}

static char *get_signature_algorithm(gnutls_x509_crt_t crt)
{
    int alg = gnutls_x509_crt_get_signature_algorithm(crt);
    const char *name = alg > 0 ? gnutls_sign_get_name((gnutls_sign_algorithm_t)alg) : NULL;
    if (name)
        return od_xstrdup(name);
    char oid[128];
    size_t size = sizeof oid;
    if (gnutls_x509_crt_get_signature_oid(crt, oid, &size) >= 0)
        return od_escape(oid, strnlen(oid, size));
    return od_xstrdup("unknown");
}

static bool raw_dns_equal(gnutls_x509_crt_t crt)
{
    gnutls_datum_t subj = { NULL, 0 }, iss = { NULL, 0 };
    bool equal = gnutls_x509_crt_get_raw_dn(crt, &subj) >= 0 &&
                 gnutls_x509_crt_get_raw_issuer_dn(crt, &iss) >= 0 &&
                 subj.size == iss.size && memcmp(subj.data, iss.data, subj.size) == 0;
    /* GnuTLS 3.7 returns copies of the raw DNs. */
    gnutls_free(subj.data);
    gnutls_free(iss.data);
    return equal;
}

/* Does the certificate's signature verify with its own public key?
 * DO_NOT_ALLOW_SAME stops GnuTLS from trusting the certificate merely
 * because it is in the CA list; constraints, time and algorithm strength
 * are judged elsewhere, so only issuer match and signature count here. */
static bool signed_by_own_key(gnutls_x509_crt_t crt)
{
    if (!gnutls_x509_crt_check_issuer(crt, crt))
        return false;
    unsigned status = 0;
    unsigned flags = GNUTLS_VERIFY_DO_NOT_ALLOW_SAME | GNUTLS_VERIFY_DISABLE_CA_SIGN |
                     GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS |
                     GNUTLS_VERIFY_ALLOW_BROKEN;
    if (gnutls_x509_crt_verify(crt, &crt, 1, flags, &status) < 0)
        return false;
    return (status & (GNUTLS_CERT_SIGNATURE_FAILURE | GNUTLS_CERT_SIGNER_NOT_FOUND)) == 0;
}

/* The AIA URLs of one kind (GNUTLS_IA_CAISSUERS_URI or GNUTLS_IA_OCSP_URI). */
static void get_aia(gnutls_x509_crt_t crt, int what, od_strlist *out)
{
    for (unsigned seq = 0; seq < 64; seq++) {
        gnutls_datum_t d = { NULL, 0 };
        unsigned critical = 0;
        int rc = gnutls_x509_crt_get_authority_info_access(crt, seq, what, &d, &critical);
        if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
        if (rc >= 0)
            od_strlist_add_owned(out, escape_datum(&d));
        /* GNUTLS_E_UNKNOWN_ALGORITHM: an entry of the other kind. */
        gnutls_free(d.data);
    }
}

static char *get_key_id(gnutls_x509_crt_t crt, bool authority)
{
    unsigned char buf[128];
    size_t size = sizeof buf;
    unsigned critical = 0;
    int rc = authority ? gnutls_x509_crt_get_authority_key_id(crt, buf, &size, &critical)
                       : gnutls_x509_crt_get_subject_key_id(crt, buf, &size, &critical);
    if (rc < 0 || size == 0)
        return NULL;
    return od_hex(buf, size, ':');
}

char *od_cert_parse_der(const unsigned char *der, size_t len, od_cert *out)
{
    memset(out, 0, sizeof *out);
    if (!der || len == 0)
        return od_xstrdup("empty certificate");
    if (len > 0xffffffffu)
        return od_xstrdup("certificate too large");

    gnutls_x509_crt_t crt;
    int rc = gnutls_x509_crt_init(&crt);
    if (rc < 0)
        return od_xasprintf("cannot initialise a certificate: %s", gnutls_strerror(rc));
    gnutls_datum_t d = { (unsigned char *)(uintptr_t)der, (unsigned)len };
    rc = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER);
    if (rc < 0) {
        gnutls_x509_crt_deinit(crt);
        return od_xasprintf("cannot parse certificate: %s", gnutls_strerror(rc));
    }

    od_strlist_init(&out->common_names);
    od_strlist_init(&out->san_dns);
    od_strlist_init(&out->san_ip);
    od_strlist_init(&out->aia_issuer_urls);
    od_strlist_init(&out->aia_ocsp_urls);
    out->subject = get_dn(crt, false);
    out->issuer = get_dn(crt, true);
    get_common_names(crt, &out->common_names);
    get_sans(crt, &out->san_dns, &out->san_ip);
    out->not_before = gnutls_x509_crt_get_activation_time(crt);
    out->not_after = gnutls_x509_crt_get_expiration_time(crt);
    out->serial = get_serial(crt);
    out->sha256 = get_sha256(crt);
    get_key(crt, out);
    out->signature_algorithm = get_signature_algorithm(crt);

    unsigned critical = 0, ca = 0;
    int pathlen = -1;
    out->is_ca = gnutls_x509_crt_get_basic_constraints(crt, &critical, &ca, &pathlen) >= 0 && ca;
    out->self_issued = raw_dns_equal(crt);
    out->self_signed = out->self_issued && signed_by_own_key(crt);
    get_aia(crt, GNUTLS_IA_CAISSUERS_URI, &out->aia_issuer_urls);
    get_aia(crt, GNUTLS_IA_OCSP_URI, &out->aia_ocsp_urls);
    out->subject_key_id = get_key_id(crt, false);
    out->authority_key_id = get_key_id(crt, true);
    out->der = od_xmalloc(len);
    memcpy(out->der, der, len);
    out->der_len = len;

    gnutls_x509_crt_deinit(crt);
    return NULL;
}

char *od_cert_to_pem(const od_cert *c)
{
    if (!c || !c->der || c->der_len == 0 || c->der_len > 0xffffffffu)
        return NULL;
    gnutls_datum_t der = { c->der, (unsigned)c->der_len };
    gnutls_datum_t pem = { NULL, 0 };
    if (gnutls_pem_base64_encode2("CERTIFICATE", &der, &pem) < 0)
        return NULL;
    char *s = od_xstrndup((const char *)pem.data, pem.size);
    gnutls_free(pem.data);
    return s;
}

char *od_cert_parse_pem(const char *pem, od_cert *out)
{
    memset(out, 0, sizeof *out);
    if (!pem)
        return od_xstrdup("no PEM text");
    size_t len = strlen(pem);
    if (len > 0xffffffffu)
        return od_xstrdup("PEM text too large");
    gnutls_datum_t in = { (unsigned char *)(uintptr_t)pem, (unsigned)len };
    gnutls_datum_t der = { NULL, 0 };
    int rc = gnutls_pem_base64_decode2("CERTIFICATE", &in, &der);
    if (rc < 0)
        return od_xasprintf("no PEM certificate found: %s", gnutls_strerror(rc));
    char *err = od_cert_parse_der(der.data, der.size, out);
    gnutls_free(der.data);
    return err;
}
