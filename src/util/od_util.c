#include "od_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Noreturn void od_oom(void)
{
    fputs("origin-doctor: out of memory\n", stderr);
    abort();
}


void *od_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        od_oom();
    return p;
}

void *od_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        od_oom();
    return p;
}

void *od_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        od_oom();
    return q;
}

char *od_xstrdup(const char *s)
{
    if (!s)
        return NULL;
    return od_xstrndup(s, strlen(s));
}

char *od_xstrndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *p = od_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static char *vasprintf_x(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    char *p = od_xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *od_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = vasprintf_x(fmt, ap);
    va_end(ap);
    return p;
}

void od_buf_init(od_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void od_buf_free(od_buf *b)
{
    free(b->data);
    od_buf_init(b);
}

static void buf_reserve(od_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = od_xrealloc(b->data, cap);
    b->cap = cap;
}

void od_buf_append(od_buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void od_buf_puts(od_buf *b, const char *s)
{
    od_buf_append(b, s, strlen(s));
}

void od_buf_printf(od_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = vasprintf_x(fmt, ap);
    va_end(ap);
    od_buf_puts(b, p);
    free(p);
}

char *od_buf_steal(od_buf *b)
{
    if (!b->data)
        return od_xstrdup("");
    char *p = b->data;
    od_buf_init(b);
    return p;
}

void od_strlist_init(od_strlist *l)
{
    l->items = NULL;
    l->len = 0;
    l->cap = 0;
}

void od_strlist_free(od_strlist *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i]);
    free(l->items);
    od_strlist_init(l);
}

void od_strlist_add_owned(od_strlist *l, char *s)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->items = od_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->len++] = s;
}

void od_strlist_add(od_strlist *l, const char *s)
{
    od_strlist_add_owned(l, od_xstrdup(s ? s : ""));
}

bool od_strlist_contains(const od_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

bool od_strlist_contains_ci(const od_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->len; i++)
        if (od_strcasecmp(l->items[i], s) == 0)
            return true;
    return false;
}

void od_strlist_copy(od_strlist *dst, const od_strlist *src)
{
    od_strlist_init(dst);
    for (size_t i = 0; i < src->len; i++)
        od_strlist_add(dst, src->items[i]);
}

char *od_strlist_join(const od_strlist *l, const char *sep, const char *empty)
{
    if (!l || l->len == 0)
        return od_xstrdup(empty ? empty : "");
    od_buf b;
    od_buf_init(&b);
    for (size_t i = 0; i < l->len; i++) {
        if (i)
            od_buf_puts(&b, sep);
        od_buf_puts(&b, l->items[i] ? l->items[i] : "");
    }
    return od_buf_steal(&b);
}

int64_t od_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct timespec od_timespec_in(clockid_t clock, int64_t ms)
{
    struct timespec t;
    clock_gettime(clock, &t);
    t.tv_sec += (time_t)(ms / 1000);
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

void od_format_time(time_t t, char *out, size_t outlen)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        if (outlen)
            out[0] = '\0';
    }
}

/* Days from civil date (Howard Hinnant's algorithm): timegm without the
 * non-standard timegm(). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

bool od_parse_time(const char *s, time_t *out)
{
    int y, mo, d, h, mi, sec;
    char z;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &z) != 7 || z != 'Z')
        return false;
    if (strlen(s) != 20 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || h < 0 ||
        mi < 0 || sec < 0)
        return false;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *out = (time_t)(days * 86400 + h * 3600 + mi * 60 + sec);
    return true;
}

/* Length of a valid UTF-8 sequence at p (max n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    if (p[0] < 0x80)
        return 1;
    size_t len;
    unsigned cp;
    if ((p[0] & 0xE0) == 0xC0) {
        len = 2;
        cp = p[0] & 0x1F;
    } else if ((p[0] & 0xF0) == 0xE0) {
        len = 3;
        cp = p[0] & 0x0F;
    } else if ((p[0] & 0xF8) == 0xF0) {
        len = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    /* overlong, surrogates, out of range, C1 controls */
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x80 && cp <= 0x9F))
        return 0;
    /* bidi overrides and isolates can disguise text on a terminal */
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
        return 0;
    return len;
}

