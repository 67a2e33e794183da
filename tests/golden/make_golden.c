/* make_golden — writes the small, fixed trace and tape that tests/golden/ keeps one copy of per
 * format version, through the public writer API, so the same content can be written by any
 * version of the library: `make_golden trace FILE.3pt` or `make_golden tape FILE.tape`.
 * The trace holds every event type, call chains, all four page heads, a time that goes back
 * (a meta record), negative tids and statuses, and several chunks; the tape holds fetches and
 * evictions with small and large page jumps. tests/golden/README.md says how the committed
 * files were made. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <tpo/tape.h>
#include <tpo/trace.h>

static void die(GError *err)
{
	fprintf(stderr, "make_golden: %s\n", err ? err->message : "failed");
	exit(1);
}

static void add(tpo_trace_writer *w, const tpo_event *ev)
{
	GError *err = NULL;
	if (!tpo_trace_writer_add(w, ev, &err))
		die(err);
}

static void flush(tpo_trace_writer *w)
{
	GError *err = NULL;
	if (!tpo_trace_writer_flush(w, &err))
		die(err);
}

static tpo_event access_at(uint64_t t, int32_t tid, uint64_t page, uint64_t ip)
{
	return (tpo_event){ .type = TPO_EV_ACCESS, .time_ns = t, .tid = tid,
			    .access = { .page = page, .ip = ip } };
}

static void add_access(tpo_trace_writer *w, uint64_t t, int32_t tid, uint64_t page, uint64_t ip)
{
	tpo_event ev = access_at(t, tid, page, ip);
	add(w, &ev);
}

/* Chunk 1: threads, regions and accesses over four interleaved streams. */
static uint64_t trace_streams(tpo_trace_writer *w)
{
	uint64_t t = 0;
	add(w, &(tpo_event){ .type = TPO_EV_THREAD_START, .time_ns = t, .tid = 100 });
	add(w, &(tpo_event){ .type = TPO_EV_REGION_MAP, .time_ns = t += 500, .tid = 100,
			     .map = { 1, 0x555555560000, 1 << 20, PROT_READ | PROT_WRITE,
				      TPO_REGION_PRIVATE | TPO_REGION_HEAP | TPO_REGION_TRACED, 0, "[heap]" } });
	add(w, &(tpo_event){ .type = TPO_EV_REGION_MAP, .time_ns = t += 10, .tid = 100,
			     .map = { 2, 0x7f0000000000, 64 << 20, PROT_READ | PROT_WRITE | PROT_EXEC,
				      TPO_REGION_ANON | TPO_REGION_STACK, 0x1000, "data file.bin" } });
	add(w, &(tpo_event){ .type = TPO_EV_THREAD_START, .time_ns = t += 7, .tid = 101 });
	static const uint64_t base[4] = { 0x555555560000, 0x7f0000000000, 0x7f0002000000, 0x7f0003ff0000 };
	for (int i = 0; i < 120; i++) {
		int s = i % 4;
		uint64_t page = base[s] + (uint64_t)((i / 4) * (s + 1)) * 4096;
		uint64_t ip = i % 9 == 0 ? 0x401000 + (uint64_t)i : 0x401000;
		add_access(w, t += (uint64_t)(i % 5) * 3000 + 1, i % 7 == 0 ? 101 : 100, page, ip);
		if (i % 10 == 9)
			add(w, &(tpo_event){ .type = TPO_EV_MICROSET_END, .time_ns = t, .tid = 100 });
	}
	return t;
}

