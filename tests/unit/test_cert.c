/* Certificate parsing: every od_cert field, against certificates
 * generated at test time. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>

#include "check.h"
#include "od_cert.h"
#include "od_certgen.h"
#include "od_util.h"

static const time_t NB = 1700000000;   /* 2023-11-14T22:13:20Z */
static const time_t NA = 2000000000;   /* 2033-05-18T03:33:20Z */

static void make(const od_gen_spec *spec, const od_gen_cert *issuer, od_gen_cert *out)
{
    int rc = od_gen_cert_make(spec, issuer, out);
    CHECK_MSG(rc == 0, "od_gen_cert_make(%s): %s", spec->dn, gnutls_strerror(rc));
    if (rc != 0)
        exit(1);
}

/* Parses the generated certificate from its DER, as a probe would. */
static void parse(const od_gen_cert *g, od_cert *out)
{
    gnutls_datum_t der = { NULL, 0 };
    CHECK(gnutls_x509_crt_export2(g->crt, GNUTLS_X509_FMT_DER, &der) == 0);
    char *err = od_cert_parse_der(der.data, der.size, out);
    CHECK_MSG(err == NULL, "%s", err ? err : "");
    free(err);
    gnutls_free(der.data);
}

/* SHA-256 of the DER, upper-case hex with colons, computed independently. */
static char *fingerprint_of(const od_cert *c)
{
    unsigned char dig[32];
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, c->der, c->der_len, dig) < 0)
        return od_xstrdup("");
    od_buf b;
    od_buf_init(&b);
    for (size_t i = 0; i < sizeof dig; i++)
        od_buf_printf(&b, "%s%02X", i ? ":" : "", dig[i]);
    return od_buf_steal(&b);
}

static bool is_hex_colon(const char *s, size_t bytes, bool upper)
{
    if (!s || strlen(s) != bytes * 3 - 1)
        return false;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        if (i % 3 == 2) {
            if (c != ':')
                return false;
        } else if (!((c >= '0' && c <= '9') || (upper ? (c >= 'A' && c <= 'F') : (c >= 'a' && c <= 'f')))) {
            return false;
        }
    }
    return true;
}

static char *serial_of(const od_gen_cert *g)
{
    unsigned char buf[64];
    size_t size = sizeof buf;
    if (gnutls_x509_crt_get_serial(g->crt, buf, &size) < 0)
        return od_xstrdup("");
    return od_hex(buf, size, ':');
}

