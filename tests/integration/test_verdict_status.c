/* Issue 10, the verdict for the distribution as configured, on real
 * origins on 127.0.0.1:
 *  - a match-viewer origin whose HTTP port is closed does not fail when
 *    only redirect-to-https / https-only behaviors reach it (CloudFront
 *    never uses HTTP there), and fails with PORT_REFUSED and status 502
 *    when an allow-all behavior does: from flags and from a distribution
 *    config in the AWS CLI's shape;
 *  - verdict.cloudfront_status, fail_ids, complete and the per-finding
 *    status: a silent port gives 504, a wrong-order chain 502;
 *  - a cancelled run is complete: false and never says "no problem". */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "itest.h"
#include "od_engine.h"
#include "od_lab.h"
#include "od_report.h"

static const char *bin;
static char *dir;

/* A port on 127.0.0.1 where nothing listens (bound, then closed). */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static const cJSON *verdict_of(const cJSON *j)
{
    return cJSON_GetObjectItemCaseSensitive(j, "verdict");
}

/* verdict.cloudfront_status: the number, or 0 for null. */
static int verdict_status(const cJSON *j)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(verdict_of(j), "cloudfront_status");
    return cJSON_IsNumber(s) ? s->valueint : 0;
}

static char *verdict_fail_ids(const cJSON *j)
{
    od_buf b;
    od_buf_init(&b);
    od_buf_puts(&b, "");
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(verdict_of(j), "fail_ids"))
        od_buf_printf(&b, "%s%s", b.len ? " " : "", cJSON_IsString(it) ? it->valuestring : "?");
    return od_buf_steal(&b);
}

static bool verdict_complete(const cJSON *j)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(verdict_of(j), "complete"));
}

/* Every fail finding carries the status viewers get; returns the first one's. */
static int finding_status(const cJSON *j, const char *id)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(j, "findings"))
    {
        const cJSON *fid = cJSON_GetObjectItemCaseSensitive(f, "id");
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(f, "cloudfront_status");
        if (cJSON_IsString(fid) && strcmp(fid->valuestring, id) == 0)
            return cJSON_IsNumber(s) ? s->valueint : 0;
    }
    return -1;
}

/* Was a TCP connection to this port tried at all? */
static bool tcp_tried(const cJSON *j, int port)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(j, "tcp"))
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(t, "port");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(t, "state");
        if (cJSON_IsNumber(p) && p->valueint == port && cJSON_IsString(st) && strcmp(st->valuestring, "untested") != 0)
            return true;
    }
    return false;
}

/* Runs the binary with args, returns the parsed JSON report (or NULL). */
static cJSON *run_json(od_strlist *args, const char *name, it_result *res)
{
    char *json = od_xasprintf("%s/%s.json", dir, name);
    od_strlist_add_owned(args, od_xasprintf("--json=%s", json));
    it_run(bin, args, NULL, 90, res);
    cJSON *j = it_load_json(json);
    free(json);
    return j;
}

static void healthy_args(const od_case *c, int http_port, od_strlist *args)
{
    od_strlist_init(args);
    it_case_args(c, args);
    /* the origin domain is last: the options go before it */
    char *origin = od_xstrdup(args->items[args->len - 1]);
    free(args->items[--args->len]);
    od_strlist_add_owned(args, od_xasprintf("--http-port=%d", http_port));
    od_strlist_add(args, "--protocol-policy=match-viewer");
    od_strlist_add_owned(args, od_xasprintf("--resolve=%s:%d:127.0.0.1", c->origin_domain, http_port));
    od_strlist_add_owned(args, origin);
}

