/* The one JSON reader the loaders share: every problem told as
 * "SOURCE: PATH: what", the first one kept; and the fix catalogue's
 * entries checked through it. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "od_fixes.h"
#include "od_json.h"
#include "od_policy.h"
#include "od_report.h"

static cJSON *doc(const char *text)
{
    char *err = NULL;
    cJSON *root = od_json_parse(text, strlen(text), "a test document", &err);
    CHECK_MSG(root != NULL, "%s", err ? err : "");
    free(err);
    return root;
}

static void test_getters(void)
{
    cJSON *root = doc("{\"a\": {\"port\": \"80\", \"n\": 1.5, \"big\": 70000, \"ok\": 7, \"s\": \"x\", \"e\": \"\","
                      " \"nul\": null, \"b\": true, \"list\": [1, \"two\"], \"esc\": \"\\u001b[31m\"}}");
    const cJSON *a = root ? cJSON_GetObjectItem(root, "a") : NULL;
    od_json_reader r = {"file.json", NULL};
    int64_t v = -1;
    const char *s = NULL;
    bool b = false;

    CHECK(od_json_get_int(&r, a, "a", "ok", 0, 0, 10, &v) && v == 7 && !r.error);
    CHECK(od_json_get_string(&r, a, "a", "s", OD_JSON_NONEMPTY, &s) && s && strcmp(s, "x") == 0);
    CHECK(od_json_get_bool(&r, a, "a", "b", 0, &b) && b);
    /* Optional and nullable: fine, nothing recorded. */
    CHECK(od_json_get_string(&r, a, "a", "absent", OD_JSON_OPTIONAL, &s) && s == NULL && !r.error);
    CHECK(od_json_get_string(&r, a, "a", "nul", OD_JSON_NULLABLE, &s) && s == NULL && !r.error);
    CHECK(od_json_get(&r, a, "a", "list", OD_JSON_ARRAY, OD_JSON_NONEMPTY) != NULL && !r.error);


    od_json_reader e1 = {"file.json", NULL};
    CHECK(!od_json_get_int(&e1, a, "a", "port", 0, 0, 65535, &v));
    CHECK_STR(e1.error, "file.json: a.port: expected a number, found a string (\"80\")");
    /* The first problem is kept. */
    CHECK(!od_json_get_int(&e1, a, "a", "big", 0, 0, 65535, &v));
    CHECK_STR(e1.error, "file.json: a.port: expected a number, found a string (\"80\")");
    free(e1.error);

    od_json_reader e2 = {NULL, NULL};
    CHECK(!od_json_get_int(&e2, a, "a", "big", 0, 0, 65535, &v));
    CHECK_STR(e2.error, "a.big: 70000 is out of range: expected a whole number from 0 to 65535");
    free(e2.error);

    od_json_reader e3 = {NULL, NULL};
    CHECK(!od_json_get_int(&e3, a, "a", "n", 0, 0, 10, &v));
    CHECK_STR(e3.error, "a.n: expected a whole number, found 1.5");
    free(e3.error);

    od_json_reader e4 = {NULL, NULL};
    CHECK(!od_json_get_string(&e4, a, "", "missing", 0, &s));
    CHECK_STR(e4.error, "missing: missing (a required key)");
    free(e4.error);

    od_json_reader e5 = {NULL, NULL};
    CHECK(!od_json_get_string(&e5, a, "a", "e", OD_JSON_NONEMPTY, &s));
    CHECK_STR(e5.error, "a.e: must not be empty");
    free(e5.error);

    od_json_reader e6 = {NULL, NULL};
    CHECK(!od_json_get_bool(&e6, a, "a", "nul", 0, &b));
    CHECK_STR(e6.error, "a.nul: expected true or false, found null");
    free(e6.error);

    od_json_reader e7 = {NULL, NULL};
    CHECK(!od_json_get_bool(&e7, a, "a", "s", OD_JSON_NULLABLE, &b));
    CHECK_STR(e7.error, "a.s: expected true, false or null, found a string (\"x\")");
    free(e7.error);

    /* An array item, with its index in the path. */
    od_json_reader e8 = {NULL, NULL};
    const cJSON *list = cJSON_GetObjectItem(a, "list");
    char *ip = od_json_index_path("a.list", 1);
    CHECK(!od_json_check(&e8, cJSON_GetArrayItem(list, 1), ip, OD_JSON_NUMBER, 0));
    CHECK_STR(e8.error, "a.list[1]: expected a number, found a string (\"two\")");
    free(ip);
    free(e8.error);

    /* What the file holds never reaches a message raw. */
    od_json_reader e9 = {NULL, NULL};
    CHECK(!od_json_fail_not_one_of(&e9, cJSON_GetObjectItem(a, "esc"), "a.esc", "x, y"));
    CHECK(e9.error && !strchr(e9.error, '\033') && strstr(e9.error, "a.esc: expected one of x, y, found \""));
    free(e9.error);

    char *kp = od_json_key_path("", "top");
    CHECK_STR(kp, "top");
    free(kp);
    kp = od_json_key_path("a.b", "c");
    CHECK_STR(kp, "a.b.c");
    free(kp);
    cJSON_Delete(root);
}

