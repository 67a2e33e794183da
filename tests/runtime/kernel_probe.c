/* kernel_probe.c — asks the kernel directly, without the runtime, whether it has what the
 * runtime needs: userfaultfd with faults on missing and present (minor) shared-memory pages and
 * write-protection of them (Linux 5.19), pidfd_open and pidfd_getfd (5.6) and seccomp filters.
 * Exit 0: all there; 77: one line naming what is missing (the runtime tests may then skip);
 * 1: something else went wrong (not a missing feature: the tests must fail, not skip). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char missing[512];

static void lacks(const char *what)
{
	size_t n = strlen(missing);
	snprintf(missing + n, sizeof missing - n, "%s%s", n ? "; " : "", what);
}

/* 0 probed (missing[] says what lacks), -1 an unexpected error (printed). */
static int probe_uffd(void)
{
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOSYS) {
		lacks("userfaultfd (CONFIG_USERFAULTFD)");
		return 0;
	}
	if (fd < 0) {
		printf("userfaultfd: %s (not a missing feature: run as root, or set vm.unprivileged_userfaultfd=1)\n",
		       strerror(errno));
		return -1;
	}
	struct uffdio_api api = {.api = UFFD_API, .features = 0}; /* answers with what it supports */
	if (ioctl(fd, UFFDIO_API, &api) < 0) {
		printf("UFFDIO_API: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (!(api.features & UFFD_FEATURE_MISSING_SHMEM))
		lacks("userfaultfd on shared memory (UFFD_FEATURE_MISSING_SHMEM, Linux 4.11)");
	if (!(api.features & UFFD_FEATURE_MINOR_SHMEM))
		lacks("userfaultfd minor faults on shared memory (UFFD_FEATURE_MINOR_SHMEM, Linux 5.13)");
	if (!(api.features & UFFD_FEATURE_WP_HUGETLBFS_SHMEM))
		lacks("userfaultfd write-protection of shared memory (UFFD_FEATURE_WP_HUGETLBFS_SHMEM, Linux 5.19)");
	return 0;
}

static int probe_pidfd(void)
{
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd < 0 && errno == ENOSYS) {
		lacks("pidfd_open (Linux 5.3)");
		return 0;
	}
	if (pidfd < 0) {
		printf("pidfd_open: %s\n", strerror(errno));
		return -1;
	}
	int fd = (int)syscall(SYS_pidfd_getfd, pidfd, 1, 0);
	int e = errno;
	close(pidfd);
	if (fd < 0 && e == ENOSYS) {
		lacks("pidfd_getfd (Linux 5.6)");
		return 0;
	}
	if (fd < 0) {
		printf("pidfd_getfd: %s\n", strerror(e));
		return -1;
	}
	close(fd);
	return 0;
}

/* A child installs an allow-everything filter, as the runtime's launcher does its own. */
static int probe_seccomp(void)
{
	pid_t pid = fork();
	if (pid < 0) {
		printf("fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
		struct sock_fprog prog = {.len = 1, .filter = allow};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(3);
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
			_exit(0);
		_exit(errno == ENOSYS || errno == EINVAL ? 2 : 3);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) == 3) {
		printf("seccomp probe failed unexpectedly\n");
		return -1;
	}
	if (WEXITSTATUS(st) == 2)
		lacks("seccomp filters (CONFIG_SECCOMP_FILTER)");
	return 0;
}

int main(void)
{
	if (probe_uffd() < 0 || probe_pidfd() < 0 || probe_seccomp() < 0)
		return 1;
	if (missing[0]) {
		printf("this kernel lacks: %s\n", missing);
		return 77;
	}
	return 0;
}
