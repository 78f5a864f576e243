/* Every reproduce command the tool prints, run against the staged origin
 * it was written for, must show the problem (issue 10: the command for a
 * name mismatch used to end "Verify return code: 0 (ok)").
 *
 * For each lab scenario that serves an origin, the real binary diagnoses
 * it; each fail or warn finding's `reproduce` command is then run by
 * /bin/sh while the origin still runs, and its output must hold what
 * proves that finding (the table below). A finding the labs produce
 * without an entry in the table fails the test: a new finding needs its
 * proof here. `dig` commands ask a DNS server started here (dns_stub.py)
 * that serves the scenario's pinned names and addresses, in place of the
 * engineer's resolver. OD_REPRO_SHOW=1 prints every command and output. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "check.h"
#include "itest.h"
#include "od_lab.h"

static const char *bin;
static bool show;

/* What the command's output must hold for each id: one of `any` (OpenSSL,
 * curl and nc word the same failure differently across versions and TLS
 * versions) and, when given, one of `also`. */
static const struct {
    const char *id;
    const char *any[4];
    const char *also[4];
} proof[] = {
    {.id = "CERT_NAME_MISMATCH", .any = {"hostname mismatch"}},
    {.id = "CERT_EXPIRED", .any = {"certificate has expired"}},
    {.id = "CERT_NOT_YET_VALID", .any = {"certificate is not yet valid"}},
    {.id = "CERT_SELF_SIGNED", .any = {"self-signed certificate", "self signed certificate"}},
    /* the commands verify against the trust store the diagnosis used, so
     * these errors are the chain's own, not a missing -CAfile */
    {.id = "CERT_UNTRUSTED_ROOT",
     .any = {"self-signed certificate in certificate chain", "self signed certificate in certificate chain"}},
    {.id = "CHAIN_INCOMPLETE", .any = {"unable to verify the first certificate", "unable to get local issuer certificate"}},
    {.id = "CHAIN_WRONG_ORDER", .any = {NULL}},   /* shown by the order of the listing: see wrong_order_shown */
    {.id = "TLS_NO_SHARED_CIPHER", .any = {"alert handshake failure", "no shared cipher", "no ciphers available"}},
    {.id = "TLS_NO_SHARED_PROTOCOL",
     .any = {"alert protocol version", "unsupported protocol", "no protocols available", "wrong version number"}},
    /* the origin asked for a certificate, and ended the handshake without one */
    {.id = "TLS_CLIENT_CERT_REQUIRED", .any = {"Client Certificate Types", "Acceptable client certificate CA names"},
     .also = {"SSL alert number", "certificate required"}},
    /* origin mTLS: the copy of the distribution's certificate sent, then
     * refused (GnuTLS says bad_certificate, OpenSSL unknown_ca) */
    {.id = "TLS_CLIENT_CERT_NOT_ACCEPTED",
     .any = {"alert bad certificate", "alert unknown ca", "alert certificate unknown", "alert access denied"},
     .also = {"Acceptable client certificate CA names", "Client Certificate Types"}},
    {.id = "TLS_NOT_SPOKEN", .any = {"wrong version number", "packet length too long"}},
    {.id = "ORIGIN_HTTPS_NOT_SUPPORTED", .any = {"wrong version number", "packet length too long"}},
    {.id = "TLS_HANDSHAKE_TIMEOUT", .any = {"no TLS handshake within"}},
    {.id = "PORT_REFUSED", .any = {"Connection refused", "refused"}},
    {.id = "PORT_TIMEOUT", .any = {"timed out", "Operation now in progress"}},
    {.id = "HTTP_NO_RESPONSE", .any = {"Operation timed out", "timed out", "Empty reply from server"}},
    {.id = "HTTP_SERVER_ERROR", .any = {"< HTTP/1.1 5", "< HTTP/1.0 5"}},
    {.id = "HTTP_CLIENT_ERROR", .any = {"< HTTP/1.1 4", "< HTTP/1.0 4"}},
    {.id = "CERT_EXPIRES_SOON", .any = {"NotAfter:"}},
    {.id = "DNS_NO_ADDRESS_OF_TYPE", .any = {"ANSWER: 0,"}},
    /* the staged origins (staged_origins below) */
    {.id = "HTTP_MALFORMED_RESPONSE", .any = {"Unsupported response code", "Unsupported HTTP", "Invalid status line", "Weird server reply"}},
    {.id = "TLS_HANDSHAKE_FAILED", .any = {"decode error", "length mismatch", "bad packet", "record layer failure"}},
    {.id = "CHAIN_HAS_ROOT", .any = {NULL}},   /* shown by the listing: see root_sent_shown */
    {.id = "CERT_WEAK_KEY_OR_SIGNATURE", .any = {"key too weak", "key too small", "md too weak"}},
    /* the endpoint's own refusal of a foreign Host */
    {.id = "HOST_FORWARDED_TO_AWS_ENDPOINT", .any = {"403"}},
};

