/* The JSON report (contract in design.md, schema origin-doctor/report/1):
 * writing, and reading back with strict validation so a reopened report
 * renders exactly as a fresh run. */
#include "od_report.h"
#include "od_json.h"
#include "od_report_internal.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#ifndef OD_VERSION
#define OD_VERSION "unknown"
#endif

#define MAX_JSON_INT 9007199254740992.0 /* 2^53: integers a double holds exactly */

/* ------------------------------------------------------------------ */
/* writing                                                              */


static cJSON *chk(cJSON *item)
{
    if (!item)
        od_oom();
    return item;
}

static void add(cJSON *obj, const char *key, cJSON *item)
{
    if (!cJSON_AddItemToObject(obj, key, chk(item)))
        od_oom();
}

static void push(cJSON *arr, cJSON *item)
{
    if (!cJSON_AddItemToArray(arr, chk(item)))
        od_oom();
}

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static void add_str(cJSON *obj, const char *key, const char *s)
{
    add(obj, key, str_or_null(s));
}

static void add_num(cJSON *obj, const char *key, double v)
{
    add(obj, key, cJSON_CreateNumber(v));
}

static void add_bool(cJSON *obj, const char *key, bool v)
{
    add(obj, key, cJSON_CreateBool(v));
}

static void add_tri(cJSON *obj, const char *key, od_tri t)
{
    add(obj, key, t == OD_TRI_UNTESTED ? cJSON_CreateNull() : cJSON_CreateBool(t == OD_TRI_YES));
}

static void add_strlist(cJSON *obj, const char *key, const od_strlist *l)
{
    cJSON *arr = chk(cJSON_CreateArray());
    for (size_t i = 0; i < l->len; i++)
        push(arr, cJSON_CreateString(l->items[i] ? l->items[i] : ""));
    add(obj, key, arr);
}

static void add_sizes(cJSON *obj, const char *key, const size_t *v, size_t n)
{
    cJSON *arr = chk(cJSON_CreateArray());
    for (size_t i = 0; i < n; i++)
        push(arr, cJSON_CreateNumber((double)v[i]));
    add(obj, key, arr);
}

static cJSON *input_to_json(const od_case *c)
{
    cJSON *in = chk(cJSON_CreateObject());
    add_str(in, "origin_domain", c->origin_domain ? c->origin_domain : "");
    add_bool(in, "forward_host_header", c->forward_host_header);
    add_strlist(in, "cnames", &c->cnames);
    if (c->also_origin_domain || c->behaviors_forwarding_host.len || c->behaviors_origin_host.len) {
        add_bool(in, "also_origin_domain", c->also_origin_domain);
        add_strlist(in, "behaviors_forwarding_host", &c->behaviors_forwarding_host);
        add_strlist(in, "behaviors_origin_host", &c->behaviors_origin_host);
    }
    add_num(in, "http_port", c->http_port);
    add_num(in, "https_port", c->https_port);
    add_str(in, "protocol_policy", od_protocol_policy_name(c->protocol_policy));
    add_str(in, "viewer_protocol_policy", od_viewer_policy_name(c->viewer_protocol_policy));
    add_bool(in, "origin_mtls", c->origin_mtls);
    add_str(in, "client_cert", c->client_cert);
    add_str(in, "client_key", c->client_key);
    add_str(in, "ip_address_type", od_ip_address_type_name(c->ip_address_type));
    cJSON *protos = chk(cJSON_CreateArray());
    for (unsigned bit = OD_PROTO_SSLV3; bit <= OD_PROTO_TLS13; bit <<= 1)
        if (c->origin_ssl_protocols & bit)
            push(protos, cJSON_CreateString(od_proto_name(bit)));
    add(in, "origin_ssl_protocols", protos);
    cJSON *res = chk(cJSON_CreateArray());
    for (size_t i = 0; i < c->n_resolve; i++) {
        const od_resolve *r = &c->resolve[i];
        char *s = od_xasprintf("%s:%d:%s", r->host ? r->host : "", r->port, r->address ? r->address : "");
        push(res, cJSON_CreateString(s));
        free(s);
    }
    add(in, "resolve", res);
    add_str(in, "trust_store", c->trust_store);
    add_num(in, "timeout", c->timeout_s);
    add_num(in, "response_timeout", c->response_timeout_s);
    add_num(in, "concurrency", c->concurrency);
    add_bool(in, "http_get", c->http_get);
    add_str(in, "origin_path", c->origin_path);
    add_str(in, "path", c->request_path ? c->request_path : "/");
    /* The values too: this file re-runs the case (human reports mask them). */
    cJSON *hdrs = chk(cJSON_CreateArray());
    for (size_t i = 0; i < c->n_origin_headers; i++) {
        cJSON *h = chk(cJSON_CreateObject());
        add_str(h, "name", c->origin_headers[i].name);
        add_str(h, "value", c->origin_headers[i].value);
        push(hdrs, h);
    }
    add(in, "origin_headers", hdrs);
    add_str(in, "distribution_domain", c->distribution_domain);
    return in;
}

static cJSON *finding_to_json(const od_finding *f)
{
    cJSON *o = chk(cJSON_CreateObject());
    add_str(o, "id", f->id ? f->id : "");
    add_str(o, "severity", od_severity_name(f->severity));
    add_str(o, "title", f->title);
    add_str(o, "detail", f->detail);
    add_strlist(o, "names", &f->names);
    add(o, "evidence", f->evidence && cJSON_IsObject(f->evidence) ? cJSON_Duplicate(f->evidence, 1)
                                                                  : cJSON_CreateObject());
    add_strlist(o, "fix", &f->fix);
    add_str(o, "reproduce", f->reproduce);
    if (f->severity == OD_SEV_FAIL)
        add(o, "cloudfront_status", f->cloudfront_status ? cJSON_CreateNumber(f->cloudfront_status) : cJSON_CreateNull());
    return o;
}

static cJSON *facts_to_json(const od_chain_facts *f)
{
    cJSON *o = chk(cJSON_CreateObject());
    add_bool(o, "analysed", f->analysed);
    add_sizes(o, "path", f->path, f->path_len < OD_CHAIN_MAX ? f->path_len : OD_CHAIN_MAX);
    add_bool(o, "order_ok", f->order_ok);
    add_bool(o, "leaf_self_signed", f->leaf_self_signed);
    add_bool(o, "issuer_missing", f->issuer_missing);
    add_str(o, "missing_issuer_dn", f->missing_issuer_dn);
    add_str(o, "missing_issuer_akid", f->missing_issuer_akid);
    add_num(o, "missing_after", (double)f->missing_after);
    add_bool(o, "ends_at_trust_anchor", f->ends_at_trust_anchor);
    add_str(o, "trust_anchor_subject", f->trust_anchor_subject);
    add_bool(o, "ends_at_untrusted_root", f->ends_at_untrusted_root);
    add_bool(o, "root_included", f->root_included);
    add_num(o, "root_position", (double)f->root_position);
    add_sizes(o, "extra", f->extra, f->n_extra < OD_CHAIN_MAX ? f->n_extra : OD_CHAIN_MAX);
    return o;
}

/* Writing each field kind of the lists in od_obs.h ("fields listed
 * once"): PUT_kind(JSON object, key, struct pointer, field, limit). */
