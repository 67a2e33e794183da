/* altstack.c — an alternate signal stack in heap memory: the kernel writes signal frames there,
 * so those pages must stay open. Also abort() at the end: death by SIGABRT (status 134). */
#include "hz_common.h"
#include <signal.h>
#include <unistd.h>

static volatile int depth_ok;

static void on_usr1(int sig)
{
	(void)sig;
	char local[256];
	memset(local, 1, sizeof local);
	depth_ok += local[10];
}

int main(int argc, char **argv)
{
	(void)argv;
	stack_t ss = {.ss_sp = malloc(64 * 1024), .ss_size = 64 * 1024, .ss_flags = 0};
	sigaltstack(&ss, NULL);
	struct sigaction sa = {0};
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	for (int i = 0; i < 10; i++)
		raise(SIGUSR1);
	printf("handled on heap stack %d\n", depth_ok);
	fflush(stdout);
	if (argc > 1)
		abort();
	return 0;
}
