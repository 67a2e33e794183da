/* 3po-dump — prints a .3pt trace: a summary (header, regions, totals) as text or JSON, the
 * accessed pages one per line, or every event; or draws it as a heat map. Given a .tape it
 * prints that instead (dump_tape.c). On a truncated or corrupt file it prints what it could
 * read, then one line naming the offset on stderr, and exits 1. */
#include "dump.h"
#include "units.h"

#include <tpo/tape.h>
#include <tpo/trace.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

static const char usage_text[] =
	"Usage: 3po-dump [--pages | --events | --json] [--heatmap FILE.png] TRACE\n"
	"       3po-dump --top [N] TRACE\n"
	"       3po-dump [--entries | --json] TAPE\n"
	"\n"
	"Print a 3PO trace file (.3pt), as written by 3po-run, 3po-attach and 3po-convert, or\n"
	"a tape (.tape), as written by 3po-sim -o. Which one FILE is comes from its first bytes.\n"
	"\n"
	"Modes for a trace (at most one):\n"
	"  (none)     A summary: the header (format version, page size, microset size, flags,\n"
	"             pid, program, argv, start time), every region the trace maps (id,\n"
	"             start-end, size, protection as rwx, flags, name), and the totals\n"
	"             (accesses, distinct pages, microsets, faults, threads, events,\n"
	"             duration, how tracing ended and the exit status, from the footer).\n"
	"  --pages    One line per page access, in trace order:\n"
	"               0x7f12345000 tid=123 r3+17\n"
	"             the page's address, the thread, and the region it lies in as\n"
	"             region id + page offset from the region's start ('-' if no mapped\n"
	"             region holds it).\n"
	"  --events   Every event, one per line: time since tracing began (seconds),\n"
	"             thread, event type and its fields. For debugging.\n"
	"  --json     The summary as one JSON object (addresses as \"0x...\" strings).\n"
	"  --top [N]  The N functions (default 20) that caused the most recorded accesses:\n"
	"             count, percent, function (0xADDRESS if unknown) and object, from\n"
	"             each access's ip and the ELF symbols of the mapped files; with call\n"
	"             chains (3po-run --callchain) also each function's top callers.\n"
	"  --heatmap FILE.png\n"
	"             Draw the trace as a PNG heat map (gnuplot): x = access number, y = the\n"
	"             distinct pages sorted by address (gaps between regions take no room),\n"
	"             darker where more accesses fall. Alone it prints nothing else; with a\n"
	"             mode above it also prints that.\n"
	"\n"
	"Modes for a tape (at most one):\n"
	"  (none)     A summary: the header (version, policy lru or min, flags, page size,\n"
	"             local memory the tape was made for, lookahead, accesses and sequence\n"
	"             hash of the trace), the trace it was made from (program, argv, pid,\n"
	"             start time), and the totals counted from the entries (fetches,\n"
	"             evictions, entries; \"(header says N)\" if the header disagrees).\n"
	"  --entries  One line per entry, in tape order:\n"
	"               1234 fetch 0x7f12345000\n"
	"             the access number the entry comes before, fetch or evict, the page.\n"
	"  --json     The summary as one JSON object (\"kind\": \"tape\").\n"
	"\n"
	"  -h, --help Show this help.\n"
	"\n"
	"A trace whose tracer was killed has no footer: its complete chunks are still\n"
	"printed, the summary says \"footer missing (truncated trace)\". Likewise a tape\n"
	"without its end record prints its complete chunks.\n"
	"\n"
	"Exit status:\n"
	"  0  the whole file was read, footer or end record included (and the heat map\n"
	"     written)\n"
	"  1  the file is not a trace or a tape, or is truncated or corrupt (what could be\n"
	"     read is printed, then one line on stderr: \"3po-dump: FILE: MESSAGE\", naming\n"
	"     the byte offset), the heat map could not be drawn, or output failed\n"
	"  2  bad usage (also: --pages, --events or --heatmap on a tape, --entries on a\n"
	"     trace)\n"
	"\n"
	"Examples:\n"
	"  3po-dump m.3pt                        what was traced, and how it ended\n"
	"  3po-dump --pages m.3pt | head         the first pages touched\n"
	"  3po-dump --pages m.3pt | cut -d' ' -f3 | sort | uniq -c   touches per region page\n"
	"  3po-dump --json m.3pt | jq .totals\n"
	"  3po-dump --heatmap m.png m.3pt        the access pattern as a picture\n"
	"  3po-dump m.tape                       which run, which size, how many fetches\n"
	"  3po-dump --entries m.tape | grep -c evict\n"
	"\n"
	"The file formats are described in docs/trace-format.md and docs/tape-format.md.\n";

