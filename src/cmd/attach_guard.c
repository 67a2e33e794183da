/* attach_guard.c — 3po-attach's guardian. ptrace lets go of a program when its tracer dies; if
 * the tracer is SIGKILLed mid-trace, the program runs on with its traced pages PROT_NONE and its
 * next touch of one is a SIGSEGV. So the 3po-attach the user starts (and may kill, with
 * `kill -9 PID`, `pkill -9 3po-attach`, `timeout -s KILL`, a kill of its process group)
 * only waits: a child of its own, named "3po-tracer" and in a process group of its own, does
 * the tracing. When the parent dies, however it dies, the kernel sends the child SIGTERM
 * (PR_SET_PDEATHSIG) and it detaches cleanly, as on Ctrl-C. Signals sent to the parent are
 * passed on to the child; the parent ends with the child's exit code. A SIGKILL to the tracing
 * child itself is not survivable (README, 3po-attach --help). */
#define _GNU_SOURCE
#include "attach_guard.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

int attach_guard(int target)
{
	if (target == getpid())
		return -1;
	sigset_t stops, old;
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGHUP);
	sigprocmask(SIG_BLOCK, &stops, &old);
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1; /* no guardian: trace from this process */
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			raise(SIGTERM); /* the parent died already: detach as soon as attached */
		setpgid(0, 0);      /* out of reach of a kill aimed at 3po-attach's process group */
		signal(SIGTTOU, SIG_IGN); /* a background group: its lines reach the terminal even with stty tostop */
		prctl(PR_SET_NAME, "3po-tracer");
		return -1;
	}
	child_pid = pid;
	struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
