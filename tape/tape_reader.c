/* tape_reader.c — reads a .tape: checks the header, then streams entries chunk by chunk,
 * each chunk checked whole (length, CRC) before its entries are decoded, and the end chunk's
 * totals against the entries read. Version 3 is framed by the container (container.h); the
 * legacy versions 1 and 2 by tape_legacy.c. The entry payload is the same in all three. */
#include "tape_codec.h"

#include <errno.h>
#include <fcntl.h>

struct tpo_tape_reader {
	tpo_container_reader io;
	char *path;
	tpo_tape_header h;
	gboolean legacy;     /* version 1 or 2 */
	unsigned shift;
	uint64_t offset;     /* file offset after the current chunk */
	size_t consumed;     /* bytes of the current chunk still to consume */
	const uint8_t *p, *end;
	uint32_t left;       /* entries left in the current chunk */
	uint64_t prev_index, prev_page;
	uint64_t total, fetches, evictions, last_index;
	int done;            /* 1: end read, -1: error reported */
};

#define FAIL(r, code, ...)                                                                      \
	do {                                                                                    \
		g_set_error(err, TPO_TAPE_ERROR, code, __VA_ARGS__);                            \
		(r)->done = -1;                                                                 \
		return -1;                                                                      \
	} while (0)

static gboolean parse_header(void *ctx, uint32_t version, tpo_container_cursor *c)
{
	tpo_tape_header *h = ctx;
	h->version = version;
	return tpo_tape_parse_fields(c, h, TRUE);
}

static const tpo_container_format tape_format = {
	.magic = TPO_TAPE_MAGIC,
	.oldest = 1, /* for the message: versions 1 and 2 never get here (tape_legacy.c reads them) */
	.version = TPO_TAPE_VERSION,
	.max_header = TPO_TAPE_MAX_HEADER,
	.parse_header = parse_header,
};

static gboolean open_header(tpo_tape_reader *r, GError **err)
{
	ssize_t n = tpo_container_fill(&r->io, TPO_FILE_PREFIX_LEN, err);
	if (n < 0)
		return FALSE;
	r->legacy = tpo_tape_is_legacy(tpo_container_data(&r->io), (size_t)n);
	if (r->legacy)
		return tpo_tape_legacy_header(&r->io, r->path, &r->h, err);
	if (!tpo_container_read_header(&r->io, &tape_format, &r->h, err)) {
		g_prefix_error(err, "%s: ", r->path);
		return FALSE;
	}
	return TRUE;
}

tpo_tape_reader *tpo_tape_reader_open(const char *path, GError **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_IO, "%s: %s", path, g_strerror(errno));
		return NULL;
	}
	tpo_tape_reader *r = g_new0(tpo_tape_reader, 1);
	tpo_container_reader_init(&r->io, fd, TPO_TAPE_ERROR, "tape");
	r->path = g_strdup(path);
	if (!open_header(r, err)) {
		tpo_tape_reader_close(r);
		return NULL;
	}
	r->shift = (unsigned)__builtin_ctz(r->h.page_size);
	r->offset = r->io.off;
	return r;
}

const tpo_tape_header *tpo_tape_reader_header(const tpo_tape_reader *r) { return &r->h; }
uint64_t tpo_tape_reader_offset(const tpo_tape_reader *r) { return r->offset; }

/* The next version 3 chunk: entries, or the end chunk (nothing may follow it). */
static int next_span(tpo_tape_reader *r, tpo_tape_span *s, GError **err)
{
	tpo_container_chunk ch;
	int k = tpo_container_read_chunk_header(&r->io, TPO_TAPE_CHUNK_MAX, &ch, err);
	if (k <= 0)
		return k;
	gboolean end = ch.type == TPO_TAPE_CHUNK_END;
	if ((ch.type != TPO_TAPE_CHUNK_ENTRIES && !end) || (end && (ch.count || ch.len < TPO_TAPE_END_LEN)) ||
	    (!end && (ch.count == 0 || ch.count > ch.len))) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_FORMAT,
			    "bad chunk header at offset %" G_GUINT64_FORMAT, ch.off);
		return -1;
	}
	if (!tpo_container_read_payload(&r->io, &ch, err))
		return -1;
	*s = (tpo_tape_span){ .end = end, .payload = ch.payload, .len = ch.len, .count = ch.count,
			      .total = ch.total };
	if (end) {
		s->entries = tpo_get_le64(ch.payload);
		s->fetches = tpo_get_le64(ch.payload + 8);
		s->evictions = tpo_get_le64(ch.payload + 16);
		s->payload = NULL; /* the fill below may move the buffer */
		ssize_t n = tpo_container_fill(&r->io, ch.total + 1, err);
		if (n < 0)
			return -1;
		if ((size_t)n > ch.total) {
			g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_FORMAT,
				    "data after the end chunk at offset %" G_GUINT64_FORMAT, ch.off + ch.total);
			return -1;
		}
	}
	return 1;
}

