// SPDX-License-Identifier: GPL-2.0
/*
 * blklock-abi: checks the ioctl ABI of /dev/blklock from user space.
 *
 *   blklock-abi reject	  send malformed arguments; each must fail with
 *			  EINVAL (or ENOTTY for unknown commands), before
 *			  any I/O (NAME's refused names too)
 *   blklock-abi names DISK  ATTACH DISK as node 3 with node names the
 *			  kernel refuses (EINVAL, EFAULT), then with one
 *			  of 63 characters, which it takes
 *   blklock-abi cycle LOCK  info, acquire, status, release, status on the
 *			  file's lockspace, checking every field returned
 *			  (STATUS's name: NUL-padded, or all zero)
 *   blklock-abi hold-poll LOCK SECONDS
 *			  acquire LOCK, then poll() the file; when the kernel
 *			  reports the loss, check VALIDATE says ENOLCK.
 *			  Exit 0 only if the loss was reported in time.
 *   blklock-abi hold-request LOCK SECONDS
 *			  acquire LOCK, then wait for two requests for it
 *			  (BLKLOCK_IOC_REQUEST from elsewhere): each wakes
 *			  poll() with POLLRDBAND, STATUS says REQUESTED, and
 *			  once STATUS was read poll() is quiet again.
 *   blklock-abi poll-sysfs FILE SECONDS
 *			  read the sysfs attribute FILE, then wait until it
 *			  wakes poll() (sysfs_notify()); print what it says
 *			  then.  Exit 0 only if it woke in time.
 *   blklock-abi efault-after-loss LOCK LATE_LOCK_MS_HOOK
 *			  (test build) ACQUIRE LOCK into a page that
 *			  userfaultfd write-protects; while the kernel waits
 *			  to write the result back, arm the hook so that the
 *			  release that follows lands late (ENOLCK), and unmap
 *			  the page: ACQUIRE must fail with EFAULT, the file
 *			  must hold no lock, and ATTACH to its own lockspace
 *			  must succeed (not EBUSY: the file holds no lock).
 *
 * Built both as a 64-bit and as a 32-bit (-m32) binary, so the same
 * checks prove the compat_ioctl path.  Prints "ok NAME" or
 * "not ok NAME: why" per check; exits 1 if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/blklock.h>
#include <linux/userfaultfd.h>

static int failures;

static void expect(const char *name, int ret, int want_errno)
{
	int err = ret ? errno : 0;

	if (err == want_errno) {
		printf("ok %s\n", name);
	} else {
		printf("not ok %s: got %s, want %s\n", name,
		       err ? strerror(err) : "success",
		       want_errno ? strerror(want_errno) : "success");
		failures++;
	}
}

static void check(const char *name, int cond, const char *why)
{
	if (cond) {
		printf("ok %s\n", name);
	} else {
		printf("not ok %s: %s\n", name, why);
		failures++;
	}
}

static int reject(int fd)
{
	struct blklock_info info;
	struct blklock_acquire aq;
	struct blklock_release rl;
	struct blklock_status st;
	struct blklock_attach at;
	struct blklock_format fm;
	struct blklock_detach dt;
	uint32_t nr_locks = 1;

	if (!ioctl(fd, BLKLOCK_IOC_INFO, &info))
		nr_locks = info.nr_locks;

	{
		struct blklock_request rq;

		memset(&rq, 0, sizeof(rq));
		rq.flags = 1;
		expect("request-flags", ioctl(fd, BLKLOCK_IOC_REQUEST, &rq), EINVAL);
		memset(&rq, 0, sizeof(rq));
		rq.owner = 1;
		expect("request-owner-in", ioctl(fd, BLKLOCK_IOC_REQUEST, &rq), EINVAL);
		memset(&rq, 0, sizeof(rq));
		rq.reserved[1] = 1;
		expect("request-reserved", ioctl(fd, BLKLOCK_IOC_REQUEST, &rq), EINVAL);
		memset(&rq, 0, sizeof(rq));
		rq.lock = nr_locks;
		expect("request-lock-range", ioctl(fd, BLKLOCK_IOC_REQUEST, &rq), EINVAL);
	}
	{
		struct blklock_path_add pa;

		memset(&pa, 0, sizeof(pa));
		pa.path = (uintptr_t)"/dev/null";
		pa.flags = 2;
		expect("add-path-flags", ioctl(fd, BLKLOCK_IOC_ADD_PATH, &pa), EINVAL);
		pa.flags = 0;
		pa.nr_paths = 1;
		expect("add-path-nr-paths-in", ioctl(fd, BLKLOCK_IOC_ADD_PATH, &pa), EINVAL);
		pa.nr_paths = 0;
		pa.reserved[1] = 1;
		expect("add-path-reserved", ioctl(fd, BLKLOCK_IOC_ADD_PATH, &pa), EINVAL);
		pa.reserved[1] = 0;
		expect("add-path-not-a-disk", ioctl(fd, BLKLOCK_IOC_ADD_PATH, &pa), ENOTBLK);
		pa.path = 8;
		expect("add-path-bad-pointer", ioctl(fd, BLKLOCK_IOC_ADD_PATH, &pa), EFAULT);
	}
	memset(&aq, 0, sizeof(aq));
	aq.reserved0 = 1;
	expect("acquire-reserved0", ioctl(fd, BLKLOCK_IOC_ACQUIRE, &aq), EINVAL);
	memset(&aq, 0, sizeof(aq));
	aq.reserved[1] = 1;
	expect("acquire-reserved", ioctl(fd, BLKLOCK_IOC_ACQUIRE, &aq), EINVAL);
	memset(&aq, 0, sizeof(aq));
	aq.flags = 0x80;
	expect("acquire-unknown-flag", ioctl(fd, BLKLOCK_IOC_ACQUIRE, &aq), EINVAL);
	memset(&aq, 0, sizeof(aq));
	aq.timeout_ms = BLKLOCK_MAX_TIMEOUT_MS + 1;
	expect("acquire-timeout-too-long", ioctl(fd, BLKLOCK_IOC_ACQUIRE, &aq), EINVAL);
	memset(&aq, 0, sizeof(aq));
	aq.flags = BLKLOCK_ACQUIRE_NOWAIT;
	aq.timeout_ms = 10;
	expect("acquire-nowait-with-timeout", ioctl(fd, BLKLOCK_IOC_ACQUIRE, &aq), EINVAL);
	memset(&aq, 0, sizeof(aq));
	aq.lock = nr_locks;
	aq.flags = BLKLOCK_ACQUIRE_NOWAIT;
	expect("acquire-index-out-of-range", ioctl(fd, BLKLOCK_IOC_ACQUIRE, &aq), EINVAL);

	memset(&rl, 0, sizeof(rl));
	rl.flags = 1;
	expect("release-flags", ioctl(fd, BLKLOCK_IOC_RELEASE, &rl), EINVAL);
	memset(&rl, 0, sizeof(rl));
	rl.reserved[0] = 1;
	expect("release-reserved", ioctl(fd, BLKLOCK_IOC_RELEASE, &rl), EINVAL);
	memset(&rl, 0, sizeof(rl));
	rl.lock = nr_locks;
	expect("release-index-out-of-range", ioctl(fd, BLKLOCK_IOC_RELEASE, &rl), EINVAL);

	memset(&st, 0, sizeof(st));
	st.flags = 2;
	expect("status-flags", ioctl(fd, BLKLOCK_IOC_STATUS, &st), EINVAL);
	memset(&st, 0, sizeof(st));
	st.reserved0 = 7;
	expect("status-reserved0", ioctl(fd, BLKLOCK_IOC_STATUS, &st), EINVAL);
	memset(&st, 0, sizeof(st));
	st.holder_pid = 1;
	expect("status-holder-pid-is-output", ioctl(fd, BLKLOCK_IOC_STATUS, &st), EINVAL);
	memset(&st, 0, sizeof(st));
	st.lock = 0xffffffff;
	expect("status-index-out-of-range", ioctl(fd, BLKLOCK_IOC_STATUS, &st), EINVAL);

	memset(&at, 0, sizeof(at));
	at.path = (uintptr_t)"/dev/null";
	at.node_id = 0;
	expect("attach-node-0", ioctl(fd, BLKLOCK_IOC_ATTACH, &at), EINVAL);
	at.node_id = BLKLOCK_MAX_NODE_ID + 1;
	expect("attach-node-too-big", ioctl(fd, BLKLOCK_IOC_ATTACH, &at), EINVAL);
	at.node_id = 1;
	at.flags = 4;
	expect("attach-flags", ioctl(fd, BLKLOCK_IOC_ATTACH, &at), EINVAL);
	at.flags = 0;
	at.reserved = 1;
	expect("attach-reserved", ioctl(fd, BLKLOCK_IOC_ATTACH, &at), EINVAL);

	memset(&dt, 0, sizeof(dt));
	dt.uuid[0] = 0x5a;
	dt.flags = 1;
	expect("detach-flags", ioctl(fd, BLKLOCK_IOC_DETACH, &dt), EINVAL);
	dt.flags = 0;
	dt.reserved0 = 1;
	expect("detach-reserved0", ioctl(fd, BLKLOCK_IOC_DETACH, &dt), EINVAL);
	dt.reserved0 = 0;
	dt.reserved[1] = 1;
	expect("detach-reserved", ioctl(fd, BLKLOCK_IOC_DETACH, &dt), EINVAL);
	dt.reserved[1] = 0;
	dt.path = (uintptr_t)"/dev/null";
	expect("detach-path-and-uuid", ioctl(fd, BLKLOCK_IOC_DETACH, &dt), EINVAL);
	memset(&dt, 0, sizeof(dt));
	expect("detach-neither", ioctl(fd, BLKLOCK_IOC_DETACH, &dt), EINVAL);
	memset(dt.uuid, 0x5a, sizeof(dt.uuid));
	expect("detach-not-persistent", ioctl(fd, BLKLOCK_IOC_DETACH, &dt), ENOENT);

	memset(&fm, 0, sizeof(fm));
	fm.path = (uintptr_t)"/dev/null";
	expect("format-zero-locks", ioctl(fd, BLKLOCK_IOC_FORMAT, &fm), EINVAL);
	fm.nr_locks = BLKLOCK_MAX_LOCKS + 1;
	expect("format-too-many-locks", ioctl(fd, BLKLOCK_IOC_FORMAT, &fm), EINVAL);
	fm.nr_locks = 1;
	fm.flags = 0x100;
	expect("format-unknown-flag", ioctl(fd, BLKLOCK_IOC_FORMAT, &fm), EINVAL);
	fm.flags = 0;
	fm.reserved = 1;
	expect("format-reserved", ioctl(fd, BLKLOCK_IOC_FORMAT, &fm), EINVAL);
	fm.reserved = 0;
	fm.max_node_id = BLKLOCK_MAX_NODE_ID + 1;
	expect("format-too-many-nodes", ioctl(fd, BLKLOCK_IOC_FORMAT, &fm), EINVAL);

	{
		struct blklock_validate v = { .flags = 1 };

		expect("validate-flags", ioctl(fd, BLKLOCK_IOC_VALIDATE, &v), EINVAL);
		v.flags = 0;
		v.reserved[0] = 1;
		expect("validate-reserved", ioctl(fd, BLKLOCK_IOC_VALIDATE, &v), EINVAL);
	}

	{
		char longname[BLKLOCK_LOCK_NAME_MAX + 1];
		struct blklock_name nm;

		memset(longname, 'a', BLKLOCK_LOCK_NAME_MAX);
		longname[BLKLOCK_LOCK_NAME_MAX] = '\0';
		memset(&nm, 0, sizeof(nm));
		nm.name = (uintptr_t)"abi";
		nm.flags = 1;
		expect("name-flags", ioctl(fd, BLKLOCK_IOC_NAME, &nm), EINVAL);
		nm.flags = 0;
		nm.reserved[1] = 1;
		expect("name-reserved", ioctl(fd, BLKLOCK_IOC_NAME, &nm), EINVAL);
		nm.reserved[1] = 0;
		nm.lock = 1;
		expect("name-lock-is-output", ioctl(fd, BLKLOCK_IOC_NAME, &nm), EINVAL);
		nm.lock = 0;
		nm.result = BLKLOCK_NAME_FOUND;
		expect("name-result-is-output", ioctl(fd, BLKLOCK_IOC_NAME, &nm), EINVAL);
		nm.result = 0;
		nm.op = BLKLOCK_NAME_DELETE + 1;
		expect("name-unknown-op", ioctl(fd, BLKLOCK_IOC_NAME, &nm), EINVAL);
		nm.op = BLKLOCK_NAME_CREATE;
		nm.name = 0;
		expect("name-missing", ioctl(fd, BLKLOCK_IOC_NAME, &nm), EINVAL);
		nm.name = (uintptr_t)"";
		expect("name-empty", ioctl(fd, BLKLOCK_IOC_NAME, &nm), EINVAL);
		nm.name = (uintptr_t)"two words";
		expect("name-space", ioctl(fd, BLKLOCK_IOC_NAME, &nm), EINVAL);
		nm.name = (uintptr_t)"evil\nblklock: forged";
		expect("name-newline", ioctl(fd, BLKLOCK_IOC_NAME, &nm), EINVAL);
		nm.name = (uintptr_t)longname;
		expect("name-64", ioctl(fd, BLKLOCK_IOC_NAME, &nm), EINVAL);
	}

	/* The right command number with the wrong size. */
	memset(&aq, 0, sizeof(aq));
	expect("acquire-wrong-size",
	       ioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, BLKLOCK_IOC_MAGIC, 0x04,
			      sizeof(aq) - 8), &aq), EINVAL);
	expect("unknown-command", ioctl(fd, _IO(BLKLOCK_IOC_MAGIC, 0x7f)), ENOTTY);
	expect("foreign-command", ioctl(fd, _IO('X', 1)), ENOTTY);
	return failures ? 1 : 0;
}

