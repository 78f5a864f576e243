/* The command line through getopt_long over the option table: each flag's
 * value is checked where it is read, and every message names the flag or
 * field, quotes the value and says what is allowed. */
#include "od_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_client_cert.h"
#include "od_options.h"

/* getopt_long's value for a long option: past every char, so it never
 * collides with a short letter. */
enum { LONG_BASE = 256 };

static char *quoted(const char *s)
{
    char *q = od_quote(s);
    return q ? q : od_xstrdup("\"\"");
}

/* The table row getopt_long returned (a long option's LONG_BASE + index,
 * or a short letter); NULL if none. */
static const od_option *option_for(int c)
{
    if (c >= LONG_BASE && c < LONG_BASE + OD_OPT_COUNT)
        return &od_options[c - LONG_BASE];
    for (size_t i = 0; i < OD_OPT_COUNT; i++)
        if (od_options[i].short_name && od_options[i].short_name == c)
            return &od_options[i];
    return NULL;
}

/* getopt_long said '?': an unknown letter, an unknown or ambiguous long
 * option, or a value given to a switch. */
static char *bad_option(int optopt_seen, const char *arg)
{
    const od_option *o = optopt_seen ? option_for(optopt_seen) : NULL;
    if (o && optopt_seen >= LONG_BASE)
        return od_xasprintf("--%s: takes no value", o->name);
    if (optopt_seen) {
        char letter[3] = {'-', (char)optopt_seen, '\0'};
        char *q = quoted(letter);
        char *msg = od_xasprintf("unknown option %s", q);
        free(q);
        return msg;
    }
    /* A long option: the word given, without "--" and any "=value". */
    const char *name = arg && arg[0] == '-' && arg[1] == '-' ? arg + 2 : "";
    size_t len = strcspn(name, "=");
    od_buf matches;
    od_buf_init(&matches);
    size_t n = 0;
    for (size_t i = 0; len && i < OD_OPT_COUNT; i++)
        if (strncmp(od_options[i].name, name, len) == 0) {
            od_buf_printf(&matches, "%s--%s", n ? ", " : "", od_options[i].name);
            n++;
        }
    char *q = quoted(arg ? arg : "");
    char *msg = n > 1 ? od_xasprintf("option %s is ambiguous: it could be %s", q, matches.data)
                      : od_xasprintf("unknown option %s", q);
    free(q);
    od_buf_free(&matches);
    return msg;
}

/* A whole number in [min, max]; the message names the flag and what it counts. */
static char *parse_whole(const char *flag, const char *v, long min, long max, const char *what, int *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < min || n > max) {
        char *q = quoted(v);
        char *msg = od_xasprintf("%s: %s must be %s from %ld to %ld", flag, q, what, min, max);
        free(q);
        return msg;
    }
    *out = (int)n;
    return NULL;
}

static char *parse_cname(const char *v, od_case *c)
{
    if (v[0] == '*' && v[1] == '.') {
        char *e = od_escape_str(v);
        char *msg = od_xasprintf("--cname: \"%s\" is a wildcard; give a concrete name viewers use "
                                 "(e.g. www%s), since CloudFront sends the viewer's own host name",
                                 e, e + 1);
        free(e);
        return msg;
    }
    char *err = od_validate_domain("--cname", v);
    if (!err && !od_strlist_contains_ci(&c->cnames, v))
        od_strlist_add(&c->cnames, v);
    return err;
}

static char *parse_trust_store(const char *v, od_case *c)
{
    FILE *f = fopen(v, "r");
    if (!f) {
        char *e = od_escape_str(v);
        char *msg = od_xasprintf("--trust-store: cannot read \"%s\": %s", e, od_strerror(errno, &(od_errbuf){0}));
        free(e);
        return msg;
    }
    fclose(f);
    free(c->trust_store);
    c->trust_store = od_xstrdup(v);
    return NULL;
}

static char *parse_origin_header(const char *v, od_case *c)
{
    od_origin_header h;
    char *err = od_parse_origin_header(v, &h);
    if (!err) {
        od_case_add_origin_header(c, h.name, h.value);
        free(h.name);
        free(h.value);
    }
    return err;
}

