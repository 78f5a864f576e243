/* Name matching: wildcards, IDN, IP literals, CN fallback. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "od_names.h"

static void cert_init(od_cert *c)
{
    memset(c, 0, sizeof *c);
    od_strlist_init(&c->common_names);
    od_strlist_init(&c->san_dns);
    od_strlist_init(&c->san_ip);
    od_strlist_init(&c->aia_issuer_urls);
}

static void cert_done(od_cert *c)
{
    od_strlist_free(&c->common_names);
    od_strlist_free(&c->san_dns);
    od_strlist_free(&c->san_ip);
    od_strlist_free(&c->aia_issuer_urls);
}

static void test_normalize(void)
{
    char *s = od_name_normalize("WWW.Example.COM.");
    CHECK_STR(s, "www.example.com");
    free(s);
    s = od_name_normalize("bücher.example");
    CHECK_STR(s, "xn--bcher-kva.example");
    free(s);
    s = od_name_normalize("*.Bücher.example");
    CHECK_STR(s, "*.xn--bcher-kva.example");
    free(s);
    s = od_name_normalize("XN--BCHER-KVA.example");
    CHECK_STR(s, "xn--bcher-kva.example");
    free(s);
    CHECK(od_name_normalize("") == NULL);
    CHECK(od_name_normalize(".") == NULL);
    CHECK(od_name_normalize("a..example.com") == NULL);
    CHECK(od_name_normalize(".example.com") == NULL);
    CHECK(od_name_normalize(NULL) == NULL);
}

static void test_exact(void)
{
    CHECK(od_name_matches("a.example.com", "a.example.com"));
    CHECK(od_name_matches("A.Example.COM", "a.example.com"));
    CHECK(od_name_matches("a.example.com", "A.EXAMPLE.com"));
    CHECK(od_name_matches("a.example.com.", "a.example.com"));
    CHECK(od_name_matches("a.example.com", "a.example.com."));
    CHECK(od_name_matches("a.example.com.", "a.example.com."));
    CHECK(!od_name_matches("a.example.com", "b.example.com"));
    CHECK(!od_name_matches("a.example.com", "a.example.co"));
    CHECK(!od_name_matches("example.com", "a.example.com"));
    CHECK(!od_name_matches("a.example.com", "example.com"));
    CHECK(!od_name_matches("a.example.com", "aa.example.com"));
    CHECK(!od_name_matches("a..example.com", "a..example.com"));   /* empty label */
    CHECK(!od_name_matches("a.example.com", "a..example.com"));
    CHECK(!od_name_matches("", ""));
    CHECK(!od_name_matches("a.example.com", ""));
    CHECK(!od_name_matches(NULL, "a.example.com"));
    CHECK(!od_name_matches("a.example.com", NULL));
}

static void test_wildcards(void)
{
    CHECK(od_name_matches("*.example.com", "a.example.com"));
    CHECK(od_name_matches("*.example.com", "WWW.EXAMPLE.COM"));
    CHECK(od_name_matches("*.EXAMPLE.com.", "www.example.com."));
    CHECK(od_name_matches("*.example.com", "xn--bcher-kva.example.com"));
    CHECK(!od_name_matches("*.example.com", "example.com"));          /* one label needed */
    CHECK(!od_name_matches("*.example.com", "a.b.example.com"));      /* exactly one */
    CHECK(!od_name_matches("*.example.com", ".example.com"));         /* empty label */
    CHECK(!od_name_matches("*.example.com", "a.example.org"));
    CHECK(!od_name_matches("*.example.com", "aexample.com"));
    /* Wildcard not the whole left-most label. */
    CHECK(!od_name_matches("f*.example.com", "foo.example.com"));
    CHECK(!od_name_matches("*o.example.com", "foo.example.com"));
    CHECK(!od_name_matches("*a.example.com", "a.example.com"));
    CHECK(!od_name_matches("f*o.example.com", "foo.example.com"));
    CHECK(!od_name_matches("**.example.com", "a.example.com"));
    /* Wildcard not left-most. */
    CHECK(!od_name_matches("a.*.example.com", "a.b.example.com"));
    CHECK(!od_name_matches("a.example.*", "a.example.com"));
    CHECK(!od_name_matches("*.*.example.com", "a.b.example.com"));
    /* Too broad. */
    CHECK(!od_name_matches("*.com", "example.com"));
    CHECK(!od_name_matches("*", "example"));
    CHECK(!od_name_matches("*", "a.example.com"));
    CHECK(od_name_matches("*.co.uk", "example.co.uk"));   /* two labels after it: allowed */
    /* A host is never a pattern. */
    CHECK(!od_name_matches("*.example.com", "*.example.com"));
    CHECK(!od_name_matches("a.example.com", "*.example.com"));
    /* Never an IP address. */
    CHECK(!od_name_matches("*.0.0.1", "127.0.0.1"));
    CHECK(!od_name_matches("*.168.1.1", "192.168.1.1"));
    CHECK(!od_name_matches("127.0.0.1", "127.0.0.1"));   /* DNS name vs IP host */
}

