/* container.h — the chunked container that .3pt traces and .tape files (version 3 on) are both
 * written in: a 20-byte file prefix (magic, version, header length, CRC), a CRC-checked header
 * body, then chunks of a 20-byte header (magic "3PC" + type, payload length, count, payload CRC,
 * header CRC) and a payload whose meaning is the format's. Also the byte-level primitives every
 * format here uses: little-endian fields, LEB128 varints, zigzag, CRC-32C and CRC-32 (IEEE, for
 * the legacy tapes). The layout is docs/container-format.md; the writer half is
 * container_write.c, the reader half container_read.c, the CRCs container_crc.c. */
#ifndef TPO_CONTAINER_H
#define TPO_CONTAINER_H

#include <glib.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

/* File prefix: magic (8 bytes), u32 version, u32 header body length L, u32 CRC-32C of those 16
 * bytes; then L bytes of header body and its u32 CRC-32C. */
#define TPO_FILE_MAGIC_LEN 8u
#define TPO_FILE_PREFIX_LEN 20u

/* Chunk header: "3PC", a type byte, u32 payload length P, u32 count, u32 CRC-32C of the payload,
 * u32 CRC-32C of the header's first 16 bytes; then P bytes of payload. */
#define TPO_CHUNK_MAGIC "3PC"
#define TPO_CHUNK_HEADER_LEN 20u

/* Error codes of the container's messages; each format's error enum starts with these four, in
 * this order, so they are reported in the format's own error domain. */
enum { TPO_CONTAINER_ERROR_IO, TPO_CONTAINER_ERROR_FORMAT, TPO_CONTAINER_ERROR_TRUNCATED,
       TPO_CONTAINER_ERROR_CRC };

/* ---- CRCs (reflected, initial value and final XOR 0xFFFFFFFF), slicing-by-8 ---- */

/* CRC-32C (Castagnoli, polynomial 0x82F63B78) of buf[0..len) continuing from crc (start with 0):
 * the container's CRC. */
uint32_t tpo_crc32c(uint32_t crc, const void *buf, size_t len);
/* CRC-32 (IEEE 802.3 / zlib, polynomial 0xEDB88320): only the legacy tapes (versions 1, 2). */
uint32_t tpo_crc32_ieee(uint32_t crc, const void *buf, size_t len);

/* ---- zigzag ---- */

static inline uint64_t tpo_zigzag64(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t tpo_unzigzag64(uint64_t v)
{
	return (int64_t)((v >> 1) ^ (~(v & 1) + 1));
}

static inline uint32_t tpo_zigzag32(int32_t v)
{
	return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}

static inline int32_t tpo_unzigzag32(uint32_t v)
{
	return (int32_t)((v >> 1) ^ (~(v & 1) + 1));
}

/* ---- LEB128 varints (7 bits a byte, least significant first, high bit = more) ---- */

#define TPO_VARINT_MAX 10u

/* Writes v at p (room for TPO_VARINT_MAX bytes needed); returns the byte after it. */
static inline uint8_t *tpo_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Reads a varint from [p, end) into *v; returns the byte after it, or NULL if it runs past end,
 * is longer than 10 bytes or overflows 64 bits. */
static inline const uint8_t *tpo_get_varint(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	if (p < end && *p < 0x80) { /* the common one-byte case */
		*v = *p;
		return p + 1;
	}
	uint64_t r = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (p >= end)
			return NULL;
		uint8_t b = *p++;
		if (shift == 63 && b > 1)
			return NULL; /* bits beyond 64 */
		r |= (uint64_t)(b & 0x7f) << shift;
		if (b < 0x80) {
			*v = r;
			return p;
		}
	}
	return NULL;
}

/* ---- little-endian fixed-width fields ---- */

