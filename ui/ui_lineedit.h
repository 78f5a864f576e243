/* A one-line UTF-8 text editor (htop LineEditor idea): pure logic, the
 * caller draws it. The text is kept whatever validation says. */
#ifndef UI_LINEEDIT_H
#define UI_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#define UI_LE_MAX 512

typedef enum {
    UI_LE_LEFT, UI_LE_RIGHT, UI_LE_HOME, UI_LE_END,
    UI_LE_BACKSPACE, UI_LE_DELETE, UI_LE_KILL_LINE, UI_LE_KILL_END, UI_LE_KILL_WORD
} ui_le_op;

typedef struct {
    char text[UI_LE_MAX];
    size_t len;      /* bytes */
    size_t cursor;   /* byte offset, always at a character boundary */
} ui_lineedit;

void ui_le_set(ui_lineedit *e, const char *text);
/* Inserts one code point (as UTF-8); false if it does not fit or is a control. */
bool ui_le_insert(ui_lineedit *e, unsigned codepoint);
/* Applies an editing operation; true if anything changed. */
bool ui_le_apply(ui_lineedit *e, ui_le_op op);
/* Columns before the cursor (for placing it on screen). */
int ui_le_cursor_col(const ui_lineedit *e);

#endif
