/* The UI's curses-free models: list scrolling, the line editor, the key
 * table and its status-bar hints, text width/wrap/sanitising, and the
 * saved-versus-live findings comparison. */
#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ui_diff.h"
#include "ui_keys.h"
#include "ui_lineedit.h"
#include "ui_list.h"
#include "ui_text.h"

/* ------------------------------------------------------------ list */

/* Column widths come from wcwidth: a UTF-8 locale, as the UI sets. */
static bool utf8_locale;

static void test_list(void)
{
    ui_list l;
    ui_list_init(&l);
    ui_list_move(&l, 3);
    CHECK(l.sel == 0 && l.top == 0 && l.count == 0);
    ui_list_end(&l);
    CHECK(l.sel == 0);

    ui_list_set_count(&l, 10);
    ui_list_move(&l, 3);
    CHECK(l.sel == 3);
    ui_list_move(&l, -5);
    CHECK(l.sel == 0);
    ui_list_move(&l, 100);
    CHECK(l.sel == 9);
    ui_list_home(&l);
    CHECK(l.sel == 0 && l.top == 0);
    ui_list_end(&l);
    CHECK(l.sel == 9);
    ui_list_select(&l, 20);
    CHECK(l.sel == 9);

    /* a window of 4 rows follows the selection, never past the end */
    ui_list_scroll(&l, 4);
    CHECK(l.top == 6);
    ui_list_home(&l);
    ui_list_scroll(&l, 4);
    CHECK(l.top == 0);
    /* page down = height - 1 rows */
    ui_list_move(&l, 3);
    ui_list_scroll(&l, 4);
    CHECK(l.sel == 3 && l.top == 0);
    ui_list_move(&l, 3);
    ui_list_scroll(&l, 4);
    CHECK(l.sel == 6 && l.top == 3);
    ui_list_move(&l, 3);
    ui_list_scroll(&l, 4);
    CHECK(l.sel == 9 && l.top == 6);
    ui_list_move(&l, 3);   /* at the end: stays */
    CHECK(l.sel == 9);
    /* page up */
    ui_list_move(&l, -3);
    ui_list_scroll(&l, 4);
    CHECK(l.sel == 6 && l.top == 6);
    ui_list_move(&l, -3);
    ui_list_scroll(&l, 4);
    CHECK(l.sel == 3 && l.top == 3);
    ui_list_move(&l, -3);
    ui_list_move(&l, -3);
    ui_list_scroll(&l, 4);
    CHECK(l.sel == 0 && l.top == 0);

    /* shrinking keeps the selection inside and leaves no empty space */
    ui_list_end(&l);
    ui_list_scroll(&l, 4);
    ui_list_set_count(&l, 5);
    CHECK(l.sel == 4);
    CHECK(l.top <= l.sel);
    ui_list_scroll(&l, 4);
    CHECK(l.top == 1);
    ui_list_scroll(&l, 10);   /* everything fits */
    CHECK(l.top == 0);
    ui_list_set_count(&l, 0);
    CHECK(l.sel == 0 && l.top == 0);
    ui_list_scroll(&l, 0);   /* no height: no change, no crash */
    CHECK(l.top == 0);
}

/* ------------------------------------------------------ line editor */

