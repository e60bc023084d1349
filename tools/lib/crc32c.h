/* SPDX-License-Identifier: GPL-2.0 */
/*
 * crc32c: CRC-32C (Castagnoli) as blklock's on-disk format uses it, for
 * the user-space tools (Documentation/blklock/disk-format.rst).
 */
#ifndef BLKLOCK_CRC32C_H
#define BLKLOCK_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * crc32c() - CRC-32C of @len bytes at @p: reflected, initial value and
 * final xor ~0, as in iSCSI; crc32c("123456789") is 0xe3069283.
 */
uint32_t crc32c(const void *p, size_t len);

#endif
