/* Evidence in words. */
#include "od_evidence.h"
#include "od_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *key_words(const char *prefix, const char *key)
{
    char *k = od_xasprintf("%s%s%s", prefix ? prefix : "", prefix ? " " : "", key ? key : "?");
    for (char *p = k; *p; p++)
        if (*p == '_')
            *p = ' ';
    return k;
}

static void scalar(od_buf *b, const cJSON *v)
{
    if (cJSON_IsString(v))
        od_buf_puts(b, v->valuestring ? v->valuestring : "");
    else if (cJSON_IsBool(v))
        od_buf_puts(b, cJSON_IsTrue(v) ? "yes" : "no");
    else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (od_json_whole(d))   /* a report from elsewhere may hold 1e300 */
            od_buf_printf(b, "%lld", (long long)d);
        else
            od_buf_printf(b, "%g", d);
    } else if (cJSON_IsNull(v))
        od_buf_puts(b, "-");
}

static bool is_flat(const cJSON *v)
{
    for (const cJSON *c = v->child; c; c = c->next)
        if (cJSON_IsArray(c) || cJSON_IsObject(c))
            return false;
    return true;
}

/* The names a certificate object lists (common names, DNS and IP
 * alternative names), each once. */
static bool cert_names(const cJSON *obj, od_buf *b)
{
    static const char *const members[] = {"common_names", "san_dns", "san_ip"};
    od_strlist seen;
    od_strlist_init(&seen);
    bool any_member = false;
    for (size_t m = 0; m < sizeof members / sizeof members[0]; m++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, members[m]);
        if (!cJSON_IsArray(a))
            continue;
        any_member = true;
        for (const cJSON *c = a->child; c; c = c->next)
            if (cJSON_IsString(c) && c->valuestring && !od_strlist_contains(&seen, c->valuestring)) {
                od_buf_printf(b, "%s%s", seen.len ? ", " : "", c->valuestring);
                od_strlist_add(&seen, c->valuestring);
            }
    }
    if (any_member && seen.len == 0)
        od_buf_puts(b, "(none)");
    od_strlist_free(&seen);
    return any_member;
}

static void add(od_strlist *keys, od_strlist *values, char *key, od_buf *value)
{
    od_strlist_add_owned(keys, key);
    od_strlist_add_owned(values, value->data ? od_buf_steal(value) : od_xstrdup(""));
}

static void words(const char *prefix, const cJSON *item, od_strlist *keys, od_strlist *values, int depth)
{
    od_buf v;
    od_buf_init(&v);
    if (cJSON_IsArray(item) && is_flat(item)) {
        for (const cJSON *c = item->child; c; c = c->next) {
            if (c != item->child)
                od_buf_puts(&v, ", ");
            scalar(&v, c);
        }
        if (!item->child)
            od_buf_puts(&v, "(none)");
        add(keys, values, key_words(prefix, item->string), &v);
        return;
    }
    if (cJSON_IsArray(item) || cJSON_IsObject(item)) {
        char *k = key_words(prefix, item->string);
        if (depth >= 3) {   /* deeper than evidence goes: keep it readable, once */
            char *s = cJSON_PrintUnformatted(item);
            od_buf_puts(&v, s ? s : "");
            cJSON_free(s);
            add(keys, values, k, &v);
            return;
        }
        /* a certificate: its names together, its validity on one line */
        od_buf names;
        od_buf_init(&names);
        bool has_names = cJSON_IsObject(item) && cert_names(item, &names), merged = has_names;
        const cJSON *nb = cJSON_GetObjectItemCaseSensitive(item, "not_before");
        const cJSON *na = cJSON_GetObjectItemCaseSensitive(item, "not_after");
        size_t i = 0;
        for (const cJSON *c = item->child; c; c = c->next, i++) {
            if (merged && c->string &&
                (strcmp(c->string, "common_names") == 0 || strcmp(c->string, "san_dns") == 0 ||
                 strcmp(c->string, "san_ip") == 0))
                continue;
            if (cJSON_IsString(nb) && cJSON_IsString(na) && c == na)
                continue;
            if (cJSON_IsString(nb) && cJSON_IsString(na) && c == nb) {
                od_buf_printf(&v, "%s to %s", nb->valuestring, na->valuestring);
                add(keys, values, od_xasprintf("%s valid", k), &v);
                od_buf_init(&v);
                continue;
            }
            if (c->string) {
                words(k, c, keys, values, depth + 1);
            } else {
                cJSON tmp = *c;
                tmp.string = NULL;
                char *label = od_xasprintf("%zu", i + 1);
                tmp.string = label;
                words(k, &tmp, keys, values, depth + 1);
                free(label);
            }
            if (has_names && c == item->child) {
                /* the names right after the first member (the subject) */
                add(keys, values, od_xasprintf("%s names", k), &names);
                od_buf_init(&names);
                has_names = false;
            }
        }
        if (has_names)
            add(keys, values, od_xasprintf("%s names", k), &names);
        else
            od_buf_free(&names);
        free(k);
        od_buf_free(&v);
        return;
    }
    scalar(&v, item);
    add(keys, values, key_words(prefix, item->string), &v);
}

void od_evidence_words(const cJSON *evidence, od_strlist *keys, od_strlist *values)
{
    if (!evidence)
        return;
    for (const cJSON *e = evidence->child; e; e = e->next)
        words(NULL, e, keys, values, 0);
}

size_t od_evidence_key_width(const od_strlist *keys, size_t cap)
{
    size_t w = 0;
    for (size_t i = 0; i < keys->len; i++) {
        size_t n = strlen(keys->items[i]);
        if (n > w)
            w = n;
    }
    return w > cap ? cap : w;
}
