/* origin-doctor's command line: parses and validates the flags of the
 * design's contract, then runs the batch diagnosis or the interactive UI. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "od_distconfig.h"
#include "od_engine.h"
#include "od_lab.h"
#include "od_multi.h"
#include "od_pool.h"
#include "od_ui.h"

enum {
    EXIT_OK = 0,
    EXIT_WOULD_FAIL = 1,
    EXIT_USAGE = 2,
    EXIT_TOOL = 3
};

/* Which case fields the command line set, so that they override a lab's. */
enum {
    SET_FORWARD = 1u << 0,
    SET_CNAMES = 1u << 1,
    SET_HTTP_PORT = 1u << 2,
    SET_HTTPS_PORT = 1u << 3,
    SET_POLICY = 1u << 4,
    SET_PROTOCOLS = 1u << 5,
    SET_RESOLVE = 1u << 6,
    SET_TRUST = 1u << 7,
    SET_TIMEOUT = 1u << 8,
    SET_CONCURRENCY = 1u << 9,
    SET_GET = 1u << 10,
    SET_NO_FORWARD = 1u << 11,
    SET_RESPONSE_TIMEOUT = 1u << 12
};

typedef struct {
    od_case c;
    unsigned set;
    bool batch, no_color, help, version;
    const char *json_path, *report_path, *open_path, *lab;
    const char *dist_config, *origin_id;
    bool all_origins;
} cli_opts;

static const char usage_text[] =
    "Usage: origin-doctor [options] ORIGIN_DOMAIN\n"
    "       origin-doctor                       (interactive wizard on a terminal)\n"
    "       origin-doctor --lab list | --lab NAME [options]\n"
    "       origin-doctor --open REPORT.json [--batch]\n"
    "\n"
    "Tells why CloudFront would answer 502 for a custom origin, by probing the\n"
    "origin from this machine the way CloudFront connects to it.\n"
    "\n"
    "  --batch                  no UI: print the report to stdout, exit with the verdict\n"
    "  --forward-host           the distribution forwards the viewer's Host header\n"
    "  --cname NAME             an alternate domain name viewers use (repeatable)\n"
    "  --http-port N            origin HTTP port (default 80)\n"
    "  --https-port N           origin HTTPS port (default 443)\n"
    "  --protocol-policy P      https-only | http-only | match-viewer (default https-only)\n"
    "  --origin-ssl-protocols L comma list of SSLv3,TLSv1,TLSv1.1,TLSv1.2 (default TLSv1.2)\n"
    "  --resolve HOST:PORT:ADDR use ADDR for HOST:PORT instead of DNS (repeatable)\n"
    "  --trust-store FILE       PEM bundle of trusted roots instead of the system store\n"
    "  --timeout SECONDS        per connect/handshake, 1-60 (default 10, as CloudFront)\n"
    "  --response-timeout S     wait for the HTTP answer, 1-180 (default 30, CloudFront's\n"
    "                           origin response timeout)\n"
    "  --concurrency N          parallel connections for the cipher table, 1-64 (default 8)\n"
    "  --get                    send GET / instead of HEAD / in the HTTP check\n"
    "  --json FILE              also write the JSON report\n"
    "  --report FILE            also write the readable report (Markdown)\n"
    "  --open FILE              open a saved JSON report (no probing)\n"
    "  --lab NAME|list          practise on a local origin that shows one problem\n"
    "  --distribution-config F  read the case from `aws cloudfront get-distribution(-config)` output\n"
    "  --origin-id ID           with --distribution-config: the origin to diagnose\n"
    "  --all-origins            with --distribution-config: diagnose every custom origin\n"
    "  --no-forward-host        with --distribution-config: a custom policy does not forward Host\n"
    "                           (--forward-host: it does)\n"
    "  --no-color, --help, --version\n"
    "\n"
    "Exit codes: 0 nothing found that makes CloudFront fail, 1 at least one failure,\n"
    "2 usage or input error (nothing probed), 3 the tool itself could not run.\n";

static int usage_error(char *msg)
{
    fprintf(stderr, "origin-doctor: %s\n(see origin-doctor --help)\n", msg);
    free(msg);
    return EXIT_USAGE;
}

