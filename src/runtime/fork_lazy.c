/* fork_lazy.c — when a forked child gets its copy of the managed memory: at its first need of
 * it, not at the fork. A child that forks to exec another program or to exit (a shell, make,
 * popen done by hand) then pays nothing. At the fork the pager is held still and the child's
 * views of the managed memory are sealed (fork_copy.c); the child runs, stopping at each system
 * call, while its parent waits at its fork. Calls that cannot reach the managed memory (close,
 * dup2, sigprocmask, ... with every pointer outside it; execve whose path and strings are outside
 * it) go through; a successful execve, or exit, ends the wait without a copy. Anything else —
 * another call, a touch of the sealed memory (SIGSEGV), any other signal, or anything but an
 * execve or exit once the child is late (it ran CPU_MS of CPU time, or slept BLOCKED_MS in a call
 * let through, or WALL_MS passed) — makes the copy first, of the memory as it was at the fork
 * (nothing could
 * change it: the parent waits, its other threads' writes wait on the held pager), and the child
 * then goes on as if nothing happened (the call runs again, the touch is made again). */
#define _GNU_SOURCE
#include "fork_lazy.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fork_copy.h"
#include "remote.h"

/* How long the parent waits for its child to show whether it needs a copy: the child's CPU time
 * (a loaded machine may not run it for a while), time asleep in a call let through (a write to a
 * full pipe its parent would read), and a bound on the whole. */
#define CPU_MS 20
#define BLOCKED_MS 2
#define WALL_MS 1000
#define MAX_STR (128 * 1024)
#define MAX_VEC 65536

/* What a system call of the child means for its copy. */
enum { PASS, EXEC, ENDS, NEED };

typedef struct win {
	rt_fork_child *c;
	int pid;
	bool late;   /* copy at the next stop unless it is an execve or exit */
	clockid_t cpu; /* the child's CPU-time clock */
	bool gone;
	int status;
} win;

static bool str_ok(const win *w, uint64_t addr)
{
	if (!addr)
		return true;
	long n = tpo_remote_strlen(rt_fork_child_mem(w->c), addr, MAX_STR);
	return n >= 0 && !rt_fork_child_touches(w->c, addr, (uint64_t)n + 1);
}

/* A NULL-ended array of strings (argv, envp), every byte of it outside the views. */
static bool vec_ok(const win *w, uint64_t addr)
{
	if (!addr)
		return true;
	for (uint64_t k = 0; k < MAX_VEC; k++) {
		uint64_t at = addr + k * 8, p;
		if (rt_fork_child_touches(w->c, at, 8) || !tpo_remote_read(rt_fork_child_mem(w->c), at, &p, 8))
			return false;
		if (!p)
			return true;
		if (!str_ok(w, p))
			return false;
	}
	return false;
}

static bool out(const win *w, uint64_t addr, uint64_t len)
{
	return !addr || !rt_fork_child_touches(w->c, addr, len);
}

static int judge(const win *w, long nr, const uint64_t *a)
{
	switch (nr) {
	case SYS_exit:
	case SYS_exit_group:
		return ENDS;
	case SYS_execve:
		return str_ok(w, a[0]) && vec_ok(w, a[1]) && vec_ok(w, a[2]) ? EXEC : NEED;
	case SYS_execveat:
		return str_ok(w, a[1]) && vec_ok(w, a[2]) && vec_ok(w, a[3]) ? EXEC : NEED;
	case SYS_close:
	case SYS_close_range:
	case SYS_dup:
	case SYS_dup2:
	case SYS_dup3:
	case SYS_setsid:
	case SYS_setpgid:
	case SYS_getpid:
	case SYS_getppid:
	case SYS_gettid:
	case SYS_getuid:
	case SYS_geteuid:
	case SYS_getgid:
	case SYS_getegid:
	case SYS_setuid:
	case SYS_setgid:
	case SYS_umask:
	case SYS_sched_yield:
		return PASS;
	case SYS_fcntl: /* the commands that take no pointer */
		return a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC || a[1] == F_GETFD || a[1] == F_SETFD ||
		       a[1] == F_GETFL || a[1] == F_SETFL ? PASS : NEED;
	case SYS_prctl:
		return a[0] == PR_SET_PDEATHSIG ? PASS : NEED;
	case SYS_rt_sigprocmask:
		return out(w, a[1], a[3]) && out(w, a[2], a[3]) ? PASS : NEED;
	case SYS_rt_sigaction: /* struct sigaction as the kernel reads it: 3 words and the mask */
		return out(w, a[1], 24 + a[3]) && out(w, a[2], 24 + a[3]) ? PASS : NEED;
	case SYS_set_robust_list:
		return out(w, a[0], a[1]) ? PASS : NEED;
	case SYS_write: /* an error message before _exit; it blocks only on a full pipe */
		return out(w, a[1], a[2]) ? PASS : NEED;
	case SYS_chdir:
		return str_ok(w, a[0]) ? PASS : NEED;
	case SYS_openat:
		return str_ok(w, a[1]) ? PASS : NEED;
	default:
		return NEED;
	}
}

