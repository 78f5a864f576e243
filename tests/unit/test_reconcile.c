/* Statuses that agree with the verdict: passes lose the names a failure
 * of their layer (or a lower one) blocks; a pass with no name left goes. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "od_reconcile.h"

static od_finding *add(od_finding_list *l, const char *id, od_severity sev, const char *names)
{
    od_finding *f = od_finding_list_add(l);
    f->id = od_xstrdup(id);
    f->severity = sev;
    f->title = od_xstrdup(id);
    f->detail = od_xstrdup("Seen.");
    char *copy = od_xstrdup(names), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        od_strlist_add(&f->names, t);
    free(copy);
    return f;
}

static const od_finding *find(const od_finding_list *l, const char *id)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i].id, id) == 0)
            return &l->items[i];
    return NULL;
}

int main(void)
{
    CHECK(od_finding_layer("PORT_REFUSED") == OD_LAYER_NETWORK);
    CHECK(od_finding_layer("CERT_NAME_MISMATCH") == OD_LAYER_TLS);
    CHECK(od_finding_layer("CHAIN_WRONG_ORDER") == OD_LAYER_TLS);
    CHECK(od_finding_layer("HTTP_OK") == OD_LAYER_HTTP);
    CHECK(od_finding_layer("VANTAGE_POINT") == OD_LAYER_NONE);

    /* cname-not-covered: the certificate covers www, not cdn */
    od_finding_list l;
    od_finding_list_init(&l);
    add(&l, "CERT_NAME_MISMATCH", OD_SEV_FAIL, "cdn.shop.test");
    add(&l, "TLS_OK", OD_SEV_PASS, "www.shop.test,cdn.shop.test");
    add(&l, "HTTP_OK", OD_SEV_PASS, "cdn.shop.test");
    add(&l, "HTTP_OK", OD_SEV_PASS, "www.shop.test");
    add(&l, "VANTAGE_POINT", OD_SEV_INFO, "www.shop.test,cdn.shop.test");
    CHECK(od_findings_blocking(&l, "cdn.shop.test", OD_LAYER_TLS) == &l.items[0]);
    CHECK(od_findings_blocking(&l, "CDN.shop.test", OD_LAYER_HTTP) == &l.items[0]);
    CHECK(od_findings_blocking(&l, "cdn.shop.test", OD_LAYER_NETWORK) == NULL);   /* the port is fine */
    CHECK(od_findings_blocking(&l, "www.shop.test", OD_LAYER_HTTP) == NULL);
    od_findings_reconcile(&l);
    CHECK(l.len == 4);
    const od_finding *tls = find(&l, "TLS_OK");
    CHECK(tls && tls->names.len == 1 && strcmp(tls->names.items[0], "www.shop.test") == 0);
    CHECK(tls && strstr(tls->detail, "Not for cdn.shop.test") && strstr(tls->detail, "CERT_NAME_MISMATCH"));
    const od_finding *http = find(&l, "HTTP_OK");
    CHECK(http && http->names.len == 1 && strcmp(http->names.items[0], "www.shop.test") == 0);
    /* no pass anywhere names cdn */
    for (size_t i = 0; i < l.len; i++)
        CHECK(l.items[i].severity != OD_SEV_PASS || !od_strlist_contains(&l.items[i].names, "cdn.shop.test"));
    /* information is not a pass: it keeps its names */
    CHECK(find(&l, "VANTAGE_POINT")->names.len == 2);
    od_finding_list_free(&l);

    /* an HTTP failure does not take TLS's pass away (TLS did work) */
    od_finding_list_init(&l);
    add(&l, "HTTP_NO_RESPONSE", OD_SEV_FAIL, "a.test");
    add(&l, "TLS_OK", OD_SEV_PASS, "a.test");
    od_findings_reconcile(&l);
    CHECK(find(&l, "TLS_OK") && find(&l, "TLS_OK")->names.len == 1);
    od_finding_list_free(&l);
    return check_done("test_reconcile");
}
