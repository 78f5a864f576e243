/* Terminal set-up, signals, colours and row drawing. */
#include "ui_term.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "od_ui.h"
#include "od_util.h"
#include "ui_keys.h"

/* The UI's process-wide terminal state: signal handlers can only reach
 * globals. Written by ui_term_init/ui_term_end on the UI thread. */
static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t curses_active;
/* The terminal as it was before curses, for the crash handler, which may
 * only use async-signal-safe calls (write, tcsetattr). */
static struct termios saved_termios;
static volatile sig_atomic_t have_saved_termios;
static SCREEN *screen;
static int saved_stderr = -1;
static FILE *captured_stderr;
static const int handled_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH};
static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static struct sigaction old_handled[4], old_crash[5];

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (sig_pipe[1] >= 0 && write(sig_pipe[1], &b, 1) < 0) {
        /* pipe full: a signal of the same kind is already pending */
    }
    errno = saved;
}

/* Restores the terminal, then lets the signal do what it does. endwin()
 * is not safe here (stdio, malloc: the crash may be inside malloc, or on
 * a worker thread while the UI thread draws), so the handler writes the
 * reset sequences itself and puts the saved terminal modes back. */
static void on_crash(int sig)
{
    if (curses_active) {
        curses_active = 0;
        static const char reset[] = "\033[?1000l\033[?1002l\033[?1006l" /* mouse reporting off */
                                    "\033[0m\033[?25h"                   /* attributes, cursor */
                                    "\033[?1049l\r\n";                   /* leave the alternate screen */
        ssize_t w = write(STDOUT_FILENO, reset, sizeof reset - 1);
        (void)w;
        if (have_saved_termios)
            tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void restore_at_exit(void)
{
    if (curses_active) {
        curses_active = 0;
        endwin();
    }
}

static void redirect_stderr(void)
{
    fflush(stderr);
    captured_stderr = tmpfile();
    if (!captured_stderr)
        return;
    saved_stderr = dup(STDERR_FILENO);
    if (saved_stderr < 0 || dup2(fileno(captured_stderr), STDERR_FILENO) < 0) {
        fclose(captured_stderr);
        captured_stderr = NULL;
        if (saved_stderr >= 0)
            close(saved_stderr);
        saved_stderr = -1;
    }
}

static void restore_stderr(void)
{
    if (saved_stderr < 0)
        return;
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    saved_stderr = -1;
    /* what libraries printed while the screen was ours */
    rewind(captured_stderr);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, captured_stderr)) > 0)
        fwrite(buf, 1, n, stderr);
    fclose(captured_stderr);
    captured_stderr = NULL;
}

enum { PAIR_BASE = 1 };

typedef struct {
    short fg, bg;
    int color_attr;
    int mono_attr;
} role_style;

static const role_style styles[UI_R_COUNT] = {
    [UI_R_NORMAL] = {-1, -1, 0, 0},
    [UI_R_TITLE] = {COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD},
    [UI_R_BAR] = {COLOR_WHITE, COLOR_BLUE, 0, A_REVERSE},
    [UI_R_KEY] = {COLOR_YELLOW, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD},
    [UI_R_SEL] = {COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
    [UI_R_SEL_DIM] = {COLOR_BLACK, COLOR_WHITE, 0, A_REVERSE | A_DIM},
    [UI_R_FAIL] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [UI_R_WARN] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [UI_R_PASS] = {COLOR_GREEN, -1, 0, 0},
    [UI_R_INFO] = {COLOR_CYAN, -1, 0, 0},
    [UI_R_DIM] = {-1, -1, A_DIM, A_DIM},
    [UI_R_MATCH] = {COLOR_BLACK, COLOR_GREEN, 0, A_BOLD | A_UNDERLINE},
    [UI_R_HEAD] = {-1, -1, A_BOLD | A_UNDERLINE, A_BOLD | A_UNDERLINE},
    [UI_R_ERROR] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [UI_R_VERDICT_FAIL] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD},
    [UI_R_VERDICT_OK] = {COLOR_BLACK, COLOR_GREEN, 0, A_REVERSE},
    [UI_R_SEARCH] = {COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE | A_UNDERLINE},
    [UI_R_TAB] = {-1, -1, 0, 0},
    [UI_R_TAB_ACTIVE] = {COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD},
};

int ui_attr(const ui_term *t, ui_role role)
{
    if (role < 0 || role >= UI_R_COUNT)
        role = UI_R_NORMAL;
    if (!t->color)
        return styles[role].mono_attr;
    return (int)COLOR_PAIR(PAIR_BASE + (int)role) | styles[role].color_attr;
}

