/* The command line's certificate-file features: --check-bundle (judge a
 * file offline) and --write-chain (write the chain an origin should send,
 * after a bundle check or a live diagnosis). */
#ifndef OD_CLI_BUNDLE_H
#define OD_CLI_BUNDLE_H

#include <stdbool.h>
#include <time.h>
#include "od_case.h"
#include "od_fixes.h"
#include "od_policy.h"
#include "od_report.h"

typedef struct {
    const char *bundle;            /* --check-bundle FILE */
    const char *key;               /* --key FILE */
    const char *password_file;     /* --password-file FILE */
    bool at_set;
    time_t at;                     /* --at TIME */
    const char *write_chain;       /* --write-chain OUT */
    bool force;                    /* --force: replace OUT */
    od_strlist intermediates;      /* --intermediates FILE|DIR (repeatable) */
    bool fetch_intermediates;      /* --fetch-intermediates */
} od_cli_bundle_opts;

/* --at: RFC 3339 UTC ("2027-01-31T12:00:00Z") or a date ("2027-01-31").
 * NULL or a message naming the flag. */
char *od_cli_parse_at(const char *value, time_t *out);

/* Checks that the --write-chain path can be written (exit 2 material)
 * before anything is read or probed. NULL or a message. */
char *od_cli_check_output(const od_cli_bundle_opts *b);

/* Reads and judges the bundle into *out. Returns 0, or the exit code
 * (2: bad input, with the message printed). */
int od_cli_check_bundle(const od_cli_bundle_opts *b, const od_case *c, const od_policy *policy,
                        const od_fixes *fixes, od_report *out);

/* Writes the chain for a report (bundle or live): the exit code to use
 * when it cannot (1: the chain does not reach a trusted root, 2: bad
 * input, 3: cannot write), else 0. Messages on stderr, the chain's
 * provenance and install steps on stdout. */
int od_cli_write_chain(const od_cli_bundle_opts *b, const od_report *r, bool quiet_stdout);

#endif
