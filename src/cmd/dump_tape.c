/* dump_tape.c — 3po-dump on a .tape (3po-sim -o): the header (policy, local memory, lookahead,
 * page size, the trace and program it was made from) and the totals counted from its entries,
 * as text or JSON, or the entries one per line. A truncated or corrupt tape prints what could
 * be read, then one line naming the byte offset on stderr, and exits 1, as for traces. */
#include "dump.h"

#include <tpo/tape.h>

#include <errno.h>
#include <inttypes.h>
#include <string.h>

gboolean dump_is_tape(const char *file)
{
	static const char magic[8] = { '3', 'P', 'O', 'T', 'A', 'P', 'E', 0 };
	char buf[8];
	FILE *f = fopen(file, "rbe");
	if (!f)
		return FALSE;
	gboolean is = fread(buf, 1, sizeof buf, f) == sizeof buf && !memcmp(buf, magic, sizeof buf);
	fclose(f);
	return is;
}

typedef struct {
	uint64_t fetches, evictions, entries, last_index;
} tape_totals;

static char *flags_text(uint32_t flags)
{
	GString *s = g_string_new(NULL);
	if (flags & TPO_TAPE_F_EVICTIONS)
		g_string_append(s, "evictions");
	if (flags & TPO_TAPE_F_COMPLETE)
		g_string_append_printf(s, "%scomplete", s->len ? "," : "");
	uint32_t rest = flags & ~(TPO_TAPE_F_EVICTIONS | TPO_TAPE_F_COMPLETE);
	if (rest)
		g_string_append_printf(s, "%s0x%x", s->len ? "," : "", rest);
	if (!s->len)
		g_string_append_c(s, '-');
	return g_string_free(s, FALSE);
}

/* "  what   N", with the header's figure when the header is final and disagrees. */
static void print_total(const char *what, uint64_t n, const tpo_tape_header *h, uint64_t hn)
{
	printf("  %-15s %" PRIu64, what, n);
	if ((h->flags & TPO_TAPE_F_COMPLETE) && hn != n)
		printf(" (header says %" PRIu64 ")", hn);
	putchar('\n');
}

static void print_summary(const char *file, const tpo_tape_header *h, const tape_totals *t,
			  gboolean clean)
{
	gboolean complete = (h->flags & TPO_TAPE_F_COMPLETE) != 0;
	char *fl = flags_text(h->flags);
	char *st = time_str(h->trace_start_time_ns);
	char *mem = g_format_size_full(h->local_pages * h->page_size, G_FORMAT_SIZE_IEC_UNITS);
	printf("tape %s\n", file);
	printf("  version         %u\n", h->version);
	printf("  policy          %s (%u)\n", tpo_tape_policy_name(h->policy), h->policy);
	printf("  flags           %s\n", fl);
	printf("  page size       %u\n", h->page_size);
	printf("  local memory    %" PRIu64 " pages (%s)\n", h->local_pages, mem);
	printf("  lookahead       %" PRIu64 " fetches\n", h->lookahead);
	if (complete) {
		printf("  accesses        %" PRIu64 "\n", h->accesses);
		printf("  sequence hash   0x%016" PRIx64 "\n", h->seq_hash);
	} else {
		printf("  accesses        ? (header not final: the writer never finished)\n");
		printf("  sequence hash   ?\n");
	}
	printf("trace\n");
	printf("  program         %s\n", h->program);
	printf("  argv           ");
	for (uint32_t i = 0; i < h->argc; i++) {
		char *q = g_shell_quote(h->argv[i]);
		printf(" %s", q);
		g_free(q);
	}
	printf("\n  pid             %d\n", h->trace_pid);
	if (h->microset)
		printf("  microset        %u pages\n", h->microset);
	else
		printf("  microset        ? (a version 1 tape)\n");
	printf("  start time      %s (%" PRIu64 " ns)\n", st, h->trace_start_time_ns);
	printf("totals\n");
	print_total("fetches", t->fetches, h, h->fetches);
	print_total("evictions", t->evictions, h, h->evictions);
	print_total("entries", t->entries, h, h->fetches + h->evictions);
	if (t->entries)
		printf("  %-15s %" PRIu64 "\n", "last index", t->last_index);
	printf("  %-15s %s\n", "end", clean ? "end record read, totals checked"
					    : "end record missing or bad (see the error)");
	g_free(fl);
	g_free(st);
	g_free(mem);
}

