/* sigsegv.c — keeping the program's own SIGSEGV handler alive. When a fault on one of our pages
 * happens while the program has SIGSEGV blocked (inside its own SIGSEGV handler, say), the kernel
 * resets the handler to SIG_DFL and unblocks the signal before the tracer even sees the fault.
 * We track the program's SIGSEGV action, check it after each of our faults, and put the action
 * and the blocked signal back when the kernel took them away. */
#include "tracer.h"

#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#define SA_RESETHAND_K 0x80000000ull

static uint64_t handler_of(const uint8_t *act)
{
	uint64_t h;
	memcpy(&h, act, 8);
	return h;
}

void tpo_segv_syscall_entry(tpo_thread *th)
{
	th->new_act_valid = false;
	if (th->nr != SYS_rt_sigaction || th->args[0] != SIGSEGV || !th->args[1])
		return;
	th->new_act_valid = tpo_remote_read(th->proc->memfd, th->args[1], th->new_act, sizeof th->new_act);
}

void tpo_segv_syscall_exit(tpo_thread *th, bool failed)
{
	if (!th->new_act_valid || failed)
		return;
	th->new_act_valid = false;
	tpo_proc *p = th->proc;
	memcpy(p->segv_act, th->new_act, sizeof p->segv_act);
	p->segv_tracked = handler_of(p->segv_act) != (uint64_t)(uintptr_t)SIG_DFL;
	if (p->segv_tracked)
		tpo_remote_write(p->memfd, p->scratch + TPO_SCRATCH_CODE, p->segv_act, sizeof p->segv_act);
}

void tpo_segv_delivered(tpo_proc *p)
{
	uint64_t flags;
	memcpy(&flags, p->segv_act + 8, 8);
	if (p->segv_tracked && (flags & SA_RESETHAND_K))
		p->segv_tracked = false; /* the kernel resets it on delivery, as the program asked */
}

void tpo_segv_add_probe(tpo_proc *p, tpo_ops *ops)
{
	if (!p->segv_tracked)
		return;
	uint64_t a[4] = {SIGSEGV, 0, p->scratch + TPO_SCRATCH_CODE + 32, 8};
	tpo_ops_syscall(ops, SYS_rt_sigaction, 4, a);
}

void tpo_segv_repair(tpo_tracer *t, tpo_thread *th)
{
	tpo_proc *p = th->proc;
	if (!p->segv_tracked)
		return;
	uint8_t now[32];
	if (!tpo_remote_read(p->memfd, p->scratch + TPO_SCRATCH_CODE + 32, now, sizeof now) ||
	    handler_of(now) == handler_of(p->segv_act))
		return;
	/* reset by the kernel: SIGSEGV was blocked when we made the thread fault */
	tpo_ops ops;
	tpo_ops_init(&ops);
	uint64_t a[4] = {SIGSEGV, p->scratch + TPO_SCRATCH_CODE, 0, 8};
	tpo_ops_syscall(&ops, SYS_rt_sigaction, 4, a);
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &regs) == 0 && tpo_tr_run_ops(t, th, &ops, &regs, &regs)) {
		uint64_t mask;
		if (ptrace(PTRACE_GETSIGMASK, th->tid, sizeof mask, &mask) == 0) {
			mask |= 1ull << (SIGSEGV - 1);
			ptrace(PTRACE_SETSIGMASK, th->tid, sizeof mask, &mask);
		}
	}
	tpo_ops_free(&ops);
}
