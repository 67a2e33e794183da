/* maplimit.c — the program at vm.max_map_count: every protection change of ours inside a mapping
 * splits it, and at the limit the mprotect fails with ENOMEM. Left alone, the page stays shut
 * and the program would get a SIGSEGV of ours as its own; instead the run ends with one line
 * naming the limit: 3po-run kills the program, 3po-attach detaches and lets it run on. */
#define _GNU_SOURCE
#include "tracer.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

/* vm.max_map_count, or -1. */
static long max_map_count(void)
{
	long v = -1;
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* How many mappings process pid has (lines of /proc/PID/maps), or -1. */
static long map_count(int pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long n = 0;
	char buf[65536];
	size_t got;
	while ((got = fread(buf, 1, sizeof buf, f)) > 0)
		for (size_t i = 0; i < got; i++)
			n += buf[i] == '\n';
	fclose(f);
	return n;
}

void tpo_tr_protect_failed(tpo_tracer *t, tpo_proc *p, int err, uint64_t addr)
{
	if (err != ENOMEM || t->map_limit_hit)
		return;
	/* ENOMEM also means "not mapped": a program's munmap racing with our batch. Only a count at
	 * the limit (a split needs up to two more) says it was the limit. */
	long limit = max_map_count(), count = map_count(p->pid);
	if (getenv("TPO_DEBUG"))
		fprintf(stderr, "3po: mprotect at 0x%" G_GINT64_MODIFIER "x failed: %s; %ld mappings, limit %ld\n",
		        (guint64)addr, g_strerror(err), count, limit);
	if (limit <= 0 || count < limit - 2)
		return;
	t->map_limit_hit = true;
	if (!t->error)
		g_set_error(&t->error, TPO_TRACE_ERROR, TPO_TRACE_ERROR_IO,
		            "process %d is at vm.max_map_count (%ld mappings) and tracing splits mappings "
		            "(mprotect at 0x%" G_GINT64_MODIFIER "x failed: %s); raise the limit, e.g. sysctl "
		            "vm.max_map_count=%ld; %s", p->pid, limit, (guint64)addr, g_strerror(err), limit * 2,
		            t->attached ? "detached: the program runs on untraced" : "the program was killed");
	if (t->attached) {
		if (t->stop_requested)
			*t->stop_requested = 1;
	} else {
		t->killed = true;
		kill(t->main_pid, SIGKILL);
	}
}