/* Takes the value of a flag: "--flag value" or "--flag=value". */
static const char *flag_value(int argc, char **argv, int *i, const char *flag, char **err)
{
    const char *arg = argv[*i];
    size_t fl = strlen(flag);
    if (arg[fl] == '=')
        return arg + fl + 1;
    if (*i + 1 >= argc) {
        *err = od_xasprintf("%s: a value is required", flag);
        return NULL;
    }
    return argv[++*i];
}

static bool flag_is(const char *arg, const char *flag)
{
    size_t fl = strlen(flag);
    return strncmp(arg, flag, fl) == 0 && (arg[fl] == '\0' || arg[fl] == '=');
}

static char *parse_args(int argc, char **argv, cli_opts *o)
{
    char *err = NULL;
    const char *origin = NULL;
    for (int i = 1; i < argc && !err; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        if (strcmp(a, "--batch") == 0) {
            o->batch = true;
        } else if (strcmp(a, "--forward-host") == 0) {
            o->c.forward_host_header = true;
            o->set |= SET_FORWARD;
        } else if (strcmp(a, "--no-forward-host") == 0) {
            o->set |= SET_NO_FORWARD;
        } else if (strcmp(a, "--all-origins") == 0) {
            o->all_origins = true;
        } else if (flag_is(a, "--distribution-config")) {
            o->dist_config = flag_value(argc, argv, &i, "--distribution-config", &err);
        } else if (flag_is(a, "--origin-id")) {
            o->origin_id = flag_value(argc, argv, &i, "--origin-id", &err);
        } else if (strcmp(a, "--no-color") == 0) {
            o->no_color = true;
        } else if (strcmp(a, "--get") == 0) {
            o->c.http_get = true;
            o->set |= SET_GET;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true;
        } else if (strcmp(a, "--version") == 0) {
            o->version = true;
        } else if (flag_is(a, "--cname")) {
            if ((v = flag_value(argc, argv, &i, "--cname", &err))) {
                if (v[0] == '*' && v[1] == '.')
                    err = od_xasprintf("--cname: \"%s\" is a wildcard; give a concrete name viewers use "
                                       "(e.g. www%s), since CloudFront sends the viewer's own host name",
                                       v, v + 1);
                else if (!(err = od_validate_domain("--cname", v)) && !od_strlist_contains_ci(&o->c.cnames, v))
                    od_strlist_add(&o->c.cnames, v);
                o->set |= SET_CNAMES;
            }
        } else if (flag_is(a, "--http-port")) {
            if ((v = flag_value(argc, argv, &i, "--http-port", &err)))
                err = od_parse_port("--http-port", v, &o->c.http_port);
            o->set |= SET_HTTP_PORT;
        } else if (flag_is(a, "--https-port")) {
            if ((v = flag_value(argc, argv, &i, "--https-port", &err)))
                err = od_parse_port("--https-port", v, &o->c.https_port);
            o->set |= SET_HTTPS_PORT;
        } else if (flag_is(a, "--protocol-policy")) {
            if ((v = flag_value(argc, argv, &i, "--protocol-policy", &err)))
                err = od_parse_protocol_policy(v, &o->c.protocol_policy);
            o->set |= SET_POLICY;
        } else if (flag_is(a, "--origin-ssl-protocols")) {
            if ((v = flag_value(argc, argv, &i, "--origin-ssl-protocols", &err)))
                err = od_parse_ssl_protocols(v, &o->c.origin_ssl_protocols);
            o->set |= SET_PROTOCOLS;
        } else if (flag_is(a, "--resolve")) {
            if ((v = flag_value(argc, argv, &i, "--resolve", &err))) {
                od_resolve res;
                if (!(err = od_parse_resolve(v, &res))) {
                    o->c.resolve = od_xrealloc(o->c.resolve, (o->c.n_resolve + 1) * sizeof *o->c.resolve);
                    o->c.resolve[o->c.n_resolve++] = res;
                }
            }
            o->set |= SET_RESOLVE;
        } else if (flag_is(a, "--trust-store")) {
            if ((v = flag_value(argc, argv, &i, "--trust-store", &err))) {
                FILE *f = fopen(v, "r");
                if (!f) {
                    err = od_xasprintf("--trust-store: cannot read \"%s\": %s", v, strerror(errno));
                } else {
                    fclose(f);
                    free(o->c.trust_store);
                    o->c.trust_store = od_xstrdup(v);
                }
            }
            o->set |= SET_TRUST;
        } else if (flag_is(a, "--timeout")) {
            if ((v = flag_value(argc, argv, &i, "--timeout", &err)))
                err = od_parse_timeout(v, &o->c.timeout_s);
            o->set |= SET_TIMEOUT;
        } else if (flag_is(a, "--response-timeout")) {
            if ((v = flag_value(argc, argv, &i, "--response-timeout", &err)))
                err = od_parse_response_timeout(v, &o->c.response_timeout_s);
            o->set |= SET_RESPONSE_TIMEOUT;
        } else if (flag_is(a, "--concurrency")) {
            if ((v = flag_value(argc, argv, &i, "--concurrency", &err))) {
                char *end = NULL;
                long n = strtol(v, &end, 10);
                if (!*v || *end || n < 1 || n > 64)
                    err = od_xasprintf("--concurrency: \"%s\" must be a whole number from 1 to 64", v);
                else
                    o->c.concurrency = (int)n;
            }
            o->set |= SET_CONCURRENCY;
        } else if (flag_is(a, "--json")) {
            o->json_path = flag_value(argc, argv, &i, "--json", &err);
        } else if (flag_is(a, "--report")) {
            o->report_path = flag_value(argc, argv, &i, "--report", &err);
        } else if (flag_is(a, "--open")) {
            o->open_path = flag_value(argc, argv, &i, "--open", &err);
        } else if (flag_is(a, "--lab")) {
            o->lab = flag_value(argc, argv, &i, "--lab", &err);
        } else if (a[0] == '-' && a[1] != '\0') {
            char *e = od_escape_str(a);
            err = od_xasprintf("unknown option \"%s\"", e);
            free(e);
        } else if (origin) {
            char *e = od_escape_str(a);
            err = od_xasprintf("origin domain: only one may be given (got a second one, \"%s\")", e);
            free(e);
        } else {
            origin = a;
        }
    }
    if (err)
        return err;
    if ((o->all_origins || o->origin_id) && !o->dist_config)
        return od_xstrdup("--all-origins and --origin-id go with --distribution-config FILE");
    if ((o->set & SET_NO_FORWARD) && (o->set & SET_FORWARD))
        return od_xstrdup("--forward-host and --no-forward-host: give only one");
    if (o->dist_config && origin)
        return od_xstrdup("origin domain: not with --distribution-config (the config names the origins; "
                          "use --origin-id)");
    if (origin) {
        /* An IP address is accepted here: it is itself a finding
         * (ORIGIN_IS_IP_ADDRESS), not a typo. */
        if (!od_is_ip_literal(origin) && (err = od_validate_domain("origin domain", origin)))
            return err;
        o->c.origin_domain = od_xstrdup(origin);
        size_t n = strlen(o->c.origin_domain);
        if (n > 1 && o->c.origin_domain[n - 1] == '.')
            o->c.origin_domain[n - 1] = '\0';
    }
    return NULL;
}

