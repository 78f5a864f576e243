/* origin-doctor's entry point: takes the parsed command line (od_cli.c)
 * and runs the batch diagnosis, a distribution, a lab or the interactive UI. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "od_cli.h"
#include "od_distconfig.h"
#include "od_engine.h"
#include "od_fleet.h"
#include "od_lab.h"
#include "od_multi.h"
#include "od_options.h"
#include "od_pool.h"
#include "od_output.h"
#include "od_summary.h"
#include "od_ui.h"

static int usage_error(char *msg)
{
    fprintf(stderr, "origin-doctor: %s\n(see origin-doctor --help)\n", msg);
    free(msg);
    return OD_EXIT_USAGE;
}

static int write_output(const char *path, const char *what, char *text)
{
    int rc = 0;
    if (od_output_write(path, text, strlen(text)) != 0) {
        fprintf(stderr, "origin-doctor: cannot write the %s to \"%s\": %s\n", what, path, od_strerror(errno, &(od_errbuf){0}));
        rc = -1;
    }
    free(text);
    return rc;
}

static int write_outputs(const od_cli_opts *o, const od_report *r)
{
    if (o->json_path && write_output(o->json_path, "JSON report", od_report_to_json(r)) != 0)
        return -1;
    if (o->report_path && write_output(o->report_path, "report", od_report_markdown(r)) != 0)
        return -1;
    return 0;
}

static bool use_color(const od_cli_opts *o)
{
    const char *nc = getenv("NO_COLOR");
    return !o->no_color && !(nc && *nc) && isatty(STDOUT_FILENO);
}

static int print_and_exit_code(const od_cli_opts *o, const od_report *r)
{
    /* --json - / --report -: standard output carries that alone */
    if (!od_output_is_stdout(o->json_path) && !od_output_is_stdout(o->report_path)) {
        char *text = o->summary ? od_report_short_summary(r) : od_report_text(r, use_color(o));
        fputs(text, stdout);
        free(text);
        fflush(stdout);
    }
    if (write_outputs(o, r) != 0)
        return OD_EXIT_TOOL;
    return r->would_fail ? OD_EXIT_WOULD_FAIL : OD_EXIT_OK;
}

static int list_labs(void)
{
    size_t n;
    const od_lab_scenario *s = od_lab_scenarios(&n);
    printf("Practice lab scenarios (origin-doctor --lab NAME):\n\n");
    for (size_t i = 0; i < n; i++) {
        char *expect = od_lab_expect_text(&s[i]);
        printf("  %-22s %s\n%-24s expected: %s\n", s[i].name, s[i].description, "",
               expect[0] ? expect : "no failure");
        free(expect);
    }
    return OD_EXIT_OK;
}

static bool is_distribution_report(const char *text, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    bool multi = cJSON_IsString(schema) && strcmp(schema->valuestring, OD_MULTI_SCHEMA) == 0;
    cJSON_Delete(root);
    return multi;
}

