// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: the lock state machine.
 *
 * A node takes lock i with one COMPARE AND WRITE of block lock_lba + i:
 * compare image, the free record it last saw; write image, its own
 * record with the generation one higher.  Release is the reverse, with
 * the generation kept.  What became of each command is decided in one
 * place, blklock_caw_resolve(): it tells a lock held by another node
 * from a false miscompare, a command that succeeded on an earlier copy
 * from one that never ran, and both from one whose fate is unknown
 * because it may still land.
 *
 * This file is one attempt on one record (blklock_acquire_disk(),
 * blklock_release_disk()); hold.c is the open files that hold locks and
 * wait for them.  All disk access goes through ls->ops, so KUnit drives
 * both with a fake disk.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "blklock.h"
#include "blklock_trace.h"

/* Rounds of one acquire attempt: a round is one command and its outcome. */
#define BLKLOCK_ATTEMPT_ROUNDS	4
/* Miscompare reports: at most BURST every INTERVAL per lockspace. */
#define BLKLOCK_REPORT_INTERVAL	(5 * HZ)
#define BLKLOCK_REPORT_BURST	10

/**
 * blklock_lock_lba() - block of a lock record
 * @ls:		lockspace
 * @index:	lock index
 *
 * Return: the LBA, relative to the lockspace's device.
 */
u64 blklock_lock_lba(const struct blklock_space *ls, u32 index)
{
	return ls->hdr.lock_lba + index;
}

/**
 * blklock_rec_free() - turn a record into the free record of its generation
 * @r:		record
 *
 * Release writes exactly this, so that a waiter can guess it.
 */
void blklock_rec_free(struct blklock_rec *r)
{
	r->owner = 0;
	r->acquired = 0;
	r->owner_incarnation = 0;
}

/* Time the reaper leaves a command whose fate is unknown to land. */
static u64 blklock_reap_delay_ns(const struct blklock_space *ls)
{
	return (u64)(READ_ONCE(blklock_io_timeout_ms) + ls->hdr.hb_interval_ms) *
	       NSEC_PER_MSEC;
}

/**
 * blklock_rec_impossible() - contents blklock never writes
 * @ls:		lockspace
 * @r:		a record that decoded (checksum, magic, index, padding)
 *
 * Return: NULL for a record blklock could have written, else what is
 * impossible about it: such a record is damaged.
 */
const char *blklock_rec_impossible(const struct blklock_space *ls,
				   const struct blklock_rec *r)
{
	if (r->owner > ls->hdr.max_node_id)
		return "an owner above the lockspace's node ids";
	if (r->owner && !r->owner_incarnation)
		return "an owner but no incarnation";
	if (r->generation >= BLKLOCK_GENERATION_LIMIT)
		return "a generation beyond any blklock hands out";
	return NULL;
}

/*
 * Decode a lock record block into lk->cached.  A record blklock cannot
 * have written (a bad checksum, impossible contents, an owner above the
 * lockspace's max_node_id) is damaged: -EBADMSG or -EUCLEAN, and never
 * acted on.
 */
int blklock_decode_found(struct blklock_space *ls, struct blklock_lock *lk,
			 const void *blk)
{
	u64 lba = ls->lba_offset + blklock_lock_lba(ls, lk->index);
	const char *why;
	int ret;

	lk->cached_valid = false;
	ret = blklock_ls_rec_decode(ls, blk, lk->index, &lk->cached);
	why = ret ? NULL : blklock_rec_impossible(ls, &lk->cached);
	if (why) {
		if (blklock_may_report(ls))
			pr_err("%s: disk block %llu holds lock %u with %s (owner %u, generation %llu): damaged, not touching it (blklockctl break repairs it)\n",
			       ls->name, lba, lk->index, why, lk->cached.owner,
			       lk->cached.generation);
		atomic64_inc(&ls->stats.corrupt);
		return -EUCLEAN;
	}
	if (ret) {
		atomic64_inc(&ls->stats.corrupt);
		if (blklock_may_report(ls))
			pr_err("%s: disk block %llu does not hold a valid record for lock %u (%s): not touching it (blklockctl break repairs it)\n",
			       ls->name, lba, lk->index,
			       ret == -EBADMSG ? "checksum mismatch" :
			       "wrong magic, index or padding");
		return ret;
	}
	lk->cached_valid = true;
	return 0;
}