/* Flags given on the command line win over what a lab scenario set. */
static void apply_overrides(od_case *dst, const cli_opts *o)
{
    const od_case *s = &o->c;
    if (o->set & SET_FORWARD)
        dst->forward_host_header = s->forward_host_header;
    if (o->set & SET_CNAMES) {
        od_strlist_free(&dst->cnames);
        od_strlist_copy(&dst->cnames, &s->cnames);
    }
    if (o->set & SET_HTTP_PORT)
        dst->http_port = s->http_port;
    if (o->set & SET_HTTPS_PORT)
        dst->https_port = s->https_port;
    if (o->set & SET_POLICY)
        dst->protocol_policy = s->protocol_policy;
    if (o->set & SET_PROTOCOLS)
        dst->origin_ssl_protocols = s->origin_ssl_protocols;
    if (o->set & SET_TIMEOUT)
        dst->timeout_s = s->timeout_s;
    if (o->set & SET_RESPONSE_TIMEOUT)
        dst->response_timeout_s = s->response_timeout_s;
    if (o->set & SET_CONCURRENCY)
        dst->concurrency = s->concurrency;
    if (o->set & SET_GET)
        dst->http_get = s->http_get;
    if (o->set & SET_TRUST) {
        free(dst->trust_store);
        dst->trust_store = od_xstrdup(s->trust_store);
    }
    if (o->set & SET_RESOLVE) {
        dst->resolve = od_xrealloc(dst->resolve, (dst->n_resolve + s->n_resolve) * sizeof *dst->resolve);
        for (size_t i = 0; i < s->n_resolve; i++) {
            od_resolve *r = &dst->resolve[dst->n_resolve++];
            r->host = od_xstrdup(s->resolve[i].host);
            r->port = s->resolve[i].port;
            r->address = od_xstrdup(s->resolve[i].address);
        }
    }
}

