/* tape_legacy.c — LEGACY: reads tapes of versions 1 and 2, written before tapes used the
 * container (version 3). Their header is the same fields as version 3 behind a 16-byte start
 * (magic, version, header size) and ends in an IEEE CRC-32; their chunks are "TPCK", payload
 * length, entry count and one IEEE CRC-32 over those two and the payload; their end record is
 * "TPND" and three counts. The payloads are the same entries as version 3's, decoded by
 * tape_reader.c. Nothing writes these versions any more. */
#include "tape_codec.h"

#define LEGACY_HEADER_START 16u  /* magic, version, header size */
#define LEGACY_FIXED_V1 92u      /* bytes before the strings in version 1 (no microset) */
#define LEGACY_FIXED_V2 96u
#define LEGACY_CHUNK_MAGIC 0x4b435054u /* "TPCK" */
#define LEGACY_END_MAGIC 0x444e5054u   /* "TPND" */
#define LEGACY_CHUNK_HEADER 16u
#define LEGACY_END_SIZE 32u

gboolean tpo_tape_is_legacy(const uint8_t *b, size_t n)
{
	if (n < 12 || memcmp(b, TPO_TAPE_MAGIC, TPO_FILE_MAGIC_LEN) != 0)
		return FALSE;
	uint32_t version = tpo_get_le32(b + 8);
	return version == 1 || version == 2;
}

/* Reads the whole header (hsize bytes) into the buffer and checks its size and CRC. */
static gboolean legacy_header_bytes(tpo_container_reader *io, const char *path, uint32_t *hsize,
				    GError **err)
{
	ssize_t got = tpo_container_fill(io, LEGACY_FIXED_V1, err);
	if (got < 0)
		return FALSE;
	if ((size_t)got < LEGACY_FIXED_V1) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_TRUNCATED, "%s: header truncated at byte %zd",
			    path, got);
		return FALSE;
	}
	const uint8_t *b = tpo_container_data(io);
	uint32_t version = tpo_get_le32(b + 8);
	*hsize = tpo_get_le32(b + 12);
	size_t fixed = version == 1 ? LEGACY_FIXED_V1 : LEGACY_FIXED_V2;
	if (*hsize < fixed + 8 || *hsize > TPO_TAPE_MAX_HEADER) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_FORMAT, "%s: bad header size %u", path, *hsize);
		return FALSE;
	}
	got = tpo_container_fill(io, *hsize, err);
	if (got < 0)
		return FALSE;
	if ((size_t)got < *hsize) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_TRUNCATED,
			    "%s: header truncated at byte %zd (its size is %u)", path, got, *hsize);
		return FALSE;
	}
	b = tpo_container_data(io);
	if (tpo_crc32_ieee(0, b, *hsize - 4) != tpo_get_le32(b + *hsize - 4)) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_CRC, "%s: header CRC mismatch (bytes 0 to %u)",
			    path, *hsize);
		return FALSE;
	}
	return TRUE;
}

gboolean tpo_tape_legacy_header(tpo_container_reader *io, const char *path, tpo_tape_header *h,
				GError **err)
{
	uint32_t hsize;
	if (!legacy_header_bytes(io, path, &hsize, err))
		return FALSE;
	const uint8_t *b = tpo_container_data(io);
	h->version = tpo_get_le32(b + 8);
	tpo_container_cursor c = { .p = b + LEGACY_HEADER_START, .end = b + hsize - 4 };
	if (!tpo_tape_parse_fields(&c, h, h->version != 1)) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_FORMAT, "%s: malformed header (bytes 0 to %u)",
			    path, hsize);
		return FALSE;
	}
	tpo_container_consume(io, hsize);
	return TRUE;
}

/* The end record: its CRC checked, its counts into s. */
static int legacy_end(tpo_container_reader *io, const char *path, tpo_tape_span *s, GError **err)
{
	ssize_t got = tpo_container_fill(io, LEGACY_END_SIZE, err);
	if (got < 0)
		return -1;
	if ((size_t)got < LEGACY_END_SIZE) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_TRUNCATED,
			    "%s: truncated end record at byte %" G_GUINT64_FORMAT, path, io->off);
		return -1;
	}
	const uint8_t *e = tpo_container_data(io);
	if (tpo_crc32_ieee(0, e + 4, 24) != tpo_get_le32(e + 28)) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_CRC,
			    "%s: end record CRC mismatch at byte %" G_GUINT64_FORMAT, path, io->off);
		return -1;
	}
	*s = (tpo_tape_span){ .end = TRUE, .total = LEGACY_END_SIZE, .entries = tpo_get_le64(e + 4),
			      .fetches = tpo_get_le64(e + 12), .evictions = tpo_get_le64(e + 20) };
	return 1;
}

/* A "TPCK" chunk: its header checked, its payload there and its CRC right. */
static int legacy_chunk(tpo_container_reader *io, const char *path, tpo_tape_span *s, GError **err)
{
	ssize_t got = tpo_container_fill(io, LEGACY_CHUNK_HEADER, err);
	if (got < 0)
		return -1;
	const uint8_t *c = tpo_container_data(io);
	if ((size_t)got < LEGACY_CHUNK_HEADER) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_TRUNCATED,
			    "%s: truncated chunk at byte %" G_GUINT64_FORMAT, path, io->off);
		return -1;
	}
	uint32_t len = tpo_get_le32(c + 4), n = tpo_get_le32(c + 8);
	if (len > TPO_TAPE_CHUNK_MAX || n == 0 || n > len) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_FORMAT,
			    "%s: bad chunk header at byte %" G_GUINT64_FORMAT, path, io->off);
		return -1;
	}
	got = tpo_container_fill(io, LEGACY_CHUNK_HEADER + (size_t)len, err);
	if (got < 0)
		return -1;
	if ((size_t)got < LEGACY_CHUNK_HEADER + (size_t)len) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_TRUNCATED,
			    "%s: truncated chunk at byte %" G_GUINT64_FORMAT, path, io->off);
		return -1;
	}
	c = tpo_container_data(io);
	if (tpo_crc32_ieee(tpo_crc32_ieee(0, c + 4, 8), c + LEGACY_CHUNK_HEADER, len) != tpo_get_le32(c + 12)) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_CRC,
			    "%s: chunk CRC mismatch at byte %" G_GUINT64_FORMAT, path, io->off);
		return -1;
	}
	*s = (tpo_tape_span){ .payload = c + LEGACY_CHUNK_HEADER, .len = len, .count = n,
			      .total = LEGACY_CHUNK_HEADER + (size_t)len };
	return 1;
}

int tpo_tape_legacy_next(tpo_container_reader *io, const char *path, tpo_tape_span *s, GError **err)
{
	ssize_t got = tpo_container_fill(io, 4, err);
	if (got < 0)
		return -1;
	if (got == 0)
		return 0;
	if (got < 4) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_TRUNCATED,
			    "%s: truncated chunk at byte %" G_GUINT64_FORMAT, path, io->off);
		return -1;
	}
	uint32_t magic = tpo_get_le32(tpo_container_data(io));
	if (magic == LEGACY_END_MAGIC)
		return legacy_end(io, path, s, err);
	if (magic != LEGACY_CHUNK_MAGIC) {
		g_set_error(err, TPO_TAPE_ERROR, TPO_TAPE_ERROR_FORMAT,
			    "%s: bad chunk magic at byte %" G_GUINT64_FORMAT, path, io->off);
		return -1;
	}
	return legacy_chunk(io, path, s, err);
}
