/* matvec.c — repeated dense matrix-vector product x <- s * (A x) with A n x n doubles,
 * s = 1/sqrt(n), rows split over threads. Oblivious. Each y[i] sums A[i][k]*x[k] for
 * k = 0..n-1 in order, so the checksum (hash of the final x) never depends on threads. */
#include "wl_common.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    size_t n, reps;
    double scale;
    const double *a;
    double *x, *y;
    pthread_barrier_t barrier;
} matvec_job;

static void matvec_worker(unsigned tid, unsigned nthreads, void *arg)
{
    matvec_job *j = arg;
    size_t n = j->n, lo, hi;
    wl_split(n, tid, nthreads, &lo, &hi);
    for (size_t r = 0; r < j->reps; r++) {
        for (size_t i = lo; i < hi; i++) {
            const double *ai = j->a + i * n;
            double s = 0.0;
            for (size_t k = 0; k < n; k++)
                s += ai[k] * j->x[k];
            j->y[i] = s * j->scale;
        }
        wl_barrier_wait(&j->barrier); /* every y[i] written before x is replaced */
        for (size_t i = lo; i < hi; i++)
            j->x[i] = j->y[i];
        wl_barrier_wait(&j->barrier);
    }
}

int main(int argc, char **argv)
{
    uint64_t n = 4096, reps = 16, threads = 1, seed = 1;
    const wl_opt opts[] = {
        {"-n", "--size", "N", "matrix dimension", &n, 1, 1 << 20},
        {"-r", "--reps", "R", "products x <- A x / sqrt(n) in sequence", &reps, 1, 1 << 20},
        {"-t", "--threads", "THREADS", "threads (split the rows of A)", &threads, 1, 256},
        {NULL, "--seed", "S", "seed of the random inputs", &seed, 0, UINT64_MAX},
    };
    wl_parse_args(argc, argv, "Dense matrix-vector product, repeated (oblivious).", opts,
                  sizeof opts / sizeof opts[0]);

    size_t elems = wl_mul(n, n);
    double *a = wl_alloc(wl_mul(elems, sizeof(double)));
    double *x = wl_alloc(wl_mul(n, sizeof(double))), *y = wl_alloc(wl_mul(n, sizeof(double)));
    wl_rng rng;
    wl_rng_init(&rng, seed);
    for (size_t i = 0; i < elems; i++)
        a[i] = wl_rng_sym(&rng);
    for (size_t i = 0; i < n; i++)
        x[i] = wl_rng_sym(&rng);

    matvec_job job = {.n = n, .reps = reps, .scale = 1.0 / sqrt((double)n), .a = a, .x = x,
                      .y = y};
    wl_barrier_init(&job.barrier, (unsigned)threads);
    double t0 = wl_now();
    wl_run_threads((unsigned)threads, matvec_worker, &job);
    double t1 = wl_now();
    pthread_barrier_destroy(&job.barrier);

    wl_print_result(wl_hash_doubles(WL_HASH_INIT, x, n), t1 - t0);
    free(a);
    free(x);
    free(y);
    return 0;
}
