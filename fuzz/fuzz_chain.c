/* libFuzzer: chain analysis of a fuzzed list of certificates, as sent by
 * an origin. Input: records of a 2-byte big-endian length and that many
 * DER bytes; each record that parses joins the list, in order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "od_cert.h"
#include "od_chain.h"

static od_trust trust;
static int have_trust;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* a fixed store (the system's), loaded once */
    char *err = od_trust_load(NULL, &trust);
    have_trust = err == NULL;
    free(err);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    od_cert certs[OD_CHAIN_MAX];
    size_t chain[OD_CHAIN_MAX];
    size_t n = 0;
    size_t at = 0;
    while (n < OD_CHAIN_MAX && at + 2 <= size) {
        size_t len = (size_t)data[at] << 8 | data[at + 1];
        at += 2;
        if (len > size - at)
            len = size - at;
        char *err = od_cert_parse_der(data + at, len, &certs[n]);
        if (err)
            free(err);
        else {
            chain[n] = n;
            n++;
        }
        at += len;
    }
    if (n && have_trust) {
        od_chain_facts facts;
        memset(&facts, 0, sizeof facts);
        od_chain_analyse(certs, chain, n, &trust, &facts);
        od_chain_facts_free(&facts);
    }
    for (size_t i = 0; i < n; i++)
        od_cert_free(&certs[i]);
    return 0;
}
