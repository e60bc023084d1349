// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: records nobody holds.
 *
 * A record can name this node while no file of this node holds the
 * lock: an acquire whose command timed out and landed later, a release
 * whose command timed out, a release that failed when a file was
 * closed.  Other nodes see a live owner and wait for ever, so the
 * reaper, a work item of the lockspace, frees such records: each lock
 * is noted with the incarnation under which this node may have left a
 * record and a time before which a command still in flight may land
 * (the latest, when several commands on one lock had unknown fates).
 * After that time the reaper reads the block and, if it names this node
 * under that incarnation and no file of this node holds the lock, frees
 * it with one COMPARE AND WRITE from what it read; a block that holds
 * anything else needs nothing from this node.
 *
 * BLKLOCK_IOC_BREAK is the administrator's tool for the rest: a record
 * of a dead node, or one blklock could not have written.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/slab.h>

#include "blklock.h"

/**
 * blklock_reap_note() - leave a record to the reaper
 * @ls:		lockspace
 * @lk:		the lock, its mutex held
 * @img:	a record of this node that may be on the disk
 * @delay_ns:	not before this much time from now
 */
void blklock_reap_note(struct blklock_space *ls, struct blklock_lock *lk,
		       const struct blklock_rec *img, u64 delay_ns)
{
	u64 after = ls->ops->now_ns(ls) + delay_ns;

	lockdep_assert_held(&lk->mutex);
	if (!lk->reap_valid) {
		atomic_inc(&ls->reap_pending);
		lk->reap_after_ns = after;
	}
	lk->reap = *img;
	lk->reap_valid = true;
	lk->reap_after_ns = max(lk->reap_after_ns, after);
	if (blklock_wq)
		mod_delayed_work(blklock_wq, &ls->reap_work,
				 nsecs_to_jiffies(delay_ns) + 1);
}

static void blklock_reap_done(struct blklock_space *ls, struct blklock_lock *lk)
{
	lk->reap_valid = false;
	atomic_dec(&ls->reap_pending);
}

/*
 * CAW of lock @lk's block from the exact image @rec (or, for NULL, the
 * raw block in @op->buf already) to the free record at @gen.  A record
 * keeps its name; a damaged one, whose name is unknown, becomes in
 * format 4 a nameless tombstone, so that probing for names still goes
 * past it (a name it had is found nowhere, never in two records).
 */
static enum blklock_fate blklock_free_rec(struct blklock_space *ls,
					  struct blklock_lock *lk,
					  struct blklock_caw *op,
					  const struct blklock_rec *rec, u64 gen)
{
	struct blklock_rec freed = {
		.lock = lk->index,
		.generation = gen,
	};

	if (rec) {
		freed = *rec;
		blklock_rec_free(&freed);
		freed.generation = gen;
	} else if (ls->hdr.version >= 4) {
		freed.flags = BLKLOCK_LOCK_DELETED;
	}
	op->lba = blklock_lock_lba(ls, lk->index);
	op->seen = true;
	if (rec)
		blklock_rec_encode(rec, op->buf, ls->block_size);
	blklock_rec_encode(&freed, op->buf + ls->block_size, ls->block_size);
	return blklock_caw_resolve(ls, op);
}

/* One noted record: 0 if it is settled, -EAGAIN to look again later. */
static int blklock_reap_one(struct blklock_space *ls, struct blklock_lock *lk,
			    struct blklock_caw *op)
{
	struct blklock_label lb;
	enum blklock_fate fate;

	if (lk->holder && !blklock_lost(ls, lk))
		return 0;	/* a file of this node took it back */
	if (ls->ops->now_ns(ls) < lk->reap_after_ns)
		return -EAGAIN;
	if (blklock_read_rec(ls, lk, op->buf + 2 * ls->block_size))
		return -EAGAIN;
	if (lk->cached.owner != ls->node_id ||
	    lk->cached.owner_incarnation != lk->reap.owner_incarnation)
		return 0;	/* taken, freed, or it never landed */
	fate = blklock_free_rec(ls, lk, op, &lk->cached, lk->cached.generation);
	if (fate == BLKLOCK_FATE_WROTE) {
		atomic64_inc(&ls->stats.reaped);
		pr_notice("%s: %s: freed a record of this node that no file held (generation %llu)\n",
			  ls->name, blklock_lock_label(&lb, lk->index, &lk->cached),
			  lk->cached.generation);
		blklock_ls_rec_decode(ls, op->buf + ls->block_size, lk->index,
				      &lk->cached);
		return 0;
	}
	lk->cached_valid = false;
	return fate == BLKLOCK_FATE_CHANGED ? 0 : -EAGAIN;
}

/**
 * blklock_reap_workfn() - the reaper: free the noted records that are due
 * @work:	the lockspace's reap_work
 *
 * Runs again one heartbeat interval later while records are left.
 */
void blklock_reap_workfn(struct work_struct *work)
{
	struct blklock_space *ls = container_of(to_delayed_work(work),
						struct blklock_space, reap_work);
	struct blklock_caw op = {};
	struct blklock_lock *lk;
	unsigned long index;

	op.buf = kmalloc(3 * ls->block_size, GFP_NOIO);
	xa_for_each(&ls->locks, index, lk) {
		if (!READ_ONCE(lk->reap_valid))
			continue;
		mutex_lock(&lk->mutex);
		if (lk->reap_valid && op.buf &&
		    blklock_reap_one(ls, lk, &op) != -EAGAIN)
			blklock_reap_done(ls, lk);
		mutex_unlock(&lk->mutex);
	}
	kfree(op.buf);
	if (atomic_read(&ls->reap_pending) && blklock_wq)
		queue_delayed_work(blklock_wq, &ls->reap_work,
				   msecs_to_jiffies(ls->hdr.hb_interval_ms));
}

