/* CloudFront's cipher/protocol policy, the HTTP check, the Markdown report
 * and the JSON contract, each against a real origin on 127.0.0.1 (the
 * project's GnuTLS server configured with a priority string) diagnosed by
 * the real binary the way a customer's origin is:
 *   --batch --json F --resolve NAME:PORT:127.0.0.1 --trust-store ROOT --https-port PORT NAME
 * Before each diagnosis a plain GnuTLS client checks that the origin really
 * is what the case says (e.g. TLS 1.0 only, DHE only), so a wrong priority
 * string cannot make a test pass for the wrong reason. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "check.h"
#include "itest.h"
#include "od_certgen.h"
#include "od_labserver.h"

#define ORIGIN "shop.example.test"

/* Client priority tails: every signature algorithm, X.509, every group. */
#define TAIL ":+SIGN-ALL:+CTYPE-X509:+GROUP-ALL"
/* A client like CloudFront at TLS 1.2: its key exchanges, ciphers, MACs and
 * curves only (a superset of its 16 suites is fine for a refusal check). */
#define CLOUDFRONT_LIKE_TLS12                                                                     \
    "NONE:+VERS-TLS1.2:+ECDHE-RSA:+ECDHE-ECDSA:+RSA:+AES-128-GCM:+AES-256-GCM:+AES-128-CBC:"     \
    "+AES-256-CBC:+3DES-CBC:+ARCFOUR-128:+AEAD:+SHA1:+SHA256:+SHA384:+MD5:+SIGN-ALL:+CTYPE-X509:" \
    "+GROUP-SECP256R1:+GROUP-SECP384R1:+GROUP-X25519"

static const char *bin;
static char *dir;
static char *trust_store;
static const od_gen_cert *good_chain[3];    /* leaf, ICA2 (its issuer), ICA1 */
static const od_gen_cert *wrong_chain[3];   /* leaf, ICA1, ICA2 */

/* ---- origins ------------------------------------------------------------ */

typedef struct {
    const char *priority;
    const od_gen_cert *const *chain;
    int http_status;
    bool http_silent;
} origin_spec;

static od_lab_server *start_origin(const char *label, const origin_spec *o, int *port)
{
    od_lab_config cfg = {.mode = OD_LAB_TLS, .n_identities = 1, .priority = o->priority,
                         .http_status = o->http_status, .http_silent = o->http_silent};
    cfg.identities[0].chain = o->chain ? o->chain : good_chain;
    cfg.identities[0].chain_len = 3;
    char *err = NULL;
    od_lab_server *s = od_lab_server_start(&cfg, port, &err);
    CHECK_MSG(s != NULL, "%s: origin did not start: %s", label, err ? err : "?");
    free(err);
    return s;
}

/* One handshake with a plain GnuTLS client; 0 or a GnuTLS error. desc gets
 * the negotiated "(TLS1.2)-(ECDHE-SECP256R1)-..." on success. */
static int client_handshake(int port, const char *priority, char *desc, size_t desc_len)
{
    if (desc_len)
        desc[0] = '\0';
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return GNUTLS_E_PUSH_ERROR;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return GNUTLS_E_PUSH_ERROR;
    }
    gnutls_certificate_credentials_t cred = NULL;
    gnutls_session_t s = NULL;
    int rc = gnutls_certificate_allocate_credentials(&cred);
    if (rc == 0)
        rc = gnutls_init(&s, GNUTLS_CLIENT);
    if (rc == 0)
        rc = gnutls_priority_set_direct(s, priority, NULL);
    if (rc == 0)
        rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    if (rc == 0)
        rc = gnutls_server_name_set(s, GNUTLS_NAME_DNS, ORIGIN, strlen(ORIGIN));
    if (rc == 0) {
        gnutls_transport_set_int(s, fd);
        gnutls_handshake_set_timeout(s, 3000);
        do {
            rc = gnutls_handshake(s);
        } while (rc < 0 && !gnutls_error_is_fatal(rc));
    }
    if (rc == 0) {
        char *d = gnutls_session_get_desc(s);
        if (d && desc_len)
            snprintf(desc, desc_len, "%s", d);
        gnutls_free(d);
        gnutls_bye(s, GNUTLS_SHUT_WR);
    }
    if (s)
        gnutls_deinit(s);
    if (cred)
        gnutls_certificate_free_credentials(cred);
    close(fd);
    return rc;
}

static void expect_handshake(const char *label, int port, const char *priority, bool want_ok)
{
    char desc[256];
    int rc = client_handshake(port, priority, desc, sizeof desc);
    CHECK_MSG((rc == 0) == want_ok, "%s: precondition: client \"%s\" %s (%s), expected it to %s", label, priority,
              rc == 0 ? "handshook" : "failed", rc == 0 ? desc : gnutls_strerror(rc),
              want_ok ? "handshake" : "fail");
}

