/* madvise_dontneed.c — MADV_DONTNEED on traced pages: they read back as zeros, as untraced. */
#include "tg.h"
#include <sys/mman.h>
int main(void)
{
	char *a = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tg_touch(a, 64, 5);
	tg_sync(1);
	for (int k = 0; k < 4; k++) {
		TG_CHECK(madvise(a + 16 * 4096, 16 * 4096, MADV_DONTNEED) == 0);
		tg_touch(a, 64, 1);
	}
	tg_sync(2);
	printf("sum %016llx\n", (unsigned long long)tg_sum(a, 64 * 4096));
	return 0;
}
