// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: lockspaces.
 *
 * A lockspace is a formatted disk seen by one node id.  Attaching opens
 * the disk exclusively, checks its header and proves with a harmless
 * COMPARE AND WRITE (the header onto itself) that the target implements
 * the command.  Every open file bound to a lockspace holds a use of it;
 * the last one closes the disk.  Its sysfs directory (sysfs.c) is
 * created here, as a kobject in the /sys/kernel/blklock kset.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uuid.h>

#include "blklock.h"

/*
 * blklock_spaces_mutex protects the list and the users counts and is
 * never held across disk I/O, so that open() never waits on a disk.
 * blklock_attach_mutex serialises attaching and detaching, which do I/O
 * (an attach may watch a slot for a whole lease).
 */
static DEFINE_MUTEX(blklock_spaces_mutex);
static DEFINE_MUTEX(blklock_attach_mutex);
static LIST_HEAD(blklock_spaces);
static struct kset *blklock_kset;

static void blklock_scsi_caw(struct blklock_space *ls, u64 lba, void *buf,
			     u32 timeout_ms, struct blklock_cmd_result *res)
{
	if (!blklock_hooks_caw(ls, lba, buf, res))
		blklock_path_caw(ls, lba, buf, timeout_ms, res);
}

static void blklock_scsi_read(struct blklock_space *ls, u64 lba, u32 nr,
			      void *buf, struct blklock_cmd_result *res)
{
	blklock_path_read(ls, lba, nr, buf, res);
}

/* The lease clock: it runs on while the host is suspended. */
static u64 blklock_scsi_now(struct blklock_space *ls)
{
	return ktime_get_boottime_ns();
}

static const struct blklock_io_ops blklock_scsi_ops = {
	.caw = blklock_scsi_caw,
	.read = blklock_scsi_read,
	.now_ns = blklock_scsi_now,
};

/* ---- attach ------------------------------------------------------------- */

static int blklock_read_header(struct blklock_disk *d, const char *path,
			       void *buf, struct blklock_header *h)
{
	struct blklock_cmd_result res;
	char why[64];
	int ret;

	blklock_disk_read(d, 0, 1, buf, &res);
	if (res.status != BLKLOCK_CMD_OK) {
		blklock_describe_result(&res, why, sizeof(why));
		pr_err("cannot attach %s: reading its header failed: %s\n",
		       path, why);
		return res.error;
	}
	ret = blklock_header_decode(buf, d->block_size, h);
	switch (ret) {
	case 0:
		break;
	case -EMEDIUMTYPE:
		pr_err("cannot attach %s: block 0 holds no blklock lockspace (format it first)\n",
		       path);
		return ret;
	case -EBADMSG:
		pr_err("cannot attach %s: the lockspace header fails its checksum\n",
		       path);
		return ret;
	case -EPROTONOSUPPORT:
		pr_err("cannot attach %s: its lockspace has format version %u; this module knows versions %u to %u\n",
		       path, h->version, BLKLOCK_FORMAT_VERSION_MIN,
		       BLKLOCK_FORMAT_VERSION);
		return ret;
	case -EPROTO:
		pr_err("cannot attach %s: its lockspace has format version %u, which has no heartbeats; format it again (blklockctl format --force) once no node uses it\n",
		       path, h->version);
		return ret;
	default:
		pr_err("cannot attach %s: the lockspace header holds values no blklock writes\n",
		       path);
		return ret;
	}
	ret = blklock_header_check(h, d->block_size, d->nr_blocks);
	if (ret)
		pr_err("cannot attach %s: its header (%u locks of %u bytes at block %llu, %u heartbeat slots at block %llu, heartbeat %u ms, lease %u ms) does not fit the device (%u-byte blocks, %llu of them)\n",
		       path, h->nr_locks, h->block_size, h->lock_lba,
		       h->max_node_id, h->hb_lba, h->hb_interval_ms,
		       h->lease_timeout_ms, d->block_size, d->nr_blocks);
	return ret;
}

/**
 * blklock_probe_caw() - COMPARE AND WRITE of block 0 onto itself
 * @d:		the disk
 * @path:	its path, for dmesg
 * @blk0:	what block 0 holds
 *
 * Harmless, and the only reliable test that the target implements the
 * command (the Block Limits VPD page of some targets says it does not
 * while it does).
 *
 * Return: 0; -ESTALE if block 0 changed meanwhile; -EOPNOTSUPP or the
 * command's errno; each with one dmesg line.
 */
