/* spmv.c — repeated sparse matrix-vector product x <- s * (A x), A n x n in CSR with exactly
 * d nonzeros per row (row i has one column drawn in each of d equal strata of [0, n)), s =
 * 1/sqrt(d). The structure comes from --structure-seed only and the values and x from --seed
 * only: the access pattern depends on the structure seed alone (oblivious for a fixed one).
 * Each y[i] sums its row in column order, so the checksum never depends on threads. */
#include "wl_common.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    size_t n, d, reps;
    double scale;
    const uint64_t *row_ptr;
    const uint32_t *col;
    const double *val;
    double *x, *y;
    pthread_barrier_t barrier;
} spmv_job;

static void spmv_worker(unsigned tid, unsigned nthreads, void *arg)
{
    spmv_job *j = arg;
    size_t lo, hi;
    wl_split(j->n, tid, nthreads, &lo, &hi);
    for (size_t r = 0; r < j->reps; r++) {
        for (size_t i = lo; i < hi; i++) {
            double s = 0.0;
            for (uint64_t k = j->row_ptr[i]; k < j->row_ptr[i + 1]; k++)
                s += j->val[k] * j->x[j->col[k]];
            j->y[i] = s * j->scale;
        }
        wl_barrier_wait(&j->barrier); /* every y[i] written before x is replaced */
        for (size_t i = lo; i < hi; i++)
            j->x[i] = j->y[i];
        wl_barrier_wait(&j->barrier);
    }
}

/* Row i's columns: stratum s = [s*n/d, (s+1)*n/d), one uniform column in each, increasing. */
static void make_structure(size_t n, size_t d, uint64_t seed, uint64_t *row_ptr, uint32_t *col)
{
    wl_rng rng;
    wl_rng_init(&rng, seed);
    for (size_t i = 0; i < n; i++) {
        row_ptr[i] = (uint64_t)i * d;
        for (size_t s = 0; s < d; s++) {
            uint64_t lo = (uint64_t)n * s / d, hi = (uint64_t)n * (s + 1) / d;
            col[i * d + s] = (uint32_t)(lo + wl_rng_below(&rng, hi - lo));
        }
    }
    row_ptr[n] = (uint64_t)n * d;
}

int main(int argc, char **argv)
{
    uint64_t n = 1 << 20, d = 16, reps = 8, threads = 1, seed = 1, sseed = 1;
    const wl_opt opts[] = {
        {"-n", "--size", "N", "matrix dimension (rows = columns)", &n, 1, 1ULL << 32},
        {"-d", "--nnz-per-row", "D", "nonzeros per row (at most N)", &d, 1, 1 << 16},
        {"-r", "--reps", "R", "products x <- A x / sqrt(d) in sequence", &reps, 1, 1 << 20},
        {"-t", "--threads", "THREADS", "threads (split the rows)", &threads, 1, 256},
        {NULL, "--seed", "S", "seed of the values and of x", &seed, 0, UINT64_MAX},
        {NULL, "--structure-seed", "T", "seed of the sparsity structure", &sseed, 0, UINT64_MAX},
    };
    wl_parse_args(argc, argv,
                  "Sparse (CSR) matrix-vector product, repeated (oblivious for a given "
                  "structure seed).",
                  opts, sizeof opts / sizeof opts[0]);
    if (d > n)
        wl_die(2, "bad value %llu for --nnz-per-row: at most the size %llu",
               (unsigned long long)d, (unsigned long long)n);

    size_t nnz = wl_mul(n, d);
    uint64_t *row_ptr = wl_alloc(wl_mul(n + 1, sizeof(uint64_t)));
    uint32_t *col = wl_alloc(wl_mul(nnz, sizeof(uint32_t)));
    double *val = wl_alloc(wl_mul(nnz, sizeof(double)));
    double *x = wl_alloc(wl_mul(n, sizeof(double))), *y = wl_alloc(wl_mul(n, sizeof(double)));
    make_structure(n, d, sseed, row_ptr, col);
    wl_rng rng;
    wl_rng_init(&rng, seed);
    for (size_t k = 0; k < nnz; k++)
        val[k] = wl_rng_sym(&rng);
    for (size_t i = 0; i < n; i++)
        x[i] = wl_rng_sym(&rng);

    spmv_job job = {.n = n, .d = d, .reps = reps, .scale = 1.0 / sqrt((double)d),
                    .row_ptr = row_ptr, .col = col, .val = val, .x = x, .y = y};
    wl_barrier_init(&job.barrier, (unsigned)threads);
    double t0 = wl_now();
    wl_run_threads((unsigned)threads, spmv_worker, &job);
    double t1 = wl_now();
    pthread_barrier_destroy(&job.barrier);

    wl_print_result(wl_hash_doubles(WL_HASH_INIT, x, n), t1 - t0);
    free(row_ptr);
    free(col);
    free(val);
    free(x);
    free(y);
    return 0;
}
