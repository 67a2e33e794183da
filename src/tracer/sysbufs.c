/* sysbufs.c — which user memory each system call reads or writes, so the tracer can open
 * protected buffers before the kernel touches them (a protected buffer makes the call fail with
 * EFAULT instead of faulting). Calls not described here are caught by the EFAULT fallback. */
#include "tracer.h"

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

static void add_str(GArray *out, int memfd, uint64_t p)
{
	long n = p ? tpo_remote_strlen(memfd, p, 1 << 16) : -1;
	if (n >= 0)
		add(out, p, (uint64_t)n + 1, false);
}

static void add_strv(GArray *out, int memfd, uint64_t p)
{
	for (int i = 0; p && i < 4096; i++) {
		uint64_t s;
		if (!tpo_remote_read(memfd, p + 8 * (uint64_t)i, &s, 8))
			return;
		add(out, p + 8 * (uint64_t)i, 8, false);
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

static void add_msghdr(GArray *out, int memfd, uint64_t p)
{
	struct { uint64_t name; uint32_t namelen, pad; uint64_t iov, iovlen, control, controllen; int flags; } m;
	if (!p || !tpo_remote_read(memfd, p, &m, 56))
		return;
	add(out, p, 56, false);
	add(out, m.name, m.namelen, false);
	add(out, m.control, m.controllen, false);
	add_iov(out, memfd, m.iov, m.iovlen, true);
}

static void add_sockaddr_out(GArray *out, int memfd, uint64_t addr, uint64_t lenp)
{
	uint32_t len = 0;
	if (!lenp)
		return;
	add(out, lenp, 4, false);
	if (tpo_remote_read(memfd, lenp, &len, 4))
		add(out, addr, len, false);
}

bool tpo_sysbufs(long nr, const uint64_t *a, int memfd, GArray *out)
{
	switch (nr) {
	case SYS_read: case SYS_write: case SYS_pread64: case SYS_pwrite64:
		add(out, a[1], a[2], true); return true;
	case SYS_readv: case SYS_writev: case SYS_preadv: case SYS_pwritev: case SYS_preadv2: case SYS_pwritev2:
		add_iov(out, memfd, a[1], a[2], true); return true;
	case SYS_stat: case SYS_lstat:
		add_str(out, memfd, a[0]); add(out, a[1], 144, false); return true;
	case SYS_fstat: add(out, a[1], 144, false); return true;
	case SYS_newfstatat: add_str(out, memfd, a[1]); add(out, a[2], 144, false); return true;
	case SYS_statx: add_str(out, memfd, a[1]); add(out, a[4], 256, false); return true;
	case SYS_open: case SYS_access: case SYS_unlink: case SYS_mkdir: case SYS_rmdir: case SYS_chdir:
	case SYS_truncate: case SYS_chmod: case SYS_chown: case SYS_creat: case SYS_statfs:
		add_str(out, memfd, a[0]); if (nr == SYS_statfs) add(out, a[1], 120, false); return true;
	case SYS_openat: case SYS_faccessat: case SYS_faccessat2: case SYS_unlinkat: case SYS_mkdirat:
	case SYS_fchmodat: case SYS_fchownat:
		add_str(out, memfd, a[1]); return true;
	case SYS_rename: case SYS_link: case SYS_symlink:
		add_str(out, memfd, a[0]); add_str(out, memfd, a[1]); return true;
	case SYS_readlink: add_str(out, memfd, a[0]); add(out, a[1], a[2], true); return true;
	case SYS_readlinkat: add_str(out, memfd, a[1]); add(out, a[2], a[3], true); return true;
	case SYS_getcwd: add(out, a[0], a[1], false); return true;
	case SYS_execve: add_str(out, memfd, a[0]); add_strv(out, memfd, a[1]); add_strv(out, memfd, a[2]); return true;
	case SYS_execveat: add_str(out, memfd, a[1]); add_strv(out, memfd, a[2]); add_strv(out, memfd, a[3]); return true;
	case SYS_pipe: case SYS_pipe2: add(out, a[0], 8, false); return true;
	case SYS_socketpair: add(out, a[3], 8, false); return true;
	case SYS_recvfrom: add(out, a[1], a[2], true); add_sockaddr_out(out, memfd, a[4], a[5]); return true;
	case SYS_sendto: add(out, a[1], a[2], true); add(out, a[4], a[5], false); return true;
	case SYS_recvmsg: case SYS_sendmsg: add_msghdr(out, memfd, a[1]); return true;
	case SYS_connect: case SYS_bind: add(out, a[1], a[2], false); return true;
	case SYS_accept: case SYS_accept4: case SYS_getsockname: case SYS_getpeername:
		add_sockaddr_out(out, memfd, a[1], a[2]); return true;
	case SYS_setsockopt: add(out, a[3], a[4], false); return true;
	case SYS_getsockopt: add_sockaddr_out(out, memfd, a[3], a[4]); return true;
	case SYS_getdents64: case SYS_getdents: add(out, a[1], a[2], true); return true;
	case SYS_nanosleep: add(out, a[0], 16, false); add(out, a[1], 16, false); return true;
	case SYS_clock_nanosleep: add(out, a[2], 16, false); add(out, a[3], 16, false); return true;
	case SYS_clock_gettime: case SYS_clock_getres: add(out, a[1], 16, false); return true;
	case SYS_gettimeofday: add(out, a[0], 16, false); add(out, a[1], 8, false); return true;
	case SYS_time: add(out, a[0], 8, false); return true;
	case SYS_futex: {
		int op = (int)(a[1] & 127);
		add(out, a[0], 4, false);
		if (op == 0 || op == 9 || op == 6 || op == 11)
			add(out, a[3], 16, false); /* timeout */
		if (op == 3 || op == 4 || op == 5 || op == 11 || op == 12)
			add(out, a[4], 4, false);
		return true;
	}
	case SYS_poll: add(out, a[0], 8 * a[1], false); return true;
	case SYS_ppoll: add(out, a[0], 8 * a[1], false); add(out, a[2], 16, false); add(out, a[3], 8, false); return true;
	case SYS_select: case SYS_pselect6:
		for (int i = 1; i <= 3; i++) add(out, a[i], (a[0] + 7) / 8, false);
		add(out, a[4], 16, false); return true;
	case SYS_epoll_wait: case SYS_epoll_pwait: add(out, a[1], 12 * a[2], false); return true;
	case SYS_epoll_ctl: add(out, a[3], 12, false); return true;
	case SYS_wait4: add(out, a[1], 4, false); add(out, a[3], 144, false); return true;
	case SYS_waitid: add(out, a[2], 128, false); add(out, a[4], 144, false); return true;
	case SYS_rt_sigaction: add(out, a[1], 32, false); add(out, a[2], 32, false); return true;
	case SYS_rt_sigprocmask: add(out, a[1], 8, false); add(out, a[2], 8, false); return true;
	case SYS_rt_sigsuspend: add(out, a[0], 8, false); return true;
	case SYS_rt_sigtimedwait: add(out, a[0], 8, false); add(out, a[1], 128, false); add(out, a[2], 16, false); return true;
	case SYS_sigaltstack: add(out, a[0], 24, false); add(out, a[1], 24, false); return true;
	case SYS_uname: add(out, a[0], 390, false); return true;
	case SYS_sysinfo: add(out, a[0], 112, false); return true;
	case SYS_getrusage: add(out, a[1], 144, false); return true;
	case SYS_times: add(out, a[0], 32, false); return true;
	case SYS_getrandom: add(out, a[0], a[1], true); return true;
	case SYS_getrlimit: case SYS_setrlimit: add(out, a[1], 16, false); return true;
	case SYS_prlimit64: add(out, a[2], 16, false); add(out, a[3], 16, false); return true;
	case SYS_sched_getaffinity: case SYS_sched_setaffinity: add(out, a[2], a[1], false); return true;
	case SYS_sendfile: add(out, a[2], 8, false); return true;
	case SYS_clone3: add(out, a[0], a[1], false); return true;
	case SYS_arch_prctl: add(out, a[1], 8, false); return true;
	case SYS_getresuid: case SYS_getresgid: for (int i = 0; i < 3; i++) add(out, a[i], 4, false); return true;
	case SYS_getgroups: add(out, a[1], 4 * a[0], false); return true;
	default:
		return false;
	}
}

bool tpo_sys_excluded(long nr, const uint64_t *a, int memfd, uint64_t *start, uint64_t *end)
{
	switch (nr) {
	case SYS_rseq: *start = a[0]; *end = a[0] + a[1]; break;
	case SYS_set_robust_list: *start = a[0]; *end = a[0] + 24; break;
	case SYS_set_tid_address: *start = a[0]; *end = a[0] + 4; break;
	case SYS_sigaltstack: {
		struct { uint64_t sp; int flags; int pad; uint64_t size; } ss;
		if (!a[0] || !tpo_remote_read(memfd, a[0], &ss, sizeof ss) || (ss.flags & 2 /* SS_DISABLE */))
			return false;
		*start = ss.sp;
		*end = ss.sp + ss.size;
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
