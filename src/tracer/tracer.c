/* tracer.c — the supervisor's core: follows a traced process's threads, forks and execs, and
 * dispatches every stop (faults, system calls, signals, events); also parks every thread for a
 * detach. Starting the trace is launch.c's (3po-run) or attach.c's (3po-attach) job. */
#define _GNU_SOURCE
#include "tracer.h"
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/sched.h>


tpo_thread *tpo_tr_thread_new(tpo_tracer *t, int tid, tpo_proc *p)
{
	tpo_thread *th = g_new0(tpo_thread, 1);
	th->tid = tid;
	th->proc = p;
	th->evicted = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	p->refs++;
	g_hash_table_insert(t->threads, GINT_TO_POINTER(tid), th);
	return th;
}

void tpo_tr_thread_free(tpo_tracer *t, tpo_thread *th)
{
	if (th->stub)
		th->proc->stubs_used[(th->stub - 1) / 64] &= ~(1ull << ((th->stub - 1) % 64));
	g_hash_table_remove(t->threads, GINT_TO_POINTER(th->tid));
	tpo_proc_unref(t, th->proc);
	g_array_free(th->evicted, TRUE);
	g_free(th);
}

void tpo_tr_thread_gone(tpo_tracer *t, tpo_thread *th, int status)
{
	tpo_proc *p = th->proc;
	tpo_event ev = {.type = TPO_EV_THREAD_EXIT, .time_ns = tpo_now_ns() - t->t0_ns, .tid = th->tid};
	ev.thread_exit.status = status;
	tpo_tr_emit(t, &ev);
	if (p->refs == 1 && p->main && p->ms->len) {
		tpo_event end = {.type = TPO_EV_MICROSET_END, .time_ns = ev.time_ns};
		tpo_tr_emit(t, &end); /* the last microset, flushed at exit */
	}
	if (th->tid == t->main_pid) {
		t->main_status = status;
		t->main_done = true;
	}
	tpo_proc_unpin(p, th->tid, &t->ops);
	tpo_tr_thread_free(t, th);
}

/* What a batch run left to do: failures, signals held back, the thread's death, an interrupt. */
static bool after_run(tpo_tracer *t, tpo_thread *th, tpo_remote_status st, bool ok)
{
	if (st.prot_errno)
		tpo_tr_protect_failed(t, th->proc, st.prot_errno, st.prot_addr);
	for (int i = 0; i < st.nstashed; i++) {
		if (!th->pending_sig)
			th->pending_sig = st.stashed[i];
		else
			syscall(SYS_tgkill, th->proc->pid, th->tid, st.stashed[i]);
	}
	if (st.gone) {
		tpo_tr_thread_gone(t, th, st.exit_status);
		return false;
	}
	if (st.interrupted && t->detaching)
		ptrace(PTRACE_INTERRUPT, th->tid, 0, 0); /* the detach's request, passed over above */
	return ok;
}

bool tpo_tr_run_ops(tpo_tracer *t, tpo_thread *th, const tpo_ops *ops,
                    const struct user_regs_struct *regs, const struct user_regs_struct *resume)
{
	if (!ops->v->len)
		return true;
	tpo_remote_status st = {.deferred = &t->deferred};
	bool ok = tpo_remote_run(th->tid, th->proc->memfd, th->proc->scratch, TPO_SCRATCH_STUBS, ops,
	                         regs, resume, NULL, &st);
	return after_run(t, th, st, ok);
}

static uint64_t stub_addr(const tpo_thread *th)
{
	return th->proc->scratch + TPO_SCRATCH_STUBS + (uint64_t)(th->stub - 1) * TPO_OPS_STUB_SIZE;
}

static bool take_stub(tpo_thread *th)
{
	if (th->stub)
		return true;
	uint64_t *used = th->proc->stubs_used;
	for (int i = 0; i < TPO_SCRATCH_STUB_COUNT; i++)
		if (!(used[i / 64] & (1ull << (i % 64)))) {
			used[i / 64] |= 1ull << (i % 64);
			th->stub = i + 1;
			return true;
		}
	return false; /* more threads than stubs: the others take the usual way */
}

