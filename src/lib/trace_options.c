/* trace_options.c — parsing of the command-line values 3po-run and 3po-attach share. */
#include <string.h>

#include <sys/wait.h>

#include "tpo/tracer.h"
#include "units.h"

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
	uint64_t n = 1;
	if (arg && !tpo_parse_count(arg, 1, TPO_CALLCHAIN_MAX_EVERY, &n, NULL))
		return FALSE;
	*every = (unsigned)n;
	return TRUE;
}
