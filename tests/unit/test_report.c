/* The report: JSON round trip, the contract keys, strict loading of bad
 * files, and the human renderings. Certificates are generated here. */
#include "check.h"
#include "od_report.h"

#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

/* ---- certificates made at test time ---- */

static gnutls_x509_privkey_t new_key(void)
{
    gnutls_x509_privkey_t k;
    if (gnutls_x509_privkey_init(&k) < 0 ||
        gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0) {
        fprintf(stderr, "key generation failed\n");
        exit(1);
    }
    return k;
}

/* Makes a certificate for cn signed by (issuer, issuer_key), or self-signed
 * when issuer is NULL; returns it (caller deinits) and its DER in *der. */
static gnutls_x509_crt_t make_cert(const char *cn, bool ca, gnutls_x509_privkey_t key, gnutls_x509_crt_t issuer,
                                   gnutls_x509_privkey_t issuer_key, time_t nb, time_t na, unsigned char **der,
                                   size_t *der_len)
{
    gnutls_x509_crt_t crt;
    unsigned char serial[4] = { 1, 2, 3, (unsigned char)(ca ? 4 : 5) };
    int rc = gnutls_x509_crt_init(&crt);
    rc |= gnutls_x509_crt_set_version(crt, 3);
    rc |= gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
    rc |= gnutls_x509_crt_set_activation_time(crt, nb);
    rc |= gnutls_x509_crt_set_expiration_time(crt, na);
    rc |= gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned)strlen(cn));
    rc |= gnutls_x509_crt_set_key(crt, key);
    rc |= gnutls_x509_crt_set_basic_constraints(crt, ca, -1);
    if (!ca)
        rc |= gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, cn, (unsigned)strlen(cn),
                                                   GNUTLS_FSAN_SET);
    rc |= gnutls_x509_crt_sign2(crt, issuer ? issuer : crt, issuer ? issuer_key : key, GNUTLS_DIG_SHA256, 0);
    gnutls_datum_t d = { NULL, 0 };
    rc |= gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &d);
    if (rc < 0 || !d.data) {
        fprintf(stderr, "certificate generation failed\n");
        exit(1);
    }
    *der = od_xmalloc(d.size);
    memcpy(*der, d.data, d.size);
    *der_len = d.size;
    gnutls_free(d.data);
    return crt;
}

static char *sha256_hex(const unsigned char *der, size_t len)
{
    unsigned char h[32];
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, der, len, h) < 0)
        exit(1);
    char *hex = od_hex(h, sizeof h, ':');
    for (char *p = hex; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32);
    return hex;
}

static void fill_cert(od_cert *c, const char *subject, const char *issuer, const char *cn, unsigned char *der,
                      size_t der_len, time_t nb, time_t na, bool ca)
{
    memset(c, 0, sizeof *c);
    c->subject = od_xstrdup(subject);
    c->issuer = od_xstrdup(issuer);
    od_strlist_add(&c->common_names, cn);
    if (!ca) {
        od_strlist_add(&c->san_dns, cn);
        od_strlist_add(&c->san_dns, "*.example.com");
        od_strlist_add(&c->san_ip, "127.0.0.1");
    }
    c->not_before = nb;
    c->not_after = na;
    c->serial = od_xstrdup(ca ? "01:02:03:04" : "01:02:03:05");
    c->sha256 = sha256_hex(der, der_len);
    c->key_type = od_xstrdup("ECDSA");
    c->key_bits = 256;
    c->key_curve = od_xstrdup("SECP256R1");
    c->signature_algorithm = od_xstrdup("ECDSA-SHA256");
    c->is_ca = ca;
    c->self_signed = ca;
    c->self_issued = ca;
    if (!ca)
        od_strlist_add(&c->aia_issuer_urls, "http://ca.example.com/ca.crt");
    c->subject_key_id = od_xstrdup(ca ? "aa:bb" : "cc:dd");
    c->authority_key_id = ca ? NULL : od_xstrdup("aa:bb");
    c->der = der;
    c->der_len = der_len;
}

/* ---- a hand-made report covering every structure ---- */

#define GEN_AT "2026-11-26T12:00:00Z"
#define FIX_STEP_1 "Install the intermediate certificate after the leaf in ssl_certificate"
#define FIX_STEP_2 "Reload nginx: `nginx -s reload` | check with openssl"

