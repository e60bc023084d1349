// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: user space learns of this node's heartbeat state changes.
 *
 * A fence, a rejoin or a stop is an event an administrator's tools must
 * be able to act on without polling dmesg: the lockspace's sysfs
 * directory (/sys/kernel/blklock/<uuid>:<node id>) sends an "add"
 * uevent when it appears, a "change" uevent at every change of the
 * heartbeat state (BLKLOCK_HEARTBEAT=live|fenced|stopped,
 * BLKLOCK_NODE_ID, BLKLOCK_UUID, BLKLOCK_DISK), and "remove" when it
 * goes; its "heartbeat" file wakes poll() at the same moments.
 * blklock_hb_apply() queues the work from any context (the fence
 * timer's included).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "blklock.h"

static const char * const blklock_hb_state_names[] = {
	[BLKLOCK_HB_LIVE] = "live",
	[BLKLOCK_HB_FENCED] = "fenced",
	[BLKLOCK_HB_STOPPED] = "stopped",
};

/**
 * blklock_hb_state_name() - the word for a heartbeat state, as sysfs,
 *	uevents and blklockctl say it
 * @state:	the state
 *
 * Return: "live", "fenced" or "stopped".
 */
const char *blklock_hb_state_name(enum blklock_hb_state state)
{
	return blklock_hb_state_names[state];
}

/* A uevent on the lockspace's sysfs directory, saying its state. */
static void blklock_lease_uevent(struct blklock_space *ls,
				 enum kobject_action action)
{
	char state[32], node[32], uuid[64], disk[16 + BDEVNAME_SIZE];
	char *envp[5];

	envp[0] = state;
	envp[1] = node;
	envp[2] = uuid;
	envp[3] = disk;
	envp[4] = NULL;
	snprintf(state, sizeof(state), "BLKLOCK_HEARTBEAT=%s",
		 blklock_hb_state_name(READ_ONCE(ls->hb_state)));
	snprintf(node, sizeof(node), "BLKLOCK_NODE_ID=%u", ls->node_id);
	snprintf(uuid, sizeof(uuid), "BLKLOCK_UUID=%pU", ls->hdr.uuid);
	snprintf(disk, sizeof(disk), "BLKLOCK_DISK=%s", ls->name);
	kobject_uevent_env(&ls->kobj, action, envp);
}

/**
 * blklock_state_workfn() - tell user space that this node's heartbeat
 *	state changed (queued by blklock_hb_apply())
 * @work:	&blklock_space.state_work
 */
void blklock_state_workfn(struct work_struct *work)
{
	struct blklock_space *ls = container_of(work, struct blklock_space,
						state_work);

	sysfs_notify(&ls->kobj, NULL, "heartbeat");
	blklock_lease_uevent(ls, KOBJ_CHANGE);
}

/**
 * blklock_lease_events() - start or stop telling user space of this
 *	node's heartbeat state changes
 * @ls:		lockspace whose sysfs directory was just added, or is about
 *		to be removed
 * @on:		true after kobject_add(): an "add" uevent now, then a
 *		"change" uevent (and a sysfs_notify() of "heartbeat", for
 *		poll()) at every change (fenced, live again, stopped); false
 *		before kobject_del(): no more, and none pending
 */
void blklock_lease_events(struct blklock_space *ls, bool on)
{
	spin_lock_bh(&ls->hb_lock);
	ls->uevents = on;
	spin_unlock_bh(&ls->hb_lock);
	if (on)
		blklock_lease_uevent(ls, KOBJ_ADD);
	else
		cancel_work_sync(&ls->state_work);
}