static void print_json(const char *file, const tpo_tape_header *h, const tape_totals *t,
		       const GError *error)
{
	FILE *o = stdout;
	gboolean complete = (h->flags & TPO_TAPE_F_COMPLETE) != 0;
	char *st = time_str(h->trace_start_time_ns);
	fputs("{\"file\":", o);
	json_string(o, file);
	fprintf(o, ",\"kind\":\"tape\",\"version\":%u,\"policy\":\"%s\",\"flags\":%u,"
		   "\"evictions_flag\":%s,\"complete\":%s,\"page_size\":%u,\"local_pages\":%" PRIu64
		   ",\"local_bytes\":%" PRIu64 ",\"lookahead\":%" PRIu64,
		h->version, tpo_tape_policy_name(h->policy), h->flags,
		h->flags & TPO_TAPE_F_EVICTIONS ? "true" : "false", complete ? "true" : "false",
		h->page_size, h->local_pages, h->local_pages * h->page_size, h->lookahead);
	if (complete)
		fprintf(o, ",\"accesses\":%" PRIu64 ",\"seq_hash\":\"0x%016" PRIx64 "\"", h->accesses,
			h->seq_hash);
	else
		fputs(",\"accesses\":null,\"seq_hash\":null", o);
	fprintf(o, ",\"trace\":{\"pid\":%d,\"microset\":%u,\"start_time_ns\":%" PRIu64 ",\"start_time\":\"%s\",\"program\":",
		h->trace_pid, h->microset, h->trace_start_time_ns, st);
	g_free(st);
	json_string(o, h->program);
	fputs(",\"argv\":[", o);
	for (uint32_t i = 0; i < h->argc; i++) {
		if (i)
			fputc(',', o);
		json_string(o, h->argv[i]);
	}
	fprintf(o, "]},\"totals\":{\"fetches\":%" PRIu64 ",\"evictions\":%" PRIu64 ",\"entries\":%" PRIu64 "}",
		t->fetches, t->evictions, t->entries);
	if (complete)
		fprintf(o, ",\"header_totals\":{\"fetches\":%" PRIu64 ",\"evictions\":%" PRIu64 "}",
			h->fetches, h->evictions);
	else
		fputs(",\"header_totals\":null", o);
	json_end(o, error);
}

int dump_tape(const char *file, enum dump_mode mode)
{
	GError *err = NULL;
	tpo_tape_reader *r = tpo_tape_reader_open(file, &err);
	if (!r) {
		fprintf(stderr, "3po-dump: %s\n", err->message); /* the message names the file */
		g_error_free(err);
		return 1;
	}
	const tpo_tape_header *h = tpo_tape_reader_header(r);
	tape_totals t = { 0 };
	tpo_tape_entry e;
	int k;
	while ((k = tpo_tape_reader_next(r, &e, &err)) == 1) {
		t.entries++;
		t.last_index = e.index;
		if (e.op == TPO_TAPE_FETCH)
			t.fetches++;
		else
			t.evictions++;
		if (mode == MODE_ENTRIES)
			printf("%" PRIu64 " %s 0x%" PRIx64 "\n", e.index, tpo_tape_op_name(e.op), e.page);
	}
	if (mode == MODE_SUMMARY)
		print_summary(file, h, &t, k == 0);
	else if (mode == MODE_JSON)
		print_json(file, h, &t, err);

	int status = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "3po-dump: writing output: %s\n", g_strerror(errno));
		status = 1;
	}
	if (k < 0) {
		fprintf(stderr, "3po-dump: %s\n", err->message);
		g_error_free(err);
		status = 1;
	}
	tpo_tape_reader_close(r);
	return status;
}
