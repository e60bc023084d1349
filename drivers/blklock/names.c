// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: named locks (format 4).
 *
 * A name lives in one lock record: the first record, probing linearly
 * from blklock_name_home(), that carries the name or its tombstone, or
 * else the first record no name ever had.  Creating a name is one
 * COMPARE AND WRITE of that never-named free record to the same record
 * with the name; deleting it, one COMPARE AND WRITE of the free named
 * record to its tombstone (the name kept, BLKLOCK_LOCK_DELETED set);
 * creating it again revives that tombstone.  No write ever makes a
 * record never-named again, so the first never-named record of a probe
 * only moves forward: two nodes creating one name race on one block and
 * one wins, and a name is never in two records (tools/model/names.pml
 * checks this).  The index of a name therefore never changes, and the
 * lock is then taken, released and validated by its index.
 *
 * Each node keeps what it learnt (name to index) in a small cache, so
 * that a known name costs one READ of its record instead of a probe.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/kernel.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "blklock.h"

/* Probes of one NAME command before it gives up on a changing block. */
#define BLKLOCK_NAME_TRIES	4
/* Names a node remembers at most; the rest are probed for each time. */
#define BLKLOCK_NAME_CACHE_MAX	4096

struct blklock_name_entry {
	struct hlist_node node;
	u32 index;
	char name[BLKLOCK_LOCK_NAME_MAX];
};

/* Where a probe stopped: the name's record, its tombstone, or room. */
struct blklock_probe {
	enum blklock_name_kind kind;	/* OTHER: every record is taken */
	u32 index;
	struct blklock_rec rec;		/* the record as the probe read it */
};

static u32 blklock_name_key(const char *name)
{
	return jhash(name, strlen(name), 0);
}

