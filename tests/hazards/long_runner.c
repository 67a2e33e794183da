/* long_runner.c — touches its memory a little every millisecond for up to 60 s, so tests can
 * interrupt the tracer or the program mid-run. Prints "started" at once and "done" at the end. */
#define _GNU_SOURCE
#include "hz_common.h"
#include <time.h>
#include <unistd.h>

int main(void)
{
	char *m = calloc(256, 4096);
	printf("started\n");
	fflush(stdout);
	for (int i = 0; i < 60000; i++) {
		for (int k = 0; k < 16; k++)
			m[((i * 16 + k) % 256) * 4096]++;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	printf("done\n");
	return 0;
}
