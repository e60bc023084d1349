// SPDX-License-Identifier: GPL-2.0
/*
 * fake-blklock.so: an LD_PRELOAD stand-in for /dev/blklock, to test
 * blklockctl on a host without the module.  Test-only: it is never
 * linked into blklockctl.
 *
 * Opening $FAKE_BLKLOCK_CONTROL (default /fake/blklock) opens
 * $FAKE_BLKLOCK_DIR/control instead (with the caller's flags, so a
 * missing O_CLOEXEC shows in a child's /proc/self/fd), and ioctl() and
 * ppoll() on that descriptor act like the module:
 *
 *  - lock i is $FAKE_BLKLOCK_DIR/lock.i ("owner generation"), held with
 *    flock(2) on a descriptor of its own, so other blklockctl processes
 *    contend for it and a dead holder's locks are free again;
 *  - ACQUIRE: NOWAIT -> EBUSY, timeout -> ETIMEDOUT, no timeout -> waits in
 *    flock(), which a signal interrupts (EINTR); a second acquire by the
 *    same file -> EDEADLK;
 *  - RELEASE / VALIDATE of a lock the file does not hold -> EPERM;
 *  - $FAKE_BLKLOCK_LOSE_AFTER_MS=N: N ms after the first acquire every held
 *    lock is lost: ppoll() reports POLLPRI | POLLERR, STATUS sets
 *    BLKLOCK_STATE_LOST, RELEASE and VALIDATE fail with ENOLCK;
 *  - $FAKE_BLKLOCK_ACQUIRE_ERRNO=E: every ACQUIRE fails with errno E;
 *  - $FAKE_BLKLOCK_NO_SPACE=1: without ATTACH, lock ioctls and INFO fail
 *    with ENXIO;
 *  - $FAKE_BLKLOCK_LOCKS (default 16): locks in the lockspace;
 *  - $FAKE_BLKLOCK_NODE (default 1): node id before any ATTACH;
 *  - $FAKE_BLKLOCK_MAX_NODES (default 8): heartbeat slots (INFO, NODES);
 *  - $FAKE_BLKLOCK_NODES: the heartbeat slots NODES reports, as words
 *    "ID:STATE:INC[:COUNTER[:UNCHANGED_MS]]" separated by spaces, STATE
 *    one of self live watching stale left damaged evicted (INC in hex);
 *    the slots not named are unused.  BREAK judges owners by them too;
 *  - $FAKE_BLKLOCK_INCARNATION (hex, default 1111): INFO's incarnation;
 *  - $FAKE_BLKLOCK_IMAGE: opening /dev/fake0 (INFO's disk) opens this
 *    image file instead, so status can read lock records from it;
 *  - BREAK: a lock file that does not parse is a damaged record
 *    (REPAIRED); owner 0 is free (WAS_FREE); a record of this node that
 *    some file flock()s, or any lock this file holds -> EBUSY; a record of
 *    another node -> EBUSY if the node is live, watching or damaged in
 *    $FAKE_BLKLOCK_NODES, else FREED;
 *  - $FAKE_BLKLOCK_NO_ADMIN=1: ATTACH, FORMAT, BREAK and ADD_PATH fail
 *    with EPERM, as without CAP_SYS_ADMIN;
 *  - ATTACH takes BLKLOCK_ATTACH_PERSISTENT and _SHARED, ADD_PATH
 *    BLKLOCK_PATH_SHARED (the log shows them; nothing more is done for
 *    them); the path of the last ATTACH is the lockspace's first path;
 *    $FAKE_BLKLOCK_ATTACH_ERRNO=E: every ATTACH of a path that exists
 *    fails with errno E;
 *  - ADD_PATH: a path that stat() does not find -> its errno; the first
 *    path or one added before -> EEXIST; past BLKLOCK_MAX_PATHS -> ENOSPC;
 *    else it is added and nr_paths says how many the lockspace has, the
 *    first path included: 2 after the first ADD_PATH of a file, then 3
 *    and 4 (an ATTACH starts again from 1).  Without ATTACH with
 *    $FAKE_BLKLOCK_NO_SPACE=1 -> ENXIO.  $FAKE_BLKLOCK_ADD_PATH_ERRNO=E:
 *    every ADD_PATH with valid arguments and a lockspace fails with
 *    errno E, before its path is looked at;
 *  - $FAKE_BLKLOCK_FORMAT_ERRNO=E: FORMAT fails with errno E;
 *  - a lock belongs to the open control file, as in the module: the
 *    flock()ed descriptors are close-on-exec exactly when the control
 *    descriptor is (fcntl(F_SETFD) on it is applied to them too), so a
 *    child that inherits the control file across exec keeps the locks
 *    alive after the process that took them is gone;
 *  - $FAKE_BLKLOCK_FORMAT (default the header's BLKLOCK_FORMAT_VERSION):
 *    INFO's format; below 4, NAME fails with EOPNOTSUPP and STATUS's
 *    name buffer receives an empty name;
 *  - NAME (format 4): the name of record i is $FAKE_BLKLOCK_DIR/name.i,
 *    "live NAME", "deleted NAME" or "deleted" (a repaired tombstone);
 *    none: an EMPTY record.  A name's home is its CRC-32C modulo the
 *    number of locks, probed linearly: LOOKUP finds its live record
 *    (ENOENT at its own tombstone or an EMPTY record), CREATE finds it,
 *    names the first EMPTY record (CREATED) or revives its own tombstone
 *    (REVIVED), EBUSY while that record is held (by number), ENOSPC if
 *    the probe meets neither; DELETE makes a free
 *    live record a tombstone (REMOVED), EBUSY while any file holds it or
 *    the record names another node.  A flock() of name.lock makes every
 *    NAME atomic among processes.  STATUS writes the record's name into
 *    its name buffer and sets BLKLOCK_STATE_DELETED for a tombstone;
 *  - REQUEST (format 4; below it EOPNOTSUPP): a record that nobody holds
 *    (owner 0, or this node's without a flock) -> FREE, with the record's
 *    generation; else it writes
 *    "GENERATION ASKER NUMBER" to $FAKE_BLKLOCK_DIR/request.i -> SENT,
 *    with the record's owner and generation (NUMBER counts the requests
 *    at that generation).  $FAKE_BLKLOCK_REQUEST_ERRNO=E: every
 *    REQUEST fails with errno E.  The file that holds lock i at that
 *    generation sees it at once: STATUS sets BLKLOCK_STATE_REQUESTED, and
 *    ppoll() asked for POLLRDBAND reports it until a STATUS of lock i
 *    (ppoll() waits in slices of 20 ms to notice a request written by
 *    another process); $FAKE_BLKLOCK_RDBAND=1: ppoll() reports POLLRDBAND
 *    whenever asked and locks are held, whatever STATUS reads (a request
 *    for a lock the caller does not know);
 *  - every ioctl appends a line describing its argument to
 *    $FAKE_BLKLOCK_DIR/log, and nonzero reserved fields or unknown
 *    flags fail with EINVAL, as in the module (the fake also refuses
 *    outputs that are not zero, to catch a caller that reuses them).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/blklock.h>

#define MAX_FAKE_HELD 4096

static int fake_fd = -1;
static uint32_t node_id;
static bool attached;
static char fake_paths[BLKLOCK_MAX_PATHS][4096];	/* [0]: ATTACH's, "" if none */
static uint32_t fake_nr_paths = 1;
static int lock_fds[MAX_FAKE_HELD];	/* flock()ed descriptor + 1, 0: not held */
static uint64_t lock_gen[MAX_FAKE_HELD];
static uint64_t req_acked[MAX_FAKE_HELD];	/* request number STATUS read */
static int64_t lose_at = -1;		/* ms, CLOCK_MONOTONIC */
static bool ctl_inherited;		/* control fd not close-on-exec */
static int (*real_fcntl)(int, int, ...);

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *dir(void)
{
	const char *d = getenv("FAKE_BLKLOCK_DIR");

	return d ? d : "/tmp";
}

