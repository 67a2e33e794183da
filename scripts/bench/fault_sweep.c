/* fault_sweep.c — the tracer benchmark's target: sweeps an array page by page, R rounds, and
 * prints the sweep's time per page. With --floor it traces itself the cheapest way mprotect
 * tracing can work (an in-process SIGSEGV handler doing the microset-of-one protect/unprotect),
 * which is the floor 3po-run is compared with. A third argument T splits the sweep among T threads,
 * each sweeping its own part of the array (the time is the wall time of the whole sweep); the floor's
 * microset is then shared by the threads, as 3po-run's is. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PG 4096ul
static char *arr;
static char *open_page; /* the floor's microset of one page, for the whole process as 3po-run's */
static long faults;
static long n, rounds, nthreads;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	char *p = (char *)((uintptr_t)si->si_addr & ~(PG - 1));
	char *old = __atomic_exchange_n(&open_page, p, __ATOMIC_SEQ_CST);
	if (old && old != p)
		mprotect(old, PG, PROT_NONE); /* another thread's page: it faults on it again, as traced */
	mprotect(p, PG, PROT_READ | PROT_WRITE);
	__atomic_add_fetch(&faults, 1, __ATOMIC_RELAXED);
}

static void *sweep(void *arg)
{
	long t = (long)arg, from = n * t / nthreads, to = n * (t + 1) / nthreads, s = 0;
	for (long r = 0; r < rounds; r++)
		for (long i = from; i < to; i++)
			s += arr[i * PG]++;
	return (void *)s;
}

int main(int argc, char **argv)
{
	int floor = argc > 1 && !strcmp(argv[1], "--floor");
	n = argc > 1 + floor ? atol(argv[1 + floor]) : 4000;
	rounds = argc > 2 + floor ? atol(argv[2 + floor]) : 5;
	nthreads = argc > 3 + floor ? atol(argv[3 + floor]) : 1;
	if (n < 1 || rounds < 1 || nthreads < 1 || nthreads > 64) {
		fprintf(stderr, "usage: fault_sweep [--floor] [PAGES [ROUNDS [THREADS]]]\n");
		return 2;
	}
	arr = mmap(NULL, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(arr, 1, n * PG);
	if (floor) {
		struct sigaction sa = {0};
		sa.sa_sigaction = on_segv;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, NULL);
		mprotect(arr, n * PG, PROT_NONE);
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	long s = 0;
	pthread_t th[64];
	for (long t = 1; t < nthreads; t++)
		pthread_create(&th[t], NULL, sweep, (void *)t);
	s += (long)sweep(0);
	for (long t = 1; t < nthreads; t++) {
		void *r;
		pthread_join(th[t], &r);
		s += (long)r;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3;
	printf("pages %ld us_per_page %.3f sum %ld faults %ld\n", n * rounds, us / (double)(n * rounds), s, faults);
	return 0;
}
