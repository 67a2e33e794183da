/* sleep_eintr.c — nanosleep interrupted by a timer signal, resumed with the remaining time held
 * in traced memory. */
#include "tg.h"
#include <errno.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>
static volatile sig_atomic_t ticks;
static void on_alarm(int s) { (void)s; ticks++; }
int main(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct timespec *req = malloc(2 * sizeof *req);
	tg_sync(1);
	struct itimerval it = {{0, 20000}, {0, 20000}};
	setitimer(ITIMER_REAL, &it, NULL);
	int interrupted = 0;
	req[0] = (struct timespec){0, 300000000};
	while (nanosleep(&req[0], &req[1]) < 0 && errno == EINTR) {
		interrupted = 1;
		req[0] = req[1];
	}
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	tg_sync(2);
	printf("interrupted %d ticks>0 %d\n", interrupted, ticks > 0);
	return 0;
}
