/* tape_codec.h — byte-level helpers of the tape format: little-endian fields, LEB128 varints,
 * zigzag, CRC-32 (IEEE 802.3, as zlib's crc32), and the fixed layout constants. */
#ifndef TPO_TAPE_CODEC_H
#define TPO_TAPE_CODEC_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#define TPO_TAPE_MAGIC "3POTAPE"  /* 8 bytes with the NUL */
#define TPO_TAPE_FIXED_HEADER 96   /* bytes before the strings */
#define TPO_TAPE_FIXED_HEADER_V1 92 /* ... in a version 1 tape (no microset) */
#define TPO_TAPE_CHUNK_MAGIC 0x4b435054u /* "TPCK" */
#define TPO_TAPE_END_MAGIC 0x444e5054u   /* "TPND" */
#define TPO_TAPE_CHUNK_HEADER 16
#define TPO_TAPE_END_SIZE 32
#define TPO_TAPE_CHUNK_TARGET (64u << 10)  /* a chunk is written once its payload reaches this */
#define TPO_TAPE_CHUNK_MAX (64u << 20)     /* readers reject larger payloads */
#define TPO_TAPE_MAX_HEADER (16u << 20)

uint32_t tpo_tape_crc32(uint32_t crc, const void *buf, size_t len);

static inline void tpo_tape_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline void tpo_tape_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t tpo_tape_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t tpo_tape_get64(const uint8_t *p)
{
	return (uint64_t)tpo_tape_get32(p) | (uint64_t)tpo_tape_get32(p + 4) << 32;
}

/* Writes v as LEB128 (at most 10 bytes); returns bytes written. */
static inline size_t tpo_tape_put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Reads a LEB128 value from [*p, end); returns 0 on overrun or overlong encoding. */
static inline int tpo_tape_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;
	unsigned shift = 0;
	const uint8_t *q = *p;
	while (q < end) {
		uint8_t b = *q++;
		if (shift == 63 && b > 1)
			return 0;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*p = q;
			*v = r;
			return 1;
		}
		shift += 7;
		if (shift > 63)
			return 0;
	}
	return 0;
}

static inline uint64_t tpo_tape_zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t tpo_tape_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

#endif
