/* Test and lab PKI generated at run time with the GnuTLS x509 API
 * (gnutls-notes.md section 9). */
#include "od_certgen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/x509-ext.h>

#include "od_util.h"

static const long SECONDS_PER_DAY = 24L * 60 * 60;

static int generate_key(od_keykind kind, gnutls_x509_privkey_t *out)
{
    gnutls_x509_privkey_t key;
    int rc = gnutls_x509_privkey_init(&key);
    if (rc < 0)
        return rc;
    switch (kind) {
    case OD_KEY_RSA2048:
        rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_RSA, 2048, 0);
        break;
    case OD_KEY_RSA1024:
        rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_RSA, 1024, 0);
        break;
    case OD_KEY_ECDSA_P256:
        rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                          GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
        break;
    case OD_KEY_ECDSA_P384:
        rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                          GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1), 0);
        break;
    case OD_KEY_ECDSA_P521:
        rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                          GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP521R1), 0);
        break;
    default:
        rc = GNUTLS_E_INVALID_REQUEST;
        break;
    }
    if (rc < 0) {
        gnutls_x509_privkey_deinit(key);
        return rc;
    }
    *out = key;
    return 0;
}

static bool has_control_byte(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return true;
    return false;
}

static const char *attribute_oid(const char *name)
{
    static const struct { const char *name; const char *oid; } attrs[] = {
        { "CN", GNUTLS_OID_X520_COMMON_NAME },
        { "O", GNUTLS_OID_X520_ORGANIZATION_NAME },
        { "OU", GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME },
        { "C", GNUTLS_OID_X520_COUNTRY_NAME },
        { "L", GNUTLS_OID_X520_LOCALITY_NAME },
        { "ST", GNUTLS_OID_X520_STATE_OR_PROVINCE_NAME },
    };
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        if (od_strcasecmp(name, attrs[i].name) == 0)
            return attrs[i].oid;
    return NULL;
}

/* The string DN parser of GnuTLS is not meant for raw control bytes, so a
 * DN carrying them ("CN=a\x1b[31m,O=x") is split here on unescaped commas
 * and each attribute is set by OID with its bytes untouched. Attributes
 * are given most-significant last, as in the string form. */
static int set_dn_raw(gnutls_x509_crt_t crt, const char *dn)
{
    char *copy = od_xstrdup(dn);
    char *parts[32];
    size_t n = 0;
    char *start = copy;
    char *w = copy;
    for (const char *r = copy;; r++) {
        if (*r == '\\' && r[1]) {
            *w++ = *++r;
            continue;
        }
        if (*r == ',' || *r == '\0') {
            bool end = *r == '\0';
            *w++ = '\0';
            if (n == sizeof parts / sizeof parts[0]) {
                free(copy);
                return GNUTLS_E_INVALID_REQUEST;
            }
            parts[n++] = start;
            start = w;
            if (end)
                break;
            continue;
        }
        *w++ = *r;
    }
    int rc = 0;
    /* GnuTLS appends each attribute as a new RDN; the string form lists the
     * most specific first, so add in reverse to keep the same order. */
    for (size_t i = n; i-- > 0 && rc == 0;) {
        char *eq = strchr(parts[i], '=');
        if (!eq) {
            rc = GNUTLS_E_INVALID_REQUEST;
            break;
        }
        *eq = '\0';
        char *name = parts[i];
        while (*name == ' ')
            name++;
        const char *oid = attribute_oid(name);
        if (!oid) {
            rc = GNUTLS_E_INVALID_REQUEST;
            break;
        }
        const char *value = eq + 1;
        rc = gnutls_x509_crt_set_dn_by_oid(crt, oid, 0, value, (unsigned)strlen(value));
    }
    free(copy);
    return rc;
}

static int set_dn(gnutls_x509_crt_t crt, const char *dn)
{
    if (has_control_byte(dn))
        return set_dn_raw(crt, dn);
    const char *err = NULL;
    return gnutls_x509_crt_set_dn(crt, dn, &err);
}

static int set_serial(gnutls_x509_crt_t crt)
{
    unsigned char serial[16];
    int rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
    if (rc < 0)
        return rc;
    serial[0] &= 0x7f;   /* positive */
    serial[0] |= 0x01;   /* and no leading zero byte */
    return gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
}

/* All names in one extension, encoded once: appending to the
 * certificate one name at a time re-encodes it each time (quadratic,
 * minutes for the 10 000-name certificates the hostile tests use). */
