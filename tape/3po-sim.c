/* 3po-sim — replays a trace against a local memory of a given size under several policies:
 * writes the tape (lru or min), reports misses, fetches, prefetch coverage and accuracy, a
 * run-time estimate under a far-memory model, and miss-ratio curves (text, JSON, PNG). */
#include "driver.h"
#include "gnuplot.h"
#include "report.h"
#include "units.h"

#include <tpo/tape.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
"Usage: 3po-sim TRACE --local-mem SIZE [OPTION...]\n"
"       3po-sim TRACE --mrc START:END:STEP [--plot FILE.png] [OPTION...]\n"
"\n"
"Replays the page accesses of TRACE (a .3pt file from 3po-run, 3po-attach or 3po-convert)\n"
"against a local memory of SIZE and reports, for each policy, how the program would page:\n"
"misses, fetches, prefetches issued/used/wasted, coverage, accuracy, and an estimate of its\n"
"run time with the rest of its memory far away. With -o it writes the tape the 3PO runtime\n"
"follows: before which access to fetch which page, and which page to evict.\n"
"\n"
"Policies (each simulated on the same access sequence at the same size; LRU eviction unless\n"
"said otherwise):\n"
"  lru        the paper's tape: LRU at SIZE; every access to an absent page is a fetch the\n"
"             tape makes ahead of need (so no access waits at the tape's own size)\n"
"  min        a tape built with Belady's MIN eviction (the future is known): fewest fetches\n"
"  demand     no prefetching: every absent page is read when touched (the baseline)\n"
"  readahead  Linux VMA swap readahead (mm/swap_state.c), window up to 2^page-cluster\n"
"  leap       Leap's majority-trend prefetcher (ATC'20), window up to 2^page-cluster\n"
"\n"
"Options:\n"
"  -m, --local-mem SIZE    local memory: pages (4096), bytes with a binary suffix (512K, 64M,\n"
"                          1G, 2GiB, 8192B), or a share of the footprint, the distinct pages\n"
"                          the trace accesses (20%, 12.5%)\n"
"  -p, --policy LIST       comma-separated policies, or all (default: all, in the order\n"
"                          lru,min,demand,readahead,leap)\n"
"  -o, --output TAPE       write the tape of the first tape policy (lru or min) in LIST\n"
"      --json              print the report as one JSON document instead of text\n"
"      --mrc START:END:STEP\n"
"                          miss-ratio curves: misses of each policy at each size from START\n"
"                          to END by STEP (sizes as for --local-mem, e.g. 5%:100%:5%,\n"
"                          1000:20000:1000, 64M:1G:64M); LRU's curve comes from one pass\n"
"                          (Mattson stack distances), the others from a run per size\n"
"      --plot FILE.png     draw the miss-ratio curves with gnuplot (--mrc 5%:100%:5% if not\n"
"                          given)\n"
"      --heatmap FILE.png  draw the trace's accesses over time x address (as 3po-dump\n"
"                          --heatmap does)\n"
"      --replay TAPE       follow TAPE along this trace's accesses as a runtime would, and\n"
"                          report its demand misses and whether it was made from this trace\n"
"  -q, --quiet             no progress line on stderr (shown for runs over 2 seconds)\n"
"  -h, --help              this help\n"
"\n"
"Far-memory model (run-time estimate; see docs/sim.md):\n"
"      --latency TIME      per-fetch latency, overlapping between fetches (default 3us)\n"
"      --bandwidth RATE    link bandwidth; transfers of pages serialise on it (default\n"
"                          25Gbit/s; also 25Gbps, 3GB/s, 3GiB/s)\n"
"      --lookahead PAGES   how many fetches a tape runs ahead of the program (default 400)\n"
"      --compute TIME      program time per access with all memory local (default: from the\n"
"                          trace: its duration less --trace-overhead per fault, divided by\n"
"                          its accesses)\n"
"      --trace-overhead TIME\n"
"                          tracer cost per fault, subtracted from the trace's duration\n"
"                          (default 30us, measured by scripts/bench/tracer.sh)\n"
"      --page-cluster N    readahead and leap read at most 2^N pages per fault (default 3,\n"
"                          as /proc/sys/vm/page-cluster)\n"
"TIME: a number with ns, us, ms or s (a bare number is microseconds).\n"
"\n"
"Output: a text report on stdout (or JSON with --json): {\"trace\": ..., \"model\": {...},\n"
"\"policies\": [{\"policy\": \"lru\", \"local_pages\": N, \"accesses\": N, \"misses\": N,\n"
"\"fetches\": N, \"prefetches\": N, \"prefetch_used\": N, \"prefetch_wasted\": N, \"evictions\": N,\n"
"\"cold_misses\": N, \"demand_paging_misses\": N, \"coverage\": X, \"accuracy\": X,\n"
"\"est_time_ns\": X, \"slowdown\": X, ...}, ...], \"mrc\": {...}}. misses: accesses that\n"
"found their page absent; demand_paging_misses: those of the same eviction without any\n"
"prefetching (for lru/min, what the tape saves); coverage: used / (used + misses); accuracy:\n"
"used / prefetches.\n"
"\n"
"Examples:\n"
"  3po-sim prog.3pt --local-mem 20% -o prog.tape\n"
"  3po-sim prog.3pt -m 64M --policy min,lru --json\n"
"  3po-sim prog.3pt --mrc 5%:100%:5% --policy lru,min,readahead --plot mrc.png\n"
"  3po-sim prog.3pt -m 20% --policy demand,readahead,leap --compute 50ns --latency 5us\n"
"  3po-sim prog.3pt --replay prog.tape\n"
"\n"
"Exit status: 0 on success, 1 on an error reading or writing files, 2 on bad usage.\n";