static bool any_in(const char *out, const char *const *any)
{
    for (size_t k = 0; k < 4 && any[k]; k++)
        if (strstr(out, any[k]))
            return true;
    return false;
}

/* `openssl s_client -showcerts` lists " 0 s:SUBJECT" / "   i:ISSUER" per
 * certificate: the order is wrong when certificate 1 is not the issuer of
 * certificate 0. */
static bool wrong_order_shown(const char *out)
{
    const char *i0 = strstr(out, " 0 s:");
    i0 = i0 ? strstr(i0, "   i:") : NULL;
    const char *s1 = i0 ? strstr(i0, " 1 s:") : NULL;
    if (!i0 || !s1)
        return false;
    i0 += 5;
    s1 += 5;
    size_t n0 = strcspn(i0, "\n");
    size_t n1 = strcspn(s1, "\n");
    return n0 != n1 || strncmp(i0, s1, n0) != 0;
}

/* The last certificate listed is self-issued (" N s:X" then "   i:X"):
 * the root went on the wire. */
static bool root_sent_shown(const char *out)
{
    const char *last = NULL;
    for (const char *p = strstr(out, " s:"); p; p = strstr(p + 1, " s:"))
        if (p > out && p[-1] >= '0' && p[-1] <= '9')
            last = p;
    const char *i = last ? strstr(last, "   i:") : NULL;
    if (!i || i - last > 4096)
        return false;
    last += 3;
    i += 5;
    size_t ns = strcspn(last, "\n"), ni = strcspn(i, "\n");
    return ns == ni && strncmp(last, i, ns) == 0;
}

static bool shows(const char *id, const char *out, bool *known)
{
    for (size_t i = 0; i < sizeof proof / sizeof proof[0]; i++) {
        if (strcmp(proof[i].id, id) != 0)
            continue;
        *known = true;
        if (strcmp(id, "CHAIN_WRONG_ORDER") == 0)
            return wrong_order_shown(out);
        if (strcmp(id, "CHAIN_HAS_ROOT") == 0)
            return root_sent_shown(out);
        return any_in(out, proof[i].any) && (!proof[i].also[0] || any_in(out, proof[i].also));
    }
    *known = false;
    return false;
}

