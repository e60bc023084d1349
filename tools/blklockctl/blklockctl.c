// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: command-line front end of /dev/blklock.
 *
 * Locks belong to the open /dev/blklock file, so they live as long as
 * blklockctl runs.  Commands run in order on one open file; locks still
 * held when the list ends are held until SIGINT or SIGTERM (or the end of
 * standard input with --until-eof), then released.  See blklockctl(8).
 *
 * Signals: SIGINT and SIGTERM have a handler installed without SA_RESTART,
 * so a waiting BLKLOCK_IOC_ACQUIRE returns EINTR.  Every other wait
 * (sleep, holding, waiting for the command of run) happens in ppoll()
 * with those signals blocked outside it, so no signal is missed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/blklock.h>

#include "blklockctl.h"
#include "ondisk.h"

#define VERSION "1.0"

/* What failed, to choose the exit code and the hint of an errno. */
enum op {
	OP_OPEN,
	OP_ATTACH,
	OP_FORMAT,
	OP_INFO,
	OP_ACQUIRE,
	OP_RELEASE,
	OP_STATUS,
	OP_VALIDATE,
	OP_BREAK,
	OP_OTHER,
};

static const char *control = "/dev/" BLKLOCK_MISC_NAME;
static bool quiet;
static int ctl = -1;
static volatile sig_atomic_t got_signal;

/* Locks this process holds, in the order taken, for the release at the end. */
struct held_lock {
	uint32_t lock;
	uint64_t generation;
};
static struct held_lock *held;
static size_t nr_held, max_held;

static void usage(FILE *f)
{
	fprintf(f,
"Usage: blklockctl [OPTIONS] COMMAND [ARGS] [COMMAND [ARGS]]...\n"
"       blklockctl [-c PATH] [-q] format DISK [--locks N] [--force] [--uuid UUID]\n"
"                  [--max-nodes N] [--heartbeat MS] [--lease MS]\n"
"       blklockctl [OPTIONS] run LOCK [--nowait | --timeout MS] -- CMD [ARG]...\n"
"       blklockctl dump DISK [--no-wait]\n"
"\n"
"Take and drop blklock cluster locks through /dev/blklock.  Commands run in\n"
"order on one open file; locks still held at the end are held until SIGINT\n"
"or SIGTERM (or end of input with --until-eof), then released.  Locks die\n"
"with the process.\n"
"\n"
"Commands:\n"
"  acquire LOCK [--nowait | --timeout MS]   take a lock (waits by default)\n"
"  release LOCK                             drop a lock this file holds\n"
"  status LOCK                              read a lock's record from the disk\n"
"  status                                   every node's heartbeat and every held lock\n"
"  validate LOCK                            prove the lock is still held (one COMPARE AND WRITE)\n"
"  break LOCK                               free a record nobody can release: its owner is\n"
"                                           evicted, dead or gone, or it is damaged; refuses a\n"
"                                           live owner and a lock a file of this node holds\n"
"                                           (CAP_SYS_ADMIN)\n"
"  info                                     describe the lockspace\n"
"  sleep MS                                 pause\n"
"  run LOCK [--nowait | --timeout MS] -- CMD [ARG]...\n"
"                                           hold LOCK while CMD runs; exit with its status\n"
"  format DISK [--locks N] [--force] [--uuid UUID] [--max-nodes N]\n"
"              [--heartbeat MS] [--lease MS]\n"
"                                           write an empty lockspace (default 1024 locks,\n"
"                                           %u nodes, the module's heartbeat and lease)\n"
"  dump DISK [--no-wait]                    show the raw blocks without the module: header,\n"
"                                           heartbeats (sampled for 1.5 intervals), held locks\n"
"\n"
"Options (before the commands):\n"
"  -c, --control PATH   control device (default /dev/blklock)\n"
"  -D, --device DISK    attach this file to DISK (with --node; CAP_SYS_ADMIN)\n"
"  -n, --node ID        node id to act as on DISK (1..%u)\n"
"  -e, --until-eof      hold remaining locks until standard input ends\n"
"  -q, --quiet          print only errors\n"
"  -h, --help           this text\n"
"  -V, --version        version\n"
"\n"
"LOCK is 0..%u, MS 1..%u for --timeout (0..%u for sleep).\n"
"run exports BLKLOCK_LOCK and BLKLOCK_GENERATION (the fencing token) to CMD.\n"
"\n"
"Exit status: 0 success; 1 lock busy (--nowait) or timed out, or break refused\n"
"(the owner is live); 2 usage error;\n"
"3 other error; 4 interrupted by SIGINT/SIGTERM before the commands were done;\n"
"5 a held lock was lost; run: CMD's status (126 cannot execute, 127 not found,\n"
"128+N killed by signal N).\n",
		BLKLOCK_MAX_NODE_ID, BLKLOCK_MAX_NODE_ID, BLKLOCK_MAX_LOCKS - 1,
		BLKLOCK_MAX_TIMEOUT_MS, BLKLOCK_MAX_TIMEOUT_MS);
}