/* ---- a set of 64-bit keys (distinct pages, threads) ---- */

typedef struct {
	uint64_t *slot; /* 0 = empty; key 0 is kept in has_zero */
	size_t cap, n;
	int has_zero;
} u64set;

static inline size_t u64_hash(uint64_t k, size_t cap)
{
	return (size_t)((k * UINT64_C(0x9E3779B97F4A7C15)) >> 29) & (cap - 1);
}

static void u64set_add(u64set *s, uint64_t k);

static void u64set_grow(u64set *s)
{
	u64set old = *s;
	s->cap = old.cap ? old.cap * 2 : 1024;
	s->slot = g_new0(uint64_t, s->cap);
	s->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slot[i])
			u64set_add(s, old.slot[i]);
	g_free(old.slot);
}

static void u64set_add(u64set *s, uint64_t k)
{
	if (k == 0) {
		s->has_zero = 1;
		return;
	}
	if ((s->n + 1) * 2 > s->cap)
		u64set_grow(s);
	size_t i = u64_hash(k, s->cap);
	while (s->slot[i]) {
		if (s->slot[i] == k)
			return;
		i = (i + 1) & (s->cap - 1);
	}
	s->slot[i] = k;
	s->n++;
}

static uint64_t u64set_size(const u64set *s)
{
	return s->n + (uint64_t)s->has_zero;
}

/* ---- live regions, to name a page as region + offset ---- */

typedef struct {
	uint64_t lo, hi; /* [lo, hi) */
	uint64_t base;   /* the region's start when it was mapped */
	uint32_t id;
} span;

static GArray *spans; /* sorted by lo, disjoint */
static size_t last_hit;

static void spans_remove(uint64_t lo, uint64_t hi)
{
	for (guint i = 0; i < spans->len;) {
		span *s = &g_array_index(spans, span, i);
		if (s->hi <= lo || s->lo >= hi) {
			i++;
			continue;
		}
		span left = *s, right = *s;
		gboolean has_left = s->lo < lo, has_right = s->hi > hi;
		left.hi = lo;
		right.lo = hi;
		g_array_remove_index(spans, i);
		if (has_right)
			g_array_insert_val(spans, i, right);
		if (has_left)
			g_array_insert_val(spans, i, left);
		i += (guint)has_left + (guint)has_right;
	}
	last_hit = 0;
}

static void spans_add(uint64_t lo, uint64_t len, uint32_t id)
{
	uint64_t hi = lo + len < lo ? UINT64_MAX : lo + len;
	if (hi <= lo)
		return;
	spans_remove(lo, hi);
	guint i = 0;
	while (i < spans->len && g_array_index(spans, span, i).lo < lo)
		i++;
	span s = { lo, hi, lo, id };
	g_array_insert_val(spans, i, s);
}

static const span *spans_find(uint64_t a)
{
	if (last_hit < spans->len) {
		const span *s = &g_array_index(spans, span, last_hit);
		if (a >= s->lo && a < s->hi)
			return s;
	}
	size_t lo = 0, hi = spans->len;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const span *s = &g_array_index(spans, span, mid);
		if (a < s->lo)
			hi = mid;
		else if (a >= s->hi)
			lo = mid + 1;
		else {
			last_hit = mid;
			return s;
		}
	}
	return NULL;
}

