/* Issue 10: what CloudFront asks the origin, with the real binary on lab
 * origins on 127.0.0.1 (every name pinned there with --resolve):
 *  - header-protected: an origin that answers 403 unless the custom header
 *    comes (as a WAF does): without --origin-header HTTP_CLIENT_ERROR with
 *    status 403, with it HTTP_OK;
 *  - the header value is a secret: the text and Markdown reports (and the
 *    reports of a reopened JSON) never hold it, the JSON report keeps it,
 *    and a reopened report writes it back;
 *  - Host forwarded with the distribution's own name, which the origin's
 *    certificate does not cover: CERT_NAME_MISMATCH naming that name, with
 *    or without alternate names. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "itest.h"
#include "od_lab.h"

static const char *bin;

#define SECRET "od-lab-7f3a9c"   /* the value in OD_LAB_REQUIRED_HEADER */

/* The finding id whose names[] hold name, or NULL. */
static const cJSON *finding_naming(const cJSON *j, const char *id, const char *name)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(j, "findings"))
    {
        const cJSON *fid = cJSON_GetObjectItemCaseSensitive(f, "id");
        if (!cJSON_IsString(fid) || strcmp(fid->valuestring, id) != 0)
            continue;
        const cJSON *n;
        cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(f, "names"))
            if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
                return f;
    }
    return NULL;
}

static char *read_all(const char *path)
{
    size_t len;
    return od_read_file(path, &len);
}

/* Starts a lab scenario into *lab (initialised here); NULL after a failed check. */
static od_lab *start_lab(const char *name, od_case *lab)
{
    od_case_init(lab);
    char *err = NULL;
    od_lab *l = od_lab_start(name, lab, &err);
    CHECK_MSG(l != NULL, "%s lab: %s", name, err ? err : "?");
    free(err);
    if (!l)
        od_case_free(lab);
    return l;
}

/* Runs the binary with the lab's ports, pins and trust store for its
 * origin, extra flags before the origin domain. */
static void run_lab(const od_case *lab, const char *const *extra, it_result *res)
{
    od_strlist args;
    od_strlist_init(&args);
    od_strlist_add(&args, "--batch");
    od_strlist_add_owned(&args, od_xasprintf("--https-port=%d", lab->https_port));
    od_strlist_add_owned(&args, od_xasprintf("--http-port=%d", lab->http_port));
    od_strlist_add_owned(&args, od_xasprintf("--resolve=*:%d:127.0.0.1", lab->https_port));
    od_strlist_add_owned(&args, od_xasprintf("--resolve=*:%d:127.0.0.1", lab->http_port));
    od_strlist_add_owned(&args, od_xasprintf("--trust-store=%s", lab->trust_store));
    for (size_t i = 0; extra && extra[i]; i++)
        od_strlist_add(&args, extra[i]);
    od_strlist_add(&args, lab->origin_domain);
    it_run(bin, &args, NULL, 60, res);
    od_strlist_free(&args);
}

static cJSON *run_json(const od_case *lab, const char *const *extra, it_result *res)
{
    const char *with_json[16] = {"--json", "-"};
    size_t n = 2;
    for (size_t i = 0; extra && extra[i] && n + 1 < sizeof with_json / sizeof with_json[0]; i++)
        with_json[n++] = extra[i];
    with_json[n] = NULL;
    run_lab(lab, with_json, res);
    cJSON *j = res->out ? cJSON_Parse(res->out) : NULL;
    CHECK_MSG(j != NULL, "stdout is not a JSON report: %.300s / %.300s", res->out ? res->out : "",
              res->err ? res->err : "");
    return j;
}

static int evidence_int(const cJSON *f, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(f, "evidence"), key);
    return cJSON_IsNumber(v) ? v->valueint : -1;
}

static void test_header_protected(void)
{
    od_case lab;
    od_lab *l = start_lab("header-protected", &lab);
    if (!l)
        return;
    /* without the header: the WAF's 403, which CloudFront passes on */
    it_result res;
    cJSON *j = run_json(&lab, NULL, &res);
    const cJSON *f = j ? it_finding(j, "HTTP_CLIENT_ERROR") : NULL;
    CHECK_MSG(f != NULL, "no HTTP_CLIENT_ERROR without the header (exit %d)", res.exit_code);
    if (f)
        CHECK_MSG(evidence_int(f, "status_code") == 403, "status %d, expected 403", evidence_int(f, "status_code"));
    CHECK(j && !it_finding(j, "HTTP_OK"));
    cJSON_Delete(j);
    it_result_free(&res);

    /* with it, as CloudFront sends it: the origin answers 200 */
    const char *with[] = {"--origin-header", "X-Origin-Verify: " SECRET, NULL};
    j = run_json(&lab, with, &res);
    CHECK_MSG(res.exit_code == 0, "with the header: exit %d", res.exit_code);
    CHECK_MSG(j && it_finding(j, "HTTP_OK") && !it_finding(j, "HTTP_CLIENT_ERROR"),
              "with the header: HTTP_OK expected, no HTTP_CLIENT_ERROR");
    cJSON_Delete(j);
    it_result_free(&res);

    /* a wrong value is not the right one */
    const char *wrong[] = {"--origin-header", "X-Origin-Verify: not-the-secret", NULL};
    j = run_json(&lab, wrong, &res);
    CHECK_MSG(j && it_finding(j, "HTTP_CLIENT_ERROR"), "a wrong value: no HTTP_CLIENT_ERROR");
    cJSON_Delete(j);
    it_result_free(&res);
    od_lab_stop(l);
    od_case_free(&lab);
}

