/* policies.c — every policy of 3po-sim on sequences worked out by hand (in the comments). */
#include "simtest.h"
#include "prefetcher.h"

#include <tpo/tape.h>
#include "../unit/check_run.h"

/* Belady's FIFO-anomaly sequence: 1,2,3,4,1,2,5,1,2,3,4,5 (FIFO: 9 faults with 3 frames, 10 with
 * 4). */
static const uint64_t belady[] = {1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5};

/* LRU, 3 frames (MRU first after each access):
 *   1 M [1]  2 M [2 1]  3 M [3 2 1]  4 M -1 [4 3 2]  1 M -2 [1 4 3]  2 M -3 [2 1 4]
 *   5 M -4 [5 2 1]  1 H [1 5 2]  2 H [2 1 5]  3 M -5 [3 2 1]  4 M -1 [4 3 2]  5 M -2 [5 4 3]
 * = 10 misses, 7 evictions, 5 of the misses cold. */
START_TEST(lru_belady_3)
{
	simtest t;
	simtest_init(&t, belady, 12, 3);
	tpo_sim_stats s = simtest_run(&t, TPO_POLICY_DEMAND);
	ck_assert_uint_eq(s.accesses, 12);
	ck_assert_uint_eq(s.misses, 10);
	ck_assert_uint_eq(s.fetches, 10);
	ck_assert_uint_eq(s.evictions, 7);
	ck_assert_uint_eq(s.cold, 5);
	ck_assert_uint_eq(s.prefetches, 0);
	/* The lru tape: the same fetches, all ahead of need, so no access waits. */
	s = simtest_run(&t, TPO_POLICY_LRU);
	ck_assert_uint_eq(s.misses, 0);
	ck_assert_uint_eq(s.fetches, 10);
	ck_assert_uint_eq(s.demand_paging_misses, 10);
	ck_assert_uint_eq(s.prefetches, 10);
	ck_assert_uint_eq(s.prefetch_used, 10);
	ck_assert_uint_eq(s.prefetch_wasted, 0);
	simtest_clear(&t);
}
END_TEST

/* LRU, 4 frames: 1 2 3 4 M [4 3 2 1]  1 H  2 H [2 1 4 3]  5 M -3 [5 2 1 4]  1 H  2 H [2 1 5 4]
 *   3 M -4 [3 2 1 5]  4 M -5 [4 3 2 1]  5 M -1 [5 4 3 2]  = 8 misses, 4 evictions
 * (more frames never hurt LRU: it is a stack algorithm). */
START_TEST(lru_belady_4)
{
	simtest t;
	simtest_init(&t, belady, 12, 4);
	tpo_sim_stats s = simtest_run(&t, TPO_POLICY_DEMAND);
	ck_assert_uint_eq(s.misses, 8);
	ck_assert_uint_eq(s.evictions, 4);
	simtest_clear(&t);
}
END_TEST

/* MIN, 3 frames (next use in brackets): 1 2 3 M;  4 M: 1[4] 2[5] 3[9] -> evict 3;  1 H 2 H;
 *   5 M: 1[7] 2[8] 4[10] -> evict 4;  1 H 2 H;  3 M: 1[-] 2[-] 5[11] -> evict 1 or 2;
 *   4 M: evict the other of 1/2 or 3 (none used again);  5 H.  = 7 misses, 4 evictions.
 * MIN, 4 frames: 1 2 3 4 M;  1 H 2 H;  5 M: 1[7] 2[8] 3[9] 4[10] -> evict 4;  1 H 2 H 3 H;
 *   4 M: 1 2 3 never used again -> evict one;  5 H.  = 6 misses, 2 evictions. */
START_TEST(min_belady)
{
	simtest t;
	simtest_init(&t, belady, 12, 3);
	tpo_sim_stats s = simtest_run(&t, TPO_POLICY_MIN);
	ck_assert_uint_eq(s.fetches, 7);
	ck_assert_uint_eq(s.demand_paging_misses, 7);
	ck_assert_uint_eq(s.misses, 0);
	ck_assert_uint_eq(s.evictions, 4);
	ck_assert_uint_eq(s.cold, 5);
	t.env.capacity = 4;
	s = simtest_run(&t, TPO_POLICY_MIN);
	ck_assert_uint_eq(s.fetches, 6);
	ck_assert_uint_eq(s.evictions, 2);
	simtest_clear(&t);
}
END_TEST

