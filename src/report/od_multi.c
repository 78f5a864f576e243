#include "od_multi.h"
#include "od_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void od_multi_init(od_multi_report *m)
{
    memset(m, 0, sizeof *m);
}

void od_multi_free(od_multi_report *m)
{
    for (size_t i = 0; i < m->n; i++) {
        od_origin_report *o = &m->items[i];
        free(o->origin_id);
        free(o->domain_name);
        free(o->skipped);
        if (o->ran)
            od_report_free(&o->report);
    }
    free(m->items);
    free(m->distribution_id);
    free(m->source);
    free(m->generated_at);
    free(m->summary);
    memset(m, 0, sizeof *m);
}

od_origin_report *od_multi_add(od_multi_report *m, const char *origin_id, const char *domain_name)
{
    m->items = od_xrealloc(m->items, (m->n + 1) * sizeof *m->items);
    od_origin_report *o = &m->items[m->n++];
    memset(o, 0, sizeof *o);
    o->origin_id = od_escape_str(origin_id);
    o->domain_name = od_escape_str(domain_name);
    return o;
}

void od_multi_judge(od_multi_report *m)
{
    size_t failing = 0, ran = 0, skipped = 0;
    od_buf b;
    od_buf_init(&b);
    for (size_t i = 0; i < m->n; i++) {
        const od_origin_report *o = &m->items[i];
        if (!o->ran) {
            skipped++;
            continue;
        }
        ran++;
        if (o->report.would_fail) {
            failing++;
            od_buf_printf(&b, "%s%s", b.len ? ", " : "", o->origin_id);
        }
    }
    m->would_fail = failing > 0;
    free(m->summary);
    if (failing)
        m->summary = od_xasprintf("CloudFront would fail for %zu of %zu diagnosed origins: %s%s", failing, ran,
                                  b.data, skipped ? " (some origins were not diagnosed)" : "");
    else
        m->summary = od_xasprintf("No problem found that would make CloudFront fail for the %zu diagnosed origin%s "
                                  "(checked from this machine)%s",
                                  ran, ran == 1 ? "" : "s", skipped ? "; some origins were not diagnosed" : "");
    od_buf_free(&b);
    if (!m->generated_at) {
        char ts[32];
        od_format_time(time(NULL), ts, sizeof ts);
        m->generated_at = od_xstrdup(ts);
    }
}

char *od_multi_to_json(const od_multi_report *m)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", OD_MULTI_SCHEMA);
    cJSON *tool = cJSON_AddObjectToObject(root, "tool");
    cJSON_AddStringToObject(tool, "name", "origin-doctor");
    cJSON_AddStringToObject(tool, "version", OD_VERSION);
    cJSON_AddStringToObject(root, "generated_at", m->generated_at ? m->generated_at : "");
    cJSON *dist = cJSON_AddObjectToObject(root, "distribution");
    if (m->distribution_id)
        cJSON_AddStringToObject(dist, "id", m->distribution_id);
    else
        cJSON_AddNullToObject(dist, "id");
    cJSON_AddStringToObject(dist, "config_file", m->source ? m->source : "");
    cJSON *verdict = cJSON_AddObjectToObject(root, "verdict");
    cJSON_AddBoolToObject(verdict, "would_fail", m->would_fail);
    cJSON_AddStringToObject(verdict, "summary", m->summary ? m->summary : "");
    cJSON *origins = cJSON_AddArrayToObject(root, "origins");
    for (size_t i = 0; i < m->n; i++) {
        const od_origin_report *o = &m->items[i];
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "origin_id", o->origin_id);
        cJSON_AddStringToObject(item, "domain_name", o->domain_name ? o->domain_name : "");
        if (o->skipped)
            cJSON_AddStringToObject(item, "skipped", o->skipped);
        else
            cJSON_AddNullToObject(item, "skipped");
        cJSON *rep = NULL;
        if (o->ran) {
            /* the section is a whole report/1 document */
            char *text = od_report_to_json(&o->report);
            rep = cJSON_Parse(text);
            free(text);
        }
        cJSON_AddItemToObject(item, "report", rep ? rep : cJSON_CreateNull());
        cJSON_AddItemToArray(origins, item);
    }
    char *out = cJSON_Print(root);
    cJSON_Delete(root);
    od_buf b;
    od_buf_init(&b);
    od_buf_puts(&b, out ? out : "{}");
    od_buf_puts(&b, "\n");
    free(out);
    return od_buf_steal(&b);
}

