/* Import of CloudFront distribution configs (tests/fixtures/distconfig,
 * written in the AWS CLI's JSON shapes): each good fixture gives the
 * expected Case and Host decision per behavior, a custom policy makes the
 * import ask instead of guessing, and every malformed file gives a message
 * that names the problem and where it is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "od_case.h"
#include "od_distconfig.h"
#include "od_policy.h"

static char *fixture_dir;
static od_managed_policies policies;

static bool contains(const char *hay, const char *needle)
{
    return hay && needle && strstr(hay, needle);
}

static char *fixture(const char *name)
{
    return od_xasprintf("%s/%s", fixture_dir, name);
}

/* Loads a fixture that must parse; the test fails loudly if it does not. */
static bool load_ok(const char *name, od_dist_config *d)
{
    char *path = fixture(name);
    char *err = od_distconfig_load(path, &policies, d);
    CHECK_MSG(err == NULL, "%s: %s", name, err ? err : "");
    free(path);
    free(err);
    return d->n_origins > 0;
}

static const od_dist_behavior *find_behavior(const od_dist_origin *o, const char *pattern)
{
    for (size_t i = 0; o && i < o->n_behaviors; i++)
        if (strcmp(o->behaviors[i].path_pattern, pattern) == 0)
            return &o->behaviors[i];
    return NULL;
}

static bool cnames_are(const od_case *c, const char *const *names, size_t n)
{
    if (c->cnames.len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(c->cnames.items[i], names[i]) != 0)
            return false;
    return true;
}

static void test_policy_table(void)
{
    const od_managed_policy *m = od_managed_origin_request_policy(&policies, "216adef6-5c7f-47e4-b989-5492eafa07d3");
    CHECK(m && m->includes_host && strcmp(m->name, "AllViewer") == 0);
    m = od_managed_origin_request_policy(&policies, "33f36d7e-f396-46d9-90e0-52428a34d9dc");
    CHECK(m && m->includes_host);
    m = od_managed_origin_request_policy(&policies, "b689b0a8-53d0-40ab-baf2-68738e2966ac");
    CHECK(m && !m->includes_host);
    m = od_managed_cache_policy(&policies, "658327ea-f89d-4fab-a63d-7e88639e58f6");
    CHECK(m && !m->includes_host);
    m = od_managed_cache_policy(&policies, "2e54312d-136d-493c-8eb9-b001f22f67d2");   /* Amplify: Host in the key */
    CHECK(m && m->includes_host);
    CHECK(od_managed_cache_policy(&policies, "216adef6-5c7f-47e4-b989-5492eafa07d3") == NULL);
    CHECK(od_managed_origin_request_policy(&policies, "not-a-policy") == NULL);
    CHECK(policies.source && policies.checked);

    /* A broken table names the file and the key. */
    char path[] = "/tmp/od-distconfig-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        const char *text = "{\"source\":\"x\",\"checked\":\"2026-11\",\"origin_request_policies\":"
                           "[{\"id\":\"a\",\"name\":\"A\",\"includes_host\":\"yes\"}],\"cache_policies\":[]}";
        CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
        close(fd);
        od_managed_policies p;
        char *err = od_managed_policies_load(path, &p);
        CHECK_MSG(contains(err, path) && contains(err, "origin_request_policies[0].includes_host") &&
                      contains(err, "true or false"),
                  "%s", err ? err : "(null)");
        free(err);
        unlink(path);
    }
    od_managed_policies p;
    char *err = od_managed_policies_load("/nonexistent/policies.json", &p);
    CHECK(contains(err, "/nonexistent/policies.json") && contains(err, "cannot read"));
    free(err);
}

