/* test_trace_codec.c — unit tests of the .3pt trace library: varint/zigzag/CRC primitives, round
 * trips of every event type, abandoned writers, truncation at every byte, flipped bytes, bad
 * magic/version, empty files, and garbage chunks with valid CRCs (the decoder must never crash). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tpo/trace.h>
#include "../../src/trace/trace_codec.h"

/* ---- helpers ---- */

static char tmpdir[64];

static void setup(void)
{
	strcpy(tmpdir, "/tmp/tpo-trace-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	g_free(cmd);
}

static char *tmp_path(const char *name)
{
	return g_build_filename(tmpdir, name, NULL);
}

/* An event with its own copies of the string and chain. */
typedef struct {
	tpo_event ev;
	char *str;
	uint64_t *chain;
} owned_event;

static GArray *new_events(void)
{
	return g_array_new(FALSE, TRUE, sizeof(owned_event));
}

static void free_events(GArray *a)
{
	for (guint i = 0; i < a->len; i++) {
		owned_event *o = &g_array_index(a, owned_event, i);
		g_free(o->str);
		g_free(o->chain);
	}
	g_array_free(a, TRUE);
}

static void push(GArray *a, const tpo_event *ev)
{
	owned_event o = { .ev = *ev };
	if (ev->type == TPO_EV_REGION_MAP) {
		o.str = g_strdup(ev->map.name ? ev->map.name : "");
		o.ev.map.name = o.str;
	} else if (ev->type == TPO_EV_EXEC) {
		o.str = g_strdup(ev->exec.path ? ev->exec.path : "");
		o.ev.exec.path = o.str;
	} else if (ev->type == TPO_EV_ACCESS && ev->access.depth) {
		o.chain = g_memdup2(ev->access.chain, ev->access.depth * sizeof(uint64_t));
		o.ev.access.chain = o.chain;
	}
	g_array_append_val(a, o);
}

/* Check's ck_assert_* report every passing check to the parent process (one write each), so
 * hot loops test with REQUIRE, which calls into Check only when it fails. */
#define REQUIRE(cond, ...)                          \
	do {                                        \
		if (G_UNLIKELY(!(cond)))            \
			ck_abort_msg(__VA_ARGS__);  \
	} while (0)

#define FIELD_EQ(a, b, i, what) \
	REQUIRE((a) == (b), "event %u: %s differs: %#lx != %#lx", i, what, (unsigned long)(a), (unsigned long)(b))

static void assert_event_eq(const tpo_event *a, const tpo_event *b, guint i)
{
	FIELD_EQ(a->type, b->type, i, "type");
	FIELD_EQ(a->time_ns, b->time_ns, i, "time");
	FIELD_EQ(a->tid, b->tid, i, "tid");
	switch (a->type) {
	case TPO_EV_REGION_MAP:
		FIELD_EQ(a->map.id, b->map.id, i, "region id");
		FIELD_EQ(a->map.start, b->map.start, i, "region start");
		FIELD_EQ(a->map.length, b->map.length, i, "region length");
		FIELD_EQ(a->map.prot, b->map.prot, i, "region prot");
		FIELD_EQ(a->map.flags, b->map.flags, i, "region flags");
		FIELD_EQ(a->map.offset, b->map.offset, i, "region offset");
		REQUIRE(strcmp(a->map.name, b->map.name) == 0, "event %u: region name differs", i);
		break;
	case TPO_EV_REGION_UNMAP:
		FIELD_EQ(a->unmap.start, b->unmap.start, i, "unmap start");
		FIELD_EQ(a->unmap.length, b->unmap.length, i, "unmap length");
		break;
	case TPO_EV_ACCESS:
		FIELD_EQ(a->access.page, b->access.page, i, "page");
		FIELD_EQ(a->access.ip, b->access.ip, i, "ip");
		FIELD_EQ(a->access.depth, b->access.depth, i, "depth");
		for (uint32_t k = 0; k < a->access.depth; k++)
			FIELD_EQ(a->access.chain[k], b->access.chain[k], i, "chain entry");
		if (a->access.depth == 0)
			REQUIRE(b->access.chain == NULL, "event %u: chain not NULL", i);
		break;
	case TPO_EV_EXEC:
		REQUIRE(strcmp(a->exec.path, b->exec.path) == 0, "event %u: exec path differs", i);
		break;
	case TPO_EV_THREAD_EXIT:
		FIELD_EQ(a->thread_exit.status, b->thread_exit.status, i, "exit status");
		break;
	case TPO_EV_MICROSET_END:
	case TPO_EV_THREAD_START:
		break;
	}
}

static char *test_argv[] = { "prog", "--size", "a b c", "", "ünïcödé", NULL };

static tpo_trace_header test_header(void)
{
	tpo_trace_header h = {
		.version = TPO_TRACE_VERSION,
		.page_size = 4096,
		.microset_size = 2,
		.flags = TPO_TRACE_F_ATTACHED,
		.pid = 4242,
		.start_time_ns = UINT64_C(1700000000123456789),
		.program = "/usr/local/bin/prog",
		.argc = 5,
		.argv = test_argv,
	};
	return h;
}

static tpo_trace_footer test_footer(void)
{
	tpo_trace_footer f = { .end_reason = TPO_END_KILLED, .exit_status = 9, .accesses = 1, .faults = 77,
			       .microsets = 2, .regions = 3, .events = 4, .duration_ns = UINT64_C(123456789012) };
	return f;
}

static void add(tpo_trace_writer *w, GArray *log, const tpo_event *ev)
{
	GError *err = NULL;
	REQUIRE(tpo_trace_writer_add(w, ev, &err), "add: %s", err ? err->message : "?");
	if (log)
		push(log, ev);
}

/* A varied sequence of n events (deterministic for a seed). */
static void gen_events(tpo_trace_writer *w, GArray *log, guint32 seed, guint n)
{
	GRand *rnd = g_rand_new_with_seed(seed);
	uint64_t t = 1000, page = UINT64_C(0x7f0000000000);
	int32_t tid = 100;
	uint64_t chain[64];
	for (guint i = 0; i < n; i++) {
		tpo_event ev = { .time_ns = t, .tid = tid };
		int r = g_rand_int_range(rnd, 0, 100);
		if (r < 80) {
			ev.type = TPO_EV_ACCESS;
			int j = g_rand_int_range(rnd, 0, 10);
			if (j < 6)
				page += (uint64_t)(int64_t)g_rand_int_range(rnd, -64, 64) * 4096;
			else if (j < 8)
				page += (uint64_t)(int64_t)g_rand_int_range(rnd, -100000, 100000) * 4096;
			else
				page = ((uint64_t)g_rand_int(rnd) << 32 | g_rand_int(rnd)) & ~UINT64_C(4095);
			ev.access.page = page;
			if (g_rand_int_range(rnd, 0, 5) == 0)
				ev.access.ip = UINT64_C(0x555555554000) + g_rand_int_range(rnd, 0, 1 << 20);
			if (g_rand_int_range(rnd, 0, 8) == 0) {
				ev.access.depth = (uint32_t)g_rand_int_range(rnd, 1, 64);
				for (uint32_t k = 0; k < ev.access.depth; k++)
					chain[k] = UINT64_C(0x555555554000) + g_rand_int_range(rnd, 0, 1 << 22);
				ev.access.chain = chain;
			}
		} else if (r < 84) {
			ev.type = TPO_EV_MICROSET_END;
		} else if (r < 87) {
			ev.type = TPO_EV_REGION_MAP;
			ev.map.id = g_rand_int(rnd);
			ev.map.start = (uint64_t)g_rand_int(rnd) << 12;
			ev.map.length = (uint64_t)g_rand_int_range(rnd, 1, 1 << 20) << 12;
			ev.map.prot = g_rand_int_range(rnd, 0, 8);
			ev.map.flags = g_rand_int_range(rnd, 0, 32);
			ev.map.offset = (uint64_t)g_rand_int(rnd) << 12;
			ev.map.name = (i & 1) ? "[heap]" : "/usr/lib/x86_64-linux-gnu/libc.so.6";
		} else if (r < 89) {
			ev.type = TPO_EV_REGION_UNMAP;
			ev.unmap.start = (uint64_t)g_rand_int(rnd) << 12;
			ev.unmap.length = (uint64_t)g_rand_int_range(rnd, 1, 1000) << 12;
		} else if (r < 90) {
			ev.type = TPO_EV_EXEC;
			ev.exec.path = "/bin/true";
		} else if (r < 93) {
			ev.type = TPO_EV_THREAD_START;
		} else if (r < 95) {
			ev.type = TPO_EV_THREAD_EXIT;
			ev.thread_exit.status = g_rand_int_range(rnd, -1000, 1000);
		} else {
			tid = g_rand_int_range(rnd, 1, 1 << 22); /* a tid change */
			ev.tid = tid;
			ev.type = TPO_EV_ACCESS;
			ev.access.page = page;
		}
		add(w, log, &ev);
		int dt = g_rand_int_range(rnd, 0, 100);
		if (dt < 90)
			t += (uint64_t)g_rand_int_range(rnd, 0, 40000);
		else if (dt < 97)
			t += (uint64_t)g_rand_int(rnd) * 1000;
		else
			t -= MIN(t, (uint64_t)g_rand_int_range(rnd, 0, 1000000)); /* time going back */
	}
	g_rand_free(rnd);
}

/* Reads path; checks the events equal a prefix of want. Returns how many were read; *code is the
 * error code (-1 if the trace ended cleanly); *msg the message (caller frees). */
static guint read_all(const char *path, GArray *want, int *code, char **msg)
{
	GError *err = NULL;
	tpo_trace_reader *r = tpo_trace_reader_open(path, &err);
	*msg = NULL;
	if (!r) {
		REQUIRE(err != NULL, "no error set");
		*code = err->code;
		*msg = g_strdup(err->message);
		g_error_free(err);
		return 0;
	}
	tpo_event ev;
	guint n = 0;
	int k;
	while ((k = tpo_trace_reader_next(r, &ev, &err)) == 1) {
		REQUIRE(want && n < want->len, "more events than written");
		assert_event_eq(&g_array_index(want, owned_event, n).ev, &ev, n);
		n++;
	}
	if (k == 0) {
		REQUIRE(err == NULL, "error set at the end");
		REQUIRE(tpo_trace_reader_footer(r) != NULL, "no footer after the end");
		*code = -1;
		/* Asking again stays at the end. */
		REQUIRE(tpo_trace_reader_next(r, &ev, NULL) == 0, "not at the end again");
	} else {
		REQUIRE(k == -1, "next returned %d", k);
		REQUIRE(err != NULL, "no error set");
		REQUIRE(tpo_trace_reader_footer(r) == NULL, "a footer after an error");
		*code = err->code;
		*msg = g_strdup(err->message);
		g_clear_error(&err);
		/* The error is sticky. */
		REQUIRE(tpo_trace_reader_next(r, &ev, &err) == -1, "error not sticky");
		REQUIRE(err != NULL, "no error set");
		REQUIRE(strcmp(err->message, *msg) == 0, "error changed: %s", err->message);
		g_error_free(err);
	}
	tpo_trace_reader_close(r);
	return n;
}

static GBytes *slurp(const char *path)
{
	gchar *data;
	gsize len;
	REQUIRE(g_file_get_contents(path, &data, &len, NULL), "cannot read %s", path);
	return g_bytes_new_take(data, len);
}

static void spit(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");
	REQUIRE(f != NULL, "cannot create %s", path);
	REQUIRE(fwrite(data, 1, len, f) == len, "cannot write %s", path);
	REQUIRE(fclose(f) == 0, "cannot write %s", path);
}

/* ---- primitives ---- */

START_TEST(test_varint)
{
	static const uint64_t vals[] = { 0, 1, 127, 128, 255, 16383, 16384, UINT32_MAX, UINT64_C(1) << 63,
					 UINT64_MAX, UINT64_MAX - 1 };
	uint8_t buf[16];
	for (size_t i = 0; i < G_N_ELEMENTS(vals); i++) {
		uint8_t *e = tpo_put_varint(buf, vals[i]);
		ck_assert_int_le(e - buf, TPO_VARINT_MAX);
		uint64_t v = 0;
		ck_assert_ptr_eq(tpo_get_varint(buf, e, &v), e);
		ck_assert_uint_eq(v, vals[i]);
		/* Any shorter input is rejected. */
		for (uint8_t *p = buf; p < e; p++)
			ck_assert_ptr_null(tpo_get_varint(buf, p, &v));
	}
	ck_assert_int_eq(tpo_put_varint(buf, 127) - buf, 1);
	ck_assert_int_eq(tpo_put_varint(buf, 128) - buf, 2);
	uint64_t v;
	/* 11 continuation bytes; a 10th byte carrying bits beyond 64. */
	memset(buf, 0xff, sizeof buf);
	ck_assert_ptr_null(tpo_get_varint(buf, buf + sizeof buf, &v));
	memset(buf, 0x80, 9);
	buf[9] = 0x02;
	ck_assert_ptr_null(tpo_get_varint(buf, buf + 10, &v));
	buf[9] = 0x01;
	ck_assert_ptr_eq(tpo_get_varint(buf, buf + 10, &v), buf + 10);
	ck_assert_uint_eq(v, UINT64_C(1) << 63);
}
END_TEST

START_TEST(test_zigzag)
{
	static const int64_t vals[] = { 0, -1, 1, -64, 63, 64, INT64_MIN, INT64_MAX };
	for (size_t i = 0; i < G_N_ELEMENTS(vals); i++)
		ck_assert_int_eq(tpo_unzigzag64(tpo_zigzag64(vals[i])), vals[i]);
	ck_assert_uint_eq(tpo_zigzag64(-1), 1);
	ck_assert_uint_eq(tpo_zigzag64(1), 2);
	ck_assert_uint_eq(tpo_zigzag64(-64), 127);
	static const int32_t v32[] = { 0, -1, 1, INT32_MIN, INT32_MAX };
	for (size_t i = 0; i < G_N_ELEMENTS(v32); i++)
		ck_assert_int_eq(tpo_unzigzag32(tpo_zigzag32(v32[i])), v32[i]);
}
END_TEST

/* A CRC of the shared implementation: its check value, empty input, a running CRC equals the
 * whole, unaligned starts agree with the bytewise result. */
static void check_crc(uint32_t (*crc)(uint32_t, const void *, size_t), uint32_t check)
{
	ck_assert_uint_eq(crc(0, "123456789", 9), check);
	ck_assert_uint_eq(crc(0, "", 0), 0);
	uint8_t buf[1000];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	uint32_t whole = crc(0, buf, sizeof buf);
	for (size_t cut = 0; cut <= sizeof buf; cut += 37)
		ck_assert_uint_eq(crc(crc(0, buf, cut), buf + cut, sizeof buf - cut), whole);
	ck_assert_uint_eq(crc(0, buf + 1, 999), crc(crc(0, buf + 1, 3), buf + 4, 996));
}

/* CRC-32C, the container's, and CRC-32/IEEE, the legacy tapes': one implementation, two
 * polynomials. */
START_TEST(test_crc32c)
{
	check_crc(tpo_crc32c, 0xE3069283u);
	check_crc(tpo_crc32_ieee, 0xCBF43926u);
}
END_TEST

/* ---- round trips ---- */

START_TEST(test_roundtrip_every_type)
{
	char *path = tmp_path("all.3pt");
	tpo_trace_header h = test_header();
	GError *err = NULL;
	tpo_trace_writer *w = tpo_trace_writer_open(path, &h, &err);
	ck_assert_msg(w != NULL, "%s", err ? err->message : "");
	GArray *log = new_events();

	char *longname = g_malloc(70001);
	memset(longname, 'n', 70000);
	longname[70000] = 0;
	uint64_t chain[TPO_MAX_DEPTH];
	for (uint32_t i = 0; i < TPO_MAX_DEPTH; i++)
		chain[i] = i % 2 ? UINT64_MAX - i : i * 4096;

	tpo_event ev = { .type = TPO_EV_THREAD_START, .time_ns = 0, .tid = 1 };
	add(w, log, &ev);
	ev = (tpo_event){ .type = TPO_EV_REGION_MAP, .time_ns = 5, .tid = 1,
			  .map = { 7, 0x7f0000000000, 1 << 20, PROT_READ | PROT_WRITE,
				   TPO_REGION_PRIVATE | TPO_REGION_ANON | TPO_REGION_TRACED, 0, "" } };
	add(w, log, &ev);
	ev.map.id = UINT32_MAX;
	ev.map.start = UINT64_MAX & ~UINT64_C(4095);
	ev.map.length = UINT64_MAX;
	ev.map.prot = UINT32_MAX;
	ev.map.flags = UINT32_MAX;
	ev.map.offset = UINT64_MAX;
	ev.map.name = longname;
	add(w, log, &ev);
	/* Accesses: near, far up, far down, both ends of the address space. */
	static const uint64_t pages[] = { 0x7f0000000000, 0x7f0000001000, 0x7f0000000000, 0x7f000003f000,
					  0x7effffffc000, 0x1000, 0, 0xfffffffffffff000, 0, 0xfffffffffffff000,
					  0x7f0000000000, 0x7f0000041000, 0x7f0000000000 };
	for (size_t i = 0; i < G_N_ELEMENTS(pages); i++) {
		ev = (tpo_event){ .type = TPO_EV_ACCESS, .time_ns = 10 + i * 1000, .tid = 1,
				  .access = { .page = pages[i] } };
		add(w, log, &ev);
	}
	/* Time deltas: zero, large, back to zero, maximal. */
	static const uint64_t times[] = { 20000, 20000, UINT64_C(1) << 40, 0, UINT64_MAX, 1, UINT64_MAX };
	for (size_t i = 0; i < G_N_ELEMENTS(times); i++) {
		ev = (tpo_event){ .type = TPO_EV_ACCESS, .time_ns = times[i], .tid = 1,
				  .access = { .page = 0x7f0000000000 } };
		add(w, log, &ev);
	}
	/* Tid changes, including negative and 0. */
	static const int32_t tids[] = { 2, 2, INT32_MAX, 0, -5, INT32_MIN, 1 };
	for (size_t i = 0; i < G_N_ELEMENTS(tids); i++) {
		ev = (tpo_event){ .type = TPO_EV_ACCESS, .time_ns = 30000 + i, .tid = tids[i],
				  .access = { .page = 0x7f0000002000 } };
		add(w, log, &ev);
	}
	/* ip and call chains (1 entry, the maximum, ip without chain, chain without ip). */
	ev = (tpo_event){ .type = TPO_EV_ACCESS, .time_ns = 40000, .tid = 1,
			  .access = { 0x7f0000003000, 0x401000, 1, chain } };
	add(w, log, &ev);
	ev.access.depth = TPO_MAX_DEPTH;
	add(w, log, &ev);
	ev.access.depth = 0;
	ev.access.chain = NULL;
	ev.access.ip = UINT64_MAX;
	add(w, log, &ev);
	ev.access.ip = 0;
	ev.access.depth = 3;
	ev.access.chain = chain + 1;
	add(w, log, &ev);
	ev = (tpo_event){ .type = TPO_EV_MICROSET_END, .time_ns = 41000, .tid = 1 };
	add(w, log, &ev);
	ev = (tpo_event){ .type = TPO_EV_REGION_UNMAP, .time_ns = 42000, .tid = 3,
			  .unmap = { 0x7f0000000000, 0x2000 } };
	add(w, log, &ev);
	ev = (tpo_event){ .type = TPO_EV_EXEC, .time_ns = 43000, .tid = 3, .exec.path = longname };
	add(w, log, &ev);
	ev.exec.path = "/bin/sh";
	add(w, log, &ev);
	ev = (tpo_event){ .type = TPO_EV_THREAD_EXIT, .time_ns = 44000, .tid = 3, .thread_exit.status = -1 };
	add(w, log, &ev);
	ev.thread_exit.status = INT32_MIN;
	add(w, log, &ev);
	ev.thread_exit.status = 0x8b; /* killed by SIGSEGV, core */
	add(w, log, &ev);
	/* A NULL name and path are written as "". */
	ev = (tpo_event){ .type = TPO_EV_REGION_MAP, .time_ns = 45000, .map.name = NULL };
	ck_assert(tpo_trace_writer_add(w, &ev, NULL));
	ev.map.name = "";
	push(log, &ev);

	tpo_trace_footer f = test_footer();
	tpo_trace_footer counts = { 0 };
	tpo_trace_writer_counts(w, &counts);
	ck_assert_uint_eq(counts.events, log->len);
	ck_assert_uint_eq(counts.regions, 3);
	ck_assert_uint_eq(counts.microsets, 1);
	ck_assert(tpo_trace_writer_close(w, &f, &err));

	tpo_trace_reader *r = tpo_trace_reader_open(path, &err);
	ck_assert_msg(r != NULL, "%s", err ? err->message : "");
	const tpo_trace_header *rh = tpo_trace_reader_header(r);
	ck_assert_uint_eq(rh->version, TPO_TRACE_VERSION);
	ck_assert_uint_eq(rh->page_size, h.page_size);
	ck_assert_uint_eq(rh->microset_size, h.microset_size);
	ck_assert_uint_eq(rh->flags, h.flags);
	ck_assert_int_eq(rh->pid, h.pid);
	ck_assert_uint_eq(rh->start_time_ns, h.start_time_ns);
	ck_assert_str_eq(rh->program, h.program);
	ck_assert_uint_eq(rh->argc, h.argc);
	for (uint32_t i = 0; i < h.argc; i++)
		ck_assert_str_eq(rh->argv[i], h.argv[i]);
	ck_assert_ptr_null(tpo_trace_reader_footer(r));
	tpo_event got;
	for (guint i = 0; i < log->len; i++) {
		ck_assert_int_eq(tpo_trace_reader_next(r, &got, &err), 1);
		assert_event_eq(&g_array_index(log, owned_event, i).ev, &got, i);
	}
	ck_assert_int_eq(tpo_trace_reader_next(r, &got, &err), 0);
	const tpo_trace_footer *rf = tpo_trace_reader_footer(r);
	ck_assert_ptr_nonnull(rf);
	ck_assert_mem_eq(rf, &f, sizeof f);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(tpo_trace_reader_offset(r), (uint64_t)st.st_size);
	tpo_trace_reader_close(r);
	free_events(log);
	g_free(longname);
	g_free(path);
}
END_TEST

START_TEST(test_roundtrip_many_chunks)
{
	char *path = tmp_path("many.3pt");
	tpo_trace_header h = test_header();
	h.argc = 0;
	h.argv = NULL;
	h.program = NULL;
	GError *err = NULL;
	tpo_trace_writer *w = tpo_trace_writer_open(path, &h, &err);
	ck_assert_ptr_nonnull(w);
	GArray *log = new_events();
	gen_events(w, log, 1234, 200000);
	ck_assert(tpo_trace_writer_close(w, NULL, &err));
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_gt(st.st_size, 4 * TPO_CHUNK_TARGET); /* several chunks */
	int code;
	char *msg;
	ck_assert_uint_eq(read_all(path, log, &code, &msg), log->len);
	ck_assert_int_eq(code, -1);
	tpo_trace_reader *r = tpo_trace_reader_open(path, &err);
	ck_assert_str_eq(tpo_trace_reader_header(r)->program, "");
	ck_assert_uint_eq(tpo_trace_reader_header(r)->argc, 0);
	tpo_trace_reader_close(r);
	free_events(log);
	g_free(path);
}
END_TEST

/* Sequential accesses 10 us apart by one thread cost at most 3 bytes each. */
START_TEST(test_compact_accesses)
{
	char *path = tmp_path("compact.3pt");
	tpo_trace_header h = test_header();
	tpo_trace_writer *w = tpo_trace_writer_open(path, &h, NULL);
	ck_assert_ptr_nonnull(w);
	const int n = 300000;
	for (int i = 0; i < n; i++) {
		tpo_event ev = { .type = TPO_EV_ACCESS, .time_ns = (uint64_t)i * 10000, .tid = 77,
				 .access.page = UINT64_C(0x7f0000000000) + (uint64_t)(i % 1000) * 4096 * 3 };
		add(w, NULL, &ev);
	}
	ck_assert(tpo_trace_writer_close(w, NULL, NULL));
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	double per = (double)st.st_size / n;
	ck_assert_msg(per <= 3.05, "%.2f bytes per access", per);

	/* Four interleaved streams far apart (as in a matrix product) cost no more. */
	w = tpo_trace_writer_open(path, &h, NULL);
	for (int i = 0; i < n; i++) {
		tpo_event ev = { .type = TPO_EV_ACCESS, .time_ns = (uint64_t)i * 10000, .tid = 77,
				 .access.page = UINT64_C(0x7f0000000000) + (uint64_t)(i % 4) * (UINT64_C(1) << 32) +
						(uint64_t)(i / 4 % 1000) * 4096 * (1 + i % 4) };
		add(w, NULL, &ev);
	}
	ck_assert(tpo_trace_writer_close(w, NULL, NULL));
	ck_assert_int_eq(stat(path, &st), 0);
	per = (double)st.st_size / n;
	ck_assert_msg(per <= 3.05, "%.2f bytes per access with 4 streams", per);
	g_free(path);
}
END_TEST

/* ---- abandoned writers and truncation ---- */

START_TEST(test_abandoned)
{
	char *path = tmp_path("abandoned.3pt");
	tpo_trace_header h = test_header();
	GError *err = NULL;
	tpo_trace_writer *w = tpo_trace_writer_open(path, &h, &err);
	GArray *log = new_events();
	gen_events(w, log, 99, 50000);     /* several full chunks written */
	ck_assert(tpo_trace_writer_flush(w, &err));
	guint flushed = log->len;
	gen_events(w, log, 100, 100);      /* buffered, never written */
	tpo_trace_writer_abandon(w);
	int code;
	char *msg;
	ck_assert_uint_eq(read_all(path, log, &code, &msg), flushed);
	ck_assert_int_eq(code, TPO_TRACE_ERROR_TRUNCATED);
	ck_assert_msg(strstr(msg, "no footer") && strstr(msg, "offset"), "%s", msg);
	g_free(msg);

	/* Nothing but the header. */
	w = tpo_trace_writer_open(path, &h, &err);
	tpo_trace_writer_abandon(w);
	ck_assert_uint_eq(read_all(path, log, &code, &msg), 0);
	ck_assert_int_eq(code, TPO_TRACE_ERROR_TRUNCATED);
	g_free(msg);
	free_events(log);
	g_free(path);
}
END_TEST

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static off_t file_size(const char *path)
{
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_size;
}

/* With a maximum age, a chunk is written once its first event is that old (seen when the next
 * event is added), and tpo_trace_writer_due_ns says when pending events are due. */
START_TEST(test_max_age)
{
	char *path = tmp_path("age.3pt");
	tpo_trace_header h = test_header();
	GError *err = NULL;
	tpo_trace_writer *w = tpo_trace_writer_open(path, &h, &err);
	ck_assert_ptr_nonnull(w);
	off_t header = file_size(path);
	GArray *log = new_events();
	gen_events(w, log, 5, 10);
	ck_assert_uint_eq(tpo_trace_writer_due_ns(w), 0); /* no maximum age: never due */

	uint64_t before = mono_ns();
	tpo_trace_writer_set_max_age(w, 10000000000ull);
	uint64_t after = mono_ns();
	uint64_t due = tpo_trace_writer_due_ns(w);
	ck_assert_msg(due >= before + 10000000000ull && due <= after + 10000000000ull, "due %" G_GUINT64_FORMAT, due);
	gen_events(w, log, 6, 10);
	ck_assert_int_eq(file_size(path), header); /* 10 s is far off: still buffered */
	ck_assert(tpo_trace_writer_flush(w, &err));
	ck_assert_uint_eq(tpo_trace_writer_due_ns(w), 0);
	off_t one = file_size(path);
	ck_assert_int_gt(one, header);

	tpo_trace_writer_set_max_age(w, 1000000); /* 1 ms */
	gen_events(w, log, 7, 1);
	ck_assert_uint_ne(tpo_trace_writer_due_ns(w), 0);
	ck_assert_int_eq(file_size(path), one);
	uint64_t due1 = tpo_trace_writer_due_ns(w);
	while (mono_ns() < due1)
		;
	gen_events(w, log, 8, 1); /* the chunk is 1 ms old: written with this event */
	ck_assert_int_gt(file_size(path), one);
	ck_assert_uint_eq(tpo_trace_writer_due_ns(w), 0);
	tpo_trace_writer_abandon(w);
	int code;
	char *msg;
	ck_assert_uint_eq(read_all(path, log, &code, &msg), log->len);
	ck_assert_int_eq(code, TPO_TRACE_ERROR_TRUNCATED); /* no footer, every event there */
	g_free(msg);
	free_events(log);
	g_free(path);
}
END_TEST

/* A small file of several chunks: boundaries[i] = file size after chunk i, counts[i] = events. */
typedef struct {
	GBytes *data;
	GArray *log;
	GArray *ends, *counts; /* uint64 */
} small_trace;

static small_trace make_small(const char *path)
{
	small_trace s = { .log = new_events(), .ends = g_array_new(FALSE, FALSE, sizeof(uint64_t)),
			  .counts = g_array_new(FALSE, FALSE, sizeof(uint64_t)) };
	tpo_trace_header h = test_header();
	GError *err = NULL;
	tpo_trace_writer *w = tpo_trace_writer_open(path, &h, &err);
	ck_assert_ptr_nonnull(w);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	uint64_t v = (uint64_t)st.st_size, c = 0;
	g_array_append_val(s.ends, v);
	g_array_append_val(s.counts, c);
	for (int k = 0; k < 5; k++) {
		gen_events(w, s.log, 7 + k, 12);
		ck_assert(tpo_trace_writer_flush(w, &err));
		ck_assert_int_eq(stat(path, &st), 0);
		v = (uint64_t)st.st_size;
		c = s.log->len;
		g_array_append_val(s.ends, v);
		g_array_append_val(s.counts, c);
	}
	tpo_trace_footer f = test_footer();
	ck_assert(tpo_trace_writer_close(w, &f, &err));
	s.data = slurp(path);
	return s;
}

static void free_small(small_trace *s)
{
	g_bytes_unref(s->data);
	free_events(s->log);
	g_array_free(s->ends, TRUE);
	g_array_free(s->counts, TRUE);
}

START_TEST(test_truncate_every_byte)
{
	char *path = tmp_path("small.3pt"), *cut = tmp_path("cut.3pt");
	small_trace s = make_small(path);
	gsize size;
	const uint8_t *data = g_bytes_get_data(s.data, &size);
	uint64_t header_end = g_array_index(s.ends, uint64_t, 0);
	for (gsize len = 0; len < size; len++) {
		spit(cut, data, len);
		int code;
		char *msg;
		guint n = read_all(cut, s.log, &code, &msg);
		guint want = 0;
		for (guint i = 0; i < s.ends->len; i++)
			if (g_array_index(s.ends, uint64_t, i) <= len)
				want = (guint)g_array_index(s.counts, uint64_t, i);
		ck_assert_msg(n == want, "cut at %zu: %u events, want %u", len, n, want);
		ck_assert_ptr_nonnull(msg);
		if (len == 0)
			ck_assert_int_eq(code, TPO_TRACE_ERROR_FORMAT); /* empty file */
		else
			ck_assert_msg(code == TPO_TRACE_ERROR_TRUNCATED, "cut at %zu: %s", len, msg);
		if (len >= header_end) {
			/* The message names the offset of the chunk that was cut. */
			uint64_t at = header_end;
			for (guint i = 0; i < s.ends->len; i++)
				if (g_array_index(s.ends, uint64_t, i) <= len)
					at = g_array_index(s.ends, uint64_t, i);
			char *want_off = g_strdup_printf("offset %lu", (unsigned long)at);
			ck_assert_msg(strstr(msg, want_off), "cut at %zu: '%s' lacks '%s'", len, msg, want_off);
			g_free(want_off);
		}
		g_free(msg);
	}
	free_small(&s);
	g_free(path);
	g_free(cut);
}
END_TEST

START_TEST(test_flipped_bytes)
{
	char *path = tmp_path("small.3pt"), *bad = tmp_path("bad.3pt");
	small_trace s = make_small(path);
	gsize size;
	const void *orig = g_bytes_get_data(s.data, &size);
	uint8_t *data = g_memdup2(orig, size);
	uint64_t header_end = g_array_index(s.ends, uint64_t, 0);
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	for (gsize pos = 0; pos < size; pos++) {
		for (size_t m = 0; m < G_N_ELEMENTS(masks); m++) {
			data[pos] ^= masks[m];
			spit(bad, data, size);
			data[pos] ^= masks[m];
			int code;
			char *msg;
			guint n = read_all(bad, s.log, &code, &msg);
			ck_assert_msg(msg != NULL, "flip at %zu not detected", pos);
			if (pos < header_end) {
				ck_assert_uint_eq(n, 0);
				ck_assert_msg(code == TPO_TRACE_ERROR_CRC || (code == TPO_TRACE_ERROR_FORMAT && pos < 8),
					      "flip at %zu: %s", pos, msg);
				g_free(msg);
				continue;
			}
			/* The chunk holding pos (the footer is the last one). */
			uint64_t at = header_end;
			guint want = 0;
			for (guint i = 0; i < s.ends->len; i++)
				if (g_array_index(s.ends, uint64_t, i) <= pos) {
					at = g_array_index(s.ends, uint64_t, i);
					want = (guint)g_array_index(s.counts, uint64_t, i);
				}
			ck_assert_msg(code == TPO_TRACE_ERROR_CRC, "flip at %zu: %s", pos, msg);
			ck_assert_msg(strstr(msg, "CRC mismatch"), "flip at %zu: %s", pos, msg);
			char *want_off = g_strdup_printf("offset %lu", (unsigned long)at);
			ck_assert_msg(strstr(msg, want_off), "flip at %zu: '%s' lacks '%s'", pos, msg, want_off);
			g_free(want_off);
			ck_assert_msg(n == want, "flip at %zu: %u events, want %u", pos, n, want);
			g_free(msg);
		}
	}
	g_free(data);
	free_small(&s);
	g_free(path);
	g_free(bad);
}
END_TEST

/* ---- bad files ---- */

START_TEST(test_bad_files)
{
	char *path = tmp_path("x.3pt");
	int code;
	char *msg;

	spit(path, "", 0);
	read_all(path, NULL, &code, &msg);
	ck_assert_int_eq(code, TPO_TRACE_ERROR_FORMAT);
	ck_assert_msg(strstr(msg, "empty"), "%s", msg);
	g_free(msg);

	spit(path, "#!/bin/sh\necho hello\n", 21);
	read_all(path, NULL, &code, &msg);
	ck_assert_int_eq(code, TPO_TRACE_ERROR_FORMAT);
	ck_assert_msg(strstr(msg, "bad magic"), "%s", msg);
	g_free(msg);

	spit(path, "3POT", 4); /* a prefix of the magic: truncated */
	read_all(path, NULL, &code, &msg);
	ck_assert_int_eq(code, TPO_TRACE_ERROR_TRUNCATED);
	g_free(msg);

	/* Version 2. */
	tpo_trace_header h = test_header();
	tpo_trace_writer *w = tpo_trace_writer_open(path, &h, NULL);
	ck_assert(tpo_trace_writer_close(w, NULL, NULL));
	GBytes *b = slurp(path);
	gsize size;
	const void *orig = g_bytes_get_data(b, &size);
	uint8_t *data = g_memdup2(orig, size);
	data[8] = 2;
	tpo_put_le32(data + 16, tpo_crc32c(0, data, 16)); /* a well-formed version 2 prefix */
	spit(path, data, size);
	read_all(path, NULL, &code, &msg);
	ck_assert_int_eq(code, TPO_TRACE_ERROR_FORMAT);
	ck_assert_msg(strstr(msg, "version 2"), "%s", msg);
	g_free(msg);

	/* Data after the footer. */
	data[8] = 1;
	tpo_put_le32(data + 16, tpo_crc32c(0, data, 16));
	uint8_t *more = g_malloc(size + 3);
	memcpy(more, data, size);
	memcpy(more + size, "xyz", 3);
	spit(path, more, size + 3);
	read_all(path, NULL, &code, &msg);
	ck_assert_int_eq(code, TPO_TRACE_ERROR_FORMAT);
	char *want = g_strdup_printf("after the footer at offset %zu", size);
	ck_assert_msg(strstr(msg, want), "%s", msg);
	g_free(want);
	g_free(msg);
	g_free(more);
	g_free(data);
	g_bytes_unref(b);

	read_all("/nonexistent/dir/x.3pt", NULL, &code, &msg);
	ck_assert_int_eq(code, TPO_TRACE_ERROR_IO);
	g_free(msg);
	g_free(path);
}
END_TEST

START_TEST(test_writer_rejects)
{
	char *path = tmp_path("rej.3pt");
	tpo_trace_header h = test_header();
	GError *err = NULL;
	h.page_size = 3000;
	ck_assert_ptr_null(tpo_trace_writer_open(path, &h, &err));
	ck_assert_int_eq(err->code, TPO_TRACE_ERROR_FORMAT);
	g_clear_error(&err);
	h = test_header();
	ck_assert_ptr_null(tpo_trace_writer_open("/nonexistent/dir/x.3pt", &h, &err));
	ck_assert_int_eq(err->code, TPO_TRACE_ERROR_IO);
	g_clear_error(&err);

	tpo_trace_writer *w = tpo_trace_writer_open(path, &h, &err);
	tpo_event ev = { .type = TPO_EV_ACCESS, .access.page = 0x1234 };
	ck_assert(!tpo_trace_writer_add(w, &ev, &err));
	ck_assert_int_eq(err->code, TPO_TRACE_ERROR_FORMAT);
	g_clear_error(&err);
	uint64_t chain[1] = { 1 };
	ev = (tpo_event){ .type = TPO_EV_ACCESS, .access = { 0x1000, 0, TPO_MAX_DEPTH + 1, chain } };
	ck_assert(!tpo_trace_writer_add(w, &ev, &err));
	g_clear_error(&err);
	ev = (tpo_event){ .type = 42 };
	ck_assert(!tpo_trace_writer_add(w, &ev, &err));
	g_clear_error(&err);
	/* Rejected events leave the trace intact. */
	ev = (tpo_event){ .type = TPO_EV_THREAD_START, .tid = 5 };
	ck_assert(tpo_trace_writer_add(w, &ev, &err));
	tpo_trace_footer f = { 0 };
	tpo_trace_writer_counts(w, &f);
	ck_assert_uint_eq(f.events, 1);
	ck_assert(tpo_trace_writer_close(w, &f, &err));
	GArray *log = new_events();
	push(log, &ev);
	int code;
	char *msg;
	ck_assert_uint_eq(read_all(path, log, &code, &msg), 1);
	ck_assert_int_eq(code, -1);
	free_events(log);
	g_free(path);
}
END_TEST

/* Chunks of random bytes with valid CRCs behind a valid header: the decoder sees the garbage. */
START_TEST(test_garbage_chunks)
{
	char *path = tmp_path("garbage.3pt");
	tpo_trace_header h = test_header();
	tpo_trace_writer *w = tpo_trace_writer_open(path, &h, NULL);
	tpo_trace_writer_abandon(w);
	GBytes *hb = slurp(path);
	gsize hlen;
	const uint8_t *hdr = g_bytes_get_data(hb, &hlen);
	GRand *rnd = g_rand_new_with_seed(5);
	/* Also mutate real payloads: take a real chunk and change bytes, then fix the CRCs. */
	char *real = tmp_path("real.3pt");
	small_trace s = make_small(real);
	gsize rsize;
	const uint8_t *rdata = g_bytes_get_data(s.data, &rsize);
	for (int iter = 0; iter < 20000; iter++) {
		GByteArray *f = g_byte_array_new();
		g_byte_array_append(f, hdr, (guint)hlen);
		int nchunks = g_rand_int_range(rnd, 1, 4);
		for (int c = 0; c < nchunks; c++) {
			uint32_t len = (uint32_t)g_rand_int_range(rnd, 0, 200);
			uint8_t *payload = g_malloc(len + 1);
			gboolean from_real = iter % 2;
			uint64_t real_start = g_array_index(s.ends, uint64_t, 1 + c % 4) + TPO_CHUNK_HEADER_LEN;
			for (uint32_t i = 0; i < len; i++)
				payload[i] = from_real && real_start + i < rsize ? rdata[real_start + i]
										 : (uint8_t)g_rand_int(rnd);
			if (from_real)
				for (int k = 0; k < 3; k++)
					if (len)
						payload[g_rand_int_range(rnd, 0, (gint32)len)] = (uint8_t)g_rand_int(rnd);
			uint8_t ch[TPO_CHUNK_HEADER_LEN];
			memcpy(ch, TPO_CHUNK_MAGIC, 3);
			ch[3] = g_rand_int_range(rnd, 0, 10) ? TPO_CHUNK_EVENTS : TPO_CHUNK_FOOTER;
			if (ch[3] == TPO_CHUNK_FOOTER)
				len = MAX(len, TPO_FOOTER_LEN), payload = g_realloc(payload, len), memset(payload, 0, len);
			tpo_put_le32(ch + 4, len);
			tpo_put_le32(ch + 8, ch[3] == TPO_CHUNK_FOOTER ? 0 : (uint32_t)g_rand_int_range(rnd, 1, (gint32)len + 2));
			tpo_put_le32(ch + 12, tpo_crc32c(0, payload, len));
			tpo_put_le32(ch + 16, tpo_crc32c(0, ch, 16));
			g_byte_array_append(f, ch, sizeof ch);
			g_byte_array_append(f, payload, len);
			g_free(payload);
		}
		spit(path, f->data, f->len);
		g_byte_array_unref(f);
		GError *err = NULL;
		tpo_trace_reader *r = tpo_trace_reader_open(path, &err);
		REQUIRE(r != NULL, "%s", err->message);
		tpo_event ev;
		int k;
		while ((k = tpo_trace_reader_next(r, &ev, &err)) == 1) {
			if (ev.type == TPO_EV_REGION_MAP)
				REQUIRE(strlen(ev.map.name) <= TPO_MAX_STRING, "long name");
			if (ev.type == TPO_EV_EXEC)
				REQUIRE(strlen(ev.exec.path) <= TPO_MAX_STRING, "long path");
			if (ev.type == TPO_EV_ACCESS && ev.access.depth) {
				uint64_t sum = 0;
				for (uint32_t i = 0; i < ev.access.depth; i++)
					sum += ev.access.chain[i];
				(void)sum;
			}
		}
		REQUIRE(k == 0 || (k == -1 && err && strstr(err->message, "offset")), "k %d: %s", k,
			err ? err->message : "");
		g_clear_error(&err);
		tpo_trace_reader_close(r);
	}
	free_small(&s);
	g_free(real);
	g_rand_free(rnd);
	g_bytes_unref(hb);
	g_free(path);
}
END_TEST

static Suite *trace_suite(void)
{
	Suite *s = suite_create("trace_codec");
	TCase *tc = tcase_create("primitives");
	tcase_add_test(tc, test_varint);
	tcase_add_test(tc, test_zigzag);
	tcase_add_test(tc, test_crc32c);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_roundtrip_every_type);
	tcase_add_test(tc, test_roundtrip_many_chunks);
	tcase_add_test(tc, test_compact_accesses);
	tcase_add_test(tc, test_abandoned);
	tcase_add_test(tc, test_max_age);
	tcase_add_test(tc, test_truncate_every_byte);
	tcase_add_test(tc, test_flipped_bytes);
	tcase_add_test(tc, test_bad_files);
	tcase_add_test(tc, test_writer_rejects);
	tcase_add_test(tc, test_garbage_chunks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(trace_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
