/* Reads a CloudFront distribution config (either AWS CLI shape) and turns
 * one origin into a Case. The file is checked strictly: a wrong port or a
 * wrong Host decision would make every later conclusion wrong, so each
 * problem is reported with the key path where it sits. */
#include "od_distconfig.h"
#include "od_json.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cJSON.h>

#define MAX_FILE_BYTES ((size_t)16 * 1024 * 1024)
/* list-distributions of a large account: thousands of distributions. */
#define MAX_LIST_BYTES ((size_t)512 * 1024 * 1024)
#define DISTCONFIG_EXPECTED "the JSON that aws cloudfront get-distribution-config prints"

/* ---- small helpers ---------------------------------------------------- */

/* ---- checked access to the JSON (od_json's reader: the key path in
 * every message), with the distribution config's own conventions ---- */

static unsigned need(bool required)
{
    return required ? 0 : OD_JSON_OPTIONAL;
}

/* A string; an empty string counts as absent when empty_is_absent (and
 * the key is not required). */
static bool get_string(od_json_reader *c, const cJSON *obj, const char *key, const char *path, bool required,
                       bool empty_is_absent, const char **out)
{
    unsigned flags = need(required) | (required || !empty_is_absent ? OD_JSON_NONEMPTY : 0);
    if (!od_json_get_string(c, obj, path, key, flags, out))
        return false;
    if (*out && !**out)
        *out = NULL;
    return true;
}

/* path.key holds a value outside its allowed set: the message names the
 * place, quotes the value and lists what is allowed. Returns false. */
static bool not_one_of(od_json_reader *c, const char *path, const char *key, const char *value, const char *allowed)
{
    char *kp = od_json_key_path(path, key);
    char *q = od_quote(value);
    od_json_fail(c, kp, "%s is not one of %s", q, allowed);
    free(q);
    free(kp);
    return false;
}

/* A whole number in [min, max]; def when absent and not required. */
static bool get_int(od_json_reader *c, const cJSON *obj, const char *key, const char *path, bool required, int def, int min,
                    int max, int *out)
{
    int64_t v = def;
    if (!od_json_get_int(c, obj, path, key, need(required), min, max, &v))
        return false;
    *out = (int)v;
    return true;
}

/* The AWS list shape {"Quantity": N, "Items": [...]} (Items is left out
 * when N is 0). *items is NULL when empty. */
static bool get_list(od_json_reader *c, const cJSON *obj, const char *key, const char *path, bool required,
                     const cJSON **items, int *n)
{
    *items = NULL;
    *n = 0;
    const cJSON *o = od_json_get(c, obj, path, key, OD_JSON_OBJECT, need(required));
    if (!o)
        return !c->error;
    char *p = od_json_key_path(path, key);
    int quantity;
    bool ok = get_int(c, o, "Quantity", p, true, 0, 0, 1000000, &quantity);
    const cJSON *arr = ok ? od_json_get(c, o, p, "Items", OD_JSON_ARRAY, OD_JSON_OPTIONAL) : NULL;
    ok = ok && !c->error;
    if (ok && arr) {
        if (cJSON_GetArraySize(arr) != quantity) {
            char *ip = od_json_key_path(p, "Items");
            ok = od_json_fail(c, ip, "holds %d item(s) but Quantity says %d", cJSON_GetArraySize(arr), quantity);
            free(ip);
        } else {
            *items = arr;
            *n = quantity;
        }
    } else if (ok && quantity > 0) {
        char *ip = od_json_key_path(p, "Items");
        ok = od_json_fail(c, ip, "missing, but Quantity is %d", quantity);
        free(ip);
    }
    free(p);
    return ok;
}

/* Items of a list that must all be non-empty strings. */
static bool get_string_items(od_json_reader *c, const cJSON *obj, const char *key, const char *path, bool required,
                             od_strlist *out)
{
    const cJSON *items;
    int n;
    if (!get_list(c, obj, key, path, required, &items, &n))
        return false;
    char *p = od_json_key_path(path, key);
    char *ip = od_json_key_path(p, "Items");
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
        const cJSON *v = cJSON_GetArrayItem(items, i);
        char *ep = od_json_index_path(ip, (size_t)i);
        ok = od_json_check(c, v, ep, OD_JSON_STRING, OD_JSON_NONEMPTY);
        free(ep);
        if (ok)
            od_strlist_add(out, v->valuestring);
    }
    free(ip);
    free(p);
    return ok;
}

/* ---- managed policy table ------------------------------------------------ */

static bool load_policy_array(od_json_reader *c, const cJSON *root, const char *key, od_managed_policy **out, size_t *n)
{
    const cJSON *arr = od_json_get(c, root, "", key, OD_JSON_ARRAY, 0);
    if (!arr)
        return false;
    size_t count = (size_t)cJSON_GetArraySize(arr);
    *out = count ? od_xcalloc(count, sizeof **out) : NULL;
    *n = 0;
    for (size_t i = 0; i < count; i++) {
        const cJSON *it = cJSON_GetArrayItem(arr, (int)i);
        char *p = od_json_index_path(key, i);
        const char *id = NULL, *name = NULL;
        bool includes_host = false;
        bool ok = od_json_check(c, it, p, OD_JSON_OBJECT, 0) && get_string(c, it, "id", p, true, false, &id) &&
                  get_string(c, it, "name", p, true, false, &name) &&
                  od_json_get_bool(c, it, p, "includes_host", 0, &includes_host);
        free(p);
        if (!ok)
            return false;
        (*out)[i].id = od_ascii_lower(od_xstrdup(id));
        (*out)[i].name = od_xstrdup(name);
        (*out)[i].includes_host = includes_host;
        *n = i + 1;
    }
    return true;
}

