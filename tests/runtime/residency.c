/* residency.c — measures from outside, as the kernel counts it, how much of a program's memory
 * is local while it runs under the runtime. Runs CMD (a 3po-run command), finds the program
 * 3po-run started (once it has exec'd) and samples about every millisecond until CMD ends:
 *   memfd_pages  pages the runtime's memfd holds (st_blocks of /proc/RUNTIME/fd/N): the managed
 *                pages that are local, mapped in the program or waiting unmapped;
 *   rss_shmem    the program's RssShmem, /proc/PID/status (the memfd pages mapped in it: it has
 *                no other shared memory);
 *   rss_anon     its RssAnon: all its anonymous memory, where managed memory that escaped the
 *                runtime would be.
 * Each is one counter read at one instant. Writes the maxima to OUT as "name value" lines and
 * exits with CMD's status. With --direct, CMD is the program itself, run without the runtime (and
 * also measured at its exit, stopped there by ptrace: a short run may see no other sample), and
 * small_anon is also measured: the anonymous pages (/proc/PID/smaps) outside its unnamed
 * private read-write mappings of at least MIN_REGION bytes, i.e. outside what the runtime
 * manages: the baseline of what the runtime leaves local.
 * usage: residency OUT MIN_REGION [--direct] CMD [ARGS...] */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MEMFD_NAME "/memfd:3po-managed-memory"

typedef struct sample {
	uint64_t memfd_pages, rss_shmem, rss_anon, small_anon; /* pages */
} sample;

static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* The first pid in /proc/PID/task/PID/children, or 0. */
static pid_t child_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", pid, pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	int c = 0;
	if (fscanf(f, "%d", &c) != 1)
		c = 0;
	fclose(f);
	return c;
}

static int same_exe(pid_t a, pid_t b)
{
	char pa[64], pb[64], la[PATH_MAX], lb[PATH_MAX];
	snprintf(pa, sizeof pa, "/proc/%d/exe", a);
	snprintf(pb, sizeof pb, "/proc/%d/exe", b);
	ssize_t na = readlink(pa, la, sizeof la - 1), nb = readlink(pb, lb, sizeof lb - 1);
	if (na < 0 || nb < 0)
		return -1;
	return na == nb && memcmp(la, lb, (size_t)na) == 0;
}

/* The runtime's memfd, as a path through /proc, or "" if not open (yet). */
static void find_memfd(pid_t rt, char *out, size_t n)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/fd", rt);
	out[0] = 0;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char p[320], l[PATH_MAX];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		ssize_t k = readlink(p, l, sizeof l - 1);
		if (k <= 0)
			continue;
		l[k] = 0;
		if (strncmp(l, MEMFD_NAME, strlen(MEMFD_NAME)) == 0) {
			snprintf(out, n, "%s", p);
			break;
		}
	}
	closedir(d);
}

static void read_status(pid_t pid, sample *s)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	uint64_t kb;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "RssShmem: %" SCNu64, &kb) == 1)
			s->rss_shmem = kb / 4;
		else if (sscanf(line, "RssAnon: %" SCNu64, &kb) == 1)
			s->rss_anon = kb / 4;
	}
	fclose(f);
}

static void read_smaps(pid_t pid, uint64_t min_region, sample *s)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%d/smaps", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	int large = 0;
	uint64_t kb;
	while (fgets(line, sizeof line, f)) {
		uint64_t lo, hi;
		char perms[8];
		int name_at = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %n", &lo, &hi, perms, &name_at) == 3) {
			const char *name = name_at ? line + name_at : "";
			large = strcmp(perms, "rw-p") == 0 && hi - lo >= min_region && (name[0] == 0 || name[0] == '\n');
			continue;
		}
		if (!large && sscanf(line, "Anonymous: %" SCNu64, &kb) == 1)
			s->small_anon += kb / 4;
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: residency OUT MIN_REGION [--direct] CMD [ARGS...]\n");
		return 2;
	}
	uint64_t min_region = strtoull(argv[2], NULL, 0);
	const char *out = argv[1];
	bool direct = strcmp(argv[3], "--direct") == 0;
	char **cmd = argv + 3 + direct;
	if (!cmd[0])
		return 2;
	pid_t rt = fork();
	if (rt < 0)
		return 1;
	if (rt == 0) {
		if (direct)
			ptrace(PTRACE_TRACEME, 0, 0, 0); /* stopped at its exec and its exit, to be measured */
		execvp(cmd[0], cmd);
		_exit(127);
	}
	signal(SIGINT, SIG_IGN);
	sample mx = {0};
	uint64_t samples = 0;
	char memfd[320] = "";
	pid_t prog = 0;
	int status = 0;
	if (direct) {
		if (waitpid(rt, &status, 0) != rt || !WIFSTOPPED(status))
			return 1;
		ptrace(PTRACE_SETOPTIONS, rt, 0, PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL);
		ptrace(PTRACE_CONT, rt, 0, 0);
		prog = rt;
	}
	struct timespec tick = {0, 1000000};
	for (;;) {
		pid_t w = waitpid(rt, &status, WNOHANG);
		if (w == rt && !WIFSTOPPED(status))
			break;
		bool at_exit = w == rt && status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8));
		if (!memfd[0])
			find_memfd(rt, memfd, sizeof memfd);
		if (!prog) {
			pid_t c = child_of(rt);
			if (c && same_exe(c, rt) == 0) /* the program, once it has exec'd */
				prog = c;
		}
		sample s = {0};
		struct stat st;
		if (memfd[0] && stat(memfd, &st) == 0)
			s.memfd_pages = (uint64_t)st.st_blocks * 512 / 4096;
		if (prog) {
			read_status(prog, &s);
			if (direct)
				read_smaps(prog, min_region, &s);
			samples++;
		}
		mx.memfd_pages = max_u64(mx.memfd_pages, s.memfd_pages);
		mx.rss_shmem = max_u64(mx.rss_shmem, s.rss_shmem);
		mx.rss_anon = max_u64(mx.rss_anon, s.rss_anon);
		mx.small_anon = max_u64(mx.small_anon, s.small_anon);
		if (w == rt) { /* a ptrace stop of the program run directly: its exit, or a signal */
			ptrace(PTRACE_CONT, rt, 0, at_exit ? 0 : WSTOPSIG(status));
			continue;
		}
		nanosleep(&tick, NULL);
	}
	FILE *o = fopen(out, "w");
	if (!o)
		return 1;
	fprintf(o, "samples %" PRIu64 "\nmemfd_pages %" PRIu64 "\nrss_shmem %" PRIu64 "\nrss_anon %" PRIu64 "\n",
	        samples, mx.memfd_pages, mx.rss_shmem, mx.rss_anon);
	if (direct)
		fprintf(o, "small_anon %" PRIu64 "\n", mx.small_anon);
	fclose(o);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
