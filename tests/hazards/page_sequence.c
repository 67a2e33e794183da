/* page_sequence.c — touches the pages of one array in a known order and prints the array's
 * address and that order, so a test can check the trace records exactly this sequence. */
#include "hz_common.h"
#include <stdint.h>

#define PG 4096
#define NP 64

int main(void)
{
	char *a = aligned_alloc(PG, NP * PG);
	static const int order[] = {0, 1, 2, 3, 10, 3, 3, 40, 41, 0, 63, 62, 5, 5, 5, 6, 20, 21, 20, 21, 1};
	size_t n = sizeof order / sizeof order[0];
	printf("base %#lx pages %d\n", (unsigned long)(uintptr_t)a, NP);
	fflush(stdout);
	for (size_t i = 0; i < n; i++)
		a[(size_t)order[i] * PG + 8] = (char)i;
	for (size_t i = 0; i < n; i++)
		printf("%d\n", order[i]);
	return 0;
}