/* Starts dns_stub.py with the case's --resolve entries; its port, or 0. */
static int dns_stub_start(const od_case *c, pid_t *pid)
{
    const char *src = getenv("OD_SOURCE_DIR");
    int fds[2];
    if (!src || pipe(fds) != 0)
        return 0;
    char *script = od_xasprintf("%s/tests/integration/dns_stub.py", src);
    char **argv = od_xmalloc((c->n_resolve + 3) * sizeof *argv);
    size_t n = 0;
    argv[n++] = "python3";
    argv[n++] = script;
    for (size_t i = 0; i < c->n_resolve; i++)
        argv[n++] = od_xasprintf("%s=%s", c->resolve[i].host, c->resolve[i].address);
    argv[n] = NULL;
    *pid = fork();
    if (*pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execvp("python3", argv);
        _exit(127);
    }
    close(fds[1]);
    /* the port line, read whole even if it comes in pieces or a signal interrupts */
    char buf[16] = {0};
    size_t got = 0;
    while (*pid > 0 && got < sizeof buf - 1 && !strchr(buf, '\n')) {
        ssize_t k = read(fds[0], buf + got, sizeof buf - 1 - got);
        if (k > 0)
            got += (size_t)k;
        else if (k == 0 || errno != EINTR)
            break;
    }
    close(fds[0]);
    for (size_t i = 2; i < n; i++)
        free(argv[i]);
    free(argv);
    free(script);
    return got > 0 ? atoi(buf) : 0;
}

/* Ends a child this test started (the DNS stub, a raw origin). */
static void child_stop(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
}

/* Runs each fail/warn finding's command, and `also`'s whatever its
 * severity (CHAIN_HAS_ROOT is info); *also_ran: `also` was among them. */
static size_t run_commands(const char *scenario, const cJSON *report, int dns_port, const char *also, bool *also_ran)
{
    size_t ran = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(report, "findings"))
    {
        const cJSON *sev = cJSON_GetObjectItemCaseSensitive(f, "severity");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "id");
        const cJSON *rep = cJSON_GetObjectItemCaseSensitive(f, "reproduce");
        if (!cJSON_IsString(sev) || !cJSON_IsString(id))
            continue;
        bool wanted = also && strcmp(id->valuestring, also) == 0;
        if (!wanted && strcmp(sev->valuestring, "fail") != 0 && strcmp(sev->valuestring, "warn") != 0)
            continue;
        if (strcmp(id->valuestring, "VANTAGE_POINT") == 0)
            continue;   /* an AWS CLI command about this machine, not the origin */
        CHECK_MSG(cJSON_IsString(rep) && rep->valuestring[0], "%s: %s has no reproduce command", scenario,
                  id->valuestring);
        if (!cJSON_IsString(rep))
            continue;
        /* dig asks the test's DNS stub, which serves the lab's names */
        char *cmd = strncmp(rep->valuestring, "dig ", 4) == 0
                        ? od_xasprintf("(dig @127.0.0.1 -p %d %s)", dns_port, rep->valuestring + 4)
                        : od_xasprintf("(%s)", rep->valuestring);
        char *out = it_shell_output(cmd, 60);
        free(cmd);
        if (show)
            fprintf(stderr, "=== %s %s\n$ %s\n%s\n", scenario, id->valuestring, rep->valuestring, out);
        bool known;
        bool ok = shows(id->valuestring, out, &known);
        CHECK_MSG(known, "%s: %s has no proof in test_reproduce's table (add what its command shows)", scenario,
                  id->valuestring);
        CHECK_MSG(!known || ok, "%s: the %s command does not show the problem:\n$ %s\n%s", scenario,
                  id->valuestring, rep->valuestring, out);
        ran++;
        if (wanted && also_ran)
            *also_ran = true;
        free(out);
    }
    return ran;
}

/* ---- Origins no lab scenario stages, started here for one finding each ---- */

/* A plain TCP origin on 127.0.0.1 (a child process) that answers each
 * connection's first bytes with `answer` and closes: a bad HTTP status
 * line, or a TLS alert in reply to the ClientHello. Its pid, or -1. */
static pid_t raw_origin_start(const char *answer, size_t len, int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    pid_t pid = fork();
    if (pid == 0) {
        for (;;) {
            int c = accept(fd, NULL, NULL);
            if (c < 0)
                continue;
            char buf[4096];
            if (read(c, buf, sizeof buf) > 0 && write(c, answer, len) < 0)
                perror("raw origin: write");
            close(c);
        }
    }
    close(fd);
    return pid;
}

