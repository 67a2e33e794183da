/* test_api.c — the public API of libtpo (include/tpo/tpo_read.h), linked as the shared library:
 * traces and tapes written with the project's own writers read back field for field through it,
 * every event type, totals, truncation and corruption reported as errors, bad files refused. */
#include <check.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <tpo/tape.h>
#include <tpo/tpo_read.h>
#include <tpo/trace.h>

static char *tmp_path(const char *name)
{
	static int k;
	return g_strdup_printf("%s/test_api_%d_%d_%s", g_get_tmp_dir(), (int)getpid(), k++, name);
}

static const uint64_t chain[3] = { 0x401234, 0x402345, 0x403456 };

/* The events of the known trace, one of every type, every field set. */
static tpo_event known_event(int i)
{
	switch (i) {
	case 0:
		return (tpo_event){ .type = TPO_EV_THREAD_START, .time_ns = 10, .tid = 77 };
	case 1:
		return (tpo_event){ .type = TPO_EV_REGION_MAP, .time_ns = 20, .tid = 77,
				    .map = { 5, 0x7f0000000000, 1 << 20, PROT_READ | PROT_WRITE,
					     TPO_REGION_PRIVATE | TPO_REGION_ANON | TPO_REGION_TRACED,
					     0x3000, "/dev/zero" } };
	case 2:
		return (tpo_event){ .type = TPO_EV_ACCESS, .time_ns = 30, .tid = 77,
				    .access = { 0x7f0000005000, 0x401000, 3, chain } };
	case 3:
		return (tpo_event){ .type = TPO_EV_ACCESS, .time_ns = 31, .tid = 78,
				    .access = { 0x7f0000009000, 0, 0, NULL } };
	case 4:
		return (tpo_event){ .type = TPO_EV_MICROSET_END, .time_ns = 40, .tid = 77 };
	case 5:
		return (tpo_event){ .type = TPO_EV_REGION_UNMAP, .time_ns = 50, .tid = 78,
				    .unmap = { 0x7f0000000000, 0x2000 } };
	case 6:
		return (tpo_event){ .type = TPO_EV_EXEC, .time_ns = 60, .tid = 77,
				    .exec = { "/usr/bin/next" } };
	default:
		return (tpo_event){ .type = TPO_EV_THREAD_EXIT, .time_ns = 70, .tid = 78,
				    .thread_exit = { 0x0100 } };
	}
}
#define KNOWN_EVENTS 8

/* Writes the known trace to path: with its footer, or (footer 0) cut short after a flushed first
 * chunk and a second chunk of accesses. */
static void write_trace(const char *path, int footer)
{
	static char *argv[] = { "prog", "-n", "64" };
	tpo_trace_header h = { .page_size = 4096, .microset_size = 16, .flags = TPO_TRACE_F_ATTACHED,
			       .pid = 4321, .start_time_ns = 1700000000123456789ull,
			       .program = "/usr/bin/prog", .argc = 3, .argv = argv };
	GError *e = NULL;
	tpo_trace_writer *w = tpo_trace_writer_open(path, &h, &e);
	ck_assert_msg(w != NULL, "%s", e ? e->message : "");
	for (int i = 0; i < KNOWN_EVENTS; i++) {
		tpo_event ev = known_event(i);
		ck_assert(tpo_trace_writer_add(w, &ev, &e));
	}
	if (footer) {
		tpo_trace_footer f = { .end_reason = TPO_END_KILLED, .exit_status = 9, .faults = 5,
				       .duration_ns = 987654321 };
		tpo_trace_writer_counts(w, &f);
		ck_assert(tpo_trace_writer_close(w, &f, &e));
		return;
	}
	ck_assert(tpo_trace_writer_flush(w, &e));
	for (int i = 0; i < 1000; i++) {
		tpo_event ev = { .type = TPO_EV_ACCESS, .time_ns = 100 + (uint64_t)i, .tid = 77,
				 .access.page = 0x7f0000000000 + (uint64_t)i * 4096 };
		ck_assert(tpo_trace_writer_add(w, &ev, &e));
	}
	ck_assert(tpo_trace_writer_flush(w, &e));
	tpo_trace_writer_abandon(w);
}

