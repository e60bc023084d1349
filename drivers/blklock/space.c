// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: lockspaces.
 *
 * A lockspace is a formatted disk seen by one node id.  Attaching opens
 * the disk exclusively, checks its header and proves with a harmless
 * COMPARE AND WRITE (the header onto itself) that the target implements
 * the command.  Every open file bound to a lockspace holds a use of it;
 * the last one closes the disk.  Counters live in
 * /sys/kernel/blklock/<disk>/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/uuid.h>

#include "blklock.h"

static DEFINE_MUTEX(blklock_spaces_mutex);
static LIST_HEAD(blklock_spaces);
static struct kset *blklock_kset;
/* Exclusive-open holder of a disk being formatted. */
static char blklock_format_holder;

static void blklock_scsi_caw(struct blklock_space *ls, u64 lba, void *buf,
			     struct blklock_cmd_result *res)
{
	blklock_disk_caw(ls->disk, lba, buf, res);
}

static void blklock_scsi_read(struct blklock_space *ls, u64 lba, u32 nr,
			      void *buf, struct blklock_cmd_result *res)
{
	blklock_disk_read(ls->disk, lba, nr, buf, res);
}

static u64 blklock_scsi_now(struct blklock_space *ls)
{
	return ktime_get_ns();
}

static const struct blklock_io_ops blklock_scsi_ops = {
	.caw = blklock_scsi_caw,
	.read = blklock_scsi_read,
	.now_ns = blklock_scsi_now,
};

/* ---- sysfs -------------------------------------------------------------- */

static struct blklock_space *to_space(struct kobject *kobj)
{
	return container_of(kobj, struct blklock_space, kobj);
}

#define BLKLOCK_SPACE_ATTR(_name, _fmt, _val)				\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	struct blklock_space *ls = to_space(kobj);			\
									\
	return sysfs_emit(buf, _fmt "\n", _val);			\
}									\
static struct kobj_attribute blklock_attr_##_name = __ATTR_RO(_name)

BLKLOCK_SPACE_ATTR(node_id, "%u", ls->node_id);
BLKLOCK_SPACE_ATTR(disk, "%s", ls->name);
BLKLOCK_SPACE_ATTR(uuid, "%pU", ls->hdr.uuid);
BLKLOCK_SPACE_ATTR(format_version, "%u", ls->hdr.version);
BLKLOCK_SPACE_ATTR(block_size, "%u", ls->block_size);
BLKLOCK_SPACE_ATTR(nr_locks, "%u", ls->hdr.nr_locks);
BLKLOCK_SPACE_ATTR(lock_lba, "%llu", ls->lba_offset + ls->hdr.lock_lba);
BLKLOCK_SPACE_ATTR(hb_lba, "%llu", ls->lba_offset + ls->hdr.hb_lba);
BLKLOCK_SPACE_ATTR(hb_interval_ms, "%u", ls->hdr.hb_interval_ms);
BLKLOCK_SPACE_ATTR(lease_timeout_ms, "%u", ls->hdr.lease_timeout_ms);
BLKLOCK_SPACE_ATTR(fence_after_ms, "%u",
		   blklock_fence_after_ms(ls->hdr.hb_interval_ms,
					  ls->hdr.lease_timeout_ms));
BLKLOCK_SPACE_ATTR(incarnation, "%016llx", READ_ONCE(ls->hb.incarnation));

static const char * const blklock_hb_state_names[] = {
	[BLKLOCK_HB_LIVE] = "live",
	[BLKLOCK_HB_FENCED] = "fenced",
	[BLKLOCK_HB_STOPPED] = "stopped",
};

BLKLOCK_SPACE_ATTR(heartbeat, "%s", blklock_hb_state_names[READ_ONCE(ls->hb_state)]);

static struct attribute *blklock_space_attrs[] = {
	&blklock_attr_node_id.attr,
	&blklock_attr_disk.attr,
	&blklock_attr_uuid.attr,
	&blklock_attr_format_version.attr,
	&blklock_attr_block_size.attr,
	&blklock_attr_nr_locks.attr,
	&blklock_attr_lock_lba.attr,
	&blklock_attr_hb_lba.attr,
	&blklock_attr_hb_interval_ms.attr,
	&blklock_attr_lease_timeout_ms.attr,
	&blklock_attr_fence_after_ms.attr,
	&blklock_attr_incarnation.attr,
	&blklock_attr_heartbeat.attr,
	NULL,
};

static const struct attribute_group blklock_space_group = {
	.attrs = blklock_space_attrs,
};

