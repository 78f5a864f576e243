/* Statuses that agree with the verdict: a name CloudFront cannot use gets
 * no pass anywhere. A failing finding at one layer of the connection
 * (address and port, then TLS/certificate/chain, then HTTP) blocks the
 * passes of that layer and the layers above it for the names it names. */
#ifndef OD_RECONCILE_H
#define OD_RECONCILE_H

#include "od_finding.h"

typedef enum { OD_LAYER_NONE = -1, OD_LAYER_NETWORK, OD_LAYER_TLS, OD_LAYER_HTTP } od_layer;

/* The layer a finding id speaks about (from its family prefix). */
od_layer od_finding_layer(const char *id);
/* The failing finding that makes name unusable at layer (or below), or NULL. */
const od_finding *od_findings_blocking(const od_finding_list *l, const char *name, od_layer layer);
/* Pass findings lose the names a failure blocks (said in their detail);
 * a pass finding left with no name goes. */
void od_findings_reconcile(od_finding_list *l);

#endif
