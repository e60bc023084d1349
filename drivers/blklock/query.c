// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: questions about a lock: STATUS reads its record, VALIDATE
 * proves with one COMPARE AND WRITE of the holder's record onto itself
 * that it is still held, and poll() asks whether a file holds a lock it
 * lost.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "blklock.h"

/*
 * The process that took @lk through the file that holds it, while this
 * node holds the lock and that process still runs: 0 otherwise, or if it
 * is not visible in the caller's pid namespace.
 */
static u32 blklock_holder_pid(struct blklock_space *ls, struct blklock_lock *lk)
{
	pid_t nr = 0;

	if (!lk->holder || !lk->holder_pid || blklock_lost(ls, lk) ||
	    lk->cached.owner != ls->node_id)
		return 0;
	rcu_read_lock();
	if (pid_task(lk->holder_pid, PIDTYPE_TGID))
		nr = pid_vnr(lk->holder_pid);
	rcu_read_unlock();
	return nr;
}

/**
 * blklock_lock_read() - read a lock's record afresh, under its mutex
 * @ls:		lockspace
 * @index:	lock index, checked by the caller
 *
 * Return: the lock, its mutex held and its cached record what the disk
 * holds now (the caller unlocks it), or an ERR_PTR: -EINTR, -ENOMEM or
 * the errno of the read.
 */
struct blklock_lock *blklock_lock_read(struct blklock_space *ls, u32 index)
{
	struct blklock_lock *lk = blklock_lock_get(ls, index);
	void *buf;
	int ret;

	if (IS_ERR(lk))
		return lk;
	buf = kmalloc(ls->block_size, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	if (mutex_lock_interruptible(&lk->mutex)) {
		kfree(buf);
		return ERR_PTR(-EINTR);
	}
	ret = blklock_read_rec(ls, lk, buf);
	kfree(buf);
	if (ret) {
		mutex_unlock(&lk->mutex);
		return ERR_PTR(ret);
	}
	return lk;
}

/**
 * blklock_status() - read a lock's record from the disk
 * @ls:		lockspace
 * @index:	lock index, checked by the caller
 * @holder:	the asking file
 * @st:		out: owner, generation, state
 * @name:	out: the record's name, NUL-padded ("" if it has none)
 *
 * Return: 0, or the errno of the read.
 */
int blklock_status(struct blklock_space *ls, u32 index, const void *holder,
		   struct blklock_status *st, char *name)
{
	struct blklock_lock *lk = blklock_lock_read(ls, index);

	if (IS_ERR(lk))
		return PTR_ERR(lk);
	st->owner = lk->cached.owner;
	st->generation = lk->cached.generation;
	st->state = 0;
	if (lk->holder == holder && blklock_lost(ls, lk))
		st->state |= BLKLOCK_STATE_LOST;
	else if (lk->holder == holder &&
		 blklock_rec_equal(&lk->cached, &lk->mine))
		st->state |= BLKLOCK_STATE_HELD_BY_FILE;
	if (lk->cached.owner == ls->node_id)
		st->state |= BLKLOCK_STATE_HELD_BY_NODE;
	if (lk->cached.flags & BLKLOCK_LOCK_DELETED)
		st->state |= BLKLOCK_STATE_DELETED;
	/* The holding file reads it: EPOLLRDBAND until a new one. */
	if (lk->holder == holder && lk->requested &&
	    (st->state & BLKLOCK_STATE_HELD_BY_FILE)) {
		st->state |= BLKLOCK_STATE_REQUESTED;
		WRITE_ONCE(lk->request_unseen, false);
	}
	memcpy(name, lk->cached.name, BLKLOCK_LOCK_NAME_MAX);
	st->holder_pid = blklock_holder_pid(ls, lk);
	mutex_unlock(&lk->mutex);
	return 0;
}

/* VALIDATE's command, with lk->mutex held by the holder. */
static int blklock_validate_disk(struct blklock_space *ls,
				 struct blklock_lock *lk)
{
	struct blklock_caw op = {
		.lba = blklock_lock_lba(ls, lk->index),
		.seen = true,
	};
	struct blklock_label lb;
	enum blklock_fate fate;
	int ret;

	lockdep_assert_held(&lk->mutex);
	op.buf = kmalloc(3 * ls->block_size, GFP_KERNEL);
	if (!op.buf)
		return -ENOMEM;
	blklock_rec_encode(&lk->mine, op.buf, ls->block_size);
	blklock_rec_encode(&lk->mine, op.buf + ls->block_size, ls->block_size);
	fate = blklock_caw_resolve(ls, &op);
	if (fate == BLKLOCK_FATE_WROTE) {
		ret = blklock_lost(ls, lk) ? -ENOLCK : 0;
	} else if (fate == BLKLOCK_FATE_CHANGED) {
		blklock_decode_found(ls, lk, blklock_caw_found(ls, &op));
		lk->lost = true;
		pr_warn("%s: %s was taken from this node: disk block %llu names node %u at generation %llu, this node held generation %llu\n",
			ls->name, blklock_lock_label(&lb, lk->index, &lk->mine),
			ls->lba_offset + op.lba,
			lk->cached.owner, lk->cached.generation,
			lk->mine.generation);
		ret = -ENOLCK;
	} else {
		blklock_report_fate(ls, "validate", lk->index, &op, fate,
				    false);
		ret = blklock_fate_errno(&op, fate);
	}
	kfree(op.buf);
	return ret;
}

/**
 * blklock_validate() - prove, with one COMPARE AND WRITE of the holder's
 *	record onto itself, that a lock is still held
 * @ls:		lockspace
 * @index:	lock index, checked by the caller
 * @holder:	the open file
 * @generation:	the generation its acquire returned
 *
 * Return: 0 if the block still holds this node's record; -EPERM if
 * @holder does not hold the lock; -EINVAL for another generation;
 * -ENOLCK if the lock is lost (fence, eviction, takeover); or a
 * command's errno.
 */
int blklock_validate(struct blklock_space *ls, u32 index, const void *holder,
		     u64 generation)
{
	struct blklock_lock *lk = xa_load(&ls->locks, index);
	int ret;

	if (!lk || READ_ONCE(lk->holder) != holder)
		return -EPERM;
	mutex_lock(&lk->mutex);
	if (lk->holder != holder)
		ret = -EPERM;
	else if (generation != lk->mine.generation)
		ret = -EINVAL;
	else if (blklock_lost(ls, lk))
		ret = -ENOLCK;
	else
		ret = blklock_validate_disk(ls, lk);
	mutex_unlock(&lk->mutex);
	return ret;
}

/**
 * blklock_holds_lost() - does an open file hold a lock it has lost?
 * @ls:		lockspace
 * @holder:	the open file
 *
 * Return: true if poll() should report the loss.
 */
bool blklock_holds_lost(struct blklock_space *ls, const void *holder)
{
	struct blklock_lock *lk;
	unsigned long index;

	xa_for_each(&ls->locks, index, lk)
		if (READ_ONCE(lk->holder) == holder && blklock_lost(ls, lk))
			return true;
	return false;
}
