/* CloudFront's origin policy asset: loads, is complete and consistent,
 * every suite can be offered alone by this GnuTLS at its protocols, and
 * broken files give messages that name the file and the problem. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "check.h"
#include "od_case.h"
#include "od_policy.h"
#include "od_probe.h"

static char scratch[64];

static char *write_tmp(const char *name, const char *text)
{
    char *path = od_xasprintf("%s/%s", scratch, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

/* Loads text as a policy; returns the error message (or NULL). */
static char *load_text(const char *name, const char *text)
{
    char *path = write_tmp(name, text);
    od_policy p;
    char *err = od_policy_load(path, &p);
    if (!err)
        od_policy_free(&p);
    unlink(path);
    free(path);
    return err;
}

static bool contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle);
}

/* Suites a priority string enumerates; code of the last one. */
static int enumerate(const char *prio, unsigned *code)
{
    gnutls_priority_t pc;
    if (gnutls_priority_init(&pc, prio, NULL) < 0)
        return -1;
    int count = 0;
    for (unsigned i = 0;; i++) {
        unsigned idx;
        int r = gnutls_priority_get_cipher_suite_index(pc, i, &idx);
        if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
        if (r < 0)
            continue;
        unsigned char id[2];
        if (gnutls_cipher_suite_info(idx, id, NULL, NULL, NULL, NULL)) {
            *code = (unsigned)(id[0] << 8 | id[1]);
            count++;
        }
    }
    gnutls_priority_deinit(pc);
    return count;
}

