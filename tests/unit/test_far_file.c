/* test_far_file.c — unit tests of the file:PATH[?keep] far memory (src/far/far_file.c) on a real
 * file in a fresh directory under $TMPDIR: round trips through io_uring, more reads in flight
 * than the ring holds, the file created, sized and removed (seen with stat) and never in the
 * page cache (mincore), ?keep, and a file removed, truncated, re-extended with holes or
 * overwritten behind the store's back: each an error naming the file, never wrong data. (A full
 * disk and a block device: tests/integration/far_faults.sh.) */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tpo/far.h>

#include "far_checks.h"
#include "check_run.h"

static char *dir;

static void dir_setup(void)
{
	GError *err = NULL;
	dir = g_dir_make_tmp("3po-far-file-XXXXXX", &err);
	ck_assert_msg(dir, "%s", err ? err->message : "?");
}

static void dir_teardown(void)
{
	char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	g_free(cmd);
	g_free(dir);
}

/* "file:DIR/name" and the path itself. */
static char *uri_of(const char *name, char **path, const char *suffix)
{
	*path = g_build_filename(dir, name, NULL);
	return g_strdup_printf("file:%s%s", *path, suffix ? suffix : "");
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Collects reads until one fails (each wait is bounded); returns the error. */
static GError *read_until_error(tpo_far *f, uint64_t nkeys, double seconds)
{
	unsigned char p[TPO_FAR_PAGE];
	uint64_t key;
	GError *err = NULL;
	for (double end = now_s() + seconds; now_s() < end;) {
		for (uint64_t k = 0; k < nkeys; k++) {
			if (!tpo_far_read_start(f, k, &err))
				return err;
			int r = tpo_far_read_done(f, &key, p, true, &err);
			if (r < 0)
				return err;
			ck_assert_int_eq(r, 1);
			ck_assert_msg(filled(p, k, 1), "page %u came back wrong", (unsigned)k);
		}
	}
	ck_abort_msg("no error in %g s", seconds);
	return NULL;
}

/* Pages of the file in the page cache (mincore on a read-only mapping of it). */
static unsigned cached_pages(const char *path, off_t size)
{
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert(m != MAP_FAILED);
	size_t n = (size_t)size / TPO_FAR_PAGE;
	unsigned char *vec = g_malloc(n);
	ck_assert_int_eq(mincore(m, (size_t)size, vec), 0);
	unsigned cached = 0;
	for (size_t i = 0; i < n; i++)
		cached += vec[i] & 1;
	g_free(vec);
	munmap(m, (size_t)size);
	close(fd);
	return cached;
}

static void assert_lost(GError *err, const char *path, const char *what)
{
	ck_assert_msg(g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_LOST), "%s", err->message);
	ck_assert_msg(strstr(err->message, path), "file not named: %s", err->message);
	ck_assert_msg(strstr(err->message, what), "no '%s' in: %s", what, err->message);
	ck_assert_msg(!strchr(err->message, '\n'), "not one line: %s", err->message);
	g_error_free(err);
}

START_TEST(test_file_round_trip)
{
	char *path, *uri = uri_of("far", &path, NULL);
	tpo_far *f = open_ok(uri, 0, 0);
	ck_assert_msg(exists(path), "the runtime's file is not there");
	check_round_trip(f);
	tpo_far_close(f);
	ck_assert_msg(!exists(path), "the runtime's file is still there after close");
	g_free(uri);
	g_free(path);
}
END_TEST

START_TEST(test_file_zeros_holds_discard)
{
	char *path, *uri = uri_of("far", &path, NULL);
	tpo_far *f = open_ok(uri, 0, 0);
	check_zeros_holds_discard(f);
	tpo_far_close(f);
	g_free(uri);
	g_free(path);
}
END_TEST

START_TEST(test_file_ordering)
{
	char *path, *uri = uri_of("far", &path, NULL);
	tpo_far *f = open_ok(uri, 0, 0);
	check_ordering(f);
	tpo_far_close(f);
	g_free(uri);
	g_free(path);
}
END_TEST