enum {
	OPT_JSON = 256, OPT_PLOT, OPT_MRC, OPT_LATENCY, OPT_BANDWIDTH, OPT_LOOKAHEAD, OPT_COMPUTE,
	OPT_OVERHEAD, OPT_CLUSTER, OPT_REPLAY, OPT_HEATMAP,
};

static const struct option options[] = {
	{"local-mem", required_argument, NULL, 'm'},
	{"policy", required_argument, NULL, 'p'},
	{"output", required_argument, NULL, 'o'},
	{"json", no_argument, NULL, OPT_JSON},
	{"plot", required_argument, NULL, OPT_PLOT},
	{"mrc", required_argument, NULL, OPT_MRC},
	{"latency", required_argument, NULL, OPT_LATENCY},
	{"bandwidth", required_argument, NULL, OPT_BANDWIDTH},
	{"lookahead", required_argument, NULL, OPT_LOOKAHEAD},
	{"compute", required_argument, NULL, OPT_COMPUTE},
	{"trace-overhead", required_argument, NULL, OPT_OVERHEAD},
	{"page-cluster", required_argument, NULL, OPT_CLUSTER},
	{"replay", required_argument, NULL, OPT_REPLAY},
	{"heatmap", required_argument, NULL, OPT_HEATMAP},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int usage_error(const char *msg)
{
	fprintf(stderr, "3po-sim: %s (try 3po-sim --help)\n", msg);
	return 2;
}

static int bad_value(GError *e)
{
	int rc = usage_error(e->message);
	g_error_free(e);
	return rc;
}

/* What the command line asks for: the run's configuration and how to report it. */
typedef struct sim_cli {
	tpo_simrun_config c;
	int json;
	const char *plot, *heatmap, *mrc;
} sim_cli;

/* Takes one option into cli; returns -1 to go on, or the exit code (0 after --help, 2 for a
 * bad value). */
static int parse_option(int opt, char **argv, sim_cli *cli)
{
	tpo_simrun_config *c = &cli->c;
	GError *e = NULL;
	switch (opt) {
	case 'm':
		if (!tpo_parse_size(optarg, &c->local, &e))
			return bad_value(e);
		c->have_local = 1;
		return -1;
	case 'p':
		return tpo_parse_policies(optarg, c->policies, &c->npolicies, &e) ? -1 : bad_value(e);
	case 'o':
		c->tape_path = optarg;
		return -1;
	case OPT_JSON:
		cli->json = 1;
		return -1;
	case OPT_PLOT:
		cli->plot = optarg;
		return -1;
	case OPT_MRC:
		if (!tpo_parse_range(optarg, c->mrc, &e))
			return bad_value(e);
		c->have_mrc = 1;
		cli->mrc = optarg;
		return -1;
	case OPT_LATENCY:
		return tpo_parse_duration(optarg, &c->latency_ns, &e) ? -1 : bad_value(e);
	case OPT_BANDWIDTH:
		return tpo_parse_bandwidth(optarg, &c->bandwidth_bps, &e) ? -1 : bad_value(e);
	case OPT_LOOKAHEAD:
		if (!tpo_parse_count(optarg, 0, 1u << 30, &c->lookahead, NULL))
			return usage_error("--lookahead wants a page count (0 to 2^30)");
		return -1;
	case OPT_COMPUTE:
		if (!tpo_parse_duration(optarg, &c->compute_ns, &e))
			return bad_value(e);
		c->have_compute = 1;
		return -1;
	case OPT_OVERHEAD:
		return tpo_parse_duration(optarg, &c->trace_overhead_ns, &e) ? -1 : bad_value(e);
	case OPT_CLUSTER: {
		uint64_t v;
		if (!tpo_parse_count(optarg, 0, 16, &v, NULL))
			return usage_error("--page-cluster wants 0 to 16");
		c->page_cluster = (unsigned)v;
		return -1;
	}
	case OPT_REPLAY:
		c->replay_path = optarg;
		return -1;
	case OPT_HEATMAP:
		cli->heatmap = optarg;
		return -1;
	case 'q':
		c->progress = 0;
		return -1;
	case 'h':
		fputs(usage_text, stdout);
		return 0;
	case ':':
		fprintf(stderr, "3po-sim: option %s needs a value (try 3po-sim --help)\n",
			argv[optind - 1]);
		return 2;
	default:
		fprintf(stderr, "3po-sim: unknown option %s (try 3po-sim --help)\n", argv[optind - 1]);
		return 2;
	}
}

/* Parses the command line into cli (defaults first); returns -1 to go on, or the exit code. */
static int parse_args(int argc, char **argv, sim_cli *cli)
{
	*cli = (sim_cli){.c = {
		.latency_ns = 3000,
		.bandwidth_bps = 25e9,
		.trace_overhead_ns = 30000, /* 3po-run per fault here: scripts/bench/tracer.sh */
		.lookahead = 400,
		.page_cluster = 3,
		.progress = 1,
	}};
	tpo_parse_policies("all", cli->c.policies, &cli->c.npolicies, NULL);
	int opt, rc;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":m:p:o:qh", options, NULL)) != -1)
		if ((rc = parse_option(opt, argv, cli)) >= 0)
			return rc;
	if (optind >= argc)
		return usage_error("no trace given");
	if (optind + 1 < argc)
		return usage_error("give exactly one trace");
	cli->c.trace = argv[optind];
	return -1;
}