#define PUT_STR(o, key, s, name, limit) add_str(o, key, (s)->name);
#define PUT_NSTR(o, key, s, name, limit) add_str(o, key, (s)->name);
#define PUT_LIST(o, key, s, name, limit) add_strlist(o, key, &(s)->name);
#define PUT_OLIST(o, key, s, name, limit) add_strlist(o, key, &(s)->name);
#define PUT_BOOL(o, key, s, name, limit) add_bool(o, key, (s)->name);
#define PUT_OBOOL(o, key, s, name, limit) add_bool(o, key, (s)->name);
#define PUT_INT(o, key, s, name, limit) add_num(o, key, (s)->name);
#define PUT_TIME(o, key, s, name, limit) add_time(o, key, (s)->name);
#define PUT_MS(o, key, s, name, limit) add_num(o, key, (double)(s)->name);
#define PUT_COUNT(o, key, s, name, limit) add_num(o, key, (double)(s)->name);
#define PUT_ADDR(o, key, s, name, limit) add_str(o, key, (s)->name);
#define PUT_OUTCOME(o, key, s, name, limit) add_str(o, key, od_tls_outcome_name((s)->name));
#define PUT_ALERT(o, key, s, name, limit) \
    add(o, key, (s)->name >= 0 ? cJSON_CreateNumber((s)->name) : cJSON_CreateNull());
