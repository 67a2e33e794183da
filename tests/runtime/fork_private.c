/* fork_private.c — fork gives the child its own copy of a large anonymous region: the child sees
 * the parent's data as of the fork, its writes stay its own, the parent's writes after the fork
 * stay the parent's, a part the parent made read-only is read-only in the child too, and the
 * child has the fds it would have without the runtime.
 * usage: fork_private [PAGES]  (prints "ok" and exits 0, or says what differs and exits 1) */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define RO 8 /* pages made read-only at the end of the region */

static int bad;

static void check(char *a, size_t n, int k, const char *who)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char want = (unsigned char)(i * 7 + k), got = (unsigned char)a[i * 4096];
		if (i >= n - RO)
			want = (unsigned char)(i * 7); /* read-only: never written after the fill */
		if (got != want || a[i * 4096 + 100] != 1) {
			printf("%s: page %zu holds %u, want %u\n", who, i, got, want);
			bad = 1;
			return;
		}
	}
}

static void write_all(char *a, size_t n, int k)
{
	for (size_t i = 0; i < n - RO; i++)
		a[i * 4096] = (char)(i * 7 + k);
}

/* The child's mapping at a: private, and read-only in its last RO pages. */
static void check_maps(char *a, size_t n)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int seen_rw = 0, seen_ro = 0;
	unsigned long ro = (unsigned long)(a + (n - RO) * 4096);
	while (f && fgets(line, sizeof line, f)) {
		unsigned long s, e;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) != 3)
			continue;
		if (s <= (unsigned long)a && (unsigned long)a < e)
			seen_rw = !strcmp(perms, "rw-p");
		if (s <= ro && ro < e)
			seen_ro = !strcmp(perms, "r--p");
	}
	if (f)
		fclose(f);
	if (!seen_rw || !seen_ro) {
		printf("child: region not private rw-p with a read-only r--p tail in /proc/self/maps\n");
		bad = 1;
	}
}

/* The child's open fds, printed (the same with or without the runtime: none of its own). */
static void print_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	printf("child has %d fds open\n", n - 1); /* less the directory's own */
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1024;
	char *a = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || n <= RO)
		return 2;
	for (size_t i = 0; i < n; i++) {
		a[i * 4096] = (char)(i * 7);
		a[i * 4096 + 100] = 1;
	}
	mprotect(a + (n - RO) * 4096, RO * 4096, PROT_READ);
	int up[2], down[2];
	if (pipe(up) < 0 || pipe(down) < 0)
		return 2;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	char c = 0;
	if (pid == 0) {
		check(a, n, 0, "child before its writes");
		check_maps(a, n);
		print_fds();
		write_all(a, n, 1);
		if (write(up[1], "w", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(2);
		check(a, n, 1, "child after the parent's writes");
		fflush(stdout);
		_exit(bad);
	}
	if (read(up[0], &c, 1) != 1)
		return 2;
	check(a, n, 0, "parent after the child's writes");
	write_all(a, n, 2);
	if (write(down[1], "w", 1) != 1)
		return 2;
	int st;
	waitpid(pid, &st, 0);
	check(a, n, 2, "parent at the end");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("child failed (status %#x)\n", st);
		bad = 1;
	}
	if (!bad)
		printf("ok\n");
	return bad;
}
