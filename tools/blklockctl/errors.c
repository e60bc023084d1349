// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: error messages.  A failed system call is one line of stderr,
 *   blklockctl: <what>: <strerror> (<ERRNO>); <hint>
 * with the errno's name from strerrorname_np() (glibc 2.32) and a hint of
 * what the errno means for the operation that failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/blklock.h>

#include "blklockctl.h"

/* The errno's symbolic name, "EBUSY", or "?" if the C library has none. */
const char *errno_name(int e)
{
	const char *name = strerrorname_np(e);

	return name ? name : "?";
}

#define ON(op)	(1U << (op))
#define ANY	(~0U)
#define NO_SPACE "no lockspace attached: load blklock with dev= and node_id= or use --device/--node"
#define MODULE	"is the blklock module loaded?"
#define STR_(x)	#x
#define STR(x)	STR_(x)

/* Hints: the first row of the errno whose operations include the failed one. */
static const struct {
	int err;
	unsigned int ops;
	const char *hint;
} hints[] = {
	{ ENOENT, ON(OP_OPEN), MODULE },
	{ ENOENT, ON(OP_NAME), "no lock of that name in this lockspace" },
	{ ENOENT, ON(OP_DETACH), "this host has no persistent attach of it (dev= and plain attaches are not persistent)" },
	{ ENOENT, ON(OP_ATTACH) | ON(OP_FORMAT) | ON(OP_PATH), "no such disk" },
	{ ENXIO, ON(OP_OPEN), MODULE },
	{ ENXIO, ON(OP_ATTACH) | ON(OP_FORMAT), "no such disk, or it is gone" },
	{ ENXIO, ON(OP_PATH), "no lockspace attached to this file: attach it first in the same command list (attach DISK --node=N add-path DISK2), or the disk is gone" },
	{ ENXIO, ANY, NO_SPACE },
	{ ENODEV, ON(OP_OPEN), MODULE },
	{ ENODEV, ON(OP_ATTACH) | ON(OP_FORMAT), "no such disk, or it is gone" },
	{ ENODEV, ANY, "the disk is gone (removed or unreachable), or " NO_SPACE },
	{ EBUSY, ON(OP_ACQUIRE), "the lock is held by another node or file" },
	{ EBUSY, ON(OP_ATTACH), "this host attached the disk as another node id, or the file holds locks" },
	{ EBUSY, ON(OP_PATH), "the disk is in use: mounted, or claimed by another lockspace or driver" },
	{ EBUSY, ON(OP_FORMAT), "a node is heartbeating in the lockspace on it (dmesg names it), its lockspace is attached on this host, or the disk is in use" },
	{ EBUSY, ON(OP_BREAK), "the lock's owner is live, or a file on this node holds it: refusing to break it" },
	{ EBUSY, ON(OP_NAME), "the lock, or the record the name would take, is held" },
	{ EOPNOTSUPP, ON(OP_NAME), "this lockspace has no lock names (format 4 has them: format it again to use names)" },
	{ EBUSY, ON(OP_REQUEST), "the holder's request block kept changing under other askers: try again" },
	{ EOPNOTSUPP, ON(OP_REQUEST), "this lockspace has no requests (format 4 has them: format it again to use them)" },
	{ ENOTTY, ON(OP_REQUEST), "this blklock module has no requests (BLKLOCK_IOC_REQUEST): it is older than this blklockctl" },
	{ ENOSPC, ON(OP_NAME), "every lock record of the lockspace carries a name (deleted names too): no record is left for another one" },
	{ ENOTTY, ON(OP_NAME), "this blklock module has no lock names (BLKLOCK_IOC_NAME): it is older than this blklockctl" },
	{ EINVAL, ON(OP_NAME), "the kernel refused the name; see dmesg" },
	{ ETIMEDOUT, ON(OP_ACQUIRE), "the lock stayed held by another node or file for the whole timeout" },
	{ EINTR, ANY, "interrupted by a signal" },
	{ EEXIST, ON(OP_PATH), "it is a path of the lockspace already" },
	{ EXDEV, ON(OP_PATH), "it is not the lockspace's LUN: another LUN designator, another block 0, or this node's heartbeat slot reads differently through it (a copy or snapshot of the LUN); dmesg says which" },
	{ ENOSPC, ON(OP_PATH), "the lockspace has " STR(BLKLOCK_MAX_PATHS) " paths already, the most it takes" },
	{ EOPNOTSUPP, ON(OP_PATH), "not a SCSI disk, or it cannot do COMPARE AND WRITE" },
	{ ENOTBLK, ON(OP_PATH), "not a block device" },
	{ ENOTTY, ON(OP_PATH), "this blklock module has no paths (BLKLOCK_IOC_ADD_PATH): it is older than this blklockctl" },
	{ EOPNOTSUPP, ANY, "the disk cannot do COMPARE AND WRITE (not SCSI, or the target refuses it)" },
	{ EACCES, ON(OP_OPEN), "the control device is for root only" },
	{ EACCES, ANY, "permission denied, or a SCSI reservation conflict" },
	{ EPERM, ON(OP_OPEN) | ON(OP_ATTACH) | ON(OP_FORMAT) | ON(OP_BREAK) | ON(OP_DETACH) |
		 ON(OP_PATH),
	  "needs CAP_SYS_ADMIN" },
	{ EPERM, ON(OP_RELEASE) | ON(OP_VALIDATE), "this file does not hold that lock" },
	{ EINVAL, ON(OP_VALIDATE), "not the generation this file holds the lock at, or a bad argument; see dmesg" },
	{ EINVAL, ON(OP_ACQUIRE) | ON(OP_RELEASE) | ON(OP_STATUS) | ON(OP_BREAK) |
		  ON(OP_REQUEST),
	  "lock number beyond the lockspace (see info), or a bad argument; see dmesg" },
	{ EINVAL, ANY, "the kernel refused an argument; see dmesg" },
	{ ENOTTY, ANY, "not a blklock control device, or a blklock module with another ABI" },
	{ EEXIST, ON(OP_ATTACH), "the lockspace is attached persistently already" },
	{ EEXIST, ANY, "the disk carries another signature; --force overwrites it" },
	{ EMEDIUMTYPE, ANY, "the disk holds no lockspace: format it first" },
	{ EPROTO, ANY, "the lockspace has an older on-disk format: format it again" },
	{ EPROTONOSUPPORT, ANY, "the lockspace was written by a newer blklock" },
	{ EBADMSG, ANY, "an on-disk checksum is wrong; see dmesg" },
	{ EUCLEAN, ANY, "the on-disk lockspace is inconsistent; see dmesg" },
	{ ESTALE, ANY, "the disk changed underneath (another formatter?)" },
	{ ENOSPC, ANY, "the disk is too small for that many locks and node ids" },
	{ ERANGE, ON(OP_ATTACH), "the node id is above the lockspace's limit (format --max-nodes)" },
	{ EADDRINUSE, ANY, "the node id is in use by another host" },
	{ ENOLCK, ON(OP_RELEASE), "the file no longer holds the lock: it was lost (this node could not renew its lease, or another node took it over), or the release timed out and the module frees the record later" },
	{ ENOLCK, ANY, "the lock is lost: this node could not renew its lease, or another node took it over" },
	{ EDEADLK, ANY, "this file already holds that lock" },
	{ ENOMEDIUM, ANY, "the disk is not ready" },
	{ EROFS, ANY, "the disk is write-protected" },
	{ EIO, ANY, "a SCSI command failed; see dmesg" },
	{ ETIME, ANY, "a SCSI command failed; see dmesg" },
	{ ENOLINK, ANY, "a SCSI command failed; see dmesg" },
	{ ECONNABORTED, ANY, "a SCSI command failed; see dmesg" },
	{ ECONNRESET, ANY, "a SCSI command failed; see dmesg" },
	{ EREMOTEIO, ANY, "a SCSI command failed; see dmesg" },
	{ EILSEQ, ANY, "a SCSI command failed; see dmesg" },
};

