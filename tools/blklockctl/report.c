// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: what a lockspace holds, for an administrator, through the
 * module: status without LOCK prints the paths to the disk (their sysfs
 * state, path.c), every node's heartbeat as the module sees it
 * (BLKLOCK_IOC_NODES), then every held lock with whether its
 * owner is alive: the question an administrator has after reading a
 * miscompare in dmesg.  With --json it is one JSON object on one line.
 * Also the formatting that status, status LOCK and dump share.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/blklock.h>

#include "blklockctl.h"
#include "json.h"
#include "ondisk.h"

/* ---- formatting -------------------------------------------------------- */

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* "850 ms", "12.3 s", "4 min 10 s", "3 h 5 min" */
const char *fmt_ms(uint64_t ms, char *buf, size_t len)
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
const char *fmt_wall(uint64_t ns, char *buf, size_t len)
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

const char *fmt_uuid(const uint8_t *u, char buf[37])
{
	char *p = buf;

	for (int i = 0; i < 16; i++)
		p += sprintf(p, "%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ?
			     "-" : "", u[i]);
	return buf;
}

const char *fmt_hex64(uint64_t v, char buf[17])
{
	snprintf(buf, 17, "%016" PRIx64, v);
	return buf;
}

const char *node_state_name(uint32_t s)
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

/* This node's own heartbeat, struct blklock_info.hb_state. */
const char *hb_state_name(uint32_t s)
{
	static const char *const names[] = { "unknown", "live", "fenced", "stopped" };

	return s < 4 ? names[s] : "unknown";
}

/* ---- status: the whole lockspace ------------------------------------------ */

struct status_ctx {
	const struct blklock_info *info;
	const struct blklock_node *nodes;
	uint32_t nr_nodes;
	struct json *j;		/* --json, or NULL */
};

/* Whether the owner of a held record is alive. */
enum verdict {
	V_NO_SLOT, V_SELF, V_SELF_EARLIER, V_EVICTED, V_LEFT, V_RESTARTED,
	V_LIVE, V_STALE, V_WATCHING, V_SLOT_DAMAGED,
};

static const char *const verdict_names[] = {
	[V_NO_SLOT] = "no-slot", [V_SELF] = "held-by-this-node",
	[V_SELF_EARLIER] = "earlier-incarnation", [V_EVICTED] = "evicted",
	[V_LEFT] = "left", [V_RESTARTED] = "restarted", [V_LIVE] = "live",
	[V_STALE] = "stale", [V_WATCHING] = "not-renewing",
	[V_SLOT_DAMAGED] = "slot-damaged",
};

static enum verdict owner_verdict(const struct status_ctx *sc,
				  const struct bl_lock *r)
{
	const struct blklock_node *n;

	if (!r->owner || r->owner > sc->nr_nodes)
		return V_NO_SLOT;
	n = &sc->nodes[r->owner - 1];
	if (n->state == BLKLOCK_NODE_SELF)
		return r->owner_incarnation == sc->info->incarnation ? V_SELF : V_SELF_EARLIER;
	/* Another node marked the slot of the incarnation that took the lock. */
	if (n->state == BLKLOCK_NODE_EVICTED && n->incarnation == r->owner_incarnation)
		return V_EVICTED;
	if (n->state == BLKLOCK_NODE_LEFT)
		return V_LEFT;
	if (n->state == BLKLOCK_NODE_UNUSED || n->incarnation != r->owner_incarnation)
		return V_RESTARTED;
	switch (n->state) {
	case BLKLOCK_NODE_LIVE:
		return V_LIVE;
	case BLKLOCK_NODE_STALE:
		return V_STALE;
	case BLKLOCK_NODE_WATCHING:
		return V_WATCHING;
	default:
		return V_SLOT_DAMAGED;
	}
}

static void verdict_text(const struct status_ctx *sc, const struct bl_lock *r,
			 enum verdict v, char *buf, size_t len)
{
	const struct blklock_node *n = v == V_NO_SLOT ? NULL : &sc->nodes[r->owner - 1];
	char t[32];

	if (n)
		fmt_ms(n->unchanged_ms, t, sizeof(t));
	switch (v) {
	case V_NO_SLOT:
		snprintf(buf, len, "owner %u has no heartbeat slot: stale", r->owner);
		break;
	case V_SELF:
		snprintf(buf, len, "held by this node");
		break;
	case V_SELF_EARLIER:
		snprintf(buf, len, "this node's earlier incarnation: stale, reclaimed or taken over at the next acquire");
		break;
	case V_EVICTED:
		snprintf(buf, len, "owner evicted: the lock may be broken (the next acquire takes it over; blklockctl break %u frees it)",
			 r->lock);
		break;
	case V_LEFT:
	case V_RESTARTED:
		snprintf(buf, len, "owner %s since (slot incarnation %016" PRIx64
			 "): stale, the next acquire takes it over",
			 v == V_LEFT ? "left" : "restarted", (uint64_t)n->incarnation);
		break;
	case V_LIVE:
		snprintf(buf, len, "owner live: the lock is validly held");
		break;
	case V_STALE:
		snprintf(buf, len, "owner's heartbeat unchanged for %s: stale, the next acquire breaks it", t);
		break;
	case V_WATCHING:
		snprintf(buf, len, "owner's heartbeat unchanged for %s: breakable after %u ms unchanged",
			 t, sc->info->lease_timeout_ms);
		break;
	default:
		snprintf(buf, len, "owner's slot is damaged: it cannot be judged");
	}
}

