/* Issue 10, IpAddressType: CloudFront connects only to the addresses of
 * the origin's IP address type (ipv4 by default). With the real binary on
 * origins on 127.0.0.1 and ::1 (the lab's own GnuTLS server):
 *  - a name with only an IPv6 address (the aaaa-only lab) under the default
 *    ipv4: DNS_NO_ADDRESS_OF_TYPE, status 502, exit 1, nothing probed;
 *    with --ip-address-type ipv6: no such failure, the origin on ::1 passes;
 *    the report reopened with --open keeps the type;
 *  - a name with a live 127.0.0.1 and a dead [::1] (--resolve
 *    HOST:PORT:127.0.0.1,[::1]): under ipv4 the IPv6 address is never
 *    probed and never a warning (DNS_ADDRESS_NOT_USED, info); under
 *    dualstack the dead address shows (PORT_REFUSED, warn);
 *  - IpAddressType read from get-distribution-config fixtures (ipv6 with an
 *    A-only origin: DNS_NO_ADDRESS_OF_TYPE; dualstack: the dead ::1 shows).
 * Without an IPv6 loopback on this machine, only the checks that need ::1
 * are skipped, and the test says so. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "itest.h"
#include "od_lab.h"

static const char *bin;
static char *dir;

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(s) ? s->valuestring : "";
}

static const char *input_type(const cJSON *j)
{
    return str_of(cJSON_GetObjectItemCaseSensitive(j, "input"), "ip_address_type");
}

/* Does a warn or fail finding name this address anywhere (detail or evidence)? */
static bool problem_mentions(const cJSON *j, const char *address)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(j, "findings"))
    {
        const char *sev = str_of(f, "severity");
        if (strcmp(sev, "warn") != 0 && strcmp(sev, "fail") != 0)
            continue;
        char *text = cJSON_PrintUnformatted(f);
        bool hit = text && strstr(text, address);
        free(text);
        if (hit)
            return true;
    }
    return false;
}

/* Was a TCP connection to this address tried? */
static bool tcp_tried(const cJSON *j, const char *address)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(j, "tcp"))
        if (strcmp(str_of(t, "address"), address) == 0 && strcmp(str_of(t, "state"), "untested") != 0)
            return true;
    return false;
}

/* The TCP state seen at address:port, or "" when not tried. */
static const char *tcp_state(const cJSON *j, const char *address, int port)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(j, "tcp"))
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(t, "port");
        if (strcmp(str_of(t, "address"), address) == 0 && cJSON_IsNumber(p) && p->valueint == port)
            return str_of(t, "state");
    }
    return "";
}

/* Runs the binary with args plus --json FILE; the report parsed back. */
static cJSON *run_json(od_strlist *args, const char *name, it_result *res, char **json_path)
{
    char *json = od_xasprintf("%s/%s.json", dir, name);
    od_strlist_add_owned(args, od_xasprintf("--json=%s", json));
    it_run(bin, args, NULL, 90, res);
    cJSON *j = it_load_json(json);
    CHECK_MSG(j != NULL, "%s: no JSON report (exit %d): %.300s", name, res->exit_code, res->err ? res->err : "");
    if (json_path)
        *json_path = json;
    else
        free(json);
    return j;
}

/* The arguments for the lab's case, with extra flags before the origin. */
static void lab_args(const od_case *c, const char *const *extra, od_strlist *args)
{
    od_strlist_init(args);
    it_case_args(c, args);
    char *origin = od_xstrdup(args->items[args->len - 1]);
    free(args->items[--args->len]);
    for (size_t i = 0; extra && extra[i]; i++)
        od_strlist_add(args, extra[i]);
    od_strlist_add_owned(args, origin);
}

/* Starts a lab scenario into c; NULL (c freed) when it does not start. */
static od_lab *start_lab(const char *name, od_case *c)
{
    od_case_init(c);
    char *err = NULL;
    od_lab *lab = od_lab_start(name, c, &err);
    CHECK_MSG(lab != NULL, "%s lab: %s", name, err ? err : "?");
    free(err);
    if (!lab)
        od_case_free(c);
    return lab;
}

