/* tape_codec.h — what the tape writer and readers share beyond the container
 * (src/container/container.h: file prefix, chunk framing, CRC-32C, varints, little-endian
 * fields): the tape's magic, versions, chunk types and limits, the header's fields
 * (tape_header.c), and the thin reader of the legacy versions 1 and 2 (tape_legacy.c), which
 * framed the same payloads their own way. The layout is docs/tape-format.md. */
#ifndef TPO_TAPE_CODEC_H
#define TPO_TAPE_CODEC_H

#include <tpo/tape.h>

#include "container.h"

#define TPO_TAPE_MAGIC "3POTAPE"          /* 8 bytes with the NUL */
#define TPO_TAPE_CHUNK_ENTRIES 'E'        /* container chunk types */
#define TPO_TAPE_CHUNK_END 'F'
#define TPO_TAPE_END_LEN 24u              /* end chunk payload: entries, fetches, evictions */
#define TPO_TAPE_CHUNK_TARGET (64u << 10) /* a chunk is written once its payload reaches this */
#define TPO_TAPE_CHUNK_MAX (64u << 20)    /* readers reject larger payloads */
#define TPO_TAPE_MAX_HEADER (16u << 20)
#define TPO_TAPE_MAX_STRING (1u << 20)    /* program, arguments (as in a trace) */

/* ---- the header's fields (tape_header.c), the same in every version from the policy on ---- */

/* Appends the fields and strings of h (a version 3 header body). */
void tpo_tape_put_fields(GByteArray *b, const tpo_tape_header *h);
/* Reads them into h (version 1 has no microset); FALSE with c->why on a malformed header. */
gboolean tpo_tape_parse_fields(tpo_container_cursor *c, tpo_tape_header *h, gboolean has_microset);

/* ---- legacy versions 1 and 2 (tape_legacy.c): IEEE CRC-32, "TPCK" chunks, "TPND" end ---- */

/* A chunk's entries, or the end record's totals, as the reader gets them from either framing. */
typedef struct tpo_tape_span {
	gboolean end;            /* the end record/chunk: totals below */
	const uint8_t *payload;  /* entries, inside the container reader's buffer */
	uint32_t len, count;
	size_t total;            /* bytes to consume after it */
	uint64_t entries, fetches, evictions;
} tpo_tape_span;

/* Whether the file's first bytes (n of them) are a legacy tape's. */
gboolean tpo_tape_is_legacy(const uint8_t *b, size_t n);
/* Reads a legacy header into h and consumes it. */
gboolean tpo_tape_legacy_header(tpo_container_reader *io, const char *path, tpo_tape_header *h,
				GError **err);
/* Reads the next legacy chunk or end record at io's offset into s: 1, or -1 (*err set); 0 when
 * the file ends there (the caller reports it). Does not consume. */
int tpo_tape_legacy_next(tpo_container_reader *io, const char *path, tpo_tape_span *s, GError **err);

#endif
