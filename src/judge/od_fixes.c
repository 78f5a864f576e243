/* The fix catalogue (assets/fixes.json): loading, validation, and
 * filling a finding's title and fix steps with real names substituted. */
#include "od_fixes.h"
#include "od_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const server_keys[] = {"nginx", "apache", "haproxy", "iis", "aws-elb", "acm", "aws-elb-name",
                                          "every-offer-refused"};

/* An optional array of strings at obj.key. */
static bool string_array(od_json_reader *r, const cJSON *obj, const char *path, const char *key, unsigned flags)
{
    const cJSON *a = od_json_get(r, obj, path, key, OD_JSON_ARRAY, flags);
    if (!a)
        return !r->error;
    char *kp = od_json_key_path(path, key);
    size_t i = 0;
    for (const cJSON *it = a->child; it && !r->error; it = it->next, i++) {
        char *ip = od_json_index_path(kp, i);
        od_json_check(r, it, ip, OD_JSON_STRING, 0);
        free(ip);
    }
    free(kp);
    return !r->error;
}

/* Checks one catalogue entry (findings.ID), recording a problem in r. */
static bool validate_entry(od_json_reader *r, const cJSON *e)
{
    char *p = od_json_key_path("findings", e->string);
    const char *s;
    bool ok = od_json_check(r, e, p, OD_JSON_OBJECT, 0) &&
              od_json_get_string(r, e, p, "title", OD_JSON_NONEMPTY, &s) &&
              od_json_get_string(r, e, p, "explain", OD_JSON_OPTIONAL, &s) && string_array(r, e, p, "fix", 0) &&
              od_json_get_string(r, e, p, "reproduce", OD_JSON_OPTIONAL, &s);
    const cJSON *servers = ok ? od_json_get(r, e, p, "servers", OD_JSON_OBJECT, OD_JSON_OPTIONAL) : NULL;
    char *sp = od_json_key_path(p, "servers");
    const cJSON *srv;
    cJSON_ArrayForEach(srv, servers) {
        bool known = false;
        for (size_t i = 0; i < sizeof server_keys / sizeof server_keys[0]; i++)
            if (strcmp(srv->string, server_keys[i]) == 0)
                known = true;
        if (!known) {
            od_buf allowed;
            od_buf_init(&allowed);
            for (size_t i = 0; i < sizeof server_keys / sizeof server_keys[0]; i++)
                od_buf_printf(&allowed, "%s%s", i ? ", " : "", server_keys[i]);
            ok = od_json_fail(r, sp, "unknown server \"%s\" (allowed: %s)", srv->string, allowed.data);
            od_buf_free(&allowed);
        }
        if (!ok || !string_array(r, servers, sp, srv->string, 0)) {
            ok = false;
            break;
        }
    }
    free(sp);
    /* A fail finding says what viewers get: 502 or 504. */
    const od_finding_def *def = od_finding_def_find(e->string);
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(e, "cloudfront_status");
    if (ok && def && def->severity == OD_SEV_FAIL && !status)
        ok = od_json_fail(r, p, "a fail finding needs \"cloudfront_status\" (502 or 504)");
    if (ok && status && !(cJSON_IsNumber(status) && (status->valuedouble == 502 || status->valuedouble == 504)))
        ok = od_json_fail(r, p, "\"cloudfront_status\" must be 502 or 504");
    free(p);
    return ok && !r->error;
}

char *od_fixes_load(const char *path, od_fixes *out)
{
    memset(out, 0, sizeof *out);
    if (!path)
        return od_xasprintf("fix catalogue: no file (fixes.json not found; set ORIGIN_DOCTOR_ASSETS)");
    size_t len = 0;
    char *text = od_read_file(path, &len);
    if (!text)
        return od_xasprintf("%s: cannot read: %s", path, od_strerror(errno, &(od_errbuf){0}));
    char *perr = NULL;
    cJSON *root = od_json_parse(text, len, "the fix catalogue (JSON)", &perr);
    if (!root) {
        free(text);
        char *msg = od_xasprintf("%s: %s", path, perr);
        free(perr);
        return msg;
    }
    free(text);
    char *err = NULL;
    const cJSON *findings = cJSON_GetObjectItemCaseSensitive(root, "findings");
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "_about")))
        err = od_xasprintf("%s: missing \"_about\" object (source and date of the texts)", path);
    else if (!cJSON_IsObject(findings))
        err = od_xasprintf("%s: missing \"findings\" object", path);
    /* Every registry id needs an entry, so a finding never reaches a
     * customer without a title and fix steps. */
    for (size_t i = 0; !err && i < OD_F_COUNT; i++)
        if (!cJSON_GetObjectItemCaseSensitive(findings, od_finding_defs[i].id))
            err = od_xasprintf("%s: no entry for finding id %s", path, od_finding_defs[i].id);
    const cJSON *e;
    if (!err) {
        od_json_reader r = {path, NULL};
        cJSON_ArrayForEach(e, findings)
            if (!validate_entry(&r, e))
                break;
        err = r.error;
    }
    if (err) {
        cJSON_Delete(root);
        return err;
    }
    out->root = root;
    out->path = od_xstrdup(path);
    return NULL;
}

