/* quicksort.c — quicksort (Hoare partition, median-of-three pivot, insertion sort below 24
 * keys) of n random 64-bit keys. NOT oblivious: which pages a partition touches depends on
 * the key values. With threads, the array is first partitioned into at least 4 segments per
 * thread, then threads sort the segments, largest first. The checksum is the hash of the
 * sorted keys, the same for any thread count. */
#include "wl_common.h"

#include <stdlib.h>

#define QS_SMALL 24

static void swap_keys(uint64_t *a, size_t i, size_t j)
{
    uint64_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

static void insertion_sort(uint64_t *a, size_t lo, size_t hi)
{
    for (size_t i = lo + 1; i < hi; i++) {
        uint64_t v = a[i];
        size_t j = i;
        for (; j > lo && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

/* Partitions [lo, hi) (hi - lo >= 3) into [lo, p) <= [p, hi), both non-empty; returns p. */
static size_t partition(uint64_t *a, size_t lo, size_t hi)
{
    size_t mid = lo + (hi - 1 - lo) / 2;
    if (a[mid] < a[lo])
        swap_keys(a, mid, lo);
    if (a[hi - 1] < a[lo])
        swap_keys(a, hi - 1, lo);
    if (a[hi - 1] < a[mid])
        swap_keys(a, hi - 1, mid);
    uint64_t pivot = a[mid];
    size_t i = lo, j = hi - 1;
    for (;;) {
        while (a[i] < pivot)
            i++;
        while (a[j] > pivot)
            j--;
        if (i >= j)
            return j + 1;
        swap_keys(a, i++, j--);
    }
}

static void quicksort(uint64_t *a, size_t lo, size_t hi)
{
    while (hi - lo > QS_SMALL) {
        size_t p = partition(a, lo, hi);
        if (p - lo < hi - p) { /* recurse on the smaller side, loop on the larger */
            quicksort(a, lo, p);
            lo = p;
        } else {
            quicksort(a, p, hi);
            hi = p;
        }
    }
    insertion_sort(a, lo, hi);
}

typedef struct { size_t lo, hi; } segment;

typedef struct {
    uint64_t *keys;
    segment *segs;
    size_t nsegs, next; /* next: the next segment to take (atomic) */
} qs_job;

static int by_size_desc(const void *x, const void *y)
{
    size_t a = ((const segment *)x)->hi - ((const segment *)x)->lo;
    size_t b = ((const segment *)y)->hi - ((const segment *)y)->lo;
    return a < b ? 1 : a > b ? -1 : 0;
}

/* Splits the largest segment until there are want of them (or none is worth splitting). */
static size_t split_segments(uint64_t *a, size_t n, segment *segs, size_t want)
{
    size_t count = 1;
    segs[0] = (segment){0, n};
    while (count < want) {
        size_t big = 0;
        for (size_t s = 1; s < count; s++)
            if (segs[s].hi - segs[s].lo > segs[big].hi - segs[big].lo)
                big = s;
        if (segs[big].hi - segs[big].lo <= QS_SMALL)
            break;
        size_t p = partition(a, segs[big].lo, segs[big].hi);
        segs[count++] = (segment){p, segs[big].hi};
        segs[big].hi = p;
    }
    qsort(segs, count, sizeof *segs, by_size_desc);
    return count;
}

static void qs_worker(unsigned tid, unsigned nthreads, void *arg)
{
    (void)tid;
    (void)nthreads;
    qs_job *j = arg;
    for (;;) {
        size_t s = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
        if (s >= j->nsegs)
            return;
        quicksort(j->keys, j->segs[s].lo, j->segs[s].hi);
    }
}

int main(int argc, char **argv)
{
    uint64_t n = 1 << 24, threads = 1, seed = 1;
    const wl_opt opts[] = {
        {"-n", "--size", "N", "number of keys", &n, 1, 1ULL << 40},
        {"-t", "--threads", "THREADS", "threads (sort segments in parallel)", &threads, 1, 256},
        {NULL, "--seed", "S", "seed of the random keys", &seed, 0, UINT64_MAX},
    };
    wl_parse_args(argc, argv, "Quicksort of N random 64-bit keys (NOT oblivious).", opts,
                  sizeof opts / sizeof opts[0]);

    uint64_t *keys = wl_alloc(wl_mul(n, sizeof(uint64_t)));
    wl_rng rng;
    wl_rng_init(&rng, seed);
    for (size_t i = 0; i < n; i++)
        keys[i] = wl_rng_next(&rng);
    segment *segs = malloc(4 * threads * sizeof *segs);
    if (!segs)
        wl_die(1, "out of memory");

    double t0 = wl_now();
    qs_job job = {.keys = keys, .segs = segs};
    job.nsegs = threads > 1 ? split_segments(keys, n, segs, 4 * threads) : 1;
    if (threads == 1)
        segs[0] = (segment){0, n};
    wl_run_threads((unsigned)threads, qs_worker, &job);
    double t1 = wl_now();

    for (size_t i = 1; i < n; i++)
        if (keys[i - 1] > keys[i])
            wl_die(1, "internal error: output not sorted at %zu", i);
    wl_print_result(wl_hash_u64s(WL_HASH_INIT, keys, n), t1 - t0);
    free(keys);
    free(segs);
    return 0;
}
