// SPDX-License-Identifier: GPL-2.0
/*
 * blklock-failnth: systematic failure injection into one operation of
 * /dev/blklock (issue 11), with /proc/thread-self/fail-nth
 * (Documentation/fault-injection/fault-injection.rst): for N = 1, 2, ...
 * the N-th should_fail() of this task during the operation fails (with
 * failslab set up to let GFP_KERNEL allocations fail, every slab
 * allocation the operation makes, in blklock and in the kernel under
 * it), until an N is reached at which the operation completes without
 * the fault firing.  After each N, without faults, the state must be
 * consistent: a failed operation changed nothing (the lock record is as
 * it was, the file holds what it held), a retry succeeds, no record is
 * left naming this node with no file holding it, a detached lockspace
 * is gone and its slot was marked left (the next attach does not wait;
 * after a detach whose marking failed, the next attach waits a lease and
 * works).  The fault also reaches code the task runs below blklock: the
 * block layer, the SCSI mid-layer and, since scsi_debug executes a
 * command in the task that queues it, the emulated target, which then
 * answers INSUFFICIENT RESOURCES (blklock: EREMOTEIO).
 *
 *   blklock-failnth OP DISK DISK2 LOCK [MAX]
 *
 * DISK is attached as node 1 (the module must have no lockspace of its
 * own); DISK2 is another path to the same LUN, for raw reads and writes.
 * LOCK is the lock used; lock ops with a fresh lock each N use LOCK + N.
 * OP is one of:
 *   open          open /dev/blklock
 *   attach        ATTACH of a file to DISK, nothing else attached to it
 *   detach        close of the only file attached to DISK
 *   acquire       ACQUIRE (NOWAIT) of a free lock, on a fresh attach
 *   acquire-busy  ACQUIRE (NOWAIT) of LOCK, which node 2 holds (EBUSY)
 *   release       RELEASE of a lock the file holds
 *   status        STATUS
 *   validate      VALIDATE of a lock the file holds
 *   nodes         NODES of every slot
 *   break-free    BREAK of a free lock (nothing to write)
 *   break-damaged BREAK of a damaged record (owner 99, valid checksum)
 *   close-held    close of a file that holds a lock, while another file
 *                 keeps the lockspace attached (the reaper frees what a
 *                 failed release leaves)
 *
 * Prints one line per N ("OP n=N fired: ENOMEM" / "... fired: ok" /
 * "... not fired: ok") and a summary line
 *   summary OP points=P ok=K errnos=ENOMEM:x,EIO:y inconsistent=I
 * where P is the number of injection points the operation passed.
 * Exit status 1 if any check failed.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#include <linux/blklock.h>

#include "crc32c.h"
#include "sysdir.h"

#define NODE		1
#define BUSY_OWNER	2
#define DAMAGED_OWNER	99
#define MAX_ERRNO	160

static const char *op_name, *disk, *disk2;
static unsigned int base_lock, cur_lock;
static uint64_t cur_gen;	/* generation of the last acquire */
static int failnth = -1;
static int fd = -1, keeper = -1;
static unsigned int inconsistent;

static const char *errno_name(int e)
{
	static char buf[16];

	switch (e) {
	case 0: return "ok";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case EDEADLK: return "EDEADLK";
	case ENOLCK: return "ENOLCK";
	case ETIME: return "ETIME";
	case EBADMSG: return "EBADMSG";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EADDRINUSE: return "EADDRINUSE";
	case ECONNABORTED: return "ECONNABORTED";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ESTALE: return "ESTALE";
	case EUCLEAN: return "EUCLEAN";
	default:
		snprintf(buf, sizeof(buf), "errno%d", e);
		return buf;
	}
}