static void test_masking(void)
{
    od_case lab;
    od_lab *l = start_lab("header-protected", &lab);
    if (!l)
        return;
    char *dir = it_tmpdir();
    char *json = od_xasprintf("%s/r.json", dir), *md = od_xasprintf("%s/r.md", dir);
    char *json2 = od_xasprintf("%s/r2.json", dir), *md2 = od_xasprintf("%s/r2.md", dir);
    const char *extra[] = {"--origin-header", "X-Origin-Verify: " SECRET, "--json", json, "--report", md, NULL};
    it_result res;
    run_lab(&lab, extra, &res);
    CHECK_MSG(res.exit_code == 0, "exit %d: %.300s", res.exit_code, res.err ? res.err : "");
    /* the text report: the header named, its value masked */
    CHECK_MSG(res.out && strstr(res.out, "X-Origin-Verify: ****"), "the text report does not show the masked header");
    CHECK_MSG(res.out && !strstr(res.out, SECRET), "the text report holds the secret");
    char *text = read_all(md);
    CHECK_MSG(text && strstr(text, "X-Origin-Verify: ****"), "the Markdown report does not show the masked header");
    CHECK_MSG(text && !strstr(text, SECRET), "the Markdown report holds the secret");
    free(text);
    it_result_free(&res);
    /* the JSON report keeps it: it re-runs the case */
    cJSON *j = it_load_json(json);
    const cJSON *in = j ? cJSON_GetObjectItemCaseSensitive(j, "input") : NULL;
    const cJSON *h0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(in, "origin_headers"), 0);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(h0, "name"), *value = cJSON_GetObjectItemCaseSensitive(h0, "value");
    CHECK_MSG(cJSON_IsString(name) && strcmp(name->valuestring, "X-Origin-Verify") == 0 && cJSON_IsString(value) &&
                  strcmp(value->valuestring, SECRET) == 0,
              "input.origin_headers[0] is not the header given");
    cJSON_Delete(j);

    /* reopened: the human reports still mask it, a JSON written again keeps it */
    od_strlist args;
    od_strlist_init(&args);
    od_strlist_add(&args, "--batch");
    od_strlist_add(&args, "--open");
    od_strlist_add(&args, json);
    od_strlist_add(&args, "--json");
    od_strlist_add(&args, json2);
    od_strlist_add(&args, "--report");
    od_strlist_add(&args, md2);
    it_run(bin, &args, NULL, 60, &res);
    od_strlist_free(&args);
    CHECK_MSG(res.exit_code == 0, "--open: exit %d: %.300s", res.exit_code, res.err ? res.err : "");
    CHECK_MSG(res.out && strstr(res.out, "X-Origin-Verify: ****") && !strstr(res.out, SECRET),
              "--open: the text report does not mask the header");
    text = read_all(md2);
    CHECK_MSG(text && strstr(text, "X-Origin-Verify: ****") && !strstr(text, SECRET),
              "--open: the Markdown report does not mask the header");
    free(text);
    it_result_free(&res);
    j = it_load_json(json2);
    in = j ? cJSON_GetObjectItemCaseSensitive(j, "input") : NULL;
    value = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(in, "origin_headers"), 0),
                                             "value");
    CHECK_MSG(cJSON_IsString(value) && strcmp(value->valuestring, SECRET) == 0, "--open: the JSON lost the value");
    cJSON_Delete(j);
    it_rmtree(dir);
    free(dir);
    free(json);
    free(md);
    free(json2);
    free(md2);
    od_lab_stop(l);
    od_case_free(&lab);
}

static void test_distribution_domain(void)
{
    od_case lab;
    od_lab *l = start_lab("healthy", &lab);   /* the certificate covers shop.example.test only */
    if (!l)
        return;
    const char *dist = "d1234abcdef8.cloudfront.net";
    /* Host forwarded, no alternate names: viewers use the distribution's name */
    const char *alone[] = {"--forward-host", "--distribution-domain", dist, NULL};
    it_result res;
    cJSON *j = run_json(&lab, alone, &res);
    CHECK_MSG(res.exit_code == 1, "no CNAME: exit %d", res.exit_code);
    CHECK_MSG(j && finding_naming(j, "CERT_NAME_MISMATCH", dist), "no CNAME: no CERT_NAME_MISMATCH naming %s", dist);
    cJSON_Delete(j);
    it_result_free(&res);
    /* beside a CNAME the certificate covers: only the distribution's name fails */
    const char *beside[] = {"--forward-host", "--cname", lab.origin_domain, "--distribution-domain", dist, NULL};
    j = run_json(&lab, beside, &res);
    CHECK_MSG(res.exit_code == 1, "with a CNAME: exit %d", res.exit_code);
    CHECK_MSG(j && finding_naming(j, "CERT_NAME_MISMATCH", dist), "with a CNAME: no CERT_NAME_MISMATCH naming %s",
              dist);
    CHECK_MSG(j && !finding_naming(j, "CERT_NAME_MISMATCH", lab.origin_domain), "the covered CNAME mismatched");
    cJSON_Delete(j);
    it_result_free(&res);
    /* Host not forwarded: CloudFront sends the origin domain, the name does not matter */
    const char *not_forwarded[] = {"--distribution-domain", dist, NULL};
    j = run_json(&lab, not_forwarded, &res);
    CHECK_MSG(res.exit_code == 0 && j && !it_finding(j, "CERT_NAME_MISMATCH"), "Host not forwarded: exit %d",
              res.exit_code);
    cJSON_Delete(j);
    it_result_free(&res);
    od_lab_stop(l);
    od_case_free(&lab);
}

int main(int argc, char **argv)
{
    bin = it_bin_arg(argc, argv);
    test_header_protected();
    test_masking();
    test_distribution_domain();
    return check_done("test_origin_request");
}
