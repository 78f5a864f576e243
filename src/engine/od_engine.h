/* The engine: Case -> Plan -> Probes -> Observations -> Rules -> Report.
 * Runs probes concurrently, each bounded by the case's timeout, and
 * tells the caller about progress through events (from worker threads). */
#ifndef OD_ENGINE_H
#define OD_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include "od_case.h"
#include "od_policy.h"
#include "od_report.h"
#include "od_fixes.h"

typedef enum {
    OD_EV_PLAN,          /* step = a planned step name, status pending (one event per step) */
    OD_EV_STEP_BEGIN,
    OD_EV_STEP_END,      /* status and duration_ms set */
    OD_EV_DETAIL,        /* detail = what is happening now */
    OD_EV_DONE
} od_event_type;

typedef struct {
    od_event_type type;
    const char *step;
    od_step_status status;
    int64_t duration_ms;
    const char *detail;
} od_event;

/* Called from any thread; must be quick and thread-safe. */
typedef void (*od_event_fn)(void *ctx, const od_event *ev);

typedef struct {
    const od_policy *policy;
    const od_fixes *fixes;
    od_event_fn on_event;     /* may be NULL */
    void *event_ctx;
    atomic_bool *cancel;      /* may be NULL; set true to stop: finished work is kept */
} od_engine_opts;

/* Fills *out (initialised by the engine). Returns 0, or -1 if the run
 * could not start (message in out->summary). */
int od_engine_run(const od_case *c, const od_engine_opts *opts, od_report *out);

/* The most connections a run of this case holds open at once when its
 * concurrency is set (the fleet sets it, and keeps the sum over the
 * origins it runs under its global bound). */
int od_engine_max_connections(const od_case *c);

/* Re-judges a report's observations (rules + verdict) without probing. */
void od_engine_judge(const od_engine_opts *opts, od_report *r, time_t now);

#endif
