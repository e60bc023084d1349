// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: what a lockspace holds, for an administrator.
 *
 *   status (no LOCK)   every node's heartbeat as the module sees it
 *                      (BLKLOCK_IOC_NODES), then every held lock
 *   dump DISK          the raw blocks, read from user space without the
 *                      module: header, heartbeat slots (sampled twice to
 *                      tell a live node from a dead one), held locks
 *
 * Both say, for every held lock, whether its owner is alive: the
 * question an administrator has after reading a miscompare in dmesg.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/blklock.h>

#include "blklockctl.h"
#include "ondisk.h"

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "850 ms", "12.3 s", "4 min 10 s", "3 h 5 min" */
static const char *fmt_ms(uint64_t ms, char *buf, size_t len)
{
	if (ms < 10000)
		snprintf(buf, len, "%" PRIu64 " ms", ms);
	else if (ms < 120000)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " s", ms / 1000,
			 ms % 1000 / 100);
	else if (ms < 7200000)
		snprintf(buf, len, "%" PRIu64 " min %" PRIu64 " s", ms / 60000,
			 ms % 60000 / 1000);
	else
		snprintf(buf, len, "%" PRIu64 " h %" PRIu64 " min", ms / 3600000,
			 ms % 3600000 / 60000);
	return buf;
}

/* A writer's CLOCK_REALTIME stamp, as UTC and as an age on our clock. */
static const char *fmt_wall(uint64_t ns, char *buf, size_t len)
{
	time_t t = ns / 1000000000ULL;
	uint64_t now = realtime_ns();
	char age[32];
	struct tm tm;

	if (!ns || !gmtime_r(&t, &tm)) {
		snprintf(buf, len, "unknown");
		return buf;
	}
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
	if (now >= ns)
		snprintf(buf + strlen(buf), len - strlen(buf), " (%s ago by this host's clock)",
			 fmt_ms((now - ns) / 1000000, age, sizeof(age)));
	else
		snprintf(buf + strlen(buf), len - strlen(buf), " (ahead of this host's clock)");
	return buf;
}

static void print_uuid16(const uint8_t *u)
{
	for (int i = 0; i < 16; i++)
		printf("%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "",
		       u[i]);
}

/* ---- status of the whole lockspace, through the module ----------------- */

struct status_ctx {
	const struct blklock_node *nodes;
	uint32_t max_node_id;
	uint32_t lease_ms;
	uint32_t self;
	uint64_t self_incarnation;
};

static const char *node_state_name(uint32_t s)
{
	static const char *const names[] = {
		[BLKLOCK_NODE_UNUSED] = "unused",
		[BLKLOCK_NODE_SELF] = "self",
		[BLKLOCK_NODE_LIVE] = "live",
		[BLKLOCK_NODE_WATCHING] = "not-renewing",
		[BLKLOCK_NODE_STALE] = "stale",
		[BLKLOCK_NODE_LEFT] = "left",
		[BLKLOCK_NODE_CORRUPT] = "damaged",
		[BLKLOCK_NODE_EVICTED] = "evicted",
	};

	return s < sizeof(names) / sizeof(names[0]) && names[s] ? names[s] : "unknown";
}