#define PUT_PURPOSE(o, key, s, name, limit) add_str(o, key, (s)->name ? "certificate" : "cloudfront");
#define PUT_CHAIN(o, key, s, name, limit) \
    add_sizes(o, key, (s)->name, (s)->name##_len < OD_CHAIN_MAX ? (s)->name##_len : OD_CHAIN_MAX);
#define PUT_FACTS(o, key, s, name, limit) add(o, key, facts_to_json(&(s)->name));

static void add_time(cJSON *obj, const char *key, time_t t)
{
    char tbuf[32];
    od_format_time(t, tbuf, sizeof tbuf);
    add_str(obj, key, tbuf);
}

/* The object a field goes in: o itself, or its member object (made on
 * first use, so the fields of a group stay together in list order). */
static cJSON *put_target(cJSON *o, const char *object)
{
    if (!object)
        return o;
    cJSON *sub = cJSON_GetObjectItemCaseSensitive(o, object);
    if (!sub) {
        sub = chk(cJSON_CreateObject());
        add(o, object, sub);
    }
    return sub;
}

static cJSON *handshake_to_json(const od_handshake *h)
{
    cJSON *o = chk(cJSON_CreateObject());
#define PUT_HANDSHAKE_FIELD(kind, name, object, key, limit) PUT_##kind(put_target(o, object), key, h, name, limit)
    OD_HANDSHAKE_FIELDS(PUT_HANDSHAKE_FIELD)
#undef PUT_HANDSHAKE_FIELD
    return o;
}

static cJSON *cert_to_json(const od_cert *c)
{
    cJSON *o = chk(cJSON_CreateObject());
#define PUT_CERT_FIELD(kind, name, object, key, limit) PUT_##kind(put_target(o, object), key, c, name, limit)
    OD_CERT_FIELDS(PUT_CERT_FIELD)
#undef PUT_CERT_FIELD
    char *pem = NULL;
    if (c->der && c->der_len > 0 && c->der_len <= 0xFFFFFFFFu) {
        gnutls_datum_t der = { c->der, (unsigned)c->der_len }, out = { NULL, 0 };
        if (gnutls_pem_base64_encode2("CERTIFICATE", &der, &out) == 0) {
            pem = od_xstrndup((const char *)out.data, out.size);
            gnutls_free(out.data);
        }
    }
    add_str(o, "pem", pem);
    free(pem);
    return o;
}

char *od_case_to_json(const od_case *c)
{
    cJSON *in = input_to_json(c);
    char *text = cJSON_PrintUnformatted(in);
    cJSON_Delete(in);
    if (!text)
        od_oom();
    return text;
}

cJSON *od_report_to_cjson(const od_report *r)
{
    const od_observations *ob = &r->obs;
    cJSON *root = chk(cJSON_CreateObject());
    add_str(root, "schema", OD_REPORT_SCHEMA);
    cJSON *tool = chk(cJSON_CreateObject());
    add_str(tool, "name", "origin-doctor");
    add_str(tool, "version", r->tool_version ? r->tool_version : OD_VERSION);
    add(root, "tool", tool);
    char now[32];
    if (!r->generated_at)
        od_format_time(time(NULL), now, sizeof now);
    add_str(root, "generated_at", r->generated_at ? r->generated_at : now);
    add(root, "input", input_to_json(&r->input));

    cJSON *verdict = chk(cJSON_CreateObject());
    add_bool(verdict, "would_fail", r->would_fail);
    add_str(verdict, "summary", r->summary);
    /* what viewers get: the status of the most fundamental failure */
    int status = od_finding_list_cloudfront_status(&r->findings);
    add(verdict, "cloudfront_status", status ? cJSON_CreateNumber(status) : cJSON_CreateNull());
    od_strlist fail_ids;
    od_finding_list_fail_ids(&r->findings, &fail_ids);
    add_strlist(verdict, "fail_ids", &fail_ids);
    od_strlist_free(&fail_ids);
    add_bool(verdict, "complete", r->complete);
    add(root, "verdict", verdict);

    cJSON *arr = chk(cJSON_CreateArray());
    for (size_t i = 0; i < r->findings.len; i++)
        push(arr, finding_to_json(&r->findings.items[i]));
    add(root, "findings", arr);

    arr = chk(cJSON_CreateArray());
    for (size_t i = 0; i < ob->n_steps; i++) {
        cJSON *o = chk(cJSON_CreateObject());
        if (ob->steps[i].id)
            add_str(o, "id", ob->steps[i].id);
        add_str(o, "name", ob->steps[i].name ? ob->steps[i].name : "");
        add_str(o, "status", od_step_status_name(ob->steps[i].status));
        add_num(o, "duration_ms", (double)ob->steps[i].duration_ms);
        add_str(o, "detail", ob->steps[i].detail);
        push(arr, o);
    }
    add(root, "steps", arr);

    cJSON *dns = chk(cJSON_CreateObject());
    add_str(dns, "status", od_dns_status_name(ob->dns.status));
    add_str(dns, "error", ob->dns.error);
    add_num(dns, "duration_ms", (double)ob->dns.duration_ms);
    add(root, "dns", dns);

    arr = chk(cJSON_CreateArray());
    for (size_t i = 0; i < ob->n_addresses; i++) {
        cJSON *o = chk(cJSON_CreateObject());
        add_str(o, "address", ob->addresses[i].address);
        add_num(o, "family", ob->addresses[i].family);
        add_bool(o, "from_resolve", ob->addresses[i].from_resolve);
        add_bool(o, "private", ob->addresses[i].is_private);
        push(arr, o);
    }
    add(root, "addresses", arr);

    arr = chk(cJSON_CreateArray());
    for (size_t i = 0; i < ob->n_tcp; i++) {
        cJSON *o = chk(cJSON_CreateObject());
        add_str(o, "address", ob->tcp[i].address);
        add_num(o, "port", ob->tcp[i].port);
        add_str(o, "state", od_tcp_state_name(ob->tcp[i].state));
        add_str(o, "error", ob->tcp[i].error);
        add_num(o, "duration_ms", (double)ob->tcp[i].duration_ms);
        push(arr, o);
    }
    add(root, "tcp", arr);

    arr = chk(cJSON_CreateArray());
    for (size_t i = 0; i < ob->n_handshakes; i++)
        push(arr, handshake_to_json(&ob->handshakes[i]));
    if (ob->bundle) {
        /* A bundle judged offline: its "handshakes" are the ones CloudFront
         * would make once the file is installed, so they live in "bundle". */
        cJSON *b = chk(cJSON_CreateObject());
        char at[32];
        od_format_time(ob->bundle->checked_at, at, sizeof at);
        add_str(b, "file", ob->bundle->file);
        add_str(b, "format", ob->bundle->format);
        add_str(b, "key", ob->bundle->key_source);
        add_tri(b, "key_matches", ob->bundle->key_matches);
        add_str(b, "checked_at", at);
        add(b, "as_installed", arr);
        add(root, "bundle", b);
    } else {
        add(root, "handshakes", arr);
    }

    arr = chk(cJSON_CreateArray());
    for (size_t i = 0; i < ob->n_certs; i++)
        push(arr, cert_to_json(&ob->certs[i]));
    add(root, "certificates", arr);

    arr = chk(cJSON_CreateArray());
    for (size_t i = 0; i < ob->n_protocols; i++) {
        cJSON *o = chk(cJSON_CreateObject());
        add_str(o, "protocol", od_proto_name(ob->protocols[i].proto));
        add_tri(o, "accepted", ob->protocols[i].accepted);
        add_str(o, "detail", ob->protocols[i].detail);
        add_str(o, "negotiated_cipher", ob->protocols[i].negotiated_cipher);
        PUT_ALERT(o, "alert", &ob->protocols[i], alert, 255)
        push(arr, o);
    }
    add(root, "protocols", arr);

    arr = chk(cJSON_CreateArray());
    for (size_t i = 0; i < ob->n_ciphers; i++) {
        const od_cipher_row *c = &ob->ciphers[i];
        cJSON *o = chk(cJSON_CreateObject());
        add_str(o, "protocol", od_proto_name(c->proto));
        add_str(o, "name", c->name ? c->name : "");
        add_str(o, "iana", c->iana);
        add_bool(o, "cloudfront_offers", c->cloudfront_offers);
        add_tri(o, "origin_accepts", c->origin_accepts);
        add_str(o, "reason", c->reason);
        push(arr, o);
    }
    add(root, "ciphers", arr);

    cJSON *http = chk(cJSON_CreateObject());
    arr = chk(cJSON_CreateArray());
    for (size_t i = 0; i < ob->n_http; i++) {
        const od_http_result *h = &ob->http[i];
        cJSON *o = chk(cJSON_CreateObject());
        add_bool(o, "attempted", h->attempted);
        add_str(o, "scheme", h->scheme);
        add_str(o, "address", h->address);
        add_num(o, "port", h->port);
        add_str(o, "host_header", h->host_header);
        add_str(o, "method", h->method);
        add_str(o, "path", h->path ? h->path : "/");
        add_bool(o, "request_sent", h->request_sent);
        add_bool(o, "responded", h->responded);
        add_bool(o, "malformed", h->malformed);
        add_num(o, "status_code", h->status_code);
        add_str(o, "status_line", h->status_line);
        add_str(o, "server", h->server);
        add_num(o, "ttfb_ms", (double)h->ttfb_ms);
        add_str(o, "error", h->error);
        push(arr, o);
    }
    add(http, "results", arr);
    add(root, "http", http);

    add_num(root, "handshake_count", ob->handshake_count);
    add_bool(root, "cancelled", ob->cancelled);
    add_str(root, "trust_store_used", ob->trust_store_used);
    return root;
}

char *od_report_to_json(const od_report *r)
{
    cJSON *root = od_report_to_cjson(r);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        od_oom();
    /* cJSON allocates with the default hooks (malloc), so the caller's free() matches. */
    return text;
}

/* ------------------------------------------------------------------ */
/* reading                                                              */

/* Read with od_json's reader: every problem is told with its key path. */
typedef od_json_reader reader;

/* A string from a report file is as untrusted as the network: keep it
 * when it is already clean (so a reopened report round-trips byte for
 * byte), otherwise store its escaped form. */
static char *clean_dup(const char *s)
{
    size_t backslashes = 0, len = strlen(s);
    for (size_t i = 0; i < len; i++)
        backslashes += s[i] == '\\';
    char *e = od_escape(s, len);
    if (strlen(e) == len + backslashes) {
        free(e);
        return od_xstrdup(s);
    }
    return e;
}

static void clean_json_tree(cJSON *j)
{
    for (cJSON *c = j; c; c = c->next) {
        if (c->string && !(c->type & cJSON_StringIsConst)) {
            char *e = clean_dup(c->string);
            if (strcmp(e, c->string) != 0) {
                char *copy = cJSON_malloc(strlen(e) + 1);
                if (!copy)
                    od_oom();
                strcpy(copy, e);
                cJSON_free(c->string);
                c->string = copy;
            }
            free(e);
        }
        if (cJSON_IsString(c) && c->valuestring && !(c->type & cJSON_IsReference)) {
            char *e = clean_dup(c->valuestring);
            if (strcmp(e, c->valuestring) != 0) {
                char *copy = cJSON_malloc(strlen(e) + 1);
                if (!copy)
                    od_oom();
                strcpy(copy, e);
                cJSON_free(c->valuestring);
                c->valuestring = copy;
            }
            free(e);
        }
        if (c->child)
            clean_json_tree(c->child);
    }
}

static bool get_str(reader *rd, const cJSON *obj, const char *path, const char *key, bool nullable, char **out)
{
    const char *s = NULL;
    if (!od_json_get_string(rd, obj, path, key, nullable ? OD_JSON_NULLABLE : 0, &s))
        return false;
    *out = s ? clean_dup(s) : NULL;
    return true;
}

/* An optional key: absent leaves *out untouched. */
static bool opt_str(reader *rd, const cJSON *obj, const char *path, const char *key, char **out)
{
    if (!cJSON_GetObjectItemCaseSensitive(obj, key))
        return true;
    char *s = NULL;
    if (!get_str(rd, obj, path, key, true, &s))
        return false;
    free(*out);
    *out = s;
    return true;
}

static bool get_bool(reader *rd, const cJSON *obj, const char *path, const char *key, bool *out)
{
    return od_json_get_bool(rd, obj, path, key, 0, out);
}

static bool get_tri(reader *rd, const cJSON *obj, const char *path, const char *key, od_tri *out)
{
    bool b;
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!od_json_get_bool(rd, obj, path, key, OD_JSON_NULLABLE, &b))
        return false;
    *out = cJSON_IsNull(j) ? OD_TRI_UNTESTED : b ? OD_TRI_YES : OD_TRI_NO;
    return true;
}

static bool get_int(reader *rd, const cJSON *obj, const char *path, const char *key, int64_t min, int64_t max,
                    int64_t *out)
{
    return od_json_get_int(rd, obj, path, key, 0, min, max, out);
}

static bool opt_count(reader *rd, const cJSON *obj, const char *path, const char *key, int64_t max, size_t *out)
{
    int64_t v = 0;
    if (!cJSON_GetObjectItemCaseSensitive(obj, key))
        return true;
    if (!get_int(rd, obj, path, key, 0, max, &v))
        return false;
    *out = (size_t)v;
    return true;
}