/*
 * ATTACH of @disk as node 3 with names the kernel must refuse before it
 * touches the disk: a space, a newline that would forge a dmesg line, 64
 * characters, an unreadable pointer; then with a good one.
 */
static int names(int fd, const char *disk)
{
	char longname[BLKLOCK_NODE_NAME_MAX + 1];
	struct blklock_attach at;

	memset(longname, 'a', BLKLOCK_NODE_NAME_MAX);
	longname[BLKLOCK_NODE_NAME_MAX] = '\0';
	memset(&at, 0, sizeof(at));
	at.path = (uintptr_t)disk;
	at.node_id = 3;
	at.name = (uintptr_t)"two words";
	expect("attach-name-space", ioctl(fd, BLKLOCK_IOC_ATTACH, &at), EINVAL);
	at.name = (uintptr_t)"evil\nblklock: forged";
	expect("attach-name-newline", ioctl(fd, BLKLOCK_IOC_ATTACH, &at), EINVAL);
	at.name = (uintptr_t)longname;
	expect("attach-name-64", ioctl(fd, BLKLOCK_IOC_ATTACH, &at), EINVAL);
	at.name = (uintptr_t)"";
	expect("attach-name-empty", ioctl(fd, BLKLOCK_IOC_ATTACH, &at), EINVAL);
	at.name = 8;
	expect("attach-name-efault", ioctl(fd, BLKLOCK_IOC_ATTACH, &at), EFAULT);
	longname[BLKLOCK_NODE_NAME_MAX - 1] = '\0';
	at.name = (uintptr_t)longname;
	check("attach-name-63", !ioctl(fd, BLKLOCK_IOC_ATTACH, &at),
	      strerror(errno));
	return failures ? 1 : 0;
}

