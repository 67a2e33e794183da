/* trace_codec.h — private encoding helpers shared by the .3pt writer and reader: the format's
 * constants (magics, record tags, limits), LEB128 varints, zigzag, little-endian fixed fields and
 * CRC-32C. The byte layout they implement is documented in docs/trace-format.md. */
#ifndef TPO_TRACE_CODEC_H
#define TPO_TRACE_CODEC_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

/* File header. */
#define TPO_FILE_MAGIC "3POTRACE"    /* 8 bytes, no NUL */
#define TPO_FILE_MAGIC_LEN 8u
#define TPO_FILE_PREFIX_LEN 20u      /* magic, version, body length, CRC of those */
#define TPO_HEADER_MAX_BODY (64u << 20)

/* Chunks. */
#define TPO_CHUNK_MAGIC "3PC"        /* 3 bytes; the 4th is the chunk type */
#define TPO_CHUNK_EVENTS 'E'
#define TPO_CHUNK_FOOTER 'F'
#define TPO_CHUNK_HEADER_LEN 20u
#define TPO_CHUNK_TARGET (64u << 10) /* the writer closes a chunk once it holds this much */
#define TPO_CHUNK_MAX_PAYLOAD (16u << 20)
#define TPO_FOOTER_LEN 56u

/* Limits on one event. */
#define TPO_MAX_STRING (1u << 20)    /* region name, exec path, header strings */
#define TPO_MAX_DEPTH 4096u          /* call chain entries */

/* Record tags (the first byte of every record):
 *   1jjddddd  short access: page = head[j] + zigzag(ddddd), a delta in [-16, 15] pages; same tid
 *             and ip as before, no chain; a time delta varint follows
 *   01xcitjj  long access from head[j]: t = a new tid follows, i = a new ip (delta), c = a call
 *             chain; x must be 0
 *   00xxtTTT  any other event, type TTT (1, 2, 4-7): t = a new tid follows; xx must be 0
 *   00kkk000  meta record of kind kkk (0 = set the time base); no event
 * Page numbers are coded against one of TPO_HEADS "heads" (the last page of up to four
 * interleaved streams, e.g. the arrays of a matrix product); the writer picks the head. */
#define TPO_HEADS 4u
#define TPO_TAG_SHORT 0x80u
#define TPO_TAG_SHORT_HEAD(t) (((t) >> 5) & 3u)
#define TPO_TAG_SHORT_DELTA(t) ((t) & 0x1fu)   /* zigzag coded */
#define TPO_SHORT_MIN (-16)
#define TPO_SHORT_MAX 15
#define TPO_TAG_ACCESS 0x40u                    /* long access */
#define TPO_TAG_ACCESS_HEAD(t) ((t) & 3u)
#define TPO_TAG_ACCESS_TID 0x04u
#define TPO_TAG_ACCESS_IP 0x08u
#define TPO_TAG_ACCESS_CHAIN 0x10u
#define TPO_TAG_ACCESS_RESERVED 0x20u
#define TPO_TAG_TYPE_MASK 0x07u                 /* other events */
#define TPO_TAG_TID 0x08u
#define TPO_TAG_RESERVED 0x30u
#define TPO_TAG_META_KIND(t) (((t) >> 3) & 7u)  /* type 0 */
#define TPO_META_SET_TIME 0u                    /* the absolute time base (varint) follows */

/* ---- CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-8. ---- */

/* CRC of buf[0..len) continuing from crc (start with 0). */
uint32_t tpo_crc32c(uint32_t crc, const void *buf, size_t len);

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

/* log2 of a power-of-two page size, or -1 if it is not one. */
static inline int tpo_page_shift(uint32_t page_size)
{
	if (page_size == 0 || (page_size & (page_size - 1)) != 0)
		return -1;
	return __builtin_ctz(page_size);
}

#endif
