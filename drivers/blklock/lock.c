// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: the lock state machine.
 *
 * A node takes lock i with one COMPARE AND WRITE of block lock_lba + i:
 * compare image, the free record it last saw; write image, its own
 * record with the generation one higher.  Release is the reverse, with
 * the generation kept.  Whatever the target answers other than success
 * is resolved by reading the block: it tells a lock held by another node
 * from a false miscompare, and a command that succeeded on an earlier
 * attempt from one that never ran.
 *
 * Inside one node, the files that want a lock queue on its wait queue
 * and only the one at the front sends commands.  All disk access goes
 * through ls->ops, so KUnit drives this file with a fake disk.
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

/* Commands one acquire or release attempt may send before it gives up. */
#define BLKLOCK_ATTEMPT_CMDS	4
/* Backoff between attempts at a lock another node holds, ms. */
#define BLKLOCK_BACKOFF_MIN_MS	2
#define BLKLOCK_BACKOFF_MAX_MS	256
/* Miscompare reports: at most BURST every INTERVAL per lockspace. */
#define BLKLOCK_REPORT_INTERVAL	(5 * HZ)
#define BLKLOCK_REPORT_BURST	10
/* An acquire that waited this long says so in dmesg. */
#define BLKLOCK_SLOW_ACQUIRE_NS	(1000ULL * NSEC_PER_MSEC)

static u64 blklock_lba(const struct blklock_space *ls, u32 index)
{
	return ls->hdr.lock_lba + index;
}

static void blklock_latency_add(struct blklock_latency *l, u64 ns)
{
	s64 max = atomic64_read(&l->max_ns);

	atomic64_inc(&l->count);
	atomic64_add(ns, &l->total_ns);
	while ((u64)max < ns) {
		s64 old = atomic64_cmpxchg(&l->max_ns, max, ns);

		if (old == max)
			break;
		max = old;
	}
}

/*
 * Rate limit for the reports of one lockspace.  A report that may be
 * printed first says how many were held back since the last one.
 */
static bool blklock_may_report(struct blklock_space *ls)
{
	int missed;

	if (!__ratelimit(&ls->report_rs)) {
		atomic_inc(&ls->report_missed);
		atomic64_inc(&ls->stats.reports_suppressed);
		return false;
	}
	missed = atomic_xchg(&ls->report_missed, 0);
	if (missed)
		pr_warn("%s: %d reports suppressed by rate limiting since the last one\n",
			ls->name, missed);
	return true;
}

static void blklock_caw(struct blklock_space *ls, u32 index, void *buf,
			struct blklock_cmd_result *res)
{
	res->duration_ns = 0;
	ls->ops->caw(ls, blklock_lba(ls, index), buf, res);
	atomic64_inc(&ls->stats.caw_sent);
	blklock_latency_add(&ls->stats.caw_latency, res->duration_ns);
	if (res->status == BLKLOCK_CMD_MISCOMPARE)
		atomic64_inc(&ls->stats.miscompares);
	else if (res->status == BLKLOCK_CMD_FAILED)
		atomic64_inc(&ls->stats.errors);
}

/*
 * Read lock record @lk from the disk into lk->cached.  On failure the
 * cache is marked invalid and the errno returned: the command's, or
 * -EBADMSG / -EUCLEAN for a block that is not a valid record.
 */
static int blklock_read_rec(struct blklock_space *ls, struct blklock_lock *lk,
			    void *buf)
{
	struct blklock_cmd_result res = {};
	u64 lba = blklock_lba(ls, lk->index);
	char why[64];
	int ret;

	lk->cached_valid = false;
	ls->ops->read(ls, lba, 1, buf, &res);
	atomic64_inc(&ls->stats.reads);
	blklock_latency_add(&ls->stats.read_latency, res.duration_ns);
	if (res.status != BLKLOCK_CMD_OK) {
		atomic64_inc(&ls->stats.errors);
		if (blklock_may_report(ls)) {
			blklock_describe_result(&res, why, sizeof(why));
			pr_err("%s: cannot read lock %u at disk block %llu: %s\n",
			       ls->name, lk->index, ls->lba_offset + lba, why);
		}
		return res.error;
	}
	ret = blklock_rec_decode(buf, ls->block_size, lk->index, &lk->cached);
	if (ret) {
		atomic64_inc(&ls->stats.corrupt);
		if (blklock_may_report(ls))
			pr_err("%s: disk block %llu does not hold a valid record for lock %u (%s): not touching it\n",
			       ls->name, ls->lba_offset + lba, lk->index,
			       ret == -EBADMSG ? "checksum mismatch" :
			       "wrong magic, index or padding");
		return ret;
	}
	lk->cached_valid = true;
	return 0;
}

