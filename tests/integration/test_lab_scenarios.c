/* Every lab scenario, diagnosed by the real binary in two ways:
 *  1. the origin started here, the binary given --resolve/--trust-store/
 *     --https-port like a customer's origin (the command shape);
 *  2. `origin-doctor --batch --lab NAME`, the lab started by the binary.
 * Each must give the scenario's documented fail ids, exit code and verdict. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "itest.h"
#include "od_lab.h"
#include "od_report.h"

static const char *bin;

/* A raw control byte (C0 but newline and tab, DEL, or C1 in UTF-8 form)
 * that a terminal would act on. */
static bool raw_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
            return true;
    return false;
}

/* The line of `text` that starts (after blanks and "- **") with `label`, or NULL. */
static char *line_of(const char *text, const char *label)
{
    for (const char *l = text; l && *l;) {
        const char *end = strchr(l, '\n');
        size_t n = end ? (size_t)(end - l) : strlen(l);
        const char *p = l;
        while (p < l + n && strchr(" -*", *p))
            p++;
        if ((size_t)(l + n - p) >= strlen(label) && strncmp(p, label, strlen(label)) == 0)
            return od_xstrndup(l, n);
        l = end ? end + 1 : NULL;
    }
    return NULL;
}

/* escape-subject: the subject, the issuer and the AIA URLs (caIssuers,
 * OCSP) hold escape sequences and control bytes. Each is shown as visible
 * text (\e, \x07...) in the text report, the Markdown and the JSON. */
static void check_escapes(const it_result *res, const char *md_path, const char *json_path)
{
    size_t len = 0;
    char *md = od_read_file(md_path, &len);
    char *json = od_read_file(json_path, &len);
    CHECK_MSG(md && json, "escape-subject: no Markdown or JSON report");
    struct {
        const char *text_label, *md_label, *shown, *md_shown;
    } fields[] = {
        { "Subject ", "Subject:", "evil\\e[2J\\e[31mlab", "evil\\e\\[2J\\e\\[31mlab" },
        { "Issuer ", "Issuer:", "evil issuer\\e]0", "evil issuer\\e]0" },
        { "AIA issuer URLs ", "AIA issuer URLs:", "\\e[2Jissuer", "\\e\\[2Jissuer" },
        { "AIA OCSP URLs ", "AIA OCSP URLs:", "\\e[31m\\e]0;owned", "\\e\\[31m\\e]0;owned" },
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char *t = line_of(res->out, fields[i].text_label);
        char *m = md ? line_of(md, fields[i].md_label) : NULL;
        CHECK_MSG(t && strstr(t, fields[i].shown), "escape-subject: text report line %s: %s", fields[i].text_label,
                  t ? t : "(missing)");
        CHECK_MSG(m && strstr(m, fields[i].md_shown), "escape-subject: Markdown line %s: %s", fields[i].md_label,
                  m ? m : "(missing)");
        free(t);
        free(m);
    }
    CHECK_MSG(!raw_control(res->out), "escape-subject: a raw control byte in the text report");
    CHECK_MSG(!raw_control(res->err), "escape-subject: a raw control byte on stderr");
    CHECK_MSG(!raw_control(md), "escape-subject: a raw control byte in the Markdown");
    CHECK_MSG(!raw_control(json), "escape-subject: a raw control byte in the JSON file");
    /* parsed back, the JSON strings hold the same visible escapes */
    cJSON *j = it_load_json(json_path);
    const cJSON *leaf = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "certificates"), 0);
    const cJSON *issuer = cJSON_GetObjectItemCaseSensitive(leaf, "issuer");
    const cJSON *aia = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(leaf, "aia_issuer_urls"), 0);
    const cJSON *ocsp = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(leaf, "aia_ocsp_urls"), 0);
    CHECK_MSG(cJSON_IsString(issuer) && strstr(issuer->valuestring, "evil issuer\\e]0") &&
                  !raw_control(issuer->valuestring),
              "escape-subject: JSON issuer %s", cJSON_IsString(issuer) ? issuer->valuestring : "(missing)");
    CHECK_MSG(cJSON_IsString(aia) && strstr(aia->valuestring, "\\e[2Jissuer\\x07.crt") && !raw_control(aia->valuestring),
              "escape-subject: JSON aia_issuer_urls[0] %s", cJSON_IsString(aia) ? aia->valuestring : "(missing)");
    CHECK_MSG(cJSON_IsString(ocsp) && strstr(ocsp->valuestring, "\\e[31m\\e]0;owned\\x07\\x08ocsp") &&
                  !raw_control(ocsp->valuestring),
              "escape-subject: JSON aia_ocsp_urls[0] %s", cJSON_IsString(ocsp) ? ocsp->valuestring : "(missing)");
    cJSON_Delete(j);
    free(md);
    free(json);
}

