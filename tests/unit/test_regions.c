/* test_regions.c — Check tests of the tracer's address-space model (src/tracer/region_table.c) and of
 * /proc/PID/maps parsing. */
#include <check.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "region_table.h"

#define PG 4096ull

static tpo_region_table t;

static void setup(void)
{
	tpo_regions_init(&t, TPO_SEL_DEFAULT);
}

static void teardown(void)
{
	tpo_regions_free(&t);
}

static const tpo_region *at(guint i)
{
	return &g_array_index(t.v, tpo_region, i);
}

START_TEST(map_and_find)
{
	uint32_t a = tpo_regions_map(&t, 10 * PG, 20 * PG, PROT_READ | PROT_WRITE, TPO_RF_PRIVATE | TPO_RF_ANON, 0, "");
	uint32_t b = tpo_regions_map(&t, 30 * PG, 40 * PG, PROT_READ, TPO_RF_PRIVATE | TPO_RF_FILE, 0, "/lib");
	ck_assert_uint_ne(a, b);
	ck_assert_ptr_null(tpo_regions_find(&t, 9 * PG));
	ck_assert_uint_eq(tpo_regions_find(&t, 10 * PG)->id, a);
	ck_assert_uint_eq(tpo_regions_find(&t, 20 * PG - 1)->id, a);
	ck_assert_ptr_null(tpo_regions_find(&t, 20 * PG));
	ck_assert_uint_eq(tpo_regions_find(&t, 35 * PG)->id, b);
	ck_assert(tpo_regions_page_traced(&t, 12 * PG));
	ck_assert(!tpo_regions_page_traced(&t, 35 * PG)); /* read-only */
}
END_TEST

START_TEST(map_fixed_replaces_middle)
{
	uint32_t a = tpo_regions_map(&t, 0, 100 * PG, PROT_READ | PROT_WRITE, TPO_RF_PRIVATE | TPO_RF_ANON, 0, "a");
	uint32_t b = tpo_regions_map(&t, 40 * PG, 60 * PG, PROT_READ, TPO_RF_PRIVATE | TPO_RF_FILE, 0, "b");
	ck_assert_uint_eq(t.v->len, 3);
	ck_assert_uint_eq(at(0)->end, 40 * PG);
	ck_assert_uint_eq(at(1)->id, b);
	ck_assert_uint_eq(at(2)->id, a);
	ck_assert_uint_eq(at(2)->start, 60 * PG);
	ck_assert_str_eq(at(2)->name, "a");
}
END_TEST

START_TEST(unmap_splits)
{
	tpo_regions_map(&t, 0, 10 * PG, PROT_READ | PROT_WRITE, TPO_RF_PRIVATE | TPO_RF_ANON, 0, "");
	tpo_regions_unmap(&t, 3 * PG, 5 * PG);
	ck_assert_uint_eq(t.v->len, 2);
	ck_assert_ptr_null(tpo_regions_find(&t, 4 * PG));
	ck_assert_ptr_nonnull(tpo_regions_find(&t, 5 * PG));
	tpo_regions_unmap(&t, 0, 100 * PG);
	ck_assert_uint_eq(t.v->len, 0);
}
END_TEST

START_TEST(protect_changes_tracing)
{
	tpo_regions_map(&t, 0, 10 * PG, PROT_READ | PROT_WRITE, TPO_RF_PRIVATE | TPO_RF_ANON, 0, "");
	tpo_regions_protect(&t, 2 * PG, 4 * PG, PROT_READ);
	ck_assert_uint_eq(t.v->len, 3);
	ck_assert(!tpo_regions_page_traced(&t, 3 * PG));
	ck_assert(tpo_regions_page_traced(&t, 4 * PG));
	tpo_regions_protect(&t, 0, 10 * PG, PROT_READ | PROT_WRITE);
	ck_assert(tpo_regions_page_traced(&t, 3 * PG));
}
END_TEST

START_TEST(never_traced_kinds)
{
	tpo_regions_map(&t, 0, PG, PROT_READ | PROT_WRITE, TPO_RF_ANON, 0, "");            /* shared */
	tpo_regions_map(&t, PG, 2 * PG, PROT_READ | PROT_WRITE, TPO_RF_PRIVATE | TPO_RF_STACK, 0, "");
	tpo_regions_map(&t, 2 * PG, 3 * PG, PROT_READ | PROT_WRITE, TPO_RF_PRIVATE | TPO_RF_SPECIAL, 0, "");
	tpo_regions_map(&t, 3 * PG, 6 * PG, PROT_READ | PROT_WRITE, TPO_RF_PRIVATE | TPO_RF_ANON, 0, "");
	tpo_regions_exclude(&t, 4 * PG, 5 * PG);
	for (int i = 0; i < 3; i++)
		ck_assert(!tpo_regions_page_traced(&t, (uint64_t)i * PG));
	ck_assert(tpo_regions_page_traced(&t, 3 * PG));
	ck_assert(!tpo_regions_page_traced(&t, 4 * PG));
	ck_assert(tpo_regions_page_traced(&t, 5 * PG));
}
END_TEST