/* Diagnoses origin (pinned to 127.0.0.1:port), checks `want` is raised
 * and runs its command (with every other fail/warn one) while the origin
 * still runs. */
static size_t staged_run(const char *label, const char *want, const char *origin, int port,
                         const char *const *extra)
{
    it_result res;
    cJSON *j = it_run_json(bin, origin, port, extra, &res);
    CHECK_MSG(j != NULL, "%s: no JSON report (exit %d): %s", label, res.exit_code, res.err);
    const cJSON *f = j ? it_finding(j, want) : NULL;
    char *fails = j ? it_ids_with_severity(j, "fail") : NULL, *warns = j ? it_ids_with_severity(j, "warn") : NULL;
    CHECK_MSG(f != NULL, "%s: the staged origin does not raise %s (fail: %s; warn: %s)", label, want,
              fails ? fails : "?", warns ? warns : "?");
    free(fails);
    free(warns);
    size_t ran = 0;
    if (f) {
        od_case c;
        od_case_init(&c);
        char *pin = od_xasprintf("%s:%d:127.0.0.1", origin, port);
        char *perr = od_parse_resolve(pin, &c.resolve, &c.n_resolve);
        CHECK_MSG(perr == NULL, "%s: %s", pin, perr ? perr : "");
        free(perr);
        free(pin);
        pid_t dns = 0;
        int dns_port = dns_stub_start(&c, &dns);
        CHECK_MSG(dns_port > 0, "%s: the DNS stub did not start", label);
        bool want_ran = false;
        ran = run_commands(label, j, dns_port, want, &want_ran);
        CHECK_MSG(want_ran, "%s: the %s command did not run", label, want);
        child_stop(dns);
        od_case_free(&c);
    }
    cJSON_Delete(j);
    it_result_free(&res);
    return ran;
}

/* A TLS origin from it_cert_origin for `name`, diagnosed with its trust store. */
static size_t staged_tls(const char *want, const char *name, od_keykind key, const od_lab_config *base,
                         bool send_root, const char *const *extra)
{
    od_gen_cert pki[2];
    char *trust = NULL;
    int port = 0;
    char *dir = it_tmpdir();
    od_lab_server *srv = it_cert_origin(dir, name, key, base, send_root, pki, &trust, &port);
    CHECK_MSG(srv != NULL, "%s: the origin did not start", want);
    size_t ran = 0;
    if (srv) {
        char *ts = od_xasprintf("--trust-store=%s", trust);
        const char *args[8] = {ts};
        for (size_t i = 0; extra && extra[i] && i < 6; i++)
            args[i + 1] = extra[i];
        ran = staged_run(want, want, name, port, args);
        free(ts);
    }
    it_one_cert_origin_end(srv, pki, dir, trust);
    return ran;
}

static size_t staged_raw(const char *want, const char *answer, size_t len, bool http)
{
    int port = 0;
    pid_t pid = raw_origin_start(answer, len, &port);
    CHECK_MSG(pid > 0, "%s: the raw origin did not start", want);
    if (pid <= 0)
        return 0;
    char *hp = od_xasprintf("--http-port=%d", port);
    const char *http_only[] = {"--protocol-policy=http-only", hp, NULL};
    size_t ran = staged_run(want, want, "raw.origin.test", port, http ? http_only : NULL);
    free(hp);
    child_stop(pid);
    return ran;
}