static char *parse_distribution_domain(const char *v, od_case *c)
{
    char *err = od_validate_domain("--distribution-domain", v);
    if (!err) {
        free(c->distribution_domain);
        c->distribution_domain = od_ascii_lower(od_xstrdup(v));
        size_t n = strlen(c->distribution_domain);
        if (n > 1 && c->distribution_domain[n - 1] == '.')
            c->distribution_domain[n - 1] = '\0';
    }
    return err;
}

/* One flag with its value (NULL for a switch). */
static char *take_option(od_option_id id, const char *v, od_cli_opts *o)
{
    od_case *c = &o->c;
    switch (id) {
    case OD_OPT_BATCH:
        o->batch = true;
        return NULL;
    case OD_OPT_FORWARD_HOST:
        c->forward_host_header = true;
        o->set |= OD_SET_FORWARD;
        return NULL;
    case OD_OPT_NO_FORWARD_HOST:
        o->set |= OD_SET_NO_FORWARD;
        return NULL;
    case OD_OPT_ALL_ORIGINS:
        o->all_origins = true;
        return NULL;
    case OD_OPT_DISTRIBUTION_CONFIG:
        o->dist_config = v;
        return NULL;
    case OD_OPT_ORIGIN_ID:
        o->origin_id = v;
        return NULL;
    case OD_OPT_NO_COLOR:
        o->no_color = true;
        return NULL;
    case OD_OPT_SUMMARY:
        o->summary = true;
        return NULL;
    case OD_OPT_GUIDED:
        o->guided = true;
        return NULL;
    case OD_OPT_GET:
        c->http_get = true;
        o->set |= OD_SET_GET;
        return NULL;
    case OD_OPT_HELP:
        o->help = true;
        return NULL;
    case OD_OPT_VERSION:
        o->version = true;
        return NULL;
    case OD_OPT_CNAME:
        o->set |= OD_SET_CNAMES;
        return parse_cname(v, c);
    case OD_OPT_HTTP_PORT:
        o->set |= OD_SET_HTTP_PORT;
        return od_parse_port("--http-port", v, &c->http_port);
    case OD_OPT_HTTPS_PORT:
        o->set |= OD_SET_HTTPS_PORT;
        return od_parse_port("--https-port", v, &c->https_port);
    case OD_OPT_PROTOCOL_POLICY:
        o->set |= OD_SET_POLICY;
        return od_parse_protocol_policy(v, &c->protocol_policy);
    case OD_OPT_ORIGIN_MTLS:
        c->origin_mtls = true;
        o->set |= OD_SET_ORIGIN_MTLS;
        return NULL;
    case OD_OPT_CLIENT_CERT:
        free(c->client_cert);
        c->client_cert = od_xstrdup(v);
        return NULL;
    case OD_OPT_CLIENT_KEY:
        free(c->client_key);
        c->client_key = od_xstrdup(v);
        return NULL;
    case OD_OPT_IP_ADDRESS_TYPE:
        o->set |= OD_SET_IP_ADDRESS_TYPE;
        return od_parse_ip_address_type(v, &c->ip_address_type);
    case OD_OPT_VIEWER_PROTOCOL_POLICY:
        o->set |= OD_SET_VIEWER_POLICY;
        return od_parse_viewer_policy(v, &c->viewer_protocol_policy);
    case OD_OPT_ORIGIN_SSL_PROTOCOLS:
        o->set |= OD_SET_PROTOCOLS;
        return od_parse_ssl_protocols(v, &c->origin_ssl_protocols);
    case OD_OPT_RESOLVE:
        o->set |= OD_SET_RESOLVE;
        return od_parse_resolve(v, &c->resolve, &c->n_resolve);
    case OD_OPT_TRUST_STORE:
        o->set |= OD_SET_TRUST;
        return parse_trust_store(v, c);
    case OD_OPT_TIMEOUT:
        o->set |= OD_SET_TIMEOUT;
        return od_parse_timeout(v, &c->timeout_s);
    case OD_OPT_RESPONSE_TIMEOUT:
        o->set |= OD_SET_RESPONSE_TIMEOUT;
        return od_parse_response_timeout(v, &c->response_timeout_s);
    case OD_OPT_CONCURRENCY:
        o->set |= OD_SET_CONCURRENCY;
        return parse_whole("--concurrency", v, 1, 64, "a whole number", &c->concurrency);
    case OD_OPT_ORIGIN_PATH:
        o->set |= OD_SET_ORIGIN_PATH;
        return od_parse_origin_path("--origin-path", v, &c->origin_path);
    case OD_OPT_PATH:
        o->set |= OD_SET_PATH;
        return od_parse_request_path("--path", v, &c->request_path);
    case OD_OPT_ORIGIN_HEADER:
        o->set |= OD_SET_ORIGIN_HEADERS;
        return parse_origin_header(v, c);
    case OD_OPT_DISTRIBUTION_DOMAIN:
        o->set |= OD_SET_DISTRIBUTION_DOMAIN;
        return parse_distribution_domain(v, c);
    case OD_OPT_FLEET:
        o->fleet = true;
        return NULL;
    case OD_OPT_MERGE:
        o->merge = true;
        return NULL;
    case OD_OPT_FLEET_CONCURRENCY:
        return parse_whole("--fleet-concurrency", v, 1, 4096, "a whole number", &o->fleet_concurrency);
    case OD_OPT_EXPIRING_WITHIN:
        o->expiring_asked = true;
        return parse_whole("--expiring-within", v, 0, 3650, "a number of days", &o->expiring_within);
    case OD_OPT_JSONL:
        o->jsonl_path = v;
        return NULL;
    case OD_OPT_SHARD:
        o->shard = v;
        return NULL;
    case OD_OPT_RESUME:
        o->resume_path = v;
        return NULL;
    case OD_OPT_JSON:
        o->json_path = v;
        return NULL;
    case OD_OPT_REPORT:
        o->report_path = v;
        return NULL;
    case OD_OPT_OPEN:
        o->open_path = v;
        return NULL;
    case OD_OPT_LAB:
        o->lab = v;
        return NULL;
    case OD_OPT_CHECK_BUNDLE:
        o->bundle.bundle = v;
        return NULL;
    case OD_OPT_KEY:
        o->bundle.key = v;
        return NULL;
    case OD_OPT_PASSWORD_FILE:
        o->bundle.password_file = v;
        return NULL;
    case OD_OPT_AT:
        o->bundle.at_set = true;
        return od_cli_parse_at(v, &o->bundle.at);
    case OD_OPT_WRITE_CHAIN:
        o->bundle.write_chain = v;
        return NULL;
    case OD_OPT_INTERMEDIATES:
        od_strlist_add(&o->bundle.intermediates, v);
        return NULL;
    case OD_OPT_FETCH_INTERMEDIATES:
        o->bundle.fetch_intermediates = true;
        return NULL;
    case OD_OPT_FORCE:
        o->bundle.force = true;
        return NULL;
    case OD_OPT_COUNT:
        break;
    }
    return od_xstrdup("internal error: an option without a handler");
}

