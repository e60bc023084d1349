// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: /dev/blklock and its ioctls.
 *
 * Each open file is bound to one lockspace (the one the module was
 * loaded with, or one chosen with BLKLOCK_IOC_ATTACH) and holds its
 * locks until it releases them or is closed.  Every ioctl checks its
 * whole argument (flags, reserved fields, ranges) before it touches the
 * disk, and says in dmesg why it refused one.  The ABI is in
 * include/uapi/linux/blklock.h and Documentation/blklock/ioctl.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "blklock.h"

/**
 * struct blklock_file - an open /dev/blklock
 * @sem:	held for reading by lock ioctls, for writing by ATTACH
 * @ls:		the lockspace this file is bound to, or NULL
 * @held:	number of locks this file holds
 */
struct blklock_file {
	struct rw_semaphore sem;
	struct blklock_space *ls;
	atomic_t held;
};

/* Refuse an ioctl argument: one rate-limited dmesg line, -EINVAL. */
#define blklock_reject(what, fmt, ...)					\
({									\
	pr_warn_ratelimited("%s[%d]: %s: " fmt "\n", current->comm,	\
			    task_pid_nr(current), what, ##__VA_ARGS__);	\
	-EINVAL;							\
})

static bool blklock_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

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

static char *blklock_user_path(u64 uptr, const char *what)
{
	char *path = strndup_user(u64_to_user_ptr(uptr), PATH_MAX);

	if (IS_ERR(path) && PTR_ERR(path) == -EINVAL)
		pr_warn_ratelimited("%s[%d]: %s: device path longer than %d bytes\n",
				    current->comm, task_pid_nr(current), what,
				    PATH_MAX);
	return path;
}

/*
 * The node name of an ATTACH, into @name: "" for none (@uptr 0).
 * Returns 0, -EFAULT, or -EINVAL with one dmesg line.
 */
static int blklock_user_node_name(u64 uptr, char *name, const char *what)
{
	long len;

	name[0] = '\0';
	if (!uptr)
		return 0;
	len = strncpy_from_user(name, u64_to_user_ptr(uptr),
				BLKLOCK_NODE_NAME_MAX);
	if (len < 0)
		return len;
	if (len == BLKLOCK_NODE_NAME_MAX)
		return blklock_reject(what, "node name longer than %d characters",
				      BLKLOCK_NODE_NAME_MAX - 1);
	if (!blklock_node_name_valid(name))
		return blklock_reject(what, "node name \"%.*s\": only 1 to %d of A-Z a-z 0-9 . _ -",
				      (int)len, name, BLKLOCK_NODE_NAME_MAX - 1);
	return 0;
}

/**
 * blklock_ioc_attach() - BLKLOCK_IOC_ATTACH: bind the file to a lockspace
 * @f:		the open file
 * @argp:	struct blklock_attach
 *
 * Needs CAP_SYS_ADMIN.  The file must hold no locks.  With
 * BLKLOCK_ATTACH_PERSISTENT the module keeps a use of the lockspace too,
 * until BLKLOCK_IOC_DETACH or unload (persist.c).  A node name that is
 * not 1 to 63 of A-Z a-z 0-9 . _ - is refused (EINVAL).
 *
 * Return: 0, -EPERM, -EFAULT, -EINVAL, -EBUSY (the file holds locks, or
 * the disk is attached with another node id), -EEXIST (PERSISTENT: it is
 * persistent already; the file is not rebound), or an attach errno.
 */
static int blklock_ioc_attach(struct blklock_file *f, void __user *argp)
{
	static const char what[] = "ATTACH";
	char node_name[BLKLOCK_NODE_NAME_MAX];
	struct blklock_space *ls, *old;
	struct blklock_attach a;
	char *path;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~BLKLOCK_ATTACH_FLAGS)
		return blklock_reject(what, "unknown flags 0x%x", a.flags);
	if (a.reserved)
		return blklock_reject(what, "reserved fields must be zero");
	if (!a.node_id || a.node_id > BLKLOCK_MAX_NODE_ID)
		return blklock_reject(what, "node id %u is outside 1..%u",
				      a.node_id, BLKLOCK_MAX_NODE_ID);
	ret = blklock_user_node_name(a.name, node_name, what);
	if (ret)
		return ret;
	path = blklock_user_path(a.path, what);
	if (IS_ERR(path))
		return PTR_ERR(path);

	if (down_write_killable(&f->sem)) {
		kfree(path);
		return -EINTR;
	}
	if (atomic_read(&f->held)) {
		pr_warn_ratelimited("%s[%d]: %s: the file holds %d locks: release them first\n",
				    current->comm, task_pid_nr(current), what,
				    atomic_read(&f->held));
		ret = -EBUSY;
		goto out;
	}
	ret = blklock_space_get(path, a.node_id, node_name, &ls);
	if (ret)
		goto out;
	if (a.flags & BLKLOCK_ATTACH_PERSISTENT) {
		ret = blklock_persist_add(ls);
		if (ret) {
			blklock_space_put(ls);
			goto out;
		}
	}
	old = f->ls;
	f->ls = ls;
	if (old)
		blklock_space_put(old);
out:
	up_write(&f->sem);
	kfree(path);
	return ret;
}

