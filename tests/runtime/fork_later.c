/* fork_later.c — a child that neither calls the system nor touches memory for a while after the
 * fork (it spins on the clock for MS milliseconds), while its parent rewrites every page at once;
 * then the child reads every page (it must see the values of the fork, not the parent's new
 * ones) and writes them, and the parent, once the child is done, checks that it still sees its
 * own. usage: fork_later PAGES MS  (prints "ok" and exits 0, or says what differs and exits 1) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int check(const unsigned char *a, size_t n, int k, const char *who)
{
	for (size_t i = 0; i < n; i++)
		if (a[i * 4096] != (unsigned char)(i * 3 + k) || a[i * 4096 + 4095] != (unsigned char)k) {
			printf("%s: page %zu holds %u/%u, want %u/%u\n", who, i, a[i * 4096], a[i * 4096 + 4095],
			       (unsigned char)(i * 3 + k), (unsigned char)k);
			return 1;
		}
	return 0;
}

static void fill(unsigned char *a, size_t n, int k)
{
	for (size_t i = 0; i < n; i++) {
		a[i * 4096] = (unsigned char)(i * 3 + k);
		a[i * 4096 + 4095] = (unsigned char)k;
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* the vDSO: no system call */
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1024;
	double ms = argc > 2 ? strtod(argv[2], NULL) : 100;
	unsigned char *a = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return 2;
	fill(a, n, 1);
	pid_t pid = fork();
	if (pid == 0) {
		double t0 = now();
		while (now() - t0 < ms)
			;
		int bad = check(a, n, 1, "child");
		fill(a, n, 3);
		_exit(bad || check(a, n, 3, "child after its writes"));
	}
	fill(a, n, 2);
	int st;
	waitpid(pid, &st, 0);
	int bad = !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	if (bad)
		printf("child failed\n");
	bad |= check(a, n, 2, "parent");
	if (!bad)
		printf("ok\n");
	return bad;
}