/* AAAA only: fails with ipv4 (the default), passes with ipv6. */
static void test_aaaa_only(void)
{
    od_case c;
    od_lab *lab = start_lab("aaaa-only", &c);
    if (!lab)
        return;
    od_strlist args;
    it_result res;
    lab_args(&c, NULL, &args);
    cJSON *j = run_json(&args, "aaaa-ipv4", &res, NULL);
    CHECK_MSG(res.exit_code == 1, "aaaa-only, ipv4: exit %d: %s", res.exit_code, res.err);
    if (j) {
        char *ids = it_ids_with_severity(j, "fail");
        CHECK_MSG(strcmp(ids, "DNS_NO_ADDRESS_OF_TYPE") == 0, "aaaa-only, ipv4: fail ids \"%s\"", ids);
        free(ids);
        const cJSON *f = it_finding(j, "DNS_NO_ADDRESS_OF_TYPE");
        const cJSON *st = f ? cJSON_GetObjectItemCaseSensitive(f, "cloudfront_status") : NULL;
        CHECK(cJSON_IsNumber(st) && st->valueint == 502);
        CHECK(f && strstr(str_of(f, "detail"), "::1") && strstr(str_of(f, "reproduce"), " A "));
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "verdict");
        CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "complete")));
        CHECK(strstr(str_of(v, "summary"), "(DNS_NO_ADDRESS_OF_TYPE)") != NULL);
        CHECK_MSG(!tcp_tried(j, "::1"), "aaaa-only, ipv4: the IPv6 address was probed");
        CHECK_STR(input_type(j), "ipv4");
        cJSON_Delete(j);
    }
    it_result_free(&res);
    od_strlist_free(&args);

    const char *v6[] = {"--ip-address-type", "ipv6", NULL};
    lab_args(&c, v6, &args);
    char *saved = NULL;
    j = run_json(&args, "aaaa-ipv6", &res, &saved);
    CHECK_MSG(res.exit_code == 0, "aaaa-only, ipv6: exit %d: %s", res.exit_code, res.err);
    if (j) {
        CHECK(!it_finding(j, "DNS_NO_ADDRESS_OF_TYPE") && !it_finding(j, "DNS_ADDRESS_NOT_USED"));
        char *ids = it_ids_with_severity(j, "fail");
        CHECK_MSG(strcmp(ids, "") == 0, "aaaa-only, ipv6: fail ids \"%s\"", ids);
        free(ids);
        CHECK_STR(tcp_state(j, "::1", c.https_port), "open");
        CHECK(it_finding(j, "TLS_OK") != NULL && it_finding(j, "HTTP_OK") != NULL);
        CHECK_STR(input_type(j), "ipv6");
        cJSON_Delete(j);
    }
    it_result_free(&res);
    od_strlist_free(&args);

    /* reopened: the report keeps its IP address type, and its verdict */
    od_strlist_init(&args);
    od_strlist_add(&args, "--batch");
    od_strlist_add_owned(&args, od_xasprintf("--open=%s", saved));
    j = run_json(&args, "aaaa-ipv6-reopened", &res, NULL);
    CHECK_MSG(res.exit_code == 0, "reopened: exit %d: %s", res.exit_code, res.err);
    if (j) {
        CHECK_STR(input_type(j), "ipv6");
        CHECK(!it_finding(j, "DNS_NO_ADDRESS_OF_TYPE"));
        cJSON_Delete(j);
    }
    it_result_free(&res);
    od_strlist_free(&args);
    free(saved);
    od_lab_stop(lab);
    od_case_free(&c);
}

/* A socket bound to [::1]:port that never listens: connections there are
 * refused, and nothing else can take the port meanwhile. -1 if ::1 is
 * not usable here. */