/* ---- running the binary ------------------------------------------------- */

typedef struct {
    it_result res;
    cJSON *json;
    char *markdown;   /* with_report only */
} run_out;

/* Diagnoses ORIGIN at 127.0.0.1:port; extra: NULL-terminated flags. */
static void diagnose(const char *label, int port, const char *const *extra, bool with_report, run_out *out)
{
    memset(out, 0, sizeof *out);
    char *json_path = od_xasprintf("%s/%s.json", dir, label);
    char *md_path = od_xasprintf("%s/%s.md", dir, label);
    od_strlist args;
    od_strlist_init(&args);
    od_strlist_add(&args, "--batch");
    od_strlist_add(&args, "--json");
    od_strlist_add(&args, json_path);
    if (with_report) {
        od_strlist_add(&args, "--report");
        od_strlist_add(&args, md_path);
    }
    od_strlist_add(&args, "--resolve");
    od_strlist_add_owned(&args, od_xasprintf("%s:%d:127.0.0.1", ORIGIN, port));
    od_strlist_add(&args, "--trust-store");
    od_strlist_add(&args, trust_store);
    od_strlist_add(&args, "--https-port");
    od_strlist_add_owned(&args, od_xasprintf("%d", port));
    for (const char *const *e = extra; e && *e; e++)
        od_strlist_add(&args, *e);
    od_strlist_add(&args, ORIGIN);
    it_run(bin, &args, NULL, 30, &out->res);
    out->json = it_load_json(json_path);
    CHECK_MSG(out->json != NULL, "%s: no JSON report (exit %d)\nstderr: %s", label, out->res.exit_code,
              out->res.err);
    if (with_report) {
        size_t len;
        out->markdown = od_read_file(md_path, &len);
        CHECK_MSG(out->markdown != NULL, "%s: no Markdown report", label);
    }
    od_strlist_free(&args);
    free(json_path);
    free(md_path);
}

static void run_free(run_out *out)
{
    it_result_free(&out->res);
    cJSON_Delete(out->json);
    free(out->markdown);
    memset(out, 0, sizeof *out);
}

static void expect_fails(const char *label, const run_out *out, const char *ids)
{
    char *want = it_sorted_ids(ids);
    int want_exit = want[0] ? 1 : 0;
    CHECK_MSG(out->res.exit_code == want_exit, "%s: exit %d, expected %d\nstderr: %s", label, out->res.exit_code,
              want_exit, out->res.err);
    if (out->json) {
        char *got = it_ids_with_severity(out->json, "fail");
        CHECK_MSG(strcmp(got, want) == 0, "%s: fail ids \"%s\", expected \"%s\"", label, got, want);
        const cJSON *wf = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(out->json, "verdict"),
                                                           "would_fail");
        CHECK_MSG(cJSON_IsBool(wf) && cJSON_IsTrue(wf) == (want_exit == 1), "%s: verdict.would_fail wrong", label);
        free(got);
    }
    free(want);
}

/* "DHE-RSA"/"DHE_RSA" as a word, not the tail of "ECDHE-RSA". */
static bool mentions_dhe(const char *s)
{
    for (const char *p = s; (p = strstr(p, "DHE")) != NULL; p++) {
        bool after_ec = p >= s + 2 && p[-1] == 'C' && p[-2] == 'E';
        if (!after_ec && (p[3] == '-' || p[3] == '_') && strncmp(p + 4, "RSA", 3) == 0)
            return true;
    }
    return false;
}

/* ---- 1, 2: no shared cipher ---------------------------------------------- */

static void test_no_shared_cipher(const char *label, const char *priority, const char *client_ok,
                                  const char *accepted_word, bool (*mentions)(const char *))
{
    int port = 0;
    origin_spec o = {.priority = priority};
    od_lab_server *s = start_origin(label, &o, &port);
    if (!s)
        return;
    expect_handshake(label, port, client_ok, true);
    expect_handshake(label, port, CLOUDFRONT_LIKE_TLS12, false);
    run_out r;
    diagnose(label, port, NULL, false, &r);
    expect_fails(label, &r, "TLS_NO_SHARED_CIPHER");
    const cJSON *f = it_finding(r.json, "TLS_NO_SHARED_CIPHER");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(f, "evidence");
    CHECK_MSG(cJSON_IsObject(ev), "%s: TLS_NO_SHARED_CIPHER has no evidence object", label);
    if (cJSON_IsObject(ev)) {
        char *text = cJSON_PrintUnformatted(ev);
        /* The issue: "the evidence lists what the origin does accept". */
        bool found = mentions ? mentions(text) : strstr(text, accepted_word) != NULL;
        CHECK_MSG(found, "%s: evidence does not say the origin accepts %s: %s", label, accepted_word, text);
        cJSON_free(text);
    }
    run_free(&r);
    od_lab_server_stop(s);
}

