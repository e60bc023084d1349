// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: writing a new lockspace (BLKLOCK_IOC_FORMAT).
 *
 * Block 0 is first cleared with COMPARE AND WRITE (which also proves the
 * target supports it), then the heartbeat slots and the lock records are
 * written, and the header last, so an interrupted format leaves a disk
 * no node attaches to.  A lockspace is never overwritten while nodes
 * heartbeat in it, even when forced: they would go on trusting records
 * that vanish, and the fencing tokens would start again from 0.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uuid.h>

#include "blklock.h"

/* Exclusive-open holder of a disk being formatted. */
static char blklock_format_holder;

/* The three regions format writes, in this order. */
enum blklock_region {
	BLKLOCK_REGION_SLOTS,		/* empty heartbeat slots */
	BLKLOCK_REGION_REQUESTS,	/* request blocks: all zero, none yet */
	BLKLOCK_REGION_RECORDS,		/* free lock records */
};

static const char *const blklock_region_names[] = {
	[BLKLOCK_REGION_SLOTS] = "heartbeat slots",
	[BLKLOCK_REGION_REQUESTS] = "request blocks",
	[BLKLOCK_REGION_RECORDS] = "lock records",
};

/* Block number @i of a region (slot of node i + 1, lock i), into @blk. */
static void blklock_region_block(enum blklock_region kind, u32 i, void *blk,
				 u32 bs)
{
	struct blklock_hbrec hb = { .node_id = i + 1 };
	struct blklock_rec r = { .lock = i };

	if (kind == BLKLOCK_REGION_SLOTS)
		blklock_hb_encode(&hb, blk, bs);
	else if (kind == BLKLOCK_REGION_RECORDS)
		blklock_rec_encode(&r, blk, bs);
	else
		memset(blk, 0, bs);
}

/* Write the @nr blocks of region @kind from device block @lba. */
static int blklock_write_region(struct blklock_disk *d,
				enum blklock_region kind, u32 nr, u64 lba)
{
	u32 per = d->max_xfer_blocks, i, j, n;
	struct blklock_cmd_result res;
	char why[64];
	void *buf;

	buf = kvmalloc(per * d->block_size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < nr; i += n) {
		n = min(per, nr - i);
		for (j = 0; j < n; j++)
			blklock_region_block(kind, i + j,
					     buf + j * d->block_size,
					     d->block_size);
		blklock_disk_write(d, lba + i, n, buf, &res);
		if (res.status != BLKLOCK_CMD_OK) {
			blklock_describe_result(&res, why, sizeof(why));
			pr_err("%s: format failed writing %s at block %llu: %s; the disk is left without a lockspace header\n",
			       d->name, blklock_region_names[kind],
			       d->lba_offset + lba + i, why);
			kvfree(buf);
			return res.error;
		}
	}
	kvfree(buf);
	return 0;
}

/* COMPARE AND WRITE of block 0 from @old to @new (each one block). */
static int blklock_swap_block0(struct blklock_disk *d, const void *old,
			       const void *new)
{
	struct blklock_cmd_result res;
	char why[64];
	void *buf;

	buf = kmalloc(2 * d->block_size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, old, d->block_size);
	memcpy(buf + d->block_size, new, d->block_size);
	blklock_disk_caw(d, 0, buf, 0, false, &res);
	kfree(buf);
	if (res.status == BLKLOCK_CMD_OK)
		return 0;
	if (res.status == BLKLOCK_CMD_MISCOMPARE) {
		pr_err("%s: block 0 changed while formatting (another formatter?); stopped\n",
		       d->name);
		return -ESTALE;
	}
	blklock_describe_result(&res, why, sizeof(why));
	if (res.error == -EOPNOTSUPP)
		pr_err("%s does not support COMPARE AND WRITE: the target answered %s; not formatting it\n",
		       d->name, why);
	else
		pr_err("%s: COMPARE AND WRITE of block 0 failed: %s\n",
		       d->name, why);
	return res.error;
}