/* Looping over 4 pages with 3 frames: LRU misses every access (12); MIN: 1 2 3 M; 4 M: 1[4] 2[5] 3[6] -> evict 3; 1 H 2 H; 3 M: 4[7] 1[8] 2[9]
 * -> evict 2; 4 H 1 H; 2 M: 3[10] 4[11] 1[-] -> evict 1; 3 H 4 H  = 6 misses. */
START_TEST(min_loop)
{
	static const uint64_t loop[] = {1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4};
	simtest t;
	simtest_init(&t, loop, 12, 3);
	ck_assert_uint_eq(simtest_run(&t, TPO_POLICY_DEMAND).misses, 12);
	ck_assert_uint_eq(simtest_run(&t, TPO_POLICY_MIN).fetches, 6);
	simtest_clear(&t);
}
END_TEST

/* Everything fits: only cold misses, no evictions. */
START_TEST(fits)
{
	simtest t;
	simtest_init(&t, belady, 12, 5);
	for (int p = 0; p < TPO_POLICY_COUNT; p++) {
		tpo_sim_stats s = simtest_run(&t, p);
		ck_assert_uint_eq(s.evictions, 0);
		/* prefetchers may bring a page in before its first access */
		if (p < TPO_POLICY_READAHEAD)
			ck_assert_uint_eq(s.cold, 5);
		ck_assert_uint_le(s.misses, 5);
	}
	simtest_clear(&t);
}
END_TEST

/* The window of Linux's __swapin_nr_pages (max 8 pages). */
START_TEST(swapin_window)
{
	ck_assert_uint_eq(tpo_swapin_nr_pages(0, 0, 4, 8, 0), 8);    /* 4+2=6 -> 8 */
	ck_assert_uint_eq(tpo_swapin_nr_pages(10, 50, 0, 8, 8), 4);  /* 1, but >= 8/2 */
	ck_assert_uint_eq(tpo_swapin_nr_pages(10, 50, 0, 8, 4), 2);  /* 1, but >= 4/2 */
	ck_assert_uint_eq(tpo_swapin_nr_pages(10, 50, 0, 8, 2), 1);
	ck_assert_uint_eq(tpo_swapin_nr_pages(49, 50, 0, 8, 0), 2);  /* adjacent: 2 */
	ck_assert_uint_eq(tpo_swapin_nr_pages(51, 50, 0, 8, 0), 2);
	ck_assert_uint_eq(tpo_swapin_nr_pages(10, 50, 1, 8, 0), 4);  /* 3 -> 4 */
	ck_assert_uint_eq(tpo_swapin_nr_pages(10, 50, 7, 8, 0), 8);  /* 9 -> 16 -> max 8 */
	ck_assert_uint_eq(tpo_swapin_nr_pages(10, 50, 7, 32, 0), 16);
}
END_TEST

/* Readahead on a forward scan of pages 0..15 (one VMA [0,16), memory large, max window 8);
 * the VMA starts as a new one does in Linux, (prev 0, win 0, hits 0):
 *   0 M: 0 + 2 = 2 with no hits: 0 is not next to prev 0, so 1: nothing read
 *   1 M: 2, and 1 = prev+1: window [1,3): reads 2;  2 H: hits 1, prev 2
 *   3 M: 1+2 -> 4; [3,7): reads 4-6;  4-6 H: hits 3, prev 6
 *   7 M: 3+2 -> 8; [7,15): reads 8-14;  8-14 H: hits 7, prev 14
 *   15 M: 9 -> 16 -> 8; [15,23) clipped to the VMA: nothing
 * = 5 misses, 11 prefetches all used. */