bool tpo_tr_run_ops_tail(tpo_tracer *t, tpo_thread *th, const tpo_ops *ops, const struct user_regs_struct *regs)
{
	if (!ops->v->len)
		return true;
	/* during a detach the scratch page is about to go: no thread may be left in it */
	if (t->detaching || th->in_tail || !take_stub(th))
		return tpo_tr_run_ops(t, th, ops, regs, regs);
	tpo_remote_status st = {.deferred = &t->deferred};
	int r = tpo_remote_run_tail(th->tid, th->proc->memfd, th->proc->scratch, TPO_SCRATCH_STUBS, ops, regs,
	                            stub_addr(th), &st);
	if (r == 0)
		return tpo_tr_run_ops(t, th, ops, regs, regs);
	if (r == 2) {
		th->in_tail = true;
		th->tail_rip = regs->rip;
	}
	return after_run(t, th, st, r > 0);
}

void tpo_tr_leave_tail(tpo_thread *th)
{
	if (!th->in_tail)
		return;
	th->in_tail = false;
	errno = 0;
	uint64_t rip = (uint64_t)ptrace(PTRACE_PEEKUSER, th->tid, offsetof(struct user_regs_struct, rip), 0);
	if (!errno && rip == stub_addr(th) + 1) {
		if (getenv("TPO_DEBUG"))
			fprintf(stderr, "3po: %d stopped in its stub: back to %llx\n", th->tid, (unsigned long long)th->tail_rip);
		ptrace(PTRACE_POKEUSER, th->tid, offsetof(struct user_regs_struct, rip), th->tail_rip);
	}
}

void tpo_tr_resume(tpo_thread *th, int sig)
{
	if (!sig && th->pending_sig) {
		sig = th->pending_sig;
		th->pending_sig = 0;
	}
	if (sig)
		tpo_tr_leave_tail(th); /* the handler returns where the signal found the thread */
	ptrace(PTRACE_SYSCALL, th->tid, 0, sig);
}

/* Resumes a thread, or, once a detach has begun, leaves it stopped where it is (any stop will do:
 * a signal it was about to get is handed over at the detach). */
static void resume_or_park(tpo_tracer *t, tpo_thread *th, int sig)
{
	if (!t->detaching) {
		tpo_tr_resume(th, sig);
		return;
	}
	tpo_tr_leave_tail(th); /* the scratch page goes at the detach */
	th->parked = true;
	th->park_sig = sig; /* the signal of this signal-delivery-stop, handed over at detach */
}

/* Waits for a new child's first stop (it may have been seen already). */
static void await_first_stop(tpo_tracer *t, int tid)
{
	if (g_hash_table_remove(t->orphans, GINT_TO_POINTER(tid)))
		return;
	for (GList *l = t->deferred.head; l; l = l->next) {
		tpo_deferred *d = l->data;
		if (d->tid == tid) {
			g_queue_delete_link(&t->deferred, l);
			g_free(d);
			return;
		}
	}
	int status;
	while (waitpid(tid, &status, __WALL) < 0 && errno == EINTR)
		;
}

void tpo_tr_remove_scratch(int tid, tpo_proc *p, const struct user_regs_struct *regs, tpo_remote_status *st)
{
	tpo_ops ops;
	tpo_ops_init(&ops);
	uint64_t a[2] = {p->scratch, TPO_SCRATCH_SIZE};
	tpo_ops_syscall(&ops, SYS_munmap, 2, a);
	uint8_t saved[64];
	/* the call cannot run from the page it removes: borrow the bytes at the thread's rip */
	if (tpo_remote_read(p->memfd, regs->rip, saved, sizeof saved)) {
		tpo_remote_run(tid, p->memfd, regs->rip, sizeof saved, &ops, regs, regs, NULL, st);
		if (!st->gone)
			tpo_remote_write(p->memfd, regs->rip, saved, sizeof saved);
	}
	tpo_ops_free(&ops);
	tpo_scratch_unshare(p);
	p->scratch = 0;
}

/* A forked child starts with our protections and scratch page: give it back its own protections,
 * remove the page, and let it go untraced. */
static void release_fork_child(tpo_tracer *t, tpo_proc *parent, int child)
{
	await_first_stop(t, child);
	tpo_proc *p = tpo_proc_new(t, child);
	g_hash_table_steal(t->procs, GINT_TO_POINTER(child));
	tpo_thread tmp = {.tid = child, .proc = p};
	p->scratch = parent->scratch;
	tpo_ops ops;
	tpo_ops_init(&ops);
	tpo_proc_untrace_ops(parent, &ops);
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, child, 0, &regs) == 0) {
		tpo_remote_status st = {.deferred = &t->deferred};
		bool ok = tpo_remote_run(child, p->memfd, p->scratch, TPO_SCRATCH_STUBS, &ops, &regs, &regs, NULL, &st);
		if (ok)
			tpo_tr_remove_scratch(child, p, &regs, &st);
		(void)tmp;
		if (!st.gone)
			ptrace(PTRACE_DETACH, child, 0, st.nstashed ? st.stashed[0] : 0);
	}
	tpo_ops_free(&ops);
	p->refs = 1;
	tpo_proc_unref(t, p);
}

