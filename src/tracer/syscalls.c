/* syscalls.c — system-call stops: keep the address-space model current (mmap, munmap, mprotect,
 * mremap, brk), open protected buffers before the kernel uses them (recording them as accesses),
 * keep kernel-written areas (rseq, robust lists, alternate signal stacks) untraced, and restart a
 * call that still failed with EFAULT on a page we protected. */
#include "tracer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_RESTARTS 16

static bool is_restart_code(int64_t rv)
{
	return rv == -512 || rv == -513 || rv == -514 || rv == -516;
}

/* Pins [s, e) for th's current call if any page in it is protected; returns true if it did. */
static bool pin_if_protected(tpo_proc *p, int tid, uint64_t s, uint64_t e, tpo_ops *ops)
{
	bool any = false;
	for (uint64_t pg = TPO_PAGE_DOWN(s); pg < e; pg += TPO_PAGE)
		if (tpo_proc_protected(p, pg)) {
			any = true;
			break;
		}
	if (!any)
		return false;
	tpo_range r = {TPO_PAGE_DOWN(s), TPO_PAGE_UP(e), tid};
	g_array_append_val(p->pins, r);
	tpo_proc_resync(p, r.start, r.end, ops);
	return true;
}

/* Runs ops and makes the thread execute its system call again from the start. */
static bool rerun_syscall(tpo_tracer *t, tpo_thread *th, const struct user_regs_struct *regs)
{
	struct user_regs_struct again = *regs;
	again.rip -= 2; /* back onto the `syscall` instruction */
	again.rax = (uint64_t)th->nr;
	th->in_syscall = false;
	return tpo_tr_run_ops(t, th, &t->ops, regs, &again);
}

static void untrace_cb(void *arg, uint64_t s, uint64_t e, uint32_t prot)
{
	tpo_ops_protect(arg, s, e, prot);
}

static bool on_entry(tpo_tracer *t, tpo_thread *th, const struct __ptrace_syscall_info *si)
{
	tpo_proc *p = th->proc;
	if (!th->in_syscall || th->nr != (long)si->entry.nr)
		th->restarts = 0;
	th->in_syscall = true;
	th->nr = (long)si->entry.nr;
	for (int i = 0; i < 6; i++)
		th->args[i] = si->entry.args[i];
	tpo_ops *ops = &t->ops;
	tpo_ops_reset(ops);
	tpo_segv_syscall_entry(th);

	uint64_t xs, xe;
	if (tpo_sys_excluded(th->nr, th->args, p->memfd, &xs, &xe)) {
		if (getenv("TPO_DEBUG"))
			fprintf(stderr, "3po: %d: syscall %ld excludes %#lx-%#lx\n", th->tid, th->nr, (unsigned long)xs, (unsigned long)xe);
		tpo_regions_each_traced(&p->regions, xs, xe, untrace_cb, ops);
		tpo_regions_exclude(&p->regions, xs, xe);
		tpo_proc_forget(p, xs, xe);
	}
	if (th->nr == SYS_mremap) {
		/* mremap works on one mapping, and our protections split it: close the open pages of
		 * the range first, so the kernel merges it back into one */
		uint64_t s0 = TPO_PAGE_DOWN(th->args[0]), e0 = TPO_PAGE_UP(th->args[0] + th->args[1]);
		bool open_pages = false;
		for (guint i = 0; i < p->ms->len; i++) {
			uint64_t pg = g_array_index(p->ms, uint64_t, i);
			open_pages |= pg >= s0 && pg < e0;
		}
		if (open_pages) {
			tpo_proc_forget(p, s0, e0);
			tpo_proc_resync(p, s0, e0, ops);
		}
	}
	GArray *bufs = g_array_new(FALSE, FALSE, sizeof(tpo_sysbuf));
	tpo_sysbufs(th->nr, th->args, p->memfd, bufs);
	for (guint i = 0; i < bufs->len; i++) {
		tpo_sysbuf *b = &g_array_index(bufs, tpo_sysbuf, i);
		if (pin_if_protected(p, th->tid, b->start, b->end, ops)) {
			th->pinned = true;
			t->pins_made++;
		}
	}
	g_array_free(bufs, TRUE);
	if (!ops->v->len)
		return true;
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &regs) < 0)
		return false;
	return rerun_syscall(t, th, &regs);
}

