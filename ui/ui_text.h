/* Curses-free text helpers for the UI: display width of UTF-8, defensive
 * sanitising of report text, and "rows" (lines with a colour role and
 * highlighted spans) that every pane is built from. */
#ifndef UI_TEXT_H
#define UI_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Colour roles: semantic, mapped to colours or mono attributes by ui_term. */
typedef enum {
    UI_R_NORMAL,
    UI_R_TITLE,
    UI_R_BAR,        /* status bar */
    UI_R_KEY,        /* key names in the status bar */
    UI_R_SEL,        /* selected row, focused pane */
    UI_R_SEL_DIM,    /* selected row, unfocused pane */
    UI_R_FAIL,
    UI_R_WARN,
    UI_R_PASS,
    UI_R_INFO,
    UI_R_DIM,
    UI_R_MATCH,      /* the certificate name that matches an expected name */
    UI_R_HEAD,       /* section headings */
    UI_R_ERROR,      /* validation and export errors */
    UI_R_VERDICT_FAIL,
    UI_R_VERDICT_OK,
    UI_R_SEARCH,     /* search hits */
    UI_R_TAB,
    UI_R_TAB_ACTIVE,
    UI_R_COUNT
} ui_role;

typedef struct {
    size_t start, len;   /* byte offsets into the row text */
    ui_role role;
} ui_span;

#define UI_MAX_SPANS 6

typedef struct {
    char *text;          /* sanitised, never contains control characters */
    ui_role role;
    int item;            /* the model item this row shows (finding, cert ...), -1 none */
    ui_span spans[UI_MAX_SPANS];
    int n_spans;
} ui_row;

typedef struct {
    ui_row *rows;
    size_t len, cap;
} ui_rows;

/* Glyphs with a UTF-8 and an ASCII variant, chosen once from the locale. */
typedef struct {
    const char *pass, *warn, *fail, *info, *skip;
    const char *arrow, *down, *broken, *hline, *vline;
    const char *tl, *tr, *bl, *br;
    const char *spinner[4];
    const char *ellipsis;
} ui_glyphs;

const ui_glyphs *ui_glyphs_get(bool utf8);

/* Columns the UTF-8 text occupies (invalid bytes count as one). */
int ui_text_width(const char *s);
/* Byte length of the longest prefix of s that fits in cols columns. */
size_t ui_text_fit(const char *s, int cols);
/* Text safe for the screen: report text is already escaped, so it is kept
 * as is unless it still holds a control character, an escape sequence or
 * invalid UTF-8, in which case od_escape_str makes every such byte visible.
 * Always malloc'd; NULL becomes "". */
char *ui_sanitize(const char *s);
/* "~/x" is the home folder's x, as a shell reads it (malloc'd). */
char *ui_expand_home(const char *path);
/* Completes a file name being typed (Tab): the longest completion of its
 * last part in its folder ("~/" understood), a '/' after a folder; NULL
 * when nothing matches. *matches: how many names matched. */
char *ui_complete_path(const char *typed, size_t *matches);
/* Case-insensitive (ASCII) substring search; byte offset or -1. */
long ui_find_ci(const char *hay, const char *needle);

void ui_rows_init(ui_rows *r);
void ui_rows_clear(ui_rows *r);
void ui_rows_free(ui_rows *r);
/* Adds one row (text sanitised); returns it for spans. */
ui_row *ui_rows_add(ui_rows *r, ui_role role, int item, const char *text);
ui_row *ui_rows_addf(ui_rows *r, ui_role role, int item, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds text wrapped at width columns; continuation lines are indented by
 * indent spaces. Returns the number of rows added. */
size_t ui_rows_add_wrapped(ui_rows *r, ui_role role, int item, const char *text, int width, int indent);
/* Highlights the first occurrence of needle (exact) in row with role. */
bool ui_row_highlight(ui_row *row, const char *needle, ui_role role);
void ui_row_span(ui_row *row, size_t start, size_t len, ui_role role);

#endif
