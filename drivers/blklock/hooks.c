// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: fault hooks of the test build (make BLKLOCK_TEST_HOOKS=y),
 * under /sys/kernel/debug/blklock/<disk>/:
 *
 *   hb_pause       1 freezes this node's heartbeat and fence timer, as a
 *                  paused VM would; 0 thaws it
 *   fence_in_caw   1: the next COMPARE AND WRITE of a lock record, 2: the
 *                  next one of this node's heartbeat slot, fences the
 *                  node while it is in flight (after the caller took its
 *                  snapshot, before the command executes)
 *   late_lock_ms   N: the next COMPARE AND WRITE of a lock record reports
 *   late_hb_ms     a timeout at once and reaches the disk N ms later (the
 *                  next one of this node's slot, for late_hb_ms): a
 *                  command that lands after the initiator gave up
 *
 * and, once for the module, /sys/kernel/debug/blklock/leak_objects:
 * writing N (1 to 16) allocates N objects filled with BLKLOCK_LEAK_MARK
 * and forgets them, so that the debug kernel's kmemleak check has an object
 * it must report (its positive control, VM test 91-kmemleak).
 *
 * Never built into the production module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <scsi/scsi.h>

#include "blklock.h"

/**
 * struct blklock_hooks - fault hooks of one lockspace
 * @ls:		the lockspace
 * @fence_in_caw: 1 or 2 as above, 0 when idle
 * @late_lock_ms: delay of the next late lock record command, 0 if none
 * @late_hb_ms:	delay of the next late heartbeat command, 0 if none
 * @late_work:	sends the late command
 * @late_lba:	its block
 * @late_buf:	its compare and write images
 * @late_busy:	a late command is waiting
 */
struct blklock_hooks {
	struct blklock_space *ls;
	atomic_t fence_in_caw;
	atomic_t late_lock_ms;
	atomic_t late_hb_ms;
	struct delayed_work late_work;
	u64 late_lba;
	void *late_buf;
	atomic_t late_busy;
};

static struct dentry *blklock_debugfs_root;

/* What a leak_objects object holds, as kmemleak's hex dump shows it. */
#define BLKLOCK_LEAK_MARK	"BLKLOCK-LEAK-CTL"
#define BLKLOCK_LEAK_SIZE	256
#define BLKLOCK_LEAK_MAX	16

static void blklock_late_workfn(struct work_struct *work)
{
	struct blklock_hooks *h = container_of(to_delayed_work(work),
					       struct blklock_hooks, late_work);
	struct blklock_space *ls = h->ls;
	struct blklock_cmd_result res;
	char why[64];

	blklock_disk_caw(ls->disk, h->late_lba, h->late_buf, 0, false, &res);
	blklock_describe_result(&res, why, sizeof(why));
	pr_info("%s: test hook: a late compare and write reached disk block %llu: %s\n",
		ls->name, ls->lba_offset + h->late_lba,
		res.status == BLKLOCK_CMD_MISCOMPARE ? "miscompare" : why);
	atomic_set(&h->late_busy, 0);
}

/**
 * blklock_hooks_caw() - apply the fault hooks to a COMPARE AND WRITE
 * @ls:		lockspace
 * @lba:	its block
 * @buf:	its images
 * @res:	its result, when the hook answers for the disk
 *
 * Return: true if the hook answered (a late command), false to send it.
 */
bool blklock_hooks_caw(struct blklock_space *ls, u64 lba, void *buf,
		       struct blklock_cmd_result *res)
{
	struct blklock_hooks *h = ls->hooks;
	int kind, ms;

	if (!h)
		return false;
	if (lba == blklock_hb_lba(ls, ls->node_id))
		kind = 2;
	else if (lba >= ls->hdr.lock_lba)
		kind = 1;
	else
		return false;
	if (atomic_cmpxchg(&h->fence_in_caw, kind, 0) == kind)
		blklock_lease_fence(ls, "was fenced by a test hook during a command",
				    true);
	ms = atomic_xchg(kind == 1 ? &h->late_lock_ms : &h->late_hb_ms, 0);
	if (!ms || atomic_cmpxchg(&h->late_busy, 0, 1))
		return false;
	memcpy(h->late_buf, buf, 2 * ls->block_size);
	h->late_lba = lba;
	queue_delayed_work(blklock_wq, &h->late_work, msecs_to_jiffies(ms));
	blklock_decode_result(DID_TIME_OUT << 16, -ETIMEDOUT, NULL, 0, res);
	return true;
}

static int blklock_pause_get(void *data, u64 *val)
{
	*val = READ_ONCE(((struct blklock_space *)data)->hb_paused);
	return 0;
}

static int blklock_pause_set(void *data, u64 val)
{
	blklock_lease_set_paused(data, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(blklock_pause_fops, blklock_pause_get,
			 blklock_pause_set, "%llu\n");

static noinline void blklock_leak_one(void)
{
	const size_t n = sizeof(BLKLOCK_LEAK_MARK) - 1;
	char *p = kmalloc(BLKLOCK_LEAK_SIZE, GFP_KERNEL);
	size_t i;

	for (i = 0; p && i + n <= BLKLOCK_LEAK_SIZE; i += n)
		memcpy(p + i, BLKLOCK_LEAK_MARK, n);
	OPTIMIZER_HIDE_VAR(p);	/* the stores stay; the pointer goes */
}

static int blklock_leak_set(void *data, u64 val)
{
	u64 i;

	if (!val || val > BLKLOCK_LEAK_MAX)
		return -EINVAL;
	for (i = 0; i < val; i++)
		blklock_leak_one();
	pr_info("test hook: leaked %llu objects of %d bytes holding %s on purpose (kmemleak's control)\n",
		val, BLKLOCK_LEAK_SIZE, BLKLOCK_LEAK_MARK);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(blklock_leak_fops, NULL, blklock_leak_set, "%llu\n");

/**
 * blklock_hooks_add() - create the hooks of a lockspace being attached
 * @ls:		lockspace
 */
void blklock_hooks_add(struct blklock_space *ls)
{
	struct blklock_hooks *h = kzalloc(sizeof(*h), GFP_KERNEL);

	if (h)
		h->late_buf = kmalloc(2 * ls->block_size, GFP_KERNEL);
	if (!h || !h->late_buf) {
		kfree(h);
		pr_warn("%s: no memory for the test hooks\n", ls->name);
		return;
	}
	h->ls = ls;
	INIT_DELAYED_WORK(&h->late_work, blklock_late_workfn);
	ls->hooks = h;
	ls->debugfs = debugfs_create_dir(ls->name, blklock_debugfs_root);
	debugfs_create_file_unsafe("hb_pause", 0600, ls->debugfs, ls,
				   &blklock_pause_fops);
	debugfs_create_atomic_t("fence_in_caw", 0600, ls->debugfs,
				&h->fence_in_caw);
	debugfs_create_atomic_t("late_lock_ms", 0600, ls->debugfs,
				&h->late_lock_ms);
	debugfs_create_atomic_t("late_hb_ms", 0600, ls->debugfs,
				&h->late_hb_ms);
}

/**
 * blklock_hooks_remove() - remove the hooks of a lockspace being
 *	detached; a late command still waiting is sent now
 * @ls:		lockspace
 */
void blklock_hooks_remove(struct blklock_space *ls)
{
	struct blklock_hooks *h = ls->hooks;

	debugfs_remove_recursive(ls->debugfs);
	ls->debugfs = NULL;
	if (!h)
		return;
	flush_delayed_work(&h->late_work);
	ls->hooks = NULL;
	kfree(h->late_buf);
	kfree(h);
}

/**
 * blklock_hooks_init() - create /sys/kernel/debug/blklock
 */
void blklock_hooks_init(void)
{
	blklock_debugfs_root = debugfs_create_dir("blklock", NULL);
	debugfs_create_file_unsafe("leak_objects", 0200, blklock_debugfs_root,
				   NULL, &blklock_leak_fops);
	pr_warn("built with test hooks: not for production\n");
}

/**
 * blklock_hooks_exit() - remove /sys/kernel/debug/blklock
 */
void blklock_hooks_exit(void)
{
	debugfs_remove_recursive(blklock_debugfs_root);
}
