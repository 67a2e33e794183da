/* sysbufs.c — which user memory each system call reads or writes, as a table (sysbufs.h): per
 * call, what each argument points to, with the size of each kernel struct taken by sizeof of its
 * UAPI type; and the futex ops by name. The tracer opens protected buffers before the kernel
 * touches them (a protected buffer makes the call fail with EFAULT instead of faulting);
 * sysbufs_ranges.c reads this table. Calls not described here are caught by the EFAULT
 * fallback. Only kernel (UAPI) headers here: their types are what the kernel copies. */
#include "sysbufs.h"

#include <asm/poll.h>
#include <asm/siginfo.h>
#include <asm/signal.h>
#include <asm/stat.h>
#include <asm/statfs.h>
#include <asm/unistd.h>
#include <linux/eventpoll.h>
#include <linux/futex.h>
#include <linux/resource.h>
#include <linux/stat.h>
#include <linux/sysinfo.h>
#include <linux/time.h>
#include <linux/time_types.h>
#include <linux/times.h>
#include <linux/uio.h>
#include <linux/utsname.h>
#include <stddef.h>

#define STR {TPO_SA_STR, 0, 0, NULL}
#define STRV {TPO_SA_STRV, 0, 0, NULL}
#define FIXED(T) {TPO_SA_FIXED, 0, sizeof(T), #T}
#define LEN(i) {TPO_SA_LEN, i, 1, NULL}
#define LEN_RESULT(i) {TPO_SA_LEN_RESULT, i, 1, NULL}
#define ARRAY(T, i) {TPO_SA_ARRAY, i, sizeof(T), #T}
#define IOVEC(i) {TPO_SA_IOVEC, i, sizeof(struct iovec), "struct iovec"}
#define MSGHDR {TPO_SA_MSGHDR, 0, 0, "struct user_msghdr"} /* not in UAPI: sysbufs_ranges.c */
#define LENPTR(i) {TPO_SA_LENPTR, i, sizeof(int), "int"} /* the kernel's socklen_t is an int */
#define FDSET(i) {TPO_SA_FDSET, i, 0, NULL}
#define FUTEX(T) {TPO_SA_FUTEX, 0, sizeof(T), #T}

#define TS FIXED(struct __kernel_timespec)
#define CALL(n, ...) [__NR_##n] = {__NR_##n, #n, {__VA_ARGS__}}

