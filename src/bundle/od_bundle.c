/* Certificate bundles: reading PEM/DER/PKCS#7/PKCS#12 files, matching a
 * private key, and judging the file as the origin would send it. The
 * chain, name, validity and strength judgements are the live diagnosis's
 * own (od_chain_analyse and the rules); this file only builds the
 * observations they read. */
#include "od_bundle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/pkcs12.h>
#include <gnutls/pkcs7.h>
#include <gnutls/x509.h>

#include "od_cert.h"
#include "od_engine.h"
#include "od_util.h"

#define MAX_BUNDLE_CERTS 16

void od_bundle_init(od_bundle *b)
{
    memset(b, 0, sizeof *b);
}

void od_bundle_free(od_bundle *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_certs; i++)
        od_cert_free(&b->certs[i]);
    free(b->certs);
    if (b->key_der)
        memset(b->key_der, 0, b->key_der_len);
    free(b->key_der);
    od_bundle_init(b);
}

/* Adds one DER certificate; a message naming the file and position on error. */
static char *add_der(od_bundle *b, const unsigned char *der, size_t len, const char *name)
{
    if (b->n_certs >= MAX_BUNDLE_CERTS)
        return od_xasprintf("%s: more than %d certificates; a chain for one origin holds a few", name,
                            MAX_BUNDLE_CERTS);
    od_cert c;
    memset(&c, 0, sizeof c);
    char *err = od_cert_parse_der(der, len, &c);
    if (err) {
        char *m = od_xasprintf("%s: certificate %zu cannot be read: %s", name, b->n_certs + 1, err);
        free(err);
        od_cert_free(&c);
        return m;
    }
    b->certs = od_xrealloc(b->certs, (b->n_certs + 1) * sizeof *b->certs);
    b->certs[b->n_certs++] = c;
    return NULL;
}

static bool has_text(const unsigned char *data, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(data + i, needle, n) == 0)
            return true;
    return false;
}

static bool is_private_key_label(const char *label)
{
    return strstr(label, "PRIVATE KEY") != NULL;
}

/* Keeps the first private key found in the file (as plain PKCS#8 DER),
 * to check it against the leaf; an unreadable one is left alone. */
static void keep_key(od_bundle *out, const gnutls_datum_t *data, gnutls_x509_crt_fmt_t fmt, const char *pass,
                     unsigned flags)
{
    gnutls_x509_privkey_t key;
    if (out->key_der || gnutls_x509_privkey_init(&key) < 0)
        return;
    gnutls_datum_t der = {NULL, 0};
    if (gnutls_x509_privkey_import2(key, data, fmt, pass, flags) == 0 &&
        gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN, &der) == 0) {
        out->key_der = od_xmalloc(der.size);
        memcpy(out->key_der, der.data, der.size);
        out->key_der_len = der.size;
    }
    gnutls_free(der.data);
    gnutls_x509_privkey_deinit(key);
}

/* Walks the PEM blocks of a text file in order: certificates, PKCS#7
 * bundles and a private key are taken; other blocks (CRLs, parameters)
 * are ignored. Text between blocks (comments, "subject=" lines) and CRLF
 * line ends are tolerated. */
static char *parse_pkcs7(const unsigned char *data, size_t len, gnutls_x509_crt_fmt_t fmt, const char *name,
                         od_bundle *out);

