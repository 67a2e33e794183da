/* exec_from_thread.c — a non-main thread execs a new image (the kernel makes it the leader). */
#include "tg.h"
#include <pthread.h>
static char *self;
static void *execer(void *arg)
{
	(void)arg;
	fflush(stdout);
	execl(self, self, "image", (char *)NULL);
	return NULL;
}
int main(int argc, char **argv)
{
	char *a = calloc(64, 4096);
	tg_touch(a, 64, argc);
	if (argc > 1) {
		tg_sync(2);
		printf("new image sum %016llx\n", (unsigned long long)tg_sum(a, 64 * 4096));
		return 4;
	}
	self = argv[0];
	tg_sync(1);
	pthread_t t;
	pthread_create(&t, NULL, execer, NULL);
	for (;;)
		tg_touch(a, 64, 1);
}
