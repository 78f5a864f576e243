#include "od_json.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_util.h"

static void line_col(const char *text, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* Deepest bracket nesting (outside strings) up to a byte offset: tells
 * "nested too deep" apart from other syntax errors. */
static size_t max_depth(const char *text, size_t off)
{
    size_t depth = 0, max = 0;
    bool in_string = false;
    for (size_t i = 0; i < off; i++) {
        char ch = text[i];
        if (in_string) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_string = false;
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '[' || ch == '{') {
            if (++depth > max)
                max = depth;
        } else if ((ch == ']' || ch == '}') && depth) {
            depth--;
        }
    }
    return max;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

cJSON *od_json_parse(const char *text, size_t len, const char *expected, char **err)
{
    *err = NULL;
    if (!text)
        text = "";
    /* Files saved on Windows: a UTF-8 BOM is harmless; UTF-16 (PowerShell
     * 5's ">" writes it) is not text cJSON can read. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    } else if (len >= 2 && ((unsigned char)text[0] == 0xFF || (unsigned char)text[0] == 0xFE) &&
               ((unsigned char)text[1] == 0xFE || (unsigned char)text[1] == 0xFF) && text[0] != text[1]) {
        *err = od_xstrdup("the file is UTF-16 text (as PowerShell's \">\" writes it): save it as UTF-8, e.g. "
                          "with | Out-File -Encoding utf8 FILE");
        return NULL;
    }
    size_t start = 0;
    while (start < len && is_space(text[start]))
        start++;
    if (start == len) {
        *err = od_xasprintf("the text is empty: expected %s", expected);
        return NULL;
    }
    /* Control bytes cannot appear in JSON text: binary data. */
    for (size_t k = 0; k < len; k++) {
        unsigned char ch = (unsigned char)text[k];
        if (ch < 0x20 && !is_space((char)ch)) {
            size_t line, col;
            line_col(text, k, &line, &col);
            *err = od_xasprintf("the file holds binary data (byte 0x%02x at line %zu, column %zu), not %s", ch,
                                line, col, expected);
            return NULL;
        }
    }
    /* ParseWithLengthOpts reports the position through its own argument,
     * unlike cJSON_GetErrorPtr's global: thread-safe. */
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
    size_t line, col;
    if (!root) {
        line_col(text, off, &line, &col);
        if (max_depth(text, len) > CJSON_NESTING_LIMIT)
            *err = od_xasprintf("malformed JSON at byte %zu (line %zu, column %zu): nested more than %d levels deep",
                                off, line, col, CJSON_NESTING_LIMIT);
        else if (off + 1 >= len)
            /* cJSON stops at the last byte when the text ran out */
            *err = od_xasprintf("malformed JSON at byte %zu (line %zu, column %zu): the text ends before the JSON "
                                "value is complete (truncated file?)",
                                off, line, col);
        else
            *err = od_xasprintf("malformed JSON at byte %zu (line %zu, column %zu)", off, line, col);
        return NULL;
    }
    while (off < len && is_space(text[off]))
        off++;
    if (off < len) {
        line_col(text, off, &line, &col);
        cJSON_Delete(root);
        *err = od_xasprintf("malformed JSON: unexpected data after the JSON value at byte %zu (line %zu, column %zu)",
                            off, line, col);
        return NULL;
    }
    return root;
}

const char *od_json_type_name(const cJSON *v)
{
    if (!v)
        return "nothing";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsBool(v))
        return "true/false";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    return "an invalid value";
}

/* ---- the reader ---- */

bool od_json_fail(od_json_reader *r, const char *path, const char *fmt, ...)
{
    if (r->error)
        return false;
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    size_t size = (size_t)(n > 0 ? n : 0) + 1;
    char *what = od_xmalloc(size);
    vsnprintf(what, size, fmt, ap);
    va_end(ap);
    const char *src = r->source && *r->source ? r->source : NULL;
    bool has_path = path && *path;
    r->error = od_xasprintf("%s%s%s%s%s", src ? src : "", src ? ": " : "", has_path ? path : "",
                            has_path ? ": " : "", what);
    free(what);
    return false;
}

char *od_json_key_path(const char *path, const char *key)
{
    return path && *path ? od_xasprintf("%s.%s", path, key) : od_xstrdup(key);
}

char *od_json_index_path(const char *path, size_t i)
{
    return od_xasprintf("%s[%zu]", path ? path : "", i);
}

static const char *kind_name(od_json_kind kind)
{
    switch (kind) {
    case OD_JSON_OBJECT:
        return "an object";
    case OD_JSON_ARRAY:
        return "an array";
    case OD_JSON_STRING:
        return "a string";
    case OD_JSON_NUMBER:
        return "a number";
    case OD_JSON_BOOL:
        return "true or false";
    case OD_JSON_ANY:
        break;
    }
    return "a value";
}