static void test_asset(void)
{
    char *path = od_asset_path("cloudfront-origin-policy.json");
    CHECK_MSG(path != NULL, "asset not found (ORIGIN_DOCTOR_ASSETS=%s)", getenv("ORIGIN_DOCTOR_ASSETS"));
    if (!path)
        return;
    od_policy p;
    char *err = od_policy_load(path, &p);
    CHECK_MSG(err == NULL, "%s", err);
    free(path);
    if (err) {
        free(err);
        return;
    }
    CHECK(p.n_suites == 16);
    CHECK_STR(p.checked, "2026-11");
    CHECK(contains(p.source, "Supported protocols and ciphers between CloudFront and the origin"));
    CHECK(p.protocols == (OD_PROTO_SSLV3 | OD_PROTO_TLS1 | OD_PROTO_TLS11 | OD_PROTO_TLS12));
    CHECK(p.curves.len == 3 && p.curve_names.len == 3);
    CHECK(od_strlist_contains(&p.curves, "SECP256R1") && od_strlist_contains(&p.curves, "X25519"));
    CHECK(od_strlist_contains(&p.curve_names, "prime256v1"));
    CHECK(p.signature_schemes.len > 0);

    /* CloudFront's preference order starts with ECDSA AES256-GCM. */
    CHECK_STR(p.suites[0].openssl_name, "ECDHE-ECDSA-AES256-GCM-SHA384");
    CHECK(p.suites[0].code == 0xC02C);
    CHECK_STR(p.suites[15].openssl_name, "RC4-MD5");

    /* Unique codes and names; every protocol name round-trips. */
    for (size_t i = 0; i < p.n_suites; i++) {
        const od_policy_suite *s = &p.suites[i];
        for (size_t j = i + 1; j < p.n_suites; j++) {
            CHECK(s->code != p.suites[j].code);
            CHECK(strcmp(s->openssl_name, p.suites[j].openssl_name) != 0);
        }
        CHECK(od_policy_find_suite(&p, s->code) == s);
        char hex[8];
        snprintf(hex, sizeof hex, "0x%04X", s->code);
        CHECK_STR(s->iana, hex);
        CHECK(s->protocols != 0 && (s->protocols & ~p.protocols) == 0);
        for (unsigned bit = OD_PROTO_SSLV3; bit <= OD_PROTO_TLS12; bit <<= 1) {
            if (!(s->protocols & bit))
                continue;
            unsigned back = 0;
            char *msg = od_parse_ssl_protocols(od_proto_name(bit), &back);
            CHECK_MSG(msg == NULL && back == bit, "%s: %s", od_proto_name(bit), msg ? msg : "");
            free(msg);
        }
        bool aead = strcmp(s->gnutls_mac, "AEAD") == 0;
        bool sha2 = strcmp(s->gnutls_mac, "SHA256") == 0 || strcmp(s->gnutls_mac, "SHA384") == 0;
        if (aead || sha2)
            CHECK_MSG(s->protocols == OD_PROTO_TLS12, "%s", s->openssl_name);
        if (strcmp(s->kx, "ECDHE") == 0)
            CHECK_MSG(!(s->protocols & OD_PROTO_SSLV3), "%s", s->openssl_name);
    }
    CHECK(od_policy_find_suite(&p, 0x1301) == NULL);
    const od_policy_suite *rc4 = od_policy_find_suite(&p, 0x0004);
    CHECK(rc4 && strcmp(rc4->gnutls_cipher, "ARCFOUR-128") == 0 && (rc4->protocols & OD_PROTO_SSLV3));

    /* Each suite alone, at each protocol, in this GnuTLS. */
    int valid = 0;
    for (size_t i = 0; i < p.n_suites; i++) {
        const od_policy_suite *s = &p.suites[i];
        for (unsigned bit = OD_PROTO_SSLV3; bit <= OD_PROTO_TLS13; bit <<= 1) {
            char *prio = od_suite_priority(&p, s, bit);
            bool gnutls_has = bit != OD_PROTO_SSLV3 && bit != OD_PROTO_TLS13;
            if ((s->protocols & bit) && gnutls_has) {
                CHECK_MSG(prio != NULL, "%s at %s", s->openssl_name, od_proto_name(bit));
                unsigned code = 0;
                int n = prio ? enumerate(prio, &code) : -1;
                CHECK_MSG(n == 1 && code == s->code, "%s at %s: %d suites, code %04x", s->openssl_name,
                          od_proto_name(bit), n, code);
                valid++;
            } else {
                CHECK_MSG(prio == NULL, "%s at %s should not be offered", s->openssl_name, od_proto_name(bit));
            }
            free(prio);
        }
    }
    CHECK(valid == 32);   /* 8 TLS1.2-only + 8 suites x 3 versions */

    /* CloudFront's whole offer initialises and holds every suite. */
    char *all = od_policy_priority(&p, OD_PROTO_TLS1 | OD_PROTO_TLS11 | OD_PROTO_TLS12);
    CHECK(all != NULL);
    if (all) {
        gnutls_priority_t pc;
        const char *errpos = NULL;
        int prc = gnutls_priority_init(&pc, all, &errpos);
        CHECK_MSG(prc == 0, "%s at %s", all, errpos ? errpos : "");
        if (prc == 0) {
            size_t found = 0;
            for (size_t i = 0; i < p.n_suites; i++) {
                for (unsigned k = 0;; k++) {
                    unsigned idx;
                    int r = gnutls_priority_get_cipher_suite_index(pc, k, &idx);
                    if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
                        break;
                    unsigned char id[2];
                    if (r == 0 && gnutls_cipher_suite_info(idx, id, NULL, NULL, NULL, NULL) &&
                        (unsigned)(id[0] << 8 | id[1]) == p.suites[i].code) {
                        found++;
                        break;
                    }
                }
            }
            CHECK(found == p.n_suites);
            gnutls_priority_deinit(pc);
        }
        CHECK(strstr(all, "+GROUP-X25519") && strstr(all, "+VERS-TLS1.0") && !strstr(all, "TLS1.3"));
        free(all);
    }
    char *tls12 = od_policy_priority(&p, OD_PROTO_TLS12);
    CHECK(tls12 && !strstr(tls12, "VERS-TLS1.0") && strstr(tls12, "+AEAD"));
    free(tls12);
    CHECK(od_policy_priority(&p, OD_PROTO_SSLV3) == NULL);
    CHECK(p.path != NULL);
    od_policy_free(&p);
}

static const char good_suite[] =
    "{\"openssl_name\":\"AES128-SHA\",\"rfc_name\":\"TLS_RSA_WITH_AES_128_CBC_SHA\",\"iana\":\"0x002F\","
    "\"kx\":\"RSA\",\"auth\":\"RSA\",\"gnutls\":{\"kx\":\"RSA\",\"cipher\":\"AES-128-CBC\",\"mac\":\"SHA1\"},"
    "\"protocols\":[\"TLSv1\",\"TLSv1.2\"]}";

static char *policy_with(const char *suite)
{
    return od_xasprintf("{\"source\":\"test\",\"checked\":\"2026-11\",\"protocols\":[\"TLSv1\",\"TLSv1.2\"],"
                        "\"suites\":[%s],\"curves\":[{\"name\":\"prime256v1\",\"gnutls\":\"SECP256R1\"}],"
                        "\"signature_schemes\":[\"rsa_pkcs1_sha256\"]}",
                        suite);
}