static bool get_intv(reader *rd, const cJSON *obj, const char *path, const char *key, int64_t min, int64_t max,
                     int *out)
{
    int64_t v;
    if (!get_int(rd, obj, path, key, min, max, &v))
        return false;
    *out = (int)v;
    return true;
}

static const cJSON *get_typed(reader *rd, const cJSON *obj, const char *path, const char *key, bool array)
{
    return od_json_get(rd, obj, path, key, array ? OD_JSON_ARRAY : OD_JSON_OBJECT, 0);
}

/* Each item of an array an object: "PATH[i]" checked, then read. */
static bool item_object(reader *rd, const cJSON *j, const char *path, size_t i, char *p, size_t psize)
{
    snprintf(p, psize, "%s[%zu]", path, i);
    return od_json_check(rd, j, p, OD_JSON_OBJECT, 0);
}

static bool get_strlist(reader *rd, const cJSON *obj, const char *path, const char *key, od_strlist *out)
{
    const cJSON *arr = get_typed(rd, obj, path, key, true);
    if (!arr)
        return false;
    size_t i = 0;
    for (const cJSON *j = arr->child; j; j = j->next, i++) {
        if (!cJSON_IsString(j) || !j->valuestring) {
            char *kp = od_json_key_path(path, key), *ip = od_json_index_path(kp, i);
            od_json_check(rd, j, ip, OD_JSON_STRING, 0);
            free(kp);
            free(ip);
            return false;
        }
        od_strlist_add_owned(out, clean_dup(j->valuestring));
    }
    return true;
}

/* An array of positions (chain indexes, path, extra), each < limit. */
static bool get_sizes(reader *rd, const cJSON *obj, const char *path, const char *key, size_t limit,
                      const char *limit_what, size_t *out, size_t *n)
{
    const cJSON *arr = get_typed(rd, obj, path, key, true);
    if (!arr)
        return false;
    size_t count = (size_t)cJSON_GetArraySize(arr);
    if (count > OD_CHAIN_MAX)
        return od_json_fail(rd, NULL, "%s%s%s: at most %d entries are allowed (got %zu)", path, *path ? "." : "",
                            key, OD_CHAIN_MAX, count);
    char *kp = od_json_key_path(path, key);
    size_t i = 0;
    for (const cJSON *j = arr->child; j; j = j->next, i++) {
        char *sub = od_json_index_path(kp, i);
        int64_t v;
        bool ok = od_json_int_value(rd, j, sub, 0, (int64_t)MAX_JSON_INT, &v);
        if (ok && (size_t)v >= limit)
            ok = od_json_fail(rd, sub, "%lld is out of range (%s is %zu)", (long long)v, limit_what, limit);
        free(sub);
        if (!ok) {
            free(kp);
            return false;
        }
        out[i] = (size_t)v;
    }
    free(kp);
    *n = count;
    return true;
}

static bool get_addr(reader *rd, const cJSON *obj, const char *path, const char *key, char out[OD_ADDR_LEN])
{
    char *s = NULL;
    if (!get_str(rd, obj, path, key, false, &s))
        return false;
    size_t n = strlen(s);
    if (n >= OD_ADDR_LEN) {
        free(s);
        return od_json_fail(rd, NULL, "%s.%s: longer than %d characters", path, key, OD_ADDR_LEN - 1);
    }
    memcpy(out, s, n + 1);
    free(s);
    return true;
}

/* Parses an enum-like string with the given parser; names the allowed values. */
#define GET_ENUM(rd, obj, path, key, parse, out, allowed)                                              \
    do {                                                                                               \
        const cJSON *j_ = od_json_get(rd, obj, path, key, OD_JSON_ANY, 0);                             \
        if (!j_)                                                                                       \
            return false;                                                                              \
        if (!cJSON_IsString(j_) || !(parse)(j_->valuestring, out)) {                                   \
            char *p_ = od_json_key_path(path, key);                                                    \
            od_json_fail_not_one_of(rd, j_, p_, allowed);                                              \
            free(p_);                                                                                  \
            return false;                                                                              \
        }                                                                                              \
    } while (0)

static bool parse_policy(const char *s, od_protocol_policy *out)
{
    char *err = od_parse_protocol_policy(s, out);
    free(err);
    return err == NULL;
}

static bool parse_viewer_policy(const char *s, od_viewer_policy *out)
{
    char *err = od_parse_viewer_policy(s, out);
    free(err);
    return err == NULL;
}

static bool parse_ip_address_type(const char *s, od_ip_address_type *out)
{
    char *err = od_parse_ip_address_type(s, out);
    free(err);
    return err == NULL;
}

/* "HOST:PORT:ADDR" as written by input_to_json (ADDR may hold colons). */
static bool parse_resolve_entry(reader *rd, const char *path, const char *s, od_resolve *out)
{
    const char *c1 = strchr(s, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || c1 == s)
        goto bad;
    char *end;
    long port = strtol(c1 + 1, &end, 10);
    if (end != c2 || c1 + 1 == c2 || port < 1 || port > 65535)
        goto bad;
    const char *a = c2 + 1;
    size_t alen = strlen(a);
    if (alen >= 2 && a[0] == '[' && a[alen - 1] == ']') {
        a++;
        alen -= 2;
    }
    char *addr = od_xstrndup(a, alen);
    unsigned char bin[16];
    if (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1) {
        free(addr);
        goto bad;
    }
    out->host = od_ascii_lower(od_xstrndup(s, (size_t)(c1 - s)));
    out->port = (int)port;
    out->address = addr;
    return true;
bad:;
    char *e = od_escape_str(s);
    od_json_fail(rd, path, "\"%s\" is not HOST:PORT:ADDR with a port 1-65535 and a numeric address", e);
    free(e);
    return false;
}

/* An optional string read as it is (not escaped): a value the case sends
 * on the wire, which its own validator then checks. */
static bool opt_raw(reader *rd, const cJSON *obj, const char *path, const char *key, const char **out)
{
    *out = NULL;
    return !cJSON_GetObjectItemCaseSensitive(obj, key) ||
           od_json_get_string(rd, obj, path, key, OD_JSON_NULLABLE, out);
}

/* A validator's message (NULL: fine; it names the key) as the reader's
 * error under path. */
static bool validated(reader *rd, const char *path, char *msg)
{
    if (!msg)
        return true;
    od_json_fail(rd, path, "%s", msg);
    free(msg);
    return false;
}