char *od_managed_policies_load(const char *path, od_managed_policies *out)
{
    memset(out, 0, sizeof *out);
    char *epath = od_escape_str(path ? path : "(null)");
    size_t len = 0;
    char *text = path ? od_read_file(path, &len) : NULL;
    if (!text) {
        char *msg = od_xasprintf("%s: cannot read the managed policy table: %s", epath, od_strerror(errno ? errno : ENOENT, &(od_errbuf){0}));
        free(epath);
        return msg;
    }
    char *err = NULL;
    cJSON *root = od_json_parse(text, len, "the managed policies table (JSON)", &err);
    free(text);
    od_json_reader c = {0};
    if (root && !cJSON_IsObject(root))
        od_json_fail(&c, "", "expected a JSON object, found %s", od_json_type_name(root));
    const char *source = NULL, *checked = NULL;
    if (root && !c.error && get_string(&c, root, "source", "", true, false, &source) &&
        get_string(&c, root, "checked", "", true, false, &checked) &&
        load_policy_array(&c, root, "origin_request_policies", &out->origin_request, &out->n_origin_request) &&
        load_policy_array(&c, root, "cache_policies", &out->cache, &out->n_cache)) {
        out->source = od_xstrdup(source);
        out->checked = od_xstrdup(checked);
        out->path = od_xstrdup(path);
    }
    cJSON_Delete(root);
    if (!err && c.error)
        err = c.error;
    else
        free(c.error);
    if (err) {
        od_managed_policies_free(out);
        char *msg = od_xasprintf("%s: %s", epath, err);
        free(err);
        free(epath);
        return msg;
    }
    free(epath);
    return NULL;
}

static void free_policies(od_managed_policy *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].id);
        free(p[i].name);
    }
    free(p);
}

void od_managed_policies_free(od_managed_policies *p)
{
    if (!p)
        return;
    free_policies(p->origin_request, p->n_origin_request);
    free_policies(p->cache, p->n_cache);
    free(p->source);
    free(p->checked);
    free(p->path);
    memset(p, 0, sizeof *p);
}

static const od_managed_policy *find_policy(const od_managed_policy *list, size_t n, const char *id)
{
    for (size_t i = 0; id && i < n; i++)
        if (od_strcasecmp(list[i].id, id) == 0)
            return &list[i];
    return NULL;
}

const od_managed_policy *od_managed_origin_request_policy(const od_managed_policies *p, const char *id)
{
    return p ? find_policy(p->origin_request, p->n_origin_request, id) : NULL;
}

const od_managed_policy *od_managed_cache_policy(const od_managed_policies *p, const char *id)
{
    return p ? find_policy(p->cache, p->n_cache, id) : NULL;
}

/* ---- the distribution ---------------------------------------------------- */

const char *od_host_forwarding_name(od_host_forwarding h)
{
    switch (h) {
    case OD_HOST_FORWARDED:
        return "forwarded";
    case OD_HOST_UNKNOWN:
        return "unknown";
    case OD_HOST_NOT_FORWARDED:
        break;
    }
    return "not forwarded";
}

static void behavior_free(od_dist_behavior *b)
{
    free(b->path_pattern);
    free(b->reason);
    free(b->origin_request_policy_id);
    free(b->cache_policy_id);
    od_strlist_free(&b->unknown_policies);
}

static void behavior_copy(od_dist_behavior *dst, const od_dist_behavior *src)
{
    dst->path_pattern = od_xstrdup(src->path_pattern);
    dst->host = src->host;
    dst->reason = od_xstrdup(src->reason);
    dst->origin_request_policy_id = od_xstrdup(src->origin_request_policy_id);
    dst->cache_policy_id = od_xstrdup(src->cache_policy_id);
    od_strlist_copy(&dst->unknown_policies, &src->unknown_policies);
    dst->viewer_protocol_policy = src->viewer_protocol_policy;
}

static void origin_free(od_dist_origin *o)
{
    free(o->id);
    free(o->domain_name);
    free(o->skip_reason);
    free(o->origin_path);
    od_origin_headers_free(&o->headers, &o->n_headers);
    for (size_t i = 0; i < o->n_behaviors; i++)
        behavior_free(&o->behaviors[i]);
    free(o->behaviors);
}

void od_distconfig_free(od_dist_config *d)
{
    if (!d)
        return;
    free(d->distribution_id);
    free(d->domain_name);
    free(d->shape);
    od_strlist_free(&d->aliases);
    for (size_t i = 0; i < d->n_origins; i++)
        origin_free(&d->origins[i]);
    free(d->origins);
    memset(d, 0, sizeof *d);
}

/* One alternate domain name: a host name, or a wildcard "*.example.com". */
static bool check_alias(od_json_reader *c, const char *path, const char *alias)
{
    const char *name = alias;
    if (strncmp(alias, "*.", 2) == 0)
        name = alias + 2;
    char *m = od_validate_domain("alias", name);
    if (m) {
        od_json_fail(c, path, "%s", m);
        free(m);
        return false;
    }
    return true;
}

/* What CloudFront adds to its requests to this origin: OriginPath and
 * CustomHeaders, checked as the flags are. */
static bool parse_request_parts(od_json_reader *c, const cJSON *it, const char *p, od_dist_origin *o)
{
    const char *path;
    if (!get_string(c, it, "OriginPath", p, false, true, &path))
        return false;
    char *kp = od_json_key_path(p, "OriginPath");
    char *msg = path ? od_parse_origin_path(kp, path, &o->origin_path) : NULL;
    free(kp);
    if (msg) {
        od_json_fail(c, NULL, "%s", msg);
        free(msg);
        return false;
    }
    const cJSON *items;
    int n;
    if (!get_list(c, it, "CustomHeaders", p, false, &items, &n))
        return false;
    char *lp = od_json_key_path(p, "CustomHeaders.Items");
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
        const cJSON *h = cJSON_GetArrayItem(items, i);
        char *ep = od_json_index_path(lp, (size_t)i);
        const char *name = NULL, *value = NULL;
        ok = od_json_check(c, h, ep, OD_JSON_OBJECT, 0) && get_string(c, h, "HeaderName", ep, true, false, &name) &&
             od_json_get_string(c, h, ep, "HeaderValue", 0, &value);
        if (ok && (msg = od_check_origin_header(ep, name, value))) {
            ok = od_json_fail(c, NULL, "%s", msg);
            free(msg);
        }
        if (ok)
            od_origin_headers_add(&o->headers, &o->n_headers, name, value);
        free(ep);
    }
    free(lp);
    return ok;
}