/* ---- 3, 4: no shared protocol -------------------------------------------- */

static void test_tls10_only(void)
{
    const char *label = "tls10-only";
    int port = 0;
    origin_spec o = {.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.0"};
    od_lab_server *s = start_origin(label, &o, &port);
    if (!s)
        return;
    expect_handshake(label, port, "NORMAL:-VERS-ALL:+VERS-TLS1.0", true);
    expect_handshake(label, port, "NORMAL:-VERS-ALL:+VERS-TLS1.2", false);
    run_out r;
    diagnose(label, port, NULL, false, &r);
    expect_fails(label, &r, "TLS_NO_SHARED_PROTOCOL");
    run_free(&r);

    const char *allow_old[] = {"--origin-ssl-protocols", "TLSv1,TLSv1.1,TLSv1.2", NULL};
    diagnose("tls10-only-allowed", port, allow_old, false, &r);
    expect_fails("tls10-only with TLSv1 allowed", &r, "");
    /* and it really was accepted at TLSv1, not merely untested */
    bool accepted_at_tls1 = false;
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(r.json, "ciphers"))
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(row, "protocol");
        if (cJSON_IsString(p) && strcmp(p->valuestring, "TLSv1") == 0 &&
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "origin_accepts")))
            accepted_at_tls1 = true;
    }
    CHECK_MSG(accepted_at_tls1, "tls10-only with TLSv1 allowed: no CloudFront suite marked accepted at TLSv1");
    run_free(&r);
    od_lab_server_stop(s);
}

static void test_tls13_only(void)
{
    const char *label = "tls13-only";
    int port = 0;
    origin_spec o = {.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.3"};
    od_lab_server *s = start_origin(label, &o, &port);
    if (!s)
        return;
    expect_handshake(label, port, "NORMAL:-VERS-ALL:+VERS-TLS1.3", true);
    expect_handshake(label, port, "NORMAL:-VERS-ALL:+VERS-TLS1.2", false);
    run_out r;
    diagnose(label, port, NULL, false, &r);
    expect_fails(label, &r, "TLS_NO_SHARED_PROTOCOL");
    run_free(&r);
    od_lab_server_stop(s);
}

/* Two problems at once: no shared protocol and a chain out of order. The
 * broad-offer handshake still shows the certificate, so both are reported
 * and the customer fixes both in one go. */
static void test_tls13_only_wrong_order(void)
{
    const char *label = "tls13-only + wrong order";
    int port = 0;
    origin_spec o = {.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.3", .chain = wrong_chain};
    od_lab_server *s = start_origin(label, &o, &port);
    if (!s)
        return;
    run_out r;
    diagnose(label, port, NULL, false, &r);
    expect_fails(label, &r, "CHAIN_WRONG_ORDER TLS_NO_SHARED_PROTOCOL");
    run_free(&r);
    od_lab_server_stop(s);
}

/* ---- 5: exactly three CloudFront suites ---------------------------------- */

/* The cross product {ECDHE-RSA, RSA} x {AES-128-GCM, AES-256-CBC} x {AEAD, SHA1}
 * holds exactly three CloudFront suites (the two with GCM+SHA1 or CBC+AEAD do
 * not exist) plus TLS_RSA_WITH_AES_128_GCM_SHA256, which CloudFront does not offer. */
static const char THREE_SUITES_PRIORITY[] =
    "NONE:+VERS-TLS1.2:+ECDHE-RSA:+RSA:+AES-128-GCM:+AES-256-CBC:+AEAD:+SHA1" TAIL;
static const struct {
    const char *name;            /* OpenSSL name, as in the policy file */
    const char *client;          /* a client offering only that suite */
} THREE[] = {
    {"ECDHE-RSA-AES128-GCM-SHA256", "NONE:+VERS-TLS1.2:+ECDHE-RSA:+AES-128-GCM:+AEAD" TAIL},
    {"ECDHE-RSA-AES256-SHA", "NONE:+VERS-TLS1.2:+ECDHE-RSA:+AES-256-CBC:+SHA1" TAIL},
    {"AES256-SHA", "NONE:+VERS-TLS1.2:+RSA:+AES-256-CBC:+SHA1" TAIL},
};

static bool is_one_of_three(const char *name)
{
    for (size_t i = 0; i < sizeof THREE / sizeof THREE[0]; i++)
        if (strcmp(THREE[i].name, name) == 0)
            return true;
    return false;
}

static void test_three_suites(void)
{
    const char *label = "three-suites";
    int port = 0;
    origin_spec o = {.priority = THREE_SUITES_PRIORITY};
    od_lab_server *s = start_origin(label, &o, &port);
    if (!s)
        return;
    for (size_t i = 0; i < sizeof THREE / sizeof THREE[0]; i++)
        expect_handshake(label, port, THREE[i].client, true);
    /* neighbours of the three that the origin must refuse */
    expect_handshake(label, port, "NONE:+VERS-TLS1.2:+ECDHE-RSA:+AES-128-CBC:+SHA1" TAIL, false);
    expect_handshake(label, port, "NONE:+VERS-TLS1.2:+ECDHE-RSA:+AES-256-GCM:+AEAD" TAIL, false);
    expect_handshake(label, port, "NONE:+VERS-TLS1.2:+RSA:+AES-128-CBC:+SHA1" TAIL, false);

    const char *all_protocols[] = {"--origin-ssl-protocols", "TLSv1,TLSv1.1,TLSv1.2", NULL};
    run_out r;
    diagnose(label, port, all_protocols, false, &r);
    expect_fails(label, &r, "");
    size_t tls12_rows = 0, sslv3_rows = 0, accepted_seen = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(r.json, "ciphers"))
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(row, "protocol");
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(row, "name");
        const cJSON *acc = cJSON_GetObjectItemCaseSensitive(row, "origin_accepts");
        if (!cJSON_IsString(p) || !cJSON_IsString(n)) {
            CHECK_MSG(false, "%s: cipher row without protocol/name", label);
            continue;
        }
        if (strcmp(p->valuestring, "TLSv1.2") == 0) {
            tls12_rows++;
            if (is_one_of_three(n->valuestring)) {
                accepted_seen++;
                CHECK_MSG(cJSON_IsTrue(acc), "%s: TLSv1.2 %s not marked accepted", label, n->valuestring);
            } else {
                CHECK_MSG(cJSON_IsFalse(acc), "%s: TLSv1.2 %s is %s, expected false (refused)", label,
                          n->valuestring, cJSON_IsTrue(acc) ? "true" : cJSON_IsNull(acc) ? "null" : "not a bool");
            }
        } else if (strcmp(p->valuestring, "SSLv3") == 0) {
            sslv3_rows++;
            CHECK_MSG(cJSON_IsNull(acc), "%s: SSLv3 %s origin_accepts is not null (SSL 3.0 cannot be tested)", label,
                      n->valuestring);
        } else if (strcmp(p->valuestring, "TLSv1") == 0 || strcmp(p->valuestring, "TLSv1.1") == 0) {
            /* the origin speaks TLS 1.2 only */
            CHECK_MSG(!cJSON_IsTrue(acc), "%s: %s %s marked accepted by a TLS 1.2-only origin", label,
                      p->valuestring, n->valuestring);
        }
    }
    CHECK_MSG(tls12_rows >= 16, "%s: only %zu TLSv1.2 rows in ciphers", label, tls12_rows);
    CHECK_MSG(accepted_seen == 3, "%s: %zu of the three suites found among TLSv1.2 rows", label, accepted_seen);
    CHECK_MSG(sslv3_rows > 0, "%s: no SSLv3 rows in ciphers", label);
    run_free(&r);
    od_lab_server_stop(s);
}

