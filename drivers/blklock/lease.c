// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: heartbeats, leases and self-fencing.
 *
 * Every attached node owns one heartbeat slot and renews it every
 * hb_interval_ms with one COMPARE AND WRITE from its last image to the
 * next (counter + 1).  That is its only periodic I/O, whatever the
 * number of locks it holds: a lock record names its owner's node id and
 * incarnation and is never renewed.
 *
 * A node that wants a lock held by node M watches M's slot.  When the
 * slot has not changed for lease_timeout_ms on the watcher's own
 * monotonic clock, or holds another incarnation than the lock record,
 * the lock is stale and may be broken with one COMPARE AND WRITE from
 * the stale record (lock.c).
 *
 * A node that cannot renew fences itself first: fence_after_ms after
 * the submission of its last good renewal (two intervals before any
 * watcher can break its locks), all its locks count as lost.  A
 * renewal that then succeeds starts a new incarnation, so that its old
 * lock records are stale for everyone.  A renewal that miscompares
 * means another host writes this node id's slot: heartbeats stop and
 * every lock is lost.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "blklock.h"

/* Renewals and takeovers: I/O that keeps locks valid, so memory reclaim
 * must not wait on it.
 */
struct workqueue_struct *blklock_wq;

/*
 * What this node saw of another node's slot: its value, since when (on
 * this node's clock) it has held it, and whether it was ever seen to
 * change.
 */
struct blklock_watch {
	u64 incarnation;
	u64 counter;
	u32 flags;
	bool seen_change;
	u64 since_ns;
};

static u64 blklock_hb_lba(const struct blklock_space *ls, u32 node_id)
{
	return ls->hdr.hb_lba + node_id - 1;
}

static u64 blklock_fence_after_ns(const struct blklock_space *ls)
{
	return (u64)blklock_fence_after_ms(ls->hdr.hb_interval_ms,
					   ls->hdr.lease_timeout_ms) * NSEC_PER_MSEC;
}

static u64 blklock_new_incarnation(void)
{
	u64 inc;

	do {
		inc = get_random_u64();
	} while (!inc);
	return inc;
}

static int blklock_read_hb(struct blklock_space *ls, u32 node_id, void *buf,
			   struct blklock_hbrec *r)
{
	struct blklock_cmd_result res = {};

	ls->ops->read(ls, blklock_hb_lba(ls, node_id), 1, buf, &res);
	atomic64_inc(&ls->stats.reads);
	if (res.status != BLKLOCK_CMD_OK) {
		atomic64_inc(&ls->stats.errors);
		return res.error;
	}
	return blklock_hb_decode(buf, ls->block_size, node_id, r);
}

static bool blklock_hb_equal(const struct blklock_hbrec *a,
			     const struct blklock_hbrec *b)
{
	return a->node_id == b->node_id && a->flags == b->flags &&
	       a->incarnation == b->incarnation && a->counter == b->counter &&
	       a->timestamp == b->timestamp;
}

/*
 * COMPARE AND WRITE of this node's slot from @cur to @next.  Returns 0,
 * -EADDRINUSE with *found set if the slot holds a record this node did
 * not write, or the errno of a command that did not execute.
 */
static int blklock_hb_write(struct blklock_space *ls,
			    const struct blklock_hbrec *cur,
			    const struct blklock_hbrec *next,
			    struct blklock_hbrec *found)
{
	struct blklock_cmd_result res;
	u32 bs = ls->block_size;
	int ret = -EIO, tries;
	void *buf;