/**
 * blklock_read_rec() - read a lock record into lk->cached
 * @ls:		lockspace
 * @lk:		lock, its mutex held
 * @buf:	one block
 *
 * A block that fails its checksum is read again (BLKLOCK_TORN_REREADS).
 *
 * Return: 0; the READ's errno; or -EBADMSG / -EUCLEAN for a damaged
 * record.  On failure lk->cached is invalid.
 */
int blklock_read_rec(struct blklock_space *ls, struct blklock_lock *lk,
		     void *buf)
{
	u64 lba = blklock_lock_lba(ls, lk->index);
	struct blklock_cmd_result res;
	struct blklock_rec rec;
	int ret, tries = 0;
	char why[64];

	lockdep_assert_held(&lk->mutex);
	lk->cached_valid = false;
	do {
		ret = blklock_read_blocks(ls, lba, 1, buf, 0, &res);
		if (ret) {
			if (blklock_may_report(ls)) {
				blklock_describe_result(&res, why, sizeof(why));
				pr_err("%s: cannot read lock %u at disk block %llu: %s\n",
				       ls->name, lk->index, ls->lba_offset + lba,
				       why);
			}
			return ret;
		}
	} while (blklock_ls_rec_decode(ls, buf, lk->index, &rec) == -EBADMSG &&
		 tries++ < BLKLOCK_TORN_REREADS);
	return blklock_decode_found(ls, lk, buf);
}

/**
 * blklock_lost() - has this node lost a lock it took?
 * @ls:		lockspace
 * @lk:		the lock
 *
 * Return: true after a fence, an eviction or a duplicate node id since
 * the lock was taken, or once it was found taken by another node.
 */
bool blklock_lost(struct blklock_space *ls, struct blklock_lock *lk)
{
	return lk->lost || lk->epoch != atomic_read(&ls->loss_epoch);
}

/*
 * The record in lk->cached replaced what an acquire expected.  Decide
 * the next round: -EAGAIN to try again from it (free at another
 * generation, this incarnation's own leftover, or a stale owner, in
 * *stale), -EBUSY if a live node holds it, or an errno.
 */
static int blklock_judge(struct blklock_space *ls, struct blklock_lock *lk,
			 u64 inc, int *stale, struct blklock_verdict *v)
{
	const struct blklock_rec *r = &lk->cached;
	int verdict;

	*stale = BLKLOCK_OWNER_LIVE;
	if (!r->owner || (r->owner == ls->node_id &&
			  r->owner_incarnation == inc)) {
		atomic64_inc(&ls->stats.stale_cache);
		return -EAGAIN;
	}
	/* Another node, or this node id under another incarnation. */
	verdict = blklock_lease_owner_stale(ls, r, v);
	if (verdict < 0)
		return verdict;
	*stale = verdict;
	return verdict == BLKLOCK_OWNER_LIVE ? -EBUSY : -EAGAIN;
}

/*
 * One round: COMPARE AND WRITE from lk->cached (or, for a record of a
 * live owner, the free record it will leave) to this node's record.
 */
static enum blklock_fate blklock_acquire_round(struct blklock_space *ls,
					       struct blklock_lock *lk,
					       struct blklock_caw *op,
					       int stale, u64 inc,
					       struct blklock_rec *expected,
					       struct blklock_rec *mine)
{
	u32 bs = ls->block_size;

	*expected = lk->cached;
	/*
	 * A record another live node holds: guess that it let go, since
	 * release keeps the generation and writes exactly this.
	 */
	op->seen = !(expected->owner && stale == BLKLOCK_OWNER_LIVE &&
		     !(expected->owner == ls->node_id &&
		       expected->owner_incarnation == inc));
	if (!op->seen)
		blklock_rec_free(expected);
	/* The name and its flag stay: a lock is taken whatever its name. */
	*mine = *expected;
	mine->owner = ls->node_id;
	mine->generation = expected->generation + 1;
	mine->acquired = ktime_get_real_ns();
	mine->owner_incarnation = inc;
	blklock_rec_encode(expected, op->buf, bs);
	blklock_rec_encode(mine, op->buf + bs, bs);
	return blklock_caw_resolve(ls, op);
}

/* The command that took the lock completed: is it still this node's? */
static int blklock_acquired(struct blklock_space *ls, struct blklock_lock *lk,
			    const struct blklock_rec *mine, int epoch)
{
	struct blklock_label lb;

	lk->cached = *mine;
	lk->cached_valid = true;
	lk->mine = *mine;
	lk->epoch = epoch;
	lk->lost = false;
	if (!blklock_lost(ls, lk))
		return 0;
	/* Fenced while the command was in flight: lost at once. */
	atomic64_inc(&ls->stats.locks_lost);
	blklock_reap_note(ls, lk, mine, 0);
	if (blklock_may_report(ls))
		pr_warn("%s: %s was taken at generation %llu while this node lost its lease: it is lost at once, and freed\n",
			ls->name, blklock_lock_label(&lb, lk->index, mine),
			mine->generation);
	return -ENOLCK;
}

