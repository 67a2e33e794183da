/* trace_reader.c — streams the events of a .3pt trace. The file is read in large blocks; each
 * chunk is checked whole (length, CRCs) before any of its events is decoded, so events come only
 * from intact chunks, and every length and varint is bounded, so garbage input cannot crash it. */
#include <tpo/trace.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "trace_codec.h"

static const uint8_t no_data[1]; /* p and pend point here outside a chunk */

struct tpo_trace_reader {
	tpo_container_reader io; /* the file, read in large blocks */
	tpo_trace_header hdr;
	int page_shift;
	/* the current events chunk (inside buf) */
	const uint8_t *payload, *p, *pend;
	uint64_t chunk_off;
	size_t chunk_total;
	uint32_t chunk_count, chunk_seen;
	gboolean in_chunk;
	/* delta state */
	uint64_t head[TPO_HEADS]; /* page numbers */
	uint64_t prev_time, prev_ip;
	int32_t tid;
	/* storage for the current event's string and chain */
	char *str;
	size_t str_cap;
	uint64_t *chain;
	size_t chain_cap;
	/* end */
	gboolean have_footer;
	tpo_trace_footer footer;
	GError *error; /* sticky: every later call reports it again */
};

/* ---- header ---- */

typedef tpo_container_cursor cursor;

/* The header body (docs/trace-format.md) into r->hdr; FALSE with c->why and c->p at the fault. */
static gboolean parse_header_body(void *ctx, uint32_t version, cursor *c)
{
	tpo_trace_reader *r = ctx;
	tpo_trace_header *hd = &r->hdr;
	hd->version = version;
	const uint8_t *start = c->p;
	uint32_t pid = 0;
	gboolean ok = tpo_container_cur_u32(c, &hd->page_size) && tpo_container_cur_u32(c, &hd->microset_size) &&
		      tpo_container_cur_u32(c, &hd->flags) && tpo_container_cur_u32(c, &pid) &&
		      tpo_container_cur_u64(c, &hd->start_time_ns) &&
		      tpo_container_cur_string(c, TPO_MAX_STRING, &hd->program) && tpo_container_cur_u32(c, &hd->argc);
	hd->pid = (int32_t)pid;
	if (ok && hd->argc > (size_t)(c->end - c->p) / 4) {
		c->why = "argument count out of bounds";
		return FALSE;
	}
	if (ok) {
		hd->argv = g_new0(char *, (size_t)hd->argc + 1);
		for (uint32_t i = 0; ok && i < hd->argc; i++)
			ok = tpo_container_cur_string(c, TPO_MAX_STRING, &hd->argv[i]);
	}
	if (ok && c->p != c->end) {
		c->why = "has trailing bytes";
		return FALSE;
	}
	if (ok && (r->page_shift = tpo_page_shift(hd->page_size)) < 0) {
		c->why = "page size is not a power of two";
		c->p = start;
		return FALSE;
	}
	return ok;
}

static const tpo_container_format trace_format = {
	.magic = TPO_FILE_MAGIC,
	.oldest = TPO_TRACE_VERSION,
	.version = TPO_TRACE_VERSION,
	.max_header = TPO_HEADER_MAX_BODY,
	.parse_header = parse_header_body,
};

tpo_trace_reader *tpo_trace_reader_open(const char *path, GError **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_IO, "cannot open: %s", g_strerror(e));
		return NULL;
	}
	tpo_trace_reader *r = g_new0(tpo_trace_reader, 1);
	tpo_container_reader_init(&r->io, fd, TPO_TRACE_ERROR, "trace");
	r->p = r->pend = no_data;
	if (!tpo_container_read_header(&r->io, &trace_format, r, err)) {
		tpo_trace_reader_close(r);
		return NULL;
	}
	return r;
}

const tpo_trace_header *tpo_trace_reader_header(const tpo_trace_reader *r)
{
	return &r->hdr;
}

const tpo_trace_footer *tpo_trace_reader_footer(const tpo_trace_reader *r)
{
	return r->have_footer ? &r->footer : NULL;
}

uint64_t tpo_trace_reader_offset(const tpo_trace_reader *r)
{
	return r->in_chunk ? r->chunk_off + r->chunk_total : r->io.off;
}

void tpo_trace_reader_close(tpo_trace_reader *r)
{
	if (!r)
		return;
	tpo_container_reader_free(&r->io);
	g_free(r->hdr.program);
	if (r->hdr.argv)
		g_strfreev(r->hdr.argv);
	g_free(r->str);
	g_free(r->chain);
	g_clear_error(&r->error);
	g_free(r);
}