/* ---- formatting ---- */

static void prot_str(uint32_t prot, char out[4])
{
	out[0] = prot & PROT_READ ? 'r' : '-';
	out[1] = prot & PROT_WRITE ? 'w' : '-';
	out[2] = prot & PROT_EXEC ? 'x' : '-';
	out[3] = 0;
}

static const char *const region_flag_names[] = { "private", "anon", "heap", "stack", "traced" };

/* "private,anon,traced", "-" if none; unknown bits as hex. */
static char *flags_str(uint32_t flags)
{
	GString *s = g_string_new(NULL);
	for (unsigned i = 0; i < G_N_ELEMENTS(region_flag_names); i++)
		if (flags & (1u << i))
			g_string_append_printf(s, "%s%s", s->len ? "," : "", region_flag_names[i]);
	uint32_t rest = flags & ~((1u << G_N_ELEMENTS(region_flag_names)) - 1);
	if (rest)
		g_string_append_printf(s, "%s0x%x", s->len ? "," : "", rest);
	if (!s->len)
		g_string_append_c(s, '-');
	return g_string_free(s, FALSE);
}

static char *wait_status_str(int32_t st)
{
	if (WIFEXITED(st))
		return g_strdup_printf("exit code %d", WEXITSTATUS(st));
	if (WIFSIGNALED(st))
		return g_strdup_printf("killed by signal %d (%s)%s", WTERMSIG(st), strsignal(WTERMSIG(st)),
				       WCOREDUMP(st) ? ", core dumped" : "");
	return g_strdup_printf("wait status 0x%x", (unsigned)st);
}

char *time_str(uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;
	char buf[64];
	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm))
		return g_strdup("?");
	return g_strdup_printf("%s.%09" PRIu64 "Z", buf, ns % 1000000000u);
}

void json_end(FILE *o, const GError *error)
{
	fputs(",\"error\":", o);
	if (error)
		json_string(o, error->message);
	else
		fputs("null", o);
	fputs("}\n", o);
}

void json_string(FILE *o, const char *s)
{
	fputc('"', o);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		gunichar c = g_utf8_get_char_validated((const char *)p, -1);
		if (c == (gunichar)-1 || c == (gunichar)-2) { /* invalid UTF-8: the byte as Latin-1 */
			fprintf(o, "\\u%04x", *p++);
			continue;
		}
		const unsigned char *next = (const unsigned char *)g_utf8_next_char(p);
		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", (int)c);
		else if (c == '\n')
			fputs("\\n", o);
		else if (c == '\t')
			fputs("\\t", o);
		else if (c < 0x20 || c == 0x7f)
			fprintf(o, "\\u%04x", c);
		else
			fwrite(p, 1, (size_t)(next - p), o);
		p = next;
	}
	fputc('"', o);
}

/* ---- the summary ---- */

typedef struct {
	uint32_t id;
	uint64_t start, length, offset;
	uint32_t prot, flags;
	char *name;
} region_rec;

typedef struct {
	GArray *regions; /* region_rec */
	uint64_t accesses, microsets, events, execs, unmaps, thread_starts, thread_exits, last_time;
	u64set pages, threads;
} summary;

static void summary_add(summary *s, const tpo_event *ev)
{
	s->events++;
	s->last_time = ev->time_ns;
	if (ev->tid)
		u64set_add(&s->threads, (uint32_t)ev->tid);
	switch (ev->type) {
	case TPO_EV_ACCESS:
		s->accesses++;
		u64set_add(&s->pages, ev->access.page);
		break;
	case TPO_EV_REGION_MAP: {
		region_rec r = { ev->map.id, ev->map.start, ev->map.length, ev->map.offset,
				 ev->map.prot, ev->map.flags, g_strdup(ev->map.name) };
		g_array_append_val(s->regions, r);
		break;
	}
	case TPO_EV_REGION_UNMAP: s->unmaps++; break;
	case TPO_EV_MICROSET_END: s->microsets++; break;
	case TPO_EV_EXEC: s->execs++; break;
	case TPO_EV_THREAD_START: s->thread_starts++; break;
	case TPO_EV_THREAD_EXIT: s->thread_exits++; break;
	}
}