static const char *errno_name(int e)
{
#define E(x) case x: return #x
	switch (e) {
	E(EPERM); E(ENOENT); E(ESRCH); E(EINTR); E(EIO); E(ENXIO); E(E2BIG);
	E(ENOEXEC); E(EBADF); E(ECHILD); E(EAGAIN); E(ENOMEM); E(EACCES);
	E(EFAULT); E(ENOTBLK); E(EBUSY); E(EEXIST); E(EXDEV); E(ENODEV);
	E(ENOTDIR); E(EISDIR); E(EINVAL); E(ENFILE); E(EMFILE); E(ENOTTY);
	E(ETXTBSY); E(EFBIG); E(ENOSPC); E(ESPIPE); E(EROFS); E(EMLINK);
	E(EPIPE); E(EDOM); E(ERANGE); E(EDEADLK); E(ENAMETOOLONG); E(ENOLCK);
	E(ENOSYS); E(ENOTEMPTY); E(ELOOP); E(ENOSTR); E(ENODATA); E(ETIME);
	E(ENOLINK); E(EPROTO); E(EBADMSG); E(EOVERFLOW); E(EILSEQ);
	E(EOPNOTSUPP); E(EPROTONOSUPPORT); E(EADDRINUSE); E(ENETDOWN);
	E(ECONNABORTED); E(ECONNRESET); E(ENOBUFS); E(ETIMEDOUT);
	E(EHOSTDOWN); E(EALREADY); E(EINPROGRESS); E(ESTALE); E(EUCLEAN);
	E(EREMOTEIO); E(EDQUOT); E(ENOMEDIUM); E(EMEDIUMTYPE); E(ECANCELED);
	E(ENOKEY); E(EKEYEXPIRED); E(EOWNERDEAD); E(ENOTRECOVERABLE);
	default: return "?";
	}
#undef E
}

/* A short hint for an errno of @op, or NULL. */
static const char *errno_hint(enum op op, int e)
{
	switch (e) {
	case ENOENT:
		if (op == OP_OPEN)
			return "is the blklock module loaded?";
		if (op == OP_ATTACH || op == OP_FORMAT)
			return "no such disk";
		return NULL;
	case ENXIO:
	case ENODEV:
		if (op == OP_OPEN)
			return "is the blklock module loaded?";
		if (op == OP_ATTACH || op == OP_FORMAT)
			return "no such disk, or it is gone";
		if (e == ENODEV)
			return "the disk is gone (removed or unreachable), or no lockspace attached: load blklock with dev= and node_id= or use --device/--node";
		return "no lockspace attached: load blklock with dev= and node_id= or use --device/--node";
	case EBUSY:
		if (op == OP_ACQUIRE)
			return "the lock is held by another node or file";
		if (op == OP_ATTACH)
			return "this host attached the disk as another node id, or the file holds locks";
		if (op == OP_FORMAT)
			return "a node is heartbeating in the lockspace on it (dmesg names it), its lockspace is attached on this host, or the disk is in use";
		if (op == OP_BREAK)
			return "the lock's owner is live, or a file on this node holds it: refusing to break it";
		return NULL;
	case ETIMEDOUT:
		if (op == OP_ACQUIRE)
			return "the lock stayed held by another node or file for the whole timeout";
		return NULL;
	case EINTR:
		return "interrupted by a signal";
	case EOPNOTSUPP:
		return "the disk cannot do COMPARE AND WRITE (not SCSI, or the target refuses it)";
	case EACCES:
		if (op == OP_OPEN)
			return "the control device is for root only";
		return "permission denied, or a SCSI reservation conflict";
	case EPERM:
		if (op == OP_OPEN || op == OP_ATTACH || op == OP_FORMAT ||
		    op == OP_BREAK)
			return "needs CAP_SYS_ADMIN";
		if (op == OP_RELEASE || op == OP_VALIDATE)
			return "this file does not hold that lock";
		return NULL;
	case EINVAL:
		if (op == OP_VALIDATE)
			return "not the generation this file holds the lock at, or a bad argument; see dmesg";
		if (op == OP_ACQUIRE || op == OP_RELEASE || op == OP_STATUS ||
		    op == OP_BREAK)
			return "lock number beyond the lockspace (see info), or a bad argument; see dmesg";
		return "the kernel refused an argument; see dmesg";
	case ENOTTY:
		return "not a blklock control device, or a blklock module with another ABI";
	case EEXIST:
		return "the disk carries another signature; --force overwrites it";
	case EMEDIUMTYPE:
		return "the disk holds no lockspace: format it first";
	case EPROTO:
		return "the lockspace has an older on-disk format: format it again";
	case EPROTONOSUPPORT:
		return "the lockspace was written by a newer blklock";
	case EBADMSG:
		return "an on-disk checksum is wrong; see dmesg";
	case EUCLEAN:
		return "the on-disk lockspace is inconsistent; see dmesg";
	case ESTALE:
		return "the disk changed underneath (another formatter?)";
	case ENOSPC:
		return "the disk is too small for that many locks and node ids";
	case ERANGE:
		if (op == OP_ATTACH)
			return "the node id is above the lockspace's limit (format --max-nodes)";
		return NULL;
	case EADDRINUSE:
		return "the node id is in use by another host";
	case ENOLCK:
		if (op == OP_RELEASE)
			return "the file no longer holds the lock: it was lost (this node could not renew its lease, or another node took it over), or the release timed out and the module frees the record later";
		return "the lock is lost: this node could not renew its lease, or another node took it over";
	case EDEADLK:
		return "this file already holds that lock";
	case ENOMEDIUM:
		return "the disk is not ready";
	case EROFS:
		return "the disk is write-protected";
	case EIO:
	case ETIME:
	case ENOLINK:
	case ECONNABORTED:
	case ECONNRESET:
	case EREMOTEIO:
	case EILSEQ:
		return "a SCSI command failed; see dmesg";
	default:
		return NULL;
	}
}

