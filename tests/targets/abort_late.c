/* abort_late.c — abort() after detach: death by SIGABRT (status 134). */
#include "tg.h"
int main(void)
{
	char *a = calloc(32, 4096);
	tg_sync(1);
	tg_touch(a, 32, 1);
	tg_sync(2);
	printf("aborting\n");
	fflush(stdout);
	abort();
}
