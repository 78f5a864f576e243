/* What the first bytes an origin sent say about it: TLS, plain HTTP or
 * something else. Pure (no I/O): unit-tested and fuzzed on its own. */
#ifndef OD_FIRST_BYTES_H
#define OD_FIRST_BYTES_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    OD_FIRST_NOTHING,   /* no byte yet */
    OD_FIRST_TLS,       /* a TLS record content type (change_cipher_spec .. heartbeat) */
    OD_FIRST_HTTP,      /* "HTTP/" */
    OD_FIRST_OTHER      /* anything else (an SSLv2 header, a banner, garbage) */
} od_first_kind;

od_first_kind od_first_bytes_kind(const unsigned char *b, size_t n);

/* The sentence the TLS probe reports for a peer that did not speak TLS:
 * its first line, escaped. malloc'd. */
char *od_first_bytes_not_tls_text(const unsigned char *b, size_t n);

#endif
