/* --check-bundle and --write-chain on the command line. */
#include "od_cli_bundle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "od_bundle.h"
#include "od_chainwrite.h"
#include "od_cli.h"
#include "od_util.h"

char *od_cli_parse_at(const char *value, time_t *out)
{
    char *full = NULL;
    size_t n = strlen(value);
    /* a bare date means its start, UTC */
    if (n == 10 && value[4] == '-' && value[7] == '-')
        full = od_xasprintf("%sT00:00:00Z", value);
    bool ok = od_parse_time(full ? full : value, out);
    free(full);
    if (ok)
        return NULL;
    char *q = od_quote(value);
    char *m = od_xasprintf("--at: %s is not a time: give RFC 3339 UTC (2027-01-31T12:00:00Z) or a date (2027-01-31)", q);
    free(q);
    return m;
}

char *od_cli_check_output(const od_cli_bundle_opts *b)
{
    if (!b->write_chain)
        return NULL;
    struct stat st;
    char *q = od_quote(b->write_chain);
    char *err = NULL;
    if (lstat(b->write_chain, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            err = od_xasprintf("--write-chain: %s is a folder; give a file name", q);
        else if (!b->force)
            err = od_xasprintf("--write-chain: %s exists; give --force to replace it", q);
    } else if (errno != ENOENT) {
        err = od_xasprintf("--write-chain: %s: %s", q, od_strerror(errno, &(od_errbuf){{0}}));
    } else {
        /* the folder must exist and be writable */
        char *dir = od_xstrdup(b->write_chain);
        char *slash = strrchr(dir, '/');
        const char *d = ".";
        if (slash == dir)
            d = "/";
        else if (slash) {
            *slash = '\0';
            d = dir;
        }
        if (access(d, W_OK) != 0)
            err = od_xasprintf("--write-chain: cannot write into the folder of %s: %s", q, od_strerror(errno, &(od_errbuf){{0}}));
        free(dir);
    }
    free(q);
    return err;
}

/* A password from --password-file (first line), or typed at the terminal. */
static char *read_password(const char *path, char **err)
{
    *err = NULL;
    if (path) {
        size_t len = 0;
        char *data = od_read_file(path, &len);
        if (!data) {
            char *q = od_quote(path);
            *err = od_xasprintf("--password-file: %s: cannot read: %s", q, od_strerror(errno, &(od_errbuf){{0}}));
            free(q);
            return NULL;
        }
        data[strcspn(data, "\r\n")] = '\0';
        return data;
    }
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty || !isatty(STDIN_FILENO)) {
        if (tty)
            fclose(tty);
        return NULL;
    }
    struct termios old, quiet;
    bool restore = tcgetattr(fileno(tty), &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    }
    fputs("PKCS#12 password: ", tty);
    fflush(tty);
    char buf[1024];
    char *got = fgets(buf, sizeof buf, tty);
    if (restore)
        tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fputs("\n", tty);
    fclose(tty);
    if (!got)
        return NULL;
    buf[strcspn(buf, "\r\n")] = '\0';
    char *p = od_xstrdup(buf);
    memset(buf, 0, sizeof buf);
    return p;
}

static void wipe_free(char *s)
{
    if (s)
        memset(s, 0, strlen(s));
    free(s);
}

static char *read_bundle(const od_cli_bundle_opts *b, od_bundle *out)
{
    char *err = NULL;
    char *password = NULL;
    if (b->password_file && !(password = read_password(b->password_file, &err)))
        return err;
    bool need_password = false;
    err = od_bundle_read(b->bundle, password, out, &need_password);
    if (err && need_password && !b->password_file) {
        char *prompt_err = NULL;
        char *typed = read_password(NULL, &prompt_err);
        free(prompt_err);
        if (typed) {
            free(err);
            err = od_bundle_read(b->bundle, typed, out, &need_password);
            wipe_free(typed);
        }
    }
    wipe_free(password);
    return err;
}

/* The bundle last read by od_cli_check_bundle, for --write-chain. */
int od_cli_check_bundle(const od_cli_bundle_opts *b, const od_case *c, const od_policy *policy,
                        const od_fixes *fixes, od_report *out)
{
    od_report_init(out);
    od_bundle bundle;
    char *err = read_bundle(b, &bundle);
    if (err) {
        fprintf(stderr, "origin-doctor: --check-bundle: %s\n", err);
        free(err);
        return OD_EXIT_USAGE;
    }
    od_bundle_check_opts bo = {.file = b->bundle,
                               .key_file = b->key,
                               .at = b->at_set ? b->at : time(NULL),
                               .policy = policy,
                               .fixes = fixes};
    err = od_bundle_check(c, &bundle, &bo, out);
    od_bundle_free(&bundle);
    if (err) {
        fprintf(stderr, "origin-doctor: --check-bundle: %s\n", err);
        free(err);
        od_report_free(out);
        od_report_init(out);
        return OD_EXIT_USAGE;
    }
    return 0;
}

int od_cli_write_chain(const od_cli_bundle_opts *b, const od_report *r, bool quiet_stdout)
{
    od_write_chain_opts wo = {.out_path = b->write_chain,
                              .force = b->force,
                              .key_path = b->key,
                              .intermediates = &b->intermediates,
                              .fetch = b->fetch_intermediates};
    char *text = NULL, *err = NULL;
    od_write_chain_status st = od_write_chain_for_report(r, &wo, &text, &err);
    FILE *info = quiet_stdout ? stderr : stdout;
    if (text)
        fputs(text, info);
    fflush(info);
    if (err)
        fprintf(stderr, "origin-doctor: --write-chain: %s\n", err);
    free(text);
    free(err);
    switch (st) {
    case OD_WRITE_CHAIN_WRITTEN: return 0;
    case OD_WRITE_CHAIN_REFUSED: return OD_EXIT_WOULD_FAIL;
    case OD_WRITE_CHAIN_BAD_INPUT: return OD_EXIT_USAGE;
    case OD_WRITE_CHAIN_IO_ERROR: break;
    }
    return OD_EXIT_TOOL;
}
