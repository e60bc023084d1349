// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: a lockspace's sysfs directory.
 *
 * /sys/kernel/blklock/<uuid>:<node id>/ is named after what stays the
 * same across boots and paths (the disk's name is its "disk" attribute):
 * one host may attach a lockspace under several node ids (two paths,
 * tests), never twice under one.  Its attributes are the lockspace's
 * geometry, the heartbeat's state and, in stats/, the counters and
 * latencies of struct blklock_stats.  The kobject's release frees the
 * lockspace (space.c creates it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "blklock.h"

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
BLKLOCK_SPACE_ATTR(node_name, "%s", ls->node_name);
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
BLKLOCK_SPACE_ATTR(persistent, "%d", READ_ONCE(ls->persistent));

BLKLOCK_SPACE_ATTR(heartbeat, "%s", blklock_hb_state_name(READ_ONCE(ls->hb_state)));

static struct attribute *blklock_space_attrs[] = {
	&blklock_attr_node_id.attr,
	&blklock_attr_node_name.attr,
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
	&blklock_attr_persistent.attr,
	&blklock_attr_heartbeat.attr,
	NULL,
};

static const struct attribute_group blklock_space_group = {
	.attrs = blklock_space_attrs,
};

/* A figure of struct blklock_stats, found by its offset. */
enum blklock_stat_kind {
	BLKLOCK_COUNTER,
	BLKLOCK_AVG_US,
	BLKLOCK_MAX_US,
	BLKLOCK_SUM_US,		/* for rates: sum and count, as exporters like */
	BLKLOCK_COUNT,
};

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
	case BLKLOCK_SUM_US:
		return sysfs_emit(buf, "%lld\n",
				  atomic64_read(&l->total_ns) / NSEC_PER_USEC);
	case BLKLOCK_COUNT:
		return sysfs_emit(buf, "%lld\n", atomic64_read(&l->count));
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
	BLKLOCK_STAT(evictions, evictions, BLKLOCK_COUNTER),
	BLKLOCK_STAT(evicted, evicted, BLKLOCK_COUNTER),
	BLKLOCK_STAT(unknown, unknown, BLKLOCK_COUNTER),
	BLKLOCK_STAT(reaped, reaped, BLKLOCK_COUNTER),
	BLKLOCK_STAT(requests_sent, requests_sent, BLKLOCK_COUNTER),
	BLKLOCK_STAT(requests_received, requests_received, BLKLOCK_COUNTER),
	BLKLOCK_STAT(requests_missed, requests_missed, BLKLOCK_COUNTER),
	BLKLOCK_STAT(caw_latency_avg_us, caw_latency, BLKLOCK_AVG_US),
	BLKLOCK_STAT(caw_latency_max_us, caw_latency, BLKLOCK_MAX_US),
	BLKLOCK_STAT(read_latency_avg_us, read_latency, BLKLOCK_AVG_US),
	BLKLOCK_STAT(read_latency_max_us, read_latency, BLKLOCK_MAX_US),
	BLKLOCK_STAT(caw_latency_sum_us, caw_latency, BLKLOCK_SUM_US),
	BLKLOCK_STAT(caw_latency_count, caw_latency, BLKLOCK_COUNT),
	BLKLOCK_STAT(read_latency_sum_us, read_latency, BLKLOCK_SUM_US),
	BLKLOCK_STAT(read_latency_count, read_latency, BLKLOCK_COUNT),
};

/* Pointers to the attributes above, filled in by blklock_sysfs_init(). */
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
	blklock_paths_free(ls);
	kfree(ls);
}

const struct kobj_type blklock_space_ktype = {
	.release = blklock_space_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = blklock_space_groups,
};

/**
 * blklock_sysfs_init() - fill in the stats group's attribute pointers
 */
void blklock_sysfs_init(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(blklock_stat_attrs); i++)
		blklock_stats_attrs[i] = &blklock_stat_attrs[i].attr.attr;
}

/* ---- paths/<disk>/: one directory per path ------------------------------- */

/**
 * struct blklock_path_kobj - the sysfs directory of one path
 * @kobj:	paths/<disk>
 * @ls:		its lockspace, which outlives the directory
 * @i:		index in @ls->paths
 */
struct blklock_path_kobj {
	struct kobject kobj;
	struct blklock_space *ls;
	unsigned int i;
};

