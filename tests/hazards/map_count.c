/* map_count.c — a program at vm.max_map_count: it fills its address space with one-page
 * mappings (a gap between each) until it has exactly the limit, less argv[1] (default 0), then
 * writes every page three times and prints a checksum. Untraced it runs fine; a tracer that
 * splits a mapping cannot. With argv[2] "wait" it waits for a byte on stdin once full (so a test
 * can attach), after saying "full" on stderr. */
#define _GNU_SOURCE
#include "hz_common.h"
#include <sys/mman.h>
#include <unistd.h>

static long count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	HZ_CHECK(f);
	long n = 0;
	int c;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n - 1; /* [vsyscall] is listed but is not a mapping of ours */
}

int main(int argc, char **argv)
{
	long margin = argc > 1 ? atol(argv[1]) : 0;
	long limit = 0;
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	HZ_CHECK(f && fscanf(f, "%ld", &limit) == 1);
	fclose(f);
	long n = limit - count_maps() - margin;
	HZ_CHECK(n > 1000);
	/* one mapping of 2n pages, then every odd page unmapped: n one-page mappings */
	char *base = mmap(NULL, (size_t)(2 * n) * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	HZ_CHECK(base != MAP_FAILED);
	for (long i = n - 1; i >= 0; i--)
		HZ_CHECK(munmap(base + (2 * i + 1) * 4096, 4096) == 0);
	if (argc > 2 && !strcmp(argv[2], "wait")) {
		char c;
		fprintf(stderr, "full\n");
		HZ_CHECK(read(0, &c, 1) == 1);
	}
	uint64_t sum = 0;
	for (int r = 0; r < 3; r++)
		for (long i = 0; i < n; i++)
			base[2 * i * 4096 + r] = (char)(i * 7 + r);
	for (long i = 0; i < n; i++)
		sum = sum * 31 + hz_sum(base + 2 * i * 4096, 3);
	printf("%ld mappings written, sum %016llx\n", n, (unsigned long long)sum);
	return 0;
}