static unsigned long env_num(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

static uint32_t nr_locks(void)
{
	uint32_t n = (uint32_t)env_num("FAKE_BLKLOCK_LOCKS", 16);

	return n > MAX_FAKE_HELD ? MAX_FAKE_HELD : n;
}

static uint32_t format_version(void)
{
	return (uint32_t)env_num("FAKE_BLKLOCK_FORMAT", BLKLOCK_FORMAT_VERSION);
}

static void logf_(const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log", dir());
	f = fopen(path, "ae");
	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return false;
	return true;
}

static bool lost(void)
{
	return lose_at >= 0 && now_ms() >= lose_at;
}

static bool holds_any(void)
{
	uint32_t i;

	for (i = 0; i < MAX_FAKE_HELD; i++)
		if (lock_fds[i])
			return true;
	return false;
}

static int lock_file(uint32_t lock)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/lock.%" PRIu32, dir(), lock);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

/* Returns false for a record that does not parse: a damaged one. */
static bool read_rec(int fd, uint32_t *owner, uint64_t *gen)
{
	char buf[64] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	*owner = 0;
	*gen = 0;
	if (n > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "%" SCNu32 " %" SCNu64, owner, gen) != 2) {
			*owner = 0;
			*gen = 0;
			return false;
		}
	}
	return true;
}

/* The process that wrote a held record (STATUS's holder_pid), else 0. */
static uint32_t read_pid(int fd)
{
	char buf[64] = "";
	uint32_t owner, pid = 0;
	uint64_t gen;

	if (pread(fd, buf, sizeof(buf) - 1, 0) > 0 &&
	    sscanf(buf, "%" SCNu32 " %" SCNu64 " %" SCNu32, &owner, &gen, &pid) != 3)
		pid = 0;
	return pid;
}

/* A held record also names the process that took it. */
static void write_rec(int fd, uint32_t owner, uint64_t gen)
{
	char buf[64];
	int n = owner ?
		snprintf(buf, sizeof(buf), "%" PRIu32 " %" PRIu64 " %ld\n", owner, gen, (long)getpid()) :
		snprintf(buf, sizeof(buf), "%" PRIu32 " %" PRIu64 "\n", owner, gen);

	if (ftruncate(fd, 0) || pwrite(fd, buf, (size_t)n, 0) != n)
		perror("fake-blklock: write");
}

static bool no_admin(void)
{
	return getenv("FAKE_BLKLOCK_NO_ADMIN") != NULL;
}