static void blklock_report_busy(struct blklock_space *ls,
				const struct blklock_lock *lk,
				const struct blklock_rec *expected,
				const struct blklock_cmd_result *res)
{
	const struct blklock_rec *found = &lk->cached;
	u64 lba = ls->lba_offset + blklock_lba(ls, lk->index);
	s64 held_ms = 0;
	char where[48];

	if (found->acquired)
		held_ms = div_s64((s64)(ktime_get_real_ns() - found->acquired),
				  NSEC_PER_MSEC);
	if (res->info >= 0)
		snprintf(where, sizeof(where), "first difference at byte %d",
			 res->info);
	else
		snprintf(where, sizeof(where), "the target gave no offset");

	pr_warn("atomic test and set of disk block %llu returned false for equality (expected=%u, got=%u)\n",
		lba, expected->owner, found->owner);
	pr_warn("lock acquisition failed. Node %u already owns the lock.\n",
		found->owner);
	pr_warn("%s: lock %u: node %u holds generation %llu, taken %lld ms ago by its clock; this node's compare and write took %llu us, %s\n",
		ls->name, lk->index, found->owner, found->generation,
		max_t(s64, held_ms, 0), div_u64(res->duration_ns, NSEC_PER_USEC),
		where);
}

static void blklock_report_takeover(struct blklock_space *ls, u32 index,
				    const struct blklock_rec *old, int stale,
				    u64 unchanged_ms)
{
	if (old->owner == ls->node_id)
		stale = old->owner_incarnation == ls->hb.incarnation ?
			BLKLOCK_OWNER_LIVE : BLKLOCK_OWNER_GONE;
	if (stale == BLKLOCK_OWNER_LIVE) {
		/* A record of this very incarnation that no file held. */
		atomic64_inc(&ls->stats.reclaims);
		pr_notice("%s: lock %u still named this node from before; taken back at generation %llu\n",
			  ls->name, index, old->generation + 1);
		return;
	}
	atomic64_inc(&ls->stats.takeovers);
	if (stale == BLKLOCK_OWNER_DEAD)
		pr_warn("breaking stale lock %u held by node %u (heartbeat unchanged for %llu ms)\n",
			index, old->owner, unchanged_ms);
	else
		pr_warn("breaking stale lock %u held by node %u (its incarnation %016llx no longer heartbeats)\n",
			index, old->owner, old->owner_incarnation);
	pr_warn("%s: lock %u taken over at generation %llu (was %llu)\n",
		ls->name, index, old->generation + 1, old->generation);
}

static bool blklock_lost(struct blklock_space *ls, struct blklock_lock *lk)
{
	return lk->lost || lk->epoch != atomic_read(&ls->loss_epoch);
}

/*
 * One acquire attempt on the disk, with lk->mutex held and no holder on
 * this node.  Returns 0 with lk->mine set, -EBUSY if another node holds
 * the lock (*owner says which), or an errno.
 */
static int blklock_acquire_disk(struct blklock_space *ls,
				struct blklock_lock *lk, bool quiet, u32 *owner)
{
	struct blklock_rec expected, mine;
	struct blklock_cmd_result res;
	u32 bs = ls->block_size;
	u64 lba = ls->lba_offset + blklock_lba(ls, lk->index);
	int stale = BLKLOCK_OWNER_LIVE;
	int ret = -EBUSY, tries;
	u64 unchanged_ms = 0;
	bool guessed;
	char why[64];
	void *buf;

