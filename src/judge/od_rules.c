/* Rules: judge what the probes observed, as CloudFront would.
 * Pure: reads Case + Observations + Policy + the fix catalogue + `now`,
 * writes findings. A check that did not run is never a cause nor a pass;
 * it is at most listed in the CHECK_UNTESTED info finding.
 *
 * This file is the driver and the general family: it runs each family's
 * rule table (od_rules_network.c, od_rules_tls.c, od_rules_cert.c,
 * od_rules_http.c) in order, then the final pass that gives the pass ids,
 * then the general rules, and words the verdict. */
#include "od_rules_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void rule_untested(rule_ctx *x)
{
    if (x->o->cancelled)
        rl_note_incomplete(x, od_xstrdup("the run was cancelled before every check finished"));
    if (!x->untested.len)
        return;
    od_finding *f = rl_finding_new(x, OD_ID(CHECK_UNTESTED), OD_SEV_INFO, NULL, NULL);
    cJSON_AddItemToObject(f->evidence, "untested", rl_str_array(&x->untested));
    char *s = od_strlist_join(&x->untested, "; ", "");
    f->detail = od_xasprintf("Not checked (no claim either way): %s.", s);
    free(s);
    const char *name = rl_first_name(x);
    f->reproduce = rl_sclient(x, NULL, od_case_uses_https(x->c) ? x->c->https_port : x->c->http_port, name, NULL);
    rl_varset vs = {0};
    char *target = rl_connect_target(x, NULL);
    rl_finish_for_name(x, f, x->server, &vs, name, target,
                    od_case_uses_https(x->c) ? x->c->https_port : x->c->http_port);
    free(target);
}

static void rule_vantage(rule_ctx *x)
{
    if (x->o->bundle) {
        od_finding *f = rl_finding_new(x, OD_ID(VANTAGE_POINT), OD_SEV_INFO, NULL, NULL);
        char at[32];
        od_format_time(x->o->bundle->checked_at, at, sizeof at);
        rl_ev_str(f, "checked_from", "a certificate file (no network)");
        rl_ev_str(f, "bundle", x->o->bundle->file);
        rl_ev_str(f, "format", x->o->bundle->format);
        rl_ev_str(f, "checked_at", at);
        rl_ev_str(f, "trust_store", x->o->trust_store_used);
        f->detail = od_xasprintf("The file %s (%s) was judged as the origin would send it once installed, at %s; "
                                 "nothing was probed. The server's own protocols, suites and HTTP answer are "
                                 "checked by a live diagnosis after installing it.",
                                 x->o->bundle->file, x->o->bundle->format ? x->o->bundle->format : "?", at);
        f->reproduce = rl_bundle_command(x);
        f->title = od_xstrdup("Judged from a certificate file, not from CloudFront");
        /* the catalogue's steps are about firewalls: nothing to fix here */
        rl_varset vs = {0};
        rl_finish(x, f, x->server, &vs);
        od_strlist_free(&f->fix);
        od_strlist_init(&f->fix);
        return;
    }
    od_finding *f = rl_finding_new(x, OD_ID(VANTAGE_POINT), OD_SEV_INFO, NULL, NULL);
    od_strlist pinned, probed;
    od_strlist_init(&pinned);
    od_strlist_init(&probed);
    for (size_t i = 0; i < x->o->n_addresses; i++) {
        /* addresses of a type CloudFront does not use are not probed (DNS_ADDRESS_NOT_USED) */
        if (od_case_uses_family(x->c, x->o->addresses[i].family))
            od_strlist_add(&probed, x->o->addresses[i].address);
        if (x->o->addresses[i].from_resolve)
            od_strlist_add(&pinned, x->o->addresses[i].address);
    }
    rl_ev_str(f, "checked_from", "this machine");
    cJSON_AddItemToObject(f->evidence, "addresses_probed", rl_str_array(&probed));
    cJSON_AddItemToObject(f->evidence, "addresses_pinned_with_resolve", rl_str_array(&pinned));
    rl_ev_str(f, "trust_store", x->o->trust_store_used);
    rl_ev_str(f, "cloudfront_prefix_list", "com.amazonaws.global.cloudfront.origin-facing");
    char *pinned_s = od_strlist_join(&pinned, ", ", "");
    f->detail = pinned.len
        ? od_xasprintf("These checks ran from this machine, not from CloudFront. The address(es) %s were "
                       "pinned with --resolve instead of public DNS; CloudFront uses public DNS. A firewall "
                       "that admits this machine but not CloudFront's origin-facing prefix list "
                       "(com.amazonaws.global.cloudfront.origin-facing) behaves differently.", pinned_s)
        : od_xstrdup("These checks ran from this machine, not from CloudFront. A firewall that admits this "
                     "machine but not CloudFront's origin-facing prefix list "
                     "(com.amazonaws.global.cloudfront.origin-facing) behaves differently.");
    free(pinned_s);
    f->reproduce = od_xstrdup("aws ec2 describe-managed-prefix-lists --filters "
                              "Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing");
    rl_varset vs = {0};
    rl_finish(x, f, x->server, &vs);
    od_strlist_free(&pinned);
    od_strlist_free(&probed);
}