static inline void tpo_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void tpo_put_le64(uint8_t *p, uint64_t v)
{
	tpo_put_le32(p, (uint32_t)v);
	tpo_put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t tpo_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t tpo_get_le64(const uint8_t *p)
{
	return (uint64_t)tpo_get_le32(p) | (uint64_t)tpo_get_le32(p + 4) << 32;
}

/* ---- writing (container_write.c) ---- */

/* A header is built in a GByteArray: _begin leaves room for the prefix, the format appends its
 * body with _put_*, _end fills in the prefix and appends the body's CRC. */
void tpo_container_header_begin(GByteArray *b);
void tpo_container_header_put_u32(GByteArray *b, uint32_t v);
void tpo_container_header_put_u64(GByteArray *b, uint64_t v);
void tpo_container_header_put_string(GByteArray *b, const char *s); /* u32 length, bytes */
void tpo_container_header_end(GByteArray *b, const char *magic, uint32_t version);

/* Fills the 20-byte chunk header h for a payload of len bytes holding count items. */
void tpo_container_put_chunk_header(uint8_t *h, uint8_t type, uint32_t len, uint32_t count,
				    const uint8_t *payload);

/* Writes n bytes at the file offset at (or at the file position, at < 0), retrying short writes
 * and EINTR; returns 0 or an errno value (ENOSPC for a write that wrote nothing). */
int tpo_container_write_all(int fd, const void *buf, size_t n, off_t at);

/* ---- reading (container_read.c) ---- */

/* Buffered reading of a file: its bytes buf[beg, end) are at file offset off. */
typedef struct tpo_container_reader {
	int fd;
	GQuark domain;   /* errors are set in this domain, with TPO_CONTAINER_ERROR_* codes */
	const char *what; /* "trace", "tape": for "not a 3PO trace" */
	uint8_t *buf;
	size_t cap, beg, end;
	uint64_t off;
	gboolean eof;
} tpo_container_reader;

void tpo_container_reader_init(tpo_container_reader *c, int fd, GQuark domain, const char *what);
void tpo_container_reader_free(tpo_container_reader *c); /* closes the fd */
/* Makes at least need bytes available at tpo_container_data(c) if the file has them; returns how
 * many are (fewer at end of file), or -1 on a read error (*err set). */
ssize_t tpo_container_fill(tpo_container_reader *c, size_t need, GError **err);
void tpo_container_consume(tpo_container_reader *c, size_t n);

static inline const uint8_t *tpo_container_data(const tpo_container_reader *c)
{
	return c->buf + c->beg;
}

/* Bounded decoding of a header body. */
typedef struct tpo_container_cursor {
	const uint8_t *p, *end;
	const char *why; /* what went wrong, after a FALSE */
} tpo_container_cursor;

gboolean tpo_container_cur_u32(tpo_container_cursor *c, uint32_t *v);
gboolean tpo_container_cur_u64(tpo_container_cursor *c, uint64_t *v);
/* A u32 length and that many bytes, no NUL, at most max_len: a new string. */
gboolean tpo_container_cur_string(tpo_container_cursor *c, uint32_t max_len, char **s);

/* What a format tells the container about its file header. */
typedef struct tpo_container_format {
	const char *magic;          /* TPO_FILE_MAGIC_LEN bytes */
	uint32_t oldest, version;   /* the versions read through the container */
	uint32_t max_header;        /* largest header body accepted */
	/* decodes the body (ctx is the caller's): FALSE with c->why and c->p at the fault */
	gboolean (*parse_header)(void *ctx, uint32_t version, tpo_container_cursor *c);
} tpo_container_format;

/* Reads the file header at offset 0: the prefix (magic, CRC, version), the body (length, CRC),
 * decoded by f->parse_header; consumes it. FALSE with *err set. */
gboolean tpo_container_read_header(tpo_container_reader *c, const tpo_container_format *f, void *ctx,
				   GError **err);

typedef struct tpo_container_chunk {
	uint8_t type;
	uint32_t len, count, crc;
	uint64_t off;           /* file offset of the chunk header */
	size_t total;           /* header and payload */
	const uint8_t *payload; /* after tpo_container_read_payload, inside c's buffer */
} tpo_container_chunk;

/* Reads the chunk header at the current offset: checks its length, CRC and magic and the
 * payload length against max_len. Returns 1, 0 when the file ends right here (no byte), or -1
 * (*err set). */
int tpo_container_read_chunk_header(tpo_container_reader *c, uint32_t max_len,
				    tpo_container_chunk *ch, GError **err);
/* Then its payload: checks it is all there and its CRC. The caller consumes ch->total. */
gboolean tpo_container_read_payload(tpo_container_reader *c, tpo_container_chunk *ch, GError **err);

#endif
