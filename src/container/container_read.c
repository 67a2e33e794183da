/* container_read.c — the reading half of the container (container.h): buffered reads of a file
 * in large blocks, the file prefix and header body, chunk headers and payloads, each checked
 * (length, CRC, magic) before the format decodes any of it, and a bounded cursor for header
 * bodies. Messages name the byte offset; the caller's error domain carries them. */
#include "container.h"

#include <errno.h>
#include <inttypes.h>
#include <unistd.h>

#define READ_BLOCK (1u << 20)

void tpo_container_reader_init(tpo_container_reader *c, int fd, GQuark domain, const char *what)
{
	*c = (tpo_container_reader){ .fd = fd, .domain = domain, .what = what, .cap = READ_BLOCK };
	c->buf = g_malloc(c->cap);
}

void tpo_container_reader_free(tpo_container_reader *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	g_free(c->buf);
	c->buf = NULL;
}

ssize_t tpo_container_fill(tpo_container_reader *c, size_t need, GError **err)
{
	if (c->end - c->beg >= need || c->eof)
		return (ssize_t)(c->end - c->beg);
	if (c->beg > 0) {
		memmove(c->buf, c->buf + c->beg, c->end - c->beg);
		c->end -= c->beg;
		c->beg = 0;
	}
	if (need > c->cap) {
		size_t cap = c->cap;
		while (cap < need)
			cap *= 2;
		c->buf = g_realloc(c->buf, cap);
		c->cap = cap;
	}
	while (c->end < need) {
		ssize_t k = read(c->fd, c->buf + c->end, c->cap - c->end);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
			g_set_error(err, c->domain, TPO_CONTAINER_ERROR_IO, "read error at offset %" PRIu64 ": %s",
				    c->off + c->end, g_strerror(e));
			return -1;
		}
		if (k == 0) {
			c->eof = TRUE;
			break;
		}
		c->end += (size_t)k;
	}
	return (ssize_t)c->end;
}

void tpo_container_consume(tpo_container_reader *c, size_t n)
{
	c->beg += n;
	c->off += n;
}

/* ---- file prefix and header body ---- */

/* Reads and checks the prefix (magic, CRC) at offset 0: its version and header body length. */
static gboolean read_prefix(tpo_container_reader *c, const char *magic, uint32_t *version,
			    uint32_t *body_len, GError **err)
{
	ssize_t n = tpo_container_fill(c, TPO_FILE_PREFIX_LEN, err);
	if (n < 0)
		return FALSE;
	const uint8_t *h = tpo_container_data(c);
	if (n == 0) {
		g_set_error(err, c->domain, TPO_CONTAINER_ERROR_FORMAT, "empty file, not a 3PO %s", c->what);
		return FALSE;
	}
	if (memcmp(h, magic, MIN((size_t)n, TPO_FILE_MAGIC_LEN)) != 0) {
		g_set_error(err, c->domain, TPO_CONTAINER_ERROR_FORMAT,
			    "not a 3PO %s (bad magic at offset 0)", c->what);
		return FALSE;
	}
	if ((size_t)n < TPO_FILE_PREFIX_LEN) {
		g_set_error(err, c->domain, TPO_CONTAINER_ERROR_TRUNCATED,
			    "truncated header at offset 0 (%zd of %u bytes)", n, TPO_FILE_PREFIX_LEN);
		return FALSE;
	}
	if (tpo_crc32c(0, h, 16) != tpo_get_le32(h + 16)) {
		g_set_error(err, c->domain, TPO_CONTAINER_ERROR_CRC, "CRC mismatch in header at offset 0");
		return FALSE;
	}
	*version = tpo_get_le32(h + 8);
	*body_len = tpo_get_le32(h + 12);
	return TRUE;
}

/* The header body after the prefix: its length bounded, all there, its CRC right. */
static gboolean read_body(tpo_container_reader *c, uint32_t body_len, uint32_t max_len,
			  const uint8_t **body, GError **err)
{
	if (body_len > max_len) {
		g_set_error(err, c->domain, TPO_CONTAINER_ERROR_FORMAT,
			    "header length %u at offset 12 is too large", body_len);
		return FALSE;
	}
	size_t total = TPO_FILE_PREFIX_LEN + (size_t)body_len + 4;
	ssize_t n = tpo_container_fill(c, total, err);
	if (n < 0)
		return FALSE;
	if ((size_t)n < total) {
		g_set_error(err, c->domain, TPO_CONTAINER_ERROR_TRUNCATED,
			    "truncated header at offset 0 (%zd of %zu bytes)", n, total);
		return FALSE;
	}
	const uint8_t *b = tpo_container_data(c) + TPO_FILE_PREFIX_LEN;
	if (tpo_crc32c(0, b, body_len) != tpo_get_le32(b + body_len)) {
		g_set_error(err, c->domain, TPO_CONTAINER_ERROR_CRC,
			    "CRC mismatch in header body at offset %u", TPO_FILE_PREFIX_LEN);
		return FALSE;
	}
	*body = b;
	return TRUE;
}