START_TEST(readahead_forward)
{
	uint64_t seq[16];
	for (int i = 0; i < 16; i++)
		seq[i] = (uint64_t)i;
	simtest t;
	simtest_init(&t, seq, 16, 100);
	tpo_sim_stats s = simtest_run(&t, TPO_POLICY_READAHEAD);
	ck_assert_uint_eq(s.misses, 5);
	ck_assert_uint_eq(s.prefetches, 11);
	ck_assert_uint_eq(s.prefetch_used, 11);
	ck_assert_uint_eq(s.prefetch_wasted, 0);
	ck_assert_uint_eq(s.fetches, 16);
	simtest_clear(&t);
}
END_TEST

/* Readahead on a backward scan 15..0:
 *   15 M: no hits, not next to prev 0: 1, nothing read
 *   14 M: 2, prev = 14+1: the window ends at 14: [13,15): reads 13;  13 H: hits 1, prev 13
 *   12 M: 3 -> 4; [9,13): reads 9-11;  11 10 9 H: hits 3, prev 9
 *   8 M: 5 -> 8; [1,9): reads 1-7;  7..1 H: hits 7, prev 1
 *   0 M: 8; [-7,1) -> [0,1): nothing   = 5 misses, 11 prefetches. */
START_TEST(readahead_backward)
{
	uint64_t seq[16];
	for (int i = 0; i < 16; i++)
		seq[i] = (uint64_t)(15 - i);
	simtest t;
	simtest_init(&t, seq, 16, 100);
	tpo_sim_stats s = simtest_run(&t, TPO_POLICY_READAHEAD);
	ck_assert_uint_eq(s.misses, 5);
	ck_assert_uint_eq(s.prefetches, 11);
	ck_assert_uint_eq(s.prefetch_used, 11);
	simtest_clear(&t);
}
END_TEST

/* Readahead wastes what it reads when streams are short: pairs of adjacent pages 10k, 10k+1
 * (k = 0..7), then every 10k+2, with 4 frames: the second of each pair opens a window of 2 and
 * reads 10k+2, which is evicted before its turn. Checked: some waste, prefetches = used +
 * wasted, fetches = misses + prefetches. */
START_TEST(readahead_accounting)
{
	uint64_t seq[24];
	size_t n = 0;
	for (int k = 0; k < 8; k++) {
		seq[n++] = (uint64_t)k * 10;
		seq[n++] = (uint64_t)k * 10 + 1;
	}
	for (int k = 0; k < 8; k++)
		seq[n++] = (uint64_t)k * 10 + 2;
	simtest t;
	simtest_init(&t, seq, n, 4);
	tpo_sim_stats s = simtest_run(&t, TPO_POLICY_READAHEAD);
	tpo_sim_stats d = simtest_run(&t, TPO_POLICY_DEMAND);
	ck_assert_uint_eq(s.prefetches, s.prefetch_used + s.prefetch_wasted);
	ck_assert_uint_eq(s.fetches, s.misses + s.prefetches);
	ck_assert_uint_eq(s.accesses, n);
	ck_assert_uint_gt(d.misses, 0);
	ck_assert_uint_gt(s.prefetch_wasted, 0);
	simtest_clear(&t);
}
END_TEST

/* Two forward scans interleaved, 0..15 and 100..115, each in its own region (VMA), as the
 * runtime gives them through region_of: each region keeps its own readahead state and each
 * scan goes as readahead_forward does (5 misses, 11 prefetches). With one state for both, the
 * faults of one scan break the other's stream and there are more misses. */
static int two_regions(void *ctx, uint64_t page, uint64_t *start, uint64_t *end)
{
	(void)ctx;
	*start = page < 100 ? 0 : 100;
	*end = *start + 16;
	return 1;
}

START_TEST(readahead_per_region)
{
	uint64_t seq[32];
	for (int i = 0; i < 16; i++) {
		seq[2 * i] = (uint64_t)i;
		seq[2 * i + 1] = 100 + (uint64_t)i;
	}
	simtest t;
	simtest_init(&t, seq, 32, 100);
	t.env.regions = NULL;
	t.env.region_of = two_regions;
	tpo_sim_stats s = simtest_run(&t, TPO_POLICY_READAHEAD);
	ck_assert_uint_eq(s.misses, 10);
	ck_assert_uint_eq(s.prefetches, 22);
	ck_assert_uint_eq(s.prefetch_used, 22);
	t.env.region_of = NULL;
	tpo_sim_stats one = simtest_run(&t, TPO_POLICY_READAHEAD);
	ck_assert_uint_gt(one.misses, 10);
	simtest_clear(&t);
}
END_TEST

