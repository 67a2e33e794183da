/* trace_writer.c — writes a .3pt trace: the header at open, then events delta/varint-coded into
 * ~64 KiB chunks, each written with one write(2) (header with length, count and CRCs first), so a
 * writer killed at any moment leaves every complete chunk readable; the footer chunk at close.
 * With a maximum age set, a chunk is also written once its first event is that old. */
#include <tpo/trace.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trace_codec.h"

/* A page this close to a head (in pages) is coded against it, else a head is replaced. */
#define TPO_NEAR_PAGES 8192u

struct tpo_trace_writer {
	int fd;
	char *path;
	int page_shift;
	gboolean failed;   /* an earlier write failed (the file was cut back to its last whole chunk) */
	off_t whole;       /* bytes of the file written in whole (header and complete chunks) */
	uint8_t *buf;      /* chunk header (TPO_CHUNK_HEADER_LEN bytes) then the payload */
	size_t cap, len;   /* len counts the header */
	uint32_t nevents;  /* events in the current chunk */
	uint64_t max_age_ns;  /* write a chunk once its first event is this old (0: only when full) */
	uint64_t started_ns;  /* CLOCK_MONOTONIC time of the current chunk's first event */
	/* delta state, reset at every chunk start */
	uint64_t head[TPO_HEADS]; /* page numbers (address >> page_shift) of recent streams */
	uint64_t head_used[TPO_HEADS], seq; /* when each head was last used, for replacing the oldest */
	uint64_t prev_time;
	uint64_t prev_ip;   /* an access's ip is this unless its record says otherwise */
	int32_t tid;
	/* totals */
	uint64_t events, accesses, microsets, regions;
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static gboolean write_all(tpo_trace_writer *w, const uint8_t *p, size_t n, GError **err)
{
	int e = tpo_container_write_all(w->fd, p, n, -1);
	if (e) {
		w->failed = TRUE;
		/* a partial chunk would read as damage: end the file after the last whole one */
		if (ftruncate(w->fd, w->whole) < 0) {
			/* nothing more to do: a reader still stops at the partial chunk */
		}
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_IO, "writing %s: %s", w->path, g_strerror(e));
		return FALSE;
	}
	w->whole += (off_t)n;
	return TRUE;
}

static void reset_delta(tpo_trace_writer *w)
{
	memset(w->head, 0, sizeof w->head);
	memset(w->head_used, 0, sizeof w->head_used);
	w->seq = 0;
	w->prev_time = 0;
	w->prev_ip = 0;
	w->tid = 0;
}

static void ensure_cap(tpo_trace_writer *w, size_t need)
{
	if (need <= w->cap)
		return;
	while (w->cap < need)
		w->cap *= 2;
	w->buf = g_realloc(w->buf, w->cap);
}

/* Writes the current chunk, if it holds any event, and starts a new one. */
static gboolean flush_chunk(tpo_trace_writer *w, GError **err)
{
	if (w->nevents == 0)
		return TRUE;
	uint32_t plen = (uint32_t)(w->len - TPO_CHUNK_HEADER_LEN);
	tpo_container_put_chunk_header(w->buf, TPO_CHUNK_EVENTS, plen, w->nevents, w->buf + TPO_CHUNK_HEADER_LEN);
	gboolean ok = write_all(w, w->buf, w->len, err);
	w->len = TPO_CHUNK_HEADER_LEN;
	w->nevents = 0;
	reset_delta(w);
	return ok;
}

static gboolean check_string(const char *s, const char *what, GError **err)
{
	if (s && strlen(s) > TPO_MAX_STRING) {
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_FORMAT,
			    "%s longer than %u bytes", what, TPO_MAX_STRING);
		return FALSE;
	}
	return TRUE;
}

/* The file prefix and header body (docs/trace-format.md), with their CRCs. */
static GByteArray *encode_header(const tpo_trace_header *h)
{
	GByteArray *b = g_byte_array_new();
	tpo_container_header_begin(b);
	tpo_container_header_put_u32(b, h->page_size);
	tpo_container_header_put_u32(b, h->microset_size);
	tpo_container_header_put_u32(b, h->flags);
	tpo_container_header_put_u32(b, (uint32_t)h->pid);
	tpo_container_header_put_u64(b, h->start_time_ns);
	tpo_container_header_put_string(b, h->program ? h->program : "");
	tpo_container_header_put_u32(b, h->argc);
	for (uint32_t i = 0; i < h->argc; i++)
		tpo_container_header_put_string(b, h->argv[i] ? h->argv[i] : "");
	tpo_container_header_end(b, TPO_FILE_MAGIC, TPO_TRACE_VERSION);
	return b;
}

