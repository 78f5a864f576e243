/* The guided session's words: for each kind of check (from its step name),
 * a plain title, what CloudFront does there, what we look at, the command
 * the customer can run, a glossary line for its jargon, and what each
 * result means. Curses-free, so the pages are unit- and golden-tested. */
#ifndef UI_GUIDE_H
#define UI_GUIDE_H

#include "od_report.h"
#include "ui_text.h"

typedef enum {
    UI_GK_DNS, UI_GK_TCP, UI_GK_TLS, UI_GK_TLS_NO_SNI, UI_GK_TLS_BROAD, UI_GK_CHAIN, UI_GK_NAMES,
    UI_GK_CIPHERS, UI_GK_HTTP, UI_GK_OTHER
} ui_guide_kind;

/* A step name taken apart: "TLS www.a.test at 127.0.0.1:443" -> TLS,
 * name www.a.test, address 127.0.0.1, port 443. */
typedef struct {
    ui_guide_kind kind;
    char name[256];      /* the host name the step is about ("" when none) */
    char address[64];
    int port;
    char scheme[8];      /* HTTP: "http" or "https" */
    char method[8];      /* HTTP: "HEAD" or "GET" */
} ui_guide_step;

void ui_guide_parse(const char *step_name, ui_guide_step *out);

/* One step as the guide shows it. */
typedef struct {
    const char *name;        /* the engine's step name */
    od_step_status status;
    const char *detail;      /* what was observed, or NULL */
} ui_guide_item;

/* The command the customer can run for this check, on one line
 * (malloc'd); origin: the case's origin domain (for the chain and name
 * checks, which have no name of their own). */
char *ui_guide_command(const ui_guide_step *s, const od_case *c);

/* The page before a check runs: title, what CloudFront does, what we look
 * at, the command, glossary lines for words not explained on an earlier
 * page (items[0..index-1]). Rows are wrapped at width, except the command,
 * which is one row however long (rows carry item 1 on the command row). */
void ui_guide_intro(const ui_guide_item *items, size_t n, size_t index, const od_case *c, int width,
                    ui_rows *out);
/* The page after it ran: the result in plain words, what was seen, the
 * findings that concern it with their first fix, and what comes next.
 * r: the report (NULL while the run goes on: findings not known yet). */
void ui_guide_result(const ui_guide_item *items, size_t n, size_t index, const od_report *r,
                     const ui_glyphs *g, int width, ui_rows *out);
/* A short label for the list of checks ("TLS www.a.test"), malloc'd. */
char *ui_guide_label(const ui_guide_step *s);
/* The plain title of a check ("Can CloudFront find the origin's address?"). */
char *ui_guide_title(const ui_guide_step *s);

#endif
