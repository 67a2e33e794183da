/* attach.c — 3po-attach: join a running process (every thread, including those created while
 * attaching), trace it until told to stop, then detach leaving nothing behind: the program's own
 * protections restored, our scratch page unmapped, every thread running on as before. */
#define _GNU_SOURCE
#include "tracer.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif

static volatile sig_atomic_t stop_flag;
static uint64_t deadline_ns;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_tick(int sig)
{
	(void)sig;
	if (deadline_ns && tpo_now_ns() >= deadline_ns)
		stop_flag = 1;
}

static void install_handlers(double duration)
{
	struct sigaction sa = {0};
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop_signal; /* no SA_RESTART: waitpid must return to look at the flag */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_tick;
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	deadline_ns = duration > 0 ? tpo_now_ns() + (uint64_t)(duration * 1e9) : 0;
	struct itimerval it = {{0, 100000}, {0, 100000}}; /* wakes waitpid to look at the flag */
	setitimer(ITIMER_REAL, &it, NULL);
	/* 3po-attach's guardian (src/cmd/attach_guard.c) starts us with them blocked */
	sigset_t stops;
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &stops, NULL);
}

static void remove_handlers(void)
{
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
}

static gboolean fail(GError **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean fail(GError **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_IO, msg);
	g_free(msg);
	return FALSE;
}

/* A kernel thread: "Kthread: 1" in its status (Linux 6.0 on), else PF_KTHREAD in the flags
 * of its stat (field 9, after the parenthesised name, which may hold anything). */
static bool is_kernel_thread(int pid, const char *status)
{
	const char *k = strstr(status, "\nKthread:");
	if (k)
		return atoi(k + 9) == 1;
	char path[64], *stat = NULL;
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if (!g_file_get_contents(path, &stat, NULL, NULL))
		return false;
	const char *p = strrchr(stat, ')');
	unsigned long flags = 0;
	bool kt = p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) == 1 && (flags & 0x00200000);
	g_free(stat);
	return kt;
}

/* Refuses what cannot or must not be attached to, with a one-line reason. */
static gboolean check_target(int pid, GError **err)
{
	if (pid <= 0)
		return fail(err, "%d is not a process id", pid);
	if (pid == getpid())
		return fail(err, "cannot attach to itself (pid %d)", pid);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	char *status = NULL;
	if (!g_file_get_contents(path, &status, NULL, NULL))
		return fail(err, "no such process: %d", pid);
	gboolean ok = TRUE;
	const char *state = strstr(status, "\nState:");
	const char *tracer = strstr(status, "\nTracerPid:");
	const char *tgid = strstr(status, "\nTgid:");
	if (tgid && atoi(tgid + 6) != pid)
		ok = fail(err, "%d is a thread of process %d: attach to the process", pid, atoi(tgid + 6));
	else if (is_kernel_thread(pid, status))
		ok = fail(err, "process %d is a kernel thread: it has no user memory to trace", pid);
	else if (state && strchr(state + 7, 'Z') && strchr(state + 7, 'Z') < strchr(state + 7, '\n'))
		ok = fail(err, "process %d is a zombie", pid);
	else if (tracer && atoi(tracer + 11) != 0)
		ok = fail(err, "process %d is already being traced (by process %d)", pid, atoi(tracer + 11));
	g_free(status);
	return ok;
}

/* Seizes every thread, again until a pass over /proc/PID/task finds no new one. */
static gboolean seize_all(int pid, GArray *tids, GError **err)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/task", pid);
	for (bool added = true; added;) {
		added = false;
		DIR *d = opendir(dir);
		if (!d)
			return fail(err, "no such process: %d", pid);
		struct dirent *e;
		while ((e = readdir(d))) {
			int tid = atoi(e->d_name);
			bool have = false;
			for (guint i = 0; tid > 0 && i < tids->len; i++)
				have |= g_array_index(tids, int, i) == tid;
			if (tid <= 0 || have)
				continue;
			if (ptrace(PTRACE_SEIZE, tid, 0, TPO_PTRACE_OPTIONS) < 0) {
				if (errno == ESRCH)
					continue; /* exited meanwhile */
				int e2 = errno;
				closedir(d);
				if (e2 == EPERM)
					return fail(err, "cannot attach to process %d: permission denied (ptrace_scope, or not yours)", pid);
				return fail(err, "cannot attach to thread %d of process %d: %s", tid, pid, g_strerror(e2));
			}
			g_array_append_val(tids, tid);
			added = true;
		}
		closedir(d);
	}
	return TRUE;
}