static void check_report(const char *label, const char *json_path, const it_result *res, const char *expect)
{
    char *want = it_sorted_ids(expect);
    int want_exit = want[0] ? 1 : 0;
    CHECK_MSG(res->exit_code == want_exit, "%s: exit %d, expected %d\nstderr: %s", label, res->exit_code, want_exit,
              res->err);
    cJSON *j = it_load_json(json_path);
    CHECK_MSG(j != NULL, "%s: no JSON report", label);
    if (j) {
        char *got = it_ids_with_severity(j, "fail");
        CHECK_MSG(strcmp(got, want) == 0, "%s: fail ids \"%s\", expected \"%s\"", label, got, want);
        const cJSON *verdict = cJSON_GetObjectItemCaseSensitive(j, "verdict");
        const cJSON *wf = cJSON_GetObjectItemCaseSensitive(verdict, "would_fail");
        CHECK_MSG(cJSON_IsBool(wf) && cJSON_IsTrue(wf) == (want_exit == 1), "%s: verdict.would_fail wrong", label);
        const cJSON *summary = cJSON_GetObjectItemCaseSensitive(verdict, "summary");
        CHECK_MSG(cJSON_IsString(summary) && summary->valuestring[0], "%s: no summary", label);
        /* every fail finding carries names, a fix and the reproduction command */
        const cJSON *f;
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(j, "findings"))
        {
            const cJSON *sev = cJSON_GetObjectItemCaseSensitive(f, "severity");
            if (!cJSON_IsString(sev) || strcmp(sev->valuestring, "fail") != 0)
                continue;
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "id");
            const cJSON *fix = cJSON_GetObjectItemCaseSensitive(f, "fix");
            const cJSON *rep = cJSON_GetObjectItemCaseSensitive(f, "reproduce");
            CHECK_MSG(cJSON_IsArray(fix) && cJSON_GetArraySize(fix) > 0, "%s: %s has no fix steps", label,
                      id ? id->valuestring : "?");
            CHECK_MSG(cJSON_IsString(rep) && rep->valuestring[0], "%s: %s has no reproduce command", label,
                      id ? id->valuestring : "?");
        }
        free(got);
        cJSON_Delete(j);
    }
    free(want);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strlist_delete(od_strlist *l)
{
    if (l)
        od_strlist_free(l);
    free(l);
}

/* The step ids of one --lab run, sorted; checks each step has one, that
 * they are unique, and that the reader keeps them. NULL if no report. */
static od_strlist *step_ids_of_run(const char *scenario, const char *json)
{
    od_strlist args;
    od_strlist_init(&args);
    od_strlist_add(&args, "--batch");
    od_strlist_add_owned(&args, od_xasprintf("--lab=%s", scenario));
    od_strlist_add_owned(&args, od_xasprintf("--json=%s", json));
    it_result res;
    it_run(bin, &args, NULL, 60, &res);
    it_result_free(&res);
    od_strlist_free(&args);
    cJSON *j = it_load_json(json);
    if (!j)
        return NULL;
    od_strlist *ids = od_xcalloc(1, sizeof *ids);
    od_strlist_init(ids);
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(j, "steps");
    CHECK_MSG(cJSON_GetArraySize(steps) >= 6, "%s: only %d steps", scenario, cJSON_GetArraySize(steps));
    const cJSON *st;
    cJSON_ArrayForEach(st, steps)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(st, "id");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(st, "name");
        CHECK_MSG(cJSON_IsString(id) && id->valuestring[0], "%s: step \"%s\" has no id", scenario,
                  cJSON_IsString(name) ? name->valuestring : "?");
        if (!cJSON_IsString(id))
            continue;
        CHECK_MSG(!od_strlist_contains(ids, id->valuestring), "%s: step id \"%s\" twice", scenario, id->valuestring);
        od_strlist_add(ids, id->valuestring);
    }
    /* read back, each step keeps its id */
    size_t len = 0;
    char *text = od_read_file(json, &len);
    od_report r;
    char *err = text ? od_report_from_json(text, len, &r) : od_xstrdup("unreadable");
    CHECK_MSG(err == NULL, "%s: report not read back: %s", scenario, err ? err : "");
    if (!err) {
        CHECK(r.obs.n_steps == ids->len);
        for (size_t i = 0; i < r.obs.n_steps && i < ids->len; i++)
            CHECK_MSG(r.obs.steps[i].id && strcmp(r.obs.steps[i].id, ids->items[i]) == 0,
                      "%s: step %zu's id not read back", scenario, i);
        od_report_free(&r);
    }
    free(err);
    free(text);
    cJSON_Delete(j);
    qsort(ids->items, ids->len, sizeof *ids->items, cmp_str);
    return ids;
}

/* Steps carry ids that are the same in two runs of one scenario (the lab
 * listens on other ports each time: ids name the port's role, not its number). */