static bool is_kind(const cJSON *v, od_json_kind kind)
{
    switch (kind) {
    case OD_JSON_OBJECT:
        return cJSON_IsObject(v);
    case OD_JSON_ARRAY:
        return cJSON_IsArray(v);
    case OD_JSON_STRING:
        return cJSON_IsString(v) && v->valuestring;
    case OD_JSON_NUMBER:
        return cJSON_IsNumber(v);
    case OD_JSON_BOOL:
        return cJSON_IsBool(v);
    case OD_JSON_ANY:
        break;
    }
    return true;
}

/* "a string ("80")": what was found, with the string shown escaped. */
static bool wrong_kind(od_json_reader *r, const cJSON *v, const char *path, od_json_kind kind, unsigned flags)
{
    bool nullable = flags & OD_JSON_NULLABLE;
    const char *want = kind == OD_JSON_BOOL && nullable ? "true, false" : kind_name(kind);
    const char *or_null = nullable ? " or null" : "";
    if (cJSON_IsString(v) && v->valuestring) {
        char *q = od_quote(v->valuestring);
        od_json_fail(r, path, "expected %s%s, found a string (%s)", want, or_null, q);
        free(q);
        return false;
    }
    return od_json_fail(r, path, "expected %s%s, found %s", want, or_null, od_json_type_name(v));
}

bool od_json_fail_not_one_of(od_json_reader *r, const cJSON *v, const char *path, const char *allowed)
{
    if (cJSON_IsString(v) && v->valuestring) {
        char *q = od_quote(v->valuestring);
        od_json_fail(r, path, "expected one of %s, found %s", allowed, q);
        free(q);
        return false;
    }
    return od_json_fail(r, path, "expected one of %s, found %s", allowed, od_json_type_name(v));
}

bool od_json_check(od_json_reader *r, const cJSON *v, const char *path, od_json_kind kind, unsigned flags)
{
    if (!v)
        return (flags & OD_JSON_OPTIONAL) || od_json_fail(r, path, "missing (a required key)");
    if (cJSON_IsNull(v) && kind != OD_JSON_ANY)
        return (flags & OD_JSON_NULLABLE) || wrong_kind(r, v, path, kind, flags);
    if (!is_kind(v, kind))
        return wrong_kind(r, v, path, kind, flags);
    if (flags & OD_JSON_NONEMPTY) {
        if (kind == OD_JSON_STRING && !*v->valuestring)
            return od_json_fail(r, path, "must not be empty");
        if (kind == OD_JSON_ARRAY && !v->child)
            return od_json_fail(r, path, "must not be an empty array");
    }
    return true;
}

const cJSON *od_json_get(od_json_reader *r, const cJSON *obj, const char *path, const char *key, od_json_kind kind,
                         unsigned flags)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v && !cJSON_IsNull(v) && is_kind(v, kind) && !(flags & OD_JSON_NONEMPTY))
        return v;   /* the common case, without building the path */
    char *p = od_json_key_path(path, key);
    bool ok = od_json_check(r, v, p, kind, flags);
    free(p);
    return ok && v && !cJSON_IsNull(v) ? v : NULL;
}

bool od_json_get_string(od_json_reader *r, const cJSON *obj, const char *path, const char *key, unsigned flags,
                        const char **out)
{
    const cJSON *v = od_json_get(r, obj, path, key, OD_JSON_STRING, flags);
    *out = v ? v->valuestring : NULL;
    return v || !r->error;
}

bool od_json_get_bool(od_json_reader *r, const cJSON *obj, const char *path, const char *key, unsigned flags,
                      bool *out)
{
    const cJSON *v = od_json_get(r, obj, path, key, OD_JSON_BOOL, flags);
    if (v)
        *out = cJSON_IsTrue(v);
    return v || !r->error;
}

/* Beyond 2^53 a double no longer holds every whole number. */
#define MAX_EXACT_INT 9007199254740992.0

bool od_json_whole(double d)
{
    /* the range test first: casting a double outside it is undefined */
    return d >= -MAX_EXACT_INT && d <= MAX_EXACT_INT && (double)(int64_t)d == d;
}

bool od_json_int_value(od_json_reader *r, const cJSON *v, const char *path, int64_t min, int64_t max, int64_t *out)
{
    if (!od_json_check(r, v, path, OD_JSON_NUMBER, 0))
        return false;
    double d = v->valuedouble;
    if (!od_json_whole(d))
        return od_json_fail(r, path, "expected a whole number, found %g", d);
    if ((int64_t)d < min || (int64_t)d > max)
        return od_json_fail(r, path, "%lld is out of range: expected a whole number from %lld to %lld",
                            (long long)d, (long long)min, (long long)max);
    *out = (int64_t)d;
    return true;
}

bool od_json_get_int(od_json_reader *r, const cJSON *obj, const char *path, const char *key, unsigned flags,
                     int64_t min, int64_t max, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char *p = od_json_key_path(path, key);
    bool ok;
    if (!v || cJSON_IsNull(v))
        ok = od_json_check(r, v, p, OD_JSON_NUMBER, flags);
    else
        ok = od_json_int_value(r, v, p, min, max, out);
    free(p);
    return ok;
}
