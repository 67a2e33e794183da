/* ops.h — a batch of system calls to run inside the target (mostly mprotect), built by the
 * tracer and executed in one go by a trampoline in the scratch page (see remote.c). */
#ifndef TPO_OPS_H
#define TPO_OPS_H

#include <stdint.h>
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

#endif
