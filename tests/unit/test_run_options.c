/* test_run_options.c — Check tests of 3po-run's one option table (src/cmd/run_options.c): the
 * getopt tables each mode gets from it, and the choice of mode (run_wants_runtime) made by
 * walking the options before PROG with the same table. */
#include <check.h>
#include <string.h>
#include <glib.h>

#include "check_run.h"
#include "run_options.h"

/* Whether mode's long options include name. */
static bool has_long(const run_getopt *g, const char *name)
{
	for (const struct option *o = g->longopts; o->name; o++)
		if (!strcmp(o->name, name))
			return true;
	return false;
}

START_TEST(tracer_table)
{
	run_getopt g;
	run_getopt_init(&g, RUN_TRACER);
	ck_assert_str_eq(g.shortopts, "+o:m:r:qvh");
	const char *mine[] = {"output", "microset", "regions", "no-pin", "callchain", "aslr", "quiet", "verbose", "help"};
	for (size_t i = 0; i < sizeof mine / sizeof *mine; i++)
		ck_assert_msg(has_long(&g, mine[i]), "tracer lacks --%s", mine[i]);
	ck_assert(!has_long(&g, "tape"));
	ck_assert(!has_long(&g, "far"));
}
END_TEST

START_TEST(runtime_table)
{
	run_getopt g;
	run_getopt_init(&g, RUN_RUNTIME);
	ck_assert_str_eq(g.shortopts, "+qvh");
	const char *mine[] = {"tape", "local-mem", "policy", "far", "latency", "bandwidth", "lookahead",
	                      "key-every", "min-region", "json", "stats", "no-check", "aslr", "settle",
	                      "quiet", "verbose", "help"};
	for (size_t i = 0; i < sizeof mine / sizeof *mine; i++)
		ck_assert_msg(has_long(&g, mine[i]), "runtime lacks --%s", mine[i]);
	ck_assert(!has_long(&g, "output"));
	ck_assert(!has_long(&g, "callchain"));
	/* the callchain's argument is optional; every other one with a value requires it */
	for (const struct option *o = g.longopts; o->name; o++)
		ck_assert(o->has_arg != optional_argument);
}
END_TEST

static bool wants(const char *line)
{
	char buf[256], *argv[32];
	int argc = 0;
	g_strlcpy(buf, line, sizeof buf);
	argv[argc++] = "3po-run";
	for (char *t = strtok(buf, " "); t && argc < 31; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	return run_wants_runtime(argc, argv);
}

START_TEST(mode_choice)
{
	ck_assert(wants("--tape m.tape ./prog"));
	ck_assert(wants("--local-mem 64 ./prog"));
	ck_assert(wants("--policy=leap --local-mem=64 ./prog"));
	ck_assert(wants("-q --far tcp://h:1 --policy demand ./prog"));
	ck_assert(wants("--aslr --latency 3us --tape=m.tape ./prog"));
	ck_assert(!wants("./prog --tape m.tape"));     /* PROG's own options */
	ck_assert(!wants("-- --tape m.tape"));
	ck_assert(!wants("-o --tape ./prog"));         /* --tape is -o's value: a trace file */
	ck_assert(!wants("--output --local-mem ./prog"));
	ck_assert(!wants("-m 4 -r anon ./prog"));
	ck_assert(!wants("--far --policy ./prog"));    /* --policy is --far's value */
	ck_assert(wants("-o=x --tape t ./prog"));      /* -o=x is not -o: no value follows */
	ck_assert(wants("--far=local --tape t ./prog")); /* its value is in the same word */
	ck_assert(!wants("--tapes t ./prog"));         /* exact names only, as getopt's errors say */
	ck_assert(!wants(""));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("run_options");
	TCase *tc = tcase_create("table");
	tcase_add_test(tc, tracer_table);
	tcase_add_test(tc, runtime_table);
	tcase_add_test(tc, mode_choice);
	suite_add_tcase(s, tc);
	return tpo_check_run(s);
}
