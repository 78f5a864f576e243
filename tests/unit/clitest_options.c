/* The option table is whole (every row has what --help, the man page and
 * the completions need), its allowed values are the ones the parsers
 * accept, and the command line parses as GNU tools do ("--", -h, -V,
 * abbreviations, "--flag=value", options after the origin). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "od_cli.h"
#include "od_options.h"

static void test_table_rows(void)
{
    char *help = od_options_help();
    for (size_t i = 0; i < OD_OPT_COUNT; i++) {
        const od_option *o = &od_options[i];
        CHECK_MSG(o->id == (od_option_id)i, "row %zu out of order", i);
        CHECK_MSG(o->name && *o->name && !strchr(o->name, '=') && o->name[0] != '-', "row %zu name", i);
        CHECK_MSG(o->help && *o->help, "--%s has no help", o->name);
        CHECK_MSG((o->kind == OD_VAL_NONE) == (o->metavar == NULL), "--%s: metavar iff it takes a value", o->name);
        CHECK_MSG((o->kind == OD_VAL_CHOICE || o->kind == OD_VAL_LIST) == (o->values != NULL),
                  "--%s: allowed values iff CHOICE or LIST", o->name);
        for (size_t j = 0; j < i; j++) {
            CHECK_MSG(strcmp(o->name, od_options[j].name) != 0, "--%s twice", o->name);
            CHECK_MSG(!o->short_name || o->short_name != od_options[j].short_name, "-%c twice", o->short_name);
        }
        char *flag = od_xasprintf("--%s", o->name);
        CHECK_MSG(strstr(help, flag) != NULL, "--help does not list %s", flag);
        free(flag);
    }
    free(help);
}

/* Calls fn on each '|'-separated allowed value of a row. */
static void each_value(const od_option *o, void (*fn)(const char *value))
{
    char *copy = od_xstrdup(o->values), *save = NULL;
    for (char *v = strtok_r(copy, "|", &save); v; v = strtok_r(NULL, "|", &save))
        fn(v);
    free(copy);
}

static void check_policy(const char *value)
{
    od_protocol_policy p;
    char *err = od_parse_protocol_policy(value, &p);
    CHECK_MSG(err == NULL, "protocol policy %s refused: %s", value, err);
    free(err);
}

static void check_protocol(const char *value)
{
    unsigned bits = 0;
    char *err = od_parse_ssl_protocols(value, &bits);
    CHECK_MSG(err == NULL && bits != 0, "SSL protocol %s refused: %s", value, err);
    free(err);
}

static void test_allowed_values(void)
{
    each_value(&od_options[OD_OPT_PROTOCOL_POLICY], check_policy);
    each_value(&od_options[OD_OPT_ORIGIN_SSL_PROTOCOLS], check_protocol);
    /* And every policy the parser knows is offered. */
    for (int p = OD_POLICY_HTTPS_ONLY; p <= OD_POLICY_MATCH_VIEWER; p++)
        CHECK(strstr(od_options[OD_OPT_PROTOCOL_POLICY].values, od_protocol_policy_name((od_protocol_policy)p)));
    unsigned all = OD_PROTO_SSLV3 | OD_PROTO_TLS1 | OD_PROTO_TLS11 | OD_PROTO_TLS12;
    for (unsigned bit = 1; bit <= OD_PROTO_TLS12; bit <<= 1)
        if (all & bit)
            CHECK(strstr(od_options[OD_OPT_ORIGIN_SSL_PROTOCOLS].values, od_proto_name(bit)));
}

/* Parses a NULL-terminated argument list; returns the error (caller frees). */
static char *parse(od_cli_opts *o, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"origin-doctor";
    for (; *args && argc < 31; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    memset(o, 0, sizeof *o);
    od_case_init(&o->c);
    return od_cli_parse(argc, argv, o);
}

static void test_parse(void)
{
    od_cli_opts o;
    char *err;

    err = parse(&o, (const char *const[]){"--", "-weird", NULL});
    CHECK_MSG(err && strstr(err, "origin domain") && strstr(err, "-weird"), "-- -weird: %s", err);
    free(err);
    od_case_free(&o.c);

    err = parse(&o, (const char *const[]){"-V", NULL});
    CHECK(!err && o.version && !o.help);
    od_case_free(&o.c);
    err = parse(&o, (const char *const[]){"-h", NULL});
    CHECK(!err && o.help);
    od_case_free(&o.c);

    /* Options after the origin, "=" values, a unique abbreviation. */
    err = parse(&o, (const char *const[]){"origin.example.com", "--batch", "--https-port=8443", "--json", "r.json",
                                          "--protocol-p", "match-viewer", NULL});
    CHECK_MSG(!err, "%s", err);
    CHECK(o.batch && o.c.https_port == 8443 && o.json_path && strcmp(o.json_path, "r.json") == 0);
    CHECK(o.c.protocol_policy == OD_POLICY_MATCH_VIEWER && (o.set & OD_SET_POLICY));
    CHECK_STR(o.c.origin_domain, "origin.example.com");
    free(err);
    od_case_free(&o.c);

    /* After "--", an option-looking word is the origin, not a flag. */
    err = parse(&o, (const char *const[]){"--batch", "--", "--json", NULL});
    CHECK_MSG(err && strstr(err, "origin domain"), "%s", err);
    CHECK(o.json_path == NULL);
    free(err);
    od_case_free(&o.c);

    err = parse(&o, (const char *const[]){"--no", "x.example.com", NULL});
    CHECK_MSG(err && strstr(err, "ambiguous") && strstr(err, "--no-color") && strstr(err, "--no-forward-host"), "%s",
              err);
    free(err);
    od_case_free(&o.c);

    err = parse(&o, (const char *const[]){"--batch=yes", "x.example.com", NULL});
    CHECK_MSG(err && strstr(err, "--batch") && strstr(err, "no value"), "%s", err);
    free(err);
    od_case_free(&o.c);

    err = parse(&o, (const char *const[]){"x.example.com", "--timeout", NULL});
    CHECK_MSG(err && strstr(err, "--timeout") && strstr(err, "value is required"), "%s", err);
    free(err);
    od_case_free(&o.c);

    err = parse(&o, (const char *const[]){"-q", "x.example.com", NULL});
    CHECK_MSG(err && strstr(err, "unknown option") && strstr(err, "\"-q\""), "%s", err);
    free(err);
    od_case_free(&o.c);

    err = parse(&o, (const char *const[]){"--timeout", "0", "x.example.com", NULL});
    CHECK_MSG(err && strstr(err, "--timeout"), "%s", err);
    free(err);
    od_case_free(&o.c);
}

int main(void)
{
    test_table_rows();
    test_allowed_values();
    test_parse();
    return check_done("cli options");
}
