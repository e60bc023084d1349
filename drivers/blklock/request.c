// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: asking the holder of a lock to let it go (format 4).
 *
 * Every node has a request block next to its heartbeat slot's region.
 * An asker appends (lock, asker, generation) to the owner's block with
 * one COMPARE AND WRITE from the exact image it read; nobody else writes
 * it.  A node that holds locks reads its own block once per heartbeat
 * interval and marks the holds the new entries name, at the generation
 * they name: STATUS says REQUESTED, poll() says EPOLLRDBAND until the
 * holding file reads the lock's STATUS.  Requests are advisory; no lock
 * decision reads a request block.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "blklock.h"

/* COMPARE AND WRITEs an asker tries while other askers change the block. */
#define BLKLOCK_REQ_TRIES	4

/* Not read yet: the first read looks at every entry of the ring. */
#define BLKLOCK_REQ_UNSEEN	U64_MAX

static u64 blklock_req_lba(const struct blklock_space *ls, u32 node_id)
{
	return ls->hdr.req_lba + node_id - 1;
}

/*
 * Append @e to the request block of node @owner: one COMPARE AND WRITE
 * from the image read (a damaged one included: it is rewritten with this
 * request alone), again from what it found while other askers change it.
 */
static int blklock_req_append_disk(struct blklock_space *ls, u32 owner,
				   const struct blklock_req_entry *e)
{
	struct blklock_caw op = { .lba = blklock_req_lba(ls, owner) };
	u32 bs = ls->block_size;
	struct blklock_reqblk q;
	enum blklock_fate fate;
	int tries, ret;

	op.buf = kmalloc(3 * bs, GFP_KERNEL);
	if (!op.buf)
		return -ENOMEM;
	ret = blklock_read_blocks(ls, op.lba, 1, op.buf, 0, &op.res);
	for (tries = 0; !ret && tries < BLKLOCK_REQ_TRIES; tries++) {
		blklock_req_decode(op.buf, bs, owner, &q);
		blklock_req_append(&q, e);
		blklock_req_encode(&q, op.buf + bs, bs);
		op.seen = true;
		fate = blklock_caw_resolve(ls, &op);
		if (fate == BLKLOCK_FATE_WROTE)
			goto out;
		if (fate == BLKLOCK_FATE_CHANGED)
			memcpy(op.buf, blklock_caw_found(ls, &op), bs);
		else if (fate != BLKLOCK_FATE_FALSE_MISCOMPARE)
			ret = blklock_fate_errno(&op, fate);
	}
	if (!ret)
		ret = -EBUSY;
out:
	kfree(op.buf);
	return ret;
}

/**
 * blklock_request() - ask the holder of a lock to let it go
 * @ls:		lockspace
 * @index:	lock index, checked by the caller
 * @out:	out: owner, generation and result (BLKLOCK_REQUEST_*)
 *
 * Return: 0; -EOPNOTSUPP before format 4; -EBUSY if the owner's request
 * block kept changing; or the errno of a command.
 */
int blklock_request(struct blklock_space *ls, u32 index,
		    struct blklock_request *out)
{
	struct blklock_req_entry e = { .lock = index, .asker = ls->node_id };
	struct blklock_label lb;
	struct blklock_lock *lk;
	struct blklock_rec r;
	int ret;

	if (ls->hdr.version < 4) {
		pr_warn_ratelimited("%s: lock requests need format 4; this lockspace is format %u (blklockctl format writes format 4)\n",
				    ls->name, ls->hdr.version);
		return -EOPNOTSUPP;
	}
	lk = blklock_lock_read(ls, index);
	if (IS_ERR(lk))
		return PTR_ERR(lk);
	r = lk->cached;
	mutex_unlock(&lk->mutex);
	out->owner = r.owner;
	out->generation = r.generation;
	out->result = BLKLOCK_REQUEST_FREE;
	if (!r.owner || r.owner > ls->hdr.max_node_id)
		return 0;
	e.generation = r.generation;
	e.when = ktime_get_real_ns();
	ret = blklock_req_append_disk(ls, r.owner, &e);
	blklock_lock_label(&lb, index, &r);
	if (ret == -EBUSY)
		pr_warn_ratelimited("%s: request to node %u for %s not sent: its request block kept changing under other askers (%d tries)\n",
				    ls->name, r.owner, lb.s, BLKLOCK_REQ_TRIES);
	if (ret)
		return ret;
	atomic64_inc(&ls->stats.requests_sent);
	out->result = BLKLOCK_REQUEST_SENT;
	pr_info_ratelimited("%s: asked node %u to release %s at generation %llu\n",
			    ls->name, r.owner, lb.s, r.generation);
	return 0;
}

/*
 * Request @e names a hold of this node: mark it if a file still holds
 * the lock at that generation.  One dmesg line per hold.
 */
static void blklock_req_mark(struct blklock_space *ls,
			     const struct blklock_req_entry *e)
{
	struct blklock_lock *lk;
	struct blklock_label lb;
	bool mark, first;

	if (e->lock >= ls->hdr.nr_locks)
		return;
	lk = xa_load(&ls->locks, e->lock);
	if (!lk || !READ_ONCE(lk->holder))
		return;
	mutex_lock(&lk->mutex);
	mark = lk->holder && !blklock_lost(ls, lk) &&
	       lk->mine.owner == ls->node_id &&
	       lk->mine.generation == e->generation;
	first = mark && !lk->requested;
	if (mark) {
		lk->requested = true;
		WRITE_ONCE(lk->request_unseen, true);
		blklock_lock_label(&lb, lk->index, &lk->mine);
	}
	mutex_unlock(&lk->mutex);
	if (!mark)
		return;
	atomic64_inc(&ls->stats.requests_received);
	wake_up_all(&ls->loss_wq);
	if (first)
		pr_info("%s: node %u asks node %u to release %s, held at generation %llu\n",
			ls->name, e->asker, ls->node_id, lb.s, e->generation);
}