tpo_trace_writer *tpo_trace_writer_open(const char *path, const tpo_trace_header *h, GError **err)
{
	int shift = tpo_page_shift(h->page_size);
	if (shift < 0) {
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_FORMAT,
			    "page size %u is not a power of two", h->page_size);
		return NULL;
	}
	if (h->argc > 0 && !h->argv) {
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_FORMAT, "argc %u but no argv", h->argc);
		return NULL;
	}
	if (!check_string(h->program, "program path", err))
		return NULL;
	for (uint32_t i = 0; i < h->argc; i++)
		if (!check_string(h->argv[i], "argument", err))
			return NULL;

	GByteArray *b = encode_header(h);
	if (b->len - TPO_FILE_PREFIX_LEN - 4 > TPO_HEADER_MAX_BODY) {
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_FORMAT,
			    "header longer than %u bytes", TPO_HEADER_MAX_BODY);
		g_byte_array_unref(b);
		return NULL;
	}

	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_IO, "cannot create %s: %s", path,
			    g_strerror(e));
		g_byte_array_unref(b);
		return NULL;
	}
	tpo_trace_writer *w = g_new0(tpo_trace_writer, 1);
	w->fd = fd;
	w->path = g_strdup(path);
	w->page_shift = shift;
	w->cap = TPO_CHUNK_HEADER_LEN + TPO_CHUNK_TARGET + 4096;
	w->buf = g_malloc(w->cap);
	w->len = TPO_CHUNK_HEADER_LEN;
	gboolean ok = write_all(w, b->data, b->len, err);
	g_byte_array_unref(b);
	if (!ok) {
		unlink(path); /* not even a header: no trace */
		tpo_trace_writer_abandon(w);
		return NULL;
	}
	return w;
}

/* The tag (with tid_bit set if the thread changed), the tid if it did, and the time delta. */
static inline uint8_t *put_tag_tid_time(tpo_trace_writer *w, uint8_t *p, unsigned tag, unsigned tid_bit,
					const tpo_event *ev)
{
	gboolean new_tid = ev->tid != w->tid;
	*p++ = (uint8_t)(tag | (new_tid ? tid_bit : 0));
	if (new_tid) {
		p = tpo_put_varint(p, tpo_zigzag32(ev->tid));
		w->tid = ev->tid;
	}
	p = tpo_put_varint(p, ev->time_ns - w->prev_time);
	w->prev_time = ev->time_ns;
	return p;
}

static uint8_t *put_bytes(uint8_t *p, const char *s, size_t n)
{
	p = tpo_put_varint(p, n);
	memcpy(p, s, n);
	return p + n;
}

static gboolean check_access(const tpo_trace_writer *w, const tpo_event *ev, GError **err)
{
	if (ev->access.page & ((UINT64_C(1) << w->page_shift) - 1)) {
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_FORMAT,
			    "access to 0x%" G_GINT64_MODIFIER "x: not a page address", ev->access.page);
		return FALSE;
	}
	if (ev->access.depth > TPO_MAX_DEPTH || (ev->access.depth > 0 && !ev->access.chain)) {
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_FORMAT,
			    "bad call chain (depth %u, at most %u)", ev->access.depth, TPO_MAX_DEPTH);
		return FALSE;
	}
	return TRUE;
}

/* Checks ev and returns the most bytes its record can take (0: invalid, *err set); *str and
 * *slen are its string field (region name, exec path), if it has one. */
static inline size_t event_bound(const tpo_trace_writer *w, const tpo_event *ev, const char **str,
				 size_t *slen, GError **err)
{
	size_t bound = 1 + 2 * TPO_VARINT_MAX + TPO_VARINT_MAX; /* meta time, tag, tid, time */
	if (G_LIKELY(ev->type == TPO_EV_ACCESS))
		return check_access(w, ev, err) ? bound + (3 + (size_t)ev->access.depth) * TPO_VARINT_MAX : 0;
	switch (ev->type) {
	case TPO_EV_REGION_MAP:
		*str = ev->map.name ? ev->map.name : "";
		bound += 7 * TPO_VARINT_MAX;
		break;
	case TPO_EV_REGION_UNMAP:
		return bound + 2 * TPO_VARINT_MAX;
	case TPO_EV_EXEC:
		*str = ev->exec.path ? ev->exec.path : "";
		bound += TPO_VARINT_MAX;
		break;
	case TPO_EV_MICROSET_END:
	case TPO_EV_THREAD_START:
		return bound;
	case TPO_EV_THREAD_EXIT:
		return bound + TPO_VARINT_MAX;
	default:
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_FORMAT, "unknown event type %d", (int)ev->type);
		return 0;
	}
	*slen = strlen(*str);
	if (*slen > TPO_MAX_STRING) {
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_FORMAT, "%s event: string longer than %u bytes",
			    tpo_event_type_name(ev->type), TPO_MAX_STRING);
		return 0;
	}
	return bound + *slen;
}

