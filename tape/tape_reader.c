/* tape_reader.c — reads a .tape: checks the header, then streams entries chunk by chunk,
 * verifying each chunk's CRC and the end record's totals. */
#include <tpo/tape.h>
#include "tape_codec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct tpo_tape_reader {
	FILE *f;
	char *path;
	tpo_tape_header h;
	unsigned shift;
	uint64_t offset;     /* file offset of the next unread chunk */
	uint8_t *payload;
	size_t cap;
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

static int read_exact(FILE *f, void *buf, size_t len)
{
	return fread(buf, 1, len, f) == len;
}

static gboolean parse_header(tpo_tape_reader *r, GError **err)
{
	uint8_t f[TPO_TAPE_FIXED_HEADER_V1];
	size_t got = fread(f, 1, sizeof f, r->f);
	if (got < 8 || memcmp(f, TPO_TAPE_MAGIC, 8)) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_FORMAT, "%s: not a 3PO tape", r->path);
		return FALSE;
	}
	if (got < sizeof f) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_TRUNCATED,
			    "%s: header truncated at byte %zu", r->path, got);
		return FALSE;
	}
	/* The CRC is checked before the version is believed: a damaged version field is damage
	 * (the header's CRC says so), not a version from another build. */
	uint32_t version = tpo_tape_get32(f + 8), hsize = tpo_tape_get32(f + 12);
	if (hsize < TPO_TAPE_FIXED_HEADER_V1 + 8 || hsize > TPO_TAPE_MAX_HEADER) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_FORMAT, "%s: bad header size %u",
			    r->path, hsize);
		return FALSE;
	}
	uint8_t *b = g_malloc(hsize);
	memcpy(b, f, sizeof f);
	got = fread(b + sizeof f, 1, hsize - sizeof f, r->f);
	if (got != hsize - sizeof f) {
		g_free(b);
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_TRUNCATED,
			    "%s: header truncated at byte %zu (its size is %u)", r->path,
			    sizeof f + got, hsize);
		return FALSE;
	}
	if (tpo_tape_crc32(0, b, hsize - 4) != tpo_tape_get32(b + hsize - 4)) {
		g_free(b);
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_CRC,
			    "%s: header CRC mismatch (bytes 0 to %u)", r->path, hsize);
		return FALSE;
	}
	size_t fixed = version == 1 ? TPO_TAPE_FIXED_HEADER_V1 : TPO_TAPE_FIXED_HEADER;
	if (version != TPO_TAPE_VERSION && version != 1) {
		g_free(b);
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_FORMAT,
			    "%s: tape version %u, this build reads versions 1 to %u", r->path,
			    version, TPO_TAPE_VERSION);
		return FALSE;
	}
	if (hsize < fixed + 8) {
		g_free(b);
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_FORMAT, "%s: bad header size %u",
			    r->path, hsize);
		return FALSE;
	}
	tpo_tape_header *h = &r->h;
	h->version = version;
	h->policy = tpo_tape_get32(b + 16);
	h->flags = tpo_tape_get32(b + 20);
	h->page_size = tpo_tape_get32(b + 24);
	h->trace_pid = (int32_t)tpo_tape_get32(b + 28);
	h->local_pages = tpo_tape_get64(b + 32);
	h->lookahead = tpo_tape_get64(b + 40);
	h->accesses = tpo_tape_get64(b + 48);
	h->seq_hash = tpo_tape_get64(b + 56);
	h->fetches = tpo_tape_get64(b + 64);
	h->evictions = tpo_tape_get64(b + 72);
	h->trace_start_time_ns = tpo_tape_get64(b + 80);
	h->argc = tpo_tape_get32(b + 88);
	h->microset = version == 1 ? 0 : tpo_tape_get32(b + 92);
	const uint8_t *p = b + fixed, *end = b + hsize - 4;
	gboolean ok = h->argc < hsize && h->page_size && !(h->page_size & (h->page_size - 1));
	if (ok)
		h->argv = g_new0(char *, h->argc + 1);
	for (uint32_t i = 0; ok && i <= h->argc; i++) {
		if (end - p < 4) {
			ok = FALSE;
			break;
		}
		uint32_t len = tpo_tape_get32(p);
		p += 4;
		if ((size_t)(end - p) < len) {
			ok = FALSE;
			break;
		}
		char *s = g_strndup((const char *)p, len);
		p += len;
		if (i == 0)
			h->program = s;
		else
			h->argv[i - 1] = s;
	}
	if (ok && p != end)
		ok = FALSE;
	if (ok && h->policy != TPO_TAPE_POLICY_LRU && h->policy != TPO_TAPE_POLICY_MIN)
		ok = FALSE;
	g_free(b);
	if (!ok) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_FORMAT,
			    "%s: malformed header (bytes 0 to %u)", r->path, hsize);
		return FALSE;
	}
	r->shift = (unsigned)__builtin_ctz(h->page_size);
	r->offset = hsize;
	return TRUE;
}

tpo_tape_reader *tpo_tape_reader_open(const char *path, GError **err)
{
	FILE *f = fopen(path, "rbe");
	if (!f) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_IO, "%s: %s", path, g_strerror(errno));
		return NULL;
	}
	tpo_tape_reader *r = g_new0(tpo_tape_reader, 1);
	r->f = f;
	r->path = g_strdup(path);
	if (!parse_header(r, err)) {
		tpo_tape_reader_close(r);
		return NULL;
	}
	return r;
}