static char *parse_pem(const unsigned char *data, size_t len, const char *name, od_bundle *out)
{
    const char *p = (const char *)data, *end = p + len;
    size_t blocks = 0;
    bool key_seen = false;
    while (p < end) {
        const char *begin = NULL;
        for (const char *q = p; q + 11 <= end; q++)
            if (memcmp(q, "-----BEGIN ", 11) == 0) {
                begin = q;
                break;
            }
        if (!begin)
            break;
        const char *label = begin + 11;
        const char *label_end = label;
        while (label_end < end && *label_end != '-' && *label_end != '\n' && label_end - label < 64)
            label_end++;
        if (label_end >= end || *label_end != '-')
            return od_xasprintf("%s: a PEM block starts but its \"-----BEGIN\" line is malformed", name);
        char *lab = od_xstrndup(label, (size_t)(label_end - label));
        char *end_marker = od_xasprintf("-----END %s-----", lab);
        const char *stop = NULL;
        size_t ml = strlen(end_marker);
        for (const char *q = label_end; q + ml <= end; q++)
            if (memcmp(q, end_marker, ml) == 0) {
                stop = q + ml;
                break;
            }
        free(end_marker);
        if (!stop) {
            char *m = od_xasprintf("%s: the PEM block \"%s\" has no END line (truncated file?)", name, lab);
            free(lab);
            return m;
        }
        gnutls_datum_t block = {(unsigned char *)begin, (unsigned)(stop - begin)};
        char *err = NULL;
        if (strcmp(lab, "CERTIFICATE") == 0 || strcmp(lab, "X509 CERTIFICATE") == 0 ||
            strcmp(lab, "TRUSTED CERTIFICATE") == 0) {
            gnutls_datum_t der = {NULL, 0};
            int rc = gnutls_pem_base64_decode2(lab, &block, &der);
            if (rc < 0)
                err = od_xasprintf("%s: certificate %zu is not valid base64 PEM: %s", name, out->n_certs + 1,
                                   gnutls_strerror(rc));
            else
                err = add_der(out, der.data, der.size, name);
            gnutls_free(der.data);
        } else if (strcmp(lab, "PKCS7") == 0) {
            err = parse_pkcs7(block.data, block.size, GNUTLS_X509_FMT_PEM, name, out);
        } else if (is_private_key_label(lab)) {
            key_seen = true;
            if (!strstr(lab, "ENCRYPTED"))
                keep_key(out, &block, GNUTLS_X509_FMT_PEM, NULL, 0);
        }
        free(lab);
        if (err)
            return err;
        blocks++;
        p = stop;
    }
    if (out->n_certs == 0) {
        if (key_seen)
            return od_xasprintf("%s: holds a private key but no certificate (give the certificate file; "
                                "the key goes to --key)", name);
        return od_xasprintf("%s: %s", name,
                            blocks ? "holds PEM blocks but no certificate" : "holds no PEM certificate");
    }
    return NULL;
}

static char *parse_pkcs7(const unsigned char *data, size_t len, gnutls_x509_crt_fmt_t fmt, const char *name,
                         od_bundle *out)
{
    gnutls_pkcs7_t p7;
    if (gnutls_pkcs7_init(&p7) < 0)
        return od_xasprintf("%s: cannot read PKCS#7 (out of memory)", name);
    gnutls_datum_t d = {(unsigned char *)data, (unsigned)len};
    int rc = gnutls_pkcs7_import(p7, &d, fmt);
    char *err = NULL;
    if (rc < 0) {
        err = od_xasprintf("%s: not a PKCS#7 certificate bundle: %s", name, gnutls_strerror(rc));
    } else {
        int n = gnutls_pkcs7_get_crt_count(p7);
        for (int i = 0; i < n && !err; i++) {
            gnutls_datum_t der = {NULL, 0};
            if ((rc = gnutls_pkcs7_get_crt_raw2(p7, (unsigned)i, &der)) < 0)
                err = od_xasprintf("%s: PKCS#7 certificate %d cannot be read: %s", name, i + 1, gnutls_strerror(rc));
            else
                err = add_der(out, der.data, der.size, name);
            gnutls_free(der.data);
        }
        if (!err && out->n_certs == 0)
            err = od_xasprintf("%s: the PKCS#7 bundle holds no certificate", name);
    }
    gnutls_pkcs7_deinit(p7);
    return err;
}