/**
 * blklock_ioc_format() - BLKLOCK_IOC_FORMAT: write an empty lockspace
 * @argp:	struct blklock_format
 *
 * Needs CAP_SYS_ADMIN.  Independent of the file's lockspace.
 *
 * Return: 0, -EPERM, -EFAULT, -EINVAL, or a format errno (-EEXIST for
 * a disk with another signature, -EBUSY for one in use, -EOPNOTSUPP
 * for one without COMPARE AND WRITE, -ENOSPC for one too small).
 */
static int blklock_ioc_format(void __user *argp)
{
	static const char what[] = "FORMAT";
	struct blklock_format a;
	char *path;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~BLKLOCK_FORMAT_FLAGS)
		return blklock_reject(what, "unknown flags 0x%x", a.flags);
	if (a.reserved)
		return blklock_reject(what, "reserved fields must be zero");
	if (!a.nr_locks || a.nr_locks > BLKLOCK_MAX_LOCKS)
		return blklock_reject(what, "%u locks is outside 1..%u",
				      a.nr_locks, BLKLOCK_MAX_LOCKS);
	if (a.max_node_id > BLKLOCK_MAX_NODE_ID)
		return blklock_reject(what, "%u heartbeat slots is above %u",
				      a.max_node_id, BLKLOCK_MAX_NODE_ID);
	path = blklock_user_path(a.path, what);
	if (IS_ERR(path))
		return PTR_ERR(path);
	ret = blklock_format_disk(path, &a);
	kfree(path);
	return ret;
}

/**
 * blklock_ioc_info() - BLKLOCK_IOC_INFO: describe the file's lockspace
 * @f:		the open file
 * @argp:	struct blklock_info, written
 *
 * Return: 0, -ENXIO without a lockspace, -EFAULT.
 */
static int blklock_ioc_info(struct blklock_file *f, void __user *argp)
{
	struct blklock_space *ls = blklock_file_space(f, "INFO");
	struct blklock_info a = {};

	if (IS_ERR(ls))
		return PTR_ERR(ls);
	a.node_id = ls->node_id;
	a.format_version = ls->hdr.version;
	a.block_size = ls->block_size;
	a.nr_locks = ls->hdr.nr_locks;
	a.lock_lba = ls->lba_offset + ls->hdr.lock_lba;
	memcpy(a.uuid, ls->hdr.uuid, sizeof(a.uuid));
	strscpy(a.disk, ls->name, sizeof(a.disk));
	a.max_node_id = ls->hdr.max_node_id;
	a.hb_interval_ms = ls->hdr.hb_interval_ms;
	a.lease_timeout_ms = ls->hdr.lease_timeout_ms;
	spin_lock_bh(&ls->hb_lock);
	a.hb_state = ls->hb_state;
	a.incarnation = ls->hb.incarnation;
	spin_unlock_bh(&ls->hb_lock);
	up_read(&f->sem);
	return copy_to_user(argp, &a, sizeof(a)) ? -EFAULT : 0;
}

/**
 * blklock_ioc_acquire() - BLKLOCK_IOC_ACQUIRE: take a lock
 * @f:		the open file
 * @argp:	struct blklock_acquire; generation written back
 *
 * Return: 0 with the generation; -EINVAL for a bad argument; -ENXIO
 * without a lockspace; -EBUSY, -ETIMEDOUT, -EINTR, -EDEADLK, or the
 * errno of a failed command (see blklock_acquire()).
 */
