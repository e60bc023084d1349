// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl dump DISK: the raw blocks, read from user space without the
 * module: header, heartbeat slots (sampled twice to tell a live node from
 * a dead one), (format 4) the request blocks that hold requests, held and
 * damaged lock records, each with a verdict on its owner, and (format 4)
 * the records that carry a name or are the tombstones of deleted names.
 * With --json, one JSON object on one line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/blklock.h>

#include "blklockctl.h"
#include "json.h"
#include "ondisk.h"

struct dump_ctx {
	const struct bl_disk *d;
	const struct bl_hb *hb0, *hb1;
	const enum bl_check *hbc;
	uint64_t sampled_ms;	/* 0 if the slots were read once */
	struct json *j;		/* --json, or NULL */
};

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The name node @id's heartbeat slot carries (format 3), or NULL. */
static const char *slot_name(const struct dump_ctx *dc, uint32_t id)
{
	if (!id || id > dc->d->h.max_node_id || dc->hbc[id - 1] != BL_OK ||
	    !dc->hb1[id - 1].name[0])
		return NULL;
	return dc->hb1[id - 1].name;
}

/* " (NAME)" after node @id's number, or "" for a node without a name. */
static void print_name(const struct dump_ctx *dc, uint32_t id)
{
	const char *name = slot_name(dc, id);

	if (name)
		printf(" (%s)", name);
}

/* The owner of a held record, as its heartbeat slot shows it. */
enum owner_seen {
	O_NO_SLOT, O_SLOT_DAMAGED, O_EVICTED, O_NEVER, O_DETACHED,
	O_RESTARTED, O_NOT_SAMPLED, O_ALIVE, O_STILL,
};

static const char *const owner_seen_names[] = {
	[O_NO_SLOT] = "no-slot", [O_SLOT_DAMAGED] = "slot-damaged",
	[O_EVICTED] = "evicted", [O_NEVER] = "never-heartbeat",
	[O_DETACHED] = "left", [O_RESTARTED] = "restarted",
	[O_NOT_SAMPLED] = "not-sampled", [O_ALIVE] = "live",
	[O_STILL] = "not-renewing",
};

static enum owner_seen owner_seen(const struct dump_ctx *dc, const struct bl_lock *r)
{
	const struct bl_hb *h;

	if (r->owner > dc->d->h.max_node_id)
		return O_NO_SLOT;
	h = &dc->hb1[r->owner - 1];
	if (dc->hbc[r->owner - 1] != BL_OK)
		return O_SLOT_DAMAGED;
	if ((h->flags & BLKLOCK_HB_EVICTED) && h->incarnation == r->owner_incarnation)
		return O_EVICTED;
	if (!h->incarnation)
		return O_NEVER;
	if (h->flags & BLKLOCK_HB_DETACHED)
		return O_DETACHED;
	if (h->incarnation != r->owner_incarnation)
		return O_RESTARTED;
	if (!dc->sampled_ms)
		return O_NOT_SAMPLED;
	return h->counter != dc->hb0[r->owner - 1].counter ? O_ALIVE : O_STILL;
}

static void owner_text(const struct dump_ctx *dc, const struct bl_lock *r,
		       enum owner_seen o)
{
	char t[32];

	switch (o) {
	case O_NO_SLOT:
		printf("    owner %" PRIu32 " has no heartbeat slot (max %" PRIu32 "): stale\n",
		       r->owner, dc->d->h.max_node_id);
		break;
	case O_SLOT_DAMAGED:
		printf("    owner's heartbeat slot is damaged: liveness unknown\n");
		break;
	case O_EVICTED:
		printf("    owner evicted: the lock may be broken (another node found its heartbeat\n"
		       "    unchanged for a lease and marked its slot; the next acquire takes it over)\n");
		break;
	case O_NEVER:
	case O_DETACHED:
	case O_RESTARTED:
		printf("    owner %s: the record is stale; the next acquire takes it over\n",
		       o == O_NEVER ? "never heartbeat" : o == O_DETACHED ?
		       "has detached" : "restarted with another incarnation");
		break;
	case O_NOT_SAMPLED:
		printf("    owner's heartbeat not sampled (--no-wait): run without it to see whether it renews\n");
		break;
	case O_ALIVE:
		printf("    owner alive (heartbeat renewed while sampled): the lock is validly held\n");
		break;
	default:
		printf("    owner's heartbeat did not change in %s: the owner is stopped, frozen or cut off;\n"
		       "    other nodes break the lock once it stays unchanged for %" PRIu32 " ms on their clocks\n",
		       fmt_ms(dc->sampled_ms, t, sizeof(t)), dc->d->h.lease_timeout_ms);
	}
}

