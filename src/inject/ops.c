/* ops.c — builds batches of in-target system calls and encodes them as straight-line x86-64 code:
 * per call, `mov $imm64, %reg` for each argument, `mov $nr, %eax`, `syscall`; then `int3`. After
 * an mprotect, a failure (negative %rax) is kept in %r12 and its address in %r13, so the tracer
 * sees at the int3 whether a protection change failed (remote.c). The code uses no stack and only
 * registers the tracer puts back, so it can run in any thread at any stop. A batch may instead
 * end in a tail that puts those registers back itself and stops in the thread's own stub, which
 * then jumps back to the program: no register write is needed at that stop. */
#include "ops.h"

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

/* mov %rax,%rcx; jrcxz 1f; mov %rax,%r12; mov %rdi,%r13; 1: (mprotect returns 0 or -errno; the
 * test leaves the flags alone, so that a batch ending in a tail (below) can leave them untouched) */
static const uint8_t keep_failure[] = {0x48, 0x89, 0xc1, 0xe3, 0x06, 0x49, 0x89, 0xc4, 0x49, 0x89, 0xfd};

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

/* `mov $imm64, reg` for the registers a batch clobbers: rax rcx rdx rsi rdi r8 r9 r10 r11 r12 r13. */
static size_t put_mov(uint8_t *buf, uint8_t rex, uint8_t op, uint64_t v)
{
	buf[0] = rex;
	buf[1] = op;
	memcpy(buf + 2, &v, 8);
	return 10;
}

static size_t put_rel32(uint8_t *buf, uint64_t next_insn, uint64_t target)
{
	int32_t d = (int32_t)(int64_t)(target - next_insn);
	memcpy(buf, &d, 4);
	return 4;
}

size_t tpo_ops_encode_tail(uint8_t *buf, uint64_t at, const struct user_regs_struct *r, uint64_t stub,
                           uint64_t *fail_trap)
{
	size_t n = 0;
	/* a failed mprotect left %r12 non-zero: stop here, registers as they are */
	static const uint8_t check[] = {0x4c, 0x89, 0xe1, 0xe3, 0x01, 0xcc}; /* mov %r12,%rcx; jrcxz 1f; int3; 1: */
	memcpy(buf, check, sizeof check);
	n += sizeof check;
	*fail_trap = at + n - 1;
	/* the stub's jump target: mov $rip, %rcx; mov %rcx, stub+8(%rip) */
	n += put_mov(buf + n, 0x48, 0xb9, r->rip);
	buf[n++] = 0x48;
	buf[n++] = 0x89;
	buf[n++] = 0x0d;
	n += put_rel32(buf + n, at + n + 4, stub + 8);
	n += put_mov(buf + n, 0x48, 0xb8, r->rax);
	n += put_mov(buf + n, 0x48, 0xb9, r->rcx);
	n += put_mov(buf + n, 0x48, 0xba, r->rdx);
	n += put_mov(buf + n, 0x48, 0xbe, r->rsi);
	n += put_mov(buf + n, 0x48, 0xbf, r->rdi);
	n += put_mov(buf + n, 0x49, 0xb8, r->r8);
	n += put_mov(buf + n, 0x49, 0xb9, r->r9);
	n += put_mov(buf + n, 0x49, 0xba, r->r10);
	n += put_mov(buf + n, 0x49, 0xbb, r->r11);
	n += put_mov(buf + n, 0x49, 0xbc, r->r12);
	n += put_mov(buf + n, 0x49, 0xbd, r->r13);
	buf[n++] = 0xe9; /* jmp stub */
	n += put_rel32(buf + n, at + n + 4, stub);
	return n;
}

void tpo_ops_encode_stub(uint8_t *buf)
{
	/* int3; jmp *1(%rip) (the 8 bytes after the padding int3) */
	static const uint8_t stub[8] = {0xcc, 0xff, 0x25, 0x01, 0x00, 0x00, 0x00, 0xcc};
	memcpy(buf, stub, sizeof stub);
	memset(buf + 8, 0, 8);
}
