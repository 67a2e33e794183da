/* condvar.c — producer and consumer threads on a mutex and condition variable in traced memory. */
#include "tg.h"
#include <pthread.h>
struct q { pthread_mutex_t m; pthread_cond_t c; int items[64]; int n, done; };
static struct q *q;
static void *consumer(void *arg)
{
	long *sum = arg;
	for (;;) {
		pthread_mutex_lock(&q->m);
		while (!q->n && !q->done)
			pthread_cond_wait(&q->c, &q->m);
		if (!q->n && q->done) {
			pthread_mutex_unlock(&q->m);
			return NULL;
		}
		*sum += q->items[--q->n];
		pthread_mutex_unlock(&q->m);
	}
}
int main(void)
{
	q = calloc(1, sizeof *q);
	pthread_mutex_init(&q->m, NULL);
	pthread_cond_init(&q->c, NULL);
	long sum = 0;
	pthread_t t;
	pthread_create(&t, NULL, consumer, &sum);
	tg_sync(1);
	for (int i = 1; i <= 3000; i++) {
		pthread_mutex_lock(&q->m);
		while (q->n == 64) {
			pthread_mutex_unlock(&q->m);
			usleep(10);
			pthread_mutex_lock(&q->m);
		}
		q->items[q->n++] = i;
		pthread_cond_signal(&q->c);
		pthread_mutex_unlock(&q->m);
		if (i == 1500)
			tg_sync(2);
	}
	pthread_mutex_lock(&q->m);
	q->done = 1;
	pthread_cond_broadcast(&q->c);
	pthread_mutex_unlock(&q->m);
	pthread_join(t, NULL);
	printf("sum %ld\n", sum);
	return 0;
}