const tpo_tape_header *tpo_tape_reader_header(const tpo_tape_reader *r) { return &r->h; }
uint64_t tpo_tape_reader_offset(const tpo_tape_reader *r) { return r->offset; }

/* Reads the next chunk (or the end record): 1 chunk, 0 end, -1 error. */
static int next_chunk(tpo_tape_reader *r, GError **err)
{
	uint8_t c[TPO_TAPE_CHUNK_HEADER];
	size_t got = fread(c, 1, 4, r->f);
	if (got == 0)
		FAIL(r, TPO_TAPE_ERROR_TRUNCATED,
		     "%s: tape ends at byte %" G_GUINT64_FORMAT " without its end record%s", r->path,
		     r->offset, r->h.flags & TPO_TAPE_F_COMPLETE ? "" : " (the writer never finished)");
	if (got < 4)
		FAIL(r, TPO_TAPE_ERROR_TRUNCATED, "%s: truncated chunk at byte %" G_GUINT64_FORMAT,
		     r->path, r->offset);
	uint32_t magic = tpo_tape_get32(c);
	if (magic == TPO_TAPE_END_MAGIC) {
		uint8_t e[TPO_TAPE_END_SIZE];
		memcpy(e, c, 4);
		if (!read_exact(r->f, e + 4, sizeof e - 4))
			FAIL(r, TPO_TAPE_ERROR_TRUNCATED,
			     "%s: truncated end record at byte %" G_GUINT64_FORMAT, r->path, r->offset);
		if (tpo_tape_crc32(0, e + 4, 24) != tpo_tape_get32(e + 28))
			FAIL(r, TPO_TAPE_ERROR_CRC, "%s: end record CRC mismatch at byte %" G_GUINT64_FORMAT,
			     r->path, r->offset);
		if (tpo_tape_get64(e + 4) != r->total || tpo_tape_get64(e + 12) != r->fetches ||
		    tpo_tape_get64(e + 20) != r->evictions)
			FAIL(r, TPO_TAPE_ERROR_FORMAT,
			     "%s: end record at byte %" G_GUINT64_FORMAT " counts %" G_GUINT64_FORMAT
			     " entries, read %" G_GUINT64_FORMAT,
			     r->path, r->offset, tpo_tape_get64(e + 4), r->total);
		if ((r->h.flags & TPO_TAPE_F_COMPLETE) &&
		    (r->h.fetches != r->fetches || r->h.evictions != r->evictions))
			FAIL(r, TPO_TAPE_ERROR_FORMAT,
			     "%s: header totals disagree with the entries (end record at byte %"
			     G_GUINT64_FORMAT ")", r->path, r->offset);
		if (!(r->h.flags & TPO_TAPE_F_COMPLETE))
			FAIL(r, TPO_TAPE_ERROR_TRUNCATED,
			     "%s: header never finalised (end record at byte %" G_GUINT64_FORMAT ")",
			     r->path, r->offset);
		r->offset += sizeof e;
		r->done = 1;
		return 0;
	}
	if (magic != TPO_TAPE_CHUNK_MAGIC)
		FAIL(r, TPO_TAPE_ERROR_FORMAT, "%s: bad chunk magic at byte %" G_GUINT64_FORMAT, r->path,
		     r->offset);
	if (!read_exact(r->f, c + 4, sizeof c - 4))
		FAIL(r, TPO_TAPE_ERROR_TRUNCATED, "%s: truncated chunk at byte %" G_GUINT64_FORMAT,
		     r->path, r->offset);
	uint32_t len = tpo_tape_get32(c + 4), n = tpo_tape_get32(c + 8);
	if (len > TPO_TAPE_CHUNK_MAX || n == 0 || n > len)
		FAIL(r, TPO_TAPE_ERROR_FORMAT, "%s: bad chunk header at byte %" G_GUINT64_FORMAT, r->path,
		     r->offset);
	if (len > r->cap) {
		r->cap = len;
		r->payload = g_realloc(r->payload, len);
	}
	if (!read_exact(r->f, r->payload, len))
		FAIL(r, TPO_TAPE_ERROR_TRUNCATED, "%s: truncated chunk at byte %" G_GUINT64_FORMAT,
		     r->path, r->offset);
	uint32_t crc = tpo_tape_crc32(tpo_tape_crc32(0, c + 4, 8), r->payload, len);
	if (crc != tpo_tape_get32(c + 12))
		FAIL(r, TPO_TAPE_ERROR_CRC, "%s: chunk CRC mismatch at byte %" G_GUINT64_FORMAT, r->path,
		     r->offset);
	r->offset += sizeof c + len;
	r->p = r->payload;
	r->end = r->payload + len;
	r->left = n;
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
	if (!tpo_tape_get_varint(&r->p, r->end, &a) || !tpo_tape_get_varint(&r->p, r->end, &b))
		FAIL(r, TPO_TAPE_ERROR_FORMAT, "%s: bad entry in the chunk ending at byte %" G_GUINT64_FORMAT,
		     r->path, r->offset);
	uint64_t index = r->prev_index + (a >> 1);
	uint64_t page = r->prev_page + (uint64_t)tpo_tape_unzigzag(b);
	if (index < r->prev_index || (r->total && index < r->last_index) ||
	    (page << r->shift) >> r->shift != page)
		FAIL(r, TPO_TAPE_ERROR_FORMAT, "%s: bad entry in the chunk ending at byte %" G_GUINT64_FORMAT,
		     r->path, r->offset);
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
	if (r->f)
		fclose(r->f);
	tpo_tape_header_clear(&r->h);
	g_free(r->payload);
	g_free(r->path);
	g_free(r);
}