static void test_legacy_forwarded_host(void)
{
    od_dist_config d;
    if (!load_ok("legacy-forwarded-host.json", &d))
        return;
    CHECK_STR(d.shape, "get-distribution-config");
    CHECK(d.distribution_id == NULL && d.domain_name == NULL);
    CHECK(d.n_origins == 1);
    const od_dist_origin *o = od_distconfig_find_origin(&d, "app-origin");
    CHECK(o && o == od_distconfig_default_origin(&d));
    if (!o)
        goto out;
    CHECK(o->is_custom && o->skip_reason == NULL);
    CHECK(o->connection_attempts == 2 && o->connection_timeout == 5 && o->read_timeout == 30);
    CHECK(o->n_behaviors == 1);
    const od_dist_behavior *b = find_behavior(o, "default");
    CHECK(b && b->host == OD_HOST_FORWARDED && contains(b->reason, "legacy ForwardedValues.Headers includes Host"));
    CHECK(b && b->cache_policy_id == NULL && b->origin_request_policy_id == NULL);

    od_case c;
    od_case_init(&c);
    od_dist_case_info info;
    od_dist_case_info_init(&info);
    char *err = od_distconfig_case(&d, o, NULL, &c, &info);
    CHECK_MSG(err == NULL, "%s", err ? err : "");
    free(err);
    CHECK_STR(c.origin_domain, "origin.example.com");   /* lower-cased */
    CHECK(c.http_port == 80 && c.https_port == 8443);
    CHECK(c.protocol_policy == OD_POLICY_HTTPS_ONLY);
    CHECK(c.origin_ssl_protocols == (OD_PROTO_TLS11 | OD_PROTO_TLS12));
    CHECK(c.timeout_s == 5);
    CHECK(c.forward_host_header);
    const char *names[] = {"www.example.com", "example.com"};
    CHECK(cnames_are(&c, names, 2));
    CHECK(!info.mixed && info.forwarding_behaviors.len == 1 && info.origin_host_behaviors.len == 0);
    CHECK(!c.also_origin_domain && c.behaviors_forwarding_host.len == 0);
    /* The names CloudFront will send as SNI are the CNAMEs. */
    od_strlist expected;
    od_strlist_init(&expected);
    od_case_expected_names(&c, &expected);
    CHECK(od_strlist_contains(&expected, "www.example.com") && !od_strlist_contains(&expected, "origin.example.com"));
    od_strlist_free(&expected);
    od_dist_case_info_free(&info);
    od_case_free(&c);
out:
    od_distconfig_free(&d);
}

static void test_managed_allviewer(void)
{
    od_dist_config d;
    if (!load_ok("managed-allviewer.json", &d))
        return;
    CHECK_STR(d.shape, "get-distribution");
    CHECK_STR(d.distribution_id, "E2EXAMPLE9X8Y7");
    CHECK_STR(d.domain_name, "d111111abcdef8.cloudfront.net");
    const od_dist_origin *o = od_distconfig_find_origin(&d, "api-origin");
    CHECK(o != NULL);
    if (!o)
        goto out;
    const od_dist_behavior *b = find_behavior(o, "default");
    CHECK(b && b->host == OD_HOST_FORWARDED);
    CHECK(b && contains(b->reason, "managed origin request policy AllViewer") &&
          contains(b->reason, "216adef6-5c7f-47e4-b989-5492eafa07d3"));
    CHECK(b && b->origin_request_policy_id && strcmp(b->origin_request_policy_id, "216adef6-5c7f-47e4-b989-5492eafa07d3") == 0);
    CHECK(b && b->cache_policy_id && strcmp(b->cache_policy_id, "4135ea2d-6df8-44a3-9df3-4b5a84be39ad") == 0);

    od_case c;
    od_case_init(&c);
    c.concurrency = 3;   /* a field the import must leave alone */
    char *err = od_distconfig_case(&d, o, NULL, &c, NULL);
    CHECK(err == NULL);
    free(err);
    CHECK_STR(c.origin_domain, "api.example.net");
    CHECK(c.http_port == 8080 && c.https_port == 443);
    CHECK(c.protocol_policy == OD_POLICY_MATCH_VIEWER);
    CHECK(c.origin_ssl_protocols == (OD_PROTO_TLS1 | OD_PROTO_TLS11 | OD_PROTO_TLS12));
    CHECK(c.timeout_s == 10);
    CHECK(c.forward_host_header);
    const char *names[] = {"app.example.org"};
    CHECK(cnames_are(&c, names, 1));
    CHECK(c.concurrency == 3);
    od_case_free(&c);
out:
    od_distconfig_free(&d);
}

