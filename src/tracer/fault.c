/* fault.c — the heart of microset tracing: a SIGSEGV on a page we protected records the page,
 * flushes the microset when it is full (re-protecting its pages), and opens the page, all in one
 * batch run in the faulting thread. A SIGSEGV on anything else is the program's own. */
#include "tracer.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>

static bool in_array(GArray *a, uint64_t v)
{
	for (guint i = 0; a && i < a->len; i++)
		if (g_array_index(a, uint64_t, i) == v)
			return true;
	return false;
}

bool tpo_fault_handle(tpo_tracer *t, tpo_thread *th, const siginfo_t *si)
{
	if (si->si_code <= 0 || si->si_code != SEGV_ACCERR)
		return false; /* sent by a process, or not a protection fault */
	tpo_proc *p = th->proc;
	uint64_t page = TPO_PAGE_DOWN((uint64_t)si->si_addr);
	const tpo_region *r = tpo_regions_find(&p->regions, page);
	if (!r || !tpo_region_is_traced(&p->regions, r))
		return false;
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &regs) < 0)
		return false;
	if (TPO_PAGE_DOWN(regs.rip) == page && !(r->prot & PROT_EXEC))
		return false; /* executing data: the program's own fault */
	tpo_ops *ops = &t->ops;
	tpo_ops_reset(ops);
	if (tpo_proc_accessible(p, page)) {
		/* We believe the page open; the real protection disagrees: the fault was raised before
		 * another thread's fault opened it, or between batches of other threads. Repair and
		 * retry; only a page that stays shut after many repairs is the program's own fault. */
		bool again = th->last_fault_page == page && th->last_fault_rip == regs.rip;
		th->repairs = again ? th->repairs + 1 : 1;
		if (th->repairs > 1000)
			return false;
		t->stale_faults++;
		tpo_proc_resync(p, page, page + TPO_PAGE, ops);
	} else {
		t->tot.faults++;
		uint64_t chain[TPO_CHAIN_MAX];
		unsigned depth = 0;
		if (t->opt.callchain_every && (t->tot.faults - 1) % t->opt.callchain_every == 0)
			depth = tpo_callchain(p, th->tid, chain, TPO_CHAIN_MAX);
		/* An instruction touching two pages with a one-page microset would evict one to open the
		 * other forever: let the microset grow while the same instruction faults on a page its
		 * previous fault evicted. */
		bool same_insn = !memcmp(&th->last_regs, &regs, sizeof regs) && in_array(th->evicted, page);
		if (p->ms->len >= t->opt.microset && !same_insn)
			tpo_proc_flush_microset(t, p, ops, th->evicted);
		/* after the microset end: the page is the first of the next microset */
		tpo_tr_record_access(t, th, page, regs.rip, chain, depth);
		g_array_append_val(p->ms, page);
		g_hash_table_add(p->ms_set, GSIZE_TO_POINTER(page));
		tpo_ops_protect(ops, page, page + TPO_PAGE, r->prot);
		th->repairs = 0;
	}
	th->last_fault_page = page;
	th->last_fault_rip = regs.rip;
	th->last_regs = regs;
	tpo_segv_add_probe(p, ops);
	if (tpo_tr_run_ops_tail(t, th, ops, &regs))
		tpo_segv_repair(t, th);
	return true;
}

bool tpo_fault_queued(tpo_thread *th)
{
	/* A fault queues its SIGSEGV on the thread; a PTRACE_INTERRUPT that arrives between the
	 * fault and the signal's dequeue is reported first, with the SIGSEGV still queued. */
	siginfo_t q[8];
	struct __ptrace_peeksiginfo_args a = {.off = 0, .flags = 0, .nr = 8};
	int n = (int)ptrace(PTRACE_PEEKSIGINFO, th->tid, &a, q);
	for (int i = 0; i < n; i++)
		if (q[i].si_signo == SIGSEGV && q[i].si_code == SEGV_ACCERR &&
		    tpo_regions_page_traced(&th->proc->regions, TPO_PAGE_DOWN((uint64_t)q[i].si_addr)))
			return true;
	return false;
}
