/* thread_churn.c — threads start and exit while the tracer attaches and detaches. */
#include "tg.h"
#include <pthread.h>
static char *a;
static void *work(void *arg)
{
	long id = (long)arg;
	for (int r = 0; r < 3; r++)
		for (long i = id * 64; i < (id + 1) * 64; i++)
			a[i * 4096] += (char)(r + 1);
	return NULL;
}
static void round_of(int n)
{
	pthread_t t[8];
	for (long i = 0; i < n; i++)
		pthread_create(&t[i], NULL, work, (void *)i);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}
int main(void)
{
	a = calloc(8 * 64, 4096);
	round_of(4);
	tg_sync(1);
	for (int k = 0; k < 5; k++)
		round_of(8);
	tg_sync(2);
	round_of(2);
	printf("sum %016llx\n", (unsigned long long)tg_sum(a, 8 * 64 * 4096));
	return 0;
}
