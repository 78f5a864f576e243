/* Issue 14: a fleet. Three origins on 127.0.0.1 (healthy, chain in the
 * wrong order, expired) behind 20 distributions in list-distributions
 * shape, some with S3 origins, some with two origins, and one malformed
 * entry in the middle. Checks the JSON lines per distribution, that each
 * distinct case is probed once (connections counted at the servers),
 * exit 1, that shards 1/3..3/3 merged give the unsharded summary, that
 * --resume skips finished records, and the exit 2 of unreadable files. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "itest.h"
#include "od_certgen.h"
#include "od_labserver.h"

#define N_DIST 20

static const char *bin;
static const char *const kinds[3] = {"healthy", "order", "expired"};
static const char *const expect_fail[3] = {"", "CHAIN_WRONG_ORDER", "CERT_EXPIRED"};
static int ports[3];

static void origin_json(od_buf *b, const char *id, int kind, bool last)
{
    od_buf_printf(b,
                  "{\"Id\": \"%s\", \"DomainName\": \"%s.fleet.test\", \"OriginPath\": \"\", "
                  "\"CustomHeaders\": {\"Quantity\": 0}, \"CustomOriginConfig\": {\"HTTPPort\": 80, \"HTTPSPort\": "
                  "%d, \"OriginProtocolPolicy\": \"https-only\", \"OriginSslProtocols\": {\"Quantity\": 1, "
                  "\"Items\": [\"TLSv1.2\"]}, \"OriginReadTimeout\": 30, \"OriginKeepaliveTimeout\": 5}, "
                  "\"ConnectionAttempts\": 3, \"ConnectionTimeout\": 5}%s",
                  id, kinds[kind], ports[kind], last ? "" : ", ");
}

/* Distribution i: its first origin is kinds[i % 3]; every fifth has a
 * second custom origin, every fourth an S3 origin. */
static bool has_second(int i) { return i % 5 == 0; }
static bool has_s3(int i) { return i % 4 == 0; }

static char *fleet_json(void)
{
    od_buf b;
    od_buf_init(&b);
    od_buf_puts(&b, "{\"DistributionList\": {\"Marker\": \"\", \"MaxItems\": 100, \"IsTruncated\": false, "
                    "\"Quantity\": 21, \"Items\": [\n");
    for (int i = 0; i < N_DIST; i++) {
        if (i == N_DIST / 2)   /* the malformed entry, in the middle */
            od_buf_puts(&b, "{\"Id\": \"EBROKENFLEET\", \"DomainName\": \"dbroken.cloudfront.net\", "
                            "\"Aliases\": {\"Quantity\": 0}, \"Origins\": {\"Quantity\": 1, \"Items\": "
                            "[{\"Id\": \"x\", \"DomainName\": \"x.fleet.test\", \"CustomOriginConfig\": "
                            "{\"HTTPPort\": 80, \"HTTPSPort\": \"443\", \"OriginProtocolPolicy\": \"https-only\"}}]}, "
                            "\"DefaultCacheBehavior\": {\"TargetOriginId\": \"x\"}},\n");
        int n_origins = 1 + has_second(i) + has_s3(i);
        od_buf_printf(&b,
                      "{\"Id\": \"E%02dFLEET\", \"DomainName\": \"d%02d.cloudfront.net\", \"Status\": \"Deployed\", "
                      "\"Aliases\": {\"Quantity\": 1, \"Items\": [\"site%d.fleet.test\"]}, "
                      "\"Origins\": {\"Quantity\": %d, \"Items\": [",
                      i, i, i, n_origins);
        origin_json(&b, "primary", i % 3, n_origins == 1);
        if (has_second(i))
            origin_json(&b, "second", (i + 1) % 3, !has_s3(i));
        if (has_s3(i))
            od_buf_puts(&b, "{\"Id\": \"static\", \"DomainName\": \"static.s3.us-east-1.amazonaws.com\", "
                            "\"S3OriginConfig\": {\"OriginAccessIdentity\": \"\"}}");
        od_buf_puts(&b, "]}, \"DefaultCacheBehavior\": {\"TargetOriginId\": \"primary\", \"ViewerProtocolPolicy\": "
                        "\"redirect-to-https\", \"CachePolicyId\": \"658327ea-f89d-4fab-a63d-7e88639e58f6\"}");
        if (has_second(i))
            od_buf_puts(&b, ", \"CacheBehaviors\": {\"Quantity\": 1, \"Items\": [{\"PathPattern\": \"/api/*\", "
                            "\"TargetOriginId\": \"second\", \"ViewerProtocolPolicy\": \"https-only\", "
                            "\"CachePolicyId\": \"4135ea2d-6df8-44a3-9df3-4b5a84be39ad\"}]}");
        od_buf_printf(&b, "}%s\n", i + 1 < N_DIST ? "," : "");
    }
    od_buf_puts(&b, "]}}\n");
    return od_buf_steal(&b);
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The records of a JSON lines file; each line must be one object. */
static cJSON *read_records(const char *path, size_t *lines)
{
    cJSON *all = cJSON_CreateArray();
    size_t len = 0;
    char *text = od_read_file(path, &len);
    *lines = 0;
    CHECK_MSG(text != NULL, "cannot read %s", path);
    for (char *line = text, *nl; text && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        CHECK_MSG(nl != NULL, "%s: the last line has no newline", path);
        if (!nl)
            break;
        *nl = '\0';
        cJSON *rec = cJSON_Parse(line);
        CHECK_MSG(cJSON_IsObject(rec), "%s: line %zu is not a JSON object", path, *lines + 1);
        if (rec)
            cJSON_AddItemToArray(all, rec);
        (*lines)++;
    }
    free(text);
    return all;
}

static const cJSON *find_record(const cJSON *recs, const char *dist, const char *origin)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, recs)
    {
        const char *d = jstr(r, "distribution_id"), *o = jstr(r, "origin_id");
        if (d && o && strcmp(d, dist) == 0 && strcmp(o, origin) == 0)
            return r;
    }
    return NULL;
}

