/* gen_trace — writes a small, known .3pt trace with the writer API, for the 3po-dump tests; with
 * --bench N it instead writes N accesses and measures how fast the reader decodes them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include <tpo/trace.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void add(tpo_trace_writer *w, const tpo_event *ev)
{
	GError *err = NULL;
	if (!tpo_trace_writer_add(w, ev, &err)) {
		fprintf(stderr, "gen_trace: %s\n", err->message);
		exit(1);
	}
}

static tpo_trace_writer *open_trace(const char *path)
{
	static char *argv[] = { "gen", "--size", "64 MiB", NULL };
	tpo_trace_header h = { .page_size = 4096, .microset_size = 2, .pid = 4321,
			       .start_time_ns = UINT64_C(1700000000000000000), .program = "/usr/bin/gen",
			       .argc = 3, .argv = argv };
	GError *err = NULL;
	tpo_trace_writer *w = tpo_trace_writer_open(path, &h, &err);
	if (!w) {
		fprintf(stderr, "gen_trace: %s\n", err->message);
		exit(1);
	}
	return w;
}

/* The known trace: 2 regions, 1000 accesses by 2 threads (3 outside any region), a region
 * unmapped midway. Without --no-footer it ends with a footer. */
static int gen_small(const char *path, int footer)
{
	tpo_trace_writer *w = open_trace(path);
	uint64_t t = 0;
	tpo_event ev = { .type = TPO_EV_THREAD_START, .time_ns = t, .tid = 100 };
	add(w, &ev);
	ev = (tpo_event){ .type = TPO_EV_REGION_MAP, .time_ns = t, .tid = 100,
			  .map = { 1, 0x555555560000, 1 << 20, PROT_READ | PROT_WRITE,
				   TPO_REGION_PRIVATE | TPO_REGION_HEAP | TPO_REGION_TRACED, 0, "[heap]" } };
	add(w, &ev);
	ev.map = (typeof(ev.map)){ 2, 0x7f0000000000, 64 << 20, PROT_READ | PROT_WRITE,
				   TPO_REGION_PRIVATE | TPO_REGION_ANON | TPO_REGION_TRACED, 0, "" };
	add(w, &ev);
	ev = (tpo_event){ .type = TPO_EV_THREAD_START, .time_ns = t, .tid = 101 };
	add(w, &ev);
	for (int i = 0; i < 997; i++) {
		t += 15000;
		ev = (tpo_event){ .type = TPO_EV_ACCESS, .time_ns = t, .tid = i % 10 ? 100 : 101 };
		ev.access.page = i % 3 ? 0x7f0000000000 + (uint64_t)(i * 7 % 16384) * 4096
				       : 0x555555560000 + (uint64_t)(i % 256) * 4096;
		if (i % 50 == 0)
			ev.access.ip = 0x401000 + (uint64_t)i;
		add(w, &ev);
		if (i % 2) {
			ev = (tpo_event){ .type = TPO_EV_MICROSET_END, .time_ns = t, .tid = 100 };
			add(w, &ev);
		}
		if (i == 500)
			tpo_trace_writer_flush(w, NULL);
	}
	ev = (tpo_event){ .type = TPO_EV_REGION_UNMAP, .time_ns = t, .tid = 100,
			  .unmap = { 0x555555560000, 1 << 20 } };
	add(w, &ev);
	for (int i = 0; i < 3; i++) { /* no region holds these any more */
		ev = (tpo_event){ .type = TPO_EV_ACCESS, .time_ns = t + i, .tid = 100,
				  .access.page = 0x555555560000 + (uint64_t)i * 4096 };
		add(w, &ev);
	}
	ev = (tpo_event){ .type = TPO_EV_THREAD_EXIT, .time_ns = t, .tid = 101 };
	add(w, &ev);
	if (!footer) {
		tpo_trace_writer_flush(w, NULL);
		tpo_trace_writer_abandon(w);
		return 0;
	}
	tpo_trace_footer f = { .end_reason = TPO_END_EXITED, .exit_status = 0, .faults = 1200,
			       .duration_ns = t + 1000 };
	tpo_trace_writer_counts(w, &f);
	GError *err = NULL;
	if (!tpo_trace_writer_close(w, &f, &err)) {
		fprintf(stderr, "gen_trace: %s\n", err->message);
		return 1;
	}
	return 0;
}

/* Writes n accesses shaped like a blocked matmul's (three arrays, short strides, 2 threads
 * switching rarely, ~10-30 us apart), then times decoding them. */
static int bench(const char *path, long n)
{
	tpo_trace_writer *w = open_trace(path);
	uint64_t t = 0, x = 88172645463325252u;
	double t0 = now();
	for (long i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		t += 10000 + x % 20000;
		uint64_t base = UINT64_C(0x7f0000000000) + (uint64_t)(i % 3) * (1u << 30);
		tpo_event ev = { .type = TPO_EV_ACCESS, .time_ns = t, .tid = (i / 100000) % 2 ? 11 : 10,
				 .access.page = base + (uint64_t)((i / 3) % 65536) * 4096 };
		add(w, &ev);
	}
	tpo_trace_footer f = { .end_reason = TPO_END_EXITED };
	tpo_trace_writer_counts(w, &f);
	if (!tpo_trace_writer_close(w, &f, NULL))
		return 1;
	double t1 = now();
	struct stat st;
	stat(path, &st);

	GError *err = NULL;
	tpo_trace_reader *r = tpo_trace_reader_open(path, &err);
	if (!r) {
		fprintf(stderr, "gen_trace: %s\n", err->message);
		return 1;
	}
	tpo_event ev;
	long got = 0;
	uint64_t sum = 0;
	double t2 = now();
	while (tpo_trace_reader_next(r, &ev, &err) == 1) {
		sum += ev.access.page + ev.time_ns;
		got++;
	}
	double t3 = now();
	tpo_trace_reader_close(r);
	printf("%ld events, %.2f bytes/event; write %.1f M events/s; read %.1f M events/s (checksum %lx)\n",
	       got, (double)st.st_size / (double)n, n / (t1 - t0) / 1e6, got / (t3 - t2) / 1e6,
	       (unsigned long)sum);
	return got == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--bench") == 0)
		return bench(argv[3], atol(argv[2]));
	if (argc == 3 && strcmp(argv[1], "--no-footer") == 0)
		return gen_small(argv[2], 0);
	if (argc == 2)
		return gen_small(argv[1], 1);
	fprintf(stderr, "usage: gen_trace [--no-footer] OUT | gen_trace --bench N OUT\n");
	return 2;
}