/* The raw heartbeat slots of the lockspace @h on @d, into @buf. */
static int blklock_format_read_slots(struct blklock_disk *d,
				     const struct blklock_header *h, void *buf)
{
	struct blklock_cmd_result res;

	blklock_disk_read(d, h->hb_lba, h->max_node_id, buf, &res);
	return res.status == BLKLOCK_CMD_OK ? 0 : res.error;
}

/* Slots of @buf that a node uses and did not leave. */
static u32 blklock_format_slots_used(struct blklock_disk *d,
				     const struct blklock_header *h,
				     const void *buf)
{
	struct blklock_hbrec hb;
	u32 i, used = 0;

	for (i = 0; i < h->max_node_id; i++)
		if (!blklock_hb_decode(buf + i * d->block_size, d->block_size,
				       h->version, i + 1, &hb) &&
		    hb.incarnation && !(hb.flags & BLKLOCK_HB_DETACHED))
			used++;
	return used;
}

/*
 * Before overwriting the lockspace whose header is @blk0: watch its
 * heartbeat slots for a lease and an interval; -EBUSY if any moves.
 */
static int blklock_format_watch(struct blklock_disk *d, const char *path,
				const void *blk0)
{
	u32 bs = d->block_size, i, used;
	struct blklock_header h;
	void *before, *after;
	int ret;

	if (blklock_header_decode(blk0, bs, &h) ||
	    blklock_header_check(&h, bs, d->nr_blocks))
		return 0;
	before = kvmalloc_array(2 * h.max_node_id, bs, GFP_KERNEL);
	if (!before)
		return -ENOMEM;
	after = before + h.max_node_id * bs;
	ret = blklock_format_read_slots(d, &h, before);
	used = ret ? 0 : blklock_format_slots_used(d, &h, before);
	if (used) {
		pr_notice("%s: lockspace %pU has %u heartbeat slots in use: watching them for %u ms before overwriting it\n",
			  d->name, h.uuid, used,
			  h.lease_timeout_ms + h.hb_interval_ms);
		if (msleep_interruptible(h.lease_timeout_ms + h.hb_interval_ms))
			ret = -EINTR;
		else
			ret = blklock_format_read_slots(d, &h, after);
	}
	for (i = 0; used && !ret && i < h.max_node_id; i++) {
		if (!memcmp(before + i * bs, after + i * bs, bs))
			continue;
		pr_err("not formatting %s: node %u is heartbeating in lockspace %pU (its slot changed while this host watched it)\n",
		       path, i + 1, h.uuid);
		ret = -EBUSY;
	}
	kvfree(before);
	return ret;
}

/**
 * blklock_format_disk() - write an empty lockspace onto a disk
 * @path:	the disk
 * @f:		the checked BLKLOCK_IOC_FORMAT argument: locks, flags, uuid
 *		(all zero for a random one), heartbeat slots and timings
 *		(0 for the defaults)
 *
 * Refuses, unless forced, a disk whose first blocks carry a known
 * signature.  Block 0 is first cleared with COMPARE AND WRITE (which
 * also proves the target supports it), then the heartbeat slots, the
 * request blocks and the lock records are written, and the header last,
 * so an interrupted format leaves a disk no node attaches to.
 *
 * Return: 0 or a negative errno, with a dmesg line saying why.
 */
