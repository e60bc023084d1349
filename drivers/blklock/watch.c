// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: other nodes' heartbeats.
 *
 * A node that wants a lock held by node M watches M's slot.  It keeps,
 * per node, the slot's value and the time, on its own lease clock, at
 * which it first saw that value: the COMPLETION of the READ that
 * returned it, since the value may have been written just before the
 * READ sampled the disk.  A later READ that still returns the value is
 * dated at its SUBMISSION, since it may have sampled the disk long
 * before it completed.  When the value has stood still for
 * lease_timeout_ms between those two dates, M is dead; no clocks are
 * compared between nodes.
 *
 * Before breaking a dead node's lock, the watcher evicts it: one
 * COMPARE AND WRITE of M's slot from the exact image it watched to the
 * same image marked EVICTED.  If M renewed meanwhile the command
 * miscompares and M is live after all; if it succeeds, no renewal of M
 * can succeed any more, and M, whether it fenced on time or was stopped
 * with its clock (a suspended VM), learns at its next renewal that it
 * lost every lock.  A record whose owner's slot holds another
 * incarnation, or says it left or was evicted, is stale at once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "blklock.h"
#include "blklock_trace.h"

/*
 * What this node saw of another node's slot: its value, since when (on
 * this node's clock) it has held it, and whether it was ever seen to
 * change.
 */
struct blklock_watch {
	struct blklock_hbrec hb;
	bool seen_change;
	u64 since_ns;
};

/*
 * Record that @node_id's slot holds @hb, as a READ that completed at
 * @done found it.  The caller holds watch_mutex.  Returns the watch
 * entry, or ERR_PTR(-ENOMEM).
 */
static struct blklock_watch *blklock_watch_note(struct blklock_space *ls,
						u32 node_id,
						const struct blklock_hbrec *hb,
						u64 done)
{
	struct blklock_watch *w = xa_load(&ls->watch, node_id);

	lockdep_assert_held(&ls->watch_mutex);
	if (!w) {
		w = kzalloc(sizeof(*w), GFP_KERNEL);
		if (!w)
			return ERR_PTR(-ENOMEM);
		if (xa_err(xa_store(&ls->watch, node_id, w, GFP_KERNEL))) {
			kfree(w);
			return ERR_PTR(-ENOMEM);
		}
		w->since_ns = done;
	} else if (!blklock_hb_same_renewal(&w->hb, hb)) {
		w->since_ns = done;
		w->seen_change = true;
	}
	w->hb = *hb;
	return w;
}

/* How long the watched value has stood still, as of a READ submitted at @sub. */
static u64 blklock_watch_still_ns(const struct blklock_watch *w, u64 sub)
{
	return sub > w->since_ns ? sub - w->since_ns : 0;
}

/*
 * Evict node @hb->node_id: COMPARE AND WRITE of its slot from @hb, the
 * image watched for a lease, to @hb marked evicted.  Returns 0 if the
 * slot is evicted (by this command or another watcher's), -EAGAIN if it
 * moved (the node renewed) or the command failed (the owner stays live
 * for now; a late landing is harmless), or -ENOMEM.
 */
static int blklock_evict(struct blklock_space *ls,
			 const struct blklock_hbrec *hb, u64 still_ms)
{
	struct blklock_hbrec marked = *hb, found;
	struct blklock_caw op = {
		.lba = blklock_hb_lba(ls, hb->node_id),
		.timeout_ms = blklock_hb_timeout_ms(ls),
		.seen = true,
	};
	enum blklock_fate fate;
	int ret = -EAGAIN;

	op.buf = kmalloc(3 * ls->block_size, GFP_KERNEL);
	if (!op.buf)
		return -ENOMEM;
	marked.flags |= BLKLOCK_HB_EVICTED;
	blklock_hb_encode(hb, op.buf, ls->block_size);
	blklock_hb_encode(&marked, op.buf + ls->block_size, ls->block_size);
	fate = blklock_caw_resolve(ls, &op);
	if (fate == BLKLOCK_FATE_CHANGED &&
	    !blklock_hb_decode(blklock_caw_found(ls, &op), ls->block_size,
			       ls->hdr.version, hb->node_id, &found) &&
	    blklock_hb_equal(&found, &marked))
		ret = 0;	/* another watcher evicted it */
	if (fate == BLKLOCK_FATE_WROTE) {
		atomic64_inc(&ls->stats.evictions);
		pr_warn("%s: node %u's heartbeat slot stood still for %llu ms (incarnation %016llx, counter %llu): marked it evicted; its locks may be broken\n",
			ls->name, hb->node_id, still_ms, hb->incarnation,
			hb->counter);
		ret = 0;
	} else if (fate != BLKLOCK_FATE_CHANGED && blklock_may_report(ls)) {
		pr_warn("%s: could not mark node %u's heartbeat slot evicted (%s): its locks stay untouched for now\n",
			ls->name, hb->node_id, blklock_fate_name(fate));
	}
	trace_blklock_evict(ls->name, hb, still_ms, fate, ret);
	kfree(op.buf);
	return ret;
}

/* Note @hb read by a READ submitted at @sub; is it dead? */
static bool blklock_watch_dead(struct blklock_space *ls, u32 owner,
			       const struct blklock_hbrec *hb, u64 sub, u64 done,
			       struct blklock_verdict *v, int *err)
{
	struct blklock_watch *w;
	u64 still;

