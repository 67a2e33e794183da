/* signal_storm.c — a thread sends SIGUSR1 to the sweeping main thread again and again, so signals
 * arrive while faults are being handled. */
#include "tg.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
static volatile sig_atomic_t got;
static atomic_int stop;
static pthread_t main_thread;
static void on_usr1(int s) { (void)s; got = 1; }
static void *storm(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		pthread_kill(main_thread, SIGUSR1);
		usleep(100);
	}
	return NULL;
}
int main(void)
{
	char *a = calloc(256, 4096);
	signal(SIGUSR1, on_usr1);
	main_thread = pthread_self();
	pthread_t t;
	pthread_create(&t, NULL, storm, NULL);
	tg_sync(1);
	for (int r = 0; r < 20; r++)
		tg_touch(a, 256, r);
	tg_sync(2);
	while (!got) /* at least one signal, however fast the sweep */
		usleep(100);
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("signals seen %d sum %016llx\n", (int)got, (unsigned long long)tg_sum(a, 256 * 4096));
	return 0;
}