int od_fixes_cloudfront_status(const od_fixes *fx, const char *id)
{
    if (!fx || !fx->root || !id)
        return 0;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(fx->root, "findings"), id),
        "cloudfront_status");
    return cJSON_IsNumber(s) ? s->valueint : 0;
}

void od_fixes_free(od_fixes *f)
{
    if (!f)
        return;
    cJSON_Delete(f->root);
    free(f->path);
    f->root = NULL;
    f->path = NULL;
}

/* Maps a Server header ("nginx/1.22.1", "Apache/2.4", "awselb/2.0"), an
 * issuer DN ("... O=Amazon ...") or a catalogue key to a catalogue key. */
static const char *server_key(const char *server)
{
    if (!server || !*server)
        return NULL;
    for (size_t i = 0; i < sizeof server_keys / sizeof server_keys[0]; i++)
        if (od_strcasecmp(server, server_keys[i]) == 0)
            return server_keys[i];
    if (od_starts_with_ci(server, "nginx") || od_starts_with_ci(server, "openresty"))
        return "nginx";
    if (od_starts_with_ci(server, "Apache"))
        return "apache";
    if (od_starts_with_ci(server, "Microsoft-IIS"))
        return "iis";
    if (od_starts_with_ci(server, "awselb"))
        return "aws-elb";
    if (od_starts_with_ci(server, "HAProxy"))
        return "haproxy";
    if (strstr(server, "Amazon"))
        return "acm";
    return NULL;
}

/* Replaces {key} by its value; unknown placeholders stay as written. */
static char *substitute(const char *text, const od_fix_var *vars, size_t n_vars)
{
    od_buf b;
    od_buf_init(&b);
    const char *p = text;
    while (*p) {
        const char *open = strchr(p, '{');
        if (!open) {
            od_buf_puts(&b, p);
            break;
        }
        od_buf_append(&b, p, (size_t)(open - p));
        const char *close = strchr(open + 1, '}');
        const char *value = NULL;
        if (close) {
            size_t klen = (size_t)(close - open - 1);
            for (size_t i = 0; i < n_vars && !value; i++)
                if (vars[i].key && vars[i].value && strlen(vars[i].key) == klen &&
                    strncmp(vars[i].key, open + 1, klen) == 0)
                    value = vars[i].value;
        }
        if (value) {
            od_buf_puts(&b, value);
            p = close + 1;
        } else {
            od_buf_puts(&b, "{");
            p = open + 1;
        }
    }
    if (!b.data)
        od_buf_puts(&b, "");
    return od_buf_steal(&b);
}

static void add_steps(od_finding *f, const cJSON *steps, const od_fix_var *vars, size_t n_vars)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, steps)
        if (cJSON_IsString(s) && s->valuestring)
            od_strlist_add_owned(&f->fix, substitute(s->valuestring, vars, n_vars));
}

void od_fixes_apply(const od_fixes *fx, od_finding *f, const char *server,
                    const od_fix_var *vars, size_t n_vars)
{
    if (!fx || !fx->root || !f || !f->id)
        return;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(fx->root, "findings"), f->id);
    if (!cJSON_IsObject(e))
        return;
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(e, "title");
    if (!f->title && cJSON_IsString(title))
        f->title = substitute(title->valuestring, vars, n_vars);
    const cJSON *explain = cJSON_GetObjectItemCaseSensitive(e, "explain");
    if (!f->detail && cJSON_IsString(explain))
        f->detail = substitute(explain->valuestring, vars, n_vars);
    /* Server-specific steps first: they are the concrete ones. */
    const char *key = server_key(server);
    if (key)
        add_steps(f, cJSON_GetObjectItemCaseSensitive(
                         cJSON_GetObjectItemCaseSensitive(e, "servers"), key), vars, n_vars);
    add_steps(f, cJSON_GetObjectItemCaseSensitive(e, "fix"), vars, n_vars);
    const cJSON *reproduce = cJSON_GetObjectItemCaseSensitive(e, "reproduce");
    if (!f->reproduce && cJSON_IsString(reproduce) && *reproduce->valuestring)
        f->reproduce = substitute(reproduce->valuestring, vars, n_vars);
}