/* Whether the owner of a held record is alive, in words. */
static void owner_verdict(const struct status_ctx *sc, const struct bl_lock *r,
			  char *buf, size_t len)
{
	const struct blklock_node *n;
	char t[32];

	if (!r->owner || r->owner > sc->max_node_id) {
		snprintf(buf, len, "owner %u has no heartbeat slot: stale", r->owner);
		return;
	}
	n = &sc->nodes[r->owner - 1];
	if (n->state == BLKLOCK_NODE_SELF) {
		snprintf(buf, len, r->owner_incarnation == sc->self_incarnation ?
			 "held by this node" :
			 "this node's earlier incarnation: stale, reclaimed or taken over at the next acquire");
		return;
	}
	if (n->state == BLKLOCK_NODE_EVICTED &&
	    n->incarnation == r->owner_incarnation) {
		/* Another node marked the slot of the incarnation that took the lock. */
		snprintf(buf, len, "owner evicted: the lock may be broken (the next acquire takes it over; blklockctl break %u frees it)",
			 r->lock);
		return;
	}
	if (n->state == BLKLOCK_NODE_UNUSED || n->state == BLKLOCK_NODE_LEFT ||
	    n->incarnation != r->owner_incarnation) {
		snprintf(buf, len, "owner %s since (slot incarnation %016" PRIx64
			 "): stale, the next acquire takes it over",
			 n->state == BLKLOCK_NODE_LEFT ? "left" : "restarted",
			 (uint64_t)n->incarnation);
		return;
	}
	switch (n->state) {
	case BLKLOCK_NODE_LIVE:
		snprintf(buf, len, "owner live: the lock is validly held");
		break;
	case BLKLOCK_NODE_STALE:
		snprintf(buf, len, "owner's heartbeat unchanged for %s: stale, the next acquire breaks it",
			 fmt_ms(n->unchanged_ms, t, sizeof(t)));
		break;
	case BLKLOCK_NODE_WATCHING:
		snprintf(buf, len, "owner's heartbeat unchanged for %s: breakable after %u ms unchanged",
			 fmt_ms(n->unchanged_ms, t, sizeof(t)), sc->lease_ms);
		break;
	default:
		snprintf(buf, len, "owner's slot is damaged: it cannot be judged");
	}
}

static void status_lock(void *ctx, uint32_t index, enum bl_check c,
			const struct bl_lock *r)
{
	const struct status_ctx *sc = ctx;
	char verdict[192], when[96];

	if (c != BL_OK) {
		printf("lock %" PRIu32 " damaged: %s\n", index, bl_check_name(c));
		return;
	}
	owner_verdict(sc, r, verdict, sizeof(verdict));
	printf("lock %" PRIu32 " owner %" PRIu32 " generation %" PRIu64
	       " incarnation %016" PRIx64 " acquired %s\n    %s\n", index, r->owner,
	       (uint64_t)r->generation, (uint64_t)r->owner_incarnation,
	       fmt_wall(r->acquired, when, sizeof(when)), verdict);
}

/**
 * lockspace_status() - print every node and every held lock of the
 *	lockspace the control file is bound to
 * @ctl:	open /dev/blklock, attached
 * @what:	out: what failed, for the caller's message
 *
 * Return: 0, or the errno of what failed.
 */
