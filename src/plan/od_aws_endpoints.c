/* Loads the AWS endpoint table and recognises endpoints by name. Strict
 * like the policy loader: a wrong table would name wrong causes. */
#include "od_aws_endpoints.h"
#include "od_case.h"
#include "od_json.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

static bool match_from(const char *p, const char *h, bool span_labels)
{
    if (!*p)
        return !*h;
    if (*p == '*') {
        /* one or more characters; '.' only for a pattern-leading '*' */
        for (size_t k = 1; h[k - 1] && (span_labels || h[k - 1] != '.'); k++)
            if (match_from(p + 1, h + k, false))
                return true;
        return false;
    }
    if (tolower((unsigned char)*p) != tolower((unsigned char)*h))
        return false;
    return match_from(p + 1, h + 1, false);
}

bool od_aws_pattern_match(const char *pattern, const char *host)
{
    if (!pattern || !host)
        return false;
    return match_from(pattern, host, pattern[0] == '*');
}

const od_aws_endpoint *od_aws_endpoint_match(const od_aws_endpoints *t, const char *host)
{
    for (size_t i = 0; t && host && i < t->n; i++)
        for (size_t k = 0; k < t->items[i].patterns.len; k++)
            if (od_aws_pattern_match(t->items[i].patterns.items[k], host))
                return &t->items[i];
    return NULL;
}

char *od_aws_tls_policies(const od_aws_endpoint *ep, unsigned protocols, bool works)
{
    od_strlist names;
    od_strlist_init(&names);
    for (size_t i = 0; ep && i < ep->n_tls_policies; i++)
        if (((ep->tls_policies[i].protocols & protocols) != 0) == works)
            od_strlist_add(&names, ep->tls_policies[i].name);
    char *joined = od_strlist_join(&names, ", ", "");
    od_strlist_free(&names);
    return joined;
}

/* "tls_security_policies": {source, checked, policies: [{name, protocols}]} */
static bool parse_tls_policies(od_json_reader *r, const cJSON *tp, const char *where, od_aws_endpoint *ep)
{
    const char *source = NULL, *checked = NULL;
    if (!od_json_get_string(r, tp, where, "source", OD_JSON_NONEMPTY, &source) ||
        !od_json_get_string(r, tp, where, "checked", OD_JSON_NONEMPTY, &checked))
        return false;
    const cJSON *list = od_json_get(r, tp, where, "policies", OD_JSON_ARRAY, OD_JSON_NONEMPTY);
    if (!list)
        return false;
    ep->tls_policies_source = od_xstrdup(source);
    ep->tls_policies_checked = od_xstrdup(checked);
    ep->tls_policies = od_xcalloc((size_t)cJSON_GetArraySize(list), sizeof *ep->tls_policies);
    char *lwhere = od_json_key_path(where, "policies");
    bool ok = true;
    for (const cJSON *p = list->child; p && ok; p = p->next) {
        char *pwhere = od_json_index_path(lwhere, ep->n_tls_policies);
        const char *name = NULL;
        const cJSON *protos = NULL;
        ok = od_json_check(r, p, pwhere, OD_JSON_OBJECT, 0) &&
             od_json_get_string(r, p, pwhere, "name", OD_JSON_NONEMPTY, &name) &&
             (protos = od_json_get(r, p, pwhere, "protocols", OD_JSON_ARRAY, OD_JSON_NONEMPTY)) != NULL;
        unsigned bits = 0;
        for (const cJSON *v = ok ? protos->child : NULL; v && ok; v = v->next) {
            unsigned bit = 0;
            if (!cJSON_IsString(v) || !od_proto_parse(v->valuestring, &bit))
                ok = od_json_fail(r, pwhere, "\"protocols\" holds SSLv3, TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3");
            bits |= bit;
        }
        if (ok) {
            od_aws_tls_policy *tp_item = &ep->tls_policies[ep->n_tls_policies++];
            tp_item->name = od_xstrdup(name);
            tp_item->protocols = bits;
        }
        free(pwhere);
    }
    free(lwhere);
    return ok;
}

