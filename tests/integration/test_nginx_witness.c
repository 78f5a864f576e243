/* A real third-party server as the witness for chain order: nginx sends
 * `ssl_certificate` exactly in file order (gnutls-notes.md, section 1),
 * so wrong order, missing intermediate and an included root are staged
 * the way customers' origins stage them. nginx listens on 127.0.0.1 only. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "check.h"
#include "itest.h"
#include "od_certgen.h"

#define ORIGIN "shop.example.test"

typedef struct {
    const char *name;
    int order[4];       /* indexes into {leaf, ica2, ica1, root}; -1 ends */
    const char *expect_fail;
    const char *expect_info;   /* must be present among info findings ("" for none required) */
    const char *expect_warn;   /* must be present among warn findings ("" for none required) */
    const char *extra;         /* more nginx directives for the server block */
    int key;                   /* whose private key nginx serves (index as in order): the first one sent's */
    int path[4];               /* when path[0] >= 0: CHAIN_WRONG_ORDER's path_positions, -1 ends */
} chain_case;

static const chain_case cases[] = {
    {"healthy", {0, 1, 2, -1}, "", "", "", "", 0, {-1}},
    {"wrong-order", {0, 2, 1, -1}, "CHAIN_WRONG_ORDER", "", "", "", 0, {-1}},
    {"missing-intermediate", {0, 1, -1, -1}, "CHAIN_INCOMPLETE", "", "", "", 0, {-1}},
    {"root-included", {0, 1, 2, 3}, "", "CHAIN_HAS_ROOT", "", "", 0, {-1}},
    /* TLS 1.2 with ssl_verify_client on: the handshake completes without a
     * certificate and nginx answers 400: not a 502, but worth a warning */
    {"client-cert-requested", {0, 1, 2, -1}, "", "", "TLS_CLIENT_CERT_REQUESTED",
     "ssl_verify_client on; ssl_client_certificate ROOT;", 0, {-1}},
    /* Reversed: the intermediate first, with its own key (nginx insists
     * the key matches the first certificate), the leaf after it. The
     * handshake fails on our side (a CA certificate served as the
     * origin's own); the chain it carried still names the cause. */
    {"reversed", {2, 1, 0, -1}, "CERT_NAME_MISMATCH CHAIN_WRONG_ORDER", "", "", "", 2, {2, 1, 0, -1}},
    /* [ICA2, leaf]: reversed, and ICA2's own issuer is not sent */
    {"reversed-short", {1, 0, -1, -1}, "CERT_NAME_MISMATCH CHAIN_INCOMPLETE CHAIN_WRONG_ORDER", "", "", "", 1,
     {1, 0, -1, -1}},
    {"reversed-with-root", {3, 2, 1, 0}, "CERT_NAME_MISMATCH CHAIN_WRONG_ORDER", "", "", "", 3, {3, 2, 1, 0}},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* Origins that refuse every suite CloudFront offers. Whether they refuse
 * every client too decides what the fix says first. */
typedef struct {
    const char *name;
    bool ecdsa_ca_first;   /* an ECDSA intermediate first, with its key; else the healthy RSA chain */
    const char *extra;     /* more nginx directives for the server block */
    bool every_offer;      /* the broad offers are refused too */
} refusal_case;

static const refusal_case refusals[] = {
    /* OpenSSL will not sign a handshake with an ECDSA CA certificate (its
     * key usage lacks digitalSignature): every suite is refused, to every
     * client, before any certificate is sent. */
    {"ecdsa-ca-first", true, "", true},
    /* An RSA certificate and only ECDSA suites: the same to every client. */
    {"rsa-with-ecdsa-suites", false, "ssl_protocols TLSv1.2; ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256;", true},
    /* Only a suite CloudFront does not offer: the broad offer gets it. */
    {"chacha-only", false, "ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-CHACHA20-POLY1305;", false},
};
#define N_REFUSALS (sizeof refusals / sizeof refusals[0])

/* One nginx server block for ORIGIN on 127.0.0.1:port. */
static void add_server(od_buf *conf, int port, const char *chain, const char *key, const char *extra)
{
    od_buf_printf(conf,
                  " server { listen 127.0.0.1:%d ssl; server_name " ORIGIN ";\n"
                  "  ssl_certificate %s; ssl_certificate_key %s; %s\n"
                  "  location / { return 200 \"ok\\n\"; } }\n",
                  port, chain, key, extra);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static bool port_ready(int port)
{
    for (int i = 0; i < 100; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

static const char *find_nginx(void)
{
    static const char *const paths[] = {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
}

int main(int argc, char **argv)
{
    const char *bin = it_bin_arg(argc, argv);
    const char *nginx = find_nginx();
    /* nginx is installed by ./dev: its absence is a failure, not a skip. */
    CHECK_MSG(nginx != NULL, "nginx is not installed (./dev installs nginx-light)");
    if (!nginx)
        return check_done("nginx_witness");
    char *dir = it_tmpdir();

    od_gen_cert root, ica1, ica2, leaf;
    const char *const sans[] = {ORIGIN, NULL};
    /* RSA CAs: OpenSSL (nginx) serves an RSA CA certificate as its own
     * when told to (the reversed cases), but refuses an ECDSA one whose key
     * usage lacks digitalSignature (no shared cipher, another story). */
    od_gen_spec rs = {.dn = "CN=Witness Root CA,O=origin-doctor tests", .is_ca = true, .key = OD_KEY_RSA2048};
    od_gen_spec i1 = {.dn = "CN=Witness ICA1,O=origin-doctor tests", .is_ca = true, .key = OD_KEY_RSA2048};
    od_gen_spec i2 = {.dn = "CN=Witness ICA2,O=origin-doctor tests", .is_ca = true, .key = OD_KEY_RSA2048};
    od_gen_spec ls = {.dn = "CN=" ORIGIN ",O=origin-doctor tests", .san_dns = sans, .key = OD_KEY_RSA2048};
    CHECK(od_gen_cert_make(&rs, NULL, &root) == 0);
    CHECK(od_gen_cert_make(&i1, &root, &ica1) == 0);
    CHECK(od_gen_cert_make(&i2, &ica1, &ica2) == 0);
    CHECK(od_gen_cert_make(&ls, &ica2, &leaf) == 0);
    const od_gen_cert *all[4] = {&leaf, &ica2, &ica1, &root};
    /* ECDSA: root -> intermediate -> leaf, served intermediate first */
    od_gen_cert eroot, eica, eleaf;
    od_gen_spec ers = {.dn = "CN=Witness EC Root CA,O=origin-doctor tests", .is_ca = true, .key = OD_KEY_ECDSA_P256};
    od_gen_spec eis = {.dn = "CN=Witness EC ICA,O=origin-doctor tests", .is_ca = true, .key = OD_KEY_ECDSA_P256};
    od_gen_spec els = {.dn = "CN=" ORIGIN ",O=origin-doctor tests", .san_dns = sans, .key = OD_KEY_ECDSA_P256};
    CHECK(od_gen_cert_make(&ers, NULL, &eroot) == 0);
    CHECK(od_gen_cert_make(&eis, &eroot, &eica) == 0);
    CHECK(od_gen_cert_make(&els, &eica, &eleaf) == 0);
    char *ec_chain = od_xasprintf("%s/ecdsa-ca-first.pem", dir);
    const od_gen_cert *ec_sent[2] = {&eica, &eleaf};
    CHECK(od_gen_write_pem_chain(ec_chain, ec_sent, 2) == 0);
    char *ec_key = od_xasprintf("%s/ecdsa-ica-key.pem", dir);
    char *ec_key_pem = od_gen_key_pem(&eica);
    CHECK(od_write_file_atomic(ec_key, ec_key_pem, strlen(ec_key_pem), true) == 0);
    free(ec_key_pem);
    char *rsa_chain = od_xasprintf("%s/healthy.pem", dir);   /* written by the healthy case below */

    char *root_pem = od_xasprintf("%s/root.pem", dir);
    const od_gen_cert *roots[1] = {&root};
    CHECK(od_gen_write_pem_chain(root_pem, roots, 1) == 0);
    char *key_paths[4];
    for (size_t k = 0; k < 4; k++) {
        key_paths[k] = od_xasprintf("%s/key%zu.pem", dir, k);
        char *key_pem = od_gen_key_pem(all[k]);
        CHECK(od_write_file_atomic(key_paths[k], key_pem, strlen(key_pem), true) == 0);
        free(key_pem);
    }

    od_buf conf;
    od_buf_init(&conf);
    od_buf_printf(&conf,
                  "daemon off;\nmaster_process off;\nworker_processes 1;\nerror_log %s/error.log;\npid %s/nginx.pid;\n"
                  "events { worker_connections 64; }\nhttp {\n access_log off;\n"
                  " client_body_temp_path %s; proxy_temp_path %s; fastcgi_temp_path %s; uwsgi_temp_path %s;"
                  " scgi_temp_path %s;\n",
                  dir, dir, dir, dir, dir, dir, dir);
    int ports[N_CASES];
    for (size_t i = 0; i < N_CASES; i++) {
        const od_gen_cert *chain[4];
        size_t n = 0;
        for (size_t k = 0; k < 4 && cases[i].order[k] >= 0; k++)
            chain[n++] = all[cases[i].order[k]];
        char *chain_path = od_xasprintf("%s/%s.pem", dir, cases[i].name);
        CHECK(od_gen_write_pem_chain(chain_path, chain, n) == 0);
        ports[i] = free_port();
        /* ROOT in the extra directives stands for the test root's file */
        char *extra = od_xstrdup(cases[i].extra);
        char *root_at = strstr(extra, "ROOT");
        if (root_at) {
            *root_at = '\0';
            char *e = od_xasprintf("%s%s%s", extra, root_pem, root_at + 4);
            free(extra);
            extra = e;
        }
        add_server(&conf, ports[i], chain_path, key_paths[cases[i].key], extra);
        free(extra);
        free(chain_path);
    }
    int refusal_ports[N_REFUSALS];
    for (size_t i = 0; i < N_REFUSALS; i++) {
        refusal_ports[i] = free_port();
        add_server(&conf, refusal_ports[i], refusals[i].ecdsa_ca_first ? ec_chain : rsa_chain,
                   refusals[i].ecdsa_ca_first ? ec_key : key_paths[0], refusals[i].extra);
    }
    od_buf_puts(&conf, "}\n");
    char *conf_path = od_xasprintf("%s/nginx.conf", dir);
    CHECK(od_write_file_atomic(conf_path, conf.data, conf.len, true) == 0);
    od_buf_free(&conf);

    pid_t pid = fork();
    if (pid == 0) {
        /* nginx must not outlive this test, even if the test is killed */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execl(nginx, "nginx", "-p", dir, "-c", conf_path, (char *)NULL);
        _exit(127);
    }
    bool ready = true;
    for (size_t i = 0; i < N_CASES; i++)
        ready = ready && port_ready(ports[i]);
    for (size_t i = 0; i < N_REFUSALS; i++)
        ready = ready && port_ready(refusal_ports[i]);
    CHECK_MSG(ready, "nginx did not start (see %s/error.log)", dir);

    for (size_t i = 0; ready && i < N_CASES; i++) {
        char *json = od_xasprintf("%s/%s.json", dir, cases[i].name);
        od_strlist args;
        od_strlist_init(&args);
        od_strlist_add(&args, "--batch");
        od_strlist_add_owned(&args, od_xasprintf("--json=%s", json));
        od_strlist_add_owned(&args, od_xasprintf("--resolve=" ORIGIN ":%d:127.0.0.1", ports[i]));
        od_strlist_add_owned(&args, od_xasprintf("--trust-store=%s", root_pem));
        od_strlist_add_owned(&args, od_xasprintf("--https-port=%d", ports[i]));
        od_strlist_add(&args, ORIGIN);
        it_result res;
        it_run(bin, &args, NULL, 60, &res);
        bool want_fail = cases[i].expect_fail[0] != '\0';
        CHECK_MSG(res.exit_code == (want_fail ? 1 : 0), "%s: exit %d\n%s", cases[i].name, res.exit_code, res.err);
        cJSON *j = it_load_json(json);
        CHECK_MSG(j != NULL, "%s: no report", cases[i].name);
        if (j) {
            char *fails = it_ids_with_severity(j, "fail");
            CHECK_MSG(strcmp(fails, cases[i].expect_fail) == 0, "%s: fail ids \"%s\", expected \"%s\"", cases[i].name,
                      fails, cases[i].expect_fail);
            char *infos = it_ids_with_severity(j, "info");
            if (cases[i].expect_info[0])
                CHECK_MSG(strstr(infos, cases[i].expect_info) != NULL, "%s: info ids \"%s\" lack %s", cases[i].name,
                          infos, cases[i].expect_info);
            char *warns = it_ids_with_severity(j, "warn");
            if (cases[i].expect_warn[0])
                CHECK_MSG(strstr(warns, cases[i].expect_warn) != NULL, "%s: warn ids \"%s\" lack %s", cases[i].name,
                          warns, cases[i].expect_warn);
            else
                CHECK_MSG(strstr(warns, "TLS_CLIENT_CERT_REQUESTED") == NULL, "%s: unexpected %s", cases[i].name,
                          warns);
            free(warns);
            /* the chain in the report is in the order nginx sent it */
            const cJSON *hs = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "handshakes"), 0);
            const cJSON *chain = cJSON_GetObjectItemCaseSensitive(hs, "chain");
            const cJSON *certs = cJSON_GetObjectItemCaseSensitive(j, "certificates");
            size_t n = 0;
            while (n < 4 && cases[i].order[n] >= 0)
                n++;
            CHECK_MSG(cJSON_GetArraySize(chain) == (int)n, "%s: chain of %d, sent %zu", cases[i].name,
                      cJSON_GetArraySize(chain), n);
            static const char *const cns[] = {("CN=" ORIGIN), "CN=Witness ICA2", "CN=Witness ICA1", "CN=Witness Root CA"};
            for (size_t k = 0; k < n && k < (size_t)cJSON_GetArraySize(chain); k++) {
                const cJSON *idx = cJSON_GetArrayItem(chain, (int)k);
                const cJSON *cert = cJSON_GetArrayItem(certs, idx ? idx->valueint : -1);
                const cJSON *subj = cJSON_GetObjectItemCaseSensitive(cert, "subject");
                CHECK_MSG(cJSON_IsString(subj) && strstr(subj->valuestring, cns[cases[i].order[k]] + 3),
                          "%s: position %zu is %s, expected %s", cases[i].name, k,
                          cJSON_IsString(subj) ? subj->valuestring : "?", cns[cases[i].order[k]]);
            }
            if (cases[i].path[0] >= 0) {
                /* the origin's ServerHello came before this side stopped:
                 * TLS 1.2 accepted, nothing left untested */
                const cJSON *pr;
                bool tls12 = false;
                cJSON_ArrayForEach(pr, cJSON_GetObjectItemCaseSensitive(j, "protocols")) {
                    const cJSON *name = cJSON_GetObjectItemCaseSensitive(pr, "protocol");
                    if (cJSON_IsString(name) && strcmp(name->valuestring, "TLSv1.2") == 0)
                        tls12 = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pr, "accepted"));
                }
                CHECK_MSG(tls12, "%s: TLSv1.2 not counted as accepted", cases[i].name);
                CHECK_MSG(!strstr(infos, "CHECK_UNTESTED"), "%s: info ids \"%s\"", cases[i].name, infos);
                /* the path the chain analysis built, leaf first, in positions as sent */
                const cJSON *f = NULL, *it;
                cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "findings")) {
                    const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
                    if (cJSON_IsString(id) && strcmp(id->valuestring, "CHAIN_WRONG_ORDER") == 0)
                        f = it;
                }
                const cJSON *ev = cJSON_GetObjectItemCaseSensitive(f, "evidence");
                const cJSON *pp = cJSON_GetObjectItemCaseSensitive(ev, "path_positions");
                size_t want = 0;
                while (want < 4 && cases[i].path[want] >= 0)
                    want++;
                CHECK_MSG(cJSON_GetArraySize(pp) == (int)want, "%s: path_positions of %d, expected %zu",
                          cases[i].name, cJSON_GetArraySize(pp), want);
                for (size_t k = 0; k < want && k < (size_t)cJSON_GetArraySize(pp); k++)
                    CHECK_MSG(cJSON_GetArrayItem(pp, (int)k)->valueint == cases[i].path[k],
                              "%s: path_positions[%zu] = %d, expected %d", cases[i].name, k,
                              cJSON_GetArrayItem(pp, (int)k)->valueint, cases[i].path[k]);
                /* the name check judged the certificate sent first (a CA's), as CloudFront does */
                cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "findings")) {
                    const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
                    if (!cJSON_IsString(id) || strcmp(id->valuestring, "CERT_NAME_MISMATCH") != 0)
                        continue;
                    const cJSON *c = cJSON_GetObjectItemCaseSensitive(
                        cJSON_GetObjectItemCaseSensitive(it, "evidence"), "certificate");
                    const cJSON *subj = cJSON_GetObjectItemCaseSensitive(c, "subject");
                    CHECK_MSG(cJSON_IsString(subj) && strstr(subj->valuestring, cns[cases[i].order[0]] + 3),
                              "%s: the name was judged on %s", cases[i].name,
                              cJSON_IsString(subj) ? subj->valuestring : "?");
                }
            }
            free(fails);
            free(infos);
            cJSON_Delete(j);
        }
        it_result_free(&res);
        od_strlist_free(&args);
        free(json);
    }
    for (size_t i = 0; ready && i < N_REFUSALS; i++) {
        const refusal_case *rc = &refusals[i];
        char *json = od_xasprintf("%s/%s.json", dir, rc->name);
        od_strlist args;
        od_strlist_init(&args);
        od_strlist_add(&args, "--batch");
        od_strlist_add_owned(&args, od_xasprintf("--json=%s", json));
        od_strlist_add_owned(&args, od_xasprintf("--resolve=" ORIGIN ":%d:127.0.0.1", refusal_ports[i]));
        od_strlist_add_owned(&args, od_xasprintf("--https-port=%d", refusal_ports[i]));
        od_strlist_add(&args, ORIGIN);
        it_result res;
        it_run(bin, &args, NULL, 60, &res);
        CHECK_MSG(res.exit_code == 1, "%s: exit %d\n%s", rc->name, res.exit_code, res.err);
        cJSON *j = it_load_json(json);
        CHECK_MSG(j != NULL, "%s: no report", rc->name);
        const cJSON *f = it_finding(j, "TLS_NO_SHARED_CIPHER");
        CHECK_MSG(f != NULL, "%s: no TLS_NO_SHARED_CIPHER", rc->name);
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(f, "evidence");
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(ev, "broad_offer_refused_at");
        const cJSON *fix0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(f, "fix"), 0);
        bool cert_first = cJSON_IsString(fix0) && strstr(fix0->valuestring, "Check the certificate and key");
        const cJSON *detail = cJSON_GetObjectItemCaseSensitive(f, "detail");
        bool says_everyone = cJSON_IsString(detail) && strstr(detail->valuestring, "no client agrees on a suite");
        if (rc->every_offer) {
            CHECK_MSG(cJSON_IsString(at) && strstr(at->valuestring, "TLSv1.2"), "%s: broad_offer_refused_at %s",
                      rc->name, cJSON_IsString(at) ? at->valuestring : "absent");
            CHECK_MSG(cert_first, "%s: the fix starts \"%s\"", rc->name, cJSON_IsString(fix0) ? fix0->valuestring : "?");
            CHECK_MSG(says_everyone, "%s: detail \"%s\"", rc->name,
                      cJSON_IsString(detail) ? detail->valuestring : "?");
        } else {
            CHECK_MSG(at == NULL, "%s: broad_offer_refused_at present", rc->name);
            CHECK_MSG(!cert_first && !says_everyone, "%s: blames the certificate", rc->name);
        }
        /* The reproduce command, run against nginx, shows the refusal; for
         * an origin that refuses everyone it is openssl's full offer. */
        const cJSON *rep = cJSON_GetObjectItemCaseSensitive(f, "reproduce");
        CHECK_MSG(cJSON_IsString(rep), "%s: no reproduce command", rc->name);
        if (cJSON_IsString(rep)) {
            CHECK_MSG((strstr(rep->valuestring, " -cipher ") == NULL) == rc->every_offer, "%s: reproduce %s",
                      rc->name, rep->valuestring);
            char *out = it_shell_output(rep->valuestring, 30);
            CHECK_MSG(strstr(out, "alert handshake failure"), "%s: $ %s\n%s", rc->name, rep->valuestring, out);
            free(out);
        }
        cJSON_Delete(j);
        it_result_free(&res);
        od_strlist_free(&args);
        free(json);
    }
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    for (size_t i = 0; i < 4; i++)
        od_gen_cert_free((od_gen_cert *)all[i]);
    od_gen_cert_free(&eroot);
    od_gen_cert_free(&eica);
    od_gen_cert_free(&eleaf);
    free(ec_chain);
    free(ec_key);
    free(rsa_chain);
    it_rmtree(dir);
    free(dir);
    free(root_pem);
    for (size_t k = 0; k < 4; k++)
        free(key_paths[k]);
    free(conf_path);
    return check_done("nginx_witness");
}
