/* run_runtime.c — 3po-run's second mode: with --tape, --local-mem or --policy it runs PROG under
 * the runtime (bounded local memory, far memory behind it) instead of tracing it. */
#define _GNU_SOURCE
#include "run_runtime.h"

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

bool run_wants_runtime(int argc, char **argv)
{
	static const char *const with_arg[] = {"-o", "--output", "-m", "--microset", "-r", "--regions", "--far",
	                                       "--latency", "--bandwidth", "--lookahead", "--key-every",
	                                       "--min-region", "--stats", "--settle"};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0 || a[0] != '-')
			return false;
		if (!strncmp(a, "--tape", 6) || !strncmp(a, "--local-mem", 11) || !strncmp(a, "--policy", 8))
			return true;
		for (size_t k = 0; k < G_N_ELEMENTS(with_arg); k++)
			if (strcmp(a, with_arg[k]) == 0)
				i++;
	}
	return false;
}

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

int run_runtime_main(int argc, char **argv)
{
	enum { O_TAPE = 256, O_LOCAL, O_POLICY, O_FAR, O_LAT, O_BW, O_LOOK, O_KEY, O_MINREG, O_JSON, O_STATS,
	       O_NOCHECK, O_ASLR, O_SETTLE };
	static const struct option longopts[] = {
		{"tape", required_argument, 0, O_TAPE}, {"local-mem", required_argument, 0, O_LOCAL},
		{"policy", required_argument, 0, O_POLICY}, {"far", required_argument, 0, O_FAR},
		{"latency", required_argument, 0, O_LAT}, {"bandwidth", required_argument, 0, O_BW},
		{"lookahead", required_argument, 0, O_LOOK}, {"key-every", required_argument, 0, O_KEY},
		{"min-region", required_argument, 0, O_MINREG}, {"json", no_argument, 0, O_JSON},
		{"stats", required_argument, 0, O_STATS}, {"no-check", no_argument, 0, O_NOCHECK},
		{"aslr", no_argument, 0, O_ASLR}, {"settle", required_argument, 0, O_SETTLE}, {"quiet", no_argument, 0, 'q'}, {"verbose", no_argument, 0, 'v'},
		{"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
	};
	tpo_rt_options opt = {.policy = TPO_RT_TAPE, .verbose = 1, .check_identity = true, .min_region = 1 << 20,
	                       .settle = 64};
	const char *local = NULL, *stats_path = NULL;
	bool json = false, policy_given = false, settle_given = false;
	int c;
	GError *err = NULL;
	while ((c = getopt_long(argc, argv, "+qvh", longopts, NULL)) != -1) {
		uint64_t n;
		switch (c) {
		case O_TAPE:
			opt.tape = optarg;
			break;
		case O_LOCAL:
			local = optarg;
			break;
		case O_POLICY:
			if (!tpo_rt_parse_policy(optarg, &opt.policy))
				return bad("--policy", optarg, "want demand, readahead, leap or tape");
			policy_given = true;
			break;
		case O_FAR:
			opt.far = optarg;
			break;
		case O_LAT: {
			double ns;
			if (!tpo_parse_duration(optarg, &ns, &err) || ns < 0)
				return bad("--latency", optarg, "want a duration such as 3us");
			opt.latency_s = ns / 1e9;
			if (opt.latency_s == 0)
				opt.latency_s = 1e-12; /* 0 would mean the default */
			break;
		}
		case O_BW:
			if (!tpo_parse_bandwidth(optarg, &opt.bandwidth_bps, &err) || opt.bandwidth_bps <= 0)
				return bad("--bandwidth", optarg, "want a rate such as 25Gbit/s");
			break;
		case O_LOOK:
			if (!tpo_parse_count(optarg, 1, 100000000, &n, NULL))
				return bad("--lookahead", optarg, "want a whole number of fetches");
			opt.lookahead = n;
			break;
		case O_KEY:
			if (!tpo_parse_count(optarg, 1, 100000000, &n, NULL))
				return bad("--key-every", optarg, "want a whole number of fetches");
			opt.key_every = n;
			break;
		case O_SETTLE:
			if (!tpo_parse_count(optarg, 0, 100000000, &n, NULL))
				return bad("--settle", optarg, "want a whole number of accesses");
			opt.settle = n;
			settle_given = true;
			break;
		case O_MINREG: {
			tpo_size_spec s;
			if (!tpo_parse_size(optarg, &s, &err) || s.kind == TPO_SIZE_PERCENT)
				return bad("--min-region", optarg, "want a size such as 1M or 256 (pages)");
			opt.min_region = tpo_size_pages(&s, 0, 4096) * 4096;
			break;
		}
		case O_JSON:
			json = true;
			break;
		case O_STATS:
			stats_path = optarg;
			break;
		case O_NOCHECK:
			opt.check_identity = false;
			break;
		case O_ASLR:
			opt.aslr = true;
			break;
		case 'q':
			opt.verbose = 0;
			break;
		case 'v':
			opt.verbose = 2;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try '3po-run --help' for more information.\n");
			return 2;
		}
		g_clear_error(&err);
	}
	if (optind >= argc) {
		fprintf(stderr, "3po-run: no program given\nTry '3po-run --help' for more information.\n");
		return 2;
	}
	if (!policy_given && !opt.tape)
		opt.policy = TPO_RT_DEMAND;
	if (opt.policy == TPO_RT_TAPE && !opt.tape) {
		fprintf(stderr, "3po-run: --policy tape needs --tape FILE (made by 3po-sim -o)\n");
		return 2;
	}
	opt.argv = argv + optind;
	tpo_size_spec size;
	if (!local) {
		if (!opt.tape) {
			fprintf(stderr, "3po-run: the runtime needs --local-mem SIZE (or a --tape to take it from)\n");
			return 2;
		}
	} else if (!tpo_parse_size(local, &size, &err)) {
		int rc = bad("--local-mem", local, err->message);
		g_clear_error(&err);
		return rc;
	}
	if (opt.tape) {
		tpo_tape_reader *rd = tpo_tape_reader_open(opt.tape, &err);
		if (!rd) {
			fprintf(stderr, "3po-run: %s\n", err->message);
			g_clear_error(&err);
			return 1;
		}
		const tpo_tape_header *th = tpo_tape_reader_header(rd);
		uint64_t tape_pages = th->local_pages;
		if (!settle_given && th->microset) /* a version 2 tape knows its trace's microset */
			opt.settle = th->microset;
		tpo_tape_reader_close(rd);
		if (!local) {
			opt.local_pages = tape_pages;
		} else if (size.kind == TPO_SIZE_PERCENT) {
			uint64_t fp = tape_footprint(opt.tape, &err);
			if (!fp) {
				fprintf(stderr, "3po-run: %s\n", err ? err->message : "the tape has no fetches");
				g_clear_error(&err);
				return 1;
			}
			opt.local_pages = tpo_size_pages(&size, fp, 4096);
		}
	}
	if (local && !(opt.tape && size.kind == TPO_SIZE_PERCENT)) {
		if (size.kind == TPO_SIZE_PERCENT) {
			fprintf(stderr, "3po-run: --local-mem %s: a percentage needs --tape (it is of the tape's footprint)\n", local);
			return 2;
		}
		opt.local_pages = tpo_size_pages(&size, 0, 4096);
	}
	/* made before the program runs, as a trace is: a file that cannot be made stops us first */
	FILE *stats = stats_path ? fopen(stats_path, "w") : NULL;
	if (stats_path && !stats) {
		fprintf(stderr, "3po-run: %s: %s\n", stats_path, g_strerror(errno));
		return 1;
	}
	tpo_rt_result res;
	gboolean ok = tpo_runtime_run(&opt, &res, &err);
	if (!ok) {
		fprintf(stderr, "3po-run: %s\n", err ? err->message : "the runtime failed");
		/* a request the runtime cannot take (a far URI, a size) is the command line's fault */
		bool usage = g_error_matches(err, TPO_RT_ERROR, TPO_RT_ERROR_REQUEST) ||
		             g_error_matches(err, TPO_FAR_ERROR, TPO_FAR_ERROR_URI);
		g_clear_error(&err);
		if (stats)
			fclose(stats);
		if (res.exec_errno)
			return res.exec_errno == ENOENT ? 127 : 126;
		return usage ? 2 : 1;
	}
	int code = tpo_exit_code(res.status);
	if (stats) {
		tpo_rt_stats_print(stats, &opt, &res, true);
		bool failed = ferror(stats) != 0;
		failed |= fclose(stats) != 0;
		if (failed) {
			fprintf(stderr, "3po-run: %s: %s\n", stats_path, errno ? g_strerror(errno) : "write failed");
			code = code ? code : 1; /* the program's status first, as for an unwritable trace */
		}
	}
	if (opt.verbose || json)
		tpo_rt_stats_print(stderr, &opt, &res, json);
	return code;
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
