/* Helpers shared by the report modules (JSON, Markdown, text); not part
 * of the engine's public interface. */
#ifndef OD_REPORT_INTERNAL_H
#define OD_REPORT_INTERNAL_H

#include <stdbool.h>
#include "od_obs.h"

/* "not_run", "ok", "no_such_host", "failed", "is_ip". */
const char *od_dns_status_name(od_dns_status s);
bool od_dns_status_parse(const char *s, od_dns_status *out);

/* One protocol name ("SSLv3" ... "TLSv1.3") to its OD_PROTO_* bit. */

/* "true", "false" or "untested" for a tri-state. */
const char *od_tri_name(od_tri t);

#endif