	buf = kmalloc(2 * bs, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (tries = 0; tries < 4; tries++) {
		blklock_hb_encode(cur, buf, bs);
		blklock_hb_encode(next, buf + bs, bs);
		res.duration_ns = 0;
		ls->ops->caw(ls, blklock_hb_lba(ls, ls->node_id), buf, &res);
		atomic64_inc(&ls->stats.hb_sent);
		if (res.status == BLKLOCK_CMD_OK) {
			ret = 0;
			break;
		}
		ret = res.error;
		if (res.retry)
			continue;
		if (blklock_read_hb(ls, ls->node_id, buf, found)) {
			if (res.status == BLKLOCK_CMD_MISCOMPARE)
				ret = -EIO;
			break;
		}
		if (blklock_hb_equal(found, next)) {
			ret = 0;	/* an earlier execution succeeded */
			break;
		}
		if (!blklock_hb_equal(found, cur)) {
			ret = -EADDRINUSE;
			break;
		}
		if (res.status == BLKLOCK_CMD_FAILED)
			break;		/* it did not execute */
		atomic64_inc(&ls->stats.false_miscompares);
	}
	if (ret && ret != -EADDRINUSE)
		atomic64_inc(&ls->stats.errors);
	kfree(buf);
	return ret;
}

static void blklock_lose_all(struct blklock_space *ls)
{
	atomic_inc(&ls->loss_epoch);
	wake_up_all(&ls->loss_wq);
}

static void blklock_arm_fence(struct blklock_space *ls, u64 renew_ns)
{
	u64 now = ls->ops->now_ns(ls);
	u64 deadline = renew_ns + blklock_fence_after_ns(ls);

	mod_timer(&ls->fence_timer, jiffies +
		  (deadline > now ? nsecs_to_jiffies(deadline - now) : 0) + 1);
}

/**
 * blklock_lease_fence() - this node lost its lease: every lock is lost
 * @ls:		lockspace
 * @why:	phrase for dmesg
 *
 * Callable from the fence timer.  Does nothing unless the heartbeat is
 * live.
 */
void blklock_lease_fence(struct blklock_space *ls, const char *why)
{
	unsigned long flags;
	bool fenced = false;

	spin_lock_irqsave(&ls->hb_lock, flags);
	if (ls->hb_state == BLKLOCK_HB_LIVE) {
		ls->hb_state = BLKLOCK_HB_FENCED;
		fenced = true;
	}
	spin_unlock_irqrestore(&ls->hb_lock, flags);
	if (!fenced)
		return;
	blklock_lose_all(ls);
	pr_warn("%s: node %u %s: every lock it holds is lost, %u ms before other nodes may break them\n",
		ls->name, ls->node_id, why,
		ls->hdr.lease_timeout_ms -
		blklock_fence_after_ms(ls->hdr.hb_interval_ms,
				       ls->hdr.lease_timeout_ms));
}

static void blklock_fence_timerfn(struct timer_list *t)
{
	struct blklock_space *ls = container_of(t, struct blklock_space,
						fence_timer);
	u64 since;

	if (READ_ONCE(ls->hb_paused))
		return;		/* a frozen node runs no timer */
	since = ls->ops->now_ns(ls) - READ_ONCE(ls->last_renew_ns);
	if (since < blklock_fence_after_ns(ls))
		return;		/* renewed meanwhile */
	blklock_lease_fence(ls, "could not renew its heartbeat in time");
}

/**
 * blklock_lease_renew() - one heartbeat of this node
 * @ls:		lockspace
 *
 * Renews the slot.  After a fence, the renewal starts a new incarnation
 * and the node may take locks again.  A miscompare by another host's
 * record stops the heartbeat for good.
 */
void blklock_lease_renew(struct blklock_space *ls)
{
	struct blklock_hbrec cur, next, found = {};
	enum blklock_hb_state state;
	u64 submit, last, late_ns;
	int ret;

	spin_lock_bh(&ls->hb_lock);
	state = ls->hb_state;
	cur = ls->hb;
	last = ls->last_renew_ns;
	spin_unlock_bh(&ls->hb_lock);
	if (state == BLKLOCK_HB_STOPPED || READ_ONCE(ls->hb_paused))
		return;

	submit = ls->ops->now_ns(ls);
	if (state == BLKLOCK_HB_LIVE && submit - last >= blklock_fence_after_ns(ls))
		blklock_lease_fence(ls, "was frozen past its renewal deadline");

	next = cur;
	next.counter++;
	next.timestamp = ktime_get_real_ns();
	next.flags = 0;
	if (ls->hb_state == BLKLOCK_HB_FENCED)
		next.incarnation = blklock_new_incarnation();
	ret = blklock_hb_write(ls, &cur, &next, &found);
	late_ns = submit - last;

	if (!ret) {
		spin_lock_bh(&ls->hb_lock);
		ls->hb = next;
		WRITE_ONCE(ls->last_renew_ns, submit);
		state = ls->hb_state;
		ls->hb_state = BLKLOCK_HB_LIVE;
		spin_unlock_bh(&ls->hb_lock);
		if (late_ns > 3ULL * ls->hdr.hb_interval_ms * NSEC_PER_MSEC / 2)
			atomic64_inc(&ls->stats.hb_late);
		if (state == BLKLOCK_HB_FENCED)
			pr_notice("%s: node %u renewed its heartbeat after %llu ms and rejoins as incarnation %016llx; the locks it held stay lost\n",
				  ls->name, ls->node_id,
				  div_u64(late_ns, NSEC_PER_MSEC), next.incarnation);
		blklock_arm_fence(ls, submit);
		return;
	}
	atomic64_inc(&ls->stats.hb_late);
	if (ret != -EADDRINUSE) {
		if (__ratelimit(&ls->report_rs))
			pr_warn("%s: node %u could not renew its heartbeat (error %d); %llu ms since the last renewal\n",
				ls->name, ls->node_id, ret,
				div_u64(ls->ops->now_ns(ls) - last, NSEC_PER_MSEC));
		return;
	}
	spin_lock_bh(&ls->hb_lock);
	ls->hb_state = BLKLOCK_HB_STOPPED;
	spin_unlock_bh(&ls->hb_lock);
	blklock_lose_all(ls);
	pr_err("node id %u is in use by another host (slot of %s expected incarnation %016llx counter %llu, found incarnation %016llx counter %llu): heartbeats stopped, every lock is lost\n",
	       ls->node_id, ls->name, cur.incarnation, cur.counter,
	       found.incarnation, found.counter);
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
	struct blklock_hbrec cur, now, next, found = {};
	u64 start, submit;
	void *buf;
	int ret;

	buf = kmalloc(ls->block_size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = blklock_read_hb(ls, ls->node_id, buf, &cur);
	if (ret) {
		pr_err("%s: cannot read the heartbeat slot of node %u (error %d)\n",
		       ls->name, ls->node_id, ret);
		goto out;
	}
	if (cur.incarnation && !(cur.flags & BLKLOCK_HB_DETACHED)) {
		pr_notice("%s: node id %u did not detach cleanly; watching its heartbeat slot for %u ms before taking it\n",
			  ls->name, ls->node_id, ls->hdr.lease_timeout_ms);
		start = ls->ops->now_ns(ls);
		while (ls->ops->now_ns(ls) - start <
		       (u64)ls->hdr.lease_timeout_ms * NSEC_PER_MSEC) {
			if (msleep_interruptible(ls->hdr.hb_interval_ms / 2)) {
				ret = -EINTR;
				goto out;
			}
			ret = blklock_read_hb(ls, ls->node_id, buf, &now);
			if (ret)
				goto out;
			if (!blklock_hb_equal(&now, &cur)) {
				pr_err("node id %u is in use by another host: its heartbeat slot on %s went from counter %llu to %llu\n",
				       ls->node_id, ls->name, cur.counter,
				       now.counter);
				ret = -EADDRINUSE;
				goto out;
			}
		}
	}
	next = (struct blklock_hbrec) {
		.node_id = ls->node_id,
		.incarnation = blklock_new_incarnation(),
		.counter = cur.counter + 1,
		.timestamp = ktime_get_real_ns(),
	};
	submit = ls->ops->now_ns(ls);
	ret = blklock_hb_write(ls, &cur, &next, &found);
	if (ret == -EADDRINUSE)
		pr_err("node id %u is in use by another host: its slot on %s changed while this node took it (found incarnation %016llx counter %llu)\n",
		       ls->node_id, ls->name, found.incarnation, found.counter);
	else if (ret)
		pr_err("%s: cannot write the heartbeat slot of node %u (error %d)\n",
		       ls->name, ls->node_id, ret);
	if (!ret) {
		ls->hb = next;
		ls->last_renew_ns = submit;
		ls->hb_state = BLKLOCK_HB_LIVE;
	}
out:
	kfree(buf);
	return ret;
}

/**
 * blklock_lease_leave() - stop heartbeats; mark the slot left cleanly
 * @ls:		lockspace being detached, with no lock held
 */
void blklock_lease_leave(struct blklock_space *ls)
{
	struct blklock_hbrec next, found;
	int ret;

	cancel_delayed_work_sync(&ls->hb_work);
	timer_delete_sync(&ls->fence_timer);
	if (ls->hb_state != BLKLOCK_HB_LIVE)
		return;
	next = ls->hb;
	next.counter++;
	next.timestamp = ktime_get_real_ns();
	next.flags = BLKLOCK_HB_DETACHED;
	ret = blklock_hb_write(ls, &ls->hb, &next, &found);
	if (ret)
		pr_warn("%s: could not mark the heartbeat slot of node %u as left (error %d); the next attach of this node id waits one lease\n",
			ls->name, ls->node_id, ret);
}

/**
 * blklock_lease_live() - may this node hold and take locks?
 * @ls:		lockspace
 *
 * Return: true while the heartbeat is renewed in time.
 */
bool blklock_lease_live(struct blklock_space *ls)
{
	return READ_ONCE(ls->hb_state) == BLKLOCK_HB_LIVE;
}

/*
 * Record that @node_id's slot holds @hb at @now.  The caller holds
 * watch_mutex.  Returns the watch entry, or ERR_PTR(-ENOMEM).
 */
static struct blklock_watch *blklock_watch_note(struct blklock_space *ls,
						u32 node_id,
						const struct blklock_hbrec *hb,
						u64 now)
{
	struct blklock_watch *w = xa_load(&ls->watch, node_id);

	if (!w) {
		w = kzalloc(sizeof(*w), GFP_KERNEL);
		if (!w)
			return ERR_PTR(-ENOMEM);
		if (xa_err(xa_store(&ls->watch, node_id, w, GFP_KERNEL))) {
			kfree(w);
			return ERR_PTR(-ENOMEM);
		}
		w->since_ns = now;
	} else if (w->incarnation != hb->incarnation ||
		   w->counter != hb->counter || w->flags != hb->flags) {
		w->since_ns = now;
		w->seen_change = true;
	}
	w->incarnation = hb->incarnation;
	w->counter = hb->counter;
	w->flags = hb->flags;
	return w;
}

/**
 * blklock_lease_owner_stale() - is the owner of a lock record alive?
 * @ls:		lockspace
 * @rec:	a record held by a node
 * @unchanged_ms: out: for BLKLOCK_OWNER_DEAD, how long the slot stood still
 *
 * Reads the owner's heartbeat slot.  The lease is measured on this
 * node's monotonic clock from the first time it saw the slot's current
 * value: no clock synchronisation between nodes is needed.
 *
 * Return: BLKLOCK_OWNER_LIVE, BLKLOCK_OWNER_DEAD (slot unchanged for a
 * lease timeout), BLKLOCK_OWNER_GONE (the record's incarnation no longer
 * heartbeats), or a negative errno.
 */
int blklock_lease_owner_stale(struct blklock_space *ls,
			      const struct blklock_rec *rec, u64 *unchanged_ms)
{
	struct blklock_watch *w;
	struct blklock_hbrec hb;
	u64 now;
	void *buf;
	int ret;

	if (rec->owner == ls->node_id)
		return rec->owner_incarnation == ls->hb.incarnation ?
		       BLKLOCK_OWNER_LIVE : BLKLOCK_OWNER_GONE;
	if (!rec->owner || rec->owner > ls->hdr.max_node_id)
		return BLKLOCK_OWNER_GONE;
	buf = kmalloc(ls->block_size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = blklock_read_hb(ls, rec->owner, buf, &hb);
	kfree(buf);
	if (ret)
		return ret;
	if (!hb.incarnation || hb.incarnation != rec->owner_incarnation ||
	    (hb.flags & BLKLOCK_HB_DETACHED))
		return BLKLOCK_OWNER_GONE;

	mutex_lock(&ls->watch_mutex);
	now = ls->ops->now_ns(ls);
	w = blklock_watch_note(ls, rec->owner, &hb, now);
	if (IS_ERR(w)) {
		ret = PTR_ERR(w);
	} else if (now - w->since_ns >=
		   (u64)ls->hdr.lease_timeout_ms * NSEC_PER_MSEC) {
		*unchanged_ms = div_u64(now - w->since_ns, NSEC_PER_MSEC);
		ret = BLKLOCK_OWNER_DEAD;
	} else {
		ret = BLKLOCK_OWNER_LIVE;
	}
	mutex_unlock(&ls->watch_mutex);
	return ret;
}

/**
 * blklock_node_state() - classify another node's heartbeat slot
 * @decoded:	what blklock_hb_decode() returned for the slot
 * @hb:		the decoded slot, when @decoded is 0
 * @seen_change: this node has seen the slot change since it first read it
 * @unchanged_ms: how long, on this node's clock, the slot has held @hb
 * @lease_timeout_ms: the lockspace's lease timeout
 *
 * Pure: no I/O, no clock.
 *
 * Return: a BLKLOCK_NODE_* state.
 */
u32 blklock_node_state(int decoded, const struct blklock_hbrec *hb,
		       bool seen_change, u64 unchanged_ms, u32 lease_timeout_ms)
{
	if (decoded)
		return BLKLOCK_NODE_CORRUPT;
	if (!hb->incarnation)
		return BLKLOCK_NODE_UNUSED;
	if (hb->flags & BLKLOCK_HB_DETACHED)
		return BLKLOCK_NODE_LEFT;
	if (unchanged_ms >= lease_timeout_ms)
		return BLKLOCK_NODE_STALE;
	return seen_change ? BLKLOCK_NODE_LIVE : BLKLOCK_NODE_WATCHING;
}

/* Slots read by one command of blklock_lease_nodes(). */
#define BLKLOCK_NODES_CHUNK	64

/*
 * Read the slots of node ids [first, first + count) and note each in the
 * watch table.  Returns how many slots are WATCHING, or an errno.
 */
static int blklock_nodes_pass(struct blklock_space *ls, u32 first, u32 count,
			      void *buf, struct blklock_node *out)
{
	struct blklock_cmd_result res;
	int watching = 0;
	u32 done, i, n;
	u64 now;

	for (done = 0; done < count; done += n) {
		n = min_t(u32, count - done, BLKLOCK_NODES_CHUNK);
		memset(&res, 0, sizeof(res));
		ls->ops->read(ls, blklock_hb_lba(ls, first + done), n, buf, &res);
		atomic64_inc(&ls->stats.reads);
		if (res.status != BLKLOCK_CMD_OK) {
			atomic64_inc(&ls->stats.errors);
			return res.error;
		}
		mutex_lock(&ls->watch_mutex);
		now = ls->ops->now_ns(ls);
		for (i = 0; i < n; i++) {
			struct blklock_node *o = &out[done + i];
			struct blklock_watch *w = NULL;
			struct blklock_hbrec hb = {};
			int dec;

			o->node_id = first + done + i;
			dec = blklock_hb_decode(buf + i * ls->block_size,
						ls->block_size, o->node_id, &hb);
			if (!dec && o->node_id != ls->node_id) {
				w = blklock_watch_note(ls, o->node_id, &hb, now);
				if (IS_ERR(w)) {
					mutex_unlock(&ls->watch_mutex);
					return PTR_ERR(w);
				}
				o->unchanged_ms = div_u64(now - w->since_ns,
							  NSEC_PER_MSEC);
			}
			o->incarnation = hb.incarnation;
			o->counter = hb.counter;
			o->timestamp = hb.timestamp;
			o->state = blklock_node_state(dec, &hb,
						      w && w->seen_change,
						      o->unchanged_ms,
						      ls->hdr.lease_timeout_ms);
			if (o->node_id == ls->node_id && !dec)
				o->state = BLKLOCK_NODE_SELF;
			if (o->state == BLKLOCK_NODE_WATCHING)
				watching++;
		}
		mutex_unlock(&ls->watch_mutex);
	}
	return watching;
}

/**
 * blklock_lease_nodes() - what this node sees of a range of heartbeat slots
 * @ls:		lockspace
 * @first:	first node id, 1..max_node_id
 * @count:	slots to read; the caller keeps the range within max_node_id
 * @wait:	if a slot was not seen changing yet, read again one and a
 *		half heartbeat intervals later
 * @out:	@count entries, filled
 *
 * Liveness is judged on this node's monotonic clock from what it saw of
 * each slot, here and while it watched lock owners.  This node's own
 * slot is reported as BLKLOCK_NODE_SELF with the time since its last
 * successful renewal.
 *
 * Return: 0, -EINTR if a signal came during the wait, -ENOMEM, or the
 * errno of a failed READ.
 */
int blklock_lease_nodes(struct blklock_space *ls, u32 first, u32 count,
			bool wait, struct blklock_node *out)
{
	void *buf;
	int ret;

	buf = kvmalloc_array(BLKLOCK_NODES_CHUNK, ls->block_size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = blklock_nodes_pass(ls, first, count, buf, out);
	if (ret > 0 && wait) {
		if (msleep_interruptible(ls->hdr.hb_interval_ms * 3 / 2))
			ret = -EINTR;
		else
			ret = blklock_nodes_pass(ls, first, count, buf, out);
	}
	kvfree(buf);
	if (ret < 0)
		return ret;
	if (ls->node_id >= first && ls->node_id - first < count) {
		struct blklock_node *o = &out[ls->node_id - first];

		spin_lock_bh(&ls->hb_lock);
		if (o->state == BLKLOCK_NODE_SELF)
			o->unchanged_ms = div_u64(ls->ops->now_ns(ls) -
						  ls->last_renew_ns,
						  NSEC_PER_MSEC);
		spin_unlock_bh(&ls->hb_lock);
	}
	return 0;
}

/**
 * blklock_lease_set_paused() - test hook: freeze or thaw this node's
 *	heartbeat, as a paused VM would
 * @ls:		lockspace
 * @paused:	true to freeze
 *
 * A thawed node finds its renewal deadline passed at its next renewal,
 * fences itself and rejoins with a new incarnation.
 */
void blklock_lease_set_paused(struct blklock_space *ls, bool paused)
{
	WRITE_ONCE(ls->hb_paused, paused);
	if (!paused && blklock_wq)
		mod_delayed_work(blklock_wq, &ls->hb_work, 0);
}

static void blklock_hb_workfn(struct work_struct *work)
{
	struct blklock_space *ls = container_of(to_delayed_work(work),
						struct blklock_space, hb_work);

	blklock_lease_renew(ls);
	if (READ_ONCE(ls->hb_state) != BLKLOCK_HB_STOPPED)
		queue_delayed_work(blklock_wq, &ls->hb_work,
				   msecs_to_jiffies(ls->hdr.hb_interval_ms));
}

/**
 * blklock_lease_start() - start renewing after blklock_lease_claim()
 * @ls:		lockspace
 */
void blklock_lease_start(struct blklock_space *ls)
{
	blklock_arm_fence(ls, ls->last_renew_ns);
	queue_delayed_work(blklock_wq, &ls->hb_work,
			   msecs_to_jiffies(ls->hdr.hb_interval_ms));
}

/**
 * blklock_lease_init() - set up the lease state of a new lockspace
 * @ls:		lockspace
 */
void blklock_lease_init(struct blklock_space *ls)
{
	spin_lock_init(&ls->hb_lock);
	ls->hb_state = BLKLOCK_HB_LIVE;
	atomic_set(&ls->loss_epoch, 0);
	init_waitqueue_head(&ls->loss_wq);
	timer_setup(&ls->fence_timer, blklock_fence_timerfn, 0);
	INIT_DELAYED_WORK(&ls->hb_work, blklock_hb_workfn);
	mutex_init(&ls->watch_mutex);
	xa_init(&ls->watch);
}

/**
 * blklock_lease_destroy() - free the lease state of a lockspace
 * @ls:		lockspace whose heartbeat is stopped
 */
void blklock_lease_destroy(struct blklock_space *ls)
{
	struct blklock_watch *w;
	unsigned long id;

	cancel_delayed_work_sync(&ls->hb_work);
	timer_delete_sync(&ls->fence_timer);
	xa_for_each(&ls->watch, id, w)
		kfree(w);
	xa_destroy(&ls->watch);
}
