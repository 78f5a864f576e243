/* Issue 10, origin mutual TLS, against openssl s_server on 127.0.0.1 as a
 * third-party witness: it requires a client certificate from its client
 * CA (-Verify 1 -verify_return_error -CAfile). Certificates are made here.
 *  - --client-cert from that CA: handshakes complete with our certificate
 *    sent, no client-certificate finding, exit 0, complete;
 *  - from another CA: TLS_CLIENT_CERT_NOT_ACCEPTED, exit 1, status 502,
 *    and its reproduce command (with -cert/-key) shows the refusal;
 *  - --origin-mtls without a certificate: no TLS_CLIENT_CERT_REQUIRED, the
 *    report says the check could not be made (complete: false);
 *  - the paths come back from the report (--open), the key's bytes never;
 *  - bad flags exit 2 before any connection is made. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "itest.h"
#include "od_certgen.h"

#define ORIGIN "mtls.example.test"

static const char *bin;
static char *dir;

static char *path_of(const char *name)
{
    return od_xasprintf("%s/%s", dir, name);
}

/* Writes one certificate (and its key when key_name) into dir. */
static bool write_pair(const od_gen_cert *c, const char *cert_name, const char *key_name)
{
    char *cp = path_of(cert_name);
    const od_gen_cert *one[1] = {c};
    bool ok = od_gen_write_pem_chain(cp, one, 1) == 0;
    free(cp);
    if (ok && key_name) {
        char *kp = path_of(key_name);
        char *pem = od_gen_key_pem(c);
        ok = pem && od_write_file_atomic(kp, pem, strlen(pem), false) == 0;
        free(pem);
        free(kp);
    }
    return ok;
}

static bool make_pki(void)
{
    od_gen_cert server_ca = {0}, leaf = {0}, client_ca = {0}, good = {0}, other_ca = {0}, bad = {0};
    od_gen_spec ca_spec = {.dn = "CN=mtls test server root", .is_ca = true, .key = OD_KEY_ECDSA_P256};
    const char *names[] = {ORIGIN, NULL};
    od_gen_spec leaf_spec = {.dn = "CN=" ORIGIN, .san_dns = names, .key = OD_KEY_ECDSA_P256};
    od_gen_spec cca_spec = {.dn = "CN=mtls test client CA", .is_ca = true, .key = OD_KEY_ECDSA_P256};
    od_gen_spec oca_spec = {.dn = "CN=another client CA", .is_ca = true, .key = OD_KEY_ECDSA_P256};
    od_gen_spec client_spec = {.dn = "CN=cloudfront origin mtls test", .key = OD_KEY_ECDSA_P256, .client_auth = true};
    bool ok = od_gen_cert_make(&ca_spec, NULL, &server_ca) == 0 && od_gen_cert_make(&leaf_spec, &server_ca, &leaf) == 0 &&
              od_gen_cert_make(&cca_spec, NULL, &client_ca) == 0 && od_gen_cert_make(&client_spec, &client_ca, &good) == 0 &&
              od_gen_cert_make(&oca_spec, NULL, &other_ca) == 0 && od_gen_cert_make(&client_spec, &other_ca, &bad) == 0;
    ok = ok && write_pair(&server_ca, "root.pem", NULL) && write_pair(&leaf, "leaf.pem", "leaf.key") &&
         write_pair(&client_ca, "client-ca.pem", NULL) && write_pair(&good, "good.pem", "good.key") &&
         write_pair(&bad, "bad.pem", "bad.key");
    od_gen_cert *all[] = {&server_ca, &leaf, &client_ca, &good, &other_ca, &bad};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        od_gen_cert_free(all[i]);
    return ok;
}

/* A listening socket on 127.0.0.1 (non-blocking), its port in *port. */
static int listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 16) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static bool port_answers(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* openssl s_server requiring a client certificate from client-ca.pem. */
static pid_t start_s_server(int *port)
{
    int fd = listener(port);   /* a free port, released for s_server */
    if (fd < 0)
        return -1;
    close(fd);
    char *accept = od_xasprintf("127.0.0.1:%d", *port);
    char *cert = path_of("leaf.pem"), *key = path_of("leaf.key"), *ca = path_of("client-ca.pem");
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        execlp("openssl", "openssl", "s_server", "-quiet", "-www", "-accept", accept, "-cert", cert, "-key", key,
               "-Verify", "1", "-verify_return_error", "-CAfile", ca, (char *)NULL);
        _exit(127);
    }
    free(accept);
    free(cert);
    free(key);
    free(ca);
    for (int i = 0; pid > 0 && i < 100 && !port_answers(*port); i++)
        usleep(100 * 1000);
    return pid;
}

static void base_args(od_strlist *args, int port)
{
    od_strlist_init(args);
    od_strlist_add(args, "--batch");
    od_strlist_add_owned(args, od_xasprintf("--https-port=%d", port));
    od_strlist_add_owned(args, od_xasprintf("--resolve=%s:%d:127.0.0.1", ORIGIN, port));
    od_strlist_add_owned(args, od_xasprintf("--trust-store=%s/root.pem", dir));
    od_strlist_add(args, "--timeout=5");
    od_strlist_add(args, "--get");   /* s_server -www answers GET only; a HEAD would wait for the timeout */
}

