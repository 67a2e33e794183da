/* supervise.c — the runtime's ptrace side: launch the program (with the launcher, src/launch/:
 * no address randomisation, a seccomp filter that stops it only at mmap, munmap, mremap and
 * madvise), give it a userfaultfd at its exec, turn each large private anonymous mapping it
 * makes into a view of the runtime's memfd registered with that userfaultfd, keep the regions
 * current through munmap, mremap and madvise, give each child it forks its own copy of that
 * memory (fork_copy.c) before the child runs, and pass everything else (signals, threads, exit
 * status) through untouched. */
#define _GNU_SOURCE
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/kcmp.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fork_copy.h"
#include "launch.h"
#include "ops.h"
#include "remote.h"

#define REGION_RESERVE (1ull << 40) /* memfd offsets per region: room for any mremap growth */

typedef struct sthread {
	int tid;
	bool managed;   /* shares the managed address space */
	bool at_entry;  /* stopped in a trapped call, waiting for its exit */
	bool held;      /* new, stopped before its parent's event said what it is: kept stopped */
	int held_sig;   /* the signal of that stop, to deliver when it goes on */
	long nr;
	uint64_t a[6];
} sthread;

typedef struct sup {
	rt *r;
	GHashTable *threads;
	GQueue deferred;
	int pid, memfd_mem;
	uint64_t scratch;
	bool set_up, main_done;
	int main_status;
	pthread_t pager;
	bool pager_running;
	GError *error;
} sup;

static void set_err(sup *s, GError *e)
{
	if (!s->error)
		s->error = e;
	else
		g_error_free(e);
}

/* --- the child ----------------------------------------------------------------------------- */

static int install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xc000003e /* AUDIT_ARCH_X86_64 */, 0, 6),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_munmap, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mremap, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_madvise, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = G_N_ELEMENTS(f), .filter = f};
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* The child's step before exec: 0, or -errno. */
static int before_exec(void)
{
	return install_filter() < 0 ? -errno : 0;
}

/* --- injected calls ------------------------------------------------------------------------ */

static bool inject(sup *s, int tid, long nr, int nargs, const uint64_t *a, uint64_t *ret)
{
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, tid, 0, &regs) < 0)
		return false;
	tpo_ops ops;
	tpo_ops_init(&ops);
	tpo_ops_syscall(&ops, nr, nargs, a);
	tpo_remote_status st = {.deferred = &s->deferred};
	bool ok = tpo_remote_run(tid, s->memfd_mem, s->scratch, TPO_SCRATCH_CODE, &ops, &regs, &regs, ret, &st);
	tpo_ops_free(&ops);
	for (int k = 0; k < st.nstashed; k++)
		syscall(SYS_tgkill, s->pid, tid, st.stashed[k]);
	if (st.gone) {
		s->main_done = tid == s->pid;
		s->main_status = st.exit_status;
		return false;
	}
	return ok;
}

/* The program's userfaultfd, made in it and copied to us; its own copy is closed again. */
static bool setup(sup *s, int tid)
{
	rt *r = s->r;
	tpo_remote_status st = {.deferred = &s->deferred};
	s->memfd_mem = tpo_remote_open_mem(s->pid);
	s->scratch = s->memfd_mem >= 0 ? tpo_remote_map_scratch(tid, s->memfd_mem, &st) : 0;
	if (!s->scratch) {
		set_err(s, g_error_new(TPO_RT_ERROR, 0, "cannot set up in process %d", s->pid));
		return false;
	}
	uint64_t a[1] = {O_CLOEXEC | O_NONBLOCK}, fd = 0;
	if (!inject(s, tid, SYS_userfaultfd, 1, a, &fd) || (int64_t)fd < 0) {
		set_err(s, g_error_new(TPO_RT_ERROR, 0, "userfaultfd() in process %d failed: %s (the runtime must run "
		                       "as root, or with vm.unprivileged_userfaultfd=1)", s->pid,
		                       g_strerror(-(int)(int64_t)fd)));
		return false;
	}
	int pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	r->uffd = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0) : -1;
	int e = errno;
	if (pidfd >= 0)
		close(pidfd);
	uint64_t c[1] = {fd};
	inject(s, tid, SYS_close, 1, c, NULL);
	if (r->uffd < 0) {
		set_err(s, g_error_new(TPO_RT_ERROR, 0, "pidfd_getfd: %s (Linux 5.6 or later)", g_strerror(e)));
		return false;
	}
	GError *err = NULL;
	if (!rt_uffd_api(r, &err)) {
		set_err(s, err);
		return false;
	}
	if (!rt_pager_start(r, &s->pager)) {
		set_err(s, g_error_new(TPO_RT_ERROR, 0, "cannot start the pager thread"));
		return false;
	}
	s->pager_running = true;
	s->set_up = true;
	return true;
}