int lockspace_status(int ctl, const char **what)
{
	static const char *const hb_names[] = { "unknown", "live", "fenced", "stopped" };
	struct status_ctx sc = { 0 };
	struct blklock_nodes req;
	struct blklock_node *nodes;
	struct blklock_info info;
	struct bl_scan scan;
	struct bl_disk d;
	uint32_t unused = 0, i;
	char path[64], t[32];
	int err = 0;

	memset(&info, 0, sizeof(info));
	*what = "info";
	if (ioctl(ctl, BLKLOCK_IOC_INFO, &info))
		return errno;
	nodes = calloc(info.max_node_id, sizeof(*nodes));
	if (!info.max_node_id || !nodes) {
		free(nodes);
		*what = "lockspace status (no heartbeat slots)";
		return info.max_node_id ? ENOMEM : EPROTO;
	}
	memset(&req, 0, sizeof(req));
	req.nodes = (uintptr_t)nodes;
	req.first = 1;
	req.count = info.max_node_id;
	req.flags = BLKLOCK_NODES_WAIT;
	*what = "read the heartbeat slots";
	if (ioctl(ctl, BLKLOCK_IOC_NODES, &req)) {
		err = errno;
		goto out;
	}
	info.disk[sizeof(info.disk) - 1] = '\0';
	printf("lockspace %s uuid ", info.disk);
	print_uuid16(info.uuid);
	printf(" format %" PRIu32 " locks %" PRIu32 " node-slots %" PRIu32
	       " heartbeat %" PRIu32 " ms lease %" PRIu32 " ms\n",
	       info.format_version, info.nr_locks, info.max_node_id,
	       info.hb_interval_ms, info.lease_timeout_ms);
	printf("this node %" PRIu32 " heartbeat %s incarnation %016" PRIx64 "\n",
	       info.node_id, info.hb_state < 4 ? hb_names[info.hb_state] : "unknown",
	       (uint64_t)info.incarnation);
	for (i = 0; i < req.count; i++) {
		const struct blklock_node *n = &nodes[i];

		switch (n->state) {
		case BLKLOCK_NODE_UNUSED:
			unused++;
			continue;
		case BLKLOCK_NODE_SELF:
			printf("node %" PRIu32 " self counter %" PRIu64 " last renewal %s ago\n",
			       n->node_id, (uint64_t)n->counter,
			       fmt_ms(n->unchanged_ms, t, sizeof(t)));
			break;
		case BLKLOCK_NODE_LIVE:
			printf("node %" PRIu32 " live counter %" PRIu64 " changed %s ago\n",
			       n->node_id, (uint64_t)n->counter,
			       fmt_ms(n->unchanged_ms, t, sizeof(t)));
			break;
		case BLKLOCK_NODE_WATCHING:
		case BLKLOCK_NODE_STALE:
			printf("node %" PRIu32 " %s counter %" PRIu64 " unchanged for %s%s\n",
			       n->node_id, node_state_name(n->state),
			       (uint64_t)n->counter,
			       fmt_ms(n->unchanged_ms, t, sizeof(t)),
			       n->state == BLKLOCK_NODE_STALE ?
			       " (dead or cut off: its locks can be broken)" :
			       " (not a lease timeout yet)");
			break;
		case BLKLOCK_NODE_LEFT:
			printf("node %" PRIu32 " left counter %" PRIu64 " (detached cleanly)\n",
			       n->node_id, (uint64_t)n->counter);
			break;
		case BLKLOCK_NODE_EVICTED:
			printf("node %" PRIu32 " evicted counter %" PRIu64 " unchanged for %s (another node found it dead and marked its slot: its locks may be broken)\n",
			       n->node_id, (uint64_t)n->counter,
			       fmt_ms(n->unchanged_ms, t, sizeof(t)));
			break;
		default:
			printf("node %" PRIu32 " %s\n", n->node_id,
			       node_state_name(n->state));
		}
	}
	printf("(%" PRIu32 " node slots never used)\n", unused);
	fflush(stdout);

	/* The records, read directly: the module only keeps those it used. */
	snprintf(path, sizeof(path), "/dev/%s", info.disk);
	*what = "read the lock records";
	if (bl_open(&d, path)) {
		err = EIO;
		goto out;
	}
	sc.nodes = nodes;
	sc.max_node_id = req.count;
	sc.lease_ms = info.lease_timeout_ms;
	sc.self = info.node_id;
	sc.self_incarnation = info.incarnation;
	if (bl_scan_locks(&d, status_lock, &sc, &scan))
		err = errno;
	else
		printf("locks: %" PRIu32 " held, %" PRIu32 " free, %" PRIu32
		       " damaged, highest generation %" PRIu64 "\n", scan.held,
		       scan.free, scan.damaged, (uint64_t)scan.max_generation);
	close(d.fd);
out:
	free(nodes);
	return err;
}

/* ---- dump: the raw blocks, without the module ------------------------- */

struct dump_ctx {
	const struct bl_disk *d;
	const struct bl_hb *hb0, *hb1;
	const enum bl_check *hbc;
	uint64_t sampled_ms;	/* 0 if the slots were read once */
};

