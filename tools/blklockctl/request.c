// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl request LOCK: ask the holder of a lock to let it go
 * (BLKLOCK_IOC_REQUEST, format 4).  The request is appended to the
 * holder's request block on the disk; the holder's node reads it within
 * a heartbeat interval and tells the file that holds the lock (STATUS
 * says BLKLOCK_STATE_REQUESTED, poll() reports POLLRDBAND).  Advisory:
 * nothing makes the holder let go.
 *
 * Also the signal names of run --on-request=SIGNAL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>

#include <linux/blklock.h>

#include "blklockctl.h"
#include "json.h"

/*
 * A signal as kill(1) takes it: a name with or without SIG, in any case
 * (TERM, SIGTERM, usr1), or a number from 1 to SIGRTMAX.
 */
bool parse_signal(const char *s, int *sig)
{
	uint32_t n;

	if (!s)
		return false;
	if (parse_u32(s, 1, (uint32_t)SIGRTMAX, &n)) {
		*sig = (int)n;
		return true;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *abbrev = sigabbrev_np(i);

		if (abbrev && *s && !strcasecmp(s, abbrev)) {
			*sig = i;
			return true;
		}
	}
	return false;
}

/* "SIGTERM", or "signal 40" for one without a name (real-time signals). */
const char *signal_label(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "signal %d", sig);
	return buf;
}

static const char *request_result_name(uint32_t r)
{
	switch (r) {
	case BLKLOCK_REQUEST_SENT:
		return "sent";
	case BLKLOCK_REQUEST_FREE:
		return "free";
	default:
		return "unknown";
	}
}

static void request_json(const struct blklock_request *q, const char *name)
{
	struct json j;

	json_open(&j, "request");
	json_u64(&j, "lock", q->lock);
	if (name)
		json_str(&j, "name", name);
	json_str(&j, "result", request_result_name(q->result));
	json_u64(&j, "owner", q->owner);
	json_u64(&j, "generation", q->generation);
	json_end(&j);
}

static void request_text(const struct blklock_request *q, const char *name)
{
	char label[LOCK_LABEL_MAX];

	lock_label(q->lock, name, label, sizeof(label));
	switch (q->result) {
	case BLKLOCK_REQUEST_SENT:
		say("asked node %" PRIu32 " to release lock %s, generation %" PRIu64 "\n",
		    q->owner, label, (uint64_t)q->generation);
		break;
	case BLKLOCK_REQUEST_FREE:
		say("lock %s is free: nothing to ask\n", label);
		break;
	default:
		say("lock %s: request result %" PRIu32 " (unknown to this blklockctl), owner %" PRIu32
		    " generation %" PRIu64 "\n", label, q->result, q->owner,
		    (uint64_t)q->generation);
	}
}

/*
 * EOPNOTSUPP means a lockspace of format 2 or 3, or a disk that cannot do
 * COMPARE AND WRITE: INFO tells which.
 */
static int request_unsupported(int err, const char *label)
{
	struct blklock_info i;
	char hint[160];

	memset(&i, 0, sizeof(i));
	if (ioctl(blc.ctl, BLKLOCK_IOC_INFO, &i))
		return fail(OP_REQUEST, err, "request lock %s", label);
	if (i.format_version >= 4)
		snprintf(hint, sizeof(hint),
			 "the disk cannot do COMPARE AND WRITE (not SCSI, or the target refuses it)");
	else
		snprintf(hint, sizeof(hint),
			 "this lockspace is format %" PRIu32 ": it has no requests (format it again to use them)",
			 i.format_version);
	return fail_hint(OP_REQUEST, err, hint, "request lock %s", label);
}

/*
 * request LOCK: BLKLOCK_IOC_REQUEST.  Exit 0 whether a request was sent or
 * the lock was free; EBUSY (the holder's request block kept changing
 * under other askers) is a conflict, as a busy acquire is.
 */
int cmd_request(const struct step *s)
{
	char label[LOCK_LABEL_MAX];
	struct blklock_request q;
	uint32_t lock, result;
	int ret;

	ret = step_lock(s, "request", BLKLOCK_NAME_LOOKUP, &lock, &result);
	if (ret)
		return ret;
	memset(&q, 0, sizeof(q));
	q.lock = lock;
	if (ioctl(blc.ctl, BLKLOCK_IOC_REQUEST, &q)) {
		int err = errno;

		lock_label(lock, s->lock_name, label, sizeof(label));
		if (err == EOPNOTSUPP)
			return request_unsupported(err, label);
		return fail(OP_REQUEST, err, "request lock %s", label);
	}
	q.lock = lock;
	if (blc.quiet)
		return 0;
	if (blc.json)
		request_json(&q, s->lock_name);
	else
		request_text(&q, s->lock_name);
	return 0;
}
