/* Evidence in words: no raw JSON, a certificate as subject, names and
 * validity lines, flat lists as "a, b". */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "od_evidence.h"

static const char *value_of(const od_strlist *k, const od_strlist *v, const char *key)
{
    for (size_t i = 0; i < k->len; i++)
        if (strcmp(k->items[i], key) == 0)
            return v->items[i];
    return NULL;
}

int main(void)
{
    cJSON *e = cJSON_Parse("{\"addresses\":[\"127.0.0.1\",\"::1\"],\"port\":443,\"sni\":\"cdn.a.test\","
                           "\"certificate\":{\"subject\":\"CN=www.a.test,O=Lab\",\"common_names\":[\"www.a.test\"],"
                           "\"san_dns\":[\"www.a.test\",\"a.test\"],\"san_ip\":[],\"not_before\":\"2026-01-01T00:00:00Z\","
                           "\"not_after\":\"2027-01-01T00:00:00Z\",\"sha256\":\"AB:CD\"},\"covers_name\":false,"
                           "\"chain_sent\":[],\"order_needed\":[0,2,1]}");
    CHECK(e != NULL);
    od_strlist k, v;
    od_strlist_init(&k);
    od_strlist_init(&v);
    od_evidence_words(e, &k, &v);
    CHECK(k.len == v.len);
    CHECK_STR(value_of(&k, &v, "addresses"), "127.0.0.1, ::1");
    CHECK_STR(value_of(&k, &v, "port"), "443");
    CHECK_STR(value_of(&k, &v, "certificate subject"), "CN=www.a.test,O=Lab");
    CHECK_STR(value_of(&k, &v, "certificate names"), "www.a.test, a.test");
    CHECK_STR(value_of(&k, &v, "certificate valid"), "2026-01-01T00:00:00Z to 2027-01-01T00:00:00Z");
    CHECK_STR(value_of(&k, &v, "certificate sha256"), "AB:CD");
    CHECK_STR(value_of(&k, &v, "covers name"), "no");
    CHECK_STR(value_of(&k, &v, "chain sent"), "(none)");
    CHECK_STR(value_of(&k, &v, "order needed"), "0, 2, 1");
    CHECK(value_of(&k, &v, "certificate san dns") == NULL);   /* merged into names */
    for (size_t i = 0; i < v.len; i++)
        CHECK_MSG(!strchr(v.items[i], '{') && !strchr(v.items[i], '"'), "raw JSON in %s: %s", k.items[i],
                  v.items[i]);
    CHECK(od_evidence_key_width(&k, 100) == strlen("certificate subject"));
    CHECK(od_evidence_key_width(&k, 8) == 8);
    od_strlist_free(&k);
    od_strlist_free(&v);
    cJSON_Delete(e);

    /* Numbers a report from elsewhere may hold (found by fuzz_report): no
     * cast of an out-of-range double (UBSan would stop the sanitizer run). */
    e = cJSON_Parse("{\"big\":1e300,\"small\":-1e300,\"inf\":1e400,\"half\":0.5,\"limit\":9007199254740992}");
    CHECK(e != NULL);
    od_strlist_init(&k);
    od_strlist_init(&v);
    od_evidence_words(e, &k, &v);
    CHECK_STR(value_of(&k, &v, "big"), "1e+300");
    CHECK_STR(value_of(&k, &v, "small"), "-1e+300");
    CHECK_STR(value_of(&k, &v, "inf"), "inf");
    CHECK_STR(value_of(&k, &v, "half"), "0.5");
    CHECK_STR(value_of(&k, &v, "limit"), "9007199254740992");
    od_strlist_free(&k);
    od_strlist_free(&v);
    cJSON_Delete(e);
    return check_done("test_evidence");
}
