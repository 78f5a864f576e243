#include "od_report.h"
#include "od_report_internal.h"

#include <stdlib.h>
#include <string.h>

void od_report_init(od_report *r)
{
    memset(r, 0, sizeof *r);
    od_case_init(&r->input);
    od_finding_list_init(&r->findings);
    od_obs_init(&r->obs);
}

void od_report_free(od_report *r)
{
    if (!r)
        return;
    free(r->tool_version);
    free(r->generated_at);
    od_case_free(&r->input);
    free(r->summary);
    od_finding_list_free(&r->findings);
    od_obs_free(&r->obs);
    memset(r, 0, sizeof *r);
}

static const char *const dns_names[] = {
    [OD_DNS_NOT_RUN] = "not_run", [OD_DNS_OK] = "ok",         [OD_DNS_NO_SUCH_HOST] = "no_such_host",
    [OD_DNS_FAILED] = "failed",   [OD_DNS_IS_IP] = "is_ip",
};

const char *od_dns_status_name(od_dns_status s)
{
    if ((int)s < 0 || (size_t)s >= sizeof dns_names / sizeof dns_names[0])
        return "unknown";
    return dns_names[s];
}

bool od_dns_status_parse(const char *s, od_dns_status *out)
{
    for (size_t i = 0; s && i < sizeof dns_names / sizeof dns_names[0]; i++) {
        if (strcmp(s, dns_names[i]) == 0) {
            *out = (od_dns_status)i;
            return true;
        }
    }
    return false;
}

const char *od_tri_name(od_tri t)
{
    return t == OD_TRI_YES ? "true" : t == OD_TRI_NO ? "false" : "untested";
}

/* When a distribution's behaviors disagree about Host, a finding about a
 * CNAME concerns the behaviors that forward Host, one about the origin
 * domain the others. NULL when the case has no such split. */
char *od_report_finding_behaviors(const od_report *r, const od_finding *f)
{
    const od_case *c = r ? &r->input : NULL;
    if (!c || (!c->behaviors_forwarding_host.len && !c->behaviors_origin_host.len))
        return NULL;
    od_strlist out;
    od_strlist_init(&out);
    for (size_t i = 0; i < f->names.len; i++) {
        bool is_origin = c->origin_domain && od_strcasecmp(f->names.items[i], c->origin_domain) == 0 &&
                         !(c->forward_host_header && !c->also_origin_domain);
        const od_strlist *b = is_origin ? &c->behaviors_origin_host : &c->behaviors_forwarding_host;
        for (size_t k = 0; k < b->len; k++)
            if (!od_strlist_contains(&out, b->items[k]))
                od_strlist_add(&out, b->items[k]);
    }
    char *s = NULL;
    if (out.len) {
        od_buf b;
        od_buf_init(&b);
        for (size_t i = 0; i < out.len; i++)
            od_buf_printf(&b, "%s%s", i ? ", " : "", out.items[i]);
        s = od_buf_steal(&b);
    }
    od_strlist_free(&out);
    return s;
}