/* 8192 pages: more reads in flight than the ring holds, then a sliding window of reads and
 * rewrites; the file holds what is stored (allocated blocks, seen by stat), and discarded
 * pages' room is used again. */
START_TEST(test_file_many)
{
	enum { N = 8192 };
	char *path, *uri = uri_of("far", &path, NULL);
	tpo_far *f = open_ok(uri, 0, 0);
	unsigned char p[TPO_FAR_PAGE];
	check_many(f, N);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	off_t size = st.st_size;
	/* O_DIRECT: the pages went past the page cache (the kernel's view, by mincore) */
	unsigned cached = cached_pages(path, size);
	ck_assert_msg(cached < N / 100, "%u of %u pages in the page cache", cached, N);
	ck_assert_msg((uint64_t)st.st_blocks * 512 >= (uint64_t)N * TPO_FAR_PAGE, "%lld blocks for %u pages",
		      (long long)st.st_blocks, N);
	/* discarded pages make room: storing as many again does not grow the file */
	for (uint64_t k = 0; k < N; k++)
		ck_assert(tpo_far_discard(f, k, NULL));
	for (uint64_t k = N; k < 2 * N; k++)
		write_ok(f, k, 1);
	for (uint64_t k = N; k < 2 * N; k++)
		start_ok(f, k);
	for (uint64_t k = N; k < 2 * N; k++) {
		done_ok(f, k, p);
		ck_assert(filled(p, k, 1));
	}
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, size);
	tpo_far_close(f);
	ck_assert(!exists(path));
	g_free(uri);
	g_free(path);
}
END_TEST

/* A file that exists is the user's: refused without ?keep (and left alone). */
START_TEST(test_file_exists)
{
	char *path, *uri = uri_of("mine", &path, NULL);
	ck_assert(g_file_set_contents(path, "precious", -1, NULL));
	GError *err = NULL;
	ck_assert(!tpo_far_open(uri, NULL, &err));
	ck_assert_msg(strstr(err->message, path) && strstr(err->message, "?keep"), "%s", err->message);
	g_clear_error(&err);
	char *data = NULL;
	ck_assert(g_file_get_contents(path, &data, NULL, NULL));
	ck_assert_str_eq(data, "precious");
	g_free(data);
	g_free(uri);
	g_free(path);
}
END_TEST

/* ?keep: an existing file used as it is (its size is the room; full is an error) and kept. */
START_TEST(test_file_keep)
{
	char *path, *uri = uri_of("kept", &path, "?keep");
	GError *err = NULL;
	ck_assert(!tpo_far_open(uri, NULL, &err)); /* does not exist */
	ck_assert_msg(strstr(err->message, path), "%s", err->message);
	g_clear_error(&err);
	int fd = open(path, O_CREAT | O_RDWR, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert(!tpo_far_open(uri, NULL, &err)); /* empty */
	ck_assert_msg(strstr(err->message, "no room"), "%s", err->message);
	g_clear_error(&err);
	ck_assert_int_eq(ftruncate(fd, 64 * TPO_FAR_PAGE), 0);
	close(fd);
	tpo_far *f = open_ok(uri, 0, 0);
	check_round_trip(f);  /* 64 pages */
	unsigned char p[TPO_FAR_PAGE];
	fill(p, 99, 1);
	ck_assert(tpo_far_discard(f, 7, NULL)); /* one slot free again */
	ck_assert(tpo_far_write(f, 99, p, NULL));
	ck_assert(!tpo_far_write(f, 100, p, &err));
	assert_lost(err, path, "full");
	tpo_far_close(f);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 64 * TPO_FAR_PAGE);
	g_free(uri);
	g_free(path);
}
END_TEST

/* Pages 0..99 stored and read back once (so they are on the file, not in write buffers). */
static tpo_far *stored_hundred(const char *uri)
{
	tpo_far *f = open_ok(uri, 0, 0);
	unsigned char p[TPO_FAR_PAGE];
	for (uint64_t k = 0; k < 100; k++)
		write_ok(f, k, 1);
	for (uint64_t k = 0; k < 100; k++) {
		start_ok(f, k);
		done_ok(f, k, p);
		ck_assert(filled(p, k, 1));
	}
	return f;
}

