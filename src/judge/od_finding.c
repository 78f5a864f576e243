#include "od_finding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const severity_names[] = {
    [OD_SEV_PASS] = "pass", [OD_SEV_INFO] = "info", [OD_SEV_WARN] = "warn", [OD_SEV_FAIL] = "fail",
};

const char *od_severity_name(od_severity s)
{
    if ((int)s < 0 || (size_t)s >= sizeof severity_names / sizeof severity_names[0])
        return "unknown";
    return severity_names[s];
}

bool od_severity_parse(const char *s, od_severity *out)
{
    if (!s)
        return false;
    for (size_t i = 0; i < sizeof severity_names / sizeof severity_names[0]; i++) {
        if (strcmp(s, severity_names[i]) == 0) {
            *out = (od_severity)i;
            return true;
        }
    }
    return false;
}

#define OD_FINDING(id, severity, family, check, step, kind) const char od_id_##id[] = #id;
#include "od_findings.def"
#undef OD_FINDING

const od_finding_def od_finding_defs[OD_F_COUNT] = {
#define OD_FINDING(id, severity, family, check, step, kind)                                              \
    [OD_F_##id] = {od_id_##id, OD_SEV_##severity, OD_FAMILY_##family, OD_CHECK_##check,                \
                   OD_JUDGED_STEP_##step, OD_KIND_##kind},
#include "od_findings.def"
#undef OD_FINDING
};

const od_finding_def *od_finding_def_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < OD_F_COUNT; i++)
        if (strcmp(od_finding_defs[i].id, id) == 0)
            return &od_finding_defs[i];
    return NULL;
}

const char *od_family_name(od_family f)
{
    switch (f) {
    case OD_FAMILY_NETWORK: return "network";
    case OD_FAMILY_TLS: return "tls";
    case OD_FAMILY_CERT: return "certificate";
    case OD_FAMILY_HTTP: return "http";
    case OD_FAMILY_GENERAL: return "general";
    }
    return "unknown";
}

void od_finding_list_init(od_finding_list *l)
{
    l->items = NULL;
    l->len = 0;
    l->cap = 0;
}

void od_finding_free(od_finding *f)
{
    if (!f)
        return;
    free(f->id);
    free(f->title);
    free(f->detail);
    od_strlist_free(&f->names);
    cJSON_Delete(f->evidence);
    od_strlist_free(&f->fix);
    free(f->reproduce);
    memset(f, 0, sizeof *f);
}

void od_finding_list_free(od_finding_list *l)
{
    for (size_t i = 0; i < l->len; i++)
        od_finding_free(&l->items[i]);
    free(l->items);
    od_finding_list_init(l);
}

od_finding *od_finding_list_add(od_finding_list *l)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = od_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    od_finding *f = &l->items[l->len++];
    memset(f, 0, sizeof *f);
    f->evidence = cJSON_CreateObject();
    if (!f->evidence) {
        fputs("origin-doctor: out of memory\n", stderr);
        abort();
    }
    return f;
}

/* Insertion sort: stable, and the list holds a few dozen findings. */
void od_finding_list_sort(od_finding_list *l)
{
    for (size_t i = 1; i < l->len; i++) {
        od_finding tmp = l->items[i];
        size_t j = i;
        while (j > 0 && l->items[j - 1].severity < tmp.severity) {
            l->items[j] = l->items[j - 1];
            j--;
        }
        l->items[j] = tmp;
    }
}

int od_finding_list_cloudfront_status(const od_finding_list *l)
{
    for (size_t i = 0; i < l->len; i++)
        if (l->items[i].severity == OD_SEV_FAIL && l->items[i].cloudfront_status)
            return l->items[i].cloudfront_status;
    return 0;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void od_finding_list_fail_ids(const od_finding_list *l, od_strlist *out)
{
    od_strlist_init(out);
    for (size_t i = 0; i < l->len; i++)
        if (l->items[i].severity == OD_SEV_FAIL && l->items[i].id && !od_strlist_contains(out, l->items[i].id))
            od_strlist_add(out, l->items[i].id);
    if (out->len > 1)
        qsort(out->items, out->len, sizeof *out->items, compare_strings);
}

bool od_finding_list_has(const od_finding_list *l, const char *id)
{
    for (size_t i = 0; i < l->len; i++)
        if (l->items[i].id && id && strcmp(l->items[i].id, id) == 0)
            return true;
    return false;
}
