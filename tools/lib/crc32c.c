// SPDX-License-Identifier: GPL-2.0
/* crc32c: see crc32c.h. */
#include "crc32c.h"

uint32_t crc32c(const void *p, size_t len)
{
	static uint32_t table[256];
	const uint8_t *b = p;
	uint32_t crc = ~0U;

	if (!table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = (c >> 1) ^ (0x82f63b78U & -(c & 1));
			table[i] = c;
		}
	}
	while (len--)
		crc = (crc >> 8) ^ table[(crc ^ *b++) & 0xff];
	return ~crc;
}