static bool parse_origin(od_json_reader *c, const cJSON *it, const char *p, od_dist_origin *o)
{
    const char *id, *domain;
    if (!cJSON_IsObject(it))
        return od_json_fail(c, p, "expected an object (an origin), found %s", od_json_type_name(it));
    if (!get_string(c, it, "Id", p, true, false, &id) || !get_string(c, it, "DomainName", p, true, false, &domain))
        return false;
    o->id = od_xstrdup(id);
    o->domain_name = od_xstrdup(domain);
    if (!get_int(c, it, "ConnectionAttempts", p, false, 3, 1, 3, &o->connection_attempts) ||
        !get_int(c, it, "ConnectionTimeout", p, false, 10, 1, 10, &o->connection_timeout))
        return false;
    if (!parse_request_parts(c, it, p, o))
        return false;
    const cJSON *custom = od_json_get(c, it, p, "CustomOriginConfig", OD_JSON_OBJECT, need(false));
    if (c->error)
        return false;
    if (!custom) {
        if (cJSON_GetObjectItemCaseSensitive(it, "S3OriginConfig"))
            o->skip_reason = od_xstrdup("Amazon S3 origin (S3OriginConfig): CloudFront reaches S3 through AWS's own "
                                        "endpoints and certificates; origin-doctor diagnoses custom origins only");
        else if (cJSON_GetObjectItemCaseSensitive(it, "VpcOriginConfig"))
            o->skip_reason = od_xstrdup("VPC origin (VpcOriginConfig): reachable only from inside the VPC, not from "
                                        "this machine; origin-doctor diagnoses custom origins only");
        else
            o->skip_reason = od_xstrdup("no CustomOriginConfig: not a custom origin, so there is nothing to diagnose");
        return true;
    }
    o->is_custom = true;
    char *cp = od_json_key_path(p, "CustomOriginConfig");
    bool ok = false;
    const char *policy = NULL;
    od_strlist protos;
    od_strlist_init(&protos);
    do {
        if (!get_int(c, custom, "HTTPPort", cp, true, 80, 0, 65535, &o->http_port) ||
            !get_int(c, custom, "HTTPSPort", cp, true, 443, 0, 65535, &o->https_port))
            break;
        const char *keys[2] = {"HTTPPort", "HTTPSPort"};
        int ports[2] = {o->http_port, o->https_port};
        bool ports_ok = true;
        for (int i = 0; i < 2 && ports_ok; i++)
            if (!(ports[i] == 80 || ports[i] == 443 || (ports[i] >= 1024 && ports[i] <= 65535))) {
                char *kp = od_json_key_path(cp, keys[i]);
                char *id_q = od_quote(id);
                ports_ok = od_json_fail(c, kp, "%d is not a port CloudFront can use for origin %s: allowed are 80, 443 and "
                                       "1024-65535",
                                ports[i], id_q);
                free(id_q);
                free(kp);
            }
        if (!ports_ok)
            break;
        if (!get_string(c, custom, "OriginProtocolPolicy", cp, true, false, &policy))
            break;
        static const struct {
            const char *name;
            od_protocol_policy value;
        } policies[] = {{"https-only", OD_POLICY_HTTPS_ONLY},
                        {"http-only", OD_POLICY_HTTP_ONLY},
                        {"match-viewer", OD_POLICY_MATCH_VIEWER}};
        bool found = false;
        for (size_t i = 0; i < 3 && !found; i++)
            if (strcmp(policy, policies[i].name) == 0) {
                o->protocol_policy = policies[i].value;
                found = true;
            }
        if (!found) {
            not_one_of(c, cp, "OriginProtocolPolicy", policy, "http-only, https-only, match-viewer");
            break;
        }
        if (!get_string_items(c, custom, "OriginSslProtocols", cp, true, &protos))
            break;
        bool protos_ok = true;
        for (size_t i = 0; i < protos.len && protos_ok; i++) {
            unsigned bit = 0;
            /* OriginSslProtocols has no TLSv1.3. */
            if (!od_proto_parse(protos.items[i], &bit) || bit == OD_PROTO_TLS13) {
                char *lp = od_json_key_path(cp, "OriginSslProtocols.Items");
                char *ep = od_json_index_path(lp, i);
                char *q = od_quote(protos.items[i]);
                protos_ok = od_json_fail(c, ep, "%s is not one of SSLv3, TLSv1, TLSv1.1, TLSv1.2", q);
                free(q);
                free(ep);
                free(lp);
            }
            o->ssl_protocols |= bit;
        }
        if (!protos_ok)
            break;
        if (!o->ssl_protocols) {
            char *lp = od_json_key_path(cp, "OriginSslProtocols");
            od_json_fail(c, lp, "lists no protocol: CloudFront needs at least one of SSLv3, TLSv1, TLSv1.1, TLSv1.2");
            free(lp);
            break;
        }
        if (!get_int(c, custom, "OriginReadTimeout", cp, false, 30, 1, 3600, &o->read_timeout))
            break;
        const cJSON *mtls = od_json_get(c, custom, cp, "OriginMtlsConfig", OD_JSON_OBJECT, need(false));
        if (c->error)
            break;
        o->origin_mtls = mtls != NULL;
        const char *ip_type = NULL;
        if (!get_string(c, custom, "IpAddressType", cp, false, false, &ip_type))
            break;
        char *ip_err = ip_type ? od_parse_ip_address_type(ip_type, &o->ip_address_type) : NULL;
        bool ip_bad = ip_err != NULL;
        free(ip_err);
        if (ip_bad) {
            not_one_of(c, cp, "IpAddressType", ip_type, "ipv4, ipv6, dualstack");
            break;
        }
        int keepalive;
        if (!get_int(c, custom, "OriginKeepaliveTimeout", cp, false, 5, 1, 3600, &keepalive))
            break;
        ok = true;
    } while (0);
    od_strlist_free(&protos);
    free(cp);
    return ok;
}

/* Where a behavior sends its requests: origin indexes (an origin group
 * sends to each member). */
typedef struct {
    char *id;
    size_t *members;
    size_t n_members;
} origin_group;

static ssize_t origin_index(const od_dist_config *d, const char *id)
{
    for (size_t i = 0; i < d->n_origins; i++)
        if (strcmp(d->origins[i].id, id) == 0)
            return (ssize_t)i;
    return -1;
}

