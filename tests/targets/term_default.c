/* term_default.c — SIGTERM with the default action kills it (status 143). */
#include "tg.h"
#include <signal.h>
int main(void)
{
	char *a = calloc(64, 4096);
	tg_sync(1);
	tg_touch(a, 64, 1);
	tg_sync(2);
	printf("sum %016llx\n", (unsigned long long)tg_sum(a, 64 * 4096));
	fflush(stdout);
	raise(SIGTERM);
	return 0;
}