/* The request CloudFront sends (added keys: absent in older reports). */
static bool read_request_input(reader *rd, const cJSON *in, const char *p, od_case *c)
{
    const char *s;
    if (!opt_raw(rd, in, p, "origin_path", &s) ||
        (s && !validated(rd, p, od_parse_origin_path("origin_path", s, &c->origin_path))))
        return false;
    if (!opt_raw(rd, in, p, "path", &s) ||
        (s && !validated(rd, p, od_parse_request_path("path", s, &c->request_path))))
        return false;
    if (!opt_raw(rd, in, p, "distribution_domain", &s) ||
        (s && !validated(rd, p, od_validate_domain("distribution_domain", s))))
        return false;
    if (s) {
        free(c->distribution_domain);
        c->distribution_domain = od_ascii_lower(od_xstrdup(s));
    }
    if (!cJSON_GetObjectItemCaseSensitive(in, "origin_headers"))
        return true;
    const cJSON *hdrs = get_typed(rd, in, p, "origin_headers", true);
    if (!hdrs)
        return false;
    od_case_clear_origin_headers(c);
    size_t i = 0;
    for (const cJSON *j = hdrs->child; j; j = j->next, i++) {
        char hp[48];
        if (!item_object(rd, j, "input.origin_headers", i, hp, sizeof hp))
            return false;
        const char *name = NULL, *value = NULL;
        if (!od_json_get_string(rd, j, hp, "name", 0, &name) || !od_json_get_string(rd, j, hp, "value", 0, &value))
            return false;
        if (!validated(rd, hp, od_check_origin_header("header", name, value)))
            return false;
        od_case_add_origin_header(c, name, value);
    }
    return true;
}

static bool read_input(reader *rd, const cJSON *root, od_case *c)
{
    const char *p = "input";
    const cJSON *in = get_typed(rd, root, "", "input", false);
    if (!in)
        return false;
    free(c->origin_domain);
    c->origin_domain = NULL;
    if (!get_str(rd, in, p, "origin_domain", false, &c->origin_domain))
        return false;
    if (!get_bool(rd, in, p, "forward_host_header", &c->forward_host_header))
        return false;
    od_strlist_free(&c->cnames);
    if (!get_strlist(rd, in, p, "cnames", &c->cnames))
        return false;
    if (!get_intv(rd, in, p, "http_port", 0, 65535, &c->http_port) ||
        !get_intv(rd, in, p, "https_port", 0, 65535, &c->https_port))
        return false;
    GET_ENUM(rd, in, p, "protocol_policy", parse_policy, &c->protocol_policy,
             "https-only, http-only, match-viewer");
    const cJSON *protos = get_typed(rd, in, p, "origin_ssl_protocols", true);
    if (!protos)
        return false;
    c->origin_ssl_protocols = 0;
    size_t i = 0;
    for (const cJSON *j = protos->child; j; j = j->next, i++) {
        unsigned bit;
        if (!cJSON_IsString(j) || !od_proto_parse(j->valuestring, &bit)) {
            char path[64];
            snprintf(path, sizeof path, "input.origin_ssl_protocols[%zu]", i);
            return od_json_fail_not_one_of(rd, j, path, "SSLv3, TLSv1, TLSv1.1, TLSv1.2");
        }
        c->origin_ssl_protocols |= bit;
    }
    const cJSON *res = get_typed(rd, in, p, "resolve", true);
    if (!res)
        return false;
    i = 0;
    for (const cJSON *j = res->child; j; j = j->next, i++) {
        char path[64];
        snprintf(path, sizeof path, "input.resolve[%zu]", i);
        if (!cJSON_IsString(j))
            return od_json_fail(rd, path, "expected a string HOST:PORT:ADDR, found %s", od_json_type_name(j));
        od_resolve r = { NULL, 0, NULL };
        if (!parse_resolve_entry(rd, path, j->valuestring, &r))
            return false;
        c->resolve = od_xrealloc(c->resolve, (c->n_resolve + 1) * sizeof *c->resolve);
        c->resolve[c->n_resolve++] = r;
    }
    /* Added keys, optional so older writers' files still load. */
    if (!opt_str(rd, in, p, "trust_store", &c->trust_store))
        return false;
    if (cJSON_GetObjectItemCaseSensitive(in, "also_origin_domain") &&
        !get_bool(rd, in, p, "also_origin_domain", &c->also_origin_domain))
        return false;
    if (cJSON_GetObjectItemCaseSensitive(in, "behaviors_forwarding_host") &&
        !get_strlist(rd, in, p, "behaviors_forwarding_host", &c->behaviors_forwarding_host))
        return false;
    if (cJSON_GetObjectItemCaseSensitive(in, "behaviors_origin_host") &&
        !get_strlist(rd, in, p, "behaviors_origin_host", &c->behaviors_origin_host))
        return false;
    if (cJSON_GetObjectItemCaseSensitive(in, "response_timeout") &&
        !get_intv(rd, in, p, "response_timeout", 0, 3600, &c->response_timeout_s))
        return false;
    if (cJSON_GetObjectItemCaseSensitive(in, "timeout") && !get_intv(rd, in, p, "timeout", 0, 3600, &c->timeout_s))
        return false;
    if (cJSON_GetObjectItemCaseSensitive(in, "concurrency") &&
        !get_intv(rd, in, p, "concurrency", 0, 4096, &c->concurrency))
        return false;
    if (cJSON_GetObjectItemCaseSensitive(in, "http_get") && !get_bool(rd, in, p, "http_get", &c->http_get))
        return false;
    if (cJSON_GetObjectItemCaseSensitive(in, "origin_mtls") && !get_bool(rd, in, p, "origin_mtls", &c->origin_mtls))
        return false;
    if (!opt_str(rd, in, p, "client_cert", &c->client_cert) || !opt_str(rd, in, p, "client_key", &c->client_key))
        return false;
    if (cJSON_GetObjectItemCaseSensitive(in, "viewer_protocol_policy"))
        GET_ENUM(rd, in, p, "viewer_protocol_policy", parse_viewer_policy, &c->viewer_protocol_policy,
                 "allow-all, redirect-to-https, https-only");
    if (cJSON_GetObjectItemCaseSensitive(in, "ip_address_type"))
        GET_ENUM(rd, in, p, "ip_address_type", parse_ip_address_type, &c->ip_address_type, "ipv4, ipv6, dualstack");
    return read_request_input(rd, in, p, c);
}

static bool read_findings(reader *rd, const cJSON *root, od_finding_list *l)
{
    const cJSON *arr = get_typed(rd, root, "", "findings", true);
    if (!arr)
        return false;
    size_t i = 0;
    for (const cJSON *j = arr->child; j; j = j->next, i++) {
        char p[48];
        if (!item_object(rd, j, "findings", i, p, sizeof p))
            return false;
        od_finding *f = od_finding_list_add(l);
        if (!get_str(rd, j, p, "id", false, &f->id))
            return false;
        if (!f->id[0])
            return od_json_fail(rd, NULL, "%s.id: must not be empty", p);
        GET_ENUM(rd, j, p, "severity", od_severity_parse, &f->severity, "fail, warn, info, pass");
        if (!get_str(rd, j, p, "title", false, &f->title) || !get_str(rd, j, p, "detail", true, &f->detail) ||
            !get_strlist(rd, j, p, "names", &f->names))
            return false;
        const cJSON *ev = get_typed(rd, j, p, "evidence", false);
        if (!ev)
            return false;
        cJSON_Delete(f->evidence);
        f->evidence = chk(cJSON_Duplicate(ev, 1));
        clean_json_tree(f->evidence->child);
        if (!get_strlist(rd, j, p, "fix", &f->fix) || !get_str(rd, j, p, "reproduce", true, &f->reproduce))
            return false;
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(j, "cloudfront_status");
        if (status && !cJSON_IsNull(status) && !get_intv(rd, j, p, "cloudfront_status", 502, 504, &f->cloudfront_status))
            return false;
    }
    return true;
}