/* A check failed: say which, count it, carry on with the next N. */
static void bad(unsigned int n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void bad(unsigned int n, const char *fmt, ...)
{
	va_list ap;

	printf("INCONSISTENT %s n=%u: ", op_name, n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	inconsistent++;
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- fail-nth ------------------------------------------------------------ */

static void arm(unsigned int n)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%u", n);

	if (pwrite(failnth, b, len, 0) != len) {
		perror("fail-nth");
		exit(2);
	}
}

/* Disarm; true if the fault fired since arm(). */
static bool disarm(void)
{
	char b[16] = "";
	ssize_t len = pread(failnth, b, sizeof(b) - 1, 0);

	if (len <= 0) {
		perror("fail-nth");
		exit(2);
	}
	if (atoi(b) == 0)
		return true;
	if (pwrite(failnth, "0", 1, 0) != 1) {
		perror("fail-nth");
		exit(2);
	}
	return false;
}

/* ---- /dev/blklock, without faults ----------------------------------------- */

static int open_ctl(void)
{
	int f = open("/dev/blklock", O_RDWR);

	if (f < 0) {
		perror("/dev/blklock");
		exit(2);
	}
	return f;
}

static int do_attach(int f)
{
	struct blklock_attach a = {
		.path = (uintptr_t)disk,
		.node_id = NODE,
	};

	return ioctl(f, BLKLOCK_IOC_ATTACH, &a);
}

/* A file attached to DISK, or exit. */
static int attached(void)
{
	int f = open_ctl();

	if (do_attach(f)) {
		fprintf(stderr, "%s: attach without faults: %s\n", op_name,
			strerror(errno));
		exit(2);
	}
	return f;
}

static int do_acquire(int f, unsigned int lock)
{
	struct blklock_acquire a = {
		.lock = lock,
		.flags = BLKLOCK_ACQUIRE_NOWAIT,
	};
	int ret = ioctl(f, BLKLOCK_IOC_ACQUIRE, &a);

	if (!ret)
		cur_gen = a.generation;
	return ret;
}

static int do_release(int f, unsigned int lock)
{
	struct blklock_release r = { .lock = lock };

	return ioctl(f, BLKLOCK_IOC_RELEASE, &r);
}

static int do_status(int f, unsigned int lock, struct blklock_status *st)
{
	memset(st, 0, sizeof(*st));
	st->lock = lock;
	return ioctl(f, BLKLOCK_IOC_STATUS, st);
}

static int do_break(int f, unsigned int lock, struct blklock_break *b)
{
	memset(b, 0, sizeof(*b));
	b->lock = lock;
	return ioctl(f, BLKLOCK_IOC_BREAK, b);
}

static bool space_in_sysfs(void)
{
	char dir[256];

	return !blklock_sysdir(disk, dir, sizeof(dir));
}

/*
 * Lock @lock's record must be free, or become free within the reaper's
 * delay (io_timeout + interval, a few seconds at most); @f holds nothing.
 */
static void expect_free(unsigned int n, int f, unsigned int lock)
{
	struct blklock_status st;
	uint64_t until = ms_now() + 5000;

	for (;;) {
		if (do_status(f, lock, &st)) {
			bad(n, "STATUS of lock %u: %s", lock, errno_name(errno));
			return;
		}
		if (st.state & BLKLOCK_STATE_HELD_BY_FILE) {
			bad(n, "the file holds lock %u", lock);
			return;
		}
		if (!st.owner)
			return;
		if (ms_now() > until) {
			bad(n, "lock %u names node %u and no file holds it",
			    lock, st.owner);
			return;
		}
		sleep_ms(100);
	}
}

/* The file holds @lock: release it, and the record is free. */
static void expect_held_then_release(unsigned int n, int f, unsigned int lock)
{
	struct blklock_status st;

	if (do_status(f, lock, &st) || st.owner != NODE ||
	    !(st.state & BLKLOCK_STATE_HELD_BY_FILE)) {
		bad(n, "lock %u is not held by the file (owner %u state 0x%x)",
		    lock, st.owner, st.state);
		return;
	}
	if (do_release(f, lock)) {
		bad(n, "release of lock %u without faults: %s", lock,
		    errno_name(errno));
		return;
	}
	expect_free(n, f, lock);
}

/* A retry without faults takes and drops the lock. */
static void expect_retry(unsigned int n, int f, unsigned int lock)
{
	if (do_acquire(f, lock)) {
		bad(n, "acquire of lock %u without faults: %s", lock,
		    errno_name(errno));
		return;
	}
	expect_held_then_release(n, f, lock);
}

/* Is node 1's heartbeat slot marked left?  Read through DISK2. */
static bool slot_left(void)
{
	struct blklock_disk_header *h;
	struct blklock_disk_hb *b;
	unsigned int bs;
	bool left = false;
	void *buf;
	int d;

	d = open(disk2, O_RDONLY | O_DIRECT);
	if (d < 0 || ioctl(d, BLKSSZGET, &bs) || posix_memalign(&buf, 4096, bs)) {
		perror(disk2);
		exit(2);
	}
	h = buf;
	b = buf;
	if (pread(d, buf, bs, 0) == (ssize_t)bs &&
	    pread(d, buf, bs, (off_t)(le64toh(h->hb_lba) + NODE - 1) * bs) ==
	    (ssize_t)bs)
		left = le32toh(b->flags) & BLKLOCK_HB_DETACHED;
	free(buf);
	close(d);
	return left;
}

/*
 * Nothing of the lockspace is left once its last file closed: no sysfs
 * directory, and node 1's slot is marked left, so that the next attach
 * takes it at once.  With @may_be_unclean (a detach whose COMPARE AND
 * WRITE marking the slot failed, as dmesg says), the slot may be left
 * unmarked: the next attach then watches it for a lease, and works.
 */
static void expect_detached(unsigned int n, bool may_be_unclean)
{
	uint64_t t0;
	int f;

	if (space_in_sysfs()) {
		bad(n, "the lockspace is still attached");
		return;
	}
	if (slot_left())
		return;
	if (!may_be_unclean) {
		bad(n, "node %u's slot is not marked left", NODE);
		return;
	}
	f = open_ctl();
	t0 = ms_now();
	if (do_attach(f))
		bad(n, "attach without faults: %s", errno_name(errno));
	else
		printf("%s n=%u: the slot was not marked left; the next attach watched it for %" PRIu64 " ms\n",
		       op_name, n, ms_now() - t0);
	close(f);
	if (space_in_sysfs() || !slot_left())
		bad(n, "still attached, or the slot unmarked, after the close");
}

/* Raw record of @lock through DISK2. */
static int raw_io(bool write, unsigned int lock, struct blklock_disk_lock *r)
{
	struct blklock_disk_header *h;
	unsigned int bs;
	void *buf;
	int d, ret = -1;

	d = open(disk2, O_RDWR | O_DIRECT);
	if (d < 0 || ioctl(d, BLKSSZGET, &bs) || posix_memalign(&buf, 4096, bs)) {
		perror(disk2);
		exit(2);
	}
	h = buf;
	if (pread(d, buf, bs, 0) == (ssize_t)bs) {
		off_t off = (off_t)(le64toh(h->lock_lba) + lock) * bs;

		if (write) {
			memset(buf, 0, bs);
			memcpy(buf, r, sizeof(*r));
			ret = pwrite(d, buf, bs, off) == (ssize_t)bs ? 0 : -1;
		} else if (pread(d, buf, bs, off) == (ssize_t)bs) {
			memcpy(r, buf, sizeof(*r));
			ret = 0;
		}
	}
	free(buf);
	close(d);
	return ret;
}

/* Write a damaged record of @lock: owner above any node id, valid crc. */
static void damage(unsigned int lock)
{
	struct blklock_disk_lock r;

	memset(&r, 0, sizeof(r));
	r.magic = htole32(BLKLOCK_LOCK_MAGIC);
	r.lock = htole32(lock);
	r.owner = htole32(DAMAGED_OWNER);
	r.generation = htole64(7);
	r.acquired = htole64(1);
	r.owner_incarnation = htole64(0x1234);
	r.crc = htole32(crc32c(&r, offsetof(struct blklock_disk_lock, crc)));
	if (raw_io(true, lock, &r)) {
		perror("writing a damaged record");
		exit(2);
	}
}

/* ---- the operations ---------------------------------------------------------- */

/*
 * setup: without faults, before the call; call: the operation under
 * fail-nth, returning 0 or -1 with errno; check: without faults, after.
 */
struct op {
	const char *name;
	bool keeper;		/* another file keeps the lockspace attached */
	bool fresh_lock;	/* LOCK + N, a lock never used in this attach */
	int unfaulted;		/* errno of the call without a fault, or 0 */
	void (*setup)(void);
	int (*call)(void);
	void (*check)(unsigned int n, int ret, int err);
};

static void setup_attached(void)
{
	fd = attached();
}

static void setup_open(void)
{
	fd = open_ctl();
}

static void setup_held(void)
{
	fd = attached();
	if (do_acquire(fd, cur_lock)) {
		fprintf(stderr, "%s: acquire without faults: %s\n", op_name,
			strerror(errno));
		exit(2);
	}
}

static void setup_damaged(void)
{
	damage(cur_lock);
	fd = attached();
}

static int call_open(void)
{
	fd = open("/dev/blklock", O_RDWR);
	return fd < 0 ? -1 : 0;
}

static int call_attach(void)
{
	return do_attach(fd);
}

static int call_close(void)
{
	int ret = close(fd);

	fd = -1;
	return ret;
}

static int call_acquire(void)
{
	return do_acquire(fd, cur_lock);
}

static int call_release(void)
{
	return do_release(fd, cur_lock);
}

static int call_status(void)
{
	struct blklock_status st;

	return do_status(fd, cur_lock, &st);
}

static int call_validate(void)
{
	struct blklock_validate v = {
		.lock = cur_lock,
		.generation = cur_gen,
	};

	return ioctl(fd, BLKLOCK_IOC_VALIDATE, &v);
}

static int call_nodes(void)
{
	static struct blklock_node out[BLKLOCK_MAX_NODE_ID];
	struct blklock_nodes a = {
		.nodes = (uintptr_t)out,
		.first = 1,
		.count = BLKLOCK_MAX_NODE_ID,
	};

	return ioctl(fd, BLKLOCK_IOC_NODES, &a);
}

static int call_break(void)
{
	struct blklock_break b;

	return do_break(fd, cur_lock, &b);
}

static void close_fd(void)
{
	if (fd >= 0)
		close(fd);
	fd = -1;
}

static void check_open(unsigned int n, int ret, int err)
{
	int f;

	(void)ret;
	(void)err;

	close_fd();
	f = open("/dev/blklock", O_RDWR);
	if (f < 0)
		bad(n, "open without faults: %s", errno_name(errno));
	else
		close(f);
}

static void check_attach(unsigned int n, int ret, int err)
{
	struct blklock_info info;

	(void)err;

	if (!ret && (ioctl(fd, BLKLOCK_IOC_INFO, &info) || info.node_id != NODE))
		bad(n, "attached, yet INFO fails or names another node");
	if (ret && (!ioctl(fd, BLKLOCK_IOC_INFO, &info) || errno != ENXIO))
		bad(n, "the attach failed, yet the file has a lockspace");
	close_fd();
	expect_detached(n, false);
}

static void check_detach(unsigned int n, int ret, int err)
{
	if (ret)
		bad(n, "close failed: %s", errno_name(err));
	expect_detached(n, true);
}

static void check_acquire(unsigned int n, int ret, int err)
{
	(void)err;
	if (!ret) {
		expect_held_then_release(n, fd, cur_lock);
	} else {
		expect_free(n, fd, cur_lock);
		expect_retry(n, fd, cur_lock);
	}
	close_fd();
}

static void check_busy(unsigned int n, int ret, int err)
{
	struct blklock_status st;

	(void)err;

	if (!ret)
		bad(n, "acquired a lock node %u holds", BUSY_OWNER);
	if (do_status(fd, cur_lock, &st) || st.owner != BUSY_OWNER)
		bad(n, "lock %u no longer names node %u", cur_lock, BUSY_OWNER);
	if (!do_acquire(fd, cur_lock) || errno != EBUSY)
		bad(n, "acquire without faults: %s, not EBUSY",
		    errno_name(ret ? errno : 0));
	close_fd();
}

static void check_release(unsigned int n, int ret, int err)
{
	if (!ret || err == ENOLCK) {
		/* The file no longer holds it; the record is free at once
		 * or once the reaper ran.
		 */
		expect_free(n, fd, cur_lock);
	} else {
		/* A failed release leaves the lock with the file. */
		expect_held_then_release(n, fd, cur_lock);
	}
	close_fd();
}

static void check_status(unsigned int n, int ret, int err)
{
	(void)ret;
	(void)err;
	expect_free(n, fd, cur_lock);
	expect_retry(n, fd, cur_lock);
	close_fd();
}

static void check_validate(unsigned int n, int ret, int err)
{
	(void)ret;
	(void)err;
	expect_held_then_release(n, fd, cur_lock);
	close_fd();
}

static void check_nodes(unsigned int n, int ret, int err)
{
	(void)ret;
	(void)err;
	if (call_nodes())
		bad(n, "NODES without faults: %s", errno_name(errno));
	close_fd();
}

static void check_break_free(unsigned int n, int ret, int err)
{
	(void)ret;
	(void)err;
	expect_free(n, fd, cur_lock);
	close_fd();
}

static void check_break_damaged(unsigned int n, int ret, int err)
{
	struct blklock_disk_lock r;
	struct blklock_status st;
	struct blklock_break b;

	(void)err;

	if (raw_io(false, cur_lock, &r)) {
		bad(n, "cannot read lock %u's record", cur_lock);
	} else if (ret && le32toh(r.owner) != DAMAGED_OWNER) {
		bad(n, "BREAK failed, yet the damaged record changed (owner %u)",
		    le32toh(r.owner));
	} else if (!ret && r.owner) {
		bad(n, "BREAK succeeded, yet the record names node %u",
		    le32toh(r.owner));
	}
	if (ret) {
		if (!do_status(fd, cur_lock, &st) || errno != EUCLEAN)
			bad(n, "STATUS of the damaged record: %s, not EUCLEAN",
			    errno_name(errno));
		if (do_break(fd, cur_lock, &b) ||
		    b.result != BLKLOCK_BREAK_REPAIRED)
			bad(n, "BREAK without faults: %s, result %u",
			    errno_name(errno), b.result);
	}
	expect_free(n, fd, cur_lock);
	expect_retry(n, fd, cur_lock);
	close_fd();
}

static void check_close_held(unsigned int n, int ret, int err)
{
	if (ret)
		bad(n, "close failed: %s", errno_name(err));
	/* The release failed at close: the reaper frees the record. */
	expect_free(n, keeper, cur_lock);
}

static const struct op ops[] = {
	{ "open", false, false, 0, NULL, call_open, check_open },
	{ "attach", false, false, 0, setup_open, call_attach, check_attach },
	{ "detach", false, false, 0, setup_attached, call_close, check_detach },
	{ "acquire", false, false, 0, setup_attached, call_acquire, check_acquire },
	{ "acquire-busy", false, false, EBUSY, setup_attached, call_acquire,
	  check_busy },
	{ "release", false, false, 0, setup_held, call_release, check_release },
	{ "status", false, false, 0, setup_attached, call_status, check_status },
	{ "validate", false, false, 0, setup_held, call_validate, check_validate },
	{ "nodes", false, false, 0, setup_attached, call_nodes, check_nodes },
	{ "break-free", false, false, 0, setup_attached, call_break,
	  check_break_free },
	{ "break-damaged", false, false, 0, setup_damaged, call_break,
	  check_break_damaged },
	{ "close-held", true, true, 0, setup_held, call_close, check_close_held },
};

int main(int argc, char **argv)
{
	unsigned int n, max = 2000, points = 0, ok = 0, e;
	static unsigned int errs[MAX_ERRNO];
	const struct op *op = NULL;
	struct blklock_info info;
	char sep = '=';
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: %s OP DISK DISK2 LOCK [MAX]\n", argv[0]);
		return 2;
	}
	op_name = argv[1];
	disk = argv[2];
	disk2 = argv[3];
	base_lock = strtoul(argv[4], NULL, 0);
	if (argc == 6)
		max = strtoul(argv[5], NULL, 0);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].name, op_name))
			op = &ops[i];
	if (!op) {
		fprintf(stderr, "%s: unknown operation\n", op_name);
		return 2;
	}
	failnth = open("/proc/thread-self/fail-nth", O_RDWR);
	if (failnth < 0) {
		perror("/proc/thread-self/fail-nth (a kernel with CONFIG_FAULT_INJECTION)");
		return 2;
	}
	/* The lockspace's size. */
	fd = attached();
	if (ioctl(fd, BLKLOCK_IOC_INFO, &info)) {
		perror("INFO");
		return 2;
	}
	close_fd();
	if (op->keeper)
		keeper = attached();

	for (n = 1; n <= max; n++) {
		bool fired;
		int ret, err;

		cur_lock = op->fresh_lock ? base_lock + n : base_lock;
		if (cur_lock >= info.nr_locks) {
			printf("%s: out of locks at n=%u\n", op_name, n);
			inconsistent++;
			break;
		}
		if (op->setup)
			op->setup();
		arm(n);
		ret = op->call();
		err = ret ? errno : 0;
		fired = disarm();
		if (!fired) {
			printf("%s n=%u not fired: %s\n", op_name, n, errno_name(err));
			if (err != op->unfaulted)
				bad(n, "%s without a fault, not %s", errno_name(err),
				    errno_name(op->unfaulted));
			op->check(n, ret, err);
			break;
		}
		points++;
		printf("%s n=%u fired: %s\n", op_name, n, errno_name(err));
		if (!ret)
			ok++;
		else
			errs[err < MAX_ERRNO ? err : 0]++;
		op->check(n, ret, err);
	}
	if (n > max) {
		printf("%s: still firing at n=%u\n", op_name, max);
		inconsistent++;
	}
	if (keeper >= 0)
		close(keeper);
	printf("summary %s points=%u ok=%u errnos", op_name, points, ok);
	for (e = 0; e < MAX_ERRNO; e++) {
		if (!errs[e])
			continue;
		printf("%c%s:%u", sep, errno_name(e), errs[e]);
		sep = ',';
	}
	if (sep == '=')
		printf("=none");
	printf(" inconsistent=%u\n", inconsistent);
	return inconsistent ? 1 : 0;
}