/* PKCS#12: every certificate bag in file order; the first private key. */
static char *parse_pkcs12(const unsigned char *data, size_t len, const char *name, const char *password,
                          od_bundle *out, bool *need_password)
{
    gnutls_pkcs12_t p12;
    if (gnutls_pkcs12_init(&p12) < 0)
        return od_xasprintf("%s: cannot read PKCS#12 (out of memory)", name);
    gnutls_datum_t d = {(unsigned char *)data, (unsigned)len};
    int rc = gnutls_pkcs12_import(p12, &d, GNUTLS_X509_FMT_DER, 0);
    char *err = NULL;
    if (rc < 0) {
        gnutls_pkcs12_deinit(p12);
        return NULL;   /* not PKCS#12: the caller says what the file is not */
    }
    const char *pass = password ? password : "";
    if (gnutls_pkcs12_verify_mac(p12, pass) < 0) {
        if (!password || !*password) {
            *need_password = true;
            err = od_xasprintf("%s: the PKCS#12 file is protected by a password (give it with --password-file)",
                               name);
        } else {
            err = od_xasprintf("%s: wrong PKCS#12 password (the file's integrity check fails with it)", name);
        }
        gnutls_pkcs12_deinit(p12);
        return err;
    }
    for (int i = 0; !err; i++) {
        gnutls_pkcs12_bag_t bag;
        if (gnutls_pkcs12_bag_init(&bag) < 0)
            break;
        rc = gnutls_pkcs12_get_bag(p12, i, bag);
        if (rc < 0) {
            gnutls_pkcs12_bag_deinit(bag);
            break;
        }
        if (gnutls_pkcs12_bag_get_type(bag, 0) == GNUTLS_BAG_ENCRYPTED &&
            (rc = gnutls_pkcs12_bag_decrypt(bag, pass)) < 0) {
            err = od_xasprintf("%s: PKCS#12 part %d cannot be decrypted: %s", name, i + 1, gnutls_strerror(rc));
            gnutls_pkcs12_bag_deinit(bag);
            break;
        }
        int n = gnutls_pkcs12_bag_get_count(bag);
        for (int k = 0; k < n && !err; k++) {
            gnutls_pkcs12_bag_type_t t = gnutls_pkcs12_bag_get_type(bag, (unsigned)k);
            gnutls_datum_t v = {NULL, 0};
            if (gnutls_pkcs12_bag_get_data(bag, (unsigned)k, &v) < 0)
                continue;
            if (t == GNUTLS_BAG_CERTIFICATE) {
                err = add_der(out, v.data, v.size, name);
            } else if (t == GNUTLS_BAG_PKCS8_KEY || t == GNUTLS_BAG_PKCS8_ENCRYPTED_KEY) {
                keep_key(out, &v, GNUTLS_X509_FMT_DER, pass, t == GNUTLS_BAG_PKCS8_KEY ? GNUTLS_PKCS_PLAIN : 0);
            }
        }
        gnutls_pkcs12_bag_deinit(bag);
    }
    gnutls_pkcs12_deinit(p12);
    if (!err && out->n_certs == 0)
        err = od_xasprintf("%s: the PKCS#12 file holds no certificate", name);
    return err;
}

char *od_bundle_parse(const unsigned char *data, size_t len, const char *name, const char *password,
                      od_bundle *out, bool *need_password)
{
    od_bundle_init(out);
    *need_password = false;
    char *shown = od_quote(name);
    char *err = NULL;
    if (len == 0) {
        err = od_xasprintf("%s: the file is empty", shown);
    } else if (has_text(data, len, "-----BEGIN ")) {
        out->format = "PEM";
        err = parse_pem(data, len, shown, out);
    } else {
        /* Binary: one DER certificate, a PKCS#7 bundle or a PKCS#12 file. */
        gnutls_x509_crt_t crt;
        gnutls_datum_t d = {(unsigned char *)data, (unsigned)len};
        bool is_cert = false;
        if (gnutls_x509_crt_init(&crt) == 0) {
            is_cert = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) == 0;
            gnutls_x509_crt_deinit(crt);
        }
        gnutls_pkcs7_t p7;
        bool is_p7 = false;
        if (!is_cert && gnutls_pkcs7_init(&p7) == 0) {
            is_p7 = gnutls_pkcs7_import(p7, &d, GNUTLS_X509_FMT_DER) == 0;
            gnutls_pkcs7_deinit(p7);
        }
        gnutls_x509_privkey_t key;
        bool is_key = false;
        if (is_cert) {
            out->format = "DER";
            err = add_der(out, data, len, shown);
        } else if (is_p7) {
            out->format = "PKCS#7";
            err = parse_pkcs7(data, len, GNUTLS_X509_FMT_DER, shown, out);
        } else if ((err = parse_pkcs12(data, len, shown, password, out, need_password)) || out->n_certs) {
            out->format = "PKCS#12";
        } else if (gnutls_x509_privkey_init(&key) == 0) {
            is_key = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN) == 0;
            gnutls_x509_privkey_deinit(key);
        }
        if (!err && !out->n_certs)
            err = is_key ? od_xasprintf("%s: holds a private key, not a certificate (the key goes to --key)", shown)
                         : od_xasprintf("%s: not a certificate file (neither PEM, DER, PKCS#7 nor PKCS#12)", shown);
    }
    free(shown);
    if (err) {
        bool np = *need_password;
        od_bundle_free(out);
        *need_password = np;
    }
    return err;
}

char *od_bundle_read(const char *path, const char *password, od_bundle *out, bool *need_password)
{
    od_bundle_init(out);
    *need_password = false;
    size_t len = 0;
    char *data = od_read_file(path, &len);
    if (!data) {
        char *shown = od_quote(path);
        char *m = od_xasprintf("%s: cannot read: %s", shown, od_strerror(errno, &(od_errbuf){{0}}));
        free(shown);
        return m;
    }
    char *err = od_bundle_parse((const unsigned char *)data, len, path, password, out, need_password);
    free(data);
    return err;
}

/* ---- private keys ---- */