static void check_origin_record(const cJSON *recs, int dist, const char *origin_id, int kind)
{
    char id[24];
    snprintf(id, sizeof id, "E%02dFLEET", dist);
    const cJSON *r = find_record(recs, id, origin_id);
    CHECK_MSG(r != NULL, "no record for %s %s", id, origin_id);
    if (!r)
        return;
    char dom[32];
    snprintf(dom, sizeof dom, "d%02d.cloudfront.net", dist);
    CHECK_STR(jstr(r, "distribution_domain"), dom);
    CHECK_STR(jstr(r, "status"), "checked");
    const cJSON *rep = cJSON_GetObjectItemCaseSensitive(r, "report");
    CHECK_STR(jstr(rep, "schema"), "origin-doctor/report/1");
    char *fails = rep ? it_ids_with_severity(rep, "fail") : od_xstrdup("?");
    CHECK_MSG(strcmp(fails, expect_fail[kind]) == 0, "%s %s (%s): fail ids \"%s\", expected \"%s\"", id, origin_id,
              kinds[kind], fails, expect_fail[kind]);
    free(fails);
    CHECK_STR(jstr(r, "verdict"), kind == 0 ? (strcmp(jstr(r, "verdict"), "warn") == 0 ? "warn" : "ok") : "fail");
    if (kind)
        CHECK_STR(jstr(r, "first_cause"), expect_fail[kind]);
    /* this distribution's own Alias, although the case is shared */
    const cJSON *cn = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rep, "input"), "cnames");
    char alias[32];
    snprintf(alias, sizeof alias, "site%d.fleet.test", dist);
    CHECK_MSG(cJSON_GetArraySize(cn) == 1 && strcmp(cJSON_GetArrayItem(cn, 0)->valuestring, alias) == 0,
              "%s: report input.cnames is not its own alias", id);
    const cJSON *days = cJSON_GetObjectItemCaseSensitive(r, "cert_expiry_days");
    CHECK_MSG(cJSON_IsNumber(days) && (kind == 2 ? days->valuedouble < 0 : days->valuedouble > 0),
              "%s %s: cert_expiry_days wrong", id, origin_id);
}

static void run(od_strlist *args, it_result *res)
{
    it_run(bin, args, NULL, 240, res);
}