/* The head to code page number pn against: the nearest, or, if none is near, the least recently
 * used. Moves it to pn and returns its index; *delta is pn minus its old page. */
static inline unsigned pick_head(tpo_trace_writer *w, uint64_t pn, int64_t *delta)
{
	uint64_t best_dist = UINT64_MAX;
	unsigned j = 0;
	for (unsigned k = 0; k < TPO_HEADS; k++) {
		uint64_t d = pn - w->head[k], dist = d <= INT64_MAX ? d : -d;
		if (dist < best_dist)
			best_dist = dist, j = k;
	}
	if (best_dist > TPO_NEAR_PAGES)
		for (unsigned k = 0; k < TPO_HEADS; k++)
			if (w->head_used[k] < w->head_used[j])
				j = k;
	*delta = (int64_t)(pn - w->head[j]);
	w->head[j] = pn;
	w->head_used[j] = ++w->seq;
	return j;
}

/* A long access record: tag, tid, time, page delta, then the ip and call chain if needed. */
static uint8_t *put_long_access(tpo_trace_writer *w, uint8_t *p, const tpo_event *ev, unsigned j, int64_t d)
{
	unsigned tag = TPO_TAG_ACCESS | j;
	if (ev->access.ip != w->prev_ip)
		tag |= TPO_TAG_ACCESS_IP;
	if (ev->access.depth)
		tag |= TPO_TAG_ACCESS_CHAIN;
	p = put_tag_tid_time(w, p, tag, TPO_TAG_ACCESS_TID, ev);
	p = tpo_put_varint(p, tpo_zigzag64(d));
	if (tag & TPO_TAG_ACCESS_IP) {
		p = tpo_put_varint(p, tpo_zigzag64((int64_t)(ev->access.ip - w->prev_ip)));
		w->prev_ip = ev->access.ip;
	}
	if (ev->access.depth) {
		p = tpo_put_varint(p, ev->access.depth);
		uint64_t prev = ev->access.ip;
		for (uint32_t i = 0; i < ev->access.depth; i++) {
			p = tpo_put_varint(p, tpo_zigzag64((int64_t)(ev->access.chain[i] - prev)));
			prev = ev->access.chain[i];
		}
	}
	return p;
}

/* An access record: the short form when the thread and ip are unchanged, there is no chain and
 * the page is near its head; the long form otherwise. */
static inline uint8_t *put_access(tpo_trace_writer *w, uint8_t *p, const tpo_event *ev)
{
	int64_t d;
	unsigned j = pick_head(w, ev->access.page >> w->page_shift, &d);
	w->accesses++;
	if (ev->tid == w->tid && ev->access.ip == w->prev_ip && ev->access.depth == 0 && d >= TPO_SHORT_MIN &&
	    d <= TPO_SHORT_MAX) {
		*p++ = (uint8_t)(TPO_TAG_SHORT | j << 5 | tpo_zigzag64(d));
		p = tpo_put_varint(p, ev->time_ns - w->prev_time);
		w->prev_time = ev->time_ns;
		return p;
	}
	return put_long_access(w, p, ev, j, d);
}

/* The record of any event but an access. */
static uint8_t *put_other(tpo_trace_writer *w, uint8_t *p, const tpo_event *ev, const char *str, size_t slen)
{
	p = put_tag_tid_time(w, p, ev->type, TPO_TAG_TID, ev);
	switch (ev->type) {
	case TPO_EV_REGION_MAP:
		p = tpo_put_varint(p, ev->map.id);
		p = tpo_put_varint(p, ev->map.start);
		p = tpo_put_varint(p, ev->map.length);
		p = tpo_put_varint(p, ev->map.prot);
		p = tpo_put_varint(p, ev->map.flags);
		p = tpo_put_varint(p, ev->map.offset);
		p = put_bytes(p, str, slen);
		w->regions++;
		break;
	case TPO_EV_REGION_UNMAP:
		p = tpo_put_varint(p, ev->unmap.start);
		p = tpo_put_varint(p, ev->unmap.length);
		break;
	case TPO_EV_EXEC:
		p = put_bytes(p, str, slen);
		break;
	case TPO_EV_MICROSET_END:
		w->microsets++;
		break;
	case TPO_EV_THREAD_EXIT:
		p = tpo_put_varint(p, tpo_zigzag32(ev->thread_exit.status));
		break;
	default: /* TPO_EV_THREAD_START: no fields */
		break;
	}
	return p;
}

