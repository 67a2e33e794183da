/* container_crc.c — the two reflected CRC-32s the file formats use, one table-driven
 * slicing-by-8 implementation parametrised by the polynomial: CRC-32C (Castagnoli), the
 * container's, and CRC-32 (IEEE 802.3, as zlib's crc32), which only the legacy tapes carry.
 * Each polynomial's eight 256-entry tables are built once, on first use. */
#include "container.h"

typedef struct crc_tables {
	uint32_t poly;
	gsize ready;
	uint32_t t[8][256];
} crc_tables;

static crc_tables castagnoli = { .poly = 0x82F63B78u };
static crc_tables ieee = { .poly = 0xEDB88320u };

static void build(crc_tables *c)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t v = i;
		for (int k = 0; k < 8; k++)
			v = (v & 1) ? (v >> 1) ^ c->poly : v >> 1;
		c->t[0][i] = v;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++)
			c->t[k][i] = (c->t[k - 1][i] >> 8) ^ c->t[0][c->t[k - 1][i] & 0xff];
}

static uint32_t crc32_sliced(crc_tables *c, uint32_t crc, const uint8_t *p, size_t len)
{
	if (g_once_init_enter(&c->ready)) {
		build(c);
		g_once_init_leave(&c->ready, 1);
	}
	const uint32_t (*t)[256] = c->t;
	crc = ~crc;
	while (len >= 8) {
		uint32_t a = crc ^ tpo_get_le32(p), b = tpo_get_le32(p + 4);
		crc = t[7][a & 0xff] ^ t[6][(a >> 8) & 0xff] ^ t[5][(a >> 16) & 0xff] ^ t[4][a >> 24] ^
		      t[3][b & 0xff] ^ t[2][(b >> 8) & 0xff] ^ t[1][(b >> 16) & 0xff] ^ t[0][b >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

uint32_t tpo_crc32c(uint32_t crc, const void *buf, size_t len)
{
	return crc32_sliced(&castagnoli, crc, buf, len);
}

uint32_t tpo_crc32_ieee(uint32_t crc, const void *buf, size_t len)
{
	return crc32_sliced(&ieee, crc, buf, len);
}