static void print_count(const char *what, uint64_t n, const tpo_trace_footer *f, uint64_t fn)
{
	printf("  %-15s %" PRIu64, what, n);
	if (f && fn != n)
		printf(" (footer says %" PRIu64 ")", fn);
	putchar('\n');
}

static void print_summary(const char *file, const tpo_trace_header *h, const summary *s,
			  const tpo_trace_footer *f)
{
	char *st = time_str(h->start_time_ns);
	printf("trace %s\n", file);
	printf("  version         %u\n", h->version);
	printf("  page size       %u\n", h->page_size);
	printf("  microset size   %u\n", h->microset_size);
	printf("  flags           %s\n", h->flags & TPO_TRACE_F_ATTACHED ? "attached" : "-");
	printf("  pid             %d\n", h->pid);
	printf("  program         %s\n", h->program);
	printf("  argv           ");
	for (uint32_t i = 0; i < h->argc; i++) {
		char *q = g_shell_quote(h->argv[i]);
		printf(" %s", q);
		g_free(q);
	}
	printf("\n  start time      %s (%" PRIu64 " ns)\n", st, h->start_time_ns);
	g_free(st);

	printf("regions (%u)\n", s->regions->len);
	if (s->regions->len)
		printf("  %-6s %-33s %10s %4s %-22s %s\n", "id", "start-end", "size", "prot", "flags", "name");
	for (guint i = 0; i < s->regions->len; i++) {
		const region_rec *r = &g_array_index(s->regions, region_rec, i);
		char prot[4], range[48], id[16];
		prot_str(r->prot, prot);
		char *fl = flags_str(r->flags);
		char *size = g_format_size_full(r->length, G_FORMAT_SIZE_IEC_UNITS);
		char *name = g_strescape(r->name, NULL);
		snprintf(id, sizeof id, "r%u", r->id);
		snprintf(range, sizeof range, "0x%" PRIx64 "-0x%" PRIx64, r->start, r->start + r->length);
		printf("  %-6s %-33s %10s %4s %-22s %s\n", id, range, size, prot, fl, *name ? name : "-");
		g_free(fl);
		g_free(size);
		g_free(name);
	}

	printf("totals\n");
	print_count("accesses", s->accesses, f, f ? f->accesses : 0);
	printf("  %-15s %" PRIu64 "\n", "distinct pages", u64set_size(&s->pages));
	print_count("microsets", s->microsets, f, f ? f->microsets : 0);
	if (f)
		printf("  %-15s %" PRIu64 "\n", "faults", f->faults);
	else
		printf("  %-15s ?\n", "faults");
	printf("  %-15s %" PRIu64 "\n", "threads", u64set_size(&s->threads));
	print_count("events", s->events, f, f ? f->events : 0);
	uint64_t dur = f ? f->duration_ns : s->last_time;
	printf("  %-15s %.6f s%s\n", "duration", dur / 1e9, f ? "" : " (to the last event read)");
	if (f) {
		char *ws = wait_status_str(f->exit_status);
		printf("  %-15s %s (%u)\n", "end reason", tpo_trace_end_name(f->end_reason), f->end_reason);
		printf("  %-15s %d (%s)\n", "exit status", f->exit_status, ws);
		g_free(ws);
	} else {
		printf("  %-15s footer missing (truncated trace)\n", "end reason");
	}
}

