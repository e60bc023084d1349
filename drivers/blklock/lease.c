// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: this node's heartbeat, self-fencing and rejoin.
 *
 * Every attached node owns one heartbeat slot and renews it every
 * hb_interval_ms with one COMPARE AND WRITE from its last image to the
 * next (counter + 1).  That is its only periodic I/O, whatever the
 * number of locks it holds: a lock record names its owner's node id and
 * incarnation and is never renewed.
 *
 * A node that cannot renew fences itself: fence_after_ms after the
 * submission of its last good renewal (two intervals before any watcher
 * can break its locks), all its locks count as lost.  The deadline is an
 * absolute timer on CLOCK_BOOTTIME, which runs on through a suspend of
 * the host.  A VM stopped by its hypervisor runs no timer and its clock
 * stands still; for it, the disk says what happened: a watcher that
 * breaks its locks first marks its slot evicted (watch.c), so the
 * node's next renewal miscompares, finds the mark, and loses every
 * lock.  A node that lost its locks rejoins with a new incarnation, so
 * that the records of the old one are stale for everyone.  A renewal
 * that finds a record this node did not write stops the heartbeat: its
 * node id is in use by another host.
 *
 * Every change of the heartbeat state goes through blklock_hb_apply(),
 * which starts from the state it finds, not the one a caller saw.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "blklock.h"
#include "blklock_trace.h"

/* Renewals and takeovers: I/O that keeps locks valid, so memory reclaim
 * must not wait on it.
 */
struct workqueue_struct *blklock_wq;

/**
 * blklock_hb_lba() - block of a node's heartbeat slot
 * @ls:		lockspace
 * @node_id:	node id, 1..max_node_id
 *
 * Return: the LBA, relative to the lockspace's device.
 */
u64 blklock_hb_lba(const struct blklock_space *ls, u32 node_id)
{
	return ls->hdr.hb_lba + node_id - 1;
}

/**
 * blklock_hb_timeout_ms() - timeout of heartbeat commands
 * @ls:		lockspace
 *
 * Return: io_timeout_ms, but no longer than one heartbeat interval, so
 * that a stuck renewal is known as such before the next one is due.
 */
u32 blklock_hb_timeout_ms(const struct blklock_space *ls)
{
	return min(READ_ONCE(blklock_io_timeout_ms), ls->hdr.hb_interval_ms);
}

static u64 blklock_fence_after_ns(const struct blklock_space *ls)
{
	return (u64)blklock_fence_after_ms(ls->hdr.hb_interval_ms,
					   ls->hdr.lease_timeout_ms) * NSEC_PER_MSEC;
}

/**
 * blklock_new_incarnation() - a random incarnation, never 0
 *
 * Return: the incarnation.
 */
u64 blklock_new_incarnation(void)
{
	u64 inc;

	do {
		inc = get_random_u64();
	} while (!inc);
	return inc;
}

/**
 * blklock_read_hb() - read and decode a heartbeat slot
 * @ls:		lockspace
 * @node_id:	whose slot
 * @buf:	one block
 * @r:		out: the slot
 *
 * A slot that fails its checksum is read again (BLKLOCK_TORN_REREADS).
 *
 * Return: 0, the READ's errno, or the decoder's.
 */
int blklock_read_hb(struct blklock_space *ls, u32 node_id, void *buf,
		    struct blklock_hbrec *r)
{
	struct blklock_cmd_result res;
	int ret, tries = 0;

	do {
		ret = blklock_read_blocks(ls, blklock_hb_lba(ls, node_id), 1,
					  buf, blklock_hb_timeout_ms(ls), &res);
		if (!ret)
			ret = blklock_hb_decode(buf, ls->block_size,
						ls->hdr.version, node_id, r);
	} while (ret == -EBADMSG && tries++ < BLKLOCK_TORN_REREADS);
	return ret;
}

/**
 * blklock_hb_equal() - would two slot records encode to the same block?
 * @a:	a slot
 * @b:	another
 *
 * Return: true if every field matches.
 */