/* ---- 6: HTTP ------------------------------------------------------------- */

static void test_http(void)
{
    int port = 0;
    origin_spec o503 = {.http_status = 503};
    od_lab_server *s = start_origin("http-503", &o503, &port);
    if (s) {
        run_out r;
        diagnose("http-503", port, NULL, false, &r);
        expect_fails("http-503", &r, "");
        const cJSON *f = it_finding(r.json, "HTTP_SERVER_ERROR");
        const cJSON *sev = cJSON_GetObjectItemCaseSensitive(f, "severity");
        CHECK_MSG(f != NULL, "http-503: no HTTP_SERVER_ERROR finding");
        CHECK_MSG(cJSON_IsString(sev) && strcmp(sev->valuestring, "warn") == 0, "http-503: HTTP_SERVER_ERROR is not warn");
        char *ev = f ? cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(f, "evidence")) : NULL;
        CHECK_MSG(ev && strstr(ev, "503"), "http-503: the evidence does not show the status: %s", ev ? ev : "(none)");
        cJSON_free(ev);
        run_free(&r);
        od_lab_server_stop(s);
    }

    origin_spec silent = {.http_silent = true};
    s = start_origin("http-silent", &silent, &port);
    if (s) {
        expect_handshake("http-silent", port, "NORMAL", true);
        const char *short_timeout[] = {"--timeout", "2", "--response-timeout", "2", NULL};
        run_out r;
        diagnose("http-silent", port, short_timeout, false, &r);
        expect_fails("http-silent", &r, "HTTP_NO_RESPONSE");
        run_free(&r);
        od_lab_server_stop(s);
    }
}

/* ---- 7: the Markdown report of a failing origin -------------------------- */