START_TEST(test_file_removed)
{
	char *path, *uri = uri_of("far", &path, NULL);
	tpo_far *f = stored_hundred(uri);
	ck_assert_int_eq(unlink(path), 0);
	assert_lost(read_until_error(f, 100, 10), path, "removed");
	tpo_far_close(f);
	g_free(uri);
	g_free(path);
}
END_TEST

START_TEST(test_file_truncated)
{
	char *path, *uri = uri_of("far", &path, NULL);
	tpo_far *f = stored_hundred(uri);
	ck_assert_int_eq(truncate(path, 0), 0);
	assert_lost(read_until_error(f, 100, 10), path, "truncated");
	tpo_far_close(f);
	g_free(uri);
	g_free(path);
}
END_TEST

/* Truncated and grown back to its size: the pages read as holes (zeros), which the checksum
 * catches even though the size looks right. */
START_TEST(test_file_holes)
{
	char *path, *uri = uri_of("far", &path, NULL);
	tpo_far *f = stored_hundred(uri);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(truncate(path, 0), 0);
	ck_assert_int_eq(truncate(path, st.st_size), 0);
	assert_lost(read_until_error(f, 100, 10), path, "not what was written");
	tpo_far_close(f);
	g_free(uri);
	g_free(path);
}
END_TEST

/* Another program writes over the file. It writes with O_DIRECT, as the store does: buffered
 * writes racing the store's direct writes still in flight make the kernel fail to invalidate its
 * page cache, and it reports that as EIO at the next fsync ("Page cache invalidation failure on
 * direct I/O", seen once in CI's ASan build). */
START_TEST(test_file_overwritten)
{
	char *path, *uri = uri_of("far", &path, NULL);
	tpo_far *f = stored_hundred(uri);
	int fd = open(path, O_WRONLY | O_DIRECT);
	ck_assert_int_ge(fd, 0);
	unsigned char *junk = NULL;
	ck_assert_int_eq(posix_memalign((void **)&junk, TPO_FAR_PAGE, TPO_FAR_PAGE), 0);
	memset(junk, 0x5a, TPO_FAR_PAGE);
	for (off_t off = 0; off < 100 * TPO_FAR_PAGE; off += TPO_FAR_PAGE)
		ck_assert_int_eq(pwrite(fd, junk, TPO_FAR_PAGE, off), TPO_FAR_PAGE);
	ck_assert_int_eq(fsync(fd), 0);
	close(fd);
	free(junk);
	assert_lost(read_until_error(f, 100, 10), path, "not what was written");
	tpo_far_close(f);
	g_free(uri);
	g_free(path);
}
END_TEST

START_TEST(test_file_bad_path)
{
	GError *err = NULL;
	ck_assert(!tpo_far_open("file:/nonexistent-dir-3po/far", NULL, &err));
	ck_assert_msg(g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_CONNECT), "%s", err->message);
	ck_assert(strstr(err->message, "/nonexistent-dir-3po/far"));
	g_clear_error(&err);
	ck_assert(!tpo_far_open("file:/dev/null?keep", NULL, &err));
	ck_assert_msg(strstr(err->message, "/dev/null"), "%s", err->message);
	g_clear_error(&err);
}
END_TEST

static Suite *far_file_suite(void)
{
	Suite *s = suite_create("far_file");
	TCase *tc = tcase_create("file");
	tcase_set_timeout(tc, 120);
	/* once for all the tests, in this process: a failed test (its own process) leaves no dir */
	tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_test(tc, test_file_round_trip);
	tcase_add_test(tc, test_file_zeros_holds_discard);
	tcase_add_test(tc, test_file_ordering);
	tcase_add_test(tc, test_file_many);
	tcase_add_test(tc, test_file_exists);
	tcase_add_test(tc, test_file_keep);
	tcase_add_test(tc, test_file_removed);
	tcase_add_test(tc, test_file_truncated);
	tcase_add_test(tc, test_file_holes);
	tcase_add_test(tc, test_file_overwritten);
	tcase_add_test(tc, test_file_bad_path);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tpo_check_run(far_file_suite());
}
