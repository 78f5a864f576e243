/* The Plan: which probes a Case needs, and what each waits for. Pure:
 * Case + policy + the addresses DNS gave -> a list of probes with their
 * dependencies, no network. The engine runs each probe as soon as what
 * it needs is known (a dependency schedule, not stages).
 *
 * Dependencies come in two kinds. A probe that *waits* starts only once
 * the probe it depends on has ended, and only if the gate holds (a broad
 * handshake after a refused one; TLS 1.0 suites after TLS 1.0 itself).
 * A *speculative* probe starts at once and its result counts only if the
 * gate holds when everything has ended (the HTTP request beside the
 * handshake it needs): the usual answer costs no round trip. */
#ifndef OD_PLAN_H
#define OD_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "od_case.h"
#include "od_obs.h"
#include "od_policy.h"

#define OD_PLAN_NONE SIZE_MAX

typedef enum {
    OD_PLAN_CONNECT,     /* is address:port open? Taken from the first probe that connects
                            there; a connection of its own only when no probe does */
    OD_PLAN_HANDSHAKE,   /* CloudFront's offer with one name as SNI (or none) */
    OD_PLAN_BROAD,       /* everything GnuTLS offers, to see the certificate of a refused name */
    OD_PLAN_PROTOCOL,    /* one protocol alone, any suite (the whole handshake: GnuTLS names
                            the chosen suite only once it has ended) */
    OD_PLAN_SUITE,       /* one CloudFront suite alone at one protocol: ends at the ServerHello */
    OD_PLAN_HTTP         /* one request, HEAD or GET, over TLS or plain TCP */
} od_plan_kind;

typedef enum {
    OD_GATE_NONE,        /* counts once its connection is open */
    OD_GATE_REFUSED,     /* `after` (a handshake) was refused by the origin */
    OD_GATE_ACCEPTED,    /* `after` (a protocol probe) was accepted */
    OD_GATE_TLS_OK,      /* `after` (a handshake) succeeded: CloudFront would get this far */
    OD_GATE_HEAD_UNANSWERED, /* `after` (a HEAD request) got no answer, or 405/501 */
    OD_GATE_GET_NEEDED   /* `after` (the first name's GET) answered where its HEAD did not:
                            the origin ignores HEAD, so every name asks GET at once */
} od_plan_gate;

typedef struct {
    od_plan_kind kind;
    size_t address;      /* index into the addresses the plan was made for */
    int port;
    char *sni;           /* NULL: no server_name extension */
    char *host;          /* HTTP: the Host header */
    bool tls;            /* HTTP: over TLS */
    const char *method;  /* HTTP: "HEAD" or "GET" */
    char *path;          /* HTTP: the request-target, OriginPath + path */
    unsigned proto;      /* PROTOCOL, SUITE: one OD_PROTO_* bit */
    size_t suite;        /* SUITE: index into the policy's suites */
    char *priority;      /* GnuTLS priority string; NULL: everything GnuTLS offers */
    size_t connect;      /* the CONNECT probe of address:port (itself for a CONNECT) */
    size_t after;        /* the probe whose result gates this one, or OD_PLAN_NONE */
    od_plan_gate gate;
    bool waits;          /* true: starts after `after` ends; false: speculative */
    bool alone;          /* CONNECT: no other probe of the plan connects there */
    char *step;          /* the step it reports as (NULL: part of the cipher table step,
                            or the GET beside a HEAD, which reports in the HEAD's step) */
    char *step_id;       /* that step's stable id (see od_step), with step */
    size_t head;         /* HTTP GET beside a HEAD: that HEAD; else OD_PLAN_NONE */
    /* One connection serves both the TLS probe of a name and its HTTP
     * request: the HANDSHAKE's `via` is the HTTP probe whose handshake it
     * is; that HTTP probe's `provides` is the HANDSHAKE. Else OD_PLAN_NONE. */
    size_t via;
    size_t provides;
} od_plan_probe;

typedef struct {
    od_plan_probe *probes;
    size_t n;
    size_t cap;   /* probes allocated */
    /* The cipher table: at which address and with which SNI it is
     * probed; OD_PLAN_NONE when the case uses no HTTPS. */
    size_t table_address;
    char *table_sni;
    char *table_step;
    char *table_step_id;
} od_plan;

/* The addresses a run probes: those CloudFront connects to by the case's
 * IP address type (od_case_uses_family), in DNS order, at most max,
 * copied to out. Returns how many. */
size_t od_plan_addresses(const od_case *c, const od_address *all, size_t n_all, od_address *out, size_t max);

/* Plans the probes of one run: for every address, a CONNECT per port the
 * case uses, a HANDSHAKE per expected name (SNI) and one without SNI, a
 * BROAD after each named handshake (gate REFUSED); the cipher table at
 * the first address; HTTP at the first address for every name (HEAD
 * with a GET beside it, unless the case asks for GET). Suites at the
 * protocols the case lets CloudFront use start at once (a working origin
 * accepts those); suites at other protocols wait for their protocol. */
void od_plan_make(const od_case *c, const od_policy *p, const od_address *addresses, size_t n_addresses,
                  od_plan *out);
void od_plan_free(od_plan *plan);

/* Re-targets the table (when the first address turns out not to speak
 * TLS) or a scheme's HTTP requests (when the first address's port is not
 * open): appends the probes for `address` and returns the index of the
 * first one appended. Addresses index the plan's own list. */
size_t od_plan_add_table(od_plan *plan, const od_case *c, const od_policy *p, const od_address *addresses,
                         size_t address, const char *sni);
size_t od_plan_add_http(od_plan *plan, const od_case *c, const od_policy *p, const od_address *addresses,
                        size_t address, bool tls);

/* Finds a probe; OD_PLAN_NONE when the plan has none. */
size_t od_plan_find_connect(const od_plan *plan, size_t address, int port);
size_t od_plan_find_handshake(const od_plan *plan, size_t address, const char *sni);

/* The predicted SNI of the cipher table: the first expected name, unless
 * no handshake of the plan carries one. */
const char *od_plan_table_sni(const od_case *c, const od_strlist *names);

#endif
