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

/* --resolve HOST:PORT:ADDR[,ADDR...], IPv6 in brackets, as curl takes it. */
static void test_resolve_lists(void)
{
    od_resolve *list = NULL;
    size_t n = 0;
    char *err = od_parse_resolve("Origin.Example.com.:8443:127.0.0.1,[::1],2001:db8::7", &list, &n);
    CHECK_MSG(err == NULL, "%s", err ? err : "");
    free(err);
    CHECK(n == 3);
    for (size_t i = 0; i < n; i++)
        CHECK(strcmp(list[i].host, "origin.example.com") == 0 && list[i].port == 8443);
    CHECK(n == 3 && strcmp(list[0].address, "127.0.0.1") == 0 && strcmp(list[1].address, "::1") == 0 &&
          strcmp(list[2].address, "2001:db8::7") == 0);
    /* one bare IPv6 address, as before; appended to what is there */
    err = od_parse_resolve("www.example.com:443:::1", &list, &n);
    CHECK(err == NULL && n == 4 && strcmp(list[3].address, "::1") == 0 && list[3].port == 443);
    free(err);
    static const struct {
        const char *value, *says;
    } bad[] = {
        {"o.example.com:443:127.0.0.1,[::1", "unbalanced bracket"},
        {"o.example.com:443:::1]", "unbalanced bracket"},
        {"o.example.com:443:[]", "unbalanced bracket"},
        {"o.example.com:443:[127.0.0.1]", "brackets hold IPv6 addresses only"},
        {"o.example.com:443:[fe80::1%eth0]", "not a numeric IPv6 address"},
        {"o.example.com:443:127.0.0.1,,::1", "an empty address"},
        {"o.example.com:443:127.0.0.1,", "an empty address"},
        {"o.example.com:443:,127.0.0.1", "an empty address"},
        {"o.example.com:443:127.0.0.1,origin.example.com", "not a numeric IPv4 or IPv6 address"},
        {"o.example.com:443:", "has no address"},
        {"o.example.com:0:127.0.0.1", "the port must be a number"},
        {"o.example.com:443", "must be HOST:PORT:ADDRESS"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err = od_parse_resolve(bad[i].value, &list, &n);
        CHECK_MSG(err && strstr(err, "--resolve") && strstr(err, bad[i].says), "%s: %s", bad[i].value,
                  err ? err : "accepted");
        free(err);
        CHECK_MSG(n == 4, "%s: a refused value added entries", bad[i].value);
    }
    od_resolve_list_free(list, n);
}

/* '*:PORT:A,B' pins the origin to both addresses, unless the origin has
 * its own entry for that port. */
static void test_resolve_wildcard_list(void)
{
    od_case c;
    od_case_init(&c);
    c.origin_domain = od_xstrdup("origin.example.com");
    char *err = od_parse_resolve("*:443:127.0.0.1,[::1]", &c.resolve, &c.n_resolve);
    CHECK(err == NULL);
    free(err);
    err = od_parse_resolve("*:80:127.0.0.1", &c.resolve, &c.n_resolve);
    CHECK(err == NULL);
    free(err);
    err = od_parse_resolve("origin.example.com:80:192.0.2.1", &c.resolve, &c.n_resolve);
    CHECK(err == NULL);
    free(err);
    od_case_pin_wildcards(&c);
    size_t at443 = 0, at80 = 0;
    for (size_t i = 0; i < c.n_resolve; i++) {
        CHECK(strcmp(c.resolve[i].host, "origin.example.com") == 0);
        at443 += c.resolve[i].port == 443;
        at80 += c.resolve[i].port == 80;
    }
    CHECK_MSG(at443 == 2, "the wildcard's two addresses: %zu entries for port 443", at443);
    CHECK_MSG(at80 == 1 && c.n_resolve == 3, "the origin's own port-80 entry wins");
    od_case_free(&c);
}

static void test_ip_address_type(void)
{
    od_ip_address_type t = OD_IP_V4;
    char *err = od_parse_ip_address_type("DualStack", &t);
    CHECK(err == NULL && t == OD_IP_DUALSTACK);
    CHECK_STR(od_ip_address_type_name(t), "dualstack");
    err = od_parse_ip_address_type("ipv6", &t);
    CHECK(err == NULL && t == OD_IP_V6);
    err = od_parse_ip_address_type("both", &t);
    CHECK(err && strstr(err, "IP address type") && strstr(err, "\"both\"") &&
          strstr(err, "ipv4, ipv6, dualstack") && t == OD_IP_V6);
    free(err);
    od_case c;
    od_case_init(&c);
    c.origin_domain = od_xstrdup("origin.example.com");
    CHECK(c.ip_address_type == OD_IP_V4 && od_case_uses_family(&c, 4) && !od_case_uses_family(&c, 6));
    c.ip_address_type = OD_IP_V6;
    CHECK(!od_case_uses_family(&c, 4) && od_case_uses_family(&c, 6));
    c.ip_address_type = OD_IP_DUALSTACK;
    CHECK(od_case_uses_family(&c, 4) && od_case_uses_family(&c, 6));
    od_case_free(&c);
}

/* Reproduce commands carry file names: one shell word, whatever they hold. */
static void test_shell_word(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"/tmp/lab-1/trust-store.pem", "/tmp/lab-1/trust-store.pem"},
        {"/tmp/my certs/ca.pem", "'/tmp/my certs/ca.pem'"},
        {"it's.pem", "'it'\\''s.pem'"},
        {"$(rm -rf x)", "'$(rm -rf x)'"},
        {"", "''"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *w = od_shell_word(cases[i].in);
        CHECK_STR(w, cases[i].out);
        free(w);
    }
}

/* The curl options that ask what CloudFront asks, without a header's value. */
static void test_curl_request_args(void)
{
    char *w = od_shell_word("https://a.example:443/app/x?y='2'");
    CHECK_STR(w, "'https://a.example:443/app/x?y='\\''2'\\'''");
    free(w);
    od_case c;
    od_case_init(&c);
    od_case_add_origin_header(&c, "X-Origin-Verify", "s3cr3t");
    od_case_add_origin_header(&c, "X-Tenant", "blue");
    od_case_add_origin_header(&c, "x-origin-verify", "rotated");   /* one value per name */
    CHECK(c.n_origin_headers == 2);
    char *args = od_case_curl_request_args(&c);
    CHECK_STR(args, "-A 'Amazon CloudFront' -H 'X-Origin-Verify: '\"$ORIGIN_HEADER_1\" "
                    "-H 'X-Tenant: '\"$ORIGIN_HEADER_2\"");
    CHECK(!strstr(args, "rotated") && !strstr(args, "blue"));
    free(args);
    char *masked = od_mask_header_value(c.origin_headers[0].value);
    CHECK_STR(masked, "**** (7 characters)");
    free(masked);
    od_case_free(&c);
}

int main(void)
{
    test_shell_word();
    test_curl_request_args();
    test_join();
    test_case_insensitive();
    test_strerror();
    test_protocol_names();
    test_resolve_lists();
    test_resolve_wildcard_list();
    test_ip_address_type();
    return check_done("util");
}
