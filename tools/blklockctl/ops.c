// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: the commands on the open /dev/blklock file, and the locks
 * it holds (in the order taken, for the release at the end).
 *
 * Every result is one line of standard output: the text of blklockctl(8)'s
 * OUTPUT section, or with --json one JSON object.
 *
 * A lock given by name (format 4) is resolved to its index with one
 * BLKLOCK_IOC_NAME when its step runs: acquire and run create the name,
 * the others look it up.  The index stays the name's for the life of the
 * lockspace, so everything after that goes by index, as for a number;
 * the messages then say "lock 7 (NAME)".
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
	const char *name;	/* the name it was taken by, or NULL */
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

/* "7", or "7 (NAME)" for a lock given by name. */
const char *lock_label(uint32_t lock, const char *name, char *buf, size_t len)
{
	if (name)
		snprintf(buf, len, "%" PRIu32 " (%s)", lock, name);
	else
		snprintf(buf, len, "%" PRIu32, lock);
	return buf;
}

const char *name_result_name(uint32_t r)
{
	switch (r) {
	case BLKLOCK_NAME_FOUND:
		return "found";
	case BLKLOCK_NAME_CREATED:
		return "created";
	case BLKLOCK_NAME_REVIVED:
		return "revived";
	case BLKLOCK_NAME_REMOVED:
		return "removed";
	default:
		return "unknown";
	}
}

/*
 * "<type> lock N[ (NAME)][ generation G]", or {"type":..,"lock":N
 * [,"name":NAME][,"name_result":R][,"generation":G]}; R (0: none) says
 * what resolving the name did.
 */
static void lock_event(const char *type, uint32_t lock, const char *name,
		       uint32_t name_result, const uint64_t *gen)
{
	char label[LOCK_LABEL_MAX];
	struct json j;

	if (blc.quiet)
		return;
	if (!blc.json) {
		lock_label(lock, name, label, sizeof(label));
		if (gen)
			say("%s lock %s generation %" PRIu64 "\n", type, label, *gen);
		else
			say("%s lock %s\n", type, label);
		return;
	}
	json_open(&j, type);
	json_u64(&j, "lock", lock);
	if (name)
		json_str(&j, "name", name);
	if (name && name_result)
		json_str(&j, "name_result", name_result_name(name_result));
	if (gen)
		json_u64(&j, "generation", *gen);
	json_end(&j);
}

/* ---- names: BLKLOCK_IOC_NAME --------------------------------------------- */

/* The format of the lockspace, for a message; 0 if INFO fails. */
static uint32_t space_format(void)
{
	struct blklock_info i;

	memset(&i, 0, sizeof(i));
	return ioctl(blc.ctl, BLKLOCK_IOC_INFO, &i) ? 0 : i.format_version;
}

/* Report a failed BLKLOCK_IOC_NAME @op of @name for "<verb> lock NAME". */
static int name_failed(int err, uint32_t op, const char *verb, const char *name)
{
	char hint[256];
	uint32_t f;

	switch (err) {
	case ENOENT:
		snprintf(hint, sizeof(hint), "no lock named %s in this lockspace", name);
		break;
	case EOPNOTSUPP:
		f = space_format();
		if (f)
			snprintf(hint, sizeof(hint),
				 "this lockspace is format %" PRIu32 ": it has no lock names (format it again to use names)",
				 f);
		else
			snprintf(hint, sizeof(hint),
				 "this lockspace's format has no lock names (format it again to use names)");
		break;
	case EBUSY:
		if (op == BLKLOCK_NAME_DELETE)
			snprintf(hint, sizeof(hint), "lock %s is held: release it first", name);
		else	/* CREATE: the record it would take, unnamed or its tombstone */
			snprintf(hint, sizeof(hint),
				 "the record that %s would take (an unnamed one, or its tombstone) is held by number, or kept changing: try again once it is free",
				 name);
		break;
	default:
		return fail(OP_NAME, err, "%s lock %s", verb, name);
	}
	return fail_hint(OP_NAME, err, hint, "%s lock %s", verb, name);
}

/* BLKLOCK_IOC_NAME: @op on @name; the index and the result, or an errno. */
static int name_ioctl(const char *name, uint32_t op, uint32_t *lock,
		      uint32_t *result)
{
	struct blklock_name n;

	*lock = 0;
	*result = 0;
	memset(&n, 0, sizeof(n));
	n.name = (uintptr_t)name;
	n.op = op;
	if (ioctl(blc.ctl, BLKLOCK_IOC_NAME, &n))
		return errno;
	*lock = n.lock;
	*result = n.result;
	return 0;
}

/**
 * step_lock() - the index of @s's LOCK
 * @s:		the step
 * @verb:	what the step does, for a message: "acquire", "status of"
 * @op:		BLKLOCK_NAME_CREATE or _LOOKUP, for a LOCK given by name
 * @lock:	out: the index
 * @result:	out: BLKLOCK_NAME_* for a name; 0 for a number
 *
 * Return: 0, or the exit code after saying what failed.
 */
