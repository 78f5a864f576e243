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
        err = od_xasprintf("--write-chain: %s: %s", q, strerror(errno));
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
            err = od_xasprintf("--write-chain: cannot write into the folder of %s: %s", q, strerror(errno));
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
            *err = od_xasprintf("--password-file: %s: cannot read: %s", q, strerror(errno));
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

/* The chain as sent in the report: a bundle's file order, or the first
 * completed handshake for an expected name. */
static const od_handshake *sent_chain(const od_report *r)
{
    od_strlist names;
    od_case_expected_names(&r->input, &names);
    const od_handshake *found = NULL;
    for (size_t pass = 0; pass < 2 && !found; pass++)
        for (size_t i = 0; i < r->obs.n_handshakes && !found; i++) {
            const od_handshake *hs = &r->obs.handshakes[i];
            if (hs->ok && hs->chain_len && (pass == 1 || (hs->sni && od_strlist_contains_ci(&names, hs->sni))))
                found = hs;
        }
    od_strlist_free(&names);
    return found;
}

int od_cli_write_chain(const od_cli_bundle_opts *b, const od_report *r, bool quiet_stdout)
{
    FILE *info = quiet_stdout ? stderr : stdout;
    const od_handshake *hs = sent_chain(r);
    if (!hs) {
        fprintf(stderr, "origin-doctor: --write-chain: not written: no certificate chain was %s\n",
                r->obs.bundle ? "read" : "received from the origin");
        return OD_EXIT_WOULD_FAIL;
    }
    od_cert certs[16];
    char *sources[16];
    size_t n = hs->chain_len < 16 ? hs->chain_len : 16;
    for (size_t i = 0; i < n; i++) {
        certs[i] = r->obs.certs[hs->chain[i]];   /* shallow: read only */
        sources[i] = r->obs.bundle ? od_xasprintf("%s, certificate %zu", r->obs.bundle->file, i + 1)
                                   : od_xasprintf("sent by the origin (%s port %d), position %zu", hs->address,
                                                  hs->port, i);
    }
    size_t leaf = r->obs.bundle ? od_bundle_leaf_of(certs, NULL, n, NULL, 0, b->key) : 0;
    od_chain_build_opts co = {.intermediates = &b->intermediates,
                              .fetch = b->fetch_intermediates,
                              .resolve = r->input.resolve,
                              .n_resolve = r->input.n_resolve,
                              .timeout_ms = r->input.timeout_s * 1000,
                              .trust_store = r->input.trust_store};
    od_chain_plan plan;
    char *err = od_chain_build(certs, (const char *const *)sources, n, leaf, &co, &plan);
    for (size_t i = 0; i < n; i++)
        free(sources[i]);
    if (err) {
        fprintf(stderr, "origin-doctor: %s\n", err);
        free(err);
        return OD_EXIT_USAGE;
    }
    char *out = od_escape_str(b->write_chain);
    fprintf(info, "\nChain for %s:\n", out);
    for (size_t i = 0; i < plan.n_links; i++)
        fprintf(info, "  %zu. %s\n     from %s\n", i, plan.links[i].cert.subject ? plan.links[i].cert.subject : "?",
                plan.links[i].source);
    for (size_t i = 0; i < plan.notes.len; i++)
        fprintf(info, "  - %s\n", plan.notes.items[i]);
    int rc = 0;
    if (!plan.complete) {
        fprintf(stderr, "origin-doctor: --write-chain: not written: %s\n", plan.problem ? plan.problem : "incomplete");
        rc = OD_EXIT_WOULD_FAIL;
    } else {
        fprintf(info, "  reaches the trusted root %s (not included)\n", plan.root);
        char *pem = od_chain_plan_pem(&plan);
        if (od_write_file_atomic(b->write_chain, pem, strlen(pem), b->force) != 0) {
            fprintf(stderr, "origin-doctor: --write-chain: cannot write %s: %s%s\n", out, strerror(errno),
                    errno == EEXIST ? " (give --force to replace it)" : "");
            rc = errno == EEXIST ? OD_EXIT_USAGE : OD_EXIT_TOOL;
        } else {
            fprintf(info, "Wrote %zu certificate%s to %s.\n", plan.n_links, plan.n_links == 1 ? "" : "s", out);
            char *steps = od_chain_install_steps(out, b->key);
            fputs(steps, info);
            free(steps);
        }
        free(pem);
    }
    fflush(info);
    free(out);
    od_chain_plan_free(&plan);
    return rc;
}
