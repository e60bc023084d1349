// SPDX-License-Identifier: GPL-2.0
/*
 * mkimage: write a lockspace image file for blklockctl's host tests of
 * dump and status, following Documentation/blklock/disk-format.rst with
 * 512-byte blocks.  Test-only.
 *
 *   mkimage FILE [--locks N] [--nodes M] [--heartbeat MS] [--lease MS]
 *           [--version V] [--slot NODE:INC:COUNTER[:FLAGS]]...
 *           [--name NODE:NAME]... [--lock I:OWNER:GEN:INC]... [--damage I]...
 *           [--lock-name I:NAME]... [--tombstone I]... [--damage-name I]...
 *           [--bad-padding I]... [--lock-flags I:FLAGS]...
 *           [--request NODE:LOCK:ASKER:GEN]... [--damage-req NODE]...
 *           [--req-node NODE:ID]... [--req-lba LBA]
 *
 * Every slot is unused (incarnation 0) and every lock free at generation
 * 0 unless a --slot or --lock says otherwise; INC and FLAGS are read with
 * strtoull base 0 (0x... for hex).  --damage I spoils the checksum of
 * lock I.  --name writes NAME after NODE's slot, as format 3 does (also
 * into an image of --version 2, to make a slot that format has no room
 * for).  --lock-name writes NAME after lock I's record, as format 4 does
 * (NAME as given, at most 64 bytes of it: also one the format forbids, and
 * into an image of an older --version), --tombstone I sets the record's
 * BLKLOCK_LOCK_DELETED flag (--lock-flags I:FLAGS sets any), --damage-name I
 * spoils the checksum of its name, and --bad-padding I puts a byte after
 * the NUL that ends its name (under a good checksum).
 * Format 4 has a request block per node between the slots and the
 * records (req_lba = 1 + nodes, lock_lba = req_lba + nodes; before format
 * 4 req_lba is 0 and lock_lba 1 + nodes), all zero: no request yet.
 * --request appends a request to NODE's block, as an asker's COMPARE AND
 * WRITE does (count + 1, the entry at (count - 1) % 8, asked at
 * 1700000000 s plus the request's number); --damage-req NODE spoils the
 * checksum of NODE's block, --req-node NODE:ID writes ID as its node id
 * (under a good checksum), and --req-lba sets the header's req_lba (the
 * layout stays as above).  Defaults: 16 locks, 8 nodes, heartbeat 1000,
 * lease 6000, the format this blklockctl writes.
 * Exit status 0, or 2 on a usage error, 1 on a write error.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/blklock.h>

#include "crc32c.h"

#define BS 512

static int fd;

static int put(uint64_t lba, const void *blk)
{
	if (pwrite(fd, blk, BS, (off_t)(lba * BS)) != BS) {
		perror("mkimage: pwrite");
		return 1;
	}
	return 0;
}

static void seal(void *blk, size_t crc_off)
{
	uint32_t c = htole32(crc32c(blk, crc_off));

	memcpy((uint8_t *)blk + crc_off, &c, sizeof(c));
}

static int usage(void)
{
	fprintf(stderr, "usage: mkimage FILE [--locks N] [--nodes M] [--heartbeat MS] [--lease MS]\n"
		"       [--version V] [--slot NODE:INC:COUNTER[:FLAGS]]... [--name NODE:NAME]...\n"
		"       [--lock I:OWNER:GEN:INC]... [--damage I]...\n"
		"       [--lock-name I:NAME]... [--tombstone I]... [--damage-name I]...\n"
		"       [--bad-padding I]... [--lock-flags I:FLAGS]...\n"
		"       [--request NODE:LOCK:ASKER:GEN]... [--damage-req NODE]...\n"
		"       [--req-node NODE:ID]... [--req-lba LBA]\n");
	return 2;
}

/* Append --request's LOCK:ASKER:GEN to the request block @q of node @n. */
static int add_request(struct blklock_disk_req *q, uint32_t n, const char *arg)
{
	unsigned long long node, lock, asker, gen;
	struct blklock_disk_req_entry *e;
	uint64_t count;

	if (sscanf(arg, "%llu:%llu:%llu:%llu", &node, &lock, &asker, &gen) != 4)
		return 2;
	if (node != n)
		return 0;
	count = le64toh(q->count) + 1;
	e = &q->entry[(count - 1) % BLKLOCK_REQ_RING];
	q->magic = htole32(BLKLOCK_REQ_MAGIC);
	q->node_id = htole32(n);
	q->count = htole64(count);
	e->lock = htole32((uint32_t)lock);
	e->asker = htole32((uint32_t)asker);
	e->generation = htole64(gen);
	e->when = htole64((1700000000ULL + count) * 1000000000ULL);
	return 0;
}