static int blklock_ioc_acquire(struct blklock_file *f, void __user *argp)
{
	static const char what[] = "ACQUIRE";
	struct blklock_acquire a;
	struct blklock_space *ls;
	u64 gen;
	int ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~BLKLOCK_ACQUIRE_FLAGS)
		return blklock_reject(what, "unknown flags 0x%x", a.flags);
	if (a.reserved0 || !blklock_zero(a.reserved, sizeof(a.reserved)))
		return blklock_reject(what, "reserved fields must be zero");
	if (a.timeout_ms > BLKLOCK_MAX_TIMEOUT_MS)
		return blklock_reject(what, "timeout %u ms is above the maximum %u ms",
				      a.timeout_ms, BLKLOCK_MAX_TIMEOUT_MS);
	if ((a.flags & BLKLOCK_ACQUIRE_NOWAIT) && a.timeout_ms)
		return blklock_reject(what, "a timeout makes no sense with NOWAIT");

	ls = blklock_file_space(f, what);
	if (IS_ERR(ls))
		return PTR_ERR(ls);
	ret = blklock_check_index(ls, a.lock, what);
	if (!ret)
		ret = blklock_acquire(ls, a.lock, f, a.flags, a.timeout_ms, &gen);
	if (!ret) {
		atomic_inc(&f->held);
		a.generation = gen;
		if (copy_to_user(argp, &a, sizeof(a))) {
			/* As RELEASE: ENOLCK drops the lock too. */
			ret = blklock_release(ls, a.lock, f);
			if (!ret || ret == -ENOLCK)
				atomic_dec(&f->held);
			ret = -EFAULT;
		}
	}
	up_read(&f->sem);
	return ret;
}

/**
 * blklock_ioc_release() - BLKLOCK_IOC_RELEASE: drop a lock
 * @f:		the open file
 * @argp:	struct blklock_release
 *
 * Return: 0; -EINVAL for a bad argument; -ENXIO without a lockspace;
 * -EPERM if this file does not hold the lock (nothing is written);
 * -ENOLCK if another node had taken it; or a command's errno.
 */
static int blklock_ioc_release(struct blklock_file *f, void __user *argp)
{
	static const char what[] = "RELEASE";
	struct blklock_space *ls;
	struct blklock_release a;
	int ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags)
		return blklock_reject(what, "unknown flags 0x%x", a.flags);
	if (!blklock_zero(a.reserved, sizeof(a.reserved)))
		return blklock_reject(what, "reserved fields must be zero");

	ls = blklock_file_space(f, what);
	if (IS_ERR(ls))
		return PTR_ERR(ls);
	ret = blklock_check_index(ls, a.lock, what);
	if (!ret)
		ret = blklock_release(ls, a.lock, f);
	if (!ret || ret == -ENOLCK)
		atomic_dec(&f->held);
	else if (ret == -EPERM)
		pr_warn_ratelimited("%s[%d]: %s: this file does not hold lock %u of %s\n",
				    current->comm, task_pid_nr(current), what,
				    a.lock, ls->name);
	up_read(&f->sem);
	return ret;
}

/**
 * blklock_ioc_status() - BLKLOCK_IOC_STATUS: read a lock record
 * @f:		the open file
 * @argp:	struct blklock_status; owner, state, generation, holder_pid
 *		written back
 *
 * Return: 0; -EINVAL for a bad argument; -ENXIO without a lockspace;
 * -EFAULT; or the errno of the read.
 */
static int blklock_ioc_status(struct blklock_file *f, void __user *argp)
{
	static const char what[] = "STATUS";
	struct blklock_space *ls;
	struct blklock_status a;
	int ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags)
		return blklock_reject(what, "unknown flags 0x%x", a.flags);
	if (a.holder_pid || a.reserved0 || a.reserved)
		return blklock_reject(what, "holder_pid and reserved fields must be zero");

	ls = blklock_file_space(f, what);
	if (IS_ERR(ls))
		return PTR_ERR(ls);
	ret = blklock_check_index(ls, a.lock, what);
	if (!ret)
		ret = blklock_status(ls, a.lock, f, &a);
	up_read(&f->sem);
	if (ret)
		return ret;
	return copy_to_user(argp, &a, sizeof(a)) ? -EFAULT : 0;
}

