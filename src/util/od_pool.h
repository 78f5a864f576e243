/* Runs n independent jobs on at most max_threads threads and waits for
 * all of them. Jobs must not share mutable state. */
#ifndef OD_POOL_H
#define OD_POOL_H

#include <stddef.h>

typedef void (*od_job_fn)(void *ctx, size_t index);

void od_pool_run(size_t n, int max_threads, od_job_fn fn, void *ctx);

#endif
