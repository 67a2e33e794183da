/* tape.c — the tape format (round trip, corruption, truncation) and replaying lru and min
 * tapes along their own access sequence: no access may find its page absent. */
#include "simtest.h"
#include "replay.h"
#include "tape_codec.h"

#include <glib/gstdio.h>
#include <tpo/tape.h>
#include <unistd.h>

static char *tmp_path(const char *name)
{
	static int k;
	return g_strdup_printf("%s/sim_tape_%d_%d_%s", g_get_tmp_dir(), (int)getpid(), k++, name);
}

static tpo_tape_header header(void)
{
	static char *argv[] = {"./prog", "--size", "42"};
	return (tpo_tape_header){
		.policy = TPO_TAPE_POLICY_MIN,
		.flags = TPO_TAPE_F_EVICTIONS,
		.page_size = 4096,
		.local_pages = 123,
		.lookahead = 400,
		.trace_start_time_ns = 1700000000123456789ull,
		.trace_pid = 4242,
		.microset = 8,
		.program = "/usr/bin/prog",
		.argc = 3,
		.argv = argv,
	};
}

/* Entries with every kind of delta: repeated indexes, far pages, pages going down. */
static tpo_tape_entry entry(uint64_t i)
{
	uint64_t page = (i * 2654435761u) % 100000;
	if (i % 7 == 0)
		page += 0x7f0000000ull;
	return (tpo_tape_entry){.index = i / 2 * 3, .page = page << 12,
				.op = i % 3 == 1 ? TPO_TAPE_EVICT : TPO_TAPE_FETCH};
}

static void write_tape(const char *path, uint64_t n, int close)
{
	tpo_tape_header h = header();
	GError *e = NULL;
	tpo_tape_writer *w = tpo_tape_writer_open(path, &h, &e);
	ck_assert_msg(w != NULL, "%s", e ? e->message : "");
	for (uint64_t i = 0; i < n; i++) {
		tpo_tape_entry en = entry(i);
		ck_assert(tpo_tape_writer_add(w, &en, &e));
	}
	if (close)
		ck_assert(tpo_tape_writer_close(w, 777, 0x1234abcd5678ef00ull, &e));
	else
		tpo_tape_writer_abandon(w);
}

/* Reads the tape: returns entries read; *rc the last tpo_tape_reader_next result. */
static uint64_t read_tape(const char *path, int *rc, GError **e)
{
	tpo_tape_reader *r = tpo_tape_reader_open(path, e);
	if (!r) {
		*rc = -2;
		return 0;
	}
	uint64_t n = 0;
	tpo_tape_entry en;
	while ((*rc = tpo_tape_reader_next(r, &en, e)) > 0) {
		tpo_tape_entry want = entry(n);
		ck_assert_uint_eq(en.index, want.index);
		ck_assert_uint_eq(en.page, want.page);
		ck_assert_int_eq(en.op, want.op);
		n++;
	}
	tpo_tape_reader_close(r);
	return n;
}

START_TEST(round_trip)
{
	uint64_t sizes[] = {0, 1, 5, 100000};
	for (int k = 0; k < 4; k++) {
		char *path = tmp_path("rt.tape");
		write_tape(path, sizes[k], 1);
		GError *e = NULL;
		tpo_tape_reader *r = tpo_tape_reader_open(path, &e);
		ck_assert_msg(r != NULL, "%s", e ? e->message : "");
		const tpo_tape_header *h = tpo_tape_reader_header(r);
		ck_assert_uint_eq(h->version, TPO_TAPE_VERSION);
		ck_assert_uint_eq(h->policy, TPO_TAPE_POLICY_MIN);
		ck_assert_uint_eq(h->flags, TPO_TAPE_F_EVICTIONS | TPO_TAPE_F_COMPLETE);
		ck_assert_uint_eq(h->page_size, 4096);
		ck_assert_uint_eq(h->local_pages, 123);
		ck_assert_uint_eq(h->lookahead, 400);
		ck_assert_uint_eq(h->accesses, 777);
		ck_assert_uint_eq(h->seq_hash, 0x1234abcd5678ef00ull);
		ck_assert_uint_eq(h->trace_start_time_ns, 1700000000123456789ull);
		ck_assert_int_eq(h->trace_pid, 4242);
		ck_assert_uint_eq(h->microset, 8);
		ck_assert_str_eq(h->program, "/usr/bin/prog");
		ck_assert_uint_eq(h->argc, 3);
		ck_assert_str_eq(h->argv[0], "./prog");
		ck_assert_str_eq(h->argv[2], "42");
		uint64_t fetches = 0;
		for (uint64_t i = 0; i < sizes[k]; i++)
			fetches += entry(i).op == TPO_TAPE_FETCH;
		ck_assert_uint_eq(h->fetches, fetches);
		ck_assert_uint_eq(h->evictions, sizes[k] - fetches);
		tpo_tape_reader_close(r);
		int rc;
		ck_assert_uint_eq(read_tape(path, &rc, &e), sizes[k]);
		ck_assert_msg(rc == 0, "%s", e ? e->message : "");
		g_unlink(path);
		g_free(path);
	}
}
END_TEST