/**
 * blklock_ioc_validate() - BLKLOCK_IOC_VALIDATE: prove a lock is held
 * @f:		the open file
 * @argp:	struct blklock_validate
 *
 * One COMPARE AND WRITE of the holder's record onto itself: when it
 * succeeds, no other node has taken the lock, atomically at that moment.
 *
 * Return: 0; -EINVAL for a bad argument or another generation; -ENXIO;
 * -EPERM if this file does not hold the lock; -ENOLCK if it lost it; or
 * a command's errno.
 */
static int blklock_ioc_validate(struct blklock_file *f, void __user *argp)
{
	static const char what[] = "VALIDATE";
	struct blklock_validate a;
	struct blklock_space *ls;
	int ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags)
		return blklock_reject(what, "unknown flags 0x%x", a.flags);
	if (!blklock_zero(a.reserved, sizeof(a.reserved)))
		return blklock_reject(what, "reserved fields must be zero");

	ls = blklock_file_space(f, what);
	if (IS_ERR(ls))
		return PTR_ERR(ls);
	ret = blklock_check_index(ls, a.lock, what);
	if (!ret)
		ret = blklock_validate(ls, a.lock, f, a.generation);
	if (ret == -EINVAL)
		pr_warn_ratelimited("%s[%d]: %s: generation %llu is not the one this file holds lock %u at\n",
				    current->comm, task_pid_nr(current), what,
				    a.generation, a.lock);
	up_read(&f->sem);
	return ret;
}

/**
 * blklock_ioc_break() - BLKLOCK_IOC_BREAK: free a lock record nobody can
 *	release
 * @f:		the open file
 * @argp:	struct blklock_break; owner, result and generations written back
 *
 * Needs CAP_SYS_ADMIN.  Frees the record of an owner that left, was
 * evicted or is dead (watched for up to a lease first), or of this node
 * when no file holds it; rewrites a damaged record as free at a new
 * generation (see blklock_break()).
 *
 * Return: 0; -EPERM; -EINVAL for a bad argument; -ENXIO; -EBUSY if the
 * owner is live or a file of this node holds the lock; -ESTALE if the
 * record changed while it was being broken; -EINTR; or a command's errno.
 */
static int blklock_ioc_break(struct blklock_file *f, void __user *argp)
{
	static const char what[] = "BREAK";
	struct blklock_break a;
	struct blklock_space *ls;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags)
		return blklock_reject(what, "unknown flags 0x%x", a.flags);
	if (a.owner || a.result || a.old_generation || a.generation ||
	    !blklock_zero(a.reserved, sizeof(a.reserved)))
		return blklock_reject(what, "output and reserved fields must be zero");

	ls = blklock_file_space(f, what);
	if (IS_ERR(ls))
		return PTR_ERR(ls);
	ret = blklock_check_index(ls, a.lock, what);
	if (!ret)
		ret = blklock_break(ls, a.lock, f, &a);
	if (ret == -EBUSY)
		pr_warn("%s: not breaking lock %u: its owner is live, or a file of this node holds it\n",
			ls->name, a.lock);
	up_read(&f->sem);
	if (!ret && copy_to_user(argp, &a, sizeof(a)))
		ret = -EFAULT;
	return ret;
}

/**
 * blklock_ioc_nodes() - BLKLOCK_IOC_NODES: the heartbeat slots of a range
 *	of node ids, as this node sees them
 * @f:		the open file
 * @argp:	struct blklock_nodes; count written back
 *
 * Reads the slots (one READ per 64 slots) and classifies each with what
 * this node saw of it before: live, stale for how long, left, unused.
 *
 * Return: 0; -EINVAL for a bad argument; -ENXIO without a lockspace;
 * -EFAULT; -ENOMEM; -EINTR during the wait; or the errno of a read.
 */