gboolean tpo_container_read_header(tpo_container_reader *c, const tpo_container_format *f, void *ctx,
				   GError **err)
{
	uint32_t version, len;
	const uint8_t *body;
	if (!read_prefix(c, f->magic, &version, &len, err))
		return FALSE;
	if (version < f->oldest || version > f->version) {
		if (f->oldest == f->version)
			g_set_error(err, c->domain, TPO_CONTAINER_ERROR_FORMAT,
				    "unsupported %s version %u at offset 8 (this reader reads version %u)", c->what,
				    version, f->version);
		else
			g_set_error(err, c->domain, TPO_CONTAINER_ERROR_FORMAT,
				    "unsupported %s version %u at offset 8 (this reader reads versions %u to %u)",
				    c->what, version, f->oldest, f->version);
		return FALSE;
	}
	if (!read_body(c, len, f->max_header, &body, err))
		return FALSE;
	tpo_container_cursor cur = { .p = body, .end = body + len };
	if (!f->parse_header(ctx, version, &cur)) {
		g_set_error(err, c->domain, TPO_CONTAINER_ERROR_FORMAT, "bad header at offset %td: %s",
			    cur.p - tpo_container_data(c), cur.why);
		return FALSE;
	}
	tpo_container_consume(c, TPO_FILE_PREFIX_LEN + (size_t)len + 4);
	return TRUE;
}

/* ---- chunks ---- */

int tpo_container_read_chunk_header(tpo_container_reader *c, uint32_t max_len,
				    tpo_container_chunk *ch, GError **err)
{
	uint64_t off = c->off;
	ssize_t n = tpo_container_fill(c, TPO_CHUNK_HEADER_LEN, err);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	if ((size_t)n < TPO_CHUNK_HEADER_LEN) {
		g_set_error(err, c->domain, TPO_CONTAINER_ERROR_TRUNCATED,
			    "truncated chunk header at offset %" PRIu64 " (%zd of %u bytes)", off, n,
			    TPO_CHUNK_HEADER_LEN);
		return -1;
	}
	const uint8_t *h = tpo_container_data(c);
	if (tpo_crc32c(0, h, 16) != tpo_get_le32(h + 16)) {
		g_set_error(err, c->domain, TPO_CONTAINER_ERROR_CRC,
			    "CRC mismatch in chunk header at offset %" PRIu64, off);
		return -1;
	}
	if (memcmp(h, TPO_CHUNK_MAGIC, 3) != 0) {
		g_set_error(err, c->domain, TPO_CONTAINER_ERROR_FORMAT, "bad chunk magic at offset %" PRIu64, off);
		return -1;
	}
	*ch = (tpo_container_chunk){ .type = h[3], .len = tpo_get_le32(h + 4), .count = tpo_get_le32(h + 8),
				     .crc = tpo_get_le32(h + 12), .off = off };
	if (ch->len > max_len) {
		g_set_error(err, c->domain, TPO_CONTAINER_ERROR_FORMAT,
			    "chunk at offset %" PRIu64 " too large (%u bytes)", off, ch->len);
		return -1;
	}
	ch->total = TPO_CHUNK_HEADER_LEN + (size_t)ch->len;
	return 1;
}

gboolean tpo_container_read_payload(tpo_container_reader *c, tpo_container_chunk *ch, GError **err)
{
	ssize_t n = tpo_container_fill(c, ch->total, err);
	if (n < 0)
		return FALSE;
	if ((size_t)n < ch->total) {
		g_set_error(err, c->domain, TPO_CONTAINER_ERROR_TRUNCATED,
			    "truncated chunk at offset %" PRIu64 " (%zu of %zu bytes)", ch->off, (size_t)n,
			    ch->total);
		return FALSE;
	}
	ch->payload = tpo_container_data(c) + TPO_CHUNK_HEADER_LEN;
	if (tpo_crc32c(0, ch->payload, ch->len) != ch->crc) {
		g_set_error(err, c->domain, TPO_CONTAINER_ERROR_CRC, "CRC mismatch in chunk at offset %" PRIu64,
			    ch->off);
		return FALSE;
	}
	return TRUE;
}

/* ---- header body cursor ---- */

/* The next n bytes, or NULL if the body ends first. */
static const uint8_t *take(tpo_container_cursor *c, size_t n)
{
	if ((size_t)(c->end - c->p) < n) {
		c->why = "runs past its end";
		return NULL;
	}
	const uint8_t *p = c->p;
	c->p += n;
	return p;
}

gboolean tpo_container_cur_u32(tpo_container_cursor *c, uint32_t *v)
{
	const uint8_t *p = take(c, 4);
	if (p)
		*v = tpo_get_le32(p);
	return p != NULL;
}

gboolean tpo_container_cur_u64(tpo_container_cursor *c, uint64_t *v)
{
	const uint8_t *p = take(c, 8);
	if (p)
		*v = tpo_get_le64(p);
	return p != NULL;
}

gboolean tpo_container_cur_string(tpo_container_cursor *c, uint32_t max_len, char **s)
{
	uint32_t n;
	if (!tpo_container_cur_u32(c, &n))
		return FALSE;
	if (n > max_len || n > (size_t)(c->end - c->p)) {
		c->why = "string length out of bounds";
		return FALSE;
	}
	if (memchr(c->p, 0, n)) {
		c->why = "string contains a NUL byte";
		return FALSE;
	}
	*s = g_strndup((const char *)c->p, n);
	c->p += n;
	return TRUE;
}