static bool wanted(const rt *r, const uint64_t *a)
{
	uint64_t len = a[1], prot = a[2], flags = a[3];
	return (flags & MAP_ANONYMOUS) && (flags & MAP_TYPE) == MAP_PRIVATE &&
	       !(flags & (MAP_STACK | MAP_GROWSDOWN | MAP_HUGETLB)) &&
	       (prot & (PROT_READ | PROT_WRITE)) == (PROT_READ | PROT_WRITE) && !(prot & PROT_EXEC) &&
	       len >= r->opt.min_region;
}

/* Replaces the fresh anonymous mapping [addr, addr+len) by a shared view of our memfd. */
static void manage(sup *s, int tid, uint64_t addr, uint64_t len, uint64_t prot)
{
	rt *r = s->r;
	len = (len + RT_PAGE - 1) & ~(RT_PAGE - 1);
	char path[64];
	int n = snprintf(path, sizeof path, "/proc/%d/fd/%d", getpid(), r->memfd);
	uint64_t data = s->scratch + TPO_SCRATCH_CODE;
	if (!tpo_remote_write(s->memfd_mem, data, path, (size_t)n + 1))
		return;
	uint64_t a_open[3] = {data, O_RDWR | O_CLOEXEC, 0}, fd;
	if (!inject(s, tid, SYS_open, 3, a_open, &fd) || (int64_t)fd < 0)
		return; /* no fd left, say: the mapping stays as it is, local */
	pthread_mutex_lock(&r->lock);
	uint64_t off = r->next_off;
	r->next_off += REGION_RESERVE;
	pthread_mutex_unlock(&r->lock);
	uint64_t a_map[6] = {addr, len, prot, MAP_SHARED | MAP_FIXED, fd, off}, got = 0;
	bool ok = inject(s, tid, SYS_mmap, 6, a_map, &got);
	uint64_t a_close[1] = {fd};
	inject(s, tid, SYS_close, 1, a_close, NULL);
	if (!ok || got != addr) {
		set_err(s, g_error_new(TPO_RT_ERROR, 0, "could not replace mapping %#" G_GINT64_MODIFIER "x in process %d",
		                       (guint64)addr, s->pid));
		return;
	}
	GError *err = NULL;
	if (!rt_uffd_register(r, addr, addr + len, &err)) {
		set_err(s, err);
		return;
	}
	pthread_mutex_lock(&r->lock);
	rt_region_add(r, addr, addr + len, off);
	pthread_mutex_unlock(&r->lock);
	if (r->opt.verbose > 1)
		fprintf(stderr, "3po-run: managing %#" G_GINT64_MODIFIER "x-%#" G_GINT64_MODIFIER "x (%" G_GUINT64_FORMAT " pages)\n",
		        (guint64)addr, (guint64)(addr + len), (guint64)(len / RT_PAGE));
}

/* --- system calls -------------------------------------------------------------------------- */

static uint64_t page_up(uint64_t x)
{
	return (x + RT_PAGE - 1) & ~(RT_PAGE - 1);
}

