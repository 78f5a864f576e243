/* The fleet's loading, case sharing and shards, from the list-distributions
 * fixture (tests/fixtures/fleet): distributions sharing an origin, S3
 * origins, behaviors that disagree about Host, a malformed entry in the
 * middle. No network. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "od_fleet.h"

static char *plain_case(void *ctx, const od_dist_config *d, const od_dist_origin *o, od_case *out)
{
    (void)ctx;
    return od_distconfig_case(d, o, NULL, out, NULL);
}

static const od_fleet_item *item(const od_fleet *f, const char *dist, const char *origin)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->items[i].distribution_id, dist) == 0 && strcmp(f->items[i].origin_id, origin) == 0)
            return &f->items[i];
    return NULL;
}

static void load(const char *path, const od_managed_policies *mp, od_fleet *f)
{
    const char *paths[] = {path};
    char *err = od_fleet_load(paths, 1, mp, plain_case, NULL, f);
    CHECK_MSG(err == NULL, "load: %s", err ? err : "");
    free(err);
}

int main(void)
{
    const char *src = getenv("OD_SOURCE_DIR");
    char *fixture = src ? od_xasprintf("%s/tests/fixtures/fleet/list-distributions.json", src)
                        : od_xasprintf("%s/../tests/fixtures/fleet/list-distributions.json", OD_SOURCE_ASSETS);
    char *mpath = od_asset_path("managed-origin-request-policies.json");
    od_managed_policies mp;
    char *err = od_managed_policies_load(mpath, &mp);
    CHECK_MSG(err == NULL, "%s", err ? err : "");
    free(err);

    od_fleet f;
    load(fixture, &mp, &f);
    CHECK_MSG(f.n == 7, "%zu items, expected 7", f.n);
    /* the ALB behind shop, staging and the distribution without Aliases: one case */
    const od_fleet_item *shop = item(&f, "E1SHOPEXAMPLE", "alb"), *staging = item(&f, "E2STAGINGEXAMPLE", "alb"),
                        *noalias = item(&f, "E6NOALIASEXAMPLE", "alb");
    CHECK(shop && staging && noalias);
    if (shop && staging && noalias) {
        CHECK(shop->kind == OD_FLEET_CHECK && staging->kind == OD_FLEET_CHECK);
        CHECK(shop->case_index == staging->case_index && shop->case_index == noalias->case_index);
        CHECK(f.case_users[shop->case_index] == 3);
        CHECK_STR(shop->distribution_domain, "d1111aaaa.cloudfront.net");
        CHECK(shop->cnames.len == 1 && strcmp(shop->cnames.items[0], "www.shop.example") == 0);
    }
    CHECK_MSG(f.n_cases == 2, "%zu distinct cases, expected 2", f.n_cases);
    /* S3 origins: skipped, with the reason */
    const od_fleet_item *images = item(&f, "E1SHOPEXAMPLE", "images"), *bucket = item(&f, "E5S3ONLYEXAMPLE", "bucket");
    CHECK(images && images->kind == OD_FLEET_SKIPPED && images->note && strstr(images->note, "S3"));
    CHECK(bucket && bucket->kind == OD_FLEET_SKIPPED);
    /* the malformed entry: named, the others read */
    const od_fleet_item *broken = item(&f, "E3BROKENEXAMPLE", "");
    CHECK(broken && broken->kind == OD_FLEET_INVALID && strstr(broken->note, "HTTPSPort"));
    CHECK(f.messages.len == 1 && strstr(f.messages.items[0], "E3BROKENEXAMPLE"));
    /* behaviors disagree: the case checks the CNAMEs and the origin domain */
    const od_fleet_item *mixed = item(&f, "E4MIXEDEXAMPLE", "app");
    CHECK(mixed && mixed->kind == OD_FLEET_CHECK);
    if (mixed && mixed->kind == OD_FLEET_CHECK) {
        const od_case *c = &f.cases[mixed->case_index];
        CHECK(c->forward_host_header && c->also_origin_domain);
        CHECK(od_strlist_contains(&c->behaviors_forwarding_host, "default"));
        CHECK(od_strlist_contains(&c->behaviors_origin_host, "/assets/*"));
    }
    size_t total = f.n;
    od_fleet_free(&f);

    /* shards: disjoint, together the whole, stable */
    size_t seen = 0;
    for (int k = 1; k <= 3; k++) {
        od_fleet s;
        load(fixture, &mp, &s);
        od_fleet_keep_shard(&s, k, 3);
        for (size_t i = 0; i < s.n; i++) {
            uint64_t h = od_fleet_item_hash(s.items[i].distribution_id, s.items[i].origin_id);
            CHECK((int)(h % 3) == k - 1);
            if (s.items[i].kind == OD_FLEET_CHECK)
                CHECK(s.case_users[s.items[i].case_index] > 0 && s.items[i].case_index < s.n_cases);
        }
        seen += s.n;
        od_fleet_free(&s);
    }
    CHECK_MSG(seen == total, "shards hold %zu items, the fleet %zu", seen, total);
    /* FNV-1a of "E1SHOPEXAMPLE\nalb": fixed, so shards agree across machines and versions */
    CHECK(od_fleet_item_hash("E1SHOPEXAMPLE", "alb") == 0x3633dca3e51f8de8ull);

    /* --shard values */
    int k = 0, n = 0;
    CHECK((err = od_fleet_parse_shard("2/5", NULL, &k, &n)) == NULL && k == 2 && n == 5);
    free(err);
    const char *batch[] = {"PATH=/bin", "AWS_BATCH_JOB_ARRAY_INDEX=0", NULL};
    CHECK((err = od_fleet_parse_shard("env/4", batch, &k, &n)) == NULL && k == 1 && n == 4);
    free(err);
    const char *kube[] = {"JOB_COMPLETION_INDEX=3", NULL};
    CHECK((err = od_fleet_parse_shard("env/4", kube, &k, &n)) == NULL && k == 4 && n == 4);
    free(err);
    const char *bad_values[] = {"0/3", "4/3", "3", "a/b", "1/0", "env/3", "", "1/3x"};
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        err = od_fleet_parse_shard(bad_values[i], kube, &k, &n);   /* kube index 3 is outside env/3 */
        CHECK_MSG(err != NULL && strstr(err, "--shard"), "\"%s\" accepted", bad_values[i]);
        free(err);
    }
    const char *none[] = {NULL};
    err = od_fleet_parse_shard("env/2", none, &k, &n);
    CHECK(err && strstr(err, "AWS_BATCH_JOB_ARRAY_INDEX"));
    free(err);

    /* a folder of get-distribution / get-distribution-config files, in name order;
     * a distribution without an Id is named after its file */
    char *folder = od_xasprintf("%.*s/configs", (int)(strrchr(fixture, '/') - fixture), fixture);
    load(folder, &mp, &f);
    CHECK_MSG(f.n == 3, "folder: %zu items, expected 3", f.n);
    const od_fleet_item *api = item(&f, "E2EXAMPLE9X8Y7", "api-origin");
    CHECK(api && api->kind == OD_FLEET_CHECK && api->distribution_domain);
    const od_fleet_item *web = item(&f, "s3-origin.json", "web"), *s3 = item(&f, "s3-origin.json", "s3-assets");
    CHECK(web && web->kind == OD_FLEET_CHECK && s3 && s3->kind == OD_FLEET_SKIPPED);
    CHECK(f.n == 3 && strcmp(f.items[0].distribution_id, "E2EXAMPLE9X8Y7") == 0);   /* managed-allviewer.json first */
    od_fleet_free(&f);
    free(folder);

    /* a file that is not JSON: the file's message, nothing kept */
    const char *paths[] = {"/nonexistent/list.json"};
    err = od_fleet_load(paths, 1, &mp, plain_case, NULL, &f);
    CHECK(err && strstr(err, "/nonexistent/list.json") && f.n == 0);
    free(err);

    od_managed_policies_free(&mp);
    free(mpath);
    free(fixture);
    return check_done("fleet (unit)");
}
