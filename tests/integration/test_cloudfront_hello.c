/* Issue 10: the handshake "with CloudFront's cipher suites" offers exactly
 * CloudFront's suites, groups and signature schemes, in CloudFront's order
 * (assets/cloudfront-origin-policy.json), so the suite an origin picks is
 * the one CloudFront would get. With the real binary:
 *  1. a listener on 127.0.0.1 records the first record of every connection
 *     (and answers handshake_failure): each handshake the report labels
 *     "cloudfront" sent a ClientHello whose cipher_suites, supported_groups
 *     and signature_algorithms equal the data's, in order. The codes are
 *     this test's own reading of the TLS registries, not the tool's;
 *  2. the project's GnuTLS origin preferring (server precedence) a suite
 *     CloudFront does not offer, ECDHE-RSA-DES-CBC3-SHA, over one it does:
 *     the handshake made with CloudFront's offer gets the one CloudFront
 *     would get, ECDHE-RSA-AES128-SHA. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "itest.h"
#include "od_certgen.h"
#include "od_labserver.h"

#define ORIGIN "shop.example.test"
#define MAX_HELLOS 64

static const char *bin;

/* ---- the recording listener ---- */

typedef struct {
    unsigned char data[4096];
    size_t len;
} record;

typedef struct {
    int fd;
    atomic_bool stop;
    pthread_t tid;
    record hellos[MAX_HELLOS];
    size_t n;
} recorder;

static bool read_full(int fd, unsigned char *b, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 3000) <= 0)
            return false;
        ssize_t r = recv(fd, b + got, n - got, 0);
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

static void *record_main(void *arg)
{
    recorder *r = arg;
    while (!atomic_load(&r->stop)) {
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int c = accept(r->fd, NULL, NULL);
        if (c < 0)
            continue;
        record rec = {.len = 0};
        if (read_full(c, rec.data, 5)) {
            size_t body = (size_t)rec.data[3] << 8 | rec.data[4];
            if (body + 5 <= sizeof rec.data && read_full(c, rec.data + 5, body)) {
                rec.len = body + 5;
                if (r->n < MAX_HELLOS)
                    r->hellos[r->n++] = rec;
            }
        }
        static const unsigned char alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40};
        (void)!send(c, alert, sizeof alert, MSG_NOSIGNAL);
        close(c);
    }
    return NULL;
}

static bool recorder_start(recorder *r, int *port)
{
    memset(r, 0, sizeof *r);
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(r->fd, 64) != 0 ||
        getsockname(r->fd, (struct sockaddr *)&a, &len) != 0)
        return false;
    *port = ntohs(a.sin_port);
    return pthread_create(&r->tid, NULL, record_main, r) == 0;
}

static void recorder_stop(recorder *r)
{
    atomic_store(&r->stop, true);
    pthread_join(r->tid, NULL);
    close(r->fd);
}

/* ---- what a ClientHello offers (parsed here, independently) ---- */

typedef struct {
    unsigned suites[128], groups[64], sigs[64];
    size_t n_suites, n_groups, n_sigs;
} offer;

static unsigned u16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static bool parse_hello(const record *rec, offer *o)
{
    memset(o, 0, sizeof *o);
    const unsigned char *p = rec->data, *end = rec->data + rec->len;
    if (rec->len < 9 + 35 || p[0] != 0x16 || p[5] != 1)
        return false;
    p += 9 + 34;   /* record and handshake headers, version, random */
    p += 1 + p[0];
    if (end - p < 2)
        return false;
    size_t cs = u16(p);
    p += 2;
    for (size_t i = 0; i + 1 < cs && o->n_suites < 128 && p + i + 1 < end; i += 2)
        o->suites[o->n_suites++] = u16(p + i);
    p += cs;
    if (p >= end)
        return false;
    p += 1 + p[0];
    if (end - p < 2)
        return false;
    p += 2;
    while (end - p >= 4) {
        unsigned type = u16(p), len = u16(p + 2);
        const unsigned char *body = p + 4;
        if ((type == 10 || type == 13) && len >= 2 && body + len <= end) {
            for (size_t i = 2; i + 1 < len; i += 2) {
                if (type == 10 && o->n_groups < 64)
                    o->groups[o->n_groups++] = u16(body + i);
                if (type == 13 && o->n_sigs < 64)
                    o->sigs[o->n_sigs++] = u16(body + i);
            }
        }
        p = body + len;
    }
    return true;
}

/* The TLS registries' codes for the names the policy data uses. */
static unsigned group_code(const char *gnutls_name)
{
    static const struct { const char *n; unsigned c; } t[] = {
        {"SECP256R1", 23}, {"SECP384R1", 24}, {"SECP521R1", 25}, {"X25519", 29}, {"X448", 30}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].n, gnutls_name) == 0)
            return t[i].c;
    return 0;
}

static unsigned sig_code(const char *name)
{
    static const struct { const char *n; unsigned c; } t[] = {
        {"rsa_pkcs1_sha1", 0x0201},         {"rsa_pkcs1_sha224", 0x0301},       {"rsa_pkcs1_sha256", 0x0401},
        {"rsa_pkcs1_sha384", 0x0501},       {"rsa_pkcs1_sha512", 0x0601},       {"ecdsa_sha1", 0x0203},
        {"ecdsa_sha224", 0x0303},           {"ecdsa_secp256r1_sha256", 0x0403}, {"ecdsa_secp384r1_sha384", 0x0503},
        {"ecdsa_secp521r1_sha512", 0x0603}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].n, name) == 0)
            return t[i].c;
    return 0;
}

/* CloudFront's offer at TLSv1.2 (the default origin protocols), read from
 * the data file itself with libcjson. */