/* Interrupts a seized thread and waits for its stop; returns a signal that was pending (to be
 * delivered later), 0, or -1 if the thread is gone. */
static int interrupt_and_wait(int tid)
{
	int pending = 0;
	ptrace(PTRACE_INTERRUPT, tid, 0, 0);
	for (;;) {
		int status;
		if (waitpid(tid, &status, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return -1;
		if (status >> 16 == PTRACE_EVENT_STOP)
			return pending;
		if (WIFSTOPPED(status)) { /* a signal on its way in: keep it for later */
			pending = WSTOPSIG(status);
			ptrace(PTRACE_CONT, tid, 0, 0);
		}
	}
}

static void exclude(tpo_proc *p, uint64_t s, uint64_t e)
{
	if (e > s)
		tpo_regions_exclude(&p->regions, TPO_PAGE_DOWN(s), TPO_PAGE_UP(e));
}

/* What the kernel writes on a thread's behalf, and its stack: never traced. */
static void exclude_thread_areas(tpo_tracer *t, tpo_proc *p, tpo_thread *th)
{
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &regs) == 0) {
		const tpo_region *r = tpo_regions_find(&p->regions, regs.rsp);
		if (r)
			exclude(p, r->start, r->end);
	}
	struct { uint64_t ptr; uint32_t size, sig, flags, pad; } rseq;
	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, th->tid, sizeof rseq, &rseq) > 0 && rseq.ptr)
		exclude(p, rseq.ptr, rseq.ptr + rseq.size);
	void *head = NULL;
	size_t len = 0;
	if (syscall(SYS_get_robust_list, th->tid, &head, &len) == 0 && head)
		exclude(p, (uint64_t)(uintptr_t)head, (uint64_t)(uintptr_t)head + len);
	/* its alternate signal stack, asked of the thread itself */
	uint64_t data = p->scratch + TPO_SCRATCH_CODE + 64;
	tpo_ops ops;
	tpo_ops_init(&ops);
	uint64_t a[2] = {0, data};
	tpo_ops_syscall(&ops, SYS_sigaltstack, 2, a);
	if (tpo_tr_run_ops(t, th, &ops, &regs, &regs)) {
		struct { uint64_t sp; int flags, pad; uint64_t size; } ss;
		if (tpo_remote_read(p->memfd, data, &ss, sizeof ss) && !(ss.flags & 2) && ss.sp)
			exclude(p, ss.sp, ss.sp + ss.size);
	}
	tpo_ops_free(&ops);
}

/* The program's SIGSEGV action, read in the target, so sigsegv.c can keep it alive. */
static void read_segv_action(tpo_tracer *t, tpo_proc *p, tpo_thread *th)
{
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &regs) < 0)
		return;
	tpo_ops ops;
	tpo_ops_init(&ops);
	uint64_t a[4] = {SIGSEGV, 0, p->scratch + TPO_SCRATCH_CODE, 8};
	tpo_ops_syscall(&ops, SYS_rt_sigaction, 4, a);
	if (tpo_tr_run_ops(t, th, &ops, &regs, &regs) &&
	    tpo_remote_read(p->memfd, p->scratch + TPO_SCRATCH_CODE, p->segv_act, sizeof p->segv_act)) {
		uint64_t h;
		memcpy(&h, p->segv_act, 8);
		p->segv_tracked = h != 0;
	}
	tpo_ops_free(&ops);
}

static void set_brk(tpo_proc *p)
{
	for (guint i = 0; i < p->regions.v->len; i++) {
		const tpo_region *r = &g_array_index(p->regions.v, tpo_region, i);
		if (r->flags & TPO_RF_HEAP)
			p->brk = r->end;
	}
}

