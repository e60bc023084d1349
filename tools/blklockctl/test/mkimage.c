// SPDX-License-Identifier: GPL-2.0
/*
 * mkimage: write a lockspace image file for blklockctl's host tests of
 * dump and status, following Documentation/blklock/disk-format.rst with
 * 512-byte blocks.  Test-only.
 *
 *   mkimage FILE [--locks N] [--nodes M] [--heartbeat MS] [--lease MS]
 *           [--version V] [--slot NODE:INC:COUNTER[:FLAGS]]...
 *           [--name NODE:NAME]... [--lock I:OWNER:GEN:INC]... [--damage I]...
 *
 * Every slot is unused (incarnation 0) and every lock free at generation
 * 0 unless a --slot or --lock says otherwise; INC and FLAGS are read with
 * strtoull base 0 (0x... for hex).  --damage I spoils the checksum of
 * lock I.  --name writes NAME after NODE's slot, as format 3 does (also
 * into an image of --version 2, to make a slot that format has no room
 * for).  Defaults: 16 locks, 8 nodes, heartbeat 1000, lease 6000, the
 * format this blklockctl writes.
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
		"       [--lock I:OWNER:GEN:INC]... [--damage I]...\n");
	return 2;
}

int main(int argc, char **argv)
{
	uint32_t locks = 16, nodes = 8, hb = 1000, lease = 6000, i;
	uint32_t version = BLKLOCK_FORMAT_VERSION;
	uint64_t lock_lba;
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
		else if (strcmp(argv[a], "--slot") && strcmp(argv[a], "--lock") &&
			 strcmp(argv[a], "--damage") && strcmp(argv[a], "--name"))
			return usage();
	}
	if (a != argc || !locks || !nodes || nodes > BLKLOCK_MAX_NODE_ID)
		return usage();
	lock_lba = 1 + nodes;
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
	for (i = 0; i < locks; i++) {
		struct blklock_disk_lock *r = (void *)blk;
		uint64_t gen = 0, inc = 0;
		uint32_t owner = 0;
		bool damaged = false;

		for (a = 2; a + 1 < argc; a += 2) {
			unsigned long long l, o, g, x;

			if (!strcmp(argv[a], "--damage") &&
			    strtoul(argv[a + 1], NULL, 0) == i)
				damaged = true;
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
		r->generation = htole64(gen);
		r->acquired = htole64(owner ? 1700000000ULL * 1000000000ULL : 0);
		r->owner_incarnation = htole64(inc);
		seal(r, offsetof(struct blklock_disk_lock, crc));
		if (damaged)
			r->crc ^= htole32(1);
		ret |= put(lock_lba + i, blk);
	}
	if (close(fd)) {
		perror("mkimage: close");
		ret = 1;
	}
	return ret;
}