static int set_sans(gnutls_x509_crt_t crt, const od_gen_spec *spec)
{
    size_t n = 0;
    for (size_t i = 0; spec->san_dns && spec->san_dns[i]; i++)
        n++;
    for (size_t i = 0; spec->san_ip && spec->san_ip[i]; i++)
        n++;
    if (n == 0)
        return 0;
    gnutls_subject_alt_names_t sans;
    int rc = gnutls_subject_alt_names_init(&sans);
    if (rc < 0)
        return rc;
    for (size_t i = 0; rc >= 0 && spec->san_dns && spec->san_dns[i]; i++) {
        gnutls_datum_t d = { (unsigned char *)(uintptr_t)spec->san_dns[i], (unsigned)strlen(spec->san_dns[i]) };
        rc = gnutls_subject_alt_names_set(sans, GNUTLS_SAN_DNSNAME, &d, NULL);
    }
    for (size_t i = 0; rc >= 0 && spec->san_ip && spec->san_ip[i]; i++) {
        unsigned char addr[16];
        gnutls_datum_t d = { addr, 0 };
        if (inet_pton(AF_INET, spec->san_ip[i], addr) == 1)
            d.size = 4;
        else if (inet_pton(AF_INET6, spec->san_ip[i], addr) == 1)
            d.size = 16;
        else
            rc = GNUTLS_E_INVALID_REQUEST;
        if (rc >= 0)
            rc = gnutls_subject_alt_names_set(sans, GNUTLS_SAN_IPADDRESS, &d, NULL);
    }
    gnutls_datum_t ext = { NULL, 0 };
    if (rc >= 0)
        rc = gnutls_x509_ext_export_subject_alt_names(sans, &ext);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_extension_by_oid(crt, "2.5.29.17", ext.data, ext.size, 0);
    gnutls_free(ext.data);
    gnutls_subject_alt_names_deinit(sans);
    return rc;
}

static bool is_rsa(od_keykind k)
{
    return k == OD_KEY_RSA2048 || k == OD_KEY_RSA1024;
}


/* DER tag, length (short or long form) and content. */
static void der_put(od_buf *out, unsigned char tag, const void *content, size_t len)
{
    unsigned char head[6] = { tag };
    size_t n = 1;
    if (len < 0x80) {
        head[n++] = (unsigned char)len;
    } else if (len <= 0xFF) {
        head[n++] = 0x81;
        head[n++] = (unsigned char)len;
    } else {
        head[n++] = 0x82;
        head[n++] = (unsigned char)(len >> 8);
        head[n++] = (unsigned char)len;
    }
    od_buf_append(out, (const char *)head, n);
    od_buf_append(out, content, len);
}

/* The authorityInfoAccess extension, encoded here: GnuTLS refuses URLs
 * holding control bytes, which the escape tests need as an origin may
 * send them. Each given URL is one AccessDescription. */
static void aia_der(const char *ca_issuers, const char *ocsp, od_buf *out)
{
    static const unsigned char oid_ca_issuers[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02 };
    static const unsigned char oid_ocsp[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01 };
    const char *urls[2] = { ca_issuers, ocsp };
    const unsigned char *oids[2] = { oid_ca_issuers, oid_ocsp };
    od_buf list;
    od_buf_init(&list);
    for (size_t i = 0; i < 2; i++) {
        if (!urls[i])
            continue;
        od_buf desc;
        od_buf_init(&desc);
        der_put(&desc, 0x06, oids[i], sizeof oid_ocsp);               /* accessMethod */
        der_put(&desc, 0x86, urls[i], strlen(urls[i]));               /* [6] uniformResourceIdentifier */
        der_put(&list, 0x30, desc.data, desc.len);
        od_buf_free(&desc);
    }
    der_put(out, 0x30, list.data, list.len);
    od_buf_free(&list);
}