/* Format 4: the request block of every node, zero unless --request says otherwise. */
static int write_requests(int argc, char **argv, uint32_t nodes, uint64_t req_lba)
{
	uint8_t blk[BS];
	int a, ret = 0;

	for (uint32_t n = 1; n <= nodes; n++) {
		struct blklock_disk_req *q = (void *)blk;
		bool damaged = false;
		unsigned long long x, id;

		memset(blk, 0, sizeof(blk));
		for (a = 2; a + 1 < argc; a += 2) {
			if (!strcmp(argv[a], "--request") && add_request(q, n, argv[a + 1]))
				return 2;
			if (!strcmp(argv[a], "--damage-req") &&
			    strtoul(argv[a + 1], NULL, 0) == n)
				damaged = true;
			if (!strcmp(argv[a], "--req-node") &&
			    sscanf(argv[a + 1], "%llu:%llu", &x, &id) == 2 && x == n) {
				q->magic = htole32(BLKLOCK_REQ_MAGIC);
				q->node_id = htole32((uint32_t)id);
			}
		}
		if (q->magic)
			seal(q, offsetof(struct blklock_disk_req, crc));
		if (damaged)
			q->crc ^= htole32(1);
		ret |= put(req_lba + n - 1, blk);
	}
	return ret;
}

