/* fill_trace.c — makes a long trace (64 pages touched round-robin, 2000 rounds: 128,000 changes of
 * page), prints "touched", waits for a byte on stdin, touches every page again, prints a checksum
 * and exits with 3; so a test can look at it from outside after the trace stopped being written. */
#include "hz_common.h"
#include <unistd.h>

#define PG 4096
#define NP 64

int main(void)
{
	char *a = aligned_alloc(PG, NP * PG);
	HZ_CHECK(a);
	memset(a, 0, NP * PG);
	for (int r = 0; r < 2000; r++)
		for (int i = 0; i < NP; i++)
			a[(size_t)i * PG + (size_t)r % PG] += (char)(r + i);
	printf("touched\n");
	fflush(stdout);
	char c;
	HZ_CHECK(read(0, &c, 1) == 1);
	for (int i = 0; i < NP; i++)
		a[(size_t)i * PG + 1] ^= c;
	printf("sum %016llx\ndone\n", (unsigned long long)hz_sum(a, NP * PG));
	return 3;
}