static char *key_matches(const od_cert *cert, gnutls_x509_privkey_t key, const char *name, bool *matches)
{
    unsigned char kid[64], cid[64];
    size_t kl = sizeof kid, cl = sizeof cid;
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) < 0)
        return od_xstrdup("out of memory");
    gnutls_datum_t d = {cert->der, (unsigned)cert->der_len};
    char *err = NULL;
    if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0 ||
        gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, cid, &cl) < 0)
        err = od_xasprintf("the certificate's public key cannot be read");
    else if (gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, kid, &kl) < 0)
        err = od_xasprintf("%s: the private key's public part cannot be computed", name);
    else
        *matches = kl == cl && memcmp(kid, cid, kl) == 0;
    gnutls_x509_crt_deinit(crt);
    return err;
}

static char *key_data_matches(const od_cert *cert, const unsigned char *data, size_t len, const char *name,
                              bool *matches)
{
    gnutls_x509_privkey_t key;
    if (gnutls_x509_privkey_init(&key) < 0)
        return od_xstrdup("out of memory");
    gnutls_datum_t d = {(unsigned char *)data, (unsigned)len};
    int rc = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN);
    if (rc < 0)
        rc = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN);
    char *err;
    if (rc < 0) {
        bool cert_instead = has_text(data, len, "-----BEGIN CERTIFICATE");
        err = cert_instead ? od_xasprintf("%s: holds a certificate, not a private key", name)
              : rc == GNUTLS_E_DECRYPTION_FAILED || has_text(data, len, "ENCRYPTED")
                  ? od_xasprintf("%s: the private key is encrypted; decrypt it first (openssl pkey -in KEY -out "
                                 "plain.key)", name)
                  : od_xasprintf("%s: not a private key (PEM or DER): %s", name, gnutls_strerror(rc));
    } else {
        err = key_matches(cert, key, name, matches);
    }
    gnutls_x509_privkey_deinit(key);
    return err;
}

char *od_bundle_key_file_matches(const od_cert *cert, const char *key_path, bool *matches)
{
    char *shown = od_quote(key_path);
    size_t len = 0;
    char *data = od_read_file(key_path, &len);
    char *err;
    if (!data)
        err = od_xasprintf("%s: cannot read: %s", shown, od_strerror(errno, &(od_errbuf){{0}}));
    else if (len == 0)
        err = od_xasprintf("%s: the file is empty", shown);
    else
        err = key_data_matches(cert, (const unsigned char *)data, len, shown, matches);
    if (data)
        memset(data, 0, len);
    free(data);
    free(shown);
    return err;
}

char *od_bundle_key_der_matches(const od_cert *cert, const unsigned char *der, size_t len, bool *matches)
{
    return key_data_matches(cert, der, len, "the key in the file", matches);
}

/* ---- the leaf ---- */

size_t od_bundle_leaf_of(const od_cert *certs, const size_t *order, size_t n, const unsigned char *key_der,
                         size_t key_len, const char *key_path)
{
    for (size_t i = 0; (key_der || key_path) && i < n; i++) {
        const od_cert *c = &certs[order ? order[i] : i];
        bool m = false;
        char *err = key_der ? od_bundle_key_der_matches(c, key_der, key_len, &m)
                            : od_bundle_key_file_matches(c, key_path, &m);
        free(err);
        if (!err && m)
            return i;
    }
    return od_chain_leaf_position(certs, order, n);
}

size_t od_bundle_leaf(const od_bundle *b, const unsigned char *key_der, size_t key_len, const char *key_path)
{
    return od_bundle_leaf_of(b->certs, NULL, b->n_certs, key_der, key_len, key_path);
}

/* ---- judging the file ---- */

/* Can any CloudFront suite at the allowed protocols use this key? A key
 * that no suite can use leaves CloudFront without a shared cipher once
 * installed, whatever the server's configuration: each CloudFront suite
 * is then recorded as refused, with the reason. Otherwise the suites are
 * left unrecorded: which ones the server enables is not in the file. */