bool blklock_hb_equal(const struct blklock_hbrec *a,
		      const struct blklock_hbrec *b)
{
	return a->node_id == b->node_id && a->flags == b->flags &&
	       a->incarnation == b->incarnation && a->counter == b->counter &&
	       a->timestamp == b->timestamp && !strcmp(a->name, b->name);
}

/**
 * blklock_hb_same_renewal() - are two slots the same renewal, perhaps
 *	marked evicted since?
 * @a:	a slot
 * @b:	another
 *
 * Return: true if they differ at most in the EVICTED flag: the node
 * that owns the slot did not move.
 */
bool blklock_hb_same_renewal(const struct blklock_hbrec *a,
			     const struct blklock_hbrec *b)
{
	struct blklock_hbrec x = *a, y = *b;

	x.flags &= ~BLKLOCK_HB_EVICTED;
	y.flags &= ~BLKLOCK_HB_EVICTED;
	return blklock_hb_equal(&x, &y);
}

/* @found is @img (or @alt) marked evicted by another node. */
static bool blklock_hb_is_evicted(const struct blklock_hbrec *found,
				  const struct blklock_hbrec *img,
				  const struct blklock_hbrec *alt)
{
	struct blklock_hbrec f = *found;

	if (!(f.flags & BLKLOCK_HB_EVICTED))
		return false;
	f.flags &= ~BLKLOCK_HB_EVICTED;
	return blklock_hb_equal(&f, img) || (alt && blklock_hb_equal(&f, alt));
}

/**
 * blklock_hb_write() - COMPARE AND WRITE of this node's heartbeat slot
 * @ls:		lockspace, its hb_buf allocated
 * @cur:	compare image: what the slot holds
 * @next:	write image
 * @found:	out: what the slot held afterwards, when the fate is CHANGED
 * @err:	out, unless NULL: the errno of a command that did not write
 *		(blklock_fate_errno())
 *
 * Return: the command's fate.
 */
enum blklock_fate blklock_hb_write(struct blklock_space *ls,
				   const struct blklock_hbrec *cur,
				   const struct blklock_hbrec *next,
				   struct blklock_hbrec *found, int *err)
{
	struct blklock_caw op = {
		.lba = blklock_hb_lba(ls, ls->node_id),
		.buf = ls->hb_buf,
		.timeout_ms = blklock_hb_timeout_ms(ls),
		.seen = true,
		.heartbeat = true,
	};
	enum blklock_fate fate;

	blklock_hb_encode(cur, op.buf, ls->block_size);
	blklock_hb_encode(next, op.buf + ls->block_size, ls->block_size);
	fate = blklock_caw_resolve(ls, &op);
	if (fate == BLKLOCK_FATE_CHANGED &&
	    blklock_hb_decode(blklock_caw_found(ls, &op), ls->block_size,
			      ls->hdr.version, ls->node_id, found))
		memset(found, 0, sizeof(*found));
	if (err)
		*err = blklock_fate_errno(&op, fate);
	return fate;
}

/**
 * blklock_hb_next_state() - the heartbeat state machine
 * @state:	the state now
 * @ev:		what happened
 * @epoch_current: for WROTE, the image written carries an incarnation
 *		chosen in (or confirmed through) the current loss epoch
 *
 * Pure.  Only LIVE may hold locks; leaving LIVE loses them all.  After
 * a fence or an eviction, only a renewal that writes a new incarnation
 * chosen after it makes the node LIVE again; STOPPED is final.
 *
 * Return: the next state.
 */
enum blklock_hb_state blklock_hb_next_state(enum blklock_hb_state state,
					    enum blklock_hb_event ev,
					    bool epoch_current)
{
	if (state == BLKLOCK_HB_STOPPED)
		return state;
	switch (ev) {
	case BLKLOCK_HB_EV_WROTE:
		return epoch_current ? BLKLOCK_HB_LIVE : BLKLOCK_HB_FENCED;
	case BLKLOCK_HB_EV_DUPLICATE:
		return BLKLOCK_HB_STOPPED;
	default:
		return BLKLOCK_HB_FENCED;
	}
}

