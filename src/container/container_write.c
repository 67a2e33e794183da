/* container_write.c — the writing half of the container (container.h): a file header (prefix
 * and CRC-checked body) built in memory, chunk headers, and writing bytes out whole. */
#include "container.h"

#include <errno.h>
#include <unistd.h>

void tpo_container_header_begin(GByteArray *b)
{
	static const uint8_t room[TPO_FILE_PREFIX_LEN];
	g_byte_array_set_size(b, 0);
	g_byte_array_append(b, room, sizeof room);
}

void tpo_container_header_put_u32(GByteArray *b, uint32_t v)
{
	uint8_t le[4];
	tpo_put_le32(le, v);
	g_byte_array_append(b, le, 4);
}

void tpo_container_header_put_u64(GByteArray *b, uint64_t v)
{
	uint8_t le[8];
	tpo_put_le64(le, v);
	g_byte_array_append(b, le, 8);
}

void tpo_container_header_put_string(GByteArray *b, const char *s)
{
	size_t n = strlen(s);
	tpo_container_header_put_u32(b, (uint32_t)n);
	g_byte_array_append(b, (const guint8 *)s, (guint)n);
}

void tpo_container_header_end(GByteArray *b, const char *magic, uint32_t version)
{
	uint32_t body = b->len - TPO_FILE_PREFIX_LEN;
	memcpy(b->data, magic, TPO_FILE_MAGIC_LEN);
	tpo_put_le32(b->data + 8, version);
	tpo_put_le32(b->data + 12, body);
	tpo_put_le32(b->data + 16, tpo_crc32c(0, b->data, 16));
	tpo_container_header_put_u32(b, tpo_crc32c(0, b->data + TPO_FILE_PREFIX_LEN, body));
}

void tpo_container_put_chunk_header(uint8_t *h, uint8_t type, uint32_t len, uint32_t count,
				    const uint8_t *payload)
{
	memcpy(h, TPO_CHUNK_MAGIC, 3);
	h[3] = type;
	tpo_put_le32(h + 4, len);
	tpo_put_le32(h + 8, count);
	tpo_put_le32(h + 12, tpo_crc32c(0, payload, len));
	tpo_put_le32(h + 16, tpo_crc32c(0, h, 16));
}

int tpo_container_write_all(int fd, const void *buf, size_t n, off_t at)
{
	const uint8_t *p = buf;
	while (n > 0) {
		ssize_t k = at >= 0 ? pwrite(fd, p, n, at) : write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? errno : ENOSPC;
		p += k;
		n -= (size_t)k;
		if (at >= 0)
			at += k;
	}
	return 0;
}
