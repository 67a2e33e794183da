/* ops.h — a batch of system calls to run inside the target (mostly mprotect), built by the
 * tracer and executed in one go by a trampoline in the scratch page (see remote.c). */
#ifndef TPO_OPS_H
#define TPO_OPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>
#include <glib.h>

typedef struct tpo_op {
	long nr;
	int nargs;
	uint64_t a[6];
} tpo_op;

typedef struct tpo_ops {
	GArray *v; /* tpo_op */
} tpo_ops;

void tpo_ops_init(tpo_ops *o);
void tpo_ops_free(tpo_ops *o);
void tpo_ops_reset(tpo_ops *o);
/* Appends mprotect(start, end-start, prot), merged with the previous op when contiguous and equal. */
void tpo_ops_protect(tpo_ops *o, uint64_t start, uint64_t end, uint32_t prot);
void tpo_ops_syscall(tpo_ops *o, long nr, int nargs, const uint64_t *a);

/* Machine code for ops[first..] into buf: as many ops as fit in cap bytes (leaving room for the
 * final int3). Returns the number of ops encoded; *len gets the code length. At the int3, %r12
 * holds the result (-errno) of the last mprotect that failed and %r13 its address, if the caller
 * zeroed them before running the code. */
guint tpo_ops_encode(const tpo_ops *o, guint first, uint8_t *buf, size_t cap, size_t *len);

/* The end of a batch that needs no register write at its stop: written at address `at` in place of
 * the int3 tpo_ops_encode ends with. If a mprotect failed it stops at an int3 (*fail_trap gets its
 * address) with %r12/%r13 as above; otherwise it sets %rax %rcx %rdx %rsi %rdi %r8-%r13 to r's, writes
 * r->rip into the stub's slot and jumps to the stub at `stub`, which stops at its int3 and, resumed,
 * jumps to r->rip. Flags, stack and the other registers are never touched. Returns its length. */
#define TPO_OPS_TAIL_MAX 160
size_t tpo_ops_encode_tail(uint8_t *buf, uint64_t at, const struct user_regs_struct *r, uint64_t stub,
                           uint64_t *fail_trap);
/* A thread's stub: 16 bytes, `int3; jmp *slot` with the 8-byte slot last. */
#define TPO_OPS_STUB_SIZE 16
void tpo_ops_encode_stub(uint8_t *buf);

#endif
