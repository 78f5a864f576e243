/* Curses-free text helpers: widths, sanitising, wrapped rows. */
#include "ui_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <wchar.h>

#include "od_util.h"

static const ui_glyphs glyphs_utf8 = {
    .pass = "\xe2\x9c\x94", .warn = "!", .fail = "\xe2\x9c\x98", .info = "i", .skip = "-",
    .arrow = "\xe2\x86\x92", .down = "\xe2\x86\x93", .broken = "\xe2\x9c\x98",
    .hline = "\xe2\x94\x80", .vline = "\xe2\x94\x82",
    .tl = "\xe2\x94\x8c", .tr = "\xe2\x94\x90", .bl = "\xe2\x94\x94", .br = "\xe2\x94\x98",
    .spinner = {"\xe2\xa0\x8b", "\xe2\xa0\x99", "\xe2\xa0\xb8", "\xe2\xa0\xb4"},
    .ellipsis = "\xe2\x80\xa6",
};

static const ui_glyphs glyphs_ascii = {
    .pass = "+", .warn = "!", .fail = "x", .info = "i", .skip = "-",
    .arrow = "->", .down = "|", .broken = "x",
    .hline = "-", .vline = "|", .tl = "+", .tr = "+", .bl = "+", .br = "+",
    .spinner = {"|", "/", "-", "\\"},
    .ellipsis = "~",
};

const ui_glyphs *ui_glyphs_get(bool utf8)
{
    return utf8 ? &glyphs_utf8 : &glyphs_ascii;
}

/* Length of the valid UTF-8 sequence at p (0 if invalid), decoding it. */
static size_t utf8_decode(const unsigned char *p, size_t n, unsigned *cp)
{
    if (n == 0)
        return 0;
    unsigned c = p[0];
    size_t len;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2; c &= 0x1f; min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3; c &= 0x0f; min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4; c &= 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

static int cp_width(unsigned cp)
{
    int w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}

/* Columns of the first n bytes of s. */
static int ui_text_width_n(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    int w = 0;
    while (i < n) {
        unsigned cp;
        size_t l = utf8_decode(p + i, n - i, &cp);
        if (l == 0) {
            w++;
            i++;
        } else {
            w += cp_width(cp);
            i += l;
        }
    }
    return w;
}

int ui_text_width(const char *s)
{
    return ui_text_width_n(s, strlen(s));
}

size_t ui_text_fit(const char *s, int cols)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    int w = 0;
    while (i < n) {
        unsigned cp;
        size_t l = utf8_decode(p + i, n - i, &cp);
        int cw = l ? cp_width(cp) : 1;
        if (l == 0)
            l = 1;
        if (w + cw > cols)
            break;
        w += cw;
        i += l;
    }
    return i;
}

static bool needs_escape(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        unsigned cp;
        size_t l = utf8_decode(p + i, n - i, &cp);
        if (l == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
            return true;
        i += l;
    }
    return false;
}

char *ui_sanitize(const char *s)
{
    if (!s)
        return od_xstrdup("");
    if (needs_escape(s))
        return od_escape_str(s);
    return od_xstrdup(s);
}

long ui_find_ci(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    if (nl == 0)
        return -1;
    for (const char *h = hay; *h; h++) {
        size_t i = 0;
        while (i < nl && h[i]) {
            int a = (unsigned char)h[i], b = (unsigned char)needle[i];
            if (a >= 'A' && a <= 'Z')
                a += 32;
            if (b >= 'A' && b <= 'Z')
                b += 32;
            if (a != b)
                break;
            i++;
        }
        if (i == nl)
            return (long)(h - hay);
    }
    return -1;
}

void ui_rows_init(ui_rows *r)
{
    r->rows = NULL;
    r->len = r->cap = 0;
}

void ui_rows_clear(ui_rows *r)
{
    for (size_t i = 0; i < r->len; i++)
        free(r->rows[i].text);
    r->len = 0;
}

void ui_rows_free(ui_rows *r)
{
    ui_rows_clear(r);
    free(r->rows);
    ui_rows_init(r);
}

static ui_row *rows_push(ui_rows *r, ui_role role, int item, char *owned)
{
    if (r->len == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->rows = od_xrealloc(r->rows, r->cap * sizeof *r->rows);
    }
    ui_row *row = &r->rows[r->len++];
    memset(row, 0, sizeof *row);
    row->text = owned;
    row->role = role;
    row->item = item;
    return row;
}

ui_row *ui_rows_add(ui_rows *r, ui_role role, int item, const char *text)
{
    return rows_push(r, role, item, ui_sanitize(text));
}