static bool read_steps(reader *rd, const cJSON *root, od_observations *o)
{
    const cJSON *arr = get_typed(rd, root, "", "steps", true);
    if (!arr)
        return false;
    size_t i = 0;
    for (const cJSON *j = arr->child; j; j = j->next, i++) {
        char p[48];
        if (!item_object(rd, j, "steps", i, p, sizeof p))
            return false;
        od_step *s = od_obs_add_step(o, "");
        free(s->name);
        s->name = NULL;
        if (!get_str(rd, j, p, "name", false, &s->name) || !opt_str(rd, j, p, "id", &s->id))
            return false;
        GET_ENUM(rd, j, p, "status", od_step_status_parse, &s->status,
                 "pending, running, pass, warn, fail, skipped, untested");
        if (!get_int(rd, j, p, "duration_ms", -1, MAX_JSON_INT, &s->duration_ms) ||
            !get_str(rd, j, p, "detail", true, &s->detail))
            return false;
    }
    return true;
}

static bool read_dns_addresses_tcp(reader *rd, const cJSON *root, od_observations *o)
{
    const cJSON *dns = get_typed(rd, root, "", "dns", false);
    if (!dns)
        return false;
    GET_ENUM(rd, dns, "dns", "status", od_dns_status_parse, &o->dns.status,
             "not_run, ok, no_such_host, failed, is_ip");
    if (!get_str(rd, dns, "dns", "error", true, &o->dns.error) ||
        !get_int(rd, dns, "dns", "duration_ms", -1, MAX_JSON_INT, &o->dns.duration_ms))
        return false;

    const cJSON *arr = get_typed(rd, root, "", "addresses", true);
    if (!arr)
        return false;
    size_t i = 0;
    for (const cJSON *j = arr->child; j; j = j->next, i++) {
        char p[48];
        if (!item_object(rd, j, "addresses", i, p, sizeof p))
            return false;
        od_address *a = od_obs_add_address(o);
        if (!get_addr(rd, j, p, "address", a->address))
            return false;
        int64_t fam;
        if (!get_int(rd, j, p, "family", 4, 6, &fam))
            return false;
        if (fam != 4 && fam != 6)
            return od_json_fail(rd, NULL, "%s.family: expected 4 or 6, found %lld", p, (long long)fam);
        a->family = (int)fam;
        if (!get_bool(rd, j, p, "from_resolve", &a->from_resolve) || !get_bool(rd, j, p, "private", &a->is_private))
            return false;
    }

    arr = get_typed(rd, root, "", "tcp", true);
    if (!arr)
        return false;
    i = 0;
    for (const cJSON *j = arr->child; j; j = j->next, i++) {
        char p[48];
        if (!item_object(rd, j, "tcp", i, p, sizeof p))
            return false;
        od_tcp_result *t = od_obs_add_tcp(o);
        if (!get_addr(rd, j, p, "address", t->address) || !get_intv(rd, j, p, "port", 0, 65535, &t->port))
            return false;
        GET_ENUM(rd, j, p, "state", od_tcp_state_parse, &t->state,
                 "untested, open, refused, timeout, unreachable, error");
        if (!get_str(rd, j, p, "error", true, &t->error) ||
            !get_int(rd, j, p, "duration_ms", -1, MAX_JSON_INT, &t->duration_ms))
            return false;
    }
    return true;
}

static bool parse_pem(reader *rd, const char *path, const char *pem, od_cert *c)
{
    gnutls_datum_t in = { (unsigned char *)(uintptr_t)pem, (unsigned)strlen(pem) }, der = { NULL, 0 };
    if (strlen(pem) > 1u << 20 || gnutls_pem_base64_decode2("CERTIFICATE", &in, &der) < 0 || der.size == 0) {
        gnutls_free(der.data);
        return od_json_fail(rd, NULL, "%s.pem: not a PEM certificate (expected -----BEGIN CERTIFICATE----- and base64)",
                            path);
    }
    /* Not checked as X.509: the engine keeps certificates it could not
     * parse, with their bytes, and those must reopen too. */
    c->der = od_xmalloc(der.size);
    memcpy(c->der, der.data, der.size);
    c->der_len = der.size;
    gnutls_free(der.data);
    return true;
}

static bool get_time(reader *rd, const cJSON *obj, const char *path, const char *key, time_t *out)
{
    char *s = NULL;
    if (!get_str(rd, obj, path, key, false, &s))
        return false;
    bool ok = od_parse_time(s, out);
    if (!ok) {
        od_json_fail(rd, NULL, "%s.%s: \"%s\" is not an RFC 3339 UTC time like 2026-01-31T12:00:00Z", path, key, s);
    }
    free(s);
    return ok;
}

/* Reading each field kind of the lists in od_obs.h ("fields listed
 * once"): GET_kind(reader, JSON object, its path, key, struct pointer,
 * field, limit) is true when read. */
#define GET_STR(rd, j, p, key, s, name, limit) get_str(rd, j, p, key, false, &(s)->name)
#define GET_NSTR(rd, j, p, key, s, name, limit) get_str(rd, j, p, key, true, &(s)->name)
#define GET_LIST(rd, j, p, key, s, name, limit) get_strlist(rd, j, p, key, &(s)->name)
/* A list added later: absent in older reports (then empty). */
#define GET_OLIST(rd, j, p, key, s, name, limit) \
    (!cJSON_GetObjectItemCaseSensitive(j, key) || get_strlist(rd, j, p, key, &(s)->name))
#define GET_BOOL(rd, j, p, key, s, name, limit) get_bool(rd, j, p, key, &(s)->name)
#define GET_OBOOL(rd, j, p, key, s, name, limit) \
    (!cJSON_GetObjectItemCaseSensitive(j, key) || get_bool(rd, j, p, key, &(s)->name))
