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
#include "od_report.h"

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

/* Writing the corrected chain of a report (a bundle check or a live
 * diagnosis): the chain as sent (the file's order, or the first completed
 * handshake for an expected name) completed and ordered, then written
 * atomically, never over an existing file without force. */
typedef struct {
    const char *out_path;
    bool force;
    const char *key_path;              /* picks the leaf of a bundle; shown in the install steps */
    const od_strlist *intermediates;   /* may be NULL */
    bool fetch;                        /* AIA, with the report's --resolve and timeout */
} od_write_chain_opts;

typedef enum {
    OD_WRITE_CHAIN_WRITTEN,
    OD_WRITE_CHAIN_REFUSED,       /* no chain, or it does not reach a trusted root: nothing written */
    OD_WRITE_CHAIN_BAD_INPUT,     /* an unreadable --intermediates, the file exists without force */
    OD_WRITE_CHAIN_IO_ERROR       /* the file could not be written */
} od_write_chain_status;

/* *text: where each certificate came from, notes, and after writing the
 * install steps (malloc'd, may be NULL); *err: why it was not written. */
od_write_chain_status od_write_chain_for_report(const od_report *r, const od_write_chain_opts *o, char **text,
                                                char **err);

/* One bounded HTTP GET of an AIA URL (http:// only). NULL with *body and
 * *len set (malloc'd), or a malloc'd message saying what went wrong. */
char *od_aia_fetch(const char *url, const od_resolve *resolve, size_t n_resolve, int timeout_ms, size_t max_bytes,
                   unsigned char **body, size_t *len);

#endif
