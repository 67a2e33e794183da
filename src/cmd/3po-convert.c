/* 3po-convert — turns a plain list of page addresses (one per line, 0x-hex or decimal) into a
 * .3pt trace (one region covering the range, thread 1, time = access number), and a trace back
 * into that list (--to-list). */
#include <tpo/trace.h>
#include "units.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const char usage_text[] =
"Usage: 3po-convert [LIST] -o TRACE [--page-size BYTES] [--program NAME]\n"
"       3po-convert --to-list TRACE [-o LIST]\n"
"\n"
"The first form reads LIST (a file, or standard input when LIST is - or missing): one address\n"
"per line, hexadecimal with 0x or decimal; blank lines and lines starting with # are skipped,\n"
"as is anything after the number on a line. It writes TRACE, a .3pt trace whose access\n"
"events are those addresses' pages in order (thread 1, time in ns = the access number),\n"
"after one region map event covering the pages from the lowest to the highest, so any trace\n"
"tool (3po-sim, 3po-dump) reads it.\n"
"\n"
"The second form prints the page addresses of TRACE's access events, one per line in\n"
"0x-hex, to standard output or to LIST: exactly what the first form reads back.\n"
"\n"
"Options:\n"
"  -o, --output FILE     the trace (first form) or list (second form) to write\n"
"  -t, --to-list         convert a trace into a list\n"
"      --page-size BYTES page size of the trace (a power of two such as 8192 or 16K;\n"
"                        default 4096)\n"
"      --program NAME    program recorded in the trace header (default: the list's name)\n"
"  -h, --help            this help\n"
"\n"
"Examples:\n"
"  3po-convert addresses.txt -o addresses.3pt\n"
"  ./gen | 3po-convert -o gen.3pt\n"
"  3po-convert --to-list prog.3pt | head\n";

static int fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "3po-convert: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return 1;
}

/* The address list reader: a small state machine over the bytes of the list, which spools the
 * page addresses to a temporary file in blocks. */
enum list_state { LINE_START, IN_NUMBER, SKIP_LINE };

typedef struct list_reader {
	const char *name;
	uint64_t mask;  /* clears the offset within a page */
	FILE *spool;
	enum list_state state;
	int hex, digits, overflow;  /* of the number being read */
	uint64_t v;
	uint64_t line, count, lo, hi;
	uint64_t out[4096];
	size_t nout;
} list_reader;

static int line_fail(const list_reader *lr, const char *what)
{
	char l[32];
	snprintf(l, sizeof l, "%" PRIu64, lr->line + 1);
	return fail(what, lr->name, l);
}

static int spool_out(list_reader *lr)
{
	if (lr->nout && fwrite(lr->out, sizeof *lr->out, lr->nout, lr->spool) != lr->nout)
		return fail("%s%s: writing a temporary file failed", lr->name, "");
	lr->nout = 0;
	return 0;
}

/* The number just read ends: checks it and records its page. */
static int end_number(list_reader *lr)
{
	if (!lr->digits || lr->overflow)
		return line_fail(lr, lr->overflow ? "%s:%s: address out of range" : "%s:%s: not an address");
	uint64_t page = lr->v & lr->mask;
	lr->out[lr->nout++] = page;
	lr->count++;
	if (page < lr->lo)
		lr->lo = page;
	if (page > lr->hi)
		lr->hi = page;
	return lr->nout == G_N_ELEMENTS(lr->out) ? spool_out(lr) : 0;
}