static void test_custom_policy_asks(void)
{
    od_dist_config d;
    if (!load_ok("custom-policy.json", &d))
        return;
    const char *orp = "4d1b2c3a-7e6f-4a5b-9c8d-0e1f2a3b4c5d", *cp = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
    const od_dist_origin *o = od_distconfig_default_origin(&d);
    CHECK(o && strcmp(o->id, "shop-origin") == 0);
    if (!o)
        goto out;
    const od_dist_behavior *def = find_behavior(o, "default"), *cart = find_behavior(o, "/cart/*");
    CHECK(def && def->host == OD_HOST_UNKNOWN && def->unknown_policies.len == 1 &&
          strcmp(def->unknown_policies.items[0], orp) == 0);
    CHECK(def && contains(def->reason, "custom origin request policy") && contains(def->reason, orp) &&
          contains(def->reason, "CachingOptimized"));
    CHECK(cart && cart->host == OD_HOST_UNKNOWN && cart->unknown_policies.len == 1 &&
          strcmp(cart->unknown_policies.items[0], cp) == 0);
    CHECK(cart && contains(cart->reason, "custom cache policy"));

    od_strlist q;
    od_strlist_init(&q);
    od_distconfig_questions(o, &q);
    CHECK(q.len == 2 && od_strlist_contains(&q, orp) && od_strlist_contains(&q, cp));
    od_strlist_free(&q);

    /* No answer: the import asks, naming both policies, and touches nothing. */
    od_case c;
    od_case_init(&c);
    od_dist_case_info info;
    od_dist_case_info_init(&info);
    char *err = od_distconfig_case(&d, o, NULL, &c, &info);
    CHECK_MSG(contains(err, orp) && contains(err, cp) && contains(err, "get-origin-request-policy --id") &&
                  contains(err, "get-cache-policy --id") && contains(err, "includes Host") &&
                  contains(err, "shop-origin"),
              "%s", err ? err : "(null)");
    free(err);
    CHECK(c.origin_domain == NULL && !c.forward_host_header);

    /* Half answered: still asks, about the other one only. */
    od_host_answers a;
    od_host_answers_init(&a);
    od_strlist_add(&a.excludes_host, orp);
    err = od_distconfig_case(&d, o, &a, &c, &info);
    CHECK(err && !contains(err, orp) && contains(err, cp) && contains(err, "/cart/*"));
    free(err);

    /* Neither includes Host: the origin domain is the SNI. */
    od_strlist_add(&a.excludes_host, cp);
    err = od_distconfig_case(&d, o, &a, &c, &info);
    CHECK(err == NULL);
    free(err);
    CHECK(!c.forward_host_header && !info.mixed && info.origin_host_behaviors.len == 2);
    CHECK_STR(c.origin_domain, "shop-backend.example.com");
    CHECK(c.timeout_s == 7);

    /* The cart's cache policy includes Host: the behaviors disagree. */
    od_host_answers_free(&a);
    od_host_answers_init(&a);
    od_strlist_add(&a.excludes_host, orp);
    od_strlist_add(&a.includes_host, cp);
    err = od_distconfig_case(&d, o, &a, &c, &info);
    CHECK(err == NULL);
    free(err);
    CHECK(c.forward_host_header && info.mixed);
    CHECK(info.forwarding_behaviors.len == 1 && strcmp(info.forwarding_behaviors.items[0], "/cart/*") == 0);
    CHECK(info.origin_host_behaviors.len == 1 && strcmp(info.origin_host_behaviors.items[0], "default") == 0);

    /* "I don't know" (in both lists): both name sets for that behavior. */
    od_host_answers_free(&a);
    od_host_answers_init(&a);
    od_strlist_add(&a.includes_host, orp);
    od_strlist_add(&a.excludes_host, orp);
    od_strlist_add(&a.excludes_host, cp);
    err = od_distconfig_case(&d, o, &a, &c, &info);
    CHECK(err == NULL);
    free(err);
    CHECK(c.forward_host_header && info.mixed && info.forwarding_behaviors.len == 1 &&
          info.origin_host_behaviors.len == 2);
    od_host_answers_free(&a);
    od_dist_case_info_free(&info);
    od_case_free(&c);
out:
    od_distconfig_free(&d);
}

