/* exit_from_thread.c — a non-main thread ends the process with exit(9) while the main thread
 * sweeps traced memory. */
#include "tg.h"
#include <pthread.h>
static char *a;
static void *ender(void *arg)
{
	(void)arg;
	tg_touch(a, 64, 1);
	tg_sync(2);
	printf("thread exits the process\n");
	fflush(stdout);
	exit(9);
}
int main(void)
{
	a = calloc(128, 4096);
	tg_sync(1);
	pthread_t t;
	pthread_create(&t, NULL, ender, NULL);
	for (;;)
		tg_touch(a + 64 * 4096, 64, 1);
}
