/* long_runner.c — touches its memory a little every millisecond for up to 60 s (or argv[1] ms), so
 * tests can interrupt or attach to it mid-run. Prints "started" at once, a checksum and "done". */
#define _GNU_SOURCE
#include "hz_common.h"
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 60000;
	char *m = calloc(256, 4096);
	printf("started\n");
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < 16; k++)
			m[((i * 16 + k) % 256) * 4096]++;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	printf("sum %llu\ndone\n", (unsigned long long)hz_sum(m, 256 * 4096));
	return 0;
}
