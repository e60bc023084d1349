// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: SCSI commands to the shared disk.
 *
 * COMPARE AND WRITE, READ(16) and WRITE(16) travel as passthrough
 * requests (REQ_OP_DRV_OUT / REQ_OP_DRV_IN) on the disk's own request
 * queue, with a timeout and no mid-layer retries: a COMPARE AND WRITE
 * that is resent after its first copy executed reports a false
 * miscompare, so the lock logic resolves every doubtful outcome by
 * reading the block instead.  blklock waits for a command until a
 * deadline past its timeout (blklock_exec_deadline()), not until the
 * host driver gives it back: one that keeps it (virtio-scsi, a hung
 * transport) gets it abandoned, as failed by a timeout.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/wait_bit.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_proto.h>

#include "blklock.h"
#include "blklock_trace.h"

#define BLKLOCK_CDB16		16
#define BLKLOCK_CDB_FUA		0x08	/* byte 1 of READ/WRITE/COMPARE AND WRITE */
#define BLKLOCK_MAX_XFER_BYTES	(64 * 1024)

/*
 * One command in flight.  The request carries its own copy of the data,
 * so that a command blklock stopped waiting for (abandoned: its host
 * driver or transport held it past its deadline) can still complete,
 * or land, later without touching memory its caller has reused: it
 * writes exactly what was decided when it was sent.  Two references:
 * the waiter's and the completion's; the last one frees it.  An
 * abandoned command also holds a module reference until it completes,
 * since its completion runs blklock_exec_end().
 */
struct blklock_inflight {
	struct completion done;
	refcount_t ref;
	bool abandoned;
	int result;
	int error;
	unsigned int sense_len;
	u8 sense[SCSI_SENSE_BUFFERSIZE];
	void *data;
};

/* Abandoned commands not completed yet, for blklock_cmd_drain(). */
static atomic_t blklock_cmds_abandoned = ATOMIC_INIT(0);

static void blklock_inflight_put(struct blklock_inflight *c)
{
	bool abandoned;

	if (!refcount_dec_and_test(&c->ref))
		return;
	abandoned = c->abandoned;
	kvfree(c->data);
	kfree(c);
	if (!abandoned)
		return;
	/* blklock_cmd_drain() waits for this section to end. */
	rcu_read_lock();
	if (atomic_dec_and_test(&blklock_cmds_abandoned))
		wake_up_var(&blklock_cmds_abandoned);
	module_put(THIS_MODULE);
	rcu_read_unlock();
}

/**
 * blklock_cmd_drain() - wait for the commands abandoned during unload
 *
 * An abandoned command holds a module reference, so the module can be
 * unloaded only once every command abandoned before has completed; but
 * the unload itself (a detach's last write through a hung path) may
 * abandon one.  Its completion runs this module's code: wait for it.
 */
void blklock_cmd_drain(void)
{
	int n = atomic_read(&blklock_cmds_abandoned);

	if (n)
		pr_warn("unload waits for %d command(s) that a hung path still keeps\n",
			n);
	wait_var_event(&blklock_cmds_abandoned,
		       !atomic_read(&blklock_cmds_abandoned));
	synchronize_rcu();
}

/* @out: the data of a write, copied; NULL for a read. */
static struct blklock_inflight *blklock_inflight_alloc(const void *out,
						       unsigned int len)
{
	struct blklock_inflight *c = kzalloc(sizeof(*c), GFP_NOIO);

	if (!c)
		return NULL;
	c->data = kvmalloc(len, GFP_NOIO);
	if (!c->data) {
		kfree(c);
		return NULL;
	}
	if (out)
		memcpy(c->data, out, len);
	init_completion(&c->done);
	refcount_set(&c->ref, 2);
	return c;
}

static enum rq_end_io_ret blklock_exec_end(struct request *rq,
					   blk_status_t sts)
{
	struct blklock_inflight *c = rq->end_io_data;
	struct scsi_cmnd *scmd = blk_mq_rq_to_pdu(rq);

	c->result = scmd->result;
	c->error = blk_status_to_errno(sts);
	c->sense_len = min_t(unsigned int, scmd->sense_len,
			     SCSI_SENSE_BUFFERSIZE);
	memcpy(c->sense, scmd->sense_buffer, c->sense_len);
	complete(&c->done);
	blklock_inflight_put(c);
	return RQ_END_IO_FREE;
}

/*
 * Wait for @c, at most @deadline jiffies.  Return: true if it
 * completed; false if it was abandoned (it may still execute, later).
 * A command whose data had to be vmalloc'ed (a large READ when kmalloc
 * failed) is awaited to the end: the completion that frees an abandoned
 * command may run where vfree() must not.
 */
