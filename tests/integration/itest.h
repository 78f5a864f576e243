/* Integration-test helpers: run the real binary, parse its JSON back. */
#ifndef OD_ITEST_H
#define OD_ITEST_H

#include <stdbool.h>
#include <cJSON.h>
#include "od_case.h"
#include "od_util.h"

typedef struct {
    int exit_code;       /* -1 if it did not exit normally */
    char *out;
    char *err;
} it_result;

/* Runs bin with args (argv[0] excluded), stdin from /dev/null, killed after
 * timeout_s. env_extra: NULL-terminated "K=V" list or NULL. */
void it_run(const char *bin, const od_strlist *args, const char *const *env_extra, int timeout_s, it_result *res);
void it_result_free(it_result *res);

/* The CLI arguments that describe a case (ports, policy, resolve, trust store, cnames, origin last). */
void it_case_args(const od_case *c, od_strlist *args);

/* Runs `--batch --json - --https-port=PORT --resolve=ORIGIN:PORT:127.0.0.1
 * [extra...] ORIGIN` and parses standard output (NULL if it is not JSON). */
cJSON *it_run_json(const char *bin, const char *origin, int port, const char *const *extra, it_result *res);

/* Parses a JSON file with libcjson; NULL with a message on stderr if it fails. */
cJSON *it_load_json(const char *path);

/* The first finding with this id in a report, or NULL. */
const cJSON *it_finding(const cJSON *report, const char *id);

/* Space separated, sorted, unique ids of findings with the given severity. malloc'd. */
char *it_ids_with_severity(const cJSON *report, const char *severity);

/* A fresh private temporary folder (removed by it_rmtree). */
char *it_tmpdir(void);
void it_rmtree(const char *dir);

/* Sorts a space separated list into the canonical form it_ids_with_severity uses. */
char *it_sorted_ids(const char *ids);

#endif