static void build_report(od_report *r)
{
    od_report_init(r);
    r->tool_version = od_xstrdup("0.1.0-test");
    r->generated_at = od_xstrdup(GEN_AT);
    time_t gen;
    od_parse_time(GEN_AT, &gen);

    od_case *c = &r->input;
    free(c->origin_domain);
    c->origin_domain = od_xstrdup("origin.example.com");
    c->forward_host_header = true;
    od_strlist_add(&c->cnames, "www.example.com");
    od_strlist_add(&c->cnames, "cdn.example.com");
    c->http_port = 8080;
    c->https_port = 8443;
    c->protocol_policy = OD_POLICY_MATCH_VIEWER;
    c->origin_ssl_protocols = OD_PROTO_TLS1 | OD_PROTO_TLS12;
    c->resolve = od_xcalloc(2, sizeof *c->resolve);
    c->n_resolve = 2;
    c->resolve[0] = (od_resolve){ od_xstrdup("origin.example.com"), 8443, od_xstrdup("127.0.0.1") };
    c->resolve[1] = (od_resolve){ od_xstrdup("www.example.com"), 443, od_xstrdup("::1") };
    free(c->trust_store);
    c->trust_store = od_xstrdup("/tmp/roots.pem");
    c->timeout_s = 5;
    c->concurrency = 3;
    c->ip_address_type = OD_IP_DUALSTACK;

    r->would_fail = true;
    r->summary = od_xstrdup("The origin does not send its intermediate certificate.");

    od_finding *f = od_finding_list_add(&r->findings);
    f->id = od_xstrdup("CHAIN_INCOMPLETE");
    f->severity = OD_SEV_FAIL;
    f->title = od_xstrdup("An intermediate is missing");
    f->detail = od_xstrdup("The chain stops at a|b after position 1.");
    od_strlist_add(&f->names, "www.example.com");
    cJSON_AddStringToObject(f->evidence, "missing_issuer", "CN=Test Root");
    cJSON_AddNumberToObject(f->evidence, "position", 1);
    cJSON *arr = cJSON_AddArrayToObject(f->evidence, "sent");
    cJSON_AddItemToArray(arr, cJSON_CreateString("CN=www.example.com"));
    cJSON_AddItemToArray(arr, cJSON_CreateString("CN=Test CA"));
    od_strlist_add(&f->fix, FIX_STEP_1);
    od_strlist_add(&f->fix, FIX_STEP_2);
    f->reproduce = od_xstrdup("openssl s_client -connect 127.0.0.1:8443 -servername www.example.com -showcerts");

    f = od_finding_list_add(&r->findings);
    f->id = od_xstrdup("CERT_EXPIRES_SOON");
    f->severity = OD_SEV_WARN;
    f->title = od_xstrdup("A certificate expires within 30 days");
    f->detail = NULL;
    cJSON *sub = cJSON_AddObjectToObject(f->evidence, "certificate");
    cJSON_AddStringToObject(sub, "not_after", "2026-12-01T00:00:00Z");
    cJSON_AddBoolToObject(f->evidence, "renewal_automated", 0);
    od_strlist_add(&f->fix, "Renew the certificate");

    f = od_finding_list_add(&r->findings);
    f->id = od_xstrdup("VANTAGE_POINT");
    f->severity = OD_SEV_INFO;
    f->title = od_xstrdup("Checked from this machine");
    f->detail = od_xstrdup("CloudFront's edges may see something else.");

    od_observations *o = &r->obs;
    o->dns.status = OD_DNS_OK;
    o->dns.duration_ms = 12;
    od_address *a = od_obs_add_address(o);
    strcpy(a->address, "127.0.0.1");
    a->family = 4;
    a->from_resolve = true;
    a->is_private = true;
    a = od_obs_add_address(o);
    strcpy(a->address, "::1");
    a->family = 6;
    od_tcp_result *t = od_obs_add_tcp(o);
    strcpy(t->address, "127.0.0.1");
    t->port = 8443;
    t->state = OD_TCP_OPEN;
    t->duration_ms = 1;
    t = od_obs_add_tcp(o);
    strcpy(t->address, "::1");
    t->port = 8443;
    t->state = OD_TCP_REFUSED;
    t->error = od_xstrdup("Connection refused");

    /* two certificates: an expired CA (sent as root) and a leaf it issued */
    gnutls_x509_privkey_t ca_key = new_key(), leaf_key = new_key();
    unsigned char *ca_der, *leaf_der;
    size_t ca_len, leaf_len;
    time_t ca_nb = gen - 86400 * 400, ca_na = gen - 86400; /* expired a day before generated_at */
    time_t lf_nb = gen - 86400, lf_na = gen + 86400 * 20;
    gnutls_x509_crt_t ca = make_cert("Test CA", true, ca_key, NULL, NULL, ca_nb, ca_na, &ca_der, &ca_len);
    gnutls_x509_crt_t leaf =
        make_cert("www.example.com", false, leaf_key, ca, ca_key, lf_nb, lf_na, &leaf_der, &leaf_len);
    gnutls_x509_crt_deinit(ca);
    gnutls_x509_crt_deinit(leaf);
    gnutls_x509_privkey_deinit(ca_key);
    gnutls_x509_privkey_deinit(leaf_key);
    od_cert cert;
    fill_cert(&cert, "CN=www.example.com", "CN=Test CA", "www.example.com", leaf_der, leaf_len, lf_nb, lf_na, false);
    size_t leaf_idx = od_obs_add_cert(o, &cert);
    fill_cert(&cert, "CN=Test CA", "CN=Test CA", "Test CA", ca_der, ca_len, ca_nb, ca_na, true);
    size_t ca_idx = od_obs_add_cert(o, &cert);

    /* sent root first, then the leaf: wrong order and root included */
    od_handshake *h = od_obs_add_handshake(o);
    strcpy(h->address, "127.0.0.1");
    h->port = 8443;
    h->sni = od_xstrdup("www.example.com");
    h->ok = true;
    h->outcome = OD_TLS_OK;
    h->version = od_xstrdup("TLS1.2");
    h->cipher = od_xstrdup("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    h->group = od_xstrdup("SECP256R1");
    h->chain[0] = ca_idx;
    h->chain[1] = leaf_idx;
    h->chain[2] = ca_idx;
    h->chain_len = 3;
    h->facts.analysed = true;
    h->facts.path[0] = 1;
    h->facts.path[1] = 0;
    h->facts.path_len = 2;
    h->facts.order_ok = false;
    h->facts.issuer_missing = true;
    h->facts.missing_issuer_dn = od_xstrdup("CN=Other Root");
    h->facts.missing_issuer_akid = od_xstrdup("ee:ff");
    h->facts.missing_after = 1;
    h->facts.root_included = true;
    h->facts.root_position = 0;
    h->facts.extra[0] = 2;
    h->facts.n_extra = 1;
    h->duration_ms = 25;

    h = od_obs_add_handshake(o);
    strcpy(h->address, "127.0.0.1");
    h->port = 8443;
    h->sni = NULL;
    h->outcome = OD_TLS_ALERT;
    h->alert = 40;
    h->alert_name = od_xstrdup("handshake_failure");
    h->error = od_xstrdup("A TLS fatal alert has been received.");
    h->client_cert_requested = true;
    h->duration_ms = 3;

    static const unsigned protos[] = { OD_PROTO_SSLV3, OD_PROTO_TLS1, OD_PROTO_TLS11, OD_PROTO_TLS12, OD_PROTO_TLS13 };
    static const od_tri acc[] = { OD_TRI_NO, OD_TRI_YES, OD_TRI_UNTESTED, OD_TRI_YES, OD_TRI_NO };
    for (size_t i = 0; i < 5; i++) {
        od_protocol_result *p = od_obs_add_protocol(o);
        p->proto = protos[i];
        p->accepted = acc[i];
        p->detail = i == 2 ? od_xstrdup("not probed") : NULL;
        p->alert = i == 4 ? 70 : -1;
    }

    od_cipher_row *row = od_obs_add_cipher(o);
    row->proto = OD_PROTO_TLS12;
    row->name = od_xstrdup("ECDHE-RSA-AES128-GCM-SHA256");
    row->iana = od_xstrdup("0xC02F");
    row->cloudfront_offers = true;
    row->origin_accepts = OD_TRI_YES;
    static const unsigned bproto[] = { OD_PROTO_SSLV3, OD_PROTO_TLS1, OD_PROTO_TLS11, OD_PROTO_TLS12 };
    static const bool boffer[] = { false, true, true, true };
    static const od_tri bacc[] = { OD_TRI_UNTESTED, OD_TRI_NO, OD_TRI_UNTESTED, OD_TRI_UNTESTED };
    for (size_t i = 0; i < 4; i++) {
        row = od_obs_add_cipher(o);
        row->proto = bproto[i];
        row->name = od_xstrdup("ECDHE-RSA-AES128-SHA");
        row->iana = od_xstrdup("0xC013");
        row->cloudfront_offers = boffer[i];
        row->origin_accepts = bacc[i];
        row->reason = i == 3 ? od_xstrdup("cancelled before this suite") : NULL;
    }

    od_http_result *hr = od_obs_add_http(o);
    hr->attempted = true;
    hr->scheme = od_xstrdup("https");
    strcpy(hr->address, "127.0.0.1");
    hr->port = 8443;
    hr->host_header = od_xstrdup("www.example.com");
    hr->method = od_xstrdup("HEAD");
    hr->responded = true;
    hr->status_code = 503;
    hr->status_line = od_xstrdup("HTTP/1.1 503 Service Unavailable");
    hr->server = od_xstrdup("nginx");
    hr->ttfb_ms = 40;
    hr = od_obs_add_http(o);
    hr->attempted = true;
    hr->scheme = od_xstrdup("http");
    strcpy(hr->address, "127.0.0.1");
    hr->port = 8080;
    hr->method = od_xstrdup("HEAD");
    hr->error = od_xstrdup("timeout");

    od_step *s = od_obs_add_step(o, "dns");
    s->status = OD_STEP_PASS;
    s->duration_ms = 12;
    s = od_obs_add_step(o, "tcp 127.0.0.1:8443");
    s->status = OD_STEP_WARN;
    s->duration_ms = 1;
    s->detail = od_xstrdup("one address refused");
    s = od_obs_add_step(o, "tls www.example.com @127.0.0.1:8443");
    s->status = OD_STEP_FAIL;
    s->duration_ms = 28;
    o->handshake_count = 7;
    o->trust_store_used = od_xstrdup("/tmp/roots.pem");
}

/* ---- the tests ---- */

static void test_obs_and_findings(void)
{
    for (int i = OD_STEP_PENDING; i <= OD_STEP_UNTESTED; i++) {
        od_step_status st;
        CHECK(od_step_status_parse(od_step_status_name((od_step_status)i), &st) && st == (od_step_status)i);
    }
    for (int i = OD_TCP_UNTESTED; i <= OD_TCP_ERROR; i++) {
        od_tcp_state st;
        CHECK(od_tcp_state_parse(od_tcp_state_name((od_tcp_state)i), &st) && st == (od_tcp_state)i);
    }
    for (int i = OD_TLS_UNTESTED; i <= OD_TLS_ERROR; i++) {
        od_tls_outcome st;
        CHECK(od_tls_outcome_parse(od_tls_outcome_name((od_tls_outcome)i), &st) && st == (od_tls_outcome)i);
    }
    CHECK_STR(od_tls_outcome_name(OD_TLS_CLIENT_CERT_REQUIRED), "client_cert_required");
    CHECK_STR(od_step_status_name(OD_STEP_SKIPPED), "skipped");
    CHECK_STR(od_tcp_state_name(OD_TCP_UNREACHABLE), "unreachable");
    od_step_status st;
    CHECK(!od_step_status_parse("PASS", &st));
    CHECK(!od_step_status_parse(NULL, &st));

    od_observations o;
    od_obs_init(&o);
    od_step *s = od_obs_add_step(&o, "dns");
    CHECK(s->status == OD_STEP_PENDING);
    CHECK_STR(s->name, "dns");
    od_cert c1 = { 0 }, c2 = { 0 }, c3 = { 0 };
    c1.sha256 = od_xstrdup("AA:BB");
    c1.subject = od_xstrdup("CN=one");
    c2.sha256 = od_xstrdup("CC:DD");
    c3.sha256 = od_xstrdup("AA:BB");
    c3.subject = od_xstrdup("CN=duplicate");   /* freed by add_cert (ASan would report a leak) */
    od_strlist_add(&c3.san_dns, "x");
    CHECK(od_obs_add_cert(&o, &c1) == 0);
    CHECK(od_obs_add_cert(&o, &c2) == 1);
    CHECK(od_obs_add_cert(&o, &c3) == 0);
    CHECK(o.n_certs == 2);
    CHECK_STR(o.certs[0].subject, "CN=one");
    CHECK(od_obs_add_handshake(&o)->alert == -1);
    CHECK(od_obs_add_cipher(&o)->origin_accepts == OD_TRI_UNTESTED);
    od_obs_free(&o);
    CHECK(o.n_certs == 0 && o.certs == NULL);

    od_severity sev;
    CHECK(od_severity_parse("warn", &sev) && sev == OD_SEV_WARN);
    CHECK(!od_severity_parse("bogus", &sev));
    CHECK_STR(od_severity_name(OD_SEV_FAIL), "fail");
    od_finding_list l;
    od_finding_list_init(&l);
    static const od_severity sevs[] = { OD_SEV_INFO, OD_SEV_FAIL, OD_SEV_PASS, OD_SEV_WARN, OD_SEV_FAIL, OD_SEV_INFO };
    static const char *const ids[] = { "I1", "F1", "P1", "W1", "F2", "I2" };
    for (size_t i = 0; i < 6; i++) {
        od_finding *f = od_finding_list_add(&l);
        CHECK(cJSON_IsObject(f->evidence));
        f->id = od_xstrdup(ids[i]);
        f->severity = sevs[i];
    }
    od_finding_list_sort(&l);
    static const char *const sorted[] = { "F1", "F2", "W1", "I1", "I2", "P1" };
    for (size_t i = 0; i < 6; i++)
        CHECK_STR(l.items[i].id, sorted[i]);
    CHECK(od_finding_list_has(&l, "W1"));
    CHECK(!od_finding_list_has(&l, "W2"));
    od_finding_list_free(&l);
}

static void test_round_trip(const od_report *r)
{
    char *j1 = od_report_to_json(r);
    CHECK(j1 != NULL);
    od_report r2;
    char *err = od_report_from_json(j1, strlen(j1), &r2);
    CHECK_MSG(err == NULL, "%s", err ? err : "");
    free(err);
    char *j2 = od_report_to_json(&r2);
    CHECK_STR(j2, j1);
    CHECK(r2.loaded_from_file);
    CHECK_STR(r2.generated_at, GEN_AT);
    CHECK_STR(r2.input.origin_domain, "origin.example.com");
    CHECK(r2.input.forward_host_header);
    CHECK(r2.input.cnames.len == 2);
    CHECK(r2.input.origin_ssl_protocols == (OD_PROTO_TLS1 | OD_PROTO_TLS12));
    CHECK(r2.input.protocol_policy == OD_POLICY_MATCH_VIEWER);
    CHECK(r2.input.n_resolve == 2 && r2.input.resolve[1].port == 443);
    CHECK_STR(r2.input.n_resolve == 2 ? r2.input.resolve[1].address : NULL, "::1");
    CHECK(r2.input.timeout_s == 5 && r2.input.concurrency == 3);
    CHECK_MSG(r2.input.ip_address_type == OD_IP_DUALSTACK, "reopening a report keeps its IP address type");
    CHECK(r2.findings.len == 3);
    if (r2.findings.len == 3) {
        CHECK(r2.findings.items[1].severity == OD_SEV_WARN);
        CHECK(r2.findings.items[1].detail == NULL);
        CHECK_STR(r2.findings.items[0].fix.items[1], FIX_STEP_2);
        CHECK(cJSON_Compare(r2.findings.items[0].evidence, r->findings.items[0].evidence, 1));
    }
    CHECK(r2.obs.n_certs == 2);
    if (r2.obs.n_certs == 2) {
        for (size_t i = 0; i < 2; i++) {
            CHECK(r2.obs.certs[i].der_len == r->obs.certs[i].der_len);
            CHECK(memcmp(r2.obs.certs[i].der, r->obs.certs[i].der, r->obs.certs[i].der_len) == 0);
            CHECK(r2.obs.certs[i].not_after == r->obs.certs[i].not_after);
        }
        CHECK(r2.obs.certs[1].authority_key_id == NULL);
    }
    CHECK(r2.obs.n_handshakes == 2);
    if (r2.obs.n_handshakes == 2) {
        const od_handshake *h = &r2.obs.handshakes[0];
        CHECK(h->chain_len == 3 && h->chain[0] == 1 && h->chain[1] == 0);
        CHECK(h->facts.path_len == 2 && h->facts.path[0] == 1 && !h->facts.order_ok);
        CHECK(h->facts.root_included && h->facts.n_extra == 1 && h->facts.extra[0] == 2);
        CHECK_STR(h->facts.missing_issuer_akid, "ee:ff");
        CHECK(h->alert == -1);
        CHECK(r2.obs.handshakes[1].sni == NULL);
        CHECK(r2.obs.handshakes[1].alert == 40);
        CHECK(r2.obs.handshakes[1].client_cert_requested);
        CHECK(r2.obs.handshakes[1].outcome == OD_TLS_ALERT);
    }
    CHECK(r2.obs.n_ciphers == 5);
    if (r2.obs.n_ciphers == 5) {
        CHECK(r2.obs.ciphers[0].origin_accepts == OD_TRI_YES);
        CHECK(r2.obs.ciphers[2].origin_accepts == OD_TRI_NO);
        CHECK(r2.obs.ciphers[3].origin_accepts == OD_TRI_UNTESTED);
        CHECK(!r2.obs.ciphers[1].cloudfront_offers);
    }
    CHECK(r2.obs.n_protocols == 5 && r2.obs.protocols[4].proto == OD_PROTO_TLS13);
    if (r2.obs.n_protocols == 5)
        CHECK(r2.obs.protocols[4].alert == 70 && r2.obs.protocols[0].alert == -1);
    /* A report from before protocols had "alert" loads as no alert known. */
    cJSON *old = cJSON_Parse(j1);
    cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(old, "protocols"), 4),
                                            "alert");
    char *old_text = cJSON_PrintUnformatted(old);
    od_report r3;
    char *err3 = od_report_from_json(old_text, strlen(old_text), &r3);
    CHECK_MSG(err3 == NULL, "%s", err3 ? err3 : "");
    if (!err3) {
        CHECK(r3.obs.n_protocols == 5 && r3.obs.protocols[4].alert == -1);
        od_report_free(&r3);
    }
    free(err3);
    free(old_text);
    cJSON_Delete(old);
    CHECK(r2.obs.n_http == 2 && r2.obs.http[0].status_code == 503);
    CHECK(r2.obs.n_steps == 3 && r2.obs.steps[2].status == OD_STEP_FAIL);
    CHECK(r2.obs.handshake_count == 7);
    CHECK(r2.obs.dns.status == OD_DNS_OK);
    CHECK(r2.obs.n_addresses == 2 && r2.obs.addresses[1].family == 6);

    /* Markdown of the reopened report is the same as of the original. */
    char *m1 = od_report_markdown(r), *m2 = od_report_markdown(&r2);
    CHECK_STR(m2, m1);
    free(m1);
    free(m2);
    free(j1);
    free(j2);
    od_report_free(&r2);
}

