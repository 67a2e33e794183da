/* cpuload.c — the least busy CPU this process may run on, from two samples of the per-CPU idle
 * time in /proc/stat and of the tasks queued on each (/proc/PID/task/TID/stat): 3po-run pins the tracer and the program there, so that a CPU busy with other
 * work does not multiply the cost of every ptrace stop. */
#define _GNU_SOURCE
#include "cpuload.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int tpo_cpuload_parse(const char *stat, uint64_t *idle, int max)
{
	for (int c = 0; c < max; c++)
		idle[c] = UINT64_MAX;
	int lines = 0;
	for (const char *l = stat; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, "cpu", 3) != 0 || l[3] < '0' || l[3] > '9')
			continue;
		char *end;
		long cpu = strtol(l + 3, &end, 10);
		/* user nice system idle iowait ... */
		unsigned long long f[5];
		if (sscanf(end, " %llu %llu %llu %llu %llu", &f[0], &f[1], &f[2], &f[3], &f[4]) != 5)
			continue;
		lines++;
		if (cpu >= 0 && cpu < max)
			idle[cpu] = f[3] + f[4];
	}
	return lines;
}

int tpo_cpuload_pick_queued(const unsigned *runnable, const uint64_t *before, const uint64_t *after, int n,
                            const cpu_set_t *allowed, int current)
{
	int best = -1;
	uint64_t best_idle = 0;
	unsigned best_q = 0;
	for (int c = 0; c < n && c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, allowed) || before[c] == UINT64_MAX || after[c] == UINT64_MAX || after[c] < before[c])
			continue;
		uint64_t idle = after[c] - before[c];
		unsigned q = runnable ? runnable[c] : 0;
		bool better = best < 0 || q < best_q ||
		              (q == best_q && (idle > best_idle || (idle == best_idle && c == current)));
		if (better) {
			best = c;
			best_idle = idle;
			best_q = q;
		}
	}
	return best;
}

int tpo_cpuload_pick(const uint64_t *before, const uint64_t *after, int n, const cpu_set_t *allowed, int current)
{
	return tpo_cpuload_pick_queued(NULL, before, after, n, allowed, current);
}

bool tpo_cpuload_runnable(unsigned *runnable, int max)
{
	DIR *procs = opendir("/proc");
	if (!procs)
		return false;
	int self = getpid();
	struct dirent *pe;
	while ((pe = readdir(procs))) {
		int pid = atoi(pe->d_name);
		if (pid <= 0 || pid == self)
			continue;
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/task", pid);
		DIR *tasks = opendir(path);
		if (!tasks)
			continue;
		struct dirent *te;
		while ((te = readdir(tasks))) {
			int tid = atoi(te->d_name);
			if (tid <= 0)
				continue;
			char buf[1024];
			snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, tid);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			ssize_t n = read(fd, buf, sizeof buf - 1);
			close(fd);
			if (n <= 0)
				continue;
			buf[n] = 0;
			char *p = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
			if (!p || p[1] != ' ' || p[2] != 'R')
				continue;
			/* after the name: field 3 (state) ... field 39 (processor) */
			int field = 3;
			for (p += 2; *p && field < 39; p++)
				if (*p == ' ')
					field++;
			long cpu = strtol(p, NULL, 10);
			if (field == 39 && cpu >= 0 && cpu < max)
				runnable[cpu]++;
		}
		closedir(tasks);
	}
	closedir(procs);
	return true;
}

static char *read_stat(void)
{
	FILE *f = fopen("/proc/stat", "re");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		len += fread(buf + len, 1, cap - 1 - len, f);
		if (len < cap - 1 || feof(f) || ferror(f))
			break;
		char *bigger = realloc(buf, cap * 2);
		if (!bigger) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = bigger;
		cap *= 2;
	}
	fclose(f);
	if (buf)
		buf[len] = 0;
	return buf;
}

int tpo_cpuload_least_busy(int ms)
{
	cpu_set_t allowed;
	int now = sched_getcpu();
	if (sched_getaffinity(0, sizeof allowed, &allowed) < 0)
		return -1;
	if (CPU_COUNT(&allowed) == 1 && now >= 0 && CPU_ISSET(now, &allowed))
		return now; /* nothing to choose */
	static uint64_t before[CPU_SETSIZE], after[CPU_SETSIZE];
	static unsigned runnable[CPU_SETSIZE];
	memset(runnable, 0, sizeof runnable);
	bool queued = true;
	char *a = read_stat();
	for (int i = 0; a && i < 5; i++) {
		struct timespec d = {.tv_sec = ms / 5000, .tv_nsec = (long)(ms % 5000) * 200000};
		nanosleep(&d, NULL);
		queued = tpo_cpuload_runnable(runnable, CPU_SETSIZE) && queued;
	}
	char *b = a ? read_stat() : NULL;
	int pick = -1;
	if (a && b) {
		tpo_cpuload_parse(a, before, CPU_SETSIZE);
		tpo_cpuload_parse(b, after, CPU_SETSIZE);
		pick = tpo_cpuload_pick_queued(queued ? runnable : NULL, before, after, CPU_SETSIZE, &allowed, now);
	}
	free(a);
	free(b);
	if (pick >= 0)
		return pick;
	if (now >= 0 && now < CPU_SETSIZE && CPU_ISSET(now, &allowed))
		return now;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &allowed))
			return c;
	return -1;
}
