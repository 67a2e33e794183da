/* threads_running.c — worker threads are running (not created anew) when the tracer attaches. */
#include "tg.h"
#include <pthread.h>
#include <stdatomic.h>
static char *a;
static atomic_int phase;
static void *work(void *arg)
{
	long id = (long)arg;
	long n = 0;
	while (atomic_load(&phase) < 2) {
		a[(id * 100 + n % 100) * 4096] += 1;
		n++;
	}
	return NULL;
}
int main(void)
{
	a = calloc(400, 4096);
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, work, (void *)i);
	tg_sync(1);
	atomic_store(&phase, 1);
	tg_sync(2);
	atomic_store(&phase, 2);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("joined 4 threads\n");
	return 0;
}
