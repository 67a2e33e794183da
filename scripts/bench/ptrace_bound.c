/* ptrace_bound.c — what the kernel charges a ptrace-based mprotect tracer per fault, before any
 * tracer logic: the fault_sweep loop (4000 pages x 5 rounds, a microset of one page) traced by a
 * minimal tracer in each of the designs a ptrace tracer can have, so the tracer benchmark can say
 * how close to the floor any of them could get. Modes (one per run, printed as "MODE us_per_page X"):
 *   floor         no tracer: the program's own SIGSEGV handler does the two mprotects
 *   one-stop      the same handler in a ptraced program: every SIGSEGV still stops the thread for
 *                 the tracer (signal-delivery-stop), which resumes it with PTRACE_CONT; system calls
 *                 are not followed. The least any attached tracer pays.
 *   one-stop-info the same, the tracer also reading the siginfo and %rip it needs for the trace
 *   two-stop      an in-process handler injected by a tracer that follows system calls: the
 *                 handler runs with PTRACE_CONT and ends at an int3, where the tracer would resume
 *                 with PTRACE_SYSCALL (here PTRACE_CONT again: a lower bound)
 *   handler-syscall  the same handler with the thread resumed by PTRACE_SYSCALL throughout: each of
 *                 its system calls (two mprotects, rt_sigreturn) stops twice
 *   helper        no handler: at the SIGSEGV stop the tracer has a helper task sharing the program's
 *                 memory (clone(CLONE_VM), untraced) do the mprotects over a futex, then resumes
 *                 the thread with the signal suppressed and PTRACE_SYSCALL: one stop per fault
 * Printed: the sweep's wall time per fault and the CPU time per fault of everything involved (the
 * program, the tracer over the whole run, the helper), which the load of a shared machine moves
 * less. Run it pinned to one CPU (taskset), as 3po-run pins itself and its program. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG 4096ul
#define PAGES 4000l
#define ROUNDS 5l

static char *arr, *open_page;
static int end_with_int3;
static struct shared { /* tracer <-> helper (MAP_SHARED before the fork) */
	volatile uint32_t req, done;
	uint64_t open, close;
	double us, cpu_us;  /* the sweep's wall time per fault; the program's (and helper's) CPU */
	int helper_pid;
} *sh;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	char *p = (char *)((uintptr_t)si->si_addr & ~(PG - 1));
	if (open_page)
		mprotect(open_page, PG, PROT_NONE);
	mprotect(p, PG, PROT_READ | PROT_WRITE);
	open_page = p;
	if (end_with_int3)
		__asm__ volatile("int3");
}

static void futex(volatile uint32_t *a, int op, uint32_t v)
{
	syscall(SYS_futex, a, op, v, NULL, NULL, 0);
}

static int helper(void *unused)
{
	(void)unused;
	syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* gone with the program */
	for (uint32_t seen = 0;;) {
		while (sh->req == seen)
			futex(&sh->req, FUTEX_WAIT, seen);
		seen = sh->req;
		if (sh->close)
			syscall(SYS_mprotect, sh->close, PG, PROT_NONE);
		syscall(SYS_mprotect, sh->open, PG, PROT_READ | PROT_WRITE);
		sh->done = seen;
		futex(&sh->done, FUTEX_WAKE, 1);
	}
	return 0;
}

