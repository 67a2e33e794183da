/* check_run.h — the end of a Check test's main: runs suite s, prints the results, and gives the
 * exit status (0 if every test passed). */
#ifndef TPO_CHECK_RUN_H
#define TPO_CHECK_RUN_H

#include <check.h>

static inline int tpo_check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