/* A lock name as STATUS returns it: NUL-padded, or all zero for none. */
static int name_padded(const char *name)
{
	size_t len = strnlen(name, BLKLOCK_LOCK_NAME_MAX), i;

	if (len == BLKLOCK_LOCK_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (name[i] < 0x21 || name[i] > 0x7e)
			return 0;
	for (i = len; i < BLKLOCK_LOCK_NAME_MAX; i++)
		if (name[i])
			return 0;
	return 1;
}

static int cycle(int fd, unsigned int lock)
{
	struct blklock_info info;
	struct blklock_acquire aq = { .lock = lock, .flags = BLKLOCK_ACQUIRE_NOWAIT };
	struct blklock_release rl = { .lock = lock };
	struct blklock_status st = { .lock = lock };
	char name[BLKLOCK_LOCK_NAME_MAX];
	uint64_t before;

	memset(&info, 0xff, sizeof(info));
	expect("info", ioctl(fd, BLKLOCK_IOC_INFO, &info), 0);
	check("info-reserved-zero", !info.reserved, "reserved field not zeroed");
	check("info-lease-fields", info.max_node_id && info.hb_interval_ms &&
	      info.lease_timeout_ms > info.hb_interval_ms &&
	      info.hb_state == BLKLOCK_HB_STATE_LIVE && info.incarnation,
	      "heartbeat fields not filled");
	check("info-fields", info.node_id && info.nr_locks > lock &&
	      (info.block_size == 512 || info.block_size == 4096) &&
	      info.format_version == BLKLOCK_FORMAT_VERSION && info.disk[0],
	      "implausible info");
	printf("info node %u disk %s block_size %u nr_locks %u lock_lba %" PRIu64 "\n",
	       info.node_id, info.disk, info.block_size, info.nr_locks,
	       (uint64_t)info.lock_lba);

	memset(name, 0xff, sizeof(name));
	st.name = (uintptr_t)name;
	expect("status-before", ioctl(fd, BLKLOCK_IOC_STATUS, &st), 0);
	before = st.generation;
	check("status-before-free", st.owner == 0 &&
	      !(st.state & ~BLKLOCK_STATE_DELETED) && st.holder_pid == 0,
	      "lock not free");
	check("status-name-padded", name_padded(name),
	      "the name buffer is not a NUL-padded name, nor all zero");
	check("status-name-pointer-kept", st.name == (uintptr_t)name,
	      "the name pointer changed");

	expect("acquire", ioctl(fd, BLKLOCK_IOC_ACQUIRE, &aq), 0);
	check("acquire-generation", aq.generation == before + 1,
	      "generation did not grow by one");
	expect("acquire-again-deadlk", ioctl(fd, BLKLOCK_IOC_ACQUIRE, &aq), EDEADLK);

	memset(&st, 0, sizeof(st));
	st.lock = lock;
	expect("status-held", ioctl(fd, BLKLOCK_IOC_STATUS, &st), 0);
	check("status-held-fields",
	      st.owner == info.node_id && st.generation == before + 1 &&
	      st.state == (BLKLOCK_STATE_HELD_BY_FILE | BLKLOCK_STATE_HELD_BY_NODE) &&
	      st.holder_pid == (uint32_t)getpid() && !st.reserved0 && !st.name,
	      "wrong owner, generation, state or holder pid");

	expect("release", ioctl(fd, BLKLOCK_IOC_RELEASE, &rl), 0);
	expect("release-again-eperm", ioctl(fd, BLKLOCK_IOC_RELEASE, &rl), EPERM);

	memset(&st, 0, sizeof(st));
	st.lock = lock;
	expect("status-after", ioctl(fd, BLKLOCK_IOC_STATUS, &st), 0);
	check("status-after-fields", st.owner == 0 && st.state == 0 &&
	      st.generation == before + 1 && st.holder_pid == 0,
	      "not free at the same generation");
	return failures ? 1 : 0;
}

static int hold_poll(int fd, unsigned int lock, unsigned int seconds)
{
	struct blklock_acquire a = { .lock = lock, .flags = BLKLOCK_ACQUIRE_NOWAIT };
	struct blklock_validate v = { .lock = lock };
	struct pollfd p = { .fd = fd, .events = POLLPRI };
	int n;

	if (ioctl(fd, BLKLOCK_IOC_ACQUIRE, &a)) {
		perror("acquire");
		return 1;
	}
	printf("acquired lock %u generation %llu\n", lock,
	       (unsigned long long)a.generation);
	fflush(stdout);
	v.generation = a.generation;
	expect("validate-while-held", ioctl(fd, BLKLOCK_IOC_VALIDATE, &v), 0);
	fflush(stdout);
	n = poll(&p, 1, seconds * 1000);
	check("poll-reports-loss", n == 1 && (p.revents & POLLPRI),
	      "poll() did not report the loss");
	expect("validate-after-loss", ioctl(fd, BLKLOCK_IOC_VALIDATE, &v), ENOLCK);
	{
		struct blklock_status st = { .lock = lock };

		expect("status-after-loss", ioctl(fd, BLKLOCK_IOC_STATUS, &st), 0);
		check("status-says-lost", st.state & BLKLOCK_STATE_LOST,
		      "BLKLOCK_STATE_LOST not set");
	}
	return failures ? 1 : 0;
}

/* Milliseconds until poll() reports @events on @fd, or -1 after @ms. */
static long poll_ms(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (poll(&p, 1, ms) != 1 || !(p.revents & events))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0.tv_sec) * 1000 +
	       (t1.tv_nsec - t0.tv_nsec) / 1000000;
}