/* --client-cert and --client-key: both or neither, read and matched now,
 * before anything is probed. A copy of the distribution's certificate
 * means origin mTLS is on. */
static char *check_client_cert(od_cli_opts *o)
{
    od_case *c = &o->c;
    if (!c->client_cert && !c->client_key)
        return NULL;
    if (!c->client_cert || !c->client_key)
        return od_xasprintf("%s given without %s: give both (the certificate and its private key)",
                            c->client_cert ? "--client-cert" : "--client-key",
                            c->client_cert ? "--client-key" : "--client-cert");
    if (o->open_path || o->fleet || o->merge || o->bundle.bundle)
        return od_xstrdup("--client-cert and --client-key: not with --open, --fleet, --merge or --check-bundle");
    char *err = NULL;
    od_client_cert *cc = od_client_cert_load(c->client_cert, c->client_key, &err);
    od_client_cert_free(cc);
    if (err)
        return err;
    c->origin_mtls = true;
    o->set |= OD_SET_ORIGIN_MTLS | OD_SET_CLIENT_CERT;
    return NULL;
}

/* Checks that need every flag: combinations, and the origin domain. */
static char *check_whole(od_cli_opts *o, const char *origin)
{
    if (o->fleet && o->merge)
        return od_xstrdup("--fleet and --merge: give only one (merge the JSON lines the fleet runs wrote)");
    if ((o->fleet || o->merge) && o->files.len == 0)
        return od_xasprintf("%s: give at least one file", o->fleet ? "--fleet" : "--merge");
    if ((o->fleet || o->merge) && (o->dist_config || o->open_path || o->lab))
        return od_xstrdup("--fleet and --merge go without --distribution-config, --open and --lab");
    if (!o->fleet && (o->jsonl_path || o->shard || o->resume_path || o->fleet_concurrency))
        return od_xstrdup("--jsonl, --shard, --resume and --fleet-concurrency go with --fleet");
    if (!o->fleet && !o->merge && o->expiring_asked)
        return od_xstrdup("--expiring-within goes with --fleet or --merge");
    if ((o->all_origins || o->origin_id) && !o->dist_config)
        return od_xstrdup("--all-origins and --origin-id go with --distribution-config FILE");
    if ((o->set & OD_SET_NO_FORWARD) && (o->set & OD_SET_FORWARD))
        return od_xstrdup("--forward-host and --no-forward-host: give only one");
    if (o->dist_config && origin)
        return od_xstrdup("origin domain: not with --distribution-config (the config names the origins; "
                          "use --origin-id)");
    const od_cli_bundle_opts *bo = &o->bundle;
    if (!bo->bundle && (bo->key || bo->password_file || bo->at_set))
        return od_xstrdup("--key, --password-file and --at go with --check-bundle FILE");
    if (!bo->write_chain && (bo->intermediates.len || bo->fetch_intermediates || bo->force))
        return od_xstrdup("--intermediates, --fetch-intermediates and --force go with --write-chain FILE");
    if (bo->bundle && (o->open_path || o->lab || o->dist_config))
        return od_xstrdup("--check-bundle: not with --open, --lab or --distribution-config");
    if (bo->write_chain && (o->open_path || o->all_origins))
        return od_xstrdup("--write-chain: not with --open or --all-origins");
    char *out_err = od_cli_check_output(bo);
    if (out_err)
        return out_err;
    char *cert_err = check_client_cert(o);
    if (cert_err)
        return cert_err;
    if (origin) {
        /* An IP address is accepted here: it is itself a finding
         * (ORIGIN_IS_IP_ADDRESS), not a typo. */
        char *err;
        if (!od_is_ip_literal(origin) && (err = od_validate_domain("origin domain", origin)))
            return err;
        o->c.origin_domain = od_xstrdup(origin);
        size_t n = strlen(o->c.origin_domain);
        if (n > 1 && o->c.origin_domain[n - 1] == '.')
            o->c.origin_domain[n - 1] = '\0';
        od_case_pin_wildcards(&o->c);
    }
    return NULL;
}