static char *title_phrase(const od_finding *f)
{
    const char *t = f->title ? f->title : f->id;
    char *s = od_xstrdup(t);
    /* "The origin ..." reads "the origin ..." mid-sentence; "CloudFront", "TLS" stay. */
    size_t word = strcspn(s, " ");
    bool lower_rest = true;
    for (size_t i = 1; i < word; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            lower_rest = false;
    if (lower_rest && s[0] >= 'A' && s[0] <= 'Z')
        s[0] = (char)(s[0] - 'A' + 'a');
    return s;
}

static char *make_summary(const od_finding_list *l, size_t base, bool *would_fail)
{
    const od_finding *worst = NULL;
    size_t problems = 0;
    for (size_t i = base; i < l->len; i++) {
        const od_finding *f = &l->items[i];
        if (f->severity == OD_SEV_FAIL && !worst)
            worst = f;
        if (f->severity == OD_SEV_FAIL || f->severity == OD_SEV_WARN)
            problems++;
    }
    *would_fail = worst != NULL;
    if (!worst && problems) {
        const od_finding *first_warn = NULL;
        for (size_t i = base; i < l->len && !first_warn; i++)
            if (l->items[i].severity == OD_SEV_WARN)
                first_warn = &l->items[i];
        char *phrase = title_phrase(first_warn);
        char *s = od_xasprintf("No problem found that would make CloudFront fail (checked from this machine); "
                               "but %s (%s)",
                               phrase, first_warn->id);
        free(phrase);
        if (problems > 1) {
            char *t = od_xasprintf("%s and %zu more warning%s", s, problems - 1, problems == 2 ? "" : "s");
            free(s);
            s = t;
        }
        return s;
    }
    if (!worst)
        return od_xstrdup("No problem found that would make CloudFront fail (checked from this machine)");
    char *phrase = title_phrase(worst);
    char *s;
    if (problems > 1)
        s = od_xasprintf("CloudFront would fail: %s (%s) — and %zu more problem%s", phrase, worst->id,
                         problems - 1, problems == 2 ? "" : "s");
    else
        s = od_xasprintf("CloudFront would fail: %s (%s)", phrase, worst->id);
    free(phrase);
    return s;
}

/* ---- the rule table ---- */

/* The families in the order their rules run: network, TLS, certificate,
 * HTTP. The general rules (what could not be checked, the vantage point)
 * come after the final pass, since every other rule may note an untested
 * check. */
static const rl_family *const families[] = {
    &rl_family_network, &rl_family_tls, &rl_family_cert, &rl_family_http,
};

static rl_rule_fn pass_builder(od_finding_index id)
{
    for (size_t f = 0; f < RL_LEN(families); f++)
        for (size_t i = 0; i < families[f]->n_passes; i++)
            if (families[f]->passes[i].id == id)
                return families[f]->passes[i].build;
    return NULL;
}

/* Has this run raised a PROBLEM of this check? */
static bool check_has_problem(const rule_ctx *x, od_check check)
{
    for (size_t i = x->base; i < x->out->len; i++) {
        const od_finding_def *d = od_finding_def_find(x->out->items[i].id);
        if (d && d->check == check && d->kind == OD_KIND_PROBLEM)
            return true;
    }
    return false;
}

/* The "all passed" findings, from the registry's groups and not from the
 * order the rules ran in: a check's pass id, in registry order, when the
 * check raised no problem (its builder adds it only if the check ran). */
static void final_pass(rule_ctx *x)
{
    for (size_t i = 0; i < OD_F_COUNT; i++) {
        const od_finding_def *d = &od_finding_defs[i];
        if (d->kind != OD_KIND_PASS || check_has_problem(x, d->check))
            continue;
        rl_rule_fn build = pass_builder((od_finding_index)i);
        if (build)
            build(x);
    }
}

size_t od_rules_pass_builders(size_t *missing)
{
    size_t n = 0, miss = 0;
    for (size_t i = 0; i < OD_F_COUNT; i++) {
        if (od_finding_defs[i].kind != OD_KIND_PASS)
            continue;
        if (pass_builder((od_finding_index)i))
            n++;
        else
            miss++;
    }
    if (missing)
        *missing = miss;
    return n;
}

void od_rules_evaluate(const od_case *c, const od_observations *o,
                       const od_policy *p, const od_fixes *fixes, time_t now,
                       od_finding_list *out, bool *would_fail, char **summary, bool *complete)
{
    rule_ctx x;
    memset(&x, 0, sizeof x);
    x.c = c;
    x.o = o;
    x.p = p;
    x.fx = fixes;
    x.now = now;
    x.out = out;
    x.base = out->len;
    od_strlist_init(&x.keys);
    od_strlist_init(&x.untested);
    od_strlist_init(&x.incomplete_why);
    od_case_expected_names(c, &x.names);
    x.names_joined = od_strlist_join(&x.names, ", ", "");
    x.protocols = rl_proto_list(c->origin_ssl_protocols);
    for (size_t i = 0; i < o->n_http && !x.server; i++)
        if (o->http[i].server && *o->http[i].server)
            x.server = o->http[i].server;
    x.cert_server = x.server;
    for (size_t i = 0; i < o->n_handshakes && !x.cert_server; i++) {
        const od_cert *leaf = o->handshakes[i].ok ? rl_hs_cert(&x, &o->handshakes[i], 0) : NULL;
        if (leaf && leaf->issuer && strstr(leaf->issuer, "Amazon"))
            x.cert_server = "acm";
    }

    /* Most fundamental cause first: the summary names the first fail. */
    for (size_t f = 0; f < RL_LEN(families); f++)
        for (size_t i = 0; i < families[f]->n_rules; i++)
            families[f]->rules[i].run(&x);
    final_pass(&x);
    rule_untested(&x);
    rule_vantage(&x);

    od_finding_list_sort(out);
    /* What viewers get when a finding fails: data in the fix catalogue. */
    for (size_t i = x.base; i < out->len; i++)
        out->items[i].cloudfront_status =
            out->items[i].severity == OD_SEV_FAIL ? od_fixes_cloudfront_status(fixes, out->items[i].id) : 0;
    bool fail = false;
    char *s = make_summary(out, x.base, &fail);
    if (o->bundle) {
        /* the summary's "checked from this machine" is about probes */
        char *at = strstr(s, "(checked from this machine)");
        if (at) {
            *at = '\0';
            char *b = od_xasprintf("%s(judged from the file, as it would be sent once installed)%s", s,
                                   at + strlen("(checked from this machine)"));
            free(s);
            s = b;
        }
    }
    if (o->cancelled) {
        /* a stopped run proves nothing about the checks it did not finish */
        char *c2 = fail ? od_xasprintf("Cancelled before every check finished: %s", s)
                        : od_xstrdup("Cancelled before every check finished: the checks that ran found no problem "
                                     "that would make CloudFront fail, but the verdict is incomplete");
        free(s);
        s = c2;
    } else if (x.incomplete && !fail) {
        /* an incomplete report never says the origin is fine */
        char *c2 = od_xasprintf("Incomplete: the checks that ran found no problem that would make CloudFront fail, "
                                "but some that matter could not run from this machine (%s)",
                                x.incomplete_why.len ? x.incomplete_why.items[0] : "see CHECK_UNTESTED");
        free(s);
        s = c2;
    }
    if (complete)
        *complete = !o->cancelled && !x.incomplete;
    if (would_fail)
        *would_fail = fail;
    if (summary)
        *summary = s;
    else
        free(s);

    od_strlist_free(&x.keys);
    od_strlist_free(&x.untested);
    od_strlist_free(&x.incomplete_why);
    od_strlist_free(&x.names);
    free(x.names_joined);
    free(x.protocols);
}
