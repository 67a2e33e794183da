/* write_barrier.c — a garbage collector's write barrier: read-only pages opened by its own
 * SIGSEGV handler. */
#include "tg.h"
#include <signal.h>
#include <sys/mman.h>
static char *heap;
static volatile int faults;
static void on_segv(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	faults++;
	mprotect((void *)((uintptr_t)si->si_addr & ~4095ul), 4096, PROT_READ | PROT_WRITE);
}
int main(void)
{
	heap = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct sigaction sa = {0};
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	tg_sync(1);
	for (int k = 0; k < 3; k++) {
		mprotect(heap, 64 * 4096, PROT_READ);
		tg_touch(heap, 64, 1);
	}
	tg_sync(2);
	mprotect(heap, 64 * 4096, PROT_READ);
	tg_touch(heap, 64, 1);
	printf("faults %d sum %016llx\n", faults, (unsigned long long)tg_sum(heap, 64 * 4096));
	return 0;
}
