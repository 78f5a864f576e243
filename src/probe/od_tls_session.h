/* Internal to the probes: a client TLS session that stays open after the
 * handshake, so the HTTP probe can speak over the same connection the
 * TLS probe code classified. Not for use outside src/od_probe_*.c. */
#ifndef OD_TLS_SESSION_H
#define OD_TLS_SESSION_H

#include <stddef.h>
#include <sys/types.h>
#include "od_probe.h"

typedef struct od_tls_session od_tls_session;

/* The permissive priority used when a request gives none: TLS1.0-1.3 and
 * every suite, MAC and group this GnuTLS has, old ones included. */
extern const char od_tls_permissive_priority[];

/* Connects, handshakes and fills *out exactly as od_probe_tls does. On
 * success (out->hs.ok) returns the open session, else NULL. */
od_tls_session *od_tls_session_open(const od_tls_request *req, od_tls_capture *out);
/* The same, with the TLS 1.3 client-certificate verdict read od_probe_tls
 * makes: *out is then exactly what od_probe_tls would have captured. */
od_tls_session *od_tls_session_open_judged(const od_tls_request *req, od_tls_capture *out);

/* Record I/O over an open session, each call bounded by an absolute
 * deadline timeout_ms from the call however the origin paces its bytes:
 * bytes, 0 at close, or -1 with a malloc'd *err (timeout: *timed_out set). */
ssize_t od_tls_session_send(od_tls_session *s, const void *data, size_t len, int timeout_ms, char **err);
ssize_t od_tls_session_recv(od_tls_session *s, void *buf, size_t len, int timeout_ms,
                            bool *timed_out, char **err);

/* Sends close_notify (without waiting) and frees everything. */
void od_tls_session_close(od_tls_session *s);

#endif