static int open_report(const od_cli_opts *o, const od_ui_opts *ui)
{
    size_t len = 0;
    char *text = od_read_file(o->open_path, &len);
    if (!text) {
        fprintf(stderr, "origin-doctor: --open: cannot read \"%s\": %s\n", o->open_path, od_strerror(errno, &(od_errbuf){0}));
        return OD_EXIT_USAGE;
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
            return OD_EXIT_USAGE;
        }
        int rc = m.would_fail ? OD_EXIT_WOULD_FAIL : OD_EXIT_OK;
        if (!o->batch && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
            /* the UI lists the origins; each opens as a report of its own */
            od_ui_opts u = *ui;
            u.open_multi = &m;
            int urc = od_ui_run(&u);
            if (urc == OD_EXIT_TOOL || urc >= 128)
                rc = urc;
        } else {
            char *out = od_multi_text(&m, use_color(o));
            fputs(out, stdout);
            free(out);
        }
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
        return OD_EXIT_USAGE;
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

/* Progress on standard error for a batch run, when it is a terminal: a
 * line rewritten in place, cleared at the end. Events come from the
 * engine's threads (and from several origins at once). */
typedef struct {
    pthread_mutex_t lock;
    size_t planned, done;
} stderr_progress;

static void progress_event(void *ctx, const od_event *ev)
{
    stderr_progress *p = ctx;
    pthread_mutex_lock(&p->lock);
    if (ev->type == OD_EV_PLAN)
        p->planned++;
    else if (ev->type == OD_EV_STEP_END)
        p->done++;
    if (ev->type == OD_EV_STEP_END || ev->type == OD_EV_PLAN) {
        /* carriage return and padding only: no escape sequence, so
         * NO_COLOR and plain terminals see plain text */
        char line[80];
        snprintf(line, sizeof line, "origin-doctor: %zu of %zu checks done%s%s", p->done, p->planned,
                 ev->step ? ": " : "", ev->step ? ev->step : "");
        fprintf(stderr, "\r%-78s", line);
    }
    pthread_mutex_unlock(&p->lock);
}

/* Turns progress on in eo when standard error is a terminal. */
static bool progress_start(stderr_progress *p, od_engine_opts *eo)
{
    if (!isatty(STDERR_FILENO))
        return false;
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    eo->on_event = progress_event;
    eo->event_ctx = p;
    return true;
}

static void progress_end(stderr_progress *p, bool on)
{
    if (!on)
        return;
    fprintf(stderr, "\r%78s\r", "");
    fflush(stderr);
    pthread_mutex_destroy(&p->lock);
}

/* Diagnoses one case: the UI on a terminal, else the batch report. */
/* --write-chain after a diagnosis: its failure is the exit code unless the
 * verdict already is one (a chain not written is a failure, 1). */
static int write_chain_after(const od_cli_opts *o, const od_report *r, int rc)
{
    int wc = o->bundle.write_chain ? od_cli_write_chain(&o->bundle, r, false) : OD_EXIT_OK;
    if (wc != OD_EXIT_OK && wc != OD_EXIT_WOULD_FAIL)
        return wc;
    if (wc == OD_EXIT_WOULD_FAIL && rc == OD_EXIT_OK)
        return OD_EXIT_WOULD_FAIL;
    return rc;
}

static int run_case(const od_cli_opts *o, const od_case *c, od_ui_opts *ui, bool interactive, const od_policy *policy,
                    const od_fixes *fixes)
{
    if (!c->origin_domain && !interactive)
        return usage_error(
            od_xstrdup("origin domain: missing (give ORIGIN_DOMAIN, or run on a terminal for the wizard)"));
    if (c->forward_host_header && c->cnames.len == 0 && !c->distribution_domain && c->origin_domain)
        return usage_error(od_xstrdup("--cname: with --forward-host, give every alternate domain name viewers use, "
                                      "and the distribution's dxxxx.cloudfront.net name with --distribution-domain "
                                      "(CloudFront then sends the viewer's Host as SNI, and the certificate must "
                                      "cover each)"));
    if (interactive) {
        /* flags without a domain: the wizard asks for the domain, keeping them */
        ui->prefill = c->origin_domain || o->set ? c : NULL;
        return od_ui_run(ui);
    }
    od_engine_opts eo = {.policy = policy, .fixes = fixes};
    stderr_progress progress;
    bool progress_on = progress_start(&progress, &eo);
    od_report r;
    int rc;
    int ran = od_engine_run(c, &eo, &r);
    progress_end(&progress, progress_on);
    if (ran != 0) {
        fprintf(stderr, "origin-doctor: %s\n", r.summary ? r.summary : "the diagnosis could not start");
        rc = OD_EXIT_TOOL;
    } else {
        rc = print_and_exit_code(o, &r);
        rc = write_chain_after(o, &r, rc);
    }
    od_report_free(&r);
    return rc;
}

/* --check-bundle: the file judged offline, with the batch report's output
 * and exit codes (the UI is for live and reopened diagnoses). */
static int run_bundle(const od_cli_opts *o, const od_case *c, od_ui_opts *ui, bool interactive,
                      const od_policy *policy, const od_fixes *fixes)
{
    if (!c->origin_domain)
        return usage_error(od_xstrdup("origin domain: missing (--check-bundle judges the names CloudFront would "
                                      "send: give ORIGIN_DOMAIN, or --forward-host with each --cname)"));
    if (c->forward_host_header && c->cnames.len == 0 && !c->distribution_domain)
        return usage_error(od_xstrdup("--cname: with --forward-host, give every alternate domain name viewers use "
                                      "(or --distribution-domain)"));
    if (interactive && !o->bundle.password_file && !o->bundle.write_chain) {
        /* the UI judges the file when the review is accepted */
        ui->prefill = c;
        ui->bundle = o->bundle.bundle;
        ui->bundle_key = o->bundle.key;
        return od_ui_run(ui);
    }
    od_report r;
    int rc = od_cli_check_bundle(&o->bundle, c, policy, fixes, &r);
    if (rc != 0)
        return rc;
    rc = write_chain_after(o, &r, print_and_exit_code(o, &r));
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
static char *dist_case(const od_cli_opts *o, const od_dist_config *d, const od_dist_origin *org, od_case *out)
{
    od_host_answers answers;
    od_host_answers_init(&answers);
    od_strlist questions;
    od_strlist_init(&questions);
    od_distconfig_questions(org, &questions);
    for (size_t i = 0; i < questions.len; i++) {
        if (o->set & OD_SET_FORWARD)
            od_strlist_add(&answers.includes_host, questions.items[i]);
        if (o->set & OD_SET_NO_FORWARD)
            od_strlist_add(&answers.excludes_host, questions.items[i]);
    }
    od_case_init(out);
    /* Names the flags give are there before the config is read: a
     * forwarded Host with no Aliases then has the names viewers use. */
    if (o->set & OD_SET_DISTRIBUTION_DOMAIN)
        out->distribution_domain = od_xstrdup(o->c.distribution_domain);
    if (o->set & OD_SET_CNAMES)
        od_strlist_copy(&out->cnames, &o->c.cnames);
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
        od_cli_opts overrides = *o;
        overrides.set &= ~(unsigned)OD_SET_FORWARD;   /* an answer about policies here, not an override */
        od_cli_apply_overrides(out, &overrides);
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

static int run_all_origins(const od_cli_opts *o, const od_dist_config *d, const od_policy *policy,
                           const od_fixes *fixes)
{
    od_multi_report m;
    od_multi_init(&m);
    m.distribution_id = od_escape_str(d->distribution_id);
    m.source = od_escape_str(o->dist_config);
    od_case *cases = od_xcalloc(d->n_origins ? d->n_origins : 1, sizeof *cases);
    int rc = OD_EXIT_OK;
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
        stderr_progress progress;
        bool progress_on = progress_start(&progress, &eo);
        origins_job job = {.m = &m, .cases = cases, .eo = &eo};
        /* Each run has its own bounded pool of connections; a few origins at once. */
        od_pool_run(m.n, 4, run_origin_job, &job);
        progress_end(&progress, progress_on);
    }
    od_multi_judge(&m);
    char *text = od_multi_text(&m, use_color(o));
    fputs(text, stdout);
    free(text);
    fflush(stdout);
    rc = m.would_fail ? OD_EXIT_WOULD_FAIL : OD_EXIT_OK;
    if (o->json_path && write_output(o->json_path, "JSON report", od_multi_to_json(&m)) != 0)
        rc = OD_EXIT_TOOL;
    if (rc != OD_EXIT_TOOL && o->report_path && write_output(o->report_path, "report", od_multi_markdown(&m)) != 0)
        rc = OD_EXIT_TOOL;
out:
    for (size_t i = 0; i < d->n_origins; i++)
        od_case_free(&cases[i]);
    free(cases);
    od_multi_free(&m);
    return rc;
}

static int load_managed(od_managed_policies *managed)
{
    memset(managed, 0, sizeof *managed);
    char *mpath = od_asset_path("managed-origin-request-policies.json");
    char *err = mpath ? od_managed_policies_load(mpath, managed)
                      : od_asset_missing("managed-origin-request-policies.json");
    free(mpath);
    if (err) {
        fprintf(stderr, "origin-doctor: %s\n", err);
        free(err);
        return -1;
    }
    return 0;
}

/* ---- --fleet and --merge ---- */

static char *fleet_case(void *ctx, const od_dist_config *d, const od_dist_origin *org, od_case *out)
{
    od_case_free(out);
    char *err = dist_case(ctx, d, org, out);
    if (err)
        od_case_init(out);   /* the caller frees it either way */
    return err;
}

static void print_messages(const od_strlist *m)
{
    for (size_t i = 0; i < m->len; i++)
        fprintf(stderr, "origin-doctor: %s\n", m->items[i]);
}

/* The summary on stdout (stderr when stdout carries the JSON lines), the
 * Markdown report, and the exit code. */
static int fleet_finish(const od_cli_opts *o, od_fleet_rows *rows)
{
    od_fleet_rows_sort(rows);
    char *text = od_fleet_summary_text(rows, o->expiring_asked ? o->expiring_within : -1);
    bool jsonl_on_stdout = o->jsonl_path && strcmp(o->jsonl_path, "-") == 0;
    fputs(text, jsonl_on_stdout ? stderr : stdout);
    free(text);
    fflush(stdout);
    if (o->report_path) {
        char *md = od_fleet_summary_markdown(rows, o->expiring_asked ? o->expiring_within : -1);
        if (strcmp(o->report_path, "-") == 0) {
            fputs(md, stdout);
            free(md);
        } else if (write_output(o->report_path, "report", md) != 0) {
            return OD_EXIT_TOOL;
        }
    }
    return od_fleet_exit_code(rows);
}

static int run_merge(const od_cli_opts *o)
{
    od_fleet_rows rows;
    od_fleet_rows_init(&rows);
    od_strlist warnings;
    od_strlist_init(&warnings);
    int rc = OD_EXIT_OK;
    for (size_t i = 0; i < o->files.len && rc == OD_EXIT_OK; i++) {
        char *err = od_fleet_read_jsonl(o->files.items[i], false, &rows, NULL, &warnings);
        if (err) {
            rc = usage_error(od_xasprintf("--merge: %s", err));
            free(err);
        }
    }
    print_messages(&warnings);
    if (rc == OD_EXIT_OK)
        rc = fleet_finish(o, &rows);
    od_strlist_free(&warnings);
    od_fleet_rows_free(&rows);
    return rc;
}

extern char **environ;

static int run_fleet(const od_cli_opts *o, const od_ui_opts *ui, const od_policy *policy, const od_fixes *fixes)
{
    int shard_k = 1, shard_n = 1;
    char *err = o->shard ? od_fleet_parse_shard(o->shard, (const char *const *)environ, &shard_k, &shard_n) : NULL;
    if (err)
        return usage_error(err);
    od_managed_policies managed;
    if (load_managed(&managed) != 0)
        return OD_EXIT_TOOL;
    od_fleet f;
    err = od_fleet_load((const char *const *)o->files.items, o->files.len, &managed, fleet_case, (void *)o, &f);
    od_managed_policies_free(&managed);
    if (err) {
        int rc = usage_error(od_xasprintf("--fleet: %s", err));
        free(err);
        return rc;
    }
    print_messages(&f.messages);
    if (o->shard)
        od_fleet_keep_shard(&f, shard_k, shard_n);
    /* On a terminal with no file to write: the list in the UI, run on its
     * worker thread. With --jsonl, --resume or --report the run is the
     * batch one, as in a script. */
    if (!o->batch && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && !o->jsonl_path && !o->resume_path &&
        !o->report_path) {
        od_ui_opts u = *ui;
        u.fleet = &f;
        u.fleet_max_connections = o->fleet_concurrency ? o->fleet_concurrency : 64;
        int rc = od_ui_run(&u);
        od_fleet_free(&f);
        return rc;
    }

    od_fleet_rows rows;
    od_fleet_rows_init(&rows);
    int rc = OD_EXIT_OK;
    bool append = false;
    if (o->resume_path) {
        /* Finished records of this fleet (and shard) count in the summary; the rest of the file is left alone. */
        od_fleet_rows done;
        od_fleet_rows_init(&done);
        od_strlist keys, warnings, mine;
        od_strlist_init(&keys);
        od_strlist_init(&warnings);
        od_strlist_init(&mine);
        err = od_fleet_read_jsonl(o->resume_path, true, &done, &keys, &warnings);
        print_messages(&warnings);
        for (size_t i = 0; i < f.n; i++)
            od_strlist_add_owned(&mine, od_fleet_item_key(f.items[i].distribution_id, f.items[i].origin_id));
        for (size_t i = 0; i < done.n; i++) {
            char *key = od_fleet_item_key(done.rows[i].distribution_id, done.rows[i].origin_id);
            if (od_strlist_contains(&mine, key)) {   /* moved: the emptied row frees nothing */
                rows.rows = od_xrealloc(rows.rows, (rows.n + 1) * sizeof *rows.rows);
                rows.rows[rows.n++] = done.rows[i];
                memset(&done.rows[i], 0, sizeof done.rows[i]);
            }
            free(key);
        }
        od_fleet_drop_done(&f, &keys);
        append = o->jsonl_path && strcmp(o->jsonl_path, o->resume_path) == 0;
        od_fleet_rows_free(&done);
        od_strlist_free(&keys);
        od_strlist_free(&warnings);
        od_strlist_free(&mine);
        if (err) {
            rc = usage_error(od_xasprintf("--resume: %s", err));
            free(err);
        }
    }
    FILE *jsonl = NULL;
    if (rc == OD_EXIT_OK && o->jsonl_path) {
        jsonl = strcmp(o->jsonl_path, "-") == 0 ? stdout : fopen(o->jsonl_path, append ? "a+" : "w");
        /* A line cut short by a crash stays its own (ignored) line. */
        if (jsonl && append && fseek(jsonl, -1, SEEK_END) == 0 && fgetc(jsonl) != '\n') {
            fseek(jsonl, 0, SEEK_END);
            fputc('\n', jsonl);
        }
        if (!jsonl) {
            fprintf(stderr, "origin-doctor: --jsonl: cannot write \"%s\": %s\n", o->jsonl_path, od_strerror(errno, &(od_errbuf){0}));
            rc = OD_EXIT_TOOL;
        }
    }
    if (rc == OD_EXIT_OK) {
        od_engine_opts eo = {.policy = policy, .fixes = fixes};
        od_fleet_run_opts ro = {.engine = &eo,
                                .max_connections = o->fleet_concurrency ? o->fleet_concurrency : 64,
                                .jsonl = jsonl,
                                .progress = isatty(STDERR_FILENO)};
        if (od_fleet_run(&f, &ro, &rows) != 0) {
            fprintf(stderr, "origin-doctor: --jsonl: cannot write \"%s\": %s\n", o->jsonl_path, od_strerror(errno, &(od_errbuf){0}));
            rc = OD_EXIT_TOOL;
        }
    }
    if (jsonl && jsonl != stdout && fclose(jsonl) != 0 && rc == OD_EXIT_OK) {
        fprintf(stderr, "origin-doctor: --jsonl: cannot write \"%s\": %s\n", o->jsonl_path, od_strerror(errno, &(od_errbuf){0}));
        rc = OD_EXIT_TOOL;
    }
    if (rc == OD_EXIT_OK)
        rc = fleet_finish(o, &rows);
    od_fleet_rows_free(&rows);
    od_fleet_free(&f);
    return rc;
}

static int run_distribution(const od_cli_opts *o, od_ui_opts *ui, bool interactive, const od_policy *policy,
                            const od_fixes *fixes)
{
    od_managed_policies managed;
    if (load_managed(&managed) != 0)
        return OD_EXIT_TOOL;
    od_dist_config d;
    int rc;
    char *err = od_distconfig_load(o->dist_config, &managed, &d);
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
        if (!org && !o->origin_id && interactive) {
            /* several origins and none named: the UI's origin picker asks */
            ui->import_path = o->dist_config;
            rc = od_ui_run(ui);
        } else if (!org) {
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

/* The UI's hook: the command line's flags onto a case it made. */
static void apply_cli_flags(void *ctx, od_case *c)
{
    od_cli_apply_overrides(c, ctx);
}

static int run(od_cli_opts *o, const od_policy *policy, const od_fixes *fixes)
{
    const char *nc = getenv("NO_COLOR");
    od_ui_opts ui = {.policy = policy, .fixes = fixes, .no_color = o->no_color || (nc && *nc), .guided = o->guided,
                     .apply_flags = apply_cli_flags, .apply_ctx = o};

    if (o->open_path)
        return open_report(o, &ui);
    if (o->fleet)
        return run_fleet(o, &ui, policy, fixes);
    if (o->merge)
        return run_merge(o);
    if (o->bundle.bundle)
        return run_bundle(o, &o->c, &ui, !o->batch && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO), policy,
                          fixes);
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
        return OD_EXIT_USAGE;
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
        return OD_EXIT_TOOL;
    }
    od_cli_apply_overrides(&labcase, o);
    ui.lab_name = o->lab;
    const char *key = NULL, *intermediates = NULL;
    const char *bundle = od_lab_bundle(lab, &key, &intermediates);
    int rc;
    if (bundle) {
        /* A bundle scenario is a certificate file to judge, not a server;
         * its folder also holds the CA's intermediate for --write-chain. */
        od_cli_opts bo = *o;
        bo.bundle.bundle = bundle;
        bo.bundle.key = o->bundle.key ? o->bundle.key : key;
        od_strlist_init(&bo.bundle.intermediates);
        od_strlist_copy(&bo.bundle.intermediates, &o->bundle.intermediates);
        if (o->bundle.write_chain && !o->bundle.intermediates.len)
            od_strlist_add(&bo.bundle.intermediates, intermediates);
        if (!interactive)
            fprintf(stderr, "origin-doctor: --lab %s: judging the lab's file %s with --key %s\n", o->lab, bundle,
                    bo.bundle.key);
        rc = run_bundle(&bo, &labcase, &ui, interactive, policy, fixes);
        od_strlist_free(&bo.bundle.intermediates);
    } else {
        rc = run_case(o, &labcase, &ui, interactive, policy, fixes);
    }
    od_lab_stop(lab);
    od_case_free(&labcase);
    return rc;
}

/* The AWS endpoint table (assets/aws-endpoints.json); NULL or a message. */
static char *load_aws_endpoints(od_aws_endpoints *out)
{
    char *path = od_asset_path("aws-endpoints.json");
    char *err = path ? od_aws_endpoints_load(path, out) : od_asset_missing("aws-endpoints.json");
    free(path);
    return err;
}

int main(int argc, char **argv)
{
    /* A peer closing the connection must not kill the tool. */
    signal(SIGPIPE, SIG_IGN);

    od_cli_opts o;
    memset(&o, 0, sizeof o);
    od_case_init(&o.c);
    od_strlist_init(&o.files);
    char *err = od_cli_parse(argc, argv, &o);
    if (err) {
        od_case_free(&o.c);
        od_strlist_free(&o.files);
        od_strlist_free(&o.bundle.intermediates);
        return usage_error(err);
    }
    if (o.help || o.version) {
        if (o.help) {
            char *help = od_options_help();
            fputs(help, stdout);
            free(help);
        } else
            /* The libraries it runs with, not the ones it was built against:
             * support staff ask for them in bug reports. */
            printf("origin-doctor %s\nGnuTLS %s\nncurses %s\ncJSON %s\n", OD_VERSION, gnutls_check_version(NULL),
                   od_ui_curses_version(), cJSON_Version());
        od_case_free(&o.c);
        od_strlist_free(&o.files);
        od_strlist_free(&o.bundle.intermediates);
        return OD_EXIT_OK;
    }

    /* An output that cannot be written is found before anything is probed. */
    const char *outputs[] = {o.json_path, o.report_path};
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        char *oerr = outputs[i] ? od_output_check(outputs[i]) : NULL;
        if (oerr) {
            fprintf(stderr, "origin-doctor: %s %s\n", i == 0 ? "--json:" : "--report:", oerr);
            free(oerr);
            od_case_free(&o.c);
            od_strlist_free(&o.files);
            return OD_EXIT_TOOL;
        }
    }

    int rc = OD_EXIT_TOOL;
    od_policy policy;
    od_fixes fixes;
    memset(&policy, 0, sizeof policy);
    memset(&fixes, 0, sizeof fixes);
    char *ppath = od_asset_path("cloudfront-origin-policy.json");
    char *fpath = od_asset_path("fixes.json");
    if (!ppath || !fpath) {
        char *missing = od_asset_missing(!ppath ? "cloudfront-origin-policy.json" : "fixes.json");
        fprintf(stderr, "origin-doctor: %s\n", missing);
        free(missing);
    } else if ((err = od_policy_load(ppath, &policy)) || (err = od_fixes_load(fpath, &fixes)) ||
               (err = load_aws_endpoints(&policy.aws))) {
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
    od_strlist_free(&o.files);
    od_strlist_free(&o.bundle.intermediates);
    return rc;
}