static uint32_t max_nodes(void)
{
	return (uint32_t)env_num("FAKE_BLKLOCK_MAX_NODES", 8);
}

/* The slot of node @id as $FAKE_BLKLOCK_NODES describes it. */
static void node_spec(uint32_t id, struct blklock_node *n)
{
	static const char *const names[] = {
		[BLKLOCK_NODE_SELF] = "self", [BLKLOCK_NODE_LIVE] = "live",
		[BLKLOCK_NODE_WATCHING] = "watching", [BLKLOCK_NODE_STALE] = "stale",
		[BLKLOCK_NODE_LEFT] = "left", [BLKLOCK_NODE_CORRUPT] = "damaged",
		[BLKLOCK_NODE_EVICTED] = "evicted",
	};
	const char *spec = getenv("FAKE_BLKLOCK_NODES");
	char word[128], state[32];

	memset(n, 0, sizeof(*n));
	n->node_id = id;
	n->state = BLKLOCK_NODE_UNUSED;
	while (spec && *spec) {
		size_t len = strcspn(spec, " ");
		unsigned long long inc = 0, counter = 0, ms = 0;
		unsigned int nid;

		snprintf(word, sizeof(word), "%.*s", (int)len, spec);
		spec += len + strspn(spec + len, " ");
		if (sscanf(word, "%u:%31[a-z]:%llx:%llu:%llu", &nid, state, &inc,
			   &counter, &ms) < 3 || nid != id)
			continue;
		for (uint32_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (names[k] && !strcmp(state, names[k]))
				n->state = k;
		n->incarnation = inc;
		n->counter = counter;
		n->unchanged_ms = ms;
	}
}

static int no_space(void)
{
	return !attached && getenv("FAKE_BLKLOCK_NO_SPACE") ? -ENXIO : 0;
}

static int check_index(uint32_t lock)
{
	return lock < nr_locks() ? 0 : -EINVAL;
}

static void set_cloexec(int fd, bool on)
{
	if (!real_fcntl)
		real_fcntl = (int (*)(int, int, ...))dlsym(RTLD_NEXT, "fcntl");
	real_fcntl(fd, F_SETFD, on ? FD_CLOEXEC : 0);
}

static int fake_acquire(struct blklock_acquire *a)
{
	unsigned long forced = env_num("FAKE_BLKLOCK_ACQUIRE_ERRNO", 0);
	int64_t deadline;
	uint32_t owner;
	uint64_t gen;
	int fd, ret;

	logf_("ACQUIRE lock=%" PRIu32 " flags=%" PRIu32 " timeout_ms=%" PRIu32,
	      a->lock, a->flags, a->timeout_ms);
	if ((a->flags & ~BLKLOCK_ACQUIRE_FLAGS) || a->reserved0 || a->generation ||
	    !all_zero(a->reserved, sizeof(a->reserved)) ||
	    a->timeout_ms > BLKLOCK_MAX_TIMEOUT_MS ||
	    ((a->flags & BLKLOCK_ACQUIRE_NOWAIT) && a->timeout_ms))
		return -EINVAL;
	if ((ret = no_space()) || (ret = check_index(a->lock)))
		return ret;
	if (forced)
		return -(int)forced;
	if (lost())
		return -ENOLCK;
	if (lock_fds[a->lock])
		return -EDEADLK;
	fd = lock_file(a->lock);
	if (fd < 0)
		return -errno;
	if (a->flags & BLKLOCK_ACQUIRE_NOWAIT) {
		ret = flock(fd, LOCK_EX | LOCK_NB) ? (errno == EWOULDBLOCK ? -EBUSY : -errno) : 0;
	} else if (a->timeout_ms) {
		deadline = now_ms() + a->timeout_ms;
		for (;;) {
			struct timespec ts = { 0, 10 * 1000000L };

			if (!flock(fd, LOCK_EX | LOCK_NB)) {
				ret = 0;
				break;
			}
			if (now_ms() >= deadline) {
				ret = -ETIMEDOUT;
				break;
			}
			if (nanosleep(&ts, NULL) && errno == EINTR) {
				ret = -EINTR;
				break;
			}
		}
	} else {
		ret = flock(fd, LOCK_EX) ? -errno : 0;
	}
	if (ret) {
		close(fd);
		return ret;
	}
	read_rec(fd, &owner, &gen);
	gen++;
	write_rec(fd, node_id, gen);
	lock_fds[a->lock] = fd + 1;
	lock_gen[a->lock] = gen;
	if (ctl_inherited)
		set_cloexec(fd, false);
	a->generation = gen;
	if (lose_at < 0 && getenv("FAKE_BLKLOCK_LOSE_AFTER_MS"))
		lose_at = now_ms() + (int64_t)env_num("FAKE_BLKLOCK_LOSE_AFTER_MS", 0);
	return 0;
}

static void drop(uint32_t lock, bool clear)
{
	int fd = lock_fds[lock] - 1;

	if (clear)
		write_rec(fd, 0, lock_gen[lock]);
	flock(fd, LOCK_UN);
	close(fd);
	lock_fds[lock] = 0;
}

static int fake_release(struct blklock_release *r)
{
	int ret;

	logf_("RELEASE lock=%" PRIu32 " flags=%" PRIu32, r->lock, r->flags);
	if (r->flags || !all_zero(r->reserved, sizeof(r->reserved)))
		return -EINVAL;
	if ((ret = no_space()) || (ret = check_index(r->lock)))
		return ret;
	if (!lock_fds[r->lock])
		return -EPERM;
	if (lost()) {
		drop(r->lock, false);
		return -ENOLCK;
	}
	drop(r->lock, true);
	return 0;
}

/* ---- names ---------------------------------------------------------------- */

/* CRC-32C, bit by bit: an implementation independent of tools/lib's. */
static uint32_t fake_crc32c(const char *p, size_t len)
{
	uint32_t crc = ~0U;

	while (len--) {
		crc ^= (unsigned char)*p++;
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78U : crc >> 1;
	}
	return ~crc;
}

enum name_state { NAME_EMPTY, NAME_LIVE, NAME_DELETED };

/* Record @lock's name state; its name (or "") into @name. */
static enum name_state read_name(uint32_t lock, char name[BLKLOCK_LOCK_NAME_MAX])
{
	char path[4096], word[16], buf[BLKLOCK_LOCK_NAME_MAX + 32];
	enum name_state st = NAME_EMPTY;
	FILE *f;

	name[0] = '\0';
	snprintf(path, sizeof(path), "%s/name.%" PRIu32, dir(), lock);
	f = fopen(path, "re");
	if (!f)
		return NAME_EMPTY;
	if (fgets(buf, sizeof(buf), f)) {
		int n = sscanf(buf, "%15s %63s", word, name);

		if (n < 2)
			name[0] = '\0';
		if (n >= 1 && !strcmp(word, "live") && n == 2)
			st = NAME_LIVE;
		else if (n >= 1 && !strcmp(word, "deleted"))
			st = NAME_DELETED;
	}
	fclose(f);
	return st;
}

static int write_name(uint32_t lock, const char *state, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/name.%" PRIu32, dir(), lock);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "%s %s\n", state, name);
	return fclose(f) ? -EIO : 0;
}

/* Does any file (of any process), or another node, hold @lock? */
static bool record_held(uint32_t lock)
{
	uint32_t owner;
	uint64_t gen;
	bool held;
	int fd;

	if (lock_fds[lock])
		return true;
	fd = lock_file(lock);
	if (fd < 0)
		return true;
	held = flock(fd, LOCK_EX | LOCK_NB) != 0;
	if (!held) {
		read_rec(fd, &owner, &gen);
		held = owner && owner != node_id;
		flock(fd, LOCK_UN);
	}
	close(fd);
	return held;
}

/* The probe of @name from its home; the caller holds name.lock. */
static int name_probe(const char *name, struct blklock_name *n)
{
	uint32_t nr = nr_locks(), home = fake_crc32c(name, strlen(name)) % nr;
	char rec[BLKLOCK_LOCK_NAME_MAX];

	for (uint32_t k = 0; k < nr; k++) {
		uint32_t i = (home + k) % nr;
		enum name_state st = read_name(i, rec);

		if (st == NAME_EMPTY) {
			if (n->op != BLKLOCK_NAME_CREATE)
				return -ENOENT;
			if (record_held(i))
				return -EBUSY;	/* held by number */
			n->lock = i;
			n->result = BLKLOCK_NAME_CREATED;
			return write_name(i, "live", name);
		}
		if (strcmp(rec, name))
			continue;	/* another name's, or a nameless tombstone */
		n->lock = i;
		if (st == NAME_DELETED) {
			if (n->op != BLKLOCK_NAME_CREATE)
				return -ENOENT;
			if (record_held(i))
				return -EBUSY;	/* held through its number */
			n->result = BLKLOCK_NAME_REVIVED;
			return write_name(i, "live", name);
		}
		if (n->op != BLKLOCK_NAME_DELETE) {
			n->result = BLKLOCK_NAME_FOUND;
			return 0;
		}
		if (record_held(i))
			return -EBUSY;
		n->result = BLKLOCK_NAME_REMOVED;
		return write_name(i, "deleted", name);
	}
	return n->op == BLKLOCK_NAME_CREATE ? -ENOSPC : -ENOENT;
}

static bool name_valid(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (name[i] < 0x21 || name[i] > 0x7e)
			return false;
	return i > 0 && i < BLKLOCK_LOCK_NAME_MAX;
}

static int fake_name(struct blklock_name *n)
{
	const char *user = (const char *)(uintptr_t)n->name;
	char name[BLKLOCK_LOCK_NAME_MAX], path[4096];
	int fd, ret;

	if (user && memchr(user, 0, BLKLOCK_LOCK_NAME_MAX))
		snprintf(name, sizeof(name), "%s", user);
	else
		snprintf(name, sizeof(name), "%s", user ? "(too long)" : "(null)");
	logf_("NAME op=%" PRIu32 " name=%s flags=%" PRIu32, n->op, name, n->flags);
	if (n->flags || n->lock || n->result ||
	    !all_zero(n->reserved, sizeof(n->reserved)) ||
	    n->op > BLKLOCK_NAME_DELETE)
		return -EINVAL;
	if (!user)
		return -EFAULT;
	if (!memchr(user, 0, BLKLOCK_LOCK_NAME_MAX) || !name_valid(name))
		return -EINVAL;
	if ((ret = no_space()))
		return ret;
	if (format_version() < 4)
		return -EOPNOTSUPP;
	snprintf(path, sizeof(path), "%s/name.lock", dir());
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	flock(fd, LOCK_EX);
	ret = name_probe(name, n);
	close(fd);
	if (ret) {
		n->lock = 0;
		n->result = 0;
	}
	return ret;
}

/* ---- requests ------------------------------------------------------------- */

static void request_path(uint32_t lock, char *path, size_t len)
{
	snprintf(path, len, "%s/request.%" PRIu32, dir(), lock);
}

/* The last request of @lock: its generation and number; false if none. */
static bool read_request(uint32_t lock, uint64_t *gen, uint64_t *nr)
{
	unsigned long long g, asker, n;
	char path[4096];
	bool ok;
	FILE *f;

	request_path(lock, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fscanf(f, "%llu %llu %llu", &g, &asker, &n) == 3;
	fclose(f);
	*gen = ok ? g : 0;
	*nr = ok ? n : 0;
	return ok;
}

/* The number of the last request to end this file's hold of @lock, or 0. */
static uint64_t requested_nr(uint32_t lock)
{
	uint64_t gen, nr;

	if (!lock_fds[lock] || lost() || !read_request(lock, &gen, &nr))
		return 0;
	return gen == lock_gen[lock] ? nr : 0;
}

/* A request for a held lock that no STATUS has read yet: POLLRDBAND. */
static bool rdband(void)
{
	if (!holds_any())
		return false;
	if (getenv("FAKE_BLKLOCK_RDBAND"))
		return true;
	for (uint32_t i = 0; i < MAX_FAKE_HELD; i++) {
		uint64_t nr = lock_fds[i] ? requested_nr(i) : 0;

		if (nr && req_acked[i] != nr)
			return true;
	}
	return false;
}

static int fake_request(struct blklock_request *q)
{
	char path[4096], final[4096];
	uint64_t gen, old_gen, nr;
	uint32_t owner;
	int fd, ret;
	FILE *f;

	logf_("REQUEST lock=%" PRIu32 " flags=%" PRIu32, q->lock, q->flags);
	if (q->flags || q->owner || q->result || q->generation ||
	    !all_zero(q->reserved, sizeof(q->reserved)))
		return -EINVAL;
	if ((ret = no_space()) || (ret = check_index(q->lock)))
		return ret;
	if (format_version() < 4)
		return -EOPNOTSUPP;
	if (env_num("FAKE_BLKLOCK_REQUEST_ERRNO", 0))
		return -(int)env_num("FAKE_BLKLOCK_REQUEST_ERRNO", 0);
	fd = lock_file(q->lock);
	if (fd < 0)
		return -errno;
	read_rec(fd, &owner, &gen);
	/* As STATUS: this node's record that nobody flock()s is free. */
	if (owner == node_id && !lock_fds[q->lock] && !flock(fd, LOCK_EX | LOCK_NB)) {
		owner = 0;
		flock(fd, LOCK_UN);
	}
	close(fd);
	if (!owner) {
		q->result = BLKLOCK_REQUEST_FREE;
		q->generation = gen;	/* as the module: the record's */
		return 0;
	}
	if (!read_request(q->lock, &old_gen, &nr) || old_gen != gen)
		nr = 0;
	/* Whole, for a holder that reads it meanwhile. */
	request_path(q->lock, path, sizeof(path) - 4);
	strcat(path, ".new");
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "%" PRIu64 " %" PRIu32 " %" PRIu64 "\n", gen, node_id, nr + 1);
	if (fclose(f))
		return -EIO;
	request_path(q->lock, final, sizeof(final));
	if (rename(path, final))
		return -errno;
	q->owner = owner;
	q->result = BLKLOCK_REQUEST_SENT;
	q->generation = gen;
	return 0;
}

static int fake_status(struct blklock_status *s)
{
	uint64_t requested;
	char rec_name[BLKLOCK_LOCK_NAME_MAX];
	uint32_t owner;
	uint64_t gen;
	int fd, ret;

	logf_("STATUS lock=%" PRIu32 " flags=%" PRIu32 "%s", s->lock, s->flags,
	      s->name ? " name=buffer" : "");
	if (s->flags || s->owner || s->state || s->generation || s->holder_pid ||
	    s->reserved0)
		return -EINVAL;
	if ((ret = no_space()) || (ret = check_index(s->lock)))
		return ret;
	fd = lock_file(s->lock);
	if (fd < 0)
		return -errno;
	read_rec(fd, &owner, &gen);
	/*
	 * A record of this node is free if nobody holds the flock (a dead
	 * holder's record is stale); one naming another node, which only a
	 * test writes, is shown as it is.
	 */
	if (owner == node_id && !lock_fds[s->lock] && !flock(fd, LOCK_EX | LOCK_NB)) {
		owner = 0;
		flock(fd, LOCK_UN);
	}
	s->holder_pid = owner == node_id && !lost() ? read_pid(fd) : 0;
	if (s->holder_pid && kill((pid_t)s->holder_pid, 0) && errno == ESRCH)
		s->holder_pid = 0;	/* the process that took it has exited */
	close(fd);
	s->owner = owner;
	s->generation = gen;
	s->state = 0;
	if (format_version() >= 4 && read_name(s->lock, rec_name) == NAME_DELETED)
		s->state |= BLKLOCK_STATE_DELETED;
	if (s->name) {
		char *out = (char *)(uintptr_t)s->name;

		memset(out, 0, BLKLOCK_LOCK_NAME_MAX);
		if (format_version() >= 4)
			memcpy(out, rec_name, strlen(rec_name));
	}
	if (lock_fds[s->lock])
		s->state |= lost() ? BLKLOCK_STATE_LOST : BLKLOCK_STATE_HELD_BY_FILE;
	requested = requested_nr(s->lock);
	if (requested) {
		s->state |= BLKLOCK_STATE_REQUESTED;
		req_acked[s->lock] = requested;	/* POLLRDBAND ends */
	}
	if (owner && owner == node_id && !lost())
		s->state |= BLKLOCK_STATE_HELD_BY_NODE;
	return 0;
}

static int fake_validate(struct blklock_validate *v)
{
	int ret;

	logf_("VALIDATE lock=%" PRIu32 " generation=%" PRIu64, v->lock,
	      (uint64_t)v->generation);
	if (v->flags || !all_zero(v->reserved, sizeof(v->reserved)))
		return -EINVAL;
	if ((ret = no_space()) || (ret = check_index(v->lock)))
		return ret;
	if (!lock_fds[v->lock])
		return -EPERM;
	if (lost())
		return -ENOLCK;
	return v->generation == lock_gen[v->lock] ? 0 : -EINVAL;
}

static int fake_info(struct blklock_info *i)
{
	static const uint8_t uuid[16] = {
		0x0f, 0x8a, 0x11, 0x22, 0x33, 0x44, 0x45, 0x66,
		0x87, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
	};
	int ret;

	logf_("INFO");
	if ((ret = no_space()))
		return ret;
	memset(i, 0, sizeof(*i));
	i->node_id = node_id;
	i->format_version = format_version();
	i->block_size = 512;
	i->nr_locks = nr_locks();
	i->lock_lba = 2001;
	memcpy(i->uuid, uuid, sizeof(uuid));
	strcpy(i->disk, "fake0");
	i->max_node_id = max_nodes();
	i->hb_interval_ms = 1000;
	i->lease_timeout_ms = 6000;
	i->hb_state = BLKLOCK_HB_STATE_LIVE;
	i->incarnation = strtoull(getenv("FAKE_BLKLOCK_INCARNATION") ?
				  getenv("FAKE_BLKLOCK_INCARNATION") : "1111", NULL, 16);
	return 0;
}

static int fake_attach(struct blklock_attach *a)
{
	const char *path = (const char *)(uintptr_t)a->path;
	struct stat st;

	logf_("ATTACH path=%s node_id=%" PRIu32 " flags=%" PRIu32 " name=%s",
	      path, a->node_id, a->flags,
	      a->name ? (const char *)(uintptr_t)a->name : "(none)");
	if (no_admin())
		return -EPERM;
	if ((a->flags & ~BLKLOCK_ATTACH_FLAGS) || a->reserved ||
	    !a->node_id || a->node_id > BLKLOCK_MAX_NODE_ID)
		return -EINVAL;
	if (stat(path, &st))
		return -errno;
	if (env_num("FAKE_BLKLOCK_ATTACH_ERRNO", 0))
		return -(int)env_num("FAKE_BLKLOCK_ATTACH_ERRNO", 0);
	if (holds_any())
		return -EBUSY;
	node_id = a->node_id;
	attached = true;
	snprintf(fake_paths[0], sizeof(fake_paths[0]), "%s", path);
	fake_nr_paths = 1;
	return 0;
}

static int fake_add_path(struct blklock_path_add *p)
{
	const char *path = (const char *)(uintptr_t)p->path;
	unsigned long forced = env_num("FAKE_BLKLOCK_ADD_PATH_ERRNO", 0);
	struct stat st;
	uint32_t i;
	int ret;

	logf_("ADD_PATH path=%s flags=%" PRIu32, path ? path : "(null)", p->flags);
	if (no_admin())
		return -EPERM;
	if ((p->flags & ~BLKLOCK_PATH_FLAGS) || p->nr_paths ||
	    !all_zero(p->reserved, sizeof(p->reserved)))
		return -EINVAL;
	if ((ret = no_space()))
		return ret;
	if (!path)
		return -EFAULT;
	if (forced)
		return -(int)forced;
	if (stat(path, &st))
		return -errno;
	for (i = 0; i < fake_nr_paths; i++)
		if (!strcmp(fake_paths[i], path))
			return -EEXIST;
	if (fake_nr_paths >= BLKLOCK_MAX_PATHS)
		return -ENOSPC;
	snprintf(fake_paths[fake_nr_paths], sizeof(fake_paths[0]), "%s", path);
	p->nr_paths = ++fake_nr_paths;
	return 0;
}

static int fake_format(struct blklock_format *f)
{
	const char *path = (const char *)(uintptr_t)f->path;
	char uuid[33];
	struct stat st;
	int i;

	for (i = 0; i < 16; i++)
		snprintf(uuid + 2 * i, 3, "%02x", f->uuid[i]);
	logf_("FORMAT path=%s nr_locks=%" PRIu32 " flags=%" PRIu32 " uuid=%s max_node_id=%"
	      PRIu32 " hb_interval_ms=%" PRIu32 " lease_timeout_ms=%" PRIu32,
	      path, f->nr_locks, f->flags, uuid, f->max_node_id,
	      f->hb_interval_ms, f->lease_timeout_ms);
	if (no_admin())
		return -EPERM;
	if ((f->flags & ~BLKLOCK_FORMAT_FLAGS) || f->reserved ||
	    !f->nr_locks || f->nr_locks > BLKLOCK_MAX_LOCKS ||
	    f->max_node_id > BLKLOCK_MAX_NODE_ID)
		return -EINVAL;
	if (stat(path, &st))
		return -errno;
	if (env_num("FAKE_BLKLOCK_FORMAT_ERRNO", 0))
		return -(int)env_num("FAKE_BLKLOCK_FORMAT_ERRNO", 0);
	return 0;
}

static int fake_nodes(struct blklock_nodes *r)
{
	struct blklock_node *out = (struct blklock_node *)(uintptr_t)r->nodes;
	uint32_t i;
	int ret;

	logf_("NODES first=%" PRIu32 " count=%" PRIu32 " flags=%" PRIu32,
	      r->first, r->count, r->flags);
	if ((r->flags & ~BLKLOCK_NODES_FLAGS) || r->reserved0 ||
	    !all_zero(r->reserved, sizeof(r->reserved)) ||
	    !r->count || r->count > BLKLOCK_MAX_NODE_ID)
		return -EINVAL;
	if ((ret = no_space()))
		return ret;
	if (!r->first || r->first > max_nodes())
		return -EINVAL;
	if (r->count > max_nodes() - r->first + 1)
		r->count = max_nodes() - r->first + 1;
	for (i = 0; i < r->count; i++)
		node_spec(r->first + i, &out[i]);
	return 0;
}

static int fake_break(struct blklock_break *b)
{
	struct blklock_node n;
	uint32_t owner;
	uint64_t gen;
	int fd, ret;
	bool ok;

	logf_("BREAK lock=%" PRIu32 " flags=%" PRIu32, b->lock, b->flags);
	if (no_admin())
		return -EPERM;
	if (b->flags || !all_zero(b->reserved, sizeof(b->reserved)))
		return -EINVAL;
	if ((ret = no_space()) || (ret = check_index(b->lock)))
		return ret;
	if (lock_fds[b->lock])
		return -EBUSY;		/* this file holds it */
	fd = lock_file(b->lock);
	if (fd < 0)
		return -errno;
	ok = read_rec(fd, &owner, &gen);
	b->owner = owner;
	b->old_generation = gen;
	if (!ok) {
		struct timespec ts;

		/* As the module: above any generation the record could have held. */
		clock_gettime(CLOCK_REALTIME, &ts);
		b->result = BLKLOCK_BREAK_REPAIRED;
		b->generation = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		write_rec(fd, 0, b->generation);
		close(fd);
		return 0;
	}
	if (!owner) {
		b->result = BLKLOCK_BREAK_WAS_FREE;
		b->generation = gen;
		close(fd);
		return 0;
	}
	if (owner == node_id) {
		/* Another file of this node holds it if someone flock()s it. */
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			close(fd);
			return -EBUSY;
		}
		flock(fd, LOCK_UN);
	} else {
		node_spec(owner, &n);
		if (n.state == BLKLOCK_NODE_LIVE || n.state == BLKLOCK_NODE_WATCHING ||
		    n.state == BLKLOCK_NODE_CORRUPT) {
			close(fd);
			return -EBUSY;
		}
	}
	b->result = BLKLOCK_BREAK_FREED;
	b->generation = gen;
	write_rec(fd, 0, gen);
	close(fd);
	return 0;
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd < 0 || fd != fake_fd) {
		if (!real)
			real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
		return real(fd, req, arg);
	}
	switch (req) {
	case BLKLOCK_IOC_ACQUIRE: ret = fake_acquire(arg); break;
	case BLKLOCK_IOC_RELEASE: ret = fake_release(arg); break;
	case BLKLOCK_IOC_STATUS: ret = fake_status(arg); break;
	case BLKLOCK_IOC_VALIDATE: ret = fake_validate(arg); break;
	case BLKLOCK_IOC_INFO: ret = fake_info(arg); break;
	case BLKLOCK_IOC_ATTACH: ret = fake_attach(arg); break;
	case BLKLOCK_IOC_FORMAT: ret = fake_format(arg); break;
	case BLKLOCK_IOC_NODES: ret = fake_nodes(arg); break;
	case BLKLOCK_IOC_BREAK: ret = fake_break(arg); break;
	case BLKLOCK_IOC_NAME: ret = fake_name(arg); break;
	case BLKLOCK_IOC_REQUEST: ret = fake_request(arg); break;
	case BLKLOCK_IOC_ADD_PATH: ret = fake_add_path(arg); break;
	default: ret = -ENOTTY; break;
	}
	if (ret) {
		errno = -ret;
		return -1;
	}
	return 0;
}

