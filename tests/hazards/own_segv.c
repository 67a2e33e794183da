/* own_segv.c — a program with its own SIGSEGV handler (as a garbage collector's write barrier):
 * it protects pages itself and opens them in the handler. The tracer must deliver these faults
 * untouched, and still trace everything else. */
#define _GNU_SOURCE
#include "hz_common.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096
static char *arena;
static volatile int handled;
static sigjmp_buf jb;
static volatile int jump_mode;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	char *a = si->si_addr;
	handled++;
	if (jump_mode)
		siglongjmp(jb, 1);
	if (a >= arena && a < arena + 16 * PG)
		mprotect((void *)((uintptr_t)a & ~(uintptr_t)(PG - 1)), PG, PROT_READ | PROT_WRITE);
	else
		_exit(99);
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	arena = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 16; i++)
		arena[i * PG] = 1;
	mprotect(arena, 16 * PG, PROT_READ); /* write barrier on */
	for (int i = 0; i < 16; i++)
		arena[i * PG] += (char)i; /* each write faults once */
	printf("write barrier faults %d\n", handled);
	mprotect(arena, 16 * PG, PROT_NONE);
	for (int i = 0; i < 16; i++)
		arena[i * PG] += 1; /* each access faults, handler opens */
	printf("protect-none faults %d\n", handled);
	jump_mode = 1;
	char *none = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!sigsetjmp(jb, 1))
		none[0] = 1;
	printf("longjmp out of handler, faults %d\n", handled);
	long s = 0;
	for (int i = 0; i < 16; i++)
		s += arena[i * PG];
	printf("sum %ld\n", s);
	return 0;
}
