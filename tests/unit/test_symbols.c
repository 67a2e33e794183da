/* test_symbols.c — Check tests of the ELF symbolizer (src/symbols/symbols.c): functions of this very
 * test binary are found by file offset, as 3po-dump --top finds them from a trace's map events. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tpo/symbols.h"

/* Known functions to look up; noinline and used so that they exist with these names. */
__attribute__((noinline, used)) int tpo_test_marker_one(int x)
{
	return x * 3 + 1;
}

__attribute__((noinline, used)) int tpo_test_marker_two(int x)
{
	return tpo_test_marker_one(x) ^ 0x55;
}

/* The file offset of addr in this process, from /proc/self/maps, and the file's path. */
static int file_offset(uintptr_t addr, char *path, size_t len, uint64_t *off)
{
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return 0;
	char line[4096];
	int found = 0;
	while (!found && fgets(line, sizeof line, f)) {
		uint64_t s, e, o;
		int pos = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %*s %*s %n", &s, &e, &o, &pos) < 3)
			continue;
		if (addr >= s && addr < e && pos > 0) {
			line[strcspn(line, "\n")] = 0;
			snprintf(path, len, "%s", line + pos);
			*off = addr - s + o;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

START_TEST(finds_own_functions)
{
	tpo_symbolizer *s = tpo_symbolizer_new();
	char path[4096];
	uint64_t off, delta = 99;
	ck_assert(file_offset((uintptr_t)&tpo_test_marker_one, path, sizeof path, &off));
	ck_assert_str_eq(tpo_symbolize(s, path, off, &delta), "tpo_test_marker_one");
	ck_assert_uint_eq(delta, 0);
	/* an address inside the function, and a second lookup from the cache */
	ck_assert(file_offset((uintptr_t)&tpo_test_marker_two + 1, path, sizeof path, &off));
	ck_assert_str_eq(tpo_symbolize(s, path, off, &delta), "tpo_test_marker_two");
	ck_assert_uint_eq(delta, 1);
	ck_assert(file_offset((uintptr_t)&tpo_symbolizer_new, path, sizeof path, &off));
	ck_assert_str_eq(tpo_symbolize(s, path, off, NULL), "tpo_symbolizer_new");
	ck_assert_int_eq(tpo_test_marker_two(1), 4 ^ 0x55);
	tpo_symbolizer_free(s);
}
END_TEST

START_TEST(unknown_is_null)
{
	tpo_symbolizer *s = tpo_symbolizer_new();
	ck_assert_ptr_null(tpo_symbolize(s, "/nonexistent/object.so", 0x1000, NULL));
	ck_assert_ptr_null(tpo_symbolize(s, "/nonexistent/object.so", 0x1000, NULL)); /* cached */
	ck_assert_ptr_null(tpo_symbolize(s, "", 0x1000, NULL));
	ck_assert_ptr_null(tpo_symbolize(s, "/proc/self/status", 0, NULL)); /* not ELF */
	char path[4096];
	uint64_t off;
	ck_assert(file_offset((uintptr_t)&tpo_test_marker_one, path, sizeof path, &off));
	ck_assert_ptr_null(tpo_symbolize(s, path, UINT64_C(1) << 40, NULL)); /* beyond the file */
	tpo_symbolizer_free(s);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("symbols");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, finds_own_functions);
	tcase_add_test(tc, unknown_is_null);
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