static bool expected_offer(offer *o)
{
    memset(o, 0, sizeof *o);
    char *path = od_xasprintf("%s/cloudfront-origin-policy.json", getenv("ORIGIN_DOCTOR_ASSETS"));
    cJSON *j = it_load_json(path);
    free(path);
    if (!j)
        return false;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "suites")) {
        bool tls12 = false;
        const cJSON *v;
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(it, "protocols"))
            tls12 = tls12 || (cJSON_IsString(v) && strcmp(v->valuestring, "TLSv1.2") == 0);
        const cJSON *iana = cJSON_GetObjectItemCaseSensitive(it, "iana");
        if (tls12 && cJSON_IsString(iana))
            o->suites[o->n_suites++] = (unsigned)strtoul(iana->valuestring, NULL, 16);
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "curves")) {
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(it, "gnutls");
        o->groups[o->n_groups++] = cJSON_IsString(g) ? group_code(g->valuestring) : 0;
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "signature_schemes"))
        o->sigs[o->n_sigs++] = cJSON_IsString(it) ? sig_code(it->valuestring) : 0;
    cJSON_Delete(j);
    return o->n_suites == 16 && o->n_groups == 3 && o->n_sigs == 10;
}

static bool same(const unsigned *a, size_t na, const unsigned *b, size_t nb)
{
    return na == nb && memcmp(a, b, na * sizeof *a) == 0;
}

static cJSON *run(int port, const char *trust, it_result *res)
{
    char *trust_flag = trust ? od_xasprintf("--trust-store=%s", trust) : NULL;
    const char *const extra[] = {"--protocol-policy=https-only", trust_flag, NULL};
    cJSON *j = it_run_json(bin, ORIGIN, port, extra, res);
    free(trust_flag);
    return j;
}

static size_t cloudfront_handshakes(const cJSON *j)
{
    size_t n = 0;
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(j, "handshakes")) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(h, "purpose");
        n += cJSON_IsString(p) && strcmp(p->valuestring, "cloudfront") == 0;
    }
    return n;
}

static void test_client_hello(void)
{
    offer want;
    CHECK_MSG(expected_offer(&want), "the policy data does not hold 16 TLS 1.2 suites, 3 groups, 10 schemes");
    recorder r;
    int port = 0;
    CHECK(recorder_start(&r, &port));
    it_result res;
    cJSON *j = run(port, NULL, &res);
    recorder_stop(&r);
    CHECK_MSG(j != NULL, "no JSON report: %s", res.err ? res.err : "");
    size_t labelled = cloudfront_handshakes(j);
    CHECK_MSG(labelled == 2, "%zu handshakes labelled cloudfront (with and without SNI expected)", labelled);
    size_t exact = 0;
    for (size_t i = 0; i < r.n; i++) {
        offer got;
        if (!parse_hello(&r.hellos[i], &got))
            continue;
        bool suites = same(got.suites, got.n_suites, want.suites, want.n_suites);
        bool groups = same(got.groups, got.n_groups, want.groups, want.n_groups);
        bool sigs = same(got.sigs, got.n_sigs, want.sigs, want.n_sigs);
        exact += suites && groups && sigs;
    }
    /* one per labelled handshake at least (an HTTPS request made with
     * CloudFront's offer adds its own) */
    CHECK_MSG(labelled > 0 && exact >= labelled, "%zu of %zu ClientHellos offer exactly CloudFront's suites, groups "
              "and signature schemes in order; %zu labelled handshakes", exact, r.n, labelled);
    cJSON_Delete(j);
    it_result_free(&res);
}

/* ---- the suite the origin picks ---- */

static void test_origin_pick(void)
{
    char *dir = it_tmpdir();
    od_gen_cert pki[2];
    char *trust = NULL;
    int port = 0;
    /* Server precedence: ECDHE-RSA-DES-CBC3-SHA first (CloudFront does not
     * offer it), then ECDHE-RSA-AES128-SHA, DES-CBC3-SHA, AES128-SHA. */
    od_lab_server *srv = it_one_cert_origin(dir, ORIGIN, OD_KEY_RSA2048,
                                            "NONE:+VERS-TLS1.2:+ECDHE-RSA:+RSA:+3DES-CBC:+AES-128-CBC:+SHA1:+SIGN-ALL:"
                                            "+CTYPE-X509:+GROUP-ALL:%SERVER_PRECEDENCE", pki, &trust, &port);
    CHECK(srv != NULL);
    if (srv) {
        it_result res;
        cJSON *j = run(port, trust, &res);
        CHECK_MSG(j != NULL, "no JSON report: %s", res.err ? res.err : "");
        size_t checked = 0;
        const cJSON *h;
        cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(j, "handshakes")) {
            const cJSON *p = cJSON_GetObjectItemCaseSensitive(h, "purpose");
            const cJSON *c = cJSON_GetObjectItemCaseSensitive(h, "cipher");
            if (!cJSON_IsString(p) || strcmp(p->valuestring, "cloudfront") != 0)
                continue;
            checked++;
            CHECK_MSG(cJSON_IsString(c) && strstr(c->valuestring, "ECDHE_RSA") && strstr(c->valuestring, "AES_128_CBC") &&
                          !strstr(c->valuestring, "3DES"),
                      "CloudFront's offer got %s, CloudFront would get ECDHE-RSA-AES128-SHA",
                      cJSON_IsString(c) ? c->valuestring : "no suite");
        }
        CHECK_MSG(checked == 2, "%zu handshakes labelled cloudfront", checked);
        cJSON_Delete(j);
        it_result_free(&res);
    }
    it_one_cert_origin_end(srv, pki, dir, trust);
}

int main(int argc, char **argv)
{
    bin = it_bin_arg(argc, argv);
    test_client_hello();
    test_origin_pick();
    return check_done("cloudfront_hello");
}
