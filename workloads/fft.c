/* fft.c — iterative radix-2 decimation-in-time complex FFT of 2^k points (interleaved re, im
 * doubles) with a table of N/2 twiddles w_j = cos(-2 pi j/N) + i sin(-2 pi j/N). Oblivious.
 * Threads split the bit-reversal and each stage's butterflies (a barrier between stages); each
 * butterfly is computed identically whoever runs it, so the checksum never depends on threads. */
#include "wl_common.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    unsigned k;
    double *x;  /* 2N doubles: re, im */
    double *tw; /* N doubles: N/2 twiddles, re, im */
    pthread_barrier_t barrier;
} fft_job;

static size_t bit_reverse(size_t i, unsigned k)
{
    size_t r = 0;
    for (unsigned b = 0; b < k; b++, i >>= 1)
        r = (r << 1) | (i & 1);
    return r;
}

static void fft_worker(unsigned tid, unsigned nthreads, void *arg)
{
    fft_job *j = arg;
    size_t n = (size_t)1 << j->k, lo, hi;
    double *x = j->x, *tw = j->tw;

    wl_split(n / 2, tid, nthreads, &lo, &hi);
    for (size_t t = lo; t < hi; t++) {
        double theta = -2.0 * M_PI * (double)t / (double)n;
        tw[2 * t] = cos(theta);
        tw[2 * t + 1] = sin(theta);
    }
    wl_split(n, tid, nthreads, &lo, &hi);
    for (size_t i = lo; i < hi; i++) {
        size_t r = bit_reverse(i, j->k);
        if (i < r) {
            double re = x[2 * i], im = x[2 * i + 1];
            x[2 * i] = x[2 * r];
            x[2 * i + 1] = x[2 * r + 1];
            x[2 * r] = re;
            x[2 * r + 1] = im;
        }
    }
    wl_barrier_wait(&j->barrier);

    wl_split(n / 2, tid, nthreads, &lo, &hi);
    for (unsigned s = 0; s < j->k; s++) { /* butterflies of span 2m, m = 2^s */
        size_t m = (size_t)1 << s, step = n >> (s + 1);
        for (size_t b = lo; b < hi; b++) {
            size_t q = b & (m - 1), i = ((b >> s) << (s + 1)) | q, u = i + m;
            double wr = tw[2 * q * step], wi = tw[2 * q * step + 1];
            double xr = x[2 * u], xi = x[2 * u + 1];
            double tr = wr * xr - wi * xi, ti = wr * xi + wi * xr;
            double ar = x[2 * i], ai = x[2 * i + 1];
            x[2 * u] = ar - tr;
            x[2 * u + 1] = ai - ti;
            x[2 * i] = ar + tr;
            x[2 * i + 1] = ai + ti;
        }
        wl_barrier_wait(&j->barrier);
    }
}

int main(int argc, char **argv)
{
    uint64_t k = 22, threads = 1, seed = 1;
    const wl_opt opts[] = {
        {"-k", "--log-size", "K", "transform 2^K complex points", &k, 1, 40},
        {"-t", "--threads", "THREADS", "threads (split each stage)", &threads, 1, 256},
        {NULL, "--seed", "S", "seed of the random input", &seed, 0, UINT64_MAX},
    };
    wl_parse_args(argc, argv, "Iterative radix-2 complex FFT of 2^K points (oblivious).", opts,
                  sizeof opts / sizeof opts[0]);

    size_t n = (size_t)1 << k;
    double *x = wl_alloc(wl_mul(n, 2 * sizeof(double)));
    double *tw = wl_alloc(wl_mul(n / 2 ? n / 2 : 1, 2 * sizeof(double)));
    wl_rng rng;
    wl_rng_init(&rng, seed);
    for (size_t i = 0; i < 2 * n; i++)
        x[i] = wl_rng_sym(&rng);

    fft_job job = {.k = (unsigned)k, .x = x, .tw = tw};
    wl_barrier_init(&job.barrier, (unsigned)threads);
    double t0 = wl_now();
    wl_run_threads((unsigned)threads, fft_worker, &job);
    double t1 = wl_now();
    pthread_barrier_destroy(&job.barrier);

    wl_print_result(wl_hash_doubles(WL_HASH_INIT, x, 2 * n), t1 - t0);
    free(x);
    free(tw);
    return 0;
}