static int blklock_ioc_nodes(struct blklock_file *f, void __user *argp)
{
	static const char what[] = "NODES";
	struct blklock_node *out;
	struct blklock_space *ls;
	struct blklock_nodes a;
	int ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~BLKLOCK_NODES_FLAGS)
		return blklock_reject(what, "unknown flags 0x%x",
				      a.flags & ~BLKLOCK_NODES_FLAGS);
	if (a.reserved0 || !blklock_zero(a.reserved, sizeof(a.reserved)))
		return blklock_reject(what, "reserved fields must be zero");
	if (!a.count || a.count > BLKLOCK_MAX_NODE_ID)
		return blklock_reject(what, "count %u is not in 1..%u", a.count,
				      BLKLOCK_MAX_NODE_ID);

	ls = blklock_file_space(f, what);
	if (IS_ERR(ls))
		return PTR_ERR(ls);
	if (!a.first || a.first > ls->hdr.max_node_id) {
		ret = blklock_reject(what, "first node id %u is not in 1..%u",
				     a.first, ls->hdr.max_node_id);
		goto out_unlock;
	}
	a.count = min(a.count, ls->hdr.max_node_id - a.first + 1);
	out = kvcalloc(a.count, sizeof(*out), GFP_KERNEL);
	if (!out) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	ret = blklock_lease_nodes(ls, a.first, a.count,
				  a.flags & BLKLOCK_NODES_WAIT, out);
	up_read(&f->sem);
	if (!ret && (copy_to_user(u64_to_user_ptr(a.nodes), out,
				  array_size(a.count, sizeof(*out))) ||
		     copy_to_user(argp, &a, sizeof(a))))
		ret = -EFAULT;
	kvfree(out);
	return ret;

out_unlock:
	up_read(&f->sem);
	return ret;
}

/*
 * EPOLLPRI | EPOLLERR once a lock the file holds is lost: the holder
 * should stop writing at once.
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
	}
	up_read(&f->sem);
	return mask;
}

static long blklock_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct blklock_file *f = file->private_data;
	void __user *argp = (void __user *)arg;
	unsigned int expected;

	if (_IOC_TYPE(cmd) != BLKLOCK_IOC_MAGIC)
		return -ENOTTY;
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(BLKLOCK_IOC_ATTACH):
		expected = BLKLOCK_IOC_ATTACH;
		break;
	case _IOC_NR(BLKLOCK_IOC_FORMAT):
		expected = BLKLOCK_IOC_FORMAT;
		break;
	case _IOC_NR(BLKLOCK_IOC_INFO):
		expected = BLKLOCK_IOC_INFO;
		break;
	case _IOC_NR(BLKLOCK_IOC_ACQUIRE):
		expected = BLKLOCK_IOC_ACQUIRE;
		break;
	case _IOC_NR(BLKLOCK_IOC_RELEASE):
		expected = BLKLOCK_IOC_RELEASE;
		break;
	case _IOC_NR(BLKLOCK_IOC_STATUS):
		expected = BLKLOCK_IOC_STATUS;
		break;
	case _IOC_NR(BLKLOCK_IOC_VALIDATE):
		expected = BLKLOCK_IOC_VALIDATE;
		break;
	case _IOC_NR(BLKLOCK_IOC_NODES):
		expected = BLKLOCK_IOC_NODES;
		break;
	case _IOC_NR(BLKLOCK_IOC_BREAK):
		expected = BLKLOCK_IOC_BREAK;
		break;
	case _IOC_NR(BLKLOCK_IOC_DETACH):
		expected = BLKLOCK_IOC_DETACH;
		break;
	default:
		return -ENOTTY;
	}
	if (cmd != expected)
		return blklock_reject("ioctl",
				      "command 0x%x has the wrong size or direction (expected 0x%x)",
				      cmd, expected);

	switch (cmd) {
	case BLKLOCK_IOC_ATTACH:
		return blklock_ioc_attach(f, argp);
	case BLKLOCK_IOC_FORMAT:
		return blklock_ioc_format(argp);
	case BLKLOCK_IOC_INFO:
		return blklock_ioc_info(f, argp);
	case BLKLOCK_IOC_ACQUIRE:
		return blklock_ioc_acquire(f, argp);
	case BLKLOCK_IOC_RELEASE:
		return blklock_ioc_release(f, argp);
	case BLKLOCK_IOC_VALIDATE:
		return blklock_ioc_validate(f, argp);
	case BLKLOCK_IOC_NODES:
		return blklock_ioc_nodes(f, argp);
	case BLKLOCK_IOC_BREAK:
		return blklock_ioc_break(f, argp);
	case BLKLOCK_IOC_DETACH:
		return blklock_ioc_detach(argp);
	default:
		return blklock_ioc_status(f, argp);
	}
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