char *od_escape(const char *s, size_t n)
{
    od_buf b;
    od_buf_init(&b);
    od_buf_append(&b, "", 0);
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned char ch = p[i];
        if (ch == '\\') {
            od_buf_puts(&b, "\\\\");
            i++;
        } else if (ch >= 0x20 && ch < 0x7f) {
            od_buf_append(&b, (const char *)&p[i], 1);
            i++;
        } else if (ch == '\n') {
            od_buf_puts(&b, "\\n");
            i++;
        } else if (ch == '\r') {
            od_buf_puts(&b, "\\r");
            i++;
        } else if (ch == '\t') {
            od_buf_puts(&b, "\\t");
            i++;
        } else if (ch == 0x1b) {
            od_buf_puts(&b, "\\e");
            i++;
        } else if (ch >= 0x80) {
            size_t l = utf8_len(&p[i], n - i);
            if (l) {
                od_buf_append(&b, (const char *)&p[i], l);
                i += l;
            } else {
                od_buf_printf(&b, "\\x%02x", ch);
                i++;
            }
        } else {
            od_buf_printf(&b, "\\x%02x", ch);
            i++;
        }
    }
    return od_buf_steal(&b);
}

char *od_escape_str(const char *s)
{
    return s ? od_escape(s, strlen(s)) : NULL;
}

char *od_quote(const char *s)
{
    char *e = od_escape_str(s ? s : "");
    char *q = od_xasprintf("\"%s\"", e);
    free(e);
    return q;
}

char *od_shell_word(const char *s)
{
    if (!s)
        s = "";
    size_t safe = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:@%+=,-");
    if (*s && !s[safe])
        return od_xstrdup(s);
    od_buf b;
    od_buf_init(&b);
    od_buf_append(&b, "'", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            od_buf_puts(&b, "'\\''");
        else
            od_buf_append(&b, p, 1);
    }
    od_buf_append(&b, "'", 1);
    return od_buf_steal(&b);
}

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int od_strncasecmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int ca = ascii_lower((unsigned char)a[i]), cb = ascii_lower((unsigned char)b[i]);
        if (ca != cb || ca == 0)
            return ca - cb;
    }
    return 0;
}

int od_strcasecmp(const char *a, const char *b)
{
    return od_strncasecmp(a, b, (size_t)-1);
}

const char *od_strcasestr(const char *hay, const char *needle)
{
    if (!hay || !needle)
        return NULL;
    size_t n = strlen(needle);
    for (const char *p = hay;; p++) {
        if (od_strncasecmp(p, needle, n) == 0)
            return p;
        if (!*p)
            return NULL;
    }
}

char *od_ascii_lower(char *s)
{
    for (char *p = s; p && *p; p++)
        *p = (char)ascii_lower((unsigned char)*p);
    return s;
}

bool od_starts_with_ci(const char *s, const char *prefix)
{
    return s && prefix && od_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

const char *od_strerror(int errnum, od_errbuf *buf)
{
    /* The XSI strerror_r (this build does not define _GNU_SOURCE). */
    if (strerror_r(errnum, buf->text, sizeof buf->text) != 0)
        snprintf(buf->text, sizeof buf->text, "error %d", errnum);
    return buf->text;
}

char *od_hex(const unsigned char *p, size_t n, char sep)
{
    static const char digits[] = "0123456789abcdef";
    char *out = od_xmalloc(n * 3 + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (sep && i)
            out[j++] = sep;
        out[j++] = digits[p[i] >> 4];
        out[j++] = digits[p[i] & 15];
    }
    out[j] = '\0';
    return out;
}

char *od_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    od_buf b;
    od_buf_init(&b);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        od_buf_append(&b, chunk, n);
    int err = ferror(f);
    fclose(f);
    if (err) {
        od_buf_free(&b);
        errno = EIO;
        return NULL;
    }
    if (len)
        *len = b.len;
    return od_buf_steal(&b);
}

int od_write_file_atomic(const char *path, const char *data, size_t len, bool overwrite)
{
    struct stat st;
    if (!overwrite && stat(path, &st) == 0) {
        errno = EEXIST;
        return -1;
    }
    char *tmp = od_xasprintf("%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        errno = e;
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        off += (size_t)w;
    }
    if (fchmod(fd, 0644) != 0 || fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (!overwrite) {
        /* link() refuses to replace an existing file: no race with a file created meanwhile */
        if (link(tmp, path) != 0)
            goto fail;
        unlink(tmp);
    } else if (rename(tmp, path) != 0) {
        goto fail;
    }
    free(tmp);
    return 0;
fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    errno = e;
    return -1;
}