static char *render(const od_multi_report *m, bool md, bool color)
{
    od_buf b;
    od_buf_init(&b);
    if (md)
        od_buf_printf(&b, "# origin-doctor: every origin of %s\n\n",
                      m->distribution_id ? m->distribution_id : "the distribution");
    else
        od_buf_printf(&b, "origin-doctor: every origin of %s\n\n",
                      m->distribution_id ? m->distribution_id : "the distribution");
    od_buf_printf(&b, "%s%s\n\n", md ? "**Verdict:** " : "Verdict: ", m->summary ? m->summary : "");
    for (size_t i = 0; i < m->n; i++) {
        const od_origin_report *o = &m->items[i];
        const char *state = !o->ran ? "not diagnosed" : (o->report.would_fail ? "WOULD FAIL" : "ok");
        od_buf_printf(&b, "%s %-24s %-40s %s\n", md ? "-" : " ", o->origin_id, o->domain_name ? o->domain_name : "",
                      state);
    }
    od_buf_puts(&b, "\n");
    for (size_t i = 0; i < m->n; i++) {
        const od_origin_report *o = &m->items[i];
        if (md)
            od_buf_printf(&b, "\n---\n\n# Origin %s (%s)\n\n", o->origin_id, o->domain_name ? o->domain_name : "");
        else
            od_buf_printf(&b, "\n======== Origin %s (%s) ========\n\n", o->origin_id,
                          o->domain_name ? o->domain_name : "");
        if (!o->ran) {
            od_buf_printf(&b, "Not diagnosed: %s\n", o->skipped ? o->skipped : "not run");
            continue;
        }
        char *section = md ? od_report_markdown(&o->report) : od_report_text(&o->report, color);
        od_buf_puts(&b, section);
        free(section);
    }
    return od_buf_steal(&b);
}

char *od_multi_markdown(const od_multi_report *m)
{
    return render(m, true, false);
}

char *od_multi_text(const od_multi_report *m, bool color)
{
    return render(m, false, color);
}

char *od_multi_from_json(const char *text, size_t len, od_multi_report *out)
{
    od_multi_init(out);
    char *perr = NULL;
    cJSON *root = od_json_parse(text, len, "an origin-doctor distribution report (JSON)", &perr);
    if (!root)
        return perr;
    od_json_reader rd = {NULL, NULL};
    const char *schema = NULL, *id = NULL, *gen = NULL;
    if (od_json_get_string(&rd, root, "", "schema", 0, &schema) && strcmp(schema, OD_MULTI_SCHEMA) != 0)
        od_json_fail(&rd, "schema", "expected \"%s\"", OD_MULTI_SCHEMA);
    const cJSON *origins = rd.error ? NULL : od_json_get(&rd, root, "", "origins", OD_JSON_ARRAY, 0);
    const cJSON *dist = origins ? od_json_get(&rd, root, "", "distribution", OD_JSON_OBJECT, OD_JSON_OPTIONAL) : NULL;
    if (dist)
        od_json_get_string(&rd, dist, "distribution", "id", OD_JSON_OPTIONAL | OD_JSON_NULLABLE, &id);
    if (origins)
        od_json_get_string(&rd, root, "", "generated_at", OD_JSON_OPTIONAL | OD_JSON_NULLABLE, &gen);
    if (rd.error)
        goto out;
    out->distribution_id = od_escape_str(id);
    out->generated_at = od_escape_str(gen);
    size_t i = 0;
    for (const cJSON *o = origins->child; o; o = o->next, i++) {
        char p[48];
        snprintf(p, sizeof p, "origins[%zu]", i);
        const char *oid = NULL, *dn = NULL, *sk = NULL;
        const cJSON *rep = NULL;
        if (!od_json_check(&rd, o, p, OD_JSON_OBJECT, 0) || !od_json_get_string(&rd, o, p, "origin_id", 0, &oid) ||
            !od_json_get_string(&rd, o, p, "domain_name", OD_JSON_OPTIONAL, &dn) ||
            !od_json_get_string(&rd, o, p, "skipped", OD_JSON_OPTIONAL | OD_JSON_NULLABLE, &sk))
            goto out;
        rep = od_json_get(&rd, o, p, "report", OD_JSON_OBJECT, OD_JSON_OPTIONAL | OD_JSON_NULLABLE);
        if (rd.error)
            goto out;
        od_origin_report *item = od_multi_add(out, oid, dn ? dn : "");
        if (sk)
            item->skipped = od_escape_str(sk);
        if (rep) {
            char *sub = cJSON_PrintUnformatted(rep);
            char *e = od_report_from_json(sub, strlen(sub), &item->report);
            free(sub);
            if (e) {
                od_json_fail(&rd, p, "report: %s", e);
                free(e);
                od_report_free(&item->report);
                goto out;
            }
            item->ran = true;
        } else if (!item->skipped) {
            od_json_fail(&rd, p, "neither a report nor a reason it was skipped");
            goto out;
        }
    }
    od_multi_judge(out);
out:
    cJSON_Delete(root);
    if (rd.error)
        od_multi_free(out);
    return rd.error;
}
