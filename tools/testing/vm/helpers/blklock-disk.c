// SPDX-License-Identifier: GPL-2.0
/*
 * blklock-disk: reads and forges blklock's on-disk structures from user
 * space, with its own CRC-32C, so the tests check what the kernel wrote
 * against an independent implementation of the documented format.
 *
 *   blklock-disk record DISK LBA     print "owner O generation G lock L
 *				      ... crc ok|bad flags F" for the record
 *				      at LBA (and its name, format 4)
 *   blklock-disk header DISK         print "version V locks N lock_lba L
 *				      block_size B nodes M hb_lba H req_lba R
 *				      ... crc ok|bad"
 *   blklock-disk set-version DISK V  rewrite the header's version field and
 *				      its CRC (to fake a newer or an older
 *				      blklock); formats before 4 have no
 *				      request blocks: below 4 req_lba becomes
 *				      0, and from 4 on a req_lba of 0 becomes
 *				      hb_lba + nodes again if the layout has
 *				      room for the blocks there
 *   blklock-disk hb DISK NODE        print node NODE's heartbeat slot (and
 *				      its name, format 3)
 *   blklock-disk req DISK NODE       print node NODE's request block (format
 *				      4): "node N count C magic ok|bad crc
 *				      ok|bad", or "node N count 0 empty" for
 *				      an all-zero block, then one line
 *				      "request K lock L asker A generation G
 *				      when W" per request the ring keeps
 *   blklock-disk hb-forge DISK NODE INC COUNTER
 *				      write the slot as another host using
 *				      that node id would (incarnation INC)
 *   blklock-disk craft DISK LOCK OWNER GEN INC
 *				      print to stdout the block image of
 *				      lock LOCK's record held by OWNER (a
 *				      rival client's write image)
 *   blklock-disk fence-write DISK LBA GEN
 *				      a storage consumer that checks fencing
 *				      tokens: the block at LBA records the
 *				      largest generation written; refuse
 *				      (exit 3) unless GEN is larger, else
 *				      record GEN with COMPARE AND WRITE
 *				      (exit 4 if it miscompares)
 *
 * All I/O is O_DIRECT on whole logical blocks.  Exit status 1 on error.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <fcntl.h>
#include <inttypes.h>
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
#include "sgcaw.h"

static int fd;
static unsigned int bs;
static void *buf;

static int io(int write, uint64_t lba)
{
	ssize_t n = write ? pwrite(fd, buf, bs, lba * bs) :
			    pread(fd, buf, bs, lba * bs);

	if (n != (ssize_t)bs) {
		perror(write ? "pwrite" : "pread");
		return 1;
	}
	return 0;
}

/* set-version: the version field, req_lba to match it, and the CRC. */
static int set_version(uint32_t version)
{
	struct blklock_disk_header *h = buf;
	uint64_t hb_lba, nodes;

	if (io(0, 0))
		return 1;
	hb_lba = le64toh(h->hb_lba);
	nodes = le32toh(h->max_node_id);
	h->version = htole32(version);
	if (version < 4)
		h->req_lba = 0;
	else if (!h->req_lba && le64toh(h->lock_lba) >= hb_lba + 2 * nodes)
		h->req_lba = htole64(hb_lba + nodes);
	h->crc = htole32(crc32c(h, offsetof(struct blklock_disk_header, crc)));
	return io(1, 0);
}

static int is_zero(const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len--)
		if (*c++)
			return 0;
	return 1;
}

