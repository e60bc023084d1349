// SPDX-License-Identifier: GPL-2.0
/*
 * abi-sizes: print the size and field offsets of every structure and the
 * number of every ioctl in <linux/blklock.h>.  Built as a 64-bit and as a
 * 32-bit (-m32) program, the two outputs must be identical: then 32-bit
 * callers need no translation (compat_ioctl can pass arguments through).
 */
#include <stddef.h>
#include <stdio.h>

#include <linux/blklock.h>

#define S(t) printf("struct %-22s size %3zu\n", #t, sizeof(struct t))
#define F(t, f) printf("  %-22s %-18s offset %3zu size %2zu\n", #t, #f, \
		       offsetof(struct t, f), sizeof(((struct t *)0)->f))
#define I(n) printf("%-22s 0x%08lx\n", #n, (unsigned long)(n))

int main(void)
{
	S(blklock_attach);
	F(blklock_attach, path); F(blklock_attach, node_id);
	F(blklock_attach, flags); F(blklock_attach, reserved);
	S(blklock_format);
	F(blklock_format, path); F(blklock_format, nr_locks);
	F(blklock_format, flags); F(blklock_format, uuid);
	F(blklock_format, max_node_id); F(blklock_format, hb_interval_ms);
	F(blklock_format, lease_timeout_ms); F(blklock_format, reserved);
	S(blklock_info);
	F(blklock_info, node_id); F(blklock_info, format_version);
	F(blklock_info, block_size); F(blklock_info, nr_locks);
	F(blklock_info, lock_lba); F(blklock_info, uuid);
	F(blklock_info, disk); F(blklock_info, reserved);
	S(blklock_acquire);
	F(blklock_acquire, lock); F(blklock_acquire, flags);
	F(blklock_acquire, timeout_ms); F(blklock_acquire, reserved0);
	F(blklock_acquire, generation); F(blklock_acquire, reserved);
	S(blklock_release);
	F(blklock_release, lock); F(blklock_release, flags);
	F(blklock_release, reserved);
	S(blklock_status);
	F(blklock_status, lock); F(blklock_status, flags);
	F(blklock_status, owner); F(blklock_status, state);
	F(blklock_status, generation); F(blklock_status, reserved);
	S(blklock_validate);
	F(blklock_validate, lock); F(blklock_validate, flags);
	F(blklock_validate, generation); F(blklock_validate, reserved);
	S(blklock_disk_header);
	F(blklock_disk_header, hb_lba); F(blklock_disk_header, crc);
	S(blklock_disk_hb);
	F(blklock_disk_hb, crc);
	S(blklock_disk_lock);
	F(blklock_disk_lock, owner_incarnation); F(blklock_disk_lock, crc);
	I(BLKLOCK_IOC_ATTACH);
	I(BLKLOCK_IOC_FORMAT);
	I(BLKLOCK_IOC_INFO);
	I(BLKLOCK_IOC_ACQUIRE);
	I(BLKLOCK_IOC_RELEASE);
	I(BLKLOCK_IOC_STATUS);
	I(BLKLOCK_IOC_VALIDATE);
	return 0;
}