static void dump_lock_json(const struct dump_ctx *dc, uint32_t index,
			   enum bl_check c, const struct bl_lock *r)
{
	struct json *j = dc->j;

	json_object(j, NULL);
	json_u64(j, "lock", index);
	json_u64(j, "lba", dc->d->h.lock_lba + index);
	if (c != BL_OK) {
		json_str(j, "damaged", bl_check_name(c));
		json_end(j);
		return;
	}
	if (r->name[0])
		json_str(j, "name", r->name);
	if (r->flags & BLKLOCK_LOCK_DELETED)
		json_bool(j, "deleted", true);
	json_u64(j, "owner", r->owner);
	if (r->owner) {
		json_str(j, "owner_name", slot_name(dc, r->owner));
		json_u64(j, "generation", r->generation);
		json_hex64(j, "incarnation", r->owner_incarnation);
		json_u64(j, "acquired_ns", r->acquired);
		json_str(j, "verdict", owner_seen_names[owner_seen(dc, r)]);
	} else {
		json_u64(j, "generation", r->generation);
	}
	json_end(j);
}

/*
 * A held or damaged record, or (format 4) a free one with a name or a
 * tombstone: "lock N[ (NAME)][ deleted] owner ..." or "... free generation G".
 */
static void dump_lock(void *ctx, uint32_t index, enum bl_check c,
		      const struct bl_lock *r)
{
	const struct dump_ctx *dc = ctx;
	char when[96];

	if (dc->j) {
		dump_lock_json(dc, index, c, r);
		return;
	}
	if (c != BL_OK) {
		printf("lock %" PRIu32 " (LBA %" PRIu64 ") DAMAGED: %s; acquires of it fail with EBADMSG/EUCLEAN until it is rewritten\n",
		       index, (uint64_t)(dc->d->h.lock_lba + index), bl_check_name(c));
		return;
	}
	printf("lock %" PRIu32, index);
	if (r->name[0])
		printf(" (%s)", r->name);
	if (r->flags & BLKLOCK_LOCK_DELETED)
		printf(" deleted");
	if (!r->owner) {
		printf(" free generation %" PRIu64 "\n", (uint64_t)r->generation);
		return;
	}
	printf(" owner %" PRIu32, r->owner);
	print_name(dc, r->owner);
	printf(" generation %" PRIu64 " incarnation %016" PRIx64 " acquired %s\n",
	       (uint64_t)r->generation, (uint64_t)r->owner_incarnation,
	       fmt_wall(r->acquired, when, sizeof(when)));
	owner_text(dc, r, owner_seen(dc, r));
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
		c[i] = bl_hb_decode(buf + (size_t)i * d->bs, d->bs, d->h.version,
				    i + 1, &hb[i]);
	}
	return 0;
}

static void header_json(struct json *j, const struct bl_disk *d, const char *path)
{
	json_str(j, "path", path);
	json_u64(j, "format", d->h.version);
	json_uuid(j, "uuid", d->h.uuid);
	json_u64(j, "block_size", d->h.block_size);
	json_u64(j, "blocks", d->nr_blocks);
	json_bool(j, "direct", d->direct);
	json_u64(j, "node_slots", d->h.max_node_id);
	json_u64(j, "hb_lba", d->h.hb_lba);
	json_u64(j, "req_lba", d->h.req_lba);
	json_u64(j, "locks", d->h.nr_locks);
	json_u64(j, "lock_lba", d->h.lock_lba);
	json_u64(j, "heartbeat_ms", d->h.hb_interval_ms);
	json_u64(j, "lease_ms", d->h.lease_timeout_ms);
	json_u64(j, "created", d->h.created);
}

