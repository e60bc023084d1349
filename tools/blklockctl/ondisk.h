/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blklockctl: reading a lockspace's blocks from user space, without the
 * module (Documentation/blklock/disk-format.rst).
 */
#ifndef BLKLOCKCTL_ONDISK_H
#define BLKLOCKCTL_ONDISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What is wrong with a block, or BL_OK. */
enum bl_check {
	BL_OK,
	BL_BAD_MAGIC,		/* not a blklock structure at all */
	BL_BAD_CRC,		/* torn or damaged */
	BL_BAD_FIELDS,		/* checksum fine, contents impossible */
};

struct bl_header {
	uint32_t version, block_size, nr_locks, max_node_id;
	uint32_t hb_interval_ms, lease_timeout_ms;
	uint64_t lock_lba, hb_lba, created;
	uint64_t req_lba;	/* format 4: request block of node 1; else 0 */
	uint8_t uuid[16];
};

struct bl_hb {
	uint32_t node_id, flags;
	uint64_t incarnation, counter, timestamp;
	char name[64];		/* format 3: the node's name; "" if none */
};

struct bl_lock {
	uint32_t lock, owner, flags;	/* flags: BLKLOCK_LOCK_DELETED (format 4) */
	uint64_t generation, acquired, owner_incarnation;
	char name[64];		/* format 4: the lock's name; "" if none */
};

/* One request of a request block (format 4). */
struct bl_req_entry {
	uint32_t lock, asker;
	uint64_t generation, when;
};

/*
 * A request block (format 4): @count requests ever appended, the last
 * @nr of them (min(count, BLKLOCK_REQ_RING)) kept in the ring: request
 * number k is entry[(k - 1) % BLKLOCK_REQ_RING].  count 0: none yet.
 */
struct bl_req {
	uint32_t node_id, nr;
	uint64_t count;
	struct bl_req_entry entry[8];	/* BLKLOCK_REQ_RING */
};

/* An open device or image file. */
struct bl_disk {
	int fd;
	bool direct;		/* O_DIRECT: block devices */
	uint32_t bs;		/* logical block size */
	uint64_t nr_blocks;
	struct bl_header h;
};

/* What bl_scan_locks() counted. */
struct bl_scan {
	uint32_t held, free, damaged;
	uint32_t named, deleted;	/* format 4: named records, tombstones */
	uint64_t max_generation;
};

typedef void (*bl_lock_fn)(void *ctx, uint32_t index, enum bl_check c,
			   const struct bl_lock *r);

const char *bl_check_name(enum bl_check c);
int bl_open(struct bl_disk *d, const char *path);
bool bl_probe(const char *path, struct bl_header *h);
bool bl_node_name(const char *path, uint32_t id, char *name);
int bl_read(const struct bl_disk *d, uint64_t lba, uint32_t nr, void *buf);
void *bl_alloc(const struct bl_disk *d, uint32_t nr);
enum bl_check bl_header_decode(const void *blk, struct bl_header *h);
enum bl_check bl_hb_decode(const void *blk, uint32_t bs, uint32_t version,
			   uint32_t node_id, struct bl_hb *r);
enum bl_check bl_req_decode(const void *blk, uint32_t bs, uint32_t node_id,
			    struct bl_req *r);
const struct bl_req_entry *bl_req_nth(const struct bl_req *r, uint64_t k);
bool bl_node_name_valid(const char *name);
bool bl_lock_name_valid(const char *name);
enum bl_check bl_lock_decode(const void *blk, uint32_t bs, uint32_t version,
			     uint32_t index, struct bl_lock *r);
int bl_scan_locks(const struct bl_disk *d, bl_lock_fn fn, void *ctx,
		  struct bl_scan *st);

#endif