typedef struct {
    const char *path;
    int type;   /* cJSON type bits; cJSON_NULL | cJSON_String for "string or null" */
} key_spec;

static const cJSON *at(const cJSON *root, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *j = root;
    for (char *tok = strtok(buf, "."); tok && j; tok = strtok(NULL, ".")) {
        char *br = strchr(tok, '[');
        if (br) {
            *br = '\0';
            j = cJSON_GetObjectItemCaseSensitive(j, tok);
            j = j ? cJSON_GetArrayItem(j, atoi(br + 1)) : NULL;
        } else {
            j = cJSON_GetObjectItemCaseSensitive(j, tok);
        }
    }
    return j;
}

static void test_contract_keys(const od_report *r)
{
    static const key_spec keys[] = {
        { "schema", cJSON_String }, { "tool", cJSON_Object }, { "tool.name", cJSON_String },
        { "tool.version", cJSON_String }, { "generated_at", cJSON_String }, { "input", cJSON_Object },
        { "input.origin_domain", cJSON_String }, { "input.forward_host_header", cJSON_True | cJSON_False },
        { "input.cnames", cJSON_Array }, { "input.cnames[0]", cJSON_String }, { "input.http_port", cJSON_Number },
        { "input.https_port", cJSON_Number }, { "input.protocol_policy", cJSON_String },
        { "input.ip_address_type", cJSON_String },
        { "input.origin_ssl_protocols", cJSON_Array }, { "input.origin_ssl_protocols[0]", cJSON_String },
        { "input.resolve", cJSON_Array }, { "input.resolve[0]", cJSON_String }, { "input.trust_store", cJSON_String },
        { "input.timeout", cJSON_Number }, { "input.concurrency", cJSON_Number }, { "verdict", cJSON_Object },
        { "verdict.would_fail", cJSON_True | cJSON_False }, { "verdict.summary", cJSON_String },
        { "findings", cJSON_Array }, { "findings[0].id", cJSON_String }, { "findings[0].severity", cJSON_String },
        { "findings[0].title", cJSON_String }, { "findings[0].detail", cJSON_String },
        { "findings[0].names", cJSON_Array }, { "findings[0].evidence", cJSON_Object },
        { "findings[0].fix", cJSON_Array }, { "findings[0].fix[0]", cJSON_String },
        { "findings[0].reproduce", cJSON_String }, { "findings[1].detail", cJSON_NULL },
        { "steps", cJSON_Array }, { "steps[0].name", cJSON_String }, { "steps[0].status", cJSON_String },
        { "steps[0].duration_ms", cJSON_Number }, { "steps[0].detail", cJSON_NULL }, { "addresses", cJSON_Array },
        { "addresses[0].address", cJSON_String }, { "addresses[0].family", cJSON_Number },
        { "addresses[0].from_resolve", cJSON_True }, { "addresses[0].private", cJSON_True },
        { "dns", cJSON_Object }, { "dns.status", cJSON_String }, { "dns.error", cJSON_NULL },
        { "dns.duration_ms", cJSON_Number }, { "tcp", cJSON_Array }, { "tcp[0].address", cJSON_String },
        { "tcp[0].port", cJSON_Number }, { "tcp[0].state", cJSON_String }, { "tcp[1].error", cJSON_String },
        { "tcp[0].duration_ms", cJSON_Number }, { "handshakes", cJSON_Array },
        { "handshakes[0].address", cJSON_String }, { "handshakes[0].port", cJSON_Number },
        { "handshakes[0].sni", cJSON_String }, { "handshakes[1].sni", cJSON_NULL }, { "handshakes[0].ok", cJSON_True },
        { "handshakes[0].outcome", cJSON_String }, { "handshakes[0].version", cJSON_String },
        { "handshakes[0].cipher", cJSON_String }, { "handshakes[0].group", cJSON_String },
        { "handshakes[0].alert", cJSON_NULL }, { "handshakes[1].alert", cJSON_Number },
        { "handshakes[1].alert_name", cJSON_String }, { "handshakes[1].error", cJSON_String },
        { "handshakes[1].client_cert_requested", cJSON_True }, { "handshakes[0].chain", cJSON_Array },
        { "handshakes[0].chain[0]", cJSON_Number }, { "handshakes[0].chain_facts", cJSON_Object },
        { "handshakes[0].chain_facts.analysed", cJSON_True }, { "handshakes[0].chain_facts.path", cJSON_Array },
        { "handshakes[0].chain_facts.order_ok", cJSON_False },
        { "handshakes[0].chain_facts.leaf_self_signed", cJSON_False },
        { "handshakes[0].chain_facts.issuer_missing", cJSON_True },
        { "handshakes[0].chain_facts.missing_issuer_dn", cJSON_String },
        { "handshakes[0].chain_facts.missing_issuer_akid", cJSON_String },
        { "handshakes[0].chain_facts.missing_after", cJSON_Number },
        { "handshakes[0].chain_facts.ends_at_trust_anchor", cJSON_False },
        { "handshakes[0].chain_facts.trust_anchor_subject", cJSON_NULL },
        { "handshakes[0].chain_facts.ends_at_untrusted_root", cJSON_False },
        { "handshakes[0].chain_facts.root_included", cJSON_True },
        { "handshakes[0].chain_facts.root_position", cJSON_Number },
        { "handshakes[0].chain_facts.extra", cJSON_Array }, { "handshakes[0].duration_ms", cJSON_Number },
        { "certificates", cJSON_Array }, { "certificates[0].subject", cJSON_String },
        { "certificates[0].issuer", cJSON_String }, { "certificates[0].common_names", cJSON_Array },
        { "certificates[0].san_dns", cJSON_Array }, { "certificates[0].san_ip", cJSON_Array },
        { "certificates[0].not_before", cJSON_String }, { "certificates[0].not_after", cJSON_String },
        { "certificates[0].serial", cJSON_String }, { "certificates[0].sha256", cJSON_String },
        { "certificates[0].key", cJSON_Object }, { "certificates[0].key.type", cJSON_String },
        { "certificates[0].key.bits", cJSON_Number }, { "certificates[0].key.curve", cJSON_String },
        { "certificates[0].signature_algorithm", cJSON_String }, { "certificates[0].is_ca", cJSON_False },
        { "certificates[1].self_signed", cJSON_True }, { "certificates[1].self_issued", cJSON_True },
        { "certificates[0].aia_issuer_urls", cJSON_Array }, { "certificates[0].subject_key_id", cJSON_String },
        { "certificates[0].authority_key_id", cJSON_String }, { "certificates[0].pem", cJSON_String },
        { "protocols", cJSON_Array }, { "protocols[0].protocol", cJSON_String },
        { "protocols[0].accepted", cJSON_False }, { "protocols[2].accepted", cJSON_NULL },
        { "protocols[2].detail", cJSON_String }, { "ciphers", cJSON_Array }, { "ciphers[0].protocol", cJSON_String },
        { "ciphers[0].name", cJSON_String }, { "ciphers[0].iana", cJSON_String },
        { "ciphers[0].cloudfront_offers", cJSON_True }, { "ciphers[0].origin_accepts", cJSON_True },
        { "ciphers[2].origin_accepts", cJSON_False }, { "ciphers[3].origin_accepts", cJSON_NULL },
        { "ciphers[4].reason", cJSON_String }, { "http", cJSON_Object }, { "http.results", cJSON_Array },
        { "http.results[0].scheme", cJSON_String }, { "http.results[0].address", cJSON_String },
        { "http.results[0].port", cJSON_Number }, { "http.results[0].host_header", cJSON_String },
        { "http.results[0].method", cJSON_String }, { "http.results[0].responded", cJSON_True },
        { "http.results[0].status_code", cJSON_Number }, { "http.results[0].status_line", cJSON_String },
        { "http.results[0].server", cJSON_String }, { "http.results[0].ttfb_ms", cJSON_Number },
        { "http.results[1].error", cJSON_String }, { "handshake_count", cJSON_Number },
        { "cancelled", cJSON_False },
    };
    char *json = od_report_to_json(r);
    cJSON *root = cJSON_Parse(json);
    CHECK(root != NULL);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const cJSON *j = at(root, keys[i].path);
        CHECK_MSG(j && (j->type & 0xFF & keys[i].type), "key %s (type %d)", keys[i].path, j ? j->type : -1);
    }
    CHECK_STR(cJSON_GetStringValue(at(root, "schema")), "origin-doctor/report/1");
    CHECK_STR(cJSON_GetStringValue(at(root, "tool.name")), "origin-doctor");
    CHECK_STR(cJSON_GetStringValue(at(root, "input.protocol_policy")), "match-viewer");
    CHECK_STR(cJSON_GetStringValue(at(root, "input.origin_ssl_protocols[1]")), "TLSv1.2");
    CHECK_STR(cJSON_GetStringValue(at(root, "input.resolve[0]")), "origin.example.com:8443:127.0.0.1");
    CHECK_STR(cJSON_GetStringValue(at(root, "protocols[4].protocol")), "TLSv1.3");
    CHECK_STR(cJSON_GetStringValue(at(root, "certificates[1].not_after")), "2026-11-25T12:00:00Z");
    CHECK_STR(cJSON_GetStringValue(at(root, "handshakes[1].outcome")), "alert");
    const char *pem = cJSON_GetStringValue(at(root, "certificates[0].pem"));
    CHECK(pem && strstr(pem, "-----BEGIN CERTIFICATE-----") == pem);
    cJSON_Delete(root);
    free(json);
}