static int write_output(const char *path, const char *what, char *text)
{
    int rc = 0;
    if (od_write_file_atomic(path, text, strlen(text), true) != 0) {
        fprintf(stderr, "origin-doctor: cannot write the %s to \"%s\": %s\n", what, path, strerror(errno));
        rc = -1;
    }
    free(text);
    return rc;
}

static int write_outputs(const cli_opts *o, const od_report *r)
{
    if (o->json_path && write_output(o->json_path, "JSON report", od_report_to_json(r)) != 0)
        return -1;
    if (o->report_path && write_output(o->report_path, "report", od_report_markdown(r)) != 0)
        return -1;
    return 0;
}

static bool use_color(const cli_opts *o)
{
    const char *nc = getenv("NO_COLOR");
    return !o->no_color && !(nc && *nc) && isatty(STDOUT_FILENO);
}

static int print_and_exit_code(const cli_opts *o, const od_report *r)
{
    char *text = od_report_text(r, use_color(o));
    fputs(text, stdout);
    free(text);
    fflush(stdout);
    if (write_outputs(o, r) != 0)
        return EXIT_TOOL;
    return r->would_fail ? EXIT_WOULD_FAIL : EXIT_OK;
}

static int list_labs(void)
{
    size_t n;
    const od_lab_scenario *s = od_lab_scenarios(&n);
    printf("Practice lab scenarios (origin-doctor --lab NAME):\n\n");
    for (size_t i = 0; i < n; i++)
        printf("  %-22s %s\n%-24s expected: %s\n", s[i].name, s[i].description, "",
               s[i].expect[0] ? s[i].expect : "no failure");
    return EXIT_OK;
}

static bool is_distribution_report(const char *text, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    bool multi = cJSON_IsString(schema) && strcmp(schema->valuestring, OD_MULTI_SCHEMA) == 0;
    cJSON_Delete(root);
    return multi;
}

static int open_report(const cli_opts *o, const od_ui_opts *ui)
{
    size_t len = 0;
    char *text = od_read_file(o->open_path, &len);
    if (!text) {
        fprintf(stderr, "origin-doctor: --open: cannot read \"%s\": %s\n", o->open_path, strerror(errno));
        return EXIT_USAGE;
    }
    /* A distribution report (--all-origins) holds a report per origin. */
    if (is_distribution_report(text, len)) {
        od_multi_report m;
        char *merr = od_multi_from_json(text, len, &m);
        free(text);
        if (merr) {
            fprintf(stderr, "origin-doctor: --open: \"%s\" is not a distribution report this version can read: %s\n",
                    o->open_path, merr);
            free(merr);
            return EXIT_USAGE;
        }
        /* The UI shows one origin at a time; a distribution report is read as text. */
        char *out = od_multi_text(&m, use_color(o));
        fputs(out, stdout);
        free(out);
        int rc = m.would_fail ? EXIT_WOULD_FAIL : EXIT_OK;
        od_multi_free(&m);
        return rc;
    }
    od_report r;
    char *err = od_report_from_json(text, len, &r);
    free(text);
    if (err) {
        fprintf(stderr, "origin-doctor: --open: \"%s\" is not a report this version can read: %s\n", o->open_path,
                err);
        free(err);
        return EXIT_USAGE;
    }
    r.loaded_from_file = true;
    int rc;
    if (o->batch || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        rc = print_and_exit_code(o, &r);
    } else {
        od_ui_opts u = *ui;
        u.open_report = &r;
        rc = od_ui_run(&u);
    }
    od_report_free(&r);
    return rc;
}