static void describe_policy(od_buf *b, const char *kind, const od_managed_policy *m, const char *id)
{
    char *eid = od_escape_str(id);
    if (b->len)
        od_buf_puts(b, "; ");
    if (m)
        od_buf_printf(b, "managed %s %s (%s) %s Host", kind, m->name, eid,
                      m->includes_host ? "includes" : "does not include");
    else
        od_buf_printf(b, "custom %s %s: the file does not say whether it includes Host (ask)", kind, eid);
    free(eid);
}

/* Decides whether Host reaches the origin for one behavior. */
static bool analyse_behavior(od_json_reader *c, const cJSON *beh, const char *p, const char *pattern,
                             const od_managed_policies *policies, od_dist_behavior *out)
{
    out->path_pattern = od_xstrdup(pattern);
    od_strlist_init(&out->unknown_policies);
    const char *orp = NULL, *cp = NULL;
    if (!get_string(c, beh, "OriginRequestPolicyId", p, false, true, &orp) ||
        !get_string(c, beh, "CachePolicyId", p, false, true, &cp))
        return false;
    const cJSON *fv = od_json_get(c, beh, p, "ForwardedValues", OD_JSON_OBJECT, need(false));
    if (c->error)
        return false;
    out->origin_request_policy_id = od_xstrdup(orp);
    out->cache_policy_id = od_xstrdup(cp);
    const char *vpp = NULL;
    if (!get_string(c, beh, "ViewerProtocolPolicy", p, false, false, &vpp))
        return false;
    if (vpp) {
        char *m = od_parse_viewer_policy(vpp, &out->viewer_protocol_policy);
        bool bad = m != NULL;
        free(m);
        if (bad)
            return not_one_of(c, p, "ViewerProtocolPolicy", vpp, "allow-all, redirect-to-https, https-only");
    }

    od_buf yes, no, unknown;
    od_buf_init(&yes);
    od_buf_init(&no);
    od_buf_init(&unknown);
    bool ok = true;
    if (fv) {
        od_strlist headers;
        od_strlist_init(&headers);
        char *fp = od_json_key_path(p, "ForwardedValues");
        ok = get_string_items(c, fv, "Headers", fp, false, &headers);
        free(fp);
        if (ok) {
            if (od_strlist_contains_ci(&headers, "Host"))
                od_buf_puts(&yes, "legacy ForwardedValues.Headers includes Host");
            else if (od_strlist_contains(&headers, "*"))
                od_buf_puts(&yes, "legacy ForwardedValues.Headers is * (all headers, Host among them)");
            else
                od_buf_puts(&no, "legacy ForwardedValues.Headers does not include Host");
        }
        od_strlist_free(&headers);
    }
    if (ok && orp) {
        const od_managed_policy *m = od_managed_origin_request_policy(policies, orp);
        describe_policy(m ? (m->includes_host ? &yes : &no) : &unknown, "origin request policy", m, orp);
        if (!m)
            od_strlist_add(&out->unknown_policies, orp);
    }
    if (ok && cp) {
        const od_managed_policy *m = od_managed_cache_policy(policies, cp);
        describe_policy(m ? (m->includes_host ? &yes : &no) : &unknown, "cache policy", m, cp);
        if (!m && !od_strlist_contains(&out->unknown_policies, cp))
            od_strlist_add(&out->unknown_policies, cp);
    }
    if (ok) {
        if (yes.len) {
            out->host = OD_HOST_FORWARDED;
            out->reason = od_buf_steal(&yes);
            /* A known source already forwards Host: the custom policy cannot undo it. */
            od_strlist_free(&out->unknown_policies);
            od_strlist_init(&out->unknown_policies);
        } else if (unknown.len) {
            out->host = OD_HOST_UNKNOWN;
            if (no.len) {
                od_buf_puts(&unknown, "; ");
                od_buf_append(&unknown, no.data, no.len);
            }
            out->reason = od_buf_steal(&unknown);
        } else if (no.len) {
            out->host = OD_HOST_NOT_FORWARDED;
            out->reason = od_buf_steal(&no);
        } else {
            out->host = OD_HOST_NOT_FORWARDED;
            out->reason = od_xstrdup("no ForwardedValues, cache policy or origin request policy: CloudFront sends "
                                     "the origin domain as Host");
        }
    }
    od_buf_free(&yes);
    od_buf_free(&no);
    od_buf_free(&unknown);
    return ok;
}

static void origin_add_behavior(od_dist_origin *o, const od_dist_behavior *b, const char *group)
{
    o->behaviors = od_xrealloc(o->behaviors, (o->n_behaviors + 1) * sizeof *o->behaviors);
    od_dist_behavior *nb = &o->behaviors[o->n_behaviors++];
    memset(nb, 0, sizeof *nb);
    behavior_copy(nb, b);
    if (group) {
        char *eg = od_escape_str(group);
        char *r = od_xasprintf("%s (through origin group \"%s\")", nb->reason, eg);
        free(eg);
        free(nb->reason);
        nb->reason = r;
    }
}

/* Parses one behavior and attaches it to the origins it targets. */
static bool attach_behavior(od_json_reader *c, od_dist_config *d, const origin_group *groups, size_t n_groups,
                            const cJSON *beh, const char *p, const char *pattern,
                            const od_managed_policies *policies)
{
    const char *target;
    if (!cJSON_IsObject(beh))
        return od_json_fail(c, p, "expected an object (a cache behavior), found %s", od_json_type_name(beh));
    if (!get_string(c, beh, "TargetOriginId", p, true, false, &target))
        return false;
    od_dist_behavior b;
    memset(&b, 0, sizeof b);
    bool ok = analyse_behavior(c, beh, p, pattern, policies, &b);
    if (ok) {
        ssize_t idx = origin_index(d, target);
        const origin_group *g = NULL;
        for (size_t i = 0; idx < 0 && i < n_groups; i++)
            if (strcmp(groups[i].id, target) == 0)
                g = &groups[i];
        if (idx >= 0) {
            origin_add_behavior(&d->origins[idx], &b, NULL);
        } else if (g) {
            for (size_t i = 0; i < g->n_members; i++)
                origin_add_behavior(&d->origins[g->members[i]], &b, g->id);
        } else {
            char *tp = od_json_key_path(p, "TargetOriginId");
            char *q = od_quote(target);
            od_buf known;
            od_buf_init(&known);
            for (size_t i = 0; i < d->n_origins; i++) {
                char *e = od_quote(d->origins[i].id);
                od_buf_printf(&known, "%s%s", i ? ", " : "", e);
                free(e);
            }
            ok = od_json_fail(c, tp, "%s names no origin or origin group of this distribution (origins: %s)", q, known.data);
            od_buf_free(&known);
            free(q);
            free(tp);
        }
    }
    behavior_free(&b);
    return ok;
}