static void test_lineedit(void)
{
    ui_lineedit e;
    ui_le_set(&e, "abc");
    CHECK(e.len == 3 && e.cursor == 3);
    CHECK(ui_le_insert(&e, 'd'));
    CHECK_STR(e.text, "abcd");
    ui_le_apply(&e, UI_LE_LEFT);
    ui_le_apply(&e, UI_LE_LEFT);
    CHECK(ui_le_insert(&e, 'X'));
    CHECK_STR(e.text, "abXcd");
    CHECK(e.cursor == 3);
    CHECK(ui_le_apply(&e, UI_LE_BACKSPACE));
    CHECK_STR(e.text, "abcd");
    CHECK(e.cursor == 2);
    CHECK(ui_le_apply(&e, UI_LE_DELETE));
    CHECK_STR(e.text, "abd");
    ui_le_apply(&e, UI_LE_HOME);
    CHECK(e.cursor == 0);
    CHECK(!ui_le_apply(&e, UI_LE_BACKSPACE));   /* nothing before the cursor */
    CHECK(!ui_le_apply(&e, UI_LE_LEFT));
    ui_le_apply(&e, UI_LE_DELETE);
    CHECK_STR(e.text, "bd");
    ui_le_apply(&e, UI_LE_END);
    CHECK(e.cursor == 2);
    CHECK(!ui_le_apply(&e, UI_LE_DELETE));      /* nothing after it */
    CHECK(!ui_le_apply(&e, UI_LE_RIGHT));

    /* UTF-8: cursor moves and deletes whole characters */
    ui_le_set(&e, "");
    CHECK(ui_le_insert(&e, 0xe9));     /* é, 2 bytes, 1 column */
    CHECK(ui_le_insert(&e, 0x65e5));   /* 日, 3 bytes, 2 columns */
    CHECK(ui_le_insert(&e, 0x1f600));  /* 4 bytes */
    CHECK(e.len == 9);
    CHECK_STR(e.text, "\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80");
    ui_le_apply(&e, UI_LE_LEFT);
    CHECK(e.cursor == 5);
    CHECK(!utf8_locale || ui_le_cursor_col(&e) == 3);
    ui_le_apply(&e, UI_LE_LEFT);
    CHECK(e.cursor == 2);
    CHECK(ui_le_cursor_col(&e) == 1);
    ui_le_apply(&e, UI_LE_BACKSPACE);   /* é goes whole */
    CHECK(e.cursor == 0 && e.len == 7);
    CHECK_STR(e.text, "\xe6\x97\xa5\xf0\x9f\x98\x80");
    ui_le_apply(&e, UI_LE_DELETE);      /* 日 goes whole */
    CHECK_STR(e.text, "\xf0\x9f\x98\x80");

    /* controls, C1, surrogates and out-of-range code points are refused */
    ui_le_set(&e, "x");
    CHECK(!ui_le_insert(&e, 0x1b));
    CHECK(!ui_le_insert(&e, '\n'));
    CHECK(!ui_le_insert(&e, 0x7f));
    CHECK(!ui_le_insert(&e, 0x9b));
    CHECK(!ui_le_insert(&e, 0xd800));
    CHECK(!ui_le_insert(&e, 0x110000));
    CHECK_STR(e.text, "x");

    /* the buffer never overflows; the text is kept */
    char big[UI_LE_MAX + 10];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ui_le_set(&e, big);
    CHECK(e.len == UI_LE_MAX - 1 && e.cursor == e.len);
    CHECK(!ui_le_insert(&e, 'b'));
    CHECK(e.len == UI_LE_MAX - 1 && e.text[e.len] == '\0');
    memset(big, 'a', UI_LE_MAX - 2);
    big[UI_LE_MAX - 2] = '\0';
    ui_le_set(&e, big);
    CHECK(ui_le_insert(&e, 'b'));
    CHECK(!ui_le_insert(&e, 0xe9));   /* two bytes no longer fit */

    /* kill operations */
    ui_le_set(&e, "www.example.com");
    ui_le_apply(&e, UI_LE_KILL_WORD);
    CHECK_STR(e.text, "www.example.");
    ui_le_apply(&e, UI_LE_HOME);
    ui_le_apply(&e, UI_LE_RIGHT);
    ui_le_apply(&e, UI_LE_RIGHT);
    ui_le_apply(&e, UI_LE_KILL_END);
    CHECK_STR(e.text, "ww");
    ui_le_apply(&e, UI_LE_KILL_LINE);
    CHECK(e.len == 0 && e.cursor == 0 && e.text[0] == '\0');
}

/* --------------------------------------------------------- key table */

