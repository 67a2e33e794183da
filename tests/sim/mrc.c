/* mrc.c — the one-pass LRU miss-ratio curve (stack distances over a Fenwick tree) against an
 * LRU simulation per size, on random sequences with reuse at many distances. */
#include "simtest.h"
#include "mrc.h"
#include "../unit/check_run.h"

/* Pages drawn so that reuse distances spread over several scales: mostly a small hot set,
 * sometimes a medium set, sometimes anything. */
static size_t make_seq(uint64_t *seq, size_t n, uint32_t seed, uint64_t universe)
{
	GRand *r = g_rand_new_with_seed(seed);
	for (size_t i = 0; i < n; i++) {
		double u = g_rand_double(r);
		uint64_t span = u < 0.5 ? 16 : u < 0.8 ? universe / 8 + 1 : universe;
		seq[i] = (uint64_t)g_rand_int_range(r, 0, (gint32)span);
	}
	g_rand_free(r);
	return n;
}

START_TEST(mrc_matches_lru)
{
	for (uint32_t seed = 1; seed <= 6; seed++) {
		size_t n = 3000 + seed * 1000;
		uint64_t universe = 50 + seed * 97;
		uint64_t *seq = g_new(uint64_t, n);
		make_seq(seq, n, seed, universe);
		simtest t;
		simtest_init(&t, seq, n, 1);
		size_t d = tpo_pagemap_count(&t.in.map);
		/* Feed in uneven batches; a small id hint forces the tree to compact and grow. */
		tpo_mrc *m = tpo_mrc_new(4);
		size_t off = 0, step = 1;
		while (off < n) {
			size_t k = MIN(step, n - off);
			tpo_mrc_feed(m, t.in.seq + off, k);
			off += k;
			step = step * 3 + 1;
		}
		ck_assert_uint_eq(tpo_mrc_accesses(m), n);
		ck_assert_uint_eq(tpo_mrc_distinct(m), d);
		for (uint64_t c = 1; c <= d + 2; c += (c < 40 ? 1 : 7)) {
			t.env.capacity = c;
			tpo_sim_stats s = simtest_run(&t, TPO_POLICY_DEMAND);
			ck_assert_msg(tpo_mrc_misses(m, c) == s.misses,
				      "seed %u size %" G_GUINT64_FORMAT ": curve %" G_GUINT64_FORMAT
				      ", simulation %" G_GUINT64_FORMAT,
				      seed, c, tpo_mrc_misses(m, c), s.misses);
		}
		ck_assert_uint_eq(tpo_mrc_misses(m, d), d); /* everything fits: cold misses only */
		/* Bucketed for a list of sizes: the same answers at those sizes. */
		uint64_t sizes[] = {d, 1, 7, d / 2, d / 3 + 1, 64, d + 5};
		tpo_mrc *b = tpo_mrc_new(0);
		tpo_mrc_set_sizes(b, sizes, G_N_ELEMENTS(sizes));
		tpo_mrc_feed(b, t.in.seq, n);
		for (size_t k = 0; k < G_N_ELEMENTS(sizes); k++)
			ck_assert_uint_eq(tpo_mrc_misses(b, sizes[k]), tpo_mrc_misses(m, sizes[k]));
		tpo_mrc_free(b);
		tpo_mrc_free(m);
		simtest_clear(&t);
		g_free(seq);
	}
}
END_TEST

/* Stack distances by hand: 1 2 3 1 2 3 -> cold x3, then distance 3 three times;
 * 1 1 -> distance 1. */
START_TEST(mrc_hand)
{
	static const uint32_t a[] = {0, 1, 2, 0, 1, 2, 2};
	tpo_mrc *m = tpo_mrc_new(0);
	tpo_mrc_feed(m, a, 7);
	ck_assert_uint_eq(tpo_mrc_histogram(m, 3), 3);
	ck_assert_uint_eq(tpo_mrc_histogram(m, 1), 1);
	ck_assert_uint_eq(tpo_mrc_histogram(m, 2), 0);
	ck_assert_uint_eq(tpo_mrc_misses(m, 1), 6); /* 3 cold + 3 at distance 3 */
	ck_assert_uint_eq(tpo_mrc_misses(m, 2), 6);
	ck_assert_uint_eq(tpo_mrc_misses(m, 3), 3);
	tpo_mrc_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sim_mrc");
	TCase *tc = tcase_create("mrc");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, mrc_hand);
	tcase_add_test(tc, mrc_matches_lru);
	suite_add_tcase(s, tc);
	return tpo_check_run(s);
}
