/* trace_codec.h — what the .3pt writer and reader share beyond the container (container.h: file
 * prefix, chunk framing, CRC, varints, little-endian fields): the trace's magic, chunk types,
 * record tags and limits. The payloads they code are documented in docs/trace-format.md. */
#ifndef TPO_TRACE_CODEC_H
#define TPO_TRACE_CODEC_H

#include "container.h"

/* File header. */
#define TPO_FILE_MAGIC "3POTRACE"    /* 8 bytes, no NUL */
#define TPO_HEADER_MAX_BODY (64u << 20)

/* Chunks (the 4th byte of the container's chunk header is the type). */
#define TPO_CHUNK_EVENTS 'E'
#define TPO_CHUNK_FOOTER 'F'
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

/* log2 of a power-of-two page size, or -1 if it is not one. */
static inline int tpo_page_shift(uint32_t page_size)
{
	if (page_size == 0 || (page_size & (page_size - 1)) != 0)
		return -1;
	return __builtin_ctz(page_size);
}

#endif
