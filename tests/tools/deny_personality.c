/* deny_personality.c — runs a command under a seccomp filter that lets personality(2) only query
 * or set the plain personas (the arguments Docker's default profile allows: 0, 8, 0x20000,
 * 0x20008, 0xffffffff) and refuses every other with EPERM, as such a container does. A real
 * kernel refusal for testing that 3po-run notices it cannot turn address randomisation off.
 * Usage: deny_personality CMD [ARGS...] */
#define _GNU_SOURCE
#include <errno.h>

#include "filtered_exec.h"

int main(int argc, char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 9),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_personality, 0, 7),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])), /* low half */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x20000, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x20008, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffff, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	return tpo_filtered_exec("deny_personality", f, sizeof f / sizeof f[0], argc, argv);
}