static void dump_lock(void *ctx, uint32_t index, enum bl_check c,
		      const struct bl_lock *r)
{
	const struct dump_ctx *dc = ctx;
	const struct bl_hb *h;
	char when[96], t[32];

	if (c != BL_OK) {
		printf("lock %" PRIu32 " (LBA %" PRIu64 ") DAMAGED: %s; acquires of it fail with EBADMSG/EUCLEAN until it is rewritten\n",
		       index, (uint64_t)(dc->d->h.lock_lba + index), bl_check_name(c));
		return;
	}
	printf("lock %" PRIu32 " owner %" PRIu32 " generation %" PRIu64
	       " incarnation %016" PRIx64 " acquired %s\n", index, r->owner,
	       (uint64_t)r->generation, (uint64_t)r->owner_incarnation,
	       fmt_wall(r->acquired, when, sizeof(when)));
	if (r->owner > dc->d->h.max_node_id) {
		printf("    owner %" PRIu32 " has no heartbeat slot (max %" PRIu32 "): stale\n",
		       r->owner, dc->d->h.max_node_id);
		return;
	}
	h = &dc->hb1[r->owner - 1];
	if (dc->hbc[r->owner - 1] != BL_OK)
		printf("    owner's heartbeat slot is damaged: liveness unknown\n");
	else if ((h->flags & BLKLOCK_HB_EVICTED) &&
		 h->incarnation == r->owner_incarnation)
		printf("    owner evicted: the lock may be broken (another node found its heartbeat\n"
		       "    unchanged for a lease and marked its slot; the next acquire takes it over)\n");
	else if (!h->incarnation || (h->flags & BLKLOCK_HB_DETACHED) ||
		 h->incarnation != r->owner_incarnation)
		printf("    owner %s: the record is stale; the next acquire takes it over\n",
		       !h->incarnation ? "never heartbeat" :
		       h->flags & BLKLOCK_HB_DETACHED ? "has detached" :
		       "restarted with another incarnation");
	else if (!dc->sampled_ms)
		printf("    owner's heartbeat not sampled (--no-wait): run without it to see whether it renews\n");
	else if (h->counter != dc->hb0[r->owner - 1].counter)
		printf("    owner alive (heartbeat renewed while sampled): the lock is validly held\n");
	else
		printf("    owner's heartbeat did not change in %s: the owner is stopped, frozen or cut off;\n"
		       "    other nodes break the lock once it stays unchanged for %" PRIu32 " ms on their clocks\n",
		       fmt_ms(dc->sampled_ms, t, sizeof(t)), dc->d->h.lease_timeout_ms);
}

/* Read every heartbeat slot; returns -1 with errno on a failed read. */
static int read_slots(const struct bl_disk *d, uint8_t *buf, struct bl_hb *hb,
		      enum bl_check *c)
{
	uint32_t n = d->h.max_node_id, i;

	if (bl_read(d, d->h.hb_lba, n, buf))
		return -1;
	for (i = 0; i < n; i++) {
		memset(&hb[i], 0, sizeof(hb[i]));
		c[i] = bl_hb_decode(buf + (size_t)i * d->bs, d->bs, i + 1, &hb[i]);
	}
	return 0;
}

static void dump_header(const struct bl_disk *d, const char *path)
{
	char when[96];

	printf("%s: blklock lockspace, format %" PRIu32 ", uuid ", path, d->h.version);
	print_uuid16(d->h.uuid);
	printf("\n  block size %" PRIu32 ", %" PRIu64 " blocks%s\n"
	       "  heartbeat slots: %" PRIu32 " at LBA %" PRIu64 "..%" PRIu64 "\n"
	       "  lock records: %" PRIu32 " at LBA %" PRIu64 "..%" PRIu64 "\n"
	       "  heartbeat interval %" PRIu32 " ms, lease timeout %" PRIu32 " ms\n",
	       d->h.block_size, (uint64_t)d->nr_blocks,
	       d->direct ? " (read with O_DIRECT)" : "",
	       d->h.max_node_id, (uint64_t)d->h.hb_lba,
	       (uint64_t)(d->h.hb_lba + d->h.max_node_id - 1), d->h.nr_locks,
	       (uint64_t)d->h.lock_lba, (uint64_t)(d->h.lock_lba + d->h.nr_locks - 1),
	       d->h.hb_interval_ms, d->h.lease_timeout_ms);
	printf("  created %s\n", fmt_wall(d->h.created * 1000000000ULL, when,
					  sizeof(when)));
}