static char **read_cmdline(int pid, uint32_t *argc)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	char *buf = NULL;
	gsize len = 0;
	GPtrArray *v = g_ptr_array_new();
	if (g_file_get_contents(path, &buf, &len, NULL))
		for (gsize at = 0; at < len; at += strlen(buf + at) + 1)
			g_ptr_array_add(v, g_strdup(buf + at));
	g_free(buf);
	*argc = v->len;
	g_ptr_array_add(v, NULL);
	return (char **)g_ptr_array_free(v, FALSE);
}

/* Every thread is parked: give the program its memory back and let go. */
static void detach_all(tpo_tracer *t)
{
	GList *all = g_hash_table_get_values(t->threads);
	for (GList *l = all; l; l = l->next) {
		tpo_thread *th = l->data;
		tpo_proc *p = th->proc;
		if (p->scratch) {
			struct user_regs_struct regs;
			if (ptrace(PTRACE_GETREGS, th->tid, 0, &regs) == 0) {
				struct __ptrace_syscall_info si;
				if (ptrace(PTRACE_GET_SYSCALL_INFO, th->tid, sizeof si, &si) > 0 &&
				    si.op == PTRACE_SYSCALL_INFO_ENTRY) {
					/* Parked at a system call's entry: once our code has run there, the
					 * thread resumes from an int3 stop, where the call would be skipped
					 * and return -ENOSYS (exit_group would fall through to glibc's hlt:
					 * SIGSEGV). Put it back on its `syscall` instruction instead. */
					regs.rip -= 2;
					regs.rax = regs.orig_rax;
				}
				tpo_ops_reset(&t->ops);
				tpo_proc_untrace_ops(p, &t->ops);
				if (tpo_tr_run_ops(t, th, &t->ops, &regs, &regs)) {
					tpo_remote_status st = {.deferred = &t->deferred};
					tpo_tr_remove_scratch(th->tid, p, &regs, &st);
				}
			}
		}
	}
	g_list_free(all);
	all = g_hash_table_get_values(t->threads);
	for (GList *l = all; l; l = l->next) {
		tpo_thread *th = l->data;
		/* a signal held back meanwhile is sent again: ptrace hands one over only at a
		 * signal-delivery-stop, and a thread may be parked at any stop */
		ptrace(PTRACE_DETACH, th->tid, 0, th->park_sig);
		if (th->pending_sig)
			syscall(SYS_tgkill, th->proc->pid, th->tid, th->pending_sig);
		tpo_tr_thread_free(t, th);
	}
	g_list_free(all);
}

void tpo_tr_detach_all(tpo_tracer *t)
{
	detach_all(t);
}

/* Lets go of the threads seized before seizing the rest failed. */
static void release_seized(GArray *tids)
{
	for (guint i = 0; i < tids->len; i++)
		ptrace(PTRACE_DETACH, g_array_index(tids, int, i), 0, 0);
}

/* Stops each seized thread and takes it into p; returns the leader (the thread pid, else the
 * first that stopped), or NULL if none stopped. */
static tpo_thread *adopt_threads(tpo_tracer *t, tpo_proc *p, GArray *tids)
{
	tpo_thread *leader = NULL;
	for (guint i = 0; i < tids->len; i++) {
		int tid = g_array_index(tids, int, i);
		int pending = interrupt_and_wait(tid);
		if (pending < 0)
			continue;
		tpo_thread *th = tpo_tr_thread_new(t, tid, p);
		th->pending_sig = pending;
		if (tid == p->pid || !leader)
			leader = th;
	}
	return leader;
}

/* Opens the trace of process pid, marked as begun mid-run, with its program and arguments. */
static tpo_trace_writer *open_attached_trace(const tpo_trace_options *opt, int pid, GError **err)
{
	char exe[64], path[4096];
	snprintf(exe, sizeof exe, "/proc/%d/exe", pid);
	ssize_t n = readlink(exe, path, sizeof path - 1);
	path[n > 0 ? n : 0] = 0;
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	tpo_trace_header h = {.version = TPO_TRACE_VERSION, .page_size = (uint32_t)sysconf(_SC_PAGESIZE),
	                      .microset_size = opt->microset, .flags = TPO_TRACE_F_ATTACHED, .pid = pid,
	                      .start_time_ns = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec,
	                      .program = path};
	h.argv = read_cmdline(pid, &h.argc);
	tpo_trace_writer *w = tpo_trace_writer_open(opt->output, &h, err);
	g_strfreev(h.argv);
	return w;
}

