/* sigwait_heap.c — sigtimedwait with its signal set and siginfo in traced memory. */
#include "tg.h"
#include <signal.h>
int main(void)
{
	sigset_t *set = malloc(sizeof *set);
	siginfo_t *si = malloc(sizeof *si);
	sigemptyset(set);
	sigaddset(set, SIGUSR2);
	sigprocmask(SIG_BLOCK, set, NULL);
	tg_sync(1);
	int got = 0;
	for (int k = 0; k < 10; k++) {
		kill(getpid(), SIGUSR2);
		struct timespec ts = {1, 0};
		if (sigtimedwait(set, si, &ts) == SIGUSR2 && si->si_pid == getpid())
			got++;
		if (k == 5)
			tg_sync(2);
	}
	printf("got %d\n", got);
	return 0;
}