static void test_s3_origin_skipped(void)
{
    od_dist_config d;
    if (!load_ok("s3-origin.json", &d))
        return;
    CHECK(d.n_origins == 2 && od_distconfig_count_custom(&d) == 1);
    const od_dist_origin *s3 = od_distconfig_find_origin(&d, "s3-assets");
    const od_dist_origin *web = od_distconfig_find_origin(&d, "web");
    CHECK(s3 && !s3->is_custom && contains(s3->skip_reason, "S3"));
    CHECK(web && web == od_distconfig_default_origin(&d));
    if (!s3 || !web)
        goto out;
    CHECK(s3->n_behaviors == 1 && find_behavior(s3, "/static/*"));
    od_case c;
    od_case_init(&c);
    char *err = od_distconfig_case(&d, s3, NULL, &c, NULL);
    CHECK(contains(err, "s3-assets") && contains(err, "cannot be diagnosed") && contains(err, "S3"));
    free(err);
    CHECK(c.origin_domain == NULL);

    const od_dist_behavior *b = find_behavior(web, "default");
    CHECK(b && b->host == OD_HOST_NOT_FORWARDED && contains(b->reason, "does not include Host"));
    err = od_distconfig_case(&d, web, NULL, &c, NULL);
    CHECK(err == NULL);
    free(err);
    CHECK_STR(c.origin_domain, "web.example.com");
    CHECK(!c.forward_host_header && c.timeout_s == 3);
    const char *names[] = {"static.example.com"};
    CHECK(cnames_are(&c, names, 1));   /* kept for the report even when not the SNI */
    od_strlist expected;
    od_strlist_init(&expected);
    od_case_expected_names(&c, &expected);
    CHECK(expected.len == 1 && strcmp(expected.items[0], "web.example.com") == 0);
    od_strlist_free(&expected);
    od_case_free(&c);
out:
    od_distconfig_free(&d);
}

