/* The key table. Several keys may share an action (arrows and vi keys);
 * only the first binding of an action carries a status-bar label. */
#include "ui_keys.h"

#include <curses.h>

#define F(k) UI_FKEY(k)

static const ui_binding table[] = {
    /* everywhere */
    {UI_CTX_COMMON, '?', UI_A_HELP, "?", "help", "show this help (every key)"},
    {UI_CTX_COMMON, F(KEY_F(1)), UI_A_HELP, "F1", "", "show this help"},
    {UI_CTX_COMMON, F(KEY_F(10)), UI_A_QUIT, "F10", "", "quit (asks first if nothing was exported)"},
    {UI_CTX_COMMON, UI_KEY_CTRL('q'), UI_A_QUIT, "^Q", "", "quit (asks first if nothing was exported)"},
    {UI_CTX_COMMON, UI_KEY_CTRL('l'), UI_A_REDRAW, "^L", "", "redraw the screen"},

    /* the first screen and its lists */
    {UI_CTX_START, UI_KEY_ENTER, UI_A_ACCEPT, "Enter", "choose", "choose the selected line"},
    {UI_CTX_START, F(KEY_UP), UI_A_UP, "Up", "", "previous line"},
    {UI_CTX_START, 'k', UI_A_UP, "k", "", "previous line"},
    {UI_CTX_START, F(KEY_DOWN), UI_A_DOWN, "Down", "", "next line"},
    {UI_CTX_START, 'j', UI_A_DOWN, "j", "", "next line"},
    {UI_CTX_START, F(KEY_PPAGE), UI_A_PGUP, "PgUp", "", "page up"},
    {UI_CTX_START, F(KEY_NPAGE), UI_A_PGDN, "PgDn", "", "page down"},
    {UI_CTX_START, F(KEY_HOME), UI_A_HOME, "Home", "", "first line"},
    {UI_CTX_START, F(KEY_END), UI_A_END, "End", "", "last line"},
    {UI_CTX_START, UI_KEY_ESC, UI_A_BACK, "Esc", "back", "back to the previous list"},
    {UI_CTX_START, 'q', UI_A_QUIT, "q", "quit", "quit"},
    {UI_CTX_START, '1', UI_A_PANE_1, "1", "", "first screen: New check"},
    {UI_CTX_START, '2', UI_A_PANE_2, "2", "", "first screen: Open a saved report"},
    {UI_CTX_START, '3', UI_A_PANE_3, "3", "", "first screen: Import a distribution config"},
    {UI_CTX_START, '4', UI_A_PANE_4, "4", "", "first screen: Practice lab"},
    {UI_CTX_START, '5', UI_A_PANE_5, "5", "", "first screen: Guided check"},

    /* the first screen's file name prompts */
    {UI_CTX_PROMPT, UI_KEY_ENTER, UI_A_ACCEPT, "Enter", "open", "open the file"},
    {UI_CTX_PROMPT, UI_KEY_ESC, UI_A_BACK, "Esc", "back", "back to the first screen"},
    {UI_CTX_PROMPT, '\t', UI_A_COMPLETE, "Tab", "complete", "complete the file name (~ is your home folder)"},

    /* the wizard */
    {UI_CTX_WIZARD, UI_KEY_ENTER, UI_A_ACCEPT, "Enter", "accept", "accept this answer and go on"},
    {UI_CTX_WIZARD, '\t', UI_A_NEXT, "Tab", "next", "next question"},
    {UI_CTX_WIZARD, F(KEY_BTAB), UI_A_PREV, "S-Tab", "back", "previous question"},
    {UI_CTX_WIZARD, UI_KEY_ESC, UI_A_BACK, "Esc", "", "go back one question"},
    {UI_CTX_WIZARD, F(KEY_UP), UI_A_UP, "Up", "", "previous field or choice"},
    {UI_CTX_WIZARD, F(KEY_DOWN), UI_A_DOWN, "Down", "", "next field or choice"},
    {UI_CTX_WIZARD, F(KEY_LEFT), UI_A_LEFT, "Left", "", "move the cursor (text) / previous question (choices)"},
    {UI_CTX_WIZARD, F(KEY_RIGHT), UI_A_RIGHT, "Right", "", "move the cursor (text) / next question (choices)"},
    {UI_CTX_WIZARD, F(KEY_PPAGE), UI_A_PREV, "PgUp", "", "previous question"},
    {UI_CTX_WIZARD, F(KEY_NPAGE), UI_A_NEXT, "PgDn", "", "next question"},
    {UI_CTX_WIZARD, ' ', UI_A_TOGGLE, "Space", "select", "select / toggle a choice"},
    {UI_CTX_WIZARD, F(KEY_DC), UI_A_DELETE, "Del", "", "delete the selected name (names list)"},
    {UI_CTX_WIZARD, 'd', UI_A_DELETE, "d", "", "delete the selected name (names list)"},
    {UI_CTX_WIZARD, F(KEY_F(5)), UI_A_RUN, "F5", "run", "run the checks now (from any question)"},
    {UI_CTX_WIZARD, 'r', UI_A_RUN, "r", "", "run the checks (on the review, and where nothing is typed)"},

    /* the step screen */
    {UI_CTX_PROGRESS, UI_KEY_ESC, UI_A_CANCEL, "Esc", "cancel", "cancel the run (finished checks are kept)"},
    {UI_CTX_PROGRESS, F(KEY_UP), UI_A_UP, "Up", "", "scroll up"},
    {UI_CTX_PROGRESS, 'k', UI_A_UP, "k", "", "scroll up"},
    {UI_CTX_PROGRESS, F(KEY_DOWN), UI_A_DOWN, "Down", "", "scroll down"},
    {UI_CTX_PROGRESS, 'j', UI_A_DOWN, "j", "", "scroll down"},
    {UI_CTX_PROGRESS, 'q', UI_A_QUIT, "q", "quit", "quit (cancels the run)"},

    /* the step screen once the run has ended */
    {UI_CTX_DONE, UI_KEY_ENTER, UI_A_RESULTS, "Enter", "results", "show the results"},
    {UI_CTX_DONE, UI_KEY_ESC, UI_A_RESULTS, "Esc", "", "show the results"},
    {UI_CTX_DONE, F(KEY_UP), UI_A_UP, "Up", "", "scroll up"},
    {UI_CTX_DONE, 'k', UI_A_UP, "k", "", "scroll up"},
    {UI_CTX_DONE, F(KEY_DOWN), UI_A_DOWN, "Down", "", "scroll down"},
    {UI_CTX_DONE, 'j', UI_A_DOWN, "j", "", "scroll down"},
    {UI_CTX_DONE, 'w', UI_A_WIZARD, "w", "wizard", "back to the wizard, answers kept"},
    {UI_CTX_DONE, 'q', UI_A_QUIT, "q", "quit", "quit"},

    /* the Host forwarding question of an imported configuration */
    {UI_CTX_HOST_Q, 'y', UI_A_YES, "y", "yes", "yes: the policy forwards the viewer's Host"},
    {UI_CTX_HOST_Q, 'n', UI_A_NO, "n", "no", "no: it does not"},
    {UI_CTX_HOST_Q, UI_KEY_ENTER, UI_A_ACCEPT, "Enter", "choose", "choose the selected answer"},
    {UI_CTX_HOST_Q, F(KEY_UP), UI_A_UP, "Up", "", "previous answer"},
    {UI_CTX_HOST_Q, F(KEY_DOWN), UI_A_DOWN, "Down", "", "next answer"},
    {UI_CTX_HOST_Q, UI_KEY_ESC, UI_A_BACK, "Esc", "back", "back to the origins"},
    {UI_CTX_HOST_Q, 'q', UI_A_QUIT, "q", "quit", "quit"},

    /* the result panes */
    {UI_CTX_RESULTS, '\t', UI_A_PANE_NEXT, "Tab", "pane", "next pane"},
    {UI_CTX_RESULTS, F(KEY_BTAB), UI_A_PANE_PREV, "S-Tab", "", "previous pane"},
    {UI_CTX_RESULTS, '1', UI_A_PANE_1, "1", "", "the pane with this number on its tab"},
    {UI_CTX_RESULTS, '2', UI_A_PANE_2, "2", "", "the pane with this number on its tab"},
    {UI_CTX_RESULTS, '3', UI_A_PANE_3, "3", "", "the pane with this number on its tab"},
    {UI_CTX_RESULTS, '4', UI_A_PANE_4, "4", "", "the pane with this number on its tab"},
    {UI_CTX_RESULTS, '5', UI_A_PANE_5, "5", "", "the pane with this number on its tab"},
    {UI_CTX_RESULTS, '6', UI_A_PANE_6, "6", "", "the pane with this number on its tab"},
    {UI_CTX_RESULTS, '7', UI_A_PANE_7, "7", "", "the pane with this number on its tab"},
    {UI_CTX_RESULTS, '8', UI_A_PANE_8, "8", "", "the pane with this number on its tab"},
    {UI_CTX_RESULTS, '9', UI_A_PANE_9, "9", "", "the pane with this number on its tab"},
    {UI_CTX_RESULTS, F(KEY_UP), UI_A_UP, "Up", "", "move up"},
    {UI_CTX_RESULTS, 'k', UI_A_UP, "k", "", "move up"},
    {UI_CTX_RESULTS, F(KEY_DOWN), UI_A_DOWN, "Down", "", "move down"},
    {UI_CTX_RESULTS, 'j', UI_A_DOWN, "j", "", "move down"},
    {UI_CTX_RESULTS, F(KEY_PPAGE), UI_A_PGUP, "PgUp", "", "page up"},
    {UI_CTX_RESULTS, UI_KEY_CTRL('b'), UI_A_PGUP, "^B", "", "page up"},
    {UI_CTX_RESULTS, F(KEY_NPAGE), UI_A_PGDN, "PgDn", "", "page down"},
    {UI_CTX_RESULTS, UI_KEY_CTRL('f'), UI_A_PGDN, "^F", "", "page down"},
    {UI_CTX_RESULTS, F(KEY_HOME), UI_A_HOME, "Home", "", "first row"},
    {UI_CTX_RESULTS, 'g', UI_A_HOME, "g", "", "first row"},
    {UI_CTX_RESULTS, F(KEY_END), UI_A_END, "End", "", "last row"},
    {UI_CTX_RESULTS, 'G', UI_A_END, "G", "", "last row"},
    {UI_CTX_RESULTS, F(KEY_RIGHT), UI_A_FOCUS_DETAIL, "Right", "", "move into the detail beside the list"},
    {UI_CTX_RESULTS, 'l', UI_A_FOCUS_DETAIL, "l", "", "move into the detail beside the list"},
    {UI_CTX_RESULTS, UI_KEY_ENTER, UI_A_OPEN, "Enter", "", "open the selected row (a chain certificate: its fields)"},
    {UI_CTX_RESULTS, F(KEY_LEFT), UI_A_FOCUS_LIST, "Left", "", "back to the list"},
    {UI_CTX_RESULTS, 'h', UI_A_FOCUS_LIST, "h", "", "back to the list"},
    {UI_CTX_RESULTS, UI_KEY_ESC, UI_A_BACK, "Esc", "", "back to the list / clear the search / back to the fleet list"},
    {UI_CTX_RESULTS, ']', UI_A_ITEM_NEXT, "]", "", "next handshake (Chain) / certificate (Certificate)"},
    {UI_CTX_RESULTS, '[', UI_A_ITEM_PREV, "[", "", "previous handshake (Chain) / certificate (Certificate)"},
    {UI_CTX_RESULTS, '/', UI_A_SEARCH, "/", "search", "search within the pane"},
    {UI_CTX_RESULTS, 'n', UI_A_SEARCH_NEXT, "n", "", "next search hit"},
    {UI_CTX_RESULTS, 'N', UI_A_SEARCH_PREV, "N", "", "previous search hit"},
    {UI_CTX_RESULTS, 'c', UI_A_COPY, "c", "copy", "copy the selected finding's command (or its first fix)"},
    {UI_CTX_RESULTS, 's', UI_A_SUMMARY, "s", "summary", "a short summary for a chat or a ticket"},
    {UI_CTX_RESULTS, 'e', UI_A_EXPORT, "e", "export", "export the report (JSON or Markdown)"},
    {UI_CTX_RESULTS, 'W', UI_A_WRITE_CHAIN, "W", "", "Chain pane: write the corrected chain (leaf first, no root) to a file"},
    {UI_CTX_RESULTS, 'r', UI_A_RERUN, "r", "rerun", "run the checks again"},
    {UI_CTX_RESULTS, 'w', UI_A_WIZARD, "w", "wizard", "back to the wizard, answers kept"},
    {UI_CTX_RESULTS, 'o', UI_A_ORIGINS, "o", "", "back to the origins (a distribution report, a fleet)"},
    {UI_CTX_RESULTS, 'q', UI_A_QUIT, "q", "quit", "quit (asks first if nothing was exported); from a fleet: back to its list"},

    /* the export dialog */
    {UI_CTX_EXPORT, UI_KEY_ENTER, UI_A_ACCEPT, "Enter", "write", "write the file"},
    {UI_CTX_EXPORT, '\t', UI_A_NEXT, "Tab", "field", "next field"},
    {UI_CTX_EXPORT, F(KEY_BTAB), UI_A_PREV, "S-Tab", "", "previous field"},
    {UI_CTX_EXPORT, F(KEY_UP), UI_A_PREV, "Up", "", "previous field"},
    {UI_CTX_EXPORT, F(KEY_DOWN), UI_A_NEXT, "Down", "", "next field"},
    {UI_CTX_EXPORT, ' ', UI_A_TOGGLE, "Space", "format", "switch the format (on the format field)"},
    {UI_CTX_EXPORT, F(KEY_LEFT), UI_A_LEFT, "Left", "", "switch the format (on the format field)"},
    {UI_CTX_EXPORT, F(KEY_RIGHT), UI_A_RIGHT, "Right", "", "switch the format (on the format field)"},
    {UI_CTX_EXPORT, UI_KEY_ESC, UI_A_BACK, "Esc", "close", "close the dialog"},

    /* yes/no questions */
    {UI_CTX_CONFIRM, 'y', UI_A_YES, "y", "yes", "yes"},
    {UI_CTX_CONFIRM, 'Y', UI_A_YES, "Y", "", "yes"},
    {UI_CTX_CONFIRM, 'n', UI_A_NO, "n", "no", "no"},
    {UI_CTX_CONFIRM, 'N', UI_A_NO, "N", "", "no"},
    {UI_CTX_CONFIRM, UI_KEY_ESC, UI_A_NO, "Esc", "", "no"},
    {UI_CTX_CONFIRM, 'e', UI_A_EXPORT, "e", "export", "export first (when quitting)"},

    /* the help overlay */
    {UI_CTX_HELP, F(KEY_UP), UI_A_UP, "Up", "", "scroll"},
    {UI_CTX_HELP, 'k', UI_A_UP, "k", "", "scroll"},
    {UI_CTX_HELP, F(KEY_DOWN), UI_A_DOWN, "Down", "", "scroll"},
    {UI_CTX_HELP, 'j', UI_A_DOWN, "j", "", "scroll"},
    {UI_CTX_HELP, F(KEY_PPAGE), UI_A_PGUP, "PgUp", "", "page up"},
    {UI_CTX_HELP, F(KEY_NPAGE), UI_A_PGDN, "PgDn", "", "page down"},
    {UI_CTX_HELP, UI_KEY_ESC, UI_A_BACK, "Esc", "close", "close the help"},
    {UI_CTX_HELP, 'q', UI_A_BACK, "q", "", "close the help"},
    {UI_CTX_HELP, '?', UI_A_BACK, "?", "", "close the help"},

    /* typing a search */
    {UI_CTX_SEARCH, UI_KEY_ENTER, UI_A_ACCEPT, "Enter", "find", "search for the text"},
    {UI_CTX_SEARCH, UI_KEY_ESC, UI_A_BACK, "Esc", "cancel", "cancel the search"},

    /* the guided session */
    {UI_CTX_GUIDED, UI_KEY_ENTER, UI_A_ACCEPT, "Enter", "next", "go on: the result, then the next check"},
    {UI_CTX_GUIDED, UI_KEY_ESC, UI_A_BACK, "Esc", "back", "back one page"},
    {UI_CTX_GUIDED, F(KEY_LEFT), UI_A_BACK, "Left", "", "back one page"},
    {UI_CTX_GUIDED, F(KEY_UP), UI_A_UP, "Up", "", "open the check above in the list"},
    {UI_CTX_GUIDED, F(KEY_DOWN), UI_A_DOWN, "Down", "", "open the check below in the list"},
    {UI_CTX_GUIDED, F(KEY_PPAGE), UI_A_PGUP, "PgUp", "", "scroll the page up"},
    {UI_CTX_GUIDED, F(KEY_NPAGE), UI_A_PGDN, "PgDn", "", "scroll the page down"},
    {UI_CTX_GUIDED, 'c', UI_A_COPY, "c", "copy", "copy the command shown (or the summary)"},
    {UI_CTX_GUIDED, 's', UI_A_SUMMARY, "s", "", "a short summary (when the checks are done)"},
    {UI_CTX_GUIDED, 'a', UI_A_RESULTS, "a", "all", "every result, pane by pane (when the checks are done)"},
    {UI_CTX_GUIDED, 'q', UI_A_QUIT, "q", "quit", "quit"},

    /* the summary */
    {UI_CTX_SUMMARY, 'c', UI_A_COPY, "c", "copy", "copy the summary"},
    {UI_CTX_SUMMARY, UI_KEY_ESC, UI_A_BACK, "Esc", "close", "close the summary"},
    {UI_CTX_SUMMARY, 'q', UI_A_BACK, "q", "", "close the summary"},

    /* editing any text field */
    {UI_CTX_TEXT, F(KEY_LEFT), UI_A_LE_LEFT, "Left", "", "cursor left"},
    {UI_CTX_TEXT, F(KEY_RIGHT), UI_A_LE_RIGHT, "Right", "", "cursor right"},
    {UI_CTX_TEXT, F(KEY_HOME), UI_A_LE_HOME, "Home", "", "start of the text"},
    {UI_CTX_TEXT, UI_KEY_CTRL('a'), UI_A_LE_HOME, "^A", "", "start of the text"},
    {UI_CTX_TEXT, F(KEY_END), UI_A_LE_END, "End", "", "end of the text"},
    {UI_CTX_TEXT, UI_KEY_CTRL('e'), UI_A_LE_END, "^E", "", "end of the text"},
    {UI_CTX_TEXT, F(KEY_BACKSPACE), UI_A_LE_BACKSPACE, "Backspace", "", "delete before the cursor"},
    {UI_CTX_TEXT, 0x7f, UI_A_LE_BACKSPACE, "Backspace", "", "delete before the cursor"},
    {UI_CTX_TEXT, UI_KEY_CTRL('h'), UI_A_LE_BACKSPACE, "^H", "", "delete before the cursor"},
    {UI_CTX_TEXT, F(KEY_DC), UI_A_LE_DELETE, "Del", "", "delete under the cursor"},
    {UI_CTX_TEXT, UI_KEY_CTRL('d'), UI_A_LE_DELETE, "^D", "", "delete under the cursor"},
    {UI_CTX_TEXT, UI_KEY_CTRL('u'), UI_A_LE_KILL_LINE, "^U", "", "clear the field"},
    {UI_CTX_TEXT, UI_KEY_CTRL('k'), UI_A_LE_KILL_END, "^K", "", "delete to the end"},
    {UI_CTX_TEXT, UI_KEY_CTRL('w'), UI_A_LE_KILL_WORD, "^W", "", "delete the word before the cursor"},

    /* the --fleet list */
    {UI_CTX_FLEET, UI_KEY_ENTER, UI_A_OPEN, "Enter", "open", "open the selected origin's report (Esc or q: back to the list)"},
    {UI_CTX_FLEET, 'v', UI_A_SORT_VERDICT, "v", "by verdict", "sort by verdict (failing first); again: as checked"},
    {UI_CTX_FLEET, 'x', UI_A_SORT_EXPIRY, "x", "by expiry", "sort by days to the first certificate expiry (soonest first); again: as checked"},
    {UI_CTX_FLEET, F(KEY_UP), UI_A_UP, "Up", "", "previous origin"},
    {UI_CTX_FLEET, 'k', UI_A_UP, "k", "", "previous origin"},
    {UI_CTX_FLEET, F(KEY_DOWN), UI_A_DOWN, "Down", "", "next origin"},
    {UI_CTX_FLEET, 'j', UI_A_DOWN, "j", "", "next origin"},
    {UI_CTX_FLEET, F(KEY_PPAGE), UI_A_PGUP, "PgUp", "", "page up"},
    {UI_CTX_FLEET, F(KEY_NPAGE), UI_A_PGDN, "PgDn", "", "page down"},
    {UI_CTX_FLEET, F(KEY_HOME), UI_A_HOME, "Home", "", "first origin"},
    {UI_CTX_FLEET, 'g', UI_A_HOME, "g", "", "first origin"},
    {UI_CTX_FLEET, F(KEY_END), UI_A_END, "End", "", "last origin"},
    {UI_CTX_FLEET, 'G', UI_A_END, "G", "", "last origin"},
    {UI_CTX_FLEET, 'q', UI_A_QUIT, "q", "quit", "quit (cancels a run)"},

    /* a window too small to use */
    {UI_CTX_SMALL, 'q', UI_A_QUIT, "q", "quit", "quit"},
};