int blklock_format_disk(const char *path, const struct blklock_format *f)
{
	struct blklock_header h = {
		.version = BLKLOCK_FORMAT_VERSION,
		.nr_locks = f->nr_locks,
		.max_node_id = f->max_node_id ?: BLKLOCK_MAX_NODE_ID,
		.hb_interval_ms = f->hb_interval_ms ?: READ_ONCE(blklock_hb_interval_ms),
		.lease_timeout_ms = f->lease_timeout_ms ?:
				    READ_ONCE(blklock_lease_timeout_ms),
		.hb_lba = 1,
		.created = ktime_get_real_seconds(),
	};
	u32 nr_locks = f->nr_locks, flags = f->flags;
	const u8 *uuid = f->uuid;
	struct blklock_cmd_result res;
	struct blklock_disk *d;
	void *scan = NULL, *hdr = NULL;
	const char *sig;
	u32 scan_blocks;
	char why[64];
	int ret;

	h.req_lba = h.hb_lba + h.max_node_id;
	h.lock_lba = h.req_lba + h.max_node_id;
	if (!blklock_lease_timing_valid(h.hb_interval_ms, h.lease_timeout_ms)) {
		pr_err("not formatting %s: heartbeat %u ms and lease %u ms do not fit (interval 100..60000 ms, lease at least 4 intervals, at most 600000 ms)\n",
		       path, h.hb_interval_ms, h.lease_timeout_ms);
		return -EINVAL;
	}
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	ret = blklock_disk_open(path, &blklock_format_holder, d);
	if (ret) {
		if (ret == -EBUSY)
			pr_err("not formatting %s: it is in use (an attached lockspace, a mounted filesystem or another exclusive user)\n",
			       path);
		else if (ret != -EOPNOTSUPP)
			pr_err("not formatting %s: open failed with error %d\n",
			       path, ret);
		kfree(d);
		return ret;
	}
	if (d->nr_blocks < h.lock_lba + nr_locks) {
		pr_err("not formatting %s: %u heartbeat slots, as many request blocks and %u locks need %llu blocks of %u bytes, the device has %llu\n",
		       path, h.max_node_id, nr_locks, h.lock_lba + nr_locks,
		       d->block_size, d->nr_blocks);
		ret = -ENOSPC;
		goto out;
	}
	scan_blocks = min_t(u64, BLKLOCK_SIGNATURE_SCAN_BYTES / d->block_size,
			    d->nr_blocks);
	scan = kvmalloc(scan_blocks * d->block_size, GFP_KERNEL);
	hdr = kzalloc(d->block_size, GFP_KERNEL);
	if (!scan || !hdr) {
		ret = -ENOMEM;
		goto out;
	}
	blklock_disk_read(d, 0, scan_blocks, scan, &res);
	if (res.status != BLKLOCK_CMD_OK) {
		blklock_describe_result(&res, why, sizeof(why));
		pr_err("not formatting %s: reading its first blocks failed: %s\n",
		       path, why);
		ret = res.error;
		goto out;
	}
	ret = blklock_refuse_attached(d, path, scan);
	if (!ret)
		ret = blklock_format_watch(d, path, scan);
	if (ret)
		goto out;
	sig = blklock_detect_signature(scan, scan_blocks * d->block_size,
				       d->block_size);
	if (sig && !(flags & BLKLOCK_FORMAT_FORCE)) {
		pr_err("not formatting %s: it carries %s (force overrides)\n",
		       path, sig);
		ret = -EEXIST;
		goto out;
	}
	if (sig)
		pr_warn("%s: overwriting %s, as forced\n", d->name, sig);

	/* Clear block 0: the disk is no lockspace until the header lands. */
	ret = blklock_swap_block0(d, scan, hdr);
	if (ret)
		goto out;
	ret = blklock_write_region(d, BLKLOCK_REGION_SLOTS, h.max_node_id,
				   h.hb_lba);
	if (!ret)
		ret = blklock_write_region(d, BLKLOCK_REGION_REQUESTS,
					   h.max_node_id, h.req_lba);
	if (!ret)
		ret = blklock_write_region(d, BLKLOCK_REGION_RECORDS, nr_locks,
					   h.lock_lba);
	if (ret)
		goto out;

	h.block_size = d->block_size;
	if (memchr_inv(uuid, 0, sizeof(h.uuid)))
		memcpy(h.uuid, uuid, sizeof(h.uuid));
	else
		generate_random_uuid(h.uuid);
	/* scan's first block becomes the all-zero compare image. */
	memset(scan, 0, d->block_size);
	blklock_header_encode(&h, hdr, d->block_size);
	ret = blklock_swap_block0(d, scan, hdr);
	if (!ret)
		pr_info("%s: formatted lockspace %pU: %u locks of %u bytes from block %llu, %u heartbeat slots, heartbeat %u ms, lease %u ms\n",
			d->name, h.uuid, nr_locks, d->block_size,
			d->lba_offset + h.lock_lba, h.max_node_id,
			h.hb_interval_ms, h.lease_timeout_ms);
out:
	kfree(hdr);
	kvfree(scan);
	blklock_disk_close(d);
	kfree(d);
	return ret;
}