/* A tape of a version this build does not know is refused by name; a damaged version field
 * is damage (the prefix CRC), not a version from elsewhere. (Versions 1 and 2 still read: the
 * golden_formats test reads one of each.) */
START_TEST(versions)
{
	char *path = tmp_path("v4.tape");
	write_tape(path, 1000, 1);
	gchar *b;
	gsize len;
	ck_assert(g_file_get_contents(path, &b, &len, NULL));
	uint8_t *u = (uint8_t *)b;
	ck_assert_uint_eq(tpo_get_le32(u + 8), 3);
	tpo_put_le32(u + 8, 4);
	tpo_put_le32(u + 16, tpo_crc32c(0, u, 16));
	ck_assert(g_file_set_contents(path, b, (gssize)len, NULL));
	GError *e = NULL;
	ck_assert(tpo_tape_reader_open(path, &e) == NULL);
	ck_assert_msg(g_error_matches(e, TPO_TAPE_ERROR, TPO_TAPE_ERROR_FORMAT) && strstr(e->message, "version 4"),
		      "%s", e->message);
	g_clear_error(&e);
	tpo_put_le32(u + 8, 0x100003);
	ck_assert(g_file_set_contents(path, b, (gssize)len, NULL));
	ck_assert(tpo_tape_reader_open(path, &e) == NULL);
	ck_assert_msg(g_error_matches(e, TPO_TAPE_ERROR, TPO_TAPE_ERROR_CRC) && !strstr(e->message, "version"),
		      "%s", e->message);
	g_clear_error(&e);
	g_free(b);
	g_unlink(path);
	g_free(path);
}
END_TEST

static void flip(const char *path, long off)
{
	FILE *f = fopen(path, "r+b");
	ck_assert(f);
	fseek(f, off, SEEK_SET);
	int c = fgetc(f);
	fseek(f, off, SEEK_SET);
	fputc(c ^ 0x10, f);
	fclose(f);
}

START_TEST(corruption)
{
	char *path = tmp_path("bad.tape");
	write_tape(path, 50000, 1);
	gchar *orig;
	gsize len;
	ck_assert(g_file_get_contents(path, &orig, &len, NULL));
	/* Any flipped bit is caught: in the header (open fails), a chunk (CRC), the end record. */
	long offsets[] = {0, 9, 20, 40, 95, 130, 200, 5000, (long)len / 2, (long)len - 40,
			  (long)len - 10, (long)len - 1};
	for (size_t k = 0; k < G_N_ELEMENTS(offsets); k++) {
		ck_assert(g_file_set_contents(path, orig, (gssize)len, NULL));
		flip(path, offsets[k]);
		GError *e = NULL;
		int rc;
		read_tape(path, &rc, &e);
		ck_assert_msg(rc < 0, "flip at %ld not detected", offsets[k]);
		ck_assert(e != NULL);
		g_clear_error(&e);
	}
	/* Truncation anywhere is an error too (the header, a chunk, the end record). */
	long cuts[] = {0, 5, 91, 120, 1000, (long)len / 3, (long)len - 32, (long)len - 1};
	for (size_t k = 0; k < G_N_ELEMENTS(cuts); k++) {
		ck_assert(g_file_set_contents(path, orig, cuts[k], NULL));
		GError *e = NULL;
		int rc;
		read_tape(path, &rc, &e);
		ck_assert_msg(rc < 0, "cut at %ld not detected", cuts[k]);
		g_clear_error(&e);
	}
	/* Not a tape at all. */
	ck_assert(g_file_set_contents(path, "hello, world\n", -1, NULL));
	GError *e = NULL;
	ck_assert(tpo_tape_reader_open(path, &e) == NULL);
	ck_assert_int_eq(e->code, TPO_TAPE_ERROR_FORMAT);
	g_clear_error(&e);
	ck_assert(tpo_tape_reader_open("/nonexistent/x.tape", &e) == NULL);
	ck_assert_int_eq(e->code, TPO_TAPE_ERROR_IO);
	g_clear_error(&e);
	g_free(orig);
	g_unlink(path);
	g_free(path);
}
END_TEST

/* A writer that never closed leaves its complete chunks readable, then a truncation error. */
START_TEST(abandoned)
{
	char *path = tmp_path("ab.tape");
	write_tape(path, 30000, 0);
	GError *e = NULL;
	int rc;
	uint64_t n = read_tape(path, &rc, &e);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e->code, TPO_TAPE_ERROR_TRUNCATED);
	ck_assert_uint_eq(n, 30000); /* abandon flushes the last chunk */
	g_clear_error(&e);
	g_unlink(path);
	g_free(path);
}
END_TEST