static void test_keys(void)
{
    size_t n;
    const ui_binding *b = ui_bindings(&n);
    CHECK(n > 20);
    /* every binding in the help does what it says: no earlier binding of
     * the same key in its context shadows it */
    for (size_t i = 0; i < n; i++) {
        CHECK_MSG(ui_key_action(b[i].ctx, b[i].key) == b[i].action, "binding %zu (%s in %s) is shadowed", i,
                  b[i].key_name, ui_ctx_title(b[i].ctx));
        CHECK_MSG(b[i].key_name && b[i].key_name[0] && b[i].help && b[i].help[0] && b[i].label,
                  "binding %zu lacks a name or help text", i);
    }
    /* every action has a key */
    for (int act = UI_A_NONE + 1; act < UI_A_COUNT; act++) {
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = (int)b[i].action == act;
        CHECK_MSG(found, "action %d has no key", act);
    }
    /* every context has a title for the help overlay */
    for (int c = 0; c < UI_CTX_COUNT; c++)
        CHECK(ui_ctx_title((ui_ctx)c)[0] != '\0');

    /* the status bar hints are the table's labelled bindings, and the key
     * each hint names does what its label says */
    for (int c = 0; c < UI_CTX_COUNT; c++) {
        const ui_binding *h[64];
        size_t nh = ui_status_hints((ui_ctx)c, h, 64);
        size_t labelled = 0;
        for (size_t i = 0; i < n; i++)
            if ((int)b[i].ctx == c && b[i].label[0])
                labelled++;
        CHECK_MSG(nh >= labelled, "context %d: %zu hints for %zu labelled keys", c, nh, labelled);
        for (size_t k = 0; k < nh; k++) {
            CHECK(h[k] >= b && h[k] < b + n);   /* from the same table */
            CHECK(h[k]->label[0] != '\0');
            CHECK_MSG(ui_key_action((ui_ctx)c, h[k]->key) == h[k]->action, "context %d: hint %s %s does not do it",
                      c, h[k]->key_name, h[k]->label);
        }
        if (c != UI_CTX_COMMON && labelled > 0)
            CHECK_MSG(nh > 0, "context %d shows no hints", c);
    }
    /* the result panes show the main keys */
    const ui_binding *h[64];
    size_t nh = ui_status_hints(UI_CTX_RESULTS, h, 64);
    const char *want[] = {"export", "rerun", "quit", "help", "pane"};
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        bool found = false;
        for (size_t k = 0; k < nh; k++)
            found = found || strcmp(h[k]->label, want[w]) == 0;
        CHECK_MSG(found, "results hints lack %s", want[w]);
    }
    /* the help overlay: an unbound key closes it; '?' is help everywhere else */
    CHECK(ui_key_action(UI_CTX_HELP, 'x') == UI_A_BACK);
    CHECK(ui_key_action(UI_CTX_RESULTS, '?') == UI_A_HELP);
    CHECK(ui_key_action(UI_CTX_START, '?') == UI_A_HELP);
    CHECK(ui_key_action(UI_CTX_SEARCH, '?') == UI_A_NONE);   /* typed into the search */
    CHECK(ui_key_action(UI_CTX_PROMPT, 'q') == UI_A_NONE);   /* typed into a file name */
    /* Enter is one key (CR, LF and the keypad's Enter fold into it) and each
     * context lists it once; y/n only where the Host question is asked */
    CHECK(ui_key_fold('\r') == UI_KEY_ENTER);
    CHECK(ui_key_fold(UI_KEY_ENTER) == UI_KEY_ENTER);
    for (int c = 0; c < UI_CTX_COUNT; c++) {
        int enters = 0;
        for (size_t i = 0; i < n; i++)
            enters += (int)b[i].ctx == c && strcmp(b[i].key_name, "Enter") == 0;
        CHECK_MSG(enters <= 1, "context %d lists Enter %d times", c, enters);
    }
    CHECK(ui_key_action(UI_CTX_START, 'y') == UI_A_NONE);
    CHECK(ui_key_action(UI_CTX_HOST_Q, 'y') == UI_A_YES);
    CHECK(ui_key_action(UI_CTX_HOST_Q, 'n') == UI_A_NO);
    /* once the run has ended the step screen offers no cancel */
    const ui_binding *done[32];
    size_t nd = ui_status_hints(UI_CTX_DONE, done, 32);
    for (size_t k = 0; k < nd; k++)
        CHECK(done[k]->action != UI_A_CANCEL);
}

/* -------------------------------------------------------------- text */

static bool has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