/* A fix catalogue entry with a wrong type is refused with its key path. */
static void test_fixes_entry_paths(void)
{
    char *path = od_asset_path("fixes.json");
    CHECK_MSG(path != NULL, "fixes.json not found (set ORIGIN_DOCTOR_ASSETS)");
    if (!path)
        return;
    size_t len = 0;
    char *text = od_read_file(path, &len);
    cJSON *root = text ? cJSON_ParseWithLength(text, len) : NULL;
    free(text);
    free(path);
    cJSON *findings = cJSON_GetObjectItem(root, "findings");
    cJSON *first = findings ? findings->child : NULL;
    CHECK(first != NULL);
    if (!first) {
        cJSON_Delete(root);
        return;
    }
    char *id = od_xstrdup(first->string);
    cJSON_ReplaceItemInObject(first, "fix", cJSON_CreateNumber(3));
    char *bad = cJSON_Print(root);
    const char *tmp = "/tmp/od_test_json_fixes.json";
    CHECK(od_write_file_atomic(tmp, bad, strlen(bad), true) == 0);
    od_fixes f;
    char *err = od_fixes_load(tmp, &f);
    char *want = od_xasprintf("%s: findings.%s.fix: expected an array, found a number", tmp, id);
    CHECK_STR(err, want);
    if (!err)
        od_fixes_free(&f);
    free(err);
    free(want);
    free(bad);
    free(id);
    remove(tmp);
    cJSON_Delete(root);
}

/* The certificate and handshake fields are listed once (od_obs.h): each
 * one is written, and a report without it is refused naming its path. */
static void test_fields_listed_once(void)
{
    od_report r;
    od_report_init(&r);
    r.generated_at = od_xstrdup("2026-11-20T00:00:00Z");
    od_cert c;
    memset(&c, 0, sizeof c);
    c.subject = od_xstrdup("CN=a");
    c.issuer = od_xstrdup("CN=b");
    od_obs_add_cert(&r.obs, &c);
    od_handshake *h = od_obs_add_handshake(&r.obs);
    h->chain_len = 1;
    h->alert = -1;
    char *json = od_report_to_json(&r);
    od_report_free(&r);
    cJSON *root = cJSON_Parse(json);
    free(json);
    CHECK(root != NULL);
    struct {
        const char *array, *object, *key;
        bool optional;
    } fields[] = {
#define CERT_ROW(kind, name, object, key, limit) {"certificates", object, key, strcmp(#kind, "OLIST") == 0},
        OD_CERT_FIELDS(CERT_ROW)
#undef CERT_ROW
#define HANDSHAKE_ROW(kind, name, object, key, limit) \
    {"handshakes", object, key, strcmp(#kind, "PURPOSE") == 0 || strcmp(#kind, "COUNT") == 0 || strcmp(#kind, "OBOOL") == 0},
        OD_HANDSHAKE_FIELDS(HANDSHAKE_ROW)
#undef HANDSHAKE_ROW
    };
    size_t n = sizeof fields / sizeof fields[0];
    CHECK(n > 30);
    for (size_t i = 0; root && i < n; i++) {
        cJSON *item = cJSON_GetArrayItem(cJSON_GetObjectItem(root, fields[i].array), 0);
        cJSON *holder = fields[i].object ? cJSON_GetObjectItem(item, fields[i].object) : item;
        CHECK_MSG(cJSON_GetObjectItem(holder, fields[i].key) != NULL, "%s[0].%s not written", fields[i].array,
                  fields[i].key);
        if (fields[i].optional)
            continue;
        cJSON *copy = cJSON_Duplicate(root, 1);
        cJSON *citem = cJSON_GetArrayItem(cJSON_GetObjectItem(copy, fields[i].array), 0);
        cJSON *cholder = fields[i].object ? cJSON_GetObjectItem(citem, fields[i].object) : citem;
        cJSON_DeleteItemFromObject(cholder, fields[i].key);
        char *text = cJSON_Print(copy);
        cJSON_Delete(copy);
        od_report back;
        char *err = od_report_from_json(text, strlen(text), &back);
        char *want = od_xasprintf("%s[0].%s%s%s: missing", fields[i].array, fields[i].object ? fields[i].object : "",
                                  fields[i].object ? "." : "", fields[i].key);
        CHECK_MSG(err && strstr(err, want), "without %s: %s", want, err ? err : "(loaded)");
        if (!err)
            od_report_free(&back);
        free(want);
        free(err);
        free(text);
    }
    cJSON_Delete(root);
}

int main(void)
{
    test_fields_listed_once();
    test_getters();
    test_fixes_entry_paths();
    return check_done("json reader");
}