static void test_match_viewer_flags(const od_case *c, int http_port)
{
    /* redirect-to-https: CloudFront never uses the HTTP port */
    od_strlist args;
    healthy_args(c, http_port, &args);
    od_strlist_add(&args, "--viewer-protocol-policy=redirect-to-https");
    it_result res;
    cJSON *j = run_json(&args, "mv-redirect", &res);
    CHECK_MSG(res.exit_code == 0, "redirect-to-https: exit %d (stdout %s)", res.exit_code, res.out);
    CHECK(j != NULL);
    if (j) {
        char *fails = it_ids_with_severity(j, "fail");
        CHECK_MSG(fails[0] == '\0', "redirect-to-https: fail ids \"%s\"", fails);
        free(fails);
        CHECK(!tcp_tried(j, http_port));
        CHECK(verdict_status(j) == 0 && verdict_complete(j));
        const cJSON *in = cJSON_GetObjectItemCaseSensitive(j, "input");
        const cJSON *vpp = cJSON_GetObjectItemCaseSensitive(in, "viewer_protocol_policy");
        CHECK(cJSON_IsString(vpp) && strcmp(vpp->valuestring, "redirect-to-https") == 0);
        cJSON_Delete(j);
    }
    it_result_free(&res);
    od_strlist_free(&args);

    /* allow-all (the default): the HTTP port matters, and it is closed */
    healthy_args(c, http_port, &args);
    j = run_json(&args, "mv-allow-all", &res);
    CHECK_MSG(res.exit_code == 1, "allow-all: exit %d", res.exit_code);
    CHECK(j != NULL);
    if (j) {
        char *fails = it_ids_with_severity(j, "fail");
        CHECK_STR(fails, "PORT_REFUSED");
        free(fails);
        CHECK(tcp_tried(j, http_port));
        CHECK_MSG(verdict_status(j) == 502, "allow-all: verdict.cloudfront_status %d", verdict_status(j));
        char *ids = verdict_fail_ids(j);
        CHECK_STR(ids, "PORT_REFUSED");
        free(ids);
        CHECK(finding_status(j, "PORT_REFUSED") == 502);
        CHECK(verdict_complete(j));
        /* the human report says what a viewer sees, and the fix is for HTTP */
        CHECK_MSG(strstr(res.out, "502 Bad Gateway") && strstr(res.out, "X-Cache: Error from cloudfront"),
                  "the report does not say what viewers see: %s", res.out);
        cJSON_Delete(j);
    }
    it_result_free(&res);
    od_strlist_free(&args);
}

/* The same from a distribution config in the AWS CLI's shape: the
 * behaviors' ViewerProtocolPolicy decides. */
static void test_match_viewer_config(const od_case *c, int http_port)
{
    const char *src = getenv("OD_SOURCE_DIR");
    const struct {
        const char *file;
        const char *expect;
    } cases[] = {
        {"match-viewer-redirect.json", ""},                        /* redirect-to-https + https-only */
        {"match-viewer-allow-all-behavior.json", "PORT_REFUSED"}, /* one allow-all behavior */
    };
    for (size_t i = 0; i < 2; i++) {
        od_strlist args;
        od_strlist_init(&args);
        od_strlist_add(&args, "--batch");
        od_strlist_add_owned(&args, od_xasprintf("--distribution-config=%s/tests/fixtures/distconfig/%s",
                                                 src ? src : ".", cases[i].file));
        od_strlist_add_owned(&args, od_xasprintf("--https-port=%d", c->https_port));
        od_strlist_add_owned(&args, od_xasprintf("--http-port=%d", http_port));
        od_strlist_add_owned(&args, od_xasprintf("--resolve=%s:%d:127.0.0.1", c->origin_domain, c->https_port));
        od_strlist_add_owned(&args, od_xasprintf("--resolve=%s:%d:127.0.0.1", c->origin_domain, http_port));
        od_strlist_add_owned(&args, od_xasprintf("--trust-store=%s", c->trust_store));
        it_result res;
        cJSON *j = run_json(&args, cases[i].file, &res);
        CHECK_MSG(res.exit_code == (cases[i].expect[0] ? 1 : 0), "%s: exit %d: %s", cases[i].file, res.exit_code,
                  res.err);
        if (j) {
            char *fails = it_ids_with_severity(j, "fail");
            CHECK_MSG(strcmp(fails, cases[i].expect) == 0, "%s: fail ids \"%s\", expected \"%s\"", cases[i].file,
                      fails, cases[i].expect);
            free(fails);
            CHECK(verdict_status(j) == (cases[i].expect[0] ? 502 : 0));
            cJSON_Delete(j);
        } else {
            CHECK_MSG(false, "%s: no JSON report", cases[i].file);
        }
        it_result_free(&res);
        od_strlist_free(&args);
    }
}

