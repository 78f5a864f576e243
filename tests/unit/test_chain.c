/* Chain analysis of every sending order, against a PKI generated at test
 * time: root -> ICA1 -> ICA2 -> leaf, plus an unrelated "other" PKI. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "od_cert.h"
#include "od_certgen.h"
#include "od_chain.h"
#include "od_util.h"

enum { ROOT, ICA1, ICA2, LEAF, OROOT, OICA, OLEAF, SELFLEAF, DIRECT, ICA2_NEWKEY, N_CERTS };

static od_gen_cert gen[N_CERTS];
static od_cert certs[N_CERTS];

static void make(int idx, const char *dn, bool ca, int issuer, const char *san)
{
    const char *dns[] = { san, NULL };
    od_gen_spec spec = { .dn = dn, .is_ca = ca, .key = OD_KEY_ECDSA_P256, .san_dns = san ? dns : NULL };
    if (idx == ROOT)
        spec.key = OD_KEY_RSA2048;      /* one RSA link in the chain */
    int rc = od_gen_cert_make(&spec, issuer >= 0 ? &gen[issuer] : NULL, &gen[idx]);
    CHECK_MSG(rc == 0, "generate %s: %s", dn, gnutls_strerror(rc));
    if (rc != 0)
        exit(1);
    gnutls_datum_t der = { NULL, 0 };
    if (gnutls_x509_crt_export2(gen[idx].crt, GNUTLS_X509_FMT_DER, &der) < 0)
        exit(1);
    char *err = od_cert_parse_der(der.data, der.size, &certs[idx]);
    CHECK_MSG(err == NULL, "parse %s: %s", dn, err ? err : "");
    free(err);
    gnutls_free(der.data);
}

/* Analyses a chain given as certificate indexes, -1 terminated. */
static void analyse(const od_trust *trust, od_chain_facts *f, ...)
{
    size_t chain[16];
    size_t n = 0;
    va_list ap;
    va_start(ap, f);
    for (int idx; (idx = va_arg(ap, int)) >= 0 && n < 16;)
        chain[n++] = (size_t)idx;
    va_end(ap);
    od_chain_analyse(certs, chain, n, trust, f);
}

static bool path_is(const od_chain_facts *f, size_t len, ...)
{
    if (f->path_len != len)
        return false;
    va_list ap;
    va_start(ap, len);
    bool ok = true;
    for (size_t i = 0; i < len; i++)
        if (f->path[i] != (size_t)va_arg(ap, int))
            ok = false;
    va_end(ap);
    return ok;
}

static void write_pem(const char *path, int idx)
{
    const od_gen_cert *one[] = { &gen[idx] };
    CHECK(od_gen_write_pem_chain(path, one, 1) == 0);
}