/*
 * An acquire's command that did not take the lock, yet may still land:
 * one of unknown fate, on the block as it was seen; or one that timed
 * out over a guess, whose read-back showed the live owner's record: it
 * lands if that owner lets go first (the free record it leaves is the
 * image compared).  Either way the image goes to the reaper.
 */
static void blklock_acquire_leftover(struct blklock_space *ls,
				     struct blklock_lock *lk,
				     const struct blklock_caw *op,
				     enum blklock_fate fate,
				     const struct blklock_rec *mine)
{
	if (fate == BLKLOCK_FATE_UNKNOWN ||
	    (fate == BLKLOCK_FATE_CHANGED && op->uncertain && !op->seen))
		blklock_reap_note(ls, lk, mine, blklock_reap_delay_ns(ls));
}

/**
 * blklock_acquire_disk() - one acquire attempt on the disk
 * @ls:		lockspace
 * @lk:		the lock, with lk->mutex held and no holder on this node
 * @quiet:	no miscompare report (a retry of a blocking acquire)
 * @owner:	out: for -EBUSY, the node that holds it
 *
 * Return: 0 with lk->mine set, -EBUSY if another node holds the lock,
 * or an errno.
 */
int blklock_acquire_disk(struct blklock_space *ls, struct blklock_lock *lk,
			 bool quiet, u32 *owner)
{
	struct blklock_caw op = { .lba = blklock_lock_lba(ls, lk->index) };
	int stale = BLKLOCK_OWNER_LIVE, ret = -EBUSY, round, epoch;
	struct blklock_verdict v = {};
	struct blklock_rec expected, mine;
	enum blklock_fate fate;
	u64 inc;

	lockdep_assert_held(&lk->mutex);
	if (!blklock_lease_snapshot(ls, &inc, &epoch)) {
		if (blklock_may_report(ls))
			pr_warn("%s: node %u has no valid heartbeat (fenced, evicted, or its node id is in use elsewhere): lock %u cannot be taken\n",
				ls->name, ls->node_id, lk->index);
		return -ENOLCK;
	}
	op.buf = kmalloc(3 * ls->block_size, GFP_KERNEL);
	if (!op.buf)
		return -ENOMEM;
	ret = lk->cached_valid ? 0 : blklock_read_rec(ls, lk, op.buf);
	for (round = 0; !ret || ret == -EAGAIN; round++) {
		if (round == BLKLOCK_ATTEMPT_ROUNDS) {
			ret = -EBUSY;	/* the block kept changing */
			break;
		}
		fate = blklock_acquire_round(ls, lk, &op, stale, inc,
					     &expected, &mine);
		if (fate == BLKLOCK_FATE_WROTE) {
			if (expected.owner)
				blklock_report_takeover(ls, lk->index, &expected,
							stale, v.unchanged_ms);
			ret = blklock_acquired(ls, lk, &mine, epoch);
			break;
		}
		blklock_acquire_leftover(ls, lk, &op, fate, &mine);
		if (fate != BLKLOCK_FATE_CHANGED) {
			blklock_report_fate(ls, "acquire", lk->index, &op, fate,
					    true);
			ret = blklock_fate_errno(&op, fate);
			break;
		}
		ret = blklock_decode_found(ls, lk, blklock_caw_found(ls, &op));
		if (!ret)
			ret = blklock_judge(ls, lk, inc, &stale, &v);
		if (ret != -EBUSY)
			continue;
		atomic64_inc(&ls->stats.busy);
		*owner = lk->cached.owner;
		if (!quiet && op.res.status == BLKLOCK_CMD_MISCOMPARE &&
		    blklock_may_report(ls))
			blklock_report_busy(ls, lk, &expected, &op.res);
		break;
	}
	kfree(op.buf);
	return ret;
}

/**
 * blklock_release_disk() - release on the disk
 * @ls:		lockspace
 * @lk:		the lock, with lk->mutex held by the holder
 *
 * Return: 0; -ENOLCK if the file no longer holds the lock (another
 * node's record replaced ours, or the command may still land: the
 * reaper then looks after the record); or an errno (the record is
 * certainly still ours).
 */