static od_strlist base_args(const char *list, const char *root_pem)
{
    od_strlist a;
    od_strlist_init(&a);
    od_strlist_add(&a, "--fleet");
    od_strlist_add(&a, list);
    od_strlist_add_owned(&a, od_xasprintf("--trust-store=%s", root_pem));
    for (int k = 0; k < 3; k++)
        od_strlist_add_owned(&a, od_xasprintf("--resolve=*:%d:127.0.0.1", ports[k]));
    return a;
}

int main(int argc, char **argv)
{
    bin = it_bin_arg(argc, argv);
    char *dir = it_tmpdir();

    /* PKI: root -> ICA1 -> ICA2; the wrong-order origin sends leaf, ICA1, ICA2.
     * Expiry dates sit half a day off whole days, so the days until expiry
     * (rounded down) are the same in every run of this test. */
    od_gen_cert root, ica, ica2, leaf_ok, leaf_order, leaf_expired;
    time_t now = time(NULL);
    const time_t day = 86400, ca_end = now + 365 * day + day / 2, leaf_end = now + 90 * day + day / 2;
    od_gen_spec rs = {.dn = "CN=Fleet Test Root,O=origin-doctor tests", .is_ca = true, .key = OD_KEY_ECDSA_P256,
                      .not_after = ca_end};
    od_gen_spec is = {.dn = "CN=Fleet Test ICA,O=origin-doctor tests", .is_ca = true, .key = OD_KEY_ECDSA_P256,
                      .not_after = ca_end};
    od_gen_spec is2 = {.dn = "CN=Fleet Test ICA 2,O=origin-doctor tests", .is_ca = true, .key = OD_KEY_ECDSA_P256,
                       .not_after = ca_end};
    const char *const n_ok[] = {"healthy.fleet.test", NULL};
    const char *const n_order[] = {"order.fleet.test", NULL};
    const char *const n_exp[] = {"expired.fleet.test", NULL};
    od_gen_spec s_ok = {.dn = "CN=healthy.fleet.test", .san_dns = n_ok, .key = OD_KEY_ECDSA_P256,
                        .not_after = leaf_end};
    od_gen_spec s_order = {.dn = "CN=order.fleet.test", .san_dns = n_order, .key = OD_KEY_ECDSA_P256,
                           .not_after = leaf_end};
    od_gen_spec s_exp = {.dn = "CN=expired.fleet.test", .san_dns = n_exp, .key = OD_KEY_ECDSA_P256,
                         .not_before = now - 90 * day, .not_after = now - 5 * day - day / 2};
    CHECK(od_gen_cert_make(&rs, NULL, &root) == 0);
    CHECK(od_gen_cert_make(&is, &root, &ica) == 0);
    CHECK(od_gen_cert_make(&is2, &ica, &ica2) == 0);
    CHECK(od_gen_cert_make(&s_ok, &ica, &leaf_ok) == 0);
    CHECK(od_gen_cert_make(&s_order, &ica2, &leaf_order) == 0);
    CHECK(od_gen_cert_make(&s_exp, &ica, &leaf_expired) == 0);
    char *root_pem = od_xasprintf("%s/root.pem", dir);
    const od_gen_cert *roots[] = {&root};
    CHECK(od_gen_write_pem_chain(root_pem, roots, 1) == 0);
    const od_gen_cert *chain_ok[] = {&leaf_ok, &ica};
    const od_gen_cert *chain_order[] = {&leaf_order, &ica, &ica2};
    const od_gen_cert *chain_exp[] = {&leaf_expired, &ica};
    const od_gen_cert *const *chains[] = {chain_ok, chain_order, chain_exp};
    size_t chain_lens[] = {2, 3, 2};
    od_lab_server *servers[3];
    for (int k = 0; k < 3; k++) {
        od_lab_config cfg = {.mode = OD_LAB_TLS, .n_identities = 1};
        cfg.identities[0].chain = chains[k];
        cfg.identities[0].chain_len = chain_lens[k];
        char *err = NULL;
        servers[k] = od_lab_server_start(&cfg, &ports[k], &err);
        CHECK_MSG(servers[k] != NULL, "server %s: %s", kinds[k], err ? err : "?");
        free(err);
        if (!servers[k])
            return check_done("fleet");
    }

    char *list = od_xasprintf("%s/list-distributions.json", dir);
    char *json = fleet_json();
    CHECK(od_write_file_atomic(list, json, strlen(json), true) == 0);
    free(json);

    /* How many connections one diagnosis of each origin takes. */
    size_t single[3];
    for (int k = 0; k < 3; k++) {
        od_strlist a;
        od_strlist_init(&a);
        od_strlist_add(&a, "--batch");
        od_strlist_add_owned(&a, od_xasprintf("--trust-store=%s", root_pem));
        od_strlist_add_owned(&a, od_xasprintf("--https-port=%d", ports[k]));
        od_strlist_add_owned(&a, od_xasprintf("--resolve=*:%d:127.0.0.1", ports[k]));
        od_strlist_add_owned(&a, od_xasprintf("%s.fleet.test", kinds[k]));
        size_t before = od_lab_server_accepted(servers[k]);
        it_result res;
        run(&a, &res);
        CHECK_MSG(res.exit_code == (k ? 1 : 0), "single %s: exit %d: %s", kinds[k], res.exit_code, res.err);
        single[k] = od_lab_server_accepted(servers[k]) - before;
        it_result_free(&res);
        od_strlist_free(&a);
    }

    /* ---- the whole fleet, unsharded ---- */
    size_t before[3];
    for (int k = 0; k < 3; k++)
        before[k] = od_lab_server_accepted(servers[k]);
    char *all = od_xasprintf("%s/all.jsonl", dir);
    od_strlist a = base_args(list, root_pem);
    od_strlist_add_owned(&a, od_xasprintf("--jsonl=%s", all));
    it_result whole;
    run(&a, &whole);
    od_strlist_free(&a);
    CHECK_MSG(whole.exit_code == 1, "fleet: exit %d, expected 1 (stderr %s)", whole.exit_code, whole.err);
    CHECK_MSG(strstr(whole.err, "EBROKENFLEET") && strstr(whole.err, "HTTPSPort"),
              "the malformed entry is not named on stderr: %s", whole.err);
    /* each distinct case once: every origin serves 8 or more items, so a
     * probe per item would take several times the connections of one run.
     * A run's count varies by a few: a speculative probe (the GET beside a
     * HEAD) opens a connection only if it starts before it is known to be
     * unneeded. */
    for (int k = 0; k < 3; k++) {
        size_t used = od_lab_server_accepted(servers[k]) - before[k];
        CHECK_MSG(single[k] > 0 && used * 10 >= single[k] * 9 && used < 2 * single[k],
                  "%s: %zu connections in the fleet run, %zu for one diagnosis", kinds[k], used, single[k]);
    }
    size_t n_lines;
    cJSON *recs = read_records(all, &n_lines);
    /* 20 primaries + 4 second origins + 5 S3 origins + 1 malformed entry */
    CHECK_MSG(n_lines == 30, "%zu JSON lines, expected 30", n_lines);
    od_strlist cases;
    od_strlist_init(&cases);
    const cJSON *r;
    cJSON_ArrayForEach(r, recs)
    {
        CHECK_STR(jstr(r, "schema"), "origin-doctor/fleet-record/1");
        const char *c = jstr(r, "case");
        if (c && !od_strlist_contains(&cases, c))
            od_strlist_add(&cases, c);
    }
    CHECK_MSG(cases.len == 3, "%zu distinct cases, expected 3", cases.len);
    od_strlist_free(&cases);
    for (int i = 0; i < N_DIST; i++) {
        check_origin_record(recs, i, "primary", i % 3);
        if (has_second(i))
            check_origin_record(recs, i, "second", (i + 1) % 3);
        char id[24];
        snprintf(id, sizeof id, "E%02dFLEET", i);
        const cJSON *s3 = find_record(recs, id, "static");
        CHECK_MSG(has_s3(i) == (s3 != NULL), "%s: S3 record %s", id, s3 ? "unexpected" : "missing");
        if (s3) {
            CHECK_STR(jstr(s3, "status"), "skipped");
            CHECK_MSG(jstr(s3, "first_cause") && strstr(jstr(s3, "first_cause"), "S3"), "%s: no S3 reason", id);
        }
    }
    const cJSON *broken = find_record(recs, "EBROKENFLEET", "");
    CHECK_MSG(broken && strcmp(jstr(broken, "status"), "invalid") == 0, "the malformed entry has no invalid record");
    cJSON_Delete(recs);
    CHECK(strstr(whole.out, "E19FLEET") && strstr(whole.out, "CHAIN_WRONG_ORDER") && strstr(whole.out, "30 origins"));

    /* ---- shards 1/3, 2/3, 3/3, merged ---- */
    od_strlist merge;
    od_strlist_init(&merge);
    od_strlist_add(&merge, "--merge");
    size_t shard_lines = 0;
    for (int k = 1; k <= 3; k++) {
        char *out = od_xasprintf("%s/shard%d.jsonl", dir, k);
        a = base_args(list, root_pem);
        od_strlist_add_owned(&a, od_xasprintf("--shard=%d/3", k));
        od_strlist_add_owned(&a, od_xasprintf("--jsonl=%s", out));
        it_result res;
        run(&a, &res);
        CHECK_MSG(res.exit_code == 0 || res.exit_code == 1, "shard %d/3: exit %d: %s", k, res.exit_code, res.err);
        it_result_free(&res);
        od_strlist_free(&a);
        size_t n;
        cJSON_Delete(read_records(out, &n));
        CHECK_MSG(n > 0 && n < 30, "shard %d/3 holds %zu records", k, n);
        shard_lines += n;
        od_strlist_add_owned(&merge, out);
    }
    CHECK_MSG(shard_lines == 30, "the shards hold %zu records together, expected 30", shard_lines);
    it_result merged;
    run(&merge, &merged);
    CHECK_MSG(merged.exit_code == 1, "--merge: exit %d: %s", merged.exit_code, merged.err);
    CHECK_MSG(strcmp(merged.out, whole.out) == 0, "merged shards differ from the unsharded run:\n%s\n---\n%s",
              merged.out, whole.out);
    it_result_free(&merged);
    od_strlist_free(&merge);

    /* --expiring-within lists the soonest first; --report writes the Markdown */
    {
        od_strlist m;
        od_strlist_init(&m);
        od_strlist_add(&m, "--merge");
        od_strlist_add(&m, all);
        od_strlist_add(&m, "--expiring-within=30");
        char *md = od_xasprintf("%s/fleet.md", dir);
        od_strlist_add_owned(&m, od_xasprintf("--report=%s", md));
        it_result er;
        run(&m, &er);
        /* the 7 records of the expired origin (-6 days); the others expire in 90 */
        CHECK_MSG(er.exit_code == 1 && strncmp(er.out, "Certificates expiring within 30 days: 7\n  -6 days", 47) == 0,
                  "--expiring-within: exit %d, %s", er.exit_code, er.out);
        size_t len = 0;
        char *text = od_read_file(md, &len);
        CHECK_MSG(text && strstr(text, "## Certificates expiring within 30 days (7)") &&
                      strstr(text, "| E19FLEET | d19.cloudfront.net | primary | order.fleet.test | fail | "
                                   "CHAIN_WRONG_ORDER | 90 |"),
                  "--report: %s", text ? text : "(missing)");
        free(text);
        free(md);
        it_result_free(&er);
        od_strlist_free(&m);
    }

    /* the shard index from a job runner's environment */
    a = base_args(list, root_pem);
    od_strlist_add(&a, "--shard=env/3");
    it_result res;
    const char *const env_bad[] = {"AWS_BATCH_JOB_ARRAY_INDEX=3", NULL};
    it_run(bin, &a, env_bad, 60, &res);
    CHECK_MSG(res.exit_code == 2 && strstr(res.err, "AWS_BATCH_JOB_ARRAY_INDEX"), "--shard env/3 with index 3: exit %d",
              res.exit_code);
    it_result_free(&res);
    od_strlist_free(&a);

    /* ---- --resume: the first 10 records done, then a line cut short by a crash ---- */
    char *partial = od_xasprintf("%s/partial.jsonl", dir);
    {
        size_t len = 0;
        char *text = od_read_file(all, &len);
        char *p = text;
        for (int i = 0; i < 10 && p; i++)
            p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
        od_buf b;
        od_buf_init(&b);
        od_buf_append(&b, text, (size_t)(p - text));
        od_buf_puts(&b, "{\"schema\":\"origin-doctor/fleet-record/1\",\"distribution_id\":\"E0");
        CHECK(od_write_file_atomic(partial, b.data, b.len, true) == 0);
        od_buf_free(&b);
        free(text);
    }
    a = base_args(list, root_pem);
    od_strlist_add_owned(&a, od_xasprintf("--resume=%s", partial));
    od_strlist_add_owned(&a, od_xasprintf("--jsonl=%s", partial));
    run(&a, &res);
    od_strlist_free(&a);
    CHECK_MSG(res.exit_code == 1, "--resume: exit %d: %s", res.exit_code, res.err);
    CHECK_MSG(strstr(res.err, "line 11") != NULL, "the cut line is not reported: %s", res.err);
    CHECK_MSG(strcmp(res.out, whole.out) == 0, "the resumed summary differs:\n%s\n---\n%s", res.out, whole.out);
    it_result_free(&res);
    /* 10 kept + the cut line (left alone, ended) + 20 new */
    {
        size_t len = 0;
        char *text = od_read_file(partial, &len);
        size_t nl = 0;
        for (size_t i = 0; text && i < len; i++)
            nl += text[i] == '\n';
        CHECK_MSG(nl == 31, "the resumed file has %zu lines, expected 31 (10 kept, the cut one, 20 added)", nl);
        free(text);
    }

    /* ---- files that cannot be read: exit 2, nothing probed ---- */
    od_strlist_init(&a);
    od_strlist_add(&a, "--fleet");
    od_strlist_add_owned(&a, od_xasprintf("%s/missing.json", dir));
    run(&a, &res);
    CHECK_MSG(res.exit_code == 2 && strstr(res.err, "missing.json"), "missing file: exit %d", res.exit_code);
    it_result_free(&res);
    od_strlist_free(&a);
    char *bad = od_xasprintf("%s/bad.json", dir);
    CHECK(od_write_file_atomic(bad, "{\"DistributionList\": {\"Items\": [", 32, true) == 0);
    od_strlist_init(&a);
    od_strlist_add(&a, "--fleet");
    od_strlist_add(&a, bad);
    run(&a, &res);
    CHECK_MSG(res.exit_code == 2 && strstr(res.err, "bad.json"), "malformed file: exit %d", res.exit_code);
    CHECK(res.out[0] == '\0');
    it_result_free(&res);
    od_strlist_free(&a);

    /* flags that go with --fleet or --merge only, and bad values: exit 2, nothing probed */
    {
        const char *const bad[][3] = {
            {"--jsonl=x.jsonl", "origin.example.com", "--jsonl"},
            {"--fleet", NULL, "at least one file"},
            {"--merge", NULL, "at least one file"},
            {"--expiring-within=5", "origin.example.com", "--expiring-within"},
            {"--fleet-concurrency=0", "--fleet", "--fleet-concurrency"},
            {"--shard=0/3", "--fleet", "--shard"},
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            od_strlist_init(&a);
            od_strlist_add(&a, bad[i][0]);
            if (bad[i][1])
                od_strlist_add(&a, bad[i][1]);
            if (bad[i][1] && strcmp(bad[i][1], "--fleet") == 0)
                od_strlist_add(&a, list);
            run(&a, &res);
            CHECK_MSG(res.exit_code == 2 && strstr(res.err, bad[i][2]) && res.out[0] == '\0',
                      "%s: exit %d, stderr %s", bad[i][0], res.exit_code, res.err);
            it_result_free(&res);
            od_strlist_free(&a);
        }
    }

    it_result_free(&whole);
    for (int k = 0; k < 3; k++)
        od_lab_server_stop(servers[k]);
    od_gen_cert_free(&root);
    od_gen_cert_free(&ica);
    od_gen_cert_free(&ica2);
    od_gen_cert_free(&leaf_ok);
    od_gen_cert_free(&leaf_order);
    od_gen_cert_free(&leaf_expired);
    it_rmtree(dir);
    free(dir);
    free(root_pem);
    free(list);
    free(all);
    free(partial);
    free(bad);
    return check_done("fleet");
}