/* Counts the event just appended and writes the chunk if it is full or, with a maximum age,
 * old enough. */
static inline gboolean event_added(tpo_trace_writer *w, GError **err)
{
	if (w->max_age_ns && w->nevents == 0)
		w->started_ns = monotonic_ns();
	w->nevents++;
	w->events++;
	if (w->len - TPO_CHUNK_HEADER_LEN >= TPO_CHUNK_TARGET)
		return flush_chunk(w, err);
	if (w->max_age_ns && w->nevents > 1 && monotonic_ns() - w->started_ns >= w->max_age_ns)
		return flush_chunk(w, err);
	return TRUE;
}

gboolean tpo_trace_writer_add(tpo_trace_writer *w, const tpo_event *ev, GError **err)
{
	if (w->failed) {
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_IO, "writing %s: an earlier write failed",
			    w->path);
		return FALSE;
	}
	const char *str = NULL;
	size_t slen = 0, bound = event_bound(w, ev, &str, &slen, err);
	if (!bound)
		return FALSE;
	if (w->len + bound > TPO_CHUNK_HEADER_LEN + TPO_CHUNK_TARGET && !flush_chunk(w, err))
		return FALSE;
	ensure_cap(w, w->len + bound);

	uint8_t *p = w->buf + w->len;
	if (ev->time_ns < w->prev_time) { /* time went back: reset the base with a meta record */
		*p++ = TPO_META_SET_TIME << 3;
		p = tpo_put_varint(p, ev->time_ns);
		w->prev_time = ev->time_ns;
	}
	if (G_LIKELY(ev->type == TPO_EV_ACCESS))
		p = put_access(w, p, ev);
	else
		p = put_other(w, p, ev, str, slen);
	w->len = (size_t)(p - w->buf);
	return event_added(w, err);
}

void tpo_trace_writer_set_max_age(tpo_trace_writer *w, uint64_t ns)
{
	w->max_age_ns = ns;
	if (ns && w->nevents)
		w->started_ns = monotonic_ns();
}

uint64_t tpo_trace_writer_due_ns(const tpo_trace_writer *w)
{
	if (!w->max_age_ns || !w->nevents || w->failed)
		return 0;
	return w->started_ns + w->max_age_ns;
}

gboolean tpo_trace_writer_flush(tpo_trace_writer *w, GError **err)
{
	if (w->failed) {
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_IO, "writing %s: an earlier write failed",
			    w->path);
		return FALSE;
	}
	return flush_chunk(w, err);
}

void tpo_trace_writer_counts(const tpo_trace_writer *w, tpo_trace_footer *f)
{
	f->accesses = w->accesses;
	f->microsets = w->microsets;
	f->regions = w->regions;
	f->events = w->events;
}

gboolean tpo_trace_writer_close(tpo_trace_writer *w, const tpo_trace_footer *f, GError **err)
{
	gboolean ok = tpo_trace_writer_flush(w, err);
	if (ok) {
		tpo_trace_footer zero = { 0 };
		if (!f)
			f = &zero;
		uint8_t c[TPO_CHUNK_HEADER_LEN + TPO_FOOTER_LEN];
		uint8_t *p = c + TPO_CHUNK_HEADER_LEN;
		tpo_put_le32(p, f->end_reason);
		tpo_put_le32(p + 4, (uint32_t)f->exit_status);
		tpo_put_le64(p + 8, f->accesses);
		tpo_put_le64(p + 16, f->faults);
		tpo_put_le64(p + 24, f->microsets);
		tpo_put_le64(p + 32, f->regions);
		tpo_put_le64(p + 40, f->events);
		tpo_put_le64(p + 48, f->duration_ns);
		tpo_container_put_chunk_header(c, TPO_CHUNK_FOOTER, TPO_FOOTER_LEN, 0, p);
		ok = write_all(w, c, sizeof c, err);
	}
	if (close(w->fd) < 0 && ok) {
		int e = errno;
		g_set_error(err, TPO_TRACE_ERROR, TPO_TRACE_ERROR_IO, "closing %s: %s", w->path, g_strerror(e));
		ok = FALSE;
	}
	w->fd = -1;
	tpo_trace_writer_abandon(w);
	return ok;
}

void tpo_trace_writer_abandon(tpo_trace_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	g_free(w->buf);
	g_free(w->path);
	g_free(w);
}
