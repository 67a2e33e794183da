/* tg.h — shared by the target corpus: a checksum, a check macro, and the two sync points at which
 * the three-ways test attaches (tg_sync(1)) and detaches (tg_sync(2)). With TG_SYNC set in the
 * environment a sync point reads one byte from stdin (a system call the program is blocked in when
 * 3po-attach arrives); without it, it does nothing. */
#ifndef TG_H
#define TG_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline uint64_t tg_sum(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

#define TG_CHECK(cond)                                                         \
	do {                                                                       \
		if (!(cond)) {                                                         \
			printf("FAILED: %s (line %d)\n", #cond, __LINE__);                 \
			exit(1);                                                           \
		}                                                                      \
	} while (0)

static inline void tg_sync(int which)
{
	if (!getenv("TG_SYNC"))
		return;
	fflush(stdout);
	char c;
	fprintf(stderr, "tg-sync %d\n", which);
	while (read(0, &c, 1) < 0)
		;
}

/* Touches n pages of p, adding k to the first byte of each. */
static inline void tg_touch(char *p, size_t n, int k)
{
	for (size_t i = 0; i < n; i++)
		p[i * 4096] += (char)k;
}
#endif
