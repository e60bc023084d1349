// SPDX-License-Identifier: GPL-2.0
/*
 * blklock-ioctl-fuzz: a time-bounded fuzzer of /dev/blklock's ioctls.
 *
 *   blklock-ioctl-fuzz -a DISK_A -b DISK_B [-t SECONDS] [-s SEED]
 *                      [-p PROCESSES] [-T THREADS] [-k MODULE.ko] [-v]
 *
 * DISK_A and DISK_B are two paths to one LUN holding a lockspace of at
 * least 16 + 4 * PROCESSES * THREADS locks (blklockctl format
 * --locks 64 --max-nodes 8 is what the VM test writes).  The module must
 * be loaded; with -k it is also unloaded and loaded again while the
 * fuzzer runs (finit_module, with or without dev= and node_id=).
 *
 * PROCESSES worker processes of THREADS threads each call every ioctl of
 * include/uapi/linux/blklock.h, unknown and mis-sized command numbers,
 * with boundary and random values, reserved fields and flags with
 * unknown bits, and user pointers that are NULL, below mmap_min_addr,
 * PROT_NONE, kernel addresses, read-only (PROT_READ), misaligned, or a
 * structure that ends exactly at the end of a page followed by a
 * PROT_NONE page or runs into it.  Each thread has files of its own, and
 * the threads of a process share one more file.  Files attach and
 * detach lockspaces on both paths under several node ids, take and drop
 * real locks, look up, create and delete lock names (NAME: good names,
 * and name pointers that are NULL, faulting, unterminated, too long or
 * point at a refused name; STATUS with name buffers good and bad), and
 * now and then a thread has a scenario run (in a process
 * forked by a helper that holds no file of the device):
 *   close-mid-acquire  a thread blocks in ACQUIRE while another closes
 *                      the file; the lock is released once it returns
 *   kill-mid-acquire   a process blocked in ACQUIRE is stopped,
 *                      continued and killed, or killed while holding
 *   eintr              a blocked ACQUIRE is interrupted by a signal
 *   unprivileged       ATTACH, FORMAT and BREAK without CAP_SYS_ADMIN
 * One more process (with -k) tries to unload the module while it holds
 * the device open (must fail, EAGAIN), at random (may succeed: it then
 * loads it again), and every third of the run asks every thread to close
 * its files: then the unload must succeed, FORMAT without FORCE of the
 * idle lockspace must refuse (EEXIST, ENOSPC), ATTACH as an unused node
 * id must succeed, and two processes open,
 * attach (which must succeed) and close while it unloads and loads the
 * module as often as it can.
 *
 * Every call's outcome is checked against what drivers/blklock/dev.c
 * promises where it is known: a structure the kernel must read at a bad
 * address gives EFAULT, never success; a read-only structure the kernel
 * must write back never gives success; unknown commands give ENOTTY,
 * mis-sized ones EINVAL; non-zero reserved fields, unknown flags and
 * out-of-range values EINVAL; a file without a lockspace ENXIO; a lock
 * the file does not hold EPERM on RELEASE and VALIDATE; and so on.  The
 * locks each file holds are tracked, and STATUS, VALIDATE, ACQUIRE,
 * RELEASE and BREAK must agree with them; the index a name gets is
 * remembered, and NAME and STATUS (the record's name) must agree with it
 * for the rest of the run.  At the end every file is
 * closed, then a new file checks that every lock record is free, that
 * BREAK finds each one free, that every heartbeat slot the fuzzer used
 * was left cleanly, and that a lock can still be taken and validated.
 *
 * The seed is printed at the start: -s SEED replays the calls of every
 * thread (not their interleaving).  The summary at the end counts calls
 * per ioctl, errnos per ioctl, scenarios, module unloads and checks.
 * Exit status: 0 if no check failed, 1 if one did, 2 for a usage error,
 * 77 (32-bit only) if the kernel lacks the 32-bit futex system call.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/blklock.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define DEV		"/dev/" BLKLOCK_MISC_NAME
#define MAX_PROCS	16
#define MAX_THREADS	4
#define POOL		3	/* private files per thread */
#define MAX_HELD	8	/* locks tracked per file */
#define PRIV		2	/* private locks per thread */
#define SCEN		2	/* scenario locks per thread, after those */
#define PER_THREAD	(PRIV + SCEN)
#define PRIV_BASE	8	/* first private lock */
#define NERR		160	/* errno histogram size; the last is "other" */
#define MAX_REPORTS	60	/* failed checks printed in full */
#define PAGE		4096UL
/* A blocking ACQUIRE of a lock others may hold waits at most this long. */
#define SHORT_WAIT_MS	1500

/* The ioctls first, up to OP_BADCMD (summary() counts them). */
enum op {
	OP_ATTACH, OP_FORMAT, OP_INFO, OP_ACQUIRE, OP_RELEASE, OP_STATUS,
	OP_VALIDATE, OP_NODES, OP_BREAK, OP_NAME, OP_REQUEST, OP_BADCMD,
	OP_OPEN, OP_CLOSE,
	OP_UNLOAD, OP_LOAD, NR_OPS
};

static const char *const op_name[NR_OPS] = {
	"ATTACH", "FORMAT", "INFO", "ACQUIRE", "RELEASE", "STATUS",
	"VALIDATE", "NODES", "BREAK", "NAME", "REQUEST", "bad-cmd", "open",
	"close",
	"unload", "load",
};

/* The lock names NAME creates, looks up and deletes (all valid). */
static const char *const fuzz_names[] = {
	"fuzz-0", "fuzz-1", "fuzz-2", "fuzz-3", "vg0/lv1", "host:5432",
	"~!@#$%^&*()_+", "x", "0", "-dash", "quote\"and\\back", "[]{}<>|",
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-",
};

#define NR_FUZZ_NAMES	(sizeof(fuzz_names) / sizeof(fuzz_names[0]))

enum scen {
	SC_CLOSE, SC_KILL, SC_EINTR, SC_UNPRIV, SC_SKIPPED, NR_SCEN
};

static const char *const scen_name[NR_SCEN] = {
	"close-mid-acquire", "kill-mid-acquire", "eintr", "unprivileged",
	"skipped",
};

/* Everything the processes count, in one MAP_SHARED mapping. */
struct shared {
	uint64_t calls[NR_OPS];
	uint64_t err[NR_OPS][NERR];
	uint64_t checks, failed, reports;
	uint64_t scen[NR_SCEN];
	uint64_t lost;		/* ENOLCK or STATE_LOST seen by a holder */
	uint64_t freed;		/* BREAK results FREED or REPAIRED */
	uint64_t acquired;	/* successful acquisitions */
	uint64_t unload_refused, unloaded, quiesced, raced, loads;
	int racing;		/* 1: a process races open() with unloads */
	int quiesce;		/* 1: every thread closes its files */
	int parked[MAX_PROCS];	/* worker w has closed all its files */
	int loaded_with_dev;	/* the module holds a lockspace of its own */
	uint32_t nr_locks, max_node;
	uint32_t format;	/* the lockspace's format version */
	/* The index each fuzz_names[] entry was given, plus 1; 0: not seen. */
	uint32_t name_index[NR_FUZZ_NAMES];
};

static struct shared *sh;

/* Options. */
static unsigned int o_secs = 30, o_procs = 4, o_threads = 2;
static uint64_t o_seed;
static const char *o_disk[2];
static const char *o_module;
static int o_verbose;
static struct timespec t_end;

/* ---- small helpers -------------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rnd64(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnd64(r) % n) : 0;
}

static bool chance(struct rng *r, unsigned int percent)
{
	return rnd_below(r, 100) < percent;
}

static uint32_t pick(struct rng *r, const uint32_t *v, size_t n)
{
	return v[rnd_below(r, (uint32_t)n)];
}

#define PICK(r, ...) \
	pick(r, (const uint32_t[]){ __VA_ARGS__ }, \
	     sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t))

static void add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static void ms_sleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static bool time_up(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t_end.tv_sec ||
	       (now.tv_sec == t_end.tv_sec && now.tv_nsec >= t_end.tv_nsec);
}

static long secs_left(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(t_end.tv_sec - now.tv_sec);
}

static const struct {
	int e;
	const char *name;
} errnames[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
	{ EIO, "EIO" }, { ENXIO, "ENXIO" }, { EBADF, "EBADF" },
	{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
	{ EFAULT, "EFAULT" }, { ENOTBLK, "ENOTBLK" }, { EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { ENOTDIR, "ENOTDIR" },
	{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { EROFS, "EROFS" },
	{ ERANGE, "ERANGE" }, { EDEADLK, "EDEADLK" },
	{ ENAMETOOLONG, "ENAMETOOLONG" }, { ENOLCK, "ENOLCK" },
	{ ENOTTY, "ENOTTY" }, { ETIME, "ETIME" }, { EPROTO, "EPROTO" },
	{ EBADMSG, "EBADMSG" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ EADDRINUSE, "EADDRINUSE" }, { ETIMEDOUT, "ETIMEDOUT" },
	{ ESTALE, "ESTALE" }, { EUCLEAN, "EUCLEAN" },
	{ EMEDIUMTYPE, "EMEDIUMTYPE" },
	{ EPROTONOSUPPORT, "EPROTONOSUPPORT" }, { ENOLINK, "ENOLINK" },
	{ ECONNRESET, "ECONNRESET" }, { ECONNABORTED, "ECONNABORTED" },
	{ EREMOTEIO, "EREMOTEIO" }, { EILSEQ, "EILSEQ" },
	{ ENOMEDIUM, "ENOMEDIUM" }, { ENOEXEC, "ENOEXEC" },
	{ ESRCH, "ESRCH" }, { EMFILE, "EMFILE" },
};

static const char *ename(int e, char *buf, size_t len)
{
	size_t i;

	if (!e)
		return "ok";
	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].e == e)
			return errnames[i].name;
	snprintf(buf, len, "errno%d", e);
	return buf;
}

/* ---- expected outcomes ------------------------------------------------ */

/* A set of allowed outcomes: bit e for errno e, bit 0 for success. */
struct want {
	uint64_t m[3];
};

static void w_add(struct want *w, int e)
{
	if (e >= 0 && e < 192)
		w->m[e / 64] |= 1ULL << (e % 64);
}

static struct want w_only(int e)
{
	struct want w = { { 0 } };

	w_add(&w, e);
	return w;
}

static bool w_has(const struct want *w, int e)
{
	return e >= 0 && e < 192 && (w->m[e / 64] >> (e % 64)) & 1;
}

static void w_list(const struct want *w, char *buf, size_t len)
{
	char tmp[16];
	size_t off = 0;
	int e;

	buf[0] = 0;
	for (e = 0; e < 192 && off + 1 < len; e++)
		if (w_has(w, e))
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						off ? "|" : "",
						ename(e, tmp, sizeof(tmp)));
}

/* ---- per-thread state --------------------------------------------------- */

struct held {
	uint32_t lock;
	uint64_t gen;
	bool lost;
};

/* The last calls on a file, for the report of a failed check. */
#define HIST 8
struct hist {
	uint8_t op, e;
	uint32_t lock;
};

/* One open /dev/blklock as this thread knows it. */
struct file {
	struct hist hist[HIST];
	unsigned int nhist;
	int fd;			/* -1: closed */
	int ls;			/* 1 bound to a lockspace, 0 not, -1 unknown */
	char disk[32];		/* the lockspace's disk, when ls == 1 */
	uint32_t node;		/* its node id */
	int nheld;
	struct held held[MAX_HELD];
};

/* What the threads of one worker process share. */
struct worker {
	pthread_mutex_t mu;
	int sfd;		/* the shared file, -1 while parked */
	int sfd_ls;		/* 1 once it is known to be bound */
	unsigned int sfd_gen;	/* times the shared file was closed */
	struct {		/* the last acquisitions, for reports */
		int t, fd;
		uint32_t lock;
		bool shared;
	} alog[64];
	unsigned int nalog;
	int parked;		/* threads parked (quiesce) or done */
	int id;
};

/* Where structures and strings are put for the kernel to find. */
struct arena {
	unsigned char *rw;	/* two read-write pages */
	unsigned char *ro;	/* one page, PROT_READ between uses */
	unsigned char *none;	/* one PROT_NONE page */
	unsigned char *edge[2];	/* a read-write page, then a PROT_NONE one */
	char *longpath;		/* PATH_MAX + 64 characters */
	struct blklock_node *nodes; /* BLKLOCK_MAX_NODE_ID + 1 entries */
};

struct ctx {
	struct worker *w;
	int t;			/* thread index */
	int slot;		/* w->id * threads + t */
	struct rng r;
	struct file f[POOL];
	struct held sheld[MAX_HELD]; /* locks this thread holds on w->sfd */
	int nsheld;
	unsigned int sgen;	/* the w->sfd_gen sheld is about */
	struct hist shist[HIST];  /* this thread's last calls on w->sfd */
	unsigned int nshist;
	struct arena a;
	int spawn_req, spawn_resp; /* pipes to the scenario process */
	char tag[24];
};

