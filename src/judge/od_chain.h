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

/* Position of the leaf in a list (certs[order[i]], or certs[i] when order
 * is NULL): the first certificate that is not a CA and issued none of the
 * others; 0 when there is none. */
size_t od_chain_leaf_position(const od_cert *certs, const size_t *order, size_t n);

/* od_chain_analyse with the path built from position `leaf` even when the
 * list does not start with it; the facts' positions stay positions as
 * sent, so a leaf that is not first makes the order wrong. */
void od_chain_analyse_from(const od_cert *certs, const size_t *chain, size_t n, size_t leaf,
                           const od_trust *trust, od_chain_facts *facts);

/* The chain a live origin sent: analysed from [0], unless [0] is a CA
 * certificate and a leaf sent later has an issuer path that runs through
 * [0] (the chain was sent reversed): then from that leaf, order wrong. */
void od_chain_analyse_sent(const od_cert *certs, const size_t *chain, size_t n,
                           const od_trust *trust, od_chain_facts *facts);

#endif
