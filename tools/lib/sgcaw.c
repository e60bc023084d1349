// SPDX-License-Identifier: GPL-2.0
/*
 * sgcaw: COMPARE AND WRITE through SG_IO.
 *
 * The CDB is the 16-byte one of SBC-3 5.2: opcode 0x89, the LBA in bytes
 * 2..9, NUMBER OF LOGICAL BLOCKS in byte 13.  The data-out buffer holds
 * the verify data followed by the write data.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <scsi/sg.h>

#include "sgcaw.h"

int sg_caw(int fd, uint64_t lba, const void *buf, uint32_t bs,
	   unsigned int timeout_ms)
{
	unsigned char cdb[16] = { 0x89 }, sense[64];
	struct sg_io_hdr io;
	int i, key;

	for (i = 0; i < 8; i++)
		cdb[2 + i] = lba >> (56 - 8 * i);
	cdb[13] = 1;
	memset(&io, 0, sizeof(io));
	io.interface_id = 'S';
	io.dxfer_direction = SG_DXFER_TO_DEV;
	io.cmd_len = sizeof(cdb);
	io.cmdp = cdb;
	io.dxferp = (void *)buf;
	io.dxfer_len = 2 * bs;
	io.sbp = sense;
	io.mx_sb_len = sizeof(sense);
	io.timeout = timeout_ms;
	if (ioctl(fd, SG_IO, &io))
		return -1;
	if (!io.status && !io.host_status && !io.driver_status)
		return SGCAW_OK;
	if (io.sb_len_wr >= 3) {
		/* Fixed (0x70/0x71) or descriptor (0x72/0x73) format. */
		key = (sense[0] & 0x7f) >= 0x72 ? sense[1] & 0xf : sense[2] & 0xf;
		if (key == 0x0e)
			return SGCAW_MISCOMPARE;
	}
	errno = EIO;
	return -1;
}
