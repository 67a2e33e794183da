/* hz_common.h — tiny helpers shared by the hazard test programs: a checksum and a die(). */
#ifndef HZ_COMMON_H
#define HZ_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline uint64_t hz_sum(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

#define HZ_CHECK(cond)                                                        \
	do {                                                                      \
		if (!(cond)) {                                                        \
			printf("FAILED: %s (line %d)\n", #cond, __LINE__);                \
			exit(1);                                                          \
		}                                                                     \
	} while (0)

#endif
