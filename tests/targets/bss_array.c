/* bss_array.c — a big zero-initialised global array (.bss) and an initialised one (.data). */
#include "tg.h"
static char big[256 * 4096];
static long table[4096] = {1, 2, 3};
int main(void)
{
	tg_touch(big, 256, 1);
	tg_sync(1);
	for (int k = 0; k < 4; k++) {
		tg_touch(big, 256, k);
		for (int i = 0; i < 4096; i++)
			table[i] += i * k;
	}
	tg_sync(2);
	printf("sum %016llx %016llx\n", (unsigned long long)tg_sum(big, sizeof big), (unsigned long long)tg_sum(table, sizeof table));
	return 0;
}
