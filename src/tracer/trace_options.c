/* trace_options.c — parsing of the command-line values 3po-run and 3po-attach share. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sys/wait.h>

#include "tpo/tracer.h"

gboolean tpo_parse_regions(const char *s, uint32_t *sel)
{
	*sel = 0;
	char **parts = g_strsplit(s, ",", -1);
	gboolean ok = TRUE;
	for (char **p = parts; *p; p++) {
		if (!strcmp(*p, "anon"))
			*sel |= TPO_SEL_ANON;
		else if (!strcmp(*p, "heap"))
			*sel |= TPO_SEL_HEAP;
		else if (!strcmp(*p, "data"))
			*sel |= TPO_SEL_DATA;
		else if (!strcmp(*p, "all"))
			*sel |= TPO_SEL_DEFAULT;
		else
			ok = FALSE;
	}
	g_strfreev(parts);
	return ok && *sel;
}

gboolean tpo_parse_count(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	if (!s || !*s || s[0] == '-')
		return FALSE;
	unsigned long n = strtoul(s, &end, 10);
	if (errno || *end || n < 1 || n > max)
		return FALSE;
	*out = n;
	return TRUE;
}

int tpo_exit_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

gboolean tpo_parse_callchain(const char *arg, unsigned *every)
{
	unsigned long n = 1;
	if (arg && !tpo_parse_count(arg, TPO_CALLCHAIN_MAX_EVERY, &n))
		return FALSE;
	*every = (unsigned)n;
	return TRUE;
}