/* ---- chunks ---- */

static int fail(tpo_trace_reader *r, GError **err, int code, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static int fail(tpo_trace_reader *r, GError **err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	r->error = g_error_new_literal(TPO_TRACE_ERROR, code, msg);
	g_free(msg);
	r->in_chunk = FALSE;
	r->p = r->pend = no_data;
	g_propagate_error(err, g_error_copy(r->error));
	return -1;
}

/* Makes e (from the container) the sticky error. */
static int sticky(tpo_trace_reader *r, GError **err, GError *e)
{
	r->error = e;
	r->in_chunk = FALSE;
	r->p = r->pend = no_data;
	g_propagate_error(err, g_error_copy(e));
	return -1;
}

/* Reads the footer payload and checks that nothing follows it. */
static int read_footer(tpo_trace_reader *r, const uint8_t *p, size_t total, GError **err)
{
	tpo_trace_footer *f = &r->footer;
	f->end_reason = tpo_get_le32(p);
	f->exit_status = (int32_t)tpo_get_le32(p + 4);
	f->accesses = tpo_get_le64(p + 8);
	f->faults = tpo_get_le64(p + 16);
	f->microsets = tpo_get_le64(p + 24);
	f->regions = tpo_get_le64(p + 32);
	f->events = tpo_get_le64(p + 40);
	f->duration_ns = tpo_get_le64(p + 48);
	tpo_container_consume(&r->io, total);
	GError *e = NULL;
	ssize_t n = tpo_container_fill(&r->io, 1, &e);
	if (n < 0)
		return sticky(r, err, e);
	if (n > 0)
		return fail(r, err, TPO_TRACE_ERROR_FORMAT, "data after the footer at offset %" PRIu64, r->io.off);
	r->have_footer = TRUE;
	return 0;
}

/* Checks the chunk's type and count before its payload is read. */
static int check_chunk_kind(tpo_trace_reader *r, const tpo_container_chunk *ch, GError **err)
{
	if (ch->type == TPO_CHUNK_EVENTS) {
		if (ch->count == 0 || ch->count > ch->len)
			return fail(r, err, TPO_TRACE_ERROR_FORMAT,
				    "bad event count %u in chunk at offset %" PRIu64, ch->count, ch->off);
	} else if (ch->type == TPO_CHUNK_FOOTER) {
		if (ch->count != 0 || ch->len < TPO_FOOTER_LEN)
			return fail(r, err, TPO_TRACE_ERROR_FORMAT, "bad footer chunk at offset %" PRIu64, ch->off);
	} else {
		return fail(r, err, TPO_TRACE_ERROR_FORMAT, "unknown chunk type 0x%02x at offset %" PRIu64,
			    ch->type, ch->off);
	}
	return 1;
}

/* Loads the next chunk. Returns 1 (an events chunk is current), 0 (footer read) or -1. */
static int next_chunk(tpo_trace_reader *r, GError **err)
{
	GError *e = NULL;
	tpo_container_chunk ch;
	int k = tpo_container_read_chunk_header(&r->io, TPO_CHUNK_MAX_PAYLOAD, &ch, &e);
	if (k < 0)
		return sticky(r, err, e);
	if (k == 0)
		return fail(r, err, TPO_TRACE_ERROR_TRUNCATED,
			    "truncated trace: no footer (file ends after the last complete chunk, at offset %" PRIu64 ")",
			    r->io.off);
	if (check_chunk_kind(r, &ch, err) < 0)
		return -1;
	if (!tpo_container_read_payload(&r->io, &ch, &e))
		return sticky(r, err, e);
	if (ch.type == TPO_CHUNK_FOOTER)
		return read_footer(r, ch.payload, ch.total, err);
	r->payload = r->p = ch.payload;
	r->pend = ch.payload + ch.len;
	r->chunk_off = ch.off;
	r->chunk_total = ch.total;
	r->chunk_count = ch.count;
	r->chunk_seen = 0;
	r->in_chunk = TRUE;
	memset(r->head, 0, sizeof r->head);
	r->prev_time = r->prev_ip = 0;
	r->tid = 0;
	return 1;
}

/* ---- events ---- */

static int bad_event(tpo_trace_reader *r, const uint8_t *rec, GError **err, const char *why)
{
	return fail(r, err, TPO_TRACE_ERROR_FORMAT,
		    "bad event at offset %" PRIu64 " in chunk at offset %" PRIu64 ": %s",
		    r->chunk_off + TPO_CHUNK_HEADER_LEN + (uint64_t)(rec - r->payload), r->chunk_off, why);
}

#define GET(v)                                                      \
	do {                                                        \
		if (!(p = tpo_get_varint(p, end, &(v))))            \
			return bad_event(r, rec, err, "bad varint"); \
	} while (0)

#define GET32(v, what)                                                        \
	do {                                                                  \
		uint64_t t_;                                                  \
		GET(t_);                                                      \
		if (t_ > UINT32_MAX)                                          \
			return bad_event(r, rec, err, what " out of range");  \
		(v) = (uint32_t)t_;                                           \
	} while (0)

static const char *get_string(tpo_trace_reader *r, const uint8_t **pp, const uint8_t *end, const char **why)
{
	uint64_t n;
	const uint8_t *p = tpo_get_varint(*pp, end, &n);
	if (!p) {
		*why = "bad varint";
		return NULL;
	}
	if (n > TPO_MAX_STRING || n > (uint64_t)(end - p)) {
		*why = "string length out of bounds";
		return NULL;
	}
	if (memchr(p, 0, n)) {
		*why = "string contains a NUL byte";
		return NULL;
	}
	if (n + 1 > r->str_cap) {
		r->str_cap = MAX(n + 1, 256);
		r->str = g_realloc(r->str, r->str_cap);
	}
	memcpy(r->str, p, n);
	r->str[n] = 0;
	*pp = p + n;
	return r->str;
}

static inline void short_access(tpo_trace_reader *r, tpo_event *ev, unsigned tag, uint64_t dt)
{
	uint64_t *h = &r->head[TPO_TAG_SHORT_HEAD(tag)];
	*h += (uint64_t)tpo_unzigzag64(TPO_TAG_SHORT_DELTA(tag));
	r->prev_time += dt;
	ev->type = TPO_EV_ACCESS;
	ev->time_ns = r->prev_time;
	ev->tid = r->tid;
	ev->access.page = *h << r->page_shift;
	ev->access.ip = r->prev_ip;
	ev->access.depth = 0;
	ev->access.chain = NULL;
}

static int decode_access(tpo_trace_reader *r, tpo_event *ev, const uint8_t *rec, GError **err)
{
	const uint8_t *p = rec + 1, *end = r->pend;
	unsigned tag = *rec;
	uint64_t v;
	if (tag & TPO_TAG_ACCESS_RESERVED)
		return bad_event(r, rec, err, "reserved bit set in access tag");
	if (tag & TPO_TAG_ACCESS_TID) {
		uint32_t t;
		GET32(t, "thread id");
		r->tid = tpo_unzigzag32(t);
	}
	GET(v);
	r->prev_time += v;
	GET(v);
	uint64_t *h = &r->head[TPO_TAG_ACCESS_HEAD(tag)];
	*h += (uint64_t)tpo_unzigzag64(v);
	ev->type = TPO_EV_ACCESS;
	ev->time_ns = r->prev_time;
	ev->tid = r->tid;
	ev->access.page = *h << r->page_shift;
	ev->access.depth = 0;
	ev->access.chain = NULL;
	if (tag & TPO_TAG_ACCESS_IP) {
		GET(v);
		r->prev_ip += (uint64_t)tpo_unzigzag64(v);
	}
	ev->access.ip = r->prev_ip;
	if (tag & TPO_TAG_ACCESS_CHAIN) {
		uint32_t depth;
		GET32(depth, "call chain depth");
		if (depth == 0 || depth > TPO_MAX_DEPTH || depth > (size_t)(end - p))
			return bad_event(r, rec, err, "call chain depth out of bounds");
		if (depth > r->chain_cap) {
			r->chain_cap = MAX(depth, 64);
			r->chain = g_renew(uint64_t, r->chain, r->chain_cap);
		}
		uint64_t prev = ev->access.ip;
		for (uint32_t i = 0; i < depth; i++) {
			GET(v);
			prev += (uint64_t)tpo_unzigzag64(v);
			r->chain[i] = prev;
		}
		ev->access.depth = depth;
		ev->access.chain = r->chain;
	}
	r->p = p;
	return 1;
}

/* Decodes one record at r->p: 1 = an event, 2 = a meta record (no event), -1 = error. */
static int decode(tpo_trace_reader *r, tpo_event *ev, GError **err)
{
	const uint8_t *rec = r->p, *p = rec + 1, *end = r->pend;
	unsigned tag = *rec;
	uint64_t v;
	if (tag & TPO_TAG_SHORT) {
		GET(v);
		short_access(r, ev, tag, v);
		r->p = p;
		return 1;
	}
	if (tag & TPO_TAG_ACCESS)
		return decode_access(r, ev, rec, err);
	unsigned type = tag & TPO_TAG_TYPE_MASK;
	if (type == 0) {
		if (TPO_TAG_META_KIND(tag) != TPO_META_SET_TIME)
			return bad_event(r, rec, err, "unknown meta record");
		GET(v);
		r->prev_time = v;
		r->p = p;
		return 2;
	}
	if (type == TPO_EV_ACCESS)
		return bad_event(r, rec, err, "access with a non-access tag");
	if (tag & TPO_TAG_RESERVED)
		return bad_event(r, rec, err, "reserved bits set in tag");
	if (tag & TPO_TAG_TID) {
		uint32_t t;
		GET32(t, "thread id");
		r->tid = tpo_unzigzag32(t);
	}
	GET(v);
	r->prev_time += v;
	ev->type = (tpo_event_type)type;
	ev->time_ns = r->prev_time;
	ev->tid = r->tid;
	const char *why = NULL;
	switch (type) {
	case TPO_EV_REGION_MAP:
		GET32(ev->map.id, "region id");
		GET(ev->map.start);
		GET(ev->map.length);
		GET32(ev->map.prot, "protection");
		GET32(ev->map.flags, "region flags");
		GET(ev->map.offset);
		if (!(ev->map.name = get_string(r, &p, end, &why)))
			return bad_event(r, rec, err, why);
		break;
	case TPO_EV_REGION_UNMAP:
		GET(ev->unmap.start);
		GET(ev->unmap.length);
		break;
	case TPO_EV_EXEC:
		if (!(ev->exec.path = get_string(r, &p, end, &why)))
			return bad_event(r, rec, err, why);
		break;
	case TPO_EV_THREAD_EXIT: {
		uint32_t s;
		GET32(s, "exit status");
		ev->thread_exit.status = tpo_unzigzag32(s);
		break;
	}
	default: /* TPO_EV_MICROSET_END, TPO_EV_THREAD_START: no fields */
		break;
	}
	r->p = p;
	return 1;
}

static int next_slow(tpo_trace_reader *r, tpo_event *ev, GError **err)
{
	if (r->error) {
		g_propagate_error(err, g_error_copy(r->error));
		return -1;
	}
	if (r->have_footer)
		return 0;
	for (;;) {
		if (r->in_chunk && r->p < r->pend) {
			if (r->chunk_seen == r->chunk_count)
				return bad_event(r, r->p, err, "more events than the chunk header says");
			int k = decode(r, ev, err);
			if (k == 1) {
				r->chunk_seen++;
				return 1;
			}
			if (k < 0)
				return -1;
			continue;
		}
		if (r->in_chunk) {
			if (r->chunk_seen != r->chunk_count)
				return fail(r, err, TPO_TRACE_ERROR_FORMAT,
					    "chunk at offset %" PRIu64 " holds %u events, its header says %u",
					    r->chunk_off, r->chunk_seen, r->chunk_count);
			r->in_chunk = FALSE;
			r->p = r->pend = no_data;
			tpo_container_consume(&r->io, r->chunk_total);
		}
		int k = next_chunk(r, err);
		if (k <= 0)
			return k;
	}
}

int tpo_trace_reader_next(tpo_trace_reader *r, tpo_event *ev, GError **err)
{
	/* Fast path: a short access with a time delta of up to 3 bytes inside the current chunk. */
	const uint8_t *p = r->p;
	if (G_LIKELY(r->pend - p >= 4 && (p[0] & TPO_TAG_SHORT) && r->chunk_seen < r->chunk_count)) {
		uint64_t dt = p[1];
		const uint8_t *q = p + 2;
		if (dt >= 0x80) {
			dt = (dt & 0x7f) | (uint64_t)(p[2] & 0x7f) << 7;
			q++;
			if (p[2] >= 0x80) {
				dt |= (uint64_t)p[3] << 14;
				q++;
				if (p[3] >= 0x80)
					return next_slow(r, ev, err);
			}
		}
		short_access(r, ev, p[0], dt);
		r->p = q;
		r->chunk_seen++;
		return 1;
	}
	return next_slow(r, ev, err);
}