static double us_of(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* The sweep; sets sh->us and sh->cpu_us (per fault). */
static void sweep(void)
{
	volatile long s = 0;
	clockid_t helper_clock = CLOCK_PROCESS_CPUTIME_ID;
	if (sh->helper_pid && clock_getcpuclockid(sh->helper_pid, &helper_clock))
		helper_clock = CLOCK_PROCESS_CPUTIME_ID;
	double h0 = sh->helper_pid ? us_of(helper_clock) : 0;
	mprotect(arr, PAGES * PG, PROT_NONE);
	double w0 = us_of(CLOCK_MONOTONIC), c0 = us_of(CLOCK_PROCESS_CPUTIME_ID);
	for (long r = 0; r < ROUNDS; r++)
		for (long i = 0; i < PAGES; i++)
			s += arr[i * PG]++;
	double faults = (double)(PAGES * ROUNDS);
	sh->us = (us_of(CLOCK_MONOTONIC) - w0) / faults;
	sh->cpu_us = (us_of(CLOCK_PROCESS_CPUTIME_ID) - c0 + (sh->helper_pid ? us_of(helper_clock) - h0 : 0)) / faults;
}

/* The minimal tracer: resumes every stop as the mode says until the child exits. */
static void trace(pid_t c, const char *mode)
{
	bool use_helper = !strcmp(mode, "helper");
	bool info = use_helper || !strcmp(mode, "one-stop-info");
	long resume = use_helper || !strcmp(mode, "handler-syscall") ? PTRACE_SYSCALL : PTRACE_CONT;
	int st;
	uint64_t open = 0;
	waitpid(c, &st, 0); /* its SIGSTOP */
	double c0 = us_of(CLOCK_PROCESS_CPUTIME_ID);
	ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
	ptrace(resume, c, 0, 0);
	while (waitpid(c, &st, __WALL) == c && WIFSTOPPED(st)) {
		int sig = WSTOPSIG(st);
		if (sig == SIGSEGV && info) {
			siginfo_t si;
			ptrace(PTRACE_GETSIGINFO, c, 0, &si);
			errno = 0;
			ptrace(PTRACE_PEEKUSER, c, offsetof(struct user_regs_struct, rip), 0);
			if (use_helper) {
				sh->close = open;
				sh->open = open = (uint64_t)si.si_addr & ~(PG - 1);
				uint32_t r = sh->req + 1;
				sh->req = r;
				futex(&sh->req, FUTEX_WAKE, 1);
				for (uint32_t d; (d = sh->done) != r;)
					futex(&sh->done, FUTEX_WAIT, d);
				sig = 0; /* the fault is handled: the thread retries the access */
			}
		}
		if (sig == SIGTRAP || sig == (SIGTRAP | 0x80))
			sig = 0;
		ptrace(resume, c, 0, sig);
	}
	sh->cpu_us += (us_of(CLOCK_PROCESS_CPUTIME_ID) - c0) / (double)(PAGES * ROUNDS);
}

int main(int argc, char **argv)
{
	const char *mode = argc == 2 ? argv[1] : "";
	const char *modes[] = {"floor", "one-stop", "one-stop-info", "two-stop", "handler-syscall", "helper"};
	bool known = false;
	for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
		known |= !strcmp(mode, modes[i]);
	if (!known) {
		fprintf(stderr, "usage: ptrace_bound floor|one-stop|one-stop-info|two-stop|handler-syscall|helper\n");
		return 2;
	}
	arr = mmap(NULL, PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sh = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (arr == MAP_FAILED || sh == MAP_FAILED)
		return 1;
	memset(arr, 1, PAGES * PG);
	end_with_int3 = !strcmp(mode, "two-stop");
	if (strcmp(mode, "helper")) {
		struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER};
		sigaction(SIGSEGV, &sa, NULL);
	}
	if (strcmp(mode, "floor")) {
		pid_t c = fork();
		if (c == 0) {
			if (!strcmp(mode, "helper")) {
				size_t sz = 65536;
				char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				if (stack == MAP_FAILED || (sh->helper_pid = clone(helper, stack + sz, CLONE_VM, NULL)) < 0)
					_exit(1);
			}
			ptrace(PTRACE_TRACEME, 0, 0, 0);
			raise(SIGSTOP);
			sweep();
			_exit(0);
		}
		trace(c, mode);
	} else
		sweep();
	printf("%s us_per_page %.3f cpu_us_per_page %.3f\n", mode, sh->us, sh->cpu_us);
	return 0;
}