/* " (NAME)" after a record's index, or "" for an unnamed record. */
static const char *record_name(const struct bl_lock *r, char *buf, size_t len)
{
	if (r->name[0])
		snprintf(buf, len, " (%s)", r->name);
	else
		buf[0] = '\0';
	return buf;
}

static void status_lock(void *ctx, uint32_t index, enum bl_check c,
			const struct bl_lock *r)
{
	const struct status_ctx *sc = ctx;
	struct json *j = sc->j;
	char verdict[192], when[96], name[72];
	enum verdict v;

	if (c != BL_OK && j) {
		json_object(j, NULL);
		json_u64(j, "lock", index);
		json_str(j, "damaged", bl_check_name(c));
		json_end(j);
		return;
	}
	if (c != BL_OK) {
		printf("lock %" PRIu32 " damaged: %s\n", index, bl_check_name(c));
		return;
	}
	if (!r->owner)
		return;		/* a free record with a name, or a tombstone */
	v = owner_verdict(sc, r);
	if (j) {
		json_object(j, NULL);
		json_u64(j, "lock", index);
		if (r->name[0])
			json_str(j, "name", r->name);
		if (r->flags & BLKLOCK_LOCK_DELETED)
			json_bool(j, "deleted", true);
		json_u64(j, "owner", r->owner);
		json_u64(j, "generation", r->generation);
		json_hex64(j, "incarnation", r->owner_incarnation);
		json_u64(j, "acquired_ns", r->acquired);
		json_str(j, "verdict", verdict_names[v]);
		json_end(j);
		return;
	}
	verdict_text(sc, r, v, verdict, sizeof(verdict));
	printf("lock %" PRIu32 "%s%s owner %" PRIu32 " generation %" PRIu64
	       " incarnation %016" PRIx64 " acquired %s\n    %s\n", index,
	       record_name(r, name, sizeof(name)),
	       r->flags & BLKLOCK_LOCK_DELETED ? " deleted" : "", r->owner,
	       (uint64_t)r->generation, (uint64_t)r->owner_incarnation,
	       fmt_wall(r->acquired, when, sizeof(when)), verdict);
}

static void node_text(const struct blklock_node *n)
{
	char t[32];

	fmt_ms(n->unchanged_ms, t, sizeof(t));
	printf("node %" PRIu32 " %s", n->node_id, node_state_name(n->state));
	if (n->state > BLKLOCK_NODE_EVICTED || n->state == BLKLOCK_NODE_CORRUPT) {
		printf("\n");
		return;
	}
	printf(" counter %" PRIu64, (uint64_t)n->counter);
	switch (n->state) {
	case BLKLOCK_NODE_SELF:
		printf(" last renewal %s ago\n", t);
		break;
	case BLKLOCK_NODE_LIVE:
		printf(" changed %s ago\n", t);
		break;
	case BLKLOCK_NODE_WATCHING:
		printf(" unchanged for %s (not a lease timeout yet)\n", t);
		break;
	case BLKLOCK_NODE_STALE:
		printf(" unchanged for %s (dead or cut off: its locks can be broken)\n", t);
		break;
	case BLKLOCK_NODE_LEFT:
		printf(" (detached cleanly)\n");
		break;
	default:	/* BLKLOCK_NODE_EVICTED */
		printf(" unchanged for %s (another node found it dead and marked its slot: its locks may be broken)\n", t);
	}
}

static void node_json(struct json *j, const struct blklock_node *n)
{
	json_object(j, NULL);
	json_u64(j, "node", n->node_id);
	json_str(j, "state", node_state_name(n->state));
	json_hex64(j, "incarnation", n->incarnation);
	json_u64(j, "counter", n->counter);
	json_u64(j, "unchanged_ms", n->unchanged_ms);
	json_u64(j, "timestamp_ns", n->timestamp);
	json_end(j);
}

static void space_head_text(const struct blklock_info *i)
{
	char u[37];

	printf("lockspace %s uuid %s format %" PRIu32 " locks %" PRIu32
	       " node-slots %" PRIu32 " heartbeat %" PRIu32 " ms lease %" PRIu32 " ms\n",
	       i->disk, fmt_uuid(i->uuid, u), i->format_version, i->nr_locks,
	       i->max_node_id, i->hb_interval_ms, i->lease_timeout_ms);
	printf("this node %" PRIu32 " heartbeat %s incarnation %016" PRIx64 "\n",
	       i->node_id, hb_state_name(i->hb_state), (uint64_t)i->incarnation);
}