static void header_text(const struct bl_disk *d, const char *path)
{
	const struct bl_header *h = &d->h;
	char when[96], u[37];

	printf("%s: blklock lockspace, format %" PRIu32 ", uuid %s\n", path,
	       h->version, fmt_uuid(h->uuid, u));
	printf("  block size %" PRIu32 ", %" PRIu64 " blocks%s\n"
	       "  heartbeat slots: %" PRIu32 " at LBA %" PRIu64 "..%" PRIu64 "\n",
	       h->block_size, (uint64_t)d->nr_blocks,
	       d->direct ? " (read with O_DIRECT)" : "", h->max_node_id,
	       (uint64_t)h->hb_lba, (uint64_t)(h->hb_lba + h->max_node_id - 1));
	if (h->version >= 4)
		printf("  request blocks: %" PRIu32 " at LBA %" PRIu64 "..%" PRIu64 "\n",
		       h->max_node_id, (uint64_t)h->req_lba,
		       (uint64_t)(h->req_lba + h->max_node_id - 1));
	printf("  lock records: %" PRIu32 " at LBA %" PRIu64 "..%" PRIu64 "\n"
	       "  heartbeat interval %" PRIu32 " ms, lease timeout %" PRIu32 " ms\n",
	       h->nr_locks, (uint64_t)h->lock_lba,
	       (uint64_t)(h->lock_lba + h->nr_locks - 1), h->hb_interval_ms,
	       h->lease_timeout_ms);
	printf("  created %s\n", fmt_wall(h->created * 1000000000ULL, when,
					  sizeof(when)));
}

/* A slot in use, as sampled: its state in a word. */
static const char *slot_state(const struct dump_ctx *dc, uint32_t i)
{
	const struct bl_hb *a = &dc->hb0[i], *b = &dc->hb1[i];

	if (b->flags & BLKLOCK_HB_EVICTED)
		return "evicted";
	if (b->flags & BLKLOCK_HB_DETACHED)
		return "left";
	if (!dc->sampled_ms)
		return "not-sampled";
	if (a->incarnation != b->incarnation || a->counter != b->counter)
		return "live";
	return "not-renewing";
}

static void slot_json(const struct dump_ctx *dc, uint32_t i)
{
	const struct bl_hb *b = &dc->hb1[i];
	struct json *j = dc->j;

	json_object(j, NULL);
	json_u64(j, "node", i + 1);
	if (dc->hbc[i] != BL_OK) {
		json_str(j, "damaged", bl_check_name(dc->hbc[i]));
	} else {
		json_str(j, "name", slot_name(dc, i + 1));
		json_hex64(j, "incarnation", b->incarnation);
		json_u64(j, "counter", b->counter);
		json_u64(j, "flags", b->flags);
		json_str(j, "state", slot_state(dc, i));
		json_u64(j, "timestamp_ns", b->timestamp);
	}
	json_end(j);
}

static void slot_text(const struct dump_ctx *dc, uint32_t i)
{
	const struct bl_hb *a = &dc->hb0[i], *b = &dc->hb1[i];
	const char *st = slot_state(dc, i);
	char when[96], t[32];

	printf("node %" PRIu32, i + 1);
	print_name(dc, i + 1);
	printf(" incarnation %016" PRIx64 " counter %" PRIu64,
	       (uint64_t)b->incarnation, (uint64_t)b->counter);
	if (!strcmp(st, "evicted"))
		printf(" flags %s: another node found it unchanged for a lease and marked it; its locks may be broken\n",
		       b->flags & BLKLOCK_HB_DETACHED ? "detached,evicted" : "evicted");
	else if (!strcmp(st, "left"))
		printf(" left (detached cleanly)\n");
	else if (!strcmp(st, "not-sampled"))
		printf(" renewed %s\n", fmt_wall(b->timestamp, when, sizeof(when)));
	else if (!strcmp(st, "live"))
		printf(" live (+%" PRIu64 " in %s)\n", b->counter - a->counter,
		       fmt_ms(dc->sampled_ms, t, sizeof(t)));
	else
		printf(" NOT RENEWING (unchanged for %s), last renewal %s\n",
		       fmt_ms(dc->sampled_ms, t, sizeof(t)),
		       fmt_wall(b->timestamp, when, sizeof(when)));
}

