/* wl_common.c — the workloads' shared runtime helpers: hashing arrays, timing, checked
 * sizes, page-aligned allocation, result printing, and running a function on N threads. */
#include "wl_common.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

uint64_t wl_hash_doubles(uint64_t h, const double *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = wl_hash_double(h, a[i]);
    return h;
}

uint64_t wl_hash_u64s(uint64_t h, const uint64_t *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = wl_hash_u64(h, a[i]);
    return h;
}

double wl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

size_t wl_mul(size_t a, size_t b)
{
    size_t r;
    if (__builtin_mul_overflow(a, b, &r))
        wl_die(2, "problem size too large (%zu x %zu overflows)", a, b);
    return r;
}

void *wl_alloc(size_t bytes)
{
    void *p = NULL;
    int err = posix_memalign(&p, 4096, bytes ? bytes : 1);
    if (err)
        wl_die(1, "cannot allocate %zu bytes: %s", bytes, strerror(err));
    return p;
}

void wl_print_result(uint64_t checksum, double seconds)
{
    printf("checksum %016" PRIx64 "\ncompute_time %.6f\n", checksum, seconds);
    fflush(stdout);
}

typedef struct {
    void (*fn)(unsigned, unsigned, void *);
    void *arg;
    unsigned tid, nthreads;
} thread_start;

static void *thread_main(void *p)
{
    thread_start *s = p;
    s->fn(s->tid, s->nthreads, s->arg);
    return NULL;
}

void wl_run_threads(unsigned nthreads, void (*fn)(unsigned tid, unsigned nthreads, void *arg),
                    void *arg)
{
    if (nthreads <= 1) {
        fn(0, 1, arg);
        return;
    }
    pthread_t *ids = calloc(nthreads, sizeof *ids);
    thread_start *starts = calloc(nthreads, sizeof *starts);
    if (!ids || !starts)
        wl_die(1, "out of memory starting %u threads", nthreads);
    for (unsigned t = 0; t < nthreads; t++)
        starts[t] = (thread_start){fn, arg, t, nthreads};
    for (unsigned t = 1; t < nthreads; t++) {
        int err = pthread_create(&ids[t], NULL, thread_main, &starts[t]);
        if (err)
            wl_die(1, "pthread_create: %s", strerror(err));
    }
    thread_main(&starts[0]);
    for (unsigned t = 1; t < nthreads; t++)
        pthread_join(ids[t], NULL);
    free(ids);
    free(starts);
}

void wl_barrier_init(pthread_barrier_t *b, unsigned nthreads)
{
    int err = pthread_barrier_init(b, NULL, nthreads ? nthreads : 1);
    if (err)
        wl_die(1, "pthread_barrier_init: %s", strerror(err));
}

void wl_barrier_wait(pthread_barrier_t *b)
{
    int err = pthread_barrier_wait(b);
    if (err && err != PTHREAD_BARRIER_SERIAL_THREAD)
        wl_die(1, "pthread_barrier_wait: %s", strerror(err));
}
