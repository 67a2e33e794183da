/* brk_churn.c — the program moves its break up and down while touching the heap. */
#include "tg.h"
int main(void)
{
	char *b0 = sbrk(0);
	tg_sync(1);
	long s = 0;
	for (int k = 1; k <= 20; k++) {
		TG_CHECK(sbrk(k * 4096) != (void *)-1);
		for (int i = 0; i < k; i++)
			b0[i * 4096] = (char)(i + k);
		for (int i = 0; i < k; i++)
			s += b0[i * 4096];
		TG_CHECK(sbrk(-(k / 2) * 4096) != (void *)-1);
		if (k == 10)
			tg_sync(2);
		TG_CHECK(sbrk(0) == b0 + (k - k / 2) * 4096);
		TG_CHECK(sbrk(-(k - k / 2) * 4096) != (void *)-1);
	}
	printf("sum %ld\n", s);
	return 0;
}