bool ui_term_init(ui_term *t, bool no_color)
{
    memset(t, 0, sizeof *t);
    t->sig_fd = -1;
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");   /* reports print numbers the C way */
    const char *cs = nl_langinfo(CODESET);
    t->utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);

    if (pipe(sig_pipe) != 0) {
        fprintf(stderr, "origin-doctor: cannot create a pipe: %s\n", od_strerror(errno, &(od_errbuf){0}));
        return false;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    t->sig_fd = sig_pipe[0];
    /* installed before newterm so ncurses leaves SIGWINCH to us: the
     * self-pipe wakes poll() even when another thread took the signal */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < 4; i++)
        sigaction(handled_signals[i], &sa, &old_handled[i]);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < 5; i++)
        sigaction(crash_signals[i], &sa, &old_crash[i]);

    if (!getenv("ESCDELAY"))
        set_escdelay(25);
    if (tcgetattr(STDIN_FILENO, &saved_termios) == 0)
        have_saved_termios = 1;
    screen = newterm(NULL, stdout, stdin);
    if (!screen) {
        fprintf(stderr, "origin-doctor: cannot use this terminal (TERM=%s)\n", getenv("TERM") ? getenv("TERM") : "");
        ui_term_end(t);
        return false;
    }
    curses_active = 1;
    atexit(restore_at_exit);
    redirect_stderr();
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    intrflush(stdscr, FALSE);
    curs_set(0);
    mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(0);
    if (!no_color)
        ui_term_colors(t);
    return true;
}

void ui_term_colors(ui_term *t)
{
    if (!has_colors())
        return;
    start_color();
    use_default_colors();
    if (COLORS >= 8 && COLOR_PAIRS > PAIR_BASE + UI_R_COUNT) {
        t->color = true;
        for (int r = 0; r < UI_R_COUNT; r++) {
            short fg = styles[r].fg;
            /* yellow and cyan text vanish on a light background: a dark
             * orange and a teal read on light and dark ones alike */
            if (r == UI_R_WARN)
                fg = COLORS >= 256 ? 166 : COLOR_MAGENTA;
            else if (r == UI_R_INFO)
                fg = COLORS >= 256 ? 31 : COLOR_BLUE;
            else if (r == UI_R_PASS && COLORS >= 256)
                fg = 28;
            init_pair((short)(PAIR_BASE + r), fg, styles[r].bg);
        }
    }
}

ui_role ui_pair_role(int pair)
{
    int r = pair - PAIR_BASE;
    return r >= 0 && r < UI_R_COUNT ? (ui_role)r : UI_R_NORMAL;
}

void ui_term_end(ui_term *t)
{
    if (curses_active) {
        curses_active = 0;
        endwin();
    }
    if (screen) {
        delscreen(screen);
        screen = NULL;
    }
    restore_stderr();
    for (size_t i = 0; i < 4; i++)
        sigaction(handled_signals[i], &old_handled[i], NULL);
    for (size_t i = 0; i < 5; i++)
        sigaction(crash_signals[i], &old_crash[i], NULL);
    for (int i = 0; i < 2; i++)
        if (sig_pipe[i] >= 0) {
            close(sig_pipe[i]);
            sig_pipe[i] = -1;
        }
    t->sig_fd = -1;
}

void ui_term_take_signals(ui_term *t, bool *resize, int *quit_signal)
{
    unsigned char buf[64];
    ssize_t n;
    while ((n = read(t->sig_fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == SIGWINCH)
                *resize = true;
            else
                *quit_signal = buf[i];
        }
}

void ui_term_resize(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    clearok(curscr, TRUE);
}

/* Writes n bytes as-is (UTF-8 locale) or with non-ASCII made '?'. */
static void put_bytes(const ui_term *t, const char *s, size_t n)
{
    if (t->utf8) {
        addnstr(s, (int)n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80)
            addch(c);
        else if ((c & 0xc0) != 0x80)
            addch('?');
    }
}

/* Bytes of s that fit in cols columns (non-UTF-8: one column per char). */
static size_t fit(const ui_term *t, const char *s, size_t n, int cols, int *used)
{
    if (t->utf8) {
        char *tmp = strndup(s, n);
        size_t k = tmp ? ui_text_fit(tmp, cols) : 0;
        if (tmp) {
            char save = tmp[k];
            tmp[k] = '\0';
            *used = ui_text_width(tmp);
            tmp[k] = save;
            free(tmp);
        } else {
            *used = 0;
        }
        return k;
    }
    size_t i = 0;
    int c = 0;
    while (i < n && c < cols) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
            i++;
        c++;
    }
    *used = c;
    return i;
}

static const char *ellipsis(const ui_term *t)
{
    return t->utf8 ? "\xe2\x80\xa6" : "~";
}

int ui_put(const ui_term *t, int y, int x, int cols, const char *text, ui_role role)
{
    if (cols <= 0 || y < 0 || y >= LINES || x >= COLS)
        return 0;
    if (x + cols > COLS)
        cols = COLS - x;
    int used = 0;
    size_t len = strlen(text);
    size_t n = fit(t, text, len, cols, &used);
    /* text that does not fit ends in an ellipsis, never silently */
    bool cut = n < len && cols >= 2;
    if (cut)
        n = fit(t, text, len, cols - 1, &used);
    attrset(ui_attr(t, role));
    move(y, x);
    put_bytes(t, text, n);
    if (cut) {
        mvaddstr(y, x + used, ellipsis(t));
        used++;
    }
    attrset(A_NORMAL);
    return used;
}

