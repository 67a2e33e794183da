/* mmap_fixed.c — MAP_FIXED over part of a traced mapping: the new pages read as zeros. */
#include "tg.h"
#include <sys/mman.h>
int main(void)
{
	char *a = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tg_touch(a, 64, 7);
	tg_sync(1);
	for (int k = 0; k < 4; k++) {
		char *b = mmap(a + 16 * 4096, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		TG_CHECK(b == a + 16 * 4096);
		tg_touch(a, 64, 1);
	}
	tg_sync(2);
	printf("sum %016llx\n", (unsigned long long)tg_sum(a, 64 * 4096));
	return 0;
}