int main(void)
{
    make(ROOT, "CN=Chain Test Root CA,O=origin-doctor test", true, -1, NULL);
    make(ICA1, "CN=Chain Test ICA1,O=origin-doctor test", true, ROOT, NULL);
    make(ICA2, "CN=Chain Test ICA2 (issues leaves),O=origin-doctor test", true, ICA1, NULL);
    make(LEAF, "CN=a.example.test", false, ICA2, "a.example.test");
    make(OROOT, "CN=Other Untrusted Root,O=elsewhere", true, -1, NULL);
    make(OICA, "CN=Other ICA,O=elsewhere", true, OROOT, NULL);
    make(OLEAF, "CN=o.example.test", false, OICA, "o.example.test");
    make(SELFLEAF, "CN=self.example.test", false, -1, "self.example.test");
    make(DIRECT, "CN=direct.example.test", false, ROOT, "direct.example.test");
    /* ICA2's exact name, another key, issued by ICA1: not the leaf's issuer. */
    make(ICA2_NEWKEY, "CN=Chain Test ICA2 (issues leaves),O=origin-doctor test", true, ICA1, NULL);

    char dir[] = "/tmp/od_test_chain_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char *root_pem = od_xasprintf("%s/root.pem", dir);
    char *ica1_pem = od_xasprintf("%s/ica1.pem", dir);
    char *empty_pem = od_xasprintf("%s/empty.pem", dir);
    char *missing_pem = od_xasprintf("%s/does-not-exist.pem", dir);
    write_pem(root_pem, ROOT);
    write_pem(ica1_pem, ICA1);
    CHECK(od_write_file_atomic(empty_pem, "not a certificate\n", 18, true) == 0);

    od_trust trust, ica_trust, bad;
    char *err = od_trust_load(root_pem, &trust);
    CHECK_MSG(err == NULL, "%s", err ? err : "");
    free(err);
    CHECK(trust.count == 1);
    CHECK_STR(trust.source, root_pem);
    err = od_trust_load(ica1_pem, &ica_trust);
    CHECK(err == NULL);
    free(err);

    /* Trust store problems name the file. */
    err = od_trust_load(missing_pem, &bad);
    CHECK(err && strstr(err, missing_pem) && strstr(err, "No such file"));
    CHECK(bad.list == NULL && bad.source == NULL);
    free(err);
    err = od_trust_load(empty_pem, &bad);
    CHECK(err && strstr(err, empty_pem) && strstr(err, "no PEM certificate"));
    free(err);
    err = od_trust_load(dir, &bad);        /* a folder, not a file */
    CHECK(err && strstr(err, dir));
    free(err);

    od_chain_facts f;

    /* ok: leaf, ICA2, ICA1 (ICA1 issued by the anchor). */
    analyse(&trust, &f, LEAF, ICA2, ICA1, -1);
    CHECK(f.analysed);
    CHECK(path_is(&f, 3, 0, 1, 2));
    CHECK(f.order_ok);
    CHECK(!f.issuer_missing && f.missing_issuer_dn == NULL);
    CHECK(f.ends_at_trust_anchor);
    CHECK_STR(f.trust_anchor_subject, certs[ROOT].subject);
    CHECK(!f.ends_at_untrusted_root && !f.leaf_self_signed && !f.root_included);
    CHECK(f.n_extra == 0);
    od_chain_facts_free(&f);

    /* wrong order: leaf, ICA1, ICA2 (ICA2 issued the leaf). */
    analyse(&trust, &f, LEAF, ICA1, ICA2, -1);
    CHECK(path_is(&f, 3, 0, 2, 1));
    CHECK(!f.order_ok);
    CHECK(f.ends_at_trust_anchor && !f.issuer_missing);
    CHECK(f.n_extra == 0);
    od_chain_facts_free(&f);

    /* root first: leaf, Root, ICA2, ICA1. */
    analyse(&trust, &f, LEAF, ROOT, ICA2, ICA1, -1);
    CHECK(path_is(&f, 4, 0, 2, 3, 1));
    CHECK(!f.order_ok);
    CHECK(f.root_included && f.root_position == 1);
    CHECK(f.ends_at_trust_anchor && !f.ends_at_untrusted_root);
    CHECK(f.n_extra == 0);
    od_chain_facts_free(&f);

    /* root included at the end: harmless, order ok. */
    analyse(&trust, &f, LEAF, ICA2, ICA1, ROOT, -1);
    CHECK(path_is(&f, 4, 0, 1, 2, 3));
    CHECK(f.order_ok);
    CHECK(f.root_included && f.root_position == 3);
    CHECK(f.ends_at_trust_anchor);
    CHECK_STR(f.trust_anchor_subject, certs[ROOT].subject);
    CHECK(f.n_extra == 0);
    od_chain_facts_free(&f);

    /* missing intermediate: leaf, ICA1 (ICA2 absent). */
    analyse(&trust, &f, LEAF, ICA1, -1);
    CHECK(path_is(&f, 1, 0));
    CHECK(f.issuer_missing);
    CHECK(f.missing_after == 0);
    CHECK_STR(f.missing_issuer_dn, certs[ICA2].subject);
    CHECK_STR(f.missing_issuer_akid, certs[ICA2].subject_key_id);
    CHECK(!f.ends_at_trust_anchor && !f.ends_at_untrusted_root);
    CHECK(f.n_extra == 1 && f.extra[0] == 1);
    od_chain_facts_free(&f);

    /* extra unrelated certificate at the end. */
    analyse(&trust, &f, LEAF, ICA2, ICA1, OROOT, -1);
    CHECK(path_is(&f, 3, 0, 1, 2));
    CHECK(f.order_ok && f.ends_at_trust_anchor && !f.issuer_missing);
    CHECK(f.n_extra == 1 && f.extra[0] == 3);
    CHECK(f.root_included && f.root_position == 3);   /* a self-signed CA was sent */
    od_chain_facts_free(&f);

    /* leaf issued directly by the trusted root. */
    analyse(&trust, &f, DIRECT, -1);
    CHECK(path_is(&f, 1, 0));
    CHECK(f.order_ok && f.ends_at_trust_anchor && !f.issuer_missing);
    CHECK_STR(f.trust_anchor_subject, certs[ROOT].subject);
    od_chain_facts_free(&f);

    /* self-signed leaf. */
    analyse(&trust, &f, SELFLEAF, -1);
    CHECK(f.analysed && f.leaf_self_signed);
    CHECK(path_is(&f, 1, 0));
    CHECK(!f.ends_at_trust_anchor && !f.issuer_missing);
    CHECK(f.ends_at_untrusted_root);
    CHECK(!f.root_included);
    od_chain_facts_free(&f);

    /* untrusted root: a complete chain to a root the store does not hold. */
    analyse(&trust, &f, OLEAF, OICA, OROOT, -1);
    CHECK(path_is(&f, 3, 0, 1, 2));
    CHECK(f.order_ok && f.ends_at_untrusted_root && !f.ends_at_trust_anchor);
    CHECK(!f.issuer_missing && !f.leaf_self_signed);
    CHECK(f.root_included && f.root_position == 2);
    CHECK(f.trust_anchor_subject == NULL);
    od_chain_facts_free(&f);

    /* the same without the root: its issuer is simply missing. */
    analyse(&trust, &f, OLEAF, OICA, -1);
    CHECK(path_is(&f, 2, 0, 1));
    CHECK(f.issuer_missing && f.missing_after == 1);
    CHECK_STR(f.missing_issuer_dn, certs[OROOT].subject);
    od_chain_facts_free(&f);

    /* leaf only. */
    analyse(&trust, &f, LEAF, -1);
    CHECK(path_is(&f, 1, 0));
    CHECK(f.issuer_missing && f.missing_after == 0 && f.n_extra == 0);
    CHECK_STR(f.missing_issuer_dn, certs[ICA2].subject);
    od_chain_facts_free(&f);

    /* an intermediate with the right name but another key is not the issuer. */
    analyse(&trust, &f, LEAF, ICA2_NEWKEY, ICA1, -1);
    CHECK(path_is(&f, 1, 0));
    CHECK(f.issuer_missing && f.missing_after == 0);
    CHECK(f.n_extra == 2 && f.extra[0] == 1 && f.extra[1] == 2);
    od_chain_facts_free(&f);

    /* a damaged signature on ICA2: names and key ids still match ICA1, but
     * the link is not followed. */
    od_cert tampered;
    unsigned char *der = od_xmalloc(certs[ICA2].der_len);
    memcpy(der, certs[ICA2].der, certs[ICA2].der_len);
    der[certs[ICA2].der_len - 1] ^= 0x01;        /* inside the signature value */
    err = od_cert_parse_der(der, certs[ICA2].der_len, &tampered);
    CHECK(err == NULL);
    free(err);
    free(der);
    od_cert saved = certs[ICA2];
    certs[ICA2] = tampered;
    analyse(&trust, &f, LEAF, ICA2, ICA1, -1);
    CHECK(path_is(&f, 2, 0, 1));
    CHECK(f.issuer_missing && f.missing_after == 1);
    CHECK_STR(f.missing_issuer_dn, saved.issuer);
    CHECK(f.n_extra == 1 && f.extra[0] == 2);
    od_chain_facts_free(&f);
    certs[ICA2] = saved;
    od_cert_free(&tampered);

    /* the store holds ICA1: a chain ending at ICA2 (issued by it) is complete,
     * and ICA1 sent along is itself an anchor. */
    analyse(&ica_trust, &f, LEAF, ICA2, -1);
    CHECK(path_is(&f, 2, 0, 1));
    CHECK(f.ends_at_trust_anchor && !f.issuer_missing && f.order_ok);
    CHECK_STR(f.trust_anchor_subject, certs[ICA1].subject);
    od_chain_facts_free(&f);
    analyse(&ica_trust, &f, LEAF, ICA2, ICA1, ROOT, -1);
    CHECK(path_is(&f, 3, 0, 1, 2));
    CHECK(f.ends_at_trust_anchor && f.order_ok);
    CHECK(f.n_extra == 1 && f.extra[0] == 3);
    od_chain_facts_free(&f);

    /* no trust store: the chain's top issuer is missing. */
    analyse(NULL, &f, LEAF, ICA2, ICA1, -1);
    CHECK(path_is(&f, 3, 0, 1, 2));
    CHECK(f.issuer_missing && f.missing_after == 2);
    CHECK_STR(f.missing_issuer_dn, certs[ROOT].subject);
    od_chain_facts_free(&f);

    /* nothing sent. */
    analyse(&trust, &f, -1);
    CHECK(!f.analysed && f.path_len == 0);
    od_chain_facts_free(&f);

    /* the system store does not hold the test root. */
    od_trust sys;
    err = od_trust_load(NULL, &sys);
    if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0) {
        CHECK_MSG(err == NULL, "%s", err ? err : "");
        CHECK(sys.count > 10);
        CHECK_STR(sys.source, "system");
        analyse(&sys, &f, LEAF, ICA2, ICA1, ROOT, -1);
        CHECK(f.ends_at_untrusted_root && !f.ends_at_trust_anchor && f.order_ok);
        od_chain_facts_free(&f);
    }
    free(err);
    od_trust_free(&sys);

    /* A live origin's chain sent reversed: [0] is a CA certificate and the
     * leaf, sent later, has an issuer path through it. */
    {
        size_t rev[] = {ICA2, ICA1, LEAF};
        od_chain_analyse_sent(certs, rev, 3, &trust, &f);
        CHECK(f.analysed && !f.order_ok && path_is(&f, 3, 2, 0, 1) && f.ends_at_trust_anchor && f.n_extra == 0);
        CHECK(!f.leaf_self_signed && !f.issuer_missing);
        od_chain_facts_free(&f);
        size_t rev_short[] = {ICA2, LEAF};   /* ICA1 not sent */
        od_chain_analyse_sent(certs, rev_short, 2, &trust, &f);
        CHECK(!f.order_ok && path_is(&f, 2, 1, 0) && f.issuer_missing && f.missing_after == 0);
        od_chain_facts_free(&f);
        size_t rev_root[] = {ROOT, ICA1, ICA2, LEAF};
        od_chain_analyse_sent(certs, rev_root, 4, &trust, &f);
        CHECK(!f.order_ok && path_is(&f, 4, 3, 2, 1, 0) && f.ends_at_trust_anchor);
        od_chain_facts_free(&f);
        /* a CA first and an unrelated leaf after it: no claim of order,
         * the analysis stays the one from [0] */
        size_t unrelated[] = {ICA2, OLEAF};
        od_chain_analyse_sent(certs, unrelated, 2, &trust, &f);
        CHECK(path_is(&f, 1, 0) && f.order_ok && f.n_extra == 1);
        od_chain_facts_free(&f);
        /* leaf first: exactly od_chain_analyse */
        size_t good[] = {LEAF, ICA2, ICA1};
        od_chain_analyse_sent(certs, good, 3, &trust, &f);
        CHECK(path_is(&f, 3, 0, 1, 2) && f.order_ok);
        od_chain_facts_free(&f);
        CHECK(od_chain_leaf_position(certs, rev, 3) == 2 && od_chain_leaf_position(certs, good, 3) == 0);
    }

    od_trust_free(&trust);
    od_trust_free(&ica_trust);
    unlink(root_pem);
    unlink(ica1_pem);
    unlink(empty_pem);
    rmdir(dir);
    free(root_pem);
    free(ica1_pem);
    free(empty_pem);
    free(missing_pem);
    for (int i = 0; i < N_CERTS; i++) {
        od_cert_free(&certs[i]);
        od_gen_cert_free(&gen[i]);
    }
    return check_done("chain");
}
