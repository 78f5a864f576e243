/* Rewrites GnuTLS's ClientHello into CloudFront's (od_client_hello.h). */
#include "od_client_hello.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "od_util.h"

#define EXT_SUPPORTED_GROUPS 10
#define EXT_SIGNATURE_ALGORITHMS 13

static unsigned get16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static void put16(unsigned char *p, size_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put24(unsigned char *p, size_t v)
{
    p[0] = (unsigned char)(v >> 16);
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)v;
}

/* Appends a list of 16-bit codes with its 16-bit byte length. */
static size_t put_list(unsigned char *w, const uint16_t *codes, size_t n)
{
    put16(w, 2 * n);
    for (size_t i = 0; i < n; i++)
        put16(w + 2 + 2 * i, codes[i]);
    return 2 + 2 * n;
}

/* An extension whose body is one list of codes: type, length, list. */
static size_t put_ext(unsigned char *w, unsigned type, const uint16_t *codes, size_t n)
{
    put16(w, type);
    put16(w + 2, 2 + 2 * n);
    return 4 + put_list(w + 4, codes, n);
}

bool od_client_hello_rewrite(const unsigned char *rec, size_t len, const od_hello_offer *offer,
                             unsigned char **out, size_t *out_len, size_t *left_out)
{
    *out = NULL;
    *out_len = 0;
    *left_out = 0;
    /* record header, handshake header (ClientHello), one record, one message */
    if (!offer || len < 9 || rec[0] != 0x16 || get16(rec + 3) != len - 5 || rec[5] != 1 ||
        ((size_t)rec[6] << 16 | get16(rec + 7)) != len - 9)
        return false;
    const unsigned char *p = rec + 9, *end = rec + len;
    /* client_version, random, session_id */
    if (end - p < 35 || end - p < 35 + p[34])
        return false;
    const unsigned char *suites = p + 35 + p[34];
    if (end - suites < 2 || (size_t)(end - suites - 2) < get16(suites) || get16(suites) % 2)
        return false;
    size_t n_gnutls = get16(suites) / 2;
    const unsigned char *comp = suites + 2 + 2 * n_gnutls;
    if (end - comp < 1 || end - comp - 1 < comp[0])
        return false;
    const unsigned char *exts = comp + 1 + comp[0];
    if (end - exts < 2 || (size_t)(end - exts - 2) != get16(exts))
        return false;

    size_t cap = len + 2 * (offer->n_suites + offer->n_groups + offer->n_sigs) + 16;
    unsigned char *w = od_xmalloc(cap), *q = w + 9;
    memcpy(q, p, (size_t)(suites - p));   /* version, random, session id */
    q += suites - p;

    uint16_t kept[OD_OFFER_MAX];
    size_t n_kept = 0;
    for (size_t i = 0; i < offer->n_suites && i < OD_OFFER_MAX; i++) {
        bool offered = false;
        for (size_t k = 0; k < n_gnutls && !offered; k++)
            offered = get16(suites + 2 + 2 * k) == offer->suites[i];
        if (offered)
            kept[n_kept++] = offer->suites[i];
        else
            (*left_out)++;
    }
    if (!n_kept) {
        free(w);
        return false;
    }
    q += put_list(q, kept, n_kept);
    memcpy(q, comp, (size_t)(exts - comp));   /* compression methods */
    q += exts - comp;

    unsigned char *ext_len = q;
    q += 2;
    for (const unsigned char *e = exts + 2; e < end;) {
        if (end - e < 4 || (size_t)(end - e - 4) < get16(e + 2)) {
            free(w);
            return false;
        }
        unsigned type = get16(e), elen = get16(e + 2);
        if (type == EXT_SUPPORTED_GROUPS && offer->n_groups) {
            q += put_ext(q, EXT_SUPPORTED_GROUPS, offer->groups, offer->n_groups);
        } else if (type == EXT_SIGNATURE_ALGORITHMS && offer->n_sigs) {
            q += put_ext(q, EXT_SIGNATURE_ALGORITHMS, offer->sigs, offer->n_sigs);
        } else {
            memcpy(q, e, 4 + (size_t)elen);
            q += 4 + elen;
        }
        e += 4 + elen;
    }
    put16(ext_len, (size_t)(q - ext_len - 2));

    size_t total = (size_t)(q - w);
    w[0] = 0x16;
    w[1] = rec[1];
    w[2] = rec[2];
    put16(w + 3, total - 5);
    w[5] = 1;
    put24(w + 6, total - 9);
    *out = w;
    *out_len = total;
    return true;
}
