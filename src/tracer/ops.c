/* ops.c — builds batches of in-target system calls and encodes them as straight-line x86-64 code:
 * per call, `mov $imm64, %reg` for each argument, `mov $nr, %eax`, `syscall`; then `int3`. After
 * an mprotect, a failure (negative %rax) is kept in %r12 and its address in %r13, so the tracer
 * sees at the int3 whether a protection change failed (remote.c). The code uses no stack and only
 * registers the tracer puts back, so it can run in any thread at any stop. */
#include "tracer/ops.h"

#include <string.h>
#include <sys/syscall.h>

void tpo_ops_init(tpo_ops *o)
{
	o->v = g_array_new(FALSE, TRUE, sizeof(tpo_op));
}

void tpo_ops_free(tpo_ops *o)
{
	if (o->v)
		g_array_free(o->v, TRUE);
	o->v = NULL;
}

void tpo_ops_reset(tpo_ops *o)
{
	g_array_set_size(o->v, 0);
}

void tpo_ops_protect(tpo_ops *o, uint64_t start, uint64_t end, uint32_t prot)
{
	if (end <= start)
		return;
	if (o->v->len) {
		tpo_op *last = &g_array_index(o->v, tpo_op, o->v->len - 1);
		if (last->nr == SYS_mprotect && last->a[2] == prot && last->a[0] + last->a[1] == start) {
			last->a[1] += end - start;
			return;
		}
	}
	tpo_op op = {.nr = SYS_mprotect, .nargs = 3, .a = {start, end - start, prot}};
	g_array_append_val(o->v, op);
}

void tpo_ops_syscall(tpo_ops *o, long nr, int nargs, const uint64_t *a)
{
	tpo_op op = {.nr = nr, .nargs = nargs};
	memcpy(op.a, a, sizeof(uint64_t) * (size_t)nargs);
	g_array_append_val(o->v, op);
}

/* REX.W + B8+r opcodes of `mov $imm64, reg` for rdi, rsi, rdx, r10, r8, r9. */
static const uint8_t mov_imm64[6][2] = {
	{0x48, 0xbf}, {0x48, 0xbe}, {0x48, 0xba}, {0x49, 0xba}, {0x49, 0xb8}, {0x49, 0xb9},
};

/* test %rax,%rax; jns 1f; mov %rax,%r12; mov %rdi,%r13; 1: */
static const uint8_t keep_failure[] = {0x48, 0x85, 0xc0, 0x79, 0x06, 0x49, 0x89, 0xc4, 0x49, 0x89, 0xfd};

static size_t op_size(const tpo_op *op)
{
	return (size_t)op->nargs * 10 + 5 + 2 + (op->nr == SYS_mprotect ? sizeof keep_failure : 0);
}

guint tpo_ops_encode(const tpo_ops *o, guint first, uint8_t *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	guint i = first;
	for (; i < o->v->len; i++) {
		const tpo_op *op = &g_array_index(o->v, tpo_op, i);
		if (n + op_size(op) + 1 > cap)
			break;
		for (int k = 0; k < op->nargs; k++) {
			buf[n++] = mov_imm64[k][0];
			buf[n++] = mov_imm64[k][1];
			memcpy(buf + n, &op->a[k], 8);
			n += 8;
		}
		uint32_t nr = (uint32_t)op->nr;
		buf[n++] = 0xb8; /* mov $imm32, %eax */
		memcpy(buf + n, &nr, 4);
		n += 4;
		buf[n++] = 0x0f; /* syscall */
		buf[n++] = 0x05;
		if (op->nr == SYS_mprotect) {
			memcpy(buf + n, keep_failure, sizeof keep_failure);
			n += sizeof keep_failure;
		}
	}
	buf[n++] = 0xcc; /* int3 */
	*len = n;
	return i - first;
}