static void blklock_arm_fence(struct blklock_space *ls, u64 renew_ns)
{
	hrtimer_start(&ls->fence_timer,
		      ns_to_ktime(renew_ns + blklock_fence_after_ns(ls)),
		      HRTIMER_MODE_ABS_SOFT);
}

/*
 * The one place the heartbeat state changes.  For WROTE, @img is the
 * image now on the disk, @img_epoch the loss epoch its incarnation
 * belongs to, @submit the renewal's submission time; for EVICTED, @img
 * is the evicted image.  Leaving LIVE loses every lock.  Returns the
 * state it started from.
 */
static enum blklock_hb_state blklock_hb_apply(struct blklock_space *ls,
					      enum blklock_hb_event ev,
					      const struct blklock_hbrec *img,
					      int img_epoch, u64 submit)
{
	enum blklock_hb_state from, to;
	u64 incarnation;
	bool lose;

	spin_lock_bh(&ls->hb_lock);
	from = ls->hb_state;
	to = blklock_hb_next_state(from, ev,
				   img_epoch == atomic_read(&ls->loss_epoch));
	lose = from == BLKLOCK_HB_LIVE && to != BLKLOCK_HB_LIVE;
	if (lose)
		atomic_inc(&ls->loss_epoch);
	WRITE_ONCE(ls->hb_state, to);
	if (from != BLKLOCK_HB_STOPPED && ev == BLKLOCK_HB_EV_WROTE) {
		ls->hb = *img;
		ls->hb_epoch = img_epoch;
		ls->hb_pending_valid = false;
		WRITE_ONCE(ls->last_renew_ns, submit);
	} else if (from != BLKLOCK_HB_STOPPED && ev == BLKLOCK_HB_EV_EVICTED) {
		ls->hb = *img;
		ls->hb_pending_valid = false;
	}
	incarnation = ls->hb.incarnation;
	if (from != to && ls->uevents)
		schedule_work(&ls->state_work);
	spin_unlock_bh(&ls->hb_lock);
	if (from != to || ev == BLKLOCK_HB_EV_EVICTED)
		trace_blklock_hb_state(ls->name, ls->node_id, ev, from, to,
				       incarnation);
	if (lose)
		wake_up_all(&ls->loss_wq);
	if (ev == BLKLOCK_HB_EV_WROTE && to != BLKLOCK_HB_STOPPED)
		blklock_arm_fence(ls, submit);
	return from;
}

/**
 * blklock_lease_fence() - this node lost its lease: every lock is lost
 * @ls:		lockspace
 * @why:	phrase for dmesg
 * @on_time:	the deadline is being met (the timer), not found passed
 *
 * Callable from the fence timer.  Does nothing unless the heartbeat is
 * live.
 */
void blklock_lease_fence(struct blklock_space *ls, const char *why,
			 bool on_time)
{
	if (blklock_hb_apply(ls, BLKLOCK_HB_EV_DEADLINE, NULL, 0, 0) !=
	    BLKLOCK_HB_LIVE)
		return;
	if (on_time)
		pr_warn("%s: node %u %s: every lock it holds is lost, %u ms before other nodes may break them\n",
			ls->name, ls->node_id, why,
			ls->hdr.lease_timeout_ms -
			blklock_fence_after_ms(ls->hdr.hb_interval_ms,
					       ls->hdr.lease_timeout_ms));
	else
		pr_warn("%s: node %u %s: every lock it holds is lost; other nodes may have broken them already\n",
			ls->name, ls->node_id, why);
}

static enum hrtimer_restart blklock_fence_timerfn(struct hrtimer *t)
{
	struct blklock_space *ls = container_of(t, struct blklock_space,
						fence_timer);