#define GET_INT(rd, j, p, key, s, name, limit) get_intv(rd, j, p, key, 0, limit, &(s)->name)
#define GET_TIME(rd, j, p, key, s, name, limit) get_time(rd, j, p, key, &(s)->name)
#define GET_MS(rd, j, p, key, s, name, limit) get_int(rd, j, p, key, -1, (int64_t)MAX_JSON_INT, &(s)->name)
/* A count added later: a report written before it has none (0: unknown). */
#define GET_COUNT(rd, j, p, key, s, name, limit) opt_count(rd, j, p, key, limit, &(s)->name)
#define GET_ADDR(rd, j, p, key, s, name, limit) get_addr(rd, j, p, key, (s)->name)
#define GET_OUTCOME(rd, j, p, key, s, name, limit) get_outcome(rd, j, p, key, &(s)->name)
#define GET_ALERT(rd, j, p, key, s, name, limit) get_alert(rd, j, p, key, limit, &(s)->name)
#define GET_PURPOSE(rd, j, p, key, s, name, limit) read_purpose(rd, j, p, key, &(s)->name)
/* A chain's indexes point into the certificates read before it. */
#define GET_CHAIN(rd, j, p, key, s, name, limit) \
    get_sizes(rd, j, p, key, n_certs, "the number of certificates", (s)->name, &(s)->name##_len)
#define GET_FACTS(rd, j, p, key, s, name, limit) read_facts(rd, j, p, key, (s)->chain_len, &(s)->name)

/* The object a field is read from: j itself, or its member object; its
 * path goes into gp. */
static const cJSON *get_target(reader *rd, const cJSON *j, const char *p, const char *object, char *gp, size_t gsize)
{
    snprintf(gp, gsize, "%s%s%s", p, object ? "." : "", object ? object : "");
    return object ? od_json_get(rd, j, p, object, OD_JSON_OBJECT, 0) : j;
}

#define READ_FIELD(s, kind, name, object, key, limit)                          \
    if (ok) {                                                                  \
        char gp_[96];                                                          \
        const cJSON *g_ = get_target(rd, j, p, object, gp_, sizeof gp_);       \
        ok = g_ && GET_##kind(rd, g_, gp_, key, s, name, limit);               \
    }

static bool read_cert(reader *rd, const cJSON *j, const char *p, od_cert *c)
{
    bool ok = true;
#define READ_CERT_FIELD(kind, name, object, key, limit) READ_FIELD(c, kind, name, object, key, limit)
    OD_CERT_FIELDS(READ_CERT_FIELD)
#undef READ_CERT_FIELD
    if (!ok)
        return false;
    /* The PEM keeps its line breaks (not escaped): it is checked by decoding it. */
    const char *pem = NULL;
    if (!od_json_get_string(rd, j, p, "pem", OD_JSON_NULLABLE, &pem))
        return false;
    return !pem || parse_pem(rd, p, pem, c);
}

static bool read_certs(reader *rd, const cJSON *root, od_observations *o)
{
    const cJSON *arr = get_typed(rd, root, "", "certificates", true);
    if (!arr)
        return false;
    size_t i = 0;
    for (const cJSON *j = arr->child; j; j = j->next, i++) {
        char p[48];
        if (!item_object(rd, j, "certificates", i, p, sizeof p))
            return false;
        /* Appended directly (not od_obs_add_cert) so indexes match the file. */
        o->certs = od_xrealloc(o->certs, (o->n_certs + 1) * sizeof *o->certs);
        od_cert *c = &o->certs[o->n_certs++];
        memset(c, 0, sizeof *c);
        if (!read_cert(rd, j, p, c))
            return false;
    }
    return true;
}

static bool read_facts(reader *rd, const cJSON *j, const char *hp, const char *key, size_t chain_len,
                       od_chain_facts *f)
{
    const cJSON *fo = get_typed(rd, j, hp, key, false);
    if (!fo)
        return false;
    char p[128];
    snprintf(p, sizeof p, "%s.%s", hp, key);
    int64_t v;
    if (!get_bool(rd, fo, p, "analysed", &f->analysed) ||
        !get_sizes(rd, fo, p, "path", chain_len, "the chain length", f->path, &f->path_len) ||
        !get_bool(rd, fo, p, "order_ok", &f->order_ok) || !get_bool(rd, fo, p, "leaf_self_signed", &f->leaf_self_signed) ||
        !get_bool(rd, fo, p, "issuer_missing", &f->issuer_missing) ||
        !get_str(rd, fo, p, "missing_issuer_dn", true, &f->missing_issuer_dn) ||
        !get_str(rd, fo, p, "missing_issuer_akid", true, &f->missing_issuer_akid) ||
        !get_int(rd, fo, p, "missing_after", 0, 15, &v))
        return false;
    f->missing_after = (size_t)v;
    if (!get_bool(rd, fo, p, "ends_at_trust_anchor", &f->ends_at_trust_anchor) ||
        !get_str(rd, fo, p, "trust_anchor_subject", true, &f->trust_anchor_subject) ||
        !get_bool(rd, fo, p, "ends_at_untrusted_root", &f->ends_at_untrusted_root) ||
        !get_bool(rd, fo, p, "root_included", &f->root_included) || !get_int(rd, fo, p, "root_position", 0, 15, &v))
        return false;
    f->root_position = (size_t)v;
    return get_sizes(rd, fo, p, "extra", chain_len, "the chain length", f->extra, &f->n_extra);
}

/* "purpose" was added after the first reports: absent means CloudFront's offer. */
static bool read_purpose(reader *rd, const cJSON *j, const char *p, const char *key, bool *cert_only)
{
    *cert_only = false;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    if (!v)
        return true;
    if (cJSON_IsString(v) && strcmp(v->valuestring, "cloudfront") == 0)
        return true;
    if (cJSON_IsString(v) && strcmp(v->valuestring, "certificate") == 0) {
        *cert_only = true;
        return true;
    }
    return od_json_fail(rd, NULL, "%s.%s: expected \"cloudfront\" or \"certificate\"", p, key);
}

static bool get_outcome(reader *rd, const cJSON *j, const char *p, const char *key, od_tls_outcome *out)
{
    GET_ENUM(rd, j, p, key, od_tls_outcome_parse, out,
             "untested, ok, not_tls, timeout, alert, client_cert_required, closed, connect_failed, error, "
             "version_refused, client_cert_refused");
    return true;
}

/* An alert number, or null for none (-1). */
static bool get_alert(reader *rd, const cJSON *j, const char *p, const char *key, int limit, int *out)
{
    const cJSON *al = cJSON_GetObjectItemCaseSensitive(j, key);
    char *ap = od_json_key_path(p, key);
    int64_t v = -1;
    bool ok = od_json_check(rd, al, ap, OD_JSON_NUMBER, OD_JSON_NULLABLE) &&
              (cJSON_IsNull(al) || od_json_int_value(rd, al, ap, 0, limit, &v));
    free(ap);
    if (ok)
        *out = (int)v;
    return ok;
}

static bool read_handshake_list(reader *rd, const cJSON *arr, const char *where, od_observations *o);

/* A bundle report holds its handshakes in "bundle"; a live one at the top. */
static bool read_handshakes(reader *rd, const cJSON *root, od_observations *o)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "bundle");
    if (!b)
        return read_handshake_list(rd, get_typed(rd, root, "", "handshakes", true), "handshakes", o);
    if (!od_json_check(rd, b, "bundle", OD_JSON_OBJECT, 0))
        return false;
    o->bundle = od_xcalloc(1, sizeof *o->bundle);
    char *at = NULL;
    bool ok = get_str(rd, b, "bundle", "file", false, &o->bundle->file) &&
              get_str(rd, b, "bundle", "format", false, &o->bundle->format) &&
              get_str(rd, b, "bundle", "key", true, &o->bundle->key_source) &&
              get_tri(rd, b, "bundle", "key_matches", &o->bundle->key_matches) &&
              get_str(rd, b, "bundle", "checked_at", false, &at);
    if (ok && !od_parse_time(at, &o->bundle->checked_at))
        ok = od_json_fail(rd, "bundle.checked_at", "\"%s\" is not an RFC 3339 UTC time", at);
    free(at);
    return ok && read_handshake_list(rd, get_typed(rd, b, "bundle", "as_installed", true), "bundle.as_installed", o);
}

static bool read_handshake_list(reader *rd, const cJSON *arr, const char *where, od_observations *o)
{
    if (!arr)
        return false;
    size_t i = 0;
    for (const cJSON *j = arr->child; j; j = j->next, i++) {
        char p[64];
        if (!item_object(rd, j, where, i, p, sizeof p))
            return false;
        od_handshake *h = od_obs_add_handshake(o);
        size_t n_certs = o->n_certs;
        bool ok = true;
#define READ_HANDSHAKE_FIELD(kind, name, object, key, limit) READ_FIELD(h, kind, name, object, key, limit)
        OD_HANDSHAKE_FIELDS(READ_HANDSHAKE_FIELD)
#undef READ_HANDSHAKE_FIELD
        if (!ok)
            return false;
    }
    return true;
}