static void test_errors(void)
{
    /* Missing file. */
    char *missing = od_xasprintf("%s/nope.json", scratch);
    od_policy p;
    char *err = od_policy_load(missing, &p);
    char *want = od_xasprintf("cannot read %s: No such file or directory", missing);
    CHECK_STR(err, want);
    free(want);
    free(err);
    free(missing);

    /* A minimal valid file loads. */
    char *text = policy_with(good_suite);
    err = load_text("good.json", text);
    CHECK_MSG(err == NULL, "%s", err);
    free(err);
    free(text);

    /* Malformed JSON: the byte position. */
    err = load_text("bad.json", "{\"source\": \"x\",\n \"checked\": }");
    CHECK_MSG(contains(err, "bad.json: malformed JSON at byte 28"), "%s", err);
    free(err);

    /* A missing key names the key and the suite. */
    char *suite = od_xstrdup(good_suite);
    char *r = strstr(suite, "\"rfc_name\"");
    memcpy(r, "\"rfc_nam_\"", 10);
    text = policy_with(suite);
    err = load_text("nokey.json", text);
    CHECK_MSG(contains(err, "nokey.json: suites[0].rfc_name: missing"), "%s", err);
    free(err);
    free(text);
    free(suite);

    /* Bad iana, unknown protocol, priority-token injection, duplicates. */
    suite = od_xstrdup(good_suite);
    memcpy(strstr(suite, "0x002F"), "0x00ZZ", 6);
    text = policy_with(suite);
    err = load_text("iana.json", text);
    CHECK_MSG(contains(err, "\"iana\" is \"0x00ZZ\""), "%s", err);
    free(err);
    free(text);
    free(suite);

    suite = od_xstrdup(good_suite);
    memcpy(strstr(suite, "TLSv1.2"), "TLSv9.2", 7);
    text = policy_with(suite);
    err = load_text("proto.json", text);
    CHECK_MSG(contains(err, "unknown protocol \"TLSv9.2\""), "%s", err);
    free(err);
    free(text);
    free(suite);

    suite = od_xstrdup(good_suite);
    memcpy(strstr(suite, "\"SHA1\""), "\"SH:1\"", 6);
    text = policy_with(suite);
    err = load_text("token.json", text);
    CHECK_MSG(contains(err, "GnuTLS priority tokens"), "%s", err);
    free(err);
    free(text);
    free(suite);

    char *two = od_xasprintf("%s,%s", good_suite, good_suite);
    text = policy_with(two);
    err = load_text("dup.json", text);
    CHECK_MSG(contains(err, "duplicates"), "%s", err);
    free(err);
    free(text);
    free(two);

    err = load_text("top.json", "[1,2]");
    CHECK_MSG(contains(err, "top.json: the top level must be a JSON object"), "%s", err);
    free(err);
    err = load_text("nosuites.json", "{\"source\":\"s\",\"checked\":\"c\",\"protocols\":[\"TLSv1\"]}");
    CHECK_MSG(contains(err, "nosuites.json: suites: missing"), "%s", err);
    free(err);
}

static void test_asset_path(void)
{
    char *old = getenv("ORIGIN_DOCTOR_ASSETS") ? od_xstrdup(getenv("ORIGIN_DOCTOR_ASSETS")) : NULL;
    char *path = write_tmp("only-here.txt", "x");
    setenv("ORIGIN_DOCTOR_ASSETS", scratch, 1);
    char *found = od_asset_path("only-here.txt");
    CHECK_STR(found, path);
    free(found);
    CHECK(od_asset_path("no-such-asset.txt") == NULL);
    unlink(path);
    free(path);
    /* A missing asset is told with every place looked, in order. */
    char *msg = od_asset_missing("no-such-asset.txt");
    char *in_env = strstr(msg, scratch), *next_to = strstr(msg, "/../assets"),
         *shared = strstr(msg, "/../share/origin-doctor");
    CHECK_MSG(strstr(msg, "no-such-asset.txt") && in_env && next_to && shared && in_env < next_to &&
                  next_to < shared && strstr(msg, OD_SOURCE_ASSETS) && strstr(msg, OD_INSTALL_ASSETS),
              "%s", msg);
    free(msg);
    /* Without the variable the source tree (or an installed copy) is found,
     * and the message says the variable was not set. */
    unsetenv("ORIGIN_DOCTOR_ASSETS");
    found = od_asset_path("cloudfront-origin-policy.json");
    CHECK(found != NULL);
    free(found);
    msg = od_asset_missing("no-such-asset.txt");
    CHECK_MSG(strstr(msg, "$ORIGIN_DOCTOR_ASSETS (not set)"), "%s", msg);
    free(msg);
    if (old) {
        setenv("ORIGIN_DOCTOR_ASSETS", old, 1);
        free(old);
    }
}

int main(void)
{
    snprintf(scratch, sizeof scratch, "/tmp/od-test-policy-XXXXXX");
    if (!mkdtemp(scratch)) {
        perror("mkdtemp");
        return 1;
    }
    test_asset();
    test_errors();
    test_asset_path();
    rmdir(scratch);
    return check_done("test_policy");
}
