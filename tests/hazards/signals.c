/* signals.c — signals arriving while the program sweeps traced memory (a timer), handlers that
 * touch traced memory, a signal blocked and then delivered, and death by the program's own
 * SIGTERM at the end (exit status 128+15 from a shell). */
#define _GNU_SOURCE
#include "hz_common.h"
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#define PG 4096
static char *heap;
static volatile long ticks, usr1;

static void on_alarm(int sig)
{
	(void)sig;
	heap[(ticks % 256) * PG + 1] += 1; /* a handler touching traced memory */
	ticks++;
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

int main(int argc, char **argv)
{
	(void)argv;
	heap = calloc(256, PG);
	signal(SIGALRM, on_alarm);
	signal(SIGUSR1, on_usr1);
	struct itimerval it = {{0, 2000}, {0, 2000}}; /* slow enough that a traced handler keeps up */
	setitimer(ITIMER_REAL, &it, NULL);
	long s = 0;
	while (ticks < 50)
		for (int i = 0; i < 256; i++)
			s += heap[i * PG]++;
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	kill(getpid(), SIGUSR1);
	printf("usr1 while blocked %ld\n", usr1);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("usr1 after unblock %ld\n", usr1);
	printf("ticks at least 50: %d\n", ticks >= 50);
	fflush(stdout);
	if (argc > 1)
		kill(getpid(), SIGTERM);
	return 0;
}
