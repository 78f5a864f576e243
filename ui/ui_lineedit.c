/* Line editor logic, curses-free. */
#include "ui_lineedit.h"

#include <string.h>

#include "ui_text.h"

void ui_le_set(ui_lineedit *e, const char *text)
{
    size_t n = text ? strlen(text) : 0;
    if (n >= UI_LE_MAX)
        n = UI_LE_MAX - 1;
    if (n)
        memcpy(e->text, text, n);
    e->text[n] = '\0';
    e->len = n;
    e->cursor = n;
}

static bool is_cont(char c)
{
    return ((unsigned char)c & 0xc0) == 0x80;
}

static size_t prev_boundary(const ui_lineedit *e, size_t at)
{
    if (at == 0)
        return 0;
    at--;
    while (at > 0 && is_cont(e->text[at]))
        at--;
    return at;
}

static size_t next_boundary(const ui_lineedit *e, size_t at)
{
    if (at >= e->len)
        return e->len;
    at++;
    while (at < e->len && is_cont(e->text[at]))
        at++;
    return at;
}

static void cut(ui_lineedit *e, size_t from, size_t to)
{
    memmove(e->text + from, e->text + to, e->len - to + 1);
    e->len -= to - from;
    e->cursor = from;
}

bool ui_le_insert(ui_lineedit *e, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return false;
    if (cp < 0x80) {
        u[0] = (char)cp; n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3f)); n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
    }
    if (e->len + n >= UI_LE_MAX)
        return false;
    memmove(e->text + e->cursor + n, e->text + e->cursor, e->len - e->cursor + 1);
    memcpy(e->text + e->cursor, u, n);
    e->len += n;
    e->cursor += n;
    return true;
}

bool ui_le_apply(ui_lineedit *e, ui_le_op op)
{
    size_t before = e->cursor, len = e->len;
    switch (op) {
    case UI_LE_LEFT: e->cursor = prev_boundary(e, e->cursor); break;
    case UI_LE_RIGHT: e->cursor = next_boundary(e, e->cursor); break;
    case UI_LE_HOME: e->cursor = 0; break;
    case UI_LE_END: e->cursor = e->len; break;
    case UI_LE_BACKSPACE:
        if (e->cursor > 0)
            cut(e, prev_boundary(e, e->cursor), e->cursor);
        break;
    case UI_LE_DELETE:
        if (e->cursor < e->len)
            cut(e, e->cursor, next_boundary(e, e->cursor));
        break;
    case UI_LE_KILL_LINE: e->text[0] = '\0'; e->len = e->cursor = 0; break;
    case UI_LE_KILL_END: e->text[e->cursor] = '\0'; e->len = e->cursor; break;
    case UI_LE_KILL_WORD: {
        size_t at = e->cursor;
        while (at > 0 && e->text[at - 1] == ' ')
            at--;
        while (at > 0 && e->text[at - 1] != ' ' && e->text[at - 1] != '.' && e->text[at - 1] != ',')
            at--;
        if (at == e->cursor && at > 0)
            at--;
        cut(e, at, e->cursor);
        break;
    }
    }
    return e->cursor != before || e->len != len;
}

int ui_le_cursor_col(const ui_lineedit *e)
{
    char tmp[UI_LE_MAX];
    memcpy(tmp, e->text, e->cursor);
    tmp[e->cursor] = '\0';
    return ui_text_width(tmp);
}
