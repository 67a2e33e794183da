/* run_options.h — the one table of 3po-run's options (run_options.c): which mode takes each (the
 * tracer, the runtime or both), and which ones choose the runtime. 3po-run.c, run_runtime.c and
 * run_wants_runtime all read it. */
#ifndef TPO_RUN_OPTIONS_H
#define TPO_RUN_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>

/* getopt values: the short option's letter, the letter tpo_trace_option (tpo/tracer.h) takes
 * for an option 3po-attach shares (--callchain), or one of these. */
enum run_opt {
	RO_OUTPUT = 'o', RO_MICROSET = 'm', RO_REGIONS = 'r', RO_QUIET = 'q', RO_VERBOSE = 'v', RO_HELP = 'h',
	RO_CALLCHAIN = 'C',
	RO_NO_PIN = 256, RO_ASLR,
	RO_TAPE, RO_LOCAL_MEM, RO_POLICY, RO_FAR, RO_LATENCY, RO_BANDWIDTH, RO_LOOKAHEAD, RO_KEY_EVERY,
	RO_MIN_REGION, RO_JSON, RO_STATS, RO_NO_CHECK, RO_SETTLE,
};

/* The modes of 3po-run. */
enum run_mode { RUN_TRACER = 1, RUN_RUNTIME = 2 };

#define RUN_MAX_OPTIONS 32

/* The getopt_long tables of one mode: long options (NULL-terminated) and the short ones. */
typedef struct run_getopt {
	struct option longopts[RUN_MAX_OPTIONS + 1];
	char shortopts[2 * RUN_MAX_OPTIONS + 2];
} run_getopt;
void run_getopt_init(run_getopt *g, enum run_mode mode);

/* True if the options before PROG ask for the runtime (--tape, --local-mem, --policy) rather
 * than the tracer. */
bool run_wants_runtime(int argc, char **argv);

#endif
