/* segv_blocked.c — the program blocks SIGSEGV and has a handler: our faults while it is blocked
 * make the kernel reset the handler; the program must still see its own handler work later. */
#include "tg.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
static sigjmp_buf jb;
static volatile int caught;
static void on_segv(int s) { (void)s; caught++; siglongjmp(jb, 1); }
int main(void)
{
	char *a = calloc(64, 4096);
	signal(SIGSEGV, on_segv);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGSEGV);
	tg_sync(1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	tg_touch(a, 64, 3); /* traced faults while SIGSEGV is blocked */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!sigsetjmp(jb, 1))
		none[0] = 1; /* the program's own fault: its handler must run */
	tg_sync(2);
	printf("caught %d sum %016llx\n", caught, (unsigned long long)tg_sum(a, 64 * 4096));
	return 0;
}
