/* Import of a CloudFront distribution's configuration, as the AWS CLI
 * prints it, into Cases: which origins exist, which are custom (and so
 * diagnosable), their ports, protocol policy, origin SSL protocols and
 * connection timeout, the distribution's CNAMEs, and - per cache behavior
 * that targets an origin - whether the viewer's Host header reaches it.
 *
 * Accepted shapes (all three are detected automatically):
 *   aws cloudfront get-distribution-config  {"ETag":..., "DistributionConfig":{...}}
 *   aws cloudfront get-distribution         {"ETag":..., "Distribution":{"Id":..., "DomainName":...,
 *                                             "DistributionConfig":{...}}}
 *   a bare DistributionConfig object         {"CallerReference":..., "Origins":{...}, ...}
 *
 * Whether a managed policy includes Host is data, not code: it is read from
 * assets/managed-origin-request-policies.json (with its source and date).
 * A policy id that table does not know is a custom policy; the file alone
 * cannot say what it forwards, so the import asks instead of guessing.
 *
 * Strings in these structures are the file's values, unescaped: escape them
 * (od_escape_str) before showing them. Every message returned is already
 * escaped and names the file's key path, e.g.
 * "DistributionConfig.Origins.Items[1].CustomOriginConfig.HTTPPort: ...". */
#ifndef OD_DISTCONFIG_H
#define OD_DISTCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include "od_case.h"
#include "od_util.h"

/* ---- The table of managed policies ---------------------------------- */

typedef struct {
    char *id;               /* "216adef6-5c7f-47e4-b989-5492eafa07d3" */
    char *name;             /* "AllViewer" */
    bool includes_host;     /* the viewer's Host reaches the origin */
} od_managed_policy;

typedef struct {
    od_managed_policy *origin_request;   /* managed origin request policies */
    size_t n_origin_request;
    od_managed_policy *cache;            /* managed cache policies */
    size_t n_cache;
    char *source;                        /* where the facts come from */
    char *checked;                       /* when they were checked ("2026-11") */
    char *path;                          /* file it was read from */
} od_managed_policies;

/* Reads the table (e.g. from od_asset_path("managed-origin-request-policies.json")).
 * NULL on success, else a malloc'd message naming the file and the problem. */
char *od_managed_policies_load(const char *path, od_managed_policies *out);
void od_managed_policies_free(od_managed_policies *p);
/* NULL when the id is not a managed policy of that kind. */
const od_managed_policy *od_managed_origin_request_policy(const od_managed_policies *p, const char *id);
const od_managed_policy *od_managed_cache_policy(const od_managed_policies *p, const char *id);

/* ---- The distribution ------------------------------------------------ */

typedef enum {
    OD_HOST_NOT_FORWARDED,  /* CloudFront sends the origin domain as Host and SNI */
    OD_HOST_FORWARDED,      /* CloudFront sends the viewer's Host (a CNAME) as Host and SNI */
    OD_HOST_UNKNOWN         /* a custom policy decides; the file cannot say: ask the user */
} od_host_forwarding;

/* One cache behavior that sends requests to an origin. */
typedef struct {
    char *path_pattern;             /* "default" for DefaultCacheBehavior, else PathPattern, e.g. "/api/" and a star */
    od_host_forwarding host;
    char *reason;                   /* why, for people (escaped): "legacy ForwardedValues.Headers includes Host",
                                       "managed origin request policy AllViewer (216adef6-...) includes Host", ... */
    char *origin_request_policy_id; /* NULL when none */
    char *cache_policy_id;          /* NULL when none (legacy ForwardedValues) */
    od_strlist unknown_policies;    /* OD_HOST_UNKNOWN: the custom policy ids to ask about */
    od_viewer_policy viewer_protocol_policy;   /* ViewerProtocolPolicy (allow-all when absent) */
} od_dist_behavior;

typedef struct {
    char *id;                       /* the origin's Id */
    char *domain_name;              /* DomainName, as in the file */
    bool is_custom;                 /* has CustomOriginConfig: diagnosable */
    char *skip_reason;              /* !is_custom: why it cannot be diagnosed (for people) */
    int http_port, https_port;      /* custom origins only (else 0) */
    od_protocol_policy protocol_policy;
    unsigned ssl_protocols;         /* OD_PROTO_* bits */
    int read_timeout;               /* OriginReadTimeout, s (default 30) */
    int connection_timeout;         /* ConnectionTimeout, s (default 10) */
    int connection_attempts;        /* ConnectionAttempts (default 3) */
    bool origin_mtls;               /* CustomOriginConfig.OriginMtlsConfig present */
    od_ip_address_type ip_address_type;   /* CustomOriginConfig.IpAddressType (ipv4 when absent) */
    char *origin_path;              /* OriginPath ("/app"), NULL when empty */
    od_origin_header *headers;      /* CustomHeaders.Items[]: HeaderName, HeaderValue (a secret, often) */
    size_t n_headers;
    od_dist_behavior *behaviors;    /* the cache behaviors that target this origin,   */
    size_t n_behaviors;             /* directly or through an origin group            */
} od_dist_origin;

typedef struct {
    char *distribution_id;          /* Distribution.Id (get-distribution), else NULL */
    char *domain_name;              /* Distribution.DomainName ("d111.cloudfront.net"), else NULL */
    char *shape;                    /* "get-distribution-config", "get-distribution" or "DistributionConfig" */
    od_strlist aliases;             /* Aliases.Items, lower-case */
    od_dist_origin *origins;        /* in the file's order */
    size_t n_origins;
} od_dist_config;