static cJSON *run_json(od_strlist *args, const char *name, it_result *res)
{
    char *json = od_xasprintf("%s/%s.json", dir, name);
    od_strlist_add_owned(args, od_xasprintf("--json=%s", json));
    od_strlist_add(args, ORIGIN);
    it_run(bin, args, NULL, 120, res);
    cJSON *j = it_load_json(json);
    free(json);
    return j;
}

static const cJSON *verdict_item(const cJSON *j, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "verdict"), key);
}

/* How many handshakes with SNI ended in outcome with our certificate sent. */
static int handshakes_with(const cJSON *j, const char *outcome, bool sent)
{
    int n = 0;
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(j, "handshakes"))
    {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(h, "outcome");
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(h, "client_cert_sent");
        const cJSON *sni = cJSON_GetObjectItemCaseSensitive(h, "sni");
        n += cJSON_IsString(o) && strcmp(o->valuestring, outcome) == 0 && cJSON_IsBool(s) &&
             cJSON_IsTrue(s) == sent && cJSON_IsString(sni);
    }
    return n;
}

/* A run presenting NAME.pem with NAME.key: its report (NULL: none, said),
 * after checking the exit code and the fail ids. */
static cJSON *run_with_pair(int port, const char *name, int want_exit, const char *want_fails)
{
    od_strlist args;
    base_args(&args, port);
    od_strlist_add_owned(&args, od_xasprintf("--client-cert=%s/%s.pem", dir, name));
    od_strlist_add_owned(&args, od_xasprintf("--client-key=%s/%s.key", dir, name));
    it_result res;
    cJSON *j = run_json(&args, name, &res);
    CHECK_MSG(res.exit_code == want_exit, "%s: exit %d: %s", name, res.exit_code, res.err);
    CHECK_MSG(j != NULL, "%s: no JSON report", name);
    char *fails = j ? it_ids_with_severity(j, "fail") : NULL;
    CHECK_MSG(!j || strcmp(fails, want_fails) == 0, "%s: fail ids \"%s\"", name, fails);
    free(fails);
    it_result_free(&res);
    od_strlist_free(&args);
    return j;
}

static void test_right_certificate(int port)
{
    cJSON *j = run_with_pair(port, "good", 0, "");
    if (j) {
        CHECK(!it_finding(j, "TLS_CLIENT_CERT_REQUIRED") && !it_finding(j, "TLS_CLIENT_CERT_NOT_ACCEPTED") &&
              !it_finding(j, "TLS_CLIENT_CERT_REQUESTED"));
        CHECK_MSG(handshakes_with(j, "ok", true) >= 1, "right certificate: no completed handshake with it sent");
        CHECK(cJSON_IsTrue(verdict_item(j, "complete")));
        CHECK(it_finding(j, "TLS_OK") != NULL);
        const cJSON *in = cJSON_GetObjectItemCaseSensitive(j, "input");
        CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "origin_mtls")));
        cJSON_Delete(j);
    }
}

/* The refusal, and its reproduce command run against the same origin. */
static void test_wrong_ca(int port)
{
    cJSON *j = run_with_pair(port, "bad", 1, "TLS_CLIENT_CERT_NOT_ACCEPTED");
    if (j) {
        const cJSON *st = verdict_item(j, "cloudfront_status");
        CHECK_MSG(cJSON_IsNumber(st) && st->valueint == 502, "wrong CA: verdict status not 502");
        const cJSON *f = it_finding(j, "TLS_CLIENT_CERT_NOT_ACCEPTED");
        const cJSON *fst = cJSON_GetObjectItemCaseSensitive(f, "cloudfront_status");
        CHECK(cJSON_IsNumber(fst) && fst->valueint == 502);
        CHECK_MSG(handshakes_with(j, "client_cert_refused", true) >= 1, "wrong CA: no refused handshake");
        const cJSON *rep = cJSON_GetObjectItemCaseSensitive(f, "reproduce");
        CHECK_MSG(cJSON_IsString(rep) && strstr(rep->valuestring, "-cert ") && strstr(rep->valuestring, "-key "),
                  "wrong CA: reproduce without -cert/-key");
        if (cJSON_IsString(rep)) {
            char *out = it_shell_output(rep->valuestring, 30);
            CHECK_MSG(strstr(out, "alert unknown ca"), "the command does not show the refusal: %s\n%s",
                      rep->valuestring, out);
            free(out);
        }
        cJSON_Delete(j);
    }

    /* reopened, the report keeps the paths (and never the key's bytes) */
    char *json = path_of("bad.json"), *again = path_of("bad-again.json");
    od_strlist open;
    od_strlist_init(&open);
    od_strlist_add(&open, "--batch");
    od_strlist_add_owned(&open, od_xasprintf("--open=%s", json));
    od_strlist_add_owned(&open, od_xasprintf("--json=%s", again));
    it_result ro;
    it_run(bin, &open, NULL, 30, &ro);
    cJSON *back = it_load_json(again);
    CHECK_MSG(back != NULL, "reopened: no JSON (exit %d: %s)", ro.exit_code, ro.err);
    if (back) {
        const cJSON *in = cJSON_GetObjectItemCaseSensitive(back, "input");
        const cJSON *cc = cJSON_GetObjectItemCaseSensitive(in, "client_cert");
        const cJSON *ck = cJSON_GetObjectItemCaseSensitive(in, "client_key");
        char *want_c = path_of("bad.pem"), *want_k = path_of("bad.key");
        CHECK_MSG(cJSON_IsString(cc) && strcmp(cc->valuestring, want_c) == 0, "reopened: input.client_cert lost");
        CHECK_MSG(cJSON_IsString(ck) && strcmp(ck->valuestring, want_k) == 0, "reopened: input.client_key lost");
        free(want_c);
        free(want_k);
        size_t len = 0;
        char *text = od_read_file(again, &len);
        CHECK_MSG(text && !strstr(text, "PRIVATE KEY"), "the report holds the private key");
        free(text);
        cJSON_Delete(back);
    }
    it_result_free(&ro);
    od_strlist_free(&open);
    free(json);
    free(again);
}

