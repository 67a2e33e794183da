/* segv_own.c — the program's own crash on a null pointer while traced pages are around. */
#include "tg.h"
int main(void)
{
	char *a = calloc(32, 4096);
	tg_sync(1);
	tg_touch(a, 32, 1);
	tg_sync(2);
	printf("crashing\n");
	fflush(stdout);
	volatile char *bad = NULL;
	*bad = 1;
	return 0;
}
