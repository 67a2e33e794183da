/* far_checks.h — what the far-memory unit tests (test_far.c, test_far_file.c,
 * test_far_memcached.c) share: page patterns, asserting wrappers of the tpo_far calls, and the
 * checks every backend must pass (round trip, zeros/holds/discard, ordering). Static functions:
 * each test includes it once. */
#ifndef TPO_FAR_CHECKS_H
#define TPO_FAR_CHECKS_H

#include <check.h>
#include <string.h>
#include <time.h>

#include <tpo/far.h>

static inline double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The page's content for key in generation gen (never all zeros). */
static inline void fill(unsigned char *p, uint64_t key, unsigned gen)
{
	for (unsigned i = 0; i < TPO_FAR_PAGE; i++)
		p[i] = (unsigned char)(key * 131 + gen * 17 + i / 7 + 1);
	memcpy(p, &key, sizeof key);
}

static inline bool filled(const unsigned char *p, uint64_t key, unsigned gen)
{
	unsigned char want[TPO_FAR_PAGE];
	fill(want, key, gen);
	return memcmp(p, want, TPO_FAR_PAGE) == 0;
}

static inline bool zeros(const unsigned char *p)
{
	for (unsigned i = 0; i < TPO_FAR_PAGE; i++)
		if (p[i])
			return false;
	return true;
}

static inline tpo_far *open_ok(const char *uri, double latency, double bandwidth)
{
	GError *err = NULL;
	tpo_far_options opt = { .latency_s = latency, .bandwidth_bps = bandwidth };
	tpo_far *f = tpo_far_open(uri, &opt, &err);
	ck_assert_msg(f, "open %s: %s", uri, err ? err->message : "?");
	return f;
}

static inline void write_ok(tpo_far *f, uint64_t key, unsigned gen)
{
	unsigned char p[TPO_FAR_PAGE];
	GError *err = NULL;
	fill(p, key, gen);
	ck_assert_msg(tpo_far_write(f, key, p, &err), "write: %s", err ? err->message : "?");
}

static inline void start_ok(tpo_far *f, uint64_t key)
{
	GError *err = NULL;
	ck_assert_msg(tpo_far_read_start(f, key, &err), "read_start: %s", err ? err->message : "?");
}

/* Collects the oldest read (waiting), which must be key. */
static inline void done_ok(tpo_far *f, uint64_t key, unsigned char *page)
{
	GError *err = NULL;
	uint64_t got = ~key;
	int r = tpo_far_read_done(f, &got, page, true, &err);
	ck_assert_msg(r == 1, "read_done: %d %s", r, err ? err->message : "");
	ck_assert_uint_eq(got, key);
}

/* ---- checks every backend passes ---- */

static inline void check_round_trip(tpo_far *f)
{
	unsigned char p[TPO_FAR_PAGE];
	for (uint64_t k = 0; k < 64; k++)
		write_ok(f, k * 1000 + 7, 1);
	for (uint64_t k = 0; k < 64; k++)
		start_ok(f, k * 1000 + 7);
	ck_assert_uint_eq(tpo_far_reads_pending(f), 64);
	for (uint64_t k = 0; k < 64; k++) {
		done_ok(f, k * 1000 + 7, p);
		ck_assert(filled(p, k * 1000 + 7, 1));
	}
	ck_assert_uint_eq(tpo_far_reads_pending(f), 0);
	uint64_t key;
	ck_assert_int_eq(tpo_far_read_done(f, &key, p, true, NULL), 0);
	const tpo_far_stats *s = tpo_far_get_stats(f);
	ck_assert_uint_eq(s->writes, 64);
	ck_assert_uint_eq(s->reads, 64);
	ck_assert_uint_eq(s->bytes_in, 64 * TPO_FAR_PAGE);
	ck_assert_uint_eq(s->bytes_out, 64 * TPO_FAR_PAGE);
}