static unsigned int status_state(int fd, unsigned int lock)
{
	struct blklock_status st = { .lock = lock };

	if (ioctl(fd, BLKLOCK_IOC_STATUS, &st))
		return 0;
	return st.state;
}

/*
 * hold-request: acquire LOCK and wait for two requests: each one wakes
 * poll() with POLLRDBAND, STATUS says REQUESTED, and once STATUS was
 * read poll() is quiet until the next request.
 */
static int hold_request(int fd, unsigned int lock, unsigned int seconds)
{
	struct blklock_acquire a = { .lock = lock, .flags = BLKLOCK_ACQUIRE_NOWAIT };
	int i;

	if (ioctl(fd, BLKLOCK_IOC_ACQUIRE, &a)) {
		perror("acquire");
		return 1;
	}
	printf("acquired lock %u generation %llu\n", lock,
	       (unsigned long long)a.generation);
	check("not-requested-yet",
	      !(status_state(fd, lock) & BLKLOCK_STATE_REQUESTED),
	      "STATUS says REQUESTED before any request");
	check("poll-quiet-before", poll_ms(fd, POLLRDBAND, 0) < 0,
	      "POLLRDBAND before any request");
	for (i = 1; i <= 2; i++) {
		long ms = poll_ms(fd, POLLRDBAND, seconds * 1000);

		printf("request %d: POLLRDBAND after %ld ms\n", i, ms);
		check("poll-reports-request", ms >= 0,
		      "poll() did not report the request");
		check("poll-no-loss", poll_ms(fd, POLLPRI, 0) < 0,
		      "POLLPRI (loss) with the request");
		check("status-says-requested",
		      status_state(fd, lock) ==
		      (BLKLOCK_STATE_HELD_BY_FILE | BLKLOCK_STATE_HELD_BY_NODE |
		       BLKLOCK_STATE_REQUESTED), "STATUS is not held+requested");
		check("poll-quiet-after-status", poll_ms(fd, POLLRDBAND, 0) < 0,
		      "POLLRDBAND after STATUS was read");
		check("still-requested",
		      status_state(fd, lock) & BLKLOCK_STATE_REQUESTED,
		      "REQUESTED gone before the release");
		fflush(stdout);
	}
	return failures ? 1 : 0;
}

