/* --client-cert / --client-key: read and checked once (messages name the
 * flag), kept as bytes, imported per session by the TLS probe. */
#include "od_client_cert.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "od_bundle.h"
#include "od_cert.h"
#include "od_util.h"

struct od_client_cert {
    gnutls_datum_t *der;   /* the certificate list, as in the file */
    unsigned n_der;
    char *key;             /* the key file's bytes (PEM or DER) */
    size_t key_len;
    od_cert leaf;          /* the first certificate, parsed (subject, expiry) */
};

void od_client_cert_free(od_client_cert *cc)
{
    if (!cc)
        return;
    for (unsigned i = 0; i < cc->n_der; i++)
        gnutls_free(cc->der[i].data);
    free(cc->der);
    if (cc->key)
        memset(cc->key, 0, cc->key_len);
    free(cc->key);
    od_cert_free(&cc->leaf);
    free(cc);
}

static char *read_certificates(od_client_cert *cc, const char *path)
{
    char *shown = od_quote(path);
    size_t len = 0;
    char *data = od_read_file(path, &len);
    char *err = NULL;
    if (!data) {
        err = od_xasprintf("--client-cert: cannot read %s: %s", shown, od_strerror(errno, &(od_errbuf){{0}}));
        free(shown);
        return err;
    }
    gnutls_x509_crt_t *crts = NULL;
    unsigned n = 0;
    gnutls_datum_t d = {(unsigned char *)data, (unsigned)len};
    int rc = len ? gnutls_x509_crt_list_import2(&crts, &n, &d, GNUTLS_X509_FMT_PEM, 0) : GNUTLS_E_BASE64_DECODING_ERROR;
    if (rc < 0 || n == 0) {
        err = strstr(data, "PRIVATE KEY")
                  ? od_xasprintf("--client-cert: %s holds a private key, not a certificate (the key goes to "
                                 "--client-key)", shown)
                  : od_xasprintf("--client-cert: %s holds no PEM certificate (-----BEGIN CERTIFICATE-----): %s",
                                 shown, len ? gnutls_strerror(rc) : "the file is empty");
    } else {
        cc->der = od_xcalloc(n, sizeof *cc->der);
        for (unsigned i = 0; i < n && !err; i++) {
            if (gnutls_x509_crt_export2(crts[i], GNUTLS_X509_FMT_DER, &cc->der[i]) < 0)
                err = od_xasprintf("--client-cert: %s: certificate %u cannot be re-encoded", shown, i + 1);
            else
                cc->n_der = i + 1;
        }
        char *perr = err ? NULL : od_cert_parse_der(cc->der[0].data, cc->der[0].size, &cc->leaf);
        if (perr) {
            err = od_xasprintf("--client-cert: %s: %s", shown, perr);
            free(perr);
        }
    }
    for (unsigned i = 0; i < n; i++)
        gnutls_x509_crt_deinit(crts[i]);
    gnutls_free(crts);
    free(data);
    free(shown);
    return err;
}

od_client_cert *od_client_cert_load(const char *cert_path, const char *key_path, char **err)
{
    *err = NULL;
    od_client_cert *cc = od_xcalloc(1, sizeof *cc);
    *err = read_certificates(cc, cert_path);
    bool matches = false;
    if (!*err) {
        char *kerr = od_bundle_key_file_matches(&cc->leaf, key_path, &matches);
        if (kerr) {
            *err = od_xasprintf("--client-key: %s", kerr);
            free(kerr);
        } else if (!matches) {
            char *kq = od_quote(key_path), *cq = od_quote(cert_path);
            *err = od_xasprintf("--client-key: %s is not the private key of the certificate in --client-cert %s "
                                "(%s); give the key that was made with it", kq, cq, cc->leaf.subject);
            free(kq);
            free(cq);
        }
    }
    if (!*err && !(cc->key = od_read_file(key_path, &cc->key_len))) {
        char *kq = od_quote(key_path);
        *err = od_xasprintf("--client-key: cannot read %s: %s", kq, od_strerror(errno, &(od_errbuf){{0}}));
        free(kq);
    }
    if (*err) {
        od_client_cert_free(cc);
        return NULL;
    }
    return cc;
}

const char *od_client_cert_subject(const od_client_cert *cc)
{
    return cc ? cc->leaf.subject : NULL;
}

int od_client_cert_import(const od_client_cert *cc, gnutls_pcert_st **pcerts, unsigned *n, gnutls_privkey_t *key)
{
    *pcerts = od_xcalloc(cc->n_der, sizeof **pcerts);
    *n = 0;
    *key = NULL;
    int rc = 0;
    for (unsigned i = 0; i < cc->n_der && rc == 0; i++)
        if ((rc = gnutls_pcert_import_x509_raw(&(*pcerts)[i], &cc->der[i], GNUTLS_X509_FMT_DER, 0)) == 0)
            (*n)++;
    if (rc == 0)
        rc = gnutls_privkey_init(key);
    if (rc == 0) {
        gnutls_datum_t d = {(unsigned char *)cc->key, (unsigned)cc->key_len};
        rc = gnutls_privkey_import_x509_raw(*key, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
        if (rc < 0)
            rc = gnutls_privkey_import_x509_raw(*key, &d, GNUTLS_X509_FMT_DER, NULL, 0);
    }
    if (rc < 0) {
        for (unsigned i = 0; i < *n; i++)
            gnutls_pcert_deinit(&(*pcerts)[i]);
        free(*pcerts);
        *pcerts = NULL;
        *n = 0;
        if (*key)
            gnutls_privkey_deinit(*key);
        *key = NULL;
    }
    return rc;
}
