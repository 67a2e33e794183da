/* launch.h — starting a program under ptrace, shared by the tracer (3po-run) and the runtime
 * (3po-run --tape/--policy): address randomisation off, pinning to the least busy CPU, fork, an
 * optional step in the child before exec, PTRACE_SEIZE, signals sent to us passed on to the
 * program, and how its exec went. */
#ifndef TPO_LAUNCH_H
#define TPO_LAUNCH_H

#include <sched.h> /* cpu_set_t: include first, or define _GNU_SOURCE */
#include <stdbool.h>
#include <glib.h>

#define TPO_LAUNCH_ERROR (tpo_launch_error_quark())
GQuark tpo_launch_error_quark(void);

typedef struct tpo_launch_options {
	char *const *argv;    /* program and arguments */
	bool aslr;            /* keep address-space randomisation (else off, so a tape fits the next run) */
	bool pin;             /* pin ourselves and the program to the least busy CPU (cpuload.h) */
	long ptrace_options;  /* PTRACE_O_* for PTRACE_SEIZE; PTRACE_O_EXITKILL is always added */
	/* Run in the child just before exec (NULL: none): 0, or -errno to fail the launch, which
	 * is then reported as "cannot <before_exec_what>: <why>". */
	int (*before_exec)(void);
	const char *before_exec_what;
} tpo_launch_options;

/* A program started by tpo_launch_start. */
typedef struct tpo_launch {
	int pid;
	int go_fd;            /* one byte written here lets the child exec */
	int failed_fd;        /* the child writes its errno here if it cannot exec */
	int cpu;              /* the CPU we pinned to, or -1 */
	cpu_set_t orig;       /* our affinity before pinning */
	const tpo_launch_options *opt;
} tpo_launch;

/* Forks the program (address randomisation off unless o->aslr, pinned if o->pin) and seizes it;
 * it waits, before exec, for tpo_launch_go. FALSE with err (nothing left running) on failure.
 * o must outlive l. */
gboolean tpo_launch_start(tpo_launch *l, const tpo_launch_options *o, GError **err);
/* Before tpo_launch_go: kills and reaps the program (the caller could not get ready for it). */
void tpo_launch_kill(tpo_launch *l);
/* Passes signals sent to us on to the program from now on, and lets it exec. */
void tpo_launch_go(tpo_launch *l);
/* The program runs on untraced: gives every thread of it the affinity it would have had. */
void tpo_launch_unpin(tpo_launch *l);
/* Once the program is gone: stops passing signals on; TRUE if its exec succeeded. Otherwise
 * *exec_errno is why exec failed (0 when the before_exec step failed) and err says so. */
gboolean tpo_launch_end(tpo_launch *l, int *exec_errno, GError **err);

/* Signals sent to us by other processes go to pid (0: stop passing them on). */
void tpo_launch_forward_signals(int pid);
/* Turns address randomisation off for the programs we start from now on (our personality, which
 * fork and exec pass on), and checks that it is off; FALSE with err if the kernel refuses (a
 * seccomp profile may), rather than run at addresses no tape fits. */
gboolean tpo_launch_no_aslr(GError **err);
/* SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU: the signals of a group stop (left to PTRACE_LISTEN). */
bool tpo_is_stop_signal(int sig);

#endif
