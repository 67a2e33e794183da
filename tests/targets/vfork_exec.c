/* vfork_exec.c — vfork + exec while traced: the child shares the traced memory until it execs. */
#include "tg.h"
#include <sys/wait.h>
int main(void)
{
	char *a = calloc(64, 4096);
	tg_touch(a, 64, 1);
	tg_sync(1);
	for (int k = 0; k < 3; k++) {
		fflush(stdout);
		pid_t v = vfork();
		if (v == 0) {
			execl("/bin/echo", "echo", "child", (char *)NULL);
			_exit(127);
		}
		int st;
		waitpid(v, &st, 0);
		tg_touch(a, 64, k);
		printf("vfork child %d exit %d\n", k, WEXITSTATUS(st));
	}
	tg_sync(2);
	printf("sum %016llx\n", (unsigned long long)tg_sum(a, 64 * 4096));
	return 0;
}