/* Records the pages of th's pinned buffers that the call really touched. */
static void record_pinned(tpo_tracer *t, tpo_thread *th, int64_t rv, bool failed)
{
	tpo_proc *p = th->proc;
	GArray *bufs = g_array_new(FALSE, FALSE, sizeof(tpo_sysbuf));
	tpo_sysbufs(th->nr, th->args, p->memfd, bufs);
	for (guint i = 0; i < p->pins->len; i++) {
		tpo_range *r = &g_array_index(p->pins, tpo_range, i);
		if (r->tid != th->tid)
			continue;
		for (guint k = 0; k < bufs->len; k++) {
			tpo_sysbuf *b = &g_array_index(bufs, tpo_sysbuf, k);
			uint64_t s = b->start, e = b->end;
			if (b->by_result)
				e = failed || rv <= 0 || (uint64_t)rv <= b->skip ? s : MIN(e, s + ((uint64_t)rv - b->skip));
			s = MAX(s, r->start);
			e = MIN(e, r->end);
			for (uint64_t pg = TPO_PAGE_DOWN(s); s < e && pg < e; pg += TPO_PAGE)
				if (tpo_regions_page_traced(&p->regions, pg))
					tpo_tr_record_access(t, th, pg, 0, NULL, 0);
		}
	}
	g_array_free(bufs, TRUE);
}

static uint32_t mmap_flags(uint64_t flags)
{
	uint32_t f = 0;
	if ((flags & 0x3) == MAP_PRIVATE)
		f |= TPO_RF_PRIVATE;
	if (flags & MAP_ANONYMOUS)
		f |= TPO_RF_ANON;
	else
		f |= TPO_RF_FILE;
	if (flags & (MAP_STACK | MAP_GROWSDOWN))
		f |= TPO_RF_STACK;
	return f;
}

static char *fd_name(int pid, int fd)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/fd/%d", pid, fd);
	ssize_t n = readlink(path, buf, sizeof buf - 1);
	if (n < 0)
		return g_strdup("");
	buf[n] = 0;
	return g_strdup(buf);
}

static void emit_range(tpo_tracer *t, tpo_thread *th, uint64_t s, uint64_t e)
{
	const tpo_region_table *rt = &th->proc->regions;
	for (uint64_t at = s; at < e;) {
		const tpo_region *r = tpo_regions_find(rt, at);
		if (!r)
			break;
		tpo_region piece = *r;
		piece.start = MAX(r->start, s);
		piece.end = MIN(r->end, e);
		tpo_tr_emit_region(t, th->tid, &piece);
		at = r->end;
	}
}

/* End of the mapped prefix of [s, e) (where mprotect stops with ENOMEM). */
static uint64_t mapped_prefix(const tpo_region_table *rt, uint64_t s, uint64_t e)
{
	uint64_t at = s;
	while (at < e) {
		const tpo_region *r = tpo_regions_find(rt, at);
		if (!r)
			return at;
		at = r->end;
	}
	return e;
}

static void on_memory_exit(tpo_tracer *t, tpo_thread *th, int64_t rv, bool failed, tpo_ops *ops)
{
	tpo_proc *p = th->proc;
	tpo_region_table *rt = &p->regions;
	const uint64_t *a = th->args;
	switch (th->nr) {
	case SYS_mmap: {
		if (failed)
			return;
		uint64_t s = (uint64_t)rv, e = s + TPO_PAGE_UP(a[1]);
		tpo_proc_forget(p, s, e);
		uint32_t f = mmap_flags(a[3]);
		char *name = (f & TPO_RF_FILE) ? fd_name(p->pid, (int)a[4]) : g_strdup("");
		tpo_regions_map(rt, s, e, (uint32_t)a[2], f, (f & TPO_RF_FILE) ? a[5] : 0, name);
		g_free(name);
		emit_range(t, th, s, e);
		tpo_proc_resync(p, s, e, ops);
		return;
	}
	case SYS_munmap:
		if (failed)
			return;
		tpo_regions_unmap(rt, TPO_PAGE_DOWN(a[0]), TPO_PAGE_UP(a[0] + a[1]));
		tpo_proc_forget(p, a[0], a[0] + a[1]);
		tpo_callchain_flush(p);
		tpo_tr_emit_unmap(t, th->tid, TPO_PAGE_DOWN(a[0]), TPO_PAGE_UP(a[0] + a[1]));
		return;
	case SYS_mprotect:
	case SYS_pkey_mprotect: {
		uint64_t s = TPO_PAGE_DOWN(a[0]), e = TPO_PAGE_UP(a[0] + a[1]);
		if (failed && rv != -ENOMEM)
			return;
		uint64_t upto = failed ? mapped_prefix(rt, s, e) : e;
		tpo_regions_protect(rt, s, upto, (uint32_t)a[2]);
		tpo_proc_resync(p, s, upto, ops);
		return;
	}
	case SYS_mremap: {
		if (failed)
			return;
		uint64_t old = TPO_PAGE_DOWN(a[0]), oldlen = TPO_PAGE_UP(a[1]), newlen = TPO_PAGE_UP(a[2]);
		uint64_t dst = (uint64_t)rv;
		const tpo_region *last = tpo_regions_find(rt, old + oldlen - 1);
		tpo_region tmpl = last ? *last : (tpo_region){0};
		char *name = g_strdup(last ? last->name : "");
		uint64_t keep = MIN(oldlen, newlen);
		if (dst != old) {
			tpo_regions_move(rt, old, keep, dst);
			tpo_proc_move_pages(p, old, keep, dst);
			if (!(a[3] & 4 /* MREMAP_DONTUNMAP */)) {
				tpo_regions_unmap(rt, old, old + oldlen);
				tpo_proc_forget(p, old, old + oldlen);
			}
			tpo_tr_emit_unmap(t, th->tid, old, old + oldlen);
		} else if (newlen < oldlen) {
			tpo_regions_unmap(rt, old + newlen, old + oldlen);
			tpo_proc_forget(p, old + newlen, old + oldlen);
			tpo_tr_emit_unmap(t, th->tid, old + newlen, old + oldlen);
		}
		if (newlen > oldlen && last)
			tpo_regions_map_id(rt, dst + oldlen, dst + newlen, tmpl.prot, tmpl.flags, 0, name, tmpl.id);
		g_free(name);
		emit_range(t, th, dst, dst + newlen);
		tpo_proc_resync(p, dst, dst + newlen, ops);
		return;
	}
	case SYS_brk: {
		uint64_t nb = (uint64_t)rv;
		uint64_t ob = p->brk ? p->brk : nb;
		p->brk = nb;
		uint64_t os = TPO_PAGE_UP(ob), ns = TPO_PAGE_UP(nb);
		if (ns > os) {
			const tpo_region *h = os ? tpo_regions_find(rt, os - 1) : NULL;
			uint32_t id = (h && (h->flags & TPO_RF_HEAP)) ? h->id : rt->next_id;
			tpo_regions_map_id(rt, os, ns, PROT_READ | PROT_WRITE,
			                   TPO_RF_PRIVATE | TPO_RF_ANON | TPO_RF_HEAP, 0, "[heap]", id);
			emit_range(t, th, os, ns);
			tpo_proc_resync(p, os, ns, ops);
		} else if (ns < os) {
			tpo_regions_unmap(rt, ns, os);
			tpo_proc_forget(p, ns, os);
			tpo_tr_emit_unmap(t, th->tid, ns, os);
		}
		return;
	}
	default:
		return;
	}
}

