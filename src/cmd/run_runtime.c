/* run_runtime.c — 3po-run's second mode: with --tape, --local-mem or --policy it runs PROG under
 * the runtime (bounded local memory, far memory behind it) instead of tracing it. */
#define _GNU_SOURCE
#include "run_runtime.h"
#include "run_options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tpo/far.h"
#include "tpo/runtime.h"
#include "tpo/tracer.h"
#include "tpo/tape.h"
#include "units.h"

/* Pages the tape's trace touched: every page is fetched at least once. */
static uint64_t tape_footprint(const char *path, GError **err)
{
	tpo_tape_reader *rd = tpo_tape_reader_open(path, err);
	if (!rd)
		return 0;
	GHashTable *seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	GArray *keep = g_array_new(FALSE, FALSE, sizeof(gint64));
	tpo_tape_entry e;
	int rc;
	while ((rc = tpo_tape_reader_next(rd, &e, err)) == 1)
		if (e.op == TPO_TAPE_FETCH)
			g_array_append_val(keep, e.page);
	for (guint k = 0; k < keep->len; k++)
		g_hash_table_add(seen, &g_array_index(keep, gint64, k));
	uint64_t n = rc < 0 ? 0 : g_hash_table_size(seen);
	g_hash_table_destroy(seen);
	g_array_free(keep, TRUE);
	tpo_tape_reader_close(rd);
	return n;
}

static int bad(const char *what, const char *arg, const char *why)
{
	fprintf(stderr, "3po-run: %s: '%s': %s\n", what, arg, why);
	return 2;
}

/* What the command line asks of the runtime. */
typedef struct run_request {
	tpo_rt_options opt;
	const char *local;      /* --local-mem as given, or NULL */
	tpo_size_spec size;     /* ... parsed */
	const char *stats_path; /* --stats FILE, or NULL */
	bool json, policy_given, settle_given;
} run_request;

/* Not yet an exit status: go on. */
#define RUN_GO_ON (-1)

/* One option of the runtime's (getopt's c with optarg) into rq: RUN_GO_ON, else the exit status. */
static int parse_option(run_request *rq, int c, const char *arg)
{
	tpo_rt_options *opt = &rq->opt;
	GError *err = NULL;
	uint64_t n;
	double ns;
	tpo_size_spec s;
	int rc = RUN_GO_ON;
	switch (c) {
	case RO_TAPE: opt->tape = arg; break;
	case RO_LOCAL_MEM: rq->local = arg; break;
	case RO_POLICY:
		if (!tpo_rt_parse_policy(arg, &opt->policy)) {
			rc = bad("--policy", arg, "want demand, readahead, leap or tape");
			break;
		}
		rq->policy_given = true;
		break;
	case RO_FAR: opt->far = arg; break;
	case RO_LATENCY:
		if (!tpo_parse_duration(arg, &ns, &err) || ns < 0) {
			rc = bad("--latency", arg, "want a duration such as 3us");
			break;
		}
		opt->latency_s = ns / 1e9;
		if (opt->latency_s == 0)
			opt->latency_s = 1e-12; /* 0 would mean the default */
		break;
	case RO_BANDWIDTH:
		if (!tpo_parse_bandwidth(arg, &opt->bandwidth_bps, &err) || opt->bandwidth_bps <= 0)
			rc = bad("--bandwidth", arg, "want a rate such as 25Gbit/s");
		break;
	case RO_LOOKAHEAD:
		if (!tpo_parse_count(arg, 1, 100000000, &n, NULL)) {
			rc = bad("--lookahead", arg, "want a whole number of fetches");
			break;
		}
		opt->lookahead = n;
		break;
	case RO_KEY_EVERY:
		if (!tpo_parse_count(arg, 1, 100000000, &n, NULL)) {
			rc = bad("--key-every", arg, "want a whole number of fetches");
			break;
		}
		opt->key_every = n;
		break;
	case RO_SETTLE:
		if (!tpo_parse_count(arg, 0, 100000000, &n, NULL)) {
			rc = bad("--settle", arg, "want a whole number of accesses");
			break;
		}
		opt->settle = n;
		rq->settle_given = true;
		break;
	case RO_MIN_REGION:
		if (!tpo_parse_size(arg, &s, &err) || s.kind == TPO_SIZE_PERCENT) {
			rc = bad("--min-region", arg, "want a size such as 1M or 256 (pages)");
			break;
		}
		opt->min_region = tpo_size_pages(&s, 0, 4096) * 4096;
		break;
	case RO_JSON: rq->json = true; break;
	case RO_STATS: rq->stats_path = arg; break;
	case RO_NO_CHECK: opt->check_identity = false; break;
	case RO_ASLR: opt->aslr = true; break;
	case RO_QUIET: opt->verbose = 0; break;
	case RO_VERBOSE: opt->verbose = 2; break;
	case RO_HELP:
		run_usage(stdout);
		rc = 0;
		break;
	default:
		fprintf(stderr, "Try '3po-run --help' for more information.\n");
		rc = 2;
		break;
	}
	g_clear_error(&err);
	return rc;
}