static void space_head_json(struct json *j, const struct blklock_info *i)
{
	json_str(j, "disk", i->disk);
	json_uuid(j, "uuid", i->uuid);
	json_u64(j, "format", i->format_version);
	json_u64(j, "locks", i->nr_locks);
	json_u64(j, "node_slots", i->max_node_id);
	json_u64(j, "heartbeat_ms", i->hb_interval_ms);
	json_u64(j, "lease_ms", i->lease_timeout_ms);
	json_u64(j, "node", i->node_id);
	json_str(j, "heartbeat", hb_state_name(i->hb_state));
	json_hex64(j, "incarnation", i->incarnation);
}

/* The lockspace and every node that ever used its slot. */
static void print_nodes(const struct status_ctx *sc)
{
	uint32_t unused = 0;

	if (sc->j) {
		space_head_json(sc->j, sc->info);
		print_paths(sc->info, sc->j);
		json_array(sc->j, "nodes");
	} else {
		space_head_text(sc->info);
		print_paths(sc->info, NULL);
	}
	for (uint32_t i = 0; i < sc->nr_nodes; i++) {
		if (sc->nodes[i].state == BLKLOCK_NODE_UNUSED)
			unused++;
		else if (sc->j)
			node_json(sc->j, &sc->nodes[i]);
		else
			node_text(&sc->nodes[i]);
	}
	if (sc->j) {
		json_end(sc->j);
		json_u64(sc->j, "unused_slots", unused);
	} else {
		printf("(%" PRIu32 " node slots never used)\n", unused);
		fflush(stdout);
	}
}

/* The records, read directly: the module only keeps those it used. */
static int print_records(const struct status_ctx *sc, const char **what)
{
	struct bl_scan scan;
	struct bl_disk d;
	char path[64];
	int err = 0;

	snprintf(path, sizeof(path), "/dev/%s", sc->info->disk);
	*what = "read the lock records";
	if (bl_open(&d, path))
		return EIO;
	if (sc->j)
		json_array(sc->j, "records");
	if (bl_scan_locks(&d, status_lock, (void *)sc, &scan))
		err = errno;
	close(d.fd);
	if (err)
		return err;
	if (!sc->j) {
		printf("locks: %" PRIu32 " held, %" PRIu32 " free, %" PRIu32
		       " damaged, highest generation %" PRIu64 "\n", scan.held,
		       scan.free, scan.damaged, (uint64_t)scan.max_generation);
		if (d.h.version >= 4)
			printf("names: %" PRIu32 " named, %" PRIu32 " deleted\n",
			       scan.named, scan.deleted);
		return 0;
	}
	json_end(sc->j);
	json_u64(sc->j, "held", scan.held);
	json_u64(sc->j, "free", scan.free);
	json_u64(sc->j, "damaged", scan.damaged);
	json_u64(sc->j, "highest_generation", scan.max_generation);
	if (d.h.version >= 4) {
		json_u64(sc->j, "named", scan.named);
		json_u64(sc->j, "deleted", scan.deleted);
	}
	return 0;
}

/* Every heartbeat slot, as the module sees it (watching unseen ones). */
static int read_nodes(const struct blklock_info *info, struct blklock_node **out,
		      uint32_t *count, const char **what)
{
	struct blklock_nodes req;

	*what = "lockspace status (no heartbeat slots)";
	if (!info->max_node_id)
		return EPROTO;
	*out = calloc(info->max_node_id, sizeof(**out));
	if (!*out)
		return ENOMEM;
	memset(&req, 0, sizeof(req));
	req.nodes = (uintptr_t)*out;
	req.first = 1;
	req.count = info->max_node_id;
	req.flags = BLKLOCK_NODES_WAIT;
	*what = "read the heartbeat slots";
	if (ioctl(blc.ctl, BLKLOCK_IOC_NODES, &req))
		return errno;
	*count = req.count;
	return 0;
}

/* Return: 0, or the errno of what failed, named in *@what. */
static int lockspace_status(const char **what)
{
	struct blklock_node *nodes = NULL;
	struct status_ctx sc = { 0 };
	struct blklock_info info;
	struct json j;
	int err;

	memset(&info, 0, sizeof(info));
	*what = "info";
	if (ioctl(blc.ctl, BLKLOCK_IOC_INFO, &info))
		return errno;
	info.disk[sizeof(info.disk) - 1] = '\0';
	err = read_nodes(&info, &nodes, &sc.nr_nodes, what);
	if (!err) {
		sc.info = &info;
		sc.nodes = nodes;
		if (blc.json) {
			sc.j = &j;
			json_open(&j, "lockspace");
		}
		print_nodes(&sc);
		err = print_records(&sc, what);
		if (sc.j)
			json_abort(&j, err ? *what : NULL);
	}
	free(nodes);
	return err;
}

int cmd_space_status(const struct step *s)
{
	const char *what;
	int err;

	(void)s;
	err = lockspace_status(&what);
	return err ? fail(OP_STATUS, err, "%s", what) : 0;
}