static bool parse_endpoint(od_json_reader *r, const cJSON *e, const char *where, od_aws_endpoint *ep)
{
    const char *service = NULL;
    if (!od_json_check(r, e, where, OD_JSON_OBJECT, 0) ||
        !od_json_get_string(r, e, where, "service", OD_JSON_NONEMPTY, &service))
        return false;
    const cJSON *patterns = od_json_get(r, e, where, "patterns", OD_JSON_ARRAY, OD_JSON_NONEMPTY);
    if (!patterns ||
        !od_json_get_bool(r, e, where, "http_only", 0, &ep->http_only) ||
        !od_json_get_bool(r, e, where, "routes_by_host", 0, &ep->routes_by_host) ||
        !od_json_get_bool(r, e, where, "own_name_certifiable", 0, &ep->own_name_certifiable))
        return false;
    ep->service = od_xstrdup(service);
    char *pwhere = od_json_key_path(where, "patterns");
    size_t i = 0;
    bool ok = true;
    for (const cJSON *p = patterns->child; p && ok; p = p->next, i++) {
        char *iwhere = od_json_index_path(pwhere, i);
        ok = od_json_check(r, p, iwhere, OD_JSON_STRING, OD_JSON_NONEMPTY);
        /* a pattern that matches every name would accuse every origin */
        if (ok && !strchr(p->valuestring, '.'))
            ok = od_json_fail(r, iwhere, "a pattern must name a domain (\"*.example.com\"), found \"%s\"",
                              p->valuestring);
        if (ok)
            od_strlist_add(&ep->patterns, p->valuestring);
        free(iwhere);
    }
    free(pwhere);
    const cJSON *tp = ok ? cJSON_GetObjectItemCaseSensitive(e, "tls_security_policies") : NULL;
    if (tp) {
        char *twhere = od_json_key_path(where, "tls_security_policies");
        ok = od_json_check(r, tp, twhere, OD_JSON_OBJECT, 0) && parse_tls_policies(r, tp, twhere, ep);
        free(twhere);
    }
    return ok;
}

static bool parse_table(od_json_reader *r, const cJSON *root, od_aws_endpoints *t)
{
    if (!cJSON_IsObject(root))
        return od_json_fail(r, NULL, "the top level must be a JSON object, found %s", od_json_type_name(root));
    const char *source = NULL, *checked = NULL, *pname = NULL, *pid = NULL;
    if (!od_json_get_string(r, root, "", "source", OD_JSON_NONEMPTY, &source) ||
        !od_json_get_string(r, root, "", "checked", OD_JSON_NONEMPTY, &checked))
        return false;
    const cJSON *hp = od_json_get(r, root, "", "host_excluding_policy", OD_JSON_OBJECT, 0);
    if (!hp || !od_json_get_string(r, hp, "host_excluding_policy", "name", OD_JSON_NONEMPTY, &pname) ||
        !od_json_get_string(r, hp, "host_excluding_policy", "id", OD_JSON_NONEMPTY, &pid))
        return false;
    t->source = od_xstrdup(source);
    t->checked = od_xstrdup(checked);
    t->host_policy_name = od_xstrdup(pname);
    t->host_policy_id = od_xstrdup(pid);
    const cJSON *eps = od_json_get(r, root, "", "endpoints", OD_JSON_ARRAY, OD_JSON_NONEMPTY);
    if (!eps)
        return false;
    t->items = od_xcalloc((size_t)cJSON_GetArraySize(eps), sizeof *t->items);
    for (const cJSON *e = eps->child; e; e = e->next) {
        char *where = od_json_index_path("endpoints", t->n);
        od_aws_endpoint *ep = &t->items[t->n++];   /* counted first so that free releases it */
        od_strlist_init(&ep->patterns);
        bool ok = parse_endpoint(r, e, where, ep);
        free(where);
        if (!ok)
            return false;
    }
    return true;
}

char *od_aws_endpoints_load(const char *path, od_aws_endpoints *out)
{
    memset(out, 0, sizeof *out);
    if (!path)
        return od_xasprintf("no AWS endpoint table given");
    size_t len = 0;
    char *text = od_read_file(path, &len);
    if (!text)
        return od_xasprintf("cannot read %s: %s", path, od_strerror(errno, &(od_errbuf){0}));
    char *perr = NULL;
    cJSON *root = od_json_parse(text, len, "the AWS endpoint table (JSON)", &perr);
    free(text);
    if (!root) {
        char *msg = od_xasprintf("%s: %s", path, perr);
        free(perr);
        return msg;
    }
    od_json_reader r = { path, NULL };
    if (!parse_table(&r, root, out) && !r.error)
        r.error = od_xasprintf("%s: invalid AWS endpoint table", path);
    cJSON_Delete(root);
    if (r.error)
        od_aws_endpoints_free(out);
    return r.error;
}

void od_aws_endpoints_free(od_aws_endpoints *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->items[i].service);
        od_strlist_free(&t->items[i].patterns);
        for (size_t k = 0; k < t->items[i].n_tls_policies; k++)
            free(t->items[i].tls_policies[k].name);
        free(t->items[i].tls_policies);
        free(t->items[i].tls_policies_source);
        free(t->items[i].tls_policies_checked);
    }
    free(t->items);
    free(t->host_policy_name);
    free(t->host_policy_id);
    free(t->source);
    free(t->checked);
    memset(t, 0, sizeof *t);
}