/* A figure of struct blklock_stats, found by its offset. */
enum blklock_stat_kind { BLKLOCK_COUNTER, BLKLOCK_AVG_US, BLKLOCK_MAX_US };

struct blklock_stat_attr {
	struct kobj_attribute attr;
	size_t offset;
	enum blklock_stat_kind kind;
};

static ssize_t blklock_stat_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct blklock_stat_attr *sa = container_of(attr, typeof(*sa), attr);
	void *p = (void *)&to_space(kobj)->stats + sa->offset;
	struct blklock_latency *l = p;
	s64 n;

	switch (sa->kind) {
	case BLKLOCK_AVG_US:
		n = atomic64_read(&l->count);
		return sysfs_emit(buf, "%llu\n", n ?
				  div64_u64(atomic64_read(&l->total_ns), n) /
				  NSEC_PER_USEC : 0);
	case BLKLOCK_MAX_US:
		return sysfs_emit(buf, "%lld\n",
				  atomic64_read(&l->max_ns) / NSEC_PER_USEC);
	default:
		return sysfs_emit(buf, "%lld\n", atomic64_read((atomic64_t *)p));
	}
}

#define BLKLOCK_STAT(_name, _field, _kind)				\
	{								\
		.attr = __ATTR(_name, 0444, blklock_stat_show, NULL),	\
		.offset = offsetof(struct blklock_stats, _field),	\
		.kind = _kind,						\
	}

static struct blklock_stat_attr blklock_stat_attrs[] = {
	BLKLOCK_STAT(caw_sent, caw_sent, BLKLOCK_COUNTER),
	BLKLOCK_STAT(miscompares, miscompares, BLKLOCK_COUNTER),
	BLKLOCK_STAT(false_miscompares, false_miscompares, BLKLOCK_COUNTER),
	BLKLOCK_STAT(retried_successes, retried_successes, BLKLOCK_COUNTER),
	BLKLOCK_STAT(stale_cache, stale_cache, BLKLOCK_COUNTER),
	BLKLOCK_STAT(reads, reads, BLKLOCK_COUNTER),
	BLKLOCK_STAT(errors, errors, BLKLOCK_COUNTER),
	BLKLOCK_STAT(acquires, acquires, BLKLOCK_COUNTER),
	BLKLOCK_STAT(releases, releases, BLKLOCK_COUNTER),
	BLKLOCK_STAT(busy, busy, BLKLOCK_COUNTER),
	BLKLOCK_STAT(reclaims, reclaims, BLKLOCK_COUNTER),
	BLKLOCK_STAT(corrupt, corrupt, BLKLOCK_COUNTER),
	BLKLOCK_STAT(reports_suppressed, reports_suppressed, BLKLOCK_COUNTER),
	BLKLOCK_STAT(hb_sent, hb_sent, BLKLOCK_COUNTER),
	BLKLOCK_STAT(hb_late, hb_late, BLKLOCK_COUNTER),
	BLKLOCK_STAT(takeovers, takeovers, BLKLOCK_COUNTER),
	BLKLOCK_STAT(locks_lost, locks_lost, BLKLOCK_COUNTER),
	BLKLOCK_STAT(caw_latency_avg_us, caw_latency, BLKLOCK_AVG_US),
	BLKLOCK_STAT(caw_latency_max_us, caw_latency, BLKLOCK_MAX_US),
	BLKLOCK_STAT(read_latency_avg_us, read_latency, BLKLOCK_AVG_US),
	BLKLOCK_STAT(read_latency_max_us, read_latency, BLKLOCK_MAX_US),
};

/* Pointers to the attributes above, filled in by blklock_spaces_init(). */
static struct attribute *blklock_stats_attrs[ARRAY_SIZE(blklock_stat_attrs) + 1];

static const struct attribute_group blklock_stats_group = {
	.name = "stats",
	.attrs = blklock_stats_attrs,
};

static const struct attribute_group *blklock_space_groups[] = {
	&blklock_space_group,
	&blklock_stats_group,
	NULL,
};

static void blklock_space_release(struct kobject *kobj)
{
	struct blklock_space *ls = to_space(kobj);

	blklock_space_destroy(ls);
	kfree(ls->disk);
	kfree(ls);
}

static const struct kobj_type blklock_space_ktype = {
	.release = blklock_space_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = blklock_space_groups,
};

/* ---- test hook ---------------------------------------------------------- */

static struct dentry *blklock_debugfs_root;

