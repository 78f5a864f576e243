#include "od_json.h"

#include <stdbool.h>
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