static void on_entry(sup *s, sthread *th)
{
	struct __ptrace_syscall_info si;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, th->tid, sizeof si, &si) <= 0 || si.op != PTRACE_SYSCALL_INFO_SECCOMP)
		return;
	th->nr = (long)si.seccomp.nr;
	memcpy(th->a, si.seccomp.args, sizeof th->a);
	if (th->nr == SYS_munmap && !(th->a[0] & (RT_PAGE - 1))) {
		pthread_mutex_lock(&s->r->lock);
		rt_region_cut(s->r, th->a[0], th->a[0] + page_up(th->a[1]));
		pthread_mutex_unlock(&s->r->lock);
	}
	th->at_entry = true;
}

static void on_exit_stop(sup *s, sthread *th)
{
	th->at_entry = false;
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &regs) < 0)
		return;
	int64_t rv = (int64_t)regs.rax;
	if (rv < 0 && rv > -4096)
		return;
	rt *r = s->r;
	uint64_t *a = th->a;
	switch (th->nr) {
	case SYS_mmap:
		if (a[3] & MAP_FIXED) { /* it replaced whatever was there */
			pthread_mutex_lock(&r->lock);
			rt_region_cut(r, (uint64_t)rv, (uint64_t)rv + page_up(a[1]));
			pthread_mutex_unlock(&r->lock);
		}
		if (wanted(r, a))
			manage(s, th->tid, (uint64_t)rv, a[1], a[2]);
		break;
	case SYS_mremap: {
		pthread_mutex_lock(&r->lock);
		bool ok = rt_region_move(r, a[0], page_up(a[1]), (uint64_t)rv, page_up(a[2]));
		pthread_mutex_unlock(&r->lock);
		GError *err = NULL;
		if (!ok)
			set_err(s, g_error_new(TPO_RT_ERROR, 0, "the program moved part of a managed region (mremap "
			                       "%#" G_GINT64_MODIFIER "x): not supported", (guint64)a[0]));
		else if (rt_region_find(r, (uint64_t)rv) && !rt_uffd_register(r, (uint64_t)rv, (uint64_t)rv + page_up(a[2]), &err))
			set_err(s, err);
		break;
	}
	case SYS_madvise:
		if (a[2] == MADV_DONTNEED || a[2] == MADV_FREE || a[2] == MADV_REMOVE) {
			/* private memory reads as zeros afterwards; our shared view must too */
			pthread_mutex_lock(&r->lock);
			rt_region_zero(r, a[0], a[0] + page_up(a[1]));
			pthread_mutex_unlock(&r->lock);
		}
		break;
	default:
		break;
	}
}

/* --- the event loop ------------------------------------------------------------------------ */

static sthread *thread_new(sup *s, int tid, bool managed)
{
	sthread *th = g_new0(sthread, 1);
	th->tid = tid;
	th->managed = managed;
	g_hash_table_insert(s->threads, GINT_TO_POINTER(tid), th);
	return th;
}

static void fail_and_kill(sup *s, GError *e)
{
	if (e)
		set_err(s, e);
	kill(s->pid, SIGKILL);
}

/* --- forked children ---------------------------------------------------------------------- */

static void release(sthread *c)
{
	c->held = false;
	ptrace(PTRACE_CONT, c->tid, 0, c->held_sig);
	c->held_sig = 0;
}

/* Waits for the first stop of new thread c (it may have come already, kept aside while calls
 * were injected). False if it died instead (then forgotten). */