int ui_key_fold(int key)
{
    return key == '\r' || key == F(KEY_ENTER) ? UI_KEY_ENTER : key;
}

bool ui_key_is_text(int key)
{
    return key >= 0x20 && key != 0x7f && key < UI_FKEY_BASE && !(key >= 0x80 && key < 0xa0);
}

const ui_binding *ui_bindings(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

static ui_action find(ui_ctx ctx, int key)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].ctx == ctx && table[i].key == key)
            return table[i].action;
    return UI_A_NONE;
}

ui_action ui_key_action(ui_ctx ctx, int key)
{
    ui_action a = find(ctx, key);
    /* help and search keys are ordinary text while typing; editing keys
     * stand alone */
    if (a == UI_A_NONE && ctx != UI_CTX_SEARCH && ctx != UI_CTX_HELP && ctx != UI_CTX_TEXT)
        a = find(UI_CTX_COMMON, key);
    if (a == UI_A_NONE && ctx == UI_CTX_HELP)
        a = UI_A_BACK;   /* any other key closes the help */
    return a;
}

const char *ui_key_name(ui_ctx ctx, ui_action act)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].ctx == ctx && table[i].action == act)
            return table[i].key_name;
    return "?";
}

const char *ui_ctx_title(ui_ctx ctx)
{
    switch (ctx) {
    case UI_CTX_COMMON: return "Everywhere";
    case UI_CTX_START: return "First screen (and its lists)";
    case UI_CTX_PROMPT: return "File name prompts";
    case UI_CTX_WIZARD: return "Questions (wizard)";
    case UI_CTX_PROGRESS: return "Running the checks";
    case UI_CTX_DONE: return "The step screen after the run";
    case UI_CTX_HOST_Q: return "Host forwarding question (imported configuration)";
    case UI_CTX_RESULTS: return "Result panes";
    case UI_CTX_EXPORT: return "Export dialog";
    case UI_CTX_CONFIRM: return "Questions asked before quitting or overwriting";
    case UI_CTX_HELP: return "This help";
    case UI_CTX_SEARCH: return "Typing a search";
    case UI_CTX_TEXT: return "Text fields";
    case UI_CTX_GUIDED: return "Guided session";
    case UI_CTX_SUMMARY: return "Short summary";
    case UI_CTX_SMALL: return "Window too small";
    case UI_CTX_FLEET: return "Fleet list (--fleet)";
    case UI_CTX_COUNT: break;
    }
    return "";
}

size_t ui_status_hints(ui_ctx ctx, const ui_binding **out, size_t max)
{
    size_t n = 0;
    const size_t count = sizeof table / sizeof table[0];
    /* the common keys only on the main screens: in a dialog they would
     * crowd out the dialog's own keys */
    bool with_common = ctx == UI_CTX_RESULTS || ctx == UI_CTX_WIZARD || ctx == UI_CTX_PROGRESS || ctx == UI_CTX_GUIDED || ctx == UI_CTX_DONE ||
                       ctx == UI_CTX_START || ctx == UI_CTX_FLEET || ctx == UI_CTX_PROMPT;
    ui_ctx ctxs[2] = {ctx, UI_CTX_COMMON};
    for (int c = 0; c < (with_common && ctx != UI_CTX_COMMON ? 2 : 1); c++)
        for (size_t i = 0; i < count && n < max; i++)
            if (table[i].ctx == ctxs[c] && table[i].label[0])
                out[n++] = &table[i];
    return n;
}
