/* sysbufs_ranges.c — the user memory ranges a system call is about to touch, worked out from
 * its arguments and the table of sysbufs.c (reading nested structures, strings, iovecs and
 * message headers through the tracee's memory file); and the ranges the kernel writes on its
 * own after a call (rseq, robust futex lists, the alternate signal stack). */
#include "sysbufs.h"
#include "tracer.h"

#include <linux/futex.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

static void add_after(GArray *out, uint64_t p, uint64_t len, bool by_result, uint64_t skip)
{
	if (!p || !len || p + len < p)
		return;
	tpo_sysbuf b = {p, p + len, by_result, skip};
	g_array_append_val(out, b);
}

static void add(GArray *out, uint64_t p, uint64_t len, bool by_result)
{
	add_after(out, p, len, by_result, 0);
}

/* count objects of size bytes, unless the product overflows */
static void add_array(GArray *out, uint64_t p, uint64_t count, uint64_t size)
{
	if (size && count <= UINT64_MAX / size)
		add(out, p, count * size, false);
}

static void add_str(GArray *out, int memfd, uint64_t p)
{
	long n = p ? tpo_remote_strlen(memfd, p, 1 << 16) : -1;
	if (n >= 0)
		add(out, p, (uint64_t)n + 1, false);
}

static void add_strv(GArray *out, int memfd, uint64_t p)
{
	for (uint64_t i = 0; p && i < 4096; i++) {
		uint64_t s, at = p + i * sizeof s;
		if (!tpo_remote_read(memfd, at, &s, sizeof s))
			return;
		add(out, at, sizeof s, false);
		if (!s)
			return;
		add_str(out, memfd, s);
	}
}

static void add_iov(GArray *out, int memfd, uint64_t iov, uint64_t cnt, bool by_result)
{
	if (cnt > 1024)
		cnt = 1024;
	add(out, iov, cnt * sizeof(struct iovec), false);
	uint64_t before = 0; /* the kernel fills the iovecs in order: bytes that go to earlier ones */
	for (uint64_t i = 0; i < cnt; i++) {
		struct iovec v;
		if (!tpo_remote_read(memfd, iov + i * sizeof v, &v, sizeof v))
			return;
		add_after(out, (uint64_t)v.iov_base, v.iov_len, by_result, before);
		before += v.iov_len;
	}
}

/* glibc's struct msghdr has the layout of the kernel's struct user_msghdr on x86-64 */
static void add_msghdr(GArray *out, int memfd, uint64_t p)
{
	struct msghdr m;
	if (!p || !tpo_remote_read(memfd, p, &m, sizeof m))
		return;
	add(out, p, sizeof m, false);
	add(out, (uint64_t)m.msg_name, m.msg_namelen, false);
	add(out, (uint64_t)m.msg_control, m.msg_controllen, false);
	add_iov(out, memfd, (uint64_t)m.msg_iov, m.msg_iovlen, true);
}

/* a buffer whose length is in the int at lenp (which the kernel reads and writes too) */
static void add_lenptr(GArray *out, int memfd, uint64_t addr, uint64_t lenp)
{
	uint32_t len = 0;
	if (!lenp)
		return;
	add(out, lenp, sizeof len, false);
	if (tpo_remote_read(memfd, lenp, &len, sizeof len))
		add(out, addr, len, false);
}

/* Appends what argument i of a call described by arg points to. */
static void add_arg(GArray *out, int memfd, const tpo_sysarg *arg, int i, const uint64_t *a)
{
	uint64_t n = a[arg->len_arg];
	const tpo_futex_op *op;
	switch ((tpo_sysarg_kind)arg->kind) {
	case TPO_SA_NONE:
	case TPO_SA_KINDS:
		break;
	case TPO_SA_STR:
		add_str(out, memfd, a[i]);
		break;
	case TPO_SA_STRV:
		add_strv(out, memfd, a[i]);
		break;
	case TPO_SA_FIXED:
		add(out, a[i], arg->size, false);
		break;
	case TPO_SA_LEN:
		add(out, a[i], n, false);
		break;
	case TPO_SA_LEN_RESULT:
		add(out, a[i], n, true);
		break;
	case TPO_SA_ARRAY:
		add_array(out, a[i], n, arg->size);
		break;
	case TPO_SA_IOVEC:
		add_iov(out, memfd, a[i], n, true);
		break;
	case TPO_SA_MSGHDR:
		add_msghdr(out, memfd, a[i]);
		break;
	case TPO_SA_LENPTR:
		add_lenptr(out, memfd, a[i], n);
		break;
	case TPO_SA_FDSET:
		add(out, a[i], (n + 7) / 8, false);
		break;
	case TPO_SA_FUTEX:
		op = tpo_futex_op_lookup(a[1]);
		if (op && ((i == 3 && op->timeout) || (i == 4 && op->uaddr2)))
			add(out, a[i], arg->size, false);
		break;
	}
}

bool tpo_sysbufs(long nr, const uint64_t *a, int memfd, GArray *out)
{
	const tpo_syscall_bufs *call = tpo_syscall_lookup(nr);
	if (!call)
		return false;
	for (int i = 0; i < 6; i++)
		add_arg(out, memfd, &call->arg[i], i, a);
	return true;
}

bool tpo_sys_excluded(long nr, const uint64_t *a, int memfd, uint64_t *start, uint64_t *end)
{
	switch (nr) {
	case SYS_rseq: *start = a[0]; *end = a[0] + a[1]; break;
	case SYS_set_robust_list: *start = a[0]; *end = a[0] + sizeof(struct robust_list_head); break;
	case SYS_set_tid_address: *start = a[0]; *end = a[0] + sizeof(int); break;
	case SYS_sigaltstack: {
		stack_t ss;
		if (!a[0] || !tpo_remote_read(memfd, a[0], &ss, sizeof ss) || (ss.ss_flags & SS_DISABLE))
			return false;
		*start = (uint64_t)ss.ss_sp;
		*end = (uint64_t)ss.ss_sp + ss.ss_size;
		break;
	}
	default:
		return false;
	}
	if (!*start || *end <= *start)
		return false;
	*start = TPO_PAGE_DOWN(*start);
	*end = TPO_PAGE_UP(*end);
	return true;
}
