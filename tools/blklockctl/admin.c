// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: the administrator's commands, which need CAP_SYS_ADMIN:
 * break LOCK (BLKLOCK_IOC_BREAK) and format DISK (BLKLOCK_IOC_FORMAT).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/blklock.h>

#include "blklockctl.h"
#include "json.h"
#include "ondisk.h"

/*
 * What the owner of a record that BREAK freed was, in a word or two, from
 * its heartbeat slot as this node sees it now (after the break: a dead
 * owner has been evicted by then).  NULL if the slot cannot be read.
 */
static const char *broken_owner_state(uint32_t owner)
{
	struct blklock_node n;
	struct blklock_nodes req;

	memset(&n, 0, sizeof(n));
	memset(&req, 0, sizeof(req));
	req.nodes = (uintptr_t)&n;
	req.first = owner;
	req.count = 1;
	if (!owner || ioctl(blc.ctl, BLKLOCK_IOC_NODES, &req) || req.count != 1 ||
	    n.node_id != owner)
		return NULL;
	switch (n.state) {
	case BLKLOCK_NODE_EVICTED:
		return "evicted";
	case BLKLOCK_NODE_STALE:
		return "dead";
	case BLKLOCK_NODE_LEFT:
		return "left";
	case BLKLOCK_NODE_UNUSED:
		return "no heartbeat";
	case BLKLOCK_NODE_SELF:
		return "this node, no file held it";
	case BLKLOCK_NODE_LIVE:
	case BLKLOCK_NODE_WATCHING:
		/* BREAK frees a live node's record only if it names an older incarnation. */
		return "restarted";
	default:
		return NULL;
	}
}

/* Why the kernel refused (EBUSY) to break @lock, from a STATUS read. */
static int break_refused(uint32_t lock, const char *name, int err)
{
	char hint[160], label[LOCK_LABEL_MAX];
	struct blklock_status s;

	memset(&s, 0, sizeof(s));
	s.lock = lock;
	if (ioctl(blc.ctl, BLKLOCK_IOC_STATUS, &s) || !s.owner)
		snprintf(hint, sizeof(hint),
			 "its owner is live (or a file on this node holds it): refusing to break it");
	else if (s.state & BLKLOCK_STATE_HELD_BY_FILE)
		snprintf(hint, sizeof(hint),
			 "this blklockctl holds it: refusing to break it");
	else if (s.state & BLKLOCK_STATE_HELD_BY_NODE)
		snprintf(hint, sizeof(hint),
			 "a file on this node (node %" PRIu32 ") holds it: refusing to break it; release it there",
			 s.owner);
	else
		snprintf(hint, sizeof(hint),
			 "its owner node %" PRIu32 " is live (or a file on this node holds it): refusing to break it",
			 s.owner);
	return fail_hint(OP_BREAK, err, hint, "break lock %s",
			 lock_label(lock, name, label, sizeof(label)));
}

static const char *break_result_name(uint32_t r)
{
	switch (r) {
	case BLKLOCK_BREAK_WAS_FREE:
		return "was-free";
	case BLKLOCK_BREAK_FREED:
		return "freed";
	case BLKLOCK_BREAK_REPAIRED:
		return "repaired";
	default:
		return "unknown";
	}
}

static void break_json(const struct blklock_break *b, const char *name,
		       const char *st)
{
	struct json j;

	json_open(&j, "break");
	json_u64(&j, "lock", b->lock);
	if (name)
		json_str(&j, "name", name);
	json_str(&j, "result", break_result_name(b->result));
	json_u64(&j, "owner", b->owner);
	json_str(&j, "owner_state", st);
	json_u64(&j, "old_generation", b->old_generation);
	json_u64(&j, "generation", b->generation);
	json_end(&j);
}

static void break_text(const struct blklock_break *b, const char *name,
		       const char *st)
{
	char lock[LOCK_LABEL_MAX];

	lock_label(b->lock, name, lock, sizeof(lock));
	switch (b->result) {
	case BLKLOCK_BREAK_WAS_FREE:
		say("lock %s was free at generation %" PRIu64 "; nothing written\n",
		    lock, (uint64_t)b->generation);
		break;
	case BLKLOCK_BREAK_FREED:
		say("lock %s: node %" PRIu32 "%s%s%s held generation %" PRIu64
		    "; freed at generation %" PRIu64 "\n", lock, b->owner,
		    st ? " (" : "", st ? st : "", st ? ")" : "",
		    (uint64_t)b->old_generation, (uint64_t)b->generation);
		break;
	case BLKLOCK_BREAK_REPAIRED:
		say("lock %s: damaged record rewritten as free at generation %" PRIu64 "\n",
		    lock, (uint64_t)b->generation);
		break;
	default:
		say("lock %s: break result %" PRIu32 " (unknown to this blklockctl), owner %" PRIu32
		    " generation %" PRIu64 " now %" PRIu64 "\n", lock, b->result,
		    b->owner, (uint64_t)b->old_generation, (uint64_t)b->generation);
	}
}