static bool parse_groups(od_json_reader *c, const cJSON *dc, const char *prefix, const od_dist_config *d,
                         origin_group **groups, size_t *n_groups)
{
    const cJSON *items;
    int n;
    *groups = NULL;
    *n_groups = 0;
    if (!get_list(c, dc, "OriginGroups", prefix, false, &items, &n))
        return false;
    if (n == 0)
        return true;
    char *gp = od_json_key_path(prefix, "OriginGroups.Items");
    *groups = od_xcalloc((size_t)n, sizeof **groups);
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
        const cJSON *g = cJSON_GetArrayItem(items, i);
        char *p = od_json_index_path(gp, (size_t)i);
        const char *id;
        const cJSON *members;
        int nm;
        if (!cJSON_IsObject(g))
            ok = od_json_fail(c, p, "expected an object (an origin group), found %s", od_json_type_name(g));
        else if (!get_string(c, g, "Id", p, true, false, &id) || !get_list(c, g, "Members", p, true, &members, &nm))
            ok = false;
        else {
            origin_group *og = &(*groups)[(*n_groups)++];
            og->id = od_xstrdup(id);
            og->members = nm ? od_xcalloc((size_t)nm, sizeof *og->members) : NULL;
            char *mp = od_json_key_path(p, "Members.Items");
            for (int k = 0; k < nm && ok; k++) {
                const cJSON *m = cJSON_GetArrayItem(members, k);
                char *ep = od_json_index_path(mp, (size_t)k);
                const char *oid;
                if (!cJSON_IsObject(m))
                    ok = od_json_fail(c, ep, "expected an object, found %s", od_json_type_name(m));
                else if (!get_string(c, m, "OriginId", ep, true, false, &oid))
                    ok = false;
                else {
                    ssize_t idx = origin_index(d, oid);
                    if (idx < 0) {
                        char *q = od_quote(oid);
                        char *op = od_json_key_path(ep, "OriginId");
                        ok = od_json_fail(c, op, "%s names no origin of this distribution", q);
                        free(op);
                        free(q);
                    } else {
                        og->members[og->n_members++] = (size_t)idx;
                    }
                }
                free(ep);
            }
            free(mp);
        }
        free(p);
    }
    free(gp);
    return ok;
}

static void free_groups(origin_group *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(g[i].id);
        free(g[i].members);
    }
    free(g);
}

static bool parse_config(od_json_reader *c, const cJSON *dc, const char *prefix, const od_managed_policies *policies,
                         od_dist_config *d)
{
    /* Aliases: the names viewers use. */
    od_strlist aliases;
    od_strlist_init(&aliases);
    if (!get_string_items(c, dc, "Aliases", prefix, false, &aliases)) {
        od_strlist_free(&aliases);
        return false;
    }
    char *ap = od_json_key_path(prefix, "Aliases.Items");
    for (size_t i = 0; i < aliases.len && !c->error; i++) {
        char *ep = od_json_index_path(ap, i);
        if (check_alias(c, ep, aliases.items[i]))
            od_strlist_add_owned(&d->aliases, od_ascii_lower(od_xstrdup(aliases.items[i])));
        free(ep);
    }
    free(ap);
    od_strlist_free(&aliases);
    if (c->error)
        return false;

    /* Origins. */
    const cJSON *items;
    int n;
    if (!get_list(c, dc, "Origins", prefix, true, &items, &n))
        return false;
    char *op = od_json_key_path(prefix, "Origins");
    if (n == 0) {
        od_json_fail(c, op, "lists no origin (Quantity 0): a distribution has at least one");
        free(op);
        return false;
    }
    char *oip = od_json_key_path(op, "Items");
    free(op);
    d->origins = od_xcalloc((size_t)n, sizeof *d->origins);
    for (int i = 0; i < n; i++) {
        char *p = od_json_index_path(oip, (size_t)i);
        bool ok = parse_origin(c, cJSON_GetArrayItem(items, i), p, &d->origins[i]);
        d->n_origins = (size_t)i + 1;
        if (ok && origin_index(d, d->origins[i].id) != i) {
            char *q = od_quote(d->origins[i].id);
            char *ip = od_json_key_path(p, "Id");
            od_json_fail(c, ip, "%s is used by two origins: origin Ids must be unique", q);
            free(ip);
            free(q);
            ok = false;
        }
        free(p);
        if (!ok) {
            free(oip);
            return false;
        }
    }
    free(oip);

    origin_group *groups;
    size_t n_groups;
    bool ok = parse_groups(c, dc, prefix, d, &groups, &n_groups);

    /* Behaviors: the default one, then each path pattern. */
    const cJSON *def = ok ? od_json_get(c, dc, prefix, "DefaultCacheBehavior", OD_JSON_OBJECT, need(true)) : NULL;
    if (!def)
        ok = false;
    if (ok) {
        char *p = od_json_key_path(prefix, "DefaultCacheBehavior");
        ok = attach_behavior(c, d, groups, n_groups, def, p, "default", policies);
        free(p);
    }
    if (ok)
        ok = get_list(c, dc, "CacheBehaviors", prefix, false, &items, &n);
    if (ok) {
        char *bp = od_json_key_path(prefix, "CacheBehaviors.Items");
        for (int i = 0; i < n && ok; i++) {
            const cJSON *beh = cJSON_GetArrayItem(items, i);
            char *p = od_json_index_path(bp, (size_t)i);
            const char *pattern = NULL;
            if (!cJSON_IsObject(beh))
                ok = od_json_fail(c, p, "expected an object (a cache behavior), found %s", od_json_type_name(beh));
            else if (!get_string(c, beh, "PathPattern", p, true, false, &pattern))
                ok = false;
            else
                ok = attach_behavior(c, d, groups, n_groups, beh, p, pattern, policies);
            free(p);
        }
        free(bp);
    }
    free_groups(groups, n_groups);
    return ok;
}