static void test_mtls_without_copy(int port)
{
    od_strlist args;
    base_args(&args, port);
    od_strlist_add(&args, "--origin-mtls");
    it_result res;
    cJSON *j = run_json(&args, "nocopy", &res);
    CHECK_MSG(res.exit_code == 0, "--origin-mtls without a copy: exit %d: %s", res.exit_code, res.err);
    if (j) {
        char *fails = it_ids_with_severity(j, "fail");
        CHECK_MSG(strcmp(fails, "") == 0, "--origin-mtls without a copy: fail ids \"%s\"", fails);
        free(fails);
        CHECK_MSG(cJSON_IsFalse(verdict_item(j, "complete")), "--origin-mtls without a copy: complete");
        CHECK(!it_finding(j, "TLS_OK"));
        const cJSON *u = it_finding(j, "CHECK_UNTESTED");
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(u, "detail");
        CHECK_MSG(cJSON_IsString(d) && strstr(d->valuestring, "could not be checked") &&
                      strstr(d->valuestring, "--client-cert"),
                  "--origin-mtls without a copy: the report does not say the check could not be made");
        const cJSON *summary = verdict_item(j, "summary");
        CHECK(cJSON_IsString(summary) && !strstr(summary->valuestring, "No problem found"));
        cJSON_Delete(j);
    } else {
        CHECK_MSG(false, "--origin-mtls without a copy: no JSON report");
    }
    it_result_free(&res);
    od_strlist_free(&args);
}

/* Each bad pair: exit 2, a message naming the flag, and no connection to
 * the origin's port. */
static void test_validation(void)
{
    int port = 0;
    int fd = listener(&port);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    static const struct {
        const char *cert, *key, *says;
    } cases[] = {
        {"missing.pem", "good.key", "--client-cert: cannot read"},
        {"good.pem", "missing.key", "--client-key"},
        {"good.pem", "bad.key", "is not the private key"},
        {"good.key", "good.key", "--client-cert"},
        {"good.pem", NULL, "--client-cert given without --client-key"},
        {NULL, "good.key", "--client-key given without --client-cert"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        od_strlist args;
        base_args(&args, port);
        if (cases[i].cert)
            od_strlist_add_owned(&args, od_xasprintf("--client-cert=%s/%s", dir, cases[i].cert));
        if (cases[i].key)
            od_strlist_add_owned(&args, od_xasprintf("--client-key=%s/%s", dir, cases[i].key));
        od_strlist_add(&args, ORIGIN);
        it_result res;
        it_run(bin, &args, NULL, 30, &res);
        CHECK_MSG(res.exit_code == 2, "case %zu: exit %d", i, res.exit_code);
        CHECK_MSG(res.err && strstr(res.err, cases[i].says), "case %zu: message \"%s\", expected \"%s\"", i,
                  res.err ? res.err : "", cases[i].says);
        int c = accept(fd, NULL, NULL);
        CHECK_MSG(c < 0 && (errno == EAGAIN || errno == EWOULDBLOCK), "case %zu: a connection was made", i);
        if (c >= 0)
            close(c);
        it_result_free(&res);
        od_strlist_free(&args);
    }
    close(fd);
}

int main(int argc, char **argv)
{
    bin = it_bin_arg(argc, argv);
    dir = it_tmpdir();
    CHECK_MSG(make_pki(), "the test PKI could not be made");
    test_validation();
    int port = 0;
    pid_t server = start_s_server(&port);
    CHECK_MSG(server > 0 && port_answers(port), "openssl s_server did not start");
    if (server > 0) {
        test_right_certificate(port);
        test_wrong_ca(port);
        test_mtls_without_copy(port);
        kill(server, SIGTERM);
        waitpid(server, NULL, 0);
    }
    it_rmtree(dir);
    free(dir);
    return check_done("origin_mtls");
}