/* Read this node's request block into @buf, rereading a torn image. */
static int blklock_req_read_own(struct blklock_space *ls, void *buf,
				struct blklock_reqblk *q)
{
	u64 lba = blklock_req_lba(ls, ls->node_id);
	struct blklock_cmd_result res;
	int i, ret;

	for (i = 0; i <= BLKLOCK_TORN_REREADS; i++) {
		ret = blklock_read_blocks(ls, lba, 1, buf, 0, &res);
		if (ret)
			return ret;
		ret = blklock_req_decode(buf, ls->block_size, ls->node_id, q);
		if (!ret)
			return 0;
	}
	if (!ls->req_damaged)
		pr_warn("%s: request block of node %u (disk block %llu) is damaged (%s): the requests in it are lost; the next asker rewrites it\n",
			ls->name, ls->node_id, ls->lba_offset + lba,
			ret == -EBADMSG ? "bad checksum" : "bad contents");
	ls->req_damaged = true;
	return ret;
}

/**
 * blklock_requests_check() - read this node's request block and mark the
 *	holds its new entries name
 * @ls:		lockspace (format 4)
 *
 * The request work calls it once per heartbeat interval while a file of
 * this node holds a lock.
 */
void blklock_requests_check(struct blklock_space *ls)
{
	struct blklock_reqblk q;
	u64 k, first, missed = 0;
	void *buf;
	int ret;

	buf = kmalloc(ls->block_size, GFP_KERNEL);
	if (!buf)
		return;		/* again at the next interval */
	ret = blklock_req_read_own(ls, buf, &q);
	kfree(buf);
	if (ret)
		return;
	ls->req_damaged = false;
	/* Fewer than seen: rewritten after damage; begin again. */
	if (ls->req_seen != BLKLOCK_REQ_UNSEEN && q.count < ls->req_seen)
		ls->req_seen = 0;
	first = q.count > BLKLOCK_REQ_RING ? q.count - BLKLOCK_REQ_RING + 1 : 1;
	if (ls->req_seen != BLKLOCK_REQ_UNSEEN) {
		if (ls->req_seen + 1 < first)
			missed = first - ls->req_seen - 1;
		else
			first = ls->req_seen + 1;
	}
	for (k = first; k <= q.count; k++)
		blklock_req_mark(ls, blklock_req_entry_of(&q, k));
	ls->req_seen = q.count;
	if (missed) {
		atomic64_add(missed, &ls->stats.requests_missed);
		pr_info_ratelimited("%s: %llu requests to this node were overwritten before it read them (more than %d in one heartbeat interval)\n",
				    ls->name, missed, BLKLOCK_REQ_RING);
	}
}

static bool blklock_any_held(struct blklock_space *ls)
{
	struct blklock_lock *lk;
	unsigned long index;

	xa_for_each(&ls->locks, index, lk)
		if (READ_ONCE(lk->holder))
			return true;
	return false;
}

static void blklock_req_workfn(struct work_struct *work)
{
	struct blklock_space *ls = container_of(to_delayed_work(work),
						struct blklock_space, req_work);

	/* A frozen node reads nothing; one that holds nothing starts over. */
	if (blklock_any_held(ls)) {
		if (!READ_ONCE(ls->hb_paused))
			blklock_requests_check(ls);
	} else {
		ls->req_seen = BLKLOCK_REQ_UNSEEN;
	}
	queue_delayed_work(blklock_wq, &ls->req_work,
			   msecs_to_jiffies(ls->hdr.hb_interval_ms));
}

/**
 * blklock_holds_requested() - does an open file hold a lock someone
 *	asked for, not lost, and not yet read its STATUS since?
 * @ls:		lockspace
 * @holder:	the open file
 *
 * Return: true if poll() should report EPOLLRDBAND.
 */
bool blklock_holds_requested(struct blklock_space *ls, const void *holder)
{
	struct blklock_lock *lk;
	unsigned long index;

	xa_for_each(&ls->locks, index, lk)
		if (READ_ONCE(lk->holder) == holder &&
		    READ_ONCE(lk->request_unseen) && !blklock_lost(ls, lk))
			return true;
	return false;
}

/**
 * blklock_requests_start() - read this node's request block once per
 *	heartbeat interval while it holds locks (format 4)
 * @ls:		lockspace, attached
 */
void blklock_requests_start(struct blklock_space *ls)
{
	if (ls->hdr.version < 4)
		return;
	queue_delayed_work(blklock_wq, &ls->req_work,
			   msecs_to_jiffies(ls->hdr.hb_interval_ms));
}

/**
 * blklock_requests_init() - set up the request state of a new lockspace
 * @ls:		lockspace
 */
void blklock_requests_init(struct blklock_space *ls)
{
	ls->req_seen = BLKLOCK_REQ_UNSEEN;
	INIT_DELAYED_WORK(&ls->req_work, blklock_req_workfn);
}

/**
 * blklock_requests_stop() - stop reading the request block
 * @ls:		lockspace
 */
void blklock_requests_stop(struct blklock_space *ls)
{
	cancel_delayed_work_sync(&ls->req_work);
}