	if (READ_ONCE(ls->hb_paused))
		return HRTIMER_NORESTART;	/* a frozen node runs no timer */
	if (ls->ops->now_ns(ls) - READ_ONCE(ls->last_renew_ns) <
	    blklock_fence_after_ns(ls))
		return HRTIMER_NORESTART;	/* renewed meanwhile */
	blklock_lease_fence(ls, "could not renew its heartbeat in time", true);
	return HRTIMER_NORESTART;
}

/*
 * The images of the next renewal: the unknown one again if there is one
 * (so that at most one image of unknown fate exists), else the next
 * counter, with a new incarnation unless the node is LIVE.
 */
static enum blklock_hb_state blklock_hb_plan(struct blklock_space *ls,
					     struct blklock_hbrec *cur,
					     struct blklock_hbrec *next,
					     int *next_epoch, u64 *last,
					     u64 *submit)
{
	enum blklock_hb_state state;

	spin_lock_bh(&ls->hb_lock);
	state = ls->hb_state;
	*cur = ls->hb;
	*last = ls->last_renew_ns;
	if (ls->hb_pending_valid) {
		/*
		 * The image may have landed when its first copy was sent:
		 * the lease counts from that submission, not this one.
		 */
		*next = ls->hb_pending;
		*next_epoch = ls->hb_pending_epoch;
		*submit = ls->hb_pending_submit;
	} else {
		*next = *cur;
		next->counter++;
		next->timestamp = ktime_get_real_ns();
		next->flags = 0;
		*next_epoch = ls->hb_epoch;
		if (state != BLKLOCK_HB_LIVE) {
			next->incarnation = blklock_new_incarnation();
			*next_epoch = atomic_read(&ls->loss_epoch);
		}
	}
	spin_unlock_bh(&ls->hb_lock);
	return state;
}

/* What a renewal's fate means for this node. */
static void blklock_hb_settle(struct blklock_space *ls, enum blklock_fate fate,
			      const struct blklock_hbrec *cur,
			      const struct blklock_hbrec *next, int next_epoch,
			      const struct blklock_hbrec *found, u64 submit,
			      u64 last)
{
	u64 late_ms = div_u64(submit - last, NSEC_PER_MSEC);

	if (fate == BLKLOCK_FATE_WROTE) {
		if (late_ms > 3ULL * ls->hdr.hb_interval_ms / 2)
			atomic64_inc(&ls->stats.hb_late);
		if (blklock_hb_apply(ls, BLKLOCK_HB_EV_WROTE, next, next_epoch,
				     submit) != BLKLOCK_HB_LIVE &&
		    blklock_lease_live(ls))
			pr_notice("%s: node %u renewed its heartbeat after %llu ms and rejoins as incarnation %016llx; the locks it held stay lost\n",
				  ls->name, ls->node_id, late_ms,
				  next->incarnation);
		return;
	}
	atomic64_inc(&ls->stats.hb_late);
	if (fate == BLKLOCK_FATE_CHANGED &&
	    blklock_hb_is_evicted(found, cur, next)) {
		atomic64_inc(&ls->stats.evicted);
		blklock_hb_apply(ls, BLKLOCK_HB_EV_EVICTED, found, 0, 0);
		pr_warn("%s: node %u found its heartbeat slot evicted by another node (%llu ms after its last renewal, by its own clock): every lock it held is lost and may be taken; it rejoins with a new incarnation\n",
			ls->name, ls->node_id, late_ms);
		return;
	}
	if (fate == BLKLOCK_FATE_CHANGED) {
		blklock_hb_apply(ls, BLKLOCK_HB_EV_DUPLICATE, NULL, 0, 0);
		pr_err("node id %u is in use by another host (slot of %s expected incarnation %016llx counter %llu, found incarnation %016llx counter %llu%s%s): heartbeats stopped, every lock is lost\n",
		       ls->node_id, ls->name, cur->incarnation, cur->counter,
		       found->incarnation, found->counter,
		       found->name[0] ? " name " : "", found->name);
		return;
	}
	if (fate == BLKLOCK_FATE_UNKNOWN) {
		spin_lock_bh(&ls->hb_lock);
		if (!ls->hb_pending_valid)
			ls->hb_pending_submit = submit;
		ls->hb_pending = *next;
		ls->hb_pending_epoch = next_epoch;
		ls->hb_pending_valid = true;
		spin_unlock_bh(&ls->hb_lock);
	}
	if (__ratelimit(&ls->report_rs))
		pr_warn("%s: node %u could not renew its heartbeat (%s); %llu ms since the last renewal\n",
			ls->name, ls->node_id, blklock_fate_name(fate), late_ms);
}