/* The value of ch as a digit of the number being read, or -1. */
static int digit(const list_reader *lr, char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (lr->hex && ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (lr->hex && ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* A byte inside a number: a digit, the x of 0x, or what ends it (white space, #, comma,
 * semicolon; the rest of the line is then skipped). */
static int number_byte(list_reader *lr, char ch)
{
	int d = digit(lr, ch);
	if (d < 0 && !lr->hex && lr->digits == 1 && lr->v == 0 && (ch == 'x' || ch == 'X')) {
		lr->hex = 1;
		lr->digits = 0;
		return 0;
	}
	if (d >= 0) {
		uint64_t base = lr->hex ? 16 : 10;
		if (lr->v > (UINT64_MAX - (uint64_t)d) / base)
			lr->overflow = 1;
		lr->v = lr->v * base + (uint64_t)d;
		lr->digits++;
		return 0;
	}
	if (!strchr("\n \t\r#,;", ch) || ch == 0)
		return line_fail(lr, "%s:%s: not an address");
	if (end_number(lr))
		return 1;
	lr->state = ch == '\n' ? LINE_START : SKIP_LINE;
	if (ch == '\n')
		lr->line++;
	return 0;
}

static int list_byte(list_reader *lr, char ch)
{
	if (lr->state == IN_NUMBER)
		return number_byte(lr, ch);
	if (ch == '\n') {
		lr->state = LINE_START;
		lr->line++;
		return 0;
	}
	if (lr->state == SKIP_LINE || ch == ' ' || ch == '\t' || ch == '\r')
		return 0;
	if (ch == '#') {
		lr->state = SKIP_LINE;
		return 0;
	}
	if (ch >= '0' && ch <= '9') {
		lr->state = IN_NUMBER;
		lr->hex = lr->overflow = 0;
		lr->digits = 1;
		lr->v = (uint64_t)(ch - '0');
		return 0;
	}
	return line_fail(lr, "%s:%s: not an address");
}

/* Reads the addresses of in into spool, a temporary file of uint64 page addresses; *n of them,
 * from *lo to *hi. */
static int read_list(FILE *in, const char *name, uint64_t mask, FILE *spool, uint64_t *n,
		     uint64_t *lo, uint64_t *hi)
{
	static char buf[1 << 16];
	static list_reader lr;
	lr = (list_reader){ .name = name, .mask = mask, .spool = spool, .state = LINE_START, .lo = UINT64_MAX };
	size_t len;
	while ((len = fread(buf, 1, sizeof buf, in)) > 0)
		for (size_t i = 0; i < len; i++)
			if (list_byte(&lr, buf[i]))
				return 1;
	if (ferror(in))
		return fail("%s: read error: %s", name, strerror(errno));
	if ((lr.state == IN_NUMBER && end_number(&lr)) || spool_out(&lr))
		return 1;
	*n = lr.count;
	*lo = lr.lo;
	*hi = lr.hi;
	return 0;
}

static int to_trace(const char *list, const char *out, uint32_t page_size, const char *program)
{
	FILE *in = !list || !strcmp(list, "-") ? stdin : fopen(list, "r");
	const char *name = !list || !strcmp(list, "-") ? "(stdin)" : list;
	if (!in)
		return fail("%s: %s", list, strerror(errno));
	FILE *spool = tmpfile();
	if (!spool)
		return fail("temporary file: %s%s", strerror(errno), "");
	uint64_t n = 0, lo = 0, hi = 0;
	int rc = read_list(in, name, ~(uint64_t)(page_size - 1), spool, &n, &lo, &hi);
	if (in != stdin)
		fclose(in);
	if (rc) {
		fclose(spool);
		return rc;
	}
	if (fflush(spool) != 0 || fseek(spool, 0, SEEK_SET) != 0) {
		fclose(spool);
		return fail("temporary file: %s%s", strerror(errno), "");
	}
	char *argv0 = (char *)(program ? program : name);
	tpo_trace_header h = {
		.version = TPO_TRACE_VERSION,
		.page_size = page_size,
		.microset_size = 1,
		.pid = 0,
		.start_time_ns = 0,
		.program = argv0,
		.argc = 1,
		.argv = &argv0,
	};
	GError *e = NULL;
	tpo_trace_writer *w = tpo_trace_writer_open(out, &h, &e);
	if (!w) {
		fclose(spool);
		fprintf(stderr, "3po-convert: %s\n", e->message);
		g_error_free(e);
		return 1;
	}
	tpo_event ev = {0};
	gboolean ok = TRUE;
	if (n) {
		ev.type = TPO_EV_REGION_MAP;
		ev.tid = 1;
		ev.map.id = 1;
		ev.map.start = lo;
		ev.map.length = hi - lo + page_size;
		ev.map.prot = PROT_READ | PROT_WRITE;
		ev.map.flags = TPO_REGION_PRIVATE | TPO_REGION_ANON | TPO_REGION_TRACED;
		ev.map.name = "[list]";
		ok = tpo_trace_writer_add(w, &ev, &e);
	}
	static uint64_t buf[8192];
	uint64_t i = 0;
	size_t got;
	memset(&ev, 0, sizeof ev);
	ev.type = TPO_EV_ACCESS;
	ev.tid = 1;
	while (ok && (got = fread(buf, sizeof *buf, 8192, spool)) > 0) {
		for (size_t k = 0; ok && k < got; k++, i++) {
			ev.time_ns = i;
			ev.access.page = buf[k];
			ok = tpo_trace_writer_add(w, &ev, &e);
		}
	}
	if (ok && i != n) {
		fclose(spool);
		tpo_trace_writer_abandon(w);
		return fail("temporary file: short read%s%s", "", "");
	}
	fclose(spool);
	if (!ok) {
		tpo_trace_writer_abandon(w);
		fprintf(stderr, "3po-convert: %s\n", e->message);
		g_error_free(e);
		return 1;
	}
	tpo_trace_footer f = {
		.end_reason = TPO_END_EXITED,
		.exit_status = 0,
		.accesses = n,
		.faults = n,
		.microsets = 0,
		.regions = n ? 1 : 0,
		.events = n + (n ? 1 : 0),
		.duration_ns = n,
	};
	if (!tpo_trace_writer_close(w, &f, &e)) {
		fprintf(stderr, "3po-convert: %s\n", e->message);
		g_error_free(e);
		return 1;
	}
	return 0;
}

static int to_list(const char *trace, const char *out)
{
	GError *e = NULL;
	tpo_trace_reader *r = tpo_trace_reader_open(trace, &e);
	if (!r) {
		fprintf(stderr, "3po-convert: %s\n", e->message);
		g_error_free(e);
		return 1;
	}
	FILE *f = out && strcmp(out, "-") ? fopen(out, "w") : stdout;
	if (!f) {
		tpo_trace_reader_close(r);
		return fail("%s: %s", out, strerror(errno));
	}
	static char buf[1 << 16];
	setvbuf(f, buf, _IOFBF, sizeof buf);
	tpo_event ev;
	int k;
	while ((k = tpo_trace_reader_next(r, &ev, &e)) > 0)
		if (ev.type == TPO_EV_ACCESS)
			fprintf(f, "0x%" PRIx64 "\n", ev.access.page);
	tpo_trace_reader_close(r);
	int rc = 0;
	if (k < 0) {
		fprintf(stderr, "3po-convert: %s\n", e->message);
		g_error_free(e);
		rc = 1;
	}
	if (fflush(f) != 0 || ferror(f)) {
		fprintf(stderr, "3po-convert: %s: write error\n", out ? out : "(stdout)");
		rc = 1;
	}
	if (f != stdout)
		fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"output", required_argument, NULL, 'o'},
		{"to-list", no_argument, NULL, 't'},
		{"page-size", required_argument, NULL, 'P'},
		{"program", required_argument, NULL, 'N'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL, *program = NULL;
	int tolist = 0;
	uint32_t page_size = 4096;
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:th", options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 't':
			tolist = 1;
			break;
		case 'P': {
			uint64_t v;
			if (!tpo_parse_bytes(optarg, &v, NULL) || (v & (v - 1)) || v > (1ul << 30)) {
				fprintf(stderr, "3po-convert: --page-size wants a power of two\n");
				return 2;
			}
			page_size = (uint32_t)v;
			break;
		}
		case 'N':
			program = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			fprintf(stderr, "3po-convert: option %s needs a value (try --help)\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "3po-convert: unknown option %s (try --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "3po-convert: give one input (try --help)\n");
		return 2;
	}
	const char *input = optind < argc ? argv[optind] : NULL;
	if (tolist) {
		if (!input) {
			fprintf(stderr, "3po-convert: --to-list needs a trace (try --help)\n");
			return 2;
		}
		return to_list(input, out);
	}
	if (!out) {
		fprintf(stderr, "3po-convert: -o TRACE is required (try --help)\n");
		return 2;
	}
	return to_trace(input, out, page_size, program);
}