int blklock_probe_caw(struct blklock_disk *d, const char *path,
		      const void *blk0)
{
	struct blklock_cmd_result res;
	char why[64];
	void *buf;

	buf = kmalloc(2 * d->block_size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, blk0, d->block_size);
	memcpy(buf + d->block_size, blk0, d->block_size);
	blklock_disk_caw(d, 0, buf, 0, false, &res);
	kfree(buf);
	switch (res.status) {
	case BLKLOCK_CMD_OK:
		return 0;
	case BLKLOCK_CMD_MISCOMPARE:
		pr_err("%s: block 0 changed while blklock was probing it\n", path);
		return -ESTALE;
	default:
		blklock_describe_result(&res, why, sizeof(why));
		if (res.error == -EOPNOTSUPP)
			pr_err("%s (%s) does not support COMPARE AND WRITE: the target answered %s\n",
			       path, d->name, why);
		else
			pr_err("%s: COMPARE AND WRITE probe failed: %s\n", path, why);
		return res.error;
	}
}

static struct blklock_space *blklock_find_devt(dev_t devt)
{
	struct blklock_space *ls;

	unsigned int i;

	list_for_each_entry(ls, &blklock_spaces, list)
		for (i = 0; i < blklock_nr_paths(ls); i++)
			if (ls->paths[i].d->devt == devt)
				return ls;
	return NULL;
}

/* The lockspace @uuid attached as @node_id, or as any node id if 0. */
static struct blklock_space *blklock_find_uuid(const u8 *uuid, u32 node_id)
{
	struct blklock_space *ls;

	list_for_each_entry(ls, &blklock_spaces, list)
		if ((!node_id || ls->node_id == node_id) &&
		    !memcmp(ls->hdr.uuid, uuid, sizeof(ls->hdr.uuid)))
			return ls;
	return NULL;
}

/* This node's name goes into its slot where the format has room for it. */
static void blklock_space_set_name(struct blklock_space *ls,
				   const char *node_name)
{
	if (!node_name || !node_name[0])
		return;
	if (ls->hdr.version < 3) {
		pr_notice("%s: lockspace format %u has no room for node names: node %u's name %s is not stored (format it again to get room for them, once no node uses it)\n",
			  ls->name, ls->hdr.version, ls->node_id, node_name);
		return;
	}
	strscpy(ls->node_name, node_name, sizeof(ls->node_name));
}

static int blklock_space_attach(const char *path, u32 node_id,
				const char *node_name, bool shared,
				struct blklock_space **lsp)
{
	struct blklock_space *ls, *other;
	struct blklock_disk *d;
	void *buf = NULL;
	int ret;