static void dump_slot(const struct dump_ctx *dc, uint32_t i)
{
	const struct bl_hb *a = &dc->hb0[i], *b = &dc->hb1[i];
	char when[96], t[32];

	if (dc->hbc[i] != BL_OK) {
		printf("node %" PRIu32 " slot DAMAGED: %s\n", i + 1,
		       bl_check_name(dc->hbc[i]));
		return;
	}
	if (!b->incarnation)
		return;
	printf("node %" PRIu32 " incarnation %016" PRIx64 " counter %" PRIu64,
	       i + 1, (uint64_t)b->incarnation, (uint64_t)b->counter);
	if (b->flags & BLKLOCK_HB_EVICTED)
		printf(" flags %s: another node found it unchanged for a lease and marked it; its locks may be broken\n",
		       b->flags & BLKLOCK_HB_DETACHED ? "detached,evicted" : "evicted");
	else if (b->flags & BLKLOCK_HB_DETACHED)
		printf(" left (detached cleanly)\n");
	else if (!dc->sampled_ms)
		printf(" renewed %s\n", fmt_wall(b->timestamp, when, sizeof(when)));
	else if (a->incarnation != b->incarnation || a->counter != b->counter)
		printf(" live (+%" PRIu64 " in %s)\n", b->counter - a->counter,
		       fmt_ms(dc->sampled_ms, t, sizeof(t)));
	else
		printf(" NOT RENEWING (unchanged for %s), last renewal %s\n",
		       fmt_ms(dc->sampled_ms, t, sizeof(t)),
		       fmt_wall(b->timestamp, when, sizeof(when)));
}

static int dump_usage(void)
{
	fprintf(stderr, "blklockctl: usage: dump DISK [--no-wait]\n");
	return EXIT_USAGE;
}

/**
 * cmd_dump() - `blklockctl dump DISK [--no-wait]`
 * @argc:	arguments after "dump"
 * @argv:	DISK and options
 *
 * Return: an exit code.
 */
int cmd_dump(int argc, char **argv)
{
	struct dump_ctx dc = { 0 };
	struct bl_hb *hb0, *hb1;
	const char *path = NULL;
	enum bl_check *hbc;
	bool wait = true;
	struct bl_scan scan;
	struct bl_disk d;
	uint8_t *buf;
	uint64_t t0;
	uint32_t i;
	int ret = EXIT_SYSTEM;

	for (i = 0; i < (uint32_t)argc; i++) {
		if (!strcmp(argv[i], "--no-wait"))
			wait = false;
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			return dump_usage();
	}
	if (!path)
		return dump_usage();
	if (bl_open(&d, path))
		return EXIT_SYSTEM;
	dump_header(&d, path);
	hb0 = calloc(d.h.max_node_id, sizeof(*hb0));
	hb1 = calloc(d.h.max_node_id, sizeof(*hb1));
	hbc = calloc(d.h.max_node_id, sizeof(*hbc));
	buf = bl_alloc(&d, d.h.max_node_id);
	if (!hb0 || !hb1 || !hbc || !buf) {
		fprintf(stderr, "blklockctl: out of memory\n");
		goto out;
	}
	t0 = monotonic_ms();
	if (read_slots(&d, buf, hb0, hbc))
		goto io_error;
	if (wait) {
		printf("sampling the heartbeat slots for %" PRIu32 " ms...\n",
		       d.h.hb_interval_ms * 3 / 2);
		fflush(stdout);
		usleep(d.h.hb_interval_ms * 1500);
		if (read_slots(&d, buf, hb1, hbc))
			goto io_error;
		dc.sampled_ms = monotonic_ms() - t0;
	} else {
		memcpy(hb1, hb0, d.h.max_node_id * sizeof(*hb1));
	}
	dc.d = &d;
	dc.hb0 = hb0;
	dc.hb1 = hb1;
	dc.hbc = hbc;
	for (i = 0; i < d.h.max_node_id; i++)
		dump_slot(&dc, i);
	if (bl_scan_locks(&d, dump_lock, &dc, &scan))
		goto io_error;
	printf("locks: %" PRIu32 " held, %" PRIu32 " free, %" PRIu32
	       " damaged, highest generation %" PRIu64 "\n", scan.held, scan.free,
	       scan.damaged, (uint64_t)scan.max_generation);
	ret = scan.damaged ? EXIT_SYSTEM : EXIT_OK;
	goto out;
io_error:
	fprintf(stderr, "blklockctl: %s: read failed: %s\n", path, strerror(errno));
out:
	free(hb0);
	free(hb1);
	free(hbc);
	free(buf);
	close(d.fd);
	return ret;
}