static struct blklock_path *to_path(struct kobject *kobj,
				    struct blklock_space **lsp,
				    unsigned int *ip)
{
	struct blklock_path_kobj *pk = container_of(kobj, struct blklock_path_kobj,
						    kobj);

	*lsp = pk->ls;
	*ip = pk->i;
	return &pk->ls->paths[pk->i];
}

static const char *blklock_path_state(struct blklock_space *ls, unsigned int i)
{
	if (test_bit(i, &ls->path_failed))
		return "failed";
	return atomic_read(&ls->path_active) == i ? "active" : "standby";
}

#define BLKLOCK_PATH_ATTR(_name, _fmt, _val)				\
static ssize_t path_##_name##_show(struct kobject *kobj,		\
				   struct kobj_attribute *attr, char *buf) \
{									\
	struct blklock_space *ls;					\
	struct blklock_path *p __maybe_unused;				\
	unsigned int i;							\
									\
	p = to_path(kobj, &ls, &i);					\
	return sysfs_emit(buf, _fmt "\n", _val);			\
}									\
static struct kobj_attribute blklock_path_attr_##_name =		\
	__ATTR(_name, 0444, path_##_name##_show, NULL)

BLKLOCK_PATH_ATTR(state, "%s", blklock_path_state(ls, i));
BLKLOCK_PATH_ATTR(errors, "%lld", atomic64_read(&p->errors));
BLKLOCK_PATH_ATTR(failovers, "%lld", atomic64_read(&p->failovers));
BLKLOCK_PATH_ATTR(failed_ms, "%lld", atomic64_read(&p->failed_ms));
BLKLOCK_PATH_ATTR(abandoned, "%lld", atomic64_read(&p->d->abandoned));

static struct attribute *blklock_path_attrs[] = {
	&blklock_path_attr_state.attr,
	&blklock_path_attr_errors.attr,
	&blklock_path_attr_failovers.attr,
	&blklock_path_attr_failed_ms.attr,
	&blklock_path_attr_abandoned.attr,
	NULL,
};
ATTRIBUTE_GROUPS(blklock_path);

static void blklock_path_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct blklock_path_kobj, kobj));
}

static const struct kobj_type blklock_path_ktype = {
	.release = blklock_path_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = blklock_path_groups,
};

/**
 * blklock_path_sysfs_add() - create paths/<disk>/ for path @i
 * @ls:		lockspace, its directory created
 * @i:		the path
 *
 * A failure costs the directory only, with one dmesg line.
 */
void blklock_path_sysfs_add(struct blklock_space *ls, unsigned int i)
{
	struct blklock_path_kobj *pk;
	int ret = -ENOMEM;

	pk = ls->paths_kobj ? kzalloc(sizeof(*pk), GFP_KERNEL) : NULL;
	if (pk) {
		pk->ls = ls;
		pk->i = i;
		ret = kobject_init_and_add(&pk->kobj, &blklock_path_ktype,
					   ls->paths_kobj, "%s",
					   ls->paths[i].d->name);
		if (ret)
			kobject_put(&pk->kobj);
		else
			ls->paths[i].kobj = &pk->kobj;
	}
	if (ret)
		pr_warn("%s: no sysfs directory for path %s: error %d\n",
			ls->name, ls->paths[i].d->name, ret);
}

/**
 * blklock_paths_sysfs() - create paths/ and the first path's directory
 * @ls:		lockspace, its directory created
 */
void blklock_paths_sysfs(struct blklock_space *ls)
{
	ls->paths_kobj = kobject_create_and_add("paths", &ls->kobj);
	blklock_path_sysfs_add(ls, 0);
}

/**
 * blklock_paths_sysfs_del() - remove paths/ and what is in it
 * @ls:		lockspace being detached
 */
void blklock_paths_sysfs_del(struct blklock_space *ls)
{
	unsigned int i;

	mutex_lock(&ls->paths_mutex);
	for (i = 0; i < ls->nr_paths; i++) {
		if (!ls->paths[i].kobj)
			continue;
		kobject_del(ls->paths[i].kobj);
		kobject_put(ls->paths[i].kobj);
		ls->paths[i].kobj = NULL;
	}
	kobject_del(ls->paths_kobj);
	kobject_put(ls->paths_kobj);
	ls->paths_kobj = NULL;
	mutex_unlock(&ls->paths_mutex);
}
