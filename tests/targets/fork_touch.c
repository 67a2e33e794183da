/* fork_touch.c — children forked while traced touch the inherited (protected) memory. */
#include "tg.h"
#include <sys/wait.h>
int main(void)
{
	char *a = calloc(128, 4096);
	tg_touch(a, 128, 1);
	tg_sync(1);
	int total = 0;
	for (int k = 0; k < 4; k++) {
		fflush(stdout);
		pid_t c = fork();
		if (c == 0) {
			tg_touch(a, 128, 2);
			_exit((int)(tg_sum(a, 128 * 4096) & 0x7f));
		}
		int st;
		waitpid(c, &st, 0);
		total += WEXITSTATUS(st);
		tg_touch(a, 128, 1);
	}
	tg_sync(2);
	printf("children %d sum %016llx\n", total, (unsigned long long)tg_sum(a, 128 * 4096));
	return 0;
}