static void cipher_rows_for_key(const od_case *c, const od_policy *p, const od_cert *leaf, od_observations *o)
{
    if (!p || !leaf || !leaf->key_type)
        return;
    bool ecdsa = strcmp(leaf->key_type, "ECDSA") == 0, rsa = strcmp(leaf->key_type, "RSA") == 0;
    bool curve_ok = ecdsa && leaf->key_curve && od_strlist_contains_ci(&p->curves, leaf->key_curve);
    unsigned protos = c->origin_ssl_protocols & p->protocols;
    bool usable = false;
    for (size_t i = 0; i < p->n_suites && !usable; i++) {
        const od_policy_suite *s = &p->suites[i];
        if (!(s->protocols & protos) || !s->auth)
            continue;
        if ((rsa && strcmp(s->auth, "RSA") == 0) || (curve_ok && strcmp(s->auth, "ECDSA") == 0))
            usable = true;
    }
    if (usable)
        return;
    for (size_t i = 0; i < p->n_suites; i++) {
        const od_policy_suite *s = &p->suites[i];
        for (unsigned bit = OD_PROTO_SSLV3; bit <= OD_PROTO_TLS12; bit <<= 1) {
            if (!(s->protocols & protos & bit))
                continue;
            od_cipher_row *r = od_obs_add_cipher(o);
            r->proto = bit;
            r->name = od_xstrdup(s->openssl_name);
            r->iana = od_xstrdup(s->iana);
            r->cloudfront_offers = true;
            r->origin_accepts = OD_TRI_NO;
            r->reason = ecdsa ? od_xasprintf("the certificate's ECDSA key is on curve %s, which CloudFront does not "
                                             "offer", leaf->key_curve ? leaf->key_curve : "(unknown)")
                              : od_xasprintf("the certificate's %s key cannot sign for this suite", leaf->key_type);
        }
    }
}

char *od_bundle_check(const od_case *c, const od_bundle *b, const od_bundle_check_opts *opts, od_report *out)
{
    od_report_init(out);
    od_case_copy(&out->input, c);
    out->tool_version = od_xstrdup(OD_VERSION);
    char ts[32];
    od_format_time(time(NULL), ts, sizeof ts);
    out->generated_at = od_xstrdup(ts);
    if (b->n_certs == 0)
        return od_xstrdup("the bundle holds no certificate");

    od_trust trust;
    char *err = od_trust_load(c->trust_store, &trust);
    if (err)
        return err;
    od_observations *o = &out->obs;
    o->trust_store_used = od_xstrdup(trust.source);
    o->bundle = od_xcalloc(1, sizeof *o->bundle);
    o->bundle->file = od_escape_str(opts->file ? opts->file : "(bundle)");
    o->bundle->format = od_xstrdup(b->format ? b->format : "PEM");
    o->bundle->checked_at = opts->at;
    o->bundle->key_matches = OD_TRI_UNTESTED;

    /* The key: --key, else one carried in the file (PKCS#12, HAProxy PEM). */
    size_t leaf = od_bundle_leaf(b, b->key_der, b->key_der_len, opts->key_file);
    bool matches = false;
    if (opts->key_file || b->key_der) {
        err = opts->key_file ? od_bundle_key_file_matches(&b->certs[leaf], opts->key_file, &matches)
                             : od_bundle_key_der_matches(&b->certs[leaf], b->key_der, b->key_der_len, &matches);
        if (err) {
            od_trust_free(&trust);
            return err;
        }
        o->bundle->key_matches = matches ? OD_TRI_YES : OD_TRI_NO;
        o->bundle->key_source = opts->key_file ? od_escape_str(opts->key_file)
                                               : od_xasprintf("the private key inside %s", o->bundle->file);
    }

    /* The certificates in the order the server would send them: nginx,
     * Apache and HAProxy send the file's order. */
    size_t idx[MAX_BUNDLE_CERTS];
    for (size_t i = 0; i < b->n_certs; i++) {
        od_cert copy;
        memset(&copy, 0, sizeof copy);
        char *perr = od_cert_parse_der(b->certs[i].der, b->certs[i].der_len, &copy);
        if (perr) {
            free(perr);
            od_cert_free(&copy);
            od_trust_free(&trust);
            return od_xasprintf("certificate %zu of the bundle cannot be read again", i + 1);
        }
        idx[i] = od_obs_add_cert(o, &copy);
    }
    od_strlist names;
    od_case_expected_names(&out->input, &names);
    for (size_t n = 0; n < names.len; n++) {
        od_handshake *hs = od_obs_add_handshake(o);
        snprintf(hs->address, sizeof hs->address, "%s", "bundle");
        hs->port = c->https_port;
        hs->sni = od_xstrdup(names.items[n]);
        hs->ok = true;
        hs->outcome = OD_TLS_OK;
        hs->alert = -1;
        for (size_t i = 0; i < b->n_certs; i++)
            hs->chain[hs->chain_len++] = idx[i];
        od_chain_analyse_from(o->certs, hs->chain, hs->chain_len, leaf, &trust, &hs->facts);
    }
    od_strlist_free(&names);
    od_trust_free(&trust);
    cipher_rows_for_key(c, opts->policy, &o->certs[idx[0]], o);

    /* judged exactly as a live run's observations are */
    od_engine_opts eo = {.policy = opts->policy, .fixes = opts->fixes};
    od_engine_judge(&eo, out, opts->at);
    return NULL;
}