static bool blklock_exec_wait(struct blklock_inflight *c,
			      unsigned long deadline)
{
	if (wait_for_completion_timeout(&c->done, deadline) ||
	    try_wait_for_completion(&c->done))
		return true;
	if (is_vmalloc_addr(c->data)) {
		wait_for_completion(&c->done);
		return true;
	}
	__module_get(THIS_MODULE);
	atomic_inc(&blklock_cmds_abandoned);
	/* Read by the last put, ordered by refcount_dec_and_test(). */
	c->abandoned = true;
	return false;
}

static struct request *blklock_exec_rq(struct blklock_disk *d, bool write,
				       struct blklock_inflight *c,
				       unsigned int len)
{
	struct request *rq;
	int ret;

	rq = scsi_alloc_request(d->q, write ? REQ_OP_DRV_OUT : REQ_OP_DRV_IN, 0);
	if (IS_ERR(rq))
		return rq;
	ret = blk_rq_map_kern(d->q, rq, c->data, len, GFP_NOIO);
	if (ret) {
		blk_mq_free_request(rq);
		return ERR_PTR(ret);
	}
	return rq;
}

static void blklock_exec(struct blklock_disk *d, const u8 *cdb, bool write,
			 void *buf, unsigned int len, u32 timeout_ms,
			 bool hurry, struct blklock_cmd_result *res)
{
	struct blklock_inflight *c;
	struct scsi_cmnd *scmd;
	struct request *rq;
	unsigned long tmo;
	u64 start;

	c = blklock_inflight_alloc(write ? buf : NULL, len);
	if (!c) {
		blklock_cmd_fail(res, -ENOMEM);
		return;
	}
	rq = blklock_exec_rq(d, write, c, len);
	if (IS_ERR(rq)) {
		kvfree(c->data);
		kfree(c);
		blklock_cmd_fail(res, PTR_ERR(rq));
		return;
	}
	scmd = blk_mq_rq_to_pdu(rq);
	memcpy(scmd->cmnd, cdb, BLKLOCK_CDB16);
	scmd->cmd_len = BLKLOCK_CDB16;
	scmd->allowed = 0;
	tmo = msecs_to_jiffies(timeout_ms ?: READ_ONCE(blklock_io_timeout_ms));
	rq->timeout = tmo;
	/* Miscompares are expected: keep the mid-layer from logging them. */
	rq->rq_flags |= RQF_QUIET;
	rq->end_io = blklock_exec_end;
	rq->end_io_data = c;

	start = ktime_get_ns();
	blk_execute_rq_nowait(rq, false);
	if (blklock_exec_wait(c, blklock_exec_deadline(tmo, hurry))) {
		res->duration_ns = ktime_get_ns() - start;
		blklock_decode_result(c->result, c->error, c->sense,
				      c->sense_len, res);
		if (!write && res->status == BLKLOCK_CMD_OK)
			memcpy(buf, c->data, len);
	} else {
		res->duration_ns = ktime_get_ns() - start;
		blklock_cmd_abandoned(res);
		atomic64_inc(&d->abandoned);
	}
	blklock_inflight_put(c);
	trace_blklock_cmd(d->name, cdb, len, res);
}

static void blklock_build_cdb(u8 *cdb, u8 opcode, u64 lba, u32 nr, bool fua)
{
	memset(cdb, 0, BLKLOCK_CDB16);
	cdb[0] = opcode;
	if (fua)
		cdb[1] = BLKLOCK_CDB_FUA;
	put_unaligned_be64(lba, &cdb[2]);
	if (opcode == COMPARE_AND_WRITE)
		cdb[13] = nr;
	else
		put_unaligned_be32(nr, &cdb[10]);
}

/**
 * blklock_disk_caw() - COMPARE AND WRITE one logical block
 * @d:		the disk
 * @lba:	block, relative to the start of @d
 * @buf:	compare image followed by write image (2 blocks, kmalloc'ed)
 * @timeout_ms:	command timeout; 0 for io_timeout_ms
 * @hurry:	a heartbeat command that another path could carry: waited
 *		for a shorter time past its timeout (blklock_exec_deadline())
 * @res:	outcome
 */
void blklock_disk_caw(struct blklock_disk *d, u64 lba, void *buf,
		      u32 timeout_ms, bool hurry,
		      struct blklock_cmd_result *res)
{
	u8 cdb[BLKLOCK_CDB16];

	blklock_build_cdb(cdb, COMPARE_AND_WRITE, d->lba_offset + lba, 1,
			  d->fua && READ_ONCE(blklock_fua));
	blklock_exec(d, cdb, true, buf, 2 * d->block_size, timeout_ms, hurry,
		     res);
}

