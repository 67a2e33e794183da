/* wl_common.h — shared helpers of the workloads: option parsing, the splitmix64 PRNG,
 * the checksum hash, timing, page-aligned allocation, threads and the result lines. */
#ifndef WL_COMMON_H
#define WL_COMMON_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- options ---------------------------------------------------------------------------- */

/* One option taking an unsigned integer value ("-n 1024", "--size=1024", "-n 2^20").
 * dest holds the default before wl_parse_args and the parsed value after. */
typedef struct {
    const char *short_name; /* e.g. "-n", or NULL */
    const char *long_name;  /* e.g. "--size", or NULL */
    const char *metavar;    /* e.g. "N" */
    const char *help;       /* one line */
    uint64_t *dest;
    uint64_t min, max;      /* inclusive bounds */
} wl_opt;

/* Parses argv against opts. -h/--help prints usage to stdout and exits 0; a bad argument
 * prints one line "PROG: ..." to stderr and exits 2. */
void wl_parse_args(int argc, char **argv, const char *summary, const wl_opt *opts, size_t nopts);

/* Prints "PROG: message" (printf-style) on one line to stderr and exits with code. */
void wl_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* The program name used in messages (set by wl_parse_args). */
extern const char *wl_prog;

/* ---- PRNG: splitmix64 ------------------------------------------------------------------- */

typedef struct { uint64_t state; } wl_rng;

static inline void wl_rng_init(wl_rng *r, uint64_t seed) { r->state = seed; }

static inline uint64_t wl_rng_next(wl_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* A double in [0, 1) with 53 random bits. */
static inline double wl_rng_unit(wl_rng *r) { return (double)(wl_rng_next(r) >> 11) * 0x1p-53; }

/* A double in [-1, 1). */
static inline double wl_rng_sym(wl_rng *r) { return 2.0 * wl_rng_unit(r) - 1.0; }

/* An integer in [0, bound) (bound > 0; multiply-shift, so slightly biased for huge bounds). */
static inline uint64_t wl_rng_below(wl_rng *r, uint64_t bound)
{
    __extension__ typedef unsigned __int128 u128;
    return (uint64_t)(((u128)wl_rng_next(r) * bound) >> 64);
}

/* ---- checksum hash: h = ((h ^ w) * K) ^ (.. >> 32), over 64-bit words in a fixed order ---- */

#define WL_HASH_INIT 0x243F6A8885A308D3ULL

static inline uint64_t wl_hash_u64(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 32);
}

static inline uint64_t wl_hash_double(uint64_t h, double d)
{
    uint64_t w;
    memcpy(&w, &d, sizeof w);
    return wl_hash_u64(h, w);
}

uint64_t wl_hash_doubles(uint64_t h, const double *a, size_t n);
uint64_t wl_hash_u64s(uint64_t h, const uint64_t *a, size_t n);

/* ---- time, memory, output --------------------------------------------------------------- */

double wl_now(void); /* CLOCK_MONOTONIC seconds */

/* a * b, or exits with an error if it overflows size_t. */
size_t wl_mul(size_t a, size_t b);

/* Page-aligned malloc of bytes (not touched); exits 1 with a message on failure. */
void *wl_alloc(size_t bytes);

/* Prints "checksum %016x" and "compute_time %.6f" on stdout. */
void wl_print_result(uint64_t checksum, double seconds);

/* ---- threads ---------------------------------------------------------------------------- */

/* Runs fn(tid, nthreads, arg) on nthreads threads (tid 0 on the calling thread) and joins. */
void wl_run_threads(unsigned nthreads, void (*fn)(unsigned tid, unsigned nthreads, void *arg),
                    void *arg);

/* [*lo, *hi): the tid-th of nthreads contiguous, nearly equal parts of [0, n). */
static inline void wl_split(size_t n, unsigned tid, unsigned nthreads, size_t *lo, size_t *hi)
{
    *lo = n * tid / nthreads;
    *hi = n * (tid + 1) / nthreads;
}

/* A barrier for nthreads threads; the wrappers exit on error. */
void wl_barrier_init(pthread_barrier_t *b, unsigned nthreads);
void wl_barrier_wait(pthread_barrier_t *b);

#endif