/* Leap on a stride-4 scan 0, 4, ..., 124 (footprint: those 32 pages; memory large; history 32,
 * max window 8, hits start at 4):
 *   0 M: window 4+2 -> 8; deltas so far 0 (the history starts zeroed): trend 0, nothing read
 *   4, 8, 12 M: window 2 -> 4 (not below 8/2, then 4/2); the last 8 deltas are still mostly 0
 *   16 M: last 8 deltas 4,4,4,4,0,0,0,0: no majority; last 16: 0 -> nothing
 *   20 M: last 8: five 4s: trend +4, window 4: reads 24, 28, 32;  24 28 32 H (hits 3)
 *   36 M: 3+2 -> 8: reads 40..64 (7);  40..64 H (hits 7)
 *   68 M: 9 -> 16 -> 8: reads 72..96;  H x7
 *   100 M: reads 104..128, but 128 was never used: 6 reads;  104..124 H
 * = 9 misses, 23 prefetches, all used. */
START_TEST(leap_stride)
{
	uint64_t seq[32];
	for (int i = 0; i < 32; i++)
		seq[i] = (uint64_t)i * 4;
	simtest t;
	simtest_init(&t, seq, 32, 1000);
	tpo_sim_stats s = simtest_run(&t, TPO_POLICY_LEAP);
	ck_assert_uint_eq(s.misses, 9);
	ck_assert_uint_eq(s.prefetches, 23);
	ck_assert_uint_eq(s.prefetch_used, 23);
	ck_assert_uint_eq(s.prefetch_wasted, 0);
	ck_assert_uint_eq(s.fetches, 32);
	simtest_clear(&t);
}
END_TEST

/* Leap without a trend falls back to the aligned block around the fault. Alternating far
 * jumps 0, 1000, 1, 1001, ..., 31, 1031: the zeroed history first reads as a trend of 0 (nothing
 * read ahead), but once more than half of the last 32 deltas are +1000/-999 no delta has a
 * majority and each fault reads the aligned block of its window, which holds pages used later:
 * fewer misses than demand paging, and (memory being large) nothing wasted. */
START_TEST(leap_fallback)
{
	uint64_t seq[64];
	for (int i = 0; i < 32; i++) {
		seq[2 * i] = (uint64_t)i;
		seq[2 * i + 1] = 1000 + (uint64_t)i;
	}
	simtest t;
	simtest_init(&t, seq, 64, 1000);
	tpo_sim_stats s = simtest_run(&t, TPO_POLICY_LEAP);
	tpo_sim_stats d = simtest_run(&t, TPO_POLICY_DEMAND);
	ck_assert_uint_eq(d.misses, 64);
	ck_assert_uint_lt(s.misses, 48);
	ck_assert_uint_gt(s.prefetches, 0);
	ck_assert_uint_eq(s.prefetch_wasted, 0);
	ck_assert_uint_eq(s.misses + s.prefetch_used, 64);
	/* The first 16 faults find the zero trend and read nothing. */
	simtest t16;
	simtest_init(&t16, seq, 16, 1000);
	ck_assert_uint_eq(simtest_run(&t16, TPO_POLICY_LEAP).prefetches, 0);
	simtest_clear(&t16);
	simtest_clear(&t);
}
END_TEST

/* The far-memory model: 3 pages, all fit, 100 ns compute per access, 3 us latency, 1 us per
 * page on the link.
 *   demand: each access waits 3 + 1 us: 0 -> 4.0 us (+0.1), 4.1 -> 8.1 (+0.1), 8.2 -> 12.2,
 *           +0.1 = 12.3 us
 *   lru tape, lookahead 400: all three fetches go out at 0 and arrive at 4, 5 and 6 us:
 *           4.0 + 0.1, 5.0 + 0.1, 6.0 + 0.1 = 6.1 us
 *   lookahead 0 makes the tape a demand pager: 12.3 us. */
