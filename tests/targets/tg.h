/* tg.h — shared by the target corpus: the hazards' checksum and check macro, and the two sync points at which
 * the three-ways test attaches (tg_sync(1)) and detaches (tg_sync(2)). With TG_SYNC set in the
 * environment a sync point reads one byte from stdin (a system call the program is blocked in when
 * 3po-attach arrives); without it, it does nothing. */
#ifndef TG_H
#define TG_H
#include <unistd.h>

#include "../hazards/hz_common.h"

/* hz_sum and HZ_CHECK, as the hazard programs use them */
#define tg_sum hz_sum
#define TG_CHECK HZ_CHECK

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