struct blocked_acquire {
	int fd;
	struct blklock_acquire *a;
	int err;
};

static void *acquire_thread(void *arg)
{
	struct blocked_acquire *b = arg;

	b->err = ioctl(b->fd, BLKLOCK_IOC_ACQUIRE, b->a) ? errno : 0;
	return NULL;
}

static int efault_after_loss(int fd, unsigned int lock, const char *hook)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_writeprotect wp = { .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	struct blocked_acquire b = { .fd = fd };
	struct blklock_status st = { .lock = lock };
	struct blklock_info info;
	struct blklock_attach at;
	struct uffdio_range range;
	struct uffd_msg msg;
	struct pollfd p;
	char path[64];
	pthread_t th;
	FILE *h;
	void *page;
	int uffd;

	if (ioctl(fd, BLKLOCK_IOC_INFO, &info)) {
		perror("info");
		return 1;
	}
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (page == MAP_FAILED || uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
		perror("userfaultfd");
		return 1;
	}
	b.a = page;
	b.a->lock = lock;
	b.a->flags = BLKLOCK_ACQUIRE_NOWAIT;
	range.start = (uintptr_t)page;
	range.len = 4096;
	reg.range = range;
	wp.range = range;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) ||
	    ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) {
		perror("userfaultfd write-protect");
		return 1;
	}
	if (pthread_create(&th, NULL, acquire_thread, &b))
		return 1;
	/* The kernel took the lock and waits to write the result back. */
	p = (struct pollfd){ .fd = uffd, .events = POLLIN };
	if (poll(&p, 1, 20000) != 1 || read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT ||
	    !(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)) {
		fprintf(stderr, "no write-protect fault from ACQUIRE\n");
		return 1;
	}
	h = fopen(hook, "w");
	if (!h || fprintf(h, "2000\n") < 0 || fclose(h)) {
		perror(hook);
		return 1;
	}
	/* Nothing there any more: the write back fails, EFAULT. */
	munmap(page, 4096);
	if (ioctl(uffd, UFFDIO_WAKE, &range)) {
		perror("UFFDIO_WAKE");
		return 1;
	}
	pthread_join(th, NULL);
	errno = b.err;
	expect("acquire-efault", b.err ? -1 : 0, EFAULT);
	expect("status-after-efault", ioctl(fd, BLKLOCK_IOC_STATUS, &st), 0);
	check("status-not-held", !(st.state & BLKLOCK_STATE_HELD_BY_FILE),
	      "the file still holds the lock");
	snprintf(path, sizeof(path), "/dev/%s", info.disk);
	at = (struct blklock_attach){ .path = (uintptr_t)path,
				      .node_id = info.node_id };
	expect("attach-after-efault", ioctl(fd, BLKLOCK_IOC_ATTACH, &at), 0);
	return failures ? 1 : 0;
}