START_TEST(bad_input)
{
	char *path = tmp_path("in.tape");
	tpo_tape_header h = header();
	GError *e = NULL;
	h.page_size = 3000;
	ck_assert(tpo_tape_writer_open(path, &h, &e) == NULL);
	g_clear_error(&e);
	h = header();
	h.policy = 9;
	ck_assert(tpo_tape_writer_open(path, &h, &e) == NULL);
	g_clear_error(&e);
	h = header();
	tpo_tape_writer *w = tpo_tape_writer_open(path, &h, &e);
	tpo_tape_entry a = {10, 0x1000, TPO_TAPE_FETCH}, b = {9, 0x2000, TPO_TAPE_FETCH};
	ck_assert(tpo_tape_writer_add(w, &a, &e));
	ck_assert(!tpo_tape_writer_add(w, &b, &e)); /* out of order */
	g_clear_error(&e);
	ck_assert(tpo_tape_writer_close(w, 11, 0, &e));
	ck_assert(tpo_tape_writer_open("/nonexistent/dir/x.tape", &h, &e) == NULL);
	g_clear_error(&e);
	g_unlink(path);
	g_free(path);
}
END_TEST

typedef struct emit_file {
	tpo_tape_writer *w;
	tpo_pagemap *map;
} emit_file;

static void emit_to_file(void *ctx, uint64_t index, int op, uint32_t id, uint64_t page)
{
	emit_file *f = ctx;
	ck_assert_uint_eq(page, tpo_pagemap_page(f->map, id));
	tpo_tape_entry e = {index, page << 12, (tpo_tape_op)op};
	ck_assert(tpo_tape_writer_add(f->w, &e, NULL));
}

static tpo_replay_stats replay(const char *path, simtest *t, const uint32_t *ids, size_t n)
{
	GError *e = NULL;
	tpo_tape_reader *r = tpo_tape_reader_open(path, &e);
	ck_assert_msg(r != NULL, "%s", e ? e->message : "");
	tpo_replay *rp = tpo_replay_new(r, &t->in.map, 12, tpo_tape_reader_header(r)->local_pages);
	tpo_replay_feed(rp, ids, NULL, n);
	tpo_replay_stats st;
	ck_assert_msg(tpo_replay_finish(rp, &st, &e), "%s", e ? e->message : "");
	tpo_tape_reader_close(r);
	return st;
}

/* lru and min tapes followed at their own size: zero demand misses, never over capacity, and
 * exactly the simulated fetches and evictions. */
START_TEST(replay_own_size)
{
	for (uint32_t seed = 1; seed <= 8; seed++) {
		GRand *rnd = g_rand_new_with_seed(seed);
		size_t n = 5000;
		uint64_t *seq = g_new(uint64_t, n);
		for (size_t i = 0; i < n; i++)
			seq[i] = (uint64_t)g_rand_int_range(rnd, 0, g_rand_boolean(rnd) ? 20 : 600);
		g_rand_free(rnd);
		simtest t;
		simtest_init(&t, seq, n, 5 + seed * 17);
		for (int p = TPO_POLICY_LRU; p <= TPO_POLICY_MIN; p++) {
			char *path = tmp_path("replay.tape");
			tpo_tape_header h = header();
			h.policy = p == TPO_POLICY_LRU ? TPO_TAPE_POLICY_LRU : TPO_TAPE_POLICY_MIN;
			h.local_pages = t.env.capacity;
			emit_file ef = {tpo_tape_writer_open(path, &h, NULL), &t.in.map};
			ck_assert(ef.w);
			t.env.emit = emit_to_file;
			t.env.emit_ctx = &ef;
			tpo_sim_stats s = simtest_run(&t, p);
			t.env.emit = NULL;
			ck_assert(tpo_tape_writer_close(ef.w, t.in.accesses, t.in.hash, NULL));
			tpo_replay_stats st = replay(path, &t, t.in.seq, t.in.nseq);
			ck_assert_uint_eq(st.accesses, n);
			ck_assert_uint_eq(st.misses, 0);
			ck_assert_uint_eq(st.fetches, s.fetches);
			ck_assert_uint_eq(st.evictions, s.evictions);
			ck_assert_uint_le(st.max_resident, t.env.capacity);
			ck_assert_uint_eq(st.over_capacity, 0);
			ck_assert_uint_eq(st.bad_evictions, 0);
			ck_assert_uint_eq(st.bad_fetches, 0);
			ck_assert_uint_eq(st.entries_after_end, 0);
			/* Followed along another sequence, the same tape misses. */
			uint32_t *other = g_new(uint32_t, n);
			for (size_t i = 0; i < n; i++)
				other[i] = t.in.seq[(i * 7919) % n];
			st = replay(path, &t, other, n);
			ck_assert_uint_gt(st.misses, 0);
			g_free(other);
			g_unlink(path);
			g_free(path);
		}
		simtest_clear(&t);
		g_free(seq);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sim_tape");
	TCase *tc = tcase_create("tape");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, versions);
	tcase_add_test(tc, corruption);
	tcase_add_test(tc, abandoned);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, replay_own_size);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
