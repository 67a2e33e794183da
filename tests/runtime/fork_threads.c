/* fork_threads.c — forks while another thread writes: a writer stores round numbers into the
 * pages of a region in address order, again and again, so at any one instant the pages read
 * r+1, ..., r+1, r, ..., r. A forked child gets the memory of one instant, so its copy must read
 * so too (a copy made page by page while the writer runs would not). usage: fork_threads [PAGES
 * [FORKS]]; prints "ok" and exits 0, or says what it saw and exits 1. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile uint32_t *pages;
static size_t n;
static volatile int stop;

static uint32_t at(size_t k)
{
	return pages[k * 1024];
}

static void *writer(void *arg)
{
	(void)arg;
	for (uint32_t r = 1; !stop; r++)
		for (size_t k = 0; k < n; k++)
			pages[k * 1024] = r;
	return NULL;
}

/* One instant's memory: non-increasing, first and last at most one apart. */
static int consistent(void)
{
	for (size_t k = 1; k < n; k++)
		if (at(k) > at(k - 1))
			return 0;
	return at(0) - at(n - 1) <= 1;
}

int main(int argc, char **argv)
{
	n = argc > 1 ? strtoul(argv[1], NULL, 0) : 512;
	int forks = argc > 2 ? atoi(argv[2]) : 10;
	pages = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED)
		return 2;
	for (size_t k = 0; k < n; k++)
		pages[k * 1024] = 0;
	pthread_t th;
	if (pthread_create(&th, NULL, writer, NULL))
		return 2;
	int bad = 0;
	for (int f = 0; f < forks && !bad; f++) {
		while (at(n - 1) < (uint32_t)(f + 1)) /* the writer has gone round once more */
			sched_yield();
		pid_t pid = fork();
		if (pid == 0)
			_exit(consistent() ? 0 : 1);
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("fork %d: the child's copy is not the memory of one instant\n", f);
			bad = 1;
		}
	}
	stop = 1;
	pthread_join(th, NULL);
	if (!bad)
		printf("ok\n");
	return bad;
}
