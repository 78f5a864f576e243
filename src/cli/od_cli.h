/* The command line parsed: what the user asked for, and which case fields
 * the flags set (so that they win over a lab's or a distribution's). */
#ifndef OD_CLI_H
#define OD_CLI_H

#include <stdbool.h>

#include "od_case.h"
#include "od_cli_bundle.h"

enum {
    OD_EXIT_OK = 0,
    OD_EXIT_WOULD_FAIL = 1,
    OD_EXIT_USAGE = 2,
    OD_EXIT_TOOL = 3
};

/* Which case fields the command line set, so that they override a lab's. */
enum {
    OD_SET_FORWARD = 1u << 0,
    OD_SET_CNAMES = 1u << 1,
    OD_SET_HTTP_PORT = 1u << 2,
    OD_SET_HTTPS_PORT = 1u << 3,
    OD_SET_POLICY = 1u << 4,
    OD_SET_PROTOCOLS = 1u << 5,
    OD_SET_RESOLVE = 1u << 6,
    OD_SET_TRUST = 1u << 7,
    OD_SET_TIMEOUT = 1u << 8,
    OD_SET_CONCURRENCY = 1u << 9,
    OD_SET_GET = 1u << 10,
    OD_SET_NO_FORWARD = 1u << 11,
    OD_SET_RESPONSE_TIMEOUT = 1u << 12,
    OD_SET_VIEWER_POLICY = 1u << 13,
    OD_SET_ORIGIN_MTLS = 1u << 14,
    OD_SET_IP_ADDRESS_TYPE = 1u << 15,
    OD_SET_ORIGIN_PATH = 1u << 16,
    OD_SET_PATH = 1u << 17,
    OD_SET_ORIGIN_HEADERS = 1u << 18,
    OD_SET_DISTRIBUTION_DOMAIN = 1u << 19,
    OD_SET_CLIENT_CERT = 1u << 20    /* --client-cert and --client-key */
};

typedef struct {
    od_case c;
    unsigned set;   /* OD_SET_* */
    bool batch, no_color, help, version;
    bool summary;      /* --summary: the short summary instead of the report */
    bool guided;       /* --guided: the UI's guided session */
    const char *json_path, *report_path, *open_path, *lab;
    const char *dist_config, *origin_id;
    bool all_origins;
    /* --fleet / --merge: the files are the arguments */
    bool fleet, merge;
    od_strlist files;
    const char *jsonl_path, *shard, *resume_path;
    int fleet_concurrency;  /* 0: the default */
    int expiring_within;    /* days, when expiring_asked */
    bool expiring_asked;
    od_cli_bundle_opts bundle;     /* --check-bundle, --write-chain and their companions */
} od_cli_opts;

/* Parses argv (getopt_long over the option table; "--" ends the options).
 * o must be zeroed with o->c and o->files initialised. NULL, or a malloc'd message that
 * names the flag or field, quotes the value and says what is allowed. */
char *od_cli_parse(int argc, char **argv, od_cli_opts *o);

/* Copies onto dst the case fields the command line set. */
void od_cli_apply_overrides(od_case *dst, const od_cli_opts *o);

#endif
