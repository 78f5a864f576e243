/* Shared by the rule files (od_rules_*.c) and their driver (od_rules.c):
 * the context every rule reads and writes, the rule and pass tables, and
 * the helpers that build findings. Not for use outside src/judge. */
#ifndef OD_RULES_INTERNAL_H
#define OD_RULES_INTERNAL_H

#include <time.h>
#include "od_rules.h"

#define EXPIRES_SOON_SECONDS (30 * 24 * 3600)

typedef struct {
    const od_case *c;
    const od_observations *o;
    const od_policy *p;
    const od_fixes *fx;
    time_t now;
    od_finding_list *out;
    size_t base;              /* first finding this run added */
    od_strlist keys;          /* dedupe key of out->items[base + i] */
    od_strlist names;         /* expected names (SNI values CloudFront sends) */
    char *names_joined;
    char *protocols;          /* the distribution's origin SSL protocols */
    const char *server;       /* Server header seen, or NULL */
    const char *cert_server;  /* for certificate fixes: server, or "acm" for Amazon-issued */
    od_strlist untested;      /* checks that did not run */
    bool incomplete;          /* one that matters could not run because of this machine or the tool */
    od_strlist incomplete_why;
} rule_ctx;

/* A rule: a pure function that appends findings (or notes what it could
 * not check with rl_note_untested). */
typedef void (*rl_rule_fn)(rule_ctx *x);

typedef struct {
    const char *name;
    rl_rule_fn run;
} rl_rule;

/* The builder of a pass id: called in the final pass only when no PROBLEM
 * of the id's check (registry) was raised; adds the pass finding only when
 * the check really ran. */
typedef struct {
    od_finding_index id;
    rl_rule_fn build;
} rl_pass;

/* One family's rule file: its rules (run in this order) and pass builders. */
typedef struct {
    od_family family;
    const rl_rule *rules;
    size_t n_rules;
    const rl_pass *passes;
    size_t n_passes;
} rl_family;

#define RL_LEN(a) (sizeof (a) / sizeof (a)[0])

extern const rl_family rl_family_network;   /* od_rules_network.c */
extern const rl_family rl_family_tls;       /* od_rules_tls.c */
extern const rl_family rl_family_cert;      /* od_rules_cert.c */
extern const rl_family rl_family_http;      /* od_rules_http.c */

/* ---- building findings (od_rules_common.c) ---- */

/* Placeholders substituted in fix texts ({name}, {port}, ...). */
typedef struct {
    od_fix_var v[20];
    size_t n;
} rl_varset;

void rl_var(rl_varset *vs, const char *key, const char *value);

/* Adds a finding, or, when one with the same id and key exists, adds the
 * address to its evidence and returns NULL (the caller then stops). */
od_finding *rl_finding_new(rule_ctx *x, const char *id, od_severity sev, const char *key, const char *address);
/* Title, fix steps (server-specific first) and fallbacks. */
void rl_finish(rule_ctx *x, od_finding *f, const char *server, rl_varset *vs);
/* Finishes a finding about one expected name at one address and port. */
void rl_finish_for_name(rule_ctx *x, od_finding *f, const char *server, rl_varset *vs, const char *name,
                        const char *address, int port);
/* Records a check that did not run (takes text). */
void rl_note_untested(rule_ctx *x, char *text);
/* The same for a check that matters, which this machine or the tool could
 * not run: the report is then incomplete (a timeout or a refusal by the
 * origin is an observation, not this). */
void rl_note_incomplete(rule_ctx *x, char *text);
/* Marks the report incomplete without listing an untested check (the
 * finding that says so is already there); takes text. */
void rl_mark_incomplete(rule_ctx *x, char *text);

cJSON *rl_str_array(const od_strlist *l);
void rl_ev_str(od_finding *f, const char *key, const char *value);
void rl_ev_int(od_finding *f, const char *key, double value);
void rl_ev_time(od_finding *f, const char *key, time_t t);
char *rl_proto_list(unsigned bits);   /* "TLSv1.2" or "none" */

bool rl_is_expected(const rule_ctx *x, const char *name);
/* The name resolved, but to no address CloudFront may use with the case's
 * IP address type (DNS_NO_ADDRESS_OF_TYPE): nothing was there to probe. */
bool rl_no_address_of_type(const rule_ctx *x);
/* DNS, the origin's, left nothing to connect to: no such name, or no
 * address of the type CloudFront uses. */
bool rl_dns_left_no_address(const rule_ctx *x);
const char *rl_first_name(const rule_ctx *x);
const od_cert *rl_hs_cert(const rule_ctx *x, const od_handshake *hs, size_t pos);
bool rl_https_handshake(const rule_ctx *x, const od_handshake *hs);
/* A handshake CloudFront would make for name (its SNI, the HTTPS port) that completed. */
bool rl_completed_for(const rule_ctx *x, const od_handshake *hs, const char *name);
/* The origin's certificate list arrived in this handshake at the HTTPS
 * port, whether or not the handshake then completed (a chain sent
 * reversed makes it fail here, after the Certificate message): what was
 * sent is an observation either way. */
bool rl_chain_received(const rule_ctx *x, const od_handshake *hs);
/* Every expected name has a completed handshake (false when there are none). */
bool rl_every_name_completes(const rule_ctx *x);

/* Reproduction commands. */
char *rl_connect_target(const rule_ctx *x, const char *addr);
/* An address as a URL, curl's --resolve or openssl's -connect want it: an
 * IPv6 address in brackets. malloc'd. */
char *rl_bracketed(const char *addr);
/* curl's " --cacert STORE" (the trust store the diagnosis used, when one
 * was given) and " --resolve NAME:PORT:ADDR" (the address it reached),
 * appended to b. */
void rl_curl_cacert(od_buf *b, const rule_ctx *x);
void rl_curl_resolve(od_buf *b, const char *name, int port, const char *addr);
char *rl_sclient(const rule_ctx *x, const char *addr, int port, const char *sni, const char *extra);
/* With a bundle judged offline (o->bundle), what shows the file instead. */
char *rl_bundle_command(const rule_ctx *x);

#endif
