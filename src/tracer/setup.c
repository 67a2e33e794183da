/* setup.c — bringing a freshly exec'd (or newly attached) address space under the tracer: read its
 * mappings, map our scratch code page into it, log its regions, and protect every traced page. */
#include "tracer.h"

#include <sys/mman.h>
#include <sys/ptrace.h>

static void protect_all(void *arg, uint64_t s, uint64_t e, uint32_t prot)
{
	(void)prot;
	tpo_ops_protect(arg, s, e, PROT_NONE);
}

bool tpo_proc_setup(tpo_tracer *t, tpo_proc *p, tpo_thread *th)
{
	return tpo_proc_prepare(t, p, th) && tpo_proc_protect_all(t, p, th);
}

bool tpo_proc_prepare(tpo_tracer *t, tpo_proc *p, tpo_thread *th)
{
	GError *err = NULL;
	if (!tpo_regions_load_maps(&p->regions, p->pid, &err)) {
		g_clear_error(&err);
		return false;
	}
	tpo_remote_status st = {.deferred = &t->deferred};
	if (!tpo_scratch_share(th->tid, p, &st) && !st.gone)
		p->scratch = tpo_remote_map_scratch(th->tid, p->memfd, &st);
	if (!p->scratch || !tpo_remote_init_stubs(p->memfd, p->scratch))
		return false;
	tpo_regions_map(&p->regions, p->scratch, p->scratch + TPO_SCRATCH_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
	                TPO_RF_PRIVATE | TPO_RF_ANON | TPO_RF_SPECIAL, 0, "[3po]");
	return true;
}

bool tpo_proc_protect_all(tpo_tracer *t, tpo_proc *p, tpo_thread *th)
{
	for (guint i = 0; i < p->regions.v->len; i++) {
		const tpo_region *r = &g_array_index(p->regions.v, tpo_region, i);
		if (r->start != p->scratch)
			tpo_tr_emit_region(t, th->tid, r);
	}
	tpo_ops *ops = &t->ops;
	tpo_ops_reset(ops);
	tpo_regions_each_traced(&p->regions, 0, UINT64_MAX, protect_all, ops);
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &regs) < 0)
		return false;
	return tpo_tr_run_ops(t, th, ops, &regs, &regs);
}