static bool await_first_stop(sup *s, sthread *c)
{
	if (c->held)
		return true;
	int status = 0;
	bool found = false;
	for (GList *l = s->deferred.head; l && !found; l = l->next) {
		tpo_deferred *d = l->data;
		if (d->tid == c->tid) {
			status = d->status;
			g_queue_delete_link(&s->deferred, l);
			g_free(d);
			found = true;
		}
	}
	while (!found && waitpid(c->tid, &status, __WALL) < 0)
		if (errno != EINTR)
			return false;
	if (!WIFSTOPPED(status)) {
		g_hash_table_remove(s->threads, GINT_TO_POINTER(c->tid));
		return false;
	}
	c->held = true;
	c->held_sig = (status >> 16) == 0 ? WSTOPSIG(status) : 0;
	return true;
}

/* A child that does not share the program's address space: it gets its own copy of the managed
 * memory before it runs, and then runs unmanaged (still traced: the seccomp filter it inherited
 * would fail its mmap calls with ENOSYS without a tracer). */
static void give_copy(sup *s, sthread *c)
{
	if (!await_first_stop(s, c))
		return;
	bool gone = false;
	int status = 0;
	GError *err = NULL;
	guint managed = 0;
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, s->threads);
	while (g_hash_table_iter_next(&it, &k, &v))
		managed += ((sthread *)v)->managed;
	/* the forking thread is stopped at its event; any other thread of the program may run */
	if (!rt_fork_copy(s->r, c->tid, s->scratch, &s->deferred, managed > 1, &gone, &status, &err)) {
		if (gone) {
			g_hash_table_remove(s->threads, GINT_TO_POINTER(c->tid));
			return;
		}
		kill(c->tid, SIGKILL); /* it must not run on memory it shares with its parent */
		release(c);
		fail_and_kill(s, err);
		return;
	}
	release(c);
}

/* Whether the new thread or child shares its parent's address space (CLONE_VM). */
static bool shares_vm(int parent, int child, int event)
{
	long rc = syscall(SYS_kcmp, parent, child, KCMP_VM, 0, 0);
	if (rc >= 0)
		return rc == 0;
	return event != PTRACE_EVENT_FORK; /* no kcmp: clone events are threads, vfork shares */
}

static void on_new(sup *s, sthread *th, int event, int ctid)
{
	sthread *c = g_hash_table_lookup(s->threads, GINT_TO_POINTER(ctid));
	if (!c)
		c = thread_new(s, ctid, false);
	bool shares = shares_vm(th->tid, ctid, event);
	c->managed = shares && th->managed && event != PTRACE_EVENT_VFORK;
	if (!shares && th->managed && s->set_up && s->r->regions->len)
		give_copy(s, c);
	else if (c->held)
		release(c);
}

/* The program is gone: new threads whose parent's event never came go on, forked children with
 * their own copy. */
static void release_held(sup *s)
{
	GHashTableIter it;
	gpointer k, v;
	GPtrArray *held = g_ptr_array_new();
	g_hash_table_iter_init(&it, s->threads);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (((sthread *)v)->held)
			g_ptr_array_add(held, v);
	for (guint i = 0; i < held->len; i++) {
		sthread *c = held->pdata[i];
		if (s->set_up && s->r->regions->len && (int)syscall(SYS_kcmp, s->pid, c->tid, KCMP_VM, 0, 0) != 0)
			give_copy(s, c);
		else
			release(c);
	}
	g_ptr_array_free(held, TRUE);
}

