/* stencil.c — 2D Jacobi 5-point stencil on an n x n grid of doubles (random start, fixed
 * boundary), S sweeps ping-ponging between two grids: v[i][j] = 0.25 * (((u[i-1][j] +
 * u[i+1][j]) + u[i][j-1]) + u[i][j+1]). Oblivious. Threads split the interior rows with a
 * barrier per sweep; every point is computed identically, so the checksum never depends on
 * threads. */
#include "wl_common.h"

#include <stdlib.h>

typedef struct {
    size_t n, sweeps;
    double *grid[2];
    pthread_barrier_t barrier;
} stencil_job;

static void stencil_worker(unsigned tid, unsigned nthreads, void *arg)
{
    stencil_job *j = arg;
    size_t n = j->n, lo, hi;
    wl_split(n - 2, tid, nthreads, &lo, &hi);
    for (size_t s = 0; s < j->sweeps; s++) {
        const double *u = j->grid[s & 1];
        double *v = j->grid[(s + 1) & 1];
        for (size_t i = lo + 1; i < hi + 1; i++)
            for (size_t c = 1; c + 1 < n; c++)
                v[i * n + c] = 0.25 * (((u[(i - 1) * n + c] + u[(i + 1) * n + c]) +
                                        u[i * n + c - 1]) + u[i * n + c + 1]);
        wl_barrier_wait(&j->barrier);
    }
}

int main(int argc, char **argv)
{
    uint64_t n = 4096, sweeps = 16, threads = 1, seed = 1;
    const wl_opt opts[] = {
        {"-n", "--size", "N", "grid dimension, boundary included", &n, 3, 1 << 20},
        {"-s", "--sweeps", "S", "Jacobi sweeps", &sweeps, 1, 1 << 20},
        {"-t", "--threads", "THREADS", "threads (split the rows)", &threads, 1, 256},
        {NULL, "--seed", "S", "seed of the random start grid", &seed, 0, UINT64_MAX},
    };
    wl_parse_args(argc, argv, "2D Jacobi 5-point stencil, several sweeps (oblivious).", opts,
                  sizeof opts / sizeof opts[0]);

    size_t elems = wl_mul(n, n), bytes = wl_mul(elems, sizeof(double));
    double *u = wl_alloc(bytes), *v = wl_alloc(bytes);
    wl_rng rng;
    wl_rng_init(&rng, seed);
    for (size_t i = 0; i < elems; i++)
        u[i] = wl_rng_unit(&rng);
    memcpy(v, u, bytes); /* the boundary of both grids */

    stencil_job job = {.n = n, .sweeps = sweeps, .grid = {u, v}};
    wl_barrier_init(&job.barrier, (unsigned)threads);
    double t0 = wl_now();
    wl_run_threads((unsigned)threads, stencil_worker, &job);
    double t1 = wl_now();
    pthread_barrier_destroy(&job.barrier);

    wl_print_result(wl_hash_doubles(WL_HASH_INIT, job.grid[sweeps & 1], elems), t1 - t0);
    free(u);
    free(v);
    return 0;
}