static void test_markdown_report(void)
{
    const char *label = "wrong-order";
    int port = 0;
    origin_spec o = {.chain = wrong_chain};
    od_lab_server *s = start_origin(label, &o, &port);
    if (!s)
        return;
    run_out r;
    diagnose(label, port, NULL, true, &r);
    expect_fails(label, &r, "CHAIN_WRONG_ORDER");
    const char *md = r.markdown;
    if (!md || !r.json) {
        run_free(&r);
        od_lab_server_stop(s);
        return;
    }
    /* the verdict, first thing after the title */
    const cJSON *summary = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r.json, "verdict"),
                                                            "summary");
    CHECK_MSG(cJSON_IsString(summary) && strstr(md, summary->valuestring), "%s: Markdown lacks the verdict summary",
              label);
    const char *verdict = strstr(md, "Verdict");
    const char *findings = strstr(md, "Findings");
    CHECK_MSG(verdict && (!findings || verdict < findings), "%s: no verdict line before the findings", label);
    if (verdict) {
        const char *eol = strchr(verdict, '\n');
        char *line = od_xasprintf("%.*s", (int)(eol ? eol - verdict : (long)strlen(verdict)), verdict);
        CHECK_MSG(strstr(line, "would fail") != NULL, "%s: verdict line \"%s\" does not say CloudFront would fail",
                  label, line);
        free(line);
    }
    /* each fail finding: id, every fix step, the reproduction command */
    size_t fails = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(r.json, "findings"))
    {
        const cJSON *sev = cJSON_GetObjectItemCaseSensitive(f, "severity");
        if (!cJSON_IsString(sev) || strcmp(sev->valuestring, "fail") != 0)
            continue;
        fails++;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "id");
        const char *ids = cJSON_IsString(id) ? id->valuestring : "?";
        CHECK_MSG(strstr(md, ids) != NULL, "%s: Markdown does not name %s", label, ids);
        const cJSON *fix = cJSON_GetObjectItemCaseSensitive(f, "fix");
        CHECK_MSG(cJSON_GetArraySize(fix) > 0, "%s: %s has no fix steps", label, ids);
        const cJSON *step;
        cJSON_ArrayForEach(step, fix)
        {
            CHECK_MSG(cJSON_IsString(step) && strstr(md, step->valuestring),
                      "%s: Markdown lacks the fix step of %s: %s", label, ids,
                      cJSON_IsString(step) ? step->valuestring : "(not a string)");
        }
        const cJSON *rep = cJSON_GetObjectItemCaseSensitive(f, "reproduce");
        CHECK_MSG(cJSON_IsString(rep) && rep->valuestring[0] && strstr(md, rep->valuestring),
                  "%s: Markdown lacks the reproduce command of %s: %s", label, ids,
                  cJSON_IsString(rep) ? rep->valuestring : "(none)");
    }
    CHECK_MSG(fails > 0, "%s: no fail finding to check", label);
    /* the cipher table's header row names the suite column and every protocol */
    bool header_found = false;
    for (const char *line = md; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        char *l = od_xasprintf("%.*s", (int)len, line);
        if (l[0] == '|' && strstr(l, "Cipher suite")) {
            bool all = true;
            const char *protos[] = {"SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"};
            for (size_t i = 0; i < 4; i++) {
                char *cell = od_xasprintf("| %s |", protos[i]);
                if (!strstr(l, cell))
                    all = false;
                free(cell);
            }
            if (all)
                header_found = true;
        }
        free(l);
    }
    CHECK_MSG(header_found, "%s: no cipher table header | Cipher suite | ... | SSLv3 | TLSv1 | TLSv1.1 | TLSv1.2 |",
              label);
    /* the steps say how many handshakes the diagnosis used */
    const cJSON *hc = cJSON_GetObjectItemCaseSensitive(r.json, "handshake_count");
    const char *steps = strstr(md, "## Steps");
    CHECK_MSG(steps != NULL, "%s: no Steps section", label);
    if (steps && cJSON_IsNumber(hc)) {
        char *count = od_xasprintf("handshakes performed: %d", hc->valueint);
        CHECK_MSG(strstr(steps, count) != NULL, "%s: the Steps section does not say \"%s\"", label, count);
        free(count);
    }
    run_free(&r);
    od_lab_server_stop(s);
}

/* ---- 8: the JSON contract of a healthy run ------------------------------- */

enum { T_STR = 1, T_NUM = 2, T_BOOL = 4, T_NULL = 8, T_ARR = 16, T_OBJ = 32 };

static bool has_type(const cJSON *v, int types)
{
    return ((types & T_STR) && cJSON_IsString(v)) || ((types & T_NUM) && cJSON_IsNumber(v)) ||
           ((types & T_BOOL) && cJSON_IsBool(v)) || ((types & T_NULL) && cJSON_IsNull(v)) ||
           ((types & T_ARR) && cJSON_IsArray(v)) || ((types & T_OBJ) && cJSON_IsObject(v));
}