static void test_mixed_behaviors(void)
{
    od_dist_config d;
    if (!load_ok("mixed-behaviors.json", &d))
        return;
    CHECK(d.n_origins == 4 && od_distconfig_count_custom(&d) == 3);
    CHECK(od_distconfig_default_origin(&d) == NULL);   /* several: the user must choose */
    const od_dist_origin *shop = od_distconfig_find_origin(&d, "shop");
    const od_dist_origin *api = od_distconfig_find_origin(&d, "legacy-api");
    const od_dist_origin *backup = od_distconfig_find_origin(&d, "backup-api");
    const od_dist_origin *media = od_distconfig_find_origin(&d, "media");
    CHECK(shop && api && backup && media);
    CHECK(od_distconfig_find_origin(&d, "api-group") == NULL);   /* a group, not an origin */
    if (!shop || !api || !backup || !media)
        goto out;
    CHECK(media && !media->is_custom);

    /* shop: the default behavior does not forward Host (AllViewerExceptHostHeader),
     * the account pages do (AllViewer). */
    CHECK(shop->n_behaviors == 2);
    const od_dist_behavior *b = find_behavior(shop, "default");
    CHECK(b && b->host == OD_HOST_NOT_FORWARDED && contains(b->reason, "AllViewerExceptHostHeader"));
    b = find_behavior(shop, "/account/*");
    CHECK(b && b->host == OD_HOST_FORWARDED && contains(b->reason, "AllViewer ("));

    od_case c;
    od_case_init(&c);
    od_dist_case_info info;
    od_dist_case_info_init(&info);
    char *err = od_distconfig_case(&d, shop, NULL, &c, &info);
    CHECK(err == NULL);
    free(err);
    CHECK(c.forward_host_header && info.mixed);
    CHECK(info.forwarding_behaviors.len == 1 && strcmp(info.forwarding_behaviors.items[0], "/account/*") == 0);
    CHECK(info.origin_host_behaviors.len == 1 && strcmp(info.origin_host_behaviors.items[0], "default") == 0);
    CHECK_STR(c.origin_domain, "shop-origin.example.com");
    const char *names[] = {"www.shop.example", "shop.example"};
    CHECK(cnames_are(&c, names, 2));
    /* One case, both name sets, and which behaviors each concerns. */
    CHECK(c.also_origin_domain);
    CHECK(c.behaviors_forwarding_host.len == 1 &&
          strcmp(c.behaviors_forwarding_host.items[0], "/account/*") == 0);
    CHECK(c.behaviors_origin_host.len == 1 && strcmp(c.behaviors_origin_host.items[0], "default") == 0);
    od_strlist names_set;
    od_strlist_init(&names_set);
    od_case_expected_names(&c, &names_set);
    /* the distribution's own name too: viewers may send it as Host */
    CHECK_STR(c.distribution_domain, "d2222222abcdef.cloudfront.net");
    CHECK(names_set.len == 4 && od_strlist_contains(&names_set, "www.shop.example") &&
          od_strlist_contains(&names_set, "shop.example") &&
          od_strlist_contains(&names_set, "d2222222abcdef.cloudfront.net") &&
          od_strlist_contains(&names_set, "shop-origin.example.com"));
    od_strlist_free(&names_set);

    /* legacy-api: the API behavior forwards all headers ("*"); the v2 one,
     * through the origin group, does not. */
    CHECK(api->n_behaviors == 2);
    b = find_behavior(api, "/api/*");
    CHECK(b && b->host == OD_HOST_FORWARDED && contains(b->reason, "*"));
    b = find_behavior(api, "/v2/*");
    CHECK(b && b->host == OD_HOST_NOT_FORWARDED && contains(b->reason, "CachingDisabled") &&
          contains(b->reason, "api-group"));
    err = od_distconfig_case(&d, api, NULL, &c, &info);
    CHECK(err == NULL);
    free(err);
    CHECK(info.mixed && c.forward_host_header);
    CHECK_STR(c.origin_domain, "api-origin.example.com");
    CHECK(c.http_port == 8080 && c.https_port == 8443 && c.protocol_policy == OD_POLICY_HTTP_ONLY);
    CHECK(c.origin_ssl_protocols == OD_PROTO_TLS12 && c.timeout_s == 4);

    /* backup-api: only the group's behavior, Host not forwarded. */
    CHECK(backup->n_behaviors == 1);
    err = od_distconfig_case(&d, backup, NULL, &c, &info);
    CHECK(err == NULL);
    free(err);
    CHECK(!info.mixed && !c.forward_host_header && info.origin_host_behaviors.len == 1);
    /* Reused case: the previous origin's disagreement does not linger. */
    CHECK(!c.also_origin_domain && c.behaviors_forwarding_host.len == 0 && c.behaviors_origin_host.len == 0);
    CHECK_STR(c.origin_domain, "api-backup.example.com");
    CHECK(c.timeout_s == 10 && c.http_port == 80 && c.https_port == 443);
    od_dist_case_info_free(&info);
    od_case_free(&c);
out:
    od_distconfig_free(&d);
}

static void test_no_aliases(void)
{
    /* get-distribution: the distribution's own name is what viewers send. */
    od_dist_config d;
    if (load_ok("no-aliases-forwarded.json", &d)) {
        od_case c;
        od_case_init(&c);
        char *err = od_distconfig_case(&d, od_distconfig_default_origin(&d), NULL, &c, NULL);
        CHECK(err == NULL);
        free(err);
        CHECK(c.forward_host_header && c.cnames.len == 0);
        CHECK_STR(c.distribution_domain, "d3333333abcdef.cloudfront.net");
        od_strlist names;
        od_case_expected_names(&c, &names);
        CHECK(names.len == 1 && strcmp(names.items[0], "d3333333abcdef.cloudfront.net") == 0);
        od_strlist_free(&names);
        od_case_free(&c);
        od_distconfig_free(&d);
    }
    /* A bare DistributionConfig does not hold that name: ask for it. */
    if (load_ok("bare-no-aliases.json", &d)) {
        CHECK_STR(d.shape, "DistributionConfig");
        const od_dist_origin *o = od_distconfig_default_origin(&d);
        const od_dist_behavior *b = find_behavior(o, "default");
        CHECK(b && b->host == OD_HOST_FORWARDED);   /* "host", lower-case */
        od_case c;
        od_case_init(&c);
        char *err = od_distconfig_case(&d, o, NULL, &c, NULL);
        CHECK(contains(err, "no Aliases") && contains(err, "CNAME"));
        free(err);
        od_case_free(&c);
        od_distconfig_free(&d);
    }
}