static void check_event(const tpo_trace_event *got, const tpo_event *want)
{
	ck_assert_int_eq(got->type, (int)want->type);
	ck_assert_uint_eq(got->time_ns, want->time_ns);
	ck_assert_int_eq(got->tid, want->tid);
	switch (want->type) {
	case TPO_EV_REGION_MAP:
		ck_assert_uint_eq(got->region, want->map.id);
		ck_assert_uint_eq(got->addr, want->map.start);
		ck_assert_uint_eq(got->length, want->map.length);
		ck_assert_uint_eq(got->prot, want->map.prot);
		ck_assert_uint_eq(got->flags, want->map.flags);
		ck_assert_uint_eq(got->offset, want->map.offset);
		ck_assert_str_eq(got->name, want->map.name);
		break;
	case TPO_EV_REGION_UNMAP:
		ck_assert_uint_eq(got->addr, want->unmap.start);
		ck_assert_uint_eq(got->length, want->unmap.length);
		ck_assert_ptr_null(got->name);
		break;
	case TPO_EV_ACCESS:
		ck_assert_uint_eq(got->addr, want->access.page);
		ck_assert_uint_eq(got->ip, want->access.ip);
		ck_assert_uint_eq(got->depth, want->access.depth);
		for (uint32_t k = 0; k < want->access.depth; k++)
			ck_assert_uint_eq(got->chain[k], want->access.chain[k]);
		if (!want->access.depth)
			ck_assert_ptr_null(got->chain);
		break;
	case TPO_EV_EXEC:
		ck_assert_str_eq(got->name, want->exec.path);
		ck_assert_uint_eq(got->addr, 0);
		break;
	case TPO_EV_THREAD_EXIT:
		ck_assert_int_eq(got->status, want->thread_exit.status);
		break;
	default:
		ck_assert_uint_eq(got->addr, 0);
		ck_assert_ptr_null(got->name);
	}
}

START_TEST(trace_read_back)
{
	char *path = tmp_path("t.3pt");
	write_trace(path, 1);
	char err[TPO_ERRBUF_SIZE] = "";
	tpo_trace_file *t = tpo_trace_file_open(path, err);
	ck_assert_msg(t != NULL, "%s", err);
	const tpo_trace_info *in = tpo_trace_file_info(t);
	ck_assert_uint_eq(in->version, TPO_TRACE_VERSION);
	ck_assert_uint_eq(in->page_size, 4096);
	ck_assert_uint_eq(in->microset_size, 16);
	ck_assert_int_eq(in->attached, 1);
	ck_assert_int_eq(in->pid, 4321);
	ck_assert_uint_eq(in->start_time_ns, 1700000000123456789ull);
	ck_assert_str_eq(in->program, "/usr/bin/prog");
	ck_assert_uint_eq(in->argc, 3);
	ck_assert_str_eq(in->argv[0], "prog");
	ck_assert_str_eq(in->argv[2], "64");

	tpo_trace_totals tot;
	ck_assert_int_eq(tpo_trace_file_totals(t, &tot), 0); /* not before the end */
	tpo_trace_event ev;
	for (int i = 0; i < KNOWN_EVENTS; i++) {
		ck_assert_int_eq(tpo_trace_file_next(t, &ev), 1);
		tpo_event want = known_event(i);
		check_event(&ev, &want);
	}
	ck_assert_int_eq(tpo_trace_file_next(t, &ev), 0);
	ck_assert_int_eq(tpo_trace_file_next(t, &ev), 0);
	ck_assert_ptr_null(tpo_trace_file_error(t));
	ck_assert_int_eq(tpo_trace_file_totals(t, &tot), 1);
	ck_assert_str_eq(tot.end, "killed");
	ck_assert_int_eq(tot.exit_status, 9);
	ck_assert_uint_eq(tot.accesses, 2);
	ck_assert_uint_eq(tot.faults, 5);
	ck_assert_uint_eq(tot.microsets, 1);
	ck_assert_uint_eq(tot.regions, 1);
	ck_assert_uint_eq(tot.events, KNOWN_EVENTS);
	ck_assert_uint_eq(tot.duration_ns, 987654321);
	tpo_trace_file_close(t);
	unlink(path);
	g_free(path);
}
END_TEST

