/* fork_exec.c — fork (the child touches inherited traced memory and must not notice our
 * protections), vfork+exec, and exec of a new image that is traced in turn. */
#define _GNU_SOURCE
#include "hz_common.h"
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child-image")) {
		char *m = calloc(32, PG);
		for (int i = 0; i < 32; i++)
			m[i * PG] = (char)i;
		printf("exec'd image sum %llu\n", (unsigned long long)hz_sum(m, 32 * PG));
		return 7;
	}
	char *heap = calloc(64, PG);
	for (int i = 0; i < 64; i++)
		heap[i * PG] = (char)(i + 1);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		long s = 0;
		for (int i = 0; i < 64; i++)
			s += heap[i * PG]++;
		char *more = malloc(10 * PG);
		memset(more, 2, 10 * PG);
		printf("fork child sum %ld\n", s);
		_exit(5);
	}
	int st;
	waitpid(c, &st, 0);
	printf("fork child exit %d parent sum %llu\n", WEXITSTATUS(st), (unsigned long long)hz_sum(heap, 64 * PG));
	fflush(stdout);
	pid_t v = vfork();
	if (v == 0) {
		execl("/bin/echo", "echo", "vfork+exec child", (char *)NULL);
		_exit(127);
	}
	waitpid(v, &st, 0);
	printf("vfork child exit %d\n", WEXITSTATUS(st));
	fflush(stdout);
	execl("/proc/self/exe", argv[0], "child-image", (char *)NULL);
	return 1;
}