/* Diagnoses one case: the UI on a terminal, else the batch report. */
static int run_case(const cli_opts *o, const od_case *c, od_ui_opts *ui, bool interactive, const od_policy *policy,
                    const od_fixes *fixes)
{
    if (!c->origin_domain && !interactive)
        return usage_error(
            od_xstrdup("origin domain: missing (give ORIGIN_DOMAIN, or run on a terminal for the wizard)"));
    if (c->forward_host_header && c->cnames.len == 0 && c->origin_domain)
        return usage_error(od_xstrdup("--cname: with --forward-host, give every alternate domain name viewers use, "
                                      "and the distribution's dxxxx.cloudfront.net name if viewers use it (CloudFront "
                                      "then sends the viewer's Host as SNI, and the certificate must cover each)"));
    if (interactive) {
        ui->prefill = c->origin_domain ? c : NULL;
        return od_ui_run(ui);
    }
    od_engine_opts eo = {.policy = policy, .fixes = fixes};
    od_report r;
    int rc;
    if (od_engine_run(c, &eo, &r) != 0) {
        fprintf(stderr, "origin-doctor: %s\n", r.summary ? r.summary : "the diagnosis could not start");
        rc = EXIT_TOOL;
    } else {
        rc = print_and_exit_code(o, &r);
    }
    od_report_free(&r);
    return rc;
}

/* ---- --distribution-config ---- */

static char *origins_list(const od_dist_config *d)
{
    od_buf b;
    od_buf_init(&b);
    for (size_t i = 0; i < d->n_origins; i++) {
        const od_dist_origin *org = &d->origins[i];
        char *id = od_escape_str(org->id), *dn = od_escape_str(org->domain_name);
        od_buf_printf(&b, "\n  %-24s %-40s %s", id ? id : "?", dn ? dn : "",
                      org->is_custom ? "custom origin" : (org->skip_reason ? org->skip_reason : "not diagnosable"));
        free(id);
        free(dn);
    }
    return od_buf_steal(&b);
}

/* The case of one origin, with the command line's answers for custom
 * policies and its overrides (--resolve, --trust-store, --timeout ...). */
static char *dist_case(const cli_opts *o, const od_dist_config *d, const od_dist_origin *org, od_case *out)
{
    od_host_answers answers;
    od_host_answers_init(&answers);
    od_strlist questions;
    od_strlist_init(&questions);
    od_distconfig_questions(org, &questions);
    for (size_t i = 0; i < questions.len; i++) {
        if (o->set & SET_FORWARD)
            od_strlist_add(&answers.includes_host, questions.items[i]);
        if (o->set & SET_NO_FORWARD)
            od_strlist_add(&answers.excludes_host, questions.items[i]);
    }
    od_case_init(out);
    /* When behaviors disagree the case itself checks both name sets. */
    char *err = od_distconfig_case(d, org, &answers, out, NULL);
    if (err && questions.len) {
        char *e = od_xasprintf("%s\n(the file cannot tell whether a custom policy forwards Host: answer with "
                               "--forward-host or --no-forward-host, or import the file in the wizard)",
                               err);
        free(err);
        err = e;
    }
    if (!err) {
        cli_opts overrides = *o;
        overrides.set &= ~(unsigned)SET_FORWARD;   /* an answer about policies here, not an override */
        apply_overrides(out, &overrides);
    }
    od_strlist_free(&questions);
    od_host_answers_free(&answers);
    return err;
}

typedef struct {
    od_multi_report *m;
    od_case *cases;
    const od_engine_opts *eo;
} origins_job;

