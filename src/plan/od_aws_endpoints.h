/* AWS endpoints used as custom origins, recognised by name from
 * assets/aws-endpoints.json (patterns and what each endpoint implies). */
#ifndef OD_AWS_ENDPOINTS_H
#define OD_AWS_ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include "od_util.h"

/* A TLS security policy of the endpoint (e.g. an ELB listener's) and the
 * protocols it allows (OD_PROTO_* bits). Each listed policy includes, at
 * each protocol CloudFront may use, a suite CloudFront offers (the table's
 * source says so), so the protocols alone decide whether it works. */
typedef struct {
    char *name;                 /* "ELBSecurityPolicy-TLS13-1-2-2021-06" */
    unsigned protocols;
} od_aws_tls_policy;

typedef struct {
    char *service;              /* "Amazon S3 website endpoint" */
    od_strlist patterns;        /* "*.s3-website-*.amazonaws.com" */
    bool http_only;             /* speaks HTTP only: the origin protocol policy must be http-only */
    bool routes_by_host;        /* routes by Host: the viewer's Host must not be forwarded */
    bool own_name_certifiable;  /* false: no certificate a customer can install covers its own name */
    od_aws_tls_policy *tls_policies;   /* the endpoint's TLS security policies, or none */
    size_t n_tls_policies;
    char *tls_policies_source;
    char *tls_policies_checked;
} od_aws_endpoint;

typedef struct {
    od_aws_endpoint *items;
    size_t n;
    char *host_policy_name;     /* the managed origin request policy without Host */
    char *host_policy_id;
    char *source;
    char *checked;
} od_aws_endpoints;

/* Returns NULL on success, else a malloc'd message naming the file and the problem. */
char *od_aws_endpoints_load(const char *path, od_aws_endpoints *out);
void od_aws_endpoints_free(od_aws_endpoints *t);
/* The endpoint whose pattern matches host, or NULL (t may be NULL or empty). */
const od_aws_endpoint *od_aws_endpoint_match(const od_aws_endpoints *t, const char *host);
/* The endpoint's TLS security policies that allow one of `protocols`
 * (works true) or none of them (works false), joined with ", " in the
 * table's order; malloc'd, "" when none. */
char *od_aws_tls_policies(const od_aws_endpoint *ep, unsigned protocols, bool works);
/* One pattern against a whole name, case-insensitively (syntax: the asset's description). */
bool od_aws_pattern_match(const char *pattern, const char *host);

#endif
