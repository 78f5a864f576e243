/* Name matching by the rules CloudFront follows (RFC 6125 style). */
#ifndef OD_NAMES_H
#define OD_NAMES_H

#include <stdbool.h>
#include "od_obs.h"

/* Normalises a DNS name for comparison: lower-case, trailing dot removed,
 * international names converted to A-labels (punycode). NULL if the name
 * cannot be converted. malloc'd. */
char *od_name_normalize(const char *name);

/* Does one certificate name (pattern, possibly "*.example.com") match host?
 * Case-insensitive, trailing dot ignored; a wildcard only as the whole
 * left-most label, matching exactly one non-empty label; never matching
 * an IP address; no partial-label wildcards ("f*.example.com" never matches). */
bool od_name_matches(const char *pattern, const char *host);

/* Does the certificate cover host? DNS SANs are used when present; the
 * subject CN only when the certificate has no DNS SAN. An IP host is
 * matched against IP SANs only. If matched_by is non-NULL it receives the
 * matching certificate name (pointer into c) or NULL. */
bool od_cert_covers(const od_cert *c, const char *host, const char **matched_by);

#endif