static uint64_t clone_flags(tpo_thread *th)
{
	if (th->nr == SYS_clone)
		return th->args[0];
	if (th->nr == SYS_clone3) {
		uint64_t f = 0;
		tpo_remote_read(th->proc->memfd, th->args[0], &f, 8);
		return f;
	}
	return 0; /* fork, vfork */
}

static void on_new_child(tpo_tracer *t, tpo_thread *th, int event, int child)
{
	uint64_t flags = clone_flags(th);
	bool shares_vm = event == PTRACE_EVENT_VFORK || (event == PTRACE_EVENT_CLONE && (flags & CLONE_VM));
	if (!shares_vm) {
		release_fork_child(t, th->proc, child);
		return;
	}
	tpo_thread *c = tpo_tr_thread_new(t, child, th->proc);
	c->vfork_child = event == PTRACE_EVENT_VFORK || !(flags & CLONE_THREAD);
	tpo_event ev = {.type = TPO_EV_THREAD_START, .time_ns = tpo_now_ns() - t->t0_ns, .tid = child};
	tpo_tr_emit(t, &ev);
	await_first_stop(t, child);
	resume_or_park(t, c, 0);
}

static void on_exec(tpo_tracer *t, tpo_thread *th)
{
	unsigned long former = 0;
	ptrace(PTRACE_GETEVENTMSG, th->tid, 0, &former);
	if (th->vfork_child) {
		/* a vfork child became a program of its own: not ours to trace */
		ptrace(PTRACE_DETACH, th->tid, 0, 0);
		tpo_tr_thread_free(t, th);
		return;
	}
	tpo_proc *p = th->proc;
	/* every other thread of the process is gone; the exec'ing one now has the leader's tid */
	GList *all = g_hash_table_get_values(t->threads);
	for (GList *l = all; l; l = l->next) {
		tpo_thread *o = l->data;
		if (o != th && o->proc == p && !o->vfork_child)
			tpo_tr_thread_free(t, o);
	}
	g_list_free(all);
	if ((int)former != th->tid) {
		g_hash_table_steal(t->threads, GINT_TO_POINTER(th->tid));
		th->tid = p->pid;
		g_hash_table_insert(t->threads, GINT_TO_POINTER(th->tid), th);
	}
	th->in_syscall = false;
	th->in_tail = false;
	tpo_scratch_unshare(p); /* the page went with the former image */
	if (p->memfd >= 0)
		close(p->memfd);
	p->memfd = tpo_remote_open_mem(p->pid);
	g_array_set_size(p->ms, 0);
	g_hash_table_remove_all(p->ms_set);
	g_array_set_size(p->pins, 0);
	p->brk = 0;
	p->scratch = 0;
	p->segv_tracked = false;
	tpo_callchain_flush(p);
	tpo_regions_clear(&p->regions);
	char exe[64], path[4096];
	snprintf(exe, sizeof exe, "/proc/%d/exe", p->pid);
	ssize_t n = readlink(exe, path, sizeof path - 1);
	path[n > 0 ? n : 0] = 0;
	tpo_event ev = {.type = TPO_EV_EXEC, .time_ns = tpo_now_ns() - t->t0_ns, .tid = th->tid};
	ev.exec.path = path;
	tpo_tr_emit(t, &ev);
	if (!tpo_proc_setup(t, p, th) && !t->error)
		g_set_error(&t->error, TPO_TRACE_ERROR, TPO_TRACE_ERROR_IO,
		            "cannot set up tracing in process %d after exec", p->pid);
}

