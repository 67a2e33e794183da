/* fork_loop.c — forks again and again while its pages move: each round writes a stretch of a
 * large region (so pages are fetched, prefetched and evicted around the fork), forks a child
 * that sums the whole region and compares with the sum its parent had at the fork, and waits for
 * it. usage: fork_loop PAGES ROUNDS  (ROUNDS 0: forever; prints the final sum, exits 1 on a
 * mismatch) */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t sum(const uint8_t *a, size_t n)
{
	uint64_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = s * 31 + a[i * 4096] + a[i * 4096 + 2048];
	return s;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 2048;
	long rounds = argc > 2 ? strtol(argv[2], NULL, 0) : 20;
	uint8_t *a = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return 2;
	for (long r = 0; rounds == 0 || r < rounds; r++) {
		size_t from = (size_t)(r * 97) % n;
		for (size_t k = 0; k < n / 2; k++) {
			size_t i = (from + k) % n;
			a[i * 4096] += (uint8_t)(r + 1);
			a[i * 4096 + 2048] ^= (uint8_t)(i + r);
		}
		uint64_t want = sum(a, n);
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0)
			_exit(sum(a, n) == want ? 0 : 1);
		int st;
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			printf("round %ld: the child's copy differs from the parent's memory at the fork\n", r);
			return 1;
		}
	}
	printf("sum %llu\n", (unsigned long long)sum(a, n));
	return 0;
}