static int fill_certificate(const od_gen_spec *spec, const od_gen_cert *issuer,
                            gnutls_x509_crt_t crt, gnutls_x509_privkey_t key)
{
    int rc;
    time_t now = time(NULL);
    time_t not_before = spec->not_before ? spec->not_before : now - SECONDS_PER_DAY;
    time_t not_after = spec->not_after ? spec->not_after : now + 90 * SECONDS_PER_DAY;

    if ((rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
        (rc = set_serial(crt)) < 0 ||
        (rc = set_dn(crt, spec->dn ? spec->dn : "CN=origin-doctor test")) < 0 ||
        (rc = gnutls_x509_crt_set_key(crt, key)) < 0 ||
        (rc = gnutls_x509_crt_set_activation_time(crt, not_before)) < 0 ||
        (rc = gnutls_x509_crt_set_expiration_time(crt, not_after)) < 0 ||
        (rc = gnutls_x509_crt_set_basic_constraints(crt, spec->is_ca ? 1 : 0, -1)) < 0 ||
        (rc = set_sans(crt, spec)) < 0)
        return rc;

    unsigned usage;
    if (spec->is_ca)
        usage = GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN;
    else if (is_rsa(spec->key))
        usage = GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT;   /* static-RSA suites */
    else
        usage = GNUTLS_KEY_DIGITAL_SIGNATURE;
    if ((rc = gnutls_x509_crt_set_key_usage(crt, usage)) < 0)
        return rc;
    if (!spec->is_ca && (rc = gnutls_x509_crt_set_key_purpose_oid(
                             crt, spec->client_auth ? GNUTLS_KP_TLS_WWW_CLIENT : GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0)
        return rc;

    unsigned char id[64];
    size_t id_len = sizeof id;
    if ((rc = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, id, &id_len)) < 0 ||
        (rc = gnutls_x509_crt_set_subject_key_id(crt, id, id_len)) < 0)
        return rc;
    if (issuer) {
        unsigned char aki[64];
        size_t aki_len = sizeof aki;
        unsigned critical = 0;
        if (gnutls_x509_crt_get_subject_key_id(issuer->crt, aki, &aki_len, &critical) >= 0 &&
            (rc = gnutls_x509_crt_set_authority_key_id(crt, aki, aki_len)) < 0)
            return rc;
    }
    if (spec->aia_ca_issuers || spec->aia_ocsp) {
        od_buf der;
        od_buf_init(&der);
        aia_der(spec->aia_ca_issuers, spec->aia_ocsp, &der);
        rc = gnutls_x509_crt_set_extension_by_oid(crt, "1.3.6.1.5.5.7.1.1" /* authorityInfoAccess */, der.data,
                                                  der.len, 0);
        od_buf_free(&der);
        if (rc < 0)
            return rc;
    }

    gnutls_digest_algorithm_t dig = spec->sha1 ? GNUTLS_DIG_SHA1 : GNUTLS_DIG_SHA256;
    if (issuer)
        return gnutls_x509_crt_sign2(crt, issuer->crt, issuer->key, dig, 0);
    return gnutls_x509_crt_sign2(crt, crt, key, dig, 0);
}

int od_gen_cert_make(const od_gen_spec *spec, const od_gen_cert *issuer, od_gen_cert *out)
{
    out->crt = NULL;
    out->key = NULL;
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    int rc = generate_key(spec->key, &key);
    if (rc < 0)
        return rc;
    rc = gnutls_x509_crt_init(&crt);
    if (rc < 0) {
        gnutls_x509_privkey_deinit(key);
        return rc;
    }
    rc = fill_certificate(spec, issuer, crt, key);
    if (rc < 0) {
        gnutls_x509_crt_deinit(crt);
        gnutls_x509_privkey_deinit(key);
        return rc;
    }
    out->crt = crt;
    out->key = key;
    return 0;
}

void od_gen_cert_free(od_gen_cert *c)
{
    if (!c)
        return;
    if (c->crt)
        gnutls_x509_crt_deinit(c->crt);
    if (c->key)
        gnutls_x509_privkey_deinit(c->key);
    c->crt = NULL;
    c->key = NULL;
}

static char *datum_to_string(gnutls_datum_t *d)
{
    char *s = od_xstrndup((const char *)d->data, d->size);
    gnutls_free(d->data);
    d->data = NULL;
    return s;
}

char *od_gen_cert_pem(const od_gen_cert *c)
{
    gnutls_datum_t out = { NULL, 0 };
    if (!c || !c->crt || gnutls_x509_crt_export2(c->crt, GNUTLS_X509_FMT_PEM, &out) < 0)
        return NULL;
    return datum_to_string(&out);
}

char *od_gen_key_pem(const od_gen_cert *c)
{
    gnutls_datum_t out = { NULL, 0 };
    if (!c || !c->key ||
        gnutls_x509_privkey_export2_pkcs8(c->key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &out) < 0)
        return NULL;
    return datum_to_string(&out);
}

int od_gen_write_pem_chain(const char *path, const od_gen_cert *const *certs, size_t n)
{
    od_buf all;
    od_buf_init(&all);
    for (size_t i = 0; i < n; i++) {
        char *pem = od_gen_cert_pem(certs[i]);
        if (!pem) {
            od_buf_free(&all);
            errno = EINVAL;
            return -1;
        }
        od_buf_puts(&all, pem);
        free(pem);
    }
    int rc = od_write_file_atomic(path, all.data ? all.data : "", all.len, true);
    od_buf_free(&all);
    return rc;
}
