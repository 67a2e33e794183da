/* test_sysbufs.c — the tracer's system-call table (src/tracer/sysbufs.c): every size is the
 * sizeof of the kernel type it names, each slot holds its own call, every kind of argument is
 * used and worked out, the futex ops are the kernel's; and the ranges of a few calls, with their
 * strings, iovecs and message headers in this process's memory (read through /proc/self/mem as
 * the tracer reads a tracee's), against hand-worked expectations. */
#include <check.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "test_sysbufs.h"
#include "sysbufs.h"
#include "tracer.h"

#define P(x) ((uint64_t)(uintptr_t)(x))

static int memfd = -1;
static GArray *out;

static void setup(void)
{
	memfd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(memfd, 0);
	out = g_array_new(FALSE, FALSE, sizeof(tpo_sysbuf));
}

static void teardown(void)
{
	g_array_free(out, TRUE);
	close(memfd);
}

/* the ranges of nr(a0..a5), which must be described */
static void ranges(long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		   uint64_t a5)
{
	const uint64_t a[6] = {a0, a1, a2, a3, a4, a5};
	g_array_set_size(out, 0);
	ck_assert_msg(tpo_sysbufs(nr, a, memfd, out), "call %ld not described", nr);
}

/* range i is [start, start + len), touched up to the result after skip bytes if by_result */
static void expect(unsigned i, uint64_t start, uint64_t len, bool by_result, uint64_t skip)
{
	ck_assert_uint_gt(out->len, i);
	tpo_sysbuf *b = &g_array_index(out, tpo_sysbuf, i);
	ck_assert_msg(b->start == start && b->end == start + len && b->by_result == by_result &&
			      b->skip == skip,
		      "range %u: [%#lx, %#lx) %d %lu, want [%#lx, %#lx) %d %lu", i,
		      (unsigned long)b->start, (unsigned long)b->end, b->by_result,
		      (unsigned long)b->skip, (unsigned long)start, (unsigned long)(start + len),
		      by_result, (unsigned long)skip);
}

START_TEST(sizes_are_the_kernel_types)
{
	unsigned typed = 0;
	for (unsigned nr = 0; nr < tpo_syscall_table_len; nr++) {
		const tpo_syscall_bufs *c = &tpo_syscall_table[nr];
		for (int i = 0; c->name && i < 6; i++) {
			const tpo_sysarg *a = &c->arg[i];
			if (!a->type || a->kind == TPO_SA_MSGHDR)
				continue;
			long want = uapi_sizeof(a->type);
			ck_assert_msg(want > 0, "%s arg %d: type '%s' unknown to the test", c->name, i,
				      a->type);
			ck_assert_msg(a->size == want, "%s arg %d: size %u, sizeof(%s) is %ld", c->name,
				      i, a->size, a->type, want);
			typed++;
		}
	}
	ck_assert_uint_gt(typed, 50);
	/* the kernel's, not glibc's: glibc's struct sigaction is 152 bytes, its sigset_t 128 */
	const tpo_syscall_bufs *sa = tpo_syscall_lookup(SYS_rt_sigaction);
	ck_assert_str_eq(sa->arg[1].type, "struct sigaction");
	ck_assert_uint_eq(sa->arg[1].size, 32);
	ck_assert_uint_eq(tpo_syscall_lookup(SYS_rt_sigprocmask)->arg[1].size, 8);
	ck_assert_uint_eq(tpo_syscall_lookup(SYS_fstat)->arg[1].size, 144);
	ck_assert_uint_eq(tpo_syscall_lookup(SYS_statx)->arg[4].size, 256);
	ck_assert_uint_eq(tpo_syscall_lookup(SYS_uname)->arg[0].size, 390);
	ck_assert_uint_eq(tpo_syscall_lookup(SYS_epoll_ctl)->arg[3].size, 12); /* packed */
	/* the one struct UAPI lacks: glibc's has the layout of the kernel's user_msghdr */
	ck_assert_uint_eq(sizeof(struct msghdr), 56);
}
END_TEST

