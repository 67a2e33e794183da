/* test_microset.c — Check tests of the microset logic (src/tracer/proc.c: which traced pages are
 * open, and the mprotect batches that flush, pin, unpin and resync them) and of the batch encoder
 * (src/inject/ops.c), whose machine code is run here for real. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <ucontext.h>
#include <setjmp.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracer.h"

#define PG 4096ull
#define RW (PROT_READ | PROT_WRITE)

static tpo_tracer tr;
static tpo_proc *p;
static tpo_ops ops;

static void setup(void)
{
	memset(&tr, 0, sizeof tr);
	tr.opt.select = TPO_SEL_DEFAULT;
	tr.opt.microset = 2;
	tr.procs = g_hash_table_new(g_direct_hash, g_direct_equal);
	tr.threads = g_hash_table_new(g_direct_hash, g_direct_equal);
	p = tpo_proc_new(&tr, getpid());
	p->refs = 1;
	tpo_ops_init(&ops);
	/* pages 0..99 traced, 100..109 read-only (untraced) */
	tpo_regions_map(&p->regions, 0x100000, 0x100000 + 100 * PG, RW, TPO_RF_PRIVATE | TPO_RF_ANON, 0, "");
	tpo_regions_map(&p->regions, 0x100000 + 100 * PG, 0x100000 + 110 * PG, PROT_READ, TPO_RF_PRIVATE | TPO_RF_ANON, 0, "");
}

static void teardown(void)
{
	tpo_proc_unref(&tr, p);
	tpo_ops_free(&ops);
	g_hash_table_destroy(tr.procs);
	g_hash_table_destroy(tr.threads);
}

static uint64_t pg(int i)
{
	return 0x100000 + (uint64_t)i * PG;
}

static void add_ms(uint64_t page)
{
	g_array_append_val(p->ms, page);
	g_hash_table_add(p->ms_set, GSIZE_TO_POINTER(page));
}

static tpo_op *op(guint i)
{
	return &g_array_index(ops.v, tpo_op, i);
}

static void assert_protect(guint i, uint64_t start, uint64_t len, uint32_t prot)
{
	ck_assert_uint_gt(ops.v->len, i);
	ck_assert_int_eq(op(i)->nr, SYS_mprotect);
	ck_assert_uint_eq(op(i)->a[0], start);
	ck_assert_uint_eq(op(i)->a[1], len);
	ck_assert_uint_eq(op(i)->a[2], prot);
}

START_TEST(protected_means_traced_and_closed)
{
	ck_assert(tpo_proc_protected(p, pg(5)));
	add_ms(pg(5));
	ck_assert(!tpo_proc_protected(p, pg(5)));
	ck_assert(tpo_proc_accessible(p, pg(5)));
	ck_assert(!tpo_proc_protected(p, pg(105))); /* untraced */
}
END_TEST

START_TEST(flush_coalesces_and_empties)
{
	add_ms(pg(7));
	add_ms(pg(3));
	add_ms(pg(4));
	add_ms(pg(5));
	GArray *ev = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	tpo_proc_flush_microset(&tr, p, &ops, ev);
	ck_assert_uint_eq(ops.v->len, 2);
	assert_protect(0, pg(3), 3 * PG, PROT_NONE);
	assert_protect(1, pg(7), PG, PROT_NONE);
	ck_assert_uint_eq(p->ms->len, 0);
	ck_assert(tpo_proc_protected(p, pg(4)));
	ck_assert_uint_eq(ev->len, 4);
	g_array_free(ev, TRUE);
}
END_TEST

START_TEST(flush_spares_pinned_pages)
{
	add_ms(pg(3));
	add_ms(pg(4));
	tpo_range r = {pg(4), pg(4) + 100, 42};
	g_array_append_val(p->pins, r);
	tpo_proc_flush_microset(&tr, p, &ops, NULL);
	ck_assert_uint_eq(ops.v->len, 1);
	assert_protect(0, pg(3), PG, PROT_NONE);
	ck_assert(tpo_proc_accessible(p, pg(4)));
	tpo_ops_reset(&ops);
	tpo_proc_unpin(p, 42, &ops);
	ck_assert_uint_eq(ops.v->len, 1);
	assert_protect(0, pg(4), PG, PROT_NONE);
	ck_assert(tpo_proc_protected(p, pg(4)));
}
END_TEST

