/* Issue 10 (i): AWS endpoints recognised by name, with the real binary on
 * origins on 127.0.0.1 named like the endpoints (--resolve pins every name
 * to 127.0.0.1, so nothing else is touched):
 *  - an S3 website endpoint's name over HTTP only, reached with the default
 *    https-only policy: ORIGIN_HTTPS_NOT_SUPPORTED (502, fix: http-only);
 *    with http-only it is not raised;
 *  - Host forwarded to an API Gateway default endpoint's name:
 *    HOST_FORWARDED_TO_AWS_ENDPOINT with the fix naming
 *    AllViewerExceptHostHeader; Host not forwarded: not raised. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "itest.h"
#include "od_lab.h"

static const char *bin;

/* A fix step of f containing part. */
static bool fix_has(const cJSON *f, const char *part)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(f, "fix"))
        if (cJSON_IsString(s) && strstr(s->valuestring, part))
            return true;
    return false;
}

/* Runs `--batch --json -` with the lab's ports and trust store for origin
 * (pinned to 127.0.0.1), extra flags first; the report parsed from stdout. */
static cJSON *run_named(const od_case *lab, const char *origin, const char *const *extra, it_result *res)
{
    od_strlist args;
    od_strlist_init(&args);
    od_strlist_add(&args, "--batch");
    od_strlist_add(&args, "--json");
    od_strlist_add(&args, "-");
    od_strlist_add_owned(&args, od_xasprintf("--https-port=%d", lab->https_port));
    od_strlist_add_owned(&args, od_xasprintf("--http-port=%d", lab->http_port));
    od_strlist_add_owned(&args, od_xasprintf("--resolve=%s:%d:127.0.0.1", origin, lab->https_port));
    od_strlist_add_owned(&args, od_xasprintf("--resolve=%s:%d:127.0.0.1", origin, lab->http_port));
    od_strlist_add_owned(&args, od_xasprintf("--trust-store=%s", lab->trust_store));
    for (size_t i = 0; extra && extra[i]; i++)
        od_strlist_add(&args, extra[i]);
    od_strlist_add(&args, origin);
    it_run(bin, &args, NULL, 60, res);
    od_strlist_free(&args);
    cJSON *j = res->out ? cJSON_Parse(res->out) : NULL;
    CHECK_MSG(j != NULL, "%s: stdout is not a JSON report: %.200s / %.200s", origin, res->out ? res->out : "",
              res->err ? res->err : "");
    return j;
}

static void test_s3_website(void)
{
    od_case lab;
    od_case_init(&lab);
    char *err = NULL;
    od_lab *l = od_lab_start("plain-http", &lab, &err);   /* both ports speak plain HTTP */
    CHECK_MSG(l != NULL, "plain-http lab: %s", err ? err : "?");
    free(err);
    if (!l) {
        od_case_free(&lab);
        return;
    }
    const char *site = "assets.example.com.s3-website-us-east-1.amazonaws.com";
    it_result res;
    cJSON *j = run_named(&lab, site, NULL, &res);   /* the default policy: https-only */
    CHECK_MSG(res.exit_code == 1, "https-only: exit %d", res.exit_code);
    const cJSON *f = j ? it_finding(j, "ORIGIN_HTTPS_NOT_SUPPORTED") : NULL;
    CHECK_MSG(f != NULL, "https-only: no ORIGIN_HTTPS_NOT_SUPPORTED");
    if (f) {
        CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(f, "severity")) &&
              strcmp(cJSON_GetObjectItemCaseSensitive(f, "severity")->valuestring, "fail") == 0);
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(f, "cloudfront_status");
        CHECK(cJSON_IsNumber(st) && st->valueint == 502);
        CHECK(fix_has(f, "Set the origin protocol policy to http-only"));
    }
    const cJSON *summary = j ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "verdict"), "summary")
                             : NULL;
    CHECK(cJSON_IsString(summary) && strstr(summary->valuestring, "(ORIGIN_HTTPS_NOT_SUPPORTED)"));
    cJSON_Delete(j);
    it_result_free(&res);

    const char *http_only[] = {"--protocol-policy=http-only", NULL};
    j = run_named(&lab, site, http_only, &res);
    CHECK_MSG(j && !it_finding(j, "ORIGIN_HTTPS_NOT_SUPPORTED"), "http-only: ORIGIN_HTTPS_NOT_SUPPORTED raised");
    cJSON_Delete(j);
    it_result_free(&res);
    od_lab_stop(l);
    od_case_free(&lab);
}

static void test_api_gateway(void)
{
    od_case lab;
    od_case_init(&lab);
    char *err = NULL;
    od_lab *l = od_lab_start("healthy", &lab, &err);
    CHECK_MSG(l != NULL, "healthy lab: %s", err ? err : "?");
    free(err);
    if (!l) {
        od_case_free(&lab);
        return;
    }
    const char *api = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com";
    char *pin_https = od_xasprintf("--resolve=api.example.com:%d:127.0.0.1", lab.https_port);
    char *pin_http = od_xasprintf("--resolve=api.example.com:%d:127.0.0.1", lab.http_port);
    const char *forward[] = {"--forward-host", "--cname", "api.example.com", pin_https, pin_http, NULL};
    it_result res;
    cJSON *j = run_named(&lab, api, forward, &res);
    CHECK_MSG(res.exit_code == 1, "Host forwarded: exit %d", res.exit_code);
    const cJSON *f = j ? it_finding(j, "HOST_FORWARDED_TO_AWS_ENDPOINT") : NULL;
    CHECK_MSG(f != NULL, "Host forwarded: no HOST_FORWARDED_TO_AWS_ENDPOINT");
    if (f)
        CHECK_MSG(fix_has(f, "AllViewerExceptHostHeader") && fix_has(f, "b689b0a8-53d0-40ab-baf2-68738e2966ac"),
                  "the fix does not name the managed policy");
    cJSON_Delete(j);
    it_result_free(&res);

    j = run_named(&lab, api, NULL, &res);
    CHECK_MSG(j && !it_finding(j, "HOST_FORWARDED_TO_AWS_ENDPOINT"), "Host not forwarded: finding raised");
    cJSON_Delete(j);
    it_result_free(&res);
    free(pin_https);
    free(pin_http);
    od_lab_stop(l);
    od_case_free(&lab);
}

int main(int argc, char **argv)
{
    bin = it_bin_arg(argc, argv);
    test_s3_website();
    test_api_gateway();
    return check_done("test_aws_endpoints");
}
