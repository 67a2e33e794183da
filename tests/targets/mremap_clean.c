/* mremap_clean.c — a region read back after its pages went far (under the runtime they come back
 * mapped clean, write-protected), moved elsewhere by mremap, written, and pushed far again by a
 * sweep over a second region: the writes must survive. */
#define _GNU_SOURCE
#include "tg.h"
#include <sys/mman.h>

#define N 256 /* pages of the region */
#define M 512 /* pages of the sweeper: more than the local memory the test gives the runtime */

static void sweep(char *s)
{
	for (size_t i = 0; i < M; i++)
		s[i * 4096] += 1;
}

int main(void)
{
	char *a = mmap(NULL, N * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *s = mmap(NULL, M * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *to = mmap(NULL, 2 * N * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TG_CHECK(a != MAP_FAILED && s != MAP_FAILED && to != MAP_FAILED);
	for (size_t i = 0; i < N; i++)
		a[i * 4096] = (char)i;
	tg_sync(1);
	sweep(s);
	unsigned long before = 0;
	for (size_t i = 0; i < N; i++)
		before += (unsigned char)a[i * 4096];
	char *b = mremap(a, N * 4096, 2 * N * 4096, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	TG_CHECK(b == to);
	for (size_t i = N; i-- > 0;) /* the pages still local (read last) first */
		b[i * 4096] = (char)(i % 7 + 1);
	sweep(s);
	tg_sync(2);
	unsigned long after = 0;
	for (size_t i = 0; i < N; i++)
		after += (unsigned char)b[i * 4096];
	printf("before %lu after %lu\n", before, after);
	return 0;
}