static void test_idn(void)
{
    CHECK(od_name_matches("xn--bcher-kva.example", "bücher.example"));
    CHECK(od_name_matches("bücher.example", "xn--bcher-kva.example"));
    CHECK(od_name_matches("bücher.example", "bücher.example"));
    CHECK(od_name_matches("*.xn--bcher-kva.example", "www.bücher.example"));
    CHECK(od_name_matches("*.bücher.example", "WWW.xn--bcher-kva.example"));
    CHECK(!od_name_matches("xn--bcher-kva.example", "bucher.example"));
    CHECK(!od_name_matches("bücher.example", "bucher.example"));
    CHECK(!od_name_matches("*.bücher.example", "bücher.example"));
}

static void test_covers(void)
{
    od_cert c;
    const char *by = "sentinel";

    /* DNS SANs present: the CN is ignored. */
    cert_init(&c);
    od_strlist_add(&c.common_names, "cn-only.example.com");
    od_strlist_add(&c.san_dns, "a.example.com");
    od_strlist_add(&c.san_dns, "*.wild.example.com");
    od_strlist_add(&c.san_dns, "xn--bcher-kva.example");
    od_strlist_add(&c.san_ip, "127.0.0.1");
    od_strlist_add(&c.san_ip, "2001:db8::1");
    CHECK(od_cert_covers(&c, "a.example.com", &by));
    CHECK_STR(by, "a.example.com");
    CHECK(od_cert_covers(&c, "x.wild.example.com", &by));
    CHECK_STR(by, "*.wild.example.com");
    CHECK(!od_cert_covers(&c, "wild.example.com", &by));
    CHECK(by == NULL);
    CHECK(!od_cert_covers(&c, "cn-only.example.com", &by));
    CHECK(by == NULL);
    CHECK(od_cert_covers(&c, "bücher.example", &by));
    CHECK_STR(by, "xn--bcher-kva.example");
    CHECK(od_cert_covers(&c, "A.EXAMPLE.COM.", NULL));
    /* IP hosts against IP SANs only, compared in binary form. */
    CHECK(od_cert_covers(&c, "127.0.0.1", &by));
    CHECK_STR(by, "127.0.0.1");
    CHECK(od_cert_covers(&c, "2001:0db8:0:0::0001", &by));
    CHECK_STR(by, "2001:db8::1");
    CHECK(od_cert_covers(&c, "[2001:db8::1]", &by));
    CHECK(!od_cert_covers(&c, "127.0.0.2", &by));
    CHECK(by == NULL);
    CHECK(!od_cert_covers(&c, "::ffff:127.0.0.1", NULL));   /* another family */
    CHECK(!od_cert_covers(&c, "", NULL));
    cert_done(&c);

    /* An IP written as a DNS SAN does not cover the IP host. */
    cert_init(&c);
    od_strlist_add(&c.san_dns, "127.0.0.1");
    CHECK(!od_cert_covers(&c, "127.0.0.1", &by));
    CHECK(by == NULL);
    cert_done(&c);

    /* Only an IP SAN: no DNS SAN, so the CN still counts for DNS names. */
    cert_init(&c);
    od_strlist_add(&c.common_names, "a.example.com");
    od_strlist_add(&c.san_ip, "10.0.0.1");
    CHECK(od_cert_covers(&c, "a.example.com", &by));
    CHECK_STR(by, "a.example.com");
    CHECK(!od_cert_covers(&c, "10.0.0.2", NULL));
    cert_done(&c);

    /* No SAN at all: CN fallback, wildcards allowed, several CNs. */
    cert_init(&c);
    od_strlist_add(&c.common_names, "first.example.com");
    od_strlist_add(&c.common_names, "*.example.org");
    CHECK(od_cert_covers(&c, "first.example.com", &by));
    CHECK_STR(by, "first.example.com");
    CHECK(od_cert_covers(&c, "www.example.org", &by));
    CHECK_STR(by, "*.example.org");
    CHECK(!od_cert_covers(&c, "example.org", NULL));
    CHECK(!od_cert_covers(&c, "127.0.0.1", NULL));          /* CN never covers an IP */
    cert_done(&c);

    /* A CN that is an IP does not cover the IP host. */
    cert_init(&c);
    od_strlist_add(&c.common_names, "127.0.0.1");
    CHECK(!od_cert_covers(&c, "127.0.0.1", &by));
    CHECK(by == NULL);
    cert_done(&c);

    /* Nothing at all. */
    cert_init(&c);
    CHECK(!od_cert_covers(&c, "a.example.com", &by));
    CHECK(by == NULL);
    cert_done(&c);
    CHECK(!od_cert_covers(NULL, "a.example.com", NULL));
}

int main(void)
{
    test_normalize();
    test_exact();
    test_wildcards();
    test_idn();
    test_covers();
    return check_done("names");
}
