/* heap_sweep.c — the plainest target: sweeps a malloc'd array before, during and after tracing. */
#include "tg.h"
int main(void)
{
	char *a = calloc(512, 4096);
	tg_touch(a, 512, 1);
	tg_sync(1);
	for (int r = 0; r < 5; r++)
		tg_touch(a, 512, r);
	tg_sync(2);
	tg_touch(a, 512, 3);
	printf("sum %016llx\n", (unsigned long long)tg_sum(a, 512 * 4096));
	return 0;
}