/* Loads text expecting an error that mentions want; the report is left empty. */
static void expect_error(const char *label, const char *text, size_t len, const char *want)
{
    od_report r;
    char *err = od_report_from_json(text, len, &r);
    CHECK_MSG(err != NULL, "%s: loaded without error", label);
    if (err)
        CHECK_MSG(strstr(err, want) != NULL, "%s: message \"%s\" lacks \"%s\"", label, err, want);
    CHECK_MSG(r.obs.n_certs == 0 && r.findings.len == 0, "%s: partial report left behind", label);
    free(err);
    od_report_free(&r);
}

/* Applies a change to the valid report's JSON and expects an error. */
static void expect_mutation_error(const char *json, const char *label, void (*mutate)(cJSON *), const char *want)
{
    cJSON *root = cJSON_Parse(json);
    mutate(root);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    expect_error(label, text, strlen(text), want);
    free(text);
}

static void m_schema(cJSON *j) { cJSON_ReplaceItemInObject(j, "schema", cJSON_CreateString("origin-doctor/report/9")); }
static void m_no_schema(cJSON *j) { cJSON_DeleteItemFromObject(j, "schema"); }
static void m_no_findings(cJSON *j) { cJSON_DeleteItemFromObject(j, "findings"); }
static void m_bogus_severity(cJSON *j)
{
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "findings"), 2), "severity",
                              cJSON_CreateString("bogus"));
}
static void m_chain_range(cJSON *j)
{
    cJSON *chain = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "handshakes"), 0), "chain");
    cJSON_ReplaceItemInArray(chain, 1, cJSON_CreateNumber(99));
}
static void m_chain_negative(cJSON *j)
{
    cJSON *chain = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "handshakes"), 0), "chain");
    cJSON_ReplaceItemInArray(chain, 0, cJSON_CreateNumber(-1));
}
static void m_pem_garbage(cJSON *j)
{
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "certificates"), 1), "pem",
                              cJSON_CreateString("-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n"));
}
static void m_pem_label(cJSON *j)
{
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "certificates"), 0), "pem",
                              cJSON_CreateString("-----BEGIN PRIVATE KEY-----\naGVsbG8gd29ybGQ=\n-----END PRIVATE KEY-----\n"));
}
static void m_pem_number(cJSON *j)
{
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "certificates"), 0), "pem",
                              cJSON_CreateNumber(7));
}
static void m_port_type(cJSON *j)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(j, "input"), "https_port", cJSON_CreateString("443"));
}
static void m_port_range(cJSON *j)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(j, "input"), "http_port", cJSON_CreateNumber(70000));
}
static void m_tri_type(cJSON *j)
{
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "ciphers"), 0), "origin_accepts",
                              cJSON_CreateString("yes"));
}
static void m_findings_type(cJSON *j) { cJSON_ReplaceItemInObject(j, "findings", cJSON_CreateObject()); }
static void m_generated(cJSON *j) { cJSON_ReplaceItemInObject(j, "generated_at", cJSON_CreateString("yesterday")); }
static void m_resolve(cJSON *j)
{
    cJSON *res = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "input"), "resolve");
    cJSON_ReplaceItemInArray(res, 0, cJSON_CreateString("origin.example.com:99999:127.0.0.1"));
}
static void m_ip_address_type(cJSON *j)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(j, "input"), "ip_address_type", cJSON_CreateString("ipv5"));
}
static void m_facts_path(cJSON *j)
{
    cJSON *f = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "handshakes"), 0), "chain_facts");
    cJSON_ReplaceItemInArray(cJSON_GetObjectItem(f, "path"), 0, cJSON_CreateNumber(3));
}
static void m_address_long(cJSON *j)
{
    char longaddr[200];
    memset(longaddr, '1', sizeof longaddr - 1);
    longaddr[sizeof longaddr - 1] = '\0';
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "tcp"), 0), "address",
                              cJSON_CreateString(longaddr));
}
static void m_evidence_type(cJSON *j)
{
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "findings"), 0), "evidence",
                              cJSON_CreateString("x"));
}
static void m_fix_item(cJSON *j)
{
    cJSON *fix = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "findings"), 0), "fix");
    cJSON_ReplaceItemInArray(fix, 1, cJSON_CreateNumber(2));
}
static void m_duration_fraction(cJSON *j)
{
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "steps"), 0), "duration_ms",
                              cJSON_CreateNumber(1.5));
}