static void report(const struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(const struct ctx *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	add(&sh->failed, 1);
	if (__atomic_fetch_add(&sh->reports, 1, __ATOMIC_RELAXED) >= MAX_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("FAIL %s: %s\n", c ? c->tag : "main", buf);
	fflush(stdout);
}

/* One check: count it, and report it when it fails. */
static bool check(const struct ctx *c, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool check(const struct ctx *c, bool ok, const char *fmt, ...)
{
	char buf[1000];
	va_list ap;

	add(&sh->checks, 1);
	if (ok)
		return true;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	report(c, "%s", buf);
	return false;
}

static void count(enum op op, int e)
{
	add(&sh->calls[op], 1);
	add(&sh->err[op][e >= 0 && e < NERR - 1 ? e : NERR - 1], 1);
}

/* Check an outcome against the allowed set; describe the call if not. */
static bool expect(const struct ctx *c, enum op op, int e,
		   const struct want *w, const char *what)
{
	char got[16], list[256];

	add(&sh->checks, 1);
	if (w_has(w, e))
		return true;
	w_list(w, list, sizeof(list));
	report(c, "%s %s: got %s, want %s", op_name[op], what,
	       ename(e, got, sizeof(got)), list);
	return false;
}

static const char *story(struct ctx *c, struct file *f, int fd, char *buf,
			 size_t len);
static void note(struct ctx *c, struct file *f, enum op op, uint32_t lock,
		 int e);
static const char *who_took(struct ctx *c, uint32_t lock, char *buf, size_t len);

/* expect() for a call on a file: a failure tells the file's story. */
static bool expect_on(struct ctx *c, struct file *f, int fd, enum op op,
		      uint32_t lock, int e, const struct want *w,
		      const char *what)
{
	char buf[400], wbuf[200], full[840];
	bool ok = true;

	if (!w_has(w, e)) {
		snprintf(full, sizeof(full), "%s [%s] taken by:%s", what,
			 story(c, f, fd, buf, sizeof(buf)),
			 who_took(c, lock, wbuf, sizeof(wbuf)));
		ok = expect(c, op, e, w, full);
	} else {
		add(&sh->checks, 1);
	}
	note(c, f, op, lock, e);
	return ok;
}

static int xioctl(enum op op, int fd, unsigned long cmd, unsigned long arg)
{
	int e = ioctl(fd, cmd, arg) ? errno : 0;

	count(op, e);
	return e;
}

/* ---- user pointers -------------------------------------------------------- */

enum ptr_kind {
	P_GOOD, P_MISALIGNED, P_EDGE_FIT, P_RO, P_NULL, P_LOW, P_NONE,
	P_KERNEL, P_EDGE_CROSS, NR_PTR
};

static const char *const ptr_name[NR_PTR] = {
	"good", "misaligned", "page-end", "read-only", "NULL", "low",
	"PROT_NONE", "kernel", "mid-struct-fault",
};

/* Pointers the kernel can read and write, read only, or not at all. */
static bool ptr_readable(enum ptr_kind k)
{
	return k <= P_RO;
}

static bool ptr_writable(enum ptr_kind k)
{
	return k <= P_EDGE_FIT;
}

static enum ptr_kind pick_ptr(struct rng *r)
{
	/* Mostly good pointers: the calls must get past the copy. */
	if (chance(r, 70))
		return chance(r, 80) ? P_GOOD : (enum ptr_kind)rnd_below(r, 3);
	return (enum ptr_kind)rnd_below(r, NR_PTR);
}

static int arena_init(struct arena *a)
{
	unsigned char *m = mmap(NULL, 9 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return -1;
	a->rw = m;
	a->ro = m + 2 * PAGE;
	a->none = m + 3 * PAGE;
	a->edge[0] = m + 4 * PAGE;
	a->edge[1] = m + 6 * PAGE;
	if (mprotect(a->none, PAGE, PROT_NONE) ||
	    mprotect(a->edge[0] + PAGE, PAGE, PROT_NONE) ||
	    mprotect(a->edge[1] + PAGE, PAGE, PROT_NONE) ||
	    mprotect(a->ro, PAGE, PROT_READ))
		return -1;
	a->longpath = malloc(PATH_MAX + 64);
	a->nodes = calloc(BLKLOCK_MAX_NODE_ID + 1, sizeof(*a->nodes));
	if (!a->longpath || !a->nodes)
		return -1;
	memset(a->longpath, 'a', PATH_MAX + 63);
	a->longpath[0] = '/';
	a->longpath[PATH_MAX + 63] = 0;
	return 0;
}

static unsigned long kernel_address(struct rng *r)
{
	if (sizeof(long) == 4)
		return (unsigned long)PICK(r, 0xffffe000U, 0xfffff000U,
					   0xffffffffU, 0xfffffff0U);
	return (unsigned long)(uint64_t[]){
		0xffff888000000000ULL, 0xffffffff81000000ULL,
		0xffffffffffffffffULL, 0xffffc90000000000ULL,
		0x8000000000000000ULL, 0x0000800000000000ULL,
	}[rnd_below(r, 6)];
}

/*
 * Put a structure of @len bytes where a pointer of kind @k points; the
 * bytes that are accessible hold @src.  Returns the address.
 */
static unsigned long place(struct ctx *c, enum ptr_kind k, const void *src,
			   size_t len)
{
	struct arena *a = &c->a;
	unsigned char *p;
	size_t cut;

	switch (k) {
	case P_GOOD:
		memcpy(a->rw + 64, src, len);
		return (unsigned long)(a->rw + 64);
	case P_MISALIGNED:
		p = a->rw + 65 + rnd_below(&c->r, 7);
		memcpy(p, src, len);
		return (unsigned long)p;
	case P_EDGE_FIT:
		p = a->edge[0] + PAGE - len;
		memcpy(p, src, len);
		return (unsigned long)p;
	case P_RO:
		p = a->ro + 64 + rnd_below(&c->r, 8);
		mprotect(a->ro, PAGE, PROT_READ | PROT_WRITE);
		memcpy(p, src, len);
		mprotect(a->ro, PAGE, PROT_READ);
		return (unsigned long)p;
	case P_NULL:
		return 0;
	case P_LOW:
		return 1 + rnd_below(&c->r, 0xfff0);
	case P_NONE:
		return (unsigned long)(a->none + rnd_below(&c->r, PAGE - len));
	case P_KERNEL:
		return kernel_address(&c->r);
	case P_EDGE_CROSS:
	default:
		/* The first len - cut bytes are mapped, the rest are not. */
		cut = 1 + rnd_below(&c->r, (uint32_t)len - 1);
		p = a->edge[0] + PAGE - len + cut;
		memcpy(p, src, len - cut);
		return (unsigned long)p;
	}
}

/* Read back what the kernel wrote, where it could write. */
static void fetch(enum ptr_kind k, unsigned long addr, void *dst, size_t len)
{
	if (ptr_writable(k))
		memcpy(dst, (const void *)addr, len);
}

enum path_kind {
	S_DISK_A, S_DISK_B, S_DISK_A_ALIAS, S_NULLDEV, S_CTLDEV, S_MISSING,
	S_EMPTY, S_NOTDIR, S_LOOP, S_ROOT, S_LONG, S_FAULT_NULL,
	S_FAULT_KERNEL, S_FAULT_EDGE, S_EDGE_FIT, S_FAULT_NONE, NR_PATH
};

/* A path string for the kernel: its address, and the path it means. */
struct path {
	enum path_kind kind;
	unsigned long addr;
	char text[128];
	int disk;		/* 0, 1 for the lockspace's paths, else -1 */
	bool fault;		/* the kernel cannot read it */
	bool too_long;		/* PATH_MAX or longer: EINVAL */
};

static void make_path(struct ctx *c, enum path_kind k, struct path *p)
{
	struct arena *a = &c->a;
	size_t n;
	char *dst;

	memset(p, 0, sizeof(*p));
	p->kind = k;
	p->disk = -1;
	switch (k) {
	case S_DISK_A:
	case S_EDGE_FIT:
		snprintf(p->text, sizeof(p->text), "%s", o_disk[0]);
		p->disk = 0;
		break;
	case S_DISK_B:
		snprintf(p->text, sizeof(p->text), "%s", o_disk[1]);
		p->disk = 1;
		break;
	case S_DISK_A_ALIAS:
		snprintf(p->text, sizeof(p->text), "/dev/../dev/%s",
			 strrchr(o_disk[0], '/') + 1);
		p->disk = 0;
		break;
	case S_NULLDEV:
		strcpy(p->text, "/dev/null");
		break;
	case S_CTLDEV:
		strcpy(p->text, DEV);
		break;
	case S_MISSING:
		strcpy(p->text, "/dev/blklock-fuzz-no-such-disk");
		break;
	case S_EMPTY:
		break;
	case S_NOTDIR:
		snprintf(p->text, sizeof(p->text), "%s/x", o_disk[0]);
		break;
	case S_LOOP:
		strcpy(p->text, "/dev/loop0");
		break;
	case S_ROOT:
		strcpy(p->text, "/");
		break;
	case S_LONG:
		p->too_long = true;
		p->addr = (unsigned long)a->longpath;
		return;
	case S_FAULT_NULL:
		p->fault = true;
		return;
	case S_FAULT_KERNEL:
		p->fault = true;
		p->addr = kernel_address(&c->r);
		return;
	case S_FAULT_NONE:
		p->fault = true;
		p->addr = (unsigned long)a->none + 16;
		return;
	case S_FAULT_EDGE:
	default:
		/* The disk's path up to the end of the page, without its NUL. */
		p->fault = true;
		n = strlen(o_disk[0]);
		dst = (char *)a->edge[1] + PAGE - n;
		memcpy(dst, o_disk[0], n);
		p->addr = (unsigned long)dst;
		return;
	}
	n = strlen(p->text) + 1;
	if (k == S_EDGE_FIT)
		dst = (char *)a->edge[1] + PAGE - n;	/* NUL is the last byte */
	else
		dst = (char *)a->rw + PAGE + 256;
	memcpy(dst, p->text, n);
	p->addr = (unsigned long)dst;
}

static enum path_kind pick_path(struct rng *r)
{
	if (chance(r, 60))
		return (enum path_kind)PICK(r, S_DISK_A, S_DISK_A, S_DISK_B,
					    S_DISK_B, S_DISK_A_ALIAS,
					    S_EDGE_FIT);
	return (enum path_kind)rnd_below(r, NR_PATH);
}

/*
 * What a good path that is not one of the lockspace's disks gives when
 * the kernel looks it up: lookup_bdev() or the open refuses it.
 */
static void path_errors(const struct path *p, struct want *w)
{
	switch (p->kind) {
	case S_NULLDEV:
	case S_CTLDEV:
	case S_ROOT:
		w_add(w, ENOTBLK);
		break;
	case S_MISSING:
		w_add(w, ENOENT);
		break;
	case S_EMPTY:
		w_add(w, EINVAL);	/* lookup_bdev() refuses "" */
		break;
	case S_NOTDIR:
		w_add(w, ENOTDIR);
		break;
	case S_LOOP:
		/* Not a SCSI disk; or no loop device at all. */
		w_add(w, EOPNOTSUPP);
		w_add(w, ENXIO);
		w_add(w, ENOENT);
		break;
	default:
		break;
	}
}

/* ---- lock indexes ---------------------------------------------------------- */

/* Private locks of a thread: PRIV for its calls, then SCEN for its scenarios. */
static uint32_t priv_lock(const struct ctx *c, unsigned int i)
{
	return PRIV_BASE + (uint32_t)c->slot * PER_THREAD + i;
}

static uint32_t scen_lock(const struct ctx *c, unsigned int i)
{
	return priv_lock(c, PRIV + i);
}

static uint32_t priv_end(void)
{
	return PRIV_BASE + o_procs * o_threads * PER_THREAD;
}

/* Another thread's private lock, or one of this thread's scenario locks. */
static bool is_priv_of_other(const struct ctx *c, uint32_t lock)
{
	return lock >= PRIV_BASE && lock < priv_end() &&
	       (lock < priv_lock(c, 0) || lock >= priv_lock(c, PRIV));
}

static bool is_priv(const struct ctx *c, uint32_t lock)
{
	return lock >= priv_lock(c, 0) && lock < priv_lock(c, PRIV);
}

/* A lock others take too: below the private locks, or above them. */
static uint32_t contended_lock(struct ctx *c)
{
	uint32_t end = priv_end();

	if (chance(&c->r, 50))
		return rnd_below(&c->r, PRIV_BASE);
	return end + rnd_below(&c->r, sh->nr_locks - end);
}

static uint32_t boundary_lock(struct rng *r)
{
	uint32_t n = sh->nr_locks;

	return PICK(r, 0, 1, n - 1, n, n + 1, 0xffffffffU, 0x80000000U,
		    BLKLOCK_MAX_LOCKS - 1, BLKLOCK_MAX_LOCKS,
		    BLKLOCK_MAX_LOCKS + 1);
}

/* ---- files ------------------------------------------------------------------ */

static struct held *find_held(struct held *h, int n, uint32_t lock)
{
	int i;

	for (i = 0; i < n; i++)
		if (h[i].lock == lock)
			return &h[i];
	return NULL;
}

static void drop_held(struct held *h, int *n, uint32_t lock)
{
	struct held *x = find_held(h, *n, lock);

	if (x)
		*x = h[--*n];
}

/* The held-lock list of file @fd, which is @f or the shared file. */
static void held_list(struct ctx *c, struct file *f, struct held **h, int **n)
{
	if (f) {
		*h = f->held;
		*n = &f->nheld;
	} else {
		*h = c->sheld;
		*n = &c->nsheld;
	}
}

static void note(struct ctx *c, struct file *f, enum op op, uint32_t lock,
		 int e)
{
	struct hist *h = f ? f->hist : c->shist;
	unsigned int *n = f ? &f->nhist : &c->nshist;

	h[*n % HIST] = (struct hist){ (uint8_t)op, (uint8_t)e, lock };
	++*n;
}

/* "fd 7 own, held 3 9, last: ACQUIRE 3 ok, STATUS 9 EINVAL, ..." */
static const char *story(struct ctx *c, struct file *f, int fd, char *buf,
			 size_t len)
{
	const struct hist *h = f ? f->hist : c->shist;
	unsigned int n = f ? f->nhist : c->nshist, i;
	struct held *held;
	char tmp[16];
	size_t off;
	int *nh, j;

	held_list(c, f, &held, &nh);
	off = (size_t)snprintf(buf, len, "fd %d %s, held", fd,
			       f ? "own" : "shared");
	for (j = 0; j < *nh && off < len; j++)
		off += (size_t)snprintf(buf + off, len - off, " %u%s",
					held[j].lock, held[j].lost ? "(lost)" : "");
	if (off < len)
		off += (size_t)snprintf(buf + off, len - off, ", last:");
	for (i = n > HIST ? n - HIST : 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, " %s %u %s,",
					op_name[h[i % HIST].op], h[i % HIST].lock,
					ename(h[i % HIST].e, tmp, sizeof(tmp)));
	return buf;
}

/* Who of this process took @lock lately, for a report. */
static const char *who_took(struct ctx *c, uint32_t lock, char *buf, size_t len)
{
	struct worker *w = c->w;
	unsigned int i, n = w->nalog;
	size_t off = 0;

	buf[0] = 0;
	for (i = n > 64 ? n - 64 : 0; i < n && off < len; i++)
		if (w->alog[i % 64].lock == lock)
			off += (size_t)snprintf(buf + off, len - off,
						" thread %d fd %d%s;",
						w->alog[i % 64].t, w->alog[i % 64].fd,
						w->alog[i % 64].shared ? " shared" : "");
	return buf;
}

/* Learn whether @fd is bound, and to what (INFO with a good pointer). */
static int learn(struct ctx *c, int fd, char *disk, uint32_t *node)
{
	struct blklock_info in;
	int e;

	memset(&in, 0, sizeof(in));
	e = xioctl(OP_INFO, fd, BLKLOCK_IOC_INFO, (unsigned long)&in);
	if (e == ENXIO)
		return 0;
	if (!check(c, !e, "INFO with a good pointer: %s", strerror(e)))
		return -1;
	if (disk) {
		memcpy(disk, in.disk, 32);
		disk[31] = 0;
	}
	if (node)
		*node = in.node_id;
	return 1;
}

static int open_dev(void)
{
	int fd = open(DEV, O_RDWR | O_CLOEXEC);
	int e = fd < 0 ? errno : 0;
	struct want w = w_only(0);

	count(OP_OPEN, e);
	/* While the module is unloaded (or going): the node is gone. */
	w_add(&w, ENOENT);
	w_add(&w, ENODEV);
	w_add(&w, ENXIO);
	expect(NULL, OP_OPEN, e, &w, DEV);
	return fd;
}

static void close_file(struct file *f)
{
	if (f->fd < 0)
		return;
	count(OP_CLOSE, close(f->fd) ? errno : 0);
	f->fd = -1;
	f->nheld = 0;
	f->nhist = 0;
	f->ls = -1;
}

/* Attach a file as (disk, node) with a good argument; returns the errno. */
static int attach_plain(int fd, int disk, uint32_t node)
{
	struct blklock_attach at = {
		.path = (uintptr_t)o_disk[disk],
		.node_id = node,
	};

	return xioctl(OP_ATTACH, fd, BLKLOCK_IOC_ATTACH, (unsigned long)&at);
}

/* Open a file of this thread; most are attached at once. */
static bool open_file(struct ctx *c, struct file *f)
{
	memset(f, 0, sizeof(*f));
	f->fd = open_dev();
	if (f->fd < 0)
		return false;
	if (chance(&c->r, 80)) {
		int disk = (int)rnd_below(&c->r, 2), e;
		uint32_t node = (uint32_t)disk + 1 + (chance(&c->r, 15) ? 2 : 0);
		struct want w = w_only(0);

		e = attach_plain(f->fd, disk, node);
		/* Attached here with another node id, or as that node
		 * through the other path, or exclusively open (FORMAT).
		 */
		w_add(&w, EBUSY);
		w_add(&w, EADDRINUSE);
		expect(c, OP_ATTACH, e, &w, "of a new file");
	}
	f->ls = learn(c, f->fd, f->disk, &f->node);
	if (f->ls < 0)
		f->ls = -1;
	return true;
}

/* ---- the ioctls -------------------------------------------------------------- */

/* Bound (1), unbound (0) or unknown (-1), for a file of this thread. */
static int file_ls(struct ctx *c, struct file *f)
{
	return f ? f->ls : (__atomic_load_n(&c->w->sfd_ls, __ATOMIC_RELAXED) ? 1 : -1);
}

/*
 * What every ioctl with a lockspace refuses before it looks at the
 * lockspace: an unreadable argument (EFAULT), bad flags or nonzero
 * outputs (EINVAL), no lockspace attached (ENXIO).  Sets @w and returns
 * true when one of them decides.
 */
static bool refused_first(struct want *w, enum ptr_kind k, bool bad, int ls)
{
	if (!ptr_readable(k))
		*w = w_only(EFAULT);
	else if (bad)
		*w = w_only(EINVAL);
	else if (ls == 0)
		*w = w_only(ENXIO);
	else
		return false;
	return true;
}

/* Outcome of a lock ioctl with a good argument on a file whose binding is @ls. */
static void no_space(struct want *w, int ls)
{
	if (ls != 1)
		w_add(w, ENXIO);
}

static void do_attach(struct ctx *c, struct file *f, int fd)
{
	struct blklock_attach at = { 0 };
	enum ptr_kind k = pick_ptr(&c->r);
	struct want w = { { 0 } };
	struct path p;
	char what[200];
	bool bad = false, shared = false;
	unsigned long addr;
	struct held *h;
	int *n, e;

	held_list(c, f, &h, &n);
	make_path(c, pick_path(&c->r), &p);
	at.path = p.addr;
	at.node_id = chance(&c->r, 70) ? (p.disk == 1 ? 2 : 1) + 2 * rnd_below(&c->r, 2) :
		     PICK(&c->r, 0, 1, 2, sh->max_node, sh->max_node + 1,
			  BLKLOCK_MAX_NODE_ID, BLKLOCK_MAX_NODE_ID + 1,
			  0xffffffffU, 0x80000000U);
	if (chance(&c->r, 8)) {
		/* Not PERSISTENT (bit 0): it would outlive the scenario. */
		at.flags = 4U << rnd_below(&c->r, 30);
		bad = true;
	} else if (chance(&c->r, 8)) {
		/* An open without a claim: only for a disk another driver holds. */
		at.flags = BLKLOCK_ATTACH_SHARED;
		shared = true;
	}
	if (chance(&c->r, 8)) {
		at.reserved = rnd64(&c->r) | 1;
		bad = true;
	}
	if (chance(&c->r, 20)) {
		/* A node name: a good one, one with a space, one too long. */
		static const char *const names[] = {
			"node-x.example", "two words",
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		};
		unsigned int i = rnd_below(&c->r, 3);

		at.name = (uintptr_t)names[i];
		bad |= i > 0;
	}
	if (!at.node_id || at.node_id > BLKLOCK_MAX_NODE_ID)
		bad = true;
	addr = place(c, k, &at, sizeof(at));
	snprintf(what, sizeof(what), "%s node %u flags 0x%x path %s%s (%s)",
		 ptr_name[k], at.node_id, at.flags, p.text,
		 p.fault ? "<fault>" : p.too_long ? "<long>" : "",
		 f ? "own file" : "shared file");
	e = xioctl(OP_ATTACH, fd, BLKLOCK_IOC_ATTACH, addr);

	if (!ptr_readable(k)) {
		w = w_only(EFAULT);
	} else if (bad) {
		w = w_only(EINVAL);
	} else if (p.fault) {
		w = w_only(EFAULT);
	} else if (p.too_long) {
		w = w_only(EINVAL);
	} else if (f && f->nheld) {
		w = w_only(EBUSY);	/* the file holds locks */
	} else {
		if (!f)
			w_add(&w, EBUSY);	/* other threads may hold locks */
		if (p.disk < 0) {
			path_errors(&p, &w);
		} else {
			w_add(&w, EBUSY);	/* attached with another node id */
			if (shared)
				w_add(&w, EINVAL);	/* nothing else holds it */
			if (at.node_id > sh->max_node) {
				w_add(&w, ERANGE);
			} else {
				w_add(&w, 0);
				w_add(&w, EADDRINUSE); /* that node, other path */
			}
		}
	}
	expect_on(c, f, fd, OP_ATTACH, 0, e, &w, what);
	if (!e) {
		if (f) {
			f->ls = 1;
			snprintf(f->disk, sizeof(f->disk), "%s",
				 strrchr(o_disk[p.disk], '/') + 1);
			f->node = at.node_id;
		} else {
			__atomic_store_n(&c->w->sfd_ls, 1, __ATOMIC_RELAXED);
		}
	}
}

static void do_format(struct ctx *c, int fd)
{
	struct blklock_format fm = { 0 };
	enum ptr_kind k = pick_ptr(&c->r);
	enum path_kind pk = pick_path(&c->r);
	struct want w = { { 0 } };
	bool bad = false;
	uint32_t hb, lease;
	unsigned long addr;
	char what[200];
	struct path p;
	int e;

	make_path(c, pk, &p);
	fm.path = p.addr;
	fm.nr_locks = PICK(&c->r, 0, 1, 64, sh->nr_locks, 200000,
			   BLKLOCK_MAX_LOCKS, BLKLOCK_MAX_LOCKS + 1, 0xffffffffU);
	fm.max_node_id = PICK(&c->r, 0, 1, 8, BLKLOCK_MAX_NODE_ID,
			      BLKLOCK_MAX_NODE_ID + 1, 0xffffffffU);
	fm.hb_interval_ms = PICK(&c->r, 0, 0, 0, 99, 100, 1000, 60000, 60001,
				 0xffffffffU);
	fm.lease_timeout_ms = PICK(&c->r, 0, 0, 0, 399, 400, 4000, 6000,
				   600000, 600001, 0xffffffffU);
	if (chance(&c->r, 50))
		fm.uuid[rnd_below(&c->r, 16)] = (uint8_t)rnd64(&c->r);
	/* FORCE never reaches the lockspace's disks: it would wipe them. */
	fm.flags = chance(&c->r, 20) ? 1U << rnd_below(&c->r, 32) : 0;
	if (p.disk >= 0 && !p.fault && !p.too_long)
		fm.flags &= ~BLKLOCK_FORMAT_FORCE;
	if (chance(&c->r, 8))
		fm.reserved = (uint32_t)rnd64(&c->r) | 1;
	if ((fm.flags & ~BLKLOCK_FORMAT_FLAGS) || fm.reserved ||
	    !fm.nr_locks || fm.nr_locks > BLKLOCK_MAX_LOCKS ||
	    fm.max_node_id > BLKLOCK_MAX_NODE_ID)
		bad = true;
	if (p.disk >= 0 && !bad && !p.fault && !p.too_long &&
	    (fm.flags & BLKLOCK_FORMAT_FORCE))
		return;	/* cannot happen; belt and braces */
	addr = place(c, k, &fm, sizeof(fm));
	snprintf(what, sizeof(what),
		 "%s locks %u nodes %u hb %u lease %u flags 0x%x reserved %u path %s%s",
		 ptr_name[k], fm.nr_locks, fm.max_node_id, fm.hb_interval_ms,
		 fm.lease_timeout_ms, fm.flags, fm.reserved, p.text,
		 p.fault ? "<fault>" : p.too_long ? "<long>" : "");
	e = xioctl(OP_FORMAT, fd, BLKLOCK_IOC_FORMAT, addr);

	hb = fm.hb_interval_ms ? fm.hb_interval_ms : 1000;
	lease = fm.lease_timeout_ms ? fm.lease_timeout_ms : 6000;
	if (!ptr_readable(k)) {
		w = w_only(EFAULT);
	} else if (bad) {
		w = w_only(EINVAL);
	} else if (p.fault) {
		w = w_only(EFAULT);
	} else if (p.too_long) {
		w = w_only(EINVAL);
	} else if (hb < 100 || hb > 60000 || lease < 4 * hb || lease > 600000) {
		w = w_only(EINVAL);
	} else if (p.disk < 0) {
		path_errors(&p, &w);
	} else {
		/*
		 * In use (attached here, exclusively open by another
		 * format), too small, or carrying a lockspace.
		 */
		w_add(&w, EBUSY);
		w_add(&w, ENOSPC);
		w_add(&w, EEXIST);
	}
	expect(c, OP_FORMAT, e, &w, what);
}

static void do_info(struct ctx *c, struct file *f, int fd)
{
	enum ptr_kind k = pick_ptr(&c->r);
	struct blklock_info in;
	struct want w = { { 0 } };
	unsigned long addr;
	char what[64];
	int ls = file_ls(c, f), e;

	memset(&in, 0xa5, sizeof(in));
	addr = place(c, k, &in, sizeof(in));
	e = xioctl(OP_INFO, fd, BLKLOCK_IOC_INFO, addr);
	snprintf(what, sizeof(what), "%s (%s)", ptr_name[k],
		 f ? "own file" : "shared file");
	if (ls != 1)
		w_add(&w, ENXIO);
	if (ls != 0)
		w_add(&w, ptr_writable(k) ? 0 : EFAULT);
	expect(c, OP_INFO, e, &w, what);
	if (e)
		return;
	fetch(k, addr, &in, sizeof(in));
	check(c, in.node_id >= 1 && in.node_id <= sh->max_node &&
	      in.format_version == BLKLOCK_FORMAT_VERSION &&
	      in.nr_locks == sh->nr_locks && in.max_node_id == sh->max_node &&
	      (in.block_size == 512 || in.block_size == 4096) &&
	      in.hb_state >= BLKLOCK_HB_STATE_LIVE &&
	      in.hb_state <= BLKLOCK_HB_STATE_STOPPED && !in.reserved &&
	      memchr(in.disk, 0, sizeof(in.disk)) && in.disk[0],
	      "INFO returned node %u version %u locks %u nodes %u bs %u state %u reserved %llu",
	      in.node_id, in.format_version, in.nr_locks, in.max_node_id,
	      in.block_size, in.hb_state, (unsigned long long)in.reserved);
	if (f && f->ls == 1)
		check(c, in.node_id == f->node && !strcmp(in.disk, f->disk),
		      "INFO says node %u of %s, the file was bound to node %u of %s",
		      in.node_id, in.disk, f->node, f->disk);
	if (f && f->ls != 1) {
		f->ls = 1;
		memcpy(f->disk, in.disk, sizeof(f->disk));
		f->node = in.node_id;
	}
	if (!f)
		__atomic_store_n(&c->w->sfd_ls, 1, __ATOMIC_RELAXED);
}

/* Is @lock held on the same lockspace by another file of this thread? */
static bool held_elsewhere(struct ctx *c, struct file *f, uint32_t lock)
{
	int i;

	if (!f || f->ls != 1)
		return false;
	for (i = 0; i < POOL; i++) {
		struct file *o = &c->f[i];

		if (o != f && o->fd >= 0 && o->ls == 1 && o->node == f->node &&
		    !strcmp(o->disk, f->disk) &&
		    find_held(o->held, o->nheld, lock))
			return true;
	}
	return false;
}

/* Is @lock held by any file of this thread, on any lockspace? */
static bool held_by_me(struct ctx *c, uint32_t lock)
{
	int i;

	for (i = 0; i < POOL; i++)
		if (c->f[i].fd >= 0 &&
		    find_held(c->f[i].held, c->f[i].nheld, lock))
			return true;
	return find_held(c->sheld, c->nsheld, lock) != NULL;
}

static uint32_t pick_lock(struct ctx *c, struct file *f, bool taking)
{
	struct held *h;
	int *n;

	held_list(c, f, &h, &n);
	if (*n && chance(&c->r, 30))
		return h[rnd_below(&c->r, (uint32_t)*n)].lock;
	if (chance(&c->r, 20))
		return boundary_lock(&c->r);
	if (!f || chance(&c->r, 40))
		return priv_lock(c, rnd_below(&c->r, PRIV));
	if (taking)
		return contended_lock(c);
	/* Others' private locks: never ours, so EPERM on this file. */
	return chance(&c->r, 20) ? PRIV_BASE + rnd_below(&c->r, priv_end() - PRIV_BASE) :
	       contended_lock(c);
}

static void lost(struct held *x)
{
	if (!x->lost)
		add(&sh->lost, 1);
	x->lost = true;
}

static void do_acquire(struct ctx *c, struct file *f, int fd)
{
	struct blklock_acquire aq = { 0 }, back;
	enum ptr_kind k = pick_ptr(&c->r);
	struct want w = { { 0 } };
	int ls = file_ls(c, f), e, *n;
	bool bad = false, range;
	unsigned long addr;
	struct held *h, *x;
	char what[160];

	held_list(c, f, &h, &n);
	aq.lock = pick_lock(c, f, true);
	/* The shared file takes only this thread's private locks. */
	if (!f && !is_priv(c, aq.lock) && aq.lock < sh->nr_locks)
		aq.lock = priv_lock(c, 0);
	if (f && is_priv_of_other(c, aq.lock))
		aq.lock = contended_lock(c);
	range = aq.lock < sh->nr_locks;
	x = range ? find_held(h, *n, aq.lock) : NULL;
	aq.flags = chance(&c->r, 70) ? BLKLOCK_ACQUIRE_NOWAIT : 0;
	if (!aq.flags)
		aq.timeout_ms = PICK(&c->r, 1, 10, 100, 300, SHORT_WAIT_MS);
	if (chance(&c->r, 4))
		aq.timeout_ms = PICK(&c->r, 0, 1, BLKLOCK_MAX_TIMEOUT_MS,
				     BLKLOCK_MAX_TIMEOUT_MS + 1, 0xffffffffU);
	if (chance(&c->r, 6))
		aq.flags |= 1U << (1 + rnd_below(&c->r, 31));
	if (chance(&c->r, 5))
		aq.reserved0 = (uint32_t)rnd64(&c->r) | 1;
	if (chance(&c->r, 5))
		aq.reserved[rnd_below(&c->r, 2)] = rnd64(&c->r) | 1;
	if (chance(&c->r, 5))
		aq.generation = rnd64(&c->r);	/* output only: ignored */
	bad = (aq.flags & ~BLKLOCK_ACQUIRE_FLAGS) || aq.reserved0 ||
	      aq.reserved[0] || aq.reserved[1] ||
	      aq.timeout_ms > BLKLOCK_MAX_TIMEOUT_MS ||
	      ((aq.flags & BLKLOCK_ACQUIRE_NOWAIT) && aq.timeout_ms);
	/*
	 * Long waits (0 is until a signal) only for a free lock: this
	 * thread's private ones that none of its files holds.  A lock
	 * another file of this thread holds is waited for briefly.
	 */
	if (!bad && !(aq.flags & BLKLOCK_ACQUIRE_NOWAIT) && !x &&
	    (!aq.timeout_ms || aq.timeout_ms > SHORT_WAIT_MS ||
	     held_by_me(c, aq.lock)) &&
	    !(range && is_priv(c, aq.lock) && !held_by_me(c, aq.lock)))
		aq.timeout_ms = PICK(&c->r, 1, 10, 100);
	addr = place(c, k, &aq, sizeof(aq));
	snprintf(what, sizeof(what), "%s lock %u flags 0x%x timeout %u (%s)",
		 ptr_name[k], aq.lock, aq.flags, aq.timeout_ms,
		 f ? "own file" : "shared file");
	e = xioctl(OP_ACQUIRE, fd, BLKLOCK_IOC_ACQUIRE, addr);

	if (refused_first(&w, k, bad, ls)) {
		/* EFAULT, EINVAL or ENXIO alone */
	} else if (!range) {
		w = w_only(EINVAL);
		no_space(&w, ls);
	} else if (x) {
		w = w_only(ENOLCK);
		if (!x->lost)
			w_add(&w, EDEADLK);
	} else {
		no_space(&w, ls);
		w_add(&w, ENOLCK);	/* fenced meanwhile */
		if (held_elsewhere(c, f, aq.lock) &&
		    (aq.flags & BLKLOCK_ACQUIRE_NOWAIT)) {
			w_add(&w, EBUSY);
		} else {
			w_add(&w, ptr_writable(k) ? 0 : EFAULT);
			if (!(is_priv(c, aq.lock) && !held_by_me(c, aq.lock)))
				w_add(&w, (aq.flags & BLKLOCK_ACQUIRE_NOWAIT) ?
					  EBUSY : ETIMEDOUT);
		}
	}
	expect_on(c, f, fd, OP_ACQUIRE, aq.lock, e, &w, what);
	if (e == ENOLCK && x)
		lost(x);
	else if (e == ENOLCK)
		add(&sh->lost, 1);
	if (e || !range || !ptr_writable(k))
		return;
	add(&sh->acquired, 1);
	{
		unsigned int i = __atomic_fetch_add(&c->w->nalog, 1, __ATOMIC_RELAXED) % 64;

		c->w->alog[i].t = c->t;
		c->w->alog[i].fd = fd;
		c->w->alog[i].lock = aq.lock;
		c->w->alog[i].shared = !f;
	}
	fetch(k, addr, &back, sizeof(back));
	check(c, back.generation >= 1 && back.generation < (1ULL << 63) &&
	      back.lock == aq.lock && back.flags == aq.flags &&
	      back.timeout_ms == aq.timeout_ms && !back.reserved0 &&
	      !back.reserved[0] && !back.reserved[1],
	      "ACQUIRE of lock %u wrote back generation %llu lock %u flags 0x%x",
	      aq.lock, (unsigned long long)back.generation, back.lock,
	      back.flags);
	if (*n < MAX_HELD && !find_held(h, *n, aq.lock)) {
		h[*n] = (struct held){ aq.lock, back.generation, false };
		++*n;
	} else {
		/* Nowhere to track it: let it go at once. */
		struct blklock_release rl = { .lock = aq.lock };

		e = xioctl(OP_RELEASE, fd, BLKLOCK_IOC_RELEASE, (unsigned long)&rl);
		w = w_only(0);
		w_add(&w, ENOLCK);
		expect(c, OP_RELEASE, e, &w, "of an untracked lock");
	}
}

static void do_release(struct ctx *c, struct file *f, int fd)
{
	struct blklock_release rl = { 0 };
	enum ptr_kind k = pick_ptr(&c->r);
	struct want w = { { 0 } };
	int ls = file_ls(c, f), e, *n;
	unsigned long addr;
	struct held *h, *x;
	char what[128];
	bool bad = false;

	held_list(c, f, &h, &n);
	rl.lock = pick_lock(c, f, false);
	if (!f && !is_priv(c, rl.lock) && is_priv_of_other(c, rl.lock))
		rl.lock = priv_lock(c, 1);
	if (chance(&c->r, 6)) {
		rl.flags = 1U << rnd_below(&c->r, 32);
		bad = true;
	}
	if (chance(&c->r, 6)) {
		rl.reserved[rnd_below(&c->r, 2)] = rnd64(&c->r) | 1;
		bad = true;
	}
	x = rl.lock < sh->nr_locks ? find_held(h, *n, rl.lock) : NULL;
	addr = place(c, k, &rl, sizeof(rl));
	snprintf(what, sizeof(what), "%s lock %u flags 0x%x%s (%s)",
		 ptr_name[k], rl.lock, rl.flags, x ? " held" : "",
		 f ? "own file" : "shared file");
	e = xioctl(OP_RELEASE, fd, BLKLOCK_IOC_RELEASE, addr);

	if (refused_first(&w, k, bad, ls)) {
		/* EFAULT, EINVAL or ENXIO alone */
	} else if (rl.lock >= sh->nr_locks) {
		w = w_only(EINVAL);
		no_space(&w, ls);
	} else if (x) {
		w = w_only(ENOLCK);
		if (!x->lost)
			w_add(&w, 0);
	} else {
		w = w_only(EPERM);
		no_space(&w, ls);
	}
	expect_on(c, f, fd, OP_RELEASE, rl.lock, e, &w, what);
	if (x && (!e || e == ENOLCK)) {
		if (e == ENOLCK)
			lost(x);
		drop_held(h, n, rl.lock);
	}
}

/* The name (plus 1) the run saw at @index; 0 for none. */
static uint32_t name_at(uint32_t index)
{
	uint32_t i;

	for (i = 0; i < NR_FUZZ_NAMES; i++)
		if (__atomic_load_n(&sh->name_index[i], __ATOMIC_RELAXED) == index + 1)
			return i + 1;
	return 0;
}

/* STATUS's name as the kernel wrote it: NUL-padded, or all zero. */
static bool name_padded(const char *name)
{
	size_t len = strnlen(name, BLKLOCK_LOCK_NAME_MAX), i;

	if (len == BLKLOCK_LOCK_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (name[i] < 0x21 || name[i] > 0x7e)
			return false;
	for (i = len; i < BLKLOCK_LOCK_NAME_MAX; i++)
		if (name[i])
			return false;
	return true;
}

/* Where STATUS writes the name: 0, or a buffer of kind @k. */
static unsigned long status_name_buf(struct ctx *c, enum ptr_kind k)
{
	struct arena *a = &c->a;

	switch (k) {
	case P_GOOD:
	case P_MISALIGNED:
		memset(a->rw + PAGE + 2048, 0xa5, BLKLOCK_LOCK_NAME_MAX);
		return (unsigned long)(a->rw + PAGE + 2048 + (k == P_MISALIGNED));
	case P_EDGE_FIT:
		return (unsigned long)(a->edge[1] + PAGE - BLKLOCK_LOCK_NAME_MAX);
	case P_RO:
		return (unsigned long)(a->ro + 1024);
	case P_NULL:
		return 0;
	case P_LOW:
		return 1 + rnd_below(&c->r, 0xfff0);
	case P_NONE:
		return (unsigned long)(a->none + 8);
	case P_KERNEL:
		return kernel_address(&c->r);
	case P_EDGE_CROSS:
	default:
		return (unsigned long)(a->edge[1] + PAGE - 1 -
				       rnd_below(&c->r, BLKLOCK_LOCK_NAME_MAX - 1));
	}
}

static void do_status(struct ctx *c, struct file *f, int fd)
{
	struct blklock_status st = { 0 };
	char sbuf[400], wbuf[200], name[BLKLOCK_LOCK_NAME_MAX];
	enum ptr_kind k = pick_ptr(&c->r), nk = P_NULL;
	struct want w = { { 0 } };
	int ls = file_ls(c, f), e, *n;
	unsigned long addr;
	unsigned long nbuf;
	struct held *h, *x;
	uint32_t known;
	char what[160];
	bool bad = false;

	held_list(c, f, &h, &n);
	st.lock = pick_lock(c, f, false);
	if (chance(&c->r, 6)) {
		st.flags = 1U << rnd_below(&c->r, 32);
		bad = true;
	}
	if (chance(&c->r, 6)) {
		if (chance(&c->r, 50))
			st.holder_pid = (uint32_t)rnd64(&c->r) | 1;
		else
			st.reserved0 = (uint32_t)rnd64(&c->r) | 1;
		bad = true;
	}
	/* A buffer for the record's name: mostly none or a good one. */
	if (chance(&c->r, 50))
		nk = chance(&c->r, 70) ? P_GOOD : (enum ptr_kind)rnd_below(&c->r, NR_PTR);
	st.name = nbuf = status_name_buf(c, nk);
	if (chance(&c->r, 10)) {
		st.owner = (uint32_t)rnd64(&c->r);	/* outputs: ignored */
		st.state = (uint32_t)rnd64(&c->r);
		st.generation = rnd64(&c->r);
	}
	x = st.lock < sh->nr_locks ? find_held(h, *n, st.lock) : NULL;
	addr = place(c, k, &st, sizeof(st));
	snprintf(what, sizeof(what), "%s lock %u flags 0x%x name buffer %s (%s)",
		 ptr_name[k], st.lock, st.flags, st.name ? ptr_name[nk] : "none",
		 f ? "own file" : "shared file");
	e = xioctl(OP_STATUS, fd, BLKLOCK_IOC_STATUS, addr);

	if (refused_first(&w, k, bad, ls)) {
		/* EFAULT, EINVAL or ENXIO alone */
	} else if (st.lock >= sh->nr_locks) {
		w = w_only(EINVAL);
		no_space(&w, ls);
	} else {
		no_space(&w, ls);
		/* The name is written before the structure. */
		w_add(&w, ptr_writable(k) && (!st.name || ptr_writable(nk)) ? 0 : EFAULT);
	}
	expect_on(c, f, fd, OP_STATUS, st.lock, e, &w, what);
	if (e)
		return;
	fetch(k, addr, &st, sizeof(st));
	check(c, st.owner <= sh->max_node && st.generation < (1ULL << 63) &&
	      !(st.state & ~31U) && !st.reserved0 &&
	      (!(st.state & BLKLOCK_STATE_REQUESTED) ||
	       (st.state & BLKLOCK_STATE_HELD_BY_FILE)) &&
	      (sh->format >= 4 || !(st.state & BLKLOCK_STATE_DELETED)) &&
	      (st.owner || !(st.state & BLKLOCK_STATE_HELD_BY_NODE)),
	      "STATUS of lock %u: owner %u state 0x%x generation %llu",
	      st.lock, st.owner, st.state, (unsigned long long)st.generation);
	check(c, st.name == nbuf, "STATUS of lock %u changed the name pointer",
	      st.lock);
	if (nbuf && ptr_writable(nk)) {
		/* A name, once given a record, stays in it (live or deleted). */
		memcpy(name, (const void *)(uintptr_t)nbuf, sizeof(name));
		known = name_at(st.lock);
		check(c, name_padded(name) && (sh->format >= 4 || !name[0]) &&
		      (!known || !strcmp(name, fuzz_names[known - 1])),
		      "STATUS of lock %u (state 0x%x) names it \"%.63s\", the run gave it the name \"%s\"",
		      st.lock, st.state, name_padded(name) ? name : "(not NUL-padded)",
		      known ? fuzz_names[known - 1] : "(none)");
	}
	if (!x) {
		check(c, !(st.state & (BLKLOCK_STATE_HELD_BY_FILE |
				       BLKLOCK_STATE_LOST)),
		      "STATUS of lock %u, which this file does not hold: state 0x%x owner %u [%s] taken by:%s",
		      st.lock, st.state, st.owner, story(c, f, fd, sbuf, sizeof(sbuf)),
		      who_took(c, st.lock, wbuf, sizeof(wbuf)));
		return;
	}
	if (st.state & BLKLOCK_STATE_LOST) {
		lost(x);
		return;
	}
	check(c, !x->lost && (st.state & BLKLOCK_STATE_HELD_BY_FILE) &&
	      (st.state & BLKLOCK_STATE_HELD_BY_NODE) &&
	      st.generation == x->gen && st.owner,
	      "STATUS of lock %u held at generation %llu%s: owner %u state 0x%x generation %llu [%s]",
	      st.lock, (unsigned long long)x->gen, x->lost ? " (lost)" : "",
	      st.owner, st.state, (unsigned long long)st.generation,
	      story(c, f, fd, sbuf, sizeof(sbuf)));
}

static void do_validate(struct ctx *c, struct file *f, int fd)
{
	struct blklock_validate v = { 0 };
	enum ptr_kind k = pick_ptr(&c->r);
	struct want w = { { 0 } };
	int ls = file_ls(c, f), e, *n;
	unsigned long addr;
	struct held *h, *x;
	char what[128];
	bool bad = false;

	held_list(c, f, &h, &n);
	v.lock = pick_lock(c, f, false);
	x = v.lock < sh->nr_locks ? find_held(h, *n, v.lock) : NULL;
	v.generation = x && chance(&c->r, 80) ? x->gen :
		       (uint64_t[]){ 0, 1, ~0ULL, 1ULL << 63,
				     x ? x->gen + 1 : 2 }[rnd_below(&c->r, 5)];
	if (chance(&c->r, 6)) {
		v.flags = 1U << rnd_below(&c->r, 32);
		bad = true;
	}
	if (chance(&c->r, 6)) {
		v.reserved[rnd_below(&c->r, 2)] = rnd64(&c->r) | 1;
		bad = true;
	}
	addr = place(c, k, &v, sizeof(v));
	snprintf(what, sizeof(what), "%s lock %u generation %llu%s (%s)",
		 ptr_name[k], v.lock, (unsigned long long)v.generation,
		 x ? " held" : "", f ? "own file" : "shared file");
	e = xioctl(OP_VALIDATE, fd, BLKLOCK_IOC_VALIDATE, addr);

	if (refused_first(&w, k, bad, ls)) {
		/* EFAULT, EINVAL or ENXIO alone */
	} else if (v.lock >= sh->nr_locks) {
		w = w_only(EINVAL);
		no_space(&w, ls);
	} else if (!x) {
		w = w_only(EPERM);
		no_space(&w, ls);
	} else if (v.generation != x->gen) {
		w = w_only(EINVAL);
	} else {
		w = w_only(ENOLCK);
		if (!x->lost)
			w_add(&w, 0);
	}
	expect_on(c, f, fd, OP_VALIDATE, v.lock, e, &w, what);
	if (x && e == ENOLCK)
		lost(x);
}

static void do_nodes(struct ctx *c, struct file *f, int fd)
{
	const uint32_t per_page = PAGE / sizeof(struct blklock_node);
	enum ptr_kind k = pick_ptr(&c->r), ka = P_GOOD;
	struct blklock_nodes nd = { 0 }, back;
	uint32_t want_count = 0, i, room = 0;
	struct want w = { { 0 } };
	int ls = file_ls(c, f), e;
	struct blklock_node *arr;
	bool bad = false;
	unsigned long addr;
	char what[160];

	nd.first = chance(&c->r, 70) ? 1 + rnd_below(&c->r, sh->max_node) :
		   PICK(&c->r, 0, 1, sh->max_node, sh->max_node + 1,
			BLKLOCK_MAX_NODE_ID, 0xffffffffU);
	nd.count = chance(&c->r, 70) ? 1 + rnd_below(&c->r, sh->max_node) :
		   PICK(&c->r, 0, 1, sh->max_node, BLKLOCK_MAX_NODE_ID,
			BLKLOCK_MAX_NODE_ID + 1, 0xffffffffU);
	if (nd.first >= 1 && nd.first <= sh->max_node)
		want_count = nd.count < sh->max_node - nd.first + 1 ?
			     nd.count : sh->max_node - nd.first + 1;
	/* Where the array goes, and how many entries fit there. */
	switch (rnd_below(&c->r, 8)) {
	case 0:
		ka = P_NULL;
		nd.nodes = 0;
		break;
	case 1:
		ka = P_KERNEL;
		nd.nodes = kernel_address(&c->r);
		if (sizeof(long) == 4 && chance(&c->r, 50))
			nd.nodes = 0xffff888000000000ULL;
		break;
	case 2:
		ka = P_RO;
		nd.nodes = (uintptr_t)c->a.ro;
		break;
	case 3:
		/* Room for one entry fewer than filled: the last one faults. */
		ka = P_EDGE_CROSS;
		room = want_count > 1 && want_count <= per_page ? want_count - 1 : 0;
		nd.nodes = (uintptr_t)(c->a.edge[1] + PAGE - room * sizeof(*arr));
		break;
	case 4:
		ka = P_EDGE_FIT;
		room = want_count && want_count <= per_page ? want_count : 1;
		nd.nodes = (uintptr_t)(c->a.edge[1] + PAGE - room * sizeof(*arr));
		break;
	default:
		memset(c->a.nodes, 0xa5, sizeof(*arr) * (BLKLOCK_MAX_NODE_ID + 1));
		nd.nodes = (uintptr_t)c->a.nodes;
		room = BLKLOCK_MAX_NODE_ID + 1;
		break;
	}
	if (chance(&c->r, 3))
		nd.flags = BLKLOCK_NODES_WAIT;	/* may watch for 1.5 s */
	if (chance(&c->r, 6)) {
		nd.flags |= 1U << (1 + rnd_below(&c->r, 31));
		bad = true;
	}
	if (chance(&c->r, 5)) {
		nd.reserved0 = (uint32_t)rnd64(&c->r) | 1;
		bad = true;
	}
	if (chance(&c->r, 5)) {
		nd.reserved[rnd_below(&c->r, 2)] = rnd64(&c->r) | 1;
		bad = true;
	}
	if (!nd.count || nd.count > BLKLOCK_MAX_NODE_ID)
		bad = true;
	addr = place(c, k, &nd, sizeof(nd));
	snprintf(what, sizeof(what), "%s first %u count %u flags 0x%x array %s room %u (%s)",
		 ptr_name[k], nd.first, nd.count, nd.flags, ptr_name[ka], room,
		 f ? "own file" : "shared file");
	e = xioctl(OP_NODES, fd, BLKLOCK_IOC_NODES, addr);

	if (refused_first(&w, k, bad, ls)) {
		/* EFAULT, EINVAL or ENXIO alone */
	} else if (!want_count) {
		w = w_only(EINVAL);
		no_space(&w, ls);
	} else {
		no_space(&w, ls);
		/* The array first, then the count in the argument. */
		w_add(&w, room >= want_count && ptr_writable(k) ? 0 : EFAULT);
	}
	expect(c, OP_NODES, e, &w, what);
	if (e || !ptr_writable(k) || room < want_count)
		return;
	fetch(k, addr, &back, sizeof(back));
	arr = (struct blklock_node *)(uintptr_t)nd.nodes;
	check(c, back.count == want_count && back.first == nd.first,
	      "NODES first %u count %u returned count %u, want %u",
	      nd.first, nd.count, back.count, want_count);
	for (i = 0; i < want_count; i++)
		check(c, arr[i].node_id == nd.first + i &&
		      arr[i].state <= BLKLOCK_NODE_EVICTED && !arr[i].reserved,
		      "NODES entry %u: node %u state %u reserved %llu", i,
		      arr[i].node_id, arr[i].state,
		      (unsigned long long)arr[i].reserved);
}

static void do_break(struct ctx *c, struct file *f, int fd)
{
	struct blklock_break br = { 0 }, back;
	enum ptr_kind k = pick_ptr(&c->r);
	struct want w = { { 0 } };
	int ls = file_ls(c, f), e, *n;
	unsigned long addr;
	struct held *h, *x;
	char what[128];
	bool bad = false;

	held_list(c, f, &h, &n);
	br.lock = pick_lock(c, f, false);
	/* Never a lock another thread's checks rely on. */
	if (is_priv_of_other(c, br.lock))
		br.lock = contended_lock(c);
	if (chance(&c->r, 6)) {
		br.flags = 1U << rnd_below(&c->r, 32);
		bad = true;
	}
	if (chance(&c->r, 8)) {
		switch (rnd_below(&c->r, 5)) {
		case 0:
			br.owner = 1;
			break;
		case 1:
			br.result = BLKLOCK_BREAK_FREED;
			break;
		case 2:
			br.old_generation = 1;
			break;
		case 3:
			br.generation = ~0ULL;
			break;
		default:
			br.reserved[rnd_below(&c->r, 2)] = 1;
			break;
		}
		bad = true;
	}
	x = br.lock < sh->nr_locks ? find_held(h, *n, br.lock) : NULL;
	addr = place(c, k, &br, sizeof(br));
	snprintf(what, sizeof(what), "%s lock %u flags 0x%x%s (%s)", ptr_name[k],
		 br.lock, br.flags, x ? " held" : "",
		 f ? "own file" : "shared file");
	e = xioctl(OP_BREAK, fd, BLKLOCK_IOC_BREAK, addr);

	if (refused_first(&w, k, bad, ls)) {
		/* EFAULT, EINVAL or ENXIO alone */
	} else if (br.lock >= sh->nr_locks) {
		w = w_only(EINVAL);
		no_space(&w, ls);
	} else {
		no_space(&w, ls);
		w_add(&w, EBUSY);
		/* Free, or (lost locks only) freed: a result to write back. */
		if (!x || x->lost)
			w_add(&w, ptr_writable(k) ? 0 : EFAULT);
		if (x && x->lost)
			w_add(&w, ESTALE);
	}
	expect_on(c, f, fd, OP_BREAK, br.lock, e, &w, what);
	if (e)
		return;
	fetch(k, addr, &back, sizeof(back));
	if (back.result == BLKLOCK_BREAK_FREED ||
	    back.result == BLKLOCK_BREAK_REPAIRED)
		add(&sh->freed, 1);
	check(c, back.result == BLKLOCK_BREAK_WAS_FREE ?
	      !back.owner && back.old_generation == back.generation :
	      back.result == BLKLOCK_BREAK_FREED ?
	      back.owner && back.old_generation == back.generation :
	      back.result == BLKLOCK_BREAK_REPAIRED,
	      "BREAK of lock %u: result %u owner %u generation %llu -> %llu",
	      br.lock, back.result, back.owner,
	      (unsigned long long)back.old_generation,
	      (unsigned long long)back.generation);
	/* Only a lost lock, or a stale record after a fence, is freed. */
	if (back.result != BLKLOCK_BREAK_WAS_FREE && !(x && x->lost))
		check(c, __atomic_load_n(&sh->lost, __ATOMIC_RELAXED) > 0,
		      "BREAK of lock %u freed a record of node %u (result %u) with no loss seen",
		      br.lock, back.owner, back.result);
}

/* What NAME's name pointer points to. */
enum name_kind {
	N_GOOD, N_NULL, N_LOW, N_KERNEL, N_NONE, N_UNTERMINATED, N_LONG,
	N_REFUSED, NR_NAME_KIND
};

static const char *const name_kind_name[NR_NAME_KIND] = {
	"good", "NULL", "low", "kernel", "PROT_NONE",
	"unterminated-at-fault", "too-long", "refused",
};

/* Names the kernel must refuse (EINVAL) before it looks at the disk. */
static const char *const refused_names[] = {
	"", "two words", "tab\tname", "new\nline", "del\x7f", "caf\xc3\xa9",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};

/*
 * The name pointer of a NAME call: @text (a fuzz_names[] entry) where
 * @nk says, or something else the kernel must refuse.  Returns the
 * address; *@shown is what it points to, for the report.
 */
static unsigned long name_ptr(struct ctx *c, enum name_kind nk,
			      const char *text, const char **shown)
{
	struct arena *a = &c->a;
	size_t n = strlen(text);
	char *dst;

	*shown = text;
	switch (nk) {
	case N_GOOD:
		dst = (char *)a->rw + PAGE + 1024;
		memcpy(dst, text, n + 1);
		return (unsigned long)dst;
	case N_NULL:
		return 0;
	case N_LOW:
		return 1 + rnd_below(&c->r, 0xfff0);
	case N_KERNEL:
		return kernel_address(&c->r);
	case N_NONE:
		return (unsigned long)a->none + 16;
	case N_UNTERMINATED:
		/* The name up to the end of the page, without its NUL. */
		dst = (char *)a->edge[1] + PAGE - n;
		memcpy(dst, text, n);
		return (unsigned long)dst;
	case N_LONG:
		/*
		 * 64 characters or more, all mapped: with a NUL after them,
		 * or running to the end of the page without one.
		 */
		n = BLKLOCK_LOCK_NAME_MAX + rnd_below(&c->r, 8);
		if (chance(&c->r, 50)) {
			dst = (char *)a->edge[1] + PAGE - n - 1;
			dst[n] = '\0';
		} else {
			dst = (char *)a->edge[1] + PAGE - n;
		}
		memset(dst, 'n', n);
		*shown = "<64 or more characters>";
		return (unsigned long)dst;
	case N_REFUSED:
	default:
		*shown = refused_names[rnd_below(&c->r, sizeof(refused_names) /
						  sizeof(refused_names[0]))];
		dst = (char *)a->rw + PAGE + 1024;
		memcpy(dst, *shown, strlen(*shown) + 1);
		return (unsigned long)dst;
	}
}

/*
 * NAME: LOOKUP, CREATE or DELETE one of fuzz_names[].  Names change only
 * free records, never who holds a lock, so the held locks this file
 * tracks stay as they are; a name's index, once seen, must stay the same.
 */
static void do_name(struct ctx *c, struct file *f, int fd)
{
	struct blklock_name nm = { 0 }, back;
	enum ptr_kind k = pick_ptr(&c->r);
	enum name_kind nk = N_GOOD;
	uint32_t ni = rnd_below(&c->r, NR_FUZZ_NAMES), seen;
	struct want w = { { 0 } };
	int ls = file_ls(c, f), e;
	const char *shown;
	unsigned long addr;
	char what[200];
	bool bad = false;

	nm.op = PICK(&c->r, BLKLOCK_NAME_LOOKUP, BLKLOCK_NAME_LOOKUP,
		     BLKLOCK_NAME_CREATE, BLKLOCK_NAME_CREATE, BLKLOCK_NAME_DELETE);
	if (chance(&c->r, 25))
		nk = (enum name_kind)rnd_below(&c->r, NR_NAME_KIND);
	nm.name = name_ptr(c, nk, fuzz_names[ni], &shown);
	if (chance(&c->r, 5)) {
		nm.op = PICK(&c->r, 3, 4, 0x80000000U, 0xffffffffU);
		bad = true;
	}
	if (chance(&c->r, 5)) {
		nm.flags = 1U << rnd_below(&c->r, 32);
		bad = true;
	}
	if (chance(&c->r, 8)) {
		/* Outputs and reserved fields must come in as zero. */
		switch (rnd_below(&c->r, 3)) {
		case 0:
			nm.lock = (uint32_t)rnd64(&c->r) | 1;
			break;
		case 1:
			nm.result = (uint32_t)rnd64(&c->r) | 1;
			break;
		default:
			nm.reserved[rnd_below(&c->r, 2)] = rnd64(&c->r) | 1;
		}
		bad = true;
	}
	addr = place(c, k, &nm, sizeof(nm));
	snprintf(what, sizeof(what), "%s op %u flags 0x%x name %s \"%.40s\" (%s)",
		 ptr_name[k], nm.op, nm.flags, name_kind_name[nk], shown,
		 f ? "own file" : "shared file");
	e = xioctl(OP_NAME, fd, BLKLOCK_IOC_NAME, addr);

	if (refused_first(&w, k, bad, ls)) {
		/* EFAULT, EINVAL or ENXIO alone */
	} else {
		no_space(&w, ls);
		switch (nk) {
		case N_NULL:
		case N_LONG:
		case N_REFUSED:
			w_add(&w, EINVAL);
			break;
		case N_LOW:
		case N_KERNEL:
		case N_NONE:
		case N_UNTERMINATED:
			w_add(&w, EFAULT);
			break;
		default:
			if (sh->format < 4) {
				w_add(&w, EOPNOTSUPP);
				break;
			}
			/* The structure is written back only on success. */
			w_add(&w, ptr_writable(k) ? 0 : EFAULT);
			if (nm.op != BLKLOCK_NAME_CREATE)
				w_add(&w, ENOENT);	/* no record, or a tombstone */
			if (nm.op != BLKLOCK_NAME_LOOKUP)
				w_add(&w, EBUSY);	/* its record is held */
			if (nm.op == BLKLOCK_NAME_CREATE)
				w_add(&w, ENOSPC);	/* no record left */
		}
	}
	expect_on(c, f, fd, OP_NAME, 0, e, &w, what);
	if (e)
		return;
	fetch(k, addr, &back, sizeof(back));
	check(c, back.lock < sh->nr_locks && back.op == nm.op && !back.flags &&
	      !back.reserved[0] && !back.reserved[1] && back.name == nm.name &&
	      (nm.op == BLKLOCK_NAME_LOOKUP ? back.result == BLKLOCK_NAME_FOUND :
	       nm.op == BLKLOCK_NAME_DELETE ? back.result == BLKLOCK_NAME_REMOVED :
	       back.result >= BLKLOCK_NAME_FOUND && back.result <= BLKLOCK_NAME_REVIVED),
	      "NAME op %u of \"%s\": lock %u result %u", nm.op, fuzz_names[ni],
	      back.lock, back.result);
	if (back.lock >= sh->nr_locks || nk != N_GOOD)
		return;
	/* The first answer fixes the name's index for the rest of the run. */
	seen = 0;
	if (!__atomic_compare_exchange_n(&sh->name_index[ni], &seen, back.lock + 1,
					 false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		check(c, seen == back.lock + 1,
		      "NAME op %u of \"%s\" says lock %u, earlier lock %u",
		      nm.op, fuzz_names[ni], back.lock, seen - 1);
}

/* Command numbers the VFS answers itself, for every file. */
static bool vfs_type(unsigned int type)
{
	return type == 0 || type == 'T' || type == 'X' || type == 'f' ||
	       type == 0x94 || type == 0x15;
}

/*
 * REQUEST: bad flags or nonzero outputs are refused; a good one asks
 * the owner of any lock (the fuzzer's own holds included) and says SENT
 * with the owner, or FREE with owner 0.
 */
static void do_request(struct ctx *c, struct file *f, int fd)
{
	struct blklock_request rq = { 0 }, back;
	enum ptr_kind k = pick_ptr(&c->r);
	struct want w = { { 0 } };
	int ls = file_ls(c, f), e;
	unsigned long addr;
	char what[160];
	bool bad = false;

	rq.lock = pick_lock(c, f, false);
	if (chance(&c->r, 6)) {
		rq.flags = 1U << rnd_below(&c->r, 32);
		bad = true;
	}
	if (chance(&c->r, 8)) {
		/* Outputs and reserved fields must come in as zero. */
		switch (rnd_below(&c->r, 4)) {
		case 0:
			rq.owner = (uint32_t)rnd64(&c->r) | 1;
			break;
		case 1:
			rq.result = (uint32_t)rnd64(&c->r) | 1;
			break;
		case 2:
			rq.generation = rnd64(&c->r) | 1;
			break;
		default:
			rq.reserved[rnd_below(&c->r, 2)] = rnd64(&c->r) | 1;
		}
		bad = true;
	}
	addr = place(c, k, &rq, sizeof(rq));
	snprintf(what, sizeof(what), "%s lock %u flags 0x%x (%s)", ptr_name[k],
		 rq.lock, rq.flags, f ? "own file" : "shared file");
	e = xioctl(OP_REQUEST, fd, BLKLOCK_IOC_REQUEST, addr);

	if (refused_first(&w, k, bad, ls)) {
		/* EFAULT, EINVAL or ENXIO alone */
	} else if (rq.lock >= sh->nr_locks) {
		w = w_only(EINVAL);
		no_space(&w, ls);
	} else {
		no_space(&w, ls);
		if (sh->format < 4) {
			w_add(&w, EOPNOTSUPP);
		} else {
			/* Written back only on success; askers may collide. */
			w_add(&w, ptr_writable(k) ? 0 : EFAULT);
			w_add(&w, EBUSY);
		}
	}
	expect_on(c, f, fd, OP_REQUEST, rq.lock, e, &w, what);
	if (e)
		return;
	fetch(k, addr, &back, sizeof(back));
	check(c, back.lock == rq.lock && !back.flags && !back.reserved[0] &&
	      !back.reserved[1] && back.owner <= sh->max_node &&
	      back.generation < (1ULL << 63) &&
	      (back.result == BLKLOCK_REQUEST_SENT ? back.owner != 0 :
	       back.result == BLKLOCK_REQUEST_FREE && !back.owner),
	      "REQUEST of lock %u: owner %u result %u generation %llu",
	      back.lock, back.owner, back.result,
	      (unsigned long long)back.generation);
}

static const unsigned int good_cmds[] = {
	0, BLKLOCK_IOC_ATTACH, BLKLOCK_IOC_FORMAT, BLKLOCK_IOC_INFO,
	BLKLOCK_IOC_ACQUIRE, BLKLOCK_IOC_RELEASE, BLKLOCK_IOC_STATUS,
	BLKLOCK_IOC_VALIDATE, BLKLOCK_IOC_NODES, BLKLOCK_IOC_BREAK,
	BLKLOCK_IOC_DETACH, BLKLOCK_IOC_NAME, BLKLOCK_IOC_REQUEST,
	BLKLOCK_IOC_ADD_PATH,
};

/*
 * good_cmds[1..13]: numbers 0x01 to 0x0d.  ADD_PATH (0x0d) is only ever
 * sent mangled here: a path added to a lockspace would take the disk
 * that another node id of the test uses (VM test 21-multipath tests it).
 */
#define NR_GOOD_CMDS	13

static void do_badcmd(struct ctx *c, int fd)
{
	unsigned int cmd, nr, dir, size, type;
	struct want w;
	char what[64];
	unsigned long arg;
	int e;

	switch (rnd_below(&c->r, 5)) {
	case 0:	/* one of ours, with another size or direction */
		nr = 1 + rnd_below(&c->r, NR_GOOD_CMDS);
		dir = rnd_below(&c->r, 4);
		size = PICK(&c->r, 0, 1, 8, _IOC_SIZE(good_cmds[nr]) - 8,
			    _IOC_SIZE(good_cmds[nr]) + 8, _IOC_SIZEMASK,
			    _IOC_SIZE(good_cmds[nr]));
		cmd = _IOC(dir, BLKLOCK_IOC_MAGIC, nr, size);
		break;
	case 1:	/* our magic, a number we do not have */
		nr = PICK(&c->r, 0, NR_GOOD_CMDS + 1, NR_GOOD_CMDS + 2, 0x7f,
			  0x80, 0xff);
		cmd = _IOC(rnd_below(&c->r, 4), BLKLOCK_IOC_MAGIC, nr,
			   rnd_below(&c->r, 256));
		break;
	case 2:	/* another driver's magic with our numbers */
		cmd = good_cmds[1 + rnd_below(&c->r, NR_GOOD_CMDS)];
		cmd = (cmd & ~(_IOC_TYPEMASK << _IOC_TYPESHIFT)) |
		      (PICK(&c->r, 0xb8, 0xba, 'Z', 0x12, 0xff) << _IOC_TYPESHIFT);
		break;
	default:	/* anything */
		cmd = (uint32_t)rnd64(&c->r);
		break;
	}
	type = _IOC_TYPE(cmd);
	if (vfs_type(type)) {
		cmd ^= 0xb8U << _IOC_TYPESHIFT;
		type = _IOC_TYPE(cmd);
	}
	/* Never a real command: it would act on the zeroes it points to. */
	nr = _IOC_NR(cmd);
	if (type == BLKLOCK_IOC_MAGIC && nr >= 1 && nr <= NR_GOOD_CMDS &&
	    cmd == good_cmds[nr])
		cmd ^= 1U << _IOC_SIZESHIFT;
	arg = (unsigned long)(chance(&c->r, 50) ? (uintptr_t)(c->a.rw + 64) :
			      (uintptr_t)kernel_address(&c->r));
	memset(c->a.rw + 64, 0, 256);
	snprintf(what, sizeof(what), "command 0x%08x", cmd);
	e = xioctl(OP_BADCMD, fd, cmd, arg);
	if (type != BLKLOCK_IOC_MAGIC || nr < 1 || nr > NR_GOOD_CMDS)
		w = w_only(ENOTTY);
	else
		w = w_only(EINVAL);
	expect(c, OP_BADCMD, e, &w, what);
}

/* ---- scenarios (each in a child process of its own) ------------------------ */

/* A file bound to (disk, node) in a scenario child; -1 if that fails. */
static int scen_file(struct ctx *c, int disk, uint32_t node)
{
	int fd = open_dev(), e;
	struct want w = w_only(0);

	if (fd < 0)
		return -1;
	e = attach_plain(fd, disk, node);
	/* The disk may be attached here with another node id, or be opened
	 * exclusively by a FORMAT; that node id may be attached through the
	 * other path.
	 */
	w_add(&w, EBUSY);
	w_add(&w, EADDRINUSE);
	expect(c, OP_ATTACH, e, &w, "in a scenario");
	if (e) {
		close(fd);
		return -1;
	}
	return fd;
}

static int acquire_plain(int fd, uint32_t lock, uint32_t flags,
			 uint32_t timeout, uint64_t *gen)
{
	struct blklock_acquire aq = {
		.lock = lock, .flags = flags, .timeout_ms = timeout,
	};
	int e = xioctl(OP_ACQUIRE, fd, BLKLOCK_IOC_ACQUIRE, (unsigned long)&aq);

	if (gen)
		*gen = aq.generation;
	return e;
}

static int release_plain(int fd, uint32_t lock)
{
	struct blklock_release rl = { .lock = lock };

	return xioctl(OP_RELEASE, fd, BLKLOCK_IOC_RELEASE, (unsigned long)&rl);
}

static int status_plain(int fd, uint32_t lock, struct blklock_status *st)
{
	memset(st, 0, sizeof(*st));
	st->lock = lock;
	return xioctl(OP_STATUS, fd, BLKLOCK_IOC_STATUS, (unsigned long)st);
}

/*
 * The state bits of a hold; BLKLOCK_STATE_DELETED says only what the
 * record is to names (a tombstone a number may take), and
 * BLKLOCK_STATE_REQUESTED that someone asked for it, not who holds it.
 */
static uint32_t hold_state(const struct blklock_status *st)
{
	return st->state & ~(BLKLOCK_STATE_DELETED | BLKLOCK_STATE_REQUESTED);
}

/* The lock is free on the disk and no file of this fd's node holds it. */
static void check_free(struct ctx *c, int fd, uint32_t lock, const char *when)
{
	struct blklock_status st;
	int e = status_plain(fd, lock, &st);

	check(c, !e && !st.owner && !hold_state(&st),
	      "%s: STATUS of lock %u: %s owner %u state 0x%x", when, lock,
	      strerror(e), st.owner, st.state);
}

static void check_mine(struct ctx *c, int fd, uint32_t lock, const char *when)
{
	struct blklock_status st;
	int e = status_plain(fd, lock, &st);

	if (!e && (st.state & BLKLOCK_STATE_LOST)) {
		add(&sh->lost, 1);
		return;
	}
	check(c, !e && hold_state(&st) == (BLKLOCK_STATE_HELD_BY_FILE |
					   BLKLOCK_STATE_HELD_BY_NODE),
	      "%s: STATUS of lock %u: %s owner %u state 0x%x", when, lock,
	      strerror(e), st.owner, st.state);
}

/* Bound scenario steps: the kernel must answer within these. */
static bool wait_child(pid_t pid, int *status, unsigned int ms)
{
	unsigned int i;

	for (i = 0; i < ms / 10; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		ms_sleep(10);
	}
	return false;
}

/* One byte from @fd within @ms; -1 if none came. */
static int read_byte(int fd, unsigned int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char ch;

	if (poll(&pfd, 1, (int)ms) != 1 || read(fd, &ch, 1) != 1)
		return -1;
	return ch;
}

/* Is task @tid of process @pid asleep in ioctl()?  (/proc/.../syscall) */
static bool in_ioctl(pid_t pid, pid_t tid)
{
	char path[64], buf[64];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = 0;
	return strtol(buf, NULL, 10) == SYS_ioctl;
}

static bool wait_in_ioctl(pid_t pid, pid_t tid, unsigned int ms)
{
	unsigned int i;

	for (i = 0; i < ms / 5; i++) {
		if (in_ioctl(pid, tid))
			return true;
		ms_sleep(5);
	}
	return false;
}

struct blocker {
	int fd;
	uint32_t lock, timeout;
	int e;
	uint64_t gen;
	volatile pid_t tid;
	volatile int done;
};

static void *blocker_fn(void *arg)
{
	struct blocker *b = arg;

	b->tid = (pid_t)syscall(SYS_gettid);
	b->e = acquire_plain(b->fd, b->lock, 0, b->timeout, &b->gen);
	__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static bool wait_done(struct blocker *b, unsigned int ms)
{
	unsigned int i;

	for (i = 0; i < ms / 5; i++) {
		if (__atomic_load_n(&b->done, __ATOMIC_ACQUIRE))
			return true;
		ms_sleep(5);
	}
	return false;
}

/*
 * A thread blocks in ACQUIRE of a lock another file holds, on the same
 * lockspace (it waits in memory) or the other one (it polls the disk);
 * its file is closed meanwhile.  Either the holder releases (the blocked
 * call succeeds, then the close releases the lock) or the call times out.
 */
static void scen_close(struct ctx *c)
{
	uint32_t lock = scen_lock(c, 0);
	bool remote = chance(&c->r, 40), timeout = chance(&c->r, 30);
	struct blocker b = { 0 };
	unsigned int i;
	pthread_t th;
	int fd1, e;

	fd1 = scen_file(c, 0, 1);
	if (fd1 < 0)
		goto skip;
	e = acquire_plain(fd1, lock, BLKLOCK_ACQUIRE_NOWAIT, 0, NULL);
	if (e == ENOLCK)
		goto skip;
	if (!check(c, !e, "close-mid-acquire: private lock %u: %s", lock,
		   strerror(e)))
		return;
	b.fd = remote ? scen_file(c, 1, 2) : scen_file(c, 0, 1);
	if (b.fd < 0)
		goto skip;
	b.lock = lock;
	b.timeout = timeout ? 1000 : 0;
	if (pthread_create(&th, NULL, blocker_fn, &b))
		goto skip;
	/* Close the file once the call sleeps in the kernel with it. */
	for (i = 0; i < 2000 && !b.done && !(b.tid && in_ioctl(getpid(), b.tid)); i++)
		ms_sleep(5);
	if (b.done && timeout && b.e == ETIMEDOUT) {
		/* It timed out before it was seen asleep (a slow guest). */
		pthread_join(th, NULL);
		release_plain(fd1, lock);
		goto skip;
	}
	if (!check(c, !b.done && i < 2000,
		   "close-mid-acquire: ACQUIRE of a held lock %s",
		   b.done ? strerror(b.e) : "is not asleep after 10 s"))
		_exit(1);
	ms_sleep(rnd_below(&c->r, 30));
	count(OP_CLOSE, close(b.fd) ? errno : 0);
	if (timeout) {
		check(c, wait_done(&b, 10000),
		      "close-mid-acquire: ACQUIRE with a 1 s timeout still blocked after 10 s");
		pthread_join(th, NULL);
		if (b.e != ENOLCK)
			check(c, b.e == ETIMEDOUT,
			      "close-mid-acquire: ACQUIRE timed out with %s",
			      strerror(b.e));
		check_mine(c, fd1, lock, "close-mid-acquire after a timeout");
		e = release_plain(fd1, lock);
		check(c, !e || e == ENOLCK, "close-mid-acquire: RELEASE: %s",
		      strerror(e));
	} else {
		e = release_plain(fd1, lock);
		check(c, !e || e == ENOLCK, "close-mid-acquire: RELEASE: %s",
		      strerror(e));
		if (!check(c, wait_done(&b, 10000),
			   "close-mid-acquire: ACQUIRE on the closed file still blocked 10 s after the release"))
			_exit(1);	/* the blocked thread cannot be joined */
		pthread_join(th, NULL);
		check(c, !b.e || b.e == ENOLCK,
		      "close-mid-acquire: ACQUIRE on the closed file: %s",
		      strerror(b.e));
		/* It returned: its file is gone, and the lock with it. */
		check_free(c, fd1, lock, "close-mid-acquire after the close");
	}
	add(&sh->scen[SC_CLOSE], 1);
	return;
skip:
	add(&sh->scen[SC_SKIPPED], 1);
}

/*
 * A process blocks in ACQUIRE of a lock this one holds: it is stopped
 * and continued (the call restarts) and then killed while blocked, or
 * it gets the lock once this one releases it and is killed holding it.
 */
static void scen_kill(struct ctx *c)
{
	uint32_t lock = scen_lock(c, 1);
	bool holding = chance(&c->r, 50), remote = chance(&c->r, 30);
	int fd1, p[2], e, status;
	pid_t g;
	char ch;

	fd1 = scen_file(c, 0, 1);
	if (fd1 < 0 || pipe(p))
		goto skip;
	e = acquire_plain(fd1, lock, BLKLOCK_ACQUIRE_NOWAIT, 0, NULL);
	if (e == ENOLCK)
		goto skip;
	if (!check(c, !e, "kill-mid-acquire: private lock %u: %s", lock,
		   strerror(e)))
		return;
	g = fork();
	if (g < 0)
		goto skip;
	if (!g) {
		int fd;

		/* Only a file of its own, and the pipe's write end. */
		if (dup2(p[1], 3) != 3)
			_exit(3);
		syscall(SYS_close_range, 4U, ~0U, 0U);
		fd = remote ? scen_file(c, 1, 2) : scen_file(c, 0, 1);
		if (fd < 0)
			_exit(3);
		ch = 'r';
		if (write(3, &ch, 1) != 1)
			_exit(3);
		e = acquire_plain(fd, lock, 0, 0, NULL);
		ch = e ? 'e' : 'a';
		if (write(3, &ch, 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read_byte(p[0], 20000) != 'r') {
		kill(g, SIGKILL);
		waitpid(g, &status, 0);
		goto skip;	/* it could not attach */
	}
	check(c, wait_in_ioctl(g, g, 10000),
	      "kill-mid-acquire: ACQUIRE of a held lock is not asleep after 10 s");
	ms_sleep(rnd_below(&c->r, 30));
	kill(g, SIGSTOP);
	ms_sleep(10);
	kill(g, SIGCONT);
	ms_sleep(20);
	if (holding) {
		e = release_plain(fd1, lock);
		check(c, !e || e == ENOLCK, "kill-mid-acquire: RELEASE: %s",
		      strerror(e));
		/* The continued call goes on waiting, and gets it. */
		if (check(c, read_byte(p[0], 10000) == 'a',
			  "kill-mid-acquire: the stopped and continued ACQUIRE did not take the released lock"))
			ms_sleep(rnd_below(&c->r, 20));
	}
	kill(g, SIGKILL);
	if (!check(c, wait_child(g, &status, 20000),
		   "kill-mid-acquire: a killed process blocked in ACQUIRE did not exit within 20 s"))
		_exit(1);
	if (holding) {
		check_free(c, fd1, lock, "kill-mid-acquire after killing the holder");
	} else {
		check_mine(c, fd1, lock, "kill-mid-acquire after killing the waiter");
		e = release_plain(fd1, lock);
		check(c, !e || e == ENOLCK, "kill-mid-acquire: RELEASE: %s",
		      strerror(e));
		check_free(c, fd1, lock, "kill-mid-acquire after the release");
	}
	add(&sh->scen[SC_KILL], 1);
	return;
skip:
	add(&sh->scen[SC_SKIPPED], 1);
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* A blocked ACQUIRE without a timeout ends with EINTR on a signal. */
static void scen_eintr(struct ctx *c)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	uint32_t lock = scen_lock(c, 0);
	struct blocker b = { 0 };
	pthread_t th;
	int fd1, e, i;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	fd1 = scen_file(c, 0, 1);
	if (fd1 < 0)
		goto skip;
	e = acquire_plain(fd1, lock, BLKLOCK_ACQUIRE_NOWAIT, 0, NULL);
	if (e == ENOLCK)
		goto skip;
	if (!check(c, !e, "eintr: private lock %u: %s", lock, strerror(e)))
		return;
	b.fd = chance(&c->r, 40) ? scen_file(c, 1, 2) : scen_file(c, 0, 1);
	if (b.fd < 0)
		goto skip;
	b.lock = lock;
	b.timeout = 0;
	if (pthread_create(&th, NULL, blocker_fn, &b))
		goto skip;
	for (i = 0; i < 400 && !wait_done(&b, 20); i++)
		pthread_kill(th, SIGUSR1);
	if (!check(c, b.done, "eintr: ACQUIRE still blocked after 400 signals"))
		_exit(1);
	pthread_join(th, NULL);
	check(c, b.e == EINTR, "eintr: ACQUIRE interrupted by a signal returned %s",
	      strerror(b.e));
	check_mine(c, fd1, lock, "eintr");
	e = release_plain(fd1, lock);
	check(c, !e || e == ENOLCK, "eintr: RELEASE: %s", strerror(e));
	add(&sh->scen[SC_EINTR], 1);
	return;
skip:
	add(&sh->scen[SC_SKIPPED], 1);
}

/* Without CAP_SYS_ADMIN: ATTACH, FORMAT and BREAK say EPERM first. */
static void scen_unpriv(struct ctx *c)
{
	struct blklock_attach at = { .path = (uintptr_t)o_disk[0], .node_id = 1 };
	struct blklock_format fm = { .path = (uintptr_t)"/dev/null", .nr_locks = 1 };
	struct blklock_break br = { .lock = 0 };
	struct blklock_status st;
	struct want w = w_only(EPERM);
	int fd, e;

	fd = open_dev();
	if (fd < 0)
		goto skip;
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		goto skip;
	e = xioctl(OP_ATTACH, fd, BLKLOCK_IOC_ATTACH, (unsigned long)&at);
	expect(c, OP_ATTACH, e, &w, "without CAP_SYS_ADMIN");
	e = xioctl(OP_ATTACH, fd, BLKLOCK_IOC_ATTACH, 0);
	expect(c, OP_ATTACH, e, &w, "without CAP_SYS_ADMIN, NULL argument");
	e = xioctl(OP_FORMAT, fd, BLKLOCK_IOC_FORMAT, (unsigned long)&fm);
	expect(c, OP_FORMAT, e, &w, "without CAP_SYS_ADMIN");
	e = xioctl(OP_BREAK, fd, BLKLOCK_IOC_BREAK, (unsigned long)&br);
	expect(c, OP_BREAK, e, &w, "without CAP_SYS_ADMIN");
	/* The rest needs no capability: the file was opened by root. */
	e = status_plain(fd, 0, &st);
	w = w_only(0);
	w_add(&w, ENXIO);
	expect(c, OP_STATUS, e, &w, "without CAP_SYS_ADMIN");
	e = open(DEV, O_RDWR) < 0 ? errno : 0;
	count(OP_OPEN, e);
	w = w_only(EACCES);
	w_add(&w, ENOENT);	/* unloaded meanwhile */
	expect(c, OP_OPEN, e, &w, DEV " as nobody (mode 0600)");
	add(&sh->scen[SC_UNPRIV], 1);
	return;
skip:
	add(&sh->scen[SC_SKIPPED], 1);
}

/* A scenario, as a thread asks its spawner for one. */
struct scen_req {
	uint32_t which;
	uint64_t seed;
};

static void run_scenario(struct ctx *c, const struct scen_req *m)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return;
	if (!pid) {
		c->r.s = m->seed;
		snprintf(c->tag, sizeof(c->tag), "%d.%d/%s", c->w->id, c->t,
			 scen_name[m->which]);
		switch (m->which) {
		case 0:
			scen_close(c);
			break;
		case 1:
			scen_kill(c);
			break;
		case 2:
			scen_eintr(c);
			break;
		default:
			scen_unpriv(c);
			break;
		}
		fflush(stdout);
		_exit(0);
	}
	if (!wait_child(pid, &status, 60000)) {
		report(c, "scenario %s still running after 60 s", scen_name[m->which]);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return;
	}
	check(c, WIFEXITED(status), "scenario %s ended with signal %d",
	      scen_name[m->which], WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/*
 * Each thread's scenarios are forked by a process of its own that holds
 * no file of /dev/blklock: a child forked by the worker itself would
 * hold, until it closed them, the other threads' files, and a file one
 * of them closed meanwhile would keep its locks for a while.
 */
static pid_t start_spawner(struct ctx *c)
{
	int req[2], resp[2];
	struct scen_req m;
	pid_t pid;
	char ok = 1;

	if (pipe2(req, O_CLOEXEC) || pipe2(resp, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (dup2(req[0], 100) != 100 || dup2(resp[1], 101) != 101)
			_exit(1);
		syscall(SYS_close_range, 3U, 99U, 0U);
		syscall(SYS_close_range, 102U, ~0U, 0U);
		while (read(100, &m, sizeof(m)) == (ssize_t)sizeof(m)) {
			run_scenario(c, &m);
			if (write(101, &ok, 1) != 1)
				break;
		}
		_exit(0);
	}
	close(req[0]);
	close(resp[1]);
	c->spawn_req = req[1];
	c->spawn_resp = resp[0];
	return pid;
}

static void scenario(struct ctx *c)
{
	struct scen_req m = { rnd_below(&c->r, 4), rnd64(&c->r) };

	if (c->spawn_req < 0)
		return;
	fflush(stdout);
	if (!check(c, write(c->spawn_req, &m, sizeof(m)) == (ssize_t)sizeof(m) &&
		   read_byte(c->spawn_resp, 80000) == 1,
		   "the scenario process did not answer within 80 s")) {
		close(c->spawn_req);
		c->spawn_req = -1;
	}
}

/* ---- the threads ----------------------------------------------------------- */

static void close_all(struct ctx *c)
{
	int i;

	for (i = 0; i < POOL; i++)
		close_file(&c->f[i]);
}

/* Park this thread with no file open; the last one closes the shared file. */
static void park(struct ctx *c, bool done)
{
	struct worker *w = c->w;

	close_all(c);
	pthread_mutex_lock(&w->mu);
	if (++w->parked == (int)o_threads) {
		if (w->sfd >= 0)
			count(OP_CLOSE, close(w->sfd) ? errno : 0);
		w->sfd = -1;
		w->sfd_gen++;
		__atomic_store_n(&sh->parked[w->id], 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&w->mu);
	if (done)
		return;
	/* The module process always ends the quiesce; this is a safety net. */
	while (__atomic_load_n(&sh->quiesce, __ATOMIC_ACQUIRE) && secs_left() > -100)
		ms_sleep(10);
	pthread_mutex_lock(&w->mu);
	w->parked--;
	__atomic_store_n(&sh->parked[w->id], 0, __ATOMIC_RELEASE);
	if (w->sfd < 0) {
		w->sfd = open_dev();
		w->sfd_ls = 0;
		if (w->sfd >= 0 && !attach_plain(w->sfd, w->id % 2, 1 + w->id % 2))
			w->sfd_ls = 1;
	}
	pthread_mutex_unlock(&w->mu);
}

static void *thread_main(void *arg)
{
	struct ctx *c = arg;
	struct file *f;
	int i, fd;

	for (i = 0; i < POOL; i++)
		c->f[i].fd = -1;
	while (!time_up()) {
		unsigned int op = rnd_below(&c->r, 100);

		if (__atomic_load_n(&sh->quiesce, __ATOMIC_ACQUIRE)) {
			park(c, false);
			continue;
		}
		/* The shared file was closed (all threads parked): a new one. */
		if (c->sgen != __atomic_load_n(&c->w->sfd_gen, __ATOMIC_ACQUIRE)) {
			c->sgen = __atomic_load_n(&c->w->sfd_gen, __ATOMIC_ACQUIRE);
			c->nsheld = 0;
			c->nshist = 0;
		}
		for (i = 0; i < POOL; i++)
			check(c, c->f[i].fd < 0 || c->f[i].fd != c->w->sfd,
			      "file %d of this thread has the number of the shared file",
			      c->f[i].fd);
		if (op < 2) {
			scenario(c);
			continue;
		}
		if (op < 3) {
			/* No file at all for a moment: a window for rmmod. */
			close_all(c);
			ms_sleep(rnd_below(&c->r, 30));
			continue;
		}
		/* A file: the shared one, or one of mine. */
		if (chance(&c->r, 20) && c->w->sfd >= 0) {
			f = NULL;
			fd = c->w->sfd;
		} else {
			f = &c->f[rnd_below(&c->r, POOL)];
			if (f->fd < 0 && !open_file(c, f)) {
				ms_sleep(5);
				continue;
			}
			if (op < 8) {
				close_file(f);
				continue;
			}
			fd = f->fd;
		}
		if (op < 16)
			do_attach(c, f, fd);
		else if (op < 18)
			do_format(c, fd);
		else if (op < 23)
			do_info(c, f, fd);
		else if (op < 45)
			do_acquire(c, f, fd);
		else if (op < 60)
			do_release(c, f, fd);
		else if (op < 72)
			do_status(c, f, fd);
		else if (op < 82)
			do_validate(c, f, fd);
		else if (op < 87)
			do_nodes(c, f, fd);
		else if (op < 90)
			do_break(c, f, fd);
		else if (op < 93)
			do_name(c, f, fd);
		else if (op < 96)
			do_request(c, f, fd);
		else
			do_badcmd(c, fd);
	}
	park(c, true);
	return NULL;
}

static int worker_main(int id)
{
	struct ctx ctx[MAX_THREADS];
	pid_t spawner[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	struct worker w = { .id = id, .sfd = -1 };
	unsigned int t;

	pthread_mutex_init(&w.mu, NULL);
	for (t = 0; t < o_threads; t++) {
		struct ctx *c = &ctx[t];

		memset(c, 0, sizeof(*c));
		c->w = &w;
		c->t = (int)t;
		c->slot = id * (int)o_threads + (int)t;
		c->spawn_req = c->spawn_resp = -1;
		c->r.s = o_seed ^ (0x1000003ULL * (uint64_t)(c->slot + 1));
		snprintf(c->tag, sizeof(c->tag), "%d.%u", id, t);
		if (arena_init(&c->a)) {
			perror("mmap");
			return 1;
		}
		spawner[t] = start_spawner(c);
	}
	/* Only now the first file of this process. */
	w.sfd = open_dev();
	if (w.sfd >= 0 && !attach_plain(w.sfd, id % 2, 1 + id % 2))
		w.sfd_ls = 1;
	for (t = 0; t < o_threads; t++)
		if (pthread_create(&th[t], NULL, thread_main, &ctx[t])) {
			perror("pthread_create");
			return 1;
		}
	for (t = 0; t < o_threads; t++)
		pthread_join(th[t], NULL);
	for (t = 0; t < o_threads; t++) {
		int status;

		if (spawner[t] < 0)
			continue;
		if (ctx[t].spawn_req >= 0)
			close(ctx[t].spawn_req);
		waitpid(spawner[t], &status, 0);
	}
	return 0;
}

/* ---- diagnostics of a hang ----------------------------------------------------- */

static void dump_file(const char *path, const char *prefix)
{
	char buf[4096];
	ssize_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return;
	buf[len] = 0;
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = 0;
	printf("%s%s\n", prefix, buf);
}

/*
 * Where every task of every process of the fuzzer is: its state, its
 * system call and its kernel stack (for a report of a hang).
 */
static void dump_tasks(const char *why)
{
	char path[96], comm[64], prefix[48];
	struct dirent *p, *t;
	int fd, pid, tid;
	DIR *pd, *td;

	printf("tasks of the fuzzer (%s):\n", why);
	pd = opendir("/proc");
	if (!pd)
		return;
	while ((p = readdir(pd))) {
		pid = atoi(p->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(comm, 0, sizeof(comm));
		if (read(fd, comm, sizeof(comm) - 1) < 0)
			comm[0] = 0;
		close(fd);
		if (strncmp(comm, "blklock-ioctl", 13))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		td = opendir(path);
		if (!td)
			continue;
		while ((t = readdir(td))) {
			tid = atoi(t->d_name);
			if (tid <= 0)
				continue;
			snprintf(prefix, sizeof(prefix), "  %d/%d ", pid, tid);
			snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
			dump_file(path, prefix);
			snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
			dump_file(path, prefix);
			snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", pid, tid);
			dump_file(path, prefix);
		}
		closedir(td);
	}
	closedir(pd);
	fflush(stdout);
}

/* ---- the module --------------------------------------------------------------- */

/*
 * Where kmemleak exists, note the module's address range on the console
 * before it may go, as the test's rmmod does: the scan at the end of the
 * boot tells blklock's leaks by it (tools/testing/vm/kmemleak-blklock.py).
 */
static void note_range(void)
{
	static char last[32];
	char line[256], addr[32];
	unsigned long size;
	FILE *m, *con;

	if (access("/sys/kernel/debug/kmemleak", F_OK))
		return;
	m = fopen("/proc/modules", "r");
	if (!m)
		return;
	while (fgets(line, sizeof(line), m))
		if (sscanf(line, BLKLOCK_MISC_NAME " %lu %*s %*s %*s %31s", &size, addr) == 2 &&
		    strcmp(addr, last)) {
			con = fopen("/dev/console", "w");
			if (con) {
				fprintf(con, "@@BLKTEST@@ RANGE %s %lu\n", addr, size);
				fclose(con);
			}
			strcpy(last, addr);
		}
	fclose(m);
}

static int unload(void)
{
	int e;

	note_range();
	e = syscall(SYS_delete_module, BLKLOCK_MISC_NAME, O_NONBLOCK) ? errno : 0;
	count(OP_UNLOAD, e);
	return e;
}

static int load(struct rng *r)
{
	char params[160] = "";
	int fd, e;

	if (chance(r, 30))
		snprintf(params, sizeof(params), "dev=%s node_id=1", o_disk[0]);
	fd = open(o_module, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	e = syscall(SYS_finit_module, fd, params, 0) ? errno : 0;
	close(fd);
	if (e == EBUSY && params[0]) {
		/* The disk is open exclusively (a FORMAT): load without it. */
		count(OP_LOAD, e);
		params[0] = 0;
		fd = open(o_module, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return errno;
		e = syscall(SYS_finit_module, fd, params, 0) ? errno : 0;
		close(fd);
	}
	count(OP_LOAD, e);
	__atomic_store_n(&sh->loaded_with_dev, !e && params[0], __ATOMIC_RELAXED);
	if (!e)
		add(&sh->loads, 1);
	return e;
}

static bool module_loaded(void)
{
	return !access("/sys/module/" BLKLOCK_MISC_NAME, F_OK);
}

static void load_checked(struct rng *r, const char *when)
{
	int e = load(r);

	check(NULL, !e && !access(DEV, F_OK),
	      "%s: loading %s: %s%s", when, o_module, strerror(e),
	      access(DEV, F_OK) ? " (no " DEV ")" : "");
}

/* Ask every thread to close its files; true once all have. */
static bool quiesce(void)
{
	unsigned int i, w, n;

	__atomic_store_n(&sh->quiesce, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 6000; i++) {
		for (w = 0, n = 0; w < o_procs; w++)
			n += __atomic_load_n(&sh->parked[w], __ATOMIC_ACQUIRE) ? 1 : 0;
		if (n == o_procs)
			return true;
		ms_sleep(10);
	}
	return false;
}

/*
 * With no other file open: FORMAT without FORCE of the lockspace's
 * disk finds it carrying a lockspace (EEXIST), or too small (ENOSPC),
 * and writes nothing (or finds it attached here, EBUSY, when the module
 * was loaded with dev=); DISK_B attaches as a node id above the
 * lockspace's (ERANGE) and as any other node id but 1 (success).
 */
static void idle_checks(struct rng *r)
{
	struct blklock_format fm = {
		.path = (uintptr_t)o_disk[rnd_below(r, 2)],
		.nr_locks = chance(r, 50) ? 64 : BLKLOCK_MAX_LOCKS,
		.max_node_id = 8,
	};
	uint32_t node = 2 + rnd_below(r, sh->max_node - 1);
	int fd = open_dev(), fd2, e;
	struct want w;

	if (fd < 0)
		return;
	e = xioctl(OP_FORMAT, fd, BLKLOCK_IOC_FORMAT, (unsigned long)&fm);
	w = w_only(fm.nr_locks == 64 ? EEXIST : ENOSPC);
	if (__atomic_load_n(&sh->loaded_with_dev, __ATOMIC_RELAXED))
		w_add(&w, EBUSY);
	expect(NULL, OP_FORMAT, e, &w, "of the lockspace's disk, without FORCE, no file open");
	e = attach_plain(fd, 1, sh->max_node + 1);
	w = w_only(ERANGE);
	expect(NULL, OP_ATTACH, e, &w, "of DISK_B as a node id above the lockspace's, no file open");
	fd2 = open_dev();
	if (fd2 >= 0) {
		e = attach_plain(fd2, 1, node);
		w = w_only(0);
		expect(NULL, OP_ATTACH, e, &w, "of DISK_B as a node id not attached, no file open");
		count(OP_CLOSE, close(fd2) ? errno : 0);
	}
	count(OP_CLOSE, close(fd) ? errno : 0);
}

/*
 * Two processes open /dev/blklock, often attach the lockspace on DISK_A
 * as node 1, and close it again, as fast as they can, while this one
 * unloads the module whenever it can and loads it again: open() must
 * fail cleanly or succeed, the unload must fail (EAGAIN) or succeed
 * cleanly, and ATTACH must succeed: the other process's file either
 * shares the lockspace or has detached it.
 */
static void race_unload(struct rng *r)
{
	struct want wa = w_only(0);
	int status, e, k;
	pid_t pid[2];
	unsigned int i;

	__atomic_store_n(&sh->racing, 1, __ATOMIC_RELEASE);
	for (k = 0; k < 2; k++) {
		pid[k] = fork();
		if (pid[k] < 0)
			return;
		if (pid[k])
			continue;
		r->s ^= (uint64_t)k + 1;
		while (__atomic_load_n(&sh->racing, __ATOMIC_ACQUIRE)) {
			int fd = open_dev();

			if (fd < 0) {
				ms_sleep(1);
				continue;
			}
			if (chance(r, 70)) {
				e = attach_plain(fd, 0, 1);
				expect(NULL, OP_ATTACH, e, &wa,
				       "of DISK_A as node 1 with only files like this one open");
			}
			count(OP_CLOSE, close(fd) ? errno : 0);
			ms_sleep(rnd_below(r, 4));	/* windows for the unload */
		}
		_exit(0);
	}
	for (i = 0; i < 20; i++) {
		ms_sleep(rnd_below(r, 50));
		e = unload();
		if (e) {
			check(NULL, e == EAGAIN, "unload racing open(): %s, want success or EAGAIN",
			      strerror(e));
			add(&sh->unload_refused, 1);
			continue;
		}
		add(&sh->unloaded, 1);
		add(&sh->raced, 1);
		ms_sleep(rnd_below(r, 20));
		load_checked(r, "while racing open()");
	}
	__atomic_store_n(&sh->racing, 0, __ATOMIC_RELEASE);
	for (k = 0; k < 2; k++)
		check(NULL, wait_child(pid[k], &status, 20000) && WIFEXITED(status),
		      "a process racing open() with unloads did not end");
	if (!module_loaded())
		load_checked(r, "after racing open()");
}

static int modproc_main(void)
{
	struct rng r = { o_seed ^ 0x6d6f64ULL };
	long every = o_secs / 3 > 8 ? o_secs / 3 : 8;
	long next_quiesce = secs_left() - every;
	int fd, e;

	while (secs_left() > 4) {
		ms_sleep(100 + rnd_below(&r, 500));
		if (!module_loaded()) {
			load_checked(&r, "reload");
			continue;
		}
		/* A third of the run (8 s at least) after the last one. */
		if (secs_left() <= next_quiesce && secs_left() > 5) {
			/* Every file closed: the unload must succeed. */
			next_quiesce = secs_left() - every;
			if (!check(NULL, quiesce(), "the threads did not close their files within 60 s")) {
				dump_tasks("quiesce timed out");
				__atomic_store_n(&sh->quiesce, 0, __ATOMIC_RELEASE);
				continue;
			}
			e = unload();
			check(NULL, !e, "unload with every file closed: %s", strerror(e));
			if (!e) {
				add(&sh->unloaded, 1);
				add(&sh->quiesced, 1);
				check(NULL, !module_loaded() && access(DEV, F_OK),
				      "after the unload, the module or " DEV " is still there");
				ms_sleep(rnd_below(&r, 200));
				load_checked(&r, "after a quiesced unload");
				idle_checks(&r);
				race_unload(&r);
			}
			__atomic_store_n(&sh->quiesce, 0, __ATOMIC_RELEASE);
			continue;
		}
		if (chance(&r, 50)) {
			/* With a file of our own open the unload must fail. */
			fd = open_dev();
			if (fd < 0)
				continue;
			e = unload();
			check(NULL, e == EAGAIN,
			      "unload with " DEV " open: %s, want EAGAIN (EWOULDBLOCK)",
			      strerror(e));
			if (!e) {
				close(fd);
				load_checked(&r, "after an unload that should have failed");
				continue;
			}
			add(&sh->unload_refused, 1);
			count(OP_CLOSE, close(fd) ? errno : 0);
			continue;
		}
		/* A race with the threads' open() and close(). */
		e = unload();
		if (e) {
			check(NULL, e == EAGAIN, "unload: %s, want success or EAGAIN",
			      strerror(e));
			add(&sh->unload_refused, 1);
			continue;
		}
		add(&sh->unloaded, 1);
		ms_sleep(rnd_below(&r, 200));
		load_checked(&r, "after a racing unload");
	}
	if (!module_loaded())
		load_checked(&r, "at the end");
	return 0;
}

/* ---- setup and the final checks ------------------------------------------------ */

/* Bind a new file to the lockspace on DISK_A as node 1 and learn its shape. */
static int main_file(void)
{
	struct blklock_info in;
	int fd = open_dev(), e;

	if (fd < 0) {
		report(NULL, "cannot open " DEV ": %s", strerror(errno));
		return -1;
	}
	e = attach_plain(fd, 0, 1);
	if (e) {
		report(NULL, "cannot attach %s as node 1: %s", o_disk[0], strerror(e));
		close(fd);
		return -1;
	}
	memset(&in, 0, sizeof(in));
	e = xioctl(OP_INFO, fd, BLKLOCK_IOC_INFO, (unsigned long)&in);
	if (e) {
		report(NULL, "INFO: %s", strerror(e));
		close(fd);
		return -1;
	}
	sh->nr_locks = in.nr_locks;
	sh->max_node = in.max_node_id;
	sh->format = in.format_version;
	return fd;
}

static void final_checks(void)
{
	struct blklock_node nodes[BLKLOCK_MAX_NODE_ID];
	struct blklock_nodes nd = { 0 };
	uint32_t i, free_locks = 0, broken = 0, left = 0, unused = 0;
	struct blklock_status st;
	uint64_t gen = 0;
	int fd, e, tries;

	fd = main_file();
	if (fd < 0)
		return;
	for (i = 0; i < sh->nr_locks; i++) {
		e = status_plain(fd, i, &st);
		/* A record left by a node that lost its lease: break it. */
		for (tries = 0; !e && st.owner && tries < 3; tries++) {
			struct blklock_break br = { .lock = i };

			e = xioctl(OP_BREAK, fd, BLKLOCK_IOC_BREAK, (unsigned long)&br);
			check(NULL, __atomic_load_n(&sh->lost, __ATOMIC_RELAXED) > 0,
			      "after every file closed, lock %u is owned by node %u (generation %llu); BREAK: %s result %u",
			      i, st.owner, (unsigned long long)st.generation,
			      strerror(e), br.result);
			if (!e)
				broken++;
			e = status_plain(fd, i, &st);
		}
		if (check(NULL, !e && !st.owner && !hold_state(&st),
			  "final STATUS of lock %u: %s owner %u state 0x%x",
			  i, strerror(e), st.owner, st.state))
			free_locks++;
	}
	/* BREAK finds every record free, and writes nothing. */
	for (i = 0; i < sh->nr_locks; i++) {
		struct blklock_break br = { .lock = i };

		e = xioctl(OP_BREAK, fd, BLKLOCK_IOC_BREAK, (unsigned long)&br);
		check(NULL, !e && br.result == BLKLOCK_BREAK_WAS_FREE,
		      "final BREAK of lock %u: %s result %u", i, strerror(e),
		      br.result);
	}
	/* Every node the fuzzer attached has left cleanly. */
	nd.nodes = (uintptr_t)nodes;
	nd.first = 1;
	nd.count = sh->max_node;
	e = xioctl(OP_NODES, fd, BLKLOCK_IOC_NODES, (unsigned long)&nd);
	if (check(NULL, !e && nd.count == sh->max_node, "final NODES: %s count %u",
		  strerror(e), nd.count)) {
		for (i = 0; i < nd.count; i++) {
			if (nodes[i].state == BLKLOCK_NODE_LEFT)
				left++;
			else if (nodes[i].state == BLKLOCK_NODE_UNUSED)
				unused++;
			check(NULL, nodes[i].state == BLKLOCK_NODE_LEFT ||
			      nodes[i].state == BLKLOCK_NODE_UNUSED ||
			      (nodes[i].state == BLKLOCK_NODE_SELF && i == 0),
			      "final NODES: node %u is in state %u, not left",
			      nodes[i].node_id, nodes[i].state);
		}
	}
	/* The lockspace still works. */
	e = acquire_plain(fd, 0, BLKLOCK_ACQUIRE_NOWAIT, 0, &gen);
	check(NULL, !e, "final ACQUIRE of lock 0: %s", strerror(e));
	if (!e) {
		struct blklock_validate v = { .lock = 0, .generation = gen };

		e = xioctl(OP_VALIDATE, fd, BLKLOCK_IOC_VALIDATE, (unsigned long)&v);
		check(NULL, !e, "final VALIDATE of lock 0: %s", strerror(e));
		e = release_plain(fd, 0);
		check(NULL, !e, "final RELEASE of lock 0: %s", strerror(e));
	}
	count(OP_CLOSE, close(fd) ? errno : 0);
	printf("final locks %u free %u broken %u nodes-left %u nodes-unused %u\n",
	       sh->nr_locks, free_locks, broken, left, unused);
}

static void summary(void)
{
	uint64_t total = 0, ioctls = 0;
	char buf[16];
	int op, e;

	for (op = 0; op < NR_OPS; op++) {
		total += sh->calls[op];
		if (op <= OP_BADCMD)
			ioctls += sh->calls[op];
	}
	printf("calls ioctl %" PRIu64 " all %" PRIu64, ioctls, total);
	for (op = 0; op < NR_OPS; op++)
		printf(" %s %" PRIu64, op_name[op], sh->calls[op]);
	printf("\n");
	for (op = 0; op < NR_OPS; op++) {
		if (!sh->calls[op])
			continue;
		printf("errno %s:", op_name[op]);
		for (e = 0; e < NERR; e++)
			if (sh->err[op][e])
				printf(" %s %" PRIu64,
				       e == NERR - 1 ? "other" : ename(e, buf, sizeof(buf)),
				       sh->err[op][e]);
		printf("\n");
	}
	printf("scenarios");
	for (e = 0; e < NR_SCEN; e++)
		printf(" %s %" PRIu64, scen_name[e], sh->scen[e]);
	printf("\n");
	printf("module unload-refused %" PRIu64 " unloaded %" PRIu64
	       " quiesced %" PRIu64 " raced-open %" PRIu64 " loads %" PRIu64 "\n",
	       sh->unload_refused, sh->unloaded, sh->quiesced, sh->raced,
	       sh->loads);
	printf("locks acquired %" PRIu64 " lost %" PRIu64 " freed-by-break %" PRIu64 "\n",
	       sh->acquired, sh->lost, sh->freed);
	printf("checks %" PRIu64 " failed %" PRIu64 "\n", sh->checks, sh->failed);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: blklock-ioctl-fuzz -a DISK_A -b DISK_B [-t SECONDS] [-s SEED]\n"
		"       [-p PROCESSES] [-T THREADS] [-k MODULE.ko] [-v]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	pid_t pids[MAX_PROCS + 1];
	unsigned int i, n = 0;
	struct timespec now;
	int opt, status, fd;
	bool seeded = false;

	while ((opt = getopt(argc, argv, "a:b:t:s:p:T:k:v")) != -1) {
		switch (opt) {
		case 'a':
			o_disk[0] = optarg;
			break;
		case 'b':
			o_disk[1] = optarg;
			break;
		case 't':
			o_secs = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 's':
			o_seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'p':
			o_procs = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'T':
			o_threads = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'k':
			o_module = optarg;
			break;
		case 'v':
			o_verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (!o_disk[0] || !o_disk[1] || !strrchr(o_disk[0], '/') ||
	    !strrchr(o_disk[1], '/') || !o_procs || o_procs > MAX_PROCS ||
	    !o_threads || o_threads > MAX_THREADS || !o_secs)
		usage();
	if (!seeded) {
		clock_gettime(CLOCK_REALTIME, &now);
		o_seed = (uint64_t)now.tv_sec * 1000000007ULL ^
			 (uint64_t)now.tv_nsec ^ (uint64_t)getpid() << 32;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/*
	 * A 32-bit glibc's threads need the 32-bit time system calls
	 * (futex): a kernel without CONFIG_COMPAT_32BIT_TIME lacks them.
	 */
	if (sizeof(long) == 4 && syscall(SYS_futex, &opt, 1 /* FUTEX_WAKE */, 1,
					 NULL, NULL, 0) < 0 && errno == ENOSYS) {
		printf("skip: this kernel has no 32-bit futex (CONFIG_COMPAT_32BIT_TIME), which a 32-bit program's threads need\n");
		return 77;
	}
	printf("seed 0x%016" PRIx64 " seconds %u processes %u threads %u abi %zu-bit%s (replay: -s 0x%016" PRIx64 ")\n",
	       o_seed, o_secs, o_procs, o_threads, sizeof(long) * 8,
	       o_module ? " unloading" : "", o_seed);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(sh, 0, sizeof(*sh));
	signal(SIGPIPE, SIG_IGN);

	fd = main_file();
	if (fd < 0)
		return 1;
	close(fd);
	if (sh->nr_locks < priv_end() + 8) {
		fprintf(stderr, "the lockspace has %u locks: %u processes of %u threads need %u\n",
			sh->nr_locks, o_procs, o_threads, priv_end() + 8);
		return 2;
	}
	printf("lockspace locks %u nodes %u\n", sh->nr_locks, sh->max_node);
	if (o_verbose)
		printf("private locks %u..%u\n", PRIV_BASE, priv_end() - 1);

	clock_gettime(CLOCK_MONOTONIC, &t_end);
	t_end.tv_sec += o_secs;
	fflush(stdout);
	for (i = 0; i < o_procs + (o_module ? 1 : 0); i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			break;
		}
		if (!pid)
			_exit(i < o_procs ? worker_main((int)i) : modproc_main());
		pids[n++] = pid;
	}
	for (i = 0; i < n; i++) {
		/* Every call is bounded: a worker still there long after the
		 * end is stuck in the kernel.
		 */
		unsigned int waited = 0;

		while (waitpid(pids[i], &status, WNOHANG) != pids[i]) {
			if (secs_left() < -90 && !waited++) {
				report(NULL, "process %u still running 90 s after the end: killing it", i);
				dump_tasks("still running");
				kill(pids[i], SIGKILL);
			}
			ms_sleep(50);
		}
		check(NULL, WIFEXITED(status) && !WEXITSTATUS(status),
		      "process %u ended with %s %d", i,
		      WIFEXITED(status) ? "status" : "signal",
		      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
	if (o_module && !module_loaded()) {
		struct rng r = { o_seed };

		load_checked(&r, "before the final checks");
	}
	final_checks();
	summary();
	return sh->failed ? 1 : 0;
}