static void test_text(void)
{
    CHECK(ui_text_width("abc") == 3);
    if (utf8_locale) {
        CHECK(ui_text_width("\xe6\x97\xa5\xe6\x9c\xac") == 4);   /* 日本: wide */
        CHECK(ui_text_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 3) == 3);   /* only one wide char fits */
        CHECK(ui_text_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4) == 6);
    }
    CHECK(ui_text_width("\xc3\xa9") == 1);
    CHECK(ui_text_width("\xff") == 1);
    CHECK(ui_text_width("") == 0);
    CHECK(ui_text_fit("abcdef", 4) == 4);
    CHECK(ui_text_fit("ab", 10) == 2);

    /* sanitize: an ESC byte never survives, whatever surrounds it */
    const char *evil[] = {"CN=evil\x1b[2J\x1b]0;pwned\x07", "\x1b", "a\x1b[31mred", "\xc2\x9b\x33\x31m", "\xff\x1b",
                          "ok\r\nnext", "tab\there", "del\x7f"};
    for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
        char *s = ui_sanitize(evil[i]);
        CHECK_MSG(!has_control(s), "control byte survived in case %zu: %s", i, s);
        CHECK(strstr(s, "\xc2\x9b") == NULL);
        free(s);
    }
    /* every single byte, alone and after text */
    for (int c = 1; c < 256; c++) {
        char in[8] = {'x', (char)c, 'y', 0};
        char *s = ui_sanitize(in);
        CHECK_MSG(!has_control(s), "byte 0x%02x survived", c);
        free(s);
    }
    char *s = ui_sanitize("CN=evil\x1b[2J");
    CHECK(strstr(s, "\\e[2J") != NULL);
    free(s);
    s = ui_sanitize("caf\xc3\xa9 \xe6\x97\xa5");   /* good UTF-8 is kept */
    CHECK_STR(s, "caf\xc3\xa9 \xe6\x97\xa5");
    free(s);
    s = ui_sanitize(NULL);
    CHECK_STR(s, "");
    free(s);

    CHECK(ui_find_ci("Hello World", "world") == 6);
    CHECK(ui_find_ci("Hello", "xyz") == -1);

    /* rows are sanitised on the way in */
    ui_rows rows;
    ui_rows_init(&rows);
    ui_rows_add(&rows, UI_R_NORMAL, -1, "subject \x1b[2J");
    ui_rows_addf(&rows, UI_R_NORMAL, 3, "%s", "x\x1b[31m");
    CHECK(rows.len == 2);
    CHECK(!has_control(rows.rows[0].text) && !has_control(rows.rows[1].text));
    CHECK(rows.rows[1].item == 3);
    ui_rows_clear(&rows);
    CHECK(rows.len == 0);

    /* wrap: every row fits, continuation lines are indented, no word lost */
    const char *text = "The origin sends its chain out of order; CloudFront needs the leaf first, then each issuer.";
    size_t added = ui_rows_add_wrapped(&rows, UI_R_NORMAL, -1, text, 20, 2);
    CHECK(added == rows.len && added >= 5);
    size_t total_words = 0;
    for (size_t i = 0; i < rows.len; i++) {
        CHECK_MSG(ui_text_width(rows.rows[i].text) <= 20, "row %zu too wide: '%s'", i, rows.rows[i].text);
        if (i > 0)
            CHECK(strncmp(rows.rows[i].text, "  ", 2) == 0);
        char *copy = strdup(rows.rows[i].text);
        for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " "))
            total_words++;
        free(copy);
    }
    CHECK(total_words == 16);
    ui_rows_clear(&rows);
    /* a word longer than the width is cut, not lost or overflowing */
    ui_rows_add_wrapped(&rows, UI_R_NORMAL, -1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 10, 0);
    size_t letters = 0;
    for (size_t i = 0; i < rows.len; i++) {
        CHECK(ui_text_width(rows.rows[i].text) <= 10);
        for (const char *p = rows.rows[i].text; *p; p++)
            letters += *p == 'a';
    }
    CHECK(letters == 30);
    ui_rows_free(&rows);
}

/* -------------------------------------------------------------- diff */

static void add_finding(od_report *r, const char *id, od_severity sev, const char *n1, const char *n2)
{
    od_finding *f = od_finding_list_add(&r->findings);
    f->id = strdup(id);
    f->severity = sev;
    f->title = strdup(id);
    if (n1)
        od_strlist_add(&f->names, n1);
    if (n2)
        od_strlist_add(&f->names, n2);
}

