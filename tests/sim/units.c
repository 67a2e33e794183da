/* units.c — parsing of 3po-sim's sizes, ranges, durations, bandwidths and policy lists. */
#include <check.h>

#include "sim.h"
#include "units.h"

START_TEST(sizes)
{
	tpo_size_spec s;
	GError *e = NULL;
	ck_assert(tpo_parse_size("4096", &s, &e));
	ck_assert_int_eq(s.kind, TPO_SIZE_PAGES);
	ck_assert_uint_eq(tpo_size_pages(&s, 10, 4096), 4096);
	ck_assert(tpo_parse_size("64M", &s, &e));
	ck_assert_uint_eq(tpo_size_pages(&s, 10, 4096), 16384);
	ck_assert(tpo_parse_size("1G", &s, &e));
	ck_assert_uint_eq(tpo_size_pages(&s, 10, 4096), 262144);
	ck_assert(tpo_parse_size("512K", &s, &e));
	ck_assert_uint_eq(tpo_size_pages(&s, 10, 4096), 128);
	ck_assert(tpo_parse_size("2GiB", &s, &e));
	ck_assert_uint_eq(tpo_size_pages(&s, 10, 4096), 524288);
	ck_assert(tpo_parse_size("8192B", &s, &e));
	ck_assert_uint_eq(tpo_size_pages(&s, 10, 4096), 2);
	ck_assert(tpo_parse_size("1k", &s, &e)); /* less than a page: at least 1 */
	ck_assert_uint_eq(tpo_size_pages(&s, 10, 4096), 1);
	ck_assert(tpo_parse_size("20%", &s, &e));
	ck_assert_int_eq(s.kind, TPO_SIZE_PERCENT);
	ck_assert_uint_eq(tpo_size_pages(&s, 1000, 4096), 200);
	ck_assert_uint_eq(tpo_size_pages(&s, 3, 4096), 1);
	ck_assert(tpo_parse_size("12.5%", &s, &e));
	ck_assert_uint_eq(tpo_size_pages(&s, 1000, 4096), 125);
	ck_assert(tpo_parse_size("100%", &s, &e));
	ck_assert_uint_eq(tpo_size_pages(&s, 977, 4096), 977);
	ck_assert(tpo_parse_size("4503599627370496", &s, &e)); /* 2^52 pages: 2^64 bytes */
	ck_assert(tpo_parse_size("16777216T", &s, &e));        /* 2^64 bytes */
	const char *bad[] = {"", "-5", "0", "1.5", "20%%", "101%", "0%", "12Q", "64MX", "abc",
			     " 5", "5 ", "1e400", "nan", "1e99", "4503599627370497", "1e99K",
			     "16777217T"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		ck_assert_msg(!tpo_parse_size(bad[i], &s, &e), "'%s' accepted", bad[i]);
		ck_assert(e != NULL);
		g_clear_error(&e);
	}
}
END_TEST

START_TEST(ranges)
{
	tpo_size_spec r[3];
	GError *e = NULL;
	size_t n;
	ck_assert(tpo_parse_range("5%:100%:5%", r, &e));
	uint64_t *v = tpo_range_pages(r, 1000, 4096, &n);
	ck_assert_uint_eq(n, 20);
	ck_assert_uint_eq(v[0], 50);
	ck_assert_uint_eq(v[19], 1000);
	g_free(v);
	ck_assert(tpo_parse_range("1000:5000:1000", r, &e));
	v = tpo_range_pages(r, 10, 4096, &n);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(v[4], 5000);
	g_free(v);
	ck_assert(tpo_parse_range("4M:16M:4M", r, &e));
	v = tpo_range_pages(r, 10, 4096, &n);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(v[0], 1024);
	g_free(v);
	/* Tiny footprint: percentages collapse to the same page counts, listed once. */
	ck_assert(tpo_parse_range("5%:100%:5%", r, &e));
	v = tpo_range_pages(r, 3, 4096, &n);
	ck_assert_uint_eq(n, 3);
	g_free(v);
	const char *bad[] = {"5%:100%", "5%:100%:5", "a:b:c", "1:2:3:4", "", "50%:5%:5%", "5:1:1",
			     "2M:1M:4K"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		ck_assert_msg(!tpo_parse_range(bad[i], r, &e), "'%s' accepted", bad[i]);
		g_clear_error(&e);
	}
}
END_TEST

START_TEST(durations)
{
	double ns;
	GError *e = NULL;
	ck_assert(tpo_parse_duration("3us", &ns, &e));
	ck_assert_double_eq(ns, 3000);
	ck_assert(tpo_parse_duration("250ns", &ns, &e));
	ck_assert_double_eq(ns, 250);
	ck_assert(tpo_parse_duration("1.5ms", &ns, &e));
	ck_assert_double_eq(ns, 1.5e6);
	ck_assert(tpo_parse_duration("2s", &ns, &e));
	ck_assert_double_eq(ns, 2e9);
	ck_assert(tpo_parse_duration("8", &ns, &e));
	ck_assert_double_eq(ns, 8000);
	ck_assert(!tpo_parse_duration("3 us", &ns, &e));
	g_clear_error(&e);
	ck_assert(!tpo_parse_duration("3h", &ns, &e));
	g_clear_error(&e);
	ck_assert(!tpo_parse_duration("-1us", &ns, &e));
	g_clear_error(&e);
}
END_TEST

START_TEST(bandwidths)
{
	double b;
	GError *e = NULL;
	ck_assert(tpo_parse_bandwidth("25Gbit/s", &b, &e));
	ck_assert_double_eq(b, 25e9);
	ck_assert(tpo_parse_bandwidth("25Gbps", &b, &e));
	ck_assert_double_eq(b, 25e9);
	ck_assert(tpo_parse_bandwidth("3GB/s", &b, &e));
	ck_assert_double_eq(b, 24e9);
	ck_assert(tpo_parse_bandwidth("1GiB/s", &b, &e));
	ck_assert_double_eq(b, 8.0 * 1073741824.0);
	ck_assert(tpo_parse_bandwidth("100M", &b, &e));
	ck_assert_double_eq(b, 1e8);
	ck_assert(!tpo_parse_bandwidth("0", &b, &e));
	g_clear_error(&e);
	ck_assert(!tpo_parse_bandwidth("5 furlongs", &b, &e));
	g_clear_error(&e);
}
END_TEST

START_TEST(policies)
{
	int list[TPO_POLICY_COUNT], n;
	GError *e = NULL;
	ck_assert(tpo_parse_policies("all", list, &n, &e));
	ck_assert_int_eq(n, TPO_POLICY_COUNT);
	ck_assert(tpo_parse_policies("min,lru,min", list, &n, &e));
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(list[0], TPO_POLICY_MIN);
	ck_assert_int_eq(list[1], TPO_POLICY_LRU);
	ck_assert(!tpo_parse_policies("lru,fifo", list, &n, &e));
	g_clear_error(&e);
	ck_assert(!tpo_parse_policies("", list, &n, &e));
	g_clear_error(&e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sim_units");
	TCase *tc = tcase_create("units");
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, ranges);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, bandwidths);
	tcase_add_test(tc, policies);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
