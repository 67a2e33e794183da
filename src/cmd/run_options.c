/* run_options.c — 3po-run's options in one table, shared by its two modes (3po-run.c traces,
 * run_runtime.c runs under the runtime) and by the choice between them. */
#include "run_options.h"

#include <string.h>
#include <glib.h>

typedef struct run_option {
	const char *name;
	int has_arg;          /* no_argument, required_argument, optional_argument */
	int val;              /* enum run_opt */
	unsigned modes;       /* RUN_TRACER | RUN_RUNTIME */
	bool runtime;         /* given before PROG, it chooses the runtime */
	bool letter;          /* also -VAL */
} run_option;

static const run_option options[] = {
	{"output", required_argument, RO_OUTPUT, RUN_TRACER, false, true},
	{"microset", required_argument, RO_MICROSET, RUN_TRACER, false, true},
	{"regions", required_argument, RO_REGIONS, RUN_TRACER, false, true},
	{"no-pin", no_argument, RO_NO_PIN, RUN_TRACER, false, false},
	{"callchain", optional_argument, RO_CALLCHAIN, RUN_TRACER, false, false},
	{"tape", required_argument, RO_TAPE, RUN_RUNTIME, true, false},
	{"local-mem", required_argument, RO_LOCAL_MEM, RUN_RUNTIME, true, false},
	{"policy", required_argument, RO_POLICY, RUN_RUNTIME, true, false},
	{"far", required_argument, RO_FAR, RUN_RUNTIME, false, false},
	{"latency", required_argument, RO_LATENCY, RUN_RUNTIME, false, false},
	{"bandwidth", required_argument, RO_BANDWIDTH, RUN_RUNTIME, false, false},
	{"lookahead", required_argument, RO_LOOKAHEAD, RUN_RUNTIME, false, false},
	{"key-every", required_argument, RO_KEY_EVERY, RUN_RUNTIME, false, false},
	{"min-region", required_argument, RO_MIN_REGION, RUN_RUNTIME, false, false},
	{"json", no_argument, RO_JSON, RUN_RUNTIME, false, false},
	{"stats", required_argument, RO_STATS, RUN_RUNTIME, false, false},
	{"no-check", no_argument, RO_NO_CHECK, RUN_RUNTIME, false, false},
	{"settle", required_argument, RO_SETTLE, RUN_RUNTIME, false, false},
	{"aslr", no_argument, RO_ASLR, RUN_TRACER | RUN_RUNTIME, false, false},
	{"quiet", no_argument, RO_QUIET, RUN_TRACER | RUN_RUNTIME, false, true},
	{"verbose", no_argument, RO_VERBOSE, RUN_TRACER | RUN_RUNTIME, false, true},
	{"help", no_argument, RO_HELP, RUN_TRACER | RUN_RUNTIME, false, true},
};
G_STATIC_ASSERT(G_N_ELEMENTS(options) <= RUN_MAX_OPTIONS);

static bool has_short(const run_option *o)
{
	return o->letter;
}

void run_getopt_init(run_getopt *g, enum run_mode mode)
{
	memset(g, 0, sizeof *g);
	size_t n = 0, k = 0;
	g->shortopts[k++] = '+'; /* options end at PROG */
	for (size_t i = 0; i < G_N_ELEMENTS(options); i++) {
		const run_option *o = &options[i];
		if (!(o->modes & mode))
			continue;
		g->longopts[n++] = (struct option){o->name, o->has_arg, NULL, o->val};
		if (has_short(o)) {
			g->shortopts[k++] = (char)o->val;
			if (o->has_arg == required_argument)
				g->shortopts[k++] = ':';
		}
	}
}

/* The option argv[i] names exactly ("--NAME", "--NAME=VALUE" or "-X"), or NULL. */
static const run_option *lookup(const char *a)
{
	for (size_t i = 0; i < G_N_ELEMENTS(options); i++) {
		const run_option *o = &options[i];
		size_t len = strlen(o->name);
		if (a[1] == '-' && !strncmp(a + 2, o->name, len) && (a[2 + len] == 0 || a[2 + len] == '='))
			return o;
		if (a[1] != '-' && has_short(o) && a[1] == o->val && a[2] == 0)
			return o;
	}
	return NULL;
}

bool run_wants_runtime(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0 || a[0] != '-')
			return false;
		const run_option *o = lookup(a);
		if (!o)
			continue;
		if (o->runtime)
			return true;
		if (o->has_arg == required_argument && !strchr(a, '='))
			i++; /* its value follows */
	}
	return false;
}