static void run_origin_job(void *ctx, size_t i)
{
    origins_job *j = ctx;
    od_origin_report *item = &j->m->items[i];
    if (item->skipped)
        return;
    if (od_engine_run(&j->cases[i], j->eo, &item->report) != 0) {
        item->skipped = od_xasprintf("could not run: %s", item->report.summary ? item->report.summary : "?");
        od_report_free(&item->report);
        return;
    }
    item->ran = true;
}

static int run_all_origins(const cli_opts *o, const od_dist_config *d, const od_policy *policy,
                           const od_fixes *fixes)
{
    od_multi_report m;
    od_multi_init(&m);
    m.distribution_id = od_escape_str(d->distribution_id);
    m.source = od_escape_str(o->dist_config);
    od_case *cases = od_xcalloc(d->n_origins ? d->n_origins : 1, sizeof *cases);
    int rc = EXIT_OK;
    for (size_t i = 0; i < d->n_origins; i++) {
        const od_dist_origin *org = &d->origins[i];
        od_origin_report *item = od_multi_add(&m, org->id, org->domain_name);
        od_case_init(&cases[i]);
        if (!org->is_custom) {
            item->skipped = od_escape_str(org->skip_reason ? org->skip_reason : "not a custom origin");
            continue;
        }
        od_case_free(&cases[i]);
        char *err = dist_case(o, d, org, &cases[i]);
        if (err) {
            /* An unanswered question is the user's to answer, not a skip. */
            od_strlist q;
            od_strlist_init(&q);
            od_distconfig_questions(org, &q);
            bool question = q.len > 0;
            od_strlist_free(&q);
            if (question) {
                rc = usage_error(od_xasprintf("--distribution-config: origin %s: %s", item->origin_id, err));
                free(err);
                goto out;
            }
            item->skipped = err;
        }
    }
    {
        od_engine_opts eo = {.policy = policy, .fixes = fixes};
        origins_job job = {.m = &m, .cases = cases, .eo = &eo};
        /* Each run has its own bounded pool of connections; a few origins at once. */
        od_pool_run(m.n, 4, run_origin_job, &job);
    }
    od_multi_judge(&m);
    char *text = od_multi_text(&m, use_color(o));
    fputs(text, stdout);
    free(text);
    fflush(stdout);
    rc = m.would_fail ? EXIT_WOULD_FAIL : EXIT_OK;
    if (o->json_path && write_output(o->json_path, "JSON report", od_multi_to_json(&m)) != 0)
        rc = EXIT_TOOL;
    if (rc != EXIT_TOOL && o->report_path && write_output(o->report_path, "report", od_multi_markdown(&m)) != 0)
        rc = EXIT_TOOL;
out:
    for (size_t i = 0; i < d->n_origins; i++)
        od_case_free(&cases[i]);
    free(cases);
    od_multi_free(&m);
    return rc;
}

static int run_distribution(const cli_opts *o, od_ui_opts *ui, bool interactive, const od_policy *policy,
                            const od_fixes *fixes)
{
    od_managed_policies managed;
    memset(&managed, 0, sizeof managed);
    char *mpath = od_asset_path("managed-origin-request-policies.json");
    char *err = mpath ? od_managed_policies_load(mpath, &managed)
                      : od_xstrdup("cannot find the asset file managed-origin-request-policies.json");
    free(mpath);
    if (err) {
        fprintf(stderr, "origin-doctor: %s\n", err);
        free(err);
        return EXIT_TOOL;
    }
    od_dist_config d;
    int rc;
    err = od_distconfig_load(o->dist_config, &managed, &d);
    if (err) {
        rc = usage_error(od_xasprintf("--distribution-config: %s", err));
        free(err);
        od_managed_policies_free(&managed);
        return rc;
    }
    if (o->all_origins) {
        rc = run_all_origins(o, &d, policy, fixes);
    } else {
        const od_dist_origin *org =
            o->origin_id ? od_distconfig_find_origin(&d, o->origin_id) : od_distconfig_default_origin(&d);
        if (!org) {
            char *list = origins_list(&d);
            char *id = od_escape_str(o->origin_id);
            rc = usage_error(
                o->origin_id
                    ? od_xasprintf("--origin-id: the distribution has no origin \"%s\"; its origins:%s", id, list)
                    : od_xasprintf("--origin-id: choose the origin to diagnose (or --all-origins); the "
                                   "distribution's origins:%s",
                                   list));
            free(id);
            free(list);
        } else if (!org->is_custom) {
            char *id = od_escape_str(org->id);
            rc = usage_error(od_xasprintf("--origin-id: origin \"%s\" cannot be diagnosed: %s", id,
                                          org->skip_reason ? org->skip_reason : "not a custom origin"));
            free(id);
        } else {
            od_case c;
            err = dist_case(o, &d, org, &c);
            if (err) {
                char *id = od_escape_str(org->id);
                rc = usage_error(od_xasprintf("--distribution-config: origin %s: %s", id, err));
                free(id);
                free(err);
            } else {
                rc = run_case(o, &c, ui, interactive, policy, fixes);
            }
            od_case_free(&c);
        }
    }
    od_distconfig_free(&d);
    od_managed_policies_free(&managed);
    return rc;
}

