/* units.c — the one parser of every command's quantities (tape/units.c): counts, bytes, sizes,
 * ranges, durations, bandwidths; and 3po-sim's policy lists. */
#include <check.h>
#include <stdint.h>

#include "sim.h"
#include "units.h"

#include <inttypes.h>
#include <string.h>

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

/* Each string in BAD is refused with a message and leaves *out as it was. */
#define REFUSES(parse, bad, out, ...)                                                          \
	for (size_t i_ = 0; i_ < G_N_ELEMENTS(bad); i_++) {                                  \
		GError *e_ = NULL;                                                             \
		__typeof__(*(out)) before_ = *(out);                                           \
		ck_assert_msg(!parse(bad[i_], __VA_ARGS__ __VA_OPT__(, ) out, &e_), "'%s' accepted", \
			      bad[i_]);                                                        \
		ck_assert_msg(e_ && e_->message[0] && !strchr(e_->message, '\n'),              \
			      "'%s': no one-line message", bad[i_]);                           \
		ck_assert_msg(!memcmp(&before_, out, sizeof before_), "'%s' wrote", bad[i_]);  \
		g_error_free(e_);                                                              \
	}

START_TEST(counts)
{
	uint64_t v = 0;
	static const struct {
		const char *s;
		uint64_t min, max, want;
	} good[] = {
		{"0", 0, 16, 0},
		{"16", 0, 16, 16},
		{"1", 1, 1, 1},
		{"007", 1, 10, 7},
		{"1000000", 1, 1000000, 1000000},
		{"18446744073709551615", 0, UINT64_MAX, UINT64_MAX},
		{"00000000000000000000000000018446744073709551615", 0, UINT64_MAX, UINT64_MAX},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		GError *e = NULL;
		ck_assert_msg(tpo_parse_count(good[i].s, good[i].min, good[i].max, &v, &e),
			      "'%s' refused: %s", good[i].s, e ? e->message : "");
		ck_assert_uint_eq(v, good[i].want);
	}
	v = 12345;
	/* empty, signs, spaces, base prefixes, fractions, exponents, suffixes, overflow */
	const char *bad[] = {"", "-1", "+1", " 1", "1 ", "\t1", "0x10", "1.0", "1e3", "1k", "1,000",
			     "١", "18446744073709551616", "99999999999999999999", "abc", "1a", "-0"};
	REFUSES(tpo_parse_count, bad, &v, 0, UINT64_MAX);
	/* the bounds */
	const char *out_of_range[] = {"0", "17", "100"};
	REFUSES(tpo_parse_count, out_of_range, &v, 1, 16);
	GError *e = NULL;
	ck_assert(!tpo_parse_count("17", 1, 16, &v, &e));
	ck_assert_str_eq(e->message, "'17' is not a whole number from 1 to 16");
	g_clear_error(&e);
	ck_assert(!tpo_parse_count("x", 1, 16, &v, NULL)); /* NULL: no message wanted */
}
END_TEST

START_TEST(bytes)
{
	uint64_t v = 0;
	static const struct {
		const char *s;
		uint64_t want;
	} good[] = {
		{"1", 1},
		{"4096", 4096},
		{"100b", 100},
		{"8192B", 8192},
		{"4K", 4096},
		{"4k", 4096},
		{"4KB", 4096},
		{"4KiB", 4096},
		{"4Ki", 4096},
		{"4kib", 4096},
		{"512M", 512ull << 20},
		{"16G", 16ull << 30},
		{"2GiB", 2ull << 30},
		{"1T", 1ull << 40},
		{"1.5G", 3ull << 29},
		{"0.5K", 512},
		{"1e3", 1000},
		{"18446744073709551615", UINT64_MAX}, /* exact, not through a double */
		{"18446744073709551615B", UINT64_MAX},
		{"16777215T", 16777215ull << 40},
		{"17179869183G", 17179869183ull << 30},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		GError *e = NULL;
		ck_assert_msg(tpo_parse_bytes(good[i].s, &v, &e), "'%s' refused: %s", good[i].s,
			      e ? e->message : "");
		ck_assert_msg(v == good[i].want, "'%s' read as %" PRIu64, good[i].s, v);
	}
	v = 777;
	const char *bad[] = {"", "0", "0K", "-1", "+1", " 1", "1 ", "12Q", "4KX", "4Kb", "4bB", "4iB",
			     "4P", "K", "0.5", "1.3B", "0.1K", "nan", "inf", "1e400",
			     "18446744073709551616", "16777216T", "17179869184G", "1e20", "16384P"};
	REFUSES(tpo_parse_bytes, bad, &v);
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
	/* each unit, with a bare number in microseconds or (3po-attach --duration) seconds */
	static const struct {
		const char *s;
		double bare_ns, want;
	} good[] = {
		{"100us", 1e3, 1e5}, {"100µs", 1e3, 1e5}, {"7ns", 1e3, 7},   {"2ms", 1e3, 2e6},
		{"1.5s", 1e3, 1.5e9}, {"0", 1e3, 0},      {"2", 1e9, 2e9},   {"0.25", 1e9, 2.5e8},
		{"2ms", 1e9, 2e6},   {"1e3", 1e9, 1e12}, {"0.5us", 1e9, 500},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		ck_assert_msg(tpo_parse_duration_bare(good[i].s, good[i].bare_ns, &ns, &e),
			      "'%s' refused", good[i].s);
		ck_assert_double_eq_tol(ns, good[i].want, good[i].want * 1e-12 + 1e-9);
	}
	ns = 42;
	const char *bad[] = {"", "us", "-1", "+1", " 1", "1 ", "1m", "1S", "1sec", "1h", "1 s",
			     "nan", "inf", "1e400", "1e308s", "1msx", "1.2.3us"};
	REFUSES(tpo_parse_duration_bare, bad, &ns, 1e9);
	REFUSES(tpo_parse_duration, bad, &ns);
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
	/* each prefix, decimal and binary, in bits and bytes */
	static const struct {
		const char *s;
		double want;
	} good[] = {
		{"1000", 1e3},       {"1K", 1e3},          {"1Kbit/s", 1e3},  {"1Mb/s", 1e6},
		{"1Gbit", 1e9},      {"1T", 1e12},         {"1Ki", 1024},     {"1MiB/s", 8.0 * 1048576},
		{"1TiBps", 8.0 * 1099511627776.0},         {"2B", 16},        {"2Bps", 16},
		{"10GB", 8e10},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		ck_assert_msg(tpo_parse_bandwidth(good[i].s, &b, &e), "'%s' refused", good[i].s);
		ck_assert_double_eq_tol(b, good[i].want, good[i].want * 1e-12);
	}
	b = 42;
	const char *bad[] = {"", "0", "0G", "-1G", "+1G", " 1G", "1G ", "1P", "1Gbit/h", "1GB/m",
			     "nan", "inf", "1e400", "1e308T", "G", "1iB"};
	REFUSES(tpo_parse_bandwidth, bad, &b);
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
	tcase_add_test(tc, counts);
	tcase_add_test(tc, bytes);
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