/* EFAULT fallback: pins pages of ours that the arguments point at. */
static bool pin_fault_args(tpo_tracer *t, tpo_thread *th, tpo_ops *ops)
{
	tpo_proc *p = th->proc;
	bool any = false;
	GArray *bufs = g_array_new(FALSE, FALSE, sizeof(tpo_sysbuf));
	tpo_sysbufs(th->nr, th->args, p->memfd, bufs);
	for (guint i = 0; i < bufs->len; i++) {
		tpo_sysbuf *b = &g_array_index(bufs, tpo_sysbuf, i);
		any |= pin_if_protected(p, th->tid, b->start, b->end, ops);
	}
	g_array_free(bufs, TRUE);
	for (int i = 0; i < 6; i++) {
		uint64_t pg = TPO_PAGE_DOWN(th->args[i]);
		if (pg && tpo_regions_find(&p->regions, pg))
			any |= pin_if_protected(p, th->tid, pg, pg + 2 * TPO_PAGE, ops);
	}
	if (any) {
		th->pinned = true;
		t->restarts++;
	}
	return any;
}

static bool on_exit_stop(tpo_tracer *t, tpo_thread *th, const struct __ptrace_syscall_info *si)
{
	int64_t rv = si->exit.rval;
	bool failed = si->exit.is_error;
	th->in_syscall = false;
	if (is_restart_code(rv))
		return true; /* the call will run again (or a handler runs first); keep its pins */
	tpo_ops *ops = &t->ops;
	tpo_ops_reset(ops);
	if (rv == -EFAULT && th->restarts < MAX_RESTARTS && pin_fault_args(t, th, ops)) {
		th->restarts++;
		struct user_regs_struct regs;
		if (ptrace(PTRACE_GETREGS, th->tid, 0, &regs) < 0)
			return false;
		return rerun_syscall(t, th, &regs);
	}
	th->restarts = 0;
	if (th->pinned) {
		record_pinned(t, th, rv, failed);
		tpo_proc_unpin(th->proc, th->tid, ops);
		th->pinned = false;
	}
	tpo_segv_syscall_exit(th, failed);
	on_memory_exit(t, th, rv, failed, ops);
	if (!ops->v->len)
		return true;
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &regs) < 0)
		return false;
	return tpo_tr_run_ops(t, th, ops, &regs, &regs);
}

bool tpo_syscall_stop(tpo_tracer *t, tpo_thread *th)
{
	struct __ptrace_syscall_info si;
	t->syscall_stops++;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, th->tid, sizeof si, &si) <= 0)
		return true;
	if (si.op == PTRACE_SYSCALL_INFO_ENTRY)
		return on_entry(t, th, &si);
	if (si.op == PTRACE_SYSCALL_INFO_EXIT)
		return on_exit_stop(t, th, &si);
	return true;
}