/* Checks the options against each other and fills in what they imply; draws --heatmap.
 * Returns -1 to simulate, or the exit code. */
static int resolve(sim_cli *cli)
{
	tpo_simrun_config *c = &cli->c;
	if (cli->plot && !c->have_mrc) {
		tpo_parse_range("5%:100%:5%", c->mrc, NULL);
		c->have_mrc = 1;
	}
	if (cli->heatmap) {
		GError *e = NULL;
		if (!tpo_heatmap_png(c->trace, cli->heatmap, 0, 0, &e)) {
			fprintf(stderr, "3po-sim: %s: %s\n", cli->heatmap, e->message);
			g_error_free(e);
			return 1;
		}
		if (!c->have_local && !c->have_mrc && !c->replay_path)
			return 0;
	}
	if (!c->have_local && !c->have_mrc && !c->replay_path)
		return usage_error("--local-mem SIZE is required (or --mrc, --plot, --replay, --heatmap)");
	if (c->tape_path) {
		int tape = 0;
		for (int i = 0; i < c->npolicies; i++)
			tape |= tpo_policy_is_tape(c->policies[i]);
		if (!tape)
			return usage_error("-o writes an lru or min tape: add lru or min to --policy");
		if (!c->have_local)
			return usage_error("-o needs --local-mem: the tape is made for one size");
	}
	return -1;
}

/* Runs the simulation into r; returns -1 to report it, or the exit code. */
static int run(const sim_cli *cli, tpo_simrun *r)
{
	GError *e = NULL;
	if (!tpo_simrun_go(&cli->c, r, &e)) {
		fprintf(stderr, "3po-sim: %s\n", e->message);
		g_error_free(e);
		return 1;
	}
	if (cli->mrc && !r->nsizes) { /* START and END of different kinds, END below START here */
		fprintf(stderr, "3po-sim: --mrc %s holds no size for this trace (%" G_GUINT64_FORMAT
			" pages): START is above END\n", cli->mrc, r->footprint);
		return 2;
	}
	return -1;
}

/* Draws --plot and prints the report (text or JSON); returns the exit code. */
static int report(const sim_cli *cli, const tpo_simrun *r)
{
	int rc = 0;
	GError *e = NULL;
	if (cli->plot && !tpo_plot_mrc(&cli->c, r, cli->plot, &e)) {
		fprintf(stderr, "3po-sim: %s: %s\n", cli->plot, e->message);
		g_clear_error(&e);
		rc = 1;
	}
	if (cli->json)
		tpo_report_json(stdout, &cli->c, r);
	else
		tpo_report_text(stdout, &cli->c, r);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "3po-sim: writing the report failed\n");
		rc = 1;
	}
	return rc;
}

int main(int argc, char **argv)
{
	sim_cli cli;
	int rc = parse_args(argc, argv, &cli);
	if (rc < 0)
		rc = resolve(&cli);
	if (rc >= 0)
		return rc;
	tpo_simrun r;
	rc = run(&cli, &r);
	if (rc < 0)
		rc = report(&cli, &r);
	tpo_simrun_clear(&r);
	return rc;
}