static int poll_sysfs(const char *path, int seconds)
{
	struct pollfd p = { .events = POLLPRI | POLLERR };
	char buf[64];
	ssize_t n;

	p.fd = open(path, O_RDONLY);
	if (p.fd < 0) {
		perror(path);
		return 1;
	}
	/* sysfs wakes poll() only for a file read since its last wake-up. */
	n = read(p.fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("poll-sysfs %s: was %s", path, buf);
	if (poll(&p, 1, seconds * 1000) != 1) {
		printf("poll-sysfs %s: no wake-up in %d s\n", path, seconds);
		return 1;
	}
	n = pread(p.fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	printf("poll-sysfs %s: woke, now %s", path, buf);
	close(p.fd);
	return 0;
}

int main(int argc, char **argv)
{
	int fd;

	/* Callers watch the output while it runs (hold-poll). */
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("abi %zu-bit: attach %zu format %zu info %zu acquire %zu release %zu status %zu\n",
	       sizeof(void *) * 8, sizeof(struct blklock_attach),
	       sizeof(struct blklock_format), sizeof(struct blklock_info),
	       sizeof(struct blklock_acquire), sizeof(struct blklock_release),
	       sizeof(struct blklock_status));
	if (argc == 4 && !strcmp(argv[1], "poll-sysfs"))
		return poll_sysfs(argv[2], atoi(argv[3]));
	fd = open("/dev/blklock", O_RDWR);
	if (fd < 0) {
		perror("/dev/blklock");
		return 1;
	}
	if (argc == 2 && !strcmp(argv[1], "reject"))
		return reject(fd);
	if (argc == 3 && !strcmp(argv[1], "names"))
		return names(fd, argv[2]);
	if (argc == 3 && !strcmp(argv[1], "cycle"))
		return cycle(fd, strtoul(argv[2], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "hold-poll"))
		return hold_poll(fd, strtoul(argv[2], NULL, 0),
				 strtoul(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "hold-request"))
		return hold_request(fd, strtoul(argv[2], NULL, 0),
				    strtoul(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "efault-after-loss"))
		return efault_after_loss(fd, strtoul(argv[2], NULL, 0), argv[3]);
	fprintf(stderr, "usage: %s reject | names DISK | cycle LOCK | hold-poll LOCK SECONDS | hold-request LOCK SECONDS | poll-sysfs FILE SECONDS | efault-after-loss LOCK HOOK\n",
		argv[0]);
	return 2;
}
