// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: what dmesg says about locks.
 *
 * Reports about one lockspace are rate limited together (10 every 5 s);
 * the first report printed after some were held back says how many.
 * The two lines of a miscompare against a lock another node holds keep
 * the exact wording administrators search for.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/ktime.h>

#include "blklock.h"
#include "blklock_trace.h"

/**
 * blklock_may_report() - may a report about this lockspace be printed?
 * @ls:		lockspace
 *
 * Return: true if the rate limit allows it; then any count of reports
 * held back since the last one has just been printed.
 */
bool blklock_may_report(struct blklock_space *ls)
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

/**
 * blklock_lock_label() - how dmesg names a lock
 * @lb:		room for the text
 * @index:	lock index
 * @r:		its record, as read or written
 *
 * Return: "lock L", or "lock L (NAME)" for a record with a name (format
 * 4), in @lb.
 */
const char *blklock_lock_label(struct blklock_label *lb, u32 index,
			       const struct blklock_rec *r)
{
	if (r->name[0])
		snprintf(lb->s, sizeof(lb->s), "lock %u (%s)", index, r->name);
	else
		snprintf(lb->s, sizeof(lb->s), "lock %u", index);
	return lb->s;
}

/**
 * blklock_report_busy() - the miscompare report: another node holds it
 * @ls:		lockspace
 * @lk:		the lock, with the record read back in @lk->cached
 * @expected:	the compare image this node sent
 * @res:	the COMPARE AND WRITE's result
 */
void blklock_report_busy(struct blklock_space *ls, const struct blklock_lock *lk,
			 const struct blklock_rec *expected,
			 const struct blklock_cmd_result *res)
{
	const struct blklock_rec *found = &lk->cached;
	u64 lba = ls->lba_offset + blklock_lock_lba(ls, lk->index);
	char where[48], name[BLKLOCK_NODE_NAME_MAX];
	struct blklock_label lb;
	s64 held_ms = 0;

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
	blklock_watch_name(ls, found->owner, name);
	pr_warn("%s: %s: node %u%s%s%s holds generation %llu, taken %lld ms ago by its clock; this node's compare and write took %llu us, %s\n",
		ls->name, blklock_lock_label(&lb, lk->index, found),
		found->owner, name[0] ? " (" : "", name,
		name[0] ? ")" : "", found->generation,
		max_t(s64, held_ms, 0), div_u64(res->duration_ns, NSEC_PER_USEC),
		where);
}

/**
 * blklock_report_takeover() - a lock was taken from a record that named
 *	a node
 * @ls:		lockspace
 * @index:	lock index
 * @old:	the record replaced
 * @stale:	BLKLOCK_OWNER_* verdict on its owner
 * @unchanged_ms: for DEAD, how long its slot stood still
 */
void blklock_report_takeover(struct blklock_space *ls, u32 index,
			     const struct blklock_rec *old, int stale,
			     u64 unchanged_ms)
{
	struct blklock_label lb;

	trace_blklock_takeover(ls->name, index, old, stale, unchanged_ms);
	if (stale == BLKLOCK_OWNER_LIVE) {
		/* A record of this very incarnation that no file held. */
		atomic64_inc(&ls->stats.reclaims);
		pr_notice("%s: %s still named this node from before; taken back at generation %llu\n",
			  ls->name, blklock_lock_label(&lb, index, old),
			  old->generation + 1);
		return;
	}
	atomic64_inc(&ls->stats.takeovers);
	if (stale == BLKLOCK_OWNER_DEAD)
		pr_warn("%s: breaking stale %s held by node %u (heartbeat unchanged for %llu ms, slot marked evicted)\n",
			ls->name, blklock_lock_label(&lb, index, old),
			old->owner, unchanged_ms);
	else
		pr_warn("%s: breaking stale %s held by node %u (its incarnation %016llx no longer heartbeats)\n",
			ls->name, blklock_lock_label(&lb, index, old),
			old->owner, old->owner_incarnation);
	pr_warn("%s: %s taken over at generation %llu (was %llu)\n",
		ls->name, blklock_lock_label(&lb, index, old),
		old->generation + 1, old->generation);
}

/**
 * blklock_report_fate() - say why a command on a lock record did not do
 *	what it was sent for
 * @ls:		lockspace
 * @what:	"acquire", "release", "validate", "break"
 * @index:	lock index
 * @op:		the command, after blklock_caw_resolve()
 * @fate:	its fate: NOT_RUN, FALSE_MISCOMPARE, UNKNOWN or UNREAD
 * @reaped:	for UNKNOWN: the file lost the lock and the reaper looks
 *		after the record the command may leave
 */
void blklock_report_fate(struct blklock_space *ls, const char *what, u32 index,
			 struct blklock_caw *op, enum blklock_fate fate,
			 bool reaped)
{
	u64 lba = ls->lba_offset + op->lba;
	char why[64];

	if (!blklock_may_report(ls))
		return;
	blklock_describe_result(&op->res, why, sizeof(why));
	switch (fate) {
	case BLKLOCK_FATE_UNKNOWN:
		pr_err("%s: %s of lock %u: compare and write of disk block %llu failed (%s) and may still execute later%s\n",
		       ls->name, what, index, lba, why,
		       reaped ?
		       "; the lock is not this file's, and the reaper frees what it may leave" :
		       "");
		break;
	case BLKLOCK_FATE_FALSE_MISCOMPARE:
		pr_err("%s: %s of lock %u: giving up after repeated false miscompares on disk block %llu (the block holds the expected record)\n",
		       ls->name, what, index, lba);
		break;
	case BLKLOCK_FATE_UNREAD:
		pr_err("%s: %s of lock %u: compare and write of disk block %llu miscompared and the block cannot be read back\n",
		       ls->name, what, index, lba);
		break;
	default:
		pr_err("%s: %s of lock %u: compare and write of disk block %llu failed: %s; the block is unchanged\n",
		       ls->name, what, index, lba, why);
		break;
	}
}