static void handle(sup *s, int tid, int status)
{
	sthread *th = g_hash_table_lookup(s->threads, GINT_TO_POINTER(tid));
	if (!th && WIFSTOPPED(status)) {
		/* a new thread or child, before its parent's event: it waits for that */
		th = thread_new(s, tid, false);
		th->held = true;
		th->held_sig = (status >> 16) == 0 ? WSTOPSIG(status) : 0;
		return;
	}
	if (!th)
		th = thread_new(s, tid, false);
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		g_hash_table_remove(s->threads, GINT_TO_POINTER(tid));
		if (tid == s->pid) {
			s->main_done = true;
			s->main_status = status;
			release_held(s);
		}
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	int sig = WSTOPSIG(status), event = status >> 16;
	if (sig == (SIGTRAP | 0x80)) { /* the exit of a trapped call */
		if (th->at_entry && th->managed && s->set_up)
			on_exit_stop(s, th);
		ptrace(PTRACE_CONT, tid, 0, 0);
		return;
	}
	unsigned long msg = 0;
	switch (event) {
	case PTRACE_EVENT_SECCOMP:
		if (th->managed && s->set_up) {
			on_entry(s, th);
			ptrace(PTRACE_SYSCALL, tid, 0, 0); /* stop again at its exit */
		} else {
			ptrace(PTRACE_CONT, tid, 0, 0);
		}
		return;
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg) == 0 && msg)
			on_new(s, th, event, (int)msg);
		ptrace(PTRACE_CONT, tid, 0, 0);
		return;
	case PTRACE_EVENT_EXEC:
		if (tid == s->pid && !s->set_up && !s->error) {
			th->managed = true;
			if (!setup(s, tid)) {
				fail_and_kill(s, NULL);
				return;
			}
		} else if (th->managed) {
			th->managed = false; /* a new program in a new address space: no longer ours */
		}
		ptrace(PTRACE_CONT, tid, 0, 0);
		return;
	case PTRACE_EVENT_STOP:
		if (tpo_is_stop_signal(sig)) {
			ptrace(PTRACE_LISTEN, tid, 0, 0); /* a group stop: stay stopped, as untraced */
			return;
		}
		ptrace(PTRACE_CONT, tid, 0, 0);
		return;
	case 0:
		ptrace(PTRACE_CONT, tid, 0, sig); /* the program's own signal */
		return;
	default:
		ptrace(PTRACE_CONT, tid, 0, 0);
		return;
	}
}

static void loop(sup *s)
{
	while (g_hash_table_size(s->threads) || !s->main_done) {
		int status;
		pid_t tid = tpo_remote_next_status(&s->deferred, &status);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		handle(s, tid, status);
		if (s->r->failed && !s->r->gone && !s->error) {
			s->error = s->r->far_error ? g_error_copy(s->r->far_error) : NULL;
			kill(s->pid, SIGKILL);
		}
	}
}

gboolean rt_supervise(rt *r, tpo_rt_result *res, GError **err)
{
	/* the same addresses every run (unless --aslr), so the tape (made of addresses) fits */
	tpo_launch_options lo = {.argv = r->opt.argv, .aslr = r->opt.aslr,
	                         .ptrace_options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
	                                           PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP,
	                         .before_exec = before_exec, .before_exec_what = "install the seccomp filter"};
	tpo_launch l;
	if (!tpo_launch_start(&l, &lo, err))
		return FALSE;
	sup s = {.r = r, .pid = l.pid, .memfd_mem = -1};
	s.threads = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	g_queue_init(&s.deferred);
	thread_new(&s, l.pid, false);
	r->kill_pid = l.pid;
	uint64_t t0 = rt_now_ns();
	tpo_launch_go(&l);
	loop(&s);
	res->launched = tpo_launch_end(&l, &res->exec_errno, err);
	if (s.pager_running)
		rt_pager_stop(r, s.pager);
	res->stats = r->st;
	res->stats.wall_s = (double)(rt_now_ns() - t0) / 1e9;
	if (r->far) {
		const tpo_far_stats *fs = tpo_far_get_stats(r->far);
		res->stats.bytes_in = fs->bytes_in;
		res->stats.bytes_out = fs->bytes_out;
	}
	res->status = s.main_status;
	if (s.memfd_mem >= 0)
		close(s.memfd_mem);
	g_hash_table_destroy(s.threads);
	if (!res->launched) {
		g_clear_error(&s.error);
		return FALSE;
	}
	if (!s.error && r->failed && r->far_error)
		s.error = g_error_copy(r->far_error);
	if (s.error) {
		g_propagate_prefixed_error(err, s.error, "%s", "");
		return FALSE;
	}
	return TRUE;
}