int main(void)
{
    /* An RSA root CA. */
    od_gen_cert root, leaf, ca384, leaf384, aia, esc, selfleaf, sameDN, sha1c, rsaleaf;
    od_gen_spec root_spec = { .dn = "CN=Test Root CA,O=origin-doctor test", .is_ca = true,
                              .key = OD_KEY_RSA2048, .not_before = NB, .not_after = NA };
    make(&root_spec, NULL, &root);
    od_cert rc;
    parse(&root, &rc);
    CHECK_STR(rc.subject, "CN=Test Root CA,O=origin-doctor test");
    CHECK_STR(rc.issuer, "CN=Test Root CA,O=origin-doctor test");
    CHECK(rc.common_names.len == 1);
    CHECK_STR(rc.common_names.len ? rc.common_names.items[0] : NULL, "Test Root CA");
    CHECK(rc.san_dns.len == 0 && rc.san_ip.len == 0);
    CHECK(rc.not_before == NB);
    CHECK(rc.not_after == NA);
    CHECK_STR(rc.key_type, "RSA");
    CHECK(rc.key_bits == 2048);
    CHECK(rc.key_curve == NULL);
    CHECK_STR(rc.signature_algorithm, "RSA-SHA256");
    CHECK(rc.is_ca);
    CHECK(rc.self_issued);
    CHECK(rc.self_signed);
    CHECK(rc.aia_issuer_urls.len == 0);
    CHECK(is_hex_colon(rc.subject_key_id, 20, false));
    CHECK(rc.authority_key_id == NULL);
    char *fp = fingerprint_of(&rc);
    CHECK_STR(rc.sha256, fp);
    CHECK(is_hex_colon(rc.sha256, 32, true));
    free(fp);
    char *serial = serial_of(&root);
    CHECK_STR(rc.serial, serial);
    CHECK(is_hex_colon(rc.serial, 16, false));
    free(serial);

    /* ECDSA P-256 leaf under the RSA root, DNS and IP SANs. */
    const char *dns[] = { "a.example.test", "*.b.example.test", NULL };
    const char *ips[] = { "127.0.0.1", "2001:db8::10", NULL };
    od_gen_spec leaf_spec = { .dn = "CN=a.example.test,O=origin-doctor test", .san_dns = dns, .san_ip = ips,
                              .key = OD_KEY_ECDSA_P256, .not_before = NB, .not_after = NA };
    make(&leaf_spec, &root, &leaf);
    od_cert lc;
    parse(&leaf, &lc);
    CHECK_STR(lc.subject, "CN=a.example.test,O=origin-doctor test");
    CHECK_STR(lc.issuer, rc.subject);
    CHECK(lc.san_dns.len == 2);
    CHECK(od_strlist_contains(&lc.san_dns, "a.example.test"));
    CHECK(od_strlist_contains(&lc.san_dns, "*.b.example.test"));
    CHECK(lc.san_ip.len == 2);
    CHECK(od_strlist_contains(&lc.san_ip, "127.0.0.1"));
    CHECK(od_strlist_contains(&lc.san_ip, "2001:db8::10"));
    CHECK_STR(lc.key_type, "ECDSA");
    CHECK(lc.key_bits == 256);
    CHECK_STR(lc.key_curve, "SECP256R1");
    CHECK_STR(lc.signature_algorithm, "RSA-SHA256");
    CHECK(!lc.is_ca);
    CHECK(!lc.self_issued);
    CHECK(!lc.self_signed);
    CHECK_STR(lc.authority_key_id, rc.subject_key_id);
    CHECK(lc.subject_key_id && rc.subject_key_id && strcmp(lc.subject_key_id, rc.subject_key_id) != 0);
    CHECK(strcmp(lc.sha256, rc.sha256) != 0);
    CHECK(lc.der_len > 0 && lc.der != NULL);

    /* ECDSA P-384 CA and a leaf it signs. */
    od_gen_spec ca384_spec = { .dn = "CN=P384 CA", .is_ca = true, .key = OD_KEY_ECDSA_P384 };
    make(&ca384_spec, NULL, &ca384);
    od_gen_spec leaf384_spec = { .dn = "CN=c.example.test", .key = OD_KEY_ECDSA_P384 };
    make(&leaf384_spec, &ca384, &leaf384);
    od_cert c384, l384;
    parse(&ca384, &c384);
    parse(&leaf384, &l384);
    CHECK_STR(c384.key_type, "ECDSA");
    CHECK(c384.key_bits == 384);
    CHECK_STR(c384.key_curve, "SECP384R1");
    CHECK_STR(c384.signature_algorithm, "ECDSA-SHA256");
    CHECK(c384.is_ca && c384.self_signed);
    CHECK_STR(l384.signature_algorithm, "ECDSA-SHA256");
    CHECK_STR(l384.issuer, "CN=P384 CA");
    CHECK(!l384.self_signed && !l384.is_ca);
    CHECK(l384.san_dns.len == 0);
    CHECK_STR(l384.common_names.len ? l384.common_names.items[0] : NULL, "c.example.test");
    /* Default validity of the generator: about now - 1 day .. now + 90 days. */
    time_t now = time(NULL);
    CHECK(l384.not_before < now && l384.not_before > now - 3 * 86400);
    CHECK(l384.not_after > now + 80 * 86400 && l384.not_after < now + 100 * 86400);

    /* A leaf with an AIA caIssuers URL. */
    od_gen_spec aia_spec = { .dn = "CN=aia.example.test", .key = OD_KEY_ECDSA_P256,
                             .aia_ca_issuers = "http://ca.example.test/ica.der" };
    make(&aia_spec, &root, &aia);
    od_cert ac;
    parse(&aia, &ac);
    CHECK(ac.aia_issuer_urls.len == 1);
    CHECK_STR(ac.aia_issuer_urls.len ? ac.aia_issuer_urls.items[0] : NULL, "http://ca.example.test/ica.der");

    /* A terminal escape sequence in the CN comes out visible. */
    od_gen_spec esc_spec = { .dn = "CN=evil\x1b[31m.example.test,O=x", .key = OD_KEY_ECDSA_P256 };
    make(&esc_spec, &root, &esc);
    od_cert ec;
    parse(&esc, &ec);
    CHECK(ec.subject && strchr(ec.subject, 0x1b) == NULL);
    CHECK_MSG(ec.subject && strstr(ec.subject, "evil\\e[31m.example.test") != NULL, "subject %s", ec.subject);
    CHECK(ec.common_names.len == 1);
    CHECK_STR(ec.common_names.len ? ec.common_names.items[0] : NULL, "evil\\e[31m.example.test");

    /* A self-signed leaf (no CA bit, no keyCertSign) is still self-signed. */
    const char *self_dns[] = { "self.example.test", NULL };
    od_gen_spec self_spec = { .dn = "CN=self.example.test", .san_dns = self_dns, .key = OD_KEY_ECDSA_P256 };
    make(&self_spec, NULL, &selfleaf);
    od_cert sc;
    parse(&selfleaf, &sc);
    CHECK(sc.self_issued);
    CHECK(sc.self_signed);
    CHECK(!sc.is_ca);

    /* Self-issued (subject == issuer) but signed by another key: not self-signed. */
    od_gen_spec same_spec = { .dn = "CN=Test Root CA,O=origin-doctor test", .is_ca = true, .key = OD_KEY_ECDSA_P256 };
    make(&same_spec, &root, &sameDN);
    od_cert dc;
    parse(&sameDN, &dc);
    CHECK(dc.self_issued);
    CHECK(!dc.self_signed);

    /* The root with a damaged signature: same names, the signature no
     * longer verifies with its own key. */
    unsigned char *broken = od_xmalloc(rc.der_len);
    memcpy(broken, rc.der, rc.der_len);
    broken[rc.der_len - 1] ^= 0x01;   /* last byte of the RSA signature */
    od_cert bc;
    char *berr = od_cert_parse_der(broken, rc.der_len, &bc);
    CHECK(berr == NULL);
    free(berr);
    CHECK(bc.self_issued);
    CHECK(!bc.self_signed);
    CHECK(bc.is_ca);
    od_cert_free(&bc);
    free(broken);

    /* SHA-1 signature and a 1024-bit RSA key. */
    od_gen_spec sha1_spec = { .dn = "CN=old.example.test", .key = OD_KEY_RSA1024, .sha1 = true };
    make(&sha1_spec, NULL, &sha1c);
    od_cert s1;
    parse(&sha1c, &s1);
    CHECK_STR(s1.signature_algorithm, "RSA-SHA1");
    CHECK_STR(s1.key_type, "RSA");
    CHECK(s1.key_bits == 1024);
    CHECK(s1.self_signed);

    /* An RSA leaf signed by the ECDSA CA. */
    od_gen_spec rsaleaf_spec = { .dn = "CN=r.example.test", .key = OD_KEY_RSA2048 };
    make(&rsaleaf_spec, &ca384, &rsaleaf);
    od_cert rl;
    parse(&rsaleaf, &rl);
    CHECK_STR(rl.key_type, "RSA");
    CHECK_STR(rl.signature_algorithm, "ECDSA-SHA256");
    CHECK_STR(rl.authority_key_id, c384.subject_key_id);

    /* PEM round trip. */
    char *pem = od_cert_to_pem(&lc);
    CHECK(pem && strncmp(pem, "-----BEGIN CERTIFICATE-----", 27) == 0);
    od_cert back;
    char *err = od_cert_parse_pem(pem, &back);
    CHECK(err == NULL);
    free(err);
    CHECK_STR(back.sha256, lc.sha256);
    CHECK(back.der_len == lc.der_len && memcmp(back.der, lc.der, lc.der_len) == 0);
    CHECK_STR(back.subject, lc.subject);
    od_cert_free(&back);
    char *gen_pem = od_gen_cert_pem(&leaf);
    CHECK_STR(pem, gen_pem);
    free(gen_pem);
    free(pem);

    /* Garbage in: an error message, nothing allocated. */
    od_cert bad;
    const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
    err = od_cert_parse_der(junk, sizeof junk, &bad);
    CHECK(err != NULL && strlen(err) > 0);
    CHECK(bad.subject == NULL && bad.der == NULL);
    free(err);
    err = od_cert_parse_pem("not a certificate", &bad);
    CHECK(err != NULL);
    free(err);
    err = od_cert_parse_der(NULL, 0, &bad);
    CHECK(err != NULL);
    free(err);

    od_cert *all[] = { &rc, &lc, &c384, &l384, &ac, &ec, &sc, &dc, &s1, &rl };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        od_cert_free(all[i]);
    od_gen_cert *gens[] = { &root, &leaf, &ca384, &leaf384, &aia, &esc, &selfleaf, &sameDN, &sha1c, &rsaleaf };
    for (size_t i = 0; i < sizeof gens / sizeof gens[0]; i++)
        od_gen_cert_free(gens[i]);
    return check_done("cert");
}
