/* Issue 5 from the command line: a distribution config with three custom
 * origins on 127.0.0.1 (one healthy, two broken differently) and an S3
 * origin; --all-origins reports each origin's own findings; --origin-id
 * picks one; malformed configs and reports exit 2 with a message. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "itest.h"
#include "od_certgen.h"
#include "od_labserver.h"

static const char *bin;

typedef struct {
    const char *id;
    const char *domain;
    const char *expect_fail;
    int port;
} origin_spec;

static char *config_json(const origin_spec *o, size_t n)
{
    od_buf b;
    od_buf_init(&b);
    od_buf_printf(&b, "{\n \"ETag\": \"E2QWRUHEXAMPLE\",\n \"DistributionConfig\": {\n"
                      "  \"CallerReference\": \"od-test\",\n"
                      "  \"Aliases\": {\"Quantity\": 0},\n"
                      "  \"DefaultRootObject\": \"\",\n"
                      "  \"Origins\": {\"Quantity\": %zu, \"Items\": [\n",
                  n + 1);
    for (size_t i = 0; i < n; i++)
        od_buf_printf(&b,
                      "   {\"Id\": \"%s\", \"DomainName\": \"%s\", \"OriginPath\": \"\",\n"
                      "    \"CustomHeaders\": {\"Quantity\": 0},\n"
                      "    \"CustomOriginConfig\": {\"HTTPPort\": 80, \"HTTPSPort\": %d, \"OriginProtocolPolicy\": "
                      "\"https-only\",\n"
                      "      \"OriginSslProtocols\": {\"Quantity\": 1, \"Items\": [\"TLSv1.2\"]},\n"
                      "      \"OriginReadTimeout\": 30, \"OriginKeepaliveTimeout\": 5},\n"
                      "    \"ConnectionAttempts\": 3, \"ConnectionTimeout\": 5,\n"
                      "    \"OriginShield\": {\"Enabled\": false}, \"OriginAccessControlId\": \"\"},\n",
                      o[i].id, o[i].domain, o[i].port);
    od_buf_puts(&b, "   {\"Id\": \"assets-s3\", \"DomainName\": \"assets.s3.us-east-1.amazonaws.com\", "
                    "\"OriginPath\": \"\", \"CustomHeaders\": {\"Quantity\": 0},\n"
                    "    \"S3OriginConfig\": {\"OriginAccessIdentity\": \"\"}, \"ConnectionAttempts\": 3, "
                    "\"ConnectionTimeout\": 10}\n  ]},\n");
    od_buf_printf(&b, "  \"DefaultCacheBehavior\": {\"TargetOriginId\": \"%s\", \"ViewerProtocolPolicy\": "
                      "\"redirect-to-https\",\n"
                      "   \"CachePolicyId\": \"658327ea-f89d-4fab-a63d-7e88639e58f6\"},\n"
                      "  \"CacheBehaviors\": {\"Quantity\": %zu, \"Items\": [\n",
                  o[0].id, n - 1 + 1);
    for (size_t i = 1; i < n; i++)
        od_buf_printf(&b,
                      "   {\"PathPattern\": \"/%s/*\", \"TargetOriginId\": \"%s\", \"ViewerProtocolPolicy\": "
                      "\"https-only\", \"CachePolicyId\": \"4135ea2d-6df8-44a3-9df3-4b5a84be39ad\"},\n",
                      o[i].id, o[i].id);
    od_buf_puts(&b, "   {\"PathPattern\": \"/static/*\", \"TargetOriginId\": \"assets-s3\", "
                    "\"ViewerProtocolPolicy\": \"https-only\", "
                    "\"CachePolicyId\": \"658327ea-f89d-4fab-a63d-7e88639e58f6\"}\n  ]},\n"
                    "  \"Comment\": \"\", \"Enabled\": true\n }\n}\n");
    return od_buf_steal(&b);
}

static const cJSON *origin_entry(const cJSON *j, const char *id)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(j, "origins"))
    {
        const cJSON *oid = cJSON_GetObjectItemCaseSensitive(o, "origin_id");
        if (cJSON_IsString(oid) && strcmp(oid->valuestring, id) == 0)
            return o;
    }
    return NULL;
}

static void expect_usage_error(const char *label, od_strlist *args, const char *must_mention)
{
    it_result res;
    it_run(bin, args, NULL, 30, &res);
    CHECK_MSG(res.exit_code == 2, "%s: exit %d, expected 2 (stderr: %s)", label, res.exit_code, res.err);
    CHECK_MSG(strstr(res.err, must_mention) != NULL, "%s: stderr does not mention \"%s\": %s", label, must_mention,
              res.err);
    CHECK_MSG(res.out[0] == '\0', "%s: printed a report", label);
    it_result_free(&res);
}

int main(int argc, char **argv)
{
    bin = it_bin_arg(argc, argv);
    char *dir = it_tmpdir();

    /* One PKI; three origins, each with its own leaf. */
    od_gen_cert root, ica, leaf_ok, leaf_expired, leaf_alone;
    od_gen_spec rs = {.dn = "CN=Dist Test Root,O=origin-doctor tests", .is_ca = true, .key = OD_KEY_ECDSA_P256};
    od_gen_spec is = {.dn = "CN=Dist Test ICA,O=origin-doctor tests", .is_ca = true, .key = OD_KEY_ECDSA_P256};
    const char *const n_ok[] = {"app.example.test", NULL};
    const char *const n_exp[] = {"legacy.example.test", NULL};
    const char *const n_alone[] = {"media.example.test", NULL};
    time_t now = time(NULL);
    od_gen_spec s_ok = {.dn = "CN=app.example.test", .san_dns = n_ok, .key = OD_KEY_ECDSA_P256};
    od_gen_spec s_exp = {.dn = "CN=legacy.example.test", .san_dns = n_exp, .key = OD_KEY_ECDSA_P256,
                         .not_before = now - 90 * 86400, .not_after = now - 5 * 86400};
    od_gen_spec s_alone = {.dn = "CN=media.example.test", .san_dns = n_alone, .key = OD_KEY_ECDSA_P256};
    CHECK(od_gen_cert_make(&rs, NULL, &root) == 0);
    CHECK(od_gen_cert_make(&is, &root, &ica) == 0);
    CHECK(od_gen_cert_make(&s_ok, &ica, &leaf_ok) == 0);
    CHECK(od_gen_cert_make(&s_exp, &ica, &leaf_expired) == 0);
    CHECK(od_gen_cert_make(&s_alone, &ica, &leaf_alone) == 0);
    char *root_pem = od_xasprintf("%s/root.pem", dir);
    const od_gen_cert *roots[] = {&root};
    CHECK(od_gen_write_pem_chain(root_pem, roots, 1) == 0);

    const od_gen_cert *chain_ok[] = {&leaf_ok, &ica};
    const od_gen_cert *chain_exp[] = {&leaf_expired, &ica};
    const od_gen_cert *chain_alone[] = {&leaf_alone};   /* intermediate missing */
    origin_spec origins[] = {
        {"app-origin", "app.example.test", "", 0},
        {"legacy", "legacy.example.test", "CERT_EXPIRED", 0},
        {"media", "media.example.test", "CHAIN_INCOMPLETE", 0},
    };
    const od_gen_cert *const *chains[] = {chain_ok, chain_exp, chain_alone};
    size_t chain_lens[] = {2, 2, 1};
    od_lab_server *servers[3] = {NULL, NULL, NULL};
    for (size_t i = 0; i < 3; i++) {
        od_lab_config cfg = {.mode = OD_LAB_TLS, .n_identities = 1};
        cfg.identities[0].chain = chains[i];
        cfg.identities[0].chain_len = chain_lens[i];
        char *err = NULL;
        servers[i] = od_lab_server_start(&cfg, &origins[i].port, &err);
        CHECK_MSG(servers[i] != NULL, "server %zu: %s", i, err ? err : "?");
        free(err);
    }

    char *cfg_path = od_xasprintf("%s/distribution.json", dir);
    char *cfg = config_json(origins, 3);
    CHECK(od_write_file_atomic(cfg_path, cfg, strlen(cfg), true) == 0);
    free(cfg);
    char *json = od_xasprintf("%s/all.json", dir);

    od_strlist common;
    od_strlist_init(&common);
    od_strlist_add(&common, "--batch");
    od_strlist_add_owned(&common, od_xasprintf("--distribution-config=%s", cfg_path));
    od_strlist_add_owned(&common, od_xasprintf("--trust-store=%s", root_pem));
    for (size_t i = 0; i < 3; i++)
        od_strlist_add_owned(&common, od_xasprintf("--resolve=%s:%d:127.0.0.1", origins[i].domain, origins[i].port));

    /* --all-origins: a section per origin, each with its own findings */
    od_strlist args;
    od_strlist_copy(&args, &common);
    od_strlist_add(&args, "--all-origins");
    od_strlist_add_owned(&args, od_xasprintf("--json=%s", json));
    it_result res;
    it_run(bin, &args, NULL, 60, &res);
    CHECK_MSG(res.exit_code == 1, "--all-origins: exit %d (stderr %s)", res.exit_code, res.err);
    cJSON *j = it_load_json(json);
    CHECK(j != NULL);
    if (j) {
        const cJSON *schema = cJSON_GetObjectItemCaseSensitive(j, "schema");
        CHECK(cJSON_IsString(schema) && strcmp(schema->valuestring, "origin-doctor/distribution-report/1") == 0);
        CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "origins")) == 4);
        for (size_t i = 0; i < 3; i++) {
            const cJSON *o = origin_entry(j, origins[i].id);
            const cJSON *rep = cJSON_GetObjectItemCaseSensitive(o, "report");
            CHECK_MSG(cJSON_IsObject(rep), "%s: no report section", origins[i].id);
            char *fails = rep ? it_ids_with_severity(rep, "fail") : od_xstrdup("?");
            CHECK_MSG(strcmp(fails, origins[i].expect_fail) == 0, "%s: fail ids \"%s\", expected \"%s\"",
                      origins[i].id, fails, origins[i].expect_fail);
            free(fails);
            const cJSON *in = cJSON_GetObjectItemCaseSensitive(rep, "input");
            const cJSON *dom = cJSON_GetObjectItemCaseSensitive(in, "origin_domain");
            CHECK(cJSON_IsString(dom) && strcmp(dom->valuestring, origins[i].domain) == 0);
            const cJSON *to = cJSON_GetObjectItemCaseSensitive(in, "timeout");
            CHECK_MSG(cJSON_IsNumber(to) && to->valueint == 5, "%s: ConnectionTimeout not taken", origins[i].id);
        }
        const cJSON *s3 = origin_entry(j, "assets-s3");
        const cJSON *skipped = cJSON_GetObjectItemCaseSensitive(s3, "skipped");
        CHECK_MSG(cJSON_IsString(skipped) && strstr(skipped->valuestring, "S3"), "S3 origin not skipped with a reason");
        const cJSON *wf = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "verdict"), "would_fail");
        CHECK(cJSON_IsTrue(wf));
        cJSON_Delete(j);
    }
    CHECK(strstr(res.out, "Origin legacy") && strstr(res.out, "Origin media") && strstr(res.out, "assets-s3"));
    it_result_free(&res);
    od_strlist_free(&args);

    /* the saved distribution report reopens in batch with the same verdict */
    od_strlist_init(&args);
    od_strlist_add_owned(&args, od_xasprintf("--open=%s", json));
    od_strlist_add(&args, "--batch");
    it_run(bin, &args, NULL, 30, &res);
    CHECK_MSG(res.exit_code == 1 && strstr(res.out, "CERT_EXPIRED") && strstr(res.out, "CHAIN_INCOMPLETE"),
              "--open of a distribution report: exit %d", res.exit_code);
    it_result_free(&res);
    od_strlist_free(&args);

    /* --origin-id: just that origin */
    od_strlist_copy(&args, &common);
    od_strlist_add(&args, "--origin-id=legacy");
    char *one = od_xasprintf("%s/one.json", dir);
    od_strlist_add_owned(&args, od_xasprintf("--json=%s", one));
    it_run(bin, &args, NULL, 60, &res);
    CHECK_MSG(res.exit_code == 1, "--origin-id legacy: exit %d %s", res.exit_code, res.err);
    j = it_load_json(one);
    if (j) {
        char *fails = it_ids_with_severity(j, "fail");
        CHECK_STR(fails, "CERT_EXPIRED");
        free(fails);
        cJSON_Delete(j);
    } else {
        CHECK(false);
    }
    it_result_free(&res);
    od_strlist_free(&args);

    /* Behaviors that disagree: the default one sends the origin domain as
     * Host, /api/ forwards the viewer's Host (the alias, which the
     * certificate does not cover). Both name sets are checked and the
     * finding names the behavior it concerns. */
    {
        char *mixed_path = od_xasprintf("%s/mixed.json", dir);
        char *mixed = od_xasprintf(
            "{\"ETag\": \"E1\", \"DistributionConfig\": {\"CallerReference\": \"od-mixed\",\n"
            " \"Aliases\": {\"Quantity\": 1, \"Items\": [\"www.app.example.test\"]},\n"
            " \"Origins\": {\"Quantity\": 1, \"Items\": [{\"Id\": \"app-origin\", \"DomainName\": "
            "\"app.example.test\", \"OriginPath\": \"\", \"CustomHeaders\": {\"Quantity\": 0},\n"
            "  \"CustomOriginConfig\": {\"HTTPPort\": 80, \"HTTPSPort\": %d, \"OriginProtocolPolicy\": "
            "\"https-only\", \"OriginSslProtocols\": {\"Quantity\": 1, \"Items\": [\"TLSv1.2\"]}, "
            "\"OriginReadTimeout\": 30, \"OriginKeepaliveTimeout\": 5}, \"ConnectionAttempts\": 3, "
            "\"ConnectionTimeout\": 5}]},\n"
            " \"DefaultCacheBehavior\": {\"TargetOriginId\": \"app-origin\", \"ViewerProtocolPolicy\": "
            "\"allow-all\", \"CachePolicyId\": \"658327ea-f89d-4fab-a63d-7e88639e58f6\"},\n"
            " \"CacheBehaviors\": {\"Quantity\": 1, \"Items\": [{\"PathPattern\": \"/api/*\", "
            "\"TargetOriginId\": \"app-origin\", \"ViewerProtocolPolicy\": \"https-only\",\n"
            "  \"ForwardedValues\": {\"QueryString\": true, \"Cookies\": {\"Forward\": \"all\"}, "
            "\"Headers\": {\"Quantity\": 1, \"Items\": [\"Host\"]}}, \"MinTTL\": 0}]},\n"
            " \"Comment\": \"\", \"Enabled\": true}}\n",
            origins[0].port);
        CHECK(od_write_file_atomic(mixed_path, mixed, strlen(mixed), true) == 0);
        char *mixed_json = od_xasprintf("%s/mixed-report.json", dir);
        od_strlist_init(&args);
        od_strlist_add(&args, "--batch");
        od_strlist_add_owned(&args, od_xasprintf("--distribution-config=%s", mixed_path));
        od_strlist_add_owned(&args, od_xasprintf("--trust-store=%s", root_pem));
        od_strlist_add_owned(&args, od_xasprintf("--resolve=app.example.test:%d:127.0.0.1", origins[0].port));
        od_strlist_add_owned(&args, od_xasprintf("--json=%s", mixed_json));
        it_run(bin, &args, NULL, 60, &res);
        CHECK_MSG(res.exit_code == 1, "mixed behaviors: exit %d %s", res.exit_code, res.err);
        CHECK_MSG(strstr(res.out, "Cache behaviors concerned: /api/*") != NULL, "mixed: behavior not named");
        j = it_load_json(mixed_json);
        if (j) {
            char *fails = it_ids_with_severity(j, "fail");
            CHECK_STR(fails, "CERT_NAME_MISMATCH");
            free(fails);
            const cJSON *in = cJSON_GetObjectItemCaseSensitive(j, "input");
            CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "also_origin_domain")));
            const cJSON *f;
            bool names_alias = false;
            cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(j, "findings"))
            {
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "id");
                const cJSON *nm = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(f, "names"), 0);
                if (cJSON_IsString(id) && strcmp(id->valuestring, "CERT_NAME_MISMATCH") == 0 && cJSON_IsString(nm))
                    names_alias = strcmp(nm->valuestring, "www.app.example.test") == 0;
            }
            CHECK_MSG(names_alias, "mixed: the mismatch does not name the alias");
            cJSON_Delete(j);
        } else {
            CHECK(false);
        }
        it_result_free(&res);
        od_strlist_free(&args);
        free(mixed);
        free(mixed_path);
        free(mixed_json);
    }

    /* several custom origins and none chosen: a usage error listing them */
    od_strlist_copy(&args, &common);
    expect_usage_error("no --origin-id", &args, "legacy");
    od_strlist_free(&args);
    od_strlist_copy(&args, &common);
    od_strlist_add(&args, "--origin-id=assets-s3");
    expect_usage_error("S3 origin", &args, "cannot be diagnosed");
    od_strlist_free(&args);

    /* every malformed fixture config: exit 2, the file named */
    const char *src = getenv("OD_SOURCE_DIR");
    char *fixtures = od_xasprintf("%s/tests/fixtures/distconfig", src ? src : ".");
    DIR *d = opendir(fixtures);
    CHECK_MSG(d != NULL, "cannot open %s", fixtures);
    size_t bad = 0;
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
        if (strncmp(e->d_name, "bad-", 4) != 0)
            continue;
        od_strlist_init(&args);
        od_strlist_add(&args, "--batch");
        od_strlist_add_owned(&args, od_xasprintf("--distribution-config=%s/%s", fixtures, e->d_name));
        expect_usage_error(e->d_name, &args, e->d_name);
        od_strlist_free(&args);
        bad++;
    }
    if (d)
        closedir(d);
    CHECK_MSG(bad >= 10, "only %zu malformed configs", bad);

    /* malformed or truncated reports: exit 2 with the problem named */
    static const struct {
        const char *name;
        const char *text;
        const char *mention;
    } reports[] = {
        {"empty", "", "report"},
        {"not-json", "this is not json", "malformed"},
        {"truncated", "{\"schema\": \"origin-doctor/report/1\", \"tool\": {", "malformed"},
        {"array", "[1, 2, 3]", "report"},
        {"wrong-schema", "{\"schema\": \"origin-doctor/report/9\"}", "schema"},
        {"no-schema", "{\"findings\": []}", "schema"},
        {"schema-number", "{\"schema\": 1}", "schema"},
        {"control-byte", "{\"schema\"\x01: 1}", "binary data"},
        {"deep", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "malformed"},
        {"dist-missing-origins", "{\"schema\": \"origin-doctor/distribution-report/1\"}", "origins"},
        {"missing-keys", "{\"schema\": \"origin-doctor/report/1\"}", "tool"},
    };
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++) {
        char *path = od_xasprintf("%s/bad-%s.json", dir, reports[i].name);
        CHECK(od_write_file_atomic(path, reports[i].text, strlen(reports[i].text), true) == 0);
        od_strlist_init(&args);
        od_strlist_add_owned(&args, od_xasprintf("--open=%s", path));
        od_strlist_add(&args, "--batch");
        expect_usage_error(reports[i].name, &args, reports[i].mention);
        od_strlist_free(&args);
        free(path);
    }
    /* and a real report cut short at several points */
    size_t len = 0;
    char *full = od_read_file(one, &len);
    for (size_t cut = 1; full && cut < 8; cut++) {
        char *path = od_xasprintf("%s/cut-%zu.json", dir, cut);
        CHECK(od_write_file_atomic(path, full, len * cut / 8, true) == 0);
        od_strlist_init(&args);
        od_strlist_add_owned(&args, od_xasprintf("--open=%s", path));
        od_strlist_add(&args, "--batch");
        expect_usage_error("truncated report", &args, "malformed");
        od_strlist_free(&args);
        free(path);
    }
    free(full);

    for (size_t i = 0; i < 3; i++)
        if (servers[i])
            od_lab_server_stop(servers[i]);
    od_gen_cert *all[] = {&root, &ica, &leaf_ok, &leaf_expired, &leaf_alone};
    for (size_t i = 0; i < 5; i++)
        od_gen_cert_free(all[i]);
    od_strlist_free(&common);
    free(fixtures);
    free(one);
    free(json);
    free(cfg_path);
    free(root_pem);
    it_rmtree(dir);
    free(dir);
    return check_done("distribution");
}
