/* own_seccomp.c — the program installs its own seccomp filter (getppid fails with EPERM); the
 * tracer must neither break it nor be broken by it. */
#include "tg.h"
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
int main(void)
{
	char *a = calloc(32, 4096);
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	TG_CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	TG_CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0);
	tg_sync(1);
	tg_touch(a, 32, 2);
	long r = syscall(SYS_getppid);
	int e = errno;
	tg_sync(2);
	printf("getppid %ld errno %d sum %016llx\n", r, e, (unsigned long long)tg_sum(a, 32 * 4096));
	return 0;
}
