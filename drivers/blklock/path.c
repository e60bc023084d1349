// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: the paths of a lockspace to its LUN.
 *
 * A lockspace is attached through one SCSI disk, its first path; others
 * to the same LUN may be added (BLKLOCK_IOC_ADD_PATH) once they prove to
 * be the same LUN: the same LUN designator (VPD page 0x83) where both
 * report one, the same block 0, and the same heartbeat slot of this node
 * read through both (a copy of the LUN, a snapshot, has the same header
 * but not this node's latest renewal).
 *
 * Every command goes to the active path.  One that fails with a path
 * error (blklock_path_error()) marks that path failed and makes the next
 * working path active; a READ is then sent again there at once, and so
 * is a COMPARE AND WRITE the target certainly did not receive.  A
 * COMPARE AND WRITE that may have executed is returned as it failed: its
 * caller settles it by reading the block (caw.c), through the new path,
 * exactly as any command of unknown outcome, so failing over changes
 * which path carries a command and nothing about what a result means.
 * Failed paths are probed every BLKLOCK_PATH_PROBE_MS with a COMPARE
 * AND WRITE of block 0 onto itself and used again when it succeeds.
 *
 * With one path nothing here runs but the command itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <scsi/scsi_device.h>

#include "blklock.h"
#include "blklock_trace.h"

#define BLKLOCK_PATH_PROBE_MS	5000
/* Probe work runs skipped, at most, after probes that got no answer. */
#define BLKLOCK_PATH_PROBE_MAX	64U
/* Reads of this node's slot through two paths before calling them two LUNs. */
#define BLKLOCK_PATH_SLOT_TRIES	3

/**
 * blklock_nr_paths() - how many paths a lockspace has
 * @ls:		lockspace
 *
 * Return: the number of paths, each of them set up.
 */
unsigned int blklock_nr_paths(struct blklock_space *ls)
{
	/* Pairs with blklock_path_add(): paths[i] is set up for i < nr. */
	return smp_load_acquire(&ls->nr_paths);
}

static unsigned int blklock_path_pick(struct blklock_space *ls,
				      unsigned int nr)
{
	return blklock_path_next(READ_ONCE(ls->path_failed), nr,
				 atomic_read(&ls->path_active));
}

/* A command went through path @i: if it had failed, it works again. */
static void blklock_path_works(struct blklock_space *ls, unsigned int i)
{
	if (!test_and_clear_bit(i, &ls->path_failed))
		return;
	pr_info("%s: path %s works again\n", ls->name, ls->paths[i].d->name);
	trace_blklock_path(ls->name, ls->paths[i].d->name, false,
			   ls->paths[atomic_read(&ls->path_active)].d->name, 0);
}

/*
 * Path @i failed a command with @res: mark it, and make the next working
 * path active.  Return: true if another path is now active.
 */
static bool blklock_path_failed(struct blklock_space *ls, unsigned int i,
				unsigned int nr,
				const struct blklock_cmd_result *res)
{
	struct blklock_path *p = &ls->paths[i];
	unsigned int next;
	char why[64];

	atomic64_inc(&p->errors);
	if (test_and_set_bit(i, &ls->path_failed))
		return blklock_path_pick(ls, nr) != i;
	atomic64_set(&p->failed_ms, ktime_get_boottime_ns() / NSEC_PER_MSEC);
	blklock_describe_result(res, why, sizeof(why));
	next = blklock_path_pick(ls, nr);
	trace_blklock_path(ls->name, p->d->name, true, ls->paths[next].d->name,
			   res->error);
	if (next == i) {
		pr_warn("%s: path %s failed (%s) and no other path works\n",
			ls->name, p->d->name, why);
		return false;
	}
	atomic_cmpxchg(&ls->path_active, i, next);
	atomic64_inc(&p->failovers);
	atomic_inc(&ls->path_switches);
	pr_warn("%s: path %s failed (%s): commands go through %s now\n",
		ls->name, p->d->name, why, ls->paths[next].d->name);
	queue_delayed_work(blklock_wq, &ls->path_work,
			   msecs_to_jiffies(BLKLOCK_PATH_PROBE_MS));
	return true;
}

/* One command, for blklock_path_send(). */
struct blklock_path_cmd {
	bool caw;		/* COMPARE AND WRITE, else READ */
	u64 lba;
	u32 nr_blocks;		/* READ only */
	void *buf;
	u32 timeout_ms;		/* COMPARE AND WRITE only */
};

/*
 * Send @cmd through the active path; after a path error, again through
 * the next working path, unless it is a COMPARE AND WRITE that may have
 * reached the target: its caller settles that one by reading the block
 * (through the new active path).  @res: the last copy's result.
 */
static void blklock_path_send(struct blklock_space *ls,
			      const struct blklock_path_cmd *cmd,
			      struct blklock_cmd_result *res)
{
	unsigned int nr = blklock_nr_paths(ls), tries, i;
	struct blklock_disk *d;
	bool hurry;

	for (tries = 0; tries < nr; tries++) {
		i = blklock_path_pick(ls, nr);
		d = ls->paths[i].d;
		/* A heartbeat command that another working path could carry. */
		hurry = cmd->timeout_ms &&
			blklock_path_next(READ_ONCE(ls->path_failed) | BIT(i),
					  nr, i) != i;
		if (cmd->caw)
			blklock_disk_caw(d, cmd->lba, cmd->buf, cmd->timeout_ms,
					 hurry, res);
		else
			blklock_disk_read(d, cmd->lba, cmd->nr_blocks, cmd->buf,
					  res);
		if (nr == 1)
			return;
		if (!blklock_path_error(res)) {
			blklock_path_works(ls, i);
			return;
		}
		if (!blklock_path_failed(ls, i, nr, res) ||
		    (cmd->caw && res->uncertain))
			return;
	}
}

/**
 * blklock_path_caw() - COMPARE AND WRITE through the active path
 * @ls:		lockspace
 * @lba:	block, relative to the lockspace's device
 * @buf:	compare image then write image
 * @timeout_ms:	timeout, 0 for io_timeout_ms
 * @res:	out: the result of the last copy sent
 *
 * A copy that failed with a path error is sent again through the next
 * path only if the target certainly did not receive it; otherwise the
 * caller reads the block (through the new active path) to settle it.
 */
void blklock_path_caw(struct blklock_space *ls, u64 lba, void *buf,
		      u32 timeout_ms, struct blklock_cmd_result *res)
{
	struct blklock_path_cmd cmd = {
		.caw = true, .lba = lba, .buf = buf, .timeout_ms = timeout_ms,
	};

	blklock_path_send(ls, &cmd, res);
}

/**
 * blklock_path_read() - READ through the active path, again through the
 *	next one after a path error
 * @ls:		lockspace
 * @lba:	first block, relative to the lockspace's device
 * @nr_blocks:	blocks
 * @buf:	out: their contents
 * @res:	out: the result of the last copy sent
 */
void blklock_path_read(struct blklock_space *ls, u64 lba, u32 nr_blocks,
		       void *buf, struct blklock_cmd_result *res)
{
	struct blklock_path_cmd cmd = {
		.lba = lba, .nr_blocks = nr_blocks, .buf = buf,
	};

	blklock_path_send(ls, &cmd, res);
}

/*
 * Block 0 through @d, then onto itself through @d (the attach's probe,
 * without its dmesg lines: a dead path is probed every few seconds).
 */
static bool blklock_path_probe(struct blklock_space *ls,
			       struct blklock_disk *d, void *buf)
{
	struct blklock_cmd_result res;
	u32 bs = ls->block_size;

	blklock_disk_read(d, 0, 1, buf, &res);
	if (res.status != BLKLOCK_CMD_OK)
		return false;
	memcpy(buf + bs, buf, bs);
	blklock_disk_caw(d, 0, buf, 0, false, &res);
	return res.status == BLKLOCK_CMD_OK;
}

/*
 * Probe path @i if it is due: true if it works.  A probe that got no
 * answer (abandoned: a hung path keeps its commands) doubles the time to
 * the next one, up to BLKLOCK_PATH_PROBE_MAX runs of the probe work, so
 * that a path that hangs for hours does not collect a command every
 * few seconds.  Only the probe work calls it.
 */
static bool blklock_path_probe_due(struct blklock_space *ls, unsigned int i,
				   void *buf)
{
	struct blklock_path *p = &ls->paths[i];
	s64 abandoned = atomic64_read(&p->d->abandoned);

	if (p->probe_wait) {
		p->probe_wait--;
		return false;
	}
	if (buf && blklock_path_probe(ls, p->d, buf)) {
		p->probe_every = 0;
		return true;
	}
	if (atomic64_read(&p->d->abandoned) != abandoned) {
		p->probe_every = clamp(2 * p->probe_every, 1U,
				       BLKLOCK_PATH_PROBE_MAX);
		p->probe_wait = p->probe_every;
	}
	return false;
}

static void blklock_path_workfn(struct work_struct *work)
{
	struct blklock_space *ls = container_of(to_delayed_work(work),
						struct blklock_space,
						path_work);
	unsigned int nr = blklock_nr_paths(ls), i;
	void *buf = kmalloc(2 * ls->block_size, GFP_KERNEL);
	bool again = false;

	for (i = 0; i < nr; i++) {
		if (!test_bit(i, &ls->path_failed))
			continue;
		if (blklock_path_probe_due(ls, i, buf))
			blklock_path_works(ls, i);
		else
			again = true;
	}
	kfree(buf);
	if (again)
		queue_delayed_work(blklock_wq, &ls->path_work,
				   msecs_to_jiffies(BLKLOCK_PATH_PROBE_MS));
}

/* ---- adding a path ------------------------------------------------------ */

static int blklock_path_refuse(struct blklock_space *ls, const char *path,
			       int err, const char *why)
{
	pr_err("%s: cannot add path %s: %s\n", ls->name, path, why);
	return err;
}

static int blklock_path_read_one(struct blklock_disk *d, u64 lba, void *buf)
{
	struct blklock_cmd_result res;

	blklock_disk_read(d, lba, 1, buf, &res);
	return res.status == BLKLOCK_CMD_OK ? 0 : res.error ?: -EIO;
}

/*
 * Is @d the LUN of the lockspace, not another one or a copy of it?  On
 * success @buf (two blocks) starts with block 0 as read through @d.
 */
static int blklock_path_same_lun(struct blklock_space *ls, const char *path,
				 struct blklock_disk *d, void *buf)
{
	char id[2][BLKLOCK_LUN_ID_MAX];
	struct blklock_cmd_result res;
	u32 bs = ls->block_size;
	u64 lba = blklock_hb_lba(ls, ls->node_id);
	int i, ret;

	if (d->block_size != bs || d->lba_offset != ls->lba_offset)
		return blklock_path_refuse(ls, path, -EXDEV,
					   "its block size or partition start differs from the lockspace's: not the same LUN");
	if (blklock_disk_lun_id(ls->disk, id[0], sizeof(id[0])) > 0 &&
	    blklock_disk_lun_id(d, id[1], sizeof(id[1])) > 0 &&
	    strcmp(id[0], id[1])) {
		pr_err("%s: cannot add path %s: its LUN designator %s is not the lockspace's %s\n",
		       ls->name, path, id[1], id[0]);
		return -EXDEV;
	}
	/* This node's latest renewal through both, then the same block 0. */
	for (i = 0; i < BLKLOCK_PATH_SLOT_TRIES; i++) {
		ret = blklock_read_blocks(ls, lba, 1, buf, 0, &res);
		ret = ret ?: blklock_path_read_one(d, lba, buf + bs);
		if (ret)
			return blklock_path_refuse(ls, path, ret,
						   "reading this node's heartbeat slot through both paths failed");
		if (!memcmp(buf, buf + bs, bs))
			break;
	}
	if (i == BLKLOCK_PATH_SLOT_TRIES)
		return blklock_path_refuse(ls, path, -EXDEV,
					   "this node's heartbeat slot reads differently through it: a copy of the LUN, not a path to it");
	/* Block 0 through @d stays in @buf for the probe. */
	ret = blklock_read_blocks(ls, 0, 1, buf + bs, 0, &res);
	ret = ret ?: blklock_path_read_one(d, 0, buf);
	if (ret)
		return blklock_path_refuse(ls, path, ret,
					   "reading block 0 through both paths failed");
	if (memcmp(buf, buf + bs, bs))
		return blklock_path_refuse(ls, path, -EXDEV,
					   "its block 0 differs from the lockspace's header: not the same LUN");
	return 0;
}

/* Path @path, @devt, may be added as path @nr of @ls?  0 or why not. */
static int blklock_path_addable(struct blklock_space *ls, const char *path,
				dev_t devt, unsigned int nr)
{
	unsigned int i;

	if (nr >= BLKLOCK_MAX_PATHS)
		return blklock_path_refuse(ls, path, -ENOSPC,
					   "the lockspace has as many paths as it may have");
	for (i = 0; i < nr; i++)
		if (ls->paths[i].d->devt == devt)
			return blklock_path_refuse(ls, path, -EEXIST,
						   "it is a path of the lockspace already");
	return 0;
}

/**
 * blklock_path_add() - add a path to a lockspace
 * @ls:		lockspace, attached
 * @path:	path of the SCSI disk
 * @shared:	open it without claiming it (a path dm-multipath holds)
 * @nr_paths:	out: the lockspace's paths afterwards
 *
 * The disk is opened (exclusively unless @shared) and must prove to be the lockspace's
 * LUN (see the top of this file) and to execute COMPARE AND WRITE.
 *
 * Return: 0; -ENOSPC (BLKLOCK_MAX_PATHS already), -EEXIST (a path
 * already), -EXDEV (not the same LUN), -EBUSY (in use), -EOPNOTSUPP (not
 * a SCSI disk, or no COMPARE AND WRITE), or a command's errno; each with
 * one dmesg line.
 */
int blklock_path_add(struct blklock_space *ls, const char *path, bool shared,
		     u32 *nr_paths)
{
	struct blklock_disk *d = NULL;
	void *buf = NULL;
	unsigned int nr;
	dev_t devt;
	int ret;

	ret = lookup_bdev(path, &devt);
	if (ret)
		return blklock_path_refuse(ls, path, ret,
					   "not a block device");
	mutex_lock(&ls->paths_mutex);
	nr = ls->nr_paths;
	ret = blklock_path_addable(ls, path, devt, nr);
	if (ret)
		goto out;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	buf = kmalloc(2 * ls->block_size, GFP_KERNEL);
	ret = d && buf ? blklock_disk_open(path, shared ? NULL : ls, d) : -ENOMEM;
	if (ret == -EBUSY)
		blklock_path_refuse(ls, path, ret,
				    "it is in use (mounted, or open exclusively)");
	else if (ret && ret != -EOPNOTSUPP && ret != -EINVAL && ret != -ENOMEM)
		blklock_path_refuse(ls, path, ret, "opening it failed");
	if (ret)
		goto out;
	ret = blklock_path_same_lun(ls, path, d, buf);
	ret = ret ?: blklock_probe_caw(d, path, buf);
	if (ret) {
		blklock_disk_close(d);
		goto out;
	}
	ls->paths[nr].d = d;
	d = NULL;
	blklock_path_sysfs_add(ls, nr);
	/* Commands see paths[nr] whole once they see it counted. */
	smp_store_release(&ls->nr_paths, nr + 1);
	pr_info("%s: added path %s (%s) to lockspace %pU as node %u: %u paths\n",
		ls->name, path, ls->paths[nr].d->name, ls->hdr.uuid,
		ls->node_id, nr + 1);
out:
	*nr_paths = ls->nr_paths;
	mutex_unlock(&ls->paths_mutex);
	kfree(buf);
	kfree(d);
	return ret;
}

/* ---- life of the paths ---------------------------------------------------- */

/**
 * blklock_paths_init() - a new lockspace's paths: @d alone
 * @ls:		lockspace being attached
 * @d:		the disk it is attached through
 */
void blklock_paths_init(struct blklock_space *ls, struct blklock_disk *d)
{
	mutex_init(&ls->paths_mutex);
	INIT_DELAYED_WORK(&ls->path_work, blklock_path_workfn);
	ls->paths[0].d = d;
	ls->nr_paths = 1;
	atomic_set(&ls->path_active, 0);
}

/**
 * blklock_paths_close() - stop probing and close every path's disk
 * @ls:		lockspace that sends no more commands
 */
void blklock_paths_close(struct blklock_space *ls)
{
	unsigned int i;

	cancel_delayed_work_sync(&ls->path_work);
	for (i = 0; i < ls->nr_paths; i++)
		blklock_disk_close(ls->paths[i].d);
}

/**
 * blklock_paths_free() - free the paths' disks, once closed (or never
 *	opened but the first)
 * @ls:		lockspace being freed
 */
void blklock_paths_free(struct blklock_space *ls)
{
	unsigned int i;

	for (i = 1; i < ls->nr_paths; i++)
		kfree(ls->paths[i].d);
	kfree(ls->disk);
}
