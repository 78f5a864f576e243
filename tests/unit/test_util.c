/* The shared helpers that replaced private copies: join, case-insensitive
 * search, lower-casing, strerror_r, and the one protocol-name parser. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "od_case.h"
#include "od_util.h"

static void test_join(void)
{
    od_strlist l;
    od_strlist_init(&l);
    char *s = od_strlist_join(&l, ", ", "(none)");
    CHECK_STR(s, "(none)");
    free(s);
    od_strlist_add(&l, "a");
    s = od_strlist_join(&l, ", ", "(none)");
    CHECK_STR(s, "a");
    free(s);
    od_strlist_add(&l, "b");
    od_strlist_add(&l, "c");
    s = od_strlist_join(&l, "; ", "");
    CHECK_STR(s, "a; b; c");
    free(s);
    od_strlist_free(&l);
}

static void test_case_insensitive(void)
{
    const char *hay = "Server: NGINX/1.22";
    CHECK(od_strcasestr(hay, "nginx") == hay + 8);
    CHECK(od_strcasestr(hay, "apache") == NULL);
    CHECK(od_strcasestr(hay, "1.22") == hay + 14);
    CHECK(od_strcasestr(NULL, "x") == NULL && od_strcasestr("x", NULL) == NULL);
    CHECK(od_starts_with_ci("Microsoft-IIS/10.0", "microsoft-iis"));
    CHECK(!od_starts_with_ci("IIS", "microsoft-iis"));
    CHECK(od_strncasecmp("ABCdef", "abcXYZ", 3) == 0 && od_strncasecmp("ABCdef", "abcXYZ", 4) != 0);
    CHECK(od_strcasecmp("TLSv1.2", "tlsv1.2") == 0 && od_strcasecmp("a", "ab") < 0);
    char low[] = "WWW.Example.COM";
    CHECK_STR(od_ascii_lower(low), "www.example.com");
    CHECK(od_ascii_lower(NULL) == NULL);
}

static void test_strerror(void)
{
    od_errbuf b;
    const char *s = od_strerror(ENOENT, &b);
    CHECK(s == b.text);
    CHECK_STR(s, "No such file or directory");
    CHECK(od_strerror(-12345, &b)[0] != '\0');
}

static void test_protocol_names(void)
{
    static const struct {
        const char *name;
        unsigned bit;
    } cases[] = {{"SSLv3", OD_PROTO_SSLV3}, {"TLSv1", OD_PROTO_TLS1},   {"tlsv1.1", OD_PROTO_TLS11},
                 {"TLSv1.2", OD_PROTO_TLS12}, {"TLSv1.3", OD_PROTO_TLS13}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned bit = 0;
        CHECK_MSG(od_proto_parse(cases[i].name, &bit) && bit == cases[i].bit, "%s", cases[i].name);
        /* the name it prints parses back to the same bit */
        unsigned back = 0;
        CHECK(od_proto_parse(od_proto_name(cases[i].bit), &back) && back == cases[i].bit);
    }
    unsigned bit = 0;
    CHECK(!od_proto_parse("TLSv1.2,TLSv1.1", &bit) && !od_proto_parse("TLS1.2", &bit) && !od_proto_parse(NULL, &bit));
    /* The distribution setting refuses TLSv1.3, which it cannot hold. */
    char *err = od_parse_ssl_protocols("TLSv1.3", &bit);
    CHECK(err && strstr(err, "TLSv1.3"));
    free(err);
}

int main(void)
{
    test_join();
    test_case_insensitive();
    test_strerror();
    test_protocol_names();
    return check_done("util");
}
