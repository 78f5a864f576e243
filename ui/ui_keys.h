/* Keys -> actions, per context (tig REQ_INFO / dialog DLGK_* idea). The
 * status bar hints and the help overlay are generated from this one table,
 * so they cannot drift from what the keys do. */
#ifndef UI_KEYS_H
#define UI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

/* A key: a Unicode character, or UI_FKEY(curses KEY_* code). */
#define UI_FKEY_BASE 0x200000
#define UI_FKEY(k) (UI_FKEY_BASE + (k))
#define UI_KEY_ESC 27
#define UI_KEY_CTRL(c) ((c) & 0x1f)
/* Enter: CR, LF and the keypad's KEY_ENTER all arrive as this one key
 * (ui_key_fold), so the table binds Enter once per context. */
#define UI_KEY_ENTER '\n'

typedef enum {
    UI_CTX_COMMON,     /* everywhere, unless the screen's context binds the key */
    UI_CTX_START,      /* the first screen and its lists (labs, origins, questions) */
    UI_CTX_PROMPT,     /* the first screen's file name prompts */
    UI_CTX_WIZARD,
    UI_CTX_PROGRESS,
    UI_CTX_DONE,       /* the step screen once the run has ended */
    UI_CTX_HOST_Q,     /* the first screen's Host forwarding question (a list with y/n) */
    UI_CTX_RESULTS,
    UI_CTX_EXPORT,
    UI_CTX_CONFIRM,
    UI_CTX_HELP,
    UI_CTX_SEARCH,
    UI_CTX_GUIDED,     /* the guided session */
    UI_CTX_SUMMARY,    /* the short summary overlay */
    UI_CTX_TEXT,       /* editing keys of every text field (no fallback to the common keys) */
    UI_CTX_SMALL,      /* the window is too small to draw anything else */
    UI_CTX_FLEET,      /* the --fleet list of distributions and origins */
    UI_CTX_COUNT
} ui_ctx;

typedef enum {
    UI_A_NONE,
    UI_A_HELP, UI_A_QUIT, UI_A_REDRAW,
    UI_A_NEXT, UI_A_PREV, UI_A_ACCEPT, UI_A_BACK, UI_A_TOGGLE,
    UI_A_UP, UI_A_DOWN, UI_A_LEFT, UI_A_RIGHT, UI_A_PGUP, UI_A_PGDN, UI_A_HOME, UI_A_END,
    UI_A_PANE_NEXT, UI_A_PANE_PREV,
    UI_A_PANE_1, UI_A_PANE_2, UI_A_PANE_3, UI_A_PANE_4, UI_A_PANE_5, UI_A_PANE_6,
    UI_A_PANE_7, UI_A_PANE_8, UI_A_PANE_9,
    UI_A_OPEN, UI_A_FOCUS_DETAIL, UI_A_FOCUS_LIST, UI_A_ITEM_NEXT, UI_A_ITEM_PREV,
    UI_A_SEARCH, UI_A_SEARCH_NEXT, UI_A_SEARCH_PREV,
    UI_A_EXPORT, UI_A_RERUN, UI_A_WIZARD, UI_A_WRITE_CHAIN,
    UI_A_CANCEL, UI_A_RESULTS, UI_A_DELETE, UI_A_RUN,
    UI_A_YES, UI_A_NO,
    UI_A_COPY, UI_A_SUMMARY, UI_A_COMPLETE, UI_A_ORIGINS,
    UI_A_SORT_VERDICT, UI_A_SORT_EXPIRY,
    /* text fields (UI_CTX_TEXT) */
    UI_A_LE_LEFT, UI_A_LE_RIGHT, UI_A_LE_HOME, UI_A_LE_END, UI_A_LE_BACKSPACE, UI_A_LE_DELETE,
    UI_A_LE_KILL_LINE, UI_A_LE_KILL_END, UI_A_LE_KILL_WORD,
    UI_A_COUNT
} ui_action;

typedef struct {
    ui_ctx ctx;
    int key;
    ui_action action;
    const char *key_name;   /* as shown to the user */
    const char *label;      /* short, for the status bar ("" : not in the bar) */
    const char *help;       /* one line for the help overlay */
} ui_binding;

const ui_binding *ui_bindings(size_t *n);
/* The key as the table knows it: CR and KEY_ENTER become UI_KEY_ENTER. */
int ui_key_fold(int key);
/* A character to type into a text field (not a control, not a function key). */
bool ui_key_is_text(int key);
/* The action of key in ctx (falling back to the common context). */
ui_action ui_key_action(ui_ctx ctx, int key);
const char *ui_ctx_title(ui_ctx ctx);
/* The name of the first key bound to act in ctx (for hints written into a
 * screen), or "?" when none is. */
const char *ui_key_name(ui_ctx ctx, ui_action act);
/* The status bar's hints for ctx, in bar order (the context's labelled
 * bindings, then the common ones on the main screens); returns how many
 * were written to out (at most max). ui_draw_status draws exactly these. */
size_t ui_status_hints(ui_ctx ctx, const ui_binding **out, size_t max);

#endif