static struct blklock_name_entry *blklock_name_entry(struct blklock_space *ls,
						     const char *name)
{
	struct blklock_name_entry *e;

	lockdep_assert_held(&ls->names_mutex);
	hash_for_each_possible(ls->names, e, node, blklock_name_key(name))
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

static bool blklock_name_cached(struct blklock_space *ls, const char *name,
				u32 *index)
{
	struct blklock_name_entry *e;

	mutex_lock(&ls->names_mutex);
	e = blklock_name_entry(ls, name);
	if (e)
		*index = e->index;
	mutex_unlock(&ls->names_mutex);
	return e;
}

/* Remember @name at @index; @index < 0 forgets it. */
static void blklock_name_remember(struct blklock_space *ls, const char *name,
				  s64 index)
{
	struct blklock_name_entry *e;

	mutex_lock(&ls->names_mutex);
	e = blklock_name_entry(ls, name);
	if (index < 0 && e) {
		hash_del(&e->node);
		kfree(e);
		ls->names_count--;
	} else if (e) {
		e->index = index;
	} else if (index >= 0 && ls->names_count < BLKLOCK_NAME_CACHE_MAX) {
		e = kzalloc(sizeof(*e), GFP_KERNEL);
		if (e) {
			e->index = index;
			strscpy(e->name, name, sizeof(e->name));
			hash_add(ls->names, &e->node, blklock_name_key(name));
			ls->names_count++;
		}
	}
	mutex_unlock(&ls->names_mutex);
}

/* Read record p->index into p->rec; say in p->kind what it is to @name. */
static int blklock_name_read(struct blklock_space *ls, const char *name,
			     void *buf, struct blklock_probe *p)
{
	struct blklock_lock *lk = blklock_lock_get(ls, p->index);
	int ret;

	if (IS_ERR(lk))
		return PTR_ERR(lk);
	if (mutex_lock_interruptible(&lk->mutex))
		return -EINTR;
	ret = blklock_read_rec(ls, lk, buf);
	if (!ret) {
		p->rec = lk->cached;
		p->kind = blklock_name_kind(&p->rec, name);
	}
	mutex_unlock(&lk->mutex);
	return ret;
}

/*
 * Find where @name is or would go: its cached record if that still
 * carries it, else probing from its home.  A damaged record on the way
 * stops the probe (its errno): it may be the name's.
 */
static int blklock_name_probe(struct blklock_space *ls, const char *name,
			      void *buf, struct blklock_probe *p)
{
	u32 nr = ls->hdr.nr_locks, home = blklock_name_home(name, nr), i;
	int ret;

	if (blklock_name_cached(ls, name, &p->index)) {
		ret = blklock_name_read(ls, name, buf, p);
		if (ret || p->kind == BLKLOCK_NAMEREC_MATCH ||
		    p->kind == BLKLOCK_NAMEREC_DELETED)
			return ret;
		blklock_name_remember(ls, name, -1);	/* a repair took it */
	}
	for (i = 0; i < nr; i++) {
		if (fatal_signal_pending(current))
			return -EINTR;
		p->index = (home + i) % nr;
		ret = blklock_name_read(ls, name, buf, p);
		if (ret)
			return ret;
		if (p->kind == BLKLOCK_NAMEREC_EMPTY)
			return 0;
		if (p->kind != BLKLOCK_NAMEREC_OTHER) {
			blklock_name_remember(ls, name, p->index);
			return 0;
		}
	}
	return 0;	/* p->kind is OTHER: no room */
}

/*
 * One COMPARE AND WRITE of the free record the probe read (p->rec, the
 * very image it judged: not lk->cached, which another thread of this
 * node may have read again since, for another name) to the same record
 * with @name and @flags.  Return: 0; -EAGAIN if the block changed (probe
 * again); -EBUSY if the probe found it held; or the command's errno.
 */
static int blklock_name_write(struct blklock_space *ls,
			      const struct blklock_probe *p, const char *name,
			      u32 flags, void *buf)
{
	struct blklock_lock *lk = blklock_lock_get(ls, p->index);
	struct blklock_caw op = {
		.lba = blklock_lock_lba(ls, p->index),
		.buf = buf,
		.seen = true,
	};
	struct blklock_rec next = p->rec;
	enum blklock_fate fate;
	int ret;

	if (IS_ERR(lk))
		return PTR_ERR(lk);
	if (p->rec.owner)
		return -EBUSY;
	if (mutex_lock_interruptible(&lk->mutex))
		return -EINTR;
	strscpy_pad(next.name, name, sizeof(next.name));
	next.flags = flags;
	blklock_rec_encode(&p->rec, buf, ls->block_size);
	blklock_rec_encode(&next, buf + ls->block_size, ls->block_size);
	fate = blklock_caw_resolve(ls, &op);
	if (fate == BLKLOCK_FATE_WROTE) {
		lk->cached = next;
		lk->cached_valid = true;
		ret = 0;
	} else if (fate == BLKLOCK_FATE_CHANGED) {
		blklock_decode_found(ls, lk, blklock_caw_found(ls, &op));
		ret = -EAGAIN;
	} else {
		lk->cached_valid = false;
		blklock_report_fate(ls, flags ? "delete" : "create", p->index,
				    &op, fate, false);
		ret = blklock_fate_errno(&op, fate);
	}
	mutex_unlock(&lk->mutex);
	return ret;
}

/* What @op does at the record a probe found. */
static int blklock_name_step(struct blklock_space *ls, const char *name,
			     u32 op, const struct blklock_probe *p, void *buf,
			     u32 *result)
{
	int ret;

	switch (p->kind) {
	case BLKLOCK_NAMEREC_MATCH:
		if (op != BLKLOCK_NAME_DELETE) {
			*result = BLKLOCK_NAME_FOUND;
			return 0;
		}
		*result = BLKLOCK_NAME_REMOVED;
		return blklock_name_write(ls, p, name, BLKLOCK_LOCK_DELETED,
					  buf);
	case BLKLOCK_NAMEREC_DELETED:
		*result = BLKLOCK_NAME_REVIVED;
		break;
	case BLKLOCK_NAMEREC_EMPTY:
		*result = BLKLOCK_NAME_CREATED;
		break;
	default:
		return op == BLKLOCK_NAME_CREATE ? -ENOSPC : -ENOENT;
	}
	if (op != BLKLOCK_NAME_CREATE)
		return -ENOENT;
	ret = blklock_name_write(ls, p, name, 0, buf);
	if (!ret)
		blklock_name_remember(ls, name, p->index);
	return ret;
}

/* One dmesg line for what a NAME command did, or why it could not. */
static void blklock_name_report(struct blklock_space *ls, const char *name,
				u32 op, u32 index, u32 result, int ret)
{
	if (ret == -EOPNOTSUPP) {
		pr_warn_ratelimited("%s: lock names need format 4; this lockspace is format %u (blklockctl format writes format 4)\n",
				    ls->name, ls->hdr.version);
		return;
	}
	if ((ret && ret != -EBUSY && ret != -ENOSPC && ret != -EAGAIN) ||
	    !blklock_may_report(ls))
		return;
	if (ret == -EAGAIN)
		pr_warn("%s: lock %u, the record for the name %s, kept changing under %d tries: try again\n",
			ls->name, index, name, BLKLOCK_NAME_TRIES);
	else if (ret == -EBUSY && op == BLKLOCK_NAME_DELETE)
		pr_warn("%s: lock %u (%s) is held: its name is not deleted\n",
			ls->name, index, name);
	else if (ret == -EBUSY)
		pr_warn("%s: lock %u, the record for the name %s, is held (by number, or through its deleted name): the name is not created until it is free\n",
			ls->name, index, name);
	else if (ret == -ENOSPC)
		pr_warn("%s: no record left for the name %s: all %u carry other names or tombstones\n",
			ls->name, name, ls->hdr.nr_locks);
	else if (result == BLKLOCK_NAME_CREATED)
		pr_info("%s: lock %u is now named %s\n", ls->name, index, name);
	else if (result == BLKLOCK_NAME_REVIVED)
		pr_info("%s: lock %u is named %s again (its tombstone was revived)\n",
			ls->name, index, name);
	else if (result == BLKLOCK_NAME_REMOVED)
		pr_info("%s: the name %s of lock %u is deleted (the record keeps it as a tombstone)\n",
			ls->name, name, index);
}

/**
 * blklock_name_op() - find, create or delete a named lock
 * @ls:		lockspace
 * @name:	a name blklock_lock_name_valid() accepts
 * @op:		BLKLOCK_NAME_LOOKUP, _CREATE or _DELETE
 * @index:	out: the name's record
 * @result:	out: BLKLOCK_NAME_FOUND, _CREATED, _REVIVED or _REMOVED
 *
 * Return: 0; -EOPNOTSUPP before format 4; -ENOENT if the name has no
 * record (LOOKUP, DELETE) or only a tombstone; -ENOSPC if CREATE finds
 * no record for it; -EBUSY if the record to change is held, or kept
 * changing (BLKLOCK_NAME_TRIES probes); -EBADMSG or -EUCLEAN for a damaged record on the probe;
 * -EINTR; or a command's errno.
 */
int blklock_name_op(struct blklock_space *ls, const char *name, u32 op,
		    u32 *index, u32 *result)
{
	struct blklock_probe p = {};
	int ret = -EOPNOTSUPP, tries;
	void *buf = NULL;

	*result = 0;
	if (ls->hdr.version < 4)
		goto out;
	buf = kmalloc(3 * ls->block_size, GFP_KERNEL);
	ret = buf ? -EAGAIN : -ENOMEM;
	for (tries = 0; ret == -EAGAIN && tries < BLKLOCK_NAME_TRIES; tries++) {
		ret = blklock_name_probe(ls, name, buf, &p);
		if (!ret)
			ret = blklock_name_step(ls, name, op, &p, buf, result);
	}
	*index = p.index;
out:
	blklock_name_report(ls, name, op, p.index, *result, ret);
	kfree(buf);
	if (ret)
		*result = 0;
	return ret == -EAGAIN ? -EBUSY : ret;
}

/**
 * blklock_names_init() - set up a lockspace's cache of names
 * @ls:		lockspace
 */
void blklock_names_init(struct blklock_space *ls)
{
	mutex_init(&ls->names_mutex);
	hash_init(ls->names);
	ls->names_count = 0;
}

/**
 * blklock_names_destroy() - free a lockspace's cache of names
 * @ls:		lockspace no file uses any more
 */
void blklock_names_destroy(struct blklock_space *ls)
{
	struct blklock_name_entry *e;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(ls->names, bkt, tmp, e, node) {
		hash_del(&e->node);
		kfree(e);
	}
	ls->names_count = 0;
}
