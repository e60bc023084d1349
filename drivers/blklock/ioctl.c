// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: the ioctl commands of /dev/blklock.
 *
 * One table entry per command: its name in dmesg, what the dispatcher
 * in dev.c does around it (CAP_SYS_ADMIN, the file's lockspace, the lock
 * index, the argument copied back), the check of its argument, which
 * refuses a bad one (EINVAL and one dmesg line) before anything is
 * touched, and the function that does it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "blklock.h"

static bool blklock_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

static int blklock_check_flags(u32 flags, u32 known, const char *what)
{
	if (flags & ~known)
		return blklock_reject(what, "unknown flags 0x%x", flags & ~known);
	return 0;
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
 * A name user space points to (@uptr), into @name (BLKLOCK_NODE_NAME_MAX
 * bytes, the same as BLKLOCK_LOCK_NAME_MAX): refused with EINVAL and one
 * dmesg line, "<kind> name ...", unless @valid accepts it; @rules says
 * what a name may hold.  Returns 0, -EFAULT or -EINVAL.
 */
static int blklock_user_name(u64 uptr, char *name, const char *what,
			     const char *kind, bool (*valid)(const char *),
			     const char *rules)
{
	long len;

	len = strncpy_from_user(name, u64_to_user_ptr(uptr),
				BLKLOCK_NODE_NAME_MAX);
	if (len < 0)
		return len;
	if (len == BLKLOCK_NODE_NAME_MAX)
		return blklock_reject(what, "%s name longer than %d characters",
				      kind, BLKLOCK_NODE_NAME_MAX - 1);
	/* Escaped (%pE): a newline in it would forge a dmesg line. */
	if (!valid(name))
		return blklock_reject(what, "%s name \"%*pE\": only 1 to %d %s",
				      kind, (int)len, name,
				      BLKLOCK_NODE_NAME_MAX - 1, rules);
	return 0;
}

/* The node name of an ATTACH, into @name: "" for none (@uptr 0). */
static int blklock_user_node_name(u64 uptr, char *name, const char *what)
{
	name[0] = '\0';
	if (!uptr)
		return 0;
	return blklock_user_name(uptr, name, what, "node",
				 blklock_node_name_valid,
				 "of A-Z a-z 0-9 . _ -");
}

/* ---- ATTACH -------------------------------------------------------------- */

static int blklock_attach_check(const union blklock_ioc_arg *u,
				const char *what)
{
	const struct blklock_attach *a = &u->attach;

	if (blklock_check_flags(a->flags, BLKLOCK_ATTACH_FLAGS, what))
		return -EINVAL;
	if (a->reserved)
		return blklock_reject(what, "reserved fields must be zero");
	if (!a->node_id || a->node_id > BLKLOCK_MAX_NODE_ID)
		return blklock_reject(what, "node id %u is outside 1..%u",
				      a->node_id, BLKLOCK_MAX_NODE_ID);
	return 0;
}

/*
 * BLKLOCK_IOC_ATTACH: bind the file to a lockspace.  The file must hold
 * no locks.  With BLKLOCK_ATTACH_PERSISTENT the module keeps a use of
 * the lockspace too, until BLKLOCK_IOC_DETACH or unload (persist.c).
 * Errors: -EBUSY (the file holds locks, or the disk is attached with
 * another node id), -EEXIST (PERSISTENT: persistent already; the file
 * is not rebound), or an attach errno.
 */
static int blklock_attach_run(struct blklock_file *f, struct blklock_space *unused,
			      union blklock_ioc_arg *u, void __user *argp)
{
	static const char what[] = "ATTACH";
	char node_name[BLKLOCK_NODE_NAME_MAX];
	struct blklock_attach *a = &u->attach;
	struct blklock_space *ls, *old;
	char *path;
	int ret;

	ret = blklock_user_node_name(a->name, node_name, what);
	if (ret)
		return ret;
	path = blklock_user_path(a->path, what);
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
	ret = blklock_space_get(path, a->node_id, node_name,
				a->flags & BLKLOCK_ATTACH_SHARED, &ls);
	if (ret)
		goto out;
	if (a->flags & BLKLOCK_ATTACH_PERSISTENT) {
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

/* ---- FORMAT -------------------------------------------------------------- */

static int blklock_format_check(const union blklock_ioc_arg *u,
				const char *what)
{
	const struct blklock_format *a = &u->format;

	if (blklock_check_flags(a->flags, BLKLOCK_FORMAT_FLAGS, what))
		return -EINVAL;
	if (a->reserved)
		return blklock_reject(what, "reserved fields must be zero");
	if (!a->nr_locks || a->nr_locks > BLKLOCK_MAX_LOCKS)
		return blklock_reject(what, "%u locks is outside 1..%u",
				      a->nr_locks, BLKLOCK_MAX_LOCKS);
	if (a->max_node_id > BLKLOCK_MAX_NODE_ID)
		return blklock_reject(what, "%u heartbeat slots is above %u",
				      a->max_node_id, BLKLOCK_MAX_NODE_ID);
	return 0;
}

/*
 * BLKLOCK_IOC_FORMAT: write an empty lockspace.  Errors of the format:
 * -EEXIST for a disk with another signature, -EBUSY for one in use,
 * -EOPNOTSUPP for one without COMPARE AND WRITE, -ENOSPC for one too
 * small.
 */
static int blklock_format_run(struct blklock_file *f, struct blklock_space *unused,
			      union blklock_ioc_arg *u, void __user *argp)
{
	char *path = blklock_user_path(u->format.path, "FORMAT");
	int ret;

	if (IS_ERR(path))
		return PTR_ERR(path);
	ret = blklock_format_disk(path, &u->format);
	kfree(path);
	return ret;
}

/* ---- INFO ---------------------------------------------------------------- */

static int blklock_info_run(struct blklock_file *f, struct blklock_space *ls,
			    union blklock_ioc_arg *u, void __user *argp)
{
	struct blklock_info *a = &u->info;

	a->node_id = ls->node_id;
	a->format_version = ls->hdr.version;
	a->block_size = ls->block_size;
	a->nr_locks = ls->hdr.nr_locks;
	a->lock_lba = ls->lba_offset + ls->hdr.lock_lba;
	memcpy(a->uuid, ls->hdr.uuid, sizeof(a->uuid));
	strscpy(a->disk, ls->name, sizeof(a->disk));
	a->max_node_id = ls->hdr.max_node_id;
	a->hb_interval_ms = ls->hdr.hb_interval_ms;
	a->lease_timeout_ms = ls->hdr.lease_timeout_ms;
	spin_lock_bh(&ls->hb_lock);
	a->hb_state = ls->hb_state;
	a->incarnation = ls->hb.incarnation;
	spin_unlock_bh(&ls->hb_lock);
	return 0;
}

/* ---- ACQUIRE ------------------------------------------------------------- */

static int blklock_acquire_check(const union blklock_ioc_arg *u,
				 const char *what)
{
	const struct blklock_acquire *a = &u->acquire;

	if (blklock_check_flags(a->flags, BLKLOCK_ACQUIRE_FLAGS, what))
		return -EINVAL;
	if (a->reserved0 || !blklock_zero(a->reserved, sizeof(a->reserved)))
		return blklock_reject(what, "reserved fields must be zero");
	if (a->timeout_ms > BLKLOCK_MAX_TIMEOUT_MS)
		return blklock_reject(what, "timeout %u ms is above the maximum %u ms",
				      a->timeout_ms, BLKLOCK_MAX_TIMEOUT_MS);
	if ((a->flags & BLKLOCK_ACQUIRE_NOWAIT) && a->timeout_ms)
		return blklock_reject(what, "a timeout makes no sense with NOWAIT");
	return 0;
}

/*
 * BLKLOCK_IOC_ACQUIRE: take a lock; the generation is written back here,
 * under f->sem, so that a lock whose generation cannot be written back
 * is released at once (EFAULT) and never stays with the file.  Errors:
 * -EBUSY, -ETIMEDOUT, -EINTR, -EDEADLK, or a failed command's errno
 * (see blklock_acquire()).
 */
static int blklock_acquire_run(struct blklock_file *f, struct blklock_space *ls,
			       union blklock_ioc_arg *u, void __user *argp)
{
	struct blklock_acquire *a = &u->acquire;
	u64 gen;
	int ret;

	ret = blklock_acquire(ls, a->lock, f, a->flags, a->timeout_ms, &gen);
	if (ret)
		return ret;
	atomic_inc(&f->held);
	a->generation = gen;
	if (!copy_to_user(argp, a, sizeof(*a)))
		return 0;
	/* As RELEASE: ENOLCK drops the lock too. */
	ret = blklock_release(ls, a->lock, f);
	if (!ret || ret == -ENOLCK)
		atomic_dec(&f->held);
	return -EFAULT;
}

/* ---- RELEASE ------------------------------------------------------------- */

static int blklock_release_check(const union blklock_ioc_arg *u,
				 const char *what)
{
	const struct blklock_release *a = &u->release;

	if (blklock_check_flags(a->flags, 0, what))
		return -EINVAL;
	if (!blklock_zero(a->reserved, sizeof(a->reserved)))
		return blklock_reject(what, "reserved fields must be zero");
	return 0;
}

/*
 * BLKLOCK_IOC_RELEASE: drop a lock.  Errors: -EPERM if this file does
 * not hold it (nothing is written), -ENOLCK if another node had taken
 * it, or a command's errno.
 */
static int blklock_release_run(struct blklock_file *f, struct blklock_space *ls,
			       union blklock_ioc_arg *u, void __user *argp)
{
	u32 lock = u->release.lock;
	int ret = blklock_release(ls, lock, f);

	if (!ret || ret == -ENOLCK)
		atomic_dec(&f->held);
	else if (ret == -EPERM)
		pr_warn_ratelimited("%s[%d]: RELEASE: this file does not hold lock %u of %s\n",
				    current->comm, task_pid_nr(current), lock,
				    ls->name);
	return ret;
}

/* ---- STATUS -------------------------------------------------------------- */

static int blklock_status_check(const union blklock_ioc_arg *u,
				const char *what)
{
	const struct blklock_status *a = &u->status;

	if (blklock_check_flags(a->flags, 0, what))
		return -EINVAL;
	if (a->holder_pid || a->reserved0)
		return blklock_reject(what, "holder_pid and reserved fields must be zero");
	return 0;
}

/*
 * BLKLOCK_IOC_STATUS: read a lock record; owner, state, generation, pid,
 * and the name into the buffer @name points to, if any.
 */
static int blklock_status_run(struct blklock_file *f, struct blklock_space *ls,
			      union blklock_ioc_arg *u, void __user *argp)
{
	char name[BLKLOCK_LOCK_NAME_MAX];
	u64 uname = u->status.name;
	int ret;

	ret = blklock_status(ls, u->status.lock, f, &u->status, name);
	if (!ret && uname &&
	    copy_to_user(u64_to_user_ptr(uname), name, sizeof(name)))
		ret = -EFAULT;
	return ret;
}

/* ---- VALIDATE ------------------------------------------------------------ */

static int blklock_validate_check(const union blklock_ioc_arg *u,
				  const char *what)
{
	const struct blklock_validate *a = &u->validate;

	if (blklock_check_flags(a->flags, 0, what))
		return -EINVAL;
	if (!blklock_zero(a->reserved, sizeof(a->reserved)))
		return blklock_reject(what, "reserved fields must be zero");
	return 0;
}

/*
 * BLKLOCK_IOC_VALIDATE: one COMPARE AND WRITE of the holder's record
 * onto itself: when it succeeds, no other node has taken the lock,
 * atomically at that moment.  Errors: -EINVAL for another generation,
 * -EPERM if this file does not hold the lock, -ENOLCK if it lost it, or
 * a command's errno.
 */
static int blklock_validate_run(struct blklock_file *f, struct blklock_space *ls,
				union blklock_ioc_arg *u, void __user *argp)
{
	const struct blklock_validate *a = &u->validate;
	int ret = blklock_validate(ls, a->lock, f, a->generation);

	if (ret == -EINVAL)
		pr_warn_ratelimited("%s[%d]: VALIDATE: generation %llu is not the one this file holds lock %u at\n",
				    current->comm, task_pid_nr(current),
				    a->generation, a->lock);
	return ret;
}

/* ---- BREAK --------------------------------------------------------------- */

static int blklock_break_check(const union blklock_ioc_arg *u,
			       const char *what)
{
	const struct blklock_break *a = &u->brk;

	if (blklock_check_flags(a->flags, 0, what))
		return -EINVAL;
	if (a->owner || a->result || a->old_generation || a->generation ||
	    !blklock_zero(a->reserved, sizeof(a->reserved)))
		return blklock_reject(what, "output and reserved fields must be zero");
	return 0;
}

/*
 * BLKLOCK_IOC_BREAK: free the record of an owner that left, was evicted
 * or is dead (watched for up to a lease first), or of this node when no
 * file holds it; rewrite a damaged record as free at a new generation
 * (see blklock_break()).  Errors: -EBUSY if the owner is live or a file
 * of this node holds the lock, -ESTALE if the record changed meanwhile,
 * -EINTR, or a command's errno.
 */
static int blklock_break_run(struct blklock_file *f, struct blklock_space *ls,
			     union blklock_ioc_arg *u, void __user *argp)
{
	int ret = blklock_break(ls, u->brk.lock, f, &u->brk);

	if (ret == -EBUSY)
		pr_warn("%s: not breaking lock %u: its owner is live, or a file of this node holds it\n",
			ls->name, u->brk.lock);
	return ret;
}

/* ---- NODES --------------------------------------------------------------- */

static int blklock_nodes_check(const union blklock_ioc_arg *u,
			       const char *what)
{
	const struct blklock_nodes *a = &u->nodes;

	if (blklock_check_flags(a->flags, BLKLOCK_NODES_FLAGS, what))
		return -EINVAL;
	if (a->reserved0 || !blklock_zero(a->reserved, sizeof(a->reserved)))
		return blklock_reject(what, "reserved fields must be zero");
	if (!a->count || a->count > BLKLOCK_MAX_NODE_ID)
		return blklock_reject(what, "count %u is not in 1..%u", a->count,
				      BLKLOCK_MAX_NODE_ID);
	return 0;
}

/*
 * BLKLOCK_IOC_NODES: the heartbeat slots of a range of node ids as this
 * node sees them: one READ per 64 slots, each slot classified with what
 * this node saw of it before.  The count is written back.  Errors:
 * -EINVAL for a first id outside the lockspace, -EFAULT, -ENOMEM,
 * -EINTR during the wait, or the errno of a read.
 */
static int blklock_nodes_run(struct blklock_file *f, struct blklock_space *ls,
			     union blklock_ioc_arg *u, void __user *argp)
{
	struct blklock_nodes *a = &u->nodes;
	struct blklock_node *out;
	int ret;

	if (!a->first || a->first > ls->hdr.max_node_id)
		return blklock_reject("NODES", "first node id %u is not in 1..%u",
				      a->first, ls->hdr.max_node_id);
	a->count = min(a->count, ls->hdr.max_node_id - a->first + 1);
	out = kvcalloc(a->count, sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	ret = blklock_lease_nodes(ls, a->first, a->count,
				  a->flags & BLKLOCK_NODES_WAIT, out);
	if (!ret && copy_to_user(u64_to_user_ptr(a->nodes), out,
				 array_size(a->count, sizeof(*out))))
		ret = -EFAULT;
	kvfree(out);
	return ret;
}

/* ---- NAME ---------------------------------------------------------------- */

static int blklock_name_check(const union blklock_ioc_arg *u, const char *what)
{
	const struct blklock_name *a = &u->name;

	if (blklock_check_flags(a->flags, 0, what))
		return -EINVAL;
	if (a->lock || a->result || !blklock_zero(a->reserved, sizeof(a->reserved)))
		return blklock_reject(what, "output and reserved fields must be zero");
	if (a->op > BLKLOCK_NAME_DELETE)
		return blklock_reject(what, "unknown op %u", a->op);
	return 0;
}

/* The lock name a NAME command points to, into @name. */
static int blklock_user_lock_name(u64 uptr, char *name, const char *what)
{
	if (!uptr)
		return blklock_reject(what, "no name given");
	return blklock_user_name(uptr, name, what, "lock",
				 blklock_lock_name_valid,
				 "printable ASCII characters, no space");
}

/*
 * BLKLOCK_IOC_NAME: the index of a named lock, found, created or turned
 * into a tombstone (see blklock_name_op()).  Errors: -EOPNOTSUPP before
 * format 4, -ENOENT, -ENOSPC, -EBUSY, -EBADMSG/-EUCLEAN for a damaged
 * record on the way, or a command's errno.
 */
static int blklock_name_run(struct blklock_file *f, struct blklock_space *ls,
			    union blklock_ioc_arg *u, void __user *argp)
{
	struct blklock_name *a = &u->name;
	char name[BLKLOCK_LOCK_NAME_MAX];
	int ret;

	ret = blklock_user_lock_name(a->name, name, "NAME");
	if (ret)
		return ret;
	return blklock_name_op(ls, name, a->op, &a->lock, &a->result);
}

/* ---- REQUEST ------------------------------------------------------------- */

static int blklock_request_check(const union blklock_ioc_arg *u,
				 const char *what)
{
	const struct blklock_request *a = &u->request;

	if (blklock_check_flags(a->flags, 0, what))
		return -EINVAL;
	if (a->owner || a->result || a->generation ||
	    !blklock_zero(a->reserved, sizeof(a->reserved)))
		return blklock_reject(what, "output and reserved fields must be zero");
	return 0;
}

/*
 * BLKLOCK_IOC_REQUEST: ask the lock's holder to let it go (see
 * blklock_request()).  Errors: -EOPNOTSUPP before format 4, -EBUSY when
 * the holder's request block kept changing, or a command's errno.
 */
static int blklock_request_run(struct blklock_file *f, struct blklock_space *ls,
			       union blklock_ioc_arg *u, void __user *argp)
{
	return blklock_request(ls, u->request.lock, &u->request);
}

/* ---- ADD_PATH ------------------------------------------------------------ */

static int blklock_path_add_check(const union blklock_ioc_arg *u,
				  const char *what)
{
	const struct blklock_path_add *a = &u->path_add;

	if (blklock_check_flags(a->flags, BLKLOCK_PATH_FLAGS, what))
		return -EINVAL;
	if (a->nr_paths || !blklock_zero(a->reserved, sizeof(a->reserved)))
		return blklock_reject(what, "output and reserved fields must be zero");
	return 0;
}

/*
 * BLKLOCK_IOC_ADD_PATH: another path to the lockspace's LUN (see
 * blklock_path_add() for its errors).
 */
static int blklock_path_add_run(struct blklock_file *f, struct blklock_space *ls,
				union blklock_ioc_arg *u, void __user *argp)
{
	char *path = blklock_user_path(u->path_add.path, "ADD_PATH");
	int ret;

	if (IS_ERR(path))
		return PTR_ERR(path);
	ret = blklock_path_add(ls, path, u->path_add.flags & BLKLOCK_PATH_SHARED,
			       &u->path_add.nr_paths);
	kfree(path);
	return ret;
}

/* ---- DETACH -------------------------------------------------------------- */

static int blklock_detach_run(struct blklock_file *f, struct blklock_space *unused,
			      union blklock_ioc_arg *u, void __user *argp)
{
	return blklock_persist_detach(&u->detach);
}

/* ---- the table ----------------------------------------------------------- */

#define BLKLOCK_IOC(_cmd, _flags, _check, _run)				\
	[_IOC_NR(BLKLOCK_IOC_##_cmd)] = {				\
		.cmd = BLKLOCK_IOC_##_cmd, .what = #_cmd,		\
		.flags = (_flags), .check = (_check), .run = (_run),	\
	}

static const struct blklock_ioc blklock_iocs[] = {
	BLKLOCK_IOC(ATTACH, BLKLOCK_IOC_ADMIN, blklock_attach_check,
		    blklock_attach_run),
	BLKLOCK_IOC(FORMAT, BLKLOCK_IOC_ADMIN, blklock_format_check,
		    blklock_format_run),
	BLKLOCK_IOC(INFO, BLKLOCK_IOC_SPACE | BLKLOCK_IOC_OUT, NULL,
		    blklock_info_run),
	BLKLOCK_IOC(ACQUIRE, BLKLOCK_IOC_SPACE | BLKLOCK_IOC_INDEX,
		    blklock_acquire_check, blklock_acquire_run),
	BLKLOCK_IOC(RELEASE, BLKLOCK_IOC_SPACE | BLKLOCK_IOC_INDEX,
		    blklock_release_check, blklock_release_run),
	BLKLOCK_IOC(STATUS, BLKLOCK_IOC_SPACE | BLKLOCK_IOC_INDEX |
		    BLKLOCK_IOC_OUT, blklock_status_check, blklock_status_run),
	BLKLOCK_IOC(VALIDATE, BLKLOCK_IOC_SPACE | BLKLOCK_IOC_INDEX,
		    blklock_validate_check, blklock_validate_run),
	BLKLOCK_IOC(NODES, BLKLOCK_IOC_SPACE | BLKLOCK_IOC_OUT,
		    blklock_nodes_check, blklock_nodes_run),
	BLKLOCK_IOC(BREAK, BLKLOCK_IOC_ADMIN | BLKLOCK_IOC_SPACE |
		    BLKLOCK_IOC_INDEX | BLKLOCK_IOC_OUT, blklock_break_check,
		    blklock_break_run),
	BLKLOCK_IOC(DETACH, BLKLOCK_IOC_ADMIN, NULL, blklock_detach_run),
	BLKLOCK_IOC(NAME, BLKLOCK_IOC_SPACE | BLKLOCK_IOC_OUT, blklock_name_check,
		    blklock_name_run),
	BLKLOCK_IOC(REQUEST, BLKLOCK_IOC_SPACE | BLKLOCK_IOC_INDEX |
		    BLKLOCK_IOC_OUT, blklock_request_check, blklock_request_run),
	BLKLOCK_IOC(ADD_PATH, BLKLOCK_IOC_ADMIN | BLKLOCK_IOC_SPACE |
		    BLKLOCK_IOC_OUT, blklock_path_add_check, blklock_path_add_run),
};

/**
 * blklock_ioc_find() - the table entry of an ioctl command
 * @cmd:	the command as user space sent it
 *
 * Return: the entry; ERR_PTR(-ENOTTY) for a command blklock does not
 * have; ERR_PTR(-EINVAL), with one dmesg line, for one of blklock's
 * numbers with another size or direction (a program built against
 * another version of the header).
 */
const struct blklock_ioc *blklock_ioc_find(unsigned int cmd)
{
	const struct blklock_ioc *ioc;
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != BLKLOCK_IOC_MAGIC ||
	    nr >= ARRAY_SIZE(blklock_iocs) || !blklock_iocs[nr].run)
		return ERR_PTR(-ENOTTY);
	ioc = &blklock_iocs[nr];
	if (cmd != ioc->cmd)
		return ERR_PTR(blklock_reject("ioctl",
					      "command 0x%x has the wrong size or direction (expected 0x%x)",
					      cmd, ioc->cmd));
	return ioc;
}