#ifdef BLKLOCK_TEST_HOOKS
/*
 * Built only into the test module (make BLKLOCK_TEST_HOOKS=y):
 * /sys/kernel/debug/blklock/<disk>/hb_pause freezes this node's
 * heartbeat and fence timer, as a paused VM would.
 */
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

static void blklock_debugfs_init(void)
{
	blklock_debugfs_root = debugfs_create_dir("blklock", NULL);
	pr_warn("built with test hooks: not for production\n");
}

static void blklock_debugfs_add(struct blklock_space *ls)
{
	ls->debugfs = debugfs_create_dir(ls->name, blklock_debugfs_root);
	debugfs_create_file_unsafe("hb_pause", 0600, ls->debugfs, ls,
				   &blklock_pause_fops);
}
#else
static void blklock_debugfs_init(void)
{
}

static void blklock_debugfs_add(struct blklock_space *ls)
{
}
#endif

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
		pr_err("cannot attach %s: its lockspace has format version %u; this module knows version %u\n",
		       path, h->version, BLKLOCK_FORMAT_VERSION);
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

/*
 * COMPARE AND WRITE of block 0 onto itself: harmless, and the only
 * reliable test that the target implements the command (the Block
 * Limits VPD page of some targets says it does not while it does).
 */
static int blklock_probe_caw(struct blklock_disk *d, const char *path,
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
	blklock_disk_caw(d, 0, buf, &res);
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

	list_for_each_entry(ls, &blklock_spaces, list)
		if (ls->disk && ls->disk->devt == devt)
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

static int blklock_space_attach(const char *path, u32 node_id,
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
	ret = blklock_disk_open(path, ls, d);
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
	other = blklock_find_uuid(ls->hdr.uuid, node_id);
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
	ls->block_size = d->block_size;
	ls->lba_offset = d->lba_offset;
	ls->ops = &blklock_scsi_ops;
	ls->disk = d;
	ls->users = 1;
	blklock_space_init(ls);
	ret = blklock_lease_claim(ls);
	if (ret) {
		blklock_space_destroy(ls);
		goto close;
	}
	ls->kobj.kset = blklock_kset;
	ret = kobject_init_and_add(&ls->kobj, &blklock_space_ktype, NULL,
				   "%s", ls->name);
	if (ret) {
		pr_err("%s: cannot create its sysfs directory: error %d\n",
		       ls->name, ret);
		blklock_lease_leave(ls);
		blklock_disk_close(d);
		kobject_put(&ls->kobj);
		kfree(buf);
		return ret;
	}
	blklock_lease_start(ls);
	blklock_debugfs_add(ls);
	list_add(&ls->list, &blklock_spaces);
	pr_info("%s: attached lockspace %pU as node %u (incarnation %016llx): %u locks of %u bytes from block %llu, heartbeat %u ms, lease %u ms, format %u\n",
		ls->name, ls->hdr.uuid, node_id, ls->hb.incarnation,
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

/**
 * blklock_space_get() - attach a disk as a node id, or share the
 *	lockspace already attached that way
 * @path:	path of the shared disk
 * @node_id:	node id, 1..BLKLOCK_MAX_NODE_ID
 * @lsp:	out: the lockspace, with one more user
 *
 * Return: 0 or a negative errno, with one dmesg line saying why.
 */
int blklock_space_get(const char *path, u32 node_id,
		      struct blklock_space **lsp)
{
	struct blklock_space *ls;
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
	mutex_lock(&blklock_spaces_mutex);
	ls = blklock_find_devt(devt);
	if (ls) {
		if (ls->node_id == node_id) {
			ls->users++;
			*lsp = ls;
			ret = 0;
		} else {
			pr_err("cannot attach %s as node %u: this host attached it as node %u\n",
			       path, node_id, ls->node_id);
			ret = -EBUSY;
		}
	} else {
		ret = blklock_space_attach(path, node_id, lsp);
	}
	mutex_unlock(&blklock_spaces_mutex);
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
	if (--ls->users) {
		mutex_unlock(&blklock_spaces_mutex);
		return;
	}
	list_del(&ls->list);
	debugfs_remove_recursive(ls->debugfs);
	kobject_del(&ls->kobj);
	blklock_lease_leave(ls);
	blklock_disk_close(ls->disk);
	pr_info("%s: detached node %u\n", ls->name, ls->node_id);
	mutex_unlock(&blklock_spaces_mutex);
	kobject_put(&ls->kobj);
}

/* ---- format ------------------------------------------------------------- */

/* Write @nr empty slots or free lock records from device block @lba. */
static int blklock_write_region(struct blklock_disk *d, bool slots, u32 nr,
				u64 lba)
{
	u32 per = d->max_xfer_blocks, i, j, n;
	struct blklock_cmd_result res;
	char why[64];
	void *buf;

	buf = kvmalloc(per * d->block_size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < nr; i += n) {
		n = min(per, nr - i);
		for (j = 0; j < n; j++) {
			struct blklock_hbrec hb = { .node_id = i + j + 1 };
			struct blklock_rec r = { .lock = i + j };
			void *blk = buf + j * d->block_size;

			if (slots)
				blklock_hb_encode(&hb, blk, d->block_size);
			else
				blklock_rec_encode(&r, blk, d->block_size);
		}
		blklock_disk_write(d, lba + i, n, buf, &res);
		if (res.status != BLKLOCK_CMD_OK) {
			blklock_describe_result(&res, why, sizeof(why));
			pr_err("%s: format failed writing %s at block %llu: %s; the disk is left without a lockspace header\n",
			       d->name, slots ? "heartbeat slots" : "lock records",
			       d->lba_offset + lba + i, why);
			kvfree(buf);
			return res.error;
		}
	}
	kvfree(buf);
	return 0;
}

/* COMPARE AND WRITE of block 0 from @old to @new (each one block). */
static int blklock_swap_block0(struct blklock_disk *d, const void *old,
			       const void *new)
{
	struct blklock_cmd_result res;
	char why[64];
	void *buf;

	buf = kmalloc(2 * d->block_size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, old, d->block_size);
	memcpy(buf + d->block_size, new, d->block_size);
	blklock_disk_caw(d, 0, buf, &res);
	kfree(buf);
	if (res.status == BLKLOCK_CMD_OK)
		return 0;
	if (res.status == BLKLOCK_CMD_MISCOMPARE) {
		pr_err("%s: block 0 changed while formatting (another formatter?); stopped\n",
		       d->name);
		return -ESTALE;
	}
	blklock_describe_result(&res, why, sizeof(why));
	if (res.error == -EOPNOTSUPP)
		pr_err("%s does not support COMPARE AND WRITE: the target answered %s; not formatting it\n",
		       d->name, why);
	else
		pr_err("%s: COMPARE AND WRITE of block 0 failed: %s\n",
		       d->name, why);
	return res.error;
}

/*
 * Never format a lockspace this host has attached, even when forced:
 * its nodes would go on trusting records that are gone.  (Another path
 * to the same LUN is not the same block device, so the exclusive open
 * does not catch it; the uuid in the header does.)
 */
static int blklock_refuse_attached(struct blklock_disk *d, const char *path,
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
 * blklock_format_disk() - write an empty lockspace onto a disk
 * @path:	the disk
 * @f:		the checked BLKLOCK_IOC_FORMAT argument: locks, flags, uuid
 *		(all zero for a random one), heartbeat slots and timings
 *		(0 for the defaults)
 *
 * Refuses, unless forced, a disk whose first blocks carry a known
 * signature.  Block 0 is first cleared with COMPARE AND WRITE (which
 * also proves the target supports it), then the heartbeat slots and the
 * lock records are written, and the header last, so an interrupted format leaves a disk
 * no node attaches to.
 *
 * Return: 0 or a negative errno, with a dmesg line saying why.
 */
int blklock_format_disk(const char *path, const struct blklock_format *f)
{
	struct blklock_header h = {
		.version = BLKLOCK_FORMAT_VERSION,
		.nr_locks = f->nr_locks,
		.max_node_id = f->max_node_id ?: BLKLOCK_MAX_NODE_ID,
		.hb_interval_ms = f->hb_interval_ms ?: READ_ONCE(blklock_hb_interval_ms),
		.lease_timeout_ms = f->lease_timeout_ms ?:
				    READ_ONCE(blklock_lease_timeout_ms),
		.hb_lba = 1,
		.created = ktime_get_real_seconds(),
	};
	u32 nr_locks = f->nr_locks, flags = f->flags;
	const u8 *uuid = f->uuid;
	struct blklock_cmd_result res;
	struct blklock_disk *d;
	void *scan = NULL, *hdr = NULL;
	const char *sig;
	u32 scan_blocks;
	char why[64];
	int ret;

	h.lock_lba = h.hb_lba + h.max_node_id;
	if (!blklock_lease_timing_valid(h.hb_interval_ms, h.lease_timeout_ms)) {
		pr_err("not formatting %s: heartbeat %u ms and lease %u ms do not fit (interval 100..60000 ms, lease at least 4 intervals, at most 600000 ms)\n",
		       path, h.hb_interval_ms, h.lease_timeout_ms);
		return -EINVAL;
	}
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	ret = blklock_disk_open(path, &blklock_format_holder, d);
	if (ret) {
		if (ret == -EBUSY)
			pr_err("not formatting %s: it is in use (an attached lockspace, a mounted filesystem or another exclusive user)\n",
			       path);
		else if (ret != -EOPNOTSUPP)
			pr_err("not formatting %s: open failed with error %d\n",
			       path, ret);
		kfree(d);
		return ret;
	}
	if (d->nr_blocks < h.lock_lba + nr_locks) {
		pr_err("not formatting %s: %u heartbeat slots and %u locks need %llu blocks of %u bytes, the device has %llu\n",
		       path, h.max_node_id, nr_locks, h.lock_lba + nr_locks,
		       d->block_size, d->nr_blocks);
		ret = -ENOSPC;
		goto out;
	}
	scan_blocks = min_t(u64, BLKLOCK_SIGNATURE_SCAN_BYTES / d->block_size,
			    d->nr_blocks);
	scan = kvmalloc(scan_blocks * d->block_size, GFP_KERNEL);
	hdr = kzalloc(d->block_size, GFP_KERNEL);
	if (!scan || !hdr) {
		ret = -ENOMEM;
		goto out;
	}
	blklock_disk_read(d, 0, scan_blocks, scan, &res);
	if (res.status != BLKLOCK_CMD_OK) {
		blklock_describe_result(&res, why, sizeof(why));
		pr_err("not formatting %s: reading its first blocks failed: %s\n",
		       path, why);
		ret = res.error;
		goto out;
	}
	ret = blklock_refuse_attached(d, path, scan);
	if (ret)
		goto out;
	sig = blklock_detect_signature(scan, scan_blocks * d->block_size,
				       d->block_size);
	if (sig && !(flags & BLKLOCK_FORMAT_FORCE)) {
		pr_err("not formatting %s: it carries %s (force overrides)\n",
		       path, sig);
		ret = -EEXIST;
		goto out;
	}
	if (sig)
		pr_warn("%s: overwriting %s, as forced\n", d->name, sig);

	/* Clear block 0: the disk is no lockspace until the header lands. */
	ret = blklock_swap_block0(d, scan, hdr);
	if (ret)
		goto out;
	ret = blklock_write_region(d, true, h.max_node_id, h.hb_lba);
	if (!ret)
		ret = blklock_write_region(d, false, nr_locks, h.lock_lba);
	if (ret)
		goto out;

	h.block_size = d->block_size;
	if (memchr_inv(uuid, 0, sizeof(h.uuid)))
		memcpy(h.uuid, uuid, sizeof(h.uuid));
	else
		generate_random_uuid(h.uuid);
	/* scan's first block becomes the all-zero compare image. */
	memset(scan, 0, d->block_size);
	blklock_header_encode(&h, hdr, d->block_size);
	ret = blklock_swap_block0(d, scan, hdr);
	if (!ret)
		pr_info("%s: formatted lockspace %pU: %u locks of %u bytes from block %llu, %u heartbeat slots, heartbeat %u ms, lease %u ms\n",
			d->name, h.uuid, nr_locks, d->block_size,
			d->lba_offset + h.lock_lba, h.max_node_id,
			h.hb_interval_ms, h.lease_timeout_ms);
out:
	kfree(hdr);
	kvfree(scan);
	blklock_disk_close(d);
	kfree(d);
	return ret;
}

/**
 * blklock_spaces_init() - create /sys/kernel/blklock
 *
 * Return: 0 or -ENOMEM.
 */
int blklock_spaces_init(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(blklock_stat_attrs); i++)
		blklock_stats_attrs[i] = &blklock_stat_attrs[i].attr.attr;
	blklock_wq = alloc_workqueue("blklock", WQ_MEM_RECLAIM, 0);
	if (!blklock_wq)
		return -ENOMEM;
	blklock_kset = kset_create_and_add("blklock", NULL, kernel_kobj);
	if (!blklock_kset) {
		destroy_workqueue(blklock_wq);
		return -ENOMEM;
	}
	blklock_debugfs_init();
	return 0;
}

/**
 * blklock_spaces_exit() - remove /sys/kernel/blklock
 */
void blklock_spaces_exit(void)
{
	debugfs_remove_recursive(blklock_debugfs_root);
	kset_unregister(blklock_kset);
	destroy_workqueue(blklock_wq);
}