/* A trace without footer reads to its last complete chunk, then reports the truncation; one cut
 * inside a chunk stops before that chunk, with the offset in the message. */
START_TEST(trace_truncated)
{
	char *path = tmp_path("cut.3pt");
	write_trace(path, 0);
	tpo_trace_file *t = tpo_trace_file_open(path, NULL);
	ck_assert_ptr_nonnull(t);
	tpo_trace_event ev;
	int n = 0, k;
	while ((k = tpo_trace_file_next(t, &ev)) > 0)
		n++;
	ck_assert_int_eq(k, -1);
	ck_assert_int_eq(n, KNOWN_EVENTS + 1000);
	ck_assert_ptr_nonnull(tpo_trace_file_error(t));
	ck_assert_int_eq(tpo_trace_file_next(t, &ev), -1);
	tpo_trace_totals tot;
	ck_assert_int_eq(tpo_trace_file_totals(t, &tot), 0);
	tpo_trace_file_close(t);

	/* cut the second chunk in half: only the first chunk's events come */
	off_t size = 0;
	int fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	size = lseek(fd, 0, SEEK_END);
	ck_assert_int_eq(ftruncate(fd, size - 1000), 0);
	close(fd);
	t = tpo_trace_file_open(path, NULL);
	ck_assert_ptr_nonnull(t);
	n = 0;
	while ((k = tpo_trace_file_next(t, &ev)) > 0)
		n++;
	ck_assert_int_eq(k, -1);
	ck_assert_int_eq(n, KNOWN_EVENTS);
	ck_assert_msg(strstr(tpo_trace_file_error(t), "offset") != NULL, "%s",
		      tpo_trace_file_error(t));
	tpo_trace_file_close(t);
	unlink(path);
	g_free(path);
}
END_TEST

START_TEST(bad_files)
{
	char err[TPO_ERRBUF_SIZE] = "";
	ck_assert_ptr_null(tpo_trace_file_open("/nonexistent/x.3pt", err));
	ck_assert_msg(strstr(err, "No such file") != NULL, "%s", err);
	err[0] = 0;
	ck_assert_ptr_null(tpo_tape_file_open("/nonexistent/x.tape", err));
	ck_assert_msg(strstr(err, "No such file") != NULL, "%s", err);
	ck_assert_ptr_null(tpo_trace_file_open("/nonexistent/x.3pt", NULL));

	/* a tape is not a trace, a trace is not a tape, and text is neither */
	char *path = tmp_path("text");
	g_file_set_contents(path, "hello, this is not a trace at all, only text\n", -1, NULL);
	err[0] = 0;
	ck_assert_ptr_null(tpo_trace_file_open(path, err));
	ck_assert_int_gt(strlen(err), 0);
	err[0] = 0;
	ck_assert_ptr_null(tpo_tape_file_open(path, err));
	ck_assert_int_gt(strlen(err), 0);
	write_trace(path, 1);
	ck_assert_ptr_null(tpo_tape_file_open(path, err));
	unlink(path);
	g_free(path);
	tpo_trace_file_close(NULL);
	tpo_tape_file_close(NULL);
}
END_TEST

static tpo_tape_entry tape_entry(uint64_t i)
{
	return (tpo_tape_entry){ .index = i / 3 * 2, .page = (0x7f0000000ull + (i * 7919) % 5000) << 12,
				 .op = i % 3 == 0 ? TPO_TAPE_EVICT : TPO_TAPE_FETCH };
}