	if (!blklock_lease_live(ls)) {
		if (blklock_may_report(ls))
			pr_warn("%s: node %u has no valid heartbeat (fenced, or its node id is in use elsewhere): lock %u cannot be taken\n",
				ls->name, ls->node_id, lk->index);
		return -ENOLCK;
	}
	buf = kmalloc(2 * bs, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (!lk->cached_valid) {
		ret = blklock_read_rec(ls, lk, buf);
		if (ret)
			goto out;
	}

	for (tries = 0; tries < BLKLOCK_ATTEMPT_CMDS; tries++) {
		expected = lk->cached;
		/*
		 * Compare with the record itself when taking over a stale
		 * lock or this node id's own leftover; otherwise guess that
		 * the owner let go: release keeps the generation.
		 */
		guessed = expected.owner && expected.owner != ls->node_id &&
			  stale == BLKLOCK_OWNER_LIVE;
		if (guessed) {
			expected.owner = 0;
			expected.acquired = 0;
			expected.owner_incarnation = 0;
		}
		mine = (struct blklock_rec) {
			.lock = lk->index,
			.owner = ls->node_id,
			.generation = expected.generation + 1,
			.acquired = ktime_get_real_ns(),
			.owner_incarnation = ls->hb.incarnation,
		};
		blklock_rec_encode(&expected, buf, bs);
		blklock_rec_encode(&mine, buf + bs, bs);
		blklock_caw(ls, lk->index, buf, &res);

		if (res.status == BLKLOCK_CMD_OK) {
			if (expected.owner)
				blklock_report_takeover(ls, lk->index, &expected,
							stale, unchanged_ms);
			ret = 0;
			goto acquired;
		}
		if (res.retry)
			continue;

		/* A miscompare, or a command that may have run: look. */
		ret = blklock_read_rec(ls, lk, buf);
		if (ret) {
			if (res.status == BLKLOCK_CMD_FAILED)
				ret = res.error;
			goto out;
		}
		blklock_describe_result(&res, why, sizeof(why));
		if (blklock_rec_equal(&lk->cached, &mine)) {
			atomic64_inc(&ls->stats.retried_successes);
			pr_notice("%s: compare and write of disk block %llu reported %s, but the block holds this node's record (generation %llu): an earlier attempt succeeded; lock %u acquired\n",
				  ls->name, lba,
				  res.status == BLKLOCK_CMD_MISCOMPARE ?
				  "a miscompare" : why,
				  mine.generation, lk->index);
			ret = 0;
			goto acquired;
		}
		if (blklock_rec_equal(&lk->cached, &expected)) {
			if (res.status == BLKLOCK_CMD_FAILED) {
				/* It never ran: the block is as it was. */
				if (blklock_may_report(ls))
					pr_err("%s: compare and write of disk block %llu failed: %s; the block is unchanged\n",
					       ls->name, lba, why);
				ret = res.error;
				goto out;
			}
			if (guessed) {
				/*
				 * The owner released between our command and
				 * the read: generations never go back, so the
				 * free record we guessed was not there yet.
				 */
				atomic64_inc(&ls->stats.stale_cache);
				ret = -EBUSY;
				continue;
			}
			/*
			 * We compared with a record we had seen, and no node
			 * can bring that record back once it changed: the
			 * target miscompared data that matched.
			 */
			atomic64_inc(&ls->stats.false_miscompares);
			if (blklock_may_report(ls))
				pr_warn("%s: false miscompare on disk block %llu: it holds the expected record (owner %u, generation %llu); retrying\n",
					ls->name, lba, expected.owner,
					expected.generation);
			ret = -EIO;
			continue;
		}
		if (!lk->cached.owner || lk->cached.owner == ls->node_id) {
			/* Free at another generation, or our own leftover. */
			atomic64_inc(&ls->stats.stale_cache);
			ret = -EBUSY;
			continue;
		}

		/* Another node holds it: is that node alive? */
		if (stale == BLKLOCK_OWNER_LIVE) {
			int verdict = blklock_lease_owner_stale(ls, &lk->cached,
								&unchanged_ms);

			if (verdict > 0) {
				stale = verdict;
				continue;
			}
		}
		stale = BLKLOCK_OWNER_LIVE;
		atomic64_inc(&ls->stats.busy);
		*owner = lk->cached.owner;
		if (res.status == BLKLOCK_CMD_MISCOMPARE) {
			if (!quiet && blklock_may_report(ls))
				blklock_report_busy(ls, lk, &expected, &res);
		} else if (blklock_may_report(ls)) {
			pr_err("%s: compare and write of disk block %llu failed: %s; node %u now holds the lock\n",
			       ls->name, lba, why, lk->cached.owner);
		}
		ret = -EBUSY;
		goto out;
	}
	/* Out of tries: the block kept changing, or kept miscomparing falsely. */
	if (ret == -EIO && blklock_may_report(ls))
		pr_err("%s: giving up on lock %u after %d false miscompares in a row\n",
		       ls->name, lk->index, BLKLOCK_ATTEMPT_CMDS);
	if (res.retry)
		ret = res.error;
	goto out;

acquired:
	lk->cached = mine;
	lk->cached_valid = true;
	lk->mine = mine;
	lk->epoch = atomic_read(&ls->loss_epoch);
	lk->lost = false;
out:
	kfree(buf);
	return ret;
}

/*
 * Release on the disk, with lk->mutex held by the holder.  Returns 0,
 * -ENOLCK if another node's record replaced ours, or an errno (the
 * record is then still ours).
 */
static int blklock_release_disk(struct blklock_space *ls,
				struct blklock_lock *lk)
{
	struct blklock_rec freed = lk->mine;
	struct blklock_cmd_result res;
	u32 bs = ls->block_size;
	u64 lba = ls->lba_offset + blklock_lba(ls, lk->index);
	int ret = -EIO, tries;
	char why[64];
	void *buf;

