// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: module parameters, init and exit.
 *
 *   insmod blklock.ko dev=/dev/sdb node_id=3
 *
 * attaches the lockspace on /dev/sdb as node 3; files opened on
 * /dev/blklock use it unless they attach another one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "blklock.h"

static char *dev;
module_param(dev, charp, 0444);
MODULE_PARM_DESC(dev, "Shared SCSI disk holding the lockspace to attach at load");

static unsigned int node_id;
module_param(node_id, uint, 0444);
MODULE_PARM_DESC(node_id, "This node's id in that lockspace, 1 to 2000");

static char *node_name;
module_param(node_name, charp, 0444);
MODULE_PARM_DESC(node_name, "This node's name in its heartbeat slot (with dev=): 1 to 63 of A-Z a-z 0-9 . _ -");

unsigned int blklock_io_timeout_ms = 8000;

static int blklock_set_timeout(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 100, 600000);
}

static const struct kernel_param_ops blklock_timeout_ops = {
	.set = blklock_set_timeout,
	.get = param_get_uint,
};

module_param_cb(io_timeout_ms, &blklock_timeout_ops, &blklock_io_timeout_ms, 0644);
MODULE_PARM_DESC(io_timeout_ms, "Timeout of each SCSI command, ms (100..600000, default 8000)");

unsigned int blklock_hb_interval_ms = 1000;
unsigned int blklock_lease_timeout_ms = 6000;

static int blklock_set_hb_interval(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 100, 60000);
}

static const struct kernel_param_ops blklock_hb_interval_ops = {
	.set = blklock_set_hb_interval,
	.get = param_get_uint,
};

module_param_cb(hb_interval_ms, &blklock_hb_interval_ops, &blklock_hb_interval_ms, 0644);
MODULE_PARM_DESC(hb_interval_ms, "Heartbeat interval written by format, ms (default 1000)");

static int blklock_set_lease(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 400, 600000);
}

static const struct kernel_param_ops blklock_lease_ops = {
	.set = blklock_set_lease,
	.get = param_get_uint,
};

module_param_cb(lease_timeout_ms, &blklock_lease_ops, &blklock_lease_timeout_ms, 0644);
MODULE_PARM_DESC(lease_timeout_ms, "Lease timeout written by format, ms, at least 4 heartbeats (default 6000)");

bool blklock_fua = true;
module_param_named(fua, blklock_fua, bool, 0644);
MODULE_PARM_DESC(fua, "Set Force Unit Access on lock writes to disks with a write cache (default Y)");

struct blklock_space *blklock_default_space;

static int __init blklock_init(void)
{
	int ret;

	if (!dev != !node_id) {
		pr_err("dev= and node_id= go together: got %s\n",
		       dev ? "dev= alone" : "node_id= alone");
		return -EINVAL;
	}
	if (node_name && (!dev || !blklock_node_name_valid(node_name))) {
		/* Escaped (%pE): it may hold what a valid name may not. */
		pr_err("node_name=%*pE: %s\n", (int)strlen(node_name), node_name,
		       dev ? "a name is 1 to 63 of A-Z a-z 0-9 . _ -" :
		       "it goes with dev= and node_id=");
		return -EINVAL;
	}
	ret = blklock_spaces_init();
	if (ret)
		return ret;
	if (dev) {
		ret = blklock_space_get(dev, node_id, node_name, false,
					&blklock_default_space);
		if (ret)
			goto spaces;
	}
	ret = blklock_dev_init();
	if (ret) {
		pr_err("cannot register /dev/%s: error %d\n", BLKLOCK_MISC_NAME, ret);
		goto space;
	}
	pr_info("loaded\n");
	return 0;

space:
	if (blklock_default_space)
		blklock_space_put(blklock_default_space);
spaces:
	blklock_spaces_exit();
	return ret;
}

static void __exit blklock_exit(void)
{
	blklock_dev_exit();
	blklock_persist_exit();
	if (blklock_default_space)
		blklock_space_put(blklock_default_space);
	blklock_spaces_exit();
	blklock_cmd_drain();
	pr_info("unloaded\n");
}

module_init(blklock_init);
module_exit(blklock_exit);

MODULE_DESCRIPTION("Cluster locks stored on a shared SCSI LUN with COMPARE AND WRITE");
MODULE_LICENSE("GPL");