static int run(cli_opts *o, const od_policy *policy, const od_fixes *fixes)
{
    const char *nc = getenv("NO_COLOR");
    od_ui_opts ui = {.policy = policy, .fixes = fixes, .no_color = o->no_color || (nc && *nc)};

    if (o->open_path)
        return open_report(o, &ui);
    if (o->lab && strcmp(o->lab, "list") == 0)
        return list_labs();

    bool interactive = !o->batch && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    if (o->dist_config)
        return run_distribution(o, &ui, interactive, policy, fixes);
    if (!o->lab)
        return run_case(o, &o->c, &ui, interactive, policy, fixes);

    if (!od_lab_find(o->lab)) {
        fprintf(stderr, "origin-doctor: --lab: unknown scenario \"%s\" (origin-doctor --lab list shows them)\n",
                o->lab);
        return EXIT_USAGE;
    }
    char *err = NULL;
    od_case labcase;
    od_case_init(&labcase);
    od_lab *lab = od_lab_start(o->lab, &labcase, &err);
    if (!lab) {
        fprintf(stderr, "origin-doctor: --lab %s: could not start the local origin: %s\n", o->lab,
                err ? err : "unknown error");
        free(err);
        od_case_free(&labcase);
        return EXIT_TOOL;
    }
    apply_overrides(&labcase, o);
    ui.lab_name = o->lab;
    int rc = run_case(o, &labcase, &ui, interactive, policy, fixes);
    od_lab_stop(lab);
    od_case_free(&labcase);
    return rc;
}

int main(int argc, char **argv)
{
    /* A peer closing the connection must not kill the tool. */
    signal(SIGPIPE, SIG_IGN);

    cli_opts o;
    memset(&o, 0, sizeof o);
    od_case_init(&o.c);
    char *err = parse_args(argc, argv, &o);
    if (err) {
        od_case_free(&o.c);
        return usage_error(err);
    }
    if (o.help || o.version) {
        if (o.help)
            fputs(usage_text, stdout);
        else
            printf("origin-doctor %s (GnuTLS %s)\n", OD_VERSION, gnutls_check_version(NULL));
        od_case_free(&o.c);
        return EXIT_OK;
    }

    int rc = EXIT_TOOL;
    od_policy policy;
    od_fixes fixes;
    memset(&policy, 0, sizeof policy);
    memset(&fixes, 0, sizeof fixes);
    char *ppath = od_asset_path("cloudfront-origin-policy.json");
    char *fpath = od_asset_path("fixes.json");
    if (!ppath || !fpath) {
        fprintf(stderr, "origin-doctor: cannot find the asset file %s (looked in $ORIGIN_DOCTOR_ASSETS, next to the "
                        "program, and in the install and source folders)\n",
                !ppath ? "cloudfront-origin-policy.json" : "fixes.json");
    } else if ((err = od_policy_load(ppath, &policy)) || (err = od_fixes_load(fpath, &fixes))) {
        fprintf(stderr, "origin-doctor: %s\n", err);
        free(err);
    } else {
        rc = run(&o, &policy, &fixes);
    }
    free(ppath);
    free(fpath);
    od_policy_free(&policy);
    od_fixes_free(&fixes);
    od_case_free(&o.c);
    return rc;
}
