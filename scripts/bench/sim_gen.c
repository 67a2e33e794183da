/* sim_gen.c — writes N page addresses, one per line in hex, for the 3po-sim benchmark: reuse at
 * many distances (a hot set, a warm set, sequential sweeps of a large array, random far pages).
 * Usage: sim_gen N [SEED] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t s = 0x9e3779b97f4a7c15ull;
static inline uint64_t rnd(void)
{
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	uint64_t n = strtoull(argv[1], NULL, 10);
	if (argc > 2)
		s ^= strtoull(argv[2], NULL, 10) * 0x2545f4914f6cdd1dull;
	const uint64_t base = 0x7f0000000000ull >> 12;
	const uint64_t hot = 2048, warm = 65536, big = 1u << 20; /* pages */
	uint64_t sweep = 0;
	static char buf[1 << 16];
	size_t len = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = rnd(), page;
		unsigned k = r % 100;
		if (k < 40)
			page = base + (r >> 8) % hot;
		else if (k < 65)
			page = base + hot + (r >> 8) % warm;
		else if (k < 95)
			page = base + hot + warm + (sweep++ % big); /* sequential sweep */
		else
			page = base + hot + warm + (r >> 8) % big;
		uint64_t a = page << 12;
		char tmp[24];
		int t = 0;
		do {
			tmp[t++] = "0123456789abcdef"[a & 15];
			a >>= 4;
		} while (a);
		buf[len++] = '0';
		buf[len++] = 'x';
		while (t)
			buf[len++] = tmp[--t];
		buf[len++] = '\n';
		if (len > sizeof buf - 32) {
			fwrite(buf, 1, len, stdout);
			len = 0;
		}
	}
	fwrite(buf, 1, len, stdout);
	return 0;
}
