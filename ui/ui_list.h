/* A scroll-and-selection model for one list of rows (cmus window.h idea):
 * no curses, so it is unit-testable; every pane reuses it. */
#ifndef UI_LIST_H
#define UI_LIST_H

#include <stddef.h>

typedef struct {
    size_t count;   /* rows in the list */
    size_t sel;     /* selected row (0 when empty) */
    size_t top;     /* first visible row */
} ui_list;

void ui_list_init(ui_list *l);
/* Sets the row count, keeping the selection inside it. */
void ui_list_set_count(ui_list *l, size_t count);
void ui_list_move(ui_list *l, long delta);
void ui_list_select(ui_list *l, size_t row);
void ui_list_home(ui_list *l);
void ui_list_end(ui_list *l);
/* Scrolls so that sel is visible in a window of height rows. */
void ui_list_scroll(ui_list *l, size_t height);

#endif