/* The command line into rq: RUN_GO_ON, else the exit status. */
static int parse(run_request *rq, int argc, char **argv)
{
	*rq = (run_request){.opt = {.policy = TPO_RT_TAPE, .verbose = 1, .check_identity = true,
	                            .min_region = 1 << 20, .settle = 64}};
	run_getopt g;
	run_getopt_init(&g, RUN_RUNTIME);
	int c;
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		int rc = parse_option(rq, c, optarg);
		if (rc != RUN_GO_ON)
			return rc;
	}
	if (optind >= argc) {
		fprintf(stderr, "3po-run: no program given\nTry '3po-run --help' for more information.\n");
		return 2;
	}
	rq->opt.argv = argv + optind;
	if (!rq->policy_given && !rq->opt.tape)
		rq->opt.policy = TPO_RT_DEMAND;
	if (rq->opt.policy == TPO_RT_TAPE && !rq->opt.tape) {
		fprintf(stderr, "3po-run: --policy tape needs --tape FILE (made by 3po-sim -o)\n");
		return 2;
	}
	GError *err = NULL;
	if (!rq->local) {
		if (!rq->opt.tape) {
			fprintf(stderr, "3po-run: the runtime needs --local-mem SIZE (or a --tape to take it from)\n");
			return 2;
		}
	} else if (!tpo_parse_size(rq->local, &rq->size, &err)) {
		int rc = bad("--local-mem", rq->local, err->message);
		g_clear_error(&err);
		return rc;
	}
	return RUN_GO_ON;
}

/* What the tape gives: its microset as --settle (unless given), its size as --local-mem (unless
 * given), its footprint for a --local-mem percentage. RUN_GO_ON, else the exit status. */
static int resolve_tape(run_request *rq)
{
	tpo_rt_options *opt = &rq->opt;
	GError *err = NULL;
	tpo_tape_reader *rd = tpo_tape_reader_open(opt->tape, &err);
	if (!rd) {
		fprintf(stderr, "3po-run: %s\n", err->message);
		g_clear_error(&err);
		return 1;
	}
	const tpo_tape_header *th = tpo_tape_reader_header(rd);
	uint64_t tape_pages = th->local_pages;
	if (!rq->settle_given && th->microset) /* a version 2 tape knows its trace's microset */
		opt->settle = th->microset;
	tpo_tape_reader_close(rd);
	if (!rq->local) {
		opt->local_pages = tape_pages;
	} else if (rq->size.kind == TPO_SIZE_PERCENT) {
		uint64_t fp = tape_footprint(opt->tape, &err);
		if (!fp) {
			fprintf(stderr, "3po-run: %s\n", err ? err->message : "the tape has no fetches");
			g_clear_error(&err);
			return 1;
		}
		opt->local_pages = tpo_size_pages(&rq->size, fp, 4096);
	}
	return RUN_GO_ON;
}

/* The local memory in pages, from --local-mem or the tape. RUN_GO_ON, else the exit status. */
static int resolve(run_request *rq)
{
	if (rq->opt.tape) {
		int rc = resolve_tape(rq);
		if (rc != RUN_GO_ON)
			return rc;
	}
	if (rq->local && !(rq->opt.tape && rq->size.kind == TPO_SIZE_PERCENT)) {
		if (rq->size.kind == TPO_SIZE_PERCENT) {
			fprintf(stderr, "3po-run: --local-mem %s: a percentage needs --tape (it is of the tape's footprint)\n",
			        rq->local);
			return 2;
		}
		rq->opt.local_pages = tpo_size_pages(&rq->size, 0, 4096);
	}
	return RUN_GO_ON;
}

/* Runs the program; RUN_GO_ON with *res, else (the run failed) the exit status, after one line. */
static int run(const run_request *rq, tpo_rt_result *res)
{
	GError *err = NULL;
	if (tpo_runtime_run(&rq->opt, res, &err))
		return RUN_GO_ON;
	fprintf(stderr, "3po-run: %s\n", err ? err->message : "the runtime failed");
	/* a request the runtime cannot take (a far URI, a size) is the command line's fault */
	bool usage = g_error_matches(err, TPO_RT_ERROR, TPO_RT_ERROR_REQUEST) ||
	             g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_URI);
	g_clear_error(&err);
	if (res->exec_errno)
		return res->exec_errno == ENOENT ? 127 : 126;
	return usage ? 2 : 1;
}

