/* own_memory.c — the program's own mprotect, munmap, mremap, madvise and brk on traced pages. */
#define _GNU_SOURCE
#include "hz_common.h"
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096

int main(void)
{
	char *m = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	HZ_CHECK(m != MAP_FAILED);
	for (int i = 0; i < 64; i++)
		m[i * PG] = (char)i;
	HZ_CHECK(mprotect(m + 8 * PG, 8 * PG, PROT_READ) == 0); /* read-only: still readable */
	long s = 0;
	for (int i = 0; i < 64; i++)
		s += m[i * PG];
	HZ_CHECK(mprotect(m + 8 * PG, 8 * PG, PROT_READ | PROT_WRITE) == 0);
	for (int i = 8; i < 16; i++)
		m[i * PG] += 1;
	printf("mprotect sum %ld\n", s);

	HZ_CHECK(munmap(m + 32 * PG, 16 * PG) == 0);
	for (int i = 0; i < 32; i++)
		s += m[i * PG];
	printf("munmap sum %ld\n", s);

	char *g = mremap(m, 32 * PG, 128 * PG, MREMAP_MAYMOVE);
	HZ_CHECK(g != MAP_FAILED);
	for (int i = 0; i < 128; i++)
		g[i * PG] += 2;
	s = 0;
	for (int i = 0; i < 128; i++)
		s += g[i * PG];
	printf("mremap grow sum %ld\n", s);
	char *h = mremap(g, 128 * PG, 16 * PG, 0);
	HZ_CHECK(h == g);
	s = 0;
	for (int i = 0; i < 16; i++)
		s += h[i * PG];
	printf("mremap shrink sum %ld\n", s);

	HZ_CHECK(madvise(h, 16 * PG, MADV_DONTNEED) == 0);
	s = 0;
	for (int i = 0; i < 16; i++)
		s += h[i * PG];
	printf("madvise dontneed sum %ld\n", s);

	char *b0 = sbrk(0);
	HZ_CHECK(sbrk(20 * PG) == b0);
	for (int i = 0; i < 20; i++)
		b0[i * PG] = (char)(i + 1);
	s = 0;
	for (int i = 0; i < 20; i++)
		s += b0[i * PG];
	HZ_CHECK(sbrk(-10 * PG) != (void *)-1);
	HZ_CHECK(sbrk(10 * PG) != (void *)-1);
	printf("brk sum %ld new page %d\n", s, b0[15 * PG]);

	/* a reservation committed later, as allocators and runtimes do */
	char *r = mmap(NULL, 32 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	HZ_CHECK(mprotect(r, 16 * PG, PROT_READ | PROT_WRITE) == 0);
	for (int i = 0; i < 16; i++)
		r[i * PG] = (char)(3 * i);
	s = 0;
	for (int i = 0; i < 16; i++)
		s += r[i * PG];
	printf("reserve/commit sum %ld\n", s);
	return 0;
}
