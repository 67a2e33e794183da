/* 3po-run — launches a program under the 3PO tracer and writes its page-access trace (.3pt). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tpo/tracer.h"
#include "run_options.h"
#include "run_runtime.h"


#define DEFAULT_MICROSET 64

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: 3po-run [OPTIONS] [--] PROG [ARGS...]\n"
	        "Run PROG under the 3PO tracer and record, in order, the pages of memory it touches.\n"
	        "\n"
	        "PROG's stdin, stdout, stderr, environment, signals and exit status are its own;\n"
	        "3po-run exits with PROG's status (128+N if PROG was killed by signal N). If tracing\n"
	        "cannot go on (PROG at vm.max_map_count), PROG is killed and 3po-run exits 1 after one\n"
	        "line saying why. If the trace cannot be written (a full disk), tracing stops there:\n"
	        "PROG runs on untraced to its own end, and 3po-run exits 1 with a one-line error.\n"
	        "\n"
	        "Options:\n"
	        "  -o, --output FILE    write the trace to FILE (default: PROG's base name + .3pt)\n"
	        "  -m, --microset N     pages open at once before they are recorded and protected\n"
	        "                       again (default %d; 1 records every change of page)\n"
	        "  -r, --regions LIST   kinds of memory to trace, comma-separated: anon (malloc and\n"
	        "                       anonymous mmap), heap (brk), data (.data/.bss of every object),\n"
	        "                       all (default: all). Stacks, code and vdso are never traced.\n"
	        "      --no-pin         do not run the tracer and PROG on one CPU (slower: every stop\n"
	        "                       then crosses CPUs; PROG sees its normal CPU affinity)\n"
	        "      --callchain[=N]  record the call stack (up to 64 frames) at every Nth fault\n"
	        "                       (default N 1); 3po-dump --top names the functions\n"
	        "      --aslr           keep address randomisation (default: off, so that a tape made\n"
	        "                       from the trace fits the next run's addresses)\n"
	        "  -q, --quiet          no summary on stderr\n"
	        "  -v, --verbose        more detail in the summary\n"
	        "  -h, --help           this help\n"
	        "\n"
	        "The trace is read by 3po-dump and 3po-sim; docs/trace-format.md describes it.\n"
	        "Example: 3po-run -o m.3pt ./matmul -n 256 && 3po-dump m.3pt\n",
	        DEFAULT_MICROSET);
	run_usage(f);
}

static void summary(const tpo_trace_result *r, const char *out, int verbose)
{
	const tpo_trace_footer *f = &r->footer;
	fprintf(stderr, "3po-run: %s: %" PRIu64 " pages recorded, %" PRIu64 " faults, %" PRIu64
	        " microsets, %" PRIu64 " region events, %.3f s",
	        out, f->accesses, f->faults, f->microsets, f->regions, (double)f->duration_ns / 1e9);
	if (WIFSIGNALED(r->status))
		fprintf(stderr, "; program killed by signal %d (%s)", WTERMSIG(r->status), strsignal(WTERMSIG(r->status)));
	else
		fprintf(stderr, "; program exited with %d", WEXITSTATUS(r->status));
	fprintf(stderr, "\n");
	if (verbose > 1)
		fprintf(stderr, "3po-run: %" PRIu64 " events, %" PRIu64 " syscall stops, %" PRIu64
		        " buffers opened for system calls, %" PRIu64 " EFAULT restarts, %" PRIu64
		        " repaired stale faults, %.2f us per fault\n",
		        f->events, r->syscall_stops, r->pins, r->restarts, r->stale_faults,
		        f->faults ? (double)f->duration_ns / 1e3 / (double)f->faults : 0.0);
}

int main(int argc, char **argv)
{
	tpo_trace_options opt = {.microset = DEFAULT_MICROSET, .select = TPO_SEL_DEFAULT, .pin = true,
	                         .verbose = 1};
	if (run_wants_runtime(argc, argv))
		return run_runtime_main(argc, argv);
	const char *output = NULL;
	run_getopt g;
	run_getopt_init(&g, RUN_TRACER);
	int c;
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		/* the options 3po-attach shares: --microset, --regions, --callchain, -q, -v */
		int rc = tpo_trace_option("3po-run", c, optarg, &opt);
		if (rc >= 0) {
			if (rc)
				return rc;
			continue;
		}
		switch (c) {
		case RO_OUTPUT:
			output = optarg;
			break;
		case RO_NO_PIN:
			opt.pin = false;
			break;
		case RO_ASLR:
			opt.aslr = true;
			break;
		case RO_HELP:
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try '3po-run --help' for more information.\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "3po-run: no program given\nTry '3po-run --help' for more information.\n");
		return 2;
	}
	opt.argv = argv + optind;
	char *def = NULL;
	if (!output) {
		char *copy = g_strdup(argv[optind]);
		def = g_strconcat(basename(copy), ".3pt", NULL);
		g_free(copy);
		output = def;
	}
	opt.output = output;
	tpo_trace_result res;
	GError *err = NULL;
	gboolean ok = tpo_trace_launch(&opt, &res, &err);
	if (!ok) {
		/* no summary: the trace is not what it would claim */
		fprintf(stderr, "3po-run: %s%s\n", err ? err->message : "tracing failed",
		        res.detached ? "; tracing stopped there, the program ran on untraced" : "");
		g_clear_error(&err);
		g_free(def);
		if (res.exec_errno)
			return res.exec_errno == ENOENT ? 127 : 126;
		return 1; /* a failed trace, or PROG killed because tracing could not go on */
	}
	if (opt.verbose)
		summary(&res, output, opt.verbose);
	g_free(def);
	return tpo_exit_code(res.status);
}
