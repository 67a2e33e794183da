/* trace_options.c — parsing of the command-line values 3po-run and 3po-attach share. */
#include <stdio.h>
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

int tpo_trace_option(const char *cmd, int c, const char *arg, tpo_trace_options *opt)
{
	uint64_t n;
	switch (c) {
	case 'm':
		if (!tpo_parse_count(arg, 1, 1000000, &n, NULL)) {
			fprintf(stderr, "%s: --microset wants a whole number from 1 to 1000000, not '%s'\n", cmd, arg);
			return 2;
		}
		opt->microset = (unsigned)n;
		return 0;
	case 'r':
		if (!tpo_parse_regions(arg, &opt->select)) {
			fprintf(stderr, "%s: --regions wants a list of anon, heap, data, all; not '%s'\n", cmd, arg);
			return 2;
		}
		return 0;
	case 'C':
		if (!tpo_parse_callchain(arg, &opt->callchain_every)) {
			fprintf(stderr, "%s: --callchain wants a whole number from 1 to 1000000000, not '%s'\n", cmd, arg);
			return 2;
		}
		return 0;
	case 'q':
		opt->verbose = 0;
		return 0;
	case 'v':
		opt->verbose = 2;
		return 0;
	default:
		return -1;
	}
}