static void print_json(const char *file, const tpo_trace_header *h, const summary *s,
		       const tpo_trace_footer *f, const GError *error)
{
	FILE *o = stdout;
	char *st = time_str(h->start_time_ns);
	fputs("{\"file\":", o);
	json_string(o, file);
	fprintf(o, ",\"version\":%u,\"page_size\":%u,\"microset_size\":%u,\"flags\":%u,\"attached\":%s,"
		   "\"pid\":%d,\"start_time_ns\":%" PRIu64 ",\"start_time\":\"%s\",\"program\":",
		h->version, h->page_size, h->microset_size, h->flags,
		h->flags & TPO_TRACE_F_ATTACHED ? "true" : "false", h->pid, h->start_time_ns, st);
	g_free(st);
	json_string(o, h->program);
	fputs(",\"argv\":[", o);
	for (uint32_t i = 0; i < h->argc; i++) {
		if (i)
			fputc(',', o);
		json_string(o, h->argv[i]);
	}
	fputs("],\"regions\":[", o);
	for (guint i = 0; i < s->regions->len; i++) {
		const region_rec *r = &g_array_index(s->regions, region_rec, i);
		char prot[4];
		prot_str(r->prot, prot);
		fprintf(o, "%s{\"id\":%u,\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64 "\",\"size\":%" PRIu64
			   ",\"prot\":\"%s\",\"flags\":[",
			i ? "," : "", r->id, r->start, r->start + r->length, r->length, prot);
		int n = 0;
		for (unsigned b = 0; b < 32; b++) {
			if (!(r->flags & (1u << b)))
				continue;
			if (b < G_N_ELEMENTS(region_flag_names))
				fprintf(o, "%s\"%s\"", n++ ? "," : "", region_flag_names[b]);
			else
				fprintf(o, "%s\"0x%x\"", n++ ? "," : "", 1u << b);
		}
		fprintf(o, "],\"offset\":%" PRIu64 ",\"name\":", r->offset);
		json_string(o, r->name);
		fputc('}', o);
	}
	fprintf(o, "],\"totals\":{\"accesses\":%" PRIu64 ",\"distinct_pages\":%" PRIu64 ",\"microsets\":%" PRIu64,
		s->accesses, u64set_size(&s->pages), s->microsets);
	if (f)
		fprintf(o, ",\"faults\":%" PRIu64, f->faults);
	else
		fputs(",\"faults\":null", o);
	fprintf(o, ",\"threads\":%" PRIu64 ",\"events\":%" PRIu64 ",\"duration_ns\":%" PRIu64,
		u64set_size(&s->threads), s->events, f ? f->duration_ns : s->last_time);
	if (f)
		fprintf(o, ",\"end_reason\":\"%s\",\"exit_status\":%d}", tpo_trace_end_name(f->end_reason),
			f->exit_status);
	else
		fputs(",\"end_reason\":null,\"exit_status\":null}", o);
	if (f)
		fprintf(o, ",\"footer\":{\"end_reason\":%u,\"exit_status\":%d,\"accesses\":%" PRIu64
			   ",\"faults\":%" PRIu64 ",\"microsets\":%" PRIu64 ",\"regions\":%" PRIu64
			   ",\"events\":%" PRIu64 ",\"duration_ns\":%" PRIu64 "}",
			f->end_reason, f->exit_status, f->accesses, f->faults, f->microsets, f->regions,
			f->events, f->duration_ns);
	else
		fputs(",\"footer\":null", o);
	json_end(o, error);
}

/* ---- --pages and --events ---- */