int step_lock(const struct step *s, const char *verb, uint32_t op,
	      uint32_t *lock, uint32_t *result)
{
	int err;

	*result = 0;
	if (!s->lock_name) {
		*lock = s->lock;
		return 0;
	}
	err = name_ioctl(s->lock_name, op, lock, result);
	return err ? name_failed(err, op, verb, s->lock_name) : 0;
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

static bool remember(uint32_t lock, uint64_t generation, const char *name)
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
	held[nr_held].name = name;
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

const char *held_lock_name(size_t i)
{
	return held[i].name;
}

/* ---- acquire, release, validate ------------------------------------------ */

static int do_release(uint32_t lock, const char *name);

/*
 * Take @lock (given as @name, or NULL; @name_result: what resolving the
 * name did, for --json).
 */
int do_acquire(uint32_t lock, const char *name, uint32_t name_result,
	       bool nowait, uint32_t timeout_ms, uint64_t *generation)
{
	char label[LOCK_LABEL_MAX];
	struct blklock_acquire a;
	uint64_t gen;

	memset(&a, 0, sizeof(a));
	a.lock = lock;
	a.flags = nowait ? BLKLOCK_ACQUIRE_NOWAIT : 0;
	a.timeout_ms = timeout_ms;
	lock_label(lock, name, label, sizeof(label));
	/*
	 * A signal that arrived before the ioctl is caught here; one that
	 * arrives while it waits makes it return EINTR.
	 */
	if (got_signal)
		return fail(OP_ACQUIRE, EINTR, "acquire lock %s", label);
	if (ioctl(blc.ctl, BLKLOCK_IOC_ACQUIRE, &a))
		return fail(OP_ACQUIRE, errno, "acquire lock %s", label);
	gen = a.generation;
	lock_event("acquired", lock, name, name_result, &gen);
	if (!remember(lock, gen, name)) {
		fail(OP_OTHER, ENOMEM, "cannot keep track of lock %s", label);
		do_release(lock, name);
		return EXIT_SYSTEM;
	}
	if (generation)
		*generation = gen;
	return 0;
}

/* The file does not hold @lock afterwards, whatever the ioctl returned. */
static int do_release(uint32_t lock, const char *name)
{
	char label[LOCK_LABEL_MAX];
	struct blklock_release r;
	int err;

	memset(&r, 0, sizeof(r));
	r.lock = lock;
	if (!ioctl(blc.ctl, BLKLOCK_IOC_RELEASE, &r)) {
		forget(lock);
		lock_event("released", lock, name, 0, NULL);
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
	return fail(OP_RELEASE, err, "release lock %s",
		    lock_label(lock, name, label, sizeof(label)));
}

/*
 * Release what is still held, newest first, reporting every error.
 * Returns the exit code of the first error, or 0.
 */
int release_all(void)
{
	int ret = 0;

	while (nr_held) {
		int r = do_release(held[nr_held - 1].lock, held[nr_held - 1].name);

		if (r && !ret)
			ret = r;
	}
	return ret;
}

int cmd_acquire(const struct step *s)
{
	uint32_t lock, result;
	int ret;

	ret = step_lock(s, "acquire", BLKLOCK_NAME_CREATE, &lock, &result);
	if (ret)
		return ret;
	return do_acquire(lock, s->lock_name, result, s->nowait, s->timeout_ms,
			  NULL);
}

/* The name to show for @lock: the step's, or the one it was taken by. */
static const char *shown_name(const struct step *s, uint32_t lock)
{
	const struct held_lock *h = s->lock_name ? NULL : find_held(lock);

	return h ? h->name : s->lock_name;
}

int cmd_release(const struct step *s)
{
	uint32_t lock, result;
	int ret = step_lock(s, "release", BLKLOCK_NAME_LOOKUP, &lock, &result);

	return ret ? ret : do_release(lock, shown_name(s, lock));
}

int cmd_validate(const struct step *s)
{
	char label[LOCK_LABEL_MAX];
	struct blklock_validate v;
	struct held_lock *h;
	uint32_t lock, result;
	uint64_t gen;
	int ret;

	ret = step_lock(s, "validate", BLKLOCK_NAME_LOOKUP, &lock, &result);
	if (ret)
		return ret;
	h = find_held(lock);
	memset(&v, 0, sizeof(v));
	v.lock = lock;
	if (h)
		v.generation = h->generation;
	if (ioctl(blc.ctl, BLKLOCK_IOC_VALIDATE, &v))
		return fail(OP_VALIDATE, errno, "validate lock %s",
			    lock_label(lock, shown_name(s, lock), label, sizeof(label)));
	gen = v.generation;
	lock_event("valid", lock, shown_name(s, lock), 0, &gen);
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
	char name[BLKLOCK_LOCK_NAME_MAX];	/* the record's name, "" if none */
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
	char words[224], label[LOCK_LABEL_MAX];

	if (!s->owner)
		snprintf(words, sizeof(words), "free");
	else if (a->self)
		self_words(a, words, sizeof(words));
	else
		other_words(a, words, sizeof(words));
	say("lock %s: owner %" PRIu32 " generation %" PRIu64
	    " held-by-this-file %s held-by-this-node %s%s%s%s; %s\n",
	    lock_label(s->lock, a->name[0] ? a->name : NULL, label, sizeof(label)),
	    s->owner, (uint64_t)s->generation,
	    s->state & BLKLOCK_STATE_HELD_BY_FILE ? "yes" : "no",
	    s->state & BLKLOCK_STATE_HELD_BY_NODE ? "yes" : "no",
	    s->state & BLKLOCK_STATE_LOST ? " lost" : "",
	    s->state & BLKLOCK_STATE_DELETED ? " deleted" : "",
	    s->state & BLKLOCK_STATE_REQUESTED ? " requested" : "", words);
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
	if (a->name[0])
		json_str(&j, "name", a->name);
	if (s->state & BLKLOCK_STATE_DELETED)
		json_bool(&j, "deleted", true);
	json_u64(&j, "owner", s->owner);
	json_u64(&j, "generation", s->generation);
	json_bool(&j, "held_by_this_file", s->state & BLKLOCK_STATE_HELD_BY_FILE);
	json_bool(&j, "held_by_this_node", s->state & BLKLOCK_STATE_HELD_BY_NODE);
	json_bool(&j, "lost", s->state & BLKLOCK_STATE_LOST);
	if (s->state & BLKLOCK_STATE_REQUESTED)
		json_bool(&j, "requested", true);
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

/*
 * BLKLOCK_IOC_STATUS of @lock with a buffer for the record's name.  A
 * module older than lock names refuses the pointer (EINVAL: a reserved
 * field): then once more without it.
 */
static int read_status(uint32_t lock, struct lock_answer *a)
{
	memset(&a->st, 0, sizeof(a->st));
	memset(a->name, 0, sizeof(a->name));
	a->st.lock = lock;
	a->st.name = (uintptr_t)a->name;
	if (!ioctl(blc.ctl, BLKLOCK_IOC_STATUS, &a->st))
		goto done;
	if (errno != EINVAL)
		return errno;
	memset(&a->st, 0, sizeof(a->st));
	a->st.lock = lock;
	if (ioctl(blc.ctl, BLKLOCK_IOC_STATUS, &a->st))
		return errno;
done:
	a->st.lock = lock;
	a->st.name = 0;
	/* Shown only if it is one: never bytes the terminal would act on. */
	a->name[sizeof(a->name) - 1] = '\0';
	if (!bl_lock_name_valid(a->name))
		a->name[0] = '\0';
	return 0;
}

/* status LOCK: BLKLOCK_IOC_STATUS, then who the owner is. */
int cmd_status(const struct step *step)
{
	char label[LOCK_LABEL_MAX];
	struct lock_answer a;
	uint32_t lock, result;
	int ret, err;

	ret = step_lock(step, "status of", BLKLOCK_NAME_LOOKUP, &lock, &result);
	if (ret)
		return ret;
	memset(&a, 0, sizeof(a));
	err = read_status(lock, &a);
	if (err)
		return fail(OP_STATUS, err, "status of lock %s",
			    lock_label(lock, step->lock_name, label, sizeof(label)));
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

/* ---- lookup NAME, delete NAME ----------------------------------------------- */

/* "<event> lock N (NAME)", or {"type":..,"lock":N,"name":..,"result":..}. */
static void name_event(const char *event, const char *type, uint32_t lock,
		       const char *name, uint32_t result)
{
	char label[LOCK_LABEL_MAX];
	struct json j;

	if (blc.quiet)
		return;
	if (!blc.json) {
		say("%s lock %s\n", event, lock_label(lock, name, label, sizeof(label)));
		return;
	}
	json_open(&j, type);
	json_u64(&j, "lock", lock);
	json_str(&j, "name", name);
	json_str(&j, "result", name_result_name(result));
	json_end(&j);
}

/* lookup NAME: BLKLOCK_NAME_LOOKUP; prints the index. */
int cmd_lookup(const struct step *s)
{
	uint32_t lock, result;
	int ret = step_lock(s, "look up", BLKLOCK_NAME_LOOKUP, &lock, &result);

	if (!ret)
		name_event("found", "lookup", lock, s->lock_name, result);
	return ret;
}

/*
 * delete NAME: BLKLOCK_NAME_DELETE.  The record stays the name's as a
 * tombstone: an acquire by NAME names it again, at the same index.
 */
int cmd_delete(const struct step *s)
{
	uint32_t lock, result;
	int err = name_ioctl(s->lock_name, BLKLOCK_NAME_DELETE, &lock, &result);

	if (err)
		return name_failed(err, BLKLOCK_NAME_DELETE, "delete", s->lock_name);
	name_event("deleted", "delete", lock, s->lock_name, result);
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