static void blklock_disk_rw(struct blklock_disk *d, u8 opcode, u64 lba,
			    u32 nr, void *buf, struct blklock_cmd_result *res)
{
	u64 total = 0;
	u8 cdb[BLKLOCK_CDB16];

	if (lba > d->nr_blocks || nr > d->nr_blocks - lba) {
		blklock_cmd_fail(res, -ERANGE);
		return;
	}
	while (nr) {
		u32 n = min(nr, d->max_xfer_blocks);

		blklock_build_cdb(cdb, opcode, d->lba_offset + lba, n,
				  opcode == WRITE_16 && d->fua);
		blklock_exec(d, cdb, opcode == WRITE_16, buf,
			     n * d->block_size, 0, false, res);
		total += res->duration_ns;
		if (res->status != BLKLOCK_CMD_OK)
			break;
		lba += n;
		nr -= n;
		buf += n * d->block_size;
	}
	res->duration_ns = total;
}

/**
 * blklock_disk_read() - READ(16) @nr logical blocks
 * @d:		the disk
 * @lba:	first block, relative to the start of @d
 * @nr:		number of blocks
 * @buf:	output (kmalloc'ed or vmalloc'ed), @nr blocks
 * @res:	outcome
 */
void blklock_disk_read(struct blklock_disk *d, u64 lba, u32 nr, void *buf,
		       struct blklock_cmd_result *res)
{
	blklock_disk_rw(d, READ_16, lba, nr, buf, res);
}

/**
 * blklock_disk_write() - WRITE(16) @nr logical blocks, with force unit
 *	access when the disk has a volatile cache and supports it
 * @d:		the disk
 * @lba:	first block, relative to the start of @d
 * @nr:		number of blocks
 * @buf:	data (kmalloc'ed or vmalloc'ed), @nr blocks
 * @res:	outcome
 */
void blklock_disk_write(struct blklock_disk *d, u64 lba, u32 nr, void *buf,
			struct blklock_cmd_result *res)
{
	blklock_disk_rw(d, WRITE_16, lba, nr, buf, res);
}

/**
 * blklock_disk_open() - open a SCSI disk for blklock
 * @path:	path of the block device
 * @holder:	exclusive-open holder; NULL opens it without claiming it
 *		(a path that dm-multipath holds)
 * @d:		output
 *
 * Return: 0; -EOPNOTSUPP if the device is not a SCSI disk (COMPARE AND
 * WRITE cannot reach it); -EINVAL for an open without a claim of a disk
 * nothing holds; or the error of the open.
 */
int blklock_disk_open(const char *path, void *holder, struct blklock_disk *d)
{
	struct block_device *bdev;
	struct device *parent;
	int ret;

	memset(d, 0, sizeof(*d));
	ret = blklock_bdev_open(path, holder, &d->h);
	if (ret)
		return ret;
	bdev = d->h.bdev;
	snprintf(d->name, sizeof(d->name), "%pg", bdev);
	parent = disk_to_dev(bdev->bd_disk)->parent;
	if (!parent || !scsi_is_sdev_device(parent)) {
		pr_warn("%s (%s) is not a SCSI disk: COMPARE AND WRITE cannot be sent to it\n",
			path, d->name);
		blklock_bdev_close(&d->h);
		return -EOPNOTSUPP;
	}
	if (!holder && !READ_ONCE(bdev->bd_holder)) {
		pr_warn("%s (%s) is held by no other driver: blklock opens a disk without claiming it only when dm-multipath holds it as a path\n",
			path, d->name);
		blklock_bdev_close(&d->h);
		return -EINVAL;
	}
	d->q = bdev_get_queue(bdev);
	d->devt = bdev->bd_dev;
	d->block_size = bdev_logical_block_size(bdev);
	/* Targets without a write cache refuse the FUA bit (LIO fileio does). */
	d->fua = bdev_fua(bdev);
	d->nr_blocks = bdev_nr_bytes(bdev) >> ilog2(d->block_size);
	d->lba_offset = (bdev->bd_start_sect << SECTOR_SHIFT) >> ilog2(d->block_size);
	d->max_xfer_blocks = min_t(u32, queue_max_hw_sectors(d->q) << SECTOR_SHIFT,
				   BLKLOCK_MAX_XFER_BYTES) / d->block_size;
	if (!d->max_xfer_blocks)
		d->max_xfer_blocks = 1;
	return 0;
}

/**
 * blklock_disk_lun_id() - the LUN designator the disk reported
 * @d:		the disk
 * @id:		out: the designator as a string ("naa.6001405...")
 * @len:	room in @id
 *
 * Return: its length, or a negative errno if the disk reported none
 * (VPD page 0x83 missing or without a LUN designator).
 */
int blklock_disk_lun_id(struct blklock_disk *d, char *id, size_t len)
{
	struct device *parent = disk_to_dev(d->h.bdev->bd_disk)->parent;

	return scsi_vpd_lun_id(to_scsi_device(parent), id, len);
}

/**
 * blklock_disk_close() - close a disk opened by blklock_disk_open()
 * @d:		the disk
 */
void blklock_disk_close(struct blklock_disk *d)
{
	blklock_bdev_close(&d->h);
}
