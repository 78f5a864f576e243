/* The project's own chain analysis: GnuTLS's verification silently
 * re-sorts chains that CloudFront rejects, so the path is built here. */
#ifndef OD_CHAIN_H
#define OD_CHAIN_H

#include <gnutls/x509.h>
#include "od_obs.h"

/* A loaded trust store (system bundle or a PEM file). */
typedef struct {
    gnutls_x509_trust_list_t list;
    char *source;          /* path, or "system" */
    unsigned count;        /* anchors loaded */
} od_trust;

/* path NULL: the system store. Returns NULL or a malloc'd message naming the file. */
char *od_trust_load(const char *path, od_trust *out);
void od_trust_free(od_trust *t);

/* Analyses the chain as sent (certs[chain[0..n-1]]) against the trust
 * store and fills *facts. Builds the path from [0]: the next link is the
 * unused sent certificate that issued the current one (DN + key ids +
 * signature); stops at a self-signed cert or a cert issued by an anchor. */
void od_chain_analyse(const od_cert *certs, const size_t *chain, size_t n,
                      const od_trust *trust, od_chain_facts *facts);

#endif