static void check_step_ids(const char *dir, const char *scenario)
{
    char *json1 = od_xasprintf("%s/ids-1.json", dir), *json2 = od_xasprintf("%s/ids-2.json", dir);
    od_strlist *a = step_ids_of_run(scenario, json1), *b = step_ids_of_run(scenario, json2);
    CHECK_MSG(a && b, "%s: no reports for the step ids", scenario);
    if (a && b) {
        char *ja = od_strlist_join(a, " ", ""), *jb = od_strlist_join(b, " ", "");
        printf("%s step ids: %s\n", scenario, ja);
        CHECK_MSG(strcmp(ja, jb) == 0, "%s: step ids differ between runs:\n%s\n%s", scenario, ja, jb);
        CHECK(strstr(ja, "dns") && strstr(ja, "tls:127.0.0.1:https:") && strstr(ja, "ciphers:127.0.0.1:https"));
        free(ja);
        free(jb);
    }
    strlist_delete(a);
    strlist_delete(b);
    free(json1);
    free(json2);
}

int main(int argc, char **argv)
{
    bin = it_bin_arg(argc, argv);
    char *dir = it_tmpdir();
    size_t n;
    const od_lab_scenario *s = od_lab_scenarios(&n);
    CHECK(n >= 14);
    bool ipv6 = check_ipv6_loopback("lab_scenarios: aaaa-only (its origin listens on ::1)");
    for (size_t i = 0; i < n; i++) {
        if (!ipv6 && strcmp(s[i].name, "aaaa-only") == 0)
            continue;
        char *json = od_xasprintf("%s/%s.json", dir, s[i].name);
        char *expect = od_lab_expect_text(&s[i]);

        /* 1. origin started by the test, described on the command line */
        od_case c;
        od_case_init(&c);
        char *err = NULL;
        od_lab *lab = od_lab_start(s[i].name, &c, &err);
        CHECK_MSG(lab != NULL, "%s: lab did not start: %s", s[i].name, err ? err : "?");
        free(err);
        if (lab) {
            od_strlist args;
            od_strlist_init(&args);
            it_case_args(&c, &args);
            const char *key = NULL;
            const char *bundle = od_lab_bundle(lab, &key, NULL);
            if (bundle) {   /* a bundle scenario: the file judged offline */
                od_strlist_add_owned(&args, od_xasprintf("--check-bundle=%s", bundle));
                od_strlist_add_owned(&args, od_xasprintf("--key=%s", key));
            }
            od_strlist_add_owned(&args, od_xasprintf("--json=%s", json));
            it_result res;
            it_run(bin, &args, NULL, 60, &res);
            char *label = od_xasprintf("%s (command line)", s[i].name);
            check_report(label, json, &res, expect);
            free(label);
            it_result_free(&res);
            od_strlist_free(&args);
            od_lab_stop(lab);
        }
        od_case_free(&c);

        /* 2. the same scenario through --lab */
        od_strlist args;
        od_strlist_init(&args);
        od_strlist_add(&args, "--batch");
        od_strlist_add_owned(&args, od_xasprintf("--lab=%s", s[i].name));
        od_strlist_add_owned(&args, od_xasprintf("--json=%s", json));
        char *md = od_xasprintf("%s/%s.md", dir, s[i].name);
        od_strlist_add_owned(&args, od_xasprintf("--report=%s", md));
        it_result res;
        it_run(bin, &args, NULL, 60, &res);
        char *label = od_xasprintf("%s (--lab)", s[i].name);
        check_report(label, json, &res, expect);
        if (strcmp(s[i].name, "escape-subject") == 0)
            check_escapes(&res, md, json);
        free(md);
        CHECK_MSG(strstr(res.out, "CloudFront") != NULL, "%s: stdout does not give a verdict", label);
        free(label);
        it_result_free(&res);
        od_strlist_free(&args);
        free(json);
        free(expect);
    }

    check_step_ids(dir, "healthy");
    check_step_ids(dir, "wrong-order");

    /* An IP address as the origin domain: the one finding CloudFront's
     * configuration itself refuses, diagnosed against a healthy origin. */
    od_case c;
    od_case_init(&c);
    char *err = NULL;
    od_lab *lab = od_lab_start("healthy", &c, &err);
    CHECK_MSG(lab != NULL, "healthy lab: %s", err ? err : "?");
    free(err);
    if (lab) {
        char *json = od_xasprintf("%s/ip.json", dir);
        od_strlist args;
        od_strlist_init(&args);
        od_strlist_add(&args, "--batch");
        od_strlist_add_owned(&args, od_xasprintf("--https-port=%d", c.https_port));
        od_strlist_add_owned(&args, od_xasprintf("--trust-store=%s", c.trust_store));
        od_strlist_add_owned(&args, od_xasprintf("--json=%s", json));
        od_strlist_add(&args, "127.0.0.1");
        it_result res;
        it_run(bin, &args, NULL, 60, &res);
        check_report("IP address as origin", json, &res, "ORIGIN_IS_IP_ADDRESS");
        it_result_free(&res);
        od_strlist_free(&args);
        free(json);
        od_lab_stop(lab);
    }
    od_case_free(&c);

    it_rmtree(dir);
    free(dir);
    return check_done("lab_scenarios");
}