/*
 * break LOCK: BLKLOCK_IOC_BREAK.  The kernel refuses (EBUSY) a record of
 * a live owner or one a file of this node holds; a STATUS read then says
 * which, for the message.
 */
int cmd_break(const struct step *s)
{
	char label[LOCK_LABEL_MAX];
	struct blklock_break b;
	const char *st = NULL;
	uint32_t lock, result;
	int ret;

	ret = step_lock(s, "break", BLKLOCK_NAME_LOOKUP, &lock, &result);
	if (ret)
		return ret;
	memset(&b, 0, sizeof(b));
	b.lock = lock;
	if (ioctl(blc.ctl, BLKLOCK_IOC_BREAK, &b)) {
		if (errno == EBUSY)
			return break_refused(lock, s->lock_name, errno);
		return fail(OP_BREAK, errno, "break lock %s",
			    lock_label(lock, s->lock_name, label, sizeof(label)));
	}
	b.lock = lock;
	if (blc.quiet)
		return 0;
	if (b.result == BLKLOCK_BREAK_FREED)
		st = broken_owner_state(b.owner);
	if (blc.json)
		break_json(&b, s->lock_name, st);
	else
		break_text(&b, s->lock_name, st);
	return 0;
}

/* ---- format ---------------------------------------------------------------- */

/* Over a lockspace, a forced format first watches its heartbeat slots. */
static void format_announce(const char *disk, const struct bl_header *old)
{
	uint32_t wait_ms = old->lease_timeout_ms + old->hb_interval_ms;
	struct json j;

	if (blc.quiet)
		return;
	if (!blc.json) {
		say("%s holds a blklock lockspace (%" PRIu32 " node slots, lease %" PRIu32
		    " ms): checking for live nodes (up to %" PRIu32 " ms)...\n", disk,
		    old->max_node_id, old->lease_timeout_ms, wait_ms);
		return;
	}
	json_open(&j, "format-check");
	json_str(&j, "disk", disk);
	json_u64(&j, "node_slots", old->max_node_id);
	json_u64(&j, "lease_ms", old->lease_timeout_ms);
	json_u64(&j, "wait_ms", wait_ms);
	json_end(&j);
}

static void format_done(const char *disk, uint32_t locks)
{
	struct json j;

	if (blc.quiet)
		return;
	if (!blc.json) {
		say("formatted %s: %" PRIu32 " locks\n", disk, locks);
		return;
	}
	json_open(&j, "formatted");
	json_str(&j, "disk", disk);
	json_u64(&j, "locks", locks);
	json_end(&j);
}

static int format_failed(const char *disk, int err, bool is_space)
{
	if (is_space && err == EBUSY)
		return fail_hint(OP_FORMAT, err,
				 "a node is heartbeating in the lockspace on it (dmesg names it: stop blklock there first), or this host has it attached",
				 "format %s", disk);
	if (is_space && err == EEXIST)
		return fail_hint(OP_FORMAT, err,
				 "it holds a blklock lockspace; --force overwrites it once no node heartbeats in it",
				 "format %s", disk);
	return fail(OP_FORMAT, err, "format %s", disk);
}

int cmd_format(const struct step *s)
{
	struct blklock_format f;
	struct bl_header old;
	bool is_space;
	int ret;

	memset(&f, 0, sizeof(f));
	f.path = (uintptr_t)s->disk;
	f.nr_locks = s->locks;
	f.flags = s->force ? BLKLOCK_FORMAT_FORCE : 0;
	memcpy(f.uuid, s->uuid, sizeof(f.uuid));
	f.max_node_id = s->max_nodes;
	f.hb_interval_ms = s->heartbeat_ms;
	f.lease_timeout_ms = s->lease_ms;
	ret = open_control();
	if (ret)
		return ret;
	/*
	 * The kernel decides how long it watches; this is only what our own
	 * read of the header lets us announce.
	 */
	is_space = bl_probe(s->disk, &old);
	if (is_space && s->force)
		format_announce(s->disk, &old);
	if (ioctl(blc.ctl, BLKLOCK_IOC_FORMAT, &f))
		return format_failed(s->disk, errno, is_space);
	format_done(s->disk, s->locks);
	return 0;
}