static char *put_hex(char *p, uint64_t v)
{
	char tmp[16];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	*p++ = '0';
	*p++ = 'x';
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_dec(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static void note_region(const tpo_event *ev)
{
	if (ev->type == TPO_EV_REGION_MAP)
		spans_add(ev->map.start, ev->map.length, ev->map.id);
	else if (ev->type == TPO_EV_REGION_UNMAP)
		spans_remove(ev->unmap.start,
			     ev->unmap.start + ev->unmap.length < ev->unmap.start ? UINT64_MAX
										  : ev->unmap.start + ev->unmap.length);
	else if (ev->type == TPO_EV_EXEC)
		g_array_set_size(spans, 0);
}

static void print_page(const tpo_event *ev, uint32_t page_shift)
{
	char line[96], *p = line;
	p = put_hex(p, ev->access.page);
	memcpy(p, " tid=", 5);
	p += 5;
	if (ev->tid < 0)
		*p++ = '-';
	p = put_dec(p, ev->tid < 0 ? -(uint64_t)ev->tid : (uint64_t)ev->tid);
	*p++ = ' ';
	const span *s = spans_find(ev->access.page);
	if (s) {
		*p++ = 'r';
		p = put_dec(p, s->id);
		*p++ = '+';
		p = put_dec(p, (ev->access.page - s->base) >> page_shift);
	} else {
		*p++ = '-';
	}
	*p++ = '\n';
	fwrite_unlocked(line, 1, (size_t)(p - line), stdout);
}

static void print_event(const tpo_event *ev)
{
	printf("%" PRIu64 ".%09" PRIu64 " tid=%d %s", ev->time_ns / 1000000000u, ev->time_ns % 1000000000u,
	       ev->tid, tpo_event_type_name(ev->type));
	switch (ev->type) {
	case TPO_EV_REGION_MAP: {
		char prot[4];
		prot_str(ev->map.prot, prot);
		char *fl = flags_str(ev->map.flags), *name = g_strescape(ev->map.name, NULL);
		printf(" r%u 0x%" PRIx64 "-0x%" PRIx64 " len=%" PRIu64 " prot=%s flags=%s offset=0x%" PRIx64
		       " name=\"%s\"",
		       ev->map.id, ev->map.start, ev->map.start + ev->map.length, ev->map.length, prot, fl,
		       ev->map.offset, name);
		g_free(fl);
		g_free(name);
		break;
	}
	case TPO_EV_REGION_UNMAP:
		printf(" 0x%" PRIx64 "-0x%" PRIx64 " len=%" PRIu64, ev->unmap.start,
		       ev->unmap.start + ev->unmap.length, ev->unmap.length);
		break;
	case TPO_EV_ACCESS:
		printf(" 0x%" PRIx64, ev->access.page);
		if (ev->access.ip)
			printf(" ip=0x%" PRIx64, ev->access.ip);
		for (uint32_t i = 0; i < ev->access.depth; i++)
			printf("%s0x%" PRIx64, i ? "," : " chain=", ev->access.chain[i]);
		break;
	case TPO_EV_EXEC: {
		char *path = g_strescape(ev->exec.path, NULL);
		printf(" path=\"%s\"", path);
		g_free(path);
		break;
	}
	case TPO_EV_THREAD_EXIT: {
		char *ws = wait_status_str(ev->thread_exit.status);
		printf(" status=%d (%s)", ev->thread_exit.status, ws);
		g_free(ws);
		break;
	}
	case TPO_EV_MICROSET_END:
	case TPO_EV_THREAD_START:
		break;
	}
	putchar('\n');
}

/* ---- main ---- */

static int usage_error(const char *msg)
{
	fprintf(stderr, "3po-dump: %s\nTry '3po-dump --help'.\n", msg);
	return 2;
}

/* Prints the trace at file in mode; the exit status. */
static int dump_trace(const char *file, enum dump_mode mode)
{
	GError *err = NULL;
	tpo_trace_reader *r = tpo_trace_reader_open(file, &err);
	if (!r) {
		fprintf(stderr, "3po-dump: %s: %s\n", file, err->message);
		g_error_free(err);
		return 1;
	}
	const tpo_trace_header *h = tpo_trace_reader_header(r);
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

	summary s = { .regions = g_array_new(FALSE, FALSE, sizeof(region_rec)) };
	spans = g_array_new(FALSE, FALSE, sizeof(span));
	tpo_event ev;
	int k;
	while ((k = tpo_trace_reader_next(r, &ev, &err)) == 1) {
		switch (mode) {
		case MODE_PAGES:
			if (ev.type == TPO_EV_ACCESS)
				print_page(&ev, (uint32_t)__builtin_ctz(h->page_size));
			else
				note_region(&ev);
			break;
		case MODE_EVENTS:
			print_event(&ev);
			break;
		case MODE_SUMMARY:
		case MODE_JSON:
			summary_add(&s, &ev);
			break;
		case MODE_ENTRIES:
		case MODE_NONE:
			break;
		}
	}
	const tpo_trace_footer *f = tpo_trace_reader_footer(r);
	if (mode == MODE_SUMMARY)
		print_summary(file, h, &s, f);
	else if (mode == MODE_JSON)
		print_json(file, h, &s, f, err);

	int status = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "3po-dump: writing output: %s\n", g_strerror(errno));
		status = 1;
	}
	if (k < 0) {
		fprintf(stderr, "3po-dump: %s: %s\n", file, err->message);
		g_error_free(err);
		status = 1;
	}
	for (guint i = 0; i < s.regions->len; i++)
		g_free(g_array_index(s.regions, region_rec, i).name);
	g_array_free(s.regions, TRUE);
	g_array_free(spans, TRUE);
	g_free(s.pages.slot);
	g_free(s.threads.slot);
	tpo_trace_reader_close(r);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pages", no_argument, NULL, 'p' },
		{ "events", no_argument, NULL, 'e' },
		{ "entries", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "heatmap", required_argument, NULL, 'm' },
		{ "top", optional_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum dump_mode mode = MODE_SUMMARY;
	const char *heatmap = NULL;
	const char *top = NULL;
	int nmodes = 0, c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': mode = MODE_PAGES; nmodes++; break;
		case 'e': mode = MODE_EVENTS; nmodes++; break;
		case 'n': mode = MODE_ENTRIES; nmodes++; break;
		case 'j': mode = MODE_JSON; nmodes++; break;
		case 'm': heatmap = optarg; break;
		case 't': top = optarg ? optarg : ""; nmodes++; break;
		case 'h': fputs(usage_text, stdout); return 0;
		case ':': {
			char msg[128];
			snprintf(msg, sizeof msg, "option '%s' needs an argument", argv[optind - 1]);
			return usage_error(msg);
		}
		default: {
			char msg[128];
			if (optopt)
				snprintf(msg, sizeof msg, "unknown option '-%c'", optopt);
			else
				snprintf(msg, sizeof msg, "unknown option '%s'", argv[optind - 1]);
			return usage_error(msg);
		}
		}
	}
	if (nmodes > 1)
		return usage_error("--pages, --events, --entries, --json and --top exclude each other");
	if (top && !*top && optind + 2 == argc)
		top = argv[optind++]; /* --top N FILE */
	unsigned ntop = 20;
	if (top && *top) {
		uint64_t v;
		if (!tpo_parse_count(top, 1, 1000000, &v, NULL))
			return usage_error("--top wants a whole number from 1 to 1000000");
		ntop = (unsigned)v;
	}
	if (optind + 1 != argc)
		return usage_error(optind == argc ? "no file given" : "more than one file given");
	const char *file = argv[optind];
	if (heatmap && !nmodes)
		mode = MODE_NONE;

	if (dump_is_tape(file)) {
		if (heatmap)
			return usage_error("--heatmap draws a trace; this file is a tape");
		if (top)
			return usage_error("--top reads a trace; this file is a tape");
		if (mode == MODE_PAGES || mode == MODE_EVENTS)
			return usage_error("this file is a tape: it has --entries, not --pages or --events");
		return dump_tape(file, mode);
	}
	if (mode == MODE_ENTRIES)
		return usage_error("--entries lists a tape; this file is not one (see --pages)");
	if (top && heatmap)
		return usage_error("--top and --heatmap exclude each other");
	if (top)
		return dump_top(file, ntop);
	if (heatmap) {
		GError *err = NULL;
		if (!tpo_heatmap_png(file, heatmap, 0, 0, &err)) {
			fprintf(stderr, "3po-dump: %s: %s\n", heatmap, err->message);
			g_error_free(err);
			return 1;
		}
		if (mode == MODE_NONE)
			return 0;
	}
	return dump_trace(file, mode);
}