/* Id and DomainName of a Distribution (get-distribution) or of a
 * DistributionSummary (list-distributions); either may be absent. */
static bool parse_identity(od_json_reader *c, const cJSON *dist, const char *path, od_dist_config *out)
{
    const char *id = NULL, *domain = NULL;
    if (!get_string(c, dist, "Id", path, false, true, &id) ||
        !get_string(c, dist, "DomainName", path, false, true, &domain))
        return false;
    out->distribution_id = od_xstrdup(id);
    if (domain) {
        char *field = od_json_key_path(path, "DomainName");
        char *m = od_validate_domain(field, domain);
        free(field);
        if (m) {
            od_json_fail(c, "", "%s", m);
            free(m);
            return false;
        }
        out->domain_name = od_ascii_lower(od_xstrdup(domain));
    }
    return true;
}

/* One distribution from its JSON object, of any accepted single shape. */
static void parse_root(od_json_reader *c, const cJSON *root, const od_managed_policies *policies, od_dist_config *out)
{
    const cJSON *dc = NULL;
    const char *prefix = "";
    if (!cJSON_IsObject(root)) {
        od_json_fail(c, "", "expected a JSON object (the output of aws cloudfront get-distribution-config), found %s",
             od_json_type_name(root));
    } else if (cJSON_GetObjectItemCaseSensitive(root, "DistributionConfig")) {
        out->shape = od_xstrdup("get-distribution-config");
        prefix = "DistributionConfig";
        dc = od_json_get(c, root, "", "DistributionConfig", OD_JSON_OBJECT, need(true));
    } else if (cJSON_GetObjectItemCaseSensitive(root, "Distribution")) {
        out->shape = od_xstrdup("get-distribution");
        prefix = "Distribution.DistributionConfig";
        const cJSON *dist = od_json_get(c, root, "", "Distribution", OD_JSON_OBJECT, need(true));
        if (dist && parse_identity(c, dist, "Distribution", out))
            dc = od_json_get(c, dist, "Distribution", "DistributionConfig", OD_JSON_OBJECT, need(true));
    } else if (cJSON_GetObjectItemCaseSensitive(root, "Origins") ||
               cJSON_GetObjectItemCaseSensitive(root, "DefaultCacheBehavior")) {
        out->shape = od_xstrdup("DistributionConfig");
        dc = root;
    } else {
        od_json_fail(c, "", "not a CloudFront distribution config: the object has none of DistributionConfig "
                    "(get-distribution-config), Distribution (get-distribution) or Origins (a bare "
                    "DistributionConfig)");
    }
    if (dc && !c->error)
        parse_config(c, dc, prefix, policies, out);
}

char *od_distconfig_parse(const char *text, size_t len, const od_managed_policies *policies, od_dist_config *out)
{
    memset(out, 0, sizeof *out);
    od_strlist_init(&out->aliases);
    char *err = NULL;
    cJSON *root = od_json_parse(text ? text : "", text ? len : 0, DISTCONFIG_EXPECTED, &err);
    if (!root)
        return err;
    od_json_reader c = {0};
    parse_root(&c, root, policies, out);
    cJSON_Delete(root);
    if (c.error) {
        od_distconfig_free(out);
        return c.error;
    }
    return NULL;
}

/* ---- many distributions in one file ------------------------------------- */

static od_dist_entry *set_add(od_dist_set *s)
{
    s->items = od_xrealloc(s->items, (s->n + 1) * sizeof *s->items);
    od_dist_entry *e = &s->items[s->n++];
    memset(e, 0, sizeof *e);
    od_strlist_init(&e->config.aliases);
    return e;
}

/* One DistributionSummary of list-distributions: a DistributionConfig's
 * keys beside Id and DomainName. A problem stays with this entry. */
static void parse_summary(const cJSON *item, const char *path, const od_managed_policies *policies,
                          od_dist_entry *e)
{
    od_json_reader c = {0};
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "Id");
    if (cJSON_IsString(id) && id->valuestring && *id->valuestring)
        e->entry_id = od_escape_str(id->valuestring);
    if (!cJSON_IsObject(item))
        od_json_fail(&c, path, "expected an object (a distribution), found %s", od_json_type_name(item));
    else if (parse_identity(&c, item, path, &e->config))
        parse_config(&c, item, path, policies, &e->config);
    if (c.error) {
        od_distconfig_free(&e->config);
        e->error = e->entry_id ? od_xasprintf("distribution %s: %s", e->entry_id, c.error)
                               : od_xasprintf("distribution without an Id: %s", c.error);
        free(c.error);
        return;
    }
    e->config.shape = od_xstrdup("list-distributions");
}

char *od_distconfig_parse_set(const char *text, size_t len, const od_managed_policies *policies, od_dist_set *out)
{
    memset(out, 0, sizeof *out);
    char *err = NULL;
    cJSON *root = od_json_parse(text ? text : "", text ? len : 0, DISTCONFIG_EXPECTED " or list-distributions",
                                &err);
    if (!root)
        return err;
    /* list-distributions prints {"DistributionList": {"Items": [...]}};
     * with --query DistributionList.Items it is the bare array. */
    const cJSON *list = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "DistributionList") : NULL;
    const cJSON *items = NULL;
    const char *prefix = "DistributionList.Items";
    if (cJSON_IsArray(root)) {
        items = root;
        prefix = "";
    } else if (list) {
        items = cJSON_IsObject(list) ? cJSON_GetObjectItemCaseSensitive(list, "Items") : NULL;
        if (!cJSON_IsObject(list)) {
            err = od_xasprintf("DistributionList: expected an object, found %s", od_json_type_name(list));
        } else if (items && !cJSON_IsArray(items)) {
            err = od_xasprintf("DistributionList.Items: expected an array, found %s", od_json_type_name(items));
        }
    }
    if (err) {
        cJSON_Delete(root);
        return err;
    }
    if (items || list) {
        out->shape = od_xstrdup("list-distributions");
        size_t i = 0;
        for (const cJSON *it = items ? items->child : NULL; it; it = it->next, i++) {
            char *p = *prefix ? od_xasprintf("%s[%zu]", prefix, i) : od_xasprintf("[%zu]", i);
            parse_summary(it, p, policies, set_add(out));
            free(p);
        }
    } else {
        od_dist_entry *e = set_add(out);
        od_json_reader c = {0};
        parse_root(&c, root, policies, &e->config);
        out->shape = od_xstrdup(e->config.shape ? e->config.shape : "DistributionConfig");
        e->entry_id = od_escape_str(e->config.distribution_id);
        if (c.error) {
            od_distconfig_free(&e->config);
            e->error = c.error;
        }
    }
    cJSON_Delete(root);
    return NULL;
}