/* req: node @node's request block and the requests its ring keeps. */
static int print_req(uint32_t node)
{
	const struct blklock_disk_header *h = buf;
	const struct blklock_disk_req *q = buf;
	uint64_t req_lba, count, k;

	if (io(0, 0))
		return 1;
	req_lba = le64toh(h->req_lba);
	if (!req_lba || !node || node > le32toh(h->max_node_id)) {
		fprintf(stderr, "blklock-disk: no request block for node %" PRIu32 " (req_lba %" PRIu64 ")\n",
			node, req_lba);
		return 1;
	}
	if (io(0, req_lba + node - 1))
		return 1;
	if (is_zero(buf, bs)) {
		printf("node %" PRIu32 " count 0 empty\n", node);
		return 0;
	}
	count = le64toh(q->count);
	printf("node %" PRIu32 " count %" PRIu64 " magic %s crc %s\n",
	       le32toh(q->node_id), count,
	       le32toh(q->magic) == BLKLOCK_REQ_MAGIC ? "ok" : "bad",
	       crc32c(q, offsetof(struct blklock_disk_req, crc)) ==
	       le32toh(q->crc) ? "ok" : "bad");
	for (k = count > BLKLOCK_REQ_RING ? count - BLKLOCK_REQ_RING + 1 : 1; k <= count; k++) {
		const struct blklock_disk_req_entry *e = &q->entry[(k - 1) % BLKLOCK_REQ_RING];

		printf("request %" PRIu64 " lock %" PRIu32 " asker %" PRIu32 " generation %" PRIu64 " when %" PRIu64 "\n",
		       k, le32toh(e->lock), le32toh(e->asker),
		       (uint64_t)le64toh(e->generation), (uint64_t)le64toh(e->when));
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s record DISK LBA | header DISK | set-version DISK V | req DISK NODE\n",
			argv[0]);
		return 2;
	}
	fd = open(argv[2], O_RDWR | O_DIRECT);
	if (fd < 0 || ioctl(fd, BLKSSZGET, &bs) || posix_memalign(&buf, 4096, bs)) {
		perror(argv[2]);
		return 1;
	}
	if (!strcmp(argv[1], "record") && argc == 4) {
		struct blklock_disk_lock *r = buf;
		const struct blklock_disk_lock_name *n = (const void *)(r + 1);

		if (io(0, strtoull(argv[3], NULL, 0)))
			return 1;
		printf("owner %" PRIu32 " generation %" PRIu64 " lock %" PRIu32 " incarnation %016" PRIx64 " magic %s crc %s flags %" PRIu32,
		       le32toh(r->owner), (uint64_t)le64toh(r->generation),
		       le32toh(r->lock), (uint64_t)le64toh(r->owner_incarnation),
		       le32toh(r->magic) == BLKLOCK_LOCK_MAGIC ? "ok" : "bad",
		       crc32c(r, offsetof(struct blklock_disk_lock, crc)) ==
		       le32toh(r->crc) ? "ok" : "bad", le32toh(r->flags));
		/* Format 4: the name after the record, with its own CRC. */
		if (n->name[0])
			printf(" name %.*s name_crc %s", (int)sizeof(n->name), n->name,
			       crc32c(n->name, sizeof(n->name)) == le32toh(n->crc) ?
			       "ok" : "bad");
		printf("\n");
		return 0;
	}
	if (!strcmp(argv[1], "header") && argc == 3) {
		struct blklock_disk_header *h = buf;

		if (io(0, 0))
			return 1;
		printf("version %" PRIu32 " locks %" PRIu32 " lock_lba %" PRIu64 " block_size %" PRIu32
		       " nodes %" PRIu32 " hb_lba %" PRIu64 " req_lba %" PRIu64
		       " heartbeat %" PRIu32 " lease %" PRIu32 " magic %s crc %s\n",
		       le32toh(h->version), le32toh(h->nr_locks),
		       (uint64_t)le64toh(h->lock_lba), le32toh(h->block_size),
		       le32toh(h->max_node_id), (uint64_t)le64toh(h->hb_lba),
		       (uint64_t)le64toh(h->req_lba),
		       le32toh(h->hb_interval_ms), le32toh(h->lease_timeout_ms),
		       le64toh(h->magic) == BLKLOCK_HEADER_MAGIC ? "ok" : "bad",
		       crc32c(h, offsetof(struct blklock_disk_header, crc)) ==
		       le32toh(h->crc) ? "ok" : "bad");
		return 0;
	}
	if (!strcmp(argv[1], "set-version") && argc == 4)
		return set_version(strtoul(argv[3], NULL, 0));
	if (!strcmp(argv[1], "req") && argc == 4)
		return print_req(strtoul(argv[3], NULL, 0));
	if ((!strcmp(argv[1], "hb") && argc == 4) ||
	    (!strcmp(argv[1], "hb-forge") && argc == 6)) {
		struct blklock_disk_header *h = buf;
		struct blklock_disk_hb *b = buf;
		const struct blklock_disk_hb_name *n;
		uint32_t node = strtoul(argv[3], NULL, 0);
		uint64_t lba;

		if (io(0, 0))
			return 1;
		lba = le64toh(h->hb_lba) + node - 1;
		if (io(0, lba))
			return 1;
		if (argc == 6) {
			b->incarnation = htole64(strtoull(argv[4], NULL, 0));
			b->counter = htole64(strtoull(argv[5], NULL, 0));
			b->flags = 0;
			b->crc = htole32(crc32c(b, offsetof(struct blklock_disk_hb, crc)));
			return io(1, lba);
		}
		printf("node %" PRIu32 " incarnation %016" PRIx64 " counter %" PRIu64 " flags %" PRIu32 " magic %s crc %s",
		       le32toh(b->node_id), (uint64_t)le64toh(b->incarnation),
		       (uint64_t)le64toh(b->counter), le32toh(b->flags),
		       le32toh(b->magic) == BLKLOCK_HB_MAGIC ? "ok" : "bad",
		       crc32c(b, offsetof(struct blklock_disk_hb, crc)) ==
		       le32toh(b->crc) ? "ok" : "bad");
		/* Format 3: the name after the slot, with its own CRC. */
		n = (const void *)(b + 1);
		if (n->name[0])
			printf(" name %.*s name_crc %s", (int)sizeof(n->name), n->name,
			       crc32c(n->name, sizeof(n->name)) == le32toh(n->crc) ?
			       "ok" : "bad");
		printf("\n");
		return 0;
	}
	if (!strcmp(argv[1], "craft") && argc == 7) {
		struct blklock_disk_lock *r = buf;

		memset(buf, 0, bs);
		r->magic = htole32(BLKLOCK_LOCK_MAGIC);
		r->lock = htole32(strtoul(argv[3], NULL, 0));
		r->owner = htole32(strtoul(argv[4], NULL, 0));
		r->generation = htole64(strtoull(argv[5], NULL, 0));
		r->acquired = htole64((uint64_t)time(NULL) * 1000000000ULL);
		r->owner_incarnation = htole64(strtoull(argv[6], NULL, 0));
		r->crc = htole32(crc32c(r, offsetof(struct blklock_disk_lock, crc)));
		return fwrite(buf, bs, 1, stdout) == 1 ? 0 : 1;
	}
	if (!strcmp(argv[1], "fence-write") && argc == 5) {
		uint64_t lba = strtoull(argv[3], NULL, 0);
		uint64_t gen = strtoull(argv[4], NULL, 0), seen;
		unsigned char *cmp;

		if (io(0, lba) || posix_memalign((void **)&cmp, 4096, 2 * bs))
			return 1;
		memcpy(cmp, buf, bs);
		memcpy(&seen, cmp + 8, sizeof(seen));
		if (memcmp(cmp, "FENCE\0\0\0", 8))
			seen = 0;
		if (gen <= seen) {
			printf("refused: the consumer has seen generation %" PRIu64 ", the writer has %" PRIu64 "\n",
			       seen, gen);
			return 3;
		}
		memset(cmp + bs, 0, bs);
		memcpy(cmp + bs, "FENCE\0\0\0", 8);
		memcpy(cmp + bs + 8, &gen, sizeof(gen));
		switch (sg_caw(fd, lba, cmp, bs, 30000)) {
		case SGCAW_OK:
			printf("accepted generation %" PRIu64 " (was %" PRIu64 ")\n", gen, seen);
			return 0;
		case SGCAW_MISCOMPARE:
			printf("refused: the block changed under the writer\n");
			return 4;
		default:
			perror("COMPARE AND WRITE");
			return 1;
		}
	}
	fprintf(stderr, "%s: bad arguments\n", argv[0]);
	return 2;
}