	buf = kmalloc(2 * bs, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	freed.owner = 0;
	freed.acquired = 0;

	for (tries = 0; tries < BLKLOCK_ATTEMPT_CMDS; tries++) {
		blklock_rec_encode(&lk->mine, buf, bs);
		blklock_rec_encode(&freed, buf + bs, bs);
		blklock_caw(ls, lk->index, buf, &res);
		if (res.status == BLKLOCK_CMD_OK)
			goto released;
		ret = res.error;
		if (res.retry)
			continue;
		ret = blklock_read_rec(ls, lk, buf);
		if (ret) {
			if (res.status == BLKLOCK_CMD_FAILED)
				ret = res.error;
			goto out;
		}
		blklock_describe_result(&res, why, sizeof(why));
		if (blklock_rec_equal(&lk->cached, &freed)) {
			atomic64_inc(&ls->stats.retried_successes);
			pr_notice("%s: compare and write of disk block %llu reported %s, but the block holds the free record: an earlier attempt succeeded; lock %u released\n",
				  ls->name, lba,
				  res.status == BLKLOCK_CMD_MISCOMPARE ?
				  "a miscompare" : why, lk->index);
			goto released;
		}
		if (blklock_rec_equal(&lk->cached, &lk->mine)) {
			if (res.status == BLKLOCK_CMD_FAILED) {
				if (blklock_may_report(ls))
					pr_err("%s: cannot release lock %u: compare and write of disk block %llu failed: %s; this node still holds it\n",
					       ls->name, lk->index, lba, why);
				ret = res.error;
				goto out;
			}
			atomic64_inc(&ls->stats.false_miscompares);
			if (blklock_may_report(ls))
				pr_warn("%s: false miscompare on disk block %llu: it holds the expected record (owner %u, generation %llu); retrying\n",
					ls->name, lba, lk->mine.owner,
					lk->mine.generation);
			ret = -EIO;
			continue;
		}
		pr_warn("%s: lock %u was taken from this node: disk block %llu names node %u at generation %llu, this node held generation %llu\n",
			ls->name, lk->index, lba, lk->cached.owner,
			lk->cached.generation, lk->mine.generation);
		ret = -ENOLCK;
		goto out;
	}
	goto out;

released:
	lk->cached = freed;
	lk->cached_valid = true;
	ret = 0;
out:
	kfree(buf);
	return ret;
}

static struct blklock_lock *blklock_lock_get(struct blklock_space *ls, u32 index)
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

static void blklock_drop_holder(struct blklock_lock *lk)
{
	WRITE_ONCE(lk->holder, NULL);
	wake_up_all(&lk->wq);
}

/**
 * blklock_acquire() - take a lock for an open file
 * @ls:		lockspace
 * @index:	lock index, checked by the caller
 * @holder:	the open file that will hold it
 * @flags:	BLKLOCK_ACQUIRE_*
 * @timeout_ms:	longest wait; 0 waits until a signal
 * @generation:	out: the lock's new generation
 *
 * Without BLKLOCK_ACQUIRE_NOWAIT, waits for other files of this node in
 * memory and retries a lock held by another node with a bounded,
 * randomised backoff.
 *
 * A signal ends the wait with -ERESTARTNOHAND: the caller sees EINTR
 * when a handler ran, and the ioctl restarts transparently after a stop
 * and continue (SIGSTOP, SIGCONT) or an ignored signal; nothing was
 * changed on the disk, and a restarted acquire starts its timeout again.
 *
 * Return: 0; -EBUSY (NOWAIT, held elsewhere); -ETIMEDOUT;
 * -ERESTARTNOHAND on a signal; -EDEADLK if @holder holds it already; or
 * a command's errno.
 */
int blklock_acquire(struct blklock_space *ls, u32 index, const void *holder,
		    u32 flags, u32 timeout_ms, u64 *generation)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	unsigned int backoff = BLKLOCK_BACKOFF_MIN_MS;
	bool nowait = flags & BLKLOCK_ACQUIRE_NOWAIT;
	u64 start = ktime_get_ns();
	unsigned int attempts = 0;
	struct blklock_lock *lk;
	u32 owner = 0;
	int ret;