void od_dist_set_free(od_dist_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        od_distconfig_free(&s->items[i].config);
        free(s->items[i].error);
        free(s->items[i].entry_id);
    }
    free(s->items);
    free(s->shape);
    memset(s, 0, sizeof *s);
}

/* Reads a whole config file, at most max bytes; NULL or a message. */
static char *read_config_file(const char *path, size_t max, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    char *epath = od_escape_str(path ? path : "(null)");
    char *msg = NULL;
    struct stat st;
    if (!path || stat(path, &st) != 0) {
        msg = od_xasprintf("%s: cannot read the distribution config: %s", epath, od_strerror(path ? errno : ENOENT, &(od_errbuf){0}));
    } else if (S_ISDIR(st.st_mode)) {
        msg = od_xasprintf("%s: is a directory, not a distribution config file", epath);
    } else if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
        msg = od_xasprintf("%s: %lld bytes is too large for a distribution config (at most %zu)", epath,
                           (long long)st.st_size, max);
    } else if (!(*text = od_read_file(path, len))) {
        msg = od_xasprintf("%s: cannot read the distribution config: %s", epath, od_strerror(errno, &(od_errbuf){0}));
    } else if (*len > max) {
        msg = od_xasprintf("%s: too large for a distribution config (at most %zu bytes)", epath, max);
        free(*text);
        *text = NULL;
    }
    free(epath);
    return msg;
}

/* A parser's message (taken), starting with the file name; NULL stays NULL. */
static char *with_path(const char *path, char *err)
{
    if (!err)
        return NULL;
    char *epath = od_escape_str(path);
    char *msg = od_xasprintf("%s: %s", epath, err);
    free(epath);
    free(err);
    return msg;
}

char *od_distconfig_load_set(const char *path, const od_managed_policies *policies, od_dist_set *out)
{
    memset(out, 0, sizeof *out);
    char *text;
    size_t len;
    char *msg = read_config_file(path, MAX_LIST_BYTES, &text, &len);
    if (!msg)
        msg = with_path(path, od_distconfig_parse_set(text, len, policies, out));
    free(text);
    return msg;
}

char *od_distconfig_load(const char *path, const od_managed_policies *policies, od_dist_config *out)
{
    memset(out, 0, sizeof *out);
    od_strlist_init(&out->aliases);
    char *text;
    size_t len;
    char *msg = read_config_file(path, MAX_FILE_BYTES, &text, &len);
    if (!msg)
        msg = with_path(path, od_distconfig_parse(text, len, policies, out));
    free(text);
    return msg;
}

const od_dist_origin *od_distconfig_find_origin(const od_dist_config *d, const char *id)
{
    for (size_t i = 0; d && id && i < d->n_origins; i++)
        if (strcmp(d->origins[i].id, id) == 0)
            return &d->origins[i];
    return NULL;
}

size_t od_distconfig_count_custom(const od_dist_config *d)
{
    size_t n = 0;
    for (size_t i = 0; d && i < d->n_origins; i++)
        n += d->origins[i].is_custom;
    return n;
}

const od_dist_origin *od_distconfig_default_origin(const od_dist_config *d)
{
    if (od_distconfig_count_custom(d) != 1)
        return NULL;
    for (size_t i = 0; i < d->n_origins; i++)
        if (d->origins[i].is_custom)
            return &d->origins[i];
    return NULL;
}

/* ---- from an origin to a Case ------------------------------------------- */

void od_host_answers_init(od_host_answers *a)
{
    od_strlist_init(&a->includes_host);
    od_strlist_init(&a->excludes_host);
}

void od_host_answers_free(od_host_answers *a)
{
    od_strlist_free(&a->includes_host);
    od_strlist_free(&a->excludes_host);
}

void od_dist_case_info_init(od_dist_case_info *i)
{
    i->mixed = false;
    od_strlist_init(&i->forwarding_behaviors);
    od_strlist_init(&i->origin_host_behaviors);
}

void od_dist_case_info_free(od_dist_case_info *i)
{
    od_strlist_free(&i->forwarding_behaviors);
    od_strlist_free(&i->origin_host_behaviors);
    i->mixed = false;
}

void od_distconfig_questions(const od_dist_origin *o, od_strlist *ids)
{
    for (size_t i = 0; o && i < o->n_behaviors; i++)
        for (size_t k = 0; k < o->behaviors[i].unknown_policies.len; k++)
            if (!od_strlist_contains_ci(ids, o->behaviors[i].unknown_policies.items[k]))
                od_strlist_add(ids, o->behaviors[i].unknown_policies.items[k]);
}

/* Where a behavior's requests go once the user's answers are applied:
 * bit 1 = carries the viewer's Host, bit 2 = carries the origin domain,
 * 0 = an unanswered custom policy. */
static unsigned behavior_sets(const od_dist_behavior *b, const od_host_answers *a)
{
    if (b->host == OD_HOST_FORWARDED)
        return 1;
    if (b->host == OD_HOST_NOT_FORWARDED)
        return 2;
    bool includes = false, unanswered = false, dunno = false;
    for (size_t i = 0; i < b->unknown_policies.len; i++) {
        const char *id = b->unknown_policies.items[i];
        bool in = a && od_strlist_contains_ci(&a->includes_host, id);
        bool ex = a && od_strlist_contains_ci(&a->excludes_host, id);
        if (in && ex)
            dunno = true;
        else if (in)
            includes = true;
        else if (!ex)
            unanswered = true;
    }
    if (includes)
        return 1;       /* one policy including Host is enough */
    if (unanswered)
        return 0;
    return dunno ? 3 : 2;
}