/* verdict.cloudfront_status per cause, from lab origins. */
static void test_status_of_lab(const char *lab, const char *id, int status)
{
    od_strlist args;
    od_strlist_init(&args);
    od_strlist_add(&args, "--batch");
    od_strlist_add_owned(&args, od_xasprintf("--lab=%s", lab));
    it_result res;
    cJSON *j = run_json(&args, lab, &res);
    CHECK_MSG(res.exit_code == 1, "%s: exit %d", lab, res.exit_code);
    if (j) {
        CHECK_MSG(verdict_status(j) == status, "%s: verdict.cloudfront_status %d, expected %d", lab, verdict_status(j),
                  status);
        CHECK_MSG(finding_status(j, id) == status, "%s: %s has status %d", lab, id, finding_status(j, id));
        char *ids = verdict_fail_ids(j);
        CHECK_MSG(strstr(ids, id) != NULL, "%s: fail_ids \"%s\"", lab, ids);
        free(ids);
        CHECK(verdict_complete(j));
        cJSON_Delete(j);
    } else {
        CHECK_MSG(false, "%s: no JSON report", lab);
    }
    CHECK_MSG(strstr(res.out, status == 504 ? "504 Gateway Timeout" : "502 Bad Gateway") != NULL,
              "%s: the report does not say what viewers see", lab);
    it_result_free(&res);
    od_strlist_free(&args);
}

/* A run cancelled before it starts: incomplete, and never "no problem". */
static void test_cancelled(const od_case *c)
{
    od_policy policy;
    od_fixes fixes;
    char *pp = od_asset_path("cloudfront-origin-policy.json"), *fp = od_asset_path("fixes.json");
    char *e1 = od_policy_load(pp, &policy), *e2 = od_fixes_load(fp, &fixes);
    CHECK_MSG(!e1 && !e2, "assets: %s %s", e1 ? e1 : "", e2 ? e2 : "");
    free(pp);
    free(fp);
    if (e1 || e2) {
        free(e1);
        free(e2);
        return;
    }
    atomic_bool cancel = true;
    od_engine_opts opts = {.policy = &policy, .fixes = &fixes, .cancel = &cancel};
    od_report r;
    CHECK(od_engine_run(c, &opts, &r) == 0);
    CHECK(!r.complete);
    CHECK(!r.would_fail);
    CHECK_MSG(r.summary && !strstr(r.summary, "No problem found"), "summary: %s", r.summary ? r.summary : "");
    char *json = od_report_to_json(&r);
    cJSON *j = cJSON_Parse(json);
    CHECK(j && !verdict_complete(j) && cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(verdict_of(j), "complete")));
    cJSON_Delete(j);
    char *text = od_report_markdown(&r);
    CHECK_MSG(text && !strstr(text, "would not fail"), "the Markdown report calls an incomplete run fine");
    free(text);
    /* and it reads back as incomplete */
    od_report back;
    char *err = od_report_from_json(json, strlen(json), &back);
    CHECK_MSG(!err && !back.complete, "read back: %s", err ? err : "complete");
    free(err);
    od_report_free(&back);
    free(json);
    od_report_free(&r);
    od_policy_free(&policy);
    od_fixes_free(&fixes);
}

/* Origin mTLS (issue 10): an origin that requires a client certificate
 * fails without origin mTLS; with it (flag or OriginMtlsConfig in a
 * config) it does not, and the report says it is incomplete. */