/* A short hint for an errno of @op, or NULL. */
static const char *errno_hint(enum op op, int e)
{
	for (size_t k = 0; k < sizeof(hints) / sizeof(hints[0]); k++)
		if (hints[k].err == e && (hints[k].ops & ON(op)))
			return hints[k].hint;
	return NULL;
}

/*
 * The exit code of a failed @op: EXIT_CONFLICT for a lock held elsewhere
 * (main() turns it into -E's code).
 */
int exit_code(enum op op, int e)
{
	if (e == EINTR)
		return EXIT_INTERRUPTED;
	if (e == ENOLCK)
		return EXIT_LOST;
	if (op == OP_ACQUIRE && (e == EBUSY || e == ETIMEDOUT))
		return EXIT_CONFLICT;
	if ((op == OP_BREAK || op == OP_NAME || op == OP_REQUEST) && e == EBUSY)
		return EXIT_CONFLICT;
	return EXIT_SYSTEM;
}

/* Report a failed system call on one line and return its exit code. */
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

int fail(enum op op, int err, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(op, err, errno_hint(op, err), fmt, ap);
	va_end(ap);
	return ret;
}

/* fail() with a hint of the caller's instead of errno_hint()'s. */
int fail_hint(enum op op, int err, const char *hint, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(op, err, hint, fmt, ap);
	va_end(ap);
	return ret;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("blklockctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'blklockctl --help'.\n", stderr);
	return EXIT_USAGE;
}