char *od_distconfig_case(const od_dist_config *d, const od_dist_origin *o, const od_host_answers *answers,
                         od_case *out, od_dist_case_info *info)
{
    if (!d || !o)
        return od_xasprintf("no origin chosen");
    char *qid = od_quote(o->id);
    if (!o->is_custom) {
        char *msg = od_xasprintf("origin %s cannot be diagnosed: %s", qid, o->skip_reason ? o->skip_reason : "");
        free(qid);
        return msg;
    }
    char *field = od_xasprintf("origin %s DomainName", qid);
    char *msg = od_validate_domain(field, o->domain_name);
    free(field);
    if (msg) {
        free(qid);
        return msg;
    }

    od_strlist fwd, orig, missing;
    od_strlist_init(&fwd);
    od_strlist_init(&orig);
    od_strlist_init(&missing);
    od_buf missing_behaviors;
    od_buf_init(&missing_behaviors);
    for (size_t i = 0; i < o->n_behaviors; i++) {
        const od_dist_behavior *b = &o->behaviors[i];
        unsigned sets = behavior_sets(b, answers);
        if (sets & 1)
            od_strlist_add(&fwd, b->path_pattern);
        if (sets & 2)
            od_strlist_add(&orig, b->path_pattern);
        if (sets == 0) {
            char *ep = od_escape_str(b->path_pattern);
            od_buf_printf(&missing_behaviors, "%s%s", missing_behaviors.len ? ", " : "", ep);
            free(ep);
            for (size_t k = 0; k < b->unknown_policies.len; k++) {
                const char *id = b->unknown_policies.items[k];
                bool in = answers && od_strlist_contains_ci(&answers->includes_host, id);
                bool ex = answers && od_strlist_contains_ci(&answers->excludes_host, id);
                if (!in && !ex && !od_strlist_contains_ci(&missing, id))
                    od_strlist_add(&missing, id);
            }
        }
    }
    if (missing.len) {
        od_buf q;
        od_buf_init(&q);
        od_buf_printf(&q, "origin %s: whether the viewer's Host header reaches it (behaviors: %s) depends on ", qid,
                      missing_behaviors.data);
        for (size_t i = 0; i < missing.len; i++) {
            bool is_orp = false;
            for (size_t k = 0; k < o->n_behaviors && !is_orp; k++)
                is_orp = o->behaviors[k].origin_request_policy_id &&
                         od_strcasecmp(o->behaviors[k].origin_request_policy_id, missing.items[i]) == 0;
            char *eid = od_escape_str(missing.items[i]);
            od_buf_printf(&q, "%scustom %s %s (see: aws cloudfront %s --id %s)", i ? ", " : "",
                          is_orp ? "origin request policy" : "cache policy", eid,
                          is_orp ? "get-origin-request-policy" : "get-cache-policy", eid);
            free(eid);
        }
        od_buf_puts(&q, ". The configuration does not say which headers a custom policy includes: answer whether "
                        "each includes Host");
        msg = od_buf_steal(&q);
    }
    bool forwarded = fwd.len > 0;
    if (!msg && forwarded && d->aliases.len == 0 && !d->domain_name && !out->distribution_domain && !out->cnames.len) {
        msg = od_xasprintf("origin %s: the viewer's Host header is forwarded but the distribution has no Aliases, so "
                           "viewers use its *.cloudfront.net name, which this file does not hold (aws cloudfront "
                           "get-distribution prints it): give it with --distribution-domain (or as a CNAME, --cname)",
                           qid);
    }
    free(qid);
    od_buf_free(&missing_behaviors);
    od_strlist_free(&missing);
    if (msg) {
        od_strlist_free(&fwd);
        od_strlist_free(&orig);
        return msg;
    }

    free(out->origin_domain);
    out->origin_domain = od_ascii_lower(od_xstrdup(o->domain_name));
    size_t dl = strlen(out->origin_domain);
    if (dl > 1 && out->origin_domain[dl - 1] == '.')
        out->origin_domain[dl - 1] = '\0';
    od_strlist_free(&out->cnames);
    od_strlist_copy(&out->cnames, &d->aliases);
    if (d->domain_name) {
        /* viewers may use it as Host: od_case_expected_names checks it */
        free(out->distribution_domain);
        out->distribution_domain = od_ascii_lower(od_xstrdup(d->domain_name));
    }
    free(out->origin_path);
    out->origin_path = od_xstrdup(o->origin_path);
    od_case_clear_origin_headers(out);
    for (size_t i = 0; i < o->n_headers; i++)
        od_case_add_origin_header(out, o->headers[i].name, o->headers[i].value);
    out->http_port = o->http_port;
    out->https_port = o->https_port;
    out->protocol_policy = o->protocol_policy;
    /* The most permissive behavior decides whether HTTP can reach the origin. */
    out->viewer_protocol_policy = o->n_behaviors ? OD_VIEWER_HTTPS_ONLY : OD_VIEWER_ALLOW_ALL;
    for (size_t i = 0; i < o->n_behaviors; i++)
        if (o->behaviors[i].viewer_protocol_policy < out->viewer_protocol_policy)
            out->viewer_protocol_policy = o->behaviors[i].viewer_protocol_policy;
    out->origin_ssl_protocols = o->ssl_protocols;
    out->origin_mtls = o->origin_mtls;
    out->ip_address_type = o->ip_address_type;
    out->timeout_s = o->connection_timeout;
    out->response_timeout_s = o->read_timeout;
    out->forward_host_header = forwarded;
    /* Behaviors that disagree: one case checks both name sets. */
    bool mixed = fwd.len > 0 && orig.len > 0;
    out->also_origin_domain = mixed;
    od_strlist_free(&out->behaviors_forwarding_host);
    od_strlist_free(&out->behaviors_origin_host);
    if (mixed) {
        od_strlist_copy(&out->behaviors_forwarding_host, &fwd);
        od_strlist_copy(&out->behaviors_origin_host, &orig);
    }
    if (info) {
        od_dist_case_info_free(info);
        info->mixed = mixed;
        info->forwarding_behaviors = fwd;
        info->origin_host_behaviors = orig;
    } else {
        od_strlist_free(&fwd);
        od_strlist_free(&orig);
    }
    return NULL;
}