START_TEST(selection)
{
	tpo_region_table s;
	tpo_regions_init(&s, TPO_SEL_HEAP);
	tpo_regions_map(&s, 0, PG, PROT_READ | PROT_WRITE, TPO_RF_PRIVATE | TPO_RF_ANON, 0, "");
	tpo_regions_map(&s, PG, 2 * PG, PROT_READ | PROT_WRITE, TPO_RF_PRIVATE | TPO_RF_ANON | TPO_RF_HEAP, 0, "[heap]");
	tpo_regions_map(&s, 2 * PG, 3 * PG, PROT_READ | PROT_WRITE, TPO_RF_PRIVATE | TPO_RF_FILE, 0, "/x");
	ck_assert(!tpo_regions_page_traced(&s, 0));
	ck_assert(tpo_regions_page_traced(&s, PG));
	ck_assert(!tpo_regions_page_traced(&s, 2 * PG));
	tpo_regions_free(&s);
}
END_TEST

static uint64_t runs[16][2];
static int nruns;
static void collect(void *arg, uint64_t s, uint64_t e, uint32_t prot)
{
	(void)arg;
	(void)prot;
	runs[nruns][0] = s;
	runs[nruns][1] = e;
	nruns++;
}

START_TEST(traced_runs_merge_and_clip)
{
	tpo_regions_map(&t, 0, 4 * PG, PROT_READ | PROT_WRITE, TPO_RF_PRIVATE | TPO_RF_ANON, 0, "");
	tpo_regions_map(&t, 4 * PG, 8 * PG, PROT_READ | PROT_WRITE, TPO_RF_PRIVATE | TPO_RF_ANON, 0, "");
	tpo_regions_map(&t, 8 * PG, 9 * PG, PROT_READ, TPO_RF_PRIVATE | TPO_RF_ANON, 0, "");
	tpo_regions_map(&t, 9 * PG, 12 * PG, PROT_READ | PROT_WRITE, TPO_RF_PRIVATE | TPO_RF_ANON, 0, "");
	nruns = 0;
	tpo_regions_each_traced(&t, PG, 11 * PG, collect, NULL);
	ck_assert_int_eq(nruns, 2);
	ck_assert_uint_eq(runs[0][0], PG);
	ck_assert_uint_eq(runs[0][1], 8 * PG); /* two adjacent mappings, one run */
	ck_assert_uint_eq(runs[1][0], 9 * PG);
	ck_assert_uint_eq(runs[1][1], 11 * PG);
}
END_TEST

START_TEST(move_keeps_ids)
{
	uint32_t a = tpo_regions_map(&t, 0, 4 * PG, PROT_READ | PROT_WRITE, TPO_RF_PRIVATE | TPO_RF_ANON, 0, "");
	tpo_regions_move(&t, 0, 4 * PG, 100 * PG);
	ck_assert_ptr_null(tpo_regions_find(&t, 0));
	ck_assert_uint_eq(tpo_regions_find(&t, 103 * PG)->id, a);
	ck_assert_uint_eq(tpo_regions_find(&t, 103 * PG)->end, 104 * PG);
}
END_TEST

START_TEST(parse_maps_lines)
{
	uint64_t s, e, off, ino;
	uint32_t prot;
	bool shared;
	char *name;
	ck_assert(tpo_regions_parse_maps_line("7f12a000-7f12c000 rw-p 00001000 08:01 1234    /usr/lib/libc.so.6\n",
	                                      &s, &e, &prot, &shared, &off, &ino, &name));
	ck_assert_uint_eq(s, 0x7f12a000);
	ck_assert_uint_eq(e, 0x7f12c000);
	ck_assert_uint_eq(prot, PROT_READ | PROT_WRITE);
	ck_assert(!shared);
	ck_assert_uint_eq(off, 0x1000);
	ck_assert_uint_eq(ino, 1234);
	ck_assert_str_eq(name, "/usr/lib/libc.so.6");
	g_free(name);
	ck_assert(tpo_regions_parse_maps_line("1000-2000 r-xs 00000000 00:00 0 \n", &s, &e, &prot, &shared, &off, &ino, &name));
	ck_assert(shared);
	ck_assert_str_eq(name, "");
	g_free(name);
	ck_assert(!tpo_regions_parse_maps_line("garbage\n", &s, &e, &prot, &shared, &off, &ino, &name));
}
END_TEST

START_TEST(load_own_maps)
{
	GError *err = NULL;
	ck_assert(tpo_regions_load_maps(&t, getpid(), &err));
	ck_assert_uint_gt(t.v->len, 5);
	int x;
	const tpo_region *r = tpo_regions_find(&t, (uint64_t)(uintptr_t)&x);
	ck_assert_ptr_nonnull(r);
	ck_assert(r->flags & TPO_RF_STACK);
	ck_assert(!tpo_regions_load_maps(&t, 999999999, &err));
	g_clear_error(&err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("regions");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, map_and_find);
	tcase_add_test(tc, map_fixed_replaces_middle);
	tcase_add_test(tc, unmap_splits);
	tcase_add_test(tc, protect_changes_tracing);
	tcase_add_test(tc, never_traced_kinds);
	tcase_add_test(tc, selection);
	tcase_add_test(tc, traced_runs_merge_and_clip);
	tcase_add_test(tc, move_keeps_ids);
	tcase_add_test(tc, parse_maps_lines);
	tcase_add_test(tc, load_own_maps);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
