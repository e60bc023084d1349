// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: locks held by open files.
 *
 * A lock belongs to the open /dev/blklock file that took it.  Inside one
 * node, the files that want a lock queue on its wait queue and only the
 * one at the front sends commands (lock.c, one attempt each); a lock
 * another node holds is retried after a bounded, randomised backoff.
 * Every acquire and release is traced, begin and end (blklock_trace.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/pid.h>
#include <linux/random.h>
#include <linux/sched/signal.h>

#include "blklock.h"
#include "blklock_trace.h"

/* Backoff between attempts at a lock another node holds, ms. */
#define BLKLOCK_BACKOFF_MIN_MS	2
#define BLKLOCK_BACKOFF_MAX_MS	256
/* An acquire that waited this long says so in dmesg. */
#define BLKLOCK_SLOW_ACQUIRE_NS	(1000ULL * NSEC_PER_MSEC)

static void blklock_drop_holder(struct blklock_lock *lk)
{
	put_pid(lk->holder_pid);
	lk->holder_pid = NULL;
	lk->requested = false;
	WRITE_ONCE(lk->request_unseen, false);
	WRITE_ONCE(lk->holder, NULL);
	wake_up_all(&lk->wq);
}

/* How an acquire went, for its trace event and its dmesg line. */
struct blklock_acq_wait {
	u64 start;
	unsigned int attempts;
	u32 owner;		/* the other node last seen holding it */
};

/* blklock_acquire()'s loop: see there. */
static int blklock_acquire_wait(struct blklock_space *ls, u32 index,
				const void *holder, u32 flags, u32 timeout_ms,
				u64 *generation, struct blklock_acq_wait *w)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	unsigned int backoff = BLKLOCK_BACKOFF_MIN_MS;
	bool nowait = flags & BLKLOCK_ACQUIRE_NOWAIT;
	struct blklock_lock *lk;
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
			ret = blklock_acquire_disk(ls, lk, w->attempts > 0,
						   &w->owner);
			w->attempts++;
			if (!ret) {
				lk->holder_pid = get_pid(task_tgid(current));
				lk->requested = false;
				WRITE_ONCE(lk->request_unseen, false);
				WRITE_ONCE(lk->holder, holder);
				*generation = lk->mine.generation;
				atomic64_inc(&ls->stats.acquires);
			}
		}
		mutex_unlock(&lk->mutex);

		if (!local && ret != -EBUSY)
			return ret;
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
	struct blklock_acq_wait w = { .start = ktime_get_ns() };
	u64 waited;
	int ret;

	trace_blklock_acquire_begin(ls->name, index, flags);
	ret = blklock_acquire_wait(ls, index, holder, flags, timeout_ms,
				   generation, &w);
	waited = ktime_get_ns() - w.start;
	trace_blklock_acquire_end(ls->name, index, ret, ret ? 0 : *generation,
				  w.owner, waited);
	if (!ret && w.attempts > 1 && waited >= BLKLOCK_SLOW_ACQUIRE_NS &&
	    blklock_may_report(ls))
		pr_info("%s: lock %u acquired at generation %llu after waiting %llu ms (%u attempts; last other owner node %u)\n",
			ls->name, index, *generation,
			div_u64(waited, NSEC_PER_MSEC), w.attempts, w.owner);
	return ret;
}

/* blklock_release() without its trace events. */
static int blklock_release_one(struct blklock_space *ls, u32 index,
			       const void *holder, u64 *generation)
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
	*generation = lk->mine.generation;
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
	u64 start = ktime_get_ns(), generation = 0;
	int ret;

	trace_blklock_release_begin(ls->name, index, 0);
	ret = blklock_release_one(ls, index, holder, &generation);
	trace_blklock_release_end(ls->name, index, ret, generation,
				  ls->node_id, ktime_get_ns() - start);
	return ret;
}

/**
 * blklock_release_all() - drop every lock an open file holds
 * @ls:		lockspace
 * @holder:	the file being closed
 *
 * A lock whose release fails is dropped all the same; its record still
 * names this node, and the reaper frees it (it retries every heartbeat
 * interval), unless an acquire on this node takes it back first.
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
			pr_err("%s: lock %u could not be released on close (error %d): its record still names node %u; the reaper frees it\n",
			       ls->name, lk->index, ret, ls->node_id);
			lk->cached = lk->mine;
			lk->cached_valid = true;
			blklock_reap_note(ls, lk, &lk->mine, 0);
			blklock_drop_holder(lk);
		}
		mutex_unlock(&lk->mutex);
	}
}
