/* hashjoin.c — equi-join of a build relation R (NR tuples) with a probe relation S (NS
 * tuples), each tuple a 64-bit key in [0, 2*NR) and a 64-bit payload: build an open-addressing
 * (linear probing) hash table on R, then probe it with every tuple of S. NOT oblivious: the
 * slots touched depend on the keys. Threads split the build (slots claimed by compare-and-swap)
 * and the probe. The checksum hashes the match count and the sum mod 2^64 of mix(r.payload +
 * GAMMA * s.payload) over all matches, which no thread count or table layout changes. */
#include "wl_common.h"

#include <stdlib.h>

#define GAMMA 0x9E3779B97F4A7C15ULL

typedef struct { uint64_t key, payload; } tuple;
typedef struct { uint64_t key_plus1, payload; } slot; /* key_plus1 == 0: empty */

typedef struct {
    const tuple *r, *s;
    size_t nr, ns;
    slot *table;
    unsigned log_cap;
    pthread_barrier_t barrier;
    uint64_t matches, sum; /* totals (atomic adds) */
} join_job;

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static size_t home_slot(uint64_t key, unsigned log_cap)
{
    return (size_t)((key * GAMMA) >> (64 - log_cap));
}

static void join_worker(unsigned tid, unsigned nthreads, void *arg)
{
    join_job *j = arg;
    size_t mask = ((size_t)1 << j->log_cap) - 1, lo, hi;

    wl_split(j->nr, tid, nthreads, &lo, &hi);
    for (size_t t = lo; t < hi; t++) {
        uint64_t want = j->r[t].key + 1;
        for (size_t h = home_slot(j->r[t].key, j->log_cap);; h = (h + 1) & mask) {
            uint64_t empty = 0;
            if (__atomic_load_n(&j->table[h].key_plus1, __ATOMIC_RELAXED) == 0 &&
                __atomic_compare_exchange_n(&j->table[h].key_plus1, &empty, want, 0,
                                            __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
                j->table[h].payload = j->r[t].payload;
                break;
            }
        }
    }
    wl_barrier_wait(&j->barrier); /* the barrier orders the build before every probe */

    uint64_t matches = 0, sum = 0;
    wl_split(j->ns, tid, nthreads, &lo, &hi);
    for (size_t t = lo; t < hi; t++) {
        uint64_t want = j->s[t].key + 1;
        for (size_t h = home_slot(j->s[t].key, j->log_cap); j->table[h].key_plus1;
             h = (h + 1) & mask)
            if (j->table[h].key_plus1 == want) {
                matches++;
                sum += mix64(j->table[h].payload + GAMMA * j->s[t].payload);
            }
    }
    __atomic_fetch_add(&j->matches, matches, __ATOMIC_RELAXED);
    __atomic_fetch_add(&j->sum, sum, __ATOMIC_RELAXED);
}

static void fill_relation(tuple *rel, size_t n, uint64_t key_range, wl_rng *rng)
{
    for (size_t i = 0; i < n; i++) {
        rel[i].key = wl_rng_below(rng, key_range);
        rel[i].payload = wl_rng_next(rng);
    }
}

int main(int argc, char **argv)
{
    uint64_t nr = 1 << 21, ns = 1 << 23, threads = 1, seed = 1;
    const wl_opt opts[] = {
        {"-b", "--build", "NR", "tuples of the build relation R", &nr, 1, 1ULL << 36},
        {"-p", "--probe", "NS", "tuples of the probe relation S", &ns, 1, 1ULL << 40},
        {"-t", "--threads", "THREADS", "threads (split build and probe)", &threads, 1, 256},
        {NULL, "--seed", "S", "seed of the random relations", &seed, 0, UINT64_MAX},
    };
    wl_parse_args(argc, argv, "Hash join of two random relations (NOT oblivious).", opts,
                  sizeof opts / sizeof opts[0]);

    unsigned log_cap = 1;
    while (((uint64_t)1 << log_cap) < 2 * nr)
        log_cap++;
    size_t cap = (size_t)1 << log_cap;
    tuple *r = wl_alloc(wl_mul(nr, sizeof(tuple))), *s = wl_alloc(wl_mul(ns, sizeof(tuple)));
    slot *table = wl_alloc(wl_mul(cap, sizeof(slot)));
    wl_rng rng;
    wl_rng_init(&rng, seed);
    fill_relation(r, nr, 2 * nr, &rng);
    fill_relation(s, ns, 2 * nr, &rng);
    memset(table, 0, cap * sizeof(slot));

    join_job job = {.r = r, .s = s, .nr = nr, .ns = ns, .table = table, .log_cap = log_cap};
    wl_barrier_init(&job.barrier, (unsigned)threads);
    double t0 = wl_now();
    wl_run_threads((unsigned)threads, join_worker, &job);
    double t1 = wl_now();
    pthread_barrier_destroy(&job.barrier);

    wl_print_result(wl_hash_u64(wl_hash_u64(WL_HASH_INIT, job.matches), job.sum), t1 - t0);
    free(r);
    free(s);
    free(table);
    return 0;
}
