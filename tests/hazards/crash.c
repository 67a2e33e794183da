/* crash.c — a program whose own fault on unmapped memory kills it: SIGSEGV must reach it
 * exactly as untraced (exit status 139 from the shell's point of view). */
#include "hz_common.h"

int main(void)
{
	char *heap = malloc(1 << 20);
	memset(heap, 1, 1 << 20);
	printf("sum %llu\n", (unsigned long long)hz_sum(heap, 1 << 20));
	fflush(stdout);
	volatile char *bad = (char *)16;
	*bad = 1;
	return 0;
}
