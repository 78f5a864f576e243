/* The terminal: set-up and teardown (restored on exit, Ctrl-C and crash
 * signals), stderr captured while curses runs, colour roles with a mono
 * fallback, and drawing of rows. The only curses-aware helpers. */
#ifndef UI_TERM_H
#define UI_TERM_H

#include <stdbool.h>
#include "ui_text.h"

typedef struct {
    bool utf8;
    bool color;
    int sig_fd;       /* readable when a signal arrived (self-pipe) */
} ui_term;

/* false if the terminal cannot be used (message printed to stderr). */
bool ui_term_init(ui_term *t, bool no_color);
void ui_term_end(ui_term *t);
/* Reads the signals that arrived; sets *resize, and *quit_signal to the
 * number of a signal that asks to end (SIGINT, SIGTERM, SIGHUP). */
void ui_term_take_signals(ui_term *t, bool *resize, int *quit_signal);
/* Applies the current window size after SIGWINCH. */
void ui_term_resize(void);

int ui_attr(const ui_term *t, ui_role role);
/* Starts colours on the current curses screen (one pair per role); sets
 * t->color when they can be used. */
void ui_term_colors(ui_term *t);
/* The role a colour pair stands for (UI_R_NORMAL for pair 0). */
ui_role ui_pair_role(int pair);
/* Writes text at y,x clipped to cols columns; returns columns used. */
int ui_put(const ui_term *t, int y, int x, int cols, const char *text, ui_role role);
void ui_fill(const ui_term *t, int y, int x, int cols, ui_role role);
/* Draws one row: spans coloured, search hits marked, selection shown. */
void ui_draw_row(const ui_term *t, int y, int x, int cols, const ui_row *row, bool selected, bool focused,
                 const char *search);
/* A box with a title; clears its inside. */
void ui_box(const ui_term *t, const ui_glyphs *g, int y, int x, int h, int w, const char *title);

/* Reads one key (non-blocking). Returns false when none is waiting.
 * Mouse events come back as key UI_FKEY(KEY_MOUSE) with *my,*mx,*mbutton
 * (1 left press, 4 wheel up, 5 wheel down). */
bool ui_read_key(int *key, int *my, int *mx, int *mbutton);

#endif
