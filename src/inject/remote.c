/* remote.c — remote memory access and in-tracee execution of system-call batches.
 * The batch runs as straight-line code ending in int3; the tracer waits for that SIGTRAP and
 * puts the registers back, so one batch costs two ptrace stops whatever its length. A batch with a
 * tail (ops.c) puts the registers back itself and stops in the thread's stub: at that stop the
 * tracer only reads %rip and resumes the thread, which jumps back to the program. */
#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int tpo_remote_open_mem(int pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", pid);
	return open(path, O_RDWR | O_CLOEXEC);
}

/* Target memory the tracer also maps (the shared scratch page): reached with a memory copy. */
static struct window {
	int memfd;
	uint64_t addr;
	size_t len;
	uint8_t *view;
} windows[16];

void tpo_remote_window(int memfd, uint64_t addr, void *view, size_t len)
{
	for (size_t i = 0; i < G_N_ELEMENTS(windows); i++)
		if (view ? !windows[i].view : windows[i].memfd == memfd && windows[i].addr == addr && windows[i].view) {
			windows[i] = (struct window){.memfd = memfd, .addr = addr, .len = len, .view = view};
			return;
		}
}

static uint8_t *window_of(int memfd, uint64_t addr, size_t len)
{
	for (size_t i = 0; i < G_N_ELEMENTS(windows); i++) {
		struct window *w = &windows[i];
		if (w->view && w->memfd == memfd && addr >= w->addr && len <= w->len && addr - w->addr <= w->len - len)
			return w->view + (addr - w->addr);
	}
	return NULL;
}

bool tpo_remote_read(int memfd, uint64_t addr, void *buf, size_t len)
{
	uint8_t *v = window_of(memfd, addr, len);
	if (v) {
		memcpy(buf, v, len);
		return true;
	}
	return pread(memfd, buf, len, (off_t)addr) == (ssize_t)len;
}

bool tpo_remote_write(int memfd, uint64_t addr, const void *buf, size_t len)
{
	uint8_t *v = window_of(memfd, addr, len);
	if (v) {
		memcpy(v, buf, len);
		return true;
	}
	return pwrite(memfd, buf, len, (off_t)addr) == (ssize_t)len;
}

long tpo_remote_strlen(int memfd, uint64_t addr, size_t max)
{
	char buf[256];
	size_t done = 0;
	while (done < max) {
		size_t want = sizeof buf - ((addr + done) % sizeof buf); /* stay within aligned blocks */
		ssize_t n = pread(memfd, buf, want, (off_t)(addr + done));
		if (n <= 0)
			return -1;
		char *z = memchr(buf, 0, (size_t)n);
		if (z)
			return (long)(done + (size_t)(z - buf));
		done += (size_t)n;
	}
	return -1;
}

int tpo_remote_next_status(GQueue *deferred, int *status)
{
	tpo_deferred *d = g_queue_pop_head(deferred);
	if (!d)
		return waitpid(-1, status, __WALL);
	int tid = d->tid;
	*status = d->status;
	g_free(d);
	return tid;
}

static void stash(tpo_remote_status *st, int sig)
{
	if (st->nstashed < (int)G_N_ELEMENTS(st->stashed) - 1)
		st->stashed[st->nstashed++] = sig;
}

/* Continues tid until it stops on the int3 at `trap` or at `trap2` (0: none); *at_rip gets where,
 * and *at (unless NULL) its registers. */
