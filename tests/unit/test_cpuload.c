/* test_cpuload.c — Check tests of the choice of the CPU 3po-run pins to (src/launch/cpuload.c):
 * /proc/stat parsing, the least-busy choice within the allowed CPUs, and the live sampling. */
#define _GNU_SOURCE
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpuload.h"

/* Two /proc/stat samples in the kernel's format (user nice system idle iowait irq ...). */
static const char *stat_a = "cpu  900 0 300 5000 100 0 10 0 0 0\n"
                            "cpu0 400 0 100 2000 50 0 5 0 0 0\n"
                            "cpu1 300 0 100 2000 25 0 3 0 0 0\n"
                            "cpu3 200 0 100 1000 25 0 2 0 0 0\n"
                            "intr 12345 0 0\nctxt 999\nbtime 1700000000\n";
static const char *stat_b = "cpu  950 0 310 5013 100 0 10 0 0 0\n"
                            "cpu0 405 0 100 2001 50 0 5 0 0 0\n"
                            "cpu1 300 0 100 2004 26 0 3 0 0 0\n"
                            "cpu3 200 0 100 1008 25 0 2 0 0 0\n"
                            "intr 12399 0 0\nctxt 1999\nbtime 1700000000\n";

START_TEST(parse_per_cpu_idle)
{
	uint64_t idle[4];
	ck_assert_int_eq(tpo_cpuload_parse(stat_a, idle, 4), 3); /* the "cpu " total line is not a CPU */
	ck_assert_uint_eq(idle[0], 2050);
	ck_assert_uint_eq(idle[1], 2025);
	ck_assert_uint_eq(idle[2], UINT64_MAX); /* offline: not listed */
	ck_assert_uint_eq(idle[3], 1025);
	ck_assert_int_eq(tpo_cpuload_parse("garbage\ncpu7 1 2\n", idle, 4), 0);
}
END_TEST

START_TEST(pick_most_idle_allowed)
{
	uint64_t a[4], b[4];
	tpo_cpuload_parse(stat_a, a, 4);
	tpo_cpuload_parse(stat_b, b, 4);
	cpu_set_t all, some;
	CPU_ZERO(&all);
	for (int c = 0; c < 4; c++)
		CPU_SET(c, &all);
	/* idle deltas: cpu0 1, cpu1 5, cpu3 8 */
	ck_assert_int_eq(tpo_cpuload_pick(a, b, 4, &all, 0), 3);
	CPU_ZERO(&some);
	CPU_SET(0, &some);
	CPU_SET(1, &some);
	ck_assert_int_eq(tpo_cpuload_pick(a, b, 4, &some, 0), 1); /* cpu3 is not ours to use */
	CPU_ZERO(&some);
	CPU_SET(2, &some);
	ck_assert_int_eq(tpo_cpuload_pick(a, b, 4, &some, 2), -1); /* offline */
}
END_TEST

START_TEST(tie_prefers_current)
{
	uint64_t a[3] = {10, 10, 10}, b[3] = {15, 15, 12};
	cpu_set_t all;
	CPU_ZERO(&all);
	for (int c = 0; c < 3; c++)
		CPU_SET(c, &all);
	ck_assert_int_eq(tpo_cpuload_pick(a, b, 3, &all, 1), 1);
	ck_assert_int_eq(tpo_cpuload_pick(a, b, 3, &all, 2), 0);
}
END_TEST

START_TEST(queue_length_first)
{
	uint64_t a[2] = {10, 10}, b[2] = {15, 12};
	unsigned q[2] = {3, 1};
	cpu_set_t all;
	CPU_ZERO(&all);
	CPU_SET(0, &all);
	CPU_SET(1, &all);
	ck_assert_int_eq(tpo_cpuload_pick_queued(q, a, b, 2, &all, 0), 1); /* shorter queue beats idle */
	q[1] = 3;
	ck_assert_int_eq(tpo_cpuload_pick_queued(q, a, b, 2, &all, 1), 0); /* equal queues: more idle */
}
END_TEST

/* A busy child pinned to a CPU is counted as runnable there. */
START_TEST(runnable_counts_a_busy_task)
{
	cpu_set_t mine;
	ck_assert_int_eq(sched_getaffinity(0, sizeof mine, &mine), 0);
	int cpu = -1;
	for (int i = 0; i < CPU_SETSIZE && cpu < 0; i++)
		if (CPU_ISSET(i, &mine))
			cpu = i;
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		sched_setaffinity(0, sizeof one, &one);
		for (volatile unsigned long i = 0;; i++)
			;
	}
	/* the child is ready once the kernel shows it running on that CPU (bounded wait) */
	bool seen = false;
	for (int tries = 0; tries < 2000 && !seen; tries++) {
		char path[64], buf[1024];
		snprintf(path, sizeof path, "/proc/%d/stat", child);
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
		if (f)
			fclose(f);
		buf[n] = 0;
		char *p = strrchr(buf, ')');
		int field = 3;
		for (p = p ? p + 2 : buf; *p && field < 39; p++)
			field += *p == ' ';
		seen = field == 39 && atoi(p) == cpu;
		if (!seen)
			usleep(1000);
	}
	ck_assert(seen);
	unsigned runnable[CPU_SETSIZE] = {0};
	ck_assert(tpo_cpuload_runnable(runnable, CPU_SETSIZE));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	ck_assert_uint_ge(runnable[cpu], 1);
}
END_TEST

START_TEST(live_choice_is_allowed)
{
	cpu_set_t mine;
	ck_assert_int_eq(sched_getaffinity(0, sizeof mine, &mine), 0);
	int c = tpo_cpuload_least_busy(20);
	ck_assert_int_ge(c, 0);
	ck_assert(CPU_ISSET(c, &mine));
	/* restricted to one CPU, that CPU is the answer */
	int last = -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &mine))
			last = i;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(last, &one);
	ck_assert_int_eq(sched_setaffinity(0, sizeof one, &one), 0);
	ck_assert_int_eq(tpo_cpuload_least_busy(20), last);
	sched_setaffinity(0, sizeof mine, &mine);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpuload");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, parse_per_cpu_idle);
	tcase_add_test(tc, pick_most_idle_allowed);
	tcase_add_test(tc, tie_prefers_current);
	tcase_add_test(tc, queue_length_first);
	tcase_add_test(tc, runnable_counts_a_busy_task);
	tcase_add_test(tc, live_choice_is_allowed);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