static const ui_change *find_change(const ui_changes *c, const char *id, const char *names)
{
    for (size_t i = 0; i < c->len; i++)
        if (strcmp(c->items[i].id, id) == 0 && strcmp(c->items[i].names, names) == 0)
            return &c->items[i];
    return NULL;
}

static void test_diff(void)
{
    od_report saved, now;
    od_report_init(&saved);
    od_report_init(&now);
    add_finding(&saved, "A", OD_SEV_FAIL, "a.example", NULL);
    add_finding(&saved, "B", OD_SEV_WARN, "a.example", NULL);
    add_finding(&saved, "C", OD_SEV_INFO, NULL, NULL);
    add_finding(&saved, "D", OD_SEV_FAIL, "b.example", "a.example");
    add_finding(&saved, "N", OD_SEV_FAIL, "a.example", NULL);

    add_finding(&now, "A", OD_SEV_FAIL, "a.example", NULL);   /* unchanged */
    add_finding(&now, "B", OD_SEV_FAIL, "a.example", NULL);   /* warn -> fail */
    add_finding(&now, "D", OD_SEV_FAIL, "a.example", "b.example");   /* same names, other order */
    add_finding(&now, "E", OD_SEV_WARN, "a.example", NULL);   /* new */
    add_finding(&now, "N", OD_SEV_FAIL, "c.example", NULL);   /* same id, other name */
    /* C is gone */

    ui_changes c;
    ui_diff_reports(&saved, &now, &c);
    CHECK(c.len == 5);
    const ui_change *ch;
    CHECK((ch = find_change(&c, "E", "a.example")) && ch->kind == UI_CHANGE_APPEARED && ch->after == OD_SEV_WARN &&
          ch->now_index == 3 && ch->saved_index == UI_NO_INDEX);
    CHECK((ch = find_change(&c, "B", "a.example")) && ch->kind == UI_CHANGE_SEVERITY && ch->before == OD_SEV_WARN &&
          ch->after == OD_SEV_FAIL && ch->now_index == 1 && ch->saved_index == 1);
    CHECK((ch = find_change(&c, "C", "")) && ch->kind == UI_CHANGE_DISAPPEARED && ch->before == OD_SEV_INFO &&
          ch->saved_index == 2);
    CHECK((ch = find_change(&c, "N", "c.example")) && ch->kind == UI_CHANGE_APPEARED);
    CHECK((ch = find_change(&c, "N", "a.example")) && ch->kind == UI_CHANGE_DISAPPEARED);
    CHECK(find_change(&c, "A", "a.example") == NULL);
    CHECK(find_change(&c, "D", "a.example, b.example") == NULL && find_change(&c, "D", "b.example, a.example") == NULL);
    /* order: appeared, changed, disappeared */
    for (size_t i = 1; i < c.len; i++) {
        int rank_prev = c.items[i - 1].kind == UI_CHANGE_APPEARED ? 0 : c.items[i - 1].kind == UI_CHANGE_SEVERITY ? 1 : 2;
        int rank = c.items[i].kind == UI_CHANGE_APPEARED ? 0 : c.items[i].kind == UI_CHANGE_SEVERITY ? 1 : 2;
        CHECK(rank_prev <= rank);
    }

    /* the section of the Findings pane */
    ui_rows rows;
    ui_rows_init(&rows);
    ui_pane_changes(&c, &saved, &rows);
    CHECK(rows.len == ui_pane_changes_rows(&c));
    CHECK(strstr(rows.rows[0].text, "Changes since the saved report") != NULL);
    bool plus_e = false, minus_c = false, tilde_b = false;
    for (size_t i = UI_CHANGES_HEAD_ROWS; i < UI_CHANGES_HEAD_ROWS + c.len; i++) {
        const ui_row *r = &rows.rows[i];
        const ui_change *x = &c.items[i - UI_CHANGES_HEAD_ROWS];
        if (strncmp(r->text, "+ E ", 4) == 0)
            plus_e = r->item == 3 && x->kind == UI_CHANGE_APPEARED;
        if (strncmp(r->text, "- C ", 4) == 0)
            minus_c = r->item == UI_ITEM_SAVED + 2;
        if (strncmp(r->text, "~ B warn->fail", 14) == 0)
            tilde_b = r->item == 1;
    }
    CHECK(plus_e && minus_c && tilde_b);
    ui_rows_clear(&rows);
    ui_change_detail(&c.items[0], false, 30, &rows);
    CHECK(rows.len >= 2 && strstr(rows.rows[0].text, "Appeared") != NULL);
    ui_rows_free(&rows);
    ui_changes_free(&c);
    CHECK(c.len == 0 && c.items == NULL);

    /* the same report: no change, and the section says so */
    ui_diff_reports(&now, &now, &c);
    CHECK(c.len == 0);
    ui_rows_init(&rows);
    ui_pane_changes(&c, &now, &rows);
    CHECK(rows.len == ui_pane_changes_rows(&c));
    CHECK(strstr(rows.rows[UI_CHANGES_HEAD_ROWS].text, "none") != NULL);
    ui_rows_free(&rows);
    ui_changes_free(&c);

    /* empty reports on either side */
    od_report empty;
    od_report_init(&empty);
    ui_diff_reports(&empty, &now, &c);
    CHECK(c.len == now.findings.len);
    for (size_t i = 0; i < c.len; i++)
        CHECK(c.items[i].kind == UI_CHANGE_APPEARED);
    ui_changes_free(&c);
    ui_diff_reports(&now, &empty, &c);
    CHECK(c.len == now.findings.len);
    for (size_t i = 0; i < c.len; i++)
        CHECK(c.items[i].kind == UI_CHANGE_DISAPPEARED);
    ui_changes_free(&c);
    /* a duplicate matches only once */
    add_finding(&empty, "A", OD_SEV_FAIL, "a.example", NULL);
    add_finding(&empty, "A", OD_SEV_FAIL, "a.example", NULL);
    ui_diff_reports(&saved, &empty, &c);
    const ui_change *dup = find_change(&c, "A", "a.example");
    CHECK(dup && dup->kind == UI_CHANGE_APPEARED);
    ui_changes_free(&c);

    od_report_free(&empty);
    od_report_free(&saved);
    od_report_free(&now);
}

