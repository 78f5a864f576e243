/* CloudFront's ClientHello built from the one GnuTLS writes: GnuTLS's
 * priority strings enable suites as a cross product of key exchanges,
 * ciphers and MACs, so no priority string offers exactly CloudFront's
 * list (od_probe_ciphers.c). The record GnuTLS sends is rewritten instead:
 * cipher_suites, supported_groups and signature_algorithms become the
 * offer's, in its order; everything else is kept. Pure (no I/O). */
#ifndef OD_CLIENT_HELLO_H
#define OD_CLIENT_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include "od_probe.h"

/* rec/len: one TLS record holding a whole ClientHello. On success *out
 * (malloc'd) holds the rewritten record. Suites of the offer that GnuTLS
 * did not put in its own list are left out (it could not complete a
 * handshake on them); *left_out counts them. false: not a ClientHello
 * this function understands (nothing allocated). */
bool od_client_hello_rewrite(const unsigned char *rec, size_t len, const od_hello_offer *offer,
                             unsigned char **out, size_t *out_len, size_t *left_out);

#endif