/**
 * blklock_lease_renew() - one heartbeat of this node
 * @ls:		lockspace
 *
 * Renews the slot.  After a fence or an eviction, the renewal starts a
 * new incarnation and the node may take locks again.  A record another
 * host wrote stops the heartbeat for good.
 */
void blklock_lease_renew(struct blklock_space *ls)
{
	struct blklock_hbrec cur, next, found = {};
	enum blklock_fate fate;
	u64 submit, last;
	int next_epoch;

	if (READ_ONCE(ls->hb_paused))
		return;
	if (!ls->hb_buf)
		ls->hb_buf = kmalloc(3 * ls->block_size, GFP_NOIO);
	if (!ls->hb_buf)
		return;
	submit = ls->ops->now_ns(ls);
	if (blklock_lease_live(ls) &&
	    submit - READ_ONCE(ls->last_renew_ns) >= blklock_fence_after_ns(ls))
		blklock_lease_fence(ls, "was frozen past its renewal deadline",
				    false);
	if (blklock_hb_plan(ls, &cur, &next, &next_epoch, &last, &submit) ==
	    BLKLOCK_HB_STOPPED)
		return;
	fate = blklock_hb_write(ls, &cur, &next, &found, NULL);
	blklock_hb_settle(ls, fate, &cur, &next, next_epoch, &found, submit,
			  last);
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

/**
 * blklock_lease_snapshot() - the incarnation and loss epoch a lock is
 *	taken under, read together
 * @ls:		lockspace
 * @incarnation: out: the live incarnation
 * @epoch:	out: the loss epoch; if it has moved by the time the lock's
 *		command completes, the lock is lost at once
 *
 * Return: true if the node is LIVE.
 */
bool blklock_lease_snapshot(struct blklock_space *ls, u64 *incarnation,
			    int *epoch)
{
	bool live;

	spin_lock_bh(&ls->hb_lock);
	live = ls->hb_state == BLKLOCK_HB_LIVE;
	*incarnation = ls->hb.incarnation;
	*epoch = atomic_read(&ls->loss_epoch);
	spin_unlock_bh(&ls->hb_lock);
	return live;
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
	int switches = atomic_read(&ls->path_switches);
	unsigned long delay = msecs_to_jiffies(ls->hdr.hb_interval_ms);

	blklock_lease_renew(ls);
	/*
	 * A path failed during the renewal (it is then of unknown fate,
	 * or was not sent): the next one goes at once, through the new
	 * active path, not an interval late.
	 */
	if (atomic_read(&ls->path_switches) != switches)
		delay = 0;
	if (READ_ONCE(ls->hb_state) != BLKLOCK_HB_STOPPED)
		queue_delayed_work(blklock_wq, &ls->hb_work, delay);
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
	hrtimer_init(&ls->fence_timer, CLOCK_BOOTTIME, HRTIMER_MODE_ABS_SOFT);
	ls->fence_timer.function = blklock_fence_timerfn;
	INIT_DELAYED_WORK(&ls->hb_work, blklock_hb_workfn);
	INIT_WORK(&ls->state_work, blklock_state_workfn);
}

/**
 * blklock_lease_destroy() - free the lease state of a lockspace
 * @ls:		lockspace whose heartbeat is stopped
 */
void blklock_lease_destroy(struct blklock_space *ls)
{
	cancel_delayed_work_sync(&ls->hb_work);
	hrtimer_cancel(&ls->fence_timer);
	cancel_work_sync(&ls->state_work);
	kfree(ls->hb_buf);
	ls->hb_buf = NULL;
}
