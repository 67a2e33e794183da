/* fork_cost.c — the time of one fork() with a large region in use: allocates MIB mebibytes,
 * writes every page, forks a child that either reads the last page and exits (touch), exits at
 * once (exit), execs /bin/true at once (exec), execs "true" through a PATH whose first entries
 * fail (execp), or forks a grandchild that reads the last page and exits with its status (nest),
 * and prints how long fork() took in the parent
 * (clock_gettime around it) and the child's peak resident memory as the kernel reports it
 * (wait4's ru_maxrss, which an exec keeps). usage: fork_cost [MIB] [touch|exit|exec|execp|nest]
 * (default 100 touch) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 100, len = mib << 20;
	const char *mode = argc > 2 ? argv[2] : "touch";
	if (strcmp(mode, "touch") && strcmp(mode, "exit") && strcmp(mode, "exec") && strcmp(mode, "execp") &&
	    strcmp(mode, "nest")) {
		fprintf(stderr, "usage: fork_cost [MIB] [touch|exit|exec|execp|nest]\n");
		return 2;
	}
	if (!strcmp(mode, "execp"))
		setenv("PATH", "/nonexistent/a:/nonexistent/b:/bin:/usr/bin", 1);
	char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < len; i += 4096)
		a[i] = (char)(i >> 12);
	char *const targv[] = {"true", NULL};
	double t0 = now();
	pid_t pid = fork();
	if (pid == 0) {
		if (!strcmp(mode, "exit"))
			_exit(0);
		if (!strcmp(mode, "exec"))
			execv("/bin/true", targv);
		if (!strcmp(mode, "execp"))
			execvp("true", targv);
		if (!strcmp(mode, "nest")) {
			pid_t g = fork();
			if (g == 0)
				_exit(a[len - 4096] == (char)((len - 4096) >> 12) ? 0 : 1);
			int gst;
			_exit(waitpid(g, &gst, 0) == g && WIFEXITED(gst) ? WEXITSTATUS(gst) : 1);
		}
		_exit(a[len - 4096] == (char)((len - 4096) >> 12) ? 0 : 1);
	}
	double t1 = now();
	int st;
	struct rusage ru;
	wait4(pid, &st, 0, &ru);
	int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	printf("fork with %zu MiB, child %s: %.1f ms, child peak rss %ld MiB, child %s\n", mib, mode,
	       (t1 - t0) * 1e3, ru.ru_maxrss / 1024, ok ? "ok" : "failed");
	return ok ? 0 : 1;
}
