/* fork_cost.c — the time of one fork() with a large region in use: allocates MIB mebibytes,
 * writes every page, forks a child that exits at once, and prints how long fork() took in the
 * parent (clock_gettime around it). usage: fork_cost [MIB] (default 100) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
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
	char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < len; i += 4096)
		a[i] = (char)(i >> 12);
	double t0 = now();
	pid_t pid = fork();
	if (pid == 0)
		_exit(a[len - 4096] == (char)((len - 4096) >> 12) ? 0 : 1);
	double t1 = now();
	int st;
	waitpid(pid, &st, 0);
	printf("fork with %zu MiB: %.1f ms, child %s\n", mib, (t1 - t0) * 1e3,
	       WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "failed");
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