/* A generation above any blklock handed out for a damaged record. */
static u64 blklock_repair_generation(const struct blklock_rec *r, bool readable)
{
	u64 gen = ktime_get_real_ns();

	if (readable && r->generation >= gen &&
	    r->generation + 1 < BLKLOCK_GENERATION_LIMIT)
		return r->generation + 1;
	return gen;
}

/*
 * BREAK of a record that is not damaged: may it be freed?  0 to free,
 * -EBUSY for a live owner, or an errno.  Watches the owner's slot for up
 * to a lease, as an acquire would.
 */
static int blklock_break_owner(struct blklock_space *ls, struct blklock_lock *lk)
{
	u64 deadline = ls->ops->now_ns(ls) +
		       (u64)(ls->hdr.lease_timeout_ms + 2 * ls->hdr.hb_interval_ms) *
		       NSEC_PER_MSEC;
	struct blklock_verdict v = {};
	u64 inc;
	int epoch, ret;

	if (lk->holder && !blklock_lost(ls, lk))
		return -EBUSY;
	if (lk->cached.owner == ls->node_id &&
	    blklock_lease_snapshot(ls, &inc, &epoch) &&
	    lk->cached.owner_incarnation == inc)
		return 0;	/* this node's, and no file holds it */
	for (;;) {
		ret = blklock_lease_owner_stale(ls, &lk->cached, &v);
		if (ret)
			return ret < 0 ? ret : 0;
		if (v.seen_change || ls->ops->now_ns(ls) > deadline)
			return -EBUSY;
		if (msleep_interruptible(ls->hdr.hb_interval_ms / 2))
			return -EINTR;
	}
}

/* BREAK with lk->mutex held and the raw block in op->buf. */
static int blklock_break_locked(struct blklock_space *ls, struct blklock_lock *lk,
				struct blklock_caw *op, struct blklock_break *out)
{
	struct blklock_label lb;
	struct blklock_rec raw;
	enum blklock_fate fate;
	bool readable;
	int ret;

	lockdep_assert_held(&lk->mutex);
	ret = blklock_ls_rec_decode(ls, op->buf, lk->index, &raw);
	readable = !ret;
	if (readable && blklock_rec_impossible(ls, &raw))
		ret = -EUCLEAN;
	lk->cached = raw;
	lk->cached_valid = !ret;
	if (ret) {
		out->old_generation = readable ? raw.generation : 0;
		out->generation = blklock_repair_generation(&raw, readable);
		out->result = BLKLOCK_BREAK_REPAIRED;
		fate = blklock_free_rec(ls, lk, op, NULL, out->generation);
	} else {
		out->owner = lk->cached.owner;
		out->old_generation = lk->cached.generation;
		out->generation = lk->cached.generation;
		if (!lk->cached.owner) {
			out->result = BLKLOCK_BREAK_WAS_FREE;
			return 0;
		}
		ret = blklock_break_owner(ls, lk);
		if (ret)
			return ret;
		out->result = BLKLOCK_BREAK_FREED;
		fate = blklock_free_rec(ls, lk, op, &lk->cached,
					lk->cached.generation);
	}
	lk->cached_valid = false;
	if (fate == BLKLOCK_FATE_CHANGED)
		return -ESTALE;	/* it changed since it was read: look again */
	if (fate != BLKLOCK_FATE_WROTE) {
		blklock_report_fate(ls, "break", lk->index, op, fate, false);
		return blklock_fate_errno(op, fate);
	}
	blklock_decode_found(ls, lk, op->buf + ls->block_size);
	pr_warn("%s: %s broken by the administrator: %s (owner %u, generation %llu) is now free at generation %llu\n",
		ls->name, blklock_lock_label(&lb, lk->index, &lk->cached),
		out->result == BLKLOCK_BREAK_REPAIRED ? "a damaged record" :
		"a record", out->owner, out->old_generation, out->generation);
	return 0;
}

/**
 * blklock_break() - free a lock record nobody can release
 * @ls:		lockspace
 * @index:	lock index, checked by the caller
 * @holder:	the asking file
 * @out:	filled: owner, result, old and new generation
 *
 * Frees the record of an owner that is gone, or dead (watched for up to
 * a lease, then evicted), or of this node when no file holds it; and
 * rewrites a damaged record as free at a generation above any it could
 * have held (CLOCK_REALTIME in ns, which no count of acquisitions
 * reaches).
 *
 * Return: 0; -EBUSY if the owner is live or a file of this node holds
 * the lock; -ESTALE if the record changed meanwhile (look again);
 * -EINTR; or a command's errno.
 */
int blklock_break(struct blklock_space *ls, u32 index, const void *holder,
		  struct blklock_break *out)
{
	struct blklock_lock *lk = blklock_lock_get(ls, index);
	struct blklock_cmd_result res;
	struct blklock_caw op = {};
	int ret;

	if (IS_ERR(lk))
		return PTR_ERR(lk);
	op.buf = kmalloc(3 * ls->block_size, GFP_KERNEL);
	if (!op.buf)
		return -ENOMEM;
	if (mutex_lock_interruptible(&lk->mutex)) {
		kfree(op.buf);
		return -EINTR;
	}
	ret = blklock_read_blocks(ls, blklock_lock_lba(ls, index), 1, op.buf,
				  0, &res);
	if (!ret)
		ret = blklock_break_locked(ls, lk, &op, out);
	mutex_unlock(&lk->mutex);
	kfree(op.buf);
	return ret;
}