	ls = kzalloc(sizeof(*ls), GFP_KERNEL);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!ls || !d) {
		ret = -ENOMEM;
		goto free;
	}
	ret = blklock_disk_open(path, shared ? NULL : ls, d);
	if (ret) {
		if (ret == -EBUSY)
			pr_err("cannot attach %s: it is in use (mounted, or open exclusively)\n",
			       path);
		else if (ret != -EOPNOTSUPP)
			pr_err("cannot attach %s: open failed with error %d\n",
			       path, ret);
		goto free;
	}
	buf = kmalloc(d->block_size, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto close;
	}
	ret = blklock_read_header(d, path, buf, &ls->hdr);
	if (ret)
		goto close;
	if (node_id > ls->hdr.max_node_id) {
		pr_err("cannot attach %s as node %u: the lockspace accepts node ids up to %u\n",
		       path, node_id, ls->hdr.max_node_id);
		ret = -ERANGE;
		goto close;
	}
	mutex_lock(&blklock_spaces_mutex);
	other = blklock_find_uuid(ls->hdr.uuid, node_id);
	mutex_unlock(&blklock_spaces_mutex);
	if (other) {
		pr_err("cannot attach %s as node %u: lockspace %pU is attached through %s as that node already\n",
		       path, node_id, ls->hdr.uuid, other->name);
		ret = -EADDRINUSE;
		goto close;
	}
	ret = blklock_probe_caw(d, path, buf);
	if (ret)
		goto close;

	strscpy(ls->name, d->name, sizeof(ls->name));
	ls->node_id = node_id;
	blklock_space_set_name(ls, node_name);
	ls->block_size = d->block_size;
	ls->lba_offset = d->lba_offset;
	ls->ops = &blklock_scsi_ops;
	ls->disk = d;
	blklock_paths_init(ls, d);
	ls->users = 1;
	blklock_space_init(ls);
	ret = blklock_lease_claim(ls);
	if (ret) {
		blklock_space_destroy(ls);
		goto close;
	}
	ls->kobj.kset = blklock_kset;
	ret = kobject_init_and_add(&ls->kobj, &blklock_space_ktype, NULL,
				   "%pU:%u", ls->hdr.uuid, ls->node_id);
	if (ret) {
		pr_err("%s: cannot create its sysfs directory: error %d\n",
		       ls->name, ret);
		blklock_lease_leave(ls);
		blklock_disk_close(d);
		kobject_put(&ls->kobj);
		kfree(buf);
		return ret;
	}
	blklock_paths_sysfs(ls);
	blklock_lease_events(ls, true);
	blklock_lease_start(ls);
	blklock_requests_start(ls);
	blklock_hooks_add(ls);
	mutex_lock(&blklock_spaces_mutex);
	list_add(&ls->list, &blklock_spaces);
	mutex_unlock(&blklock_spaces_mutex);
	pr_info("%s: attached lockspace %pU as node %u%s%s%s (incarnation %016llx): %u locks of %u bytes from block %llu, heartbeat %u ms, lease %u ms, format %u\n",
		ls->name, ls->hdr.uuid, node_id,
		ls->node_name[0] ? " (" : "", ls->node_name,
		ls->node_name[0] ? ")" : "", ls->hb.incarnation,
		ls->hdr.nr_locks, ls->block_size,
		ls->lba_offset + ls->hdr.lock_lba, ls->hdr.hb_interval_ms,
		ls->hdr.lease_timeout_ms, ls->hdr.version);
	kfree(buf);
	*lsp = ls;
	return 0;

close:
	blklock_disk_close(d);
free:
	kfree(buf);
	kfree(d);
	kfree(ls);
	return ret;
}

/* Share the lockspace attached from @devt, if any: -ENOENT if none. */
static int blklock_space_share(const char *path, dev_t devt, u32 node_id,
			       struct blklock_space **lsp)
{
	struct blklock_space *ls;
	int ret = -ENOENT;

	mutex_lock(&blklock_spaces_mutex);
	ls = blklock_find_devt(devt);
	if (ls && ls->node_id == node_id) {
		ls->users++;
		*lsp = ls;
		ret = 0;
	} else if (ls) {
		pr_err("cannot attach %s as node %u: this host attached it as node %u\n",
		       path, node_id, ls->node_id);
		ret = -EBUSY;
	}
	mutex_unlock(&blklock_spaces_mutex);
	return ret;
}

/**
 * blklock_space_get() - attach a disk as a node id, or share the
 *	lockspace already attached that way
 * @path:	path of the shared disk
 * @node_id:	node id, 1..BLKLOCK_MAX_NODE_ID
 * @node_name:	this node's name for its heartbeat slot, valid
 *		(blklock_node_name_valid()), or NULL or "" for none; a
 *		lockspace already attached keeps the name it has
 * @shared:	open the disk without claiming it (a path dm-multipath
 *		holds); a lockspace already attached is shared as it is
 * @lsp:	out: the lockspace, with one more user
 *
 * Return: 0 or a negative errno, with one dmesg line saying why.
 */
int blklock_space_get(const char *path, u32 node_id, const char *node_name,
		      bool shared, struct blklock_space **lsp)
{
	dev_t devt;
	int ret;

	if (!node_id || node_id > BLKLOCK_MAX_NODE_ID) {
		pr_err("cannot attach %s: node id %u is outside 1..%u\n",
		       path, node_id, BLKLOCK_MAX_NODE_ID);
		return -EINVAL;
	}
	ret = lookup_bdev(path, &devt);
	if (ret) {
		pr_err("cannot attach %s: not a block device (error %d)\n",
		       path, ret);
		return ret;
	}
	ret = blklock_space_share(path, devt, node_id, lsp);
	if (ret != -ENOENT)
		return ret;
	if (mutex_lock_killable(&blklock_attach_mutex))
		return -EINTR;
	/* Another attach of the same disk may have finished meanwhile. */
	ret = blklock_space_share(path, devt, node_id, lsp);
	if (ret == -ENOENT)
		ret = blklock_space_attach(path, node_id, node_name, shared,
					   lsp);
	mutex_unlock(&blklock_attach_mutex);
	return ret;
}