START_TEST(each_slot_holds_its_call)
{
	unsigned described = 0;
	for (unsigned nr = 0; nr < tpo_syscall_table_len; nr++) {
		const tpo_syscall_bufs *c = &tpo_syscall_table[nr];
		if (!c->name) {
			ck_assert_ptr_null(tpo_syscall_lookup(nr));
			continue;
		}
		described++;
		ck_assert_msg((unsigned)c->nr == nr, "%s in slot %u has nr %d", c->name, nr, c->nr);
		ck_assert_ptr_eq(tpo_syscall_lookup(nr), c);
		for (unsigned k = 0; k < nr; k++) /* no call twice under two numbers */
			ck_assert_msg(!tpo_syscall_table[k].name || strcmp(tpo_syscall_table[k].name, c->name),
				      "%s twice", c->name);
		for (int i = 0; i < 6; i++) {
			const tpo_sysarg *a = &c->arg[i];
			ck_assert_msg(a->kind < TPO_SA_KINDS, "%s arg %d: kind %u", c->name, i, a->kind);
			bool counted = a->kind == TPO_SA_LEN || a->kind == TPO_SA_LEN_RESULT ||
				       a->kind == TPO_SA_ARRAY || a->kind == TPO_SA_IOVEC ||
				       a->kind == TPO_SA_LENPTR || a->kind == TPO_SA_FDSET;
			ck_assert_msg(a->len_arg < 6 && (!counted || a->len_arg != i),
				      "%s arg %d: length in arg %u", c->name, i, a->len_arg);
			bool sized = a->kind == TPO_SA_FIXED || a->kind == TPO_SA_ARRAY ||
				     a->kind == TPO_SA_FUTEX || a->kind == TPO_SA_IOVEC;
			ck_assert_msg(!sized || (a->size && a->type), "%s arg %d: no size", c->name, i);
		}
	}
	ck_assert_uint_gt(described, 90);
	ck_assert_str_eq(tpo_syscall_lookup(SYS_read)->name, "read"); /* nr 0 is described */
	ck_assert_str_eq(tpo_syscall_lookup(SYS_faccessat2)->name, "faccessat2");
	ck_assert_str_eq(tpo_syscall_lookup(SYS_clone3)->name, "clone3");
	ck_assert_ptr_null(tpo_syscall_lookup(SYS_getpid));
	ck_assert_ptr_null(tpo_syscall_lookup(-1));
	ck_assert_ptr_null(tpo_syscall_lookup(100000));
	const uint64_t a[6] = {0};
	ck_assert(!tpo_sysbufs(SYS_getpid, a, memfd, out));
}
END_TEST

START_TEST(every_kind_used)
{
	unsigned used[TPO_SA_KINDS] = {0};
	for (unsigned nr = 0; nr < tpo_syscall_table_len; nr++)
		for (int i = 0; tpo_syscall_table[nr].name && i < 6; i++)
			used[tpo_syscall_table[nr].arg[i].kind]++;
	for (int k = TPO_SA_NONE + 1; k < TPO_SA_KINDS; k++)
		ck_assert_msg(used[k], "kind %d is in no entry", k);
}
END_TEST