/* Parses a config. policies may be NULL (then every policy id is unknown).
 * NULL on success, else a malloc'd message naming the key path and the
 * problem, or the line and column for malformed JSON. Values CloudFront
 * itself would refuse (a port not 80/443/1024-65535, an unknown protocol
 * policy or SSL protocol, a ConnectionTimeout outside 1-10, a
 * TargetOriginId naming no origin) are errors too: such a file was not
 * printed by the AWS CLI, or was edited. On error *out is left empty. */
char *od_distconfig_parse(const char *text, size_t len, const od_managed_policies *policies,
                          od_dist_config *out);
/* Reads and parses a file (at most 16 MiB); messages start with the file name. */
char *od_distconfig_load(const char *path, const od_managed_policies *policies, od_dist_config *out);
void od_distconfig_free(od_dist_config *d);

/* ---- Many distributions in one file (--fleet) ------------------------
 * Besides the single shapes above, `aws cloudfront list-distributions`
 * output: {"DistributionList": {"Items": [DistributionSummary, ...]}}, or
 * the bare array (--query DistributionList.Items). Each summary holds Id,
 * DomainName and the DistributionConfig keys side by side. */

typedef struct {
    od_dist_config config;  /* valid when error is NULL */
    char *error;            /* this entry could not be read: the message names the
                               distribution (Id when it has one) and the key path */
    char *entry_id;         /* the entry's Id (escaped), or NULL when it has none */
} od_dist_entry;

typedef struct {
    od_dist_entry *items;   /* in the file's order */
    size_t n;
    char *shape;            /* "list-distributions" or the single shape */
} od_dist_set;

/* Parses a file of any accepted shape into entries. A problem in one
 * distribution stays with that entry (entry->error) and the others are
 * read; the return value is a malloc'd message only when the file as a
 * whole is not JSON or not a distribution list (then *out is empty). */
char *od_distconfig_parse_set(const char *text, size_t len, const od_managed_policies *policies, od_dist_set *out);
/* Reads and parses a file (at most 512 MiB); messages start with the file name. */
char *od_distconfig_load_set(const char *path, const od_managed_policies *policies, od_dist_set *out);
void od_dist_set_free(od_dist_set *s);

/* The origin with this Id, or NULL. */
const od_dist_origin *od_distconfig_find_origin(const od_dist_config *d, const char *id);
/* The origin to diagnose when the user named none: the only custom origin,
 * or NULL when there are none or several (then list them and ask). */
const od_dist_origin *od_distconfig_default_origin(const od_dist_config *d);
size_t od_distconfig_count_custom(const od_dist_config *d);

/* ---- From an origin to a Case ------------------------------------------ */

/* What the user said about custom policies (ids as in the file). An id in
 * both lists means "I don't know": both sets of names are then checked. */
typedef struct {
    od_strlist includes_host;
    od_strlist excludes_host;
} od_host_answers;

void od_host_answers_init(od_host_answers *a);
void od_host_answers_free(od_host_answers *a);

/* The distinct custom policy ids of this origin's behaviors that the user
 * must be asked about (appended to *ids; none when the file explains all). */
void od_distconfig_questions(const od_dist_origin *o, od_strlist *ids);

typedef struct {
    bool mixed;                      /* behaviors disagree: both the CNAMEs and the origin domain are checked */
    od_strlist forwarding_behaviors; /* path patterns whose requests carry the viewer's Host (CNAMEs) */
    od_strlist origin_host_behaviors;/* path patterns whose requests carry the origin domain as Host */
} od_dist_case_info;

void od_dist_case_info_init(od_dist_case_info *i);
void od_dist_case_info_free(od_dist_case_info *i);

/* Fills a Case for one custom origin. out must be initialised (od_case_init);
 * only the distribution's fields are set: origin_domain (lower-case),
 * http_port, https_port, protocol_policy, origin_ssl_protocols, timeout_s
 * (ConnectionTimeout), origin_path, origin_headers (CustomHeaders),
 * distribution_domain (Distribution.DomainName, get-distribution shape
 * only), cnames (Aliases, always), forward_host_header
 * (true when at least one behavior forwards Host), also_origin_domain and
 * the two behavior lists. When Host is forwarded, viewers may use the
 * distribution's *.cloudfront.net name: od_case_expected_names checks it
 * beside the Aliases; with no Aliases and no such name (a shape without
 * DomainName), an error asks for --cname or --distribution-domain. When behaviors disagree (some forward Host,
 * others not), the Case covers both name sets: forward_host_header and
 * also_origin_domain are set, so od_case_expected_names gives the CNAMEs AND
 * the origin domain, and behaviors_forwarding_host / behaviors_origin_host
 * say which behaviors each set concerns (both empty when they agree);
 * info->mixed says the same, and info lists the behaviors in every case.
 * answers may be NULL. Returns NULL, or a malloc'd message: the origin is
 * not custom (with the reason), its domain is not valid, or a custom policy
 * has no answer (the message names every unanswered id; see
 * od_distconfig_questions). On error out and info are unchanged.
 * info may be NULL; else initialise it first (od_dist_case_info_init). */
char *od_distconfig_case(const od_dist_config *d, const od_dist_origin *o, const od_host_answers *answers,
                         od_case *out, od_dist_case_info *info);

const char *od_host_forwarding_name(od_host_forwarding h);   /* "not forwarded", "forwarded", "unknown" */

#endif
