/* tape_codec.c — CRC-32 for the tape format (IEEE 802.3 / zlib: reflected polynomial 0xEDB88320),
 * slicing-by-8. */
#include "tape_codec.h"

#include <glib.h>

static uint32_t table[8][256];

static void make_tables(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
}

uint32_t tpo_tape_crc32(uint32_t crc, const void *buf, size_t len)
{
	static gsize ready;
	if (g_once_init_enter(&ready)) {
		make_tables();
		g_once_init_leave(&ready, 1);
	}
	const uint8_t *p = buf;
	crc = ~crc;
	while (len >= 8) {
		uint32_t a = crc ^ tpo_tape_get32(p), b = tpo_tape_get32(p + 4);
		crc = table[7][a & 0xff] ^ table[6][(a >> 8) & 0xff] ^ table[5][(a >> 16) & 0xff] ^
		      table[4][a >> 24] ^ table[3][b & 0xff] ^ table[2][(b >> 8) & 0xff] ^
		      table[1][(b >> 16) & 0xff] ^ table[0][b >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