int blklock_release_disk(struct blklock_space *ls, struct blklock_lock *lk)
{
	struct blklock_caw op = {
		.lba = blklock_lock_lba(ls, lk->index),
		.seen = true,
	};
	struct blklock_rec freed = lk->mine;
	u32 bs = ls->block_size;
	struct blklock_label lb;
	enum blklock_fate fate;
	int ret;

	lockdep_assert_held(&lk->mutex);
	op.buf = kmalloc(3 * bs, GFP_KERNEL);
	if (!op.buf)
		return -ENOMEM;
	blklock_rec_free(&freed);
	blklock_rec_encode(&lk->mine, op.buf, bs);
	blklock_rec_encode(&freed, op.buf + bs, bs);
	fate = blklock_caw_resolve(ls, &op);
	switch (fate) {
	case BLKLOCK_FATE_WROTE:
		lk->cached = freed;
		lk->cached_valid = true;
		ret = 0;
		break;
	case BLKLOCK_FATE_CHANGED:
		blklock_decode_found(ls, lk, blklock_caw_found(ls, &op));
		pr_warn("%s: %s was taken from this node: disk block %llu names node %u at generation %llu, this node held generation %llu\n",
			ls->name, blklock_lock_label(&lb, lk->index, &lk->mine),
			ls->lba_offset + op.lba,
			lk->cached.owner, lk->cached.generation,
			lk->mine.generation);
		ret = -ENOLCK;
		break;
	case BLKLOCK_FATE_UNKNOWN:
		/* The late command may free it under a holder: drop it now. */
		blklock_reap_note(ls, lk, &lk->mine, blklock_reap_delay_ns(ls));
		fallthrough;
	default:
		blklock_report_fate(ls, "release", lk->index, &op, fate,
				    true);
		ret = fate == BLKLOCK_FATE_UNKNOWN ? -ENOLCK :
		      blklock_fate_errno(&op, fate);
		break;
	}
	kfree(op.buf);
	return ret;
}

/**
 * blklock_lock_get() - the in-memory state of a lock, created on first use
 * @ls:		lockspace
 * @index:	lock index, checked by the caller
 *
 * Return: the lock, or an ERR_PTR.
 */
struct blklock_lock *blklock_lock_get(struct blklock_space *ls, u32 index)
{
	struct blklock_lock *lk, *old;

	lk = xa_load(&ls->locks, index);
	if (lk)
		return lk;
	lk = kzalloc(sizeof(*lk), GFP_KERNEL);
	if (!lk)
		return ERR_PTR(-ENOMEM);
	mutex_init(&lk->mutex);
	init_waitqueue_head(&lk->wq);
	lk->index = index;
	old = xa_cmpxchg(&ls->locks, index, NULL, lk, GFP_KERNEL);
	if (old) {
		kfree(lk);
		return xa_is_err(old) ? ERR_PTR(xa_err(old)) : old;
	}
	return lk;
}

/**
 * blklock_space_init() - set up the lock state of a new lockspace
 * @ls:		lockspace, zeroed, with ops, hdr, block_size and name set
 */
void blklock_space_init(struct blklock_space *ls)
{
	xa_init(&ls->locks);
	ratelimit_state_init(&ls->report_rs, BLKLOCK_REPORT_INTERVAL,
			     BLKLOCK_REPORT_BURST);
	ratelimit_set_flags(&ls->report_rs, RATELIMIT_MSG_ON_RELEASE);
	atomic_set(&ls->report_missed, 0);
	atomic_set(&ls->reap_pending, 0);
	INIT_DELAYED_WORK(&ls->reap_work, blklock_reap_workfn);
	blklock_lease_init(ls);
	blklock_watch_init(ls);
	blklock_names_init(ls);
	blklock_requests_init(ls);
}

/**
 * blklock_space_destroy() - free the lock state of a lockspace
 * @ls:		lockspace no file is bound to any more
 */
void blklock_space_destroy(struct blklock_space *ls)
{
	struct blklock_lock *lk;
	unsigned long index;

	cancel_delayed_work_sync(&ls->reap_work);
	blklock_requests_stop(ls);
	xa_for_each(&ls->locks, index, lk) {
		put_pid(lk->holder_pid);
		kfree(lk);
	}
	xa_destroy(&ls->locks);
	blklock_names_destroy(ls);
	blklock_watch_destroy(ls);
	blklock_lease_destroy(ls);
}
