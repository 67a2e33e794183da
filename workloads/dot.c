/* dot.c — dot product of two double vectors of length n, repeated R times. Oblivious.
 * The sum is split into fixed chunks of 4096 elements, each summed in order, and the chunk
 * sums are added in chunk order, so the result is bit-identical for any thread count. */
#include "wl_common.h"

#include <stdlib.h>

#define DOT_CHUNK 4096

typedef struct {
    size_t n, nchunks, reps;
    const double *x, *y;
    double *partial; /* one sum per chunk */
} dot_job;

static void dot_worker(unsigned tid, unsigned nthreads, void *arg)
{
    dot_job *j = arg;
    size_t lo, hi;
    wl_split(j->nchunks, tid, nthreads, &lo, &hi);
    for (size_t r = 0; r < j->reps; r++)
        for (size_t c = lo; c < hi; c++) {
            size_t b = c * DOT_CHUNK, e = b + DOT_CHUNK < j->n ? b + DOT_CHUNK : j->n;
            double s = 0.0;
            for (size_t i = b; i < e; i++)
                s += j->x[i] * j->y[i];
            j->partial[c] = s;
        }
}

int main(int argc, char **argv)
{
    uint64_t n = 1 << 23, reps = 16, threads = 1, seed = 1;
    const wl_opt opts[] = {
        {"-n", "--size", "N", "vector length", &n, 1, 1ULL << 40},
        {"-r", "--reps", "R", "passes over the vectors", &reps, 1, 1 << 20},
        {"-t", "--threads", "THREADS", "threads (split the chunks)", &threads, 1, 256},
        {NULL, "--seed", "S", "seed of the random inputs", &seed, 0, UINT64_MAX},
    };
    wl_parse_args(argc, argv, "Dot product of two double vectors (oblivious).", opts,
                  sizeof opts / sizeof opts[0]);

    size_t nchunks = (n + DOT_CHUNK - 1) / DOT_CHUNK;
    double *x = wl_alloc(wl_mul(n, sizeof(double))), *y = wl_alloc(wl_mul(n, sizeof(double)));
    double *partial = wl_alloc(wl_mul(nchunks, sizeof(double)));
    wl_rng rng;
    wl_rng_init(&rng, seed);
    for (size_t i = 0; i < n; i++)
        x[i] = wl_rng_sym(&rng);
    for (size_t i = 0; i < n; i++)
        y[i] = wl_rng_sym(&rng);

    dot_job job = {n, nchunks, reps, x, y, partial};
    double t0 = wl_now();
    wl_run_threads((unsigned)threads, dot_worker, &job);
    double sum = 0.0;
    for (size_t c = 0; c < nchunks; c++)
        sum += partial[c];
    double t1 = wl_now();

    wl_print_result(wl_hash_double(WL_HASH_INIT, sum), t1 - t0);
    free(x);
    free(y);
    free(partial);
    return 0;
}
