// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: one COMPARE AND WRITE and what became of it.
 *
 * Every change blklock makes to a shared block (a lock record, a
 * heartbeat slot) is one COMPARE AND WRITE from an exact image to
 * another.  Whatever the target answers other than success is resolved
 * here, in one place, by reading the block back: the answer is a
 * blklock_fate (blklock_caw_fate() decides it).  A command whose fate is
 * unknown may still land later; since every image carries a generation
 * or a counter that never repeats, it can only land on a block that is
 * still exactly as its sender saw it, or, for an acquire that guessed
 * that a live owner let go, on the free record that owner leaves when it
 * does (lock.c gives such images to the reaper).
 */
#include <linux/kernel.h>
#include <linux/string.h>

#include "blklock.h"
#include "blklock_trace.h"

/* Copies of one command sent while the target says it did not run it. */
#define BLKLOCK_CAW_COPIES	4

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

/**
 * blklock_read_blocks() - READ with the lockspace's counters
 * @ls:		lockspace
 * @lba:	first block, relative to the lockspace's device
 * @nr:		blocks
 * @buf:	@nr blocks
 * @timeout_ms:	0 for io_timeout_ms (the ops ignore it for READ today)
 * @res:	out: the result
 *
 * Return: 0 or the command's errno.
 */
int blklock_read_blocks(struct blklock_space *ls, u64 lba, u32 nr, void *buf,
			u32 timeout_ms, struct blklock_cmd_result *res)
{
	memset(res, 0, sizeof(*res));
	ls->ops->read(ls, lba, nr, buf, res);
	atomic64_inc(&ls->stats.reads);
	blklock_latency_add(&ls->stats.read_latency, res->duration_ns);
	if (res->status == BLKLOCK_CMD_OK)
		return 0;
	atomic64_inc(&ls->stats.errors);
	return res->error ?: -EIO;
}

static void blklock_caw_send(struct blklock_space *ls, struct blklock_caw *op)
{
	struct blklock_cmd_result *res = &op->res;

	memset(res, 0, sizeof(*res));
	ls->ops->caw(ls, op->lba, op->buf, op->timeout_ms, res);
	if (op->heartbeat) {
		atomic64_inc(&ls->stats.hb_sent);
	} else {
		atomic64_inc(&ls->stats.caw_sent);
		blklock_latency_add(&ls->stats.caw_latency, res->duration_ns);
		if (res->status == BLKLOCK_CMD_MISCOMPARE)
			atomic64_inc(&ls->stats.miscompares);
	}
	if (res->status == BLKLOCK_CMD_FAILED)
		atomic64_inc(&ls->stats.errors);
	if (res->uncertain)
		op->uncertain = true;
}

/**
 * blklock_caw_resolve() - send a COMPARE AND WRITE and find out what
 *	became of it
 * @ls:		lockspace
 * @op:		the command: block, images in @op->buf, timeout; on return
 *		@op->res holds the last copy's result and, unless the fate
 *		is WROTE or NOT_RUN without a read, the third block of
 *		@op->buf holds what the block held afterwards
 *
 * Resends the command while the target says it did not execute it
 * (unit attention, busy) and after a false miscompare, at most four
 * copies in all.  A command that may still land is never taken for one
 * that did not run.
 *
 * Return: the fate (BLKLOCK_FATE_*).
 */
enum blklock_fate blklock_caw_resolve(struct blklock_space *ls,
				      struct blklock_caw *op)
{
	u32 bs = ls->block_size;
	void *found = blklock_caw_found(ls, op);
	struct blklock_cmd_result rres;
	enum blklock_fate fate = BLKLOCK_FATE_NOT_RUN;
	int copies, rerr;

	op->uncertain = false;
	for (copies = 1; copies <= BLKLOCK_CAW_COPIES; copies++) {
		blklock_caw_send(ls, op);
		if (op->res.status == BLKLOCK_CMD_OK) {
			fate = BLKLOCK_FATE_WROTE;
			break;
		}
		if (op->res.retry && !op->uncertain)
			continue;
		rerr = blklock_read_blocks(ls, op->lba, 1, found,
					   op->timeout_ms, &rres);
		fate = blklock_caw_fate(op->res.status, op->uncertain, rerr,
					!rerr && !memcmp(found, op->buf + bs, bs),
					!rerr && !memcmp(found, op->buf, bs));
		if (fate == BLKLOCK_FATE_WROTE)
			atomic64_inc(&ls->stats.retried_successes);
		if (fate != BLKLOCK_FATE_FALSE_MISCOMPARE)
			break;
		if (op->seen)
			atomic64_inc(&ls->stats.false_miscompares);
		else
			atomic64_inc(&ls->stats.stale_cache);
	}
	if (fate == BLKLOCK_FATE_UNKNOWN)
		atomic64_inc(&ls->stats.unknown);
	trace_blklock_caw(ls->name, op->lba, op->heartbeat,
			  min(copies, BLKLOCK_CAW_COPIES), fate);
	return fate;
}

/**
 * blklock_fate_errno() - the errno for a command that did not write
 * @op:		the command, after blklock_caw_resolve()
 * @fate:	its fate, other than WROTE and CHANGED
 *
 * Return: the command's own errno when it failed (-ETIMEDOUT, ...),
 * else -EIO.
 */
int blklock_fate_errno(const struct blklock_caw *op, enum blklock_fate fate)
{
	if (fate == BLKLOCK_FATE_NOT_RUN || fate == BLKLOCK_FATE_UNKNOWN)
		return op->res.error ?: -EIO;
	return -EIO;
}
