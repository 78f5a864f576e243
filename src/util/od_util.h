/* Small helpers shared by every engine module: allocation, growable
 * strings and string lists, time, and escaping of untrusted text. */
#ifndef OD_UTIL_H
#define OD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Allocation that aborts on exhaustion: an out-of-memory diagnosis is
 * not something the tool can report truthfully anyway. od_oom() is that
 * abort, for allocations made elsewhere (cJSON's). */
_Noreturn void od_oom(void);
void *od_xmalloc(size_t n);
void *od_xcalloc(size_t n, size_t size);
void *od_xrealloc(void *p, size_t n);
char *od_xstrdup(const char *s);          /* NULL stays NULL */
char *od_xstrndup(const char *s, size_t n);
char *od_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable, always NUL-terminated byte string. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} od_buf;

void od_buf_init(od_buf *b);
void od_buf_free(od_buf *b);
void od_buf_append(od_buf *b, const char *s, size_t n);
void od_buf_puts(od_buf *b, const char *s);
void od_buf_printf(od_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *od_buf_steal(od_buf *b);            /* caller frees; buffer is reset */

/* A list of owned strings. */
typedef struct {
    char **items;
    size_t len;
    size_t cap;
} od_strlist;

void od_strlist_init(od_strlist *l);
void od_strlist_free(od_strlist *l);
void od_strlist_add(od_strlist *l, const char *s);          /* copies */
void od_strlist_add_owned(od_strlist *l, char *s);          /* takes */
bool od_strlist_contains(const od_strlist *l, const char *s);       /* exact */
bool od_strlist_contains_ci(const od_strlist *l, const char *s);    /* ASCII case-insensitive */
void od_strlist_copy(od_strlist *dst, const od_strlist *src);
/* The items with sep between them; `empty` (may be "") when there are
 * none. Malloc'd. */
char *od_strlist_join(const od_strlist *l, const char *sep, const char *empty);

/* Stack of a probe thread: handshakes and requests need little (more under
 * the address sanitizer). */
#if defined(__SANITIZE_ADDRESS__)
#define OD_PROBE_STACK (1024 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OD_PROBE_STACK (1024 * 1024)
#endif
#endif
#ifndef OD_PROBE_STACK
#define OD_PROBE_STACK (256 * 1024)
#endif

/* Monotonic milliseconds, for durations and deadlines. */
int64_t od_now_ms(void);
/* The time ms milliseconds from now on `clock`, as pthread_cond_timedwait
 * takes it (on the clock the condition variable was made with). */
struct timespec od_timespec_in(clockid_t clock, int64_t ms);
/* RFC 3339 UTC ("2026-11-26T23:50:00Z") of t into out (>= 21 bytes). */
void od_format_time(time_t t, char *out, size_t outlen);
/* Parses the format above back; false if malformed. */
bool od_parse_time(const char *s, time_t *out);

/* Makes untrusted text safe to show or store: bytes < 0x20, 0x7f and
 * invalid UTF-8 become visible escapes (\n, \t, \e, \xNN); valid UTF-8
 * except C1 controls is kept. Never returns NULL for non-NULL input. */
char *od_escape(const char *s, size_t n);
/* od_escape over a NUL-terminated string; NULL stays NULL. */
char *od_escape_str(const char *s);
/* "\"value\"" escaped, for messages quoting what someone typed or sent. */
char *od_quote(const char *s);
/* s as one POSIX shell word: kept as is when it holds only safe
 * characters, else in single quotes ('\'' for a quote inside). */
char *od_shell_word(const char *s);

/* ASCII case-insensitive compare, locale independent. */
int od_strcasecmp(const char *a, const char *b);
int od_strncasecmp(const char *a, const char *b, size_t n);
/* ASCII case-insensitive search: the first place needle is in hay, or
 * NULL (also when either is NULL). */
const char *od_strcasestr(const char *hay, const char *needle);
/* Lower-cases ASCII letters in place (locale independent); returns s. */
char *od_ascii_lower(char *s);
/* s starts with prefix, ASCII case-insensitively. */
bool od_starts_with_ci(const char *s, const char *prefix);

/* strerror for any thread (strerror_r into the caller's buffer). */
typedef struct {
    char text[128];
} od_errbuf;
const char *od_strerror(int errnum, od_errbuf *buf);

/* Hex of bytes, lowercase, separated by sep (0 for none). */
char *od_hex(const unsigned char *p, size_t n, char sep);

/* Reads a whole file; NULL with errno set on failure. */
char *od_read_file(const char *path, size_t *len);

/* Writes data to path atomically (temporary file in the same folder,
 * fsync, rename). Returns 0, or -1 with errno set; nothing half-written
 * is left behind. If overwrite is false and path exists, fails EEXIST. */
int od_write_file_atomic(const char *path, const char *data, size_t len, bool overwrite);

#endif