START_TEST(timing)
{
	static const uint64_t seq[] = {1, 2, 3};
	simtest t;
	simtest_init(&t, seq, 3, 3);
	t.env.model.compute_ns = 100;
	ck_assert_double_eq_tol(simtest_run(&t, TPO_POLICY_DEMAND).est_ns, 12300, 1e-6);
	ck_assert_double_eq_tol(simtest_run(&t, TPO_POLICY_LRU).est_ns, 6100, 1e-6);
	ck_assert_double_eq_tol(simtest_run(&t, TPO_POLICY_MIN).est_ns, 6100, 1e-6);
	t.env.model.lookahead = 0;
	ck_assert_double_eq_tol(simtest_run(&t, TPO_POLICY_LRU).est_ns, 12300, 1e-6);
	/* lookahead 1: fetch j goes out when the program reaches fetch j-1. Fetch 0 leaves at 0
	 * (arrives 4.0); the program reaches fetch 0 at 0, so fetch 1 leaves then and queues
	 * behind fetch 0 on the link (arrives 5.0); the program reaches fetch 1 at 4.1 us, so
	 * fetch 2 arrives 4.1 + 3 + 1 = 8.1. Program: 4.0+0.1, 5.0+0.1, 8.1+0.1 = 8.2 us. */
	t.env.model.lookahead = 1;
	ck_assert_double_eq_tol(simtest_run(&t, TPO_POLICY_LRU).est_ns, 8200, 1e-6);
	simtest_clear(&t);
}
END_TEST

/* Tape entries: the lru tape at 3 frames of the Belady sequence, as (index, op, page). */
typedef struct rec {
	uint64_t index[64];
	int op[64];
	uint32_t id[64];
	int n;
} rec;

static void record(void *ctx, uint64_t index, int op, uint32_t id, uint64_t page)
{
	ck_assert_uint_eq(page, (uint64_t)id + 1); /* pages 1..5 got ids 0..4 */
	rec *r = ctx;
	r->index[r->n] = index;
	r->op[r->n] = op;
	r->id[r->n++] = id;
}

/* From the LRU walk above: fetches at 0 1 2, then at 3: evict 1 fetch 4; 4: -2 +1; 5: -3 +2;
 * 6: -4 +5; 9: -5 +3; 10: -1 +4; 11: -2 +5. Ids are pages - 1 (first-touch order). */
START_TEST(lru_tape_entries)
{
	simtest t;
	simtest_init(&t, belady, 12, 3);
	rec r = {0};
	t.env.emit = record;
	t.env.emit_ctx = &r;
	simtest_run(&t, TPO_POLICY_LRU);
	static const uint64_t idx[] = {0, 1, 2, 3, 3, 4, 4, 5, 5, 6, 6, 9, 9, 10, 10, 11, 11};
	static const int op[] = {0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0};
	static const uint32_t page[] = {1, 2, 3, 1, 4, 2, 1, 3, 2, 4, 5, 5, 3, 1, 4, 2, 5};
	ck_assert_int_eq(r.n, 17);
	for (int i = 0; i < 17; i++) {
		ck_assert_uint_eq(r.index[i], idx[i]);
		ck_assert_int_eq(r.op[i], op[i]);
		ck_assert_uint_eq(r.id[i] + 1, page[i]);
	}
	/* demand never writes a tape */
	r.n = 0;
	simtest_run(&t, TPO_POLICY_DEMAND);
	ck_assert_int_eq(r.n, 0);
	simtest_clear(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sim_policies");
	TCase *tc = tcase_create("policies");
	tcase_add_test(tc, lru_belady_3);
	tcase_add_test(tc, lru_belady_4);
	tcase_add_test(tc, min_belady);
	tcase_add_test(tc, min_loop);
	tcase_add_test(tc, fits);
	tcase_add_test(tc, swapin_window);
	tcase_add_test(tc, readahead_forward);
	tcase_add_test(tc, readahead_backward);
	tcase_add_test(tc, readahead_accounting);
	tcase_add_test(tc, readahead_per_region);
	tcase_add_test(tc, leap_stride);
	tcase_add_test(tc, leap_fallback);
	tcase_add_test(tc, timing);
	tcase_add_test(tc, lru_tape_entries);
	suite_add_tcase(s, tc);
	return tpo_check_run(s);
}