static uint64_t ns(clockid_t clock)
{
	struct timespec ts;
	if (clock_gettime(clock, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Whether the child sleeps (in a system call: the stops we wait for are 't'). */
static bool asleep(int pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	const char *p = strrchr(buf, ')'); /* the name may hold anything */
	return p && p[1] == ' ' && (p[2] == 'S' || p[2] == 'D');
}

/* The child's next stop (1), or 0 when it is late (only if !w->late), or -1. */
static int next_stop(win *w, int *status, uint64_t cpu0, uint64_t wall0)
{
	long nap = 10000; /* ns */
	uint64_t slept_since = 0;
	for (;;) {
		int got = waitpid(w->pid, status, __WALL | (w->late ? 0 : WNOHANG));
		if (got == w->pid)
			return 1;
		if (got < 0 && errno != EINTR)
			return -1;
		if (got == 0) {
			uint64_t now = rt_now_ns();
			bool sleeping = asleep(w->pid);
			if (!sleeping)
				slept_since = 0;
			else if (!slept_since)
				slept_since = now;
			uint64_t cpu = ns(w->cpu); /* 0 if it just died: its wait status comes next */
			if ((cpu && cpu - cpu0 >= CPU_MS * 1000000ull) || now - wall0 >= WALL_MS * 1000000ull ||
			    (slept_since && now - slept_since >= BLOCKED_MS * 1000000ull))
				return 0;
			struct timespec ts = {0, nap};
			nanosleep(&ts, NULL);
			nap = nap < 1000000 ? nap * 2 : nap;
		}
	}
}

/* Copies, the child stopped at a system call's entry: the call is made again after the copy. */
static bool copy_at_entry(win *w)
{
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, w->pid, 0, &regs) < 0)
		return false;
	regs.rip -= 2; /* back onto the syscall instruction */
	regs.rax = regs.orig_rax;
	return ptrace(PTRACE_SETREGS, w->pid, 0, &regs) == 0 && rt_fork_child_copy(w->c);
}

/* Copies, the child stopped for signal sig about to be delivered: a touch of its sealed memory is
 * made again; any other signal is delivered as it came. */
static bool copy_at_signal(win *w, int sig)
{
	siginfo_t si;
	if (ptrace(PTRACE_GETSIGINFO, w->pid, 0, &si) < 0)
		return false;
	bool ours = sig == SIGSEGV && si.si_code == SEGV_ACCERR &&
	            rt_fork_child_touches(w->c, (uint64_t)(uintptr_t)si.si_addr, 1);
	if (!rt_fork_child_copy(w->c))
		return false;
	if (ours)
		return ptrace(PTRACE_CONT, w->pid, 0, 0) == 0;
	/* stopped at the injection's last trap now: that stop delivers the signal, with its info */
	return ptrace(PTRACE_SETSIGINFO, w->pid, 0, &si) == 0 && ptrace(PTRACE_CONT, w->pid, 0, sig) == 0;
}

/* Lets the sealed child run until it shows its need; returns with it running (or gone). */
static bool watch(win *w)
{
	if (clock_getcpuclockid(w->pid, &w->cpu) != 0)
		w->cpu = CLOCK_MONOTONIC; /* no such clock: wall time then */
	uint64_t cpu0 = ns(w->cpu), wall0 = rt_now_ns();
	if (ptrace(PTRACE_SYSCALL, w->pid, 0, 0) < 0)
		return false;
	for (;;) {
		int status = 0;
		int got = next_stop(w, &status, cpu0, wall0);
		if (got < 0)
			return false;
		if (got == 0) {
			w->late = true;
			ptrace(PTRACE_INTERRUPT, w->pid, 0, 0); /* if it just died, its wait status comes next */
			continue;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			w->gone = true;
			w->status = status;
			return true;
		}
		if (!WIFSTOPPED(status))
			continue;
		int sig = WSTOPSIG(status), event = status >> 16;
		if (event == PTRACE_EVENT_EXEC) /* a new program: the old memory is gone, no copy */
			return ptrace(PTRACE_CONT, w->pid, 0, 0) == 0;
		if (sig == (SIGTRAP | 0x80) || event == PTRACE_EVENT_SECCOMP) {
			struct __ptrace_syscall_info si;
			if (ptrace(PTRACE_GET_SYSCALL_INFO, w->pid, sizeof si, &si) <= 0)
				return false;
			if (si.op == PTRACE_SYSCALL_INFO_EXIT) { /* a call let through (or a failed execve) */
				if (ptrace(PTRACE_SYSCALL, w->pid, 0, 0) < 0)
					return false;
				continue;
			}
			long nr = (long)(si.op == PTRACE_SYSCALL_INFO_SECCOMP ? si.seccomp.nr : si.entry.nr);
			const uint64_t *a = si.op == PTRACE_SYSCALL_INFO_SECCOMP ? si.seccomp.args : si.entry.args;
			int v = judge(w, nr, a);
			if (v == PASS && w->late) /* an exec or exit still ends it at once; nothing else waits */
				v = NEED;
			if (v == ENDS)
				return ptrace(PTRACE_CONT, w->pid, 0, 0) == 0;
			if (v == NEED)
				return copy_at_entry(w) && ptrace(PTRACE_CONT, w->pid, 0, 0) == 0;
			if (ptrace(PTRACE_SYSCALL, w->pid, 0, 0) < 0)
				return false;
			continue;
		}
		if (event == 0) /* a signal on its way to the child */
			return copy_at_signal(w, sig);
		/* PTRACE_EVENT_STOP (our interrupt, or a group stop) or any other event */
		if (!rt_fork_child_copy(w->c))
			return false;
		if (event == PTRACE_EVENT_STOP && sig != SIGTRAP)
			return ptrace(PTRACE_LISTEN, w->pid, 0, 0) == 0;
		return ptrace(PTRACE_CONT, w->pid, 0, 0) == 0;
	}
}

bool rt_fork_give(rt *r, int child, int first_sig, uint64_t scratch, GQueue *deferred, bool others_run,
                  bool *gone, int *gone_status, GError **err)
{
	bool frozen = false;
	bool held = rt_fork_hold(r, others_run, &frozen);
	rt_fork_child *c = rt_fork_child_open(r, child, scratch, deferred);
	win w = {.c = c, .pid = child};
	bool ok = held && rt_fork_child_ok(c);
	if (ok && first_sig) /* it stopped for a signal first: copy at once, then deliver it */
		ok = rt_fork_child_seal(c) && rt_fork_child_copy(c) && ptrace(PTRACE_CONT, child, 0, first_sig) == 0;
	else if (ok)
		ok = rt_fork_child_seal(c) && watch(&w);
	rt_fork_unhold(r, frozen);
	bool closed = rt_fork_child_close(c, gone, gone_status, err);
	if (w.gone) {
		*gone = true;
		*gone_status = w.status;
		g_clear_error(err);
		return false;
	}
	if (ok && closed)
		return true;
	if (!*gone && err && !*err)
		g_set_error(err, TPO_RT_ERROR, 0, "cannot give forked process %d its copy of the managed memory", child);
	return false;
}