static bool wait_traps(int tid, uint64_t trap, uint64_t trap2, tpo_remote_status *st, uint64_t *at_rip,
                       struct user_regs_struct *at)
{
	if (ptrace(PTRACE_CONT, tid, 0, 0) < 0)
		return false;
	for (;;) {
		int status;
		/* Wait for anyone: if the whole process is dying, tid's own exit is reported only after
		 * its other threads are reaped, so waiting for tid alone could wait forever. */
		pid_t r = waitpid(st->deferred ? -1 : tid, &status, __WALL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (r != tid) {
			tpo_deferred *d = g_new(tpo_deferred, 1);
			d->tid = r;
			d->status = status;
			g_queue_push_tail(st->deferred, d);
			continue;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			st->gone = true;
			st->exit_status = status;
			return false;
		}
		if (!WIFSTOPPED(status))
			continue;
		int sig = WSTOPSIG(status);
		int event = status >> 16;
		if (sig == SIGTRAP && event == 0) {
			errno = 0;
			uint64_t rip = at ? (ptrace(PTRACE_GETREGS, tid, 0, at) < 0 ? 0 : at->rip)
			                  : (uint64_t)ptrace(PTRACE_PEEKUSER, tid, offsetof(struct user_regs_struct, rip), 0);
			if (errno)
				return false;
			if (rip == trap + 1 || (trap2 && rip == trap2 + 1)) {
				*at_rip = rip;
				return true;
			}
			stash(st, sig); /* a SIGTRAP of the program's own */
		} else if (event == 0 && sig != (SIGTRAP | 0x80)) {
			if (getenv("TPO_DEBUG")) {
				struct user_regs_struct regs;
				siginfo_t si;
				ptrace(PTRACE_GETREGS, tid, 0, &regs);
				ptrace(PTRACE_GETSIGINFO, tid, 0, &si);
				fprintf(stderr, "3po: signal %d in trampoline of %d at rip %llx (code at %llx) addr %p\n", sig, tid,
				        regs.rip, (unsigned long long)trap, si.si_addr);
			}
			stash(st, sig); /* redelivered by the caller once the registers are back */
		}
		if (event == PTRACE_EVENT_STOP)
			st->interrupted = true; /* the caller asks again once the thread is itself again */
		/* PTRACE_EVENT_STOP (group stop or interrupt) and anything else: keep going. */
		if (ptrace(PTRACE_CONT, tid, 0, 0) < 0)
			return false;
	}
}

bool tpo_remote_run(int tid, int memfd, uint64_t code, size_t code_cap, const tpo_ops *ops,
                    const struct user_regs_struct *regs, const struct user_regs_struct *resume,
                    uint64_t *last_rax, tpo_remote_status *st)
{
	uint8_t buf[TPO_SCRATCH_SIZE];
	if (code_cap > sizeof buf)
		code_cap = sizeof buf;
	guint done = 0;
	do {
		size_t len;
		guint n = tpo_ops_encode(ops, done, buf, code_cap, &len);
		if (n == 0 && done < ops->v->len)
			return false;
		done += n;
		if (!tpo_remote_write(memfd, code, buf, len))
			return false;
		struct user_regs_struct r = *regs;
		r.rip = code;
		r.orig_rax = (uint64_t)-1; /* no syscall restart games with our rip */
		r.r12 = r.r13 = 0;         /* where a failed mprotect leaves its error and address */
		if (ptrace(PTRACE_SETREGS, tid, 0, &r) < 0)
			return false;
		uint64_t rip;
		if (!wait_traps(tid, code + len - 1, 0, st, &rip, &r))
			return false;
		if (r.r12) {
			st->prot_errno = -(int)(int64_t)r.r12;
			st->prot_addr = r.r13;
		}
		if (last_rax)
			*last_rax = r.rax;
	} while (done < ops->v->len);
	return ptrace(PTRACE_SETREGS, tid, 0, resume) == 0;
}

int tpo_remote_run_tail(int tid, int memfd, uint64_t code, size_t code_cap, const tpo_ops *ops,
                        const struct user_regs_struct *regs, uint64_t stub, tpo_remote_status *st)
{
	uint8_t buf[TPO_SCRATCH_SIZE];
	if (code_cap > sizeof buf)
		code_cap = sizeof buf;
	size_t len;
	if (code_cap <= TPO_OPS_TAIL_MAX || tpo_ops_encode(ops, 0, buf, code_cap - TPO_OPS_TAIL_MAX, &len) < ops->v->len)
		return 0; /* more than one run: the caller takes the usual way */
	uint64_t fail_trap;
	len--; /* the tail replaces the int3 */
	len += tpo_ops_encode_tail(buf + len, code + len, regs, stub, &fail_trap);
	if (!tpo_remote_write(memfd, code, buf, len))
		return -1;
	struct user_regs_struct r = *regs;
	r.rip = code;
	r.orig_rax = (uint64_t)-1; /* no syscall restart games with our rip */
	r.r12 = r.r13 = 0;
	if (ptrace(PTRACE_SETREGS, tid, 0, &r) < 0)
		return -1;
	uint64_t rip;
	if (!wait_traps(tid, stub, fail_trap, st, &rip, NULL))
		return -1;
	if (rip == fail_trap + 1) {
		/* a protection change failed: learn which, and put the registers back ourselves */
		if (ptrace(PTRACE_GETREGS, tid, 0, &r) < 0)
			return -1;
		st->prot_errno = -(int)(int64_t)r.r12;
		st->prot_addr = r.r13;
		return ptrace(PTRACE_SETREGS, tid, 0, regs) == 0 ? 1 : -1;
	}
	if (st->nstashed)
		/* a signal is to be delivered at the resume: its handler must not return into the stub,
		 * whose slot a fault in the handler would overwrite */
		return ptrace(PTRACE_SETREGS, tid, 0, regs) == 0 ? 1 : -1;
	return 2;
}

bool tpo_remote_init_stubs(int memfd, uint64_t scratch)
{
	static uint8_t stubs[TPO_SCRATCH_STUB_COUNT * TPO_OPS_STUB_SIZE];
	for (int i = 0; i < TPO_SCRATCH_STUB_COUNT; i++)
		tpo_ops_encode_stub(stubs + i * TPO_OPS_STUB_SIZE);
	return tpo_remote_write(memfd, scratch + TPO_SCRATCH_STUBS, stubs, sizeof stubs);
}

uint64_t tpo_remote_map_scratch(int tid, int memfd, tpo_remote_status *st)
{
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, tid, 0, &regs) < 0)
		return 0;
	tpo_ops ops;
	tpo_ops_init(&ops);
	uint64_t a[6] = {0, TPO_SCRATCH_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
	                 (uint64_t)-1, 0};
	tpo_ops_syscall(&ops, SYS_mmap, 6, a);
	uint8_t saved[128];
	uint64_t at = regs.rip;
	uint64_t result = 0;
	bool ok = tpo_remote_read(memfd, at, saved, sizeof saved) &&
	          tpo_remote_run(tid, memfd, at, sizeof saved, &ops, &regs, &regs, &result, st);
	if (!st->gone)
		tpo_remote_write(memfd, at, saved, sizeof saved);
	tpo_ops_free(&ops);
	if (!ok || result > (uint64_t)-4096)
		return 0;
	return result;
}