static inline void check_zeros_holds_discard(tpo_far *f)
{
	unsigned char p[TPO_FAR_PAGE];
	ck_assert(!tpo_far_holds(f, 42));
	start_ok(f, 42);
	memset(p, 0xaa, sizeof p);
	done_ok(f, 42, p);
	ck_assert(zeros(p));
	write_ok(f, 42, 3);
	write_ok(f, UINT64_MAX, 3);
	write_ok(f, 0, 3);
	ck_assert(tpo_far_holds(f, 42) && tpo_far_holds(f, UINT64_MAX) && tpo_far_holds(f, 0));
	ck_assert(!tpo_far_holds(f, 43));
	ck_assert(tpo_far_discard(f, 42, NULL));
	ck_assert(!tpo_far_holds(f, 42));
	start_ok(f, 42);
	start_ok(f, UINT64_MAX);
	start_ok(f, 0);
	done_ok(f, 42, p);
	ck_assert(zeros(p));
	done_ok(f, UINT64_MAX, p);
	ck_assert(filled(p, UINT64_MAX, 3));
	done_ok(f, 0, p);
	ck_assert(filled(p, 0, 3));
}

/* Reads come back in the order started; a read sees the writes before it, not after. */
static inline void check_ordering(tpo_far *f)
{
	unsigned char p[TPO_FAR_PAGE];
	static const uint64_t keys[] = { 9, 3, 77, 3, 1, 9 };
	for (unsigned i = 0; i < 6; i++)
		write_ok(f, keys[i], 1);
	for (unsigned i = 0; i < 6; i++)
		start_ok(f, keys[i]);
	write_ok(f, 3, 2); /* after the reads of 3 started: they still see generation 1 */
	start_ok(f, 3);
	for (unsigned i = 0; i < 6; i++) {
		done_ok(f, keys[i], p);
		ck_assert(filled(p, keys[i], 1));
	}
	done_ok(f, 3, p);
	ck_assert(filled(p, 3, 2));
	/* a page rewritten, and one discarded, while many reads are in flight (more than the local
	 * store's first queue holds, so that it grows): reads started before see them as they were */
	write_ok(f, 5, 1);
	write_ok(f, 6, 1);
	start_ok(f, 5);
	start_ok(f, 6);
	write_ok(f, 5, 2);
	ck_assert(tpo_far_discard(f, 6, NULL));
	for (uint64_t k = 100; k < 140; k++)
		start_ok(f, k);
	write_ok(f, 5, 3);
	done_ok(f, 5, p);
	ck_assert(filled(p, 5, 1));
	done_ok(f, 6, p);
	ck_assert(filled(p, 6, 1));
	for (uint64_t k = 100; k < 140; k++) {
		done_ok(f, k, p);
		ck_assert(zeros(p));
	}
}

/* n pages, all reads started before any is collected, then a sliding window of 64 reads with
 * every third page rewritten before its read: each read sees the last write before it. */
static inline void check_many(tpo_far *f, uint64_t n)
{
	unsigned char p[TPO_FAR_PAGE];
	for (uint64_t k = 0; k < n; k++)
		write_ok(f, k, 1);
	for (uint64_t k = 0; k < n; k++)
		start_ok(f, k);
	ck_assert_uint_eq(tpo_far_reads_pending(f), n);
	for (uint64_t k = 0; k < n; k++) {
		done_ok(f, k, p);
		ck_assert_msg(filled(p, k, 1), "page %u", (unsigned)k);
	}
	uint64_t next = 0;
	for (uint64_t k = 0; k < n; k++) {
		if (k % 3 == 0)
			write_ok(f, k, 2);
		start_ok(f, k);
		if (tpo_far_reads_pending(f) >= 64) {
			done_ok(f, next, p);
			ck_assert_msg(filled(p, next, next % 3 == 0 ? 2 : 1), "page %u", (unsigned)next);
			next++;
		}
	}
	while (next < n) {
		done_ok(f, next, p);
		ck_assert(filled(p, next, next % 3 == 0 ? 2 : 1));
		next++;
	}
}

#endif
