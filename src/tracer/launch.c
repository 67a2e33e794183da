/* launch.c — 3po-run's start: fork the program, seize it before it execs, pin it and the
 * supervisor to one CPU (the least busy), forward signals sent to the supervisor, and finish the trace. */
#define _GNU_SOURCE
#include "tracer/tracer.h"
#include "tracer/cpuload.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t forward_pid;

/* Signals sent to the supervisor by a process (kill, timeout) go to the program, as if the
 * supervisor were not there; those from the terminal reached the program already. */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (forward_pid > 0 && si->si_code <= 0)
		kill(forward_pid, sig);
}

void tpo_launch_forward_signals(int pid)
{
	forward_pid = pid;
	if (pid <= 0)
		return;
	struct sigaction sa = {0};
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
		struct sigaction old;
		/* a signal we were started ignoring stays ignored, as the program inherits it so */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);
}

gboolean tpo_launch_no_aslr(GError **err)
{
	errno = 0;
	int cur = personality(0xffffffff);
	if (cur >= 0 && (cur & ADDR_NO_RANDOMIZE))
		return TRUE;
	if (cur < 0 || personality((unsigned long)cur | ADDR_NO_RANDOMIZE) < 0 ||
	    !(personality(0xffffffff) & ADDR_NO_RANDOMIZE)) {
		int e = errno;
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_IO,
		            "cannot turn address randomisation off: personality: %s (--aslr runs with it on, "
		            "but no tape fits such a run)", e ? g_strerror(e) : "not set");
		return FALSE;
	}
	return TRUE;
}

/* The program runs on untraced (a trace write failed): give every thread of it back the CPU
 * affinity it would have had, the one we had before pinning ourselves. */
static void unpin_all(int pid, const cpu_set_t *orig)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/task", pid);
	GDir *d = g_dir_open(dir, 0, NULL);
	if (!d)
		return;
	const char *name;
	while ((name = g_dir_read_name(d)))
		sched_setaffinity(atoi(name), sizeof *orig, orig);
	g_dir_close(d);
}

static void pin_to(int pid, int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(pid, sizeof set, &set);
}

gboolean tpo_trace_launch(const tpo_trace_options *opt, tpo_trace_result *res, GError **err)
{
	memset(res, 0, sizeof *res);
	/* the same addresses every run, so a tape (made of addresses) fits the next run */
	if (!opt->aslr && !tpo_launch_no_aslr(err))
		return FALSE;
	int go[2], failed[2];
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(failed, O_CLOEXEC) < 0) {
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_IO, "pipe: %s", g_strerror(errno));
		return FALSE;
	}
	cpu_set_t orig;
	int cpu = opt->pin && sched_getaffinity(0, sizeof orig, &orig) == 0 ? tpo_cpuload_least_busy(50) : -1;
	if (cpu >= 0)
		pin_to(0, cpu);
	pid_t pid = fork();
	if (pid < 0) {
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_IO, "fork: %s", g_strerror(errno));
		return FALSE;
	}
	if (pid == 0) {
		char c;
		close(go[1]);
		close(failed[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(opt->argv[0], opt->argv);
		int e = errno;
		if (write(failed[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(e == ENOENT ? 127 : 126);
	}
	close(go[0]);
	close(failed[1]);

	tpo_tracer t;
	tpo_tr_init(&t, opt);
	t.main_pid = pid;

	if (ptrace(PTRACE_SEIZE, pid, 0, TPO_PTRACE_OPTIONS | PTRACE_O_EXITKILL) < 0) {
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_IO, "ptrace(PTRACE_SEIZE): %s", g_strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		tpo_tr_free(&t);
		return FALSE;
	}
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	char *found = g_find_program_in_path(opt->argv[0]);
	tpo_trace_header h = {.version = TPO_TRACE_VERSION, .page_size = (uint32_t)sysconf(_SC_PAGESIZE),
	                      .microset_size = opt->microset, .pid = pid,
	                      .start_time_ns = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec,
	                      .program = found ? found : (char *)opt->argv[0]};
	h.argc = 0;
	while (opt->argv[h.argc])
		h.argc++;
	h.argv = (char **)opt->argv;
	t.w = tpo_trace_writer_open(opt->output, &h, err);
	g_free(found);
	if (!t.w) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, __WALL);
		tpo_tr_free(&t);
		return FALSE;
	}
	tpo_proc *p = tpo_proc_new(&t, pid);
	p->main = true;
	tpo_tr_thread_new(&t, pid, p);
	t.t0_ns = tpo_now_ns();
	tpo_launch_forward_signals(pid);
	if (write(go[1], "g", 1) != 1) {
		/* the child died before it could run: the loop reports its status */
	}
	close(go[1]);
	tpo_tr_event_loop(&t);
	if (g_hash_table_size(t.threads)) {
		/* the trace could not be written: the program runs on untraced, as it would have
		 * without us, and we wait for it (still passing signals on); or, killed because
		 * tracing could not go on (maplimit.c), it is dying */
		tpo_tr_detach_all(&t);
		if (cpu >= 0 && !t.killed)
			unpin_all(pid, &orig);
		res->detached = !t.killed;
		int st = 0;
		pid_t r = 0;
		while (!t.main_done && (r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
			;
		if (!t.main_done && r == pid)
			t.main_status = st;
	}
	tpo_launch_forward_signals(0);

	int e = 0;
	ssize_t got = read(failed[0], &e, sizeof e);
	close(failed[0]);
	res->launched = got != (ssize_t)sizeof e;
	res->exec_errno = res->launched ? 0 : e;
	res->status = t.main_status;
	res->killed = t.killed;
	t.tot.end_reason = WIFSIGNALED(t.main_status) ? TPO_END_KILLED : TPO_END_EXITED;
	if (t.error)
		t.tot.end_reason = TPO_END_ERROR;
	t.tot.exit_status = t.main_status;
	t.tot.duration_ns = tpo_now_ns() - t.t0_ns;
	res->footer = t.tot;
	res->syscall_stops = t.syscall_stops;
	res->pins = t.pins_made;
	res->restarts = t.restarts;
	res->stale_faults = t.stale_faults;
	gboolean ok = TRUE;
	if (t.error) {
		g_propagate_error(err, t.error);
		t.error = NULL;
		tpo_trace_writer_abandon(t.w);
		ok = FALSE;
	} else {
		ok = tpo_trace_writer_close(t.w, &t.tot, err);
	}
	if (!res->launched) {
		unlink(opt->output); /* nothing ran: no trace */
		if (ok)
			g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_IO, "cannot run '%s': %s", opt->argv[0],
			            g_strerror(e));
		ok = FALSE;
	}
	tpo_tr_free(&t);
	return ok;
}