/* Sets the running process up for tracing: the injected code, the areas the kernel writes on
 * its own (left unprotected), its SIGSEGV action, the break, then every region protected. */
static bool prepare_process(tpo_tracer *t, tpo_proc *p, tpo_thread *leader)
{
	if (!tpo_proc_prepare(t, p, leader))
		return false;
	GList *all = g_hash_table_get_values(t->threads);
	for (GList *l = all; l; l = l->next)
		exclude_thread_areas(t, p, l->data);
	g_list_free(all);
	read_segv_action(t, p, leader);
	if (p->segv_tracked)
		tpo_remote_write(p->memfd, p->scratch + TPO_SCRATCH_CODE, p->segv_act, sizeof p->segv_act);
	set_brk(p);
	return tpo_proc_protect_all(t, p, leader);
}

/* Resumes every thread and traces until a stop is asked for or the process ends; if the set-up
 * failed, only marks the tracer as detaching. */
static void trace_until_stopped(tpo_tracer *t, bool ready)
{
	if (!ready) {
		stop_flag = 1;
		t->detaching = true;
		return;
	}
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, t->threads);
	while (g_hash_table_iter_next(&it, NULL, &v))
		tpo_tr_resume(v, 0);
	tpo_tr_event_loop(t);
}

/* Detaches from the threads still there, fills res and the trace's footer, closes the trace
 * (abandoned after a tracer error); returns ok, or false if closing or tracing failed. */
static bool finish_attach(tpo_tracer *t, tpo_trace_result *res, bool ok, GError **err)
{
	bool detached = g_hash_table_size(t->threads) > 0;
	if (detached)
		detach_all(t);
	res->launched = true;
	tpo_tr_end_result(t, res, detached                      ? TPO_END_DETACHED
	                          : WIFSIGNALED(t->main_status) ? TPO_END_KILLED
	                                                        : TPO_END_EXITED);
	res->detached = detached;
	if (t->w) {
		if (t->error) {
			tpo_trace_writer_flush(t->w, NULL);
			tpo_trace_writer_abandon(t->w);
		} else if (!tpo_trace_writer_close(t->w, &t->tot, err)) {
			ok = false;
		}
	}
	if (t->error && ok) {
		g_propagate_error(err, t->error);
		t->error = NULL;
		ok = false;
	}
	return ok;
}

gboolean tpo_trace_attach(const tpo_trace_options *opt, int pid, double duration, tpo_trace_result *res,
                          GError **err)
{
	memset(res, 0, sizeof *res);
	if (!check_target(pid, err))
		return FALSE;
	/* from here on a stop signal, even one during set-up, ends in a clean detach */
	stop_flag = 0;
	install_handlers(duration);
	GArray *tids = g_array_new(FALSE, FALSE, sizeof(int));
	if (!seize_all(pid, tids, err)) {
		release_seized(tids);
		g_array_free(tids, TRUE);
		remove_handlers();
		return FALSE;
	}
	tpo_tracer t;
	tpo_tr_init(&t, opt);
	t.main_pid = pid;
	t.attached = true;
	t.stop_requested = &stop_flag;
	tpo_proc *p = tpo_proc_new(&t, pid);
	p->main = true;
	tpo_thread *leader = adopt_threads(&t, p, tids);
	g_array_free(tids, TRUE);

	t.w = leader ? open_attached_trace(opt, pid, err) : NULL;
	t.t0_ns = tpo_now_ns();
	bool ok = t.w && prepare_process(&t, p, leader);
	if (!ok && !(err && *err))
		fail(err, "cannot set up tracing in process %d", pid);
	trace_until_stopped(&t, ok);
	remove_handlers();
	ok = finish_attach(&t, res, ok, err);
	tpo_tr_free(&t);
	return ok;
}