static void test_malformed(const od_report *r)
{
    char *json = od_report_to_json(r);
    size_t len = strlen(json);

    expect_error("truncated", json, len / 2, "malformed JSON");
    expect_error("truncated position", json, len / 2, "byte");
    expect_error("not JSON", "hello, world", 12, "malformed JSON at byte 0 (line 1, column 1)");
    expect_error("bad token on line 3", "{\n  \"schema\": 1,\n  oops\n}", 25, "(line 3, column ");
    expect_error("empty", "", 0, "empty");
    expect_error("whitespace only", " \n\t ", 4, "empty");
    expect_error("NULL text", NULL, 0, "no report");
    expect_error("array", "[]", 2, "must be a JSON object");
    expect_error("number", "42", 2, "must be a JSON object");
    char *trail = od_xasprintf("%s xyz", json);
    expect_error("trailing data", trail, strlen(trail), "unexpected data after the JSON value");
    free(trail);

    size_t deep = 5000;
    char *nest = od_xmalloc(deep * 2 + 1);
    memset(nest, '[', deep);
    memset(nest + deep, ']', deep);
    nest[deep * 2] = '\0';
    expect_error("huge nesting", nest, deep * 2, "nested more than");
    free(nest);

    expect_mutation_error(json, "wrong schema", m_schema,
                          "unknown report schema \"origin-doctor/report/9\" (this version reads origin-doctor/report/1)");
    expect_mutation_error(json, "missing schema", m_no_schema, "unknown report schema");
    expect_mutation_error(json, "missing findings", m_no_findings, "findings: missing");
    expect_mutation_error(json, "findings not an array", m_findings_type, "findings: expected an array");
    expect_mutation_error(json, "severity bogus", m_bogus_severity,
                          "findings[2].severity: expected one of fail, warn, info, pass, found \"bogus\"");
    expect_mutation_error(json, "chain index out of range", m_chain_range, "handshakes[0].chain[1]: 99 is out of range");
    expect_mutation_error(json, "chain index negative", m_chain_negative, "handshakes[0].chain[0]");
    expect_mutation_error(json, "pem garbage", m_pem_garbage, "certificates[1].pem: not a PEM certificate");
    expect_mutation_error(json, "pem wrong label", m_pem_label, "certificates[0].pem: not a PEM certificate");
    expect_mutation_error(json, "pem as number", m_pem_number, "certificates[0].pem: expected a string or null");
    expect_mutation_error(json, "port as string", m_port_type, "input.https_port: expected a number, found a string (\"443\")");
    expect_mutation_error(json, "port out of range", m_port_range, "input.http_port: 70000 is out of range");
    expect_mutation_error(json, "tri-state as string", m_tri_type, "ciphers[0].origin_accepts: expected true, false or null");
    expect_mutation_error(json, "bad time", m_generated, "generated_at");
    expect_mutation_error(json, "bad resolve", m_resolve, "input.resolve[0]");
    expect_mutation_error(json, "bad IP address type", m_ip_address_type,
                          "input.ip_address_type: expected one of ipv4, ipv6, dualstack");
    expect_mutation_error(json, "facts path out of range", m_facts_path, "handshakes[0].chain_facts.path[0]");
    expect_mutation_error(json, "address too long", m_address_long, "tcp[0].address");
    expect_mutation_error(json, "evidence not an object", m_evidence_type, "findings[0].evidence: expected an object");
    expect_mutation_error(json, "fix item number", m_fix_item, "findings[0].fix[1]: expected a string");
    expect_mutation_error(json, "fractional duration", m_duration_fraction, "steps[0].duration_ms: expected a whole number");
    free(json);
}

