/* Integration-test helpers: run the real binary, parse its JSON back. */
#ifndef OD_ITEST_H
#define OD_ITEST_H

#include <stdbool.h>
#include <cJSON.h>
#include "od_case.h"
#include "od_certgen.h"
#include "od_labserver.h"
#include "od_util.h"

typedef struct {
    int exit_code;       /* -1 if it did not exit normally */
    char *out;
    char *err;
} it_result;

/* The binary under test, the one argument an integration test takes;
 * exits 2 with the usage when it is missing. */
const char *it_bin_arg(int argc, char **argv);
/* Runs bin with args (argv[0] excluded), stdin from /dev/null, killed after
 * timeout_s. env_extra: NULL-terminated "K=V" list or NULL. */
void it_run(const char *bin, const od_strlist *args, const char *const *env_extra, int timeout_s, it_result *res);
void it_result_free(it_result *res);

/* The CLI arguments that describe a case (ports, policy, resolve, trust store, cnames, origin last). */
void it_case_args(const od_case *c, od_strlist *args);

/* Runs `--batch --json - --https-port=PORT --resolve=ORIGIN:PORT:127.0.0.1
 * [extra...] ORIGIN` and parses standard output (NULL if it is not JSON). */
cJSON *it_run_json(const char *bin, const char *origin, int port, const char *const *extra, it_result *res);

/* The project's GnuTLS origin on 127.0.0.1 with one certificate for name
 * (key kind `key`) under a fresh root (ECDSA P-256) written to
 * DIR/root.pem (*trust, malloc'd): pki[0] the root, pki[1] the leaf, the
 * caller frees both after stopping the server. NULL with a message on
 * stderr if anything fails. */
od_lab_server *it_one_cert_origin(const char *dir, const char *name, od_keykind key, const char *priority,
                                  od_gen_cert pki[2], char **trust, int *port);

/* The same with the rest of the server's settings from base (NULL: the
 * defaults; its mode and identities are replaced), and the root sent
 * after the leaf when send_root. */
od_lab_server *it_cert_origin(const char *dir, const char *name, od_keykind key, const od_lab_config *base,
                              bool send_root, od_gen_cert pki[2], char **trust, int *port);

/* Stops that origin (srv may be NULL), frees pki, removes dir; frees dir and trust. */
void it_one_cert_origin_end(od_lab_server *srv, od_gen_cert pki[2], char *dir, char *trust);

/* Parses a JSON file with libcjson; NULL with a message on stderr if it fails. */
cJSON *it_load_json(const char *path);

/* The first finding with this id in a report, or NULL. */
const cJSON *it_finding(const cJSON *report, const char *id);

/* Space separated, sorted, unique ids of findings with the given severity. malloc'd. */
char *it_ids_with_severity(const cJSON *report, const char *severity);

/* Runs a shell command line (a report's reproduce command); its standard
 * output and error together, malloc'd (never NULL). */
char *it_shell_output(const char *cmd, int timeout_s);

/* A fresh private temporary folder (removed by it_rmtree). */
char *it_tmpdir(void);
void it_rmtree(const char *dir);

/* Sorts a space separated list into the canonical form it_ids_with_severity uses. */
char *it_sorted_ids(const char *ids);

#endif