void ui_fill(const ui_term *t, int y, int x, int cols, ui_role role)
{
    if (y < 0 || y >= LINES || cols <= 0)
        return;
    if (x + cols > COLS)
        cols = COLS - x;
    attrset(ui_attr(t, role));
    mvhline(y, x, ' ', cols);
    attrset(A_NORMAL);
}

void ui_draw_row(const ui_term *t, int y, int x, int cols, const ui_row *row, bool selected, bool focused,
                 const char *search)
{
    ui_role base = selected ? (focused ? UI_R_SEL : UI_R_SEL_DIM) : row->role;
    ui_fill(t, y, x, cols, base);
    size_t len = strlen(row->text);
    if (len == 0)
        return;
    ui_role *roles = malloc(len * sizeof *roles);
    if (!roles)
        return;
    for (size_t i = 0; i < len; i++)
        roles[i] = base;
    if (!selected)
        for (int s = 0; s < row->n_spans; s++)
            for (size_t i = row->spans[s].start; i < row->spans[s].start + row->spans[s].len && i < len; i++)
                roles[i] = row->spans[s].role;
    if (search && *search) {
        size_t sl = strlen(search);
        long at = 0, off;
        while ((off = ui_find_ci(row->text + at, search)) >= 0) {
            for (size_t i = (size_t)(at + off); i < (size_t)(at + off) + sl && i < len; i++)
                roles[i] = UI_R_SEARCH;
            at += off + (long)sl;
            if ((size_t)at >= len)
                break;
        }
    }
    int col = 0;
    size_t i = 0;
    move(y, x);
    while (i < len && col < cols) {
        size_t j = i;
        while (j < len && roles[j] == roles[i])
            j++;
        int used = 0;
        size_t n = fit(t, row->text + i, j - i, cols - col, &used);
        if (n == 0)
            break;
        attrset(ui_attr(t, roles[i]));
        put_bytes(t, row->text + i, n);
        col += used;
        i += n;
        if (i < j)
            break;   /* the run did not fit */
    }
    if (i < len && cols >= 2) {
        attrset(ui_attr(t, base));
        mvaddstr(y, x + cols - 1, ellipsis(t));
    }
    attrset(A_NORMAL);
    free(roles);
}

void ui_box(const ui_term *t, const ui_glyphs *g, int y, int x, int h, int w, const char *title)
{
    if (h < 2 || w < 2)
        return;
    for (int r = 0; r < h; r++)
        ui_fill(t, y + r, x, w, UI_R_NORMAL);
    attrset(ui_attr(t, UI_R_NORMAL) | A_BOLD);
    for (int c = 1; c < w - 1; c++) {
        mvaddstr(y, x + c, g->hline);
        mvaddstr(y + h - 1, x + c, g->hline);
    }
    for (int r = 1; r < h - 1; r++) {
        mvaddstr(y + r, x, g->vline);
        mvaddstr(y + r, x + w - 1, g->vline);
    }
    mvaddstr(y, x, g->tl);
    mvaddstr(y, x + w - 1, g->tr);
    mvaddstr(y + h - 1, x, g->bl);
    mvaddstr(y + h - 1, x + w - 1, g->br);
    attrset(A_NORMAL);
    if (title && *title) {
        char *tt = malloc(strlen(title) + 3);
        if (tt) {
            sprintf(tt, " %s ", title);
            ui_put(t, y, x + 2, w - 4, tt, UI_R_HEAD);
            free(tt);
        }
    }
}

bool ui_read_key(int *key, int *my, int *mx, int *mbutton)
{
    wint_t wch;
    int rc = wget_wch(stdscr, &wch);
    if (rc == ERR)
        return false;
    *mbutton = 0;
    if (rc == KEY_CODE_YES) {
        if (wch == KEY_MOUSE) {
            MEVENT ev;
            if (getmouse(&ev) != OK)
                return true;   /* consumed, nothing to do */
            *my = ev.y;
            *mx = ev.x;
            if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
                *mbutton = 1;
            else if (ev.bstate & BUTTON4_PRESSED)
                *mbutton = 4;
            else if (ev.bstate & BUTTON5_PRESSED)
                *mbutton = 5;
        }
        *key = UI_FKEY((int)wch);
    } else {
        *key = (int)wch;
    }
    return true;
}

const char *od_ui_curses_version(void)
{
    /* "ncurses 6.4.20221231": the library's own words, minus its name. */
    const char *v = curses_version();
    return strncmp(v, "ncurses ", 8) == 0 ? v + 8 : v;
}