/* The engine keeps certificates it could not parse (bytes only): those reopen too. */
static void test_unparsed_cert(void)
{
    od_report r;
    od_report_init(&r);
    r.generated_at = od_xstrdup(GEN_AT);
    od_cert c;
    memset(&c, 0, sizeof c);
    c.subject = od_xstrdup("(certificate could not be parsed)");
    c.issuer = od_xstrdup("");
    c.sha256 = od_xstrdup("unparsed-5-68656c6c6f");
    c.der = (unsigned char *)od_xstrdup("hello");
    c.der_len = 5;
    od_obs_add_cert(&r.obs, &c);
    char *j1 = od_report_to_json(&r);
    od_report r2;
    char *err = od_report_from_json(j1, strlen(j1), &r2);
    CHECK_MSG(err == NULL, "%s", err ? err : "");
    free(err);
    CHECK(r2.obs.n_certs == 1 && r2.obs.certs[0].der_len == 5 && memcmp(r2.obs.certs[0].der, "hello", 5) == 0);
    char *j2 = od_report_to_json(&r2);
    CHECK_STR(j2, j1);
    free(j1);
    free(j2);
    od_report_free(&r2);
    od_report_free(&r);
}

/* Every truncation and many single-byte corruptions of a valid report
 * either load or give a message: never a crash or a leak (ASan). */
