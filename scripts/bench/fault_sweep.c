/* fault_sweep.c — the tracer benchmark's target: sweeps an array page by page, R rounds, and
 * prints the sweep's time per page. With --floor it traces itself the cheapest way mprotect
 * tracing can work (an in-process SIGSEGV handler doing the microset-of-one protect/unprotect),
 * which is the floor 3po-run is compared with. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PG 4096ul
static char *arr, *open_page;
static long faults;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	char *p = (char *)((uintptr_t)si->si_addr & ~(PG - 1));
	if (open_page)
		mprotect(open_page, PG, PROT_NONE);
	mprotect(p, PG, PROT_READ | PROT_WRITE);
	open_page = p;
	faults++;
}

int main(int argc, char **argv)
{
	int floor = argc > 1 && !strcmp(argv[1], "--floor");
	long n = argc > 1 + floor ? atol(argv[1 + floor]) : 4000;
	long rounds = argc > 2 + floor ? atol(argv[2 + floor]) : 5;
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
	for (long r = 0; r < rounds; r++)
		for (long i = 0; i < n; i++)
			s += arr[i * PG]++;
	clock_gettime(CLOCK_MONOTONIC, &b);
	double us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3;
	printf("pages %ld us_per_page %.3f sum %ld faults %ld\n", n * rounds, us / (double)(n * rounds), s, faults);
	return 0;
}
