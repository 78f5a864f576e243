/* The fleet: every origin of every distribution an account lists, in one
 * run (--fleet). Files of any shape od_distconfig reads (list-distributions,
 * get-distribution, get-distribution-config, or folders of them) become
 * items, one per distribution x origin; custom origins become Cases, and
 * items whose Cases are identical share one diagnosis. Runs the Cases
 * concurrently under one bound on connections in flight and writes one
 * JSON line per item as each finishes; lines read back (--merge, --resume)
 * give the same summary rows as a fresh run. */
#ifndef OD_FLEET_H
#define OD_FLEET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <cJSON.h>

#include "od_distconfig.h"
#include "od_engine.h"

#define OD_FLEET_RECORD_SCHEMA "origin-doctor/fleet-record/1"
/* Connections per origin in a fleet when --concurrency is not given. */
#define OD_FLEET_ORIGIN_CONCURRENCY 8

typedef enum {
    OD_FLEET_CHECK,     /* a custom origin: diagnosed (its Case is cases[case_index]) */
    OD_FLEET_SKIPPED,   /* not diagnosable (S3 and other non-custom origins): note says why */
    OD_FLEET_INVALID    /* the entry could not be read or made into a Case: note says why */
} od_fleet_kind;

typedef struct {
    char *distribution_id;      /* escaped; the file's name when the entry has no Id */
    char *distribution_domain;  /* dxxxx.cloudfront.net, or NULL */
    char *origin_id;            /* escaped; "" for a distribution that could not be read at all */
    char *origin_domain;        /* escaped, or NULL */
    char *source;               /* the file (escaped) */
    od_fleet_kind kind;
    char *note;
    size_t case_index;
    od_strlist cnames;          /* this distribution's Aliases: shown in its report even when the
                                   Case is shared (they only matter when Host is forwarded) */
} od_fleet_item;

typedef struct {
    od_fleet_item *items;
    size_t n;
    od_case *cases;             /* distinct Cases */
    char **case_keys;           /* od_case_to_json of each, the identity of a Case */
    size_t *case_users;         /* how many items use each */
    size_t n_cases;
    od_strlist messages;        /* problems with entries (each names its distribution), for stderr */
} od_fleet;

/* Makes the Case of one custom origin (answers about custom policies,
 * command-line overrides); NULL or a malloc'd message. out is freed by
 * the caller either way. */
typedef char *(*od_fleet_case_fn)(void *ctx, const od_dist_config *d, const od_dist_origin *o, od_case *out);

/* Reads every path (a folder: its *.json files, sorted). Returns NULL, or a
 * malloc'd message when a file itself cannot be read (nothing is kept);
 * a malformed entry only adds to out->messages and an INVALID item. */
char *od_fleet_load(const char *const *paths, size_t n_paths, const od_managed_policies *policies,
                    od_fleet_case_fn make_case, void *ctx, od_fleet *out);
void od_fleet_free(od_fleet *f);

/* ---- --shard K/N ---- */

/* Stable across machines and versions: FNV-1a (64 bit) of
 * "distribution_id\norigin_id". */
uint64_t od_fleet_item_hash(const char *distribution_id, const char *origin_id);
/* Parses "K/N" (1 <= K <= N <= 100000) or "env/N" / "env": K from the job
 * runner's environment (see od_fleet_shard_from_env). NULL or a message. */
char *od_fleet_parse_shard(const char *value, const char *const *envp, int *k, int *n);
/* Keeps only the items of shard k of n (1-based); Cases no item uses are dropped. */
void od_fleet_keep_shard(od_fleet *f, int k, int n);
/* Drops the items whose key ("distribution_id\norigin_id") is in done. */
void od_fleet_drop_done(od_fleet *f, const od_strlist *done);
char *od_fleet_item_key(const char *distribution_id, const char *origin_id);

/* ---- summary rows: from a fresh record or a JSON line read back ---- */

typedef struct {
    char *distribution_id, *distribution_domain, *origin_id, *origin_domain;
    char *verdict;              /* "fail", "warn", "ok", "skipped", "invalid", "error" */
    char *first_cause;          /* a finding id, or the note; NULL when nothing to say */
    bool has_expiry;
    long expiry_days;           /* days from the check until the first certificate expiry (negative: expired) */
    char *first_expiry;         /* RFC 3339 */
} od_fleet_row;

typedef struct {
    od_fleet_row *rows;
    size_t n;
} od_fleet_rows;

void od_fleet_rows_init(od_fleet_rows *r);
void od_fleet_rows_free(od_fleet_rows *r);
/* Reads a record; NULL or a message naming what is wrong. */
char *od_fleet_row_from_record(const cJSON *rec, od_fleet_row *out);
/* Reads a JSON lines file: rows appended, keys of the items it holds added
 * to keys (may be NULL). A line that is not a record (e.g. cut short by a
 * crash) is reported in *warnings and ignored. NULL, or a message when the
 * file cannot be read. A missing file is an error unless missing_ok. */
char *od_fleet_read_jsonl(const char *path, bool missing_ok, od_fleet_rows *rows, od_strlist *keys,
                          od_strlist *warnings);
/* Sorts by distribution id, then origin id; drops repeated keys (the later line wins). */
void od_fleet_rows_sort(od_fleet_rows *r);

/* The table for stdout; with expiring_within >= 0 the certificates that
 * expire within that many days come first, soonest first. malloc'd. */
char *od_fleet_summary_text(const od_fleet_rows *r, int expiring_within);
char *od_fleet_summary_markdown(const od_fleet_rows *r, int expiring_within);
/* 1 when any row fails, else 3 when a check could not run at all, else 0. */
int od_fleet_exit_code(const od_fleet_rows *r);

/* ---- running ---- */

typedef struct {
    const od_engine_opts *engine;
    int max_connections;        /* --fleet-concurrency: connections in flight over all origins */
    FILE *jsonl;                /* a line per item as it finishes; may be NULL */
    bool progress;              /* done/total, failures, time left on stderr */
    /* Called with each record as it is made (from a worker, one at a time);
     * may be NULL. The UI takes its list of origins from these. */
    void (*on_record)(void *ctx, const cJSON *rec);
    void *record_ctx;
} od_fleet_run_opts;

/* Runs every Case; appends a row per item to rows. Returns 0, or -1 when
 * writing the JSON lines failed (errno set). */
int od_fleet_run(const od_fleet *f, const od_fleet_run_opts *opts, od_fleet_rows *rows);

#endif