	lk = blklock_lock_get(ls, index);
	if (IS_ERR(lk))
		return PTR_ERR(lk);

	for (;;) {
		long remaining = MAX_SCHEDULE_TIMEOUT;
		bool local;
		long t;

		if (mutex_lock_interruptible(&lk->mutex))
			return -ERESTARTNOHAND;
		if (lk->holder == holder) {
			ret = blklock_lost(ls, lk) ? -ENOLCK : -EDEADLK;
			mutex_unlock(&lk->mutex);
			return ret;
		}
		local = lk->holder;
		if (!local) {
			ret = blklock_acquire_disk(ls, lk, attempts > 0, &owner);
			attempts++;
			if (!ret) {
				WRITE_ONCE(lk->holder, holder);
				*generation = lk->mine.generation;
				atomic64_inc(&ls->stats.acquires);
			}
		}
		mutex_unlock(&lk->mutex);

		if (!local && ret != -EBUSY)
			break;
		if (nowait)
			return -EBUSY;
		if (timeout_ms) {
			if (time_after_eq(jiffies, deadline))
				return -ETIMEDOUT;
			remaining = deadline - jiffies;
		}
		if (local) {
			t = wait_event_interruptible_timeout(lk->wq,
							     !READ_ONCE(lk->holder),
							     remaining);
		} else {
			unsigned int ms = backoff / 2 +
					  get_random_u32() % (backoff / 2 + 1);

			backoff = min(backoff * 2, BLKLOCK_BACKOFF_MAX_MS);
			t = schedule_timeout_interruptible(min_t(long, remaining,
								 msecs_to_jiffies(ms)));
		}
		if (t < 0 || signal_pending(current))
			return -ERESTARTNOHAND;
	}

	if (!ret && attempts > 1 &&
	    ktime_get_ns() - start >= BLKLOCK_SLOW_ACQUIRE_NS &&
	    blklock_may_report(ls))
		pr_info("%s: lock %u acquired at generation %llu after waiting %llu ms (%u attempts; last other owner node %u)\n",
			ls->name, index, *generation,
			div_u64(ktime_get_ns() - start, NSEC_PER_MSEC),
			attempts, owner);
	return ret;
}

/**
 * blklock_release() - drop a lock an open file holds
 * @ls:		lockspace
 * @index:	lock index, checked by the caller
 * @holder:	the open file
 *
 * Return: 0; -EPERM if @holder does not hold the lock (nothing is
 * written); -ENOLCK if another node's record had replaced ours (the
 * lock is dropped); or a command's errno (the file still holds it).
 */
int blklock_release(struct blklock_space *ls, u32 index, const void *holder)
{
	struct blklock_lock *lk = xa_load(&ls->locks, index);
	int ret;

	if (!lk || READ_ONCE(lk->holder) != holder)
		return -EPERM;
	mutex_lock(&lk->mutex);
	if (lk->holder != holder) {
		mutex_unlock(&lk->mutex);
		return -EPERM;
	}
	if (blklock_lost(ls, lk)) {
		/* Others may be breaking it: leave the record to them. */
		atomic64_inc(&ls->stats.locks_lost);
		blklock_drop_holder(lk);
		mutex_unlock(&lk->mutex);
		return -ENOLCK;
	}
	ret = blklock_release_disk(ls, lk);
	if (ret == -ENOLCK)
		atomic64_inc(&ls->stats.locks_lost);
	if (!ret || ret == -ENOLCK) {
		atomic64_inc(&ls->stats.releases);
		blklock_drop_holder(lk);
	}
	mutex_unlock(&lk->mutex);
	return ret;
}

/**
 * blklock_release_all() - drop every lock an open file holds
 * @ls:		lockspace
 * @holder:	the file being closed
 *
 * A lock whose release fails is dropped all the same; its record still
 * names this node, and the next acquire on this node takes it back.
 */
void blklock_release_all(struct blklock_space *ls, const void *holder)
{
	struct blklock_lock *lk;
	unsigned long index;
	int ret;

	xa_for_each(&ls->locks, index, lk) {
		if (READ_ONCE(lk->holder) != holder)
			continue;
		ret = blklock_release(ls, index, holder);
		if (!ret || ret == -ENOLCK || ret == -EPERM)
			continue;
		mutex_lock(&lk->mutex);
		if (lk->holder == holder) {
			pr_err("%s: lock %u could not be released on close (error %d): its record still names node %u, which takes it back at its next acquire\n",
			       ls->name, lk->index, ret, ls->node_id);
			lk->cached = lk->mine;
			lk->cached_valid = true;
			blklock_drop_holder(lk);
		}
		mutex_unlock(&lk->mutex);
	}
}

/**
 * blklock_status() - read a lock's record from the disk
 * @ls:		lockspace
 * @index:	lock index, checked by the caller
 * @holder:	the asking file
 * @st:		out: owner, generation, state
 *
 * Return: 0, or the errno of the read.
 */
int blklock_status(struct blklock_space *ls, u32 index, const void *holder,
		   struct blklock_status *st)
{
	struct blklock_lock *lk = blklock_lock_get(ls, index);
	void *buf;
	int ret;

