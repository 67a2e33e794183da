/* altstack_heap.c — signals handled on an alternate stack that lives in the heap. */
#include "tg.h"
#include <signal.h>
static volatile int handled;
static void on_usr1(int s)
{
	(void)s;
	char local[512];
	memset(local, 1, sizeof local);
	handled += local[5];
}
int main(void)
{
	stack_t ss = {.ss_sp = malloc(64 * 1024), .ss_size = 64 * 1024};
	sigaltstack(&ss, NULL);
	struct sigaction sa = {0};
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	tg_sync(1);
	for (int i = 0; i < 20; i++)
		raise(SIGUSR1);
	tg_sync(2);
	for (int i = 0; i < 20; i++)
		raise(SIGUSR1);
	printf("handled %d\n", handled);
	return 0;
}
