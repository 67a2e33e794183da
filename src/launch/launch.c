/* launch.c — the one fork/exec launcher of the tracer and the runtime: fork the program, hold it
 * before exec until the caller is ready, seize it, pin it and ourselves to one CPU (the least
 * busy) if asked, forward signals sent to us, and tell how its exec went. */
#define _GNU_SOURCE
#include "launch.h"
#include "cpuload.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

G_DEFINE_QUARK(tpo-launch-error-quark, tpo_launch_error)

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
		g_set_error(err, TPO_LAUNCH_ERROR, 0,
		            "cannot turn address randomisation off: personality: %s (--aslr runs with it on, "
		            "but no tape fits such a run)", e ? g_strerror(e) : "not set");
		return FALSE;
	}
	return TRUE;
}

bool tpo_is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* --- pinning ------------------------------------------------------------------------------- */

static void pin_to(int pid, int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(pid, sizeof set, &set);
}

/* Pins us (and so the program we fork next) to the least busy CPU; l->cpu is it, or -1. */
static void pin_self(tpo_launch *l)
{
	l->cpu = sched_getaffinity(0, sizeof l->orig, &l->orig) == 0 ? tpo_cpuload_least_busy(50) : -1;
	if (l->cpu >= 0)
		pin_to(0, l->cpu);
}

void tpo_launch_unpin(tpo_launch *l)
{
	if (l->cpu < 0)
		return;
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/task", l->pid);
	GDir *d = g_dir_open(dir, 0, NULL);
	if (!d)
		return;
	const char *name;
	while ((name = g_dir_read_name(d)))
		sched_setaffinity(atoi(name), sizeof l->orig, &l->orig);
	g_dir_close(d);
}

/* --- the child ----------------------------------------------------------------------------- */

/* Waits for the go, runs the before-exec step, execs; if anything fails, writes the errno
 * (negative: the step's) to failed and exits as a shell would (127: not found, else 126). */
static G_GNUC_NORETURN void child(const tpo_launch_options *o, int go, int failed)
{
	char c;
	if (read(go, &c, 1) != 1)
		_exit(127);
	int e = o->before_exec ? o->before_exec() : 0;
	if (!e) {
		execvp(o->argv[0], o->argv);
		e = errno;
	}
	if (write(failed, &e, sizeof e) < 0)
		_exit(127);
	_exit(e == ENOENT ? 127 : 126);
}

/* --- the parent ---------------------------------------------------------------------------- */

gboolean tpo_launch_start(tpo_launch *l, const tpo_launch_options *o, GError **err)
{
	memset(l, 0, sizeof *l);
	l->opt = o;
	l->cpu = -1;
	l->go_fd = l->failed_fd = -1;
	if (!o->aslr && !tpo_launch_no_aslr(err))
		return FALSE;
	int go[2], failed[2];
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(failed, O_CLOEXEC) < 0) {
		g_set_error(err, TPO_LAUNCH_ERROR, 0, "pipe: %s", g_strerror(errno));
		return FALSE;
	}
	if (o->pin)
		pin_self(l);
	l->pid = fork();
	if (l->pid < 0) {
		g_set_error(err, TPO_LAUNCH_ERROR, 0, "fork: %s", g_strerror(errno));
		for (int k = 0; k < 2; k++) {
			close(go[k]);
			close(failed[k]);
		}
		return FALSE;
	}
	if (l->pid == 0) {
		close(go[1]);
		close(failed[0]);
		child(o, go[0], failed[1]);
	}
	close(go[0]);
	close(failed[1]);
	l->go_fd = go[1];
	l->failed_fd = failed[0];
	if (ptrace(PTRACE_SEIZE, l->pid, 0, o->ptrace_options | PTRACE_O_EXITKILL) < 0) {
		g_set_error(err, TPO_LAUNCH_ERROR, 0, "ptrace(PTRACE_SEIZE): %s", g_strerror(errno));
		tpo_launch_kill(l);
		return FALSE;
	}
	return TRUE;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void tpo_launch_kill(tpo_launch *l)
{
	kill(l->pid, SIGKILL);
	waitpid(l->pid, NULL, __WALL);
	close_fd(&l->go_fd);
	close_fd(&l->failed_fd);
}

void tpo_launch_go(tpo_launch *l)
{
	tpo_launch_forward_signals(l->pid);
	if (write(l->go_fd, "g", 1) != 1) {
		/* the child died before it could run: the caller's loop reports its status */
	}
	close_fd(&l->go_fd);
}

gboolean tpo_launch_end(tpo_launch *l, int *exec_errno, GError **err)
{
	tpo_launch_forward_signals(0);
	int e = 0;
	ssize_t got = read(l->failed_fd, &e, sizeof e);
	close_fd(&l->failed_fd);
	*exec_errno = 0;
	if (got != (ssize_t)sizeof e)
		return TRUE;
	if (e < 0) {
		g_set_error(err, TPO_LAUNCH_ERROR, 0, "cannot %s: %s", l->opt->before_exec_what, g_strerror(-e));
	} else {
		*exec_errno = e;
		g_set_error(err, TPO_LAUNCH_ERROR, 0, "cannot run '%s': %s", l->opt->argv[0], g_strerror(e));
	}
	return FALSE;
}