	if (IS_ERR(lk))
		return PTR_ERR(lk);
	buf = kmalloc(ls->block_size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (mutex_lock_interruptible(&lk->mutex)) {
		kfree(buf);
		return -EINTR;
	}
	ret = blklock_read_rec(ls, lk, buf);
	if (!ret) {
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
	}
	mutex_unlock(&lk->mutex);
	kfree(buf);
	return ret;
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
	blklock_lease_init(ls);
}

/**
 * blklock_space_destroy() - free the lock state of a lockspace
 * @ls:		lockspace no file is bound to any more
 */
void blklock_space_destroy(struct blklock_space *ls)
{
	struct blklock_lock *lk;
	unsigned long index;

	xa_for_each(&ls->locks, index, lk)
		kfree(lk);
	xa_destroy(&ls->locks);
	blklock_lease_destroy(ls);
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
 * -ENOLCK if the lock is lost (fence, takeover); or a command's errno.
 */
int blklock_validate(struct blklock_space *ls, u32 index, const void *holder,
		     u64 generation)
{
	struct blklock_lock *lk = xa_load(&ls->locks, index);
	struct blklock_cmd_result res;
	int ret = -EIO, tries;
	void *buf;

	if (!lk || READ_ONCE(lk->holder) != holder)
		return -EPERM;
	buf = kmalloc(2 * ls->block_size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	mutex_lock(&lk->mutex);
	if (lk->holder != holder) {
		ret = -EPERM;
		goto out;
	}
	if (generation != lk->mine.generation) {
		ret = -EINVAL;
		goto out;
	}
	if (blklock_lost(ls, lk)) {
		ret = -ENOLCK;
		goto out;
	}
	for (tries = 0; tries < BLKLOCK_ATTEMPT_CMDS; tries++) {
		blklock_rec_encode(&lk->mine, buf, ls->block_size);
		blklock_rec_encode(&lk->mine, buf + ls->block_size,
				   ls->block_size);
		blklock_caw(ls, index, buf, &res);
		ret = res.error;
		if (res.status == BLKLOCK_CMD_OK)
			break;
		if (res.retry)
			continue;
		ret = blklock_read_rec(ls, lk, buf);
		if (ret)
			break;
		if (blklock_rec_equal(&lk->cached, &lk->mine)) {
			if (res.status == BLKLOCK_CMD_FAILED) {
				ret = res.error;
				break;
			}
			atomic64_inc(&ls->stats.false_miscompares);
			ret = -EIO;
			continue;
		}
		lk->lost = true;
		pr_warn("%s: lock %u was taken from this node: disk block %llu names node %u at generation %llu, this node held generation %llu\n",
			ls->name, index, ls->lba_offset + blklock_lba(ls, index),
			lk->cached.owner, lk->cached.generation,
			lk->mine.generation);
		ret = -ENOLCK;
		break;
	}
	if (res.status == BLKLOCK_CMD_OK)
		ret = blklock_lost(ls, lk) ? -ENOLCK : 0;
out:
	mutex_unlock(&lk->mutex);
	kfree(buf);
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
