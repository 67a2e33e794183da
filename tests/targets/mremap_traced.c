/* mremap_traced.c — a traced array grown and moved with mremap while being touched. */
#define _GNU_SOURCE
#include "tg.h"
#include <sys/mman.h>
int main(void)
{
	size_t n = 16;
	char *a = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tg_touch(a, n, 1);
	tg_sync(1);
	for (int k = 0; k < 6; k++) {
		char *b = mremap(a, n * 4096, 2 * n * 4096, MREMAP_MAYMOVE);
		TG_CHECK(b != MAP_FAILED);
		a = b;
		n *= 2;
		tg_touch(a, n, k);
	}
	tg_sync(2);
	a = mremap(a, n * 4096, 8 * 4096, 0);
	printf("pages %zu sum %016llx\n", n, (unsigned long long)tg_sum(a, 8 * 4096));
	return 0;
}
