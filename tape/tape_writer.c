/* tape_writer.c — writes a .tape: header, CRC-protected chunks of delta/varint-coded entries,
 * end record, then the final header (totals, hash, COMPLETE flag) over the first one. */
#include <tpo/tape.h>
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
	const uint8_t *p = buf;
	while (len) {
		ssize_t k = at >= 0 ? pwrite(fd, p, len, at) : write(fd, p, len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_IO, "%s: write: %s", path,
				    g_strerror(errno));
			return FALSE;
		}
		p += k;
		len -= (size_t)k;
		if (at >= 0)
			at += k;
	}
	return TRUE;
}

static GByteArray *encode_header(const tpo_tape_header *h)
{
	GByteArray *b = g_byte_array_new();
	uint8_t f[TPO_TAPE_FIXED_HEADER] = {0};
	memcpy(f, TPO_TAPE_MAGIC, 8);
	tpo_tape_put32(f + 8, TPO_TAPE_VERSION);
	/* header_size at 12 is filled below */
	tpo_tape_put32(f + 16, h->policy);
	tpo_tape_put32(f + 20, h->flags);
	tpo_tape_put32(f + 24, h->page_size);
	tpo_tape_put32(f + 28, (uint32_t)h->trace_pid);
	tpo_tape_put64(f + 32, h->local_pages);
	tpo_tape_put64(f + 40, h->lookahead);
	tpo_tape_put64(f + 48, h->accesses);
	tpo_tape_put64(f + 56, h->seq_hash);
	tpo_tape_put64(f + 64, h->fetches);
	tpo_tape_put64(f + 72, h->evictions);
	tpo_tape_put64(f + 80, h->trace_start_time_ns);
	tpo_tape_put32(f + 88, h->argc);
	tpo_tape_put32(f + 92, h->microset);
	g_byte_array_append(b, f, sizeof f);
	for (uint32_t i = 0; i <= h->argc; i++) {
		const char *s = i == 0 ? h->program : h->argv[i - 1];
		if (!s)
			s = "";
		uint8_t l[4];
		tpo_tape_put32(l, (uint32_t)strlen(s));
		g_byte_array_append(b, l, 4);
		g_byte_array_append(b, (const uint8_t *)s, (guint)strlen(s));
	}
	uint8_t crc[4] = {0};
	g_byte_array_append(b, crc, 4);
	tpo_tape_put32(b->data + 12, b->len);
	tpo_tape_put32(b->data + b->len - 4, tpo_tape_crc32(0, b->data, b->len - 4));
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
	w->buf = g_malloc(TPO_TAPE_CHUNK_HEADER + TPO_TAPE_CHUNK_TARGET + 32);
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
	uint8_t *c = w->buf;
	tpo_tape_put32(c, TPO_TAPE_CHUNK_MAGIC);
	tpo_tape_put32(c + 4, (uint32_t)w->len);
	tpo_tape_put32(c + 8, w->nentries);
	uint32_t crc = tpo_tape_crc32(0, c + 4, 8);
	crc = tpo_tape_crc32(crc, c + TPO_TAPE_CHUNK_HEADER, w->len);
	tpo_tape_put32(c + 12, crc);
	if (!write_all(w->fd, c, TPO_TAPE_CHUNK_HEADER + w->len, -1, err, w->path)) {
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
	uint8_t *p = w->buf + TPO_TAPE_CHUNK_HEADER + w->len;
	size_t n = tpo_tape_put_varint(p, (e->index - w->prev_index) << 1 | (uint64_t)e->op);
	n += tpo_tape_put_varint(p + n, tpo_tape_zigzag((int64_t)(page - w->prev_page)));
	w->len += n;
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
		uint8_t end[TPO_TAPE_END_SIZE];
		tpo_tape_put32(end, TPO_TAPE_END_MAGIC);
		tpo_tape_put64(end + 4, w->total);
		tpo_tape_put64(end + 12, w->h.fetches);
		tpo_tape_put64(end + 20, w->h.evictions);
		tpo_tape_put32(end + 28, tpo_tape_crc32(0, end + 4, 24));
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
