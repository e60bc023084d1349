// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: the commands on the open /dev/blklock file, and the locks
 * it holds (in the order taken, for the release at the end).
 *
 * Every result is one line of standard output: the text of blklockctl(8)'s
 * OUTPUT section, or with --json one JSON object.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/blklock.h>

#include "blklockctl.h"
#include "json.h"
#include "ondisk.h"

struct held_lock {
	uint32_t lock;
	uint64_t generation;
};
static struct held_lock *held;
static size_t nr_held, max_held;

void say(const char *fmt, ...)
{
	va_list ap;

	if (blc.quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* "<type> lock N[ generation G]", or {"type":..,"lock":N[,"generation":G]}. */
static void lock_event(const char *type, uint32_t lock, const uint64_t *gen)
{
	struct json j;

	if (blc.quiet)
		return;
	if (!blc.json) {
		if (gen)
			say("%s lock %" PRIu32 " generation %" PRIu64 "\n", type,
			    lock, *gen);
		else
			say("%s lock %" PRIu32 "\n", type, lock);
		return;
	}
	json_open(&j, type);
	json_u64(&j, "lock", lock);
	if (gen)
		json_u64(&j, "generation", *gen);
	json_end(&j);
}

int open_control(void)
{
	if (blc.ctl >= 0)
		return 0;
	blc.ctl = open(blc.control, O_RDWR | O_CLOEXEC);
	if (blc.ctl < 0)
		return fail(OP_OPEN, errno, "cannot open %s", blc.control);
	return 0;
}

int do_attach(const char *disk, uint32_t node)
{
	struct blklock_attach a;

	memset(&a, 0, sizeof(a));
	a.path = (uintptr_t)disk;
	a.node_id = node;
	if (ioctl(blc.ctl, BLKLOCK_IOC_ATTACH, &a))
		return fail(OP_ATTACH, errno, "attach %s as node %" PRIu32, disk, node);
	return 0;
}

/* ---- the locks this file holds ------------------------------------------ */

static bool remember(uint32_t lock, uint64_t generation)
{
	if (nr_held == max_held) {
		size_t n = max_held ? 2 * max_held : 16;
		struct held_lock *p = realloc(held, n * sizeof(*p));

		if (!p)
			return false;
		held = p;
		max_held = n;
	}
	held[nr_held].lock = lock;
	held[nr_held].generation = generation;
	nr_held++;
	return true;
}

static struct held_lock *find_held(uint32_t lock)
{
	for (size_t i = 0; i < nr_held; i++)
		if (held[i].lock == lock)
			return &held[i];
	return NULL;
}

static void forget(uint32_t lock)
{
	struct held_lock *h = find_held(lock);

	if (h) {
		memmove(h, h + 1, (size_t)(&held[nr_held] - (h + 1)) * sizeof(*h));
		nr_held--;
	}
}

size_t nr_held_locks(void)
{
	return nr_held;
}

uint32_t held_lock(size_t i)
{
	return held[i].lock;
}

/* ---- acquire, release, validate ------------------------------------------ */

static int do_release(uint32_t lock);

int do_acquire(uint32_t lock, bool nowait, uint32_t timeout_ms,
	       uint64_t *generation)
{
	struct blklock_acquire a;
	uint64_t gen;

	memset(&a, 0, sizeof(a));
	a.lock = lock;
	a.flags = nowait ? BLKLOCK_ACQUIRE_NOWAIT : 0;
	a.timeout_ms = timeout_ms;
	/*
	 * A signal that arrived before the ioctl is caught here; one that
	 * arrives while it waits makes it return EINTR.
	 */
	if (got_signal)
		return fail(OP_ACQUIRE, EINTR, "acquire lock %" PRIu32, lock);
	if (ioctl(blc.ctl, BLKLOCK_IOC_ACQUIRE, &a))
		return fail(OP_ACQUIRE, errno, "acquire lock %" PRIu32, lock);
	gen = a.generation;
	lock_event("acquired", lock, &gen);
	if (!remember(lock, gen)) {
		fail(OP_OTHER, ENOMEM, "cannot keep track of lock %" PRIu32, lock);
		do_release(lock);
		return EXIT_SYSTEM;
	}
	if (generation)
		*generation = gen;
	return 0;
}

/* The file does not hold @lock afterwards, whatever the ioctl returned. */
static int do_release(uint32_t lock)
{
	struct blklock_release r;
	int err;

	memset(&r, 0, sizeof(r));
	r.lock = lock;
	if (!ioctl(blc.ctl, BLKLOCK_IOC_RELEASE, &r)) {
		forget(lock);
		lock_event("released", lock, NULL);
		return 0;
	}
	err = errno;
	/*
	 * EPERM: the file did not hold it.  ENOLCK: the file no longer
	 * holds it: it was lost, or the release's command timed out and the
	 * kernel's reaper frees the record.  Otherwise the kernel may still
	 * count it as held and will release it on close; do not try again.
	 */
	forget(lock);
	return fail(OP_RELEASE, err, "release lock %" PRIu32, lock);
}

/*
 * Release what is still held, newest first, reporting every error.
 * Returns the exit code of the first error, or 0.
 */
int release_all(void)
{
	int ret = 0;

	while (nr_held) {
		int r = do_release(held[nr_held - 1].lock);

		if (r && !ret)
			ret = r;
	}
	return ret;
}

int cmd_acquire(const struct step *s)
{
	return do_acquire(s->lock, s->nowait, s->timeout_ms, NULL);
}

int cmd_release(const struct step *s)
{
	return do_release(s->lock);
}

int cmd_validate(const struct step *s)
{
	struct blklock_validate v;
	struct held_lock *h = find_held(s->lock);
	uint64_t gen;

	memset(&v, 0, sizeof(v));
	v.lock = s->lock;
	if (h)
		v.generation = h->generation;
	if (ioctl(blc.ctl, BLKLOCK_IOC_VALIDATE, &v))
		return fail(OP_VALIDATE, errno, "validate lock %" PRIu32, s->lock);
	gen = v.generation;
	lock_event("valid", s->lock, &gen);
	return 0;
}

/* ---- status LOCK: the record, whether its owner is live, which file ---- */

/* What status LOCK found out. */
struct lock_answer {
	struct blklock_status st;
	struct blklock_info info;	/* read when the lock has an owner */
	bool self;			/* the owner is this node */
	struct blklock_node node;	/* the owner's slot, another node */
	int node_err;			/* 0; -1: no slot; else NODES's errno */
	char owner_name[BLKLOCK_NODE_NAME_MAX];	/* "" if none */
	char who[BLKLOCK_NODE_NAME_MAX + 24];	/* "node N (NAME)" */
};

/* The heartbeat slot of @owner, waiting for it if it was not seen yet. */
static int read_slot(uint32_t owner, struct blklock_node *n)
{
	struct blklock_nodes req;

	memset(n, 0, sizeof(*n));
	memset(&req, 0, sizeof(req));
	req.nodes = (uintptr_t)n;
	req.first = owner;
	req.count = 1;
	req.flags = BLKLOCK_NODES_WAIT;
	if (ioctl(blc.ctl, BLKLOCK_IOC_NODES, &req))
		return errno;
	return req.count == 1 && n->node_id == owner ? 0 : EPROTO;
}

/* The owner's side: this node (INFO, no I/O) or its heartbeat slot. */
static int ask_owner(struct lock_answer *a)
{
	uint32_t owner = a->st.owner;

	char disk[48];

	if (ioctl(blc.ctl, BLKLOCK_IOC_INFO, &a->info))
		return fail(OP_INFO, errno, "info");
	/* The owner's name, from its slot on the disk (format 3). */
	snprintf(disk, sizeof(disk), "/dev/%.32s", a->info.disk);
	if (a->info.format_version >= 3 &&
	    bl_node_name(disk, owner, a->owner_name))
		snprintf(a->who, sizeof(a->who), "node %" PRIu32 " (%s)", owner,
			 a->owner_name);
	else
		snprintf(a->who, sizeof(a->who), "node %" PRIu32, owner);
	a->self = owner == a->info.node_id;
	if (a->self)
		return 0;
	if (owner > a->info.max_node_id)
		a->node_err = -1;
	else
		a->node_err = read_slot(owner, &a->node);
	return 0;
}

static void self_words(const struct lock_answer *a, char *buf, size_t len)
{
	uint32_t state = a->st.state;
	int n = snprintf(buf, len, "%s is this node (heartbeat %s): ",
			 a->who, hb_state_name(a->info.hb_state));

	buf += n;
	len -= (size_t)n;
	if (state & BLKLOCK_STATE_HELD_BY_FILE)
		snprintf(buf, len, "held by this blklockctl (pid %ld)", (long)getpid());
	else if (state & BLKLOCK_STATE_LOST)
		snprintf(buf, len, "this file lost it");
	else if ((state & BLKLOCK_STATE_HELD_BY_NODE) && a->st.holder_pid)
		snprintf(buf, len, "held by pid %" PRIu32 " through another open file of this node",
			 a->st.holder_pid);
	else if (state & BLKLOCK_STATE_HELD_BY_NODE)
		snprintf(buf, len, "held by another open file of this node (the process that took it has exited or is not visible here)");
	else
		snprintf(buf, len, "no file of this node holds it: a stale record, the next acquire takes it over");
}

static void other_words(const struct lock_answer *a, char *buf, size_t len)
{
	const struct blklock_node *n = &a->node;
	const char *o = a->who;
	char t[32];

	if (a->node_err < 0) {
		snprintf(buf, len, "%s has no heartbeat slot (the lockspace has %" PRIu32 "): stale",
			 o, a->info.max_node_id);
		return;
	}
	if (a->node_err) {
		snprintf(buf, len, "%s's heartbeat could not be read: %s (%s)",
			 o, strerror(a->node_err), errno_name(a->node_err));
		return;
	}
	fmt_ms(n->unchanged_ms, t, sizeof(t));
	switch (n->state) {
	case BLKLOCK_NODE_LIVE:
		snprintf(buf, len, "%s is live", o);
		break;
	case BLKLOCK_NODE_WATCHING:
		snprintf(buf, len, "%s is not renewing its heartbeat (unchanged for %s, less than a lease)", o, t);
		break;
	case BLKLOCK_NODE_STALE:
		snprintf(buf, len, "%s is stale (heartbeat unchanged for %s): dead or cut off, the next acquire breaks the lock", o, t);
		break;
	case BLKLOCK_NODE_EVICTED:
		snprintf(buf, len, "%s is evicted: the lock may be broken", o);
		break;
	case BLKLOCK_NODE_LEFT:
		snprintf(buf, len, "%s left (detached cleanly): the next acquire takes the lock over", o);
		break;
	default:
		snprintf(buf, len, "%s's heartbeat slot is %s: liveness unknown", o,
			 node_state_name(n->state));
	}
}

static void lock_text(const struct lock_answer *a)
{
	const struct blklock_status *s = &a->st;
	char words[224];

	if (!s->owner)
		snprintf(words, sizeof(words), "free");
	else if (a->self)
		self_words(a, words, sizeof(words));
	else
		other_words(a, words, sizeof(words));
	say("lock %" PRIu32 ": owner %" PRIu32 " generation %" PRIu64
	    " held-by-this-file %s held-by-this-node %s%s; %s\n", s->lock, s->owner,
	    (uint64_t)s->generation,
	    s->state & BLKLOCK_STATE_HELD_BY_FILE ? "yes" : "no",
	    s->state & BLKLOCK_STATE_HELD_BY_NODE ? "yes" : "no",
	    s->state & BLKLOCK_STATE_LOST ? " lost" : "", words);
}

/* The owner's heartbeat in a word: this node's own, or its slot's. */
static const char *owner_heartbeat(const struct lock_answer *a)
{
	if (!a->st.owner)
		return NULL;
	if (a->self)
		return hb_state_name(a->info.hb_state);
	if (a->node_err < 0)
		return "no-slot";
	return a->node_err ? NULL : node_state_name(a->node.state);
}

static void lock_json(const struct lock_answer *a)
{
	const struct blklock_status *s = &a->st;
	struct json j;

	json_open(&j, "lock");
	json_u64(&j, "lock", s->lock);
	json_u64(&j, "owner", s->owner);
	json_u64(&j, "generation", s->generation);
	json_bool(&j, "held_by_this_file", s->state & BLKLOCK_STATE_HELD_BY_FILE);
	json_bool(&j, "held_by_this_node", s->state & BLKLOCK_STATE_HELD_BY_NODE);
	json_bool(&j, "lost", s->state & BLKLOCK_STATE_LOST);
	json_bool(&j, "owner_is_this_node", s->owner && a->self);
	json_str(&j, "owner_name", a->owner_name[0] ? a->owner_name : NULL);
	json_str(&j, "owner_heartbeat", owner_heartbeat(a));
	if (s->owner && !a->self && !a->node_err)
		json_u64(&j, "owner_unchanged_ms", a->node.unchanged_ms);
	if (s->state & BLKLOCK_STATE_HELD_BY_FILE)
		json_u64(&j, "holder_pid", (uint64_t)getpid());
	else if (s->holder_pid)
		json_u64(&j, "holder_pid", s->holder_pid);
	else
		json_null(&j, "holder_pid");
	json_end(&j);
}

/* status LOCK: BLKLOCK_IOC_STATUS, then who the owner is. */
int cmd_status(const struct step *step)
{
	struct lock_answer a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.st.lock = step->lock;
	if (ioctl(blc.ctl, BLKLOCK_IOC_STATUS, &a.st))
		return fail(OP_STATUS, errno, "status of lock %" PRIu32, step->lock);
	a.st.lock = step->lock;
	if (blc.quiet)
		return 0;
	if (a.st.owner) {
		ret = ask_owner(&a);
		if (ret)
			return ret;
	}
	if (blc.json)
		lock_json(&a);
	else
		lock_text(&a);
	return 0;
}

/* ---- info, sleep ------------------------------------------------------------ */

static void info_json(const struct blklock_info *i)
{
	struct json j;

	json_open(&j, "info");
	json_u64(&j, "node", i->node_id);
	json_str(&j, "disk", i->disk);
	json_u64(&j, "format", i->format_version);
	json_u64(&j, "block_size", i->block_size);
	json_u64(&j, "locks", i->nr_locks);
	json_u64(&j, "lock_lba", i->lock_lba);
	json_uuid(&j, "uuid", i->uuid);
	json_u64(&j, "node_slots", i->max_node_id);
	json_u64(&j, "heartbeat_ms", i->hb_interval_ms);
	json_u64(&j, "lease_ms", i->lease_timeout_ms);
	json_str(&j, "heartbeat", hb_state_name(i->hb_state));
	json_hex64(&j, "incarnation", i->incarnation);
	json_end(&j);
}

int cmd_info(const struct step *s)
{
	struct blklock_info i;
	char uuid[37];

	(void)s;
	memset(&i, 0, sizeof(i));
	if (ioctl(blc.ctl, BLKLOCK_IOC_INFO, &i))
		return fail(OP_INFO, errno, "info");
	if (blc.quiet)
		return 0;
	i.disk[sizeof(i.disk) - 1] = '\0';
	if (blc.json) {
		info_json(&i);
		return 0;
	}
	printf("node %" PRIu32 "\ndisk %s\nformat %" PRIu32 "\nblock-size %" PRIu32
	       "\nlocks %" PRIu32 "\nlock-lba %" PRIu64 "\nuuid %s\n", i.node_id,
	       i.disk, i.format_version, i.block_size, i.nr_locks,
	       (uint64_t)i.lock_lba, fmt_uuid(i.uuid, uuid));
	fflush(stdout);
	return 0;
}

int cmd_sleep(const struct step *s)
{
	int64_t deadline = now_ms() + s->ms, left;
	sigset_t old;
	int ret = 0;

	block_signals(&old);
	while (!got_signal && (left = deadline - now_ms()) > 0)
		wait_for(NULL, 0, left, &old);
	if (got_signal)
		ret = EXIT_INTERRUPTED;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}
