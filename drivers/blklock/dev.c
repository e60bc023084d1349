// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: /dev/blklock.
 *
 * Each open file is bound to one lockspace (the one the module was
 * loaded with, or one chosen with BLKLOCK_IOC_ATTACH) and holds its
 * locks until it releases them or is closed.  The ioctl dispatcher does
 * for every command what ioctl.c's table says: it checks the command's
 * size and direction, CAP_SYS_ADMIN, copies the argument in, has it
 * checked whole (flags, reserved fields, ranges) before anything touches
 * the disk, finds the file's lockspace and the lock, runs the command
 * and copies the argument back.  The ABI is in
 * include/uapi/linux/blklock.h and Documentation/blklock/ioctl.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "blklock.h"

static int blklock_open(struct inode *inode, struct file *file)
{
	struct blklock_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	init_rwsem(&f->sem);
	atomic_set(&f->held, 0);
	f->ls = blklock_default_space;
	if (f->ls)
		blklock_space_use(f->ls);
	file->private_data = f;
	return 0;
}

static int blklock_close(struct inode *inode, struct file *file)
{
	struct blklock_file *f = file->private_data;

	if (f->ls) {
		blklock_release_all(f->ls, f);
		blklock_space_put(f->ls);
	}
	kfree(f);
	return 0;
}

/* Takes f->sem for reading; returns the lockspace or an errno. */
static struct blklock_space *blklock_file_space(struct blklock_file *f,
						const char *what)
{
	down_read(&f->sem);
	if (f->ls)
		return f->ls;
	up_read(&f->sem);
	pr_warn_ratelimited("%s[%d]: %s: no lockspace: load blklock with dev= and node_id=, or attach one with BLKLOCK_IOC_ATTACH\n",
			    current->comm, task_pid_nr(current), what);
	return ERR_PTR(-ENXIO);
}

static int blklock_check_index(struct blklock_space *ls, u32 index,
			       const char *what)
{
	if (index < ls->hdr.nr_locks)
		return 0;
	return blklock_reject(what, "lock %u is out of range: %s has locks 0..%u",
			      index, ls->name, ls->hdr.nr_locks - 1);
}

/*
 * EPOLLPRI | EPOLLERR once a lock the file holds is lost: the holder
 * should stop writing at once.  EPOLLRDBAND while a request for a lock
 * it holds has come and the file has not read that lock's STATUS since.
 */
static __poll_t blklock_poll(struct file *file, poll_table *wait)
{
	struct blklock_file *f = file->private_data;
	__poll_t mask = 0;

	down_read(&f->sem);
	if (f->ls) {
		poll_wait(file, &f->ls->loss_wq, wait);
		if (blklock_holds_lost(f->ls, f))
			mask = EPOLLPRI | EPOLLERR;
		if (blklock_holds_requested(f->ls, f))
			mask |= EPOLLRDBAND;
	}
	up_read(&f->sem);
	return mask;
}

/* Runs @ioc on the file's lockspace, or -ENXIO without one. */
static int blklock_ioc_on_space(const struct blklock_ioc *ioc,
				struct blklock_file *f,
				union blklock_ioc_arg *u, void __user *argp)
{
	struct blklock_space *ls = blklock_file_space(f, ioc->what);
	int ret = 0;

	if (IS_ERR(ls))
		return PTR_ERR(ls);
	if (ioc->flags & BLKLOCK_IOC_INDEX)
		ret = blklock_check_index(ls, u->lock, ioc->what);
	if (!ret)
		ret = ioc->run(f, ls, u, argp);
	up_read(&f->sem);
	return ret;
}

static long blklock_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	const struct blklock_ioc *ioc = blklock_ioc_find(cmd);
	struct blklock_file *f = file->private_data;
	void __user *argp = (void __user *)arg;
	union blklock_ioc_arg u = {};
	int ret;

	if (IS_ERR(ioc))
		return PTR_ERR(ioc);
	if ((ioc->flags & BLKLOCK_IOC_ADMIN) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	if ((_IOC_DIR(cmd) & _IOC_WRITE) &&
	    copy_from_user(&u, argp, _IOC_SIZE(cmd)))
		return -EFAULT;
	ret = ioc->check ? ioc->check(&u, ioc->what) : 0;
	if (ret)
		return ret;
	if (ioc->flags & BLKLOCK_IOC_SPACE)
		ret = blklock_ioc_on_space(ioc, f, &u, argp);
	else
		ret = ioc->run(f, NULL, &u, argp);
	if (!ret && (ioc->flags & BLKLOCK_IOC_OUT) &&
	    copy_to_user(argp, &u, _IOC_SIZE(cmd)))
		ret = -EFAULT;
	return ret;
}

static const struct file_operations blklock_fops = {
	.owner = THIS_MODULE,
	.open = blklock_open,
	.release = blklock_close,
	.unlocked_ioctl = blklock_ioctl,
	.poll = blklock_poll,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice blklock_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = BLKLOCK_MISC_NAME,
	.fops = &blklock_fops,
	.mode = 0600,
};

/**
 * blklock_dev_init() - register /dev/blklock
 *
 * Return: 0 or the error of misc_register().
 */
int blklock_dev_init(void)
{
	return misc_register(&blklock_misc);
}

/**
 * blklock_dev_exit() - remove /dev/blklock
 */
void blklock_dev_exit(void)
{
	misc_deregister(&blklock_misc);
}
