/* AWS endpoints used as custom origins, recognised by name from
 * assets/aws-endpoints.json (patterns and what each endpoint implies). */
#ifndef OD_AWS_ENDPOINTS_H
#define OD_AWS_ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include "od_util.h"

typedef struct {
    char *service;              /* "Amazon S3 website endpoint" */
    od_strlist patterns;        /* "*.s3-website-*.amazonaws.com" */
    bool http_only;             /* speaks HTTP only: the origin protocol policy must be http-only */
    bool routes_by_host;        /* routes by Host: the viewer's Host must not be forwarded */
    bool own_name_certifiable;  /* false: no certificate a customer can install covers its own name */
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
/* One pattern against a whole name, case-insensitively (syntax: the asset's description). */
bool od_aws_pattern_match(const char *pattern, const char *host);

#endif