/* The statistics to the --stats file (opened before the run) and stderr; the exit status. */
static int report(const run_request *rq, const tpo_rt_result *res, FILE *stats)
{
	int code = tpo_exit_code(res->status);
	if (stats) {
		tpo_rt_stats_print(stats, &rq->opt, res, true);
		bool failed = ferror(stats) != 0;
		failed |= fclose(stats) != 0;
		if (failed) {
			fprintf(stderr, "3po-run: %s: %s\n", rq->stats_path, errno ? g_strerror(errno) : "write failed");
			code = code ? code : 1; /* the program's status first, as for an unwritable trace */
		}
	}
	if (rq->opt.verbose || rq->json)
		tpo_rt_stats_print(stderr, &rq->opt, res, rq->json);
	return code;
}

int run_runtime_main(int argc, char **argv)
{
	run_request rq;
	int rc = parse(&rq, argc, argv);
	if (rc == RUN_GO_ON)
		rc = resolve(&rq);
	if (rc != RUN_GO_ON)
		return rc;
	/* made before the program runs, as a trace is: a file that cannot be made stops us first */
	FILE *stats = rq.stats_path ? fopen(rq.stats_path, "w") : NULL;
	if (rq.stats_path && !stats) {
		fprintf(stderr, "3po-run: %s: %s\n", rq.stats_path, g_strerror(errno));
		return 1;
	}
	tpo_rt_result res;
	rc = run(&rq, &res);
	if (rc != RUN_GO_ON) {
		if (stats)
			fclose(stats);
		return rc;
	}
	return report(&rq, &res, stats);
}

void run_usage(FILE *f)
{
	fprintf(f,
	        "\n"
	        "Usage: 3po-run --tape TAPE [--local-mem SIZE] [RUNTIME OPTIONS] [--] PROG [ARGS...]\n"
	        "       3po-run --local-mem SIZE --policy demand|readahead|leap [RUNTIME OPTIONS] [--] PROG [ARGS...]\n"
	        "Run PROG with at most SIZE of its large anonymous memory local; the rest lives in far\n"
	        "memory, fetched by userfaultfd. PROG's output, signals and exit status are its own.\n"
	        "\n"
	        "Runtime options:\n"
	        "      --tape FILE        follow FILE (3po-sim -o): fetch its pages ahead of the program\n"
	        "      --local-mem SIZE   pages (4096), bytes (64M) or, with --tape, a share of the\n"
	        "                         tape's footprint (20%%); default: the tape's own size\n"
	        "      --policy P         tape (default with --tape), demand, readahead (Linux swap's)\n"
	        "                         or leap (Leap's majority trend)\n"
	        "      --far URI          where far pages live (docs/far-memory.md compares them):\n"
	        "                         local (default): an in-process store behind an emulated link\n"
	        "                         tcp://HOST:PORT: a 3po-memserver, e.g. tcp://10.0.0.2:7077\n"
	        "                         file:PATH[?keep]: a file on flash (O_DIRECT, io_uring),\n"
	        "                           e.g. file:/mnt/nvme/3po.far (created and removed; PATH\n"
	        "                           must not exist); ?keep: an existing file or block device,\n"
	        "                           used as it is and kept, e.g. file:/dev/nvme0n1p3?keep\n"
	        "                         memcached://HOST:PORT[,HOST:PORT...][?replicas=N]: memcached\n"
	        "                           servers (run them with -M), each page also on N more,\n"
	        "                           e.g. memcached://a:11211,b:11211,c:11211?replicas=1\n"
	        "      --latency T        local link latency per fetch (default 3us)\n"
	        "      --bandwidth B      local link bandwidth (default 25Gbit/s)\n"
	        "      --lookahead N      tape fetches kept ahead of the program (default: what local\n"
	        "                         memory leaves over the tape's size and --settle, at most the\n"
	        "                         tape's advice; so make a tape for SIZE - lookahead - settle)\n"
	        "      --settle N         a tape's eviction waits until the program is N accesses past\n"
	        "                         it (default: the trace's microset, whose re-accesses the\n"
	        "                         trace cannot show, as the tape records it; 64 for tapes\n"
	        "                         of format version 1, which do not)\n"
	        "      --key-every N      one key page (reports progress by a fault) per N fetches\n"
	        "                         (default lookahead/4)\n"
	        "      --min-region SIZE  manage anonymous mappings at least this large (default 1M)\n"
	        "      --no-check         run a tape made from another program or other arguments\n"
	        "      --aslr             keep address randomisation (tapes are made of addresses)\n"
	        "      --json             print the statistics as one JSON object on stderr\n"
	        "      --stats FILE       also write them as JSON to FILE\n"
	        "  -q, --quiet / -v, --verbose\n"
	        "Example (a tape for 1000 pages, run with its lookahead of 100 and one microset more):\n"
	        "  3po-run -o m.3pt ./matmul -n 1024 -b 64 &&\n"
	        "  3po-sim m.3pt --local-mem 1000 --policy min --lookahead 100 -o m.tape &&\n"
	        "  3po-run --tape m.tape --local-mem 1164 ./matmul -n 1024 -b 64\n");
}