/* Findings no lab scenario raises, each from an origin staged here.
 * Not staged on loopback, and why:
 *  - DNS_LOOKUP_FAILED, DNS_NO_ADDRESS_OF_TYPE for a real name: need a
 *    broken or empty resolver for a name the test cannot pin (the labs'
 *    AAAA-only scenario covers the latter through the DNS stub);
 *  - TLS_PROTOCOL_PARTIAL, TLS_CIPHER_PARTIAL: raised only when this
 *    machine cannot test some protocol or suite CloudFront uses; the
 *    GnuTLS here tests them all, so a loopback origin refusing them gets
 *    the proven TLS_NO_SHARED_PROTOCOL / TLS_NO_SHARED_CIPHER (staged by
 *    the labs, same rl_sclient command);
 *  - ORIGIN_IS_IP_ADDRESS: CloudFront refuses the setting itself (a
 *    custom origin needs a DNS name); no answer from an origin shows
 *    that, so its s_client command only shows the origin as reached
 *    without SNI, and there is nothing in its output to check;
 *  - VANTAGE_POINT: an AWS CLI command about this machine, not the origin. */
static size_t staged_origins(void)
{
    size_t ran = 0;
    /* a status line CloudFront cannot parse */
    static const char bad_status[] = "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n";
    ran += staged_raw("HTTP_MALFORMED_RESPONSE", bad_status, sizeof bad_status - 1, true);
    /* an empty ServerHello in reply to every ClientHello: no client can go on */
    static const char hello[] = {0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00};
    ran += staged_raw("TLS_HANDSHAKE_FAILED", hello, sizeof hello, false);
    ran += staged_tls("CHAIN_HAS_ROOT", "root.origin.test", OD_KEY_ECDSA_P256, NULL, true, NULL);
    ran += staged_tls("CERT_WEAK_KEY_OR_SIGNATURE", "weak.origin.test", OD_KEY_RSA1024, NULL, false, NULL);
    /* API Gateway answers 403 to a Host that is not its own */
    const char *api = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com";
    od_lab_config own_host = {.required_header = "Host: a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"};
    const char *forward[] = {"--forward-host", "--cname", "api.example.com", NULL};
    ran += staged_tls("HOST_FORWARDED_TO_AWS_ENDPOINT", api, OD_KEY_ECDSA_P256, &own_host, false, forward);
    return ran;
}

int main(int argc, char **argv)
{
    bin = it_bin_arg(argc, argv);
    show = getenv("OD_REPRO_SHOW") != NULL;
    char *dir = it_tmpdir();
    size_t n;
    const od_lab_scenario *s = od_lab_scenarios(&n);
    size_t ran = 0;
    for (size_t i = 0; i < n; i++) {
        od_case c;
        od_case_init(&c);
        char *err = NULL;
        od_lab *lab = od_lab_start(s[i].name, &c, &err);
        CHECK_MSG(lab != NULL, "%s: lab did not start: %s", s[i].name, err ? err : "?");
        free(err);
        if (lab && !od_lab_bundle(lab, NULL, NULL)) {   /* bundle scenarios: test_bundle runs their commands */
            char *json = od_xasprintf("%s/%s.json", dir, s[i].name);
            od_strlist args;
            od_strlist_init(&args);
            it_case_args(&c, &args);
            od_strlist_add_owned(&args, od_xasprintf("--json=%s", json));
            it_result res;
            it_run(bin, &args, NULL, 60, &res);
            cJSON *j = it_load_json(json);
            CHECK_MSG(j != NULL, "%s: no JSON report (exit %d): %s", s[i].name, res.exit_code, res.err);
            pid_t dns = 0;
            int dns_port = dns_stub_start(&c, &dns);
            CHECK_MSG(dns_port > 0, "%s: the DNS stub did not start", s[i].name);
            if (j)
                ran += run_commands(s[i].name, j, dns_port, NULL, NULL);
            child_stop(dns);
            cJSON_Delete(j);
            it_result_free(&res);
            od_strlist_free(&args);
            free(json);
        }
        od_lab_stop(lab);
        od_case_free(&c);
    }
    /* the labs stage at least this many failing findings: a table that
     * quietly ran nothing would prove nothing */
    CHECK_MSG(ran >= 15, "only %zu reproduce commands ran", ran);
    staged_origins();
    it_rmtree(dir);
    free(dir);
    return check_done("reproduce");
}