typedef struct {
    const char *key;
    int types;
} key_type;

static void check_keys(const char *where, const cJSON *obj, const key_type *keys, size_t n)
{
    CHECK_MSG(cJSON_IsObject(obj), "healthy: %s is not an object", where);
    for (size_t i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, keys[i].key);
        CHECK_MSG(v != NULL, "healthy: %s has no \"%s\"", where, keys[i].key);
        if (v)
            CHECK_MSG(has_type(v, keys[i].types), "healthy: %s.%s has the wrong JSON type", where, keys[i].key);
    }
}

static void check_string_array(const char *where, const cJSON *arr)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
        CHECK_MSG(cJSON_IsString(e), "healthy: %s holds a non-string", where);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void check_each(const char *what, const cJSON *report, const key_type *keys, size_t n, size_t min_items)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(report, what);
    CHECK_MSG(cJSON_IsArray(arr) && (size_t)cJSON_GetArraySize(arr) >= min_items,
              "healthy: %s is not an array of at least %zu", what, min_items);
    const cJSON *item;
    int i = 0;
    cJSON_ArrayForEach(item, arr)
    {
        char *where = od_xasprintf("%s[%d]", what, i++);
        check_keys(where, item, keys, n);
        free(where);
    }
}

static bool is_rfc3339_utc(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(s) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
            return false;
    return true;
}

