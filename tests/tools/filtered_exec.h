/* filtered_exec.h — the shared end of the seccomp test tools (deny_personality, kill_on_memfd):
 * install the tool's filter (no_new_privs first, as an unprivileged sandbox must) and exec the
 * command it was given, or say why not in one line. */
#ifndef TPO_FILTERED_EXEC_H
#define TPO_FILTERED_EXEC_H

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Runs argv[1..] under the n-instruction filter f; returns only on failure (1: the filter was
 * refused, 127: the exec failed, 2: no command given). */
static inline int tpo_filtered_exec(const char *tool, struct sock_filter *f, unsigned short n, int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CMD [ARGS...]\n", tool);
		return 2;
	}
	struct sock_fprog prog = {.len = n, .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		fprintf(stderr, "%s: seccomp: ", tool);
		perror(NULL);
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "%s: %s: ", tool, argv[1]);
	perror(NULL);
	return 127;
}

#endif