START_TEST(futex_ops_by_name)
{
	ck_assert_int_eq(tpo_futex_cmd_mask, FUTEX_CMD_MASK);
	for (unsigned i = 0; i < tpo_futex_ops_len; i++)
		for (unsigned k = 0; k < i; k++)
			ck_assert_int_ne(tpo_futex_ops[i].op, tpo_futex_ops[k].op);
	const tpo_futex_op *w = tpo_futex_op_lookup(FUTEX_WAIT | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	ck_assert_str_eq(w->name, "FUTEX_WAIT");
	ck_assert(w->timeout && !w->uaddr2);
	ck_assert_str_eq(tpo_futex_op_lookup(FUTEX_CMP_REQUEUE_PI_PRIVATE)->name, "FUTEX_CMP_REQUEUE_PI");
	ck_assert_ptr_null(tpo_futex_op_lookup(99));

	uint32_t word = 0, word2 = 0;
	struct timespec ts = {0};
	ranges(SYS_futex, P(&word), FUTEX_WAIT_PRIVATE, 0, P(&ts), P(&word2), 0);
	ck_assert_uint_eq(out->len, 2); /* the word and the timeout; argument 4 is not read */
	expect(0, P(&word), 4, false, 0);
	expect(1, P(&ts), 16, false, 0);
	ranges(SYS_futex, P(&word), FUTEX_CMP_REQUEUE, 1, 5 /* val2, a number */, P(&word2), 0);
	ck_assert_uint_eq(out->len, 2);
	expect(0, P(&word), 4, false, 0);
	expect(1, P(&word2), 4, false, 0);
	ranges(SYS_futex, P(&word), FUTEX_WAKE, 1, P(&ts), P(&word2), 0);
	ck_assert_uint_eq(out->len, 1);
	ranges(SYS_futex, P(&word), FUTEX_WAIT_REQUEUE_PI, 0, P(&ts), P(&word2), 0);
	ck_assert_uint_eq(out->len, 3);
}
END_TEST

START_TEST(data_and_paths)
{
	static char buf[100], st[144];
	ranges(SYS_read, 3, P(buf), 100, 0, 0, 0);
	ck_assert_uint_eq(out->len, 1);
	expect(0, P(buf), 100, true, 0);
	ranges(SYS_read, 3, P(buf), 0, 0, 0, 0); /* nothing to read: no range */
	ck_assert_uint_eq(out->len, 0);

	static const char path[] = "/tmp/some/file";
	ranges(SYS_newfstatat, AT_FDCWD, P(path), P(st), 0, 0, 0);
	ck_assert_uint_eq(out->len, 2);
	expect(0, P(path), sizeof path, false, 0);
	expect(1, P(st), 144, false, 0);

	static const char prog[] = "/bin/true", a0[] = "true", a1[] = "-x";
	const char *argv[] = {a0, a1, NULL};
	ranges(SYS_execve, P(prog), P(argv), 0, 0, 0, 0);
	ck_assert_uint_eq(out->len, 6); /* the path; argv[0], "true", argv[1], "-x", argv[2] */
	expect(0, P(prog), sizeof prog, false, 0);
	expect(1, P(&argv[0]), 8, false, 0);
	expect(2, P(a0), sizeof a0, false, 0);
	expect(3, P(&argv[1]), 8, false, 0);
	expect(4, P(a1), sizeof a1, false, 0);
	expect(5, P(&argv[2]), 8, false, 0);
}
END_TEST

START_TEST(iovecs_and_messages)
{
	static char b0[10], b1[20], name[16], control[24];
	struct iovec iov[2] = {{b0, sizeof b0}, {b1, sizeof b1}};
	ranges(SYS_readv, 3, P(iov), 2, 0, 0, 0);
	ck_assert_uint_eq(out->len, 3);
	expect(0, P(iov), 32, false, 0);
	expect(1, P(b0), 10, true, 0);
	expect(2, P(b1), 20, true, 10); /* the second iovec gets the result past the first's 10 */

	struct msghdr m = {.msg_name = name, .msg_namelen = sizeof name, .msg_iov = iov,
			   .msg_iovlen = 2, .msg_control = control, .msg_controllen = sizeof control};
	ranges(SYS_recvmsg, 3, P(&m), 0, 0, 0, 0);
	ck_assert_uint_eq(out->len, 6);
	expect(0, P(&m), 56, false, 0);
	expect(1, P(name), 16, false, 0);
	expect(2, P(control), 24, false, 0);
	expect(3, P(iov), 32, false, 0);
	expect(4, P(b0), 10, true, 0);
	expect(5, P(b1), 20, true, 10);

	socklen_t len = 12;
	ranges(SYS_accept4, 3, P(name), P(&len), 0, 0, 0);
	ck_assert_uint_eq(out->len, 2);
	expect(0, P(&len), 4, false, 0);
	expect(1, P(name), 12, false, 0); /* as many as *len says, not the buffer's 16 */
}
END_TEST

START_TEST(arrays_and_sets)
{
	static char fds[64], sets[3][16], tv[16], ev[64];
	ranges(SYS_poll, P(fds), 3, 0, 0, 0, 0);
	expect(0, P(fds), 24, false, 0); /* 3 struct pollfd of 8 */
	ranges(SYS_epoll_wait, 3, P(ev), 5, 0, 0, 0);
	expect(0, P(ev), 60, false, 0); /* 5 packed struct epoll_event of 12 */
	ranges(SYS_poll, P(fds), UINT64_MAX / 4, 0, 0, 0, 0); /* count * 8 would wrap */
	ck_assert_uint_eq(out->len, 0);
	ranges(SYS_select, 65, P(sets[0]), P(sets[1]), 0, P(tv), 0);
	ck_assert_uint_eq(out->len, 3);
	expect(0, P(sets[0]), 9, false, 0); /* 65 bits in 9 bytes; the NULL set is left out */
	expect(1, P(sets[1]), 9, false, 0);
	expect(2, P(tv), 16, false, 0);
	ranges(SYS_getgroups, 5, P(fds), 0, 0, 0, 0);
	expect(0, P(fds), 20, false, 0);
	ranges(SYS_sched_getaffinity, 0, 128, P(fds), 0, 0, 0);
	expect(0, P(fds), 128, false, 0);
}
END_TEST

START_TEST(written_after_the_call)
{
	uint64_t s, e;
	const uint64_t robust[6] = {0x10010, 24};
	ck_assert(tpo_sys_excluded(SYS_set_robust_list, robust, memfd, &s, &e));
	ck_assert_uint_eq(s, 0x10000);
	ck_assert_uint_eq(e, 0x11000);
	const uint64_t rseq[6] = {0x20ff0, 0x20};
	ck_assert(tpo_sys_excluded(SYS_rseq, rseq, memfd, &s, &e));
	ck_assert_uint_eq(s, 0x20000);
	ck_assert_uint_eq(e, 0x22000);
	static char altstack[3 * 4096];
	stack_t ss = {.ss_sp = altstack + 100, .ss_size = 8192};
	const uint64_t alt[6] = {P(&ss)};
	ck_assert(tpo_sys_excluded(SYS_sigaltstack, alt, memfd, &s, &e));
	ck_assert_uint_eq(s, P(altstack + 100) & ~4095ul);
	ck_assert_uint_eq(e, (P(altstack + 100) + 8192 + 4095) & ~4095ul);
	ss.ss_flags = SS_DISABLE;
	ck_assert(!tpo_sys_excluded(SYS_sigaltstack, alt, memfd, &s, &e));
	ck_assert(!tpo_sys_excluded(SYS_getpid, alt, memfd, &s, &e));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sysbufs");
	TCase *table = tcase_create("table");
	tcase_add_checked_fixture(table, setup, teardown);
	tcase_add_test(table, sizes_are_the_kernel_types);
	tcase_add_test(table, each_slot_holds_its_call);
	tcase_add_test(table, every_kind_used);
	tcase_add_test(table, futex_ops_by_name);
	suite_add_tcase(s, table);
	TCase *calls = tcase_create("ranges");
	tcase_add_checked_fixture(calls, setup, teardown);
	tcase_add_test(calls, data_and_paths);
	tcase_add_test(calls, iovecs_and_messages);
	tcase_add_test(calls, arrays_and_sets);
	tcase_add_test(calls, written_after_the_call);
	suite_add_tcase(s, calls);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