START_TEST(resync_opens_only_what_is_open)
{
	add_ms(pg(2));
	add_ms(pg(3));
	tpo_range r = {pg(6) + 10, pg(8), 1};
	g_array_append_val(p->pins, r);
	tpo_proc_resync(p, pg(0), pg(102), &ops); /* stops at the untraced pages */
	ck_assert_uint_eq(ops.v->len, 5);
	assert_protect(0, pg(0), 2 * PG, PROT_NONE);
	assert_protect(1, pg(2), 2 * PG, RW);
	assert_protect(2, pg(4), 2 * PG, PROT_NONE);
	assert_protect(3, pg(6), 2 * PG, RW);
	assert_protect(4, pg(8), 92 * PG, PROT_NONE);
}
END_TEST

START_TEST(forget_and_move)
{
	add_ms(pg(10));
	add_ms(pg(20));
	tpo_proc_forget(p, pg(10), pg(11));
	ck_assert(!tpo_proc_accessible(p, pg(10)));
	ck_assert(tpo_proc_accessible(p, pg(20)));
	tpo_proc_move_pages(p, pg(20), PG, pg(30));
	ck_assert(!tpo_proc_accessible(p, pg(20)));
	ck_assert(tpo_proc_accessible(p, pg(30)));
}
END_TEST

START_TEST(untrace_restores_program_protection)
{
	tpo_regions_protect(&p->regions, pg(50), pg(60), PROT_READ | PROT_WRITE | PROT_EXEC);
	tpo_proc_untrace_ops(p, &ops);
	ck_assert_uint_eq(ops.v->len, 3);
	assert_protect(0, pg(0), 50 * PG, RW);
	assert_protect(1, pg(50), 10 * PG, RW | PROT_EXEC);
	assert_protect(2, pg(60), 40 * PG, RW);
}
END_TEST

static sigjmp_buf trap_jb;
static void on_trap(int sig)
{
	(void)sig;
	siglongjmp(trap_jb, 1);
}