	mutex_lock(&ls->watch_mutex);
	w = blklock_watch_note(ls, owner, hb, done);
	*err = PTR_ERR_OR_ZERO(w);
	if (!IS_ERR(w)) {
		still = blklock_watch_still_ns(w, sub);
		v->unchanged_ms = div_u64(still, NSEC_PER_MSEC);
		v->seen_change = w->seen_change;
	}
	mutex_unlock(&ls->watch_mutex);
	return !*err && v->unchanged_ms >= ls->hdr.lease_timeout_ms;
}

/**
 * blklock_lease_owner_stale() - is the owner of a lock record alive?
 * @ls:		lockspace
 * @rec:	a record held by another node, or by this node id under an
 *		incarnation that is not this node's live one
 * @v:		out: how long the owner's slot stood still, and whether it
 *		was seen changing
 *
 * Reads the owner's slot.  A slot that stood still for a lease, on this
 * node's clock, is evicted before the verdict DEAD is given.
 *
 * Return: BLKLOCK_OWNER_LIVE, BLKLOCK_OWNER_DEAD (evicted now),
 * BLKLOCK_OWNER_GONE (the record's incarnation no longer heartbeats: the
 * slot holds another, or says the node left or was evicted), or a
 * negative errno.
 */
int blklock_lease_owner_stale(struct blklock_space *ls,
			      const struct blklock_rec *rec,
			      struct blklock_verdict *v)
{
	struct blklock_hbrec hb;
	u64 sub, done;
	void *buf;
	int ret;

	if (!rec->owner || rec->owner > ls->hdr.max_node_id)
		return -EUCLEAN;
	buf = kmalloc(ls->block_size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	sub = ls->ops->now_ns(ls);
	ret = blklock_read_hb(ls, rec->owner, buf, &hb);
	done = ls->ops->now_ns(ls);
	kfree(buf);
	if (ret && blklock_may_report(ls)) {
		if (ret == -EBADMSG || ret == -EUCLEAN)
			pr_err("%s: the heartbeat slot of node %u is damaged: the locks it holds cannot be judged (blklockctl dump shows it)\n",
			       ls->name, rec->owner);
		else
			pr_err("%s: cannot read the heartbeat slot of node %u (error %d): the locks it holds cannot be judged\n",
			       ls->name, rec->owner, ret);
	}
	if (ret)
		return ret;
	if (!hb.incarnation || hb.incarnation != rec->owner_incarnation ||
	    (hb.flags & (BLKLOCK_HB_DETACHED | BLKLOCK_HB_EVICTED)))
		return BLKLOCK_OWNER_GONE;
	if (rec->owner == ls->node_id)
		return BLKLOCK_OWNER_LIVE;	/* another host writes our slot */
	if (!blklock_watch_dead(ls, rec->owner, &hb, sub, done, v, &ret))
		return ret ?: BLKLOCK_OWNER_LIVE;
	ret = blklock_evict(ls, &hb, v->unchanged_ms);
	if (ret == -EAGAIN)
		return BLKLOCK_OWNER_LIVE;
	return ret ?: BLKLOCK_OWNER_DEAD;
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
	if (hb->flags & BLKLOCK_HB_EVICTED)
		return BLKLOCK_NODE_EVICTED;
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
	int watching = 0, ret;
	u32 done, i, n;
	u64 sub, now;

	for (done = 0; done < count; done += n) {
		n = min_t(u32, count - done, BLKLOCK_NODES_CHUNK);
		sub = ls->ops->now_ns(ls);
		ret = blklock_read_blocks(ls, blklock_hb_lba(ls, first + done),
					  n, buf, 0, &res);
		if (ret)
			return ret;
		mutex_lock(&ls->watch_mutex);
		now = ls->ops->now_ns(ls);
		for (i = 0; i < n; i++) {
			struct blklock_node *o = &out[done + i];
			struct blklock_watch *w = NULL;
			struct blklock_hbrec hb = {};
			int dec;

			o->node_id = first + done + i;
			dec = blklock_hb_decode(buf + i * ls->block_size,
						ls->block_size, ls->hdr.version,
						o->node_id, &hb);
			if (!dec && o->node_id != ls->node_id) {
				w = blklock_watch_note(ls, o->node_id, &hb, now);
				if (IS_ERR(w)) {
					mutex_unlock(&ls->watch_mutex);
					return PTR_ERR(w);
				}
				o->unchanged_ms =
					div_u64(blklock_watch_still_ns(w, sub),
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
 * blklock_watch_name() - the name another node's slot carried when this
 *	node last read it
 * @ls:		lockspace
 * @node_id:	the node
 * @name:	out, BLKLOCK_NODE_NAME_MAX bytes: "" if none or not read
 */
void blklock_watch_name(struct blklock_space *ls, u32 node_id, char *name)
{
	struct blklock_watch *w;

	name[0] = '\0';
	mutex_lock(&ls->watch_mutex);
	w = xa_load(&ls->watch, node_id);
	if (w)
		strscpy(name, w->hb.name, BLKLOCK_NODE_NAME_MAX);
	mutex_unlock(&ls->watch_mutex);
}

/**
 * blklock_watch_init() - set up the watch table of a new lockspace
 * @ls:		lockspace
 */
void blklock_watch_init(struct blklock_space *ls)
{
	mutex_init(&ls->watch_mutex);
	xa_init(&ls->watch);
}

/**
 * blklock_watch_destroy() - free the watch table
 * @ls:		lockspace
 */
void blklock_watch_destroy(struct blklock_space *ls)
{
	struct blklock_watch *w;
	unsigned long id;

	xa_for_each(&ls->watch, id, w)
		kfree(w);
	xa_destroy(&ls->watch);
}