static void test_origin_mtls(void)
{
    od_case c;
    od_case_init(&c);
    char *err = NULL;
    od_lab *lab = od_lab_start("client-cert-required", &c, &err);
    CHECK_MSG(lab != NULL, "client-cert-required lab: %s", err ? err : "?");
    free(err);
    if (!lab) {
        od_case_free(&c);
        return;
    }
    const char *src = getenv("OD_SOURCE_DIR");
    for (int variant = 0; variant < 3; variant++) {
        od_strlist args;
        od_strlist_init(&args);
        if (variant < 2) {
            it_case_args(&c, &args);
            char *origin = od_xstrdup(args.items[args.len - 1]);
            free(args.items[--args.len]);
            if (variant == 1)
                od_strlist_add(&args, "--origin-mtls");
            od_strlist_add_owned(&args, origin);
        } else {
            od_strlist_add(&args, "--batch");
            od_strlist_add_owned(&args, od_xasprintf("--distribution-config=%s/tests/fixtures/distconfig/origin-mtls.json",
                                                     src ? src : "."));
            od_strlist_add_owned(&args, od_xasprintf("--https-port=%d", c.https_port));
            od_strlist_add_owned(&args, od_xasprintf("--resolve=%s:%d:127.0.0.1", c.origin_domain, c.https_port));
            od_strlist_add_owned(&args, od_xasprintf("--trust-store=%s", c.trust_store));
        }
        it_result res;
        char *name = od_xasprintf("mtls-%d", variant);
        cJSON *j = run_json(&args, name, &res);
        bool fails = variant == 0;
        CHECK_MSG(res.exit_code == (fails ? 1 : 0), "%s: exit %d: %s", name, res.exit_code, res.err);
        if (j) {
            char *ids = it_ids_with_severity(j, "fail");
            CHECK_MSG(strcmp(ids, fails ? "TLS_CLIENT_CERT_REQUIRED" : "") == 0, "%s: fail ids \"%s\"", name, ids);
            free(ids);
            CHECK_MSG(verdict_complete(j) == fails, "%s: complete is wrong", name);
            const cJSON *in = cJSON_GetObjectItemCaseSensitive(j, "input");
            CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "origin_mtls")) == !fails);
            const cJSON *summary = cJSON_GetObjectItemCaseSensitive(verdict_of(j), "summary");
            CHECK_MSG(fails || (cJSON_IsString(summary) && !strstr(summary->valuestring, "No problem found")),
                      "%s: an incomplete report says no problem", name);
            cJSON_Delete(j);
        } else {
            CHECK_MSG(false, "%s: no JSON report", name);
        }
        free(name);
        it_result_free(&res);
        od_strlist_free(&args);
    }
    od_lab_stop(lab);
    od_case_free(&c);
}

int main(int argc, char **argv)
{
    bin = it_bin_arg(argc, argv);
    dir = it_tmpdir();
    od_case c;
    od_case_init(&c);
    char *err = NULL;
    od_lab *lab = od_lab_start("healthy", &c, &err);
    CHECK_MSG(lab != NULL, "healthy lab: %s", err ? err : "?");
    free(err);
    int http_port = closed_port();
    CHECK(http_port > 0);
    if (lab && http_port > 0) {
        test_match_viewer_flags(&c, http_port);
        test_match_viewer_config(&c, http_port);
        test_cancelled(&c);
    }
    od_lab_stop(lab);
    od_case_free(&c);
    test_origin_mtls();
    test_status_of_lab("wrong-order", "CHAIN_WRONG_ORDER", 502);
    test_status_of_lab("firewall-drop", "PORT_TIMEOUT", 504);
    test_status_of_lab("silent", "TLS_HANDSHAKE_TIMEOUT", 504);
    it_rmtree(dir);
    free(dir);
    return check_done("verdict_status");
}