static void test_corruptions(const od_report *r)
{
    char *json = od_report_to_json(r);
    size_t len = strlen(json), errors = 0, loaded = 0;
    static const char subst[] = { '"', '}', ']', '1', 'x', '\\', '-', ',' };
    char *copy = od_xmalloc(len + 1);
    for (size_t cut = 0; cut < len; cut += 13) {
        od_report r2;
        char *err = od_report_from_json(json, cut, &r2);
        errors += err != NULL;
        CHECK_MSG(err != NULL, "truncated at %zu loaded", cut);
        free(err);
        od_report_free(&r2);
    }
    for (size_t i = 0; i < len; i += 7) {
        memcpy(copy, json, len + 1);
        copy[i] = subst[i % sizeof subst];
        od_report r2;
        char *err = od_report_from_json(copy, len, &r2);
        if (err) {
            errors++;
            CHECK(err[0] != '\0');
        } else {
            loaded++;
            char *again = od_report_to_json(&r2);   /* what loads must also write */
            CHECK(again != NULL);
            free(again);
        }
        free(err);
        od_report_free(&r2);
    }
    CHECK(errors > 0 && loaded > 0);
    free(copy);
    free(json);
}

/* Control characters in a report file are stored escaped, never raw. */
static void test_hostile_strings(const od_report *r)
{
    char *json = od_report_to_json(r);
    cJSON *root = cJSON_Parse(json);
    cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "findings"), 0);
    cJSON_ReplaceItemInObject(f0, "title", cJSON_CreateString("evil \033[31m title\a"));
    cJSON_AddStringToObject(cJSON_GetObjectItem(f0, "evidence"), "bad\033key", "x\033y");
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    od_report r2;
    char *err = od_report_from_json(text, strlen(text), &r2);
    CHECK_MSG(err == NULL, "%s", err ? err : "");
    free(err);
    if (r2.findings.len) {
        CHECK_STR(r2.findings.items[0].title, "evil \\e[31m title\\x07");
        char *ev = cJSON_PrintUnformatted(r2.findings.items[0].evidence);
        CHECK(ev && strchr(ev, '\033') == NULL && strstr(ev, "bad\\\\ekey"));
        free(ev);
    }
    char *txt = od_report_text(&r2, false);
    CHECK(strchr(txt, '\033') == NULL && strchr(txt, '\a') == NULL);
    free(txt);
    od_report_free(&r2);
    free(text);
    free(json);
}

