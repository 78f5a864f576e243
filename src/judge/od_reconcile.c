/* A pass never stands next to a failure for the same name. */
#include "od_reconcile.h"

#include <stdlib.h>
#include <string.h>

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

od_layer od_finding_layer(const char *id)
{
    static const struct {
        const char *prefix;
        od_layer layer;
    } families[] = {
        {"DNS_", OD_LAYER_NETWORK}, {"PORT_", OD_LAYER_NETWORK}, {"TCP_", OD_LAYER_NETWORK},
        {"TLS_", OD_LAYER_TLS},     {"CERT_", OD_LAYER_TLS},     {"CHAIN_", OD_LAYER_TLS},
        {"HTTP_", OD_LAYER_HTTP},
    };
    if (!id)
        return OD_LAYER_NONE;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (has_prefix(id, families[i].prefix))
            return families[i].layer;
    return OD_LAYER_NONE;
}

const od_finding *od_findings_blocking(const od_finding_list *l, const char *name, od_layer layer)
{
    if (!name || layer == OD_LAYER_NONE)
        return NULL;
    for (size_t i = 0; i < l->len; i++) {
        const od_finding *f = &l->items[i];
        if (f->severity != OD_SEV_FAIL)
            continue;   /* first: most findings are not failures, and the layer costs prefix compares */
        od_layer fl = od_finding_layer(f->id);
        if (fl != OD_LAYER_NONE && fl <= layer && od_strlist_contains_ci(&f->names, name))
            return f;
    }
    return NULL;
}

void od_findings_reconcile(od_finding_list *l)
{
    size_t kept = 0;
    for (size_t i = 0; i < l->len; i++) {
        od_finding *f = &l->items[i];
        od_layer layer = od_finding_layer(f->id);
        if (f->severity == OD_SEV_PASS && layer != OD_LAYER_NONE && f->names.len > 0) {
            od_strlist keep, gone;
            od_strlist_init(&keep);
            od_strlist_init(&gone);
            const od_finding *why = NULL;
            for (size_t k = 0; k < f->names.len; k++) {
                const od_finding *b = od_findings_blocking(l, f->names.items[k], layer);
                if (b) {
                    od_strlist_add(&gone, f->names.items[k]);
                    why = why ? why : b;
                } else {
                    od_strlist_add(&keep, f->names.items[k]);
                }
            }
            if (gone.len > 0 && keep.len == 0) {
                od_strlist_free(&keep);
                od_strlist_free(&gone);
                od_finding_free(f);
                continue;
            }
            if (gone.len > 0) {
                od_buf b;
                od_buf_init(&b);
                od_buf_printf(&b, "%s%sNot for ", f->detail ? f->detail : "", f->detail && *f->detail ? " " : "");
                for (size_t k = 0; k < gone.len; k++)
                    od_buf_printf(&b, "%s%s", k ? ", " : "", gone.items[k]);
                od_buf_printf(&b, ": CloudFront cannot use %s (%s).", gone.len == 1 ? "that name" : "those names",
                              why->id);
                free(f->detail);
                f->detail = od_buf_steal(&b);
                od_strlist_free(&f->names);
                f->names = keep;
                od_strlist_init(&keep);
            }
            od_strlist_free(&keep);
            od_strlist_free(&gone);
        }
        if (kept != i)
            l->items[kept] = *f;
        kept++;
    }
    l->len = kept;
}
