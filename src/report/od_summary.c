/* The short summary (s in the UI, --summary in batch). */
#include "od_summary.h"

#include <string.h>

#include "od_util.h"

char *od_report_short_summary(const od_report *r)
{
    od_buf b;
    od_buf_init(&b);
    const char *origin = r->input.origin_domain ? r->input.origin_domain : "?";
    size_t fails = 0, warns = 0;
    for (size_t i = 0; i < r->findings.len; i++) {
        fails += r->findings.items[i].severity == OD_SEV_FAIL;
        warns += r->findings.items[i].severity == OD_SEV_WARN;
    }
    if (r->obs.cancelled)
        od_buf_printf(&b, "%s: the run was cancelled; unfinished checks are untested.\n", origin);
    else if (r->would_fail)
        od_buf_printf(&b, "%s: CloudFront would FAIL (502/504), %zu cause%s:\n", origin, fails, fails == 1 ? "" : "s");
    else
        od_buf_printf(&b, "%s: no cause of a CloudFront 502 found%s.\n", origin,
                      warns ? " (with warnings)" : "");
    size_t shown = 0;
    for (size_t i = 0; i < r->findings.len && shown < OD_SUMMARY_MAX_CAUSES; i++) {
        const od_finding *f = &r->findings.items[i];
        if (f->severity != OD_SEV_FAIL)
            continue;
        shown++;
        od_buf_printf(&b, "- %s: %s", f->id, f->title ? f->title : "");
        if (f->names.len)
            od_buf_printf(&b, " (%s%s)", f->names.items[0], f->names.len > 1 ? ", ..." : "");
        if (f->fix.len)
            od_buf_printf(&b, ". Fix: %s", f->fix.items[0]);
        od_buf_puts(&b, "\n");
    }
    if (fails > shown)
        od_buf_printf(&b, "- and %zu more (see the full report)\n", fails - shown);
    od_buf_printf(&b, "Checked %s from this machine (not a CloudFront edge) by origin-doctor %s.\n",
                  r->generated_at ? r->generated_at : "(no date)", r->tool_version ? r->tool_version : "?");
    return od_buf_steal(&b);
}
