// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: taking this node id's heartbeat slot at attach, and leaving
 * it at detach.
 *
 * A slot never used, or marked left by a clean detach, is taken at once
 * with one COMPARE AND WRITE that writes a new incarnation.  A slot that
 * was not left cleanly may belong to a host still using the node id: it
 * is watched for a lease, and a change means -EADDRINUSE.  Detach marks
 * the slot left, so that the next attach of the node id need not wait.
 * The renewals in between are lease.c's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "blklock.h"

/* Read this node id's own slot; a failure is said in dmesg. */
static int blklock_claim_read(struct blklock_space *ls,
			      struct blklock_hbrec *r)
{
	int ret = blklock_read_hb(ls, ls->node_id, ls->hb_buf, r);

	if (ret)
		pr_err("%s: cannot read the heartbeat slot of node %u (error %d)\n",
		       ls->name, ls->node_id, ret);
	return ret;
}

/* Attach: watch a slot not left cleanly for a lease; -EADDRINUSE if it moves. */
static int blklock_claim_watch(struct blklock_space *ls,
			       struct blklock_hbrec *cur)
{
	u64 start = ls->ops->now_ns(ls);
	struct blklock_hbrec now;
	int ret;

	pr_notice("%s: node id %u did not detach cleanly; watching its heartbeat slot for %u ms before taking it\n",
		  ls->name, ls->node_id, ls->hdr.lease_timeout_ms);
	while (ls->ops->now_ns(ls) - start <
	       (u64)ls->hdr.lease_timeout_ms * NSEC_PER_MSEC) {
		if (msleep_interruptible(ls->hdr.hb_interval_ms / 2))
			return -EINTR;
		ret = blklock_claim_read(ls, &now);
		if (ret)
			return ret;
		if (blklock_hb_same_renewal(&now, cur)) {
			*cur = now;	/* evicted meanwhile: still nobody */
			continue;
		}
		if (!blklock_hb_equal(&now, cur)) {
			pr_err("node id %u is in use by another host: its heartbeat slot on %s went from counter %llu to %llu\n",
			       ls->node_id, ls->name, cur->counter, now.counter);
			return -EADDRINUSE;
		}
	}
	return 0;
}

/**
 * blklock_lease_claim() - take this node id's heartbeat slot at attach
 * @ls:		lockspace being attached
 *
 * A slot never used, or left cleanly, is taken at once.  Otherwise the
 * slot is watched for a lease timeout: if it changes, another host is
 * using the node id.
 *
 * Return: 0; -EADDRINUSE if the node id is in use; -EINTR; or an errno.
 */
int blklock_lease_claim(struct blklock_space *ls)
{
	struct blklock_hbrec cur, next, found = {};
	enum blklock_fate fate;
	u64 submit;
	int ret;

	ls->hb_buf = kmalloc(3 * ls->block_size, GFP_KERNEL);
	if (!ls->hb_buf)
		return -ENOMEM;
	ret = blklock_claim_read(ls, &cur);
	if (ret)
		return ret;
	if (cur.incarnation && !(cur.flags & BLKLOCK_HB_DETACHED)) {
		ret = blklock_claim_watch(ls, &cur);
		if (ret)
			return ret;
	}
	next = (struct blklock_hbrec) {
		.node_id = ls->node_id,
		.incarnation = blklock_new_incarnation(),
		.counter = cur.counter + 1,
		.timestamp = ktime_get_real_ns(),
	};
	strscpy(next.name, ls->node_name, sizeof(next.name));
	submit = ls->ops->now_ns(ls);
	fate = blklock_hb_write(ls, &cur, &next, &found, &ret);
	if (fate == BLKLOCK_FATE_CHANGED) {
		pr_err("node id %u is in use by another host: its slot on %s changed while this node took it (found incarnation %016llx counter %llu%s%s)\n",
		       ls->node_id, ls->name, found.incarnation, found.counter,
		       found.name[0] ? " name " : "", found.name);
		return -EADDRINUSE;
	}
	if (fate != BLKLOCK_FATE_WROTE) {
		pr_err("%s: cannot write the heartbeat slot of node %u (%s)\n",
		       ls->name, ls->node_id, blklock_fate_name(fate));
		return ret;
	}
	ls->hb = next;
	ls->hb_epoch = atomic_read(&ls->loss_epoch);
	ls->last_renew_ns = submit;
	ls->hb_state = BLKLOCK_HB_LIVE;
	return 0;
}

/**
 * blklock_lease_leave() - stop heartbeats; mark the slot left cleanly
 * @ls:		lockspace being detached, with no lock held
 */
void blklock_lease_leave(struct blklock_space *ls)
{
	struct blklock_hbrec next, found;
	enum blklock_fate fate;

	cancel_delayed_work_sync(&ls->hb_work);
	hrtimer_cancel(&ls->fence_timer);
	if (ls->hb_state != BLKLOCK_HB_LIVE || !ls->hb_buf)
		return;
	next = ls->hb;
	next.counter++;
	next.timestamp = ktime_get_real_ns();
	next.flags = BLKLOCK_HB_DETACHED;
	fate = blklock_hb_write(ls, &ls->hb, &next, &found, NULL);
	if (fate != BLKLOCK_FATE_WROTE)
		pr_warn("%s: could not mark the heartbeat slot of node %u as left (%s); the next attach of this node id waits one lease\n",
			ls->name, ls->node_id, blklock_fate_name(fate));
}