START_TEST(encoded_batch_runs)
{
	/* the encoder's code, run in this process: mprotect a page shut, then open it read-only,
	 * then getpid; it ends in int3 (SIGTRAP), which we catch */
	char *page = mmap(NULL, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	page[0] = 42;
	tpo_ops_protect(&ops, (uint64_t)(uintptr_t)page, (uint64_t)(uintptr_t)page + PG, PROT_NONE);
	tpo_ops_protect(&ops, (uint64_t)(uintptr_t)page, (uint64_t)(uintptr_t)page + PG, PROT_READ);
	uint64_t none[1] = {0};
	tpo_ops_syscall(&ops, SYS_getpid, 0, none);
	ck_assert_uint_eq(ops.v->len, 3);
	uint8_t *code = mmap(NULL, PG, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t len;
	ck_assert_uint_eq(tpo_ops_encode(&ops, 0, code, PG, &len), 3);
	ck_assert_uint_eq(code[len - 1], 0xcc);
	signal(SIGTRAP, on_trap);
	if (!sigsetjmp(trap_jb, 1))
		((void (*)(void))code)();
	signal(SIGTRAP, SIG_DFL);
	ck_assert_int_eq(page[0], 42); /* readable again */
	/* and read-only: ask the kernel through /proc/self/maps */
	tpo_region_table now;
	tpo_regions_init(&now, TPO_SEL_DEFAULT);
	GError *err = NULL;
	ck_assert(tpo_regions_load_maps(&now, getpid(), &err));
	const tpo_region *r = tpo_regions_find(&now, (uint64_t)(uintptr_t)page);
	int found = r != NULL;
	ck_assert(found);
	ck_assert_uint_eq(r->prot, PROT_READ);
	tpo_regions_free(&now);
	ck_assert(found);
}
END_TEST

static uint64_t trap_r12, trap_r13;
static void on_trap_regs(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	trap_r12 = (uint64_t)((ucontext_t *)uc)->uc_mcontext.gregs[REG_R12];
	trap_r13 = (uint64_t)((ucontext_t *)uc)->uc_mcontext.gregs[REG_R13];
	siglongjmp(trap_jb, 1);
}

START_TEST(encoded_batch_keeps_a_failed_mprotect)
{
	/* an mprotect of an unmapped page fails (ENOMEM); the batch goes on (the next mprotect
	 * works) and leaves at its int3 the error in %r12 and the failed address in %r13 */
	uint8_t *code = mmap(NULL, PG, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *page = mmap(NULL, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(page + PG, PG); /* a hole, nothing mapped there meanwhile */
	uint64_t gone = (uint64_t)(uintptr_t)page + PG;
	tpo_ops_protect(&ops, gone, gone + PG, PROT_READ);
	tpo_ops_protect(&ops, (uint64_t)(uintptr_t)page, (uint64_t)(uintptr_t)page + PG, PROT_NONE);
	uint64_t a[3] = {(uint64_t)(uintptr_t)page, PG, PROT_READ};
	tpo_ops_syscall(&ops, SYS_mprotect, 3, a);
	ck_assert_uint_eq(ops.v->len, 3);
	size_t len;
	ck_assert_uint_eq(tpo_ops_encode(&ops, 0, code, PG, &len), 3);
	struct sigaction sa = {.sa_sigaction = on_trap_regs, .sa_flags = SA_SIGINFO}, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTRAP, &sa, &old);
	trap_r12 = trap_r13 = 1;
	if (!sigsetjmp(trap_jb, 1))
		__asm__ volatile("xor %%r12d, %%r12d\n\txor %%r13d, %%r13d\n\tcall *%0"
		                 : : "r"(code) : "r12", "r13", "memory");
	sigaction(SIGTRAP, &old, NULL);
	ck_assert_int_eq((int64_t)trap_r12, -ENOMEM);
	ck_assert_uint_eq(trap_r13, gone);
	ck_assert_int_eq(page[0], 0); /* the mprotects after the failure ran: readable again */
	/* a batch in which nothing fails leaves %r12 as it found it: zero */
	tpo_ops_reset(&ops);
	tpo_ops_protect(&ops, (uint64_t)(uintptr_t)page, (uint64_t)(uintptr_t)page + PG, RW);
	tpo_ops_encode(&ops, 0, code, PG, &len);
	sigaction(SIGTRAP, &sa, &old);
	if (!sigsetjmp(trap_jb, 1))
		__asm__ volatile("xor %%r12d, %%r12d\n\txor %%r13d, %%r13d\n\tcall *%0"
		                 : : "r"(code) : "r12", "r13", "memory");
	sigaction(SIGTRAP, &old, NULL);
	ck_assert_uint_eq(trap_r12, 0);
	page[0] = 1;
	munmap(page, PG);
	munmap(code, PG);
}
END_TEST

static uint64_t trap_rip, trap_efl;
static uint64_t trap_gregs[NGREG];
static void on_trap_all(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	memcpy(trap_gregs, ((ucontext_t *)uc)->uc_mcontext.gregs, sizeof trap_gregs);
	trap_rip = (uint64_t)trap_gregs[REG_RIP];
	trap_efl = (uint64_t)trap_gregs[REG_EFL];
	siglongjmp(trap_jb, 1);
}

/* Runs code with the carry flag set; the SIGTRAP handler records the registers. */
static void run_with_carry(uint8_t *code)
{
	struct sigaction sa = {.sa_sigaction = on_trap_all, .sa_flags = SA_SIGINFO}, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTRAP, &sa, &old);
	trap_rip = 0;
	if (!sigsetjmp(trap_jb, 1))
		__asm__ volatile("xor %%r12d, %%r12d\n\txor %%r13d, %%r13d\n\tstc\n\tcall *%0"
		                 : : "r"(code)
		                 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "memory", "cc");
	sigaction(SIGTRAP, &old, NULL);
}

START_TEST(encoded_tail_puts_registers_back)
{
	/* a batch with a tail: the registers it used hold the program's values again, the flags are
	 * untouched, and it stops at the stub's int3 with the return address in the stub's slot */
	uint8_t *code = mmap(NULL, PG, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *page = mmap(NULL, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *stub = code + PG - 64;
	tpo_ops_encode_stub(stub);
	tpo_ops_protect(&ops, (uint64_t)(uintptr_t)page, (uint64_t)(uintptr_t)page + PG, PROT_READ);
	size_t len;
	ck_assert_uint_eq(tpo_ops_encode(&ops, 0, code, PG - 64 - TPO_OPS_TAIL_MAX, &len), 1);
	struct user_regs_struct r = {.rax = 1, .rcx = 2, .rdx = 3, .rsi = 4, .rdi = 5, .r8 = 6, .r9 = 7,
	                             .r10 = 8, .r11 = 9, .r12 = 10, .r13 = 11, .rip = 0x123456789a};
	uint64_t fail_trap;
	size_t tail = tpo_ops_encode_tail(code + len - 1, (uint64_t)(uintptr_t)code + len - 1, &r,
	                                  (uint64_t)(uintptr_t)stub, &fail_trap);
	ck_assert_uint_le(tail, TPO_OPS_TAIL_MAX);
	run_with_carry(code);
	ck_assert_uint_eq(trap_rip, (uint64_t)(uintptr_t)stub + 1);
	ck_assert(trap_efl & 1); /* CF */
	int regs[] = {REG_RAX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13};
	for (int i = 0; i < 11; i++)
		ck_assert_uint_eq((uint64_t)trap_gregs[regs[i]], (uint64_t)i + 1);
	uint64_t slot;
	memcpy(&slot, stub + 8, 8);
	ck_assert_uint_eq(slot, r.rip);
	ck_assert_int_eq(page[0], 0); /* the mprotect ran: readable */
	/* an mprotect that fails stops the tail at its own int3, %r12/%r13 telling which */
	munmap(page + PG, PG);
	tpo_ops_reset(&ops);
	tpo_ops_protect(&ops, (uint64_t)(uintptr_t)page + PG, (uint64_t)(uintptr_t)page + 2 * PG, PROT_READ);
	tpo_ops_encode(&ops, 0, code, PG - 64 - TPO_OPS_TAIL_MAX, &len);
	tpo_ops_encode_tail(code + len - 1, (uint64_t)(uintptr_t)code + len - 1, &r, (uint64_t)(uintptr_t)stub, &fail_trap);
	run_with_carry(code);
	ck_assert_uint_eq(trap_rip, fail_trap + 1);
	ck_assert_int_eq((int64_t)trap_gregs[REG_R12], -ENOMEM);
	ck_assert_uint_eq((uint64_t)trap_gregs[REG_R13], (uint64_t)(uintptr_t)page + PG);
	ck_assert(trap_efl & 1);
	munmap(page, PG);
	munmap(code, PG);
}
END_TEST

START_TEST(encoder_splits_long_batches)
{
	for (int i = 0; i < 100; i++)
		tpo_ops_protect(&ops, pg(2 * i), pg(2 * i) + PG, PROT_NONE); /* not contiguous: 100 ops */
	ck_assert_uint_eq(ops.v->len, 100);
	uint8_t buf[1024];
	size_t len;
	guint n = tpo_ops_encode(&ops, 0, buf, sizeof buf, &len);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_lt(n, 100);
	ck_assert_uint_le(len, sizeof buf);
	guint m = tpo_ops_encode(&ops, n, buf, sizeof buf, &len);
	ck_assert_uint_gt(m, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("microset");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, protected_means_traced_and_closed);
	tcase_add_test(tc, flush_coalesces_and_empties);
	tcase_add_test(tc, flush_spares_pinned_pages);
	tcase_add_test(tc, resync_opens_only_what_is_open);
	tcase_add_test(tc, forget_and_move);
	tcase_add_test(tc, untrace_restores_program_protection);
	tcase_add_test(tc, encoded_batch_runs);
	tcase_add_test(tc, encoded_batch_keeps_a_failed_mprotect);
	tcase_add_test(tc, encoded_tail_puts_registers_back);
	tcase_add_test(tc, encoder_splits_long_batches);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