/* The exit code of a failed @op. */
static int exit_code(enum op op, int e)
{
	if (e == EINTR)
		return EXIT_INTERRUPTED;
	if (e == ENOLCK)
		return EXIT_LOST;
	if (op == OP_ACQUIRE && (e == EBUSY || e == ETIMEDOUT))
		return EXIT_BUSY;
	if (op == OP_BREAK && e == EBUSY)
		return EXIT_BUSY;
	return EXIT_SYSTEM;
}

/*
 * Report a failed system call on one line of stderr:
 *   blklockctl: <what>: <strerror> (<ERRNO>); <hint>
 * and return the exit code it calls for.
 */
static int vfail(enum op op, int err, const char *hint, const char *fmt,
		 va_list ap)
{
	fflush(stdout);
	fputs("blklockctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s (%s)", strerror(err), errno_name(err));
	if (hint)
		fprintf(stderr, "; %s", hint);
	fputc('\n', stderr);
	return exit_code(op, err);
}

static int fail(enum op op, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(enum op op, int err, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(op, err, errno_hint(op, err), fmt, ap);
	va_end(ap);
	return ret;
}

/* fail() with a hint of the caller's instead of errno_hint()'s. */
static int fail_hint(enum op op, int err, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail_hint(enum op op, int err, const char *hint, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(op, err, hint, fmt, ap);
	va_end(ap);
	return ret;
}

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("blklockctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'blklockctl --help'.\n", stderr);
	return EXIT_USAGE;
}

static void say(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* Parse a decimal number in [min, max], digits only; false if it is not one. */
static bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 8-4-4-4-12 hex digits, or 32 hex digits in a row. */
static bool parse_uuid(const char *s, uint8_t *uuid)
{
	size_t len = strlen(s);
	unsigned int i;

	if (len == 36) {
		if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
			return false;
	} else if (len != 32) {
		return false;
	}
	for (i = 0; i < 16; i++) {
		int hi, lo;

		while (*s == '-' && len == 36)
			s++;
		hi = hexval(s[0]);
		lo = hi < 0 ? -1 : hexval(s[1]);
		if (lo < 0)
			return false;
		uuid[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return !*s;
}

static void print_uuid(const uint8_t *u)
{
	int i;

	for (i = 0; i < 16; i++)
		printf("%02x%s", u[i], (i == 3 || i == 5 || i == 7 || i == 9) ? "-" : "");
}

/* ---- signals and waiting ------------------------------------------------ */

static void on_signal(int sig)
{
	got_signal = sig;
}

static void on_child(int sig)
{
	(void)sig;	/* only to interrupt ppoll() */
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: a waiting acquire returns EINTR */
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
}

/* Block SIGINT, SIGTERM and SIGCHLD; the old mask goes to @old. */
static void block_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, old);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * ppoll() for at most @ms milliseconds (-1: no limit), with the signals
 * of @mask delivered only while it waits.  Called with them blocked.
 */
static int wait_for(struct pollfd *fds, nfds_t n, int64_t ms, const sigset_t *mask)
{
	struct timespec ts;

	if (ms < 0)
		return ppoll(fds, n, NULL, mask);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	return ppoll(fds, n, &ts, mask);
}

/* The kernel reports a lost lock as POLLPRI | POLLERR on the file. */
static bool revents_lost(const struct pollfd *p)
{
	return p->fd >= 0 && (p->revents & (POLLPRI | POLLERR | POLLNVAL));
}

/* ---- the control device and the held locks ------------------------------ */

static int open_control(void)
{
	if (ctl >= 0)
		return 0;
	ctl = open(control, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return fail(OP_OPEN, errno, "cannot open %s", control);
	return 0;
}

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
	size_t i;

	for (i = 0; i < nr_held; i++)
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

static int do_release(uint32_t lock);

static int do_acquire(uint32_t lock, bool nowait, uint32_t timeout_ms,
		      uint64_t *generation)
{
	struct blklock_acquire a;

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
	if (ioctl(ctl, BLKLOCK_IOC_ACQUIRE, &a))
		return fail(OP_ACQUIRE, errno, "acquire lock %" PRIu32, lock);
	say("acquired lock %" PRIu32 " generation %" PRIu64 "\n", lock,
	    (uint64_t)a.generation);
	if (!remember(lock, a.generation)) {
		fail(OP_OTHER, ENOMEM, "cannot keep track of lock %" PRIu32, lock);
		do_release(lock);
		return EXIT_SYSTEM;
	}
	if (generation)
		*generation = a.generation;
	return 0;
}

/* The file does not hold @lock afterwards, whatever the ioctl returned. */
static int do_release(uint32_t lock)
{
	struct blklock_release r;
	int err;

	memset(&r, 0, sizeof(r));
	r.lock = lock;
	if (!ioctl(ctl, BLKLOCK_IOC_RELEASE, &r)) {
		forget(lock);
		say("released lock %" PRIu32 "\n", lock);
		return 0;
	}
	err = errno;
	/*
	 * EPERM: the file did not hold it.  ENOLCK: the file no longer
	 * holds it: it was lost, or the release's command timed out and
	 * the kernel's reaper frees the record.  Otherwise the kernel may still count it as
	 * held and will release it on close; do not try again.
	 */
	forget(lock);
	return fail(OP_RELEASE, err, "release lock %" PRIu32, lock);
}

static int do_status(uint32_t lock)
{
	struct blklock_status s;

	memset(&s, 0, sizeof(s));
	s.lock = lock;
	if (ioctl(ctl, BLKLOCK_IOC_STATUS, &s))
		return fail(OP_STATUS, errno, "status of lock %" PRIu32, lock);
	say("lock %" PRIu32 ": owner %" PRIu32 " generation %" PRIu64
	    " held-by-this-file %s held-by-this-node %s%s\n", lock, s.owner,
	    (uint64_t)s.generation,
	    s.state & BLKLOCK_STATE_HELD_BY_FILE ? "yes" : "no",
	    s.state & BLKLOCK_STATE_HELD_BY_NODE ? "yes" : "no",
	    s.state & BLKLOCK_STATE_LOST ? " lost" : "");
	return 0;
}

static int do_validate(uint32_t lock)
{
	struct blklock_validate v;
	struct held_lock *h = find_held(lock);

	memset(&v, 0, sizeof(v));
	v.lock = lock;
	if (h)
		v.generation = h->generation;
	if (ioctl(ctl, BLKLOCK_IOC_VALIDATE, &v))
		return fail(OP_VALIDATE, errno, "validate lock %" PRIu32, lock);
	say("valid lock %" PRIu32 " generation %" PRIu64 "\n", lock,
	    (uint64_t)v.generation);
	return 0;
}

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
	if (!owner || ioctl(ctl, BLKLOCK_IOC_NODES, &req) || req.count != 1 ||
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

/*
 * break LOCK: BLKLOCK_IOC_BREAK.  The kernel refuses (EBUSY) a record of
 * a live owner or one a file of this node holds; a STATUS read then says
 * which, for the message.
 */
static int do_break(uint32_t lock)
{
	struct blklock_break b;
	struct blklock_status s;
	const char *st;
	char hint[160];

	memset(&b, 0, sizeof(b));
	b.lock = lock;
	if (ioctl(ctl, BLKLOCK_IOC_BREAK, &b)) {
		int err = errno;

		if (err != EBUSY)
			return fail(OP_BREAK, err, "break lock %" PRIu32, lock);
		memset(&s, 0, sizeof(s));
		s.lock = lock;
		if (ioctl(ctl, BLKLOCK_IOC_STATUS, &s) || !s.owner)
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
		return fail_hint(OP_BREAK, err, hint, "break lock %" PRIu32, lock);
	}
	switch (b.result) {
	case BLKLOCK_BREAK_WAS_FREE:
		say("lock %" PRIu32 " was free at generation %" PRIu64 "; nothing written\n",
		    lock, (uint64_t)b.generation);
		break;
	case BLKLOCK_BREAK_FREED:
		st = quiet ? NULL : broken_owner_state(b.owner);
		say("lock %" PRIu32 ": node %" PRIu32 "%s%s%s held generation %" PRIu64
		    "; freed at generation %" PRIu64 "\n", lock, b.owner,
		    st ? " (" : "", st ? st : "", st ? ")" : "",
		    (uint64_t)b.old_generation, (uint64_t)b.generation);
		break;
	case BLKLOCK_BREAK_REPAIRED:
		say("lock %" PRIu32 ": damaged record rewritten as free at generation %" PRIu64 "\n",
		    lock, (uint64_t)b.generation);
		break;
	default:
		say("lock %" PRIu32 ": break result %" PRIu32 " (unknown to this blklockctl), owner %" PRIu32
		    " generation %" PRIu64 " now %" PRIu64 "\n", lock, b.result,
		    b.owner, (uint64_t)b.old_generation, (uint64_t)b.generation);
	}
	return 0;
}

static int do_info(void)
{
	struct blklock_info i;

	memset(&i, 0, sizeof(i));
	if (ioctl(ctl, BLKLOCK_IOC_INFO, &i))
		return fail(OP_INFO, errno, "info");
	if (quiet)
		return 0;
	i.disk[sizeof(i.disk) - 1] = '\0';
	printf("node %" PRIu32 "\ndisk %s\nformat %" PRIu32 "\nblock-size %" PRIu32
	       "\nlocks %" PRIu32 "\nlock-lba %" PRIu64 "\nuuid ", i.node_id,
	       i.disk, i.format_version, i.block_size, i.nr_locks,
	       (uint64_t)i.lock_lba);
	print_uuid(i.uuid);
	printf("\n");
	fflush(stdout);
	return 0;
}

static int do_space_status(void)
{
	const char *what;
	int err = lockspace_status(ctl, &what);

	return err ? fail(OP_STATUS, err, "%s", what) : 0;
}

/* A word that starts the next command: "status" before it has no LOCK. */
static bool is_command(const char *s)
{
	static const char *const words[] = {
		"acquire", "release", "status", "validate", "break", "info",
		"sleep", "run", "format", "dump",
	};

	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (!strcmp(s, words[k]))
			return true;
	return false;
}

static int do_attach(const char *disk, uint32_t node)
{
	struct blklock_attach a;

	memset(&a, 0, sizeof(a));
	a.path = (uintptr_t)disk;
	a.node_id = node;
	if (ioctl(ctl, BLKLOCK_IOC_ATTACH, &a))
		return fail(OP_ATTACH, errno, "attach %s as node %" PRIu32, disk, node);
	return 0;
}

static int do_sleep(uint32_t ms)
{
	int64_t deadline = now_ms() + ms, left;
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

/*
 * Release what is still held, newest first, reporting every error.
 * Returns the exit code of the first error, or 0.
 */
static int release_all(void)
{
	int ret = 0;

	while (nr_held) {
		int r = do_release(held[nr_held - 1].lock);

		if (r && !ret)
			ret = r;
	}
	return ret;
}

/* ---- commands ------------------------------------------------------------ */

/* Parse "--nowait" / "--timeout MS" at argv[*i], after a LOCK argument. */
static int parse_wait(char **argv, int *i, int argc, bool *nowait,
		      uint32_t *timeout)
{
	*nowait = false;
	*timeout = 0;
	while (*i < argc) {
		if (!strcmp(argv[*i], "--nowait")) {
			*nowait = true;
		} else if (!strcmp(argv[*i], "--timeout")) {
			if (*i + 1 >= argc ||
			    !parse_u32(argv[*i + 1], 1, BLKLOCK_MAX_TIMEOUT_MS, timeout))
				return usage_error("--timeout needs a number of ms from 1 to %u",
						   BLKLOCK_MAX_TIMEOUT_MS);
			(*i)++;
		} else {
			break;
		}
		(*i)++;
	}
	if (*nowait && *timeout)
		return usage_error("--nowait and --timeout exclude each other");
	return 0;
}

static int parse_lock(const char *cmd, const char *arg, uint32_t *lock)
{
	if (!parse_u32(arg, 0, BLKLOCK_MAX_LOCKS - 1, lock))
		return usage_error("%s needs a lock number from 0 to %u, not '%s'",
				   cmd, BLKLOCK_MAX_LOCKS - 1, arg ? arg : "");
	return 0;
}

static int cmd_format(int argc, char **argv)
{
	struct blklock_format f;
	struct bl_header old;
	bool is_space;
	uint32_t locks = 1024;
	const char *disk = NULL;
	int i;

	memset(&f, 0, sizeof(f));
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--force")) {
			f.flags |= BLKLOCK_FORMAT_FORCE;
		} else if (!strcmp(argv[i], "--locks")) {
			if (i + 1 >= argc || !parse_u32(argv[++i], 1, BLKLOCK_MAX_LOCKS, &locks))
				return usage_error("--locks needs a number from 1 to %u",
						   BLKLOCK_MAX_LOCKS);
		} else if (!strcmp(argv[i], "--uuid")) {
			if (i + 1 >= argc || !parse_uuid(argv[++i], f.uuid))
				return usage_error("--uuid needs a uuid: 32 hex digits, dashes as in 8-4-4-4-12 optional");
		} else if (!strcmp(argv[i], "--max-nodes")) {
			if (i + 1 >= argc ||
			    !parse_u32(argv[++i], 1, BLKLOCK_MAX_NODE_ID, &f.max_node_id))
				return usage_error("--max-nodes needs a number from 1 to %u",
						   BLKLOCK_MAX_NODE_ID);
		} else if (!strcmp(argv[i], "--heartbeat")) {
			if (i + 1 >= argc ||
			    !parse_u32(argv[++i], 100, 60000, &f.hb_interval_ms))
				return usage_error("--heartbeat needs a number of ms from 100 to 60000");
		} else if (!strcmp(argv[i], "--lease")) {
			if (i + 1 >= argc ||
			    !parse_u32(argv[++i], 400, 600000, &f.lease_timeout_ms))
				return usage_error("--lease needs a number of ms from 400 to 600000");
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return usage_error("format: unknown option '%s'", argv[i]);
		} else if (!disk) {
			disk = argv[i];
		} else {
			return usage_error("format takes one DISK");
		}
	}
	if (!disk || !*disk)
		return usage_error("format needs a DISK");
	if (f.hb_interval_ms && f.lease_timeout_ms &&
	    f.lease_timeout_ms < 4 * f.hb_interval_ms)
		return usage_error("--lease must be at least 4 times --heartbeat");
	f.path = (uintptr_t)disk;
	f.nr_locks = locks;
	if (open_control())
		return EXIT_SYSTEM;
	/*
	 * Over a lockspace, a forced format first watches its heartbeat
	 * slots for about a lease (the kernel decides; this is only what
	 * our own read of the header lets us announce).
	 */
	is_space = bl_probe(disk, &old);
	if (is_space && (f.flags & BLKLOCK_FORMAT_FORCE))
		say("%s holds a blklock lockspace (%" PRIu32 " node slots, lease %" PRIu32
		    " ms): checking for live nodes (up to %" PRIu32 " ms)...\n", disk,
		    old.max_node_id, old.lease_timeout_ms,
		    old.lease_timeout_ms + old.hb_interval_ms);
	if (ioctl(ctl, BLKLOCK_IOC_FORMAT, &f)) {
		int err = errno;

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
	say("formatted %s: %" PRIu32 " locks\n", disk, locks);
	return 0;
}

/* Parse the arguments of run (after the word run) without running anything. */
static int parse_run(int argc, char **argv, uint32_t *lock, bool *nowait,
		     uint32_t *timeout, int *cmd)
{
	int i = 1, ret;

	if (argc < 1)
		return usage_error("run needs LOCK [--nowait | --timeout MS] -- CMD [ARG]...");
	ret = parse_lock("run", argv[0], lock);
	if (!ret)
		ret = parse_wait(argv, &i, argc, nowait, timeout);
	if (!ret && (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc))
		ret = usage_error("run needs LOCK [--nowait | --timeout MS] -- CMD [ARG]...");
	*cmd = i + 1;
	return ret;
}

static _Noreturn void exec_child(char **cmd, uint32_t lock, uint64_t gen, const sigset_t *mask)
{
	char buf[32];
	int err;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	snprintf(buf, sizeof(buf), "%" PRIu64, gen);
	setenv("BLKLOCK_GENERATION", buf, 1);
	snprintf(buf, sizeof(buf), "%" PRIu32, lock);
	setenv("BLKLOCK_LOCK", buf, 1);
	execvp(cmd[0], cmd);
	err = errno;
	fprintf(stderr, "blklockctl: cannot run %s: %s (%s)\n", cmd[0],
		strerror(err), errno_name(err));
	_exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
}

/*
 * run LOCK [--nowait | --timeout MS] -- CMD [ARG]...: take the lock, run
 * CMD, release the lock, and return CMD's status.  SIGINT and SIGTERM
 * are passed on to CMD; a lost lock stops CMD with SIGTERM and returns
 * EXIT_LOST.
 */
static int cmd_run(int argc, char **argv)
{
	struct pollfd p = { .fd = ctl, .events = POLLPRI };
	uint32_t lock, timeout;
	uint64_t gen;
	bool nowait, lost = false;
	sigset_t old;
	int cmd, ret, r, status = 0;
	pid_t pid;

	ret = parse_run(argc, argv, &lock, &nowait, &timeout, &cmd);
	if (ret)
		return ret;
	ret = do_acquire(lock, nowait, timeout, &gen);
	if (ret)
		return ret;
	fflush(NULL);
	block_signals(&old);
	pid = fork();
	if (pid < 0) {
		ret = fail(OP_OTHER, errno, "fork");
		sigprocmask(SIG_SETMASK, &old, NULL);
		return ret;
	}
	if (!pid)
		exec_child(argv + cmd, lock, gen, &old);

	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			ret = fail(OP_OTHER, errno, "waitpid");
			sigprocmask(SIG_SETMASK, &old, NULL);
			return ret;
		}
		if (got_signal) {
			kill(pid, got_signal);
			got_signal = 0;
		}
		p.revents = 0;
		r = wait_for(&p, 1, -1, &old);
		if (r < 0 && errno != EINTR) {
			/* Cannot watch the lock any more: just wait for CMD. */
			fail(OP_OTHER, errno, "poll");
			p.fd = -1;
			sigprocmask(SIG_SETMASK, &old, NULL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			block_signals(NULL);
			break;
		}
		if (r > 0 && revents_lost(&p) && !lost) {
			fprintf(stderr, "blklockctl: a held lock is lost (the kernel reported it through poll): stopping %s with SIGTERM\n",
				argv[cmd]);
			kill(pid, SIGTERM);
			lost = true;
			p.fd = -1;	/* it stays set: stop watching */
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);

	ret = release_all();
	if (lost || ret == EXIT_LOST)
		return EXIT_LOST;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	if (WIFEXITED(status) && WEXITSTATUS(status))
		return WEXITSTATUS(status);
	return ret;	/* CMD succeeded: 0, or the release's error */
}

enum hold_end { HOLD_SIGNAL, HOLD_EOF, HOLD_LOST, HOLD_ERROR };

/* Hold the locks left at the end of the list until a signal or end of input. */
static enum hold_end hold_until_done(bool until_eof)
{
	struct pollfd p[2] = {
		{ .fd = ctl, .events = POLLPRI },
		{ .fd = until_eof ? STDIN_FILENO : -1, .events = POLLIN },
	};
	const char *until = until_eof ? "end of input" : "SIGINT/SIGTERM";
	enum hold_end end = HOLD_SIGNAL;
	sigset_t old;
	char buf[4096];
	int r;

	if (nr_held == 1)
		say("holding lock %" PRIu32 " until %s\n", held[0].lock, until);
	else
		say("holding %zu locks until %s\n", nr_held, until);

	block_signals(&old);
	while (!got_signal) {
		p[0].revents = p[1].revents = 0;
		r = wait_for(p, 2, -1, &old);
		if (r < 0 && errno != EINTR) {
			fail(OP_OTHER, errno, "poll");
			end = HOLD_ERROR;
			break;		/* release the locks and exit */
		}
		if (r <= 0)
			continue;	/* a signal, checked above */
		if (revents_lost(&p[0])) {
			fprintf(stderr, "blklockctl: a held lock is lost (the kernel reported it through poll)\n");
			end = HOLD_LOST;
			break;
		}
		if (p[1].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
				end = HOLD_EOF;
				break;
			}
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return end;
}

/*
 * Run (or with @dry only parse) the command list argv[first..].  Returns
 * an exit code; *@final is set when it is the exit code of run, with the
 * locks already released.
 */
static int run_list(int argc, char **argv, int first, bool dry, bool *final)
{
	int i, ret = 0;

	*final = false;
	for (i = first; i < argc && !ret; ) {
		const char *cmd = argv[i++];
		uint32_t lock, ms, timeout;
		bool nowait;

		if (!dry && got_signal)
			return EXIT_INTERRUPTED;
		if (!strcmp(cmd, "run")) {
			int c;

			if (dry)
				return parse_run(argc - i, argv + i, &lock, &nowait,
						 &timeout, &c);
			*final = true;
			return cmd_run(argc - i, argv + i);
		}
		if (!strcmp(cmd, "info")) {
			if (!dry)
				ret = do_info();
			continue;
		}
		if (!strcmp(cmd, "sleep")) {
			if (i >= argc || !parse_u32(argv[i], 0, BLKLOCK_MAX_TIMEOUT_MS, &ms))
				return usage_error("sleep needs a number of ms from 0 to %u",
						   BLKLOCK_MAX_TIMEOUT_MS);
			i++;
			if (!dry)
				ret = do_sleep(ms);
			continue;
		}
		if (!strcmp(cmd, "status") && (i >= argc || is_command(argv[i]))) {
			if (!dry)
				ret = do_space_status();
			continue;
		}
		if (!strcmp(cmd, "format") || !strcmp(cmd, "dump"))
			return usage_error("%s must be the only command", cmd);
		if (strcmp(cmd, "acquire") && strcmp(cmd, "release") &&
		    strcmp(cmd, "status") && strcmp(cmd, "validate") &&
		    strcmp(cmd, "break")) {
			if (cmd[0] == '-')
				return usage_error("unknown command '%s' (options go before the commands)",
						   cmd);
			return usage_error("unknown command '%s'", cmd);
		}
		if (i >= argc)
			return usage_error("%s needs a LOCK", cmd);
		ret = parse_lock(cmd, argv[i++], &lock);
		if (ret)
			return ret;
		if (!strcmp(cmd, "acquire")) {
			ret = parse_wait(argv, &i, argc, &nowait, &timeout);
			if (!ret && !dry)
				ret = do_acquire(lock, nowait, timeout, NULL);
		} else if (dry) {
			continue;
		} else if (!strcmp(cmd, "release")) {
			ret = do_release(lock);
		} else if (!strcmp(cmd, "validate")) {
			ret = do_validate(lock);
		} else if (!strcmp(cmd, "break")) {
			ret = do_break(lock);
		} else {
			ret = do_status(lock);
		}
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 'c' },
		{ "device", required_argument, NULL, 'D' },
		{ "node", required_argument, NULL, 'n' },
		{ "until-eof", no_argument, NULL, 'e' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *device = NULL;
	bool until_eof = false, final;
	uint32_t node = 0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+c:D:n:eqhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!*optarg)
				return usage_error("--control needs a path");
			control = optarg;
			break;
		case 'D':
			if (!*optarg)
				return usage_error("--device needs a disk");
			device = optarg;
			break;
		case 'n':
			if (!parse_u32(optarg, 1, BLKLOCK_MAX_NODE_ID, &node))
				return usage_error("--node needs a node id from 1 to %u",
						   BLKLOCK_MAX_NODE_ID);
			break;
		case 'e':
			until_eof = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("blklockctl %s (on-disk format %u)\n", VERSION,
			       BLKLOCK_FORMAT_VERSION);
			return 0;
		default:	/* getopt said what is wrong */
			fputs("Try 'blklockctl --help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (!device != !node)
		return usage_error("--device and --node go together");
	if (optind >= argc)
		return usage_error("no command given");
	if (!strcmp(argv[optind], "dump")) {
		if (device)
			return usage_error("dump reads its DISK directly, without --device");
		return cmd_dump(argc - optind - 1, argv + optind + 1);
	}
	if (!strcmp(argv[optind], "format")) {
		if (device)
			return usage_error("format takes its DISK as an argument, not --device");
		return cmd_format(argc - optind - 1, argv + optind + 1);
	}

	/* Check the whole list before touching the device. */
	ret = run_list(argc, argv, optind, true, &final);
	if (ret)
		return ret;
	install_signals();
	ret = open_control();
	if (ret)
		return ret;
	if (device) {
		ret = do_attach(device, node);
		if (ret)
			return ret;
	}
	ret = run_list(argc, argv, optind, false, &final);
	if (!final && !ret && nr_held) {
		/* The list is done: a signal from now on is the normal end. */
		enum hold_end end = hold_until_done(until_eof);

		if (end == HOLD_LOST)
			ret = EXIT_LOST;
		else if (end == HOLD_ERROR)
			ret = EXIT_SYSTEM;
	}
	c = release_all();
	if (!ret)
		ret = c;
	close(ctl);
	free(held);
	return ret;
}