static void test_json_contract(void)
{
    const char *label = "healthy";
    int port = 0;
    origin_spec o = {0};
    od_lab_server *s = start_origin(label, &o, &port);
    if (!s)
        return;
    /* the refusal checks' client handshakes with a healthy origin */
    expect_handshake(label, port, CLOUDFRONT_LIKE_TLS12, true);
    run_out r;
    diagnose(label, port, NULL, false, &r);
    expect_fails(label, &r, "");
    const cJSON *j = r.json;
    if (!j) {
        run_free(&r);
        od_lab_server_stop(s);
        return;
    }
    static const key_type top[] = {
        {"schema", T_STR}, {"tool", T_OBJ}, {"generated_at", T_STR}, {"input", T_OBJ}, {"verdict", T_OBJ},
        {"findings", T_ARR}, {"steps", T_ARR}, {"addresses", T_ARR}, {"handshakes", T_ARR},
        {"certificates", T_ARR}, {"ciphers", T_ARR}, {"http", T_OBJ}, {"handshake_count", T_NUM},
    };
    check_keys("report", j, top, N(top));
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(j, "schema");
    CHECK_MSG(cJSON_IsString(schema) && strcmp(schema->valuestring, "origin-doctor/report/1") == 0,
              "healthy: wrong schema");
    const cJSON *gen = cJSON_GetObjectItemCaseSensitive(j, "generated_at");
    CHECK_MSG(cJSON_IsString(gen) && is_rfc3339_utc(gen->valuestring), "healthy: generated_at is not RFC 3339 UTC");
    static const key_type tool[] = {{"name", T_STR}, {"version", T_STR}};
    check_keys("tool", cJSON_GetObjectItemCaseSensitive(j, "tool"), tool, N(tool));

    static const key_type input[] = {
        {"origin_domain", T_STR}, {"forward_host_header", T_BOOL}, {"cnames", T_ARR}, {"http_port", T_NUM},
        {"https_port", T_NUM}, {"protocol_policy", T_STR}, {"origin_ssl_protocols", T_ARR}, {"resolve", T_ARR},
    };
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(j, "input");
    check_keys("input", in, input, N(input));
    const cJSON *od = cJSON_GetObjectItemCaseSensitive(in, "origin_domain");
    const cJSON *hp = cJSON_GetObjectItemCaseSensitive(in, "https_port");
    CHECK_MSG(cJSON_IsString(od) && strcmp(od->valuestring, ORIGIN) == 0, "healthy: input.origin_domain wrong");
    CHECK_MSG(cJSON_IsNumber(hp) && hp->valueint == port, "healthy: input.https_port wrong");
    check_string_array("input.cnames", cJSON_GetObjectItemCaseSensitive(in, "cnames"));
    check_string_array("input.origin_ssl_protocols", cJSON_GetObjectItemCaseSensitive(in, "origin_ssl_protocols"));
    check_string_array("input.resolve", cJSON_GetObjectItemCaseSensitive(in, "resolve"));

    static const key_type verdict[] = {{"would_fail", T_BOOL}, {"summary", T_STR}};
    check_keys("verdict", cJSON_GetObjectItemCaseSensitive(j, "verdict"), verdict, N(verdict));

    static const key_type finding[] = {
        {"id", T_STR}, {"severity", T_STR}, {"title", T_STR}, {"detail", T_STR},
        {"names", T_ARR}, {"evidence", T_OBJ}, {"fix", T_ARR},
    };
    check_each("findings", j, finding, N(finding), 1);
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(j, "findings"))
    {
        const cJSON *sev = cJSON_GetObjectItemCaseSensitive(f, "severity");
        CHECK_MSG(cJSON_IsString(sev) && (strcmp(sev->valuestring, "fail") == 0 || strcmp(sev->valuestring, "warn") == 0 ||
                                          strcmp(sev->valuestring, "info") == 0 || strcmp(sev->valuestring, "pass") == 0),
                  "healthy: a finding has severity outside fail|warn|info|pass");
        check_string_array("findings[].names", cJSON_GetObjectItemCaseSensitive(f, "names"));
        check_string_array("findings[].fix", cJSON_GetObjectItemCaseSensitive(f, "fix"));
    }
    CHECK_MSG(it_finding(j, "VANTAGE_POINT") != NULL, "healthy: no VANTAGE_POINT finding");

    static const key_type step[] = {{"name", T_STR}, {"status", T_STR}, {"duration_ms", T_NUM}, {"detail", T_STR | T_NULL}};
    check_each("steps", j, step, N(step), 1);

    static const key_type handshake[] = {
        {"address", T_STR}, {"port", T_NUM}, {"sni", T_STR | T_NULL}, {"ok", T_BOOL}, {"version", T_STR | T_NULL},
        {"cipher", T_STR | T_NULL}, {"group", T_STR | T_NULL}, {"alert", T_NUM | T_NULL}, {"error", T_STR | T_NULL},
        {"chain", T_ARR},
    };
    check_each("handshakes", j, handshake, N(handshake), 1);

    static const key_type cert[] = {
        {"subject", T_STR}, {"issuer", T_STR}, {"common_names", T_ARR}, {"san_dns", T_ARR}, {"san_ip", T_ARR},
        {"not_before", T_STR}, {"not_after", T_STR}, {"serial", T_STR}, {"sha256", T_STR}, {"key", T_OBJ},
        {"signature_algorithm", T_STR}, {"is_ca", T_BOOL}, {"self_signed", T_BOOL}, {"aia_issuer_urls", T_ARR},
    };
    static const key_type key[] = {{"type", T_STR}, {"bits", T_NUM}, {"curve", T_STR | T_NULL}};
    /* the chain is leaf, ICA2, ICA1: three certificates */
    check_each("certificates", j, cert, N(cert), 3);
    const cJSON *certs = cJSON_GetObjectItemCaseSensitive(j, "certificates");
    int n_certs = cJSON_GetArraySize(certs);
    const cJSON *c;
    cJSON_ArrayForEach(c, certs)
    {
        check_keys("certificates[].key", cJSON_GetObjectItemCaseSensitive(c, "key"), key, N(key));
        check_string_array("certificates[].san_dns", cJSON_GetObjectItemCaseSensitive(c, "san_dns"));
        const cJSON *nb = cJSON_GetObjectItemCaseSensitive(c, "not_before");
        CHECK_MSG(cJSON_IsString(nb) && is_rfc3339_utc(nb->valuestring), "healthy: not_before is not RFC 3339 UTC");
    }
    /* chain entries are indexes into certificates */
    const cJSON *hs;
    cJSON_ArrayForEach(hs, cJSON_GetObjectItemCaseSensitive(j, "handshakes"))
    {
        const cJSON *idx;
        cJSON_ArrayForEach(idx, cJSON_GetObjectItemCaseSensitive(hs, "chain"))
            CHECK_MSG(cJSON_IsNumber(idx) && idx->valueint >= 0 && idx->valueint < n_certs,
                      "healthy: handshakes[].chain holds something that is not a certificate index");
    }

    static const key_type cipher[] = {
        {"protocol", T_STR}, {"name", T_STR}, {"iana", T_STR}, {"cloudfront_offers", T_BOOL},
        {"origin_accepts", T_BOOL | T_NULL},
    };
    check_each("ciphers", j, cipher, N(cipher), 16);

    /* handshakes counted, and the steps say how many */
    const cJSON *hc = cJSON_GetObjectItemCaseSensitive(j, "handshake_count");
    int count = cJSON_IsNumber(hc) ? hc->valueint : 0;
    CHECK_MSG(count > 0, "healthy: handshake_count is not > 0");
    bool step_mentions = false;
    const cJSON *st;
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(j, "steps"))
    {
        const char *fields[] = {"name", "detail"};
        for (size_t i = 0; i < 2; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(st, fields[i]);
            if (!cJSON_IsString(v))
                continue;
            for (const char *p = strstr(v->valuestring, " handshake"); p; p = strstr(p + 1, " handshake")) {
                const char *d = p;
                while (d > v->valuestring && isdigit((unsigned char)d[-1]))
                    d--;
                int n = d < p ? atoi(d) : 0;
                if (n > 0 && n <= count)
                    step_mentions = true;
            }
        }
    }
    CHECK_MSG(step_mentions, "healthy: no steps entry mentions the number of handshakes (handshake_count %d)", count);
    run_free(&r);
    od_lab_server_stop(s);
}