static void dump_slots(const struct dump_ctx *dc)
{
	if (dc->j)
		json_array(dc->j, "nodes");
	for (uint32_t i = 0; i < dc->d->h.max_node_id; i++) {
		bool damaged = dc->hbc[i] != BL_OK;

		if (!damaged && !dc->hb1[i].incarnation)
			continue;	/* never used */
		if (dc->j)
			slot_json(dc, i);
		else if (damaged)
			printf("node %" PRIu32 " slot DAMAGED: %s\n", i + 1,
			       bl_check_name(dc->hbc[i]));
		else
			slot_text(dc, i);
	}
	if (dc->j)
		json_end(dc->j);
}

/* ---- request blocks (format 4) ---------------------------------------- */

static void req_json(const struct dump_ctx *dc, uint32_t i, enum bl_check c,
		     const struct bl_req *r)
{
	struct json *j = dc->j;

	json_object(j, NULL);
	json_u64(j, "node", i + 1);
	json_u64(j, "lba", dc->d->h.req_lba + i);
	if (c != BL_OK) {
		json_str(j, "damaged", bl_check_name(c));
		json_end(j);
		return;
	}
	json_str(j, "name", slot_name(dc, i + 1));
	json_u64(j, "count", r->count);
	json_array(j, "entries");
	for (uint64_t k = r->count - r->nr + 1; k <= r->count; k++) {
		const struct bl_req_entry *e = bl_req_nth(r, k);

		json_object(j, NULL);
		json_u64(j, "request", k);
		json_u64(j, "lock", e->lock);
		json_u64(j, "asker", e->asker);
		json_str(j, "asker_name", slot_name(dc, e->asker));
		json_u64(j, "generation", e->generation);
		json_u64(j, "when_ns", e->when);
		json_end(j);
	}
	json_end(j);
	json_end(j);
}

/*
 * "requests to node N[ (NAME)]: C[, the last 8 kept]", then one line per
 * request the ring keeps, oldest first.
 */
static void req_text(const struct dump_ctx *dc, uint32_t i, enum bl_check c,
		     const struct bl_req *r)
{
	char when[96];

	if (c != BL_OK) {
		printf("node %" PRIu32 " request block (LBA %" PRIu64 ") DAMAGED: %s\n",
		       i + 1, (uint64_t)(dc->d->h.req_lba + i), bl_check_name(c));
		return;
	}
	printf("requests to node %" PRIu32, i + 1);
	print_name(dc, i + 1);
	printf(": %" PRIu64, (uint64_t)r->count);
	if (r->count > r->nr)
		printf(", the last %" PRIu32 " kept", r->nr);
	printf("\n");
	for (uint64_t k = r->count - r->nr + 1; k <= r->count; k++) {
		const struct bl_req_entry *e = bl_req_nth(r, k);

		printf("  request %" PRIu64 " lock %" PRIu32 " asker %" PRIu32,
		       k, e->lock, e->asker);
		print_name(dc, e->asker);
		printf(" generation %" PRIu64 " asked %s\n", (uint64_t)e->generation,
		       fmt_wall(e->when, when, sizeof(when)));
	}
}

/*
 * Every request block that had a request, or is damaged, into @buf (room
 * for a block per node).  Returns -1 with errno on a failed read.
 */
static int dump_requests(const struct dump_ctx *dc, uint8_t *buf)
{
	const struct bl_disk *d = dc->d;
	struct bl_req r;

	if (d->h.version < 4)
		return 0;
	if (bl_read(d, d->h.req_lba, d->h.max_node_id, buf))
		return -1;
	if (dc->j)
		json_array(dc->j, "requests");
	for (uint32_t i = 0; i < d->h.max_node_id; i++) {
		enum bl_check c = bl_req_decode(buf + (size_t)i * d->bs, d->bs,
						i + 1, &r);

		if (c == BL_OK && !r.count)
			continue;	/* never asked */
		if (dc->j)
			req_json(dc, i, c, &r);
		else
			req_text(dc, i, c, &r);
	}
	if (dc->j)
		json_end(dc->j);
	return 0;
}