ui_row *ui_rows_addf(ui_rows *r, ui_role role, int item, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *tmp = od_xmalloc((size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
    va_end(ap);
    ui_row *row = rows_push(r, role, item, ui_sanitize(tmp));
    free(tmp);
    return row;
}

/* Where a line of text longer than fit bytes breaks: after its last space
 * or comma that fits (words, DN components: "CN=a,O=b"), else after other
 * punctuation of a long token (a URL, a host name, a fingerprint), else at
 * fit. A token too long for any line (next: the columns of the next line)
 * is split at its punctuation rather than moved down whole. */
static size_t wrap_point(const char *p, size_t fit, int next)
{
    if (p[fit] == ' ')
        return fit;   /* the word ends exactly at the edge */
    size_t brk = 0;
    for (size_t i = fit; i > 0 && !brk; i--)
        if (p[i - 1] == ' ' || p[i - 1] == ',')
            brk = i;
    if (brk) {
        size_t tok = strcspn(p + brk, " ");
        if ((int)ui_text_width_n(p + brk, tok) <= next)
            return p[brk - 1] == ' ' && brk > 1 ? brk - 1 : brk;
    }
    for (size_t i = fit; i > brk + 1; i--)
        if (strchr("/;&?.:=_-", p[i - 1]))
            return i;
    if (brk)
        return p[brk - 1] == ' ' && brk > 1 ? brk - 1 : brk;
    return fit ? fit : 1;
}

size_t ui_rows_add_wrapped(ui_rows *r, ui_role role, int item, const char *text, int width, int indent)
{
    char *clean = ui_sanitize(text);
    size_t added = 0;
    if (width < 8)
        width = 8;
    if (indent > width / 2)
        indent = width / 2;
    const char *p = clean;
    bool first = true;
    do {
        int avail = first ? width : width - indent;
        size_t fit = ui_text_fit(p, avail);
        size_t take = fit;
        if (p[fit] != '\0')
            take = wrap_point(p, fit, width - indent);
        od_buf b;
        od_buf_init(&b);
        if (!first)
            for (int i = 0; i < indent; i++)
                od_buf_append(&b, " ", 1);
        od_buf_append(&b, p, take);
        rows_push(r, role, item, od_buf_steal(&b));
        added++;
        p += take;
        while (*p == ' ')
            p++;
        first = false;
    } while (*p);
    free(clean);
    return added;
}

void ui_row_span(ui_row *row, size_t start, size_t len, ui_role role)
{
    if (row->n_spans >= UI_MAX_SPANS || start >= strlen(row->text))
        return;
    row->spans[row->n_spans++] = (ui_span){start, len, role};
}

bool ui_row_highlight(ui_row *row, const char *needle, ui_role role)
{
    if (!needle || !*needle)
        return false;
    const char *hit = strstr(row->text, needle);
    if (!hit)
        return false;
    ui_row_span(row, (size_t)(hit - row->text), strlen(needle), role);
    return true;
}

char *ui_expand_home(const char *path)
{
    const char *home = getenv("HOME");
    if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') && home && *home)
        return od_xasprintf("%s%s", home, path + 1);
    return od_xstrdup(path);
}

char *ui_complete_path(const char *typed, size_t *matches)
{
    *matches = 0;
    char *full = ui_expand_home(typed);
    char *slash = strrchr(full, '/');
    char *dir = slash ? od_xasprintf("%.*s", (int)(slash - full + 1), full) : od_xstrdup("./");
    const char *base = slash ? slash + 1 : full;
    size_t blen = strlen(base);
    DIR *d = opendir(dir);
    char *best = NULL;
    bool best_is_dir = false;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strncmp(e->d_name, base, blen) != 0 || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            if (e->d_name[0] == '.' && base[0] != '.')
                continue;   /* hidden files only when asked for */
            (*matches)++;
            if (!best) {
                best = od_xstrdup(e->d_name);
                char *p = od_xasprintf("%s%s", dir, e->d_name);
                struct stat st;
                best_is_dir = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
                free(p);
            } else {
                size_t k = 0;
                while (best[k] && best[k] == e->d_name[k])
                    k++;
                best[k] = '\0';   /* the common part of every match */
                best_is_dir = false;
            }
        }
        closedir(d);
    }
    char *out = NULL;
    if (best) {
        /* keep what was typed before the last part (a "~/" stays "~/") */
        const char *tslash = strrchr(typed, '/');
        out = od_xasprintf("%.*s%s%s", tslash ? (int)(tslash - typed + 1) : 0, typed, best,
                           *matches == 1 && best_is_dir ? "/" : "");
    }
    free(best);
    free(dir);
    free(full);
    return out;
}