/**
 * blklock_space_use() - add a user to a lockspace already held
 * @ls:		lockspace
 */
void blklock_space_use(struct blklock_space *ls)
{
	mutex_lock(&blklock_spaces_mutex);
	ls->users++;
	mutex_unlock(&blklock_spaces_mutex);
}

/**
 * blklock_space_put() - drop a use of a lockspace; the last closes it
 * @ls:		lockspace
 */
void blklock_space_put(struct blklock_space *ls)
{
	mutex_lock(&blklock_spaces_mutex);
	if (ls->users > 1) {
		ls->users--;
		mutex_unlock(&blklock_spaces_mutex);
		return;
	}
	mutex_unlock(&blklock_spaces_mutex);

	/*
	 * The last use, unless an attach shares it meanwhile.  Hold the
	 * attach mutex from before the lockspace leaves the list until its
	 * disk is closed: an attach of the same disk then either shares it
	 * or waits until it is gone, and never finds the disk still open
	 * (EBUSY) or the node id still heartbeating (EADDRINUSE).
	 */
	mutex_lock(&blklock_attach_mutex);
	mutex_lock(&blklock_spaces_mutex);
	if (--ls->users) {
		mutex_unlock(&blklock_spaces_mutex);
		mutex_unlock(&blklock_attach_mutex);
		return;
	}
	list_del(&ls->list);
	mutex_unlock(&blklock_spaces_mutex);

	blklock_hooks_remove(ls);
	blklock_lease_events(ls, false);
	blklock_paths_sysfs_del(ls);
	kobject_del(&ls->kobj);
	blklock_requests_stop(ls);
	blklock_lease_leave(ls);
	cancel_delayed_work_sync(&ls->reap_work);
	blklock_paths_close(ls);
	pr_info("%s: detached node %u\n", ls->name, ls->node_id);
	mutex_unlock(&blklock_attach_mutex);
	kobject_put(&ls->kobj);
}

/**
 * blklock_refuse_attached() - refuse to format a lockspace attached here
 * @d:		the disk being formatted
 * @path:	its path, for dmesg
 * @blk0:	its block 0
 *
 * Never format a lockspace this host has attached, even when forced:
 * its nodes would go on trusting records that are gone.  (Another path
 * to the same LUN is not the same block device, so the exclusive open
 * does not catch it; the uuid in the header does.)
 *
 * Return: 0 or -EBUSY.
 */
int blklock_refuse_attached(struct blklock_disk *d, const char *path,
			    const void *blk0)
{
	struct blklock_space *other;
	struct blklock_header old;
	int ret = 0;

	if (blklock_header_decode(blk0, d->block_size, &old))
		return 0;
	mutex_lock(&blklock_spaces_mutex);
	other = blklock_find_uuid(old.uuid, 0);
	if (other) {
		pr_err("not formatting %s: its lockspace %pU is attached on this host through %s as node %u\n",
		       path, old.uuid, other->name, other->node_id);
		ret = -EBUSY;
	}
	mutex_unlock(&blklock_spaces_mutex);
	return ret;
}

/**
 * blklock_spaces_init() - create /sys/kernel/blklock
 *
 * Return: 0 or -ENOMEM.
 */
int blklock_spaces_init(void)
{
	blklock_sysfs_init();
	blklock_wq = alloc_workqueue("blklock", WQ_MEM_RECLAIM, 0);
	if (!blklock_wq)
		return -ENOMEM;
	blklock_kset = kset_create_and_add("blklock", NULL, kernel_kobj);
	if (!blklock_kset) {
		destroy_workqueue(blklock_wq);
		return -ENOMEM;
	}
	blklock_hooks_init();
	return 0;
}

/**
 * blklock_spaces_exit() - remove /sys/kernel/blklock
 */
void blklock_spaces_exit(void)
{
	blklock_hooks_exit();
	kset_unregister(blklock_kset);
	destroy_workqueue(blklock_wq);
}
