/* matmul.c — dense C = A * B of n x n doubles, naive i-k-j loops or blocked (-b), rows split
 * over threads. Oblivious. Every C[i][j] accumulates A[i][k]*B[k][j] for k = 0..n-1 in order,
 * whatever the blocking or thread count, so the checksum (hash of C's bits) never changes. */
#include "wl_common.h"

#include <stdlib.h>

typedef struct {
    size_t n, block;
    const double *a, *b;
    double *c;
} matmul_job;

/* Rows [lo, hi) of C, naive i-k-j. */
static void matmul_naive(const matmul_job *j, size_t lo, size_t hi)
{
    size_t n = j->n;
    for (size_t i = lo; i < hi; i++) {
        double *restrict ci = j->c + i * n;
        for (size_t k = 0; k < n; k++) {
            double aik = j->a[i * n + k];
            const double *restrict bk = j->b + k * n;
            for (size_t x = 0; x < n; x++)
                ci[x] += aik * bk[x];
        }
    }
}

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

/* Rows [lo, hi) of C, tiled by block x block; k blocks run in increasing order. */
static void matmul_blocked(const matmul_job *j, size_t lo, size_t hi)
{
    size_t n = j->n, bs = j->block;
    for (size_t ii = lo; ii < hi; ii += bs)
        for (size_t kk = 0; kk < n; kk += bs)
            for (size_t jj = 0; jj < n; jj += bs) {
                size_t ie = min_sz(ii + bs, hi), ke = min_sz(kk + bs, n), je = min_sz(jj + bs, n);
                for (size_t i = ii; i < ie; i++) {
                    double *restrict ci = j->c + i * n;
                    for (size_t k = kk; k < ke; k++) {
                        double aik = j->a[i * n + k];
                        const double *restrict bk = j->b + k * n;
                        for (size_t x = jj; x < je; x++)
                            ci[x] += aik * bk[x];
                    }
                }
            }
}

static void matmul_worker(unsigned tid, unsigned nthreads, void *arg)
{
    const matmul_job *j = arg;
    size_t lo, hi;
    wl_split(j->n, tid, nthreads, &lo, &hi);
    if (j->block)
        matmul_blocked(j, lo, hi);
    else
        matmul_naive(j, lo, hi);
}

int main(int argc, char **argv)
{
    uint64_t n = 1536, block = 0, threads = 1, seed = 1;
    const wl_opt opts[] = {
        {"-n", "--size", "N", "matrix dimension", &n, 1, 1 << 20},
        {"-b", "--block", "BLOCK", "tile size; 0 = naive i-k-j loops", &block, 0, 1 << 20},
        {"-t", "--threads", "THREADS", "threads (split the rows of C)", &threads, 1, 256},
        {NULL, "--seed", "S", "seed of the random inputs", &seed, 0, UINT64_MAX},
    };
    wl_parse_args(argc, argv, "Dense matrix product C = A * B of doubles (oblivious).", opts,
                  sizeof opts / sizeof opts[0]);

    size_t elems = wl_mul(n, n), bytes = wl_mul(elems, sizeof(double));
    double *a = wl_alloc(bytes), *b = wl_alloc(bytes), *c = wl_alloc(bytes);
    wl_rng rng;
    wl_rng_init(&rng, seed);
    for (size_t i = 0; i < elems; i++)
        a[i] = wl_rng_sym(&rng);
    for (size_t i = 0; i < elems; i++)
        b[i] = wl_rng_sym(&rng);
    memset(c, 0, bytes);

    matmul_job job = {n, block, a, b, c};
    double t0 = wl_now();
    wl_run_threads((unsigned)threads, matmul_worker, &job);
    double t1 = wl_now();

    wl_print_result(wl_hash_doubles(WL_HASH_INIT, c, elems), t1 - t0);
    free(a);
    free(b);
    free(c);
    return 0;
}
