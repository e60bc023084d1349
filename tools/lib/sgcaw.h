/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sgcaw: one SCSI COMPARE AND WRITE (SBC opcode 0x89) of one logical
 * block from user space through SG_IO, for the tests and benchmarks.
 */
#ifndef BLKLOCK_SGCAW_H
#define BLKLOCK_SGCAW_H

#include <stdint.h>

#define SGCAW_OK		0	/* compared equal and written */
#define SGCAW_MISCOMPARE	1	/* sense key MISCOMPARE: nothing written */

/*
 * sg_caw() - COMPARE AND WRITE of the block at @lba
 * @fd:		an open SCSI disk (sd or sg), read-write
 * @lba:	logical block address
 * @buf:	2 * @bs bytes: the compare image, then the write image
 * @bs:		logical block size
 * @timeout_ms:	command timeout
 *
 * Return: SGCAW_OK, SGCAW_MISCOMPARE, or -1 with errno set (EIO for a
 * failure the target or the transport reported).
 */
int sg_caw(int fd, uint64_t lba, const void *buf, uint32_t bs,
	   unsigned int timeout_ms);

#endif
