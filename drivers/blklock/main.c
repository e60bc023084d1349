// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: module entry points.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include <linux/blklock.h>

static const struct file_operations blklock_fops = {
	.owner = THIS_MODULE,
};

static struct miscdevice blklock_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = BLKLOCK_MISC_NAME,
	.fops = &blklock_fops,
	.mode = 0600,
};

static int __init blklock_init(void)
{
	int ret = misc_register(&blklock_misc);

	if (ret) {
		pr_err("cannot register /dev/%s: error %d\n", BLKLOCK_MISC_NAME, ret);
		return ret;
	}
	pr_info("loaded\n");
	return 0;
}

static void __exit blklock_exit(void)
{
	misc_deregister(&blklock_misc);
	pr_info("unloaded\n");
}

module_init(blklock_init);
module_exit(blklock_exit);

MODULE_DESCRIPTION("Cluster locks stored on a shared SCSI LUN with COMPARE AND WRITE");
MODULE_LICENSE("GPL");