/* The end record's counts against the entries read and the header's totals. */
static int check_end(tpo_tape_reader *r, const tpo_tape_span *s, GError **err)
{
	if (s->entries != r->total || s->fetches != r->fetches || s->evictions != r->evictions)
		FAIL(r, TPO_TAPE_ERROR_FORMAT,
		     "%s: end record at byte %" G_GUINT64_FORMAT " counts %" G_GUINT64_FORMAT
		     " entries, read %" G_GUINT64_FORMAT,
		     r->path, r->offset, s->entries, r->total);
	if ((r->h.flags & TPO_TAPE_F_COMPLETE) &&
	    (r->h.fetches != r->fetches || r->h.evictions != r->evictions))
		FAIL(r, TPO_TAPE_ERROR_FORMAT,
		     "%s: header totals disagree with the entries (end record at byte %" G_GUINT64_FORMAT ")",
		     r->path, r->offset);
	if (!(r->h.flags & TPO_TAPE_F_COMPLETE))
		FAIL(r, TPO_TAPE_ERROR_TRUNCATED,
		     "%s: header never finalised (end record at byte %" G_GUINT64_FORMAT ")", r->path,
		     r->offset);
	r->offset += s->total;
	r->done = 1;
	return 0;
}

/* Reads the next chunk (or the end): 1 chunk, 0 end, -1 error. */
static int next_chunk(tpo_tape_reader *r, GError **err)
{
	tpo_container_consume(&r->io, r->consumed);
	r->consumed = 0;
	tpo_tape_span s;
	GError *e = NULL;
	int k = r->legacy ? tpo_tape_legacy_next(&r->io, r->path, &s, &e) : next_span(r, &s, &e);
	if (k < 0) {
		if (!r->legacy)
			g_prefix_error(&e, "%s: ", r->path);
		g_propagate_error(err, e);
		r->done = -1;
		return -1;
	}
	if (k == 0)
		FAIL(r, TPO_TAPE_ERROR_TRUNCATED,
		     "%s: tape ends at byte %" G_GUINT64_FORMAT " without its end record%s", r->path,
		     r->offset, r->h.flags & TPO_TAPE_F_COMPLETE ? "" : " (the writer never finished)");
	if (s.end)
		return check_end(r, &s, err);
	r->offset += s.total;
	r->consumed = s.total;
	r->p = s.payload;
	r->end = s.payload + s.len;
	r->left = s.count;
	r->prev_index = r->prev_page = 0;
	return 1;
}

int tpo_tape_reader_next(tpo_tape_reader *r, tpo_tape_entry *e, GError **err)
{
	if (r->done == 1)
		return 0;
	if (r->done < 0)
		FAIL(r, TPO_TAPE_ERROR_FORMAT, "%s: reading past an error", r->path);
	while (!r->left) {
		if (r->p != r->end)
			FAIL(r, TPO_TAPE_ERROR_FORMAT, "%s: chunk ending at byte %" G_GUINT64_FORMAT
			     " has trailing bytes", r->path, r->offset);
		int k = next_chunk(r, err);
		if (k <= 0)
			return k;
	}
	uint64_t a, b;
	const uint8_t *q = tpo_get_varint(r->p, r->end, &a);
	if (q)
		q = tpo_get_varint(q, r->end, &b);
	if (!q)
		FAIL(r, TPO_TAPE_ERROR_FORMAT, "%s: bad entry in the chunk ending at byte %" G_GUINT64_FORMAT,
		     r->path, r->offset);
	uint64_t index = r->prev_index + (a >> 1);
	uint64_t page = r->prev_page + (uint64_t)tpo_unzigzag64(b);
	if (index < r->prev_index || (r->total && index < r->last_index) ||
	    (page << r->shift) >> r->shift != page)
		FAIL(r, TPO_TAPE_ERROR_FORMAT, "%s: bad entry in the chunk ending at byte %" G_GUINT64_FORMAT,
		     r->path, r->offset);
	r->p = q;
	r->prev_index = r->last_index = index;
	r->prev_page = page;
	r->left--;
	r->total++;
	e->index = index;
	e->page = page << r->shift;
	e->op = (tpo_tape_op)(a & 1);
	if (e->op == TPO_TAPE_FETCH)
		r->fetches++;
	else
		r->evictions++;
	return 1;
}

void tpo_tape_reader_close(tpo_tape_reader *r)
{
	if (!r)
		return;
	tpo_container_reader_free(&r->io);
	tpo_tape_header_clear(&r->h);
	g_free(r->path);
	g_free(r);
}
