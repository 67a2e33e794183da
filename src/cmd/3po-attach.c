/* 3po-attach — joins a running process, traces its page accesses for a while, and detaches
 * leaving it running as if never traced. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tpo/tracer.h"
#include "attach_guard.h"
#include "units.h"

#define DEFAULT_MICROSET 64

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: 3po-attach [OPTIONS] PID\n"
	        "Attach to every thread of running process PID, record the pages of memory it touches,\n"
	        "and detach: on Ctrl-C, SIGTERM or SIGHUP, after --duration, or when the process exits;\n"
	        "at once (exit 1) if the trace cannot be written (a full disk).\n"
	        "On detach every page protection is what the program had set, the tracer's page is\n"
	        "unmapped, and the program runs on as if never traced.\n"
	        "\n"
	        "Options:\n"
	        "  -o, --output FILE      write the trace to FILE (default: attach-PID.3pt)\n"
	        "  -d, --duration SECS    detach after SECS seconds (decimals allowed; or with a unit:\n"
	        "                         500ms, 2s)\n"
	        "  -m, --microset N       pages open at once (default %d), as for 3po-run\n"
	        "  -r, --regions LIST     anon, heap, data, all (default all), as for 3po-run\n"
	        "      --callchain[=N]    record the call stack (up to 64 frames) at every Nth fault\n"
	        "                         (default N 1); 3po-dump --top names the functions\n"
	        "  -q, --quiet            no summary on stderr\n"
	        "  -v, --verbose          more detail in the summary\n"
	        "  -h, --help             this help\n"
	        "\n"
	        "The tracing runs in a child process named 3po-tracer (in a process group of its own);\n"
	        "3po-attach waits for it and passes SIGINT, SIGTERM and SIGHUP on. A SIGKILL to\n"
	        "3po-attach (kill -9, timeout -s KILL) is safe: 3po-tracer then detaches cleanly. A\n"
	        "SIGKILL to 3po-tracer itself is not: the kernel lets go of the process with its traced\n"
	        "pages still shut, and its next touch of one kills it with SIGSEGV. Stop tracing with\n"
	        "Ctrl-C, SIGTERM or SIGHUP to 3po-attach, or --duration.\n"
	        "\n"
	        "Exit status: 0 when the trace was written (whether we detached or the process exited),\n"
	        "1 if attaching or writing failed (no such process, permission denied, already traced,\n"
	        "a zombie, a kernel thread, our own pid, the process at vm.max_map_count: it is then\n"
	        "detached), 2 for a bad command line, 128+N if 3po-tracer was killed by signal N.\n"
	        "Example: 3po-attach -d 2 -o m.3pt $(pgrep matmul)\n",
	        DEFAULT_MICROSET);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, 0, 'o'}, {"duration", required_argument, 0, 'd'},
		{"microset", required_argument, 0, 'm'}, {"regions", required_argument, 0, 'r'},
		{"quiet", no_argument, 0, 'q'}, {"verbose", no_argument, 0, 'v'},
		{"callchain", optional_argument, 0, 'C'},
		{"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
	};
	tpo_trace_options opt = {.microset = DEFAULT_MICROSET, .select = TPO_SEL_DEFAULT, .verbose = 1};
	const char *output = NULL;
	double duration = 0;
	int c;
	while ((c = getopt_long(argc, argv, "o:d:m:r:qvh", longopts, NULL)) != -1) {
		int rc = tpo_trace_option("3po-attach", c, optarg, &opt);
		if (rc >= 0) {
			if (rc)
				return rc;
			continue;
		}
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'd': {
			double ns;
			if (!tpo_parse_duration_bare(optarg, 1e9, &ns, NULL) || !(ns > 0) || ns > 1e18) {
				fprintf(stderr, "3po-attach: --duration wants a positive number of seconds, not '%s'\n", optarg);
				return 2;
			}
			duration = ns / 1e9;
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try '3po-attach --help' for more information.\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "3po-attach: %s\nTry '3po-attach --help' for more information.\n",
		        optind >= argc ? "no process id given" : "give exactly one process id");
		return 2;
	}
	uint64_t id;
	if (!tpo_parse_count(argv[optind], 1, 0x3fffffff, &id, NULL)) {
		fprintf(stderr, "3po-attach: '%s' is not a process id\n", argv[optind]);
		return 2;
	}
	long pid = (long)id;
	int guarded = attach_guard((int)pid);
	if (guarded >= 0)
		return guarded; /* the guardian: the child traced and has ended */
	char *def = NULL;
	if (!output)
		output = def = g_strdup_printf("attach-%ld.3pt", pid);
	opt.output = output;
	tpo_trace_result res;
	GError *err = NULL;
	gboolean ok = tpo_trace_attach(&opt, (int)pid, duration, &res, &err);
	if (!ok)
		fprintf(stderr, "3po-attach: %s\n", err ? err->message : "tracing failed");
	g_clear_error(&err);
	if (ok && opt.verbose) {
		const tpo_trace_footer *f = &res.footer;
		fprintf(stderr, "3po-attach: %s: %" PRIu64 " pages recorded, %" PRIu64 " faults, %" PRIu64
		        " microsets, %.3f s; ", output, f->accesses, f->faults, f->microsets, (double)f->duration_ns / 1e9);
		if (res.detached)
			fprintf(stderr, "detached from process %ld\n", pid);
		else if (WIFSIGNALED(res.status))
			fprintf(stderr, "process %ld was killed by signal %d\n", pid, WTERMSIG(res.status));
		else
			fprintf(stderr, "process %ld exited with %d\n", pid, WEXITSTATUS(res.status));
	}
	g_free(def);
	return ok ? 0 : 1;
}