/* Read the slots once, or twice 1.5 heartbeat intervals apart. */
static int sample_slots(struct dump_ctx *dc, bool wait, uint8_t *buf,
			struct bl_hb *hb0, struct bl_hb *hb1, enum bl_check *hbc)
{
	const struct bl_disk *d = dc->d;
	uint64_t t0 = monotonic_ms();

	if (read_slots(d, buf, hb0, hbc))
		return -1;
	if (!wait) {
		memcpy(hb1, hb0, d->h.max_node_id * sizeof(*hb1));
		return 0;
	}
	if (!dc->j) {
		printf("sampling the heartbeat slots for %" PRIu32 " ms...\n",
		       d->h.hb_interval_ms * 3 / 2);
		fflush(stdout);
	}
	usleep(d->h.hb_interval_ms * 1500);
	if (read_slots(d, buf, hb1, hbc))
		return -1;
	dc->sampled_ms = monotonic_ms() - t0;
	return 0;
}

/* The slots and the records; returns -1 with errno on a failed read. */
static int dump_body(struct dump_ctx *dc, bool wait, struct bl_scan *scan)
{
	uint32_t n = dc->d->h.max_node_id;
	struct bl_hb *hb0 = calloc(n, sizeof(*hb0)), *hb1 = calloc(n, sizeof(*hb1));
	enum bl_check *hbc = calloc(n, sizeof(*hbc));
	uint8_t *buf = bl_alloc(dc->d, n);
	int ret = -1;

	errno = ENOMEM;
	if (hb0 && hb1 && hbc && buf &&
	    !sample_slots(dc, wait, buf, hb0, hb1, hbc)) {
		dc->hb0 = hb0;
		dc->hb1 = hb1;
		dc->hbc = hbc;
		if (dc->j && dc->sampled_ms)
			json_u64(dc->j, "sampled_ms", dc->sampled_ms);
		else if (dc->j)
			json_null(dc->j, "sampled_ms");
		dump_slots(dc);
		if (!dump_requests(dc, buf)) {
			if (dc->j)
				json_array(dc->j, "records");
			ret = bl_scan_locks(dc->d, dump_lock, dc, scan);
		}
	}
	free(hb0);
	free(hb1);
	free(hbc);
	free(buf);
	return ret;
}

static void dump_summary(const struct dump_ctx *dc, const struct bl_scan *scan)
{
	struct json *j = dc->j;

	if (!j) {
		printf("locks: %" PRIu32 " held, %" PRIu32 " free, %" PRIu32
		       " damaged, highest generation %" PRIu64 "\n", scan->held,
		       scan->free, scan->damaged, (uint64_t)scan->max_generation);
		if (dc->d->h.version >= 4)
			printf("names: %" PRIu32 " named, %" PRIu32 " deleted\n",
			       scan->named, scan->deleted);
		return;
	}
	json_end(j);	/* records */
	json_u64(j, "held", scan->held);
	json_u64(j, "free", scan->free);
	json_u64(j, "damaged", scan->damaged);
	json_u64(j, "highest_generation", scan->max_generation);
	if (dc->d->h.version >= 4) {
		json_u64(j, "named", scan->named);
		json_u64(j, "deleted", scan->deleted);
	}
	json_end(j);
}

/* dump DISK [--no-wait]: exit 3 if it cannot be read or holds damaged records. */
int cmd_dump(const struct step *s)
{
	struct dump_ctx dc = { 0 };
	struct bl_scan scan;
	struct bl_disk d;
	struct json j;
	int ret = EXIT_SYSTEM;

	if (bl_open(&d, s->disk))
		return EXIT_SYSTEM;
	dc.d = &d;
	if (blc.json) {
		dc.j = &j;
		json_open(&j, "dump");
		header_json(&j, &d, s->disk);
	} else {
		header_text(&d, s->disk);
	}
	if (!dump_body(&dc, !s->no_wait, &scan)) {
		dump_summary(&dc, &scan);
		ret = scan.damaged ? EXIT_SYSTEM : EXIT_OK;
	} else {
		int err = errno;

		if (dc.j)
			json_abort(dc.j, strerror(err));
		fprintf(stderr, "blklockctl: %s: read failed: %s\n", s->disk,
			strerror(err));
	}
	close(d.fd);
	return ret;
}