/* ---- setup --------------------------------------------------------------- */

static int make_pki(od_gen_cert certs[4])
{
    od_gen_spec root = {.dn = "CN=cipher-policy test root,O=origin-doctor tests", .is_ca = true,
                        .key = OD_KEY_ECDSA_P256};
    od_gen_spec ica1 = {.dn = "CN=cipher-policy test ICA1,O=origin-doctor tests", .is_ca = true,
                        .key = OD_KEY_ECDSA_P256};
    od_gen_spec ica2 = {.dn = "CN=cipher-policy test ICA2,O=origin-doctor tests", .is_ca = true,
                        .key = OD_KEY_ECDSA_P256};
    const char *names[] = {ORIGIN, NULL};
    /* RSA: the ECDHE-RSA, DHE-RSA and static RSA suites need it */
    od_gen_spec leaf = {.dn = "CN=" ORIGIN ",O=origin-doctor tests", .san_dns = names, .key = OD_KEY_RSA2048};
    if (od_gen_cert_make(&root, NULL, &certs[0]) < 0)
        return -1;
    if (od_gen_cert_make(&ica1, &certs[0], &certs[1]) < 0)
        return -1;
    if (od_gen_cert_make(&ica2, &certs[1], &certs[2]) < 0)
        return -1;
    if (od_gen_cert_make(&leaf, &certs[2], &certs[3]) < 0)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    bin = it_bin_arg(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    dir = it_tmpdir();
    if (!dir)
        return 1;
    od_gen_cert certs[4];
    memset(certs, 0, sizeof certs);
    if (make_pki(certs) < 0) {
        fprintf(stderr, "cannot generate the test PKI\n");
        return 1;
    }
    good_chain[0] = &certs[3];
    good_chain[1] = &certs[2];
    good_chain[2] = &certs[1];
    wrong_chain[0] = &certs[3];
    wrong_chain[1] = &certs[1];
    wrong_chain[2] = &certs[2];
    trust_store = od_xasprintf("%s/root.pem", dir);
    const od_gen_cert *roots[] = {&certs[0]};
    CHECK(od_gen_write_pem_chain(trust_store, roots, 1) == 0);

    /* 1. ChaCha20-Poly1305 only */
    test_no_shared_cipher("chacha20-only",
                          "NONE:+VERS-TLS1.2:+ECDHE-RSA:+CHACHA20-POLY1305:+AEAD" TAIL,
                          "NONE:+VERS-TLS1.2:+ECDHE-RSA:+CHACHA20-POLY1305:+AEAD" TAIL, "CHACHA20", NULL);
    /* 2. DHE-RSA only: RFC 7919 groups, negotiated when the client offers FFDHE */
    test_no_shared_cipher("dhe-only",
                          "NONE:+VERS-TLS1.2:+DHE-RSA:+AES-128-GCM:+AES-256-GCM:+AES-128-CBC:+AES-256-CBC:+AEAD:"
                          "+SHA1:+SHA256" TAIL,
                          "NONE:+VERS-TLS1.2:+DHE-RSA:+AES-128-GCM:+AEAD:+SIGN-ALL:+CTYPE-X509:+GROUP-FFDHE2048",
                          "DHE-RSA", mentions_dhe);
    /* 2b. NULL suites only (issue 10): TLS 1.2 is spoken, the suites are
     * what CloudFront lacks; the handshake_failure (40) CloudFront's offer
     * gets is no proof that TLS 1.2 is refused */
    test_no_shared_cipher("null-only", "NONE:+VERS-TLS1.2:+RSA:+ECDHE-RSA:+ECDHE-ECDSA:+NULL:+SHA1:+SHA256" TAIL,
                          "NONE:+VERS-TLS1.2:+RSA:+ECDHE-RSA:+ECDHE-ECDSA:+NULL:+SHA1:+SHA256" TAIL, "NULL", NULL);
    /* 3, 4 */
    test_tls10_only();
    test_tls13_only();
    test_tls13_only_wrong_order();
    /* 5 */
    test_three_suites();
    /* 6 */
    test_http();
    /* 7 */
    test_markdown_report();
    /* 8 */
    test_json_contract();

    for (size_t i = 0; i < 4; i++)
        od_gen_cert_free(&certs[i]);
    free(trust_store);
    if (getenv("OD_KEEP_TMP"))   /* for debugging: keep the reports */
        fprintf(stderr, "reports kept in %s\n", dir);
    else
        it_rmtree(dir);
    free(dir);
    return check_done("cipher_policy");
}
