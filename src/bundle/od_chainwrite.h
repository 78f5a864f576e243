/* The chain an origin should send: leaf first, then each issuer in turn,
 * unrelated certificates dropped, the root left out; missing intermediates
 * completed from files, the trust store, or (when asked) the certificates'
 * AIA caIssuers URLs. The path itself is found by od_chain_analyse, the
 * same analysis that judges a live chain. */
#ifndef OD_CHAINWRITE_H
#define OD_CHAINWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include "od_case.h"
#include "od_obs.h"

typedef struct {
    const od_strlist *intermediates;   /* files or folders (PEM/DER/PKCS#7/PKCS#12), may be NULL */
    bool fetch;                        /* follow AIA caIssuers URLs over HTTP */
    const od_resolve *resolve;         /* --resolve pins for AIA hosts */
    size_t n_resolve;
    int timeout_ms;                    /* bound of one fetch, connect to last byte */
    size_t max_bytes;                  /* bound of one answer (0: 128 KiB) */
    const char *trust_store;           /* NULL: the system store */
} od_chain_build_opts;

typedef struct {
    od_cert cert;
    char *source;                      /* where it came from, in words */
} od_chain_link;

typedef struct {
    od_chain_link *links;              /* leaf first; the root is left out */
    size_t n_links;
    bool complete;                     /* reaches a root the trust store holds */
    char *root;                        /* that root's subject */
    char *problem;                     /* why not complete, or NULL */
    od_strlist notes;                  /* dropped certificates, the root left out, fetches */
} od_chain_plan;

void od_chain_plan_free(od_chain_plan *p);

/* certs[0..n-1] with sources[i] (e.g. "the bundle, position 2"); leaf is
 * the index of the leaf. Returns NULL (see out->complete), or a malloc'd
 * message for bad input (an unreadable --intermediates file, the trust
 * store). */
char *od_chain_build(const od_cert *certs, const char *const *sources, size_t n, size_t leaf,
                     const od_chain_build_opts *opts, od_chain_plan *out);

/* PEM of the links in order, malloc'd. */
char *od_chain_plan_pem(const od_chain_plan *p);

/* The server-specific install steps for a chain written to out_path
 * (key_path may be NULL: "privkey.pem" is shown). malloc'd text. */
char *od_chain_install_steps(const char *out_path, const char *key_path);

/* One bounded HTTP GET of an AIA URL (http:// only). NULL with *body and
 * *len set (malloc'd), or a malloc'd message saying what went wrong. */
char *od_aia_fetch(const char *url, const od_resolve *resolve, size_t n_resolve, int timeout_ms, size_t max_bytes,
                   unsigned char **body, size_t *len);

#endif