static void test_markdown_and_text(const od_report *r)
{
    char *md = od_report_markdown(r);
    CHECK(strstr(md, "Verdict: CloudFront would fail") != NULL);
    CHECK(strstr(md, r->summary) != NULL);
    CHECK(strstr(md, "1. " FIX_STEP_1) != NULL);
    CHECK(strstr(md, "2. Reload nginx: `nginx -s reload` | check with openssl") != NULL);
    CHECK(strstr(md, "3. ") == NULL || strstr(md, "3. ") > strstr(md, FIX_STEP_1));
    CHECK(strstr(md, "1. Renew the certificate") != NULL);
    CHECK(strstr(md, "| Cipher suite | IANA | SSLv3 | TLSv1 | TLSv1.1 | TLSv1.2 |") != NULL);
    CHECK(strstr(md, "| ECDHE-RSA-AES128-GCM-SHA256 | 0xC02F | n/a | n/a | n/a | accepted |") != NULL);
    CHECK(strstr(md, "| ECDHE-RSA-AES128-SHA | 0xC013 | n/a | refused | not allowed | untested |") != NULL);
    CHECK(strstr(md, "cancelled before this suite") != NULL);
    CHECK(strstr(md, "```sh\nopenssl s_client -connect 127.0.0.1:8443") != NULL);
    /* the verdict comes before the first finding, findings worst first as given */
    CHECK(strstr(md, "Verdict") < strstr(md, "CHAIN_INCOMPLETE"));
    CHECK(strstr(md, "CHAIN_INCOMPLETE") < strstr(md, "CERT_EXPIRES_SOON"));
    /* evidence in words, a fact a row (od_evidence) */
    CHECK(strstr(md, "| Fact | Observed |") != NULL);
    CHECK(strstr(md, "| missing issuer | CN=Test Root |") != NULL);
    CHECK(strstr(md, "| sent | CN=www.example.com, CN=Test CA |") != NULL);
    CHECK(strstr(md, "Names: www.example.com") != NULL);
    /* chain markers */
    CHECK(strstr(md, "Chain as sent: 127.0.0.1:8443, SNI www.example.com") != NULL);
    CHECK(strstr(md, "root included") != NULL);
    CHECK(strstr(md, "expired") != NULL);
    CHECK(strstr(md, "wrong order") != NULL);
    CHECK(strstr(md, "missing intermediate after position 1") != NULL);
    CHECK(strstr(md, "extra (not on the path") != NULL);
    CHECK(strstr(md, "SHA-256:** ") != NULL);
    CHECK(strstr(md, "TLSv1.3") != NULL && strstr(md, "information: not an origin SSL protocols value") != NULL);
    CHECK(strstr(md, "HTTP/1.1 503 Service Unavailable") != NULL);
    CHECK(strstr(md, "TLS handshakes performed: 7") != NULL);
    CHECK(strstr(md, "| tls www.example.com @127.0.0.1:8443 | fail | 28 ms |") != NULL);
    free(md);

    char *txt = od_report_text(r, false);
    CHECK(strchr(txt, '\033') == NULL);
    CHECK(strstr(txt, "Verdict: CloudFront would fail") != NULL);
    CHECK(strstr(txt, "FAIL CHAIN_INCOMPLETE") != NULL);
    CHECK(strstr(txt, FIX_STEP_1) != NULL);
    CHECK(strstr(txt, "Cipher suite") != NULL && strstr(txt, "not allowed") != NULL);
    free(txt);
    char *col = od_report_text(r, true);
    CHECK(strstr(col, "\033[31mFAIL\033[0m") != NULL);
    CHECK(strstr(col, "\033[33mWARN\033[0m") != NULL);
    free(col);
}

/* Markdown syntax inside network text must not break tables or code. */
static void test_markdown_escaping(void)
{
    od_report r;
    od_report_init(&r);
    r.generated_at = od_xstrdup(GEN_AT);
    od_finding *f = od_finding_list_add(&r.findings);
    f->id = od_xstrdup("HTTP_SERVER_ERROR");
    f->severity = OD_SEV_WARN;
    f->title = od_xstrdup("5xx");
    f->reproduce = od_xstrdup("curl -H 'X: ```' https://x/");
    /* a hostile Server header and certificate name: no raw HTML, no link */
    f->detail = od_xstrdup("The origin answered with Server <img src=x onerror=alert(1)> and "
                           "[click](javascript:alert(1)).");
    od_finding *g = od_finding_list_add(&r.findings);
    g->id = od_xstrdup("CHAIN_INCOMPLETE");
    g->severity = OD_SEV_FAIL;
    g->title = od_xstrdup("missing");
    g->reproduce = od_xstrdup("openssl s_client -connect a.example:443 -servername a.example </dev/null");
    od_step *s = od_obs_add_step(&r.obs, "http a|b");
    s->status = OD_STEP_WARN;
    r.complete = true;   /* an incomplete report never says "would not fail" */
    char *md = od_report_markdown(&r);
    CHECK(strstr(md, "| http a\\|b | warn |") != NULL);
    CHECK(strstr(md, "````sh\ncurl -H 'X: ```' https://x/\n````") != NULL);
    CHECK(strstr(md, "<img") == NULL && strstr(md, "&lt;img src=x") != NULL);
    CHECK(strstr(md, "](javascript") == NULL || strstr(md, "\\[click](javascript") != NULL);
    CHECK(strstr(md, "\\[click]") != NULL);
    /* code is shown literally, so it is left alone */
    CHECK(strstr(md, "-servername a.example </dev/null") != NULL);
    CHECK(strstr(md, "Verdict: CloudFront would not fail") != NULL);
    free(md);
    od_report_free(&r);
}

int main(void)
{
    if (gnutls_global_init() < 0)
        return 1;
    test_obs_and_findings();
    od_report r;
    build_report(&r);
    test_round_trip(&r);
    test_contract_keys(&r);
    test_malformed(&r);
    test_hostile_strings(&r);
    test_corruptions(&r);
    test_unparsed_cert();
    test_markdown_and_text(&r);
    test_markdown_escaping();
    od_report_free(&r);
    gnutls_global_deinit();
    return check_done("test_report");
}