/* Wrapping breaks at spaces and DN components, never inside a word such
 * as "origin-doctor" while a space or comma can take the break; a token
 * too long for any line is split at its punctuation. */
static void test_wrap_words(void)
{
    const char *dn = "chain sent     0: CN=shop.example.test,O=origin-doctor lab, 1: CN=origin-doctor lab "
                     "intermediate,O=origin-doctor lab";
    for (int width = 34; width <= 70; width++) {   /* every word fits a continuation line */
        ui_rows r;
        ui_rows_init(&r);
        ui_rows_add_wrapped(&r, UI_R_NORMAL, -1, dn, width, 15);
        for (size_t i = 0; i + 1 < r.len; i++) {
            size_t n = strlen(r.rows[i].text);
            bool mid = n >= 6 && (strcmp(r.rows[i].text + n - 6, "origin") == 0 ||
                                  (n >= 7 && strcmp(r.rows[i].text + n - 7, "origin-") == 0));
            CHECK_MSG(!mid, "width %d: row %zu ends inside a word: '%s'", width, i, r.rows[i].text);
            CHECK_MSG(ui_text_width(r.rows[i].text) <= width, "width %d: row too wide", width);
        }
        ui_rows_free(&r);
    }
    /* a fingerprint longer than a line splits at its colons */
    ui_rows r;
    ui_rows_init(&r);
    ui_rows_add_wrapped(&r, UI_R_NORMAL, -1,
                        "sha256 52:01:47:45:FF:FD:C7:1C:50:71:2B:AE:04:C8:E3:09:58:11:50:8F:71:49", 40, 7);
    CHECK(r.len == 2);
    CHECK(r.len == 2 && r.rows[0].text[strlen(r.rows[0].text) - 1] == ':');
    CHECK(r.len >= 1 && strncmp(r.rows[0].text, "sha256 52:", 10) == 0);   /* not moved down whole */
    ui_rows_free(&r);
}

int main(void)
{
    utf8_locale = setlocale(LC_CTYPE, "C.UTF-8") || setlocale(LC_CTYPE, "en_US.UTF-8");
    if (!utf8_locale)
        printf("uitest_models: no UTF-8 locale, wide-character widths not checked\n");
    test_list();
    test_lineedit();
    test_keys();
    test_text();
    test_wrap_words();
    test_diff();
    return check_done("uitest_models");
}
