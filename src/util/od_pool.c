#include "od_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "od_util.h"

typedef struct {
    size_t n;
    atomic_size_t next;
    od_job_fn fn;
    void *ctx;
} pool_state;

static void *pool_worker(void *arg)
{
    pool_state *st = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&st->next, 1);
        if (i >= st->n)
            break;
        st->fn(st->ctx, i);
    }
    return NULL;
}

void od_pool_run(size_t n, int max_threads, od_job_fn fn, void *ctx)
{
    if (n == 0)
        return;
    pool_state st = {.n = n, .fn = fn, .ctx = ctx};
    atomic_init(&st.next, 0);
    size_t threads = max_threads < 1 ? 1 : (size_t)max_threads;
    if (threads > n)
        threads = n;
    pthread_t *tids = od_xcalloc(threads, sizeof *tids);
    size_t started = 0;
    /* The calling thread works too; extra threads only when useful. */
    for (size_t t = 1; t < threads; t++) {
        if (pthread_create(&tids[started], NULL, pool_worker, &st) != 0)
            break;   /* fewer threads: the remaining jobs still run below */
        started++;
    }
    pool_worker(&st);
    for (size_t t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    free(tids);
}
