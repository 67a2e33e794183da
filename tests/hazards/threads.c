/* threads.c — several threads, all traced: each sweeps its own part of a shared array and adds
 * into a mutex-protected total (futexes on traced pages); threads are created and joined twice. */
#include "hz_common.h"
#include <pthread.h>

#define PG 4096
#define T 4
#define PAGES 512
static char *data;
static long total;
static pthread_mutex_t *lock;

static void *work(void *arg)
{
	long id = (long)arg, s = 0;
	for (int r = 0; r < 3; r++)
		for (long i = id * PAGES / T; i < (id + 1) * PAGES / T; i++) {
			data[i * PG] += (char)(i + r);
			s += data[i * PG];
		}
	pthread_mutex_lock(lock);
	total += s;
	pthread_mutex_unlock(lock);
	return NULL;
}

int main(void)
{
	data = calloc(PAGES, PG);
	lock = malloc(sizeof *lock);
	pthread_mutex_init(lock, NULL);
	for (int round = 0; round < 2; round++) {
		pthread_t th[T];
		for (long i = 0; i < T; i++)
			HZ_CHECK(pthread_create(&th[i], NULL, work, (void *)i) == 0);
		for (int i = 0; i < T; i++)
			pthread_join(th[i], NULL);
		printf("round %d total %ld\n", round, total);
	}
	return 0;
}