static int fake_open(const char *path, int flags, mode_t mode, bool *handled)
{
	const char *ctl = getenv("FAKE_BLKLOCK_CONTROL");
	char p[4096];
	int fd;

	*handled = false;
	if (!strcmp(path, "/dev/fake0") && getenv("FAKE_BLKLOCK_IMAGE")) {
		*handled = true;
		return openat(AT_FDCWD, getenv("FAKE_BLKLOCK_IMAGE"), flags, mode);
	}
	if (strcmp(path, ctl ? ctl : "/fake/blklock"))
		return -1;
	*handled = true;
	(void)mode;
	snprintf(p, sizeof(p), "%s/control", dir());
	fd = openat(AT_FDCWD, p, flags | O_CREAT, 0600);
	if (fd >= 0) {
		fake_fd = fd;
		node_id = (uint32_t)env_num("FAKE_BLKLOCK_NODE", 1);
	}
	return fd;
}

#define OPEN_WRAPPER(name)						\
int name(const char *path, int flags, ...)				\
{									\
	static int (*real)(const char *, int, ...);			\
	mode_t mode = 0;						\
	bool handled;							\
	va_list ap;							\
	int fd;								\
									\
	if (flags & (O_CREAT | O_TMPFILE)) {				\
		va_start(ap, flags);					\
		mode = va_arg(ap, mode_t);				\
		va_end(ap);						\
	}								\
	fd = fake_open(path, flags, mode, &handled);			\
	if (handled)							\
		return fd;						\
	if (!real)							\
		real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #name); \
	return real(path, flags, mode);					\
}

OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)

/* F_SETFD on the control descriptor applies to the held locks' too. */
static void fake_setfd(int fd, int cmd, long arg)
{
	uint32_t i;

	if (fd < 0 || fd != fake_fd || cmd != F_SETFD)
		return;
	ctl_inherited = !(arg & FD_CLOEXEC);
	logf_("SETFD cloexec=%d", !ctl_inherited);
	for (i = 0; i < MAX_FAKE_HELD; i++)
		if (lock_fds[i])
			set_cloexec(lock_fds[i] - 1, !ctl_inherited);
}

#define FCNTL_WRAPPER(name)						\
int name(int fd, int cmd, ...)						\
{									\
	static int (*real)(int, int, ...);				\
	va_list ap;							\
	long arg;							\
									\
	va_start(ap, cmd);						\
	arg = va_arg(ap, long);						\
	va_end(ap);							\
	if (!real)							\
		real = (int (*)(int, int, ...))dlsym(RTLD_NEXT, #name);	\
	fake_setfd(fd, cmd, arg);					\
	return real(fd, cmd, arg);					\
}

FCNTL_WRAPPER(fcntl)
FCNTL_WRAPPER(fcntl64)

typedef int (*ppoll_fn)(struct pollfd *, nfds_t, const struct timespec *,
			const sigset_t *);

/*
 * The real ppoll() in slices of 20 ms, until it returns something, a
 * request is to be reported (written by another process meanwhile) or
 * @tmo passes.
 */
static int ppoll_sliced(ppoll_fn real, struct pollfd *fds, nfds_t n,
			const struct timespec *tmo, const sigset_t *mask)
{
	int64_t deadline = tmo ? now_ms() + (int64_t)tmo->tv_sec * 1000 +
				 tmo->tv_nsec / 1000000 : -1;

	for (;;) {
		int64_t left = deadline < 0 ? 20 : deadline - now_ms();
		struct timespec ts;
		int ret;

		left = left > 20 ? 20 : left < 0 ? 0 : left;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000L;
		ret = real(fds, n, &ts, mask);
		if (ret || rdband() || (deadline >= 0 && now_ms() >= deadline))
			return ret;
	}
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
	  const sigset_t *mask)
{
	static ppoll_fn real;
	struct timespec ts;
	int fake = -1, saved = -1, ret, e;
	bool band = false;
	nfds_t i;

	if (!real)
		real = (ppoll_fn)dlsym(RTLD_NEXT, "ppoll");
	for (i = 0; i < n; i++) {
		if (fake_fd >= 0 && fds[i].fd == fake_fd) {
			fake = (int)i;
			saved = fds[i].fd;
			band = (fds[i].events & POLLRDBAND) && holds_any();
			fds[i].fd = -1;		/* poll the rest for real */
		}
	}
	if (fake >= 0 && holds_any() && lose_at >= 0 && !lost()) {
		int64_t left = lose_at - now_ms() + 1;

		if (!tmo || (int64_t)tmo->tv_sec * 1000 + tmo->tv_nsec / 1000000 > left) {
			ts.tv_sec = left / 1000;
			ts.tv_nsec = (long)(left % 1000) * 1000000L;
			tmo = &ts;
		}
	}
	if (fake >= 0 && holds_any() && (lost() || (band && rdband())))
		ts = (struct timespec){ 0, 0 }, tmo = &ts;
	ret = band ? ppoll_sliced(real, fds, n, tmo, mask) : real(fds, n, tmo, mask);
	e = errno;
	if (fake >= 0) {
		fds[fake].fd = saved;
		fds[fake].revents = 0;
		if (ret >= 0 && holds_any() && lost())
			fds[fake].revents = POLLPRI | POLLERR;
		if (ret >= 0 && band && rdband())
			fds[fake].revents |= POLLRDBAND;
		ret += ret >= 0 && fds[fake].revents;
	}
	errno = e;
	return ret;
}
