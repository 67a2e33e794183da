/* tape_writer.c — writes a .tape (version 3) in the container (container.h): the header, chunks
 * of delta/varint-coded entries, the end chunk, then the final header (totals, hash, COMPLETE
 * flag) over the first one. */
#include "tape_codec.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

struct tpo_tape_writer {
	int fd;
	char *path;
	tpo_tape_header h;
	unsigned shift;      /* log2 page_size */
	uint8_t *buf;        /* chunk header room + payload */
	size_t len;          /* payload bytes */
	uint32_t nentries;   /* in this chunk */
	uint64_t prev_index, prev_page;
	uint64_t total, last_index;
	gboolean failed;
};

static gboolean write_all(int fd, const void *buf, size_t len, off_t at, GError **err,
			  const char *path)
{
	int e = tpo_container_write_all(fd, buf, len, at);
	if (e)
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_IO, "%s: write: %s", path, g_strerror(e));
	return !e;
}

static GByteArray *encode_header(const tpo_tape_header *h)
{
	GByteArray *b = g_byte_array_new();
	tpo_container_header_begin(b);
	tpo_tape_put_fields(b, h);
	tpo_container_header_end(b, TPO_TAPE_MAGIC, TPO_TAPE_VERSION);
	return b;
}

tpo_tape_writer *tpo_tape_writer_open(const char *path, const tpo_tape_header *h, GError **err)
{
	if (h->policy != TPO_TAPE_POLICY_LRU && h->policy != TPO_TAPE_POLICY_MIN) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_FORMAT, "unknown tape policy %u",
			    h->policy);
		return NULL;
	}
	if (!h->page_size || (h->page_size & (h->page_size - 1))) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_FORMAT,
			    "page size %u is not a power of two", h->page_size);
		return NULL;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_IO, "%s: %s", path, g_strerror(errno));
		return NULL;
	}
	tpo_tape_writer *w = g_new0(tpo_tape_writer, 1);
	w->fd = fd;
	w->path = g_strdup(path);
	w->h = *h;
	w->h.version = TPO_TAPE_VERSION;
	w->h.flags &= TPO_TAPE_F_EVICTIONS;
	w->h.accesses = w->h.seq_hash = w->h.fetches = w->h.evictions = 0;
	w->h.program = g_strdup(h->program ? h->program : "");
	w->h.argv = g_new0(char *, h->argc + 1);
	for (uint32_t i = 0; i < h->argc; i++)
		w->h.argv[i] = g_strdup(h->argv[i] ? h->argv[i] : "");
	w->shift = (unsigned)__builtin_ctz(h->page_size);
	w->buf = g_malloc(TPO_CHUNK_HEADER_LEN + TPO_TAPE_CHUNK_TARGET + 2 * TPO_VARINT_MAX);
	GByteArray *b = encode_header(&w->h);
	gboolean ok = write_all(fd, b->data, b->len, -1, err, path);
	g_byte_array_unref(b);
	if (!ok) {
		tpo_tape_writer_abandon(w);
		return NULL;
	}
	return w;
}

static gboolean flush_chunk(tpo_tape_writer *w, GError **err)
{
	if (!w->nentries)
		return TRUE;
	tpo_container_put_chunk_header(w->buf, TPO_TAPE_CHUNK_ENTRIES, (uint32_t)w->len, w->nentries,
				       w->buf + TPO_CHUNK_HEADER_LEN);
	if (!write_all(w->fd, w->buf, TPO_CHUNK_HEADER_LEN + w->len, -1, err, w->path)) {
		w->failed = TRUE;
		return FALSE;
	}
	w->len = 0;
	w->nentries = 0;
	w->prev_index = w->prev_page = 0;
	return TRUE;
}

gboolean tpo_tape_writer_add(tpo_tape_writer *w, const tpo_tape_entry *e, GError **err)
{
	if (w->failed) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_IO, "%s: earlier write failed", w->path);
		return FALSE;
	}
	if ((e->op != TPO_TAPE_FETCH && e->op != TPO_TAPE_EVICT) ||
	    (w->total && e->index < w->last_index)) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_FORMAT,
			    "tape entries must come in access order (entry at %" G_GUINT64_FORMAT
			    " after %" G_GUINT64_FORMAT ")", e->index, w->last_index);
		return FALSE;
	}
	uint64_t page = e->page >> w->shift;
	uint8_t *start = w->buf + TPO_CHUNK_HEADER_LEN + w->len;
	uint8_t *p = tpo_put_varint(start, (e->index - w->prev_index) << 1 | (uint64_t)e->op);
	p = tpo_put_varint(p, tpo_zigzag64((int64_t)(page - w->prev_page)));
	w->len += (size_t)(p - start);
	w->nentries++;
	w->prev_index = e->index;
	w->prev_page = page;
	w->last_index = e->index;
	w->total++;
	if (e->op == TPO_TAPE_FETCH)
		w->h.fetches++;
	else
		w->h.evictions++;
	if (w->len >= TPO_TAPE_CHUNK_TARGET)
		return flush_chunk(w, err);
	return TRUE;
}

static void free_writer(tpo_tape_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	tpo_tape_header_clear(&w->h);
	g_free(w->buf);
	g_free(w->path);
	g_free(w);
}

gboolean tpo_tape_writer_close(tpo_tape_writer *w, uint64_t accesses, uint64_t seq_hash,
			       GError **err)
{
	gboolean ok;
	if (w->failed) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_IO, "%s: earlier write failed", w->path);
		ok = FALSE;
	} else {
		ok = flush_chunk(w, err);
	}
	if (ok) {
		uint8_t end[TPO_CHUNK_HEADER_LEN + TPO_TAPE_END_LEN];
		uint8_t *p = end + TPO_CHUNK_HEADER_LEN;
		tpo_put_le64(p, w->total);
		tpo_put_le64(p + 8, w->h.fetches);
		tpo_put_le64(p + 16, w->h.evictions);
		tpo_container_put_chunk_header(end, TPO_TAPE_CHUNK_END, TPO_TAPE_END_LEN, 0, p);
		ok = write_all(w->fd, end, sizeof end, -1, err, w->path);
	}
	if (ok) {
		w->h.accesses = accesses;
		w->h.seq_hash = seq_hash;
		w->h.flags |= TPO_TAPE_F_COMPLETE;
		GByteArray *b = encode_header(&w->h);
		ok = write_all(w->fd, b->data, b->len, 0, err, w->path);
		g_byte_array_unref(b);
	}
	if (ok && close(w->fd) < 0) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_IO, "%s: close: %s", w->path,
			    g_strerror(errno));
		ok = FALSE;
	}
	w->fd = -1;
	free_writer(w);
	return ok;
}

void tpo_tape_writer_abandon(tpo_tape_writer *w)
{
	if (!w)
		return;
	GError *e = NULL;
	if (!w->failed)
		flush_chunk(w, &e); /* keep what was simulated readable */
	g_clear_error(&e);
	free_writer(w);
}