START_TEST(tape_read_back)
{
	static char *argv[] = { "./prog", "--size", "42" };
	tpo_tape_header h = { .policy = TPO_TAPE_POLICY_MIN, .flags = TPO_TAPE_F_EVICTIONS,
			      .page_size = 4096, .local_pages = 123, .lookahead = 400,
			      .trace_start_time_ns = 1700000000123456789ull, .trace_pid = 4242,
			      .microset = 8, .program = "/usr/bin/prog", .argc = 3, .argv = argv };
	char *path = tmp_path("t.tape");
	GError *e = NULL;
	tpo_tape_writer *w = tpo_tape_writer_open(path, &h, &e);
	ck_assert_msg(w != NULL, "%s", e ? e->message : "");
	const uint64_t n = 30000; /* several chunks */
	uint64_t evictions = 0;
	for (uint64_t i = 0; i < n; i++) {
		tpo_tape_entry en = tape_entry(i);
		evictions += en.op == TPO_TAPE_EVICT;
		ck_assert(tpo_tape_writer_add(w, &en, &e));
	}
	ck_assert(tpo_tape_writer_close(w, 20001, 0x1234abcd5678ef00ull, &e));

	char err[TPO_ERRBUF_SIZE] = "";
	tpo_tape_file *t = tpo_tape_file_open(path, err);
	ck_assert_msg(t != NULL, "%s", err);
	const tpo_tape_info *in = tpo_tape_file_info(t);
	ck_assert_uint_eq(in->version, TPO_TAPE_VERSION);
	ck_assert_str_eq(in->policy, "min");
	ck_assert_int_eq(in->has_evictions, 1);
	ck_assert_int_eq(in->complete, 1);
	ck_assert_uint_eq(in->page_size, 4096);
	ck_assert_uint_eq(in->local_pages, 123);
	ck_assert_uint_eq(in->lookahead, 400);
	ck_assert_uint_eq(in->accesses, 20001);
	ck_assert_uint_eq(in->seq_hash, 0x1234abcd5678ef00ull);
	ck_assert_uint_eq(in->fetches, n - evictions);
	ck_assert_uint_eq(in->evictions, evictions);
	ck_assert_uint_eq(in->trace_start_time_ns, 1700000000123456789ull);
	ck_assert_int_eq(in->trace_pid, 4242);
	ck_assert_uint_eq(in->microset, 8);
	ck_assert_str_eq(in->program, "/usr/bin/prog");
	ck_assert_uint_eq(in->argc, 3);
	ck_assert_str_eq(in->argv[1], "--size");
	tpo_tape_step s;
	for (uint64_t i = 0; i < n; i++) {
		ck_assert_int_eq(tpo_tape_file_next(t, &s), 1);
		tpo_tape_entry want = tape_entry(i);
		ck_assert_uint_eq(s.index, want.index);
		ck_assert_uint_eq(s.page, want.page);
		ck_assert_int_eq(s.op, want.op == TPO_TAPE_EVICT ? TPO_TAPE_STEP_EVICT : TPO_TAPE_STEP_FETCH);
	}
	ck_assert_int_eq(tpo_tape_file_next(t, &s), 0);
	ck_assert_ptr_null(tpo_tape_file_error(t));
	tpo_tape_file_close(t);

	/* a corrupted byte in the first chunk's payload: an error, not wrong steps */
	int fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	uint8_t b;
	const off_t at = 200;
	ck_assert_int_eq(pread(fd, &b, 1, at), 1);
	b ^= 0x40;
	ck_assert_int_eq(pwrite(fd, &b, 1, at), 1);
	close(fd);
	t = tpo_tape_file_open(path, err);
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_int_eq(tpo_tape_file_next(t, &s), -1);
	ck_assert_ptr_nonnull(tpo_tape_file_error(t));
	ck_assert_int_eq(tpo_tape_file_next(t, &s), -1);
	tpo_tape_file_close(t);
	unlink(path);
	g_free(path);
}
END_TEST

START_TEST(names_and_version)
{
	ck_assert_str_eq(tpo_version(), TPO_TEST_VERSION);
	ck_assert_str_eq(tpo_trace_event_name(TPO_TRACE_EVENT_ACCESS), "access");
	ck_assert_str_eq(tpo_trace_event_name(TPO_TRACE_EVENT_THREAD_EXIT), "thread_exit");
	ck_assert_str_eq(tpo_trace_event_name(99), "unknown");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("api");
	tcase_set_timeout(tc, 120); /* Check's default 4 s is too short under ASan on a busy machine */
	tcase_add_test(tc, trace_read_back);
	tcase_add_test(tc, trace_truncated);
	tcase_add_test(tc, bad_files);
	tcase_add_test(tc, tape_read_back);
	tcase_add_test(tc, names_and_version);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