static void handle_stop(tpo_tracer *t, tpo_thread *th, int status)
{
	int tid = th->tid;
	int sig = WSTOPSIG(status);
	int event = status >> 16;
	if (sig == (SIGTRAP | 0x80)) {
		th->in_tail = false; /* back in the program, which made a system call */
		if (tpo_syscall_stop(t, th) && g_hash_table_contains(t->threads, GINT_TO_POINTER(tid)))
			resume_or_park(t, th, 0);
		return;
	}
	if (event) {
		unsigned long msg = 0;
		if (event == PTRACE_EVENT_STOP)
			tpo_tr_leave_tail(th); /* the others come from system calls */
		else
			th->in_tail = false;
		switch (event) {
		case PTRACE_EVENT_CLONE:
		case PTRACE_EVENT_FORK:
		case PTRACE_EVENT_VFORK:
			ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
			on_new_child(t, th, event, (int)msg);
			break;
		case PTRACE_EVENT_EXEC:
			on_exec(t, th);
			break;
		case PTRACE_EVENT_STOP:
			if (tpo_is_stop_signal(sig) && !t->detaching) {
				ptrace(PTRACE_LISTEN, tid, 0, 0); /* group-stop: stay stopped, as untraced */
				return;
			}
			if (t->detaching && tpo_fault_queued(th)) {
				/* The detach's interrupt overtook a fault on one of our pages: parked here,
				 * the queued SIGSEGV would reach the program once we let go (or be taken
				 * for its own and sent again). Let the thread take it: the fault is handled
				 * as any other and the thread parked at its signal-delivery-stop. */
				ptrace(PTRACE_SYSCALL, tid, 0, 0);
				return;
			}
			break;
		default:
			break;
		}
		if (g_hash_table_contains(t->threads, GINT_TO_POINTER(tid)))
			resume_or_park(t, th, 0);
		return;
	}
	siginfo_t si;
	if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) < 0) {
		resume_or_park(t, th, 0);
		return;
	}
	if (sig == SIGSEGV && si.si_code == SEGV_ACCERR && tpo_regions_page_traced(&th->proc->regions, (uint64_t)si.si_addr))
		th->in_tail = false; /* it touched one of our pages: back in the program (the stub touches none) */
	else
		tpo_tr_leave_tail(th);
	if (sig == SIGSEGV && tpo_fault_handle(t, th, &si)) {
		if (g_hash_table_contains(t->threads, GINT_TO_POINTER(tid)))
			resume_or_park(t, th, 0);
		return;
	}
	if (sig == SIGSEGV && getenv("TPO_DEBUG"))
		fprintf(stderr, "3po: delivering SIGSEGV to %d: addr %p code %d accessible %d traced %d\n", tid,
		        si.si_addr, si.si_code, tpo_proc_accessible(th->proc, TPO_PAGE_DOWN((uint64_t)si.si_addr)),
		        tpo_regions_page_traced(&th->proc->regions, (uint64_t)si.si_addr));
	if (sig == SIGSEGV)
		tpo_segv_delivered(th->proc);
	resume_or_park(t, th, sig);
}

/* Asks every thread to stop (for a detach); each reports a PTRACE_EVENT_STOP and is parked. */
static void start_detach(tpo_tracer *t)
{
	t->detaching = true;
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, t->threads);
	while (g_hash_table_iter_next(&it, NULL, &v))
		ptrace(PTRACE_INTERRUPT, ((tpo_thread *)v)->tid, 0, 0);
}

static bool all_parked(tpo_tracer *t)
{
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, t->threads);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (!((tpo_thread *)v)->parked)
			return false;
	return true;
}

void tpo_tr_event_loop(tpo_tracer *t)
{
	tpo_flusher_start(t);
	while (g_hash_table_size(t->threads)) {
		/* asked to stop (3po-attach), or the trace cannot be written: let the program go */
		if (!t->detaching && ((t->stop_requested && *t->stop_requested) || t->error))
			start_detach(t);
		if (t->detaching && all_parked(t))
			break;
		int status;
		pid_t tid = tpo_remote_next_status(&t->deferred, &status);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		tpo_thread *th = g_hash_table_lookup(t->threads, GINT_TO_POINTER(tid));
		if (!th) {
			if (WIFSTOPPED(status)) /* a new child, before its parent's clone event */
				g_hash_table_add(t->orphans, GINT_TO_POINTER(tid));
			continue;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			tpo_tr_thread_gone(t, th, status);
			continue;
		}
		if (WIFSTOPPED(status))
			handle_stop(t, th, status);
	}
	tpo_flusher_stop(t);
}


void tpo_tr_init(tpo_tracer *t, const tpo_trace_options *opt)
{
	memset(t, 0, sizeof *t);
	t->opt = *opt;
	t->threads = g_hash_table_new(g_direct_hash, g_direct_equal);
	t->procs = g_hash_table_new(g_direct_hash, g_direct_equal);
	t->orphans = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_queue_init(&t->deferred);
	tpo_ops_init(&t->ops);
}

void tpo_tr_free(tpo_tracer *t)
{
	g_hash_table_destroy(t->threads);
	g_hash_table_destroy(t->procs);
	g_hash_table_destroy(t->orphans);
	g_queue_clear_full(&t->deferred, g_free);
	tpo_ops_free(&t->ops);
	g_clear_error(&t->error);
}