const tpo_syscall_bufs tpo_syscall_table[] = {
	/* data: what the kernel reads or writes is bounded by the call's result */
	CALL(read, [1] = LEN_RESULT(2)),
	CALL(write, [1] = LEN_RESULT(2)),
	CALL(pread64, [1] = LEN_RESULT(2)),
	CALL(pwrite64, [1] = LEN_RESULT(2)),
	CALL(readv, [1] = IOVEC(2)),
	CALL(writev, [1] = IOVEC(2)),
	CALL(preadv, [1] = IOVEC(2)),
	CALL(pwritev, [1] = IOVEC(2)),
	CALL(preadv2, [1] = IOVEC(2)),
	CALL(pwritev2, [1] = IOVEC(2)),
	CALL(getdents, [1] = LEN_RESULT(2)),
	CALL(getdents64, [1] = LEN_RESULT(2)),
	CALL(getrandom, [0] = LEN_RESULT(1)),
	/* files and paths */
	CALL(stat, [0] = STR, [1] = FIXED(struct stat)),
	CALL(lstat, [0] = STR, [1] = FIXED(struct stat)),
	CALL(fstat, [1] = FIXED(struct stat)),
	CALL(newfstatat, [1] = STR, [2] = FIXED(struct stat)),
	CALL(statx, [1] = STR, [4] = FIXED(struct statx)),
	CALL(statfs, [0] = STR, [1] = FIXED(struct statfs)),
	CALL(open, [0] = STR),
	CALL(access, [0] = STR),
	CALL(unlink, [0] = STR),
	CALL(mkdir, [0] = STR),
	CALL(rmdir, [0] = STR),
	CALL(chdir, [0] = STR),
	CALL(truncate, [0] = STR),
	CALL(chmod, [0] = STR),
	CALL(chown, [0] = STR),
	CALL(creat, [0] = STR),
	CALL(openat, [1] = STR),
	CALL(faccessat, [1] = STR),
	CALL(faccessat2, [1] = STR),
	CALL(unlinkat, [1] = STR),
	CALL(mkdirat, [1] = STR),
	CALL(fchmodat, [1] = STR),
	CALL(fchownat, [1] = STR),
	CALL(rename, [0] = STR, [1] = STR),
	CALL(link, [0] = STR, [1] = STR),
	CALL(symlink, [0] = STR, [1] = STR),
	CALL(readlink, [0] = STR, [1] = LEN_RESULT(2)),
	CALL(readlinkat, [1] = STR, [2] = LEN_RESULT(3)),
	CALL(getcwd, [0] = LEN(1)),
	CALL(execve, [0] = STR, [1] = STRV, [2] = STRV),
	CALL(execveat, [1] = STR, [2] = STRV, [3] = STRV),
	CALL(pipe, [0] = FIXED(int[2])),
	CALL(pipe2, [0] = FIXED(int[2])),
	CALL(sendfile, [2] = FIXED(__kernel_loff_t)),
	/* sockets */
	CALL(socketpair, [3] = FIXED(int[2])),
	CALL(recvfrom, [1] = LEN_RESULT(2), [4] = LENPTR(5)),
	CALL(sendto, [1] = LEN_RESULT(2), [4] = LEN(5)),
	CALL(recvmsg, [1] = MSGHDR),
	CALL(sendmsg, [1] = MSGHDR),
	CALL(connect, [1] = LEN(2)),
	CALL(bind, [1] = LEN(2)),
	CALL(accept, [1] = LENPTR(2)),
	CALL(accept4, [1] = LENPTR(2)),
	CALL(getsockname, [1] = LENPTR(2)),
	CALL(getpeername, [1] = LENPTR(2)),
	CALL(setsockopt, [3] = LEN(4)),
	CALL(getsockopt, [3] = LENPTR(4)),
	/* time and waiting */
	CALL(nanosleep, [0] = TS, [1] = TS),
	CALL(clock_nanosleep, [2] = TS, [3] = TS),
	CALL(clock_gettime, [1] = TS),
	CALL(clock_getres, [1] = TS),
	CALL(gettimeofday, [0] = FIXED(struct __kernel_old_timeval), [1] = FIXED(struct timezone)),
	CALL(time, [0] = FIXED(__kernel_old_time_t)),
	CALL(futex, [0] = FIXED(__u32), [3] = FUTEX(struct __kernel_timespec), [4] = FUTEX(__u32)),
	CALL(poll, [0] = ARRAY(struct pollfd, 1)),
	CALL(ppoll, [0] = ARRAY(struct pollfd, 1), [2] = TS, [3] = FIXED(sigset_t)),
	CALL(select, [1] = FDSET(0), [2] = FDSET(0), [3] = FDSET(0),
	     [4] = FIXED(struct __kernel_old_timeval)),
	CALL(pselect6, [1] = FDSET(0), [2] = FDSET(0), [3] = FDSET(0), [4] = TS),
	CALL(epoll_wait, [1] = ARRAY(struct epoll_event, 2)),
	CALL(epoll_pwait, [1] = ARRAY(struct epoll_event, 2)),
	CALL(epoll_ctl, [3] = FIXED(struct epoll_event)),
	CALL(wait4, [1] = FIXED(int), [3] = FIXED(struct rusage)),
	CALL(waitid, [2] = FIXED(siginfo_t), [4] = FIXED(struct rusage)),
	/* signals */
	CALL(rt_sigaction, [1] = FIXED(struct sigaction), [2] = FIXED(struct sigaction)),
	CALL(rt_sigprocmask, [1] = FIXED(sigset_t), [2] = FIXED(sigset_t)),
	CALL(rt_sigsuspend, [0] = FIXED(sigset_t)),
	CALL(rt_sigtimedwait, [0] = FIXED(sigset_t), [1] = FIXED(siginfo_t), [2] = TS),
	CALL(sigaltstack, [0] = FIXED(stack_t), [1] = FIXED(stack_t)),
	/* the process and the system */
	CALL(uname, [0] = FIXED(struct new_utsname)),
	CALL(sysinfo, [0] = FIXED(struct sysinfo)),
	CALL(getrusage, [1] = FIXED(struct rusage)),
	CALL(times, [0] = FIXED(struct tms)),
	CALL(getrlimit, [1] = FIXED(struct rlimit)),
	CALL(setrlimit, [1] = FIXED(struct rlimit)),
	CALL(prlimit64, [2] = FIXED(struct rlimit64), [3] = FIXED(struct rlimit64)),
	CALL(sched_getaffinity, [2] = LEN(1)),
	CALL(sched_setaffinity, [2] = LEN(1)),
	CALL(clone3, [0] = LEN(1)),
	CALL(arch_prctl, [1] = FIXED(unsigned long)),
	CALL(getresuid, [0] = FIXED(__kernel_uid32_t), [1] = FIXED(__kernel_uid32_t),
	     [2] = FIXED(__kernel_uid32_t)),
	CALL(getresgid, [0] = FIXED(__kernel_gid32_t), [1] = FIXED(__kernel_gid32_t),
	     [2] = FIXED(__kernel_gid32_t)),
	CALL(getgroups, [1] = ARRAY(__kernel_gid32_t, 0)),
};
const unsigned tpo_syscall_table_len = sizeof tpo_syscall_table / sizeof tpo_syscall_table[0];

#define OP(o, t, u) {o, #o, t, u}
const tpo_futex_op tpo_futex_ops[] = {
	OP(FUTEX_WAIT, true, false),
	OP(FUTEX_WAKE, false, false),
	OP(FUTEX_FD, false, false),
	OP(FUTEX_REQUEUE, false, true),
	OP(FUTEX_CMP_REQUEUE, false, true),
	OP(FUTEX_WAKE_OP, false, true),
	OP(FUTEX_LOCK_PI, true, false),
	OP(FUTEX_UNLOCK_PI, false, false),
	OP(FUTEX_TRYLOCK_PI, false, false),
	OP(FUTEX_WAIT_BITSET, true, false),
	OP(FUTEX_WAKE_BITSET, false, false),
	OP(FUTEX_WAIT_REQUEUE_PI, true, true),
	OP(FUTEX_CMP_REQUEUE_PI, false, true),
	OP(FUTEX_LOCK_PI2, true, false),
};
const unsigned tpo_futex_ops_len = sizeof tpo_futex_ops / sizeof tpo_futex_ops[0];
const int tpo_futex_cmd_mask = FUTEX_CMD_MASK;

const tpo_syscall_bufs *tpo_syscall_lookup(long nr)
{
	if (nr < 0 || (unsigned long)nr >= tpo_syscall_table_len || !tpo_syscall_table[nr].name)
		return NULL;
	return &tpo_syscall_table[nr];
}

const tpo_futex_op *tpo_futex_op_lookup(uint64_t op)
{
	int cmd = (int)op & FUTEX_CMD_MASK;
	for (unsigned i = 0; i < tpo_futex_ops_len; i++)
		if (tpo_futex_ops[i].op == cmd)
			return &tpo_futex_ops[i];
	return NULL;
}