int main(int argc, char **argv)
{
	uint32_t locks = 16, nodes = 8, hb = 1000, lease = 6000, i;
	uint32_t version = BLKLOCK_FORMAT_VERSION;
	uint64_t lock_lba, req_lba, req_lba_field = UINT64_MAX;
	uint8_t blk[BS];
	int a, ret = 0;

	if (argc < 2)
		return usage();
	for (a = 2; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--locks"))
			locks = strtoul(argv[a + 1], NULL, 0);
		else if (!strcmp(argv[a], "--nodes"))
			nodes = strtoul(argv[a + 1], NULL, 0);
		else if (!strcmp(argv[a], "--heartbeat"))
			hb = strtoul(argv[a + 1], NULL, 0);
		else if (!strcmp(argv[a], "--lease"))
			lease = strtoul(argv[a + 1], NULL, 0);
		else if (!strcmp(argv[a], "--version"))
			version = strtoul(argv[a + 1], NULL, 0);
		else if (!strcmp(argv[a], "--req-lba"))
			req_lba_field = strtoull(argv[a + 1], NULL, 0);
		else if (strcmp(argv[a], "--slot") && strcmp(argv[a], "--lock") &&
			 strcmp(argv[a], "--damage") && strcmp(argv[a], "--name") &&
			 strcmp(argv[a], "--lock-name") && strcmp(argv[a], "--tombstone") &&
			 strcmp(argv[a], "--damage-name") && strcmp(argv[a], "--bad-padding") &&
			 strcmp(argv[a], "--lock-flags") && strcmp(argv[a], "--request") &&
			 strcmp(argv[a], "--damage-req") && strcmp(argv[a], "--req-node"))
			return usage();
	}
	if (a != argc || !locks || !nodes || nodes > BLKLOCK_MAX_NODE_ID)
		return usage();
	req_lba = version >= 4 ? 1 + nodes : 0;
	lock_lba = 1 + nodes + (version >= 4 ? nodes : 0);
	if (req_lba_field == UINT64_MAX)
		req_lba_field = req_lba;
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}

	{
		struct blklock_disk_header *h = (void *)blk;

		memset(blk, 0, sizeof(blk));
		h->magic = htole64(BLKLOCK_HEADER_MAGIC);
		h->version = htole32(version);
		h->block_size = htole32(BS);
		h->nr_locks = htole32(locks);
		h->max_node_id = htole32(nodes);
		h->lock_lba = htole64(lock_lba);
		memcpy(h->uuid, "\x0f\x8a\x11\x22\x33\x44\x45\x66\x87\x88\x99\xaa\xbb\xcc\xdd\xee", 16);
		h->created = htole64(1700000000);
		h->hb_interval_ms = htole32(hb);
		h->lease_timeout_ms = htole32(lease);
		h->hb_lba = htole64(1);
		h->req_lba = htole64(req_lba_field);
		seal(h, offsetof(struct blklock_disk_header, crc));
		ret |= put(0, blk);
	}
	for (i = 1; i <= nodes; i++) {
		struct blklock_disk_hb *s = (void *)blk;
		uint64_t inc = 0, counter = 0;
		uint32_t flags = 0;

		for (a = 2; a + 1 < argc; a += 2) {
			unsigned long long n, x, c, f = 0;

			if (strcmp(argv[a], "--slot"))
				continue;
			if (sscanf(argv[a + 1], "%llu:%lli:%llu:%lli", &n, &x, &c, &f) < 3)
				return usage();
			if (n == i) {
				inc = x;
				counter = c;
				flags = (uint32_t)f;
			}
		}
		memset(blk, 0, sizeof(blk));
		s->magic = htole32(BLKLOCK_HB_MAGIC);
		s->node_id = htole32(i);
		s->incarnation = htole64(inc);
		s->counter = htole64(counter);
		s->timestamp = htole64(inc ? 1700000000ULL * 1000000000ULL : 0);
		s->flags = htole32(flags);
		seal(s, offsetof(struct blklock_disk_hb, crc));
		for (a = 2; a + 1 < argc; a += 2) {
			struct blklock_disk_hb_name *nm = (void *)(blk + sizeof(*s));
			unsigned long long n;
			const char *name;
			int at = 0;

			if (strcmp(argv[a], "--name"))
				continue;
			if (sscanf(argv[a + 1], "%llu:%n", &n, &at) < 1 || !at)
				return usage();
			if (n == i) {
				name = argv[a + 1] + at;
				memcpy(nm->name, name, strnlen(name, sizeof(nm->name)));
				seal(nm, offsetof(struct blklock_disk_hb_name, crc));
			}
		}
		ret |= put(i, blk);
	}
	if (version >= 4) {
		int r = write_requests(argc, argv, nodes, req_lba);

		if (r == 2)
			return usage();
		ret |= r;
	}
	for (i = 0; i < locks; i++) {
		struct blklock_disk_lock *r = (void *)blk;
		struct blklock_disk_lock_name *nm = (void *)(blk + sizeof(*r));
		bool damaged = false, name_damaged = false, bad_padding = false;
		uint64_t gen = 0, inc = 0;
		const char *name = NULL;
		uint32_t owner = 0, flags = 0;

		for (a = 2; a + 1 < argc; a += 2) {
			unsigned long long l, o, g, x;
			int at = 0;

			if (!strcmp(argv[a], "--damage") &&
			    strtoul(argv[a + 1], NULL, 0) == i)
				damaged = true;
			if (!strcmp(argv[a], "--damage-name") &&
			    strtoul(argv[a + 1], NULL, 0) == i)
				name_damaged = true;
			if (!strcmp(argv[a], "--tombstone") &&
			    strtoul(argv[a + 1], NULL, 0) == i)
				flags |= BLKLOCK_LOCK_DELETED;
			if (!strcmp(argv[a], "--bad-padding") &&
			    strtoul(argv[a + 1], NULL, 0) == i)
				bad_padding = true;
			if (!strcmp(argv[a], "--lock-flags")) {
				if (sscanf(argv[a + 1], "%llu:%lli", &l, &x) != 2)
					return usage();
				if (l == i)
					flags |= (uint32_t)x;
				continue;
			}
			if (!strcmp(argv[a], "--lock-name")) {
				if (sscanf(argv[a + 1], "%llu:%n", &l, &at) < 1 || !at)
					return usage();
				if (l == i)
					name = argv[a + 1] + at;
				continue;
			}
			if (strcmp(argv[a], "--lock"))
				continue;
			if (sscanf(argv[a + 1], "%llu:%llu:%llu:%lli", &l, &o, &g, &x) != 4)
				return usage();
			if (l == i) {
				owner = (uint32_t)o;
				gen = g;
				inc = x;
			}
		}
		memset(blk, 0, sizeof(blk));
		r->magic = htole32(BLKLOCK_LOCK_MAGIC);
		r->lock = htole32(i);
		r->owner = htole32(owner);
		r->flags = htole32(flags);
		r->generation = htole64(gen);
		r->acquired = htole64(owner ? 1700000000ULL * 1000000000ULL : 0);
		r->owner_incarnation = htole64(inc);
		seal(r, offsetof(struct blklock_disk_lock, crc));
		if (damaged)
			r->crc ^= htole32(1);
		if (name) {
			size_t len = strnlen(name, sizeof(nm->name));

			memcpy(nm->name, name, len);
			if (bad_padding && len + 2 <= sizeof(nm->name))
				nm->name[len + 1] = 'x';
			seal(nm, offsetof(struct blklock_disk_lock_name, crc));
			if (name_damaged)
				nm->crc ^= htole32(1);
		}
		ret |= put(lock_lba + i, blk);
	}
	if (close(fd)) {
		perror("mkimage: close");
		ret = 1;
	}
	return ret;
}
