/* page_sequence.c — touches the pages of one array in a known order and prints the array's
 * address and that order, so a test can check the trace records exactly the sequence the
 * microset algorithm gives. Before the touches it empties the tracer's microset whatever its
 * size (up to 64 pages): it touches every page of a 64-page mapping R, which leaves only pages of
 * R open (the microset fills and is flushed at least once, or R's pages are all it holds), then
 * unmaps R, which drops them. Between that and the touches nothing else traced is touched: the
 * munmap is a raw system call, as a call through the PLT would read the GOT (a traced page). */
#include "hz_common.h"
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define PG 4096
#define NP 64

static long raw_munmap(volatile void *p, size_t n)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_munmap), "D"(p), "S"(n) : "rcx", "r11", "memory");
	return r;
}

int main(void)
{
	char *a = aligned_alloc(PG, NP * PG);
	static const int order[] = {0, 1, 2, 3, 10, 3, 3, 40, 41, 0, 63, 62, 5, 5, 5, 6, 20, 21, 20, 21, 1};
	size_t n = sizeof order / sizeof order[0];
	printf("base %#lx pages %d\n", (unsigned long)(uintptr_t)a, NP);
	fflush(stdout);
	volatile char *r = mmap(NULL, NP * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	HZ_CHECK(r != MAP_FAILED);
	for (size_t i = 0; i < NP; i++)
		r[i * PG] = 1;
	long unmapped = raw_munmap(r, NP * PG);
	for (size_t i = 0; i < n; i++)
		a[(size_t)order[i] * PG + 8] = (char)i;
	HZ_CHECK(unmapped == 0);
	for (size_t i = 0; i < n; i++)
		printf("%d\n", order[i]);
	return 0;
}