/* CustomOriginConfig.IpAddressType reaches the case; absent means ipv4. */
static void test_ip_address_type(void)
{
    static const struct {
        const char *file;
        od_ip_address_type want;
    } cases[] = {{"ip-ipv6.json", OD_IP_V6}, {"ip-dualstack.json", OD_IP_DUALSTACK}, {"origin-mtls.json", OD_IP_V4}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        od_dist_config d;
        if (!load_ok(cases[i].file, &d))
            continue;
        const od_dist_origin *o = od_distconfig_default_origin(&d);
        CHECK_MSG(o && o->ip_address_type == cases[i].want, "%s: origin's IP address type", cases[i].file);
        od_case c;
        od_case_init(&c);
        c.ip_address_type = OD_IP_DUALSTACK;   /* the config decides, whatever was there */
        char *err = od_distconfig_case(&d, o, NULL, &c, NULL);
        CHECK_MSG(err == NULL, "%s: %s", cases[i].file, err ? err : "");
        free(err);
        CHECK_MSG(c.ip_address_type == cases[i].want, "%s: case's IP address type %s", cases[i].file,
                  od_ip_address_type_name(c.ip_address_type));
        od_case_free(&c);
        od_distconfig_free(&d);
    }
}

/* What CloudFront adds to its requests, from get-distribution output:
 * OriginPath, CustomHeaders and the distribution's own name. */
static void test_request_parts(void)
{
    od_dist_config d;
    if (!load_ok("origin-request-parts.json", &d))
        return;
    const od_dist_origin *o = od_distconfig_find_origin(&d, "api-origin");
    CHECK(o != NULL);
    if (!o)
        goto out;
    CHECK_STR(o->origin_path, "/app");
    CHECK(o->n_headers == 2);
    od_case c;
    od_case_init(&c);
    char *err = od_distconfig_case(&d, o, NULL, &c, NULL);
    CHECK(err == NULL);
    free(err);
    CHECK_STR(c.origin_path, "/app");
    CHECK(c.n_origin_headers == 2);
    if (c.n_origin_headers == 2) {
        CHECK_STR(c.origin_headers[0].name, "X-Origin-Verify");
        CHECK_STR(c.origin_headers[0].value, "wafSecret-7f3a9c");
        CHECK_STR(c.origin_headers[1].name, "X-Tenant");
        CHECK_STR(c.origin_headers[1].value, "blue");
    }
    char *target = od_case_request_target(&c);
    CHECK_STR(target, "/app/");
    free(target);
    /* Host forwarded (AllViewer): the alias and the distribution's own name */
    CHECK_STR(c.distribution_domain, "d4444444abcdef.cloudfront.net");
    od_strlist names;
    od_case_expected_names(&c, &names);
    CHECK(names.len == 2 && od_strlist_contains(&names, "app.example.org") &&
          od_strlist_contains(&names, "d4444444abcdef.cloudfront.net"));
    od_strlist_free(&names);
    od_case_free(&c);
    /* A config without these: no OriginPath, no headers. */
    od_dist_config plain;
    if (load_ok("managed-allviewer.json", &plain)) {
        od_case_init(&c);
        err = od_distconfig_case(&plain, od_distconfig_default_origin(&plain), NULL, &c, NULL);
        CHECK(err == NULL && c.origin_path == NULL && c.n_origin_headers == 0);
        free(err);
        od_case_free(&c);
        od_distconfig_free(&plain);
    }
out:
    od_distconfig_free(&d);
}

