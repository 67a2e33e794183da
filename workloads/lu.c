/* lu.c — in-place LU factorisation without pivoting (Doolittle, right-looking k-i-j) of a
 * dense n x n diagonally dominant matrix (entries in [-1, 1), n added to the diagonal), so
 * L (unit lower, below the diagonal) and U (on and above) overwrite A. Oblivious. At each
 * step k threads split the rows below k (a barrier per step); each entry is updated for
 * k = 0, 1, ... in order, so the checksum (hash of the factors) never depends on threads. */
#include "wl_common.h"

#include <stdlib.h>

typedef struct {
    size_t n;
    double *a;
    pthread_barrier_t barrier;
} lu_job;

static void lu_worker(unsigned tid, unsigned nthreads, void *arg)
{
    lu_job *j = arg;
    size_t n = j->n;
    double *a = j->a;
    for (size_t k = 0; k + 1 < n; k++) {
        const double *restrict ak = a + k * n;
        double pivot = ak[k];
        size_t lo, hi;
        wl_split(n - k - 1, tid, nthreads, &lo, &hi);
        for (size_t i = k + 1 + lo; i < k + 1 + hi; i++) {
            double *restrict ai = a + i * n;
            double l = ai[k] / pivot;
            ai[k] = l;
            for (size_t c = k + 1; c < n; c++)
                ai[c] -= l * ak[c];
        }
        wl_barrier_wait(&j->barrier);
    }
}

int main(int argc, char **argv)
{
    uint64_t n = 1792, threads = 1, seed = 1;
    const wl_opt opts[] = {
        {"-n", "--size", "N", "matrix dimension", &n, 1, 1 << 20},
        {"-t", "--threads", "THREADS", "threads (split the rows of each step)", &threads, 1, 256},
        {NULL, "--seed", "S", "seed of the random matrix", &seed, 0, UINT64_MAX},
    };
    wl_parse_args(argc, argv, "Dense LU without pivoting, diagonally dominant (oblivious).", opts,
                  sizeof opts / sizeof opts[0]);

    size_t elems = wl_mul(n, n);
    double *a = wl_alloc(wl_mul(elems, sizeof(double)));
    wl_rng rng;
    wl_rng_init(&rng, seed);
    for (size_t i = 0; i < elems; i++)
        a[i] = wl_rng_sym(&rng);
    for (size_t i = 0; i < n; i++)
        a[i * n + i] += (double)n;

    lu_job job = {.n = n, .a = a};
    wl_barrier_init(&job.barrier, (unsigned)threads);
    double t0 = wl_now();
    wl_run_threads((unsigned)threads, lu_worker, &job);
    double t1 = wl_now();
    pthread_barrier_destroy(&job.barrier);

    wl_print_result(wl_hash_doubles(WL_HASH_INIT, a, elems), t1 - t0);
    free(a);
    return 0;
}