static int dead_ipv6_port(int port)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    a.sin6_port = htons((uint16_t)port);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    CHECK_MSG(false, "cannot hold [::1]:%d dead: %s", port, strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

/* The arguments for the healthy lab's name at 127.0.0.1 and [::1] (one
 * --resolve with both, as curl takes it), extra flags before the origin. */
static void two_address_args(const od_case *c, const char *const *extra, od_strlist *args)
{
    od_strlist_init(args);
    od_strlist_add(args, "--batch");
    od_strlist_add_owned(args, od_xasprintf("--https-port=%d", c->https_port));
    od_strlist_add_owned(args, od_xasprintf("--resolve=%s:%d:127.0.0.1,[::1]", c->origin_domain, c->https_port));
    od_strlist_add_owned(args, od_xasprintf("--trust-store=%s", c->trust_store));
    od_strlist_add(args, "--timeout=5");
    for (size_t i = 0; extra && extra[i]; i++)
        od_strlist_add(args, extra[i]);
}

static void check_ipv4_ignores_dead_v6(const cJSON *j, const char *name, int port)
{
    CHECK_MSG(!problem_mentions(j, "::1"), "%s: a warning or failure names ::1", name);
    CHECK_MSG(!it_finding(j, "PORT_REFUSED"), "%s: PORT_REFUSED raised", name);
    CHECK_MSG(!tcp_tried(j, "::1"), "%s: the IPv6 address was probed", name);
    CHECK_STR(tcp_state(j, "127.0.0.1", port), "open");
    const cJSON *f = it_finding(j, "DNS_ADDRESS_NOT_USED");
    CHECK_MSG(f && strcmp(str_of(f, "severity"), "info") == 0 && strstr(str_of(f, "detail"), "::1"),
              "%s: the unused IPv6 address is not listed as information", name);
    CHECK(strstr(str_of(cJSON_GetObjectItemCaseSensitive(j, "verdict"), "summary"), "No problem found") != NULL);
}

static void check_dualstack_shows_dead_v6(const cJSON *j, const char *name, int port)
{
    const cJSON *f = it_finding(j, "PORT_REFUSED");
    CHECK_MSG(f && strcmp(str_of(f, "severity"), "warn") == 0 && strstr(str_of(f, "detail"), "::1"),
              "%s: the dead IPv6 address does not show as PORT_REFUSED (warn)", name);
    CHECK_STR(tcp_state(j, "::1", port), "refused");
    CHECK_STR(tcp_state(j, "127.0.0.1", port), "open");
    CHECK(!it_finding(j, "DNS_ADDRESS_NOT_USED"));
}

/* A live 127.0.0.1 and a dead [::1]: from flags, then from configs. */
static void test_dead_ipv6(bool ipv6)
{
    od_case c;
    od_lab *lab = start_lab("healthy", &c);
    if (!lab)
        return;
    int dead = ipv6 ? dead_ipv6_port(c.https_port) : -1;
    const char *src = getenv("OD_SOURCE_DIR");
    od_strlist args;
    it_result res;
    cJSON *j;

    if (dead >= 0) {
        two_address_args(&c, NULL, &args);
        char *md = od_xasprintf("%s/dead-v6-ipv4.md", dir);
        od_strlist_add_owned(&args, od_xasprintf("--report=%s", md));
        od_strlist_add(&args, c.origin_domain);
        j = run_json(&args, "dead-v6-ipv4", &res, NULL);
        CHECK_MSG(res.exit_code == 0, "ipv4, dead ::1: exit %d: %s", res.exit_code, res.err);
        if (j)
            check_ipv4_ignores_dead_v6(j, "ipv4, dead ::1", c.https_port);
        /* the readable report says which address CloudFront does not use */
        size_t len = 0;
        char *text = od_read_file(md, &len);
        const char *row = text ? strstr(text, "| ::1 | IPv6 |") : NULL;
        const char *eol = row ? strchr(row, '\n') : NULL;
        const char *note = row ? strstr(row, "no (IpAddressType ipv4): not probed") : NULL;
        CHECK_MSG(note && (!eol || note < eol), "the Markdown report does not mark ::1 as not used:\n%.2000s",
                  text ? text : "(no file)");
        free(text);
        free(md);
        cJSON_Delete(j);
        it_result_free(&res);
        od_strlist_free(&args);

        const char *dual[] = {"--ip-address-type=dualstack", NULL};
        two_address_args(&c, dual, &args);
        od_strlist_add(&args, c.origin_domain);
        j = run_json(&args, "dead-v6-dualstack", &res, NULL);
        CHECK_MSG(res.exit_code == 0, "dualstack, dead ::1 (a warning): exit %d: %s", res.exit_code, res.err);
        if (j)
            check_dualstack_shows_dead_v6(j, "dualstack, dead ::1", c.https_port);
        cJSON_Delete(j);
        it_result_free(&res);
        od_strlist_free(&args);

        /* IpAddressType dualstack from a get-distribution-config file */
        char *cfg = od_xasprintf("--distribution-config=%s/tests/fixtures/distconfig/ip-dualstack.json",
                                 src ? src : ".");
        const char *from_config[] = {cfg, NULL};
        two_address_args(&c, from_config, &args);
        j = run_json(&args, "dead-v6-config-dualstack", &res, NULL);
        CHECK_MSG(res.exit_code == 0, "config dualstack: exit %d: %s", res.exit_code, res.err);
        if (j) {
            CHECK_STR(input_type(j), "dualstack");
            check_dualstack_shows_dead_v6(j, "config dualstack", c.https_port);
        }
        cJSON_Delete(j);
        it_result_free(&res);
        od_strlist_free(&args);
        free(cfg);
        close(dead);
    }

    /* IpAddressType ipv6 from a config, an origin with an A record only
     * (127.0.0.1): no address CloudFront may use. Needs no ::1. */
    char *cfg = od_xasprintf("--distribution-config=%s/tests/fixtures/distconfig/ip-ipv6.json", src ? src : ".");
    od_strlist_init(&args);
    od_strlist_add(&args, "--batch");
    od_strlist_add(&args, cfg);
    od_strlist_add_owned(&args, od_xasprintf("--https-port=%d", c.https_port));
    od_strlist_add_owned(&args, od_xasprintf("--resolve=%s:%d:127.0.0.1", c.origin_domain, c.https_port));
    od_strlist_add_owned(&args, od_xasprintf("--trust-store=%s", c.trust_store));
    j = run_json(&args, "config-ipv6-a-only", &res, NULL);
    CHECK_MSG(res.exit_code == 1, "config ipv6, A only: exit %d: %s", res.exit_code, res.err);
    if (j) {
        CHECK_STR(input_type(j), "ipv6");
        char *ids = it_ids_with_severity(j, "fail");
        CHECK_MSG(strcmp(ids, "DNS_NO_ADDRESS_OF_TYPE") == 0, "config ipv6, A only: fail ids \"%s\"", ids);
        free(ids);
        const cJSON *f = it_finding(j, "DNS_NO_ADDRESS_OF_TYPE");
        CHECK(f && strstr(str_of(f, "reproduce"), " AAAA "));
        CHECK_MSG(!tcp_tried(j, "127.0.0.1"), "config ipv6: the IPv4 address was probed");
        cJSON_Delete(j);
    }
    it_result_free(&res);
    od_strlist_free(&args);
    free(cfg);
    od_lab_stop(lab);
    od_case_free(&c);
}

int main(int argc, char **argv)
{
    bin = it_bin_arg(argc, argv);
    dir = it_tmpdir();
    bool ipv6 = check_ipv6_loopback("ip_address_type: the checks with an origin or a dead port on ::1");
    if (ipv6)
        test_aaaa_only();
    test_dead_ipv6(ipv6);
    it_rmtree(dir);
    free(dir);
    return check_done("ip_address_type");
}