/* Chunk 2: call chains, a time that goes back, far jumps, exec, unmap, thread exits. */
static void trace_oddities(tpo_trace_writer *w, uint64_t t)
{
	static const uint64_t chain[3] = { 0x401234, 0x400100, 0x7f00deadbeef };
	tpo_event ev = access_at(t += 40000, 100, 0x7f0000005000, 0x401100);
	ev.access.depth = 3;
	ev.access.chain = chain;
	add(w, &ev);
	add_access(w, t - 100000, 100, 0x7f0000006000, 0x401100); /* time goes back */
	add_access(w, t += 1, -7, 0xfffffffffffff000, 0);          /* the highest page */
	add_access(w, t += 1, -7, 0x1000, 0xffffffffffff0000);
	add(w, &(tpo_event){ .type = TPO_EV_EXEC, .time_ns = t += 2000000, .tid = 100,
			     .exec = { "/usr/bin/next program" } });
	add(w, &(tpo_event){ .type = TPO_EV_REGION_UNMAP, .time_ns = t += 3, .tid = 100,
			     .unmap = { 0x7f0000000000, 64 << 20 } });
	add(w, &(tpo_event){ .type = TPO_EV_THREAD_EXIT, .time_ns = t += 5, .tid = 101,
			     .thread_exit = { -9 } });
	add(w, &(tpo_event){ .type = TPO_EV_THREAD_EXIT, .time_ns = t += 5, .tid = 100,
			     .thread_exit = { 256 } });
}

static int make_trace(const char *path)
{
	static char *argv[] = { "gen", "--size", "64 MiB", "" };
	tpo_trace_header h = { .page_size = 4096, .microset_size = 8, .flags = TPO_TRACE_F_ATTACHED,
			       .pid = 4321, .start_time_ns = UINT64_C(1700000000000000000),
			       .program = "/usr/bin/gen", .argc = 4, .argv = argv };
	GError *err = NULL;
	tpo_trace_writer *w = tpo_trace_writer_open(path, &h, &err);
	if (!w)
		die(err);
	uint64_t t = trace_streams(w);
	flush(w);
	trace_oddities(w, t);
	flush(w);
	tpo_trace_footer f = { .end_reason = TPO_END_EXITED, .exit_status = 3 << 8, .faults = 125,
			       .duration_ns = 123456789 };
	tpo_trace_writer_counts(w, &f);
	if (!tpo_trace_writer_close(w, &f, &err))
		die(err);
	return 0;
}

static int make_tape(const char *path)
{
	static char *argv[] = { "./prog", "-n", "42" };
	tpo_tape_header h = { .policy = TPO_TAPE_POLICY_MIN, .flags = TPO_TAPE_F_EVICTIONS,
			      .page_size = 4096, .local_pages = 16, .lookahead = 4,
			      .trace_start_time_ns = UINT64_C(1700000000123456789), .trace_pid = 4242,
			      .microset = 8, .program = "/usr/bin/prog", .argc = 3, .argv = argv };
	GError *err = NULL;
	tpo_tape_writer *w = tpo_tape_writer_open(path, &h, &err);
	if (!w)
		die(err);
	uint64_t hash = TPO_TAPE_HASH_INIT, index = 0;
	for (int i = 0; i < 200; i++) {
		uint64_t page = 0x7f0000000000 + (uint64_t)((i * 37) % 101) * 4096;
		if (i % 50 == 49)
			page = i % 100 == 99 ? 0x1000 : 0xfffffffffffff000;
		hash = tpo_tape_hash_add(hash, page);
		if (i >= 16 && i % 3 != 0) {
			tpo_tape_entry ev = { index, page ^ 0x10000, TPO_TAPE_EVICT };
			if (!tpo_tape_writer_add(w, &ev, &err))
				die(err);
		}
		if (i % 3 != 0 || i < 16) {
			tpo_tape_entry fe = { index, page, TPO_TAPE_FETCH };
			if (!tpo_tape_writer_add(w, &fe, &err))
				die(err);
		}
		index += (uint64_t)(i % 4);
	}
	if (!tpo_tape_writer_close(w, index, hash, &err))
		die(err);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "trace"))
		return make_trace(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "tape"))
		return make_tape(argv[2]);
	fprintf(stderr, "usage: make_golden trace FILE.3pt | make_golden tape FILE.tape\n");
	return 2;
}
