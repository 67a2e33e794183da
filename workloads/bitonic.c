/* bitonic.c — bitonic sort of 2^k random 64-bit keys into ascending order. Oblivious: the
 * compare-exchange network is fixed by k and every exchange reads and writes both keys.
 * Threads split the pairs of each stage (a barrier between stages); the sorted output, and so
 * the checksum, is the same for any thread count. */
#include "wl_common.h"

#include <stdlib.h>

typedef struct {
    unsigned k;
    uint64_t *keys;
    pthread_barrier_t barrier;
} bitonic_job;

static void bitonic_worker(unsigned tid, unsigned nthreads, void *arg)
{
    bitonic_job *j = arg;
    uint64_t *a = j->keys;
    size_t half = ((size_t)1 << j->k) / 2, lo, hi;
    wl_split(half, tid, nthreads, &lo, &hi);
    for (unsigned sz = 1; sz <= j->k; sz++) {         /* merging runs of 2^sz keys */
        size_t size = (size_t)1 << sz;
        for (unsigned st = sz; st-- > 0;) {            /* stride 2^st */
            size_t stride = (size_t)1 << st;
            for (size_t p = lo; p < hi; p++) {
                size_t i = ((p >> st) << (st + 1)) | (p & (stride - 1)), m = i + stride;
                uint64_t x = a[i], y = a[m];
                uint64_t small = x < y ? x : y, big = x < y ? y : x;
                int up = (i & size) == 0;
                a[i] = up ? small : big;
                a[m] = up ? big : small;
            }
            wl_barrier_wait(&j->barrier);
        }
    }
}

int main(int argc, char **argv)
{
    uint64_t k = 22, threads = 1, seed = 1;
    const wl_opt opts[] = {
        {"-k", "--log-size", "K", "sort 2^K keys", &k, 1, 40},
        {"-t", "--threads", "THREADS", "threads (split each stage's pairs)", &threads, 1, 256},
        {NULL, "--seed", "S", "seed of the random keys", &seed, 0, UINT64_MAX},
    };
    wl_parse_args(argc, argv, "Bitonic sort of 2^K random 64-bit keys (oblivious).", opts,
                  sizeof opts / sizeof opts[0]);

    size_t n = (size_t)1 << k;
    uint64_t *keys = wl_alloc(wl_mul(n, sizeof(uint64_t)));
    wl_rng rng;
    wl_rng_init(&rng, seed);
    for (size_t i = 0; i < n; i++)
        keys[i] = wl_rng_next(&rng);

    bitonic_job job = {.k = (unsigned)k, .keys = keys};
    wl_barrier_init(&job.barrier, (unsigned)threads);
    double t0 = wl_now();
    wl_run_threads((unsigned)threads, bitonic_worker, &job);
    double t1 = wl_now();
    pthread_barrier_destroy(&job.barrier);

    for (size_t i = 1; i < n; i++)
        if (keys[i - 1] > keys[i])
            wl_die(1, "internal error: output not sorted at %zu", i);
    wl_print_result(wl_hash_u64s(WL_HASH_INIT, keys, n), t1 - t0);
    free(keys);
    return 0;
}
