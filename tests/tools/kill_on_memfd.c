/* kill_on_memfd.c — runs a command under a seccomp filter that kills the process at any
 * memfd_create, as a strict sandbox profile may: a real filter for testing that the tracer never
 * makes a filtered program call memfd_create (scratch_share.c falls back to a private page).
 * Usage: kill_on_memfd CMD [ARGS...] */
#define _GNU_SOURCE

#include "filtered_exec.h"

int main(int argc, char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 2),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_memfd_create, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	return tpo_filtered_exec("kill_on_memfd", f, sizeof f / sizeof f[0], argc, argv);
}