/* Each malformed file: a message naming the file, the place and the problem. */
static void test_malformed(void)
{
    static const struct {
        const char *file;
        const char *needles[3];
    } cases[] = {
        {"bad-truncated.json", {"malformed JSON at byte", "truncated", NULL}},
        {"bad-empty.json", {"empty", NULL, NULL}},
        {"bad-not-object.json", {"expected a JSON object", "found an array", NULL}},
        {"bad-unknown-shape.json", {"not a CloudFront distribution config", NULL, NULL}},
        {"bad-binary.json", {"binary data", "line 1", NULL}},
        {"bad-deep-nesting.json", {"malformed JSON at byte", "(line 1,", "nested more than"}},
        {"bad-utf16.json", {"UTF-16", "UTF-8", NULL}},
        {"bad-trailing-garbage.json", {"unexpected data after the JSON value", NULL, NULL}},
        {"bad-no-origins.json", {"DistributionConfig.Origins: missing", NULL, NULL}},
        {"bad-items-not-array.json", {"DistributionConfig.Origins.Items: expected an array, found an object", NULL, NULL}},
        {"bad-port-string.json",
         {"DistributionConfig.Origins.Items[0].CustomOriginConfig.HTTPPort: expected a number, found a string",
          "\"80\"", NULL}},
        {"bad-port-zero.json",
         {"DistributionConfig.Origins.Items[0].CustomOriginConfig.HTTPSPort", "0 is not a port CloudFront",
          "app-origin"}},
        {"bad-protocol-policy.json",
         {"CustomOriginConfig.OriginProtocolPolicy", "\"https-preferred\"", "http-only, https-only, match-viewer"}},
        {"bad-ssl-protocol.json", {"OriginSslProtocols.Items[0]", "\"TLSv1.3\"", "SSLv3, TLSv1, TLSv1.1, TLSv1.2"}},
        {"bad-no-domain.json", {"DistributionConfig.Origins.Items[0].DomainName: missing", NULL, NULL}},
        {"bad-target-unknown.json",
         {"DistributionConfig.DefaultCacheBehavior.TargetOriginId", "\"ghost-origin\"", "\"app-origin\""}},
        {"bad-quantity-mismatch.json", {"DistributionConfig.Aliases.Items", "Quantity says 3", NULL}},
        {"bad-timeout.json", {"DistributionConfig.Origins.Items[0].ConnectionTimeout", "from 1 to 10", NULL}},
        {"bad-duplicate-origin.json", {"DistributionConfig.Origins.Items[1].Id", "unique", NULL}},
        {"bad-alias.json", {"DistributionConfig.Aliases.Items[1]", "\\e[31m", NULL}},
        {"bad-headers-not-list.json",
         {"DistributionConfig.DefaultCacheBehavior.ForwardedValues.Headers: expected an object, found an array", NULL,
          NULL}},
        {"bad-no-default-behavior.json", {"DistributionConfig.DefaultCacheBehavior: missing", NULL, NULL}},
        {"bad-ip-address-type.json",
         {"DistributionConfig.Origins.Items[0].CustomOriginConfig.IpAddressType", "\"ipv5\"", "ipv4, ipv6, dualstack"}},
        {"bad-origin-path.json",
         {"Distribution.DistributionConfig.Origins.Items[0].OriginPath", "\"/app/\" ends with '/'", "\"/app\""}},
        {"bad-custom-header.json",
         {"Distribution.DistributionConfig.Origins.Items[0].CustomHeaders.Items[0]", "CloudFront cannot add Host",
          NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = fixture(cases[i].file);
        od_dist_config d;
        char *err = od_distconfig_load(path, &policies, &d);
        CHECK_MSG(err != NULL, "%s parsed", cases[i].file);
        CHECK_MSG(contains(err, path), "%s: message does not name the file: %s", cases[i].file, err ? err : "");
        for (size_t k = 0; k < 3 && cases[i].needles[k]; k++)
            CHECK_MSG(contains(err, cases[i].needles[k]), "%s: message lacks \"%s\": %s", cases[i].file,
                      cases[i].needles[k], err ? err : "(null)");
        /* Nothing raw from the file reaches the message. */
        for (const char *p = err; p && *p; p++)
            CHECK_MSG((unsigned char)*p >= 0x20 && *p != 0x7f, "%s: control byte in message", cases[i].file);
        CHECK(d.n_origins == 0 && d.origins == NULL);
        if (err == NULL)
            od_distconfig_free(&d);
        free(err);
        free(path);
    }
    od_dist_config d;
    char *err = od_distconfig_load("/nonexistent/dist.json", &policies, &d);
    CHECK(contains(err, "/nonexistent/dist.json") && contains(err, "cannot read"));
    free(err);
    err = od_distconfig_load(fixture_dir, &policies, &d);
    CHECK(contains(err, "directory"));
    free(err);
}

/* Every byte-prefix of a good config is malformed or valid, never a crash,
 * and a prefix that parses is only ever the whole file. */
static void test_every_truncation(void)
{
    char *path = fixture("mixed-behaviors.json");
    size_t len = 0;
    char *text = od_read_file(path, &len);
    CHECK(text != NULL && len > 1000);
    size_t parsed = 0;
    for (size_t n = 0; text && n < len; n += 7) {
        od_dist_config d;
        char *err = od_distconfig_parse(text, n, &policies, &d);
        if (!err) {
            parsed++;
            od_distconfig_free(&d);
        }
        free(err);
    }
    CHECK(parsed == 0);
    free(text);
    free(path);
}

/* A UTF-8 byte order mark (Windows editors) is accepted. */
static void test_utf8_bom(void)
{
    char *path = fixture("legacy-forwarded-host.json");
    size_t len = 0;
    char *text = od_read_file(path, &len);
    CHECK(text != NULL);
    if (text) {
        char *bom = od_xmalloc(len + 4);
        memcpy(bom, "\xEF\xBB\xBF", 3);
        memcpy(bom + 3, text, len + 1);
        od_dist_config d;
        char *err = od_distconfig_parse(bom, len + 3, &policies, &d);
        CHECK_MSG(err == NULL, "%s", err ? err : "");
        CHECK(err == NULL && d.n_origins == 1);
        if (!err)
            od_distconfig_free(&d);
        free(err);
        free(bom);
    }
    free(text);
    free(path);
}

/* Without the policy table every policy id is unknown: asked, not guessed. */
static void test_without_table(void)
{
    char *path = fixture("managed-allviewer.json");
    od_dist_config d;
    char *err = od_distconfig_load(path, NULL, &d);
    CHECK(err == NULL);
    free(err);
    const od_dist_origin *o = od_distconfig_default_origin(&d);
    CHECK(o && o->n_behaviors == 1 && o->behaviors[0].host == OD_HOST_UNKNOWN &&
          o->behaviors[0].unknown_policies.len == 2);
    od_distconfig_free(&d);
    free(path);
}

int main(void)
{
    const char *src = getenv("OD_SOURCE_DIR");
    fixture_dir = src ? od_xasprintf("%s/tests/fixtures/distconfig", src)
                      : od_xasprintf("%s/../tests/fixtures/distconfig", OD_SOURCE_ASSETS);
    char *table = od_asset_path("managed-origin-request-policies.json");
    char *err = od_managed_policies_load(table, &policies);
    CHECK_MSG(err == NULL, "%s", err ? err : "");
    free(err);
    free(table);

    test_policy_table();
    test_legacy_forwarded_host();
    test_managed_allviewer();
    test_custom_policy_asks();
    test_s3_origin_skipped();
    test_mixed_behaviors();
    test_no_aliases();
    test_ip_address_type();
    test_request_parts();
    test_malformed();
    test_every_truncation();
    test_utf8_bom();
    test_without_table();

    od_managed_policies_free(&policies);
    free(fixture_dir);
    return check_done("distconfig");
}