static bool read_protocols_ciphers(reader *rd, const cJSON *root, od_observations *o)
{
    const cJSON *arr = get_typed(rd, root, "", "protocols", true);
    if (!arr)
        return false;
    size_t i = 0;
    for (const cJSON *j = arr->child; j; j = j->next, i++) {
        char p[48];
        if (!item_object(rd, j, "protocols", i, p, sizeof p))
            return false;
        od_protocol_result *pr = od_obs_add_protocol(o);
        GET_ENUM(rd, j, p, "protocol", od_proto_parse, &pr->proto, "SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3");
        if (!get_tri(rd, j, p, "accepted", &pr->accepted) || !get_str(rd, j, p, "detail", true, &pr->detail) ||
            !opt_str(rd, j, p, "negotiated_cipher", &pr->negotiated_cipher))
            return false;
        /* "alert" came after the first reports: absent, no alert known */
        if (cJSON_GetObjectItemCaseSensitive(j, "alert") && !get_alert(rd, j, p, "alert", 255, &pr->alert))
            return false;
    }
    arr = get_typed(rd, root, "", "ciphers", true);
    if (!arr)
        return false;
    i = 0;
    for (const cJSON *j = arr->child; j; j = j->next, i++) {
        char p[48];
        if (!item_object(rd, j, "ciphers", i, p, sizeof p))
            return false;
        od_cipher_row *c = od_obs_add_cipher(o);
        GET_ENUM(rd, j, p, "protocol", od_proto_parse, &c->proto, "SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3");
        if (!get_str(rd, j, p, "name", false, &c->name) || !get_str(rd, j, p, "iana", true, &c->iana) ||
            !get_bool(rd, j, p, "cloudfront_offers", &c->cloudfront_offers) ||
            !get_tri(rd, j, p, "origin_accepts", &c->origin_accepts) || !get_str(rd, j, p, "reason", true, &c->reason))
            return false;
    }
    return true;
}

static bool read_http(reader *rd, const cJSON *root, od_observations *o)
{
    const cJSON *http = get_typed(rd, root, "", "http", false);
    if (!http)
        return false;
    const cJSON *arr = get_typed(rd, http, "http", "results", true);
    if (!arr)
        return false;
    size_t i = 0;
    for (const cJSON *j = arr->child; j; j = j->next, i++) {
        char p[48];
        if (!item_object(rd, j, "http.results", i, p, sizeof p))
            return false;
        od_http_result *h = od_obs_add_http(o);
        if (!get_bool(rd, j, p, "attempted", &h->attempted) || !get_str(rd, j, p, "scheme", true, &h->scheme) ||
            !get_addr(rd, j, p, "address", h->address) || !get_intv(rd, j, p, "port", 0, 65535, &h->port) ||
            !get_str(rd, j, p, "host_header", true, &h->host_header) || !get_str(rd, j, p, "method", true, &h->method) ||
            !get_bool(rd, j, p, "responded", &h->responded) ||
            !get_intv(rd, j, p, "status_code", 0, 999, &h->status_code) ||
            !get_str(rd, j, p, "status_line", true, &h->status_line) || !get_str(rd, j, p, "server", true, &h->server) ||
            !get_int(rd, j, p, "ttfb_ms", -1, MAX_JSON_INT, &h->ttfb_ms) || !get_str(rd, j, p, "error", true, &h->error))
            return false;
        /* added later: reports without it sent their request whenever they got an answer */
        h->request_sent = h->responded;
        if (cJSON_GetObjectItemCaseSensitive(j, "request_sent") &&
            !get_bool(rd, j, p, "request_sent", &h->request_sent))
            return false;
        /* added later too: absent means parsed */
        if (cJSON_GetObjectItemCaseSensitive(j, "malformed") && !get_bool(rd, j, p, "malformed", &h->malformed))
            return false;
        if (!opt_str(rd, j, p, "path", &h->path))   /* absent: "/" (older reports) */
            return false;
    }
    return true;
}

static bool read_report(reader *rd, const cJSON *root, od_report *r)
{
    if (!cJSON_IsObject(root))
        return od_json_fail(rd, NULL, "the report must be a JSON object, found %s", od_json_type_name(root));
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, OD_REPORT_SCHEMA) != 0) {
        char *got = cJSON_IsString(schema) ? od_escape_str(schema->valuestring) : NULL;
        od_json_fail(rd, NULL, "unknown report schema \"%s\" (this version reads %s)",
             got ? got : schema ? od_json_type_name(schema) : "(missing)", OD_REPORT_SCHEMA);
        free(got);
        return false;
    }
    const cJSON *tool = get_typed(rd, root, "", "tool", false);
    if (!tool)
        return false;
    char *name = NULL;
    if (!get_str(rd, tool, "tool", "name", false, &name))
        return false;
    free(name);
    if (!get_str(rd, tool, "tool", "version", false, &r->tool_version) ||
        !get_str(rd, root, "", "generated_at", false, &r->generated_at))
        return false;
    time_t t;
    if (!od_parse_time(r->generated_at, &t))
        return od_json_fail(rd, NULL, "generated_at: \"%s\" is not an RFC 3339 UTC time like 2026-01-31T12:00:00Z", r->generated_at);
    if (!read_input(rd, root, &r->input))
        return false;
    const cJSON *verdict = get_typed(rd, root, "", "verdict", false);
    if (!verdict || !get_bool(rd, verdict, "verdict", "would_fail", &r->would_fail) ||
        !get_str(rd, verdict, "verdict", "summary", true, &r->summary))
        return false;
    bool has_complete = cJSON_GetObjectItemCaseSensitive(verdict, "complete") != NULL;
    if (has_complete && !get_bool(rd, verdict, "verdict", "complete", &r->complete))
        return false;
    od_observations *o = &r->obs;
    if (!read_findings(rd, root, &r->findings) || !read_steps(rd, root, o) || !read_dns_addresses_tcp(rd, root, o) ||
        !read_certs(rd, root, o) || !read_handshakes(rd, root, o) || !read_protocols_ciphers(rd, root, o) ||
        !read_http(rd, root, o))
        return false;
    int64_t v;
    if (!get_int(rd, root, "", "handshake_count", 0, 2147483647.0, &v))
        return false;
    o->handshake_count = (int)v;
    if (!get_bool(rd, root, "", "cancelled", &o->cancelled) ||
        !opt_str(rd, root, "", "trust_store_used", &o->trust_store_used))
        return false;
    /* added key: reports written before it are complete unless cancelled */
    if (!has_complete)
        r->complete = !o->cancelled;
    return true;
}

char *od_report_from_json(const char *text, size_t len, od_report *out)
{
    od_report_init(out);
    if (!text)
        return od_xstrdup("no report text");
    char *err = NULL;
    cJSON *root = od_json_parse(text, len, "an origin-doctor report (JSON)", &err);
    if (!root)
        return err;

    reader rd = { NULL, NULL };
    bool ok = read_report(&rd, root, out);
    cJSON_Delete(root);
    if (!ok) {
        od_report_free(out);
        od_report_init(out);
        return rd.error ? rd.error : od_xstrdup("invalid report");
    }
    out->loaded_from_file = true;
    return NULL;
}
