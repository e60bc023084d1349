// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: persistent attaches.
 *
 * BLKLOCK_IOC_ATTACH with BLKLOCK_ATTACH_PERSISTENT makes the module
 * itself hold a use of the lockspace, as the dev= parameter does: it
 * stays attached when the file that asked is closed, so that a boot
 * service can attach it and exit.  BLKLOCK_IOC_DETACH drops that use,
 * and unloading the module drops all of them; the lockspace detaches
 * (its heartbeat slot says left) once no open file uses it either.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "blklock.h"

/**
 * struct blklock_persist - one persistent attach
 * @list:	entry in blklock_persistent
 * @ls:		the lockspace, of which the entry holds one use
 */
struct blklock_persist {
	struct list_head list;
	struct blklock_space *ls;
};

/* Protects blklock_persistent and every lockspace's @persistent. */
static DEFINE_MUTEX(blklock_persist_mutex);
static LIST_HEAD(blklock_persistent);

/**
 * blklock_persist_add() - keep a lockspace attached without a file
 * @ls:		a lockspace the caller holds a use of
 *
 * The module takes a use of its own, held until blklock_persist_remove()
 * or blklock_persist_exit().
 *
 * Return: 0; -EEXIST if @ls is persistent already (one dmesg line);
 * -ENOMEM.
 */
int blklock_persist_add(struct blklock_space *ls)
{
	struct blklock_persist *p;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	mutex_lock(&blklock_persist_mutex);
	if (ls->persistent) {
		mutex_unlock(&blklock_persist_mutex);
		kfree(p);
		pr_info("%s: lockspace %pU is attached persistently as node %u already\n",
			ls->name, ls->hdr.uuid, ls->node_id);
		return -EEXIST;
	}
	blklock_space_use(ls);
	p->ls = ls;
	WRITE_ONCE(ls->persistent, true);
	list_add_tail(&p->list, &blklock_persistent);
	mutex_unlock(&blklock_persist_mutex);
	pr_info("%s: lockspace %pU attached persistently as node %u, until detach or unload\n",
		ls->name, ls->hdr.uuid, ls->node_id);
	return 0;
}

/* Drop the persistent attach @p (taken off the list); @why for dmesg. */
static void blklock_persist_drop(struct blklock_persist *p, const char *why)
{
	struct blklock_space *ls = p->ls;

	pr_info("%s: persistent attach of lockspace %pU as node %u ended (%s)\n",
		ls->name, ls->hdr.uuid, ls->node_id, why);
	kfree(p);
	blklock_space_put(ls);
}

/* The persistent attach through @devt (any of its paths), or of lockspace @uuid if @devt is 0. */
static struct blklock_persist *blklock_persist_find(dev_t devt, const u8 *uuid)
{
	struct blklock_persist *p;
	unsigned int i;

	list_for_each_entry(p, &blklock_persistent, list) {
		for (i = 0; devt && i < blklock_nr_paths(p->ls); i++)
			if (p->ls->paths[i].d->devt == devt)
				return p;
		if (!devt && !memcmp(p->ls->hdr.uuid, uuid, sizeof(p->ls->hdr.uuid)))
			return p;
	}
	return NULL;
}

/* Take the persistent attach @devt or @uuid names off the list, or NULL. */
static struct blklock_persist *blklock_persist_take(dev_t devt, const u8 *uuid)
{
	struct blklock_persist *p;

	mutex_lock(&blklock_persist_mutex);
	p = blklock_persist_find(devt, uuid);
	if (p) {
		list_del(&p->list);
		WRITE_ONCE(p->ls->persistent, false);
	}
	mutex_unlock(&blklock_persist_mutex);
	return p;
}

/* Refuse a DETACH argument: one rate-limited dmesg line, @err. */
#define blklock_detach_refuse(err, fmt, ...)				\
	blklock_refuse(err, "DETACH", fmt, ##__VA_ARGS__)

/* The path @uptr points to, or NULL when @uptr is 0; ERR_PTR on error. */
static char *blklock_detach_path(u64 uptr)
{
	char *path;

	if (!uptr)
		return NULL;
	path = strndup_user(u64_to_user_ptr(uptr), PATH_MAX);
	if (IS_ERR(path) && PTR_ERR(path) == -EINVAL)
		blklock_detach_refuse(0, "device path longer than %d bytes",
				      PATH_MAX);
	return path;
}

/* Take the persistent attach through @path, or of lockspace @uuid. */
static int blklock_detach_one(const char *path, const u8 *uuid)
{
	struct blklock_persist *p;
	dev_t devt = 0;
	int ret;

	if (path) {
		ret = lookup_bdev(path, &devt);
		if (ret)
			return blklock_detach_refuse(ret, "%s is not a block device (error %d)",
						     path, ret);
	}
	p = blklock_persist_take(devt, uuid);
	if (p) {
		blklock_persist_drop(p, "detach");
		return 0;
	}
	if (path)
		return blklock_detach_refuse(-ENOENT, "no persistent attach through %s",
					     path);
	return blklock_detach_refuse(-ENOENT, "no persistent attach of lockspace %pU",
				     uuid);
}

/**
 * blklock_persist_detach() - BLKLOCK_IOC_DETACH: end a persistent attach
 * @a:		the ioctl's argument, copied in (the dispatcher checked
 *		CAP_SYS_ADMIN)
 *
 * Names the attach by the path of the disk it was made through (the same
 * device, not another path to the LUN) or by the lockspace uuid.
 * Independent of the file's lockspace.
 *
 * Return: 0; -EINVAL for a bad argument; -ENOENT if no persistent attach
 * matches (one made with dev= is not one); or the errno of the path
 * lookup.
 */
int blklock_persist_detach(const struct blklock_detach *a)
{
	static const u8 nil[16];
	char *path;
	int ret;

	if (a->flags)
		return blklock_detach_refuse(-EINVAL, "unknown flags 0x%x", a->flags);
	if (a->reserved0 || memchr_inv(a->reserved, 0, sizeof(a->reserved)))
		return blklock_detach_refuse(-EINVAL, "reserved fields must be zero");
	if (!a->path == !memcmp(a->uuid, nil, sizeof(nil)))
		return blklock_detach_refuse(-EINVAL, "name a disk or a lockspace uuid, not %s",
					     a->path ? "both" : "neither");
	path = blklock_detach_path(a->path);
	if (IS_ERR(path))
		return PTR_ERR(path);
	ret = blklock_detach_one(path, a->uuid);
	kfree(path);
	return ret;
}

/**
 * blklock_persist_exit() - end every persistent attach, at unload
 */
void blklock_persist_exit(void)
{
	struct blklock_persist *p;

	for (;;) {
		mutex_lock(&blklock_persist_mutex);
		p = list_first_entry_or_null(&blklock_persistent,
					     struct blklock_persist, list);
		if (p) {
			list_del(&p->list);
			WRITE_ONCE(p->ls->persistent, false);
		}
		mutex_unlock(&blklock_persist_mutex);
		if (!p)
			return;
		blklock_persist_drop(p, "unload");
	}
}