char *od_cli_parse(int argc, char **argv, od_cli_opts *o)
{
    struct option longopts[OD_OPT_COUNT + 1];
    char shortopts[2 + 2 * OD_OPT_COUNT + 1];
    size_t ns = 0;
    shortopts[ns++] = ':';   /* a missing value returns ':', not '?' */
    for (size_t i = 0; i < OD_OPT_COUNT; i++) {
        const od_option *opt = &od_options[i];
        int has_arg = opt->kind == OD_VAL_NONE ? no_argument : required_argument;
        longopts[i] = (struct option){opt->name, has_arg, NULL, LONG_BASE + (int)i};
        if (opt->short_name) {
            shortopts[ns++] = opt->short_name;
            if (has_arg == required_argument)
                shortopts[ns++] = ':';
        }
    }
    longopts[OD_OPT_COUNT] = (struct option){NULL, 0, NULL, 0};
    shortopts[ns] = '\0';

    opterr = 0;   /* our own messages, in the tool's words */
    optind = 0;   /* 0, not 1: glibc and musl then reset their whole scan state */
    char *err = NULL;
    int ch;
    while (!err && (ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (ch == '?') {
            err = bad_option(optopt, optind > 0 && optind <= argc ? argv[optind - 1] : NULL);
        } else if (ch == ':') {
            const od_option *opt = option_for(optopt);
            err = opt ? od_xasprintf("--%s: a value is required", opt->name) : od_xstrdup("a value is required");
        } else {
            const od_option *opt = option_for(ch);
            err = opt ? take_option(opt->id, optarg, o) : od_xstrdup("internal error: unexpected option");
        }
    }
    if (err)
        return err;
    if (o->fleet || o->merge) {   /* the arguments are files */
        for (int i = optind; i < argc; i++)
            od_strlist_add(&o->files, argv[i]);
        return check_whole(o, NULL);
    }
    if (argc - optind > 1) {
        char *e = od_escape_str(argv[optind + 1]);
        err = od_xasprintf("origin domain: only one may be given (got a second one, \"%s\")", e);
        free(e);
        return err;
    }
    return check_whole(o, optind < argc ? argv[optind] : NULL);
}

void od_cli_apply_overrides(od_case *dst, const od_cli_opts *o)
{
    const od_case *s = &o->c;
    if (o->set & OD_SET_FORWARD)
        dst->forward_host_header = s->forward_host_header;
    if (o->set & OD_SET_CNAMES) {
        od_strlist_free(&dst->cnames);
        od_strlist_copy(&dst->cnames, &s->cnames);
    }
    if (o->set & OD_SET_HTTP_PORT)
        dst->http_port = s->http_port;
    if (o->set & OD_SET_HTTPS_PORT)
        dst->https_port = s->https_port;
    if (o->set & OD_SET_POLICY)
        dst->protocol_policy = s->protocol_policy;
    if (o->set & OD_SET_ORIGIN_MTLS)
        dst->origin_mtls = s->origin_mtls;
    if (o->set & OD_SET_CLIENT_CERT) {
        free(dst->client_cert);
        free(dst->client_key);
        dst->client_cert = od_xstrdup(s->client_cert);
        dst->client_key = od_xstrdup(s->client_key);
    }
    if (o->set & OD_SET_IP_ADDRESS_TYPE)
        dst->ip_address_type = s->ip_address_type;
    if (o->set & OD_SET_VIEWER_POLICY)
        dst->viewer_protocol_policy = s->viewer_protocol_policy;
    if (o->set & OD_SET_PROTOCOLS)
        dst->origin_ssl_protocols = s->origin_ssl_protocols;
    if (o->set & OD_SET_TIMEOUT)
        dst->timeout_s = s->timeout_s;
    if (o->set & OD_SET_RESPONSE_TIMEOUT)
        dst->response_timeout_s = s->response_timeout_s;
    if (o->set & OD_SET_CONCURRENCY)
        dst->concurrency = s->concurrency;
    if (o->set & OD_SET_GET)
        dst->http_get = s->http_get;
    if (o->set & OD_SET_ORIGIN_PATH) {
        free(dst->origin_path);
        dst->origin_path = od_xstrdup(s->origin_path);
    }
    if (o->set & OD_SET_PATH) {
        free(dst->request_path);
        dst->request_path = od_xstrdup(s->request_path);
    }
    if (o->set & OD_SET_ORIGIN_HEADERS) {
        /* the flags name the headers CloudFront adds: they replace the config's */
        od_case_clear_origin_headers(dst);
        for (size_t i = 0; i < s->n_origin_headers; i++)
            od_case_add_origin_header(dst, s->origin_headers[i].name, s->origin_headers[i].value);
    }
    if (o->set & OD_SET_DISTRIBUTION_DOMAIN) {
        free(dst->distribution_domain);
        dst->distribution_domain = od_xstrdup(s->distribution_domain);
    }
    if (o->set & OD_SET_TRUST) {
        free(dst->trust_store);
        dst->trust_store = od_xstrdup(s->trust_store);
    }
    if (o->set & OD_SET_RESOLVE) {
        dst->resolve = od_xrealloc(dst->resolve, (dst->n_resolve + s->n_resolve) * sizeof *dst->resolve);
        for (size_t i = 0; i < s->n_resolve; i++) {
            od_resolve *r = &dst->resolve[dst->n_resolve++];
            r->host = od_xstrdup(s->resolve[i].host);
            r->port = s->resolve[i].port;
            r->address = od_xstrdup(s->resolve[i].address);
        }
        od_case_pin_wildcards(dst);
    }
}
